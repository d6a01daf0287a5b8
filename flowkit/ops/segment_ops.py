"""Segments, sorting and counting: segment and unsorted-segment reductions, sort, argsort,
top_k, unique, bincount, confusion_matrix.

Each op type is declared here once (builder, shape rule, gradient rule) with TF1's names,
defaults, empty-segment values and gradients. ``sort`` and ``argsort`` are built from
``TopKV2`` as TF builds them, so their order of ties is TF's (the lower index first) and
``sort`` is differentiable through ``top_k``'s gradient.

Example:
    >>> import flowkit as tf
    >>> from flowkit.ops import segment_ops
    >>> with tf.Session() as sess:
    ...     print(sess.run(segment_ops.segment_sum([1.0, 2.0, 3.0], [0, 0, 1])))
    [3. 3.]
"""
from __future__ import annotations

__all__ = [
    "segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod",
    "unsorted_segment_sum", "unsorted_segment_max", "unsorted_segment_min",
    "unsorted_segment_prod", "unsorted_segment_mean", "unsorted_segment_sqrt_n",
    "top_k", "sort", "argsort", "unique", "unique_with_counts", "bincount",
    "confusion_matrix",
]

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.constant_ops import fill, ones_like, range as _range, zeros_like
from flowkit.ops.core import (_check_index_dtype, _check_rank, _scalar_int, constant,
                              constant_value, convert_to_tensor, make_op, make_tensor,
                              op_scope)
from flowkit.ops.indexing_ops import gather, scatter_nd, where
from flowkit.ops.join_ops import concat, stack
from flowkit.ops.math_ops import (check_kind, equal, greater, greater_equal, logical_and,
                                  maximum, minimum, negative, reduce_max, reduce_prod, sqrt,
                                  truediv)
from flowkit.ops.shape_ops import (broadcast_to, cast, expand_dims, rank, reshape, shape,
                                   squeeze, transpose)


# --------------------------------------------------------------------------------------------
# Sorted segments: data's first dimension is split by increasing segment ids
# --------------------------------------------------------------------------------------------
def _segment_shape(kind):
    def rule(inputs, attrs):
        data, ids = inputs[:2]
        check_kind(data, kind, "data")
        _check_index_dtype(ids, "segment_ids")
        _check_rank(ids, 1, "segment_ids")
        d = data.shape
        if d.ndims == 0:
            raise ValueError("Shape must be at least rank 1 but is rank 0 (data)")
        if d.ndims is not None and ids.shape.ndims == 1 and \
                not d[:1].is_compatible_with(ids.shape):
            raise ValueError(f"segment_ids should be the same size as dimension 0 of input: "
                             f"{ids.shape[0]} vs. {d[0]}")
        from_ids = _last_id(ids)
        rest = d[1:] if d.ndims is not None else TensorShape(None)
        return [(data.dtype, TensorShape([from_ids]).concatenate(rest))]
    return rule


def _last_id(ids):
    """The number of segments when the ids are constants (the last one plus one)."""
    v = constant_value(ids)
    if v is None:
        return None
    v = np.reshape(v, [-1])
    return int(v[-1]) + 1 if v.size else 0


def _unsorted_shape(kind):
    def rule(inputs, attrs):
        data, ids, num = inputs
        check_kind(data, kind, "data")
        _check_index_dtype(ids, "segment_ids")
        _check_index_dtype(num, "num_segments")
        _check_rank(num, 0, "num_segments")
        d, k = data.shape, ids.shape.ndims
        if d.ndims is not None and k is not None:
            if k > d.ndims or not d[:k].is_compatible_with(ids.shape):
                raise ValueError(f"data.shape = {d} does not start with segment_ids.shape = "
                                 f"{ids.shape}")
            rest = d[k:]
        else:
            rest = TensorShape(None)
        return [(data.dtype, TensorShape([_scalar_int(num)]).concatenate(rest))]
    return rule


