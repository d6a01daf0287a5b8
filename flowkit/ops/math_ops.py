"""Math ops: elementwise arithmetic, comparisons, logic, matrix products and reductions.

Each op type is declared once: its builder, its shape rule and its gradient rule side by side.
Shape rules also check dtypes, as TF1 does when the graph is built: no implicit promotion
(``float32 + int32`` is a ``TypeError``), ``tf.sqrt`` wants floats, ``tf.logical_and`` bools.

Example:
    >>> import flowkit as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.constant([1.0, 2.0]) * 3.0 + 1.0))
    [4. 7.]
"""
from __future__ import annotations

__all__ = [
    # binary arithmetic
    "add", "subtract", "multiply", "divide", "truediv", "div", "floordiv", "floor_div", "mod",
    "floormod", "pow", "maximum", "minimum", "squared_difference",
    # unary
    "negative", "abs", "sign", "square", "sqrt", "rsqrt", "exp", "log", "log1p", "sin", "cos",
    "tanh", "sigmoid", "reciprocal", "round", "floor", "ceil",
    # comparisons and logic
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
    "logical_or", "logical_not", "logical_xor", "clip_by_value",
    # sums and products of tensors
    "add_n", "cumsum", "cumprod",
    # reductions
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_any",
    "reduce_all", "argmax", "argmin",
]

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.constant_ops import fill, zeros_like
from flowkit.ops.core import (broadcast_shape, constant_value, convert_pair, convert_to_tensor,
                              make_tensor, normalize_axis, op_scope)
from flowkit.ops.shape_ops import broadcast_to, cast, identity, reshape, shape, size, sum_to


# --------------------------------------------------------------------------------------------
# Dtype checks (TF1 rejects these when the graph is built)
# --------------------------------------------------------------------------------------------
_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
_INTS = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8)
_KINDS = {
    "float": _FLOATS,
    "signed": _FLOATS + _INTS[:4],
    "number": _FLOATS + _INTS,
    "number_or_string": _FLOATS + _INTS + (dtypes.string,),
    "bool": (dtypes.bool,),
    "any": dtypes.ALL,
}


def check_kind(t: Tensor, kind: str, param: str = "x") -> None:
    """Raises TF1's ``TypeError`` when ``t``'s dtype is not among the ``kind`` group."""
    allowed = _KINDS[kind]
    if t.dtype in allowed:
        return
    if kind == "bool":
        raise TypeError(f"Input '{param}' has type {t.dtype.name} that does not match "
                        "expected type of bool.")
    raise TypeError(f"Value passed to parameter '{param}' has DataType {t.dtype.name} not in "
                    f"list of allowed values: {', '.join(d.name for d in allowed)}")


def dtype_mismatch_hint(x, y) -> str:
    """What to change when ``x`` and ``y`` (tensors) have different dtypes, naming both as the
    program spelled them: a cast, the placeholder's ``dtype=``, or NumPy's float64 default."""
    names = f"{x.name} ({x.dtype.name}) and {y.name} ({y.dtype.name})"
    floats = [t for t in (x, y) if t.dtype.is_floating]
    if len(floats) == 2 and any(t.dtype.name == "float64" for t in floats):
        wide = next(t for t in (x, y) if t.dtype.name == "float64")
        other = y if wide is x else x
        return (f" The two tensors are {names}. {wide.name} is float64, NumPy's default "
                f"(np.random.randn, np.zeros...): make it {other.dtype.name}, e.g. "
                f"np.asarray(value, np.{other.dtype.name}), dtype=tf.{other.dtype.name} on the "
                f"tf.Variable or tf.constant, or tf.cast({wide.op.name}, "
                f"tf.{other.dtype.name}).")
    target = next((t for t in (x, y) if t.dtype.is_floating), x)
    other = y if target is x else x
    return (f" The two tensors are {names}: cast one, e.g. tf.cast({other.op.name}, "
            f"tf.{target.dtype.name}), or give the placeholder dtype=tf.{target.dtype.name}.")


def check_same_dtype(op_type, x, y):
    if x.dtype is not y.dtype:
        raise TypeError(f"Input 'y' of '{op_type}' Op has type {y.dtype.name} that does not "
                        f"match type {x.dtype.name} of argument 'x'."
                        + dtype_mismatch_hint(x, y))


def elementwise_shape(kind: str, out_dtype=None):
    """A shape rule for elementwise ops: inputs of one dtype in the ``kind`` group, broadcast
    together; the output has the inputs' dtype, or ``out_dtype`` (``bool`` for comparisons)."""
    def rule(inputs, attrs):
        x = inputs[0]
        shape = x.shape
        for param, t in zip("xy", inputs):
            if t.dtype is not x.dtype:
                raise TypeError(f"Input '{param}' has type {t.dtype.name} that does not match "
                                f"type {x.dtype.name} of argument 'x'."
                                + dtype_mismatch_hint(x, t))
            check_kind(t, kind, param)
            shape = broadcast_shape(shape, t.shape)
        return [(out_dtype or x.dtype, shape)]
    return rule


# Kept for op modules that build on them (any dtypes, broadcast shapes).
binary_shape = elementwise_shape("any")
compare_shape = elementwise_shape("any", dtypes.bool)


