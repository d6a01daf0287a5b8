"""The Session contract (flowkit/session.py, DESIGN.md section 4): fetch structures, feeds,
errors, at-most-once execution, pruning, plan caching, default sessions and in-place variable
updates that never change a value already fetched or read."""
import collections
import inspect

import numpy as np
import pytest

import flowkit as tf

Pair = collections.namedtuple("Pair", "first second")


def here():
    """The current line number of the caller (for error-site checks)."""
    return inspect.currentframe().f_back.f_lineno


# -- fetch structures --------------------------------------------------------------------------
def test_fetch_structures(session):
    a = tf.constant(1.0, name="a")
    b = tf.constant([1, 2], name="b")
    noop = tf.no_op(name="nothing")
    sess = session()
    assert sess.run(a) == 1.0
    out = sess.run([a, (b, a), Pair(a, [b]), {"k": a, "n": {"m": [a, noop]}}])
    assert isinstance(out, list) and isinstance(out[1], tuple)
    assert isinstance(out[2], Pair) and isinstance(out[2].second, list)
    np.testing.assert_array_equal(out[1][0], [1, 2])
    assert out[3] == {"k": 1.0, "n": {"m": [1.0, None]}}
    od = sess.run(collections.OrderedDict([("z", a), ("y", b)]))
    assert isinstance(od, collections.OrderedDict) and list(od) == ["z", "y"]
    dd = collections.defaultdict(list, {"a": a})
    got = sess.run(dd)
    assert isinstance(got, collections.defaultdict) and got.default_factory is list
    assert sess.run([]) == [] and sess.run(()) == () and sess.run({}) == {}


def test_op_fetch_gives_none(session):
    v = tf.Variable(1.0, name="v")
    sess = session()
    assert sess.run(v.initializer) is None
    assert sess.run([v.initializer, v]) == [None, 1.0]


def test_fetch_and_feed_by_name(session):
    x = tf.placeholder(tf.float32, [], name="x")
    y = tf.add(x, 1.0)
    tf.Variable(2.0, name="v")
    tf.global_variables_initializer()
    sess = session()
    assert y.name == "Add:0"
    assert sess.run("init") is None
    assert sess.run("Add:0", {"x:0": 2.0}) == 3.0
    assert sess.run(["v:0", "v"], {"x:0": 0.0}) == [2.0, None]
    with pytest.raises(ValueError, match="cannot be interpreted as a Tensor"):
        sess.run("nope:0")
    with pytest.raises(ValueError, match="cannot be interpreted as a Tensor"):
        sess.run("nope")
    with pytest.raises(TypeError, match="invalid type"):
        sess.run(3)
    with pytest.raises(TypeError, match="invalid type"):
        sess.run([y, None], {x: 1.0})
    with pytest.raises(TypeError, match="Cannot interpret feed_dict key"):
        sess.run(y, {"x": 1.0})


def test_fetched_values_are_numpy_with_exact_dtypes(session):
    sess = session()
    cases = [(tf.constant(1.5), np.float32), (tf.constant(1.5, tf.float64), np.float64),
             (tf.constant(3), np.int32), (tf.constant(3, tf.int64), np.int64),
             (tf.constant(True), np.bool_), (tf.constant(7, tf.uint8), np.uint8),
             (tf.constant(1.0, tf.float16), np.float16)]
    for t, dt in cases:
        v = sess.run(t)
        assert type(v) is dt, (t, type(v))
    arr = sess.run(tf.constant([[1.0, 2.0]]) * 2.0)
    assert type(arr) is np.ndarray and arr.dtype == np.float32 and arr.shape == (1, 2)
    arr[0, 0] = 100.0     # fetched arrays are the caller's: writable, not shared
    assert sess.run(tf.constant([[1.0, 2.0]]) * 2.0)[0, 0] == 2.0


def test_constant_fetch_is_a_writable_copy(session):
    c = tf.constant([1, 2, 3])
    sess = session()
    got = sess.run(c)
    got[0] = 99
    np.testing.assert_array_equal(sess.run(c), [1, 2, 3])


