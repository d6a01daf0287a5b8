"""The ``flowkit`` command: ``flowkit demo``, ``flowkit plugins``, ``flowkit inspect``...

Each subcommand lives in its own module under :mod:`flowkit.commands` with two functions,
``add_arguments(parser)`` and ``run(args) -> int``.
"""
from __future__ import annotations

import argparse
import importlib
import sys

from flowkit.version import __version__

COMMANDS = {
    "demo": "train a model on the bundled digits data and report its test accuracy",
    "plugins": "list plugins, their versions, and what each contributes",
    "inspect": "show the variables (and graph) inside a checkpoint file",
    "diff": "compare the variables of two checkpoint files",
    "graph": "draw the graph stored in a checkpoint file",
}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="flowkit", description="flowkit: TF1 graphs, small "
                                     "enough to read.")
    parser.add_argument("--version", action="version", version=f"flowkit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, help_text in COMMANDS.items():
        try:
            module = importlib.import_module(f"flowkit.commands.{name}")
        except ModuleNotFoundError:
            continue
        p = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(p)
        p.set_defaults(_module=module)
    args = parser.parse_args(argv)
    try:
        return int(args._module.run(args) or 0)
    except BrokenPipeError:         # `flowkit inspect big.h5 | head`: the reader left
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
