"""``tf.losses``: TF1's loss functions, with ``weights`` and ``reduction``.

Each function computes per-element losses, multiplies them by ``weights`` (a scalar, or a
tensor that broadcasts to the losses), reduces them as ``reduction`` says, and adds the result
to ``tf.GraphKeys.LOSSES`` (``loss_collection``). TF1's default reduction is
``Reduction.SUM_BY_NONZERO_WEIGHTS``: the weighted sum divided by the number of losses whose
weight is not zero (0 when there are none). ``tf.losses.get_total_loss()`` adds up the
collected losses and the regularization losses.

Example:
    >>> import flowkit as tf
    >>> import flowkit.losses
    >>> labels = tf.constant([1.0, 2.0, 3.0])
    >>> predictions = tf.constant([1.5, 2.0, 1.0])
    >>> mse = tf.losses.mean_squared_error(labels, predictions, weights=[1.0, 1.0, 0.0])
    >>> with tf.Session() as sess:
    ...     print(sess.run(mse))             # (0.25 + 0) / 2 non-zero weights
    0.125
    >>> tf.losses.get_losses() == [mse]
    True
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import GraphKeys, get_default_graph
from flowkit.ops import array_ops, math_ops, nn_ops
from flowkit.ops.core import constant, convert_to_tensor
from flowkit import renames as _renames

__all__ = ["Reduction", "compute_weighted_loss", "absolute_difference", "mean_squared_error",
           "hinge_loss", "huber_loss", "log_loss", "sigmoid_cross_entropy",
           "softmax_cross_entropy", "sparse_softmax_cross_entropy", "cosine_distance",
           "mean_pairwise_squared_error", "add_loss", "get_losses",
           "get_regularization_losses", "get_regularization_loss", "get_total_loss"]


class Reduction:
    """How a weighted loss is reduced (TF1's ``tf.losses.Reduction``)."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE,
                cls.SUM_OVER_NONZERO_WEIGHTS, cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError(f"Invalid Reduction Key {key!r}: expected one of {cls.all()}")


def _div_no_nan(x, y):
    """``x / y``, or 0 where ``y`` is 0."""
    zero = math_ops.equal(y, 0.0)
    safe = array_ops.where(zero, array_ops.ones_like(y), y)
    return array_ops.where(zero, array_ops.zeros_like(x), math_ops.divide(x, safe),
                           name="value")


def _num_elements(losses):
    with get_default_graph().name_scope("num_elements") as scope:
        return array_ops.cast(array_ops.size(losses), losses.dtype, name=scope)


def _num_present(losses, weights):
    """How many of the losses have a non-zero weight."""
    if isinstance(weights, float) and weights != 0.0:
        return _num_elements(losses)
    with get_default_graph().name_scope("num_present") as scope:
        weights = array_ops.cast(weights, dtypes.float32)
        present = array_ops.where(math_ops.equal(weights, 0.0), array_ops.zeros_like(weights),
                                  array_ops.ones_like(weights))
        present = math_ops.multiply(present, array_ops.ones_like(losses))
        return math_ops.reduce_sum(present, name=scope)


def add_loss(loss, loss_collection=GraphKeys.LOSSES) -> None:
    """Adds ``loss`` to ``loss_collection`` (nothing when it is None)."""
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``losses * weights`` reduced by ``reduction`` (see :class:`Reduction`), computed in
    float32 and cast back to the losses' dtype, and added to ``loss_collection``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.losses
        >>> loss = tf.losses.compute_weighted_loss([1.0, 2.0, 3.0], weights=[0.0, 1.0, 2.0],
        ...                                        reduction=tf.losses.Reduction.MEAN)
        >>> with tf.Session() as sess:
        ...     print(round(float(sess.run(loss)), 5))   # (2 + 6) / (0 + 1 + 2)
        2.66667
    """
    Reduction.validate(reduction)
    with get_default_graph().name_scope(scope or "weighted_loss"):
        losses = convert_to_tensor(losses)
        input_dtype = losses.dtype
        losses = array_ops.cast(losses, dtypes.float32)
        weights_t = array_ops.cast(weights, dtypes.float32)
        weighted = math_ops.multiply(losses, weights_t)
        if reduction == Reduction.NONE:
            loss = weighted
        else:
            loss = math_ops.reduce_sum(weighted)
            if reduction == Reduction.MEAN:
                total = math_ops.reduce_sum(array_ops.ones_like(losses) * weights_t)
                loss = _div_no_nan(loss, total)
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                loss = _div_no_nan(loss, _num_present(losses, weights))
            elif reduction == Reduction.SUM_OVER_BATCH_SIZE:
                loss = _div_no_nan(loss, _num_elements(losses))
        loss = array_ops.cast(loss, input_dtype)
        add_loss(loss, loss_collection)
        return loss


def _pair(labels, predictions, what="predictions"):
    predictions = array_ops.cast(convert_to_tensor(predictions), dtypes.float32)
    labels = array_ops.cast(convert_to_tensor(labels), dtypes.float32)
    if not predictions.shape.is_compatible_with(labels.shape):
        raise ValueError(f"Shapes {predictions.shape} ({what}) and {labels.shape} (labels) are "
                         "incompatible")
    return labels, predictions


def _check_args(labels, predictions, name="predictions"):
    if labels is None:
        raise ValueError("labels must not be None.")
    if predictions is None:
        raise ValueError(f"{name} must not be None.")


def absolute_difference(labels, predictions, weights=1.0, scope=None,
                        loss_collection=GraphKeys.LOSSES,
                        reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """The weighted ``|predictions - labels|``."""
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "absolute_difference") as sc:
        labels, predictions = _pair(labels, predictions)
        losses = math_ops.abs(math_ops.subtract(predictions, labels))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def mean_squared_error(labels, predictions, weights=1.0, scope=None,
                       loss_collection=GraphKeys.LOSSES,
                       reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """The weighted ``(predictions - labels) ** 2``."""
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "mean_squared_error") as sc:
        labels, predictions = _pair(labels, predictions)
        losses = math_ops.squared_difference(predictions, labels)
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``max(0, 1 - y * logits)`` with ``y = 2 * labels - 1`` (labels are 0 or 1)."""
    _check_args(labels, logits, "logits")
    with get_default_graph().name_scope(scope or "hinge_loss") as sc:
        labels, logits = _pair(labels, logits, "logits")
        ones = array_ops.ones_like(labels)
        signed = math_ops.subtract(2 * labels, ones)
        losses = nn_ops.relu(math_ops.subtract(ones, math_ops.multiply(signed, logits)))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None,
               loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``0.5 * e ** 2`` where ``|e| <= delta``, else ``delta * (|e| - 0.5 * delta)``."""
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "huber_loss") as sc:
        labels, predictions = _pair(labels, predictions)
        abs_error = math_ops.abs(math_ops.subtract(predictions, labels))
        quadratic = math_ops.minimum(abs_error, delta)
        linear = math_ops.subtract(abs_error, quadratic)
        losses = math_ops.add(math_ops.multiply(0.5, math_ops.multiply(quadratic, quadratic)),
                              math_ops.multiply(delta, linear))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None,
             loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Binary cross entropy of probabilities:
    ``-labels * log(p + eps) - (1 - labels) * log(1 - p + eps)``."""
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "log_loss") as sc:
        labels, predictions = _pair(labels, predictions)
        losses = -math_ops.multiply(labels, math_ops.log(predictions + epsilon)) - \
            math_ops.multiply(1 - labels, math_ops.log(1 - predictions + epsilon))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0,
                          scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """``tf.nn.sigmoid_cross_entropy_with_logits``, weighted; ``label_smoothing`` moves the
    labels towards 1/2: ``labels * (1 - s) + s / 2``."""
    _check_args(multi_class_labels, logits, "logits")
    with get_default_graph().name_scope(scope or "sigmoid_cross_entropy_loss") as sc:
        logits = convert_to_tensor(logits)
        labels = array_ops.cast(multi_class_labels, logits.dtype)
        if not logits.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {logits.shape} (logits) and {labels.shape} "
                             "(multi_class_labels) are incompatible")
        if label_smoothing > 0:
            labels = labels * (1 - label_smoothing) + 0.5 * label_smoothing
        losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits,
                                                          name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Softmax cross entropy of one-hot labels (per example, weighted by ``weights`` of
    shape ``[batch]`` or a scalar). ``label_smoothing`` ``s`` turns the labels into
    ``labels * (1 - s) + s / num_classes``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.losses
        >>> loss = tf.losses.softmax_cross_entropy([[0.0, 1.0]], [[0.0, 0.0]])
        >>> with tf.Session() as sess:
        ...     print(round(float(sess.run(loss)), 4))      # log 2
        0.6931
    """
    _check_args(onehot_labels, logits, "logits")
    with get_default_graph().name_scope(scope or "softmax_cross_entropy_loss") as sc:
        logits = convert_to_tensor(logits)
        labels = array_ops.cast(onehot_labels, logits.dtype)
        if not logits.shape.is_compatible_with(labels.shape):
            raise ValueError(f"Shapes {logits.shape} (logits) and {labels.shape} "
                             "(onehot_labels) are incompatible")
        if label_smoothing > 0:
            num_classes = array_ops.cast(array_ops.shape(labels)[-1], logits.dtype)
            labels = labels * (1.0 - label_smoothing) + label_smoothing / num_classes
        labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
        losses = nn_ops.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits,
                                                             name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None,
                                 loss_collection=GraphKeys.LOSSES,
                                 reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Softmax cross entropy of integer class labels (``[batch]``; ``[batch, 1]`` is
    squeezed as TF1 does).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.losses
        >>> loss = tf.losses.sparse_softmax_cross_entropy([1, 0], [[0.0, 0.0], [0.0, 0.0]])
        >>> with tf.Session() as sess:
        ...     print(round(float(sess.run(loss)), 4))
        0.6931
    """
    _check_args(labels, logits, "logits")
    with get_default_graph().name_scope(scope or "sparse_softmax_cross_entropy_loss") as sc:
        logits = convert_to_tensor(logits)
        labels = convert_to_tensor(labels)
        l_rank, g_rank = labels.shape.ndims, logits.shape.ndims
        if l_rank is not None and g_rank is not None and l_rank == g_rank and \
                labels.shape.as_list()[-1] == 1:
            labels = array_ops.squeeze(labels, [-1])
        losses = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits,
                                                                 name="xentropy")
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None,
                    loss_collection=GraphKeys.LOSSES, reduction=Reduction.SUM_BY_NONZERO_WEIGHTS,
                    dim=None):
    """The weighted ``1 - sum(labels * predictions, axis)`` (kept as a dimension of size 1):
    the cosine distance of vectors already normalized to unit length. ``dim`` is TF1's old
    name of ``axis``; one of them is required.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.losses
        >>> loss = tf.losses.cosine_distance([[0.6, 0.8], [1.0, 0.0]],
        ...                                  [[0.6, 0.8], [0.0, 1.0]], axis=1)
        >>> with tf.Session() as sess:
        ...     print(sess.run(loss))        # (0 + 1) / 2
        0.5
    """
    if dim is not None:
        if axis is not None and axis != dim:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if axis is None:
        raise ValueError("You must specify argument `axis`.")
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "cosine_distance_loss") as sc:
        labels, predictions = _pair(labels, predictions)
        radial = math_ops.multiply(predictions, labels)
        losses = math_ops.subtract(1.0, math_ops.reduce_sum(radial, axis=(axis,),
                                                            keepdims=True))
        return compute_weighted_loss(losses, weights, sc, loss_collection, reduction)