# -- feeds -------------------------------------------------------------------------------------
def test_feed_any_tensor_for_one_run(session):
    x = tf.placeholder(tf.float32, [2], name="x")
    y = x * 2.0
    z = y + 1.0
    c = tf.constant(5.0)
    d = c * 3.0
    sess = session()
    np.testing.assert_array_equal(sess.run(z, {x: [1.0, 2.0]}), [3.0, 5.0])
    np.testing.assert_array_equal(sess.run(z, {y: [10.0, 20.0]}), [11.0, 21.0])
    assert sess.run(d, {c: 1.0}) == 3.0
    assert sess.run(d) == 15.0
    got = sess.run([y, z], {y: [0.0, 1.0]})        # a fed tensor gives its fed value
    np.testing.assert_array_equal(got[0], [0.0, 1.0])


def test_feed_a_variable(session):
    v = tf.Variable(1.0, name="v")
    y = v * 2.0
    sess = session()
    assert sess.run(y, {v: 5.0}) == 10.0          # no initializer needed: v is fed


def test_feed_converts_to_the_placeholder_dtype(session):
    x = tf.placeholder(tf.float32, [None], name="x")
    i = tf.placeholder(tf.int32, [], name="i")
    sess = session()
    assert sess.run(x, {x: np.array([1.5], np.float64)}).dtype == np.float32
    assert sess.run(i, {i: 3}) == 3 and type(sess.run(i, {i: 3})) is np.int32


def test_feed_shape_error_message(session):
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    sess = session()
    with pytest.raises(ValueError) as info:
        sess.run(x * 2.0, {x: np.ones(3)})
    assert str(info.value) == "Cannot feed value of shape (3,) for Tensor 'x:0', which has " \
                              "shape '(?, 4)'"
    with pytest.raises(ValueError, match=r"shape \(2, 5\)"):
        sess.run(x, {x: np.ones((2, 5))})
    with pytest.raises(ValueError):
        sess.run(x, {x: "abc"})


def test_tensor_as_feed_value_is_a_type_error(session):
    x = tf.placeholder(tf.float32, [], name="x")
    sess = session()
    with pytest.raises(TypeError, match="The value of a feed cannot be a tf.Tensor"):
        sess.run(x, {x: tf.constant(1.0)})
    v = tf.Variable(1.0)
    with pytest.raises(TypeError, match="The value of a feed cannot be a tf.Tensor"):
        sess.run(x, {x: v})


def test_feeds_are_checked_before_anything_runs(session):
    v = tf.Variable(0.0, name="v")
    x = tf.placeholder(tf.float32, [2], name="x")
    inc = tf.assign_add(v, 1.0)
    sess = session()
    sess.run(v.initializer)
    with pytest.raises(ValueError):
        sess.run([inc, x * 2.0], {x: np.ones(3)})
    with pytest.raises(tf.errors.InvalidArgumentError):
        sess.run([inc, x * 2.0])               # unfed: refused when planning
    assert sess.run(v) == 0.0


def test_unfed_placeholder_names_it_with_dtype_shape_and_site(session):
    line = here() + 1
    x = tf.placeholder(tf.float32, [None, 4], name="images")
    y = tf.reduce_sum(x)
    sess = session()
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sess.run(y)
    msg = str(info.value)
    assert "placeholder tensor 'images'" in msg and "float32" in msg and "[?,4]" in msg
    assert f"{__file__}:{line} (in " in msg
    assert info.value.op is x.op


def test_fed_placeholder_used_as_control_input(session):
    x = tf.placeholder(tf.float32, [], name="x")
    with tf.control_dependencies([x]):
        c = tf.identity(tf.constant(3.0))
    assert session().run(c, {x: 1.0}) == 3.0


def test_uninitialized_variable_names_it(session):
    v = tf.Variable(1.0, name="weights")
    sess = session()
    with pytest.raises(tf.errors.FailedPreconditionError, match="weights") as info:
        sess.run(v * 2.0)
    assert info.value.op is v.op
    with pytest.raises(tf.errors.FailedPreconditionError, match="weights"):
        sess.run(tf.assign_add(v, 1.0))


def test_kernel_error_names_op_and_creation_line(session):
    a = tf.placeholder(tf.float32, [None, None], name="a")
    b = tf.placeholder(tf.float32, [None, None], name="b")
    line = here() + 1
    c = tf.matmul(a, b, name="product")
    sess = session()
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sess.run(c, {a: np.ones((2, 3)), b: np.ones((4, 2))})
    msg = str(info.value)
    assert "'product'" in msg and "MatMul" in msg
    assert f"{__file__}:{line} (in " in msg
    assert info.value.op is c.op


