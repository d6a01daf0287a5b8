"""More elementwise math: inverse and hyperbolic trigonometry, erf, lgamma, expm1, predicates
(is_nan...), safe and truncating divisions, log-sum-exp and counting reductions.

Each op type is declared here once (builder, shape rule, gradient rule), with TF1's names,
defaults and dtype rules; the gradients are TF's.

Example:
    >>> import flowkit as tf
    >>> from flowkit.ops import special_math_ops as sm
    >>> with tf.Session() as sess:
    ...     print(sess.run(sm.reduce_logsumexp([0.0, 0.0])).round(4))
    0.6931
"""
from __future__ import annotations

__all__ = [
    # unary
    "tan", "atan", "asin", "acos", "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc",
    "lgamma", "digamma", "expm1", "log_sigmoid", "is_nan", "is_finite", "is_inf",
    # binary
    "atan2", "polygamma", "zeta", "div_no_nan", "realdiv", "truncatediv", "truncatemod",
    "xlogy", "xdivy", "scalar_mul",
    # reductions
    "reduce_logsumexp", "count_nonzero", "arg_max", "arg_min",
]

import math

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.ops.core import constant, convert_pair, convert_to_tensor, make_tensor, op_scope
from flowkit.ops.math_ops import abs as _abs
from flowkit.ops.math_ops import (argmax, argmin, binary, check_kind, check_same_dtype, cos,
                                  elementwise_shape, exp, log, log1p, maximum, minimum,
                                  negative, not_equal, reduce_max, reduce_sum, rsqrt, square,
                                  unary, unary_shape, unbroadcast)
from flowkit.ops.shape_ops import cast, reshape, shape, stop_gradient

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# --------------------------------------------------------------------------------------------
# Unary elementwise ops (floats)
# --------------------------------------------------------------------------------------------
def _x(op):
    return op.inputs[0]


def _y(op):
    return op.outputs[0]


def _erf_grad(op, g):
    return [g * _TWO_OVER_SQRT_PI * exp(negative(square(_x(op))))]


_UNARY = {
    "Tan": lambda op, g: [g / square(cos(_x(op)))],
    "Atan": lambda op, g: [g / (1 + square(_x(op)))],
    "Asin": lambda op, g: [g * rsqrt(1 - square(_x(op)))],
    "Acos": lambda op, g: [negative(g) * rsqrt(1 - square(_x(op)))],
    "Sinh": lambda op, g: [g * cosh(_x(op))],
    "Cosh": lambda op, g: [g * sinh(_x(op))],
    "Asinh": lambda op, g: [g / cosh(_y(op))],
    "Acosh": lambda op, g: [g / sinh(_y(op))],
    "Atanh": lambda op, g: [g / (1 - square(_x(op)))],
    "Erf": _erf_grad,
    "Erfc": lambda op, g: [negative(_erf_grad(op, g)[0])],
    "Lgamma": lambda op, g: [g * digamma(_x(op))],
    "Digamma": lambda op, g: [g * polygamma(1, _x(op))],
    "Expm1": lambda op, g: [g * exp(_x(op))],
}
for _type, _grad in _UNARY.items():
    register_op(_type, shape=unary_shape("float"), grad=_grad)


def _predicate_shape(inputs, attrs):
    check_kind(inputs[0], "float")
    return [(dtypes.bool, inputs[0].shape)]


for _type in ("IsNan", "IsInf", "IsFinite"):
    register_op(_type, shape=_predicate_shape, grad=None)


def tan(x, name=None) -> Tensor:
    """Tangent of ``x`` elementwise (floats).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.tan([0.0, 1.0])).round(4))
        [0.     1.5574]
    """
    return unary("Tan", x, name)


def atan(x, name=None) -> Tensor:
    """Arctangent of ``x`` elementwise, in ``(-pi/2, pi/2)``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.atan([0.0, 1.0])).round(4))
        [0.     0.7854]
    """
    return unary("Atan", x, name)


def asin(x, name=None) -> Tensor:
    """Arcsine of ``x`` elementwise (``nan`` outside ``[-1, 1]``, as in TF).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.asin([0.0, 1.0])).round(4))
        [0.     1.5708]
    """
    return unary("Asin", x, name)


def acos(x, name=None) -> Tensor:
    """Arccosine of ``x`` elementwise (``nan`` outside ``[-1, 1]``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.acos([1.0, 0.0])).round(4))
        [0.     1.5708]
    """
    return unary("Acos", x, name)


def sinh(x, name=None) -> Tensor:
    """Hyperbolic sine of ``x`` elementwise.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sinh([0.0, 1.0])).round(4))
        [0.     1.1752]
    """
    return unary("Sinh", x, name)


