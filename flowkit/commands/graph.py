"""``flowkit graph model.h5 -o graph.svg``: draw the graph stored in a checkpoint.

The output format follows the file name: ``.dot`` writes the DOT text; ``.svg`` is drawn by
graphviz's ``dot`` program when it is installed and by flowkit itself otherwise; ``.png`` and
``.pdf`` need graphviz.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys


def add_arguments(parser) -> None:
    parser.add_argument("checkpoint", help="a checkpoint saved with its graph (prefix or .h5)")
    parser.add_argument("-o", "--output", default="graph.svg",
                        help="output file: .svg or .dot, or .png, .pdf (graphviz) (default "
                             "graph.svg)")
    parser.add_argument("--no-constants", action="store_true", help="leave constants out")


def run(args) -> int:
    from flowkit import errors
    from flowkit.checkpoint.graph_json import load_graph
    try:
        graph = load_graph(args.checkpoint)
    except (errors.OpError, OSError, ValueError) as e:
        print(f"flowkit graph: error: {e}", file=sys.stderr)
        return 2
    if graph is None:
        print(f"flowkit graph: error: {args.checkpoint} holds no graph (it was saved with "
              "write_meta_graph=False)", file=sys.stderr)
        return 2
    dot = graph.to_dot(show_constants=not args.no_constants)
    fmt = os.path.splitext(args.output)[1].lstrip(".").lower() or "svg"
    if fmt in ("dot", "svg"):
        with open(args.output, "w") as f:
            f.write(dot if fmt == "dot" else graph.to_svg(show_constants=not args.no_constants))
    else:
        exe = shutil.which("dot")
        if exe is None:
            print("flowkit graph: error: graphviz's `dot` program is needed for "
                  f".{fmt} output (install graphviz), or write DOT text with -o graph.dot",
                  file=sys.stderr)
            return 2
        r = subprocess.run([exe, f"-T{fmt}", "-o", args.output], input=dot, text=True,
                           capture_output=True)
        if r.returncode != 0:
            print(f"flowkit graph: error: dot failed: {r.stderr.strip()}", file=sys.stderr)
            return 2
    print(f"{len(graph.get_operations())} ops drawn to {args.output}")
    return 0
