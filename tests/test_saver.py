"""tf.train.Saver: round trips on every backend, subsets, var_list dicts, pruning, the index
file, plain-h5py readability, and saves that survive being killed."""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

import flowkit as tf
from flowkit import plugins
from flowkit.checkpoint import CheckpointReader

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _usable_backends():
    out = []
    for name in plugins.backend_names():
        for dev, ok in plugins.get_backend(name).devices().items():
            if ok:
                out.append((name, dev))
    return out


VALUES = {
    "f32": np.arange(6, dtype=np.float32).reshape(2, 3) / 7,
    "f64": np.array([np.pi, -np.e, 1e300]),
    "f16": np.array([0.5, -2.0], np.float16),
    "i32": np.array([[1, -2], [3, 2**31 - 1]], np.int32),
    "i64": np.array([2**40, -5], np.int64),
    "i8": np.array([-128, 127], np.int8),
    "i16": np.array([-3], np.int16),
    "u8": np.array([0, 255], np.uint8),
    "flag": np.array([True, False, True]),
    "scalar": np.float32(3.5),
    "empty": np.zeros((0, 4), np.float32),
}


def _model(prefix=""):
    vs = {k: tf.Variable(np.zeros_like(v), name=f"{prefix}{k}") for k, v in VALUES.items()}
    nested = tf.Variable(np.ones((2, 2), np.float32), name=f"{prefix}conv1/weights")
    return vs, nested


def _load_values(sess, vs):
    for k, v in vs.items():
        v.load(VALUES[k], sess)


def test_round_trip_every_dtype(session, tmp_path):
    vs, nested = _model()
    saver = tf.train.Saver()
    sess = session()
    sess.run(tf.global_variables_initializer())
    _load_values(sess, vs)
    nested.load(np.full((2, 2), 7.0, np.float32), sess)
    path = saver.save(sess, str(tmp_path / "model"))
    assert path == str(tmp_path / "model")
    assert os.path.isfile(path + ".h5")
    sess2 = session()
    saver.restore(sess2, path)
    for k, v in vs.items():
        got = sess2.run(v)
        np.testing.assert_array_equal(got, VALUES[k])
        assert np.asarray(got).dtype == np.asarray(VALUES[k]).dtype
    np.testing.assert_array_equal(sess2.run(nested), np.full((2, 2), 7.0, np.float32))


@pytest.mark.parametrize("src,dst", [(a, b) for a in _usable_backends()
                                     for b in _usable_backends()],
                         ids=lambda p: f"{p[0]}-{p[1]}")
def test_checkpoint_moves_between_backends(src, dst, tmp_path):
    vs, _ = _model()
    saver = tf.train.Saver()
    with tf.Session(backend=src[0], device=src[1]) as sess:
        sess.run(tf.global_variables_initializer())
        _load_values(sess, vs)
        path = saver.save(sess, str(tmp_path / "m"), global_step=4)
    with tf.Session(backend=dst[0], device=dst[1]) as sess:
        saver.restore(sess, path)
        for k, v in vs.items():
            np.testing.assert_array_equal(sess.run(v), VALUES[k])


def test_file_is_plain_hdf5(tmp_path):
    tf.Variable(np.arange(4, dtype=np.float32).reshape(2, 2), name="conv1/weights")
    step = tf.Variable(0, name="global_step", trainable=False)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = tf.train.Saver().save(sess, str(tmp_path / "model"), global_step=12)
    assert path.endswith("model-12")
    with h5py.File(path + ".h5", "r") as f:
        np.testing.assert_array_equal(f["conv1/weights"][()],
                                      np.arange(4, dtype=np.float32).reshape(2, 2))
        assert f["conv1"]["weights"].dtype == np.float32
        assert f[step.op.name][()] == 0
        assert f.attrs["global_step"] == 12
        assert f.attrs["flowkit_format_version"] == 1
        # fixed-length strings (h5py reads them as bytes): kept in the checksummed header
        assert f.attrs["flowkit_version"] == tf.version.__version__.encode()   # the package
        assert f.attrs["flowkit_checksum"] == b"xxh3_64"
        for value in f.attrs.values():
            assert isinstance(value, (str, bytes, np.integer, int, float, np.floating))
        assert "_flowkit/graph" in f      # the meta graph travels inside