def mean_pairwise_squared_error(labels, predictions, weights=1.0, scope=None,
                                loss_collection=GraphKeys.LOSSES):
    """For each example (the first dimension), the mean over all pairs ``(i, j)`` of its
    elements of ``((p_i - p_j) - (l_i - l_j)) ** 2``, computed as TF1 does:
    ``2 * sum(d ** 2) / (n - 1) - 2 * sum(d) ** 2 / (n * (n - 1))`` with ``d = p - l`` and
    ``n`` the elements of non-zero weight; then the sum over the examples of that times
    ``weights`` (a scalar, ``[batch, 1]`` or the labels' shape). No ``reduction`` argument.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.losses
        >>> loss = tf.losses.mean_pairwise_squared_error([[0.0, 1.0, 3.0]],
        ...                                              [[1.0, 1.0, 1.0]])
        >>> with tf.Session() as sess:  # mean (d_i - d_j)^2 of d = [1, 0, -2]: 2 * 14 / 6
        ...     print(round(float(sess.run(loss)), 4))
        4.6667
    """
    _check_args(labels, predictions)
    with get_default_graph().name_scope(scope or "mean_pairwise_squared_error"):
        weights = array_ops.cast(weights, dtypes.float32)
        labels, predictions = _pair(labels, predictions)
        diffs = math_ops.subtract(predictions, labels)
        rank = diffs.shape.ndims
        if rank is None:
            raise ValueError("mean_pairwise_squared_error needs predictions of known rank.")
        axis = list(range(1, rank))
        sum_squares = math_ops.reduce_sum(math_ops.square(diffs), axis=axis, keepdims=True)
        with get_default_graph().name_scope("num_present"):
            present = array_ops.where(math_ops.equal(weights, 0.0),
                                      array_ops.zeros_like(weights),
                                      array_ops.ones_like(weights))
            present = math_ops.multiply(present, array_ops.ones_like(diffs))
            num = math_ops.reduce_sum(present, axis=axis, keepdims=True)
        term1 = 2.0 * _div_no_nan(sum_squares, math_ops.maximum(num - 1.0, 0.0))
        sum_diff = math_ops.reduce_sum(diffs, axis=axis, keepdims=True)
        term2 = 2.0 * _div_no_nan(math_ops.square(sum_diff),
                                  math_ops.maximum(math_ops.multiply(num, num - 1.0), 0.0))
        loss = math_ops.reduce_sum(math_ops.multiply(term1 - term2, weights))
        mean_loss = array_ops.where(math_ops.greater(math_ops.reduce_sum(num), 0.0), loss,
                                    array_ops.zeros_like(loss), name="value")
        add_loss(mean_loss, loss_collection)
        return mean_loss


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES) -> list:
    """The losses in ``loss_collection`` (whose names start with ``scope``)."""
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None) -> list:
    """The tensors in ``tf.GraphKeys.REGULARIZATION_LOSSES``."""
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses (0.0 when there are none)."""
    losses = get_regularization_losses(scope)
    if losses:
        return math_ops.add_n(losses, name=name)
    return constant(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of :func:`get_losses` (and of the regularization losses).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.losses
        >>> a = tf.losses.absolute_difference([0.0], [2.0])
        >>> tf.add_to_collection(tf.GraphKeys.REGULARIZATION_LOSSES, tf.constant(0.5))
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.losses.get_total_loss()))
        2.5
    """
    losses = get_losses(scope)
    if add_regularization_losses:
        losses = losses + get_regularization_losses(scope)
    if not losses:
        raise ValueError("No losses found: tf.losses.get_total_loss() adds the losses made by "
                         "tf.losses.* (tf.GraphKeys.LOSSES) and the regularization losses; "
                         "none were created.")
    return math_ops.add_n(losses, name=name)


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.losses", "losses", name, __all__ + list(globals()))
