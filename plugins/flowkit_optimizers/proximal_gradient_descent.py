"""Proximal gradient descent (FOBOS): a gradient step, then the proximal step of L1 and L2
regularization, which sets small weights to exactly zero::

    prox_v = var - learning_rate * grad
    var = sign(prox_v) * max(|prox_v| - learning_rate * l1, 0) / (1 + learning_rate * l2)

No slots.
"""
from __future__ import annotations

import flowkit as tf
from flowkit_optimizers.base import SlotOptimizer


def proximal_step(prox_v, lr, l1, l2):
    """TF1's proximal step of ``prox_v`` with step size ``lr`` (a scalar or per coordinate)."""
    shrunk = tf.sign(prox_v) * tf.maximum(tf.abs(prox_v) - lr * l1, tf.zeros_like(prox_v))
    return shrunk / (1.0 + lr * l2)


def check_strengths(**strengths) -> None:
    for key, value in strengths.items():
        if not isinstance(value, tf.Tensor) and value < 0.0:
            raise ValueError(f"{key} must be non-negative, got {value}.")


class ProximalGradientDescentOptimizer(SlotOptimizer):
    """TF1's ``tf.train.ProximalGradientDescentOptimizer(learning_rate,
    l1_regularization_strength=0.0, l2_regularization_strength=0.0)``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit_optimizers.base import train_demo  # w = [1, -2], loss sum(w * w)
        >>> train_demo(tf.train.ProximalGradientDescentOptimizer(
        ...     0.1, l1_regularization_strength=0.5))
        [ 0.39  -0.902]
    """

    def __init__(self, learning_rate, l1_regularization_strength=0.0,
                 l2_regularization_strength=0.0, use_locking=False,
                 name="ProximalGradientDescent") -> None:
        check_strengths(l1_regularization_strength=l1_regularization_strength,
                        l2_regularization_strength=l2_regularization_strength)
        super().__init__(use_locking, name, learning_rate=learning_rate,
                         l1_regularization_strength=l1_regularization_strength,
                         l2_regularization_strength=l2_regularization_strength)

    def _apply_dense(self, grad, var):
        lr, l1, l2 = self._hypers(var.dtype, "learning_rate", "l1_regularization_strength",
                                  "l2_regularization_strength")
        return tf.assign(var, proximal_step(var - lr * grad, lr, l1, l2),
                         name="ApplyProximalGradientDescent")

    def _apply_sparse(self, values, indices, var):
        """An embedding's update, as TF1's: only the rows a batch used take the step and the
        shrinkage (the others are not pulled towards zero)."""
        lr, l1, l2 = self._hypers(var.dtype, "learning_rate", "l1_regularization_strength",
                                  "l2_regularization_strength")
        grad, rows = self._unique_rows(values, indices, var)
        return tf.scatter_update(var, rows,
                                 proximal_step(tf.gather(var, rows) - lr * grad, lr, l1, l2),
                                 name="SparseApplyProximalGradientDescent")
