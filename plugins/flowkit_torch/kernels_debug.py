"""PyTorch kernels of :mod:`flowkit.ops.debug_ops`.

What these ops do is Python on the host (printing, checking, calling a Python function), so
each kernel copies its inputs to NumPy and runs the NumPy backend's kernel, asked of the
plugin manager (plugins never import each other); results go back to the inputs' device.
"""
from __future__ import annotations

import numpy as np
import torch

from flowkit import plugins
from flowkit.backend import KernelTable

KERNELS = KernelTable()


def _numpy_kernel(op_type):
    return plugins.get_backend("numpy").kernels[op_type]


def _host(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x


@KERNELS.register("Print")
def _print(attrs, x, *data):
    _numpy_kernel("Print")(attrs, _host(x), *[_host(d) for d in data])
    return x


@KERNELS.register("PrintV2")
def _print_v2(attrs, *tensors):
    return _numpy_kernel("PrintV2")(attrs, *[_host(t) for t in tensors])


@KERNELS.register("CheckNumerics")
def _check_numerics(attrs, x):
    if not bool(torch.isfinite(x).all()):
        _numpy_kernel("CheckNumerics")(attrs, _host(x))
    return x


def _device(inputs, attrs):
    for x in inputs:
        if isinstance(x, torch.Tensor):
            return x.device
    return attrs["rng"].device


@KERNELS.register("PyFunc")
def _py_func(attrs, *xs):
    device = _device(xs, attrs)
    out = _numpy_kernel("PyFunc")(attrs, *[_host(x) for x in xs])
    outs = out if isinstance(out, tuple) else (out,)
    back = tuple(o if np.asarray(o).dtype.kind == "O" else
                 torch.from_numpy(np.array(o, copy=True)).to(device) for o in outs)
    return back if isinstance(out, tuple) else back[0]


@KERNELS.register("EnsureShape")
def _ensure_shape(attrs, x):
    if not attrs["shape"].is_compatible_with(tuple(x.shape)):
        _numpy_kernel("EnsureShape")(attrs, np.empty(tuple(x.shape), np.bool_))
    return x
