"""``tf.train.QueueRunner``: threads that keep a queue filled.

A queue runner holds a queue's enqueue ops; :meth:`QueueRunner.create_threads` starts one
thread per enqueue op, each running it with ``sess.run`` until the queue is closed or the
coordinator stops. When the input runs out (an ``OutOfRangeError`` in an enqueue op, as when
``string_input_producer``'s epochs end) the last thread closes the queue, so the consumer's
``dequeue`` drains what is left and then raises ``OutOfRangeError`` itself. When the
coordinator stops, a further thread closes the queue with ``cancel_pending_enqueues=True``, so
no thread stays blocked on a full queue.

Example:
    >>> import flowkit as tf
    >>> q = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    >>> counter = tf.Variable(0)
    >>> enq = q.enqueue(tf.assign_add(counter, 1))
    >>> tf.train.add_queue_runner(tf.train.QueueRunner(q, [enq]))
    >>> x = q.dequeue()
    >>> with tf.Session() as sess:
    ...     sess.run(counter.initializer)
    ...     coord = tf.train.Coordinator()
    ...     threads = tf.train.start_queue_runners(sess, coord)
    ...     print([int(sess.run(x)) for _ in range(3)])
    ...     coord.request_stop()
    ...     coord.join(threads)
    [1, 2, 3]
"""
from __future__ import annotations

import logging
import threading

from flowkit.framework import errors
from flowkit.framework.graph import GraphKeys, get_default_graph
from flowkit.framework.session_stack import get_default_session

__all__ = ["QueueRunner", "add_queue_runner", "start_queue_runners"]

_log = logging.getLogger("flowkit")


class QueueRunner:
    """TF1's ``tf.train.QueueRunner(queue=None, enqueue_ops=None, close_op=None,
    cancel_op=None, queue_closed_exception_types=None)``.

    ``close_op`` (default ``queue.close()``) runs when every enqueue thread has stopped on one
    of ``queue_closed_exception_types`` (default ``(tf.errors.OutOfRangeError,)``);
    ``cancel_op`` (default ``queue.close(cancel_pending_enqueues=True)``) runs when the
    coordinator stops.

    Example:
        >>> import flowkit as tf
        >>> q = tf.FIFOQueue(4, tf.float32, shapes=[[]])
        >>> qr = tf.train.QueueRunner(q, [q.enqueue(1.0)] * 2)
        >>> len(qr.enqueue_ops), qr.close_op.type, qr.cancel_op.type
        (2, 'QueueCloseV2', 'QueueCloseV2')
    """

    def __init__(self, queue=None, enqueue_ops=None, close_op=None, cancel_op=None,
                 queue_closed_exception_types=None, queue_runner_def=None,
                 import_scope=None) -> None:
        if queue_runner_def is not None:
            raise NotImplementedError("flowkit has no QueueRunnerDef protocol buffers: build "
                                      "the QueueRunner from the queue and its enqueue ops.")
        if not queue or not enqueue_ops:
            raise ValueError("Must provide queue and enqueue_ops.")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op if close_op is not None else queue.close()
        self._cancel_op = cancel_op if cancel_op is not None else \
            queue.close(cancel_pending_enqueues=True)
        if queue_closed_exception_types is None:
            queue_closed_exception_types = (errors.OutOfRangeError,)
        elif not queue_closed_exception_types or not all(
                isinstance(t, type) and issubclass(t, errors.OpError)
                for t in queue_closed_exception_types):
            raise TypeError("queue_closed_exception_types, when provided, must be a tuple of "
                            f"tf.errors.OpError subclasses, got {queue_closed_exception_types}")
        self._queue_closed_exception_types = tuple(queue_closed_exception_types)
        self._lock = threading.Lock()
        self._runs_per_session = {}
        self._exceptions_raised = []

    # -- properties -----------------------------------------------------------------------------
    @property
    def queue(self):
        return self._queue

    @property
    def enqueue_ops(self) -> list:
        return self._enqueue_ops

    @property
    def close_op(self):
        return self._close_op

    @property
    def cancel_op(self):
        return self._cancel_op

    @property
    def queue_closed_exception_types(self) -> tuple:
        return self._queue_closed_exception_types

    @property
    def exceptions_raised(self) -> list:
        """Exceptions the threads raised when no coordinator was given to report them to."""
        return self._exceptions_raised

    @property
    def name(self) -> str:
        return self._queue.name

    # -- the threads ----------------------------------------------------------------------------
    def _run(self, sess, enqueue_op, coord=None) -> None:
        decremented = False
        try:
            while True:
                if coord and coord.should_stop():
                    break
                try:
                    sess.run(enqueue_op)
                except self._queue_closed_exception_types:
                    # the input ran out: the last thread to see it closes the queue
                    with self._lock:
                        self._runs_per_session[sess] -= 1
                        decremented = True
                        last = self._runs_per_session[sess] == 0
                    if last:
                        try:
                            sess.run(self._close_op)
                        except Exception as e:  # noqa: BLE001 - as TF1: ignored
                            _log.debug("Ignored exception closing the queue: %s", e)
                    return
        except Exception as e:  # noqa: BLE001 - reported to the coordinator
            if coord:
                coord.request_stop(e)
            else:
                _log.error("Exception in QueueRunner: %s", e)
                with self._lock:
                    self._exceptions_raised.append(e)
                raise
        finally:
            if not decremented:
                with self._lock:
                    self._runs_per_session[sess] -= 1

    def _close_on_stop(self, sess, cancel_op, coord) -> None:
        coord.wait_for_stop()
        try:
            sess.run(cancel_op)
        except Exception as e:  # noqa: BLE001 - as TF1: ignored (the session may be closed)
            _log.debug("Ignored exception cancelling the queue: %s", e)

    def create_threads(self, sess, coord=None, daemon=False, start=False) -> list:
        """Makes (and with ``start``, starts) one thread per enqueue op, plus, with ``coord``,
        one that cancels the queue when the coordinator stops; returns them. Threads already
        running for ``sess`` are not started again (an empty list is returned)."""
        with self._lock:
            if self._runs_per_session.get(sess, 0) > 0:
                return []
            self._runs_per_session[sess] = len(self._enqueue_ops)
            self._exceptions_raised = []
        threads = [threading.Thread(target=self._run, args=(sess, op, coord),
                                    name=f"QueueRunner({self.name})-{i}")
                   for i, op in enumerate(self._enqueue_ops)]
        if coord:
            threads.append(threading.Thread(target=self._close_on_stop,
                                            args=(sess, self._cancel_op, coord),
                                            name=f"QueueRunner({self.name})-close"))
        for t in threads:
            if coord:
                coord.register_thread(t)
            if daemon:
                t.daemon = True
            if start:
                t.start()
        return threads


