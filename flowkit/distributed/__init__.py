"""``flowkit.distributed``: data-parallel training across processes and machines, Horovod's
API on ``torch.distributed`` (gloo on CPUs, NCCL on GPUs, launched by ``torchrun``).

Write ``import flowkit.distributed as hvd``; a single-process program becomes a distributed
one with four changed lines::

    hvd.init()                                                  # 1. join the job
    opt = hvd.DistributedOptimizer(tf.train.AdamOptimizer(lr))  # 2. average the gradients
    bcast = hvd.broadcast_global_variables(0)                   # 3. start from rank 0's model
    if hvd.rank() == 0: saver.save(sess, path)                  # 4. save on rank 0 only

and runs as ``torchrun --nproc_per_node=2 train.py``: each process reads its own part of the
data. The collective ops (:func:`allreduce`, :func:`allgather`, :func:`broadcast`) are flowkit
ops with gradients, usable in any graph. ``import flowkit`` does not import this package,
and this package imports torch only in :func:`init` and in the kernels.
"""
from flowkit.distributed.runtime import (  # noqa: F401
    init, shutdown, is_initialized, rank, local_rank, size, local_size)
from flowkit.distributed.ops import (  # noqa: F401
    allreduce, grouped_allreduce, allgather, broadcast, grouped_broadcast)
from flowkit.distributed.optimizer import (  # noqa: F401
    Compression, DistributedOptimizer, broadcast_global_variables, broadcast_variables,
    BroadcastGlobalVariablesHook, allreduce_gradients)

__all__ = ["init", "shutdown", "is_initialized", "rank", "local_rank", "size", "local_size",
           "allreduce", "grouped_allreduce", "allgather", "broadcast", "grouped_broadcast",
           "Compression", "DistributedOptimizer", "broadcast_global_variables",
           "broadcast_variables", "BroadcastGlobalVariablesHook", "allreduce_gradients"]
