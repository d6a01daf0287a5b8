"""Writes the reference tables that must not drift from the code: the op types every backend
must provide (with each built-in backend's coverage), the plugin hooks (from their
docstrings) and the environment variables (from flowkit.config.ENV_VARS)."""
from __future__ import annotations

import inspect
import os


def kernels_table() -> str:
    from flowkit import plugins
    from flowkit.framework.registry import REQUIRED_KERNELS, registered_ops
    names = plugins.backend_names()
    ops = registered_ops()
    lines = ["# Kernels a backend must provide", "",
             "Generated from `flowkit.framework.registry.REQUIRED_KERNELS` when the docs are "
             "built. A backend provides a forward kernel `kernel(attrs, *inputs)` for each op "
             "type; gradients are built from these ops, so nothing else is needed.", "",
             "| op type | differentiable | " + " | ".join(names) + " |",
             "| --- | --- | " + " | ".join("---" for _ in names) + " |"]
    for t in sorted(REQUIRED_KERNELS):
        have = ["yes" if t in plugins.get_backend(n).kernels else "**missing**" for n in names]
        diff = "yes" if ops[t].grad_fn is not None else "no"
        lines.append(f"| `{t}` | {diff} | " + " | ".join(have) + " |")
    lines.append("")
    lines.append(f"{len(REQUIRED_KERNELS)} op types.")
    return "\n".join(lines) + "\n"


def hooks_page() -> str:
    from flowkit.plugins import FlowkitSpecs
    lines = ["# Plugin hooks", "",
             "Generated from `flowkit.plugins.FlowkitSpecs` when the docs are built. A plugin is "
             "a module with functions marked `@flowkit.plugins.hookimpl` named after these "
             "hooks, registered under the `flowkit` entry-point group.", ""]
    for name, fn in inspect.getmembers(FlowkitSpecs, inspect.isfunction):
        sig = str(inspect.signature(fn)).replace("(self, ", "(").replace("(self)", "()")
        lines += [f"## `{name}{sig}`", "", inspect.cleandoc(fn.__doc__ or ""), ""]
    return "\n".join(lines) + "\n"


def env_page() -> str:
    from flowkit.config import ENV_VARS
    lines = ["# Environment variables", "",
             "Generated from `flowkit.config.ENV_VARS` when the docs are built.", "",
             "| variable | default | effect |", "| --- | --- | --- |"]
    for name, default, text in ENV_VARS:
        lines.append(f"| `{name}` | `{default}` | {text} |")
    return "\n".join(lines) + "\n"


def _write_if_changed(path: str, text: str) -> None:
    old = open(path).read() if os.path.exists(path) else None
    if old != text:
        with open(path, "w") as f:
            f.write(text)


def write_all(folder: str) -> None:
    import gen_architecture
    os.makedirs(folder, exist_ok=True)
    for fname, text in (("kernels.md", kernels_table()), ("hooks.md", hooks_page()),
                        ("env_vars.md", env_page())):
        _write_if_changed(os.path.join(folder, fname), text)
    gen_architecture.write_all(folder, _write_if_changed)
    import gen_coverage
    gen_coverage.write(folder, _write_if_changed)
