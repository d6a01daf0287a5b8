"""Session-run hooks: code that runs around each ``MonitoredSession.run`` (TF1's
``tf.train.SessionRunHook`` and the hooks of ``basic_session_run_hooks``).

A hook's life: ``begin()`` (the graph may still change), ``after_create_session(session,
coord)`` (the graph is final, variables are initialized or restored), then around every
``run``: ``before_run(run_context)`` may return :class:`SessionRunArgs` (more fetches, feeds,
options) whose results come to ``after_run(run_context, run_values)`` as
:class:`SessionRunValues`; ``run_context.request_stop()`` ends the loop
(``should_stop()`` becomes true). ``end(session)`` runs when the session closes normally.

The hooks that write summaries (:class:`SummarySaverHook`, :class:`StepCounterHook`, and
:class:`CheckpointSaverHook` for the graph) get their ``FileWriter`` from
``tf.summary.FileWriterCache``, which :mod:`flowkit.summary` (a layer above this one) gives to
this module with :func:`register_summary_support` when it is imported. Without the
``tensorboard`` package they warn once and write no summaries; checkpoints are written anyway.

Example:
    >>> import flowkit as tf
    >>> from flowkit.train import hooks, monitored_session
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.assign_add(step, 1)
    >>> with monitored_session.MonitoredSession(
    ...         hooks=[hooks.StopAtStepHook(last_step=3)]) as sess:
    ...     while not sess.should_stop():
    ...         n = sess.run(train)
    >>> int(n)
    3
"""
from __future__ import annotations

import collections
import json
import logging
import os
import time

import numpy as np

from flowkit.config_proto import RunOptions
from flowkit.framework.graph import get_default_graph
from flowkit.framework.graph_def import proto_class, write_graph
from flowkit.train.training_util import get_global_step

__all__ = ["SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues",
           "SecondOrStepTimer", "StopAtStepHook", "CheckpointSaverHook",
           "CheckpointSaverListener", "SummarySaverHook", "LoggingTensorHook", "NanTensorHook",
           "NanLossDuringTrainingError", "StepCounterHook", "FeedFnHook", "FinalOpsHook",
           "GlobalStepWaiterHook", "ProfilerHook"]

_log = logging.getLogger("flowkit.train")


# -- summary support, given by flowkit.summary ---------------------------------------------------
class _SummarySupport:
    writer_cache = None      # tf.summary.FileWriterCache
    merge_all = None         # tf.summary.merge_all
    warned = False


def register_summary_support(writer_cache, merge_all) -> None:
    """Called by :mod:`flowkit.summary` on import: the ``FileWriterCache`` and ``merge_all``
    the hooks and ``Scaffold`` use."""
    _SummarySupport.writer_cache, _SummarySupport.merge_all = writer_cache, merge_all


def default_summary_op():
    """``tf.summary.merge_all()``, or ``None`` (no summaries, or no ``flowkit.summary``)."""
    merge_all = _SummarySupport.merge_all
    return merge_all() if merge_all is not None else None


def summary_writer_for(logdir):
    """The cached ``FileWriter`` of ``logdir``; ``None`` (with one warning) when summaries
    cannot be written here (the ``tensorboard`` package is missing)."""
    try:
        if _SummarySupport.writer_cache is None:
            raise ImportError("flowkit.summary was not imported")
        return _SummarySupport.writer_cache.get(logdir)
    except ImportError as e:
        if not _SummarySupport.warned:
            _SummarySupport.warned = True
            _log.warning("No summaries or graph are written to %s: %s", logdir, e)
        return None


# -- the hook protocol -----------------------------------------------------------------------------
class SessionRunHook:
    """Base class of hooks; every method does nothing unless overridden.

    Example: a hook that fetches the loss with every ``run`` and prints it.

    >>> class PrintLoss(tf.train.SessionRunHook):
    ...     def before_run(self, run_context):
    ...         return tf.train.SessionRunArgs(loss)          # fetch the loss as well
    ...     def after_run(self, run_context, run_values):
    ...         print(f"loss {run_values.results:.4f}")
    >>> w = tf.Variable(1.0)
    >>> loss = tf.square(w)
    >>> train = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
    >>> with tf.train.MonitoredSession(hooks=[PrintLoss()]) as sess:
    ...     for _ in range(3):
    ...         _ = sess.run(train)
    loss 1.0000
    loss 0.2500
    loss 0.0625
    """

    def begin(self):
        """Called once before the session is made; the graph may still be changed."""

    def after_create_session(self, session, coord):
        """Called once the session exists and its variables are initialized or restored."""

    def before_run(self, run_context):
        """Called before each ``run``; may return :class:`SessionRunArgs` to add to it."""
        return None

    def after_run(self, run_context, run_values):
        """Called after each ``run`` with the results of this hook's :class:`SessionRunArgs`."""

    def end(self, session):
        """Called when the session closes without an error (also after ``OutOfRangeError``)."""


