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

import flowkit as tf
from flowkit import plugins
from flowkit.framework.registry import REQUIRED_KERNELS
from flowkit.testing_cases import CASES, Case  # noqa: F401 - Case is public here too


@dataclass
class GradientReport:
    """The result of :func:`check_gradients`: the worst error of each input's gradient."""

    errors: list = field(default_factory=list)
    tolerance: float = 1e-5
    #: The graph the check built (the op, its gradient ops and the projection).
    graph: object = None

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
    inputs = [np.asarray(x, dtype=np.float64, order="C") for x in inputs]
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
    report = GradientReport(tolerance=tolerance, graph=graph)
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
    with tf.Session(graph=graph, backend=backend, device=device) as sess:
        return np.shape(sess.run(y, dict(zip(xs, inputs))))


def available_backends(include_cuda=False) -> list:
    """``[(backend, device), ...]`` for every installed backend and usable device."""
    out = []
    for name in plugins.backend_names():
        for dev, ok in plugins.get_backend(name).devices().items():
            if ok and (include_cuda or not dev.startswith("cuda")):
                out.append((name, dev))
    return out


# --------------------------------------------------------------------------------------------
# Backend conformance: run every case on a backend and on the NumPy reference.
# --------------------------------------------------------------------------------------------
@dataclass
class ConformanceReport:
    """What :func:`run_conformance` found: failures, and which op types the cases covered."""

    backend: str
    device: str
    failures: list = field(default_factory=list)
    passed: int = 0
    covered: set = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.failures

    def missing(self) -> list:
        """Required op types that no case exercised (forward or in its gradient)."""
        return sorted(REQUIRED_KERNELS - self.covered)

    def __str__(self) -> str:
        head = (f"conformance of backend '{self.backend}' on {self.device}: {self.passed} "
                f"passed, {len(self.failures)} failed")
        return "\n".join([head] + [f"  {name}: {msg}" for name, msg in self.failures])


def _run_case(case, backend, device):
    g = tf.Graph()
    with g.as_default():
        phs = [tf.placeholder(tf.as_dtype(np.asarray(x).dtype), np.shape(x), name=f"in{i}")
               for i, x in enumerate(case.inputs)]
        out = case.build(*phs)
    outs = out if isinstance(out, (list, tuple)) else [out]
    with tf.Session(graph=g, backend=backend, device=device) as sess:
        vals = sess.run(list(outs), dict(zip(phs, case.inputs)))
    return g, outs, vals


def run_conformance(backend, device="cpu", cases=None, gradients=True) -> ConformanceReport:
    """Runs every case (default: :data:`flowkit.testing_cases.CASES`) on ``backend`` and on
    the NumPy reference backend, compares values, dtypes and shapes, and checks gradients
    through ``backend``. Backend authors call this from their test suite.

    Example:
        >>> report = run_conformance("numpy", cases=[Case("Add", lambda a: a + a,
        ...                                            [np.ones(3, np.float32)])])
        >>> report.ok, report.passed
        (True, 1)
    """
    if cases is None:
        cases = CASES
    report = ConformanceReport(backend, device)
    for case in cases:
        try:
            g, outs, got = _run_case(case, backend, device)
            _, _, want = _run_case(case, "numpy", "cpu")
            report.covered |= {op.type for op in g.get_operations()}
            for i, (a, b) in enumerate(zip(got, want)):
                a, b = np.asarray(a), np.asarray(b)
                if a.dtype != b.dtype or a.shape != b.shape:
                    raise AssertionError(f"output {i}: got {a.dtype}{a.shape}, reference "
                                         f"{b.dtype}{b.shape}")
                if case.random:
                    if a.size > 100 and a.dtype.kind == "f" and \
                            abs(float(a.mean()) - float(b.mean())) > 0.2 * max(1, b.std()):
                        raise AssertionError(f"output {i}: mean {a.mean():.3f} vs reference "
                                             f"{b.mean():.3f}")
                    continue
                if a.dtype.kind in "fc":
                    np.testing.assert_allclose(a, b, rtol=case.rtol, atol=case.atol,
                                               err_msg=f"output {i}")
                else:
                    np.testing.assert_array_equal(a, b, err_msg=f"output {i}")
            if gradients and case.grad:
                rep = check_gradients(case.build, case.inputs, backend=backend, device=device)
                report.covered |= {op.type for op in rep.graph.get_operations()}
                if not rep.ok:
                    raise AssertionError(str(rep))
            report.passed += 1
        except Exception as e:  # noqa: BLE001 - collect every failure
            report.failures.append((case.name, f"{type(e).__name__}: {e}"))
    return report
