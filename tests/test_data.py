"""tf.data: sources, transformations and iterators on every backend, the pipeline's state in
the session, errors, and differential tests against TF's tf.compat.v1 input pipelines."""
import collections

import numpy as np
import pytest

import flowkit as tf
import flowkit.data  # noqa: F401 - makes tf.data available until the root imports it
from flowkit import plugins
from flowkit.data import Dataset, Iterator, plugin


@pytest.fixture(autouse=True)
def data_plugin():
    registered = plugin.ensure_registered()
    yield
    if registered:
        plugins.unregister_plugin(plugin)


def drain(sess, nxt, feed=None, limit=1000):
    """Every element until OutOfRangeError (which must come)."""
    out = []
    for _ in range(limit):
        try:
            out.append(sess.run(nxt, feed))
        except tf.errors.OutOfRangeError:
            return out
    raise AssertionError("no OutOfRangeError")


def flat(values):
    return [np.asarray(v).tolist() for v in values]


# --------------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------------
def test_slices_of_array_tuple_and_dict(session):
    a = np.arange(6, dtype=np.float32).reshape(3, 2)
    b = np.array([7, 8, 9], dtype=np.int64)
    sess = session()
    got = drain(sess, Dataset.from_tensor_slices(a).make_one_shot_iterator().get_next())
    assert [x.tolist() for x in got] == a.tolist() and got[0].dtype == np.float32
    nxt = Dataset.from_tensor_slices((a, b)).make_one_shot_iterator().get_next()
    got = drain(sess, nxt)
    assert [(x.tolist(), int(y)) for x, y in got] == list(zip(a.tolist(), b.tolist()))
    ds = Dataset.from_tensor_slices({"x": a, "y": b})
    assert ds.output_types == {"x": tf.float32, "y": tf.int64}
    got = drain(sess, ds.make_one_shot_iterator().get_next())
    assert [d["x"].tolist() for d in got] == a.tolist()
    assert [int(d["y"]) for d in got] == b.tolist()


def test_slices_need_matching_first_dimensions():
    with pytest.raises(ValueError, match="Dimensions 3 and 2"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(2)))
    with pytest.raises(ValueError, match="rank >= 1"):
        Dataset.from_tensor_slices(1.0)


def test_from_tensors_range_zip_concatenate(session):
    sess = session()
    t = drain(sess, Dataset.from_tensors(([1, 2], 3.0)).repeat(2).make_one_shot_iterator()
              .get_next())
    assert [(x.tolist(), float(y)) for x, y in t] == [([1, 2], 3.0)] * 2
    r = Dataset.range(2, 11, 3)
    assert r.output_types == tf.int64
    assert flat(drain(sess, r.make_one_shot_iterator().get_next())) == [2, 5, 8]
    assert flat(drain(sess, Dataset.range(3).make_one_shot_iterator().get_next())) == [0, 1, 2]
    z = Dataset.zip((Dataset.range(4), Dataset.from_tensor_slices({"v": [1.5, 2.5, 3.5]})))
    got = drain(sess, z.make_one_shot_iterator().get_next())
    assert [(int(i), float(d["v"])) for i, d in got] == [(0, 1.5), (1, 2.5), (2, 3.5)]
    c = Dataset.range(2).concatenate(Dataset.range(5, 7))
    assert flat(drain(sess, c.make_one_shot_iterator().get_next())) == [0, 1, 5, 6]
    with pytest.raises(TypeError, match="different types"):
        Dataset.range(2).concatenate(Dataset.from_tensor_slices([1.0]))


