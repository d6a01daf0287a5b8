"""Joining and splitting: stack, unstack, concat, split, tile (which joins copies)."""
from __future__ import annotations

__all__ = ["stack", "unstack", "concat", "split", "tile"]

import builtins

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import (_check_index_dtype, _check_rank, convert_to_tensor, _int_tensor,
                              _ints, is_tensor_like, make_op, make_tensor, _norm_axis, op_scope,
                              register_list_packer, _scalar_int)
from flowkit.ops.math_ops import reduce_sum
from flowkit.ops.shape_ops import (_static_or_dynamic_shape, cast, identity, reshape, shape,
                                   transpose)

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


register_list_packer(stack)   # convert_to_tensor packs lists that hold tensors


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


