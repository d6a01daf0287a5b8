"""Pictures of graphs: DOT text with no extra dependency, SVG through graphviz when present.

Name scopes become clusters; placeholders, variables, constants, ops and gradient ops are told
apart by shape and colour; edges carry the tensor's shape and dtype.

Example:
    >>> import flowkit as tf
    >>> x = tf.placeholder(tf.float32, [None, 3], name="x")
    >>> with tf.name_scope("layer"):
    ...     y = tf.nn.relu(x)
    >>> dot = tf.get_default_graph().to_dot()
    >>> 'subgraph "cluster_layer"' in dot and '"x" -> "layer/Relu"' in dot
    True
"""
from __future__ import annotations

import shutil
import subprocess

# kind -> (shape, fill colour)
STYLES = {
    "placeholder": ("invhouse", "#fde68a"),
    "variable": ("cylinder", "#bbf7d0"),
    "constant": ("plain", "#ffffff"),
    "op": ("box", "#dbeafe"),
    "gradient": ("box", "#fecaca"),
    "state": ("box", "#e9d5ff"),
}


def op_kind(op) -> str:
    if op.type in ("Placeholder", "PlaceholderWithDefault"):
        return "placeholder"
    if op.type == "VariableV2":
        return "variable"
    if op.type == "Const":
        return "constant"
    if op.gradient_of is not None or op.name.startswith("gradients"):
        return "gradient"
    if op.op_def.writes_ref:
        return "state"
    return "op"


def _q(s: str) -> str:
    """A DOT string literal; real newlines become DOT's centred line breaks."""
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + s + '"'


def _shape_label(t) -> str:
    s = t.shape
    dims = "?" if s.ndims is None else "(" + ", ".join("?" if d is None else str(d)
                                                       for d in s.as_tuple()) + ")"
    return f"{dims} {t.dtype.name}"


def graph_to_dot(graph, show_constants: bool = True, max_ops: int = 500) -> str:
    """The graph as DOT text (``Graph.to_dot()``), for graphviz or any DOT viewer."""
    ops = graph.get_operations()
    if not show_constants:
        ops = [op for op in ops if op.type != "Const"]
    if len(ops) > max_ops:
        ops = ops[:max_ops]
    shown = set(ops)
    lines = ["digraph flowkit {", "  rankdir=BT;", '  fontname="Helvetica";',
             '  node [fontname="Helvetica", fontsize=10, style=filled];',
             '  edge [fontname="Helvetica", fontsize=8, color="#64748b"];']
    # Nest name scopes as clusters.
    tree = {"ops": [], "children": {}}
    for op in ops:
        node = tree
        for part in op.name.split("/")[:-1]:
            node = node["children"].setdefault(part, {"ops": [], "children": {}})
        node["ops"].append(op)

    def emit(node, prefix, indent):
        pad = "  " * indent
        for op in node["ops"]:
            shape, colour = STYLES[op_kind(op)]
            label = op.name.split("/")[-1]
            if op.type not in ("Const", "VariableV2", "Placeholder") or label != op.type:
                label = f"{label}\n{op.type}" if label != op.type else label
            lines.append(f"{pad}{_q(op.name)} [label={_q(label)}, shape={shape}, "
                         f"fillcolor={_q(colour)}];")
        for name, child in node["children"].items():
            full = f"{prefix}{name}"
            lines.append(f"{pad}subgraph {_q('cluster_' + full)} {{")
            lines.append(f"{pad}  label={_q(name)}; style=rounded; color=\"#94a3b8\";")
            emit(child, full + "/", indent + 1)
            lines.append(f"{pad}}}")
    emit(tree, "", 1)
    for op in ops:
        for t in op.inputs:
            if t.op in shown:
                lines.append(f"  {_q(t.op.name)} -> {_q(op.name)} [label={_q(_shape_label(t))}];")
        for c in op.control_inputs:
            if c in shown:
                lines.append(f"  {_q(c.name)} -> {_q(op.name)} [style=dashed];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def dot_to_svg(dot: str):
    """SVG text rendered by graphviz's ``dot`` program, or ``None`` when it is not installed."""
    exe = shutil.which("dot")
    if exe is None:
        return None
    r = subprocess.run([exe, "-Tsvg"], input=dot, capture_output=True, text=True, timeout=60)
    return r.stdout if r.returncode == 0 else None
