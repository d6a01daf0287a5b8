"""tf.variable_scope / tf.get_variable: TF1's sharing rules, names, errors, the notes' example."""
import contextlib
import inspect

import numpy as np
import pytest

import flowkit as tf


@contextlib.contextmanager
def _tf1_graph(tf1):
    """A TF1 graph with reference variables (TF2's compat.v1 defaults to resource ones)."""
    g = tf1.Graph()
    with g.as_default(), tf1.variable_scope(tf1.get_variable_scope(), use_resource=False):
        yield g


_needs_conv = pytest.mark.skipif(not hasattr(tf.nn, "conv2d"), reason="tf.nn.conv2d missing")


# --------------------------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------------------------
def test_get_variable_names_and_ops():
    with tf.variable_scope("conv1"):
        w = tf.get_variable("weights", [5, 5, 3, 8])
    assert w.name == "conv1/weights:0" and isinstance(w, tf.Variable)
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert names[-3:] == ["conv1/weights", "conv1/weights/Assign", "conv1/weights/read"]
    assert names[0].startswith("conv1/weights/Initializer/random_uniform")


def test_get_variable_ignores_name_scope_ops_do_not():
    with tf.name_scope("ns"):
        v = tf.get_variable("v", [1])
        x = tf.Variable(1.0, name="x")
        with tf.variable_scope("vs") as scope:
            w = tf.get_variable("w", [1])
            y = tf.add(w, 1.0)
            z = tf.Variable(1.0, name="z")
    assert v.name == "v:0" and x.name == "ns/x:0"
    assert w.name == "vs/w:0" and y.op.name == "ns/vs/Add" and z.name == "ns/vs/z:0"
    assert scope.name == "vs" and scope.original_name_scope == "ns/vs/"
    assert w.initializer.name == "vs/w/Assign"


def test_reentering_scope_keeps_variables_moves_ops():
    with tf.variable_scope("tower") as scope:
        w = tf.get_variable("w", [2])
        a = w * 2.0
    with tf.variable_scope("tower", reuse=True):
        assert tf.get_variable("w", [2]) is w
        b = w * 2.0
    with tf.variable_scope(scope, reuse=True) as s2:
        assert tf.get_variable("w") is w
        c = w * 2.0
    assert (a.op.name, b.op.name, c.op.name) == ("tower/mul", "tower_1/mul", "tower_2/mul")
    assert s2.name == "tower" and s2.original_name_scope == "tower/"


def test_scope_names_match_tf1(tf1):
    def build(t):
        out = []
        with t.variable_scope("foo"):
            v = t.get_variable("v", [1])
            out.append(v.name)
            with t.name_scope("ns"):
                out += [t.get_variable("w", [1]).name, t.Variable(1.0, name="x").name,
                        t.add(v, 1.0).name]
            with t.variable_scope("bar"):
                out += [t.get_variable("u", [2]).name, t.add(v, 1.0).name]
        with t.variable_scope("foo", reuse=True) as s:
            out += [t.get_variable("v", [1]).name, t.add(v, 1.0).name,
                    (s.name, s.original_name_scope, s.reuse)]
        with t.variable_scope(s):
            out.append(t.add(v, 1.0).name)
        with t.variable_scope("outer"):
            with t.variable_scope(s) as s2:
                out += [t.add(v, 1.0).name, (s2.name, s2.original_name_scope),
                        t.get_variable("v").name]
        for _ in range(3):
            with t.variable_scope(None, default_name="dense") as d:
                out.append((d.name, d.original_name_scope, t.get_variable("k", [1]).name,
                            t.add(v, 1.0).name))
        for _ in range(2):
            with t.variable_scope("a"):
                for _ in range(2):
                    with t.variable_scope(None, default_name="b") as d:
                        out.append((d.name, d.original_name_scope))
        with t.variable_scope("r", reuse=t.AUTO_REUSE):
            z1, z2 = t.get_variable("z", [3]), t.get_variable("z", [3])
            out.append((z1.name, z1 is z2))
            with t.variable_scope("inner", reuse=False) as sc:
                out += [sc.reuse is t.AUTO_REUSE, t.get_variable("q", [1]).name]
        with t.variable_scope("top", auxiliary_name_scope=False):
            out += [t.add(v, 1.0).name, t.get_variable("t", [1]).name]
        with t.name_scope("nsx"):
            with t.variable_scope("vs") as vs:
                out.append((vs.original_name_scope, t.add(v, 1.0).name,
                            t.get_variable("g", [1]).name))
        with t.variable_scope("loc"):
            lv = t.get_local_variable("lv", [2])
            out.append((lv.name, lv in t.local_variables(), lv in t.global_variables(),
                        lv in t.trainable_variables()))
        out.append(t.get_variable("lv2", initializer=[1.0, 2.0]).dtype.name)
        out.append(t.get_variable("lv3", initializer=np.array([1, 2])).dtype.name)
        out.append(t.get_variable("f64", [2], dtype=t.float64).dtype.name)
        with t.variable_scope("dt", dtype=t.float64):
            out.append(t.get_variable("x", [1]).dtype.name)
        with t.variable_scope("foo") as f2:
            out.append((f2.name, f2.original_name_scope))
        with t.variable_scope("vals", values=[v]) as vv:
            out.append(vv.original_name_scope)
        out.append([x.name for x in t.global_variables()])
        out.append([x.name for x in t.trainable_variables()])
        ops = [op.name for op in t.get_default_graph().get_operations()]
        return out, ops

    with tf.Graph().as_default():
        ours, our_ops = build(tf)
    with _tf1_graph(tf1):
        theirs, their_ops = build(tf1)
    theirs = [x.replace("_ref", "") if isinstance(x, str) else x for x in theirs]
    assert ours == theirs
    assert our_ops == their_ops


