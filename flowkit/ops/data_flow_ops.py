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

__all__ = ["QueueBase", "FIFOQueue", "RandomShuffleQueue", "count_up_to"]

_QUEUE_TYPES = ("FIFOQueueV2", "RandomShuffleQueueV2")


# -- shape rules -------------------------------------------------------------------------------
def _handle_shape(inputs, attrs):
    return [(_dtypes.string, TensorShape([]))]


def _check_handle(h) -> None:
    if h.dtype is not _dtypes.string or h.op.type not in _QUEUE_TYPES:
        raise TypeError(f"Expected a queue handle (the queue_ref of a tf.FIFOQueue or "
                        f"tf.RandomShuffleQueue), got tensor '{h.name}' made by a "
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


def _as_shapes(shapes, n) -> list:
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
        if not s.is_fully_defined():
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
