"""NumPy kernels of the array ops (flowkit/ops/array_ops.py).

Only ops registered with ``view=True`` may return a view of input 0 (``np.transpose``,
basic slicing...); every other kernel returns fresh memory, so that an in-place variable
update never changes an earlier result.
"""
from __future__ import annotations

import math
import time

import numpy as np

from flowkit.backend import (KernelTable, check_concat_shapes, check_non_negative,
                             checked_axis, checked_block_args, checked_dims, checked_multiples,
                             checked_paddings, checked_permutation, conv_geometry,
                             checked_range_length, checked_reshape, checked_slice_index,
                             checked_strided_slice_index, index_error, linspace_count,
                             split_even, split_sizes, string_zero, strided_slice_index,
                             unbroadcast_axes)

KERNELS = KernelTable()


def _ints(v):
    return tuple(int(d) for d in np.reshape(v, [-1]))


@KERNELS.register("UnbroadcastTo")
def _unbroadcast_to(attrs, g, shape):
    shape = _ints(shape)
    axes = unbroadcast_axes(g.shape, shape)
    # UnbroadcastTo is not a view op: never hand back (a view of) the incoming gradient.
    return np.sum(g, axis=axes).reshape(shape) if axes else np.array(g).reshape(shape)


@KERNELS.register("Range")
def _range(attrs, start, limit, delta):
    dtype = np.asarray(start).dtype
    n = checked_range_length(start, limit, delta)
    return (start + np.arange(n, dtype=dtype) * delta).astype(dtype)


@KERNELS.register("LinSpace")
def _linspace(attrs, start, stop, num):
    return np.linspace(start, stop, linspace_count(num)).astype(np.asarray(start).dtype)


@KERNELS.register("Fill")
def _fill(attrs, dims, value):
    return np.full(checked_dims(dims, "dims"), value, dtype=np.asarray(value).dtype)


@KERNELS.register("ConcatV2")
def _concat(attrs, *args):
    *values, axis = args
    axis = check_concat_shapes([np.shape(v) for v in values], int(axis))
    return np.concatenate(values, axis=axis)


@KERNELS.register("Split")
def _split(attrs, axis, x):
    # Split's value is input 1, so its outputs must not share the input's memory.
    axis = checked_axis(axis, np.ndim(x), "split_dim")
    split_even(np.shape(x)[axis], attrs["num_split"], axis)
    return tuple(np.array(p) for p in np.split(x, attrs["num_split"], axis=axis))


@KERNELS.register("SplitV")
def _splitv(attrs, x, sizes, axis):
    axis = checked_axis(axis, x.ndim, "split_dim")
    sizes = split_sizes(_ints(sizes), x.shape[axis])
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


@KERNELS.register("Tile")
def _tile(attrs, x, multiples):
    multiples = checked_multiples(multiples, np.ndim(x))
    return np.tile(x, multiples) if np.ndim(x) else np.array(x)


@KERNELS.register("Pad", "PadV2")
def _pad(attrs, x, paddings, constant_values=None):
    pairs = np.reshape(np.array(checked_paddings(paddings, np.ndim(x)), dtype=np.int64),
                       [-1, 2])
    x = np.asarray(x)
    if x.ndim == 0:
        return np.array(x)      # nothing to pad (np.pad fails on a scalar)
    if x.dtype.kind == "O":     # strings: np.pad would turn them into np.str_ values
        shape = [d + b + a for d, (b, a) in zip(x.shape, pairs)]
        out = np.full(shape, string_zero(x) if constant_values is None else
                      np.asarray(constant_values, dtype=object).reshape(()).item(), dtype=object)
        out[tuple(slice(b, b + d) for d, (b, _) in zip(x.shape, pairs))] = x
        return out
    return np.pad(x, pairs, mode="constant",
                  constant_values=0 if constant_values is None else constant_values)


@KERNELS.register("MirrorPad")
def _mirror_pad(attrs, x, paddings):
    mode = "reflect" if attrs["mode"] == "REFLECT" else "symmetric"
    return np.pad(x, np.reshape(paddings, [-1, 2]).astype(np.int64), mode=mode)


