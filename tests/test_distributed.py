"""flowkit.distributed: collective ops, DistributedOptimizer and broadcast on torch.distributed.

The multi-process tests run 2 and 4 processes on the loopback interface (gloo, 127.0.0.1, a
free port), launched as torchrun would launch them (one of them by torchrun itself), each
running tests/distributed_scripts/worker.py. The whole module skips without PyTorch.
"""
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import flowkit as tf

torch = pytest.importorskip("torch")
if not torch.distributed.is_available():       # pragma: no cover
    pytest.skip("this PyTorch has no torch.distributed", allow_module_level=True)

import flowkit.distributed as hvd  # noqa: E402
from flowkit.distributed import runtime  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPTS = os.path.join(HERE, "distributed_scripts")
WORKER = os.path.join(SCRIPTS, "worker.py")
sys.path.insert(0, SCRIPTS)
import models  # noqa: E402

BACKENDS = ["numpy", "torch"]


def _env(extra=None):
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", OMP_NUM_THREADS="1",
               FLOWKIT_CHECK_KERNELS="1", PYTHONPATH=os.pathsep.join(
                   [os.path.dirname(HERE)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    if os.path.exists("/sys/class/net/lo"):
        env["GLOO_SOCKET_IFNAME"] = "lo"      # loopback only
    env.update(extra or {})
    return env


def launch(n, args, timeout=90):
    """Starts ``n`` workers with the environment torchrun gives them; returns their
    ``(returncode, stdout, stderr)``."""
    port = str(runtime.free_port())
    procs = [subprocess.Popen([sys.executable, WORKER, *args], cwd=SCRIPTS,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=_env({"RANK": str(r), "WORLD_SIZE": str(n), "LOCAL_RANK":
                                        str(r), "LOCAL_WORLD_SIZE": str(n),
                                        "MASTER_PORT": port}))
             for r in range(n)]
    results = []
    deadline = time.monotonic() + timeout
    for p in procs:
        try:
            out, err = p.communicate(timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            for q in procs:
                q.kill()
            pytest.fail(f"the workers did not finish within {timeout}s")
        results.append((p.returncode, out, err))
    return results


def reference(model, backend, initial, steps, examples):
    """One process training on the combined batches from the same initial variables."""
    with tf.Graph().as_default():
        x, y, loss, train_op = models.build(tf, model)
        variables = tf.global_variables()
        flat = tf.concat([tf.reshape(v, [-1]) for v in variables], axis=0)
        out = []
        with tf.Session(backend=backend) as sess:
            sess.run(tf.global_variables_initializer())
            at = 0
            for v in variables:
                n = int(np.prod(v.shape.as_list()))
                v.load(initial[at:at + n].reshape(v.shape.as_list()), sess)
                at += n
            out.append(sess.run(flat))
            for step in range(steps):
                bx, by = models.global_batch(step, examples)
                sess.run(train_op, {x: bx, y: by})
                out.append(sess.run(flat))
        return np.stack(out), [v.name for v in variables]


def check_training(tmp_path, n, models_, backend, steps, batch, torchrun=False,
                   check_ops=False):
    """Trains ``models_`` with ``n`` processes; compares every step with one process."""
    args = ["train", "--model", ",".join(models_), "--backend", backend, "--steps", str(steps),
            "--batch", str(batch), "--out", str(tmp_path), "--timeout", "30"]
    args += ["--check-ops"] if check_ops else []
    if torchrun:
        r = subprocess.run([sys.executable, "-m", "torch.distributed.run",
                            f"--nproc_per_node={n}", "--master_addr=127.0.0.1",
                            f"--master_port={runtime.free_port()}", WORKER, *args],
                           cwd=SCRIPTS, capture_output=True, text=True, env=_env(), timeout=120)
        assert r.returncode == 0, r.stderr[-3000:]
    else:
        for rc, _, err in launch(n, args):
            assert rc == 0, err[-3000:]
    for model in models_:
        got = np.load(tmp_path / f"{model}.npz")
        want, names = reference(model, backend, got["trajectory"][0], steps, batch * n)
        assert list(got["names"]) == names      # slot names unchanged (w/Adam, w/Momentum)
        # Averaged gradients of the shares are the gradients of the combined batch.
        np.testing.assert_allclose(got["trajectory"], want, rtol=2e-4, atol=2e-5,
                                   err_msg=f"{model} on {backend} with {n} processes")
        assert not np.allclose(want[0], want[-1])    # training moved the variables


# -- several processes -------------------------------------------------------------------------
@pytest.mark.slow
def test_two_processes_by_torchrun_train_like_one_with_the_combined_batch(tmp_path):
    """MLP and CNN on the NumPy backend; the ops' values and gradients across ranks."""
    check_training(tmp_path, 2, ["mlp", "cnn"], "numpy", steps=3, batch=4, torchrun=True,
                   check_ops=True)


@pytest.mark.slow
def test_four_processes_train_like_one_on_torch(tmp_path):
    check_training(tmp_path, 4, ["mlp", "cnn"], "torch", steps=3, batch=2, check_ops=True)


@pytest.mark.slow
def test_mismatched_shapes_and_a_dead_rank_fail_clearly():
    timeout = 6.0
    start = time.monotonic()
    (rc0, out0, err0), (rc1, out1, _) = launch(2, ["fail", "--timeout", str(timeout)])
    assert time.monotonic() - start < 60
    assert rc0 == 0, err0[-3000:]
    assert rc1 != 0                          # killed itself
    for out in (out0, out1):
        line = next(s for s in out.splitlines() if s.startswith("MISMATCH"))
        assert "'hidden/weights:0' has shape [3, 4] on rank 0 but [3, 5] on rank 1" in line
    assert "TOTAL 3.0" in out0 and "TOTAL 3.0" in out1
    dead = next(s for s in out0.splitlines() if s.startswith("DEAD"))
    kind, seconds = dead.split()[1:3]
    assert kind in ("UnavailableError", "AbortedError"), dead
    assert float(seconds) < timeout + 5, dead
    assert "rank 0 of 2" in dead and "Allreduce" in dead, dead


# -- one process ---------------------------------------------------------------------------------
@pytest.fixture
def one_process():
    hvd.init(backend="gloo", rank=0, world_size=1,
             init_method=f"tcp://127.0.0.1:{runtime.free_port()}")
    yield
    hvd.shutdown()


def test_import_does_not_import_torch():
    code = ("import sys, flowkit, flowkit.distributed as hvd; "
            "print('torch' in sys.modules, hvd.is_initialized())")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env=_env())
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["False", "False"]


def test_rank_before_init_says_what_to_do():
    assert not hvd.is_initialized()
    with pytest.raises(ValueError, match=r"call flowkit.distributed.init\(\) before rank"):
        hvd.rank()


@pytest.mark.parametrize("backend", BACKENDS)
def test_collective_before_init_fails_with_failed_precondition(backend):
    with tf.Graph().as_default():
        y = hvd.allreduce(tf.constant([1.0]))
        with tf.Session(backend=backend) as sess:
            with pytest.raises(tf.errors.FailedPreconditionError, match="init"):
                sess.run(y)


def test_one_process_identity_and_sizes(one_process):
    assert (hvd.rank(), hvd.size(), hvd.local_rank(), hvd.local_size()) == (0, 1, 0, 1)
    for backend in BACKENDS:
        with tf.Graph().as_default():
            x = tf.constant(np.arange(6, dtype=np.float32).reshape(2, 3))
            ys = [hvd.allreduce(x), hvd.allreduce(x, average=False), hvd.broadcast(x, 0),
                  hvd.allgather(x), hvd.allreduce(x, compression=hvd.Compression.fp16)]
            with tf.Session(backend=backend) as sess:
                for got in sess.run(ys):
                    np.testing.assert_array_equal(got, sess.run(x))


def test_gradient_rules_are_collectives():
    with tf.Graph().as_default():
        x = tf.constant([1.0, 2.0])
        for y, want in [(hvd.allreduce(x), "DistAllreduce"), (hvd.broadcast(x, 0), "DistReduce"),
                        (hvd.allgather(tf.reshape(x, [1, 2])), "DistAllgatherGrad")]:
            (g,) = tf.gradients(tf.reduce_sum(y), [x])
            types = {op.type for op in tf.get_default_graph().get_operations()
                     if op.name.startswith("gradients")}
            assert want in types, types
        reduce_grad = tf.gradients(tf.reduce_sum(hvd.ops.reduce(x, 0)), [x])[0]
        assert reduce_grad.op.type == "DistBroadcast"
        assert g is not None


def test_distributed_optimizer_fuses_one_allreduce_per_dtype():
    with tf.Graph().as_default():
        w32 = tf.Variable(np.ones((3, 2), np.float32), name="w32")
        b32 = tf.Variable(np.ones(2, np.float32), name="b32")
        w64 = tf.Variable(np.ones(2, np.float64), name="w64")
        loss = tf.reduce_sum(w32) + tf.reduce_sum(b32) + tf.cast(tf.reduce_sum(w64), tf.float32)
        opt = hvd.DistributedOptimizer(tf.train.AdamOptimizer(0.1))
        opt.minimize(loss)
        ops = [op for op in tf.get_default_graph().get_operations()
               if op.type == "DistAllreduce"]
        assert sorted(len(op.inputs) for op in ops) == [1, 2]
        assert {op.attrs["labels"] for op in ops} == {("w32:0", "b32:0"), ("w64:0",)}
        assert opt.get_slot_names() == ["m", "v"]
        assert opt.get_slot(w32, "m").name == "w32/Adam:0"


@pytest.mark.parametrize("backend", BACKENDS)
def test_one_fused_collective_moves_every_gradient_of_a_dtype(one_process, monkeypatch,
                                                              backend):
    calls = []
    real = torch.distributed.all_reduce
    monkeypatch.setattr(torch.distributed, "all_reduce",
                        lambda t, *a, **k: calls.append(t.numel()) or real(t, *a, **k))
    with tf.Graph().as_default():
        grads = [tf.constant(np.full(s, 2.0, np.float32)) for s in [(3, 2), (2,), (4,)]]
        grads.insert(1, None)
        reduced = hvd.allreduce_gradients(grads)
        assert reduced[1] is None
        with tf.Session(backend=backend) as sess:
            got = sess.run([r for r in reduced if r is not None])
    assert calls == [6 + 2 + 4]
    for g, r in zip([g for g in grads if g is not None], got):
        assert r.shape == tuple(g.shape.as_list()) and (r == 2.0).all()


def test_compression_sends_float16():
    with tf.Graph().as_default():
        w = tf.Variable(np.ones(3, np.float32), name="w")
        hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.1),
                                 compression=hvd.Compression.fp16).minimize(tf.reduce_sum(w))
        (op,) = [op for op in tf.get_default_graph().get_operations()
                 if op.type == "DistAllreduce"]
        assert op.inputs[0].dtype == tf.float16


