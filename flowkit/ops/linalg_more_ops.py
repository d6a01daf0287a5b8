"""More linear algebra: symmetric eigendecomposition, Cholesky and least-squares solves, matrix
square root and exponential, pseudo-inverse and rank, LU factorization and its solves,
tridiagonal products and solves, normalization.

Op types with kernels: ``SelfAdjointEigV2`` (gradient as TF's, for distinct eigenvalues),
``MatrixSquareRoot`` (gradient through a Sylvester equation, as TF's), ``MatrixExponential``
(Pade approximation with scaling and squaring; gradient by the block-matrix identity
``expm([[A^T, G], [0, A^T]])``), ``Lu`` (TF's packed ``lu`` and row permutation ``p`` with
``input[p] = L @ U``; not differentiable, as in TF), ``TridiagonalSolve`` (gradient as TF's)
and ``MatrixSolveLs`` (the ``fast=False`` path only; not differentiable, as in TF). Everything
else is built from other ops as TF builds it, so its gradient comes from theirs.

Root (``tf.``) names: ``self_adjoint_eig``, ``self_adjoint_eigvals``, ``cholesky_solve``,
``matrix_solve_ls``, ``matrix_square_root``; the ``tf.linalg`` names are gathered by
:mod:`flowkit.tf_linalg`.

Example:
    >>> import flowkit as tf
    >>> a = tf.constant([[2.0, 1.0], [1.0, 2.0]])
    >>> e, v = tf.self_adjoint_eig(a)
    >>> with tf.Session() as sess:
    ...     print(np.round(sess.run(e), 4))
    ...     print(np.round(sess.run(tf.matrix_square_root(tf.matrix_diag([4.0, 9.0]))), 4))
    [1. 3.]
    [[2. 0.]
     [0. 3.]]
"""
from __future__ import annotations

__all__ = ["self_adjoint_eig", "self_adjoint_eigvals", "cholesky_solve", "matrix_solve_ls",
           "matrix_square_root"]

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.constant_ops import ones_like, zeros_like
from flowkit.ops.core import constant, convert_to_tensor, make_op, make_tensor, op_scope
from flowkit.ops.indexing_ops import one_hot, where_v2
from flowkit.ops.join_ops import concat, stack
from flowkit.ops.linalg_ops import (_dims, _float_input, _merge, _square_shape, cholesky, eye,
                                    matrix_band_part, matrix_diag, matrix_diag_part,
                                    matrix_set_diag, matrix_solve, matrix_triangular_solve,
                                    norm, svd)
from flowkit.ops.math_ops import greater, reciprocal, reduce_max, reduce_sum
from flowkit.ops.matrix_ops import matmul
from flowkit.ops.shape_ops import (cast, expand_dims, identity, matrix_transpose, reshape,
                                   shape, squeeze)


def _square_float(t, what="input"):
    _float_input(t, what)
    return _square_shape(t, what)


def _static_dim(t, axis):
    return t.shape.as_tuple()[axis] if t.shape.ndims is not None else None


def _eps(dtype):
    return float(np.finfo(dtype.as_numpy_dtype).eps)


# --------------------------------------------------------------------------------------------
# Symmetric eigendecomposition
# --------------------------------------------------------------------------------------------
def _eig_shape(inputs, attrs):
    x = inputs[0]
    d = _square_float(x)
    if d is None:
        e, v = TensorShape(None), TensorShape(None)
    else:
        e, v = TensorShape(d[:-1]), TensorShape(d)
    return [(x.dtype, e), (x.dtype, v if attrs["compute_v"] else TensorShape([0]))]


def _lower_symmetric(g):
    """The gradient of an op that reads only the lower triangle of a symmetric input, from
    the gradient ``g`` of the full symmetric matrix."""
    lower = matrix_band_part(g + matrix_transpose(g), -1, 0)
    return matrix_set_diag(lower, 0.5 * matrix_diag_part(lower))


