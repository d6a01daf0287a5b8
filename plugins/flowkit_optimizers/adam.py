"""Adam (Kingma & Ba, 2015), with TF1's bias correction folded into the step size.

Slots per variable: ``m`` (``w/Adam``) and ``v`` (``w/Adam_1``), starting at zero; and, once
per graph, the non-slot variables ``beta1_power`` and ``beta2_power`` (``beta ** t``)::

    lr_t = learning_rate * sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad ** 2
    var -= lr_t * m / (sqrt(v) + epsilon)

Note that ``epsilon`` is added to ``sqrt(v)`` *before* the bias correction of ``lr_t``, as in
TF1 (the paper adds it after: the two differ when ``v`` is tiny).
"""
from __future__ import annotations

import flowkit as tf
from flowkit_optimizers.base import SlotOptimizer


class AdamOptimizer(SlotOptimizer):
    """TF1's ``tf.train.AdamOptimizer(learning_rate=0.001, beta1=0.9, beta2=0.999,
    epsilon=1e-08)``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit_optimizers.base import train_demo  # w = [1, -2], loss sum(w * w)
        >>> train_demo(tf.train.AdamOptimizer(learning_rate=0.1))
        [ 0.7016 -1.7006]
    """

    slots = (("m", 0.0), ("v", 0.0))

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam") -> None:
        super().__init__(use_locking, name, learning_rate=learning_rate, beta1=beta1,
                         beta2=beta2, epsilon=epsilon)

    def _get_beta_accumulators(self, graph):
        return (self._get_non_slot_variable("beta1_power", graph),
                self._get_non_slot_variable("beta2_power", graph))

    def _create_slots(self, var_list) -> None:
        first = min(var_list, key=lambda v: v.name)
        self._create_non_slot_variable(self._beta1, "beta1_power", first.graph)
        self._create_non_slot_variable(self._beta2, "beta2_power", first.graph)
        super()._create_slots(var_list)

    def _apply_dense(self, grad, var):
        dt = var.dtype
        b1p, b2p = (tf.cast(p, dt) for p in self._get_beta_accumulators(var.graph))
        lr, b1, b2, eps = self._hypers(dt, "learning_rate", "beta1", "beta2", "epsilon")
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        lr_t = lr * tf.sqrt(1.0 - b2p) / (1.0 - b1p)
        m_t = tf.assign(m, m + (grad - m) * (1.0 - b1))
        v_t = tf.assign(v, v + (grad * grad - v) * (1.0 - b2))
        return tf.assign_sub(var, lr_t * m_t / (tf.sqrt(v_t) + eps), name="ApplyAdam")

    def _finish(self, update_ops, name_scope):
        graph = update_ops[0].graph
        b1p, b2p = self._get_beta_accumulators(graph)
        with tf.control_dependencies(update_ops):
            b1 = self._hyper(self._beta1, b1p.dtype, "beta1")
            b2 = self._hyper(self._beta2, b2p.dtype, "beta2")
            update_b1 = tf.assign(b1p, b1p * b1)
            update_b2 = tf.assign(b2p, b2p * b2)
        return tf.group(*update_ops, update_b1, update_b2, name=name_scope)
