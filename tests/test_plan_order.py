"""flowkit.plan_order.hoist: pure ops run right after their inputs, everything with an effect
keeps its order, and results are the same bit for bit."""
import numpy as np
import pytest

import flowkit as tf
from flowkit import session_plan
from flowkit.plan_order import hoist, prune


def _mlp():
    rng = np.random.default_rng(0)
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 6], name="x")
        y = tf.placeholder(tf.float32, [None, 3], name="y")
        w1 = tf.Variable(rng.normal(size=(6, 5)).astype(np.float32))
        b1 = tf.Variable(np.zeros(5, np.float32))
        w2 = tf.Variable(rng.normal(size=(5, 3)).astype(np.float32))
        h = tf.nn.relu(tf.matmul(x, w1) + b1)
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=y, logits=tf.matmul(h, w2)))
        step = tf.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
        init = tf.global_variables_initializer()
    xs = rng.normal(size=(8, 6)).astype(np.float32)
    ys = np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)]
    return g, x, y, loss, step, init, xs, ys, [w1, b1, w2]


def _train(session, monkeypatch, on):
    monkeypatch.setattr(session_plan, "HOIST", on)
    g, x, y, loss, step, init, xs, ys, ws = _mlp()
    sess = session(graph=g)
    sess.run(init)
    losses = [sess.run([loss, step], {x: xs, y: ys})[0] for _ in range(3)]
    return losses, sess.run(ws), g, step


def test_training_is_bit_for_bit_the_same(session, monkeypatch):
    on = _train(session, monkeypatch, True)
    off = _train(session, monkeypatch, False)
    assert np.array_equal(on[0], off[0])
    for a, b in zip(on[1], off[1]):
        assert np.array_equal(a, b)


def test_gradients_run_before_the_updates_and_effects_keep_their_order(monkeypatch):
    g, x, y, loss, step, *_ = _mlp()
    order = prune([step], {x, y})
    hoisted = hoist(order, {x, y})
    assert sorted(map(id, hoisted)) == sorted(map(id, order))     # the same ops
    pos = {op: i for i, op in enumerate(hoisted)}
    for op in hoisted:                                            # still inputs first
        for t in op.inputs:
            assert t.op not in pos or pos[t.op] < pos[op]
        for c in op._control_inputs:
            assert c not in pos or pos[c] < pos[op]
    stateful = [op for op in order if op.op_def.stateful or op.type == "VariableV2"]
    assert [op for op in hoisted if op in set(stateful)] == stateful
    # every weight's gradient is computed before the first update runs
    first_update = min(pos[op] for op in hoisted if op.op_def.writes_ref)
    grads = [op for op in hoisted if op.name.startswith("gradients/") and op.type == "MatMul"]
    assert grads and all(pos[op] < first_update for op in grads)


@pytest.mark.parametrize("on", [True, False])
def test_a_read_after_a_write_still_sees_it(session, monkeypatch, on):
    monkeypatch.setattr(session_plan, "HOIST", on)
    v = tf.Variable(1.0)
    up = tf.assign_add(v, 2.0)
    with tf.control_dependencies([up]):
        after = tf.identity(v) * 10.0
    before = v * 1.0
    sess = session()
    sess.run(v.initializer)
    got_after, = sess.run([after])
    assert got_after == 30.0
    assert sess.run(before) == 3.0
