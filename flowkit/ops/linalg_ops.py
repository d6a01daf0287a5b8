"""Linear algebra: einsum, norm, diag, eye, matrix inverse, determinant, solve, Cholesky, QR,
SVD, band parts, cross products, meshgrid.

The ops with kernels are the matrix ones (``MatrixDiag``, ``MatrixInverse``, ``Svd``...), each
with TF's gradient rule. ``einsum``, ``norm``, ``diag``, ``diag_part``, ``eye``, ``trace`` and
``meshgrid`` are built from other ops (as TF1 builds most of them), so their gradients come
from those ops'.

Example:
    >>> import flowkit as tf
    >>> a = tf.constant([[2.0, 0.0], [0.0, 4.0]])
    >>> with tf.Session() as sess:
    ...     print(*sess.run([tf.matrix_determinant(a), tf.trace(a)]))
    ...     print(sess.run(tf.einsum("ij,jk->ik", a, tf.matrix_inverse(a))))
    8.0 6.0
    [[1. 0.]
     [0. 1.]]
"""
from __future__ import annotations

__all__ = ["einsum", "norm", "diag", "diag_part", "matrix_diag", "matrix_diag_part",
           "matrix_set_diag", "matrix_band_part", "eye", "trace", "matrix_inverse",
           "matrix_determinant", "log_matrix_determinant", "matrix_solve",
           "matrix_triangular_solve", "cholesky", "qr", "svd", "cross", "meshgrid",
           "adjoint", "logdet", "matvec"]

import numbers

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.constant_ops import ones, zeros, zeros_like
from flowkit.ops.core import (constant, constant_value, convert_to_tensor, make_op,
                              make_tensor, op_scope)
from flowkit.ops.join_ops import concat, stack
from flowkit.ops.math_ops import (abs as _abs, check_kind, check_same_dtype, log, minimum, multiply,
                                  pow as _pow, reciprocal, reduce_max, reduce_prod,
                                  reduce_sum, sqrt, square)
from flowkit.ops.matrix_ops import matmul
from flowkit.ops.shape_ops import (expand_dims, identity, matrix_transpose, reshape,
                                   shape, squeeze, transpose)

# --------------------------------------------------------------------------------------------
# Shape helpers
# --------------------------------------------------------------------------------------------


def _dims(t, at_least, what):
    """``t``'s static dims (a tuple), checking the rank is at least ``at_least``; None when
    the rank is unknown."""
    if t.shape.ndims is None:
        return None
    if t.shape.ndims < at_least:
        raise ValueError(f"Shape must be at least rank {at_least} but is rank "
                         f"{t.shape.ndims} ({what})")
    return t.shape.as_tuple()


def _merge(a, b, what):
    if a is not None and b is not None and a != b:
        raise ValueError(f"Dimensions must be equal, but are {a} and {b} ({what})")
    return a if a is not None else b


def _square_shape(t, what="input"):
    """Checks ``t`` is a (batch of) square matrices; returns its dims or None."""
    d = _dims(t, 2, what)
    if d is not None:
        _merge(d[-2], d[-1], f"{what} must be square")
    return d


def _float_input(t, param="input"):
    check_kind(t, "float", param)


def _min_dim(a, b):
    return None if a is None or b is None else min(a, b)


# --------------------------------------------------------------------------------------------
# Diagonals and bands
# --------------------------------------------------------------------------------------------
def _matrix_diag_shape(inputs, attrs):
    d = _dims(inputs[0], 1, "diagonal")
    if d is None:
        return [(inputs[0].dtype, TensorShape(None))]
    return [(inputs[0].dtype, TensorShape(d + (d[-1],)))]


def _matrix_diag_part_shape(inputs, attrs):
    d = _dims(inputs[0], 2, "input")
    if d is None:
        return [(inputs[0].dtype, TensorShape(None))]
    return [(inputs[0].dtype, TensorShape(d[:-2] + (_min_dim(d[-2], d[-1]),)))]


def _matrix_set_diag_shape(inputs, attrs):
    x, diag_ = inputs
    if x.dtype is not diag_.dtype:
        raise TypeError(f"Input 'diagonal' of 'MatrixSetDiag' Op has type {diag_.dtype.name} "
                        f"that does not match type {x.dtype.name} of argument 'input'.")
    d, dd = _dims(x, 2, "input"), _dims(diag_, 1, "diagonal")
    if d is not None and dd is not None:
        if len(dd) != len(d) - 1:
            raise ValueError(f"Shape must be rank {len(d) - 1} but is rank {len(dd)} "
                             "(diagonal)")
        _merge(_min_dim(d[-2], d[-1]), dd[-1], "diagonal length")
        for a, b in zip(d[:-2], dd[:-1]):
            _merge(a, b, "batch dimensions of input and diagonal")
    return [(x.dtype, x.shape)]


register_op("MatrixDiag", shape=_matrix_diag_shape,
            grad=lambda op, g: [matrix_diag_part(g)])
register_op("MatrixDiagPart", shape=_matrix_diag_part_shape,
            grad=lambda op, g: [matrix_set_diag(zeros_like(op.inputs[0]), g)])
register_op("MatrixSetDiag", shape=_matrix_set_diag_shape,
            grad=lambda op, g: [matrix_set_diag(g, zeros_like(op.inputs[1])),
                                matrix_diag_part(g)])


def matrix_diag(diagonal, name="MatrixDiag", **kwargs) -> Tensor:
    """A batch of diagonal matrices: ``[..., n]`` becomes ``[..., n, n]`` with ``diagonal``
    on the main diagonals and zeros elsewhere (TF1's ``tf.matrix_diag``).

    Example:
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.matrix_diag([[1, 2], [3, 4]])))
        [[[1 0]
          [0 2]]
         [[3 0]
          [0 4]]]
    """
    with op_scope(name, "MatrixDiag", [diagonal]) as scope:
        return make_tensor("MatrixDiag", (convert_to_tensor(diagonal, name="diagonal"),),
                           None, scope)


