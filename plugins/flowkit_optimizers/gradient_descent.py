"""Plain gradient descent: ``var -= learning_rate * grad``.

Example:
    >>> import flowkit as tf
    >>> w = tf.Variable([1.0, -2.0], name="w")
    >>> step = tf.train.GradientDescentOptimizer(0.5).minimize(tf.reduce_sum(w * w))
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     sess.run(step)
    ...     print(sess.run(w))
    [0. 0.]
"""
from __future__ import annotations

import flowkit as tf
from flowkit_optimizers.base import SlotOptimizer


class GradientDescentOptimizer(SlotOptimizer):
    """``var -= learning_rate * grad``. ``learning_rate`` may be a float or a tensor (a
    schedule such as ``tf.train.exponential_decay``).

    Example:
        >>> import flowkit as tf
        >>> from flowkit_optimizers.base import train_demo  # w = [1, -2], loss sum(w * w)
        >>> train_demo(tf.train.GradientDescentOptimizer(learning_rate=0.25), steps=1)
        [ 0.5 -1. ]
    """

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent") -> None:
        super().__init__(use_locking, name, learning_rate=learning_rate)

    def _apply_dense(self, grad, var):
        (lr,) = self._hypers(var.dtype, "learning_rate")
        return tf.assign_sub(var, lr * grad, name="ApplyGradientDescent")

    def _apply_sparse(self, values, indices, var):
        """An embedding's update subtracts from the rows a batch used only (repeated rows
        one after the other, as TF's scatter update does)."""
        (lr,) = self._hypers(var.dtype, "learning_rate")
        return tf.scatter_sub(var, indices, values * lr, use_locking=self._use_locking,
                              name="ScatterSubGradientDescent")
