"""What the optimizers of this plugin share: settings, slots, and the demo of their examples.

Each optimizer here is a :class:`SlotOptimizer`: it passes its settings (hyper-parameters
and flags) to ``__init__``, says which slots a variable gets in :attr:`SlotOptimizer.slots`,
and writes only its update rule, ``_apply_dense``, plus ``_apply_sparse`` where TF1's
update of an embedding's rows differs from the dense rule on a zero gradient. Everything
comes from flowkit's public API (``import flowkit as tf``), as in any third-party optimizer
plugin.
"""
from __future__ import annotations

import flowkit as tf


class SlotOptimizer(tf.train.Optimizer):
    """A ``tf.train.Optimizer`` whose settings are attributes and whose slots are data.

    ``SlotOptimizer(use_locking, name, learning_rate=0.1, rho=0.95)`` keeps each setting as
    an attribute (``self._learning_rate``, ``self._rho``); :meth:`_hypers` turns settings into
    tensors of a variable's dtype; :meth:`_create_slots` makes the slots that
    :meth:`_slot_specs` lists for each variable.

    Example:
        >>> import flowkit as tf
        >>> from flowkit_optimizers.base import SlotOptimizer
        >>> class Halve(SlotOptimizer):                 # var -= rate * grad / 2
        ...     def __init__(self, rate, name="Halve"):
        ...         super().__init__(False, name, rate=rate)
        ...     def _apply_dense(self, grad, var):
        ...         (rate,) = self._hypers(var.dtype, "rate")
        ...         return tf.assign_sub(var, rate * grad / 2.0)
        >>> train_demo(Halve(0.5), steps=1)
        [ 0.5 -1. ]
    """

    #: ``(slot name, initial value)`` of each slot a variable gets, in the order they are made:
    #: the first is named ``w/<optimizer name>``, the next ``w/<optimizer name>_1``, and so on.
    slots: tuple = ()

    def __init__(self, use_locking, name, **settings) -> None:
        super().__init__(use_locking, name)
        for key, value in settings.items():
            setattr(self, f"_{key}", value)

    def _slot_specs(self):
        """The slots of each variable (default: :attr:`slots`; override when they depend on
        settings)."""
        return self.slots

    def _create_slots(self, var_list) -> None:
        for v in var_list:
            for slot_name, initial_value in self._slot_specs():
                self._make_slot(v, slot_name, initial_value)

    def _unique_rows(self, values, indices, var):
        """``(gradient rows, row indices)`` with each row of ``var`` once (a repeated row's
        gradients summed), as TF1's optimizers see an embedding's ``IndexedSlices`` before
        their sparse update (``_apply_sparse``)."""
        unique, position = tf.unique(tf.reshape(indices, [-1]))
        rows = tf.reshape(values, tf.concat([[-1], tf.shape(var)[1:]], 0))
        return tf.unsorted_segment_sum(rows, position, tf.size(unique)), unique

    def _hypers(self, dtype, *names) -> list:
        """The settings ``names`` as tensors of ``dtype``, made in this order (each a constant
        named after the setting, or a cast of a tensor setting)."""
        return [self._hyper(getattr(self, f"_{name}"), dtype, name) for name in names]


def train_demo(optimizer, steps=3) -> None:
    """The example of every optimizer here: ``steps`` steps of ``optimizer`` on
    ``sum(w * w)`` from ``w = [1, -2]``, then prints ``w`` rounded to 4 decimals (the code
    below is the whole recipe: make the training op, initialize, run it).

    Example:
        >>> import flowkit as tf
        >>> train_demo(tf.train.GradientDescentOptimizer(learning_rate=0.25), steps=1)
        [ 0.5 -1. ]
    """
    w = tf.Variable([1.0, -2.0], name="w")
    train_op = optimizer.minimize(tf.reduce_sum(w * w))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for _ in range(steps):
            sess.run(train_op)
        print(sess.run(w).round(4))