def binary(op_type, x, y, name=None, default_name=None) -> Tensor:
    """Builds a binary elementwise op after converting and dtype-checking both operands.

    A Python or NumPy operand takes the dtype of the tensor operand; constants made here are
    named ``<op>/x`` and ``<op>/y`` as in TF1.
    """
    with op_scope(name, default_name or op_type, (x, y)) as scope:
        x, y = convert_pair(x, y)
        check_same_dtype(op_type, x, y)
        return make_tensor(op_type, (x, y), None, scope)


def unary(op_type, x, name=None) -> Tensor:
    """Builds a one-input elementwise op named ``name`` or ``op_type``."""
    with op_scope(name, op_type, (x,)) as scope:
        x = convert_to_tensor(x, name="x")
        return make_tensor(op_type, (x,), None, scope)


def _cast(x, dtype):
    return cast(x, dtype)


def _mask(condition, like):
    """A bool tensor as 0/1 in ``like``'s dtype, to select gradients without a Select op."""
    return _cast(condition, like.dtype)


# --------------------------------------------------------------------------------------------
# Gradients of broadcasting ops
# --------------------------------------------------------------------------------------------
def _cannot_broadcast(x: Tensor, other: Tensor) -> bool:
    """True when ``other`` can not have broadcast ``x`` in ``x (op) other``: along every axis
    the result's size is ``x``'s own, so ``x``'s gradient needs no summing."""
    if x.shape.ndims is None or other.shape.ndims is None or other.shape.ndims > x.shape.ndims:
        return False
    xd = x.shape.as_tuple()
    od = (1,) * (len(xd) - other.shape.ndims) + other.shape.as_tuple()
    for a, b in zip(xd, od):
        if b == 1:
            continue                          # other is broadcast along this axis
        if a is None or a == 1 or b is not None and b != a:
            return False                      # x may be the one broadcast here
    return True


def unbroadcast(grad: Tensor, x: Tensor, other: Tensor = None) -> Tensor:
    """Sums ``grad`` (shaped like a broadcast result) back to the shape of input ``x``.

    ``other`` is the op's other input, if any: when it cannot have broadcast ``x``, ``grad``
    already has ``x``'s shape. With static shapes the reduced axes are computed now; otherwise
    the graph computes them (``UnbroadcastTo``).
    """
    if other is not None and _cannot_broadcast(x, other):
        return grad
    xs, gs = x.shape, grad.shape
    if xs.is_fully_defined() and gs.ndims is not None and gs.ndims >= xs.ndims:
        # x's shape is known, so the axes to sum are known now: the leading ones, and those
        # where x has size 1 (summing an axis that turns out to be 1 already is harmless).
        # A bias's gradient becomes a plain Sum, with no Shape op to run.
        xd, gd = xs.as_tuple(), gs.as_tuple()
        if xd == gd:
            return grad
        lead = len(gd) - len(xd)
        axes = list(range(lead)) + [lead + i for i, d in enumerate(xd)
                                    if d == 1 and gd[lead + i] != 1]
        summed = reduce_sum(grad, axis=axes) if axes else grad
        return summed if summed.shape.as_tuple() == xd else reshape(summed, xd)
    return sum_to(grad, shape(x), x.shape)


# --------------------------------------------------------------------------------------------
# Binary arithmetic (NumPy broadcasting, no implicit dtype promotion)
# --------------------------------------------------------------------------------------------
def _add_grad(op, g):
    x, y = op.inputs
    return [unbroadcast(g, x, y), unbroadcast(g, y, x)]


def _sub_grad(op, g):
    x, y = op.inputs
    return [unbroadcast(g, x, y), unbroadcast(negative(g), y, x)]


def _mul_grad(op, g):
    x, y = op.inputs
    return [unbroadcast(g * y, x, y), unbroadcast(x * g, y, x)]


def _div_grad(op, g):
    x, y = op.inputs
    return [unbroadcast(g / y, x, y), unbroadcast(negative(g) * x / (y * y), y, x)]


def _floormod_grad(op, g):
    # x mod y = x - floor(x / y) * y; floor has zero derivative almost everywhere.
    x, y = op.inputs
    return [unbroadcast(g, x, y), unbroadcast(g * negative(floordiv(x, y)), y, x)]


def _pow_grad(op, g):
    x, y = op.inputs
    z = op.outputs[0]
    gx = g * y * pow(x, y - 1)
    # d(x^y)/dy = x^y log(x), taken as 0 where x <= 0 (as TF does).
    positive = _mask(greater(x, 0), x)
    safe_x = x * positive + (1 - positive)
    gy = g * z * log(safe_x)
    return [unbroadcast(gx, x, y), unbroadcast(gy, y, x)]


def _maximum_grad(op, g):
    x, y = op.inputs
    x_wins = greater_equal(x, y)         # ties go to x
    return [unbroadcast(g * _mask(x_wins, g), x, y),
            unbroadcast(g * _mask(logical_not(x_wins), g), y, x)]


def _minimum_grad(op, g):
    x, y = op.inputs
    x_wins = less_equal(x, y)
    return [unbroadcast(g * _mask(x_wins, g), x, y),
            unbroadcast(g * _mask(logical_not(x_wins), g), y, x)]


def _squared_difference_grad(op, g):
    x, y = op.inputs
    d = g * (2 * (x - y))
    return [unbroadcast(d, x, y), unbroadcast(negative(d), y, x)]


