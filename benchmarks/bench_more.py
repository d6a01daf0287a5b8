"""Workloads W4 (CNN), W5 (checkpoints), W6 (graph scale) and start-up / peak memory."""
from __future__ import annotations

import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

import numpy as np

import bench_tf
from numpy_cnn import CompetentNumpyCNN


# --------------------------------------------------------------------------------------------
# W4: CNN training step
# --------------------------------------------------------------------------------------------
def _cnn_data(batch=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, 28, 28, 1)).astype(np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, batch)]
    w = [(rng.standard_normal((5, 5, 1, 32)) * 0.1).astype(np.float32), np.zeros(32, np.float32),
         (rng.standard_normal((5, 5, 32, 64)) * 0.05).astype(np.float32), np.zeros(64, np.float32),
         (rng.standard_normal((3136, 1024)) * 0.02).astype(np.float32), np.zeros(1024, np.float32),
         (rng.standard_normal((1024, 10)) * 0.05).astype(np.float32), np.zeros(10, np.float32)]
    return x, y, w


def _flowkit_cnn(w0, backend, device):
    import flowkit as tf
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [None, 28, 28, 1], name="x")
        y = tf.placeholder(tf.float32, [None, 10], name="y")
        ws = [tf.Variable(v) for v in w0]
        h = tf.nn.relu(tf.nn.conv2d(x, ws[0], [1, 1, 1, 1], "SAME") + ws[1])
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        h = tf.nn.relu(tf.nn.conv2d(h, ws[2], [1, 1, 1, 1], "SAME") + ws[3])
        h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        h = tf.reshape(h, [-1, 3136])
        h = tf.nn.relu(tf.matmul(h, ws[4]) + ws[5])
        logits = tf.matmul(h, ws[6]) + ws[7]
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
        step = tf.train.GradientDescentOptimizer(0.01).minimize(loss)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=g, backend=backend, device=device)
    sess.run(init)
    return sess, x, y, loss, step


class TorchCNN:
    def __init__(self, w0, device):
        import torch
        self.t = torch
        # HWIO -> OIHW once, as a careful PyTorch user would store them.
        self.w = [torch.tensor(v, device=device) for v in w0]
        self.w[0] = torch.tensor(w0[0].transpose(3, 2, 0, 1).copy(), device=device)
        self.w[2] = torch.tensor(w0[2].transpose(3, 2, 0, 1).copy(), device=device)
        for v in self.w:
            v.requires_grad_(True)

    def step(self, x, y, lr=0.01):
        t = self.t
        F = t.nn.functional
        w1, b1, w2, b2, w3, b3, w4, b4 = self.w
        h = x.permute(0, 3, 1, 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w1, b1, padding=2)), 2)
        h = F.max_pool2d(F.relu(F.conv2d(h, w2, b2, padding=2)), 2)
        h = h.permute(0, 2, 3, 1).reshape(-1, 3136)
        h = F.relu(h @ w3 + b3)
        logits = h @ w4 + b4
        loss = -(y * t.log_softmax(logits, 1)).sum(1).mean()
        grads = t.autograd.grad(loss, self.w)
        with t.no_grad():
            for v, gv in zip(self.w, grads):
                v.sub_(lr * gv)
        return loss.detach()


def w4_cnn(args, backend, device, row, alternate):
    from run import _sync
    x, y, w0 = _cnn_data(64)
    sess, xp, yp, loss, step = _flowkit_cnn(w0, backend, device)
    repeat = 4 if args.quick else 15
    l_fk = sess.run([step, loss], {xp: x, yp: y})[1]
    if backend == "numpy":
        base = CompetentNumpyCNN(w0)     # buffers planned, im2col copies, fused backward
        l_base = base.step(x, y)
        fk, bt = alternate(lambda: sess.run(step, {xp: x, yp: y}), lambda: base.step(x, y),
                           repeat, warmup=1)
        target = 1.10
    else:
        import torch
        base = TorchCNN(w0, device)
        l_base = float(base.step(torch.tensor(x, device=device), torch.tensor(y, device=device)))

        def fk_step():
            sess.run(step, {xp: x, yp: y})
            _sync(device)

        def base_step():
            base.step(torch.tensor(x, device=device), torch.tensor(y, device=device))
            _sync(device)
        fk, bt = alternate(fk_step, base_step, repeat, warmup=1)
        target = 1.10
    check = f"loss {l_fk:.5f} vs {l_base:.5f}"
    tf4 = bench_tf.measured("w4", repeat=repeat)
    if tf4 is not None:
        check += f", TF {tf4['loss']:.5f}"
    row("W4 CNN train step b64", backend, fk, bt, target, note=check,
        tf=None if tf4 is None else tf4["median"])


