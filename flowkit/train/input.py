"""TF1's queue-based input pipeline (2016-2017 code, before ``tf.data``): producers that fill a
queue with filenames, indices or slices, and the batching functions that gather elements into
batches, each with its :class:`~flowkit.train.QueueRunner` in the graph's
``tf.GraphKeys.QUEUE_RUNNERS`` collection.

The classic loop::

    x, y = tf.train.slice_input_producer([features, labels], num_epochs=2)
    xb, yb = tf.train.shuffle_batch([x, y], batch_size=32, capacity=200, min_after_dequeue=100)
    ...
    sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)
    try:
        while not coord.should_stop():
            sess.run(train_op)
    except tf.errors.OutOfRangeError:
        print("done")                          # the epochs ran out
    finally:
        coord.request_stop()
    coord.join(threads)

``num_epochs`` counts with a local variable (``.../limit_epochs/epochs``), so
``tf.local_variables_initializer()`` must run first, as in TF1. ``dynamic_pad=True`` batches
through a ``tf.PaddingFIFOQueue`` (shapes may leave dimensions unknown; each batch is padded
to its longest element), and the ``maybe_*`` functions enqueue only the elements whose
``keep_input`` is true. Differences from TF1: no ``fraction_of_N_full`` summaries are made
(``tf.summary`` sits above ``tf.train``), and sparse tensors are not supported.
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import (GraphKeys, Tensor, control_dependencies,
                                     name_scope)
from flowkit.ops import array_ops, constant_ops, random_ops
from flowkit.ops.core import convert_to_tensor
from flowkit.ops.data_flow_ops import (FIFOQueue, PaddingFIFOQueue, RandomShuffleQueue,
                                       count_up_to, matching_files)
from flowkit.train.queue_runner import QueueRunner, add_queue_runner
from flowkit.variables import Variable

__all__ = ["limit_epochs", "input_producer", "string_input_producer", "range_input_producer",
           "slice_input_producer", "batch", "shuffle_batch", "batch_join",
           "shuffle_batch_join", "maybe_batch", "maybe_batch_join", "maybe_shuffle_batch",
           "maybe_shuffle_batch_join", "match_filenames_once"]


def limit_epochs(tensor, num_epochs=None, name=None):
    """``tensor``, that may be evaluated ``num_epochs`` times; the next evaluation raises
    ``OutOfRangeError``. The count is a local variable ``epochs`` (initialize it with
    ``tf.local_variables_initializer()``).

    Example:
        >>> import flowkit as tf
        >>> x = tf.train.limit_epochs(tf.constant([1, 2]), num_epochs=2)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print(sess.run(x), sess.run(x))
        ...     try:
        ...         sess.run(x)
        ...     except tf.errors.OutOfRangeError:
        ...         print("no more epochs")
        [1 2] [1 2]
        no more epochs
    """
    if num_epochs is None:
        return tensor
    if num_epochs <= 0:
        raise ValueError(f"num_epochs must be > 0 not {num_epochs}.")
    with name_scope(name, "limit_epochs", [tensor]) as scope:
        zero64 = convert_to_tensor(0, dtype=dtypes.int64)
        epochs = Variable(zero64, name="epochs", trainable=False,
                          collections=[GraphKeys.LOCAL_VARIABLES])
        counter = count_up_to(epochs, num_epochs)
        with control_dependencies([counter]):
            return array_ops.identity(tensor, name=scope.rstrip("/"))


def input_producer(input_tensor, element_shape=None, num_epochs=None, shuffle=True, seed=None,
                   capacity=32, shared_name=None, summary_name=None, name=None,
                   cancel_op=None):
    """A FIFOQueue filled, by a queue runner, with the rows of ``input_tensor`` (shuffled
    each epoch with ``shuffle``), ``num_epochs`` times (forever by default). Returns the
    queue.

    Example:
        >>> import flowkit as tf
        >>> q = tf.train.input_producer(tf.constant([[1, 2], [3, 4], [5, 6]]), shuffle=False)
        >>> q.name, q.dequeue().shape.as_list()
        ('input_producer/fifo_queue', [2])
    """
    with name_scope(name, "input_producer", [input_tensor]):
        input_tensor = convert_to_tensor(input_tensor, name="input_tensor")
        element_shape = input_tensor.shape[1:].merge_with(
            input_tensor.shape[1:] if element_shape is None else element_shape)
        if not element_shape.is_fully_defined():
            raise ValueError("Either `input_tensor` must have a fully defined shape or "
                             "`element_shape` must be specified")
        if shuffle:
            input_tensor = random_ops.random_shuffle(input_tensor, seed=seed)
        input_tensor = limit_epochs(input_tensor, num_epochs)
        q = FIFOQueue(capacity=capacity, dtypes=[input_tensor.dtype],
                      shapes=[element_shape], shared_name=shared_name, name=name)
        enq = q.enqueue_many([input_tensor])
        add_queue_runner(QueueRunner(q, [enq], cancel_op=cancel_op))
        return q


def string_input_producer(string_tensor, num_epochs=None, shuffle=True, seed=None,
                          capacity=32, shared_name=None, name=None, cancel_op=None):
    """A queue of the strings of the 1-D ``string_tensor`` (file names), ``num_epochs``
    times, shuffled each epoch with ``shuffle``: TF1's ``tf.train.string_input_producer``.

    Example:
        >>> import flowkit as tf
        >>> files = tf.train.string_input_producer([b"a.csv", b"b.csv"], num_epochs=1,
        ...                                        shuffle=False)
        >>> name = files.dequeue()
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     coord = tf.train.Coordinator()
        ...     threads = tf.train.start_queue_runners(sess, coord)
        ...     try:
        ...         while True:
        ...             print(sess.run(name))
        ...     except tf.errors.OutOfRangeError:
        ...         print("end of input")
        ...     coord.request_stop()
        ...     coord.join(threads)
        b'a.csv'
        b'b.csv'
        end of input
    """
    not_null_err = "string_input_producer requires a non-null input tensor"
    if not isinstance(string_tensor, (Tensor, Variable)) and not string_tensor:
        raise ValueError(not_null_err)
    with name_scope(name, "input_producer", [string_tensor]) as scope:
        string_tensor = convert_to_tensor(string_tensor, dtype=dtypes.string)
        if string_tensor.shape.ndims != 1:
            raise ValueError(f"string_tensor must be 1-D, got shape {string_tensor.shape}.")
        return input_producer(string_tensor, num_epochs=num_epochs, shuffle=shuffle,
                              seed=seed, capacity=capacity, shared_name=shared_name,
                              name=scope, cancel_op=cancel_op)


def range_input_producer(limit, num_epochs=None, shuffle=True, seed=None, capacity=32,
                         shared_name=None, name=None):
    """A queue of the integers ``0 .. limit - 1`` (``int32``), ``num_epochs`` times.

    Example:
        >>> import flowkit as tf
        >>> q = tf.train.range_input_producer(10, shuffle=False)
        >>> q.dtypes[0].name, q.dequeue().shape.as_list()
        ('int32', [])
    """
    with name_scope(name, "input_producer", [limit]) as scope:
        range_tensor = constant_ops.range(limit)
        return input_producer(range_tensor, [], num_epochs, shuffle, seed, capacity,
                              shared_name, None, scope)


def slice_input_producer(tensor_list, num_epochs=None, shuffle=True, seed=None, capacity=32,
                         shared_name=None, name=None):
    """One slice (along dimension 0) of each tensor in ``tensor_list``, the same row of
    each, taken in turn (shuffled each epoch with ``shuffle``), ``num_epochs`` times: TF1's
    ``tf.train.slice_input_producer``. Returns the list of sliced tensors.

    Example:
        >>> import flowkit as tf, numpy as np
        >>> x, y = tf.train.slice_input_producer([np.zeros((5, 3), np.float32), np.arange(5)])
        >>> x.shape.as_list(), y.shape.as_list()
        ([3], [])
    """
    with name_scope(name, "input_producer", list(tensor_list)):
        tensor_list = [convert_to_tensor(t) for t in tensor_list]
        if not tensor_list:
            raise ValueError("Expected at least one tensor in slice_input_producer().")
        range_size = array_ops.shape(tensor_list[0])[0]
        queue = range_input_producer(range_size, num_epochs=num_epochs, shuffle=shuffle,
                                     seed=seed, capacity=capacity, shared_name=shared_name)
        index = queue.dequeue()
        return [array_ops.gather(t, index) for t in tensor_list]


# -- batching ----------------------------------------------------------------------------------
def _as_tensor_list(tensors):
    if isinstance(tensors, dict):
        return [tensors[k] for k in sorted(tensors)]
    if isinstance(tensors, (list, tuple)):
        return list(tensors)
    return [tensors]


def _as_original_type(original, dequeued):
    if isinstance(original, dict):
        if len(original) == 1:
            dequeued = [dequeued]
        return {k: dequeued[i] for i, k in enumerate(sorted(original))}
    return dequeued


def _shapes(tensor_list_list, shapes, enqueue_many, partial=False):
    if shapes is not None:
        return shapes
    out = []
    for i, t in enumerate(tensor_list_list[0]):
        shape = t.shape
        for other in tensor_list_list[1:]:
            shape = shape.merge_with(other[i].shape)
        if enqueue_many:
            if shape.ndims == 0:
                raise ValueError(f"Expected at least rank 1 for enqueue_many, got tensor "
                                 f"'{t.name}' of shape {shape}.")
            shape = shape[1:]
        if partial and shape.ndims is None:
            raise ValueError(f"dynamic_pad needs the rank of each tensor: tensor '{t.name}' "
                             "has an unknown shape. Pass shapes= (one per tensor).")
        if not partial and not shape.is_fully_defined():
            raise ValueError(f"All shapes must be fully defined: tensor '{t.name}' has shape "
                             f"{shape}. Pass shapes= (one per tensor), or dynamic_pad=True "
                             "to pad each batch.")
        out.append(shape)
    return out


def _validate(tensor_list_list, what):
    if not tensor_list_list or not tensor_list_list[0]:
        raise ValueError(f"Expected at least one tensor in {what}().")
    out = [[convert_to_tensor(t) for t in tl] for tl in tensor_list_list]
    types = [t.dtype for t in out[0]]
    for tl in out[1:]:
        if [t.dtype for t in tl] != types:
            raise TypeError(f"{what}: the tensor lists have different types: "
                            f"{[t.name for t in types]} and {[t.dtype.name for t in tl]}.")
    return out, types


def _kept(tensor_list, keep_input, enqueue_many):
    """The elements of ``tensor_list`` whose ``keep_input`` is true, as a batch for
    ``enqueue_many`` (TF1's ``maybe_*``)."""
    keep = convert_to_tensor(keep_input, dtype=dtypes.bool, name="keep_input")
    if keep.shape.ndims not in (0, 1):
        raise ValueError(f"keep_input must be a scalar or a vector, got shape {keep.shape}.")
    if keep.shape.ndims == 1 and not enqueue_many:
        raise ValueError("keep_input must be a scalar when enqueue_many=False.")
    if not enqueue_many:
        tensor_list = [array_ops.expand_dims(t, 0) for t in tensor_list]
    if keep.shape.ndims == 0:
        keep = array_ops.tile(array_ops.reshape(keep, [1]),
                              array_ops.shape(tensor_list[0], out_type=dtypes.int32)[:1])
    return [array_ops.boolean_mask(t, keep) for t in tensor_list]


def _batch(what, tensors_list, batch_size, make_queue, enqueue_many, shapes,
           allow_smaller_final_batch, num_threads, name, keep_input=None, dynamic_pad=False):
    with name_scope(name, what, [t for tl in tensors_list for t in _as_tensor_list(tl)]) \
            as scope:
        tensor_list_list, types = _validate([_as_tensor_list(t) for t in tensors_list], what)
        queue = make_queue(types, _shapes(tensor_list_list, shapes, enqueue_many, dynamic_pad))
        many = enqueue_many

        def enqueue(tl):
            if keep_input is None:
                return (queue.enqueue_many if many else queue.enqueue)(tl)
            return queue.enqueue_many(_kept(tl, keep_input, many))
        if num_threads is None:
            ops = [enqueue(tl) for tl in tensor_list_list]
        else:
            ops = [enqueue(tensor_list_list[0])] * num_threads
        add_queue_runner(QueueRunner(queue, ops))
        if allow_smaller_final_batch:
            return queue.dequeue_up_to(batch_size, name=scope.rstrip("/"))
        return queue.dequeue_many(batch_size, name=scope.rstrip("/"))


def _fifo(capacity, dynamic_pad, shared_name):
    if dynamic_pad:
        return lambda types, shp: PaddingFIFOQueue(capacity, types, shp,
                                                   shared_name=shared_name)
    return lambda types, shp: FIFOQueue(capacity, types, shp, shared_name=shared_name)


def batch(tensors, batch_size, num_threads=1, capacity=32, enqueue_many=False, shapes=None,
          dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None, name=None):
    """Batches of ``batch_size`` of ``tensors`` (a list or dict), through a FIFOQueue that
    ``num_threads`` threads fill: TF1's ``tf.train.batch``. With ``enqueue_many`` each tensor
    holds a batch of elements along dimension 0. ``allow_smaller_final_batch``: the last batch
    may be smaller (its dimension 0 is then unknown). A one-tensor list gives a tensor, as in
    TF1.

    Example:
        >>> import flowkit as tf
        >>> n = tf.train.range_input_producer(5, num_epochs=1, shuffle=False).dequeue()
        >>> b = tf.train.batch([n], batch_size=2, allow_smaller_final_batch=True)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     coord = tf.train.Coordinator()
        ...     threads = tf.train.start_queue_runners(sess, coord)
        ...     try:
        ...         while True:
        ...             print(sess.run(b))
        ...     except tf.errors.OutOfRangeError:
        ...         coord.request_stop()
        ...     coord.join(threads)
        [0 1]
        [2 3]
        [4]
    """
    return _as_original_type(tensors, _batch(
        "batch", [tensors], batch_size, _fifo(capacity, dynamic_pad, shared_name),
        enqueue_many, shapes, allow_smaller_final_batch, num_threads, name,
        dynamic_pad=dynamic_pad))


def shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, num_threads=1, seed=None,
                  enqueue_many=False, shapes=None, allow_smaller_final_batch=False,
                  shared_name=None, name=None):
    """Batches of ``batch_size`` elements of ``tensors`` in random order, through a
    RandomShuffleQueue that keeps at least ``min_after_dequeue`` elements to mix (until its
    input ends): TF1's ``tf.train.shuffle_batch``.

    Example:
        >>> import flowkit as tf, numpy as np
        >>> x, y = tf.train.slice_input_producer([np.zeros((50, 3), np.float32), np.arange(50)])
        >>> xb, yb = tf.train.shuffle_batch([x, y], batch_size=8, capacity=40,
        ...                                 min_after_dequeue=10)
        >>> xb.shape.as_list(), yb.shape.as_list()
        ([8, 3], [8])
    """
    return _as_original_type(tensors, _batch(
        "shuffle_batch", [tensors], batch_size,
        lambda types, shp: RandomShuffleQueue(capacity, min_after_dequeue, types, shp,
                                              seed=seed, shared_name=shared_name),
        enqueue_many, shapes, allow_smaller_final_batch, num_threads, name))