def cosh(x, name=None) -> Tensor:
    """Hyperbolic cosine of ``x`` elementwise.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.cosh([0.0, 1.0])).round(4))
        [1.     1.5431]
    """
    return unary("Cosh", x, name)


def asinh(x, name=None) -> Tensor:
    """Inverse hyperbolic sine of ``x`` elementwise.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.asinh([0.0, 1.0])).round(4))
        [0.     0.8814]
    """
    return unary("Asinh", x, name)


def acosh(x, name=None) -> Tensor:
    """Inverse hyperbolic cosine of ``x`` elementwise (``nan`` below 1).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.acosh([1.0, 2.0])).round(4))
        [0.    1.317]
    """
    return unary("Acosh", x, name)


def atanh(x, name=None) -> Tensor:
    """Inverse hyperbolic tangent of ``x`` elementwise (``+-inf`` at ``+-1``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.atanh([0.0, 0.5])).round(4))
        [0.     0.5493]
    """
    return unary("Atanh", x, name)


def erf(x, name=None) -> Tensor:
    """The Gauss error function of ``x`` elementwise.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.erf([0.0, 1.0])).round(4))
        [0.     0.8427]
    """
    return unary("Erf", x, name)


def erfc(x, name=None) -> Tensor:
    """``1 - erf(x)`` elementwise, accurate for large ``x``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.erfc([0.0, 1.0])).round(4))
        [1.     0.1573]
    """
    return unary("Erfc", x, name)


def lgamma(x, name=None) -> Tensor:
    """``log|Gamma(x)|`` elementwise (``inf`` at 0 and the negative integers).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.lgamma([1.0, 0.5])).round(4))
        [0.     0.5724]
    """
    return unary("Lgamma", x, name)


def digamma(x, name=None) -> Tensor:
    """The derivative of :func:`lgamma` (``nan`` at 0 and the negative integers, as TF).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.digamma([1.0, 0.0])).round(4))
        [-0.5772     nan]
    """
    return unary("Digamma", x, name)


def expm1(x, name=None) -> Tensor:
    """``exp(x) - 1`` elementwise, accurate near 0.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.expm1(tf.constant([1e-10], tf.float64))))
        [1.e-10]
    """
    return unary("Expm1", x, name)


def is_nan(x, name=None) -> Tensor:
    """True where ``x`` is NaN (floats only, as TF1).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.is_nan([1.0, float("nan")])))
        [False  True]
    """
    return unary("IsNan", x, name)


def is_inf(x, name=None) -> Tensor:
    """True where ``x`` is ``+inf`` or ``-inf``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.is_inf([1.0, float("-inf")])))
        [False  True]
    """
    return unary("IsInf", x, name)


def is_finite(x, name=None) -> Tensor:
    """True where ``x`` is neither infinite nor NaN.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.is_finite([1.0, float("nan")])))
        [ True False]
    """
    return unary("IsFinite", x, name)


def log_sigmoid(x, name=None) -> Tensor:
    """``log(sigmoid(x))`` computed stably, as ``-softplus(-x)``: ``-(max(-x, 0) +
    log1p(exp(-|x|)))``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.log_sigmoid([0.0, -100.0])).round(4))
        [  -0.6931 -100.    ]
    """
    with op_scope(name, "LogSigmoid", (x,)) as scope:
        x = convert_to_tensor(x, name="x")
        check_kind(x, "float")
        softplus = maximum(negative(x), 0) + log1p(exp(negative(_abs(x))))
        return negative(softplus, name=scope)


# --------------------------------------------------------------------------------------------
# Binary elementwise ops
# --------------------------------------------------------------------------------------------
def _atan2_grad(op, g):
    y, x = op.inputs
    d = g / (square(x) + square(y))
    return [unbroadcast(x * d, y, x), unbroadcast(negative(y) * d, x, y)]


def _div_no_nan_grad(op, g):
    x, y = op.inputs
    gx = div_no_nan(g, y)
    gy = g * div_no_nan(div_no_nan(negative(x), y), y)
    return [unbroadcast(gx, x, y), unbroadcast(gy, y, x)]


def _not_zero(x):
    return cast(not_equal(x, 0), x.dtype)


def _xlogy_grad(op, g):
    x, y = op.inputs
    return [unbroadcast(g * xlogy(_not_zero(x), y), x, y),
            unbroadcast(g * xdivy(x, y), y, x)]


def _xdivy_grad(op, g):
    x, y = op.inputs
    return [unbroadcast(g * xdivy(_not_zero(x), y), x, y),
            unbroadcast(g * xdivy(negative(x), square(y)), y, x)]


