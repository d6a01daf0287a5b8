"""TF1's framework-level names of issue 19: make_template, op_scope, variable_op_scope,
init_scope, get_seed, colocate_with, container, DeviceSpec, the unsigned dtypes, two
initializers, the remaining asserts, tf.nest, tf.get_logger, the file ops and tf.io, and the
padding and priority queues."""
import logging
import os

import numpy as np
import pytest

import flowkit as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default() as g:
        yield g


def _tf1_graph(tf1, build):
    g = tf1.Graph()
    with g.as_default():
        return build()


# -- make_template ----------------------------------------------------------------------------
def _dense_names(t):
    def dense(x, n=2):
        w = t.get_variable("w", [3, n])
        return t.matmul(x, w)

    layer = t.make_template("dense", dense, n=2)
    other = t.make_template("dense", dense)
    x = t.ones([4, 3])
    a, b, c = layer(x), layer(x), other(x)
    names = [v.name for v in t.global_variables()]
    return names, [a.op.name, b.op.name, c.op.name]


def test_make_template_names_match_tf1(tf1):
    assert _dense_names(tf) == _tf1_graph(tf1, lambda: _dense_names(tf1))


def _scope_now_names(t):
    def f(x):
        return x * t.get_variable("k", [], initializer=t.ones_initializer())

    now = t.make_template("s", f, create_scope_now_=True)
    later = t.make_template("s", f)
    fixed = t.make_template("ignored", f, unique_name_="fixed")
    with t.variable_scope("outer"):
        a = now(t.constant(1.0))
    b, c, d = now(t.constant(2.0)), later(t.constant(3.0)), fixed(t.constant(4.0))
    return [v.name for v in t.global_variables()], [x.op.name for x in (a, b, c, d)]


def test_make_template_scope_now_and_unique_name_match_tf1(tf1):
    assert _scope_now_names(tf) == _tf1_graph(tf1, lambda: _scope_now_names(tf1))


def test_make_template_shares_variables(session):
    counter = []

    def f(x):
        counter.append(1)
        return x + tf.get_variable("b", [2], initializer=tf.constant_initializer([1.0, 2.0]))

    t = tf.make_template("add_b", f)
    y1, y2 = t(tf.constant([0.0, 0.0])), t(tf.constant([10.0, 10.0]))
    assert len(counter) == 2 and len(tf.global_variables()) == 1
    assert [v.name for v in t.trainable_variables] == ["add_b/b:0"]
    assert t.variable_scope.name == "add_b" and t.name == "add_b"
    sess = session()
    sess.run(tf.global_variables_initializer())
    np.testing.assert_allclose(sess.run(y2) - sess.run(y1), [10.0, 10.0])


def test_make_template_rejects_new_trainable_variables_later():
    t = tf.make_template("bad", lambda: tf.Variable(1.0, name="v"))
    t()
    with pytest.raises(ValueError, match="Trainable variable created when calling a template "
                                         "after the first time"):
        t()


def test_make_template_custom_getter_and_errors():
    seen = []

    def getter(getter_, name, *args, **kwargs):
        seen.append(name)
        return getter_(name, *args, **kwargs)

    t = tf.make_template("g", lambda: tf.get_variable("v", [1]), custom_getter_=getter)
    t()
    t()
    assert seen == ["g/v", "g/v"]
    with pytest.raises(ValueError, match="name cannot be None"):
        tf.make_template(None, lambda: 1)


# -- deprecated scopes, init_scope, colocate_with, container -----------------------------------
def _scope_names(t):
    out = []
    a = t.constant(1.0, name="a")
    with t.op_scope([a], None, "my_op") as scope:
        out.append(scope)
        out.append(t.identity(a).op.name)
    with t.op_scope([a], "named") as scope:
        out.append(scope)
    with t.variable_op_scope([a], None, "block") as vs:
        out.append(vs.name)
        out.append(t.get_variable("w", [1]).name)
        out.append(t.identity(a).op.name)
    with t.variable_op_scope([a], "given", "unused") as vs:
        out.append(vs.name)
    return out


