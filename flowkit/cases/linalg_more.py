"""Conformance cases of :mod:`flowkit.ops.linalg_more_ops` (see :mod:`flowkit.testing_cases`)."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.ops import linalg_more_ops as lm
from flowkit.ops.linalg_ops import cholesky, eye
from flowkit.ops.math_ops import sign
from flowkit.ops.matrix_ops import matmul

_r = np.random.default_rng(2468)


def _m(*shape):
    return _r.standard_normal(shape)


def _well(*shape):
    """Well-conditioned square matrices with eigenvalues near 2 (a real square root)."""
    return _r.standard_normal(shape) * 0.3 + 2.0 * np.eye(shape[-1])


def _spd(x):
    n = x.shape[-1].value
    return matmul(x, x, transpose_b=True) + 3.0 * eye(n, dtype=x.dtype)


def _signless(t):
    """Eigenvectors with each column's sign fixed by its first row (unique only up to it)."""
    return t * sign(t[..., :1, :])


def _tridiag(*shape):
    """Compact ``[..., 3, M]`` diagonals of diagonally dominant (invertible) matrices."""
    d = _r.standard_normal(shape)
    d[..., 1, :] += 4.0
    return d


CASES = [
    Case("SelfAdjointEigV2", lambda x: lm.self_adjoint_eig(x)[0], [_m(2, 4, 4)], grad=True),
    Case("SelfAdjointEigV2-v", lambda x: _signless(lm.self_adjoint_eig(x)[1]), [_m(3, 3)],
         grad=True),
    Case("SelfAdjointEigV2-eigvals", lm.self_adjoint_eigvals, [_m(2, 3, 3)], grad=True),
    Case("MatrixSquareRoot", lm.matrix_square_root, [_well(2, 3, 3)], grad=True),
    Case("MatrixExponential", lm.matrix_exponential, [0.5 * _m(2, 3, 3)], grad=True),
    Case("MatrixExponential-squaring", lm.matrix_exponential, [3.0 * _m(3, 3)], grad=True),
    Case("Lu", lambda x: lm.lu(x)[0], [_m(2, 4, 4)]),
    Case("Lu-perm", lambda x: lm.lu(x, output_idx_type="int64")[1], [_m(3, 4, 4)]),
    Case("MatrixSolveLs", lambda a, b: lm.matrix_solve_ls(a, b, fast=False),
         [_m(2, 5, 3), _m(2, 5, 2)]),
    Case("TridiagonalSolve", lm.tridiagonal_solve, [_tridiag(2, 3, 5), _m(2, 5, 2)],
         grad=True),
    Case("tridiagonal_solve-vector", lm.tridiagonal_solve, [_tridiag(3, 4), _m(4)], grad=True),
    Case("tridiagonal_matmul", lm.tridiagonal_matmul, [_m(2, 3, 4), _m(2, 4, 3)], grad=True),
    Case("cholesky_solve", lambda x, b: lm.cholesky_solve(cholesky(_spd(x)), b),
         [_m(2, 3, 3), _m(2, 3, 2)], grad=True),
    Case("matrix_solve_ls-fast", lambda a, b: lm.matrix_solve_ls(a, b, l2_regularizer=0.1),
         [_m(2, 5, 3), _m(2, 5, 2)], grad=True),
    Case("matrix_solve_ls-underdetermined", lm.matrix_solve_ls, [_m(2, 4), _m(2, 3)],
         grad=True),
    Case("pinv", lm.pinv, [_m(2, 4, 3)], grad=True),
    Case("matrix_rank", lm.matrix_rank, [np.array([[1.0, 2.0], [2.0, 4.0]])]),
    Case("lu_solve", lambda a, b: lm.lu_solve(*lm.lu(a), b), [_m(2, 3, 3), _m(2, 3, 2)]),
    Case("lu_solve-packed", lambda lu_, b: lm.lu_solve(lu_, [[2, 0, 1], [0, 2, 1]], b),
         [_well(2, 3, 3), _m(2, 3, 2)], grad=True),
    Case("lu_reconstruct", lambda lu_: lm.lu_reconstruct(lu_, [1, 2, 0]), [_m(3, 3)],
         grad=True),
    Case("lu_matrix_inverse", lambda lu_: lm.lu_matrix_inverse(lu_, [1, 0, 2]),
         [_well(3, 3)], grad=True),
    Case("normalize", lambda x: lm.normalize(x, ord=1, axis=-1)[0], [_m(2, 3) + 4.0],
         grad=True),
]
