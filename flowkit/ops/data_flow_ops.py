"""Queues (TF1's input pipeline before tf.data): FIFOQueue, RandomShuffleQueue and their
enqueue, dequeue, close and size ops, whose state lives in the session.

The ops, with TF1's type names:

=========================  ===========================================================
``FIFOQueueV2``            the queue's handle (a scalar; its value is the queue's state
                           in the session, made on first use: ``needs_state``)
``RandomShuffleQueueV2``   the same for a queue that dequeues in random order
``QueueEnqueueV2``         adds one element (one tensor per component); blocks while full
``QueueEnqueueManyV2``     adds the slices along dimension 0 of its components
``QueueDequeueV2``         removes one element; blocks while empty
``QueueDequeueManyV2``     removes ``n`` elements, stacked
``QueueDequeueUpToV2``     the same, fewer once the queue is closed
``QueueCloseV2``           closes the queue (``cancel_pending_enqueues``)
``QueueSizeV2``            the number of elements (``int32``)
``QueueIsClosedV2``        whether it is closed (``bool``)
``CountUpTo``              increments an integer variable, ``OutOfRangeError`` at the limit
                           (what ``num_epochs`` of the input producers counts with)
=========================  ===========================================================

As in TF1, a dequeue from a closed queue that has too few elements raises
``tf.errors.OutOfRangeError`` (which ends an input pipeline's epochs), an enqueue into a
closed queue raises ``tf.errors.CancelledError``, and blocking ops block the thread that runs
them, so queues are filled and emptied by several threads calling ``sess.run`` at once (see
``tf.train.QueueRunner``). Two sessions running one graph have two separate queues.

Example:
    >>> import flowkit as tf
    >>> q = tf.FIFOQueue(3, tf.float32, shapes=[[]])
    >>> init = q.enqueue_many([[1.0, 2.0, 3.0]])
    >>> x, size = q.dequeue(), q.size()
    >>> with tf.Session() as sess:
    ...     sess.run(init)
    ...     print(sess.run(x), sess.run(size))
    1.0 2
"""
from __future__ import annotations

from flowkit.framework import dtypes as _dtypes
from flowkit.framework.graph import Tensor, get_default_graph, get_seed
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape, as_shape
from flowkit.ops import math_ops
from flowkit.ops.core import constant_value, convert_to_tensor, make_op, op_scope

__all__ = ["QueueBase", "FIFOQueue", "RandomShuffleQueue", "PaddingFIFOQueue", "PriorityQueue",
           "count_up_to", "read_file", "write_file", "matching_files", "ReaderBase",
           "TextLineReader", "WholeFileReader", "FixedLengthRecordReader", "IdentityReader",
           "decode_csv", "decode_raw"]

_QUEUE_TYPES = ("FIFOQueueV2", "RandomShuffleQueueV2", "PaddingFIFOQueueV2", "PriorityQueueV2")


# -- shape rules -------------------------------------------------------------------------------
def _handle_shape(inputs, attrs):
    return [(_dtypes.string, TensorShape([]))]


def _check_handle(h) -> None:
    if h.dtype is not _dtypes.string or h.op.type not in _QUEUE_TYPES:
        raise TypeError(f"Expected a queue handle (the queue_ref of a tf.FIFOQueue or "
                        f"tf.RandomShuffleQueue...), got tensor '{h.name}' made by a "
                        f"{h.op.type} op.")


def _check_components(inputs, attrs, many):
    handle, comps = inputs[0], inputs[1:]
    _check_handle(handle)
    want_types, want_shapes = attrs["component_types"], attrs["shapes"]
    name = attrs.get("queue_name", "queue")
    if len(comps) != len(want_types):
        raise ValueError(f"Queue '{name}' has {len(want_types)} components, but "
                         f"{len(comps)} tensors were given to enqueue.")
    batch = None
    for i, (t, dt) in enumerate(zip(comps, want_types)):
        if t.dtype is not dt:
            raise TypeError(f"Component {i} enqueued into queue '{name}' has type "
                            f"{t.dtype.name}, but the queue holds {dt.name}.")
        shape = t.shape
        if many:
            if shape.ndims == 0:
                raise ValueError(f"enqueue_many needs each component to have a batch "
                                 f"dimension, but component {i} ('{t.name}') is a scalar.")
            if shape.ndims is not None:
                batch = shape[0] if batch is None else batch.merge_with(shape[0])
                shape = shape[1:]
        if want_shapes and not shape.is_compatible_with(want_shapes[i]):
            what = "the elements of component" if many else "component"
            raise ValueError(f"Shape mismatch in {what} {i} enqueued into queue '{name}': "
                             f"expected {want_shapes[i]}, got {shape}.")
    return []


def _enqueue_shape(inputs, attrs):
    return _check_components(inputs, attrs, many=False)


def _enqueue_many_shape(inputs, attrs):
    return _check_components(inputs, attrs, many=True)


def _dequeue_outputs(attrs, lead):
    shapes = attrs["shapes"] or [TensorShape(None)] * len(attrs["component_types"])
    out = []
    for dt, s in zip(attrs["component_types"], shapes):
        if lead is False:
            out.append((dt, s))
        else:
            out.append((dt, TensorShape([lead]).concatenate(s)))
    return out


def _dequeue_shape(inputs, attrs):
    _check_handle(inputs[0])
    return _dequeue_outputs(attrs, False)


