"""NumPy kernels of the convolution and pooling ops beyond 2-D NHWC conv2d
(flowkit/ops/conv3d_ops.py): Conv3D, DepthwiseConv2dNative and their backward ops, the 3-D
pools and max pooling with argmax.

Written for any number of spatial dimensions (channels last): a strided *view* of the padded
input holds every window (``[N, *out, *window, C]``, no copy); a convolution is one matrix
product with it (``einsum`` per channel for depthwise), the input gradients add the columns
back with one strided slice per filter tap, and pools reduce over the taps.
"""
from __future__ import annotations

import itertools

import numpy as np
from numpy.lib.stride_tricks import as_strided

from flowkit.backend import KernelTable, conv_output_size

KERNELS = KernelTable()


# --------------------------------------------------------------------------------------------
# Geometry
# --------------------------------------------------------------------------------------------
def _geometry(spatial, window, attrs, dilations):
    """``(outs, pads)``: the output size and ``(before, after)`` padding of each spatial dim."""
    s, p = attrs["strides"], attrs["padding"]
    outs, pads = [], []
    for i, (size, k) in enumerate(zip(spatial, window)):
        o, before, after = conv_output_size(int(size), int(k), s[i + 1], dilations[i + 1], p)
        outs.append(o)
        pads.append((before, after))
    return outs, pads


def _pad(x, pads, value=0):
    if all(p == (0, 0) for p in pads):
        return x
    return np.pad(x, [(0, 0)] + list(pads) + [(0, 0)], constant_values=value)


def _crop(xp, pads, spatial):
    return xp[(slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(pads, spatial))]


def _windows(xp, window, outs, strides, dilations):
    """A read-only view ``[N, *outs, *window, C]`` of every window of the padded input."""
    st = xp.strides
    sp = st[1:-1]
    shape = (xp.shape[0], *outs, *window, xp.shape[-1])
    steps = (st[0], *(a * b for a, b in zip(sp, strides[1:-1])),
             *(a * b for a, b in zip(sp, dilations[1:-1])), st[-1])
    return as_strided(xp, shape, steps, writeable=False)


def _taps(window):
    return list(itertools.product(*(range(int(k)) for k in window)))


def _tap(t, outs, strides, dilations=None):
    """The slice of the padded input that tap ``t`` sees across all outputs."""
    d = dilations or (1,) * (len(t) + 2)
    index = [slice(None)]
    for i, (k, o) in enumerate(zip(t, outs)):
        start = k * d[i + 1]
        index.append(slice(start, start + strides[i + 1] * (o - 1) + 1 if o else start,
                           strides[i + 1]))
    return tuple(index)


# --------------------------------------------------------------------------------------------
# Convolutions (Conv3D: filter [*window, in, out]; depthwise: [*window, in, multiplier])
# --------------------------------------------------------------------------------------------
def _columns(x, window, attrs):
    d = attrs["dilations"]
    outs, pads = _geometry(x.shape[1:-1], window, attrs, d)
    return _windows(_pad(x, pads), window, outs, attrs["strides"], d), outs


def _conv_forward(attrs, x, f, depthwise):
    n = x.ndim - 2
    win, outs = _columns(x, f.shape[:n], attrs)
    if depthwise:
        y = np.einsum("nhwijc,ijcm->nhwcm", win, f)
        return y.reshape(x.shape[0], *outs, -1)
    co = f.shape[-1]
    cols = win.reshape(-1, int(np.prod(f.shape[:-1])))
    return (cols @ f.reshape(-1, co)).reshape(x.shape[0], *outs, co)


def _conv_filter(attrs, x, sizes, dy, depthwise):
    fshape = tuple(int(v) for v in sizes)
    n = x.ndim - 2
    win, outs = _columns(x, fshape[:n], attrs)
    if depthwise:
        dyr = dy.reshape(*dy.shape[:-1], fshape[-2], fshape[-1])
        return np.einsum("nhwijc,nhwcm->ijcm", win, dyr).astype(x.dtype, copy=False)
    cols = win.reshape(-1, int(np.prod(fshape[:-1])))
    return (cols.T @ dy.reshape(-1, fshape[-1])).reshape(fshape)


def _conv_input(attrs, sizes, f, dy, depthwise):
    shape = tuple(int(v) for v in sizes)
    n = len(shape) - 2
    window, ci = f.shape[:n], f.shape[n]
    d, s = attrs["dilations"], attrs["strides"]
    outs, pads = _geometry(shape[1:-1], window, attrs, d)
    if depthwise:
        dyr = dy.reshape(*dy.shape[:-1], ci, f.shape[-1])
        cols = np.einsum("nhwcm,ijcm->nhwijc", dyr, f)
    else:
        cols = (dy.reshape(-1, f.shape[-1]) @ f.reshape(-1, f.shape[-1]).T)
        cols = cols.reshape(shape[0], *outs, *window, ci)
    dxp = np.zeros((shape[0], *(m + sum(p) for m, p in zip(shape[1:-1], pads)), ci), f.dtype)
    lead = (slice(None),) * (n + 1)
    for t in _taps(window):
        dxp[_tap(t, outs, s, d)] += cols[lead + t]
    return _crop(dxp, pads, shape[1:-1])


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
# Pools over any number of spatial dims
# --------------------------------------------------------------------------------------------
def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _pool_geometry(shape, attrs):
    window = attrs["ksize"][1:-1]
    outs, pads = _geometry(shape[1:-1], window, attrs, (1,) * len(shape))
    return window, outs, pads


