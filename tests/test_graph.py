"""Graphs, operations, tensors, shapes and dtypes (flowkit/framework): TF1's names and API,
compared with TF1 where the same program can run on both."""
import contextlib

import numpy as np
import pytest

import flowkit as tf


# -- naming ------------------------------------------------------------------------------------
def test_unique_names_are_case_insensitive():
    a = tf.constant(1.0, name="Add")
    b = tf.add(a, a)
    c = a + a
    d = tf.add(a, a, name="Add")
    assert [t.op.name for t in (a, b, c, d)] == ["Add", "Add_1", "add_2", "Add_3"]


def test_taken_names_are_skipped():
    x = tf.placeholder(tf.float32, name="x")
    x1 = tf.placeholder(tf.float32, name="x_1")
    x2 = tf.placeholder(tf.float32, name="x")
    x3 = tf.placeholder(tf.float32, name="x")
    assert [t.op.name for t in (x, x1, x2, x3)] == ["x", "x_1", "x_2", "x_3"]


def test_operator_names_are_lower_case():
    a = tf.constant(2.0)
    names = [(a + a).op.name, (a - a).op.name, (a * a).op.name, (a / a).op.name,
             (-a).op.name, tf.add(a, a).op.name, tf.multiply(a, a).op.name]
    assert names == ["add", "sub", "mul", "truediv", "Neg", "Add_1", "Mul_1"]
    i = tf.constant(3)
    assert (i / i).op.name == "truediv_1" and (i / i).dtype is tf.float64


def test_name_scopes_nest_reenter_and_reset():
    a = tf.constant(1.0, name="a")
    with tf.name_scope("layer") as scope:
        assert scope == "layer/"
        b = a * 2.0
        with tf.name_scope("inner") as inner:
            assert inner == "layer/inner/"
            c = tf.identity(a)
        with tf.name_scope("inner") as again:
            assert again == "layer/inner_1/"
        with tf.name_scope("layer/") as absolute:
            assert absolute == "layer/"
            d = tf.identity(a)
        with tf.name_scope(None) as top:
            assert top == ""
            e = tf.identity(a)
        with tf.name_scope("") as top2:
            assert top2 == ""
    with tf.name_scope("layer") as second:
        assert second == "layer_1/"
    with tf.name_scope("Layer") as third:
        assert third == "Layer_2/"
    names = [t.op.name for t in (b, c, d, e)]
    assert names == ["layer/mul", "layer/inner/Identity", "layer/Identity", "Identity"]


def test_name_scope_with_default_name_and_values():
    a = tf.constant(1.0)
    with tf.name_scope(None, "Default", [a]) as scope:
        assert scope == "Default/"
    with tf.name_scope("given", "Default", [a]) as scope:
        assert scope == "given/"
    with pytest.raises(ValueError):
        with tf.name_scope(None, None, [a]):
            pass


def test_op_name_ending_with_slash_is_absolute():
    with tf.name_scope("s") as scope:
        a = tf.identity(tf.constant(1.0), name=scope)
    assert a.op.name == "s"


def test_invalid_names():
    with pytest.raises(ValueError, match="not a valid"):
        tf.constant(1, name="bad name")
    with pytest.raises(ValueError, match="not a valid scope name"):
        with tf.name_scope("bad name!"):
            pass
    with pytest.raises(TypeError):
        with tf.name_scope(3):
            pass


def test_get_name_scope_and_unique_name():
    g = tf.get_default_graph()
    with tf.name_scope("q"):
        with tf.name_scope("r"):
            assert g.get_name_scope() == "q/r"
            assert g.unique_name("foo") == "q/r/foo"
    assert g.get_name_scope() == ""
    assert g.unique_name("foo") == "foo"
    assert g.unique_name("foo") == "foo_1"
    assert g.unique_name("foo", mark_as_used=False) == "foo_2"
    assert g.unique_name("foo") == "foo_2"


def test_variable_names():
    v = tf.Variable(1.0, name="var")
    w = tf.Variable(1.0, name="var")
    assert (v.name, w.name) == ("var:0", "var_1:0")
    assert (v.initializer.name, v.value().name) == ("var/Assign", "var/read:0")