def test_h5_spelling_and_global_step_tensor(tmp_path):
    tf.Variable(2.0, name="v")
    gs = tf.Variable(41, name="global_step", trainable=False)
    inc = tf.assign_add(gs, 1)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(inc)
        p = saver.save(sess, str(tmp_path / "model.h5"), global_step=gs)
        assert p == str(tmp_path / "model-42.h5")
        assert saver.save(sess, str(tmp_path / "n"), global_step=np.int64(7)).endswith("n-7")
        plain = saver.save(sess, str(tmp_path / "plain.h5"), write_meta_graph=False)
        assert plain == str(tmp_path / "plain.h5")
    with h5py.File(plain, "r") as f:
        assert "_flowkit" not in f
    for spelling in (p, p[:-3], plain, plain[:-3]):
        with tf.Session() as sess:
            saver.restore(sess, spelling)
            assert sess.run(gs) == 42
    assert tf.train.checkpoint_exists(p[:-3]) and tf.train.checkpoint_exists(p)
    assert not tf.train.checkpoint_exists(str(tmp_path / "nope"))


def test_subset_restore_and_extra_names_ignored(session, tmp_path):
    W = tf.Variable([[1.0, 2.0]], name="W")
    b = tf.Variable([3.0], name="b")
    sess = session()
    sess.run(tf.global_variables_initializer())
    path = tf.train.Saver().save(sess, str(tmp_path / "all"))
    sess2 = session()
    sess2.run(b.initializer)
    b.load([-1.0], sess2)
    tf.train.Saver([W]).restore(sess2, path)
    np.testing.assert_array_equal(sess2.run(W), [[1.0, 2.0]])
    np.testing.assert_array_equal(sess2.run(b), [-1.0])      # not in var_list: untouched


def test_dict_var_list_renames(session, tmp_path):
    old = tf.Variable([1.0, 2.0], name="old/kernel")
    new = tf.Variable([0.0, 0.0], name="new_model/dense/kernel")
    sess = session()
    sess.run(tf.global_variables_initializer())
    path = tf.train.Saver({"shared/kernel": old}).save(sess, str(tmp_path / "m"))
    assert tf.train.list_variables(path) == [("shared/kernel", [2])]
    tf.train.Saver({"shared/kernel": new}).restore(sess, path)
    np.testing.assert_array_equal(sess.run(new), [1.0, 2.0])


def test_missing_variables_are_all_listed(tmp_path):
    a = tf.Variable(1.0, name="a")
    with tf.Session() as sess:
        sess.run(a.initializer)
        path = tf.train.Saver([a]).save(sess, str(tmp_path / "m"))
    b = tf.Variable(1.0, name="b")
    c = tf.Variable(1.0, name="scope/c")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.NotFoundError) as e:
            tf.train.Saver([a, b, c]).restore(sess, path)
    msg = str(e.value)
    assert "b" in msg and "scope/c" in msg and "2 variable(s)" in msg and "m.h5" in msg
    assert e.value.op is None


def test_mismatches_are_all_listed_and_nothing_changes(tmp_path):
    tf.Variable(np.zeros(3, np.float32), name="a")
    tf.Variable(np.zeros(2, np.int32), name="b")
    ok = tf.Variable(5.0, name="ok")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = tf.train.Saver().save(sess, str(tmp_path / "m"))
    tf.reset_default_graph()
    tf.Variable(np.zeros(4, np.float32), name="a")      # shape differs
    tf.Variable(np.zeros(2, np.int64), name="b")        # dtype differs
    ok = tf.Variable(1.0, name="ok")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        with pytest.raises(tf.errors.InvalidArgumentError) as e:
            tf.train.Saver().restore(sess, path)
        assert sess.run(ok) == 1.0
    msg = str(e.value)
    assert "a: the file has [3] float32" in msg and "b: the file has [2] int32" in msg
    assert "int64" in msg and "2 variable(s)" in msg


