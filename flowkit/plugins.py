"""flowkit's plugin system: ``pluggy`` hookspecs and the plugin manager.

Everything that does arithmetic is a plugin: backends (NumPy, PyTorch), extra ops and the
optimizers. The built-in plugins are ordinary modules registered exactly as a third-party
package is: through the ``flowkit`` entry-point group. A plugin is a module (or object) with
functions marked ``@hookimpl`` whose names are the hooks below.

A broken third-party plugin gives a warning naming it, and the rest keeps working; set
``FLOWKIT_STRICT_PLUGINS=1`` to make such problems errors. Duplicate names (two backends or two
optimizers called the same) are always errors naming both plugins.

Example:
    >>> from flowkit import plugins
    >>> "numpy" in plugins.backend_names()
    True
"""
from __future__ import annotations

import importlib
import os
import threading
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

import pluggy

# What an op plugin needs to write an op's builder and shape rule, as flowkit's own ops do:
# ``op_scope`` (the op's name scope), ``convert_to_tensor``, ``make_tensor`` (adds the op to
# the graph and returns its output) and ``same_dtype_shape`` (the shape rule of elementwise
# ops). flowkit.ops never imports this module, so importing them here makes no cycle.
from flowkit.ops.core import (  # noqa: F401
    convert_to_tensor, make_tensor, op_scope, same_dtype_shape)

PROJECT = "flowkit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

#: The plugins that ship with flowkit; they are loaded even when entry points are not scanned.
DEFAULT_PLUGINS = ("flowkit_numpy", "flowkit_torch", "flowkit_optimizers", "flowkit.data.plugin",
                   "flowkit.summary.summary_ops", "flowkit.distributed.ops", "flowkit.rnn.plugin",
                   "flowkit.custom_gradient")


@dataclass
class OpSpec:
    """An op contributed by a plugin through :func:`flowkit_register_ops`.

    Attributes:
        type: the op type, CamelCase (``"Swish"``); unique across all plugins.
        shape: the shape rule ``shape(inputs, attrs) -> [(dtype, shape), ...]``.
        grad: the gradient rule ``grad(op, *output_grads) -> [grad per input]``, or ``None``
            when the op is not differentiable.
        kernels: ``{backend name: kernel}``; kernels for backends that are not installed are
            ignored.
        builder: the user-facing function (optional; shown by ``flowkit plugins``).
    """

    type: str
    shape: Callable
    grad: Optional[Callable]
    kernels: dict = field(default_factory=dict)
    builder: Optional[Callable] = None


class FlowkitSpecs:
    """The hooks a flowkit plugin may implement. Each returns a list; ``None`` means nothing."""

    @hookspec
    def flowkit_register_backends(self):
        """Contribute backends.

        :returns: a list of :class:`flowkit.backend.Backend` instances. Each backend's
            ``name`` must be unique across all plugins.
        """

    @hookspec
    def flowkit_register_ops(self):
        """Contribute new op types, with their shape rule, gradient rule and kernels.

        :returns: a list of :class:`OpSpec`. Op types must not clash with flowkit's own or
            another plugin's.
        """

    @hookspec
    def flowkit_register_kernels(self):
        """Contribute kernels for op types to backends that other plugins provide.

        :returns: a list of ``(backend_name, {op_type: kernel})`` pairs.
        """

    @hookspec
    def flowkit_register_optimizers(self):
        """Contribute optimizers, reachable as ``tf.train.<ClassName>``.

        :returns: a list of :class:`flowkit.train.Optimizer` subclasses. Class names must be
            unique across all plugins.
        """

    @hookspec
    def flowkit_configure(self, config):
        """Called once after all plugins are registered.

        :param config: a dict of settings: ``backends`` (name -> Backend), ``optimizers``
            (name -> class) and ``env`` (the ``FLOWKIT_*`` environment variables).
        """


class PluginError(RuntimeError):
    """A plugin could not be loaded or contributed something invalid."""


class _State:
    pm: Optional[pluggy.PluginManager] = None
    backends: dict = {}
    optimizers: dict = {}
    ops: dict = {}
    contributions: dict = {}     # plugin name -> {"backends": [...], "ops": [...], ...}
    problems: list = []
    loaded: bool = False         # True once load() has finished (configure hooks included)


