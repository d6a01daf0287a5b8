"""PyTorch kernels of :mod:`flowkit.ops.linalg_ops`."""
from __future__ import annotations

import torch

from flowkit.backend import KernelTable
from flowkit_torch._common import host_int

KERNELS = KernelTable()


@KERNELS.register("MatrixDiag")
def _matrix_diag(attrs, d):
    return torch.diag_embed(d)


@KERNELS.register("MatrixDiagPart")
def _matrix_diag_part(attrs, x):
    return torch.diagonal(x, dim1=-2, dim2=-1).clone()


@KERNELS.register("MatrixSetDiag")
def _matrix_set_diag(attrs, x, d):
    out = x.clone()
    n = min(out.shape[-2:])
    if d.shape[-1] != n:
        raise ValueError(f"diagonal must have {n} elements in its last dimension, got "
                         f"shape {tuple(d.shape)}")
    torch.diagonal(out, dim1=-2, dim2=-1).copy_(d)
    return out


@KERNELS.register("MatrixBandPart")
def _matrix_band_part(attrs, x, lo, hi):
    m, n = x.shape[-2], x.shape[-1]
    lo, hi = host_int(lo), host_int(hi)
    if lo > m:
        raise ValueError(f"num_lower must be negative or less or equal to number of rows "
                         f"({m}) got: {lo}")
    if hi > n:
        raise ValueError(f"num_upper must be negative or less or equal to number of columns "
                         f"({n}) got: {hi}")
    i = torch.arange(m, device=x.device)[:, None]
    j = torch.arange(n, device=x.device)[None, :]
    mask = ((lo < 0) | (i - j <= lo)) & ((hi < 0) | (j - i <= hi))
    return torch.where(mask, x, torch.zeros((), dtype=x.dtype, device=x.device))


def _adj(x):
    return x.transpose(-1, -2)


def _checked(result, info, message):
    if bool((info != 0).any()):
        raise ValueError(message)
    return result


@KERNELS.register("MatrixInverse")
def _matrix_inverse(attrs, x):
    x = _adj(x) if attrs["adjoint"] else x
    out, info = torch.linalg.inv_ex(x)
    return _checked(out, info, "Input is not invertible.")


@KERNELS.register("MatrixDeterminant")
def _matrix_determinant(attrs, x):
    return torch.linalg.det(x)


@KERNELS.register("LogMatrixDeterminant")
def _log_matrix_determinant(attrs, x):
    sign, logdet = torch.linalg.slogdet(x)
    return sign, logdet


def _check_solve(a, b):
    if a.shape[:-2] != b.shape[:-2] or a.shape[-1] != b.shape[-2]:
        raise ValueError(f"Input matrix and right-hand side must have the same number of "
                         f"rows and batch shape: {tuple(a.shape)} and {tuple(b.shape)}")


@KERNELS.register("MatrixSolve")
def _matrix_solve(attrs, a, b):
    _check_solve(a, b)
    a = _adj(a) if attrs["adjoint"] else a
    out, info = torch.linalg.solve_ex(a, b)
    return _checked(out, info, "Input matrix is not invertible.")


@KERNELS.register("MatrixTriangularSolve")
def _matrix_triangular_solve(attrs, a, b):
    _check_solve(a, b)
    lower = attrs["lower"]
    a = torch.tril(a) if lower else torch.triu(a)
    if a.shape[-1] and bool((torch.diagonal(a, dim1=-2, dim2=-1) == 0).any()):
        raise ValueError("Input matrix is not invertible.")
    if attrs["adjoint"]:
        a, lower = _adj(a), not lower
    return torch.linalg.solve_triangular(a, b, upper=not lower)


@KERNELS.register("Cholesky")
def _cholesky(attrs, x):
    out, info = torch.linalg.cholesky_ex(x)
    return _checked(out, info, "Cholesky decomposition was not successful. The input might "
                    "not be valid.")


@KERNELS.register("Qr")
def _qr(attrs, x):
    q, r = torch.linalg.qr(x, mode="complete" if attrs["full_matrices"] else "reduced")
    return q, r


@KERNELS.register("Svd")
def _svd(attrs, x):
    u, s, vh = torch.linalg.svd(x, full_matrices=attrs["full_matrices"])
    return s, u, _adj(vh).contiguous()


@KERNELS.register("Cross")
def _cross(attrs, a, b):
    if a.shape != b.shape:
        raise ValueError(f"Both inputs must be of same shape: {tuple(a.shape)} vs. "
                         f"{tuple(b.shape)}")
    return torch.linalg.cross(a, b, dim=-1)
