"""More of TF1's streaming metrics: tensors of means, per-class metrics, relative and cosine
errors, and the metrics built on the confusion counts at thresholds.

As in :mod:`flowkit.metrics.core`, each returns ``(value, update_op)`` over zero-initialized
local variables (``LOCAL_VARIABLES`` and ``METRIC_VARIABLES``), named as TF1 names them
(``mean/total_tensor``, ``mean_iou/total_confusion_matrix``, ``mean_accuracy/count``,
``precision_at_thresholds/true_positives``...). Where TF1's ``update_op`` is not the metric
itself, flowkit's is not either: ``mean_iou``'s updates the confusion matrix and returns it,
``mean_per_class_accuracy``'s returns the per-class accuracies.

Example:
    >>> import flowkit as tf
    >>> import flowkit.metrics
    >>> labels = tf.placeholder(tf.int64, [None])
    >>> predictions = tf.placeholder(tf.int64, [None])
    >>> iou, update = tf.metrics.mean_iou(labels, predictions, num_classes=2)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     print(sess.run(update, {labels: [0, 1, 1], predictions: [0, 1, 0]}))
    ...     print(round(float(sess.run(iou)), 4))      # (1/2 + 1/2) / 2
    [[1. 0.]
     [1. 1.]]
    0.5
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import get_default_graph
from flowkit.metrics.core import (_add_to, _confusion_at_thresholds, _div_no_nan, mean,
                                  metric_variable)
from flowkit.ops import array_ops, math_ops, scatter_ops, segment_ops, state_ops
from flowkit.ops.core import convert_to_tensor
from flowkit.ops.linalg_ops import diag_part
from flowkit.variable_scope import variable_scope

__all__ = ["mean_tensor", "mean_iou", "mean_per_class_accuracy", "mean_relative_error",
           "mean_cosine_distance", "percentage_below", "true_positives_at_thresholds",
           "false_positives_at_thresholds", "true_negatives_at_thresholds",
           "false_negatives_at_thresholds", "precision_at_thresholds", "recall_at_thresholds",
           "sensitivity_at_specificity", "specificity_at_sensitivity"]

_KEPSILON = 1e-7


def _squeeze_pair(labels, predictions):
    """TF's ``remove_squeezable_dimensions``: drops a last dimension of size 1 from the one
    of ``labels`` / ``predictions`` whose static rank is one more than the other's."""
    lr, pr = labels.shape.ndims, predictions.shape.ndims
    if lr is not None and pr is not None:
        if lr - pr == 1 and labels.shape.as_list()[-1] in (1, None):
            labels = array_ops.squeeze(labels, [-1])
        elif pr - lr == 1 and predictions.shape.as_list()[-1] in (1, None):
            predictions = array_ops.squeeze(predictions, [-1])
    return labels, predictions


def _prepare(labels, predictions, weights):
    """Tensors; the squeezable dimension removed (TF1's ``_remove_squeezable_dimensions``):
    labels and predictions made the same rank, weights one rank more or less squeezed or
    expanded to the predictions' rank; a ValueError where the shapes cannot match."""
    predictions = convert_to_tensor(predictions)
    if labels is not None:
        labels, predictions = _squeeze_pair(convert_to_tensor(labels), predictions)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {predictions.shape} (predictions) and {labels.shape} "
                             "(labels) are incompatible")
    if weights is None:
        return labels, predictions, None
    weights = convert_to_tensor(weights)
    wr, pr = weights.shape.ndims, predictions.shape.ndims
    if wr and pr is not None:
        if wr - pr == 1:
            weights = array_ops.squeeze(weights, [-1])
        elif pr - wr == 1:
            weights = array_ops.expand_dims(weights, -1)
    return labels, predictions, weights


def _flatten(t):
    return array_ops.reshape(t, [-1]) if t.shape.ndims is None or t.shape.ndims > 1 else t


