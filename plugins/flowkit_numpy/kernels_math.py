"""NumPy kernels of the math ops (flowkit/ops/math_ops.py).

Every kernel returns exactly the dtype its op promised: NumPy widens some results (``np.sum``
of int32 is int64 on Linux), so those kernels pass ``dtype=`` explicitly.
"""
from __future__ import annotations

import numpy as np

from flowkit.backend import (KernelTable, check_int_reciprocal, checked_axis,
                             checked_reduction_axes, named_elementwise_kernels, out_array,
                             out_result, reduced_dims)

KERNELS = KernelTable()


def _quiet(fn):
    """Floating-point edge cases (1/0, log(-1)) give inf/nan as in TF, without warnings."""
    def kernel(attrs, *xs):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return fn(*xs)
    return kernel


def _int_checked(fn):
    """Integer division by zero is an error in TF (NumPy would return 0 with a warning)."""
    def kernel(attrs, x, y):
        if np.asarray(y).dtype.kind in "iu" and np.any(np.asarray(y) == 0):
            raise ZeroDivisionError("Integer division by zero")
        with np.errstate(divide="ignore", invalid="ignore"):
            return fn(x, y)
    return kernel


def _reciprocal(attrs, x):
    x = np.asarray(x)
    if x.dtype.kind in "iu":
        check_int_reciprocal(bool(np.any(x == 0)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.reciprocal(x)


def _sigmoid(x):
    """``1 / (1 + exp(-x))`` without overflow, as ``exp(min(x, 0)) / (1 + exp(-|x|))``: the
    same numbers as choosing ``1 / (1 + e)`` or ``e / (1 + e)`` by the sign, in two buffers."""
    x = np.asarray(x)
    den = np.abs(x, out=np.empty_like(x))
    np.negative(den, out=den)
    np.exp(den, out=den)
    den += 1
    out = np.minimum(x, 0, out=np.empty_like(x))
    np.exp(out, out=out)
    return np.divide(out, den, out=out)


def _rsqrt(x):
    return (1 / np.sqrt(x)).astype(np.asarray(x).dtype, copy=False)


def _equal(fn):
    def kernel(attrs, x, y):
        out = fn(x, y)
        return np.asarray(out, dtype=np.bool_)   # object (string) arrays compare to objects
    return kernel


@KERNELS.register("MatMul")
def _matmul(attrs, a, b):
    if attrs["transpose_a"]:
        a = np.swapaxes(a, -1, -2)
    if attrs["transpose_b"]:
        b = np.swapaxes(b, -1, -2)
    return np.matmul(a, b)


def _reduce(fn, keep_dtype=True):
    def kernel(attrs, x):
        kw = {"dtype": x.dtype} if keep_dtype else {}
        axis = checked_reduction_axes(attrs["axis"], np.ndim(x))
        return fn(x, axis=axis, keepdims=attrs["keepdims"], **kw)
    return kernel


def _extreme(fn, floor):
    """Max/Min; an empty reduction gives -inf/+inf (the smallest/largest int), as in TF."""
    def kernel(attrs, x):
        x = np.asarray(x)
        if x.dtype.kind == "f":
            initial = floor * np.inf
        else:
            info = np.iinfo(x.dtype)
            initial = info.min if floor < 0 else info.max
        axis = checked_reduction_axes(attrs["axis"], x.ndim)
        return fn(x, axis=axis, keepdims=attrs["keepdims"], initial=initial)
    return kernel


@KERNELS.register("Mean")
def _mean(attrs, x):
    attrs = dict(attrs, axis=checked_reduction_axes(attrs["axis"], np.ndim(x)))
    if x.dtype.kind in "iub":
        # TF's integer mean is the truncated integer division of the sum.
        s = np.sum(x, axis=attrs["axis"], keepdims=attrs["keepdims"], dtype=np.int64)
        n = x.size // max(np.size(s), 1)
        return (np.trunc(s / max(n, 1))).astype(x.dtype)
    if x.size and x.dtype in (np.float32, np.float64):
        # np.mean's own steps (a pairwise sum, then a division by the count), without its
        # Python-level checks: bit for bit the same, 1.5 us instead of 4.7 us on a batch of
        # losses.
        s = np.add.reduce(x, axis=attrs["axis"], keepdims=attrs["keepdims"])
        return np.asarray(np.true_divide(s, x.size // max(np.size(s), 1)), dtype=x.dtype)
    out = np.mean(x, axis=attrs["axis"], keepdims=attrs["keepdims"])
    return np.asarray(out, dtype=x.dtype)


@KERNELS.register("ReducedShape")
def _reduced_shape(attrs, shape):
    return np.array(reduced_dims(shape, attrs["axis"]), dtype=np.asarray(shape).dtype)


def _cumulative(fn, identity):
    def kernel(attrs, x):
        x = np.asarray(x)
        axis = checked_axis(attrs["axis"], x.ndim)
        if attrs["reverse"]:
            x = np.flip(x, axis)
        if attrs["exclusive"] and x.shape[axis] > 0:
            # Shift by one along the axis: [identity, x0, ..., x(n-2)].
            first = np.full_like(np.take(x, [0], axis=axis), identity)
            rest = np.take(x, np.arange(x.shape[axis] - 1), axis=axis)
            x = np.concatenate([first, rest], axis=axis)
        out = fn(x, axis=axis, dtype=x.dtype)
        return np.flip(out, axis) if attrs["reverse"] else out
    return kernel


def _arg(fn):
    def kernel(attrs, x):
        axis = checked_axis(attrs["axis"], np.ndim(x))
        return np.asarray(fn(x, axis=axis)).astype(attrs["output_type"].as_numpy_dtype)
    return kernel


#: Kernels short enough to be one expression (and those that are one NumPy function).
KERNELS.update({
    **named_elementwise_kernels(np),
    # binary arithmetic
    "RealDiv": _quiet(np.true_divide),
    "FloorDiv": _int_checked(np.floor_divide),
    "FloorMod": _int_checked(np.mod),
    "Pow": _quiet(np.power),
    "SquaredDifference": lambda attrs, x, y: np.square(np.subtract(x, y)),
    # unary
    "Sign": lambda attrs, x: np.sign(x),
    "Sqrt": _quiet(np.sqrt),
    "Rsqrt": _quiet(_rsqrt),
    "Exp": _quiet(np.exp),
    "Log": _quiet(np.log),
    "Log1p": _quiet(np.log1p),
    "Sigmoid": lambda attrs, x: _sigmoid(np.asarray(x)),
    "SigmoidGrad": lambda attrs, y, dy: np.multiply(dy, y) * (1 - y),    # TF's order
    "TanhGrad": lambda attrs, y, dy: np.multiply(dy, 1 - np.multiply(y, y)),
    "Reciprocal": _reciprocal,
    # comparisons and logic
    "Equal": _equal(np.equal),
    "NotEqual": _equal(np.not_equal),
    # sums and products of tensors
    "AddN": lambda attrs, *xs: sum(xs[1:], xs[0]),
    "Cumsum": _cumulative(np.cumsum, 0),
    "Cumprod": _cumulative(np.cumprod, 1),
    # reductions
    "Sum": _reduce(np.sum),
    "Prod": _reduce(np.prod),
    "Max": _extreme(np.max, -1),
    "Min": _extreme(np.min, +1),
    "Any": _reduce(np.any, keep_dtype=False),
    "All": _reduce(np.all, keep_dtype=False),
    "ArgMax": _arg(np.argmax),
    "ArgMin": _arg(np.argmin),
})


def _into(ufunc):
    """The in-place form of an elementwise kernel (see :mod:`flowkit.backend`): the result
    goes into the donated input ``j`` when that is a writable array it fits (same shape and
    dtype: NumPy refuses an ``out`` of another shape before computing anything), else into
    new memory. Bit for bit the result of ``ufunc(*xs)``."""
    def kernel(attrs, j, *xs):
        d = xs[j]
        if type(d) is np.ndarray and d.flags.writeable and d.dtype.kind in "iufc":
            try:
                return ufunc(*xs, out=d)
            except (ValueError, TypeError):
                pass
        return ufunc(*xs)
    return kernel


#: In-place kernels: on W2 (MLP step), writing the bias adds, ReLUs, their gradients and the
#: scaled gradients into the dying inputs instead of new arrays saved 2 to 6 % of the step
#: (docs/performance.md, change 18).
INPLACE = {
    "Add": _into(np.add),
    "Sub": _into(np.subtract),
    "Mul": _into(np.multiply),
    "Tanh": _into(np.tanh),
}


def _broadcast_shape(a, b):
    """``np.broadcast_shapes(a, b)`` without its cost (about 4 us) in the common cases:
    equal shapes, one shape the other's last dimensions (a bias), a dimension of 1 against
    the other's (``[N, 1] * [N, 10]``, a loss gradient). Other shapes, and shapes that do not
    broadcast (the error), go to NumPy.

    Example:
        >>> _broadcast_shape((64, 10), (10,)), _broadcast_shape((128, 1), (128, 10))
        ((64, 10), (128, 10))
    """
    if a == b:
        return a
    n, m = len(a), len(b)
    if m <= n and a[n - m:] == b:
        return a
    if n <= m and b[m - n:] == a:
        return b
    if n == m:
        if all(p == q or q == 1 for p, q in zip(a, b)):
            return a
        if all(p == q or p == 1 for p, q in zip(a, b)):
            return b
    return np.broadcast_shapes(a, b)


def _out_ufunc(ufunc, kernel_of):
    """The out= form of an elementwise kernel (see :mod:`flowkit.backend`): the result goes
    into the plan's buffer ``out`` when it fits the broadcast shape and the inputs' common
    numeric dtype; other inputs (strings, mixed dtypes) go to the op's kernel."""
    def kernel(attrs, out, x, y):
        if type(x) is np.ndarray and type(y) is np.ndarray and y.dtype == x.dtype and \
                x.dtype.kind in "iufc":
            return ufunc(x, y, out=out_array(out, _broadcast_shape(x.shape, y.shape), x.dtype))
        return out_result(out, KERNELS[kernel_of](attrs, x, y))
    return kernel


def _matmul_out(attrs, out, a, b):
    """MatMul into the plan's buffer: the same ``np.matmul`` (bit for bit), with ``out=``."""
    if attrs["transpose_a"]:
        a = np.swapaxes(a, -1, -2)
    if attrs["transpose_b"]:
        b = np.swapaxes(b, -1, -2)
    if a.ndim == 2 and b.ndim == 2 and a.dtype == b.dtype and a.shape[1] == b.shape[0]:
        return np.matmul(a, b, out=out_array(out, (a.shape[0], b.shape[1]), a.dtype))
    return out_result(out, np.matmul(a, b))


#: out= kernels (see flowkit.backend): with the plan's buffers, W4's matrix products and
#: elementwise ops write into memory reused every step instead of new memory.
OUT = {
    "MatMul": _matmul_out,
    "Add": _out_ufunc(np.add, "Add"),
    "Sub": _out_ufunc(np.subtract, "Sub"),
    "Mul": _out_ufunc(np.multiply, "Mul"),
}


# --------------------------------------------------------------------------------------------
# Bitwise ops and NextAfter (flowkit/ops/bitwise_ops.py)
# --------------------------------------------------------------------------------------------
def _clamped_shift(fn):
    """A shift whose amount is clamped into ``[0, bits - 1]``, as TF's kernels clamp it."""
    def kernel(attrs, x, y):
        x, y = np.asarray(x), np.asarray(y)
        amount = np.clip(y, 0, x.dtype.itemsize * 8 - 1).astype(y.dtype, copy=False)
        return fn(x, amount)
    return kernel


KERNELS.update({
    "BitwiseAnd": lambda attrs, x, y: np.bitwise_and(x, y),
    "BitwiseOr": lambda attrs, x, y: np.bitwise_or(x, y),
    "BitwiseXor": lambda attrs, x, y: np.bitwise_xor(x, y),
    "Invert": lambda attrs, x: np.invert(x),
    "LeftShift": _clamped_shift(np.left_shift),
    "RightShift": _clamped_shift(np.right_shift),
    "NextAfter": lambda attrs, x, y: np.nextafter(x, y),
})
