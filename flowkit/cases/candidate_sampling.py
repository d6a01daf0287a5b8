"""Conformance cases of the candidate samplers, the sampled losses and the other random ops
(:mod:`flowkit.ops.candidate_sampling_ops`, the categorical/gamma/Poisson samplers of
:mod:`flowkit.ops.random_ops`)."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.ops import candidate_sampling_ops as cs
from flowkit.ops import math_ops
from flowkit.ops import random_ops as rnd

_r = np.random.default_rng(8080)
_TRUE = np.array([[0, 3], [7, 7], [2, 19], [5, 1]], np.int64)
_UNIGRAMS = [3.0, 0.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0] * 2


def _samples(s):
    """A sampler's three outputs (the expected counts are compared; candidates by dtype and
    shape only: the case is random)."""
    return list(s)


def _sampled_values(num_true):
    sampled = np.array([3, 0, 9, 5, 11, 7], np.int64)
    true_ec = _r.uniform(0.2, 1.5, (4, num_true)).astype(np.float32)
    sampled_ec = _r.uniform(0.2, 1.5, sampled.size).astype(np.float32)
    return sampled, true_ec, sampled_ec


_SV1, _SV2 = _sampled_values(1), _sampled_values(2)
_LABELS1 = np.array([[3], [1], [9], [4]], np.int64)
_LABELS2 = np.array([[3, 1], [1, 1], [9, 0], [4, 11]], np.int64)


def _loss(fn, labels, sv, **kw):
    def build(w, b, x):
        return fn(w, b, labels, x, num_sampled=sv[0].size, num_classes=12,
                  num_true=labels.shape[1], sampled_values=sv, **kw)
    return build


def _loss_inputs():
    return [_r.standard_normal((12, 3)), _r.standard_normal(12), _r.standard_normal((4, 3))]


CASES = [
    Case("LogUniformCandidateSampler", lambda: _samples(cs.log_uniform_candidate_sampler(
        _TRUE, 2, 150, False, 20, seed=1)), [], random=True),
    Case("LogUniformCandidateSampler-unique", lambda: _samples(
        cs.log_uniform_candidate_sampler(_TRUE, 2, 12, True, 20, seed=2)), [], random=True),
    Case("UniformCandidateSampler", lambda: _samples(cs.uniform_candidate_sampler(
        _TRUE, 2, 10, True, 20, seed=3)), [], random=True),
    Case("FixedUnigramCandidateSampler", lambda: _samples(cs.fixed_unigram_candidate_sampler(
        _TRUE, 2, 8, True, 20, unigrams=_UNIGRAMS, distortion=0.75, seed=4)), [],
        random=True),
    Case("LearnedUnigramCandidateSampler", lambda: _samples(
        cs.learned_unigram_candidate_sampler(_TRUE, 2, 6, False, 20, seed=5)), [],
        random=True),
    # Without draws the expected counts are exact: compared with the reference.
    Case("UniformCandidateSampler-counts", lambda: cs.uniform_candidate_sampler(
        _TRUE, 2, 4, False, 20, seed=6).true_expected_count, []),
    Case("LogUniformCandidateSampler-counts", lambda: cs.log_uniform_candidate_sampler(
        _TRUE, 2, 4, False, 20, seed=6).true_expected_count, []),
    Case("all_candidate_sampler", lambda: _samples(cs.all_candidate_sampler(_TRUE, 2, 20,
                                                                             True)), []),
    Case("compute_accidental_hits", lambda s: list(cs.compute_accidental_hits(_TRUE, s, 2)),
         [np.array([5, 7, 2, 3, 19, 3], np.int64)]),
    Case("nce_loss", _loss(cs.nce_loss, _LABELS1, _SV1), _loss_inputs(), grad=True),
    Case("nce_loss-2-true-hits", _loss(cs.nce_loss, _LABELS2, _SV2,
                                       remove_accidental_hits=True), _loss_inputs(),
         grad=True),
    Case("nce_loss-sharded", lambda w, b, x: cs.nce_loss(
        [w[:5], w[5:]], b, _LABELS2, x, 6, 12, num_true=2, sampled_values=_SV2,
        partition_strategy="div"), _loss_inputs(), grad=True),
    Case("sampled_softmax_loss", _loss(cs.sampled_softmax_loss, _LABELS1, _SV1),
         _loss_inputs(), grad=True),
    Case("sampled_softmax_loss-2-true", _loss(cs.sampled_softmax_loss, _LABELS2, _SV2,
                                              remove_accidental_hits=False), _loss_inputs(),
         grad=True),
    Case("Multinomial", lambda a: rnd.multinomial(a, 200, seed=7),
         [np.log(np.array([[0.1, 0.6, 0.3], [0.5, 0.5, 1e-9]]))], random=True),
    Case("Multinomial-int32", lambda a: rnd.multinomial(a, 5, seed=8, output_dtype="int32"),
         [_r.standard_normal((3, 4)).astype(np.float32)], random=True),
    Case("RandomGamma", lambda a: rnd.random_gamma([200], a, seed=9),
         [np.array([0.5, 2.0, 7.0], np.float32)], random=True),
    Case("RandomGamma-beta", lambda a, b: rnd.random_gamma([100, 2], a, b, seed=10,
                                                           dtype="float64"),
         [np.array([1.5, 3.0]), np.array([[2.0], [0.5]])], random=True),
    Case("RandomPoissonV2", lambda a: rnd.random_poisson(a, [300], seed=11),
         [np.array([0.5, 4.0], np.float32)], random=True),
    Case("RandomPoissonV2-int64", lambda a: rnd.random_poisson(a, [7], dtype="int64",
                                                               seed=12),
         [np.array([2.0, 30.0])], random=True),
    # Exact properties of random outputs: every backend must give True.
    Case("random_crop-window", lambda a: _is_window(rnd.random_crop(a, [2, 3], seed=13)),
         [np.arange(20.0).reshape(4, 5)]),
    Case("random_crop-grad", lambda a: rnd.random_crop(a, [4, 5], seed=14) * 2.0,
         [_r.standard_normal((4, 5))], grad=True),
]


def _is_window(crop):
    """``crop`` of ``arange(20).reshape(4, 5)`` is a 2x3 window: consecutive in rows, +5
    between rows."""
    rows = crop[:, 1:] - crop[:, :-1]
    cols = crop[1:, :] - crop[:-1, :]
    return math_ops.logical_and(math_ops.reduce_all(math_ops.equal(rows, 1.0)),
                                math_ops.reduce_all(math_ops.equal(cols, 5.0)))