def _naming_program(tf_):
    out = []
    a = tf_.constant(1.0, name="Add")
    out += [t.name for t in (a, tf_.add(a, a), a + a, tf_.add(a, a, name="Add"),
                             tf_.add(a, a, name="add_1"), tf_.add(a, a))]
    with tf_.name_scope("s"):
        g = a * 2.0
        with tf_.name_scope("t") as sc:
            out.append(sc)
            h = a / 2.0
        with tf_.name_scope("t") as sc:
            out.append(sc)
    with tf_.name_scope("s") as sc:
        out.append(sc)
        with tf_.name_scope("s/") as sc2:
            out.append(sc2)
            i = tf_.identity(a)
        with tf_.name_scope(None) as sc3:
            out.append(sc3)
            j = tf_.identity(a)
        k = tf_.identity(a, name="S")
    with tf_.name_scope("S"):
        m = tf_.identity(a)
    out += [t.name for t in (g, h, i, j, k, m)]
    out += [tf_.placeholder(tf_.float32, name=n).name for n in ("x", "X", "x_1", "x")]
    q, r = tf_.Variable(1.0, name="var"), tf_.Variable(1.0, name="var")
    out += [q.name, r.name, q.initializer.name, r.initializer.name]
    out += [(a - 1.0).name, (-a).name, (a * a).name, tf_.matmul([[1.0]], [[2.0]]).name,
            tf_.reduce_sum(a).name, tf_.identity(a, name="x").name]
    g_ = tf_.get_default_graph()
    out += [g_.unique_name("foo"), g_.unique_name("foo"), g_.unique_name("Foo", False)]
    with tf_.name_scope("outer"):
        out += [g_.get_name_scope(), tf_.constant(1).name]
        with tf_.name_scope("outer/") as sc:
            out.append(sc)
    return out


def test_names_match_tf1(tf1):
    with tf1.Graph().as_default():
        ref = _naming_program(tf1)
    with tf.Graph().as_default():
        got = _naming_program(tf)
    assert got == ref


# -- graph API ---------------------------------------------------------------------------------
def test_as_default_and_get_operations():
    g = tf.Graph()
    assert tf.get_default_graph() is not g
    with g.as_default() as entered:
        assert entered is g and tf.get_default_graph() is g
        a = tf.constant(1.0, name="a")
        b = tf.identity(a, name="b")
    assert a.graph is g and b.op.graph is g
    assert [op.name for op in g.get_operations()] == ["a", "b"]
    assert tf.get_default_graph().get_operations() == []


def test_reset_default_graph():
    tf.constant(1.0)
    old = tf.get_default_graph()
    tf.reset_default_graph()
    assert tf.get_default_graph() is not old
    with tf.Graph().as_default():
        with pytest.raises(AssertionError):
            tf.reset_default_graph()


def test_lookup_by_name():
    g = tf.get_default_graph()
    a = tf.constant([[1.0, 2.0]], name="a")
    b = tf.add(a, a, name="b")
    assert g.get_operation_by_name("b") is b.op
    assert g.get_tensor_by_name("b:0") is b
    assert g.as_graph_element("b") is b.op and g.as_graph_element("b:0") is b
    assert g.as_graph_element(b) is b and g.as_graph_element(b.op) is b.op


@pytest.mark.parametrize("call, exc, text", [
    (lambda g: g.get_operation_by_name("b:0"), ValueError, "appears to refer to a Tensor"),
    (lambda g: g.get_operation_by_name("zzz"), KeyError, "refers to an Operation not in"),
    (lambda g: g.get_tensor_by_name("b"), ValueError, "refers to an Operation, not a Tensor"),
    (lambda g: g.get_tensor_by_name("zz"), ValueError, "looks like an \\(invalid\\) Operation"),
    (lambda g: g.get_tensor_by_name("b:1"), KeyError, "exists but only has 1 outputs"),
    (lambda g: g.get_tensor_by_name("zz:0"), KeyError, "'zz', does not exist"),
    (lambda g: g.get_tensor_by_name("b:x"), ValueError, "not a valid one"),
    (lambda g: g.get_operation_by_name(3), TypeError, "strings"),
    (lambda g: g.as_graph_element(3), TypeError,
     "Can not convert a int into a Tensor or Operation"),
    (lambda g: g.as_graph_element(g.get_tensor_by_name("b:0"), allow_tensor=False), TypeError,
     "into a Operation"),
    (lambda g: g.as_graph_element(g.get_operation_by_name("b"), allow_operation=False),
     TypeError, "into a Tensor"),
])
def test_lookup_errors(call, exc, text):
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0, name="a")
        tf.add(a, a, name="b")
    with pytest.raises(exc, match=text):
        call(g)


