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
                                  "enum", "opaque", "complex", "uint16"])
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
