"""Joining and splitting: stack, unstack, concat, split, tile (which joins copies), roll,
parallel_stack, and space_to_batch / batch_to_space (which split space into the batch and
join it back: each is the other's gradient)."""
from __future__ import annotations

__all__ = ["stack", "unstack", "concat", "split", "tile", "roll", "parallel_stack",
    "space_to_batch_nd", "batch_to_space_nd", "space_to_batch", "batch_to_space",
    "required_space_to_batch_paddings"]

import builtins

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import (_check_index_dtype, _check_rank, constant, constant_value,
                              convert_to_tensor, _int_tensor, _ints, is_tensor_like, make_op,
                              make_tensor, _norm_axis, op_scope, register_list_packer,
                              _scalar_int)
from flowkit.ops.math_ops import add, floormod, negative, reduce_sum, subtract
from flowkit.ops.shape_ops import (_static_or_dynamic_shape, cast, identity, no_gradient_defined,
                                   reshape, shape, transpose)

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


# --------------------------------------------------------------------------------------------
# roll, parallel_stack
# --------------------------------------------------------------------------------------------
def _roll_shape(inputs, attrs):
    x, shift, axis = inputs
    _check_index_dtype(shift, "roll's shift")
    _check_index_dtype(axis, "roll's axis")
    for t, what in ((shift, "shift"), (axis, "axis")):
        if t.shape.ndims is not None and t.shape.ndims > 1:
            raise ValueError(f"roll's {what} must be a scalar or a vector, got shape {t.shape}")
    if not shift.shape.is_compatible_with(axis.shape):
        raise ValueError(f"roll's shift and axis must have the same shape, got {shift.shape} "
                         f"and {axis.shape}")
    if x.shape.ndims == 0:
        raise ValueError("roll's input must be at least a vector")
    a = [_scalar_int(axis)] if axis.shape.ndims == 0 else _ints(axis)
    if a is not None and x.shape.ndims is not None:
        for v in a:
            if v is not None:
                _norm_axis(v, x.shape.ndims, "roll's axis")
    return [(x.dtype, x.shape)]


register_op("Roll", shape=_roll_shape,
            grad=lambda op, g: [make_tensor("Roll", (g, negative(op.inputs[1]), op.inputs[2])),
                                None, None],
            doc="Shifts input 0 by `shift` (input 1) along `axis` (input 2), circularly.")


def roll(input, shift, axis, name=None) -> Tensor:
    """Shifts the elements of ``input`` by ``shift`` places along ``axis``, circularly
    (``shift`` and ``axis`` may be lists of one length; shifts of one axis add up).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.roll([0, 1, 2, 3, 4], shift=2, axis=0)))
        [3 4 0 1 2]
    """
    with op_scope(name, "Roll", [input, shift, axis]) as scope:
        input = convert_to_tensor(input, name="input")
        shift = _int_tensor(shift, "shift", "roll's shift")
        axis = _int_tensor(axis, "axis", "roll's axis")
        return make_tensor("Roll", (input, shift, axis), None, scope)


def _parallel_concat_shape(inputs, attrs):
    out = attrs["shape"]
    for i, t in enumerate(inputs):
        if t.dtype is not inputs[0].dtype:
            raise TypeError(f"parallel_stack's values must have one dtype: value {i} has "
                            f"{t.dtype.name}, value 0 {inputs[0].dtype.name}")
        if not t.shape.is_compatible_with(TensorShape([1]).concatenate(out[1:])):
            raise ValueError(f"parallel_stack's value {i} has shape {t.shape[1:]}, expected "
                             f"{out[1:]}")
    return [(inputs[0].dtype, out)]


register_op("ParallelConcat", shape=_parallel_concat_shape, grad=no_gradient_defined,
            doc="Concatenates its inputs (each of shape [1, ...]) along axis 0 into attr "
                "`shape` (not differentiable, as in TF).")