def matrix_diag_part(input, name="matrix_diag_part", **kwargs) -> Tensor:  # noqa: A002
    """The main diagonals of a batch of matrices: ``[..., m, n]`` to ``[..., min(m, n)]``.

    Example:
        >>> a = tf.constant([[1, 2, 3], [4, 5, 6]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.matrix_diag_part(a)))
        [1 5]
    """
    with op_scope(name, "MatrixDiagPart", [input]) as scope:
        return make_tensor("MatrixDiagPart", (convert_to_tensor(input, name="input"),),
                           None, scope)


def matrix_set_diag(input, diagonal, name="set_diag", **kwargs) -> Tensor:  # noqa: A002
    """``input`` with its main diagonals replaced by ``diagonal``.

    Example:
        >>> a = tf.ones([2, 3])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.matrix_set_diag(a, [7.0, 8.0])))
        [[7. 1. 1.]
         [1. 8. 1.]]
    """
    with op_scope(name, "MatrixSetDiag", [input, diagonal]) as scope:
        x = convert_to_tensor(input, name="input")
        d = convert_to_tensor(diagonal, dtype=None if isinstance(diagonal, Tensor) else x.dtype,
                              name="diagonal")
        return make_tensor("MatrixSetDiag", (x, d), None, scope)


def _band_shape(inputs, attrs):
    x, lo, hi = inputs
    _dims(x, 2, "input")
    for t, what in ((lo, "num_lower"), (hi, "num_upper")):
        if t.dtype not in (dtypes.int32, dtypes.int64):
            raise TypeError(f"{what} must be int32 or int64, got {t.dtype.name}")
        if t.shape.ndims not in (None, 0):
            raise ValueError(f"Shape must be rank 0 but is rank {t.shape.ndims} ({what})")
    return [(x.dtype, x.shape)]


register_op("MatrixBandPart", shape=_band_shape,
            grad=lambda op, g: [matrix_band_part(g, op.inputs[1], op.inputs[2]), None, None])


def matrix_band_part(input, num_lower, num_upper, name=None) -> Tensor:  # noqa: A002
    """Keeps the band of ``num_lower`` subdiagonals and ``num_upper`` superdiagonals of each
    matrix (a negative count keeps the whole triangle) and zeroes the rest: ``(a, -1, 0)`` is
    the lower triangle, ``(a, 0, 0)`` the diagonal.

    Example:
        >>> a = tf.reshape(tf.range(1, 10), [3, 3])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.matrix_band_part(a, -1, 0)))
        ...     print(sess.run(tf.matrix_band_part(a, 0, 1)))
        [[1 0 0]
         [4 5 0]
         [7 8 9]]
        [[1 2 0]
         [0 5 6]
         [0 0 9]]
    """
    with op_scope(name, "MatrixBandPart", [input, num_lower, num_upper]) as scope:
        x = convert_to_tensor(input, name="input")
        lo = num_lower if isinstance(num_lower, Tensor) else \
            constant(np.int64(num_lower), name="num_lower")
        hi = num_upper if isinstance(num_upper, Tensor) else \
            constant(np.int64(num_upper), name="num_upper")
        return make_tensor("MatrixBandPart", (x, lo, hi), None, scope)


def diag(diagonal, name=None) -> Tensor:
    """TF1's ``tf.diag``: a tensor of rank ``2k`` with ``diagonal`` (rank ``k``) on its
    diagonal, ``out[i, j, k, i, j, k] = diagonal[i, j, k]``.

    Example:
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.diag([1, 2])))
        ...     print(sess.run(tf.diag([[1, 2], [3, 4]])).shape)
        [[1 0]
         [0 2]]
        (2, 2, 2, 2)
    """
    with op_scope(name, "Diag", [diagonal]) as scope:
        x = convert_to_tensor(diagonal, name="diagonal")
        if x.shape.ndims is None or not x.shape.is_fully_defined():
            raise ValueError("tf.diag needs an input of known shape")
        if x.shape.ndims == 0:
            raise ValueError("Shape must be at least rank 1 but is rank 0 (diagonal)")
        dims = x.shape.as_list()
        if len(dims) == 1:
            return matrix_diag(x, name=scope)
        return reshape(matrix_diag(reshape(x, [-1])), dims + dims, name=scope)