# --------------------------------------------------------------------------------------------
# Reuse
# --------------------------------------------------------------------------------------------
def test_reuse_true_shares_and_is_inherited():
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [1])
        with tf.variable_scope("bar"):
            u = tf.get_variable("u", [1])
    with tf.variable_scope("foo", reuse=True) as scope:
        assert scope.reuse is True
        assert tf.get_variable("v", [1]) is v
        with tf.variable_scope("bar") as child:
            assert child.reuse is True and tf.get_variable("u", [1]) is u
        with tf.variable_scope("bar", reuse=False) as child:   # cannot switch reuse off
            assert child.reuse is True and tf.get_variable("u") is u
    assert tf.get_variable_scope().reuse is False and tf.get_variable_scope().name == ""


def test_reuse_variables_method():
    with tf.variable_scope("s") as scope:
        v = tf.get_variable("v", [2])
        assert scope.reuse is False
        scope.reuse_variables()
        assert scope.reuse is True and tf.get_variable_scope().reuse is True
        assert tf.get_variable("v", [2]) is v
        with pytest.raises(ValueError, match="does not exist"):
            tf.get_variable("new", [2])
    with tf.variable_scope("s"):                       # a new entry does not reuse
        with pytest.raises(ValueError, match="already exists"):
            tf.get_variable("v", [2])
    tf.get_variable_scope().reuse_variables()         # the root scope, for this graph
    with tf.variable_scope("s"):
        assert tf.get_variable("v") is v


def test_auto_reuse():
    with tf.variable_scope("s", reuse=tf.AUTO_REUSE) as scope:
        a = tf.get_variable("a", [1])
        assert tf.get_variable("a", [1]) is a
        with tf.variable_scope("child") as child:
            assert child.reuse is tf.AUTO_REUSE
            b = tf.get_variable("b", [1])
    with tf.variable_scope("s", reuse=tf.AUTO_REUSE):
        assert tf.get_variable("a", [1]) is a
        with tf.variable_scope("child"):
            assert tf.get_variable("b", [1]) is b
    with tf.variable_scope(scope) as again:
        assert again.reuse is tf.AUTO_REUSE and tf.get_variable("a") is a
    assert [v.name for v in tf.global_variables()] == ["s/a:0", "s/child/b:0"]


def test_function_called_twice_with_auto_reuse(session):
    def layer(x):
        with tf.variable_scope("dense", reuse=tf.AUTO_REUSE):
            w = tf.get_variable("w", [3, 2], initializer=tf.ones_initializer())
            return tf.matmul(x, w)
    x = tf.placeholder(tf.float32, [None, 3])
    y1, y2 = layer(x), layer(x * 2.0)
    assert len(tf.global_variables()) == 1
    sess = session()
    sess.run(tf.global_variables_initializer())
    a, b = sess.run([y1, y2], {x: np.ones((1, 3))})
    assert a.tolist() == [[3.0, 3.0]] and b.tolist() == [[6.0, 6.0]]


