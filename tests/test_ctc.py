"""CTC with dense labels (flowkit.rnn.ctc): ``ctc_loss_v2`` and ``ctc_unique_labels``.
Losses and gradients against TF1's ``tf.compat.v1.nn`` and a brute-force sum over all
alignments, numeric gradient checks in float64, and the errors."""
import itertools

import numpy as np
import pytest

import flowkit as tf
from flowkit.rnn.ctc import ctc_loss_v2, ctc_unique_labels
from flowkit.testing import check_gradients
from tests._tf_compare import run_tf1


def _problem(seed, batch, frames, classes, max_len, time_major=True):
    rng = np.random.default_rng(seed)
    shape = (frames, batch, classes) if time_major else (batch, frames, classes)
    logits = rng.normal(size=shape).astype(np.float32)
    label_length = rng.integers(0, max_len + 1, size=batch).astype(np.int32)
    # labels in 1..classes-1 (0 is the default blank), with repeats forced in
    labels = rng.integers(1, classes, size=(batch, max_len)).astype(np.int32)
    if max_len >= 2:
        labels[0, 1] = labels[0, 0]
    for b in range(batch):
        labels[b, label_length[b]:] = 0
    # enough frames for every example (a repeat needs a blank in between)
    need = np.array([n + np.sum(lab[1:n] == lab[:n - 1]) if n else 0
                     for lab, n in zip(labels, label_length)])
    logit_length = rng.integers(need, frames + 1).astype(np.int32)
    logit_length[-1] = frames
    return labels, logits, label_length, logit_length


def _loss_and_grad(session, labels, logits, label_length, logit_length, **kw):
    x = tf.constant(logits)
    loss = ctc_loss_v2(labels, x, label_length, logit_length, **kw)
    grad = tf.gradients(tf.reduce_sum(loss), x)[0]
    with session() as s:
        return s.run([loss, grad])


def _tf_loss_and_grad(tf1, labels, logits, label_length, logit_length, **kw):
    def build():
        x = tf1.constant(logits)
        loss = tf1.nn.ctc_loss_v2(labels, x, label_length, logit_length, **kw)
        return loss, tf1.gradients(tf1.reduce_sum(loss), x)[0]
    return run_tf1(tf1, build)


@pytest.mark.parametrize("batch,frames,classes,max_len,time_major", [
    (1, 6, 4, 2, True), (3, 8, 5, 3, True), (5, 12, 6, 4, False), (4, 7, 3, 0, True),
])
def test_loss_and_gradient_against_tf1(tf1, session, batch, frames, classes, max_len,
                                       time_major):
    args = _problem(batch * 7 + max_len, batch, frames, classes, max_len, time_major)
    loss, grad = _loss_and_grad(session, *args, logits_time_major=time_major)
    if max_len == 0:
        # TF's dense form counts the all-blank path twice when the labels have width 0
        # (a loss log(2) too small); the same problem with one padded column is exact.
        args = (np.zeros((batch, 1), np.int32),) + args[1:]
    want_loss, want_grad = _tf_loss_and_grad(tf1, *args, logits_time_major=time_major)
    assert loss.dtype == np.float32 and loss.shape == (batch,)
    np.testing.assert_allclose(loss, want_loss, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("blank_index", [0, 2, -1, -2, 4])
def test_blank_index_against_tf1(tf1, session, blank_index):
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(7, 3, 5)).astype(np.float32)
    blank = blank_index % 5
    labels = np.array([[1, 3, 3], [4, 0, 0], [2, 1, 4]], np.int32)
    labels[labels == blank] = (blank + 1) % 5      # no label equals the blank
    args = (labels, logits, np.array([3, 1, 2], np.int32), np.array([7, 5, 6], np.int32))
    loss, grad = _loss_and_grad(session, *args, blank_index=blank_index)
    want_loss, want_grad = _tf_loss_and_grad(tf1, *args, blank_index=blank_index)
    np.testing.assert_allclose(loss, want_loss, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(grad, want_grad, rtol=1e-4, atol=1e-5)


def test_negative_blank_with_unknown_class_count(session):
    labels, logits, ll, xl = _problem(9, 3, 6, 5, 2)
    labels[labels == 4] = 3
    x = tf.placeholder(tf.float32, [None, None, None])
    loss = ctc_loss_v2(labels, x, ll, xl, blank_index=-1)
    with session() as s:
        got = s.run(loss, {x: logits})
    want, _ = _loss_and_grad(session, labels, logits, ll, xl, blank_index=4)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_padding_past_label_length_is_ignored(session):
    labels, logits, ll, xl = _problem(10, 3, 8, 5, 3)
    ll[:] = [1, 2, 0]
    padded = labels.copy()
    for b, n in enumerate(ll):
        padded[b, n:] = -1 if b else 7           # out of the class range on purpose
    a, ga = _loss_and_grad(session, labels, logits, ll, xl)
    b, gb = _loss_and_grad(session, padded, logits, ll, xl)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ga, gb)


