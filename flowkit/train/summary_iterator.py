"""``tf.train.summary_iterator(path)``: the ``Event`` protocol buffers of an event file.

An event file (what ``tf.summary.FileWriter`` writes) is a sequence of records: the data's
length (8 bytes, little-endian), a masked CRC-32C of those 8 bytes, the data (a serialized
``Event``), and a masked CRC-32C of the data. Each record is checked; a damaged one raises
``tf.errors.DataLossError``. A record cut short at the end of the file (a writer still
writing) ends the iteration, as TF's reader does. Needs the ``tensorboard`` package (its
``Event`` class and CRC function), like the writer.

Example::

    for event in tf.train.summary_iterator(path):
        for value in event.summary.value:
            if value.tag == "loss":
                print(event.step, value.simple_value)
"""
from __future__ import annotations

import struct

from flowkit.framework import errors
from flowkit.framework.graph_def import proto_class, require_tensorboard

__all__ = ["summary_iterator"]


def _masked_crc():
    require_tensorboard("tf.train.summary_iterator")
    from tensorboard.summary.writer.record_writer import masked_crc32c
    return masked_crc32c


def _records(path):
    crc = _masked_crc()
    with open(path, "rb") as f:
        offset = 0
        while True:
            header = f.read(12)
            if len(header) < 12:
                return
            length_bytes, (length_crc,) = header[:8], struct.unpack("<I", header[8:])
            if crc(length_bytes) != length_crc:
                raise errors.DataLossError(None, None, f"{path}: corrupted record at byte "
                                           f"{offset} (the length's checksum is wrong)")
            (length,) = struct.unpack("<Q", length_bytes)
            data, footer = f.read(length), f.read(4)
            if len(data) < length or len(footer) < 4:
                return
            if crc(data) != struct.unpack("<I", footer)[0]:
                raise errors.DataLossError(None, None, f"{path}: corrupted record at byte "
                                           f"{offset} (the data's checksum is wrong)")
            offset += 16 + length
            yield data


def summary_iterator(path):
    """Yields each ``Event`` of the event file ``path`` in order (the first one carries
    ``file_version``; the others a ``summary``, a ``graph_def``, a ``session_log``...).

    Example:
        >>> import pytest; _ = pytest.importorskip("tensorboard")
        >>> import glob, tempfile
        >>> import flowkit as tf
        >>> folder = tempfile.mkdtemp()
        >>> loss = tf.placeholder(tf.float32, [])
        >>> summary = tf.summary.scalar("loss", loss)
        >>> writer = tf.summary.FileWriter(folder)
        >>> with tf.Session() as sess:
        ...     for step in range(2):
        ...         writer.add_summary(sess.run(summary, {loss: 1.0 / (step + 1)}), step)
        >>> writer.close()
        >>> for event in tf.train.summary_iterator(glob.glob(folder + "/events*")[0]):
        ...     for value in event.summary.value:
        ...         print(event.step, value.tag, value.simple_value)
        0 loss 1.0
        1 loss 0.5
    """
    event_class = proto_class("Event")
    for data in _records(path):
        yield event_class.FromString(data)