def test_from_generator_types_shapes_and_errors(session):
    def gen():
        yield [1, 2], "a"
        yield [3], "bc"
    ds = Dataset.from_generator(gen, (tf.float32, tf.string), ([None], []))
    assert ds.output_shapes[0].as_list() == [None]
    sess = session()
    got = drain(sess, ds.make_one_shot_iterator().get_next())
    assert [x.tolist() for x, _ in got] == [[1.0, 2.0], [3.0]] and got[0][0].dtype == np.float32
    bad = Dataset.from_generator(lambda: iter([[1, 2, 3]]), tf.int32, [2])
    with pytest.raises(tf.errors.InvalidArgumentError, match="shape"):
        sess.run(bad.make_one_shot_iterator().get_next())
    # The generator is called anew at each initialization.
    calls = []

    def counting():
        calls.append(1)
        yield from range(2)
    it = Dataset.from_generator(counting, tf.int64, []).make_initializable_iterator()
    nxt = it.get_next()
    for _ in range(2):
        sess.run(it.initializer)
        assert flat(drain(sess, nxt)) == [0, 1]
    assert len(calls) == 2


# --------------------------------------------------------------------------------------------
# Transformations
# --------------------------------------------------------------------------------------------
def test_map_filter_batch_and_static_shapes(session):
    x = np.arange(10, dtype=np.float32)
    ds = (Dataset.from_tensor_slices((x, np.arange(10)))
          .map(lambda a, b: {"double": a * 2.0, "odd": tf.equal(b % 2, 1), "one": 1})
          .filter(lambda d: d["odd"])
          .batch(2, drop_remainder=True))
    assert ds.output_shapes["double"].as_list() == [2]
    assert ds.output_types == {"double": tf.float32, "odd": tf.bool, "one": tf.int32}
    got = drain(session(), ds.make_one_shot_iterator().get_next())
    assert [d["double"].tolist() for d in got] == [[2.0, 6.0], [10.0, 14.0]]
    assert [d["one"].tolist() for d in got] == [[1, 1], [1, 1]]
    loose = Dataset.range(5).batch(2)
    assert loose.output_shapes.as_list() == [None]
    assert flat(drain(session(), loose.make_one_shot_iterator().get_next())) == \
        [[0, 1], [2, 3], [4]]


def test_map_captures_tensors_and_variables(session):
    scale = tf.constant(3.0)
    w = tf.Variable(10.0)
    ds = Dataset.from_tensor_slices([1.0, 2.0]).map(lambda v: v * scale + w)
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    sess = session()
    sess.run(tf.global_variables_initializer())
    sess.run(it.initializer)
    assert flat(drain(sess, nxt)) == [13.0, 16.0]
    with pytest.raises(ValueError, match="make_initializable_iterator"):
        ds.make_one_shot_iterator()


def test_filter_predicate_must_be_scalar_bool():
    with pytest.raises(ValueError, match="scalar boolean"):
        Dataset.range(3).filter(lambda v: v)


def test_padded_batch(session):
    def gen():
        for n in (1, 3, 2):
            yield list(range(1, n + 1)), "w" * n
    ds = Dataset.from_generator(gen, (tf.int32, tf.string), ([None], []))
    pb = ds.padded_batch(2, padded_shapes=([None], []), padding_values=(-1, ""))
    assert pb.output_shapes[0].as_list() == [None, None]
    got = drain(session(), pb.make_one_shot_iterator().get_next())
    assert got[0][0].tolist() == [[1, -1, -1], [1, 2, 3]]
    assert got[1][0].tolist() == [[1, 2]]
    fixed = Dataset.from_generator(gen, (tf.int32, tf.string), ([None], [])).map(
        lambda a, s: a).padded_batch(3, [4], drop_remainder=True)
    assert fixed.output_shapes.as_list() == [3, 4]
    (v,) = drain(session(), fixed.make_one_shot_iterator().get_next())
    assert v.tolist() == [[1, 0, 0, 0], [1, 2, 3, 0], [1, 2, 0, 0]]
    small = Dataset.from_generator(gen, (tf.int32, tf.string), ([None], [])).padded_batch(
        3, ([2], []))
    with pytest.raises(tf.errors.InvalidArgumentError, match="smaller size"):
        session().run(small.make_one_shot_iterator().get_next())


def test_take_skip_repeat_prefetch(session):
    ds = Dataset.range(6).skip(1).take(3).repeat(2).prefetch(1)
    assert flat(drain(session(), ds.make_one_shot_iterator().get_next())) == [1, 2, 3] * 2
    assert flat(drain(session(), Dataset.range(3).skip(-1).make_one_shot_iterator()
                      .get_next())) == []
    forever = Dataset.range(2).repeat().make_one_shot_iterator().get_next()
    sess = session()
    assert [int(sess.run(forever)) for _ in range(5)] == [0, 1, 0, 1, 0]