class SessionRunArgs(collections.namedtuple("SessionRunArgs",
                                            ["fetches", "feed_dict", "options"])):
    """What a hook adds to a ``run``: ``fetches`` (any fetch structure), ``feed_dict``,
    ``options``; :meth:`SessionRunHook.before_run` returns it.

    Example: a hook that feeds a dropout-like rate and fetches the step and the loss.

    >>> rate = tf.placeholder_with_default(0.0, [])
    >>> step = tf.train.get_or_create_global_step()
    >>> loss = tf.square(3.0 * (1.0 - rate))
    >>> class TrainMode(tf.train.SessionRunHook):
    ...     def before_run(self, run_context):
    ...         return tf.train.SessionRunArgs(fetches={"step": step, "loss": loss},
    ...                                        feed_dict={rate: 0.5})
    ...     def after_run(self, run_context, run_values):
    ...         print(f"step {run_values.results['step']}: loss {run_values.results['loss']}")
    >>> with tf.train.MonitoredSession(hooks=[TrainMode()]) as sess:
    ...     print(sess.run(loss))          # the caller's fetch sees the hook's feed too
    step 0: loss 2.25
    2.25
    """

    def __new__(cls, fetches, feed_dict=None, options=None):
        return super().__new__(cls, fetches, feed_dict, options)


class SessionRunValues(collections.namedtuple("SessionRunValues",
                                              ["results", "options", "run_metadata"])):
    """What a hook gets back in :meth:`SessionRunHook.after_run`: ``results`` of its
    fetches (in the structure of its :class:`SessionRunArgs`), and the run's
    options/metadata.

    Example:

    >>> w = tf.Variable([3.0, 4.0], name="w")
    >>> norm = tf.norm(w)
    >>> train = tf.assign_add(w, [1.0, 1.0])
    >>> class Watch(tf.train.SessionRunHook):
    ...     def before_run(self, run_context):
    ...         return tf.train.SessionRunArgs({"w": w, "norm": norm})
    ...     def after_run(self, run_context, run_values):
    ...         print(run_values.results["w"], f"{run_values.results['norm']:.3f}",
    ...               run_values.options)
    >>> with tf.train.MonitoredSession(hooks=[Watch()]) as sess:
    ...     for _ in range(2):
    ...         _ = sess.run(train)
    [3. 4.] 5.000 None
    [4. 5.] 6.403 None
    """


class SessionRunContext:
    """The ``run`` a hook is called for: ``original_args`` (the caller's
    :class:`SessionRunArgs`), ``session`` (the plain session) and :meth:`request_stop`.

    Example: a hook that stops training once the loss is small.

    >>> w = tf.Variable(1.0)
    >>> loss = tf.square(w)
    >>> train = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
    >>> class StopWhenSmall(tf.train.SessionRunHook):
    ...     def before_run(self, run_context):
    ...         return tf.train.SessionRunArgs(loss)
    ...     def after_run(self, run_context, run_values):
    ...         if run_values.results < 0.1:
    ...             run_context.request_stop()     # should_stop() is true after this run
    >>> steps = 0
    >>> with tf.train.MonitoredSession(hooks=[StopWhenSmall()]) as sess:
    ...     while not sess.should_stop():
    ...         _ = sess.run(train)
    ...         steps += 1
    >>> steps
    3
    """

    def __init__(self, original_args, session):
        self._original_args, self._session = original_args, session
        self._stop_requested = False

    @property
    def original_args(self):
        return self._original_args

    @property
    def session(self):
        return self._session

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested

    def request_stop(self) -> None:
        """Makes ``should_stop()`` of the monitored session true after this ``run``."""
        self._stop_requested = True


