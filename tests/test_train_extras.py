"""tf.train extras: cosine_decay_restarts, linear_cosine_decay, noisy_linear_cosine_decay
(against NumPy and TF1), checkpoints_iterator, remove_checkpoint, get_checkpoint_mtimes,
init_from_checkpoint and warm_start."""
import math
import os
import threading
import time

import numpy as np
import pytest

import flowkit as tf
from flowkit.train import learning_rate as lr_mod
from flowkit.train.checkpoint_management import (checkpoints_iterator, get_checkpoint_mtimes,
                                                 remove_checkpoint, wait_for_new_checkpoint)
from flowkit.train.warm_start import init_from_checkpoint, warm_start

STEPS = [0, 1, 3, 7, 10, 14, 15, 29, 30, 31, 69, 70, 100, 250]


def np_restarts(lr, step, first, t_mul=2.0, m_mul=1.0, alpha=0.0):
    frac = step / first
    if t_mul == 1.0:
        i = math.floor(frac)
        frac -= i
    else:
        i = math.floor(math.log(1 - frac * (1 - t_mul)) / math.log(t_mul))
        frac = (frac - (1 - t_mul ** i) / (1 - t_mul)) / t_mul ** i
    return lr * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * frac)) + alpha)


def np_linear_cosine(lr, step, decay_steps, periods=0.5, alpha=0.0, beta=0.001):
    step = min(step, decay_steps)
    linear = (decay_steps - step) / decay_steps
    cosine = 0.5 * (1 + math.cos(math.pi * 2 * periods * step / decay_steps))
    return lr * ((alpha + linear) * cosine + beta)


RESTART_ARGS = [dict(), dict(t_mul=1.0), dict(t_mul=1.5, m_mul=0.5, alpha=0.1)]
LINEAR_ARGS = [dict(), dict(num_periods=2.0, alpha=0.2, beta=0.01)]


@pytest.mark.parametrize("kwargs", RESTART_ARGS)
def test_cosine_decay_restarts_matches_numpy(kwargs, session):
    step = tf.placeholder(tf.int64, [])
    lr = lr_mod.cosine_decay_restarts(0.1, step, 10, **kwargs)
    sess = session()
    got = [float(sess.run(lr, {step: s})) for s in STEPS]
    want = [np_restarts(0.1, s, 10, **kwargs) for s in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("kwargs", LINEAR_ARGS)
def test_linear_cosine_decay_matches_numpy(kwargs, session):
    step = tf.placeholder(tf.int64, [])
    lr = lr_mod.linear_cosine_decay(0.1, step, 50, **kwargs)
    sess = session()
    got = [float(sess.run(lr, {step: s})) for s in STEPS]
    want = [np_linear_cosine(0.1, s, 50, kwargs.get("num_periods", 0.5),
                             kwargs.get("alpha", 0.0), kwargs.get("beta", 0.001))
            for s in STEPS]
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-7)


def test_noisy_linear_cosine_decay_noise_shrinks(session):
    step = tf.placeholder(tf.int64, [])
    lr = lr_mod.noisy_linear_cosine_decay(1.0, step, 1000, initial_variance=1.0,
                                          variance_decay=0.55)
    sess = session()
    early = np.array([sess.run(lr, {step: 0}) for _ in range(400)])
    late = np.array([sess.run(lr, {step: 500}) for _ in range(400)])
    # step 0: cosine 1, std 1; step 500: cosine 0.5, std (1 / 501 ** 0.55) ** 0.5
    assert abs(early.mean() - 1.001) < 0.2 and 0.8 < early.std() < 1.2
    want_std = 0.5 * (1.0 / 501 ** 0.55) ** 0.5
    assert abs(late.mean() - np_linear_cosine(1.0, 500, 1000)) < 0.05
    assert 0.7 * want_std < late.std() < 1.3 * want_std


def test_decays_match_tf1(tf1):
    def build(api, train):
        step = api.placeholder(api.int64, [])
        out = [train.cosine_decay_restarts(0.1, step, 10, **kw) for kw in RESTART_ARGS]
        out += [train.linear_cosine_decay(0.1, step, 50, **kw) for kw in LINEAR_ARGS]
        return step, out
    g, g1 = tf.Graph(), tf1.Graph()
    with g.as_default():
        step, ours = build(tf, lr_mod)
    with g1.as_default():
        step1, theirs = build(tf1, tf1.train)
    with tf.Session(graph=g) as s, tf1.Session(graph=g1) as s1:
        for st in STEPS:
            np.testing.assert_allclose(s.run(ours, {step: st}), s1.run(theirs, {step1: st}),
                                       rtol=1e-5, atol=1e-7, err_msg=f"step {st}")


def test_decays_need_a_step():
    with pytest.raises(ValueError, match="global_step is required"):
        lr_mod.cosine_decay_restarts(0.1, None, 10)


# -- checkpoint management ------------------------------------------------------------------------
def _save_steps(folder, steps, max_to_keep=5):
    w = tf.Variable([1.0, 2.0], name="w")
    saver = tf.train.Saver(max_to_keep=max_to_keep)
    paths = []
    with tf.Session() as sess:
        sess.run(w.initializer)
        for s in steps:
            sess.run(w.assign([float(s), float(s)]))
            paths.append(saver.save(sess, os.path.join(folder, "model"), global_step=s))
    return w, paths


