"""Tools for testing flowkit, its ops and plugins: a numeric gradient checker and helpers that
run a graph on every installed backend.

Example:
    >>> import flowkit as tf
    >>> from flowkit.testing import check_gradients
    >>> report = check_gradients(lambda x: tf.reduce_sum(x * x), [np.ones((2, 3))])
    >>> report.ok, report.max_error < 1e-6
    (True, True)
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class GradientReport:
    """The result of :func:`check_gradients`: the worst error of each input's gradient."""

    errors: list = field(default_factory=list)
    tolerance: float = 1e-5

    @property
    def max_error(self) -> float:
        return max(self.errors) if self.errors else 0.0

    @property
    def ok(self) -> bool:
        return self.max_error <= self.tolerance

    def __str__(self) -> str:
        parts = ", ".join(f"input {i}: {e:.3g}" for i, e in enumerate(self.errors))
        return f"gradient check {'passed' if self.ok else 'FAILED'} ({parts}; tol {self.tolerance})"


def check_gradients(fn, inputs, backend=None, device=None, delta=1e-6, tolerance=1e-5,
                    seed=0, raise_on_failure=False) -> GradientReport:
    """Compares symbolic gradients of ``fn`` with central differences, in float64.

    ``fn`` takes one placeholder per array of ``inputs`` and returns a tensor ``y``. The check
    projects ``y`` on a random cotangent ``u`` and compares ``d<u, y>/dx`` from
    :func:`flowkit.gradients` with ``(<u, y(x + delta e)> - <u, y(x - delta e)>) / 2 delta``
    for every element of every input. The error is relative: ``|a - n| / max(1, |a|, |n|)``.

    Args:
        fn: builds the op under test from placeholders.
        inputs: the points at which to check (converted to float64 arrays).
        backend, device: where to run (default: the session default).
        delta, tolerance: the finite-difference step and the accepted error.
        raise_on_failure: raise ``AssertionError`` with the report instead of returning it.
    """
    import flowkit as tf
    inputs = [np.asarray(x, dtype=np.float64) for x in inputs]
    rng = np.random.default_rng(seed)
    graph = tf.Graph()
    with graph.as_default():
        xs = [tf.placeholder(tf.float64, x.shape, name=f"x{i}") for i, x in enumerate(inputs)]
        y = fn(*xs)
        y = tf.convert_to_tensor(y)
        u_val = rng.standard_normal(size=_static_shape(y, xs, inputs, graph, backend, device))
        u = tf.placeholder(tf.float64, u_val.shape, name="u")
        proj = tf.reduce_sum(y * u)
        grads = tf.gradients(proj, xs)
    report = GradientReport(tolerance=tolerance)
    with tf.Session(graph=graph, backend=backend, device=device) as sess:
        feed = {x: v for x, v in zip(xs, inputs)}
        feed[u] = u_val
        symbolic = sess.run([g if g is not None else proj for g in grads], feed)
        for i, (x, v) in enumerate(zip(xs, inputs)):
            if grads[i] is None:
                numeric_zero = True
                sym = np.zeros_like(v)
            else:
                numeric_zero = False
                sym = np.asarray(symbolic[i], dtype=np.float64)
            num = np.zeros_like(v)
            flat = v.reshape(-1)
            for j in range(flat.size):
                old = flat[j]
                flat[j] = old + delta
                plus = sess.run(proj, {**feed, x: flat.reshape(v.shape)})
                flat[j] = old - delta
                minus = sess.run(proj, {**feed, x: flat.reshape(v.shape)})
                flat[j] = old
                num.reshape(-1)[j] = (plus - minus) / (2 * delta)
            err = np.abs(sym - num) / np.maximum(1.0, np.maximum(np.abs(sym), np.abs(num)))
            report.errors.append(float(err.max()) if err.size else 0.0)
            _ = numeric_zero
    if raise_on_failure and not report.ok:
        raise AssertionError(str(report))
    return report


def _static_shape(y, xs, inputs, graph, backend, device):
    if y.shape.is_fully_defined():
        return tuple(y.shape.as_list())
    import flowkit as tf
    with tf.Session(graph=graph, backend=backend, device=device) as sess:
        return np.shape(sess.run(y, dict(zip(xs, inputs))))


def available_backends(include_cuda=False) -> list:
    """``[(backend, device), ...]`` for every installed backend and usable device."""
    from flowkit import plugins
    out = []
    for name in plugins.backend_names():
        for dev, ok in plugins.get_backend(name).devices().items():
            if ok and (include_cuda or not dev.startswith("cuda")):
                out.append((name, dev))
    return out
