"""Conformance cases of :mod:`flowkit.ops.bitwise_ops` (the bitwise ops and ``NextAfter``)
and of the compositions in :mod:`flowkit.ops.misc_more_ops` (``sparse_matmul``, ``conv``).

Shift amounts include out-of-range values (negative, ``>= bits``), which every backend must
clamp as TF does; ``NextAfter`` includes ties, infinities and nan."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.ops import bitwise_ops as bw
from flowkit.ops import misc_more_ops as mm

_r = np.random.default_rng(2718)


def _ints(dtype, *shape):
    info = np.iinfo(dtype)
    return _r.integers(info.min, int(info.max) + 1, shape, dtype=dtype)


def _amounts(dtype, *shape):
    """Shift amounts from below 0 to above the width of ``dtype``."""
    bits = np.iinfo(dtype).bits
    low = -3 if np.iinfo(dtype).min < 0 else 0
    return _r.integers(low, bits + 4, shape).astype(dtype)


_NEXT_X = np.array([1.0, 1.0, 0.0, -0.0, 2.5, np.inf, -np.inf, np.nan, 1e-310, 3.0])
_NEXT_Y = np.array([2.0, 0.0, 1.0, 0.0, 2.5, 0.0, 0.0, 1.0, 0.0, np.nan])

CASES = [
    Case("BitwiseAnd", bw.bitwise_and, [_ints(np.int32, 3, 4), _ints(np.int32, 4)]),
    Case("BitwiseAnd-uint8", bw.bitwise_and, [_ints(np.uint8, 2, 1, 3), _ints(np.uint8, 4, 1)]),
    Case("BitwiseOr", bw.bitwise_or, [_ints(np.int64, 3, 4), _ints(np.int64, 3, 1)]),
    Case("BitwiseOr-int8", bw.bitwise_or, [_ints(np.int8, 5), _ints(np.int8, 5)]),
    Case("BitwiseXor", bw.bitwise_xor, [_ints(np.int16, 2, 3), _ints(np.int16, 2, 3)]),
    Case("Invert", bw.invert, [_ints(np.int32, 2, 5)]),
    Case("Invert-uint8", bw.invert, [_ints(np.uint8, 7)]),
    Case("LeftShift", bw.left_shift, [_ints(np.int32, 4, 6), _amounts(np.int32, 4, 6)]),
    Case("LeftShift-int8", bw.left_shift, [_ints(np.int8, 3, 8), _amounts(np.int8, 8)]),
    Case("LeftShift-uint8", bw.left_shift, [_ints(np.uint8, 12), _amounts(np.uint8, 12)]),
    Case("RightShift", bw.right_shift, [_ints(np.int64, 4, 6), _amounts(np.int64, 4, 6)]),
    Case("RightShift-int16", bw.right_shift, [_ints(np.int16, 10), _amounts(np.int16, 10)]),
    Case("RightShift-uint8", bw.right_shift, [_ints(np.uint8, 2, 6), _amounts(np.uint8, 1, 6)]),
    Case("NextAfter", bw.nextafter, [_NEXT_X, _NEXT_Y]),
    Case("NextAfter-float32", bw.nextafter,
         [_NEXT_X.astype(np.float32), _NEXT_Y[::-1].astype(np.float32)]),
    Case("NextAfter-grad", bw.nextafter, [_r.standard_normal((2, 3)), _r.standard_normal(3)],
         grad=True),
    Case("sparse_matmul", lambda a, b: mm.sparse_matmul(a, b, transpose_b=True,
                                                        a_is_sparse=True),
         [_r.standard_normal((3, 4)).astype(np.float32),
          _r.standard_normal((5, 4)).astype(np.float32)], rtol=1e-4, atol=1e-5),
    Case("conv-2d-explicit",
         lambda x, f: mm.conv(x, f, [1, 2, 1, 1], "EXPLICIT",
                              explicit_paddings=[0, 0, 1, 2, 0, 1, 0, 0], batch_dims=2),
         [_r.standard_normal((2, 2, 5, 4, 2)), _r.standard_normal((3, 2, 2, 3))], grad=True),
    Case("conv-3d", lambda x, f: mm.conv(x, f, [1, 1, 2, 1, 1], "SAME"),
         [_r.standard_normal((1, 3, 4, 3, 2)), _r.standard_normal((2, 2, 2, 2, 2))],
         grad=True),
]