register_op("Add", shape=elementwise_shape("number_or_string"), grad=_add_grad)
register_op("Sub", shape=elementwise_shape("number"), grad=_sub_grad)
register_op("Mul", shape=elementwise_shape("number"), grad=_mul_grad)
register_op("RealDiv", shape=elementwise_shape("number"), grad=_div_grad)
register_op("FloorDiv", shape=elementwise_shape("number"), grad=None)
register_op("FloorMod", shape=elementwise_shape("number"), grad=_floormod_grad)
register_op("Pow", shape=elementwise_shape("number"), grad=_pow_grad)
register_op("Maximum", shape=elementwise_shape("number"), grad=_maximum_grad)
register_op("Minimum", shape=elementwise_shape("number"), grad=_minimum_grad)
register_op("SquaredDifference", shape=elementwise_shape("number"),
            grad=_squared_difference_grad)


def add(x, y, name=None) -> Tensor:
    """``x + y`` elementwise, with broadcasting (strings are concatenated).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.add([1, 2], [10, 20])))
        [11 22]
    """
    return binary("Add", x, y, name)


def subtract(x, y, name=None) -> Tensor:
    """``x - y`` elementwise, with broadcasting.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.subtract([5.0, 3.0], 1.0)))
        [4. 2.]
    """
    return binary("Sub", x, y, name)


def multiply(x, y, name=None) -> Tensor:
    """``x * y`` elementwise, with broadcasting.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.multiply([[1], [2]], [10, 20])))
        [[10 20]
         [20 40]]
    """
    return binary("Mul", x, y, name)


def truediv(x, y, name=None) -> Tensor:
    """``x / y``; integer inputs are cast to floats first, as in TF1 (int32 -> float64).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.truediv(7, 2)))
        3.5
    """
    with op_scope(name, "truediv", (x, y)) as scope:
        x, y = convert_pair(x, y)
        check_same_dtype("RealDiv", x, y)
        if x.dtype.is_integer:
            target = dtypes.float32 if x.dtype.size <= 2 else dtypes.float64
            x, y = _cast(x, target), _cast(y, target)
        return make_tensor("RealDiv", (x, y), None, scope)


def divide(x, y, name=None) -> Tensor:
    """``x / y`` as Python 3 divides: the same as :func:`truediv`.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.divide([1, 3], 2)))
        [0.5 1.5]
    """
    return truediv(x, y, name)


def floordiv(x, y, name=None) -> Tensor:
    """``x // y``: division rounded toward minus infinity (ints and floats).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.floordiv([7, -7], 2)))
        [ 3 -4]
    """
    return binary("FloorDiv", x, y, name, "floordiv")


def floor_div(x, y, name=None) -> Tensor:
    """The raw ``FloorDiv`` op (default name "FloorDiv"); see :func:`floordiv`.

    Example:
        >>> import flowkit as tf
        >>> z = tf.floor_div(7.5, 2.0)
        >>> with tf.Session() as sess:
        ...     print(z.op.name, sess.run(z))
        FloorDiv 3.0
    """
    return binary("FloorDiv", x, y, name)


def div(x, y, name=None) -> Tensor:
    """TF1's old ``tf.div``: floor division for integers, real division for floats.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.div(-7, 2)), sess.run(tf.div(-7.0, 2.0)))
        -4 -3.5
    """
    with op_scope(name, "div", (x, y)) as scope:
        x, y = convert_pair(x, y)
        check_same_dtype("Div", x, y)
        op_type = "FloorDiv" if x.dtype.is_integer else "RealDiv"
        return make_tensor(op_type, (x, y), None, scope)


def mod(x, y, name=None) -> Tensor:
    """``x % y`` with the sign of ``y`` (Python's rule), for ints and floats.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.mod([7, -7], 3)))
        [1 2]
    """
    return binary("FloorMod", x, y, name)


floormod = mod


def pow(x, y, name=None) -> Tensor:  # noqa: A001 - TF1's public name
    """``x ** y`` elementwise.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.pow([2.0, 3.0], 2.0)))
        [4. 9.]
    """
    return binary("Pow", x, y, name)


def maximum(x, y, name=None) -> Tensor:
    """The larger of ``x`` and ``y`` elementwise; the gradient goes to the one selected
    (to ``x`` on ties).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.maximum([1, 5], 3)))
        [3 5]
    """
    return binary("Maximum", x, y, name)


def minimum(x, y, name=None) -> Tensor:
    """The smaller of ``x`` and ``y`` elementwise (ties: the gradient goes to ``x``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.minimum([1, 5], 3)))
        [1 3]
    """
    return binary("Minimum", x, y, name)


def squared_difference(x, y, name=None) -> Tensor:
    """``(x - y) ** 2`` elementwise.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.squared_difference([1.0, 4.0], 2.0)))
        [1. 4.]
    """
    return binary("SquaredDifference", x, y, name)


# --------------------------------------------------------------------------------------------
# Unary elementwise ops. Gradients that use the output y (exp, tanh...) stay differentiable
# twice, because y is itself a node that depends on x.
# --------------------------------------------------------------------------------------------
def unary_shape(kind: str):
    def rule(inputs, attrs):
        check_kind(inputs[0], kind)
        return [(inputs[0].dtype, inputs[0].shape)]
    return rule


