"""TensorFlow 1-style equivalents of the workloads, for the benchmark's "vs TF" column.

Each model here is built with `tf.compat.v1` in graph mode (eager execution disabled in the
worker, an explicit `tf.Graph()` and a `tf.compat.v1.Session` per model), from the same data
and initial values as the flowkit side (`run._mlp_data`, `bench_more._cnn_data`,
`bench_more._w5_values`), with both of the session's thread pools set to this machine's
cores. TensorFlow is optional.

TensorFlow runs in a separate worker process (this file run with `--worker`), started by the
first TF row and kept for the whole benchmark, so TensorFlow is imported once. Why not in the
benchmark's own process: importing it there triples the Python heap (measured: 169,000 to
489,000 objects, a full garbage collection 70 ms to 231 ms), which changes flowkit's W6 build
times, and it adds TensorFlow's thread pools and its own BLAS/oneDNN libraries next to
NumPy's. In a worker, flowkit and the baselines are measured exactly as without TensorFlow.
Each TF timing is made right after the flowkit row it belongs to, with the same `timeit`
(run.py's), the same repeats and warmups; the worker idles while flowkit is timed.
"""
from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time

import numpy as np

ON = False                 # set by run.main(): TF rows wanted and tensorflow installed
_WORKER = None             # the worker process, once started
_FAILED = None             # why the worker could not start or died, if it did
READY = {}                 # the worker's first message: TF version, import time
_MEDIANS = {}              # (job, params) -> result, shared by the numpy and torch rows


def installed():
    return importlib.util.find_spec("tensorflow") is not None


def enabled(args):
    return installed() and not getattr(args, "no_tf", False)