def test_element_of_another_graph():
    g = tf.Graph()
    other = tf.constant(1.0)
    with pytest.raises(ValueError, match="not an element of this graph"):
        g.as_graph_element(other)
    with pytest.raises(ValueError, match="not an element of this graph"):
        g.as_graph_element(other.op)


def test_collections():
    g = tf.get_default_graph()
    a = tf.constant(1.0, name="a")
    b = tf.constant(1.0, name="b")
    tf.add_to_collection("c", 1)
    tf.add_to_collection("c", a)
    tf.add_to_collections(["d", "e"], 2)
    tf.add_to_collections("f", b)
    assert tf.get_collection("c") == [1, a]
    assert tf.get_collection("d") == [2] and tf.get_collection("f") == [b]
    assert tf.get_collection("nope") == []
    assert tf.get_collection("c", scope="a") == [a]
    assert sorted(g.get_all_collection_keys()) == ["c", "d", "e", "f"]
    got = tf.get_collection("c")
    got.append(3)                              # a copy
    assert tf.get_collection("c") == [1, a]
    ref = tf.get_collection_ref("c")
    ref.append(3)                              # the live list
    assert tf.get_collection("c") == [1, a, 3]
    g.clear_collection("c")
    assert tf.get_collection("c") == []
    v = tf.Variable(1.0, name="v")
    assert tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES) == [v]
    assert tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES) == [v]


def test_control_dependencies():
    c = tf.constant(1.0, name="c")
    a = tf.no_op(name="a")
    b = tf.no_op(name="b")
    with tf.control_dependencies([a]):
        x = tf.identity(c)
        y = tf.identity(x)                     # x already waits for a
        with tf.control_dependencies([b]):
            z = tf.identity(c)
        with tf.control_dependencies(None):
            free = tf.identity(c)
        w = tf.identity(free)
    assert [o.name for o in x.op.control_inputs] == ["a"]
    assert y.op.control_inputs == []
    assert [o.name for o in z.op.control_inputs] == ["a", "b"]
    assert free.op.control_inputs == [] and [o.name for o in w.op.control_inputs] == ["a"]
    with tf.control_dependencies([x]):       # a tensor means its op
        t = tf.identity(c)
    assert t.op.control_inputs == [x.op]
    v = tf.Variable(1.0)
    with tf.control_dependencies([v]):       # a variable means its node
        u = tf.identity(c)
    assert u.op.control_inputs == [v.op]
    with pytest.raises(TypeError):
        with tf.control_dependencies([1]):
            pass


def _control_program(tf_):
    c = tf_.constant(1.0, name="c")
    a = tf_.no_op(name="a")
    with tf_.control_dependencies([a]):
        x = tf_.identity(c)
        y = tf_.identity(x)
        with tf_.control_dependencies(None):
            z = tf_.identity(c)
        w = tf_.identity(z)
        u = tf_.add(x, z)
        with tf_.control_dependencies([a]):
            q = tf_.identity(x)
        with tf_.control_dependencies([c]):
            r = tf_.identity(c)
            s = tf_.identity(y)
    return [[i.name for i in t.op.control_inputs] for t in (x, y, z, w, u, q, r, s)]


def test_control_dependencies_match_tf1(tf1):
    with tf1.Graph().as_default():
        ref = _control_program(tf1)
    assert _control_program(tf) == ref


def _device_program(tf_):
    out = []
    for specs in [("/cpu:0",), ("/gpu:1",), ("/device:GPU:0",), ("cpu:0",), ("/CPU:0",),
                  ("/job:w",), ("/job:w", "/gpu:1"), ("/gpu:1", "/job:w"), ("/gpu:1", "/cpu:0"),
                  ("/gpu:1", None), ("/gpu:1", ""), ("/job:w/task:1", "/replica:0"),
                  ("/cpu",), ("/device:cpu:0",), ("GPU:0",)]:
        with contextlib.ExitStack() as stack:
            for s in specs:
                stack.enter_context(tf_.device(s))
            out.append(tf_.constant(1).op.device)
    return out


