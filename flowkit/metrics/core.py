"""The basic streaming metrics (``mean``, ``accuracy``, the confusion counts, ``precision``,
``recall``, ``auc``, the mean errors) and the helpers the other metric modules share:
:func:`metric_variable`, the weights and shape helpers, and the confusion counts at
thresholds."""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import GraphKeys, get_default_graph
from flowkit.ops import array_ops, control_flow_ops, math_ops, state_ops
from flowkit.ops.core import constant, convert_to_tensor
from flowkit.variable_scope import variable_scope
from flowkit.variables import Variable

__all__ = ["accuracy", "mean", "precision", "recall", "auc", "true_positives",
           "false_positives", "true_negatives", "false_negatives", "mean_absolute_error",
           "mean_squared_error", "root_mean_squared_error", "METRIC_VARIABLES"]

#: The collection of metric variables (TF1's ``tf.GraphKeys.METRIC_VARIABLES``).
METRIC_VARIABLES = getattr(GraphKeys, "METRIC_VARIABLES", "metric_variables")


def metric_variable(shape, dtype, validate_shape=True, name=None):
    """A zero-initialized local variable that holds a running total."""
    return Variable(lambda: array_ops.zeros(shape, dtype), trainable=False,
                    collections=[GraphKeys.LOCAL_VARIABLES, METRIC_VARIABLES],
                    validate_shape=validate_shape, name=name)


def _div_no_nan(x, y, name=None):
    zero = math_ops.equal(y, 0.0)
    safe = array_ops.where(zero, array_ops.ones_like(y), y)
    return array_ops.where(zero, array_ops.zeros_like(x), math_ops.divide(x, safe), name=name)


def _add_to(collections, value):
    for c in collections or ():
        get_default_graph().add_to_collection(c, value)


def _weights_like(weights, values):
    """``weights`` as float32, broadcast to the shape of ``values``."""
    weights = array_ops.cast(weights, dtypes.float32)
    return math_ops.multiply(weights, array_ops.ones_like(values))


