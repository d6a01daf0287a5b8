"""Training utilities: the global step, learning-rate schedules, clipping by norm."""
import math

import numpy as np
import pytest

import flowkit as tf
from flowkit.testing import check_gradients


# -- global step ---------------------------------------------------------------------------------
def test_global_step_creation_and_lookup():
    assert tf.train.get_global_step() is None
    step = tf.train.create_global_step()
    assert step.name == "global_step:0" and step.dtype is tf.int64
    assert step.shape.as_list() == [] and not step.trainable
    assert tf.get_collection(tf.GraphKeys.GLOBAL_STEP) == [step]
    assert step in tf.global_variables() and step not in tf.trainable_variables()
    assert tf.train.get_global_step() is step
    assert tf.train.get_or_create_global_step() is step
    with pytest.raises(ValueError, match="already exists"):
        tf.train.create_global_step()
    with tf.Session() as sess:
        sess.run(step.initializer)
        assert tf.train.global_step(sess, step) == 0


def test_global_step_is_made_at_the_top_level_and_per_graph():
    with tf.name_scope("model"), tf.control_dependencies([tf.no_op()]):
        step = tf.train.get_or_create_global_step()
    assert step.name == "global_step:0"
    assert step.initializer.control_inputs == []
    g = tf.Graph()
    other = tf.train.get_or_create_global_step(g)
    assert other is not step and other.graph is g
    assert tf.train.get_global_step(g) is other


def test_global_step_found_by_name_and_checked():
    v = tf.Variable(np.int64(0), name="global_step", trainable=False)
    assert tf.train.get_global_step() is not None
    assert tf.train.get_global_step().name == v.name
    g = tf.Graph()
    with g.as_default():
        tf.Variable(0.5, name="global_step")
        with pytest.raises(TypeError, match="integer"):
            tf.train.get_global_step()


def test_global_step_matches_tf1(tf1):
    g1 = tf1.Graph()
    with g1.as_default():
        s1 = tf1.train.get_or_create_global_step()
    s = tf.train.get_or_create_global_step()
    assert (s.name, s.dtype.name, s.shape.as_list()) == (s1.name, s1.dtype.base_dtype.name,
                                                         s1.shape.as_list())


# -- learning-rate schedules -----------------------------------------------------------------------
def np_schedule(kind, step, **kw):
    if kind == "exponential":
        p = step / kw["decay_steps"]
        p = math.floor(p) if kw.get("staircase") else p
        return kw["lr"] * kw["decay_rate"] ** p
    if kind == "natural_exp":
        p = step / kw["decay_steps"]
        p = math.floor(p) if kw.get("staircase") else p
        return kw["lr"] * math.exp(-kw["decay_rate"] * p)
    if kind == "inverse_time":
        p = step / kw["decay_steps"]
        p = math.floor(p) if kw.get("staircase") else p
        return kw["lr"] / (1 + kw["decay_rate"] * p)
    if kind == "polynomial":
        steps = kw["decay_steps"]
        if kw.get("cycle"):
            steps = steps * (1.0 if step == 0 else math.ceil(step / steps))
        else:
            step = min(step, steps)
        end = kw.get("end", 0.0001)
        return (kw["lr"] - end) * (1 - step / steps) ** kw.get("power", 1.0) + end
    if kind == "cosine":
        frac = min(step, kw["decay_steps"]) / kw["decay_steps"]
        a = kw.get("alpha", 0.0)
        return kw["lr"] * ((1 - a) * 0.5 * (1 + math.cos(math.pi * frac)) + a)
    raise ValueError(kind)


SCHEDULES = [
    ("exponential", dict(lr=0.1, decay_steps=10, decay_rate=0.5)),
    ("exponential", dict(lr=0.1, decay_steps=10, decay_rate=0.5, staircase=True)),
    ("natural_exp", dict(lr=0.2, decay_steps=7, decay_rate=0.3)),
    ("natural_exp", dict(lr=0.2, decay_steps=7, decay_rate=0.3, staircase=True)),
    ("inverse_time", dict(lr=0.5, decay_steps=4, decay_rate=2.0)),
    ("inverse_time", dict(lr=0.5, decay_steps=4, decay_rate=2.0, staircase=True)),
    ("polynomial", dict(lr=0.1, decay_steps=20)),
    ("polynomial", dict(lr=0.1, decay_steps=20, end=0.01, power=2.0)),
    ("polynomial", dict(lr=0.1, decay_steps=20, end=0.01, power=0.5, cycle=True)),
    ("cosine", dict(lr=0.3, decay_steps=30)),
    ("cosine", dict(lr=0.3, decay_steps=30, alpha=0.1)),
]


