"""The module-size budget: no Python module of flowkit or its built-in plugins may have more
than BUDGET lines of code. Docstrings, comments and blank lines do not count, so a module can
explain itself at any length; code that outgrows the budget is split by family instead.

Run: ``python tools/module_budget.py`` (``.ci/run`` does, and so does
``tests/test_layers.py``). Raising BUDGET is a decision: change the number here, on purpose.
"""
from __future__ import annotations

import ast
import io
import pathlib
import sys
import tokenize

BUDGET = 600
ROOTS = ("flowkit", "plugins")
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
         tokenize.ENDMARKER}


def docstring_lines(tree: ast.AST) -> set:
    """The line numbers taken by the docstrings of a module, its classes and functions."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[0] if body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
                    isinstance(first.value.value, str):
                lines.update(range(first.lineno, first.end_lineno + 1))
    return lines


def code_lines(source: str) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    docs = docstring_lines(ast.parse(source))
    lines = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in _SKIP:
            lines.update(n for n in range(tok.start[0], tok.end[0] + 1) if n not in docs)
    return len(lines)


def measure(root: pathlib.Path) -> list:
    """``[(code lines, path)]`` for every module under the roots, largest first."""
    sizes = []
    for top in ROOTS:
        for path in sorted((root / top).rglob("*.py")):
            if "build" in path.parts or "tests" in path.parts:
                continue
            sizes.append((code_lines(path.read_text(encoding="utf-8")),
                          path.relative_to(root).as_posix()))
    return sorted(sizes, reverse=True)


def main() -> int:
    root = pathlib.Path(__file__).resolve().parent.parent
    sizes = measure(root)
    over = [(n, p) for n, p in sizes if n > BUDGET]
    print(f"module budget: {BUDGET} lines of code (docstrings, comments and blank lines "
          f"excluded); the largest modules:")
    for n, p in sizes[:5]:
        print(f"  {n:5d}  {p}")
    for n, p in over:
        print(f"OVER BUDGET: {p} has {n} lines of code (budget {BUDGET}): split it by family.")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
