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
_UFUNC = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "min": np.minimum,
          "max": np.maximum}


def _scatter_geometry(attrs, nd, shape, idx_shape, upd_shape):
    """Checks the shapes of a scatter into a target of ``shape``; returns ``(k, n, rows,
    cols)``: coordinates per index, indices, slices they address, elements per slice."""
    var = attrs.get("var")
    of = f" (variable '{var.name}')" if var is not None else ""
    if nd:
        if len(idx_shape) == 0 or idx_shape[-1] > len(shape):
            raise ValueError(f"indices.shape {list(idx_shape)} must end with at most the rank "
                             f"of params{of}, shape {list(shape)}")
        k = idx_shape[-1]
        want = tuple(idx_shape[:-1]) + tuple(shape[k:])
        if tuple(upd_shape) != want:
            raise ValueError(f"Must have updates.shape = indices.shape[:-1] + params.shape"
                             f"[{k}:] = {list(want)}, got updates.shape {list(upd_shape)}, "
                             f"indices.shape {list(idx_shape)}, params.shape {list(shape)}{of}")
    else:
        if len(shape) == 0:
            raise ValueError(f"params must be at least 1-D, got shape []{of}")
        k = 1
        want = tuple(idx_shape) + tuple(shape[1:])
        if len(upd_shape) and tuple(upd_shape) != want:
            raise ValueError(f"Must have updates.shape = indices.shape + params.shape[1:] or "
                             f"updates.shape = [], got updates.shape {list(upd_shape)}, "
                             f"indices.shape {list(idx_shape)}, params.shape {list(shape)}{of}")
    n = int(np.prod(idx_shape[:-1] if nd else idx_shape, dtype=np.int64))
    return (k, n, int(np.prod(shape[:k], dtype=np.int64)),
            int(np.prod(shape[k:], dtype=np.int64)))


def _linear_index(attrs, nd, indices, shape, k, n):
    """Each index as the number of the slice it addresses, after the range check."""
    idx = np.asarray(indices, dtype=np.int64).reshape(n, k)
    dims = np.asarray(shape[:k], dtype=np.int64)
    bad = ((idx < 0) | (idx >= dims)).any(axis=1)
    if bad.any():
        i = int(np.argmax(bad))
        var = attrs.get("var")
        of = f" (variable '{var.name}')" if var is not None else ""
        if nd:
            raise IndexError(f"indices[{i}] = {idx[i].tolist()} does not index into shape "
                             f"{list(shape)}{of}")
        raise IndexError(f"indices[{i}] = {int(idx[i, 0])} is not in [0, {shape[0]}){of}")
    strides = np.cumprod((list(shape[1:k]) + [1])[::-1])[::-1] if k else np.zeros(0, np.int64)
    return idx @ np.asarray(strides, dtype=np.int64)


def _trunc_divide(a, b):
    if a.dtype.kind == "f" or a.dtype.kind == "c":
        return a / b
    q = np.abs(a) // np.abs(b)
    return np.where((a < 0) != (b < 0), -q, q).astype(a.dtype)


def _scatter_into(kind, flat, lin, upd):
    """Applies ``upd`` (one row per index) to the rows ``lin`` of the 2-D ``flat``."""
    if kind == "update":         # repeated rows: the last update wins
        order = np.argsort(lin, kind="stable")
        s = lin[order]
        last = np.ones(len(s), dtype=bool)
        last[:-1] = s[1:] != s[:-1]
        keep = order[last]
        flat[lin[keep]] = upd[keep]
    elif kind == "div" and flat.dtype.kind in "fc":
        np.divide.at(flat, lin, upd)      # in index order, as TF's CPU kernel
    elif kind == "div":                   # integers: truncate once by the product
        rows, inverse = np.unique(lin, return_inverse=True)
        d = np.ones((len(rows), flat.shape[1]), dtype=flat.dtype)
        np.multiply.at(d, inverse.reshape(-1), upd)
        flat[rows] = _trunc_divide(flat[rows], d)
    else:
        _UFUNC[kind].at(flat, lin, upd)


def _scatter(op_type):
    kind, nd = _SCATTER[op_type]
    functional = op_type.startswith("Tensor")

    def kernel(attrs, target, indices, updates):
        target, updates = np.asarray(target), np.asarray(updates)
        shape, idx_shape = target.shape, np.shape(indices)
        k, n, rows, cols = _scatter_geometry(attrs, nd, shape, idx_shape, updates.shape)
        lin = _linear_index(attrs, nd, indices, shape, k, n)
        out = target
        if functional or not (out.flags.writeable and out.flags.c_contiguous):
            out = np.array(target, order="C", copy=True)   # new memory; the session keeps it
        elif np.may_share_memory(out, updates):
            updates = updates.copy()
        flat = out.reshape(rows, cols)
        upd = np.broadcast_to(updates, (n, cols)) if updates.ndim == 0 and not nd \
            else updates.reshape(n, cols)
        _scatter_into(kind, flat, lin, upd)
        return out
    kernel.__name__ = f"_{op_type}"
    return kernel


KERNELS.update({t: _scatter(t) for t in _SCATTER})