_state = _State()
#: Held while plugins load or (un)register: the first sessions made by several threads at once
#: load the plugins once, in one thread, while the others wait. Reentrant, because a plugin's
#: ``flowkit_configure`` may ask for the manager while it loads.
_LOCK = threading.RLock()


def _env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _complain(msg: str) -> None:
    _state.problems.append(msg)
    if _env_flag("FLOWKIT_STRICT_PLUGINS"):
        raise PluginError(msg)
    warnings.warn(msg, RuntimeWarning, stacklevel=3)


def _plugin_label(pm, plugin) -> str:
    return pm.get_name(plugin) or getattr(plugin, "__name__", repr(plugin))


def get_plugin_manager() -> pluggy.PluginManager:
    """The plugin manager, created and loaded on first use (once, by one thread)."""
    pm = _state.pm
    if pm is not None and _state.loaded:
        return pm
    with _LOCK:
        if _state.pm is None:
            load()
        return _state.pm


def load(extra_plugins=()) -> pluggy.PluginManager:
    """(Re)creates the plugin manager: built-in plugins, entry points, ``extra_plugins``."""
    with _LOCK:
        _state.loaded = False
        try:
            return _load(extra_plugins)
        finally:
            _state.loaded = _state.pm is not None


def _load(extra_plugins) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(FlowkitSpecs)
    disabled = {n.strip() for n in os.environ.get("FLOWKIT_DISABLE_PLUGINS", "").split(",")
                if n.strip()}
    _state.problems = []
    for modname in DEFAULT_PLUGINS:
        if modname in disabled:
            continue
        try:
            pm.register(importlib.import_module(modname), name=modname)
        except ImportError as e:
            _complain(f"flowkit: built-in plugin '{modname}' could not be imported ({e}). "
                      "Reinstall flowkit with `pip install -e .`.")
    if not _env_flag("FLOWKIT_DISABLE_PLUGIN_AUTOLOAD"):
        _load_entry_points(pm, disabled)
    for p in extra_plugins:
        pm.register(p)
    _collect(pm)
    _state.pm = pm
    pm.hook.flowkit_configure(config={"backends": dict(_state.backends),
                                      "optimizers": dict(_state.optimizers),
                                      "env": {k: v for k, v in os.environ.items()
                                              if k.startswith("FLOWKIT_")}})
    return pm


def _load_entry_points(pm, disabled) -> None:
    from importlib.metadata import entry_points
    for ep in entry_points(group=PROJECT):
        if ep.name in disabled or ep.value in disabled:
            continue
        try:
            plugin = ep.load()
        except Exception as e:  # noqa: BLE001 - one broken plugin must not kill the host
            _complain(f"flowkit: plugin '{ep.name}' (entry point '{ep.value}') failed to load: "
                      f"{type(e).__name__}: {e}. Disable it with "
                      f"FLOWKIT_DISABLE_PLUGINS={ep.name}.")
            continue
        if pm.is_registered(plugin):
            continue
        try:
            pm.register(plugin, name=ep.name)
        except ValueError as e:
            _complain(f"flowkit: plugin '{ep.name}' could not be registered: {e}")


def register_plugin(plugin, name=None) -> None:
    """Registers one more plugin at run time (used by tests and notebooks) and collects what
    it contributes."""
    with _LOCK:
        pm = get_plugin_manager()
        pm.register(plugin, name=name)
        _collect_one(pm, plugin)


def unregister_plugin(plugin) -> None:
    """Removes a plugin registered with :func:`register_plugin` and what it contributed."""
    with _LOCK:
        _unregister(plugin)


def _unregister(plugin) -> None:
    from flowkit.framework import registry
    pm = get_plugin_manager()
    label = _plugin_label(pm, plugin)
    contrib = _state.contributions.pop(label, {})
    for name in contrib.get("backends", []):
        _state.backends.pop(name, None)
    for name in contrib.get("optimizers", []):
        _state.optimizers.pop(name, None)
    for op_type in contrib.get("ops", []):
        registry.unregister_op(op_type)
        _state.ops.pop(op_type, None)
        for be in _state.backends.values():
            be.kernels.pop(op_type, None)
    for be_name, op_type in contrib.get("kernels", []):
        if be_name in _state.backends:
            _state.backends[be_name].kernels.pop(op_type, None)
    pm.unregister(plugin)


