"""tf.Variable: creation, naming, reads, assignments, initialization, collections, errors."""
import contextlib

import numpy as np
import pytest

import flowkit as tf
from flowkit.framework import errors


@contextlib.contextmanager
def _tf1_graph(tf1):
    """A TF1 graph whose variables are reference variables (TF2's compat.v1 default is
    resource variables)."""
    g = tf1.Graph()
    with g.as_default(), tf1.variable_scope(tf1.get_variable_scope(), use_resource=False):
        yield g


def _op_names(graph):
    return [op.name for op in graph.get_operations()]


# --------------------------------------------------------------------------------------------
# Creation and naming
# --------------------------------------------------------------------------------------------
def test_ops_and_names():
    v = tf.Variable([1.0, 2.0], name="v")
    assert v.name == "v:0" and v.op.name == "v" and v.op.type == "VariableV2"
    assert v.initializer.name == "v/Assign" and v.initializer.type == "Assign"
    assert v.value().name == "v/read:0" and v.value().op.type == "Identity"
    assert v.initial_value.name == "v/initial_value:0"
    assert _op_names(tf.get_default_graph()) == ["v/initial_value", "v", "v/Assign", "v/read"]
    assert v.dtype is tf.float32 and v.shape.as_list() == [2] and v.get_shape() == v.shape
    assert v.graph is tf.get_default_graph() and v.trainable
    assert repr(v) == "<tf.Variable 'v:0' shape=(2,) dtype=float32_ref>"


def test_default_and_duplicate_names():
    a, b, c = tf.Variable(1), tf.Variable(2), tf.Variable(3, name="v")
    d = tf.Variable(4, name="v")
    assert [x.name for x in (a, b, c, d)] == ["Variable:0", "Variable_1:0", "v:0", "v_1:0"]
    with tf.name_scope("layer"):
        e = tf.Variable(5, name="w")
    assert e.name == "layer/w:0" and e.initializer.name == "layer/w/Assign"


def test_initial_value_forms(session):
    sess = session()
    t = tf.Variable(tf.constant([[1, 2]], dtype=tf.int64), name="t")
    f = tf.Variable(lambda: tf.ones_initializer()([2]), name="f")
    n = tf.Variable(np.arange(3.0), name="n")
    p = tf.Variable(3, dtype=tf.float64, name="p")
    assert t.dtype is tf.int64 and t.initial_value.op.type == "Const"
    assert f.initial_value.name == "f/Initializer/ones:0"
    assert n.dtype is tf.float64 and p.dtype is tf.float64
    sess.run(tf.global_variables_initializer())
    assert sess.run(t).tolist() == [[1, 2]] and sess.run(f).tolist() == [1.0, 1.0]
    assert sess.run(p) == 3.0


def test_creation_errors():
    with pytest.raises(ValueError, match="initial_value must be specified"):
        tf.Variable()
    x = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match="shape specified"):
        tf.Variable(x)
    with pytest.raises(ValueError, match="dtype"):
        tf.Variable(tf.constant(1.0), dtype=tf.int32)
    with pytest.raises(TypeError):
        tf.Variable(1.5, dtype=tf.int32)


def test_validate_shape_false(session):
    x = tf.placeholder(tf.float32, [None])
    v = tf.Variable(x, validate_shape=False, name="v")
    assert v.shape.as_list() == [None]
    sess = session()
    sess.run(v.initializer, {x: [1.0, 2.0, 3.0]})
    assert sess.run(v).tolist() == [1.0, 2.0, 3.0]


def test_names_match_tf1(tf1):
    def build(t):
        t.Variable(1.0)
        t.Variable([1, 2], name="v")
        t.Variable(t.zeros_initializer()([2]), name="v")
        with t.name_scope("scope"):
            w = t.Variable(lambda: t.random_normal_initializer()([2, 2]), name="w")
        w.assign([[1.0, 2.0], [3.0, 4.0]])
        w.assign_add(t.ones_initializer()([2, 2]))
        t.assign_sub(w, [[1.0, 1.0], [1.0, 1.0]], name="down")
        w.read_value()
        t.is_variable_initialized(w)
        t.global_variables_initializer()
        t.variables_initializer([w], name="init_w")
        t.variables_initializer([])
    g = tf.Graph()
    with g.as_default():
        build(tf)
    with _tf1_graph(tf1) as tg:
        build(tf1)
    assert _op_names(g) == _op_names(tg)
    assert [op.type for op in g.get_operations()] == \
        [op.type.replace("AddV2", "Add") for op in tg.get_operations()]


