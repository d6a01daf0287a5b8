"""Math ops: elementwise arithmetic, comparisons, matrix products and reductions.

Each op type is declared once: its builder, its shape rule and its gradient rule side by side.

Example:
    >>> import flowkit as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.constant([1.0, 2.0]) * 3.0 + 1.0))
    [4. 7.]
"""
from __future__ import annotations

__all__ = ["add", "subtract", "multiply", "divide", "truediv", "negative", "matmul", "add_n", "reduce_sum", "reduce_mean"]

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import (broadcast_shape, op_scope, convert_pair, convert_to_tensor, make_tensor,
                              normalize_axis, same_dtype_shape, unbroadcast)


# --------------------------------------------------------------------------------------------
# Binary elementwise ops (NumPy broadcasting, no implicit dtype promotion)
# --------------------------------------------------------------------------------------------
def check_same_dtype(op_type, x, y):
    if x.dtype is not y.dtype:
        raise TypeError(f"Input 'y' of '{op_type}' Op has type {y.dtype.name} that does not "
                        f"match type {x.dtype.name} of argument 'x'.")


def binary_shape(inputs, attrs):
    x, y = inputs
    return [(x.dtype, broadcast_shape(x.shape, y.shape))]


def compare_shape(inputs, attrs):
    x, y = inputs
    return [(dtypes.bool, broadcast_shape(x.shape, y.shape))]


def binary(op_type, x, y, name=None, default_name=None) -> Tensor:
    """Builds a binary elementwise op after converting and dtype-checking both operands."""
    with op_scope(name, default_name or op_type, (x, y)) as scope:
        x, y = convert_pair(x, y)
        check_same_dtype(op_type, x, y)
        return make_tensor(op_type, (x, y), None, scope)


def _add_grad(op, g):
    x, y = op.inputs
    return [unbroadcast(g, x), unbroadcast(g, y)]


def _sub_grad(op, g):
    x, y = op.inputs
    return [unbroadcast(g, x), unbroadcast(negative(g), y)]


def _mul_grad(op, g):
    x, y = op.inputs
    return [unbroadcast(g * y, x), unbroadcast(x * g, y)]


def _div_grad(op, g):
    x, y = op.inputs
    return [unbroadcast(g / y, x), unbroadcast(negative(g) * x / (y * y), y)]


register_op("Add", shape=binary_shape, grad=_add_grad)
register_op("Sub", shape=binary_shape, grad=_sub_grad)
register_op("Mul", shape=binary_shape, grad=_mul_grad)
register_op("RealDiv", shape=binary_shape, grad=_div_grad)


def add(x, y, name=None) -> Tensor:
    """``x + y`` elementwise, with broadcasting."""
    return binary("Add", x, y, name)


def subtract(x, y, name=None) -> Tensor:
    """``x - y`` elementwise, with broadcasting."""
    return binary("Sub", x, y, name)


def multiply(x, y, name=None) -> Tensor:
    """``x * y`` elementwise, with broadcasting."""
    return binary("Mul", x, y, name)


def truediv(x, y, name=None) -> Tensor:
    """``x / y``; integer inputs are cast to floats first, as in TF1 (int32 -> float64)."""
    with op_scope(name, "truediv", (x, y)) as scope:
        x, y = convert_pair(x, y)
        check_same_dtype("RealDiv", x, y)
        if x.dtype.is_integer:
            target = dtypes.float32 if x.dtype.size <= 2 else dtypes.float64
            from flowkit.ops.array_ops import cast
            x, y = cast(x, target), cast(y, target)
        return make_tensor("RealDiv", (x, y), None, scope)


divide = truediv


def negative(x, name=None) -> Tensor:
    """``-x`` elementwise."""
    x = convert_to_tensor(x)
    return make_tensor("Neg", (x,), None, name or "Neg")


register_op("Neg", shape=same_dtype_shape, grad=lambda op, g: [negative(g)])


def _add_n_shape(inputs, attrs):
    s = inputs[0].shape
    for t in inputs[1:]:
        check_same_dtype("AddN", inputs[0], t)
        s = s.merge_with(t.shape)
    return [(inputs[0].dtype, s)]


register_op("AddN", shape=_add_n_shape, grad=lambda op, g: [g] * len(op.inputs))


def add_n(inputs, name=None) -> Tensor:
    """Sums a list of tensors of the same shape and dtype."""
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise ValueError("inputs must be a list of at least one Tensor with the same dtype "
                         "and shape")
    inputs = [convert_to_tensor(t) for t in inputs]
    if len(inputs) == 1:
        from flowkit.ops.array_ops import identity
        return identity(inputs[0], name=name or "AddN")
    return make_tensor("AddN", inputs, None, name or "AddN")


