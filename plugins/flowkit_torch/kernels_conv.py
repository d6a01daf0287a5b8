"""PyTorch kernels of the convolution and pooling ops beyond 2-D NHWC conv2d
(flowkit/ops/conv3d_ops.py).

Convolutions view TF's channels-last layouts as PyTorch's channels-first ones (``movedim``)
and call aten's ``convolution`` and ``convolution_backward``; a depthwise convolution is a
grouped one (``groups = in_channels``, filter ``[h, w, in, multiplier]`` seen as
``[in * multiplier, 1, h, w]``). TF's ``SAME`` padding is passed to PyTorch when it is even;
an odd cell goes after, so then the input is padded first. Pools reduce over one strided
slice of the padded input per window tap, in row-major order, so that ties go to the first
maximum as in TF.
"""
from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

from flowkit.backend import KernelTable, conv_output_size
from flowkit_torch._common import host_ints

KERNELS = KernelTable()


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------
def _geometry(spatial, window, attrs, dilations):
    s, p = attrs["strides"], attrs["padding"]
    outs, pads = [], []
    for i, (size, k) in enumerate(zip(spatial, window)):
        o, before, after = conv_output_size(int(size), int(k), s[i + 1], dilations[i + 1], p)
        outs.append(o)
        pads.append((before, after))
    return outs, pads


def _flat_pads(pads):
    """``F.pad``'s argument for these per-dim paddings of a channels-first tensor."""
    return [v for p in reversed(pads) for v in p]


def _pad_last(x, pads, value=0):
    """Pads the spatial dims of a channels-last tensor."""
    if all(p == (0, 0) for p in pads):
        return x
    return F.pad(x, [0, 0] + _flat_pads(pads), value=value)


def _crop(xp, pads, spatial, first=1):
    return xp[(slice(None),) * first + tuple(slice(b, b + n) for (b, _), n in zip(pads, spatial))]


def _taps(window):
    return list(itertools.product(*(range(int(k)) for k in window)))


def _tap(t, outs, strides):
    index = [slice(None)]
    for i, (k, o) in enumerate(zip(t, outs)):
        index.append(slice(k, k + strides[i + 1] * (o - 1) + 1 if o else k, strides[i + 1]))
    return tuple(index)


# --------------------------------------------------------------------------------------------
# Convolutions
# --------------------------------------------------------------------------------------------
def _weight(f, depthwise):
    """TF's ``[*window, in, out]`` (or ``[*window, in, multiplier]``) as PyTorch's
    ``[out, in / groups, *window]``."""
    n = f.dim() - 2
    if depthwise:
        f = f.reshape(*f.shape[:n], 1, f.shape[n] * f.shape[n + 1])
    return f.permute(n + 1, n, *range(n))


def _conv_setup(attrs, spatial, window):
    n = len(window)
    s, d = attrs["strides"][1:-1], attrs["dilations"][1:-1]
    _, pads = _geometry(spatial, window, attrs, attrs["dilations"])
    even = all(a == b for a, b in pads)
    return n, list(s), list(d), pads, even


def _conv_forward(attrs, x, f, depthwise):
    n, s, d, pads, even = _conv_setup(attrs, x.shape[1:-1], f.shape[:x.dim() - 2])
    xc = torch.movedim(x, -1, 1)
    if not even:
        xc = F.pad(xc, _flat_pads(pads))
    groups = x.shape[-1] if depthwise else 1
    y = torch.ops.aten.convolution(xc, _weight(f, depthwise), None, s,
                                   [p[0] for p in pads] if even else [0] * n, d, False,
                                   [0] * n, groups)
    return torch.movedim(y, 1, -1)


def _conv_input(attrs, sizes, f, dy, depthwise):
    shape = host_ints(sizes)
    spatial = shape[1:-1]
    n, s, d, pads, even = _conv_setup(attrs, spatial, f.shape[:len(shape) - 2])
    padded = spatial if even else [m + sum(p) for m, p in zip(spatial, pads)]
    like = torch.empty((shape[0], shape[-1], *padded), dtype=dy.dtype, device=dy.device)
    groups = shape[-1] if depthwise else 1
    dx = torch.ops.aten.convolution_backward(
        torch.movedim(dy, -1, 1), like, _weight(f, depthwise), None, s,
        [p[0] for p in pads] if even else [0] * n, d, False, [0] * n, groups,
        (True, False, False))[0]
    if not even:
        dx = _crop(dx, pads, spatial, first=2)
    return torch.movedim(dx, 1, -1)