@KERNELS.register("MirrorPadGrad")
def _mirror_pad_grad(attrs, g, paddings):
    """Folds each padded border back onto the interior it mirrors, one axis at a time."""
    offset = 1 if attrs["mode"] == "REFLECT" else 0
    out = np.asarray(g)
    for axis, (before, after) in enumerate(np.reshape(paddings, [-1, 2]).astype(int)):
        n = out.shape[axis] - before - after
        moved = np.moveaxis(out, axis, 0)
        core = np.array(moved[before:before + n])
        core[offset:offset + before] += moved[:before][::-1]
        core[n - offset - after:n - offset] += moved[before + n:][::-1]
        out = np.moveaxis(core, 0, axis)
    return np.array(out)


@KERNELS.register("Slice")
def _slice(attrs, x, begin, size):
    return x[checked_slice_index(_ints(begin), _ints(size), np.shape(x))]


@KERNELS.register("StridedSlice")
def _strided_slice(attrs, x, begin, end, strides):
    x = np.asarray(x)
    return x[checked_strided_slice_index(begin, end, strides, attrs, x.shape)]


@KERNELS.register("StridedSliceGrad")
def _strided_slice_grad(attrs, shape, begin, end, strides, dy):
    out = np.zeros(_ints(shape), dtype=np.asarray(dy).dtype)
    out[strided_slice_index(begin, end, strides, attrs)] = dy
    return out


def _check_indices(indices, dim):
    indices = np.asarray(indices)
    if indices.size and (indices.min() < 0 or indices.max() >= dim):
        bad = indices[(indices < 0) | (indices >= dim)].reshape(-1)[0]
        raise index_error(bad, dim)
    return indices


@KERNELS.register("GatherV2")
def _gather(attrs, params, indices, axis):
    axis = checked_axis(axis, np.ndim(params))
    return np.take(params, _check_indices(indices, np.shape(params)[axis]), axis=axis)


@KERNELS.register("GatherGrad")
def _gather_grad(attrs, g, indices, shape):
    axis = attrs["axis"]
    out = np.zeros(_ints(shape), dtype=np.asarray(g).dtype)
    np.add.at(out, (slice(None),) * axis + (_check_indices(indices, out.shape[axis]),), g)
    return out


def _nd_index(indices, shape):
    """``indices[..., K]`` as a NumPy index tuple into the first K dims of ``shape``."""
    indices = np.asarray(indices)
    for k in range(indices.shape[-1]):
        _check_indices(indices[..., k], shape[k])
    return tuple(np.moveaxis(indices, -1, 0))


@KERNELS.register("GatherNd")
def _gather_nd(attrs, params, indices):
    return np.array(np.asarray(params)[_nd_index(indices, np.shape(params))])


@KERNELS.register("ScatterNd")
def _scatter_nd(attrs, indices, updates, shape):
    out = np.zeros(_ints(shape), dtype=np.asarray(updates).dtype)
    np.add.at(out, _nd_index(indices, out.shape), updates)
    return out


@KERNELS.register("OneHot")
def _one_hot(attrs, indices, depth, on, off):
    indices = np.asarray(indices)
    hot = indices[..., None] == np.arange(check_non_negative(depth, "depth")[0])
    out = np.where(hot, on, off).astype(np.asarray(on).dtype)
    axis = attrs["axis"]
    return out if axis == -1 else np.moveaxis(out, -1, axis)


@KERNELS.register("Select")
def _select(attrs, cond, x, y):
    cond = np.asarray(cond)
    if cond.ndim == 1 and np.ndim(x) > 1:
        cond = cond.reshape((-1,) + (1,) * (np.ndim(x) - 1))
    return np.where(cond, x, y)


@KERNELS.register("Transpose")
def _transpose(attrs, x, perm):
    return np.transpose(x, checked_permutation(perm, np.ndim(x)))


