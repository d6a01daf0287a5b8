"""Torch kernels of the array ops (flowkit/ops/array_ops.py).

Only ops registered with ``view=True`` may return a view of input 0; every other kernel
returns fresh memory, so that an in-place variable update never changes an earlier result.
Shape-like inputs (``Reshape``'s shape, ``Pad``'s paddings...) are read on the host with
:func:`~flowkit_torch._common.host_ints`, which needs no GPU sync for constants and shapes.

TF1 semantics kept here: strided slices may have negative strides (PyTorch's indexing may
not: such axes are sliced forward and flipped), an out-of-range ``gather`` index is an error
on every device (as on TF's CPU), ``squeeze`` of a dimension that is not 1 is an error.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch

from flowkit.backend import (KernelTable, check_concat_shapes, check_non_negative,
                             checked_axis, checked_block_args, checked_dims, checked_multiples,
                             checked_paddings, checked_permutation, conv_geometry,
                             checked_range_length, checked_reshape, checked_slice_index,
                             checked_strided_slice_index, index_error, linspace_count,
                             split_even, split_sizes, strided_slice_index, unbroadcast_axes)
from flowkit_torch._common import (has_host, host_ints, host_scalar, host_values,
                                   np_dtype, small_int_tensor, tdtype, with_host)

KERNELS = KernelTable()


# --------------------------------------------------------------------------------------------
# Shapes
# --------------------------------------------------------------------------------------------
def _device(x):
    return x.device if isinstance(x, torch.Tensor) else "cpu"


@KERNELS.register("Shape")
def _shape(attrs, x):
    return small_int_tensor(tuple(x.shape), attrs["out_type"], _device(x))


@KERNELS.register("Size")
def _size(attrs, x):
    n = x.numel() if isinstance(x, torch.Tensor) else x.size
    return small_int_tensor((n,), attrs["out_type"], _device(x), shape=())


@KERNELS.register("Rank")
def _rank(attrs, x):
    return small_int_tensor((x.ndim,), "int32", _device(x), shape=())


@KERNELS.register("Reshape")
def _reshape(attrs, x, shape):
    return x.reshape(checked_reshape(x.numel(), host_ints(shape)))


@KERNELS.register("BroadcastTo")
def _broadcast_to(attrs, x, shape):
    return torch.broadcast_to(x, checked_dims(host_ints(shape)))


@KERNELS.register("UnbroadcastTo")
def _unbroadcast_to(attrs, g, shape):
    shape = host_ints(shape)
    axes = unbroadcast_axes(g.shape, shape)
    if not axes:
        return g.reshape(shape)          # nothing was broadcast (a view, as NumPy's kernel)
    return torch.sum(g, dim=axes, dtype=g.dtype).reshape(shape)


@KERNELS.register("Cast")
def _cast(attrs, x):
    dst = tdtype(attrs["DstT"])
    out = x.to(dst)
    if out is x:
        out = x.clone()
    if has_host(x) and dst in (torch.int32, torch.int64):
        with_host(out, host_ints(x))
    return out


@KERNELS.register("Pack")
def _pack(attrs, *xs):
    out = torch.stack(xs, dim=checked_axis(attrs["axis"], xs[0].ndim + 1))
    if out.ndim == 1 and all(has_host(x) for x in xs):
        with_host(out, [v for x in xs for v in host_values(x)])
    return out


@KERNELS.register("Squeeze")
def _squeeze(attrs, x):
    axes = attrs["squeeze_dims"]
    if not axes:
        return x.reshape([d for d in x.shape if d != 1])
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"Can not squeeze dim[{a % x.ndim}], expected a dimension of 1, "
                             f"got {x.shape[a]}")
    return x.squeeze(tuple(axes))


# --------------------------------------------------------------------------------------------
# Making tensors
# --------------------------------------------------------------------------------------------
@KERNELS.register("Fill")
def _fill(attrs, dims, value):
    dims = checked_dims(host_ints(dims), "dims")
    return value.reshape(()).expand(dims).clone(memory_format=torch.contiguous_format)


@KERNELS.register("Range")
def _range(attrs, start, limit, delta):
    dt = np_dtype(start.dtype)
    s, lim, d = (np.asarray(host_scalar(v), dtype=dt) for v in (start, limit, delta))
    n = checked_range_length(s, lim, d)
    steps = torch.arange(n, dtype=start.dtype, device=start.device)
    return steps.mul_(delta).add_(start)


@KERNELS.register("LinSpace")
def _linspace(attrs, start, stop, num):
    n = linspace_count(host_scalar(num))
    # NumPy's algorithm, in the inputs' dtype: start + i * step, with the end point exact.
    if n == 1:
        return start.reshape(1).clone()
    # A tensor divisor: CUDA multiplies by the reciprocal of a Python number, which can round
    # differently from NumPy's true division.
    step = (stop - start) / torch.full((), n - 1, dtype=start.dtype, device=start.device)
    out = torch.arange(n, dtype=start.dtype, device=start.device).mul_(step).add_(start)
    out[-1] = stop
    return out


@KERNELS.register("OneHot")
def _one_hot(attrs, indices, depth, on, off):
    depth = check_non_negative([host_scalar(depth)], "depth")[0]
    hot = indices.unsqueeze(-1) == torch.arange(depth, device=indices.device)
    out = torch.where(hot, on, off)
    axis = attrs["axis"]
    return out if axis == -1 else out.movedim(-1, axis)


# --------------------------------------------------------------------------------------------
# Reordering, joining, splitting
# --------------------------------------------------------------------------------------------
@KERNELS.register("ReverseV2")
def _reverse(attrs, x, axis):
    dims = [checked_axis(a, x.ndim) for a in host_ints(axis)]
    return x.flip(dims) if dims else x


@KERNELS.register("ConcatV2")
def _concat(attrs, *args):
    *values, axis = args
    axis = check_concat_shapes([tuple(v.shape) for v in values], int(host_scalar(axis)))
    return torch.cat(values, dim=axis)


@KERNELS.register("Split")
def _split(attrs, axis, x):
    axis = checked_axis(host_scalar(axis), x.ndim, "split_dim")
    num = attrs["num_split"]
    size = split_even(x.shape[axis], num, axis)
    # Split's value is input 1, so its outputs must not share the input's memory. Explicit
    # sizes: torch.split with a size of 0 gives one piece, not num_split.
    return tuple(p.clone() for p in torch.split(x, [size] * num, dim=axis))


@KERNELS.register("SplitV")
def _splitv(attrs, x, sizes, axis):
    axis = checked_axis(host_scalar(axis), x.ndim, "split_dim")
    sizes = split_sizes(host_ints(sizes), x.shape[axis])
    return tuple(torch.split(x, sizes, dim=axis))


@KERNELS.register("Tile")
def _tile(attrs, x, multiples):
    multiples = checked_multiples(host_ints(multiples), x.ndim)
    if x.ndim == 0:
        return x.clone()
    return x.repeat(multiples)


def _pairs(paddings):
    v = check_non_negative(host_ints(paddings), "paddings")
    return [(v[i], v[i + 1]) for i in range(0, len(v), 2)]


@KERNELS.register("Pad", "PadV2")
def _pad(attrs, x, paddings, constant_values=None):
    pairs = checked_paddings(host_ints(paddings), x.ndim)
    shape = [d + b + a for d, (b, a) in zip(x.shape, pairs)]
    value = 0 if constant_values is None else host_scalar(constant_values)
    out = torch.full(shape, value, dtype=x.dtype, device=x.device)
    out[tuple(slice(b, b + d) for d, (b, _) in zip(x.shape, pairs))] = x
    return out


def _mirror_index(n, before, after, mode, device):
    """The source index of each output cell along one axis of a mirror pad."""
    if mode == "REFLECT":
        idx = list(range(before, 0, -1)) + list(range(n)) + \
            list(range(n - 2, n - 2 - after, -1))
    else:
        idx = list(range(before - 1, -1, -1)) + list(range(n)) + \
            list(range(n - 1, n - 1 - after, -1))
    return small_int_tensor(idx, "int64", device)


@KERNELS.register("MirrorPad")
def _mirror_pad(attrs, x, paddings):
    out = x
    for axis, (b, a) in enumerate(_pairs(paddings)):
        if b or a:
            out = out.index_select(axis, _mirror_index(x.shape[axis], b, a, attrs["mode"],
                                                       x.device))
    return out if out is not x else x.clone()


@KERNELS.register("MirrorPadGrad")
def _mirror_pad_grad(attrs, g, paddings):
    """Adds each padded cell's gradient back onto the cell it copies, one axis at a time."""
    out = g
    for axis, (b, a) in enumerate(_pairs(paddings)):
        if b or a:
            n = out.shape[axis] - b - a
            shape = list(out.shape)
            shape[axis] = n
            acc = torch.zeros(shape, dtype=g.dtype, device=g.device)
            out = acc.index_add_(axis, _mirror_index(n, b, a, attrs["mode"], g.device), out)
    return out if out is not g else g.clone()