def _conv_filter(attrs, x, sizes, dy, depthwise):
    fshape = host_ints(sizes)
    n, s, d, pads, even = _conv_setup(attrs, x.shape[1:-1], fshape[:x.dim() - 2])
    xc = torch.movedim(x, -1, 1)
    if not even:
        xc = F.pad(xc, _flat_pads(pads))
    like = _weight(dy.new_empty(1).expand(*fshape), depthwise)
    groups = x.shape[-1] if depthwise else 1
    dw = torch.ops.aten.convolution_backward(
        torch.movedim(dy, -1, 1), xc, like, None, s, [p[0] for p in pads] if even else [0] * n,
        d, False, [0] * n, groups, (False, True, False))[1]
    dw = dw.permute(*range(2, n + 2), 1, 0)          # [*window, in / groups, out]
    return dw.reshape(fshape)


KERNELS.update({
    "Conv3D": lambda attrs, x, f: _conv_forward(attrs, x, f, False),
    "Conv3DBackpropFilterV2": lambda attrs, x, sizes, dy: _conv_filter(attrs, x, sizes, dy,
                                                                        False),
    "Conv3DBackpropInputV2": lambda attrs, sizes, f, dy: _conv_input(attrs, sizes, f, dy,
                                                                      False),
    "DepthwiseConv2dNative": lambda attrs, x, f: _conv_forward(attrs, x, f, True),
    "DepthwiseConv2dNativeBackpropFilter":
        lambda attrs, x, sizes, dy: _conv_filter(attrs, x, sizes, dy, True),
    "DepthwiseConv2dNativeBackpropInput":
        lambda attrs, sizes, f, dy: _conv_input(attrs, sizes, f, dy, True),
})


# --------------------------------------------------------------------------------------------
# Pools over any number of spatial dims (channels last)
# --------------------------------------------------------------------------------------------
def _lowest(dtype):
    return float("-inf") if dtype.is_floating_point else torch.iinfo(dtype).min


def _pool_geometry(shape, attrs):
    window = attrs["ksize"][1:-1]
    outs, pads = _geometry(shape[1:-1], window, attrs, (1,) * len(shape))
    return window, outs, pads


def _argmax_taps(attrs, x):
    """Each window's maximum and the index (row-major tap order) of its first maximum."""
    window, outs, pads = _pool_geometry(x.shape, attrs)
    xp = _pad_last(x, pads, _lowest(x.dtype))
    best = arg = None
    for k, t in enumerate(_taps(window)):
        v = xp[_tap(t, outs, attrs["strides"])]
        if best is None:
            best = v.clone()
            arg = torch.zeros(v.shape, dtype=torch.int64, device=x.device)
        else:                       # strictly greater: on ties the earlier tap keeps it
            arg = torch.where(v > best, k, arg)
            best = torch.maximum(best, v)
    return best, arg, (window, outs, pads)


@KERNELS.register("MaxPool3D")
def _max_pool3d(attrs, x):
    return _argmax_taps(attrs, x)[0]


@KERNELS.register("MaxPool3DGrad")
def _max_pool3d_grad(attrs, x, y, g):
    _, arg, (window, outs, pads) = _argmax_taps(attrs, x)
    dxp = torch.zeros((x.shape[0], *(m + sum(p) for m, p in zip(x.shape[1:-1], pads)),
                       x.shape[-1]), dtype=g.dtype, device=g.device)
    zero = torch.zeros((), dtype=g.dtype, device=g.device)
    for k, t in enumerate(_taps(window)):
        dxp[_tap(t, outs, attrs["strides"])] += torch.where(arg == k, g, zero)
    return _crop(dxp, pads, x.shape[1:-1])