def test_max_to_keep_prunes_after_index_update(tmp_path):
    v = tf.Variable(0.0, name="v")
    saver = tf.train.Saver(max_to_keep=2)
    with tf.Session() as sess:
        sess.run(v.initializer)
        paths = [saver.save(sess, str(tmp_path / "model"), global_step=i) for i in range(5)]
    assert saver.last_checkpoints == paths[-2:]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model-3.h5", "model-4.h5"]
    state = tf.train.get_checkpoint_state(str(tmp_path))
    assert state.model_checkpoint_path == paths[-1]
    assert state.all_model_checkpoint_paths == paths[-2:]
    assert tf.train.latest_checkpoint(str(tmp_path)) == paths[-1]
    index = json.loads((tmp_path / "checkpoint").read_text())
    assert index["model_checkpoint_path"] == "model-4"        # relative: the folder can move


def test_keep_all_and_keep_every_n_hours(tmp_path):
    v = tf.Variable(0.0, name="v")
    os.makedirs(tmp_path / "a")
    os.makedirs(tmp_path / "b")
    with tf.Session() as sess:
        sess.run(v.initializer)
        keep_all = tf.train.Saver(max_to_keep=None)
        for i in range(4):
            keep_all.save(sess, str(tmp_path / "a" / "m"), global_step=i)
        hourly = tf.train.Saver(max_to_keep=1, keep_checkpoint_every_n_hours=1e-9)
        for i in range(3):
            hourly.save(sess, str(tmp_path / "b" / "m"), global_step=i)
            time.sleep(0.01)
    assert len(os.listdir(tmp_path / "a")) == 5
    assert len(keep_all.last_checkpoints) == 4
    assert hourly.last_checkpoints == [str(tmp_path / "b" / "m-2")]
    assert sorted(os.listdir(tmp_path / "b")) == ["checkpoint", "m-0.h5", "m-1.h5", "m-2.h5"]


def test_latest_checkpoint_survives_moving_the_folder(tmp_path):
    v = tf.Variable(3.0, name="v")
    assert tf.train.latest_checkpoint(str(tmp_path)) is None
    os.makedirs(tmp_path / "run")
    with tf.Session() as sess:
        sess.run(v.initializer)
        tf.train.Saver().save(sess, str(tmp_path / "run" / "m"), global_step=1)
    shutil.move(str(tmp_path / "run"), str(tmp_path / "moved"))
    latest = tf.train.latest_checkpoint(str(tmp_path / "moved"))
    assert latest == str(tmp_path / "moved" / "m-1")
    assert tf.train.load_variable(str(tmp_path / "moved"), "v") == 3.0
    os.remove(latest + ".h5")
    assert tf.train.latest_checkpoint(str(tmp_path / "moved")) is None


def test_damaged_index_is_ignored_with_a_warning(tmp_path):
    (tmp_path / "checkpoint").write_text("{not json")
    with pytest.warns(RuntimeWarning, match="checkpoint index ignored"):
        assert tf.train.get_checkpoint_state(str(tmp_path)) is None
    (tmp_path / "checkpoint").write_text(json.dumps({"format": "flowkit-checkpoint-index",
                                                     "model_checkpoint_path": 3}))
    with pytest.warns(RuntimeWarning):
        assert tf.train.latest_checkpoint(str(tmp_path)) is None