# --------------------------------------------------------------------------------------------
# Slicing and gathering
# --------------------------------------------------------------------------------------------
@KERNELS.register("Slice")
def _slice(attrs, x, begin, size):
    return x[checked_slice_index(host_ints(begin), host_ints(size), tuple(x.shape))]


def _torch_index(index, shape):
    """Rewrites a NumPy basic index for torch, which has no negative slice steps: such an
    axis is sliced forwards over the same cells, and its output axis is flipped after."""
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    out, flips, d, o = [], [], 0, 0
    for item in index:
        if item is Ellipsis:
            k = len(shape) - consumed
            out.extend([slice(None)] * k)
            d, o = d + k, o + k
        elif item is None:
            out.append(None)
            o += 1
        elif isinstance(item, int):
            if not -shape[d] <= item < shape[d]:
                raise IndexError(f"slice index {item} of dimension {d} out of bounds.")
            out.append(item)
            d += 1
        else:
            start, stop, step = item.indices(shape[d])
            if step < 0:
                n = len(range(start, stop, step))
                last = start + (n - 1) * step
                item = slice(last, start + 1, -step) if n else slice(0, 0, 1)
                flips.append(o)
            out.append(item)
            d, o = d + 1, o + 1
    return tuple(out), flips


@KERNELS.register("StridedSlice")
def _strided_slice(attrs, x, begin, end, strides):
    index = checked_strided_slice_index(host_ints(begin), host_ints(end), host_ints(strides),
                                        attrs, tuple(x.shape))
    idx, flips = _torch_index(index, tuple(x.shape))
    out = x[idx]
    return out.flip(flips) if flips else out


