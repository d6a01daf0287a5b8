"""Conformance cases of :mod:`flowkit.ops.nn_more_ops`: ``dilation2d``, ``erosion2d`` and
``with_space_to_batch``. They are compositions (patches, a masked maximum; space-to-batch
around the caller's op), so the cases check that every op they are made of agrees across
backends, forward and backward (random inputs: no ties for the maximum)."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.ops import conv_ops
from flowkit.ops import nn_more_ops as nm

_r = np.random.default_rng(6021)


def _x(*shape):
    return _r.standard_normal(shape).astype(np.float32)


def _conv(w):
    return lambda i, n, p: conv_ops.conv2d(i, w, [1, 1, 1, 1], p)


CASES = [
    Case("dilation2d-valid",
         lambda x, f: nm.dilation2d(x, f, [1, 1, 2, 1], [1, 2, 1, 1], "VALID"),
         [_x(2, 6, 7, 2), _x(2, 3, 2)], grad=True),
    Case("dilation2d-same",
         lambda x, f: nm.dilation2d(x, f, [1, 2, 1, 1], [1, 1, 2, 1], "SAME"),
         [_x(1, 5, 6, 3), _x(3, 2, 3)], grad=True),
    Case("dilation2d-int",
         lambda x, f: nm.dilation2d(x, f, [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
         [_r.integers(-9, 9, (1, 4, 5, 2)).astype(np.int32),
          _r.integers(-3, 3, (2, 2, 2)).astype(np.int32)]),
    Case("erosion2d-same",
         lambda x, k: nm.erosion2d(x, k, [1, 1, 1, 1], [1, 2, 2, 1], "SAME"),
         [_x(2, 5, 5, 1), _x(2, 2, 1)], grad=True),
    Case("with_space_to_batch-same",
         lambda x, w: nm.with_space_to_batch(x, [2, 3], "SAME", _conv(w), filter_shape=[2, 2]),
         [_x(1, 5, 7, 2), _x(2, 2, 2, 3)], grad=True),
    Case("with_space_to_batch-valid",
         lambda x, w: nm.with_space_to_batch(x, [3, 2], "VALID", _conv(w)),
         [_x(2, 9, 6, 1), _x(2, 2, 1, 2)], grad=True),
]
