"""Momentum (heavy ball), optionally Nesterov's variant.

One slot per variable, ``accumulation`` (``w/Momentum``), starting at zero::

    accumulation = momentum * accumulation + grad
    var -= learning_rate * accumulation                                # classic
    var -= learning_rate * (grad + momentum * accumulation)            # use_nesterov=True
"""
from __future__ import annotations

from flowkit.ops import state_ops
from flowkit.train.optimizer import Optimizer


class MomentumOptimizer(Optimizer):
    """TF1's ``tf.train.MomentumOptimizer(learning_rate, momentum, use_nesterov=False)``.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable([1.0, -2.0], name="w")
        >>> loss = tf.reduce_sum(w * w)
        >>> train_op = tf.train.MomentumOptimizer(learning_rate=0.1, momentum=0.9).minimize(loss)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for _ in range(3):
        ...         _ = sess.run(train_op)
        ...     print(sess.run(w).round(4))
        [ 0.062 -0.124]
    """

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum",
                 use_nesterov=False) -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list) -> None:
        for v in var_list:
            self._make_slot(v, "momentum")

    def _apply_dense(self, grad, var):
        lr = self._hyper(self._learning_rate, var.dtype, "learning_rate")
        mu = self._hyper(self._momentum, var.dtype, "momentum")
        accum = self.get_slot(var, "momentum")
        accum_t = state_ops.assign(accum, accum * mu + grad)
        step = lr * (grad + mu * accum_t) if self._use_nesterov else lr * accum_t
        return state_ops.assign_sub(var, step, name="ApplyMomentum")
