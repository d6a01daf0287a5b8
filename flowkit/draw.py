"""Pictures of graphs: DOT text with no extra dependency, and SVG with or without graphviz.

Name scopes become boxes (DOT clusters); placeholders, variables, constants, ops and gradient
ops are told apart by shape and colour; edges carry the tensor's shape and dtype.

:func:`graph_to_svg` (``Graph.to_svg()``, the picture a notebook shows) hands the DOT text to
graphviz's ``dot`` program when it is installed, and otherwise draws the same picture itself: a
layered (Sugiyama) layout computed in pure Python by ``grandalf``, each name scope laid out as
one block inside its parent, emitted as SVG with the same shapes, colours and edge labels.
``FLOWKIT_GRAPHVIZ=0`` skips graphviz even where it is installed.

Big graphs are drawn readably rather than completely. Every drawing function takes
``forward_only`` (the ops of ``tf.gradients`` drawn as one box, and the optimizer's ops, its
update ops, slots and ``beta1_power``-style variables, as another; ``None``, the default, does so
when the graph has more than :data:`AUTO_FORWARD_ONLY` ops), ``collapse`` (name scopes drawn as
one box each, with their op count) and ``max_ops`` (above it, each top-level name scope is drawn
as one box, with the edges between scopes; ``None``: no limit). The drawing says in its label
what it left out and how to draw it. A ``dot`` run that fails (graphviz's "trouble in
init_rank" on big clustered graphs) falls back to the Python drawing; :func:`run_dot` raises
:class:`GraphvizError` with graphviz's first message instead.

Example:
    >>> import flowkit as tf
    >>> x = tf.placeholder(tf.float32, [None, 3], name="x")
    >>> with tf.name_scope("layer"):
    ...     y = tf.nn.relu(x)
    >>> dot = tf.get_default_graph().to_dot()
    >>> 'subgraph "cluster_layer"' in dot and '"x" -> "layer/Relu"' in dot
    True
    >>> svg = layout_svg(tf.get_default_graph())
    >>> svg.startswith("<?xml") and "<title>layer/Relu</title>" in svg
    True
"""
from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from collections import Counter
from html import escape

from grandalf.graphs import Edge, Graph, Vertex
from grandalf.layouts import SugiyamaLayout

# kind -> (shape, fill colour)
STYLES = {
    "placeholder": ("invhouse", "#fde68a"),
    "variable": ("cylinder", "#bbf7d0"),
    "constant": ("plain", "#ffffff"),
    "op": ("box", "#dbeafe"),
    "gradient": ("box", "#fecaca"),
    "state": ("box", "#e9d5ff"),
    "group": ("box3d", "#e2e8f0"),
}
#: ``forward_only=None`` draws only the forward ops of graphs with more ops than this.
AUTO_FORWARD_ONLY = 150
#: Above this many boxes, top-level name scopes are drawn as one box each.
MAX_OPS = 250


class Group:
    """One box standing for many ops: a collapsed name scope, the gradients or the optimizer.
    ``kind`` is ``"group"``, ``"gradient"`` or ``"state"`` (its colour)."""

    type = "Scope"
    gradient_of = None

    def __init__(self, name, kind, what=""):
        self.name, self.kind, self.what, self.ops = name, kind, what, []

    def __repr__(self):
        return f"<Group {self.name}: {len(self.ops)} ops>"


def op_kind(op) -> str:
    if isinstance(op, Group):
        return "group"
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


def _style(node):
    """``(shape, fill colour)`` of an op or a :class:`Group`."""
    if isinstance(node, Group):
        return "box3d", STYLES[node.kind][1]
    return STYLES[op_kind(node)]


def _what(group) -> str:
    """``"optimizer, "`` for a group whose name does not say what it is, else ``""``."""
    return f"{group.what}, " if group.what and group.what != group.name.split("/")[-1] else ""


def _node_label(op) -> str:
    """The last part of the op's name, and its type on a second line when that tells more."""
    if isinstance(op, Group):
        return f"{op.name.split('/')[-1]}\n{_what(op)}{len(op.ops)} ops"
    label = op.name.split("/")[-1]
    if op.type not in ("Const", "VariableV2", "Placeholder") or label != op.type:
        label = f"{label}\n{op.type}" if label != op.type else label
    return label


