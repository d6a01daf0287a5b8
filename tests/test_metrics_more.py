"""The rest of tf.metrics (mean_tensor, mean_iou, per-class accuracy, relative and cosine
errors, the counts and ratios at thresholds, sensitivity/specificity, the *_at_k family):
against tf.compat.v1.metrics batch by batch on every backend, with the variables' names,
dtypes and collections, and the errors TF1 raises."""
import re

import numpy as np
import pytest

import flowkit as tf
import flowkit.metrics  # noqa: F401  (makes tf.metrics)

NUM_CLASSES = 5
THRESHOLDS = [0.2, 0.5, 0.8]


def _build(m):
    ph = {
        "labels": m.placeholder(m.int64, [None], name="labels"),
        "pred": m.placeholder(m.int64, [None], name="pred"),
        "probs": m.placeholder(m.float32, [None], name="probs"),
        "weights": m.placeholder(m.float32, [None], name="weights"),
        "values": m.placeholder(m.float32, [None], name="values"),
        "targets": m.placeholder(m.float32, [None], name="targets"),
        "normalizer": m.placeholder(m.float32, [None], name="normalizer"),
        "tensor": m.placeholder(m.float32, [2, 3], name="tensor"),
        "tensor_w": m.placeholder(m.float32, [2, 3], name="tensor_w"),
        "unit_l": m.placeholder(m.float32, [None, 3], name="unit_l"),
        "unit_p": m.placeholder(m.float32, [None, 3], name="unit_p"),
        "scores": m.placeholder(m.float32, [None, NUM_CLASSES], name="scores"),
        "multi": m.placeholder(m.int64, [None, 3], name="multi"),
    }
    p = ph
    mt = m.metrics
    out = {
        "mean_tensor": mt.mean_tensor(p["tensor"]),
        "mean_tensor_w": mt.mean_tensor(p["tensor"], weights=p["tensor_w"]),
        "mean_iou": mt.mean_iou(p["labels"], p["pred"], NUM_CLASSES),
        "mean_iou_w": mt.mean_iou(p["labels"], p["pred"], NUM_CLASSES, weights=p["weights"]),
        "per_class": mt.mean_per_class_accuracy(p["labels"], p["pred"], NUM_CLASSES),
        "per_class_w": mt.mean_per_class_accuracy(p["labels"], p["pred"], NUM_CLASSES,
                                                  weights=p["weights"]),
        "relative": mt.mean_relative_error(p["targets"], p["values"], p["normalizer"]),
        "relative_w": mt.mean_relative_error(p["targets"], p["values"], p["normalizer"],
                                             weights=p["weights"]),
        "cosine": mt.mean_cosine_distance(p["unit_l"], p["unit_p"], dim=1),
        "cosine_w": mt.mean_cosine_distance(p["unit_l"], p["unit_p"], dim=1,
                                            weights=p["weights"]),
        "below": mt.percentage_below(p["values"], 0.3),
        "below_w": mt.percentage_below(p["values"], 0.3, weights=p["weights"]),
        "tp_t": mt.true_positives_at_thresholds(p["labels"] > 1, p["probs"], THRESHOLDS),
        "fp_t": mt.false_positives_at_thresholds(p["labels"] > 1, p["probs"], THRESHOLDS,
                                                 weights=p["weights"]),
        "tn_t": mt.true_negatives_at_thresholds(p["labels"] > 1, p["probs"], THRESHOLDS),
        "fn_t": mt.false_negatives_at_thresholds(p["labels"] > 1, p["probs"], THRESHOLDS,
                                                 weights=p["weights"]),
        "prec_t": mt.precision_at_thresholds(p["labels"] > 1, p["probs"], THRESHOLDS),
        "rec_t": mt.recall_at_thresholds(p["labels"] > 1, p["probs"], THRESHOLDS,
                                         weights=p["weights"]),
        "sens": mt.sensitivity_at_specificity(p["labels"] > 1, p["probs"], 0.7),
        "sens_w": mt.sensitivity_at_specificity(p["labels"] > 1, p["probs"], 0.4,
                                                weights=p["weights"], num_thresholds=50),
        "spec": mt.specificity_at_sensitivity(p["labels"] > 1, p["probs"], 0.6),
        "spec_w": mt.specificity_at_sensitivity(p["labels"] > 1, p["probs"], 0.3,
                                                weights=p["weights"], num_thresholds=20),
        "rec_k": mt.recall_at_k(p["labels"], p["scores"], 2),
        "rec_k_multi": mt.recall_at_k(p["multi"], p["scores"], 3),
        "rec_k_class": mt.recall_at_k(p["multi"], p["scores"], 2, class_id=1,
                                      weights=p["weights"]),
        "prec_k": mt.precision_at_k(p["labels"], p["scores"], 1, weights=p["weights"]),
        "prec_k_multi": mt.precision_at_k(p["multi"], p["scores"], 2),
        "prec_k_class": mt.precision_at_k(p["labels"], p["scores"], 2, class_id=3),
        "sparse_prec_k": mt.sparse_precision_at_k(p["multi"], p["scores"], 3),
        "prec_top_k": mt.precision_at_top_k(p["multi"], m.nn.top_k(p["scores"], 2)[1]),
        "rec_top_k": mt.recall_at_top_k(p["labels"], m.nn.top_k(p["scores"], 3)[1], k=3,
                                        class_id=0),
        "ap_k": mt.average_precision_at_k(p["multi"], p["scores"], 3),
        "ap_k_w": mt.average_precision_at_k(p["labels"], p["scores"], 2, weights=p["weights"]),
        "sparse_ap_k": mt.sparse_average_precision_at_k(p["multi"], p["scores"], 1),
    }
    return ph, out


