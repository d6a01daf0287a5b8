"""Conformance cases of :mod:`flowkit.ops.scatter_ops` (see :mod:`flowkit.testing_cases`).

The tensor scatters are checked with their gradients; the variable scatters forward: each
case initializes a variable from its first input, applies the scatter (after the initializer,
by a control dependency) and returns the op's result and a read of the variable after it.
Repeated indices are in the cases where every backend must agree on them (accumulating ops,
and an update, where the last one wins)."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.framework.graph import control_dependencies
from flowkit.ops import scatter_ops as so
from flowkit.variables import Variable

_r = np.random.default_rng(4242)

_ROWS = np.array([3, 0, 3, 1], np.int32)                 # row 3 twice
_ND = np.array([[1, 2], [0, 0], [1, 2], [2, 1]], np.int64)  # (1, 2) twice
_SLICES = np.array([[2], [0]], np.int32)


def _f(*shape):
    return _r.normal(size=shape)


def _pos(*shape):
    return _r.uniform(0.5, 2.0, shape)


def _i(lo, hi, *shape, dtype=np.int32):
    return _r.integers(lo, hi, shape).astype(dtype)


def _on_variable(fn, indices):
    def build(x, u):
        v = Variable(x, name="v")
        with control_dependencies([v.initializer]):
            out = fn(v, indices, u)
        with control_dependencies([out]):
            return [out, v.read_value()]
    return build


CASES = [
    # tensors, with gradients
    Case("TensorScatterUpdate", lambda x, u: so.tensor_scatter_nd_update(x, _SLICES, u),
         [_f(3, 4), _f(2, 4)], grad=True),
    Case("TensorScatterUpdate-elements",
         lambda x, u: so.tensor_scatter_nd_update(x, _ND[[0, 1, 3]], u),
         [_f(3, 3), _f(3)], grad=True),
    Case("TensorScatterUpdate-repeated", lambda x, u: so.tensor_scatter_nd_update(x, _ND, u),
         [_f(3, 3), _f(4)]),
    Case("TensorScatterAdd", lambda x, u: so.tensor_scatter_nd_add(x, _ND, u),
         [_f(3, 3), _f(4)], grad=True),
    Case("TensorScatterSub", lambda x, u: so.tensor_scatter_nd_sub(x, _SLICES, u),
         [_f(3, 2, 2), _f(2, 2, 2)], grad=True),
    Case("TensorScatterMin", lambda x, u: so.tensor_scatter_nd_min(x, _ND, u),
         [_f(3, 3), _f(4)], grad=True),
    Case("TensorScatterMax", lambda x, u: so.tensor_scatter_nd_max(x, _SLICES, u),
         [_f(3, 4), _f(2, 4)], grad=True),
    Case("TensorScatterMax-int", lambda x, u: so.tensor_scatter_nd_max(x, _ND, u),
         [_i(-5, 5, 3, 3), _i(-5, 5, 4)]),
    # variables, forward
    Case("ScatterUpdate", _on_variable(so.scatter_update, _ROWS), [_f(4, 3), _f(4, 3)]),
    Case("ScatterUpdate-scalar", _on_variable(so.scatter_update, _ROWS),
         [_f(4, 3), np.array(2.5)]),
    Case("ScatterAdd", _on_variable(so.scatter_add, _ROWS), [_f(4, 3), _f(4, 3)]),
    Case("ScatterAdd-int64", _on_variable(so.scatter_add, _ROWS[None]),
         [_i(-9, 9, 5, 2, dtype=np.int64), _i(-9, 9, 1, 4, 2, dtype=np.int64)]),
    Case("ScatterSub", _on_variable(so.scatter_sub, _ROWS), [_f(5, 2), _f(4, 2)]),
    Case("ScatterMul", _on_variable(so.scatter_mul, _ROWS), [_f(4, 2), _f(4, 2)]),
    Case("ScatterDiv", _on_variable(so.scatter_div, _ROWS), [_f(4, 2), _pos(4, 2)]),
    Case("ScatterDiv-int", _on_variable(so.scatter_div, _ROWS),
         [_i(-50, 50, 4, 2), _i(1, 4, 4, 2) * np.array([1, -1], np.int32)]),
    Case("ScatterMin", _on_variable(so.scatter_min, _ROWS), [_f(4, 3), _f(4, 3)]),
    Case("ScatterMax", _on_variable(so.scatter_max, _ROWS),
         [_i(0, 9, 4, 3, dtype=np.uint8), _i(0, 9, 4, 3, dtype=np.uint8)]),
    Case("ScatterNdUpdate", _on_variable(so.scatter_nd_update, _ND), [_f(3, 3), _f(4)]),
    Case("ScatterNdAdd", _on_variable(so.scatter_nd_add, _SLICES), [_f(3, 2), _f(2, 2)]),
    Case("ScatterNdSub", _on_variable(so.scatter_nd_sub, _ND),
         [_i(-9, 9, 3, 3), _i(-9, 9, 4)]),
    Case("batch_scatter_update",
         _on_variable(so.batch_scatter_update, np.array([[2, 0], [1, 1]], np.int32)),
         [_f(2, 3, 2), _f(2, 2, 2)]),
]
