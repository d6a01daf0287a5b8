"""Adadelta (Zeiler, 2012): steps scaled by the ratio of two running RMS values.

Two slots per variable, ``accum`` (``w/Adadelta``) and ``accum_update`` (``w/Adadelta_1``),
starting at zero::

    accum = rho * accum + (1 - rho) * grad ** 2
    update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad
    accum_update = rho * accum_update + (1 - rho) * update ** 2
    var -= learning_rate * update
"""
from __future__ import annotations

import flowkit as tf
from flowkit_optimizers.base import SlotOptimizer


class AdadeltaOptimizer(SlotOptimizer):
    """TF1's ``tf.train.AdadeltaOptimizer(learning_rate=0.001, rho=0.95, epsilon=1e-8)``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit_optimizers.base import train_demo  # w = [1, -2], loss sum(w * w)
        >>> train_demo(tf.train.AdadeltaOptimizer(learning_rate=1.0))
        [ 0.9986 -1.9986]
    """

    slots = (("accum", 0.0), ("accum_update", 0.0))

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False,
                 name="Adadelta") -> None:
        super().__init__(use_locking, name, learning_rate=learning_rate, rho=rho,
                         epsilon=epsilon)

    def _apply_dense(self, grad, var):
        lr, rho, eps = self._hypers(var.dtype, "learning_rate", "rho", "epsilon")
        accum = self.get_slot(var, "accum")
        accum_update = self.get_slot(var, "accum_update")
        accum_t = tf.assign(accum, rho * accum + (1.0 - rho) * grad * grad)
        # Both reads of accum_update feed its own assignment, so they see the old value.
        update = tf.sqrt(accum_update + eps) / tf.sqrt(accum_t + eps) * grad
        accum_update_t = tf.assign(accum_update,
                                   rho * accum_update + (1.0 - rho) * update * update)
        var_t = tf.assign_sub(var, lr * update, name="ApplyAdadelta")
        return tf.group(var_t, accum_update_t)

    def _apply_sparse(self, values, indices, var):
        """An embedding's update, as TF1's: only the rows a batch used get their running
        averages decayed and added to, and only they move."""
        lr, rho, eps = self._hypers(var.dtype, "learning_rate", "rho", "epsilon")
        grad, rows = self._unique_rows(values, indices, var)
        accum = self.get_slot(var, "accum")
        accum_update = self.get_slot(var, "accum_update")
        accum_t = rho * tf.gather(accum, rows) + (1.0 - rho) * grad * grad
        old_update = tf.gather(accum_update, rows)
        update = tf.sqrt(old_update + eps) / tf.sqrt(accum_t + eps) * grad
        accum_update_t = rho * old_update + (1.0 - rho) * update * update
        return tf.group(tf.scatter_update(accum, rows, accum_t),
                        tf.scatter_update(accum_update, rows, accum_update_t),
                        tf.scatter_sub(var, rows, lr * update, name="SparseApplyAdadelta"))