def test_shared_variable_is_one_value(session):
    with tf.variable_scope("s"):
        v = tf.get_variable("v", [], initializer=tf.zeros_initializer())
    with tf.variable_scope("s", reuse=True):
        inc = tf.assign_add(tf.get_variable("v", []), 1.0)
    sess = session()
    sess.run(tf.global_variables_initializer())
    sess.run(inc)
    sess.run(inc)
    assert sess.run(v) == 2.0


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
def test_already_exists_error_says_where():
    with tf.variable_scope("conv1"):
        first_line = inspect.currentframe().f_lineno + 1
        tf.get_variable("weights", [5, 5, 32, 32])
    with tf.variable_scope("conv1"):
        with pytest.raises(ValueError) as e:
            tf.get_variable("weights", [5, 5, 32, 32])
    msg = str(e.value)
    assert msg.startswith("Variable conv1/weights already exists, disallowed. Did you mean to "
                          "set reuse=True or reuse=tf.AUTO_REUSE in VarScope? Originally "
                          "defined at:")
    assert f"{__file__}:{first_line} (in test_already_exists_error_says_where)" in msg
    assert "with tf.variable_scope('conv1', reuse=True):" in msg          # the fix
    assert 'tf.get_variable("weights", [5, 5, 32, 32])' in msg      # the source line
    assert "notebook" in msg and "tf.reset_default_graph()" in msg


# The "already exists" hint is chosen by what the program did (issue 21, item 2).
def _image_filter(images):
    with tf.variable_scope("conv1"):
        w = tf.get_variable("weights", [3, 3, 1, 4])
    return tf.nn.conv2d(images, w, strides=[1, 1, 1, 1], padding="SAME") if images else w


def test_already_exists_model_called_twice_suggests_reuse_on_the_second_call():
    first_call = inspect.currentframe().f_lineno + 1
    _image_filter(None)
    with pytest.raises(ValueError) as e:
        second_call = inspect.currentframe().f_lineno + 1
        _image_filter(None)
    msg = str(e.value)
    assert msg.startswith("Variable conv1/weights already exists, disallowed.")
    assert (f"_image_filter() was called a second time, at {__file__}:{second_call} "
            "(in test_already_exists_model_called_twice_suggests_reuse_on_the_second_call):\n"
            "    _image_filter(None)\n"
            f"(the first call was at {__file__}:{first_call}).") in msg
    assert ("    with tf.variable_scope(tf.get_variable_scope(), reuse=True):\n"
            "        _image_filter(None)\n") in msg
    assert "scope.reuse_variables()" in msg
    # reuse=True and scope.reuse_variables() come first; AUTO_REUSE last; no notebook advice
    assert msg.index("reuse=True):\n") < msg.index("reuse_variables()") \
        < msg.rindex("AUTO_REUSE")
    assert "reset_default_graph" not in msg


def test_the_suggested_reuse_shares_the_variables():
    _image_filter(None)
    with tf.variable_scope(tf.get_variable_scope(), reuse=True):
        w2 = _image_filter(None)
    assert [v.name for v in tf.global_variables()] == ["conv1/weights:0"]
    assert w2 is tf.global_variables()[0]
    tf.get_variable("after", [1])          # reuse ended with the block


def test_already_exists_same_line_run_twice_in_a_script_is_a_loop():
    with pytest.raises(ValueError) as e:
        for _ in range(2):
            _image_filter(None)
    msg = str(e.value)
    assert "The same line, reached the same way, made it before: this code ran twice." in msg
    assert "build it once before the loop" in msg
    assert "reuse=i > 0" in msg
    assert "called a second time" not in msg
    assert "reset_default_graph" not in msg       # not a notebook


@pytest.mark.parametrize("cell_files", [
    ("/tmp/ipykernel_4242/2281570932.py",) * 2,                 # ipykernel: the code's hash
    ("<ipython-input-3-5e1f0b2c>", "<ipython-input-7-5e1f0b2c>"),   # IPython: count and hash
])
def test_already_exists_notebook_cell_run_twice_suggests_reset_default_graph(cell_files):
    cell = "with tf.variable_scope('model'):\n    w = tf.get_variable('w', [2])\n"
    exec(compile(cell, cell_files[0], "exec"), {"tf": tf})
    with pytest.raises(ValueError) as e:
        exec(compile(cell, cell_files[1], "exec"), {"tf": tf})
    msg = str(e.value)
    assert "this code ran twice" in msg
    assert msg.index("tf.reset_default_graph()") < msg.index("before the loop")
    assert "called a second time" not in msg