def test_cache_replays_the_first_pass(session):
    calls = []

    def gen():
        calls.append(1)
        yield from range(3)
    ds = Dataset.from_generator(gen, tf.int64, []).cache().repeat(3)
    assert flat(drain(session(), ds.make_one_shot_iterator().get_next())) == [0, 1, 2] * 3
    assert len(calls) == 1
    calls.clear()
    uncached = Dataset.from_generator(gen, tf.int64, []).repeat(3)
    drain(session(), uncached.make_one_shot_iterator().get_next())
    assert len(calls) == 3


def test_batch_rejects_ragged_elements(session):
    ds = Dataset.from_generator(lambda: iter([[1, 2], [3]]), tf.int32, [None]).batch(2)
    with pytest.raises(tf.errors.InvalidArgumentError, match="different shapes"):
        session().run(ds.make_one_shot_iterator().get_next())


# --------------------------------------------------------------------------------------------
# Shuffle: TF's algorithm, NumPy's generator (see flowkit.data's docstring)
# --------------------------------------------------------------------------------------------
def _epochs(session, ds, n, backend=None):
    it = ds.make_initializable_iterator()
    nxt = it.get_next()
    sess = session()
    out = []
    for _ in range(n):
        sess.run(it.initializer)
        out.append(flat(drain(sess, nxt)))
    return out


def test_shuffle_seeded_is_reproducible_and_a_permutation(session):
    ds = Dataset.range(20).shuffle(5, seed=7)
    a, b = _epochs(session, ds, 2)
    assert sorted(a) == list(range(20)) and sorted(b) == list(range(20))
    assert a != list(range(20)) and a != b          # reshuffled at each initialization
    assert _epochs(session, ds, 2) == [a, b]         # the same in a new session
    fixed = Dataset.range(20).shuffle(5, seed=7, reshuffle_each_iteration=False)
    c, d = _epochs(session, fixed, 2)
    assert c == d and sorted(c) == list(range(20))
    # Within one initialization, each repeat epoch is a new order.
    e = _epochs(session, Dataset.range(10).shuffle(10, seed=3).repeat(2), 1)[0]
    assert sorted(e[:10]) == sorted(e[10:]) == list(range(10)) and e[:10] != e[10:]


def test_shuffle_order_is_the_same_on_every_backend():
    orders = set()
    for name in plugins.backend_names():
        tf.reset_default_graph()
        nxt = Dataset.range(30).shuffle(8, seed=11).make_one_shot_iterator().get_next()
        with tf.Session(backend=name) as sess:
            orders.add(tuple(flat(drain(sess, nxt))))
    assert len(orders) == 1


def test_graph_seed_makes_shuffle_reproducible(session):
    tf.set_random_seed(5)
    ds = Dataset.range(15).shuffle(15)
    first = _epochs(session, ds, 1)
    assert first == _epochs(session, ds, 1) and first[0] != list(range(15))


# --------------------------------------------------------------------------------------------
# Iterators and the session
# --------------------------------------------------------------------------------------------
def test_initializable_iterator_with_fed_placeholders(session):
    x = tf.placeholder(tf.float32, [None])
    n = tf.placeholder(tf.int64, [])
    it = Dataset.from_tensor_slices(x).batch(n).make_initializable_iterator()
    assert it.initializer.type == "MakeIterator" and it.initializer.name == "MakeIterator"
    nxt = it.get_next()
    sess = session()
    with pytest.raises(tf.errors.FailedPreconditionError, match="not been initialized"):
        sess.run(nxt)
    sess.run(it.initializer, {x: [1, 2, 3], n: 2})
    assert flat(drain(sess, nxt)) == [[1.0, 2.0], [3.0]]
    with pytest.raises(tf.errors.OutOfRangeError):      # stays at the end
        sess.run(nxt)
    sess.run(it.initializer, {x: [5, 6, 7, 8], n: 3})
    assert flat(drain(sess, nxt)) == [[5.0, 6.0, 7.0], [8.0]]


