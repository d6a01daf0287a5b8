"""Sphinx configuration. Tutorials are MyST markdown notebooks in ../tutorials, executed by
myst-nb at build time (a failing cell fails the build). The reference tables (kernels a backend
must provide, plugin hooks, environment variables) are generated from code at build time."""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

project = "flowkit"
author = "flowkit developers"
copyright = "2026, flowkit developers"
extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.intersphinx",
              "sphinx_copybutton"]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
html_theme = "furo"
html_title = "flowkit"
html_static_path = ["_static"]
html_css_files = ["flowkit.css"]     # tutorial outputs wrap within the page width
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 300
myst_enable_extensions = ["colon_fence"]
autodoc_member_order = "bysource"
autodoc_typehints = "none"
napoleon_google_docstring = True
suppress_warnings = ["myst.header"]
os.environ.setdefault("FLOWKIT_DISABLE_PLUGIN_AUTOLOAD", "1")


def _copy_tutorials():
    src, dst = os.path.join(ROOT, "tutorials"), os.path.join(HERE, "tutorials")
    os.makedirs(dst, exist_ok=True)
    for name in sorted(os.listdir(src)):
        if name.endswith(".md"):
            shutil.copyfile(os.path.join(src, name), os.path.join(dst, name))


def _generate(app):
    import gen_tables
    gen_tables.write_all(os.path.join(HERE, "reference"))


_copy_tutorials()

import inventories  # noqa: E402

intersphinx_mapping = inventories.write_all(os.path.join(HERE, "_inventories"))


def setup(app):
    app.connect("builder-inited", _generate)
