"""The collective ops: ``allreduce``, ``allgather``, ``broadcast`` (and the reduce that is
broadcast's gradient), each declared at one site: builder, shape rule, gradient rule.

The ops reach the session through the plugin hook a third-party op plugin uses
(:func:`flowkit_register_ops`, with kernels for the ``numpy`` and ``torch`` backends in
:mod:`flowkit.distributed.kernels`); :func:`ensure_registered` registers this module as a
plugin the first time a collective is built, unless the plugin manager already loaded it.

Each collective op takes a *list* of tensors of one dtype and moves them in one collective
(one fused buffer), so ``DistributedOptimizer`` reduces all the gradients of one dtype with a
single ``all_reduce``. The gradients, written with these ops:

- ``y = allreduce(x)`` on every rank, ``y = sum_r x_r`` (or the mean): the gradient of
  ``x_r`` is ``sum_s dL/dy_s`` (or the mean): an allreduce of the output gradients;
- ``y = broadcast(x, root)``: every ``y_r`` is ``x_root``, so ``dL/dx_root = sum_r dL/dy_r``
  and the other ranks' inputs get zero: a *reduce* to the root, whose gradient is in turn a
  broadcast from the root;
- ``y = allgather(x)`` concatenates every rank's rows: ``dL/dx_r`` is rank ``r``'s rows of
  ``sum_s dL/dy_s`` (a reduce-scatter), whose gradient is an allgather.
"""
from __future__ import annotations

import sys
import uuid

from flowkit import plugins
from flowkit.distributed import kernels
from flowkit.framework.registry import get_op_def, has_op, unregister_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.constant_ops import zeros_like
from flowkit.ops.core import convert_to_tensor, make_op, op_scope

__all__ = ["allreduce", "grouped_allreduce", "allgather", "broadcast", "grouped_broadcast",
           "reduce", "OP_TYPES", "ensure_registered"]

ALLREDUCE, ALLGATHER, BROADCAST, REDUCE = ("DistAllreduce", "DistAllgather", "DistBroadcast",
                                           "DistReduce")
ALLGATHER_GRAD = "DistAllgatherGrad"
OP_TYPES = (ALLREDUCE, ALLGATHER, BROADCAST, REDUCE, ALLGATHER_GRAD)
PLUGIN_NAME = "flowkit.distributed"

# The dtypes torch.distributed can move (it has no string tensors; bool cannot be summed).
_NUMERIC = ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8")


# -- registration -------------------------------------------------------------------------------
def ensure_registered() -> None:
    """Registers this module as a flowkit plugin unless the plugin manager has it already
    (through ``DEFAULT_PLUGINS`` or an entry point), so that the collective op types and
    their kernels exist."""
    module = sys.modules[__name__]
    pm = plugins.get_plugin_manager()
    if pm.is_registered(module):
        return
    # A plugin manager reloaded since an earlier registration keeps the registry's op types
    # but not the kernels: drop the stale types and register afresh.
    for op_type in OP_TYPES:
        if has_op(op_type) and get_op_def(op_type).plugin == PLUGIN_NAME:
            unregister_op(op_type)
    plugins.register_plugin(module, name=PLUGIN_NAME)


@plugins.hookimpl
def flowkit_register_ops():
    """The collective ops, with kernels for the NumPy and PyTorch backends."""
    spec = plugins.OpSpec
    return [
        spec(type=ALLREDUCE, shape=_same_shapes, grad=_allreduce_grad,
             kernels=kernels.table(ALLREDUCE), builder=allreduce),
        spec(type=BROADCAST, shape=_same_shapes, grad=_broadcast_grad,
             kernels=kernels.table(BROADCAST), builder=broadcast),
        spec(type=REDUCE, shape=_same_shapes, grad=_reduce_grad,
             kernels=kernels.table(REDUCE), builder=reduce),
        spec(type=ALLGATHER, shape=_allgather_shape, grad=_allgather_grad,
             kernels=kernels.table(ALLGATHER), builder=allgather),
        spec(type=ALLGATHER_GRAD, shape=_allgather_grad_shape, grad=_allgather_grad_grad,
             kernels=kernels.table(ALLGATHER_GRAD)),
    ]


# -- shape rules -----------------------------------------------------------------------------
def _check_numeric(inputs, what):
    for t in inputs:
        if t.dtype.name not in _NUMERIC:
            raise TypeError(f"{what} cannot move {t.dtype.name} tensors ('{t.name}'); "
                            f"supported dtypes: {', '.join(_NUMERIC)}")


def _same_shapes(inputs, attrs):
    if not inputs:
        raise ValueError("a collective needs at least one tensor")
    _check_numeric(inputs, "a collective")
    first = inputs[0].dtype
    for t in inputs[1:]:
        if t.dtype is not first:
            raise TypeError(f"one collective moves tensors of one dtype: '{inputs[0].name}' "
                            f"is {first.name} but '{t.name}' is {t.dtype.name}")
    return [(t.dtype, t.shape) for t in inputs]