def version():
    """TensorFlow's version from the package metadata (without importing it)."""
    from importlib import metadata
    for dist in ("tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return "(version unknown)"


def describe(args):
    """The line printed at the top of the benchmark."""
    if getattr(args, "no_tf", False):
        return "TensorFlow rows: not included (--no-tf)"
    if not installed():
        return "TensorFlow rows: not included (tensorflow is not installed)"
    return (f"TensorFlow rows: included (tensorflow {version()}, tf.compat.v1 graph mode, "
            f"{os.cpu_count()} intra/inter-op threads, in a worker process; each TF time is "
            f"taken right after its flowkit row, same repeats; vs TF = flowkit / TF)")


# --------------------------------------------------------------------------------------------
# Client side (the benchmark's process)
# --------------------------------------------------------------------------------------------
def _worker():
    global _WORKER
    if _WORKER is None and _FAILED is None:
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
        _WORKER = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--worker"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                   env=env)
        reply = _read()
        if reply is not None:
            READY.update(reply)
    return _WORKER if _FAILED is None else None


def _read():
    global _FAILED
    line = _WORKER.stdout.readline()
    if not line:
        _FAILED = f"the TF worker exited (status {_WORKER.wait()})"
        print(f"  TF: {_FAILED}; no more TF rows", flush=True)
        return None
    reply = json.loads(line)
    if reply.get("fatal"):
        _FAILED = reply["error"]
        print(f"  TF: {_FAILED}; no TF rows", flush=True)
        return None
    return reply


def measured(job, **params):
    """The worker's result for `job` (a dict with "median" etc.), or None without TF.

    Computed once per (job, params): the NumPy and torch rows of a workload are compared
    with the same TF number. A job that fails prints why and gives None, so the flowkit row
    still prints, without its TF column.
    """
    if not ON:
        return None
    key = (job, tuple(sorted(params.items())))
    if key not in _MEDIANS:
        w = _worker()
        reply = None
        if w is not None:
            try:
                w.stdin.write(json.dumps({"job": job, **params}) + "\n")
                w.stdin.flush()
            except OSError:                  # the worker has died: _read() says so
                pass
            reply = _read()
            if reply is not None and "error" in reply:
                print(f"  TF {job}: could not run: {reply['error']}", flush=True)
                reply = None
        _MEDIANS[key] = reply
    return _MEDIANS[key]


def median(job, **params):
    r = measured(job, **params)
    return None if r is None else r["median"]


def import_seconds():
    """How long `import tensorflow` took in the worker (started now if needed), or None."""
    if not ON or _worker() is None:
        return None
    return READY.get("import_s")


def close():
    """Ends the worker (closing its input ends its loop)."""
    global _WORKER
    if _WORKER is not None:
        try:
            _WORKER.stdin.close()
            _WORKER.wait(timeout=30)
        except Exception:  # noqa: BLE001 - best effort at exit
            _WORKER.kill()
        _WORKER = None


# --------------------------------------------------------------------------------------------
# Worker side: the TF models
# --------------------------------------------------------------------------------------------
tf = None                  # the tensorflow module, in the worker


def session(graph, optimize=True):
    """A v1 Session on `graph` using this machine's cores for both thread pools.

    optimize=False turns TF's graph optimizers off. Used for the `x * 1.0001` chains
    (W1, W6): TF's default optimizer (grappler) folds the chain's constants into one multiply
    (measured: a 9,999-op chain then runs in the time of a 999-op one), which is no longer
    the same work as flowkit's, which runs every op.
    """
    v1 = tf.compat.v1
    n = os.cpu_count() or 1
    config = v1.ConfigProto(intra_op_parallelism_threads=n, inter_op_parallelism_threads=n)
    if not optimize:
        config.graph_options.rewrite_options.disable_meta_optimizer = True
        config.graph_options.optimizer_options.opt_level = v1.OptimizerOptions.L0
    return v1.Session(graph=graph, config=config)


def w1_graph():
    """W1: `c = a + b` on fed float32 scalars, and a 10-op chain `x * 1.0001` (run with the
    graph optimizers off, see session())."""
    v1 = tf.compat.v1
    g = tf.Graph()
    with g.as_default():
        a = v1.placeholder(tf.float32, [], name="a")
        b = v1.placeholder(tf.float32, [], name="b")
        c = a + b
        x = a
        for _ in range(10):
            x = x * 1.0001
    return session(g, optimize=False), a, b, c, x


def mlp(w0, train=True):
    """W2/W3: the 784-512-512-10 MLP of run._flowkit_mlp, op for op."""
    v1 = tf.compat.v1
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 784], name="x")
        y = v1.placeholder(tf.float32, [None, 10], name="y")
        ws = [v1.Variable(v) for v in w0]
        h1 = v1.nn.relu(v1.matmul(x, ws[0]) + ws[1])
        h2 = v1.nn.relu(v1.matmul(h1, ws[2]) + ws[3])
        logits = v1.matmul(h2, ws[4]) + ws[5]
        loss = v1.reduce_mean(v1.nn.softmax_cross_entropy_with_logits_v2(labels=y,
                                                                         logits=logits))
        step = v1.train.GradientDescentOptimizer(0.1).minimize(loss) if train else None
        init = v1.global_variables_initializer()
    sess = session(g)
    sess.run(init)
    return sess, x, y, loss, step, logits


def cnn(w0):
    """W4: the CNN of bench_more._flowkit_cnn (NHWC, SAME padding, SGD 0.01)."""
    v1 = tf.compat.v1
    g = tf.Graph()
    with g.as_default():
        x = v1.placeholder(tf.float32, [None, 28, 28, 1], name="x")
        y = v1.placeholder(tf.float32, [None, 10], name="y")
        ws = [v1.Variable(v) for v in w0]
        h = v1.nn.relu(v1.nn.conv2d(x, ws[0], [1, 1, 1, 1], "SAME") + ws[1])
        h = v1.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        h = v1.nn.relu(v1.nn.conv2d(h, ws[2], [1, 1, 1, 1], "SAME") + ws[3])
        h = v1.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        h = v1.reshape(h, [-1, 3136])
        h = v1.nn.relu(v1.matmul(h, ws[4]) + ws[5])
        logits = v1.matmul(h, ws[6]) + ws[7]
        loss = v1.reduce_mean(v1.nn.softmax_cross_entropy_with_logits_v2(labels=y,
                                                                         logits=logits))
        step = v1.train.GradientDescentOptimizer(0.01).minimize(loss)
        init = v1.global_variables_initializer()
    sess = session(g)
    sess.run(init)
    return sess, x, y, loss, step


