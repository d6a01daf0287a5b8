"""A screenshot of a flowkit graph in TensorBoard's graph dashboard, for tutorial 1.

    python docs/tensorboard_screenshot.py [--out docs/_static/tensorboard_graph.png]

It builds a small flowkit model (a two-layer network on 8x8 digits trained by gradient
descent, with name scopes), writes its graph with ``tf.summary.FileWriter(logdir, sess.graph)``
into a temporary folder, starts ``tensorboard --logdir <tmp> --host 127.0.0.1 --port <free>
--load_fast false``, opens the graph dashboard in headless Chromium (driven over the DevTools
protocol as ``docs/check_in_browser.py`` does, with the standard library only), waits until
the graph has been laid out and drawn, and saves the page as a PNG. Rerun it after changing
how flowkit writes graphs; the PNG is committed, so the docs build needs neither TensorBoard
nor Chromium.

Without Chromium (Debian: ``apt-get install chromium``) or the ``tensorboard`` package
(``pip install "flowkit[tensorboard]"``) it prints why it skipped and exits 0.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from check_in_browser import BROWSERS, Browser  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "_static", "tensorboard_graph.png")

# Runs in the dashboard page: TensorBoard draws the graph inside nested shadow roots, so look
# through them for the scene's node groups. Resolves with the number of nodes drawn once that
# number has stayed the same for a second (the layout is done), or 0 after ``timeout`` ms.
GRAPH_PROBE = r"""
new Promise(resolve => {
  const deep = (root, sel, out) => {
    for (const el of root.querySelectorAll("*")) {
      if (el.matches(sel)) out.push(el);
      if (el.shadowRoot) deep(el.shadowRoot, sel, out);
    }
    return out;
  };
  const t0 = Date.now();
  let last = -1, since = Date.now();
  const poll = () => {
    const nodes = deep(document, "g.node", []).filter(n => {
      const r = n.getBoundingClientRect();
      return r.width > 0 && r.height > 0;
    });
    if (nodes.length !== last) { last = nodes.length; since = Date.now(); }
    if (last > 0 && Date.now() - since > 1000) resolve(last);
    else if (Date.now() - t0 > %(timeout)d) resolve(0);
    else setTimeout(poll, 200);
  };
  poll();
})
"""


def build_and_write_graph(logdir: str) -> list:
    """Builds the model, trains it a few steps, writes its graph (and the loss) to
    ``logdir``; returns the graph's top-level names, as TensorBoard groups them."""
    import numpy as np
    import flowkit as tf
    from flowkit.datasets import load_digits, one_hot

    data = load_digits()
    train_x, train_y = data.train_images.reshape(-1, 64), one_hot(data.train_labels)
    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(0)
        x = tf.placeholder(tf.float32, [None, 64], name="x")
        label = tf.placeholder(tf.float32, [None, 10], name="label")
        with tf.name_scope("hidden"):
            W1 = tf.Variable(tf.truncated_normal([64, 32], stddev=0.1), name="W")
            b1 = tf.Variable(tf.zeros([32]), name="b")
            h = tf.nn.relu(tf.matmul(x, W1) + b1)
        with tf.name_scope("output"):
            W2 = tf.Variable(tf.truncated_normal([32, 10], stddev=0.1), name="W")
            b2 = tf.Variable(tf.zeros([10]), name="b")
            logits = tf.matmul(h, W2) + b2
        with tf.name_scope("loss"):
            loss = tf.reduce_mean(
                tf.nn.softmax_cross_entropy_with_logits_v2(labels=label, logits=logits))
        with tf.name_scope("accuracy"):
            correct = tf.equal(tf.argmax(logits, 1), tf.argmax(label, 1))
            accuracy = tf.reduce_mean(tf.cast(correct, tf.float32))
        train_step = tf.train.GradientDescentOptimizer(0.5).minimize(loss)
        tf.summary.scalar("loss", loss)
        tf.summary.scalar("accuracy", accuracy)
        merged = tf.summary.merge_all()
        init = tf.global_variables_initializer()
    with tf.Session(graph=graph) as sess:
        writer = tf.summary.FileWriter(logdir, sess.graph)
        sess.run(init)
        for step in range(20):
            idx = np.arange(step * 32, step * 32 + 32) % len(train_x)
            _, summ = sess.run([train_step, merged], {x: train_x[idx], label: train_y[idx]})
            writer.add_summary(summ, step)
        writer.close()
    return sorted({op.name.split("/")[0] for op in graph.get_operations()})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_tensorboard(logdir: str, port: int, log):
    """Starts TensorBoard on 127.0.0.1:``port`` and waits until it answers."""
    exe = shutil.which("tensorboard")
    cmd = ([exe] if exe else [sys.executable, "-m", "tensorboard.main"]) + [
        "--logdir", logdir, "--host", "127.0.0.1", "--port", str(port), "--load_fast", "false"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tensorboard exited with status {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/data/runs", timeout=2) as r:
                if b"." in r.read():          # the run (the logdir itself) is listed
                    return proc, url
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.3)
    proc.terminate()
    raise TimeoutError("tensorboard did not start within 60 s")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT, help=f"the PNG to write (default {DEFAULT_OUT})")
    ap.add_argument("--browser", default=None, help="the Chromium program (default: found "
                    "on the PATH as " + ", ".join(BROWSERS) + ")")
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds to wait for the graph to be drawn (default 60)")
    args = ap.parse_args(argv)
    exe = args.browser or next(filter(None, map(shutil.which, BROWSERS)), None)
    if exe is None:
        print("tensorboard_screenshot: skipped: no Chromium found (Debian: apt-get install "
              "chromium)")
        return 0
    if importlib.util.find_spec("tensorboard") is None:
        print('tensorboard_screenshot: skipped: no tensorboard package (pip install '
              '"flowkit[tensorboard]")')
        return 0
    with tempfile.TemporaryDirectory(prefix="flowkit-tb-") as logdir:
        names = build_and_write_graph(logdir)
        print(f"graph written to {logdir}: top-level names {', '.join(names)}")
        log_path = os.path.join(logdir, "tensorboard.log")
        with open(log_path, "w") as log:
            proc, url = start_tensorboard(logdir, free_port(), log)
            browser = None
            try:
                browser = Browser(exe)
                browser.open(f"{url}/#graphs")
                drawn = browser.evaluate(GRAPH_PROBE % {"timeout": int(args.timeout * 1000)})
                if not drawn:
                    raise RuntimeError(f"the graph dashboard drew no node within "
                                       f"{args.timeout:.0f} s (see {url}/#graphs)")
                time.sleep(1.0)                    # the fit-to-screen animation
                os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
                height = browser.evaluate("document.documentElement.clientHeight")
                browser.screenshot(args.out, 0, height)
                print(f"tensorboard_screenshot: {drawn} nodes drawn; wrote {args.out}")
            except Exception:
                log.flush()
                with open(log_path) as f:
                    sys.stderr.write(f.read()[-3000:])
                raise
            finally:
                if browser is not None:
                    browser.close()
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