def _dequeue_many_shape(inputs, attrs):
    _check_handle(inputs[0])
    n = inputs[1]
    if n.shape.ndims not in (None, 0):
        raise ValueError(f"n must be a scalar, got shape {n.shape}.")
    value = constant_value(n)
    if value is not None and int(value) < 0:
        raise ValueError(f"n must be non-negative, got {int(value)}.")
    return _dequeue_outputs(attrs, None if value is None else int(value))


def _dequeue_up_to_shape(inputs, attrs):
    _dequeue_many_shape(inputs, attrs)
    return _dequeue_outputs(attrs, None)


def _close_shape(inputs, attrs):
    _check_handle(inputs[0])
    return []


def _size_shape(inputs, attrs):
    _check_handle(inputs[0])
    return [(_dtypes.int32, TensorShape([]))]


def _is_closed_shape(inputs, attrs):
    _check_handle(inputs[0])
    return [(_dtypes.bool, TensorShape([]))]


for _t in _QUEUE_TYPES:
    # needs_rng: the generator tells a backend's kernel the session's device
    register_op(_t, shape=_handle_shape, grad=None, needs_state=True, needs_rng=True)
register_op("QueueEnqueueV2", shape=_enqueue_shape, grad=None, stateful=True)
register_op("QueueEnqueueManyV2", shape=_enqueue_many_shape, grad=None, stateful=True)
register_op("QueueDequeueV2", shape=_dequeue_shape, grad=None, stateful=True, list_output=True)
register_op("QueueDequeueManyV2", shape=_dequeue_many_shape, grad=None, stateful=True,
            list_output=True)
register_op("QueueDequeueUpToV2", shape=_dequeue_up_to_shape, grad=None, stateful=True,
            list_output=True)
register_op("QueueCloseV2", shape=_close_shape, grad=None, stateful=True)
register_op("QueueSizeV2", shape=_size_shape, grad=None, stateful=True)
register_op("QueueIsClosedV2", shape=_is_closed_shape, grad=None, stateful=True)


# -- the Python classes ------------------------------------------------------------------------
def _as_dtypes(types) -> list:
    if not isinstance(types, (list, tuple)):
        types = [types]
    return [_dtypes.as_dtype(t) for t in types]


def _as_shapes(shapes, n, partial=False) -> list:
    if shapes is None:
        return []
    shapes = list(shapes)
    # a single shape (a list of ints) for a one-component queue
    if n == 1 and (not shapes or not isinstance(shapes[0], (list, tuple, TensorShape))) \
            and all(s is None or isinstance(s, int) for s in shapes):
        shapes = [shapes]
    if len(shapes) != n:
        raise ValueError(f"Queue shapes must have the same length as dtypes: {n} dtypes, "
                         f"{len(shapes)} shapes.")
    out = [as_shape(s) for s in shapes]
    for s in out:
        if partial and s.ndims is None:
            raise ValueError(f"PaddingFIFOQueue needs the rank of each component, got {s}.")
        if not partial and not s.is_fully_defined():
            raise ValueError(f"Queue shapes must be fully defined, got {s}. (Leave shapes out "
                             "for elements of any shape; then dequeue_many is unavailable.)")
    return out


