"""``tf.nn``: activations, softmax, convolution, pooling and losses.

The ops live in :mod:`flowkit.ops.nn_ops` and :mod:`flowkit.ops.conv_ops`; ``tf.nn.sigmoid``
and ``tf.nn.tanh`` are the same functions as ``tf.sigmoid`` and ``tf.tanh`` from
:mod:`flowkit.ops.math_ops`.
"""
from flowkit import renames as _renames
from flowkit.ops import (candidate_sampling_ops, conv_ops, fractional_pool_ops, nn_impl,
                         nn_more_ops, nn_ops)
from flowkit.ops.candidate_sampling_ops import *  # noqa: F401,F403
from flowkit.ops.conv_ops import *  # noqa: F401,F403
from flowkit.ops.fractional_pool_ops import *  # noqa: F401,F403
from flowkit.ops.image_ops import depth_to_space, space_to_depth  # noqa: F401
from flowkit.ops.join_ops import space_to_batch  # noqa: F401
from flowkit.ops.math_ops import sigmoid, tanh  # noqa: F401
from flowkit.ops.nn_impl import *  # noqa: F401,F403
from flowkit.ops.nn_more_ops import *  # noqa: F401,F403
from flowkit.ops.nn_ops import *  # noqa: F401,F403
from flowkit.ops.segment_ops import top_k  # noqa: F401

__all__ = (nn_ops.__all__ + conv_ops.__all__ + nn_impl.__all__ + candidate_sampling_ops.__all__ +
           nn_more_ops.__all__ + fractional_pool_ops.__all__ +
           ["sigmoid", "tanh", "top_k", "space_to_batch", "depth_to_space", "space_to_depth"])


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.nn", "nn", name, __all__ + list(globals()))
