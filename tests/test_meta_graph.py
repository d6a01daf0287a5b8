"""Meta graphs: the graph stored as JSON data inside the checkpoint, rebuilt from registered
op types only, and run in a fresh process that never built the model."""
import json
import math
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import flowkit as tf
from flowkit.checkpoint import graph_json
from flowkit.checkpoint.graph_json import decode_value, encode_value

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


# --------------------------------------------------------------------------------------------
# Attribute values
# --------------------------------------------------------------------------------------------
ATTRS = [None, True, False, 0, -7, 2**70, 1.5, "SAME", "", [1, 2], (1, (2, [3])), (),
         tf.float32, tf.int64, tf.bool, tf.string, tf.TensorShape(None), tf.TensorShape([]),
         tf.TensorShape([None, 3]), b"\x00\xff", {"a": 1, 2: (3,)},
         slice(1, None, 2), Ellipsis, [slice(None), Ellipsis, None]]


@pytest.mark.parametrize("value", ATTRS, ids=lambda v: type(v).__name__ + repr(v)[:20])
def test_attr_round_trip(value):
    data = json.loads(json.dumps(encode_value(value), allow_nan=False))
    back = decode_value(data)
    assert back == value and type(back) is type(value)


_leaves = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
           | st.binary(max_size=8) | st.sampled_from([tf.float32, tf.int32, tf.bool])
           | st.lists(st.one_of(st.none(), st.integers(0, 9)), max_size=4).map(tf.TensorShape))
_values = st.recursive(_leaves, lambda inner: (
    st.lists(inner, max_size=4) | st.lists(inner, max_size=4).map(tuple)
    | st.dictionaries(st.text(max_size=5), inner, max_size=3)), max_leaves=12)


@settings(max_examples=150, deadline=None)
@given(_values)
def test_any_plain_attr_survives_json(value):
    back = decode_value(json.loads(json.dumps(encode_value(value), allow_nan=False)))
    assert back == value and type(back) is type(value)


@pytest.mark.parametrize("x", [float("inf"), float("-inf"), float("nan")])
def test_non_finite_floats(x):
    back = decode_value(json.loads(json.dumps(encode_value(x), allow_nan=False)))
    assert repr(back) == repr(x)


@pytest.mark.parametrize("arr", [
    np.arange(6, dtype=np.float32).reshape(2, 3), np.array(3.5), np.zeros((0, 2), np.int64),
    np.array([True, False]), np.array([1, -2], np.int8), np.array([255], np.uint8),
    np.array([1e-300, np.inf], np.float64), np.array([0.5], np.float16),
    np.array([[2**31 - 1]], np.int32), np.array([-3], np.int16),
    np.array(["a", b"\x00b"], dtype=object)], ids=lambda a: f"{a.dtype}{a.shape}")
def test_array_round_trip(arr):
    back = decode_value(json.loads(json.dumps(encode_value(arr))))
    assert back.dtype == arr.dtype and back.shape == arr.shape
    assert back.tolist() == arr.tolist()
    assert not back.flags.writeable


def test_numpy_scalars_round_trip():
    for v in (np.float32(1.25), np.int64(-4), np.bool_(True)):
        back = decode_value(json.loads(json.dumps(encode_value(v))))
        assert back == v and type(back) is type(v)


def test_tensors_and_functions_in_attrs_are_refused():
    x = tf.placeholder(tf.float32, [2], name="x")
    g = tf.get_default_graph()
    g.create_op("Identity", [x], {"bad": x}, name="holds_tensor")
    with pytest.raises(TypeError, match="attr 'bad' of op 'holds_tensor'"):
        graph_json.graph_to_dict(g)
    tf.reset_default_graph()
    x = tf.placeholder(tf.float32, [2], name="x")
    tf.get_default_graph().create_op("Identity", [x], {"fn": len}, name="holds_fn")
    with pytest.raises(TypeError, match="builtin_function_or_method"):
        tf.train.export_meta_graph()


@pytest.mark.parametrize("bad", [
    {"$": "pickle", "v": "gASV"}, {"$": "array", "dtype": "object", "shape": [1], "data": ""},
    {"$": "array", "dtype": "float32", "shape": [3], "data": "AAAA"},
    {"$": "array", "dtype": "float32", "shape": [-1], "data": ""},
    {"$": "dtype", "v": "os.system"}, {"$": "shape", "v": [-2]}, {"$": "bytes", "v": "!!"},
    {"$": "op", "v": "nowhere"}, {"x": 1}])