def _check_same_shape(labels, predictions):
    if not predictions.shape.is_compatible_with(labels.shape):
        raise ValueError(f"Shapes {predictions.shape} (predictions) and {labels.shape} (labels)"
                         " are incompatible")


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of all the ``values`` seen: ``total / count``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.metrics
        >>> x = tf.placeholder(tf.float32, [None])
        >>> m, update = tf.metrics.mean(x)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print(sess.run(update, {x: [1.0, 2.0]}), sess.run(update, {x: [6.0]}))
        1.5 3.0
    """
    with variable_scope(name, default_name="mean", values=[values]):
        values = array_ops.cast(values, dtypes.float32)
        total = metric_variable([], dtypes.float32, name="total")
        count = metric_variable([], dtypes.float32, name="count")
        if weights is None:
            num_values = array_ops.cast(array_ops.size(values), dtypes.float32)
        else:
            weights = _weights_like(weights, values)
            values = math_ops.multiply(values, weights)
            num_values = math_ops.reduce_sum(weights)
        update_total = state_ops.assign_add(total, math_ops.reduce_sum(values))
        with get_default_graph().control_dependencies([values]):
            update_count = state_ops.assign_add(count, num_values)
        mean_t = _div_no_nan(total, math_ops.maximum(count, 0.0), name="value")
        update_op = _div_no_nan(update_total, math_ops.maximum(update_count, 0.0),
                                name="update_op")
        _add_to(metrics_collections, mean_t)
        _add_to(updates_collections, update_op)
        return mean_t, update_op


def accuracy(labels, predictions, weights=None, metrics_collections=None,
             updates_collections=None, name=None):
    """How often ``predictions`` equals ``labels`` (weighted): the :func:`mean` of
    ``equal(predictions, labels)``, with variables ``accuracy/total`` and
    ``accuracy/count``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.metrics
        >>> acc, update = tf.metrics.accuracy([1, 0, 1], [1, 1, 1])
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print(round(float(sess.run(update)), 4))
        0.6667
    """
    labels = convert_to_tensor(labels)
    predictions = convert_to_tensor(predictions)
    _check_same_shape(labels, predictions)
    if predictions.dtype is not labels.dtype:
        predictions = array_ops.cast(predictions, labels.dtype)
    is_correct = array_ops.cast(math_ops.equal(predictions, labels), dtypes.float32)
    return mean(is_correct, weights, metrics_collections, updates_collections,
                name or "accuracy")


def _count_condition(values, weights=None, metrics_collections=None,
                     updates_collections=None):
    count = metric_variable([], dtypes.float32, name="count")
    values = array_ops.cast(values, dtypes.float32)
    if weights is not None:
        values = math_ops.multiply(values, array_ops.cast(weights, dtypes.float32))
    value = array_ops.identity(count)
    update_op = state_ops.assign_add(count, math_ops.reduce_sum(values))
    _add_to(metrics_collections, value)
    _add_to(updates_collections, update_op)
    return value, update_op


def _confusion_count(kind, label_value, pred_value):
    def metric(labels, predictions, weights=None, metrics_collections=None,
               updates_collections=None, name=None):
        with variable_scope(name, default_name=kind, values=[predictions, labels]):
            labels = array_ops.cast(labels, dtypes.bool)
            predictions = array_ops.cast(predictions, dtypes.bool)
            _check_same_shape(labels, predictions)
            is_kind = math_ops.logical_and(math_ops.equal(labels, label_value),
                                           math_ops.equal(predictions, pred_value))
            return _count_condition(is_kind, weights, metrics_collections,
                                    updates_collections)
    metric.__name__ = metric.__qualname__ = kind
    metric.__doc__ = (f"The (weighted) number of {kind.replace('_', ' ')} (labels "
                      f"{label_value}, predictions {pred_value}); a variable ``{kind}/count``.")
    return metric


true_positives = _confusion_count("true_positives", True, True)
false_positives = _confusion_count("false_positives", False, True)
true_negatives = _confusion_count("true_negatives", False, False)
false_negatives = _confusion_count("false_negatives", True, False)


def _ratio_metric(kind, other_fn, labels, predictions, weights, metrics_collections,
                  updates_collections, name):
    with variable_scope(name, default_name=kind, values=[predictions, labels]):
        labels = array_ops.cast(labels, dtypes.bool)
        predictions = array_ops.cast(predictions, dtypes.bool)
        tp, tp_update = true_positives(labels, predictions, weights)
        other, other_update = other_fn(labels, predictions, weights)

        def ratio(t, o, name):
            return array_ops.where(math_ops.greater(t + o, 0.0), math_ops.divide(t, t + o),
                                   constant(0.0), name=name)
        value = ratio(tp, other, "value")
        update_op = ratio(tp_update, other_update, "update_op")
        _add_to(metrics_collections, value)
        _add_to(updates_collections, update_op)
        return value, update_op


def precision(labels, predictions, weights=None, metrics_collections=None,
              updates_collections=None, name=None):
    """``true_positives / (true_positives + false_positives)`` of bool-cast labels and
    predictions (0 while there are none).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.metrics
        >>> p, update = tf.metrics.precision([1, 0, 1, 0], [1, 1, 1, 0])
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print(round(float(sess.run(update)), 4))
        0.6667
    """
    return _ratio_metric("precision", false_positives, labels, predictions, weights,
                         metrics_collections, updates_collections, name)


def recall(labels, predictions, weights=None, metrics_collections=None,
           updates_collections=None, name=None):
    """``true_positives / (true_positives + false_negatives)`` of bool-cast labels and
    predictions (0 while there are none)."""
    return _ratio_metric("recall", false_negatives, labels, predictions, weights,
                         metrics_collections, updates_collections, name)


def _confusion_at_thresholds(labels, predictions, thresholds, weights,
                             includes=("tp", "fn", "tn", "fp")):
    """The counts (``tp``, ``fn``, ``tn``, ``fp``, those in ``includes``) of the predictions
    above each threshold: ``({key: value}, {key: update_op})`` over ``[len(thresholds)]``
    float32 variables named ``true_positives``, ``false_negatives``..."""
    predictions = array_ops.cast(predictions, dtypes.float32)
    in_range = math_ops.logical_and(math_ops.reduce_all(math_ops.greater_equal(predictions, 0.0)),
                                    math_ops.reduce_all(math_ops.less_equal(predictions, 1.0)))
    check = control_flow_ops.Assert(in_range, ["predictions must be in [0, 1]", predictions])
    with get_default_graph().control_dependencies([check]):
        predictions = array_ops.identity(predictions)
    n = len(thresholds)
    preds_2d = array_ops.reshape(predictions, [-1, 1])
    labels_2d = array_ops.reshape(array_ops.cast(labels, dtypes.bool), [1, -1])
    num = array_ops.shape(preds_2d)[0]
    thresh_tiled = array_ops.tile(array_ops.expand_dims(constant(thresholds, dtypes.float32), 1),
                                  array_ops.stack([1, num]))
    preds_tiled = array_ops.tile(array_ops.transpose(preds_2d), [n, 1])
    pred_pos = math_ops.greater(preds_tiled, thresh_tiled)
    pred_neg = math_ops.logical_not(pred_pos)
    label_pos = array_ops.tile(labels_2d, [n, 1])
    label_neg = math_ops.logical_not(label_pos)
    weights_tiled = None
    if weights is not None:
        w = _weights_like(weights, predictions)
        weights_tiled = array_ops.tile(array_ops.reshape(w, [1, -1]), [n, 1])
    values, updates = {}, {}
    for key, var_name, a, b in (("tp", "true_positives", label_pos, pred_pos),
                                ("fn", "false_negatives", label_pos, pred_neg),
                                ("tn", "true_negatives", label_neg, pred_neg),
                                ("fp", "false_positives", label_neg, pred_pos)):
        if key not in includes:
            continue
        var = metric_variable([n], dtypes.float32, name=var_name)
        hits = array_ops.cast(math_ops.logical_and(a, b), dtypes.float32)
        if weights_tiled is not None:
            hits = hits * weights_tiled
        updates[key] = state_ops.assign_add(var, math_ops.reduce_sum(hits, 1))
        values[key] = array_ops.identity(var)
    return values, updates


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None,
        updates_collections=None, curve="ROC", name=None, summation_method="trapezoidal",
        thresholds=None):
    """The area under the ROC (or ``curve='PR'``) curve, from counts at ``num_thresholds``
    thresholds, summed as ``summation_method`` says (``'trapezoidal'``, ``'minoring'``,
    ``'majoring'``). ``predictions`` are probabilities in [0, 1] (an InvalidArgumentError at
    run time otherwise).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.metrics
        >>> area, update = tf.metrics.auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print(round(float(sess.run(update)), 2))
        0.75
    """
    if curve not in ("ROC", "PR"):
        raise ValueError(f"curve must be either ROC or PR, {curve} unknown")
    if summation_method not in ("trapezoidal", "minoring", "majoring"):
        raise ValueError(f"Invalid summation_method: {summation_method!r} (flowkit supports "
                         "'trapezoidal', 'minoring', 'majoring')")
    with variable_scope(name, default_name="auc", values=[labels, predictions]):
        eps = 1e-7
        if thresholds is not None:
            thresholds = [0.0 - eps] + sorted(float(t) for t in thresholds) + [1.0 + eps]
            num_thresholds = len(thresholds)
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            thresholds = [0.0 - eps] + inner + [1.0 + eps]
        values, updates = _confusion_at_thresholds(labels, predictions, thresholds, weights)
        n = num_thresholds
        epsilon = 1.0e-6

        def compute(tp, fn, tn, fp, name):
            rec = math_ops.divide(tp + epsilon, tp + fn + epsilon)
            if curve == "ROC":
                x, y = math_ops.divide(fp, fp + tn + epsilon), rec
            else:
                x, y = rec, math_ops.divide(tp + epsilon, tp + fp + epsilon)
            y0, y1 = y[:n - 1], y[1:]
            height = {"trapezoidal": lambda: (y0 + y1) / 2.0,
                      "minoring": lambda: math_ops.minimum(y0, y1),
                      "majoring": lambda: math_ops.maximum(y0, y1)}[summation_method]()
            return math_ops.reduce_sum(math_ops.multiply(x[:n - 1] - x[1:], height), name=name)
        value = compute(values["tp"], values["fn"], values["tn"], values["fp"], "value")
        update_op = compute(updates["tp"], updates["fn"], updates["tn"], updates["fp"],
                            "update_op")
        _add_to(metrics_collections, value)
        _add_to(updates_collections, update_op)
        return value, update_op


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None,
                        updates_collections=None, name=None):
    """The running mean of ``|predictions - labels|``."""
    labels, predictions = convert_to_tensor(labels), convert_to_tensor(predictions)
    _check_same_shape(labels, predictions)
    err = math_ops.abs(array_ops.cast(predictions, dtypes.float32) -
                       array_ops.cast(labels, dtypes.float32))
    return mean(err, weights, metrics_collections, updates_collections,
                name or "mean_absolute_error")


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                       updates_collections=None, name=None):
    """The running mean of ``(predictions - labels) ** 2``."""
    labels, predictions = convert_to_tensor(labels), convert_to_tensor(predictions)
    _check_same_shape(labels, predictions)
    err = math_ops.squared_difference(array_ops.cast(predictions, dtypes.float32),
                                      array_ops.cast(labels, dtypes.float32))
    return mean(err, weights, metrics_collections, updates_collections,
                name or "mean_squared_error")


def root_mean_squared_error(labels, predictions, weights=None, metrics_collections=None,
                            updates_collections=None, name=None):
    """The square root of :func:`mean_squared_error`."""
    mse, update_mse = mean_squared_error(labels, predictions, weights, None, None,
                                         name or "root_mean_squared_error")
    value, update_op = math_ops.sqrt(mse), math_ops.sqrt(update_mse)
    _add_to(metrics_collections, value)
    _add_to(updates_collections, update_op)
    return value, update_op
