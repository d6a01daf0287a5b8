"""Shape and dtype manipulation: identity, shape, size, rank, reshape, broadcast_to, cast,
transpose, expand_dims, squeeze, reverse, bitcast, guarantee_const, the broadcast shape
helpers and the tensor predicates ``is_tensor``/``is_numeric_tensor``.

The bottom family of the array ops: the math ops' gradient rules are built from these.
"""
from __future__ import annotations

__all__ = ["identity", "shape", "size", "rank", "reshape", "broadcast_to", "cast", "to_float",
    "to_double", "to_int32", "to_int64", "placeholder_with_default", "transpose",
    "invert_permutation", "expand_dims", "squeeze", "stop_gradient", "reverse", "reverse_v2",
    "matrix_transpose", "shape_n", "bitcast", "guarantee_const", "broadcast_static_shape",
    "broadcast_dynamic_shape", "is_tensor", "is_numeric_tensor"]

import builtins

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape, as_shape
from flowkit.ops.core import (broadcast_shape, _check_index_dtype, _check_rank, constant,
                              constant_shape, _constant_shape, convert_to_tensor, _int_tensor,
                              _ints, make_tensor, _norm_axis, op_scope, _plain, same_dtype_shape,
                              _scalar_int)


def _static_or_dynamic_shape(x):
    """``x``'s shape as a Python list when static, else a ``Shape`` tensor."""
    return x.shape.as_list() if x.shape.is_fully_defined() else shape(x)


# --------------------------------------------------------------------------------------------
# Identity, stop_gradient, placeholder_with_default
# --------------------------------------------------------------------------------------------
register_op("Identity", shape=same_dtype_shape, grad=lambda op, g: [g], view=True)
register_op("StopGradient", shape=same_dtype_shape, grad=None, view=True,
            doc="Identity in the forward pass; no gradient flows through it.")


def _placeholder_with_default_shape(inputs, attrs):
    default, declared = inputs[0], attrs["shape"]
    if default.dtype is not attrs["dtype"]:
        raise TypeError(f"The default value has dtype {default.dtype.name}, expected "
                        f"{attrs['dtype'].name}")
    if not declared.is_compatible_with(default.shape):
        raise ValueError(f"The default value's shape {default.shape} is not compatible with "
                         f"the declared shape {declared}")
    return [(attrs["dtype"], declared)]


register_op("PlaceholderWithDefault", shape=_placeholder_with_default_shape,
            grad=lambda op, g: [g], view=True)


def identity(input, name=None) -> Tensor:
    """Returns a tensor with the same value as ``input`` (a new node in the graph).

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([1, 2])
        >>> y = tf.identity(x, name="y")
        >>> with tf.Session() as sess:
        ...     print(y.op.type, y.name, sess.run(y))
        Identity y:0 [1 2]
    """
    return make_tensor("Identity", (convert_to_tensor(input),), None, name or "Identity")


def stop_gradient(input, name=None) -> Tensor:
    """The value of ``input``; ``tf.gradients`` treats it as a constant (returns ``None``
    for inputs reached only through it).

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant(2.0)
        >>> tf.gradients(tf.stop_gradient(x * x), x)
        [None]
    """
    return make_tensor("StopGradient", (convert_to_tensor(input),), None,
                       name or "StopGradient")


def placeholder_with_default(input, shape, name=None) -> Tensor:
    """A placeholder that takes the value of ``input`` when it is not fed.

    Example:
        >>> import flowkit as tf
        >>> p = tf.placeholder_with_default([1, 2], shape=[None])
        >>> with tf.Session() as sess:
        ...     print(sess.run(p), sess.run(p, {p: [7, 8, 9]}))
        [1 2] [7 8 9]
    """
    with op_scope(name, "PlaceholderWithDefault", [input]) as scope:
        input = convert_to_tensor(input, name="input")
        attrs = {"dtype": input.dtype, "shape": as_shape(_plain(shape))}
        return make_tensor("PlaceholderWithDefault", (input,), attrs, scope)


# --------------------------------------------------------------------------------------------
# Shape, size, rank
# --------------------------------------------------------------------------------------------
def _shape_shape(inputs, attrs):
    n = inputs[0].shape.ndims
    return [(attrs["out_type"], TensorShape([n]))]