def test_devices_match_tf1(tf1):
    with tf1.Graph().as_default():
        ref = _device_program(tf1)
    assert _device_program(tf) == ref


def test_device_on_ops_and_tensors():
    with tf.device("/cpu:0"):
        a = tf.constant(1.0)
    assert a.device == a.op.device == "/device:CPU:0"
    assert tf.constant(2.0).device == ""


def test_finalize():
    g = tf.Graph()
    with g.as_default():
        tf.constant(1.0)
        g.finalize()
        assert g.finalized
        with pytest.raises(RuntimeError, match="finalized"):
            tf.constant(2.0)


def test_ops_from_another_graph_are_rejected():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0)
    b = tf.constant(2.0)
    with pytest.raises(ValueError, match="same graph"):
        tf.add(a, b)


def test_operation_api():
    a = tf.constant([1.0, 2.0], name="a")
    b = tf.add(a, a, name="b")
    op = b.op
    assert op.type == "Add" and op.name == "b"
    assert list(op.inputs) == [a, a] and op.outputs == [b] and op.values() == (b,)
    assert op.control_inputs == [] and op.graph is tf.get_default_graph()
    assert a.op.get_attr("dtype") is tf.float32
    with pytest.raises(ValueError, match="no attr named 'nope'"):
        op.get_attr("nope")
    assert "test_graph.py" in op.creation_site
    assert op.node_def["name"] == "b" and op.node_def["op"] == "Add"


# -- tensor API --------------------------------------------------------------------------------
def test_tensor_api():
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    u = tf.placeholder(tf.int32, name="u")
    y = x * 2.0
    assert (x.name, x.op.name, x.value_index, x.dtype) == ("x:0", "x", 0, tf.float32)
    assert x.shape.as_list() == [None, 4] and x.get_shape() is x.shape
    assert u.shape.ndims is None and str(u.shape) == "<unknown>"
    assert x.consumers() == [y.op]
    assert str(x) == 'Tensor("x:0", shape=(?, 4), dtype=float32)'
    assert repr(x) == "<tf.Tensor 'x:0' shape=(?, 4) dtype=float32>"
    assert x.graph is tf.get_default_graph()
    with pytest.raises(TypeError, match="as a Python `bool`"):
        bool(x)
    with pytest.raises(TypeError):
        if y:
            pass
    with pytest.raises(TypeError):
        iter(x)
    with pytest.raises(TypeError):
        len(x)
    assert len({x, y}) == 2 and x in {x}


def test_set_shape():
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    x.set_shape([3, None])
    assert x.shape.as_list() == [3, 4]
    with pytest.raises(ValueError, match="Dimension 1 in both shapes must be equal, but are 4 "
                                         "and 5. Shapes are \\[3,4\\] and \\[3,5\\]."):
        x.set_shape([3, 5])
    with pytest.raises(ValueError, match="Shapes must be equal rank, but are 2 and 1"):
        x.set_shape([3])
    u = tf.placeholder(tf.float32)
    u.set_shape(tf.TensorShape([2, None]))
    assert u.shape.as_list() == [2, None]


# -- TensorShape and Dimension -----------------------------------------------------------------
S = tf.TensorShape


def test_tensor_shape_queries():
    s = S([None, 4])
    assert s.as_list() == [None, 4] and s.ndims == 2 and s.rank == 2
    assert not s.is_fully_defined() and s.num_elements() is None
    assert S([2, 3]).num_elements() == 6 and S([]).is_fully_defined() and S([]).ndims == 0
    assert S(None).ndims is None and not S(None).is_fully_defined()
    with pytest.raises(ValueError, match="unknown TensorShape"):
        S(None).as_list()
    assert s[1].value == 4 and s[0].value is None and S([1, 2, 3])[1:].as_list() == [2, 3]
    assert S(None)[0].value is None and len(s) == 2
    with pytest.raises(ValueError):
        len(S(None))
    assert [str(d) for d in s] == ["?", "4"] and s.dims[1].value == 4
    assert S(5).as_list() == [5]
    with pytest.raises(ValueError):
        S([-1])


