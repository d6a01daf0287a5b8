"""``tf.summary.FileWriter`` and ``tf.summary.FileWriterCache``: event files for TensorBoard.

An event file (``events.out.tfevents.<time>.<host>.<pid>.<n>[suffix]``) is a sequence of
records -- length, masked CRC-32C of the length, an ``Event`` protocol buffer, its masked
CRC-32C -- written with the ``tensorboard`` package's own ``Event`` class and
``RecordWriter`` (the record framing of its ``EventFileWriter``). The first event carries
``file_version: "brain.Event:2"``.

Events are queued and written when ``max_queue`` are waiting, when ``flush_secs`` have passed
since the last write (checked as events arrive), on :meth:`FileWriter.flush`, on
:meth:`FileWriter.close` and when the program exits. (TensorBoard's ``EventFileWriter`` does
the same from a thread, and opens its file through TensorFlow's file system when TensorFlow is
installed, importing it; this writer opens files with Python's ``open``.)

Example::

    writer = tf.summary.FileWriter("logs/run1", sess.graph)   # the graph dashboard
    writer.add_summary(sess.run(merged, feed), global_step=step)
    writer.close()
"""
from __future__ import annotations

import atexit
import itertools
import logging
import os
import socket
import threading
import time
import weakref

from flowkit.framework.graph import get_default_graph
from flowkit.framework.graph_def import graph_to_graph_def, require_tensorboard

__all__ = ["FileWriter", "FileWriterCache"]

_log = logging.getLogger("flowkit.summary")
_file_numbers = itertools.count()
_open_files = weakref.WeakSet()      # flushed when the program exits


@atexit.register
def _flush_at_exit() -> None:
    for f in list(_open_files):
        try:
            f.flush()
        except (OSError, ValueError):
            pass


def _record_writer_class():
    require_tensorboard("tf.summary.FileWriter")
    from tensorboard.summary.writer.record_writer import RecordWriter
    return RecordWriter


