"""``tf.nn``: activations, softmax, convolution, pooling and losses."""
from flowkit.ops.nn_ops import *  # noqa: F401,F403
from flowkit.ops.nn_ops import relu  # noqa: F401