def test_already_exists_two_lines_one_name_suggests_the_scope_with_reuse():
    with tf.variable_scope("dense"):
        tf.get_variable("w", [2])
    with tf.variable_scope("dense"), pytest.raises(ValueError) as e:
        tf.get_variable("w", [2])
    msg = str(e.value)
    assert ("To share it, open its scope with reuse: `with tf.variable_scope('dense', "
            "reuse=True):`") in msg
    assert "called a second time" not in msg and "this code ran twice" not in msg


def test_reuse_in_another_scope_never_suggests_auto_reuse():
    """The notes' `with tf.variable_scope("foo", reuse=True):` around the second call of a
    model first built outside "foo": AUTO_REUSE would make new, unshared variables."""
    _image_filter(None)
    with tf.variable_scope("foo", reuse=True), pytest.raises(ValueError) as e:
        _image_filter(None)
    msg = str(e.value)
    assert msg.startswith("Variable foo/conv1/weights does not exist, or was not created with "
                          "tf.get_variable(). A variable conv1/weights exists: it was made "
                          "outside any variable scope, and this call looks for it in the scope "
                          "'foo'")
    assert "Did you mean to set reuse=tf.AUTO_REUSE" not in msg
    assert "`with tf.variable_scope(tf.get_variable_scope(), reuse=True):`" in msg
    assert ("Do not switch to reuse=tf.AUTO_REUSE here: it would create a new "
            "foo/conv1/weights, not shared with conv1/weights") in msg
    # ...which is what AUTO_REUSE would indeed have done:
    with tf.variable_scope("foo", reuse=tf.AUTO_REUSE):
        _image_filter(None)
    assert len(tf.global_variables()) == 2


def test_reuse_in_a_sibling_scope_names_the_scope_that_has_it():
    with tf.variable_scope("image_filters"):
        _image_filter(None)
    with tf.variable_scope("foo", reuse=True), pytest.raises(ValueError) as e:
        _image_filter(None)
    msg = str(e.value)
    assert ("A variable image_filters/conv1/weights exists: it was made in the scope "
            "'image_filters', and this call looks for it in the scope 'foo'") in msg
    assert "`with tf.variable_scope('image_filters', reuse=True):`" in msg
    assert "Did you mean to set reuse=tf.AUTO_REUSE" not in msg


def test_reuse_of_a_variable_made_nowhere_keeps_tfs_auto_reuse_hint():
    with tf.variable_scope("conv1"):
        tf.get_variable("weights", [1])
    with tf.variable_scope("conv3", reuse=True), pytest.raises(ValueError) as e:
        tf.get_variable("weights", [1])          # only the short name matches: a new variable
    assert "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?" in str(e.value)
    assert "exists: it was made" not in str(e.value)


def test_reuse_of_an_inner_scope_names_the_scope_that_has_it():
    with tf.variable_scope("model"):
        _image_filter(None)
    with tf.variable_scope("", reuse=True), pytest.raises(ValueError) as e:
        _image_filter(None)
    msg = str(e.value)
    assert "A variable model/conv1/weights exists: it was made in the scope 'model'" in msg
    assert "`with tf.variable_scope('model', reuse=True):`" in msg
    assert "Did you mean to set reuse=tf.AUTO_REUSE" not in msg
    with tf.variable_scope("model", reuse=True):            # the suggested fix works
        assert _image_filter(None) is tf.global_variables()[0]


def test_does_not_exist_error():
    with tf.variable_scope("foo", reuse=True):
        with pytest.raises(ValueError) as e:
            tf.get_variable("bar", [1])
    assert str(e.value).startswith(
        "Variable foo/bar does not exist, or was not created with tf.get_variable(). Did you "
        "mean to set reuse=tf.AUTO_REUSE in VarScope?")
    with tf.variable_scope("foo"):
        tf.Variable(1.0, name="made_by_variable")
    with tf.variable_scope("foo", reuse=True):
        with pytest.raises(ValueError, match="made with tf.Variable"):
            tf.get_variable("made_by_variable", [])


