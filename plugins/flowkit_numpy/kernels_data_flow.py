"""NumPy kernels of :mod:`flowkit.ops.data_flow_ops`: the queues, the readers and the file
ops.

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
import csv
import glob
import heapq
import itertools
import os
import random
import threading

import numpy as np

import flowkit
from flowkit.backend import KernelTable, op_state

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

    @staticmethod
    def padded(x, shape):
        """``x`` in the top corner of an array of ``shape`` filled with zeros ('' for
        strings)."""
        out = np.full(shape, "" if x.dtype == object else 0, dtype=x.dtype)
        out[tuple(slice(0, d) for d in x.shape)] = x
        return out


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
            if self.shapes and not _fits(shape, self.shapes[i]):
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


def _fits(shape, wanted) -> bool:
    """Whether a shape matches a queue's component shape (``None``: any size)."""
    return len(shape) == len(wanted) and all(w is None or w == d for d, w in zip(shape, wanted))


class PaddingQueue(Queue):
    """A FIFO queue whose component shapes may have ``None`` dims; a batch is padded to the
    largest size of each dimension."""

    def stack(self, elements, n_wanted):
        if not elements:
            return tuple(self.arrays.empty((0,) + tuple(d or 0 for d in s), t)
                         for s, t in zip(self.shapes, self.types))
        out = []
        for i in range(len(self.types)):
            parts = [e[i] for e in elements]
            shapes = [self.arrays.shape(p) for p in parts]
            top = tuple(max(dims) for dims in zip(*shapes)) if shapes[0] else ()
            out.append(self.arrays.stack([p if s == top else self.arrays.padded(p, top)
                                          for p, s in zip(parts, shapes)]))
        return tuple(out)


class _Heap:
    """The elements of a priority queue: smallest priority (component 0) first, equal
    priorities in arrival order; the deque methods :class:`Queue` uses."""

    def __init__(self) -> None:
        self._heap, self._count = [], itertools.count()

    def __len__(self) -> int:
        return len(self._heap)

    def append(self, element) -> None:
        priority = element[0]
        if len(getattr(priority, "shape", ())) != 0:
            raise flowkit.errors.InvalidArgumentError(
                None, None, f"PriorityQueue: the priority (component 0) must be a scalar, got "
                f"shape {tuple(priority.shape)}.")
        heapq.heappush(self._heap, (int(priority), next(self._count), element))

    def extendleft(self, elements) -> None:     # elements taken back: their order is kept
        for e in elements:
            self.append(e)

    def popleft(self):
        return heapq.heappop(self._heap)[2]


class PriorityQueue(Queue):
    def __init__(self, attrs, kind, arrays) -> None:
        super().__init__(attrs, kind, arrays)
        self.items = _Heap()


_QUEUE_CLASSES = {"PaddingFIFOQueue": PaddingQueue, "PriorityQueue": PriorityQueue}


def _queue_kernel(kind):
    def kernel(attrs):
        state = attrs["state"]

        def make():
            q = _QUEUE_CLASSES.get(kind, Queue)(attrs, kind, attrs.get("arrays", _NUMPY))
            state["on_close"] = q.abort
            return q
        q = op_state(state, "queue", make)
        handle = np.empty((), dtype=object)
        handle[()] = q
        return handle
    kernel.__name__ = kind
    return kernel


KERNELS["FIFOQueueV2"] = _queue_kernel("FIFOQueue")
KERNELS["RandomShuffleQueueV2"] = _queue_kernel("RandomShuffleQueue")
KERNELS["PaddingFIFOQueueV2"] = _queue_kernel("PaddingFIFOQueue")
KERNELS["PriorityQueueV2"] = _queue_kernel("PriorityQueue")


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


# -- files ---------------------------------------------------------------------------------------
def _path(x) -> str:
    v = np.asarray(x, dtype=object)[()]
    return os.fsdecode(v) if isinstance(v, (bytes, str)) else str(v)


@KERNELS.register("ReadFile")
def _read_file(attrs, filename):
    path = _path(filename)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise flowkit.errors.NotFoundError(None, None, f"{path}; No such file or directory") \
            from None
    except IsADirectoryError:
        raise flowkit.errors.FailedPreconditionError(None, None, f"{path}; Is a directory") \
            from None
    out = np.empty((), dtype=object)
    out[()] = data
    return out


