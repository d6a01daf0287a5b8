"""scatter_ops: sparse updates of variables (``tf.scatter_add``...) and of tensors
(``tf.tensor_scatter_nd_add``...). Values (repeated indices included), gradients, errors and
a sparse training step on every backend, checked against TF1's ``tf.compat.v1``."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.testing import check_gradients
from tests._tf_compare import run_tf1

_r = np.random.default_rng(31)
REF = _r.normal(size=(5, 3))
ROWS = np.array([4, 0, 4, 2], np.int32)                       # row 4 twice
ROWS_2D = np.array([[1, 3], [1, 0]], np.int64)                # row 1 twice
ND = np.array([[1, 2], [0, 0], [1, 2], [4, 1]], np.int32)     # (1, 2) twice
SLICES = np.array([[3], [0], [3]], np.int32)                  # row 3 twice


def _run_tf(tf1, build):
    return run_tf1(tf1, build, initialize=True)


def _same(got, want, rtol=1e-6):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype,
                                                                 got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol)


def _updates(indices, nd, ref, dtype):
    k = indices.shape[-1] if nd else 1
    shape = (indices.shape[:-1] if nd else indices.shape) + ref.shape[k:]
    if np.dtype(dtype).kind == "f":
        return _r.uniform(0.5, 2.0, shape).astype(dtype)
    return _r.integers(1, 5, shape).astype(dtype)


ROW_OPS = ["scatter_update", "scatter_add", "scatter_sub", "scatter_mul", "scatter_div",
           "scatter_min", "scatter_max"]
ND_OPS = ["scatter_nd_update", "scatter_nd_add", "scatter_nd_sub"]


def _variable_case(tf1, session, name, indices, nd, dtype, updates=None):
    """Runs the scatter twice (updates accumulate in the variable) here and in TF."""
    ref = (REF * 10).astype(dtype)
    upd = _updates(indices, nd, ref, dtype) if updates is None else updates
    v = tf.Variable(ref, name="v")
    op = getattr(tf, name)(v, indices, upd)
    assert op.op.type == "".join(w.title() for w in name.split("_"))
    assert op.shape.as_list() == list(ref.shape) and op.dtype == v.dtype
    with session() as sess:
        sess.run(v.initializer)
        got = [sess.run(op), sess.run(op), sess.run(v)]

    g = tf1.Graph()
    with g.as_default(), tf1.Session(graph=g) as s:
        tv = tf1.Variable(ref)
        top = getattr(tf1, name)(tv, indices, upd)
        s.run(tv.initializer)
        want = [s.run(top), s.run(top), s.run(tv)]
    for a, b in zip(got, want):
        _same(a, b)


@pytest.mark.parametrize("name", ROW_OPS)
@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_scatter_rows_against_tf1(tf1, session, name, dtype):
    _variable_case(tf1, session, name, ROWS, False, dtype)


@pytest.mark.parametrize("name", ROW_OPS)
def test_scatter_rows_2d_indices_and_scalar_updates_against_tf1(tf1, session, name):
    _variable_case(tf1, session, name, ROWS_2D, False, np.float32)
    _variable_case(tf1, session, name, ROWS, False, np.float32, np.float32(1.5))


@pytest.mark.parametrize("name", ND_OPS)
@pytest.mark.parametrize("indices", [ND, SLICES], ids=["elements", "slices"])
@pytest.mark.parametrize("dtype", [np.float32, np.int64])
def test_scatter_nd_against_tf1(tf1, session, name, indices, dtype):
    _variable_case(tf1, session, name, indices, True, dtype)


def test_integer_division_truncates_as_tf1(tf1, session):
    ref = np.array([[-7, 7], [9, -9]], np.int32)
    upd = np.array([[2, -2], [-3, 3], [2, 2]], np.int32)
    v = tf.Variable(ref)
    op = tf.scatter_div(v, [0, 1, 0], upd)
    with session() as sess:
        sess.run(v.initializer)
        got = sess.run(op)
    want = _run_tf(tf1, lambda: tf1.scatter_div(tf1.Variable(ref), [0, 1, 0], upd))
    _same(got, want)


def test_batch_scatter_update_against_tf1(tf1, session):
    ref = _r.normal(size=(2, 4, 3))
    for indices in (np.array([[3, 0], [1, 1]], np.int32), np.array([1, 0], np.int64)):
        upd = _r.normal(size=indices.shape + ref.shape[indices.ndim:])
        v = tf.Variable(ref)
        op = tf.batch_scatter_update(v, indices, upd)
        with session() as sess:
            sess.run(v.initializer)
            got = sess.run(op)
        want = _run_tf(tf1, lambda indices=indices, upd=upd:
                       tf1.batch_scatter_update(tf1.Variable(ref), indices, upd))
        _same(got, want)
    with pytest.raises(ValueError, match="first 1 dimensions"):
        tf.batch_scatter_update(tf.Variable(ref), np.zeros((3, 1), np.int32),
                                np.zeros((3, 1, 3)))


TENSOR_OPS = ["tensor_scatter_nd_update", "tensor_scatter_nd_add", "tensor_scatter_nd_sub",
              "tensor_scatter_nd_min", "tensor_scatter_nd_max"]


@pytest.mark.parametrize("name", TENSOR_OPS)
@pytest.mark.parametrize("indices", [ND, SLICES], ids=["elements", "slices"])
@pytest.mark.parametrize("dtype", [np.float64, np.int32])
def test_tensor_scatter_against_tf1(tf1, session, name, indices, dtype):
    x = (REF * 10).astype(dtype)
    upd = _updates(indices, True, x, dtype)
    t = tf.constant(x)
    out = getattr(tf, name)(t, indices, upd)
    assert out.shape.as_list() == list(x.shape)
    with session() as sess:
        got, unchanged = sess.run([out, t])
    _same(unchanged, x)       # functional: the input keeps its value
    want = _run_tf(tf1, lambda: getattr(tf1, name)(tf1.constant(x), indices, upd))
    _same(got, want)


def test_tf1_aliases():
    assert tf.tensor_scatter_update is tf.tensor_scatter_nd_update
    assert tf.tensor_scatter_add is tf.tensor_scatter_nd_add
    assert tf.tensor_scatter_sub is tf.tensor_scatter_nd_sub


# -- gradients ------------------------------------------------------------------------------------
GRAD_CASES = {
    "update": (lambda x, u: tf.tensor_scatter_nd_update(x, [[3], [0]], u), (5, 3), (2, 3)),
    "add": (lambda x, u: tf.tensor_scatter_nd_add(x, ND, u), (5, 3), (4,)),
    "sub": (lambda x, u: tf.tensor_scatter_nd_sub(x, SLICES, u), (5, 3), (3, 3)),
    "min": (lambda x, u: tf.tensor_scatter_nd_min(x, ND, u), (5, 3), (4,)),
    "max": (lambda x, u: tf.tensor_scatter_nd_max(x, SLICES, u), (5, 3), (3, 3)),
}


@pytest.mark.parametrize("kind", list(GRAD_CASES))
def test_tensor_scatter_gradients(backend, kind):
    fn, xs, us = GRAD_CASES[kind]
    report = check_gradients(fn, [_r.normal(size=xs), _r.normal(size=us)],
                             backend=backend[0], device=backend[1])
    assert report.ok, str(report)


def _grads_here_and_in_tf(tf1, session, name, x, indices, u):
    g = _r.normal(size=x.shape)
    xt, ut = tf.constant(x), tf.constant(u)
    out = getattr(tf, name)(xt, indices, ut)
    with session() as sess:
        got = sess.run(tf.gradients(out, [xt, ut], grad_ys=tf.constant(g)))

    def build():
        a, b = tf1.constant(x), tf1.constant(u)
        y = getattr(tf1, name)(a, indices, b)
        return tf1.gradients(y, [a, b], grad_ys=tf1.constant(g))
    for a, b in zip(got, _run_tf(tf1, build)):
        _same(a, b)


@pytest.mark.parametrize("name", ["tensor_scatter_nd_min", "tensor_scatter_nd_max"])
def test_min_max_gradients_split_ties_as_tf1(tf1, session, name):
    """Ties between the tensor and the updates, and between repeated updates."""
    x = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    u = np.array([[1.0, 0.0], [1.0, 9.0], [7.0, 6.0]])
    _grads_here_and_in_tf(tf1, session, name, x, np.array([[0], [0], [2]]), u)


def test_update_gradients_with_repeated_indices_as_tf1(tf1, session):
    x = _r.normal(size=(4, 2))
    _grads_here_and_in_tf(tf1, session, "tensor_scatter_nd_update", x,
                          np.array([[1], [3], [1]]), _r.normal(size=(3, 2)))
    _grads_here_and_in_tf(tf1, session, "tensor_scatter_nd_sub", x,
                          np.array([[1, 0], [1, 0]]), _r.normal(size=(2,)))


# -- errors ---------------------------------------------------------------------------------------
def test_index_out_of_range_names_op_index_and_range(session):
    v = tf.Variable(np.zeros((4, 3)), name="table")
    bad = tf.scatter_add(v, [0, 7], np.ones((2, 3)), name="bump")
    neg = tf.scatter_update(v, tf.placeholder_with_default([1, -1], [2]), 1.0)
    bad_nd = tf.scatter_nd_sub(v, [[0, 1], [3, 3]], [1.0, 2.0])
    bad_t = tf.tensor_scatter_nd_max(tf.zeros([4, 3]), [[9]], tf.ones([1, 3]), name="tmax")
    with session() as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"'bump'.*indices\[1\] = 7 is not in \[0, 4\).*'table'"):
            sess.run(bad)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"indices\[1\] = -1 is not in \[0, 4\)"):
            sess.run(neg)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"indices\[1\] = \[3, 3\] does not index into shape \[4, 3\]"):
            sess.run(bad_nd)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"'tmax'.*indices\[0\] = \[9\] does not index into shape"):
            sess.run(bad_t)
        # the indices are all checked before anything is written
        np.testing.assert_array_equal(sess.run(v), np.zeros((4, 3)))


def test_shape_and_dtype_mismatches_fail_when_the_graph_is_built():
    v = tf.Variable(np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"updates.shape = indices.shape \+ params.shape\[1:\] "
                                         r"or updates.shape = \[\], got updates.shape \[1, 2\]"):
        tf.scatter_add(v, [0, 1], np.ones((1, 2)))
    with pytest.raises(ValueError, match=r"updates.shape = indices.shape\[:-1\] \+ "
                                         r"params.shape\[2:\] = \[2\], got updates.shape \[3\]"):
        tf.scatter_nd_add(v, [[0, 1], [3, 2]], [5.0, 6.0, 7.0])
    with pytest.raises(ValueError, match="must be <= the rank of params"):
        tf.tensor_scatter_nd_update(tf.zeros([4, 3]), [[0, 1, 2]], [1.0])
    with pytest.raises(ValueError, match=r"params.shape\[1:\] = \[1, 3\], got updates.shape \[2\]"):
        tf.tensor_scatter_nd_add(tf.zeros([4, 3]), [[0]], tf.ones([2]))
    with pytest.raises(ValueError, match="at least 1-D"):
        tf.scatter_add(tf.Variable(5.0), [0], [1.0])
    with pytest.raises(TypeError, match="'updates' of 'ScatterSub' Op has type float32 that "
                                        "does not match type float64 of argument 'ref'"):
        tf.scatter_sub(v, [0], tf.ones([1, 3], tf.float32))
    with pytest.raises(TypeError, match="int32 or int64"):
        tf.tensor_scatter_nd_add(tf.zeros([2]), tf.constant([[0.0]]), [1.0])
    with pytest.raises(TypeError, match="allowed values"):
        tf.scatter_add(tf.Variable([True, False]), [0], [True])
    with pytest.raises(TypeError, match="update a variable in place"):
        tf.scatter_add(tf.zeros([3]), [0], [1.0])


def test_shape_mismatch_known_only_at_run_time(session):
    v = tf.Variable(np.zeros((4, 3)), name="w")
    p = tf.placeholder(tf.float64, [None, None])
    q = tf.placeholder(tf.float32, None)
    add, upd = tf.scatter_add(v, [0, 1], p), tf.tensor_scatter_nd_update(tf.zeros([4]), [[1]], q)
    with session() as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"got updates.shape \[2, 2\], indices.shape \[2\], "
                                 r"params.shape \[4, 3\] \(variable 'w'\)"):
            sess.run(add, {p: np.ones((2, 2))})
        with pytest.raises(tf.errors.InvalidArgumentError, match="got updates.shape \\[\\]"):
            sess.run(upd, {q: 1.0})
        assert sess.run(add, {p: np.ones((2, 3))}).sum() == 6.0


def test_uninitialized_variable_is_a_failed_precondition(session):
    v = tf.Variable(np.zeros(3), name="never_set")
    with session() as sess, pytest.raises(tf.errors.FailedPreconditionError, match="never_set"):
        sess.run(tf.scatter_add(v, [0], [1.0]))


# -- state semantics ------------------------------------------------------------------------------
def test_scatter_is_in_place_and_reads_keep_their_values(session):
    """A read made before the scatter in the same run keeps the old value, a read after the
    scatter (control dependency) sees the new one, and use_locking is accepted."""
    v = tf.Variable(np.arange(6.0).reshape(3, 2))
    before = v.read_value()
    with tf.control_dependencies([before]):
        up = tf.scatter_update(v, [1], [[10.0, 20.0]], use_locking=False)
    with tf.control_dependencies([up]):
        after = v.read_value()
        chained = tf.scatter_mul(v, [1, 1], np.full((2, 2), 2.0), use_locking=True)
    with session() as sess:
        sess.run(v.initializer)
        b, u, a = sess.run([before, up, after])
        np.testing.assert_array_equal(b, np.arange(6.0).reshape(3, 2))
        np.testing.assert_array_equal(u, [[0, 1], [10, 20], [4, 5]])
        np.testing.assert_array_equal(a, u)
        np.testing.assert_array_equal(sess.run(chained)[1], [40.0, 80.0])
        np.testing.assert_array_equal(sess.run(v)[1], [40.0, 80.0])


def test_updates_that_read_the_variable(session):
    """``updates`` computed from the variable itself (overlapping memory) use the value
    before the scatter."""
    v = tf.Variable(np.arange(6.0).reshape(3, 2))
    swap = tf.scatter_update(v, [0, 2], tf.gather(v, [2, 0]))
    shift = tf.scatter_add(v, [0, 1, 2], v)
    with session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(swap), [[4, 5], [2, 3], [0, 1]])
        np.testing.assert_array_equal(sess.run(shift), [[8, 10], [4, 6], [0, 2]])


def test_duplicate_updates_keep_the_last_one(session):
    v = tf.Variable(np.zeros(3))
    up = tf.scatter_update(v, [2, 0, 2, 2], [1.0, 2.0, 3.0, 4.0])
    t = tf.tensor_scatter_nd_update(tf.zeros([3]), [[1], [1]], [5.0, 6.0])
    with session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(up), [2.0, 0.0, 4.0])
        np.testing.assert_array_equal(sess.run(t), [0.0, 6.0, 0.0])


# -- training -------------------------------------------------------------------------------------
def test_sparse_sgd_on_an_embedding_matches_tf1(tf1, session):
    """Embedding rows updated with scatter_sub of the gradients of the looked-up rows
    (repeated ids accumulate) give TF1's table after several steps."""
    table0 = _r.normal(size=(6, 4))
    w0 = _r.normal(size=(4, 1))
    batches = [np.array([1, 4, 1], np.int32), np.array([0, 5, 5], np.int32),
               np.array([2, 1, 3], np.int32)]
    targets = [_r.normal(size=(3, 1)) for _ in batches]

    def steps(lib, run):
        emb = lib.Variable(table0, name="emb")
        ids = lib.placeholder(lib.int32, [None])
        y = lib.placeholder(lib.float64, [None, 1])
        rows = lib.gather(emb, ids)
        loss = lib.reduce_sum(lib.square(lib.matmul(rows, lib.constant(w0)) - y))
        (g,) = lib.gradients(loss, [rows])
        step = lib.scatter_sub(emb, ids, 0.1 * g)
        return run(emb, step, ids, y)

    def run_with(sess):
        def run(emb, step, ids, y):
            sess.run(emb.initializer)
            for b, t in zip(batches, targets):
                sess.run(step, {ids: b, y: t})
            return sess.run(emb)
        return run

    with session() as sess:
        got = steps(tf, run_with(sess))
    g = tf1.Graph()
    with g.as_default(), tf1.Session(graph=g) as s:
        want = steps(tf1, run_with(s))
    _same(got, want, rtol=1e-9)
    assert not np.allclose(got, table0)