def add_queue_runner(qr, collection=GraphKeys.QUEUE_RUNNERS) -> None:
    """Adds ``qr`` to the graph's ``collection`` (what :func:`start_queue_runners` starts).

    Example:
        >>> import flowkit as tf
        >>> q = tf.FIFOQueue(4, tf.float32, shapes=[[]])
        >>> tf.train.add_queue_runner(tf.train.QueueRunner(q, [q.enqueue(1.0)]))
        >>> len(tf.get_collection(tf.GraphKeys.QUEUE_RUNNERS))
        1
    """
    get_default_graph().add_to_collection(collection, qr)


def start_queue_runners(sess=None, coord=None, daemon=True, start=True,
                        collection=GraphKeys.QUEUE_RUNNERS) -> list:
    """Starts the threads of every queue runner in the graph's ``collection`` for ``sess``
    (default: the default session); returns them (pass them to ``coord.join``).

    Example:
        >>> import flowkit as tf
        >>> q = tf.FIFOQueue(4, tf.string, shapes=[[]])
        >>> tf.train.add_queue_runner(tf.train.QueueRunner(q, [q.enqueue(b"hello")]))
        >>> word = q.dequeue()
        >>> with tf.Session() as sess:
        ...     coord = tf.train.Coordinator()
        ...     threads = tf.train.start_queue_runners(sess, coord)
        ...     print(sess.run(word))
        ...     coord.request_stop()
        ...     coord.join(threads)
        b'hello'
    """
    if sess is None:
        sess = get_default_session()
        if sess is None:
            raise ValueError("Cannot start queue runners: No default session is registered. "
                             "Use `with sess.as_default()` or pass an explicit session to "
                             "tf.start_queue_runners(sess=sess)")
    if not hasattr(sess, "run") or not hasattr(sess, "graph"):
        raise TypeError(f"sess must be a `tf.Session` object. Given class: {type(sess)}")
    with sess.graph.as_default():
        threads = []
        for qr in sess.graph.get_collection(collection):
            threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads
