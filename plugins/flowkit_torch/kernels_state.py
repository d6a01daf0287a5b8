"""Torch kernels of the state ops: variables are updated in place (``copy_``, ``add_``,
``sub_``) when the new value has the variable's shape, so their memory stays put on the
device."""
from __future__ import annotations

import numpy as np
import torch

from flowkit.backend import check_assign_shape
from flowkit_torch._common import small_int_tensor


def _overlaps(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def _forget_host_copy(ref: torch.Tensor) -> None:
    """An in-place update makes the values a small tensor carries on the host stale."""
    if "_fk_host" in ref.__dict__:
        del ref._fk_host


def _assign(attrs, ref, value):
    check_assign_shape(attrs, None if ref is None else tuple(ref.shape), tuple(value.shape))
    if not isinstance(value, torch.Tensor):          # strings stay NumPy object arrays
        return np.array(value, dtype=object, copy=True)
    if isinstance(ref, torch.Tensor) and ref.shape == value.shape and ref.device == value.device:
        if ref is value:
            return ref
        if _overlaps(ref, value):
            value = value.clone()
        ref.copy_(value)
        _forget_host_copy(ref)
        return ref
    return value.clone(memory_format=torch.contiguous_format)


def _update(method):
    def kernel(attrs, ref, value):
        if _overlaps(ref, value) and ref is not value:
            value = value.clone()
        getattr(ref, method)(value)
        _forget_host_copy(ref)
        return ref
    kernel.__name__ = f"_assign_{method.rstrip('_')}"
    return kernel


KERNELS = {
    "Assign": _assign,
    "AssignAdd": _update("add_"),
    "AssignSub": _update("sub_"),
}


# -- scatter ops (flowkit.ops.scatter_ops) ------------------------------------------------------
# Op type -> (how an update combines with its target, whether indices hold K coordinates).
_SCATTER = {
    "ScatterUpdate": ("update", False), "ScatterAdd": ("add", False),
    "ScatterSub": ("sub", False), "ScatterMul": ("mul", False), "ScatterDiv": ("div", False),
    "ScatterMin": ("min", False), "ScatterMax": ("max", False),
    "ScatterNdUpdate": ("update", True), "ScatterNdAdd": ("add", True),
    "ScatterNdSub": ("sub", True),
    "TensorScatterUpdate": ("update", True), "TensorScatterAdd": ("add", True),
    "TensorScatterSub": ("sub", True), "TensorScatterMin": ("min", True),
    "TensorScatterMax": ("max", True),
}
_REDUCE = {"mul": "prod", "min": "amin", "max": "amax"}


def _of(attrs) -> str:
    var = attrs.get("var")
    return f" (variable '{var.name}')" if var is not None else ""


def _scatter_geometry(attrs, nd, shape, idx_shape, upd_shape):
    """Checks the shapes of a scatter into a target of ``shape``; returns ``(k, n, rows,
    cols)``: coordinates per index, indices, slices they address, elements per slice."""
    if nd:
        if len(idx_shape) == 0 or idx_shape[-1] > len(shape):
            raise ValueError(f"indices.shape {list(idx_shape)} must end with at most the rank "
                             f"of params{_of(attrs)}, shape {list(shape)}")
        k = idx_shape[-1]
        want = tuple(idx_shape[:-1]) + tuple(shape[k:])
        if tuple(upd_shape) != want:
            raise ValueError(f"Must have updates.shape = indices.shape[:-1] + params.shape"
                             f"[{k}:] = {list(want)}, got updates.shape {list(upd_shape)}, "
                             f"indices.shape {list(idx_shape)}, params.shape {list(shape)}"
                             f"{_of(attrs)}")
    else:
        if len(shape) == 0:
            raise ValueError(f"params must be at least 1-D, got shape []{_of(attrs)}")
        k = 1
        want = tuple(idx_shape) + tuple(shape[1:])
        if len(upd_shape) and tuple(upd_shape) != want:
            raise ValueError(f"Must have updates.shape = indices.shape + params.shape[1:] or "
                             f"updates.shape = [], got updates.shape {list(upd_shape)}, "
                             f"indices.shape {list(idx_shape)}, params.shape {list(shape)}"
                             f"{_of(attrs)}")
    n = int(np.prod(idx_shape[:-1] if nd else idx_shape, dtype=np.int64))
    return (k, n, int(np.prod(shape[:k], dtype=np.int64)),
            int(np.prod(shape[k:], dtype=np.int64)))


def _linear_index(attrs, nd, indices, shape, k, n, device):
    """Each index as the number of the slice it addresses (on the device), after the range
    check."""
    idx = indices.to(device=device, dtype=torch.int64).reshape(n, k)
    dims = small_int_tensor(shape[:k], "int64", device)
    bad = ((idx < 0) | (idx >= dims)).any(dim=1)
    if n and bool(bad.any()):
        i = int(bad.nonzero()[0, 0])
        if nd:
            raise IndexError(f"indices[{i}] = {idx[i].tolist()} does not index into shape "
                             f"{list(shape)}{_of(attrs)}")
        raise IndexError(f"indices[{i}] = {int(idx[i, 0])} is not in [0, {shape[0]})"
                         f"{_of(attrs)}")
    strides = np.cumprod((list(shape[1:k]) + [1])[::-1])[::-1].tolist() if k else []
    return (idx * small_int_tensor(strides, "int64", device)).sum(dim=1)


def _scatter_into(kind, flat, lin, upd):
    """Applies ``upd`` (one row per index) to the rows ``lin`` of the 2-D ``flat``, in
    place, with torch's indexed ops (no loop over the indices)."""
    if kind == "update":         # repeated rows: the last update wins, on every device
        s, order = torch.sort(lin, stable=True)
        last = torch.ones_like(s, dtype=torch.bool)
        last[:-1] = s[1:] != s[:-1]
        keep = order[last]
        flat.index_copy_(0, lin[keep], upd[keep])
    elif kind == "add":
        flat.index_add_(0, lin, upd)
    elif kind == "sub":
        flat.index_add_(0, lin, upd, alpha=-1)
    elif kind == "div":          # divide once by the product of each row's divisors
        rows, inverse = torch.unique(lin, return_inverse=True)
        d = torch.ones((len(rows), flat.shape[1]), dtype=flat.dtype, device=flat.device)
        d.scatter_reduce_(0, inverse.reshape(-1, 1).expand(upd.shape), upd, "prod")
        cur = flat.index_select(0, rows)
        mode = None if flat.dtype.is_floating_point or flat.dtype.is_complex else "trunc"
        flat.index_copy_(0, rows, torch.div(cur, d, rounding_mode=mode))
    else:
        flat.scatter_reduce_(0, lin.reshape(-1, 1).expand(upd.shape), upd, _REDUCE[kind])


def _scatter(op_type):
    kind, nd = _SCATTER[op_type]
    functional = op_type.startswith("Tensor")

    def kernel(attrs, target, indices, updates):
        shape = tuple(target.shape)
        k, n, rows, cols = _scatter_geometry(attrs, nd, shape, tuple(indices.shape),
                                             tuple(updates.shape))
        lin = _linear_index(attrs, nd, indices, shape, k, n, target.device)
        out = target
        if functional or not out.is_contiguous():
            out = target.clone(memory_format=torch.contiguous_format)  # the session keeps it
        elif _overlaps(out, updates):
            updates = updates.clone()
        upd = updates.to(out.device)
        upd = upd.expand(n, cols) if upd.ndim == 0 and not nd else upd.reshape(n, cols)
        _scatter_into(kind, out.view(rows, cols), lin, upd)
        if not functional:
            _forget_host_copy(out)
        return out
    kernel.__name__ = f"_{op_type}"
    return kernel


KERNELS.update({t: _scatter(t) for t in _SCATTER})
