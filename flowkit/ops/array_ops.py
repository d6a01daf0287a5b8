"""Array ops: making, reshaping, joining, splitting, slicing and selecting tensors.

Every op type is declared once: its builder (TF1's name and defaults), its shape rule and its
gradient rule side by side. Ops whose NumPy kernel may return a view of input 0 (reshape,
transpose, slicing, identity...) are registered with ``view=True``.

Example:
    >>> import flowkit as tf
    >>> x = tf.reshape(tf.range(6), [2, -1])
    >>> with tf.Session() as sess:
    ...     print(sess.run(x))
    ...     print(sess.run(x[:, ::-1]))
    [[0 1 2]
     [3 4 5]]
    [[2 1 0]
     [5 4 3]]
"""
from __future__ import annotations

__all__ = [
    "identity", "shape", "size", "rank", "reshape", "broadcast_to", "cast", "to_float",
    "to_double", "to_int32", "to_int64", "stack", "unstack", "zeros_like", "ones_like",
    "zeros", "ones", "fill", "range", "linspace", "lin_space", "placeholder_with_default",
    "transpose", "invert_permutation", "expand_dims", "squeeze", "concat", "split", "tile",
    "pad", "slice", "strided_slice", "gather", "one_hot", "boolean_mask", "where",
    "stop_gradient", "reverse", "reverse_v2", "gather_nd", "scatter_nd", "sequence_mask",
    "matrix_transpose", "shape_n",
]

import builtins

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import Dimension, TensorShape, as_shape
from flowkit.ops.core import (_to_numpy, constant, constant_shape, constant_value,
                              convert_to_tensor, is_tensor_like, make_op, make_tensor,
                              op_scope, same_dtype_shape, unbroadcast)

_INDEX_DTYPES = (dtypes.int32, dtypes.int64)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
def _plain(value):
    """Turns TensorShape / Dimension values in a shape-like argument into Python ints."""
    if isinstance(value, TensorShape):
        return value.as_list()
    if isinstance(value, Dimension):
        return value.value
    if isinstance(value, (list, tuple)) and not any(is_tensor_like(v) for v in value):
        return [_plain(v) for v in value]
    return value


def _int_tensor(value, name, what="value"):
    """An index-like argument as an int32/int64 tensor (Python values become int32 consts)."""
    if is_tensor_like(value) or (isinstance(value, (list, tuple)) and
                                 any(is_tensor_like(v) for v in value)):
        t = convert_to_tensor(value, name=name)
    else:
        value = _plain(value)
        arr = np.asarray(value)
        if arr.dtype.kind not in "iu" and arr.size:
            raise TypeError(f"{what} must be integers, got {value!r}")
        big = arr.size and (arr.max() > 2**31 - 1 or arr.min() < -2**31)
        t = constant(arr.astype(np.int64 if big else np.int32), name=name)
    if t.dtype not in _INDEX_DTYPES:
        raise TypeError(f"{what} must be an int32 or int64 tensor, got {t.dtype.name}")
    return t


def _check_index_dtype(t, what):
    if t.dtype not in _INDEX_DTYPES:
        raise TypeError(f"{what} must be int32 or int64, got {t.dtype.name}")


def _ints(t, n=None):
    """The elements of a 1-D int tensor known at build time: a list of ints and ``None``s
    (``None`` when even the length is unknown)."""
    v = constant_value(t)
    if v is not None:
        return [int(a) for a in np.reshape(v, [-1])]
    if t.op.type == "Pack" and t.op.attrs.get("axis", 0) == 0:
        out = []
        for i in t.op.inputs:
            iv = constant_value(i)
            out.append(None if iv is None or np.ndim(iv) != 0 else int(iv))
        return out
    n = t.shape[0].value if t.shape.ndims == 1 else n
    return None if n is None else [None] * n


def _constant_shape(t) -> TensorShape:
    """The static shape that a 1-D shape tensor ``t`` describes, following TF1's
    ``constant_value_as_shape``: ``tf.shape(x)`` gives ``x``'s partial shape, and concats,
    slices and casts of such tensors keep what is known."""
    op = t.op
    if constant_value(t) is None:
        if op.type == "Shape":
            return op.inputs[0].shape
        if op.type == "Cast":
            return _constant_shape(op.inputs[0])
        if op.type == "ConcatV2" and _scalar_int(op.inputs[-1]) in (0, -1):
            out = TensorShape([])
            for part in op.inputs[:-1]:
                out = out.concatenate(_constant_shape(part))
            return out
        if op.type == "StridedSlice" and t.shape.ndims == 1:
            full = _constant_shape(op.inputs[0])
            spec = _spec_values(op.inputs[1:4])
            if full.ndims is not None and spec is not None and len(spec[0]) == 1 and \
                    None not in (v[0] for v in spec) and not any(
                        op.attrs[k] for k in ("ellipsis_mask", "new_axis_mask",
                                              "shrink_axis_mask")):
                idx = strided_slice_index(*spec, op.attrs)
                return TensorShape(list(full.as_tuple())[idx[0]])
    return constant_shape(t)


def _scalar_int(t):
    v = constant_value(t)
    return None if v is None or np.size(v) != 1 else int(np.reshape(v, []))


def _static_or_dynamic_shape(x):
    """``x``'s shape as a Python list when static, else a ``Shape`` tensor."""
    return x.shape.as_list() if x.shape.is_fully_defined() else shape(x)


def _check_rank(t, rank, what):
    if t.shape.ndims is not None and t.shape.ndims != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {t.shape.ndims} ({what})")


def _norm_axis(axis, ndims, what="axis"):
    """One axis in ``[-ndims, ndims)`` made non-negative; ``ValueError`` otherwise."""
    if ndims is None:
        return axis
    if not -ndims <= axis < ndims:
        raise ValueError(f"{what} {axis} is out of range for a tensor of rank {ndims} "
                         f"(expected [{-ndims}, {ndims}))")
    return axis % ndims


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
        from flowkit.ops.core import broadcast_shape
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
    return [unbroadcast(g, op.inputs[0]), None]


register_op("BroadcastTo", shape=_broadcast_to_shape, grad=_broadcast_to_grad, view=True)


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
# Stack / unstack
# --------------------------------------------------------------------------------------------
def _pack_shape(inputs, attrs):
    s = TensorShape(None)
    for t in inputs:
        if t.dtype is not inputs[0].dtype:
            raise TypeError(f"Tensors in list passed to 'values' of 'Pack' Op have types "
                            f"[{', '.join(x.dtype.name for x in inputs)}] that don't all match.")
        s = s.merge_with(t.shape)
    if s.ndims is None:
        return [(inputs[0].dtype, s)]
    dims = list(s.as_tuple())
    axis = attrs["axis"]
    if not -len(dims) - 1 <= axis <= len(dims):
        raise ValueError(f"axis = {axis} not in [{-len(dims) - 1}, {len(dims) + 1})")
    axis %= len(dims) + 1
    dims.insert(axis, len(inputs))
    return [(inputs[0].dtype, TensorShape(dims))]


def _pack_grad(op, g):
    return unstack(g, num=len(op.inputs), axis=op.attrs["axis"])


register_op("Pack", shape=_pack_shape, grad=_pack_grad)


def stack(values, axis=0, name="stack") -> Tensor:
    """Stacks a list of rank-R tensors into one rank-(R+1) tensor along ``axis``.

    A list of plain Python/NumPy values becomes a single constant, as in TF1.

    Example:
        >>> import flowkit as tf
        >>> a, b = tf.constant([1, 2]), tf.constant([3, 4])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.stack([a, b], axis=1)))
        [[1 3]
         [2 4]]
    """
    if not isinstance(values, (list, tuple)):
        values = [values]
    if not values:
        raise ValueError("tf.stack needs at least one tensor")
    if axis == 0 and not any(is_tensor_like(v) for v in values):
        try:
            return convert_to_tensor(values, name=name)
        except (TypeError, ValueError):
            pass
    with op_scope(name, "stack", values) as scope:
        values = [convert_to_tensor(v) for v in values]
        return make_tensor("Pack", values, {"axis": int(axis)}, scope)