def test_shape_and_dtype_conflicts():
    with tf.variable_scope("s"):
        tf.get_variable("w", [5, 5, 32, 32])
    with tf.variable_scope("s", reuse=True):
        with pytest.raises(ValueError) as e:
            tf.get_variable("w", [5, 5, 32, 64])
        assert str(e.value) == ("Trying to share variable s/w, but specified shape "
                                "(5, 5, 32, 64) and found shape (5, 5, 32, 32).")
        with pytest.raises(ValueError) as e:
            tf.get_variable("w", [5, 5, 32, 32], dtype=tf.float64)
        assert str(e.value) == ("Trying to share variable s/w, but specified dtype float64 and "
                                "found dtype float32.")
        assert tf.get_variable("w").shape.as_list() == [5, 5, 32, 32]   # no shape: any


def test_creation_errors():
    with pytest.raises(ValueError, match=r"Shape of a new variable \(v\) must be fully defined"):
        tf.get_variable("v")
    with pytest.raises(ValueError, match="must be fully defined"):
        tf.get_variable("v", [None, 3])
    with pytest.raises(ValueError, match="do not specify shape"):
        tf.get_variable("c", [2], initializer=tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="don't match"):
        tf.get_variable("c", dtype=tf.float64, initializer=tf.constant([1.0, 2.0]))
    with pytest.raises(ValueError, match="reuse=True cannot be used without a name_or_scope"):
        with tf.variable_scope(None, default_name="d", reuse=True):
            pass
    with pytest.raises(TypeError, match="default_name is None"):
        tf.variable_scope(None)
    with pytest.raises(TypeError, match="string or VariableScope"):
        tf.variable_scope(3)
    with pytest.raises(ValueError, match="reuse parameter"):
        tf.variable_scope("s", reuse="yes")
    with pytest.raises(NotImplementedError, match="partition"):
        tf.get_variable("p", [4], partitioner=lambda shape, dtype: [2])
    assert tf.global_variables() == []


def test_scope_object_can_be_entered_again_but_not_nested():
    vs = tf.variable_scope("s")
    with vs as a:
        v = tf.get_variable("v", [1])
        with pytest.raises(RuntimeError, match="already entered"):
            with vs:
                pass
    with vs as b:
        with pytest.raises(ValueError, match="already exists"):
            tf.get_variable("v", [1])
        assert tf.add(v, 1.0).op.name == "s_1/Add"
    assert a.name == b.name == "s"


def test_bad_scope_name_leaves_graph_clean():
    with pytest.raises(ValueError, match="not a valid scope name"):
        with tf.variable_scope("bad name!"):
            pass
    assert tf.get_variable_scope().name == ""
    tf.reset_default_graph()                    # no graph was left on the default stack


def test_error_leaves_scopes_clean():
    with pytest.raises(RuntimeError):
        with tf.variable_scope("s"):
            with tf.name_scope("n"):
                raise RuntimeError("boom")
    assert tf.get_variable_scope().name == "" and tf.get_default_graph().get_name_scope() == ""
    assert tf.add(1.0, 2.0).op.name == "Add"


# --------------------------------------------------------------------------------------------
# Initializers, dtypes, collections
# --------------------------------------------------------------------------------------------
def test_default_initializers(session):
    w = tf.get_variable("w", [100, 50])
    i = tf.get_variable("i", [3], dtype=tf.int32)
    b = tf.get_variable("b", [2], dtype=tf.bool)
    sess = session()
    sess.run(tf.global_variables_initializer())
    wv = sess.run(w)
    limit = np.sqrt(6.0 / 150)
    assert abs(wv).max() <= limit and wv.std() > 0.5 * limit / np.sqrt(3)   # Glorot uniform
    assert sess.run(i).tolist() == [0, 0, 0] and sess.run(b).tolist() == [False, False]


def test_initializer_as_value(session):
    a = tf.get_variable("a", initializer=tf.constant([[1, 2, 3]]))
    b = tf.get_variable("b", initializer=np.array([1.5, 2.5]))
    c = tf.get_variable("c", initializer=[1.0, 2.0], dtype=tf.float64)
    d = tf.get_variable("d", initializer=7)
    assert (a.shape.as_list(), a.dtype) == ([1, 3], tf.int32)
    assert (b.shape.as_list(), b.dtype) == ([2], tf.float64)
    assert (c.dtype, d.dtype, d.shape.as_list()) == (tf.float64, tf.int32, [])
    sess = session()
    sess.run(tf.global_variables_initializer())
    assert sess.run(a).tolist() == [[1, 2, 3]] and sess.run(c).tolist() == [1.0, 2.0]
    assert sess.run(d) == 7
    with tf.variable_scope("", reuse=True):
        assert tf.get_variable("b", dtype=tf.float64) is b
        assert tf.get_variable("a", dtype=tf.int32) is a
        with pytest.raises(ValueError, match="specified dtype float32"):
            tf.get_variable("a")          # as TF1: the dtype defaults to the scope's


