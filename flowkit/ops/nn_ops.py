"""Neural-network ops: activations, softmax, convolution, pooling, losses.

Example:
    >>> import flowkit as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.nn.relu([-1.0, 2.0])))
    [0. 2.]
"""
from __future__ import annotations

__all__ = ["relu"]

from flowkit.framework.registry import register_op
from flowkit.ops.core import convert_to_tensor, make_tensor, same_dtype_shape


def _relu_grad(op, g):
    return [make_tensor("ReluGrad", (g, op.outputs[0]))]


register_op("Relu", shape=same_dtype_shape, grad=_relu_grad)
register_op("ReluGrad", shape=same_dtype_shape,
            grad=lambda op, gg: [make_tensor("ReluGrad", (gg, op.inputs[1])), None],
            doc="Gradient of Relu: input 0 where input 1 (the Relu output) > 0, else 0.")


def relu(features, name=None):
    """``max(features, 0)``."""
    return make_tensor("Relu", (convert_to_tensor(features),), None, name or "Relu")