def _eig_grad(op, grad_e, grad_v):
    e = op.outputs[0]
    if op.attrs["compute_v"]:
        v = op.outputs[1]
        gaps = expand_dims(e, -2) - expand_dims(e, -1)           # [i, j] = e[j] - e[i]
        f = matrix_set_diag(reciprocal(gaps), zeros_like(e))
        inner = matrix_diag(grad_e) + f * matmul(v, grad_v, transpose_a=True)
    else:
        v = self_adjoint_eig(op.inputs[0])[1]
        inner = matrix_diag(grad_e)
    return [_lower_symmetric(matmul(v, matmul(inner, v, transpose_b=True)))]


register_op("SelfAdjointEigV2", shape=_eig_shape, grad=_eig_grad)


def _eig(tensor, compute_v, name, default):
    with op_scope(name, default, [tensor]) as scope:
        op = make_op("SelfAdjointEigV2", (convert_to_tensor(tensor, name="tensor"),),
                     {"compute_v": compute_v}, scope)
        return op.outputs


def self_adjoint_eig(tensor, name=None):
    """The eigenvalues (ascending) and eigenvectors (columns) of each self-adjoint matrix of
    ``tensor`` (``[..., n, n]``): returns ``(e, v)`` with ``tensor = v @ diag(e) @ v^T``. Only
    the lower triangle is read (``tf.linalg.eigh``). The gradient assumes distinct eigenvalues.

    Example:
        >>> e, v = tf.self_adjoint_eig(tf.constant([[2.0, 0.0], [0.0, 1.0]]))
        >>> with tf.Session() as sess:
        ...     print(sess.run(e), np.abs(sess.run(v)))
        [1. 2.] [[0. 1.]
         [1. 0.]]
    """
    e, v = _eig(tensor, True, name, "SelfAdjointEigV2")
    return e, v


def self_adjoint_eigvals(tensor, name=None) -> Tensor:
    """The eigenvalues (ascending) of each self-adjoint matrix (``tf.linalg.eigvalsh``).

    Example:
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(tf.self_adjoint_eigvals([[2.0, 1.0], [1.0, 2.0]])), 4))
        [1. 3.]
    """
    return _eig(tensor, False, name, "SelfAdjointEigV2")[0]


# --------------------------------------------------------------------------------------------
# Solves built from other ops
# --------------------------------------------------------------------------------------------
def cholesky_solve(chol, rhs, name=None) -> Tensor:
    """Solves ``A @ x = rhs`` given ``chol``, the lower Cholesky factor of ``A``
    (``tf.cholesky(A)``): two triangular solves.

    Example:
        >>> a = tf.constant([[4.0, 2.0], [2.0, 5.0]])
        >>> x = tf.cholesky_solve(tf.cholesky(a), [[6.0], [7.0]])
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(x), 4))
        [[1.]
         [1.]]
    """
    with op_scope(name, "cholesky_solve", [chol, rhs]) as scope:
        chol = convert_to_tensor(chol, name="chol")
        y = matrix_triangular_solve(chol, rhs, lower=True, adjoint=False)
        return matrix_triangular_solve(chol, y, lower=True, adjoint=True, name=scope)


def _solve_ls_shape(inputs, attrs):
    a, b, l2 = inputs
    _float_input(a, "matrix")
    if b.dtype is not a.dtype:
        raise TypeError(f"Input 'rhs' of 'MatrixSolveLs' Op has type {b.dtype.name} that does "
                        f"not match type {a.dtype.name} of argument 'matrix'.")
    da, db = _dims(a, 2, "matrix"), _dims(b, 2, "rhs")
    if da is None or db is None:
        return [(a.dtype, TensorShape(None))]
    if len(da) != len(db):
        raise ValueError(f"Shape must be rank {len(da)} but is rank {len(db)} (rhs)")
    _merge(da[-2], db[-2], "matrix and rhs rows")
    batch = [_merge(x, y, "batch dimensions") for x, y in zip(da[:-2], db[:-2])]
    return [(a.dtype, TensorShape(batch + [da[-1], db[-1]]))]


