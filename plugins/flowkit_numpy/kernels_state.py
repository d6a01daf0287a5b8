"""NumPy kernels of the state ops: variables are updated in place when shapes allow."""
from __future__ import annotations

import numpy as np

from flowkit.backend import check_assign_shape


def _assign(attrs, ref, value):
    check_assign_shape(attrs, None if ref is None else ref.shape, np.shape(value))
    if ref is not None and ref.shape == np.shape(value) and ref.flags.writeable:
        ref[...] = value
        return ref
    return np.array(value, dtype=attrs["dtype"].as_numpy_dtype, copy=True)


def _assign_add(attrs, ref, value):
    np.add(ref, value, out=ref, casting="unsafe")
    return ref


def _assign_sub(attrs, ref, value):
    np.subtract(ref, value, out=ref, casting="unsafe")
    return ref


KERNELS = {
    "Assign": _assign,
    "AssignAdd": _assign_add,
    "AssignSub": _assign_sub,
}