def test_one_process_optimizer_adds_no_collective(one_process):
    with tf.Graph().as_default():
        w = tf.Variable(2.0, name="w")
        step = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.25)).minimize(w * w)
        assert not [op for op in tf.get_default_graph().get_operations()
                    if op.type.startswith("Dist")]
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(step)
            assert sess.run(w) == pytest.approx(1.0)


def test_broadcast_hook_runs_the_broadcast(one_process):
    with tf.Graph().as_default():
        w = tf.Variable([1.0, 2.0], name="w")
        hook = hvd.BroadcastGlobalVariablesHook(0)
        hook.begin()
        assert hook.bcast_op.type == "NoOp"
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            hook.after_create_session(sess, None)
            np.testing.assert_array_equal(sess.run(w), [1.0, 2.0])


def test_broadcast_hook_in_a_monitored_training_session(one_process):
    monitored = getattr(tf.train, "MonitoredTrainingSession", None) or \
        pytest.importorskip("flowkit.train.monitored_session").MonitoredTrainingSession
    with tf.Graph().as_default():
        w = tf.Variable([1.0, 2.0], name="w")
        tf.train.get_or_create_global_step()
        ran = []

        class Hook(hvd.BroadcastGlobalVariablesHook):
            def after_create_session(self, session, coord):
                super().after_create_session(session, coord)
                ran.append(self.bcast_op)

        hook = Hook(0)
        with monitored(hooks=[hook], checkpoint_dir=None) as sess:
            np.testing.assert_array_equal(sess.run(w), [1.0, 2.0])
        assert ran == [hook.bcast_op] and hook.bcast_op.graph is w.graph


