"""NumPy kernels of :mod:`flowkit.ops.special_math_ops`.

NumPy has no ``erf``, ``lgamma``, ``digamma`` or zeta functions (and flowkit does not depend
on SciPy): ``erf``, ``erfc`` and ``lgamma`` are the C library's (through :mod:`math`), applied
element by element in float64; ``digamma`` and the Hurwitz zeta function are computed here,
the latter as Cephes (and so TF's Eigen) computes it: a direct sum, then Euler-Maclaurin.
"""
from __future__ import annotations

import math

import numpy as np

from flowkit.backend import KernelTable

KERNELS = KernelTable()


def _quiet(fn):
    """Domain edges (asin(2), atanh(1)) give nan/inf as in TF, without NumPy's warnings."""
    def kernel(attrs, *xs):
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = fn(*xs)
        return np.asarray(out, dtype=np.asarray(xs[-1]).dtype)
    return kernel


def _per_element(fn, at_pole=math.inf):
    """A float64 ufunc from a :mod:`math` function (``ValueError`` at a pole: ``at_pole``)."""
    def safe(v):
        try:
            return fn(v)
        except (ValueError, OverflowError):
            return at_pole
    ufunc = np.frompyfunc(safe, 1, 1)
    return lambda x: ufunc(np.asarray(x, np.float64)).astype(np.float64)


#: (TF's float64 erf is nan at +-inf, a bug of its Eigen kernel; this gives +-1, as its float32.)
_erf = _per_element(math.erf)
_erfc = _per_element(math.erfc)
_lgamma = _per_element(math.lgamma)


def digamma(x):
    """psi(x) in float64: reflection below 1/2, recurrence up to 10, then the asymptotic
    series; nan at 0 and the negative integers (as TF's Eigen), and at -inf."""
    x = np.asarray(x, np.float64)
    neg = x < 0.5
    z = np.where(neg, 1.0 - x, x)
    acc = np.zeros_like(z)
    for _ in range(10):
        small = z < 10.0
        if not small.any():
            break
        acc = acc - np.where(small, 1.0 / np.where(small, z, 1.0), 0.0)
        z = np.where(small, z + 1.0, z)
    f = 1.0 / (z * z)
    series = f * (1 / 12 - f * (1 / 120 - f * (1 / 252 - f * (1 / 240 - f * (
        1 / 132 - f * (691 / 32760 - f / 12))))))
    out = acc + np.log(z) - 0.5 / z - series
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(neg, out - np.pi / np.tan(np.pi * x), out)
    pole = (x <= 0) & (x == np.floor(x))
    return np.where(pole | (x == -np.inf), np.nan, out)


#: Cephes' Euler-Maclaurin coefficients (2j)! / B_2j.
_ZETA_A = (12.0, -720.0, 30240.0, -1209600.0, 47900160.0, -1.8924375803183791606e9,
           7.47242496e10, -2.950130727918164224e12, 1.1646782814350067249e14,
           -4.5979787224074726105e15, 1.8152105401943546773e17,
           -7.1661652561756670113e18)


def hurwitz_zeta(x, q):
    """zeta(x, q) = sum_k (q + k) ** -x in float64, with Cephes' rules: inf at x == 1 and at
    q a non-positive integer, nan for x < 1 and for q < 0 with x not an integer."""
    x, q = (np.array(a, np.float64) for a in np.broadcast_arrays(x, q))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = np.power(q, -x)
        a = q.copy()
        b = np.zeros_like(q)
        i = 0
        # Direct sum while the terms are far from the asymptotic regime (at least 9 terms).
        active = np.ones(q.shape, bool)
        while active.any() and i < 100000:
            i += 1
            a = np.where(active, a + 1.0, a)
            b = np.where(active, np.power(a, -x), b)
            s = np.where(active, s + b, s)
            active = ((i < 9) | (a <= 9.0)) & np.isfinite(a)
        w = a
        s = s + b * w / (x - 1.0) - 0.5 * b
        fac, k = np.ones_like(q), 0.0
        for coef in _ZETA_A:
            fac = fac * (x + k)
            b = b / w
            s = s + fac * b / coef
            k += 1.0
            fac = fac * (x + k)
            b = b / w
            k += 1.0
        big = q > 1e8
        s = np.where(big, (1 / (x - 1) + 1 / (2 * q)) * np.power(q, 1 - x), s)
    s = np.where((q <= 0) & (x != np.floor(x)), np.nan, s)
    even = (x == np.floor(x)) & (np.mod(x, 2) == 0)
    s = np.where((q <= 0) & (q == np.floor(q)), np.where(even, np.inf, np.nan), s)
    s = np.where(x < 1, np.nan, s)
    return np.where(x == 1, np.inf, s)