def _no_slow_ls_grad(op, g):
    raise ValueError("Gradient not defined for fast=False (matrix_solve_ls: op "
                     f"'{op.name}'); use fast=True")


register_op("MatrixSolveLs", shape=_solve_ls_shape, grad=_no_slow_ls_grad)


def matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast=True, name=None) -> Tensor:
    """The least-squares solution ``x`` of ``matrix @ x = rhs`` (``[..., m, n]`` and
    ``[..., m, k]`` to ``[..., n, k]``; ``tf.linalg.lstsq``).

    ``fast=True`` solves the regularized normal equations with a Cholesky factorization:
    ``(A^T A + l2 I) x = A^T b`` when ``m >= n``, else ``x = A^T (A A^T + l2 I)^-1 b`` (the
    minimum-norm solution); a rank-deficient matrix with ``l2_regularizer=0`` fails the run
    in its Cholesky op. ``fast=False`` gives the minimum-norm least-squares solution of any
    matrix through the pseudo-inverse, ignores ``l2_regularizer`` and has no gradient (as TF).

    Example:
        >>> a = tf.constant([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(tf.matrix_solve_ls(a, [[1.0], [1.0], [1.0]])), 4))
        [[0.6667]
         [0.6667]]
    """
    with op_scope(name, "matrix_solve_ls", [matrix, rhs, l2_regularizer]) as scope:
        a = convert_to_tensor(matrix, name="matrix")
        b = convert_to_tensor(rhs, dtype=None if isinstance(rhs, Tensor) else a.dtype,
                              name="rhs")
        if not fast:
            l2 = cast(convert_to_tensor(l2_regularizer, name="l2_regularizer"), dtypes.float64)
            return make_tensor("MatrixSolveLs", (a, b, l2), {"fast": False}, scope)
        _solve_ls_shape((a, b, None), {})
        m, n = _static_dim(a, -2), _static_dim(a, -1)
        if m is None or n is None:
            raise ValueError(f"matrix_solve_ls with fast=True needs the matrix dimensions of "
                             f"{a.name} known when the graph is built, got shape {a.shape}")
        l2 = cast(convert_to_tensor(l2_regularizer, name="l2_regularizer"), a.dtype)
        if m >= n:
            gram = matmul(a, a, transpose_a=True) + l2 * eye(n, dtype=a.dtype)
            return cholesky_solve(cholesky(gram), matmul(a, b, transpose_a=True), name=scope)
        gram = matmul(a, a, transpose_b=True) + l2 * eye(m, dtype=a.dtype)
        return matmul(a, cholesky_solve(cholesky(gram), b), transpose_a=True, name=scope)


# --------------------------------------------------------------------------------------------
# Matrix functions: square root, exponential
# --------------------------------------------------------------------------------------------
def _square_float_shape(inputs, attrs):
    _square_float(inputs[0])
    return [(inputs[0].dtype, inputs[0].shape)]


def _kron(p, q):
    """The Kronecker product of each pair of ``[..., n, n]`` matrices (``[..., n*n, n*n]``);
    ``n`` static."""
    n = _static_dim(p, -1)
    outer = (expand_dims(expand_dims(p, -1), -3) *            # [..., i, 1, j, 1]
             expand_dims(expand_dims(q, -2), -4))              # [..., 1, k, 1, l]
    return reshape(outer, concat([shape(outer)[:-4], [n * n, n * n]], 0))


def _sqrtm_grad(op, g):
    # X = sqrtm(A): dA = X dX + dX X, so the gradient Y solves X^T Y + Y X^T = g; with
    # row-major vectorization that is (kron(X^T, I) + kron(I, X)) vec(Y) = vec(g).
    x = op.outputs[0]
    n = _static_dim(x, -1)
    if n is None:
        raise NotImplementedError("MatrixSquareRoot gradient needs the matrix dimensions "
                                  f"known when the graph is built; {x.name} has shape {x.shape}")
    ident = eye(n, dtype=x.dtype) + zeros_like(x)
    k = _kron(matrix_transpose(x), ident) + _kron(ident, x)
    batch = shape(x)[:-2]
    y = matrix_solve(k, reshape(g, concat([batch, [n * n, 1]], 0)))
    return [reshape(y, shape(x))]


