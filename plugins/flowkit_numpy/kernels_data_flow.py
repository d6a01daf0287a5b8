"""NumPy kernels of :mod:`flowkit.ops.data_flow_ops`: the queues.

A queue's state is a :class:`Queue` kept in its handle op's per-session state dict
(``attrs["state"]``); the handle tensor's value is a 0-d object array holding it, and the
other queue ops find the queue through that value. A queue holds backend arrays and moves
them without computing on them, so the same kernels serve the torch backend: its
``kernels_data_flow`` passes its array functions (:class:`Arrays`) to the handle kernels as
``attrs["arrays"]``.

Blocking ops wait on the queue's condition variable, so a ``sess.run`` that dequeues from an
empty queue waits until another thread's ``sess.run`` enqueues (or closes the queue).
"""
from __future__ import annotations

import collections
import random
import threading

import numpy as np

import flowkit
from flowkit.backend import KernelTable

KERNELS = KernelTable()


class Arrays:
    """The array functions a queue uses (NumPy's; a backend subclasses it for its arrays)."""

    @staticmethod
    def copy(x):
        return np.array(x, copy=True)

    @staticmethod
    def shape(x) -> tuple:
        return tuple(np.shape(x))

    @staticmethod
    def stack(parts):
        return np.stack(parts)

    @staticmethod
    def empty(shape, dtype):
        return np.empty(shape, dtype=dtype.as_numpy_dtype)

    @staticmethod
    def scalar(value, dtype):
        return np.array(value, dtype=dtype)


_NUMPY = Arrays()


class Queue:
    """One queue in one session: a buffer of elements (tuples of arrays), a condition
    variable, and the closed/cancelled flags."""

    def __init__(self, attrs, kind, arrays) -> None:
        self.kind, self.arrays = kind, arrays
        self.name = attrs.get("queue_name") or kind
        self.types = tuple(attrs["component_types"])
        self.shapes = tuple(tuple(s.as_list()) for s in attrs["shapes"])
        self.capacity = attrs["capacity"] if attrs["capacity"] >= 0 else float("inf")
        self.min_after = attrs.get("min_after_dequeue", 0)
        self.shuffle = kind == "RandomShuffleQueue"
        if self.shuffle:
            self.rng = random.Random(hash((attrs["seed"], attrs["seed2"]))
                                     if attrs.get("seeded") else None)
        self.items = collections.deque() if not self.shuffle else []
        self.cond = threading.Condition()
        self.waiting = collections.deque()    # the dequeues waiting, served in this order
        self.closed = False
        self.cancel_epoch = 0     # bumped by close(cancel_pending_enqueues=True)
        self.aborted = None       # a message once the session closed

    # -- errors ---------------------------------------------------------------------------------
    def _check_aborted(self):
        if self.aborted:
            raise flowkit.errors.CancelledError(None, None, self.aborted)

    def _closed_error(self):
        return flowkit.errors.CancelledError(None, None, f"{self.kind} '{self.name}' is closed.")

    def _short(self, requested):
        return flowkit.errors.OutOfRangeError(
            None, None, f"{self.kind} '{self.name}' is closed and has insufficient elements "
            f"(requested {requested}, current size {len(self.items)})")

    # -- enqueue --------------------------------------------------------------------------------
    def _check_element(self, comps, many):
        if len(comps) != len(self.types):
            raise ValueError(f"{self.kind} '{self.name}' expects {len(self.types)} components, "
                             f"got {len(comps)}.")
        sizes = set()
        for i, c in enumerate(comps):
            shape = self.arrays.shape(c)
            if many:
                if not shape:
                    raise ValueError(f"Component {i} enqueued into {self.kind} '{self.name}' "
                                     "with enqueue_many must have a batch dimension, got a "
                                     "scalar.")
                sizes.add(shape[0])
                shape = shape[1:]
            if self.shapes and shape != self.shapes[i]:
                raise ValueError(f"Shape mismatch in tuple component {i} enqueued into "
                                 f"{self.kind} '{self.name}'. Expected {list(self.shapes[i])}, "
                                 f"got {list(shape)}")
        if len(sizes) > 1:
            raise ValueError(f"enqueue_many into {self.kind} '{self.name}': the components' "
                             f"first dimensions differ: {sorted(sizes)}.")
        return sizes.pop() if sizes else 1

    def enqueue(self, elements):
        """Adds ``elements`` (tuples of arrays, copied by the caller) one by one, waiting for
        room."""
        with self.cond:
            self._check_aborted()
            if self.closed:
                raise self._closed_error()
            epoch = self.cancel_epoch
            for element in elements:
                while len(self.items) >= self.capacity:
                    self.cond.wait()
                    self._check_aborted()
                    if self.cancel_epoch != epoch:
                        raise flowkit.errors.CancelledError(
                            None, None, f"Enqueue operation was cancelled: {self.kind} "
                            f"'{self.name}' was closed with cancel_pending_enqueues=True.")
                self.items.append(element)
                self.cond.notify_all()

    # -- dequeue --------------------------------------------------------------------------------
    def _take(self, n):
        if not self.shuffle:
            return [self.items.popleft() for _ in range(n)]
        out = []
        for _ in range(n):
            j = self.rng.randrange(len(self.items))
            self.items[j], self.items[-1] = self.items[-1], self.items[j]
            out.append(self.items.pop())
        return out

    def dequeue(self, n, up_to=False):
        """``n`` elements. Dequeues are served in the order they arrive; the one served takes
        elements as they come (keeping ``min_after_dequeue`` in a shuffling queue until it is
        closed), so ``n`` may exceed the capacity. When the queue is closed with too few, the
        elements taken go back and ``OutOfRangeError`` is raised (``up_to``: what was taken is
        returned, if anything)."""
        with self.cond:
            ticket = object()
            self.waiting.append(ticket)
            got = []
            try:
                while True:
                    self._check_aborted()
                    if self.waiting[0] is ticket:
                        items = self.items
                        while len(got) < n and (len(items) > self.min_after or
                                                (self.closed and items)):
                            got.extend(self._take(1))
                            self.cond.notify_all()
                        if len(got) == n or (self.closed and up_to and got):
                            return got
                        if self.closed:
                            if self.shuffle:
                                items.extend(got)
                            else:
                                items.extendleft(reversed(got))
                            got = []
                            raise self._short(n)
                    self.cond.wait()
            finally:
                self.waiting.remove(ticket)
                self.cond.notify_all()

    def close(self, cancel_pending):
        with self.cond:
            self.closed = True
            if cancel_pending:
                self.cancel_epoch += 1
            self.cond.notify_all()

    def abort(self):
        """Fails every op blocked on this queue (the session is closing)."""
        with self.cond:
            self.aborted = f"The session that holds {self.kind} '{self.name}' was closed."
            self.closed = True
            self.cond.notify_all()

    # -- stacking -------------------------------------------------------------------------------
    def stack(self, elements, n_wanted):
        if not self.shapes and len(elements) != 1:
            for i in range(len(self.types)):
                got = {self.arrays.shape(e[i]) for e in elements}
                if len(got) > 1:
                    raise flowkit.errors.InvalidArgumentError(
                        None, None, f"{self.kind} '{self.name}': dequeue_many needs elements "
                        f"of one shape, but component {i} has shapes {sorted(got)}. Give the "
                        "queue shapes=.")
        if not elements:
            if not self.shapes:
                raise flowkit.errors.InvalidArgumentError(
                    None, None, f"{self.kind} '{self.name}' has no shapes: dequeue_many(0) "
                    "cannot make empty components. Give the queue shapes=.")
            return tuple(self.arrays.empty((0,) + s, t) for s, t in zip(self.shapes,
                                                                          self.types))
        return tuple(self.arrays.stack([e[i] for e in elements])
                     for i in range(len(self.types)))


