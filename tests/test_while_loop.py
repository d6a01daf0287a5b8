"""tf.while_loop (flowkit.rnn): TF1's semantics (nested loop variables, captured tensors and
variables, shape invariants, maximum_iterations, nested loops, tf.cond in the body,
TensorArray), gradients checked against central differences, long loops, scan/map_fn/fold."""
import collections

import numpy as np
import pytest

import flowkit as tf
from flowkit.rnn import TensorArray, foldl, foldr, map_fn, scan, while_loop
from flowkit.testing import check_gradients


def test_nested_loop_vars_and_single_var(session):
    Pair = collections.namedtuple("Pair", "a b")
    out = while_loop(lambda i, p, d: i < 3,
                     lambda i, p, d: (i + 1, Pair(p.a * 2.0, p.b + 1.0), {"k": d["k"] - 1}),
                     [tf.constant(0), Pair(tf.constant(1.0), tf.constant([0.0, 1.0])),
                      {"k": tf.constant(10)}])
    single = while_loop(lambda x: x < 100.0, lambda x: x * 3.0, tf.constant(1.0))
    i, p, d = session().run(out)
    assert i == 3 and p.a == 8.0 and list(p.b) == [3.0, 4.0] and d["k"] == 7
    assert session().run(single) == 243.0


def test_maximum_iterations_and_captured_placeholder(session):
    step = tf.placeholder(tf.float32, [])
    n = tf.placeholder(tf.int32, [])
    i, x = while_loop(lambda i, x: True, lambda i, x: (i + 1, x + step), [0, 0.0],
                      maximum_iterations=n)
    assert session().run([i, x], {step: 0.5, n: 7}) == [7, 3.5]


def test_shape_change_without_invariant_names_the_variable():
    with pytest.raises(ValueError, match="'grow:0' enters the loop with shape \\(1,\\), but "
                                         "has shape \\(2,\\) after one iteration"):
        while_loop(lambda x: tf.size(x) < 10, lambda x: tf.concat([x, x], 0),
                   [tf.constant([1.0], name="grow")])


def test_shape_invariants_allow_growth(session):
    x = while_loop(lambda x: tf.size(x) < 10, lambda x: tf.concat([x, x], 0),
                   [tf.constant([1.0])], shape_invariants=[tf.TensorShape([None])])
    assert x.shape.as_list() == [None]
    assert session().run(x).shape == (16,)


def test_dtype_change_is_an_error():
    with pytest.raises(TypeError, match="enters the loop with type int32, but has type float32"):
        while_loop(lambda x: x < 3, lambda x: tf.cast(x, tf.float32), [tf.constant(0)])


def test_cond_inside_the_body_and_nested_loops(session):
    def body(i, total):
        inner = while_loop(lambda j, s: j < i, lambda j, s: (j + 1, s + j), [0, 0])[1]
        add = tf.cond(tf.equal(i % 2, 0), lambda: inner, lambda: -inner)
        return i + 1, total + add
    _, total = while_loop(lambda i, t: i < 6, body, [0, 0])
    want = sum((1 if i % 2 == 0 else -1) * sum(range(i)) for i in range(6))
    assert session().run(total) == want


def test_thousand_steps_without_recursion_limits(session):
    i, x = while_loop(lambda i, x: i < 1000, lambda i, x: (i + 1, x + 1.0), [0, 0.0])
    g = tf.gradients(x * x, [])
    assert g == []
    x0 = tf.placeholder(tf.float32, [])
    _, y = while_loop(lambda i, y: i < 1000, lambda i, y: (i + 1, y * 1.001), [0, x0])
    dy, = tf.gradients(y, x0)
    got = session().run([i, x, y, dy], {x0: 1.0})
    assert got[:2] == [1000, 1000.0]
    np.testing.assert_allclose(got[2:], [1.001 ** 1000] * 2, rtol=1e-3)


# -- gradients -----------------------------------------------------------------------------------
def _running_product(x):
    n = x.shape.as_list()[0]
    _, p = while_loop(lambda i, p: i < n, lambda i, p: (i + 1, p * x[i]),
                      [0, tf.constant(1.0, tf.float64)])
    return p


def _captured(x, w):
    _, h = while_loop(lambda i, h: i < 4, lambda i, h: (i + 1, tf.tanh(tf.matmul(h, w))),
                      [0, x])
    return h


def _nested(x):
    def outer(i, a):
        _, b = while_loop(lambda j, b: j < 3, lambda j, b: (j + 1, tf.sin(b) * a), [0, a])
        return i + 1, b + a * 0.5
    return while_loop(lambda i, a: i < 2, outer, [0, x])[1]


def _with_cond(x):
    return while_loop(lambda i, a: i < 4, lambda i, a: (i + 1, tf.cond(
        tf.equal(i % 2, 0), lambda: a * a, lambda: tf.sin(a))), [0, x])[1]


