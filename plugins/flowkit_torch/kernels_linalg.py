"""PyTorch kernels of :mod:`flowkit.ops.linalg_ops`."""
from __future__ import annotations

import torch

from flowkit.backend import KernelTable
from flowkit_torch._common import host_int, tdtype

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


# --------------------------------------------------------------------------------------------
# Kernels of flowkit.ops.linalg_more_ops
# --------------------------------------------------------------------------------------------
_EIG_FAILED = ("Self-adjoint eigen decomposition was not successful. The input might not be "
               "valid.")


@KERNELS.register("SelfAdjointEigV2")
def _self_adjoint_eig(attrs, x):
    if not bool(torch.isfinite(x).all()):
        raise ValueError(_EIG_FAILED)
    if not attrs["compute_v"]:
        return torch.linalg.eigvalsh(x), torch.zeros((0,), dtype=x.dtype, device=x.device)
    e, v = torch.linalg.eigh(x)
    return e, v


@KERNELS.register("MatrixSquareRoot")
def _matrix_square_root(attrs, x):
    if x.numel() == 0:
        return x.clone()
    a = x.to(torch.float64)
    w, v = torch.linalg.eig(a)
    scale = w.abs().amax(-1, keepdim=True).clamp(min=1.0)
    tol = 100 * torch.finfo(torch.float64).eps * scale
    negative = ((w.imag.abs() <= tol) & (w.real < -tol)).any(-1)
    root = torch.sqrt(w)
    # X = V diag(root) V^-1, solved as X V = V diag(root)
    out, info = torch.linalg.solve_ex(v.transpose(-1, -2), (v * root.unsqueeze(-2))
                                      .transpose(-1, -2))
    out = out.transpose(-1, -2).real
    bad = (negative | (info != 0))[..., None, None]
    out = torch.where(bad, torch.full_like(out, float("nan")), out)
    return out.to(x.dtype)


@KERNELS.register("MatrixExponential")
def _matrix_exponential(attrs, x):
    return torch.linalg.matrix_exp(x)


@KERNELS.register("Lu")
def _lu(attrs, x):
    lu, pivots, info = torch.linalg.lu_factor_ex(x)
    if bool((info != 0).any()):
        raise ValueError("Input is not invertible.")
    p_mat = torch.lu_unpack(lu, pivots, unpack_data=False)[0]   # x = P L U
    perm = p_mat.argmax(-2)                                        # P[perm[i], i] = 1
    return lu, perm.to(tdtype(attrs["output_idx_type"]))


@KERNELS.register("MatrixSolveLs")
def _matrix_solve_ls(attrs, a, b, l2):
    if a.shape[:-2] != b.shape[:-2] or a.shape[-2] != b.shape[-2]:
        raise ValueError(f"Input matrix and right-hand side must have the same number of "
                         f"rows and batch shape: {tuple(a.shape)} and {tuple(b.shape)}")
    if a.numel() == 0:
        return torch.zeros(a.shape[:-2] + (a.shape[-1], b.shape[-1]), dtype=a.dtype,
                           device=a.device)
    rtol = torch.finfo(a.dtype).eps * max(a.shape[-2:])
    return torch.linalg.pinv(a, rtol=rtol) @ b


@KERNELS.register("TridiagonalSolve")
def _tridiagonal_solve(attrs, d, rhs):
    if d.shape[:-2] != rhs.shape[:-2] or d.shape[-1] != rhs.shape[-2]:
        raise ValueError(f"Expected number of left-hand sided and right-hand sides to be "
                         f"equal, with the same batch shape: {tuple(d.shape)} and "
                         f"{tuple(rhs.shape)}")
    a = (torch.diag_embed(d[..., 1, :]) + torch.diag_embed(d[..., 0, :-1], offset=1) +
         torch.diag_embed(d[..., 2, 1:], offset=-1))
    out, info = torch.linalg.solve_ex(a, rhs)
    bad = (info != 0)[..., None, None]
    return torch.where(bad, torch.full_like(out, float("nan")), out)
