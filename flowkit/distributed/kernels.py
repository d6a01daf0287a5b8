"""Kernels of the collective ops, for the ``numpy`` and ``torch`` backends.

Both call ``torch.distributed``. A NumPy value travels as a CPU tensor that shares its memory
(``torch.from_numpy``), and the result comes back the same way (``Tensor.numpy()``), so the
only copy is the one a collective needs: inputs are never written, so the tensors of one op
are packed into one fresh buffer (one collective for all of them), which the collective
overwrites and the outputs are views of. torch tensors stay on their device (NCCL for CUDA
tensors where the group has it).

The first time each op runs in a process, its kernel first gathers a description of what
every rank is about to move (op type, tensor names, shapes, dtype) and raises
``InvalidArgumentError`` naming the first tensor that differs, instead of letting mismatched
buffers hang or corrupt the collective. Failures of the collective itself become
``UnavailableError``/``AbortedError`` (see :mod:`flowkit.distributed.runtime`).

Importing this module does not import torch.
"""
from __future__ import annotations

import time
import warnings

import numpy as np

from flowkit.distributed import runtime
from flowkit.framework import errors

_KIND = {"DistAllreduce": "Allreduce", "DistBroadcast": "Broadcast", "DistReduce": "Reduce",
         "DistAllgather": "Allgather", "DistAllgatherGrad": "Allgather's gradient"}

_torch = None


def _lib():
    global _torch
    if _torch is None:
        import torch
        import torch.distributed  # noqa: F401
        _torch = torch
    return _torch


def _what(op_type, attrs) -> str:
    labels = list(attrs.get("labels", ()))
    shown = ", ".join(f"'{s}'" for s in labels[:3]) + (f" and {len(labels) - 3} more"
                                                         if len(labels) > 3 else "")
    return f"{_KIND[op_type]} of {shown}"


def _call(op_type, attrs, fn, *args, **kwargs):
    """Runs one torch.distributed call, converting its failures to TF errors."""
    start = time.monotonic()
    try:
        return fn(*args, **kwargs)
    except Exception as e:  # noqa: BLE001 - DistBackendError, RuntimeError, gloo's own...
        raise runtime.convert_failure(_what(op_type, attrs), e, time.monotonic() - start) from e


# -- the check that every rank runs the same collective ------------------------------------------
def check_once(op_type, attrs, xs) -> None:
    """On an op's first run in this process: every rank must be about to move the same tensors
    (names, shapes but allgather's first dimension, dtype) with the same root."""
    token = attrs["token"]
    if token in runtime.checked_ops():
        return
    dist = _lib().distributed
    shapes = [tuple(x.shape)[1:] if op_type == "DistAllgather" else tuple(x.shape) for x in xs]
    desc = (op_type, attrs.get("root_rank"), str(xs[0].dtype).replace("torch.", ""),
            tuple(attrs.get("labels", ())), tuple(shapes))
    gathered = [None] * runtime.size()
    _call(op_type, attrs, dist.all_gather_object, gathered, desc)
    runtime.checked_ops().add(token)
    for r, other in enumerate(gathered[1:], start=1):
        if other != gathered[0]:          # every rank finds the same difference
            raise errors.InvalidArgumentError(None, None, _mismatch(gathered[0], other, r))
    root = attrs.get("root_rank")
    if root is not None and root >= runtime.size():
        raise errors.InvalidArgumentError(
            None, None, f"{_what(op_type, attrs)}: root_rank {root} does not exist in a job "
            f"of {runtime.size()} processes.")


def _mismatch(a, b, r) -> str:
    """Why rank 0's description ``a`` and rank ``r``'s ``b`` of a collective differ."""
    head = "The processes of the job disagree about a collective"
    (t0, root0, dt0, names0, shapes0), (t1, root1, dt1, names1, shapes1) = a, b
    if t0 != t1 or names0 != names1 or len(shapes0) != len(shapes1):
        return (f"{head}: rank 0 runs {_KIND.get(t0, t0)} of {list(names0)[:4]} while rank "
                f"{r} runs {_KIND.get(t1, t1)} of {list(names1)[:4]}. Every rank must build "
                "the same graph and run the same fetches in the same order.")
    for name, s0, s1 in zip(names0, shapes0, shapes1):
        if s0 != s1:
            return (f"{head} ({_KIND[t0]}): '{name}' has shape {list(s0)} on rank 0 but "
                    f"{list(s1)} on rank {r}. Every rank must build the same model (same "
                    "variable shapes).")
    if dt0 != dt1:
        return f"{head} ({_KIND[t0]} of {list(names0)[:4]}): dtype {dt0} on rank 0, {dt1} on " \
               f"rank {r}."
    return f"{head} ({_KIND[t0]} of {list(names0)[:4]}): root_rank {root0} on rank 0, " \
           f"{root1} on rank {r}."