def mean_tensor(values, weights=None, metrics_collections=None, updates_collections=None,
                name=None):
    """The element-wise (weighted) running mean of ``values``, whose static shape must be
    fully known: variables ``mean/total_tensor`` and ``mean/count_tensor`` of that shape.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.metrics
        >>> x = tf.placeholder(tf.float32, [2])
        >>> m, update = tf.metrics.mean_tensor(x)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     _ = sess.run(update, {x: [1.0, 2.0]})
        ...     print(sess.run(update, {x: [3.0, 6.0]}))
        [2. 4.]
    """
    with variable_scope(name, default_name="mean", values=[values, weights]):
        values = array_ops.cast(convert_to_tensor(values), dtypes.float32)
        if not values.shape.is_fully_defined():
            raise ValueError(f"mean_tensor needs values of a fully known static shape (its "
                             f"variables have that shape), got {values.shape}")
        shape = values.shape.as_list()
        total = metric_variable(shape, dtypes.float32, name="total_tensor")
        count = metric_variable(shape, dtypes.float32, name="count_tensor")
        num_values = array_ops.ones_like(values)
        if weights is not None:
            _, values, weights = _prepare(None, values, weights)
            weights = math_ops.multiply(array_ops.cast(weights, dtypes.float32), num_values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.multiply(num_values, weights)
        update_total = state_ops.assign_add(total, values)
        with get_default_graph().control_dependencies([values]):
            update_count = state_ops.assign_add(count, num_values)
        value = _div_no_nan(total, math_ops.maximum(count, 0.0), name="value")
        update_op = _div_no_nan(update_total, math_ops.maximum(update_count, 0.0),
                                name="update_op")
        _add_to(metrics_collections, value)
        _add_to(updates_collections, update_op)
        return value, update_op


def mean_relative_error(labels, predictions, normalizer, weights=None,
                        metrics_collections=None, updates_collections=None, name=None):
    """The running mean of ``|labels - predictions| / normalizer`` (0 where the normalizer
    is 0), over variables ``mean_relative_error/total`` and ``.../count``."""
    labels, predictions, weights = _prepare(labels, predictions, weights)
    normalizer, predictions = _squeeze_pair(convert_to_tensor(normalizer), predictions)
    if not predictions.shape.is_compatible_with(normalizer.shape):
        raise ValueError(f"Shapes {predictions.shape} (predictions) and {normalizer.shape} "
                         "(normalizer) are incompatible")
    labels = array_ops.cast(labels, dtypes.float32)
    predictions = array_ops.cast(predictions, dtypes.float32)
    normalizer = array_ops.cast(normalizer, dtypes.float32)
    relative = array_ops.where(math_ops.equal(normalizer, 0.0), array_ops.zeros_like(labels),
                               _div_no_nan(math_ops.abs(labels - predictions), normalizer))
    return mean(relative, weights, metrics_collections, updates_collections,
                name or "mean_relative_error")


def mean_cosine_distance(labels, predictions, dim, weights=None, metrics_collections=None,
                         updates_collections=None, name=None):
    """``1 -`` the running mean of ``sum(labels * predictions, axis=dim)`` (the cosine
    distance of unit-normalized vectors); ``weights`` broadcast to that sum (kept as a
    dimension of size 1)."""
    labels, predictions, weights = _prepare(labels, predictions, weights)
    products = math_ops.multiply(array_ops.cast(predictions, dtypes.float32),
                                 array_ops.cast(labels, dtypes.float32))
    radial = math_ops.reduce_sum(products, axis=[dim], keepdims=True)
    mean_distance, update_op = mean(radial, weights, None, None,
                                    name or "mean_cosine_distance")
    value, update_op = math_ops.subtract(1.0, mean_distance), math_ops.subtract(1.0, update_op)
    _add_to(metrics_collections, value)
    _add_to(updates_collections, update_op)
    return value, update_op


def percentage_below(values, threshold, weights=None, metrics_collections=None,
                     updates_collections=None, name=None):
    """The running (weighted) fraction of ``values`` below ``threshold``, over variables
    ``percentage_below_threshold/total`` and ``.../count``."""
    below = array_ops.cast(math_ops.less(values, threshold), dtypes.float32)
    return mean(below, weights, metrics_collections, updates_collections,
                name or "percentage_below_threshold")


def mean_iou(labels, predictions, num_classes, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """The mean intersection-over-union of the classes seen so far (those with a non-zero
    union): ``cm[i, i] / (row_i + col_i - cm[i, i])`` of the running confusion matrix
    ``mean_iou/total_confusion_matrix`` (float64, rows: labels). Labels and predictions of
    any rank are flattened; a value outside ``[0, num_classes)`` is an error when it runs.
    ``update_op`` adds the batch's confusion matrix and returns the matrix, as in TF1."""
    with variable_scope(name, default_name="mean_iou", values=[predictions, labels, weights]):
        labels, predictions = convert_to_tensor(labels), convert_to_tensor(predictions)
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {predictions.shape} (predictions) and {labels.shape} "
                             "(labels) are incompatible")
        total_cm = metric_variable([num_classes, num_classes], dtypes.float64,
                                   name="total_confusion_matrix")
        predictions = _flatten(array_ops.cast(predictions, dtypes.int64))
        labels = _flatten(array_ops.cast(labels, dtypes.int64))
        if weights is not None:
            weights = _flatten(convert_to_tensor(weights))
        current = segment_ops.confusion_matrix(labels, predictions, num_classes,
                                               weights=weights, dtype=dtypes.float64)
        update_op = state_ops.assign_add(total_cm, current)

        cm = array_ops.identity(total_cm)
        rows = array_ops.cast(math_ops.reduce_sum(cm, 0), dtypes.float32)
        cols = array_ops.cast(math_ops.reduce_sum(cm, 1), dtypes.float32)
        diag = array_ops.cast(diag_part(cm), dtypes.float32)
        denominator = rows + cols - diag
        num_valid = math_ops.reduce_sum(array_ops.cast(math_ops.not_equal(denominator, 0.0),
                                                       dtypes.float32))
        denominator = array_ops.where(math_ops.greater(denominator, 0.0), denominator,
                                      array_ops.ones_like(denominator))
        iou = math_ops.divide(diag, denominator)
        value = array_ops.where(math_ops.greater(num_valid, 0.0),
                                _div_no_nan(math_ops.reduce_sum(iou), num_valid),
                                array_ops.zeros_like(num_valid), name="value")
        _add_to(metrics_collections, value)
        _add_to(updates_collections, update_op)
        return value, update_op


def mean_per_class_accuracy(labels, predictions, num_classes, weights=None,
                            metrics_collections=None, updates_collections=None, name=None):
    """The mean over the ``num_classes`` classes of each class's (weighted) accuracy,
    ``correct / seen`` (0 for a class not seen yet): variables ``mean_accuracy/total``
    (examples seen per label) and ``mean_accuracy/count`` (correct ones). Inputs of rank
    above 1 are flattened. ``update_op`` returns the per-class accuracies, as in TF1."""
    with variable_scope(name, default_name="mean_accuracy",
                        values=[predictions, labels, weights]):
        labels = _flatten(array_ops.cast(labels, dtypes.int64))
        predictions = _flatten(convert_to_tensor(predictions))
        if not predictions.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {predictions.shape} (predictions) and {labels.shape} "
                             "(labels) are incompatible")
        total = metric_variable([num_classes], dtypes.float32, name="total")
        count = metric_variable([num_classes], dtypes.float32, name="count")
        ones = array_ops.ones_like(labels, dtype=dtypes.float32)
        if predictions.dtype is not labels.dtype:
            predictions = array_ops.cast(predictions, labels.dtype)
        is_correct = array_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
        if weights is not None:
            weights = array_ops.cast(_flatten(convert_to_tensor(weights)), dtypes.float32)
            is_correct = math_ops.multiply(is_correct, weights)
            ones = math_ops.multiply(ones, weights)
        update_total = scatter_ops.scatter_add(total, labels, ones)
        update_count = scatter_ops.scatter_add(count, labels, is_correct)
        per_class = _div_no_nan(count, math_ops.maximum(total, 0.0))
        value = math_ops.reduce_mean(per_class, name="mean_accuracy")
        update_op = _div_no_nan(update_count, math_ops.maximum(update_total, 0.0),
                                name="update_op")
        _add_to(metrics_collections, value)
        _add_to(updates_collections, update_op)
        return value, update_op


