"""NumPy kernels of the random ops (flowkit/ops/random_ops.py).

Each kernel gets the op's per-session ``np.random.Generator`` as ``attrs["rng"]``.
"""
from __future__ import annotations

import numpy as np

from flowkit.backend import KernelTable, check_random_int_bounds

KERNELS = KernelTable()


def _shape(shape):
    return tuple(int(d) for d in np.reshape(shape, [-1]))


def _floats(rng, draw, shape, np_dtype):
    """Draws with ``draw(size, dtype)`` in float32/float64 (NumPy has no float16 generator)."""
    work = np_dtype if np_dtype in (np.float32, np.float64) else np.float32
    return np.asarray(draw(size=shape, dtype=work)).astype(np_dtype, copy=False)


@KERNELS.register("RandomStandardNormal")
def _standard_normal(attrs, shape):
    return _floats(attrs["rng"], attrs["rng"].standard_normal, _shape(shape),
                   np.dtype(attrs["dtype"].as_numpy_dtype))


@KERNELS.register("TruncatedNormal")
def _truncated_normal(attrs, shape):
    rng, np_dtype = attrs["rng"], np.dtype(attrs["dtype"].as_numpy_dtype)
    out = _floats(rng, rng.standard_normal, _shape(shape), np_dtype)
    flat = out.reshape(-1)
    bad = np.flatnonzero(np.abs(flat) > 2)
    while bad.size:                      # re-draw only the samples outside [-2, 2]
        flat[bad] = _floats(rng, rng.standard_normal, (bad.size,), np_dtype)
        bad = bad[np.abs(flat[bad]) > 2]
    return out


@KERNELS.register("RandomUniform")
def _uniform(attrs, shape):
    return _floats(attrs["rng"], attrs["rng"].random, _shape(shape),
                   np.dtype(attrs["dtype"].as_numpy_dtype))


@KERNELS.register("RandomUniformInt")
def _uniform_int(attrs, shape, lo, hi):
    lo, hi = np.asarray(lo), np.asarray(hi)
    check_random_int_bounds(lo, hi)
    return np.asarray(attrs["rng"].integers(lo, hi, size=_shape(shape), dtype=lo.dtype))


@KERNELS.register("RandomShuffle")
def _shuffle(attrs, x):
    x = np.asarray(x)
    if x.ndim == 0 or x.shape[0] <= 1:
        return np.array(x, copy=True)
    return x[attrs["rng"].permutation(x.shape[0])]
