"""Conformance cases of :mod:`flowkit.ops.data_flow_ops` (see :mod:`flowkit.testing_cases`).

A case runs once, in a fresh session, so each builds its queue, fills it and empties it in
one ``run``, ordered with control dependencies (the threaded behaviour is tested in
``tests/test_queues.py``).
"""
from __future__ import annotations

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


CASES = [
    Case("FIFOQueueV2", _fifo, [_X, _I]),
    Case("FIFOQueueV2_strings", _strings, []),
    Case("RandomShuffleQueueV2", _shuffle, [_X, _I], rtol=1e-5, atol=1e-5),
    Case("CountUpTo", lambda x: _count_up_to() + [x], [_I]),
]