def _drop_negatives(params, ids, clipped=None, positive=None):
    """TF's ``_GatherDropNegatives``: ``params`` gathered at ``ids``, zero where an id is
    negative; also returns the clipped ids and the (broadcast) mask to reuse them."""
    if clipped is None:
        clipped = maximum(ids, zeros_like(ids))
    gathered = gather(params, clipped)
    if positive is None:
        positive = greater_equal(ids, 0)
        id_shape = shape(positive)
        extra = rank(gathered) - rank(positive)
        positive = reshape(positive, concat([id_shape, fill(expand_dims(extra, 0), 1)], 0))
        positive = broadcast_to(positive, shape(gathered))
    return where(positive, gathered, zeros_like(gathered)), clipped, positive


def _segment_sum_grad(op, g):
    return [gather(g, op.inputs[1]), None]


def _segment_mean_grad(op, g):
    data, ids = op.inputs
    ones_shape = concat([shape(ids), fill(expand_dims(rank(data) - 1, 0), 1)], 0)
    counts = segment_sum(fill(ones_shape, constant(1, dtype=g.dtype)), ids)
    return [gather(g / counts, ids), None]


def _segment_min_max_grad(op, g):
    data, ids = op.inputs
    selected = equal(data, gather(op.outputs[0], ids))
    num = segment_sum(cast(selected, g.dtype), ids)
    grads = gather(g / num, ids)
    return [where(selected, grads, zeros_like(grads)), None]


def _segment_prod_grad(op, g):
    data, ids = op.inputs
    is_zero = equal(data, 0)
    num_zeros = segment_sum(cast(is_zero, dtypes.int32), ids)
    g = where(greater(num_zeros, 1), zeros_like(g), g)
    non_zero = where(is_zero, ones_like(data), data)
    non_zero_prod = segment_prod(non_zero, ids)
    partial = where(is_zero, gather(non_zero_prod, ids), gather(op.outputs[0], ids) / non_zero)
    return [gather(g, ids) * partial, None]


def _unsorted_sum_grad(op, g):
    return [_drop_negatives(g, op.inputs[1])[0], None, None]


def _unsorted_min_max_grad(op, g):
    data, ids, num = op.inputs
    gathered, clipped, positive = _drop_negatives(op.outputs[0], ids)
    selected = logical_and(equal(data, gathered), positive)
    count = unsorted_segment_sum(cast(selected, g.dtype), ids, num)
    grads = _drop_negatives(g / count, ids, clipped, positive)[0]
    return [where(selected, grads, zeros_like(grads)), None, None]


def _unsorted_prod_grad(op, g):
    data, ids, num = op.inputs
    is_zero = equal(data, 0)
    num_zeros = unsorted_segment_sum(cast(is_zero, dtypes.int32), ids, num)
    g = where(greater(num_zeros, 1), zeros_like(g), g)
    non_zero_prod = unsorted_segment_prod(where(is_zero, ones_like(data), data), ids, num)
    clipped = maximum(ids, zeros_like(ids))
    partial = where(is_zero, gather(non_zero_prod, clipped),
                    gather(op.outputs[0], clipped) / data)
    return [_drop_negatives(g, ids, clipped)[0] * partial, None, None]


register_op("SegmentSum", shape=_segment_shape("number"), grad=_segment_sum_grad)
register_op("SegmentMean", shape=_segment_shape("number"), grad=_segment_mean_grad)
register_op("SegmentMax", shape=_segment_shape("number"), grad=_segment_min_max_grad)
register_op("SegmentMin", shape=_segment_shape("number"), grad=_segment_min_max_grad)
register_op("SegmentProd", shape=_segment_shape("number"), grad=_segment_prod_grad)
register_op("UnsortedSegmentSum", shape=_unsorted_shape("number"), grad=_unsorted_sum_grad)
register_op("UnsortedSegmentMax", shape=_unsorted_shape("number"), grad=_unsorted_min_max_grad)
register_op("UnsortedSegmentMin", shape=_unsorted_shape("number"), grad=_unsorted_min_max_grad)
register_op("UnsortedSegmentProd", shape=_unsorted_shape("number"), grad=_unsorted_prod_grad)


def _segment(op_type, default, data, segment_ids, name):
    with op_scope(name, default, (data, segment_ids)) as scope:
        data = convert_to_tensor(data, name="data")
        ids = convert_to_tensor(segment_ids, name="segment_ids")
        return make_tensor(op_type, (data, ids), None, scope)


