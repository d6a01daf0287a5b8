"""``tf.train.MonitoredTrainingSession`` and friends: a session that initializes or restores
the model, runs hooks around every ``run``, and closes cleanly (TF 1.4+ training loops).

* :class:`Scaffold` collects the ops a session needs (``init_op``, ``ready_op``,
  ``local_init_op``, ``summary_op``, ``saver``), making TF1's defaults in
  :meth:`Scaffold.finalize`, which also finalizes the graph (no op may be added while the
  session runs, which catches graphs that grow in the training loop).
* :class:`ChiefSessionCreator` makes a ``tf.Session``, restores the latest checkpoint of
  ``checkpoint_dir`` (``tf.train.latest_checkpoint``) or runs the initializers, then checks
  that every variable has a value.
* :class:`MonitoredSession` calls the hooks (:mod:`flowkit.train.hooks`); ``should_stop()``
  is true once a hook requested a stop; as a context manager it ends on ``OutOfRangeError``
  (an input exhausted) without error, calling the hooks' ``end``.
* :func:`MonitoredTrainingSession` adds TF1's standard hooks: checkpoints every
  ``save_checkpoint_secs`` (600) or ``save_checkpoint_steps``, summaries every
  ``save_summaries_steps`` (100), steps per second every ``log_step_count_steps`` (100).

Example:
    >>> import tempfile
    >>> import flowkit as tf
    >>> from flowkit.train import hooks, monitored_session
    >>> w = tf.Variable(0.0, name="w")
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.group(tf.assign_add(w, 1.0), tf.assign_add(step, 1))
    >>> folder = tempfile.mkdtemp()
    >>> with monitored_session.MonitoredTrainingSession(
    ...         checkpoint_dir=folder, hooks=[hooks.StopAtStepHook(last_step=5)],
    ...         save_summaries_steps=None, log_step_count_steps=None) as sess:
    ...     while not sess.should_stop():
    ...         _ = sess.run(train)
    >>> tf.train.latest_checkpoint(folder).endswith("model.ckpt-5")
    True
"""
from __future__ import annotations

import logging

from flowkit import config_proto
from flowkit.framework import errors
from flowkit.framework.graph import GraphKeys, get_default_graph
from flowkit.ops.control_flow_ops import group
from flowkit.session import Session
from flowkit.train import hooks as hooks_lib
from flowkit.train import queue_runner
from flowkit.train.coordinator import Coordinator
from flowkit.train.saver import Saver, latest_checkpoint
from flowkit.variables import (global_variables, global_variables_initializer,
                               local_variables_initializer, report_uninitialized_variables)

__all__ = ["Scaffold", "SessionCreator", "ChiefSessionCreator", "MonitoredSession",
           "SingularMonitoredSession", "MonitoredTrainingSession"]

_log = logging.getLogger("flowkit.train")
_USE_DEFAULT = object()
SUMMARY_OP = "summary_op"          # TF1's GraphKeys.SUMMARY_OP
READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"