@KERNELS.register("WriteFile")
def _write_file(attrs, filename, contents):
    path = _path(filename)
    data = np.asarray(contents, dtype=object)[()]
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else str(data).encode())
    return ()


@KERNELS.register("MatchingFiles")
def _matching_files(attrs, pattern):
    patterns = np.asarray(pattern, dtype=object).reshape(-1)
    names = sorted({os.fsencode(m) for p in patterns for m in glob.glob(_path(p))})
    out = np.empty(len(names), dtype=object)
    out[:] = names
    return out


# -- readers --------------------------------------------------------------------------------------
def _bytes(x) -> bytes:
    v = np.asarray(x, dtype=object)[()]
    return v if isinstance(v, bytes) else str(v).encode()


def _string(value: bytes):
    out = np.empty((), dtype=object)
    out[()] = value
    return out


def _file_bytes(work: bytes) -> bytes:
    path = os.fsdecode(work)
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise flowkit.errors.NotFoundError(None, None, f"{path}; No such file or directory") \
            from None


def _text_lines(work, attrs):
    lines = _file_bytes(work).split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()                                  # the newline that ends the file
    for number, line in enumerate(lines, 1):
        if number > attrs["skip_header_lines"]:
            yield work + b":" + str(number).encode(), line[:-1] if line.endswith(b"\r") \
                else line


def _whole_file(work, attrs):
    yield work, _file_bytes(work)


def _fixed_length(work, attrs):
    data = _file_bytes(work)
    size, hop = attrs["record_bytes"], attrs["hop_bytes"] or attrs["record_bytes"]
    start, end = attrs["header_bytes"], len(data) - attrs["footer_bytes"]
    for i, pos in enumerate(range(start, end - size + 1, hop)):
        yield work + b":" + str(i).encode(), data[pos:pos + size]


def _identity(work, attrs):
    yield work, work


class Reader:
    """One reader in one session: the records of the current work unit, and the counts."""

    def __init__(self, records, attrs, arrays) -> None:
        self._records, self.attrs, self.arrays = records, attrs, arrays
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.current, self.produced, self.completed = None, 0, 0

    def _next_work(self, queue):
        (element,) = queue.dequeue(1)
        self.current = iter(self._records(_bytes(element[0]), self.attrs))

    def read(self, queue, n):
        """Up to ``n`` records, moving to the queue's next work units as files end; the
        records read before the queue turned out closed and empty are returned, else
        ``OutOfRangeError``."""
        got = []
        with self.lock:
            while len(got) < n:
                if self.current is None:
                    try:
                        self._next_work(queue)
                    except flowkit.errors.OutOfRangeError:
                        if got:
                            break
                        raise
                record = next(self.current, None)
                if record is None:
                    self.current = None
                    self.completed += 1
                    continue
                got.append(record)
                self.produced += 1
        return got


_RECORDS = {"TextLineReaderV2": _text_lines, "WholeFileReaderV2": _whole_file,
            "FixedLengthRecordReaderV2": _fixed_length, "IdentityReaderV2": _identity}


def _reader_kernel(op_type):
    def kernel(attrs):
        r = op_state(attrs["state"], "reader", lambda: Reader(
            _RECORDS[op_type], attrs, attrs.get("arrays", _NUMPY)))
        handle = np.empty((), dtype=object)
        handle[()] = r
        return handle
    kernel.__name__ = op_type
    return kernel


for _t in _RECORDS:
    KERNELS[_t] = _reader_kernel(_t)


def _reader(handle) -> Reader:
    r = np.asarray(handle)[()]
    if not isinstance(r, Reader):
        raise flowkit.errors.InvalidArgumentError(None, None, f"Expected a reader handle, got "
                                                  f"{r!r}.")
    return r


@KERNELS.register("ReaderReadV2")
def _reader_read(attrs, handle, queue):
    ((key, value),) = _reader(handle).read(_queue(queue), 1)
    return _string(key), _string(value)


@KERNELS.register("ReaderReadUpToV2")
def _reader_read_up_to(attrs, handle, queue, n):
    n = _count(n)
    if n == 0:
        raise flowkit.errors.InvalidArgumentError(None, None, "num_records must be positive.")
    records = _reader(handle).read(_queue(queue), n)
    keys, values = np.empty(len(records), dtype=object), np.empty(len(records), dtype=object)
    keys[:] = [k for k, _ in records]
    values[:] = [v for _, v in records]
    return keys, values


