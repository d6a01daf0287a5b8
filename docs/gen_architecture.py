"""Writes the architecture pages from the code, so they cannot drift from it:

- ``reference/layers.md`` and ``reference/layers.svg``: the layers of flowkit, drawn from the
  import-linter contracts in ``pyproject.toml`` (the same contracts ``.ci/run`` enforces);
- ``reference/ops.md``: every op builder, grouped by the family module that declares it.
"""
from __future__ import annotations

import html
import importlib
import importlib.util
import os
import re

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

#: What each layer holds, in a few words (a layer missing here is drawn with its name only).
ROLES = {
    "framework": "graphs, ops, tensors, dtypes, shapes, errors, registry",
    "ops": "the op families: builder, shape rule, gradient rule",
    "nn": "the tf.nn namespace",
    "gradients": "tf.gradients: reverse mode over the graph",
    "variables": "Variable, collections",
    "init_ops": "initializers",
    "variable_scope": "variable_scope, get_variable, reuse",
    "plugins": "pluggy hooks and the plugin manager",
    "session": "Session: plans, feeds, fetches",
    "checkpoint": "HDF5 files, graph as JSON",
    "train": "optimizers, Saver, schedules",
    "testing_cases": "conformance cases",
    "testing": "gradient checks, conformance",
    "commands": "flowkit demo, inspect, diff, graph",
    "cli": "the flowkit command",
}


def contracts() -> list:
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]["contracts"]


def parse_layer(text: str, container: str = "flowkit") -> list:
    """``"a | (b) : c"`` -> ``[("a", False), ("b", True), ("c", False)]``: each module's name
    and whether it is still missing (an optional layer, in parentheses, that does not exist)."""
    out = []
    for part in re.split(r"[|:]", text):
        part = part.strip()
        name = part.strip("()")
        optional = part.startswith("(") and part.endswith(")")
        missing = optional and importlib.util.find_spec(f"{container}.{name}") is None
        out.append((name, missing))
    return out


def layers_svg(layers: list, width: int = 860) -> str:
    """Stacked rows, top layer first; modules of one layer side by side. A namespace that does
    not exist yet is drawn dashed."""
    row_h, gap, pad = 46, 10, 10
    height = pad * 2 + len(layers) * (row_h + gap)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">']
    for i, layer in enumerate(layers):
        y = pad + i * (row_h + gap)
        n = len(layer)
        w = (width - 2 * pad - (n - 1) * 6) / n
        for j, (name, optional) in enumerate(layer):
            x = pad + j * (w + 6)
            dash = ' stroke-dasharray="4 3"' if optional else ""
            fill = "#ffffff" if optional else "#e8f0fe"
            parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row_h}" rx="6" '
                         f'fill="{fill}" stroke="#4a6fa5"{dash}/>')
            parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 18}" text-anchor="middle" '
                         f'font-weight="bold">{html.escape(name)}</text>')
            role = ROLES.get(name, "not yet built" if optional else "")
            if role and n <= 3:
                parts.append(f'<text x="{x + w / 2:.1f}" y="{y + 35}" text-anchor="middle" '
                             f'fill="#444">{html.escape(role)}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def layers_page(contract_list: list) -> str:
    lines = ["# Layers", "",
             "Generated from the import-linter contracts in `pyproject.toml` when the docs are "
             "built; `.ci/run` runs `lint-imports`, so an import that climbs a layer, or any "
             "import circle, fails the build. Each layer may import only the layers below it. "
             "Modules side by side are independent of each other; a dashed box is a namespace "
             "of this round that does not exist yet (its place is reserved).", "",
             "![flowkit's layers](layers.svg)", ""]
    for c in contract_list:
        lines += [f"## {c['name']}", "", f"Contract type `{c['type']}`."]
        if c["type"] == "layers":
            lines += [f"Containers: {', '.join(f'`{x}`' for x in c['containers'])}.", "",
                      "| layer (top first) | modules |", "| --- | --- |"]
            for i, layer in enumerate(c["layers"]):
                mods = ", ".join(f"`{n}`" + (" (not yet)" if missing else "")
                                 for n, missing in parse_layer(layer, c["containers"][0]))
                lines.append(f"| {i + 1} | {mods} |")
        elif c["type"] == "forbidden":
            lines += ["", "Sources: " + ", ".join(f"`{m}`" for m in c["source_modules"]) + ".",
                      "", "They may not import: " +
                      ", ".join(f"`{m}`" for m in c["forbidden_modules"]) + "."]
        elif c["type"] == "independence":
            lines += ["", "Independent: " + ", ".join(f"`{m}`" for m in c["modules"]) + "."]
        elif c["type"] == "acyclic_siblings":
            lines += ["", "No two sibling modules or packages under "
                      + ", ".join(f"`{m}`" for m in c["ancestors"])
                      + " import each other, directly or through others."]
        lines.append("")
    return "\n".join(lines)


#: The op families, bottom up, as documented on the API page.
FAMILIES = [
    ("flowkit.ops.core", "Conversion, constants and placeholders", ["constant", "placeholder",
                                                                   "convert_to_tensor"]),
    ("flowkit.ops.shape_ops", "Shape and dtype manipulation", None),
    ("flowkit.ops.constant_ops", "Constants and fills", None),
    ("flowkit.ops.math_ops", "Elementwise math and reductions", None),
    ("flowkit.ops.join_ops", "Joining and splitting", None),
    ("flowkit.ops.matrix_ops", "Matrix products", None),
    ("flowkit.ops.indexing_ops", "Indexing and slicing", None),
    ("flowkit.ops.random_ops", "Random values", None),
    ("flowkit.ops.state_ops", "Variable updates", None),
    ("flowkit.ops.nn_ops", "Neural-network ops (tf.nn)", None),
    ("flowkit.ops.conv_ops", "Convolution and pooling (tf.nn)", None),
    ("flowkit.ops.clip_ops", "Clipping", None),
    ("flowkit.ops.control_flow_ops", "Control flow", None),
]


def ops_page() -> str:
    lines = ["# Ops by family", "",
             "Generated from each family module's `__all__` when the docs are built. Each op "
             "is declared at one site in its family's module: its builder (the `tf.*` name "
             "below), its shape rule and its gradient rule. The families are listed from the "
             "bottom up: each builds only on those above it in this list.", ""]
    for modname, title, names in FAMILIES:
        mod = importlib.import_module(modname)
        names = names or list(getattr(mod, "__all__", []))
        if not names:
            continue
        lines += [f"## {title}", "", f"`{modname}`: {len(names)} names.", "",
                  "```{eval-rst}"]
        lines += [f".. autofunction:: {modname}.{n}" for n in names
                  if callable(getattr(mod, n, None))]
        lines += ["```", ""]
    return "\n".join(lines)


def write_all(folder: str, write) -> None:
    """Writes the pages into ``folder`` with ``write(path, text)``."""
    cs = contracts()
    layers = [parse_layer(x) for x in next(c for c in cs if c.get("id") == "layers")["layers"]]
    write(os.path.join(folder, "layers.svg"), layers_svg(layers))
    write(os.path.join(folder, "layers.md"), layers_page(cs))
    write(os.path.join(folder, "ops.md"), ops_page())