def _y(op):
    return op.outputs[0]


def _x(op):
    return op.inputs[0]


register_op("Neg", shape=unary_shape("signed"), grad=lambda op, g: [negative(g)])
register_op("Abs", shape=unary_shape("signed"), grad=lambda op, g: [g * sign(_x(op))])
register_op("Sign", shape=unary_shape("signed"),
            grad=lambda op, g: [_zeros_like(_x(op))])   # TF1: zeros, not None
register_op("Square", shape=unary_shape("signed"), grad=lambda op, g: [g * (2 * _x(op))])
register_op("Sqrt", shape=unary_shape("float"), grad=lambda op, g: [g * 0.5 / _y(op)])
register_op("Rsqrt", shape=unary_shape("float"),
            grad=lambda op, g: [g * -0.5 * (_y(op) * _y(op) * _y(op))])
register_op("Exp", shape=unary_shape("float"), grad=lambda op, g: [g * _y(op)])
register_op("Log", shape=unary_shape("float"), grad=lambda op, g: [g / _x(op)])
register_op("Log1p", shape=unary_shape("float"), grad=lambda op, g: [g / (1 + _x(op))])
register_op("Sin", shape=unary_shape("float"), grad=lambda op, g: [g * cos(_x(op))])
register_op("Cos", shape=unary_shape("float"), grad=lambda op, g: [negative(g) * sin(_x(op))])


def pair_shape(first: str, second: str):
    """The shape rule of an elementwise op of two inputs of one dtype and shape (a gradient op:
    ``SigmoidGrad(y, dy)``, ``EluGrad(gradients, features)``): like both; ``first`` and
    ``second`` name the inputs in the dtype error."""
    def rule(inputs, attrs):
        a, b = inputs
        if a.dtype is not b.dtype:
            raise TypeError(f"{first} ({a.dtype.name}) and {second} ({b.dtype.name}) must have "
                            "the same dtype")
        return [(a.dtype, a.shape.merge_with(b.shape))]
    return rule


_y_dy_shape = pair_shape("y", "dy")


# The gradients of Tanh and Sigmoid are one op each, as in TF (an LSTM cell's backward pass
# runs five of them per step), with their own gradients for second derivatives.
register_op("Tanh", shape=unary_shape("float"),
            grad=lambda op, g: [make_tensor("TanhGrad", (_y(op), g))])
register_op("Sigmoid", shape=unary_shape("float"),
            grad=lambda op, g: [make_tensor("SigmoidGrad", (_y(op), g))])
register_op("TanhGrad", shape=_y_dy_shape,
            grad=lambda op, gg: [gg * -2.0 * op.inputs[1] * op.inputs[0],
                                 make_tensor("TanhGrad", (op.inputs[0], gg))],
            doc="Gradient of Tanh from its output y: dy * (1 - y * y).")


def _sigmoid_grad_grad(op, gg):
    y, dy = op.inputs
    gdy = gg * dy
    return [gdy - 2.0 * gdy * y, make_tensor("SigmoidGrad", (y, gg))]


register_op("SigmoidGrad", shape=_y_dy_shape, grad=_sigmoid_grad_grad,
            doc="Gradient of Sigmoid from its output y: dy * y * (1 - y).")
register_op("Reciprocal", shape=unary_shape("signed"),
            grad=lambda op, g: [negative(g) * (_y(op) * _y(op))])
# Piecewise constant: TF1 gives them no gradient at all (tf.gradients returns None).
register_op("Round", shape=unary_shape("float"), grad=None)
register_op("Floor", shape=unary_shape("float"), grad=None)
register_op("Ceil", shape=unary_shape("float"), grad=None)


def _zeros_like(x):
    return zeros_like(x)


def negative(x, name=None) -> Tensor:
    """``-x`` elementwise.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.negative([1, -2])))
        [-1  2]
    """
    return unary("Neg", x, name)


def abs(x, name=None) -> Tensor:  # noqa: A001 - TF1's public name
    """``|x|`` elementwise.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.abs([-1.5, 2.0])))
        [1.5 2. ]
    """
    return unary("Abs", x, name)


def sign(x, name=None) -> Tensor:
    """-1, 0 or 1 elementwise, in ``x``'s dtype.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sign([-3.0, 0.0, 2.0])))
        [-1.  0.  1.]
    """
    return unary("Sign", x, name)


def square(x, name=None) -> Tensor:
    """``x * x`` elementwise.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.square([2, -3])))
        [4 9]
    """
    return unary("Square", x, name)


def sqrt(x, name=None) -> Tensor:
    """Square root, for float tensors.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sqrt([4.0, 9.0])))
        [2. 3.]
    """
    return unary("Sqrt", x, name)


def rsqrt(x, name=None) -> Tensor:
    """``1 / sqrt(x)``, for float tensors.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.rsqrt([4.0, 16.0])))
        [0.5  0.25]
    """
    return unary("Rsqrt", x, name)


def exp(x, name=None) -> Tensor:
    """``e ** x`` elementwise, for float tensors.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.exp([0.0, 1.0])))
        [1.       2.718282]
    """
    return unary("Exp", x, name)


def log(x, name=None) -> Tensor:
    """Natural logarithm, for float tensors.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.log([1.0, 100.0])))
        [0.        4.6051702]
    """
    return unary("Log", x, name)


