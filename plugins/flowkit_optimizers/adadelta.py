"""Adadelta (Zeiler, 2012): steps scaled by the ratio of two running RMS values.

Two slots per variable, ``accum`` (``w/Adadelta``) and ``accum_update`` (``w/Adadelta_1``),
starting at zero::

    accum = rho * accum + (1 - rho) * grad ** 2
    update = sqrt(accum_update + epsilon) / sqrt(accum + epsilon) * grad
    accum_update = rho * accum_update + (1 - rho) * update ** 2
    var -= learning_rate * update
"""
from __future__ import annotations

from flowkit.ops import control_flow_ops, math_ops, state_ops
from flowkit.train.optimizer import Optimizer


class AdadeltaOptimizer(Optimizer):
    """TF1's ``tf.train.AdadeltaOptimizer(learning_rate=0.001, rho=0.95, epsilon=1e-8)``.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable([1.0, -2.0], name="w")
        >>> loss = tf.reduce_sum(w * w)
        >>> train_op = tf.train.AdadeltaOptimizer(learning_rate=1.0).minimize(loss)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for _ in range(3):
        ...         _ = sess.run(train_op)
        ...     print(sess.run(w).round(4))
        [ 0.9986 -1.9986]
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-8, use_locking=False,
                 name="Adadelta") -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._rho = rho
        self._epsilon = epsilon

    def _create_slots(self, var_list) -> None:
        for v in var_list:
            self._make_slot(v, "accum")
            self._make_slot(v, "accum_update")

    def _apply_dense(self, grad, var):
        lr = self._hyper(self._learning_rate, var.dtype, "learning_rate")
        rho = self._hyper(self._rho, var.dtype, "rho")
        eps = self._hyper(self._epsilon, var.dtype, "epsilon")
        accum = self.get_slot(var, "accum")
        accum_update = self.get_slot(var, "accum_update")
        accum_t = state_ops.assign(accum, rho * accum + (1.0 - rho) * grad * grad)
        # Both reads of accum_update feed its own assignment, so they see the old value.
        update = math_ops.sqrt(accum_update + eps) / math_ops.sqrt(accum_t + eps) * grad
        accum_update_t = state_ops.assign(accum_update,
                                          rho * accum_update + (1.0 - rho) * update * update)
        var_t = state_ops.assign_sub(var, lr * update, name="ApplyAdadelta")
        return control_flow_ops.group(var_t, accum_update_t)