# -- the collectives, on torch tensors ------------------------------------------------------------
def _packed(xs):
    """One fresh flat buffer holding every input (a collective overwrites it)."""
    torch = _lib()
    if len(xs) == 1:
        return xs[0].reshape(-1).clone()
    return torch.cat([x.reshape(-1) for x in xs])


def _unpacked(flat, xs):
    out, at = [], 0
    for x in xs:
        n = x.numel()
        out.append(flat[at:at + n].view(x.shape))
        at += n
    return out


def _allreduce(attrs, xs):
    dist = _lib().distributed
    flat = _packed(xs)
    _call("DistAllreduce", attrs, dist.all_reduce, flat)
    n = runtime.size()
    if attrs["average"] and n > 1:
        if flat.is_floating_point():
            flat.div_(n)
        else:
            flat.div_(n, rounding_mode="floor")
    return _unpacked(flat, xs)


def _broadcast(attrs, xs):
    flat = _packed(xs)
    _call("DistBroadcast", attrs, _lib().distributed.broadcast, flat, src=attrs["root_rank"])
    return _unpacked(flat, xs)


def _reduce(attrs, xs):
    flat = _packed(xs)
    root = attrs["root_rank"]
    _call("DistReduce", attrs, _lib().distributed.reduce, flat, dst=root)
    if runtime.rank() != root:
        flat.zero_()
    return _unpacked(flat, xs)


def _row_counts(op_type, attrs, rows, device):
    torch = _lib()
    mine = torch.tensor([rows], dtype=torch.int64, device=device)
    counts = [torch.empty_like(mine) for _ in range(runtime.size())]
    _call(op_type, attrs, torch.distributed.all_gather, counts, mine)
    return [int(c.item()) for c in counts]


def _allgather(attrs, xs):
    torch = _lib()
    (x,) = xs
    counts = _row_counts("DistAllgather", attrs, x.shape[0], x.device)
    most = max(counts)
    send = x.contiguous()
    if x.shape[0] < most:
        send = torch.cat([send, send.new_zeros((most - x.shape[0],) + tuple(x.shape[1:]))])
    parts = [send.new_empty((most,) + tuple(x.shape[1:])) for _ in counts]
    _call("DistAllgather", attrs, torch.distributed.all_gather, parts, send)
    return [torch.cat([p[:c] for p, c in zip(parts, counts)])]


def _allgather_grad(attrs, xs):
    g, x = xs
    counts = _row_counts("DistAllgatherGrad", attrs, x.shape[0], g.device)
    total = g.reshape(-1).clone().view(g.shape)
    _call("DistAllgatherGrad", attrs, _lib().distributed.all_reduce, total)
    at = sum(counts[:runtime.rank()])
    return [total[at:at + x.shape[0]]]


_IMPL = {"DistAllreduce": _allreduce, "DistBroadcast": _broadcast, "DistReduce": _reduce,
         "DistAllgather": _allgather, "DistAllgatherGrad": _allgather_grad}


# -- the kernels: what the backends call -------------------------------------------------------
def _from_numpy(a):
    torch = _lib()
    a = np.asarray(a)
    if any(s < 0 for s in a.strides):
        a = np.ascontiguousarray(a)
    if not a.flags.writeable:       # read only here: no need to copy it
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return torch.from_numpy(a)
    return torch.from_numpy(a)


def _numpy_kernel(op_type):
    impl = _IMPL[op_type]

    def kernel(attrs, *xs):
        runtime.check_ready(_what(op_type, attrs))
        ts = [_from_numpy(x) for x in xs]
        check_once(op_type, attrs, ts[:1] if op_type == "DistAllgatherGrad" else ts)
        outs = [t.numpy() for t in impl(attrs, ts)]
        return outs[0] if len(outs) == 1 else tuple(outs)
    kernel.__name__ = f"numpy_{op_type}"
    return kernel


def _torch_kernel(op_type):
    impl = _IMPL[op_type]

    def kernel(attrs, *xs):
        runtime.check_ready(_what(op_type, attrs))
        check_once(op_type, attrs, xs[:1] if op_type == "DistAllgatherGrad" else xs)
        outs = impl(attrs, list(xs))
        return outs[0] if len(outs) == 1 else tuple(outs)
    kernel.__name__ = f"torch_{op_type}"
    return kernel


def table(op_type) -> dict:
    """``{backend name: kernel}`` for one collective op type."""
    return {"numpy": _numpy_kernel(op_type), "torch": _torch_kernel(op_type)}
