"""Adagrad Dual Averaging (Duchi et al., 2011), as TF1's ``ApplyAdagradDA`` kernel computes
it: the weights are recomputed from the sum of the gradients, so L1 gives exact zeros.

Two slots per variable, ``gradient_accumulator`` (``w/AdagradDA``, zeros) and
``gradient_squared_accumulator`` (``w/AdagradDA_1``, starting at
``initial_gradient_squared_accumulator_value``); with ``t = global_step + 1`` (the step read
before this training step increments it)::

    g_acc += grad
    gg_acc += grad ** 2
    var = -sign(g_acc) * max(|g_acc| - l1 * t, 0) * lr / (l2 * t * lr + sqrt(gg_acc))
"""
from __future__ import annotations

import flowkit as tf
from flowkit_optimizers.base import SlotOptimizer
from flowkit_optimizers.proximal_gradient_descent import check_strengths


class AdagradDAOptimizer(SlotOptimizer):
    """TF1's ``tf.train.AdagradDAOptimizer(learning_rate, global_step,
    initial_gradient_squared_accumulator_value=0.1, l1_regularization_strength=0.0,
    l2_regularization_strength=0.0)``: ``global_step`` is the variable that ``minimize``
    increments (pass it there too).

    Example:
        >>> import flowkit as tf
        >>> step = tf.train.get_or_create_global_step()
        >>> w = tf.Variable([1.0, -2.0], name="w")
        >>> opt = tf.train.AdagradDAOptimizer(0.5, global_step=step)
        >>> train_op = opt.minimize(tf.reduce_sum(w * w), global_step=step)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for _ in range(3):
        ...         sess.run(train_op)
        ...     print(sess.run(w).round(4))
        [-0.1225  0.2712]
    """

    def __init__(self, learning_rate, global_step,
                 initial_gradient_squared_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="AdagradDA") -> None:
        if initial_gradient_squared_accumulator_value <= 0.0:
            raise ValueError(f"initial_gradient_squared_accumulator_value must be positive: "
                             f"{initial_gradient_squared_accumulator_value}")
        check_strengths(l1_regularization_strength=l1_regularization_strength,
                        l2_regularization_strength=l2_regularization_strength)
        super().__init__(use_locking, name, learning_rate=learning_rate,
                         initial_gradient_squared_accumulator_value=(
                             initial_gradient_squared_accumulator_value),
                         l1_regularization_strength=l1_regularization_strength,
                         l2_regularization_strength=l2_regularization_strength)
        self._global_step = global_step

    def _slot_specs(self):
        return (("gradient_accumulator", 0.0),
                ("gradient_squared_accumulator",
                 self._initial_gradient_squared_accumulator_value))

    def _prepare(self) -> None:
        self._global_step_on_worker = tf.identity(self._global_step) + 1

    def _apply_dense(self, grad, var):
        lr, l1, l2 = self._hypers(var.dtype, "learning_rate", "l1_regularization_strength",
                                  "l2_regularization_strength")
        t = tf.cast(self._global_step_on_worker, var.dtype)
        g_acc = tf.assign_add(self.get_slot(var, "gradient_accumulator"), grad)
        gg_acc = tf.assign_add(self.get_slot(var, "gradient_squared_accumulator"),
                               grad * grad)
        return tf.assign(var, self._value(g_acc, gg_acc, lr, l1, l2, t), name="ApplyAdagradDA")

    def _value(self, g_acc, gg_acc, lr, l1, l2, t):
        """The variable's new value from its accumulators at step ``t``."""
        denom = l2 * t * lr + tf.sqrt(gg_acc)
        if self._l1_regularization_strength == 0.0 and \
                not isinstance(self._l1_regularization_strength, tf.Tensor):
            return -lr * g_acc / denom
        return lr * -tf.sign(g_acc) * tf.maximum(
            tf.abs(g_acc) - l1 * t, tf.zeros_like(g_acc)) / denom

    def _apply_sparse(self, values, indices, var):
        """An embedding's update, as TF1's: only the rows a batch used get their
        accumulators added to and are recomputed."""
        lr, l1, l2 = self._hypers(var.dtype, "learning_rate", "l1_regularization_strength",
                                  "l2_regularization_strength")
        t = tf.cast(self._global_step_on_worker, var.dtype)
        grad, rows = self._unique_rows(values, indices, var)
        g_slot = self.get_slot(var, "gradient_accumulator")
        gg_slot = self.get_slot(var, "gradient_squared_accumulator")
        g_acc = tf.gather(g_slot, rows) + grad
        gg_acc = tf.gather(gg_slot, rows) + grad * grad
        new_rows = self._value(g_acc, gg_acc, lr, l1, l2, t)
        return tf.group(tf.scatter_update(g_slot, rows, g_acc),
                        tf.scatter_update(gg_slot, rows, gg_acc),
                        tf.scatter_update(var, rows, new_rows, name="SparseApplyAdagradDA"))
