"""PyTorch kernels of :mod:`flowkit.ops.special_math_ops`, with TF's edge values.

Where PyTorch and TF differ, TF wins: ``digamma(0)`` is nan (torch: -inf); ``zeta(x, q)`` at
a non-positive integer ``q`` is inf only for an even integer ``x``, else nan (Eigen's rule;
torch: inf); ``polygamma`` is TF's ``(-1)^(n+1) n! zeta(n + 1, x)`` (torch's own is finite at
the negative integers), nan for a non-integer order; integer truncating division by zero is
an error.
"""
from __future__ import annotations

import torch

from flowkit.backend import KernelTable
from flowkit_torch._common import is_int

KERNELS = KernelTable()


def _check_int_divisor(y):
    if is_int(y) and bool((y == 0).any()):
        raise ZeroDivisionError("Integer division by zero")


@KERNELS.register("TruncateDiv")
def _truncate_div(attrs, x, y):
    _check_int_divisor(y)
    if x.dtype.is_floating_point:
        return torch.trunc(torch.div(x, y))
    return torch.div(x, y, rounding_mode="trunc")


@KERNELS.register("TruncateMod")
def _truncate_mod(attrs, x, y):
    _check_int_divisor(y)
    return torch.fmod(x, y)


def _zero_where(cond, value, like):
    return torch.where(cond, torch.zeros((), dtype=like.dtype, device=like.device), value)


@KERNELS.register("DivNoNan")
def _div_no_nan(attrs, x, y):
    return _zero_where(y == 0, torch.div(x, y), x)


@KERNELS.register("Xlogy")
def _xlogy(attrs, x, y):
    return _zero_where(x == 0, x * torch.log(y), x)


@KERNELS.register("Xdivy")
def _xdivy(attrs, x, y):
    return _zero_where(x == 0, torch.div(x, y), x)


def _digamma(x):
    out = torch.digamma(x)
    return torch.where(x == 0, torch.full_like(out, float("nan")), out)


@KERNELS.register("Digamma")
def _digamma_kernel(attrs, x):
    return _digamma(x)


def _eigen_zeta(x, q):
    """torch's zeta (Cephes) with Eigen's value at q a non-positive integer: inf only when x
    is an even integer, else nan."""
    out = torch.special.zeta(x, q)
    pole = (q <= 0) & (q == torch.floor(q))
    even = (x == torch.floor(x)) & (torch.remainder(x, 2) == 0)
    return torch.where(pole & ~even, torch.full_like(out, float("nan")), out)


@KERNELS.register("Polygamma")
def _polygamma(attrs, n, x):
    n, x = torch.broadcast_tensors(n, x)
    valid = (n >= 0) & (n == torch.floor(n))
    m = torch.where(valid, n, torch.ones_like(n))
    sign = torch.where(torch.remainder(m + 1, 2) == 0, 1.0, -1.0).to(x.dtype)
    out = sign * torch.exp(torch.lgamma(m + 1)) * _eigen_zeta(m + 1, x)
    out = torch.where(m == 0, _digamma(x), out)
    return torch.where(valid, out, torch.full_like(out, float("nan")))


@KERNELS.register("Zeta")
def _zeta(attrs, x, q):
    return _eigen_zeta(*torch.broadcast_tensors(x, q))


def _unary(fn):
    def kernel(attrs, x):
        return fn(x)
    kernel.__name__ = fn.__name__
    return kernel


KERNELS.update({
    "Tan": _unary(torch.tan),
    "Atan": _unary(torch.atan),
    "Asin": _unary(torch.asin),
    "Acos": _unary(torch.acos),
    "Sinh": _unary(torch.sinh),
    "Cosh": _unary(torch.cosh),
    "Asinh": _unary(torch.asinh),
    "Acosh": _unary(torch.acosh),
    "Atanh": _unary(torch.atanh),
    "Expm1": _unary(torch.expm1),
    "Erf": _unary(torch.erf),
    "Erfc": _unary(torch.erfc),
    "Lgamma": _unary(torch.lgamma),
    "IsNan": _unary(torch.isnan),
    "IsInf": _unary(torch.isinf),
    "IsFinite": _unary(torch.isfinite),
    "Atan2": lambda attrs, y, x: torch.atan2(y, x),
})
