"""Torch kernels of the neural-network ops (flowkit/ops/nn_ops.py).

TF's layouts are kept at the boundary: images are NHWC and filters HWIO. Kernels view them
as PyTorch's NCHW/OIHW with ``permute`` (an NHWC tensor seen as NCHW is what PyTorch calls
"channels last", which cuDNN runs without a copy) and pad explicitly with ``F.pad`` for
TF's ``SAME``, whose odd pixel goes at the bottom/right where PyTorch would split evenly.
Average pools divide by the number of *valid* cells of each window, as TF does.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from flowkit.ops.nn_ops import conv_output_size
from flowkit_torch._common import host_int, host_ints


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------
def _softplus(attrs, x):
    # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)): no overflow, no threshold switch.
    return torch.clamp_min(x, 0) + torch.log1p(torch.exp(-torch.abs(x)))


def _elu(attrs, x):
    return torch.where(x < 0, torch.expm1(torch.clamp_max(x, 0)), x)


def _bias_add_grad(attrs, g):
    return torch.sum(g.reshape(-1, g.shape[-1]), dim=0, dtype=g.dtype)


# --------------------------------------------------------------------------------------------
# Geometry: NHWC <-> NCHW, TF padding
# --------------------------------------------------------------------------------------------
def _geometry(h, w, kh, kw, attrs, dilations=(1, 1, 1, 1)):
    """``(oh, ow, (top, bottom), (left, right))`` of a convolution or pool."""
    s, p = attrs["strides"], attrs["padding"]
    oh, top, bottom = conv_output_size(h, kh, s[1], dilations[1], p)
    ow, left, right = conv_output_size(w, kw, s[2], dilations[2], p)
    return oh, ow, (top, bottom), (left, right)


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
def _conv2d(attrs, x, f):
    kh, kw = f.shape[0], f.shape[1]
    d, s = attrs["dilations"], attrs["strides"]
    _, _, ph, pw = _geometry(x.shape[1], x.shape[2], kh, kw, attrs, d)
    xp = _pad(_nchw(x), ph, pw)
    y = F.conv2d(xp, _filter_oihw(f), stride=(s[1], s[2]), dilation=(d[1], d[2]))
    return _nhwc(y)


def _conv2d_backprop_input(attrs, sizes, f, dy):
    n, h, w, c = host_ints(sizes)
    kh, kw = f.shape[0], f.shape[1]
    d, s = attrs["dilations"], attrs["strides"]
    _, _, ph, pw = _geometry(h, w, kh, kw, attrs, d)
    padded = (n, c, h + sum(ph), w + sum(pw))
    dxp = torch.nn.grad.conv2d_input(padded, _filter_oihw(f), _nchw(dy), stride=(s[1], s[2]),
                                     dilation=(d[1], d[2]))
    return _nhwc(_crop(dxp, ph, pw, h, w))


def _conv2d_backprop_filter(attrs, x, sizes, dy):
    kh, kw, ci, co = host_ints(sizes)
    d, s = attrs["dilations"], attrs["strides"]
    _, _, ph, pw = _geometry(x.shape[1], x.shape[2], kh, kw, attrs, d)
    xp = _pad(_nchw(x), ph, pw)
    dw = torch.nn.grad.conv2d_weight(xp, (co, ci, kh, kw), _nchw(dy), stride=(s[1], s[2]),
                                     dilation=(d[1], d[2]))
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
    _, kh, kw, _ = attrs["ksize"]
    oh, ow, ph, pw = _geometry(x.shape[1], x.shape[2], kh, kw, attrs)
    xp = _pad(_pool_input(x), ph, pw, _lowest(x.dtype))
    return xp, (kh, kw, oh, ow, ph, pw)


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
    _, kh, kw, _ = attrs["ksize"]
    oh, ow, ph, pw = _geometry(x.shape[1], x.shape[2], kh, kw, attrs)
    cached = getattr(y, "_fk_argmax", None)
    if cached is not None and cached[0] is x and cached[1] == _pool_key(attrs):
        return cached[2], cached[3], (kh, kw, oh, ow, ph, pw)
    xp, geo = _max_pool_padded(attrs, x)
    s = attrs["strides"]
    _, idx = F.max_pool2d(xp, (kh, kw), (s[1], s[2]), return_indices=True)
    return idx, xp.shape, geo


def _max_pool_grad(attrs, x, y, g):
    idx, (n, c, hp, wp), (_, _, _, _, ph, pw) = _argmax_flat(attrs, x, y)
    dxp = torch.zeros((n, c, hp * wp), dtype=g.dtype, device=g.device)
    dxp.scatter_add_(2, idx.flatten(2), _nchw(g).flatten(2))
    return _nhwc(_crop(dxp.view(n, c, hp, wp), ph, pw, x.shape[1], x.shape[2]))


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


def _avg_pool(attrs, x):
    _, kh, kw, _ = attrs["ksize"]
    s = attrs["strides"]
    h, w = x.shape[1], x.shape[2]
    oh, ow, ph, pw = _geometry(h, w, kh, kw, attrs)
    total = F.avg_pool2d(_pad(_pool_input(x), ph, pw), (kh, kw), (s[1], s[2]),
                         divisor_override=1)
    return _nhwc(total / _pool_counts(h, w, attrs, oh, ow, ph, pw, x))


def _avg_pool_grad(attrs, sizes, g):
    n, h, w, c = host_ints(sizes)
    _, kh, kw, _ = attrs["ksize"]
    s = attrs["strides"]
    oh, ow, ph, pw = _geometry(h, w, kh, kw, attrs)
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
def _l2_loss(attrs, x):
    return torch.sum(x * x, dtype=x.dtype) / 2


def _xent(attrs, logits, labels):
    axis = attrs["axis"]
    logp = torch.log_softmax(logits, dim=axis)
    loss = -torch.sum(labels * logp, dim=axis, dtype=logits.dtype)
    return loss, torch.exp(logp).sub_(labels)


def _sparse_xent(attrs, logits, labels):
    n = logits.shape[-1]
    bad = (labels < 0) | (labels >= n)
    if bool(bad.any()):     # an error on every device (this waits for a GPU, once)
        raise ValueError(f"Received a label value of {int(labels[bad].reshape(-1)[0])} which "
                         f"is outside the valid range of [0, {n}).")
    logp = torch.log_softmax(logits, dim=-1)
    idx = labels.long().unsqueeze(-1)
    loss = -logp.gather(-1, idx).squeeze(-1)
    backprop = torch.exp(logp)
    backprop.scatter_add_(-1, idx, torch.full(idx.shape, -1, dtype=logp.dtype,
                                              device=logp.device))
    return loss, backprop


def _in_top_k(attrs, predictions, targets, k):
    k = host_int(k)
    n = predictions.shape[1]
    ok = (targets >= 0) & (targets < n)
    idx = torch.where(ok, targets, torch.zeros_like(targets)).long()
    target = predictions.gather(1, idx.unsqueeze(1))
    ok = ok & torch.isfinite(predictions).all(dim=1)
    more = (predictions > target).sum(dim=1)
    return ok & (more < k)


KERNELS = {
    "Relu": lambda attrs, x: torch.clamp_min(x, 0),
    "ReluGrad": lambda attrs, g, y: torch.where(y > 0, g, 0),
    "Relu6": lambda attrs, x: torch.clamp(x, 0, 6),
    "Relu6Grad": lambda attrs, g, x: torch.where((x > 0) & (x < 6), g, 0),
    "Elu": _elu,
    "EluGrad": lambda attrs, g, y: torch.where(y < 0, g * (y + 1), g),
    "Softplus": _softplus,
    "SoftplusGrad": lambda attrs, g, x: g * torch.sigmoid(x),
    "Softmax": lambda attrs, x: torch.softmax(x, dim=attrs["axis"]),
    "LogSoftmax": lambda attrs, x: torch.log_softmax(x, dim=attrs["axis"]),
    "BiasAdd": lambda attrs, x, b: torch.add(x, b),
    "BiasAddGrad": _bias_add_grad,
    "Conv2D": _conv2d,
    "Conv2DBackpropInput": _conv2d_backprop_input,
    "Conv2DBackpropFilter": _conv2d_backprop_filter,
    "MaxPool": _max_pool,
    "MaxPoolGrad": _max_pool_grad,
    "MaxPoolGradGrad": _max_pool_grad_grad,
    "AvgPool": _avg_pool,
    "AvgPoolGrad": _avg_pool_grad,
    "L2Loss": _l2_loss,
    "InTopKV2": _in_top_k,
    "SoftmaxCrossEntropyWithLogits": _xent,
    "SparseSoftmaxCrossEntropyWithLogits": _sparse_xent,
}