def log1p(x, name=None) -> Tensor:
    """``log(1 + x)``, accurate for small ``x``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.log1p(tf.constant([0.0, 1e-10], tf.float64))))
        [0.e+00 1.e-10]
    """
    return unary("Log1p", x, name)


def sin(x, name=None) -> Tensor:
    """Sine, for float tensors.

    Example:
        >>> import flowkit as tf
        >>> import numpy as np
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sin([0.0, np.pi / 2])))
        [0. 1.]
    """
    return unary("Sin", x, name)


def cos(x, name=None) -> Tensor:
    """Cosine, for float tensors.

    Example:
        >>> import flowkit as tf
        >>> import numpy as np
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.cos([0.0, np.pi])))
        [ 1. -1.]
    """
    return unary("Cos", x, name)


def tanh(x, name=None) -> Tensor:
    """Hyperbolic tangent (also ``tf.nn.tanh``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.tanh([0.0, 100.0])))
        [0. 1.]
    """
    return unary("Tanh", x, name)


def sigmoid(x, name=None) -> Tensor:
    """``1 / (1 + exp(-x))``, computed without overflow (also ``tf.nn.sigmoid``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sigmoid([0.0, -1000.0])))
        [0.5 0. ]
    """
    return unary("Sigmoid", x, name)


def reciprocal(x, name=None) -> Tensor:
    """``1 / x`` elementwise (integer division for integer tensors, as in TF).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reciprocal([2.0, 4.0])))
        [0.5  0.25]
    """
    return unary("Reciprocal", x, name)


def round(x, name=None) -> Tensor:  # noqa: A001 - TF1's public name
    """Rounds to the nearest integer, halves to even ("banker's rounding", as TF does).

    Integer tensors are returned unchanged.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.round([0.5, 1.5, 2.5, -0.5])))
        [ 0.  2.  2. -0.]
    """
    x = convert_to_tensor(x)
    if x.dtype.is_integer:
        return x
    return unary("Round", x, name)


def floor(x, name=None) -> Tensor:
    """The largest integer not greater than ``x``, elementwise (float tensors).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.floor([1.5, -1.5])))
        [ 1. -2.]
    """
    return unary("Floor", x, name)


def ceil(x, name=None) -> Tensor:
    """The smallest integer not less than ``x``, elementwise (float tensors).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.ceil([1.5, -1.5])))
        [ 2. -1.]
    """
    return unary("Ceil", x, name)


# --------------------------------------------------------------------------------------------
# Comparisons and logic: bool results, no gradient
# --------------------------------------------------------------------------------------------
register_op("Equal", shape=elementwise_shape("any", dtypes.bool), grad=None)
register_op("NotEqual", shape=elementwise_shape("any", dtypes.bool), grad=None)
for _type in ("Less", "LessEqual", "Greater", "GreaterEqual"):
    register_op(_type, shape=elementwise_shape("number", dtypes.bool), grad=None)
register_op("LogicalAnd", shape=elementwise_shape("bool"), grad=None)
register_op("LogicalOr", shape=elementwise_shape("bool"), grad=None)
register_op("LogicalNot", shape=unary_shape("bool"), grad=None)


def equal(x, y, name=None) -> Tensor:
    """``x == y`` elementwise, as a bool tensor.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.equal([1, 2], [1, 3])))
        [ True False]
    """
    return binary("Equal", x, y, name)


def not_equal(x, y, name=None) -> Tensor:
    """``x != y`` elementwise, as a bool tensor.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.not_equal([1, 2], [1, 3])))
        [False  True]
    """
    return binary("NotEqual", x, y, name)


def less(x, y, name=None) -> Tensor:
    """``x < y`` elementwise, as a bool tensor.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.less([1, 2, 3], 2)))
        [ True False False]
    """
    return binary("Less", x, y, name)


def less_equal(x, y, name=None) -> Tensor:
    """``x <= y`` elementwise, as a bool tensor.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.less_equal([1, 2, 3], 2)))
        [ True  True False]
    """
    return binary("LessEqual", x, y, name)


def greater(x, y, name=None) -> Tensor:
    """``x > y`` elementwise, as a bool tensor.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.greater([1, 2, 3], 2)))
        [False False  True]
    """
    return binary("Greater", x, y, name)


def greater_equal(x, y, name=None) -> Tensor:
    """``x >= y`` elementwise, as a bool tensor.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.greater_equal([1, 2, 3], 2)))
        [False  True  True]
    """
    return binary("GreaterEqual", x, y, name)


def logical_and(x, y, name=None) -> Tensor:
    """``x AND y`` of bool tensors.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.logical_and([True, True], [True, False])))
        [ True False]
    """
    return binary("LogicalAnd", x, y, name)


def logical_or(x, y, name=None) -> Tensor:
    """``x OR y`` of bool tensors.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.logical_or([True, False], [False, False])))
        [ True False]
    """
    return binary("LogicalOr", x, y, name)


def logical_not(x, name=None) -> Tensor:
    """``NOT x`` of a bool tensor.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.logical_not([True, False])))
        [False  True]
    """
    return unary("LogicalNot", x, name)