# --------------------------------------------------------------------------------------------
# Reads and writes
# --------------------------------------------------------------------------------------------
def test_value_read_value_eval_and_fetch(session):
    v = tf.Variable([1.0, 2.0], name="v")
    r = v.read_value()
    assert r.op.type == "Identity" and r is not v.value()
    sess = session()
    sess.run(v.initializer)
    assert sess.run(v).tolist() == [1.0, 2.0]
    assert sess.run(v.value()).tolist() == [1.0, 2.0]
    assert sess.run(r).tolist() == [1.0, 2.0]
    assert v.eval(session=sess).tolist() == [1.0, 2.0]
    with sess.as_default():
        assert v.eval().tolist() == [1.0, 2.0]
        assert v.value().eval().tolist() == [1.0, 2.0]


def test_assign_methods_return_new_value(session):
    v = tf.Variable(10.0, name="v")
    a = v.assign(3.0)
    add = v.assign_add(2.0)
    sub = v.assign_sub(0.5)
    sess = session()
    sess.run(v.initializer)
    assert sess.run(a) == 3.0 and sess.run(v) == 3.0
    assert sess.run(add) == 5.0 and sess.run(add) == 7.0
    assert sess.run(sub) == 6.5 and sess.run(v) == 6.5
    assert a.op.type == "Assign" and add.op.type == "AssignAdd" and sub.op.type == "AssignSub"
    op = v.assign(1.0, read_value=False)
    assert isinstance(op, tf.Operation) and sess.run(op) is None and sess.run(v) == 1.0


def test_numpy_values_on_the_left(session):
    v = tf.Variable([1.0, 2.0], name="v")
    y = np.float32(2.0) * v
    z = np.array([1.0, 1.0], np.float32) + v
    assert isinstance(y, tf.Tensor) and isinstance(z, tf.Tensor)
    sess = session()
    sess.run(v.initializer)
    assert sess.run(y).tolist() == [2.0, 4.0] and sess.run(z).tolist() == [2.0, 3.0]


def test_tf_assign_functions(session):
    v = tf.Variable([1, 2, 3], name="v")
    ops = [tf.assign(v, [4, 5, 6]), tf.assign_add(v, [1, 1, 1]), tf.assign_sub(v, 2)]
    sess = session()
    sess.run(v.initializer)
    assert [sess.run(o).tolist() for o in ops] == [[4, 5, 6], [5, 6, 7], [3, 4, 5]]


def test_assign_checks_shape_and_dtype_at_build_time():
    v = tf.Variable(tf.zeros_initializer()([2, 3]), name="v")
    with pytest.raises(ValueError, match=r"v/Assign_1|Assign"):
        tf.assign(v, np.zeros((3, 2), np.float32))
    with pytest.raises(ValueError):
        v.assign_add(np.zeros((3,), np.float32))
    with pytest.raises(TypeError):
        tf.assign(v, tf.constant(np.zeros((2, 3)), dtype=tf.float64))
    with pytest.raises(TypeError, match="variable"):
        tf.assign(tf.constant(1.0), 2.0)
    x = tf.placeholder(tf.float32, [None, 3])
    assert tf.assign(v, x).shape.as_list() == [2, 3]       # compatible: accepted


def test_assign_without_validate_shape_changes_shape(session):
    v = tf.Variable([1.0, 2.0], name="v")
    grow = tf.assign(v, [1.0, 2.0, 3.0], validate_shape=False)
    sess = session()
    sess.run(v.initializer)
    assert sess.run(grow).tolist() == [1.0, 2.0, 3.0]


def test_load(session):
    v = tf.Variable(tf.zeros_initializer()([2]), name="v")
    sess = session()
    v.load([3.0, 4.0], sess)
    assert sess.run(v).tolist() == [3.0, 4.0]
    with sess.as_default():
        v.load([5.0, 6.0])
    assert sess.run(v).tolist() == [5.0, 6.0]
    with pytest.raises(ValueError, match="shape"):
        v.load([1.0, 2.0, 3.0], sess)


def test_operators(session):
    w = tf.Variable([[1.0, 2.0], [3.0, 4.0]], name="w")
    x = tf.constant([[1.0], [1.0]])
    exprs = {"add": w + 1.0, "radd": 1.0 + w, "sub": w - 1.0, "rsub": 10.0 - w,
             "mul": w * 2.0, "rmul": 2.0 * w, "div": w / 2.0, "neg": -w,
             "matmul": w @ x, "rmatmul": tf.constant([[1.0, 1.0]]) @ w,
             "getitem": w[1], "getitem2": w[:, 0], "gt": w > 2.0, "le": w <= 2.0}
    sess = session()
    sess.run(w.initializer)
    out = sess.run(exprs)
    wv = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    assert np.allclose(out["add"], wv + 1) and np.allclose(out["radd"], wv + 1)
    assert np.allclose(out["sub"], wv - 1) and np.allclose(out["rsub"], 10 - wv)
    assert np.allclose(out["mul"], wv * 2) and np.allclose(out["rmul"], wv * 2)
    assert np.allclose(out["div"], wv / 2) and np.allclose(out["neg"], -wv)
    assert np.allclose(out["matmul"], wv @ np.ones((2, 1)))
    assert np.allclose(out["rmatmul"], np.ones((1, 2)) @ wv)
    assert out["getitem"].tolist() == [3.0, 4.0] and out["getitem2"].tolist() == [1.0, 3.0]
    assert out["gt"].tolist() == [[False, False], [True, True]]
    assert out["le"].tolist() == [[True, True], [False, False]]
    assert (w + 1.0).op.inputs[0].name == "w/read:0"
    with pytest.raises(TypeError):
        bool(w)