def _expm_grad(op, g):
    # The adjoint of expm's Frechet derivative at A is its Frechet derivative at A^T, the
    # upper-right block of expm([[A^T, g], [0, A^T]]).
    a = op.inputs[0]
    n = _static_dim(a, -1)
    at = matrix_transpose(a)
    block = concat([concat([at, g], -1), concat([zeros_like(a), at], -1)], -2)
    big = matrix_exponential(block)
    if n is not None:
        return [big[..., :n, n:]]
    m = shape(a)[-1]
    return [big[..., :m, m:]]


register_op("MatrixSquareRoot", shape=_square_float_shape, grad=_sqrtm_grad)
register_op("MatrixExponential", shape=_square_float_shape, grad=_expm_grad)


def matrix_square_root(input, name=None) -> Tensor:  # noqa: A002
    """The principal square root ``X`` (``X @ X = input``) of each square matrix
    (``tf.linalg.sqrtm``); NaN for a matrix with a negative real eigenvalue, which has no
    real principal square root.

    Example:
        >>> a = tf.constant([[4.0, 0.0], [0.0, 9.0]])
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(tf.matrix_square_root(a)), 4))
        [[2. 0.]
         [0. 3.]]
    """
    with op_scope(name, "MatrixSquareRoot", [input]) as scope:
        return make_tensor("MatrixSquareRoot", (convert_to_tensor(input, name="input"),),
                           None, scope)


def matrix_exponential(input, name=None) -> Tensor:  # noqa: A002
    """The matrix exponential of each square matrix (``tf.linalg.expm``).

    Example:
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(tf.linalg.expm([[0.0, 1.0], [0.0, 0.0]])), 4))
        [[1. 1.]
         [0. 1.]]
    """
    with op_scope(name, "matrix_exponential", [input]) as scope:
        return make_tensor("MatrixExponential", (convert_to_tensor(input, name="input"),),
                           None, scope)


# --------------------------------------------------------------------------------------------
# Pseudo-inverse, rank, normalize
# --------------------------------------------------------------------------------------------
def _max_dim(a):
    m, n = _static_dim(a, -2), _static_dim(a, -1)
    if m is not None and n is not None:
        return constant(float(max(m, n)), dtype=a.dtype)
    dims = cast(shape(a)[-2:], a.dtype)
    return reduce_max(dims)


def pinv(a, rcond=None, validate_args=False, name=None) -> Tensor:
    """The Moore-Penrose pseudo-inverse of each matrix (``[..., m, n]`` to ``[..., n, m]``),
    through its SVD; singular values at most ``rcond`` times the largest count as zero
    (default ``rcond``: ``10 * max(m, n) * eps``). Differentiable where the nonzero singular
    values are distinct.

    Example:
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(tf.linalg.pinv([[1.0, 2.0], [2.0, 4.0]])), 4))
        [[0.04 0.08]
         [0.08 0.16]]
    """
    with op_scope(name, "pinv", [a, rcond]) as scope:
        a = convert_to_tensor(a, name="a")
        _float_input(a, "a")
        _dims(a, 2, "a")
        if rcond is None:
            rcond = 10.0 * _eps(a.dtype) * _max_dim(a)
        rcond = convert_to_tensor(rcond, dtype=a.dtype, name="rcond")
        s, u, v = svd(a, full_matrices=False, compute_uv=True)
        cutoff = rcond * reduce_max(s, -1, keepdims=True)
        s = where_v2(greater(s, cutoff), s, constant(np.inf, dtype=a.dtype))
        return matmul(v / expand_dims(s, -2), u, transpose_b=True, name=scope)


