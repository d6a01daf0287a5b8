"""Conformance cases of :mod:`flowkit.ops.fractional_pool_ops` (see
:mod:`flowkit.testing_cases`).

The pooling ops get fixed sequences (so every backend must give the reference's values);
the public functions draw their sequences at random, so their cases compare dtypes and
shapes only, and check gradients with ``deterministic`` seeded sequences (the same at every
run of the numeric check)."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.gradients import gradients
from flowkit.ops import fractional_pool_ops as fp

_r = np.random.default_rng(4242)
_ROWS, _COLS = [0, 2, 3, 5, 7], [0, 1, 3, 4, 6]


def _img(*shape):
    return _r.uniform(-1, 1, shape).astype(np.float32)


def _max(overlapping):
    return lambda x: fp.fractional_max_pool_with_sequences(x, _ROWS, _COLS, overlapping)


def _avg(overlapping):
    return lambda x: fp.fractional_avg_pool_with_sequences(x, _ROWS, _COLS, overlapping)


def _vjp(fn):
    def build(x, u):
        return gradients([fn(x)], [x], grad_ys=[u])[0]
    return build


def _seeded(pool, **kw):
    return lambda x: pool(x, [1.0, 1.5, 1.3, 1.0], deterministic=True, seed=7, seed2=3,
                          **kw).output


CASES = [
    Case("FractionalMaxPoolWithSequences", _max(False), [_img(2, 7, 6, 3)], grad=True),
    Case("FractionalMaxPoolWithSequences-overlapping", _max(True), [_img(2, 7, 6, 3)],
         grad=True),
    Case("FractionalAvgPoolWithSequences", _avg(False), [_img(2, 7, 6, 3)], grad=True),
    Case("FractionalAvgPoolWithSequences-overlapping", _avg(True), [_img(1, 7, 6, 2)],
         grad=True),
    Case("FractionalAvgPoolWithSequences-int", _avg(True),
         [_r.integers(-50, 50, (1, 7, 6, 2)).astype(np.int32)]),
    Case("FractionalMaxPoolWithSequences-int64", _max(False),
         [_r.integers(-50, 50, (1, 7, 6, 2)).astype(np.int64)]),
    Case("FractionalAvgPoolGrad", _vjp(_avg(True)), [_img(1, 7, 6, 2), _img(1, 4, 4, 2)],
         grad=True),
    Case("FractionalMaxPoolGrad", _vjp(_max(True)), [_img(1, 7, 6, 2), _img(1, 4, 4, 2)]),
    Case("fractional_max_pool", lambda x: list(fp.fractional_max_pool(
        x, [1.0, 1.44, 1.73, 1.0], pseudo_random=True)), [_img(2, 10, 7, 3)], random=True),
    Case("fractional_avg_pool", lambda x: list(fp.fractional_avg_pool(
        x, [1.0, 2.5, 1.1, 1.0], overlapping=True)), [_img(2, 10, 7, 3)], random=True),
    Case("fractional_max_pool-seeded", _seeded(fp.fractional_max_pool, overlapping=True),
         [_img(1, 9, 8, 2)], grad=True, random=True),
    Case("fractional_avg_pool-seeded", _seeded(fp.fractional_avg_pool, pseudo_random=True),
         [_img(1, 9, 8, 2)], grad=True, random=True),
]
