"""Loading trusts nothing: hostile files built with h5py are refused with an error that names
the file and the object, before any variable changes."""
import json
import os
import pickle

import h5py
import numpy as np
import pytest

import flowkit as tf
from flowkit.checkpoint import CheckpointReader
from flowkit.checkpoint.h5format import checksum


def _good(f):
    f.attrs["flowkit_format_version"] = 1
    f.attrs["flowkit_version"] = "0.1.0"
    f.attrs["global_step"] = 3
    f["ok"] = np.array([1.0, 2.0], np.float32)


def _make(tmp_path, build, name="hostile.h5"):
    path = str(tmp_path / name)
    with h5py.File(path, "w") as f:
        _good(f)
        build(f)
    return path


def _restore(path):
    """Restores variable 'ok' from ``path``; returns the raised error (after checking that the
    variable kept its value)."""
    tf.reset_default_graph()
    ok = tf.Variable([5.0, 6.0], name="ok")
    with tf.Session() as sess:
        sess.run(ok.initializer)
        with pytest.raises(tf.errors.OpError) as e:
            tf.train.Saver([ok]).restore(sess, path)
        np.testing.assert_array_equal(sess.run(ok), [5.0, 6.0])
    assert e.value.op is None
    return e.value


def _refused(tmp_path, build, obj, cls=tf.errors.InvalidArgumentError, words=()):
    path = _make(tmp_path, build)
    err = _restore(path)
    assert isinstance(err, cls), repr(err)
    msg = str(err)
    assert path in msg and (obj is None or f"'{obj}'" in msg), msg
    for w in words:
        assert w in msg, msg
    with pytest.raises(cls):
        tf.train.list_variables(path)


def test_a_good_file_loads(tmp_path):
    path = _make(tmp_path, lambda f: None)
    tf.reset_default_graph()
    ok = tf.Variable([5.0, 6.0], name="ok")
    with tf.Session() as sess:
        tf.train.Saver([ok]).restore(sess, path)
        np.testing.assert_array_equal(sess.run(ok), [1.0, 2.0])
    with CheckpointReader(path) as r:
        assert r.global_step == 3 and r.flowkit_version == "0.1.0"


def test_soft_link(tmp_path):
    def build(f):
        f["w"] = h5py.SoftLink("/ok")
    _refused(tmp_path, build, "w", words=["soft link"])


def test_external_link(tmp_path):
    other = str(tmp_path / "other.h5")
    with h5py.File(other, "w") as f:
        f["x"] = np.ones(3)

    def build(f):
        f["layer/w"] = h5py.ExternalLink(other, "/x")
    _refused(tmp_path, build, "layer/w", words=["external link"])


def test_external_storage(tmp_path):
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.arange(4, dtype=np.float32).tobytes())

    def build(f):
        f.create_dataset("w", shape=(4,), dtype="f4", external=[(str(raw), 0, 16)])
    _refused(tmp_path, build, "w", words=["external files"])


def test_virtual_dataset(tmp_path):
    src = str(tmp_path / "src.h5")
    with h5py.File(src, "w") as f:
        f["x"] = np.ones(4, np.float32)

    def build(f):
        layout = h5py.VirtualLayout(shape=(4,), dtype="f4")
        layout[:] = h5py.VirtualSource(src, "x", shape=(4,))
        f.create_virtual_dataset("w", layout)
    _refused(tmp_path, build, "w", words=["virtual"])


@pytest.mark.parametrize("kind", ["bytes", "vlen_str", "compound", "reference", "vlen",
                                  "enum", "opaque", "complex"])
