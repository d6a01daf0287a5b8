"""``tf.bitwise``: TF1's bitwise namespace (``bitwise_and``, ``bitwise_or``, ``bitwise_xor``,
``invert``, ``left_shift``, ``right_shift`` on integer tensors), from
:mod:`flowkit.ops.bitwise_ops`.

Example (``flowkit`` attaches this module as ``tf.bitwise``):
    >>> import flowkit as tf
    >>> from flowkit import tf_bitwise as bitwise
    >>> with tf.Session() as sess:
    ...     print(sess.run(bitwise.left_shift([1, 2], 3)))
    [ 8 16]
"""
from flowkit import renames as _renames
from flowkit.ops.bitwise_ops import (  # noqa: F401
    bitwise_and, bitwise_or, bitwise_xor, invert, left_shift, right_shift)

__all__ = ["bitwise_and", "bitwise_or", "bitwise_xor", "invert", "left_shift", "right_shift"]


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.tf_bitwise", "bitwise", name,
                                     __all__ + list(globals()))
