"""tf.metrics: (value, update_op) over local variables, against tf.compat.v1.metrics batch
by batch, names and collections, reset by local_variables_initializer."""
import numpy as np
import pytest

import flowkit as tf
import flowkit.metrics  # noqa: F401  (makes tf.metrics)


def _metrics(m):
    labels = m.placeholder(m.int64, [None], name="labels")
    pred = m.placeholder(m.int64, [None], name="pred")
    probs = m.placeholder(m.float32, [None], name="probs")
    weights = m.placeholder(m.float32, [None], name="weights")
    values = m.placeholder(m.float32, [None], name="values")
    out = {
        "accuracy": m.metrics.accuracy(labels, pred),
        "accuracy_w": m.metrics.accuracy(labels, pred, weights=weights),
        "mean": m.metrics.mean(values),
        "mean_w": m.metrics.mean(values, weights=weights),
        "precision": m.metrics.precision(labels, pred),
        "precision_w": m.metrics.precision(labels, pred, weights=weights),
        "recall": m.metrics.recall(labels, pred),
        "auc": m.metrics.auc(labels, probs),
        "auc_pr": m.metrics.auc(labels, probs, weights=weights, curve="PR",
                                num_thresholds=50),
        "auc_min": m.metrics.auc(labels, probs, summation_method="minoring"),
        "mse": m.metrics.mean_squared_error(values, m.cast(pred, m.float32)),
        "fp": m.metrics.false_positives(labels, pred),
    }
    return (labels, pred, probs, weights, values), out


def _batches(seed):
    rng = np.random.default_rng(seed)
    for n in (5, 8, 3):
        labels = rng.integers(0, 2, n)
        yield [labels, np.where(rng.uniform(size=n) < 0.7, labels, 1 - labels),
               rng.uniform(size=n).astype(np.float32),
               rng.choice([0.0, 0.5, 1.0, 2.0], n).astype(np.float32),
               rng.normal(size=n).astype(np.float32)]


def _run(m, sess_factory, seed):
    g = m.Graph()
    with g.as_default():
        phs, out = _metrics(m)
        init = m.local_variables_initializer()
        names = [v.name for v in m.local_variables()]
        metric_vars = m.get_collection("metric_variables")
    sess = sess_factory(g)
    sess.run(init)
    keys = sorted(out)
    updates, values = [], []
    for batch in _batches(seed):
        feed = dict(zip(phs, batch))
        updates.append(sess.run([out[k][1] for k in keys], feed))
        values.append(sess.run([out[k][0] for k in keys]))
    sess.run(init)
    after_reset = sess.run([out[k][0] for k in keys])
    return names, metric_vars, updates, values, after_reset


@pytest.mark.tf
def test_metrics_match_tf_batch_by_batch(session, tf1):
    names, metric_vars, *got = _run(tf, lambda g: session(graph=g), 0)
    ref_names, _, *want = _run(tf1, lambda g: tf1.Session(graph=g), 0)
    assert names == ref_names
    assert len(metric_vars) == len(names)
    for g_list, w_list in zip(got, want):
        np.testing.assert_allclose(np.array(g_list, np.float64), np.array(w_list, np.float64),
                                   rtol=1e-5, atol=1e-6)


def test_accuracy_names_collections_and_reset(session):
    labels = tf.placeholder(tf.int32, [None])
    pred = tf.placeholder(tf.int32, [None])
    acc, update = tf.metrics.accuracy(labels, pred, metrics_collections=["m"],
                                      updates_collections=["u"])
    acc2, _ = tf.metrics.accuracy(labels, pred)
    assert [v.name for v in tf.local_variables()] == [
        "accuracy/total:0", "accuracy/count:0", "accuracy_1/total:0", "accuracy_1/count:0"]
    assert tf.global_variables() == [] and tf.trainable_variables() == []
    assert tf.get_collection("m") == [acc] and tf.get_collection("u") == [update]
    sess = session()
    sess.run(tf.local_variables_initializer())
    assert sess.run(acc) == 0.0
    assert sess.run(update, {labels: [1, 2, 3, 4], pred: [1, 2, 0, 0]}) == 0.5
    assert sess.run(update, {labels: [5, 5], pred: [5, 5]}) == pytest.approx(4 / 6)
    assert sess.run(acc) == pytest.approx(4 / 6)
    sess.run(tf.local_variables_initializer())
    assert sess.run(acc) == 0.0


def test_errors():
    with pytest.raises(ValueError, match="incompatible"):
        tf.metrics.accuracy(tf.zeros([3], tf.int32), tf.zeros([4], tf.int32))
    with pytest.raises(ValueError, match="ROC or PR"):
        tf.metrics.auc([1], [0.5], curve="XY")


def test_auc_rejects_predictions_outside_unit_interval(session):
    _, update = tf.metrics.auc([1, 0], [0.5, 1.5])
    sess = session()
    sess.run(tf.local_variables_initializer())
    with pytest.raises(tf.errors.InvalidArgumentError, match="predictions must be in"):
        sess.run(update)