def diag_part(input, name=None) -> Tensor:  # noqa: A002
    """TF1's ``tf.diag_part``, the inverse of :func:`diag`: an input of shape ``d + d`` gives
    the tensor of shape ``d`` of its diagonal.

    Example:
        >>> a = tf.constant([[1, 2], [3, 4]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.diag_part(a)))
        ...     print(sess.run(tf.diag_part(tf.diag([[1, 2], [3, 4]]))))
        [1 4]
        [[1 2]
         [3 4]]
    """
    with op_scope(name, "DiagPart", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        if x.shape.ndims is None or not x.shape.is_fully_defined():
            raise ValueError("tf.diag_part needs an input of known shape")
        dims = x.shape.as_list()
        k = len(dims) // 2
        if len(dims) == 0 or len(dims) % 2 or dims[:k] != dims[k:]:
            raise ValueError(f"Input must have even rank and shape d + d, got shape {dims} "
                             "(diag_part)")
        n = int(np.prod(dims[:k]))
        return reshape(matrix_diag_part(reshape(x, [n, n])), dims[:k], name=scope)


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32,
        name=None) -> Tensor:
    """The identity matrix ``[num_rows, num_columns]`` (square by default), or a batch of
    them of shape ``batch_shape + [num_rows, num_columns]``.

    Example:
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.eye(2)))
        ...     print(sess.run(tf.eye(2, 3, dtype=tf.int32)))
        ...     print(sess.run(tf.eye(2, batch_shape=[4])).shape)
        [[1. 0.]
         [0. 1.]]
        [[1 0 0]
         [0 1 0]]
        (4, 2, 2)
    """
    dtype = dtypes.as_dtype(dtype)
    with op_scope(name, "eye", [num_rows, num_columns, batch_shape]) as scope:
        static = [constant_value(v) if isinstance(v, Tensor) else v
                  for v in (num_rows, num_columns)]
        batch = batch_shape
        if isinstance(batch, Tensor):
            batch = constant_value(batch)
        if static[0] is not None and (num_columns is None or static[1] is not None) and \
                (batch_shape is None or batch is not None):
            m = int(static[0])
            n = m if num_columns is None else int(static[1])
            value = np.eye(m, n, dtype=dtype.as_numpy_dtype)
            if batch is not None:
                b = [int(d) for d in np.reshape(batch, [-1])]
                value = np.broadcast_to(value, b + [m, n]).copy()
            return constant(value, dtype=dtype, name=scope)
        m = convert_to_tensor(num_rows, dtype=dtypes.int32, name="num_rows")
        n = m if num_columns is None else convert_to_tensor(num_columns, dtype=dtypes.int32,
                                                            name="num_columns")
        lead = [] if batch_shape is None else \
            [convert_to_tensor(batch_shape, dtype=dtypes.int32, name="batch_shape")]
        from_shape = lead + [reshape(m, [1]), reshape(n, [1])]
        k = minimum(m, n)
        full = zeros(concat(from_shape, 0), dtype=dtype)
        diag_ = ones(concat(lead + [reshape(k, [1])], 0), dtype=dtype)
        return matrix_set_diag(full, diag_, name=scope)