def test_default_blank_is_zero(session):
    args = _problem(11, 2, 6, 4, 2)
    default, _ = _loss_and_grad(session, *args)
    zero, _ = _loss_and_grad(session, *args, blank_index=0)
    last, _ = _loss_and_grad(session, *args, blank_index=-1)
    np.testing.assert_array_equal(default, zero)
    assert not np.allclose(default, last)


def _brute_force(logp, labels, blank):
    """-log of the summed probability of every frame sequence that collapses to labels."""
    frames, classes = logp.shape
    total = 0.0
    for path in itertools.product(range(classes), repeat=frames):
        collapsed = [c for k, c in enumerate(path) if k == 0 or c != path[k - 1]]
        if [c for c in collapsed if c != blank] == list(labels):
            total += np.exp(sum(logp[t, c] for t, c in enumerate(path)))
    return -np.log(total) if total > 0 else np.inf


@pytest.mark.parametrize("labels,blank", [([1, 1], 0), ([2, 1, 2], 0), ([], 0), ([0, 2], 1)])
def test_loss_matches_sum_over_alignments(session, labels, blank):
    rng = np.random.default_rng(len(labels))
    logits = rng.normal(size=(5, 1, 3))
    logp = logits[:, 0] - np.log(np.exp(logits[:, 0]).sum(-1, keepdims=True))
    padded = np.array([labels + [0] * (3 - len(labels))], np.int32)
    x = tf.constant(logits)
    loss = ctc_loss_v2(padded, x, [len(labels)], [5], blank_index=blank)
    with session() as s:
        got = s.run(loss)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got[0], _brute_force(logp, labels, blank), rtol=1e-10)


def test_logit_length_ignores_later_frames(session):
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(6, 1, 4)).astype(np.float32)
    other = logits.copy()
    other[4:] = rng.normal(size=(2, 1, 4))
    labels, ll, xl = [[1, 2]], [2], [4]
    a, ga = _loss_and_grad(session, labels, logits, ll, xl)
    b, _ = _loss_and_grad(session, labels, other, ll, xl)
    short, gs = _loss_and_grad(session, labels, logits[:4], ll, xl)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(a, short, rtol=1e-6)
    np.testing.assert_array_equal(ga[4:], 0)
    np.testing.assert_allclose(ga[:4], gs, rtol=1e-5, atol=1e-6)


def test_impossible_alignment_is_inf_with_zero_gradient(tf1, session):
    rng = np.random.default_rng(8)
    logits = rng.normal(size=(4, 3, 4)).astype(np.float32)
    # [1, 1, 1] needs 5 frames; [1, 2, 3] needs 3 but gets 2; [2] is fine
    labels = np.array([[1, 1, 1], [1, 2, 3], [2, 0, 0]], np.int32)
    ll, xl = np.array([3, 3, 1], np.int32), np.array([4, 2, 4], np.int32)
    loss, grad = _loss_and_grad(session, labels, logits, ll, xl)
    assert np.isposinf(loss[:2]).all() and np.isfinite(loss[2])
    np.testing.assert_array_equal(grad[:, :2], 0)
    assert np.isfinite(grad).all()
    want, want_grad = _tf_loss_and_grad(tf1, labels, logits, ll, xl)
    # TF's dense form answers a large finite number there; the possible example agrees
    assert (want[:2] > 500).all()
    np.testing.assert_allclose(loss[2], want[2], rtol=1e-5)
    np.testing.assert_allclose(grad[:, 2], want_grad[:, 2], rtol=1e-4, atol=1e-5)


def test_no_frames(session):
    logits = np.zeros((3, 2, 3), np.float32)
    loss, _ = _loss_and_grad(session, [[0], [1]], logits, [0, 1], [0, 0])
    assert loss[0] == 0 and np.isposinf(loss[1])


@pytest.mark.parametrize("time_major", [True, False])
def test_numeric_gradient(backend, time_major):
    labels, logits, ll, xl = _problem(2, 3, 6, 4, 3, time_major)

    def fn(x):
        return ctc_loss_v2(labels, x, ll, xl, logits_time_major=time_major)
    report = check_gradients(fn, [logits], backend=backend[0], device=backend[1])
    assert report.ok, report