def build_schedule(api, kind, step, kw):
    lr, rest = kw["lr"], {k: v for k, v in kw.items() if k != "lr"}
    if kind in ("exponential", "natural_exp", "inverse_time"):
        fn = getattr(api.train, f"{kind}_decay")
        return fn(lr, step, rest["decay_steps"], rest["decay_rate"],
                  staircase=rest.get("staircase", False))
    if kind == "polynomial":
        return api.train.polynomial_decay(lr, step, rest["decay_steps"],
                                          end_learning_rate=rest.get("end", 0.0001),
                                          power=rest.get("power", 1.0),
                                          cycle=rest.get("cycle", False))
    return api.train.cosine_decay(lr, step, rest["decay_steps"], alpha=rest.get("alpha", 0.0))


STEPS = [0, 1, 5, 9, 10, 11, 19, 20, 21, 35, 60]


@pytest.mark.parametrize("kind,kw", SCHEDULES, ids=[f"{k}-{i}" for i, (k, _) in
                                                     enumerate(SCHEDULES)])
def test_schedules_match_numpy(kind, kw, session):
    step = tf.placeholder(tf.int64, [], name="step")
    lr = build_schedule(tf, kind, step, kw)
    assert lr.dtype is tf.float32 and lr.shape.as_list() == []
    sess = session()
    for s in STEPS:
        assert sess.run(lr, {step: s}) == pytest.approx(np_schedule(kind, s, **kw), rel=1e-5,
                                                         abs=1e-7), f"step {s}"


@pytest.mark.parametrize("kind,kw", SCHEDULES, ids=[f"{k}-{i}" for i, (k, _) in
                                                     enumerate(SCHEDULES)])
def test_schedules_match_tf1(kind, kw, tf1):
    step = tf.placeholder(tf.int64, [], name="step")
    lr = build_schedule(tf, kind, step, kw)
    g1 = tf1.Graph()
    with g1.as_default():
        step1 = tf1.placeholder(tf1.int64, [], name="step")
        lr1 = build_schedule(tf1, kind, step1, kw)
    with tf.Session() as sess, tf1.Session(graph=g1) as sess1:
        for s in STEPS:
            np.testing.assert_allclose(sess.run(lr, {step: s}), sess1.run(lr1, {step1: s}),
                                       rtol=2e-6, err_msg=f"step {s}")


