"""Torch kernels of the math ops (flowkit/ops/math_ops.py), with TF1's semantics.

Where PyTorch and TF differ, TF wins: sums keep the input dtype (torch widens integers to
int64), an empty axis list reduces nothing (torch reduces everything), integer means
truncate, integer division and modulo floor (the result takes the divisor's sign), an
integer division by zero and an integer to a negative power are errors, ``sign(nan)`` is nan,
argmax gives the dtype asked for, empty max/min reductions give -inf/+inf.
"""
from __future__ import annotations

import os

import torch

from flowkit.backend import (KernelTable, check_int_reciprocal, checked_axis,
                             checked_reduction_axes,
                             named_elementwise_kernels, reduced_dims)
from flowkit_torch._common import host_ints, is_int, small_int_tensor, tdtype

KERNELS = KernelTable()


# --------------------------------------------------------------------------------------------
# Binary arithmetic
# --------------------------------------------------------------------------------------------
def _check_int_divisor(y):
    if is_int(y) and bool((y == 0).any()):
        raise ZeroDivisionError("Integer division by zero")


@KERNELS.register("RealDiv")
def _real_div(attrs, x, y):
    if x.dtype.is_floating_point:
        return torch.div(x, y)
    _check_int_divisor(y)
    return torch.div(x, y, rounding_mode="trunc")


@KERNELS.register("FloorDiv")
def _floor_div(attrs, x, y):
    _check_int_divisor(y)
    return torch.div(x, y, rounding_mode="floor")


@KERNELS.register("FloorMod")
def _floor_mod(attrs, x, y):
    _check_int_divisor(y)
    return torch.remainder(x, y)


@KERNELS.register("Pow")
def _pow(attrs, x, y):
    if is_int(y) and bool((y < 0).any()):
        raise ValueError("Integers to negative integer powers are not allowed")
    return torch.pow(x, y)


@KERNELS.register("SquaredDifference")
def _squared_difference(attrs, x, y):
    d = torch.sub(x, y)
    return d.mul_(d)


# --------------------------------------------------------------------------------------------
# Unary
# --------------------------------------------------------------------------------------------
@KERNELS.register("Sign")
def _sign(attrs, x):
    out = torch.sign(x)
    if x.dtype.is_floating_point:
        out = torch.where(torch.isnan(x), x, out)       # TF and NumPy: sign(nan) is nan
    return out


@KERNELS.register("Reciprocal")
def _reciprocal(attrs, x):
    if x.dtype.is_floating_point:
        return torch.reciprocal(x)
    check_int_reciprocal(bool((x == 0).any()))
    return torch.div(torch.ones_like(x), x, rounding_mode="trunc")


# --------------------------------------------------------------------------------------------
# Sums and products of tensors
# --------------------------------------------------------------------------------------------
def _onednn_linear():
    """PyTorch's oneDNN matrix product (``y = x @ w.T``, the op its compiler uses for CPU
    linear layers), or ``None`` where this build of PyTorch lacks it or
    ``FLOWKIT_TORCH_ONEDNN=0``."""
    if os.environ.get("FLOWKIT_TORCH_ONEDNN", "1") == "0":
        return None
    try:
        if not torch.backends.mkldnn.is_available():
            return None
        op = torch.ops.mkldnn._linear_pointwise
    except (AttributeError, RuntimeError):
        return None
    return lambda x, w: op(x, w, None, "none", [], "")


_ONEDNN_LINEAR = _onednn_linear()
_ONEDNN_MIN, _ONEDNN_MIN_TRANSPOSED = 1 << 24, 1 << 27      # multiply-adds


def _use_onednn(a, b, transpose_a) -> bool:
    """Whether a CPU float32 product goes to oneDNN instead of PyTorch's BLAS (MKL).

    TF's CPU kernels use oneDNN. MKL, which PyTorch calls for ``torch.matmul``, runs its
    AVX2 code on AMD processors even where they have AVX-512; oneDNN picks its code by the
    instructions present. Measured on a 2-core AMD EPYC (Zen 4; see docs/performance.md):
    oneDNN is 10 to 45 % faster from about 16M multiply-adds up, except with a transposed
    first operand (a weight gradient), which it copies first; that pays from about 128M.
    Below those sizes the call costs more than it saves."""
    if _ONEDNN_LINEAR is None or a.dtype != torch.float32 or a.ndim != 2 or b.ndim != 2 \
            or a.device.type != "cpu" or b.dtype != torch.float32:
        return False
    size = a.shape[0] * a.shape[1] * b.shape[1]
    return size >= (_ONEDNN_MIN_TRANSPOSED if transpose_a else _ONEDNN_MIN)


