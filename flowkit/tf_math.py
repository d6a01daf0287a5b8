"""``tf.math``: TF1's math namespace (the same functions as their ``tf.*`` names where TF1 has
both), gathered from the op families, plus the few functions that only ``tf.math`` has
(``reduce_variance``, ``multiply_no_nan``, ``cumulative_logsumexp``, ``erfinv``...), built here
from other ops so that they need no kernel and get their gradients from those ops.

Example:
    >>> import flowkit as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.math.reduce_logsumexp([0.0, 0.0])).round(4))
    0.6931
"""
import math as _pymath

import numpy as _np

from flowkit.framework import dtypes as _dtypes
from flowkit.ops import array_ops as _array
from flowkit.ops import math_ops as _math_ops
from flowkit.ops import special_math_ops as _special
from flowkit.ops.core import convert_to_tensor as _convert
from flowkit.ops.core import is_tensor_like as _is_tensor_like
from flowkit.ops.core import normalize_axis as _normalize_axis
from flowkit.ops.core import op_scope as _op_scope
from flowkit.ops.math_ops import *  # noqa: F401,F403
from flowkit.ops.nn_impl import (  # noqa: F401
    accumulate_n, is_non_decreasing, is_strictly_increasing, lbeta, rint, softsign,
    zero_fraction)
from flowkit.ops.nn_ops import in_top_k, l2_normalize, log_softmax, softmax, softplus  # noqa
from flowkit.ops.segment_ops import (  # noqa: F401
    bincount, confusion_matrix, segment_max, segment_mean, segment_min, segment_prod,
    segment_sum, top_k, unsorted_segment_max, unsorted_segment_mean, unsorted_segment_min,
    unsorted_segment_prod, unsorted_segment_sqrt_n, unsorted_segment_sum)
from flowkit.ops.shape_ops import invert_permutation  # noqa: F401
from flowkit.ops.special_math_ops import (  # noqa: F401
    acos, acosh, asin, asinh, atan, atan2, atanh, cosh, count_nonzero, digamma, erf, erfc,
    expm1, is_finite, is_inf, is_nan, lgamma, log_sigmoid, polygamma, reduce_logsumexp,
    scalar_mul, sinh, tan, xdivy, xlogy, zeta)
from flowkit.ops.special_math_ops import div_no_nan as divide_no_nan  # noqa: F401
from flowkit.ops.bitwise_ops import nextafter  # noqa: F401
from flowkit import renames as _renames

__all__ = sorted(set(_math_ops.__all__) | {
    "nextafter",
    "floormod", "bincount", "confusion_matrix", "segment_max", "segment_mean", "segment_min",
    "segment_prod", "segment_sum", "top_k", "unsorted_segment_max", "unsorted_segment_mean",
    "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_sqrt_n",
    "unsorted_segment_sum", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cosh",
    "count_nonzero", "digamma", "erf", "erfc", "expm1", "is_finite", "is_inf", "is_nan",
    "lgamma", "log_sigmoid", "polygamma", "reduce_logsumexp", "scalar_mul", "sinh", "tan",
    "xdivy", "xlogy", "zeta",
    "accumulate_n", "is_non_decreasing", "is_strictly_increasing", "lbeta", "rint", "softsign",
    "zero_fraction", "in_top_k", "l2_normalize", "log_softmax", "softmax", "softplus",
    "invert_permutation", "divide_no_nan", "reduce_variance", "reduce_std",
    "reduce_euclidean_norm", "multiply_no_nan", "reciprocal_no_nan", "xlog1py",
    "cumulative_logsumexp", "polyval", "erfinv", "erfcinv", "ndtri"})

_FLOATS = (_dtypes.float16, _dtypes.float32, _dtypes.float64)


def _float(value, param, op, name=None):
    t = _convert(value, name=name or param)
    if t.dtype not in _FLOATS:
        raise TypeError(f"Value passed to parameter '{param}' of {op} has DataType "
                        f"{t.dtype.name} not in list of allowed values: float16, float32, "
                        "float64")
    return t


def _float_pair(x, y, op):
    x = _float(x, "x", op)
    y = _convert(y, name="y") if _is_tensor_like(y) else _convert(y, dtype=x.dtype, name="y")
    if y.dtype is not x.dtype:
        raise TypeError(f"{op}: y has dtype {y.dtype.name} but x has {x.dtype.name}: cast one "
                        "of them (tf.cast)")
    return x, y


