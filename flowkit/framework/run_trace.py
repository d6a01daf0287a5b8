"""Per-op timings of one ``sess.run`` for ``run_metadata`` (TF1's step stats).

``sess.run(fetches, options=tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE),
run_metadata=md)`` asks the session to time every op it runs; :class:`StepStatsRecorder`
collects ``(op, start, end)`` and writes them into ``md.step_stats`` (one ``DeviceStepStats``
for the session's device, one ``NodeExecStats`` per op, times in microseconds), which
``FileWriter.add_run_metadata`` stores and TensorBoard's graph dashboard shows as compute
time per node. Nothing here imports the protocol buffers: ``run_metadata`` is the caller's.

Example:
    >>> class Options:
    ...     trace_level = 3
    >>> wants_trace(Options(), run_metadata=object()), wants_trace(None, object())
    (True, False)
"""
from __future__ import annotations

import time

from flowkit import config_proto

__all__ = ["wants_trace", "StepStatsRecorder", "NO_TRACE", "SOFTWARE_TRACE",
           "HARDWARE_TRACE", "FULL_TRACE"]

NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3


def wants_trace(options, run_metadata) -> bool:
    """Whether a run with these ``options`` should record step stats into ``run_metadata``."""
    return run_metadata is not None and \
        int(getattr(options, "trace_level", NO_TRACE) or NO_TRACE) > NO_TRACE


class StepStatsRecorder:
    """Collects the ops a run executed with their start and end times (``time.time()``)."""

    def __init__(self, device: str) -> None:
        self.device = device
        self.records = []

    def time_call(self, op, fn, *args):
        """Calls ``fn(*args)`` and records how long op ``op`` took."""
        start = time.time()
        out = fn(*args)
        self.records.append((op, start, time.time()))
        return out

    def record(self, op, start: float, end: float) -> None:
        self.records.append((op, start, end))

    def fill(self, run_metadata) -> None:
        """Adds the records to ``run_metadata.step_stats`` (a ``RunMetadata`` message)."""
        kind, _, index = self.device.partition(":")
        kind = "GPU" if kind == "cuda" else kind.upper()
        device = f"/job:localhost/replica:0/task:0/device:{kind}:{index or 0}"
        stats = run_metadata.step_stats.dev_stats
        if hasattr(stats, "add"):               # tensorboard's RunMetadata protocol buffer
            dev = stats.add(device=device)
        else:                                   # flowkit's plain tf.RunMetadata
            dev = _PlainDevice(device)
            stats.append(dev.message)
        for op, start, end in self.records:
            micros = int(start * 1e6)
            took = max(int((end - start) * 1e6), 0)
            inputs = ", ".join(t.name for t in op.inputs)
            dev.node_stats.add(node_name=op.name, all_start_micros=micros,
                               op_start_rel_micros=0, op_end_rel_micros=took,
                               all_end_rel_micros=took,
                               timeline_label=f"{op.name} = {op.type}({inputs})")


class _PlainDevice:
    """``DeviceStepStats`` of :mod:`flowkit.config_proto`, with the protocol buffer's
    ``node_stats.add(**fields)`` spelling, so :meth:`StepStatsRecorder.fill` writes both."""

    def __init__(self, device: str) -> None:
        self.message = config_proto.DeviceStepStats(device=device)
        self.node_stats = self

    def add(self, **fields) -> None:
        self.message.node_stats.append(config_proto.NodeExecStats(**fields))
