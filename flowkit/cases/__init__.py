"""Conformance cases, one module per op family that has its own (the core families' cases are
in :mod:`flowkit.testing_cases`, which gathers them all into ``CASES``).

A family's module holds ``CASES``, a list of :class:`Case`.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Case:
    """One conformance case: ``build(*placeholders) -> tensor`` applied to ``inputs``.

    Attributes:
        name: a short label (usually the op type it exercises).
        build: makes the graph from one placeholder per input.
        inputs: NumPy arrays; their dtypes give the placeholders' dtypes.
        grad: also run :func:`~flowkit.testing.check_gradients` through the backend (float
            inputs only).
        random: the op draws random numbers: compare dtype and shape only, and the moments
            loosely, not the values.
    """

    name: str
    build: object
    inputs: list
    grad: bool = False
    random: bool = False
    rtol: float = 1e-5
    atol: float = 1e-6