def logical_xor(x, y, name="LogicalXor") -> Tensor:
    """``x XOR y`` of bool tensors, built as TF1 does: ``(x OR y) AND NOT (x AND y)``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.logical_xor([True, True, False], [True, False, False])))
        [False  True False]
    """
    with op_scope(name, "LogicalXor", (x, y)) as scope:
        x, y = convert_pair(x, y)
        return make_tensor("LogicalAnd", (logical_or(x, y), logical_not(logical_and(x, y))),
                           None, scope)


def clip_by_value(t, clip_value_min, clip_value_max, name=None) -> Tensor:
    """Clips ``t`` to ``[clip_value_min, clip_value_max]`` (a ``Minimum`` then a ``Maximum``,
    so the gradient passes where ``t`` is inside the interval, boundaries included).

    Raises:
        ValueError: the clip values would broadcast ``t`` to a bigger shape.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.clip_by_value([-2.0, 0.5, 3.0], 0.0, 1.0)))
        [0.  0.5 1. ]
    """
    with op_scope(name, "clip_by_value", (t, clip_value_min, clip_value_max)) as scope:
        t = convert_to_tensor(t, name="t")
        t_min = minimum(t, clip_value_max)
        t.shape.assert_is_compatible_with(t_min.shape)
        out = maximum(t_min, clip_value_min, name=scope)
        t.shape.assert_is_compatible_with(out.shape)
        return out


# --------------------------------------------------------------------------------------------
# Sums of tensors, matrix products
# --------------------------------------------------------------------------------------------
def _add_n_shape(inputs, attrs):
    s = inputs[0].shape
    for t in inputs[1:]:
        check_same_dtype("AddN", inputs[0], t)
        s = s.merge_with(t.shape)
    check_kind(inputs[0], "number", "inputs")
    return [(inputs[0].dtype, s)]


register_op("AddN", shape=_add_n_shape, grad=lambda op, g: [g] * len(op.inputs))


def add_n(inputs, name=None) -> Tensor:
    """Sums a list of tensors of the same shape and dtype.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.add_n([[1, 2], [10, 20], [100, 200]])))
        [111 222]
    """
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype "
                         "and shape")
    inputs = [convert_to_tensor(t) for t in inputs]
    if len(inputs) == 1:
        if name:
            return identity(inputs[0], name=name)
        return inputs[0]
    return make_tensor("AddN", inputs, None, name or "AddN")


# --------------------------------------------------------------------------------------------
# Cumulative sums and products along one axis
# --------------------------------------------------------------------------------------------
def _cumulative_shape(inputs, attrs):
    x = inputs[0]
    check_kind(x, "number")
    n = x.shape.ndims
    if n is not None and not -n <= attrs["axis"] < n:
        raise ValueError(f"axis {attrs['axis']} is out of range for a tensor of rank {n}")
    return [(x.dtype, x.shape)]


def _cumsum_grad(op, g):
    a = op.attrs
    return [cumsum(g, a["axis"], exclusive=a["exclusive"], reverse=not a["reverse"])]


def _cumprod_grad(op, g):
    # As TF: exact where x != 0 (the zero-safe product gradient is in _prod_grad).
    x, a = op.inputs[0], op.attrs
    out = cumsum(op.outputs[0] * g, a["axis"], exclusive=a["exclusive"],
                 reverse=not a["reverse"])
    return [out / x]


register_op("Cumsum", shape=_cumulative_shape, grad=_cumsum_grad)
register_op("Cumprod", shape=_cumulative_shape, grad=_cumprod_grad)


def _cumulative(op_type, x, axis, exclusive, reverse, name):
    with op_scope(name, op_type, (x,)) as scope:
        x = convert_to_tensor(x, name="x")
        attrs = {"axis": int(axis), "exclusive": bool(exclusive), "reverse": bool(reverse)}
        return make_tensor(op_type, (x,), attrs, scope)


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """Running sums along ``axis``; ``exclusive`` leaves out the current element, ``reverse``
    sums from the end.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.cumsum([1, 2, 3], exclusive=True)))
        [0 1 3]
    """
    return _cumulative("Cumsum", x, axis, exclusive, reverse, name)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None) -> Tensor:
    """Running products along ``axis`` (``exclusive`` and ``reverse`` as in :func:`cumsum`).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.cumprod([1, 2, 3, 4])))
        [ 1  2  6 24]
    """
    return _cumulative("Cumprod", x, axis, exclusive, reverse, name)


# --------------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------------
def reduce_shape(inputs, attrs):
    """Shape rule of the ``reduce_*`` ops (attrs ``axis``: tuple or None, ``keepdims``)."""
    x = inputs[0]
    axis, keep = attrs["axis"], attrs["keepdims"]
    if x.shape.ndims is None:
        return [(x.dtype, TensorShape(None))]
    dims = x.shape.as_tuple()
    if axis is None:
        out = [1] * len(dims) if keep else []
    else:
        axis = {a % max(len(dims), 1) for a in axis}
        if keep:
            out = [1 if i in axis else d for i, d in enumerate(dims)]
        else:
            out = [d for i, d in enumerate(dims) if i not in axis]
    return [(x.dtype, TensorShape(out))]


def reduce_shape_of(kind: str):
    """:func:`reduce_shape` with a dtype check (``"number"`` or ``"bool"``)."""
    def rule(inputs, attrs):
        check_kind(inputs[0], kind, "input")
        return reduce_shape(inputs, attrs)
    return rule