def test_op_scope_and_variable_op_scope_match_tf1(tf1):
    assert _scope_names(tf) == _tf1_graph(tf1, lambda: _scope_names(tf1))


def test_init_scope_clears_control_dependencies_and_keeps_the_name_scope():
    c = tf.constant(1.0)
    with tf.name_scope("outer"), tf.control_dependencies([c]):
        inside = tf.constant(2.0, name="x")
        with tf.init_scope():
            lifted = tf.constant(3.0, name="y")
    assert inside.op.control_inputs == [c.op]
    assert lifted.op.control_inputs == []
    assert lifted.op.name == "outer/y"


def test_colocate_with_and_container_are_accepted(session):
    v = tf.Variable(2.0)
    with tf.colocate_with(v), tf.container("c0") as name:
        w = tf.identity(v) * 2.0
    assert name == "c0"
    with tf.colocate_with(v.op, ignore_existing=True):
        pass
    with pytest.raises(TypeError, match="colocate_with"):
        with tf.colocate_with("not an op"):
            pass
    sess = session()
    sess.run(v.initializer)
    assert sess.run(w) == 4.0


# -- get_seed ------------------------------------------------------------------------------------
def _seeds(t):
    out = [t.get_seed(None), t.get_seed(5), t.get_seed(2 ** 31 + 3)]
    t.set_random_seed(0)
    out.append(t.get_seed(0))
    out.append(t.get_seed(None))
    t.constant(1.0)
    t.constant(2.0)
    out.append(t.get_seed(None))
    out.append(t.get_seed(9))
    t.set_random_seed(2 ** 31 + 10)
    out.append(t.get_seed(2 ** 31 - 1))
    return [tuple(None if s is None else int(s) for s in pair) for pair in out]


def test_get_seed_matches_tf1(tf1):
    assert _seeds(tf) == _tf1_graph(tf1, lambda: _seeds(tf1))


# -- DeviceSpec -----------------------------------------------------------------------------------
SPECS = ["/job:worker/replica:1/task:2/device:GPU:3", "/gpu:1", "/cpu:*", "/device:CPU:0",
         "/job:ps", "/task:3/CPU:0", "", "/replica:0"]


@pytest.mark.parametrize("spec", SPECS)
def test_device_spec_parses_as_tf1(tf1, spec):
    ours, theirs = tf.DeviceSpec.from_string(spec), tf1.DeviceSpec.from_string(spec)
    for field in ("job", "replica", "task", "device_type", "device_index"):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert ours.to_string() == theirs.to_string()


def test_device_spec_merge_and_errors(tf1):
    a, b = tf.DeviceSpec.from_string("/job:w/task:1/gpu:0"), tf.DeviceSpec(device_type="CPU")
    ta, tb = tf1.DeviceSpec.from_string("/job:w/task:1/gpu:0"), tf1.DeviceSpec(device_type="CPU")
    assert a.make_merged_spec(b).to_string() == ta.make_merged_spec(tb).to_string()
    a.merge_from(b)
    ta.merge_from(tb)
    assert a.to_string() == ta.to_string()
    assert a.replace(job="ps").job == "ps" and a.job == "w"
    with pytest.raises(ValueError, match="Unknown attribute 'bogus'"):
        tf.DeviceSpec.from_string("/bogus:1")
    with pytest.raises(ValueError, match="Multiple device types"):
        tf.DeviceSpec.from_string("/cpu:0/gpu:0")


# -- unsigned dtypes ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["uint16", "uint32", "uint64"])
def test_unsigned_dtypes(name):
    dt = getattr(tf, name)
    assert dt.as_numpy_dtype is getattr(np, name)
    assert tf.as_dtype(name) is dt and tf.as_dtype(np.dtype(name)) is dt
    assert dt.is_integer and dt.is_unsigned and dt.min == 0
    assert dt.max == np.iinfo(name).max and dt.size == np.dtype(name).itemsize
    with pytest.raises(TypeError, match="not in list of allowed values"):
        tf.constant([1, 2], dtype=dt) + tf.constant([1, 2], dtype=dt)