@KERNELS.register("MaxPool3DGradGrad")
def _max_pool3d_grad_grad(attrs, x, y, gg):
    _, arg, (window, outs, pads) = _argmax_taps(attrs, x)
    ggp = _pad_last(gg, pads)
    out = torch.zeros(arg.shape, dtype=gg.dtype, device=gg.device)
    for k, t in enumerate(_taps(window)):
        out = torch.where(arg == k, ggp[_tap(t, outs, attrs["strides"])], out)
    return out


def _pool_counts(shape, attrs, outs, pads, like):
    window, s = attrs["ksize"][1:-1], attrs["strides"]
    total = torch.ones((), dtype=like.dtype, device=like.device)
    n = len(outs)
    for i, (size, k, o, p) in enumerate(zip(shape[1:-1], window, outs, pads)):
        start = torch.arange(o, device=like.device) * s[i + 1] - p[0]
        count = (torch.clamp_max(start + k, size) - torch.clamp_min(start, 0)).to(like.dtype)
        total = total * count.reshape([-1 if j == i else 1 for j in range(n)])
    return total[None, ..., None]


@KERNELS.register("AvgPool3D")
def _avg_pool3d(attrs, x):
    window, outs, pads = _pool_geometry(x.shape, attrs)
    xp = _pad_last(x, pads)
    total = torch.zeros((x.shape[0], *outs, x.shape[-1]), dtype=x.dtype, device=x.device)
    for t in _taps(window):
        total += xp[_tap(t, outs, attrs["strides"])]
    return total / _pool_counts(x.shape, attrs, outs, pads, x)


@KERNELS.register("AvgPool3DGrad")
def _avg_pool3d_grad(attrs, sizes, g):
    shape = host_ints(sizes)
    window, outs, pads = _pool_geometry(shape, attrs)
    share = g / _pool_counts(shape, attrs, outs, pads, g)
    dxp = torch.zeros((shape[0], *(m + sum(p) for m, p in zip(shape[1:-1], pads)), shape[-1]),
                      dtype=g.dtype, device=g.device)
    for t in _taps(window):
        dxp[_tap(t, outs, attrs["strides"])] += share
    return _crop(dxp, pads, shape[1:-1])


# --------------------------------------------------------------------------------------------
# Max pooling with argmax (flat indices into the input)
# --------------------------------------------------------------------------------------------
_INDEX_DTYPES = {"int32": torch.int32, "int64": torch.int64}


@KERNELS.register("MaxPoolWithArgmax")
def _max_pool_with_argmax(attrs, x):
    best, arg, (window, outs, pads) = _argmax_taps(attrs, x)
    n, h, w, c = x.shape
    s, kw = attrs["strides"], window[1]
    dev = x.device
    row = torch.arange(outs[0], device=dev)[:, None, None] * s[1] - pads[0][0] + arg // kw
    col = torch.arange(outs[1], device=dev)[None, :, None] * s[2] - pads[1][0] + arg % kw
    flat = (row * w + col) * c + torch.arange(c, device=dev)
    if attrs["include_batch_in_index"]:
        flat = flat + (torch.arange(n, device=dev) * (h * w * c)).reshape(-1, 1, 1, 1)
    return best, flat.to(_INDEX_DTYPES[attrs["Targmax"].name])


def _flat_index(attrs, x, argmax):
    idx = argmax.to(torch.int64)
    if not attrs["include_batch_in_index"]:
        per = x.numel() // max(x.shape[0], 1)
        idx = idx + (torch.arange(x.shape[0], device=x.device) * per).reshape(
            (-1,) + (1,) * (x.dim() - 1))
    return idx.reshape(-1)


@KERNELS.register("MaxPoolGradWithArgmax")
def _max_pool_grad_with_argmax(attrs, x, g, argmax):
    dx = torch.zeros(x.numel(), dtype=g.dtype, device=g.device)
    dx.index_add_(0, _flat_index(attrs, x, argmax), g.reshape(-1))
    return dx.reshape(x.shape)


@KERNELS.register("MaxPoolGradGradWithArgmax")
def _max_pool_grad_grad_with_argmax(attrs, x, gg, argmax):
    return gg.reshape(-1)[_flat_index(attrs, x, argmax)].reshape(argmax.shape)