def _batches(seed):
    rng = np.random.default_rng(seed)
    for n in (6, 9, 4):
        labels = rng.integers(0, NUM_CLASSES, n)
        pred = np.where(rng.uniform(size=n) < 0.5, labels, rng.integers(0, NUM_CLASSES, n))
        unit_l = rng.normal(size=(n, 3))
        unit_p = unit_l + rng.normal(scale=0.7, size=(n, 3))
        # labels per row: some repeated, some -1 (padding) or >= NUM_CLASSES (no class)
        multi = rng.integers(-1, NUM_CLASSES + 1, (n, 3))
        multi[:, 0] = labels           # one valid label per row (else average precision is NaN)
        multi[:, 1] = np.where(rng.uniform(size=n) < 0.3, multi[:, 0], multi[:, 1])
        yield {
            "labels": labels, "pred": pred,
            "probs": rng.uniform(size=n).astype(np.float32),
            "weights": rng.choice([0.0, 0.5, 1.0, 2.0], n).astype(np.float32),
            "values": rng.normal(size=n).astype(np.float32),
            "targets": rng.normal(size=n).astype(np.float32),
            "normalizer": rng.choice([0.0, 0.5, 2.0], n).astype(np.float32),
            "tensor": rng.normal(size=(2, 3)).astype(np.float32),
            "tensor_w": rng.choice([0.0, 1.0, 3.0], (2, 3)).astype(np.float32),
            "unit_l": (unit_l / np.linalg.norm(unit_l, axis=1, keepdims=True)).astype(np.float32),
            "unit_p": (unit_p / np.linalg.norm(unit_p, axis=1, keepdims=True)).astype(np.float32),
            "scores": rng.uniform(size=(n, NUM_CLASSES)).astype(np.float32),
            "multi": multi,
        }


def _normal_name(name):
    # TensorFlow 2's average_precision_at_k makes a "Max" op in its scope before the "max"
    # variable, so its variable is uniquified to "max_1" (names are case-insensitive there);
    # TF 1's, and flowkit's, is ".../max".
    return re.sub(r"/max_1:0$", "/max:0", name)


def _run(m, sess_factory, seed):
    g = m.Graph()
    with g.as_default():
        ph, out = _build(m)
        init = m.local_variables_initializer()
        local = [(_normal_name(v.name), v.dtype.name, v.shape.as_list())
                 for v in m.local_variables()]
        metric_vars = [v.name for v in m.get_collection(m.GraphKeys.METRIC_VARIABLES)]
        dtypes = {k: (out[k][0].dtype.name, out[k][1].dtype.name) for k in out}
    sess = sess_factory(g)
    sess.run(init)
    keys = sorted(out)
    steps = []
    for batch in _batches(seed):
        feed = {ph[k]: v for k, v in batch.items()}
        updates = sess.run([out[k][1] for k in keys], feed)
        values = sess.run([out[k][0] for k in keys])
        steps.append((updates, values))
    sess.run(init)
    after_reset = sess.run([out[k][0] for k in keys])
    return keys, local, metric_vars, dtypes, steps, after_reset


@pytest.mark.tf
@pytest.mark.parametrize("seed", [0, 1])
def test_metrics_match_tf_batch_by_batch(session, tf1, seed):
    keys, local, metric_vars, dtypes, steps, reset = _run(tf, lambda g: session(graph=g), seed)
    _, ref_local, ref_metric_vars, ref_dtypes, ref_steps, ref_reset = _run(
        tf1, lambda g: tf1.Session(graph=g), seed)
    assert local == ref_local
    assert len(metric_vars) == len(ref_metric_vars) == len(local)
    assert dtypes == ref_dtypes
    for (upd, val), (ref_upd, ref_val) in zip(steps, ref_steps):
        for k, got, want in zip(keys, upd + val, ref_upd + ref_val):
            np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                                       rtol=1e-5, atol=1e-6, err_msg=k)
    for k, got, want in zip(keys, reset, ref_reset):
        np.testing.assert_allclose(np.asarray(got, np.float64), np.asarray(want, np.float64),
                                   err_msg=k)


def _feed_run(session, value, update, feeds):
    sess = session()
    sess.run(tf.local_variables_initializer())
    ups = [sess.run(update, f) for f in feeds]
    return ups, sess.run(value)