def batch_join(tensors_list, batch_size, capacity=32, enqueue_many=False, shapes=None,
               dynamic_pad=False, allow_smaller_final_batch=False, shared_name=None,
               name=None):
    """Like :func:`batch`, with one enqueue thread per tensor list of ``tensors_list`` (all
    of the same types), e.g. one reader per file.

    Example:
        >>> import flowkit as tf
        >>> readers = [[tf.constant([1.0, 2.0])], [tf.constant([3.0, 4.0])]]
        >>> tf.train.batch_join(readers, batch_size=4).shape.as_list()
        [4, 2]
    """
    return _as_original_type(tensors_list[0], _batch(
        "batch_join", tensors_list, batch_size, _fifo(capacity, dynamic_pad, shared_name),
        enqueue_many, shapes, allow_smaller_final_batch, None, name, dynamic_pad=dynamic_pad))


def shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue, seed=None,
                       enqueue_many=False, shapes=None, allow_smaller_final_batch=False,
                       shared_name=None, name=None):
    """Like :func:`shuffle_batch`, with one enqueue thread per tensor list.

    Example:
        >>> import flowkit as tf
        >>> readers = [[tf.constant(1), tf.constant("a")], [tf.constant(2), tf.constant("b")]]
        >>> ids, names = tf.train.shuffle_batch_join(readers, 4, capacity=20,
        ...                                          min_after_dequeue=5)
        >>> ids.shape.as_list(), names.dtype.name
        ([4], 'string')
    """
    return _as_original_type(tensors_list[0], _batch(
        "shuffle_batch_join", tensors_list, batch_size,
        lambda types, shp: RandomShuffleQueue(capacity, min_after_dequeue, types, shp,
                                              seed=seed, shared_name=shared_name),
        enqueue_many, shapes, allow_smaller_final_batch, None, name))


