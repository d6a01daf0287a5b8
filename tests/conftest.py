"""Fixtures shared by the test suite.

``backend`` runs a test once per installed backend and usable device (the list comes from
the plugin manager, so a new backend is tested by the same tests); CUDA devices carry the
``cuda`` marker. ``session`` makes sessions on that backend. ``tf1`` is TensorFlow's
``tf.compat.v1`` in graph mode (tests that use it carry the ``tf`` marker and skip without it).
"""
import importlib.util

import pytest

import flowkit
from flowkit import plugins


def _backend_params():
    params = []
    for name in plugins.backend_names():
        for dev in plugins.get_backend(name).devices():
            marks = [pytest.mark.cuda] if dev.startswith("cuda") else []
            params.append(pytest.param((name, dev), id=f"{name}-{dev}", marks=marks))
    return params


BACKENDS = _backend_params()


@pytest.fixture(params=BACKENDS)
def backend(request):
    """``(backend name, device)``; CUDA devices are skipped where no GPU is usable."""
    name, dev = request.param
    if not plugins.get_backend(name).devices().get(dev):
        pytest.skip(f"device {dev} of backend {name} is not available here")
    return request.param


@pytest.fixture
def session(backend):
    """A factory: ``session()`` or ``session(graph=g)`` on the test's backend."""
    made = []

    def make(graph=None):
        s = flowkit.Session(graph=graph, backend=backend[0], device=backend[1])
        made.append(s)
        return s
    yield make
    for s in made:
        s.close()


@pytest.fixture(scope="session")
def tf1():
    if importlib.util.find_spec("tensorflow") is None:
        pytest.skip("TensorFlow is not installed (pip install 'flowkit[tf]')")
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    return tf


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tf1" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.tf)
