"""The rest of tf.linalg (flowkit.ops.linalg_more_ops): values and gradients against TF1's
tf.compat.v1 on every backend, gradient checks in float64, build- and run-time errors."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.testing import check_gradients
from tests._tf_compare import run_tf1

RNG = np.random.default_rng(31)


def _m(*shape):
    return RNG.standard_normal(shape)


_CACHE = {}


def _c(*shape):
    """One fixed random array per shape, so that both frameworks' programs read the same."""
    if shape not in _CACHE:
        _CACHE[shape] = _m(*shape)
    return _CACHE[shape]


def _well(*shape):
    return RNG.standard_normal(shape) * 0.3 + 2.0 * np.eye(shape[-1])


def _tridiag(*shape):
    d = RNG.standard_normal(shape)
    d[..., 1, :] += 4.0
    return d


A = _m(2, 4, 4)
SYM = A + np.swapaxes(A, -1, -2)
WELL = _well(2, 3, 3)
TALL, WIDE = _m(2, 5, 3), _m(2, 3, 5)
SPD = WELL @ np.swapaxes(WELL, -1, -2) + np.eye(3)
DIAGS = _tridiag(2, 3, 5)
RANK1 = np.array([[[1.0, 2.0], [2.0, 4.0]], [[1.0, 0.0], [0.0, 3.0]]])


def _signless(v):
    """Eigenvectors are unique up to sign: fix each column's by its first row."""
    return v * np.sign(v[..., :1, :])


def _run_tf(tf1, build):
    return run_tf1(tf1, lambda: build(tf1))


def _both(tf1, session, build):
    return session().run(build(tf)), _run_tf(tf1, build)


def _close(got, want, rtol=1e-7, atol=1e-9):
    if isinstance(want, (tuple, list)):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            _close(g, w, rtol, atol)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, want.shape,
                                                                 got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


