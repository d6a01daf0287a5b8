"""Sphinx configuration. Tutorials are MyST markdown notebooks in ../tutorials, executed by
myst-nb at build time (a failing cell fails the build). The reference tables (kernels a backend
must provide, plugin hooks, environment variables) are generated from code at build time.

Two languages: English (``-b html docs docs/_build/html``) and Chinese, from the gettext
catalogues in ``docs/locale/zh_CN`` (``-D language=zh_CN``, into ``docs/_build/html/zh_CN``;
``tools/build_docs_zh.sh`` builds both and updates the catalogues). Every page links to the
same page in the other language; every tutorial page offers its executed notebook (``.ipynb``)
for download and links to its exercises (``flowkit.exercises``)."""
import io
import json
import os
import shutil
import sys
from pathlib import Path

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
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "locale"]
templates_path = ["_templates"]
html_theme = "furo"
html_title = "flowkit"
html_static_path = ["_static"]
html_css_files = ["flowkit.css"]     # tutorial outputs wrap within the page width
# Translations: one catalogue per document (locale/zh_CN/LC_MESSAGES/tutorials/01_graphs.po).
# The .po files are the source; they are compiled into the build folder, never next to them.
language = "en"
LANGUAGES = {"en": "English", "zh_CN": "中文"}
gettext_compact = False
gettext_uuid = False
gettext_location = False
gettext_auto_build = False
locale_dirs = ["_build/locale"]
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


# --------------------------------------------------------------------------------------------
# Translations, the language switch, notebook downloads and the exercises page.
# --------------------------------------------------------------------------------------------
def _compile_catalogues(app):
    """Compiles docs/locale/<lang>/**/*.po into docs/_build/locale (what locale_dirs names)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    src = Path(HERE, "locale")
    for po in sorted(src.glob("*/LC_MESSAGES/**/*.po")):
        mo = Path(HERE, "_build", "locale", po.relative_to(src)).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        with open(po, "rb") as f:
            catalog = read_po(f)
        out = io.BytesIO()
        write_mo(out, catalog)            # fuzzy entries are left out: shown in English
        if not mo.exists() or mo.read_bytes() != out.getvalue():
            mo.write_bytes(out.getvalue())    # unchanged catalogues keep their pages built


def _other_language(app):
    """The other language of this build, and the relative path from this build's root to
    that build's root (Chinese pages live in html/zh_CN, English ones in html)."""
    if app.config.language in (None, "", "en"):
        return "zh_CN", "zh_CN/"
    return "en", "../"


def _page_context(app, pagename, templatename, context, doctree):
    other, root = _other_language(app)
    up = "../" * pagename.count("/")
    context["flowkit_languages"] = [
        (LANGUAGES[app.config.language or "en"], None),
        (LANGUAGES[other], f"{up}{root}{pagename}.html"),
    ]


def _separate_output_folder(app):
    """myst-nb writes executed notebooks next to the output folder; a build nested in another
    (html/zh_CN) keeps its own out of the outer build's pages."""
    lang = app.config.language or "en"
    if lang != "en" and hasattr(app.env, "mystnb_config"):
        out = Path(app.outdir)
        base = out.parent.parent if out.name == lang else out.parent
        app.env.mystnb_config = app.env.mystnb_config.copy(
            output_folder=str((base / f"jupyter_execute_{lang}").resolve()))


_NOTEBOOK_TEXT = {
    "en": ("Download this tutorial as a Jupyter notebook", "Exercises for this tutorial"),
    "zh_CN": ("下载本教程的 Jupyter 笔记本", "本教程的练习"),
}


def _tutorial_links(app, doctree, docname):
    """Puts the notebook download and the exercises link under each tutorial's title."""
    from docutils import nodes
    if not docname.startswith("tutorials/") or app.builder.format != "html":
        return
    from flowkit import exercises as ex
    name = docname.split("/", 1)[1]
    download, exercises = _NOTEBOOK_TEXT.get(app.config.language, _NOTEBOOK_TEXT["en"])
    html = (f'<p class="flowkit-notebook-links"><a class="reference download" '
            f'href="{name}.ipynb" download>{download} ({name}.ipynb)</a>')
    if ex.for_tutorial(name):
        number = name.split("_")[0]
        html += (f' · <a class="reference internal" '
                 f'href="../exercises.html#exercises-{number}">{exercises}</a>')
    html += "</p>"
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        return
    title = next(iter(section.findall(nodes.title)), None)
    at = section.index(title) + 1 if title is not None else 0
    section.insert(at, nodes.raw("", html, format="html"))


def _translate_cells(notebook, catalog):
    """Translates a notebook's markdown cells paragraph by paragraph with the catalogue that
    translated its page (code cells and outputs are shared between the languages)."""
    for cell in notebook["cells"]:
        if cell["cell_type"] != "markdown":
            continue
        text = "".join(cell["source"])
        out = []
        for block in text.split("\n\n"):
            key = _unwrap(block)
            heading = key.lstrip("#")
            hashes = key[: len(key) - len(heading)]
            found = catalog.get(heading.strip())
            if found:
                out.append(f"{hashes} {found}" if hashes else found)
            elif key.startswith(("- ", "1. ")) and "\n" in block:
                out.append(_translate_list(block, catalog))
            else:
                out.append(block)
        cell["source"] = "\n\n".join(out)