@KERNELS.register("MatMul")
def _matmul(attrs, a, b):
    if attrs["transpose_a"]:
        a = a.transpose(-1, -2)
    if attrs["transpose_b"]:
        b = b.transpose(-1, -2)
    if not a.dtype.is_floating_point and a.device.type != "cpu":
        # CUDA has no integer GEMM: multiply-and-sum with broadcasting instead.
        return (a.unsqueeze(-1) * b.unsqueeze(-3)).sum(-2, dtype=a.dtype)
    if _use_onednn(a, b, attrs["transpose_a"]):
        return _ONEDNN_LINEAR(a, b.t())
    return torch.matmul(a, b)


@KERNELS.register("AddN")
def _add_n(attrs, *xs):
    if len(xs) == 1:
        return xs[0].clone()
    out = torch.add(xs[0], xs[1])
    for x in xs[2:]:
        out.add_(x)
    return out


def _cumulative(fn, identity):
    def kernel(attrs, x):
        axis = checked_axis(attrs["axis"], x.ndim)
        if attrs["reverse"]:
            x = x.flip(axis)
        if attrs["exclusive"] and x.shape[axis] > 0:
            # Shift by one along the axis: [identity, x0, ..., x(n-2)].
            first = torch.full_like(x.narrow(axis, 0, 1), identity)
            x = torch.cat([first, x.narrow(axis, 0, x.shape[axis] - 1)], dim=axis)
        out = fn(x, dim=axis, dtype=x.dtype)
        return out.flip(axis) if attrs["reverse"] else out
    return kernel


# --------------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------------
def reduce_dims(attrs, x):
    """The dims a reduction reduces (a tuple), or ``None`` when it reduces nothing."""
    axis = attrs["axis"]
    if axis is None:
        return tuple(range(x.ndim))
    return checked_reduction_axes(axis, x.ndim) or None


def _reduction(fn):
    """A kernel from ``fn(x, dims, keepdim) -> tensor``, handling "reduce nothing"."""
    def kernel(attrs, x):
        dims = reduce_dims(attrs, x)
        if dims is None or not dims:
            return x.clone()
        return fn(x, dims, attrs["keepdims"])
    return kernel


def _sum(x, dims, keep):
    return torch.sum(x, dim=dims, keepdim=keep, dtype=x.dtype)


def _mean(x, dims, keep):
    if x.dtype.is_floating_point:
        return torch.mean(x, dim=dims, keepdim=keep)
    # TF's integer mean: the sum, divided with truncation by the count.
    s = torch.sum(x, dim=dims, keepdim=keep, dtype=torch.int64)
    n = x.numel() // max(s.numel(), 1)
    return torch.div(s, max(n, 1), rounding_mode="trunc").to(x.dtype)


def _one_dim_at_a_time(fn):
    """For torch reductions that take a single dim (prod)."""
    def reduce(x, dims, keep):
        out = x
        for d in sorted(dims, reverse=True):
            out = fn(out, d, keep)
        return out
    return reduce


def _extreme(fn, floor):
    """Max/Min; an empty reduction gives -inf/+inf (the smallest/largest int), as in TF."""
    def reduce(x, dims, keep):
        if x.numel() == 0:
            shape = [1 if i in dims else d for i, d in enumerate(x.shape)] if keep else \
                [d for i, d in enumerate(x.shape) if i not in dims]
            if x.dtype.is_floating_point:
                fill = floor * float("inf")
            else:
                info = torch.iinfo(x.dtype)
                fill = info.min if floor < 0 else info.max
            return torch.full(shape, fill, dtype=x.dtype, device=x.device)
        return fn(x, dim=dims, keepdim=keep)
    return reduce


def _logical(fn):
    def reduce(x, dims, keep):
        out = x
        for d in sorted(dims, reverse=True):
            out = fn(out, dim=d, keepdim=keep)
        return out
    return reduce


