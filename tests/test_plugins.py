"""The plugin system: built-in plugins, a throwaway op plugin, defensive loading, duplicates."""
import subprocess
import sys
import types

import numpy as np
import pytest

import flowkit as tf
from flowkit import plugins
from flowkit.ops.core import convert_to_tensor, make_tensor, same_dtype_shape


def test_builtin_plugins_are_loaded_through_the_manager():
    pm = plugins.get_plugin_manager()
    names = [n for n, p in pm.list_name_plugin() if p is not None]
    assert "flowkit_numpy" in names
    assert "numpy" in plugins.backend_names()
    assert plugins.contributions()["flowkit_numpy"]["backends"] == ["numpy"]


def _cube_plugin():
    """A throwaway third-party op plugin: the op Cube with a shape rule, gradient and kernel."""
    mod = types.ModuleType("flowkit_test_cube")

    @plugins.hookimpl
    def flowkit_register_ops():
        return [plugins.OpSpec(
            type="TestCube", shape=same_dtype_shape,
            grad=lambda op, g: [g * 3.0 * op.inputs[0] * op.inputs[0]],
            kernels={"numpy": lambda attrs, x: x * x * x,
                     "torch": lambda attrs, x: x * x * x})]
    mod.flowkit_register_ops = flowkit_register_ops
    mod.__version__ = "9.9"
    return mod


@pytest.fixture
def cube_plugin():
    mod = _cube_plugin()
    plugins.register_plugin(mod, name="flowkit_test_cube")
    yield mod
    plugins.unregister_plugin(mod)


def test_third_party_op_plugin(cube_plugin, session):
    x = tf.placeholder(tf.float32, [3])
    y = make_tensor("TestCube", (convert_to_tensor(x),))
    (g,) = tf.gradients(tf.reduce_sum(y), [x])
    sess = session()
    out, grad = sess.run([y, g], {x: [1.0, 2.0, -1.0]})
    np.testing.assert_allclose(out, [1.0, 8.0, -1.0])
    np.testing.assert_allclose(grad, [3.0, 12.0, 3.0])
    assert plugins.contributions()["flowkit_test_cube"]["ops"] == ["TestCube"]


def test_unregistering_removes_the_op(cube_plugin):
    plugins.unregister_plugin(cube_plugin)
    from flowkit.framework.registry import has_op
    assert not has_op("TestCube")
    plugins.register_plugin(cube_plugin, name="flowkit_test_cube")  # for the fixture teardown


def test_op_type_clash_names_both_plugins():
    mod = types.ModuleType("flowkit_bad_ops")

    @plugins.hookimpl
    def flowkit_register_ops():
        return [plugins.OpSpec(type="MatMul", shape=same_dtype_shape, grad=None)]
    mod.flowkit_register_ops = flowkit_register_ops
    with pytest.raises(plugins.PluginError, match="MatMul.*flowkit"):
        plugins.register_plugin(mod, name="flowkit_bad_ops")
    plugins.get_plugin_manager().unregister(mod)


def test_duplicate_backend_name_is_an_error():
    mod = types.ModuleType("flowkit_dup_backend")
    from flowkit.backend import Backend

    class Fake(Backend):
        name = "numpy"

    @plugins.hookimpl
    def flowkit_register_backends():
        return [Fake()]
    mod.flowkit_register_backends = flowkit_register_backends
    with pytest.raises(plugins.PluginError, match="Two plugins register a backend named 'numpy'"):
        plugins.register_plugin(mod, name="flowkit_dup_backend")
    plugins.get_plugin_manager().unregister(mod)


def test_unknown_backend_lists_installed_ones():
    with pytest.raises(ValueError, match="Installed backends: .*numpy"):
        tf.Session(backend="nope")


def test_missing_kernel_names_op_type_backend_and_plugin(cube_plugin):
    be = plugins.get_backend("numpy")
    kernel = be.kernels.pop("TestCube")
    try:
        x = tf.constant([1.0])
        y = make_tensor("TestCube", (x,))
        with pytest.raises(tf.errors.UnimplementedError,
                           match="TestCube.*'numpy'.*flowkit_numpy.*flowkit_test_cube"):
            tf.Session().run(y)
    finally:
        be.kernels["TestCube"] = kernel


def test_broken_entry_point_plugin_warns_and_names_it(tmp_path):
    # A real distribution with a `flowkit` entry point whose module raises on import.
    dist = tmp_path / "broken_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: broken-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[flowkit]\nbroken = flowkit_broken_mod\n")
    (tmp_path / "flowkit_broken_mod.py").write_text("raise RuntimeError('boom')\n")
    code = ("import warnings, flowkit\nfrom flowkit import plugins\n"
            "with warnings.catch_warnings(record=True) as w:\n"
            "    warnings.simplefilter('always')\n"
            "    plugins.load()\n"
            "print([str(x.message) for x in w])\n"
            "print(plugins.backend_names())\n")
    env = {"PYTHONPATH": str(tmp_path), "FLOWKIT_DISABLE_PLUGIN_AUTOLOAD": "0",
           "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert "plugin 'broken'" in r.stdout and "boom" in r.stdout
    assert "FLOWKIT_DISABLE_PLUGINS=broken" in r.stdout
    assert "numpy" in r.stdout
    env["FLOWKIT_STRICT_PLUGINS"] = "1"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode != 0 and "PluginError" in r.stderr


def test_cli_plugins_lists_backends_and_devices():
    from flowkit.cli import main
    import io
    import contextlib
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert main(["plugins"]) == 0
    out = buf.getvalue()
    assert "flowkit_numpy" in out and "backend numpy" in out and "cpu (available)" in out


def test_importing_flowkit_does_not_import_torch():
    code = ("import sys, flowkit as tf\n"
            "a = tf.placeholder(tf.float32, [])\n"
            "print(tf.Session().run(a + 1.0, {a: 1.0}), 'torch' in sys.modules)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["2.0", "False"]


def test_kernels_hook_adds_a_kernel_to_another_plugins_backend(cube_plugin):
    """flowkit_register_kernels: one plugin gives the op, another the kernel for a backend."""
    be = plugins.get_backend("numpy")
    original = be.kernels.pop("TestCube")
    provider = types.ModuleType("flowkit_test_cube_kernels")

    @plugins.hookimpl
    def flowkit_register_kernels():
        return [("numpy", {"TestCube": lambda attrs, x: x * x * x + 0})]
    provider.flowkit_register_kernels = flowkit_register_kernels
    try:
        plugins.register_plugin(provider, name="flowkit_test_cube_kernels")
        assert plugins.contributions()["flowkit_test_cube_kernels"]["kernels"] == \
            [("numpy", "TestCube")]
        y = make_tensor("TestCube", (tf.constant([2.0]),))
        assert tf.Session().run(y).tolist() == [8.0]
        plugins.unregister_plugin(provider)
        assert "TestCube" not in be.kernels
    finally:
        be.kernels["TestCube"] = original


def test_configure_hook_sees_backends_optimizers_and_env(monkeypatch):
    seen = {}
    mod = types.ModuleType("flowkit_test_configure")

    @plugins.hookimpl
    def flowkit_configure(config):
        seen.update(config)
    mod.flowkit_configure = flowkit_configure
    monkeypatch.setenv("FLOWKIT_DEVICE", "cpu")
    try:
        plugins.load(extra_plugins=[mod])
        assert "numpy" in seen["backends"]
        assert "GradientDescentOptimizer" in seen["optimizers"]
        assert seen["env"]["FLOWKIT_DEVICE"] == "cpu"
    finally:
        plugins.load()
