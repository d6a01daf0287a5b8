"""Warnings where TF1 is silent (issue 13, item 6): each fires once per line, at the user's
line, says what to change, and can be switched off."""
import inspect
import time
import warnings

import numpy as np
import pytest

import flowkit as tf
from flowkit.config import ENV_VARS


@pytest.fixture(autouse=True)
def _fresh_warnings():
    tf.warnings.reset()
    yield
    tf.warnings.reset()


def here():
    return inspect.currentframe().f_back.f_lineno


def _caught(fn):
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        fn()
    return [w for w in got if issubclass(w.category, tf.warnings.FlowkitWarning)]


def test_graph_growth_in_a_loop_warns_once_at_the_run_line(session):
    v = tf.Variable(0.0)
    sess = session()
    sess.run(v.initializer)

    def loop():
        for _ in range(4):
            sess.run(tf.assign_add(v, 1.0))          # a new op at every step
    run_line = here() - 1
    got = _caught(loop)
    assert len(got) == 1 and got[0].category is tf.warnings.GraphGrowthWarning
    assert got[0].filename == __file__ and got[0].lineno == run_line
    msg = str(got[0].message)
    assert "1 AssignAdd" in msg and f"{__file__}:{run_line}" in msg
    assert "create the ops once, before the loop" in msg


def test_a_loop_without_new_ops_and_a_helper_called_from_two_lines_are_silent(session):
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0)
    sess = session()
    sess.run(v.initializer)

    def helper(t):
        return sess.run(t)

    def body():
        for _ in range(3):
            sess.run(inc)
        helper(tf.identity(v))
        helper(tf.identity(v) * 2.0)
    assert _caught(body) == []


def test_loss_broadcasting_labels_against_a_column_warns_at_its_line():
    y = tf.placeholder(tf.float32, [None], name="labels")
    pred = tf.placeholder(tf.float32, [None, 1], name="pred")
    line = here() + 1
    got = _caught(lambda: tf.reduce_mean(tf.square(y - pred)))
    assert len(got) == 1 and got[0].category is tf.warnings.BroadcastWarning
    assert got[0].lineno == line
    msg = str(got[0].message)
    assert "labels:0 of shape [?]" in msg and "pred:0 of shape [?,1]" in msg
    assert "tf.squeeze(pred, axis=1)" in msg
    ok = tf.placeholder(tf.float32, [None, 1])
    assert _caught(lambda: tf.square(ok - pred)) == []


def test_non_finite_loss_names_the_first_op_that_made_it(session):
    x = tf.placeholder(tf.float32, [None])
    w = tf.Variable(1.0)
    line = here() + 1
    loss = tf.reduce_mean(tf.log(x * w))
    step = tf.train.GradientDescentOptimizer(0.0).minimize(loss)
    sess = session()
    sess.run(tf.global_variables_initializer())
    assert _caught(lambda: sess.run([step, loss], {x: [1.0, 2.0]})) == []
    got = _caught(lambda: sess.run([step, loss], {x: [0.0, -1.0]}))
    # (the kernel's own NumPy warning comes as a NumericsWarning, checked elsewhere)
    got = [w for w in got if w.category is not tf.warnings.NumericsWarning]
    assert len(got) == 1 and got[0].category is tf.warnings.NonFiniteWarning
    msg = str(got[0].message)
    assert "is nan" in msg and f"'Log' (Log), made at {__file__}:{line}" in msg


def test_integer_variable_given_to_an_optimizer():
    w = tf.Variable(1.0, name="w")
    line = here() + 1
    b = tf.Variable(0, name="b")
    tf.Variable(0, name="global_step")                    # a counter: left alone
    got = _caught(lambda: tf.train.GradientDescentOptimizer(0.1).minimize(w * w + 1.0))
    assert len(got) == 1 and got[0].category is tf.warnings.IntegerVariableWarning
    assert f"'b' (int32, made at {__file__}:{line})" in str(got[0].message)
    assert b.dtype is tf.int32


def test_initializer_made_before_the_optimizer_warns_at_minimize():
    w = tf.Variable(1.0, name="w")
    line = here() + 1
    init = tf.global_variables_initializer()
    minimize_line = here() + 1
    got = _caught(lambda: tf.train.AdamOptimizer(0.1).minimize(w * w))
    assert len(got) == 1 and got[0].category is tf.warnings.InitializerOrderWarning
    assert got[0].lineno == minimize_line
    msg = str(got[0].message)
    assert f"'{init.name}' was made at {__file__}:{line}" in msg and "beta1_power" in msg
    assert "after minimize()" in msg


def test_the_right_order_is_silent():
    w = tf.Variable(1.0, name="w")
    got = _caught(lambda: (tf.train.AdamOptimizer(0.1).minimize(w * w),
                           tf.global_variables_initializer()))
    assert got == []


def test_switched_off_by_the_environment(monkeypatch):
    y = tf.placeholder(tf.float32, [None])
    pred = tf.placeholder(tf.float32, [None, 1])
    monkeypatch.setenv("FLOWKIT_WARNINGS", "-broadcast")
    assert _caught(lambda: y - pred) == []
    monkeypatch.setenv("FLOWKIT_WARNINGS", "0")
    assert _caught(lambda: y * pred) == []
    monkeypatch.setenv("FLOWKIT_WARNINGS", "-graph_growth")
    assert len(_caught(lambda: y * pred)) == 1
    assert "FLOWKIT_WARNINGS" in [name for name, _, _ in ENV_VARS]


def test_warnings_cost_nothing_measurable_per_run():
    x = tf.placeholder(tf.float32, [4])
    w = tf.Variable(tf.ones([4]))
    loss = tf.reduce_sum(x * w)
    step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    feed = {x: np.ones(4, np.float32)}

    def per_run(n=300):
        t = time.perf_counter()
        for _ in range(n):
            sess.run([step, loss], feed)
        return (time.perf_counter() - t) / n
    per_run(50)
    on = min(per_run() for _ in range(3))
    import os
    os.environ["FLOWKIT_WARNINGS"] = "0"
    try:
        sess2 = tf.Session()
        sess2.run(tf.global_variables_initializer())
        sess, keep = sess2, sess
        off = min(per_run() for _ in range(3))
    finally:
        del os.environ["FLOWKIT_WARNINGS"]
    keep.close()
    assert on < off * 1.5 + 20e-6      # the checks are per plan, not per op