def matrix_rank(a, tol=None, validate_args=False, name=None) -> Tensor:
    """The number of singular values above ``tol`` of each matrix (int32); the default
    ``tol`` is ``max(m, n) * eps * largest singular value``.

    Example:
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.0]])))
        1
    """
    with op_scope(name, "matrix_rank", [a, tol]) as scope:
        a = convert_to_tensor(a, name="a")
        _float_input(a, "a")
        s = svd(a, compute_uv=False)
        if tol is None:
            tol = _eps(a.dtype) * _max_dim(a) * reduce_max(s, -1, keepdims=True)
        else:
            tol = convert_to_tensor(tol, dtype=a.dtype, name="tol")
        return reduce_sum(cast(greater(s, tol), dtypes.int32), -1, name=scope)


def normalize(tensor, ord="euclidean", axis=None, name=None):  # noqa: A002
    """``(tensor / norm, norm)`` with ``norm = tf.norm(tensor, ord, axis, keepdims=True)``
    (``tf.linalg.normalize``).

    Example:
        >>> t, n = tf.linalg.normalize([3.0, 4.0])
        >>> with tf.Session() as sess:
        ...     print(*sess.run([t, n]))
        [0.6 0.8] [5.]
    """
    with op_scope(name, "normalize", [tensor]) as scope:
        x = convert_to_tensor(tensor, name="tensor")
        n = norm(x, ord=ord, axis=axis, keepdims=True)
        return (x / n), identity(n, name=scope)


# --------------------------------------------------------------------------------------------
# LU
# --------------------------------------------------------------------------------------------
def _lu_shape(inputs, attrs):
    x = inputs[0]
    d = _square_float(x)
    p = TensorShape(None) if d is None else TensorShape(d[:-1])
    return [(x.dtype, x.shape), (attrs["output_idx_type"], p)]


register_op("Lu", shape=_lu_shape, grad=None)


def lu(input, output_idx_type=dtypes.int32, name=None):  # noqa: A002
    """The LU factorization with partial pivoting of each square matrix, packed as TF packs
    it: returns ``(lu, p)`` where ``lu`` holds ``U`` on and above the diagonal and the unit
    lower-triangular ``L`` below it, and ``p`` is the row permutation with
    ``tf.gather(input, p) = L @ U``. A singular matrix fails the run (``Input is not
    invertible.``). Not differentiable, as in TF.

    Example:
        >>> lu_, p = tf.linalg.lu([[1.0, 2.0], [3.0, 4.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(lu_), sess.run(p))
        [[3.         4.        ]
         [0.33333334 0.6666666 ]] [1 0]
    """
    idx = dtypes.as_dtype(output_idx_type)
    if idx not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"output_idx_type must be int32 or int64, got {idx.name}")
    with op_scope(name, "Lu", [input]) as scope:
        op = make_op("Lu", (convert_to_tensor(input, name="input"),),
                     {"output_idx_type": idx}, scope)
        return op.outputs[0], op.outputs[1]


def _lu_parts(lower_upper):
    lower = matrix_set_diag(matrix_band_part(lower_upper, -1, 0),
                            ones_like(matrix_diag_part(lower_upper)))
    return lower, matrix_band_part(lower_upper, 0, -1)


def _perm_matrix(perm, like):
    """``P`` with ``P @ x = gather(x, perm)`` for each (batched) permutation."""
    return one_hot(perm, shape(like)[-1], dtype=like.dtype)


def lu_reconstruct(lower_upper, perm, validate_args=False, name=None) -> Tensor:
    """The matrix whose :func:`lu` factorization is ``(lower_upper, perm)``.

    Example:
        >>> lu_, p = tf.linalg.lu([[1.0, 2.0], [3.0, 4.0]])
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(tf.linalg.lu_reconstruct(lu_, p)), 4))
        [[1. 2.]
         [3. 4.]]
    """
    with op_scope(name, "lu_reconstruct", [lower_upper, perm]) as scope:
        lower_upper = convert_to_tensor(lower_upper, name="lower_upper")
        perm = convert_to_tensor(perm, name="perm")
        lower, upper = _lu_parts(lower_upper)
        return matmul(_perm_matrix(perm, lower_upper), matmul(lower, upper), transpose_a=True,
                      name=scope)