def _tensor_array(x):
    ta = TensorArray(tf.float64, size=3)
    ta = ta.unstack(x)
    out = TensorArray(tf.float64, size=3)

    def body(i, h, out):
        h = tf.tanh(h + ta.read(i))
        return i + 1, h, out.write(i, h * h)
    _, h, out = while_loop(lambda i, h, out: i < 3, body, [0, tf.zeros_like(x[0]), out])
    return out.stack() + h


def _cell(x, w, u, b):
    # the weights' and the bias's gradients are joined products (while_ops._row_additive):
    # u's with a captured outside tensor as the joined input, w's with a loop variable
    def body(i, h):
        return i + 1, tf.tanh(tf.nn.bias_add(tf.matmul(x, u) + tf.matmul(h, w), b))
    return while_loop(lambda i, h: i < 3, body, [0, tf.zeros_like(tf.matmul(x, u))])[1]


def _growing_rows(x, w):
    # a joined product whose rows change from one iteration to the next (2, 3, then 4)
    def body(i, h):
        h = tf.tanh(tf.matmul(h, w))
        return i + 1, tf.concat([h, h[:1] * 0.5], 0)
    return while_loop(lambda i, h: i < 3, body, [0, x],
                      shape_invariants=[tf.TensorShape([]), tf.TensorShape([None, 3])])[1]


@pytest.mark.parametrize("fn,inputs", [
    (_running_product, [np.array([0.5, -1.5, 2.0, 0.7])]),
    (_cell, [np.random.default_rng(3).normal(size=(2, 4)),
             np.random.default_rng(4).normal(size=(3, 3)) * 0.5,
             np.random.default_rng(5).normal(size=(4, 3)) * 0.5,
             np.random.default_rng(6).normal(size=3)]),
    (_growing_rows, [np.random.default_rng(7).normal(size=(2, 3)),
                     np.random.default_rng(8).normal(size=(3, 3)) * 0.5]),
    (_captured, [np.random.default_rng(0).normal(size=(2, 3)),
                 np.random.default_rng(1).normal(size=(3, 3)) * 0.5]),
    (_nested, [np.array([0.3, -0.8])]),
    (_with_cond, [np.array([0.3, 1.2, -0.4])]),
    (_tensor_array, [np.random.default_rng(2).normal(size=(3, 2))]),
], ids=["running_product", "cell", "growing_rows", "captured_tensor", "nested_loops",
        "cond_in_body", "tensor_array"])
def test_gradients_match_central_differences(fn, inputs, backend):
    report = check_gradients(fn, inputs, backend=backend[0], device=backend[1])
    assert report.ok, report


def test_gradient_with_respect_to_a_variable_read_in_the_body(session):
    w = tf.Variable([[0.5, -0.2], [0.1, 0.9]], dtype=tf.float32, name="w")
    x = tf.constant([[1.0, 2.0]])
    _, h = while_loop(lambda i, h: i < 3, lambda i, h: (i + 1, tf.sin(tf.matmul(h, w))),
                      [0, x])
    loss = tf.reduce_sum(h)
    gw, = tf.gradients(loss, w)
    sess = session()
    sess.run(tf.global_variables_initializer())
    got = sess.run(gw)
    w0 = sess.run(w).astype(np.float64)

    def f(wv):
        hv = np.array([[1.0, 2.0]])
        for _ in range(3):
            hv = np.sin(hv @ wv)
        return hv.sum()
    num = np.zeros_like(w0)
    for idx in np.ndindex(*w0.shape):
        e = np.zeros_like(w0)
        e[idx] = 1e-5
        num[idx] = (f(w0 + e) - f(w0 - e)) / 2e-5
    np.testing.assert_allclose(got, num, rtol=1e-3, atol=1e-4)
    # the variable is read when the loop runs: a new value changes the result
    w.load([[1.0, 0.0], [0.0, 1.0]], sess)
    np.testing.assert_allclose(sess.run(h), np.sin(np.sin(np.sin([[1.0, 2.0]]))), rtol=1e-6)


def _cell_gradients(n_steps):
    """The gradients of a tanh cell's weights and bias, through ``n_steps`` iterations."""
    rng = np.random.default_rng(0)
    w = tf.constant(rng.normal(size=(3, 3)) * 0.5, name="w")
    b = tf.constant(rng.normal(size=3), name="b")
    h0 = tf.constant(rng.normal(size=(4, 3)))
    _, h = while_loop(lambda i, h: i < n_steps, lambda i, h: (
        i + 1, tf.tanh(tf.nn.bias_add(tf.matmul(h, w), b))), [0, h0])
    return tf.gradients(tf.reduce_sum(h * h), [w, b]), (w, b, h0)