@KERNELS.register("StridedSliceGrad")
def _strided_slice_grad(attrs, shape, begin, end, strides, dy):
    shape = host_ints(shape)
    index = strided_slice_index(host_ints(begin), host_ints(end), host_ints(strides), attrs)
    idx, flips = _torch_index(index, tuple(shape))
    out = torch.zeros(shape, dtype=dy.dtype, device=dy.device)
    out[idx] = dy.flip(flips) if flips else dy
    return out


def _checked_indices(indices, dim):
    """``indices`` as int64, after checking they lie in ``[0, dim)`` (an error on every
    device, as on TF's CPU; this waits for a GPU once)."""
    idx = indices.long()
    if idx.numel():
        bad = (idx < 0) | (idx >= dim)
        if bool(bad.any()):
            raise index_error(int(idx[bad].reshape(-1)[0]), dim)
    return idx


@KERNELS.register("GatherV2")
def _gather(attrs, params, indices, axis):
    axis = checked_axis(host_scalar(axis), params.ndim)
    idx = _checked_indices(indices, params.shape[axis])
    out = params.index_select(axis, idx.reshape(-1))
    return out.reshape(params.shape[:axis] + indices.shape + params.shape[axis + 1:])


@KERNELS.register("GatherGrad")
def _gather_grad(attrs, g, indices, shape):
    axis = attrs["axis"]
    shape = host_ints(shape)
    idx = _checked_indices(indices, shape[axis])
    src = g.reshape(shape[:axis] + [-1] + shape[axis + 1:])
    out = torch.zeros(shape, dtype=g.dtype, device=g.device)
    return out.index_add_(axis, idx.reshape(-1), src)


def _nd_index(indices, shape):
    """``indices[..., K]`` as a torch index tuple into the first K dims of ``shape``."""
    idx = indices.long()
    k = idx.shape[-1]
    if idx.numel():
        dims = small_int_tensor(shape[:k], "int64", idx.device)
        bad = (idx < 0) | (idx >= dims)
        if bool(bad.any()):
            col = int(bad.nonzero()[0, -1])
            raise index_error(int(idx[bad].reshape(-1)[0]), shape[col])
    return tuple(idx.unbind(-1))