@KERNELS.register("ReaderNumRecordsProducedV2")
def _reader_produced(attrs, handle):
    r = _reader(handle)
    return r.arrays.scalar(r.produced, np.int64)


@KERNELS.register("ReaderNumWorkUnitsCompletedV2")
def _reader_completed(attrs, handle):
    r = _reader(handle)
    return r.arrays.scalar(r.completed, np.int64)


@KERNELS.register("ReaderResetV2")
def _reader_reset(attrs, handle):
    r = _reader(handle)
    with r.lock:
        r.reset()
    return ()


# -- decode_csv, decode_raw ------------------------------------------------------------------------
def _csv_fields(record: str, attrs) -> list:
    if not record:
        return [""]
    if attrs["use_quote_delim"]:
        rows = list(csv.reader([record], delimiter=attrs["field_delim"], quotechar='"',
                               doublequote=True, strict=True))
    else:
        rows = list(csv.reader([record], delimiter=attrs["field_delim"],
                               quoting=csv.QUOTE_NONE))
    return rows[0] if rows else [""]


def _csv_value(field, default, dtype, col, row):
    if dtype.name == "string":
        return field.encode()
    try:
        return int(field) if dtype.is_integer else float(field)
    except ValueError:
        raise flowkit.errors.InvalidArgumentError(
            None, None, f"Field {col} in record {row} is not a valid {dtype.name}: "
            f"{field}") from None


@KERNELS.register("DecodeCSV")
def _decode_csv(attrs, records, *defaults):
    records = np.asarray(records, dtype=object)
    types, select = attrs["OUT_TYPE"], attrs["select_cols"]
    defaults = [np.asarray(d).reshape(-1) for d in defaults]
    columns = [[] for _ in types]
    for row, rec in enumerate(records.reshape(-1)):
        text = rec.decode() if isinstance(rec, bytes) else str(rec)
        try:
            fields = _csv_fields(text, attrs)
        except csv.Error as e:
            raise flowkit.errors.InvalidArgumentError(
                None, None, f"Quote error in record {row}: {e}: {text}") from None
        if select:
            if len(fields) <= select[-1]:
                raise flowkit.errors.InvalidArgumentError(
                    None, None, f"Expect {select[-1] + 1} fields but have {len(fields)} in "
                    f"record {row}")
            fields = [fields[c] for c in select]
        elif len(fields) != len(types):
            raise flowkit.errors.InvalidArgumentError(
                None, None, f"Expect {len(types)} fields but have {len(fields)} in record "
                f"{row}")
        for col, (field, default, dtype) in enumerate(zip(fields, defaults, types)):
            if field == "" or field == attrs["na_value"]:
                if default.size == 0:
                    raise flowkit.errors.InvalidArgumentError(
                        None, None, f"Field {col} is required but missing in record {row}!")
                columns[col].append(default[0])
            else:
                columns[col].append(_csv_value(field, default, dtype, col, row))
    out = []
    for values, dtype in zip(columns, types):
        if dtype.name == "string":
            arr = np.empty(len(values), dtype=object)
            arr[:] = [v if isinstance(v, bytes) else str(v).encode() for v in values]
        else:
            arr = np.array(values, dtype=dtype.as_numpy_dtype)
        out.append(arr.reshape(records.shape))
    return tuple(out)


@KERNELS.register("DecodeRaw")
def _decode_raw(attrs, data):
    data = np.asarray(data, dtype=object)
    np_type = np.dtype(attrs["out_type"].as_numpy_dtype)
    np_type = np_type.newbyteorder("<" if attrs["little_endian"] else ">")
    flat = [_bytes(x) for x in data.reshape(-1)]
    size = len(flat[0]) if flat else 0
    for i, b in enumerate(flat):
        if len(b) != size:
            raise flowkit.errors.InvalidArgumentError(
                None, None, f"DecodeRaw requires input strings to all be the same size, but "
                f"element {i} has size {len(b)} != {size}")
    if size % np_type.itemsize:
        raise flowkit.errors.InvalidArgumentError(
            None, None, f"Input to DecodeRaw has length {size} that is not a multiple of "
            f"{np_type.itemsize}, the size of {attrs['out_type'].name}")
    n = size // np_type.itemsize
    out = np.frombuffer(b"".join(flat), dtype=np_type).reshape(data.shape + (n,))
    return out.astype(np_type.newbyteorder("="))
