"""TF1's older managed sessions: ``tf.train.SessionManager``, ``tf.train.Supervisor``,
``tf.train.basic_train_loop`` and ``tf.train.WorkerSessionCreator``.

Before ``MonitoredTrainingSession`` (TF 1.4), courses trained with a :class:`Supervisor`:
it makes the default ops (initializers, the readiness check, a ``Saver``, the merged
summaries), finalizes the graph, and ``managed_session()`` gives a session that is restored
from the newest checkpoint of ``logdir`` or initialized, with *standard services* running in
threads: a checkpoint every ``save_model_secs`` and the summaries every
``save_summaries_secs`` (both written right away, then on their timers), and the queue
runners. ``should_stop()`` becomes true when a thread (or the program) calls
``request_stop()``; leaving the ``with`` block stops and joins the threads.

:class:`SessionManager` is the part that makes a session: ``prepare_session`` restores or
initializes (the chief), ``recover_session`` restores if it can, ``wait_for_session`` waits
until another process has initialized the model (with flowkit's in-process sessions, this
means: until the session's ``ready_op`` reports nothing uninitialized).

Example:
    >>> import tempfile
    >>> import flowkit as tf
    >>> w = tf.Variable(0.0, name="w")
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.group(tf.assign_add(w, 1.0), tf.assign_add(step, 1))
    >>> sv = tf.train.Supervisor(logdir=tempfile.mkdtemp(), summary_op=None)
    >>> with sv.managed_session() as sess:
    ...     for _ in range(3):
    ...         if sv.should_stop():
    ...             break
    ...         sess.run(train)
    ...     print(sess.run(w))
    3.0
"""
from __future__ import annotations

import contextlib
import logging
import os
import time

from flowkit.framework import errors
from flowkit.framework.graph import GraphKeys, get_default_graph
from flowkit.ops.control_flow_ops import group
from flowkit.session import Session
from flowkit.train import hooks as hooks_lib
from flowkit.train.coordinator import Coordinator, LooperThread
from flowkit.train.monitored_session import Scaffold, SessionCreator
from flowkit.train.saver import Saver, latest_checkpoint
from flowkit.train.training_util import get_global_step, global_step as _step_value
from flowkit.variables import (global_variables, global_variables_initializer,
                               local_variables_initializer, report_uninitialized_variables)

__all__ = ["SessionManager", "Supervisor", "basic_train_loop", "WorkerSessionCreator"]

_log = logging.getLogger("flowkit.train")


def _names(value) -> list:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in list(value)]