def parallel_stack(values, name="parallel_stack") -> Tensor:
    """Stacks ``values`` (of one fully known shape) along a new first axis, like
    ``tf.stack(values)``, but not differentiable.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.parallel_stack([[1, 2], [3, 4], [5, 6]])))
        [[1 2]
         [3 4]
         [5 6]]
    """
    with op_scope(name, "parallel_stack", values) as scope:
        values = [convert_to_tensor(v, name=f"values_{i}") for i, v in enumerate(values)]
        if not values:
            raise ValueError("parallel_stack needs at least one value")
        first = values[0].shape
        for v in values:
            first = first.merge_with(v.shape) if first.is_compatible_with(v.shape) else None
            if first is None:
                raise ValueError(f"parallel_stack's values must have one shape, got "
                                 f"{[str(t.shape) for t in values]}")
        if not first.is_fully_defined():
            raise ValueError(f"All input shapes must be fully defined, got {first}")
        out = TensorShape([len(values)]).concatenate(first)
        ins = [reshape(v, [1] + first.as_list()) for v in values]
        return make_tensor("ParallelConcat", ins, {"shape": out}, scope)


# --------------------------------------------------------------------------------------------
# space_to_batch_nd / batch_to_space_nd: each is the other's gradient
# --------------------------------------------------------------------------------------------
def _block_geometry(x, block_shape, pads, what):
    """Checks a SpaceToBatchND / BatchToSpaceND op's arguments while building; returns the
    known block sizes, paddings (or crops) and the spatial dims (``None`` where unknown)."""
    _check_index_dtype(block_shape, f"{what}'s block_shape")
    _check_index_dtype(pads, f"{what}'s paddings/crops")
    _check_rank(block_shape, 1, "block_shape")
    _check_rank(pads, 2, "paddings/crops")
    m = block_shape.shape[0].value
    if m is None and pads.shape.ndims == 2:
        m = pads.shape[0].value
    if pads.shape.ndims == 2 and pads.shape[1].value not in (None, 2) or \
            None not in (m, pads.shape[0].value) and pads.shape[0].value != m:
        raise ValueError(f"{what}: paddings/crops must have shape [{m}, 2], got {pads.shape}")
    n = x.shape.ndims
    if m is not None and n is not None and n < m + 1:
        raise ValueError(f"{what}: the input must have rank at least {m + 1} (batch and "
                         f"{m} block dimensions), got {n}")
    bv, pv = constant_value(block_shape), constant_value(pads)
    if bv is not None and (np.asarray(bv) < 1).any():
        raise ValueError(f"{what}: block_shape must be positive, got {np.asarray(bv).tolist()}")
    if pv is not None and (np.asarray(pv) < 0).any():
        raise ValueError(f"{what}: paddings/crops must be non-negative, got "
                         f"{np.asarray(pv).tolist()}")
    return m, bv, pv


def _space_to_batch_nd_shape(inputs, attrs):
    x, block_shape, paddings = inputs
    m, bv, pv = _block_geometry(x, block_shape, paddings, "SpaceToBatchND")
    if x.shape.ndims is None or m is None:
        return [(x.dtype, TensorShape(None))]
    dims = list(x.shape.as_tuple())
    batch = dims[0]
    for i in builtins.range(m):
        d = dims[1 + i]
        if bv is None or pv is None:
            dims[1 + i] = None
            batch = None
            continue
        b, (lo, hi) = int(bv[i]), (int(v) for v in pv[i])
        batch = None if batch is None else batch * b
        if d is not None:
            if (d + lo + hi) % b:
                raise ValueError(f"SpaceToBatchND: padded size {d + lo + hi} of dimension "
                                 f"{1 + i} is not divisible by block size {b}")
            dims[1 + i] = (d + lo + hi) // b
    dims[0] = batch
    return [(x.dtype, TensorShape(dims))]


