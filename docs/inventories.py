"""Local intersphinx inventories for the Python and NumPy names the docs link to.

The docs are built without network access, so intersphinx cannot download the real
``objects.inv`` files. This module writes small ones (Sphinx's inventory format, version 2)
for the names flowkit's docs use; links still point at the real pages online.
"""
from __future__ import annotations

import os
import zlib

PYTHON = [
    ("str", "py:class", "library/stdtypes.html#str"),
    ("int", "py:class", "library/functions.html#int"),
    ("float", "py:class", "library/functions.html#float"),
    ("bool", "py:class", "library/functions.html#bool"),
    ("list", "py:class", "library/stdtypes.html#list"),
    ("tuple", "py:class", "library/stdtypes.html#tuple"),
    ("dict", "py:class", "library/stdtypes.html#dict"),
    ("callable", "py:function", "library/functions.html#callable"),
    ("None", "py:data", "library/constants.html#None"),
    ("Exception", "py:exception", "library/exceptions.html#Exception"),
    ("ValueError", "py:exception", "library/exceptions.html#ValueError"),
    ("TypeError", "py:exception", "library/exceptions.html#TypeError"),
    ("KeyError", "py:exception", "library/exceptions.html#KeyError"),
    ("RuntimeError", "py:exception", "library/exceptions.html#RuntimeError"),
    ("AssertionError", "py:exception", "library/exceptions.html#AssertionError"),
    ("NotImplementedError", "py:exception", "library/exceptions.html#NotImplementedError"),
]
NUMPY = [
    ("numpy.ndarray", "py:class", "reference/generated/numpy.ndarray.html#numpy.ndarray"),
    ("numpy.dtype", "py:class", "reference/generated/numpy.dtype.html#numpy.dtype"),
    ("numpy.float32", "py:class", "reference/arrays.scalars.html#numpy.float32"),
    ("numpy.float64", "py:class", "reference/arrays.scalars.html#numpy.float64"),
    ("numpy.int32", "py:class", "reference/arrays.scalars.html#numpy.int32"),
    ("numpy.int64", "py:class", "reference/arrays.scalars.html#numpy.int64"),
    ("numpy.asarray", "py:function", "reference/generated/numpy.asarray.html#numpy.asarray"),
    ("numpy.random.Generator", "py:class",
     "reference/random/generator.html#numpy.random.Generator"),
]


def _write(path: str, project: str, version: str, entries) -> None:
    head = (f"# Sphinx inventory version 2\n# Project: {project}\n# Version: {version}\n"
            "# The remainder of this file is compressed using zlib.\n").encode()
    body = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in entries).encode()
    data = head + zlib.compress(body)
    if not os.path.exists(path) or open(path, "rb").read() != data:
        with open(path, "wb") as f:
            f.write(data)


def write_all(folder: str) -> dict:
    """Writes both inventories into ``folder``; returns an ``intersphinx_mapping``."""
    os.makedirs(folder, exist_ok=True)
    py, np_ = os.path.join(folder, "python.inv"), os.path.join(folder, "numpy.inv")
    _write(py, "Python", "3", PYTHON)
    _write(np_, "NumPy", "stable", NUMPY)
    return {"python": ("https://docs.python.org/3", py),
            "numpy": ("https://numpy.org/doc/stable", np_)}
