"""TF1's ``*_at_k`` metrics: precision, recall and average precision of ranked predictions.

``predictions`` are scores ``[D1, ..., DN, num_classes]`` (their top ``k`` classes are the
predicted ones, by ``tf.nn.top_k``), or for the ``*_at_top_k`` functions the predicted class
ids themselves ``[D1, ..., DN, k]``. ``labels`` are int64 class ids ``[D1, ..., DN,
num_labels]``, or ``[D1, ..., DN]`` for one label per row. Each row's labels and predictions
are compared as *sets* (duplicates count once), as TF1 does with its set operations; TF1 also
takes its labels as a ``SparseTensor``, which flowkit leaves out (pad dense labels with a
value that is no class, e.g. -1: it counts as a label nobody predicts, as it does in TF1).

With ``class_id``, only that class counts: a row is a true positive when the class is among
both its labels and its predictions, a false positive when only predicted, a false negative
when only a label. The counts are float64 local variables named as TF1 names them
(``precision_at_2/true_positive_at_2``, ``recall_at_1_class3/false_negative_at_1_class3``),
and precision and recall are plain divisions: NaN while nothing was counted, as in TF1.

Example:
    >>> import flowkit as tf
    >>> import flowkit.metrics
    >>> labels = tf.constant([[2], [0]], tf.int64)
    >>> scores = tf.constant([[0.1, 0.3, 0.6], [0.2, 0.7, 0.1]])
    >>> p, update = tf.metrics.precision_at_k(labels, scores, k=2)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.local_variables_initializer())
    ...     print(sess.run(update))           # 2 hits among 4 predictions
    0.5
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import name_scope
from flowkit.metrics.core import _add_to, _div_no_nan, metric_variable
from flowkit.ops import array_ops, math_ops, segment_ops, state_ops
from flowkit.ops.core import convert_to_tensor

__all__ = ["recall_at_k", "precision_at_k", "precision_at_top_k", "recall_at_top_k",
           "average_precision_at_k", "sparse_precision_at_k", "sparse_average_precision_at_k"]


def _at_k_name(name, k=None, class_id=None):
    name = f"{name}_at_{'k' if k is None else k}"
    return name if class_id is None else f"{name}_class{class_id}"


def _expand_labels(labels, predictions_idx):
    """``labels`` with the rank of ``predictions_idx`` (one label per row: a last dimension
    of size 1 is added)."""
    labels = convert_to_tensor(labels)
    lr, pr = labels.shape.ndims, predictions_idx.shape.ndims
    if lr is None or pr is None:
        raise ValueError("The *_at_k metrics need labels and predictions of known rank, got "
                         f"{labels.shape} (labels) and {predictions_idx.shape} (predictions)")
    if pr == lr + 1:
        return array_ops.expand_dims(labels, -1)
    if pr != lr:
        raise ValueError(f"Unexpected labels shape {labels.shape} for predictions shape "
                         f"{predictions_idx.shape}. Predictions rank should be the same rank "
                         "as labels rank or labels rank plus one.")
    return labels


def _firsts(ids):
    """Bool ``[..., n]``: whether each id is the first of its value in its row (the row's
    set is the ids marked True)."""
    same = math_ops.equal(array_ops.expand_dims(ids, -1), array_ops.expand_dims(ids, -2))
    r = array_ops.range(array_ops.shape(ids)[-1])
    earlier = math_ops.less(array_ops.expand_dims(r, 0), array_ops.expand_dims(r, 1))
    return math_ops.logical_not(math_ops.reduce_any(math_ops.logical_and(same, earlier), -1))


def _set_counts(labels, predictions_idx, class_id):
    """Per row, float64 ``(|L & P|, |L - P|, |P - L|)`` of the label set ``L`` and the
    prediction set ``P`` (both reduced to ``{class_id}`` or nothing when it is given)."""
    labels = array_ops.cast(labels, dtypes.int64)
    predictions_idx = array_ops.cast(predictions_idx, dtypes.int64)
    if class_id is not None:
        in_l = math_ops.reduce_any(math_ops.equal(labels, class_id), -1)
        in_p = math_ops.reduce_any(math_ops.equal(predictions_idx, class_id), -1)
        both = math_ops.logical_and(in_l, in_p)
        f64 = [array_ops.cast(b, dtypes.float64) for b in (
            both, math_ops.logical_and(in_l, math_ops.logical_not(in_p)),
            math_ops.logical_and(in_p, math_ops.logical_not(in_l)))]
        return tuple(f64)
    first_l = array_ops.cast(_firsts(labels), dtypes.float64)
    first_p = array_ops.cast(_firsts(predictions_idx), dtypes.float64)
    l_in_p = math_ops.reduce_any(math_ops.equal(array_ops.expand_dims(labels, -1),
                                                array_ops.expand_dims(predictions_idx, -2)),
                                 -1)
    inter = math_ops.reduce_sum(first_l * array_ops.cast(l_in_p, dtypes.float64), -1)
    size_l, size_p = math_ops.reduce_sum(first_l, -1), math_ops.reduce_sum(first_p, -1)
    return inter, size_l - inter, size_p - inter


def _streaming_count(counts, weights, kind, k, class_id):
    """A float64 variable ``<kind>_at_<k>[_class<id>]`` (in the current name scope) summing
    the (weighted) per-row ``counts``; returns ``(variable, update)``."""
    with name_scope(None, _at_k_name(kind, k, class_id)) as scope:
        if weights is not None:
            counts = math_ops.multiply(counts, array_ops.cast(weights, dtypes.float64))
        batch_total = math_ops.reduce_sum(counts)
        var = metric_variable([], dtypes.float64, name=scope)
        return var, state_ops.assign_add(var, batch_total, name="update")


def _ratio_at_top_k(kind, labels, predictions_idx, k, class_id, weights,
                    metrics_collections, updates_collections, name):
    other = "false_positive" if kind == "precision" else "false_negative"
    with name_scope(name, _at_k_name(kind, k, class_id),
                    [predictions_idx, labels, weights]) as scope:
        predictions_idx = convert_to_tensor(predictions_idx)
        labels = _expand_labels(labels, predictions_idx)
        tp_row, fn_row, fp_row = _set_counts(labels, predictions_idx, class_id)
        if weights is not None:
            weights = convert_to_tensor(weights)
        tp, tp_update = _streaming_count(tp_row, weights, "true_positive", k, class_id)
        o, o_update = _streaming_count(fp_row if kind == "precision" else fn_row, weights,
                                       other, k, class_id)
        value = math_ops.divide(tp, math_ops.add(tp, o), name=scope)
        update = math_ops.divide(tp_update, math_ops.add(tp_update, o_update), name="update")
        _add_to(metrics_collections, value)
        _add_to(updates_collections, update)
        return value, update


def precision_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None,
                       metrics_collections=None, updates_collections=None, name=None):
    """Running precision of the predicted class ids ``predictions_idx`` ``[..., k]``: true
    positives over true plus false positives (see the module docstring), float64."""
    return _ratio_at_top_k("precision", labels, predictions_idx, k, class_id, weights,
                           metrics_collections, updates_collections, name)


def recall_at_top_k(labels, predictions_idx, k=None, class_id=None, weights=None,
                    metrics_collections=None, updates_collections=None, name=None):
    """Running recall of the predicted class ids ``predictions_idx`` ``[..., k]``: true
    positives over true positives plus false negatives (labels not predicted), float64.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.metrics
        >>> r, update = tf.metrics.recall_at_top_k(tf.constant([[1, 3]], tf.int64),
        ...                                        tf.constant([[3, 0]], tf.int64))
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print(sess.run(update))
        0.5
    """
    return _ratio_at_top_k("recall", labels, predictions_idx, k, class_id, weights,
                           metrics_collections, updates_collections, name)


def _top_k_idx(predictions, k):
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"Invalid k={k}. `k` should be an int >= 1.")
    return segment_ops.top_k(convert_to_tensor(predictions), k)[1]


def precision_at_k(labels, predictions, k, class_id=None, weights=None,
                   metrics_collections=None, updates_collections=None, name=None):
    """Running precision of the top ``k`` classes of the scores ``predictions``
    (:func:`precision_at_top_k` of ``tf.nn.top_k(predictions, k)``'s indices)."""
    with name_scope(name, _at_k_name("precision", k, class_id),
                    [predictions, labels, weights]) as scope:
        return precision_at_top_k(labels, _top_k_idx(predictions, k), k, class_id, weights,
                                  metrics_collections, updates_collections, scope)


def recall_at_k(labels, predictions, k, class_id=None, weights=None, metrics_collections=None,
                updates_collections=None, name=None):
    """Running recall of the top ``k`` classes of the scores ``predictions``
    (:func:`recall_at_top_k` of ``tf.nn.top_k(predictions, k)``'s indices)."""
    with name_scope(name, _at_k_name("recall", k, class_id),
                    [predictions, labels, weights]) as scope:
        return recall_at_top_k(labels, _top_k_idx(predictions, k), k, class_id, weights,
                               metrics_collections, updates_collections, scope)


def sparse_precision_at_k(labels, predictions, k, class_id=None, weights=None,
                          metrics_collections=None, updates_collections=None, name=None):
    """TF1's older name of :func:`precision_at_k`."""
    return precision_at_k(labels, predictions, k, class_id, weights, metrics_collections,
                          updates_collections, name)


def _average_precision(labels, predictions_idx, k):
    """Per row, float64: the sum of the precisions at the ranks ``i <= k`` whose predicted
    class is a label, over the number of relevant labels ``min(#labels >= 0, k)``."""
    with name_scope(None, "average_precision"):
        predictions_idx = array_ops.cast(predictions_idx, dtypes.int64)
        labels = array_ops.cast(_expand_labels(labels, predictions_idx), dtypes.int64)
        relevant = array_ops.cast(math_ops.reduce_any(math_ops.equal(
            array_ops.expand_dims(predictions_idx, -1), array_ops.expand_dims(labels, -2)), -1),
            dtypes.float64)
        hits = math_ops.cumsum(relevant, axis=-1)
        ranks = math_ops.cumsum(array_ops.ones_like(relevant), axis=-1)
        precision_sum = math_ops.reduce_sum(math_ops.divide(hits, ranks) * relevant, -1)
        num_labels = math_ops.reduce_sum(array_ops.cast(math_ops.greater_equal(labels, 0),
                                                        dtypes.float64), -1)
        return math_ops.divide(precision_sum, math_ops.minimum(num_labels, float(k)))


def average_precision_at_k(labels, predictions, k, weights=None, metrics_collections=None,
                           updates_collections=None, name=None):
    """The running mean over rows of the average precision at ``k`` of the scores
    ``predictions``: per row, the mean of the precisions at the ranks ``1..k`` where the
    predicted class is a label, counted over ``min(number of labels, k)`` (labels below 0
    or not below ``num_classes`` are not counted). Weighted rows count ``weight`` times.
    Variables ``average_precision_at_<k>/max`` (the weight seen) and ``.../total``,
    float64; 0 before any row.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.metrics
        >>> labels = tf.constant([[0, 2]], tf.int64)
        >>> scores = tf.constant([[0.5, 0.4, 0.1]])   # ranked: 0 (hit), 1, 2 (hit)
        >>> ap, update = tf.metrics.average_precision_at_k(labels, scores, k=3)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print(round(float(sess.run(update)), 4))   # (1/1 + 2/3) / 2
        0.8333
    """
    if not isinstance(k, int) or k < 1:
        raise ValueError(f"Invalid k={k}. `k` should be an int >= 1.")
    with name_scope(name, _at_k_name("average_precision", k),
                    [predictions, labels, weights]) as scope:
        predictions = convert_to_tensor(predictions)
        predictions_idx = _top_k_idx(predictions, k)
        labels = array_ops.cast(convert_to_tensor(labels), dtypes.int64)
        num_classes = array_ops.cast(array_ops.shape(predictions)[-1], dtypes.int64)
        labels = array_ops.where(math_ops.greater_equal(labels, num_classes),
                                 -array_ops.ones_like(labels), labels)
        ap = _average_precision(labels, predictions_idx, k)
        if weights is not None:
            weights = math_ops.multiply(array_ops.cast(weights, dtypes.float64),
                                        array_ops.ones_like(ap))
            ap = math_ops.multiply(ap, weights)
        with name_scope(None, "max") as max_scope:
            max_var = metric_variable([], dtypes.float64, name=max_scope)
            batch_max = array_ops.cast(array_ops.size(ap), dtypes.float64) if weights is None \
                else math_ops.reduce_sum(weights)
            max_update = state_ops.assign_add(max_var, batch_max, name="update")
        with name_scope(None, "total") as total_scope:
            total_var = metric_variable([], dtypes.float64, name=total_scope)
            total_update = state_ops.assign_add(total_var, math_ops.reduce_sum(ap),
                                                name="update")
        value = _div_no_nan(total_var, max_var, name="mean")
        update = _div_no_nan(total_update, max_update, name=scope)
        _add_to(metrics_collections, value)
        _add_to(updates_collections, update)
        return value, update


def sparse_average_precision_at_k(labels, predictions, k, weights=None,
                                  metrics_collections=None, updates_collections=None,
                                  name=None):
    """TF1's older name of :func:`average_precision_at_k`."""
    return average_precision_at_k(labels, predictions, k, weights, metrics_collections,
                                  updates_collections, name)
