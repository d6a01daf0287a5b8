"""Random ops: shapes, dtypes, distributions, TF1's seeding rule, names against TF1."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.framework import errors


def _build_and_run(build, session, runs=1):
    """Builds ``build()`` in a new graph and runs it ``runs`` times in one new session."""
    g = tf.Graph()
    with g.as_default():
        t = build()
    sess = session(graph=g)
    return [sess.run(t) for _ in range(runs)]


# --------------------------------------------------------------------------------------------
# Shapes and dtypes
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda s: tf.random_normal(s),
    lambda s: tf.truncated_normal(s),
    lambda s: tf.random_uniform(s),
    lambda s: tf.random_uniform(s, -2.0, 3.0),
    lambda s: tf.random_uniform(s, 0, 5, dtype=tf.int32),
])
def test_shape_from_list_tensor_and_tensorshape(make, session):
    sess = session()
    for shape in ([2, 3], (2, 3), tf.TensorShape([2, 3]), tf.constant([2, 3]),
                  tf.constant([2, 3], dtype=tf.int64)):
        t = make(shape)
        assert t.shape.as_list() == [2, 3]
        assert sess.run(t).shape == (2, 3)
    assert sess.run(make([])).shape == ()
    assert sess.run(make([0, 4])).shape == (0, 4)


def test_shape_from_dynamic_tensor(session):
    x = tf.placeholder(tf.float32, [None, 3])
    t = tf.random_normal(tf.shape(x))
    assert t.shape.as_list() == [None, 3]
    n = tf.placeholder(tf.int32, [2])
    u = tf.random_uniform(n)
    assert u.shape.as_list() == [None, None]
    sess = session()
    assert sess.run(t, {x: np.zeros((4, 3))}).shape == (4, 3)
    assert sess.run(u, {n: [5, 1]}).shape == (5, 1)


@pytest.mark.parametrize("dtype", [tf.float16, tf.float32, tf.float64])
def test_float_dtypes(dtype, session):
    sess = session()
    for t in (tf.random_normal([10], dtype=dtype), tf.truncated_normal([10], dtype=dtype),
              tf.random_uniform([10], dtype=dtype), tf.random_uniform([10], 1, 2, dtype=dtype)):
        assert t.dtype is dtype
        assert sess.run(t).dtype == dtype.as_numpy_dtype


@pytest.mark.parametrize("dtype", [tf.int32, tf.int64])
def test_uniform_int(dtype, session):
    t = tf.random_uniform([2000], minval=-3, maxval=4, dtype=dtype)
    assert t.dtype is dtype and t.op.type == "RandomUniformInt"
    v = session().run(t)
    assert v.dtype == dtype.as_numpy_dtype
    assert sorted(set(v.tolist())) == list(range(-3, 4))


def test_uniform_int_needs_maxval():
    with pytest.raises(ValueError, match="Must specify maxval for integer dtype"):
        tf.random_uniform([2], dtype=tf.int32)


def test_uniform_int_bad_range_fails_at_run(session):
    t = tf.random_uniform([2], 5, 5, dtype=tf.int32)
    with pytest.raises(errors.InvalidArgumentError, match="minval < maxval"):
        session().run(t)


def test_normal_rejects_int_dtype_and_bad_shape():
    with pytest.raises(ValueError, match="floating-point"):
        tf.random_normal([2], dtype=tf.int32)
    with pytest.raises(ValueError, match="floating-point"):
        tf.truncated_normal([2], dtype=tf.int64)
    with pytest.raises(TypeError, match="shape must be"):
        tf.random_normal(3)
    with pytest.raises(TypeError, match="int32 or int64"):
        tf.random_normal(tf.constant([2.0, 3.0]))
    with pytest.raises(ValueError, match="rank 1"):
        tf.random_normal(tf.constant([[2, 3]]))


# --------------------------------------------------------------------------------------------
# Distributions
# --------------------------------------------------------------------------------------------
def test_normal_statistics(session):
    v = session().run(tf.random_normal([200000], mean=3.0, stddev=2.0, dtype=tf.float64))
    assert abs(v.mean() - 3.0) < 0.03 and abs(v.std() - 2.0) < 0.03


def test_truncated_normal_statistics(session):
    v = session().run(tf.truncated_normal([200000], mean=-1.0, stddev=0.5, dtype=tf.float64))
    assert v.min() >= -2.0 and v.max() <= 0.0            # mean +- 2 stddev
    assert abs(v.mean() + 1.0) < 0.01
    assert abs(v.std() - 0.5 * 0.87962566) < 0.01         # std of N(0,1) cut at +-2


def test_uniform_statistics(session):
    sess = session()
    v = sess.run(tf.random_uniform([100000], minval=-2.0, maxval=6.0))
    assert v.min() >= -2.0 and v.max() < 6.0
    assert abs(v.mean() - 2.0) < 0.05
    u = sess.run(tf.random_uniform([100000]))
    assert u.min() >= 0.0 and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.01
    w = sess.run(tf.random_uniform([100000], maxval=10.0))
    assert w.min() >= 0.0 and w.max() < 10.0 and abs(w.mean() - 5.0) < 0.1


def test_mean_and_stddev_as_tensors(session):
    m = tf.placeholder(tf.float32, [])
    t = tf.random_normal([50000], mean=m, stddev=tf.constant(0.1))
    v = session().run(t, {m: 7.0})
    assert abs(v.mean() - 7.0) < 0.01 and abs(v.std() - 0.1) < 0.01


def test_shuffle_permutes_rows(session):
    x = np.arange(20).reshape(10, 2)
    t = tf.random_shuffle(x)
    assert t.shape.as_list() == [10, 2] and t.dtype is tf.int64
    sess = session()
    outs = [sess.run(t) for _ in range(5)]
    for out in outs:
        assert sorted(map(tuple, out.tolist())) == sorted(map(tuple, x.tolist()))
        assert (out[:, 1] == out[:, 0] + 1).all()          # rows stay whole
    assert any((o != x).any() for o in outs)
    assert sess.run(tf.random_shuffle(5)) == 5
    assert sess.run(tf.random_shuffle(np.zeros((0, 3)))).shape == (0, 3)


def test_random_ops_have_no_gradient_but_mean_and_stddev_do(session):
    mean = tf.constant(1.0)
    std = tf.constant(2.0)
    t = tf.random_normal([5], mean=mean, stddev=std)
    rnd = t.op.inputs[0].op.inputs[0]
    assert rnd.op.type == "RandomStandardNormal"
    g_mean, g_std = tf.gradients(tf.reduce_sum(t), [mean, std])
    gm, gs, r = session().run([g_mean, g_std, rnd])
    assert gm == 5.0 and np.isclose(gs, r.sum())
    assert tf.gradients(tf.reduce_sum(rnd), [rnd.op.inputs[0]]) == [None]


# --------------------------------------------------------------------------------------------
# Seeding
# --------------------------------------------------------------------------------------------
def _program(graph_seed=None, op_seed=None, extra_ops=0):
    if graph_seed is not None:
        tf.set_random_seed(graph_seed)
    for _ in range(extra_ops):
        tf.constant(0.0)
    return [tf.random_normal([4], seed=op_seed), tf.random_uniform([4], seed=op_seed),
            tf.truncated_normal([4], seed=op_seed),
            tf.random_uniform([4], maxval=1000, dtype=tf.int32, seed=op_seed),
            tf.random_shuffle(np.arange(10), seed=op_seed)]


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b))


def test_unseeded_sessions_differ(session):
    a, b = _build_and_run(_program, session), _build_and_run(_program, session)
    assert not _same(a[0][:4], b[0][:4])


def test_graph_seed_repeats_in_new_sessions(session):
    (a1, a2), (b1, b2) = (_build_and_run(lambda: _program(graph_seed=1), session, runs=2)
                          for _ in range(2))
    assert _same(a1, b1) and _same(a2, b2)       # the same program gives the same numbers
    assert not _same(a1[:4], a2[:4])             # ... and each run draws new ones
    # Two ops of one kind in one graph get different sequences.
    g = tf.Graph()
    with g.as_default():
        tf.set_random_seed(1)
        x, y = tf.random_normal([4]), tf.random_normal([4])
    x_v, y_v = session(graph=g).run([x, y])
    assert not np.array_equal(x_v, y_v)
    # Another graph seed gives other numbers.
    c = _build_and_run(lambda: _program(graph_seed=2), session)[0]
    assert not _same(a1[:4], c[:4])


def test_graph_seed_op_seeds_depend_on_position(session):
    a = _build_and_run(lambda: _program(graph_seed=1), session)[0]
    b = _build_and_run(lambda: _program(graph_seed=1, extra_ops=1), session)[0]
    assert not _same(a[:4], b[:4])


def test_op_seed_only(session):
    (a1, a2), (b1, b2) = (_build_and_run(lambda: _program(op_seed=7), session, runs=2)
                          for _ in range(2))
    assert _same(a1, b1) and _same(a2, b2)
    assert not _same(a1[:4], a2[:4])
    # Without a graph seed, the op seed alone decides: building other ops first changes
    # nothing, and two ops with one op seed draw the same numbers (as in TF1).
    c = _build_and_run(lambda: _program(op_seed=7, extra_ops=3), session)[0]
    assert _same(a1, c)
    g = tf.Graph()
    with g.as_default():
        x, y = tf.random_normal([4], seed=3), tf.random_normal([4], seed=3)
    x_v, y_v = session(graph=g).run([x, y])
    assert np.array_equal(x_v, y_v)
    d = _build_and_run(lambda: _program(op_seed=8), session)[0]
    assert not _same(a1[:4], d[:4])


def test_graph_and_op_seed(session):
    a = _build_and_run(lambda: _program(graph_seed=1, op_seed=5), session)[0]
    b = _build_and_run(lambda: _program(graph_seed=1, op_seed=5, extra_ops=2), session)[0]
    c = _build_and_run(lambda: _program(graph_seed=2, op_seed=5), session)[0]
    assert _same(a, b) and not _same(a[:4], c[:4])


def test_seed_attrs():
    t = tf.random_normal([2])
    rnd = t.op.inputs[0].op.inputs[0].op
    assert rnd.get_attr("seed2_pair") is None
    s = tf.random_normal([2], seed=4).op.inputs[0].op.inputs[0].op
    assert s.get_attr("seed2_pair") == (87654321, 4)
    tf.set_random_seed(9)
    u = tf.random_uniform([2], seed=2)
    assert u.op.get_attr("seed2_pair") == (9, 2)
    assert u.op.get_attr("seed") == 9 and u.op.get_attr("seed2") == 2


def test_variables_from_seeded_initializers_repeat(session):
    def build():
        tf.set_random_seed(3)
        w = tf.Variable(tf.random_normal([3, 3]), name="w")
        v = tf.get_variable("v", [3, 3])
        return w, v

    vals = []
    for _ in range(2):
        g = tf.Graph()
        with g.as_default():
            w, v = build()
            init = tf.global_variables_initializer()
        sess = session(graph=g)
        sess.run(init)
        vals.append(sess.run([w, v]))
    assert _same(vals[0], vals[1])
    assert not np.array_equal(vals[0][0], vals[0][1])


# --------------------------------------------------------------------------------------------
# Against TensorFlow 1
# --------------------------------------------------------------------------------------------
def _names(graph):
    return [(op.name, op.type.replace("AddV2", "Add")) for op in graph.get_operations()]


def _build_all(t):
    t.random_normal([2, 3])
    t.random_normal([2], mean=1.0, stddev=2.0, name="noise")
    t.truncated_normal([3])
    t.random_uniform([2])
    t.random_uniform([2], -1.0, 1.0)
    t.random_uniform([2], maxval=3.0)
    t.random_uniform([2], 0, 9, dtype=t.int32)
    with t.name_scope("scope"):
        t.random_shuffle([1, 2, 3])
        t.random_normal(t.constant([2, 2]))


def test_names_and_types_match_tf1(tf1):
    g = tf.Graph()
    with g.as_default():
        _build_all(tf)
    tg = tf1.Graph()
    with tg.as_default():
        _build_all(tf1)
    assert _names(g) == _names(tg)


def test_shapes_dtypes_and_op_seed_attrs_match_tf1(tf1):
    def build(t):
        return [t.random_normal([2, 3], seed=5, dtype=t.float64),
                t.random_uniform([4], 0, 3, dtype=t.int64, seed=6),
                t.truncated_normal([1, 2], seed=1), t.random_shuffle([[1.0], [2.0]], seed=2)]
    with tf.Graph().as_default():
        ours = build(tf)
    with tf1.Graph().as_default():
        theirs = build(tf1)
    for a, b in zip(ours, theirs):
        assert a.shape.as_list() == b.shape.as_list() and a.dtype.name == b.dtype.name
        op_a = a.op if a.op.type.startswith("Random") else a.op.inputs[0].op.inputs[0].op
        op_b = b.op if b.op.type.startswith("Random") else b.op.inputs[0].op.inputs[0].op
        assert (op_a.get_attr("seed"), op_a.get_attr("seed2")) == \
            (op_b.get_attr("seed"), op_b.get_attr("seed2"))


def test_two_threads_planning_a_seeded_op_share_its_generator(session, monkeypatch):
    """Each thread's first run plans the op; with a generator each, both drew the same
    numbers from the same seed."""
    import threading
    import time
    x = tf.random_uniform([4], seed=3)
    sess = session()
    make = sess._backend.make_rng

    def slow_make(*args):
        time.sleep(0.05)           # widen the window in which both threads plan the op
        return make(*args)
    monkeypatch.setattr(sess._backend, "make_rng", slow_make)
    barrier, draws = threading.Barrier(2), []

    def run():
        barrier.wait()
        draws.append(sess.run(x))
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(draws) == 2 and not np.array_equal(draws[0], draws[1])
