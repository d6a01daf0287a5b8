"""Root pytest configuration: shared by the test suite and the doctests of every module."""
import os

# Tests never autoload third-party plugins installed in the environment, and every kernel's
# output is checked against the dtype and shape its op promised.
os.environ.setdefault("FLOWKIT_DISABLE_PLUGIN_AUTOLOAD", "1")
os.environ.setdefault("FLOWKIT_CHECK_KERNELS", "1")

import importlib.util  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402

collect_ignore = ["flowkit/__main__.py", "docs", "benchmarks", "tutorials", "build"]
if importlib.util.find_spec("torch") is None:
    # Modules that import torch at their top (loaded only when a torch session needs them).
    collect_ignore += ["plugins/flowkit_torch", "flowkit/data/torch_arrays.py"]


@pytest.fixture(autouse=True)
def _fresh_default_graph(doctest_namespace):
    """Each test and doctest starts with an empty default graph and no default session."""
    import flowkit
    from flowkit.framework import session_stack
    session_stack._stack.clear()
    flowkit.reset_default_graph()
    doctest_namespace["np"] = np
    doctest_namespace["tf"] = flowkit
    yield
    session_stack._stack.clear()