@pytest.mark.parametrize("name", ["uint16", "uint32", "uint64"])
def test_unsigned_dtypes_feed_and_fetch_on_numpy(name):
    dt = getattr(tf, name)
    x = tf.placeholder(dt, [2])
    y = tf.identity(x)
    c = tf.constant(np.array([7, 8], dtype=name))
    assert c.dtype is dt
    with tf.Session(backend="numpy") as sess:
        got, const = sess.run([y, c], {x: np.array([1, 2**15], dtype=name)})
    assert got.dtype == np.dtype(name) and got.tolist() == [1, 2**15]
    assert const.tolist() == [7, 8]


# -- initializers ---------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [[6, 4], [4, 6], [3, 3, 2, 5]])
def test_orthogonal_initializer(session, shape):
    init = tf.orthogonal_initializer(gain=1.5, seed=2)
    sess = session()
    w = sess.run(init(shape))
    assert w.shape == tuple(shape) and w.dtype == np.float32
    m = w.reshape(-1, shape[-1])
    small = min(m.shape)
    gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
    np.testing.assert_allclose(gram, 2.25 * np.eye(small), atol=1e-4)
    with pytest.raises(ValueError, match="at least two-dimensional"):
        init([5])


def test_orthogonal_initializer_float64_and_get_variable(session):
    v = tf.get_variable("q", [5, 5], dtype=tf.float64, initializer=tf.orthogonal_initializer())
    sess = session()
    sess.run(v.initializer)
    q = sess.run(v)
    np.testing.assert_allclose(q @ q.T, np.eye(5), atol=1e-10)


def test_uniform_unit_scaling_initializer(session):
    init = tf.uniform_unit_scaling_initializer(factor=1.15, seed=4)
    sess = session()
    w = sess.run(init([250, 400]))
    limit = 1.15 * np.sqrt(3.0 / 250)        # TF1: the product of all dims but the last
    assert np.abs(w).max() <= limit
    assert abs(w.std() - limit / np.sqrt(3.0)) < 0.02 * limit
    assert abs(w.mean()) < 0.02 * limit
    conv = sess.run(init([3, 3, 16, 8]))
    assert np.abs(conv).max() <= 1.15 * np.sqrt(3.0 / (3 * 3 * 16))
    assert np.abs(conv).max() > 0.9 * 1.15 * np.sqrt(3.0 / (3 * 3 * 16))
    assert tf.uniform_unit_scaling_initializer(2.0).get_config()["factor"] == 2.0


def test_no_regularizer_and_moving_average_variables():
    w = tf.get_variable("w", [2], regularizer=tf.no_regularizer)
    assert tf.no_regularizer(w) is None
    assert tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES) == []
    assert tf.moving_average_variables() == []
    ema = tf.train.ExponentialMovingAverage(0.9)
    ema.apply([w])
    assert tf.moving_average_variables() == [w]