def test_hostile_attr_encodings(bad):
    with pytest.raises(graph_json.GraphFormatError):
        decode_value(bad, {})


# --------------------------------------------------------------------------------------------
# Graphs
# --------------------------------------------------------------------------------------------
def _model():
    tf.set_random_seed(7)
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.int32, [None], name="y")
    with tf.name_scope("dense"):
        W = tf.Variable(tf.random_normal([3, 4], seed=1), name="W")
        b = tf.Variable(tf.zeros([4]), name="b")
    logits = tf.add(tf.matmul(x, W), b, name="logits")
    probs = tf.nn.softmax(logits, name="probs")
    onehot = tf.one_hot(y, 4)
    loss = tf.reduce_mean(-tf.reduce_sum(onehot * tf.log(probs + 1e-6), axis=1), name="loss")
    step = tf.Variable(0, name="global_step", trainable=False)
    grads = tf.gradients(loss, [W, b])
    with tf.control_dependencies([tf.assign_add(step, 1)]):
        train = tf.group(tf.assign_sub(W, 0.1 * grads[0]), tf.assign_sub(b, 0.1 * grads[1]),
                         name="train")
    tf.add_to_collection("train_op", train)
    tf.add_to_collection("logits", logits)
    tf.add_to_collection("settings", "lr=0.1")
    init = tf.global_variables_initializer()
    return x, y, probs, loss, train, init


X = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], np.float32)
Y = np.array([1, 3], np.int32)


def test_round_trip_in_process(tmp_path):
    x, y, probs, loss, train, init = _model()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(init)
        sess.run(train, {x: X, y: Y})
        path = saver.save(sess, str(tmp_path / "model"), global_step=1)
        expected = sess.run(probs, {x: X})
    old_names = [(op.name, op.type, [t.name for t in op.inputs]) for op in
                 tf.get_default_graph().get_operations()]
    g = tf.Graph()
    with g.as_default():
        new_saver = tf.train.import_meta_graph(path + ".meta")
        new_names = [(op.name, op.type, [t.name for t in op.inputs]) for op in
                     g.get_operations()]
        assert sorted(new_names) == sorted(old_names)
        assert [v.name for v in tf.global_variables()] == ["dense/W:0", "dense/b:0",
                                                           "global_step:0"]
        assert [v.name for v in tf.trainable_variables()] == ["dense/W:0", "dense/b:0"]
        assert tf.get_collection("settings") == ["lr=0.1"]
        assert tf.get_collection("logits")[0] is g.get_tensor_by_name("logits:0")
        assert g.seed == 7
        train_op = tf.get_collection("train_op")[0]
        assert sorted(c.name for c in train_op.control_inputs) == ["AssignAdd", "AssignSub",
                                                                   "AssignSub_1"]
        assert tf.add(1.0, 2.0).name == "Add_1:0"        # "add" is taken (case-insensitive)
        assert tf.identity(1.0, name="probs").name == "probs_1:0"
        with tf.Session() as sess:
            new_saver.restore(sess, path)
            np.testing.assert_array_equal(sess.run("probs:0", {"x:0": X}), expected)
            sess.run("init")                             # control inputs work: re-initializes
            assert sess.run("global_step:0") == 0


def test_import_scope_and_existing_names():
    x, y, probs, loss, train, init = _model()
    data = tf.train.export_meta_graph()
    with pytest.raises(tf.errors.InvalidArgumentError, match="already exists"):
        tf.train.import_meta_graph(data)
    saver = tf.train.import_meta_graph(data, import_scope="copy")
    g = tf.get_default_graph()
    copy_probs = g.get_tensor_by_name("copy/probs:0")
    assert "copy/dense/W:0" in [v.name for v in tf.global_variables()]
    with tf.Session() as sess:
        sess.run("copy/init")
        sess.run(init)
        assert copy_probs.eval({"copy/x:0": X}).shape == (2, 4)
        assert sorted(saver._var_map) == ["dense/W", "dense/b", "global_step"]


def test_unknown_op_type_is_named(tmp_path):
    _model()
    data = tf.train.export_meta_graph()
    data["ops"][3]["type"] = "FancyConv9000"
    tf.reset_default_graph()
    with pytest.raises(tf.errors.NotFoundError, match="FancyConv9000"):
        tf.train.import_meta_graph(data)


