"""More of TF1's array ops, built on the four array families below: repeat, unravel_index,
searchsorted, setdiff1d, dynamic_partition and dynamic_stitch (each the other's gradient),
batch_gather, extract_image_patches, histogram_fixed_width(_bins), saturate_cast,
get_static_value and timestamp.

Example:
    >>> import flowkit as tf
    >>> from flowkit.ops import array_more_ops as am
    >>> with tf.Session() as sess:
    ...     print(sess.run(am.repeat([1, 2, 3], [2, 0, 1])))
    [1 1 3]
"""
from __future__ import annotations

__all__ = ["repeat", "unravel_index", "searchsorted", "setdiff1d", "dynamic_partition",
           "dynamic_stitch", "batch_gather", "extract_image_patches", "histogram_fixed_width",
           "histogram_fixed_width_bins", "saturate_cast", "get_static_value", "timestamp"]

import builtins

import numpy as np

from flowkit.backend import conv_output_size
from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import core
from flowkit.ops.core import (_check_index_dtype, _check_rank, constant, constant_value,
                              _constant_shape, convert_to_tensor, _int_tensor, _INDEX_DTYPES,
                              make_op, make_tensor, _norm_axis, op_scope, _scalar_int)
from flowkit.ops.constant_ops import fill, range
from flowkit.ops.indexing_ops import gather
from flowkit.ops.join_ops import concat
from flowkit.ops.math_ops import (clip_by_value, cumsum, floor, multiply, reduce_prod,
                                  reduce_sum, truediv)
from flowkit.ops.shape_ops import _static_or_dynamic_shape, cast, reshape, shape


# --------------------------------------------------------------------------------------------
# searchsorted, repeat
# --------------------------------------------------------------------------------------------
def _bound_shape(inputs, attrs):
    seq, values = inputs
    if seq.dtype is not values.dtype:
        raise TypeError(f"searchsorted's sorted_sequence ({seq.dtype.name}) and values "
                        f"({values.dtype.name}) must have one dtype")
    if attrs["out_type"] not in _INDEX_DTYPES:
        raise TypeError(f"searchsorted's out_type must be int32 or int64, got "
                        f"{attrs['out_type'].name}")
    a, b = seq.shape, values.shape
    if a.ndims == 0 or b.ndims == 0:
        raise ValueError("searchsorted's sorted_sequence and values must be at least vectors")
    if a.ndims is not None and b.ndims is not None:
        if a.ndims != b.ndims or not a[:-1].is_compatible_with(b[:-1]):
            raise ValueError(f"searchsorted: sorted_sequence {a} and values {b} must have the "
                             "same leading dimensions")
    return [(attrs["out_type"], b)]


register_op("LowerBound", shape=_bound_shape, grad=None,
            doc="For each value, the first index of the innermost row of sorted_inputs whose "
                "element is >= the value.")