def test_schedule_follows_the_global_step_during_training():
    step = tf.train.get_or_create_global_step()
    lr = tf.train.exponential_decay(1.0, step, 1, 0.5)
    w = tf.Variable(0.0, name="w")
    train = tf.train.GradientDescentOptimizer(lr).minimize(-w, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(4):
            sess.run(train)
        assert sess.run(w) == pytest.approx(1 + 0.5 + 0.25 + 0.125)
        assert sess.run(step) == 4


def test_schedule_dtype_follows_learning_rate():
    step = tf.placeholder(tf.int32, [], name="step")
    lr = tf.train.cosine_decay(tf.constant(0.5, tf.float64), step, 10)
    assert lr.dtype is tf.float64
    with tf.Session() as sess:
        assert sess.run(lr, {step: 5}) == pytest.approx(0.25)


def test_schedule_errors():
    with pytest.raises(ValueError, match="global_step is required"):
        tf.train.exponential_decay(0.1, None, 10, 0.5)
    with pytest.raises(ValueError, match="global_step is required"):
        tf.train.polynomial_decay(0.1, None, 10)


@pytest.mark.parametrize("dtype", ["int64", "int32", "float32"])
def test_piecewise_constant(dtype, session):
    x = tf.placeholder(getattr(tf, dtype), [], name="x")
    lr = tf.train.piecewise_constant(x, [10, 20, 30], [1.0, 0.5, 0.25, 0.125])
    sess = session()
    expect = {0: 1.0, 10: 1.0, 11: 0.5, 20: 0.5, 25: 0.25, 30: 0.25, 31: 0.125, 100: 0.125}
    for s, v in expect.items():
        assert sess.run(lr, {x: s}) == v


def test_piecewise_constant_matches_tf1_and_errors(tf1):
    x = tf.placeholder(tf.int64, [], name="x")
    lr = tf.train.piecewise_constant(x, [3, 7], [0.3, 0.2, 0.1])
    g1 = tf1.Graph()
    with g1.as_default():
        x1 = tf1.placeholder(tf1.int64, [], name="x")
        lr1 = tf1.train.piecewise_constant(x1, [3, 7], [0.3, 0.2, 0.1])
    with tf.Session() as sess, tf1.Session(graph=g1) as sess1:
        for s in range(10):
            assert sess.run(lr, {x: s}) == sess1.run(lr1, {x1: s})
    with pytest.raises(ValueError, match="1 less than"):
        tf.train.piecewise_constant(x, [1, 2], [1.0, 2.0])
    with pytest.raises(ValueError, match="same dtype"):
        tf.train.piecewise_constant(x, [1], [1.0, 2])


# -- clipping --------------------------------------------------------------------------------------
def test_clip_by_norm(session):
    t = tf.placeholder(tf.float32, [2, 2], name="t")
    c = tf.clip_by_norm(t, 2.0)
    rows = tf.clip_by_norm(t, 1.0, axes=[1])
    sess = session()
    big = np.array([[3.0, 0.0], [0.0, 4.0]], np.float32)
    np.testing.assert_allclose(sess.run(c, {t: big}), big * 2.0 / 5.0, rtol=1e-6)
    np.testing.assert_allclose(sess.run(c, {t: big / 10}), big / 10, rtol=1e-6)
    np.testing.assert_allclose(sess.run(c, {t: np.zeros((2, 2))}), np.zeros((2, 2)))
    np.testing.assert_allclose(sess.run(rows, {t: big}), [[1.0, 0.0], [0.0, 1.0]], rtol=1e-6)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
def test_global_norm_and_clip_by_global_norm(session):
    a = tf.placeholder(tf.float32, [2], name="a")
    b = tf.placeholder(tf.float32, [2, 1], name="b")
    clipped, norm = tf.clip_by_global_norm([a, None, b], 2.6)
    assert clipped[1] is None and len(clipped) == 3
    gn = tf.global_norm([a, b])
    sess = session()
    feed = {a: [3.0, 4.0], b: [[12.0], [0.0]]}
    assert sess.run(gn, feed) == pytest.approx(13.0)
    ca, cb, n = sess.run([clipped[0], clipped[2], norm], feed)
    assert n == pytest.approx(13.0)
    np.testing.assert_allclose(ca, [0.6, 0.8], rtol=1e-6)
    np.testing.assert_allclose(cb, [[2.4], [0.0]], rtol=1e-6)
    small = {a: [0.3, 0.4], b: [[1.2], [0.0]]}
    np.testing.assert_allclose(sess.run(clipped[0], small), [0.3, 0.4], rtol=1e-6)
    # use_norm replaces the computed norm; an infinite norm gives NaN, as in TF1
    c2, n2 = tf.clip_by_global_norm([a], 1.0, use_norm=tf.constant(np.inf))
    assert np.isnan(sess.run(c2[0], feed)).all()
    with pytest.raises(TypeError, match="sequence"):
        tf.clip_by_global_norm(a, 1.0)
    with pytest.raises(TypeError, match="sequence"):
        tf.global_norm(a)


def test_clipping_matches_tf1(tf1):
    rng = np.random.default_rng(3)
    vals = [rng.standard_normal((3, 4)).astype(np.float32),
            rng.standard_normal((5,)).astype(np.float32)]

    def build(api):
        ts = [api.constant(v) for v in vals]
        clipped, norm = api.clip_by_global_norm(ts, 1.5)
        return [norm, api.global_norm(ts), api.clip_by_norm(ts[0], 0.7),
                api.clip_by_norm(ts[0], 0.7, axes=[0]), api.clip_by_average_norm(ts[1], 0.1)
                ] + clipped

    ours_t = build(tf)
    with tf.Session() as sess:
        ours = sess.run(ours_t)
    g1 = tf1.Graph()
    with g1.as_default():
        theirs_t = build(tf1)
        with tf1.Session() as sess1:
            theirs = sess1.run(theirs_t)
    for x, y in zip(ours, theirs):
        np.testing.assert_allclose(x, y, rtol=1e-5)
    assert [t.name for t in ours_t] == [t.name for t in theirs_t]


def test_clipping_gradients(backend):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2)) * 3
    for fn in (lambda t: tf.clip_by_norm(t, 1.0),
               lambda t: tf.clip_by_norm(t, 100.0),
               lambda t: tf.clip_by_norm(t, 1.0, axes=[0]),
               lambda t: tf.clip_by_global_norm([t, t * 2.0], 1.0)[0][1],
               lambda t: tf.global_norm([t, t * t])):
        report = check_gradients(fn, [x], backend=backend[0], device=backend[1])
        assert report.ok, str(report)
    # the gradient at zero is finite
    t = tf.placeholder(tf.float64, [2], name="z")
    (g,) = tf.gradients(tf.reduce_sum(tf.clip_by_norm(t, 1.0)), t)
    with tf.Session(backend=backend[0], device=backend[1]) as sess:
        assert np.isfinite(sess.run(g, {t: [0.0, 0.0]})).all()


def test_clipped_gradients_train():
    w = tf.Variable([3.0, 4.0], name="w")
    loss = tf.reduce_sum(w * w) * 0.5          # gradient = w, norm 5
    opt = tf.train.GradientDescentOptimizer(1.0)
    gv = opt.compute_gradients(loss)
    grads, norm = tf.clip_by_global_norm([g for g, _ in gv], 1.0)
    train = opt.apply_gradients(zip(grads, [v for _, v in gv]))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        _, n = sess.run([train, norm])
        assert n == pytest.approx(5.0)
        np.testing.assert_allclose(sess.run(w), [3.0 - 0.6, 4.0 - 0.8], rtol=1e-6)