class _EventFile:
    """One event file: queued serialized events, written as CRC-framed records."""

    def __init__(self, logdir, max_queue, flush_secs, suffix, protos):
        os.makedirs(logdir, exist_ok=True)
        # The number is zero-padded so that files made in the same second sort in order.
        self.path = os.path.join(logdir, "events.out.tfevents.%010d.%s.%s.%06d%s" % (
            time.time(), socket.gethostname(), os.getpid(), next(_file_numbers), suffix or ""))
        self._writer = _record_writer_class()(open(self.path, "wb"))
        self._queue, self._max_queue, self._flush_secs = [], max(int(max_queue), 1), flush_secs
        self._last_flush = time.time()
        self._lock = threading.Lock()
        self.add(protos.event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2"))
        self.flush()
        _open_files.add(self)

    def add(self, event) -> None:
        with self._lock:
            self._queue.append(event.SerializeToString())
            due = len(self._queue) >= self._max_queue or \
                time.time() - self._last_flush >= self._flush_secs
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            for data in self._queue:
                self._writer.write(data)
            self._queue = []
            self._writer.flush()
            self._last_flush = time.time()

    def close(self) -> None:
        self.flush()
        self._writer.close()
        _open_files.discard(self)


class FileWriter:
    """Writes summaries, graphs and run metadata to an event file in ``logdir`` (TF1's
    ``tf.summary.FileWriter``).

    Args:
        logdir: the folder (created when missing); TensorBoard is started on it or a parent.
        graph: a ``tf.Graph`` (usually ``sess.graph``), written for the graph dashboard.
        max_queue: events kept before they are written.
        flush_secs: how often, in seconds, waiting events are written.
        graph_def: a ``GraphDef`` (deprecated in TF1; pass ``graph``).
        filename_suffix: appended to the event file's name.
        session: not supported (TF1's writer ops); must be ``None``.

    Raises:
        ImportError: the ``tensorboard`` package is not installed.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None,
                 filename_suffix=None, session=None):
        if session is not None:
            raise NotImplementedError("FileWriter(session=...) (summary writer ops) is not "
                                      "supported; write with add_summary instead.")
        self._protos = require_tensorboard("tf.summary.FileWriter")
        self._logdir = os.fspath(logdir)
        self._options = (max_queue, flush_secs, filename_suffix)
        self._file = _EventFile(self._logdir, *self._options, self._protos)
        self._closed = False
        self._seen_summary_tags = set()
        self._session_run_tags = set()
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    # -- what TF1 programs call -------------------------------------------------------------------
    def get_logdir(self) -> str:
        """The folder this writer writes to."""
        return self._logdir

    def add_summary(self, summary, global_step=None) -> None:
        """Adds a ``Summary`` (the protocol buffer, or the ``bytes`` a summary op returns).
        A value's metadata is kept only the first time its tag is seen, as in TF1."""
        pb = self._protos.summary_pb2
        if isinstance(summary, (bytes, bytearray)):
            summary = pb.Summary.FromString(bytes(summary))
        elif hasattr(summary, "item") and isinstance(summary.item(), bytes):   # 0-d array
            summary = pb.Summary.FromString(summary.item())
        elif not isinstance(summary, pb.Summary):
            raise TypeError(f"add_summary needs a Summary protocol buffer or the bytes a "
                            f"summary op returns, got {type(summary).__name__}")
        else:
            summary = pb.Summary.FromString(summary.SerializeToString())   # ours to change
        for value in summary.value:
            if not value.HasField("metadata"):
                continue
            if value.tag in self._seen_summary_tags:
                value.ClearField("metadata")
            else:
                self._seen_summary_tags.add(value.tag)
        self._add_event(self._protos.event_pb2.Event(summary=summary), global_step)

    def add_session_log(self, session_log, global_step=None) -> None:
        """Adds a ``SessionLog`` (``START``, ``STOP``, ``CHECKPOINT``)."""
        self._add_event(self._protos.event_pb2.Event(session_log=session_log), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None) -> None:
        """Adds the graph (a ``tf.Graph``, its op output shapes included, or a ``GraphDef``)
        for TensorBoard's graph dashboard."""
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        g = graph if graph is not None else graph_def
        if hasattr(g, "get_operations"):
            gd = graph_to_graph_def(g, add_shapes=True)
        elif isinstance(g, self._protos.graph_pb2.GraphDef):
            gd = g
        else:
            raise TypeError("The passed graph must be an instance of `Graph` or the deprecated "
                            f"`GraphDef`, got {type(g).__name__}")
        self._add_event(self._protos.event_pb2.Event(graph_def=gd.SerializeToString()),
                        global_step)

    def add_meta_graph(self, meta_graph_def, global_step=None) -> None:
        """Adds a ``MetaGraphDef`` protocol buffer (or its serialized bytes)."""
        data = meta_graph_def if isinstance(meta_graph_def, bytes) else \
            meta_graph_def.SerializeToString()
        self._add_event(self._protos.event_pb2.Event(meta_graph_def=data), global_step)

    def add_run_metadata(self, run_metadata, tag, global_step=None) -> None:
        """Adds the ``RunMetadata`` of one ``sess.run`` (step stats: per-op times, shown on
        the graph dashboard under ``tag``); a tag may be used once per writer."""
        if tag in self._session_run_tags:
            raise ValueError("The provided tag was already used for this event type")
        self._session_run_tags.add(tag)
        tagged = self._protos.event_pb2.TaggedRunMetadata(
            tag=tag, run_metadata=self._run_metadata_proto(run_metadata).SerializeToString())
        self._add_event(self._protos.event_pb2.Event(tagged_run_metadata=tagged), global_step)

    def _run_metadata_proto(self, md):
        """``md`` as a protocol buffer: tensorboard's as it is, flowkit's plain
        ``tf.RunMetadata`` copied field by field."""
        if isinstance(md, self._protos.config_pb2.RunMetadata):
            return md
        pb = self._protos.config_pb2.RunMetadata()
        for d in md.step_stats.dev_stats:
            dev = pb.step_stats.dev_stats.add(device=d.device)
            for n in d.node_stats:
                dev.node_stats.add(node_name=n.node_name, timeline_label=n.timeline_label,
                                   all_start_micros=n.all_start_micros,
                                   op_start_rel_micros=n.op_start_rel_micros,
                                   op_end_rel_micros=n.op_end_rel_micros,
                                   all_end_rel_micros=n.all_end_rel_micros)
        return pb

    def add_event(self, event) -> None:
        """Adds an ``Event`` protocol buffer as it is."""
        if self._warn_if_closed():
            return
        self._file.add(event)

    def flush(self) -> None:
        """Writes every waiting event to disk."""
        if not self._warn_if_closed():
            self._file.flush()

    def close(self) -> None:
        """Writes every waiting event and closes the file; :meth:`reopen` starts a new one."""
        if not self._closed:
            self._file.close()
            self._closed = True

    def reopen(self) -> None:
        """After :meth:`close`, starts a new event file in the same folder."""
        if self._closed:
            self._file = _EventFile(self._logdir, *self._options, self._protos)
            self._closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------------------------
    def _add_event(self, event, step) -> None:
        event.wall_time = time.time()
        if step is not None:
            event.step = int(step)
        self.add_event(event)

    def _warn_if_closed(self) -> bool:
        if self._closed:
            _log.warning("Attempting to use a closed FileWriter. The operation will be a noop "
                         "unless the FileWriter is explicitly reopened.")
        return self._closed

    @property
    def event_file_path(self) -> str:
        """The path of the event file being written."""
        return self._file.path


class FileWriterCache:
    """One ``FileWriter`` per folder, shared (TF1's ``tf.summary.FileWriterCache``, used by
    the training hooks)."""

    _cache: dict = {}
    _lock = threading.RLock()

    @staticmethod
    def get(logdir):
        """The writer for ``logdir``, made the first time with the default graph."""
        with FileWriterCache._lock:
            key = os.path.abspath(os.fspath(logdir))
            w = FileWriterCache._cache.get(key)
            if w is None:
                w = FileWriterCache._cache[key] = FileWriter(logdir, graph=get_default_graph())
            return w

    @staticmethod
    def clear() -> None:
        """Closes and forgets every cached writer."""
        with FileWriterCache._lock:
            for w in FileWriterCache._cache.values():
                w.close()
            FileWriterCache._cache = {}
