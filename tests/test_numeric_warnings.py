"""Numerical warnings of kernels (issue 21, item 1): NumPy's RuntimeWarnings (overflow, divide
by zero, invalid value) are re-raised as one FlowkitWarning naming the op and the user's line,
never a frame inside a backend."""
import inspect
import os
import warnings

import numpy as np
import pytest

import flowkit as tf
from flowkit.framework import numerics
from flowkit.session import Session


def _call_op(f):
    return f["plan"].call_ops.get(id(f["call"]))


def _step_op(f):
    return f["plan"].step_ops.get(id(f["step"]))


@pytest.fixture(autouse=True)
def wired(monkeypatch):
    """The session's side of the design (the lines the report gives for flowkit/session.py),
    applied here until the session has them: ``Session.run`` under ``numerics.enter()`` /
    ``leave()``, and its run loops declared with ``numerics.track``."""
    tf.warnings.reset()
    added = []
    if not numerics.tracked(getattr(Session, "_run_steps", Session._execute)):
        loops = [("_run_steps", _call_op), ("_execute", _call_op), ("_run_traced", _call_op),
                 ("_run_dead_aware", _step_op), ("_first_non_finite", _step_op)]
        for name, resolve in loops:
            fn = getattr(Session, name, None)
            if fn is not None:
                numerics.track(fn, resolve)
                added.append(fn)
        run = Session.run

        def guarded(self, *args, **kwargs):
            token = numerics.enter()
            try:
                return run(self, *args, **kwargs)
            finally:
                numerics.leave(token)
        monkeypatch.setattr(Session, "run", guarded)
    yield
    for fn in added:
        numerics.untrack(fn)
    tf.warnings.reset()


def here():
    return inspect.currentframe().f_back.f_lineno


def _caught(fn):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        out = fn()
    return out, w


def _no_backend_frames(w):
    plugins = os.path.join(os.path.dirname(os.path.dirname(tf.__file__)), "plugins")
    return [x for x in w if x.filename.startswith(plugins) or issubclass(x.category,
                                                                          RuntimeWarning)]


def test_the_notes_loss_warns_once_at_the_users_line():
    """``-tf.reduce_sum(label * tf.log(prediction))`` of a saturated softmax: log(0) = -inf,
    0 * -inf = NaN. One warning, at the user's line, naming the op; none from the backend."""
    logits = tf.placeholder(tf.float32, [None, 2], name="logits")
    label = tf.placeholder(tf.float32, [None, 2], name="label")
    prediction = tf.nn.softmax(logits)
    line = here() + 1
    loss = -tf.reduce_sum(label * tf.log(prediction), axis=1)
    sess = tf.Session()
    feed = {logits: [[1000.0, 0.0]], label: [[1.0, 0.0]]}
    value, w = _caught(lambda: [sess.run(loss, feed) for _ in range(3)])
    assert np.isnan(value[0]).all()
    assert not _no_backend_frames(w), [str(x.message) for x in w]
    mine = [x for x in w if issubclass(x.category, tf.warnings.FlowkitWarning)]
    assert len(mine) == 1 and mine[0].category is numerics.NumericsWarning
    assert (mine[0].filename, mine[0].lineno) == (__file__, line)
    msg = str(mine[0].message)
    assert "'mul' (Mul" in msg and f"{__file__}:{line}" in msg
    assert "softmax_cross_entropy_with_logits_v2" in msg and "log of 0" in msg


def test_overflow_names_the_op_and_its_line():
    x = tf.placeholder(tf.float32, [2], name="x")
    line = here() + 1
    big = tf.multiply(x, x, name="square_it")
    (value,), w = _caught(lambda: [tf.Session().run(big, {x: [1e30, 2.0]})])
    assert np.isinf(value[0]) and value[1] == 4.0
    assert not _no_backend_frames(w)
    (warn,) = w
    assert warn.category is numerics.NumericsWarning and warn.lineno == line
    assert "'square_it' (Mul" in str(warn.message) and "overflow" in str(warn.message)
    assert "learning rate" in str(warn.message)


def test_a_finite_run_warns_nothing_and_restores_numpy_state():
    before = np.geterr()
    x = tf.placeholder(tf.float32, [2], name="x")
    y = x * 2.0
    value, w = _caught(lambda: tf.Session().run(y, {x: [1.0, 2.0]}))
    assert list(value) == [2.0, 4.0] and not w
    assert np.geterr() == before


def test_switched_off_by_name(monkeypatch):
    monkeypatch.setenv("FLOWKIT_WARNINGS", "-numerics")
    x = tf.placeholder(tf.float32, [1], name="x")
    y = x * x
    _, w = _caught(lambda: tf.Session().run(y, {x: [1e30]}))
    assert not w


def test_python_filters_turn_it_into_an_error_naming_the_op():
    x = tf.placeholder(tf.float32, [1], name="x")
    y = tf.multiply(x, x, name="boom")
    with warnings.catch_warnings():
        warnings.simplefilter("error", numerics.NumericsWarning)
        with pytest.raises(Exception, match="boom"):
            tf.Session().run(y, {x: [1e30]})


def test_outside_a_run_loop_numpy_warns_as_usual():
    with numerics.guard():
        _, w = _caught(lambda: np.float32(1e30) * np.float32(1e30))
    (warn,) = w
    assert warn.category is RuntimeWarning and "overflow" in str(warn.message)
    assert warn.filename == __file__        # the line that computed it, as NumPy says


def test_dead_aware_loop_names_the_op():
    x = tf.placeholder(tf.float32, [1], name="x")
    line = here() + 1
    y = tf.cond(x[0] > 0.0, lambda: tf.multiply(x, x, name="hot"), lambda: x)
    _, w = _caught(lambda: tf.Session().run(y, {x: [1e30]}))
    assert [(x.category, x.lineno) for x in w] == [(numerics.NumericsWarning, line)]
    assert "hot" in str(w[0].message)


def test_each_line_warns_once_and_each_line_warns():
    x = tf.placeholder(tf.float32, [1], name="x")
    a = x * x
    b = a * 10.0
    sess = tf.Session()
    _, w = _caught(lambda: [sess.run([a, b], {x: [1e30]}) for _ in range(2)])
    assert len(w) == 1          # b's inf * 10 is not an error; a's overflow, once
    _, w = _caught(lambda: sess.run(x * x, {x: [1e30]}))
    assert len(w) == 1          # another line: its own warning
