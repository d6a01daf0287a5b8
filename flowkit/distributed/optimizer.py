"""Data-parallel training: ``DistributedOptimizer`` averages the gradients over the processes,
``broadcast_global_variables`` makes every process start from rank 0's variables.

Each process computes the gradients of its own batch; ``compute_gradients`` then adds one
allreduce per gradient dtype (all the float32 gradients travel in one buffer, in one
collective), so every process applies the same averaged gradient -- the gradient of the
combined batch, when the loss is a mean over equal batches -- and the variables stay equal
on every process after every step. ``apply_gradients`` is the wrapped optimizer's own, so
its slots keep their names (``w/Adam``) and checkpoints do not change.
"""
from __future__ import annotations

from flowkit.distributed import ops, runtime
from flowkit.framework import dtypes
from flowkit.framework.graph import get_default_graph
from flowkit.ops.control_flow_ops import group
from flowkit.ops.shape_ops import cast
from flowkit.ops.state_ops import assign
from flowkit.train.optimizer import Optimizer
from flowkit.variables import global_variables

__all__ = ["Compression", "DistributedOptimizer", "broadcast_global_variables",
           "BroadcastGlobalVariablesHook"]


class _NoneCompressor:
    """Sends values as they are."""

    @staticmethod
    def compress(tensor):
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        return tensor


class _FP16Compressor:
    """Sends float values as float16 (half the bytes), and casts them back on arrival."""

    @staticmethod
    def compress(tensor):
        if tensor.dtype.is_floating and tensor.dtype is not dtypes.float16:
            return cast(tensor, dtypes.float16), tensor.dtype
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        return tensor if ctx is None else cast(tensor, ctx)


class Compression:
    """How gradients travel (Horovod's names): ``Compression.none`` or ``Compression.fp16``."""

    none = _NoneCompressor
    fp16 = _FP16Compressor


def allreduce_gradients(grads, average=True, compression=None, labels=None,
                        name="DistributedOptimizer_Allreduce"):
    """Allreduces ``grads`` (``None`` entries pass through) with one collective per dtype.

    Returns:
        The reduced gradients, in the order of ``grads``.
    """
    compression = compression or Compression.none
    labels = labels or [getattr(g, "name", str(g)) for g in grads]
    out = list(grads)
    buckets = {}                           # dtype -> [(index, tensor, ctx)], in first-seen order
    with get_default_graph().name_scope(name):
        for i, g in enumerate(grads):
            if g is None:
                continue
            small, ctx = compression.compress(g)
            buckets.setdefault(small.dtype, []).append((i, small, ctx))
        for dtype, items in buckets.items():
            reduced = ops.grouped_allreduce([t for _, t, _ in items], average=average,
                                            name=f"Allreduce_{dtype.name}",
                                            labels=[labels[i] for i, _, _ in items])
            for (i, _, ctx), r in zip(items, reduced):
                out[i] = compression.decompress(r, ctx)
    return out


class DistributedOptimizer(Optimizer):
    """Wraps any optimizer so that its gradients are averaged over all processes.

    Args:
        optimizer: the optimizer to wrap (any ``tf.train.Optimizer``, from any plugin).
        average: average the gradients (default) or sum them.
        compression: ``Compression.fp16`` sends float gradients as float16; default none.
        name: the name scope of the allreduce ops (default ``Distributed<Optimizer>``).
        use_locking, device_dense, device_sparse, sparse_as_dense: accepted for Horovod
            compatibility.

    Example::

        opt = hvd.DistributedOptimizer(tf.train.AdamOptimizer(0.001 * hvd.size()))
        train_op = opt.minimize(loss)     # slots are still named w/Adam, w/Adam_1
    """

    def __init__(self, optimizer, average=True, compression=None, *, name=None,
                 use_locking=False, device_dense="", device_sparse="", sparse_as_dense=False):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"DistributedOptimizer wraps a tf.train.Optimizer, got "
                            f"{type(optimizer).__name__}")
        super().__init__(use_locking, name or f"Distributed{type(optimizer).__name__}")
        self._optimizer = optimizer
        self._average = bool(average)
        self._compression = compression or Compression.none

    def compute_gradients(self, *args, **kwargs):
        """The wrapped optimizer's ``compute_gradients``, then one allreduce per dtype.

        In a one-process job the gradients are returned unchanged (no collective at all).
        """
        grads_and_vars = self._optimizer.compute_gradients(*args, **kwargs)
        if runtime.is_initialized() and runtime.size() == 1:
            return grads_and_vars
        grads = [g for g, _ in grads_and_vars]
        reduced = allreduce_gradients(grads, self._average, self._compression,
                                      labels=[v.name for _, v in grads_and_vars],
                                      name=f"{self._name}_Allreduce")
        return list(zip(reduced, [v for _, v in grads_and_vars]))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """The wrapped optimizer's ``apply_gradients``, unchanged."""
        return self._optimizer.apply_gradients(grads_and_vars, global_step=global_step,
                                               name=name)

    def get_slot(self, var, name):
        return self._optimizer.get_slot(var, name)

    def get_slot_names(self) -> list:
        return self._optimizer.get_slot_names()

    def variables(self) -> list:
        return self._optimizer.variables()

    def get_name(self) -> str:
        return self._optimizer.get_name()


def broadcast_variables(variables, root_rank, name="BroadcastGlobalVariables"):
    """An op that assigns rank ``root_rank``'s values to ``variables`` on every process (one
    broadcast per dtype). Its first run checks that every process has the same variables with
    the same shapes, and names the first that differs."""
    variables = list(variables)
    if not variables:
        return group(name=name)
    graph = variables[0].graph
    with graph.name_scope(name) as scope:
        buckets = {}
        for v in variables:
            buckets.setdefault(v.dtype.base_dtype, []).append(v)
        assigns = []
        for dtype, vs in buckets.items():
            values = ops.grouped_broadcast([v.value() for v in vs], root_rank,
                                           name=f"Broadcast_{dtype.name}",
                                           labels=[v.name for v in vs])
            assigns.extend(assign(v, x).op for v, x in zip(vs, values))
        return group(*assigns, name=scope)


def broadcast_global_variables(root_rank):
    """An op that copies every global variable from process ``root_rank`` to all the others:
    run it once after ``tf.global_variables_initializer()`` (or restoring on the root), so
    that all processes start from the same model."""
    return broadcast_variables(global_variables(), root_rank)


class BroadcastGlobalVariablesHook:
    """Runs :func:`broadcast_global_variables` once the session exists.

    A ``tf.train.SessionRunHook`` for ``MonitoredTrainingSession`` (duck-typed: it has every
    method of one, so it works where a hook is expected): ``begin`` builds the broadcast op,
    ``after_create_session`` runs it. Without a monitored session, call the two yourself::

        hook = hvd.BroadcastGlobalVariablesHook(0)
        hook.begin()
        sess.run(tf.global_variables_initializer())
        hook.after_create_session(sess, None)
    """

    def __init__(self, root_rank, device=""):
        self.root_rank = root_rank
        self.bcast_op = None
        self.device = device
        self._graph = None

    def begin(self):
        graph = get_default_graph()
        if self.bcast_op is None or self._graph is not graph:
            self.bcast_op = broadcast_global_variables(self.root_rank)
            self._graph = graph

    def after_create_session(self, session, coord):
        if self.bcast_op is None:
            self.begin()
        session.run(self.bcast_op)

    def before_run(self, run_context):
        return None

    def after_run(self, run_context, run_values):
        return None

    def end(self, session):
        return None