def _unpack_shape(inputs, attrs):
    x = inputs[0]
    axis, num = attrs["axis"], attrs["num"]
    if x.shape.ndims is None:
        return [(x.dtype, TensorShape(None))] * num
    dims = list(x.shape.as_tuple())
    axis = _norm_axis(axis, len(dims))
    if dims[axis] is not None and dims[axis] != num:
        raise ValueError(f"Dimension must be {num} but is {dims[axis]}")
    del dims[axis]
    return [(x.dtype, TensorShape(dims))] * num


def _unpack_grad(op, *gs):
    return [stack(list(gs), axis=op.attrs["axis"])]


register_op("Unpack", shape=_unpack_shape, grad=_unpack_grad, view=True, list_output=True)


def unstack(value, num=None, axis=0, name="unstack") -> list:
    """Splits ``value`` along ``axis`` into a list of tensors (the dim must be known).

    Example:
        >>> import flowkit as tf
        >>> a, b = tf.unstack(tf.constant([[1, 2], [3, 4]]), axis=1)
        >>> with tf.Session() as sess:
        ...     print(sess.run(a), sess.run(b))
        [1 3] [2 4]
    """
    value = convert_to_tensor(value)
    if num is None:
        if value.shape.ndims is None:
            raise ValueError(f"Cannot infer num from shape {value.shape}")
        num = value.shape[_norm_axis(axis, value.shape.ndims)].value
        if num is None:
            raise ValueError(f"Cannot infer num from shape {value.shape}")
    return list(make_op("Unpack", (value,), {"axis": int(axis), "num": int(num)}, name).outputs)


def make_op_outputs(op_type, inputs, attrs, name) -> list:
    """Creates a multi-output op and returns its output tensors."""
    return make_op(op_type, inputs, attrs, name).outputs


# --------------------------------------------------------------------------------------------
# zeros, ones, fill, zeros_like, ones_like
# --------------------------------------------------------------------------------------------
register_op("ZerosLike", shape=same_dtype_shape, grad=None)
register_op("OnesLike", shape=same_dtype_shape, grad=None)


def _fill_shape(inputs, attrs):
    dims, value = inputs
    _check_index_dtype(dims, "Fill's dims")
    _check_rank(dims, 1, "dims")
    _check_rank(value, 0, "value")
    v = _ints(dims)
    if v is not None and any(d is not None and d < 0 for d in v):
        raise ValueError(f"Fill dimensions must be >= 0, got {v}")
    return [(value.dtype, _constant_shape(dims))]


def _fill_grad(op, g):
    from flowkit.ops.math_ops import reduce_sum
    return [None, reduce_sum(g)]


register_op("Fill", shape=_fill_shape, grad=_fill_grad)


def fill(dims, value, name=None) -> Tensor:
    """A tensor of shape ``dims`` filled with the scalar ``value``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.fill([2, 2], 7)))
        [[7 7]
         [7 7]]
    """
    with op_scope(name, "Fill", [dims, value]) as scope:
        dims_t = _int_tensor(dims, "dims", "fill's dims")
        value = convert_to_tensor(value, name="value")
        return make_tensor("Fill", (dims_t, value), None, scope)


def _filled(scalar, shape, dtype, name, default_name):
    dtype = dtypes.as_dtype(dtype)
    with op_scope(name, default_name, [shape]) as scope:
        one = np.array(scalar, dtype=dtype.as_numpy_dtype) if dtype is not dtypes.string \
            else np.array("", dtype=object)
        if not is_tensor_like(shape):
            try:
                dims = as_shape(_plain(shape)) if not isinstance(shape, (int, np.integer)) \
                    else TensorShape([shape])
            except (TypeError, ValueError):   # a list holding tensors
                dims = TensorShape(None)
            if dims.is_fully_defined() and dims.num_elements() < 1000:
                return constant(np.full(dims.as_list(), one, dtype=one.dtype), dtype=dtype,
                                name=scope)
        shape_t = _int_tensor(shape, "shape_as_tensor", "shape")
        if shape_t.shape.ndims == 0:
            shape_t = reshape(shape_t, [-1])
        return make_tensor("Fill", (shape_t, constant(one, dtype=dtype, name="Const")), None,
                           scope)


def zeros(shape, dtype=dtypes.float32, name=None) -> Tensor:
    """A tensor of zeros (a constant for small static shapes, else a ``Fill``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.zeros([2, 3], tf.int32)))
        [[0 0 0]
         [0 0 0]]
    """
    return _filled(0, shape, dtype, name, "zeros")


def ones(shape, dtype=dtypes.float32, name=None) -> Tensor:
    """A tensor of ones (a constant for small static shapes, else a ``Fill``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.ones([2, 3], tf.int32)))
        [[1 1 1]
         [1 1 1]]
    """
    return _filled(1, shape, dtype, name, "ones")


def zeros_like(tensor, dtype=None, name=None, optimize=True) -> Tensor:
    """A tensor of zeros with the shape (and dtype, unless given) of ``tensor``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.zeros_like([[1, 2]])))
        [[0 0]]
    """
    with op_scope(name, "zeros_like", [tensor]) as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        if dtype is not None and dtypes.as_dtype(dtype) is not tensor.dtype:
            return zeros(_shape_internal(tensor, optimize), dtype, name=scope)
        return make_tensor("ZerosLike", (tensor,), None, scope)


def ones_like(tensor, dtype=None, name=None, optimize=True) -> Tensor:
    """A tensor of ones with the shape (and dtype, unless given) of ``tensor``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.ones_like(tf.constant([1, 2]), dtype=tf.float32)))
        [1. 1.]
    """
    with op_scope(name, "ones_like", [tensor]) as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        dtype = tensor.dtype if dtype is None else dtypes.as_dtype(dtype)
        return ones(_shape_internal(tensor, optimize), dtype, name=scope)


def _shape_internal(tensor, optimize):
    if optimize and tensor.shape.is_fully_defined():
        return constant(np.array(tensor.shape.as_list(), dtype=np.int32), name="Shape")
    return shape(tensor)


# --------------------------------------------------------------------------------------------
# range, linspace
# --------------------------------------------------------------------------------------------
def range_length(start, limit, delta) -> int:
    """The number of elements of ``range(start, limit, delta)`` (scalars of one dtype)."""
    if np.asarray(start).dtype.kind in "iu":
        start, limit, delta = int(start), int(limit), int(delta)
        return builtins.max(0, (abs(limit - start) + abs(delta) - 1) // abs(delta)) \
            if (limit - start) * delta > 0 else 0
    n = np.ceil(np.abs((limit - start) / delta))
    return int(n) if (limit - start) * delta > 0 else 0


def _range_shape(inputs, attrs):
    start, limit, delta = inputs
    for t in inputs:
        _check_rank(t, 0, "Range's start, limit and delta")
        if t.dtype is not start.dtype:
            raise TypeError(f"Range's start, limit and delta must have one dtype, got "
                            f"{start.dtype.name}, {limit.dtype.name}, {delta.dtype.name}")
    vals = [constant_value(t) for t in inputs]
    if any(v is None for v in vals):
        return [(start.dtype, TensorShape([None]))]
    s, lim, d = vals
    if d == 0:
        raise ValueError("Requires delta != 0")
    if (d > 0 and s > lim) or (d < 0 and s < lim):
        raise ValueError(f"Requires start <= limit when delta > 0 (or start >= limit when "
                         f"delta < 0): start={s}, limit={lim}, delta={d}")
    return [(start.dtype, TensorShape([range_length(s, lim, d)]))]


register_op("Range", shape=_range_shape, grad=None)

_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]