def test_non_numeric_dtypes(tmp_path, kind):
    def build(f):
        if kind == "bytes":
            f["w"] = np.array([b"import os"])
        elif kind == "vlen_str":
            f.create_dataset("w", data=["hello"], dtype=h5py.string_dtype())
        elif kind == "compound":
            f["w"] = np.zeros(2, dtype=[("a", "f4"), ("b", "i4")])
        elif kind == "reference":
            f.create_dataset("w", data=np.array([f["ok"].ref]), dtype=h5py.ref_dtype)
        elif kind == "vlen":
            d = f.create_dataset("w", (1,), dtype=h5py.vlen_dtype("i4"))
            d[0] = np.array([1, 2], np.int32)
        elif kind == "enum":
            f.create_dataset("w", data=np.array([1, 2], np.int8),
                             dtype=h5py.enum_dtype({"A": 1, "B": 2}, basetype="i1"))
        elif kind == "opaque":
            f["w"] = np.void(b"\x80\x04\x95")
        elif kind == "complex":
            f["w"] = np.array([1j])
        else:
            f["w"] = np.array([1, 2], np.uint16)
    _refused(tmp_path, build, "w")


def test_null_dataspace(tmp_path):
    _refused(tmp_path, lambda f: f.create_dataset("w", data=h5py.Empty("f4")), "w",
             words=["null"])


def test_declared_size_beyond_the_file(tmp_path):
    _refused(tmp_path, lambda f: f.create_dataset("w", shape=(10**9,), dtype="f4"), "w",
             cls=tf.errors.DataLossError, words=["4000000000 bytes"])


def test_declared_size_beyond_any_compression(tmp_path):
    _refused(tmp_path, lambda f: f.create_dataset("w", shape=(10**10,), chunks=(4096,),
                                                  dtype="f4", compression="gzip"),
             "w", cls=tf.errors.DataLossError)


def test_filters_outside_the_allowed_list(tmp_path):
    _refused(tmp_path, lambda f: f.create_dataset("w", data=np.arange(10.0), scaleoffset=2),
             "w", words=["filter 6"])


def test_unknown_filter_is_refused_before_hdf5_looks_for_a_plugin(tmp_path):
    def build(f):
        dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
        dcpl.set_chunk((4,))
        dcpl.set_filter(32004, h5py.h5z.FLAG_OPTIONAL, (0,))
        space = h5py.h5s.create_simple((8,))
        h5py.h5d.create(f.id, b"w", h5py.h5t.NATIVE_FLOAT, space, dcpl=dcpl)
    _refused(tmp_path, build, "w", words=["filter 32004"])


def test_compressed_data_is_fine(tmp_path):
    path = _make(tmp_path, lambda f: f.create_dataset("big", data=np.zeros(100000),
                                                      compression="gzip", shuffle=True,
                                                      fletcher32=True))
    assert tf.train.load_variable(path, "big").shape == (100000,)


def test_big_endian_data_reads_as_native(tmp_path):
    path = _make(tmp_path, lambda f: f.create_dataset("be", data=np.arange(3, dtype=">f8")))
    value = tf.train.load_variable(path, "be")
    assert value.dtype == np.float64 and value.dtype.isnative
    np.testing.assert_array_equal(value, [0.0, 1.0, 2.0])


def test_hard_link_alias_and_cycle(tmp_path):
    _refused(tmp_path, lambda f: f.__setitem__("alias", f["ok"]), "alias",
             words=["more than one path"])

    def cycle(f):
        g = f.create_group("g")
        g["loop"] = g
    _refused(tmp_path, cycle, "g", words=["more than one path"])


def test_committed_datatype(tmp_path):
    _refused(tmp_path, lambda f: f.__setitem__("t", np.dtype("f4")), "t")


def test_bad_attributes(tmp_path):
    def text_step(f):
        f.attrs["global_step"] = "cos(0)"
    _refused(tmp_path, text_step, "global_step")

    def future(f):
        f.attrs["flowkit_format_version"] = 99
    _refused(tmp_path, future, None, words=["format version 99", "newer"])


def test_unknown_objects_in_the_reserved_group(tmp_path):
    _refused(tmp_path, lambda f: f.__setitem__("_flowkit/code", np.zeros(3, np.uint8)),
             "_flowkit/code")
    _refused(tmp_path, lambda f: f.__setitem__("_flowkit/graph", np.zeros(3, np.float32)),
             "_flowkit/graph")