def _batch_to_space_nd_shape(inputs, attrs):
    x, block_shape, crops = inputs
    m, bv, cv = _block_geometry(x, block_shape, crops, "BatchToSpaceND")
    if x.shape.ndims is None or m is None:
        return [(x.dtype, TensorShape(None))]
    dims = list(x.shape.as_tuple())
    if bv is None:
        dims[:m + 1] = [None] * (m + 1)
        return [(x.dtype, TensorShape(dims))]
    prod = int(np.prod(bv))
    if dims[0] is not None:
        if dims[0] % prod:
            raise ValueError(f"BatchToSpaceND: the batch size {dims[0]} is not divisible by "
                             f"the product of block_shape {prod}")
        dims[0] //= prod
    for i in builtins.range(m):
        d = dims[1 + i]
        if d is None or cv is None:
            dims[1 + i] = None
            continue
        size = d * int(bv[i]) - int(cv[i][0]) - int(cv[i][1])
        if size < 0:
            raise ValueError(f"BatchToSpaceND: crops {np.asarray(cv[i]).tolist()} are larger "
                             f"than dimension {1 + i} ({d * int(bv[i])})")
        dims[1 + i] = size
    return [(x.dtype, TensorShape(dims))]


register_op("SpaceToBatchND", shape=_space_to_batch_nd_shape,
            grad=lambda op, g: [make_tensor("BatchToSpaceND", (g,) + tuple(op.inputs[1:])),
                                None, None])
register_op("BatchToSpaceND", shape=_batch_to_space_nd_shape,
            grad=lambda op, g: [make_tensor("SpaceToBatchND", (g,) + tuple(op.inputs[1:])),
                                None, None])


def space_to_batch_nd(input, block_shape, paddings, name=None) -> Tensor:
    """Zero-pads the ``M`` spatial dimensions after the batch one by ``paddings`` and moves
    ``block_shape`` blocks of them into the batch: the output has batch
    ``batch * prod(block_shape)`` and spatial sizes ``(size + pads) / block``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(4), [1, 2, 2, 1])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]])).ravel())
        [0 1 2 3]
    """
    with op_scope(name, "SpaceToBatchND", [input, block_shape, paddings]) as scope:
        input = convert_to_tensor(input, name="input")
        block_shape = _int_tensor(block_shape, "block_shape", "space_to_batch's block_shape")
        paddings = _int_tensor(paddings, "paddings", "space_to_batch's paddings")
        return make_tensor("SpaceToBatchND", (input, block_shape, paddings), None, scope)


def batch_to_space_nd(input, block_shape, crops, name=None) -> Tensor:
    """The inverse of :func:`space_to_batch_nd`: moves blocks of the batch back into the
    ``M`` spatial dimensions, then crops them by ``crops``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(4), [4, 1, 1, 1])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.batch_to_space_nd(x, [2, 2], [[0, 0], [0, 0]]))[0, :, :, 0])
        [[0 1]
         [2 3]]
    """
    with op_scope(name, "BatchToSpaceND", [input, block_shape, crops]) as scope:
        input = convert_to_tensor(input, name="input")
        block_shape = _int_tensor(block_shape, "block_shape", "batch_to_space's block_shape")
        crops = _int_tensor(crops, "crops", "batch_to_space's crops")
        return make_tensor("BatchToSpaceND", (input, block_shape, crops), None, scope)


def _square_block(input, block_size, block_shape, what):
    if block_shape is not None:
        if block_size is not None:
            raise ValueError(f"{what}: give block_size or block_shape, not both")
        block_size = block_shape
    if block_size is None:
        raise ValueError(f"{what} needs a block_size")
    if is_tensor_like(block_size) or np.ndim(block_size):
        raise TypeError(f"{what}'s block_size must be a Python int, got {block_size!r}")
    if int(block_size) < 2:
        raise ValueError(f"{what}'s block_size must be greater than 1, got {block_size}")
    input = convert_to_tensor(input, name="input")
    _check_rank(input, 4, f"{what}'s input")
    return input, [int(block_size)] * 2


