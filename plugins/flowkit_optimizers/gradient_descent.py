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

from flowkit.ops import state_ops
from flowkit.train.optimizer import Optimizer


class GradientDescentOptimizer(Optimizer):
    """``var -= learning_rate * grad``. ``learning_rate`` may be a float or a tensor (a
    schedule such as ``tf.train.exponential_decay``).

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable([1.0, -2.0], name="w")
        >>> loss = tf.reduce_sum(w * w)
        >>> train_op = tf.train.GradientDescentOptimizer(learning_rate=0.25).minimize(loss)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for _ in range(1):
        ...         _ = sess.run(train_op)
        ...     print(sess.run(w).round(4))
        [ 0.5 -1. ]
    """

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent") -> None:
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad, var):
        lr = self._hyper(self._learning_rate, var.dtype, "learning_rate")
        return state_ops.assign_sub(var, lr * grad, name="ApplyGradientDescent")
