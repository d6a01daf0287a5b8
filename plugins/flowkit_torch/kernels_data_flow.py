"""PyTorch kernels of :mod:`flowkit.ops.data_flow_ops`: the queues and the file ops.

Queues move arrays without computing on them, so the torch backend runs the NumPy backend's
queue kernels (asked of the plugin manager: plugins never import each other) with its own
array functions, :class:`TorchArrays`: elements stay torch tensors on the session's device
(string components stay NumPy object arrays, as everywhere on this backend).
"""
from __future__ import annotations

import numpy as np
import torch

import flowkit

from flowkit import plugins
from flowkit.backend import KernelTable
from flowkit_torch._common import tdtype

KERNELS = KernelTable()


class TorchArrays:
    """The array functions of a queue whose elements are torch tensors on ``device``."""

    def __init__(self, device) -> None:
        self.device = device

    @staticmethod
    def copy(x):
        return x.clone() if isinstance(x, torch.Tensor) else np.array(x, copy=True)

    @staticmethod
    def shape(x) -> tuple:
        return tuple(x.shape) if isinstance(x, torch.Tensor) else np.shape(x)

    @staticmethod
    def stack(parts):
        if isinstance(parts[0], np.ndarray):
            return np.stack(parts)
        return torch.stack(parts)

    def empty(self, shape, dtype):
        if dtype.name == "string":
            return np.empty(shape, dtype=object)
        return torch.empty(shape, dtype=tdtype(dtype), device=self.device)

    def scalar(self, value, dtype):
        return torch.tensor(value, dtype=tdtype(dtype), device=self.device)

    @staticmethod
    def padded(x, shape):
        if isinstance(x, np.ndarray):
            out = np.full(shape, "" if x.dtype == object else 0, dtype=x.dtype)
        else:
            out = torch.zeros(shape, dtype=x.dtype, device=x.device)
        out[tuple(slice(0, d) for d in x.shape)] = x
        return out


_NUMPY_KERNELS: dict = {}


def _numpy_kernel(op_type):
    fn = _NUMPY_KERNELS.get(op_type)
    if fn is None:
        fn = _NUMPY_KERNELS[op_type] = plugins.get_backend("numpy").kernels[op_type]
    return fn


def _handle_kernel(op_type):
    def kernel(attrs):
        return _numpy_kernel(op_type)(dict(attrs, arrays=TorchArrays(attrs["rng"].device)))
    kernel.__name__ = op_type
    return kernel


def _delegate(op_type):
    def kernel(attrs, *xs):
        return _numpy_kernel(op_type)(attrs, *xs)
    kernel.__name__ = op_type
    return kernel


for _t in ("FIFOQueueV2", "RandomShuffleQueueV2", "PaddingFIFOQueueV2", "PriorityQueueV2",
           "TextLineReaderV2", "WholeFileReaderV2", "FixedLengthRecordReaderV2",
           "IdentityReaderV2"):
    KERNELS[_t] = _handle_kernel(_t)
# String tensors are NumPy object arrays on this backend too: the file ops are NumPy's.
for _t in ("QueueEnqueueV2", "QueueEnqueueManyV2", "QueueDequeueV2", "QueueDequeueManyV2",
           "QueueDequeueUpToV2", "QueueCloseV2", "QueueSizeV2", "QueueIsClosedV2",
           "ReadFile", "WriteFile", "MatchingFiles", "ReaderReadV2", "ReaderReadUpToV2",
           "ReaderNumRecordsProducedV2", "ReaderNumWorkUnitsCompletedV2", "ReaderResetV2"):
    KERNELS[_t] = _delegate(_t)


@KERNELS.register("CountUpTo")
def _count_up_to(attrs, ref, limit):
    if int(ref) >= int(limit):
        raise flowkit.errors.OutOfRangeError(None, None, f"Reached limit of {int(limit)}")
    return ref + 1


def _to_device(op_type):
    """The NumPy kernel, with its number outputs moved to the session's device (string
    outputs stay NumPy object arrays)."""
    def kernel(attrs, *xs):
        xs = [x.cpu().numpy() if isinstance(x, torch.Tensor) else x for x in xs]
        outs = _numpy_kernel(op_type)(attrs, *xs)
        device = attrs["rng"].device

        def move(o):
            if o.dtype == object:
                return o
            return torch.from_numpy(np.array(o, order="C")).to(device=device,
                                                                 dtype=tdtype(o.dtype))
        return tuple(move(o) for o in outs) if isinstance(outs, tuple) else move(outs)
    kernel.__name__ = op_type
    return kernel


for _t in ("DecodeCSV", "DecodeRaw"):
    KERNELS[_t] = _to_device(_t)
