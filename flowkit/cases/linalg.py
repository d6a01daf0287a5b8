"""Conformance cases of :mod:`flowkit.ops.linalg_ops` (see :mod:`flowkit.testing_cases`)."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.ops import linalg_ops as la
from flowkit.ops.math_ops import sign
from flowkit.ops.matrix_ops import matmul

_r = np.random.default_rng(1357)


def _m(*shape):
    return _r.standard_normal(shape)


def _well(*shape):
    """Well-conditioned square matrices (a scaled identity plus noise)."""
    n = shape[-1]
    return _r.standard_normal(shape) * 0.3 + 2.0 * np.eye(n)


def _spd(x):
    """A symmetric positive definite matrix made from ``x`` (for Cholesky's gradient)."""
    n = x.shape[-1].value
    return matmul(x, x, transpose_b=True) + 3.0 * la.eye(n, dtype=x.dtype)


def _signless(t):
    """``t`` with each column's sign fixed by its first row (QR and SVD are unique only up to
    the signs of the vectors, which may differ between LAPACK builds)."""
    return t * sign(t[..., :1, :])


CASES = [
    Case("MatrixDiag", la.matrix_diag, [_m(2, 3)], grad=True),
    Case("MatrixDiagPart", la.matrix_diag_part, [_m(2, 3, 4)], grad=True),
    Case("MatrixSetDiag", la.matrix_set_diag, [_m(2, 4, 3), _m(2, 3)], grad=True),
    Case("MatrixBandPart", lambda x: la.matrix_band_part(x, 1, -1), [_m(2, 4, 4)], grad=True),
    Case("MatrixBandPart-diag", lambda x: la.matrix_band_part(x, 0, 0), [_m(3, 5)]),
    Case("MatrixInverse", la.matrix_inverse, [_well(2, 3, 3)], grad=True),
    Case("MatrixInverse-adjoint", lambda x: la.matrix_inverse(x, adjoint=True),
         [_well(3, 3)], grad=True),
    Case("MatrixDeterminant", la.matrix_determinant, [_well(2, 3, 3)], grad=True),
    Case("LogMatrixDeterminant", lambda x: la.log_matrix_determinant(x)[1],
         [_well(2, 3, 3)], grad=True),
    Case("LogMatrixDeterminant-sign", lambda x: la.log_matrix_determinant(x)[0],
         [-_well(3, 3)]),
    Case("MatrixSolve", la.matrix_solve, [_well(2, 3, 3), _m(2, 3, 2)], grad=True),
    Case("MatrixSolve-adjoint", lambda a, b: la.matrix_solve(a, b, adjoint=True),
         [_well(3, 3), _m(3, 2)], grad=True),
    Case("MatrixTriangularSolve", la.matrix_triangular_solve, [_well(2, 3, 3), _m(2, 3, 2)],
         grad=True),
    Case("MatrixTriangularSolve-upper-adjoint",
         lambda a, b: la.matrix_triangular_solve(a, b, lower=False, adjoint=True),
         [_well(3, 3), _m(3, 1)], grad=True),
    Case("Cholesky", lambda x: la.cholesky(_spd(x)), [_m(3, 3)], grad=True),
    Case("Qr", lambda x: _signless(la.qr(x)[0]), [_m(4, 3)], grad=True),
    Case("Qr-r", lambda x: la.qr(x)[1] * la.qr(x)[0][:1, :1] / abs(la.qr(x)[0][:1, :1]),
         [_m(3, 3)]),
    Case("Svd", lambda x: la.svd(x, compute_uv=False), [_m(2, 4, 3)], grad=True),
    Case("Svd-u", lambda x: _signless(la.svd(x)[1]), [_m(3, 4)], grad=True),
    Case("Svd-v", lambda x: _signless(la.svd(x)[2]), [_m(4, 3)], grad=True),
    Case("Cross", la.cross, [_m(2, 3), _m(2, 3)], grad=True),
    Case("einsum", lambda a, b: la.einsum("bij,bjk->bki", a, b), [_m(2, 3, 4), _m(2, 4, 2)],
         grad=True),
    Case("norm", lambda x: la.norm(x, ord=1, axis=[-2, -1]), [_m(2, 3, 3) + 3.0], grad=True),
]