def segment_sum(data, segment_ids, name=None) -> Tensor:
    """Sums of the rows of ``data`` that share a segment id; ``segment_ids`` (one per row,
    sorted, >= 0) number the output rows, and rows of ids that do not occur are 0.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.segment_sum([[1, 2], [3, 4], [5, 6]], [0, 0, 2])))
        [[4 6]
         [0 0]
         [5 6]]
    """
    return _segment("SegmentSum", "SegmentSum", data, segment_ids, name)


def segment_mean(data, segment_ids, name=None) -> Tensor:
    """Means of the rows of ``data`` per segment (0 for empty segments; integer means
    truncate, as in TF).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.segment_mean([1.0, 2.0, 6.0], [0, 0, 1])))
        [1.5 6. ]
    """
    return _segment("SegmentMean", "SegmentMean", data, segment_ids, name)


def segment_max(data, segment_ids, name=None) -> Tensor:
    """Maxima of the rows of ``data`` per segment (0 for empty segments).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.segment_max([1, 5, 2], [0, 0, 2])))
        [5 0 2]
    """
    return _segment("SegmentMax", "SegmentMax", data, segment_ids, name)


def segment_min(data, segment_ids, name=None) -> Tensor:
    """Minima of the rows of ``data`` per segment (0 for empty segments).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.segment_min([1, 5, 2], [0, 0, 1])))
        [1 2]
    """
    return _segment("SegmentMin", "SegmentMin", data, segment_ids, name)


def segment_prod(data, segment_ids, name=None) -> Tensor:
    """Products of the rows of ``data`` per segment (1 for empty segments).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.segment_prod([2, 5, 3], [0, 0, 2])))
        [10  1  3]
    """
    return _segment("SegmentProd", "SegmentProd", data, segment_ids, name)


def _unsorted(op_type, data, segment_ids, num_segments, name):
    with op_scope(name, op_type, (data, segment_ids, num_segments)) as scope:
        data = convert_to_tensor(data, name="data")
        ids = convert_to_tensor(segment_ids, name="segment_ids")
        num = convert_to_tensor(num_segments, name="num_segments")
        return make_tensor(op_type, (data, ids, num), None, scope)


def unsorted_segment_sum(data, segment_ids, num_segments, name=None) -> Tensor:
    """Sums of the slices of ``data`` per segment id, ids in any order: ``segment_ids``'
    shape is a prefix of ``data``'s, the result has ``num_segments`` rows, and slices with
    a negative id are dropped.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.unsorted_segment_sum([1, 2, 3, 4], [2, 0, 2, -1], 3)))
        [2 0 4]
    """
    return _unsorted("UnsortedSegmentSum", data, segment_ids, num_segments, name)


def unsorted_segment_max(data, segment_ids, num_segments, name=None) -> Tensor:
    """Maxima per segment id (ids in any order); an empty segment holds the dtype's lowest
    value, as in TF.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.unsorted_segment_max([1, 7, 3], [1, 0, 1], 2)))
        [7 3]
    """
    return _unsorted("UnsortedSegmentMax", data, segment_ids, num_segments, name)


def unsorted_segment_min(data, segment_ids, num_segments, name=None) -> Tensor:
    """Minima per segment id (ids in any order); an empty segment holds the dtype's largest
    value.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.unsorted_segment_min([1, 7, 3], [1, 0, 1], 2)))
        [7 1]
    """
    return _unsorted("UnsortedSegmentMin", data, segment_ids, num_segments, name)


def unsorted_segment_prod(data, segment_ids, num_segments, name=None) -> Tensor:
    """Products per segment id (ids in any order); 1 for an empty segment.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.unsorted_segment_prod([2, 7, 3], [1, 0, 1], 3)))
        [7 6 1]
    """
    return _unsorted("UnsortedSegmentProd", data, segment_ids, num_segments, name)


def _segment_counts(data, ids, num):
    """TF's ``_unsorted_segment_N``: the number of slices per segment, at least 1, shaped
    to broadcast against the segment sums."""
    n = unsorted_segment_sum(ones_like(ids, dtype=data.dtype), ids, num)
    extra = rank(data) - rank(ids)
    n = reshape(n, concat([shape(n), fill(expand_dims(extra, 0), 1)], 0))
    return maximum(n, 1)


