"""The standard optimizers, contributed through the optimizer hook.

This package is an ordinary flowkit plugin: the one hook below returns the optimizer classes,
and flowkit makes each reachable as ``tf.train.<ClassName>``. Each optimizer lives in its own
short module and writes its update rule with flowkit ops (``tf.assign_sub`` and friends), so
every backend can run it.

Example:
    >>> import flowkit as tf
    >>> sorted(tf.train.GradientDescentOptimizer.__module__.split(".")[:1])
    ['flowkit_optimizers']
"""
from __future__ import annotations

from flowkit.plugins import hookimpl

__version__ = "0.1.0"


@hookimpl
def flowkit_register_optimizers():
    from flowkit_optimizers.adadelta import AdadeltaOptimizer
    from flowkit_optimizers.adagrad import AdagradOptimizer
    from flowkit_optimizers.adagrad_da import AdagradDAOptimizer
    from flowkit_optimizers.adam import AdamOptimizer
    from flowkit_optimizers.ftrl import FtrlOptimizer
    from flowkit_optimizers.gradient_descent import GradientDescentOptimizer
    from flowkit_optimizers.momentum import MomentumOptimizer
    from flowkit_optimizers.proximal_adagrad import ProximalAdagradOptimizer
    from flowkit_optimizers.proximal_gradient_descent import ProximalGradientDescentOptimizer
    from flowkit_optimizers.rmsprop import RMSPropOptimizer
    return [GradientDescentOptimizer, MomentumOptimizer, AdagradOptimizer, AdadeltaOptimizer,
            RMSPropOptimizer, AdamOptimizer, ProximalGradientDescentOptimizer,
            ProximalAdagradOptimizer, FtrlOptimizer, AdagradDAOptimizer]