@pytest.mark.parametrize("damage", ["cycle", "dangling_input", "duplicate", "bad_name",
                                    "wrong_output_dtype", "not_a_graph", "newer"])
def test_malformed_graphs(damage):
    _model()
    data = json.loads(json.dumps(tf.train.export_meta_graph()))
    ops = {op["name"]: op for op in data["ops"]}
    if damage == "cycle":
        ops["logits"]["control_inputs"].append("probs")
    elif damage == "dangling_input":
        ops["probs"]["inputs"] = ["ghost:0"]
    elif damage == "duplicate":
        data["ops"].append(dict(ops["probs"]))
    elif damage == "bad_name":
        ops["probs"]["name"] = "../etc"
    elif damage == "wrong_output_dtype":
        ops["probs"]["outputs"][0][0] = "int32"
    elif damage == "not_a_graph":
        data = {"format": "something else"}
    else:
        data["version"] = 999
    tf.reset_default_graph()
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.train.import_meta_graph(data)


def test_devices_are_kept_or_cleared():
    with tf.device("/cpu:0"):
        device = tf.Variable(1.0, name="v").op.device
    assert device
    data = tf.train.export_meta_graph()
    tf.reset_default_graph()
    tf.train.import_meta_graph(data)
    assert tf.get_default_graph().get_operation_by_name("v").device == device
    tf.reset_default_graph()
    tf.train.import_meta_graph(data, clear_devices=True)
    assert tf.get_default_graph().get_operation_by_name("v").device == ""


def test_standalone_meta_graph_file_and_no_graph(tmp_path):
    x, y, probs, loss, train, init = _model()
    meta = str(tmp_path / "graph.meta")
    tf.train.export_meta_graph(meta)
    with h5py.File(meta, "r") as f:                        # plain HDF5, plain JSON
        text = f["_flowkit/graph"][()].tobytes().decode("utf-8")
        assert json.loads(text)["format"] == "flowkit-graph"
        assert list(f) == ["_flowkit"]
    with tf.Session() as sess:
        sess.run(init)
        no_graph = tf.train.Saver().save(sess, str(tmp_path / "values"),
                                         write_meta_graph=False)
        expected = sess.run(probs, {x: X})
    tf.reset_default_graph()
    saver = tf.train.import_meta_graph(meta)               # no saver stored: all variables
    with tf.Session() as sess:
        saver.restore(sess, no_graph)
        np.testing.assert_array_equal(sess.run("probs:0", {"x:0": X}), expected)
    with pytest.raises(ValueError, match="write_meta_graph=False"):
        tf.train.import_meta_graph(no_graph)
    with pytest.raises(tf.errors.NotFoundError):
        tf.train.import_meta_graph(str(tmp_path / "absent"))
    tf.reset_default_graph()
    tf.placeholder(tf.float32, name="p")
    assert tf.train.import_meta_graph(tf.train.export_meta_graph(), import_scope="s") is None


def test_unregistered_op_is_not_resolved_from_the_file(tmp_path):
    """The type string is looked up in the registry only; a module path does nothing."""
    _model()
    data = tf.train.export_meta_graph()
    data["ops"][0]["type"] = "os.system"
    tf.reset_default_graph()
    with pytest.raises(tf.errors.NotFoundError, match="os.system"):
        tf.train.import_meta_graph(data)


# --------------------------------------------------------------------------------------------
# A fresh process, which never built the model, runs and trains it from the checkpoint.
# --------------------------------------------------------------------------------------------
_FRESH = r"""
import json, sys
import numpy as np
import flowkit as tf
path, spelling = sys.argv[1], sys.argv[2]
saver = tf.train.import_meta_graph({"meta": path + ".meta", "h5": path + ".h5",
                                    "prefix": path}[spelling])
g = tf.get_default_graph()
X = np.array(json.loads(sys.argv[3]), np.float32)
Y = np.array(json.loads(sys.argv[4]), np.int32)
with tf.Session() as sess:
    saver.restore(sess, tf.train.latest_checkpoint(sys.argv[5]))
    probs = sess.run(g.get_tensor_by_name("probs:0"), {"x:0": X})
    sess.run(tf.get_collection("train_op")[0], {"x:0": X, "y:0": Y})
    after = sess.run("loss:0", {"x:0": X, "y:0": Y})
    step = sess.run("global_step:0")
    out = saver.save(sess, sys.argv[5] + "/model", global_step=int(step))
print(json.dumps({"probs": probs.tolist(), "loss": float(after), "step": int(step),
                  "saved": out, "modules": sorted(m for m in sys.modules
                                                   if m.startswith("tests"))}))
"""