# --------------------------------------------------------------------------------------------
# W5: checkpoints
# --------------------------------------------------------------------------------------------
def _w5_values(n_vars=25):
    """The W5 variables' initial values (also used by bench_tf)."""
    return [np.random.default_rng(i).standard_normal(1_000_000).astype(np.float32)
            for i in range(n_vars)]


def _tf_sizes(r):
    """ "TF files: .data 100.0 MB, ..." from a bench_tf W5 save result."""
    return "TF files (no fsync): " + ", ".join(
        f"{k} {v / 1e6:.1f} MB" if v >= 1e5 else f"{k} {v / 1e3:.1f} kB"
        for k, v in sorted(r["sizes"].items()))


def w5_checkpoint(args, row, alternate):
    import shutil

    import h5py
    import flowkit as tf
    n_vars = 25
    values = _w5_values(n_vars)
    g = tf.Graph()
    with g.as_default():
        vs = [tf.Variable(v, name=f"v{i}") for i, v in enumerate(values)]
        saver = tf.train.Saver(max_to_keep=2)
        init = tf.global_variables_initializer()
        steps = [tf.assign_add(v, np.float32(1e-3)) for v in vs]
    sess = tf.Session(graph=g)
    sess.run(init)
    d = tempfile.mkdtemp()
    prefix = os.path.join(d, "model")
    plain = os.path.join(d, "plain.h5")

    def h5_save():
        with h5py.File(plain, "w") as f:
            for i in range(n_vars):
                f.create_dataset(f"v{i}", data=sess._values[vs[i].op])

    def h5_durable_save():
        # The same guarantee as flowkit's save, by hand: a temporary file, fsync, rename,
        # fsync of the folder (a crash, even of the machine, leaves the old file or the new).
        tmp = plain + ".tmp"
        with h5py.File(tmp, "w") as f:
            for i in range(n_vars):
                f.create_dataset(f"v{i}", data=sess._values[vs[i].op])
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, plain)
        fd = os.open(d, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def h5_restore():
        with h5py.File(plain, "r") as f:
            for i in range(n_vars):
                sess._values[vs[i].op][...] = f[f"v{i}"][()]
    repeat = 5 if args.quick else 7      # a save's fsync waits for a shared disk: noisy
    try:
        # Right after initialization: each variable's initial value (a 4 MB constant in the
        # stored graph, as in TF1's .meta file) is bitwise its value, so the file refers to
        # the variable's dataset instead of storing the bytes twice.
        # TF (tf.compat.v1.train.Saver) writes .data, .index and, unless told not to, .meta
        # (the graph, initial values included), each to a temporary file then renamed, with
        # no fsync (seen with strace on TF 2.21); flowkit fsyncs. Each TF time is taken
        # right after flowkit's row.
        fk, bt = alternate(lambda: saver.save(sess, prefix), h5_save, repeat, warmup=1)
        r = bench_tf.measured("w5_save", repeat=repeat, meta=True)
        # The target is against the durable baseline (issue 17 decided it: flowkit keeps its
        # crash guarantee); against the plain one the row informs.
        row("W5 save 25x1M floats", "numpy", fk, bt, None, tf=r and r["median"],
            note="(information: the baseline does not fsync)"
            + ("" if r is None else "; " + _tf_sizes(r)))
        fk, bt = alternate(lambda: saver.save(sess, prefix), h5_durable_save, repeat, warmup=1)
        row("W5 save vs h5py+fsync+rename", "numpy", fk, bt, 1.15,
            note="(a baseline with the same crash guarantee)")
        fk, bt = alternate(lambda: saver.save(sess, prefix, write_meta_graph=False), h5_save,
                           repeat, warmup=1)
        r = bench_tf.measured("w5_save", repeat=repeat, meta=False)
        row("W5 save, no meta graph", "numpy", fk, bt, None, tf=r and r["median"],
            note="(information: no target)" + ("" if r is None else "; " + _tf_sizes(r)))
        fk, bt = alternate(lambda: saver.restore(sess, prefix), h5_restore, repeat, warmup=1)
        r = bench_tf.measured("w5_restore", repeat=repeat)
        row("W5 restore 25x1M floats", "numpy", fk, bt, 1.25, tf=r and r["median"],
            note="" if r is None else f"TF values restored: {r['restored']}")
        # After training has changed every variable, the initial values are stored too:
        # twice the bytes of the baseline (which stores no graph).
        sess.run(steps)
        fk, bt = alternate(lambda: saver.save(sess, prefix), h5_save, repeat, warmup=1)
        r = bench_tf.measured("w5_save", repeat=repeat, meta=True, after_step=True)
        row("W5 save after a step", "numpy", fk, bt, None, tf=r and r["median"],
            note="(information: initial values stored too)"
            + ("" if r is None else "; " + _tf_sizes(r)))
    finally:
        shutil.rmtree(d, ignore_errors=True)     # the files are 100 to 200 MB each
        bench_tf.measured("w5_cleanup")          # the worker's files and variables


# --------------------------------------------------------------------------------------------
# W6: graph scale
# --------------------------------------------------------------------------------------------
def w6_graph_scale(args, row, timeit, backends=("numpy",), device="cpu"):
    import flowkit as tf
    sizes = [1000, 10_000, 100_000]
    results = {}
    collecting = []                           # time spent in the garbage collector

    def on_gc(phase, info):
        if phase == "start":
            on_gc.t0 = time.perf_counter()
        else:
            collecting.append(time.perf_counter() - on_gc.t0)
    tf_sizes = [1000, 10_000]                 # TF's Python graph building is slow: not 100,000
    tf_results = {}
    def build_and_plan(n):
        g = tf.Graph()
        collecting.clear()
        gc.callbacks.append(on_gc)
        t0 = time.perf_counter()
        with g.as_default():
            x = tf.placeholder(tf.float32, [16], name="x")
            y = x
            for _ in range((n - 1) // 2):      # each step adds a Const and a Mul
                y = y * 1.0001
        build = time.perf_counter() - t0
        build_gc = sum(collecting)
        collecting.clear()
        sess = tf.Session(graph=g)
        feed = {x: np.ones(16, np.float32)}
        t0 = time.perf_counter()
        out = sess.run(y, feed)
        plan = time.perf_counter() - t0
        gc.callbacks.remove(on_gc)
        return build, build_gc, plan, sum(collecting), g, sess, feed, y, out

    for n in sizes:
        # Small graphs are built several times (medians): one build of 1,000 ops takes about
        # 12 ms, where a single disturbance of the machine shows.
        tries = [build_and_plan(n) for _ in range(5 if n <= 1000 else 3 if n <= 10_000 else 1)]
        build = statistics.median(t[0] for t in tries)
        in_gc = statistics.median(t[1] for t in tries)
        plan = statistics.median(t[2] for t in tries)
        plan_gc = statistics.median(t[3] for t in tries)
        _, _, _, _, g, sess, feed, y, out = tries[-1]
        del tries
        n_ops = len(g.get_operations())
        repeat = 20 if n <= 1000 else 5 if args.quick or n > 10_000 else 10
        steady, base = _w6_steady_and_written_out(timeit, sess, y, feed, n, repeat)
        results[n] = (build, plan, steady, base, n_ops, in_gc, plan_gc)
        print(f"W6 {n_ops} ops: build {build * 1e3:.1f} ms ({build / n_ops * 1e6:.1f} us/op; "
              f"{(build - in_gc) / n_ops * 1e6:.1f} us/op outside the garbage collector), "
              f"first run (plan) {plan * 1e3:.1f} ms ({plan / n_ops * 1e6:.1f} us/op; "
              f"{(plan - plan_gc) / n_ops * 1e6:.1f} outside the collector), "
              f"steady run {steady * 1e3:.2f} ms vs {base * 1e3:.2f} ms written out")
        del g, sess, y
        if n in tf_sizes:
            r = bench_tf.measured("w6", n=n, repeat=repeat)
            tf_results[n] = r
            if r is not None:
                print(f"  TF {r['n_ops']} ops: build {r['build'] * 1e3:.1f} ms "
                      f"({r['build'] / r['n_ops'] * 1e6:.1f} us/op), first run "
                      f"{r['first'] * 1e3:.1f} ms, steady run {r['median'] * 1e3:.2f} ms; "
                      f"flowkit / TF: build {build / r['build']:.2f}x, first run "
                      f"{plan / r['first']:.2f}x, steady {steady / r['median']:.2f}x "
                      f"(output {out[0]:.6f} vs TF {r['value']:.6f}); TF's graph optimizer "
                      f"off, as with it TF folds the chain into one multiply (then first run "
                      f"{r['folded_first'] * 1e3:.1f} ms, steady {r['folded_median'] * 1e3:.2f} "
                      f"ms)", flush=True)
                # a larger TF chain only while it stays short (about 10 s for 10,000 ops)
                if r["build"] + r["first"] + repeat * r["median"] > 1.0:
                    tf_sizes = [m for m in tf_sizes if m <= n]
    b, p, s, base, n_ops, b_gc, p_gc = results[sizes[0]]
    print(f"  targets at 1,000 ops: build < 50 ms: {'yes' if b < 0.05 else 'NO'}; "
          f"plan < 20 ms: {'yes' if p < 0.02 else 'NO'}")
    r = tf_results.get(sizes[0])
    row("W6 steady run 1000 ops", "numpy", s, base, 1.5, tf=r and r["median"])
    if "torch" in backends:
        _w6_torch_steady(args, row, timeit, device)
    for big in sizes[1:]:
        bb, pb, _, _, _, bb_gc, pb_gc = results[big]
        print(f"  growth x{big // sizes[0]} ops: build x{bb / b:.1f} (outside the collector "
              f"x{(bb - bb_gc) / (b - b_gc):.1f}), plan x{pb / p:.1f} (outside the collector "
              f"x{(pb - pb_gc) / (p - p_gc):.1f}); linear: x{big // sizes[0]}")


def _w6_steady_and_written_out(timeit, sess, y, feed, n, repeat):
    """W6's steady run of the chain `y` of `n` ops in `sess`, and the same multiplies
    written out in NumPy (the baseline); medians of `repeat` runs each."""
    steady = timeit(lambda: sess.run(y, feed), repeat)
    k = np.float32(1.0001)
    xv = np.ones(16, np.float32)

    def written_out():
        v = xv
        for _ in range((n - 1) // 2):
            v = v * k
        return v
    base = timeit(written_out, repeat)
    return steady, base


def _w6_torch_steady(args, row, timeit, device):
    """The 1,000-op chain's steady run on the torch backend against the same torch calls
    written out (information: the 1.5x target is the NumPy backend's)."""
    import torch
    import flowkit as tf
    g = tf.Graph()
    with g.as_default():
        x = tf.placeholder(tf.float32, [16], name="x")
        y = x
        for _ in range(499):
            y = y * 1.0001
    sess = tf.Session(graph=g, backend="torch", device=device)
    xv = np.ones(16, np.float32)
    sess.run(y, {x: xv})
    k = torch.tensor(1.0001, dtype=torch.float32, device=device)

    def written_out():
        v = torch.as_tensor(xv, device=device)
        for _ in range(499):
            v = v * k
        return v.cpu().numpy()
    repeat = 20
    fk = timeit(lambda: sess.run(y, {x: xv}), repeat)
    base = timeit(written_out, repeat)
    row("W6 steady run 1000 ops", "torch", fk, base, None,
        note=f"(information) {sess.run(y, {x: xv})[0]:.6f} vs {written_out()[0]:.6f}")


# --------------------------------------------------------------------------------------------
# Start-up and memory
# --------------------------------------------------------------------------------------------
def startup(args, row):
    code = ("import time; t0=time.perf_counter(); import flowkit as tf; t1=time.perf_counter();"
            "import sys; a=tf.placeholder(tf.float32,[]); s=tf.Session();"
            "s.run(a+1.0,{a:1.0}); t2=time.perf_counter();"
            "print(t1-t0, t2-t1, 'torch' in sys.modules)")
    env = dict(os.environ, FLOWKIT_BACKEND="numpy")
    outs = []
    for _ in range(3):
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
        outs.append(r.stdout.split())
    imp = sorted(float(o[0]) for o in outs)[1]
    first = sorted(float(o[1]) for o in outs)[1]
    torch_loaded = outs[0][2]
    print(f"start-up: import flowkit {imp * 1e3:.0f} ms (target < 300 ms, issue 17: "
          f"{'yes' if imp < 0.3 else 'NO'}), first run {first * 1e3:.0f} ms, torch imported: "
          f"{torch_loaded} (target False)")
    tf_import = bench_tf.import_seconds()
    if tf_import is not None:
        print(f"  information: import tensorflow {tf_import * 1e3:.0f} ms (one run, in the TF "
              f"worker process at its start)")


def _plan_bytes(sess) -> int:
    """The bytes a session's plans keep between runs (planned buffers and scratch memory):
    like the baseline's preallocated buffers, they count as a step's memory."""
    total = 0
    for plan in sess._plans.values():
        total += sum(b.nbytes for b in (plan.buffers or ()) if b is not None)
        total += plan.scratch.nbytes() if plan.scratch is not None else 0
    return total


def _peak(fn, held=lambda: 0):
    """The memory one call of ``fn`` needs: what is held before it (``held()``: buffers kept
    between calls, which tracemalloc does not see allocated) plus the peak of what it
    allocates (tracemalloc: NumPy reports its arrays' memory to it). A buffer made during
    the call is counted once, by tracemalloc."""
    before = held()
    tracemalloc.start()
    try:
        fn()
        return before + tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def peak_memory(args, row):
    """Peak memory of a W2 and a W4 step, both sides counted the same way: a few steps
    first (flowkit's plan, its buffers and scratch, made in its first two runs), then one
    step: the buffers each side keeps between steps (the plan's buffers and scratch; the
    baseline's preallocated arrays) plus the peak of what that step allocates. Weights are
    left out on both sides. (Until 2026-12, flowkit's side was measured on its second run,
    where the plan makes its buffers: they were counted twice.)"""
    from run import NumpyMLP, _flowkit_mlp, _mlp_data
    x, y, w0 = _mlp_data(128)
    sess, xp, yp, loss, step, _ = _flowkit_mlp(w0, "numpy", "cpu")
    base = NumpyMLP(w0)
    for _ in range(3):
        sess.run(step, {xp: x, yp: y})
        base.step(x, y)
    pf = _peak(lambda: sess.run(step, {xp: x, yp: y}), lambda: _plan_bytes(sess))
    pb = _peak(lambda: base.step(x, y))
    print(f"peak memory W2 step (planned buffers included): flowkit {pf / 2**20:.2f} MiB, "
          f"NumPy {pb / 2**20:.2f} MiB, "
          f"ratio {pf / pb:.2f} (target <= 1.0: {'yes' if pf / pb <= 1.0 else 'NO'})")
    x, y, w0 = _cnn_data(64)
    sess, xp, yp, loss, step = _flowkit_cnn(w0, "numpy", "cpu")
    base = CompetentNumpyCNN(w0)
    for _ in range(3):
        sess.run(step, {xp: x, yp: y})
        base.step(x, y)
    pf = _peak(lambda: sess.run(step, {xp: x, yp: y}), lambda: _plan_bytes(sess))
    # The baseline allocates its buffers once: they count as its step's memory.
    pb = _peak(lambda: base.step(x, y), base.buffer_bytes)
    print(f"peak memory W4 step: flowkit {pf / 2**20:.1f} MiB, NumPy {pb / 2**20:.1f} MiB "
          f"(buffers and scratch included), "
          f"ratio {pf / pb:.2f} (target <= 1.0: {'yes' if pf / pb <= 1.0 else 'NO'})")


def run_more(args, backends, want, row, alternate, timeit):
    for be in backends:
        dev = args.device if be == "torch" else "cpu"
        if want("W4"):
            try:
                w4_cnn(args, be, dev, row, alternate)
            except Exception as e:  # noqa: BLE001 - report and go on
                print(f"W4 on {be}: could not run: {type(e).__name__}: {e}")
    for name, fn in (("W5", lambda: w5_checkpoint(args, row, alternate)),
                     ("W6", lambda: w6_graph_scale(args, row, timeit, backends,
                                                   args.device)),
                     ("STARTUP", lambda: startup(args, row)),
                     ("MEMORY", lambda: peak_memory(args, row))):
        if want(name):
            try:
                fn()
            except Exception as e:  # noqa: BLE001
                print(f"{name}: could not run: {type(e).__name__}: {e}")
