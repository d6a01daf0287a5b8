"""A 2-layer LSTM language-model training step (PTB "small": batch 32, 35 steps, hidden and
embedding 200, vocabulary 10,000, plain SGD) in flowkit (``dynamic_rnn`` of a
``MultiRNNCell`` of ``BasicLSTMCell``s, on the NumPy and the torch backend), hand-written
PyTorch (``torch.nn.LSTM``, and by-hand cells unrolled in Python with autograd) and TF 2.21's
``tf.compat.v1`` (the same program as flowkit's), on the same data.

    python benchmarks/bench_lstm.py [--steps 10] [--procs 3] [--threads N] [--only ROW]
    python benchmarks/bench_lstm.py --device cuda     # the torch rows on the GPU

Each row runs in ``--procs`` fresh processes, one after another in turn (so that a busy
machine slows every row alike); each process reports its median step time, its median CPU
time per step and its page faults per step. The table gives the fastest process and the
median over the processes, and the ratios the issue sets as targets: flowkit on torch
against by-hand PyTorch cells (target at most 1.5x), and against TF compat.v1 (target below
1x). With ``--device cuda`` only the three torch rows run, on the GPU (each step ends by
fetching the loss to the host, which waits for the GPU on both sides). Every row uses
``--threads`` threads (default: all cores): PyTorch's
``set_num_threads``, ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS`` for NumPy, and
``intra_op_parallelism_threads`` = ``inter_op_parallelism_threads`` for TF and flowkit.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

BATCH, STEPS, HIDDEN, VOCAB, LAYERS, LR = 32, 35, 200, 10000, 2, 1.0


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, VOCAB, size=(BATCH, STEPS)).astype(np.int32)
    y = rng.integers(0, VOCAB, size=(BATCH, STEPS)).astype(np.int32)
    return x, y


def _faults():
    try:
        import resource
    except ImportError:          # not on Windows
        return 0
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def timed(step, n):
    """Median wall and CPU seconds per step, and page faults per step, after two warm-up
    steps."""
    step()
    step()
    times, cpu = [], []
    f0 = _faults()
    for _ in range(n):
        t, c = time.perf_counter(), time.process_time()
        step()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return {"wall": statistics.median(times), "cpu": statistics.median(cpu),
            "faults": (_faults() - f0) / n}


def tf_program(mod, rnn):
    """The TF1 program (``mod`` is flowkit or tf.compat.v1; ``rnn`` has rnn_cell and
    dynamic_rnn)."""
    x = mod.placeholder(mod.int32, [BATCH, STEPS])
    y = mod.placeholder(mod.int32, [BATCH, STEPS])
    init = mod.random_uniform_initializer(-0.1, 0.1, seed=1)
    with mod.variable_scope("model", initializer=init):
        emb = mod.get_variable("embedding", [VOCAB, HIDDEN])
        inputs = mod.nn.embedding_lookup(emb, x)
        cell = rnn.rnn_cell.MultiRNNCell([rnn.rnn_cell.BasicLSTMCell(HIDDEN, forget_bias=0.0)
                                          for _ in range(LAYERS)])
        out, _ = rnn.dynamic_rnn(cell, inputs, dtype=mod.float32)
        w = mod.get_variable("softmax_w", [HIDDEN, VOCAB])
        b = mod.get_variable("softmax_b", [VOCAB])
        logits = mod.matmul(mod.reshape(out, [-1, HIDDEN]), w) + b
        loss = mod.reduce_mean(mod.nn.sparse_softmax_cross_entropy_with_logits(
            labels=mod.reshape(y, [-1]), logits=logits))
        train = mod.train.GradientDescentOptimizer(LR).minimize(loss)
    return x, y, loss, train


def bench_flowkit(backend, n, threads, device="cpu"):
    import flowkit as tf
    from flowkit import rnn
    xv, yv = data()
    g = tf.Graph()
    with g.as_default():
        x, y, loss, train = tf_program(tf, rnn)
        init = tf.global_variables_initializer()
    config = tf.ConfigProto(intra_op_parallelism_threads=threads,
                            inter_op_parallelism_threads=threads)
    sess = tf.Session(graph=g, backend=backend, device=device, config=config)
    sess.run(init)
    return timed(lambda: sess.run([loss, train], {x: xv, y: yv}), n)


def bench_tf(n, threads):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow.compat.v1 as tf1
    tf1.disable_eager_execution()
    xv, yv = data()
    g = tf1.Graph()
    with g.as_default():
        x, y, loss, train = tf_program(tf1, tf1.nn)
        init = tf1.global_variables_initializer()
    config = tf1.ConfigProto(intra_op_parallelism_threads=threads,
                             inter_op_parallelism_threads=threads)
    sess = tf1.Session(graph=g, config=config)
    sess.run(init)
    return timed(lambda: sess.run([loss, train], {x: xv, y: yv}), n)


def bench_torch(by_hand, n, threads, device="cpu"):
    import torch
    torch.set_num_threads(threads)
    xv, yv = data()
    x, y = torch.from_numpy(xv).long().to(device), torch.from_numpy(yv).long().to(device)
    torch.manual_seed(0)
    emb = torch.nn.Embedding(VOCAB, HIDDEN).to(device)
    proj = torch.nn.Linear(HIDDEN, VOCAB).to(device)
    if by_hand:
        ws = [torch.empty(2 * HIDDEN, 4 * HIDDEN, device=device).uniform_(-0.1, 0.1)
              .requires_grad_() for _ in range(LAYERS)]
        bs = [torch.zeros(4 * HIDDEN, device=device, requires_grad=True)
              for _ in range(LAYERS)]
        params = list(emb.parameters()) + list(proj.parameters()) + ws + bs

        def model(inp):
            h = [torch.zeros(BATCH, HIDDEN, device=device) for _ in range(LAYERS)]
            c = [torch.zeros(BATCH, HIDDEN, device=device) for _ in range(LAYERS)]
            outs = []
            for t in range(STEPS):
                v = inp[:, t]
                for k in range(LAYERS):
                    gates = torch.addmm(bs[k], torch.cat([v, h[k]], 1), ws[k])
                    i, j, f, o = gates.chunk(4, 1)
                    c[k] = c[k] * torch.sigmoid(f) + torch.sigmoid(i) * torch.tanh(j)
                    h[k] = torch.tanh(c[k]) * torch.sigmoid(o)
                    v = h[k]
                outs.append(v)
            return torch.stack(outs, 1)
    else:
        lstm = torch.nn.LSTM(HIDDEN, HIDDEN, LAYERS, batch_first=True).to(device)
        params = list(emb.parameters()) + list(proj.parameters()) + list(lstm.parameters())

        def model(inp):
            return lstm(inp)[0]
    opt = torch.optim.SGD(params, lr=LR)

    def step():
        opt.zero_grad()
        out = model(emb(x))
        loss = torch.nn.functional.cross_entropy(proj(out.reshape(-1, HIDDEN)), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()
    return timed(step, n)


#: row: (the module it needs, runs on a GPU too, the benchmark(steps, threads, device))
ROWS = {
    "pytorch nn.LSTM": ("torch", True, lambda n, k, d: bench_torch(False, n, k, d)),
    "pytorch by-hand cells": ("torch", True, lambda n, k, d: bench_torch(True, n, k, d)),
    "flowkit torch": ("torch", True, lambda n, k, d: bench_flowkit("torch", n, k, d)),
    "flowkit numpy": (None, False, lambda n, k, d: bench_flowkit("numpy", n, k)),
    "tf compat.v1": ("tensorflow", False, lambda n, k, d: bench_tf(n, k)),
}


def worker(row, steps, threads, device):
    """One row in this process: prints its result as one JSON line."""
    print(json.dumps(ROWS[row][2](steps, threads, device)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=10, help="timed steps per process")
    p.add_argument("--procs", type=int, default=3, help="fresh processes per row")
    p.add_argument("--threads", type=int, default=0, help="threads per row (0: all cores)")
    p.add_argument("--only", action="append", choices=list(ROWS),
                   help="run only this row (repeatable)")
    p.add_argument("--device", default="cpu", help="cpu, or cuda for the torch rows on a GPU")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    threads = args.threads or os.cpu_count() or 1
    if args.worker:
        worker(args.worker, args.steps, threads, args.device)
        return None
    gpu = args.device.startswith("cuda")
    rows = [r for r in (args.only or ROWS) if (ROWS[r][0] is None or
            importlib.util.find_spec(ROWS[r][0]) is not None) and (ROWS[r][1] or not gpu)]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads), TF_CPP_MIN_LOG_LEVEL="3")
    runs = {r: [] for r in rows}
    for _ in range(args.procs):
        for r in rows:
            done = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", r,
                                   "--steps", str(args.steps), "--threads", str(threads),
                                   "--device", args.device],
                                  capture_output=True, text=True, env=env)
            if done.returncode:
                sys.stderr.write(done.stderr[-3000:])
                raise SystemExit(f"bench_lstm: the {r!r} process failed "
                                 f"(status {done.returncode})")
            runs[r].append(json.loads(done.stdout.strip().splitlines()[-1]))
    table = {}
    print(f"2-layer LSTM LM step (batch {BATCH}, {STEPS} steps, hidden {HIDDEN}, vocab {VOCAB}); "
          f"{args.procs} processes x {args.steps} steps per row, {threads} threads, "
          f"device {args.device}")
    print(f"  {'row':24s} {'fastest ms':>10s} {'median ms':>10s} {'CPU ms':>8s} "
          f"{'faults/step':>11s}")
    for r, res in runs.items():
        walls = [x["wall"] for x in res]
        table[r] = {"fastest": min(walls), "median": statistics.median(walls),
                    "cpu": statistics.median(x["cpu"] for x in res),
                    "faults": statistics.median(x["faults"] for x in res)}
        t = table[r]
        print(f"  {r:24s} {t['fastest'] * 1e3:10.1f} {t['median'] * 1e3:10.1f} "
              f"{t['cpu'] * 1e3:8.1f} {t['faults']:11.0f}")
    for ref, target in (("pytorch by-hand cells", "<= 1.5x"), ("tf compat.v1", "< 1x")):
        if "flowkit torch" in table and ref in table:
            ft, rt = table["flowkit torch"], table[ref]
            print(f"flowkit torch / {ref}: fastest {ft['fastest'] / rt['fastest']:.2f}x, "
                  f"median {ft['median'] / rt['median']:.2f}x, CPU {ft['cpu'] / rt['cpu']:.2f}x "
                  f"(target {target})")
    return table


if __name__ == "__main__":
    main()
