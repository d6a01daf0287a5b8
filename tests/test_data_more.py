"""tf.data's file sources (TextLineDataset, FixedLengthRecordDataset), cardinality and its
constants, unbatch, Options and with_options, and tf.data.experimental: against
tf.compat.v1.data element by element, on every backend."""
import gzip
import zlib

import numpy as np
import pytest

import flowkit as tf


@pytest.fixture
def files(tmp_path):
    paths = {}

    def write(name, data, how=None):
        path = tmp_path / name
        if how == "GZIP":
            data = gzip.compress(data)
        elif how == "ZLIB":
            data = zlib.compress(data)
        path.write_bytes(data)
        paths[name] = str(path)
        return str(path)
    write("a.txt", b"one\r\ntwo\n\nthree")
    write("empty.txt", b"")
    write("b.txt", b"4,5\n6,7\n")
    write("c.txt", b"1,2.5\r\n\n3")
    write("a.gz", b"g1\ng2\n\ng3", "GZIP")
    write("a.zz", b"z1\r\nz2\n", "ZLIB")
    write("r1.bin", b"HH" + bytes(range(12)) + b"F")
    write("r2.bin", b"HH" + b"abcdef" + b"F")
    write("bad.bin", b"HH" + b"abcdefg" + b"F")
    return paths


def _elements(m, ds, sess, feed=None, initializable=False, limit=100):
    if initializable:
        it = m.data.make_initializable_iterator(ds)
        sess.run(it.initializer, feed)
    else:
        it = m.data.make_one_shot_iterator(ds)
    nxt = it.get_next()
    out = []
    try:
        for _ in range(limit):
            out.append(sess.run(nxt))
    except m.errors.OutOfRangeError:
        pass
    return out


def _both(session, tf1, build, **kw):
    """The elements of ``build(module)`` with flowkit (the test's backend) and with TF."""
    with tf.Graph().as_default() as g:
        got = _elements(tf, build(tf), session(graph=g), **kw)
    g1 = tf1.Graph()
    with g1.as_default(), tf1.Session(graph=g1) as sess:
        want = _elements(tf1, build(tf1), sess, **kw)
    return got, want


def _same(got, want):
    assert len(got) == len(want), (got, want)
    for a, b in zip(got, want):
        a, b = (a if isinstance(a, tuple) else (a,)), (b if isinstance(b, tuple) else (b,))
        for x, y in zip(a, b):
            x, y = np.asarray(x), np.asarray(y)
            assert x.shape == y.shape and (x.dtype.kind == y.dtype.kind or
                                           {x.dtype.kind, y.dtype.kind} <= {"O", "S"}), (x, y)
            assert x.tolist() == y.tolist(), (got, want)


@pytest.mark.tf
def test_text_lines_match_tf(session, tf1, files):
    names = [files["a.txt"], files["empty.txt"], files["b.txt"]]
    got, want = _both(session, tf1, lambda m: m.data.TextLineDataset(names))
    _same(got, want)
    assert got[0] == b"one" and len(got) == 6
    for name, how, n in (("a.gz", "GZIP", 4), ("a.zz", "ZLIB", 2)):
        got, want = _both(session, tf1, lambda m, name=name, how=how: m.data.TextLineDataset(
            files[name], compression_type=how, buffer_size=1024))
        _same(got, want)
        assert len(got) == n


@pytest.mark.tf
def test_text_lines_from_a_fed_list_and_map(session, tf1, files):
    def build(m):
        names = m.placeholder(m.string, [None], name="names")
        ds = m.data.TextLineDataset(names).repeat(2)
        ds = ds.map(lambda line: (line, m.py_func(
            lambda s: np.float32(sum(float(x) for x in np.asarray(s).item().split(b","))
                                 if np.asarray(s).item() else -1.0),
            [line], m.float32)))
        build.names = names
        return ds.batch(3)
    feed_names = [files["b.txt"], files["c.txt"]]

    def run(m, sess):
        ds = build(m)
        return _elements(m, ds, sess, {build.names: feed_names}, initializable=True)
    with tf.Graph().as_default() as g:
        got = run(tf, session(graph=g))
    g1 = tf1.Graph()
    with g1.as_default(), tf1.Session(graph=g1) as sess:
        want = run(tf1, sess)
    assert len(got) == len(want) == 4       # 2 x (2 + 3 lines), by 3
    for (lines, sums), (lines1, sums1) in zip(got, want):
        assert lines.tolist() == lines1.tolist()
        np.testing.assert_allclose(sums, sums1)


