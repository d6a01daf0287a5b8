"""NumPy kernels of the array ops (flowkit/ops/array_ops.py).

Only ops registered with ``view=True`` may return a view of input 0 (``np.transpose``,
basic slicing...); every other kernel returns fresh memory, so that an in-place variable
update never changes an earlier result.
"""
from __future__ import annotations

import numpy as np

from flowkit.ops.array_ops import range_length, strided_slice_index


def _ints(v):
    return tuple(int(d) for d in np.reshape(v, [-1]))


def _unbroadcast_to(attrs, g, shape):
    shape = _ints(shape)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and g.shape[lead + i] != 1)
    # UnbroadcastTo is not a view op: never hand back (a view of) the incoming gradient.
    return np.sum(g, axis=axes).reshape(shape) if axes else np.array(g).reshape(shape)


def _range(attrs, start, limit, delta):
    dtype = np.asarray(start).dtype
    if delta == 0:
        raise ValueError("Requires delta != 0")
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):
        raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit}")
    n = range_length(start, limit, delta)
    return (start + np.arange(n, dtype=dtype) * delta).astype(dtype)


def _linspace(attrs, start, stop, num):
    num = int(num)
    if num <= 0:
        raise ValueError(f"Requires num > 0: {num}")
    return np.linspace(start, stop, num).astype(np.asarray(start).dtype)


def _fill(attrs, dims, value):
    return np.full(_ints(dims), value, dtype=np.asarray(value).dtype)


def _concat(attrs, *args):
    *values, axis = args
    return np.concatenate(values, axis=int(axis))


def _split(attrs, axis, x):
    # Split's value is input 1, so its outputs must not share the input's memory.
    return tuple(np.array(p) for p in np.split(x, attrs["num_split"], axis=int(axis)))


def _splitv(attrs, x, sizes, axis):
    axis = int(axis) % x.ndim
    sizes = list(_ints(sizes))
    if -1 in sizes:
        sizes[sizes.index(-1)] = x.shape[axis] - (sum(sizes) + 1)
    if sum(sizes) != x.shape[axis] or min(sizes, default=0) < 0:
        raise ValueError(f"size_splits {sizes} do not add up to {x.shape[axis]}")
    return tuple(np.split(x, np.cumsum(sizes)[:-1], axis=axis))


def _tile(attrs, x, multiples):
    return np.tile(x, _ints(multiples)) if np.ndim(x) else np.array(x)


def _pad(attrs, x, paddings, constant_values=0):
    return np.pad(x, np.reshape(paddings, [-1, 2]).astype(np.int64), mode="constant",
                  constant_values=constant_values)


def _mirror_pad(attrs, x, paddings):
    mode = "reflect" if attrs["mode"] == "REFLECT" else "symmetric"
    return np.pad(x, np.reshape(paddings, [-1, 2]).astype(np.int64), mode=mode)


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


def _slice(attrs, x, begin, size):
    idx = tuple(slice(b, None if s == -1 else b + s) for b, s in zip(_ints(begin), _ints(size)))
    return x[idx]


def _strided_slice(attrs, x, begin, end, strides):
    return np.asarray(x)[strided_slice_index(begin, end, strides, attrs)]


def _strided_slice_grad(attrs, shape, begin, end, strides, dy):
    out = np.zeros(_ints(shape), dtype=np.asarray(dy).dtype)
    out[strided_slice_index(begin, end, strides, attrs)] = dy
    return out


def _check_indices(indices, dim):
    indices = np.asarray(indices)
    if indices.size and (indices.min() < 0 or indices.max() >= dim):
        bad = indices[(indices < 0) | (indices >= dim)].reshape(-1)[0]
        raise IndexError(f"indices = {bad} is not in [0, {dim})")
    return indices


def _gather(attrs, params, indices, axis):
    axis = int(axis) % np.ndim(params)
    return np.take(params, _check_indices(indices, np.shape(params)[axis]), axis=axis)


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


def _gather_nd(attrs, params, indices):
    return np.array(np.asarray(params)[_nd_index(indices, np.shape(params))])


def _scatter_nd(attrs, indices, updates, shape):
    out = np.zeros(_ints(shape), dtype=np.asarray(updates).dtype)
    np.add.at(out, _nd_index(indices, out.shape), updates)
    return out


def _one_hot(attrs, indices, depth, on, off):
    indices = np.asarray(indices)
    hot = indices[..., None] == np.arange(int(depth))
    out = np.where(hot, on, off).astype(np.asarray(on).dtype)
    axis = attrs["axis"]
    return out if axis == -1 else np.moveaxis(out, -1, axis)


def _select(attrs, cond, x, y):
    cond = np.asarray(cond)
    if cond.ndim == 1 and np.ndim(x) > 1:
        cond = cond.reshape((-1,) + (1,) * (np.ndim(x) - 1))
    return np.where(cond, x, y)


def _transpose(attrs, x, perm):
    return np.transpose(x, _ints(perm))


def _squeeze(attrs, x):
    axes = attrs["squeeze_dims"]
    return np.squeeze(x, axis=axes) if axes else np.squeeze(x)


KERNELS = {
    "Identity": lambda attrs, x: x,
    "StopGradient": lambda attrs, x: x,
    "PlaceholderWithDefault": lambda attrs, x: x,
    "Shape": lambda attrs, x: np.array(np.shape(x), dtype=attrs["out_type"].as_numpy_dtype),
    "Size": lambda attrs, x: np.array(np.size(x), dtype=attrs["out_type"].as_numpy_dtype),
    "Rank": lambda attrs, x: np.array(np.ndim(x), dtype=np.int32),
    "Reshape": lambda attrs, x, shape: np.reshape(x, _ints(shape)),
    "BroadcastTo": lambda attrs, x, shape: np.broadcast_to(x, _ints(shape)),
    "UnbroadcastTo": _unbroadcast_to,
    "Cast": lambda attrs, x: np.asarray(x).astype(attrs["DstT"].as_numpy_dtype),
    "Pack": lambda attrs, *xs: np.stack(xs, axis=attrs["axis"]),
    "Unpack": lambda attrs, x: tuple(np.moveaxis(x, attrs["axis"], 0)),
    "ZerosLike": lambda attrs, x: np.zeros_like(x),
    "OnesLike": lambda attrs, x: np.ones_like(x),
    "Fill": _fill,
    "Range": _range,
    "LinSpace": _linspace,
    "Transpose": _transpose,
    "InvertPermutation": lambda attrs, x: np.argsort(x).astype(np.asarray(x).dtype),
    "ExpandDims": lambda attrs, x, dim: np.expand_dims(x, int(dim)),
    "Squeeze": _squeeze,
    "ReverseV2": lambda attrs, x, axis: np.flip(x, axis=_ints(axis)) if np.size(axis) else x,
    "ConcatV2": _concat,
    "Split": _split,
    "SplitV": _splitv,
    "Tile": _tile,
    "Pad": _pad,
    "PadV2": _pad,
    "MirrorPad": _mirror_pad,
    "MirrorPadGrad": _mirror_pad_grad,
    "Slice": _slice,
    "StridedSlice": _strided_slice,
    "StridedSliceGrad": _strided_slice_grad,
    "GatherV2": _gather,
    "GatherGrad": _gather_grad,
    "GatherNd": _gather_nd,
    "ScatterNd": _scatter_nd,
    "OneHot": _one_hot,
    "Where": lambda attrs, c: np.argwhere(c).astype(np.int64),
    "Select": _select,
}
