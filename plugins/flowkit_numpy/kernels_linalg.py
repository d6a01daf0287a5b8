"""NumPy kernels of :mod:`flowkit.ops.linalg_ops`."""
from __future__ import annotations

import numpy as np

from flowkit.backend import KernelTable

KERNELS = KernelTable()


def _diag_index(n):
    i = np.arange(n)
    return (Ellipsis, i, i)


@KERNELS.register("MatrixDiag")
def _matrix_diag(attrs, d):
    d = np.asarray(d)
    n = d.shape[-1]
    out = np.zeros(d.shape + (n,), dtype=d.dtype)
    out[_diag_index(n)] = d
    return out


@KERNELS.register("MatrixDiagPart")
def _matrix_diag_part(attrs, x):
    return np.diagonal(x, axis1=-2, axis2=-1).copy()


@KERNELS.register("MatrixSetDiag")
def _matrix_set_diag(attrs, x, d):
    out = np.array(x, copy=True)
    n = min(out.shape[-2:])
    if np.shape(d)[-1] != n:
        raise ValueError(f"diagonal must have {n} elements in its last dimension, got "
                         f"shape {np.shape(d)}")
    out[_diag_index(n)] = d
    return out


def band_mask(m, n, lo, hi):
    """The ``[m, n]`` mask of the band ``lo`` below and ``hi`` above the diagonal."""
    lo, hi = int(lo), int(hi)
    if lo > m:
        raise ValueError(f"num_lower must be negative or less or equal to number of rows "
                         f"({m}) got: {lo}")
    if hi > n:
        raise ValueError(f"num_upper must be negative or less or equal to number of columns "
                         f"({n}) got: {hi}")
    i = np.arange(m)[:, None]
    j = np.arange(n)[None, :]
    return ((lo < 0) | (i - j <= lo)) & ((hi < 0) | (j - i <= hi))


@KERNELS.register("MatrixBandPart")
def _matrix_band_part(attrs, x, lo, hi):
    x = np.asarray(x)
    mask = band_mask(x.shape[-2], x.shape[-1], lo, hi)
    return np.where(mask, x, np.zeros((), x.dtype))


def _adj(x):
    return np.swapaxes(x, -1, -2)


def _linalg(fn, message):
    try:
        return fn()
    except np.linalg.LinAlgError:
        raise ValueError(message) from None


@KERNELS.register("MatrixInverse")
def _matrix_inverse(attrs, x):
    x = _adj(x) if attrs["adjoint"] else x
    return _linalg(lambda: np.linalg.inv(x), "Input is not invertible.").astype(x.dtype)


@KERNELS.register("MatrixDeterminant")
def _matrix_determinant(attrs, x):
    return np.asarray(np.linalg.det(x), dtype=np.asarray(x).dtype)


@KERNELS.register("LogMatrixDeterminant")
def _log_matrix_determinant(attrs, x):
    sign, logdet = np.linalg.slogdet(x)
    dt = np.asarray(x).dtype
    return np.asarray(sign, dtype=dt), np.asarray(logdet, dtype=dt)


def _check_solve(a, b):
    if a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"Input matrix and right-hand side must have the same number of "
                         f"rows and batch shape: {a.shape} and {b.shape}")


@KERNELS.register("MatrixSolve")
def _matrix_solve(attrs, a, b):
    a, b = np.asarray(a), np.asarray(b)
    _check_solve(a, b)
    a = _adj(a) if attrs["adjoint"] else a
    return _linalg(lambda: np.linalg.solve(a, b), "Input matrix is not invertible.") \
        .astype(b.dtype)


@KERNELS.register("MatrixTriangularSolve")
def _matrix_triangular_solve(attrs, a, b):
    a, b = np.asarray(a), np.asarray(b)
    _check_solve(a, b)
    n = a.shape[-1]
    a = np.tril(a) if attrs["lower"] else np.triu(a)
    a = _adj(a) if attrs["adjoint"] else a
    if n and np.any(np.diagonal(a, axis1=-2, axis2=-1) == 0):
        raise ValueError("Input matrix is not invertible.")
    return np.linalg.solve(a, b).astype(b.dtype)


@KERNELS.register("Cholesky")
def _cholesky(attrs, x):
    return _linalg(lambda: np.linalg.cholesky(x), "Cholesky decomposition was not "
                   "successful. The input might not be valid.").astype(np.asarray(x).dtype)


@KERNELS.register("Qr")
def _qr(attrs, x):
    x = np.asarray(x)
    q, r = np.linalg.qr(x, mode="complete" if attrs["full_matrices"] else "reduced")
    return q.astype(x.dtype), r.astype(x.dtype)


@KERNELS.register("Svd")
def _svd(attrs, x):
    x = np.asarray(x)
    u, s, vh = np.linalg.svd(x, full_matrices=attrs["full_matrices"])
    return s.astype(x.dtype), u.astype(x.dtype), np.ascontiguousarray(_adj(vh)).astype(x.dtype)


@KERNELS.register("Cross")
def _cross(attrs, a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"Both inputs must be of same shape: {a.shape} vs. {b.shape}")
    return np.cross(a, b).astype(a.dtype)
