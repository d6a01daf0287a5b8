"""Adagrad: each coordinate's step shrinks with the sum of its squared gradients.

One slot per variable, ``accumulator`` (``w/Adagrad``), starting at
``initial_accumulator_value``::

    accumulator += grad ** 2
    var -= learning_rate * grad / sqrt(accumulator)
"""
from __future__ import annotations

from flowkit.ops import math_ops, state_ops
from flowkit.train.optimizer import Optimizer


class AdagradOptimizer(Optimizer):
    """TF1's ``tf.train.AdagradOptimizer(learning_rate, initial_accumulator_value=0.1)``.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable([1.0, -2.0], name="w")
        >>> loss = tf.reduce_sum(w * w)
        >>> train_op = tf.train.AdagradOptimizer(learning_rate=0.5).minimize(loss)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for _ in range(3):
        ...         _ = sess.run(train_op)
        ...     print(sess.run(w).round(4))
        [ 0.1615 -0.9857]
    """

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad") -> None:
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list) -> None:
        for v in var_list:
            self._make_slot(v, "accumulator", self._initial_accumulator_value)

    def _apply_dense(self, grad, var):
        lr = self._hyper(self._learning_rate, var.dtype, "learning_rate")
        accum = self.get_slot(var, "accumulator")
        accum_t = state_ops.assign_add(accum, grad * grad)
        return state_ops.assign_sub(var, lr * grad / math_ops.sqrt(accum_t),
                                    name="ApplyAdagrad")
