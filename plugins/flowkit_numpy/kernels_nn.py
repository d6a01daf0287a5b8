"""NumPy kernels of the neural-network ops (flowkit/ops/nn_ops.py).

Convolutions use im2col: a strided *view* of the padded input holds every window
(``[N, OH, OW, KH, KW, C]``, no copy), and one large matrix product with the filter does the
work. Both backward ops are one matrix product too; the input gradient then adds the columns
back into place with one strided slice per filter tap.

The out= kernels (``OUT``, see :mod:`flowkit.backend`) do the same arithmetic in the same
order into the plan's buffers: the padded input and the im2col matrix go to the plan's
scratch memory (one copy from the strided view), each product goes straight into its
buffer, and the input gradient's taps are added into the buffer clipped to the input (no
padded copy), so a training step allocates almost nothing.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from flowkit.backend import (KernelTable, conv_geometry, label_error, out_array, out_result,
                             pool_geometry)

KERNELS = KernelTable()


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------
def _zero(x):
    return np.zeros((), x.dtype)


def _where_else_zero(cond, g, out=None):
    """``np.where(cond, g, 0)`` (same shape as ``g``), exactly, for float ``g``: multiplies the
    bits of ``g``, read as unsigned integers, by the 0/1 condition, several times faster than
    ``np.where``. Gives ``g`` bit for bit where ``cond`` holds (NaN, inf, -0.0 included) and
    +0.0 elsewhere. ``out`` (an array of ``g``'s shape and dtype) receives the result when
    the fast path applies.

    Example:
        >>> g = np.array([np.nan, -0.0, 2.0, np.inf], np.float32)
        >>> _where_else_zero(np.array([True, True, True, False]), g)
        array([nan, -0.,  2.,  0.], dtype=float32)
    """
    if g.dtype.kind != "f" or np.shape(cond) != g.shape or g.dtype.itemsize not in (2, 4, 8) \
            or np.asarray(cond).dtype != bool:
        return np.where(cond, g, _zero(g))
    u = np.dtype(f"u{g.dtype.itemsize}")
    return np.multiply(np.asarray(g).view(u), cond, dtype=u,
                       out=None if out is None else out.view(u)).view(g.dtype)


def _relu_into(attrs, j, x):
    if type(x) is np.ndarray and x.flags.writeable:
        return np.maximum(x, _zero(x), out=x)
    return np.maximum(x, _zero(x))


def _relu_grad_into(attrs, j, g, y):
    """``ReluGrad`` written into the donated ``g`` or ``y`` (the mask ``y > 0`` is made
    before anything is written)."""
    d = (g, y)[j]
    fits = type(d) is np.ndarray and d.flags.writeable and d.dtype == np.asarray(g).dtype \
        and d.shape == np.shape(g)
    return _where_else_zero(y > 0, g, out=d if fits else None)


def _sigmoid(x):
    # tanh never overflows, unlike 1 / (1 + exp(-x)) for large negative x.
    return np.tanh(x * 0.5) * 0.5 + 0.5


@KERNELS.register("Elu")
def _elu(attrs, x):
    return np.where(x < 0, np.expm1(np.minimum(x, _zero(x))), x)


@KERNELS.register("Softmax")
def _softmax(attrs, x):
    if x.shape[attrs["axis"]] == 0:          # no classes: nothing to normalize (TF: empty)
        return x.copy()
    e = np.exp(x - np.max(x, axis=attrs["axis"], keepdims=True))
    return e / np.sum(e, axis=attrs["axis"], keepdims=True)


def _log_softmax(x, axis):
    if x.shape[axis] == 0:
        return x.copy()
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


# --------------------------------------------------------------------------------------------
# Windows over NHWC images
# --------------------------------------------------------------------------------------------
def _pad(x, pad_h, pad_w, value=0):
    if pad_h == (0, 0) and pad_w == (0, 0):
        return x
    return np.pad(x, ((0, 0), pad_h, pad_w, (0, 0)), constant_values=value)


def _windows(xp, kh, kw, oh, ow, strides, dilations=(1, 1, 1, 1)):
    """A read-only view ``[N, OH, OW, KH, KW, C]`` of every window of the padded input."""
    n, _, _, c = xp.shape
    sn, sh, sw, sc = xp.strides
    return as_strided(xp, (n, oh, ow, kh, kw, c),
                      (sn, sh * strides[1], sw * strides[2], sh * dilations[1],
                       sw * dilations[2], sc), writeable=False)


def _tap(i, j, oh, ow, strides, dilations=(1, 1, 1, 1)):
    """The slice of the padded input that filter tap ``(i, j)`` sees across all outputs."""
    r, c = i * dilations[1], j * dilations[2]
    return (slice(None), slice(r, r + strides[1] * (oh - 1) + 1, strides[1]),
            slice(c, c + strides[2] * (ow - 1) + 1, strides[2]))


# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------
def _im2col(x, kh, kw, attrs):
    """``(columns [N*OH*OW, KH*KW*C], oh, ow)`` for a conv with filter ``kh x kw``."""
    d = attrs["dilations"]
    oh, ow, ph, pw = conv_geometry(x.shape[1], x.shape[2], kh, kw, attrs, d)
    cols = _windows(_pad(x, ph, pw), kh, kw, oh, ow, attrs["strides"], d)
    return cols.reshape(x.shape[0] * oh * ow, kh * kw * x.shape[3]), oh, ow


@KERNELS.register("Conv2D")
def _conv2d(attrs, x, f):
    kh, kw, _, co = f.shape
    cols, oh, ow = _im2col(x, kh, kw, attrs)
    return (cols @ f.reshape(-1, co)).reshape(x.shape[0], oh, ow, co)


@KERNELS.register("Conv2DBackpropFilter")
def _conv2d_backprop_filter(attrs, x, sizes, dy):
    kh, kw, ci, co = (int(v) for v in sizes)
    cols, _, _ = _im2col(x, kh, kw, attrs)
    return (cols.T @ dy.reshape(-1, co)).reshape(kh, kw, ci, co)


@KERNELS.register("Conv2DBackpropInput")
def _conv2d_backprop_input(attrs, sizes, f, dy):
    shape = tuple(int(v) for v in sizes)
    kh, kw, ci, co = f.shape
    d, s = attrs["dilations"], attrs["strides"]
    oh, ow, ph, pw = conv_geometry(shape[1], shape[2], kh, kw, attrs, d)
    cols = (dy.reshape(-1, co) @ f.reshape(-1, co).T).reshape(shape[0], oh, ow, kh, kw, ci)
    dxp = np.zeros((shape[0], shape[1] + sum(ph), shape[2] + sum(pw), ci), dtype=f.dtype)
    for i in range(kh):
        for j in range(kw):
            dxp[_tap(i, j, oh, ow, s, d)] += cols[:, :, :, i, j, :]
    return dxp[:, ph[0]:ph[0] + shape[1], pw[0]:pw[0] + shape[2], :]


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------
def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


@KERNELS.register("MaxPool")
def _max_pool(attrs, x):
    kh, kw, oh, ow, ph, pw = pool_geometry(x.shape[1], x.shape[2], attrs)
    xp = _pad(x, ph, pw, _lowest(x.dtype))
    out = None
    for i in range(kh):                 # elementwise max over the taps: no big temporary
        for j in range(kw):
            v = xp[_tap(i, j, oh, ow, attrs["strides"])]
            out = v.copy() if out is None else np.maximum(out, v, out=out)
    return out


def _argmax_taps(attrs, x):
    """For each output cell, the index ``i * kw + j`` of the first maximum of its window
    (row-major order, as TF breaks ties), plus the geometry."""
    kh, kw, oh, ow, ph, pw = pool_geometry(x.shape[1], x.shape[2], attrs)
    xp = _pad(x, ph, pw, _lowest(x.dtype))
    best = arg = None
    for i in range(kh):
        for j in range(kw):
            v = xp[_tap(i, j, oh, ow, attrs["strides"])]
            if best is None:
                best, arg = v.copy(), np.zeros(v.shape, np.intp)
            else:                      # strictly greater: on ties the earlier tap keeps it
                arg = np.where(v > best, i * kw + j, arg)
                np.maximum(best, v, out=best)
    return arg, (kh, kw, oh, ow, ph, pw)


@KERNELS.register("MaxPoolGrad")
def _max_pool_grad(attrs, x, y, g):
    kh, kw, oh, ow, ph, pw = pool_geometry(x.shape[1], x.shape[2], attrs)
    if g.dtype.kind == "f" and g.dtype == x.dtype and g.shape == (x.shape[0], oh, ow, x.shape[3]):
        out = _max_pool_grad_first_equal(attrs, x, g, kh, kw, oh, ow, ph, pw)
        if out is not None:
            return out
    arg, (kh, kw, oh, ow, ph, pw) = _argmax_taps(attrs, x)
    dxp = np.zeros((x.shape[0], x.shape[1] + sum(ph), x.shape[2] + sum(pw), x.shape[3]),
                   x.dtype)
    zero = _zero(g)
    for i in range(kh):
        for j in range(kw):
            dxp[_tap(i, j, oh, ow, attrs["strides"])] += np.where(arg == i * kw + j, g, zero)
    return dxp[:, ph[0]:ph[0] + x.shape[1], pw[0]:pw[0] + x.shape[2], :]


def _max_pool_grad_first_equal(attrs, x, g, kh, kw, oh, ow, ph, pw):
    """MaxPoolGrad without tap indices: the first tap (row-major) equal to its window's max
    takes the gradient, which is the tap :func:`_argmax_taps` picks when the windows hold no
    NaN (``None`` is returned then, and the caller uses the general code). Windows that
    tile the input exactly (stride = window, no padding) write each cell once, no adds."""
    s = attrs["strides"]
    xp = _pad(x, ph, pw, _lowest(x.dtype))
    taps = [xp[_tap(i, j, oh, ow, s)] for i in range(kh) for j in range(kw)]
    best = taps[0].copy()
    for v in taps[1:]:
        np.maximum(best, v, out=best)
    if best.dtype.kind == "f" and np.isnan(best).any():
        return None
    tiled = (s[1], s[2]) == (kh, kw) and ph == (0, 0) and pw == (0, 0) and \
        x.shape[1] == oh * kh and x.shape[2] == ow * kw
    shape = (x.shape[0], x.shape[1] + sum(ph), x.shape[2] + sum(pw), x.shape[3])
    dxp = np.empty(shape, g.dtype) if tiled else np.zeros(shape, g.dtype)
    free = np.ones(best.shape, bool)            # windows whose max has no tap yet
    for k, v in enumerate(taps):
        hit = np.equal(v, best)
        hit &= free
        free ^= hit
        part = _where_else_zero(hit, g)
        where = _tap(k // kw, k % kw, oh, ow, s)
        if tiled:
            dxp[where] = part
        else:
            dxp[where] += part
    return dxp[:, ph[0]:ph[0] + x.shape[1], pw[0]:pw[0] + x.shape[2], :]


@KERNELS.register("MaxPoolGradGrad")
def _max_pool_grad_grad(attrs, x, y, gg):
    arg, (kh, kw, oh, ow, ph, pw) = _argmax_taps(attrs, x)
    ggp = _pad(gg, ph, pw)
    out = np.zeros(arg.shape, gg.dtype)
    for i in range(kh):
        for j in range(kw):
            out = np.where(arg == i * kw + j, ggp[_tap(i, j, oh, ow, attrs["strides"])], out)
    return out


def _pool_counts(shape, attrs, oh, ow, ph, pw, dtype):
    """How many cells of each window lie inside the input (SAME padding does not count)."""
    _, kh, kw, _ = attrs["ksize"]
    s = attrs["strides"]
    counts = []
    for size, k, stride, out, pad in ((shape[1], kh, s[1], oh, ph), (shape[2], kw, s[2], ow, pw)):
        start = np.arange(out) * stride - pad[0]
        counts.append(np.minimum(start + k, size) - np.maximum(start, 0))
    return (counts[0][:, None] * counts[1][None, :]).astype(dtype)[None, :, :, None]


@KERNELS.register("AvgPool")
def _avg_pool(attrs, x):
    kh, kw, oh, ow, ph, pw = pool_geometry(x.shape[1], x.shape[2], attrs)
    xp = _pad(x, ph, pw)
    total = np.zeros((x.shape[0], oh, ow, x.shape[3]), x.dtype)
    for i in range(kh):
        for j in range(kw):
            total += xp[_tap(i, j, oh, ow, attrs["strides"])]
    return total / _pool_counts(x.shape, attrs, oh, ow, ph, pw, x.dtype)


@KERNELS.register("AvgPoolGrad")
def _avg_pool_grad(attrs, sizes, g):
    shape = tuple(int(v) for v in sizes)
    kh, kw, oh, ow, ph, pw = pool_geometry(shape[1], shape[2], attrs)
    share = g / _pool_counts(shape, attrs, oh, ow, ph, pw, g.dtype)
    dxp = np.zeros((shape[0], shape[1] + sum(ph), shape[2] + sum(pw), shape[3]), g.dtype)
    for i in range(kh):
        for j in range(kw):
            dxp[_tap(i, j, oh, ow, attrs["strides"])] += share
    return dxp[:, ph[0]:ph[0] + shape[1], pw[0]:pw[0] + shape[2], :]


# --------------------------------------------------------------------------------------------
# Losses and metrics
# --------------------------------------------------------------------------------------------
@KERNELS.register("SoftmaxCrossEntropyWithLogits")
def _xent(attrs, logits, labels):
    axis = attrs["axis"]
    logp = _log_softmax(logits, axis)
    loss = -np.sum(labels * logp, axis=axis)
    return np.asarray(loss, logits.dtype), np.exp(logp) - labels


@KERNELS.register("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_xent(attrs, logits, labels):
    n = logits.shape[-1]
    bad = (labels < 0) | (labels >= n)
    if n == 0 and labels.size == 0:
        return np.zeros(labels.shape, logits.dtype), logits.copy()
    if np.any(bad):
        raise label_error(labels[bad].flat[0], n)
    logp = _log_softmax(logits, -1)
    idx = labels[..., None].astype(np.intp)
    loss = -np.take_along_axis(logp, idx, axis=-1)[..., 0]
    backprop = np.exp(logp)
    np.put_along_axis(backprop, idx, np.take_along_axis(backprop, idx, axis=-1) - 1, axis=-1)
    return np.asarray(loss, logits.dtype), backprop


@KERNELS.register("InTopKV2")
def _in_top_k(attrs, predictions, targets, k):
    n = predictions.shape[1]
    ok = (targets >= 0) & (targets < n)
    idx = np.where(ok, targets, 0).astype(np.intp)
    target = predictions[np.arange(len(targets)), idx]
    ok &= np.all(np.isfinite(predictions), axis=1)
    more = np.sum(predictions > target[:, None], axis=1)
    return ok & (more < k)


#: Kernels short enough to be one expression.
KERNELS.update({
    "Relu": lambda attrs, x: np.maximum(x, _zero(x)),
    "ReluGrad": lambda attrs, g, y: _where_else_zero(y > 0, g),
    "Relu6": lambda attrs, x: np.clip(x, _zero(x), np.asarray(6, x.dtype)),
    "Relu6Grad": lambda attrs, g, x: _where_else_zero((x > 0) & (x < 6), g),
    "EluGrad": lambda attrs, g, y: np.where(y < 0, g * (y + 1), g),
    "Softplus": lambda attrs, x: np.logaddexp(_zero(x), x),
    "SoftplusGrad": lambda attrs, g, x: g * _sigmoid(x),
    "LogSoftmax": lambda attrs, x: _log_softmax(x, attrs["axis"]),
    "BiasAdd": lambda attrs, x, b: x + b,
    "BiasAddGrad": lambda attrs, g: np.sum(g.reshape(-1, g.shape[-1]), axis=0),
    "L2Loss": lambda attrs, x: np.asarray(np.sum(np.square(x)) / 2, x.dtype),
})


# --------------------------------------------------------------------------------------------
# out= kernels: the same results, into the plan's buffers (see the module docstring)
# --------------------------------------------------------------------------------------------
def _temp(attrs, key, shape, dtype):
    """A temporary array: the plan's scratch memory when there is one, else new memory."""
    scratch = attrs.get("scratch")
    return np.empty(shape, dtype) if scratch is None else scratch.array(key, shape, dtype)


def _cols_into(attrs, x, kh, kw):
    """``(columns [N*OH*OW, KH*KW*C] in scratch memory, oh, ow)``: :func:`_im2col`, copied
    once from the strided view of the input, padded in scratch memory too."""
    d = attrs["dilations"]
    n, h, w, c = x.shape
    oh, ow, ph, pw = conv_geometry(h, w, kh, kw, attrs, d)
    xp = x
    if ph != (0, 0) or pw != (0, 0):
        xp = _temp(attrs, "pad", (n, h + sum(ph), w + sum(pw), c), x.dtype)
        xp[:, :ph[0]] = 0
        xp[:, ph[0] + h:] = 0
        xp[:, ph[0]:ph[0] + h, :pw[0]] = 0
        xp[:, ph[0]:ph[0] + h, pw[0] + w:] = 0
        xp[:, ph[0]:ph[0] + h, pw[0]:pw[0] + w] = x
    cols = _temp(attrs, "cols", (n * oh * ow, kh * kw * c), x.dtype)
    np.copyto(cols.reshape(n, oh, ow, kh, kw, c),
              _windows(xp, kh, kw, oh, ow, attrs["strides"], d))
    return cols, oh, ow


def _conv2d_out(attrs, out, x, f):
    kh, kw, _, co = f.shape
    if x.dtype != f.dtype:
        return out_result(out, _conv2d(attrs, x, f))
    cols, oh, ow = _cols_into(attrs, x, kh, kw)
    res = out_array(out, (x.shape[0], oh, ow, co), x.dtype)
    np.matmul(cols, f.reshape(-1, co), out=res.reshape(-1, co))
    return res


def _conv2d_backprop_filter_out(attrs, out, x, sizes, dy):
    kh, kw, ci, co = (int(v) for v in sizes)
    if x.dtype != dy.dtype:
        return out_result(out, _conv2d_backprop_filter(attrs, x, sizes, dy))
    cols, _, _ = _cols_into(attrs, x, kh, kw)
    res = out_array(out, (kh, kw, ci, co), x.dtype)
    np.matmul(cols.T, dy.reshape(-1, co), out=res.reshape(-1, co))
    return res


def _clipped(k, d, s, pad, size, o):
    """For filter tap ``k`` along one axis: ``(input slice, output range)`` of the outputs
    whose window puts this tap inside the input (not on the padding)."""
    start = k * d - pad
    lo = 0 if start >= 0 else -(start // s)        # the first o with start + o*s >= 0
    hi = min(o, (size - 1 - start) // s + 1) if size - 1 >= start else 0
    if hi <= lo:
        return None, None
    first = start + lo * s
    return slice(first, first + s * (hi - lo - 1) + 1, s), slice(lo, hi)


def _conv2d_backprop_input_out(attrs, out, sizes, f, dy):
    shape = tuple(int(v) for v in sizes)
    kh, kw, ci, co = f.shape
    if f.dtype != dy.dtype:
        return out_result(out, _conv2d_backprop_input(attrs, sizes, f, dy))
    d, s = attrs["dilations"], attrs["strides"]
    oh, ow, ph, pw = conv_geometry(shape[1], shape[2], kh, kw, attrs, d)
    cols = _temp(attrs, "cols", (shape[0] * oh * ow, kh * kw * ci), f.dtype)
    np.matmul(dy.reshape(-1, co), f.reshape(-1, co).T, out=cols)
    cols = cols.reshape(shape[0], oh, ow, kh, kw, ci)
    res = out_array(out, shape, f.dtype)
    res.fill(0)
    # The taps in the same order as _conv2d_backprop_input, each cell summed from 0 in that
    # order (the padding's cells, dropped there at the end, are simply not written here).
    for i in range(kh):
        rows, ro = _clipped(i, d[1], s[1], ph[0], shape[1], oh)
        if rows is None:
            continue
        for j in range(kw):
            cs, co_ = _clipped(j, d[2], s[2], pw[0], shape[2], ow)
            if cs is not None:
                res[:, rows, cs, :] += cols[:, ro, co_, i, j, :]
    return res


def _max_pool_out(attrs, out, x):
    kh, kw, oh, ow, ph, pw = pool_geometry(x.shape[1], x.shape[2], attrs)
    xp = _pad(x, ph, pw, _lowest(x.dtype))
    res = out_array(out, (x.shape[0], oh, ow, x.shape[3]), x.dtype)
    taps = [xp[_tap(i, j, oh, ow, attrs["strides"])] for i in range(kh) for j in range(kw)]
    if len(taps) == 1:
        np.copyto(res, taps[0])
        return res
    np.maximum(taps[0], taps[1], out=res)       # = copy of the first, then the maxima
    for v in taps[2:]:
        np.maximum(res, v, out=res)
    return res


def _max_pool_grad_out(attrs, out, x, y, g):
    """MaxPoolGrad into the buffer, for windows that tile the input (stride = window, no
    padding: each cell gets the gradient of its window or 0) without NaN; the op's kernel
    otherwise."""
    kh, kw, oh, ow, ph, pw = pool_geometry(x.shape[1], x.shape[2], attrs)
    s = attrs["strides"]
    tiled = (s[1], s[2]) == (kh, kw) and ph == (0, 0) and pw == (0, 0) and \
        x.shape[1] == oh * kh and x.shape[2] == ow * kw
    if not (tiled and g.dtype.kind == "f" and g.dtype == x.dtype and g.dtype.itemsize in
            (2, 4, 8) and g.shape == (x.shape[0], oh, ow, x.shape[3])):
        return out_result(out, _max_pool_grad(attrs, x, y, g))
    taps = [x[_tap(i, j, oh, ow, s)] for i in range(kh) for j in range(kw)]
    best = _temp(attrs, "best", g.shape, x.dtype)
    if len(taps) == 1:
        np.copyto(best, taps[0])
    else:
        np.maximum(taps[0], taps[1], out=best)
        for v in taps[2:]:
            np.maximum(best, v, out=best)
    if np.isnan(best).any():
        return out_result(out, _max_pool_grad(attrs, x, y, g))
    res = out_array(out, x.shape, g.dtype)
    free = _temp(attrs, "free", g.shape, bool)
    free.fill(True)                     # windows whose max has no tap yet
    hit = _temp(attrs, "hit", g.shape, bool)
    u = np.dtype(f"u{g.dtype.itemsize}")
    gu = g.view(u)
    for k, v in enumerate(taps):
        np.equal(v, best, out=hit)
        hit &= free
        free ^= hit
        np.multiply(gu, hit, dtype=u, out=res[_tap(k // kw, k % kw, oh, ow, s)].view(u))
    return res


def _relu_out(attrs, out, x):
    if type(x) is not np.ndarray:
        return out_result(out, np.maximum(x, _zero(x)))
    return np.maximum(x, _zero(x), out=out_array(out, x.shape, x.dtype))


def _relu_grad_out(attrs, out, g, y):
    if type(g) is not np.ndarray or g.dtype.kind != "f" or np.shape(y) != g.shape or \
            g.dtype.itemsize not in (2, 4, 8):
        return out_result(out, _where_else_zero(y > 0, g))
    mask = _temp(attrs, "mask", g.shape, bool)
    np.greater(y, 0, out=mask)
    res = out_array(out, g.shape, g.dtype)
    _where_else_zero(mask, g, out=res)          # writes res through a view of its bits
    return res


def _bias_add_out(attrs, out, x, b):
    if type(x) is not np.ndarray or type(b) is not np.ndarray or x.dtype != b.dtype:
        return out_result(out, x + b)
    return np.add(x, b, out=out_array(out, x.shape, x.dtype))


#: out= kernels (see flowkit.backend and the module docstring).
OUT = {
    "Conv2D": _conv2d_out,
    "Conv2DBackpropFilter": _conv2d_backprop_filter_out,
    "Conv2DBackpropInput": _conv2d_backprop_input_out,
    "MaxPool": _max_pool_out,
    "MaxPoolGrad": _max_pool_grad_out,
    "Relu": _relu_out,
    "ReluGrad": _relu_grad_out,
    "BiasAdd": _bias_add_out,
}


#: In-place kernels (see flowkit_numpy.kernels_math.INPLACE).
INPLACE = {
    "Relu": _relu_into,
    "ReluGrad": _relu_grad_into,
}
