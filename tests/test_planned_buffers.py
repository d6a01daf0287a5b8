"""Planned buffers: out= kernels writing into buffers a plan owns (flowkit/session_plan.py).

The suite runs with FLOWKIT_CHECK_KERNELS=1, so every buffered step here is also checked
against its contract: it returns its buffer when the result fits, and gives the op's kernel's
result bit for bit.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest

import flowkit as tf
from flowkit import plugins
from flowkit.backend import Scratch


def _plan(sess):
    return max(sess._plans.values(), key=lambda p: len(p.run))


def _cnn(seed=0, padding="SAME", strides=(1, 1, 1, 1), dilations=(1, 1, 1, 1)):
    rng = np.random.default_rng(seed)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 12, 12, 3], name="x")
        y = tf.placeholder(tf.float32, [None, 4], name="y")
        w1 = tf.Variable((rng.standard_normal((3, 3, 3, 8)) * 0.3).astype(np.float32))
        b1 = tf.Variable(np.full(8, 0.1, np.float32))
        h = tf.nn.relu(tf.nn.bias_add(tf.nn.conv2d(x, w1, list(strides), padding,
                                                   dilations=list(dilations)), b1))
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        w2 = tf.Variable((rng.standard_normal((3, 3, 8, 8)) * 0.3).astype(np.float32))
        h = tf.nn.relu(tf.nn.conv2d(h, w2, [1, 1, 1, 1], "SAME"))
        n = int(np.prod(h.shape.as_list()[1:]))
        w3 = tf.Variable((rng.standard_normal((n, 4)) * 0.1).astype(np.float32))
        logits = tf.matmul(tf.reshape(h, [-1, n]), w3)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y,
                                                                          logits=logits))
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        init = tf.global_variables_initializer()
    xs = rng.standard_normal((16, 12, 12, 3)).astype(np.float32)
    ys = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 16)]
    return g, x, y, loss, step, init, xs, ys, [w1, w2, w3]


def _train(monkeypatch, planned, steps=4, **kw):
    monkeypatch.setenv("FLOWKIT_PLANNED_BUFFERS", "1" if planned else "0")
    g, x, y, loss, step, init, xs, ys, ws = _cnn(**kw)
    sess = tf.Session(graph=g)
    sess.run(init)
    losses = [sess.run([loss, step], {x: xs, y: ys})[0] for _ in range(steps)]
    return losses, sess.run(ws), sess


@pytest.mark.parametrize("kw", [{}, {"padding": "VALID"}, {"strides": (1, 2, 2, 1)},
                                {"dilations": (1, 2, 2, 1)}])
def test_training_with_planned_buffers_is_bit_for_bit_the_same(monkeypatch, kw):
    if "strides" in kw:
        kw = dict(kw, padding="SAME")
    with_buf, w_buf, sess = _train(monkeypatch, True, **kw)
    without, w_plain, sess0 = _train(monkeypatch, False, **kw)
    assert _plan(sess).buffered is not None and _plan(sess).buffers
    assert _plan(sess0).buffered is None and not _plan(sess0).out_steps
    assert [float(v) for v in with_buf] == [float(v) for v in without]
    for a, b in zip(w_buf, w_plain):
        assert a.tobytes() == b.tobytes()


def test_buffers_are_reused_across_runs_and_shared_between_steps(monkeypatch):
    _, _, sess = _train(monkeypatch, True, steps=2)
    plan = _plan(sess)
    first = [b for b in plan.buffers]
    assert all(b is not None for b in first)
    # fewer buffers than buffered steps: steps whose values do not overlap share one
    assigned = sum(1 for r, q in zip(plan.buffered, plan.run) if r is not q)
    assert len(plan.buffers) < assigned
    g = sess.graph
    x, y = g.get_tensor_by_name("x:0"), g.get_tensor_by_name("y:0")
    xs, ys = _cnn()[6:8]
    fetches = plan.elements
    sess.run(fetches, {x: xs, y: ys})
    assert _plan(sess) is plan
    assert all(a is b for a, b in zip(first, plan.buffers))


def test_fetched_values_are_never_a_buffer(monkeypatch):
    monkeypatch.setenv("FLOWKIT_PLANNED_BUFFERS", "1")
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 64], name="x")
        w = tf.constant(np.eye(64, dtype=np.float32) * 2)
        h = tf.nn.relu(tf.matmul(x, w))          # h is a buffered intermediate...
        out = tf.matmul(h, w)                    # ...out is fetched
        view = tf.reshape(tf.nn.relu(out - 1.0), [-1])   # a fetched view of a relu
    sess = tf.Session(graph=g)
    a = np.ones((32, 64), np.float32)
    r1 = sess.run([out, view], {x: a})
    r2 = sess.run([out, view], {x: 3 * a})
    assert _plan(sess).buffered is not None
    assert (r1[0] == 4).all() and (r1[1] == 3).all()      # unchanged by the second run
    assert (r2[0] == 12).all()
    for u in r1:
        for v in r2:
            assert not np.shares_memory(u, v)


def test_a_value_assigned_to_a_variable_is_not_a_buffer(monkeypatch):
    monkeypatch.setenv("FLOWKIT_PLANNED_BUFFERS", "1")
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [64, 64], name="x")
        v = tf.Variable(np.zeros((64, 64), np.float32))
        upd = tf.assign(v, tf.nn.relu(x * 2.0), validate_shape=False)
    sess = tf.Session(graph=g)
    sess.run(v.initializer)
    sess.run(upd.op, {x: np.ones((64, 64), np.float32)})
    sess.run(upd.op, {x: np.ones((64, 64), np.float32)})
    kept = sess.run(v)
    sess.run(upd.op, {x: np.full((64, 64), 5, np.float32)})
    assert (kept == 2).all() and (sess.run(v) == 10).all()


def test_batch_size_changes_replace_the_buffers(monkeypatch):
    monkeypatch.setenv("FLOWKIT_PLANNED_BUFFERS", "1")
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 40], name="x")
        w = tf.constant(np.ones((40, 40), np.float32))
        y = tf.reduce_sum(tf.nn.relu(tf.matmul(tf.nn.relu(tf.matmul(x, w)), w)), axis=1)
    sess = tf.Session(graph=g)
    for n in (32, 32, 64, 8, 64):
        r = sess.run(y, {x: np.ones((n, 40), np.float32)})
        assert r.shape == (n,) and np.all(r == 40 * 40 * 40)


def test_threads_running_one_plan_do_not_share_buffers(monkeypatch):
    monkeypatch.setenv("FLOWKIT_PLANNED_BUFFERS", "1")
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 128], name="x")
        w = tf.constant(np.eye(128, dtype=np.float32))
        h = x
        for _ in range(6):
            h = tf.nn.relu(tf.matmul(h, w))
        y = tf.reduce_sum(h, axis=1)
    sess = tf.Session(graph=g)
    sess.run(y, {x: np.ones((64, 128), np.float32)})
    bad = []

    def work(k):
        a = np.full((64, 128), k, np.float32)
        for _ in range(30):
            if not np.all(sess.run(y, {x: a}) == 128 * k):
                bad.append(k)
    threads = [threading.Thread(target=work, args=(k,)) for k in (1, 2, 3, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not bad


def test_the_contract_check_catches_a_kernel_that_ignores_out(monkeypatch):
    monkeypatch.setenv("FLOWKIT_PLANNED_BUFFERS", "1")
    monkeypatch.setenv("FLOWKIT_CHECK_KERNELS", "1")
    monkeypatch.setenv("FLOWKIT_INPLACE", "0")       # else the ReLU is done in place
    be = plugins.get_backend("numpy")
    monkeypatch.setitem(be.out_kernels, "Relu", lambda attrs, out, x: np.maximum(x, 0))
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 64], name="x")
        y = tf.reduce_sum(tf.nn.relu(x * 2.0, name="my_relu"))
    sess = tf.Session(graph=g)
    a = np.ones((32, 64), np.float32)
    sess.run(y, {x: a})          # first run: notes shapes
    sess.run(y, {x: a})          # second: the kernel makes its buffer (out is None)
    with pytest.raises(Exception, match="my_relu.*write into out"):
        sess.run(y, {x: a})


def test_the_contract_check_catches_a_wrong_result(monkeypatch):
    monkeypatch.setenv("FLOWKIT_CHECK_KERNELS", "1")
    be = plugins.get_backend("numpy")

    def sloppy(attrs, out, x):
        return np.maximum(x, 0.5)
    monkeypatch.setitem(be.out_kernels, "Relu", sloppy)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 64], name="x")
        y = tf.reduce_sum(tf.nn.relu(x, name="bad_relu") * 1.0)
    sess = tf.Session(graph=g)
    a = np.zeros((32, 64), np.float32)
    sess.run(y, {x: a})
    with pytest.raises(Exception, match="bad_relu.*another result"):
        sess.run(y, {x: a})


@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("strides,dilations,k", [((1, 1, 1, 1), (1, 1, 1, 1), 3),
                                                 ((1, 2, 2, 1), (1, 1, 1, 1), 4),
                                                 ((1, 1, 1, 1), (1, 2, 2, 1), 3),
                                                 ((1, 3, 2, 1), (1, 1, 1, 1), 5)])
def test_numpy_conv_out_kernels_match_the_kernels_bit_for_bit(padding, strides, dilations, k):
    be = plugins.get_backend("numpy")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 11, 9, 3)).astype(np.float32)
    f = rng.standard_normal((k, k, 3, 5)).astype(np.float32)
    attrs = {"strides": list(strides), "padding": padding, "dilations": list(dilations),
             "data_format": "NHWC"}
    y = be.kernels["Conv2D"](attrs, x, f)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    scratch = Scratch()
    sa = dict(attrs, scratch=scratch)
    cases = [("Conv2D", (x, f)),
             ("Conv2DBackpropFilter", (x, np.array(f.shape, np.int32), dy)),
             ("Conv2DBackpropInput", (np.array(x.shape, np.int32), f, dy))]
    for name, args in cases:
        want = be.kernels[name](attrs, *args)
        got = be.out_kernels[name](sa, None, *args)        # makes its buffer
        again = be.out_kernels[name](sa, got, *args)       # writes into it
        assert again is got and got.tobytes() == want.tobytes(), name


def test_numpy_pool_and_relu_out_kernels_keep_nan_and_ties():
    be = plugins.get_backend("numpy")
    x = np.array([1, 1, np.nan, 0, -0.0, 0.0, 2, 2] * 8, np.float32).reshape(1, 8, 8, 1)
    attrs = {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID"}
    y = be.kernels["MaxPool"](attrs, x)
    g = np.arange(16, dtype=np.float32).reshape(y.shape) - 7.5
    for name, args in (("MaxPool", (x,)), ("MaxPoolGrad", (x, y, g)),
                       ("MaxPoolGrad", (np.nan_to_num(x), y, g)),
                       ("Relu", (x,)), ("ReluGrad", (x, x))):
        want = be.kernels[name](attrs, *args)
        out = np.empty_like(want)
        got = be.out_kernels[name](dict(attrs, scratch=Scratch()), out, *args)
        assert got.tobytes() == want.tobytes(), name


def test_planned_buffers_switch_off(monkeypatch):
    _, _, sess = _train(monkeypatch, False, steps=2)
    assert _plan(sess).buffered is None


def test_fallbacks_still_write_into_a_fitting_buffer():
    """An out= kernel that hands the work to the op's kernel (a NumPy scalar input, windows
    holding NaN) still returns its buffer when the result fits (found by the CNN demo's Adam
    update, ``lr * m`` with a NumPy scalar ``lr``)."""
    be = plugins.get_backend("numpy")
    m = np.ones((3, 3, 16, 32), np.float32)
    out = np.empty_like(m)
    r = be.out_kernels["Mul"]({}, out, np.float32(0.5), m)
    assert r is out and (out == 0.5).all()
    x = np.ones((1, 4, 4, 1), np.float32)
    x[0, 0, 0, 0] = np.nan
    attrs = {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID"}
    y = be.kernels["MaxPool"](attrs, x)
    g = np.ones(y.shape, np.float32)
    out = np.empty_like(x)
    r = be.out_kernels["MaxPoolGrad"](dict(attrs, scratch=Scratch()), out, x, y, g)
    assert r is out and r.tobytes() == be.kernels["MaxPoolGrad"](attrs, x, y, g).tobytes()


def test_threads_in_their_first_run_make_the_buffers_once(monkeypatch):
    """Two threads whose first run of a plan ends at once give it one set of buffers: with
    two, a later run could hold one set's lock while writing into the other's buffers."""
    import time

    import flowkit.session as session_module
    monkeypatch.setenv("FLOWKIT_PLANNED_BUFFERS", "1")
    made = []
    real = session_module.plan_buffers

    def slow_plan_buffers(plan, sess):
        made.append(plan)
        time.sleep(0.05)              # widen the window in which the other thread arrives
        real(plan, sess)
    monkeypatch.setattr(session_module, "plan_buffers", slow_plan_buffers)
    g, x, y, loss, step, init, xs, ys, _ = _cnn()
    sess = tf.Session(graph=g)
    sess.run(init)
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        sess.run(loss, {x: xs, y: ys})
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(made) == 1 and _plan(sess).buffered is not None