# -- asserts -------------------------------------------------------------------------------------
def test_assert_near(session):
    x = tf.placeholder(tf.float32, [3])
    check = tf.assert_near(x, [1.0, 2.0, 3.0], rtol=0.01, atol=0.0, message="close")
    sess = session()
    sess.run(check, {x: [1.005, 2.01, 2.98]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="close"):
        sess.run(check, {x: [1.0, 2.1, 3.0]})
    exact = tf.assert_near(x, [1.0, 2.0, 3.0])       # 10 * float32 eps
    sess.run(exact, {x: [1.0, 2.0, 3.0]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="not equal to tolerance"):
        sess.run(exact, {x: [1.0, 2.0, 3.001]})


def test_assert_rank_in(session):
    with pytest.raises(ValueError, match=r"must have rank in \(0, 2\)"):
        tf.assert_rank_in(tf.constant([1.0]), (0, 2))
    ok = tf.assert_rank_in(tf.constant([1.0]), [1, 3])
    assert ok.type == "NoOp"
    x = tf.placeholder(tf.float32)
    check = tf.assert_rank_in(x, [0, 2])
    sess = session()
    sess.run(check, {x: [[1.0]]})
    sess.run(check, {x: 1.0})
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have rank in"):
        sess.run(check, {x: [1.0]})


def test_assert_same_float_dtype():
    a, b = tf.constant(1.0), tf.constant(2.0)
    assert tf.assert_same_float_dtype([a, b]) is tf.float32
    assert tf.assert_same_float_dtype() is tf.float32
    assert tf.assert_same_float_dtype(None, tf.float64) is tf.float64
    with pytest.raises(ValueError, match="must be of the same type"):
        tf.assert_same_float_dtype([a, tf.constant(1.0, tf.float64)])
    with pytest.raises(ValueError, match="must be of the same type"):
        tf.assert_same_float_dtype([a], tf.float64)
    with pytest.raises(ValueError, match="Expected floating point type"):
        tf.assert_same_float_dtype([tf.constant(1)])


def test_assert_variables_initialized(session):
    assert tf.assert_variables_initialized() is None
    v = tf.Variable([1.0, 2.0], name="v")
    m = tf.Variable(np.zeros((2, 2)), name="m")
    check = tf.assert_variables_initialized()
    sess = session()
    with pytest.raises(tf.errors.FailedPreconditionError, match="v|m"):
        sess.run(check)
    sess.run(v.initializer)
    with pytest.raises(tf.errors.FailedPreconditionError, match="m"):
        sess.run(check)
    sess.run(m.initializer)
    assert sess.run(check).tolist() == [1, 2]
    assert sess.run(tf.assert_variables_initialized([v])) == 1


def test_assert_proper_iterable():
    for ok in ([1], (1, 2), {"a": 1}, (i for i in range(2)), set()):
        tf.assert_proper_iterable(ok)
    for bad in ("ab", b"ab", np.zeros(2), tf.constant([1])):
        with pytest.raises(TypeError, match='"proper" iterable'):
            tf.assert_proper_iterable(bad)
    with pytest.raises(TypeError, match="to be iterable"):
        tf.assert_proper_iterable(3)


# -- tf.nest, tf.get_logger, tf.dtypes ------------------------------------------------------------
def test_nest_matches_tf1(tf1):
    import tensorflow as real
    s = {"b": (1, [2, 3]), "a": 4}
    assert tf.nest.flatten(s) == real.nest.flatten(s)
    assert tf.nest.pack_sequence_as(s, list("wxyz")) == real.nest.pack_sequence_as(s, list("wxyz"))
    assert tf.nest.map_structure(lambda v: v * 2, s) == real.nest.map_structure(lambda v: v * 2, s)
    assert tf.nest.is_nested([1]) and not tf.nest.is_nested(1)
    tf.nest.assert_same_structure(s, {"a": 0, "b": (0, [0, 0])})
    with pytest.raises(ValueError):
        tf.nest.assert_same_structure(s, {"a": 0, "b": (0, [0])})


def test_get_logger_and_dtypes_namespace():
    logger = tf.get_logger()
    assert isinstance(logger, logging.Logger) and tf.get_logger() is logger
    assert tf.dtypes.as_dtype("float32") is tf.float32 and tf.dtypes.uint32 is tf.uint32


# -- files ----------------------------------------------------------------------------------------
def test_read_write_and_matching_files(session, tmp_path):
    path = str(tmp_path / "sub" / "a.bin")
    data = bytes(range(256))
    write = tf.write_file(path, tf.constant(data))
    read = tf.read_file(path)
    for n in ("b.txt", "c.txt", "d.csv"):
        (tmp_path / n).write_text(n)
    files = tf.matching_files(str(tmp_path / "*.txt"))
    both = tf.io.matching_files([str(tmp_path / "*.csv"), str(tmp_path / "b.*")])
    none = tf.matching_files(str(tmp_path / "*.none"))
    assert read.shape.ndims == 0 and files.shape.as_list() == [None]
    sess = session()
    sess.run(write)
    assert sess.run(read) == data
    assert [os.path.basename(f) for f in sess.run(files)] == [b"b.txt", b"c.txt"]
    assert [os.path.basename(f) for f in sess.run(both)] == [b"b.txt", b"d.csv"]
    assert sess.run(none).shape == (0,)
    missing = tf.read_file(str(tmp_path / "nope"))
    with pytest.raises(tf.errors.NotFoundError, match="nope"):
        sess.run(missing)
    assert tf.io.read_file is tf.read_file and tf.io.gfile is tf.gfile
    with pytest.raises(ValueError, match="requested dtype string"):
        tf.read_file(tf.constant(1))


def test_file_ops_against_tf1(tf1, tmp_path):
    (tmp_path / "x.txt").write_bytes(b"hello\nworld")
    pattern = str(tmp_path / "*.txt")

    def build(t):
        return t.read_file(str(tmp_path / "x.txt")), t.matching_files(pattern)
    g = tf1.Graph()
    with g.as_default():
        want = tf1.Session(graph=g).run(build(tf1))
    with tf.Session() as sess:
        got = sess.run(build(tf))
    assert got[0] == want[0] and list(got[1]) == list(want[1])


# -- PaddingFIFOQueue and PriorityQueue -----------------------------------------------------------
def test_padding_fifo_queue(session):
    q = tf.PaddingFIFOQueue(10, [tf.int32, tf.string], shapes=[[None, 2], [None]])
    e1 = q.enqueue([np.ones((1, 2), np.int32), ["a", "b", "c"]])
    e2 = q.enqueue([np.full((3, 2), 2, np.int32), ["d"]])
    one = q.dequeue()
    many = q.dequeue_many(2)
    assert many[0].shape.as_list() == [2, None, 2] and one[0].shape.as_list() == [None, 2]
    sess = session()
    sess.run(e1)
    sess.run(e2)
    sess.run(e1)
    first = sess.run(one)
    assert first[0].shape == (1, 2) and list(first[1]) == ["a", "b", "c"]
    ints, strs = sess.run(many)
    np.testing.assert_array_equal(ints, [[[2, 2], [2, 2], [2, 2]],
                                         [[1, 1], [0, 0], [0, 0]]])
    assert [[s.decode() if isinstance(s, bytes) else s for s in row] for row in strs] == \
        [["d", "", ""], ["a", "b", "c"]]
    with pytest.raises(ValueError, match="Shape mismatch"):
        q.enqueue([np.ones((1, 3), np.int32), ["a"]])
    with pytest.raises(ValueError, match="needs shapes"):
        tf.PaddingFIFOQueue(3, tf.int32, shapes=None)


def test_padding_fifo_queue_against_tf1(tf1):
    def build(t):
        q = t.PaddingFIFOQueue(5, [t.float32], shapes=[[None]])
        ops = [q.enqueue([[1.0, 2.0]]), q.enqueue([[3.0]]), q.enqueue([[4.0, 5.0, 6.0]])]
        return ops, q.dequeue_up_to(3)

    def run(t, sess_factory):
        ops, out = build(t)
        with sess_factory() as s:
            for op in ops:
                s.run(op)
            return s.run(out)
    g = tf1.Graph()
    with g.as_default():
        want = run(tf1, lambda: tf1.Session(graph=g))
    got = run(tf, tf.Session)
    np.testing.assert_array_equal(got, want)


def test_priority_queue(session):
    q = tf.PriorityQueue(10, [tf.float32], shapes=[[2]])
    assert [d.name for d in q.dtypes] == ["int64", "float32"]
    fill = q.enqueue_many([[5, 1, 3, 1], [[5, 5], [1, 1], [3, 3], [1.5, 1.5]]])
    one = q.enqueue((tf.constant(0, tf.int64), tf.constant([0.0, 0.0])))
    p, v = q.dequeue_many(3)
    rest = q.dequeue_up_to(10)
    close = q.close()
    sess = session()
    sess.run(fill)
    sess.run(one)
    pv, vv = sess.run([p, v])
    assert pv.tolist() == [0, 1, 1]
    np.testing.assert_array_equal(vv, [[0, 0], [1, 1], [1.5, 1.5]])
    sess.run(close)
    rp, _ = sess.run(rest)
    assert rp.tolist() == [3, 5]
    with pytest.raises(tf.errors.OutOfRangeError):
        sess.run(rest)
    with pytest.raises(ValueError, match="holds int64"):
        q.enqueue((tf.constant(1.0), tf.constant([0.0, 0.0])))


def test_priority_queue_against_tf1(tf1):
    def build(t):
        q = t.PriorityQueue(10, [t.string], shapes=[[]])
        return q.enqueue_many([[4, 2, 9, 1], ["d", "b", "i", "a"]]), q.dequeue_many(4)
    g = tf1.Graph()
    with g.as_default():
        fill, out = build(tf1)
        with tf1.Session(graph=g) as s:
            s.run(fill)
            want = s.run(out)
    fill, out = build(tf)
    with tf.Session() as s:
        s.run(fill)
        got = s.run(out)
    assert got[0].tolist() == want[0].tolist()
    assert [x.encode() if isinstance(x, str) else x for x in got[1]] == list(want[1])


# -- readers --------------------------------------------------------------------------------------
def _files(tmp_path):
    (tmp_path / "a.csv").write_bytes(b"h1,h2\n1,2\r\n3,4\n\n5,6")
    (tmp_path / "b.csv").write_bytes(b"h1,h2\n7,8\n")
    (tmp_path / "c.bin").write_bytes(bytes(range(23)))
    (tmp_path / "d.bin").write_bytes(bytes(range(100, 110)))
    return [str(tmp_path / n) for n in ("a.csv", "b.csv")], \
        [str(tmp_path / n) for n in ("c.bin", "d.bin")]


def _read_all(t, make_reader, names, up_to=None):
    """Every (key, value) a reader gives for ``names`` (one epoch, in order), and its counts;
    run with ``t`` (flowkit or tf.compat.v1) in a new graph."""
    g = t.Graph()
    with g.as_default():
        queue = t.train.string_input_producer(names, num_epochs=1, shuffle=False)
        reader = make_reader(t)
        kv = reader.read(queue) if up_to is None else reader.read_up_to(queue, up_to)
        counts = [reader.num_records_produced(), reader.num_work_units_completed()]
        with t.Session(graph=g) as sess:
            sess.run(t.local_variables_initializer())
            coord = t.train.Coordinator()
            threads = t.train.start_queue_runners(sess, coord)
            out = []
            try:
                while True:
                    k, v = sess.run(kv)
                    out.append((np.asarray(k).tolist(), np.asarray(v).tolist()))
            except t.errors.OutOfRangeError:
                pass
            finally:
                coord.request_stop()
                coord.join(threads)
            return out, [int(c) for c in sess.run(counts)]


@pytest.mark.parametrize("make_reader, which", [
    (lambda t: t.TextLineReader(), 0),
    (lambda t: t.TextLineReader(skip_header_lines=1), 0),
    (lambda t: t.WholeFileReader(), 0),
    (lambda t: t.IdentityReader(), 0),
    (lambda t: t.FixedLengthRecordReader(4), 1),
    (lambda t: t.FixedLengthRecordReader(3, header_bytes=2, footer_bytes=1), 1),
    (lambda t: t.FixedLengthRecordReader(4, header_bytes=1, hop_bytes=3), 1),
], ids=["text", "text-skip", "whole", "identity", "fixed", "fixed-header", "fixed-hop"])
def test_readers_match_tf1(tf1, tmp_path, make_reader, which):
    names = _files(tmp_path)[which]
    got = _read_all(tf, make_reader, names)
    want = _read_all(tf1, make_reader, names)
    assert got == want
    assert got[0], "no records read"


def test_reader_read_up_to_and_reset(session, tmp_path):
    text, _ = _files(tmp_path)
    got, counts = _read_all(tf, lambda t: t.TextLineReader(skip_header_lines=1), text, up_to=2)
    assert [len(keys) for keys, _ in got] == [2, 2, 1]
    assert [v for _, values in got for v in values] == [b"1,2", b"3,4", b"", b"5,6", b"7,8"]
    assert counts == [5, 2]
    q = tf.FIFOQueue(5, tf.string, shapes=[[]])
    fill = q.enqueue_many([[b"w1", b"w2"]])
    reader = tf.IdentityReader()
    key, _ = reader.read(q)
    produced, reset = reader.num_records_produced(), reader.reset()
    sess = session()
    sess.run(fill)
    assert sess.run(key) == b"w1" and sess.run(produced) == 1
    sess.run(reset)
    assert sess.run(produced) == 0 and sess.run(key) == b"w2"
    with pytest.raises(TypeError, match="queue handle"):
        reader.read(tf.constant("not a queue"))
    with pytest.raises(ValueError, match="compressed"):
        tf.FixedLengthRecordReader(4, encoding="GZIP")


def test_reader_of_a_missing_file(session, tmp_path):
    q = tf.FIFOQueue(5, tf.string, shapes=[[]])
    fill = q.enqueue([str(tmp_path / "missing.txt")])
    _, value = tf.WholeFileReader().read(q)
    sess = session()
    sess.run(fill)
    with pytest.raises(tf.errors.NotFoundError, match="missing.txt"):
        sess.run(value)


def test_reader_read_up_to_matches_tf1(tf1, tmp_path):
    text, binary = _files(tmp_path)
    for make, names in ((lambda t: t.TextLineReader(skip_header_lines=1), text),
                        (lambda t: t.FixedLengthRecordReader(5), binary)):
        assert _read_all(tf, make, names, up_to=2) == _read_all(tf1, make, names, up_to=2)


# -- decode_csv and decode_raw ---------------------------------------------------------------
CSV_LINES = ["1,2.5,a,7", '3,,"b,c",8', "5,-1e3,,9", '-4,0.25,"say ""hi""",10']


def _csv(t, lines, **kw):
    g = t.Graph()
    with g.as_default():
        out = t.decode_csv(t.constant(lines), [[0], [-1.0], ["?"], t.constant([], t.int64)],
                           **kw)
        with t.Session(graph=g) as sess:
            return [np.asarray(v).tolist() for v in sess.run(out)]


def test_decode_csv_matches_tf1(tf1):
    assert _csv(tf, CSV_LINES) == _csv(tf1, CSV_LINES)
    semi = [x.replace(",", ";") for x in CSV_LINES[:1]]
    assert _csv(tf, semi, field_delim=";") == _csv(tf1, semi, field_delim=";")
    na = ["1,NA,x,2"]
    assert _csv(tf, na, na_value="NA") == _csv(tf1, na, na_value="NA")


@pytest.mark.parametrize("lines, message", [
    (["1,2,a"], "Expect 4 fields but have 3 in record 0"),
    (["1,2,a,"], "Field 3 is required but missing in record 0"),
    (["x,2,a,1"], "Field 0 in record 0 is not a valid int32: x"),
])
def test_decode_csv_errors(session, lines, message):
    out = tf.decode_csv(tf.constant(lines), [[0], [-1.0], ["?"], tf.constant([], tf.int64)])
    with pytest.raises(tf.errors.InvalidArgumentError, match=message):
        session().run(out)


def test_decode_csv_select_cols_and_shapes(session, tf1):
    lines = [["1,2,3", "4,5,6"], ["7,8,9", "10,11,12"]]
    a, c = tf.decode_csv(tf.constant(lines), [[0], [0.0]], select_cols=[0, 2])
    assert a.shape.as_list() == [2, 2] and c.dtype is tf.float32
    got = session().run([a, c])
    g = tf1.Graph()
    with g.as_default():
        want = tf1.Session(graph=g).run(
            tf1.decode_csv(tf1.constant(lines), [[0], [0.0]], select_cols=[0, 2]))
    for x, y in zip(got, want):
        np.testing.assert_array_equal(x, y)
        assert x.dtype == y.dtype
    with pytest.raises(ValueError, match="select_cols"):
        tf.decode_csv(tf.constant(lines), [[0], [0]], select_cols=[2, 0])


@pytest.mark.parametrize("dtype, little", [("uint8", True), ("int32", True), ("int32", False),
                                           ("float32", True), ("int16", False)])
def test_decode_raw_matches_tf1(tf1, session, tmp_path, dtype, little):
    values = np.arange(-6, 6).astype(dtype).reshape(3, 4)
    order = np.dtype(dtype).newbyteorder("<" if little else ">")
    paths = []
    for i, row in enumerate(values):     # exact bytes, read back from files as in a pipeline
        paths.append(str(tmp_path / f"{i}.bin"))
        open(paths[-1], "wb").write(row.astype(order).tobytes())

    def build(t):
        raw = t.stack([t.read_file(p) for p in paths])
        return t.decode_raw(raw, getattr(t, dtype), little_endian=little)
    got = session().run(build(tf))
    g = tf1.Graph()
    with g.as_default():
        want = tf1.Session(graph=g).run(build(tf1))
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, values)
    assert got.dtype == want.dtype


def test_decode_raw_errors(session):
    bad = tf.decode_raw(tf.constant([b"ab", b"abc"]), tf.uint8)
    odd = tf.decode_raw(tf.constant([b"abc"]), tf.int16)
    sess = session()
    with pytest.raises(tf.errors.InvalidArgumentError, match="same size"):
        sess.run(bad)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not a multiple of 2"):
        sess.run(odd)


def test_fixed_length_records_decoded_as_in_the_cifar10_tutorial(session, tmp_path):
    # CIFAR-10's binary format: a label byte, then a 2x2x3 image (here), per record
    labels = np.array([3, 7, 1], np.uint8)
    images = np.arange(36, dtype=np.uint8).reshape(3, 3, 2, 2)      # depth-major
    path = tmp_path / "data_batch_1.bin"
    path.write_bytes(b"".join(bytes([lab]) + img.tobytes() for lab, img in zip(labels, images)))
    files = tf.train.string_input_producer([str(path)], num_epochs=1, shuffle=False)
    _, value = tf.FixedLengthRecordReader(record_bytes=1 + 12).read(files)
    record = tf.decode_raw(value, tf.uint8)
    label = tf.cast(tf.strided_slice(record, [0], [1]), tf.int32)
    image = tf.transpose(tf.reshape(tf.strided_slice(record, [1], [13]), [3, 2, 2]), [1, 2, 0])
    sess = session()
    sess.run(tf.local_variables_initializer())
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)
    for i in range(3):
        lab, img = sess.run([label, image])
        assert lab.tolist() == [labels[i]]
        np.testing.assert_array_equal(img, images[i].transpose(1, 2, 0))
    coord.request_stop()
    coord.join(threads)


def test_text_lines_decoded_as_csv_in_a_pipeline(session, tmp_path):
    (tmp_path / "iris.csv").write_text("sl,sw,species\n5.1,3.5,0\n4.9,3.0,1\n6.2,2.9,2\n")
    files = tf.train.string_input_producer([str(tmp_path / "iris.csv")], num_epochs=1,
                                           shuffle=False)
    _, line = tf.TextLineReader(skip_header_lines=1).read(files)
    sl, sw, species = tf.decode_csv(line, [[0.0], [0.0], [0]])
    features = tf.stack([sl, sw])
    batch_x, batch_y = tf.train.batch([features, species], batch_size=3)
    sess = session()
    sess.run(tf.local_variables_initializer())
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)
    x, y = sess.run([batch_x, batch_y])
    np.testing.assert_allclose(x, [[5.1, 3.5], [4.9, 3.0], [6.2, 2.9]], rtol=1e-6)
    assert y.tolist() == [0, 1, 2]
    coord.request_stop()
    coord.join(threads)
