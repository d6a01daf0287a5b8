"""NumPy kernels of the array ops (flowkit/ops/array_ops.py).

Only ops registered with ``view=True`` may return a view of input 0 (``np.transpose``,
basic slicing...); every other kernel returns fresh memory, so that an in-place variable
update never changes an earlier result.
"""
from __future__ import annotations

import numpy as np

from flowkit.backend import (KernelTable, check_concat_shapes, check_non_negative,
                             checked_axis, checked_dims, checked_multiples, checked_paddings,
                             checked_permutation,
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