# Each builds the same program with flowkit or TF (both spell the API alike).
VALUES = {
    "self_adjoint_eig-e": lambda t: t.self_adjoint_eig(SYM)[0],
    "linalg.eigh-e": lambda t: t.linalg.eigh(np.tril(A))[0],       # only the lower triangle
    "self_adjoint_eigvals": lambda t: t.self_adjoint_eigvals(SYM.astype(np.float32)),
    "linalg.eigvalsh": lambda t: t.linalg.eigvalsh(A),
    "cholesky_solve": lambda t: t.cholesky_solve(t.cholesky(SPD), _c(2, 3, 2)),
    "linalg.cholesky_solve": lambda t: t.linalg.cholesky_solve(t.cholesky(SPD), WELL),
    "matrix_solve_ls": lambda t: t.matrix_solve_ls(TALL, _c(2, 5, 2)),
    "matrix_solve_ls-l2": lambda t: t.matrix_solve_ls(TALL, _c(2, 5, 1), l2_regularizer=0.5),
    "matrix_solve_ls-wide": lambda t: t.matrix_solve_ls(WIDE, _c(2, 3, 2), 0.1),
    "matrix_solve_ls-slow": lambda t: t.matrix_solve_ls(TALL, _c(2, 5, 2), 1.0, fast=False),
    "linalg.lstsq-slow-rank-deficient": lambda t: t.linalg.lstsq(
        np.ones((3, 2)), np.arange(3.0).reshape(3, 1), fast=False),
    "matrix_square_root": lambda t: t.matrix_square_root(WELL),
    "linalg.sqrtm-spd": lambda t: t.linalg.sqrtm(SPD.astype(np.float32)),
    "linalg.sqrtm-rotation": lambda t: t.linalg.sqrtm([[0.0, -1.0], [1.0, 0.0]]),
    "linalg.sqrtm-negative": lambda t: t.linalg.sqrtm([[-1.0, 0.0], [0.0, 4.0]]),
    "linalg.expm": lambda t: t.linalg.expm(0.5 * A),
    "linalg.expm-large": lambda t: t.linalg.expm(4.0 * WELL),
    "linalg.expm-float32": lambda t: t.linalg.expm(A[0].astype(np.float32)),
    "linalg.pinv": lambda t: t.linalg.pinv(TALL),
    "linalg.pinv-rank-deficient": lambda t: t.linalg.pinv(RANK1),
    "linalg.pinv-rcond": lambda t: t.linalg.pinv(np.diag([1.0, 1e-3]), rcond=1e-2),
    "linalg.matrix_rank": lambda t: t.linalg.matrix_rank(RANK1),
    "linalg.matrix_rank-tol": lambda t: t.linalg.matrix_rank(np.diag([3.0, 1.0, 0.1]), tol=0.5),
    "linalg.lu": lambda t: t.linalg.lu(A),
    "linalg.lu-int64": lambda t: t.linalg.lu(WELL.astype(np.float32), output_idx_type=t.int64),
    "linalg.lu_reconstruct": lambda t: t.linalg.lu_reconstruct(*t.linalg.lu(A)),
    "linalg.lu_solve": lambda t: t.linalg.lu_solve(*t.linalg.lu(A), _c(2, 4, 3)),
    "linalg.lu_matrix_inverse": lambda t: t.linalg.lu_matrix_inverse(*t.linalg.lu(WELL)),
    "linalg.matrix_transpose": lambda t: t.linalg.matrix_transpose(A[:, :3]),
    "linalg.tensor_diag": lambda t: t.linalg.tensor_diag(A[0, :2]),
    "linalg.tensor_diag_part": lambda t: t.linalg.tensor_diag_part(np.ones((2, 3, 2, 3))),
    "linalg.l2_normalize": lambda t: t.linalg.l2_normalize(A, axis=-1),
    "linalg.normalize": lambda t: t.linalg.normalize(A),
    "linalg.normalize-ord1-axis": lambda t: t.linalg.normalize(A, ord=1, axis=1),
    "linalg.normalize-fro": lambda t: t.linalg.normalize(A, ord="fro", axis=[-2, -1]),
    "linalg.global_norm": lambda t: t.linalg.global_norm([t.constant(A), t.constant(WELL)]),
    "linalg.tridiagonal_matmul": lambda t: t.linalg.tridiagonal_matmul(DIAGS, _c(2, 5, 3)),
    "linalg.tridiagonal_matmul-sequence": lambda t: t.linalg.tridiagonal_matmul(
        [t.constant(d) for d in DIAGS[0]], _c(5, 2), diagonals_format="sequence"),
    "linalg.tridiagonal_matmul-matrix": lambda t: t.linalg.tridiagonal_matmul(
        _c(4, 4), _c(4, 2), diagonals_format="matrix"),
    "linalg.tridiagonal_solve": lambda t: t.linalg.tridiagonal_solve(
        t.constant(DIAGS), t.constant(_c(2, 5, 3))),
    "linalg.tridiagonal_solve-vector": lambda t: t.linalg.tridiagonal_solve(
        t.constant(DIAGS), t.constant(_c(2, 5))),
    "linalg.tridiagonal_solve-transpose": lambda t: t.linalg.tridiagonal_solve(
        t.constant(DIAGS[0]), t.constant(_c(2, 5)), transpose_rhs=True),
    "linalg.tridiagonal_solve-matrix": lambda t: t.linalg.tridiagonal_solve(
        t.constant(_c(4, 4) + 5 * np.eye(4)), t.constant(_c(4, 2)), diagonals_format="matrix"),
    "linalg.tridiagonal_solve-sequence": lambda t: t.linalg.tridiagonal_solve(
        [t.constant(d) for d in DIAGS[1]], t.constant(_c(5, 1)), diagonals_format="sequence"),
    "linalg.tridiagonal_solve-singular": lambda t: t.linalg.tridiagonal_solve(
        t.zeros([3, 4], t.float64), t.ones([4, 1], t.float64)),
    "linalg.eigh_tridiagonal": lambda t: t.linalg.eigh_tridiagonal([1.0, 2.0, 3.0], [0.5, 0.5]),
}


@pytest.mark.parametrize("name", sorted(VALUES))
def test_values_against_tf1(tf1, session, name):
    got, want = _both(tf1, session, VALUES[name])
    want = tuple(want) if isinstance(want, tuple) else want
    single = any(np.asarray(w).dtype == np.float32
                 for w in (want if isinstance(want, tuple) else [want]))
    _close(got, want, rtol=1e-4 if single else 1e-7, atol=1e-5 if single else 1e-9)


def test_eigenvectors_against_tf1(tf1, session):
    got, want = _both(tf1, session, lambda t: t.self_adjoint_eig(SYM)[1])
    _close(_signless(got), _signless(want))
    got, want = _both(tf1, session, lambda t: t.linalg.eigh_tridiagonal(
        [1.0, 2.0, 3.0], [0.5, 0.5], eigvals_only=False)[1])
    _close(_signless(got), _signless(want), rtol=1e-5, atol=1e-6)      # float32