def _unwrap(block):
    return " ".join(line.strip() for line in block.strip().splitlines())


def _translate_list(block, catalog):
    items, current = [], []
    for line in block.splitlines():
        if line[:2] == "- " or (line[:1].isdigit() and ". " in line[:4]):
            if current:
                items.append(current)
            current = [line]
        else:
            current.append(line)
    items.append(current)
    out = []
    for item in items:
        first = item[0]
        marker = first[: first.index(" ") + 1]
        body = _unwrap("\n".join([first[len(marker):]] + item[1:]))
        out.append(marker + catalog.get(body, body))
    return "\n".join(out)


def _catalog(app, docname):
    po = Path(HERE, "locale", app.config.language or "en", "LC_MESSAGES", docname + ".po")
    if not po.exists():
        return {}
    from babel.messages.pofile import read_po
    with open(po, "rb") as f:
        return {_unwrap(m.id): m.string for m in read_po(f)
                if m.id and m.string and not m.fuzzy}


def _copy_notebooks(app, exception):
    """Copies each executed tutorial notebook next to its page (translated for Chinese)."""
    if exception is not None or app.builder.format != "html":
        return
    executed = Path(app.env.mystnb_config.output_folder, "tutorials")
    lang = app.config.language or "en"
    for ipynb in sorted(executed.glob("*.ipynb")):
        notebook = json.loads(ipynb.read_text(encoding="utf-8"))
        for key in ("source_map", "jupytext"):
            notebook["metadata"].pop(key, None)
        if lang != "en":
            _translate_cells(notebook, _catalog(app, f"tutorials/{ipynb.stem}"))
        notebook["cells"] += _exercise_cells(ipynb.stem, lang)
        dest = Path(app.outdir, "tutorials", ipynb.name)
        dest.write_text(json.dumps(notebook, ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")


def _exercise_cells(name, lang):
    """The tutorial's exercises, appended to its notebook: each task, then a code cell with
    the function to fill in and the line that checks it."""
    from flowkit import exercises
    zh = lang.startswith("zh")
    intro = ("## 练习\n\n补全下面的函数，然后运行单元格：检查会告诉你答案是否正确，不正确时给出"
             "提示。" if zh else "## Exercises\n\nFill in each function below and run the "
             "cell: the check says whether it is right, and gives a hint when it is not.")
    if not exercises.for_tutorial(name):
        return []
    cells = [_markdown(intro)]
    for ex in exercises.for_tutorial(name):
        task = "\n\n".join(_join_lines(p) for p in ex.task_in(lang).split("\n\n"))
        cells.append(_markdown(f"### {ex.name}: {ex.title_in(lang)}\n\n{task}"))
        code = f"{ex.starter}\nfrom flowkit import exercises\n{ex.check_line(lang)}"
        cells.append({"cell_type": "code", "execution_count": None, "metadata": {},
                      "outputs": [], "source": code})
    return cells


def _markdown(text):
    return {"cell_type": "markdown", "metadata": {}, "source": text}


def _join_lines(text):
    """Joins a paragraph's lines: with a space, except between two Chinese characters."""
    out = ""
    for line in text.split():
        if out and not (_is_cjk(out[-1]) and _is_cjk(line[0])):
            out += " "
        out += line
    return out


def _is_cjk(ch):
    return "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"


def _exercises_directive():
    from docutils import nodes
    from docutils.parsers.rst import Directive

    class ExercisesDirective(Directive):
        """``flowkit-exercises``: every exercise of flowkit.exercises, grouped by tutorial,
        with its task and the function to fill in (in the build's language)."""

        def run(self):
            from flowkit import exercises
            env = self.state.document.settings.env
            lang = env.config.language or "en"
            for path in sorted(Path(exercises.__file__).parent.glob("*.py")):
                env.note_dependency(str(path))     # a changed task rebuilds the page
            out = []
            for tutorial in exercises.tutorials():
                num = tutorial.split("_")[0]
                sec = nodes.section(ids=[f"exercises-{num}"])
                title = exercises.tutorial_title(tutorial, lang)
                sec += nodes.title(text=title)
                for ex in exercises.for_tutorial(tutorial):
                    sub = nodes.section(ids=[f"exercise-{ex.name.replace('_', '-')}"])
                    sub += nodes.title(text=f"{ex.name}: {ex.title_in(lang)}")
                    for para in ex.task_in(lang).split("\n\n"):
                        text = _join_lines(para)
                        inline, messages = self.state.inline_text(text, self.lineno)
                        sub += nodes.paragraph(text, "", *inline)
                        sub += messages
                    code = ex.starter
                    sub += nodes.literal_block(code, code, language="python")
                    line = ex.check_line(lang)
                    sub += nodes.literal_block(line, line, language="python")
                    sec += sub
                out.append(sec)
            return out

    return ExercisesDirective


def setup(app):
    app.connect("builder-inited", _generate)
    app.connect("builder-inited", _compile_catalogues, priority=100)
    app.connect("builder-inited", _separate_output_folder, priority=900)
    app.connect("html-page-context", _page_context)
    app.connect("doctree-resolved", _tutorial_links)
    app.connect("build-finished", _copy_notebooks)
    app.add_directive("flowkit-exercises", _exercises_directive())