def test_truncated_files(tmp_path):
    v = tf.Variable(np.arange(5000, dtype=np.float32), name="ok")
    with tf.Session() as sess:
        sess.run(v.initializer)
        path = tf.train.Saver().save(sess, str(tmp_path / "full")) + ".h5"
    data = open(path, "rb").read()
    for cut in (0, 7, 100, 600, 2100, len(data) // 2, len(data) - 1000, len(data) - 1):
        bad = str(tmp_path / f"cut{cut}.h5")
        with open(bad, "wb") as f:
            f.write(data[:cut])
        tf.reset_default_graph()
        w = tf.Variable(np.zeros(5000, np.float32), name="ok")
        with tf.Session() as sess:
            with pytest.raises(tf.errors.DataLossError) as e:
                tf.train.Saver([w]).restore(sess, bad)
        assert bad in str(e.value)


class _Boom:
    def __reduce__(self):
        return (os.system, ("touch PWNED",))


@pytest.mark.parametrize("content", ["pickle", "json", "text", "empty"])
def test_non_hdf5_files(tmp_path, content, monkeypatch):
    monkeypatch.chdir(tmp_path)
    payload = {"pickle": pickle.dumps(_Boom()), "json": json.dumps({"ok": [1, 2]}).encode(),
               "text": b"model_checkpoint_path: 'x'\n", "empty": b""}[content]
    path = tmp_path / "model.h5"
    path.write_bytes(payload)
    err = _restore(str(path))
    assert isinstance(err, tf.errors.DataLossError) and str(path) in str(err)
    assert not (tmp_path / "PWNED").exists()


def test_missing_file(tmp_path):
    with pytest.raises(tf.errors.NotFoundError):
        CheckpointReader(str(tmp_path / "none.h5"))


# --------------------------------------------------------------------------------------------
# The graph's large constants (_flowkit/constants) and the references to them
# --------------------------------------------------------------------------------------------
def test_constants_group_is_checked_like_variables(tmp_path):
    def soft(f):
        f["_flowkit/constants/c"] = np.ones(300, np.float32)
        f["_flowkit/constants/link"] = h5py.SoftLink("/ok")
    _refused(tmp_path, soft, "_flowkit/constants/link", words=["soft link"])
    _refused(tmp_path, lambda f: f.__setitem__("_flowkit/constants/s", np.array([b"rm -rf"])),
             "_flowkit/constants/s", words=["non-numeric"])
    _refused(tmp_path, lambda f: f.create_group("_flowkit/constants/nested"),
             "_flowkit/constants/nested", words=["holds only datasets"])
    _refused(tmp_path, lambda f: f.create_dataset("_flowkit/constants/c", data=np.arange(10.0),
                                                  scaleoffset=2),
             "_flowkit/constants/c", words=["filter 6"])
    _refused(tmp_path, lambda f: f.create_dataset("_flowkit/constants/c", shape=(10**9,),
                                                  dtype="f4"),
             "_flowkit/constants/c", cls=tf.errors.DataLossError)
    _refused(tmp_path, lambda f: f.__setitem__("_flowkit/constants/alias", f["ok"]),
             "_flowkit/constants/alias",
             words=["more than one path"])


def test_every_problem_of_a_file_in_one_message(tmp_path):
    def build(f):
        f["a"] = h5py.SoftLink("/ok")
        f["b"] = np.array([b"import os"])
        f["_flowkit/constants/c"] = np.zeros(2, dtype=[("x", "f4"), ("y", "i4")])
    err = _restore(_make(tmp_path, build))
    assert isinstance(err, tf.errors.InvalidArgumentError)
    for obj in ("'a'", "'b'", "'_flowkit/constants/c'", "3 problems"):
        assert obj in str(err), str(err)


def _saved_with_constants(tmp_path):
    """A checkpoint whose graph refers to a constants dataset and to a variable's dataset."""
    tf.reset_default_graph()
    w0 = np.arange(600, dtype=np.float32).reshape(20, 30)
    e0 = np.ones((40, 10), np.float64)
    w = tf.Variable(w0, name="w")
    tf.Variable(e0, name="e", trainable=False)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign_add(w, tf.ones_like(w)))
        path = tf.train.Saver().save(sess, str(tmp_path / "model")) + ".h5"
    with h5py.File(path, "r") as f:
        data = json.loads(f["_flowkit/graph"][()].tobytes().decode("utf-8"))
    consts = {e["name"]: e["attrs"]["value"] for e in data["ops"] if e["type"] == "Const"}
    assert consts["w/initial_value"]["path"] == "_flowkit/constants/w|initial_value:value"
    assert consts["e/initial_value"]["path"] == "e"
    return path, data, consts, w0