register_op("Shape", shape=_shape_shape, grad=None)
register_op("Size", shape=lambda i, a: [(a["out_type"], TensorShape([]))], grad=None)
register_op("Rank", shape=lambda i, a: [(dtypes.int32, TensorShape([]))], grad=None)


def shape(input, name=None, out_type=dtypes.int32) -> Tensor:
    """The dynamic shape of ``input`` as a 1-D int32 tensor.

    Example:
        >>> import flowkit as tf
        >>> import numpy as np
        >>> x = tf.placeholder(tf.float32, [None, 3])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.shape(x), {x: np.zeros((2, 3))}))
        [2 3]
    """
    return make_tensor("Shape", (convert_to_tensor(input),),
                       {"out_type": dtypes.as_dtype(out_type)}, name or "Shape")


def size(input, name=None, out_type=dtypes.int32) -> Tensor:
    """The number of elements of ``input``, as a scalar tensor.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.size([[1, 2, 3], [4, 5, 6]])))
        6
    """
    return make_tensor("Size", (convert_to_tensor(input),),
                       {"out_type": dtypes.as_dtype(out_type)}, name or "Size")


def rank(input, name=None) -> Tensor:
    """The number of dimensions of ``input``, as a scalar int32 tensor (a constant when the
    rank is known while building, as in TF1).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.rank(tf.ones([2, 3, 4]))))
        3
    """
    input = convert_to_tensor(input)
    if input.shape.ndims is not None:
        return constant(np.int32(input.shape.ndims), name=name or "Rank")
    return make_tensor("Rank", (input,), None, name or "Rank")


# --------------------------------------------------------------------------------------------
# Reshape, broadcast_to
# --------------------------------------------------------------------------------------------
def _reshape_shape(inputs, attrs):
    x, target = inputs
    _check_index_dtype(target, "Reshape's shape")
    new = _constant_shape(target)
    if new.ndims is None:
        return [(x.dtype, new)]
    dims = list(new.as_tuple())
    v = _ints(target)
    if v is not None and None not in v:
        if sum(1 for d in v if d == -1) > 1:
            raise ValueError(f"Cannot infer multiple unknown dimensions in the target shape {v}")
        known = x.shape.num_elements()
        if -1 in v:
            rest = int(np.prod([d for d in v if d != -1]))
            if known is not None:
                if rest == 0 or known % rest:
                    raise ValueError(f"Cannot reshape a tensor with {known} elements to shape "
                                     f"{v} ({rest} * ? elements)")
                dims[v.index(-1)] = known // rest
        elif known is not None and known != int(np.prod(v)):
            raise ValueError(f"Cannot reshape a tensor with {known} elements to shape {v} "
                             f"({int(np.prod(v))} elements)")
    return [(x.dtype, TensorShape(dims))]


def _reshape_grad(op, g):
    return [reshape(g, _static_or_dynamic_shape(op.inputs[0])), None]


register_op("Reshape", shape=_reshape_shape, grad=_reshape_grad, view=True)


def reshape(tensor, shape, name=None) -> Tensor:
    """Gives ``tensor`` a new shape with the same elements; one dimension may be ``-1``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reshape(tf.range(6), [3, -1])))
        [[0 1]
         [2 3]
         [4 5]]
    """
    with op_scope(name, "Reshape", [tensor, shape]) as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        shape_t = _int_tensor(shape, "shape", "Reshape's shape")
        return make_tensor("Reshape", (tensor, shape_t), None, scope)


def _broadcast_to_shape(inputs, attrs):
    x, target = inputs
    out = _constant_shape(target)
    if out.ndims is not None and x.shape.ndims is not None:
        if x.shape.ndims > out.ndims:
            raise ValueError(f"Rank of input ({x.shape.ndims}) must be no greater than rank of "
                             f"output shape ({out.ndims})")
        if broadcast_shape(x.shape, out).ndims != out.ndims:
            raise ValueError(f"Cannot broadcast {x.shape} to {out}")
        for a, b in zip(x.shape.as_tuple()[::-1], out.as_tuple()[::-1]):
            if a not in (None, 1) and b is not None and a != b:
                raise ValueError(f"Incompatible shapes: cannot broadcast {x.shape} to {out}")
    return [(x.dtype, out)]