def space_to_batch(input, paddings, block_size=None, name=None, block_shape=None) -> Tensor:
    """:func:`space_to_batch_nd` of a 4-D (NHWC) ``input`` with square blocks of
    ``block_size`` (TF1's ``tf.space_to_batch`` and ``tf.nn.space_to_batch``).

    Example:
        >>> import flowkit as tf
        >>> x = tf.ones([1, 4, 4, 3])
        >>> tf.space_to_batch(x, [[0, 0], [0, 0]], block_size=2).shape.as_list()
        [4, 2, 2, 3]
    """
    with op_scope(name, "SpaceToBatch", [input, paddings]) as scope:
        input, block = _square_block(input, block_size, block_shape, "space_to_batch")
        return space_to_batch_nd(input, block, paddings, name=scope)


def batch_to_space(input, crops, block_size, name=None, block_shape=None) -> Tensor:
    """:func:`batch_to_space_nd` of a 4-D (NHWC) ``input`` with square blocks of
    ``block_size``: the inverse of :func:`space_to_batch`.

    Example:
        >>> import flowkit as tf
        >>> x = tf.ones([4, 2, 2, 3])
        >>> tf.batch_to_space(x, [[0, 0], [0, 0]], block_size=2).shape.as_list()
        [1, 4, 4, 3]
    """
    with op_scope(name, "BatchToSpace", [input, crops]) as scope:
        input, block = _square_block(input, block_size, block_shape, "batch_to_space")
        return batch_to_space_nd(input, block, crops, name=scope)


def required_space_to_batch_paddings(input_shape, block_shape, base_paddings=None,
                                     name=None) -> tuple:
    """The ``(paddings, crops)`` that make ``input_shape`` (the ``M`` spatial sizes, after
    ``base_paddings``) divisible by ``block_shape``: the extra padding goes at the end, and
    ``crops`` removes it again after :func:`batch_to_space_nd`.

    Example:
        >>> import flowkit as tf
        >>> p, c = tf.required_space_to_batch_paddings([5, 4], [2, 3])
        >>> with tf.Session() as sess:
        ...     print(sess.run(p).tolist(), sess.run(c).tolist())
        [[0, 1], [0, 2]] [[0, 1], [0, 2]]
    """
    with op_scope(name, "required_space_to_batch_paddings", [input_shape, block_shape]):
        shape_t = cast(_int_tensor(input_shape, "input_shape", "input_shape"), dtypes.int32)
        block = cast(_int_tensor(block_shape, "block_shape", "block_shape"), dtypes.int32)
        _check_rank(shape_t, 1, "input_shape")
        _check_rank(block, 1, "block_shape")
        m = block.shape[0].value
        if m is None:
            raise ValueError("required_space_to_batch_paddings needs the length of block_shape")
        base = np.zeros([m, 2], np.int32) if base_paddings is None else base_paddings
        base = cast(_int_tensor(base, "base_paddings", "base_paddings"), dtypes.int32)
        values = [constant_value(t) for t in (shape_t, block, base)]
        if all(v is not None for v in values):
            size, b, pads = (np.asarray(v, np.int64) for v in values)
            pads = pads.reshape(m, 2)
            extra = (b - (size + pads[:, 0] + pads[:, 1]) % b) % b
            crops = np.stack([np.zeros_like(extra), extra], 1).astype(np.int32)
            paddings = np.stack([pads[:, 0], pads[:, 1] + extra], 1).astype(np.int32)
            return constant(paddings, name="paddings"), constant(crops, name="crops")
        starts, ends = unstack(base, num=2, axis=1)
        full = add(add(shape_t, starts), ends)
        extra = floormod(subtract(block, floormod(full, block)), block)
        paddings = stack([starts, add(ends, extra)], axis=1, name="paddings")
        crops = stack([extra * 0, extra], axis=1, name="crops")
        return paddings, crops