def test_checkpoint_utils(tmp_path):
    tf.Variable(np.eye(2, dtype=np.float32), name="dense/W")
    tf.Variable([1, 2, 3], name="dense/b")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = tf.train.Saver().save(sess, str(tmp_path / "m"))
    assert tf.train.list_variables(str(tmp_path)) == [("dense/W", [2, 2]), ("dense/b", [3])]
    np.testing.assert_array_equal(tf.train.load_variable(path + ".h5", "dense/b:0"), [1, 2, 3])
    with tf.train.load_checkpoint(path) as reader:
        assert reader.get_variable_to_dtype_map() == {"dense/W": tf.float32,
                                                      "dense/b": tf.int32}
        assert reader.has_tensor("dense/W:0") and not reader.has_tensor("x")
    with pytest.raises(tf.errors.NotFoundError, match="dense/c"):
        tf.train.load_variable(path, "dense/c")
    with pytest.raises(tf.errors.NotFoundError):
        tf.train.list_variables(str(tmp_path / "absent"))


def test_save_errors(tmp_path):
    with pytest.raises(ValueError, match="No variables to save"):
        tf.train.Saver()
    a = tf.Variable(1.0, name="a")
    a_b = tf.Variable(1.0, name="a/b")
    with tf.Session() as sess:
        with pytest.raises(tf.errors.FailedPreconditionError, match="a"):
            tf.train.Saver().save(sess, str(tmp_path / "m"))
        sess.run(tf.global_variables_initializer())
        with pytest.raises(ValueError, match="doesn't exist"):
            tf.train.Saver().save(sess, str(tmp_path / "nodir" / "m"))
        a_b.load(2.0, sess)
        tf.train.Saver().save(sess, str(tmp_path / "m"))
        with pytest.raises(ValueError, match="None"):
            tf.train.Saver().restore(sess, None)
        with pytest.raises(ValueError, match="not a valid checkpoint"):
            tf.train.Saver().restore(sess, str(tmp_path / "nothing"))
    assert [n for n in os.listdir(tmp_path) if ".tmp-" in n] == []
    # A variable that is also a scope (W beside its slot W/Adam) is stored as "a:0".
    with h5py.File(tmp_path / "m.h5", "r") as f:
        assert f["a:0"][()] == 1.0 and f["a/b"][()] == 2.0
    assert tf.train.list_variables(str(tmp_path / "m")) == [("a", []), ("a/b", [])]
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, str(tmp_path / "m"))
        assert sess.run([a, a_b]) == [1.0, 2.0]


# --------------------------------------------------------------------------------------------
# A process killed at any moment of a save leaves a loadable latest checkpoint.
# --------------------------------------------------------------------------------------------
_CHILD = r"""
import sys
import numpy as np
import flowkit as tf
folder, start = sys.argv[1], int(sys.argv[2])
vs = [tf.Variable(np.zeros((256, 256), np.float32), name=f"layer{i}/W") for i in range(4)]
step = tf.Variable(0, name="global_step", trainable=False)
saver, fixed = tf.train.Saver(max_to_keep=3), tf.train.Saver()
with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    print("ready", flush=True)
    i = start
    while True:
        for v in vs:
            v.load(np.full((256, 256), i, np.float32), sess)
        step.load(i, sess)
        saver.save(sess, folder + "/model", global_step=i, write_meta_graph=i % 2 == 0)
        for _ in range(2):                                      # the same file, rewritten
            fixed.save(sess, folder + "/fixed/model", write_meta_graph=False)
        i += 1
"""


def _check_consistent(folder):
    latest = tf.train.latest_checkpoint(folder)
    assert latest is not None
    paths = tf.train.get_checkpoint_state(folder).all_model_checkpoint_paths
    assert paths[-1] == latest
    for p in paths:
        with CheckpointReader(p + ".h5") as r:
            step = int(r.get_tensor("global_step"))
            assert r.global_step in (None, step)
            for i in range(4):
                assert np.all(r.get_tensor(f"layer{i}/W") == step)
    return step


def _child_env():
    return dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT, os.path.join(ROOT, "plugins"), os.environ.get("PYTHONPATH", "")]))


