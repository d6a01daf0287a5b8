"""NumPy kernels of the random ops (flowkit/ops/random_ops.py).

Each kernel gets the op's per-session ``np.random.Generator`` as ``attrs["rng"]``.
"""
from __future__ import annotations

import threading

import numpy as np

from flowkit.backend import KernelTable, check_random_int_bounds, op_state

KERNELS = KernelTable()


def _shape(shape):
    return tuple(int(d) for d in np.reshape(shape, [-1]))


def _floats(rng, draw, shape, np_dtype):
    """Draws with ``draw(size, dtype)`` in float32/float64 (NumPy has no float16 generator)."""
    work = np_dtype if np_dtype in (np.float32, np.float64) else np.float32
    return np.asarray(draw(size=shape, dtype=work)).astype(np_dtype, copy=False)


@KERNELS.register("RandomStandardNormal")
def _standard_normal(attrs, shape):
    return _floats(attrs["rng"], attrs["rng"].standard_normal, _shape(shape),
                   np.dtype(attrs["dtype"].as_numpy_dtype))


@KERNELS.register("TruncatedNormal")
def _truncated_normal(attrs, shape):
    rng, np_dtype = attrs["rng"], np.dtype(attrs["dtype"].as_numpy_dtype)
    out = _floats(rng, rng.standard_normal, _shape(shape), np_dtype)
    flat = out.reshape(-1)
    bad = np.flatnonzero(np.abs(flat) > 2)
    while bad.size:                      # re-draw only the samples outside [-2, 2]
        flat[bad] = _floats(rng, rng.standard_normal, (bad.size,), np_dtype)
        bad = bad[np.abs(flat[bad]) > 2]
    return out


@KERNELS.register("RandomUniform")
def _uniform(attrs, shape):
    return _floats(attrs["rng"], attrs["rng"].random, _shape(shape),
                   np.dtype(attrs["dtype"].as_numpy_dtype))


@KERNELS.register("RandomUniformInt")
def _uniform_int(attrs, shape, lo, hi):
    lo, hi = np.asarray(lo), np.asarray(hi)
    check_random_int_bounds(lo, hi)
    return np.asarray(attrs["rng"].integers(lo, hi, size=_shape(shape), dtype=lo.dtype))


@KERNELS.register("RandomShuffle")
def _shuffle(attrs, x):
    x = np.asarray(x)
    if x.ndim == 0 or x.shape[0] <= 1:
        return np.array(x, copy=True)
    return x[attrs["rng"].permutation(x.shape[0])]


# --------------------------------------------------------------------------------------------
# Categorical, gamma, Poisson
# --------------------------------------------------------------------------------------------
@KERNELS.register("Multinomial")
def _multinomial(attrs, logits, num_samples):
    logits = np.asarray(logits, dtype=np.float64)
    n = int(num_samples)
    if n < 0:
        raise ValueError(f"num_samples should be nonnegative, got {n}")
    out = np.zeros((logits.shape[0], n), dtype=attrs["output_dtype"].as_numpy_dtype)
    if logits.shape[1] == 0 and out.size:
        raise ValueError("num_classes should be positive, got 0")
    u = attrs["rng"].random((logits.shape[0], n))
    for i, row in enumerate(logits):
        top = row.max(initial=-np.inf)
        cdf = np.cumsum(np.exp(row - top) if np.isfinite(top) else np.ones_like(row))
        out[i] = np.minimum(np.searchsorted(cdf, u[i] * cdf[-1], side="right"), row.size - 1)
    return out


@KERNELS.register("RandomGamma")
def _gamma(attrs, shape, alpha):
    alpha = np.asarray(alpha)
    full = _shape(shape) + alpha.shape
    work = np.float64 if alpha.dtype == np.float64 else np.float32
    out = attrs["rng"].standard_gamma(np.broadcast_to(alpha.astype(work), full), dtype=work)
    return np.asarray(out).astype(alpha.dtype, copy=False)


@KERNELS.register("RandomPoissonV2")
def _poisson(attrs, shape, rate):
    rate = np.asarray(rate, dtype=np.float64)
    if (rate < 0).any():
        raise ValueError("random_poisson: lam must be >= 0")
    out = attrs["rng"].poisson(np.broadcast_to(rate, _shape(shape) + rate.shape))
    return np.asarray(out).astype(attrs["dtype"].as_numpy_dtype)


# --------------------------------------------------------------------------------------------
# Candidate samplers (flowkit/ops/candidate_sampling_ops.py): (candidates, number of draws)
# --------------------------------------------------------------------------------------------
def _check_true_classes(true, range_max):
    true = np.asarray(true)
    bad = true[(true < 0) | (true >= range_max)]
    if bad.size:
        raise ValueError(f"true_classes: {bad[0]} is out of range [0, {range_max})")


def _candidates(attrs, true, draw):
    """``num_sampled`` draws of ``draw(k)``; with ``unique`` the first ``num_sampled``
    distinct values of one stream of draws, and how many draws that took."""
    _check_true_classes(true, attrs["range_max"])
    n = attrs["num_sampled"]
    if not attrs["unique"]:
        return [draw(n).astype(np.int64), np.array(n, dtype=np.int64)]
    stream = np.empty(0, np.int64)
    chunk = max(2 * n, 16)
    while True:
        stream = np.concatenate([stream, draw(chunk).astype(np.int64)])
        first = np.sort(np.unique(stream, return_index=True)[1])
        if first.size >= n:
            return [stream[first[:n]], np.array(first[n - 1] + 1, dtype=np.int64)]
        chunk *= 2


def _from_weights(rng, weights):
    cdf = np.cumsum(weights)

    def draw(k):
        idx = np.searchsorted(cdf, rng.random(k) * cdf[-1], side="right")
        return np.minimum(idx, cdf.size - 1)
    return draw


@KERNELS.register("LogUniformCandidateSampler")
def _log_uniform_sampler(attrs, true):
    rng, r = attrs["rng"], attrs["range_max"]

    def draw(k):
        v = np.floor(np.exp(rng.random(k) * np.log1p(r))).astype(np.int64) - 1
        return np.clip(v, 0, r - 1)
    return _candidates(attrs, true, draw)


@KERNELS.register("UniformCandidateSampler")
def _uniform_sampler(attrs, true):
    rng = attrs["rng"]
    return _candidates(attrs, true, lambda k: rng.integers(0, attrs["range_max"], k))


@KERNELS.register("FixedUnigramCandidateSampler")
def _fixed_unigram_sampler(attrs, true):
    weights = np.asarray(attrs["unigrams"], dtype=np.float64)
    return _candidates(attrs, true, _from_weights(attrs["rng"], weights))


@KERNELS.register("LearnedUnigramCandidateSampler")
def _learned_unigram_sampler(attrs, true):
    state = attrs["state"]
    with op_state(state, "lock", threading.Lock):    # runs from several threads count all
        total = op_state(state, "counts", lambda: np.ones(attrs["range_max"], np.float64))
        counts = total.copy()
        np.add.at(total, np.asarray(true, dtype=np.int64).reshape(-1), 1.0)
    out = _candidates(attrs, true, _from_weights(attrs["rng"], counts))
    return out + [counts]