@KERNELS.register("GatherNd")
def _gather_nd(attrs, params, indices):
    return params[_nd_index(indices, tuple(params.shape))].clone()


@KERNELS.register("ScatterNd")
def _scatter_nd(attrs, indices, updates, shape):
    out = torch.zeros(host_ints(shape), dtype=updates.dtype, device=updates.device)
    return out.index_put_(_nd_index(indices, tuple(out.shape)), updates, accumulate=True)


@KERNELS.register("InvertPermutation")
def _invert_permutation(attrs, x):
    checked_permutation(host_ints(x))
    return torch.argsort(x).to(x.dtype)


@KERNELS.register("Select")
def _select(attrs, cond, x, y):
    if cond.ndim == 1 and x.ndim > 1:
        cond = cond.reshape((-1,) + (1,) * (x.ndim - 1))
    return torch.where(cond, x, y)


#: Kernels short enough to be one expression.
KERNELS.update({
    "Identity": lambda attrs, x: x,
    "StopGradient": lambda attrs, x: x,
    "PlaceholderWithDefault": lambda attrs, x: x,
    "Unpack": lambda attrs, x: torch.unbind(x, dim=attrs["axis"]),
    "ZerosLike": lambda attrs, x: torch.zeros_like(x),
    "OnesLike": lambda attrs, x: torch.ones_like(x),
    "Transpose": lambda attrs, x, perm: x.permute(checked_permutation(host_ints(perm), x.ndim)),
    "ExpandDims": lambda attrs, x, dim: x.unsqueeze(checked_axis(host_scalar(dim), x.ndim + 1,
                                                                 "dim")),
    "Where": lambda attrs, c: torch.argwhere(c).to(torch.int64),
})

#: Op types whose kernels also accept string tensors (NumPy object arrays), via NumPy.
STRING_OPS = {"Identity", "StopGradient", "PlaceholderWithDefault", "Shape", "Size", "Rank",
              "Reshape", "BroadcastTo", "Pack", "Unpack", "Fill", "Transpose", "ExpandDims",
              "Squeeze", "ReverseV2", "ConcatV2", "Split", "SplitV", "Tile", "Slice",
              "StridedSlice", "GatherV2", "GatherNd", "Select", "Pad", "PadV2", "ZerosLike",
              "SelectV2", "GuaranteeConst", "Roll", "ParallelConcat", "ListDiff"}