def _argmax_taps(attrs, x):
    """The padded input's taps, each window's maximum and the index (in :func:`_taps`
    order, row-major) of its first maximum, as TF breaks ties."""
    window, outs, pads = _pool_geometry(x.shape, attrs)
    xp = _pad(x, pads, _lowest(x.dtype))
    best = arg = None
    for k, t in enumerate(_taps(window)):
        v = xp[_tap(t, outs, attrs["strides"])]
        if best is None:
            best, arg = v.copy(), np.zeros(v.shape, np.intp)
        else:                       # strictly greater: on ties the earlier tap keeps it
            arg = np.where(v > best, k, arg)
            np.maximum(best, v, out=best)
    return best, arg, (window, outs, pads)


@KERNELS.register("MaxPool3D")
def _max_pool3d(attrs, x):
    return _argmax_taps(attrs, x)[0]


@KERNELS.register("MaxPool3DGrad")
def _max_pool3d_grad(attrs, x, y, g):
    _, arg, (window, outs, pads) = _argmax_taps(attrs, x)
    dxp = np.zeros((x.shape[0], *(m + sum(p) for m, p in zip(x.shape[1:-1], pads)),
                    x.shape[-1]), x.dtype)
    zero = np.zeros((), g.dtype)
    for k, t in enumerate(_taps(window)):
        dxp[_tap(t, outs, attrs["strides"])] += np.where(arg == k, g, zero)
    return _crop(dxp, pads, x.shape[1:-1])


@KERNELS.register("MaxPool3DGradGrad")
def _max_pool3d_grad_grad(attrs, x, y, gg):
    _, arg, (window, outs, pads) = _argmax_taps(attrs, x)
    ggp = _pad(gg, pads)
    out = np.zeros(arg.shape, gg.dtype)
    for k, t in enumerate(_taps(window)):
        out = np.where(arg == k, ggp[_tap(t, outs, attrs["strides"])], out)
    return out


def _pool_counts(shape, attrs, outs, pads, dtype):
    """How many cells of each window lie inside the input (SAME padding does not count),
    shaped to broadcast against ``[N, *outs, C]``."""
    window, s = attrs["ksize"][1:-1], attrs["strides"]
    total = np.ones((), dtype)
    n = len(outs)
    for i, (size, k, o, p) in enumerate(zip(shape[1:-1], window, outs, pads)):
        start = np.arange(o) * s[i + 1] - p[0]
        count = (np.minimum(start + k, size) - np.maximum(start, 0)).astype(dtype)
        total = total * count.reshape([-1 if j == i else 1 for j in range(n)])
    return total[None, ..., None]


@KERNELS.register("AvgPool3D")
def _avg_pool3d(attrs, x):
    window, outs, pads = _pool_geometry(x.shape, attrs)
    xp = _pad(x, pads)
    total = np.zeros((x.shape[0], *outs, x.shape[-1]), x.dtype)
    for t in _taps(window):
        total += xp[_tap(t, outs, attrs["strides"])]
    return total / _pool_counts(x.shape, attrs, outs, pads, x.dtype)


@KERNELS.register("AvgPool3DGrad")
def _avg_pool3d_grad(attrs, sizes, g):
    shape = tuple(int(v) for v in sizes)
    window, outs, pads = _pool_geometry(shape, attrs)
    share = g / _pool_counts(shape, attrs, outs, pads, g.dtype)
    dxp = np.zeros((shape[0], *(m + sum(p) for m, p in zip(shape[1:-1], pads)), shape[-1]),
                   g.dtype)
    for t in _taps(window):
        dxp[_tap(t, outs, attrs["strides"])] += share
    return _crop(dxp, pads, shape[1:-1])


# --------------------------------------------------------------------------------------------
# Max pooling with argmax (flat indices into the input)
# --------------------------------------------------------------------------------------------
@KERNELS.register("MaxPoolWithArgmax")
def _max_pool_with_argmax(attrs, x):
    best, arg, (window, outs, pads) = _argmax_taps(attrs, x)
    n, h, w, c = x.shape
    s = attrs["strides"]
    kw = window[1]
    row = np.arange(outs[0])[:, None, None] * s[1] - pads[0][0] + (arg // kw)
    col = np.arange(outs[1])[None, :, None] * s[2] - pads[1][0] + (arg % kw)
    flat = (row * w + col) * c + np.arange(c)
    if attrs["include_batch_in_index"]:
        flat = flat + (np.arange(n) * (h * w * c)).reshape(-1, 1, 1, 1)
    return best, flat.astype(attrs["Targmax"].as_numpy_dtype)


def _flat_index(attrs, x, argmax):
    """``argmax`` as indices into ``x.reshape(-1)`` (adding each batch's offset if needed)."""
    idx = argmax.astype(np.intp)
    if not attrs["include_batch_in_index"]:
        idx = idx + (np.arange(x.shape[0]) * (x.size // max(x.shape[0], 1))).reshape(
            (-1,) + (1,) * (x.ndim - 1))
    return idx.reshape(-1)


@KERNELS.register("MaxPoolGradWithArgmax")
def _max_pool_grad_with_argmax(attrs, x, g, argmax):
    dx = np.zeros(x.size, g.dtype)
    np.add.at(dx, _flat_index(attrs, x, argmax), g.reshape(-1))
    return dx.reshape(x.shape)


@KERNELS.register("MaxPoolGradGradWithArgmax")
def _max_pool_grad_grad_with_argmax(attrs, x, gg, argmax):
    return gg.reshape(-1)[_flat_index(attrs, x, argmax)].reshape(argmax.shape)