def unsorted_segment_mean(data, segment_ids, num_segments, name=None) -> Tensor:
    """Means per segment id (ids in any order), 0 for an empty segment: the segment sums
    divided by the counts (``truediv``: integer data gives floats, as in TF).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.unsorted_segment_mean([1.0, 7.0, 3.0], [1, 0, 1], 3)))
        [7. 2. 0.]
    """
    with op_scope(name, "UnsortedSegmentMean", (data, segment_ids, num_segments)):
        data = convert_to_tensor(data, name="data")
        ids = convert_to_tensor(segment_ids, name="segment_ids")
        n = _segment_counts(data, ids, num_segments)
        return truediv(unsorted_segment_sum(data, ids, num_segments), n)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None) -> Tensor:
    """Segment sums divided by the square root of the counts (floats).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.unsorted_segment_sqrt_n([2.0, 2.0], [0, 0], 1)))
        [2.828427]
    """
    with op_scope(name, "UnsortedSegmentSqrtN", (data, segment_ids, num_segments)):
        data = convert_to_tensor(data, name="data")
        ids = convert_to_tensor(segment_ids, name="segment_ids")
        check_kind(data, "float", "data")
        n = _segment_counts(data, ids, num_segments)
        return unsorted_segment_sum(data, ids, num_segments) / sqrt(n)


# --------------------------------------------------------------------------------------------
# top_k, sort, argsort
# --------------------------------------------------------------------------------------------
def _top_k_shape(inputs, attrs):
    x, k = inputs
    check_kind(x, "number", "input")
    if k.dtype is not dtypes.int32:
        raise TypeError(f"top_k's k must be int32, got {k.dtype.name}")
    _check_rank(k, 0, "k")
    kv = _scalar_int(k)
    if kv is not None and kv < 0:
        raise ValueError(f"Need k >= 0, got {kv}")
    if x.shape.ndims is None:
        return [(x.dtype, TensorShape(None)), (attrs["index_type"], TensorShape(None))]
    if x.shape.ndims == 0:
        raise ValueError("input must be at least rank 1 but is rank 0")
    last = x.shape[-1].value
    if kv is not None and last is not None and last < kv:
        raise ValueError(f"input must have last dimension >= k = {kv} but is {last}")
    out = x.shape[:-1].concatenate([kv])
    return [(x.dtype, out), (attrs["index_type"], out)]


def _top_k_grad(op, g, _unused_indices_grad=None):
    """The values' gradient goes back to the positions they came from (TF's ``_TopKGrad``,
    with an unsorted segment sum in place of ``scatter_nd``)."""
    x, indices = op.inputs[0], cast(op.outputs[1], dtypes.int64)
    in_shape = shape(x, out_type=dtypes.int64)
    n = in_shape[-1]
    k = shape(indices, out_type=dtypes.int64)[-1]
    ind_2d = reshape(indices, stack([constant(-1, dtypes.int64), k]))
    rows = shape(ind_2d, out_type=dtypes.int64)[0]
    offsets = expand_dims(_range(constant(0, dtypes.int64), rows * n, n), -1)
    flat = reshape(ind_2d + offsets, [-1])
    grad = unsorted_segment_sum(reshape(g, [-1]), flat, reduce_prod(in_shape))
    return [reshape(grad, in_shape), None]


register_op("TopKV2", shape=_top_k_shape, grad=_top_k_grad)


def top_k(input, k=1, sorted=True, name=None, index_type=dtypes.int32):
    """The ``k`` largest entries of each row (the last dimension) of ``input`` and their
    indices, largest first; ties go to the lower index, as in TF. (``sorted=False`` is
    accepted and returns them sorted too, which TF allows.)

    Example:
        >>> import flowkit as tf
        >>> values, indices = tf.nn.top_k([[1.0, 3.0, 3.0, 2.0]], k=2)
        >>> with tf.Session() as sess:
        ...     print(sess.run([values, indices]))
        [array([[3., 3.]], dtype=float32), array([[1, 2]], dtype=int32)]
    """
    with op_scope(name, "TopKV2", (input, k)) as scope:
        x = convert_to_tensor(input, name="input")
        k = convert_to_tensor(k, dtype=dtypes.int32, name="k")
        attrs = {"sorted": bool(sorted), "index_type": dtypes.as_dtype(index_type)}
        if attrs["index_type"] not in (dtypes.int16, dtypes.int32, dtypes.int64):
            raise TypeError(f"index_type must be int16, int32 or int64, got "
                            f"{attrs['index_type'].name}")
        op = make_op("TopKV2", (x, k), attrs, scope)
        return op.outputs[0], op.outputs[1]


