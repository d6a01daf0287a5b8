"""Torch kernels of the state ops: variables are updated in place (``copy_``, ``add_``,
``sub_``) when the new value has the variable's shape, so their memory stays put on the
device."""
from __future__ import annotations

import numpy as np
import torch

from flowkit.backend import check_assign_shape


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