def test_variable_as_op_input_and_feed(session):
    v = tf.Variable(2.0, name="v")
    y = tf.multiply(v, 3.0)
    sess = session()
    assert sess.run(y, {v: 5.0}) == 15.0                     # a fed variable needs no init
    sess.run(v.initializer)
    assert sess.run(y) == 6.0
    assert sess.run(tf.convert_to_tensor(v)) == 2.0


def test_gradient_through_variable(session):
    w = tf.Variable([1.0, 2.0], name="w")
    loss = tf.reduce_sum(w * w)
    (g,) = tf.gradients(loss, [w])
    sess = session()
    sess.run(w.initializer)
    assert sess.run(g).tolist() == [2.0, 4.0]


@pytest.mark.skipif(not hasattr(tf, "cond"), reason="tf.cond is not written yet")
def test_initialized_value(session):
    w = tf.Variable(tf.random_normal([3], seed=1), name="w")
    w2 = tf.Variable(w.initialized_value() * 2.0, name="w2")
    sess = session()
    sess.run(tf.global_variables_initializer())
    a, b = sess.run([w, w2])
    assert np.allclose(b, 2 * a)
    # Initializing only w2 takes w's initial value (w stays uninitialized).
    sess2 = session()
    sess2.run(w2.initializer)
    assert sess2.run(tf.report_uninitialized_variables()).tolist() == [b"w"]
    # Once w holds a value, w2's initializer reads it.
    sess2.run(w.assign([1.0, 2.0, 3.0]))
    sess2.run(w2.initializer)
    assert sess2.run(w2).tolist() == [2.0, 4.0, 6.0]


@pytest.mark.skipif(not hasattr(tf, "cond"), reason="tf.cond is not written yet")
def test_initial_value_reading_other_variables_is_guarded(session):
    w = tf.Variable(tf.random_normal([3], seed=1), name="w")
    w2 = tf.Variable(w * 2.0, name="w2")
    w3 = tf.Variable(w2 + w, name="w3")
    plain = tf.Variable(tf.ones_initializer()([2]), name="plain")
    assert w2.initial_value.op.name == "mul"                  # the value as written
    assert w2.initializer.inputs[1].op.name == "mul_w2"       # TF1's guarded copy
    assert plain.initializer.inputs[1] is plain.initial_value
    sess = session()
    sess.run(tf.variables_initializer([w3, w2, w]))           # any order works
    a, b, c = sess.run([w, w2, w3])
    assert np.allclose(b, 2 * a) and np.allclose(c, 3 * a)
    sess2 = session()
    sess2.run(w3.initializer)                                 # alone: from initial values
    assert np.allclose(sess2.run(w3), c)
    assert sess2.run(tf.report_uninitialized_variables()).tolist() == [b"w", b"w2", b"plain"]
    sess2.run(w.assign([1.0, 1.0, 1.0]))
    sess2.run(w3.initializer)                                 # reads w's current value
    assert sess2.run(w3).tolist() == [3.0, 3.0, 3.0]


# --------------------------------------------------------------------------------------------
# Initialization
# --------------------------------------------------------------------------------------------
def test_uninitialized_read_names_the_variable(session):
    v = tf.Variable(1.0, name="weights")
    y = v + 1.0
    with pytest.raises(errors.FailedPreconditionError,
                       match="Attempting to use uninitialized value weights") as e:
        session().run(y)
    assert e.value.op.name == "weights"
    assert "test_variables.py" in str(e.value)                # where it was created
    with pytest.raises(errors.FailedPreconditionError, match="weights"):
        session().run(v.assign_add(1.0))