def trace(x, name=None) -> Tensor:
    """The sum of the main diagonal of each matrix of ``x`` (``[..., m, n]`` to ``[...]``).

    Example:
        >>> a = tf.constant([[[1, 2], [3, 4]], [[5, 6], [7, 8]]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.trace(a)))
        [ 5 13]
    """
    with op_scope(name, "Trace", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return reduce_sum(matrix_diag_part(x), [-1], name=scope)


def adjoint(matrix, name=None) -> Tensor:
    """The conjugate transpose of the last two axes (``tf.linalg.adjoint``)."""
    with op_scope(name, "adjoint", [matrix]) as scope:
        return matrix_transpose(convert_to_tensor(matrix, name="matrix"), name=scope)


def matvec(a, b, transpose_a=False, adjoint_a=False, name=None) -> Tensor:
    """Matrix-vector product ``a @ b`` over the last axes (``tf.linalg.matvec``)."""
    with op_scope(name, "matvec", [a, b]) as scope:
        out = matmul(a, expand_dims(convert_to_tensor(b), -1),
                     transpose_a=transpose_a or adjoint_a)
        return squeeze(out, [-1], name=scope)


# --------------------------------------------------------------------------------------------
# Inverse, determinants, solves
# --------------------------------------------------------------------------------------------
def _square_float_shape(inputs, attrs):
    x = inputs[0]
    _float_input(x)
    _square_shape(x)
    return [(x.dtype, x.shape)]


def _det_shape(inputs, attrs):
    x = inputs[0]
    _float_input(x)
    d = _square_shape(x)
    out = TensorShape(None) if d is None else TensorShape(d[:-2])
    return [(x.dtype, out)] * (2 if attrs.get("log") else 1)


def _inverse_grad(op, g):
    ainv = op.outputs[0]
    if op.attrs["adjoint"]:
        return [-matmul(ainv, matmul(g, ainv, transpose_a=True))]
    return [-matmul(ainv, matmul(g, ainv, transpose_b=True), transpose_a=True)]


def _det_grad(op, g):
    a, det = op.inputs[0], op.outputs[0]
    scale = expand_dims(expand_dims(g * det, -1), -1)
    return [scale * matrix_transpose(matrix_inverse(a))]


def _log_det_grad(op, g_sign, g_log):
    return [expand_dims(expand_dims(g_log, -1), -1) *
            matrix_transpose(matrix_inverse(op.inputs[0]))]


register_op("MatrixInverse", shape=_square_float_shape, grad=_inverse_grad)
register_op("MatrixDeterminant", shape=_det_shape, grad=_det_grad)
register_op("LogMatrixDeterminant", shape=_det_shape, grad=_log_det_grad)


def matrix_inverse(input, adjoint=False, name=None) -> Tensor:  # noqa: A002
    """The inverse of each square matrix of ``input`` (of its adjoint with ``adjoint``).
    A singular matrix fails the run with ``InvalidArgumentError``.

    Example:
        >>> a = tf.constant([[2.0, 1.0], [1.0, 1.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.matrix_inverse(a)))
        [[ 1. -1.]
         [-1.  2.]]
    """
    with op_scope(name, "MatrixInverse", [input]) as scope:
        return make_tensor("MatrixInverse", (convert_to_tensor(input, name="input"),),
                           {"adjoint": bool(adjoint)}, scope)


def matrix_determinant(input, name=None) -> Tensor:  # noqa: A002
    """The determinant of each square matrix of ``input`` (``[..., n, n]`` to ``[...]``).

    Example:
        >>> a = tf.constant([[[2.0, 1.0], [1.0, 1.0]], [[3.0, 0.0], [0.0, 2.0]]])
        >>> with tf.Session() as sess:
        ...     print(np.round(sess.run(tf.matrix_determinant(a)), 4))
        [1. 6.]
    """
    with op_scope(name, "MatrixDeterminant", [input]) as scope:
        return make_tensor("MatrixDeterminant", (convert_to_tensor(input, name="input"),),
                           None, scope)


def log_matrix_determinant(input, name=None):  # noqa: A002
    """``(sign, log_abs_determinant)`` of each square matrix (``tf.linalg.slogdet``)."""
    with op_scope(name, "LogMatrixDeterminant", [input]) as scope:
        op = make_op("LogMatrixDeterminant", (convert_to_tensor(input, name="input"),),
                     {"log": True}, scope)
        return op.outputs[0], op.outputs[1]


def logdet(matrix, name=None) -> Tensor:
    """The log-determinant of Hermitian positive definite matrices, through their Cholesky
    factors (``tf.linalg.logdet``)."""
    with op_scope(name, "logdet", [matrix]) as scope:
        chol = cholesky(matrix)
        return multiply(reduce_sum(log(matrix_diag_part(chol)), [-1]),
                        constant(2, dtype=chol.dtype), name=scope)


def _solve_shape(inputs, attrs):
    a, b = inputs
    _float_input(a, "matrix")
    check_same_dtype(attrs.get("_type", "MatrixSolve"), a, b)
    da, db = _square_shape(a, "matrix"), _dims(b, 2, "rhs")
    if da is None or db is None:
        return [(b.dtype, b.shape)]
    _merge(da[-1], db[-2], "matrix and rhs rows")
    if len(da) != len(db):
        raise ValueError(f"Shape must be rank {len(da)} but is rank {len(db)} (rhs)")
    batch = [_merge(x, y, "batch dimensions") for x, y in zip(da[:-2], db[:-2])]
    return [(b.dtype, TensorShape(batch + [_merge(da[-1], db[-2], "rows"), db[-1]]))]


def _solve_grad(op, g):
    a, c = op.inputs[0], op.outputs[0]
    adj = op.attrs["adjoint"]
    gb = matrix_solve(a, g, adjoint=not adj)
    ga = -matmul(c, gb, transpose_b=True) if adj else -matmul(gb, c, transpose_b=True)
    return [ga, gb]


def _triangular_solve_grad(op, g):
    a, c = op.inputs[0], op.outputs[0]
    adj, lower = op.attrs["adjoint"], op.attrs["lower"]
    gb = matrix_triangular_solve(a, g, lower=lower, adjoint=not adj)
    ga = -matmul(c, gb, transpose_b=True) if adj else -matmul(gb, c, transpose_b=True)
    ga = matrix_band_part(ga, -1, 0) if lower else matrix_band_part(ga, 0, -1)
    return [ga, gb]


register_op("MatrixSolve", shape=_solve_shape, grad=_solve_grad)
register_op("MatrixTriangularSolve", shape=_solve_shape, grad=_triangular_solve_grad)


def matrix_solve(matrix, rhs, adjoint=False, name=None) -> Tensor:
    """Solves ``matrix @ x = rhs`` (``adjoint(matrix) @ x = rhs`` with ``adjoint``) for each
    matrix of the batch; ``rhs`` is ``[..., n, k]``.

    Example:
        >>> a = tf.constant([[2.0, 1.0], [1.0, 1.0]])
        >>> with tf.Session() as sess:                  # 2x + y = 3, x + y = 2
        ...     print(np.round(sess.run(tf.matrix_solve(a, [[3.0], [2.0]])), 4))
        [[1.]
         [1.]]
    """
    with op_scope(name, "MatrixSolve", [matrix, rhs]) as scope:
        a = convert_to_tensor(matrix, name="matrix")
        b = convert_to_tensor(rhs, dtype=None if isinstance(rhs, Tensor) else a.dtype,
                              name="rhs")
        return make_tensor("MatrixSolve", (a, b), {"adjoint": bool(adjoint)}, scope)


def matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None) -> Tensor:
    """Solves ``matrix @ x = rhs`` where ``matrix`` is lower (or, with ``lower=False``,
    upper) triangular; only that triangle of ``matrix`` is read.

    Example:
        >>> lower = tf.constant([[2.0, 9.0], [1.0, 1.0]])      # the 9 is above the diagonal: unread
        >>> with tf.Session() as sess:                          # 2x = 2, x + y = 3
        ...     print(sess.run(tf.matrix_triangular_solve(lower, [[2.0], [3.0]])))
        [[1.]
         [2.]]
    """
    with op_scope(name, "MatrixTriangularSolve", [matrix, rhs]) as scope:
        a = convert_to_tensor(matrix, name="matrix")
        b = convert_to_tensor(rhs, dtype=None if isinstance(rhs, Tensor) else a.dtype,
                              name="rhs")
        return make_tensor("MatrixTriangularSolve", (a, b),
                           {"adjoint": bool(adjoint), "lower": bool(lower),
                            "_type": "MatrixTriangularSolve"}, scope)


# --------------------------------------------------------------------------------------------
# Decompositions
# --------------------------------------------------------------------------------------------
def _cholesky_grad(op, g):
    # TF's CholeskyGrad (Murray, 2016), written with ops.
    ll = op.outputs[0]
    n = shape(ll)[-1]
    l_inv = matrix_triangular_solve(ll, eye(n, batch_shape=shape(ll)[:-2], dtype=ll.dtype))
    middle = matmul(ll, g, transpose_a=True)
    middle = matrix_set_diag(middle, 0.5 * matrix_diag_part(middle))
    middle = matrix_band_part(middle, -1, 0)
    grad_a = matmul(matmul(l_inv, middle, transpose_a=True), l_inv)
    grad_a = grad_a + matrix_transpose(grad_a)
    return [grad_a * 0.5]