def _broadcast_both(x, y):
    """``x`` and ``y`` broadcast to their common shape (unchanged when it is theirs)."""
    if x.shape.is_fully_defined() and x.shape == y.shape:
        return x, y
    shape = _array.shape(x * y)
    return _array.broadcast_to(x, shape), _array.broadcast_to(y, shape)


# --------------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------------
def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The variance of ``input_tensor``'s elements over ``axis`` (all by default): the mean of
    the squared deviations from the mean. Float tensors only.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.reduce_variance([[1.0, 2.0], [3.0, 6.0]], axis=1)))
        [0.25 2.25]
    """
    with _op_scope(name, "reduce_variance", [input_tensor]) as scope:
        x = _convert(input_tensor, name="input_tensor")
        if not x.dtype.is_floating:
            raise TypeError(f"Input must be either real or complex. Received integer type "
                            f"{x.dtype.name}.")
        # The mean's own gradient through the deviations is zero: stop_gradient saves the work.
        mean = _array.stop_gradient(_math_ops.reduce_mean(x, axis, keepdims=True))
        return _math_ops.reduce_mean(_math_ops.squared_difference(x, mean), axis,
                                     keepdims=keepdims, name=scope)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The standard deviation, ``sqrt(reduce_variance(...))``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.reduce_std([[1.0, 2.0], [3.0, 5.0]], axis=1)))
        [0.5 1. ]
    """
    with _op_scope(name, "reduce_std", [input_tensor]) as scope:
        return _math_ops.sqrt(reduce_variance(input_tensor, axis, keepdims), name=scope)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """``sqrt(sum(x ** 2))`` over ``axis`` (integers: the square root truncated, as in TF).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.reduce_euclidean_norm([[3.0, 4.0], [1.0, 0.0]], 1)))
        [5. 1.]
    """
    with _op_scope(name, "reduce_euclidean_norm", [input_tensor]) as scope:
        x = _convert(input_tensor, name="input_tensor")
        squares = _math_ops.reduce_sum(_math_ops.square(x), axis, keepdims=keepdims)
        if x.dtype.is_floating:
            return _math_ops.sqrt(squares, name=scope)
        root = _math_ops.sqrt(_array.cast(squares, _dtypes.float64))
        return _array.cast(root, x.dtype, name=scope)


def cumulative_logsumexp(x, axis=0, exclusive=False, reverse=False, name=None):
    """``log(cumsum(exp(x), axis, exclusive, reverse))`` computed stably: a parallel prefix
    scan of ``log(exp(a) + exp(b))`` (each pair shifted by its larger element), in
    ``log2(n)`` steps, so no partial sum under- or overflows. An exclusive sum's first element
    is ``-inf`` (the log of an empty sum).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.cumulative_logsumexp([-1000.0, 0.0, 0.0])).round(4))
        [-1.000e+03  0.000e+00  6.931e-01]
    """
    with _op_scope(name, "CumulativeLogsumexp", [x]) as scope:
        x = _float(x, "x", "CumulativeLogsumexp")
        if x.shape.ndims is None:
            raise ValueError("cumulative_logsumexp needs an input of known rank")
        ax = _normalize_axis(axis, x.shape.ndims)[0]
        n = x.shape.as_list()[ax]
        if n is None:        # no static length to plan the scan: one max per line instead
            m = _safe_max(_math_ops.reduce_max(x, ax, keepdims=True))
            out = _math_ops.log(_math_ops.cumsum(_math_ops.exp(x - m), ax, exclusive, reverse))
            return _math_ops.add(out, m, name=scope)
        y = _array.reverse(x, [ax]) if reverse else x
        shift = 1
        while shift < n:
            y = _log_add_exp(y, _shift_in(y, ax, n, shift))
            shift *= 2
        if exclusive:
            y = _shift_in(y, ax, n, 1)
        if reverse:
            y = _array.reverse(y, [ax])
        return _array.identity(y, name=scope)


def _safe_max(m):
    m = _array.stop_gradient(m)
    return _array.where(_special.is_finite(m), m, _array.zeros_like(m))


