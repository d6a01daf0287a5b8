"""`flowkit demo --distributed`: the demo as a Horovod program, 2 processes on the loopback
interface (gloo, 127.0.0.1, a free port), launched as torchrun launches them. The launched
tests skip without PyTorch."""
import os
import pickle
import re
import subprocess
import sys
import time

import numpy as np
import pytest

import flowkit as tf
from flowkit import cli
from flowkit.commands import demo

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# One rank of the job: the `flowkit` command, with train_distributed and
# broadcast_global_variables watched so that the test sees every rank's final variables.
RANK_SCRIPT = '''
import pickle, sys
from flowkit import cli
from flowkit.commands import demo

out, argv = sys.argv[1], sys.argv[2:]
seen = {"broadcasts": 0}
real_train, real_bcast = demo.train_distributed, demo.hvd.broadcast_global_variables

def train_distributed(**kwargs):
    result = real_train(**kwargs)
    seen.update(rank=result["rank"], size=result["size"], variables=result["variables"])
    return result

def broadcast_global_variables(root_rank):
    seen["broadcasts"] += 1
    return real_bcast(root_rank)

demo.train_distributed = train_distributed
demo.hvd.broadcast_global_variables = broadcast_global_variables
code = cli.main(argv)
with open(out, "wb") as f:
    pickle.dump(seen, f)
sys.exit(code)
'''


def _torch():
    torch = pytest.importorskip("torch")
    if not torch.distributed.is_available():       # pragma: no cover
        pytest.skip("this PyTorch has no torch.distributed")
    return torch


def _env(extra=None):
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", OMP_NUM_THREADS="1",
               FLOWKIT_CHECK_KERNELS="1", FLOWKIT_DIST_TIMEOUT="20",
               PYTHONPATH=os.pathsep.join([ROOT] + [p for p in [os.environ.get("PYTHONPATH")]
                                                    if p]))
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_PORT"):
        env.pop(name, None)
    if os.path.exists("/sys/class/net/lo"):
        env["GLOO_SOCKET_IFNAME"] = "lo"      # loopback only
    env.update(extra or {})
    return env


def _launch_once(tmp_path, n, args, timeout):
    from flowkit.distributed import runtime
    port = str(runtime.free_port())
    script = tmp_path / "rank.py"
    script.write_text(RANK_SCRIPT)
    procs = []
    for r in range(n):
        cwd = tmp_path / f"rank{r}"          # each rank its own folder: who saved is visible
        cwd.mkdir(exist_ok=True)
        procs.append(subprocess.Popen(
            [sys.executable, str(script), str(tmp_path / f"rank{r}.pkl"), "demo",
             "--distributed", *args], cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=_env({"RANK": str(r), "WORLD_SIZE": str(n), "LOCAL_RANK": str(r),
                                 "LOCAL_WORLD_SIZE": str(n), "MASTER_PORT": port})))
    results, deadline = [], time.monotonic() + timeout
    for p in procs:
        try:
            out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
                q.communicate()
            pytest.fail(f"the {n} demo processes did not finish within {timeout}s")
        results.append((p.returncode, out, err))
    return results


def launch(tmp_path, n, args, timeout=60):
    """Runs `flowkit demo --distributed ARGS` as ``n`` processes with the environment torchrun
    gives them; returns each rank's ``(returncode, stdout, stderr, what it saw)``."""
    for _attempt in range(2):    # gloo may fail to connect on a loaded machine: once more
        results = _launch_once(tmp_path, n, args, timeout)
        if all(rc == 0 for rc, _, _ in results) or not any(
                "could not join the process group" in err for _, _, err in results):
            break
    seen = []
    for r in range(n):
        path = tmp_path / f"rank{r}.pkl"
        seen.append(pickle.loads(path.read_bytes()) if path.exists() else None)
    return [(rc, out, err, s) for (rc, out, err), s in zip(results, seen)]


