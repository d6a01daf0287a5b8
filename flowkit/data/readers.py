"""File sources of ``tf.data``: ``TextLineDataset`` and ``FixedLengthRecordDataset``.

Both read local files (``filenames``: a string, a list of strings, or a string tensor of rank
0 or 1, read when the iterator is initialized) one after the other, and yield ``tf.string``
scalars: the lines of text files (without their ``\\n`` or ``\\r\\n``; a last line without
a newline is a line too, an empty line an empty string), or the fixed-size records of binary
files between a header and a footer. ``compression_type`` is ``None``/``""``, ``"GZIP"`` or
``"ZLIB"``; ``buffer_size`` and ``num_parallel_reads`` are accepted and ignored (files are
read in order). A missing file is a ``NotFoundError`` when the pipeline reaches it, as in TF.

flowkit's string tensors carry values through but have no string ops (``tf.strings`` is out
of scope): turn lines into numbers with ``tf.py_func`` in ``map``, or in Python.

Example:
    >>> import os, tempfile
    >>> import flowkit as tf
    >>> path = os.path.join(tempfile.mkdtemp(), "lines.txt")
    >>> with open(path, "w") as f:
    ...     _ = f.write("1,2\\n3,4\\n")
    >>> ds = tf.data.TextLineDataset(path)
    >>> nxt = ds.make_one_shot_iterator().get_next()
    >>> with tf.Session() as sess:
    ...     print(sess.run(nxt), sess.run(nxt))
    b'1,2' b'3,4'
"""
from __future__ import annotations

import gzip
import zlib

import numpy as np

from flowkit.data import structure as nest
from flowkit.data.dataset_ops import Dataset, _arg
from flowkit.framework import dtypes, errors
from flowkit.framework.graph import Tensor
from flowkit.ops.core import constant_value, convert_to_tensor

__all__ = ["TextLineDataset", "FixedLengthRecordDataset"]

_COMPRESSIONS = ("", "GZIP", "ZLIB")


def _filenames_tensor(filenames):
    t = convert_to_tensor(filenames, name="filenames")
    if t.dtype is not dtypes.string:
        raise TypeError(f"`filenames` must be a tf.string tensor (a file name or a list of "
                        f"them), got {t.dtype.name}")
    if t.shape.ndims is not None and t.shape.ndims > 1:
        raise ValueError(f"`filenames` must be a scalar or a vector, got shape {t.shape}")
    return t


def _compression(compression_type):
    if isinstance(compression_type, Tensor):
        value = constant_value(compression_type)
        if value is None:
            raise ValueError("compression_type must be known when the graph is built.")
        compression_type = np.asarray(value)[()]
    if isinstance(compression_type, bytes):
        compression_type = compression_type.decode()
    compression_type = compression_type or ""
    if compression_type not in _COMPRESSIONS:
        raise ValueError(f"Unsupported compression_type {compression_type!r}: expected one of "
                         f"{list(_COMPRESSIONS)}")
    return compression_type


def _read(name, compression) -> bytes:
    try:
        if compression == "GZIP":
            with gzip.open(name, "rb") as f:
                return f.read()
        with open(name, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{name}; No such file or directory") from None
    except (OSError, EOFError) as e:
        raise errors.DataLossError(None, None, f"Cannot read {name}: {e}") from None
    if compression == "ZLIB":
        try:
            return zlib.decompress(data)
        except zlib.error as e:
            raise errors.DataLossError(None, None, f"Cannot read {name}: {e}") from None
    return data


def _string(value):
    return np.array(value, dtype=object)


class _FileDataset(Dataset):
    def __init__(self, filenames, compression_type, extra=()) -> None:
        self._filenames = _filenames_tensor(filenames)
        self._compression = _compression(compression_type)
        super().__init__(nest.Spec(dtypes.string, []), tensors=[self._filenames, *extra])

    def _files(self, ctx):
        names = np.asarray(ctx.arrays.to_numpy(ctx.value(self._filenames)), dtype=object)
        for name in names.reshape(-1):
            yield name.decode() if isinstance(name, bytes) else str(name)


class TextLineDataset(_FileDataset):
    """The lines of text files, as ``tf.string`` scalars (see the module docstring)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None,
                 num_parallel_reads=None, name=None) -> None:
        super().__init__(filenames, compression_type)

    def _iterate(self, ctx):
        for name in self._files(ctx):
            data = _read(name, self._compression)
            lines = data.split(b"\n")
            if lines and lines[-1] == b"":
                lines.pop()
            for line in lines:
                yield (ctx.arrays.from_numpy(_string(line[:-1] if line.endswith(b"\r")
                                                     else line)),)


class FixedLengthRecordDataset(_FileDataset):
    """The records of ``record_bytes`` bytes of binary files, after ``header_bytes`` and
    before ``footer_bytes`` of each file, as ``tf.string`` scalars. A file whose body is not
    a whole number of records is an ``InvalidArgumentError`` (before any of its records)."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None,
                 buffer_size=None, compression_type=None, num_parallel_reads=None,
                 name=None) -> None:
        self._record = _arg(record_bytes, dtypes.int64, "record_bytes")
        self._header = _arg(0 if header_bytes is None else header_bytes, dtypes.int64,
                            "header_bytes")
        self._footer = _arg(0 if footer_bytes is None else footer_bytes, dtypes.int64,
                            "footer_bytes")
        super().__init__(filenames, compression_type, (self._record, self._header,
                                                       self._footer))

    def _iterate(self, ctx):
        record, header, footer = (ctx.int(x) for x in (self._record, self._header,
                                                        self._footer))
        if record <= 0 or header < 0 or footer < 0:
            raise errors.InvalidArgumentError(
                None, None, f"record_bytes must be positive and header_bytes, footer_bytes "
                            f"not negative, got {record}, {header}, {footer}")
        for name in self._files(ctx):
            data = _read(name, self._compression)
            body = len(data) - header - footer
            if body < 0 or body % record:
                raise errors.InvalidArgumentError(
                    None, None, f"Excluding the header ({header} bytes) and footer ({footer} "
                                f"bytes), input file \"{name}\" has body length {body} bytes, "
                                f"which is not an exact multiple of the record length "
                                f"({record} bytes).")
            for start in range(header, header + body, record):
                yield (ctx.arrays.from_numpy(_string(data[start:start + record])),)
