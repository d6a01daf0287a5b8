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

from flowkit.ops import math_ops, state_ops
from flowkit.train.optimizer import Optimizer


class RMSPropOptimizer(Optimizer):
    """TF1's ``tf.train.RMSPropOptimizer(learning_rate, decay=0.9, momentum=0.0,
    epsilon=1e-10, centered=False)``.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable([1.0, -2.0], name="w")
        >>> loss = tf.reduce_sum(w * w)
        >>> train_op = tf.train.RMSPropOptimizer(learning_rate=0.1).minimize(loss)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for _ in range(3):
        ...         _ = sess.run(train_op)
        ...     print(sess.run(w).round(4))
        [ 0.5745 -1.4054]
    """

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10,
                 use_locking=False, centered=False, name="RMSProp") -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered

    def _create_slots(self, var_list) -> None:
        for v in var_list:
            self._make_slot(v, "rms", 1.0)
            if self._centered:
                self._make_slot(v, "mg")
            self._make_slot(v, "momentum")

    def _apply_dense(self, grad, var):
        lr = self._hyper(self._learning_rate, var.dtype, "learning_rate")
        decay = self._hyper(self._decay, var.dtype, "decay")
        mu = self._hyper(self._momentum, var.dtype, "momentum")
        eps = self._hyper(self._epsilon, var.dtype, "epsilon")
        ms, mom = self.get_slot(var, "rms"), self.get_slot(var, "momentum")
        ms_t = state_ops.assign(ms, decay * ms + (1.0 - decay) * grad * grad)
        denom = ms_t + eps
        if self._centered:
            mg = self.get_slot(var, "mg")
            mg_t = state_ops.assign(mg, decay * mg + (1.0 - decay) * grad)
            denom = denom - mg_t * mg_t
        mom_t = state_ops.assign(mom, mu * mom + lr * grad / math_ops.sqrt(denom))
        return state_ops.assign_sub(var, mom_t, name="ApplyRMSProp")
