"""Tests of the example plugin, written as a plugin author would: with flowkit.testing."""
import importlib.metadata
import subprocess
import sys

import numpy as np
import pytest

import flowkit as tf
from flowkit import plugins
from flowkit.testing import Case, check_gradients, run_conformance

flowkit_example = pytest.importorskip("flowkit_example")


@pytest.fixture(autouse=True)
def registered():
    plugins.register_plugin(flowkit_example, name="example")
    yield
    plugins.unregister_plugin(flowkit_example)


BACKENDS = ["numpy"] + (["torch"] if "torch" in plugins.backend_names() else [])


@pytest.mark.parametrize("backend", BACKENDS)
def test_swish_values_and_gradient(backend):
    x = np.linspace(-6, 6, 13)
    report = check_gradients(lambda t: flowkit_example.swish(t, beta=1.5), [x], backend=backend)
    assert report.ok, str(report)
    with tf.Session(backend=backend) as sess:
        got = sess.run(flowkit_example.swish(tf.constant(x, tf.float64), beta=1.5))
    np.testing.assert_allclose(got, x / (1 + np.exp(-1.5 * x)), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_swish_conforms_on_every_backend(backend):
    cases = [Case("Swish", lambda t: flowkit_example.swish(t),
                  [np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)]),
             Case("Swish-grad", lambda t: flowkit_example.swish(t, beta=0.5),
                  [np.random.default_rng(1).standard_normal(5)], grad=True)]
    report = run_conformance(backend, cases=cases)
    assert report.ok, str(report)


def test_swish_rejects_integers():
    with pytest.raises(TypeError, match="float"):
        flowkit_example.swish(tf.constant([1, 2]))


def test_sign_sgd_updates():
    w = tf.Variable([1.0, -2.0, 3.0])
    loss = tf.reduce_sum(w * w)
    step = tf.train.SignSGDOptimizer(0.5).minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(step)
        np.testing.assert_allclose(sess.run(w), [0.5, -1.5, 2.5])


def _installed() -> bool:
    try:
        importlib.metadata.distribution("flowkit-example")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(not _installed(), reason="the example plugin is not installed: its entry "
                    "point exists only after `pip install -e plugins/flowkit-example`")
def test_found_through_the_entry_point():
    code = ("import flowkit as tf, flowkit_example\n"
            "from flowkit import plugins\n"
            "print('example' in plugins.contributions(), tf.train.SignSGDOptimizer.__name__)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "FLOWKIT_DISABLE_PLUGIN_AUTOLOAD": "0"})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["True", "SignSGDOptimizer"]