def test_killed_saves_leave_a_loadable_checkpoint(tmp_path):
    """Kills a saving process at random moments."""
    folder = str(tmp_path)
    os.makedirs(tmp_path / "fixed")
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    env = _child_env()
    rng = random.Random(1234)
    step = -1
    deadline = time.monotonic() + 4.0
    rounds = 0
    while rounds < 3 and time.monotonic() < deadline:
        child = subprocess.Popen([sys.executable, str(script), folder, str(step + 1)],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                 cwd=ROOT)
        try:
            line = child.stdout.readline()
            assert line.strip() == b"ready", child.stderr.read().decode()
            if step < 0:                       # make sure there is a first checkpoint
                limit = time.monotonic() + 30
                while tf.train.latest_checkpoint(folder + "/fixed") is None:
                    assert child.poll() is None and time.monotonic() < limit, \
                        child.stderr.read().decode()
                    time.sleep(0.005)
            time.sleep(rng.uniform(0.0, 0.25))
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
            child.stdout.close()
            child.stderr.close()
        step = _check_consistent(folder)
        _check_consistent(folder + "/fixed")
        rounds += 1
    assert rounds >= 2 and step > 0
    # One clean save afterwards removes the temporary files the killed processes left.
    vs = [tf.Variable(np.zeros((256, 256), np.float32), name=f"layer{i}/W") for i in range(4)]
    tf.Variable(step + 1, name="global_step", trainable=False)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for v in vs:
            v.load(np.full((256, 256), step + 1, np.float32), sess)
        tf.train.Saver().save(sess, folder + "/model", global_step=step + 1)
    assert _check_consistent(folder) == step + 1
    assert [n for n in os.listdir(folder) if ".h5.tmp-" in n] == []


_CHILD_AT = r"""
import os, sys
import h5py
import numpy as np
import flowkit as tf
folder, point = sys.argv[1], sys.argv[2]
vs = [tf.Variable(np.zeros((64, 64), np.float32), name=f"layer{i}/W") for i in range(4)]
step = tf.Variable(0, name="global_step", trainable=False)
saver, fixed = tf.train.Saver(max_to_keep=2), tf.train.Saver()


def die(*args, **kwargs):
    os._exit(9)


with tf.Session() as sess:
    sess.run(tf.global_variables_initializer())
    for i in range(5):
        for v in vs:
            v.load(np.full((64, 64), i, np.float32), sess)
        step.load(i, sess)
        if i == 4 and point == "prune":
            os.remove = die                  # after the index names model-4
        saver.save(sess, folder + "/model", global_step=i)
        if i == 4 and point == "write":
            original = h5py.Group.create_dataset
            h5py.Group.create_dataset = lambda self, name, **kw: (
                die() if name.startswith("layer2") else original(self, name, **kw))
        if i == 4 and point == "rename":
            os.replace = die
        if i == 4 and point == "graph":     # while the variables' bytes go to disk
            from flowkit.checkpoint import graph_json
            graph_json.ArrayStore.add = die
        fixed.save(sess, folder + "/fixed/model")
"""


@pytest.mark.parametrize("point", ["write", "graph", "rename", "prune"])
def test_saves_killed_at_each_stage(tmp_path, point):
    """Kills a saving process at chosen moments: while writing the file that replaces the
    previous checkpoint (its variables, then its graph), just before the rename, and after
    the index update (pruning)."""
    os.makedirs(tmp_path / "fixed")
    script = tmp_path / "child.py"
    script.write_text(_CHILD_AT)
    done = subprocess.run([sys.executable, str(script), str(tmp_path), point], env=_child_env(),
                          cwd=ROOT, capture_output=True, timeout=60)
    assert done.returncode == 9, done.stderr.decode()
    assert _check_consistent(str(tmp_path)) == 4
    assert _check_consistent(str(tmp_path / "fixed")) == 3


