"""A learner finds the demo's model and looks inside it with the README's commands: the demo
saves to ./flowkit-demo and prints the exact file; every checkpoint command takes a file, a
prefix or a folder; inspect tells model parameters from optimizer slots; --version."""
import os
import subprocess
import sys

import numpy as np
import pytest

import flowkit as tf
from flowkit import cli
from flowkit.commands import inspect


def _adam_checkpoint(folder):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    W = tf.Variable(np.ones((3, 2), np.float32), name="dense/W")
    b = tf.Variable(np.zeros(2, np.float32), name="dense/b")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b))
    step = tf.train.get_or_create_global_step()
    train = tf.train.AdamOptimizer(0.1).minimize(loss, global_step=step)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {x: np.ones((4, 3), np.float32)})
        return tf.train.Saver().save(sess, os.path.join(folder, "model"), global_step=1)


def test_inspect_tells_model_parameters_from_optimizer_slots(tmp_path, capsys):
    _adam_checkpoint(str(tmp_path))
    info = inspect.describe(str(tmp_path))               # a folder: its latest checkpoint
    roles = {v["name"]: v["role"] for v in info["variables"]}
    assert roles["dense/W"] == roles["dense/b"] == "model"
    assert roles["dense/W/Adam"] == roles["dense/W/Adam_1"] == "optimizer"
    assert roles["beta1_power"] == roles["beta2_power"] == "optimizer"
    assert roles["global_step"] == "state"
    assert cli.main(["inspect", "--no-tree", "--no-stats", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "model parameters: 8 values in 2 variables" in out
    assert "optimizer slots: 18 values in 6 variables" in out
    assert "other state (global step, moving averages...): 1 value" in out


def test_roles_without_a_stored_graph_come_from_the_names():
    assert inspect.role("conv1/weights") == "model"
    assert inspect.role("conv1/weights/Momentum") == "optimizer"
    assert inspect.role("global_step") == "state"
    assert inspect.role("bn/moving_mean", trainable=False) == "state"


@pytest.mark.parametrize("spelling", ["file", "prefix", "folder"])
def test_every_checkpoint_command_takes_a_file_a_prefix_or_a_folder(tmp_path, spelling, capsys):
    prefix = _adam_checkpoint(str(tmp_path))
    arg = {"file": prefix + ".h5", "prefix": prefix, "folder": str(tmp_path)}[spelling]
    assert cli.main(["inspect", "--no-tree", arg]) == 0
    assert cli.main(["diff", arg, prefix + ".h5"]) == 0
    assert cli.main(["graph", arg, "-o", str(tmp_path / "g.dot")]) == 0
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


def test_graph_of_an_empty_folder_is_a_clear_error(tmp_path, capsys):
    assert cli.main(["graph", str(tmp_path), "-o", str(tmp_path / "g.dot")]) == 2
    assert "No checkpoint in the folder" in capsys.readouterr().err
    assert not (tmp_path / "g.dot").exists()


def test_demo_saves_to_flowkit_demo_and_prints_the_exact_file(tmp_path):
    r = subprocess.run([sys.executable, "-m", "flowkit", "demo", "--epochs", "1", "--quiet"],
                       cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    files = sorted(os.listdir(tmp_path / "flowkit-demo"))
    h5 = [f for f in files if f.endswith(".h5")]
    assert len(h5) == 1 and "checkpoint" in files
    path = os.path.join("flowkit-demo", h5[0])
    assert f"saved to {path};" in r.stdout
    assert f"flowkit inspect {path}" in r.stdout
    # The printed command works as written, from the same folder.
    r2 = subprocess.run([sys.executable, "-m", "flowkit", "inspect", path], cwd=tmp_path,
                        capture_output=True, text=True)
    assert r2.returncode == 0, r2.stderr
    assert "model parameters: 650 values in 2 variables" in r2.stdout


def test_version(capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0
    assert capsys.readouterr().out.strip() == f"flowkit {tf.version.__version__}"