class Scaffold:
    """The ops a monitored session needs; those not given get TF1's defaults in
    :meth:`finalize` (``init_op``: the global variables' initializer, ``ready_op``:
    ``report_uninitialized_variables()``, ``local_init_op``: the local variables'
    initializer, ``summary_op``: ``tf.summary.merge_all()``, ``saver``: the first of the
    ``savers`` collection or a new ``tf.train.Saver``, which is not added to that collection:
    flowkit's graph files do not hold savers).

    Example: ``init_fn`` loads weights (here a constant) after the initializers ran.

    >>> w = tf.Variable(0.0, name="w")
    >>> load = tf.assign(w, 7.0)
    >>> scaffold = tf.train.Scaffold(init_fn=lambda scaffold, sess: sess.run(load))
    >>> creator = tf.train.ChiefSessionCreator(scaffold=scaffold)
    >>> with tf.train.MonitoredSession(session_creator=creator) as sess:
    ...     print(sess.run(w), scaffold.init_op.type, type(scaffold.saver).__name__)
    7.0 NoOp Saver
    """

    def __init__(self, init_op=None, init_feed_dict=None, init_fn=None, ready_op=None,
                 ready_for_local_init_op=None, local_init_op=None, summary_op=None,
                 saver=None, copy_from_scaffold=None):
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError("copy_from_scaffold is not a Scaffold instance.")
            c = copy_from_scaffold
            init_op = init_op or c.init_op
            init_feed_dict = init_feed_dict or c.init_feed_dict
            init_fn = init_fn or c.init_fn
            ready_op = ready_op or c.ready_op
            ready_for_local_init_op = ready_for_local_init_op or c.ready_for_local_init_op
            local_init_op = local_init_op or c.local_init_op
            summary_op = summary_op or c.summary_op
            saver = saver or c.saver
        self._init_op, self._init_feed_dict = init_op, init_feed_dict
        self._user_init_fn = init_fn
        self._init_fn = (lambda sess: init_fn(self, sess)) if init_fn else None
        self._ready_op, self._ready_for_local_init_op = ready_op, ready_for_local_init_op
        self._local_init_op, self._summary_op, self._saver = local_init_op, summary_op, saver

    @staticmethod
    def get_or_default(arg_name, collection_key, default_constructor):
        """The single op of collection ``collection_key``, else ``default_constructor()``
        (added to the collection)."""
        graph = get_default_graph()
        ops = graph.get_collection(collection_key)
        if len(ops) > 1:
            raise RuntimeError(f"More than one item in the collection {collection_key}. "
                               f"Please indicate which one to use by passing it to the "
                               f"tf.Scaffold constructor as: tf.Scaffold({arg_name}=item to "
                               "use)")
        if ops:
            return ops[0]
        op = default_constructor()
        if op is not None:
            graph.add_to_collection(collection_key, op)
        return op

    def finalize(self):
        """Makes the missing ops and finalizes the graph."""
        graph = get_default_graph()
        if self._init_op is None:
            self._init_op = Scaffold.get_or_default("init_op", GraphKeys.INIT_OP,
                                                    global_variables_initializer)
        if self._ready_op is None:
            self._ready_op = Scaffold.get_or_default("ready_op", GraphKeys.READY_OP,
                                                     report_uninitialized_variables)
        if self._ready_for_local_init_op is None:
            self._ready_for_local_init_op = Scaffold.get_or_default(
                "ready_for_local_init_op", READY_FOR_LOCAL_INIT_OP,
                lambda: report_uninitialized_variables(global_variables()))
        if self._local_init_op is None:
            self._local_init_op = Scaffold.get_or_default(
                "local_init_op", GraphKeys.LOCAL_INIT_OP,
                lambda: group(local_variables_initializer()))
        if self._summary_op is None:
            self._summary_op = Scaffold.get_or_default("summary_op", SUMMARY_OP,
                                                       hooks_lib.default_summary_op)
        if self._saver is None:
            savers = graph.get_collection(GraphKeys.SAVERS)
            self._saver = savers[0] if savers else Saver(allow_empty=True, max_to_keep=5)
        graph.finalize()
        return self

    init_op = property(lambda self: self._init_op)
    init_feed_dict = property(lambda self: self._init_feed_dict)
    init_fn = property(lambda self: self._init_fn)
    ready_op = property(lambda self: self._ready_op)
    ready_for_local_init_op = property(lambda self: self._ready_for_local_init_op)
    local_init_op = property(lambda self: self._local_init_op)
    summary_op = property(lambda self: self._summary_op)
    saver = property(lambda self: self._saver)


class SessionCreator:
    """Makes the session a :class:`MonitoredSession` runs.

    Example: a creator that makes a plain session and initializes the variables itself.

    >>> w = tf.Variable(2.0)
    >>> init = tf.global_variables_initializer()
    >>> class InitializingCreator(tf.train.SessionCreator):
    ...     def create_session(self):
    ...         sess = tf.Session()
    ...         sess.run(init)
    ...         return sess
    >>> with tf.train.MonitoredSession(session_creator=InitializingCreator()) as sess:
    ...     print(sess.run(w * 3.0))
    6.0
    """

    def create_session(self):
        raise NotImplementedError


def _names(value) -> list:
    return [v.decode() if isinstance(v, bytes) else str(v) for v in list(value)]