@KERNELS.register("Squeeze")
def _squeeze(attrs, x):
    axes = attrs["squeeze_dims"]
    return np.squeeze(x, axis=axes) if axes else np.squeeze(x)


#: Kernels short enough to be one expression.
KERNELS.update({
    "Identity": lambda attrs, x: x,
    "StopGradient": lambda attrs, x: x,
    "PlaceholderWithDefault": lambda attrs, x: x,
    "Shape": lambda attrs, x: np.array(np.shape(x), dtype=attrs["out_type"].as_numpy_dtype),
    "Size": lambda attrs, x: np.array(np.size(x), dtype=attrs["out_type"].as_numpy_dtype),
    "Rank": lambda attrs, x: np.array(np.ndim(x), dtype=np.int32),
    "Reshape": lambda attrs, x, shape: np.reshape(x, checked_reshape(np.size(x), shape)),
    "BroadcastTo": lambda attrs, x, shape: np.broadcast_to(x, checked_dims(shape)),
    "Cast": lambda attrs, x: np.asarray(x).astype(attrs["DstT"].as_numpy_dtype),
    "Pack": lambda attrs, *xs: np.stack(xs, axis=checked_axis(attrs["axis"],
                                                              np.ndim(xs[0]) + 1)),
    "Unpack": lambda attrs, x: tuple(np.moveaxis(x, attrs["axis"], 0)),
    "ZerosLike": lambda attrs, x: np.full_like(x, string_zero(x)) if np.asarray(x).dtype.kind
    == "O" else np.zeros_like(x),
    "OnesLike": lambda attrs, x: np.ones_like(x),
    "InvertPermutation": lambda attrs, x: np.argsort(checked_permutation(x)).astype(
        np.asarray(x).dtype),
    "ExpandDims": lambda attrs, x, dim: np.expand_dims(x, checked_axis(dim, np.ndim(x) + 1,
                                                                       "dim")),
    "ReverseV2": lambda attrs, x, axis: np.flip(x, axis=tuple(
        checked_axis(a, np.ndim(x)) for a in _ints(axis))) if np.size(axis) else x,
    "Where": lambda attrs, c: np.argwhere(c).astype(np.int64),
})


# --------------------------------------------------------------------------------------------
# More array ops (flowkit/ops/array_more_ops.py and the families' later additions)
# --------------------------------------------------------------------------------------------
@KERNELS.register("SelectV2")
def _select_v2(attrs, cond, x, y):
    return np.array(np.where(cond, x, y), dtype=np.result_type(x))


@KERNELS.register("GuaranteeConst")
def _guarantee_const(attrs, x):
    return x


