"""NumPy kernels of :mod:`flowkit.ops.segment_ops`, with TF's checks and empty-segment
values: sorted segments must have increasing ids >= 0 (empty segments are 0, 1 for a
product); unsorted segments drop negative ids, refuse ids >= ``num_segments`` and fill empty
segments with the reduction's identity (the dtype's lowest value for a max, not -inf)."""
from __future__ import annotations

import numpy as np

from flowkit.backend import KernelTable

KERNELS = KernelTable()


def _lowest(dtype):
    return np.finfo(dtype).min if dtype.kind == "f" else np.iinfo(dtype).min


def _highest(dtype):
    return np.finfo(dtype).max if dtype.kind == "f" else np.iinfo(dtype).max


def _check_sorted_ids(ids, rows):
    if ids.size != rows:
        raise ValueError(f"segment_ids should be the same size as dimension 0 of input: "
                         f"{ids.size} vs. {rows}")
    if ids.size and ids.min() < 0:
        raise ValueError(f"segment ids must be >= 0, got {int(ids.min())}")
    if ids.size > 1 and np.any(np.diff(ids) < 0):
        i = int(np.argmax(np.diff(ids) < 0)) + 1
        raise ValueError(f"segment ids are not increasing: segment_ids[{i}] = {int(ids[i])} "
                         f"follows {int(ids[i - 1])}")


def _check_unsorted_ids(ids, n):
    if n < 0:
        raise ValueError(f"num_segments must be >= 0, got {n}")
    bad = ids >= n
    if np.any(bad):
        i = int(np.argmax(bad.reshape(-1)))
        raise ValueError(f"segment_ids[{i}] = {int(ids.reshape(-1)[i])} is out of range "
                         f"[0, {n})")


def _reduce(kind, data, ids, n):
    """``(out, counts)``: the per-segment reduction of the rows of ``data`` (``ids`` of
    any shape, a prefix of ``data``'s), empty segments holding the identity."""
    data, ids = np.asarray(data), np.asarray(ids)
    rest = data.shape[ids.ndim:]
    ids = ids.reshape(-1)
    rows = data.reshape((ids.size, int(np.prod(rest, dtype=np.int64))))
    keep = ids >= 0
    ids, rows = ids[keep], rows[keep]
    ufunc, init = {"sum": (np.add, 0), "prod": (np.multiply, 1),
                   "max": (np.maximum, _lowest(data.dtype)),
                   "min": (np.minimum, _highest(data.dtype))}[kind]
    out = np.full((n, rows.shape[1]), init, dtype=data.dtype)
    ufunc.at(out, ids, rows)
    counts = np.bincount(ids, minlength=n)[:n]
    return out, counts


def _shaped(out, data, k, n):
    data = np.asarray(data)
    return out.reshape((n,) + data.shape[k:])


def _sorted_kernel(kind):
    def kernel(attrs, data, ids):
        data, ids = np.asarray(data), np.asarray(ids)
        _check_sorted_ids(ids, data.shape[0])
        n = int(ids[-1]) + 1 if ids.size else 0
        out, counts = _reduce("sum" if kind == "mean" else kind, data, ids, n)
        if kind == "mean":
            c = np.maximum(counts, 1)[:, None]
            if data.dtype.kind == "f":
                out = (out / c).astype(data.dtype)
            else:
                out = (np.sign(out) * (np.abs(out) // c)).astype(data.dtype)
        elif kind in ("max", "min"):
            out[counts == 0] = 0
        return _shaped(out, data, 1, n)
    return kernel


def _unsorted_kernel(kind):
    def kernel(attrs, data, ids, num):
        data, ids, n = np.asarray(data), np.asarray(ids), int(num)
        _check_unsorted_ids(ids, n)
        out, _ = _reduce(kind, data, ids, n)
        return _shaped(out, data, ids.ndim, n)
    return kernel


for _kind in ("sum", "mean", "max", "min", "prod"):
    KERNELS["Segment" + _kind.capitalize()] = _sorted_kernel(_kind)
for _kind in ("sum", "max", "min", "prod"):
    KERNELS["UnsortedSegment" + _kind.capitalize()] = _unsorted_kernel(_kind)


@KERNELS.register("TopKV2")
def _top_k(attrs, x, k):
    x, k = np.asarray(x), int(k)
    n = x.shape[-1]
    if k < 0:
        raise ValueError(f"Need k >= 0, got {k}")
    if n < k:
        raise ValueError(f"input must have last dimension >= k = {k} but is {n}")
    key = np.where(np.isnan(x), -np.inf, x) if x.dtype.kind == "f" else x
    # A stable ascending sort of the reversed rows, reversed: descending, and among equal
    # values the lower index first (TF's order).
    order = np.argsort(key[..., ::-1], axis=-1, kind="stable")[..., ::-1][..., :k]
    indices = (n - 1 - order)
    values = np.take_along_axis(x, indices, axis=-1)
    return values, indices.astype(attrs["index_type"].as_numpy_dtype)


def unique(x, counts=False):
    """``np.unique`` in order of first appearance: ``(y, idx[, count])``."""
    x = np.asarray(x)
    y, first, inverse, count = np.unique(x, return_index=True, return_inverse=True,
                                         return_counts=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    outs = (y[order], rank[inverse.reshape(-1)])
    return outs + (count[order],) if counts else outs


@KERNELS.register("Unique", "UniqueWithCounts")
def _unique(attrs, x):
    idx_type = attrs["out_idx"].as_numpy_dtype
    outs = unique(x, attrs.get("counts", False))
    return (np.asarray(outs[0], dtype=np.asarray(x).dtype),) + \
        tuple(np.asarray(o, dtype=idx_type) for o in outs[1:])


@KERNELS.register("Bincount")
def _bincount(attrs, arr, size, weights):
    arr, size, weights = np.asarray(arr).reshape(-1), int(size), np.asarray(weights)
    if size < 0:
        raise ValueError(f"size ({size}) must be non-negative")
    if arr.size and arr.min() < 0:
        raise ValueError("Input arr must be non-negative!")
    keep = arr < size
    out = np.zeros(size, dtype=weights.dtype)
    if weights.size:
        if weights.size != arr.size:
            raise ValueError(f"arr and weights must have one shape: {arr.size} values vs. "
                             f"{weights.size}")
        np.add.at(out, arr[keep], weights.reshape(-1)[keep])
    else:
        np.add.at(out, arr[keep], np.ones((), weights.dtype))
    return out