# --------------------------------------------------------------------------------------------
# Matrix product
# --------------------------------------------------------------------------------------------
def _matmul_shape(inputs, attrs):
    a, b = inputs
    ta, tb = attrs["transpose_a"], attrs["transpose_b"]
    if a.shape.ndims is None or b.shape.ndims is None:
        return [(a.dtype, TensorShape(None))]
    if a.shape.ndims < 2 or b.shape.ndims < 2:
        raise ValueError(f"Shape must be rank 2 but is rank "
                         f"{min(a.shape.ndims, b.shape.ndims)}")
    da, db = a.shape.as_tuple(), b.shape.as_tuple()
    m, k1 = (da[-1], da[-2]) if ta else (da[-2], da[-1])
    k2, n = (db[-1], db[-2]) if tb else (db[-2], db[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        raise ValueError(f"Dimensions must be equal, but are {k1} and {k2}")
    batch = broadcast_shape(TensorShape(da[:-2]), TensorShape(db[:-2]))
    return [(a.dtype, batch.concatenate([m, n]))]


def _matmul_grad(op, g):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        ga, gb = matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)
    elif not ta and tb:
        ga, gb = matmul(g, b), matmul(g, a, transpose_a=True)
    elif ta and not tb:
        ga, gb = matmul(b, g, transpose_b=True), matmul(a, g)
    else:
        ga, gb = matmul(b, g, transpose_a=True, transpose_b=True), \
            matmul(g, a, transpose_a=True, transpose_b=True)
    if a.shape.ndims is not None and b.shape.ndims is not None and \
            (a.shape.ndims > 2 or b.shape.ndims > 2):
        ga, gb = unbroadcast(ga, a), unbroadcast(gb, b)
    return [ga, gb]


register_op("MatMul", shape=_matmul_shape, grad=_matmul_grad)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None) -> Tensor:
    """Matrix product ``a @ b`` of rank-2 tensors, or batched over leading dimensions.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.matmul([[1.0, 2.0]], [[3.0], [4.0]])))
        [[11.]]
    """
    with op_scope(name, "MatMul", (a, b)) as scope:
        a, b = convert_pair(a, b)
        check_same_dtype("MatMul", a, b)
        attrs = {"transpose_a": bool(transpose_a or adjoint_a),
                 "transpose_b": bool(transpose_b or adjoint_b)}
        return make_tensor("MatMul", (a, b), attrs, scope)


# --------------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------------
def reduce_shape(inputs, attrs):
    x = inputs[0]
    axis, keep = attrs["axis"], attrs["keepdims"]
    if x.shape.ndims is None:
        return [(x.dtype, TensorShape(None))]
    dims = x.shape.as_tuple()
    if axis is None:
        out = [1] * len(dims) if keep else []
    else:
        axis = {a % max(len(dims), 1) for a in axis}
        out = [(1 if keep else None) if i in axis else d for i, d in enumerate(dims)]
        if not keep:
            out = [d for i, d in enumerate(dims) if i not in axis]
    return [(x.dtype, TensorShape(out))]


def reduction(op_type, input_tensor, axis, keepdims, name, keep_dims=None,
              reduction_indices=None, default_name=None) -> Tensor:
    """Shared argument handling of the ``reduce_*`` builders (TF1's old names included)."""
    x = convert_to_tensor(input_tensor)
    if reduction_indices is not None:
        if axis is not None:
            raise ValueError("Can not specify both 'axis' and 'reduction_indices'.")
        axis = reduction_indices
    if keep_dims is not None:
        if keepdims is not None:
            raise ValueError("Can not specify both 'keepdims' and 'keep_dims'.")
        keepdims = keep_dims
    attrs = {"axis": normalize_axis(axis, x.shape.ndims), "keepdims": bool(keepdims)}
    return make_tensor(op_type, (x,), attrs, name or default_name or op_type)


def _reduced_grad_shape(op):
    """The input's shape with reduced axes set to 1, for broadcasting a gradient back."""
    x = op.inputs[0]
    from flowkit.ops import array_ops
    axis = op.attrs["axis"]
    if x.shape.is_fully_defined():
        dims = x.shape.as_tuple()
        axes = range(len(dims)) if axis is None else {a % len(dims) for a in axis}
        return [1 if i in axes else d for i, d in enumerate(dims)]
    return make_tensor("ReducedShape", (array_ops.shape(x),), {"axis": axis})


def _reduced_shape_shape(inputs, attrs):
    return [(inputs[0].dtype, inputs[0].shape)]


register_op("ReducedShape", shape=_reduced_shape_shape, grad=None,
            doc="Input shape with the reduced axes set to 1.")


def _sum_grad(op, g):
    from flowkit.ops import array_ops
    x = op.inputs[0]
    g = array_ops.reshape(g, _reduced_grad_shape(op))
    return [array_ops.broadcast_to(g, array_ops.shape(x) if not x.shape.is_fully_defined()
                                   else x.shape.as_list())]


def _mean_grad(op, g):
    from flowkit.ops import array_ops
    x, y = op.inputs[0], op.outputs[0]
    (gx,) = _sum_grad(op, g)
    if x.shape.is_fully_defined() and y.shape.is_fully_defined():
        factor = max(x.shape.num_elements(), 1) // max(y.shape.num_elements(), 1)
        return [gx / convert_to_tensor(factor, dtype=gx.dtype)]
    factor = array_ops.cast(array_ops.size(x), gx.dtype) / \
        array_ops.cast(array_ops.size(y), gx.dtype)
    return [gx / factor]


register_op("Sum", shape=reduce_shape, grad=_sum_grad)
register_op("Mean", shape=reduce_shape, grad=_mean_grad)


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
               keep_dims=None) -> Tensor:
    """Sum over ``axis`` (all axes when ``None``); ``keepdims`` keeps reduced axes as 1."""
    return reduction("Sum", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None,
                keep_dims=None) -> Tensor:
    """Mean over ``axis``; for integer tensors the mean is an integer, as in TF1."""
    return reduction("Mean", input_tensor, axis, keepdims, name, keep_dims, reduction_indices)


# --------------------------------------------------------------------------------------------
# Python operators on Tensor
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
    Tensor.__matmul__, Tensor.__rmatmul__ = op_pair(matmul, None)
    Tensor.__neg__ = lambda self: negative(self)


_install_operators()