def test_tensor_shape_printing():
    assert str(S([None, 4])) == "(?, 4)"
    assert str(S([3])) == "(3,)" and str(S([])) == "()" and str(S(None)) == "<unknown>"
    assert repr(S([None, 4])) == "TensorShape([Dimension(None), Dimension(4)])"
    assert repr(S(None)) == "TensorShape(None)"


def test_tensor_shape_merging_and_compatibility():
    assert S([None, 4]).merge_with([3, None]).as_list() == [3, 4]
    assert S([None, 4]).merge_with(S(None)).as_list() == [None, 4]
    assert S(None).merge_with([1]).as_list() == [1]
    with pytest.raises(ValueError, match=r"Shapes \(2, 4\) and \(3, 4\) are not compatible"):
        S([2, 4]).merge_with([3, 4])
    with pytest.raises(ValueError):
        S([2, 4]).merge_with([2])
    assert S([None, 4]).is_compatible_with([3, 4])
    assert not S([None, 4]).is_compatible_with([3, 5])
    assert S(None).is_compatible_with([1, 2, 3]) and not S([1]).is_compatible_with([1, 1])
    assert S([3, 4]).concatenate([5]).as_list() == [3, 4, 5]
    assert S([3, 4]).concatenate(S(None)).ndims is None
    assert S([None, 3]).with_rank(2).as_list() == [None, 3]
    with pytest.raises(ValueError, match="must have rank 3"):
        S([None, 3]).with_rank(3)
    with pytest.raises(ValueError):
        S([None, 3]).assert_is_compatible_with([2, 4])
    assert S([1, 2]).most_specific_compatible_shape([1, 3]).as_list() == [1, None]
    assert S([1, 2]).most_specific_compatible_shape([1]).ndims is None


def test_tensor_shape_equality():
    assert S([None, 4]) == S([None, 4]) and S([3, 4]) == [3, 4] and S([3, 4]) != S([3, 5])
    assert S(None) == S(None) and S(None) != S([1])
    assert bool(S([])) and not bool(S(None))
    assert hash(S([3, 4])) == hash(S([3, 4]))