register_op("Cholesky", shape=_square_float_shape, grad=_cholesky_grad)


def cholesky(input, name=None) -> Tensor:  # noqa: A002
    """The lower-triangular Cholesky factor ``L`` of each symmetric positive definite matrix
    (``input = L @ L^T``); a matrix that is not positive definite fails the run.

    Example:
        >>> a = tf.constant([[4.0, 2.0], [2.0, 5.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.cholesky(a)))
        [[2. 0.]
         [1. 2.]]
    """
    with op_scope(name, "Cholesky", [input]) as scope:
        return make_tensor("Cholesky", (convert_to_tensor(input, name="input"),), None, scope)


def _qr_shape(inputs, attrs):
    x = inputs[0]
    _float_input(x)
    d = _dims(x, 2, "input")
    if d is None:
        return [(x.dtype, TensorShape(None))] * 2
    m, n = d[-2], d[-1]
    p = m if attrs["full_matrices"] else _min_dim(m, n)
    return [(x.dtype, TensorShape(d[:-2] + (m, p))), (x.dtype, TensorShape(d[:-2] + (p, n)))]


def _tri_solve_right(x, r):
    """``x @ inv(r)^T`` for upper-triangular ``r``."""
    return matrix_transpose(matrix_triangular_solve(r, matrix_transpose(x), lower=False))


def _qr_grad_deep(q, r, dq, dr):
    qdq = matmul(q, dq, transpose_a=True)
    qdq_ = qdq - matrix_transpose(qdq)
    rdr = matmul(r, dr, transpose_b=True)
    tril = matrix_band_part(qdq_ + rdr - matrix_transpose(rdr), -1, 0)
    grad_a = matmul(q, dr + _tri_solve_right(tril, r))
    return grad_a + _tri_solve_right(dq - matmul(q, qdq), r)


def _qr_grad(op, dq, dr):
    # TF's QrGrad (arXiv:2009.10071): rows >= columns directly, wide matrices by partition.
    q, r = op.outputs
    m, n = (r.shape.as_tuple()[-2:] if r.shape.ndims is not None else (None, None))
    if m is None or n is None:
        raise NotImplementedError(f"QrGrad not implemented with dynamic shapes. Received "
                                  f"r.shape: {r.shape}")
    rows = q.shape.as_tuple()[-2]
    if m > n and rows == q.shape.as_tuple()[-1]:
        raise NotImplementedError(f"QrGrad not implemented when nrows > ncols and "
                                  f"full_matrices is true. Received r.shape={r.shape}")
    if rows >= n:
        return [_qr_grad_deep(q, r, dq, dr)]
    y = op.inputs[0][..., :, rows:]
    u, du, dv = r[..., :, :rows], dr[..., :, :rows], dr[..., :, rows:]
    dx = _qr_grad_deep(q, u, dq + matmul(y, dv, transpose_b=True), du)
    return [concat([dx, matmul(q, dv)], -1)]


register_op("Qr", shape=_qr_shape, grad=_qr_grad)


def qr(input, full_matrices=False, name=None):  # noqa: A002
    """The QR decomposition ``input = q @ r`` of each matrix: returns ``(q, r)`` with
    orthonormal columns in ``q`` and upper-triangular ``r``.

    Example:
        >>> a = tf.constant([[3.0, 1.0], [4.0, 2.0]])
        >>> q, r = tf.qr(a)
        >>> with tf.Session() as sess:
        ...     q_, r_ = sess.run([q, r])
        >>> print(np.round(np.abs(r_), 4))     # the signs of the rows of r depend on the backend
        [[5.  2.2]
         [0.  0.4]]
        >>> print(np.allclose(q_ @ r_, [[3.0, 1.0], [4.0, 2.0]], atol=1e-5))
        True
    """
    with op_scope(name, "Qr", [input]) as scope:
        op = make_op("Qr", (convert_to_tensor(input, name="input"),),
                     {"full_matrices": bool(full_matrices)}, scope)
        return op.outputs[0], op.outputs[1]


def _svd_shape(inputs, attrs):
    x = inputs[0]
    _float_input(x)
    d = _dims(x, 2, "input")
    if d is None:
        return [(x.dtype, TensorShape(None))] * 3
    m, n = d[-2], d[-1]
    p = _min_dim(m, n)
    full = attrs["full_matrices"]
    return [(x.dtype, TensorShape(d[:-2] + (p,))),
            (x.dtype, TensorShape(d[:-2] + (m, m if full else p))),
            (x.dtype, TensorShape(d[:-2] + (n, n if full else p)))]


def _safe_reciprocal(x, epsilon=1e-20):
    return x * reciprocal(x * x + epsilon)