class SecondOrStepTimer:
    """Triggers every ``every_secs`` seconds or every ``every_steps`` steps (exactly one).

    Example:

    >>> timer = tf.train.SecondOrStepTimer(every_steps=10)
    >>> fired = []
    >>> for step in range(25):
    ...     if timer.should_trigger_for_step(step):
    ...         _ = timer.update_last_triggered_step(step)
    ...         fired.append(step)
    >>> fired, timer.last_triggered_step()
    ([0, 10, 20], 20)
    >>> seconds, steps = timer.update_last_triggered_step(30)   # since the last trigger
    >>> steps
    10
    """

    def __init__(self, every_secs=None, every_steps=None):
        if every_secs is None and every_steps is None:
            raise ValueError("Either every_secs or every_steps should be provided.")
        if every_secs is not None and every_steps is not None:
            raise ValueError("Can not provide both every_secs and every_steps.")
        self._every_secs, self._every_steps = every_secs, every_steps
        self.reset()

    def reset(self) -> None:
        self._last_step = self._last_time = None

    def should_trigger_for_step(self, step) -> bool:
        if self._last_step is None:
            return True
        if self._last_step == step:
            return False
        if self._every_secs is not None and time.time() >= self._last_time + self._every_secs:
            return True
        return self._every_steps is not None and step >= self._last_step + self._every_steps

    def update_last_triggered_step(self, step):
        """Records a trigger at ``step``; returns ``(seconds, steps)`` since the last one (or
        ``(None, None)`` the first time)."""
        now = time.time()
        elapsed = (None, None) if self._last_time is None else \
            (now - self._last_time, step - self._last_step)
        self._last_time, self._last_step = now, step
        return elapsed

    def last_triggered_step(self):
        return self._last_step


def _require_global_step(hook_name):
    gs = get_global_step()
    if gs is None:
        raise RuntimeError(f"Global step should be created to use {hook_name}. Create it with "
                           "tf.train.get_or_create_global_step() and pass it to "
                           "optimizer.minimize(loss, global_step=...).")
    return gs


# -- the hooks -----------------------------------------------------------------------------------
class StopAtStepHook(SessionRunHook):
    """Requests a stop when the global step reaches ``last_step``, or ``num_steps`` steps
    after the step the session started at (exactly one of them).

    Example: train for three steps.

    >>> w = tf.Variable(1.0)
    >>> loss = tf.square(w)
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.train.GradientDescentOptimizer(0.25).minimize(loss, global_step=step)
    >>> with tf.train.MonitoredSession(hooks=[tf.train.StopAtStepHook(last_step=3)]) as sess:
    ...     while not sess.should_stop():
    ...         print(sess.run([train, loss])[1])
    1.0
    0.25
    0.0625
    """

    def __init__(self, num_steps=None, last_step=None):
        if (num_steps is None) == (last_step is None):
            raise ValueError("One of num_steps or last_step must be specified.")
        if num_steps is not None and num_steps < 0:
            raise ValueError("num_steps should be larger than 0.")
        if last_step is not None and last_step < 0:
            raise ValueError("last_step should be larger than 0.")
        self._num_steps, self._last_step = num_steps, last_step

    def begin(self):
        self._global_step_tensor = _require_global_step("StopAtStepHook")

    def after_create_session(self, session, coord):
        if self._last_step is None:
            self._last_step = int(session.run(self._global_step_tensor)) + self._num_steps

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        if run_values.results + 1 >= self._last_step:
            # The value read may be from before this run's update: read it again.
            if run_context.session.run(self._global_step_tensor) >= self._last_step:
                run_context.request_stop()


class CheckpointSaverListener:
    """Called around the saves of a :class:`CheckpointSaverHook`; ``after_save`` returning
    ``True`` requests a stop.

    Example:

    >>> import tempfile
    >>> class Announce(tf.train.CheckpointSaverListener):
    ...     def after_save(self, session, global_step_value):
    ...         print("saved step", global_step_value)
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.assign_add(step, 1)
    >>> saver_hook = tf.train.CheckpointSaverHook(
    ...     tempfile.mkdtemp(), save_steps=2, saver=tf.train.Saver(), listeners=[Announce()])
    >>> hooks = [saver_hook, tf.train.StopAtStepHook(last_step=3)]
    >>> with tf.train.MonitoredSession(hooks=hooks) as sess:
    ...     while not sess.should_stop():
    ...         _ = sess.run(train)
    saved step 0
    saved step 2
    saved step 3
    """

    def begin(self):
        pass

    def before_save(self, session, global_step_value):
        pass

    def after_save(self, session, global_step_value):
        pass

    def end(self, session, global_step_value):
        pass


