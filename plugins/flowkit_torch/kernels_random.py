"""Torch kernels of the random ops (flowkit/ops/random_ops.py).

Each random op gets its own ``torch.Generator`` on the session's device in ``attrs["rng"]``
(made by :meth:`TorchBackend.make_rng` from the op's seed pair), so a seeded graph gives the
same numbers in every new session on the same device. The numbers differ from the NumPy
backend's: only the distributions are the same.
"""
from __future__ import annotations

import math
import threading

import numpy as np
import torch

from flowkit.backend import KernelTable, check_random_int_bounds, op_state
from flowkit_torch._common import host_int, host_ints, tdtype

KERNELS = KernelTable()


def _work_dtype(dtype):
    """Draw float16 numbers in float32 and round them, as the NumPy backend does."""
    return dtype if dtype in (torch.float32, torch.float64) else torch.float32


def _draw(fn, attrs, shape):
    gen = attrs["rng"]
    dtype = tdtype(attrs["dtype"])
    out = fn(host_ints(shape), generator=gen, dtype=_work_dtype(dtype), device=gen.device)
    return out if out.dtype is dtype else out.to(dtype)


@KERNELS.register("RandomStandardNormal")
def _standard_normal(attrs, shape):
    return _draw(torch.randn, attrs, shape)


_LO = 0.5 * math.erfc(2 / math.sqrt(2))       # P(N(0, 1) < -2)


@KERNELS.register("TruncatedNormal")
def _truncated_normal(attrs, shape):
    # Inverse CDF of the normal restricted to [-2, 2]: no re-draw loop, so no GPU sync.
    gen = attrs["rng"]
    dtype = tdtype(attrs["dtype"])
    work = torch.float64 if dtype is torch.float64 else torch.float32
    u = torch.rand(host_ints(shape), generator=gen, dtype=work, device=gen.device)
    u = u.mul_(1 - 2 * _LO).add_(_LO)
    out = torch.special.ndtri(u).clamp_(-2.0, 2.0)
    return out if out.dtype is dtype else out.to(dtype)


@KERNELS.register("RandomUniform")
def _uniform(attrs, shape):
    return _draw(torch.rand, attrs, shape)


@KERNELS.register("RandomUniformInt")
def _uniform_int(attrs, shape, lo, hi):
    gen = attrs["rng"]
    lo_v, hi_v = host_int(lo), host_int(hi)
    check_random_int_bounds(lo_v, hi_v)
    return torch.randint(lo_v, hi_v, host_ints(shape), generator=gen, dtype=lo.dtype,
                         device=gen.device)


@KERNELS.register("RandomShuffle")
def _shuffle(attrs, x):
    gen = attrs["rng"]
    if x.ndim == 0 or x.shape[0] <= 1:
        return x.copy() if isinstance(x, np.ndarray) else x.clone()
    perm = torch.randperm(x.shape[0], generator=gen, device=gen.device)
    if isinstance(x, np.ndarray):                  # strings stay NumPy
        return x[perm.cpu().numpy()]
    return x.index_select(0, perm.to(x.device))


# --------------------------------------------------------------------------------------------
# Categorical, gamma, Poisson
# --------------------------------------------------------------------------------------------
@KERNELS.register("Multinomial")
def _multinomial(attrs, logits, num_samples):
    gen, n = attrs["rng"], host_int(num_samples)
    if n < 0:
        raise ValueError(f"num_samples should be nonnegative, got {n}")
    out_dtype = tdtype(attrs["output_dtype"])
    batch, classes = logits.shape
    if batch == 0 or n == 0:
        return torch.zeros((batch, n), dtype=out_dtype, device=logits.device)
    if classes == 0:
        raise ValueError("num_classes should be positive, got 0")
    work = logits.to(gen.device, torch.float64)
    top = work.max(dim=1, keepdim=True).values
    top = torch.where(torch.isfinite(top), top, torch.zeros_like(top))
    probs = torch.exp(work - top)
    probs = torch.where(probs.sum(dim=1, keepdim=True) > 0, probs, torch.ones_like(probs))
    out = torch.multinomial(probs, n, replacement=True, generator=gen)
    return out.to(device=logits.device, dtype=out_dtype)