def _arg(fn):
    def kernel(attrs, x):
        out = fn(x, dim=checked_axis(attrs["axis"], x.ndim))
        return out.to(tdtype(attrs["output_type"]))
    return kernel


@KERNELS.register("ReducedShape")
def _reduced_shape(attrs, shape):
    return small_int_tensor(reduced_dims(host_ints(shape), attrs["axis"]), shape.dtype,
                            shape.device)


#: Kernels short enough to be one expression (and those that are one function with NumPy's
#: name: torch.less is torch.lt...).
KERNELS.update({
    **named_elementwise_kernels(torch),
    # unary
    "Sqrt": lambda attrs, x: torch.sqrt(x),
    "Rsqrt": lambda attrs, x: torch.rsqrt(x),
    "Exp": lambda attrs, x: torch.exp(x),
    "Log": lambda attrs, x: torch.log(x),
    "Log1p": lambda attrs, x: torch.log1p(x),
    "Sigmoid": lambda attrs, x: torch.sigmoid(x),
    # aten's fused backward kernels: one pass instead of three ops
    "SigmoidGrad": lambda attrs, y, dy: torch.ops.aten.sigmoid_backward(dy, y),
    "TanhGrad": lambda attrs, y, dy: torch.ops.aten.tanh_backward(dy, y),
    # comparisons and logic
    "Equal": lambda attrs, x, y: torch.eq(x, y),
    "NotEqual": lambda attrs, x, y: torch.ne(x, y),
    # sums and products of tensors
    "Cumsum": _cumulative(torch.cumsum, 0),
    "Cumprod": _cumulative(torch.cumprod, 1),
    # reductions
    "Sum": _reduction(_sum),
    "Mean": _reduction(_mean),
    "Prod": _reduction(_one_dim_at_a_time(lambda x, d, k: torch.prod(x, d, keepdim=k,
                                                                     dtype=x.dtype))),
    "Max": _reduction(_extreme(torch.amax, -1)),
    "Min": _reduction(_extreme(torch.amin, +1)),
    "Any": _reduction(_logical(torch.any)),
    "All": _reduction(_logical(torch.all)),
    "ArgMax": _arg(torch.argmax),
    "ArgMin": _arg(torch.argmin),
})

#: Op types whose kernels also accept string tensors (NumPy object arrays), via NumPy.
STRING_OPS = {"Add", "Equal", "NotEqual", "AddN"}   # "AddN": also the sum of two TensorArray flows


def _commutative_into(method):
    """In place into the donated input ``j`` of a commutative op (``x + y == y + x`` bit for
    bit): ``NotImplemented`` when that input is not a tensor the result fits, so the backend
    runs the normal kernel (PyTorch checks the shape before it writes anything)."""
    def kernel(attrs, j, x, y):
        d, other = (x, y) if j == 0 else (y, x)
        if not (isinstance(d, torch.Tensor) and isinstance(other, torch.Tensor)) or \
                d.dtype != other.dtype:
            return NotImplemented
        try:
            return getattr(d, method)(other)
        except RuntimeError:
            return NotImplemented
    return kernel


#: In-place kernels (see flowkit.backend): ``NotImplemented`` means "use the normal kernel".
INPLACE = {
    "Add": _commutative_into("add_"),
    "Mul": _commutative_into("mul_"),
}


# --------------------------------------------------------------------------------------------
# Bitwise ops and NextAfter (flowkit/ops/bitwise_ops.py)
# --------------------------------------------------------------------------------------------
def _clamped_shift(fn):
    """A shift whose amount is clamped into ``[0, bits - 1]``, as TF's kernels clamp it."""
    def kernel(attrs, x, y):
        return fn(x, torch.clamp(y, 0, torch.iinfo(x.dtype).bits - 1))
    return kernel


KERNELS.update({
    "BitwiseAnd": lambda attrs, x, y: torch.bitwise_and(x, y),
    "BitwiseOr": lambda attrs, x, y: torch.bitwise_or(x, y),
    "BitwiseXor": lambda attrs, x, y: torch.bitwise_xor(x, y),
    "Invert": lambda attrs, x: torch.bitwise_not(x),
    "LeftShift": _clamped_shift(torch.bitwise_left_shift),
    "RightShift": _clamped_shift(torch.bitwise_right_shift),
    "NextAfter": lambda attrs, x, y: torch.nextafter(x, y),
})