def test_dtypes_and_static_shape(session):
    labels, logits, ll, xl = _problem(4, 2, 5, 4, 2)
    ph = tf.placeholder(tf.float32, [None, None, 4])
    lab = tf.placeholder(tf.int64, [None, None])
    lengths = [tf.placeholder_with_default(n.astype(np.int64), [None]) for n in (ll, xl)]
    loss32 = ctc_loss_v2(lab, ph, *lengths)
    loss16 = ctc_loss_v2(labels, tf.constant(logits.astype(np.float16)), ll, xl)
    assert loss32.dtype == tf.float32 and loss16.dtype == tf.float16
    assert loss32.shape.as_list() == [None]     # the lengths' batch is not known either
    assert ctc_loss_v2(labels, logits, ll, xl).shape.as_list() == [2]
    with session() as s:
        a, b = s.run([loss32, loss16], {ph: logits, lab: labels})
    np.testing.assert_allclose(b, a, rtol=2e-3)


def test_unique_argument_does_not_change_the_loss(session):
    labels, logits, ll, xl = _problem(6, 3, 7, 4, 3)
    a, _ = _loss_and_grad(session, labels, logits, ll, xl)
    b, _ = _loss_and_grad(session, labels, logits, ll, xl, unique=ctc_unique_labels(labels))
    np.testing.assert_array_equal(a, b)


class _FakeSparse:
    indices, values, dense_shape = [[0, 0]], [1], [1, 1]


def test_errors():
    logits = np.zeros((4, 2, 3), np.float32)
    labels, ll, xl = np.ones((2, 2), np.int32), [2, 2], [4, 4]
    with pytest.raises(TypeError, match="labels must be int32 or int64; got float32"):
        ctc_loss_v2(labels.astype(np.float32), logits, ll, xl)
    with pytest.raises(TypeError, match="SparseTensor"):
        ctc_loss_v2(_FakeSparse(), logits, ll, xl)
    with pytest.raises(ValueError, match="labels must have rank 2; got shape"):
        ctc_loss_v2([1, 1], logits, ll, xl)
    with pytest.raises(ValueError, match="label_length is required"):
        ctc_loss_v2(labels, logits, None, xl)
    with pytest.raises(TypeError, match="logits must be floating point; got int32"):
        ctc_loss_v2(labels, logits.astype(np.int32), ll, xl)
    with pytest.raises(ValueError, match="logits must have rank 3"):
        ctc_loss_v2(labels, logits[0], ll, xl)
    with pytest.raises(ValueError, match="labels has batch size 3"):
        ctc_loss_v2(np.ones((3, 2), np.int32), logits, ll, xl)
    with pytest.raises(ValueError, match="logit_length has batch size 1"):
        ctc_loss_v2(labels, logits, ll, [4])
    with pytest.raises(ValueError, match="blank_index 3 is out of range for 3 classes"):
        ctc_loss_v2(labels, logits, ll, xl, blank_index=3)
    with pytest.raises(TypeError, match="blank_index must be a Python int"):
        ctc_loss_v2(labels, logits, ll, xl, blank_index=1.0)
    with pytest.raises(TypeError, match="unique must be the"):
        ctc_loss_v2(labels, logits, ll, xl, unique=labels)


UNIQUE_CASES = [
    np.array([[3, 4, 4, 3, 0, 0], [1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0], [5, 0, 5, 0, 2, 2]]),
    np.array([[9], [0]]),
    np.random.default_rng(1).integers(0, 4, size=(5, 7)),
]


@pytest.mark.parametrize("case", range(len(UNIQUE_CASES)))
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_unique_labels_against_tf1(tf1, session, case, dtype):
    labels = UNIQUE_CASES[case].astype(dtype)
    got = ctc_unique_labels(labels)
    with session() as s:
        u, idx = s.run(got)
    want_u, want_idx = run_tf1(tf1, lambda: tf1.nn.ctc_unique_labels(labels))
    assert u.dtype == want_u.dtype and idx.dtype == want_idx.dtype
    np.testing.assert_array_equal(u, want_u)
    np.testing.assert_array_equal(idx, want_idx)
    assert got[0].shape.as_list() == list(labels.shape)


def test_unique_labels_empty_and_errors(session):
    u, idx = ctc_unique_labels(np.zeros((2, 0), np.int32))
    with session() as s:
        a, b = s.run([u, idx])
    assert a.shape == (2, 0) and b.shape == (2, 0)
    with pytest.raises(ValueError, match="labels must have rank 2"):
        ctc_unique_labels([1, 2])
    with pytest.raises(TypeError, match="labels must be int32 or int64"):
        ctc_unique_labels([[1.0, 2.0]])