class CheckpointSaverHook(SessionRunHook):
    """Saves a checkpoint (``checkpoint_dir/model.ckpt-<step>``, with ``tf.train.Saver``)
    when the session starts, every ``save_secs`` seconds or ``save_steps`` steps, and at the
    end; writes ``graph.pbtxt`` and the graph to the folder's event file (those two need the
    ``tensorboard`` package; the checkpoints do not).

    Example:

    >>> import os, tempfile
    >>> w = tf.Variable(1.0, name="w")
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.train.GradientDescentOptimizer(0.25).minimize(tf.square(w), global_step=step)
    >>> folder, saver = tempfile.mkdtemp(), tf.train.Saver()
    >>> hooks = [tf.train.CheckpointSaverHook(folder, save_steps=2, saver=saver),
    ...          tf.train.StopAtStepHook(last_step=3)]
    >>> with tf.train.MonitoredSession(hooks=hooks) as sess:
    ...     while not sess.should_stop():
    ...         _ = sess.run(train)
    >>> [os.path.basename(path) for path in saver.last_checkpoints]
    ['model.ckpt-0', 'model.ckpt-2', 'model.ckpt-3']
    >>> float(tf.train.load_variable(folder, "w"))    # w after three steps: 1 * 0.5 ** 3
    0.125
    """

    def __init__(self, checkpoint_dir, save_secs=None, save_steps=None, saver=None,
                 checkpoint_basename="model.ckpt", scaffold=None, listeners=None,
                 save_graph_def=True):
        if saver is not None and scaffold is not None:
            raise ValueError("You cannot provide both saver and scaffold.")
        self._saver, self._scaffold = saver, scaffold
        self._checkpoint_dir = os.fspath(checkpoint_dir)
        self._save_path = os.path.join(self._checkpoint_dir, checkpoint_basename)
        self._timer = SecondOrStepTimer(every_secs=save_secs, every_steps=save_steps)
        self._listeners = list(listeners or [])
        self._save_graph_def = save_graph_def

    def begin(self):
        os.makedirs(self._checkpoint_dir, exist_ok=True)
        self._writer = summary_writer_for(self._checkpoint_dir)
        self._global_step_tensor = _require_global_step("CheckpointSaverHook")
        for listener in self._listeners:
            listener.begin()

    def after_create_session(self, session, coord):
        step = int(session.run(self._global_step_tensor))
        if self._save_graph_def and self._writer is not None:
            write_graph(session.graph, self._checkpoint_dir, "graph.pbtxt")
            self._writer.add_graph(session.graph)
        self._save(session, step)
        self._timer.update_last_triggered_step(step)

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        if self._timer.should_trigger_for_step(run_values.results + 1):
            step = int(run_context.session.run(self._global_step_tensor))
            if self._timer.should_trigger_for_step(step):
                self._timer.update_last_triggered_step(step)
                if self._save(run_context.session, step):
                    run_context.request_stop()

    def end(self, session):
        step = int(session.run(self._global_step_tensor))
        if step != self._timer.last_triggered_step():
            self._save(session, step)
        for listener in self._listeners:
            listener.end(session, step)
        if self._writer is not None:
            self._writer.flush()

    def _get_saver(self):
        if self._saver is not None:
            return self._saver
        if self._scaffold is not None:
            return self._scaffold.saver
        savers = get_default_graph().get_collection("savers")
        if not savers:
            raise RuntimeError("No items in collection 'savers'. Please add a saver to the "
                               "collection, or pass saver= or scaffold=.")
        return savers[0]

    def _save(self, session, step) -> bool:
        _log.info("Saving checkpoints for %d into %s.", step, self._save_path)
        for listener in self._listeners:
            listener.before_save(session, step)
        self._get_saver().save(session, self._save_path, global_step=step)
        if self._writer is not None:
            log = proto_class("SessionLog")
            self._writer.add_session_log(
                log(status=log.CHECKPOINT, checkpoint_path=self._save_path), step)
        stop = False
        for listener in self._listeners:
            stop = bool(listener.after_save(session, step)) or stop
        return stop


