"""One script for a machine with an NVIDIA GPU: the CUDA tests, then flowkit vs PyTorch timings.

    python benchmarks/gpu_check.py                    # on the GPU (cuda)
    python benchmarks/gpu_check.py --device cpu       # the same checks on the CPU
    python benchmarks/gpu_check.py --skip-tests --steps 20

1. Tests: runs the test suite restricted to the CUDA device params (``pytest tests -k cuda``;
   with ``--device cpu``: ``-k torch-cpu``), one process per test file so that a CUDA error
   stays in its file, and prints the failures and the totals.
2. Timings: one training step of an MLP (784-512-512-10, relu, softmax cross-entropy, SGD
   0.1, batch 128) and of a small CNN (two 3x3 conv + relu + 2x2 max-pool blocks, a dense
   layer; batch 64, 28x28x1 images), each written with flowkit (``tf.Session(backend="torch",
   device=...)``, ``tf.train.GradientDescentOptimizer``) and directly in PyTorch. Both start
   from the same weights and take the same batches (fed from NumPy every step), so their
   losses must agree; the table shows the median step time of each, their ratio and whether
   the losses agreed.

Every part that cannot run (no GPU, no torch, an op not written yet...) is reported with the
reason, and the rest still runs; the exit status is 1 when something failed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import traceback

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "plugins")]

PROBLEMS: list = []


def problem(part: str, err) -> None:
    reason = err if isinstance(err, str) else f"{type(err).__name__}: {err}"
    PROBLEMS.append((part, reason))
    print(f"  !! {part} could not run: {reason}")
    if not isinstance(err, str) and os.environ.get("GPU_CHECK_TRACEBACK"):
        traceback.print_exc()


# --------------------------------------------------------------------------------------------
# Part 1: the test suite on the device
# --------------------------------------------------------------------------------------------
def run_tests(device: str, timeout: int, log: str = "", jobs: int = 0) -> None:
    """One pytest process per test file, several at a time: a CUDA error poisons the process
    it happens in, so it must not fail every later test. ``CUDA_LAUNCH_BLOCKING=1`` makes the
    traceback name the kernel that failed."""
    import concurrent.futures
    import glob
    import re
    select = "cuda" if device.startswith("cuda") else "torch-cpu"
    files = sorted(glob.glob(os.path.join(ROOT, "tests", "test_*.py")))
    jobs = jobs or max(1, min(6, os.cpu_count() or 1))
    print(f"== tests: pytest <each of {len(files)} files> -k {select} ({jobs} at a time)")
    env = dict(os.environ, CUDA_LAUNCH_BLOCKING="1", PYTHONPATH=os.pathsep.join(
        [ROOT, os.path.join(ROOT, "plugins"), os.environ.get("PYTHONPATH", "")]))

    def one(path):
        cmd = [sys.executable, "-m", "pytest", os.path.relpath(path, ROOT), "-rfE", "-k",
               select, "-p", "no:cacheprovider"]
        try:
            r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                               env=env)
            return path, r.returncode, r.stdout + "\n" + r.stderr
        except subprocess.TimeoutExpired:
            return path, -1, f"timed out after {timeout} s"

    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, files))
    totals, failed = {}, []
    for path, rc, out in results:
        lines = [ln for ln in out.splitlines() if ln.strip()]
        failed += [ln for ln in lines if ln.startswith(("FAILED", "ERROR"))]
        for n, what in re.findall(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed)",
                                  "\n".join(lines[-3:])):
            totals[what] = totals.get(what, 0) + int(n)
        if rc not in (0, 1, 5):           # 5: nothing selected in this file
            problem(f"tests in {os.path.basename(path)}", f"pytest exit status {rc}: "
                    f"{lines[-1] if lines else ''}")
    if log:
        with open(log, "w") as f:
            for path, rc, out in results:
                f.write(f"===== {os.path.relpath(path, ROOT)} (exit {rc})\n{out}\n")
    for ln in failed[:40]:
        print(f"  {ln}")
    summary = ", ".join(f"{n} {what}" for what, n in totals.items()) or "no tests ran"
    print(f"  {summary} ({time.perf_counter() - t0:.0f} s)")
    if failed:
        problem("tests", f"{len(failed)} failed: {summary}")


# --------------------------------------------------------------------------------------------
# Part 2: models, in flowkit and in PyTorch, from the same weights
# --------------------------------------------------------------------------------------------
def mlp_weights(rng):
    sizes = [784, 512, 512, 10]
    return [((rng.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32),
             np.zeros(b, np.float32)) for a, b in zip(sizes[:-1], sizes[1:])]


def cnn_weights(rng):
    def conv(kh, kw, ci, co):
        return ((rng.standard_normal((kh, kw, ci, co)) * np.sqrt(2.0 / (kh * kw * ci)))
                .astype(np.float32), np.zeros(co, np.float32))
    w3 = (rng.standard_normal((7 * 7 * 32, 10)) * np.sqrt(1.0 / (7 * 7 * 32))).astype(np.float32)
    return [conv(3, 3, 1, 16), conv(3, 3, 16, 32), (w3, np.zeros(10, np.float32))]


def batches(rng, kind, batch, n=4):
    out = []
    for _ in range(n):
        x = rng.standard_normal((batch, 784) if kind == "mlp" else (batch, 28, 28, 1))
        y = rng.integers(0, 10, batch)
        out.append((x.astype(np.float32), np.eye(10, dtype=np.float32)[y]))
    return out


def flowkit_step(kind, weights, device, lr=0.1):
    """``(step(x, y) -> loss, session)`` of the model in flowkit on backend torch."""
    import flowkit as tf
    graph = tf.Graph()
    with graph.as_default():
        if kind == "mlp":
            x = tf.placeholder(tf.float32, [None, 784], name="x")
            h = x
            for i, (w, b) in enumerate(weights):
                h = tf.matmul(h, tf.Variable(w, name=f"w{i}")) + tf.Variable(b, name=f"b{i}")
                if i < len(weights) - 1:
                    h = tf.nn.relu(h)
        else:
            x = tf.placeholder(tf.float32, [None, 28, 28, 1], name="x")
            h = x
            for i, (f, b) in enumerate(weights[:2]):
                h = tf.nn.conv2d(h, tf.Variable(f, name=f"conv{i}"), [1, 1, 1, 1], "SAME")
                h = tf.nn.relu(tf.nn.bias_add(h, tf.Variable(b, name=f"bias{i}")))
                h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
            w, b = weights[2]
            h = tf.matmul(tf.reshape(h, [-1, 7 * 7 * 32]), tf.Variable(w, name="dense")) + \
                tf.Variable(b, name="dense_b")
        y = tf.placeholder(tf.float32, [None, 10], name="y")
        loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=h))
        train = tf.train.GradientDescentOptimizer(lr).minimize(loss)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=graph, backend="torch", device=device)
    sess.run(init)

    def step(xv, yv):
        return float(sess.run([train, loss], {x: xv, y: yv})[1])
    return step, sess


def torch_step(kind, weights, device, lr=0.1):
    """The same model and SGD step written directly in PyTorch (NCHW, OIHW)."""
    import torch
    import torch.nn.functional as F
    dev = torch.device(device)
    if kind == "mlp":
        params = [torch.tensor(a, device=dev, requires_grad=True) for wb in weights for a in wb]
    else:
        params = []
        for f, b in weights[:2]:
            params += [torch.tensor(f.transpose(3, 2, 0, 1).copy(), device=dev,
                                    requires_grad=True),
                       torch.tensor(b, device=dev, requires_grad=True)]
        # The dense layer reads NHWC-flattened features in flowkit: permute its rows to NCHW.
        w, b = weights[2]
        w_nchw = w.reshape(7, 7, 32, 10).transpose(2, 0, 1, 3).reshape(-1, 10)
        params += [torch.tensor(w_nchw.copy(), device=dev, requires_grad=True),
                   torch.tensor(b, device=dev, requires_grad=True)]

    def forward(x):
        if kind == "mlp":
            h = x
            for i in range(0, len(params), 2):
                h = h @ params[i] + params[i + 1]
                if i < len(params) - 2:
                    h = torch.relu(h)
            return h
        h = x.permute(0, 3, 1, 2)
        for i in (0, 2):
            h = F.max_pool2d(torch.relu(F.conv2d(h, params[i], params[i + 1], padding=1)), 2)
        return h.flatten(1) @ params[4] + params[5]

    def step(xv, yv):
        x = torch.from_numpy(xv).to(dev)
        y = torch.from_numpy(yv).to(dev)
        loss = -(y * torch.log_softmax(forward(x), dim=1)).sum(1).mean()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.sub_(lr * g)
        return float(loss.detach())
    return step


def time_pair(fk, pt, data, steps, warmup, sync):
    """Alternates flowkit and PyTorch steps on the same batches; medians in ms, and the
    losses of the first few steps of each (for the agreement check)."""
    fk_losses = [fk(*data[i % len(data)]) for i in range(3)]
    pt_losses = [pt(*data[i % len(data)]) for i in range(3)]
    for i in range(warmup):
        fk(*data[i % len(data)])
        pt(*data[i % len(data)])
    a, b = [], []
    for i in range(steps):
        xv, yv = data[i % len(data)]
        t0 = time.perf_counter()
        fk(xv, yv)
        sync()
        t1 = time.perf_counter()
        pt(xv, yv)
        sync()
        t2 = time.perf_counter()
        a.append(t1 - t0)
        b.append(t2 - t1)
    return statistics.median(a) * 1e3, statistics.median(b) * 1e3, fk_losses, pt_losses


def run_timings(device: str, steps: int, warmup: int, batch: int):
    import torch
    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    rows = []
    for kind, make_w, bsize in (("mlp", mlp_weights, batch), ("cnn", cnn_weights,
                                                             max(batch // 2, 1))):
        label = "MLP 784-512-512-10" if kind == "mlp" else "CNN 2x(conv3x3+pool)+dense"
        print(f"== timing {label}, batch {bsize}, {steps} steps on {device}")
        try:
            rng = np.random.default_rng(0)
            weights = make_w(rng)
            data = batches(rng, kind, bsize)
            fk, sess = flowkit_step(kind, weights, device)
            pt = torch_step(kind, weights, device)
            fk_ms, pt_ms, fk_l, pt_l = time_pair(fk, pt, data, steps, warmup, sync)
            agree = bool(np.allclose(fk_l, pt_l, rtol=2e-3, atol=2e-4))
            if not agree:
                problem(f"{label} agreement", f"losses differ: flowkit {fk_l}, torch {pt_l}")
            sess.close()
            rows.append((label, bsize, fk_ms, pt_ms, fk_ms / pt_ms, agree))
        except Exception as e:  # noqa: BLE001 - report and carry on
            problem(f"timing {label}", e)
    return rows


def print_table(rows, device, info):
    print()
    print(f"flowkit (backend torch, device {device}) vs PyTorch written directly; {info}")
    head = f"{'workload':<30}{'batch':>6}{'flowkit ms':>12}{'pytorch ms':>12}{'ratio':>8}" \
           f"{'losses agree':>14}"
    print(head)
    print("-" * len(head))
    for label, bsize, fk_ms, pt_ms, ratio, agree in rows:
        print(f"{label:<30}{bsize:>6}{fk_ms:>12.3f}{pt_ms:>12.3f}{ratio:>8.2f}"
              f"{'yes' if agree else 'NO':>14}")
    if not rows:
        print("(no timings)")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (default: cuda)")
    p.add_argument("--steps", type=int, default=50, help="timed steps per workload")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--batch", type=int, default=128, help="MLP batch (the CNN uses half)")
    p.add_argument("--skip-tests", action="store_true", help="only the timings")
    p.add_argument("--skip-timings", action="store_true", help="only the tests")
    p.add_argument("--test-timeout", type=int, default=420)
    p.add_argument("--test-log", default="", help="write pytest's whole output to this file")
    p.add_argument("--jobs", type=int, default=0, help="test files run at once (default: "
                   "up to 6)")
    args = p.parse_args(argv)

    try:
        import torch
    except ImportError as e:
        problem("everything", f"PyTorch is not installed ({e}); pip install \"flowkit[torch]\"")
        return 1
    cuda = torch.cuda.is_available()
    name = torch.cuda.get_device_name(0) if cuda else "no CUDA device"
    info = f"torch {torch.__version__}, {name}"
    print(f"== {info}")
    device = args.device
    if device.startswith("cuda") and not cuda:
        problem(f"device {device}", "torch.cuda.is_available() is False here (use --device cpu)")
        return 1
    try:
        from flowkit import plugins
        devs = plugins.get_backend("torch").devices()
        print(f"== flowkit torch backend devices: {devs}")
    except Exception as e:  # noqa: BLE001
        problem("flowkit torch backend", e)
        return 1

    if not args.skip_tests:
        run_tests(device, args.test_timeout, args.test_log, args.jobs)
    rows = [] if args.skip_timings else run_timings(device, args.steps, args.warmup, args.batch)
    if not args.skip_timings:
        print_table(rows, device, info)
    if PROBLEMS:
        print(f"\n{len(PROBLEMS)} part(s) could not run or failed:")
        for part, reason in PROBLEMS:
            print(f"  - {part}: {reason}")
        return 1
    print("\nall checks ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