_GRAD_SCOPE = re.compile(r"gradients(_\d+)?$")


def _is_gradient(op) -> bool:
    return op.gradient_of is not None or any(_GRAD_SCOPE.match(p)
                                             for p in op.name.split("/")[:-1])


def _training_groups(ops) -> list:
    """The gradient ops and the optimizer's ops, as two :class:`Group` s (empty when the graph
    has no gradients). The optimizer's ops are those computed from the gradients (its update
    ops, the train op, ``beta1_power``'s update) with the rest of their name scopes
    (``Adam/learning_rate``, ``beta1_power``), and its slots (``w/Adam``, ``w/Adam_1``)."""
    grads = [op for op in ops if _is_gradient(op)]
    if not grads:
        return []
    g_set = set(grads)
    depth = min(next(i for i, p in enumerate(op.name.split("/")) if _GRAD_SCOPE.match(p))
                if not op.gradient_of else len(op.name.split("/")) - 1 for op in grads) + 1
    consumers = {}
    for op in ops:
        for src in [t.op for t in op.inputs] + list(op.control_inputs):
            consumers.setdefault(src, []).append(op)
    after, todo = set(), list(grads)
    while todo:
        for c in consumers.get(todo.pop(), ()):
            if c not in g_set and c not in after:
                after.add(c)
                todo.append(c)
    scopes = Counter("/".join(op.name.split("/")[:depth]) for op in after)
    slot = re.compile("(" + "|".join(re.escape(s.split("/")[-1]) for s in scopes) + r")(_\d+)?$")
    opt = [op for op in ops if op not in g_set and (
        op in after or "/".join(op.name.split("/")[:depth]) in scopes
        or (scopes and any(slot.match(p) for p in op.name.split("/")[1:])))]
    gname = Counter("/".join(op.name.split("/")[:depth]) for op in grads
                    if not op.gradient_of).most_common(1)
    groups = [Group(gname[0][0] if gname else "gradients", "gradient", "gradients")]
    groups[0].ops = grads
    if opt:
        groups.append(Group(scopes.most_common(1)[0][0], "state", "optimizer"))
        groups[1].ops = opt
    return groups