def test_shape_rules_reject_what_cannot_travel():
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="cannot move string"):
            hvd.allreduce(tf.constant(["a"]))
        with pytest.raises(ValueError, match="scalar"):
            hvd.allgather(tf.constant(1.0))
        with pytest.raises(TypeError, match="one dtype"):
            hvd.grouped_allreduce([tf.constant(1.0), tf.constant(1)])
        with pytest.raises(ValueError, match="root_rank"):
            hvd.broadcast(tf.constant(1.0), -1)


def test_init_with_several_ranks_and_no_address_says_how_to_launch(monkeypatch):
    monkeypatch.delenv("MASTER_ADDR", raising=False)
    monkeypatch.delenv("MASTER_PORT", raising=False)
    with pytest.raises(ValueError, match="torchrun"):
        hvd.init(rank=0, world_size=2)
    assert not hvd.is_initialized()


@pytest.mark.cuda
def test_nccl_allreduce_on_the_gpu():
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    hvd.init(backend="cpu:gloo,cuda:nccl", rank=0, world_size=1,
             init_method=f"tcp://127.0.0.1:{runtime.free_port()}")
    try:
        with tf.Graph().as_default():
            x = tf.constant(np.arange(4, dtype=np.float32))
            y = hvd.allreduce(x, average=False)
            (g,) = tf.gradients(tf.reduce_sum(y * y), [x])
            with tf.Session(backend="torch", device="cuda") as sess:
                got, grad = sess.run([y, g])
        np.testing.assert_array_equal(got, np.arange(4))
        np.testing.assert_array_equal(grad, 2 * np.arange(4))
    finally:
        hvd.shutdown()


@pytest.mark.slow
def test_a_silent_rank_aborts_the_others_at_the_timeout():
    timeout = 2.0
    (rc0, out0, err0), _ = launch(2, ["fail", "--timeout", str(timeout), "--hang"])
    assert rc0 == 0, err0[-3000:]
    dead = next(s for s in out0.splitlines() if s.startswith("DEAD"))
    kind, seconds = dead.split()[1:3]
    assert kind == "AbortedError", dead
    assert timeout - 0.5 < float(seconds) < timeout + 5, dead
    assert "timeout" in dead