def lu_solve(lower_upper, perm, rhs, validate_args=False, name=None) -> Tensor:
    """Solves ``A @ x = rhs`` given ``(lower_upper, perm) = lu(A)``.

    Example:
        >>> lu_, p = tf.linalg.lu([[1.0, 2.0], [3.0, 4.0]])
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(tf.linalg.lu_solve(lu_, p, [[1.0], [1.0]])), 4))
        [[-1.]
         [ 1.]]
    """
    with op_scope(name, "lu_solve", [lower_upper, perm, rhs]) as scope:
        lower_upper = convert_to_tensor(lower_upper, name="lower_upper")
        perm = convert_to_tensor(perm, name="perm")
        rhs = convert_to_tensor(rhs, dtype=None if isinstance(rhs, Tensor) else
                                lower_upper.dtype, name="rhs")
        lower, upper = _lu_parts(lower_upper)
        permuted = matmul(_perm_matrix(perm, lower_upper), rhs)
        y = matrix_triangular_solve(lower, permuted, lower=True)
        return matrix_triangular_solve(upper, y, lower=False, name=scope)


def lu_matrix_inverse(lower_upper, perm, validate_args=False, name=None) -> Tensor:
    """The inverse of ``A`` given ``(lower_upper, perm) = lu(A)``.

    Example:
        >>> lu_, p = tf.linalg.lu([[2.0, 1.0], [1.0, 1.0]])
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(tf.linalg.lu_matrix_inverse(lu_, p)), 4))
        [[ 1. -1.]
         [-1.  2.]]
    """
    with op_scope(name, "lu_matrix_inverse", [lower_upper, perm]) as scope:
        lower_upper = convert_to_tensor(lower_upper, name="lower_upper")
        ident = eye(shape(lower_upper)[-1], dtype=lower_upper.dtype) + zeros_like(lower_upper)
        return lu_solve(lower_upper, perm, ident, name=scope)


# --------------------------------------------------------------------------------------------
# Tridiagonal matrices
# --------------------------------------------------------------------------------------------
_FORMATS = ("compact", "sequence", "matrix")


def _compact(diagonals, diagonals_format, dtype=None):
    """``[..., 3, M]`` diagonals (superdiagonal, main, subdiagonal) from any of TF's formats."""
    if diagonals_format not in _FORMATS:
        raise ValueError(f"Unrecognized diagonals_format: {diagonals_format}")
    if diagonals_format == "sequence":
        if not isinstance(diagonals, (list, tuple)) or len(diagonals) != 3:
            raise ValueError("Expected diagonals to be a sequence of length 3, got "
                             f"{diagonals!r}")
        parts = [convert_to_tensor(d, dtype=dtype, name=f"diagonals_{i}")
                 for i, d in enumerate(diagonals)]
        return stack(parts, -2)
    d = convert_to_tensor(diagonals, dtype=dtype, name="diagonals")
    if diagonals_format == "compact":
        dims = _dims(d, 2, "diagonals")
        if dims is not None and dims[-2] not in (None, 3):
            raise ValueError(f"Expected 3 diagonals got {dims[-2]}")
        return d
    _square_shape(d, "diagonals")
    main = matrix_diag_part(d)
    zero = zeros_like(main[..., :1])
    sup = concat([matrix_diag_part(d[..., :-1, 1:]), zero], -1)
    sub = concat([zero, matrix_diag_part(d[..., 1:, :-1])], -1)
    return stack([sup, main, sub], -2)


def _check_rows(diags, rhs_rows):
    m = _static_dim(diags, -1)
    if m is not None and rhs_rows is not None and m != rhs_rows:
        raise ValueError(f"Expected number of left-hand sided and right-hand sides to be "
                         f"equal, got {m} and {rhs_rows}")