def _broadcast_to_grad(op, g):
    x = op.inputs[0]
    if x.shape.is_fully_defined() and g.shape.is_fully_defined() and \
            x.shape.as_tuple() == g.shape.as_tuple():
        return [g, None]
    return [sum_to(g, shape(x), x.shape), None]


register_op("BroadcastTo", shape=_broadcast_to_shape, grad=_broadcast_to_grad, view=True)


# UnbroadcastTo is the adjoint of every broadcast: BroadcastTo's and Fill's gradients, and the
# gradients of the binary math ops (math_ops.unbroadcast), are sums over broadcast axes.
def _unbroadcast_shape(inputs, attrs):
    return [(inputs[0].dtype, constant_shape(inputs[1]).merge_with(attrs["shape"]))]


def _unbroadcast_grad(op, grad):
    return [broadcast_to(grad, shape(op.inputs[0])), None]


register_op("UnbroadcastTo", shape=_unbroadcast_shape, grad=_unbroadcast_grad, view=True,
            doc="Sums input 0 over the axes along which shape (input 1) was broadcast "
                "(a view of input 0 when nothing is summed).")


def sum_to(grad, target_shape, static_shape=None) -> Tensor:
    """Sums ``grad`` over the axes along which a tensor of shape ``target_shape`` (a 1-D int
    tensor) was broadcast to ``grad``'s shape: the gradient of a broadcast.
    ``static_shape`` is what is known of the target shape while building."""
    return make_tensor("UnbroadcastTo", (grad, target_shape),
                       {"shape": TensorShape(None) if static_shape is None else static_shape})


def broadcast_to(input, shape, name=None) -> Tensor:
    """Broadcasts ``input`` to ``shape`` (NumPy rules).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.broadcast_to([1, 2], [2, 2])))
        [[1 2]
         [1 2]]
    """
    with op_scope(name, "BroadcastTo", [input, shape]) as scope:
        input = convert_to_tensor(input, name="input")
        shape_t = _int_tensor(shape, "shape", "BroadcastTo's shape")
        return make_tensor("BroadcastTo", (input, shape_t), None, scope)


# --------------------------------------------------------------------------------------------
# Cast
# --------------------------------------------------------------------------------------------
def _cast_shape(inputs, attrs):
    return [(attrs["DstT"], inputs[0].shape)]


def _cast_grad(op, g):
    src, dst = op.inputs[0].dtype, op.attrs["DstT"]
    if src.is_floating and dst.is_floating:
        return [cast(g, src)]
    return [None]


register_op("Cast", shape=_cast_shape, grad=_cast_grad)


