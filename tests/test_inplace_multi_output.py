"""In-place steps on an output of a step with several outputs (``session_plan._donate``): the
backprop of ``SparseSoftmaxCrossEntropyWithLogits`` may be overwritten by the gradient's
multiply only where the loss output beside it is no longer needed (issue 15: one fewer
``[batch, classes]`` allocation per training step of a language model)."""
import numpy as np

import flowkit as tf
from flowkit import plugins


def _problem():
    rng = np.random.default_rng(3)
    logits = tf.placeholder(tf.float32, [None, 1500], name="logits")
    labels = tf.placeholder(tf.int32, [None], name="labels")
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    backprop = loss.op.outputs[1]
    lv = rng.standard_normal((3, 1500)).astype(np.float32)
    yv = np.array([4, 0, 1499], np.int32)
    e = np.exp(lv - lv.max(1, keepdims=True))
    p = e / e.sum(1, keepdims=True)
    want_loss = -np.log(p[np.arange(3), yv])
    want_bp = p.copy()
    want_bp[np.arange(3), yv] -= 1
    return logits, labels, loss, backprop, {logits: lv, labels: yv}, want_loss, want_bp


def _in_place(sess, fetches, feed, op):
    lines = [ln for ln in sess.explain(fetches, feed).splitlines() if " in place of " in ln]
    return any(f": {op.name} (" in ln for ln in lines)


def _donates(backend):
    be = plugins.get_backend(backend[0])
    return "Mul" in be.inplace_kernels and "Mul" not in be.out_kernels


def test_an_output_whose_sibling_is_done_is_written_in_place(session, backend):
    logits, labels, loss, backprop, feed, want_loss, want_bp = _problem()
    total = tf.reduce_sum(loss)           # a float scalar fetch: computed first
    scaled = backprop * 3.0               # the only reader of the backprop
    sess = session()
    for _ in range(2):                    # the second run reuses the plan
        t, s = sess.run([total, scaled], feed)
        np.testing.assert_allclose(t, want_loss.sum(), rtol=1e-5)
        np.testing.assert_allclose(s, want_bp * 3.0, rtol=1e-5, atol=1e-6)
    assert _in_place(sess, [total, scaled], feed, scaled.op) == _donates(backend)


def test_an_output_whose_sibling_is_fetched_or_read_later_is_not(session):
    logits, labels, loss, backprop, feed, want_loss, want_bp = _problem()
    scaled = backprop * 3.0
    later = loss * 2.0                    # reads the loss after the multiply
    sess = session()
    for fetches in ([loss, scaled], [scaled, later]):
        out = sess.run(fetches, feed)
        got_loss = out[0] if fetches[0] is loss else out[1] / 2.0
        np.testing.assert_allclose(got_loss, want_loss, rtol=1e-5)
        np.testing.assert_allclose(out[1] if fetches[0] is loss else out[0], want_bp * 3.0,
                                   rtol=1e-5, atol=1e-6)
        assert not _in_place(sess, fetches, feed, scaled.op)