@pytest.mark.parametrize("spelling", ["meta", "h5", "prefix"])
def test_fresh_process_runs_and_trains_the_model(tmp_path, spelling):
    x, y, probs, loss, train, init = _model()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(init)
        path = saver.save(sess, str(tmp_path / "model"), global_step=0)
        expected = sess.run(probs, {x: X})
        sess.run(train, {x: X, y: Y})
        expected_loss = sess.run(loss, {x: X, y: Y})
    script = tmp_path / "fresh.py"
    script.write_text(_FRESH)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, os.path.join(ROOT, "plugins"), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, str(script), path, spelling,
                           json.dumps(X.tolist()), json.dumps(Y.tolist()), str(tmp_path)],
                          env=env, cwd=str(tmp_path), capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    out = json.loads(done.stdout.decode().strip().splitlines()[-1])
    np.testing.assert_allclose(out["probs"], expected, rtol=1e-6)
    assert math.isclose(out["loss"], float(expected_loss), rel_tol=1e-5)
    assert out["step"] == 1 and out["saved"] == str(tmp_path / "model-1")
    assert out["modules"] == []
    assert tf.train.latest_checkpoint(str(tmp_path)) == str(tmp_path / "model-1")


@pytest.mark.parametrize("damage", ["const_dtype", "const_not_array", "placeholder_dtype",
                                    "shape_attr"])
def test_attrs_that_break_shape_rules(damage):
    _model()
    data = json.loads(json.dumps(tf.train.export_meta_graph()))
    ops = {op["name"]: op for op in data["ops"]}
    const = next(op for op in data["ops"] if op["type"] == "Const")
    if damage == "const_dtype":
        const["attrs"]["dtype"] = {"$": "dtype", "v": "int64"}
    elif damage == "const_not_array":
        const["attrs"]["value"] = "rm -rf /"
    elif damage == "placeholder_dtype":
        ops["x"]["attrs"]["dtype"] = "float32"
    else:
        ops["x"]["attrs"]["shape"] = 5
    tf.reset_default_graph()
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.train.import_meta_graph(data)


def test_load_graph_for_drawing(tmp_path):
    from flowkit.checkpoint.graph_json import load_graph
    x, y, probs, loss, train, init = _model()
    with tf.Session() as sess:
        sess.run(init)
        path = tf.train.Saver().save(sess, str(tmp_path / "m"))
        plain = tf.train.Saver().save(sess, str(tmp_path / "p"), write_meta_graph=False)
    g = load_graph(path)
    assert g is not tf.get_default_graph()
    assert len(g.get_operations()) == len(tf.get_default_graph().get_operations())
    assert load_graph(plain) is None


# --------------------------------------------------------------------------------------------
# Large constants: datasets of the checkpoint, stored once when a variable has the same bytes
# --------------------------------------------------------------------------------------------
def _graph_text(path):
    with h5py.File(path, "r") as f:
        return f["_flowkit/graph"][()].tobytes().decode("utf-8")


def _refs(path):
    """``{op name: referenced dataset path}`` of the graph stored in ``path``."""
    data = json.loads(_graph_text(path))
    return {e["name"]: e["attrs"]["value"]["path"] for e in data["ops"]
            if e["type"] == "Const" and e["attrs"]["value"].get("$") == "dataset"}


def _embedding_model():
    glove = np.random.default_rng(0).standard_normal((300, 50)).astype(np.float32)
    w0 = np.random.default_rng(1).standard_normal((50, 8)).astype(np.float32)  # 1.6 KB
    emb = tf.Variable(glove, trainable=False, name="emb")     # frozen, as in cs224n
    W = tf.Variable(w0, name="W")
    ids = tf.placeholder(tf.int32, [None], name="ids")
    loss = tf.reduce_sum(tf.matmul(tf.gather(emb, ids), W), name="loss")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, name="train")
    return glove, w0, train