# -- the maybe_* functions: only the elements whose keep_input is true are enqueued ---------------
def maybe_batch(tensors, keep_input, batch_size, num_threads=1, capacity=32,
                enqueue_many=False, shapes=None, dynamic_pad=False,
                allow_smaller_final_batch=False, shared_name=None, name=None):
    """:func:`batch` of the elements whose ``keep_input`` is true (a bool scalar, or with
    ``enqueue_many`` a vector with one entry per element).

    Example:
        >>> import flowkit as tf
        >>> n = tf.train.range_input_producer(6, num_epochs=1, shuffle=False).dequeue()
        >>> b = tf.train.maybe_batch([n], keep_input=tf.equal(n % 2, 0), batch_size=3)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     threads = tf.train.start_queue_runners(sess)
        ...     print(sess.run(b))
        [0 2 4]
    """
    return _as_original_type(tensors, _batch(
        "batch", [tensors], batch_size, _fifo(capacity, dynamic_pad, shared_name),
        enqueue_many, shapes, allow_smaller_final_batch, num_threads, name,
        keep_input=keep_input, dynamic_pad=dynamic_pad))


def maybe_batch_join(tensors_list, keep_input, batch_size, capacity=32, enqueue_many=False,
                     shapes=None, dynamic_pad=False, allow_smaller_final_batch=False,
                     shared_name=None, name=None):
    """:func:`batch_join` of the elements whose ``keep_input`` is true.

    Example:
        >>> import flowkit as tf
        >>> readers = [[tf.constant(1)], [tf.constant(2)]]
        >>> tf.train.maybe_batch_join(readers, keep_input=True, batch_size=4).shape.as_list()
        [4]
    """
    return _as_original_type(tensors_list[0], _batch(
        "batch_join", tensors_list, batch_size, _fifo(capacity, dynamic_pad, shared_name),
        enqueue_many, shapes, allow_smaller_final_batch, None, name, keep_input=keep_input,
        dynamic_pad=dynamic_pad))


def maybe_shuffle_batch(tensors, batch_size, capacity, min_after_dequeue, keep_input,
                        num_threads=1, seed=None, enqueue_many=False, shapes=None,
                        allow_smaller_final_batch=False, shared_name=None, name=None):
    """:func:`shuffle_batch` of the elements whose ``keep_input`` is true.

    Example:
        >>> import flowkit as tf
        >>> n = tf.train.range_input_producer(10, num_epochs=1).dequeue()
        >>> b = tf.train.maybe_shuffle_batch([n], 3, capacity=10, min_after_dequeue=2,
        ...                                  keep_input=n < 5)
        >>> b.shape.as_list()
        [3]
    """
    return _as_original_type(tensors, _batch(
        "shuffle_batch", [tensors], batch_size,
        lambda types, shp: RandomShuffleQueue(capacity, min_after_dequeue, types, shp,
                                              seed=seed, shared_name=shared_name),
        enqueue_many, shapes, allow_smaller_final_batch, num_threads, name,
        keep_input=keep_input))


def maybe_shuffle_batch_join(tensors_list, batch_size, capacity, min_after_dequeue,
                             keep_input, seed=None, enqueue_many=False, shapes=None,
                             allow_smaller_final_batch=False, shared_name=None, name=None):
    """:func:`shuffle_batch_join` of the elements whose ``keep_input`` is true.

    Example:
        >>> import flowkit as tf
        >>> readers = [[tf.constant(1.0)], [tf.constant(2.0)]]
        >>> tf.train.maybe_shuffle_batch_join(readers, 4, 10, 2, keep_input=True).dtype
        tf.float32
    """
    return _as_original_type(tensors_list[0], _batch(
        "shuffle_batch_join", tensors_list, batch_size,
        lambda types, shp: RandomShuffleQueue(capacity, min_after_dequeue, types, shp,
                                              seed=seed, shared_name=shared_name),
        enqueue_many, shapes, allow_smaller_final_batch, None, name, keep_input=keep_input))


def match_filenames_once(pattern, name=None):
    """A local variable holding the file names that match ``pattern`` (a glob, or a list of
    globs), read once when ``tf.local_variables_initializer()`` runs: TF1's way to feed
    ``string_input_producer``.

    Example:
        >>> import flowkit as tf, os, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> for n in ("b.csv", "a.csv", "c.txt"):
        ...     open(os.path.join(folder, n), "w").close()
        >>> files = tf.train.match_filenames_once(os.path.join(folder, "*.csv"))
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print([os.path.basename(f.decode()) for f in sess.run(files)])
        ['a.csv', 'b.csv']
    """
    with name_scope(name, "matching_filenames", [pattern]) as scope:
        return Variable(matching_files(pattern), trainable=False, validate_shape=False,
                        name=scope.rstrip("/"), collections=[GraphKeys.LOCAL_VARIABLES])
