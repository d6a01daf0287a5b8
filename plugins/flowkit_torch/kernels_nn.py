"""Torch kernels of the neural-network ops (flowkit/ops/nn_ops.py).

TF's layouts are kept at the boundary: images are NHWC and filters HWIO. Kernels view them
as PyTorch's NCHW/OIHW with ``permute`` (an NHWC tensor seen as NCHW is what PyTorch calls
"channels last", which cuDNN and mkldnn run without a copy; gradient kernels return the same
layout, so the next op reads contiguous memory). TF's ``SAME`` padding is passed to PyTorch
when it is even; an odd pixel goes at the bottom/right, where PyTorch would split evenly, so
then the kernels pad explicitly with ``F.pad``.
Average pools divide by the number of *valid* cells of each window, as TF does.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from flowkit.backend import (KernelTable, conv_geometry, label_error, pool_geometry,
                             pooling_intervals)
from flowkit_torch._common import host_int, host_ints

KERNELS = KernelTable()


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------
@KERNELS.register("Softplus")
def _softplus(attrs, x):
    # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow, no threshold switch.
    return torch.clamp_min(x, 0) + torch.log1p(torch.exp(-torch.abs(x)))


@KERNELS.register("Elu")
def _elu(attrs, x):
    return torch.where(x < 0, torch.expm1(torch.clamp_max(x, 0)), x)


_threshold_backward = torch.ops.aten.threshold_backward


@KERNELS.register("ReluGrad")
def _relu_grad(attrs, g, y, out=None):
    """``g`` where ``y > 0``, else +0.0 (NaN, inf and -0.0 in ``g`` kept where ``y > 0``).

    aten's threshold_backward is vectorised (0.8 ms for W4's first ReluGrad, one thread,
    against 6.3 ms for ``torch.where``) but keeps ``g`` where ``y`` is NaN (``NaN <= 0`` is
    false), so NaNs in ``y`` are made zeros first: only the sign of ``y`` is read, and
    ``nan_to_num`` keeps it (infinities become the largest finite values). On the CPU a sum
    (any NaN makes it NaN; it reads ``y`` once and writes nothing) says whether that pass is
    needed; elsewhere reading it would wait for the device, so the pass always runs.
    ``out`` (``g`` itself, for the in-place kernel) receives the result.
    """
    if y.dtype.is_floating_point and (y.device.type != "cpu" or bool(torch.isnan(y.sum()))):
        y = torch.nan_to_num(y, nan=0.0)
    if out is None:
        return _threshold_backward(g, y, 0)
    return torch.ops.aten.threshold_backward.grad_input(g, y, 0, grad_input=out)


@KERNELS.register("BiasAddGrad")
def _bias_add_grad(attrs, g):
    return torch.sum(g.reshape(-1, g.shape[-1]), dim=0, dtype=g.dtype)


# --------------------------------------------------------------------------------------------
# Layouts: NHWC <-> NCHW, TF padding
# --------------------------------------------------------------------------------------------
def _nchw(x):
    return x.permute(0, 3, 1, 2)


def _nhwc(x):
    return x.permute(0, 2, 3, 1)


def _pad(xn, ph, pw, value=0.0):
    """Pads an NCHW tensor: ``ph``/``pw`` are (before, after) for height/width."""
    if ph == (0, 0) and pw == (0, 0):
        return xn
    return F.pad(xn, (pw[0], pw[1], ph[0], ph[1]), value=value)


def _crop(xn, ph, pw, h, w):
    return xn[:, :, ph[0]:ph[0] + h, pw[0]:pw[0] + w]


def _filter_oihw(f):
    return f.permute(3, 2, 0, 1)


# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------
def _symmetric(ph, pw):
    """PyTorch's own ``padding`` when TF's is the same on both sides (VALID; SAME with odd
    kernels at stride 1, and some strided cases), else ``None``: padding inside the
    convolution saves a padded copy, and mkldnn's weight gradient on a pre-padded input
    measured 20 % slower (12.2 against 10.4 ms, W4's second convolution, one thread)."""
    if ph[0] == ph[1] and pw[0] == pw[1]:
        return ph[0], pw[0]
    return None


def _conv_args(attrs):
    d, s = attrs["dilations"], attrs["strides"]
    return (s[1], s[2]), (d[1], d[2])


@KERNELS.register("Conv2D")
def _conv2d(attrs, x, f):
    kh, kw = f.shape[0], f.shape[1]
    stride, dilation = _conv_args(attrs)
    _, _, ph, pw = conv_geometry(x.shape[1], x.shape[2], kh, kw, attrs, attrs["dilations"])
    pad = _symmetric(ph, pw)
    if pad is not None:
        y = F.conv2d(_nchw(x), _filter_oihw(f), stride=stride, padding=pad, dilation=dilation)
    else:
        y = F.conv2d(_pad(_nchw(x), ph, pw), _filter_oihw(f), stride=stride, dilation=dilation)
    return _nhwc(y)


# The two gradients of a convolution are two ops, as in TF1; each calls aten's
# convolution_backward for its own output only (asking for both at once measured no faster:
# mkldnn computes them one after the other).
_conv_backward = torch.ops.aten.convolution_backward


@KERNELS.register("Conv2DBackpropInput")
def _conv2d_backprop_input(attrs, sizes, f, dy):
    n, h, w, c = host_ints(sizes)
    kh, kw = f.shape[0], f.shape[1]
    stride, dilation = _conv_args(attrs)
    _, _, ph, pw = conv_geometry(h, w, kh, kw, attrs, attrs["dilations"])
    pad = _symmetric(ph, pw)
    ih, iw = (h, w) if pad is not None else (h + sum(ph), w + sum(pw))
    # Only the input's shape and memory format are read: an uninitialised channels-last
    # tensor makes the gradient come out channels-last (NHWC, no copy after the permute);
    # from a plain-strided stand-in it came out NCHW and 30 % slower.
    like = torch.empty((n, c, ih, iw), dtype=dy.dtype, device=dy.device,
                       memory_format=torch.channels_last)
    dx = _conv_backward(_nchw(dy), like, _filter_oihw(f), None, stride, pad or (0, 0),
                        dilation, False, (0, 0), 1, (True, False, False))[0]
    if pad is None:
        dx = _crop(dx, ph, pw, h, w)
    return _nhwc(dx)


@KERNELS.register("Conv2DBackpropFilter")
def _conv2d_backprop_filter(attrs, x, sizes, dy):
    kh, kw, ci, co = host_ints(sizes)
    stride, dilation = _conv_args(attrs)
    _, _, ph, pw = conv_geometry(x.shape[1], x.shape[2], kh, kw, attrs, attrs["dilations"])
    pad = _symmetric(ph, pw)
    xn = _nchw(x) if pad is not None else _pad(_nchw(x), ph, pw)
    # Only the weight's shape is read: a zero-stride stand-in allocates nothing.
    like = dy.new_empty(1).expand(co, ci, kh, kw)
    dw = _conv_backward(_nchw(dy), xn, like, None, stride, pad or (0, 0), dilation, False,
                        (0, 0), 1, (False, True, False))[1]
    return dw.permute(2, 3, 1, 0)


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------
def _lowest(dtype):
    return float("-inf") if dtype.is_floating_point else torch.iinfo(dtype).min


def _taps(xp, kh, kw, oh, ow, s):
    """Every filter tap's strided view of a padded NCHW tensor, in row-major order."""
    for i in range(kh):
        for j in range(kw):
            yield i, j, xp[:, :, i:i + s[1] * (oh - 1) + 1:s[1], j:j + s[2] * (ow - 1) + 1:s[2]]


def _pool_input(x):
    """NHWC -> NCHW for PyTorch's pools. On a GPU the result is copied to plain NCHW
    strides: the channels-last CUDA max-pool kernel failed here with "misaligned address"
    (float64, one channel, where the permuted view already counts as contiguous)."""
    xn = _nchw(x)
    if xn.device.type == "cuda":
        return xn.clone(memory_format=torch.contiguous_format)
    return xn


def _max_pool_padded(attrs, x):
    kh, kw, oh, ow, ph, pw = pool_geometry(x.shape[1], x.shape[2], attrs)
    xp = _pad(_pool_input(x), ph, pw, _lowest(x.dtype))
    return xp, (kh, kw, oh, ow, ph, pw)


@KERNELS.register("MaxPool")
def _max_pool(attrs, x):
    xp, (kh, kw, oh, ow, _, _) = _max_pool_padded(attrs, x)
    s = attrs["strides"]
    if not x.dtype.is_floating_point:
        out = None                     # integers: an elementwise max over the taps
        for _, _, v in _taps(xp, kh, kw, oh, ow, s):
            out = v.clone() if out is None else torch.maximum(out, v)
        return _nhwc(out)
    out, idx = F.max_pool2d(xp, (kh, kw), (s[1], s[2]), return_indices=True)
    y = _nhwc(out)
    # MaxPoolGrad(x, y, g) needs each window's argmax again: keep it with y (for this x).
    y._fk_argmax = (x, _pool_key(attrs), idx, xp.shape)
    return y


def _pool_key(attrs):
    return tuple(attrs["ksize"]), tuple(attrs["strides"]), attrs["padding"]


def _argmax_flat(attrs, x, y):
    """For each window, the flat index (into the padded H*W plane) of its first maximum,
    in row-major order as TF breaks ties; shape [N, C, OH, OW]. Taken from the MaxPool
    that made ``y`` from ``x`` when there is one."""
    kh, kw, oh, ow, ph, pw = pool_geometry(x.shape[1], x.shape[2], attrs)
    cached = getattr(y, "_fk_argmax", None)
    if cached is not None and cached[0] is x and cached[1] == _pool_key(attrs):
        return cached[2], cached[3], (kh, kw, oh, ow, ph, pw)
    xp, geo = _max_pool_padded(attrs, x)
    s = attrs["strides"]
    _, idx = F.max_pool2d(xp, (kh, kw), (s[1], s[2]), return_indices=True)
    return idx, xp.shape, geo


@KERNELS.register("MaxPoolGrad")
def _max_pool_grad(attrs, x, y, g):
    idx, (n, c, hp, wp), (kh, kw, _, _, ph, pw) = _argmax_flat(attrs, x, y)
    if g.dtype.is_floating_point and g.device.type == "cpu":
        # aten's pool backward adds each gradient at its window's argmax (overlapping windows
        # add up, as scatter_add does) and keeps the channels-last layout: NHWC out, no copy
        # (1.4 ms -> 0.45 ms per W4 step, and the ReluGrad after it no longer mixes layouts).
        # It reads only the shape and memory format of its input argument. Not on a GPU,
        # whose channels-last pool kernels failed once (see _pool_input).
        like = torch.empty((n, c, hp, wp), dtype=g.dtype, device=g.device,
                           memory_format=torch.channels_last)
        s = attrs["strides"]
        dxp = _max_pool_backward(_nchw(g), like, (kh, kw), (s[1], s[2]), (0, 0), (1, 1),
                                 False, idx)
    else:
        dxp = torch.zeros((n, c, hp * wp), dtype=g.dtype, device=g.device)
        dxp.scatter_add_(2, idx.flatten(2), _nchw(g).flatten(2))
        dxp = dxp.view(n, c, hp, wp)
    return _nhwc(_crop(dxp, ph, pw, x.shape[1], x.shape[2]))


_max_pool_backward = torch.ops.aten.max_pool2d_with_indices_backward


@KERNELS.register("MaxPoolGradGrad")
def _max_pool_grad_grad(attrs, x, y, gg):
    idx, (n, c, hp, wp), (_, _, oh, ow, ph, pw) = _argmax_flat(attrs, x, y)
    ggp = _pad(_nchw(gg), ph, pw).reshape(n, c, hp * wp)
    return _nhwc(ggp.gather(2, idx.flatten(2)).view(n, c, oh, ow))


_COUNTS: dict = {}


def _pool_counts(h, w, attrs, oh, ow, ph, pw, like):
    """How many cells of each window lie inside the input (SAME padding does not count),
    as a ``[OH, OW]`` tensor; cached per geometry and device."""
    _, kh, kw, _ = attrs["ksize"]
    s = attrs["strides"]
    key = (h, w, kh, kw, s[1], s[2], oh, ow, ph, pw, like.dtype, like.device)
    counts = _COUNTS.get(key)
    if counts is None:
        per_axis = []
        for size, k, stride, out, pad in ((h, kh, s[1], oh, ph), (w, kw, s[2], ow, pw)):
            start = torch.arange(out, dtype=torch.int64) * stride - pad[0]
            per_axis.append(torch.clamp_max(start + k, size) - torch.clamp_min(start, 0))
        counts = (per_axis[0][:, None] * per_axis[1][None, :]).to(like.dtype).to(like.device)
        if len(_COUNTS) > 256:
            _COUNTS.clear()
        _COUNTS[key] = counts
    return counts


@KERNELS.register("AvgPool")
def _avg_pool(attrs, x):
    s = attrs["strides"]
    h, w = x.shape[1], x.shape[2]
    kh, kw, oh, ow, ph, pw = pool_geometry(h, w, attrs)
    total = F.avg_pool2d(_pad(_pool_input(x), ph, pw), (kh, kw), (s[1], s[2]),
                         divisor_override=1)
    return _nhwc(total / _pool_counts(h, w, attrs, oh, ow, ph, pw, x))


@KERNELS.register("AvgPoolGrad")
def _avg_pool_grad(attrs, sizes, g):
    n, h, w, c = host_ints(sizes)
    s = attrs["strides"]
    kh, kw, oh, ow, ph, pw = pool_geometry(h, w, attrs)
    share = _nchw(g) / _pool_counts(h, w, attrs, oh, ow, ph, pw, g)
    # Spread each share over its window: a transposed depthwise convolution with ones.
    ones = torch.ones((c, 1, kh, kw), dtype=g.dtype, device=g.device)
    hp, wp = h + sum(ph), w + sum(pw)
    extra = (hp - ((oh - 1) * s[1] + kh), wp - ((ow - 1) * s[2] + kw))
    if min(extra) < 0 or extra[0] >= max(s[1], 1) or extra[1] >= max(s[2], 1):
        dxp = _avg_pool_grad_by_taps(share, (n, c, hp, wp), kh, kw, oh, ow, s)
    else:
        dxp = F.conv_transpose2d(share, ones, stride=(s[1], s[2]), groups=c,
                                 output_padding=extra)
    return _nhwc(_crop(dxp, ph, pw, h, w))


def _avg_pool_grad_by_taps(share, shape, kh, kw, oh, ow, s):
    dxp = torch.zeros(shape, dtype=share.dtype, device=share.device)
    for _, _, v in _taps(dxp, kh, kw, oh, ow, s):
        v += share
    return dxp


# --------------------------------------------------------------------------------------------
# Losses and metrics
# --------------------------------------------------------------------------------------------
@KERNELS.register("L2Loss")
def _l2_loss(attrs, x):
    return torch.sum(x * x, dtype=x.dtype) / 2


@KERNELS.register("SoftmaxCrossEntropyWithLogits")
def _xent(attrs, logits, labels):
    axis = attrs["axis"]
    logp = torch.log_softmax(logits, dim=axis)
    loss = -torch.sum(labels * logp, dim=axis, dtype=logits.dtype)
    return loss, torch.exp(logp).sub_(labels)


@KERNELS.register("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_xent(attrs, logits, labels):
    n = logits.shape[-1]
    bad = (labels < 0) | (labels >= n)
    if bool(bad.any()):     # an error on every device (this waits for a GPU, once)
        raise label_error(int(labels[bad].reshape(-1)[0]), n)
    logp = torch.log_softmax(logits, dim=-1)
    idx = labels.long().unsqueeze(-1)
    loss = -logp.gather(-1, idx).squeeze(-1)
    backprop = logp.exp_()     # loss is already gathered: reuse the buffer
    backprop.scatter_add_(-1, idx, torch.full(idx.shape, -1, dtype=logp.dtype,
                                              device=logp.device))
    return loss, backprop


@KERNELS.register("InTopKV2")
def _in_top_k(attrs, predictions, targets, k):
    k = host_int(k)
    n = predictions.shape[1]
    ok = (targets >= 0) & (targets < n)
    idx = torch.where(ok, targets, torch.zeros_like(targets)).long()
    target = predictions.gather(1, idx.unsqueeze(1))
    ok = ok & torch.isfinite(predictions).all(dim=1)
    more = (predictions > target).sum(dim=1)
    return ok & (more < k)


#: Kernels short enough to be one expression.
KERNELS.update({
    "Relu": lambda attrs, x: torch.clamp_min(x, 0),
    "Relu6": lambda attrs, x: torch.clamp(x, 0, 6),
    "Relu6Grad": lambda attrs, g, x: torch.where((x > 0) & (x < 6), g, 0),
    "EluGrad": lambda attrs, g, y: torch.where(y < 0, g * (y + 1), g),
    "SoftplusGrad": lambda attrs, g, x: g * torch.sigmoid(x),
    "Softmax": lambda attrs, x: torch.softmax(x, dim=attrs["axis"]),
    "LogSoftmax": lambda attrs, x: torch.log_softmax(x, dim=attrs["axis"]),
    "BiasAdd": lambda attrs, x, b: torch.add(x, b),
})


def _relu_into(attrs, j, x):
    return torch.clamp_min_(x, 0) if isinstance(x, torch.Tensor) else NotImplemented


def _relu_grad_into(attrs, j, g, y):
    """:func:`_relu_grad` written into the donated ``g`` (``y`` is read while it is written,
    so it is never the target)."""
    if j != 0 or not y.dtype.is_floating_point or g.shape != y.shape or g.dtype != y.dtype:
        return NotImplemented
    return _relu_grad(attrs, g, y, out=g)


#: In-place kernels (see flowkit_torch.kernels_math.INPLACE).
INPLACE = {
    "Relu": _relu_into,
    "ReluGrad": _relu_grad_into,
}


# --------------------------------------------------------------------------------------------
# Fractional pooling (flowkit/ops/fractional_pool_ops.py)
# --------------------------------------------------------------------------------------------
import numpy as np  # noqa: E402 - appended family

from flowkit import plugins  # noqa: E402


@KERNELS.register("FractionalPoolSequences")
def _fractional_pool_sequences(attrs, shape):
    """NumPy's kernel (the sequences are a few host integers), drawing from a NumPy generator
    seeded by this op's torch generator, so a seeded graph repeats its sequences."""
    gen = attrs["rng"]
    seed = int(torch.randint(0, 2 ** 62, (1,), generator=gen, device=gen.device))
    numpy_attrs = dict(attrs, rng=np.random.default_rng(seed))
    seqs = plugins.get_backend("numpy").kernels["FractionalPoolSequences"](
        numpy_attrs, np.asarray(host_ints(shape), np.int64))
    return [torch.as_tensor(s, dtype=torch.int64, device=gen.device) for s in seqs]


def _fractional_pool(attrs, x, rows, cols, reduce):
    ov = attrs["overlapping"]
    n, h, w, c = x.shape
    rr, cc = pooling_intervals(host_ints(rows), h, ov), pooling_intervals(host_ints(cols), w, ov)
    out = torch.empty((n, len(rr), len(cc), c), dtype=x.dtype, device=x.device)
    for i, (r0, r1) in enumerate(rr):
        for j, (c0, c1) in enumerate(cc):
            out[:, i, j] = reduce(x[:, r0:r1, c0:c1].reshape(n, -1, c))
    return out


def _region_mean(region):
    if not region.dtype.is_floating_point:
        return torch.div(region.sum(1), region.shape[1], rounding_mode="trunc").to(region.dtype)
    return region.mean(1)


@KERNELS.register("FractionalMaxPoolWithSequences")
def _fractional_max_pool(attrs, x, rows, cols):
    return _fractional_pool(attrs, x, rows, cols, lambda region: region.amax(1))


@KERNELS.register("FractionalAvgPoolWithSequences")
def _fractional_avg_pool(attrs, x, rows, cols):
    return _fractional_pool(attrs, x, rows, cols, _region_mean)


@KERNELS.register("FractionalMaxPoolGrad")
def _fractional_max_pool_grad(attrs, x, y, g, rows, cols):
    ov = attrs["overlapping"]
    n, h, w, c = x.shape
    rr, cc = pooling_intervals(host_ints(rows), h, ov), pooling_intervals(host_ints(cols), w, ov)
    index, values = [], []
    for i, (r0, r1) in enumerate(rr):
        for j, (c0, c1) in enumerate(cc):
            region = x[:, r0:r1, c0:c1].reshape(n, -1, c)
            # the first maximum, as NumPy's argmax (torch's argmax does not promise which)
            first = (region == region.amax(1, keepdim=True)).to(torch.uint8).argmax(1)
            index.append((r0 + first // (c1 - c0)) * w + c0 + first % (c1 - c0))
            values.append(g[:, i, j])
    dx = torch.zeros((n, h * w, c), dtype=g.dtype, device=g.device)
    if index:
        dx.scatter_add_(1, torch.stack(index, 1), torch.stack(values, 1))
    return dx.reshape(n, h, w, c)


@KERNELS.register("FractionalAvgPoolGrad")
def _fractional_avg_pool_grad(attrs, shape, g, rows, cols):
    ov = attrs["overlapping"]
    n, h, w, c = host_ints(shape)
    rr, cc = pooling_intervals(host_ints(rows), h, ov), pooling_intervals(host_ints(cols), w, ov)
    dx = torch.zeros((n, h, w, c), dtype=g.dtype, device=g.device)
    for i, (r0, r1) in enumerate(rr):
        for j, (c0, c1) in enumerate(cc):
            share = g[:, i, j] / ((r1 - r0) * (c1 - c0))
            dx[:, r0:r1, c0:c1] += share.to(g.dtype)[:, None, None]
    return dx
