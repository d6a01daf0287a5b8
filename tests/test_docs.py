"""The documentation cannot drift from the code: hooks, environment variables, examples."""
import inspect
import os
import re

import flowkit as tf
from flowkit import plugins
from flowkit.config import ENV_VARS

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _sources(*folders):
    for folder in folders:
        for dirpath, _, files in os.walk(os.path.join(ROOT, folder)):
            for f in files:
                if f.endswith(".py"):
                    with open(os.path.join(dirpath, f)) as fh:
                        yield os.path.join(dirpath, f), fh.read()


def test_every_hook_is_documented_and_tested():
    hooks = [n for n, _ in inspect.getmembers(plugins.FlowkitSpecs, inspect.isfunction)]
    assert hooks
    tests = "".join(text for _, text in _sources("tests", "plugins/flowkit-example/tests"))
    for name in hooks:
        doc = getattr(plugins.FlowkitSpecs, name).__doc__ or ""
        assert ":returns:" in doc or ":param" in doc, f"hook {name} lacks a full docstring"
        assert name in tests or name == "flowkit_configure" and "configure" in tests, \
            f"hook {name} has no test"


def test_every_environment_variable_is_in_the_table():
    listed = {name for name, _, _ in ENV_VARS}
    used = set()
    for _path, text in _sources("flowkit", "plugins"):
        used |= set(re.findall(r"\"(FLOWKIT_[A-Z_]+)\"", text))
    assert used <= listed, f"undocumented environment variables: {sorted(used - listed)}"


def test_docs_tables_generate():
    import sys
    sys.path.insert(0, os.path.join(ROOT, "docs"))
    try:
        import gen_tables
    finally:
        sys.path.pop(0)
    kernels = gen_tables.kernels_table()
    assert "| `MatMul` |" in kernels and "**missing**" not in kernels
    assert "flowkit_register_backends" in gen_tables.hooks_page()
    assert "FLOWKIT_BACKEND" in gen_tables.env_page()


def test_public_functions_have_runnable_examples():
    missing = []
    for label, module in {"tf": tf, "tf.nn": tf.nn, "tf.train": tf.train}.items():
        for name in dir(module):
            obj = getattr(module, name)
            if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if ">>>" not in (obj.__doc__ or ""):
                missing.append(f"{label}.{name}")
    assert not missing, f"public names without a doctest example: {missing}"
