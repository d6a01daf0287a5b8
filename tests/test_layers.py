"""The architecture is checked, not hoped for: the layer contracts of pyproject.toml hold
(import-linter), and no module outgrows the size budget (tools/module_budget.py)."""
import importlib.util
import pathlib
import shutil
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def _budget_module():
    spec = importlib.util.spec_from_file_location("module_budget",
                                                  ROOT / "tools" / "module_budget.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_no_module_is_over_the_budget():
    budget = _budget_module()
    over = [(n, p) for n, p in budget.measure(ROOT) if n > budget.BUDGET]
    assert not over, f"modules over {budget.BUDGET} lines of code: {over}"


def test_the_budget_counts_code_not_docstrings_or_comments():
    budget = _budget_module()
    src = ('"""Doc\n\nmore doc."""\n# a comment\n\n'
           'def f(x):\n    """Doc."""\n    return (x +\n            1)\n')
    assert budget.code_lines(src) == 3


@pytest.mark.skipif(shutil.which("lint-imports") is None and
                    importlib.util.find_spec("importlinter") is None,
                    reason="import-linter is not installed (it is in the test extra)")
def test_the_layer_contracts_hold():
    r = subprocess.run([sys.executable, "-c",
                        "import sys; from importlinter.cli import lint_imports_command as c; "
                        "sys.exit(c())"],
                       cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout


def test_the_core_layers_import_no_session():
    """The framework layer reaches sessions only through its default-session slot."""
    text = (ROOT / "flowkit" / "framework" / "graph.py").read_text()
    assert "flowkit.session" not in text and "from flowkit import session" not in text
