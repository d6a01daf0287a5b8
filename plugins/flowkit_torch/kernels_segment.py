"""PyTorch kernels of :mod:`flowkit.ops.segment_ops`, with TF's checks, empty-segment values
and order of ties (``top_k``: a stable descending sort, so equal values keep the lower index
first; ``torch.topk`` does not promise an order of ties). ``unique`` of a string tensor (a
NumPy object array on every device) runs the NumPy backend's kernel."""
from __future__ import annotations

import numpy as np
import torch

from flowkit import plugins
from flowkit.backend import KernelTable
from flowkit_torch._common import host_int, tdtype

KERNELS = KernelTable()


def _limits(dtype):
    info = torch.finfo(dtype) if dtype.is_floating_point else torch.iinfo(dtype)
    return info.min, info.max


def _check_sorted_ids(ids, rows):
    if ids.numel() != rows:
        raise ValueError(f"segment_ids should be the same size as dimension 0 of input: "
                         f"{ids.numel()} vs. {rows}")
    if ids.numel() and int(ids.min()) < 0:
        raise ValueError(f"segment ids must be >= 0, got {int(ids.min())}")
    if ids.numel() > 1:
        down = torch.diff(ids) < 0
        if bool(down.any()):
            i = int(torch.argmax(down.to(torch.uint8))) + 1
            raise ValueError(f"segment ids are not increasing: segment_ids[{i}] = "
                             f"{int(ids[i])} follows {int(ids[i - 1])}")


def _check_unsorted_ids(ids, n):
    if n < 0:
        raise ValueError(f"num_segments must be >= 0, got {n}")
    flat = ids.reshape(-1)
    bad = flat >= n
    if flat.numel() and bool(bad.any()):
        i = int(torch.argmax(bad.to(torch.uint8)))
        raise ValueError(f"segment_ids[{i}] = {int(flat[i])} is out of range [0, {n})")


_REDUCE = {"sum": "sum", "prod": "prod", "max": "amax", "min": "amin"}


def _reduce(kind, data, ids, n):
    """``(out [n, rest...], counts [n])`` with empty segments holding the identity."""
    rest = data.shape[ids.ndim:]
    ids = ids.reshape(-1).to(torch.int64)
    rows = data.reshape((ids.numel(),) + tuple(rest))
    keep = ids >= 0
    if not bool(keep.all()):
        ids, rows = ids[keep], rows[keep]
    lo, hi = _limits(data.dtype)
    init = {"sum": 0, "prod": 1, "max": lo, "min": hi}[kind]
    out = torch.full((n,) + tuple(rest), init, dtype=data.dtype, device=data.device)
    if kind == "sum":
        out.index_add_(0, ids, rows)
    else:
        index = ids.reshape((-1,) + (1,) * len(rest)).expand(rows.shape)
        out.scatter_reduce_(0, index, rows, _REDUCE[kind], include_self=True)
    counts = torch.bincount(ids, minlength=n)[:n]
    return out, counts


def _sorted_kernel(kind):
    def kernel(attrs, data, ids):
        _check_sorted_ids(ids, data.shape[0])
        n = int(ids[-1]) + 1 if ids.numel() else 0
        out, counts = _reduce("sum" if kind == "mean" else kind, data, ids, n)
        c = counts.reshape((-1,) + (1,) * (out.ndim - 1))
        if kind == "mean":
            if data.dtype.is_floating_point:
                out = out / c.clamp(min=1).to(data.dtype)
            else:
                out = torch.div(out, c.clamp(min=1).to(out.dtype), rounding_mode="trunc")
        elif kind in ("max", "min"):
            out = torch.where(c == 0, torch.zeros((), dtype=out.dtype, device=out.device), out)
        return out
    return kernel


def _unsorted_kernel(kind):
    def kernel(attrs, data, ids, num):
        n = host_int(num)
        _check_unsorted_ids(ids, n)
        return _reduce(kind, data, ids, n)[0]
    return kernel


for _kind in ("sum", "mean", "max", "min", "prod"):
    KERNELS["Segment" + _kind.capitalize()] = _sorted_kernel(_kind)
for _kind in ("sum", "max", "min", "prod"):
    KERNELS["UnsortedSegment" + _kind.capitalize()] = _unsorted_kernel(_kind)


@KERNELS.register("TopKV2")
def _top_k(attrs, x, k):
    k, n = host_int(k), x.shape[-1]
    if k < 0:
        raise ValueError(f"Need k >= 0, got {k}")
    if n < k:
        raise ValueError(f"input must have last dimension >= k = {k} but is {n}")
    key = x
    if x.dtype.is_floating_point:
        key = torch.where(torch.isnan(x), torch.full((), float("-inf"), dtype=x.dtype,
                                                     device=x.device), x)
    if x.dtype == torch.uint8 or not x.dtype.is_floating_point and x.device.type != "cpu":
        key = key.to(torch.int64)
    order = torch.sort(key, dim=-1, descending=True, stable=True).indices[..., :k]
    values = torch.gather(x, -1, order)
    return values, order.to(tdtype(attrs["index_type"]))


@KERNELS.register("Unique", "UniqueWithCounts")
def _unique(attrs, x):
    if isinstance(x, np.ndarray):
        outs = plugins.get_backend("numpy").kernels["Unique"](attrs, x)
        return (outs[0],) + tuple(torch.from_numpy(np.array(o)) for o in outs[1:])
    y, inverse, count = torch.unique(x, sorted=True, return_inverse=True, return_counts=True)
    pos = torch.arange(x.numel(), device=x.device)
    first = torch.full((y.numel(),), x.numel(), dtype=torch.int64, device=x.device)
    first.scatter_reduce_(0, inverse, pos, "amin", include_self=True)
    order = torch.argsort(first)
    rank = torch.empty_like(order)
    rank[order] = torch.arange(order.numel(), device=x.device)
    idx_type = tdtype(attrs["out_idx"])
    outs = (y[order], rank[inverse].to(idx_type))
    if attrs.get("counts"):
        outs += (count[order].to(idx_type),)
    return outs


@KERNELS.register("Bincount")
def _bincount(attrs, arr, size, weights):
    arr, size = arr.reshape(-1).to(torch.int64), host_int(size)
    if size < 0:
        raise ValueError(f"size ({size}) must be non-negative")
    if arr.numel() and int(arr.min()) < 0:
        raise ValueError("Input arr must be non-negative!")
    keep = arr < size
    out = torch.zeros(size, dtype=weights.dtype, device=arr.device)
    if weights.numel():
        if weights.numel() != arr.numel():
            raise ValueError(f"arr and weights must have one shape: {arr.numel()} values vs. "
                             f"{weights.numel()}")
        out.index_add_(0, arr[keep], weights.reshape(-1)[keep])
    else:
        out.index_add_(0, arr[keep], torch.ones(int(keep.sum()), dtype=weights.dtype,
                                                device=arr.device))
    return out