def _collect(pm) -> None:
    _state.backends, _state.optimizers, _state.ops, _state.contributions = {}, {}, {}, {}
    plugins = [p for _, p in pm.list_name_plugin() if p is not None]
    # Backends first, so that ops and kernels from any plugin find them.
    for p in plugins:
        _collect_one(pm, p, kinds=("backends",))
    for p in plugins:
        _collect_one(pm, p, kinds=("ops", "kernels", "optimizers"))


def _call(pm, plugin, hook_name):
    impl = getattr(plugin, hook_name, None)
    if impl is None:
        return []
    try:
        return list(impl() or [])
    except Exception as e:  # noqa: BLE001
        _complain(f"flowkit: plugin '{_plugin_label(pm, plugin)}' failed in {hook_name}: "
                  f"{type(e).__name__}: {e}")
        return []


def _collect_one(pm, plugin, kinds=("backends", "ops", "kernels", "optimizers")) -> None:
    from flowkit.framework import registry
    label = _plugin_label(pm, plugin)
    contrib = _state.contributions.setdefault(label, {"backends": [], "ops": [], "kernels": [],
                                                      "optimizers": []})
    if "backends" in kinds:
        for be in _call(pm, plugin, "flowkit_register_backends"):
            if be.name in _state.backends:
                raise PluginError(f"Two plugins register a backend named '{be.name}': "
                                  f"'{_state.backends[be.name].plugin}' and '{label}'.")
            be.plugin = label
            _state.backends[be.name] = be
            contrib["backends"].append(be.name)
    if "ops" in kinds:
        for spec in _call(pm, plugin, "flowkit_register_ops"):
            if registry.has_op(spec.type) and \
                    registry.get_op_def(spec.type).plugin == label:
                registry.unregister_op(spec.type)     # the same plugin, collected again after
                                                      # plugins.load() made a new manager
            if registry.has_op(spec.type):
                other = registry.get_op_def(spec.type).plugin
                raise PluginError(f"Plugin '{label}' registers op type '{spec.type}', which "
                                  f"'{other}' already registered.")
            registry.register_op(spec.type, shape=spec.shape, grad=spec.grad, required=False,
                                 plugin=label)
            _state.ops[spec.type] = spec
            contrib["ops"].append(spec.type)
            for be_name, fn in spec.kernels.items():
                if be_name in _state.backends:
                    _state.backends[be_name].register_kernels({spec.type: fn}, label)
                    contrib["kernels"].append((be_name, spec.type))
    if "kernels" in kinds:
        for be_name, table in _call(pm, plugin, "flowkit_register_kernels"):
            if be_name in _state.backends:
                _state.backends[be_name].register_kernels(table, label)
                contrib["kernels"].extend((be_name, t) for t in table)
    if "optimizers" in kinds:
        for cls in _call(pm, plugin, "flowkit_register_optimizers"):
            name = cls.__name__
            if name in _state.optimizers and _state.optimizers[name] is not cls:
                raise PluginError(f"Two plugins register an optimizer named '{name}': "
                                  f"'{_state.optimizers[name]._flowkit_plugin}' and '{label}'.")
            cls._flowkit_plugin = label
            _state.optimizers[name] = cls
            contrib["optimizers"].append(name)


# -- queries -----------------------------------------------------------------------------------
def backend_names() -> list:
    get_plugin_manager()
    return list(_state.backends)


def get_backend(name: str):
    """The backend called ``name``; ``ValueError`` listing the installed ones otherwise."""
    get_plugin_manager()
    try:
        return _state.backends[name]
    except KeyError:
        hint = ""
        if name == "torch":
            hint = (" The PyTorch backend needs PyTorch: install it with "
                    "`pip install \"flowkit[torch]\"`.")
        raise ValueError(f"No backend named '{name}'. Installed backends: "
                         f"{', '.join(sorted(_state.backends)) or 'none'}.{hint}") from None


def optimizers() -> dict:
    get_plugin_manager()
    return dict(_state.optimizers)


def contributions() -> dict:
    """What each plugin contributes:
    ``{plugin name: {"backends": [...], "ops": [...], "kernels": [...], "optimizers": [...]}}``."""
    get_plugin_manager()
    return {k: {kk: list(vv) for kk, vv in v.items()} for k, v in _state.contributions.items()}


def problems() -> list:
    """Warnings collected while loading plugins."""
    return list(_state.problems)
