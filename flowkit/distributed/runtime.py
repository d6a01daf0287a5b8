"""The process group: ``init``, ``rank``, ``size``... on ``torch.distributed``.

flowkit does not move bytes between processes itself: it starts a ``torch.distributed``
process group (gloo on CPUs, NCCL for CUDA tensors) and its collective ops call that group's
collectives. torch is imported by :func:`init` (and by the kernels), never by
``import flowkit`` or ``import flowkit.distributed``.

A launcher starts one process per device and tells each who it is through environment
variables; ``torchrun --nproc_per_node=2 train.py`` sets ``RANK``, ``WORLD_SIZE``,
``LOCAL_RANK``, ``LOCAL_WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT``, which
:func:`init` reads. Without a launcher, ``init()`` starts a one-process group.

Every collective has a deadline (``timeout`` seconds, default ``FLOWKIT_DIST_TIMEOUT`` or
60): a process whose peer died or stopped answering gets ``tf.errors.UnavailableError`` (the
connection was lost) or ``tf.errors.AbortedError`` (the deadline passed) instead of waiting
forever.
"""
from __future__ import annotations

import datetime
import os
import socket
import time

from flowkit.framework import errors

__all__ = ["init", "shutdown", "is_initialized", "rank", "local_rank", "size", "local_size",
           "timeout"]

DEFAULT_TIMEOUT = 60.0


class _State:
    initialized = False
    rank = 0
    size = 1
    local_rank = 0
    local_size = 1
    timeout = DEFAULT_TIMEOUT
    backend = None
    broken = None        # the message of the first failed collective: the group is unusable
    checked = set()      # tokens of the collective ops checked in this group (see kernels)


_state = _State()


def _env_int(name, default):
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def free_port() -> int:
    """A TCP port that is free on the loopback interface now (for one-machine jobs, tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _default_backend(torch) -> str:
    """gloo for CPU tensors (NumPy sessions, torch on the CPU); NCCL added for CUDA tensors
    where a GPU is present: torch.distributed picks the backend by the tensor's device."""
    if torch.cuda.is_available() and torch.distributed.is_nccl_available():
        return "cpu:gloo,cuda:nccl"
    return "gloo"


def init(backend=None, init_method=None, rank=None, world_size=None, timeout=None) -> None:
    """Joins (or starts) the job's process group. Call it once, before building the graph.

    Args:
        backend: ``"gloo"`` (CPU), ``"nccl"`` (CUDA) or ``"cpu:gloo,cuda:nccl"``; default: the
            latter where a GPU is present, else gloo.
        init_method: where the processes meet, e.g. ``"tcp://127.0.0.1:29500"``; default: the
            launcher's ``MASTER_ADDR``/``MASTER_PORT`` (``env://``), or, for a one-process job
            without a launcher, a free port on the loopback interface.
        rank, world_size: this process's rank and the number of processes; default: the
            launcher's ``RANK`` and ``WORLD_SIZE``, else 0 and 1.
        timeout: seconds a collective may wait for the other processes before failing
            (default ``FLOWKIT_DIST_TIMEOUT`` or 60).

    Calling ``init`` again while initialized does nothing.

    Raises:
        ImportError: PyTorch is not installed.
        ValueError: several processes are asked for but there is no place to meet.
        UnavailableError: the other processes did not arrive within ``timeout``.
    """
    if _state.initialized:
        return
    try:
        import torch
        import torch.distributed as dist
    except ImportError:
        raise ImportError("flowkit.distributed runs on torch.distributed: install PyTorch with "
                          "`pip install \"flowkit[torch]\"`.") from None
    if not dist.is_available():
        raise ImportError("This PyTorch build has no torch.distributed support.")
    rank = _env_int("RANK", 0) if rank is None else int(rank)
    world_size = _env_int("WORLD_SIZE", 1) if world_size is None else int(world_size)
    if not 0 <= rank < world_size:
        raise ValueError(f"rank must be in [0, world_size); got rank={rank}, "
                         f"world_size={world_size}.")
    if timeout is None:
        timeout = float(os.environ.get("FLOWKIT_DIST_TIMEOUT", "") or DEFAULT_TIMEOUT)
    if init_method is None:
        if os.environ.get("MASTER_ADDR") and os.environ.get("MASTER_PORT"):
            init_method = "env://"
        elif world_size == 1:
            init_method = f"tcp://127.0.0.1:{free_port()}"
        else:
            raise ValueError(f"init(world_size={world_size}) needs a place for the processes "
                             "to meet: launch with `torchrun --nproc_per_node=N script.py`, or "
                             "pass init_method='tcp://HOST:PORT' (the same on every rank).")
    backend = backend or _default_backend(torch)
    start = time.monotonic()
    try:
        dist.init_process_group(backend=backend, init_method=init_method, rank=rank,
                                world_size=world_size,
                                timeout=datetime.timedelta(seconds=timeout))
    except (RuntimeError, ValueError) as e:
        raise errors.UnavailableError(
            None, None, f"flowkit.distributed.init: rank {rank} of {world_size} could not join "
            f"the process group at {init_method!r} with backend {backend!r} after "
            f"{time.monotonic() - start:.1f}s (timeout {timeout:g}s): {e}") from e
    _state.initialized, _state.broken = True, None
    _state.checked = set()
    _state.rank, _state.size, _state.timeout, _state.backend = rank, world_size, timeout, backend
    _state.local_rank = _env_int("LOCAL_RANK", rank)
    _state.local_size = _env_int("LOCAL_WORLD_SIZE", world_size)
    if "nccl" in backend and torch.cuda.is_available():
        torch.cuda.set_device(_state.local_rank % torch.cuda.device_count())