def _polygamma_grad(op, g):
    a, x = op.inputs
    return [None, unbroadcast(g * polygamma(a + 1, x), x, a)]


def _zeta_grad(op, g):
    s, q = op.inputs
    return [None, unbroadcast(g * negative(s) * zeta(s + 1, q), q, s)]


register_op("Atan2", shape=elementwise_shape("float"), grad=_atan2_grad)
register_op("DivNoNan", shape=elementwise_shape("float"), grad=_div_no_nan_grad)
register_op("Xlogy", shape=elementwise_shape("float"), grad=_xlogy_grad)
register_op("Xdivy", shape=elementwise_shape("float"), grad=_xdivy_grad)
register_op("Polygamma", shape=elementwise_shape("float"), grad=_polygamma_grad)
register_op("Zeta", shape=elementwise_shape("float"), grad=_zeta_grad)
register_op("TruncateDiv", shape=elementwise_shape("number"), grad=None)
register_op("TruncateMod", shape=elementwise_shape("number"), grad=None)


def atan2(y, x, name=None) -> Tensor:
    """The angle of the point ``(x, y)``, in ``[-pi, pi]`` (note the order: ``y`` first).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.atan2([1.0, -1.0], [-1.0, -1.0])).round(4))
        [ 2.3562 -2.3562]
    """
    return binary("Atan2", y, x, name)


def polygamma(a, x, name=None) -> Tensor:
    """The ``a``-th derivative of :func:`digamma` (``a`` a non-negative integer given as a
    float; ``nan`` otherwise). Differentiable in ``x`` only, as in TF.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.polygamma([0.0, 1.0], [1.0, 1.0])).round(4))
        [-0.5772  1.6449]
    """
    return binary("Polygamma", a, x, name)


def zeta(x, q, name=None) -> Tensor:
    """The Hurwitz zeta function ``sum_k (q + k) ** -x`` (differentiable in ``q`` only).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.zeta([2.0], [1.0])).round(4))
        [1.6449]
    """
    return binary("Zeta", x, q, name)


#: TF's ``truediv`` table: integer operands become these floats first.
_TRUEDIV = {dtypes.int8: dtypes.float32, dtypes.uint8: dtypes.float32,
            dtypes.int16: dtypes.float32, dtypes.int32: dtypes.float64,
            dtypes.int64: dtypes.float64}


def div_no_nan(x, y, name=None) -> Tensor:
    """``x / y``, but 0 where ``y`` is 0 (even for ``x`` 0 or inf). Integer operands are
    cast to floats first, as :func:`truediv` does.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.div_no_nan([1.0, 2.0], [0.0, 4.0])))
        [0.  0.5]
    """
    with op_scope(name, "div_no_nan", (x, y)) as scope:
        x, y = convert_pair(x, y)
        check_same_dtype("DivNoNan", x, y)
        if x.dtype in _TRUEDIV:
            x, y = cast(x, _TRUEDIV[x.dtype]), cast(y, _TRUEDIV[x.dtype])
        return make_tensor("DivNoNan", (x, y), None, scope)


def realdiv(x, y, name=None) -> Tensor:
    """The raw ``RealDiv`` op: ``x / y`` of floats (TF has no integer kernel; use
    :func:`truncatediv` or ``tf.truediv``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.realdiv([7.0], [2.0])).round(4))
        [3.5]
    """
    with op_scope(name, "RealDiv", (x, y)) as scope:
        x, y = convert_pair(x, y)
        check_same_dtype("RealDiv", x, y)
        check_kind(x, "float")
        return make_tensor("RealDiv", (x, y), None, scope)


def truncatediv(x, y, name=None) -> Tensor:
    """``x / y`` rounded toward zero (C's integer division): ``truncatediv(-7, 2)`` is -3.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.truncatediv([7, -7], 2)))
        [ 3 -3]
    """
    return binary("TruncateDiv", x, y, name)


def truncatemod(x, y, name=None) -> Tensor:
    """The remainder of :func:`truncatediv`, with the sign of ``x`` (C's ``fmod``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.truncatemod([7, -7], 3)))
        [ 1 -1]
    """
    return binary("TruncateMod", x, y, name)


def xlogy(x, y, name=None) -> Tensor:
    """``x * log(y)``, but 0 where ``x`` is 0.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.xlogy([0.0, 2.0], [0.0, 1.0])).round(4))
        [0. 0.]
    """
    return binary("Xlogy", x, y, name)


def xdivy(x, y, name=None) -> Tensor:
    """``x / y``, but 0 where ``x`` is 0.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.xdivy([0.0, 2.0], [0.0, 4.0])).round(4))
        [0.  0.5]
    """
    return binary("Xdivy", x, y, name)


