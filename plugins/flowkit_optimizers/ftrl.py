"""FTRL-Proximal (McMahan et al., 2013), as TF1's ``ApplyFtrl``/``ApplyFtrlV2`` kernels
compute it. Two slots per variable: ``accum`` (``w/Ftrl``, starting at
``initial_accumulator_value``) and ``linear`` (``w/Ftrl_1``, zeros); with ``p`` the
``learning_rate_power`` and ``l2`` the L2 strength plus ``beta / (2 * learning_rate)``::

    g_s = grad + 2 * l2_shrinkage * var
    accum_new = accum + grad ** 2
    linear += g_s - (accum_new ** -p - accum ** -p) / learning_rate * var
    quadratic = accum_new ** -p / learning_rate + 2 * l2
    var = (sign(linear) * l1 - linear) / quadratic  if |linear| > l1  else 0
    accum = accum_new
"""
from __future__ import annotations

import flowkit as tf
from flowkit_optimizers.base import SlotOptimizer
from flowkit_optimizers.proximal_gradient_descent import check_strengths


class FtrlOptimizer(SlotOptimizer):
    """TF1's ``tf.train.FtrlOptimizer(learning_rate, learning_rate_power=-0.5,
    initial_accumulator_value=0.1, l1_regularization_strength=0.0,
    l2_regularization_strength=0.0, accum_name=None, linear_name=None,
    l2_shrinkage_regularization_strength=0.0, beta=None)``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit_optimizers.base import train_demo  # w = [1, -2], loss sum(w * w)
        >>> train_demo(tf.train.FtrlOptimizer(0.5, l1_regularization_strength=0.1))
        [ 0.0923 -0.8543]
    """

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0,
                 use_locking=False, name="Ftrl", accum_name=None, linear_name=None,
                 l2_shrinkage_regularization_strength=0.0, beta=None) -> None:
        if initial_accumulator_value < 0.0:
            raise ValueError(f"initial_accumulator_value {initial_accumulator_value} needs to "
                             "be positive or zero")
        if learning_rate_power > 0.0:
            raise ValueError(f"learning_rate_power {learning_rate_power} needs to be negative "
                             "or zero")
        check_strengths(l1_regularization_strength=l1_regularization_strength,
                        l2_regularization_strength=l2_regularization_strength,
                        l2_shrinkage_regularization_strength=(
                            l2_shrinkage_regularization_strength))
        super().__init__(use_locking, name, learning_rate=learning_rate,
                         learning_rate_power=learning_rate_power,
                         initial_accumulator_value=initial_accumulator_value,
                         l1_regularization_strength=l1_regularization_strength,
                         l2_regularization_strength=l2_regularization_strength,
                         l2_shrinkage_regularization_strength=(
                             l2_shrinkage_regularization_strength),
                         beta=0.0 if beta is None else beta)
        self._accum_name, self._linear_name = accum_name, linear_name

    def _create_slots(self, var_list) -> None:
        # the slots' variables are named after accum_name / linear_name when given
        for v in var_list:
            for slot, init, slot_name in (("accum", self._initial_accumulator_value,
                                           self._accum_name),
                                          ("linear", 0.0, self._linear_name)):
                saved, self._name = self._name, slot_name or self._name
                try:
                    self._make_slot(v, slot, init)
                finally:
                    self._name = saved

    def _apply_dense(self, grad, var):
        hypers = self._ftrl_hypers(var.dtype)
        accum, linear = self.get_slot(var, "accum"), self.get_slot(var, "linear")
        new_var, accum_new, _ = self._rule(hypers, grad, var, tf.identity(accum),
                                           lambda delta: tf.assign_add(linear, delta))
        var_t = tf.assign(var, new_var, name="ApplyFtrl")
        with tf.control_dependencies([var_t]):
            accum_t = tf.assign(accum, accum_new)
        return tf.group(var_t, accum_t)

    def _apply_sparse(self, values, indices, var):
        """An embedding's update, as TF1's: the rule on the rows a batch used only; the
        other rows (and their slots) stay as they are."""
        hypers = self._ftrl_hypers(var.dtype)
        grad, rows = self._unique_rows(values, indices, var)
        accum, linear = self.get_slot(var, "accum"), self.get_slot(var, "linear")
        new_rows, accum_new, linear_t = self._rule(
            hypers, grad, tf.gather(var, rows), tf.gather(accum, rows),
            lambda delta: tf.gather(linear, rows) + delta)
        return tf.group(tf.scatter_update(linear, rows, linear_t),
                        tf.scatter_update(var, rows, new_rows, name="SparseApplyFtrl"),
                        tf.scatter_update(accum, rows, accum_new))

    def _ftrl_hypers(self, dt):
        lr, p, l1, l2, shrink, beta = self._hypers(
            dt, "learning_rate", "learning_rate_power", "l1_regularization_strength",
            "l2_regularization_strength", "l2_shrinkage_regularization_strength", "beta")
        return lr, p, l1, l2 + beta / (2.0 * lr), shrink

    def _rule(self, hypers, grad, v, accum_old, add_to_linear):
        """FTRL's step from the variable's value ``v`` and accumulator ``accum_old`` (all of
        them or some rows); ``add_to_linear(delta)`` adds to the ``linear`` slot and gives
        its new value. Returns the new value, the new accumulator and the new linear."""
        lr, p, l1, l2, shrink = hypers
        accum_new = accum_old + grad * grad
        g_s = grad if self._l2_shrinkage_regularization_strength == 0.0 else \
            grad + 2.0 * shrink * v
        sigma = (tf.pow(accum_new, -p) - tf.pow(accum_old, -p)) / lr
        linear_t = add_to_linear(g_s - sigma * v)
        quadratic = tf.pow(accum_new, -p) / lr + 2.0 * l2
        new_v = tf.where(tf.abs(linear_t) > l1,
                         (tf.sign(linear_t) * l1 - linear_t) / quadratic,
                         tf.zeros_like(linear_t))
        return new_v, accum_new, linear_t
