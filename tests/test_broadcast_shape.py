"""The NumPy out= elementwise kernels' broadcast shape (plugins/flowkit_numpy/kernels_math.py):
the same shape, or the same error, as ``np.broadcast_shapes`` for every pair of shapes."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from flowkit import plugins


def _shapes():
    for n in range(4):
        yield from itertools.product((1, 2, 3), repeat=n)


def test_broadcast_shape_is_numpys():
    import flowkit_numpy.kernels_math as km
    for a in _shapes():
        for b in _shapes():
            try:
                want = np.broadcast_shapes(a, b)
            except ValueError:
                with pytest.raises(ValueError):
                    km._broadcast_shape(a, b)
            else:
                assert km._broadcast_shape(a, b) == want, (a, b)


def test_out_mul_of_a_column_and_a_matrix_writes_into_the_buffer():
    be = plugins.get_backend("numpy")
    a = np.arange(4, dtype=np.float32).reshape(4, 1)
    b = np.ones((4, 3), np.float32)
    out = np.empty((4, 3), np.float32)
    assert be.out_kernels["Mul"]({}, out, a, b) is out
    assert np.array_equal(out, a * b)
