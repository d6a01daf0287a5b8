"""NumPy kernels of the math ops (flowkit/ops/math_ops.py)."""
from __future__ import annotations

import numpy as np


def _matmul(attrs, a, b):
    if attrs["transpose_a"]:
        a = np.swapaxes(a, -1, -2)
    if attrs["transpose_b"]:
        b = np.swapaxes(b, -1, -2)
    return np.matmul(a, b)


def _reduce(fn):
    def kernel(attrs, x):
        return fn(x, axis=attrs["axis"], keepdims=attrs["keepdims"])
    return kernel


def _mean(attrs, x):
    out = np.mean(x, axis=attrs["axis"], keepdims=attrs["keepdims"])
    if x.dtype.kind in "iub":
        # TF's integer mean is the truncated integer division of the sum.
        s = np.sum(x, axis=attrs["axis"], keepdims=attrs["keepdims"], dtype=np.int64)
        n = x.size // max(np.size(s), 1)
        return (np.trunc(s / max(n, 1))).astype(x.dtype)
    return np.asarray(out, dtype=x.dtype)


def _reduced_shape(attrs, shape):
    out = np.array(shape, copy=True)
    axis = attrs["axis"]
    if axis is None:
        out[:] = 1
    else:
        out[[a % max(len(out), 1) for a in axis]] = 1
    return out


KERNELS = {
    "Add": lambda attrs, x, y: np.add(x, y),
    "Sub": lambda attrs, x, y: np.subtract(x, y),
    "Mul": lambda attrs, x, y: np.multiply(x, y),
    "RealDiv": lambda attrs, x, y: np.true_divide(x, y),
    "Neg": lambda attrs, x: np.negative(x),
    "MatMul": _matmul,
    "AddN": lambda attrs, *xs: sum(xs[1:], xs[0]),
    "Sum": _reduce(np.sum),
    "Mean": _mean,
    "ReducedShape": _reduced_shape,
}
