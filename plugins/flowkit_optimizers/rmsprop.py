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