def test_initial_values_equal_to_the_variables_are_stored_once(tmp_path):
    glove, w0, train = _embedding_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = tf.train.Saver().save(sess, str(tmp_path / "m")) + ".h5"
    assert _refs(path) == {"emb/initial_value": "emb", "W/initial_value": "W"}
    with h5py.File(path, "r") as f:
        assert "_flowkit/constants" not in f and f.attrs["flowkit_format_version"] == 1
    assert os.path.getsize(path) < glove.nbytes + w0.nbytes + 40_000      # no second copy
    assert len(_graph_text(path)) < 20_000                  # no base64 of the values
    tf.reset_default_graph()
    saver = tf.train.import_meta_graph(path)
    g = tf.get_default_graph()
    value = g.get_operation_by_name("emb/initial_value").attrs["value"]
    np.testing.assert_array_equal(value, glove)
    assert value.dtype == np.float32 and not value.flags.writeable
    with tf.Session() as sess:
        sess.run(["emb/Assign", "W/Assign"])          # the imported initializers
        np.testing.assert_array_equal(sess.run("emb:0"), glove)
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run("W:0"), w0)


def test_changed_variables_keep_their_initial_values(tmp_path):
    glove, w0, train = _embedding_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {"ids:0": [1, 2, 3]})
        trained = sess.run("W:0")
        path = tf.train.Saver().save(sess, str(tmp_path / "m"), global_step=1) + ".h5"
    assert not np.array_equal(trained, w0)
    # The frozen embedding still equals its initial value: stored once. W changed: its
    # initial value is a dataset of its own, readable with h5py.
    assert _refs(path) == {"emb/initial_value": "emb",
                           "W/initial_value": "_flowkit/constants/W|initial_value:value"}
    with h5py.File(path, "r") as f:
        np.testing.assert_array_equal(f["_flowkit/constants/W|initial_value:value"][()], w0)
        assert f.attrs["flowkit_format_version"] == 2
    tf.reset_default_graph()
    saver = tf.train.import_meta_graph(path)
    g = tf.get_default_graph()
    np.testing.assert_array_equal(g.get_operation_by_name("W/initial_value").attrs["value"], w0)
    with tf.Session() as sess:
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run("W:0"), trained)
        sess.run("W/Assign")                     # the imported initializer: the ORIGINAL value
        np.testing.assert_array_equal(sess.run("W:0"), w0)
        np.testing.assert_array_equal(sess.run("emb:0"), glove)


def test_only_bitwise_equal_values_are_shared(tmp_path):
    """A difference outside the sample the store compares first, and -0.0 against 0.0, both
    keep the constant separate; NaN equals NaN bit for bit, so that one is shared."""
    n = 10_000
    base = np.arange(n, dtype=np.float64)
    a = tf.Variable(base, name="a")
    b = tf.Variable(np.zeros(n), name="b")
    tf.Variable(np.full(n, np.nan), name="c")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a.load(np.concatenate([base[:5001], [-1.0], base[5002:]]), sess)  # off the sample
        b.load(np.full(n, -0.0), sess)
        path = tf.train.Saver().save(sess, str(tmp_path / "m")) + ".h5"
    refs = _refs(path)
    assert refs["a/initial_value"].startswith("_flowkit/constants/")
    assert refs["b/initial_value"].startswith("_flowkit/constants/")
    assert refs["c/initial_value"] == "c"
    tf.reset_default_graph()
    tf.train.import_meta_graph(path)
    ops = tf.get_default_graph()
    np.testing.assert_array_equal(ops.get_operation_by_name("a/initial_value").attrs["value"],
                                  base)
    zero = ops.get_operation_by_name("b/initial_value").attrs["value"]
    assert not np.signbit(zero).any()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int8", "int16", "int32",
                                   "int64", "uint8", "bool"])