def test_dimension():
    d = tf.Dimension(3)
    assert d == 3 and int(d) == 3 and str(d) == "3" and repr(d) == "Dimension(3)"
    assert (tf.Dimension(None) == 3) is None and str(tf.Dimension(None)) == "?"
    assert d.is_compatible_with(tf.Dimension(None)) and not d.is_compatible_with(4)
    assert d.merge_with(None).value == 3 and tf.Dimension(None).merge_with(5).value == 5
    with pytest.raises(ValueError):
        d.merge_with(4)
    assert (d + 1).value == 4 and (2 * d).value == 6 and (d - 1).value == 2
    assert (d // 2).value == 1 and (7 - d).value == 4 and (tf.Dimension(None) * 2).value is None
    assert d < 4 and d >= 3 and (tf.Dimension(None) < 4) is None
    x = tf.placeholder(tf.float32, [None, 4])
    assert (x.shape[1] * 2).value == 8 and list(range(x.shape[1].value)) == [0, 1, 2, 3]


def test_shapes_match_tf1(tf1):
    def probe(S_, D_):
        return [str(S_([3])), S_([None, 4]).merge_with([3, None]).as_list(),
                S_([None, 4]).is_compatible_with([3, 5]), S_(None).ndims,
                S_([1, 2]).most_specific_compatible_shape([1, 3]).as_list(),
                (D_(3) + 1).value, D_(3).merge_with(None).value, (D_(None) == 3),
                S_([2, 3]).num_elements(), S_([None, 4])[1:].as_list()]
    from tensorflow.python.framework import tensor_shape as tfs
    ref = probe(tfs.TensorShape, tfs.Dimension)
    assert probe(tf.TensorShape, tf.Dimension) == ref


# -- dtypes ------------------------------------------------------------------------------------
def test_as_dtype():
    d = tf.as_dtype
    names = [d(x).name for x in ["float32", np.float64, np.int32, "int64", bool, float, "bool",
                                 np.uint8, "half", "double", "float", np.dtype("int8"),
                                 tf.int16]]
    assert names == ["float32", "float64", "int32", "int64", "bool", "float32", "bool", "uint8",
                     "float16", "float64", "float32", "int8", "int16"]
    assert d("float32") is tf.float32 and d(np.float32) is tf.float32
    with pytest.raises(TypeError):
        d("nope")
    with pytest.raises(TypeError):
        d(np.complex64)


def test_dtype_api():
    assert tf.float32.is_floating and tf.int32.is_integer and tf.bool.is_bool
    assert tf.uint8.is_unsigned and not tf.int8.is_unsigned and not tf.float32.is_integer
    assert (tf.float32.size, tf.float64.size, tf.int8.size, tf.bool.size) == (4, 8, 1, 1)
    assert tf.float32.as_numpy_dtype is np.float32 and tf.bool.as_numpy_dtype is np.bool_
    assert (tf.int32.min, tf.int32.max, tf.uint8.max, tf.int8.min) == \
        (-2**31, 2**31 - 1, 255, -128)
    assert tf.float16.max == 65504.0
    with pytest.raises(TypeError):
        _ = tf.bool.min
    assert repr(tf.float32) == "tf.float32" and str(tf.float32) == "<dtype: 'float32'>"
    assert tf.float32.base_dtype is tf.float32 and tf.float32.real_dtype is tf.float32
    assert tf.half is tf.float16 and tf.double is tf.float64 and tf.string.name == "string"
    assert tf.float32.is_compatible_with(tf.float32)
    assert not tf.float32.is_compatible_with(tf.float64)


def test_dtype_equality_and_hashing():
    assert tf.float32 == tf.float32 and tf.float32 == "float32" and tf.float32 == np.float32
    assert tf.float32 != tf.int32 and tf.float32 != "int32" and tf.float32 != 3
    assert tf.float32 != None  # noqa: E711 - the comparison itself is under test
    assert {tf.float32: 1}[tf.as_dtype("float32")] == 1
    import pickle
    assert pickle.loads(pickle.dumps(tf.int64)) is tf.int64


def test_dtypes_match_tf1(tf1):
    def probe(t):
        return [(d.name, d.is_floating, d.is_integer, d.is_bool, d.is_unsigned, d.size,
                 d.as_numpy_dtype) for d in (t.float16, t.float32, t.float64, t.int8, t.int16,
                                             t.int32, t.int64, t.uint8, t.bool)] + \
            [t.float32 == "float32", t.float32 == t.float64, t.as_dtype("half").name,
             t.int32.max, t.uint8.min]
    assert probe(tf) == probe(tf1)


def test_large_graphs_hold_few_objects_per_op():
    # Same-shaped tensors share one (immutable) TensorShape, and control_inputs is a copy, as
    # in TF1: changing it does not change the op.
    a = tf.placeholder(tf.float32, [16])
    b, c = a * 2.0, a * 3.0
    assert b.shape is c.shape and b.shape == tf.TensorShape([16])
    d = tf.placeholder(tf.float32, [None, 16])
    d.set_shape([4, 16])
    assert d.shape.as_list() == [4, 16]
    with tf.control_dependencies([b.op]):
        e = tf.identity(c)
    deps = e.op.control_inputs
    deps.append(c.op)
    assert e.op.control_inputs == [b.op]


def test_names_starting_with_underscore_are_valid_inside_a_scope_as_in_tf1():
    g = tf.Graph()
    with g.as_default():
        with tf.name_scope("a"):
            with tf.name_scope("_b"):
                c = tf.constant(1.0)
            d = tf.constant(2.0, name="_x")
        assert (c.name, d.name) == ("a/_b/Const:0", "a/_x:0")
        with pytest.raises(ValueError, match="not a valid scope name"):
            with tf.name_scope("_top"):
                pass
        with pytest.raises(ValueError, match="not a valid node name"):
            tf.constant(1.0, name="_top")


def test_a_cell_class_named_with_underscore_runs_in_dynamic_rnn():
    class _Cell(tf.nn.rnn_cell.BasicRNNCell):
        pass
    g = tf.Graph()
    with g.as_default():
        out, _ = tf.nn.dynamic_rnn(_Cell(5), tf.zeros([2, 3, 4]),
                                        dtype=tf.float32)
    assert out.shape.as_list() == [2, 3, 5]
