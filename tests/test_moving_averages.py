"""tf.train.ExponentialMovingAverage: shadow variables, their names, num_updates, zero_debias,
variables_to_restore; step by step against NumPy (every backend) and TF1."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.train.moving_averages import ExponentialMovingAverage, assign_moving_average

W0 = np.array([[1.0, -2.0], [0.5, 3.0]], dtype=np.float32)
STEPS = 5


def build(api, ema_cls, decay=0.9, num_updates=False, zero_debias=False):
    """w trained by SGD on sum(w^2); the EMA follows w and the tensor mean(w)."""
    w = api.Variable(W0, name="w")
    b = api.Variable(np.float32(1.0), name="b", trainable=False)
    step = api.Variable(0, name="step", trainable=False)
    loss = api.reduce_sum(w * w) + b
    train = api.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    ema = ema_cls(decay, num_updates=step if num_updates else None, zero_debias=zero_debias)
    with api.control_dependencies([train]):
        m = api.reduce_mean(w, name="m")      # read after the step
        update = ema.apply([w, m])
    return w, m, ema, update


def numpy_reference(decay, num_updates, zero_debias, steps=STEPS):
    w = W0.astype(np.float64)
    avg_w, avg_m = w.copy(), 0.0
    biased, local = 0.0, 0
    out = []
    for t in range(1, steps + 1):
        w = w - 0.1 * 2 * w
        d = min(decay, (1.0 + t) / (10.0 + t)) if num_updates else decay
        avg_w = avg_w - (avg_w - w) * (1 - d)
        if zero_debias:
            biased = biased - (biased - w.mean()) * (1 - d)
            local += 1
            avg_m = biased / (1 - d ** local)
        else:
            avg_m = avg_m - (avg_m - w.mean()) * (1 - d)
        out.append((avg_w, avg_m))
    return out


@pytest.mark.parametrize("num_updates", [False, True])
@pytest.mark.parametrize("zero_debias", [False, True])
def test_matches_numpy_step_by_step(session, num_updates, zero_debias):
    w, m, ema, update = build(tf, ExponentialMovingAverage, 0.9, num_updates, zero_debias)
    sess = session()
    sess.run(tf.global_variables_initializer())
    np.testing.assert_allclose(sess.run(ema.average(w)), W0)
    for t, (aw, am) in enumerate(numpy_reference(0.9, num_updates, zero_debias), 1):
        sess.run(update)
        np.testing.assert_allclose(sess.run(ema.average(w)), aw, rtol=1e-5, err_msg=f"{t}")
        np.testing.assert_allclose(sess.run(ema.average(m)), am, rtol=1e-5, atol=1e-6,
                                   err_msg=f"step {t}")


@pytest.mark.parametrize("num_updates", [False, True])
@pytest.mark.parametrize("zero_debias", [False, True])
def test_matches_tf1_step_by_step(tf1, num_updates, zero_debias):
    g = tf.Graph()
    with g.as_default():
        w, m, ema, update = build(tf, ExponentialMovingAverage, 0.9, num_updates, zero_debias)
        names = [v.name for v in tf.global_variables()]
        restore = {k: v.name for k, v in ema.variables_to_restore().items()}
        init = tf.global_variables_initializer()
    g1 = tf1.Graph()
    with g1.as_default():
        w1, m1, ema1, update1 = build(tf1, tf1.train.ExponentialMovingAverage, 0.9,
                                      num_updates, zero_debias)
        names1 = [v.name for v in tf1.global_variables()]
        restore1 = {k: v.name for k, v in ema1.variables_to_restore().items()}
        init1 = tf1.global_variables_initializer()
        assert ema.average_name(w) == ema1.average_name(w1)
        assert ema.average(m).name == ema1.average(m1).name
    assert names == names1
    assert restore == restore1
    with tf.Session(graph=g) as sess, tf1.Session(graph=g1) as sess1:
        sess.run(init)
        sess1.run(init1)
        for t in range(STEPS):
            sess.run(update)
            sess1.run(update1)
            for a, b in ((ema.average(w), ema1.average(w1)), (ema.average(m), ema1.average(m1))):
                np.testing.assert_allclose(sess.run(a), sess1.run(b), rtol=1e-5, atol=1e-7,
                                           err_msg=f"step {t}")


def test_average_name_before_apply_and_collection():
    w = tf.Variable(1.0, name="w")
    ema = ExponentialMovingAverage(0.5, name="EMA")
    assert ema.average_name(w) == "w/EMA"
    assert ema.average(w) is None
    ema.apply([w])
    assert ema.average(w).name == "w/EMA:0"
    assert not ema.average(w).trainable
    assert tf.get_collection(tf.GraphKeys.MOVING_AVERAGE_VARIABLES) == [w]
    # apply twice: one shadow
    ema.apply([w])
    assert [v.name for v in tf.global_variables()] == ["w:0", "w/EMA:0"]


def test_variables_to_restore_reads_the_shadows(tmp_path):
    w = tf.Variable([1.0, 2.0], name="w")
    other = tf.Variable(5.0, name="other", trainable=False)
    ema = ExponentialMovingAverage(0.5)
    upd = ema.apply([w])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(w, [3.0, 4.0]))
        sess.run(upd)                          # shadow = [2, 3]
        path = tf.train.Saver().save(sess, str(tmp_path / "m"))
    mapping = ema.variables_to_restore()
    assert mapping == {"w/ExponentialMovingAverage": w, "other": other}
    with tf.Session() as sess:
        tf.train.Saver(mapping).restore(sess, path)
        np.testing.assert_allclose(sess.run(w), [2.0, 3.0])


def test_integer_variables_are_refused():
    v = tf.Variable(1, name="i")
    with pytest.raises(TypeError, match="half, float, or double: i:0"):
        ExponentialMovingAverage(0.9).apply([v])


def test_assign_moving_average(session):
    v = tf.Variable([0.0, 10.0], name="v")
    upd = assign_moving_average(v, tf.constant([10.0, 0.0]), 0.75, zero_debias=False)
    sess = session()
    sess.run(v.initializer)
    np.testing.assert_allclose(sess.run(upd), [2.5, 7.5])
