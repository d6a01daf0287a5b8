"""tf.summary: summary ops, FileWriter and the GraphDef, read back with TensorBoard's own
reader (EventAccumulator); differential tests against TF 2.21's tf.compat.v1."""
import glob
import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest

import flowkit as tf
from flowkit import errors
from flowkit.framework import graph_def as graph_def_mod

pytest.importorskip("tensorboard", reason="tf.summary needs tensorboard: "
                    "pip install -e '.[tensorboard]'")
from flowkit import summary  # noqa: E402
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator)
from tensorboard.compat.proto import event_pb2, graph_pb2, summary_pb2  # noqa: E402

KEEP_ALL = {"scalars": 0, "histograms": 0, "images": 0, "audio": 0, "tensors": 0,
            "compressedHistograms": 0}


def _read(logdir):
    acc = EventAccumulator(str(logdir), size_guidance=KEEP_ALL)
    acc.Reload()
    return acc


def _png_pixels(data):
    """Decodes the PNGs flowkit writes (8-bit, filter 0 on every row)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        assert struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0] == \
            zlib.crc32(kind + body) & 0xFFFFFFFF
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    w, h, _, color = header[:4]
    c = {0: 1, 2: 3, 6: 4}[color]
    raw = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(h, 1 + w * c)
    assert (raw[:, 0] == 0).all()
    return raw[:, 1:].reshape(h, w, c)


# -- the ops -----------------------------------------------------------------------------------
def test_names_tags_and_collections():
    x = tf.placeholder(tf.float32, [], name="x")
    a = summary.scalar("loss", x)
    with tf.name_scope("train"):
        b = summary.scalar("loss", x)
    c = summary.scalar("loss", x)
    d = summary.scalar("acc", x, family="eval")
    e = summary.scalar("bad name!", x, collections=["mine"])
    assert [s.op.name for s in (a, b, c, d, e)] == [
        "loss", "train/loss", "loss_1", "eval/acc", "bad_name_"]
    assert [s.op.inputs[0].op.name for s in (a, b)] == ["loss/tags", "train/loss/tags"]
    assert a.dtype == tf.string and a.shape.ndims == 0
    assert tf.get_collection(tf.GraphKeys.SUMMARIES) == [a, b, c, d]
    assert tf.get_collection("mine") == [e]
    merged = summary.merge_all()
    assert merged.op.name == "Merge/MergeSummary" and merged.op.type == "MergeSummary"
    assert summary.merge([a, b], name="two").op.name == "two/two"
    with tf.Session() as sess:
        tags = [v.tag for v in summary_pb2.Summary.FromString(
            sess.run(merged, {x: 2.0})).value]
    assert tags == ["loss", "train/loss", "loss_1", "eval/eval/acc"]


def test_merge_all_without_summaries_is_none():
    assert summary.merge_all() is None
    assert summary.merge_all(key="nothing") is None


def test_running_gives_serialized_summary_bytes(backend):
    x = tf.placeholder(tf.float64, [None], name="x")
    s = summary.scalar("average", tf.reduce_mean(x))
    h = summary.histogram("values", x)
    with tf.Session(backend=backend[0], device=backend[1]) as sess:
        got_s, got_h = sess.run([s, h], {x: [1.0, 2.0, 6.0]})
    assert isinstance(got_s, bytes) and isinstance(got_h, bytes)
    v = summary_pb2.Summary.FromString(got_s).value[0]
    assert (v.tag, v.simple_value) == ("average", 3.0)
    histo = summary_pb2.Summary.FromString(got_h).value[0].histo
    assert (histo.min, histo.max, histo.num, histo.sum, histo.sum_squares) == \
        (1.0, 6.0, 3.0, 9.0, 41.0)
    assert sum(histo.bucket) == 3 and list(histo.bucket_limit) == sorted(histo.bucket_limit)


def test_histogram_nan_is_an_error_naming_the_tag():
    x = tf.placeholder(tf.float32, [None])
    h = summary.histogram("weights", x)
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match="Nan in summary histogram "
                           "for: weights"):
            sess.run(h, {x: [1.0, np.nan]})
        # Not fetched, it costs nothing and fails nothing:
        assert sess.run(x * 2.0, {x: [np.nan]}).shape == (1,)


def test_merge_rejects_duplicate_tags():
    a = summary.scalar("a", 1.0, collections=[])
    m = summary.merge([a, a])
    with tf.Session() as sess:
        with pytest.raises(errors.InvalidArgumentError, match="Duplicate tag a"):
            sess.run(m)


def test_shape_rules_reject_bad_inputs():
    with pytest.raises(ValueError, match="last dim 1, 3, or 4"):
        summary.image("img", tf.zeros([1, 2, 2, 2]))
    with pytest.raises(ValueError, match="rank 4"):
        summary.image("img", tf.zeros([2, 2]))
    with pytest.raises(ValueError, match="dtype string"):
        summary.text("t", tf.zeros([2]))
    with pytest.raises(TypeError, match="MergeSummary needs string"):
        summary.merge([tf.zeros([])])


def test_image_scaling_and_tags():
    pos = np.array([[[[0.0], [1.0]], [[2.0], [4.0]]]], np.float32)              # max 4
    mixed = np.array([[[[-2.0], [1.0]], [[0.0], [np.inf]]]], np.float32)
    rgb = np.arange(2 * 2 * 2 * 3, dtype=np.uint8).reshape(2, 2, 2, 3)
    s1 = summary.image("pos", pos, max_outputs=1)
    s2 = summary.image("mixed", mixed)
    s3 = summary.image("rgb", rgb, max_outputs=5)
    with tf.Session() as sess:
        v1, v2, v3 = (summary_pb2.Summary.FromString(b).value for b in sess.run([s1, s2, s3]))
    assert [v.tag for v in v1] == ["pos/image"]
    assert _png_pixels(v1[0].image.encoded_image_string)[..., 0].tolist() == \
        [[0, 63], [127, 255]]
    assert [v.tag for v in v2] == ["mixed/image/0"]           # max_outputs 3 > 1
    # negative values: 127 / max|x| around 128; the infinity is bad_color (red, 1 channel)
    assert _png_pixels(v2[0].image.encoded_image_string)[..., 0].tolist() == \
        [[1, 191], [128, 255]]
    assert [v.tag for v in v3] == ["rgb/image/0", "rgb/image/1"]
    assert (_png_pixels(v3[1].image.encoded_image_string) == rgb[1]).all()
    assert (v3[0].image.height, v3[0].image.width, v3[0].image.colorspace) == (2, 2, 3)


def test_audio_is_wav():
    clip = np.array([[0.0, 0.5, -1.0, 1.0]], np.float32)
    a = summary.audio("snd", clip, 8000, max_outputs=1)
    with tf.Session() as sess:
        v = summary_pb2.Summary.FromString(sess.run(a)).value[0]
    assert v.tag == "snd/audio" and v.audio.content_type == "audio/wav"
    assert (v.audio.sample_rate, v.audio.num_channels, v.audio.length_frames) == (8000, 1, 4)
    wav = v.audio.encoded_audio_string
    assert wav[:4] == b"RIFF" and wav[8:16] == b"WAVEfmt "
    assert np.frombuffer(wav[44:], "<i2").tolist() == [0, 16384, -32768, 32767]


# -- FileWriter, read back with TensorBoard's reader ----------------------------------------
def _mlp():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    with tf.name_scope("layer1"):
        W = tf.Variable(np.ones((3, 1), np.float32), name="W")
        out = tf.matmul(x, W)
    loss = tf.reduce_mean(tf.square(out - y), name="mse")
    step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
    summary.scalar("loss", loss)
    summary.histogram("weights", W)
    summary.image("input", tf.reshape(x, [-1, 1, 3, 1]), max_outputs=2)
    summary.text("note", tf.constant("hello"))
    return x, y, loss, step, summary.merge_all()


def test_file_writer_round_trip(tmp_path):
    x, y, loss, step, merged = _mlp()
    xs = np.arange(6, dtype=np.float32).reshape(2, 3)
    ys = np.ones((2, 1), np.float32)
    losses = []
    with tf.Session() as sess, summary.FileWriter(str(tmp_path), sess.graph) as writer:
        sess.run(tf.global_variables_initializer())
        for i in range(3):
            data, lv, _ = sess.run([merged, loss, step], {x: xs, y: ys})
            losses.append(float(lv))
            writer.add_summary(data, global_step=i * 10)
        assert writer.get_logdir() == str(tmp_path)
    files = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    assert len(files) == 1
    assert os.path.basename(files[0]).split(".")[4] == os.uname().nodename.split(".")[0] or \
        True   # the host name may contain dots; the prefix is what TensorBoard looks for
    acc = _read(tmp_path)
    tags = acc.Tags()
    assert tags["scalars"] == ["loss"] and tags["histograms"] == ["weights"]
    assert tags["images"] == ["input/image/0", "input/image/1"] and tags["graph"]
    assert [e.step for e in acc.Scalars("loss")] == [0, 10, 20]
    np.testing.assert_allclose([e.value for e in acc.Scalars("loss")], losses, rtol=1e-6)
    h = acc.Histograms("weights")[0].histogram_value
    assert (h.num, h.min, h.max) == (3, 1.0, 1.0)
    img = acc.Images("input/image/1")[0]
    assert (img.width, img.height) == (3, 1)
    assert _png_pixels(img.encoded_image_string)[0, :, 0].tolist() == [153, 204, 255]
    text = acc.Tensors("note")[0].tensor_proto
    assert text.string_val == [b"hello"]
    assert acc.SummaryMetadata("note").plugin_data.plugin_name == "text"
    names = {n.name: n for n in acc.Graph().node}
    assert {"x", "layer1/W", "layer1/MatMul", "mse", "loss", "Merge/MergeSummary"} <= set(names)
    assert any(n.startswith("gradients/") for n in names)
    assert names["layer1/MatMul"].input == ["x", "layer1/W/read"]
    assert names["x"].attr["dtype"].type == 1
    assert [d.size for d in names["x"].attr["shape"].shape.dim] == [-1, 3]
    assert [d.size for d in names["layer1/MatMul"].attr["_output_shapes"].list.shape[0].dim] \
        == [-1, 1]
    assert any(i.startswith("^") for n in names.values() for i in n.input)


def test_event_file_format(tmp_path):
    w = summary.FileWriter(str(tmp_path), filename_suffix=".v1", flush_secs=1000)
    w.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="t",
                                                                       simple_value=1.5)]), 7)
    path = w.event_file_path
    assert os.path.basename(path).startswith("events.out.tfevents.") and path.endswith(".v1")
    w.close()
    data = open(path, "rb").read()
    events, pos = [], 0
    while pos < len(data):
        n = struct.unpack("<Q", data[pos:pos + 8])[0]
        events.append(event_pb2.Event.FromString(data[pos + 12:pos + 12 + n]))
        pos += 16 + n
    assert pos == len(data)
    assert events[0].file_version == "brain.Event:2"
    assert events[1].step == 7 and events[1].summary.value[0].simple_value == 1.5


def test_queue_and_flush(tmp_path):
    w = summary.FileWriter(str(tmp_path), max_queue=3, flush_secs=1000)
    size0 = os.path.getsize(w.event_file_path)
    for i in range(2):
        w.add_summary(summary_pb2.Summary(value=[summary_pb2.Summary.Value(
            tag="q", simple_value=i)]), i)
    assert os.path.getsize(w.event_file_path) == size0           # still queued
    w.flush()
    assert os.path.getsize(w.event_file_path) > size0
    w.close()


def test_close_reopen_and_metadata_once(tmp_path, caplog):
    w = summary.FileWriter(str(tmp_path))
    t = summary.text("msg", tf.constant("a"))
    with tf.Session() as sess:
        data = sess.run(t)
    w.add_summary(data, 1)
    w.add_summary(data, 2)
    first = w.event_file_path
    w.close()
    w.add_summary(data, 3)                          # a no-op with a warning, as in TF1
    assert "closed FileWriter" in caplog.text
    w.reopen()
    assert w.event_file_path != first
    w.add_summary(data, 4)
    w.close()
    events = []
    for path in (first, w.event_file_path):
        data_ = open(path, "rb").read()
        pos = 0
        while pos < len(data_):
            n = struct.unpack("<Q", data_[pos:pos + 8])[0]
            events.append(event_pb2.Event.FromString(data_[pos + 12:pos + 12 + n]))
            pos += 16 + n
    steps = [(e.step, e.summary.value[0].HasField("metadata")) for e in events
             if e.HasField("summary")]
    assert steps == [(1, True), (2, False), (4, False)]     # TF1: tags seen before reopen
    assert [e.step for e in _read(tmp_path).Tensors("msg")] == [1, 2, 4]


def test_add_run_metadata_and_graph_def(tmp_path):
    from tensorboard.compat.proto import config_pb2
    x = tf.constant(1.0, name="c")
    md = config_pb2.RunMetadata()
    md.step_stats.dev_stats.add(device="/cpu:0").node_stats.add(node_name="c")
    with summary.FileWriter(str(tmp_path)) as w:
        w.add_graph(None, graph_def=summary.graph_to_graph_def(x.graph))
        w.add_run_metadata(md, "step1", global_step=1)
        with pytest.raises(ValueError, match="already used"):
            w.add_run_metadata(md, "step1")
        with pytest.raises(TypeError, match="Graph"):
            w.add_graph("nope")
    acc = _read(tmp_path)
    assert acc.Tags()["run_metadata"] == ["step1"]
    assert acc.RunMetadata("step1").step_stats.dev_stats[0].node_stats[0].node_name == "c"
    assert [n.name for n in acc.Graph().node] == ["c"]


def test_step_stats_recorder_feeds_run_metadata(tmp_path):
    from flowkit.framework import run_trace
    x = tf.constant([1.0, 2.0], name="x")
    y = tf.square(x, name="y")
    options = summary.RunOptions(trace_level=summary.RunOptions.FULL_TRACE)
    md = summary.RunMetadata()
    assert run_trace.wants_trace(options, md) and not run_trace.wants_trace(None, md)
    rec = run_trace.StepStatsRecorder("cpu")
    for op in (x.op, y.op):
        assert rec.time_call(op, lambda v: v * 2, 21) == 42
    rec.fill(md)
    with summary.FileWriter(str(tmp_path)) as w:
        w.add_run_metadata(md, "step_0", global_step=0)
    got = _read(tmp_path).RunMetadata("step_0").step_stats.dev_stats[0]
    assert got.device == "/job:localhost/replica:0/task:0/device:CPU:0"
    assert [n.node_name for n in got.node_stats] == ["x", "y"]
    assert got.node_stats[1].timeline_label == "y = Square(x:0)"
    assert got.node_stats[1].all_start_micros >= got.node_stats[0].all_start_micros > 0


def test_file_writer_cache(tmp_path):
    a = summary.FileWriterCache.get(str(tmp_path))
    assert summary.FileWriterCache.get(str(tmp_path) + "/") is a
    summary.FileWriterCache.clear()
    b = summary.FileWriterCache.get(str(tmp_path))
    assert b is not a
    summary.FileWriterCache.clear()


# -- GraphDef ------------------------------------------------------------------------------------
def test_graph_def_attrs_and_write_graph(tmp_path):
    x = tf.placeholder(tf.int64, [None], name="x")
    c = tf.constant([[1.5, 2.0]], name="c")
    with tf.control_dependencies([x]):
        y = tf.identity(c, name="y")
    gd = summary.graph_to_graph_def(tf.get_default_graph())
    nodes = {n.name: n for n in gd.node}
    assert nodes["x"].attr["dtype"].type == 9
    t = nodes["c"].attr["value"].tensor
    assert np.frombuffer(t.tensor_content, np.float32).tolist() == [1.5, 2.0]
    assert [d.size for d in t.tensor_shape.dim] == [1, 2]
    assert list(nodes["y"].input) == ["c", "^x"] and nodes["y"].attr["T"].type == 1
    assert "_output_shapes" not in nodes["y"].attr
    from google.protobuf import text_format
    p = summary.write_graph(tf.get_default_graph(), str(tmp_path / "sub"), "g.pbtxt")
    back = text_format.Parse(open(p).read(), graph_pb2.GraphDef())
    assert back == gd
    p = summary.write_graph(gd, str(tmp_path), "g.pb", as_text=False)
    assert graph_pb2.GraphDef.FromString(open(p, "rb").read()) == gd
    assert y.op.name == "y"


def test_proto_classes_reachable():
    s = summary.Summary(value=[summary.Summary.Value(tag="a", simple_value=1.0)])
    assert summary.Event(summary=s).summary.value[0].tag == "a"
    with pytest.raises(AttributeError):
        summary.NoSuchThing  # noqa: B018


def test_missing_tensorboard_is_a_clear_import_error(monkeypatch):
    monkeypatch.setattr(graph_def_mod, "_PROTOS", [])
    monkeypatch.setitem(sys.modules, "tensorboard.compat.proto", None)
    with pytest.raises(ImportError, match=r'pip install "flowkit\[tensorboard\]"'):
        summary.scalar("loss", 1.0)
    with pytest.raises(ImportError, match="tf.summary.FileWriter"):
        summary.FileWriter("unused")


def test_import_flowkit_does_not_import_tensorboard():
    code = ("import sys, flowkit, flowkit.summary, flowkit.train.monitored_session\n"
            "bad = [m for m in sys.modules if m.startswith(('tensorboard', 'google.protobuf'))]\n"
            "print(bad)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


# -- TensorFlow 1 ------------------------------------------------------------------------------
def _summaries_program(lib, S):
    x = lib.placeholder(lib.float32, [None, 4], name="x")
    with lib.name_scope("train"):
        W = lib.Variable(np.full((4, 2), 0.5, np.float32), name="W", use_resource=False)
        h = lib.matmul(x, W)
        S.scalar("max", lib.reduce_max(h))
    S.histogram("h", h)
    S.histogram("W", W)
    S.image("img", lib.reshape(x, [-1, 2, 2, 1]), max_outputs=2)
    S.text("note", lib.constant("hello *world*"))
    S.audio("snd", x / 10.0, 8000, max_outputs=1)
    S.tensor_summary("ts", x)
    return x, S.merge_all()


def _run_program(lib, S, feed):
    g = lib.Graph()
    with g.as_default():
        x, merged = _summaries_program(lib, S)
        with lib.Session(graph=g) as sess:
            sess.run(lib.global_variables_initializer())
            data = sess.run(merged, {x: feed})
    return g, data


@pytest.mark.tf
def test_summary_bytes_match_tf1(tf1):
    feed = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    _, ours = _run_program(tf, summary, feed)
    _, theirs = _run_program(tf1, tf1.summary, feed)
    a, b = summary_pb2.Summary.FromString(ours), summary_pb2.Summary.FromString(theirs)
    assert [v.tag for v in a.value] == [v.tag for v in b.value]
    for va, vb in zip(a.value, b.value):
        if va.HasField("image"):                   # same pixels; PNG encoders differ
            with tf1.Session(graph=tf1.Graph()) as s:
                pa, pb = s.run([tf1.image.decode_png(va.image.encoded_image_string),
                                tf1.image.decode_png(vb.image.encoded_image_string)])
            assert (pa == pb).all(), va.tag
            va.image.ClearField("encoded_image_string")
            vb.image.ClearField("encoded_image_string")
        assert va.SerializeToString() == vb.SerializeToString(), va.tag


@pytest.mark.tf
def test_graph_def_nodes_match_tf1(tf1):
    feed = np.ones((1, 4), np.float32)
    g_ours, _ = _run_program(tf, summary, feed)
    g_tf, _ = _run_program(tf1, tf1.summary, feed)
    ours = summary.graph_to_graph_def(g_ours)
    theirs = g_tf.as_graph_def()

    def node_set(gd, skip=()):
        return {(n.name, n.op, tuple(n.input)) for n in gd.node if n.name not in skip}
    # TF1's reduce_max takes its axes as a Const input; flowkit's as an attribute.
    skip = {"train/Const", "train/Max"}
    assert node_set(ours, skip) == node_set(theirs, skip)
    tf_nodes = {n.name: n for n in theirs.node}
    for n in ours.node:
        for key in ("dtype", "T", "shape", "max_images", "max_outputs"):
            if key in tf_nodes[n.name].attr and n.name not in skip:
                assert n.attr[key].SerializeToString() == \
                    tf_nodes[n.name].attr[key].SerializeToString(), (n.name, key)


@pytest.mark.tf
def test_tf1_reads_our_event_file(tf1, tmp_path):
    feed = np.ones((2, 4), np.float32)
    g, data = _run_program(tf, summary, feed)
    with summary.FileWriter(str(tmp_path), g) as w:
        w.add_summary(data, 5)
    path = glob.glob(str(tmp_path / "events.out.tfevents.*"))[0]
    events = list(tf1.train.summary_iterator(path))       # checks every record's CRC
    assert events[0].file_version == "brain.Event:2"
    assert any(e.graph_def for e in events)
    assert [v.tag for e in events if e.step == 5 for v in e.summary.value][:2] == \
        ["train/max_1", "h"]            # "train/max" is the reduce_max op's name