def _svd_grad(op, grad_s, grad_u, grad_v):
    # TF's SvdGrad for real matrices.
    a = op.inputs[0]
    s, u, v = op.outputs
    grad_s_mat = matrix_diag(grad_s)
    if not op.attrs["compute_uv"]:
        return [matmul(u, matmul(grad_s_mat, v, transpose_b=True))]
    d = a.shape.as_tuple() if a.shape.ndims is not None else None
    if d is None or d[-2] is None or d[-1] is None:
        raise NotImplementedError("SVD gradient needs the matrix dimensions known when the "
                                  "graph is built.")
    m, n = d[-2], d[-1]
    use_adjoint = m > n
    if use_adjoint:
        m, n = n, m
        u, v, grad_u, grad_v = v, u, grad_v, grad_u
    if op.attrs["full_matrices"] and abs(m - n) > 1:
        raise NotImplementedError("svd gradient is not implemented for abs(m - n) > 1 when "
                                  "full_matrices is True")
    s_mat = matrix_diag(s)
    s2 = square(s)
    f = matrix_set_diag(reciprocal(expand_dims(s2, -2) - expand_dims(s2, -1)), zeros_like(s))
    s_inv_mat = matrix_diag(_safe_reciprocal(s))
    v1, grad_v1 = v[..., :, :m], grad_v[..., :, :m]
    u_gu = matmul(u, grad_u, transpose_a=True)
    v_gv = matmul(v1, grad_v1, transpose_a=True)
    f_u, f_v = f * u_gu, f * v_gv
    term1_nouv = (grad_s_mat + matmul(f_u + matrix_transpose(f_u), s_mat) +
                  matmul(s_mat, f_v + matrix_transpose(f_v)))
    grad_a = matmul(u, matmul(term1_nouv, v1, transpose_b=True))
    if m != n:
        gv1t = matrix_transpose(grad_v1)
        term2_nous = gv1t - matmul(matmul(gv1t, v1), v1, transpose_b=True)
        if op.attrs["full_matrices"]:
            v2, grad_v2 = v[..., :, m:n], grad_v[..., :, m:n]
            term2_nous = term2_nous - matmul(matmul(v1, grad_v2, transpose_a=True), v2,
                                             transpose_b=True)
        grad_a = grad_a + matmul(matmul(u, s_inv_mat), term2_nous)
    return [matrix_transpose(grad_a) if use_adjoint else grad_a]


register_op("Svd", shape=_svd_shape, grad=_svd_grad)


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """The singular value decomposition ``tensor = u @ diag(s) @ transpose(v)`` of each
    matrix: returns ``(s, u, v)``, or ``s`` alone with ``compute_uv=False``. Singular values
    are in decreasing order.

    Example:
        >>> a = tf.constant([[3.0, 0.0], [0.0, -4.0]])
        >>> s, u, v = tf.svd(a)
        >>> with tf.Session() as sess:
        ...     s_, u_, v_ = sess.run([s, u, v])
        ...     print(sess.run(tf.svd(a, compute_uv=False)))
        [4. 3.]
        >>> print(s_, np.allclose(u_ @ np.diag(s_) @ v_.T, [[3.0, 0.0], [0.0, -4.0]]))
        [4. 3.] True
    """
    with op_scope(name, "Svd", [tensor]) as scope:
        op = make_op("Svd", (convert_to_tensor(tensor, name="tensor"),),
                     {"full_matrices": bool(full_matrices), "compute_uv": bool(compute_uv)},
                     scope)
        s, u, v = op.outputs
        return (s, u, v) if compute_uv else s


# --------------------------------------------------------------------------------------------
# Cross products and meshgrid
# --------------------------------------------------------------------------------------------
def _cross_shape(inputs, attrs):
    a, b = inputs
    check_kind(a, "number", "a")
    check_same_dtype("Cross", a, b)
    if a.shape.ndims is not None and b.shape.ndims is not None:
        if a.shape.ndims != b.shape.ndims or not a.shape.is_compatible_with(b.shape):
            raise ValueError(f"Dimensions must be equal: shapes {a.shape} and {b.shape} "
                             "(Cross: a and b must have the same shape)")
    for t in (a, b):
        d = _dims(t, 1, "a")
        if d is not None and d[-1] not in (None, 3):
            raise ValueError(f"Dimension must be 3 but is {d[-1]} (Cross: the last "
                             "dimension of its inputs)")
    return [(a.dtype, a.shape.merge_with(b.shape) if a.shape.ndims is not None else b.shape)]


register_op("Cross", shape=_cross_shape,
            grad=lambda op, g: [cross(op.inputs[1], g), cross(g, op.inputs[0])])


def cross(a, b, name=None) -> Tensor:
    """The cross product of 3-vectors along the last axis of ``a`` and ``b`` (same shapes).

    Example:
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])))
        ...     print(sess.run(tf.cross([[1, 2, 3]], [[4, 5, 6]])))
        [0. 0. 1.]
        [[-3  6 -3]]
    """
    with op_scope(name, "Cross", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, dtype=None if isinstance(b, Tensor) else a.dtype, name="b")
        return make_tensor("Cross", (a, b), None, scope)


def meshgrid(*args, **kwargs):
    """Coordinate grids from 1-D tensors, as ``np.meshgrid``: ``indexing="xy"`` (default,
    Cartesian: the first two outputs' axes swapped) or ``"ij"`` (matrix indexing).

    Example:
        >>> x, y = tf.meshgrid([1, 2, 3], [10, 20])
        >>> with tf.Session() as sess:
        ...     print(sess.run(x))
        ...     print(sess.run(y))
        ...     print(sess.run(tf.meshgrid([1, 2, 3], [10, 20], indexing="ij")[0]))
        [[1 2 3]
         [1 2 3]]
        [[10 10 10]
         [20 20 20]]
        [[1 1]
         [2 2]
         [3 3]]
    """
    indexing = kwargs.pop("indexing", "xy")
    name = kwargs.pop("name", "meshgrid")
    if kwargs:
        raise TypeError(f"Invalid keyword arguments: {', '.join(kwargs)}")
    if indexing not in ("xy", "ij"):
        raise ValueError("indexing parameter must be either 'xy' or 'ij'")
    with op_scope(name, "meshgrid", args):
        xs = [convert_to_tensor(x) for x in args]
        ndim = len(xs)
        if ndim == 0:
            return []
        sizes = [_size_of(x) for x in xs]
        if indexing == "xy" and ndim > 1:
            sizes[0], sizes[1] = sizes[1], sizes[0]
        outs = []
        for i, x in enumerate(xs):
            pos = i
            if indexing == "xy" and ndim > 1 and i < 2:
                pos = 1 - i
            target = [1] * ndim
            target[pos] = -1
            outs.append(reshape(x, target))
        full = ones(stack(sizes) if any(isinstance(s, Tensor) for s in sizes) else sizes,
                    dtype=xs[0].dtype)
        return [o * full for o in outs]