class ChiefSessionCreator(SessionCreator):
    """Makes a session and restores the newest checkpoint (``checkpoint_filename_with_path``,
    else the latest in ``checkpoint_dir``) or initializes the variables. ``backend`` and
    ``device`` go to ``tf.Session``.

    Example: the second session restores what the first one saved.

    >>> import os, tempfile
    >>> w = tf.Variable(1.0, name="w")
    >>> double = tf.assign(w, w * 2.0)
    >>> saver, folder = tf.train.Saver(), tempfile.mkdtemp()
    >>> with tf.Session() as sess:
    ...     sess.run(w.initializer)
    ...     _ = sess.run(double)
    ...     _ = saver.save(sess, os.path.join(folder, "model.ckpt"))
    >>> creator = tf.train.ChiefSessionCreator(checkpoint_dir=folder)
    >>> with tf.train.MonitoredSession(session_creator=creator) as sess:
    ...     print(sess.run(w))
    2.0
    """

    def __init__(self, scaffold=None, master="", config=None, checkpoint_dir=None,
                 checkpoint_filename_with_path=None, *, backend=None, device=None):
        self._scaffold = scaffold or Scaffold()
        self._master, self._config = master, config
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_path = checkpoint_filename_with_path
        self._backend, self._device = backend, device

    def create_session(self):
        s = self._scaffold.finalize()
        sess = Session(self._master, graph=get_default_graph(), config=self._config,
                       backend=self._backend, device=self._device)
        path = self._checkpoint_path or (latest_checkpoint(self._checkpoint_dir)
                                         if self._checkpoint_dir else None)
        if path:
            _log.info("Restoring parameters from %s", path)
            s.saver.restore(sess, path)
        else:
            if s.init_op is None and not s.init_fn and s.local_init_op is None:
                raise RuntimeError("Model is not initialized and no init_op or init_fn or "
                                   "local_init_op was given")
            if s.init_op is not None:
                sess.run(s.init_op, feed_dict=s.init_feed_dict)
            if s.init_fn:
                s.init_fn(sess)
        if s.local_init_op is not None:
            not_ready = _names(sess.run(s.ready_for_local_init_op)) \
                if s.ready_for_local_init_op is not None else []
            if not_ready:
                raise RuntimeError(f"Init operations did not make model ready for local_init. "
                                   f"Variables not initialized: {', '.join(not_ready)}")
            sess.run(s.local_init_op)
        if s.ready_op is not None:
            not_ready = _names(sess.run(s.ready_op))
            if not_ready:
                raise RuntimeError(f"Init operations did not make model ready. Init op: "
                                   f"{getattr(s.init_op, 'name', s.init_op)}, init fn: "
                                   f"{s.init_fn}, local_init_op: "
                                   f"{getattr(s.local_init_op, 'name', None)}. Variables not "
                                   f"initialized: {', '.join(not_ready)}")
        return sess


class _StepContext:
    """What ``run_step_fn``'s function gets: ``session`` (the plain session),
    ``run_with_hooks`` and ``request_stop``."""

    def __init__(self, monitored):
        self._monitored = monitored

    @property
    def session(self):
        return self._monitored._tf_sess

    def run_with_hooks(self, *args, **kwargs):
        return self._monitored.run(*args, **kwargs)

    def request_stop(self) -> None:
        self._monitored._coord.request_stop()


