"""``tf.metrics``: streaming metrics, as TF1 computes them.

Each metric returns ``(value, update_op)``. Its running totals are *local variables* (in
``tf.GraphKeys.LOCAL_VARIABLES`` and ``METRIC_VARIABLES``, named ``accuracy/total``,
``accuracy/count``...), set to zero by ``tf.local_variables_initializer()``. Running
``update_op`` on a batch adds the batch to the totals and returns the updated metric;
``value`` reads the metric without changing it.

The package's modules: :mod:`~flowkit.metrics.core` (mean, accuracy, precision, recall, auc,
the confusion counts and the mean errors), :mod:`~flowkit.metrics.more` (mean_tensor,
mean_iou, mean_per_class_accuracy, the relative and cosine errors, percentage_below, the
counts, precision and recall at thresholds, sensitivity_at_specificity and
specificity_at_sensitivity) and :mod:`~flowkit.metrics.at_k` (the ``*_at_k`` metrics of
ranked predictions).

Example:
    >>> import flowkit as tf
    >>> import flowkit.metrics
    >>> labels = tf.placeholder(tf.int64, [None])
    >>> predictions = tf.placeholder(tf.int64, [None])
    >>> acc, acc_update = tf.metrics.accuracy(labels, predictions)
    >>> [v.name for v in tf.local_variables()]
    ['accuracy/total:0', 'accuracy/count:0']
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     _ = sess.run(acc_update, {labels: [1, 2, 3], predictions: [1, 2, 0]})
    ...     _ = sess.run(acc_update, {labels: [4], predictions: [4]})
    ...     print(sess.run(acc))
    0.75
"""
from __future__ import annotations

from flowkit.metrics.at_k import (average_precision_at_k, precision_at_k, precision_at_top_k,
                                  recall_at_k, recall_at_top_k, sparse_average_precision_at_k,
                                  sparse_precision_at_k)
from flowkit.metrics.core import (METRIC_VARIABLES, accuracy, auc, false_negatives,
                                  false_positives, mean, mean_absolute_error,
                                  mean_squared_error, precision, recall,
                                  root_mean_squared_error, true_negatives, true_positives)
from flowkit.metrics.more import (false_negatives_at_thresholds, false_positives_at_thresholds,
                                  mean_cosine_distance, mean_iou, mean_per_class_accuracy,
                                  mean_relative_error, mean_tensor, percentage_below,
                                  precision_at_thresholds, recall_at_thresholds,
                                  sensitivity_at_specificity, specificity_at_sensitivity,
                                  true_negatives_at_thresholds, true_positives_at_thresholds)
from flowkit import renames as _renames

__all__ = ["accuracy", "mean", "precision", "recall", "auc", "true_positives",
           "false_positives", "true_negatives", "false_negatives", "mean_absolute_error",
           "mean_squared_error", "root_mean_squared_error", "METRIC_VARIABLES",
           "mean_tensor", "mean_iou", "mean_per_class_accuracy", "mean_relative_error",
           "mean_cosine_distance", "percentage_below", "true_positives_at_thresholds",
           "false_positives_at_thresholds", "true_negatives_at_thresholds",
           "false_negatives_at_thresholds", "precision_at_thresholds", "recall_at_thresholds",
           "sensitivity_at_specificity", "specificity_at_sensitivity", "recall_at_k",
           "precision_at_k", "precision_at_top_k", "recall_at_top_k", "average_precision_at_k",
           "sparse_precision_at_k", "sparse_average_precision_at_k"]


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.metrics", "metrics", name, __all__ + list(globals()))
