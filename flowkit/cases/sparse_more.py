"""Conformance cases of :mod:`flowkit.ops.sparse_more_ops` (see :mod:`flowkit.testing_cases`).

Its functions are compositions of other families' ops, so these cases check that the
compositions give the NumPy backend's values and correct gradients on every backend."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.ops import array_ops
from flowkit.ops import sparse_more_ops as sm

_r = np.random.default_rng(8642)
_IDX = np.array([4, 0, 0, 2, 3], np.int32)
_SEG = np.array([0, 1, 1, 1, 3], np.int64)
_S2D = np.array([[0, 2], [1, 0], [1, 3], [2, 1]], np.int64)


def _f64(*shape):
    return _r.standard_normal(shape)


CASES = [
    Case("sparse_segment_sum", lambda x: sm.sparse_segment_sum(x, _IDX, _SEG), [_f64(5, 3)],
         grad=True),
    Case("sparse_segment_mean", lambda x: sm.sparse_segment_mean(x, _IDX, _SEG, num_segments=6),
         [_f64(5, 2, 2)], grad=True),
    Case("sparse_segment_sqrt_n", lambda x: sm.sparse_segment_sqrt_n(x, _IDX, _SEG),
         [_f64(5)], grad=True),
    Case("sparse_to_dense", lambda v, d: sm.sparse_to_dense(_S2D, [3, 4], v, d),
         [_f64(4), np.array(0.25)], grad=True),
    Case("sparse_to_dense-scalar",
         lambda v: sm.sparse_to_dense(_S2D[:, 1], [5], v, validate_indices=False),
         [np.array(1.5)], grad=True),
    Case("conv2d_backprop_filter_v2",
         lambda x, dy: sm.conv2d_backprop_filter_v2(x, array_ops.zeros([2, 3, 2, 3],
                                                                       "float64"),
                                                    dy, [1, 2, 1, 1], "SAME"),
         [_f64(2, 5, 4, 2), _f64(2, 3, 4, 3)], grad=True),
    Case("conv2d_backprop_input_v2",
         lambda k, dy: sm.conv2d_backprop_input_v2(array_ops.zeros([1, 5, 5, 2], "float64"),
                                                   k, dy, [1, 2, 2, 1], "VALID"),
         [_f64(3, 3, 2, 2), _f64(1, 2, 2, 2)], grad=True),
    Case("extract_volume_patches",
         lambda x: sm.extract_volume_patches(x, [1, 2, 2, 3, 1], [1, 1, 2, 2, 1], "SAME"),
         [_f64(2, 3, 4, 5, 2)], grad=True),
    Case("switch_case",
         lambda i, x: sm.switch_case(i, [lambda: x * x, lambda: 2.0 * x],
                                     default=lambda: -x),
         [np.array(1, np.int32), _f64(3)]),
]