class QueueBase:
    """TF1's ``tf.QueueBase``: the methods every queue has. Make a queue with
    :class:`FIFOQueue` or :class:`RandomShuffleQueue`.

    Example:
        >>> import flowkit as tf
        >>> q = tf.FIFOQueue(2, [tf.int32, tf.string], shapes=[[], []], names=["id", "name"])
        >>> isinstance(q, tf.QueueBase), q.names, [d.name for d in q.dtypes]
        (True, ['id', 'name'], ['int32', 'string'])
    """

    def __init__(self, dtypes, shapes, names, queue_ref) -> None:
        self._dtypes = _as_dtypes(dtypes)
        self._shapes = _as_shapes(shapes, len(self._dtypes))
        if names is not None:
            names = [names] if isinstance(names, str) else list(names)
            if len(names) != len(self._dtypes):
                raise ValueError(f"Queue names must have the same length as dtypes: "
                                 f"{len(self._dtypes)} dtypes, {len(names)} names.")
        self._names = names
        self._queue_ref = queue_ref
        self._name = queue_ref.op.name if queue_ref is not None else None

    # -- properties -----------------------------------------------------------------------------
    @property
    def queue_ref(self) -> Tensor:
        """The queue's handle tensor."""
        return self._queue_ref

    @property
    def name(self) -> str:
        """The name of the queue's op."""
        return self._name

    @property
    def dtypes(self) -> list:
        return list(self._dtypes)

    @property
    def shapes(self) -> list:
        return list(self._shapes) or [TensorShape(None)] * len(self._dtypes)

    @property
    def names(self):
        return None if self._names is None else list(self._names)

    # -- building ops ---------------------------------------------------------------------------
    def _attrs(self) -> dict:
        return {"component_types": tuple(self._dtypes), "shapes": tuple(self._shapes),
                "queue_name": self._name}

    def _components(self, vals, what) -> list:
        if isinstance(vals, dict):
            if self._names is None:
                raise ValueError(f"{what}: the queue has no names, so values cannot be given "
                                 "as a dict.")
            missing = set(self._names) ^ set(vals)
            if missing:
                raise ValueError(f"{what}: keys {sorted(vals)} do not match the queue's names "
                                 f"{sorted(self._names)}.")
            vals = [vals[k] for k in self._names]
        elif self._names is not None:
            raise ValueError(f"{what}: the queue has names {self._names}; give a dict.")
        elif not isinstance(vals, (list, tuple)):
            vals = [vals]
        out = []
        for i, (v, dt) in enumerate(zip(vals, self._dtypes)):
            t = convert_to_tensor(v) if isinstance(v, Tensor) or hasattr(v, "_as_tensor") \
                else convert_to_tensor(v, dtype=dt, name=f"component_{i}")
            if t.dtype is not dt:     # TF1 raises ValueError here (a failed conversion)
                raise ValueError(f"{what}: component {i} ('{t.name}') has type "
                                 f"{t.dtype.name}, but queue '{self._name}' holds {dt.name}.")
            out.append(t)
        return out + [convert_to_tensor(v) for v in list(vals)[len(self._dtypes):]]

    def _graph(self):
        return self._queue_ref.graph

    def enqueue(self, vals, name=None):
        """An op that adds one element (one value per component); it blocks while the queue is
        full, and fails with ``CancelledError`` once the queue is closed."""
        with self._graph().as_default(), op_scope(name, f"{self._name}_enqueue", []) as scope:
            comps = self._components(vals, "enqueue")
            return make_op("QueueEnqueueV2", [self._queue_ref] + comps, self._attrs(), scope)

    def enqueue_many(self, vals, name=None):
        """An op that adds ``k`` elements: the slices of each component along dimension 0."""
        with self._graph().as_default(), \
                op_scope(name, f"{self._name}_EnqueueMany", []) as scope:
            comps = self._components(vals, "enqueue_many")
            return make_op("QueueEnqueueManyV2", [self._queue_ref] + comps, self._attrs(),
                           scope)

    def _result(self, op):
        outs = list(op.outputs)
        if self._names is not None:
            return dict(zip(self._names, outs))
        return outs[0] if len(outs) == 1 else outs

    def dequeue(self, name=None):
        """One element (a tensor, a list of tensors, or a dict with ``names``); running it
        blocks until the queue has one, and raises ``OutOfRangeError`` once the queue is closed
        and empty."""
        with self._graph().as_default():
            op = make_op("QueueDequeueV2", [self._queue_ref], self._attrs(),
                         name or f"{self._name}_Dequeue")
        return self._result(op)

    def _dequeue_n(self, op_type, n, name, default):
        with self._graph().as_default(), op_scope(name, default, [n]) as scope:
            n_t = convert_to_tensor(n, dtype=_dtypes.int32, name="n")
            op = make_op(op_type, [self._queue_ref, n_t], self._attrs(), scope)
        return self._result(op)

    def dequeue_many(self, n, name=None):
        """``n`` elements stacked along a new dimension 0; blocks until there are ``n``, and
        raises ``OutOfRangeError`` when the queue is closed with fewer."""
        return self._dequeue_n("QueueDequeueManyV2", n, name, f"{self._name}_DequeueMany")

    def dequeue_up_to(self, n, name=None):
        """Like :meth:`dequeue_many`, but once the queue is closed it returns the elements left
        (at least one; ``OutOfRangeError`` when none are)."""
        return self._dequeue_n("QueueDequeueUpToV2", n, name, f"{self._name}_DequeueUpTo")

    def close(self, cancel_pending_enqueues=False, name=None):
        """An op that closes the queue: later enqueues fail, dequeues take what is left; with
        ``cancel_pending_enqueues`` the enqueues blocked on a full queue fail too."""
        with self._graph().as_default():
            return make_op("QueueCloseV2", [self._queue_ref],
                           dict(self._attrs(),
                                cancel_pending_enqueues=bool(cancel_pending_enqueues)),
                           name or f"{self._name}_Close")

    def is_closed(self, name=None) -> Tensor:
        """A ``bool`` scalar: whether the queue is closed."""
        with self._graph().as_default():
            return make_op("QueueIsClosedV2", [self._queue_ref], self._attrs(),
                           name or f"{self._name}_IsClosed").outputs[0]

    def size(self, name=None) -> Tensor:
        """An ``int32`` scalar: the number of elements in the queue."""
        with self._graph().as_default():
            return make_op("QueueSizeV2", [self._queue_ref], self._attrs(),
                           name or f"{self._name}_Size").outputs[0]


def _queue_op(op_type, name, default, attrs):
    graph = get_default_graph()
    with graph.name_scope(name or default) as scope:
        queue_name = scope.rstrip("/")
    attrs = dict(attrs, queue_name=queue_name)
    return make_op(op_type, [], attrs, queue_name + "/").outputs[0]


class FIFOQueue(QueueBase):
    """TF1's ``tf.FIFOQueue(capacity, dtypes, shapes=None, names=None, shared_name=None,
    name="fifo_queue")``: elements come out in the order they went in.

    Example:
        >>> import flowkit as tf
        >>> q = tf.FIFOQueue(3, tf.int32, shapes=[[]])
        >>> fill, close = q.enqueue_many([[1, 2, 3]]), q.close()
        >>> first_two, rest = q.dequeue_many(2), q.dequeue_up_to(5)
        >>> with tf.Session() as sess:
        ...     sess.run(fill)
        ...     print(sess.run(first_two))
        ...     sess.run(close)
        ...     print(sess.run(rest))
        ...     try:
        ...         sess.run(rest)
        ...     except tf.errors.OutOfRangeError:
        ...         print("closed and empty")
        [1 2]
        [3]
        closed and empty
    """

    def __init__(self, capacity, dtypes, shapes=None, names=None, shared_name=None,
                 name="fifo_queue") -> None:
        types = _as_dtypes(dtypes)
        shape_list = _as_shapes(shapes, len(types))
        ref = _queue_op("FIFOQueueV2", name, "fifo_queue", {
            "component_types": tuple(types), "shapes": tuple(shape_list),
            "capacity": int(capacity), "shared_name": shared_name or "", "container": ""})
        super().__init__(types, shape_list, names, ref)


