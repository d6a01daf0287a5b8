"""The shape-only subgraph of a plan is computed once per shape (``session_plan._fold``).

``Shape``/``Size``/``Rank`` and the stateless ops computed only from them and from constants
(the mean's gradient: ``Shape -> Size -> Cast -> RealDiv -> Fill -> ExpandDims``) keep their
last result and run their kernels again only when an input's shape changes. Results must be
exactly those of a plain run, whatever the order of feed shapes, and a kept result must never
be visible to the user or written by another step.
"""
import functools

import numpy as np
import pytest

import flowkit as tf
from flowkit import session_plan


def _counting(monkeypatch, session, *op_types):
    """Counts the kernel calls of ``op_types`` (plain and out= kernels) in plans made after."""
    be = session.backend
    calls = dict.fromkeys(op_types, 0)
    for table in (be.kernels, getattr(be, "out_kernels", None) or {}):
        for op_type in op_types:
            if op_type not in table:
                continue

            @functools.wraps(table[op_type])
            def counted(*args, _k=table[op_type], _t=op_type, **kwargs):
                calls[_t] += 1
                return _k(*args, **kwargs)
            monkeypatch.setitem(table, op_type, counted)
    return calls


def _mean_gradient_graph():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    loss = tf.reduce_mean(tf.reduce_sum(tf.square(x), axis=1))
    grad, = tf.gradients(loss, [x])
    return x, loss, grad


def test_the_mean_gradient_plumbing_runs_once_per_shape(session, monkeypatch):
    g = tf.Graph()
    with g.as_default():
        x, loss, grad = _mean_gradient_graph()
    sess = session(graph=g)
    calls = _counting(monkeypatch, sess, "Shape", "Size", "Cast", "Fill", "Square")
    rng = np.random.default_rng(0)
    for _ in range(4):
        xv = rng.standard_normal((5, 3)).astype(np.float32)
        got = sess.run(grad, {x: xv})
        np.testing.assert_allclose(got, 2 * xv / 5, rtol=1e-6)
    assert calls["Square"] == 4                 # the real work runs every time
    assert calls["Fill"] == calls["Cast"] == 1  # the shape-only ops once
    assert calls["Shape"] >= 1 and calls["Size"] >= 1
    shape_calls = calls["Shape"] + calls["Size"]
    sess.run(grad, {x: np.ones((2, 3), np.float32)})    # a new batch size: computed again
    assert calls["Fill"] == 2 and calls["Shape"] + calls["Size"] > shape_calls
    assert "; folded" in sess.explain(grad, {x: np.ones((2, 3), np.float32)})


def test_values_follow_the_feed_shape(session):
    g = tf.Graph()
    with g.as_default():
        x, loss, grad = _mean_gradient_graph()
        n = tf.cast(tf.size(x), tf.float32) * 2.0
        scaled = tf.reduce_sum(x) + n + tf.cast(tf.rank(x), tf.float32)
    sess = session(graph=g)
    rng = np.random.default_rng(1)
    for rows in (4, 4, 1, 7, 4, 1, 1):
        xv = rng.standard_normal((rows, 3)).astype(np.float32)
        gv, sv = sess.run([grad, scaled], {x: xv})
        np.testing.assert_allclose(gv, 2 * xv / rows, rtol=1e-6)
        np.testing.assert_allclose(sv, xv.sum() + rows * 3 * 2.0 + 2, rtol=1e-5)


def test_a_shape_that_depends_on_values_is_recomputed(session):
    # tf.where's output has as many rows as there are positives: same feed shape, other
    # shapes inside; the fold looks at the shape of the value itself.
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [4], name="x")
        hits = tf.where(x > 0)
        count = tf.cast(tf.shape(hits)[0], tf.float32) * 10.0 + tf.reduce_sum(x) * 0.0
    sess = session(graph=g)
    for xv, want in (([1, -1, 1, 1], 30.0), ([-1, -1, 1, -1], 10.0), ([1, 1, 1, 1], 40.0)):
        assert sess.run(count, {x: np.array(xv, np.float32)}) == want


def test_fetched_folded_values_are_independent_arrays(session):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        s = tf.shape(x)
        ones = tf.fill(s, 1.0)
        flat = tf.reshape(ones, [-1])           # a view of a folded value
        total = tf.reduce_sum(x * ones)
    sess = session(graph=g)
    xv = np.arange(6, dtype=np.float32).reshape(3, 2)
    for _ in range(3):
        sv, ov, fv, tv = sess.run([s, ones, flat, total], {x: xv})
        np.testing.assert_array_equal(sv, [3, 2])
        np.testing.assert_array_equal(ov, np.ones((3, 2)))
        np.testing.assert_array_equal(fv, np.ones(6))
        assert tv == xv.sum()
        sv[...] = 7
        ov[...] = 5.0
        fv[...] = 9.0
    # fetched alone too
    a = sess.run(ones, {x: xv})
    a[...] = -1.0
    np.testing.assert_array_equal(sess.run(ones, {x: xv}), np.ones((3, 2)))


