"""``tf.manip``: TF1's tensor-manipulation namespace, the same functions as ``tf.roll``,
``tf.tile``, ``tf.reshape``, ``tf.gather_nd``... under their ``tf.manip`` names.

Example (``flowkit`` attaches this module as ``tf.manip``):
    >>> import flowkit as tf
    >>> from flowkit import tf_manip as manip
    >>> with tf.Session() as sess:
    ...     print(sess.run(manip.roll([1, 2, 3, 4], shift=1, axis=0)))
    [4 1 2 3]
"""
from flowkit import renames as _renames
from flowkit.ops.indexing_ops import gather_nd, scatter_nd  # noqa: F401
from flowkit.ops.join_ops import (  # noqa: F401
    batch_to_space_nd, roll, space_to_batch_nd, tile)
from flowkit.ops.shape_ops import reshape, reverse  # noqa: F401

__all__ = ["batch_to_space_nd", "gather_nd", "reshape", "reverse", "roll", "scatter_nd",
           "space_to_batch_nd", "tile"]


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.tf_manip", "manip", name,
                                     __all__ + list(globals()))
