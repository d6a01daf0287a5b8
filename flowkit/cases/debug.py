"""Conformance cases of :mod:`flowkit.ops.debug_ops` (see :mod:`flowkit.testing_cases`)."""
from __future__ import annotations

import os

import numpy as np

from flowkit.cases import Case
from flowkit.ops import debug_ops as dbg
from flowkit.ops.control_flow_ops import with_dependencies

_r = np.random.default_rng(8642)


def _print_v2(x):
    op = dbg.print("x:", x, output_stream=f"file://{os.devnull}")
    return with_dependencies([op], x)


CASES = [
    Case("Print", lambda x: dbg.Print(x, [x], "x: ", first_n=0), [_r.standard_normal((2, 3))],
         grad=True),
    Case("PrintV2", _print_v2, [_r.standard_normal((2, 3))]),
    Case("CheckNumerics", lambda x: dbg.check_numerics(x * 2.0, "x"),
         [_r.standard_normal((2, 3))], grad=True),
    Case("PyFunc", lambda x: dbg.py_func(np.sin, [x], x.dtype) + x,
         [_r.standard_normal((2, 3))]),
    Case("EnsureShape", lambda x: dbg.ensure_shape(x, [None, 3]) * 3.0,
         [_r.standard_normal((2, 3))], grad=True),
]