def shutdown() -> None:
    """Leaves the process group (the ranks can then exit, or :func:`init` again)."""
    if not _state.initialized:
        return
    import torch.distributed as dist
    if dist.is_initialized():
        try:
            dist.destroy_process_group()
        except RuntimeError:    # a broken group (a peer died) cannot always be torn down
            pass
    _state.initialized, _state.broken = False, None
    _state.rank, _state.size, _state.local_rank, _state.local_size = 0, 1, 0, 1


def is_initialized() -> bool:
    """Whether :func:`init` has been called (and :func:`shutdown` not since)."""
    return _state.initialized


def _need_init(what):
    if not _state.initialized:
        raise ValueError(f"flowkit.distributed has not been initialized; call "
                         f"flowkit.distributed.init() before {what}().")


def rank() -> int:
    """This process's rank, ``0 .. size() - 1`` (rank 0 saves checkpoints and logs)."""
    _need_init("rank")
    return _state.rank


def local_rank() -> int:
    """This process's rank among the processes of its machine (which GPU it uses)."""
    _need_init("local_rank")
    return _state.local_rank


def size() -> int:
    """The number of processes in the job."""
    _need_init("size")
    return _state.size


def local_size() -> int:
    """The number of processes of the job on this machine."""
    _need_init("local_size")
    return _state.local_size


def checked_ops() -> set:
    """The tokens of the collective ops whose first run checked every rank's shapes."""
    return _state.checked


def timeout() -> float:
    """Seconds a collective waits for the other processes before failing."""
    return _state.timeout


def check_ready(what: str) -> None:
    """Raises ``FailedPreconditionError`` when a collective op runs before :func:`init`, or
    after an earlier collective failed (the group is then unusable)."""
    if not _state.initialized:
        raise errors.FailedPreconditionError(
            None, None, f"{what} ran before flowkit.distributed.init(): call "
            "flowkit.distributed.init() at the start of the program.")
    if _state.broken:
        raise errors.AbortedError(None, None, f"{what} cannot run: an earlier collective of "
                                  f"this process failed ({_state.broken}). Restart the job.")


def convert_failure(what: str, exc: BaseException, seconds: float) -> errors.OpError:
    """The TF error for a collective that raised ``exc`` after ``seconds``: a deadline is
    ``AbortedError``, a lost peer ``UnavailableError``, anything else ``UnknownError``; the
    group is marked unusable."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    low = str(exc).lower()
    _state.broken = text
    where = f"{what} on rank {_state.rank} of {_state.size}"
    if "timed out" in low or "timeout" in low or seconds >= _state.timeout * 0.95:
        return errors.AbortedError(
            None, None, f"{where} was aborted after {seconds:.1f}s: the other processes did "
            f"not take part within the {_state.timeout:g}s timeout (a rank died, hangs, or "
            f"runs a different graph). torch.distributed said: {text}")
    if any(w in low for w in ("connection", "closed", "reset by peer", "broken pipe", "peer",
                              "socket")):
        return errors.UnavailableError(
            None, None, f"{where} failed after {seconds:.1f}s: the connection to another "
            f"process was lost (a rank died?). torch.distributed said: {text}")
    return errors.UnknownError(
        None, None, f"{where} failed (process group backend {_state.backend!r}): "
        f"{type(exc).__name__}: {text}")
