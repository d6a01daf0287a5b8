"""tf.losses.cosine_distance and tf.losses.mean_pairwise_squared_error: values (every weight
shape and reduction) and gradients against tf.compat.v1.losses, the LOSSES collection, the
argument errors."""
import numpy as np
import pytest

import flowkit as tf
import flowkit.losses  # noqa: F401  (makes tf.losses)

RNG = np.random.default_rng(5)


def _unit(x, axis):
    return (x / np.linalg.norm(x, axis=axis, keepdims=True)).astype(np.float32)


A = _unit(RNG.normal(size=(4, 3)), 1)
B = _unit(A + RNG.normal(scale=0.5, size=(4, 3)), 1)
A0, B0 = _unit(A, 0), _unit(B, 0)
LABELS3 = RNG.normal(size=(3, 2, 4)).astype(np.float32)
PRED3 = RNG.normal(size=(3, 2, 4)).astype(np.float32)
REDUCTIONS = ["weighted_sum_by_nonzero_weights", "weighted_sum", "weighted_mean",
              "weighted_sum_over_batch_size", "none"]
COSINE_WEIGHTS = [1.0, 0.0, 2.5, np.array([[1.0], [0.0], [2.0], [0.5]], np.float32)]
PAIRWISE_WEIGHTS = [1.0, 0.0, 3.0, np.array([[1.0], [0.0], [2.0], [0.5]], np.float32),
                    np.array([[1.0, 0.0, 2.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0],
                              [3.0, 1.0, 1.0]], np.float32)]


def _cosine(m):
    out = [m.losses.cosine_distance(A, B, axis=1, weights=w, reduction=r)
           for w in COSINE_WEIGHTS for r in REDUCTIONS]
    out.append(m.losses.cosine_distance(A0, B0, dim=0))
    out.append(m.losses.cosine_distance(A0, B0, axis=0, weights=np.float32([[0.0, 1.0, 2.0]]),
                                        reduction="weighted_sum"))
    return out


def _pairwise(m):
    out = [m.losses.mean_pairwise_squared_error(A, B, weights=w) for w in PAIRWISE_WEIGHTS]
    out.append(m.losses.mean_pairwise_squared_error(LABELS3, PRED3))
    out.append(m.losses.mean_pairwise_squared_error(
        LABELS3, PRED3, weights=np.float32([[[1.0]], [[0.0]], [[2.0]]])))
    out.append(m.losses.mean_pairwise_squared_error([[1.0], [2.0]], [[0.0], [5.0]]))
    return out


@pytest.mark.tf
@pytest.mark.parametrize("build", [_cosine, _pairwise], ids=["cosine", "pairwise"])
def test_losses_match_tf(session, tf1, build):
    with tf.Graph().as_default() as g:
        outs = build(tf)
        assert tf.get_collection(tf.GraphKeys.LOSSES) == outs
        got = session(graph=g).run(outs)
    g1 = tf1.Graph()
    with g1.as_default(), tf1.Session(graph=g1) as sess:
        want = sess.run(build(tf1))
    assert len(got) == len(want)
    for i, (a, b) in enumerate(zip(got, want)):
        assert a.shape == b.shape and a.dtype == b.dtype, i
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5, err_msg=str(i))


@pytest.mark.tf
def test_gradients_match_tf(session, tf1):
    def build(m):
        p = m.constant(B)
        p3 = m.constant(PRED3)
        loss = (m.losses.cosine_distance(A, p, axis=1, weights=COSINE_WEIGHTS[3]) +
                m.losses.mean_pairwise_squared_error(A, p, weights=PAIRWISE_WEIGHTS[4]) +
                m.losses.mean_pairwise_squared_error(LABELS3, p3))
        return m.gradients(loss, [p, p3])
    got = session().run(build(tf))
    g = tf1.Graph()
    with g.as_default(), tf1.Session(graph=g) as sess:
        want = sess.run(build(tf1))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_pairwise_is_the_mean_over_pairs(session):
    labels = np.float32([[0.0, 1.0, 3.0, -1.0]])
    pred = np.float32([[1.0, 1.0, 1.0, 2.0]])
    d = (pred - labels)[0]
    want = np.mean([(d[i] - d[j]) ** 2 for i in range(4) for j in range(4) if i != j])
    loss = tf.losses.mean_pairwise_squared_error(labels, pred)
    assert session().run(loss) == pytest.approx(want, rel=1e-6)


def test_names_collections_and_errors(session):
    c = tf.losses.cosine_distance(A, B, axis=1, loss_collection="mine")
    p = tf.losses.mean_pairwise_squared_error(A, B, loss_collection=None)
    assert tf.get_collection("mine") == [c] and tf.losses.get_losses() == []
    assert c.op.name.startswith("cosine_distance_loss/")
    assert p.op.name.startswith("mean_pairwise_squared_error/")
    assert session().run(tf.losses.cosine_distance(A, A, axis=1)) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(ValueError, match="axis"):
        tf.losses.cosine_distance(A, B)
    with pytest.raises(ValueError, match="both"):
        tf.losses.cosine_distance(A, B, axis=1, dim=0)
    with pytest.raises(ValueError, match="incompatible"):
        tf.losses.cosine_distance(A, B[:, :2], axis=1)
    with pytest.raises(ValueError, match="incompatible"):
        tf.losses.mean_pairwise_squared_error(A, B[:2])
    with pytest.raises(ValueError, match="labels"):
        tf.losses.mean_pairwise_squared_error(None, B)