class View:
    """What a drawing shows: ``nodes`` (ops and :class:`Group` s, in creation order), ``rep``
    (each drawn op -> its node), ``n_ops`` (ops in the graph) and ``note`` (what was
    summarised, and how to draw it in full; empty when nothing was)."""

    def __init__(self, graph, show_constants=True, forward_only=None, collapse=(),
                 max_ops=MAX_OPS):
        ops = graph.get_operations()
        self.n_ops = len(ops)
        if not show_constants:
            ops = [op for op in ops if op.type != "Const"]
        rep, notes = {op: op for op in ops}, []
        if forward_only is None:
            forward_only = len(ops) > AUTO_FORWARD_ONLY
        if forward_only:
            groups = _training_groups(ops)
            for group in groups:
                for op in group.ops:
                    rep[op] = group
            if groups:
                notes.append("forward view: " + " and ".join(
                    f"{g.name} ({_what(g)}{len(g.ops)} ops)" for g in groups) +
                    " drawn as one box each (forward_only=False or --no-forward-only draws them)")
        if isinstance(collapse, str):
            collapse = [s for s in collapse.split(",") if s]
        for scope in collapse or ():
            scope = scope.strip().strip("/")
            group = Group(scope, "group")
            group.ops = [op for op in ops if rep[op] is op and (
                op.name == scope or op.name.startswith(scope + "/"))]
            if not group.ops:
                tops = sorted({op.name.split("/")[0] for op in ops if "/" in op.name})
                raise ValueError(f"collapse: no name scope '{scope}' among the drawn ops "
                                 f"(top-level scopes: {', '.join(tops) or 'none'})")
            for op in group.ops:
                rep[op] = group
        nodes = list(dict.fromkeys(rep[op] for op in ops))
        if max_ops is not None and len(nodes) > max_ops:
            n_boxes = len(nodes)
            tops = Counter(op.name.split("/")[0] for op in ops if rep[op] is op)
            summary = {}
            for op in ops:
                top = op.name.split("/")[0]
                if rep[op] is op and tops[top] > 1:
                    group = summary.get(top) or summary.setdefault(top, Group(top, "group"))
                    group.ops.append(op)
                    rep[op] = group
            nodes = list(dict.fromkeys(rep[op] for op in ops))
            notes.append(f"{n_boxes} boxes are more than max_ops={max_ops}: each top-level "
                         "name scope drawn as one box (collapse=... instead, or a larger "
                         "max_ops)")
            if len(nodes) > max_ops:
                notes.append(f"{len(nodes) - max_ops} boxes not drawn")
                nodes = nodes[:max_ops]
        for group in nodes:
            if isinstance(group, Group):
                group.ops = [op for op in ops if rep[op] is group]
        shown = set(nodes)
        self.nodes = nodes
        self.rep = {op: r for op, r in rep.items() if r in shown}
        self.note = "; ".join(notes)

    def edges(self):
        """``(source, target, label or None for a control edge)``: one per tensor between two
        ops; one per pair of boxes when either is a group (labelled with its tensor, or with
        how many tensors it stands for)."""
        rep, grouped = self.rep, {}
        for op, dst in rep.items():
            for src_op, label in [(t.op, t) for t in op.inputs] + \
                                 [(c, None) for c in op.control_inputs]:
                src = rep.get(src_op)
                if src is None or src is dst:
                    continue
                if isinstance(src, Group) or isinstance(dst, Group):
                    grouped.setdefault((src, dst), []).append(label)
                else:
                    yield src, dst, None if label is None else _shape_label(label)
        for (src, dst), tensors in grouped.items():
            data = list(dict.fromkeys(t for t in tensors if t is not None))
            if not data:
                yield src, dst, None
            else:
                yield src, dst, (_shape_label(data[0]) if len(data) == 1 else
                                 f"{len(data)} tensors")


def _scope_tree(ops) -> dict:
    """Name scopes nested: ``{"ops": [...], "children": {name: subtree}}``."""
    tree = {"ops": [], "children": {}}
    for op in ops:
        node = tree
        for part in op.name.split("/")[:-1]:
            node = node["children"].setdefault(part, {"ops": [], "children": {}})
        node["ops"].append(op)
    return tree


