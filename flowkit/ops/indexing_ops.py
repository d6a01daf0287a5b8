"""Indexing and slicing: slice and its adjoint pad, strided_slice and ``tensor[...]``,
gather, gather_nd and scatter_nd, one_hot, where and where_v2, boolean_mask, sequence_mask."""
from __future__ import annotations

__all__ = ["pad", "slice", "strided_slice", "gather", "one_hot", "boolean_mask", "where",
    "where_v2", "gather_nd", "scatter_nd", "sequence_mask"]

import builtins

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import (broadcast_shape, _check_index_dtype, _check_rank, constant,
                              _constant_shape,
                              constant_value, convert_pair, convert_to_tensor, _INDEX_DTYPES,
                              _int_tensor, _ints, is_tensor_like, make_tensor, MASKS, _norm_axis,
                              op_scope, _scalar_int, _spec_values, _to_numpy)
from flowkit.ops import math_ops
from flowkit.ops.constant_ops import ones_like, range, zeros_like
from flowkit.ops.join_ops import concat, stack
from flowkit.ops.shape_ops import (_static_or_dynamic_shape, cast, expand_dims, reshape, shape,
                                   squeeze, sum_to)

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
        b = cast(begin, dtypes.int32)
        after = math_ops.subtract(math_ops.subtract(shape(x), b), shape(y))
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
    bits = {k: attrs[k] for k in MASKS}
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
    attrs = {k: op.attrs[k] for k in MASKS}
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
            strided_slice(gg, begin, end, strides, **{k: op.attrs[k] for k in MASKS})]


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
    masks = dict.fromkeys(MASKS, 0)
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


def gathered_rows(t):
    """``(values, indices, params shape)`` of a gradient of ``tf.gather`` along axis 0 (a
    ``GatherGrad``, maybe behind ``Identity`` ops, as ``tf.clip_by_global_norm`` leaves it),
    else ``None``. TF1 hands such a gradient over as ``tf.IndexedSlices``: its norms sum the
    squares of the rows as gathered (a row looked up twice counts twice) and its optimizers
    update those rows only. flowkit's gradient is dense but remembers its rows, so that the
    norms, the clipping and the updates can agree with TF's."""
    op = t.op
    while op.type == "Identity":
        op = op.inputs[0].op
    return tuple(op.inputs) if op.type == "GatherGrad" and op.attrs["axis"] == 0 else None


def with_rows(rows, values) -> Tensor:
    """The gradient of ``rows`` (from :func:`gathered_rows`) with ``values`` in place of its
    rows' values: still rows."""
    return make_tensor("GatherGrad", (values,) + tuple(rows[1:]), {"axis": 0})


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
        condition = convert_to_tensor(condition, name="condition")
        x, y = convert_pair(x, y)
        return make_tensor("Select", (condition, x, y), None, scope)


def _select_v2_shape(inputs, attrs):
    cond, x, y = inputs
    if cond.dtype is not dtypes.bool:
        raise TypeError(f"SelectV2's condition must be bool, got {cond.dtype.name}")
    if x.dtype is not y.dtype:
        raise TypeError(f"Input 'e' of 'SelectV2' Op has type {y.dtype.name} that does not "
                        f"match type {x.dtype.name} of argument 't'.")
    return [(x.dtype, broadcast_shape(cond.shape, broadcast_shape(x.shape, y.shape)))]


def _select_v2_grad(op, g):
    cond, x, y = op.inputs
    z = zeros_like(g)
    gx, gy = (make_tensor("SelectV2", (cond, a, b)) for a, b in ((g, z), (z, g)))
    return [None, sum_to(gx, shape(x), x.shape), sum_to(gy, shape(y), y.shape)]


register_op("SelectV2", shape=_select_v2_shape, grad=_select_v2_grad)


def where_v2(condition, x=None, y=None, name=None) -> Tensor:
    """:func:`where` with NumPy broadcasting of ``condition``, ``x`` and ``y`` (TF2's
    ``tf.where``); with ``condition`` only, the coordinates of its true elements.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.where_v2([[True], [False]], [1, 2], 0)))
        [[1 2]
         [0 0]]
    """
    if x is None and y is None:
        return where(condition, name=name)
    if x is None or y is None:
        raise ValueError("x and y must both be non-None or both be None.")
    with op_scope(name, "SelectV2", [condition, x, y]) as scope:
        condition = convert_to_tensor(condition, name="condition")
        x, y = convert_pair(x, y)
        return make_tensor("SelectV2", (condition, x, y), None, scope)


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
# sequence_mask
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


# --------------------------------------------------------------------------------------------
# Python indexing on Tensor
# --------------------------------------------------------------------------------------------
Tensor.__getitem__ = _slice_helper
