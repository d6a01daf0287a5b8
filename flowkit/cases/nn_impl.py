"""Conformance cases of tf.nn's composite functions (:mod:`flowkit.ops.nn_impl`) and of the
tf.math functions built from other ops (:mod:`flowkit.tf_math`). They are compositions, so
the cases check that every op they are made of agrees across backends, forward and backward.
"""
from __future__ import annotations

import numpy as np

from flowkit import tf_math as tm
from flowkit.cases import Case
from flowkit.ops import array_ops
from flowkit.ops import nn_impl as ni

_r = np.random.default_rng(4242)


def _x(*shape):
    return _r.standard_normal(shape).astype(np.float32)


def _pos(*shape):
    return _r.uniform(0.2, 2.0, shape).astype(np.float32)


def _stack(pair):
    return array_ops.stack(list(pair))


CASES = [
    Case("selu", ni.selu, [_x(3, 4) * 2], grad=True),
    Case("swish", lambda x: ni.swish(x, beta=1.5), [_x(3, 4)], grad=True),
    Case("softsign", ni.softsign, [_x(3, 4) + 0.05], grad=True),
    Case("crelu", lambda x: ni.crelu(x, axis=0), [_x(2, 3) + 0.05], grad=True),
    Case("relu_layer", lambda x, w, b: ni.relu_layer(x, w, b),
         [_x(3, 4), _x(4, 2), _x(2) + 0.05], grad=True),
    Case("log_poisson_loss", lambda t, li: ni.log_poisson_loss(t, li, compute_full_loss=True),
         [np.array([0.2, 0.5, 2.0, 7.0], np.float32), _x(4)], grad=True),
    Case("sufficient_statistics",
         lambda x: _stack(ni.sufficient_statistics(x, [0, 2], shift=0.5)[1:3]),
         [_x(2, 3, 4)], grad=True),
    Case("normalize_moments", lambda c, m, v: _stack(ni.normalize_moments(c, m, v, None)),
         [np.float32(4.0), _x(3), _pos(3) * 4], grad=True),
    Case("weighted_moments", lambda x, w: _stack(ni.weighted_moments(x, [0], w)),
         [_x(3, 4), _pos(3, 1)], grad=True),
    Case("zero_fraction", ni.zero_fraction,
         [np.array([[0, 1, 0], [2, 0, 3]], np.int32)]),
    Case("fused_batch_norm", lambda x, s, o: ni.fused_batch_norm(x, s, o)[0],
         [_x(2, 2, 3, 3), _pos(3), _x(3)], grad=True),
    Case("fused_batch_norm-stats", lambda x: _stack(ni.fused_batch_norm(
        x, np.ones(2, np.float32), np.zeros(2, np.float32), data_format="NCHW")[1:]),
        [_x(2, 2, 3, 3)]),
    Case("fused_batch_norm-infer", lambda x, m, v: ni.fused_batch_norm(
        x, np.ones(3, np.float32), np.zeros(3, np.float32), m, v, is_training=False)[0],
        [_x(1, 2, 2, 3), _x(3), _pos(3)], grad=True),
    Case("batch_norm_with_global_normalization",
         lambda x, m, v, g: ni.batch_norm_with_global_normalization(
             x, m, v, np.zeros(3, np.float32), g, 0.01, True),
         [_x(2, 3), _x(3), _pos(3), _pos(3)], grad=True),
    Case("lrn", lambda x: ni.lrn(x, depth_radius=2, bias=1.0, alpha=0.5, beta=0.75),
         [_x(1, 2, 2, 6)], grad=True),
    Case("collapse_repeated", lambda x, n: ni.collapse_repeated(x, n)[0],
         [np.array([[1, 1, 2, 2, 3], [4, 4, 4, 5, 5]], np.int32), np.array([5, 2], np.int32)]),
    Case("lbeta", ni.lbeta, [_pos(2, 3)], grad=True),
    Case("rint", ni.rint, [np.array([0.5, 1.5, -2.5, 2.7], np.float32)]),
    Case("is_non_decreasing", ni.is_non_decreasing, [np.array([1, 2, 2, 5], np.int32)]),
    Case("reduce_std", lambda x: tm.reduce_std(x, 1), [_x(3, 4)], grad=True),
    Case("reduce_euclidean_norm", lambda x: tm.reduce_euclidean_norm(x, 0), [_x(3, 4)],
         grad=True),
    Case("multiply_no_nan", tm.multiply_no_nan,
         [np.array([np.inf, np.nan, 2.0, -1.0], np.float32),
          np.array([0.0, 0.0, 3.0, 0.5], np.float32)]),
    Case("multiply_no_nan-grad", tm.multiply_no_nan,
         [_x(4), np.array([0.0, 1.5, -2.0, 0.0], np.float32)], grad=True),
    Case("xlog1py", tm.xlog1py, [_pos(4), _pos(4)], grad=True),
    Case("cumulative_logsumexp", lambda x: tm.cumulative_logsumexp(x * 10, axis=1), [_x(3, 5)],
         grad=True),
    Case("cumulative_logsumexp-exclusive", lambda x: tm.cumulative_logsumexp(
        x, exclusive=True, reverse=True), [_x(6)]),
    Case("polyval", lambda x: tm.polyval([1.0, -2.0, 0.5], x), [_x(5)], grad=True),
    Case("erfinv", tm.erfinv, [np.array([-0.99, -0.3, 0.0, 0.4, 0.9], np.float32)],
         grad=True),
    Case("ndtri", tm.ndtri, [np.array([0.01, 0.2, 0.5, 0.8, 0.99], np.float32)], grad=True),
]