def test_checkpoints_iterator_sees_new_checkpoints(tmp_path):
    folder = str(tmp_path)
    w = tf.Variable(0.0, name="w")
    saver = tf.train.Saver()
    seen = []

    def evaluate():
        for path in checkpoints_iterator(folder, timeout=1.5):
            seen.append(os.path.basename(path))
    t = threading.Thread(target=evaluate, daemon=True)
    t.start()
    with tf.Session() as sess:
        sess.run(w.initializer)
        for s in (1, 2):
            saver.save(sess, os.path.join(folder, "model"), global_step=s)
            time.sleep(1.2)
    t.join(10)
    assert not t.is_alive()
    assert seen == ["model-1", "model-2"]


def test_checkpoints_iterator_timeout_fn(tmp_path):
    calls = []
    it = checkpoints_iterator(str(tmp_path), timeout=0.05,
                              timeout_fn=lambda: calls.append(1) or len(calls) >= 3)
    assert list(it) == []
    assert len(calls) == 3
    assert wait_for_new_checkpoint(str(tmp_path), timeout=0.05, seconds_to_sleep=0.01) is None


def test_remove_checkpoint_and_mtimes(tmp_path):
    _, paths = _save_steps(str(tmp_path), [1, 2, 3])
    mtimes = get_checkpoint_mtimes(paths + [str(tmp_path / "nothing")])
    assert len(mtimes) == 3 and all(abs(m - time.time()) < 600 for m in mtimes)
    assert mtimes == sorted(mtimes)
    remove_checkpoint(paths[1])
    assert not tf.train.checkpoint_exists(paths[1])
    assert tf.train.checkpoint_exists(paths[0])
    assert len(get_checkpoint_mtimes(paths)) == 2
    remove_checkpoint(paths[1])               # already gone: logged, not raised


# -- init_from_checkpoint and warm_start --------------------------------------------------------
def _checkpoint(tmp_path):
    g = tf.Graph()
    with g.as_default():
        with tf.variable_scope("old"):
            a = tf.get_variable("a", initializer=np.array([1.0, 2.0], np.float32))
            b = tf.get_variable("b", initializer=np.float32(3.0))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return tf.train.Saver([a, b]).save(sess, str(tmp_path / "ckpt"))


def test_init_from_checkpoint_scope_to_scope(tmp_path):
    path = _checkpoint(tmp_path)
    with tf.variable_scope("new"):
        a = tf.get_variable("a", shape=[2])
        b = tf.get_variable("b", shape=[])
    other = tf.Variable(7.0, name="other")
    init_from_checkpoint(path, {"old/": "new/"})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(a), [1.0, 2.0])
        assert sess.run(b) == 3.0 and sess.run(other) == 7.0


def test_init_from_checkpoint_one_variable_and_errors(tmp_path):
    path = _checkpoint(tmp_path)
    v = tf.Variable([0.0, 0.0], name="v")
    init_from_checkpoint(str(tmp_path), {"old/a": v})
    with tf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_allclose(sess.run(v), [1.0, 2.0])
    with pytest.raises(ValueError, match="Tensor old/zzz is not found"):
        init_from_checkpoint(path, {"old/zzz": v})
    bad = tf.Variable([0.0, 0.0, 0.0], name="bad")
    with pytest.raises(ValueError, match="Shape of variable bad:0"):
        init_from_checkpoint(path, {"old/a": bad})


def test_init_from_checkpoint_matches_tf1(tmp_path, tf1):
    """The same values as TF1's init_from_checkpoint, from a checkpoint each side wrote."""
    vals = {"old/a": np.array([1.0, 2.0], np.float32), "old/b": np.float32(3.0)}
    path = _checkpoint(tmp_path)
    g1 = tf1.Graph()
    with g1.as_default():
        with tf1.variable_scope("old"):
            a0 = tf1.get_variable("a", initializer=vals["old/a"])
            b0 = tf1.get_variable("b", initializer=vals["old/b"])
        with tf1.Session() as s1:
            s1.run(tf1.global_variables_initializer())
            path1 = tf1.train.Saver([a0, b0]).save(s1, str(tmp_path / "tf1" / "ckpt"))
    results = []
    for api, p, init_fn in ((tf, path, init_from_checkpoint),
                            (tf1, path1, tf1.train.init_from_checkpoint)):
        g = api.Graph()
        with g.as_default():
            with api.variable_scope("new"):
                a = api.get_variable("a", shape=[2])
                b = api.get_variable("b", shape=[])
            init_fn(p, {"old/": "new/"})
            with api.Session() as sess:
                sess.run(api.global_variables_initializer())
                results.append(sess.run([a, b]))
    for x, y in zip(*results):
        np.testing.assert_allclose(x, y)


def test_warm_start_trainable_and_renames(tmp_path):
    path = _checkpoint(tmp_path)
    with tf.variable_scope("old"):
        a = tf.get_variable("a", shape=[2])
        frozen = tf.get_variable("b", initializer=np.float32(0.5), trainable=False)
    c = tf.Variable([5.0, 5.0], name="c")
    warm_start(path, vars_to_warm_start=".*", var_name_to_prev_var_name={"c": "old/a"})
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(a), [1.0, 2.0])
        np.testing.assert_allclose(sess.run(c), [1.0, 2.0])
        assert sess.run(frozen) == 0.5           # not trainable: not warm-started
    with pytest.raises(ValueError, match="not used"):
        warm_start(path, vars_to_warm_start=["old/a"], var_name_to_prev_var_name={"x": "y"})