def test_initializers(session):
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b")
    init = tf.global_variables_initializer()
    assert init.name == "init" and init.type == "NoOp"
    assert sorted(op.name for op in init.control_inputs) == ["a/Assign", "b/Assign"]
    c = tf.Variable(3.0, name="c")                        # made after init: not covered
    sess = session()
    sess.run(init)
    assert sess.run([a, b]) == [1.0, 2.0]
    assert sess.run(tf.report_uninitialized_variables()).tolist() == [b"c"]
    assert not sess.run(tf.is_variable_initialized(c))
    sess.run(tf.variables_initializer([c]))
    assert sess.run(tf.is_variable_initialized(c)) and sess.run(c) == 3.0
    assert sess.run(tf.report_uninitialized_variables()).shape == (0,)
    assert tf.initialize_all_variables().type == "NoOp"
    assert tf.variables_initializer([]).type == "NoOp"


def test_report_uninitialized_variables_with_list(session):
    a, b = tf.Variable(1, name="a"), tf.Variable(2, name="b")
    report = tf.report_uninitialized_variables([a, b])
    sess = session()
    assert sess.run(report).tolist() == [b"a", b"b"]
    sess.run(b.initializer)
    assert sess.run(report).tolist() == [b"a"]
    assert report.dtype is tf.string


def test_variables_ignore_control_dependencies(session):
    x = tf.placeholder(tf.float32, [])
    counter = tf.Variable(0.0, name="counter")
    update = tf.assign_add(counter, x)
    with tf.control_dependencies([update]):
        v = tf.Variable(1.0, name="v")
        w = tf.get_variable("w", [], initializer=tf.ones_initializer())
        y = tf.identity(v.value())
    assert v.initializer.control_inputs == [] and w.initializer.control_inputs == []
    # v.value() under the block is a fresh read that waits for the update (as TF's resource
    # variables); y's input was made in the block, so y itself needs no control input.
    assert y.op.inputs[0].op.control_inputs == [update.op]
    sess = session()
    sess.run(tf.global_variables_initializer())               # x need not be fed
    assert sess.run(y, {x: 2.0}) == 1.0 and sess.run(counter) == 2.0


def test_values_live_in_each_session(session):
    v = tf.Variable(1.0, name="v")
    inc = v.assign_add(1.0)
    s1, s2 = session(), session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    s1.run(inc)
    s1.run(inc)
    assert s1.run(v) == 3.0 and s2.run(v) == 1.0
    s1.run(v.initializer)
    assert s1.run(v) == 1.0


# --------------------------------------------------------------------------------------------
# Collections
# --------------------------------------------------------------------------------------------
def test_collections():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(2.0, name="b", trainable=False)
    c = tf.Variable(3.0, name="c", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    d = tf.Variable(4.0, name="d", collections=[tf.GraphKeys.GLOBAL_VARIABLES, "mine"])
    with tf.name_scope("s"):
        e = tf.Variable(5.0, name="e")
    assert tf.global_variables() == [a, b, d, e] == tf.all_variables()
    assert tf.trainable_variables() == [a, c, d, e]              # trainable by default
    assert tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES) == [a, c, d, e]
    assert tf.local_variables() == [c] and tf.get_collection("mine") == [d]
    assert tf.global_variables(scope="s") == [e] and tf.trainable_variables("s/") == [e]
    assert not b.trainable and a.trainable
    assert tf.GraphKeys.GLOBAL_VARIABLES == "variables" == tf.GraphKeys.VARIABLES
    assert tf.GraphKeys.TRAINABLE_VARIABLES == "trainable_variables"
    assert tf.GraphKeys.LOCAL_VARIABLES == "local_variables"


def test_local_variables_initializer(session):
    c = tf.Variable(3.0, name="c", collections=[tf.GraphKeys.LOCAL_VARIABLES])
    sess = session()
    sess.run(tf.local_variables_initializer())
    assert sess.run(c) == 3.0
    assert tf.global_variables() == []


def test_collection_names_match_tf1(tf1):
    def build(t):
        t.Variable(1.0, name="a")
        t.Variable(2.0, name="b", trainable=False)
        t.Variable(3.0, name="c", collections=[t.GraphKeys.LOCAL_VARIABLES])
        return ([v.name for v in t.global_variables()],
                [v.name for v in t.trainable_variables()],
                [v.name for v in t.local_variables()])
    with tf.Graph().as_default():
        ours = build(tf)
    with _tf1_graph(tf1):
        theirs = build(tf1)
    assert ours == theirs


def test_variable_names_are_validated_as_tf_validates_them(tf1):
    for name in ["v\n", "bad name", "-x"]:
        with pytest.raises(ValueError, match="is not a valid scope name"):
            tf.Variable(1.0, name=name)
        with tf1.Graph().as_default(), pytest.raises(ValueError):
            tf1.Variable(1.0, name=name)
    v = tf.Variable(1.0, name="a/../b")               # TF accepts it too
    with tf1.Graph().as_default():
        assert tf1.Variable(1.0, name="a/../b").op.name == v.op.name == "a/../b"