def range(start, limit=None, delta=1, dtype=None,  # noqa: A001 - TF1 name
          name="range") -> Tensor:
    """TF1's ``tf.range``: ``[start, start + delta, ...)`` up to but excluding ``limit``.

    Integer arguments give int32 (unless one is int64), floats give float32.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.range(5)), sess.run(tf.range(1, 2.0, 0.25)))
        [0 1 2 3 4] [1.   1.25 1.5  1.75]
    """
    if limit is None:
        start, limit = 0, start
    with op_scope(name, "Range", [start, limit, delta]) as scope:
        args = [convert_to_tensor(v, name=n, dtype=None if is_tensor_like(v) or dtype is None
                                  else dtype)
                for v, n in zip((start, limit, delta), ("start", "limit", "delta"))]
        if dtype is None:
            for a in args:
                if a.dtype not in _RANGE_ORDER:
                    raise TypeError(f"tf.range needs int32, int64, float32 or float64 "
                                    f"arguments, got {a.dtype.name}")
            target = builtins.max((a.dtype for a in args), key=_RANGE_ORDER.index)
        else:
            target = dtypes.as_dtype(dtype)
        args = [cast(a, target) for a in args]
        return make_tensor("Range", tuple(args), None, scope)


def _linspace_shape(inputs, attrs):
    start, stop, num = inputs
    if not start.dtype.is_floating or stop.dtype is not start.dtype:
        raise TypeError(f"LinSpace needs start and stop of one float dtype, got "
                        f"{start.dtype.name} and {stop.dtype.name}")
    _check_index_dtype(num, "LinSpace's num")
    for t in inputs:
        _check_rank(t, 0, "LinSpace's start, stop and num")
    n = _scalar_int(num)
    if n is not None and n <= 0:
        raise ValueError(f"Requires num > 0: {n}")
    return [(start.dtype, TensorShape([n]))]


register_op("LinSpace", shape=_linspace_shape, grad=None)


