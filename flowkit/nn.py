"""``tf.nn``: activations, softmax, convolution, pooling and losses.

The ops live in :mod:`flowkit.ops.nn_ops`; ``tf.nn.sigmoid`` and ``tf.nn.tanh`` are the same
functions as ``tf.sigmoid`` and ``tf.tanh`` from :mod:`flowkit.ops.math_ops`.
"""
from flowkit.ops import math_ops as _math_ops
from flowkit.ops.nn_ops import *  # noqa: F401,F403
from flowkit.ops.nn_ops import __all__ as _nn_all

__all__ = list(_nn_all)
for _name in ("sigmoid", "tanh"):
    if hasattr(_math_ops, _name):
        globals()[_name] = getattr(_math_ops, _name)
        __all__.append(_name)
del _name
