"""Initializers (flowkit/init_ops.py): values, statistics, fans, errors, names against TF1."""
import math

import numpy as np
import pytest

import flowkit as tf
from flowkit.init_ops import compute_fans


def _run(t, session):
    return session().run(t)


# --------------------------------------------------------------------------------------------
# Constant initializers
# --------------------------------------------------------------------------------------------
def test_initializers_are_classes():
    for cls in (tf.zeros_initializer, tf.ones_initializer, tf.constant_initializer,
                tf.random_normal_initializer, tf.truncated_normal_initializer,
                tf.random_uniform_initializer, tf.glorot_uniform_initializer,
                tf.glorot_normal_initializer, tf.variance_scaling_initializer):
        assert isinstance(cls, type)
        assert isinstance(cls(), cls)
    assert isinstance(tf.glorot_uniform_initializer(), tf.variance_scaling_initializer)


def test_zeros_ones(session):
    sess = session()
    z = tf.zeros_initializer()([2, 3])
    o = tf.ones_initializer()((4,), dtype=tf.int64)
    assert z.dtype is tf.float32 and z.shape.as_list() == [2, 3]
    assert (sess.run(z) == 0).all()
    v = sess.run(o)
    assert v.dtype == np.int64 and (v == 1).all()
    b = sess.run(tf.zeros_initializer(dtype=tf.bool)([2]))
    assert b.dtype == np.bool_ and not b.any()
    assert sess.run(tf.ones_initializer()([], dtype=tf.float64)) == 1.0


def test_large_zeros_keep_no_big_constant(session):
    t = tf.zeros_initializer()([100, 100])
    assert t.shape.as_list() == [100, 100]
    consts = [op for op in tf.get_default_graph().get_operations() if op.type == "Const"]
    assert all(op.attrs["value"].size < 1000 for op in consts)
    v = tf.Variable(tf.ones_initializer()([50, 40]), name="big")
    sess = session()
    sess.run(v.initializer)
    assert sess.run(t).sum() == 0 and sess.run(v).sum() == 2000
    sess.run(v.assign_add(np.ones((50, 40), np.float32)))     # the variable owns its memory
    assert sess.run(v).sum() == 4000


def test_constant(session):
    sess = session()
    assert (sess.run(tf.constant_initializer(2.5)([2, 2])) == 2.5).all()
    v = sess.run(tf.constant_initializer([1, 2, 3, 4, 5, 6])([2, 3]))
    assert v.tolist() == [[1, 2, 3], [4, 5, 6]] and v.dtype == np.float32
    i = sess.run(tf.constant_initializer(7, dtype=tf.int32)([3]))
    assert i.dtype == np.int32 and i.tolist() == [7, 7, 7]
    # As TF1: a shorter list is padded with its last value; a longer one is an error.
    assert sess.run(tf.constant_initializer([1, 2, 3])([2, 2])).tolist() == [[1, 2], [3, 3]]
    with pytest.raises(ValueError):
        tf.constant_initializer([1, 2, 3, 4, 5])([2, 2])
    with pytest.raises(TypeError):
        tf.constant_initializer([1.0, 2.0], verify_shape=True)([1, 2])
    with pytest.raises(TypeError, match="Invalid type"):
        tf.constant_initializer({"a": 1})
    with pytest.raises(TypeError):
        tf.constant_initializer(0.5)([2], dtype=tf.int32)     # lossy: refused


def test_shape_must_be_defined():
    with pytest.raises(ValueError, match="fully defined"):
        tf.zeros_initializer()([None, 2])


# --------------------------------------------------------------------------------------------
# Random initializers
# --------------------------------------------------------------------------------------------
def test_random_normal_and_truncated(session):
    sess = session()
    n = sess.run(tf.random_normal_initializer(mean=1.0, stddev=0.5)([100000]))
    assert abs(n.mean() - 1.0) < 0.01 and abs(n.std() - 0.5) < 0.01
    t = sess.run(tf.truncated_normal_initializer(stddev=2.0, dtype=tf.float64)([100000]))
    assert t.dtype == np.float64 and abs(t).max() <= 4.0
    assert abs(t.std() - 2.0 * 0.8796) < 0.02


def test_random_uniform(session):
    sess = session()
    u = sess.run(tf.random_uniform_initializer(-0.1, 0.3)([50000]))
    assert u.min() >= -0.1 and u.max() < 0.3 and abs(u.mean() - 0.1) < 0.005
    i = sess.run(tf.random_uniform_initializer(0, 4, dtype=tf.int32)([1000]))
    assert i.dtype == np.int32 and set(i.tolist()) == {0, 1, 2, 3}
    with pytest.raises(ValueError, match="maxval"):
        tf.random_uniform_initializer(dtype=tf.int32)([2])


def test_compute_fans():
    assert compute_fans([]) == (1, 1)
    assert compute_fans([7]) == (7, 7)
    assert compute_fans([3, 4]) == (3, 4)
    assert compute_fans([5, 5, 32, 64]) == (800, 1600)
    assert compute_fans([3, 2, 4, 6]) == (24, 36)


@pytest.mark.parametrize("shape", [[400, 200], [3, 3, 64, 32]])
def test_glorot(shape, session):
    fan_in, fan_out = compute_fans(shape)
    sess = session()
    u = sess.run(tf.glorot_uniform_initializer()(shape))
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    assert abs(u).max() <= limit and abs(u).max() > 0.95 * limit
    assert abs(u.std() - limit / math.sqrt(3)) < 0.02 * limit
    n = sess.run(tf.glorot_normal_initializer()(shape))
    std = math.sqrt(2.0 / (fan_in + fan_out))
    assert abs(n.std() - std) < 0.03 * std                # corrected for the truncation
    assert abs(n).max() <= 2 * std / 0.87962566 + 1e-6


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["normal", "truncated_normal",
                                          "untruncated_normal", "uniform"])