def test_initializer_class_and_callable(session):
    v = tf.get_variable("v", [2], initializer=tf.ones_initializer)      # a class works too
    w = tf.get_variable("w", [2], initializer=lambda shape, dtype, partition_info:
                        tf.constant(np.full(shape, 4.0), dtype=dtype))
    sess = session()
    sess.run(tf.global_variables_initializer())
    assert sess.run(v).tolist() == [1.0, 1.0] and sess.run(w).tolist() == [4.0, 4.0]


def test_scope_initializer_is_inherited_and_overridden(session):
    with tf.variable_scope("s", initializer=tf.constant_initializer(3.0)):
        a = tf.get_variable("a", [1])
        with tf.variable_scope("child"):
            b = tf.get_variable("b", [1])
            c = tf.get_variable("c", [1], initializer=tf.constant_initializer(5.0))
        with tf.variable_scope("other", initializer=tf.constant_initializer(4.0)) as other:
            d = tf.get_variable("d", [1])
    with tf.variable_scope(other):                            # a scope object keeps its own
        e = tf.get_variable("e", [1])
    f = tf.get_variable("f", [1], initializer=tf.zeros_initializer())
    sess = session()
    sess.run(tf.global_variables_initializer())
    assert [float(sess.run(x)[0]) for x in (a, b, c, d, e, f)] == [3, 3, 5, 4, 4, 0]


def test_scope_dtype_is_inherited():
    with tf.variable_scope("s", dtype=tf.float64) as scope:
        with tf.variable_scope("c"):
            v = tf.get_variable("v", [1])
    assert scope.dtype is tf.float64 and v.dtype is tf.float64


def test_trainable_collections_and_local_variables(session):
    with tf.variable_scope("s") as scope:
        a = tf.get_variable("a", [1])
        b = tf.get_variable("b", [1], trainable=False)
        c = tf.get_variable("c", [1], collections=["mine"])
        d = tf.get_local_variable("d", [1], initializer=tf.ones_initializer())
    assert tf.global_variables() == [a, b] and tf.trainable_variables() == [a, c]
    assert tf.get_collection("mine") == [c] and tf.local_variables() == [d]
    assert scope.global_variables() == [a, b] and scope.trainable_variables() == [a, c]
    assert scope.local_variables() == [d]
    sess = session()
    sess.run(tf.local_variables_initializer())
    assert sess.run(d).tolist() == [1.0]


def test_regularizer(session):
    with tf.variable_scope("s", regularizer=lambda w: tf.reduce_sum(w * w)):
        w = tf.get_variable("w", [2], initializer=tf.constant_initializer(3.0))
        tf.get_variable("nothing", [1], regularizer=lambda w: None)
    losses = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 1 and losses[0].op.name.startswith("s/w/Regularizer/")
    sess = session()
    sess.run(w.initializer)
    assert sess.run(losses[0]) == 18.0


def test_custom_getter():
    calls = []

    def getter(next_getter, name, *args, **kwargs):
        calls.append(name)
        kwargs["trainable"] = False
        return next_getter(name, *args, **kwargs)

    with tf.variable_scope("s", custom_getter=getter):
        v = tf.get_variable("v", [1])
    assert calls == ["s/v"] and not v.trainable and v.name == "s/v:0"


# --------------------------------------------------------------------------------------------
# Graphs
# --------------------------------------------------------------------------------------------
def test_each_graph_has_its_own_variables():
    g1, g2 = tf.Graph(), tf.Graph()
    with g1.as_default():
        with tf.variable_scope("s"):
            v1 = tf.get_variable("v", [1])
    with g2.as_default():
        with tf.variable_scope("s"):
            v2 = tf.get_variable("v", [1])               # no conflict: another graph
        assert tf.get_variable_scope().name == ""
    assert v1.graph is g1 and v2.graph is g2 and v1 is not v2
    tf.reset_default_graph()
    tf.get_variable("v", [1])
    tf.reset_default_graph()
    tf.get_variable("v", [1])                            # "ran the cell twice" fixed


