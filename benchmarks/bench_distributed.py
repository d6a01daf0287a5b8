"""Data-parallel scaling of the MLP training step with flowkit.distributed (gloo, loopback).

    python benchmarks/bench_distributed.py [--procs 1 2 4] [--steps 30] [--backend numpy]

For each process count N it starts N processes (as torchrun would, on 127.0.0.1 and a free
port); each trains the benchmarks' MLP (784-512-512-10, float32, batch 128 *per process*:
weak scaling) with ``hvd.DistributedOptimizer`` and reports the median step time. The
allreduce is timed alone on buffers of the gradients' sizes, fused (one collective for all
six gradients, what DistributedOptimizer builds) and unfused (one collective per gradient).
Efficiency is ``step(1) / step(N)``: 100% means N processes do N times the work in the time
one does its own. On a machine with fewer cores than processes, the processes share cores,
so the number to read is the overhead (the allreduce), not the speed-up.

Then it prints the model for N GPUs: the bytes each allreduce moves per step and the
ring-allreduce time ``2 (N-1)/N * bytes / bandwidth + 2 (N-1) * latency`` at stated link
speeds.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LAYERS = [(784, 512), (512, 512), (512, 10)]
BATCH = 128
LINKS = [("100GbE/IB", 12.5e9, 5e-6), ("PCIe4 x16", 25e9, 3e-6),
         ("NVLink4", 450e9, 2e-6)]      # name, bytes/s one way, latency per hop


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _median_ms(fn, steps, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(steps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return 1e3 * float(np.median(times))


def worker(args) -> None:
    """One process: times the step and the allreduce; rank 0 prints a JSON line."""
    sys.path.insert(0, os.path.dirname(HERE))
    import flowkit as tf
    import flowkit.distributed as hvd

    hvd.init(timeout=120)
    r, n = hvd.rank(), hvd.size()
    rng = np.random.default_rng(r)
    x_val = rng.standard_normal((BATCH, 784)).astype(np.float32)
    y_val = np.eye(10, dtype=np.float32)[rng.integers(0, 10, BATCH)]
    shapes = [s for n_in, n_out in LAYERS for s in ((n_in, n_out), (n_out,))]
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, 784])
        y = tf.placeholder(tf.float32, [None, 10])
        ws = [tf.Variable((rng.standard_normal(s) * 0.05).astype(np.float32)) for s in shapes]
        h = x
        for i in range(0, len(ws), 2):
            h = tf.matmul(h, ws[i]) + ws[i + 1]
            h = tf.nn.relu(h) if i < len(ws) - 2 else h
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=h))
        step = hvd.DistributedOptimizer(tf.train.GradientDescentOptimizer(0.01)).minimize(loss)
        bcast = hvd.broadcast_global_variables(0)
        grads = [tf.constant(np.ones(s, np.float32)) for s in shapes]
        fused = hvd.grouped_allreduce(grads)
        unfused = [hvd.allreduce(g) for g in grads]
        with tf.Session(backend=args.backend) as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(bcast)
            feed = {x: x_val, y: y_val}
            step_ms = _median_ms(lambda: sess.run(step, feed), args.steps)
            fused_ms = _median_ms(lambda: sess.run(fused), args.steps)
            unfused_ms = _median_ms(lambda: sess.run(unfused), args.steps)
    if r == 0:
        params = sum(int(np.prod(s)) for s in shapes)
        print(json.dumps({"procs": n, "step_ms": step_ms, "fused_ms": fused_ms,
                          "unfused_ms": unfused_ms, "params": params}), flush=True)
    hvd.shutdown()


def launch(n, args) -> dict:
    port = str(free_port())
    env = dict(os.environ, MASTER_ADDR="127.0.0.1", MASTER_PORT=port, OMP_NUM_THREADS="1",
               WORLD_SIZE=str(n), LOCAL_WORLD_SIZE=str(n))
    if os.path.exists("/sys/class/net/lo"):
        env["GLOO_SOCKET_IFNAME"] = "lo"
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--steps", str(args.steps),
           "--backend", args.backend]
    procs = [subprocess.Popen(cmd, env=dict(env, RANK=str(r), LOCAL_RANK=str(r)),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for r in range(n)]
    outs = [p.communicate() for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit(f"a worker failed:\n{outs[0][1][-2000:]}")
    return json.loads(outs[0][0].strip().splitlines()[-1])


def ring_model(params, counts=(2, 4, 8, 16, 64)) -> None:
    nbytes = 4 * params
    print(f"\nModel for N GPUs: one fused float32 allreduce of {params:,} gradients = "
          f"{nbytes / 1e6:.2f} MB per step (fp16 compression halves it).")
    print("Ring allreduce time = 2 (N-1)/N * bytes / bandwidth + 2 (N-1) * latency "
          "(each process sends and receives 2 (N-1)/N of the buffer):")
    print(f"{'N':>4} {'sent/process':>15}  " + "  ".join(f"{name:>12}" for name, _, _ in LINKS))
    for n in counts:
        sent = 2 * (n - 1) / n * nbytes
        cells = [f"{1e3 * (sent / bw + 2 * (n - 1) * lat):>9.3f} ms" for _, bw, lat in LINKS]
        print(f"{n:>4} {sent / 1e6:>12.2f} MB  " + "  ".join(cells))
    print("Bandwidths: " + "; ".join(f"{name} {bw / 1e9:g} GB/s, {lat * 1e6:g} us per hop"
                                    for name, bw, lat in LINKS) + ".")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--procs", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--backend", default="numpy")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    print(f"MLP 784-512-512-10 training step, batch {BATCH} per process, backend "
          f"{args.backend}, gloo on loopback, {os.cpu_count()} CPU cores")
    print(f"{'procs':>5} {'step ms':>9} {'allreduce ms':>13} {'unfused ms':>11} "
          f"{'share':>6} {'efficiency':>10} {'examples/s':>11}")
    base, params = float("nan"), None
    for n in args.procs:
        r = launch(n, args)
        base = r["step_ms"] if n == 1 else base
        params = r["params"]
        eff = base / r["step_ms"]
        share = r["fused_ms"] / r["step_ms"] if n > 1 else 0.0
        print(f"{n:>5} {r['step_ms']:>9.2f} {r['fused_ms']:>13.3f} {r['unfused_ms']:>11.3f} "
              f"{share:>6.0%} {eff:>10.0%} {n * BATCH / r['step_ms'] * 1e3:>11.0f}")
    print("allreduce: the fused collective of DistributedOptimizer (one per dtype) on the six "
          "gradients' sizes; unfused: one collective per gradient. share: allreduce / step. "
          "With 1 process DistributedOptimizer adds no collective.")
    ring_model(params)


if __name__ == "__main__":
    main()