def _size_of(x):
    """The length of a 1-D tensor: an int when static, else a scalar tensor."""
    if x.shape.ndims is not None and x.shape.ndims != 1:
        raise ValueError(f"meshgrid needs 1-D inputs, got shape {x.shape}")
    n = x.shape[0].value if x.shape.ndims == 1 else None
    return n if n is not None else reduce_prod(shape(x))


# --------------------------------------------------------------------------------------------
# einsum
# --------------------------------------------------------------------------------------------
def _parse_einsum(equation, inputs):
    """Input subscripts and the output subscript, with each ``...`` replaced by letters of
    its own (aligned from the right, as broadcasting does)."""
    eq = equation.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    subs = lhs.split(",")
    if len(subs) != len(inputs):
        raise ValueError(f"einsum equation {equation!r} has {len(subs)} inputs, but "
                         f"{len(inputs)} tensors were given")
    spare = [chr(c) for c in range(0x3b1, 0x3c9)]          # Greek letters stand for "..."
    n_ell = 0
    expanded = []
    for s, t in zip(subs, inputs):
        if "..." in s:
            if t.shape.ndims is None:
                raise ValueError("einsum with '...' needs inputs of known rank")
            k = t.shape.ndims - (len(s) - 3)
            if k < 0:
                raise ValueError(f"einsum subscript {s!r} has more axes than its input's "
                                 f"rank {t.shape.ndims}")
            n_ell = max(n_ell, k)
            s = s.replace("...", "".join(spare[len(spare) - k:]))
        expanded.append(s)
    ell = "".join(spare[len(spare) - n_ell:])
    for s, t in zip(expanded, inputs):
        if not all(c.isalpha() for c in s):
            raise ValueError(f"einsum subscripts must be letters, got {equation!r}")
        if t.shape.ndims is not None and len(s) != t.shape.ndims:
            raise ValueError(f"einsum subscript {s!r} does not match the rank "
                             f"{t.shape.ndims} of its input (equation {equation!r})")
        if len(set(s)) != len(s):
            raise ValueError(f"Subscript not supported: an axis appears more than once: {s}")
    if arrow:
        out = out.replace("...", ell)
    else:
        letters = "".join(expanded)
        out = ell + "".join(sorted(c for c in set(letters) if letters.count(c) == 1
                                   and c not in ell))
    if len(set(out)) != len(out):
        raise ValueError(f"einsum output subscript {out!r} repeats an axis")
    missing = set(out) - set("".join(expanded))
    if missing:
        raise ValueError(f"einsum output subscript has axes {sorted(missing)} that appear in "
                         f"no input (equation {equation!r})")
    return expanded, out


def _dim_sizes(t):
    """``t``'s dims, each an int when static, else a scalar int32 tensor."""
    dyn = None
    out = []
    for i, d in enumerate(t.shape.as_tuple()):
        if d is None:
            dyn = shape(t) if dyn is None else dyn
            out.append(dyn[i])
        else:
            out.append(d)
    return out


def _product(dims):
    if all(isinstance(d, numbers.Integral) for d in dims):
        return int(np.prod(dims, dtype=np.int64)) if dims else 1
    return reduce_prod(stack([d if isinstance(d, Tensor) else constant(d, dtype=dtypes.int32)
                              for d in dims]))


def _shape_arg(dims):
    if all(isinstance(d, numbers.Integral) for d in dims):
        return list(dims)
    return stack([d if isinstance(d, Tensor) else constant(d, dtype=dtypes.int32)
                  for d in dims])


def _permuted(t, sub, order):
    return t if sub == order else transpose(t, [sub.index(c) for c in order])


def _sum_out(t, sub, keep):
    """Sums the axes of ``t`` whose letters are not in ``keep``."""
    axes = [i for i, c in enumerate(sub) if c not in keep]
    if not axes:
        return t, sub
    return reduce_sum(t, axes), "".join(c for c in sub if c in keep)


def _contract(a, sa, b, sb, keep):
    """The product of two operands summed over their shared letters not in ``keep``."""
    batch = "".join(c for c in sa if c in sb and c in keep)
    summed = "".join(c for c in sa if c in sb and c not in keep)
    free_a = "".join(c for c in sa if c not in sb)
    free_b = "".join(c for c in sb if c not in sa)
    a = _permuted(a, sa, batch + free_a + summed)
    b = _permuted(b, sb, batch + summed + free_b)
    da, db = _dim_sizes(a), _dim_sizes(b)
    nb = len(batch)
    fa = da[nb:nb + len(free_a)]
    fb = db[nb + len(summed):]
    k = _product(da[nb + len(free_a):])
    a3 = reshape(a, _shape_arg(da[:nb] + [_product(fa), k]))
    b3 = reshape(b, _shape_arg(db[:nb] + [k, _product(fb)]))
    prod = matmul(a3, b3)
    out_batch = _dim_sizes(prod)[:nb]
    return reshape(prod, _shape_arg(out_batch + fa + fb)), batch + free_a + free_b