def test_reinitializable_iterator_from_structure(session):
    train = Dataset.from_tensor_slices(np.arange(4, dtype=np.float32)).batch(2)
    valid = Dataset.from_tensor_slices(np.arange(10, 13, dtype=np.float32)).batch(3)
    it = Iterator.from_structure(train.output_types, train.output_shapes)
    nxt = it.get_next()
    loss = tf.reduce_sum(nxt)
    init_train, init_valid = it.make_initializer(train), it.make_initializer(valid)
    assert init_train.name == "make_initializer" and init_valid.name == "make_initializer_1"
    sess = session()
    sess.run(init_train)
    assert [float(sess.run(loss)) for _ in range(2)] == [1.0, 5.0]
    sess.run(init_valid)
    assert float(sess.run(loss)) == 33.0
    with pytest.raises(TypeError, match="Expected output types"):
        it.make_initializer(Dataset.range(3).batch(2))
    with pytest.raises(ValueError, match="does not have an initializer"):
        _ = it.initializer


def test_feedable_iterator_through_string_handles(session):
    a = Dataset.range(3).make_one_shot_iterator()
    b = Dataset.range(100, 103).make_one_shot_iterator()
    handle = tf.placeholder(tf.string, [])
    it = Iterator.from_string_handle(handle, a.output_types, a.output_shapes)
    nxt = it.get_next()
    sess = session()
    ha, hb = sess.run([a.string_handle(), b.string_handle()])
    got = [int(sess.run(nxt, {handle: h})) for h in (ha, ha, hb, ha)]
    assert got == [0, 1, 100, 2]


def test_two_sessions_iterate_independently(backend):
    nxt = Dataset.range(5).make_one_shot_iterator().get_next()
    with tf.Session(backend=backend[0], device=backend[1]) as s1, \
            tf.Session(backend=backend[0], device=backend[1]) as s2:
        assert [int(s1.run(nxt)) for _ in range(3)] == [0, 1, 2]
        assert [int(s2.run(nxt)) for _ in range(2)] == [0, 1]
        assert int(s1.run(nxt)) == 3


def test_two_get_next_ops_share_the_iterator(session):
    it = Dataset.range(4).make_one_shot_iterator()
    n1, n2 = it.get_next(), it.get_next()
    sess = session()
    assert [int(sess.run(n1)), int(sess.run(n2)), int(sess.run(n1))] == [0, 1, 2]


def test_training_loop_with_out_of_range_terminated_epochs(session):
    xs = np.linspace(-1, 1, 8).astype(np.float32)
    ys = 3.0 * xs + 0.5
    it = Dataset.from_tensor_slices((xs, ys)).batch(4).make_initializable_iterator()
    x, y = it.get_next()
    w, b = tf.Variable(0.0), tf.Variable(0.0)
    loss = tf.reduce_mean(tf.square(w * x + b - y))
    step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
    sess = session()
    sess.run(tf.global_variables_initializer())
    steps = 0
    for _ in range(30):
        sess.run(it.initializer)
        while True:
            try:
                sess.run(step)
                steps += 1
            except tf.errors.OutOfRangeError:
                break
    assert steps == 60
    np.testing.assert_allclose(sess.run([w, b]), [3.0, 0.5], atol=1e-3)


def test_torch_pipeline_keeps_torch_tensors_on_the_device():
    if "torch" not in plugins.backend_names():
        pytest.skip("torch is not installed")
    import torch
    ds = Dataset.from_tensor_slices(np.arange(6, dtype=np.float32)).map(lambda v: v * 2.0)
    nxt = ds.batch(2).make_one_shot_iterator().get_next()
    with tf.Session(backend="torch") as sess:
        assert sess.run(nxt).tolist() == [0.0, 2.0]
        (state,) = [s for s in sess._op_states.values() if "resource" in s]
        elem = state["resource"].next(None)
    assert isinstance(elem[0], torch.Tensor) and elem[0].device.type == "cpu"
    assert elem[0].tolist() == [4.0, 6.0]