class SummarySaverHook(SessionRunHook):
    """Runs ``summary_op`` (or the scaffold's, by default ``tf.summary.merge_all()``) every
    ``save_steps`` steps or ``save_secs`` seconds and writes it to ``output_dir`` (or
    ``summary_writer``) at the global step. Summaries need the ``tensorboard`` package
    (without it the hook warns once and writes nothing), and so does this example.

    Example:

    >>> import pytest; _ = pytest.importorskip("tensorboard")   # skipped without it
    >>> import os, struct, tempfile
    >>> w = tf.Variable(1.0)
    >>> loss = tf.square(w)
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.train.GradientDescentOptimizer(0.25).minimize(loss, global_step=step)
    >>> folder = tempfile.mkdtemp()
    >>> hooks = [tf.train.SummarySaverHook(save_steps=1, output_dir=folder,
    ...                                    summary_op=tf.summary.scalar("loss", loss)),
    ...          tf.train.StopAtStepHook(last_step=3)]
    >>> with tf.train.MonitoredSession(hooks=hooks) as sess:
    ...     while not sess.should_stop():
    ...         _ = sess.run(train)
    >>> def read_events(path):   # records: length, its CRC, an Event protocol buffer, its CRC
    ...     with open(path, "rb") as f:
    ...         data = f.read()
    ...     while data:
    ...         (n,) = struct.unpack("<Q", data[:8])
    ...         yield tf.summary.Event.FromString(data[12:12 + n])
    ...         data = data[16 + n:]
    >>> [event_file] = os.listdir(folder)
    >>> [(event.step, value.tag, value.simple_value)
    ...  for event in read_events(os.path.join(folder, event_file))
    ...  for value in event.summary.value]
    [(1, 'loss', 1.0), (2, 'loss', 0.25), (3, 'loss', 0.0625)]
    """

    def __init__(self, save_steps=None, save_secs=None, output_dir=None, summary_writer=None,
                 scaffold=None, summary_op=None):
        if (scaffold is None) == (summary_op is None):
            raise ValueError("Exactly one of scaffold or summary_op should be set.")
        self._summary_op, self._scaffold = summary_op, scaffold
        self._writer, self._output_dir = summary_writer, output_dir
        self._timer = SecondOrStepTimer(every_secs=save_secs, every_steps=save_steps)

    def begin(self):
        if self._writer is None and self._output_dir:
            self._writer = summary_writer_for(self._output_dir)
        self._next_step = None
        self._global_step_tensor = _require_global_step("SummarySaverHook")

    def _get_summary_op(self):
        op = self._summary_op if self._summary_op is not None else self._scaffold.summary_op
        return None if op is None else (op if isinstance(op, list) else [op])

    def before_run(self, run_context):
        self._request = self._next_step is None or \
            self._timer.should_trigger_for_step(self._next_step)
        fetches = {"global_step": self._global_step_tensor}
        if self._request and self._writer is not None and self._get_summary_op() is not None:
            fetches["summary"] = self._get_summary_op()
        return SessionRunArgs(fetches)

    def after_run(self, run_context, run_values):
        if self._writer is None:
            return
        step = int(run_values.results["global_step"]) + 1
        if self._next_step is None or self._request:
            step = int(run_context.session.run(self._global_step_tensor))
        if self._next_step is None:
            log = proto_class("SessionLog")
            self._writer.add_session_log(log(status=log.START), step)
        if self._request:
            self._timer.update_last_triggered_step(step)
            for summary in run_values.results.get("summary", []):
                self._writer.add_summary(summary, step)
        self._next_step = step + 1

    def end(self, session):
        if self._writer is not None:
            self._writer.flush()


