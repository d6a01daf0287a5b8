"""``tf.queue``: the queue classes under their ``tf.queue`` names (``tf.queue.FIFOQueue`` is
``tf.FIFOQueue``...), as TF 1.13+ also spells them.

Example:
    >>> import flowkit as tf
    >>> tf.queue.PaddingFIFOQueue is tf.PaddingFIFOQueue
    True
"""
from flowkit.ops.data_flow_ops import (FIFOQueue, PaddingFIFOQueue, PriorityQueue,  # noqa: F401
                                       QueueBase, RandomShuffleQueue)

__all__ = ["QueueBase", "FIFOQueue", "RandomShuffleQueue", "PaddingFIFOQueue", "PriorityQueue"]
