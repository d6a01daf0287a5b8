"""RMSProp (Hinton): divide the step by a running RMS of the gradients, with momentum.

Slots per variable: ``rms`` (``w/RMSProp``, starting at one), ``mg`` when ``centered``
(``w/RMSProp_1``) and ``momentum`` (the next name, starting at zero)::

    ms = decay * ms + (1 - decay) * grad ** 2
    mg = decay * mg + (1 - decay) * grad                      # centered only
    denom = ms + epsilon            or  ms - mg ** 2 + epsilon (centered)
    mom = momentum * mom + learning_rate * grad / sqrt(denom)
    var -= mom
"""
from __future__ import annotations

import flowkit as tf
from flowkit_optimizers.base import SlotOptimizer


class RMSPropOptimizer(SlotOptimizer):
    """TF1's ``tf.train.RMSPropOptimizer(learning_rate, decay=0.9, momentum=0.0,
    epsilon=1e-10, centered=False)``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit_optimizers.base import train_demo  # w = [1, -2], loss sum(w * w)
        >>> train_demo(tf.train.RMSPropOptimizer(learning_rate=0.1))
        [ 0.5745 -1.4054]
    """

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp") -> None:
        super().__init__(use_locking, name, learning_rate=learning_rate, decay=decay,
                         momentum=momentum, epsilon=epsilon, centered=centered)

    def _slot_specs(self):
        centered = (("mg", 0.0),) if self._centered else ()
        return (("rms", 1.0),) + centered + (("momentum", 0.0),)

    def _apply_dense(self, grad, var):
        lr, decay, mu, eps = self._hypers(var.dtype, "learning_rate", "decay", "momentum",
                                          "epsilon")
        ms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        ms_t = tf.assign(ms, decay * ms + (1.0 - decay) * grad * grad)
        denom = ms_t + eps
        if self._centered:
            mg = self.get_slot(var, "mg")
            mg_t = tf.assign(mg, decay * mg + (1.0 - decay) * grad)
            denom = denom - mg_t * mg_t
        mom_t = tf.assign(mom, mu * mom + lr * grad / tf.sqrt(denom))
        return tf.assign_sub(var, mom_t, name="ApplyRMSProp")

    def _apply_sparse(self, values, indices, var):
        """An embedding's update, as TF1's: only the rows a batch used get their running
        averages and momentum updated, and only they move."""
        lr, decay, mu, eps = self._hypers(var.dtype, "learning_rate", "decay", "momentum",
                                          "epsilon")
        grad, rows = self._unique_rows(values, indices, var)
        ms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        ms_t = decay * tf.gather(ms, rows) + (1.0 - decay) * grad * grad
        updates = [tf.scatter_update(ms, rows, ms_t)]
        denom = ms_t + eps
        if self._centered:
            mg = self.get_slot(var, "mg")
            mg_t = decay * tf.gather(mg, rows) + (1.0 - decay) * grad
            updates.append(tf.scatter_update(mg, rows, mg_t))
            denom = denom - mg_t * mg_t
        mom_t = mu * tf.gather(mom, rows) + lr * grad / tf.sqrt(denom)
        updates.append(tf.scatter_update(mom, rows, mom_t))
        with tf.control_dependencies(updates):
            return tf.scatter_sub(var, rows, mom_t, name="SparseApplyRMSProp")