def _descending(x, axis, want_indices):
    """TF's ``_descending_sort``: ``top_k`` of the whole ``axis``, moved last and back."""
    nd = x.shape.ndims
    if nd is None:
        if axis not in (-1,):
            raise ValueError("sort along an axis other than -1 needs the input's rank")
        last = True
    else:
        if not -nd <= axis < nd:
            raise ValueError(f"axis {axis} is out of range for a tensor of rank {nd}")
        axis %= nd
        last = axis == nd - 1
    perm = None
    if not last:
        perm = list(range(nd))
        perm[axis], perm[-1] = perm[-1], perm[axis]
        x = transpose(x, perm)
    n = x.shape[-1].value if x.shape.ndims is not None else None
    k = n if n is not None else shape(x)[-1]
    values, indices = top_k(x, k)
    out = indices if want_indices else values
    return transpose(out, perm) if perm is not None else out


def _sort(values, axis, direction, want_indices, name, default):
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f'direction must be "ASCENDING" or "DESCENDING", got {direction!r}')
    with op_scope(name, default, (values,)):
        x = convert_to_tensor(values, name="values")
        axis = int(axis)
        if direction == "DESCENDING":
            return _descending(x, axis, want_indices)
        dt = x.dtype
        if dt.is_integer and dt.is_unsigned:
            top = constant(np.iinfo(dt.as_numpy_dtype).max, dtype=dt)
            out = _descending(top - x, axis, want_indices)
            return out if want_indices else top - out
        if dt.is_integer:
            out = _descending(negative(x) - 1, axis, want_indices)
            return out if want_indices else negative(out) - 1
        out = _descending(negative(x), axis, want_indices)
        return out if want_indices else negative(out)


def sort(values, axis=-1, direction="ASCENDING", name=None) -> Tensor:
    """``values`` sorted along ``axis`` (a stable sort), ``"ASCENDING"`` or
    ``"DESCENDING"``; differentiable through ``top_k``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.sort([3, 1, 2])),
        ...           sess.run(tf.sort([3, 1, 2], direction="DESCENDING")))
        [1 2 3] [3 2 1]
    """
    return _sort(values, axis, direction, False, name, "sort")


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None) -> Tensor:
    """The int32 indices that sort ``values`` along ``axis``. The sort is always stable
    (equal values keep their order), which ``stable=False`` allows.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.argsort([3, 1, 2, 1])))
        [1 3 2 0]
    """
    del stable   # always stable, as TF's implementation
    return _sort(values, axis, direction, True, name, "argsort")


# --------------------------------------------------------------------------------------------
# unique, bincount, confusion_matrix
# --------------------------------------------------------------------------------------------
def _unique_shape(inputs, attrs):
    x = inputs[0]
    _check_rank(x, 1, "x")
    out_idx = attrs["out_idx"]
    if out_idx not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"out_idx must be int32 or int64, got {out_idx.name}")
    outs = [(x.dtype, TensorShape([None])), (out_idx, x.shape)]
    if attrs.get("counts"):
        outs.append((out_idx, TensorShape([None])))
    return outs


register_op("Unique", shape=_unique_shape, grad=None)
register_op("UniqueWithCounts", shape=_unique_shape, grad=None)


def _unique(op_type, x, out_idx, name, counts):
    with op_scope(name, op_type, (x,)) as scope:
        x = convert_to_tensor(x, name="x")
        attrs = {"out_idx": dtypes.as_dtype(out_idx), "counts": counts}
        return tuple(make_op(op_type, (x,), attrs, scope).outputs)