def read_checkpoint(path):
    """The variables of a saved model, loaded as someone with only the file would."""
    with tf.Graph().as_default():
        saver = tf.train.import_meta_graph(path)
        variables = tf.global_variables()
        with tf.Session() as sess:
            saver.restore(sess, path)
            return dict(zip([v.name for v in variables], sess.run(variables)))


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_two_processes_train_one_model_and_rank_0_alone_reports_and_saves(tmp_path, backend):
    _torch()
    steps = 5
    (rc0, out0, err0, seen0), (rc1, out1, err1, seen1) = launch(
        tmp_path, 2, ["--steps", str(steps), "--batch-size", "16", "--backend", backend])
    assert rc0 == 0 and rc1 == 0, (err0 + err1)[-3000:]

    # rank 0 alone prints: the header, the epoch's loss, the result, where it saved
    lines = out0.splitlines()
    assert lines[0].startswith("softmax model on the 8x8 digits, 2 processes: 719 training "
                               "images each (of 1438)"), out0
    assert lines[0].endswith(f"on {backend}/cpu")
    assert re.fullmatch(r"epoch 1/1: loss \d+\.\d{4} \(mean of 2 processes\)", lines[1]), out0
    assert re.match(rf"test accuracy: 0\.\d{{4}} \(softmax model, {steps} steps in .* on "
                    rf"{backend}/cpu x 2 processes\)", lines[2]), out0
    assert lines[3] == "the 2 processes ended with identical variables"
    saved = re.match(r"saved to (\S+\.h5); reloaded", lines[4])
    assert saved, out0
    assert out1 == "" and err1 == "", (out1, err1)        # the other rank stays quiet
    assert err0 == ""

    # rank 0 alone saved a checkpoint, at the path it printed; it loads
    path = tmp_path / "rank0" / saved.group(1)
    assert saved.group(1) == os.path.join(demo.DEFAULT_SAVE_DIR, f"digits-softmax-{steps}.h5")
    assert path.exists()
    assert not (tmp_path / "rank1" / demo.DEFAULT_SAVE_DIR).exists()
    restored = read_checkpoint(str(path))

    # both ranks broadcast, trained on different shards, and hold the same variables: the
    # ones in the checkpoint
    assert seen0["broadcasts"] == 1 and seen1["broadcasts"] == 1
    assert (seen0["rank"], seen0["size"], seen1["rank"], seen1["size"]) == (0, 2, 1, 2)
    assert sorted(seen0["variables"]) == sorted(seen1["variables"]) == sorted(restored)
    for name, value in restored.items():
        np.testing.assert_array_equal(seen1["variables"][name], seen0["variables"][name],
                                      err_msg=name)
        np.testing.assert_array_equal(value, seen0["variables"][name], err_msg=name)
    assert np.abs(restored["W:0"]).max() > 0        # training moved them (they start at zero)


def test_the_documented_torchrun_command_runs(tmp_path):
    """`torchrun --nproc_per_node=2 -m flowkit demo --distributed`, as the README says
    (`python -m torch.distributed.run` is torchrun)."""
    _torch()
    from flowkit.distributed import runtime
    for _attempt in range(2):
        proc = subprocess.run(
            [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2",
             "--master_addr=127.0.0.1", f"--master_port={runtime.free_port()}", "-m",
             "flowkit", "demo", "--distributed", "--steps", "2", "--model", "cnn"],
            cwd=tmp_path, capture_output=True, text=True, env=_env(), timeout=90)
        if proc.returncode == 0 or "could not join" not in proc.stderr:
            break
    assert proc.returncode == 0, proc.stderr[-3000:]
    # the processes share torchrun's stdout: one header, one result, one checkpoint
    assert proc.stdout.count("cnn model on the 8x8 digits, 2 processes") == 1, proc.stdout
    assert proc.stdout.count("test accuracy:") == 1 and "2 steps" in proc.stdout
    assert "the 2 processes ended with identical variables" in proc.stdout
    assert sorted(os.listdir(tmp_path / demo.DEFAULT_SAVE_DIR)) == ["checkpoint",
                                                                   "digits-cnn-2.h5"]


def test_without_a_launcher_it_says_how_to_launch(tmp_path, monkeypatch, capsys):
    _torch()
    import flowkit.distributed as hvd
    for name in ("RANK", "WORLD_SIZE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "--distributed", "--model", "cnn", "--steps", "3"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "no launcher started this process" in err
    assert "\n    torchrun --nproc_per_node=2 -m flowkit demo --distributed --model cnn " \
           "--steps 3\n" in err
    assert not hvd.is_initialized() and os.listdir(tmp_path) == []   # nothing ran


def test_without_torch_it_says_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)       # `import torch` fails
    monkeypatch.setenv("RANK", "0")
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.chdir(tmp_path)
    assert cli.main(["demo", "--distributed"]) == 2
    err = capsys.readouterr().err
    assert "PyTorch is not installed" in err and 'pip install "flowkit[torch]"' in err
    assert os.listdir(tmp_path) == []


def test_the_one_process_demo_takes_steps_too():
    result = demo.train(model="softmax", steps=7, quiet=True)
    assert result["steps"] == 7 and len(result["losses"]) == 1
    result = demo.train(model="softmax", batch_size=512, steps=5, quiet=True)   # 3 a pass
    assert result["steps"] == 5 and len(result["losses"]) == 2
    with pytest.raises(ValueError, match="positive"):
        demo.train(steps=0)