# Gradients of each differentiable function at one point, with flowkit and TF.
GRADIENTS = {
    "self_adjoint_eig": (lambda t, x: t.self_adjoint_eig(x)[0] * [1.0, 2.0, 3.0, 4.0], SYM),
    "self_adjoint_eig-v": (lambda t, x: t.square(t.self_adjoint_eig(x)[1]), SYM),
    "self_adjoint_eigvals": (lambda t, x: t.self_adjoint_eigvals(x) ** 2, A),
    "matrix_square_root": (lambda t, x: t.matrix_square_root(x), WELL),
    "linalg.expm": (lambda t, x: t.linalg.expm(x), 0.7 * A),
    "matrix_solve_ls": (lambda t, x: t.matrix_solve_ls(x, TALL[..., :2], 0.3), TALL),
    "matrix_solve_ls-wide": (lambda t, x: t.matrix_solve_ls(x, WIDE[..., :2]), WIDE),
    "cholesky_solve": (lambda t, x: t.cholesky_solve(t.cholesky(SPD), x), WELL),
    "linalg.pinv": (lambda t, x: t.linalg.pinv(x), TALL),
    "linalg.lu_solve": (lambda t, x: t.linalg.lu_solve(x, [[1, 0, 2], [2, 1, 0]], WELL), WELL),
    "linalg.normalize": (lambda t, x: t.linalg.normalize(x, axis=-1)[0], A),
    "linalg.tridiagonal_solve": (lambda t, x: t.linalg.tridiagonal_solve(
        x, t.constant(WELL[..., :1].repeat(5, -2)[:, :5])), DIAGS),
    "linalg.tridiagonal_solve-rhs": (lambda t, x: t.linalg.tridiagonal_solve(
        t.constant(DIAGS), x), _c(2, 5, 2)),
    "linalg.tridiagonal_matmul": (lambda t, x: t.linalg.tridiagonal_matmul(x, A[:, :, :3]
                                                                           .repeat(2, 1)[:, :4]),
                                  _c(2, 3, 4)),
}


@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients_against_tf1(tf1, session, name):
    fn, x = GRADIENTS[name]
    u = RNG.standard_normal(np.shape(_run_tf(tf1, lambda t: fn(t, t.constant(x)))))

    def build(t):
        c = t.constant(x)
        return t.gradients(t.reduce_sum(fn(t, c) * u), c)[0]
    got, want = _both(tf1, session, build)
    _close(got, want, rtol=1e-6, atol=1e-7)


CHECKED = {
    "eig-e": (lambda x: tf.self_adjoint_eig(x)[0], [_m(3, 3)]),
    "eig-v": (lambda x: tf.self_adjoint_eig(x)[1] * tf.sign(tf.self_adjoint_eig(x)[1][:1]),
              [_m(3, 3)]),
    "eigvalsh": (lambda x: tf.linalg.eigvalsh(x), [_m(2, 3, 3)]),
    "sqrtm": (tf.linalg.sqrtm, [_well(3, 3)]),
    "expm": (tf.linalg.expm, [_m(2, 3, 3)]),
    "expm-squaring": (tf.linalg.expm, [3.0 * _m(3, 3)]),
    "lstsq": (lambda a, b: tf.linalg.lstsq(a, b, l2_regularizer=0.2), [_m(4, 3), _m(4, 2)]),
    "lstsq-wide": (tf.linalg.lstsq, [_m(2, 4), _m(2, 1)]),
    "cholesky_solve": (lambda x, b: tf.cholesky_solve(
        tf.cholesky(tf.matmul(x, x, transpose_b=True) + 3 * tf.eye(3, dtype=tf.float64)), b),
        [_m(3, 3), _m(3, 2)]),
    "pinv": (tf.linalg.pinv, [_m(3, 2)]),
    "lu_reconstruct": (lambda x: tf.linalg.lu_reconstruct(x, [2, 0, 1]), [_m(3, 3)]),
    "lu_matrix_inverse": (lambda x: tf.linalg.lu_matrix_inverse(x, [2, 0, 1]), [_well(3, 3)]),
    "normalize": (lambda x: tf.linalg.normalize(x, ord=3, axis=0)[1], [_m(3, 2) + 3.0]),
    "tridiagonal_solve": (tf.linalg.tridiagonal_solve, [_tridiag(3, 4), _m(4, 2)]),
    "tridiagonal_solve-matrix": (lambda x, b: tf.linalg.tridiagonal_solve(
        x, b, diagonals_format="matrix"), [_well(4, 4) + 2 * np.eye(4), _m(4, 1)]),
    "tridiagonal_matmul": (lambda x, b: tf.linalg.tridiagonal_matmul(
        x, b, diagonals_format="matrix"), [_m(4, 4), _m(4, 1)]),
}


@pytest.mark.parametrize("name", sorted(CHECKED))
def test_check_gradients(backend, name):
    fn, inputs = CHECKED[name]
    report = check_gradients(fn, inputs, backend=backend[0], device=backend[1])
    assert report.ok, str(report)