def test_variance_scaling(mode, distribution, session):
    shape = [4, 4, 50, 20]                                 # a conv kernel: fans * 16
    fan_in, fan_out = 800, 320
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    init = tf.variance_scaling_initializer(scale=2.0, mode=mode, distribution=distribution)
    v = session().run(init(shape, dtype=tf.float64))
    assert v.shape == tuple(shape) and v.dtype == np.float64
    std = math.sqrt(2.0 / n)
    assert abs(v.std() - std) < 0.03 * std
    if distribution == "uniform":
        assert abs(v).max() <= math.sqrt(3) * std
    elif distribution != "untruncated_normal":
        assert abs(v).max() <= 2 * std / 0.87962566 + 1e-9


def test_variance_scaling_errors():
    with pytest.raises(ValueError, match="scale"):
        tf.variance_scaling_initializer(scale=0.0)
    with pytest.raises(ValueError, match="mode"):
        tf.variance_scaling_initializer(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        tf.variance_scaling_initializer(distribution="cauchy")
    with pytest.raises(ValueError, match="floating point"):
        tf.glorot_uniform_initializer(dtype=tf.int32)
    with pytest.raises(ValueError, match="floating point"):
        tf.random_normal_initializer()([2], dtype=tf.int32)


def test_seeded_initializer_repeats(session):
    init = tf.random_normal_initializer(seed=11)
    a, b = init([5]), init([5])
    sess = session()
    va, vb = sess.run([a, b])
    assert np.array_equal(va, vb)                 # one op seed, no graph seed: as TF1
    assert not np.array_equal(va, sess.run(a))    # but every run draws anew


def test_config_round_trip():
    for init in (tf.zeros_initializer(), tf.constant_initializer([1.0, 2.0]),
                 tf.random_uniform_initializer(-1.0, 1.0, seed=3),
                 tf.truncated_normal_initializer(0.0, 0.1),
                 tf.variance_scaling_initializer(2.0, "fan_out", "uniform"),
                 tf.glorot_normal_initializer(seed=1)):
        copy = type(init).from_config(init.get_config())
        assert type(copy) is type(init) and copy.get_config() == init.get_config()
        assert type(init).__name__ in repr(init)


# --------------------------------------------------------------------------------------------
# Against TensorFlow 1
# --------------------------------------------------------------------------------------------
def _inits(t):
    return {"zeros": t.zeros_initializer(), "ones": t.ones_initializer(),
            "const": t.constant_initializer(0.5), "normal": t.random_normal_initializer(),
            "trunc": t.truncated_normal_initializer(stddev=0.1),
            "unif": t.random_uniform_initializer(-1.0, 1.0),
            "glorot_u": t.glorot_uniform_initializer(),
            "glorot_n": t.glorot_normal_initializer(),
            "vs_normal": t.variance_scaling_initializer(2.0),
            "vs_unif": t.variance_scaling_initializer(1.0, "fan_out", "uniform"),
            "vs_untrunc": t.variance_scaling_initializer(distribution="untruncated_normal")}


def test_get_variable_initializer_op_names_match_tf1(tf1):
    def build(t):
        for key, init in _inits(t).items():
            t.get_variable(key, [3, 4], initializer=init)
        t.get_variable("default", [2, 2])
        t.get_variable("int_default", [2], dtype=t.int32)
    g = tf.Graph()
    with g.as_default():
        build(tf)
    tg = tf1.Graph()
    with tg.as_default(), tf1.variable_scope(tf1.get_variable_scope(), use_resource=False):
        build(tf1)                                # TF1's reference variables
    ours = [op.name for op in g.get_operations()]
    theirs = [op.name for op in tg.get_operations()]
    assert ours == theirs


@pytest.mark.parametrize("key", ["normal", "trunc", "unif", "glorot_u", "glorot_n",
                                 "vs_normal", "vs_unif", "vs_untrunc"])
def test_initializer_statistics_match_tf1(key, tf1):
    shape = [5, 5, 40, 30]

    def sample(t, graph, sess_cls):
        with graph.as_default():
            x = _inits(t)[key](shape)
            assert x.shape.as_list() == shape and x.dtype.name == "float32"
        with sess_cls(graph=graph) as sess:
            return sess.run(x)
    ours = sample(tf, tf.Graph(), tf.Session)
    theirs = sample(tf1, tf1.Graph(), tf1.Session)
    assert ours.shape == theirs.shape == tuple(shape)
    assert abs(ours.std() - theirs.std()) < 0.03 * theirs.std()
    assert abs(ours.mean() - theirs.mean()) < 0.05 * theirs.std()
    if key not in ("normal", "vs_untrunc"):        # bounded: both reach the same bound
        assert abs(abs(ours).max() - abs(theirs).max()) < 0.02 * abs(theirs).max()


def test_initializer_shapes_and_dtypes_match_tf1(tf1):
    shapes = [[], [3], (2, 3), [2, 1, 3, 4]]

    def build(t):
        out = []
        for key, init in _inits(t).items():
            for shape in shapes:
                for dtype in (None, t.float64, t.float16):
                    x = init(shape) if dtype is None else init(shape, dtype=dtype)
                    out.append((key, x.shape.as_list(), x.dtype.name))
        out.append(t.zeros_initializer()(t.TensorShape([2, 2]), dtype=t.int32).dtype.name)
        out.append(t.ones_initializer()([2], dtype=t.int64).dtype.name)
        return out
    with tf.Graph().as_default():
        ours = build(tf)
    with tf1.Graph().as_default():
        theirs = build(tf1)
    assert ours == theirs