# --------------------------------------------------------------------------------------------
# SessionManager
# --------------------------------------------------------------------------------------------
class SessionManager:
    """Makes sessions whose model is ready: restored from a checkpoint, or initialized.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable(4.0, name="w")
        >>> sm = tf.train.SessionManager(ready_op=tf.report_uninitialized_variables())
        >>> sess = sm.prepare_session("", init_op=tf.global_variables_initializer())
        >>> print(sess.run(w))
        4.0
        >>> sess.close()
    """

    def __init__(self, local_init_op=None, ready_op=None, ready_for_local_init_op=None,
                 graph=None, recovery_wait_secs=30, local_init_run_options=None,
                 local_init_feed_dict=None, *, backend=None, device=None) -> None:
        self._local_init_op, self._ready_op = local_init_op, ready_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._graph = graph or get_default_graph()
        self._recovery_wait_secs = recovery_wait_secs
        self._local_init_feed_dict = local_init_feed_dict
        self._backend, self._device = backend, device
        if ready_for_local_init_op is not None and local_init_op is None:
            raise ValueError("If you pass a ready_for_local_init_op you must also pass a "
                             "local_init_op, ready_for_local_init_op ["
                             f"{ready_for_local_init_op}]")

    def _session(self, master, config):
        return Session(master, graph=self._graph, config=config, backend=self._backend,
                       device=self._device)

    def _restore(self, sess, saver, checkpoint_dir, checkpoint_filename_with_path,
                 wait_for_checkpoint, max_wait_secs) -> bool:
        if checkpoint_filename_with_path:
            saver.restore(sess, checkpoint_filename_with_path)
            return True
        if not saver or not checkpoint_dir:
            return False
        path, waited = latest_checkpoint(checkpoint_dir), 0.0
        while not path and wait_for_checkpoint and waited < max_wait_secs:
            _log.info("Waiting for checkpoint to be available.")
            time.sleep(self._recovery_wait_secs)
            waited += self._recovery_wait_secs
            path = latest_checkpoint(checkpoint_dir)
        if not path:
            return False
        _log.info("Restoring parameters from %s", path)
        saver.restore(sess, path)
        return True

    def _not_ready(self, sess, op) -> list | None:
        """The uninitialized variables ``op`` reports (``None``: no ``op``)."""
        if op is None:
            return None
        return _names(sess.run(op))

    def _try_run_local_init_op(self, sess):
        """``(True, "")`` after running the local init op, or ``(False, why)``."""
        if self._local_init_op is None:
            return True, ""
        not_ready = self._not_ready(sess, self._ready_for_local_init_op)
        if not_ready:
            return False, ("Variables not initialized: " + ", ".join(not_ready))
        sess.run(self._local_init_op, feed_dict=self._local_init_feed_dict)
        return True, ""

    def _model_ready(self, sess):
        not_ready = self._not_ready(sess, self._ready_op)
        if not_ready:
            return False, "Variables not initialized: " + ", ".join(not_ready)
        return True, ""

    def prepare_session(self, master, init_op=None, saver=None, checkpoint_dir=None,
                        checkpoint_filename_with_path=None, wait_for_checkpoint=False,
                        max_wait_secs=7200, config=None, init_feed_dict=None, init_fn=None):
        """A session whose model is restored from ``checkpoint_filename_with_path`` or the
        newest checkpoint of ``checkpoint_dir`` (with ``saver``), else initialized by
        ``init_op`` and ``init_fn(sess)``; then the local init op runs. Raises
        ``RuntimeError`` when the ``ready_op`` still reports uninitialized variables."""
        if checkpoint_dir and checkpoint_filename_with_path:
            raise ValueError("Can not provide both checkpoint_dir and "
                             "checkpoint_filename_with_path.")
        sess = self._session(master, config)
        restored = self._restore(sess, saver, checkpoint_dir, checkpoint_filename_with_path,
                                 wait_for_checkpoint, max_wait_secs)
        if not restored:
            if init_op is None and not init_fn and self._local_init_op is None:
                raise RuntimeError("Model is not initialized and no init_op or init_fn or "
                                   "local_init_op was given")
            if init_op is not None:
                sess.run(init_op, feed_dict=init_feed_dict)
            if init_fn:
                init_fn(sess)
        ok, why = self._try_run_local_init_op(sess)
        if not ok:
            raise RuntimeError(f"Init operations did not make model ready for local_init. "
                               f"Init op: {getattr(init_op, 'name', init_op)}, init fn: "
                               f"{init_fn}, error: {why}")
        ok, why = self._model_ready(sess)
        if not ok:
            raise RuntimeError(f"Init operations did not make model ready. Init op: "
                               f"{getattr(init_op, 'name', init_op)}, init fn: {init_fn}, "
                               f"local_init_op: {getattr(self._local_init_op, 'name', None)}, "
                               f"error: {why}")
        return sess

    def recover_session(self, master, saver=None, checkpoint_dir=None,
                        checkpoint_filename_with_path=None, wait_for_checkpoint=False,
                        max_wait_secs=7200, config=None):
        """``(sess, initialized)``: a session restored from a checkpoint if there is one, and
        whether its model is ready (``False`` when there was nothing to restore)."""
        sess = self._session(master, config)
        if not self._restore(sess, saver, checkpoint_dir, checkpoint_filename_with_path,
                             wait_for_checkpoint, max_wait_secs):
            return sess, False
        ok, why = self._try_run_local_init_op(sess)
        if not ok:
            _log.info("Restoring model from checkpoint did not make it ready for local "
                      "init: %s", why)
            return sess, False
        ok, why = self._model_ready(sess)
        if not ok:
            _log.info("Restoring model from checkpoint did not make it ready: %s", why)
            return sess, False
        return sess, True

    def wait_for_session(self, master, config=None, max_wait_secs=float("inf")):
        """A session whose model is ready, trying every ``recovery_wait_secs``; raises
        ``tf.errors.DeadlineExceededError`` after ``max_wait_secs``."""
        start = time.time()
        while True:
            sess = self._session(master, config)
            ok, why = self._try_run_local_init_op(sess)
            if ok:
                ok, why = self._model_ready(sess)
                if ok:
                    return sess
            sess.close()
            left = max_wait_secs - (time.time() - start)
            if left < self._recovery_wait_secs:
                raise errors.DeadlineExceededError(
                    None, None, f"Session was not ready after waiting {max_wait_secs} secs: "
                    f"{why}")
            _log.info("Waiting for model to be ready. Ready_for_local_init_op: %s, ready: %s",
                      self._ready_for_local_init_op, why)
            time.sleep(self._recovery_wait_secs)


