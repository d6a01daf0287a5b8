"""A small generated sequence task for the recurrent-network tutorial and tests: the
*parity* of bit strings of varying length (is the number of ones odd?), made from a seed,
nothing downloaded.

Example:
    >>> from flowkit.datasets.sequences import load_parity
    >>> d = load_parity(n=4, max_len=6, seed=0)
    >>> d.bits.shape, d.lengths.shape, d.labels.shape
    ((4, 6, 1), (4,), (4,))
    >>> bool((d.bits[:, :, 0].sum(1) % 2 == d.labels).all())
    True
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Parity", "load_parity"]


class Parity(NamedTuple):
    """``bits``: float32 ``[n, max_len, 1]`` (zero past each sequence's end); ``lengths``:
    int32 ``[n]``; ``labels``: int32 ``[n]``, 1 when the sequence holds an odd number of
    ones."""

    bits: np.ndarray
    lengths: np.ndarray
    labels: np.ndarray


def load_parity(n=2000, max_len=12, min_len=1, seed=0, task="parity") -> Parity:
    """``n`` random bit strings of lengths ``min_len..max_len`` and their labels: the parity
    (``task="parity"``), or whether more than half of the bits are ones
    (``task="majority"``)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, size=n).astype(np.int32)
    bits = rng.integers(0, 2, size=(n, max_len)).astype(np.float32)
    bits[np.arange(max_len)[None, :] >= lengths[:, None]] = 0.0
    if task == "parity":
        labels = (bits.sum(1) % 2).astype(np.int32)
    elif task == "majority":
        labels = (2 * bits.sum(1) > lengths).astype(np.int32)
    else:
        raise ValueError(f"task must be 'parity' or 'majority', got {task!r}")
    return Parity(bits[:, :, None], lengths, labels)