class MonitoredSession:
    """A session-like object that runs ``hooks`` around every ``run`` (TF1's
    ``tf.train.MonitoredSession``). By default (:class:`ChiefSessionCreator`) it initializes
    the variables and finalizes the graph; as a context manager it ends the loop quietly
    when the input runs out (``OutOfRangeError``).

    Example:

    >>> batch = tf.data.Dataset.from_tensor_slices([1.0, 2.0, 3.0]).make_one_shot_iterator()
    >>> total = tf.Variable(0.0)
    >>> add = tf.assign_add(total, batch.get_next())
    >>> with tf.train.MonitoredSession() as sess:
    ...     while not sess.should_stop():
    ...         print(sess.run(add))
    1.0
    3.0
    6.0
    """

    def __init__(self, session_creator=None, hooks=None, stop_grace_period_secs=120):
        self._graph = get_default_graph()
        self._graph_was_finalized = self._graph.finalized
        self._hooks = list(hooks or [])
        for h in self._hooks:
            h.begin()
        self._creator = session_creator or ChiefSessionCreator()
        self._tf_sess = self._creator.create_session()
        self._coord = Coordinator()
        # As TF1: the queue runners of the graph start with the session, stop with it.
        self._threads = queue_runner.start_queue_runners(self._tf_sess, self._coord)
        self._should_stop = False
        for h in self._hooks:
            h.after_create_session(self._tf_sess, self._coord)

    @property
    def graph(self):
        return self._tf_sess.graph if self._tf_sess is not None else self._graph

    def should_stop(self) -> bool:
        """True once a hook requested a stop, or after the session was closed."""
        return self._tf_sess is None or self._should_stop or self._coord.should_stop()

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """``Session.run`` with every hook's ``before_run``/``after_run`` around it."""
        if self._tf_sess is None:
            raise RuntimeError("Run called on a closed MonitoredSession.")
        if self.should_stop():
            raise RuntimeError("Run called even after should_stop requested.")
        context = hooks_lib.SessionRunContext(hooks_lib.SessionRunArgs(fetches, feed_dict),
                                              self._tf_sess)
        asked, feeds, hook_feeds = {}, feed_dict, {}
        for i, h in enumerate(self._hooks):
            request = h.before_run(context)
            if request is None:
                continue
            if request.fetches is not None:
                asked[i] = request.fetches
            if request.feed_dict:
                _check_disjoint(hook_feeds, request.feed_dict, "Same tensor is fed by two hooks.")
                hook_feeds.update(request.feed_dict)
            if request.options is not None and options is None:
                options = request.options
                if run_metadata is None:     # TF1 gives the hooks a RunMetadata to read
                    run_metadata = config_proto.RunMetadata()
        if hook_feeds:
            if feed_dict:
                _check_disjoint(feed_dict, hook_feeds,
                                "Same tensor is fed by a SessionRunHook and user.")
            feeds = {**hook_feeds, **(feed_dict or {})}
        try:
            # The hooks' fetches come first, so that their reads of a variable (the global
            # step) see its value from before this run's updates, as TF1's hooks expect.
            hook_out, out = self._tf_sess.run((list(asked.values()), fetches), feed_dict=feeds,
                                              options=options, run_metadata=run_metadata)
        except Exception as e:
            self._coord.request_stop(e)
            raise
        results = dict(zip(asked, hook_out))
        for i, h in enumerate(self._hooks):
            h.after_run(context, hooks_lib.SessionRunValues(results.get(i), options,
                                                            run_metadata))
        self._should_stop = self._should_stop or context.stop_requested
        return out

    def run_step_fn(self, step_fn):
        """Calls ``step_fn(step_context)`` (its ``run_with_hooks`` runs with the hooks) and
        returns its value."""
        return step_fn(_StepContext(self))

    def close(self) -> None:
        """Calls the hooks' ``end`` and closes the session."""
        self._close(error=False)

    def _close(self, error) -> None:
        if self._tf_sess is None:
            return
        try:
            if not error:
                for h in self._hooks:
                    h.end(self._tf_sess)
        finally:
            self._coord.request_stop()
            self._coord.join(self._threads, stop_grace_period_secs=5,
                             ignore_live_threads=True)
            self._tf_sess.close()
            self._tf_sess = None
            if not self._graph_was_finalized:
                self._graph._unsafe_unfinalize()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        ended = exc_type is None or issubclass(exc_type, (errors.OutOfRangeError,
                                                          StopIteration))
        self._close(error=not ended)
        return exc_type is not None and ended


def _check_disjoint(a, b, message) -> None:
    if set(a) & set(b):
        raise RuntimeError(f"{message} Conflict(s): {sorted(str(k) for k in set(a) & set(b))}")


class SingularMonitoredSession(MonitoredSession):
    """A :class:`MonitoredSession` for one process, with :meth:`raw_session` (the plain
    session: its ``run`` calls no hooks).

    Example:

    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.assign_add(step, 1)
    >>> hooks = [tf.train.StopAtStepHook(last_step=2)]
    >>> with tf.train.SingularMonitoredSession(hooks=hooks) as sess:
    ...     while not sess.should_stop():
    ...         _ = sess.run(train)
    ...     print(sess.raw_session().run(step))
    2
    """

    def __init__(self, hooks=None, scaffold=None, master="", config=None, checkpoint_dir=None,
                 stop_grace_period_secs=120, checkpoint_filename_with_path=None, *,
                 backend=None, device=None):
        creator = ChiefSessionCreator(scaffold=scaffold, master=master, config=config,
                                      checkpoint_dir=checkpoint_dir,
                                      checkpoint_filename_with_path=checkpoint_filename_with_path,
                                      backend=backend, device=device)
        super().__init__(creator, hooks, stop_grace_period_secs)

    def raw_session(self):
        """The plain ``tf.Session`` underneath."""
        return self._tf_sess