def _queue_kernel(kind):
    def kernel(attrs):
        state = attrs["state"]
        q = state.get("queue")
        if q is None:
            q = state["queue"] = Queue(attrs, kind, attrs.get("arrays", _NUMPY))
            state["on_close"] = q.abort
        handle = np.empty((), dtype=object)
        handle[()] = q
        return handle
    kernel.__name__ = kind
    return kernel


KERNELS["FIFOQueueV2"] = _queue_kernel("FIFOQueue")
KERNELS["RandomShuffleQueueV2"] = _queue_kernel("RandomShuffleQueue")


def _queue(handle) -> Queue:
    q = np.asarray(handle)[()]
    if not isinstance(q, Queue):
        raise flowkit.errors.InvalidArgumentError(None, None, f"Expected a queue handle, got "
                                                  f"{q!r}.")
    return q


@KERNELS.register("QueueEnqueueV2")
def _enqueue(attrs, handle, *comps):
    q = _queue(handle)
    q._check_element(comps, many=False)
    q.enqueue([tuple(q.arrays.copy(c) for c in comps)])
    return ()


@KERNELS.register("QueueEnqueueManyV2")
def _enqueue_many(attrs, handle, *comps):
    q = _queue(handle)
    n = q._check_element(comps, many=True)
    q.enqueue([tuple(q.arrays.copy(c[i]) for c in comps) for i in range(n)])
    return ()


@KERNELS.register("QueueDequeueV2")
def _dequeue(attrs, handle):
    (element,) = _queue(handle).dequeue(1)
    return element


def _count(n) -> int:
    n = int(np.asarray(n) if not hasattr(n, "item") else n.item())
    if n < 0:
        raise ValueError(f"n must be non-negative, got {n}.")
    return n


@KERNELS.register("QueueDequeueManyV2")
def _dequeue_many(attrs, handle, n):
    q, n = _queue(handle), _count(n)
    return q.stack(q.dequeue(n), n)


@KERNELS.register("QueueDequeueUpToV2")
def _dequeue_up_to(attrs, handle, n):
    q, n = _queue(handle), _count(n)
    return q.stack(q.dequeue(n, up_to=True), n)


@KERNELS.register("QueueCloseV2")
def _close(attrs, handle):
    _queue(handle).close(attrs.get("cancel_pending_enqueues", False))
    return ()


@KERNELS.register("QueueSizeV2")
def _size(attrs, handle):
    q = _queue(handle)
    with q.cond:
        return q.arrays.scalar(len(q.items), np.int32)


@KERNELS.register("QueueIsClosedV2")
def _is_closed(attrs, handle):
    q = _queue(handle)
    return q.arrays.scalar(q.closed, np.bool_)


@KERNELS.register("CountUpTo")
def _count_up_to(attrs, ref, limit):
    if int(ref) >= int(limit):
        raise flowkit.errors.OutOfRangeError(None, None, f"Reached limit of {int(limit)}")
    return np.array(ref + 1, dtype=ref.dtype)
