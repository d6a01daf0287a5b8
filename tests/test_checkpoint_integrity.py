"""Checkpoints that detect corruption (issue 12): checksums, one file per path, a full disk,
leftover temporary files."""
import fcntl
import os
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

import flowkit as tf
from flowkit import cli
from flowkit.checkpoint import atomic
from flowkit.checkpoint.h5format import CHECKSUM_ATTR

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _model():
    w = tf.Variable(np.arange(600, dtype=np.float32).reshape(20, 30), name="layer/w")
    b = tf.Variable(np.ones(7, np.int64), name="layer/b")
    return w, b


def _save(path, extra=None, **kw):
    """Saves the model of :func:`_model`, built in a graph of its own (with ``extra()``)."""
    with tf.Graph().as_default():
        w, b = _model()
        if extra is not None:
            extra()
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            return tf.train.Saver().save(sess, path, **kw)


def _flip(path, dataset, index=5, bit=3):
    """Flips one bit of a dataset's bytes in the file, behind HDF5's back."""
    with h5py.File(path, "r") as f:
        ds = f[dataset]
        offset = ds.id.get_offset() + index
    with open(path, "r+b") as fh:
        fh.seek(offset)
        byte = fh.read(1)[0]
        fh.seek(offset)
        fh.write(bytes([byte ^ (1 << bit)]))


def test_every_dataset_carries_a_checksum(tmp_path):
    path = _save(str(tmp_path / "m"))
    with h5py.File(path + ".h5", "r") as f:
        assert f.attrs["flowkit_checksum"] == b"xxh3_64"
        assert all(CHECKSUM_ATTR in f[n].attrs for n in ("layer/w", "layer/b", "_flowkit/graph"))


def test_a_flipped_bit_is_data_loss_everywhere(tmp_path, capsys):
    path = _save(str(tmp_path / "m"))
    other = _save(str(tmp_path / "other"))
    _flip(path + ".h5", "layer/w")
    _model()
    with tf.Session() as sess:
        with pytest.raises(tf.errors.DataLossError) as e:
            tf.train.Saver().restore(sess, path)
    msg = str(e.value)
    assert path + ".h5" in msg and "'layer/w'" in msg and "checksum" in msg, msg
    with tf.train.load_checkpoint(path) as reader:
        np.testing.assert_array_equal(reader.get_tensor("layer/b"), np.ones(7))
        with pytest.raises(tf.errors.DataLossError, match="layer/w"):
            reader.get_tensor("layer/w")
        out = np.empty((20, 30), np.float32)
        with pytest.raises(tf.errors.DataLossError, match="layer/w"):
            reader.read_into("layer/w", out)
    capsys.readouterr()
    assert cli.main(["inspect", path]) == 2
    assert "layer/w" in capsys.readouterr().err
    assert cli.main(["inspect", "--no-stats", path]) == 2
    assert "layer/w" in capsys.readouterr().err
    assert cli.main(["diff", other, path]) == 2
    err = capsys.readouterr().err
    assert path + ".h5" in err and "layer/w" in err


def test_a_flipped_bit_in_the_graph_or_a_constant(tmp_path, capsys):
    def big():
        tf.constant(np.arange(1000, dtype=np.float32), name="big")
    path = _save(str(tmp_path / "m"), big)
    with h5py.File(path + ".h5", "r") as f:
        consts = list(f["_flowkit/constants"])
    assert consts, "the test needs a constant stored as a dataset"
    _flip(path + ".h5", "_flowkit/constants/" + consts[0], index=100)
    tf.reset_default_graph()
    with pytest.raises(tf.errors.DataLossError, match="_flowkit/constants"):
        tf.train.import_meta_graph(path)
    assert cli.main(["inspect", "--no-stats", path]) == 2
    capsys.readouterr()
    path2 = _save(str(tmp_path / "n"))
    _flip(path2 + ".h5", "_flowkit/graph", index=10)
    tf.reset_default_graph()
    with pytest.raises(tf.errors.DataLossError, match="_flowkit/graph"):
        tf.train.import_meta_graph(path2)


def test_files_without_checksums_still_load(tmp_path, capsys):
    old = str(tmp_path / "old.h5")
    with h5py.File(old, "w") as f:               # as flowkit wrote them before checksums
        f.attrs["flowkit_format_version"] = 1
        f.attrs["flowkit_version"] = "0.1.0"
        f.attrs["global_step"] = 3
        f["layer/w"] = np.full((20, 30), 2.0, np.float32)
        f["layer/b"] = np.zeros(7, np.int64)
    w, b = _model()
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, old)
        assert sess.run(w)[0, 0] == 2.0
    assert cli.main(["inspect", "--no-tree", old]) == 0
    assert "checksums: none" in capsys.readouterr().out
    with tf.train.load_checkpoint(old) as reader:
        assert not reader.has_checksums and reader.verify() == 0


def test_a_file_that_declares_checksums_needs_them_all(tmp_path):
    path = _save(str(tmp_path / "m"))
    with h5py.File(path + ".h5", "r+") as f:
        del f["layer/b"].attrs[CHECKSUM_ATTR]
    _model()
    with tf.Session() as sess, pytest.raises(tf.errors.DataLossError, match="layer/b"):
        tf.train.Saver().restore(sess, path)