# -- what runs ---------------------------------------------------------------------------------
def test_each_op_runs_at_most_once_per_run(session):
    v = tf.Variable(0, name="v")
    inc = tf.assign_add(v, 1)
    twice = inc * 2
    sess = session()
    sess.run(v.initializer)
    assert sess.run([inc, inc, twice, {"again": inc}]) == [1, 1, 2, {"again": 1}]
    assert sess.run(v) == 1


def test_only_needed_ops_run(session):
    v = tf.Variable(0, name="v")
    w = tf.Variable(0, name="w")
    inc_v = tf.assign_add(v, 1)
    tf.assign_add(w, 1)                       # never fetched
    sess = session()
    sess.run(tf.global_variables_initializer())
    sess.run(inc_v)
    assert sess.run([v, w]) == [1, 0]


def test_control_dependencies_run_first(session):
    v = tf.Variable(1.0, name="v")
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        after = v.read_value()
        also = tf.identity(v)
    sess = session()
    sess.run(v.initializer)
    assert sess.run(after) == 2.0
    assert sess.run(also) == 3.0
    assert sess.run(v) == 3.0


def test_plans_are_cached(session):
    x = tf.placeholder(tf.float32, [], name="x")
    y = x + 1.0
    sess = session()
    for i in range(5):
        assert sess.run(y, {x: float(i)}) == i + 1.0
    assert len(sess._plans) == 1
    sess.run([y], {x: 0.0})                    # same fetched tensors and feeds: same plan
    assert len(sess._plans) == 1
    sess.run(y, {y: 0.0})
    assert len(sess._plans) == 2
    z = y * 2.0                                # ops added later: new fetches, new plans
    assert sess.run(z, {x: 1.0}) == 4.0


# -- in-place variable updates -----------------------------------------------------------------
def test_fetched_variable_is_not_changed_by_later_runs(session):
    v = tf.Variable([1.0, 2.0], name="v")
    inc = tf.assign_add(v, [1.0, 1.0])
    sess = session()
    sess.run(v.initializer)
    before = sess.run(v)
    read = sess.run(v.value())
    new = sess.run(inc)
    sess.run(inc)
    np.testing.assert_array_equal(before, [1.0, 2.0])
    np.testing.assert_array_equal(read, [1.0, 2.0])
    np.testing.assert_array_equal(new, [2.0, 3.0])
    np.testing.assert_array_equal(sess.run(v), [3.0, 4.0])


def test_value_fetched_before_an_update_in_the_same_run(session):
    v = tf.Variable([1.0, 2.0], name="v")
    sess = session()
    sess.run(v.initializer)
    old, new = sess.run([v, tf.assign_add(v, [1.0, 1.0])])
    np.testing.assert_array_equal(old, [1.0, 2.0])
    np.testing.assert_array_equal(new, [2.0, 3.0])
    old, new = sess.run([v.value(), tf.assign(v, [0.0, 0.0])])
    np.testing.assert_array_equal(old, [2.0, 3.0])
    np.testing.assert_array_equal(new, [0.0, 0.0])


def test_read_used_after_an_update_keeps_the_value_it_read(session):
    v = tf.Variable(1.0, name="v")
    r = v.read_value()
    with tf.control_dependencies([r]):
        inc = tf.assign_add(v, 10.0)
    with tf.control_dependencies([inc]):
        out = r * 1.0                       # r was read before inc: 1.0
        fresh = v.read_value() * 1.0        # read after inc: 11.0
    sess = session()
    sess.run(v.initializer)
    assert sess.run([out, fresh]) == [1.0, 11.0]


def test_assign_result_fetched_with_a_later_update(session):
    v = tf.Variable(0.0, name="v")
    first = tf.assign(v, 5.0)
    with tf.control_dependencies([first]):
        second = tf.assign_add(v, 1.0)
    sess = session()
    sess.run(v.initializer)
    assert sess.run([first, second]) == [5.0, 6.0]


# -- default sessions --------------------------------------------------------------------------
def test_session_context_manager_installs_default_session_and_graph():
    g = tf.Graph()
    with g.as_default():
        c = tf.constant(4.0)
    assert tf.get_default_session() is None
    with tf.Session(graph=g) as sess:
        assert tf.get_default_session() is sess
        assert tf.get_default_graph() is g
        assert c.eval() == 4.0
    assert tf.get_default_session() is None
    assert tf.get_default_graph() is not g
    with pytest.raises(RuntimeError, match="closed Session"):
        sess.run(c)


