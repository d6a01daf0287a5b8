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

from flowkit.framework.graph import control_dependencies
from flowkit.ops import array_ops, control_flow_ops, math_ops, state_ops
from flowkit.train.optimizer import Optimizer


class AdamOptimizer(Optimizer):
    """TF1's ``tf.train.AdamOptimizer(learning_rate=0.001, beta1=0.9, beta2=0.999,
    epsilon=1e-08)``.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable([1.0, -2.0], name="w")
        >>> loss = tf.reduce_sum(w * w)
        >>> train_op = tf.train.AdamOptimizer(learning_rate=0.1).minimize(loss)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for _ in range(3):
        ...         _ = sess.run(train_op)
        ...     print(sess.run(w).round(4))
        [ 0.7016 -1.7006]
    """

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 use_locking=False, name="Adam") -> None:
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon

    def _get_beta_accumulators(self, graph):
        return (self._get_non_slot_variable("beta1_power", graph),
                self._get_non_slot_variable("beta2_power", graph))

    def _create_slots(self, var_list) -> None:
        first = min(var_list, key=lambda v: v.name)
        self._create_non_slot_variable(self._beta1, "beta1_power", first.graph)
        self._create_non_slot_variable(self._beta2, "beta2_power", first.graph)
        for v in var_list:
            self._make_slot(v, "m")
            self._make_slot(v, "v")

    def _apply_dense(self, grad, var):
        dt = var.dtype
        b1p, b2p = (array_ops.cast(p, dt) for p in self._get_beta_accumulators(var.graph))
        lr = self._hyper(self._lr, dt, "learning_rate")
        b1 = self._hyper(self._beta1, dt, "beta1")
        b2 = self._hyper(self._beta2, dt, "beta2")
        eps = self._hyper(self._epsilon, dt, "epsilon")
        m, v = self.get_slot(var, "m"), self.get_slot(var, "v")
        lr_t = lr * math_ops.sqrt(1.0 - b2p) / (1.0 - b1p)
        m_t = state_ops.assign(m, m + (grad - m) * (1.0 - b1))
        v_t = state_ops.assign(v, v + (grad * grad - v) * (1.0 - b2))
        return state_ops.assign_sub(var, lr_t * m_t / (math_ops.sqrt(v_t) + eps),
                                    name="ApplyAdam")

    def _finish(self, update_ops, name_scope):
        graph = update_ops[0].graph
        b1p, b2p = self._get_beta_accumulators(graph)
        with control_dependencies(update_ops):
            b1 = self._hyper(self._beta1, b1p.dtype, "beta1")
            b2 = self._hyper(self._beta2, b2p.dtype, "beta2")
            update_b1 = state_ops.assign(b1p, b1p * b1)
            update_b2 = state_ops.assign(b2p, b2p * b2)
        return control_flow_ops.group(*update_ops, update_b1, update_b2, name=name_scope)