def cast(x, dtype, name=None) -> Tensor:
    """Converts ``x`` to ``dtype`` (floats to ints truncate toward zero, as in TF).

    ``x`` itself is returned when it already has that dtype.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.cast([1.7, -1.7], tf.int32)))
        [ 1 -1]
    """
    dtype = dtypes.as_dtype(dtype)
    with op_scope(name, "Cast", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        if x.dtype is dtype:
            return x
        return make_tensor("Cast", (x,), {"SrcT": x.dtype, "DstT": dtype}, scope)


def to_float(x, name="ToFloat") -> Tensor:
    """``cast(x, tf.float32)`` (TF1's deprecated shorthand).

    Example:
        >>> import flowkit as tf
        >>> y = tf.to_float([1, 2])
        >>> with tf.Session() as sess:
        ...     print(y.dtype, sess.run(y))
        <dtype: 'float32'> [1. 2.]
    """
    return cast(x, dtypes.float32, name=name)


def to_double(x, name="ToDouble") -> Tensor:
    """``cast(x, tf.float64)``.

    Example:
        >>> import flowkit as tf
        >>> y = tf.to_double([1, 2])
        >>> with tf.Session() as sess:
        ...     print(y.dtype, sess.run(y))
        <dtype: 'float64'> [1. 2.]
    """
    return cast(x, dtypes.float64, name=name)


def to_int32(x, name="ToInt32") -> Tensor:
    """``cast(x, tf.int32)``.

    Example:
        >>> import flowkit as tf
        >>> y = tf.to_int32([1.7, -1.7])
        >>> with tf.Session() as sess:
        ...     print(y.dtype, sess.run(y))
        <dtype: 'int32'> [ 1 -1]
    """
    return cast(x, dtypes.int32, name=name)


def to_int64(x, name="ToInt64") -> Tensor:
    """``cast(x, tf.int64)``.

    Example:
        >>> import flowkit as tf
        >>> y = tf.to_int64([1.7, -1.7])
        >>> with tf.Session() as sess:
        ...     print(y.dtype, sess.run(y))
        <dtype: 'int64'> [ 1 -1]
    """
    return cast(x, dtypes.int64, name=name)


# --------------------------------------------------------------------------------------------
# transpose, invert_permutation
# --------------------------------------------------------------------------------------------
def _transpose_shape(inputs, attrs):
    x, perm = inputs
    _check_index_dtype(perm, "transpose's perm")
    _check_rank(perm, 1, "perm")
    n = x.shape.ndims
    p = _ints(perm)
    if n is not None and p is not None and len(p) != n:
        raise ValueError(f"transpose expects a vector of size {n}. But input(1) is a vector "
                         f"of size {len(p)}")
    if n is None and p is not None:
        n = len(p)
    if n is None:
        return [(x.dtype, TensorShape(None))]
    if p is None or None in p:
        return [(x.dtype, TensorShape([None] * n))]
    if sorted(a % n if -n <= a < n else a for a in p) != list(builtins.range(n)):
        raise ValueError(f"{p} is not a valid permutation of {n} dimensions")
    dims = x.shape.as_tuple() if x.shape.ndims is not None else [None] * n
    return [(x.dtype, TensorShape([dims[a % n] for a in p]))]


def _transpose_grad(op, g):
    perm = op.inputs[1]
    p = _ints(perm)
    if p is not None and None not in p:
        inv = np.argsort([a % len(p) for a in p]).astype(np.int32)
        return [transpose(g, inv), None]
    return [transpose(g, invert_permutation(perm)), None]


register_op("Transpose", shape=_transpose_shape, grad=_transpose_grad, view=True)


def transpose(a, perm=None, name="transpose", conjugate=False) -> Tensor:
    """Permutes the dimensions of ``a``; ``perm`` defaults to reversing them.

    Example:
        >>> import flowkit as tf
        >>> x = tf.placeholder(tf.float32, [None, 2, 3])
        >>> print(tf.transpose(x).shape, tf.transpose(x, [0, 2, 1]).shape)
        (3, 2, ?) (?, 3, 2)
    """
    with op_scope(name, "transpose", [a]) as scope:
        a = convert_to_tensor(a, name="a")
        if perm is None:
            if a.shape.ndims is not None:
                perm = constant(np.arange(a.shape.ndims - 1, -1, -1, dtype=np.int32),
                                name="perm")
            else:
                # rank - 1, ..., 0: the reverse of Range(0, rank, 1). The Range op is made by
                # its type, as TF's own transpose does: its family (constant_ops) builds on
                # this one.
                r = rank(a)
                one = constant(1, name="delta")
                perm = reverse(make_tensor("Range", (constant(0, name="start"), r, one),
                                           None, "range"), [0])
        else:
            perm = _int_tensor(perm, "perm", "transpose's perm")
        return make_tensor("Transpose", (a, perm), None, scope)


def _invert_permutation_shape(inputs, attrs):
    _check_index_dtype(inputs[0], "invert_permutation's input")
    _check_rank(inputs[0], 1, "x")
    return [(inputs[0].dtype, inputs[0].shape)]


register_op("InvertPermutation", shape=_invert_permutation_shape, grad=None)


def invert_permutation(x, name=None) -> Tensor:
    """The inverse of the permutation ``x``: ``y[x[i]] = i``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.invert_permutation([2, 0, 1])))
        [1 2 0]
    """
    with op_scope(name, "InvertPermutation", [x]) as scope:
        if isinstance(x, (np.ndarray, np.generic)) and x.dtype in (np.int32, np.int64):
            x = constant(x, name="x")            # a NumPy int64 permutation stays int64 (TF)
        x = _int_tensor(x, "x", "invert_permutation's input")
        return make_tensor("InvertPermutation", (x,), None, scope)


# --------------------------------------------------------------------------------------------
# expand_dims, squeeze, reverse
# --------------------------------------------------------------------------------------------
def _expand_dims_shape(inputs, attrs):
    x, dim = inputs
    _check_index_dtype(dim, "expand_dims's axis")
    d = _scalar_int(dim)
    n = x.shape.ndims
    if n is None:
        return [(x.dtype, TensorShape(None))]
    if d is None:
        return [(x.dtype, TensorShape([None] * (n + 1)))]
    if not -n - 1 <= d <= n:
        raise ValueError(f"Tried to expand dim index {d} for tensor with {n} dimensions.")
    dims = list(x.shape.as_tuple())
    dims.insert(d % (n + 1), 1)
    return [(x.dtype, TensorShape(dims))]


def _to_input_shape_grad(op, g):
    return [reshape(g, _static_or_dynamic_shape(op.inputs[0]))] + \
        [None] * (len(op.inputs) - 1)


register_op("ExpandDims", shape=_expand_dims_shape, grad=_to_input_shape_grad, view=True)


def expand_dims(input, axis=None, name=None, dim=None) -> Tensor:
    """Inserts a dimension of size 1 at ``axis`` (negative counts from the end).

    Example:
        >>> import flowkit as tf
        >>> tf.expand_dims(tf.ones([2, 3]), -1).shape.as_list()
        [2, 3, 1]
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("Must specify an axis argument to tf.expand_dims()")
    with op_scope(name, "ExpandDims", [input, axis]) as scope:
        input = convert_to_tensor(input, name="input")
        axis_t = _int_tensor(axis, "dim", "expand_dims's axis")
        return make_tensor("ExpandDims", (input, axis_t), None, scope)


def _squeeze_shape(inputs, attrs):
    x = inputs[0]
    axes = attrs["squeeze_dims"]
    n = x.shape.ndims
    if n is None:
        return [(x.dtype, TensorShape(None))]
    dims = x.shape.as_tuple()
    if axes:
        drop = set()
        for a in axes:
            if not -n <= a < n:
                raise ValueError(f"Tried to squeeze dim index {a} for tensor with {n} "
                                 "dimensions.")
            a %= n
            if dims[a] is not None and dims[a] != 1:
                raise ValueError(f"Can not squeeze dim[{a}], expected a dimension of 1, got "
                                 f"{dims[a]}")
            drop.add(a)
        return [(x.dtype, TensorShape([d for i, d in enumerate(dims) if i not in drop]))]
    if None in dims:
        return [(x.dtype, TensorShape(None))]
    return [(x.dtype, TensorShape([d for d in dims if d != 1]))]


register_op("Squeeze", shape=_squeeze_shape, grad=_to_input_shape_grad, view=True)


def squeeze(input, axis=None, name=None, squeeze_dims=None) -> Tensor:
    """Removes dimensions of size 1 (all of them, or those in ``axis``).

    Example:
        >>> import flowkit as tf
        >>> x = tf.ones([1, 2, 1, 3])
        >>> tf.squeeze(x).shape.as_list(), tf.squeeze(x, axis=[2]).shape.as_list()
        ([2, 3], [1, 2, 3])
    """
    if squeeze_dims is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'squeeze_dims' and 'axis'")
        axis = squeeze_dims
    if isinstance(axis, (int, np.integer)):
        axis = [axis]
    input = convert_to_tensor(input)
    attrs = {"squeeze_dims": tuple(int(a) for a in (axis or ()))}
    return make_tensor("Squeeze", (input,), attrs, name or "Squeeze")


def _reverse_shape(inputs, attrs):
    x, axis = inputs
    _check_index_dtype(axis, "reverse's axis")
    _check_rank(axis, 1, "axis")
    v = _ints(axis)
    n = x.shape.ndims
    if v is not None and n is not None:
        seen = set()
        for a in v:
            if a is None:
                continue
            a = _norm_axis(a, n)
            if a in seen:
                raise ValueError(f"axis {a} specified more than once")
            seen.add(a)
    return [(x.dtype, x.shape)]


register_op("ReverseV2", shape=_reverse_shape,
            grad=lambda op, g: [reverse(g, op.inputs[1]), None], view=True)


def reverse(tensor, axis, name=None) -> Tensor:
    """Reverses ``tensor`` along each dimension in ``axis`` (a list of ints).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reverse([[1, 2], [3, 4]], axis=[1])))
        [[2 1]
         [4 3]]
    """
    with op_scope(name, "ReverseV2", [tensor, axis]) as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        axis = _int_tensor(axis, "axis", "reverse's axis")
        return make_tensor("ReverseV2", (tensor, axis), None, scope)


reverse_v2 = reverse



def matrix_transpose(a, name="matrix_transpose", conjugate=False) -> Tensor:
    """Swaps the last two dimensions of ``a`` (rank >= 2 and known).

    Example:
        >>> import flowkit as tf
        >>> tf.matrix_transpose(tf.ones([5, 2, 3])).shape.as_list()
        [5, 3, 2]
    """
    with op_scope(name, "matrix_transpose", [a]) as scope:
        a = convert_to_tensor(a, name="a")
        n = a.shape.ndims
        if n is None or n < 2:
            raise ValueError(f"Argument 'a' should be a (batch) matrix with rank >= 2, and a "
                             f"known rank. Received: a with shape {a.shape}")
        perm = list(builtins.range(n - 2)) + [n - 1, n - 2]
        return transpose(a, perm, name=scope)



def shape_n(input, out_type=dtypes.int32, name=None) -> list:
    """The shapes of a list of tensors (a list of 1-D tensors).

    Example:
        >>> import flowkit as tf
        >>> a, b = tf.shape_n([tf.ones([2, 3]), tf.ones([4])])
        >>> with tf.Session() as sess:
        ...     print(sess.run(a), sess.run(b))
        [2 3] [4]
    """
    with op_scope(name, "ShapeN", input):
        return [shape(t, out_type=out_type) for t in input]


# --------------------------------------------------------------------------------------------
# bitcast, guarantee_const
# --------------------------------------------------------------------------------------------
def no_gradient_defined(op, *grads):
    """The gradient rule of the ops TF gives none (a gradient through them is an error,
    as in TF, rather than silently ``None``)."""
    raise LookupError(f"No gradient defined for operation '{op.name}' (op type: {op.type}). "
                      "To treat its output as a constant, wrap it in tf.stop_gradient.")


_BITCAST_TYPES = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int8, dtypes.int16,
                  dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16, dtypes.uint32,
                  dtypes.uint64)


def _bitcast_shape(inputs, attrs):
    x, out = inputs[0], attrs["type"]
    for dt, what in ((x.dtype, "input"), (out, "type")):
        if dt not in _BITCAST_TYPES:
            raise TypeError(f"Bitcast's {what} must be a numeric type, got {dt.name}")
    a, b = x.dtype.size, out.size
    if a == b or x.shape.ndims is None:
        return [(out, x.shape if a == b else TensorShape(None))]
    if a > b:
        if a % b:
            raise ValueError(f"Cannot bitcast from {x.dtype.name} to {out.name}: "
                             f"{a} bytes is not a multiple of {b}")
        return [(out, x.shape.concatenate([a // b]))]
    if b % a:
        raise ValueError(f"Cannot bitcast from {x.dtype.name} to {out.name}: {b} bytes is not "
                         f"a multiple of {a}")
    if x.shape.ndims == 0 or x.shape[-1].value not in (None, b // a):
        raise ValueError(f"Cannot bitcast from {x.dtype.name} to {out.name}: the input's last "
                         f"dimension must be {b // a}, got shape {x.shape}")
    return [(out, x.shape[:-1])]


register_op("Bitcast", shape=_bitcast_shape, grad=no_gradient_defined, view=True,
            doc="Reinterprets the bytes of input 0 as attr `type` (a larger type eats the "
                "last dimension, a smaller one adds it).")


def bitcast(input, type, name=None) -> Tensor:  # noqa: A002 - TF1's argument name
    """Reinterprets the bytes of ``input`` as ``type``, without copying. A smaller type adds
    a last dimension of ``input.dtype.size // type.size``; a larger one needs that last
    dimension and removes it.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.bitcast(tf.constant(1.0), tf.int32)))
        1065353216
    """
    with op_scope(name, "Bitcast", [input]) as scope:
        input = convert_to_tensor(input, name="input")
        return make_tensor("Bitcast", (input,), {"type": dtypes.as_dtype(type)}, scope)


register_op("GuaranteeConst", shape=same_dtype_shape, grad=no_gradient_defined, view=True,
            doc="Identity that promises the value is the same in every run (not "
                "differentiable, as in TF).")


def guarantee_const(input, name=None) -> Tensor:
    """``input``, with the promise that its value never changes between runs (an identity).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.guarantee_const([1, 2])))
        [1 2]
    """
    with op_scope(name, "GuaranteeConst", [input]) as scope:
        return make_tensor("GuaranteeConst", (convert_to_tensor(input, name="input"),), None,
                           scope)


# --------------------------------------------------------------------------------------------
# Broadcast shapes, tensor predicates
# --------------------------------------------------------------------------------------------
def broadcast_static_shape(shape_x, shape_y) -> TensorShape:
    """The broadcast of two static shapes (:class:`TensorShape`); unknown dims stay unknown.

    Raises:
        ValueError: the shapes cannot be broadcast.

    Example:
        >>> import flowkit as tf
        >>> print(tf.broadcast_static_shape(tf.TensorShape([None, 1, 3]),
        ...                                 tf.TensorShape([4, 1])))
        (?, 4, 3)
    """
    x, y = as_shape(shape_x), as_shape(shape_y)
    try:
        return broadcast_shape(x, y)
    except ValueError:
        raise ValueError(f"Incompatible shapes for broadcasting: {x} and {y}") from None


def _broadcast_args_shape(inputs, attrs):
    s0, s1 = inputs
    for t, what in ((s0, "s0"), (s1, "s1")):
        _check_index_dtype(t, f"BroadcastArgs's {what}")
        _check_rank(t, 1, what)
    if s0.dtype is not s1.dtype:
        raise TypeError(f"BroadcastArgs's shapes must have one dtype, got {s0.dtype.name} and "
                        f"{s1.dtype.name}")
    a, b = _constant_shape(s0), _constant_shape(s1)
    if a.ndims is not None and b.ndims is not None:
        try:
            broadcast_shape(a, b)
        except ValueError:
            raise ValueError(f"Incompatible shapes for broadcasting: {a} and {b}") from None
    n0, n1 = s0.shape[0].value, s1.shape[0].value
    return [(s0.dtype, TensorShape([None if None in (n0, n1) else builtins.max(n0, n1)]))]


register_op("BroadcastArgs", shape=_broadcast_args_shape, grad=None,
            doc="The broadcast of two shape vectors (an error when they cannot broadcast).")


def broadcast_dynamic_shape(shape_x, shape_y) -> Tensor:
    """The broadcast of two 1-D int shape tensors, computed when the graph runs
    (``InvalidArgumentError`` there when they cannot broadcast).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.broadcast_dynamic_shape([1, 3], [4, 1])))
        [4 3]
    """
    with op_scope(None, "BroadcastArgs", [shape_x, shape_y]) as scope:
        x = _int_tensor(shape_x, "s0", "broadcast_dynamic_shape's shape_x")
        y = _int_tensor(shape_y, "s1", "broadcast_dynamic_shape's shape_y")
        if x.dtype is not y.dtype:
            x, y = cast(x, dtypes.int64), cast(y, dtypes.int64)
        return make_tensor("BroadcastArgs", (x, y), None, scope)


def is_tensor(x) -> bool:
    """Whether ``x`` is a flowkit tensor or tensor-like (a variable), not a NumPy or Python
    value.

    Example:
        >>> import flowkit as tf
        >>> tf.is_tensor(tf.constant(1)), tf.is_tensor(1)
        (True, False)
    """
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")


_NUMERIC = (dtypes.float16, dtypes.float32, dtypes.float64, dtypes.int8, dtypes.int16,
            dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16, dtypes.uint32,
            dtypes.uint64)


def is_numeric_tensor(tensor) -> bool:
    """Whether ``tensor`` is a :class:`Tensor` of a numeric dtype (not bool, not string).

    Example:
        >>> import flowkit as tf
        >>> tf.is_numeric_tensor(tf.constant(1.0)), tf.is_numeric_tensor(tf.constant(True))
        (True, False)
    """
    return isinstance(tensor, Tensor) and tensor.dtype in _NUMERIC
