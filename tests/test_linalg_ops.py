"""Linear algebra ops: values against NumPy on every backend, gradients, build-time errors,
and a differential test against TF1."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import linalg_ops as la
from flowkit.testing import check_gradients

RNG = np.random.default_rng(77)
A = RNG.standard_normal((3, 3)) + 2 * np.eye(3)
B = RNG.standard_normal((3, 2))
SPD = A @ A.T + np.eye(3)


def run(session, fetches):
    return session().run(fetches)


def test_values_against_numpy(session):
    a, b = tf.constant(A), tf.constant(B)
    out = run(session, {
        "inv": la.matrix_inverse(a), "det": la.matrix_determinant(a),
        "slog": la.log_matrix_determinant(a), "solve": la.matrix_solve(a, b),
        "tri": la.matrix_triangular_solve(a, b), "chol": la.cholesky(tf.constant(SPD)),
        "ein": la.einsum("ij,jk->ik", a, b), "trace": la.trace(a), "eye": la.eye(2, 3),
        "band": la.matrix_band_part(a, 0, 1), "diag": la.diag(b), "norm": la.norm(a),
        "cross": la.cross(a, a[::-1]), "mg": la.meshgrid([1, 2, 3], [4, 5])})
    np.testing.assert_allclose(out["inv"], np.linalg.inv(A))
    np.testing.assert_allclose(out["det"], np.linalg.det(A))
    np.testing.assert_allclose(out["slog"], np.linalg.slogdet(A))
    np.testing.assert_allclose(out["solve"], np.linalg.solve(A, B))
    np.testing.assert_allclose(out["tri"], np.linalg.solve(np.tril(A), B))
    np.testing.assert_allclose(out["chol"], np.linalg.cholesky(SPD))
    np.testing.assert_allclose(out["ein"], A @ B)
    np.testing.assert_allclose(out["trace"], np.trace(A))
    np.testing.assert_array_equal(out["eye"], np.eye(2, 3, dtype=np.float32))
    np.testing.assert_allclose(out["band"], np.triu(A) - np.triu(A, 2))
    assert out["diag"].shape == (3, 2, 3, 2) and out["diag"][1, 0, 1, 0] == B[1, 0]
    np.testing.assert_allclose(out["norm"], np.linalg.norm(A))
    np.testing.assert_allclose(out["cross"], np.cross(A, A[::-1]), atol=1e-12)
    assert [m.tolist() for m in out["mg"]] == [[[1, 2, 3], [1, 2, 3]], [[4, 4, 4], [5, 5, 5]]]


@pytest.mark.parametrize("eq,shapes", [
    ("ij,jk->ik", [(2, 3), (3, 4)]), ("ij->ji", [(2, 3)]), ("i,i->", [(4,), (4,)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]), ("ij,kj", [(2, 3), (4, 3)]),
    ("i,j->ij", [(2,), (3,)]), ("...ij,...jk->...ik", [(2, 2, 3), (2, 3, 1)]),
    ("ijk->k", [(2, 3, 4)]), ("ab,bc,cd->ad", [(2, 3), (3, 4), (4, 2)]),
    ("bhqd,bhkd->bhqk", [(1, 2, 3, 4), (1, 2, 5, 4)]),
])
def test_einsum_matches_numpy(session, eq, shapes):
    xs = [RNG.standard_normal(s) for s in shapes]
    got = run(session, la.einsum(eq, *[tf.constant(x) for x in xs]))
    np.testing.assert_allclose(got, np.einsum(eq, *xs), rtol=1e-10)


def test_einsum_unknown_dims_and_errors(session):
    x = tf.placeholder(tf.float64, [None, 3])
    y = la.einsum("ij,jk->ik", x, tf.constant(B))
    assert y.shape.as_list() == [None, 2]
    assert np.allclose(session().run(y, {x: A}), A @ B)
    with pytest.raises(ValueError, match="appears more than once"):
        la.einsum("ii->i", tf.constant(A))
    with pytest.raises(ValueError, match="rank"):
        la.einsum("ijk->i", tf.constant(A))


@pytest.mark.parametrize("ord_,axis", [("euclidean", None), (1, None), (np.inf, 0), (3, 1),
                                       ("fro", (0, 1)), (1, (0, 1)), (np.inf, (0, 1)),
                                       (2, (0, 1)), (2, -1)])
def test_norm_matches_numpy(session, ord_, axis):
    got = run(session, la.norm(tf.constant(A), ord=ord_, axis=axis))
    want = np.linalg.norm(A.reshape(-1) if axis is None else A,
                          ord=None if ord_ in ("euclidean", "fro") else ord_, axis=axis)
    np.testing.assert_allclose(got, want, rtol=1e-10)


def test_norm_keepdims_and_bad_ord():
    assert la.norm(tf.ones([2, 3]), axis=1, keepdims=True).shape.as_list() == [2, 1]
    assert la.norm(tf.ones([2, 3]), axis=[0, 1], keep_dims=True).shape.as_list() == [1, 1]
    with pytest.raises(ValueError, match="'ord' must be a supported matrix norm"):
        la.norm(tf.ones([2, 2]), ord=3, axis=[0, 1])
    with pytest.raises(ValueError, match="'ord' must be a supported vector norm"):
        la.norm(tf.ones([2]), ord="fro")


GRADS = {
    "inverse": lambda x: la.matrix_inverse(x),
    "determinant": lambda x: la.matrix_determinant(x),
    "slogdet": lambda x: la.log_matrix_determinant(x)[1],
    "solve": lambda x: la.matrix_solve(x, tf.constant(B), adjoint=True),
    "triangular": lambda x: la.matrix_triangular_solve(x, tf.constant(B), lower=False),
    "cholesky": lambda x: la.cholesky(tf.matmul(x, x, transpose_b=True)),
    "qr": lambda x: tf.concat([tf.reshape(t, [-1]) for t in la.qr(x)], 0),
    "svd": lambda x: la.svd(x, compute_uv=False),
    "einsum": lambda x: la.einsum("ij,kj->ik", x, x),
    "norm2": lambda x: la.norm(x, 2, axis=[0, 1]),
    "trace": la.trace, "diag_part": lambda x: la.diag_part(la.diag(x)),
    "eye": lambda x: x * la.eye(3, dtype=tf.float64),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients(backend, name):
    report = check_gradients(GRADS[name], [A], backend=backend[0], device=backend[1])
    assert report.ok, str(report)


def test_shape_errors_at_build_time():
    with pytest.raises(ValueError, match="square"):
        la.matrix_inverse(tf.ones([2, 3]))
    with pytest.raises(TypeError, match="float"):
        la.matrix_determinant(tf.ones([2, 2], tf.int32))
    with pytest.raises(ValueError, match="Dimension must be 3"):
        la.cross(tf.ones([2]), tf.ones([2]))
    with pytest.raises(ValueError, match="rows"):
        la.matrix_solve(tf.ones([3, 3]), tf.ones([2, 1]))
    assert la.svd(tf.ones([5, 2, 3]))[1].shape.as_list() == [5, 2, 2]
    assert la.qr(tf.ones([4, 3]), full_matrices=True)[0].shape.as_list() == [4, 4]


def test_singular_matrix_fails_the_run(session):
    with pytest.raises(tf.errors.InvalidArgumentError, match="not invertible"):
        run(session, la.matrix_inverse(tf.zeros([2, 2])))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Cholesky"):
        run(session, la.cholesky(-la.eye(2)))


def _program(lib, ops):
    a = lib.constant(A)
    b = lib.constant(B)
    c = lib.constant(RNG.standard_normal((4, 3)))
    q, r = ops.qr(c)
    s, u, v = ops.svd(c)
    outs = [ops.matrix_inverse(a), ops.matrix_determinant(a), ops.matrix_solve(a, b),
            ops.matrix_triangular_solve(a, b, lower=False), ops.cholesky(SPD),
            abs(q), abs(r), s, abs(u), abs(v), ops.einsum("ij,jk->ik", a, b),
            ops.norm(a, ord=1, axis=[0, 1]), ops.norm(a, ord=np.inf, axis=0),
            ops.diag(lib.constant([1.0, 2.0])), ops.diag_part(a), ops.trace(a),
            ops.matrix_band_part(a, 1, 0), ops.eye(2, 3, batch_shape=[2]),
            ops.cross(a, a[::-1]), ops.matrix_diag(b), ops.matrix_set_diag(a, b[:, 0])]
    outs += ops.meshgrid(lib.constant([1, 2, 3]), lib.constant([4, 5]), indexing="ij")
    xs = [a, c]
    ys = lib.reduce_sum(ops.matrix_inverse(a) * 2.0) + lib.reduce_sum(ops.qr(c)[1]) + \
        ops.log_matrix_determinant(a)[1] + lib.reduce_sum(ops.svd(c, compute_uv=False))
    return outs + lib.gradients(ys, xs)


def test_against_tf1(tf1):
    global RNG
    RNG = np.random.default_rng(5)
    with tf1.Graph().as_default():
        ns = type("ops", (), {k: getattr(tf1.linalg, k, None) for k in ["einsum", "norm"]})
        for k in ["matrix_inverse", "matrix_determinant", "matrix_solve",
                  "matrix_triangular_solve", "cholesky", "qr", "svd", "diag", "diag_part",
                  "trace", "matrix_band_part", "eye", "cross", "matrix_diag",
                  "matrix_set_diag", "meshgrid"]:
            setattr(ns, k, getattr(tf1, k))
        ns.log_matrix_determinant = tf1.linalg.slogdet
        want = tf1.Session().run(_program(tf1, ns))
    RNG = np.random.default_rng(5)
    with tf.Graph().as_default():
        got = tf.Session().run(_program(tf, la))
    assert len(got) == len(want)
    for i, (g, w) in enumerate(zip(got, want)):
        assert g.dtype == w.dtype and g.shape == w.shape, i
        np.testing.assert_allclose(g, w, rtol=1e-6, atol=1e-9, err_msg=str(i))