@pytest.mark.tf
def test_fixed_length_records_match_tf(session, tf1, files):
    names = [files["r1.bin"], files["r2.bin"]]
    got, want = _both(session, tf1, lambda m: m.data.FixedLengthRecordDataset(
        names, 3, header_bytes=2, footer_bytes=1))
    _same(got, want)
    assert len(got) == 6
    got, want = _both(session, tf1, lambda m: m.data.FixedLengthRecordDataset(
        files["r1.bin"], 4, header_bytes=3, footer_bytes=0).batch(2))
    _same(got, want)


def test_file_errors(session, files, tmp_path):
    bad = tf.data.FixedLengthRecordDataset(files["bad.bin"], 3, 2, 1)
    nxt = bad.make_one_shot_iterator().get_next()
    missing = tf.data.TextLineDataset(str(tmp_path / "nope.txt"))
    nxt2 = missing.make_one_shot_iterator().get_next()
    sess = session()
    with pytest.raises(tf.errors.InvalidArgumentError, match="not an exact multiple"):
        sess.run(nxt)
    with pytest.raises(tf.errors.NotFoundError, match="nope.txt"):
        sess.run(nxt2)
    with pytest.raises(TypeError, match="tf.string"):
        tf.data.TextLineDataset([1, 2])
    with pytest.raises(ValueError, match="compression_type"):
        tf.data.TextLineDataset(files["a.txt"], compression_type="BZIP2")
    ds = tf.data.TextLineDataset(files["a.txt"])
    assert ds.output_types == tf.string and ds.output_shapes.as_list() == []


def _cardinality_cases(m):
    d = m.data.Dataset.range(10)
    f = d.filter(lambda x: x > 1)
    s = m.data.Dataset.from_tensor_slices(np.arange(12).reshape(6, 2))
    return [d, d.batch(3), d.batch(3, True), d.repeat(), f, d.take(3).repeat(2), d.skip(20),
            d.map(lambda x: x * 2), d.repeat().take(4), m.data.Dataset.zip((d, d.take(2))),
            d.concatenate(d.repeat()), d.shuffle(3), d.repeat(0), f.repeat(), f.repeat(3),
            m.data.Dataset.zip((f, d.take(2))), f.take(3), f.skip(2), d.batch(3).unbatch(),
            d.repeat().batch(2), d.repeat().skip(3), d.concatenate(f), f.concatenate(d.repeat()),
            m.data.Dataset.range(0).repeat(), m.data.Dataset.range(5, 1, -2), d.take(-1),
            d.skip(-1), s, s.unbatch(), s.prefetch(2).cache(), m.data.Dataset.from_tensors([1])]


@pytest.mark.tf
def test_cardinality_matches_tf(session, tf1):
    with tf.Graph().as_default() as g:
        got = session(graph=g).run([ds.cardinality() for ds in _cardinality_cases(tf)])
    g1 = tf1.Graph()
    with g1.as_default(), tf1.Session(graph=g1) as sess:
        want = sess.run([tf1.data.experimental.cardinality(ds)
                         for ds in _cardinality_cases(tf1)])
    assert [int(x) for x in got] == [int(x) for x in want]
    assert (tf.data.AUTOTUNE, tf.data.INFINITE_CARDINALITY, tf.data.UNKNOWN_CARDINALITY) == \
        (tf1.data.AUTOTUNE, tf1.data.INFINITE_CARDINALITY, tf1.data.UNKNOWN_CARDINALITY)
    assert tf.data.experimental.AUTOTUNE == tf1.data.experimental.AUTOTUNE


def _transform_cases(m):
    x = m.data.experimental
    d = m.data.Dataset.range(7)
    pairs = m.data.Dataset.from_tensor_slices((np.arange(12).reshape(6, 2),
                                               np.arange(6, dtype=np.float32)))
    return [
        d.apply(x.map_and_batch(lambda v: v * 3, 3)),
        d.apply(x.map_and_batch(lambda v: (v, v + 1), 2, drop_remainder=True)),
        d.batch(3).apply(x.unbatch()),
        pairs.batch(4).unbatch(),
        d.apply(x.enumerate_dataset(start=5)),
        d.apply(x.take_while(lambda v: v < 4)),
        m.data.Dataset.from_tensor_slices(np.array([3, 1, 3, 2, 1, 5], np.int64)).apply(
            x.unique()),
        x.Counter(2, 3).take(4),
        x.Counter(0.5, 0.25, dtype=m.float32).take(3),
        d.apply(x.assert_cardinality(7)),
        d.with_options(m.data.Options()).map(lambda v: v + 1),
    ]