def _log_add_exp(a, b):
    m = _safe_max(_math_ops.maximum(a, b))
    return m + _math_ops.log(_math_ops.exp(a - m) + _math_ops.exp(b - m))


def _shift_in(y, ax, n, shift):
    """``y`` moved ``shift`` places along ``ax``, ``-inf`` coming in (the log of zero)."""
    if shift >= n:
        return _array.zeros_like(y) - _np.inf
    head = y[(slice(None),) * ax + (slice(0, n - shift),)]
    pads = [[0, 0]] * y.shape.ndims
    pads[ax] = [shift, 0]
    return _array.pad(head, pads, constant_values=_np.array(-_np.inf, y.dtype.as_numpy_dtype))


# --------------------------------------------------------------------------------------------
# Elementwise
# --------------------------------------------------------------------------------------------
def multiply_no_nan(x, y, name=None):
    """``x * y``, but 0 where ``y`` is 0 even when ``x`` is inf or NaN (float tensors).

    Example:
        >>> import flowkit as tf
        >>> import numpy as np
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.multiply_no_nan([np.inf, np.nan, 2.0], [0.0, 0.0, 3.0])))
        [0. 0. 6.]
    """
    with _op_scope(name, "MulNoNan", [x, y]) as scope:
        x, y = _float_pair(x, y, "MulNoNan")
        x, y = _broadcast_both(x, y)
        zeros = _array.zeros_like(x)
        # Where y is 0, x is replaced by a finite stand-in: the product is 0, and its gradient
        # never multiplies by inf.
        finite_x = _array.where(_special.is_finite(x), x, zeros)
        safe_x = _array.where(_math_ops.equal(y, zeros), finite_x, x)
        return _math_ops.multiply(safe_x, y, name=scope)


def reciprocal_no_nan(x, name=None):
    """``1 / x``, but 0 where ``x`` is 0 (float tensors).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.reciprocal_no_nan([0.0, 2.0])))
        [0.  0.5]
    """
    with _op_scope(name, "reciprocal_no_nan", [x]) as scope:
        x = _float(x, "x", "reciprocal_no_nan")
        return divide_no_nan(_array.ones_like(x), x, name=scope)


def xlog1py(x, y, name=None):
    """``x * log(1 + y)``, but 0 where ``x`` is 0 (float tensors).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.xlog1py([0.0, 2.0], [-1.0, 0.0])))
        [0. 0.]
    """
    with _op_scope(name, "xlog1py", [x, y]) as scope:
        x, y = _float_pair(x, y, "Xlog1py")
        x, y = _broadcast_both(x, y)
        # y is replaced by 0 where x is 0, so log1p(y) there is 0, its gradient finite.
        safe_y = _array.where(_math_ops.not_equal(x, 0.0), y, _array.zeros_like(y))
        return _math_ops.multiply(x, _math_ops.log1p(safe_y), name=scope)


def polyval(coeffs, x, name=None):
    """The polynomial ``coeffs[0] * x ** (n - 1) + ... + coeffs[n - 1]`` at ``x``, by Horner's
    rule (``coeffs`` a list of tensors or numbers; an empty list gives zeros).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.polyval([1.0, 2.0, 3.0], tf.constant([1.0, 2.0]))))
        [ 6. 11.]
    """
    if not isinstance(coeffs, list):
        raise ValueError(f"Argument coeffs must be list type. Received type {type(coeffs)}.")
    with _op_scope(name, "polyval", list(coeffs) + [x]) as scope:
        x = _convert(x, name="x")
        if not coeffs:
            return _array.zeros_like(x, name=scope)
        p = _convert(coeffs[0], dtype=x.dtype, name="coeff_0")
        for c in coeffs[1:]:
            p = _math_ops.add(_convert(c, dtype=x.dtype), p * x)
        return _array.identity(p, name=scope)


