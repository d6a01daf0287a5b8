"""Bitwise ops on integers (``tf.bitwise``) and ``tf.math.nextafter``.

TF1's rules: both operands of a binary op have one integer dtype (int8 to int64, uint8 to
uint64; no promotion, a float or bool operand is a ``TypeError`` when the graph is built) and
broadcast together. A shift amount outside ``[0, bits - 1]`` is clamped into that range, as
TF's kernels do, so ``left_shift(x, 100)`` on int8 shifts by 7 and a negative amount shifts by
0; right shifts of signed integers are arithmetic (the sign bit is copied). The bitwise ops
have no gradient (TF registers them as not differentiable).

``NextAfter`` (float32 or float64) gives the next representable value after ``x1`` towards
``x2``, elementwise and broadcast; its gradient is TF's: the output gradient (summed back to
``x1``'s shape) for ``x1``, zeros for ``x2``.

Example:
    >>> import flowkit as tf
    >>> from flowkit.ops import bitwise_ops as bw
    >>> with tf.Session() as sess:
    ...     print(sess.run(bw.bitwise_and([12, 10], [6, 3])), sess.run(bw.invert(0)))
    [4 2] -1
"""
from __future__ import annotations

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift",
           "nextafter"]

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.ops.constant_ops import zeros_like
from flowkit.ops.core import (broadcast_shape, convert_pair, convert_to_tensor, make_tensor,
                              op_scope)
from flowkit.ops.math_ops import dtype_mismatch_hint, unbroadcast

#: The integer dtypes TF's bitwise kernels take, in TF's order.
INTEGERS = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16,
            dtypes.uint32, dtypes.uint64)
_NEXTAFTER_FLOATS = (dtypes.float64, dtypes.float32)


def _check_allowed(t, allowed, param, op_type):
    if t.dtype not in allowed:
        raise TypeError(f"Value passed to parameter '{param}' of '{op_type}' Op has DataType "
                        f"{t.dtype.name} not in list of allowed values: "
                        f"{', '.join(d.name for d in allowed)}")


def _elementwise_rule(op_type, allowed, params):
    """A shape rule: operands of one dtype among ``allowed``, broadcast together."""
    def rule(inputs, attrs):
        first = inputs[0]
        shape = first.shape
        for param, t in zip(params, inputs):
            _check_allowed(t, allowed, param, op_type)
            if t.dtype is not first.dtype:
                raise TypeError(f"Input '{param}' of '{op_type}' Op has type {t.dtype.name} "
                                f"that does not match type {first.dtype.name} of argument "
                                f"'{params[0]}'." + dtype_mismatch_hint(first, t))
            shape = broadcast_shape(shape, t.shape)
        return [(first.dtype, shape)]
    return rule


_BINARY = ("BitwiseAnd", "BitwiseOr", "BitwiseXor", "LeftShift", "RightShift")
for _type in _BINARY:
    register_op(_type, shape=_elementwise_rule(_type, INTEGERS, "xy"), grad=None)
register_op("Invert", shape=_elementwise_rule("Invert", INTEGERS, "x"), grad=None)


def _nextafter_grad(op, g):
    x1, x2 = op.inputs
    return [unbroadcast(g, x1, x2), zeros_like(x2)]


register_op("NextAfter", shape=_elementwise_rule("NextAfter", _NEXTAFTER_FLOATS, ("x1", "x2")),
            grad=_nextafter_grad)


def _binary(op_type, x, y, name):
    with op_scope(name, op_type, (x, y)) as scope:
        x, y = convert_pair(x, y)
        return make_tensor(op_type, (x, y), None, scope)


def bitwise_and(x, y, name=None) -> Tensor:
    """``x & y`` elementwise, for integers of one dtype (broadcast).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops import bitwise_ops as bw
        >>> with tf.Session() as sess:
        ...     print(sess.run(bw.bitwise_and([12, 10], 6)))
        [4 2]
    """
    return _binary("BitwiseAnd", x, y, name)


def bitwise_or(x, y, name=None) -> Tensor:
    """``x | y`` elementwise, for integers of one dtype (broadcast).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops import bitwise_ops as bw
        >>> with tf.Session() as sess:
        ...     print(sess.run(bw.bitwise_or([12, 10], 6)))
        [14 14]
    """
    return _binary("BitwiseOr", x, y, name)


def bitwise_xor(x, y, name=None) -> Tensor:
    """``x ^ y`` elementwise, for integers of one dtype (broadcast).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops import bitwise_ops as bw
        >>> with tf.Session() as sess:
        ...     print(sess.run(bw.bitwise_xor([12, 10], 6)))
        [10 12]
    """
    return _binary("BitwiseXor", x, y, name)


def invert(x, name=None) -> Tensor:
    """``~x`` elementwise (every bit flipped): ``-x - 1`` for signed integers,
    ``max - x`` for unsigned ones.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops import bitwise_ops as bw
        >>> import numpy as np
        >>> with tf.Session() as sess:
        ...     print(sess.run(bw.invert(np.uint8([0, 5]))))
        [255 250]
    """
    with op_scope(name, "Invert", (x,)) as scope:
        x = convert_to_tensor(x, name="x")
        return make_tensor("Invert", (x,), None, scope)


def left_shift(x, y, name=None) -> Tensor:
    """``x << y`` elementwise, bits shifted out are lost (two's complement wrap for signed
    integers); ``y`` is clamped into ``[0, bits - 1]`` as in TF.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops import bitwise_ops as bw
        >>> import numpy as np
        >>> with tf.Session() as sess:
        ...     print(sess.run(bw.left_shift(np.int8([1, 3, 1]), np.int8([2, 7, 9]))))
        [   4 -128 -128]
    """
    return _binary("LeftShift", x, y, name)


def right_shift(x, y, name=None) -> Tensor:
    """``x >> y`` elementwise: arithmetic (sign-filling) for signed integers, logical for
    unsigned ones; ``y`` is clamped into ``[0, bits - 1]`` as in TF.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops import bitwise_ops as bw
        >>> with tf.Session() as sess:
        ...     print(sess.run(bw.right_shift([-16, 16], [2, 40])))
        [-4  0]
    """
    return _binary("RightShift", x, y, name)


def nextafter(x1, x2, name=None) -> Tensor:
    """The next representable floating-point value after ``x1`` in the direction of ``x2``,
    elementwise (float32 or float64, broadcast); ``x2`` itself where they are equal, ``nan``
    where either is ``nan``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops import bitwise_ops as bw
        >>> import numpy as np
        >>> with tf.Session() as sess:
        ...     print(sess.run(bw.nextafter(np.float32(1.0), np.float32(2.0))) - 1)
        1.1920929e-07
    """
    return _binary("NextAfter", x1, x2, name)