class LoggingTensorHook(SessionRunHook):
    """Logs the values of ``tensors`` (a list or a ``{tag: tensor}`` dict; names allowed)
    every ``every_n_iter`` runs or ``every_n_secs`` seconds, or only ``at_end``, with
    Python's ``logging`` (logger ``flowkit.train``, level INFO).

    Example (the log goes to standard output here; by default ``tf.logging`` prints INFO
    lines to standard error after ``tf.logging.set_verbosity(tf.logging.INFO)``):

    >>> import logging, sys
    >>> logger, to_stdout = logging.getLogger("flowkit.train"), logging.StreamHandler(sys.stdout)
    >>> logger.addHandler(to_stdout); logger.setLevel(logging.INFO)
    >>> w = tf.Variable(1.0)
    >>> loss = tf.square(w, name="loss")
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.train.GradientDescentOptimizer(0.25).minimize(loss, global_step=step)
    >>> log_hook = tf.train.LoggingTensorHook(
    ...     {"step": step, "loss": loss}, every_n_iter=2,
    ...     formatter=lambda values: "step {step}: loss = {loss:.4f}".format(**values))
    >>> with tf.train.MonitoredSession(
    ...         hooks=[log_hook, tf.train.StopAtStepHook(last_step=5)]) as sess:
    ...     while not sess.should_stop():
    ...         _ = sess.run(train)
    step 0: loss = 1.0000
    step 2: loss = 0.0625
    step 4: loss = 0.0039
    >>> logger.removeHandler(to_stdout); logger.setLevel(logging.NOTSET)
    """

    def __init__(self, tensors, every_n_iter=None, every_n_secs=None, at_end=False,
                 formatter=None):
        only_at_end = at_end and every_n_iter is None and every_n_secs is None
        if not only_at_end and (every_n_iter is None) == (every_n_secs is None):
            raise ValueError("either at_end and/or exactly one of every_n_iter and "
                             "every_n_secs must be provided.")
        if every_n_iter is not None and every_n_iter <= 0:
            raise ValueError(f"invalid every_n_iter={every_n_iter}.")
        if not isinstance(tensors, dict):
            self._tag_order = [t if isinstance(t, str) else t.name for t in tensors]
            tensors = dict(zip(self._tag_order, tensors))
        else:
            self._tag_order = sorted(tensors)
        self._tensors, self._formatter, self._at_end = tensors, formatter, at_end
        self._only_at_end = only_at_end
        self._timer = None if only_at_end else \
            SecondOrStepTimer(every_secs=every_n_secs, every_steps=every_n_iter)

    def begin(self):
        graph = get_default_graph()
        self._iter_count = 0
        if self._timer is not None:
            self._timer.reset()
        self._current = {tag: graph.as_graph_element(t) if isinstance(t, str) else t
                         for tag, t in self._tensors.items()}

    def before_run(self, run_context):
        self._trigger = self._timer is not None and \
            self._timer.should_trigger_for_step(self._iter_count)
        return SessionRunArgs(self._current) if self._trigger else None

    def _log_values(self, values) -> None:
        elapsed = None if self._timer is None else \
            self._timer.update_last_triggered_step(self._iter_count)[0]
        with np.printoptions(suppress=True):
            if self._formatter is not None:
                _log.info("%s", self._formatter(values))
                return
            text = ", ".join(f"{tag} = {values[tag]}" for tag in self._tag_order)
        if elapsed is not None:
            _log.info("%s (%.3f sec)", text, elapsed)
        else:
            _log.info("%s", text)

    def after_run(self, run_context, run_values):
        if self._trigger:
            self._log_values(run_values.results)
        self._iter_count += 1

    def end(self, session):
        if self._at_end:
            self._log_values(session.run(self._current))


class NanLossDuringTrainingError(RuntimeError):
    """The loss became NaN (raised by :class:`NanTensorHook`).

    Example: a learning rate far too large makes the weights, then the loss, diverge.

    >>> w = tf.Variable(1.0)
    >>> loss = tf.square(w)
    >>> train = tf.train.GradientDescentOptimizer(1e20).minimize(loss)
    >>> try:
    ...     with tf.train.MonitoredSession(hooks=[tf.train.NanTensorHook(loss)]) as sess:
    ...         while not sess.should_stop():
    ...             _ = sess.run(train)
    ... except tf.train.NanLossDuringTrainingError as e:
    ...     print(e)
    NaN loss during training.
    """

    def __str__(self):
        return "NaN loss during training."


class NanTensorHook(SessionRunHook):
    """Raises :class:`NanLossDuringTrainingError` (or, with ``fail_on_nan_loss=False``,
    requests a stop) when ``loss_tensor`` is NaN.

    Example: a learning rate far too large; training stops at the first NaN loss.

    >>> w = tf.Variable(1.0)
    >>> loss = tf.square(w)
    >>> train = tf.train.GradientDescentOptimizer(1e20).minimize(loss)
    >>> nan_hook = tf.train.NanTensorHook(loss, fail_on_nan_loss=False)
    >>> with tf.train.MonitoredSession(hooks=[nan_hook]) as sess:
    ...     while not sess.should_stop():
    ...         print(sess.run([train, loss])[1])
    1.0
    inf
    inf
    nan
    """

    def __init__(self, loss_tensor, fail_on_nan_loss=True):
        self._loss_tensor, self._fail = loss_tensor, fail_on_nan_loss

    def before_run(self, run_context):
        return SessionRunArgs(self._loss_tensor)

    def after_run(self, run_context, run_values):
        if np.isnan(run_values.results):
            if self._fail:
                _log.error("Model diverged with loss = NaN.")
                raise NanLossDuringTrainingError
            _log.warning("Model diverged with loss = NaN.")
            run_context.request_stop()