# --------------------------------------------------------------------------------------------
# Inverse error functions
# --------------------------------------------------------------------------------------------
def _erfc_solve(w, a, steps=3):
    """``u >= 0`` with ``erfc(u) = w``, for ``w`` in ``(0, 1]`` and ``a = 1 - w`` (passed
    separately as callers know it without rounding).

    A closed-form approximation (Winitzki's, relative error under 1e-2) starts Halley's
    iteration on ``f(u) = erfc(u) - w``, written ``a - erf(u)`` where ``w > 0.5`` so that the
    difference is accurate both near 0 and in the tail; each step roughly triples the number of
    correct digits. The start is a constant for the gradient: at the root the iteration's own
    derivative in ``u`` vanishes and its derivative in ``w`` is ``1 / erfc'(u)``, the
    derivative of the inverse.
    """
    k = 0.147
    log_term = _math_ops.log(w * (2.0 - w))
    b = 2.0 / (_pymath.pi * k) + 0.5 * log_term
    guess = _math_ops.sqrt(_math_ops.maximum(
        _math_ops.sqrt(b * b - log_term / k) - b, _array.zeros_like(w)))
    u = _array.stop_gradient(guess)
    tail = w <= 0.5
    for _ in range(steps):
        f = _array.where(tail, _special.erfc(u) - w, a - _special.erf(u))
        slope = (-2.0 / _pymath.sqrt(_pymath.pi)) * _math_ops.exp(-u * u)
        u = u - f / (slope + u * f)
    return u


def _inverse(value, op, name, default_name, parts):
    """Shared frame of the inverse error functions: float64 work, invalid inputs masked
    before the solve (so no NaN reaches a gradient) and given their limits after it.

    ``parts(t)`` returns ``(sign, w, a, valid, at_limit)`` for the float64 input ``t``.
    """
    with _op_scope(name, default_name, [value]) as scope:
        x = _float(value, "x", op)
        t = _array.cast(x, _dtypes.float64) if x.dtype is not _dtypes.float64 else x
        sign, w, a, valid, at_limit = parts(t)
        half = _array.zeros_like(t) + 0.5
        u = _erfc_solve(_array.where(valid, w, half), _array.where(valid, a, half))
        limit = _array.where(at_limit, sign * _np.inf, _array.zeros_like(t) + _np.nan)
        out = _array.where(valid, sign * u, limit)
        return _array.cast(out, x.dtype, name=scope)


def _sign_where(condition):
    ones = _array.ones_like(condition, dtype=_dtypes.float64)
    return _array.where(condition, -ones, ones)


def erfinv(x, name=None):
    """The inverse of :func:`erf`: ``erfinv(erf(x)) == x`` on ``(-1, 1)``; ``+-inf`` at
    ``+-1``, NaN outside ``[-1, 1]``. Float tensors (computed in float64).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.erfinv([-1.0, 0.0, 0.5])).round(6))
        [     -inf  0.        0.476936]
    """
    def parts(y):
        sign = _sign_where(y < 0.0)
        a = y * sign
        return sign, 1.0 - a, a, a < 1.0, _math_ops.equal(a, 1.0)
    return _inverse(x, "Erfinv", name, "erfinv", parts)


def erfcinv(x, name=None):
    """The inverse of :func:`erfc`: ``erfcinv(erfc(x)) == x`` on ``(0, 2)``; ``inf`` at 0,
    ``-inf`` at 2, NaN outside ``[0, 2]``. Accurate for tiny inputs too. Float tensors.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.erfcinv([0.0, 1.0, 1e-30])).round(4))
        [   inf 0.     8.1486]
    """
    def parts(z):
        upper = z > 1.0
        sign = _sign_where(upper)
        w = _array.where(upper, 2.0 - z, z)
        a = _array.where(upper, z - 1.0, 1.0 - z)
        valid = _math_ops.logical_and(z > 0.0, z < 2.0)
        return sign, w, a, valid, _math_ops.logical_or(_math_ops.equal(z, 0.0),
                                                     _math_ops.equal(z, 2.0))
    return _inverse(x, "Erfcinv", name, "erfcinv", parts)


def ndtri(x, name=None):
    """The inverse of the standard normal CDF (the quantile function): ``-inf`` at 0, ``inf``
    at 1, NaN outside ``[0, 1]``; accurate for tiny probabilities. Float tensors.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.ndtri([0.025, 0.975, 1e-30])).round(4))
        [ -1.96    1.96  -11.464]
    """
    with _op_scope(name, "ndtri", [x]) as scope:
        x = _float(x, "x", "Ndtri")
        return _math_ops.multiply(erfcinv(2.0 * x), -_pymath.sqrt(2.0), name=scope)


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.tf_math", "math", name, __all__ + list(globals()))