class WorkerSessionCreator(SessionCreator):
    """Makes a worker's session for a ``MonitoredSession``: waits (``max_wait_secs``) until
    the model is ready instead of initializing it (the chief's job). With flowkit's
    in-process sessions, the model of a new session is ready when it needs no
    initialization, or when ``scaffold.local_init_op`` makes it so.

    Example:
        >>> import flowkit as tf
        >>> c = tf.constant(2.0)
        >>> with tf.train.MonitoredSession(
        ...         session_creator=tf.train.WorkerSessionCreator()) as sess:
        ...     print(sess.run(c))
        2.0
    """

    def __init__(self, scaffold=None, master="", config=None, max_wait_secs=30 * 60, *,
                 backend=None, device=None) -> None:
        self._scaffold = scaffold or Scaffold()
        self._master, self._config, self._max_wait_secs = master, config, max_wait_secs
        self._backend, self._device = backend, device

    def create_session(self):
        s = self._scaffold.finalize()
        manager = SessionManager(local_init_op=s.local_init_op, ready_op=s.ready_op,
                                 ready_for_local_init_op=s.ready_for_local_init_op,
                                 graph=get_default_graph(), recovery_wait_secs=1,
                                 backend=self._backend, device=self._device)
        return manager.wait_for_session(self._master, config=self._config,
                                        max_wait_secs=self._max_wait_secs)