def test_shapes_at_build_time():
    e, v = tf.self_adjoint_eig(tf.ones([5, 3, 3]))
    assert e.shape.as_list() == [5, 3] and v.shape.as_list() == [5, 3, 3]
    assert tf.self_adjoint_eigvals(tf.placeholder(tf.float32, [None, 2, 2])).shape.as_list() \
        == [None, 2]
    lu, p = tf.linalg.lu(tf.ones([2, 4, 4]), output_idx_type=tf.int64)
    assert lu.shape.as_list() == [2, 4, 4] and p.shape.as_list() == [2, 4]
    assert p.dtype == tf.int64
    assert tf.matrix_solve_ls(tf.ones([2, 5, 3]), tf.ones([2, 5, 4]), fast=False) \
        .shape.as_list() == [2, 3, 4]
    assert tf.linalg.tridiagonal_solve(tf.ones([3, 4]), tf.ones([2, 4]), transpose_rhs=True) \
        .shape.as_list() == [4, 2]
    assert tf.linalg.matrix_rank(tf.ones([3, 2, 5])).dtype == tf.int32


@pytest.mark.parametrize("build,error,match", [
    (lambda: tf.self_adjoint_eig(tf.ones([2, 3])), ValueError, "square"),
    (lambda: tf.linalg.eigvalsh(tf.ones([2, 2], tf.int32)), TypeError, "int32"),
    (lambda: tf.matrix_square_root(tf.ones([3, 2])), ValueError, "square"),
    (lambda: tf.linalg.expm(tf.ones([3])), ValueError, "rank"),
    (lambda: tf.linalg.lu(tf.ones([2, 3])), ValueError, "square"),
    (lambda: tf.linalg.lu(tf.ones([2, 2]), output_idx_type=tf.float32), TypeError, "int32"),
    (lambda: tf.matrix_solve_ls(tf.ones([3, 2]), tf.ones([2, 1])), ValueError, "rows"),
    (lambda: tf.cholesky_solve(tf.ones([2, 2]), tf.ones([3, 1])), ValueError, "rows"),
    (lambda: tf.linalg.tridiagonal_solve(tf.ones([2, 4]), tf.ones([4, 1])), ValueError,
     "Expected 3 diagonals got 2"),
    (lambda: tf.linalg.tridiagonal_solve(tf.ones([3, 4]), tf.ones([5, 1])), ValueError,
     "equal, got 4 and 5"),
    (lambda: tf.linalg.tridiagonal_solve(tf.ones([2, 3, 4]), tf.ones([4, 1])), ValueError,
     "Batch shapes"),
    (lambda: tf.linalg.tridiagonal_matmul(tf.ones([3, 4]), tf.ones([5, 1])), ValueError,
     "equal, got 4 and 5"),
    (lambda: tf.linalg.tridiagonal_matmul(tf.ones([3, 4]), tf.ones([4, 1]), "foo"),
     ValueError, "Unrecognized diagonals_format: foo"),
])
def test_build_errors(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_run_time_errors_name_the_op(session):
    lu = tf.linalg.lu(tf.zeros([2, 2]), name="my_lu")[0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="my_lu.*Input is not invertible"):
        session().run(lu)
    e = tf.self_adjoint_eig(tf.constant([[np.nan, 1.0], [1.0, 1.0]]), name="my_eig")[0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="my_eig.*not successful"):
        session().run(e)
    x = tf.matrix_solve_ls(tf.zeros([3, 2]), tf.ones([3, 1]), name="my_ls")
    with pytest.raises(tf.errors.InvalidArgumentError, match="my_ls/Cholesky"):
        session().run(x)


def test_slow_least_squares_has_no_gradient():
    a = tf.constant(TALL)
    with pytest.raises(ValueError, match="Gradient not defined for fast=False"):
        tf.gradients(tf.matrix_solve_ls(a, tf.constant(TALL[..., :1]), fast=False), a)


def test_lu_is_not_differentiable_as_in_tf():
    a = tf.constant(WELL)
    assert tf.gradients(tf.linalg.lu(a)[0], a) == [None]


def test_unsupported_options_are_refused():
    with pytest.raises(NotImplementedError, match="perturb_singular"):
        tf.linalg.tridiagonal_solve(tf.ones([3, 4]), tf.ones([4, 1]), perturb_singular=True)
    with pytest.raises(NotImplementedError, match="select='v'"):
        tf.linalg.eigh_tridiagonal([1.0, 2.0], [1.0], select="v", select_range=(0.0, 1.0))


def test_names_are_exported():
    for name in ("self_adjoint_eig", "self_adjoint_eigvals", "cholesky_solve",
                 "matrix_solve_ls", "matrix_square_root"):
        assert callable(getattr(tf, name)), name
    assert tf.linalg.eigh is tf.self_adjoint_eig and tf.linalg.lstsq is tf.matrix_solve_ls