def _rewrite_graph(path, data):
    """Replaces the stored graph, with the checksum a save gives it."""
    raw = np.frombuffer(json.dumps(data).encode(), np.uint8)
    with h5py.File(path, "r+") as f:
        del f["_flowkit/graph"]
        f["_flowkit/graph"] = raw
        f["_flowkit/graph"].attrs["xxh3_64"] = np.uint64(checksum(raw))


def test_references_are_checked_before_the_graph_is_built(tmp_path):
    path, data, consts, w0 = _saved_with_constants(tmp_path)
    tf.reset_default_graph()
    tf.train.import_meta_graph(path)                    # the untouched file imports
    np.testing.assert_array_equal(
        tf.get_default_graph().get_operation_by_name("w/initial_value").attrs["value"], w0)
    consts["w/initial_value"]["shape"] = [30, 20]                          # wrong shape
    consts["e/initial_value"]["dtype"] = "float32"                         # wrong dtype
    extra = next(e for e in data["ops"] if e["name"] == "w/initial_value")
    for i, (path_in_file, shape, dtype) in enumerate([
            ("_flowkit/constants/missing", [3], "float32"),                # missing
            ("_flowkit/graph", [10], "uint8"),                            # not a value
            ("/etc/passwd", [3], "float32")]):                           # outside the file
        copy = json.loads(json.dumps(extra))
        copy["name"] = f"extra{i}"
        copy["attrs"]["value"] = {"$": "dataset", "path": path_in_file, "dtype": dtype,
                                  "shape": shape}
        data["ops"].append(copy)
    bad = json.loads(json.dumps(extra))
    bad["name"] = "extra_bad"
    bad["attrs"]["value"] = {"$": "dataset", "path": 7, "dtype": "float32", "shape": [1]}
    data["ops"].append(bad)
    _rewrite_graph(path, data)
    tf.reset_default_graph()
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        tf.train.import_meta_graph(path)
    msg = str(e.value)
    assert path in msg and "6 reference(s)" in msg, msg
    for words in ("op 'w/initial_value'", "as [30, 20] float32, but it holds [20, 30] float32",
                  "op 'e/initial_value'", "'e' as [40, 10] float32, but it holds [40, 10] "
                  "float64", "'_flowkit/constants/missing', which is not in the file",
                  "'_flowkit/graph', which is not in the file",
                  "'/etc/passwd', which is not in the file", "op 'extra_bad'", "bad path"):
        assert words in msg, (words, msg)
    assert tf.get_default_graph().get_operations() == []     # nothing was built
    from flowkit.checkpoint.graph_json import load_graph
    with pytest.raises(tf.errors.InvalidArgumentError):
        load_graph(path)
    # the variables themselves still restore: the graph is checked only when it is used
    tf.reset_default_graph()
    w = tf.Variable(np.zeros((20, 30), np.float32), name="w")
    with tf.Session() as sess:
        tf.train.Saver([w]).restore(sess, path)
        np.testing.assert_array_equal(sess.run(w), w0 + 1)


def test_a_dataset_swapped_behind_a_reference(tmp_path):
    """The reference records shape and dtype; a file edited to hold something else under
    the same name is refused, not reinterpreted."""
    path, data, consts, w0 = _saved_with_constants(tmp_path)
    with h5py.File(path, "r+") as f:
        del f["_flowkit/constants/w|initial_value:value"]
        f["_flowkit/constants/w|initial_value:value"] = zeros = np.zeros((20, 30), np.int32)
        f["_flowkit/constants/w|initial_value:value"].attrs["xxh3_64"] = checksum(zeros)
    tf.reset_default_graph()
    with pytest.raises(tf.errors.InvalidArgumentError, match="but it holds"):
        tf.train.import_meta_graph(path)
