"""Conformance cases of the array ops added for TF1's remaining array names
(:mod:`flowkit.ops.array_more_ops` and the later additions to ``shape_ops``, ``join_ops``
and ``indexing_ops``); see :mod:`flowkit.testing_cases`.

Integer arguments (partitions, indices, block shapes) are constants of the build functions,
so the gradient checks see float inputs only. ``Timestamp`` differs from run to run, so its
case compares dtype and shape only."""
from __future__ import annotations

import numpy as np

import flowkit as tf
from flowkit.cases import Case
from flowkit.gradients import gradients
from flowkit.ops import array_more_ops as am

_r = np.random.default_rng(1919)


def _f64(*shape):
    return _r.standard_normal(shape)


def _vjp(fn):
    def build(x, u):
        return gradients([fn(x)], [x], grad_ys=[u])[0]
    return build


def _patches(x):
    return am.extract_image_patches(x, [1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 2, 1], "SAME")


CASES = [
    Case("SelectV2", lambda a, b: tf.where_v2(a > 0.0, a, b), [_f64(3, 1, 4), _f64(2, 1)],
         grad=True),
    Case("GuaranteeConst", tf.guarantee_const, [_f64(2, 3)]),
    Case("Bitcast", lambda x: tf.bitcast(x, tf.int32), [_f64(2, 3)]),
    Case("BroadcastArgs", lambda s: tf.broadcast_dynamic_shape(tf.shape(s), [4, 1, 1]),
         [_f64(1, 5)]),
    Case("Roll", lambda x: tf.roll(x, [2, -1, 4], [0, 1, 0]), [_f64(3, 4)], grad=True),
    Case("ParallelConcat", lambda x, y: tf.parallel_stack([x, y, x]), [_f64(2, 3), _f64(2, 3)]),
    Case("SpaceToBatchND", lambda x: tf.space_to_batch_nd(x, [2, 3], [[1, 1], [0, 2]]),
         [_f64(2, 4, 4, 2)], grad=True),
    Case("BatchToSpaceND", lambda x: tf.batch_to_space_nd(x, [2, 3], [[1, 0], [2, 1]]),
         [_f64(12, 2, 3, 2)], grad=True),
    Case("LowerBound", lambda s, v: am.searchsorted(s, v),
         [np.sort(_f64(3, 6), axis=-1), _f64(3, 4)]),
    Case("UpperBound", lambda s, v: am.searchsorted(s, v, side="right", out_type=tf.int64),
         [np.sort(_r.integers(0, 5, (7,)).astype(np.int32)),
          _r.integers(-1, 6, (9,)).astype(np.int32)]),
    Case("UnravelIndex", lambda i: am.unravel_index(i, [3, 4, 5]),
         [_r.integers(0, 60, (7,)).astype(np.int64)]),
    Case("ListDiff", lambda x, y: tf.cast(am.setdiff1d(x, y)[1], tf.int64) + am.setdiff1d(x, y)[0],
         [_r.integers(0, 6, (10,)).astype(np.int64), np.array([1, 4], np.int64)]),
    Case("DynamicPartition",
         lambda x: tf.concat(am.dynamic_partition(x, [[1, 0, 2], [2, 2, 0]], 3), 0),
         [_f64(2, 3, 2)], grad=True),
    Case("DynamicStitch", lambda a, b: am.dynamic_stitch([[4, 0], [1, 3, 2]], [a, b]),
         [_f64(2, 3), _f64(3, 3)], grad=True),
    Case("ExtractImagePatches", _patches, [_f64(2, 5, 4, 2)], grad=True),
    Case("ExtractImagePatchesGrad", _vjp(_patches), [_f64(1, 4, 5, 2), _f64(1, 2, 5, 12)],
         grad=True),
    Case("HistogramFixedWidth", lambda v: am.histogram_fixed_width(v, [-1.0, 1.5], 6),
         [_f64(50)]),
    Case("Timestamp", lambda x: am.timestamp() * 0.0 + x, [np.zeros((), np.float64)],
         random=True),
]
