"""flowkit benchmarks: each workload in flowkit and in a hand-written baseline, in one run.

    python benchmarks/run.py            # everything
    python benchmarks/run.py --quick    # about a minute
    python benchmarks/run.py --only W1,W2 --backend numpy
    python benchmarks/run.py --quick --processes 5   # each row in 5 fresh processes

Each row prints the median time of flowkit and of the baseline (hand-written NumPy for the
NumPy backend, hand-written PyTorch for the torch backend), their ratio, and the target from
the performance issue. Both sides do the same work: the losses they compute are compared.

When TensorFlow is installed (and --no-tf is not given), the rows that have a TensorFlow 1
equivalent (tf.compat.v1 graph mode, see bench_tf.py) also print TF's median and
"vs TF" = flowkit / TF. TF runs in a worker process, timed right after each flowkit row with
the same repeats; targets and "met" stay against the hand-written baselines.

With ``--processes N`` (N > 1) the whole benchmark runs in N fresh processes, one after the
other, and each row reports the fastest process's medians (``best``) and the median over the
processes of each side's median (``median``), with both ratios: on shared virtual machines a
process lands in a fast or a slow mode at random, and one process can mislead either way.
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

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))

import bench_tf  # noqa: E402 - light: imports TensorFlow only in its worker, when asked

ROWS = []


#: The clock of every timing: wall-clock time (the targets' measure), or with ``--clock
#: thread`` the CPU time of the timing thread (see main).
CLOCK = time.perf_counter

#: Environment of ``--clock thread``: every library's math on the timing thread.
SINGLE_THREADED = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def timeit(fn, repeat, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = CLOCK()
        fn()
        times.append(CLOCK() - t0)
    return statistics.median(times)


def alternate(fk, base, repeat, warmup=2):
    """Times two functions alternately (so both see the same machine state); medians."""
    for _ in range(warmup):
        fk()
        base()
    a, b = [], []
    for _ in range(repeat):
        t0 = CLOCK()
        fk()
        t1 = CLOCK()
        base()
        t2 = CLOCK()
        a.append(t1 - t0)
        b.append(t2 - t1)
    return statistics.median(a), statistics.median(b)


def tf_columns(fk, tf, scale):
    """The "TF" and "vs TF" columns (blank for a row without a TF number); "" without TF."""
    if not bench_tf.ON:
        return ""
    if tf is None:
        return f"{'':>10} {'':>7} "
    return f"{tf * scale:>10.3f} {fk / tf:>6.2f}x "


def row(name, backend, fk, base, target=None, unit="ms", note="", tf=None):
    ratio = fk / base if base else float("nan")
    met = "" if target is None else ("yes" if ratio <= target else "NO")
    ROWS.append((name, backend, fk, base, ratio, target, met, unit, note, tf))
    scale = 1e3 if unit == "ms" else 1e6
    tgt = "" if target is None else f"<= {target:.2f}x"
    print(f"{name:<28} {backend:<6} {fk * scale:>10.3f} {base * scale:>10.3f} {unit:<3} "
          f"{ratio:>7.2f}x {tgt:>9} {met:>4} {tf_columns(fk, tf, scale)}{note}", flush=True)


def header():
    tf = f" {'TF':>10} {'vs TF':>7}" if bench_tf.ON else ""
    print(f"{'workload':<28} {'backend':<6} {'flowkit':>10} {'baseline':>10} {'':<3} "
          f"{'ratio':>8} {'target':>9} {'met':>4}{tf}")


# --------------------------------------------------------------------------------------------
#: W1's targets: seconds per run of ``c = a + b`` (performance issue, round two).
W1_LIMITS = {"numpy": 10e-6, "torch": 20e-6}


def w1_run_overhead(args):
    import flowkit as tf
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, [], name="a")
        b = tf.placeholder(tf.float32, [], name="b")
        c = a + b
        x = a
        for _ in range(10):
            x = x * 1.0001
        chain = x
    sess = tf.Session(graph=g)
    va, vb = np.float32(1.0), np.float32(2.0)
    n = 2000 if args.quick else 20000
    fk, base = alternate(lambda: [sess.run(c, {a: va, b: vb}) for _ in range(100)],
                         lambda: [np.add(va, vb) for _ in range(100)], max(n // 100, 5))
    per_run = fk / 100
    tf_add = bench_tf.measured("w1_add", n_samples=max(n // 100, 5))
    t_tf = None if tf_add is None else tf_add["median"]
    ROWS.append(("W1 run c=a+b", "numpy", per_run, base / 100, per_run / (base / 100), None,
                 "yes" if per_run <= W1_LIMITS["numpy"] else "NO", "us", "target <= 10 us per run",
                 t_tf))
    tf_note = "" if t_tf is None else (
        f"; TF {t_tf * 1e6:.3f} us, vs TF {per_run / t_tf:.3f}x "
        f"(c = {sess.run(c, {a: va, b: vb})} vs TF {tf_add['value']})")
    print(f"{'W1 run c=a+b':<28} {'numpy':<6} {per_run * 1e6:>10.3f} {base / 100 * 1e6:>10.3f} "
          f"us  per run (target <= 10 us): {'yes' if per_run <= W1_LIMITS['numpy'] else 'NO'}"
          f"{tf_note}")
    k = 1.0001

    def chain_np():
        x = va
        for _ in range(10):
            x = x * np.float32(k)
        return x
    fk, base = alternate(lambda: [sess.run(chain, {a: va}) for _ in range(100)],
                         lambda: [chain_np() for _ in range(100)], max(n // 100, 5))
    tf_chain = bench_tf.measured("w1_chain", n_samples=max(n // 100, 5))
    if tf_chain is None:
        row("W1 10-op scalar chain", "numpy", fk / 100, base / 100, None, "us")
    else:
        row("W1 10-op scalar chain", "numpy", fk / 100, base / 100, None, "us",
            note=f"value {sess.run(chain, {a: va}):.6f} vs TF {tf_chain['value']:.6f}",
            tf=tf_chain["median"])


def w1_torch(args, device):
    """W1 on the torch backend (target 20 us per run, W1_LIMITS; met is judged with
    ``--processes``). Both
    sides start from host scalars and return host values, as a session run does."""
    import torch
    import flowkit as tf
    g = tf.Graph()
    with g.as_default():
        a = tf.placeholder(tf.float32, [], name="a")
        b = tf.placeholder(tf.float32, [], name="b")
        c = a + b
    sess = tf.Session(graph=g, backend="torch", device=device)
    va, vb = np.float32(1.0), np.float32(2.0)

    def by_hand():
        return (torch.as_tensor(va, device=device) + torch.as_tensor(vb, device=device)).cpu() \
            .numpy()
    n = 2000 if args.quick else 20000
    fk, base = alternate(lambda: [sess.run(c, {a: va, b: vb}) for _ in range(100)],
                         lambda: [by_hand() for _ in range(100)], max(n // 100, 5))
    row("W1 run c=a+b", "torch", fk / 100, base / 100, None, "us",
        note=f"(information) c = {sess.run(c, {a: va, b: vb})} vs {by_hand()}")


# --------------------------------------------------------------------------------------------
def _mlp_data(batch, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
    w = [(rng.standard_normal((784, 512)) * 0.05).astype(np.float32),
         np.zeros(512, np.float32),
         (rng.standard_normal((512, 512)) * 0.05).astype(np.float32),
         np.zeros(512, np.float32),
         (rng.standard_normal((512, 10)) * 0.05).astype(np.float32),
         np.zeros(10, np.float32)]
    return x, y, w


def _flowkit_mlp(w0, backend, device, train=True):
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
        step = tf.train.GradientDescentOptimizer(0.1).minimize(loss) if train else None
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=g, backend=backend, device=device)
    sess.run(init)
    return sess, x, y, loss, step, logits


class NumpyMLP:
    """A careful hand-written NumPy MLP training step (what flowkit is compared against)."""

    def __init__(self, w0):
        self.w = [v.copy() for v in w0]

    def forward(self, x):
        w1, b1, w2, b2, w3, b3 = self.w
        z1 = x @ w1
        z1 += b1
        h1 = np.maximum(z1, 0, out=z1)
        z2 = h1 @ w2
        z2 += b2
        h2 = np.maximum(z2, 0, out=z2)
        logits = h2 @ w3
        logits += b3
        return h1, h2, logits

    def step(self, x, y, lr=np.float32(0.1)):
        w1, b1, w2, b2, w3, b3 = self.w
        h1, h2, logits = self.forward(x)
        m = logits.max(axis=1, keepdims=True)
        e = np.exp(logits - m)
        s = e.sum(axis=1, keepdims=True)
        p = e / s
        loss = np.mean(-(y * (logits - m - np.log(s))).sum(axis=1))
        n = np.float32(x.shape[0])
        d3 = (p - y) / n
        gw3 = h2.T @ d3
        gb3 = d3.sum(axis=0)
        d2 = d3 @ w3.T
        d2 *= h2 > 0
        gw2 = h1.T @ d2
        gb2 = d2.sum(axis=0)
        d1 = d2 @ w2.T
        d1 *= h1 > 0
        gw1 = x.T @ d1
        gb1 = d1.sum(axis=0)
        for v, gv in zip(self.w, (gw1, gb1, gw2, gb2, gw3, gb3)):
            v -= lr * gv
        return loss


class TorchMLP:
    def __init__(self, w0, device):
        import torch
        self.t = torch
        self.w = [torch.tensor(v, device=device) for v in w0]
        self.device = device

    def forward(self, x):
        t = self.t
        w1, b1, w2, b2, w3, b3 = self.w
        h1 = t.relu(x @ w1 + b1)
        h2 = t.relu(h1 @ w2 + b2)
        return h1, h2, h2 @ w3 + b3

    def step(self, x, y, lr=0.1):
        t = self.t
        with t.no_grad():
            w1, b1, w2, b2, w3, b3 = self.w
            h1, h2, logits = self.forward(x)
            logp = t.log_softmax(logits, dim=1)
            loss = -(y * logp).sum(dim=1).mean()
            d3 = (logp.exp() - y) / x.shape[0]
            d2 = (d3 @ w3.T) * (h2 > 0)
            d1 = (d2 @ w2.T) * (h1 > 0)
            grads = (x.T @ d1, d1.sum(0), h1.T @ d2, d2.sum(0), h2.T @ d3, d3.sum(0))
            for v, gv in zip(self.w, grads):
                v.sub_(lr * gv)
            return loss


def _sync(device):
    if device.startswith("cuda"):
        import torch
        torch.cuda.synchronize()


def w2_w3_mlp(args, backend, device):
    x, y, w0 = _mlp_data(128)
    sess, xp, yp, loss, step, logits = _flowkit_mlp(w0, backend, device)
    repeat = 30 if args.quick else 60
    if backend == "numpy":
        base = NumpyMLP(w0)
        l_fk = sess.run([step, loss], {xp: x, yp: y})[1]
        l_base = base.step(x, y)
        check = f"loss {l_fk:.5f} vs {l_base:.5f}"
        fk, bt = alternate(lambda: sess.run(step, {xp: x, yp: y}), lambda: base.step(x, y), repeat)
    else:
        import torch
        base = TorchMLP(w0, device)
        tx, ty = torch.tensor(x, device=device), torch.tensor(y, device=device)
        l_fk = sess.run([step, loss], {xp: x, yp: y})[1]
        l_base = float(base.step(tx, ty))
        check = f"loss {l_fk:.5f} vs {l_base:.5f}"

        def fk_step():
            sess.run(step, {xp: x, yp: y})
            _sync(device)

        def base_step():
            # the baseline also takes its batch from host memory, as a feed does
            base.step(torch.tensor(x, device=device), torch.tensor(y, device=device))
            _sync(device)
        fk, bt = alternate(fk_step, base_step, repeat)
    tf2 = bench_tf.measured("w2", repeat=repeat)
    if tf2 is not None:
        check += f", TF {tf2['loss']:.5f}"
    row("W2 MLP train step b128", backend, fk, bt, 1.05, note=check,
        tf=None if tf2 is None else tf2["median"])

    xi = np.random.default_rng(1).standard_normal((1024, 784)).astype(np.float32)
    sess2, xp2, _, _, _, logits2 = _flowkit_mlp(w0, backend, device, train=False)
    if backend == "numpy":
        base2 = NumpyMLP(w0)
        fk, bt = alternate(lambda: sess2.run(logits2, {xp2: xi}), lambda: base2.forward(xi)[2],
                           repeat)
    else:
        import torch
        base2 = TorchMLP(w0, device)

        def fk_inf():
            sess2.run(logits2, {xp2: xi})

        def base_inf():
            with torch.no_grad():
                base2.forward(torch.tensor(xi, device=device))[2].cpu().numpy()
        fk, bt = alternate(fk_inf, base_inf, repeat)
    row("W3 MLP inference b1024", backend, fk, bt, 1.10, tf=bench_tf.median("w3", repeat=repeat))


# --------------------------------------------------------------------------------------------
def across_processes(n, argv):
    """Runs this benchmark ``n`` times in fresh processes and prints, per row, the fastest
    process's medians and the median over processes (see the module docstring)."""
    per_row = {}
    load = [os.getloadavg()[0]]
    for k in range(n):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "rows.json")
            subprocess.run([sys.executable, __file__, *argv, "--rows-json", path],
                           stdout=subprocess.DEVNULL, check=True)
            with open(path) as f:
                for r in json.load(f):
                    per_row.setdefault((r[0], r[1]), []).append(r)
        load.append(os.getloadavg()[0])
        print(f"process {k + 1}/{n} done", flush=True)
    print(f"load average (1 min) before and after each process: "
          f"{', '.join(f'{v:.2f}' for v in load)}")
    if "--clock=thread" in argv or any(a == "--clock" and b == "thread"
                                       for a, b in zip(argv, argv[1:])):
        print("times: CPU time of one thread (--clock thread); the targets are judged on "
              "wall-clock time, 'met' below is information")
    print(f"\n{'workload':<28} {'backend':<6} {'fk best':>9} {'base best':>9} {'ratio':>6} "
          f"{'fk median':>9} {'base med':>9} {'ratio':>6} {'target':>8} {'met (best, median)':>18}")
    for (name, backend), rs in per_row.items():
        unit = rs[0][7]
        scale = 1e3 if unit == "ms" else 1e6
        fk = [r[2] for r in rs]
        base = [r[3] for r in rs]
        fb, bb = min(fk), min(base)
        fm, bm = statistics.median(fk), statistics.median(base)
        target = rs[0][5]
        limit = W1_LIMITS.get(backend) if name == "W1 run c=a+b" else None
        if limit is not None:                        # W1: an absolute target per run
            target_s = f"<= {limit * 1e6:.0f} us"
            met = f"{'yes' if fb <= limit else 'NO'}, {'yes' if fm <= limit else 'NO'}"
        else:
            target_s = "" if target is None else f"<= {target:.2f}"
            met = "" if target is None else \
                f"{'yes' if fb / bb <= target else 'NO'}, {'yes' if fm / bm <= target else 'NO'}"
        print(f"{name:<28} {backend:<6} {fb * scale:>9.3f} {bb * scale:>9.3f} {fb / bb:>5.2f}x "
              f"{fm * scale:>9.3f} {bm * scale:>9.3f} {fm / bm:>5.2f}x {target_s:>8} {met:>18} "
              f"{unit} ({len(rs)} processes)")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", default="",
                   help="comma-separated workloads: W1,W2 (with W3),W4,W5,W6,startup,memory")
    p.add_argument("--backend", default="", help="numpy or torch (default: both if installed)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--no-tf", action="store_true",
                   help="leave out the TensorFlow (tf.compat.v1) columns even when installed")
    p.add_argument("--processes", type=int, default=1,
                   help="run everything in this many fresh processes; report the fastest "
                        "process and the median over processes per row")
    p.add_argument("--clock", choices=("wall", "thread"), default="wall",
                   help="wall: wall-clock time (the targets' measure). thread: the CPU time of "
                        "the timing thread, with BLAS, OpenMP and MKL single-threaded (the "
                        "benchmark runs itself again with OPENBLAS_NUM_THREADS=1 etc.): on a "
                        "machine other jobs load, it stays steady where wall-clock times "
                        "measure mostly the wait for a core. Its ratios compare the work of "
                        "both sides on one core; the targets are judged on wall-clock time")
    p.add_argument("--rows-json", default="", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.clock == "thread":
        if any(os.environ.get(k) != v for k, v in SINGLE_THREADED.items()):
            os.execve(sys.executable, [sys.executable, os.path.abspath(__file__), *sys.argv[1:]],
                      {**os.environ, **SINGLE_THREADED})
        global CLOCK
        CLOCK = time.thread_time
        args.no_tf = True           # TF's own thread pools: its times are wall-clock times
    if args.processes > 1:
        argv = [a for a in sys.argv[1:] if not a.startswith("--processes")]
        if "--processes" in sys.argv:
            i = sys.argv.index("--processes")
            argv = sys.argv[1:i] + sys.argv[i + 2:]
        across_processes(args.processes, argv)
        return
    bench_tf.ON = bench_tf.enabled(args)
    only = {s.strip().upper() for s in args.only.split(",") if s.strip()}
    from flowkit import plugins
    backends = [args.backend] if args.backend else \
        [b for b in ("numpy", "torch") if b in plugins.backend_names()]
    print(f"flowkit benchmarks on {os.cpu_count()} CPU(s), numpy {np.__version__}"
          + (" (quick)" if args.quick else "")
          + (", CPU time of one thread (--clock thread)" if args.clock == "thread" else "")
          + f", load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(bench_tf.describe(args))
    header()

    def want(w):
        return not only or w in only
    if want("W1") and "numpy" in backends:
        w1_run_overhead(args)
    if want("W1") and "torch" in backends:
        w1_torch(args, args.device)
    for be in backends:
        dev = args.device if be == "torch" else "cpu"
        if want("W2") or want("W3"):
            w2_w3_mlp(args, be, dev)
    import bench_more
    try:
        bench_more.run_more(args, backends, want, row, alternate, timeit)
    finally:
        bench_tf.close()
    if args.rows_json:
        with open(args.rows_json, "w") as f:
            json.dump([list(r) for r in ROWS], f)
    missed = [r for r in ROWS if r[6] == "NO"]
    print(f"\n{len(ROWS)} rows; {len([r for r in ROWS if r[6] == 'yes'])} targets met, "
          f"{len(missed)} missed" + (": " + ", ".join(f"{r[0]} ({r[1]})" for r in missed)
                                      if missed else ""))


if __name__ == "__main__":
    main()