def reduction(op_type, input_tensor, axis, keepdims, name, keep_dims=None,
              reduction_indices=None, default_name=None) -> Tensor:
    """Shared argument handling of the ``reduce_*`` builders (TF1's old names included)."""
    if reduction_indices is not None:
        if axis is not None:
            raise ValueError("Can not specify both 'axis' and 'reduction_indices'.")
        axis = reduction_indices
    if keep_dims is not None:
        if keepdims is not None:
            raise ValueError("Can not specify both 'keepdims' and 'keep_dims'.")
        keepdims = keep_dims
    with op_scope(name, default_name or op_type, (input_tensor,)) as scope:
        x = convert_to_tensor(input_tensor, name="input")
        attrs = {"axis": normalize_axis(axis, x.shape.ndims), "keepdims": bool(keepdims)}
        return make_tensor(op_type, (x,), attrs, scope)


def _reduced_grad_shape(op):
    """The input's shape with reduced axes set to 1, for broadcasting a gradient back."""
    x = op.inputs[0]
    axis = op.attrs["axis"]
    if x.shape.ndims is not None:
        # Known now when every kept axis has a known size (a reduced axis becomes 1 anyway):
        # the mean of a batch of losses needs no Shape op here.
        dims = x.shape.as_tuple()
        axes = range(len(dims)) if axis is None else {a % len(dims) for a in axis}
        kept = [1 if i in axes else d for i, d in enumerate(dims)]
        if None not in kept:
            return kept
    return make_tensor("ReducedShape", (shape(x),), {"axis": axis})


def _reduced_shape_shape(inputs, attrs):
    return [(inputs[0].dtype, inputs[0].shape)]


register_op("ReducedShape", shape=_reduced_shape_shape, grad=None,
            doc="Input shape with the reduced axes set to 1.")


def _input_shape(x):
    return x.shape.as_list() if x.shape.is_fully_defined() else shape(x)


def _sum_grad(op, g):
    x = op.inputs[0]
    if op.outputs[0].shape.ndims == 0 and not x.shape.is_fully_defined():
        # A scalar spread over an input of unknown size (a loss summed over the batch): one
        # Fill, instead of a Reshape and a BroadcastTo.
        return [fill(shape(x), g)]
    g = reshape(g, _reduced_grad_shape(op))
    return [broadcast_to(g, _input_shape(x))]


def _mean_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    # Each element of the result is g's element divided by the count, so g is divided before
    # it is broadcast (the same IEEE operations, on fewer elements).
    if x.shape.is_fully_defined() and y.shape.is_fully_defined():
        factor = max(x.shape.num_elements(), 1) // max(y.shape.num_elements(), 1)
        factor = convert_to_tensor(factor, dtype=g.dtype)
    elif y.shape.is_fully_defined() and y.shape.num_elements() == 1:
        factor = cast(size(x), g.dtype)
    else:
        factor = cast(size(x), g.dtype) / \
            cast(size(y), g.dtype)
    (gx,) = _sum_grad(op, g / factor)
    return [gx]


def _min_max_grad(op, g):
    """The gradient goes to the elements equal to the result, split equally among ties."""
    x = op.inputs[0]
    shape = _reduced_grad_shape(op)
    y = reshape(op.outputs[0], shape)
    g = reshape(g, shape)
    hits = _mask(equal(y, x), g)
    count = reduce_sum(hits, op.attrs["axis"], keepdims=True)
    return [hits / count * g]


def _others_product(x, axes):
    """For each element of ``x``: the product of the *other* elements reduced with it over
    ``axes``, without dividing (so zeros are fine). Along one axis it is an exclusive product
    from the left times one from the right; each further axis multiplies in the products of
    the other slices along it."""
    first, rest = axes[0], axes[1:]
    out = cumprod(x, first, exclusive=True) * cumprod(x, first, exclusive=True, reverse=True)
    if rest:
        out = out * _others_product(reduce_prod(x, first, keepdims=True), rest)
    return out


def _prod_grad(op, g):
    x, axis = op.inputs[0], op.attrs["axis"]
    g = reshape(g, _reduced_grad_shape(op))
    if axis is None:
        others = reshape(_others_product(reshape(x, [-1]), [0]),
                                   _input_shape(x))
    elif not axis:
        return [g]
    else:
        others = _others_product(x, list(axis))
    return [g * others]