def graph_to_dot(graph, show_constants: bool = True, max_ops=MAX_OPS, forward_only=None,
                 collapse=()) -> str:
    """The graph as DOT text (``Graph.to_dot()``), for graphviz or any DOT viewer; the
    options are the module's (``forward_only``, ``collapse``, ``max_ops``)."""
    view = View(graph, show_constants, forward_only, collapse, max_ops)
    lines = ["digraph flowkit {", "  rankdir=BT;", "  newrank=true;", '  fontname="Helvetica";',
             '  node [fontname="Helvetica", fontsize=10, style=filled];',
             '  edge [fontname="Helvetica", fontsize=8, color="#64748b"];']
    if view.note:
        lines.append(f"  label={_q(view.note)}; labelloc=t; fontsize=10;")

    def emit(node, prefix, indent):
        pad = "  " * indent
        for op in node["ops"]:
            shape, colour = _style(op)
            lines.append(f"{pad}{_q(op.name)} [label={_q(_node_label(op))}, shape={shape}, "
                         f"fillcolor={_q(colour)}];")
        for name, child in node["children"].items():
            full = f"{prefix}{name}"
            lines.append(f"{pad}subgraph {_q('cluster_' + full)} {{")
            lines.append(f"{pad}  label={_q(name)}; style=rounded; color=\"#94a3b8\";")
            emit(child, full + "/", indent + 1)
            lines.append(f"{pad}}}")
    emit(_scope_tree(view.nodes), "", 1)
    for src, dst, label in view.edges():
        style = f"label={_q(label)}" if label is not None else "style=dashed"
        lines.append(f"  {_q(src.name)} -> {_q(dst.name)} [{style}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def graphviz_available() -> bool:
    """Whether :func:`graph_to_svg` uses graphviz: ``dot`` is on the PATH and
    ``FLOWKIT_GRAPHVIZ`` is not ``0``."""
    return os.environ.get("FLOWKIT_GRAPHVIZ", "1") != "0" and shutil.which("dot") is not None


class GraphvizError(RuntimeError):
    """Graphviz's ``dot`` program is missing or failed; the message is its first error."""


def run_dot(dot: str, fmt: str = "svg") -> bytes:
    """The picture graphviz's ``dot`` draws of the DOT text ``dot``, in format ``fmt``.
    Raises :class:`GraphvizError` when ``dot`` is not installed, fails, or reports an error
    (its "trouble in init_rank" comes with exit status 0 and a broken drawing)."""
    exe = shutil.which("dot")
    if exe is None:
        raise GraphvizError("graphviz's `dot` program is not installed (apt install graphviz, "
                            "brew install graphviz or conda install graphviz)")
    try:
        r = subprocess.run([exe, f"-T{fmt}"], input=dot.encode(), capture_output=True,
                           timeout=120)
    except subprocess.TimeoutExpired:
        raise GraphvizError("graphviz's `dot` took more than 120 s on this graph") from None
    except OSError as e:
        raise GraphvizError(f"graphviz's `dot` could not run: {e}") from None
    err = r.stderr.decode(errors="replace").strip().splitlines()
    bad = [s for s in err if s.lower().startswith("error") or "trouble in" in s]
    if r.returncode != 0 or bad or not r.stdout or (fmt == "svg" and b"</svg>" not in r.stdout):
        first = (bad or err or [f"exit status {r.returncode}"])[0].strip()
        more = f" (and {len(err) - 1} more lines)" if len(err) > 1 else ""
        raise GraphvizError(f"graphviz's `dot` failed: {first}{more}")
    return r.stdout


def dot_to_svg(dot: str):
    """SVG text rendered by graphviz's ``dot`` program, or ``None`` when it is not installed
    (or ``FLOWKIT_GRAPHVIZ=0``) or fails."""
    if not graphviz_available():
        return None
    try:
        return run_dot(dot, "svg").decode()
    except GraphvizError:
        return None


def graph_to_svg(graph, show_constants: bool = True, max_ops=MAX_OPS, forward_only=None,
                 collapse=()) -> str:
    """The graph as SVG text (``Graph.to_svg()``, a notebook's picture of the graph): graphviz's
    drawing of :func:`graph_to_dot` when ``dot`` is installed and succeeds, else
    :func:`layout_svg`; the options are the module's."""
    options = dict(show_constants=show_constants, max_ops=max_ops, forward_only=forward_only,
                   collapse=collapse)
    svg = dot_to_svg(graph_to_dot(graph, **options))
    return svg if svg is not None else layout_svg(graph, **options)


# -- the pure-Python drawing ---------------------------------------------------------------------
FONT = "Helvetica, Arial, sans-serif"
CHAR_W, LINE_H = 6.2, 13.0        # average glyph width and line height of 10px Helvetica
NODE_PAD_X, NODE_PAD_Y = 10.0, 6.0
SCOPE_PAD, SCOPE_LABEL_H = 10.0, 16.0
X_GAP, Y_GAP = 26.0, 40.0         # between boxes of one layer, between layers (edge labels)
EDGE_COLOUR, SCOPE_COLOUR, INK = "#64748b", "#94a3b8", "#1f2937"


class _Box:
    """A node or a laid-out name scope: size, and (once placed) its top-left corner."""

    def __init__(self, w, h, op=None, name="", children=()):
        self.w, self.h, self.op, self.name, self.children = w, h, op, name, list(children)
        self.x = self.y = 0.0

    def centre(self):
        return self.x + self.w / 2, self.y + self.h / 2


class _View:
    """What grandalf reads (w, h) and writes (xy, the centre) for each vertex."""

    def __init__(self, w, h):
        self.w, self.h, self.xy = w, h, (0.0, 0.0)


class _EdgeView:
    def __init__(self):
        self.points = []

    def setpath(self, pts):
        self.points = [tuple(p) for p in pts]


def _op_box(op) -> _Box:
    lines = _node_label(op).split("\n")
    w = max(len(s) for s in lines) * CHAR_W + 2 * NODE_PAD_X
    h = len(lines) * LINE_H + 2 * NODE_PAD_Y
    shape = _style(op)[0]
    if shape == "invhouse":
        w, h = w + 16, h + 10
    elif shape in ("cylinder", "box3d"):
        h += 10 if shape == "cylinder" else 4
        w += 0 if shape == "cylinder" else 4
    return _Box(w, h, op=op)


def _layers_fallback(items, pairs):
    """Centres by longest path from the sources (used only if grandalf fails)."""
    depth = {i: 0 for i in range(len(items))}
    for _ in range(len(items)):
        changed = False
        for a, b in pairs:
            if a < b and depth[b] < depth[a] + 1:   # item order follows creation: no cycles
                depth[b], changed = depth[a] + 1, True
        if not changed:
            break
    centres, y = {}, 0.0
    for d in sorted(set(depth.values())):
        row = [i for i in depth if depth[i] == d]
        x, hmax = 0.0, max(items[i].h for i in row)
        for i in row:
            centres[i] = (x + items[i].w / 2, y + hmax / 2)
            x += items[i].w + X_GAP
        y += hmax + Y_GAP
    return centres, {}


def _sugiyama(items, pairs):
    """Centres of the items (y grows with the layer, sources first) and routes of the edges
    ``{(a, b): [points]}``, by grandalf's Sugiyama layout, one connected component at a time
    side by side."""
    vs = [Vertex(i) for i in range(len(items))]
    for v, item in zip(vs, items):
        v.view = _View(item.w, item.h)
    es = []
    for a, b in pairs:
        e = Edge(vs[a], vs[b])
        e.view = _EdgeView()
        es.append(e)
    g = Graph(vs, es)
    centres, routes, left = {}, {}, 0.0
    for comp in g.C:
        sug = SugiyamaLayout(comp)
        sug.xspace, sug.yspace = X_GAP, Y_GAP
        roots = [v for v in comp.sV if not v.e_in()] or [min(comp.sV, key=lambda v: v.data)]
        sug.init_all(roots=roots, optimize=True)
        sug.draw()
        xs = [v.view.xy[0] - v.view.w / 2 for v in comp.sV]
        shift = left - min(xs)
        for v in comp.sV:
            centres[v.data] = (v.view.xy[0] + shift, v.view.xy[1])
        for e in comp.sE:
            routes[(e.v[0].data, e.v[1].data)] = [(x + shift, y) for x, y in e.view.points]
        left = max(centres[v.data][0] + v.view.w / 2 for v in comp.sV) + X_GAP
    return centres, routes


def _layout_scope(node, name, preds) -> _Box:
    """Lays out one name scope: its ops and its child scopes (each laid out first, as one
    box), layered by the edges between their contents. Returns the scope's box, with each
    child placed relative to it and the routes of the edges between its own ops."""
    items = [_op_box(op) for op in node["ops"]]
    items += [_layout_scope(child, part, preds) for part, child in node["children"].items()]
    owner = {}                                      # op -> index of the item that holds it
    for i, item in enumerate(items):
        for op in _ops_in(item):
            owner[op] = i
    pairs = []
    for op in owner:
        for src in preds.get(op, ()):
            a, b = owner.get(src), owner[op]
            if a is not None and a != b and (a, b) not in pairs:
                pairs.append((a, b))
    try:
        centres, routes = _sugiyama(items, pairs)
    except Exception:           # a layout bug must never cost the picture
        centres, routes = _layers_fallback(items, pairs)
    x0 = min(centres[i][0] - it.w / 2 for i, it in enumerate(items))
    y0 = min(centres[i][1] - it.h / 2 for i, it in enumerate(items))
    top = SCOPE_LABEL_H if name else 0.0
    dx, dy = SCOPE_PAD - x0, SCOPE_PAD + top - y0
    for i, it in enumerate(items):
        it.x, it.y = centres[i][0] - it.w / 2 + dx, centres[i][1] - it.h / 2 + dy
    w = max(it.x + it.w for it in items) + SCOPE_PAD
    h = max(it.y + it.h for it in items) + SCOPE_PAD
    box = _Box(w, h, name=name, children=items)
    box.routes = {(items[a].op, items[b].op): [(x + dx, y + dy) for x, y in pts]
                  for (a, b), pts in routes.items() if items[a].op and items[b].op}
    return box


def _ops_in(box):
    if box.op is not None:
        return [box.op]
    return [op for child in box.children for op in _ops_in(child)]


def _flatten(box, ox, oy, boxes, scopes, routes, path):
    """Absolute positions: ops into ``boxes``, scopes into ``scopes``, routes into ``routes``."""
    ax, ay = ox + box.x, oy + box.y
    if box.op is not None:
        boxes[box.op] = (ax, ay, box.w, box.h)
        return
    full = path + [box.name] if box.name else path
    if box.name:
        scopes.append(("/".join(full), box.name, ax, ay, box.w, box.h))
    for k, pts in box.routes.items():
        routes[k] = [(ax + x, ay + y) for x, y in pts]
    for child in box.children:
        _flatten(child, ax, ay, boxes, scopes, routes, full)


def _num(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _text(lines, cx, cy, size=10, anchor="middle", colour=INK) -> str:
    y = cy - (len(lines) - 1) * LINE_H / 2 + size * 0.35
    out = []
    for k, s in enumerate(lines):
        out.append(f'<text x="{_num(cx)}" y="{_num(y + k * LINE_H)}" text-anchor="{anchor}" '
                   f'font-size="{size}" fill="{colour}">{escape(s)}</text>')
    return "".join(out)


def _shape_svg(op, x, y, w, h) -> str:
    shape, fill = _style(op)
    r, b, cx = x + w, y + h, x + w / 2
    attrs = f'fill="{fill}" stroke="{INK}" stroke-width="1"'
    if shape == "invhouse":               # a house upside down: flat top, pointed bottom
        pts = [(x, y), (r, y), (r, y + h * 0.55), (cx, b), (x, y + h * 0.55)]
        return f'<polygon points="{" ".join(f"{_num(a)},{_num(c)}" for a, c in pts)}" {attrs}/>'
    if shape == "cylinder":
        ry = 5.0
        return (f'<path d="M{_num(x)},{_num(y + ry)} A{_num(w / 2)},{_num(ry)} 0 0 1 '
                f'{_num(r)},{_num(y + ry)} V{_num(b - ry)} A{_num(w / 2)},{_num(ry)} 0 0 1 '
                f'{_num(x)},{_num(b - ry)} Z M{_num(x)},{_num(y + ry)} '
                f'A{_num(w / 2)},{_num(ry)} 0 0 0 {_num(r)},{_num(y + ry)}" {attrs}/>')
    if shape == "plain":
        return ""
    if shape == "box3d":                  # a stack of boxes: one behind, offset up-right
        d = 4.0
        back = (f'<rect x="{_num(x + d)}" y="{_num(y)}" width="{_num(w - d)}" '
                f'height="{_num(h - d)}" {attrs}/>')
        return back + (f'<rect x="{_num(x)}" y="{_num(y + d)}" width="{_num(w - d)}" '
                       f'height="{_num(h - d)}" {attrs}/>')
    return (f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" '
            f'{attrs}/>')


def _edge_path(src, dst, route, bend):
    """The SVG path of an edge (bottom to top: it leaves the top of its source and enters the
    bottom of its target), and the point where its label goes."""
    sx, sy, sw, sh = src
    tx, ty, tw, th = dst
    up = ty + th <= sy + 1e-6 or (route is not None and ty < sy)
    p0 = (sx + sw / 2, sy if up else sy + sh)
    p3 = (tx + tw / 2, ty + th if up else ty)
    mids = [p for p in (route or [])[1:-1]]
    if mids and bend == 0:
        pts = [p0] + mids + [p3]
        d = f"M{_num(p0[0])},{_num(p0[1])}"
        for a, b in zip(pts, pts[1:]):    # vertical tangents at each bend: a smooth route
            m = (a[1] + b[1]) / 2
            d += f" C{_num(a[0])},{_num(m)} {_num(b[0])},{_num(m)} {_num(b[0])},{_num(b[1])}"
        mid = pts[len(pts) // 2]
        return d, mid
    k = max(abs(p3[1] - p0[1]) / 2, 20.0) * (-1 if up else 1)
    p1, p2 = (p0[0] + bend, p0[1] + k), (p3[0] + bend, p3[1] - k)
    d = (f"M{_num(p0[0])},{_num(p0[1])} C{_num(p1[0])},{_num(p1[1])} "
         f"{_num(p2[0])},{_num(p2[1])} {_num(p3[0])},{_num(p3[1])}")
    mid = ((p0[0] + 3 * p1[0] + 3 * p2[0] + p3[0]) / 8, (p0[1] + 3 * p1[1] + 3 * p2[1] + p3[1]) / 8)
    return d, mid


def layout_svg(graph, show_constants: bool = True, max_ops=MAX_OPS, forward_only=None,
               collapse=()) -> str:
    """The graph drawn as SVG without graphviz: the same boxes, shapes, colours and edge labels
    as :func:`graph_to_dot`, placed by a layered layout computed in Python (grandalf)."""
    view = View(graph, show_constants, forward_only, collapse, max_ops)
    ops, edges = view.nodes, list(view.edges())
    if not ops:
        return _svg_document(160, 40, ['<text x="80" y="24" text-anchor="middle" '
                                       f'font-size="11" fill="{INK}">(empty graph)</text>'],
                             "flowkit graph: no ops")
    preds = {}
    for src, dst, _ in edges:
        preds.setdefault(dst, []).append(src)
    root = _layout_scope(_scope_tree(ops), "", preds)
    boxes, scopes, routes = {}, [], {}
    _flatten(root, 0.0, 0.0, boxes, scopes, routes, [])
    height = root.h
    flip = {op: (x, height - y - h, w, h) for op, (x, y, w, h) in boxes.items()}
    routes = {k: [(x, height - y) for x, y in pts] for k, pts in routes.items()}
    body = []
    for full, name, x, y, w, h in scopes:
        y = height - y - h
        body.append(f'<g class="cluster"><title>{escape(full)}</title>'
                    f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" '
                    f'rx="6" fill="none" stroke="{SCOPE_COLOUR}"/>'
                    + _text([name], x + w / 2, y + h - SCOPE_LABEL_H / 2 - 2) + "</g>")
    seen = {}
    for src, dst, label in edges:
        n = seen[(src, dst)] = seen.get((src, dst), -1) + 1
        bend = 0 if n == 0 else (14 * ((n + 1) // 2)) * (1 if n % 2 else -1)
        d, (mx, my) = _edge_path(flip[src], flip[dst], routes.get((src, dst)), bend)
        dash = ' stroke-dasharray="5,3"' if label is None else ""
        part = (f'<g class="edge"><title>{escape(src.name)}&#8594;{escape(dst.name)}</title>'
                f'<path d="{d}" fill="none" stroke="{EDGE_COLOUR}"{dash} '
                f'marker-end="url(#arrow)"/>')
        if label is not None:
            part += (f'<text x="{_num(mx + 4)}" y="{_num(my + 3)}" font-size="8" '
                     f'fill="{INK}" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                     f'{escape(label)}</text>')
        body.append(part + "</g>")
    for op, (x, y, w, h) in flip.items():
        body.append(f'<g class="node"><title>{escape(op.name)}</title>{_shape_svg(op, x, y, w, h)}'
                    + _text(_node_label(op).split("\n"), x + w / 2,
                            y + h / 2 - (h * 0.12 if op_kind(op) == "placeholder" else 0))
                    + "</g>")
    title = f"flowkit graph: {view.n_ops} ops" + (f" ({view.note})" if view.note else "")
    return _svg_document(root.w, height, body, title)


def _svg_document(w, h, body, title) -> str:
    w, h = math.ceil(w), math.ceil(h)
    return ('<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}pt" height="{h}pt" '
            f'viewBox="0 0 {w} {h}" font-family="{FONT}">\n'
            f"<title>{escape(title)}</title>\n"
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
            'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" '
            f'fill="{EDGE_COLOUR}"/></marker></defs>\n'
            f'<rect width="{w}" height="{h}" fill="#ffffff"/>\n'
            + "\n".join(body) + "\n</svg>\n")
