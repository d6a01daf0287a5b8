"""Small datasets that ship with flowkit, so examples and tests run without a network.

Example:
    >>> from flowkit import datasets
    >>> d = datasets.load_digits()
    >>> d.train_images.shape, d.test_images.shape, d.train_labels.dtype
    ((1438, 8, 8), (359, 8, 8), dtype('int64'))
"""
from __future__ import annotations

import os
from typing import NamedTuple

import numpy as np

__all__ = ["Digits", "load_digits", "one_hot"]

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


class Digits(NamedTuple):
    """Train and test splits of the 8x8 digits. Images are float32 in [0, 1] (the raw
    0..16 counts divided by 16), shaped ``(n, 8, 8)``; labels are int64 digits 0-9."""

    train_images: np.ndarray
    train_labels: np.ndarray
    test_images: np.ndarray
    test_labels: np.ndarray


def load_digits(test_fraction: float = 0.2, seed: int = 0) -> Digits:
    """The UCI 8x8 handwritten digits (1797 images), split into train and test sets.

    The split is a seeded shuffle, so the same arguments always give the same split. See
    ``flowkit/datasets/data/README.md`` for the source and license (CC BY 4.0).

    Args:
        test_fraction: the share of the images held out for testing.
        seed: the seed of the shuffle.
    """
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be between 0 and 1, got {test_fraction}")
    with np.load(os.path.join(DATA_DIR, "digits.npz"), allow_pickle=False) as f:
        images = f["images"].astype(np.float32) / np.float32(16.0)
        labels = f["labels"].astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(labels))
    n_test = int(round(len(labels) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return Digits(images[train], labels[train], images[test], labels[test])


def one_hot(labels, depth: int = 10, dtype=np.float32) -> np.ndarray:
    """``labels`` (ints) as rows of a ``depth``-wide identity matrix.

    Example:
        >>> one_hot([2, 0], depth=3)
        array([[0., 0., 1.],
               [1., 0., 0.]], dtype=float32)
    """
    labels = np.asarray(labels)
    return np.eye(depth, dtype=dtype)[labels]