def MonitoredTrainingSession(master="", is_chief=True, checkpoint_dir=None,  # noqa: N802
                             scaffold=None, hooks=None, chief_only_hooks=None,
                             save_checkpoint_secs=_USE_DEFAULT,
                             save_summaries_steps=_USE_DEFAULT,
                             save_summaries_secs=_USE_DEFAULT, config=None,
                             stop_grace_period_secs=120, log_step_count_steps=100,
                             max_wait_secs=7200, save_checkpoint_steps=_USE_DEFAULT,
                             summary_dir=None, save_graph_def=True, *, backend=None,
                             device=None):
    """A :class:`MonitoredSession` for training, with TF1's standard hooks (see the module
    docstring); ``checkpoint_dir`` is where checkpoints (and, unless ``summary_dir`` says
    otherwise, summaries) go, and where training resumes from.

    Example: train a tiny model for three steps, then resume it for two more.

    >>> import tempfile
    >>> w = tf.Variable(1.0, name="w")
    >>> loss = tf.square(w - 3.0)
    >>> step = tf.train.get_or_create_global_step()
    >>> train = tf.train.GradientDescentOptimizer(0.25).minimize(loss, global_step=step)
    >>> folder = tempfile.mkdtemp()
    >>> with tf.train.MonitoredTrainingSession(
    ...         checkpoint_dir=folder, hooks=[tf.train.StopAtStepHook(last_step=3)]) as sess:
    ...     while not sess.should_stop():
    ...         print(sess.run([train, loss])[1])
    4.0
    1.0
    0.25
    >>> tf.train.latest_checkpoint(folder).endswith("model.ckpt-3")   # saved at the end
    True
    >>> with tf.train.MonitoredTrainingSession(      # restores step 3, runs steps 4 and 5
    ...         checkpoint_dir=folder, hooks=[tf.train.StopAtStepHook(last_step=5)]) as sess:
    ...     while not sess.should_stop():
    ...         print(sess.run([train, loss])[1])
    0.0625
    0.015625
    """
    if save_summaries_steps is _USE_DEFAULT and save_summaries_secs is _USE_DEFAULT:
        save_summaries_steps, save_summaries_secs = 100, None
    elif save_summaries_secs is _USE_DEFAULT:
        save_summaries_secs = None
    elif save_summaries_steps is _USE_DEFAULT:
        save_summaries_steps = None
    if save_checkpoint_steps is _USE_DEFAULT and save_checkpoint_secs is _USE_DEFAULT:
        save_checkpoint_steps, save_checkpoint_secs = None, 600
    elif save_checkpoint_secs is _USE_DEFAULT:
        save_checkpoint_secs = None
    elif save_checkpoint_steps is _USE_DEFAULT:
        save_checkpoint_steps = None
    scaffold = scaffold or Scaffold()
    all_hooks = list(chief_only_hooks or []) if is_chief else []
    creator = ChiefSessionCreator(scaffold=scaffold, master=master, config=config,
                                  checkpoint_dir=checkpoint_dir, backend=backend, device=device)
    summary_dir = summary_dir or checkpoint_dir
    if is_chief and summary_dir:
        if log_step_count_steps and log_step_count_steps > 0:
            all_hooks.append(hooks_lib.StepCounterHook(output_dir=summary_dir,
                                                       every_n_steps=log_step_count_steps))
        if (save_summaries_steps or 0) > 0 or (save_summaries_secs or 0) > 0:
            all_hooks.append(hooks_lib.SummarySaverHook(
                scaffold=scaffold, save_steps=save_summaries_steps,
                save_secs=save_summaries_secs, output_dir=summary_dir))
    if is_chief and checkpoint_dir and \
            ((save_checkpoint_secs or 0) > 0 or (save_checkpoint_steps or 0) > 0):
        all_hooks.append(hooks_lib.CheckpointSaverHook(
            checkpoint_dir, save_steps=save_checkpoint_steps, save_secs=save_checkpoint_secs,
            scaffold=scaffold, save_graph_def=save_graph_def))
    all_hooks.extend(hooks or [])
    return MonitoredSession(session_creator=creator, hooks=all_hooks,
                            stop_grace_period_secs=stop_grace_period_secs)