def checkpoint_model(values):
    """W5: one variable per array (named v0, v1, ...), a Saver, and one assign_add each."""
    v1 = tf.compat.v1
    g = tf.Graph()
    with g.as_default():
        vs = [v1.Variable(v, name=f"v{i}") for i, v in enumerate(values)]
        saver = v1.train.Saver(max_to_keep=2)
        init = v1.global_variables_initializer()
        steps = [v1.assign(v, v + np.float32(1e-3)) for v in vs]
    sess = session(g)
    sess.run(init)
    return sess, vs, saver, steps


def checkpoint_sizes(prefix, meta):
    """Bytes of the TF checkpoint at `prefix`, by kind (.data, .index and, if meta, .meta)."""
    d, base = os.path.split(prefix)
    sizes = {}
    for f in os.listdir(d):
        if f.startswith(base + "."):
            kind = ".data" if ".data-" in f else os.path.splitext(f)[1]
            if kind == ".meta" and not meta:
                continue                     # left by an earlier save
            sizes[kind] = sizes.get(kind, 0) + os.path.getsize(os.path.join(d, f))
    return sizes


def chain(n):
    """W6: the same chain as bench_more.w6_graph_scale (a Const and a Mul per step)."""
    v1 = tf.compat.v1
    g = tf.Graph()
    t0 = time.perf_counter()
    with g.as_default():
        x = v1.placeholder(tf.float32, [16], name="x")
        y = x
        for _ in range((n - 1) // 2):
            y = y * 1.0001
    build = time.perf_counter() - t0
    return build, g, x, y


class Jobs:
    """What the worker can time; each job returns a dict with at least "median" (seconds)."""

    def __init__(self):
        from run import timeit
        self.timeit = timeit
        self.cache = {}

    def _get(self, name, make):
        if name not in self.cache:
            self.cache[name] = make()
        return self.cache[name]

    def w1_add(self, n_samples):
        sess, a, b, c, _ = self._get("w1", w1_graph)
        va, vb = np.float32(1.0), np.float32(2.0)
        t = self.timeit(lambda: [sess.run(c, {a: va, b: vb}) for _ in range(100)], n_samples)
        return {"median": t / 100, "value": float(sess.run(c, {a: va, b: vb}))}

    def w1_chain(self, n_samples):
        sess, a, _, _, x = self._get("w1", w1_graph)
        va = np.float32(1.0)
        t = self.timeit(lambda: [sess.run(x, {a: va}) for _ in range(100)], n_samples)
        return {"median": t / 100, "value": float(sess.run(x, {a: va}))}

    def w2(self, repeat):
        from run import _mlp_data
        x, y, w0 = _mlp_data(128)
        sess, xp, yp, loss, step, _ = mlp(w0)
        first = sess.run([step, loss], {xp: x, yp: y})[1]
        t = self.timeit(lambda: sess.run(step, {xp: x, yp: y}), repeat)
        return {"median": t, "loss": float(first)}

    def w3(self, repeat):
        from run import _mlp_data
        _, _, w0 = _mlp_data(128)
        xi = np.random.default_rng(1).standard_normal((1024, 784)).astype(np.float32)
        sess, xp, _, _, _, logits = mlp(w0, train=False)
        t = self.timeit(lambda: sess.run(logits, {xp: xi}), repeat)
        return {"median": t}

    def w4(self, repeat):
        from bench_more import _cnn_data
        x, y, w0 = _cnn_data(64)
        sess, xp, yp, loss, step = cnn(w0)
        first = sess.run([step, loss], {xp: x, yp: y})[1]
        t = self.timeit(lambda: sess.run(step, {xp: x, yp: y}), repeat, warmup=1)
        return {"median": t, "loss": float(first)}

    def _w5(self):
        import tempfile

        from bench_more import _w5_values
        values = _w5_values()
        sess, vs, saver, steps = checkpoint_model(values)
        d = tempfile.mkdtemp(prefix="bench_tf_")
        return {"sess": sess, "vs": vs, "saver": saver, "steps": steps, "dir": d,
                "prefix": os.path.join(d, "model"), "v0": values[0]}

    def w5_save(self, repeat, meta, after_step=False):
        m = self._get("w5", self._w5)
        if after_step:
            m["sess"].run(m["steps"])
        t = self.timeit(lambda: m["saver"].save(m["sess"], m["prefix"], write_meta_graph=meta),
                        repeat, warmup=1)
        return {"median": t, "sizes": checkpoint_sizes(m["prefix"], meta)}

    def w5_restore(self, repeat):
        m = self._get("w5", self._w5)
        m["saver"].save(m["sess"], m["prefix"], write_meta_graph=False)
        m["sess"].run(m["steps"])             # check that a restore brings the values back
        m["saver"].restore(m["sess"], m["prefix"])
        same = bool(np.array_equal(m["sess"].run(m["vs"][0]), m["v0"]))
        t = self.timeit(lambda: m["saver"].restore(m["sess"], m["prefix"]), repeat, warmup=1)
        return {"median": t, "restored": same}

    def w5_cleanup(self):
        import shutil
        m = self.cache.pop("w5", None)
        if m is not None:
            m["sess"].close()
            shutil.rmtree(m["dir"], ignore_errors=True)
        return {"median": 0.0}

    def w6(self, n, repeat):
        """The chain with the graph optimizers off (the same work as flowkit), then, for
        information, with TF's default optimizer (which folds the chain)."""
        build, g, x, y = chain(n)
        feed = {x: np.ones(16, np.float32)}
        result = {"build": build, "n_ops": len(g.get_operations())}
        for optimize, key in ((False, ""), (True, "folded_")):
            sess = session(g, optimize)
            t0 = time.perf_counter()
            out = sess.run(y, feed)
            result[key + "first"] = time.perf_counter() - t0
            result[key + "median"] = self.timeit(lambda sess=sess: sess.run(y, feed), repeat)
            result[key + "value"] = float(out[0])
            sess.close()
        return result


def worker_main():
    """Reads one JSON request per line on stdin, answers one JSON line each."""
    global tf
    proto = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)                   # anything else printed to stdout goes to stderr instead
    # TF writes a few lines (oneDNN's notice) to stderr before it reads TF_CPP_MIN_LOG_LEVEL;
    # hide stderr while importing.
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    t0 = time.perf_counter()
    try:
        os.dup2(devnull, 2)
        import tensorflow
    except Exception as e:  # noqa: BLE001 - reported to the benchmark, which goes on
        proto.write(json.dumps({"error": f"import tensorflow: {type(e).__name__}: {e}",
                                "fatal": True}) + "\n")
        proto.flush()
        return
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    tf = tensorflow
    # TF1 behaviour for the whole worker (it runs nothing else): graph mode everywhere, so
    # that Saver.save/restore, called outside `with graph.as_default()`, take the graph path.
    tf.compat.v1.disable_eager_execution()
    proto.write(json.dumps({"version": tf.__version__,
                            "import_s": time.perf_counter() - t0}) + "\n")
    proto.flush()
    jobs = Jobs()
    for line in sys.stdin:
        req = json.loads(line)
        name = req.pop("job")
        try:
            reply = getattr(jobs, name)(**req)
        except Exception as e:  # noqa: BLE001 - one failing job must not end the others
            reply = {"error": f"{type(e).__name__}: {e}"}
        proto.write(json.dumps(reply) + "\n")
        proto.flush()
    jobs.w5_cleanup()


if __name__ == "__main__" and sys.argv[1:] == ["--worker"]:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    worker_main()
