"""``flowkit graph model.h5 -o graph.svg``: draw the graph stored in a checkpoint.

The output format follows the file name: ``.dot`` writes the DOT text; ``.svg`` is drawn by
graphviz's ``dot`` program when it is installed (and by flowkit itself otherwise, or when
``dot`` fails); ``.png`` and ``.pdf`` need graphviz.

A training graph is big: its gradients and its optimizer's ops are several times its model.
Above ``flowkit.draw.AUTO_FORWARD_ONLY`` ops the picture shows the forward ops, with the
gradients and the optimizer drawn as one box each (``--no-forward-only`` draws every op,
``--forward-only`` collapses them in a small graph too); ``--collapse conv1,dense`` draws name
scopes as one box each; above ``--max-ops`` boxes each top-level scope is one box. The file is
written whole or not at all: the picture goes to a temporary file renamed at the end.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile


#: Output formats: the file name's extension (all but .dot and .svg need graphviz).
FORMATS = ("svg", "dot", "png", "pdf", "jpg", "jpeg", "gif", "ps", "eps", "svgz", "webp")


def add_arguments(parser) -> None:
    parser.add_argument("checkpoint", help="a checkpoint saved with its graph: a .h5 file, a "
                                           "prefix, or a folder (its latest checkpoint)")
    parser.add_argument("-o", "--output", default="graph.svg",
                        help="output file: .svg or .dot, or .png, .pdf (graphviz) (default "
                             "graph.svg)")
    parser.add_argument("--no-constants", action="store_true", help="leave constants out")
    parser.add_argument("--forward-only", action=argparse.BooleanOptionalAction, default=None,
                        help="draw the gradients and the optimizer as one box each (default: "
                             "when the graph has more than 150 ops)")
    parser.add_argument("--collapse", default="", metavar="SCOPE,...",
                        help="name scopes to draw as one box each, e.g. conv1,dense")
    parser.add_argument("--max-ops", type=int, default=None, metavar="N",
                        help="above N boxes, draw each top-level name scope as one box "
                             "(default 250)")


def _write(path, data) -> None:
    """Writes ``data`` to ``path`` through a temporary file in the same folder, renamed when
    complete: a failure leaves no file (and an older one untouched)."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".flowkit-graph-", suffix=os.path.splitext(path)[1],
                               dir=folder)
    try:
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)            # mkstemp's file is private; a picture is not
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def run(args) -> int:
    from flowkit import draw, errors
    from flowkit.checkpoint.graph_json import load_graph

    def fail(message) -> int:
        print(f"flowkit graph: error: {message}", file=sys.stderr)
        return 2
    try:
        graph = load_graph(args.checkpoint)
    except (errors.OpError, OSError, ValueError) as e:
        return fail(e)
    if graph is None:
        return fail(f"{args.checkpoint} holds no graph (it was saved with "
                    "write_meta_graph=False)")
    options = dict(show_constants=not args.no_constants, forward_only=args.forward_only,
                   collapse=[s for s in args.collapse.split(",") if s.strip()],
                   max_ops=draw.MAX_OPS if args.max_ops is None else args.max_ops)
    fmt = os.path.splitext(args.output)[1].lstrip(".").lower() or "svg"
    if fmt not in FORMATS:
        return fail(f"cannot tell the picture's format from '{args.output}': name it .svg, "
                    f".dot, .png or .pdf (or {', '.join('.' + f for f in FORMATS[4:])})")
    try:
        view = draw.View(graph, **options)
        dot = draw.graph_to_dot(graph, **options)
    except ValueError as e:
        return fail(e)
    try:
        if fmt == "dot":
            data = dot
        elif fmt == "svg" and not draw.graphviz_available():
            data = draw.layout_svg(graph, **options)
        elif fmt == "svg":
            try:
                data = draw.run_dot(dot, "svg")
            except draw.GraphvizError as e:
                print(f"flowkit graph: {e}; drawn by flowkit's own layout instead",
                      file=sys.stderr)
                data = draw.layout_svg(graph, **options)
        else:
            data = draw.run_dot(dot, fmt)
    except draw.GraphvizError as e:
        return fail(f"{e}. Write .svg (flowkit draws it without graphviz) or .dot instead, "
                    "or draw less: --forward-only, --collapse SCOPE,...")
    try:
        _write(args.output, data)
    except OSError as e:
        return fail(f"cannot write {args.output}: {e}")
    note = f" ({view.note})" if view.note else ""
    print(f"{view.n_ops} ops drawn to {args.output}{note}")
    return 0