def test_values_pick_the_graph():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(1.0)
    with tf.variable_scope("s", values=[x]):
        v = tf.get_variable("v", [1])
        assert tf.get_default_graph() is g
    assert v.graph is g and tf.get_default_graph() is not g


# --------------------------------------------------------------------------------------------
# The notes' image-filter example, verbatim
# --------------------------------------------------------------------------------------------
# The functions are the notes' own, kept once in tests/test_notes.py.
from test_notes import my_image_filter  # noqa: E402


@_needs_conv
def test_notes_example_shares_variables(session):
    image1 = tf.placeholder(tf.float32, [1, 6, 6, 32], name="image1")
    image2 = tf.placeholder(tf.float32, [1, 6, 6, 32], name="image2")
    with tf.variable_scope("image_filters") as scope:
        result1 = my_image_filter(image1)
        scope.reuse_variables()
        result2 = my_image_filter(image2)
    assert [v.name for v in tf.global_variables()] == [
        "image_filters/conv1/weights:0", "image_filters/conv1/biases:0",
        "image_filters/conv2/weights:0", "image_filters/conv2/biases:0"]
    assert result1.shape.as_list() == result2.shape.as_list() == [1, 6, 6, 32]
    sess = session()
    sess.run(tf.global_variables_initializer())
    img = np.random.default_rng(0).standard_normal((1, 6, 6, 32)).astype(np.float32)
    r1, r2 = sess.run([result1, result2], {image1: img, image2: img})
    assert np.array_equal(r1, r2) and r1.min() >= 0 and r1.max() > 0


@_needs_conv
def test_notes_example_without_reuse_fails():
    image1 = tf.placeholder(tf.float32, [1, 6, 6, 32])
    my_image_filter(image1)
    with pytest.raises(ValueError, match="Variable conv1/weights already exists, disallowed"):
        my_image_filter(image1)


@_needs_conv
def test_notes_example_with_tf_variable_makes_two_sets():
    def my_image_filter(input_images):
        conv1_weights = tf.Variable(tf.random_normal([5, 5, 32, 32]), name="conv1_weights")
        conv1_biases = tf.Variable(tf.zeros([32]), name="conv1_biases")
        conv1 = tf.nn.conv2d(input_images, conv1_weights, strides=[1, 1, 1, 1], padding='SAME')
        relu1 = tf.nn.relu(conv1 + conv1_biases)
        conv2_weights = tf.Variable(tf.random_normal([5, 5, 32, 32]), name="conv2_weights")
        conv2_biases = tf.Variable(tf.zeros([32]), name="conv2_biases")
        conv2 = tf.nn.conv2d(relu1, conv2_weights, strides=[1, 1, 1, 1], padding='SAME')
        return tf.nn.relu(conv2 + conv2_biases)
    if not hasattr(tf, "zeros"):
        pytest.skip("tf.zeros missing")
    image1 = tf.placeholder(tf.float32, [1, 6, 6, 32])
    my_image_filter(image1)
    my_image_filter(image1)
    assert len(tf.global_variables()) == 8
    assert tf.global_variables()[4].name == "conv1_weights_1:0"


@_needs_conv
def test_notes_example_names_match_tf1(tf1):
    def build(t):
        def conv_relu(input, kernel_shape, bias_shape):
            weights = t.get_variable("weights", kernel_shape,
                                     initializer=t.random_normal_initializer())
            biases = t.get_variable("biases", bias_shape,
                                    initializer=t.constant_initializer(0.0))
            conv = t.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding='SAME')
            return t.nn.relu(conv + biases)

        def my_image_filter(input_images):
            with t.variable_scope("conv1"):
                relu1 = conv_relu(input_images, [5, 5, 32, 32], [32])
            with t.variable_scope("conv2"):
                return conv_relu(relu1, [5, 5, 32, 32], [32])
        image = t.placeholder(t.float32, [1, 6, 6, 32], name="image")
        with t.variable_scope("image_filters") as scope:
            my_image_filter(image)
            scope.reuse_variables()
            my_image_filter(image)
        return [op.name for op in t.get_default_graph().get_operations()]
    with tf.Graph().as_default():
        ours = build(tf)
    with _tf1_graph(tf1):
        theirs = build(tf1)
    assert ours == theirs
