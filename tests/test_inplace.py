"""In-place kernels: a step may write its result into the memory of an input that dies there
(``session_plan._donate``). Results must be exactly those of fresh memory, and nothing a user
can see (feeds, variables, constants, fetched values) may ever be overwritten."""
import numpy as np
import pytest

import flowkit as tf


def _mlp_step(seed=0):
    rng = np.random.default_rng(seed)
    x = tf.placeholder(tf.float32, [None, 6], name="x")
    y = tf.placeholder(tf.float32, [None, 3], name="y")
    w1 = tf.Variable(rng.standard_normal((6, 5)).astype(np.float32))
    b1 = tf.Variable(rng.standard_normal(5).astype(np.float32))
    w2 = tf.Variable(rng.standard_normal((5, 3)).astype(np.float32))
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    z = tf.tanh(tf.matmul(h, w2)) * 2.0 - h[:, :3]
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=z))
    step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    xv = rng.standard_normal((4, 6)).astype(np.float32)
    yv = np.eye(3, dtype=np.float32)[[0, 2, 1, 0]]
    return x, y, loss, step, {x: xv, y: yv}


def _train(session, monkeypatch, inplace):
    monkeypatch.setenv("FLOWKIT_INPLACE", "1" if inplace else "0")
    g = tf.Graph()
    with g.as_default():
        x, y, loss, step, feed = _mlp_step()
        init = tf.global_variables_initializer()
        sess = session(graph=g)
        sess.run(init)
        losses = [sess.run([step, loss], feed)[1] for _ in range(5)]
        values = sess.run(tf.trainable_variables())
        plan = sess.explain(step, feed)
    return losses, values, plan


def test_training_gives_the_same_bits_in_place_or_not(session, monkeypatch):
    on = _train(session, monkeypatch, True)
    off = _train(session, monkeypatch, False)
    assert " in place of " in on[2] and " in place of " not in off[2]
    for a, b in zip(on[0] + on[1], off[0] + off[1]):
        assert np.asarray(a).tobytes() == np.asarray(b).tobytes()


def test_feeds_variables_constants_and_fetches_are_never_overwritten(session):
    n = 2048                     # large enough to be donated (session_plan._DONATE_MIN)
    rng = np.random.default_rng(1)
    vv, cv = (rng.standard_normal(n).astype(np.float32) for _ in range(2))
    x = tf.placeholder(tf.float32, [n], name="x")
    v = tf.Variable(vv)
    c = tf.constant(cv)
    a = x * 2.0                  # fetched below: must keep its value
    r1 = tf.nn.relu(x)           # the feed dies here: not donated (it is the user's array)
    r2 = tf.nn.relu(v)           # a variable's memory: not donated
    r3 = tf.nn.relu(c)           # a constant: not donated
    r4 = tf.nn.relu(a)
    r5 = tf.nn.relu(v + c)       # a fresh intermediate: donated
    sess = session()
    sess.run(tf.global_variables_initializer())
    xv = rng.standard_normal(n).astype(np.float32)
    kept = xv.copy()
    fetches = [a, r1, r2, r3, r4, r5]
    out = sess.run(fetches, {x: xv})
    np.testing.assert_array_equal(xv, kept)
    np.testing.assert_array_equal(out[0], xv * 2)
    np.testing.assert_array_equal(out[4], np.maximum(xv * 2, 0))
    np.testing.assert_array_equal(sess.run(v), vv)
    np.testing.assert_array_equal(sess.run(c), cv)
    np.testing.assert_array_equal(out[5], np.maximum(vv + cv, 0))
    plan = sess.explain(fetches, {x: xv})
    assert plan.count(" in place of ") == 1        # only v + c's result


def test_small_arrays_and_inputs_read_twice_are_not_donated(session):
    x = tf.placeholder(tf.float32, [None], name="x")
    s = x + 1.0
    twice = s * s                                 # s read twice by one op
    both = [tf.nn.relu(s), tf.tanh(s)]            # s read by two ops
    small = tf.nn.relu(tf.constant([1.0, -1.0]) * 2.0)   # 2 elements: allocating is cheaper
    once = tf.nn.relu(x * 3.0)                    # the control: donated
    fetches = [twice] + both + [small, once]
    sess = session()
    out = sess.run(fetches, {x: [1.0, -3.0]})
    np.testing.assert_allclose(out[0], [4.0, 4.0])
    np.testing.assert_allclose(out[1], [2.0, 0.0])
    np.testing.assert_allclose(out[2], np.tanh([2.0, -2.0]), rtol=1e-6)
    np.testing.assert_allclose(out[3], [2.0, 0.0])
    np.testing.assert_allclose(out[4], [3.0, 0.0])
    plan = sess.explain(fetches, {x: [1.0, -3.0]})
    donated = [line for line in plan.splitlines() if " in place of " in line]
    assert len(donated) == 1 and f": {once.op.name} (Relu)" in donated[0]


@pytest.mark.parametrize("donor_first", [True, False])
def test_a_donated_input_the_result_does_not_fit_falls_back(session, donor_first):
    # The donated input is the smaller operand of a broadcast (shape [1, 3] vs [2, 3]): the
    # result does not fit its memory, so the kernel must give new memory, not a wrong answer.
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    small = tf.placeholder(tf.float32, [None, 3], name="small")
    s = small * 1.0                               # fresh, dies at the subtraction
    d = (s - x) if donor_first else (x - s)
    sess = session()
    xv = np.arange(6, dtype=np.float32).reshape(2, 3)
    sv = np.array([[10.0, 20.0, 30.0]], np.float32)
    expected = (sv - xv) if donor_first else (xv - sv)
    np.testing.assert_array_equal(sess.run(d, {x: xv, small: sv}), expected)


def test_in_place_steps_on_integers_and_0_d_values(session):
    a = tf.placeholder(tf.int32, [None], name="a")
    b = tf.placeholder(tf.float32, [None], name="b")
    i = (a * 3) + 4
    f = tf.nn.relu(b * -2.0)
    sess = session()
    out = sess.run([i, f], {a: [5, -1], b: [1.5, -1.0]})
    np.testing.assert_array_equal(out[0], [19, 1])
    np.testing.assert_array_equal(out[1], [0.0, 2.0])
    assert out[0].dtype == np.int32
    # A fed 0-d value of unknown shape: the kernels fall back when given a NumPy scalar.
    s = tf.placeholder(tf.float32, None, name="s")
    assert sess.run(tf.nn.relu(s * -2.0), {s: -1.5}) == 3.0
    assert " in place of " in sess.explain(f, {b: [1.0]})


def test_the_fresh_memory_contract_is_checked(monkeypatch):
    # With FLOWKIT_CHECK_KERNELS=1 (the tests' setting) a kernel of a non-view op that returns
    # its input's memory is caught: in-place kernels rely on that contract.
    from flowkit import plugins
    be = plugins.get_backend("numpy")
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.negative(x)
    monkeypatch.setitem(be.kernels, "Neg", lambda attrs, v: v)
    with pytest.raises(tf.errors.InvalidArgumentError, match="memory shared with its input 0"):
        tf.Session().run(y, {x: [1.0, 2.0]})