register_op("Sum", shape=reduce_shape_of("number"), grad=_sum_grad)
register_op("Mean", shape=reduce_shape_of("number"), grad=_mean_grad)
register_op("Max", shape=reduce_shape_of("number"), grad=_min_max_grad)
register_op("Min", shape=reduce_shape_of("number"), grad=_min_max_grad)
register_op("Prod", shape=reduce_shape_of("number"), grad=_prod_grad)
register_op("Any", shape=reduce_shape_of("bool"), grad=None)
register_op("All", shape=reduce_shape_of("bool"), grad=None)


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """Sum over ``axis`` (all axes when ``None``); ``keepdims`` keeps reduced axes as 1.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([[1, 2, 3], [4, 5, 6]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reduce_sum(x, axis=-1)), sess.run(tf.reduce_sum(x)))
        [ 6 15] 21
    """
    return reduction("Sum", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None) -> Tensor:
    """Mean over ``axis``; for integer tensors the mean is an integer, as in TF1.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reduce_mean(x)), sess.run(tf.reduce_mean(x, axis=0)))
        ...     print(sess.run(tf.reduce_mean([1, 2])))
        2.5 [2. 3.]
        1
    """
    return reduction("Mean", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """Maximum over ``axis``; the gradient is shared equally by the elements that tie.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reduce_max([[1, 5], [7, 2]], axis=1)))
        [5 7]
    """
    return reduction("Max", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """Minimum over ``axis``; the gradient is shared equally by the elements that tie.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reduce_min([[1, 5], [7, 2]], axis=1, keepdims=True)))
        [[1]
         [2]]
    """
    return reduction("Min", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None) -> Tensor:
    """Product over ``axis`` (its gradient is exact where some elements are zero).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reduce_prod([[1, 2], [3, 4]], axis=0)))
        [3 8]
    """
    return reduction("Prod", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """Logical OR over ``axis`` of a bool tensor.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reduce_any([[True, False], [False, False]], axis=1)))
        [ True False]
    """
    return reduction("Any", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """Logical AND over ``axis`` of a bool tensor.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reduce_all([[True, True], [True, False]], axis=1)))
        [ True False]
    """
    return reduction("All", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def _arg_shape(inputs, attrs):
    x, axis, out = inputs[0], attrs["axis"], attrs["output_type"]
    check_kind(x, "number", "input")
    if out not in (dtypes.int16, dtypes.int32, dtypes.int64):
        raise TypeError(f"Value passed to parameter 'output_type' has DataType {out.name} not "
                        "in list of allowed values: int16, int32, int64")
    if x.shape.ndims is None:
        return [(out, TensorShape(None))]
    n = x.shape.ndims
    if not -n <= axis < n:
        raise ValueError(f"Dimension ({axis}) must be in the range [{-n}, {n}), where {n} is "
                         "the number of dimensions in the input.")
    dims = list(x.shape.as_tuple())
    del dims[axis % n]
    return [(out, TensorShape(dims))]


register_op("ArgMax", shape=_arg_shape, grad=None)
register_op("ArgMin", shape=_arg_shape, grad=None)


def _arg(op_type, input, axis, name, dimension, output_type):
    if dimension is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dimension'")
        axis = dimension
    if axis is None:
        axis = 0   # TF1's default
    if isinstance(axis, Tensor):
        value = constant_value(axis)
        if value is None:
            raise ValueError(f"axis must be known when the graph is built; got {axis.name}")
        axis = value
    with op_scope(name, op_type, (input,)) as scope:
        x = convert_to_tensor(input, name="input")
        attrs = {"axis": int(axis), "output_type": dtypes.as_dtype(output_type)}
        return make_tensor(op_type, (x,), attrs, scope)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64) -> Tensor:
    """The index of the largest value along ``axis`` (default 0), as int64 unless
    ``output_type`` says otherwise; ``dimension`` is TF1's old name of ``axis``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.argmax([[1, 9, 3], [7, 2, 8]], axis=1)))
        [1 2]
    """
    return _arg("ArgMax", input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64) -> Tensor:
    """The index of the smallest value along ``axis`` (default 0); see :func:`argmax`.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.argmin([[3, 1, 2], [0, 5, 4]], axis=1)))
        [1 0]
    """
    return _arg("ArgMin", input, axis, name, dimension, output_type)


# --------------------------------------------------------------------------------------------
# Python operators on Tensor, with TF1's op names (``a + b`` is named "add", ``a < b`` "Less")
# --------------------------------------------------------------------------------------------
def _install_operators():
    def op_pair(fn, name):
        def forward(self, other):
            return fn(self, other, name=name)

        def reverse(self, other):
            return fn(other, self, name=name)
        return forward, reverse

    Tensor.__add__, Tensor.__radd__ = op_pair(add, "add")
    Tensor.__sub__, Tensor.__rsub__ = op_pair(subtract, "sub")
    Tensor.__mul__, Tensor.__rmul__ = op_pair(multiply, "mul")
    Tensor.__truediv__, Tensor.__rtruediv__ = op_pair(truediv, "truediv")
    Tensor.__floordiv__, Tensor.__rfloordiv__ = op_pair(floordiv, "floordiv")
    Tensor.__mod__, Tensor.__rmod__ = op_pair(mod, "mod")
    Tensor.__pow__, Tensor.__rpow__ = op_pair(pow, "pow")
    Tensor.__and__, Tensor.__rand__ = op_pair(logical_and, "and")
    Tensor.__or__, Tensor.__ror__ = op_pair(logical_or, "or")
    Tensor.__xor__, Tensor.__rxor__ = op_pair(logical_xor, "xor")
    # Comparisons: Python reflects `2 < t` into `t > 2` itself. `==` stays identity, as in TF1.
    Tensor.__lt__ = lambda self, other: less(self, other)
    Tensor.__le__ = lambda self, other: less_equal(self, other)
    Tensor.__gt__ = lambda self, other: greater(self, other)
    Tensor.__ge__ = lambda self, other: greater_equal(self, other)
    Tensor.__neg__ = lambda self: negative(self)
    Tensor.__abs__ = lambda self: abs(self)
    Tensor.__invert__ = lambda self: logical_not(self)


_install_operators()