def tridiagonal_matmul(diagonals, rhs, diagonals_format="compact", name=None) -> Tensor:
    """The product of tridiagonal matrices with ``rhs`` (``[..., M, N]``). ``diagonals``:
    ``"compact"`` ``[..., 3, M]`` (superdiagonal, its last element unused; main diagonal;
    subdiagonal, its first element unused), ``"sequence"`` (a list of those three
    ``[..., M]`` tensors) or ``"matrix"`` ``[..., M, M]`` (only its tridiagonal band is read).

    Example:
        >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 3.0, 3.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.linalg.tridiagonal_matmul(d, tf.eye(3))))
        [[2. 1. 0.]
         [3. 2. 1.]
         [0. 3. 2.]]
    """
    with op_scope(name, "tridiagonal_matmul", [rhs]) as scope:
        rhs = convert_to_tensor(rhs, name="rhs")
        d = _compact(diagonals, diagonals_format, rhs.dtype)
        _dims(rhs, 2, "rhs")
        _check_rows(d, _static_dim(rhs, -2))
        sup, main, sub = (expand_dims(d[..., i, :], -1) for i in range(3))
        zero_row = zeros_like(rhs[..., :1, :])
        below = concat([rhs[..., 1:, :], zero_row], -2)          # row i: rhs[i + 1]
        above = concat([zero_row, rhs[..., :-1, :]], -2)         # row i: rhs[i - 1]
        return identity(main * rhs + sup * below + sub * above, name=scope)


def _tridiagonal_solve_shape(inputs, attrs):
    d, rhs = inputs
    _float_input(d, "diagonals")
    if rhs.dtype is not d.dtype:
        raise TypeError(f"Input 'rhs' of 'TridiagonalSolve' Op has type {rhs.dtype.name} "
                        f"that does not match type {d.dtype.name} of argument 'diagonals'.")
    dd, dr = _dims(d, 2, "diagonals"), _dims(rhs, 2, "rhs")
    if dd is None or dr is None:
        return [(d.dtype, rhs.shape)]
    if len(dd) != len(dr):
        raise ValueError(f"Shape must be rank {len(dd)} but is rank {len(dr)} (rhs)")
    batch = []
    for x, y in zip(dd[:-2], dr[:-2]):
        if x is not None and y is not None and x != y:
            raise ValueError(f"Batch shapes {tuple(dd[:-2])} and {tuple(dr[:-2])} are "
                             "incompatible")
        batch.append(x if x is not None else y)
    _check_rows(d, dr[-2])
    return [(d.dtype, TensorShape(batch + [_merge(dd[-1], dr[-2], "rows"), dr[-1]]))]


def _shift_down(t):
    """``t`` moved one place along its last axis: ``out[0] = 0, out[i] = t[i - 1]``."""
    return concat([zeros_like(t[..., :1]), t[..., :-1]], -1)


def _shift_up(t):
    return concat([t[..., 1:], zeros_like(t[..., :1])], -1)


def _tridiagonal_solve_grad(op, g):
    d, x = op.inputs[0], op.outputs[0]
    sup, main, sub = d[..., 0, :], d[..., 1, :], d[..., 2, :]
    transposed = stack([_shift_up(sub), main, _shift_down(sup)], -2)
    grad_rhs = make_tensor("TridiagonalSolve", (transposed, g), dict(op.attrs))
    # grad of A[i, j] is -grad_rhs[i] . x[j]; keep the three diagonals.
    g_main = -reduce_sum(grad_rhs * x, -1)
    g_sup = concat([-reduce_sum(grad_rhs[..., :-1, :] * x[..., 1:, :], -1),
                    zeros_like(g_main[..., :1])], -1)
    g_sub = concat([zeros_like(g_main[..., :1]),
                    -reduce_sum(grad_rhs[..., 1:, :] * x[..., :-1, :], -1)], -1)
    return [stack([g_sup, g_main, g_sub], -2), grad_rhs]