# --------------------------------------------------------------------------------------------
def test_resumed_training_matches_uninterrupted(session, tmp_path):
    if "AdamOptimizer" not in plugins.optimizers():
        pytest.skip("tf.train.AdamOptimizer is not available yet")

    def build():
        tf.reset_default_graph()
        tf.set_random_seed(0)
        x = tf.constant(np.linspace(-1, 1, 12, dtype=np.float32).reshape(6, 2))
        y = tf.constant(np.array([[1.0], [0.0], [2.0], [1.0], [0.5], [3.0]], np.float32))
        W = tf.Variable(np.full((2, 1), 0.1, np.float32), name="W")
        b = tf.Variable(np.zeros(1, np.float32), name="b")
        loss = tf.reduce_mean(tf.square(tf.matmul(x, W) + b - y))
        train = tf.train.AdamOptimizer(0.1).minimize(loss)
        return W, b, train, tf.train.Saver()

    W, b, train, saver = build()
    with session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(10):
            sess.run(train)
        full = sess.run([W, b])
    W, b, train, saver = build()
    with session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(5):
            sess.run(train)
        path = saver.save(sess, str(tmp_path / "half"))
    W, b, train, saver = build()
    with session() as sess:
        saver.restore(sess, path)
        for _ in range(5):
            sess.run(train)
        resumed = sess.run([W, b])
    for a, c in zip(full, resumed):
        np.testing.assert_allclose(a, c, rtol=1e-6)


# --------------------------------------------------------------------------------------------
# flowkit inspect / flowkit diff
# --------------------------------------------------------------------------------------------
def _two_checkpoints(tmp_path):
    tf.Variable(np.array([[1.0, -2.0], [3.0, 0.5]], np.float32), name="dense/W")
    tf.Variable(np.zeros(2, np.float32), name="dense/b")
    tf.Variable([1, 2, 3], name="old")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a = tf.train.Saver().save(sess, str(tmp_path / "a"), global_step=5)
    tf.reset_default_graph()
    tf.Variable(np.array([[1.0, -2.0], [3.0, 3.5]], np.float32), name="dense/W")
    tf.Variable(np.zeros(3, np.float32), name="dense/b")
    tf.Variable(np.ones(4, np.float64), name="new/k")
    tf.Variable(7.0, name="same")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        b_path = tf.train.Saver().save(sess, str(tmp_path / "b"), write_meta_graph=False)
    return a, b_path