def polygamma(n, x):
    """psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x); digamma for n == 0, nan unless n is a
    non-negative integer (TF's rules)."""
    n, x = (np.array(a, np.float64) for a in np.broadcast_arrays(n, x))
    valid = (n >= 0) & (n == np.floor(n))
    m = np.where(valid, n, 1.0)
    with np.errstate(invalid="ignore", over="ignore"):
        sign = np.where(np.mod(m + 1, 2) == 0, 1.0, -1.0)
        fact = np.exp(_lgamma(m + 1))
        out = sign * fact * hurwitz_zeta(m + 1, x)
    out = np.where(m == 0, digamma(x), out)
    return np.where(valid, out, np.nan)


def _in_float64(fn):
    """A kernel computing ``fn`` in float64 and returning the input's dtype."""
    def kernel(attrs, *xs):
        dtype = np.asarray(xs[0]).dtype
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.asarray(fn(*xs), dtype=dtype)
    return kernel


def _check_int_divisor(y):
    y = np.asarray(y)
    if y.dtype.kind in "iu" and np.any(y == 0):
        raise ZeroDivisionError("Integer division by zero")


@KERNELS.register("TruncateDiv")
def _truncate_div(attrs, x, y):
    x, y = np.asarray(x), np.asarray(y)
    _check_int_divisor(y)
    if x.dtype.kind in "iu":
        q = np.floor_divide(x, y)
        # Floor division rounds toward -inf: add one back where the signs differ and the
        # division was not exact.
        fix = (np.mod(x, y) != 0) & ((x < 0) != (y < 0))
        return (q + fix).astype(x.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.trunc(np.true_divide(x, y)).astype(x.dtype)


@KERNELS.register("TruncateMod")
def _truncate_mod(attrs, x, y):
    _check_int_divisor(y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.fmod(x, y), dtype=np.asarray(x).dtype)


@KERNELS.register("DivNoNan")
def _div_no_nan(attrs, x, y):
    x, y = np.asarray(x), np.asarray(y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.where(y == 0, np.zeros((), x.dtype), np.true_divide(x, y))
    return out.astype(x.dtype, copy=False)


@KERNELS.register("Xlogy")
def _xlogy(attrs, x, y):
    x, y = np.asarray(x), np.asarray(y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.where(x == 0, np.zeros((), x.dtype), x * np.log(y))
    return out.astype(x.dtype, copy=False)


@KERNELS.register("Xdivy")
def _xdivy(attrs, x, y):
    x, y = np.asarray(x), np.asarray(y)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.where(x == 0, np.zeros((), x.dtype), np.true_divide(x, y))
    return out.astype(x.dtype, copy=False)


KERNELS.update({
    "Tan": _quiet(np.tan),
    "Atan": _quiet(np.arctan),
    "Asin": _quiet(np.arcsin),
    "Acos": _quiet(np.arccos),
    "Sinh": _quiet(np.sinh),
    "Cosh": _quiet(np.cosh),
    "Asinh": _quiet(np.arcsinh),
    "Acosh": _quiet(np.arccosh),
    "Atanh": _quiet(np.arctanh),
    "Expm1": _quiet(np.expm1),
    "Atan2": _quiet(np.arctan2),
    "Erf": _in_float64(_erf),
    "Erfc": _in_float64(_erfc),
    "Lgamma": _in_float64(_lgamma),
    "Digamma": _in_float64(digamma),
    "Polygamma": _in_float64(polygamma),
    "Zeta": _in_float64(hurwitz_zeta),
    "IsNan": lambda attrs, x: np.isnan(x),
    "IsInf": lambda attrs, x: np.isinf(x),
    "IsFinite": lambda attrs, x: np.isfinite(x),
})
