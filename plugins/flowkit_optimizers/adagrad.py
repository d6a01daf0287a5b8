"""Adagrad: each coordinate's step shrinks with the sum of its squared gradients.

One slot per variable, ``accumulator`` (``w/Adagrad``), starting at
``initial_accumulator_value``::

    accumulator += grad ** 2
    var -= learning_rate * grad / sqrt(accumulator)
"""
from __future__ import annotations

import flowkit as tf
from flowkit_optimizers.base import SlotOptimizer


class AdagradOptimizer(SlotOptimizer):
    """TF1's ``tf.train.AdagradOptimizer(learning_rate, initial_accumulator_value=0.1)``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit_optimizers.base import train_demo  # w = [1, -2], loss sum(w * w)
        >>> train_demo(tf.train.AdagradOptimizer(learning_rate=0.5))
        [ 0.1615 -0.9857]
    """

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False,
                 name="Adagrad") -> None:
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        super().__init__(use_locking, name, learning_rate=learning_rate,
                         initial_accumulator_value=initial_accumulator_value)

    def _slot_specs(self):
        return (("accumulator", self._initial_accumulator_value),)

    def _apply_dense(self, grad, var):
        (lr,) = self._hypers(var.dtype, "learning_rate")
        accum = self.get_slot(var, "accumulator")
        accum_t = tf.assign_add(accum, grad * grad)
        return tf.assign_sub(var, lr * grad / tf.sqrt(accum_t), name="ApplyAdagrad")