def linspace(start, stop, num, name=None) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (TF1 ``LinSpace``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.linspace(0.0, 1.0, 5)))
        [0.   0.25 0.5  0.75 1.  ]
    """
    with op_scope(name, "LinSpace", [start, stop, num]) as scope:
        start = convert_to_tensor(start, name="start")
        stop = convert_to_tensor(stop, dtype=None if is_tensor_like(stop) else start.dtype,
                                 name="stop")
        num = _int_tensor(num, "num", "linspace's num")
        return make_tensor("LinSpace", (start, stop, num), None, scope)


lin_space = linspace


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
                from flowkit.ops.math_ops import subtract
                r = rank(a)
                perm = subtract(subtract(r, 1), range(0, r, 1))
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


# --------------------------------------------------------------------------------------------
# concat, split
# --------------------------------------------------------------------------------------------
def _concat_shape(inputs, attrs):
    values, axis_t = inputs[:-1], inputs[-1]
    _check_index_dtype(axis_t, "concat's axis")
    _check_rank(axis_t, 0, "axis")
    for t in values:
        if t.dtype is not values[0].dtype:
            raise TypeError(f"Tensors in list passed to 'values' of 'ConcatV2' Op have types "
                            f"[{', '.join(x.dtype.name for x in values)}] that don't all match.")
    n = next((t.shape.ndims for t in values if t.shape.ndims is not None), None)
    if n is None:
        return [(values[0].dtype, TensorShape(None))]
    axis = _scalar_int(axis_t)
    if axis is None:
        return [(values[0].dtype, TensorShape([None] * n))]
    if not -n <= axis < n:
        raise ValueError(f"ConcatOp : Expected concatenating dimensions in the range [{-n}, "
                         f"{n}), but got {axis}")
    axis %= n
    out = [None] * n
    total = 0
    for t in values:
        if t.shape.ndims is None:
            total = None
            continue
        if t.shape.ndims != n:
            raise ValueError(f"Shape must be rank {n} but is rank {t.shape.ndims}")
        dims = t.shape.as_tuple()
        for i, d in enumerate(dims):
            if i == axis:
                continue
            if out[i] is not None and d is not None and out[i] != d:
                raise ValueError(f"Dimension {i} in both shapes must be equal, but are {out[i]}"
                                 f" and {d}. Shapes are {values[0].shape} and {t.shape}.")
            out[i] = out[i] if out[i] is not None else d
        total = None if total is None or dims[axis] is None else total + dims[axis]
    out[axis] = total
    return [(values[0].dtype, TensorShape(out))]


def _axis_sizes(values, axis):
    """The sizes of ``values`` along ``axis``: a Python list if static, else a tensor."""
    sizes = [t.shape[axis].value if t.shape.ndims is not None else None for t in values]
    if None not in sizes:
        return sizes
    return stack([shape(t)[axis] for t in values])


def _concat_grad(op, g):
    values, axis_t = op.inputs[:-1], op.inputs[-1]
    axis = _scalar_int(axis_t)
    n = next((t.shape.ndims for t in values if t.shape.ndims is not None), None)
    if axis is None or n is None:   # the axis is computed: split by the runtime sizes
        sizes = stack([shape(t, out_type=axis_t.dtype)[axis_t] for t in values])
        return split(g, sizes, axis=axis_t, num=len(values)) + [None]
    return split(g, _axis_sizes(values, axis % n), axis=axis % n) + [None]


register_op("ConcatV2", shape=_concat_shape, grad=_concat_grad)


def concat(values, axis, name="concat") -> Tensor:
    """Joins tensors along ``axis`` (negative counts from the end); one tensor gives an
    ``identity``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.placeholder(tf.float32, [None, 3])
        >>> print(tf.concat([x, tf.zeros([2, 4])], axis=-1).shape)
        (2, 7)
    """
    if not isinstance(values, (list, tuple)):
        values = [values]
    if len(values) == 1:
        with op_scope(name, "concat", values) as scope:
            a = _int_tensor(axis, "concat_dim", "concat's axis")
            _check_rank(a, 0, "axis")
            return identity(values[0], name=name)
    with op_scope(name, "concat", list(values)) as scope:
        tensors = [convert_to_tensor(v) for v in values]
        axis_t = _int_tensor(axis, "axis", "concat's axis")
        return make_tensor("ConcatV2", tuple(tensors) + (axis_t,), None, scope)


def _split_shape(inputs, attrs):
    axis_t, x = inputs
    _check_index_dtype(axis_t, "split's axis")
    num = attrs["num_split"]
    n = x.shape.ndims
    if n is None:
        return [(x.dtype, TensorShape(None))] * num
    axis = _scalar_int(axis_t)
    if axis is None:
        return [(x.dtype, TensorShape([None] * n))] * num
    axis = _norm_axis(axis, n)
    dims = list(x.shape.as_tuple())
    if dims[axis] is not None:
        if dims[axis] % num:
            raise ValueError(f"Dimension size must be evenly divisible by {num} but is "
                             f"{dims[axis]}")
        dims[axis] //= num
    return [(x.dtype, TensorShape(dims))] * num


def _splitv_shape(inputs, attrs):
    x, sizes_t, axis_t = inputs
    _check_index_dtype(axis_t, "split's axis")
    _check_index_dtype(sizes_t, "split's size_splits")
    num = attrs["num_split"]
    n = x.shape.ndims
    if n is None:
        return [(x.dtype, TensorShape(None))] * num
    axis = _scalar_int(axis_t)
    if axis is None:
        return [(x.dtype, TensorShape([None] * n))] * num
    axis = _norm_axis(axis, n)
    dims = list(x.shape.as_tuple())
    sizes = _ints(sizes_t) or [None] * num
    if len(sizes) != num:
        raise ValueError(f"size_splits has {len(sizes)} entries for {num} outputs")
    if sizes.count(-1) > 1:
        raise ValueError(f"Only one size in size_splits may be -1, got {sizes}")
    if None not in sizes:
        known = sum(s for s in sizes if s != -1)
        if dims[axis] is not None:
            if -1 in sizes:
                if known > dims[axis]:
                    raise ValueError(f"Determined shape must either match input shape along "
                                     f"split_dim exactly if fully specified, or be less than "
                                     f"the size of the input along split_dim if not fully "
                                     f"specified. Got: {known} > {dims[axis]}")
                sizes[sizes.index(-1)] = dims[axis] - known
            elif known != dims[axis]:
                raise ValueError(f"Determined shape must either match input shape along "
                                 f"split_dim exactly if fully specified, or be less than the "
                                 f"size of the input along split_dim if not fully specified. "
                                 f"Got: {known} vs. {dims[axis]}")
    out = []
    for s in sizes:
        d = list(dims)
        d[axis] = None if s is None or s < 0 else s
        out.append((x.dtype, TensorShape(d)))
    return out


def _split_grad(op, *gs):
    axis_t = op.inputs[0] if op.type == "Split" else op.inputs[2]
    g = concat(list(gs), axis_t)
    return [None, g] if op.type == "Split" else [g, None, None]


register_op("Split", shape=_split_shape, grad=_split_grad, list_output=True)
register_op("SplitV", shape=_splitv_shape, grad=_split_grad, view=True,
            list_output=True)


def split(value, num_or_size_splits, axis=0, num=None, name="split") -> list:
    """Splits ``value`` along ``axis`` into ``num_or_size_splits`` equal parts (an int) or
    parts of the given sizes (a list; one size may be -1).

    Example:
        >>> import flowkit as tf
        >>> a, b = tf.split(tf.zeros([4, 6]), [2, -1], axis=1)
        >>> print(a.shape, b.shape)
        (4, 2) (4, 4)
    """
    with op_scope(name, "split", [value, num_or_size_splits, axis]) as scope:
        value = convert_to_tensor(value, name="value")
        axis_t = _int_tensor(axis, "split_dim", "split's axis")
        if isinstance(num_or_size_splits, (int, np.integer)) and \
                not isinstance(num_or_size_splits, builtins.bool):
            n = int(num_or_size_splits)
            if n <= 0:
                raise ValueError(f"num_or_size_splits must be a positive int, got {n}")
            return list(make_op("Split", (axis_t, value), {"num_split": n}, scope).outputs)
        sizes = _int_tensor(num_or_size_splits, "size_splits", "split's size_splits")
        if num is None:
            if sizes.shape.ndims != 1 or sizes.shape[0].value is None:
                raise ValueError(f"Cannot infer num from shape {sizes.shape}")
            num = sizes.shape[0].value
        return list(make_op("SplitV", (value, sizes, axis_t), {"num_split": int(num)},
                            scope).outputs)


# --------------------------------------------------------------------------------------------
# tile
# --------------------------------------------------------------------------------------------
def _tile_shape(inputs, attrs):
    x, multiples = inputs
    _check_index_dtype(multiples, "tile's multiples")
    _check_rank(multiples, 1, "multiples")
    m = _ints(multiples)
    n = x.shape.ndims
    if m is not None and n is not None and len(m) != n:
        raise ValueError(f"Shape must be rank {n} but is rank {len(m)}: multiples has {len(m)}"
                         f" entries for an input of rank {n}")
    if n is None:
        return [(x.dtype, TensorShape(None if m is None else [None] * len(m)))]
    if m is None:
        return [(x.dtype, TensorShape([None] * n))]
    if any(a is not None and a < 0 for a in m):
        raise ValueError(f"Expected multiples >= 0, got {m}")
    dims = [None if d is None or k is None else d * k for d, k in zip(x.shape.as_tuple(), m)]
    return [(x.dtype, TensorShape(dims))]


def _tile_grad(op, g):
    from flowkit.ops.math_ops import reduce_sum
    x, multiples = op.inputs
    n = x.shape.ndims
    if n is None:
        raise ValueError(f"The gradient of Tile ({op.name}) needs the input's rank")
    m = _ints(multiples)
    if x.shape.is_fully_defined() and None not in m:
        split_shape = [v for pair in zip(m, x.shape.as_list()) for v in pair]
    else:
        split_shape = reshape(transpose(stack([cast(multiples, dtypes.int32),
                                               shape(x)])), [-1])
    summed = reduce_sum(reshape(g, split_shape), axis=list(builtins.range(0, 2 * n, 2)))
    return [reshape(summed, _static_or_dynamic_shape(x)), None]


register_op("Tile", shape=_tile_shape, grad=_tile_grad)


def tile(input, multiples, name=None) -> Tensor:
    """Repeats ``input`` ``multiples[i]`` times along each dimension ``i``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.tile([[1, 2]], [2, 2])))
        [[1 2 1 2]
         [1 2 1 2]]
    """
    with op_scope(name, "Tile", [input, multiples]) as scope:
        input = convert_to_tensor(input, name="input")
        multiples = _int_tensor(multiples, "multiples", "tile's multiples")
        return make_tensor("Tile", (input, multiples), None, scope)


# --------------------------------------------------------------------------------------------
# pad
# --------------------------------------------------------------------------------------------
def _pad_shape(inputs, attrs):
    x, paddings = inputs[0], inputs[1]
    _check_index_dtype(paddings, "pad's paddings")
    if len(inputs) == 3:
        _check_rank(inputs[2], 0, "constant_values")
        if inputs[2].dtype is not x.dtype:
            raise TypeError(f"constant_values has dtype {inputs[2].dtype.name}, the tensor "
                            f"{x.dtype.name}")
    n = x.shape.ndims
    ps = paddings.shape
    if ps.ndims is not None and (ps.ndims != 2 or ps[1].value not in (None, 2) or
                                 (n is not None and ps[0].value not in (None, n))):
        raise ValueError(f"paddings must be a matrix with {n if n is not None else 'rank'} "
                         f"rows and 2 columns, got shape {ps}")
    if n is None:
        n = ps[0].value if ps.ndims == 2 else None
        if n is None:
            return [(x.dtype, TensorShape(None))]
    v = constant_value(paddings)
    if v is None:
        return [(x.dtype, TensorShape([None] * n))]
    v = np.reshape(v, [n, 2]).astype(np.int64)
    if (v < 0).any():
        raise ValueError(f"Paddings must be non-negative, got {v.tolist()}")
    dims = x.shape.as_tuple() if x.shape.ndims is not None else (None,) * n
    mode = attrs.get("mode")
    if mode is not None:
        limit = 0 if mode == "REFLECT" else 1
        for d, (a, b) in zip(dims, v):
            if d is not None and (a > d - 1 + limit or b > d - 1 + limit):
                raise ValueError(f"Paddings must be less than{'' if limit else ' or equal to'}"
                                 f" the dimension size in {mode} mode: {a}, {b} for a "
                                 f"dimension of size {d}")
    out = [None if d is None else d + int(a) + int(b) for d, (a, b) in zip(dims, v)]
    return [(x.dtype, TensorShape(out))]


def _pad_begin(paddings):
    v = constant_value(paddings)
    if v is not None:
        return np.asarray(v)[:, 0].astype(np.int32)
    return reshape(slice(paddings, [0, 0], [-1, 1]), [-1])


def _pad_grad(op, g):
    x, paddings = op.inputs[0], op.inputs[1]
    gx = slice(g, _pad_begin(paddings), _static_or_dynamic_shape(x))
    return [gx] + [None] * (len(op.inputs) - 1)


register_op("Pad", shape=_pad_shape, grad=_pad_grad)
register_op("PadV2", shape=_pad_shape, grad=_pad_grad)


def _mirror_pad_grad_shape(inputs, attrs):
    g, paddings = inputs
    _check_index_dtype(paddings, "paddings")
    n = g.shape.ndims
    v = constant_value(paddings)
    if n is None or v is None:
        return [(g.dtype, TensorShape(None if n is None else [None] * n))]
    v = np.reshape(v, [n, 2])
    out = [None if d is None else d - int(a) - int(b) for d, (a, b) in zip(g.shape.as_tuple(), v)]
    if any(d is not None and d < 0 for d in out):
        raise ValueError(f"Paddings {v.tolist()} are larger than the gradient {g.shape}")
    return [(g.dtype, TensorShape(out))]


register_op("MirrorPad", shape=_pad_shape,
            grad=lambda op, g: [make_tensor("MirrorPadGrad", (g, op.inputs[1]),
                                            {"mode": op.attrs["mode"]}), None])
register_op("MirrorPadGrad", shape=_mirror_pad_grad_shape,
            grad=lambda op, g: [make_tensor("MirrorPad", (g, op.inputs[1]),
                                            {"mode": op.attrs["mode"]}), None],
            doc="Gradient of MirrorPad: folds the mirrored borders back onto the input.")


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0) -> Tensor:
    """Pads ``tensor`` with ``paddings[i] = [before, after]`` entries along each dimension.

    ``mode`` is ``"CONSTANT"`` (with ``constant_values``), ``"REFLECT"`` (mirror without the
    border) or ``"SYMMETRIC"`` (mirror with it), case-insensitive.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.pad([1, 2, 3], [[2, 2]], "REFLECT")))
        [3 2 1 2 3 2 1]
    """
    mode = mode.upper() if isinstance(mode, str) else mode
    if mode not in ("CONSTANT", "REFLECT", "SYMMETRIC"):
        raise ValueError(f"Unknown padding mode: {mode}")
    op_type = "MirrorPad" if mode != "CONSTANT" else (
        "Pad" if not is_tensor_like(constant_values) and np.all(np.asarray(constant_values) == 0)
        else "PadV2")
    with op_scope(name, op_type, [tensor, paddings, constant_values]) as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        paddings = _int_tensor(paddings, "paddings", "pad's paddings")
        if op_type == "MirrorPad":
            return make_tensor("MirrorPad", (tensor, paddings), {"mode": mode}, scope)
        if op_type == "Pad":
            return make_tensor("Pad", (tensor, paddings), None, scope)
        cv = convert_to_tensor(constant_values, name="constant_values",
                               dtype=None if is_tensor_like(constant_values) else tensor.dtype)
        return make_tensor("PadV2", (tensor, paddings, cv), None, scope)


# --------------------------------------------------------------------------------------------
# slice
# --------------------------------------------------------------------------------------------
def _slice_shape(inputs, attrs):
    x, begin, size_t = inputs
    _check_index_dtype(begin, "slice's begin")
    _check_index_dtype(size_t, "slice's size")
    if begin.dtype is not size_t.dtype:
        raise TypeError(f"slice's begin ({begin.dtype.name}) and size ({size_t.dtype.name}) "
                        "must have one dtype")
    n = x.shape.ndims
    b, s = _ints(begin), _ints(size_t)
    for v, what in ((b, "begin"), (s, "size")):
        if v is not None and n is not None and len(v) != n:
            raise ValueError(f"Expected {what} argument to Slice to have {n} elements, got "
                             f"{len(v)}")
    if n is None:
        n = len(b) if b is not None else (len(s) if s is not None else None)
        if n is None:
            return [(x.dtype, TensorShape(None))]
    b = b or [None] * n
    s = s or [None] * n
    dims = x.shape.as_tuple() if x.shape.ndims is not None else (None,) * n
    out = []
    for i, (d, bi, si) in enumerate(zip(dims, b, s)):
        if bi is not None and bi < 0:
            raise ValueError(f"Expected begin[{i}] >= 0, got {bi}")
        if si is not None and si < -1:
            raise ValueError(f"Expected size[{i}] >= -1, got {si}")
        if d is not None and bi is not None and si is not None and \
                bi + (si if si >= 0 else 0) > d:
            raise ValueError(f"Expected begin[{i}] + size[{i}] <= {d}, got {bi} + {si}")
        if si == -1:
            out.append(None if d is None or bi is None else d - bi)
        else:
            out.append(si)
    return [(x.dtype, TensorShape(out))]


def _slice_grad(op, g):
    x, begin = op.inputs[0], op.inputs[1]
    y = op.outputs[0]
    b = constant_value(begin)
    if b is not None and x.shape.is_fully_defined() and y.shape.is_fully_defined():
        b = np.reshape(b, [-1]).astype(np.int64)
        after = np.asarray(x.shape.as_list()) - b - np.asarray(y.shape.as_list())
        paddings = np.stack([b, after], axis=1).astype(np.int32)
    else:
        from flowkit.ops.math_ops import subtract
        b = cast(begin, dtypes.int32)
        after = subtract(subtract(shape(x), b), shape(y))
        paddings = stack([b, after], axis=1)
    return [pad(g, paddings), None, None]


register_op("Slice", shape=_slice_shape, grad=_slice_grad, view=True)


def slice(input_, begin, size, name=None) -> Tensor:  # noqa: A001 - TF1 name
    """The part of ``input_`` that starts at ``begin`` with extent ``size`` (-1: to the end).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.slice([[1, 2, 3], [4, 5, 6]], [0, 1], [-1, 2])))
        [[2 3]
         [5 6]]
    """
    with op_scope(name, "Slice", [input_, begin, size]) as scope:
        input_ = convert_to_tensor(input_, name="input")
        begin = _int_tensor(begin, "begin", "slice's begin")
        size = _int_tensor(size, "size", "slice's size")
        if begin.dtype is not size.dtype:
            begin, size = cast(begin, dtypes.int64), cast(size, dtypes.int64)
        return make_tensor("Slice", (input_, begin, size), None, scope)


# --------------------------------------------------------------------------------------------
# strided_slice and Tensor.__getitem__
# --------------------------------------------------------------------------------------------
_MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def strided_slice_index(begin, end, strides, attrs) -> tuple:
    """The Python index (ints, slices, ``None``, ``Ellipsis``) that a ``StridedSlice`` with
    these ``begin``/``end``/``strides`` values and mask attrs stands for. Kernels of every
    backend can use it: ``x[strided_slice_index(...)]``."""
    idx = []
    for i in builtins.range(len(begin)):
        bit = 1 << i
        if attrs["ellipsis_mask"] & bit:
            idx.append(Ellipsis)
        elif attrs["new_axis_mask"] & bit:
            idx.append(None)
        elif attrs["shrink_axis_mask"] & bit:
            idx.append(int(begin[i]))
        else:
            idx.append(builtins.slice(None if attrs["begin_mask"] & bit else int(begin[i]),
                                      None if attrs["end_mask"] & bit else int(end[i]),
                                      int(strides[i])))
    return tuple(idx)


def _slice_length(d, b, e, s, bmask, emask):
    if s is None:
        return None
    if bmask and emask:
        if d is None:
            return d if abs(s) == 1 else None
        return len(builtins.range(d)[::s])
    if d is None or (not bmask and b is None) or (not emask and e is None):
        return None
    return len(builtins.range(d)[builtins.slice(None if bmask else b, None if emask else e, s)])


def _strided_slice_out(x_shape, b, e, s, attrs):
    """The static output shape of a strided slice (``b``/``e``/``s``: ints or ``None``)."""
    n = len(b)
    bits = {k: attrs[k] for k in _MASKS}
    ell = [i for i in builtins.range(n) if bits["ellipsis_mask"] >> i & 1]
    if len(ell) > 1:
        raise ValueError("Multiple ellipses in slice spec not allowed")
    for i, st in enumerate(s):
        if st == 0 and not (bits["ellipsis_mask"] | bits["new_axis_mask"]) >> i & 1:
            raise ValueError("strides must be non-zero")
    if x_shape.ndims is None:
        return TensorShape(None)
    dims = x_shape.as_tuple()
    consumed = sum(1 for i in builtins.range(n)
                   if not ((bits["ellipsis_mask"] | bits["new_axis_mask"]) >> i & 1))
    if consumed > len(dims):
        raise ValueError(f"Index out of range using input dim {len(dims)}; input has only "
                         f"{len(dims)} dims")
    out, d = [], 0
    for i in builtins.range(n):
        if bits["ellipsis_mask"] >> i & 1:
            k = len(dims) - consumed
            out.extend(dims[d:d + k])
            d += k
            continue
        if bits["new_axis_mask"] >> i & 1:
            out.append(1)
            continue
        size_d = dims[d]
        d += 1
        if bits["shrink_axis_mask"] >> i & 1:
            if size_d is not None and b[i] is not None and not -size_d <= b[i] < size_d:
                raise ValueError(f"slice index {b[i]} of dimension {d - 1} out of bounds.")
            continue
        out.append(_slice_length(size_d, b[i], e[i], s[i], bits["begin_mask"] >> i & 1,
                                 bits["end_mask"] >> i & 1))
    out.extend(dims[d:])
    return TensorShape(out)


def _spec_values(inputs):
    b, e, s = inputs
    n = b.shape[0].value if b.shape.ndims == 1 else None
    vals = [_ints(t, n) for t in (b, e, s)]
    if any(v is None for v in vals) or len({len(v) for v in vals}) != 1:
        return None
    return vals


def _strided_slice_shape(inputs, attrs):
    x = inputs[0]
    for t, what in zip(inputs[1:4], ("begin", "end", "strides")):
        _check_index_dtype(t, f"strided_slice's {what}")
        _check_rank(t, 1, what)
    vals = _spec_values(inputs[1:4])
    if vals is None:
        return [(x.dtype, TensorShape(None))]
    return [(x.dtype, _strided_slice_out(x.shape, *vals, attrs))]


def _strided_slice_grad(op, g):
    x, begin, end, strides = op.inputs
    attrs = {k: op.attrs[k] for k in _MASKS}
    shape_t = x.shape.as_list() if x.shape.is_fully_defined() else shape(x, out_type=begin.dtype)
    shape_t = _int_tensor(shape_t, "shape", "shape") if not isinstance(shape_t, Tensor) \
        else shape_t
    if shape_t.dtype is not begin.dtype:
        shape_t = cast(shape_t, begin.dtype)
    return [make_tensor("StridedSliceGrad", (shape_t, begin, end, strides, g), attrs), None,
            None, None]


def _strided_slice_grad_shape(inputs, attrs):
    shape_t, dy = inputs[0], inputs[4]
    _check_index_dtype(shape_t, "StridedSliceGrad's shape")
    return [(dy.dtype, _constant_shape(shape_t))]


def _strided_slice_grad_grad(op, gg):
    _, begin, end, strides, _ = op.inputs
    return [None, None, None, None,
            strided_slice(gg, begin, end, strides, **{k: op.attrs[k] for k in _MASKS})]


register_op("StridedSlice", shape=_strided_slice_shape, grad=_strided_slice_grad, view=True)
register_op("StridedSliceGrad", shape=_strided_slice_grad_shape, grad=_strided_slice_grad_grad,
            doc="Gradient of StridedSlice: zeros of `shape` with `dy` written at the slice.")


def strided_slice(input_, begin, end, strides=None, begin_mask=0, end_mask=0, ellipsis_mask=0,
                  new_axis_mask=0, shrink_axis_mask=0, var=None, name=None) -> Tensor:
    """TF1's ``tf.strided_slice``: ``input_[begin:end:strides]`` per dimension, with bit masks
    that ignore begin/end (``begin_mask``, ``end_mask``), insert ``...`` (``ellipsis_mask``),
    insert new axes (``new_axis_mask``) or index one element (``shrink_axis_mask``).
    ``t[...]`` builds this op.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.strided_slice(tf.range(10), [1], [8], [3])))
        [1 4 7]
    """
    with op_scope(name, "StridedSlice", [input_, begin, end, strides]) as scope:
        input_ = convert_to_tensor(input_, name="input")
        begin = _int_tensor(begin, "begin", "strided_slice's begin")
        end = _int_tensor(end, "end", "strided_slice's end")
        if strides is None:
            strides = ones_like(begin)
        strides = _int_tensor(strides, "strides", "strided_slice's strides")
        attrs = {"begin_mask": int(begin_mask), "end_mask": int(end_mask),
                 "ellipsis_mask": int(ellipsis_mask), "new_axis_mask": int(new_axis_mask),
                 "shrink_axis_mask": int(shrink_axis_mask)}
        return make_tensor("StridedSlice", (input_, begin, end, strides), attrs, scope)


def _is_int_index(s):
    if isinstance(s, builtins.bool):
        return False
    if isinstance(s, (int, np.integer)):
        return True
    if is_tensor_like(s):
        t = convert_to_tensor(s)
        return t.dtype in _INDEX_DTYPES and t.shape.ndims in (None, 0)
    return False


def _index_error(s):
    return TypeError("Only integers, slices (`:`), ellipsis (`...`), tf.newaxis (`None`) and "
                     f"scalar tf.int32/tf.int64 tensors are valid indices, got {s!r}")


def _slice_helper(tensor, slice_spec, var=None):
    """``tensor[slice_spec]``, TF1's way: one ``StridedSlice`` op named ``strided_slice``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.placeholder(tf.float32, [None, 4, 5])
        >>> print(x[0].shape, x[:, 1:3].shape, x[..., ::-2, tf.newaxis].shape)
        (4, 5) (?, 2, 5) (?, 4, 3, 1)
    """
    if isinstance(slice_spec, builtins.bool) or (
            is_tensor_like(slice_spec) and convert_to_tensor(slice_spec).dtype is dtypes.bool):
        return boolean_mask(tensor, slice_spec)
    if not isinstance(slice_spec, (list, tuple)):
        slice_spec = [slice_spec]
    begin, end, strides = [], [], []
    masks = dict.fromkeys(_MASKS, 0)
    for i, s in enumerate(slice_spec):
        bit = 1 << i
        if isinstance(s, builtins.slice):
            for v, mask in ((s.start, "begin_mask"), (s.stop, "end_mask"), (s.step, None)):
                if v is not None and not _is_int_index(v):
                    raise _index_error(v)
                if v is None and mask:
                    masks[mask] |= bit
            b = 0 if s.start is None else s.start
            e = 0 if s.stop is None else s.stop
            st = 1 if s.step is None else s.step
        elif s is Ellipsis or s is None:
            b, e, st = 0, 0, 1
            masks["ellipsis_mask" if s is Ellipsis else "new_axis_mask"] |= bit
        elif _is_int_index(s):
            # A shrinking index reads only `begin`; TF1 also passes begin + 1 as `end`.
            b, e, st = s, s + 1 if not is_tensor_like(s) else s, 1
            masks["shrink_axis_mask"] |= bit
        else:
            raise _index_error(s)
        begin.append(b)
        end.append(e)
        strides.append(st)
    with op_scope(None, "strided_slice", [tensor]) as scope:
        tensor = convert_to_tensor(tensor)
        if begin:
            packed = [_pack_index(v, n) for v, n in ((begin, "stack"), (end, "stack_1"),
                                                     (strides, "stack_2"))]
            if any(p.dtype is dtypes.int64 for p in packed):
                packed = [cast(p, dtypes.int64) for p in packed]
        else:
            empty = constant(np.zeros([0], np.int32), name="Const")
            packed = [empty, empty, empty]
        return make_tensor("StridedSlice", (tensor, *packed), masks, scope)


def _pack_index(values, name):
    if not any(is_tensor_like(v) for v in values):
        arr = np.asarray([int(v) for v in values])
        big = arr.size and (arr.max() > 2**31 - 1 or arr.min() < -2**31)
        return constant(arr.astype(np.int64 if big else np.int32), name=name)
    dt = dtypes.int64 if any(convert_to_tensor(v).dtype is dtypes.int64 for v in values
                             if is_tensor_like(v)) else dtypes.int32
    with op_scope(name, "stack", []) as scope:
        ts = [cast(v, dt) if is_tensor_like(v) else constant(np.array(v, dt.as_numpy_dtype))
              for v in values]
        return make_tensor("Pack", ts, {"axis": 0}, scope)


# --------------------------------------------------------------------------------------------
# gather
# --------------------------------------------------------------------------------------------
def _gather_shape(inputs, attrs):
    params, indices, axis_t = inputs
    _check_index_dtype(indices, "gather's indices")
    _check_index_dtype(axis_t, "gather's axis")
    _check_rank(axis_t, 0, "axis")
    if attrs.get("batch_dims", 0):
        raise ValueError("batch_dims other than 0 are not supported")
    n = params.shape.ndims
    axis = _scalar_int(axis_t)
    if n is None or axis is None or indices.shape.ndims is None:
        return [(params.dtype, TensorShape(None))]
    if n == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0")
    axis = _norm_axis(axis, n)
    dims = params.shape.as_tuple()
    out = dims[:axis] + indices.shape.as_tuple() + dims[axis + 1:]
    return [(params.dtype, TensorShape(out))]


def _gather_grad(op, g):
    params, indices, axis_t = op.inputs
    axis = _scalar_int(axis_t)
    if axis is None or params.shape.ndims is None:
        raise ValueError(f"The gradient of GatherV2 ({op.name}) needs a constant axis and the "
                         "params' rank")
    axis %= params.shape.ndims
    params_shape = _static_or_dynamic_shape(params)
    params_shape = _int_tensor(params_shape, "params_shape", "shape") \
        if not isinstance(params_shape, Tensor) else params_shape
    gp = make_tensor("GatherGrad", (g, indices, params_shape), {"axis": axis})
    return [gp, None, None]


def _gather_grad_shape(inputs, attrs):
    g, indices, params_shape = inputs
    _check_index_dtype(indices, "indices")
    return [(g.dtype, _constant_shape(params_shape))]


register_op("GatherV2", shape=_gather_shape, grad=_gather_grad)
register_op("GatherGrad", shape=_gather_grad_shape,
            grad=lambda op, gg: [gather(gg, op.inputs[1], axis=op.attrs["axis"]), None, None],
            doc="Gradient of GatherV2: zeros of `params_shape` plus input 0 scatter-added at "
                "`indices` along attr `axis` (repeated indices accumulate).")


def gather(params, indices, validate_indices=None, name=None, axis=0, batch_dims=0) -> Tensor:
    """Picks slices of ``params`` along ``axis`` at ``indices`` (any shape).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.gather([[1, 2], [3, 4], [5, 6]], [2, 0])))
        [[5 6]
         [1 2]]
    """
    with op_scope(name, "GatherV2", [params, indices, axis]) as scope:
        params = convert_to_tensor(params, name="params")
        indices = _int_tensor(indices, "indices", "gather's indices")
        axis_t = _int_tensor(axis, "axis", "gather's axis")
        return make_tensor("GatherV2", (params, indices, axis_t),
                           {"batch_dims": int(batch_dims)}, scope)


# --------------------------------------------------------------------------------------------
# gather_nd, scatter_nd: each one's gradient is the other
# --------------------------------------------------------------------------------------------
def _gather_nd_shape(inputs, attrs):
    params, indices = inputs
    _check_index_dtype(indices, "gather_nd's indices")
    if indices.shape.ndims is None or params.shape.ndims is None:
        return [(params.dtype, TensorShape(None))]
    if indices.shape.ndims == 0:
        raise ValueError("indices must be at least a vector")
    k = indices.shape[-1].value
    if k is None:
        return [(params.dtype, TensorShape(None))]
    if k > params.shape.ndims:
        raise ValueError(f"indices.shape[-1] must be <= params.rank, but saw indices shape "
                         f"{indices.shape} and params shape {params.shape}")
    return [(params.dtype, indices.shape[:-1].concatenate(params.shape[k:]))]


def _scatter_nd_shape(inputs, attrs):
    indices, updates, shape_t = inputs
    _check_index_dtype(indices, "scatter_nd's indices")
    _check_index_dtype(shape_t, "scatter_nd's shape")
    if shape_t.dtype is not indices.dtype:
        raise TypeError(f"scatter_nd's shape ({shape_t.dtype.name}) and indices "
                        f"({indices.dtype.name}) must have one dtype")
    out = _constant_shape(shape_t)
    ishape = indices.shape
    if out.ndims is not None and ishape.ndims is not None and ishape[-1].value is not None \
            and updates.shape.ndims is not None:
        k = ishape[-1].value
        if k > out.ndims:
            raise ValueError(f"indices.shape[-1] ({k}) must be <= the output rank {out.ndims}")
        want = ishape[:-1].concatenate(out[k:])
        if not want.is_compatible_with(updates.shape):
            raise ValueError(f"updates must have shape {want} (indices.shape[:-1] + "
                             f"shape[indices.shape[-1]:]), got {updates.shape}")
    return [(updates.dtype, out)]


register_op("GatherNd", shape=_gather_nd_shape,
            grad=lambda op, g: [scatter_nd(op.inputs[1], g,
                                           _static_or_dynamic_shape(op.inputs[0])), None])
register_op("ScatterNd", shape=_scatter_nd_shape,
            grad=lambda op, g: [None, gather_nd(g, op.inputs[0]), None])


def gather_nd(params, indices, name=None, batch_dims=0) -> Tensor:
    """Picks elements (or slices) of ``params`` at the coordinates in the last dimension of
    ``indices``: ``out[i, j] = params[indices[i, j, 0], ..., indices[i, j, K-1]]``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.gather_nd([[1, 2], [3, 4]], [[1, 0], [0, 1]])))
        [3 2]
    """
    if batch_dims:
        raise ValueError("gather_nd supports batch_dims=0 only")
    with op_scope(name, "GatherNd", [params, indices]) as scope:
        params = convert_to_tensor(params, name="params")
        indices = _int_tensor(indices, "indices", "gather_nd's indices")
        return make_tensor("GatherNd", (params, indices), None, scope)


def scatter_nd(indices, updates, shape, name=None) -> Tensor:
    """A tensor of zeros of ``shape`` with ``updates`` added at the coordinates ``indices``
    (repeated coordinates add up): the inverse of :func:`gather_nd`.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.scatter_nd([[1], [3], [1]], [5, 6, 7], [5])))
        [ 0 12  0  6  0]
    """
    with op_scope(name, "ScatterNd", [indices, updates, shape]) as scope:
        indices = _int_tensor(indices, "indices", "scatter_nd's indices")
        updates = convert_to_tensor(updates, name="updates")
        shape_t = _int_tensor(shape, "shape", "scatter_nd's shape")
        if shape_t.dtype is not indices.dtype:
            shape_t = cast(shape_t, indices.dtype)
        return make_tensor("ScatterNd", (indices, updates, shape_t), None, scope)


# --------------------------------------------------------------------------------------------
# Compositions: sequence_mask, matrix_transpose, shape_n
# --------------------------------------------------------------------------------------------
def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None) -> Tensor:
    """``mask[..., j] = j < lengths[...]`` for ``j`` in ``range(maxlen)`` (default: the
    largest length).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sequence_mask([1, 3], 4, dtype=tf.int32)))
        [[1 0 0 0]
         [1 1 1 0]]
    """
    from flowkit.ops import math_ops
    with op_scope(name, "SequenceMask", [lengths, maxlen]):
        lengths = _int_tensor(lengths, "lengths", "sequence_mask's lengths")
        if maxlen is None:
            maxlen = math_ops.maximum(constant(0, dtype=lengths.dtype),
                                      math_ops.reduce_max(lengths))
        else:
            maxlen = _int_tensor(maxlen, "maxlen", "sequence_mask's maxlen")
        row = range(constant(0, dtype=maxlen.dtype), maxlen, constant(1, dtype=maxlen.dtype))
        result = math_ops.less(row, cast(expand_dims(lengths, -1), maxlen.dtype))
        return cast(result, dtype)


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
# one_hot
# --------------------------------------------------------------------------------------------
def _one_hot_shape(inputs, attrs):
    indices, depth, on, off = inputs
    if indices.dtype not in (dtypes.uint8, dtypes.int32, dtypes.int64):
        raise TypeError(f"one_hot's indices must be uint8, int32 or int64, got "
                        f"{indices.dtype.name}")
    if depth.dtype is not dtypes.int32:
        raise TypeError(f"one_hot's depth must be int32, got {depth.dtype.name}")
    if on.dtype is not off.dtype:
        raise TypeError(f"on_value ({on.dtype.name}) and off_value ({off.dtype.name}) must "
                        "have one dtype")
    for t, what in ((depth, "depth"), (on, "on_value"), (off, "off_value")):
        _check_rank(t, 0, what)
    d = _scalar_int(depth)
    if d is not None and d < 0:
        raise ValueError(f"depth must be non-negative, got: {d}")
    axis = attrs["axis"]
    n = indices.shape.ndims
    if n is None:
        return [(on.dtype, TensorShape(None))]
    if not -1 <= axis <= n:
        raise ValueError(f"Expected axis to be -1 or between [0, {n}).  But received: {axis}")
    dims = list(indices.shape.as_tuple())
    dims.insert(n if axis == -1 else axis, d)
    return [(on.dtype, TensorShape(dims))]


register_op("OneHot", shape=_one_hot_shape, grad=None)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None,
            name=None) -> Tensor:
    """A one-hot tensor: ``on_value`` where the new axis equals ``indices``, else
    ``off_value`` (defaults 1 and 0 of ``dtype``, float32 unless the values say otherwise).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.one_hot([0, 2, -1], 3)))
        [[1. 0. 0.]
         [0. 0. 1.]
         [0. 0. 0.]]
    """
    with op_scope(name, "one_hot", [indices, depth, on_value, off_value]) as scope:
        given = [v for v in (on_value, off_value) if v is not None]
        if dtype is not None:
            dtype = dtypes.as_dtype(dtype)
        elif given:
            dtype = convert_to_tensor(given[0]).dtype if is_tensor_like(given[0]) else \
                dtypes.as_dtype(_to_numpy(given[0], None).dtype)
        else:
            dtype = dtypes.float32
        one = True if dtype is dtypes.bool else 1
        zero = False if dtype is dtypes.bool else 0
        on = convert_to_tensor(one if on_value is None else on_value,
                               dtype=None if is_tensor_like(on_value) else dtype,
                               name="on_value")
        off = convert_to_tensor(zero if off_value is None else off_value,
                                dtype=None if is_tensor_like(off_value) else dtype,
                                name="off_value")
        if on.dtype is not dtype or off.dtype is not dtype:
            raise TypeError(f"dtype {dtype.name} of on_value/off_value does not match the "
                            f"requested dtype")
        indices = convert_to_tensor(indices, name="indices")
        depth = _int_tensor(depth, "depth", "one_hot's depth")
        return make_tensor("OneHot", (indices, depth, on, off),
                           {"axis": -1 if axis is None else int(axis)}, scope)


# --------------------------------------------------------------------------------------------
# where / select, boolean_mask
# --------------------------------------------------------------------------------------------
def _where_shape(inputs, attrs):
    n = inputs[0].shape.ndims
    return [(dtypes.int64, TensorShape([None, n]))]


def _select_shape(inputs, attrs):
    cond, x, y = inputs
    if cond.dtype is not dtypes.bool:
        raise TypeError(f"Select's condition must be bool, got {cond.dtype.name}")
    if x.dtype is not y.dtype:
        raise TypeError(f"Input 'e' of 'Select' Op has type {y.dtype.name} that does not match "
                        f"type {x.dtype.name} of argument 't'.")
    if not x.shape.is_compatible_with(y.shape):
        raise ValueError(f"Shapes {x.shape} and {y.shape} are not compatible")
    out = x.shape.merge_with(y.shape)
    c, o = cond.shape.ndims, out.ndims
    if c is not None and o is not None and c != 0:
        if c == 1 and o > 1:
            if not cond.shape[:1].is_compatible_with(out[:1]):
                raise ValueError(f"The condition vector has {cond.shape[0]} elements but x has "
                                 f"{out[0]} rows")
        elif not cond.shape.is_compatible_with(out):
            raise ValueError(f"Shapes {cond.shape} and {out} are not compatible")
        else:
            out = out.merge_with(cond.shape)
    return [(x.dtype, out)]


def _select_grad(op, g):
    cond = op.inputs[0]
    z = zeros_like(g)
    return [None, make_tensor("Select", (cond, g, z)), make_tensor("Select", (cond, z, g))]


register_op("Where", shape=_where_shape, grad=None)
register_op("Select", shape=_select_shape, grad=_select_grad)


def where(condition, x=None, y=None, name=None) -> Tensor:
    """TF1's ``tf.where``. With ``x`` and ``y``: elementwise ``x if condition else y``
    (``condition`` has their shape, or is a vector choosing rows). With ``condition`` only:
    the int64 coordinates ``[num_true, rank]`` of its true (non-zero) elements.

    Example:
        >>> import flowkit as tf
        >>> c = tf.constant([[True, False], [False, True]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.where(c)))
        ...     print(sess.run(tf.where(c, [[1, 2], [3, 4]], [[0, 0], [0, 0]])))
        [[0 0]
         [1 1]]
        [[1 0]
         [0 4]]
    """
    if x is None and y is None:
        with op_scope(name, "Where", [condition]) as scope:
            condition = convert_to_tensor(condition, name="condition")
            return make_tensor("Where", (condition,), None, scope)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    with op_scope(name, "Select", [condition, x, y]) as scope:
        from flowkit.ops.core import convert_pair
        condition = convert_to_tensor(condition, name="condition")
        x, y = convert_pair(x, y)
        return make_tensor("Select", (condition, x, y), None, scope)


def boolean_mask(tensor, mask, name="boolean_mask", axis=None) -> Tensor:
    """The elements (or slices) of ``tensor`` where ``mask`` is true, flattened along the
    masked dimensions (``mask``'s rank must be known).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.boolean_mask([[1, 2], [3, 4], [5, 6]], [True, False, True])))
        [[1 2]
         [5 6]]
    """
    with op_scope(name, "boolean_mask", [tensor, mask]):
        tensor = convert_to_tensor(tensor, name="tensor")
        mask = convert_to_tensor(mask, name="mask")
        if mask.dtype is not dtypes.bool:
            raise TypeError(f"boolean_mask's mask must be bool, got {mask.dtype.name}")
        k = mask.shape.ndims
        if k is None:
            raise ValueError("Number of mask dimensions must be specified, even if some "
                             "dimensions are None. E.g. shape=[None] is ok, but shape=None "
                             "is not.")
        if k == 0:
            raise ValueError("mask cannot be scalar.")
        axis = 0 if axis is None else int(axis)
        n = tensor.shape.ndims
        if n is not None:
            axis = _norm_axis(axis, n)
            if axis + k > n:
                raise ValueError(f"mask has rank {k} but the tensor has only {n - axis} "
                                 f"dimensions from axis {axis}")
            masked = TensorShape(tensor.shape.as_tuple()[axis:axis + k])
            masked.assert_is_compatible_with(mask.shape)
        if k > 1 or axis:
            if n is None:
                raise ValueError("boolean_mask needs the tensor's rank for a mask of rank > 1 "
                                 "or an axis")
            dims = tensor.shape.as_tuple()
            lead = TensorShape(dims[axis:axis + k]).num_elements()
            if tensor.shape.is_fully_defined():
                new_shape = list(dims[:axis]) + [lead] + list(dims[axis + k:])
            else:
                s = shape(tensor)
                new_shape = concat([s[:axis], [-1 if lead is None else lead], s[axis + k:]],
                                   0)
            tensor = reshape(tensor, new_shape)
            mask = reshape(mask, [-1])
        indices = squeeze(where(mask), axis=[1])
        return gather(tensor, indices, axis=axis)


# --------------------------------------------------------------------------------------------
# Python indexing on Tensor
# --------------------------------------------------------------------------------------------
Tensor.__getitem__ = _slice_helper
