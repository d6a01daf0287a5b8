"""Conformance cases of :mod:`flowkit.ops.segment_ops` (see :mod:`flowkit.testing_cases`)."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.framework import dtypes
from flowkit.ops import segment_ops as so

_r = np.random.default_rng(2468)


def _distinct(*shape):
    """Float64 values pairwise apart by >= 0.1 and away from 0 (no ties, no zero products)."""
    n = int(np.prod(shape))
    v = _r.permutation(n) * 0.25 + 0.3 + _r.uniform(0, 0.1, n)
    return (v * _r.choice([-1.0, 1.0], n)).reshape(shape)


_IDS = np.array([0, 0, 2, 2, 2, 3], np.int32)          # segment 1 empty
_UIDS = np.array([3, -1, 0, 3, 1, 0], np.int64)        # a dropped row, segment 2 empty
_UIDS_FULL = np.array([3, -1, 0, 3, 1, 2], np.int64)   # no empty segment (its max is -big)
_UIDS_2D = np.array([[1, 0, -1], [1, 2, 1]], np.int32)
_INTS = np.array([[4, -3], [7, 2], [-5, 9], [-6, 1], [0, 8], [3, -2]], np.int32)


def _fixed(fn, *args):
    return lambda x: fn(x, *args)


CASES = [
    Case("SegmentSum", _fixed(so.segment_sum, _IDS), [_distinct(6, 2)], grad=True),
    Case("SegmentMean", _fixed(so.segment_mean, _IDS), [_distinct(6, 2)], grad=True),
    Case("SegmentMax", _fixed(so.segment_max, _IDS), [_distinct(6, 2)], grad=True),
    Case("SegmentMin", _fixed(so.segment_min, _IDS), [_distinct(6, 2)], grad=True),
    Case("SegmentProd", _fixed(so.segment_prod, _IDS), [_distinct(6, 2)], grad=True),
    Case("SegmentProd-zeros", _fixed(so.segment_prod, _IDS),
         [np.array([[0.0, 1.5], [2.0, 0.0], [0.0, 0.5], [3.0, 0.0], [0.0, 2.0], [1.5, -1.0]])],
         grad=True),
    Case("Segment-int", lambda x: [so.segment_sum(x, _IDS), so.segment_mean(x, _IDS),
                                   so.segment_max(x, _IDS), so.segment_min(x, _IDS),
                                   so.segment_prod(x, _IDS)], [_INTS]),
    Case("UnsortedSegmentSum", _fixed(so.unsorted_segment_sum, _UIDS, 5), [_distinct(6, 2)],
         grad=True),
    Case("UnsortedSegmentSum-2d-ids", _fixed(so.unsorted_segment_sum, _UIDS_2D, 4),
         [_distinct(2, 3, 2)], grad=True),
    Case("UnsortedSegmentMax", _fixed(so.unsorted_segment_max, _UIDS_FULL, 4),
         [_distinct(6, 2)], grad=True),
    Case("UnsortedSegmentMin", _fixed(so.unsorted_segment_min, _UIDS_FULL, 4),
         [_distinct(6, 2)], grad=True),
    Case("UnsortedSegmentMax-empty", lambda x: [so.unsorted_segment_max(x, _UIDS, 5),
                                                so.unsorted_segment_min(x, _UIDS, 5)],
         [_distinct(6, 2).astype(np.float32)]),
    Case("UnsortedSegmentProd", _fixed(so.unsorted_segment_prod, _UIDS, 5),
         [_distinct(6, 2)], grad=True),
    Case("UnsortedSegmentProd-zeros", _fixed(so.unsorted_segment_prod, _UIDS, 5),
         [np.array([[0.0, 1.5], [2.0, 0.0], [0.0, 0.5], [3.0, 0.0], [0.0, 2.0], [1.5, -1.0]])],
         grad=True),
    Case("UnsortedSegment-int", lambda x: [so.unsorted_segment_sum(x, _UIDS, 5),
                                           so.unsorted_segment_max(x, _UIDS, 5),
                                           so.unsorted_segment_min(x, _UIDS, 5),
                                           so.unsorted_segment_prod(x, _UIDS, 5),
                                           so.unsorted_segment_mean(x, _UIDS, 5)], [_INTS]),
    Case("UnsortedSegmentMean", _fixed(so.unsorted_segment_mean, _UIDS, 5), [_distinct(6, 2)],
         grad=True),
    Case("UnsortedSegmentSqrtN", _fixed(so.unsorted_segment_sqrt_n, _UIDS_2D, 4),
         [_distinct(2, 3, 2)], grad=True),
    Case("TopKV2", lambda x: so.top_k(x, 3)[0], [_distinct(2, 5)], grad=True),
    Case("TopKV2-ties", lambda x: list(so.top_k(x, 4)),
         [np.array([[1, 3, 3, 2, 3], [5, 5, 5, 5, 5]], np.int32)]),
    Case("TopKV2-int64-index", lambda x: list(so.top_k(x, 2, index_type=dtypes.int64)),
         [np.array([[2.0, np.nan, 7.0, 2.0]], np.float32)]),
    Case("Sort", lambda x: so.sort(x, axis=0), [_distinct(4, 3)], grad=True),
    Case("Sort-descending", lambda x: so.sort(x, direction="DESCENDING"), [_distinct(2, 5)],
         grad=True),
    Case("Argsort-ties", lambda x: [so.argsort(x), so.argsort(x, direction="DESCENDING"),
                                    so.sort(x, axis=0)],
         [np.array([[3, 1, 2, 1], [0, 0, -4, 0]], np.int32)]),
    Case("Argsort-uint8", lambda x: [so.argsort(x), so.sort(x)],
         [np.array([3, 255, 0, 3], np.uint8)]),
    Case("Unique", lambda x: list(so.unique(x)), [np.array([1, 4, 1, 3, 4], np.int32)]),
    Case("UniqueWithCounts", lambda x: list(so.unique_with_counts(x, out_idx=dtypes.int64)),
         [np.array([2.5, -1.0, 2.5, 0.0])]),
    Case("Bincount", lambda a: [so.bincount(a), so.bincount(a, minlength=8, maxlength=4),
                                so.bincount(a, weights=np.linspace(0, 1, 5))],
         [np.array([1, 4, 1, 3, 0], np.int32)]),
    Case("ConfusionMatrix", lambda a, b: [so.confusion_matrix(a, b),
                                          so.confusion_matrix(a, b, num_classes=4,
                                                              weights=[1.0, 2.0, 3.0],
                                                              dtype=dtypes.float32)],
         [np.array([1, 2, 0], np.int32), np.array([1, 1, 0], np.int32)]),
]