# --------------------------------------------------------------------------------------------
# Supervisor
# --------------------------------------------------------------------------------------------
class Supervisor:
    """TF1's ``tf.train.Supervisor``: default ops, a finalized graph, a session restored or
    initialized by its :class:`SessionManager`, and the standard services (checkpoints,
    summaries, queue runners) in threads (see the module docstring).

    Arguments left at ``Supervisor.USE_DEFAULT`` (0) get TF1's defaults; ``None`` switches
    the part off (``summary_op=None``: no summary thread; ``saver=None``: no checkpoints).
    ``backend`` and ``device`` go to ``tf.Session``.

    Example: a second run of the program resumes from the first one's checkpoint.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> def run_program(steps):
    ...     with tf.Graph().as_default():
    ...         step = tf.train.get_or_create_global_step()
    ...         train = tf.assign_add(step, 1)
    ...         sv = tf.train.Supervisor(logdir=folder, summary_op=None)
    ...         with sv.managed_session() as sess:
    ...             for _ in range(steps):
    ...                 sess.run(train)
    ...             sv.saver.save(sess, sv.save_path, global_step=step)
    ...             return int(sess.run(step))
    >>> run_program(3), run_program(2)
    (3, 5)
    """

    USE_DEFAULT = 0

    def __init__(self, graph=None, ready_op=USE_DEFAULT, ready_for_local_init_op=USE_DEFAULT,
                 is_chief=True, init_op=USE_DEFAULT, init_feed_dict=None,
                 local_init_op=USE_DEFAULT, logdir=None, summary_op=USE_DEFAULT,
                 saver=USE_DEFAULT, global_step=USE_DEFAULT, save_summaries_secs=120,
                 save_model_secs=600, recovery_wait_secs=30, stop_grace_secs=120,
                 checkpoint_basename="model.ckpt", session_manager=None,
                 summary_writer=USE_DEFAULT, init_fn=None, local_init_run_options=None, *,
                 backend=None, device=None) -> None:
        self._graph = graph or get_default_graph()
        default = self.USE_DEFAULT
        with self._graph.as_default():
            graph_ = self._graph
            if ready_op is default:
                ready_op = report_uninitialized_variables()
            if ready_for_local_init_op is default:
                ready_for_local_init_op = None
            if init_op is default:
                init_op = global_variables_initializer()
            if local_init_op is default:
                local_init_op = (graph_.get_collection(GraphKeys.LOCAL_INIT_OP) or [None])[0]
                if local_init_op is None:
                    local_init_op = group(local_variables_initializer(),
                                          *graph_.get_collection(GraphKeys.TABLE_INITIALIZERS))
                    graph_.add_to_collection(GraphKeys.LOCAL_INIT_OP, local_init_op)
            if saver is default:
                saver = (graph_.get_collection(GraphKeys.SAVERS) or [None])[0]
                if saver is None and global_variables():
                    saver = Saver()     # not added to SAVERS: a graph file cannot hold it
            if summary_op is default:
                summary_op = hooks_lib.default_summary_op() if is_chief else None
            if global_step is default:
                global_step = get_global_step(graph_)
        self._ready_op, self._init_op, self._local_init_op = ready_op, init_op, local_init_op
        self._ready_for_local_init_op = ready_for_local_init_op
        self._init_feed_dict, self._init_fn = init_feed_dict, init_fn
        self._saver, self._summary_op, self._global_step = saver, summary_op, global_step
        self._is_chief, self._logdir = is_chief, logdir
        self._save_summaries_secs, self._save_model_secs = save_summaries_secs, save_model_secs
        self._stop_grace_secs = stop_grace_secs
        self._save_path = os.path.join(logdir, checkpoint_basename) if logdir else None
        # The cached writer of logdir (tf.summary.FileWriterCache) already holds the graph.
        self._graph_written = summary_writer is default
        if summary_writer is default:
            summary_writer = hooks_lib.summary_writer_for(logdir) if is_chief and logdir \
                else None
        self._summary_writer = summary_writer
        self._session_manager = session_manager or SessionManager(
            local_init_op=local_init_op, ready_op=ready_op,
            ready_for_local_init_op=ready_for_local_init_op, graph=self._graph,
            recovery_wait_secs=recovery_wait_secs, backend=backend, device=device)
        self._coord = Coordinator()
        self._started_threads = []
        self._graph.finalize()

    # -- what it holds ---------------------------------------------------------------------------
    is_chief = property(lambda self: self._is_chief)
    session_manager = property(lambda self: self._session_manager)
    coord = property(lambda self: self._coord, doc="The :class:`Coordinator` of the threads.")
    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    summary_writer = property(lambda self: self._summary_writer)
    summary_op = property(lambda self: self._summary_op)
    save_summaries_secs = property(lambda self: self._save_summaries_secs)
    global_step = property(lambda self: self._global_step)
    saver = property(lambda self: self._saver)
    save_model_secs = property(lambda self: self._save_model_secs)
    save_path = property(lambda self: self._save_path)

    # -- sessions --------------------------------------------------------------------------------
    def prepare_or_wait_for_session(self, master="", config=None, wait_for_checkpoint=False,
                                    max_wait_secs=7200, start_standard_services=True):
        """The chief's session is restored from ``logdir`` or initialized (and the graph is
        written to ``logdir``); another's waits until the model is ready. Then the
        standard services start (``start_standard_services``)."""
        self._coord.clear_stop()
        if self._is_chief:
            sess = self._session_manager.prepare_session(
                master, init_op=self._init_op, saver=self._saver,
                checkpoint_dir=self._logdir, wait_for_checkpoint=wait_for_checkpoint,
                max_wait_secs=max_wait_secs, config=config,
                init_feed_dict=self._init_feed_dict, init_fn=self._init_fn)
            self._write_graph()
            if start_standard_services:
                self.start_standard_services(sess)
        else:
            sess = self._session_manager.wait_for_session(master, config=config,
                                                          max_wait_secs=max_wait_secs)
        if start_standard_services:
            self.start_queue_runners(sess)
        return sess

    @contextlib.contextmanager
    def managed_session(self, master="", config=None, start_standard_services=True,
                        close_summary_writer=True):
        """A session for a ``with`` block. An exception raised in the block stops the
        services and is raised again when they are joined, except ``OutOfRangeError`` (an
        input exhausted), which ends the block cleanly."""
        sess = None
        try:
            sess = self.prepare_or_wait_for_session(
                master=master, config=config, start_standard_services=start_standard_services)
            yield sess
        except Exception as e:  # noqa: BLE001 - handed to the coordinator, raised by stop()
            self.request_stop(e)
        finally:
            try:
                self.stop(close_summary_writer=close_summary_writer)
            finally:
                if sess is not None:
                    sess.close()

    def _write_graph(self) -> None:
        if self._is_chief and self._summary_writer is not None and not self._graph_written:
            self._summary_writer.add_graph(self._graph)
            self._graph_written = True

    # -- services --------------------------------------------------------------------------------
    def start_standard_services(self, sess) -> list:
        """Starts the checkpoint and summary threads (the chief's); returns them."""
        if not self._is_chief:
            raise RuntimeError("Only chief supervisor can start standard services. Because "
                               "only chief supervisors can write events.")
        threads = []
        if self._summary_writer is not None and self._summary_op is not None and \
                self._save_summaries_secs:
            threads.append(self.loop(self._save_summaries_secs, self._write_summaries, (sess,)))
        if self._saver is not None and self._save_path and self._save_model_secs:
            threads.append(self.loop(self._save_model_secs, self._save_checkpoint, (sess,)))
        return threads

    def _step(self, sess):
        if self._global_step is None:
            return None
        return _step_value(sess, self._global_step)

    def _write_summaries(self, sess) -> None:
        summary = sess.run(self._summary_op)
        self._summary_writer.add_summary(summary, self._step(sess))

    def _save_checkpoint(self, sess) -> None:
        _log.info("Saving checkpoint to path %s", self._save_path)
        self._saver.save(sess, self._save_path, global_step=self._global_step)

    def start_queue_runners(self, sess, queue_runners=None) -> list:
        """Starts the queue runners (default: the graph's ``QUEUE_RUNNERS``) with this
        supervisor's coordinator; returns their threads."""
        if queue_runners is None:
            queue_runners = self._graph.get_collection(GraphKeys.QUEUE_RUNNERS)
        threads = []
        for qr in queue_runners:
            threads.extend(qr.create_threads(sess, coord=self._coord, daemon=True, start=True))
        self._started_threads.extend(threads)
        return threads

    def loop(self, timer_interval_secs, target, args=None, kwargs=None):
        """Starts a thread that calls ``target(*args, **kwargs)`` now and then every
        ``timer_interval_secs`` until a stop is requested; returns it."""
        thread = LooperThread(self._coord, timer_interval_secs, target=target, args=args,
                              kwargs=kwargs)
        thread.daemon = True
        thread.start()
        self._started_threads.append(thread)
        return thread

    def summary_computed(self, sess, summary, global_step=None) -> None:
        """Writes a summary computed by the program (``sess.run(summary_op)``)."""
        if self._summary_writer is None:
            raise RuntimeError("Writing a summary requires a summary writer (a logdir, and "
                               "the tensorboard package).")
        if global_step is None and self._global_step is not None:
            global_step = self._step(sess)
        self._summary_writer.add_summary(summary, global_step)

    # -- stopping --------------------------------------------------------------------------------
    def should_stop(self) -> bool:
        return self._coord.should_stop()

    def request_stop(self, ex=None) -> None:
        """Asks the threads (and the training loop, through ``should_stop``) to stop;
        ``ex`` is raised again by :meth:`stop`, unless it is an ``OutOfRangeError``."""
        self._coord.request_stop(ex)

    def stop_on_exception(self):
        return self._coord.stop_on_exception()

    def wait_for_stop(self) -> None:
        self._coord.wait_for_stop()

    def stop(self, threads=None, close_summary_writer=True, ignore_live_threads=False) -> None:
        """Requests a stop, joins the services' threads (and ``threads``), and closes the
        summary writer; raises the exception a thread or the program reported."""
        self._coord.request_stop()
        try:
            self._coord.join(self._started_threads + list(threads or []),
                             stop_grace_period_secs=self._stop_grace_secs,
                             ignore_live_threads=ignore_live_threads)
        finally:
            self._started_threads = []
            if close_summary_writer and self._summary_writer is not None:
                self._summary_writer.close()


def basic_train_loop(supervisor, train_step_fn, args=None, kwargs=None, master=""):
    """Calls ``train_step_fn(sess, *args, **kwargs)`` in a ``supervisor.managed_session``
    until ``supervisor.should_stop()``.

    Example:
        >>> import flowkit as tf
        >>> step = tf.train.get_or_create_global_step()
        >>> inc = tf.assign_add(step, 1)
        >>> sv = tf.train.Supervisor(logdir=None, summary_op=None)
        >>> def train_step(sess):
        ...     if sess.run(inc) >= 4:
        ...         sv.request_stop()
        >>> tf.train.basic_train_loop(sv, train_step)
    """
    with supervisor.managed_session(master) as sess:
        while not supervisor.should_stop():
            train_step_fn(sess, *(args or ()), **(kwargs or {}))