class RandomShuffleQueue(QueueBase):
    """TF1's ``tf.RandomShuffleQueue(capacity, min_after_dequeue, dtypes, shapes=None,
    names=None, seed=None, shared_name=None, name="random_shuffle_queue")``: a dequeue takes a
    random element, and waits while the queue holds ``min_after_dequeue`` or fewer (until it
    is closed).

    Example:
        >>> import flowkit as tf
        >>> q = tf.RandomShuffleQueue(10, 2, tf.int32, shapes=[[]], seed=1)
        >>> fill, close, take = q.enqueue_many([list(range(6))]), q.close(), q.dequeue_many(6)
        >>> with tf.Session() as sess:
        ...     sess.run(fill)
        ...     sess.run(close)
        ...     print(sorted(sess.run(take).tolist()))
        [0, 1, 2, 3, 4, 5]
    """

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None,
                 seed=None, shared_name=None, name="random_shuffle_queue") -> None:
        types = _as_dtypes(dtypes)
        shape_list = _as_shapes(shapes, len(types))
        if int(min_after_dequeue) >= int(capacity):
            raise ValueError(f"min_after_dequeue ({min_after_dequeue}) must be smaller than "
                             f"capacity ({capacity}).")
        graph_seed, op_seed = get_seed(seed)
        ref = _queue_op("RandomShuffleQueueV2", name, "random_shuffle_queue", {
            "component_types": tuple(types), "shapes": tuple(shape_list),
            "capacity": int(capacity), "min_after_dequeue": int(min_after_dequeue),
            "seed": graph_seed or 0, "seed2": op_seed or 0,
            "seeded": graph_seed is not None or op_seed is not None,
            "shared_name": shared_name or "", "container": ""})
        super().__init__(types, shape_list, names, ref)


class PaddingFIFOQueue(QueueBase):
    """TF1's ``tf.PaddingFIFOQueue(capacity, dtypes, shapes, names=None, shared_name=None,
    name="padding_fifo_queue")``: a FIFO queue whose ``shapes`` may leave dimensions unknown
    (``None``); ``dequeue_many`` and ``dequeue_up_to`` pad each component of the batch with
    zeros (empty strings) to the largest size of each dimension among its elements.

    Example:
        >>> import flowkit as tf
        >>> q = tf.PaddingFIFOQueue(5, tf.int32, shapes=[[None]])
        >>> first, second = q.enqueue([[1, 2, 3]]), q.enqueue([[4]])
        >>> batch = q.dequeue_many(2)
        >>> with tf.Session() as sess:
        ...     sess.run(first)
        ...     sess.run(second)
        ...     print(sess.run(batch))
        [[1 2 3]
         [4 0 0]]
    """

    def __init__(self, capacity, dtypes, shapes, names=None, shared_name=None,
                 name="padding_fifo_queue") -> None:
        types = _as_dtypes(dtypes)
        if shapes is None:
            raise ValueError("PaddingFIFOQueue needs shapes (a shape per component; use None "
                             "for the dimensions that vary).")
        shape_list = _as_shapes(shapes, len(types), partial=True)
        ref = _queue_op("PaddingFIFOQueueV2", name, "padding_fifo_queue", {
            "component_types": tuple(types), "shapes": tuple(shape_list),
            "capacity": int(capacity), "shared_name": shared_name or "", "container": ""})
        super().__init__(types, None, names, ref)
        self._shapes = shape_list


class PriorityQueue(QueueBase):
    """TF1's ``tf.PriorityQueue(capacity, types, shapes=None, names=None, shared_name=None,
    name="priority_queue")``: each element starts with an ``int64`` scalar priority (a
    component before ``types``; ``names``, if given, name it too), and dequeues take the
    smallest priority first (equal priorities in the order they came).

    Example:
        >>> import flowkit as tf
        >>> q = tf.PriorityQueue(5, [tf.string], shapes=[[]])
        >>> fill = q.enqueue_many([[3, 1, 2], ["c", "a", "b"]])
        >>> priorities, values = q.dequeue_many(3)
        >>> with tf.Session() as sess:
        ...     sess.run(fill)
        ...     p, v = sess.run([priorities, values])
        >>> print(p.tolist(), v.tolist())
        [1, 2, 3] ['a', 'b', 'c']
    """

    def __init__(self, capacity, types, shapes=None, names=None, shared_name=None,
                 name="priority_queue") -> None:
        types = [_dtypes.int64] + _as_dtypes(types)
        shape_list = _as_shapes(shapes, len(types) - 1)
        if shape_list:
            shape_list = [TensorShape([])] + shape_list
        ref = _queue_op("PriorityQueueV2", name, "priority_queue", {
            "component_types": tuple(types), "shapes": tuple(shape_list),
            "capacity": int(capacity), "shared_name": shared_name or "", "container": ""})
        super().__init__(types, shape_list, names, ref)


# -- files ---------------------------------------------------------------------------------------
def _string_scalar(t, what):
    if t.dtype is not _dtypes.string:
        raise TypeError(f"{what} must be a string tensor, got {t.dtype.name} ('{t.name}').")
    if t.shape.ndims not in (None, 0):
        raise ValueError(f"{what} must be a scalar, got shape {t.shape} ('{t.name}').")


def _read_file_shape(inputs, attrs):
    _string_scalar(inputs[0], "read_file's filename")
    return [(_dtypes.string, TensorShape([]))]


def _write_file_shape(inputs, attrs):
    _string_scalar(inputs[0], "write_file's filename")
    _string_scalar(inputs[1], "write_file's contents")
    return []


def _matching_files_shape(inputs, attrs):
    p = inputs[0]
    if p.dtype is not _dtypes.string or p.shape.ndims not in (None, 0, 1):
        raise ValueError(f"matching_files needs a string scalar or vector of patterns, got "
                         f"{p.dtype.name} of shape {p.shape} ('{p.name}').")
    return [(_dtypes.string, TensorShape([None]))]


register_op("ReadFile", shape=_read_file_shape, grad=None, stateful=True)
register_op("WriteFile", shape=_write_file_shape, grad=None, stateful=True)
register_op("MatchingFiles", shape=_matching_files_shape, grad=None, stateful=True)


def read_file(filename, name=None) -> Tensor:
    """The whole content of the local file ``filename`` (a string scalar) as a string scalar
    (bytes); running it raises ``tf.errors.NotFoundError`` when the file does not exist.

    Example:
        >>> import flowkit as tf, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> write, read = tf.write_file(path, "hello"), tf.read_file(path)
        >>> with tf.Session() as sess:
        ...     sess.run(write)
        ...     print(sess.run(read))
        b'hello'
    """
    with op_scope(name, "ReadFile", [filename]) as scope:
        f = convert_to_tensor(filename, dtype=_dtypes.string, name="filename")
        return make_op("ReadFile", [f], {}, scope).outputs[0]


def write_file(filename, contents, name=None):
    """An op that writes ``contents`` (a string scalar) to the local file ``filename``,
    creating its folder if needed.

    Example:
        >>> import flowkit as tf, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "out", "hello.txt")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.write_file(path, "hello"))
        >>> open(path).read()
        'hello'
    """
    with op_scope(name, "WriteFile", [filename, contents]) as scope:
        f = convert_to_tensor(filename, dtype=_dtypes.string, name="filename")
        c = convert_to_tensor(contents, dtype=_dtypes.string, name="contents")
        return make_op("WriteFile", [f, c], {}, scope)


def matching_files(pattern, name=None) -> Tensor:
    """The sorted local file names that match the glob ``pattern`` (a string scalar, or a
    vector of patterns), as a 1-D string tensor of bytes (empty when none match).

    Example:
        >>> import flowkit as tf, os, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> for name in ("b.csv", "a.csv", "notes.txt"):
        ...     open(os.path.join(folder, name), "w").close()
        >>> with tf.Session() as sess:
        ...     found = sess.run(tf.matching_files(os.path.join(folder, "*.csv")))
        >>> [os.path.basename(f) for f in found]
        [b'a.csv', b'b.csv']
    """
    with op_scope(name, "MatchingFiles", [pattern]) as scope:
        p = convert_to_tensor(pattern, dtype=_dtypes.string, name="pattern")
        return make_op("MatchingFiles", [p], {}, scope).outputs[0]


# -- readers: records from the files (work units) that a queue hands out -------------------------
_READER_TYPES = ("TextLineReaderV2", "WholeFileReaderV2", "FixedLengthRecordReaderV2",
                 "IdentityReaderV2")


def _check_reader(h) -> None:
    if h.dtype is not _dtypes.string or h.op.type not in _READER_TYPES:
        raise TypeError(f"Expected a reader handle (the reader_ref of a tf.TextLineReader, "
                        f"tf.WholeFileReader...), got tensor '{h.name}' made by a {h.op.type} "
                        "op.")


def _reader_read_shape(inputs, attrs):
    _check_reader(inputs[0])
    _check_handle(inputs[1])
    return [(_dtypes.string, TensorShape([]))] * 2


def _reader_read_up_to_shape(inputs, attrs):
    _check_reader(inputs[0])
    _check_handle(inputs[1])
    if inputs[2].shape.ndims not in (None, 0):
        raise ValueError(f"num_records must be a scalar, got shape {inputs[2].shape}.")
    return [(_dtypes.string, TensorShape([None]))] * 2


def _reader_count_shape(inputs, attrs):
    _check_reader(inputs[0])
    return [(_dtypes.int64, TensorShape([]))]


def _reader_reset_shape(inputs, attrs):
    _check_reader(inputs[0])
    return []


for _t in _READER_TYPES:
    # needs_rng: the generator tells a backend's kernel the session's device
    register_op(_t, shape=_handle_shape, grad=None, needs_state=True, needs_rng=True)
register_op("ReaderReadV2", shape=_reader_read_shape, grad=None, stateful=True)
register_op("ReaderReadUpToV2", shape=_reader_read_up_to_shape, grad=None, stateful=True)
register_op("ReaderNumRecordsProducedV2", shape=_reader_count_shape, grad=None, stateful=True)
register_op("ReaderNumWorkUnitsCompletedV2", shape=_reader_count_shape, grad=None,
            stateful=True)
register_op("ReaderResetV2", shape=_reader_reset_shape, grad=None, stateful=True)


class ReaderBase:
    """TF1's ``tf.ReaderBase``: a reader turns *work units* (file names) dequeued from a queue
    into *records* (``key``, ``value`` string scalars). Its position lives in the session
    that runs it; when a file is used up, the next ``read`` dequeues the next one (waiting
    while the queue is empty), and once the queue is closed and empty it raises
    ``tf.errors.OutOfRangeError``, which ends an input pipeline's epochs. Make one with
    :class:`TextLineReader`, :class:`WholeFileReader`, :class:`FixedLengthRecordReader` or
    :class:`IdentityReader`.

    Example:
        >>> import flowkit as tf
        >>> reader = tf.IdentityReader()
        >>> isinstance(reader, tf.ReaderBase), reader.reader_ref.dtype
        (True, tf.string)
    """

    def __init__(self, reader_ref, supports_serialize=False) -> None:
        self._reader_ref = reader_ref
        self._supports_serialize = supports_serialize

    @property
    def reader_ref(self) -> Tensor:
        return self._reader_ref

    @property
    def supports_serialize(self) -> bool:
        return self._supports_serialize

    def _queue_ref(self, queue):
        ref = queue.queue_ref if isinstance(queue, QueueBase) else convert_to_tensor(queue)
        _check_handle(ref)
        return ref

    def _op(self, op_type, inputs, name, default):
        with self._reader_ref.graph.as_default(), op_scope(name, default, []) as scope:
            return make_op(op_type, [self._reader_ref] + inputs, {}, scope)

    def read(self, queue, name=None):
        """``(key, value)``: the next record, dequeuing a work unit from ``queue`` (a queue
        or its ``queue_ref``) when needed."""
        op = self._op("ReaderReadV2", [self._queue_ref(queue)], name, "ReaderReadV2")
        return op.outputs[0], op.outputs[1]

    def read_up_to(self, queue, num_records, name=None):
        """``(keys, values)``: up to ``num_records`` records (fewer at the end of a file);
        ``OutOfRangeError`` once the queue is closed and empty."""
        n = convert_to_tensor(num_records, dtype=_dtypes.int64, name="num_records")
        op = self._op("ReaderReadUpToV2", [self._queue_ref(queue), n], name,
                      "ReaderReadUpToV2")
        return op.outputs[0], op.outputs[1]

    def num_records_produced(self, name=None) -> Tensor:
        """An ``int64`` scalar: the records this reader produced in the session."""
        return self._op("ReaderNumRecordsProducedV2", [], name,
                        "ReaderNumRecordsProducedV2").outputs[0]

    def num_work_units_completed(self, name=None) -> Tensor:
        """An ``int64`` scalar: the work units (files) this reader finished."""
        return self._op("ReaderNumWorkUnitsCompletedV2", [], name,
                        "ReaderNumWorkUnitsCompletedV2").outputs[0]

    def reset(self, name=None):
        """An op that forgets the current work unit and the counts."""
        return self._op("ReaderResetV2", [], name, "ReaderResetV2")

    def serialize_state(self, name=None):
        raise NotImplementedError("flowkit's readers cannot serialize their state (TF's "
                                  "readers of files cannot either).")

    def restore_state(self, state, name=None):
        raise NotImplementedError("flowkit's readers cannot restore a state.")


def _reader_op(op_type, name, default, attrs):
    with op_scope(name, default, []) as scope:
        return make_op(op_type, [], attrs, scope).outputs[0]


class TextLineReader(ReaderBase):
    """TF1's ``tf.TextLineReader(skip_header_lines=None, name=None)``: one record per line
    of each file (without its newline); the key is ``b"<file>:<line number>"`` (from 1,
    header lines counted).

    Example:
        >>> import flowkit as tf, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "data.csv")
        >>> with open(path, "w") as f:
        ...     _ = f.write("x,y\\n1,2\\n3,4\\n")
        >>> files = tf.train.string_input_producer([path], num_epochs=1, shuffle=False)
        >>> key, line = tf.TextLineReader(skip_header_lines=1).read(files)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     threads = tf.train.start_queue_runners(sess)
        ...     for _ in range(2):
        ...         k, v = sess.run([key, line])
        ...         print(os.path.basename(k.decode()), v)
        data.csv:2 b'1,2'
        data.csv:3 b'3,4'
    """

    def __init__(self, skip_header_lines=None, name=None) -> None:
        super().__init__(_reader_op("TextLineReaderV2", name, "TextLineReaderV2",
                                    {"skip_header_lines": int(skip_header_lines or 0)}))


class WholeFileReader(ReaderBase):
    """TF1's ``tf.WholeFileReader(name=None)``: one record per file: the key is the file
    name, the value its whole content (``tf.read_file`` of each work unit).

    Example:
        >>> import flowkit as tf, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "note.txt")
        >>> with open(path, "w") as f:
        ...     _ = f.write("all of it")
        >>> names = tf.FIFOQueue(2, tf.string, shapes=[[]])
        >>> fill = names.enqueue([path])
        >>> key, value = tf.WholeFileReader().read(names)
        >>> with tf.Session() as sess:
        ...     sess.run(fill)
        ...     print(sess.run(value))
        b'all of it'
    """

    def __init__(self, name=None) -> None:
        super().__init__(_reader_op("WholeFileReaderV2", name, "WholeFileReaderV2", {}))


class FixedLengthRecordReader(ReaderBase):
    """TF1's ``tf.FixedLengthRecordReader(record_bytes, header_bytes=None,
    footer_bytes=None, hop_bytes=None, name=None, encoding=None)``: after ``header_bytes``,
    records of ``record_bytes`` bytes each (starting every ``hop_bytes`` bytes if given),
    up to ``footer_bytes`` before the end (the CIFAR-10 binary files, for instance); the key
    is ``b"<file>:<record number>"`` (from 0). ``encoding`` (compressed files) must be
    empty.

    Example:
        >>> import flowkit as tf, os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "data.bin")
        >>> with open(path, "wb") as f:
        ...     _ = f.write(bytes([9, 1, 2, 3, 4, 5, 6]))          # a header byte, 2 records
        >>> names = tf.FIFOQueue(2, tf.string, shapes=[[]])
        >>> fill = names.enqueue([path])
        >>> reader = tf.FixedLengthRecordReader(record_bytes=3, header_bytes=1)
        >>> numbers = tf.decode_raw(reader.read(names)[1], tf.uint8)
        >>> with tf.Session() as sess:
        ...     sess.run(fill)
        ...     print(sess.run(numbers), sess.run(numbers))
        [1 2 3] [4 5 6]
    """

    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None, hop_bytes=None,
                 name=None, encoding=None) -> None:
        if encoding:
            raise ValueError(f"FixedLengthRecordReader: compressed files (encoding="
                             f"{encoding!r}) are not supported; decompress them first.")
        if int(record_bytes) <= 0:
            raise ValueError(f"record_bytes must be positive, got {record_bytes}.")
        super().__init__(_reader_op("FixedLengthRecordReaderV2", name,
                                    "FixedLengthRecordReaderV2", {
                                        "record_bytes": int(record_bytes),
                                        "header_bytes": int(header_bytes or 0),
                                        "footer_bytes": int(footer_bytes or 0),
                                        "hop_bytes": int(hop_bytes or 0)}))


class IdentityReader(ReaderBase):
    """TF1's ``tf.IdentityReader(name=None)``: one record per work unit, whose key and value
    are both the work unit itself (a test helper in TF).

    Example:
        >>> import flowkit as tf
        >>> work = tf.FIFOQueue(2, tf.string, shapes=[[]])
        >>> fill = work.enqueue_many([["first", "second"]])
        >>> key, value = tf.IdentityReader().read(work)
        >>> with tf.Session() as sess:
        ...     sess.run(fill)
        ...     print(sess.run([key, value]), sess.run(key))
        [b'first', b'first'] b'second'
    """

    def __init__(self, name=None) -> None:
        super().__init__(_reader_op("IdentityReaderV2", name, "IdentityReaderV2", {}))


# -- parsing the records: decode_csv and decode_raw -----------------------------------------------
_CSV_TYPES = (_dtypes.float32, _dtypes.float64, _dtypes.int32, _dtypes.int64, _dtypes.string)
_RAW_TYPES = (_dtypes.float16, _dtypes.float32, _dtypes.float64, _dtypes.int8, _dtypes.int16,
              _dtypes.int32, _dtypes.int64, _dtypes.uint8, _dtypes.uint16, _dtypes.bool)


def _decode_csv_shape(inputs, attrs):
    records, defaults = inputs[0], inputs[1:]
    if records.dtype is not _dtypes.string:
        raise TypeError(f"decode_csv: records must be strings, got {records.dtype.name} "
                        f"('{records.name}').")
    out = []
    for i, d in enumerate(defaults):
        if d.dtype not in _CSV_TYPES:
            raise TypeError(f"decode_csv: record_defaults[{i}] has type {d.dtype.name}; "
                            f"expected one of {', '.join(t.name for t in _CSV_TYPES)}.")
        if d.shape.ndims not in (None, 0, 1) or (d.shape.ndims == 1 and
                                                 d.shape[0].value not in (None, 0, 1)):
            raise ValueError(f"decode_csv: record_defaults[{i}] must be a scalar, a "
                             f"one-element list, or empty (a required column), got shape "
                             f"{d.shape}.")
        out.append((d.dtype, records.shape))
    return out


def _decode_raw_shape(inputs, attrs):
    b = inputs[0]
    if b.dtype is not _dtypes.string:
        raise TypeError(f"decode_raw: bytes must be strings, got {b.dtype.name} ('{b.name}').")
    if attrs["out_type"] not in _RAW_TYPES:
        raise TypeError(f"decode_raw: out_type {attrs['out_type'].name} is not supported; "
                        f"expected one of {', '.join(t.name for t in _RAW_TYPES)}.")
    return [(attrs["out_type"], b.shape.concatenate([None]))]


