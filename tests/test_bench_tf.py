"""benchmarks/bench_tf.py: the optional TensorFlow (tf.compat.v1) side of the benchmark
(the benchmarks themselves are run by hand; this checks their plumbing and equal work)."""
import argparse
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "benchmarks"))

import bench_tf  # noqa: E402


def test_no_tf_flag_turns_the_tf_rows_off_without_starting_tensorflow():
    args = argparse.Namespace(no_tf=True)
    assert not bench_tf.enabled(args)
    assert bench_tf.describe(args) == "TensorFlow rows: not included (--no-tf)"
    bench_tf.ON = False
    assert bench_tf.measured("w1_add", n_samples=5) is None
    assert bench_tf._WORKER is None


def test_the_table_has_no_tf_columns_without_tf(capsys):
    import run
    bench_tf.ON = False
    run.header()
    run.row("W9 test", "numpy", 2e-3, 1e-3, 1.5, tf=None)
    out = capsys.readouterr().out
    assert "TF" not in out
    assert run.ROWS[-1][:7] == ("W9 test", "numpy", 2e-3, 1e-3, 2.0, 1.5, "NO")
    run.ROWS.pop()


@pytest.mark.skipif(not bench_tf.installed(), reason="tensorflow is not installed")
def test_tf_worker_does_the_same_work_as_flowkit(capsys):
    import run
    bench_tf.ON = True
    try:
        add = bench_tf.measured("w1_add", n_samples=1)
        assert add["value"] == 3.0 and add["median"] > 0
        x, y, w0 = run._mlp_data(128)
        sess, xp, yp, loss, step, _ = run._flowkit_mlp(w0, "numpy", "cpu")
        fk_loss = sess.run([step, loss], {xp: x, yp: y})[1]
        tf2 = bench_tf.measured("w2", repeat=1)
        assert tf2["loss"] == pytest.approx(float(fk_loss), rel=1e-5)
        assert bench_tf.measured("w2", repeat=1) is tf2          # one TF number per workload
        assert bench_tf.measured("no_such_job") is None            # reported, not raised
        assert "could not run" in capsys.readouterr().out
        run.row("W9 test", "numpy", 2e-3, 1e-3, 1.5, tf=4e-3)
        assert "0.50x" in capsys.readouterr().out                 # vs TF = flowkit / TF
        run.ROWS.pop()
    finally:
        bench_tf.close()
        bench_tf.ON = False
        bench_tf._MEDIANS.clear()