class StepCounterHook(SessionRunHook):
    """Measures steps per second every ``every_n_steps`` steps (or ``every_n_secs``), logs
    it and writes it as the scalar ``global_step/sec`` (to ``output_dir``, with the
    ``tensorboard`` package). ``MonitoredTrainingSession`` adds one (``log_step_count_steps``).

    Example (logging to standard output, with no summaries written):

    >>> import logging, sys
    >>> logger, to_stdout = logging.getLogger("flowkit.train"), logging.StreamHandler(sys.stdout)
    >>> logger.addHandler(to_stdout); logger.setLevel(logging.INFO)
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.assign_add(step, 1)
    >>> hooks = [tf.train.StepCounterHook(every_n_steps=2), tf.train.StopAtStepHook(last_step=5)]
    >>> with tf.train.MonitoredSession(hooks=hooks) as sess:
    ...     while not sess.should_stop():
    ...         _ = sess.run(train)
    global_step/sec: ...
    global_step/sec: ...
    >>> logger.removeHandler(to_stdout); logger.setLevel(logging.NOTSET)
    """

    def __init__(self, every_n_steps=100, every_n_secs=None, output_dir=None,
                 summary_writer=None):
        if (every_n_steps is None) == (every_n_secs is None):
            raise ValueError("exactly one of every_n_steps and every_n_secs should be "
                             "provided.")
        self._timer = SecondOrStepTimer(every_steps=every_n_steps, every_secs=every_n_secs)
        self._writer, self._output_dir = summary_writer, output_dir
        self._last_global_step = None

    def begin(self):
        if self._writer is None and self._output_dir:
            self._writer = summary_writer_for(self._output_dir)
        self._global_step_tensor = _require_global_step("StepCounterHook")
        self._summary_tag = f"{self._global_step_tensor.op.name}/sec"

    def before_run(self, run_context):
        return SessionRunArgs(self._global_step_tensor)

    def after_run(self, run_context, run_values):
        stale = int(run_values.results)
        if self._timer.should_trigger_for_step(stale + 1):
            step = int(run_context.session.run(self._global_step_tensor))
            if self._timer.should_trigger_for_step(step):
                secs, steps = self._timer.update_last_triggered_step(step)
                if secs is not None:
                    self._record(steps / secs if secs > 0 else float("inf"), step)
        if stale == self._last_global_step:
            _log.warning("It seems that global step (tf.train.get_global_step) has not been "
                         "increased. Current value (could be stable): %s vs previous value: "
                         "%s. You could increase the global step by passing "
                         "tf.train.get_global_step() to Optimizer.apply_gradients or "
                         "Optimizer.minimize.", stale, self._last_global_step)
        self._last_global_step = stale

    def _record(self, steps_per_sec, step) -> None:
        if self._writer is not None:
            summary = proto_class("Summary")()
            summary.value.add(tag=self._summary_tag, simple_value=steps_per_sec)
            self._writer.add_summary(summary, step)
        _log.info("%s: %g", self._summary_tag, steps_per_sec)


class FeedFnHook(SessionRunHook):
    """Feeds ``feed_fn()`` (a ``feed_dict``) into every ``run``.

    Example: the batches run out, ``feed_fn`` raises ``StopIteration``, and the session
    ends the loop without an error.

    >>> x = tf.placeholder(tf.float32, [None])
    >>> total = tf.reduce_sum(x)
    >>> batches = iter([[1.0, 2.0], [3.0, 4.0]])
    >>> with tf.train.MonitoredSession(
    ...         hooks=[tf.train.FeedFnHook(lambda: {x: next(batches)})]) as sess:
    ...     while not sess.should_stop():
    ...         print(sess.run(total))
    3.0
    7.0
    """

    def __init__(self, feed_fn):
        self.feed_fn = feed_fn

    def before_run(self, run_context):
        return SessionRunArgs(fetches=None, feed_dict=self.feed_fn())


class FinalOpsHook(SessionRunHook):
    """Runs ``final_ops`` when the session ends; their values are ``final_ops_values``.

    Example: read an evaluation total once the loop is done.

    >>> x = tf.placeholder(tf.float32, [None])
    >>> total = tf.Variable(0.0)
    >>> accumulate = tf.assign_add(total, tf.reduce_sum(x))
    >>> final = tf.train.FinalOpsHook(final_ops={"total": total})
    >>> with tf.train.MonitoredSession(hooks=[final]) as sess:
    ...     for batch in ([1.0, 2.0], [3.0]):
    ...         _ = sess.run(accumulate, feed_dict={x: batch})
    >>> float(final.final_ops_values["total"])
    6.0
    """

    def __init__(self, final_ops, final_ops_feed_dict=None):
        self._final_ops, self._feed = final_ops, final_ops_feed_dict
        self._final_ops_values = None

    @property
    def final_ops_values(self):
        return self._final_ops_values

    def end(self, session):
        if self._final_ops is not None:
            self._final_ops_values = session.run(self._final_ops, feed_dict=self._feed)