def scalar_mul(scalar, x, name=None) -> Tensor:
    """``scalar * x`` where ``scalar`` must be 0-D (converted to ``x``'s dtype).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.scalar_mul(2.0, tf.constant([1.0, 3.0]))))
        [2. 6.]
    """
    x = convert_to_tensor(x, name="x")
    scalar = convert_to_tensor(scalar, dtype=x.dtype, name="scalar")
    if scalar.shape.ndims != 0:
        raise ValueError(f"The input scalar must be a 0-D value. Received shape "
                         f"{tuple(scalar.shape.as_list()) if scalar.shape.ndims else None}.")
    with op_scope(name, "scalar_mul", (scalar, x)) as scope:
        return make_tensor("Mul", (scalar, x), None, scope)


# --------------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------------
def _old_names(axis, keepdims, reduction_indices, keep_dims):
    if reduction_indices is not None:
        if axis is not None:
            raise ValueError("Can not specify both 'axis' and 'reduction_indices'.")
        axis = reduction_indices
    if keep_dims is not None:
        if keepdims is not None:
            raise ValueError("Can not specify both 'keepdims' and 'keep_dims'.")
        keepdims = keep_dims
    return axis, bool(keepdims)


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None,
                     reduction_indices=None, keep_dims=None) -> Tensor:
    """``log(reduce_sum(exp(x)))`` over ``axis``, computed stably: the maximum is taken out
    first (and held constant for the gradient, which is the softmax of ``x``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     y = sess.run(tf.reduce_logsumexp([[0.0, 0.0], [1000.0, 1000.0]], axis=1))
        >>> print([round(float(v), 2) for v in y])
        [0.69, 1000.69]
    """
    axis, keepdims = _old_names(axis, keepdims, reduction_indices, keep_dims)
    with op_scope(name, "ReduceLogSumExp", (input_tensor,)) as scope:
        x = convert_to_tensor(input_tensor, name="input_tensor")
        check_kind(x, "float", "x")
        raw_max = reduce_max(x, axis=axis, keepdims=True)
        # TF replaces an infinite maximum by 0; clamping it to the finite range gives the same
        # results (x - max is still +-inf where x is) without a Select op.
        info = np.finfo(x.dtype.as_numpy_dtype)
        my_max = stop_gradient(minimum(maximum(raw_max, float(info.min)), float(info.max)))
        result = log(reduce_sum(exp(x - my_max), axis=axis, keepdims=keepdims))
        if not keepdims:
            out_shape = result.shape.as_list() if result.shape.is_fully_defined() \
                else shape(result)
            my_max = reshape(my_max, out_shape)
        return make_tensor("Add", (result, my_max), None, scope)


def count_nonzero(input_tensor=None, axis=None, keepdims=None, dtype=dtypes.int64, name=None,
                  reduction_indices=None, keep_dims=None, input=None) -> Tensor:
    """The number of non-zero elements over ``axis`` (non-empty strings for a string
    tensor), as ``dtype`` (int64 by default).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.count_nonzero([[0, 1, 2], [0, 0, 3]], axis=1)))
        [2 1]
    """
    if input is not None:
        if input_tensor is not None:
            raise ValueError("Cannot specify both 'input' and 'input_tensor'.")
        input_tensor = input
    axis, keepdims = _old_names(axis, keepdims, reduction_indices, keep_dims)
    with op_scope(name, "count_nonzero", (input_tensor,)):
        x = convert_to_tensor(input_tensor, name="input_tensor")
        zero = constant("" if x.dtype is dtypes.string else np.zeros((), x.dtype.as_numpy_dtype),
                        dtype=x.dtype, name="zeros")
        nonzero = cast(not_equal(x, zero), dtypes.int64)
        return cast(reduce_sum(nonzero, axis=axis, keepdims=keepdims), dtype)


def arg_max(input, dimension, output_type=dtypes.int64, name=None) -> Tensor:
    """TF1's old ``tf.arg_max``: :func:`~flowkit.argmax` along ``dimension``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.arg_max([[1, 3], [4, 2]], 1)))
        [1 0]
    """
    return argmax(input, axis=dimension, name=name, output_type=output_type)


def arg_min(input, dimension, output_type=dtypes.int64, name=None) -> Tensor:
    """TF1's old ``tf.arg_min``: :func:`~flowkit.argmin` along ``dimension``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.arg_min([[1, 3], [4, 2]], 1)))
        [0 1]
    """
    return argmin(input, axis=dimension, name=name, output_type=output_type)