register_op("UpperBound", shape=_bound_shape, grad=None,
            doc="For each value, the first index of the innermost row of sorted_inputs whose "
                "element is > the value.")


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """Where ``values`` would go in the innermost dimension of ``sorted_sequence`` to keep
    it sorted: the first index whose element is ``>=`` (``side="left"``) or ``>``
    (``side="right"``) the value. Leading dimensions pair rows of the two.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.searchsorted([1, 3, 3, 7], [0, 3, 8], side="right")))
        [0 3 4]
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    op_type = "LowerBound" if side == "left" else "UpperBound"
    with op_scope(name, "SearchSorted", [sorted_sequence, values]) as scope:
        seq = convert_to_tensor(sorted_sequence, name="sorted_sequence")
        values = convert_to_tensor(values, dtype=seq.dtype, name="values")
        return make_tensor(op_type, (seq, values), {"out_type": dtypes.as_dtype(out_type)},
                           scope)


def repeat(input, repeats, axis=None, name=None) -> Tensor:
    """Repeats each slice of ``input`` along ``axis`` ``repeats[i]`` times (``repeats`` a
    scalar or one count per slice); ``axis=None`` repeats the flattened elements.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.repeat([[1, 2], [3, 4]], [1, 2], axis=0)))
        [[1 2]
         [3 4]
         [3 4]]
    """
    with op_scope(name, "Repeat", [input, repeats]):
        input = convert_to_tensor(input, name="input")
        if axis is None:
            input, axis = reshape(input, [-1]), 0
        n = input.shape.ndims
        if n is None:
            raise ValueError("repeat needs the rank of its input")
        axis = _norm_axis(int(axis), n, "repeat's axis")
        repeats = _int_tensor(repeats, "repeats", "repeat's repeats")
        if repeats.shape.ndims is not None and repeats.shape.ndims > 1:
            raise ValueError(f"repeat's repeats must be a scalar or a vector, got shape "
                             f"{repeats.shape}")
        dim, reps = input.shape[axis].value, constant_value(repeats)
        if reps is not None and dim is not None:
            reps = np.broadcast_to(np.reshape(reps, [-1]), [dim]) if np.size(reps) in (1, dim) \
                else reps
            if np.size(reps) != dim:
                raise ValueError(f"repeat: {np.size(reps)} repeats for a dimension of {dim}")
            if (reps < 0).any():
                raise ValueError(f"repeat's repeats must be non-negative, got {reps.tolist()}")
            index = np.repeat(np.arange(dim, dtype=np.int32), reps)
            return gather(input, constant(index, name="index"), axis=axis)
        count = _static_or_dynamic_shape(input)[axis] if dim is not None else \
            shape(input)[axis]
        repeats = cast(repeats, dtypes.int32)
        if repeats.shape.ndims == 0 or repeats.shape.ndims == 1 and \
                repeats.shape[0].value == 1:
            repeats = fill(reshape(count, [1]), reshape(repeats, []))
        ends = cumsum(repeats)
        total = reduce_sum(repeats)
        index = searchsorted(ends, range(total), side="right")
        return gather(input, index, axis=axis)


# --------------------------------------------------------------------------------------------
# unravel_index, setdiff1d
# --------------------------------------------------------------------------------------------
def _unravel_shape(inputs, attrs):
    indices, dims = inputs
    _check_index_dtype(indices, "unravel_index's indices")
    if dims.dtype is not indices.dtype:
        raise TypeError(f"unravel_index's dims ({dims.dtype.name}) and indices "
                        f"({indices.dtype.name}) must have one dtype")
    _check_rank(dims, 1, "dims")
    n = indices.shape.ndims
    if n is not None and n > 1:
        raise ValueError(f"unravel_index's indices must be a scalar or a vector, got shape "
                         f"{indices.shape}")
    d = dims.shape[0].value
    out = TensorShape([d]) if n == 0 else TensorShape([d, None]) if n is None \
        else TensorShape([d, indices.shape[0].value])
    return [(indices.dtype, out)]


register_op("UnravelIndex", shape=_unravel_shape, grad=None,
            doc="The coordinates in an array of shape `dims` of flat indices (one column "
                "per index).")


def unravel_index(indices, dims, name=None) -> Tensor:
    """The coordinates that flat ``indices`` have in an array of shape ``dims``: for a
    vector of indices, one column each.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.unravel_index([22, 41, 37], [7, 6])))
        [[3 6 6]
         [4 5 1]]
    """
    with op_scope(name, "UnravelIndex", [indices, dims]) as scope:
        indices, dims = (constant(v, name=n) if isinstance(v, (np.ndarray, np.generic)) and
                         v.dtype in (np.int32, np.int64) else v
                         for v, n in ((indices, "indices"), (dims, "dims")))
        indices = _int_tensor(indices, "indices", "unravel_index's indices")
        dims = _int_tensor(dims, "dims", "unravel_index's dims")
        if dims.dtype is not indices.dtype:
            dims = cast(dims, indices.dtype)
        return make_tensor("UnravelIndex", (indices, dims), None, scope)


def _list_diff_shape(inputs, attrs):
    x, y = inputs
    if x.dtype is not y.dtype:
        raise TypeError(f"setdiff1d's x ({x.dtype.name}) and y ({y.dtype.name}) must have one "
                        "dtype")
    _check_rank(x, 1, "x")
    _check_rank(y, 1, "y")
    if attrs["out_idx"] not in _INDEX_DTYPES:
        raise TypeError(f"setdiff1d's index_dtype must be int32 or int64, got "
                        f"{attrs['out_idx'].name}")
    return [(x.dtype, TensorShape([None])), (attrs["out_idx"], TensorShape([None]))]


register_op("ListDiff", shape=_list_diff_shape, grad=None,
            doc="The elements of x not in y, in x's order, and their positions in x.")


def setdiff1d(x, y, index_dtype=dtypes.int32, name=None) -> tuple:
    """The elements of the vector ``x`` that are not in ``y`` (kept in order, repeats too),
    and their positions in ``x``: ``(out, idx)``.

    Example:
        >>> import flowkit as tf
        >>> out, idx = tf.setdiff1d([1, 2, 3, 4, 3], [3, 5])
        >>> with tf.Session() as sess:
        ...     print(sess.run(out), sess.run(idx))
        [1 2 4] [0 1 3]
    """
    with op_scope(name, "ListDiff", [x, y]) as scope:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, dtype=x.dtype, name="y")
        op = make_op("ListDiff", (x, y), {"out_idx": dtypes.as_dtype(index_dtype)}, scope)
        return op.outputs[0], op.outputs[1]


# --------------------------------------------------------------------------------------------
# dynamic_partition, dynamic_stitch: each one's gradient is the other
# --------------------------------------------------------------------------------------------
def _partition_shape(inputs, attrs):
    data, partitions = inputs
    if partitions.dtype is not dtypes.int32:
        raise TypeError(f"dynamic_partition's partitions must be int32, got "
                        f"{partitions.dtype.name}")
    n = attrs["num_partitions"]
    p, d = partitions.shape, data.shape
    if p.ndims is None or d.ndims is None:
        return [(data.dtype, TensorShape(None))] * n
    if d.ndims < p.ndims or not d[:p.ndims].is_compatible_with(p):
        raise ValueError(f"dynamic_partition: data.shape must start with partitions.shape, "
                         f"got data {d} and partitions {p}")
    return [(data.dtype, TensorShape([None]).concatenate(d[p.ndims:]))] * n


def _partition_grad(op, *grads):
    data, partitions = op.inputs
    n = op.attrs["num_partitions"]
    where = reshape(range(reduce_prod(shape(partitions))), shape(partitions))
    parts = make_op("DynamicPartition", (where, partitions), {"num_partitions": n}).outputs
    grads = [g if g is not None else make_tensor("ZerosLike", (o,))
             for g, o in zip(grads, op.outputs)]
    stitched = dynamic_stitch(list(parts), grads)
    return [reshape(stitched, _static_or_dynamic_shape(data)), None]


register_op("DynamicPartition", shape=_partition_shape, grad=_partition_grad,
            list_output=True,
            doc="Output i holds the slices of data whose partitions entry is i, in order.")


def _stitch_shape(inputs, attrs):
    n = len(inputs) // 2
    indices, data = inputs[:n], inputs[n:]
    rest, known_max = None, -1
    for i, (idx, d) in enumerate(zip(indices, data)):
        if idx.dtype is not dtypes.int32:
            raise TypeError(f"dynamic_stitch's indices must be int32, got {idx.dtype.name}")
        if d.dtype is not data[0].dtype:
            raise TypeError(f"dynamic_stitch's data must have one dtype: data[{i}] has "
                            f"{d.dtype.name}, data[0] {data[0].dtype.name}")
        if idx.shape.ndims is None or d.shape.ndims is None:
            continue
        if not d.shape[:idx.shape.ndims].is_compatible_with(idx.shape):
            raise ValueError(f"dynamic_stitch: data[{i}].shape {d.shape} must start with "
                             f"indices[{i}].shape {idx.shape}")
        tail = d.shape[idx.shape.ndims:]
        if rest is not None and not rest.is_compatible_with(tail):
            raise ValueError(f"dynamic_stitch: data[{i}] has slices of shape {tail}, others "
                             f"{rest}")
        rest = tail if rest is None else rest.merge_with(tail)
        v = constant_value(idx)
        known_max = None if v is None or known_max is None else \
            builtins.max([known_max] + np.reshape(v, [-1]).tolist())
    first = None if known_max is None else known_max + 1
    return [(data[0].dtype, TensorShape(None) if rest is None else
             TensorShape([first]).concatenate(rest))]


register_op("DynamicStitch", shape=_stitch_shape,
            grad=lambda op, g: [None] * (len(op.inputs) // 2) +
            [gather(g, i) for i in op.inputs[:len(op.inputs) // 2]],
            doc="Inputs are N index tensors then N data tensors: merged[indices[i]] = "
                "data[i] (later pieces win).")


def dynamic_partition(data, partitions, num_partitions, name=None) -> list:
    """Splits ``data`` into ``num_partitions`` tensors: output ``i`` holds the slices of
    ``data`` whose ``partitions`` entry (int32, a prefix of ``data``'s shape) is ``i``.

    Example:
        >>> import flowkit as tf
        >>> parts = tf.dynamic_partition([10, 20, 30, 40], [1, 0, 1, 1], 2)
        >>> with tf.Session() as sess:
        ...     print([p.tolist() for p in sess.run(parts)])
        [[20], [10, 30, 40]]
    """
    if not isinstance(num_partitions, (int, np.integer)) or num_partitions < 1:
        raise ValueError(f"num_partitions must be a Python int >= 1, got {num_partitions!r}")
    with op_scope(name, "DynamicPartition", [data, partitions]) as scope:
        data = convert_to_tensor(data, name="data")
        partitions = convert_to_tensor(partitions, name="partitions")
        op = make_op("DynamicPartition", (data, partitions),
                     {"num_partitions": int(num_partitions)}, scope)
        return list(op.outputs)


def dynamic_stitch(indices, data, name=None) -> Tensor:
    """Interleaves the ``data`` tensors into one: ``merged[indices[i][j]] = data[i][j]``
    (where an index repeats, the later piece wins). The inverse of
    :func:`dynamic_partition`.

    Example:
        >>> import flowkit as tf
        >>> merged = tf.dynamic_stitch([[0, 2], [1, 3]], [[1.0, 3.0], [2.0, 4.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(merged))
        [1. 2. 3. 4.]
    """
    indices, data = list(indices), list(data)
    if len(indices) != len(data) or not indices:
        raise ValueError(f"dynamic_stitch needs as many indices as data tensors (at least "
                         f"one), got {len(indices)} and {len(data)}")
    with op_scope(name, "DynamicStitch", indices + data) as scope:
        indices = [convert_to_tensor(t, name=f"indices_{i}") for i, t in enumerate(indices)]
        data = [convert_to_tensor(t, name=f"data_{i}") for i, t in enumerate(data)]
        return make_tensor("DynamicStitch", indices + data, {"N": len(indices)}, scope)


def batch_gather(params, indices, name=None) -> Tensor:
    """``gather`` with the leading ``rank(indices) - 1`` dimensions as batch dimensions:
    ``out[b..., k, ...] = params[b..., indices[b..., k], ...]``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.batch_gather([[1, 2, 3], [4, 5, 6]], [[2, 0], [1, 1]])))
        [[3 1]
         [5 5]]
    """
    with op_scope(name, "BatchGather", [params, indices]):
        params = convert_to_tensor(params, name="params")
        indices = _int_tensor(indices, "indices", "batch_gather's indices")
        nb = indices.shape.ndims
        if nb is None:
            raise ValueError("batch_gather needs the rank of indices")
        nb -= 1
        if nb <= 0:
            return gather(params, indices)
        p = params.shape
        if p.ndims is not None and (p.ndims <= nb or
                                    not p[:nb].is_compatible_with(indices.shape[:nb])):
            raise ValueError(f"batch_gather: params {p} and indices {indices.shape} must "
                             f"share the {nb} batch dimension(s), and params needs one more")
        ps = shape(params, out_type=indices.dtype)
        batch, dim = reduce_prod(ps[:nb]), ps[nb]
        offsets = reshape(multiply(range(batch), dim),
                          concat([shape(indices, out_type=indices.dtype)[:nb], [1]], 0))
        flat = reshape(params, concat([[-1], ps[nb + 1:]], 0))
        out = gather(flat, indices + offsets)
        if p.ndims is not None:
            out.set_shape(indices.shape.concatenate(p[nb + 1:]))
        return out


# --------------------------------------------------------------------------------------------
# extract_image_patches and its adjoint
# --------------------------------------------------------------------------------------------
def _patch_geometry(in_shape, attrs):
    """``(out_shape, (top, left))`` of ExtractImagePatches on ``in_shape`` (a TensorShape)."""
    _, kh, kw, _ = attrs["ksizes"]
    _, sh, sw, _ = attrs["strides"]
    _, rh, rw, _ = attrs["rates"]
    b, h, w, c = in_shape.as_tuple() if in_shape.ndims == 4 else (None,) * 4
    oh, top, _ = conv_output_size(h, kh, sh, rh, attrs["padding"])
    ow, left, _ = conv_output_size(w, kw, sw, rw, attrs["padding"])
    return TensorShape([b, oh, ow, None if c is None else kh * kw * c]), (top, left)


def _patches_shape(inputs, attrs):
    x = inputs[0]
    _check_rank(x, 4, "images")
    return [(x.dtype, _patch_geometry(x.shape, attrs)[0])]


def _patches_grad_shape(inputs, attrs):
    g, in_shape = inputs
    _check_index_dtype(in_shape, "ExtractImagePatchesGrad's input_shape")
    return [(g.dtype, _constant_shape(in_shape))]


register_op("ExtractImagePatches", shape=_patches_shape,
            grad=lambda op, g: [make_tensor(
                "ExtractImagePatchesGrad", (g, shape(op.inputs[0])), dict(op.attrs))],
            doc="Windows of `ksizes` (dilated by `rates`, every `strides`) of NHWC images, "
                "each flattened (rows, columns, channels) into the depth of one output pixel.")
register_op("ExtractImagePatchesGrad", shape=_patches_grad_shape,
            grad=lambda op, gg: [make_tensor("ExtractImagePatches", (gg,), dict(op.attrs)),
                                 None],
            doc="The adjoint of ExtractImagePatches: each patch added back where it came "
                "from, into zeros of `input_shape` (input 1).")


def _four(value, what):
    v = [int(a) for a in np.reshape(value, [-1])] if value is not None else None
    if v is None or len(v) != 4 or v[0] != 1 or v[3] != 1 or min(v) < 1:
        raise ValueError(f"extract_image_patches' {what} must be [1, x, y, 1] with positive "
                         f"x and y, got {value!r}")
    return v


def extract_image_patches(images, ksizes=None, strides=None, rates=None, padding=None,
                          name=None, sizes=None) -> Tensor:
    """The ``ksizes`` windows of NHWC ``images`` (taken every ``strides``, their taps
    ``rates`` apart; ``padding`` ``"SAME"`` or ``"VALID"`` as in a convolution), each
    flattened into the depth of one output pixel: shape
    ``[batch, out_rows, out_cols, ksize_rows * ksize_cols * depth]``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(16), [1, 4, 4, 1])
        >>> p = tf.extract_image_patches(x, [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(p)[0, 0, 0])
        [0 1 4 5]
    """
    if sizes is not None:
        if ksizes is not None:
            raise ValueError("give ksizes or sizes, not both")
        ksizes = sizes
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    attrs = {"ksizes": _four(ksizes, "ksizes"), "strides": _four(strides, "strides"),
             "rates": _four(rates, "rates"), "padding": padding}
    with op_scope(name, "ExtractImagePatches", [images]) as scope:
        images = convert_to_tensor(images, name="images")
        return make_tensor("ExtractImagePatches", (images,), attrs, scope)


def extract_patches(images, sizes, strides, rates, padding, name=None) -> Tensor:
    """:func:`extract_image_patches` under TF2's name and argument names
    (``tf.image.extract_patches``).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.array_more_ops import extract_patches
        >>> extract_patches(tf.ones([1, 4, 4, 3]), [1, 2, 2, 1], [1, 2, 2, 1], [1, 1, 1, 1],
        ...                 "VALID").shape.as_list()
        [1, 2, 2, 12]
    """
    return extract_image_patches(images, sizes, strides, rates, padding, name=name)


# --------------------------------------------------------------------------------------------
# histograms, saturate_cast
# --------------------------------------------------------------------------------------------
def _histogram_shape(inputs, attrs):
    values, value_range, nbins = inputs
    if value_range.dtype is not values.dtype:
        raise TypeError(f"value_range ({value_range.dtype.name}) must have the values' dtype "
                        f"({values.dtype.name})")
    if not value_range.shape.is_compatible_with([2]):
        raise ValueError(f"value_range must have shape [2], got {value_range.shape}")
    if nbins.dtype is not dtypes.int32:
        raise TypeError(f"nbins must be int32, got {nbins.dtype.name}")
    _check_rank(nbins, 0, "nbins")
    n = _scalar_int(nbins)
    if n is not None and n <= 0:
        raise ValueError(f"nbins should be a positive number, but got '{n}'")
    if attrs["dtype"] not in _INDEX_DTYPES:
        raise TypeError(f"histogram_fixed_width's dtype must be int32 or int64, got "
                        f"{attrs['dtype'].name}")
    return [(attrs["dtype"], TensorShape([n]))]


register_op("HistogramFixedWidth", shape=_histogram_shape, grad=None,
            doc="Counts of values in nbins equal bins over value_range (values outside go to "
                "the first or last bin).")


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """How many ``values`` fall in each of ``nbins`` equal bins spanning
    ``value_range = [lo, hi]``; values below ``lo`` count in the first bin, values at or
    above ``hi`` in the last.

    Example:
        >>> import flowkit as tf
        >>> h = tf.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], [0.0, 5.0], 5)
        >>> with tf.Session() as sess:
        ...     print(sess.run(h))
        [2 1 1 0 2]
    """
    with op_scope(name, "histogram_fixed_width", [values, value_range, nbins]) as scope:
        values = convert_to_tensor(values, name="values")
        value_range = convert_to_tensor(value_range, dtype=values.dtype, name="value_range")
        nbins = convert_to_tensor(nbins, dtype=dtypes.int32, name="nbins")
        return make_tensor("HistogramFixedWidth", (values, value_range, nbins),
                           {"dtype": dtypes.as_dtype(dtype)}, scope)


def histogram_fixed_width_bins(values, value_range, nbins=100, dtype=dtypes.int32,
                               name=None) -> Tensor:
    """The bin (in ``[0, nbins)``) of each of ``values`` among ``nbins`` equal bins
    spanning ``value_range``; values outside the range go to the first or last bin.

    Example:
        >>> import flowkit as tf
        >>> b = tf.histogram_fixed_width_bins([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0], [0.0, 5.0], 5)
        >>> with tf.Session() as sess:
        ...     print(sess.run(b))
        [0 0 1 2 4 4]
    """
    with op_scope(name, "histogram_fixed_width", [values, value_range, nbins]):
        values = convert_to_tensor(values, name="values")
        value_range = convert_to_tensor(value_range, dtype=values.dtype, name="value_range")
        if not value_range.shape.is_compatible_with([2]):
            raise ValueError(f"value_range must have shape [2], got {value_range.shape}")
        nbins = convert_to_tensor(nbins, dtype=dtypes.int32, name="nbins")
        nbins_f = cast(nbins, values.dtype)
        flat = reshape(values, [-1])
        scaled = truediv(flat - value_range[0], value_range[1] - value_range[0])
        bins = clip_by_value(floor(nbins_f * scaled), 0, nbins_f - 1)
        return reshape(cast(bins, dtype), _static_or_dynamic_shape(values))


def _saturation_limits(src, dst):
    """The bounds, representable in ``src``, that keep a cast to ``dst`` in range."""
    np_src = src.as_numpy_dtype
    wide = np.promote_types(np_src, dst.as_numpy_dtype)
    lo = np_src(builtins.max(src.min, dst.min))
    if np.array(lo, wide) < np.array(dst.min, wide):
        lo = np.nextafter(lo, np_src(0))
    hi = np_src(builtins.min(float(src.max), float(dst.max)))
    if np.array(hi, wide) > np.array(dst.max, wide):
        hi = np.nextafter(hi, np_src(0))
    return lo, hi


def saturate_cast(value, dtype, name=None) -> Tensor:
    """Casts ``value`` to ``dtype``, first clamping it to the range ``dtype`` can hold (so
    ``300`` becomes ``255`` in ``uint8``, not ``44``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.saturate_cast([-5.0, 100.0, 300.0], tf.uint8)))
        [  0 100 255]
    """
    with op_scope(name, "saturate_cast", [value]) as scope:
        value = convert_to_tensor(value, name="value")
        dtype = dtypes.as_dtype(dtype)
        src = value.dtype
        if src.is_bool or dtype.is_bool or src is dtypes.string:
            return cast(value, dtype, name=scope)
        lo, hi = _saturation_limits(src, dtype)
        value = clip_by_value(value, constant(lo, dtype=src), constant(hi, dtype=src))
        return cast(value, dtype, name=scope)


# --------------------------------------------------------------------------------------------
# get_static_value, timestamp
# --------------------------------------------------------------------------------------------
_NP_FOLD = {
    "Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "RealDiv": np.true_divide,
    "FloorDiv": np.floor_divide, "FloorMod": np.mod, "Maximum": np.maximum,
    "Minimum": np.minimum, "Neg": np.negative, "Abs": np.abs, "Equal": np.equal,
    "NotEqual": np.not_equal, "Less": np.less, "LessEqual": np.less_equal,
    "Greater": np.greater, "GreaterEqual": np.greater_equal, "LogicalAnd": np.logical_and,
    "LogicalOr": np.logical_or, "LogicalNot": np.logical_not,
    "Tile": lambda x, m: np.tile(x, m), "Transpose": lambda x, p: np.transpose(x, p),
    "BroadcastArgs": lambda a, b: np.array(np.broadcast_shapes(tuple(a), tuple(b))),
    "GatherV2": lambda p, i, a: np.take(p, i, axis=int(a)),
    "Sum": np.sum, "Prod": np.prod,
}
_FOLDED = frozenset(_NP_FOLD) | core._FOLDED_FROM_INPUTS | {"Unpack"}
_MAX_FOLD = 1 << 16


def _fold(t, memo, partial):
    op = t.op
    if op.type in _NP_FOLD or op.type == "Unpack":
        vals = [memo[i] for i in op.inputs]
        if any(v is None for v in vals) or any(np.asarray(v).dtype == object for v in vals):
            return None
        if op.type == "Unpack":
            return np.moveaxis(np.asarray(vals[0]), op.attrs.get("axis", 0), 0)[t.value_index]
        kw = {"axis": op.attrs["axis"], "keepdims": op.attrs["keepdims"]} \
            if op.type in ("Sum", "Prod") else {}
        with np.errstate(all="ignore"):
            out = np.asarray(_NP_FOLD[op.type](*vals, **kw))
        return out.astype(t.dtype.as_numpy_dtype).reshape(t.shape.as_list()) \
            if t.shape.is_fully_defined() else None
    if op.type in ("ZerosLike", "OnesLike") and t.shape.is_fully_defined():
        return np.full(t.shape.as_list(), op.type == "OnesLike", t.dtype.as_numpy_dtype)
    value = core._fold_one(t, memo)
    if value is None and partial and op.type == "Pack" and t.shape.ndims == 1:
        return np.array([memo[i] for i in op.inputs], dtype=object)
    return value


def get_static_value(tensor, partial=False):
    """The value of ``tensor`` as a NumPy array when it is known while building the graph
    (constants, the shape, size and rank of tensors whose shapes are known, and simple ops
    on such values: arithmetic, comparisons, casts, stacks, concats, slices...), else
    ``None``. With ``partial=True`` a stacked vector of which only some elements are known
    comes back as an object array with ``None`` for the others. Non-tensors are returned
    as they are.

    Example:
        >>> import flowkit as tf
        >>> x, y = tf.placeholder(tf.float32, [None, 3]), tf.placeholder(tf.float32, [2, 3])
        >>> tf.get_static_value(tf.shape(y)[1] * 2), tf.get_static_value(tf.shape(x))
        (array(6, dtype=int32), None)
    """
    if hasattr(tensor, "_as_tensor") and not isinstance(tensor, Tensor):
        return None
    if not isinstance(tensor, Tensor):
        return tensor
    memo, stack = {}, [tensor]
    while stack:
        cur = stack[-1]
        if cur in memo:
            stack.pop()
            continue
        if cur.op.type in _FOLDED:
            missing = [i for i in cur.op.inputs if i not in memo]
            if missing:
                stack.extend(missing)
                continue
        stack.pop()
        try:
            value = _fold(cur, memo, partial)
        except (ValueError, TypeError, IndexError, ArithmeticError):
            value = None
        memo[cur] = None if value is not None and np.size(value) > _MAX_FOLD else value
    value = memo[tensor]
    return None if value is None else np.array(value, copy=True)


register_op("Timestamp", shape=lambda inputs, attrs: [(dtypes.float64, TensorShape([]))],
            grad=None, stateful=True,
            doc="The time when it runs, in seconds since the Unix epoch (float64).")


def timestamp(name=None) -> Tensor:
    """The time at which the op runs, in seconds since the Unix epoch (a float64 scalar,
    new at every ``run``).

    Example:
        >>> import time
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(abs(sess.run(tf.timestamp()) - time.time()) < 60)
        True
    """
    return make_tensor("Timestamp", (), None, name or "Timestamp")