@pytest.mark.tf
@pytest.mark.parametrize("index", range(11))
def test_experimental_transformations_match_tf(session, tf1, index):
    got, want = _both(session, tf1, lambda m: _transform_cases(m)[index])
    _same(got, want)
    assert got


@pytest.mark.tf
def test_shuffle_and_repeat_reshuffles_each_epoch(session, tf1):
    def build(m):
        return m.data.Dataset.range(20).apply(
            m.data.experimental.shuffle_and_repeat(20, count=3, seed=7))
    got, want = _both(session, tf1, build)
    assert len(got) == len(want) == 60
    epochs = [got[i * 20:(i + 1) * 20] for i in range(3)]
    for e in epochs:
        assert sorted(e) == list(range(20))
    assert epochs[0] != epochs[1] and epochs[0] != list(range(20))


def test_assert_cardinality_and_unbatch_errors(session):
    x = tf.data.experimental
    too_few = tf.data.Dataset.range(3).apply(x.assert_cardinality(5))
    too_many = tf.data.Dataset.range(3).apply(x.assert_cardinality(2))
    assert session().run(too_few.cardinality()) == 5
    for ds, n in ((too_few, 3), (too_many, 2)):
        nxt = ds.make_one_shot_iterator().get_next()
        sess = session()
        for _ in range(n):
            sess.run(nxt)
        with pytest.raises(tf.errors.FailedPreconditionError, match="expected to contain"):
            sess.run(nxt)
    with pytest.raises(ValueError, match="scalar"):
        tf.data.Dataset.range(3).unbatch()
    with pytest.raises(TypeError, match="unique"):
        tf.data.Dataset.from_tensor_slices(np.ones(3, np.float32)).apply(x.unique())
    with pytest.raises(ValueError, match="mutually exclusive"):
        x.map_and_batch(lambda v: v, 2, num_parallel_batches=1, num_parallel_calls=1)


def test_options_are_kept_and_merged(session):
    o1 = tf.data.Options()
    o1.threading.private_threadpool_size = 4
    o1.experimental_deterministic = False
    o2 = tf.data.Options()
    o2.threading.max_intra_op_parallelism = 1
    o2.experimental_optimization.map_and_batch_fusion = True
    o2.deterministic = True
    ds = tf.data.Dataset.range(3).with_options(o1).map(lambda v: v * 2).with_options(o2)
    merged = ds.options()
    assert merged.threading.private_threadpool_size == 4
    assert merged.threading.max_intra_op_parallelism == 1
    assert merged.experimental_threading.max_intra_op_parallelism == 1
    assert merged.deterministic is True and merged.experimental_deterministic is True
    assert merged.experimental_optimization.map_and_batch_fusion is True
    assert tf.data.Dataset.range(3).options() == tf.data.Options()
    assert isinstance(tf.data.Options().threading, tf.data.ThreadingOptions)
    with pytest.raises(AttributeError, match="Cannot set"):
        o1.no_such_option = 1
    with pytest.raises(TypeError, match="Options"):
        tf.data.Dataset.range(3).with_options({"deterministic": True})
    nxt = ds.make_one_shot_iterator().get_next()
    sess = session()
    assert [sess.run(nxt) for _ in range(3)] == [0, 2, 4]


def test_threads_share_an_iterator_and_see_each_element_once(session):
    """As in TF, several threads may run one iterator's get_next: one at a time advances it
    (a generator run by two threads at once failed with "generator already executing")."""
    import threading
    import time

    def slow(v):
        time.sleep(0.005)          # each element takes a while, so the threads overlap
        return v
    ds = tf.data.Dataset.range(24).map(lambda v: tf.py_func(slow, [v], tf.int64))
    nxt = ds.make_one_shot_iterator().get_next()
    sess = session()
    seen, errors_seen = [], []

    def pull():
        try:
            while True:
                seen.append(int(sess.run(nxt)))
        except tf.errors.OutOfRangeError:
            pass
        except Exception as e:  # noqa: BLE001 - reported below
            errors_seen.append(e)
    threads = [threading.Thread(target=pull) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors_seen == [] and sorted(seen) == list(range(24))