@KERNELS.register("Bitcast")
def _bitcast(attrs, x):
    x = x if x.flags.c_contiguous else np.ascontiguousarray(x)
    out = np.dtype(attrs["type"].as_numpy_dtype)
    a, b = x.dtype.itemsize, out.itemsize
    shape = x.shape if a == b else x.shape + (a // b,) if a > b else x.shape[:-1]
    return x.reshape(-1).view(out).reshape(shape)


@KERNELS.register("BroadcastArgs")
def _broadcast_args(attrs, s0, s1):
    try:
        out = np.broadcast_shapes(_ints(s0), _ints(s1))
    except ValueError:
        raise ValueError(f"Incompatible shapes: {list(_ints(s0))} vs. {list(_ints(s1))}") \
            from None
    return np.array(out, dtype=np.asarray(s0).dtype)


@KERNELS.register("Roll")
def _roll(attrs, x, shift, axis):
    shift, axis = _ints(shift), _ints(axis)
    axis = tuple(checked_axis(a, x.ndim) for a in axis)
    return np.roll(x, shift, axis) if axis else np.array(x, copy=True)


@KERNELS.register("ParallelConcat")
def _parallel_concat(attrs, *values):
    return np.concatenate(values, axis=0)


@KERNELS.register("SpaceToBatchND")
def _space_to_batch_nd(attrs, x, block_shape, paddings):
    block, pads = checked_block_args(_ints(block_shape), paddings, x.ndim)
    m = len(block)
    x = np.pad(x, [(0, 0)] + pads.tolist() + [(0, 0)] * (x.ndim - 1 - m))
    for i, b in enumerate(block):
        if x.shape[1 + i] % b:
            raise ValueError(f"padded dimension {1 + i} ({x.shape[1 + i]}) is not divisible "
                             f"by block size {b}")
    split = [x.shape[0]] + [v for i, b in enumerate(block) for v in (x.shape[1 + i] // b, b)]
    x = x.reshape(split + list(x.shape[1 + m:]))
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + \
        list(range(1 + 2 * m, x.ndim))
    x = x.transpose(perm)
    # The batch size spelled out: -1 cannot be inferred when a dimension is 0.
    return np.ascontiguousarray(x).reshape([math.prod(x.shape[:m + 1])] + list(x.shape[m + 1:]))


@KERNELS.register("BatchToSpaceND")
def _batch_to_space_nd(attrs, x, block_shape, crops):
    block, crops = checked_block_args(_ints(block_shape), crops, x.ndim)
    m, prod = len(block), int(np.prod(block))
    if x.shape[0] % prod:
        raise ValueError(f"the batch size {x.shape[0]} is not divisible by the product of "
                         f"block_shape {prod}")
    x = x.reshape(list(block) + [x.shape[0] // prod] + list(x.shape[1:]))
    perm = [m] + [v for i in range(m) for v in (m + 1 + i, i)] + list(range(2 * m + 1, x.ndim))
    x = x.transpose(perm)
    spatial = [x.shape[1 + 2 * i] * block[i] for i in range(m)]
    x = x.reshape([x.shape[0]] + spatial + list(x.shape[1 + 2 * m:]))
    if (crops.sum(1) > spatial).any():
        raise ValueError(f"crops {crops.tolist()} are larger than the dimensions {spatial}")
    index = (slice(None),) + tuple(slice(a, d - b) for (a, b), d in zip(crops, spatial))
    return np.array(x[index])


def _search_sorted(side, attrs, seq, values):
    rows, vals = seq.reshape(-1, seq.shape[-1]), values.reshape(-1, values.shape[-1])
    if rows.shape[0] != vals.shape[0]:
        raise ValueError(f"sorted_sequence {seq.shape} and values {values.shape} must have "
                         "the same leading dimensions")
    out = [np.searchsorted(r, v, side=side) for r, v in zip(rows, vals)]
    return np.array(out, dtype=attrs["out_type"].as_numpy_dtype).reshape(values.shape)


@KERNELS.register("LowerBound")
def _lower_bound(attrs, seq, values):
    return _search_sorted("left", attrs, seq, values)


@KERNELS.register("UpperBound")
def _upper_bound(attrs, seq, values):
    return _search_sorted("right", attrs, seq, values)


@KERNELS.register("UnravelIndex")
def _unravel_index(attrs, indices, dims):
    dims = _ints(dims)
    n = int(np.prod(dims))
    if min(dims, default=1) < 1:
        raise ValueError(f"dims must be positive, got {list(dims)}")
    bad = (indices < 0) | (indices >= n)
    if bad.any():
        raise ValueError(f"index {int(indices[bad].reshape(-1)[0])} is out of bound as with "
                         f"dims {list(dims)} (it must be in [0, {n}))")
    return np.array(np.unravel_index(indices, dims), dtype=indices.dtype)


@KERNELS.register("ListDiff")
def _list_diff(attrs, x, y):
    keep = np.flatnonzero(~np.isin(x, y))
    return np.array(x[keep]), keep.astype(attrs["out_idx"].as_numpy_dtype)


@KERNELS.register("DynamicPartition")
def _dynamic_partition(attrs, data, partitions):
    n = attrs["num_partitions"]
    bad = (partitions < 0) | (partitions >= n)
    if bad.any():
        i = np.argwhere(bad)[0].tolist()
        raise IndexError(f"partitions{i} = {int(partitions[tuple(i)])} is not in [0, {n})")
    if data.shape[:partitions.ndim] != partitions.shape:
        raise ValueError(f"data.shape {list(data.shape)} must start with partitions.shape "
                         f"{list(partitions.shape)}")
    return [np.array(data[partitions == i]) for i in range(n)]


@KERNELS.register("DynamicStitch")
def _dynamic_stitch(attrs, *args):
    n = len(args) // 2
    indices, data = [np.asarray(i) for i in args[:n]], args[n:]
    rest = data[0].shape[indices[0].ndim:]
    size = max((int(i.max()) + 1 for i in indices if i.size), default=0)
    out = np.zeros((size,) + rest, dtype=np.asarray(data[0]).dtype)
    for k, (idx, d) in enumerate(zip(indices, data)):
        if d.shape != idx.shape + rest:
            raise ValueError(f"data[{k}].shape {list(d.shape)} must be indices[{k}].shape "
                             f"{list(idx.shape)} + {list(rest)}")
        if idx.size and idx.min() < 0:
            raise IndexError(f"indices[{k}] holds {int(idx.min())}, which is negative")
        out[idx.reshape(-1)] = d.reshape((-1,) + rest)
    return out


def _patch_windows(h, w, attrs):
    """``(kh, kw, oh, ow, pads, [(row, col) of each tap])`` of ExtractImagePatches."""
    _, kh, kw, _ = attrs["ksizes"]
    _, rh, rw, _ = attrs["rates"]
    oh, ow, pt, pl = conv_geometry(h, w, kh, kw, attrs, attrs["rates"])
    taps = [(i * rh, j * rw) for i in range(kh) for j in range(kw)]
    return oh, ow, (pt, pl), taps


@KERNELS.register("ExtractImagePatches")
def _extract_patches(attrs, x):
    b, h, w, c = x.shape
    oh, ow, (pt, pl), taps = _patch_windows(h, w, attrs)
    _, sh, sw, _ = attrs["strides"]
    xp = np.pad(x, [(0, 0), pt, pl, (0, 0)])
    cols = [xp[:, r:r + (oh - 1) * sh + 1:sh, q:q + (ow - 1) * sw + 1:sw] for r, q in taps]
    return np.stack(cols, axis=3).reshape(b, oh, ow, len(taps) * c) if oh and ow else \
        np.zeros((b, oh, ow, len(taps) * c), x.dtype)


@KERNELS.register("ExtractImagePatchesGrad")
def _extract_patches_grad(attrs, g, shape):
    b, h, w, c = _ints(shape)
    oh, ow, (pt, pl), taps = _patch_windows(h, w, attrs)
    _, sh, sw, _ = attrs["strides"]
    out = np.zeros((b, h + sum(pt), w + sum(pl), c), g.dtype)
    g = g.reshape(b, oh, ow, len(taps), c)
    for k, (r, q) in enumerate(taps):
        out[:, r:r + (oh - 1) * sh + 1:sh, q:q + (ow - 1) * sw + 1:sw] += g[:, :, :, k]
    return np.array(out[:, pt[0]:pt[0] + h, pl[0]:pl[0] + w])


@KERNELS.register("HistogramFixedWidth")
def _histogram(attrs, values, value_range, nbins):
    n = int(nbins)
    lo, hi = value_range
    if n <= 0 or not lo < hi:
        raise ValueError(f"nbins should be a positive number ({n}) and value_range increasing "
                         f"({[lo, hi]})")
    step = (np.float64(hi) - np.float64(lo)) / n
    diff = (np.maximum(values, lo) - lo).astype(np.float64)
    bins = np.minimum(diff / step, n - 1).astype(np.int64)
    return np.bincount(bins.reshape(-1), minlength=n).astype(attrs["dtype"].as_numpy_dtype)


@KERNELS.register("Timestamp")
def _timestamp(attrs):
    return np.array(time.time(), dtype=np.float64)