class GlobalStepWaiterHook(SessionRunHook):
    """Delays the first ``run`` until the global step reaches ``wait_until_step`` (TF1 uses
    it to start workers after the chief has trained a while): it reads the step every half
    second, so another thread (or process) must be advancing it.

    Example:
        >>> step = tf.train.get_or_create_global_step()
        >>> inc = tf.assign_add(step, 1)
        >>> with tf.train.MonitoredSession(
        ...         hooks=[tf.train.GlobalStepWaiterHook(wait_until_step=0)]) as sess:
        ...     print(sess.run(inc))
        1
    """

    def __init__(self, wait_until_step, poll_secs=0.5):
        self._wait_until_step, self._poll_secs = wait_until_step, poll_secs

    def begin(self):
        self._started = self._wait_until_step <= 0
        self._global_step_tensor = _require_global_step("GlobalStepWaiterHook")

    def before_run(self, run_context):
        last_logged = None
        while not self._started:
            current = int(run_context.session.run(self._global_step_tensor))
            if current >= self._wait_until_step:
                self._started = True
                break
            if current != last_logged:
                _log.info("Waiting for global step %d before starting training; now %d.",
                          self._wait_until_step, current)
                last_logged = current
            time.sleep(self._poll_secs)
        return None


class ProfilerHook(SessionRunHook):
    """Every ``save_steps`` steps (or ``save_secs`` seconds), runs the step with
    ``FULL_TRACE`` and writes the time each op took as ``timeline-<step>.json`` in
    ``output_dir``: a Chrome trace (open it at ``chrome://tracing`` or ui.perfetto.dev), one
    event per op run, named by op type, with the op's name in its arguments. flowkit runs
    ops one at a time, so the events of a step lie one after another on one track.
    ``show_dataflow`` and ``show_memory`` are accepted and change nothing (TF draws arrows
    between devices and memory counters, which flowkit's one-device sessions lack).

    Example:
        >>> import glob, json, os, tempfile
        >>> folder = tempfile.mkdtemp()
        >>> step = tf.train.get_or_create_global_step()
        >>> inc = tf.assign_add(step, 1)
        >>> with tf.train.MonitoredSession(
        ...         hooks=[tf.train.ProfilerHook(save_steps=2, output_dir=folder)]) as sess:
        ...     for _ in range(3):
        ...         _ = sess.run(inc)
        >>> sorted(os.path.basename(f) for f in glob.glob(os.path.join(folder, "*.json")))
        ['timeline-2.json']
    """

    def __init__(self, save_steps=None, save_secs=None, output_dir="", show_dataflow=True,
                 show_memory=False):
        self._output_file = os.path.join(output_dir, "timeline-{}.json")
        self._timer = SecondOrStepTimer(every_secs=save_secs, every_steps=save_steps)

    def begin(self):
        self._next_step = None
        self._global_step_tensor = _require_global_step("ProfilerHook")

    def before_run(self, run_context):
        self._request = self._next_step is not None and \
            self._timer.should_trigger_for_step(self._next_step)
        options = RunOptions(trace_level=RunOptions.FULL_TRACE) if self._request else None
        return SessionRunArgs(self._global_step_tensor, options=options)

    def after_run(self, run_context, run_values):
        stale = int(run_values.results)
        if self._next_step is None:
            self._timer.update_last_triggered_step(stale)
        step = stale + 1
        if self._request and run_values.run_metadata is not None:
            step = int(run_context.session.run(self._global_step_tensor))
            self._timer.update_last_triggered_step(step)
            self._save(step, run_values.run_metadata)
        self._next_step = step + 1

    def _save(self, step, run_metadata) -> None:
        events = []
        for pid, dev in enumerate(run_metadata.step_stats.dev_stats):
            events.append({"name": "process_name", "ph": "M", "pid": pid,
                           "args": {"name": dev.device}})
            for node in dev.node_stats:
                label = node.timeline_label or node.node_name
                op_type = label.partition(" = ")[2].partition("(")[0] or node.node_name
                events.append({"name": op_type, "cat": "Op", "ph": "X", "pid": pid, "tid": 0,
                               "ts": node.all_start_micros, "dur": node.all_end_rel_micros,
                               "args": {"name": node.node_name, "op": op_type}})
        path = self._output_file.format(step)
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(path, "w") as f:
            json.dump({"traceEvents": events}, f)
        _log.info("Saved a timeline of step %d to %s", step, path)