def einsum(equation, *inputs, **kwargs) -> Tensor:
    """Sums of products over the axes an equation names, as ``np.einsum``: ``"ij,jk->ik"`` is
    a matrix product, ``"bij,bjk->bik"`` a batched one, ``"ij->ji"`` a transpose, ``"i,i->"``
    a dot product; ``...`` stands for leading axes. Without ``->`` the output has the letters
    that appear once, in alphabetical order. An axis repeated within one input (``"ii->i"``)
    is not supported, as in TF1.

    Built from ``transpose``, ``reshape``, ``matmul`` and ``reduce_sum`` (one matmul per
    extra operand), so the gradient comes from theirs.

    Example:
        >>> import flowkit as tf
        >>> a = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.einsum("ij,ij->", a, a)))
        30.0
    """
    name = kwargs.pop("name", None)
    if kwargs:
        raise TypeError(f"invalid keyword arguments for einsum: {', '.join(kwargs)}")
    with op_scope(name, "einsum", inputs) as scope:
        ts = [convert_to_tensor(x, name=f"input_{i}") for i, x in enumerate(inputs)]
        if not ts:
            raise ValueError("einsum needs at least one input")
        for t in ts[1:]:
            if t.dtype is not ts[0].dtype:
                raise TypeError(f"einsum inputs must have one dtype, got {ts[0].dtype.name} "
                                f"and {t.dtype.name}")
        for t in ts:
            if t.shape.ndims is None:
                raise ValueError(f"einsum needs inputs of known rank; {t.name} has unknown "
                                 "rank")
        subs, out = _parse_einsum(equation, ts)
        for i in range(1, len(ts)):      # sizes of a letter must agree
            for c, d in zip(subs[i], ts[i].shape.as_tuple()):
                for j in range(i):
                    if c in subs[j]:
                        d0 = ts[j].shape.as_tuple()[subs[j].index(c)]
                        if d is not None and d0 is not None and d != d0 and 1 not in (d, d0):
                            raise ValueError(f"Dimensions must be equal for axis '{c}' of "
                                             f"einsum {equation!r}: {d0} and {d}")
        later = [set(out).union(*subs[i + 1:]) for i in range(len(ts))]
        result, rsub = _sum_out(ts[0], subs[0], later[0] | set("".join(subs[1:])))
        for i in range(1, len(ts)):
            b, bsub = _sum_out(ts[i], subs[i], later[i] | set(rsub))
            result, rsub = _contract(result, rsub, b, bsub, later[i])
        result, rsub = _sum_out(result, rsub, set(out))
        return identity(_permuted(result, rsub, out), name=scope)


# --------------------------------------------------------------------------------------------
# norm
# --------------------------------------------------------------------------------------------
_MATRIX_NORMS = ("euclidean", "fro", 1, 2, np.inf)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None,  # noqa: A002
         keep_dims=None) -> Tensor:
    """Vector and matrix norms (TF1's ``tf.norm``).

    ``ord``: ``"euclidean"`` (default; also ``"fro"``, for matrices the Frobenius norm), any
    positive number ``p`` for a vector (``1``, ``2``, ``np.inf``...), or ``1``, ``2``,
    ``np.inf`` for a matrix. ``axis``: ``None`` (the whole tensor as one vector), an int (a
    vector norm along it) or a pair of ints (a matrix norm over them).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.norm([3.0, 4.0])), sess.run(tf.norm([3.0, -4.0], ord=1)))
        5.0 7.0
    """
    if keep_dims is not None:
        if keepdims is not None:
            raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'")
        keepdims = keep_dims
    keepdims = bool(keepdims)
    is_matrix = isinstance(axis, (tuple, list)) and len(axis) == 2
    if is_matrix:
        if axis[0] == axis[1]:
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        if not any(ord == o for o in _MATRIX_NORMS) or isinstance(ord, bool):
            raise ValueError(f"'ord' must be a supported matrix norm in "
                             f"['euclidean', 'fro', 1, 2, inf], got {ord}")
    else:
        if isinstance(axis, (tuple, list)) and len(axis) == 1:
            axis = axis[0]
        if not (axis is None or isinstance(axis, numbers.Integral)):
            raise ValueError(f"'axis' must be None, an integer, or a tuple of 2 unique "
                             f"integers, got {axis}")
        if ord == "fro" or not (ord == "euclidean" or (
                isinstance(ord, numbers.Real) and not isinstance(ord, bool) and ord > 0)):
            raise ValueError(f"'ord' must be a supported vector norm, got {ord}")
    with op_scope(name, "norm", [tensor]) as scope:
        x = convert_to_tensor(tensor, name="tensor")
        red = list(axis) if is_matrix else axis
        if ord in ("euclidean", "fro") or (ord == 2 and not is_matrix):
            result = sqrt(reduce_sum(x * x, red, keepdims=True))
        elif ord == 2:
            rank = x.shape.ndims
            if rank is None:
                raise ValueError("the matrix 2-norm needs an input of known rank")
            r, c = (a % rank for a in axis)
            perm = [i for i in range(rank) if i not in (r, c)] + [r, c]
            s = svd(transpose(x, perm), compute_uv=False)
            result = reduce_max(s, -1)
            for a in sorted((r, c)):
                result = expand_dims(result, a)
        else:
            result = _abs(x)
            if ord == 1:
                result = reduce_sum(result, None if axis is None else
                                    (axis[0] if is_matrix else axis), keepdims=True)
                if is_matrix:
                    result = reduce_max(result, axis[-1], keepdims=True)
            elif ord == np.inf:
                if is_matrix:
                    result = reduce_sum(result, axis[1], keepdims=True)
                result = reduce_max(result, None if axis is None else
                                    (axis[0] if is_matrix else axis), keepdims=True)
            else:
                p = constant(ord, dtype=x.dtype)
                result = _pow(reduce_sum(_pow(result, p), axis, keepdims=True),
                              reciprocal(p))
        if keepdims:
            return identity(result, name=scope)
        return squeeze(result, red, name=scope) if red is not None else \
            reshape(result, [], name=scope)