def _count_at_thresholds(key, default_name):
    var_name = {"tp": "true_positives", "fp": "false_positives", "tn": "true_negatives",
                "fn": "false_negatives"}[key]

    def metric(labels, predictions, thresholds, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        with variable_scope(name, default_name=default_name,
                            values=[predictions, labels, weights]):
            labels, predictions, weights = _prepare(labels, predictions, weights)
            values, updates = _confusion_at_thresholds(labels, predictions, thresholds,
                                                       weights, includes=(key,))
            _add_to(metrics_collections, values[key])
            _add_to(updates_collections, updates[key])
            return values[key], updates[key]
    metric.__name__ = metric.__qualname__ = f"{var_name}_at_thresholds"
    metric.__doc__ = (f"The (weighted) number of {var_name.replace('_', ' ')} for each of the "
                      f"``thresholds`` (a prediction above a threshold is positive): a float32 "
                      f"variable ``{default_name}/{var_name}`` of shape ``[len(thresholds)]``. "
                      "Predictions must be in [0, 1] (an InvalidArgumentError at run time "
                      "otherwise).")
    return metric


true_positives_at_thresholds = _count_at_thresholds("tp", "true_positives")
false_positives_at_thresholds = _count_at_thresholds("fp", "false_positives")
true_negatives_at_thresholds = _count_at_thresholds("tn", "true_negatives")
false_negatives_at_thresholds = _count_at_thresholds("fn", "false_negatives")


def _ratio_at_thresholds(kind, other, labels, predictions, thresholds, weights,
                         metrics_collections, updates_collections, name):
    with variable_scope(name, default_name=f"{kind}_at_thresholds",
                        values=[predictions, labels, weights]):
        labels, predictions, weights = _prepare(labels, predictions, weights)
        values, updates = _confusion_at_thresholds(labels, predictions, thresholds, weights,
                                                   includes=("tp", other))

        def ratio(tp, o, suffix):
            return math_ops.divide(tp, _KEPSILON + tp + o, name=f"{kind}_{suffix}")
        value = ratio(values["tp"], values[other], "value")
        update_op = ratio(updates["tp"], updates[other], "update_op")
        _add_to(metrics_collections, value)
        _add_to(updates_collections, update_op)
        return value, update_op


def precision_at_thresholds(labels, predictions, thresholds, weights=None,
                            metrics_collections=None, updates_collections=None, name=None):
    """The precision ``tp / (tp + fp + 1e-7)`` at each of the ``thresholds``, over variables
    ``precision_at_thresholds/true_positives`` and ``.../false_positives``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.metrics
        >>> p, update = tf.metrics.precision_at_thresholds([1, 0, 1], [0.9, 0.6, 0.3],
        ...                                                thresholds=[0.5, 0.8])
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print(sess.run(update).round(4))
        [0.5 1. ]
    """
    return _ratio_at_thresholds("precision", "fp", labels, predictions, thresholds, weights,
                                metrics_collections, updates_collections, name)


def recall_at_thresholds(labels, predictions, thresholds, weights=None,
                         metrics_collections=None, updates_collections=None, name=None):
    """The recall ``tp / (tp + fn + 1e-7)`` at each of the ``thresholds``, over variables
    ``recall_at_thresholds/true_positives`` and ``.../false_negatives``."""
    return _ratio_at_thresholds("recall", "fn", labels, predictions, thresholds, weights,
                                metrics_collections, updates_collections, name)


def _thresholds(num_thresholds, top):
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return [0.0 - _KEPSILON] + inner + [top]


def _pick(target, rates, other_num, other_den, last_tie, name):
    """``other_num / (other_num + other_den + eps)`` at the threshold whose ``rates`` are
    closest to ``target`` (the first such threshold, or the last with ``last_tie``)."""
    gap = math_ops.abs(rates - target)
    if last_tie:
        at_min = array_ops.cast(math_ops.equal(gap, math_ops.reduce_min(gap)), dtypes.int64)
        index = math_ops.argmax(math_ops.cumsum(at_min), 0)
    else:
        index = math_ops.argmin(gap, 0)
    index = array_ops.cast(index, dtypes.int32)
    num = array_ops.gather(other_num, index)
    return math_ops.divide(num, num + array_ops.gather(other_den, index) + _KEPSILON,
                           name=name)


def _rate_at_rate(kind, target, labels, predictions, weights, num_thresholds,
                  metrics_collections, updates_collections, name):
    given = "specificity" if kind == "sensitivity" else "sensitivity"
    if target < 0 or target > 1:
        raise ValueError(f"`{given}` must be in the range [0, 1]. Currently, `{given}` is "
                         f"{target}.")
    with variable_scope(name, default_name=f"{kind}_at_{given}",
                        values=[predictions, labels, weights]):
        labels, predictions, weights = _prepare(labels, predictions, weights)
        top = 1.0 + _KEPSILON if kind == "sensitivity" else 1.0 - _KEPSILON
        values, updates = _confusion_at_thresholds(labels, predictions,
                                                   _thresholds(num_thresholds, top), weights)

        def compute(c, suffix):
            if kind == "sensitivity":
                rates = math_ops.divide(c["tn"], c["tn"] + c["fp"] + _KEPSILON)
                return _pick(target, rates, c["tp"], c["fn"], False, suffix)
            rates = math_ops.divide(c["tp"], c["tp"] + c["fn"] + _KEPSILON)
            return _pick(target, rates, c["tn"], c["fp"], True, suffix)
        value = compute(values, "value")
        update_op = compute(updates, "update_op")
        _add_to(metrics_collections, value)
        _add_to(updates_collections, update_op)
        return value, update_op


def sensitivity_at_specificity(labels, predictions, specificity, weights=None,
                               num_thresholds=200, metrics_collections=None,
                               updates_collections=None, name=None):
    """The sensitivity (recall) at the threshold, of ``num_thresholds`` evenly spaced in
    [0, 1], whose specificity ``tn / (tn + fp)`` is closest to ``specificity`` (the first
    such). Variables: the four confusion counts at thresholds, as in :func:`auc`."""
    return _rate_at_rate("sensitivity", specificity, labels, predictions, weights,
                         num_thresholds, metrics_collections, updates_collections, name)


def specificity_at_sensitivity(labels, predictions, sensitivity, weights=None,
                               num_thresholds=200, metrics_collections=None,
                               updates_collections=None, name=None):
    """The specificity at the threshold whose sensitivity ``tp / (tp + fn)`` is closest to
    ``sensitivity`` (the last such, as TF1 picks it); the thresholds are TF1's:
    ``-1e-7``, ``i / (num_thresholds - 1)`` and ``1 - 1e-7``."""
    return _rate_at_rate("specificity", sensitivity, labels, predictions, weights,
                         num_thresholds, metrics_collections, updates_collections, name)

