"""Momentum (heavy ball), optionally Nesterov's variant.

One slot per variable, ``accumulation`` (``w/Momentum``), starting at zero::

    accumulation = momentum * accumulation + grad
    var -= learning_rate * accumulation                                # classic
    var -= learning_rate * (grad + momentum * accumulation)            # use_nesterov=True
"""
from __future__ import annotations

import flowkit as tf
from flowkit_optimizers.base import SlotOptimizer


class MomentumOptimizer(SlotOptimizer):
    """TF1's ``tf.train.MomentumOptimizer(learning_rate, momentum, use_nesterov=False)``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit_optimizers.base import train_demo  # w = [1, -2], loss sum(w * w)
        >>> train_demo(tf.train.MomentumOptimizer(learning_rate=0.1, momentum=0.9))
        [ 0.062 -0.124]
    """

    slots = (("momentum", 0.0),)

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False) -> None:
        super().__init__(use_locking, name, learning_rate=learning_rate, momentum=momentum,
                         use_nesterov=use_nesterov)

    def _apply_dense(self, grad, var):
        lr, mu = self._hypers(var.dtype, "learning_rate", "momentum")
        accum = self.get_slot(var, "momentum")
        accum_t = tf.assign(accum, accum * mu + grad)
        step = lr * (grad + mu * accum_t) if self._use_nesterov else lr * accum_t
        return tf.assign_sub(var, step, name="ApplyMomentum")

    def _apply_sparse(self, values, indices, var):
        """An embedding's update, as TF1's: only the rows a batch used get their
        accumulation decayed and added to, and only they move."""
        lr, mu = self._hypers(var.dtype, "learning_rate", "momentum")
        grad, rows = self._unique_rows(values, indices, var)
        accum = self.get_slot(var, "momentum")
        accum_t = tf.gather(accum, rows) * mu + grad
        with tf.control_dependencies([tf.scatter_update(accum, rows, accum_t)]):
            step = lr * (grad + mu * accum_t) if self._use_nesterov else lr * accum_t
            return tf.scatter_sub(var, rows, step, name="SparseApplyMomentum")
