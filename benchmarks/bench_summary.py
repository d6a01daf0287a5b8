"""The cost of TensorBoard summaries in a training loop (issue 16, item 7).

    python benchmarks/bench_summary.py [--procs 5] [--blocks 40] [--every 10] [--backend numpy]

The workload is W2 of ``benchmarks/run.py``: the MLP training step (784-512-512-10, float32,
batch 128, gradient descent). Three ways of running it, timed in blocks of ``--every`` steps,
alternating block by block in one process so that all three see the same machine state:

* ``plain``: the W2 graph, no summary ops;
* ``unfetched``: a graph that also has ``tf.summary.scalar("loss")`` and
  ``tf.summary.histogram`` of the first layer's weights (784x512, the largest tensor; or of
  the logits, 128x10, with ``--histogram logits``), merged with ``tf.summary.merge_all()``,
  but the loop never fetches them: this must cost nothing;
* ``summaries``: that graph, fetching the merged summary with the step once per block (every
  ``--every`` steps) and writing it with ``FileWriter.add_summary``, as TF1 programs do.

Each of ``--procs`` fresh processes reports its median time per step for each way; the table
gives the fastest and the median over the processes, and the ratios to ``plain``. Target:
``summaries`` within 1.10x of ``plain``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = 1.10
WAYS = ("plain", "unfetched", "summaries")


def build(w0, backend, device, with_summaries, histogram="layer1"):
    """W2's MLP; with ``with_summaries``, also the merged scalar + histogram summary (of the
    first layer's weights, or of the logits)."""
    import flowkit as tf
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 784], name="x")
        y = tf.placeholder(tf.float32, [None, 10], name="y")
        ws = [tf.Variable(v) for v in w0]
        h1 = tf.nn.relu(tf.matmul(x, ws[0]) + ws[1])
        h2 = tf.nn.relu(tf.matmul(h1, ws[2]) + ws[3])
        logits = tf.matmul(h2, ws[4]) + ws[5]
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        merged = None
        if with_summaries:
            tf.summary.scalar("loss", loss)
            if histogram == "layer1":
                tf.summary.histogram("layer1/weights", ws[0])
            else:
                tf.summary.histogram("logits", logits)
            merged = tf.summary.merge_all()
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=g, backend=backend, device=device)
    sess.run(init)
    return sess, x, y, step, merged


def worker(args) -> None:
    """One process: the median time per step of each way; prints one JSON line."""
    sys.path.insert(0, os.path.dirname(HERE))
    sys.path.insert(0, HERE)
    import flowkit as tf
    from run import _mlp_data

    x, y, w0 = _mlp_data(128)
    plain, xp, yp, step, _ = build(w0, args.backend, args.device, False)
    sess, xs, ys, step_s, merged = build(w0, args.backend, args.device, True, args.histogram)
    sync = _syncer(args.device)
    every = args.every
    with tempfile.TemporaryDirectory(prefix="flowkit-bench-summary-") as logdir:
        writer = tf.summary.FileWriter(logdir, sess.graph)
        counter = [0]

        def run_plain():
            for _ in range(every):
                plain.run(step, {xp: x, yp: y})
            sync()

        def run_unfetched():
            for _ in range(every):
                sess.run(step_s, {xs: x, ys: y})
            sync()

        def run_summaries():
            _, summ = sess.run([step_s, merged], {xs: x, ys: y})
            writer.add_summary(summ, counter[0])
            counter[0] += every
            for _ in range(every - 1):
                sess.run(step_s, {xs: x, ys: y})
            sync()

        fns = {"plain": run_plain, "unfetched": run_unfetched, "summaries": run_summaries}
        for _ in range(3):                       # warm up: plans, caches, the event file
            for fn in fns.values():
                fn()
        times = {w: [] for w in WAYS}
        for _ in range(args.blocks):
            for w in WAYS:
                t0 = time.perf_counter()
                fns[w]()
                times[w].append((time.perf_counter() - t0) / every)
        writer.close()
        written = sum(os.path.getsize(os.path.join(logdir, f)) for f in os.listdir(logdir))
    print(json.dumps({"median": {w: statistics.median(t) for w, t in times.items()},
                      "summaries_written": counter[0] // every, "event_bytes": written}))


def _syncer(device):
    if device.startswith("cuda"):
        import torch
        return torch.cuda.synchronize
    return lambda: None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--procs", type=int, default=5, help="fresh processes (default 5)")
    ap.add_argument("--blocks", type=int, default=40,
                    help="timed blocks of --every steps per way and process (default 40)")
    ap.add_argument("--every", type=int, default=10,
                    help="steps per summary written (default 10)")
    ap.add_argument("--histogram", choices=("layer1", "logits"), default="layer1",
                    help="the histogram's tensor: the first layer's weights (784x512, the "
                         "default) or the logits (128x10)")
    ap.add_argument("--backend", default="numpy")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    try:
        import tensorboard  # noqa: F401
    except ImportError:
        print('bench_summary: skipped: no tensorboard package (pip install '
              '"flowkit[tensorboard]")')
        return 0
    cmd = [sys.executable, os.path.abspath(__file__), "--worker", "--blocks", str(args.blocks),
           "--every", str(args.every), "--histogram", args.histogram, "--backend", args.backend,
           "--device", args.device]
    results = []
    for i in range(args.procs):
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode:
            sys.stderr.write(done.stderr[-3000:])
            print(f"bench_summary: process {i + 1} failed (status {done.returncode})")
            return 1
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        m = results[-1]["median"]
        print(f"process {i + 1}: " + ", ".join(f"{w} {m[w] * 1e3:.3f} ms" for w in WAYS)
              + f" ({m['summaries'] / m['plain']:.3f}x)", flush=True)
    what = "the first layer's weights" if args.histogram == "layer1" else "the logits"
    print(f"\nMLP train step b128 on {args.backend}/{args.device}, a merged scalar + histogram "
          f"(of {what}) summary written every {args.every} steps; {args.procs} processes x "
          f"{args.blocks} blocks of {args.every} steps per way")
    print(f"{'way':<12} {'fastest ms':>11} {'median ms':>10} {'fastest':>8} {'median':>8}")
    fastest = {w: min(r["median"][w] for r in results) for w in WAYS}
    median = {w: statistics.median(r["median"][w] for r in results) for w in WAYS}
    for w in WAYS:
        print(f"{w:<12} {fastest[w] * 1e3:>11.3f} {median[w] * 1e3:>10.3f} "
              f"{fastest[w] / fastest['plain']:>7.3f}x {median[w] / median['plain']:>7.3f}x")
    ratio = median["summaries"] / median["plain"]
    print(f"summaries / plain (median): {ratio:.3f}x, target <= {TARGET:.2f}x: "
          f"{'met' if ratio <= TARGET else 'NOT met'} ({results[0]['event_bytes']} bytes of "
          f"events per process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
