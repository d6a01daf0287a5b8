"""tf.losses: values and gradients against tf.compat.v1.losses (weights, reductions, label
smoothing), the LOSSES collection, and get_total_loss."""
import numpy as np
import pytest

import flowkit as tf
import flowkit.losses  # noqa: F401  (makes tf.losses)

RNG = np.random.default_rng(11)
LABELS = RNG.uniform(0.0, 1.0, size=(4, 3)).astype(np.float32)
PRED = RNG.uniform(0.05, 0.95, size=(4, 3)).astype(np.float32)
BINARY = (RNG.uniform(size=(4, 3)) > 0.5).astype(np.float32)
ONEHOT = np.eye(3, dtype=np.float32)[[0, 2, 1, 2]]
SPARSE = np.array([0, 2, 1, 2], np.int32)
LOGITS = RNG.normal(size=(4, 3)).astype(np.float32)

WEIGHTS = [1.0, 0.0, 2.5, np.array([[1.0], [0.0], [2.0], [0.5]], np.float32),
           np.array([[1.0, 0.0, 2.0, 0.5]] * 4, np.float32).T[:, :3]]
PER_EXAMPLE_WEIGHTS = [1.0, 0.0, 3.0, np.array([1.0, 0.0, 2.0, 0.5], np.float32)]

CASES = [
    ("mean_squared_error", lambda m, w, r: m.losses.mean_squared_error(
        LABELS, PRED, weights=w, reduction=r), WEIGHTS),
    ("absolute_difference", lambda m, w, r: m.losses.absolute_difference(
        LABELS, PRED, weights=w, reduction=r), WEIGHTS),
    ("log_loss", lambda m, w, r: m.losses.log_loss(BINARY, PRED, weights=w, reduction=r),
     WEIGHTS),
    ("hinge_loss", lambda m, w, r: m.losses.hinge_loss(BINARY, LOGITS, weights=w, reduction=r),
     WEIGHTS),
    ("huber_loss", lambda m, w, r: m.losses.huber_loss(
        LABELS * 3, LOGITS, weights=w, delta=0.7, reduction=r), WEIGHTS),
    ("sigmoid_cross_entropy", lambda m, w, r: m.losses.sigmoid_cross_entropy(
        BINARY, LOGITS, weights=w, label_smoothing=0.1, reduction=r), WEIGHTS),
    ("softmax_cross_entropy", lambda m, w, r: m.losses.softmax_cross_entropy(
        ONEHOT, LOGITS, weights=w, reduction=r), PER_EXAMPLE_WEIGHTS),
    ("softmax_cross_entropy_smoothing", lambda m, w, r: m.losses.softmax_cross_entropy(
        ONEHOT, LOGITS, weights=w, label_smoothing=0.2, reduction=r), PER_EXAMPLE_WEIGHTS),
    ("sparse_softmax_cross_entropy", lambda m, w, r: m.losses.sparse_softmax_cross_entropy(
        SPARSE, LOGITS, weights=w, reduction=r), PER_EXAMPLE_WEIGHTS),
]
REDUCTIONS = ["weighted_sum_by_nonzero_weights", "weighted_sum", "weighted_mean",
              "weighted_sum_over_batch_size", "none"]


def _all_combinations(mod, fn, weights):
    return [fn(mod, w, r) for w in weights for r in REDUCTIONS]


@pytest.mark.tf
@pytest.mark.parametrize("name,fn,weights", CASES, ids=[c[0] for c in CASES])
def test_losses_match_tf(session, tf1, name, fn, weights):
    with tf.Graph().as_default() as g:
        outs = _all_combinations(tf, fn, weights)
        assert tf.get_collection(tf.GraphKeys.LOSSES) == outs
        got = session(graph=g).run(outs)
    g1 = tf1.Graph()
    with g1.as_default(), tf1.Session(graph=g1) as sess:
        want = sess.run(_all_combinations(tf1, fn, weights))
    combos = [(w, r) for w in weights for r in REDUCTIONS]
    for a, b, combo in zip(got, want, combos):
        assert a.shape == b.shape and a.dtype == b.dtype, combo
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6, err_msg=str(combo))


def test_default_reduction_is_sum_by_nonzero_weights(session):
    loss = tf.losses.absolute_difference([0.0, 0.0, 0.0, 0.0], [1.0, 2.0, 3.0, 4.0],
                                         weights=[1.0, 0.0, 1.0, 0.0])
    assert session().run(loss) == pytest.approx((1 + 3) / 2)
    zero = tf.losses.absolute_difference([0.0], [1.0], weights=0.0)
    assert session().run(zero) == 0.0
    assert tf.losses.Reduction.SUM_OVER_NONZERO_WEIGHTS == "weighted_sum_by_nonzero_weights"
    with pytest.raises(ValueError, match="Invalid Reduction"):
        tf.losses.mean_squared_error([1.0], [1.0], reduction="average")
    with pytest.raises(ValueError, match="incompatible"):
        tf.losses.mean_squared_error([1.0, 2.0], [1.0, 2.0, 3.0])


def test_total_loss_collections(session):
    a = tf.losses.mean_squared_error([1.0], [3.0])
    b = tf.losses.absolute_difference([1.0], [3.0], loss_collection=None)
    tf.losses.add_loss(tf.constant(1.0))
    tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, tf.constant(0.25))
    assert len(tf.losses.get_losses()) == 2 and b not in tf.losses.get_losses()
    sess = session()
    assert sess.run(tf.losses.get_total_loss()) == pytest.approx(4.0 + 1.0 + 0.25)
    assert sess.run(tf.losses.get_total_loss(False)) == pytest.approx(5.0)
    assert sess.run(tf.losses.get_regularization_loss()) == pytest.approx(0.25)
    assert a.op.name.startswith("mean_squared_error/")
    with tf.Graph().as_default():
        with pytest.raises(ValueError, match="No losses"):
            tf.losses.get_total_loss()
        assert tf.losses.get_regularization_losses() == []


@pytest.mark.tf
def test_loss_gradients_match_tf(session, tf1):
    def build(m):
        logits = m.constant(LOGITS)
        pred = m.sigmoid(logits)
        loss = (m.losses.softmax_cross_entropy(ONEHOT, logits, label_smoothing=0.1) +
                m.losses.huber_loss(LABELS, logits, weights=WEIGHTS[3]) +
                m.losses.log_loss(BINARY, pred, weights=2.0) +
                m.losses.sparse_softmax_cross_entropy(SPARSE, logits,
                                                      weights=PER_EXAMPLE_WEIGHTS[3]))
        return m.gradients(loss, logits)[0]
    got = session().run(build(tf))
    g = tf1.Graph()
    with g.as_default(), tf1.Session(graph=g) as sess:
        want = sess.run(build(tf1))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