def test_as_default_does_not_close():
    c = tf.constant(2.0)
    v = tf.Variable(1.0)
    sess = tf.Session()
    with sess.as_default():
        assert tf.get_default_session() is sess
        v.initializer.run()
        assert c.eval() == 2.0 and v.eval() == 1.0
        assert (c * 3.0).eval(feed_dict={c: 1.0}) == 3.0
    assert tf.get_default_session() is None
    assert sess.run(c) == 2.0
    sess.close()
    with pytest.raises(RuntimeError):
        sess.run(c)


def test_nested_default_sessions():
    tf.constant(1.0)
    s1, s2 = tf.Session(), tf.Session()
    with s1.as_default():
        with s2.as_default():
            assert tf.get_default_session() is s2
        assert tf.get_default_session() is s1
    s1.close()
    s2.close()


def test_eval_and_run_need_a_session():
    c = tf.constant(1.0)
    with pytest.raises(ValueError, match="No default session"):
        c.eval()
    with pytest.raises(ValueError, match="No default session"):
        tf.no_op().run()
    sess = tf.Session()
    assert c.eval(session=sess) == 1.0
    other = tf.Session(graph=tf.Graph())
    with pytest.raises(ValueError, match="graph is different"):
        c.eval(session=other)


def test_interactive_session():
    v = tf.Variable(3.0)
    sess = tf.InteractiveSession()
    assert tf.get_default_session() is sess
    v.initializer.run()
    assert v.eval() == 3.0
    sess.close()
    assert tf.get_default_session() is None


def test_fetch_from_another_graph_is_an_error(session):
    g = tf.Graph()
    with g.as_default():
        other = tf.constant(1.0)
    tf.constant(0.0)
    sess = session()
    with pytest.raises(ValueError, match="not an element of this graph"):
        sess.run(other)
    with pytest.raises(ValueError, match="not an element of this graph"):
        sess.run([other])


def test_one_graph_two_sessions_keep_their_own_values():
    v = tf.Variable(1.0)
    inc = tf.assign_add(v, 1.0)
    s1, s2 = tf.Session(), tf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(inc)
    assert (s1.run(v), s2.run(v)) == (2.0, 1.0)


# -- against TF1 -------------------------------------------------------------------------------
def _structures_program(tf_):
    x = tf_.placeholder(tf_.float32, [None, 2], name="x")
    y = tf_.add(x, 1.0, name="y")
    s = tf_.reduce_sum(y, name="s")
    n = tf_.constant(3, name="n")
    b = tf_.constant(True, name="b")
    noop = tf_.no_op(name="noop")
    fetches = [s, (y, n), Pair(b, [s, noop]),
               collections.OrderedDict([("z", n), ("a", {"inner": (s,)})]), "y:0", "noop"]
    with tf_.Session() as sess:
        return sess.run(fetches, {x: [[1.0, 2.0]]})


def _same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            _same(u, v)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    else:
        assert a == b


def test_fetch_structures_match_tf1(tf1):
    with tf1.Graph().as_default():
        ref = _structures_program(tf1)
    _same(_structures_program(tf), ref)


def test_error_classes_match_tf1(tf1):
    def errors(tf_):
        out = []
        with tf_.Graph().as_default():
            x = tf_.placeholder(tf_.float32, [None, 4], name="x")
            v = tf_.Variable(1.0, name="v")
            with tf_.Session() as sess:
                for fetch, feed in [(x, None), (x, {x: np.ones(3)}), (v, None),
                                    (x, {x: tf_.constant(1.0)})]:
                    try:
                        sess.run(fetch, feed)
                        out.append(None)
                    except Exception as e:  # noqa: BLE001 - comparing the classes
                        out.append(type(e).__name__)
            sess.close()
            try:
                sess.run(x)
            except Exception as e:  # noqa: BLE001
                out.append(type(e).__name__)
        return out
    assert errors(tf) == errors(tf1)


def test_deep_graph_has_no_recursion_limit(session):
    x = tf.placeholder(tf.float32, [], name="x")
    y = x
    for _ in range(1500):
        y = y + 1.0
    (g,) = tf.gradients(y, x)
    sess = session()
    assert sess.run([y, g], {x: 0.0}) == [1500.0, 1.0]


def test_run_with_control_inputs_only_op(session):
    v = tf.Variable(0, name="v")
    a, b = tf.assign_add(v, 1), tf.assign_add(v, 10)
    both = tf.group(a, b)
    sess = session()
    sess.run(v.initializer)
    assert sess.run(both) is None
    assert sess.run(v) == 11
