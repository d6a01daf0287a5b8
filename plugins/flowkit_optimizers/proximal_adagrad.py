"""Proximal Adagrad: Adagrad's per-coordinate step size, then the proximal step of L1 and L2
regularization (see :mod:`flowkit_optimizers.proximal_gradient_descent`).

One slot per variable, ``accumulator`` (``w/ProximalAdagrad``), starting at
``initial_accumulator_value``::

    accumulator += grad ** 2
    step = learning_rate / sqrt(accumulator)
    prox_v = var - step * grad
    var = sign(prox_v) * max(|prox_v| - step * l1, 0) / (1 + step * l2)
"""
from __future__ import annotations

import flowkit as tf
from flowkit_optimizers.base import SlotOptimizer
from flowkit_optimizers.proximal_gradient_descent import check_strengths, proximal_step


class ProximalAdagradOptimizer(SlotOptimizer):
    """TF1's ``tf.train.ProximalAdagradOptimizer(learning_rate, initial_accumulator_value=0.1,
    l1_regularization_strength=0.0, l2_regularization_strength=0.0)``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit_optimizers.base import train_demo  # w = [1, -2], loss sum(w * w)
        >>> train_demo(tf.train.ProximalAdagradOptimizer(0.5, l2_regularization_strength=0.1))
        [ 0.1495 -0.9526]
    """

    def __init__(self, learning_rate, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="ProximalAdagrad") -> None:
        if initial_accumulator_value <= 0.0:
            raise ValueError(f"initial_accumulator_value must be positive: "
                             f"{initial_accumulator_value}")
        check_strengths(l1_regularization_strength=l1_regularization_strength,
                        l2_regularization_strength=l2_regularization_strength)
        super().__init__(use_locking, name, learning_rate=learning_rate,
                         initial_accumulator_value=initial_accumulator_value,
                         l1_regularization_strength=l1_regularization_strength,
                         l2_regularization_strength=l2_regularization_strength)

    def _slot_specs(self):
        return (("accumulator", self._initial_accumulator_value),)

    def _apply_dense(self, grad, var):
        lr, l1, l2 = self._hypers(var.dtype, "learning_rate", "l1_regularization_strength",
                                  "l2_regularization_strength")
        accum_t = tf.assign_add(self.get_slot(var, "accumulator"), grad * grad)
        step = lr * tf.rsqrt(accum_t)
        return tf.assign(var, proximal_step(var - step * grad, step, l1, l2),
                         name="ApplyProximalAdagrad")

    def _apply_sparse(self, values, indices, var):
        """An embedding's update, as TF1's: only the rows a batch used get their accumulator
        added to, take the step and the shrinkage."""
        lr, l1, l2 = self._hypers(var.dtype, "learning_rate", "l1_regularization_strength",
                                  "l2_regularization_strength")
        grad, rows = self._unique_rows(values, indices, var)
        accum = self.get_slot(var, "accumulator")
        accum_t = tf.gather(accum, rows) + grad * grad
        step = lr * tf.rsqrt(accum_t)
        new_rows = proximal_step(tf.gather(var, rows) - step * grad, step, l1, l2)
        with tf.control_dependencies([tf.scatter_update(accum, rows, accum_t)]):
            return tf.scatter_update(var, rows, new_rows, name="SparseApplyProximalAdagrad")