@KERNELS.register("RandomGamma")
def _gamma(attrs, shape, alpha):
    gen = attrs["rng"]
    full = host_ints(shape) + list(alpha.shape)
    work = torch.float64 if alpha.dtype is torch.float64 else torch.float32
    conc = alpha.to(gen.device, work).expand(full).contiguous()
    return torch._standard_gamma(conc, generator=gen).to(alpha.dtype)


@KERNELS.register("RandomPoissonV2")
def _poisson(attrs, shape, rate):
    gen = attrs["rng"]
    full = host_ints(shape) + list(rate.shape)
    work = rate.to(gen.device, torch.float64)
    if bool((work < 0).any()):
        raise ValueError("random_poisson: lam must be >= 0")
    out = torch.poisson(work.expand(full).contiguous(), generator=gen)
    return out.to(tdtype(attrs["dtype"]))


# --------------------------------------------------------------------------------------------
# Candidate samplers (flowkit/ops/candidate_sampling_ops.py): (candidates, number of draws)
# --------------------------------------------------------------------------------------------
def _first_distinct(stream, n):
    """The first ``n`` distinct values of ``stream`` in order, and the position after the
    last of them; ``None`` when ``stream`` holds fewer than ``n`` distinct values."""
    values, order = torch.sort(stream, stable=True)
    new = torch.ones_like(values, dtype=torch.bool)
    new[1:] = values[1:] != values[:-1]
    first = torch.sort(order[new]).values
    if first.numel() < n:
        return None
    first = first[:n]
    return [stream[first], first[-1] + 1]


def _candidates(attrs, true, draw):
    true = true.to(torch.int64)
    r, n = attrs["range_max"], attrs["num_sampled"]
    if true.numel() and bool(((true < 0) | (true >= r)).any()):
        bad = true[(true < 0) | (true >= r)][0]
        raise ValueError(f"true_classes: {int(bad)} is out of range [0, {r})")
    if not attrs["unique"]:
        return [draw(n), torch.tensor(n, dtype=torch.int64, device=attrs["rng"].device)]
    stream = draw(0)
    chunk = max(2 * n, 16)
    while True:
        stream = torch.cat([stream, draw(chunk)])
        found = _first_distinct(stream, n)
        if found is not None:
            return found
        chunk *= 2


def _from_weights(gen, weights):
    cdf = torch.cumsum(weights, 0)

    def draw(k):
        u = torch.rand(k, generator=gen, dtype=torch.float64, device=gen.device) * cdf[-1]
        return torch.searchsorted(cdf, u, right=True).clamp_(max=cdf.numel() - 1)
    return draw


@KERNELS.register("LogUniformCandidateSampler")
def _log_uniform_sampler(attrs, true):
    gen, r = attrs["rng"], attrs["range_max"]
    log_range = math.log1p(r)

    def draw(k):
        u = torch.rand(k, generator=gen, dtype=torch.float64, device=gen.device)
        return (torch.exp(u * log_range).floor().to(torch.int64) - 1).clamp_(0, r - 1)
    return _candidates(attrs, true, draw)


@KERNELS.register("UniformCandidateSampler")
def _uniform_sampler(attrs, true):
    gen = attrs["rng"]
    return _candidates(attrs, true, lambda k: torch.randint(
        0, attrs["range_max"], (k,), generator=gen, dtype=torch.int64, device=gen.device))


@KERNELS.register("FixedUnigramCandidateSampler")
def _fixed_unigram_sampler(attrs, true):
    gen = attrs["rng"]
    weights = torch.tensor(attrs["unigrams"], dtype=torch.float64, device=gen.device)
    return _candidates(attrs, true, _from_weights(gen, weights))


@KERNELS.register("LearnedUnigramCandidateSampler")
def _learned_unigram_sampler(attrs, true):
    gen, state = attrs["rng"], attrs["state"]
    flat = true.reshape(-1).to(gen.device, torch.int64)
    with op_state(state, "lock", threading.Lock):    # runs from several threads count all
        total = op_state(state, "counts", lambda: torch.ones(
            attrs["range_max"], dtype=torch.float64, device=gen.device))
        counts = total.clone()
        total.index_add_(0, flat, torch.ones(flat.shape, dtype=torch.float64,
                                             device=gen.device))
    out = _candidates(attrs, true, _from_weights(gen, counts))
    return out + [counts]