# -- one file per path ---------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".meta", ".index", ".data-00000-of-00001"])
def test_save_refuses_tf1_file_suffixes(tmp_path, suffix):
    first = _save(str(tmp_path / "x"))
    w, _ = _model()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(tf.assign(w, tf.zeros_like(w)))
        with pytest.raises(ValueError, match="TF1"):
            tf.train.Saver().save(sess, str(tmp_path / ("x" + suffix)))
        # the TF1 spellings of the files of prefix x read x.h5, and only it
        tf.train.Saver().restore(sess, str(tmp_path / ("x" + suffix)))
        assert sess.run(w)[0, 1] == 1.0
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "x.h5"]
    assert tf.train.latest_checkpoint(str(tmp_path)) == first


def test_each_returned_path_restores_its_own_save(tmp_path):
    w, _ = _model()
    saver = tf.train.Saver(max_to_keep=None)
    saved = {}
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i, (name, step) in enumerate([("x", None), ("y.h5", None), ("x.ckpt", None),
                                          ("x.meta", 3), ("x", 4), ("x.h5", 5)]):
            sess.run(tf.assign(w, tf.fill([20, 30], float(i))))
            path = saver.save(sess, str(tmp_path / name), global_step=step)
            assert path not in saved
            saved[path] = float(i)
            assert tf.train.latest_checkpoint(str(tmp_path)) == path
        for path, value in saved.items():
            saver.restore(sess, path)
            assert sess.run(w)[0, 0] == value, path
    files = sorted(os.listdir(tmp_path))
    assert len(files) == len(saved) + 1, files          # one file per save, and the index


# -- a full disk -----------------------------------------------------------------------------
_FULL_DISK = textwrap.dedent("""
    import os, resource, signal, sys
    import numpy as np
    import flowkit as tf
    folder = sys.argv[1]
    w = tf.Variable(np.ones(300_000, np.float32), name="w")
    saver = tf.train.Saver()
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    path = saver.save(sess, os.path.join(folder, "m"), global_step=1)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)           # EFBIG instead of a signal
    resource.setrlimit(resource.RLIMIT_FSIZE, (600_000, resource.RLIM_INFINITY))
    sess.run(tf.assign(w, tf.fill([300_000], 2.0)))
    for meta in (True, False):
        try:
            saver.save(sess, os.path.join(folder, "m"), global_step=2, write_meta_graph=meta)
        except tf.errors.ResourceExhaustedError as e:
            print("ERROR", str(e).replace(chr(10), " "))
        else:
            print("SAVED")
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    print("FILES", sorted(os.listdir(folder)))
    print("LATEST", tf.train.latest_checkpoint(folder) == path)
    saver.restore(sess, path)
    print("VALUE", float(sess.run(w)[0]))
""")


def test_a_full_disk_leaves_the_previous_checkpoint(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-c", _FULL_DISK, str(tmp_path)], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr)      # no crash at exit
    lines = r.stdout.splitlines()
    errors = [line for line in lines if line.startswith("ERROR")]
    assert len(errors) == 2, r.stdout
    for line in errors:
        assert f"'{tmp_path / 'm-2.h5'}'" in line and "file too large" in line, line
        assert ".tmp-" not in line, line
    assert f"FILES {['checkpoint', 'm-1.h5']}" in lines, r.stdout     # no temporary file
    assert "LATEST True" in lines and "VALUE 1.0" in lines, r.stdout


# -- leftover temporary files ----------------------------------------------------------------
def test_stale_temporary_files_of_the_prefix_are_removed(tmp_path):
    w, _ = _model()
    saver = tf.train.Saver()
    pid = os.getpid()          # a restarted container often runs the trainer as the same pid
    orphans = [tmp_path / f"model-1.h5.tmp-{pid}-0badf00d", tmp_path / "model.h5.tmp-1-00c0ffee"]
    others = [tmp_path / "other-1.h5.tmp-1-12345678", tmp_path / "model-best.h5.tmp-1-deadbeef",
              tmp_path / "notes.txt"]
    for p in orphans + others:
        p.write_bytes(b"half a file")
    live = atomic.TempFile(str(tmp_path / "model-9.h5"))     # a save in progress elsewhere
    try:
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            saver.save(sess, str(tmp_path / "model"), global_step=2)
        names = set(os.listdir(tmp_path))
        assert not any(p.name in names for p in orphans), names
        assert all(p.name in names for p in others), names
        assert os.path.basename(live.path) in names
    finally:
        live.discard()


def test_temporary_files_are_locked_while_written(tmp_path):
    t = atomic.TempFile(str(tmp_path / "f.h5"))
    fd = os.open(t.path, os.O_RDONLY)
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert atomic.remove_stale_temps(str(tmp_path / "f.h5")) == []
        t.release()
        assert atomic.remove_stale_temps(str(tmp_path / "f.h5")) == [t.path]
    finally:
        os.close(fd)