def test_cli_inspect(tmp_path, capsys):
    from flowkit import cli
    a, b = _two_checkpoints(tmp_path)
    assert cli.main(["inspect", a]) == 0
    out = capsys.readouterr().out
    assert "global step 5" in out and "graph: stored" in out
    assert "dense/W  [2,2]  float32  4" in out
    assert "├─ dense/ 6" in out and "old 3" in out
    assert cli.main(["inspect", "--json", b]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["graph"] is None and info["global_step"] is None
    by_name = {v["name"]: v for v in info["variables"]}
    W = np.array([[1.0, -2.0], [3.0, 3.5]])
    assert by_name["dense/W"]["min"] == -2.0 and by_name["dense/W"]["max"] == 3.5
    assert by_name["dense/W"]["mean"] == pytest.approx(W.mean())
    assert by_name["dense/W"]["std"] == pytest.approx(W.std())
    assert by_name["new/k"]["dtype"] == "float64" and by_name["new/k"]["bytes"] == 32
    assert cli.main(["inspect", str(tmp_path)]) == 0       # a folder: its latest checkpoint
    assert "b.h5" in capsys.readouterr().out
    (tmp_path / "junk.h5").write_bytes(b"junk")
    assert cli.main(["inspect", str(tmp_path / "junk.h5")]) == 2
    assert "junk.h5" in capsys.readouterr().err


def test_cli_diff(tmp_path, capsys):
    from flowkit import cli
    a, b = _two_checkpoints(tmp_path)
    assert cli.main(["diff", a, b]) == 1
    lines = {line.split()[1]: line.split()[0] for line in
             capsys.readouterr().out.splitlines() if line.startswith("  ")}
    assert lines == {"dense/W": "changed", "dense/b": "shape", "new/k": "added",
                     "old": "removed", "same": "added"}
    assert cli.main(["diff", a, b]) == 1
    assert "|B-A| = 3 (relative" in capsys.readouterr().out
    assert cli.main(["diff", "--tolerance", "3", a, b]) == 1
    assert "  changed" not in capsys.readouterr().out
    assert cli.main(["diff", "--all", a, a]) == 0
    out = capsys.readouterr().out
    assert "same" in out and "0 changed, 3 same" in out
    v = tf.Variable(np.zeros(2, np.float32), name="dense/b")
    with tf.Session() as sess:
        sess.run(v.initializer)
        c = tf.train.Saver({"dense/b": v}).save(sess, str(tmp_path / "c"))
    v64 = tf.Variable(np.zeros(2, np.float64), name="x")
    with tf.Session() as sess:
        sess.run(v64.initializer)
        d = tf.train.Saver({"dense/b": v64}).save(sess, str(tmp_path / "d"))
    assert cli.main(["diff", c, d]) == 1
    assert "float32 -> float64" in capsys.readouterr().out
    assert cli.main(["diff", a, str(tmp_path / "missing")]) == 2


# --------------------------------------------------------------------------------------------
# The graph's large constants: stored once when equal to a variable, atomically either way
# --------------------------------------------------------------------------------------------
def test_file_size_after_init_and_after_training(tmp_path):
    """Right after initialization every initial value is its variable's value: the file
    holds each value once. After a step, the initial values are stored beside the values."""
    values = [np.random.default_rng(i).standard_normal(20_000).astype(np.float32)
              for i in range(3)]
    vs = [tf.Variable(v, name=f"v{i}") for i, v in enumerate(values)]
    bump = [tf.assign_add(v, tf.ones_like(v)) for v in vs]
    saver = tf.train.Saver()
    nbytes = sum(v.nbytes for v in values)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        at_init = saver.save(sess, str(tmp_path / "init")) + ".h5"
        sess.run(bump)
        trained = saver.save(sess, str(tmp_path / "trained")) + ".h5"
    assert nbytes < os.path.getsize(at_init) < nbytes + 30_000
    assert 2 * nbytes < os.path.getsize(trained) < 2 * nbytes + 40_000
    for path, offset in ((at_init, 0.0), (trained, 1.0)):
        tf.reset_default_graph()
        saver2 = tf.train.import_meta_graph(path)
        with tf.Session() as sess:
            saver2.restore(sess, path)
            for i, v in enumerate(values):
                np.testing.assert_array_equal(sess.run(f"v{i}:0"), v + np.float32(offset))
            sess.run([f"v{i}/Assign" for i in range(3)])      # back to the initial values
            for i, v in enumerate(values):
                np.testing.assert_array_equal(sess.run(f"v{i}:0"), v)


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path):
    v = tf.Variable(np.arange(1000, dtype=np.float32), name="v")
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(v.initializer)
        path = saver.save(sess, str(tmp_path / "m"))
        tf.get_default_graph().create_op("Identity", [v.value()], {"fn": len}, name="bad")
        with pytest.raises(TypeError, match="attr 'fn' of op 'bad'"):
            saver.save(sess, path)                  # fails while describing the graph
    assert [n for n in os.listdir(tmp_path) if ".tmp-" in n] == []
    with tf.Session() as sess:
        saver.restore(sess, path)
        np.testing.assert_array_equal(sess.run(v), np.arange(1000, dtype=np.float32))


def test_an_error_of_the_early_fsync_is_not_lost(tmp_path, monkeypatch):
    """The bulk of the file is fsynced in a thread while the graph is described; if that
    fsync fails, the save fails (a later fsync may not report the lost data again)."""
    from flowkit.checkpoint import atomic
    v = tf.Variable(np.arange(1000, dtype=np.float32), name="v")
    calls = []
    real = atomic.fsync_file

    def failing_once(path):
        calls.append(path)
        if len(calls) == 1:
            raise OSError(5, "Input/output error")
        real(path)
    monkeypatch.setattr(atomic, "fsync_file", failing_once)
    with tf.Session() as sess:
        sess.run(v.initializer)
        with pytest.raises(OSError, match="Input/output"):
            tf.train.Saver().save(sess, str(tmp_path / "m"))
    assert os.listdir(tmp_path) == []