def test_graph_with_iterators_can_be_saved(tmp_path, session):
    nxt = Dataset.range(3).map(lambda v: v + 1).make_one_shot_iterator().get_next()
    tf.Variable(1.0)
    sess = session()
    sess.run(tf.global_variables_initializer())
    assert int(sess.run(nxt)) == 1
    tf.train.Saver().save(sess, str(tmp_path / "model"))


# --------------------------------------------------------------------------------------------
# Differential tests against TF1
# --------------------------------------------------------------------------------------------
Pair = collections.namedtuple("Pair", "a b")
X = np.arange(24, dtype=np.float32).reshape(12, 2) / 7.0
Y = np.arange(12, dtype=np.int64) % 5


def _gen():
    for n in (2, 0, 3, 1, 4):
        yield np.arange(n, dtype=np.float32) + n, n


PIPELINES = {
    "map-batch": lambda t: t.data.Dataset.from_tensor_slices((X, Y)).map(
        lambda x, y: (x * 2.0 + 1.0, y + 1)).batch(5),
    "dict-filter": lambda t: t.data.Dataset.from_tensor_slices({"x": X, "y": Y}).filter(
        lambda d: t.greater(d["y"], 1)).map(lambda d: (d["x"], d["y"])).batch(3, True),
    "skip-take-repeat": lambda t: t.data.Dataset.range(10).skip(2).take(5).repeat(3).batch(4),
    "zip-nested": lambda t: t.data.Dataset.zip((t.data.Dataset.range(7), Pair(
        t.data.Dataset.from_tensor_slices(X), t.data.Dataset.from_tensors(Y).repeat()))),
    "generator-padded": lambda t: t.data.Dataset.from_generator(
        _gen, (t.float32, t.int32), ([None], [])).padded_batch(2, ([None], [])),
    "cache-concat": lambda t: t.data.Dataset.range(3).cache().repeat(2).concatenate(
        t.data.Dataset.range(40, 42)),
    "map-cast-reduce": lambda t: t.data.Dataset.from_tensor_slices(X).batch(4).map(
        lambda b: t.reduce_sum(t.cast(b, t.float64) * 0.5, axis=1)),
}


def _run_pipeline(module, build, session_kwargs):
    g = module.Graph()
    with g.as_default():
        ds = build(module)
        types, shapes = module.data.get_output_types(ds), module.data.get_output_shapes(ds)
        nxt = module.data.make_one_shot_iterator(ds).get_next()
        with module.Session(**session_kwargs) as sess:
            out = []
            while True:
                try:
                    out.append(sess.run(nxt))
                except module.errors.OutOfRangeError:
                    break
    names = [t.name for t in _leaves(types)]
    dims = [None if s.ndims is None else s.as_list() for s in _leaves(shapes)]
    return out, names, dims


def _leaves(x):
    from flowkit.data.structure import flatten
    return flatten(x)


@pytest.mark.tf
@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipelines_match_tf(tf1, backend, name):
    want, want_types, want_shapes = _run_pipeline(tf1, PIPELINES[name], {})
    got, types, shapes = _run_pipeline(tf, PIPELINES[name],
                                       {"backend": backend[0], "device": backend[1]})
    assert types == want_types and shapes == want_shapes
    assert len(got) == len(want) > 0
    for g, w in zip(got, want):
        gl, wl = _leaves(g), _leaves(w)
        assert len(gl) == len(wl)
        for a, b in zip(gl, wl):
            a, b = np.asarray(a), np.asarray(b)
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-6)


@pytest.mark.tf
def test_shuffle_gives_tf_multiset_per_epoch(tf1, backend):
    build = lambda t: t.data.Dataset.range(25).shuffle(6, seed=4).repeat(2)  # noqa: E731
    want, _, _ = _run_pipeline(tf1, build, {})
    got, _, _ = _run_pipeline(tf, build, {"backend": backend[0], "device": backend[1]})
    for lo in (0, 25):
        assert sorted(flat(got[lo:lo + 25])) == sorted(flat(want[lo:lo + 25]))
    assert len(got) == len(want) == 50
