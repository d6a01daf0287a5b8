"""segment_ops: segment and unsorted-segment reductions, top_k, sort, argsort, unique,
bincount and confusion_matrix. Values, errors and gradients on every backend, checked
against TF1's ``tf.compat.v1``."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import segment_ops as so
from flowkit.testing import check_gradients
from tests._tf_compare import run_tf1

DATA = np.array([[4.0, -3.0], [7.0, 2.0], [-5.0, 9.0], [-6.0, 1.0], [0.0, 8.0], [3.0, -2.0]])
IDS = np.array([0, 0, 2, 2, 2, 3], np.int32)
UIDS = np.array([3, -1, 0, 3, 1, 0], np.int64)


def _same(got, want):
    got, want = (np.asarray(got), np.asarray(want))
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype,
                                                                 got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-6, equal_nan=True)


SORTED = ["segment_sum", "segment_mean", "segment_max", "segment_min", "segment_prod"]
UNSORTED = ["unsorted_segment_sum", "unsorted_segment_max", "unsorted_segment_min",
            "unsorted_segment_prod", "unsorted_segment_mean"]


@pytest.mark.parametrize("name", SORTED)
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_segments_against_tf1(tf1, session, name, dtype):
    x = DATA.astype(dtype)
    out = getattr(so, name)(tf.constant(x), IDS)
    assert out.shape.as_list() == [4, 2]
    want = run_tf1(tf1, lambda x=x, name=name: getattr(tf1, name)(tf1.constant(x), IDS))
    _same(session().run(out), want)


@pytest.mark.parametrize("name", UNSORTED)
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.float64])
def test_unsorted_segments_against_tf1(tf1, session, name, dtype):
    x = DATA.astype(dtype)
    for ids, n in ((UIDS, 5), (np.array([[1, 0, -1], [1, 2, 1]], np.int32), 4)):
        xs = x if ids.ndim == 1 else x.reshape(2, 3, 2)
        got = session().run(getattr(so, name)(tf.constant(xs), ids, n))
        want = run_tf1(tf1, lambda xs=xs, ids=ids, n=n:
                       getattr(tf1.math, name)(tf1.constant(xs), ids, n))
        _same(got, want)


def test_segment_errors(session):
    with pytest.raises(tf.errors.InvalidArgumentError, match="not increasing"):
        session().run(so.segment_sum(tf.constant([1.0, 2.0, 3.0]),
                                     tf.placeholder_with_default([0, 2, 1], [3])))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"out of range \[0, 2\)"):
        session().run(so.unsorted_segment_sum(tf.constant([1.0, 2.0]), [0, 2], 2))
    with pytest.raises(ValueError, match="same size as dimension 0"):
        so.segment_sum(tf.constant([1.0, 2.0]), [0, 0, 1])
    with pytest.raises(TypeError, match="int32 or int64"):
        so.segment_sum(tf.constant([1.0, 2.0]), tf.constant([0.0, 1.0]))


GRADS = [
    lambda x: so.segment_sum(x, IDS), lambda x: so.segment_mean(x, IDS),
    lambda x: so.segment_max(x, IDS), lambda x: so.segment_prod(x, IDS),
    lambda x: so.unsorted_segment_sum(x, UIDS, 5), lambda x: so.unsorted_segment_mean(x, UIDS, 5),
    lambda x: so.unsorted_segment_min(x, np.array([1, 0, 0, 1, 2, 2]), 3),
    lambda x: so.unsorted_segment_prod(x, UIDS, 4),
    lambda x: so.top_k(x, 1)[0], lambda x: so.sort(x, axis=0),
]
X = DATA + np.arange(12).reshape(6, 2) * 0.01 + 0.5     # no ties, no zeros


@pytest.mark.parametrize("fn", GRADS, ids=range(len(GRADS)))
def test_gradients(backend, fn):
    report = check_gradients(fn, [X], backend=backend[0], device=backend[1])
    assert report.ok, str(report)


def test_gradients_against_tf1(tf1, session):
    x = np.array([[1.0, 0.0], [2.0, 2.0], [0.0, 0.0], [3.0, 3.0]])   # ties and zeros
    ids = np.array([0, 0, 1, 1], np.int32)
    uids = np.array([1, -1, 0, 1], np.int32)
    progs = [("segment_sum", (ids,)), ("segment_mean", (ids,)), ("segment_max", (ids,)),
             ("segment_min", (ids,)), ("segment_prod", (ids,)),
             ("unsorted_segment_sum", (uids, 3)), ("unsorted_segment_max", (uids, 3)),
             ("unsorted_segment_prod", (uids, 3)), ("unsorted_segment_mean", (uids, 3))]
    for name, args in progs:
        t = tf.constant(x)
        got = session().run(tf.gradients(getattr(so, name)(t, *args), t)[0])

        def build(name=name, args=args):
            c = tf1.constant(x)
            return tf1.gradients(getattr(tf1.math, name)(c, *args), c)[0]
        _same(got, run_tf1(tf1, build))
    t = tf.constant(x)
    got = session().run(tf.gradients(so.top_k(t, 2)[0] * [[1.0, 2.0]], t)[0])

    def build_top_k():
        c = tf1.constant(x)
        return tf1.gradients(tf1.nn.top_k(c, 2)[0] * [[1.0, 2.0]], c)[0]
    _same(got, run_tf1(tf1, build_top_k))


def test_top_k_against_tf1(tf1, session):
    for x, k in ((np.array([[1, 3, 3, 2, 3], [5, 5, 5, 5, 5]], np.int32), 4),
                 (np.array([[[2.0, -1.0, 7.0, 2.0]]], np.float32), 2),
                 (np.array([4.0, 1.0]), 0)):
        got = session().run(list(so.top_k(tf.constant(x), k)))
        want = run_tf1(tf1, lambda x=x, k=k: list(tf1.nn.top_k(tf1.constant(x), k)))
        for a, b in zip(got, want):
            _same(a, b)
    with pytest.raises(ValueError, match="last dimension >= k = 5 but is 4"):
        so.top_k(tf.constant([1, 2, 3, 4]), 5)
    values, indices = so.top_k(tf.constant([[1.0, 2.0]]), k=tf.placeholder(tf.int32, []))
    assert values.shape.as_list() == [1, None] and indices.dtype is tf.int32


@pytest.mark.parametrize("dtype", [np.int32, np.float64, np.uint8, np.int64])
def test_sort_and_argsort_against_tf1(tf1, session, dtype):
    x = np.array([[3, 1, 2, 1], [0, 0, 9, 0], [5, 255 if dtype == np.uint8 else -4, 0, 0]],
                 dtype)
    for axis in (-1, 0):
        for direction in ("ASCENDING", "DESCENDING"):
            got = session().run([so.sort(tf.constant(x), axis, direction),
                                 so.argsort(tf.constant(x), axis, direction, stable=True)])
            want = run_tf1(tf1, lambda axis=axis, direction=direction: [
                tf1.sort(tf1.constant(x), axis, direction),
                tf1.argsort(tf1.constant(x), axis, direction, True)])
            _same(got[0], want[0])
            _same(got[1], want[1])
    with pytest.raises(ValueError, match="direction"):
        so.sort(tf.constant(x), direction="UP")


def test_unique_against_tf1(tf1, session):
    x = np.array([1, 4, 1, 3, 4, -2], np.int64)
    got = session().run(list(so.unique_with_counts(tf.constant(x), out_idx=tf.int64)))
    want = run_tf1(tf1, lambda x=x: list(tf1.unique_with_counts(tf1.constant(x), tf1.int64)))
    for a, b in zip(got, want):
        _same(a, b)
    y, idx = so.unique(tf.constant(["b", "a", "b"]))
    words, where = session().run([y, idx])
    assert [w.decode() if isinstance(w, bytes) else w for w in words] == ["b", "a"]
    assert where.tolist() == [0, 1, 0] and where.dtype == np.int32
    with pytest.raises(ValueError, match="rank 1"):
        so.unique(tf.constant([[1, 2]]))


def test_bincount_against_tf1(tf1, session):
    arr = np.array([1, 4, 1, 3], np.int32)
    for kw in ({}, {"minlength": 7}, {"maxlength": 3}, {"minlength": 7, "maxlength": 3},
               {"weights": np.array([0.5, 1.0, 1.0, 2.0], np.float32)}, {"dtype": tf.float64}):
        tf1_kw = dict(kw, dtype=tf1.float64) if "dtype" in kw else kw
        got = session().run(so.bincount(arr, **kw))
        want = run_tf1(tf1, lambda tf1_kw=tf1_kw: tf1.bincount(arr, **tf1_kw))
        _same(got, want)
    assert session().run(so.bincount(np.zeros([0], np.int32))).tolist() == []
    with pytest.raises(tf.errors.InvalidArgumentError, match="non-negative"):
        session().run(so.bincount([1, -4]))


def test_confusion_matrix_against_tf1(tf1, session):
    labels, preds = np.array([1, 2, 0, 2]), np.array([1, 1, 0, 2])
    for kw in ({}, {"num_classes": 4}, {"weights": [1.0, 2.0, 3.0, 0.5],
                                        "dtype": "float32"}):
        tf1_kw = dict(kw, dtype=tf1.float32) if "dtype" in kw else kw
        fk_kw = dict(kw, dtype=tf.float32) if "dtype" in kw else kw
        got = session().run(so.confusion_matrix(labels, preds, **fk_kw))
        want = run_tf1(tf1, lambda tf1_kw=tf1_kw: tf1.confusion_matrix(labels, preds, **tf1_kw))
        _same(got, want)
    with pytest.raises(tf.errors.InvalidArgumentError):
        session().run(so.confusion_matrix(labels, preds, num_classes=2))
