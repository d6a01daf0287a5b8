"""An example flowkit plugin: one op (Swish) and one optimizer (SignSGD).

Example:
    >>> import flowkit as tf
    >>> from flowkit import plugins
    >>> import flowkit_example
    >>> plugins.register_plugin(flowkit_example, name="example")  # done by the entry point
    >>> with tf.Session() as sess:                                 # when it is installed
    ...     print(sess.run(flowkit_example.swish([0.0, 1.0])).round(4))
    [0.     0.7311]
    >>> plugins.unregister_plugin(flowkit_example)
"""
from __future__ import annotations

import numpy as np

import flowkit as tf
from flowkit.plugins import (OpSpec, convert_to_tensor, hookimpl, make_tensor, op_scope,
                             same_dtype_shape)

__version__ = "0.1.0"


# -- the op: builder, shape rule, gradient rule, kernels -------------------------------------
def swish(x, beta=1.0, name=None):
    """``x * sigmoid(beta * x)``, elementwise (a smooth ReLU)."""
    with op_scope(name, "Swish", [x]) as scope:
        x = convert_to_tensor(x)
        if not x.dtype.is_floating:
            raise TypeError(f"swish needs a float tensor, got {x.dtype.name}")
        return make_tensor("Swish", (x,), {"beta": float(beta)}, scope)


def _swish_grad(op, grad):
    x, beta = op.inputs[0], op.attrs["beta"]
    s = tf.sigmoid(beta * x)
    return [grad * (s + beta * x * s * (1.0 - s))]


def _numpy_swish(attrs, x):
    z = attrs["beta"] * x
    sig = 0.5 * (1.0 + np.tanh(0.5 * z))     # a sigmoid that never overflows
    return (x * sig).astype(x.dtype)


def _torch_swish(attrs, x):
    import torch
    return x * torch.sigmoid(attrs["beta"] * x)


@hookimpl
def flowkit_register_ops():
    return [OpSpec(type="Swish", shape=same_dtype_shape, grad=_swish_grad,
                   kernels={"numpy": _numpy_swish, "torch": _torch_swish}, builder=swish)]


# -- the optimizer --------------------------------------------------------------------------
class SignSGDOptimizer(tf.train.Optimizer):
    """Moves each variable by ``learning_rate * sign(gradient)`` (no slots needed)."""

    def __init__(self, learning_rate, use_locking=False, name="SignSGD"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _apply_dense(self, grad, var):
        lr = tf.cast(self._call_if_callable(self._learning_rate), var.dtype.base_dtype)
        return tf.assign_sub(var, lr * tf.sign(grad)).op


@hookimpl
def flowkit_register_optimizers():
    return [SignSGDOptimizer]
