"""End to end: a TF1 program writes its graph and summaries with flowkit, a real TensorBoard
server (``tensorboard --logdir ... --host 127.0.0.1``) reads them, and its HTTP endpoints list
the run's scalars, histograms, images and graph. Marked ``slow`` (the server takes seconds to
start); ``.ci/run`` runs it with the rest of the suite."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import pytest

import flowkit as tf

pytest.importorskip("tensorboard", reason="needs tensorboard: pip install -e '.[tensorboard]'")
from flowkit import summary  # noqa: E402

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.read()


def _write_run(logdir):
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    with tf.name_scope("layer"):
        W = tf.Variable(np.full((4, 2), 0.1, np.float32), name="W")
        h = tf.nn.relu(tf.matmul(x, W))
    loss = tf.reduce_mean(tf.square(h - 1.0), name="mse")
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
    summary.scalar("loss", loss)
    summary.histogram("weights", W)
    summary.image("inputs", tf.reshape(x, [-1, 2, 2, 1]), max_outputs=1)
    merged = summary.merge_all()
    xs = np.random.default_rng(0).random((8, 4)).astype(np.float32)
    with tf.Session() as sess, summary.FileWriter(os.path.join(logdir, "run1"),
                                                  sess.graph) as writer:
        sess.run(tf.global_variables_initializer())
        for step in range(5):
            data, _ = sess.run([merged, train], {x: xs})
            writer.add_summary(data, step)


def test_tensorboard_serves_our_run(tmp_path):
    exe = shutil.which("tensorboard", path=os.path.dirname(sys.executable)) or \
        shutil.which("tensorboard")
    if exe is None:
        pytest.skip("the tensorboard command is not installed")
    _write_run(str(tmp_path))
    port = _free_port()
    proc = subprocess.Popen([exe, "--logdir", str(tmp_path), "--host", "127.0.0.1",
                             "--port", str(port), "--load_fast", "false",
                             "--reload_interval", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    try:
        deadline, scalars = time.time() + 120, {}
        while time.time() < deadline:
            if proc.poll() is not None:
                pytest.fail("tensorboard exited: " + proc.stdout.read().decode()[-2000:])
            try:
                scalars = json.loads(_get(port, "/data/plugin/scalars/tags"))
                if scalars.get("run1"):
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.5)
        assert "loss" in scalars.get("run1", {}), scalars
        assert "run1" in json.loads(_get(port, "/data/runs"))
        values = json.loads(_get(port, "/data/plugin/scalars/scalars?run=run1&tag=loss"))
        assert [v[1] for v in values] == [0, 1, 2, 3, 4]
        assert values[0][2] > values[-1][2]                  # the loss went down
        hist = json.loads(_get(port, "/data/plugin/histograms/tags"))
        assert "weights" in hist["run1"]
        images = json.loads(_get(port, "/data/plugin/images/tags"))
        assert "inputs/image" in images["run1"]
        info = json.loads(_get(port, "/data/plugin/graphs/info"))
        assert info["run1"]["run_graph"] is True
        graph = _get(port, "/data/plugin/graphs/graph?run=run1&conversions=false").decode()
        for node in ('name: "layer/MatMul"', 'name: "gradients/', 'op: "ScalarSummary"'):
            assert node in graph
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