def test_folded_values_are_never_written_in_place(session):
    # The Fill dies at the Add and the Relu, which may write into their input's memory
    # (session_plan._donate): a kept Fill must not be that memory.
    n = 2048                    # large enough for in-place kernels and planned buffers
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, n], name="x")
        twos = tf.fill(tf.shape(x), 2.0)
        z = tf.nn.relu(twos + x)
        m = tf.fill(tf.shape(x), 3.0) * 2.0     # a folded Mul: no planned buffer either
        r = (x * m) + 1.0
    sess = session(graph=g)
    rng = np.random.default_rng(2)
    for _ in range(4):
        xv = rng.standard_normal((2, n)).astype(np.float32)
        zv, rv = sess.run([z, r], {x: xv})
        np.testing.assert_allclose(zv, np.maximum(xv + 2.0, 0.0), rtol=1e-6)
        np.testing.assert_allclose(rv, xv * 6.0 + 1.0, rtol=1e-6)


def test_a_folded_mul_gets_no_planned_buffer(session, monkeypatch):
    n = 2048
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, n], name="x")
        m = tf.fill(tf.shape(x), 3.0) * 2.0
        r = tf.reduce_sum(x + m)
    sess = session(graph=g)
    calls = _counting(monkeypatch, sess, "Mul")
    xv = np.ones((2, n), np.float32)
    for _ in range(4):
        assert sess.run(r, {x: xv}) == pytest.approx(7.0 * 2 * n)
    assert calls["Mul"] == 1


def test_random_and_stateful_ops_are_not_folded(session):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        noise = tf.random_uniform(tf.shape(x)) + tf.zeros_like(x)
        counter = tf.Variable(0.0)
        bump = tf.assign_add(counter, tf.cast(tf.size(x), tf.float32))
        init = tf.global_variables_initializer()
    sess = session(graph=g)
    sess.run(init)
    xv = np.zeros(64, np.float32)
    a, b = sess.run(noise, {x: xv}), sess.run(noise, {x: xv})
    assert not np.array_equal(a, b)
    for k in range(1, 4):
        assert sess.run(bump, {x: xv}) == 64.0 * k


def test_an_assigned_folded_value_is_not_shared_with_the_variable(session):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        v = tf.Variable(np.zeros(3, np.float32))
        reset = tf.assign(v, tf.fill(tf.shape(x), 1.0))
        bump = tf.assign_add(v, tf.ones([3]))
        init = tf.global_variables_initializer()
    sess = session(graph=g)
    sess.run(init)
    xv = np.zeros(3, np.float32)
    for _ in range(3):
        sess.run(reset, {x: xv})
        sess.run(bump)
        np.testing.assert_array_equal(sess.run(v), [2.0, 2.0, 2.0])


def test_an_error_in_a_shape_only_op_names_it_every_time(session):
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, None, name="x")      # rank unknown
        dims = tf.reshape(tf.shape(x), [3], name="as_three")
        out = tf.reduce_sum(x) + tf.cast(tf.reduce_prod(dims), tf.float32)
    sess = session(graph=g)
    ok = np.ones((2, 3, 4), np.float32)
    assert sess.run(out, {x: ok}) == 48.0
    for _ in range(2):
        with pytest.raises(tf.errors.InvalidArgumentError, match="as_three"):
            sess.run(out, {x: np.ones((2, 3), np.float32)})
    assert sess.run(out, {x: ok}) == 48.0


def test_folding_can_be_turned_off(session, monkeypatch):
    monkeypatch.setattr(session_plan, "FOLD", False)
    g = tf.Graph()
    with g.as_default():
        x, loss, grad = _mean_gradient_graph()
    sess = session(graph=g)
    calls = _counting(monkeypatch, sess, "Fill")
    for _ in range(3):
        sess.run(grad, {x: np.ones((5, 3), np.float32)})
    assert calls["Fill"] == 3
    assert "; folded" not in sess.explain(grad, {x: np.ones((5, 3), np.float32)})


def test_a_non_finite_folded_result_is_computed_and_warned_again(monkeypatch):
    # An overflow inside the shape-only subgraph: the NumPy backend warns (once per line,
    # until the warnings are reset); a kept Inf would stay silent after a reset.
    import warnings

    from flowkit.framework import numerics
    monkeypatch.delenv("FLOWKIT_WARNINGS", raising=False)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        big = tf.cast(tf.size(x) - tf.size(x), tf.float32) + 1e30
        out = tf.reduce_sum(x) + tf.multiply(big, big, name="overflows")
    with tf.Session(graph=g, backend="numpy") as sess:
        for _ in range(2):
            tf.warnings.reset()
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                assert sess.run(out, {x: np.ones(3, np.float32)}) == np.inf
            assert any(r.category is numerics.NumericsWarning and "overflows" in str(r.message)
                       for r in w)


def test_a_folded_value_given_to_a_stateful_op_is_not_shared(session):
    # py_func's function may keep or change its argument (this one adds to it in place), as
    # an enqueue keeps its value: such readers get memory of this run, never a kept value.
    def bump(a):
        a += 1.0
        return np.float32(a.sum())

    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None], name="x")
        total = tf.py_func(bump, [tf.fill(tf.shape(x), 1.0)], tf.float32)
        q = tf.FIFOQueue(4, tf.float32, shapes=[[3]])
        put = q.enqueue(tf.fill(tf.shape(x), 1.0))
        got = q.dequeue()
    sess = session(graph=g)
    xv = np.zeros(3, np.float32)
    for _ in range(3):
        assert sess.run(total, {x: xv}) == 6.0
        sess.run(put, {x: xv})
        v = sess.run(got)
        np.testing.assert_array_equal(v, np.ones(3))
        v[...] = 5.0
