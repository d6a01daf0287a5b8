"""``tf.contrib.seq2seq``: ``sequence_loss`` (the weighted cross-entropy of a sequence of
logits), as TF1 computes it.

Example:
    >>> import numpy as np
    >>> import flowkit as tf
    >>> from flowkit.contrib import seq2seq
    >>> logits = tf.zeros([1, 2, 4])
    >>> loss = seq2seq.sequence_loss(logits, tf.constant([[0, 1]]), tf.ones([1, 2]))
    >>> with tf.Session() as sess:
    ...     print(round(float(sess.run(loss)), 4), round(float(np.log(4)), 4))
    1.3863 1.3863
"""
from __future__ import annotations

from flowkit.framework.graph import get_default_graph
from flowkit.ops import array_ops, math_ops, nn_ops
from flowkit.ops.core import convert_to_tensor

__all__ = ["sequence_loss"]


def sequence_loss(logits, targets, weights, average_across_timesteps=True,
                  average_across_batch=True, sum_over_timesteps=False, sum_over_batch=False,
                  softmax_loss_function=None, name=None):
    """The cross-entropy of ``logits`` ``[batch, time, classes]`` against ``targets``
    ``[batch, time]``, weighted by ``weights`` ``[batch, time]``: summed and divided by the
    summed weights over the averaged axes (``sum_over_*``: divided by the number of non-zero
    weights instead). The result is a scalar, ``[batch]``, ``[time]`` or ``[batch, time]``."""
    logits = convert_to_tensor(logits, name="logits")
    targets = convert_to_tensor(targets, name="targets")
    weights = convert_to_tensor(weights, dtype=logits.dtype, name="weights")
    if logits.shape.ndims not in (None, 3):
        raise ValueError("Logits must be a [batch_size x sequence_length x logits] tensor")
    if targets.shape.ndims not in (None, 2):
        raise ValueError("Targets must be a [batch_size x sequence_length] tensor")
    if weights.shape.ndims not in (None, 2):
        raise ValueError("Weights must be a [batch_size x sequence_length] tensor")
    if average_across_timesteps and sum_over_timesteps:
        raise ValueError("average_across_timesteps and sum_over_timesteps cannot be set to "
                         "True at same time.")
    if average_across_batch and sum_over_batch:
        raise ValueError("average_across_batch and sum_over_batch cannot be set to True at "
                         "same time.")
    with get_default_graph().name_scope(name or "sequence_loss"):
        classes = array_ops.shape(logits)[2]
        flat_logits = array_ops.reshape(logits, array_ops.stack([-1, classes]))
        flat_targets = array_ops.reshape(targets, [-1])
        if softmax_loss_function is None:
            ce = nn_ops.sparse_softmax_cross_entropy_with_logits(labels=flat_targets,
                                                                 logits=flat_logits)
        else:
            ce = softmax_loss_function(labels=flat_targets, logits=flat_logits)
        ce = ce * array_ops.reshape(weights, [-1])
        shape = array_ops.shape(targets)
        if sum_over_timesteps or sum_over_batch:
            ce = array_ops.reshape(ce, shape)
            nonzero = math_ops.cast(math_ops.not_equal(weights, 0.0), ce.dtype)
            axes = ([0] if sum_over_batch else []) + ([1] if sum_over_timesteps else [])
            # (sum of zero weights is zero: TF's div_no_nan)
            return math_ops.reduce_sum(ce, axis=axes) / math_ops.maximum(
                math_ops.reduce_sum(nonzero, axis=axes), 1.0)
        if average_across_timesteps and average_across_batch:
            return math_ops.reduce_sum(ce) / (math_ops.reduce_sum(weights) + 1e-12)
        ce = array_ops.reshape(ce, shape)
        if average_across_timesteps:
            return math_ops.reduce_sum(ce, axis=1) / (math_ops.reduce_sum(weights, axis=1) +
                                                      1e-12)
        if average_across_batch:
            return math_ops.reduce_sum(ce, axis=0) / (math_ops.reduce_sum(weights, axis=0) +
                                                      1e-12)
        return ce