# needs_rng: the generator tells a backend's kernel the session's device (for number outputs)
register_op("DecodeCSV", shape=_decode_csv_shape, grad=None, list_output=True, needs_rng=True)
register_op("DecodeRaw", shape=_decode_raw_shape, grad=None, needs_rng=True)


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None,
               na_value="", select_cols=None):
    """TF1's ``tf.decode_csv``: splits each string of ``records`` into comma-separated
    columns, one output tensor per column, of ``records``'s shape.

    ``record_defaults`` gives each column's type and default: ``[0]``, ``[0.0]``,
    ``[""]``, ``tf.constant([], tf.int64)`` (a required column: an empty field is an
    error)... A field that is empty or equal to ``na_value`` takes the default. With
    ``use_quote_delim``, a field in double quotes may hold the delimiter (``""`` is a quote).
    ``select_cols`` (increasing indices) keeps only those columns. Running it raises
    ``InvalidArgumentError`` for a record with another number of fields or a field that is
    not a number of its column's type.

    Example:
        >>> import flowkit as tf
        >>> lines = tf.constant(["1,2.5,a", '3,,"b,c"'])
        >>> ids, scores, names = tf.decode_csv(lines, [[0], [-1.0], ["?"]])
        >>> with tf.Session() as sess:
        ...     print(*sess.run([ids, scores, names]))
        [1 3] [ 2.5 -1. ] [b'a' b'b,c']
    """
    if not record_defaults:
        raise ValueError("decode_csv needs record_defaults (one per column).")
    if select_cols is not None:
        select_cols = [int(c) for c in select_cols]
        if any(b <= a for a, b in zip(select_cols, select_cols[1:])) or \
                (select_cols and select_cols[0] < 0):
            raise ValueError("select_cols is not strictly increasing.")
        if len(select_cols) != len(record_defaults):
            raise ValueError("Length of select_cols and record_defaults do not match.")
    if len(field_delim) != 1:
        raise ValueError(f"field_delim must be one character, got {field_delim!r}.")
    with op_scope(name, "DecodeCSV", [records]) as scope:
        r = convert_to_tensor(records, dtype=_dtypes.string, name="records")
        defaults = []
        for i, d in enumerate(record_defaults):
            if isinstance(d, Tensor) or hasattr(d, "_as_tensor"):
                defaults.append(convert_to_tensor(d))
            else:
                value = d if isinstance(d, (list, tuple)) else [d]
                dtype = _dtypes.string if value and isinstance(value[0], (str, bytes)) else \
                    (_dtypes.float32 if value and isinstance(value[0], float) else
                     _dtypes.int32 if value else _dtypes.float32)
                defaults.append(convert_to_tensor(value, dtype=dtype, name=f"default_{i}"))
        return make_op("DecodeCSV", [r] + defaults, {
            "OUT_TYPE": tuple(d.dtype for d in defaults), "field_delim": field_delim,
            "use_quote_delim": bool(use_quote_delim), "na_value": na_value,
            "select_cols": tuple(select_cols or ())}, scope).outputs


def decode_raw(bytes, out_type, little_endian=True, name=None):  # noqa: A002 - TF1's name
    """TF1's ``tf.decode_raw``: the bytes of each string as numbers of ``out_type`` (a new
    last dimension); every string must have the same length, a multiple of the type's size.

    Example:
        >>> import flowkit as tf
        >>> pixels = tf.decode_raw(tf.constant([b"\\x01\\x02", b"\\xff\\x10"]), tf.uint8)
        >>> with tf.Session() as sess:
        ...     print(sess.run(pixels))
        [[  1   2]
         [255  16]]
    """
    with op_scope(name, "DecodeRaw", [bytes]) as scope:
        b = convert_to_tensor(bytes, dtype=_dtypes.string, name="bytes")
        return make_op("DecodeRaw", [b], {"out_type": _dtypes.as_dtype(out_type),
                                          "little_endian": bool(little_endian)},
                       scope).outputs[0]


# -- count_up_to ---------------------------------------------------------------------------------
def _count_up_to_shape(inputs, attrs):
    ref, limit = inputs
    if ref.dtype not in (_dtypes.int32, _dtypes.int64):
        raise TypeError(f"count_up_to needs an int32 or int64 variable, got {ref.dtype.name}.")
    if ref.shape.ndims not in (None, 0):
        raise ValueError(f"count_up_to needs a scalar variable, got shape {ref.shape}.")
    return [(ref.dtype, TensorShape([]))]


# Input 1 is the limit (TF keeps it as an attribute); the output is the variable's new value.
register_op("CountUpTo", shape=_count_up_to_shape, grad=None, writes_ref=True)


def count_up_to(ref, limit, name=None) -> Tensor:
    """TF1's ``tf.count_up_to(ref, limit)``: increments the integer variable ``ref`` and
    returns its value before the increment; once it has reached ``limit``, running it raises
    ``tf.errors.OutOfRangeError`` (and leaves the variable as it is).

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable(0, name="v")
        >>> c = tf.count_up_to(v, 2)
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(c), sess.run(c))
        ...     try:
        ...         sess.run(c)
        ...     except tf.errors.OutOfRangeError as e:
        ...         print(e.message)
        0 1
        Reached limit of 2
    """
    r = ref._variable if hasattr(ref, "_variable") else ref
    if not isinstance(r, Tensor) or r.op.type != "VariableV2":
        raise TypeError(f"count_up_to needs a variable, got {ref!r}.")
    with r.graph.as_default(), op_scope(name, "CountUpTo", [r]) as scope:
        lim = convert_to_tensor(int(limit), dtype=r.dtype, name="limit")
        new = make_op("CountUpTo", [r, lim], {"limit": int(limit)}, scope + "CountUpTo")
        return math_ops.subtract(new.outputs[0], convert_to_tensor(1, dtype=r.dtype), name=scope)
