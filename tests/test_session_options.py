"""What a session honours of tf.ConfigProto and tf.RunOptions / tf.RunMetadata."""
import numpy as np
import pytest

import flowkit as tf


def test_log_device_placement_names_each_op_and_its_device(capsys):
    a = tf.constant([1.0, 2.0], name="a")
    b = tf.multiply(a, 2.0, name="double")
    with tf.Session(config=tf.ConfigProto(log_device_placement=True)) as sess:
        sess.run(b)
    err = capsys.readouterr().err
    assert "double: (Mul): /job:localhost/replica:0/task:0/device:CPU:0" in err


def test_a_session_config_must_be_a_config_proto():
    with pytest.raises(TypeError, match="ConfigProto"):
        tf.Session(config={"log_device_placement": True})


def test_device_count_without_gpus_keeps_an_environment_device_off_the_gpu(monkeypatch):
    monkeypatch.setenv("FLOWKIT_DEVICE", "cuda")
    with tf.Session(config=tf.ConfigProto(device_count={"GPU": 0})) as sess:
        assert sess.device == "cpu"


def test_full_trace_records_every_op_that_ran():
    pytest.importorskip("tensorboard", reason="RunMetadata's step stats need tensorboard")
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.reduce_sum(tf.square(x, name="sq"), name="total")
    md = tf.RunMetadata()
    with tf.Session() as sess:
        out = sess.run(y, {x: np.ones((3, 2))}, run_metadata=md,
                       options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
        assert out == 6.0
        names = [n.node_name for d in md.step_stats.dev_stats for n in d.node_stats]
        assert {"sq", "total"} <= set(names)
        # Without a trace level nothing is recorded.
        md2 = tf.RunMetadata()
        sess.run(y, {x: np.ones((3, 2))}, run_metadata=md2)
        assert not md2.step_stats.dev_stats


def test_sess_graph_def_lists_the_graph_nodes():
    pytest.importorskip("tensorboard", reason="GraphDef needs tensorboard's protocol buffers")
    tf.constant(1.0, name="one")
    with tf.Session() as sess:
        assert [n.name for n in sess.graph_def.node] == ["one"]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_softmax_and_cross_entropy_over_zero_classes(backend):
    from flowkit import plugins
    if backend not in plugins.backend_names():
        pytest.skip("torch is not installed")
    x = tf.placeholder(tf.float32, [2, 0])
    labels = tf.placeholder(tf.int32, [0])
    logits0 = tf.placeholder(tf.float32, [0, 0])
    ops = [tf.nn.softmax(x), tf.nn.log_softmax(x),
           tf.nn.softmax_cross_entropy_with_logits_v2(labels=x, logits=x),
           tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits0)]
    with tf.Session(backend=backend) as sess:
        sm, lsm, xent, sparse = sess.run(ops, {x: np.zeros((2, 0)), labels: np.zeros(0),
                                               logits0: np.zeros((0, 0))})
    assert sm.shape == lsm.shape == (2, 0)
    assert xent.tolist() == [0.0, 0.0] and sparse.shape == (0,)


def test_relu_of_bool_is_refused_when_built():
    with pytest.raises(TypeError, match="bool .*tf.cast"):
        tf.nn.relu(tf.constant([True, False]))


def test_dtype_mismatch_names_both_tensors_and_the_fix():
    labels = tf.placeholder(tf.int32, [None], name="labels")
    pred = tf.placeholder(tf.float32, [None], name="prediction")
    with pytest.raises(TypeError) as e:
        _ = labels - pred
    msg = str(e.value)
    assert "labels:0 (int32)" in msg and "prediction:0 (float32)" in msg
    assert "tf.cast(labels, tf.float32)" in msg


def test_float64_numpy_weights_get_the_numpy_hint():
    w = tf.Variable(np.random.randn(3, 2), name="weights")
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with pytest.raises(TypeError, match="NumPy's default .*np.asarray\\(value, np.float32\\)"):
        tf.matmul(x, w)


def test_restore_of_a_missing_variable_says_key_not_found_and_where_it_was_made(tmp_path):
    tf.Variable(1.0, name="a")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = tf.train.Saver().save(sess, str(tmp_path / "m"))
    tf.reset_default_graph()
    tf.Variable(1.0, name="a")
    tf.Variable(2.0, name="b")       # not in the file
    with tf.Session() as sess:
        with pytest.raises(tf.errors.NotFoundError) as e:
            tf.train.Saver().restore(sess, path)
    msg = str(e.value)
    assert "Key b not found in checkpoint" in msg and "test_session_options.py:" in msg


def test_a_traced_run_goes_to_tensorboard(tmp_path):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.reduce_sum(x * 2.0, name="y")
    md = tf.RunMetadata()
    with tf.Session() as sess:
        sess.run(y, {x: [1.0, 2.0]}, run_metadata=md,
                 options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE))
        with tf.summary.FileWriter(str(tmp_path), sess.graph) as writer:
            writer.add_run_metadata(md, "step1", 1)
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    stats = acc.RunMetadata("step1").step_stats.dev_stats[0]
    assert "y" in [n.node_name for n in stats.node_stats]