def test_mean_iou_update_returns_the_confusion_matrix(session):
    labels = tf.placeholder(tf.int32, [None, 2])
    pred = tf.placeholder(tf.int32, [None, 2])
    iou, update = tf.metrics.mean_iou(labels, pred, 3, metrics_collections=["m"],
                                      updates_collections=["u"])
    assert tf.get_collection("m") == [iou] and tf.get_collection("u") == [update]
    ups, value = _feed_run(session, iou, update, [
        {labels: [[0, 1]], pred: [[0, 0]]}, {labels: [[2, 2]], pred: [[2, 1]]}])
    np.testing.assert_array_equal(ups[0], [[1, 0, 0], [1, 0, 0], [0, 0, 0]])
    np.testing.assert_array_equal(ups[1], [[1, 0, 0], [1, 0, 0], [0, 1, 1]])
    # iou: class 0 1/2, class 1 0/2, class 2 1/2
    np.testing.assert_allclose(value, (0.5 + 0.0 + 0.5) / 3, rtol=1e-6)


def test_mean_iou_label_out_of_range_fails_at_run_time(session):
    labels = tf.placeholder(tf.int64, [None])
    _, update = tf.metrics.mean_iou(labels, labels, 2)
    sess = session()
    sess.run(tf.local_variables_initializer())
    with pytest.raises(tf.errors.InvalidArgumentError):
        sess.run(update, {labels: [0, 2]})


def test_per_class_accuracy_update_is_per_class(session):
    labels = tf.placeholder(tf.int64, [None])
    pred = tf.placeholder(tf.int64, [None])
    value, update = tf.metrics.mean_per_class_accuracy(labels, pred, 3)
    ups, v = _feed_run(session, value, update, [{labels: [0, 0, 1], pred: [0, 1, 1]},
                                                {labels: [0], pred: [0]}])
    np.testing.assert_allclose(ups[-1], [2 / 3, 1.0, 0.0], rtol=1e-6)
    np.testing.assert_allclose(v, (2 / 3 + 1.0) / 3, rtol=1e-6)
    names = [x.name for x in tf.local_variables()]
    assert names == ["mean_accuracy/total:0", "mean_accuracy/count:0"]


def test_at_k_sets_count_each_label_once(session):
    labels = tf.placeholder(tf.int64, [None, 3])
    scores = tf.constant([[0.1, 0.9, 0.8, 0.0, 0.2]])     # top 2: classes 1 and 2
    r, r_update = tf.metrics.recall_at_k(labels, scores, 2)
    p, p_update = tf.metrics.precision_at_k(labels, scores, 2)
    sess = session()
    for row, want_r, want_p in (([1, 1, 1], 1.0, 0.5), ([1, -1, -1], 0.5, 0.5),
                                ([1, 7, -1], 1 / 3, 0.5), ([2, 1, 1], 1.0, 1.0)):
        sess.run(tf.local_variables_initializer())
        got = sess.run([r_update, p_update], {labels: [row]})
        np.testing.assert_allclose(got, [want_r, want_p], err_msg=str(row))


def test_at_k_is_nan_before_any_count_and_names_its_variables(session):
    labels = tf.placeholder(tf.int64, [None])
    scores = tf.placeholder(tf.float32, [None, 3])
    p, update = tf.metrics.precision_at_k(labels, scores, 1, class_id=2)
    assert [v.name for v in tf.get_collection(tf.GraphKeys.METRIC_VARIABLES)] == [
        "precision_at_1_class2/true_positive_at_1_class2:0",
        "precision_at_1_class2/false_positive_at_1_class2:0"]
    assert p.dtype == tf.float64
    sess = session()
    sess.run(tf.local_variables_initializer())
    assert np.isnan(sess.run(update, {labels: [0], scores: [[0.9, 0.0, 0.1]]}))
    assert sess.run(update, {labels: [2], scores: [[0.0, 0.1, 0.9]]}) == 1.0


def test_construction_errors():
    x = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match="fully known"):
        tf.metrics.mean_tensor(x)
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        tf.metrics.sensitivity_at_specificity(x, x, 1.5)
    with pytest.raises(ValueError, match=r"range \[0, 1\]"):
        tf.metrics.specificity_at_sensitivity(x, x, -0.1)
    scores = tf.placeholder(tf.float32, [None, 4])
    labels = tf.placeholder(tf.int64, [None])
    with pytest.raises(ValueError, match="Invalid k"):
        tf.metrics.recall_at_k(labels, scores, 0)
    with pytest.raises(ValueError, match="Invalid k"):
        tf.metrics.average_precision_at_k(labels, scores, 0)
    with pytest.raises(ValueError, match="rank"):
        tf.metrics.recall_at_top_k(tf.placeholder(tf.int64, [None, 2, 2, 2]),
                                   tf.placeholder(tf.int64, [None, 2]))
    with pytest.raises(ValueError, match="incompatible"):
        tf.metrics.mean_iou(labels, tf.placeholder(tf.int64, [3, 2]), 3)


def test_thresholds_predictions_outside_0_1_fail_at_run_time(session):
    probs = tf.placeholder(tf.float32, [None])
    _, update = tf.metrics.precision_at_thresholds([1, 0], probs, [0.5])
    sess = session()
    sess.run(tf.local_variables_initializer())
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[0, 1\]"):
        sess.run(update, {probs: [0.5, 1.5]})
