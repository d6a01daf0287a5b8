"""Conformance cases of :mod:`flowkit.ops.special_math_ops` (see :mod:`flowkit.testing_cases`)."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.framework import dtypes
from flowkit.ops import special_math_ops as sm

_r = np.random.default_rng(4321)


def _u(low, high, *shape):
    return _r.uniform(low, high, shape)


def _away(*shape):
    """Values at least 0.1 away from 0."""
    return _r.choice([-1.0, 1.0], shape) * _r.uniform(0.1, 2.0, shape)


_EDGES = np.array([0.0, -1.0, -2.5, 1.0, 0.5, 3.7, 12.3, -0.3, np.inf, -np.inf, np.nan])
_UNIT = np.array([-1.5, -1.0, -0.3, 0.0, 0.4, 0.99, 1.0, 2.0])

CASES = [
    Case("Tan", sm.tan, [_u(-1.2, 1.2, 2, 3)], grad=True),
    Case("Atan", sm.atan, [_u(-3, 3, 2, 3)], grad=True),
    Case("Asin", sm.asin, [_u(-0.9, 0.9, 2, 3)], grad=True),
    Case("Acos", sm.acos, [_u(-0.9, 0.9, 2, 3)], grad=True),
    Case("Sinh", sm.sinh, [_u(-2, 2, 2, 3)], grad=True),
    Case("Cosh", sm.cosh, [_u(-2, 2, 2, 3)], grad=True),
    Case("Asinh", sm.asinh, [_u(-3, 3, 2, 3)], grad=True),
    Case("Acosh", sm.acosh, [_u(1.2, 4, 2, 3)], grad=True),
    Case("Atanh", sm.atanh, [_u(-0.9, 0.9, 2, 3)], grad=True),
    Case("Erf", sm.erf, [_u(-2, 2, 2, 3)], grad=True),
    Case("Erfc", sm.erfc, [_u(-2, 2, 2, 3)], grad=True),
    Case("Lgamma", sm.lgamma, [_u(0.2, 6, 2, 3)], grad=True),
    Case("Lgamma-negative", sm.lgamma, [_u(-2.9, -2.1, 4)], grad=True),
    Case("Digamma", sm.digamma, [_u(0.3, 12, 2, 3)], grad=True),
    Case("Expm1", sm.expm1, [_u(-2, 2, 2, 3)], grad=True),
    Case("Unary-edges-f64", lambda a: [sm.tan(a), sm.atan(a), sm.sinh(a), sm.cosh(a),
                                       sm.asinh(a), sm.erf(a), sm.erfc(a), sm.lgamma(a),
                                       sm.digamma(a), sm.expm1(a)], [_EDGES]),
    Case("Unary-domain-f32", lambda a: [sm.asin(a), sm.acos(a), sm.acosh(a), sm.atanh(a),
                                        sm.lgamma(a), sm.digamma(a)],
         [_UNIT.astype(np.float32)], rtol=1e-5, atol=1e-6),
    Case("IsNan", lambda a: [sm.is_nan(a), sm.is_inf(a), sm.is_finite(a)],
         [_EDGES.astype(np.float32)]),
    Case("LogSigmoid", sm.log_sigmoid, [_away(2, 3) * 3], grad=True),
    Case("Atan2", sm.atan2, [_away(2, 3), _away(3)], grad=True),
    Case("Polygamma", lambda x: sm.polygamma(np.array([1.0, 2.0, 0.0]), x),
         [_u(0.5, 4, 2, 3)], grad=True),
    Case("Polygamma-edges", sm.polygamma,
         [np.array([0.0, 1.0, 2.0, 3.0, 1.5, -1.0, 2.0, 1.0]),
          np.array([0.0, -1.5, -1.0, -1.5, 2.0, 2.0, 0.3, 0.0])]),
    Case("Zeta", lambda q: sm.zeta(np.array([2.0, 3.5, 1.5]), q), [_u(0.5, 4, 2, 3)],
         grad=True),
    Case("DivNoNan", sm.div_no_nan, [_away(2, 3), _away(3)], grad=True),
    Case("DivNoNan-zeros", sm.div_no_nan,
         [np.array([1.0, 0.0, -2.0, np.inf], np.float32), np.array([0.0, 0.0, 4.0, 0.0],
                                                                   np.float32)]),
    Case("DivNoNan-int", sm.div_no_nan, [np.array([1, 3, -7], np.int32),
                                         np.array([0, 2, 2], np.int32)]),
    Case("TruncateDiv", sm.truncatediv, [np.array([7, -7, 7, -7, 6], np.int32),
                                         np.array([2, 2, -2, -2, 3], np.int32)]),
    Case("TruncateDiv-float", sm.truncatediv, [np.array([7.5, -7.5, 1.0]),
                                               np.array([2.0, 2.0, -3.0])]),
    Case("TruncateMod", sm.truncatemod, [np.array([7, -7, 7, -7], np.int64),
                                         np.array([3, 3, -3, -3], np.int64)]),
    Case("TruncateMod-float", sm.truncatemod, [np.array([7.5, -7.5], np.float32),
                                               np.array([2.0, 2.0], np.float32)]),
    Case("Xlogy", sm.xlogy, [_away(2, 3), _u(0.5, 3, 3)], grad=True),
    Case("Xdivy", sm.xdivy, [_away(2, 3), _away(3)], grad=True),
    Case("Xlogy-zeros", lambda x, y: [sm.xlogy(x, y), sm.xdivy(x, y)],
         [np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, -1.0, 2.0, 0.0])]),
    Case("ReduceLogSumExp", lambda a: sm.reduce_logsumexp(a, axis=1), [_u(-3, 3, 3, 4)],
         grad=True),
    Case("ReduceLogSumExp-all-keepdims", lambda a: sm.reduce_logsumexp(a, keepdims=True),
         [_u(-3, 3, 2, 3)], grad=True),
    Case("ReduceLogSumExp-inf", lambda a: sm.reduce_logsumexp(a, axis=1),
         [np.array([[1.0, 2.0], [-np.inf, -np.inf], [np.inf, 0.0], [1000.0, 1000.0]],
                   np.float32)]),
    Case("CountNonzero", lambda a: [sm.count_nonzero(a),
                                    sm.count_nonzero(a, axis=0, dtype=dtypes.int32)],
         [np.array([[0, 1, 2], [0, 0, 3]], np.int32)]),
    Case("ArgMaxOld", lambda a: [sm.arg_max(a, 1), sm.arg_min(a, 0)],
         [np.array([[1.0, 3.0], [4.0, 2.0]])]),
]