def test_large_constants_of_every_dtype(tmp_path, dtype):
    value = (np.arange(3000) % 7).astype(dtype).reshape(30, 100)
    tf.constant(value, name="big")
    small = tf.constant(np.arange(255, dtype=np.float32), name="small")    # 1020 bytes
    edge = tf.constant(np.arange(256, dtype=np.float32), name="edge")      # 1024 bytes
    meta = str(tmp_path / "graph.meta")
    tf.train.export_meta_graph(meta)
    data = json.loads(_graph_text(meta))
    kinds = {e["name"]: e["attrs"]["value"]["$"] for e in data["ops"]}
    assert kinds["small"] == "array" and kinds["edge"] == "dataset"
    # bool is stored by h5py as an enum, which the reader refuses: it stays in the JSON
    assert kinds["big"] == ("array" if dtype == "bool" else "dataset")
    assert data["version"] == 2
    tf.reset_default_graph()
    tf.train.import_meta_graph(meta)
    g = tf.get_default_graph()
    for name, want in (("big", value), ("small", small.op.attrs["value"]),
                       ("edge", edge.op.attrs["value"])):
        got = g.get_operation_by_name(name).attrs["value"]
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    with tf.Session() as sess:
        np.testing.assert_array_equal(sess.run("big:0"), value)


def test_graph_without_large_constants_keeps_version_1(tmp_path):
    tf.constant([1.0, 2.0], name="c")
    meta = str(tmp_path / "graph.meta")
    tf.train.export_meta_graph(meta)
    assert json.loads(_graph_text(meta))["version"] == 1
    with h5py.File(meta, "r") as f:
        assert f.attrs["flowkit_format_version"] == 1


def test_files_in_the_previous_format_still_load(tmp_path):
    """Version 1: every constant as base64 text inside the JSON."""
    value = np.random.default_rng(3).standard_normal((40, 40)).astype(np.float32)
    v = tf.Variable(value, name="v")
    tf.reduce_sum(v, name="y")
    data = tf.train.export_meta_graph()
    assert data["ops"][0]["attrs"]["value"]["$"] == "array"     # the dict stays self-contained
    old = str(tmp_path / "old.h5")
    with h5py.File(old, "w") as f:
        f.attrs["flowkit_format_version"] = 1
        f.attrs["flowkit_version"] = "0.1.0"
        f.attrs["global_step"] = -1
        f["v"] = value * 2
        f["_flowkit/graph"] = np.frombuffer(json.dumps(data).encode(), np.uint8)
    tf.reset_default_graph()
    saver = tf.train.import_meta_graph(old)
    np.testing.assert_array_equal(
        tf.get_default_graph().get_operation_by_name("v/initial_value").attrs["value"], value)
    with tf.Session() as sess:
        saver.restore(sess, old)
        assert sess.run("y:0") == pytest.approx(float((value * 2).sum()), rel=1e-5)
    assert graph_json.load_graph(old) is not None


def test_a_reference_without_its_file_is_an_error(tmp_path):
    tf.Variable(np.zeros(1000, np.float32), name="v")
    meta = str(tmp_path / "graph.meta")
    tf.train.export_meta_graph(meta)
    data = json.loads(_graph_text(meta))
    tf.reset_default_graph()
    with pytest.raises(tf.errors.InvalidArgumentError, match="not read"):
        tf.train.import_meta_graph(data)


def test_cli_inspect_and_graph_read_the_datasets(tmp_path, capsys):
    from flowkit import cli
    glove, w0, train = _embedding_model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {"ids:0": [0]})
        path = tf.train.Saver().save(sess, str(tmp_path / "m"))
    assert cli.main(["inspect", "--no-stats", "--no-tree", path]) == 0
    out = capsys.readouterr().out
    assert "large constants: 1 stored as datasets, 1 the same bytes as a variable" in out
    assert "2 variables" in out            # the constants are not listed as variables
    assert cli.main(["graph", path, "-o", str(tmp_path / "g.dot")]) == 0
    assert "emb/initial_value" in (tmp_path / "g.dot").read_text()


def test_reference_to_a_variable_that_is_also_a_scope(tmp_path):
    """``W`` beside ``W/Adam`` is stored as ``W:0``; its initial value refers to that."""
    tf.Variable(np.ones((30, 30), np.float32), name="W")
    tf.Variable(np.full((30, 30), 2.0, np.float32), name="W/Adam")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = tf.train.Saver().save(sess, str(tmp_path / "m")) + ".h5"
    assert _refs(path) == {"W/initial_value": "W:0", "W/Adam/initial_value": "W/Adam"}
    tf.reset_default_graph()
    tf.train.import_meta_graph(path)
    with tf.Session() as sess:
        sess.run(["W/Assign", "W/Adam/Assign"])
        assert sess.run("W:0").sum() == 900.0 and sess.run("W/Adam:0").sum() == 1800.0