def test_weight_gradients_are_one_product_after_the_loop(session):
    (gw, gb), (w, b, h0) = _cell_gradients(5)
    # the sums over the iterations are single ops of the joined per-iteration values
    assert gw.op.type == "MatMul" and gw.op.inputs[0].op.type == "WhileGrad"
    assert gb.op.type == "BiasAddGrad" and gb.op.inputs[0].op.type == "WhileGrad"
    sess = session()
    got_w, got_b, wv, bv, hv = sess.run([gw, gb, w, b, h0])
    hs = [hv]                                       # by hand: forward, then backward
    for _ in range(5):
        hs.append(np.tanh(hs[-1] @ wv + bv))
    g, want_w, want_b = 2 * hs[-1], np.zeros_like(wv), np.zeros_like(bv)
    for t in range(5, 0, -1):
        dz = g * (1 - hs[t] ** 2)
        want_w += hs[t - 1].T @ dz
        want_b += dz.sum(0)
        g = dz @ wv.T
    np.testing.assert_allclose(got_w, want_w, rtol=1e-10)
    np.testing.assert_allclose(got_b, want_b, rtol=1e-10)


def test_joined_gradients_of_a_loop_that_never_runs_are_zeros(session):
    (gw, gb), (w, b, _) = _cell_gradients(0)
    got_w, got_b = session().run([gw, gb])
    assert got_w.shape == (3, 3) and got_b.shape == (3,)
    assert not got_w.any() and not got_b.any()


def test_training_through_a_loop(session):
    w = tf.Variable(0.5, name="w")
    _, y = while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, y * w), [0, 2.0])
    loss = tf.square(y - 1.0)
    train = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
    sess = session()
    sess.run(tf.global_variables_initializer())
    losses = [sess.run([loss, train])[0] for _ in range(30)]
    assert losses[-1] < 1e-3 < losses[0]


# -- TensorArray -------------------------------------------------------------------------------
def test_tensor_array_operations(session):
    ta = TensorArray(tf.float32, size=4, clear_after_read=False)
    ta = ta.unstack(tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]))
    ta2 = ta.scatter([1, 3], tf.constant([[0.0, 0.0], [9.0, 9.0]]))
    grow = TensorArray(tf.float32, size=0, dynamic_size=True).write(2, [1.0, 1.0])
    got = session().run([ta.read(1), ta.gather([3, 0]), ta2.stack(), ta.size(), grow.size(),
                         grow.stack()])
    assert got[0].tolist() == [3.0, 4.0]
    assert got[1].tolist() == [[7.0, 8.0], [1.0, 2.0]]
    assert got[2].tolist() == [[1.0, 2.0], [0.0, 0.0], [5.0, 6.0], [9.0, 9.0]]
    assert got[3] == 4 and got[4] == 3
    assert got[5].tolist() == [[0.0, 0.0], [0.0, 0.0], [1.0, 1.0]]


def test_tensor_array_errors(session):
    ta = TensorArray(tf.float32, size=2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not resizeable and size is: 2"):
        session().run(ta.write(5, 1.0).stack())
    once = TensorArray(tf.float32, size=1).write(0, 1.0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="cleared after a previous read"):
        session().run(once.read(0) + once.read(0))
    with pytest.raises(tf.errors.InvalidArgumentError, match="already been written"):
        session().run(once.write(0, 2.0).stack())


# -- scan, map_fn, foldl, foldr ----------------------------------------------------------------
def test_scan_map_fold(session):
    e = tf.constant([1.0, 2.0, 3.0, 4.0])
    pair = map_fn(lambda x: (x[0], x[1] * 2.0), (e, e), dtype=(tf.float32, tf.float32))
    got = session().run([scan(lambda a, x: a + x, e), scan(lambda a, x: a * x, e, reverse=True),
                         scan(lambda a, x: a + x, e, initializer=10.0),
                         map_fn(lambda x: x * x, e), pair,
                         foldl(lambda a, x: a - x, e), foldr(lambda a, x: a - x, e),
                         foldl(lambda a, x: a * 2.0 + x, e, initializer=tf.constant(1.0))])
    assert got[0].tolist() == [1, 3, 6, 10]
    assert got[1].tolist() == [24, 24, 12, 4]
    assert got[2].tolist() == [11, 13, 16, 20]
    assert got[3].tolist() == [1, 4, 9, 16]
    assert got[4][1].tolist() == [2, 4, 6, 8]
    assert got[5] == 1 - 2 - 3 - 4 and got[6] == 4 - 3 - 2 - 1
    assert got[7] == (((1 * 2 + 1) * 2 + 2) * 2 + 3) * 2 + 4


@pytest.mark.parametrize("kind", ["scan", "map_fn", "foldl", "foldr"])
def test_functional_gradients(kind, backend):
    def fn(x, w):
        if kind == "scan":
            return scan(lambda a, v: tf.tanh(a * w + v), x)
        if kind == "map_fn":
            return map_fn(lambda v: tf.sin(v * w), x)
        f = foldl if kind == "foldl" else foldr
        return f(lambda a, v: a * tf.cos(v) + w, x, initializer=tf.constant(0.3, tf.float64))
    report = check_gradients(fn, [np.array([0.2, -0.5, 0.9]), np.array(0.7)],
                             backend=backend[0], device=backend[1])
    assert report.ok, report
