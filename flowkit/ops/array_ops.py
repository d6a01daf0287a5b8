"""Array ops: every array op family in one namespace (TF1's ``array_ops``).

The ops themselves live in one module per family, each declaring its ops at one site (builder,
shape rule, gradient rule):

- :mod:`flowkit.ops.shape_ops`: identity, shape, size, rank, reshape, broadcast_to, cast,
  transpose, expand_dims, squeeze, reverse;
- :mod:`flowkit.ops.constant_ops`: fill, zeros, ones, zeros_like, ones_like, range, linspace;
- :mod:`flowkit.ops.join_ops`: stack, unstack, concat, split, tile;
- :mod:`flowkit.ops.indexing_ops`: slice, pad, strided_slice and ``tensor[...]``, gather,
  gather_nd, scatter_nd, one_hot, where, boolean_mask, sequence_mask;
- :mod:`flowkit.ops.array_more_ops`: repeat, unravel_index, searchsorted, setdiff1d,
  dynamic_partition, dynamic_stitch, batch_gather, extract_image_patches and more.

Example:
    >>> import flowkit as tf
    >>> x = tf.reshape(tf.range(6), [2, -1])
    >>> with tf.Session() as sess:
    ...     print(sess.run(x))
    ...     print(sess.run(x[:, ::-1]))
    [[0 1 2]
     [3 4 5]]
    [[2 1 0]
     [5 4 3]]
"""
from flowkit.ops import array_more_ops, constant_ops, indexing_ops, join_ops, shape_ops
from flowkit.ops.array_more_ops import *  # noqa: F401,F403
from flowkit.ops.constant_ops import *  # noqa: F401,F403
from flowkit.ops.indexing_ops import *  # noqa: F401,F403
from flowkit.ops.join_ops import *  # noqa: F401,F403
from flowkit.ops.shape_ops import *  # noqa: F401,F403

__all__ = (shape_ops.__all__ + constant_ops.__all__ + join_ops.__all__ +
           indexing_ops.__all__ + array_more_ops.__all__)
