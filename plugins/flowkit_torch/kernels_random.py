"""Torch kernels of the random ops (flowkit/ops/random_ops.py).

Each random op gets its own ``torch.Generator`` on the session's device in ``attrs["rng"]``
(made by :meth:`TorchBackend.make_rng` from the op's seed pair), so a seeded graph gives the
same numbers in every new session on the same device. The numbers differ from the NumPy
backend's: only the distributions are the same.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from flowkit.backend import KernelTable, check_random_int_bounds
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
