"""NumPy kernels of :mod:`flowkit.ops.linalg_ops`."""
from __future__ import annotations

from math import factorial

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


# --------------------------------------------------------------------------------------------
# Kernels of flowkit.ops.linalg_more_ops
# --------------------------------------------------------------------------------------------
def _matrices(x):
    """``x`` as a ``[batch, n, m]`` stack of matrices (a view when possible)."""
    x = np.asarray(x)
    return x.reshape((-1,) + x.shape[-2:])


@KERNELS.register("SelfAdjointEigV2")
def _self_adjoint_eig(attrs, x):
    x = np.asarray(x)
    if not np.all(np.isfinite(x)):
        raise ValueError("Self-adjoint eigen decomposition was not successful. The input "
                         "might not be valid.")
    e, v = _linalg(lambda: np.linalg.eigh(x, UPLO="L"), "Self-adjoint eigen decomposition "
                   "was not successful. The input might not be valid.")
    v = v.astype(x.dtype) if attrs["compute_v"] else np.zeros((0,), x.dtype)
    return e.astype(x.dtype), v


def _sqrtm_one(a):
    w, v = np.linalg.eig(a)
    scale = max(float(np.max(np.abs(w))), 1.0) if w.size else 1.0
    tol = 100 * np.finfo(a.dtype).eps * scale
    if np.any((np.abs(w.imag) <= tol) & (w.real < -tol)):
        return np.full(a.shape, np.nan)          # no real principal square root
    root = np.sqrt(w.astype(np.complex128))
    try:                                          # X = V diag(root) V^-1
        x = np.linalg.solve(v.T, (v * root).T).T
    except np.linalg.LinAlgError:
        return np.full(a.shape, np.nan)
    return x.real


@KERNELS.register("MatrixSquareRoot")
def _matrix_square_root(attrs, x):
    x = np.asarray(x)
    out = np.stack([_sqrtm_one(a.astype(np.float64)) for a in _matrices(x)]) if x.size else \
        np.zeros(x.shape)
    return out.reshape(x.shape).astype(x.dtype)


def _pade_coefficients(m):
    """The coefficients of the numerator of the [m/m] Pade approximant of exp, lowest first
    (the denominator's are the same with alternating signs)."""
    return [factorial(2 * m - j) * factorial(m) / (factorial(2 * m) * factorial(j) *
                                                   factorial(m - j)) for j in range(m + 1)]


_PADE13 = _pade_coefficients(13)
_THETA13 = 5.371920351148152        # the 1-norm up to which Pade [13/13] is accurate (Higham)


def _expm_one(a):
    n = a.shape[-1]
    norm1 = float(np.max(np.sum(np.abs(a), axis=0))) if n else 0.0
    if not np.isfinite(norm1):
        return np.full(a.shape, np.nan)
    s = max(0, int(np.ceil(np.log2(norm1 / _THETA13)))) if norm1 > _THETA13 else 0
    a = a / (2.0 ** s)
    b = _PADE13
    ident = np.eye(n)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 +
             b[1] * ident)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + \
        b[0] * ident
    r = np.linalg.solve(v - u, v + u)
    for _ in range(s):
        r = r @ r
    return r


@KERNELS.register("MatrixExponential")
def _matrix_exponential(attrs, x):
    x = np.asarray(x)
    out = np.stack([_expm_one(a.astype(np.float64)) for a in _matrices(x)]) if x.size else \
        np.zeros(x.shape)
    return out.reshape(x.shape).astype(x.dtype)


@KERNELS.register("Lu")
def _lu(attrs, x):
    x = np.asarray(x)
    n = x.shape[-1]
    a = _matrices(x).copy()
    batch = np.arange(a.shape[0])
    perm = np.tile(np.arange(n), (a.shape[0], 1))
    for k in range(n):
        piv = k + np.argmax(np.abs(a[:, k:, k]), axis=1)      # the first largest
        rows_k, rows_p = a[batch, k].copy(), a[batch, piv].copy()
        a[batch, k], a[batch, piv] = rows_p, rows_k
        pk, pp = perm[batch, k].copy(), perm[batch, piv].copy()
        perm[batch, k], perm[batch, piv] = pp, pk
        pivot = a[:, k, k]
        if np.any(pivot == 0):
            raise ValueError("Input is not invertible.")
        a[:, k + 1:, k] /= pivot[:, None]
        a[:, k + 1:, k + 1:] -= a[:, k + 1:, k:k + 1] * a[:, k:k + 1, k + 1:]
    return a.reshape(x.shape), perm.reshape(x.shape[:-1]).astype(
        attrs["output_idx_type"].as_numpy_dtype)


@KERNELS.register("MatrixSolveLs")
def _matrix_solve_ls(attrs, a, b, l2):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape[:-2] != b.shape[:-2] or a.shape[-2] != b.shape[-2]:
        raise ValueError(f"Input matrix and right-hand side must have the same number of "
                         f"rows and batch shape: {a.shape} and {b.shape}")
    rcond = np.finfo(a.dtype).eps * max(a.shape[-2:])
    if a.size == 0:
        return np.zeros(a.shape[:-2] + (a.shape[-1], b.shape[-1]), a.dtype)
    return (np.linalg.pinv(a, rcond=rcond) @ b).astype(a.dtype)


def tridiagonal_dense(d):
    """The ``[..., M, M]`` matrices of compact ``[..., 3, M]`` diagonals."""
    d = np.asarray(d)
    m = d.shape[-1]
    out = np.zeros(d.shape[:-2] + (m, m), d.dtype)
    i = np.arange(m)
    out[..., i, i] = d[..., 1, :]
    out[..., i[:-1], i[1:]] = d[..., 0, :-1]
    out[..., i[1:], i[:-1]] = d[..., 2, 1:]
    return out


@KERNELS.register("TridiagonalSolve")
def _tridiagonal_solve(attrs, d, rhs):
    d, rhs = np.asarray(d), np.asarray(rhs)
    if d.shape[:-2] != rhs.shape[:-2] or d.shape[-1] != rhs.shape[-2]:
        raise ValueError(f"Expected number of left-hand sided and right-hand sides to be "
                         f"equal, with the same batch shape: {d.shape} and {rhs.shape}")
    a, b = _matrices(tridiagonal_dense(d)), _matrices(rhs)
    out = np.empty(b.shape, rhs.dtype)
    for k in range(a.shape[0]):
        try:
            out[k] = np.linalg.solve(a[k], b[k])
        except np.linalg.LinAlgError:             # singular: NaN, as TF
            out[k] = np.nan
    return out.reshape(rhs.shape)