def _allgather_shape(inputs, attrs):
    (x,) = inputs
    _check_numeric(inputs, "allgather")
    if x.shape.ndims == 0:
        raise ValueError(f"allgather concatenates along axis 0: '{x.name}' must have at least "
                         "one dimension, it is a scalar")
    if x.shape.ndims is None:
        return [(x.dtype, x.shape)]
    return [(x.dtype, TensorShape([None] + x.shape.as_list()[1:]))]


def _allgather_grad_shape(inputs, attrs):
    g, x = inputs
    return [(g.dtype, x.shape)]


# -- gradient rules --------------------------------------------------------------------------
def _filled(op, grads):
    return [g if g is not None else zeros_like(out) for g, out in zip(grads, op.outputs)]


def _grad_labels(op):
    return [f"gradient of {label}" for label in op.attrs.get("labels", ())]


def _allreduce_grad(op, *grads):
    return grouped_allreduce(_filled(op, grads), average=op.attrs["average"],
                             labels=_grad_labels(op))


def _broadcast_grad(op, *grads):
    return grouped_reduce(_filled(op, grads), op.attrs["root_rank"], labels=_grad_labels(op))


def _reduce_grad(op, *grads):
    return grouped_broadcast(_filled(op, grads), op.attrs["root_rank"],
                             labels=_grad_labels(op))


def _allgather_grad(op, grad):
    x = op.inputs[0]
    with op_scope(None, "AllgatherGrad", [grad, x]) as scope:
        out = make_op(ALLGATHER_GRAD, [grad, x], _attrs([f"gradient of {x.name}"]), scope)
    return [out.outputs[0]]


def _allgather_grad_grad(op, grad):
    return [allgather(grad), None]


# -- builders ---------------------------------------------------------------------------------
def _attrs(labels, **more):
    # ``token`` identifies the op to the kernels, which check once per process that every
    # rank runs the same collective on the same shapes (see kernels.check_once).
    return dict(more, labels=tuple(str(s) for s in labels), token=uuid.uuid4().hex)


def _grouped(op_type, default_name, tensors, labels, name, **attrs):
    ensure_registered()
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"{default_name} needs at least one tensor")
    with op_scope(name, default_name, tensors) as scope:
        tensors = [convert_to_tensor(t) for t in tensors]
        labels = [t.name for t in tensors] if labels is None else list(labels)
        if len(labels) != len(tensors):
            raise ValueError(f"{default_name}: {len(labels)} labels for {len(tensors)} tensors")
        return list(make_op(op_type, tensors, _attrs(labels, **attrs), scope).outputs)


def allreduce(tensor, average=True, name=None, compression=None):
    """The sum (``average=False``) or mean over all processes of ``tensor``, on every process.

    ``compression`` (``Compression.fp16``) sends the values as float16.

    Example (one process, so the mean is the value itself)::

        hvd.init()
        y = hvd.allreduce(tf.constant([1.0, 2.0]))      # [1, 2] on a one-process job
    """
    if compression is not None:
        tensor = convert_to_tensor(tensor)
        small, ctx = compression.compress(tensor)
        return compression.decompress(allreduce(small, average, name), ctx)
    return grouped_allreduce([tensor], average=average, name=name or "Allreduce")[0]


def grouped_allreduce(tensors, average=True, name=None, labels=None):
    """:func:`allreduce` of several tensors of one dtype in one collective (one buffer)."""
    return _grouped(ALLREDUCE, "Allreduce", tensors, labels, name, average=bool(average))


def broadcast(tensor, root_rank, name=None):
    """``tensor`` as it is on process ``root_rank``, on every process."""
    return grouped_broadcast([tensor], root_rank, name=name or "Broadcast")[0]


def grouped_broadcast(tensors, root_rank, name=None, labels=None):
    """:func:`broadcast` of several tensors of one dtype in one collective."""
    return _grouped(BROADCAST, "Broadcast", tensors, labels, name, root_rank=_root(root_rank))


def reduce(tensor, root_rank, name=None):
    """The sum over all processes of ``tensor`` on ``root_rank``; zeros elsewhere (the
    gradient of :func:`broadcast`)."""
    return grouped_reduce([tensor], root_rank, name=name or "Reduce")[0]


def grouped_reduce(tensors, root_rank, name=None, labels=None):
    """:func:`reduce` of several tensors of one dtype in one collective."""
    return _grouped(REDUCE, "Reduce", tensors, labels, name, root_rank=_root(root_rank))


def allgather(tensor, name=None):
    """Every process's ``tensor`` concatenated along axis 0, in rank order, on every process.
    The first dimension may differ between processes; the others must agree."""
    ensure_registered()
    with op_scope(name, "Allgather", [tensor]) as scope:
        tensor = convert_to_tensor(tensor)
        return make_op(ALLGATHER, [tensor], _attrs([tensor.name]), scope).outputs[0]


def _root(root_rank) -> int:
    if isinstance(root_rank, bool) or not isinstance(root_rank, int) or root_rank < 0:
        raise ValueError(f"root_rank must be a non-negative int, got {root_rank!r}")
    return int(root_rank)