# --------------------------------------------------------------------------------------------
# More array ops (flowkit/ops/array_more_ops.py and the families' later additions)
# --------------------------------------------------------------------------------------------
@KERNELS.register("Bitcast")
def _bitcast(attrs, x):
    out = tdtype(attrs["type"])
    a, b = x.element_size(), torch.empty((), dtype=out).element_size()
    shape = tuple(x.shape) if a == b else tuple(x.shape) + (a // b,) if a > b else \
        tuple(x.shape[:-1])
    return x.contiguous().reshape(-1).view(out).reshape(shape)


@KERNELS.register("BroadcastArgs")
def _broadcast_args(attrs, s0, s1):
    a, b = host_ints(s0), host_ints(s1)
    try:
        out = np.broadcast_shapes(tuple(a), tuple(b))
    except ValueError:
        raise ValueError(f"Incompatible shapes: {a} vs. {b}") from None
    return small_int_tensor(out, np_dtype(s0.dtype), _device(s0))


@KERNELS.register("Roll")
def _roll(attrs, x, shift, axis):
    shift, axis = host_ints(shift), host_ints(axis)
    axis = [checked_axis(a, x.ndim) for a in axis]
    return torch.roll(x, shift, axis) if axis else x.clone()


@KERNELS.register("SpaceToBatchND")
def _space_to_batch_nd(attrs, x, block_shape, paddings):
    block, pads = checked_block_args(host_ints(block_shape), host_ints(paddings), x.ndim)
    m = len(block)
    sizes = [d + int(a) + int(b) for d, (a, b) in zip(x.shape[1:1 + m], pads)]
    padded = x.new_zeros([x.shape[0]] + sizes + list(x.shape[1 + m:]))
    padded[(slice(None),) + tuple(slice(int(a), int(a) + d)
                                  for d, (a, _) in zip(x.shape[1:1 + m], pads))] = x
    for i, b in enumerate(block):
        if sizes[i] % b:
            raise ValueError(f"padded dimension {1 + i} ({sizes[i]}) is not divisible by "
                             f"block size {b}")
    split = [x.shape[0]] + [v for d, b in zip(sizes, block) for v in (d // b, b)]
    y = padded.reshape(split + list(x.shape[1 + m:]))
    perm = [2 + 2 * i for i in range(m)] + [0] + [1 + 2 * i for i in range(m)] + \
        list(range(1 + 2 * m, y.ndim))
    y = y.permute(perm)
    # The batch size spelled out: -1 cannot be inferred when a dimension is 0.
    return y.reshape([x.shape[0] * math.prod(block)] + [d // b for d, b in zip(sizes, block)] +
                     list(x.shape[1 + m:]))


@KERNELS.register("BatchToSpaceND")
def _batch_to_space_nd(attrs, x, block_shape, crops):
    block, crops = checked_block_args(host_ints(block_shape), host_ints(crops), x.ndim)
    m, prod = len(block), int(np.prod(block))
    if x.shape[0] % prod:
        raise ValueError(f"the batch size {x.shape[0]} is not divisible by the product of "
                         f"block_shape {prod}")
    y = x.reshape(list(block) + [x.shape[0] // prod] + list(x.shape[1:]))
    perm = [m] + [v for i in range(m) for v in (m + 1 + i, i)] + list(range(2 * m + 1, y.ndim))
    y = y.permute(perm)
    spatial = [x.shape[1 + i] * block[i] for i in range(m)]
    y = y.reshape([y.shape[0]] + spatial + list(x.shape[1 + m:]))
    if (crops.sum(1) > spatial).any():
        raise ValueError(f"crops {crops.tolist()} are larger than the dimensions {spatial}")
    index = (slice(None),) + tuple(slice(int(a), d - int(b)) for (a, b), d in zip(crops, spatial))
    return y[index].clone()


def _search_sorted(right, attrs, seq, values):
    rows = seq.reshape(-1, seq.shape[-1]).contiguous()
    vals = values.reshape(-1, values.shape[-1]).contiguous()
    if rows.shape[0] != vals.shape[0]:
        raise ValueError(f"sorted_sequence {list(seq.shape)} and values {list(values.shape)} "
                         "must have the same leading dimensions")
    out = torch.searchsorted(rows, vals, right=right)
    return out.to(tdtype(attrs["out_type"])).reshape(values.shape)


@KERNELS.register("LowerBound")
def _lower_bound(attrs, seq, values):
    return _search_sorted(False, attrs, seq, values)


@KERNELS.register("UpperBound")
def _upper_bound(attrs, seq, values):
    return _search_sorted(True, attrs, seq, values)


@KERNELS.register("UnravelIndex")
def _unravel_index(attrs, indices, dims):
    dims = host_ints(dims)
    n = int(np.prod(dims))
    if min(dims, default=1) < 1:
        raise ValueError(f"dims must be positive, got {dims}")
    bad = (indices < 0) | (indices >= n)
    if bool(bad.any()):
        raise ValueError(f"index {int(indices[bad].reshape(-1)[0])} is out of bound as with "
                         f"dims {dims} (it must be in [0, {n}))")
    coords, rest = [], indices
    for d in reversed(dims):
        coords.append(torch.remainder(rest, d))
        rest = torch.div(rest, d, rounding_mode="floor")
    return torch.stack(coords[::-1], 0)


@KERNELS.register("ListDiff")
def _list_diff(attrs, x, y):
    keep = torch.nonzero(~torch.isin(x, y)).reshape(-1)
    return x[keep], keep.to(tdtype(attrs["out_idx"]))


@KERNELS.register("DynamicPartition")
def _dynamic_partition(attrs, data, partitions):
    n = attrs["num_partitions"]
    bad = (partitions < 0) | (partitions >= n)
    if bool(bad.any()):
        i = torch.nonzero(bad)[0].tolist()
        raise IndexError(f"partitions{i} = {int(partitions[tuple(i)])} is not in [0, {n})")
    if tuple(data.shape[:partitions.ndim]) != tuple(partitions.shape):
        raise ValueError(f"data.shape {list(data.shape)} must start with partitions.shape "
                         f"{list(partitions.shape)}")
    return [data[partitions == i] for i in range(n)]


@KERNELS.register("DynamicStitch")
def _dynamic_stitch(attrs, *args):
    n = len(args) // 2
    indices, data = args[:n], args[n:]
    rest = tuple(data[0].shape[indices[0].ndim:])
    for k, (idx, d) in enumerate(zip(indices, data)):
        if tuple(d.shape) != tuple(idx.shape) + rest:
            raise ValueError(f"data[{k}].shape {list(d.shape)} must be indices[{k}].shape "
                             f"{list(idx.shape)} + {list(rest)}")
        if idx.numel() and int(idx.min()) < 0:
            raise IndexError(f"indices[{k}] holds {int(idx.min())}, which is negative")
    flat = torch.cat([i.reshape(-1).long() for i in indices])
    rows = torch.cat([d.reshape((-1,) + rest) for d in data])
    size = int(flat.max()) + 1 if flat.numel() else 0
    out = rows.new_zeros((size,) + rest)
    # Where an index repeats, the last piece wins (as in TF), on every device.
    order = torch.arange(flat.numel(), device=flat.device)
    last = torch.full((size,), -1, dtype=torch.long, device=flat.device)
    last = last.scatter_reduce(0, flat, order, reduce="amax")
    hit = last >= 0
    out[hit] = rows[last[hit]]
    return out


def _patch_windows(h, w, attrs):
    _, kh, kw, _ = attrs["ksizes"]
    _, rh, rw, _ = attrs["rates"]
    oh, ow, pt, pl = conv_geometry(h, w, kh, kw, attrs, attrs["rates"])
    return oh, ow, (pt, pl), [(i * rh, j * rw) for i in range(kh) for j in range(kw)]


@KERNELS.register("ExtractImagePatches")
def _extract_patches(attrs, x):
    b, h, w, c = x.shape
    oh, ow, (pt, pl), taps = _patch_windows(h, w, attrs)
    _, sh, sw, _ = attrs["strides"]
    if not oh or not ow:
        return x.new_zeros((b, oh, ow, len(taps) * c))
    xp = x.new_zeros((b, h + sum(pt), w + sum(pl), c))
    xp[:, pt[0]:pt[0] + h, pl[0]:pl[0] + w] = x
    cols = [xp[:, r:r + (oh - 1) * sh + 1:sh, q:q + (ow - 1) * sw + 1:sw] for r, q in taps]
    return torch.stack(cols, 3).reshape(b, oh, ow, len(taps) * c)


@KERNELS.register("ExtractImagePatchesGrad")
def _extract_patches_grad(attrs, g, shape):
    b, h, w, c = host_ints(shape)
    oh, ow, (pt, pl), taps = _patch_windows(h, w, attrs)
    _, sh, sw, _ = attrs["strides"]
    out = g.new_zeros((b, h + sum(pt), w + sum(pl), c))
    g = g.reshape(b, oh, ow, len(taps), c)
    for k, (r, q) in enumerate(taps):
        out[:, r:r + (oh - 1) * sh + 1:sh, q:q + (ow - 1) * sw + 1:sw] += g[:, :, :, k]
    return out[:, pt[0]:pt[0] + h, pl[0]:pl[0] + w].clone()


@KERNELS.register("HistogramFixedWidth")
def _histogram(attrs, values, value_range, nbins):
    n = int(host_scalar(nbins))
    lo, hi = host_values(value_range)
    if n <= 0 or not lo < hi:
        raise ValueError(f"nbins should be a positive number ({n}) and value_range increasing "
                         f"({[lo, hi]})")
    step = (float(hi) - float(lo)) / n
    diff = (values.clamp(min=lo) - lo).double()
    bins = torch.clamp(diff / step, max=n - 1).long()
    return torch.bincount(bins.reshape(-1), minlength=n).to(tdtype(attrs["dtype"]))


KERNELS.update({
    "SelectV2": lambda attrs, cond, x, y: torch.where(cond, x, y),
    "GuaranteeConst": lambda attrs, x: x,
    "ParallelConcat": lambda attrs, *values: torch.cat(values, 0),
    "Timestamp": lambda attrs: torch.tensor(time.time(), dtype=torch.float64),
})
