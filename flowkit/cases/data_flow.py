"""Conformance cases of :mod:`flowkit.ops.data_flow_ops` (see :mod:`flowkit.testing_cases`).

A case runs once, in a fresh session, so each builds its queue, fills it and empties it in
one ``run``, ordered with control dependencies (the threaded behaviour is tested in
``tests/test_queues.py``).
"""
from __future__ import annotations

import os
import tempfile

import numpy as np

from flowkit.cases import Case
from flowkit.framework import dtypes
from flowkit.framework.graph import control_dependencies
from flowkit.ops import constant_ops, math_ops
from flowkit.ops import data_flow_ops as dfo
from flowkit.variables import Variable

_r = np.random.default_rng(1357)
_X = _r.standard_normal((4, 3)).astype(np.float32)
_I = np.array([5, -2, 7, 0], np.int64)


def _fifo(x, i):
    """enqueue_many, dequeue, dequeue_many, close, dequeue_up_to, size, is_closed."""
    q = dfo.FIFOQueue(10, [dtypes.float32, dtypes.int64], shapes=[[3], []])
    enq = q.enqueue_many([x, i])
    with control_dependencies([enq]):
        one = q.dequeue()
    with control_dependencies(one):
        two = q.dequeue_many(2)
    with control_dependencies(two):
        extra = q.enqueue([x[0] * 2.0, i[1]])
    with control_dependencies([extra]):
        size = q.size()
        close = q.close()
    with control_dependencies([close, size]):
        rest = q.dequeue_up_to(5)
    with control_dependencies(rest):
        closed = q.is_closed()
        after = q.size()
    return one + two + rest + [size, closed, after]


def _strings():
    s = constant_ops.constant(["a", "bb", "", "ccc"])
    q = dfo.FIFOQueue(4, dtypes.string, shapes=[[]])
    with control_dependencies([q.enqueue_many([s])]):
        return q.dequeue_many(4)


def _shuffle(x, i):
    """A seeded RandomShuffleQueue, sorted afterwards so every backend agrees."""
    q = dfo.RandomShuffleQueue(10, 0, [dtypes.float32, dtypes.int64], shapes=[[3], []],
                               seed=7)
    with control_dependencies([q.enqueue_many([x, i])]):
        xs, ids = q.dequeue_many(4)
    return [math_ops.reduce_sum(xs, axis=0), math_ops.reduce_sum(ids)]


def _count_up_to():
    v = Variable(np.int64(3), name="counter")
    with control_dependencies([v.initializer]):
        first = dfo.count_up_to(v, 10)
    with control_dependencies([first]):
        second = dfo.count_up_to(v, 10)
    return [first, second]


def _padding(x):
    """A PaddingFIFOQueue: elements of two lengths, padded by dequeue_many."""
    q = dfo.PaddingFIFOQueue(4, [dtypes.float32, dtypes.string], shapes=[[None], [None]])
    first = q.enqueue([x[0], constant_ops.constant(["a", "b"])])
    with control_dependencies([first]):
        second = q.enqueue([x[1, :2], constant_ops.constant(["c", "d", "e"])])
    with control_dependencies([second]):
        return list(q.dequeue_many(2))


def _priority(x, i):
    """A PriorityQueue: the elements come out by increasing priority."""
    q = dfo.PriorityQueue(10, [dtypes.float32], shapes=[[3]])
    with control_dependencies([q.enqueue_many([i, x])]):
        return list(q.dequeue_many(4))


def _folder() -> str:
    """A fixed folder of small files, so that every backend reads the same names."""
    folder = os.path.join(tempfile.gettempdir(), "flowkit_cases_data_flow")
    os.makedirs(folder, exist_ok=True)
    for name, data in (("a.txt", b"x,y\n1,2.5\n3,-4\n"), ("b.txt", b"x,y\n5,6\n"),
                       ("c.bin", bytes(range(20)))):
        path = os.path.join(folder, name)
        if not os.path.exists(path) or open(path, "rb").read() != data:
            with open(path, "wb") as f:
                f.write(data)
    return folder


def _files():
    """WriteFile, then ReadFile and MatchingFiles of what was written."""
    folder = _folder()
    path = os.path.join(folder, "written.dat")
    write = dfo.write_file(path, constant_ops.constant(b"flowkit"))
    with control_dependencies([write]):
        return [dfo.read_file(path), dfo.matching_files(os.path.join(folder, "*.txt"))]


def _names_queue(names):
    q = dfo.FIFOQueue(5, dtypes.string, shapes=[[]])
    fill = q.enqueue_many([constant_ops.constant(names)])
    with control_dependencies([fill]):
        close = q.close()
    return q, close


def _readers():
    """Each reader reads its records from a queue of file names; then the counts, a reset,
    and decode_csv / decode_raw of what was read."""
    folder = _folder()
    texts = [os.path.join(folder, n) for n in ("a.txt", "b.txt")]
    q, close = _names_queue(texts)
    text = dfo.TextLineReader(skip_header_lines=1)
    with control_dependencies([close]):
        keys, lines = text.read_up_to(q, 3)
    with control_dependencies([keys]):
        produced, done = text.num_records_produced(), text.num_work_units_completed()
    with control_dependencies([produced, done]):
        reset = text.reset()
    with control_dependencies([reset]):
        after = text.num_records_produced()
    a, b = dfo.decode_csv(lines, [[0], [0.0]])
    bq, bclose = _names_queue([os.path.join(folder, "c.bin")])
    with control_dependencies([bclose]):
        _, record = dfo.FixedLengthRecordReader(6, header_bytes=1).read(bq)
    wq, wclose = _names_queue(texts[1:])
    with control_dependencies([wclose]):
        _, whole = dfo.WholeFileReader().read(wq)
    iq, iclose = _names_queue(["work"])
    with control_dependencies([iclose]):
        ikey, ivalue = dfo.IdentityReader().read(iq)
    return [lines, produced, done, after, a, b, dfo.decode_raw(record, dtypes.int16), whole,
            ikey, ivalue]


CASES = [
    Case("FIFOQueueV2", _fifo, [_X, _I]),
    Case("FIFOQueueV2_strings", _strings, []),
    Case("RandomShuffleQueueV2", _shuffle, [_X, _I], rtol=1e-5, atol=1e-5),
    Case("CountUpTo", lambda x: _count_up_to() + [x], [_I]),
    Case("PaddingFIFOQueueV2", _padding, [_X]),
    Case("PriorityQueueV2", _priority, [_X, _I]),
    Case("ReadFile_WriteFile_MatchingFiles", lambda: [_files()[0]], []),
    Case("MatchingFiles", lambda: [_files()[1]], []),
    Case("Readers_DecodeCSV_DecodeRaw", _readers, []),
]
