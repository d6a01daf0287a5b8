"""One process of the distributed tests (tests/test_distributed.py launches N of them, with
torchrun or with the environment torchrun would set). Importing this runs nothing.

    python worker.py train --model mlp,cnn --backend numpy --steps 4 --out results/
    python worker.py fail --timeout 5

``train``: every rank starts from different random variables; after
``broadcast_global_variables(0)`` they must be equal; then each rank trains on its share of
each step's combined batch, and after every step all ranks must hold identical variables
(checked with an allgather). Rank 0 writes the initial and per-step variables to
``<out>/<model>.npz``. It also checks the collective ops' values and gradients with
rank-dependent inputs.

``fail``: rank 1 builds a variable of another shape (the broadcast must name it on every
rank); then, after one good allreduce, rank 1 kills itself and rank 0's next allreduce must
raise UnavailableError or AbortedError within the timeout. Rank 0 prints what it saw.
"""
import argparse
import os
import signal
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def flat_variables(tf):
    return tf.concat([tf.reshape(v, [-1]) for v in tf.global_variables()], axis=0)


def check_ops(tf, hvd, backend):
    """Values and gradients of the collective ops with rank-dependent inputs."""
    r, n = hvd.rank(), hvd.size()
    x = tf.constant(np.arange(3, dtype=np.float64) + 10 * r)
    rows = tf.constant(np.full((r + 1, 2), float(r)))       # rank r has r + 1 rows
    summed = hvd.allreduce(x, average=False)
    mean = hvd.allreduce(x)
    bcast = hvd.broadcast(x, root_rank=n - 1)
    gathered = hvd.allgather(rows)
    weights = tf.constant(np.arange(3, dtype=np.float64) + 1 + r)   # differs per rank
    loss = tf.reduce_sum(weights * summed) + tf.reduce_sum(weights * bcast) + \
        tf.reduce_sum(tf.reshape(tf.cast(tf.range(tf.shape(gathered)[0]), tf.float64),
                                 [-1, 1]) * gathered)
    gx, grows = tf.gradients(loss, [x, rows])
    with tf.Session(backend=backend) as sess:
        s, m, b, g, dx, drows = sess.run([summed, mean, bcast, gathered, gx, grows])
    base = np.arange(3.0)
    all_w = [base + 1 + q for q in range(n)]
    np.testing.assert_allclose(s, n * base + 10 * sum(range(n)))
    np.testing.assert_allclose(m, base + 10 * (n - 1) / 2)
    np.testing.assert_allclose(b, base + 10 * (n - 1))
    assert g.shape == (n * (n + 1) // 2, 2), g.shape
    np.testing.assert_allclose(g[:, 0], np.repeat(np.arange(n), np.arange(1, n + 1)))
    # d/dx_r of sum_q w_q . allreduce(x) is sum_q w_q; the broadcast's reduce adds
    # sum_q w_q on the root only.
    want = sum(all_w) + (sum(all_w) if r == n - 1 else 0)
    np.testing.assert_allclose(dx, want)
    start = r * (r + 1) // 2                 # rank r's first row in the gathered tensor
    np.testing.assert_allclose(drows, n * np.arange(start, start + r + 1)[:, None] *
                               np.ones((1, 2)))


def train(args):
    import flowkit as tf
    import flowkit.distributed as hvd

    hvd.init(timeout=args.timeout)
    r, n = hvd.rank(), hvd.size()
    assert (r, n) == (int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]))
    if args.check_ops:
        with tf.Graph().as_default():
            check_ops(tf, hvd, args.backend)
    for model in args.model.split(","):
        with tf.Graph().as_default():
            train_model(tf, hvd, model, args)
    hvd.shutdown()


def train_model(tf, hvd, model, args):
    import models

    r, n = hvd.rank(), hvd.size()
    x, y, loss, train_op = models.build(tf, model, wrap=hvd.DistributedOptimizer, seed=1 + r)
    allreduces = [op for op in tf.get_default_graph().get_operations()
                  if op.type == "DistAllreduce"]
    assert len(allreduces) == 1, [op.name for op in allreduces]   # one fused float32 bucket
    hook = hvd.BroadcastGlobalVariablesHook(0)
    hook.begin()
    every = hvd.allgather(tf.reshape(flat_variables(tf), [1, -1]))
    trajectory, losses = [], []
    with tf.Session(backend=args.backend) as sess:
        sess.run(tf.global_variables_initializer())
        before = sess.run(every)
        assert not np.array_equal(before[0], before[-1]), "random inits should differ"
        hook.after_create_session(sess, None)
        values = sess.run(every)
        assert (values == values[0]).all(), "broadcast left the ranks different"
        trajectory.append(values[0])
        for step in range(args.steps):
            bx, by = models.share(models.global_batch(step, args.batch * n), r, n)
            losses.append(sess.run([train_op, loss], {x: bx, y: by})[1])
            values = sess.run(every)
            assert (values == values[0]).all(), f"ranks differ after step {step}"
            trajectory.append(values[0])
    if r == 0:
        np.savez(os.path.join(args.out, f"{model}.npz"), trajectory=np.stack(trajectory),
                 losses=np.array(losses), names=np.array([v.name for v in tf.global_variables()]))


def fail(args):
    import flowkit as tf
    import flowkit.distributed as hvd

    hvd.init(timeout=args.timeout)
    r = hvd.rank()
    tf.Variable(np.zeros((3, 4 + r), np.float32), name="hidden/weights")
    bcast = hvd.broadcast_global_variables(0)
    total = hvd.allreduce(tf.constant([1.0 + r]), average=False)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        try:
            sess.run(bcast)
            print("MISMATCH not detected", flush=True)
        except tf.errors.InvalidArgumentError as e:
            print("MISMATCH", " ".join(str(e).split()), flush=True)
        print("TOTAL", float(sess.run(total)[0]), flush=True)
        if r == 1 and args.hang:
            time.sleep(args.timeout + 1)     # alive but silent: rank 0 must give up
            os._exit(0)
        if r == 1:
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(0.5)
        start = time.monotonic()
        try:
            sess.run(total)
            print("DEAD not detected", flush=True)
        except (tf.errors.UnavailableError, tf.errors.AbortedError) as e:
            print("DEAD", type(e).__name__, f"{time.monotonic() - start:.2f}",
                  " ".join(str(e).split()), flush=True)
    hvd.shutdown()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("scenario", choices=["train", "fail"])
    p.add_argument("--model", default="mlp")
    p.add_argument("--backend", default="numpy")
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--batch", type=int, default=8, help="examples per rank per step")
    p.add_argument("--timeout", type=float, default=20.0)
    p.add_argument("--check-ops", action="store_true")
    p.add_argument("--hang", action="store_true", help="fail: rank 1 hangs instead of dying")
    p.add_argument("--out", default=".", help="folder of rank 0's <model>.npz files")
    args = p.parse_args()
    train(args) if args.scenario == "train" else fail(args)


if __name__ == "__main__":
    main()