@pytest.mark.skipif(not hasattr(tf.Variable, "scatter_nd_add"),
                    reason="tf.Variable has no scatter methods yet (flowkit/variables.py)")
def test_variable_methods(tf1, session):
    """TF1's ``Variable.scatter_*`` methods take a sparse delta (``indices`` and ``values``,
    as tf.IndexedSlices); the ``scatter_nd_*`` methods take indices and updates."""
    ref = np.arange(8.0, dtype=np.float32).reshape(4, 2)
    delta = tf.IndexedSlices(tf.constant([[1.0, 2.0], [3.0, 4.0]]), tf.constant([3, 3])) \
        if hasattr(tf, "IndexedSlices") else type("Delta", (), {
            "values": tf.constant([[1.0, 2.0], [3.0, 4.0]]), "indices": tf.constant([3, 3])})()
    v = tf.Variable(ref)
    ops = [v.scatter_add(delta), v.scatter_sub(delta), v.scatter_mul(delta),
           v.scatter_div(delta), v.scatter_max(delta), v.scatter_min(delta),
           v.scatter_update(delta), v.scatter_nd_add([[0, 1]], [5.0]),
           v.scatter_nd_sub([[1]], [[1.0, 1.0]]), v.scatter_nd_update([[2, 0]], [-1.0])]
    with session() as sess:
        sess.run(v.initializer)
        got = [sess.run(op) for op in ops]
    g = tf1.Graph()
    with g.as_default(), tf1.Session(graph=g) as s:
        tv = tf1.Variable(ref)
        d = tf1.IndexedSlices(tf1.constant([[1.0, 2.0], [3.0, 4.0]]), tf1.constant([3, 3]))
        tops = [tv.scatter_add(d), tv.scatter_sub(d), tv.scatter_mul(d), tv.scatter_div(d),
                tv.scatter_max(d), tv.scatter_min(d), tv.scatter_update(d),
                tv.scatter_nd_add([[0, 1]], [5.0]), tv.scatter_nd_sub([[1]], [[1.0, 1.0]]),
                tv.scatter_nd_update([[2, 0]], [-1.0])]
        s.run(tv.initializer)
        want = [s.run(op) for op in tops]
    for a, b in zip(got, want):
        _same(a, b)
    with pytest.raises(TypeError, match="IndexedSlices"):
        v.scatter_add([1.0])