register_op("TridiagonalSolve", shape=_tridiagonal_solve_shape, grad=_tridiagonal_solve_grad)


def tridiagonal_solve(diagonals, rhs, diagonals_format="compact", transpose_rhs=False,
                      conjugate_rhs=False, name=None, partial_pivoting=True,
                      perturb_singular=False) -> Tensor:
    """Solves ``A @ x = rhs`` for tridiagonal matrices ``A`` given by ``diagonals`` (formats
    as :func:`tridiagonal_matmul`). ``rhs`` is ``[..., M, K]``, or ``[..., M]`` (one
    right-hand side: its rank is one less than compact ``diagonals``), or ``[..., K, M]``
    with ``transpose_rhs``. A singular matrix gives NaN, as in TF. The solve always pivots
    (``partial_pivoting=False`` is accepted and pivots too); ``perturb_singular`` is not
    supported.

    Example:
        >>> d = tf.constant([[1.0, 1.0, 0.0], [2.0, 2.0, 2.0], [0.0, 1.0, 1.0]])
        >>> x = tf.linalg.tridiagonal_solve(d, tf.constant([3.0, 4.0, 3.0]))
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(x), 4))
        [1. 1. 1.]
    """
    if perturb_singular:
        raise NotImplementedError("tridiagonal_solve: perturb_singular=True is not "
                                  "supported by flowkit")
    with op_scope(name, "tridiagonal_solve", [rhs]) as scope:
        rhs = convert_to_tensor(rhs, name="rhs")
        d = _compact(diagonals, diagonals_format, rhs.dtype)
        vector = d.shape.ndims is not None and rhs.shape.ndims == d.shape.ndims - 1
        if vector:
            rhs = expand_dims(rhs, -1)
        elif transpose_rhs:
            rhs = matrix_transpose(rhs)
        out = make_tensor("TridiagonalSolve", (d, rhs),
                          {"partial_pivoting": bool(partial_pivoting)},
                          None if vector else scope)
        return squeeze(out, [-1], name=scope) if vector else out


def eigh_tridiagonal(alpha, beta, eigvals_only=True, select="a", select_range=None, tol=None,
                     name=None):
    """The eigenvalues (ascending), and with ``eigvals_only=False`` the eigenvectors, of the
    symmetric tridiagonal matrix with diagonal ``alpha`` (``[n]``) and off-diagonal ``beta``
    (``[n - 1]``). ``select``: ``"a"`` (all) or ``"i"`` (the eigenvalues of indices
    ``select_range = (lo, hi)``, inclusive); ``"v"`` is not supported.

    Example:
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(tf.linalg.eigh_tridiagonal([2.0, 2.0], [1.0])), 4))
        [1. 3.]
    """
    if select not in ("a", "i"):
        raise NotImplementedError(f"eigh_tridiagonal: select={select!r} is not supported by "
                                  "flowkit (use 'a' or 'i')")
    with op_scope(name, "eigh_tridiagonal", [alpha, beta]) as scope:
        alpha = convert_to_tensor(alpha, name="alpha")
        beta = convert_to_tensor(beta, dtype=alpha.dtype, name="beta")
        for t, rank in ((alpha, 1), (beta, 1)):
            if t.shape.ndims not in (None, rank):
                raise ValueError(f"Only rank 1 inputs are supported, got {t.name} of shape "
                                 f"{t.shape}")
        zero = zeros_like(alpha[:1])
        d = stack([concat([beta, zero], 0), alpha, concat([zero, beta], 0)], 0)
        dense = tridiagonal_matmul(d, eye(shape(alpha)[0], dtype=alpha.dtype))
        e, v = self_adjoint_eig(dense)
        if select == "i":
            lo, hi = (int(i) for i in select_range)
            e, v = e[lo:hi + 1], v[:, lo:hi + 1]
        if eigvals_only:
            return identity(e, name=scope)
        return identity(e, name=scope), v