def unique(x, out_idx=dtypes.int32, name=None):
    """The distinct values of the 1-D ``x`` in order of first appearance, and for each
    element of ``x`` the index of its value among them: ``(y, idx)``.

    Example:
        >>> import flowkit as tf
        >>> y, idx = tf.unique([1, 4, 1, 3])
        >>> with tf.Session() as sess:
        ...     print(*sess.run([y, idx]))
        [1 4 3] [0 1 0 2]
    """
    return _unique("Unique", x, out_idx, name, False)


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """:func:`unique` and how many times each distinct value occurs: ``(y, idx, count)``.

    Example:
        >>> import flowkit as tf
        >>> y, idx, count = tf.unique_with_counts([1, 4, 1, 3])
        >>> with tf.Session() as sess:
        ...     print(sess.run(count))
        [2 1 1]
    """
    return _unique("UniqueWithCounts", x, out_idx, name, True)


def _bincount_shape(inputs, attrs):
    arr, size_, weights = inputs
    if arr.dtype is not dtypes.int32:
        raise TypeError(f"bincount's arr must be int32, got {arr.dtype.name}")
    _check_rank(size_, 0, "size")
    check_kind(weights, "number", "weights")
    return [(weights.dtype, TensorShape([_scalar_int(size_)]))]


register_op("Bincount", shape=_bincount_shape, grad=None)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32) -> Tensor:
    """How many times each value ``0, 1, ...`` occurs in the int32 tensor ``arr`` (the sum
    of ``weights`` at those positions when given). The length is ``max(arr) + 1``, at
    least ``minlength`` and at most ``maxlength`` (larger values are not counted); negative
    values are an error.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.bincount([1, 4, 1, 3])))
        [0 2 0 1 1]
    """
    with op_scope(None, "bincount", (arr, weights, minlength, maxlength)):
        arr = convert_to_tensor(arr, dtype=dtypes.int32, name="arr")
        nonempty = cast(greater(reduce_prod(shape(arr)), 0), dtypes.int32)
        output_size = nonempty * (reduce_max(arr) + 1)
        if minlength is not None:
            output_size = maximum(convert_to_tensor(minlength, dtypes.int32, "minlength"),
                                  output_size)
        if maxlength is not None:
            output_size = minimum(convert_to_tensor(maxlength, dtypes.int32, "maxlength"),
                                  output_size)
        if weights is not None:
            weights = convert_to_tensor(weights, name="weights")
        else:
            weights = constant(np.zeros([0], dtypes.as_dtype(dtype).as_numpy_dtype))
        return make_tensor("Bincount", (arr, output_size, weights), None, "Bincount")


def _drop_last_dim_1(a, b):
    """TF's ``remove_squeezable_dimensions`` (static ranks): squeezes a trailing dimension
    of size 1 from the tensor whose rank is one more than the other's."""
    ra, rb = a.shape.ndims, b.shape.ndims
    if ra is not None and rb is not None:
        if ra == rb + 1 and a.shape[-1].value in (1, None):
            a = squeeze(a, [-1])
        elif rb == ra + 1 and b.shape[-1].value in (1, None):
            b = squeeze(b, [-1])
    return a, b


def confusion_matrix(labels, predictions, num_classes=None, dtype=dtypes.int32, name=None,
                     weights=None) -> Tensor:
    """The ``[num_classes, num_classes]`` matrix counting each pair (row: label, column:
    prediction), or summing ``weights``; ``num_classes`` defaults to the largest value plus
    one. A label or prediction outside ``[0, num_classes)`` is an error when it runs.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.confusion_matrix([1, 2, 0], [1, 1, 0])))
        [[1 0 0]
         [0 1 0]
         [0 1 0]]
    """
    with op_scope(name, "confusion_matrix", (predictions, labels, num_classes, weights)):
        labels, predictions = _drop_last_dim_1(convert_to_tensor(labels, name="labels"),
                                               convert_to_tensor(predictions,
                                                                 name="predictions"))
        predictions = cast(predictions, dtypes.int64)
        labels = cast(labels, dtypes.int64)
        if num_classes is None:
            num_classes = maximum(reduce_max(predictions), reduce_max(labels)) + 1
        else:
            num_classes = cast(convert_to_tensor(num_classes, name="num_classes"),
                               dtypes.int64)
        dtype = dtypes.as_dtype(dtype)
        if weights is not None:
            weights = cast(convert_to_tensor(weights, name="weights"), dtype)
        else:
            weights = ones_like(predictions, dtype=dtype)
        indices = stack([labels, predictions], axis=1)
        return scatter_nd(indices, weights, stack([num_classes, num_classes]))

