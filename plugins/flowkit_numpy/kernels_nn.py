"""NumPy kernels of the neural-network ops (flowkit/ops/nn_ops.py).

Convolutions use im2col: a strided *view* of the padded input holds every window
(``[N, OH, OW, KH, KW, C]``, no copy), copied once into a matrix, and a large matrix product
with the filter does the work, chunk of images after chunk (the chunk's columns are still in
the cache when the product reads them). The filter gradient is one product of the whole
im2col matrix; the input gradient is one product per chunk, whose columns are then added
back into place with one strided slice per filter tap.

The out= kernels (``OUT``, see :mod:`flowkit.backend`) are the same functions, writing into
the plan's buffers: the padded input and the im2col matrix go to the plan's scratch memory,
each product goes straight into its buffer, and the input gradient's taps are added into the
buffer clipped to the input (no padded copy), so a training step allocates almost nothing.
Once a filter gradient has asked for it, the forward convolution keeps its whole im2col
matrix in the scratch memory, with a copy of its input; the filter gradient uses it when its
input has the same bits, instead of copying the windows again.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from flowkit.backend import (KernelTable, conv_geometry, label_error, out_array, out_result,
                             pool_geometry, pooling_intervals)

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
    return _softmax_parts(x, axis, softmax=False)[0]


def _softmax_parts(x, axis, softmax=True):
    """``(log_softmax(x), softmax(x) or None)`` along ``axis``, as TF's cross-entropy kernels
    compute them: ``shifted = x - max``, ``e = exp(shifted)``, ``s = sum(e)``; the
    log-softmax is ``shifted - log(s)`` and the softmax ``e / s`` (a division, not a second
    ``exp``: on a language model's ``[1120, 10000]`` logits about a quarter of the kernel)."""
    if x.shape[axis] == 0:
        return x.copy(), x.copy()
    shifted = np.subtract(x, np.max(x, axis=axis, keepdims=True))
    e = np.exp(shifted)
    s = np.sum(e, axis=axis, keepdims=True)
    logp = np.subtract(shifted, np.log(s), out=shifted)
    return logp, np.divide(e, s, out=e) if softmax else None


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
#: A convolution makes and multiplies its im2col matrix in chunks of whole images, about this
#: many bytes of columns each: a chunk is still in the cache when its product reads it (W4's
#: second convolution, 64 images of 14x14x32 and a 5x5 filter: a chunk of 8 images; the input
#: gradient took 15 ms instead of 23 ms, docs/performance.md). The chunks depend on the
#: shapes only, so the op's kernel and its out= form compute the same products, bit for bit.
_CHUNK_BYTES = 4 << 20


def _chunk(n, rows, cols, itemsize):
    """Images per chunk, for ``rows`` rows of ``cols`` columns of the im2col matrix each."""
    return max(1, min(n, _CHUNK_BYTES // max(rows * cols * itemsize, 1)))


def _temp(attrs, key, shape, dtype):
    """A temporary array: the plan's scratch memory when there is one, else new memory."""
    scratch = attrs.get("scratch")
    return np.empty(shape, dtype) if scratch is None else scratch.array(key, shape, dtype)


def _contiguous(res):
    """``res``, or a new array of its shape when it is not C-contiguous (a product cannot
    be written through a reshaped copy); :func:`_settle` copies it back."""
    return res if res.flags.c_contiguous else np.empty(res.shape, res.dtype)


def _settle(res, target):
    if target is not res:
        np.copyto(res, target)
    return res


def _padded(attrs, x, ph, pw):
    """``x`` with ``ph``/``pw`` rows/columns of zeros around it (scratch memory when there
    is a scratch), or ``x`` itself when there is nothing to pad."""
    if ph == (0, 0) and pw == (0, 0):
        return x
    n, h, w, c = x.shape
    xp = _temp(attrs, "pad", (n, h + sum(ph), w + sum(pw), c), x.dtype)
    xp[:, :ph[0]] = 0
    xp[:, ph[0] + h:] = 0
    xp[:, ph[0]:ph[0] + h, :pw[0]] = 0
    xp[:, ph[0]:ph[0] + h, pw[0] + w:] = 0
    xp[:, ph[0]:ph[0] + h, pw[0]:pw[0] + w] = x
    return xp


def _columns_into(attrs, cols, x, kh, kw, geometry):
    """Writes the im2col matrix of the images ``x`` (``[N*OH*OW, KH*KW*C]``) into ``cols``:
    one copy from the strided view of every window of the padded input."""
    oh, ow, ph, pw = geometry
    np.copyto(cols.reshape(x.shape[0], oh, ow, kh, kw, x.shape[3]),
              _windows(_padded(attrs, x, ph, pw), kh, kw, oh, ow, attrs["strides"],
                       attrs["dilations"]))


def _columns_key(x, kh, kw, attrs):
    """The scratch key of the im2col matrix of an input of ``x``'s shape and dtype."""
    return ("columns", x.shape, x.dtype.str, kh, kw, tuple(attrs["strides"]),
            tuple(attrs["dilations"]), str(attrs["padding"]))


def _same_bits(a, b):
    u = np.dtype(f"u{a.dtype.itemsize}")
    return a.shape == b.shape and a.dtype == b.dtype and np.array_equal(a.view(u), b.view(u))


def _kept_columns(attrs, x, kh, kw, rows):
    """The forward convolution's im2col matrix of ``x`` when the plan's scratch still holds
    it (``Conv2D`` keeps it there, with a copy of its input, once a filter gradient has asked
    for it; the copy must equal ``x`` bit for bit), else ``None``."""
    scratch = attrs.get("scratch")
    if scratch is None or x.dtype.itemsize not in (1, 2, 4, 8):
        return None
    key = _columns_key(x, kh, kw, attrs)
    saved = scratch.kept(key)
    if saved is None:
        scratch.keep(("wanted",) + key, True)       # the forward keeps them from now on
        return None
    if not _same_bits(saved, x):
        return None
    return scratch.array(key, (rows, kh * kw * x.shape[3]), x.dtype)


def _conv2d_out(attrs, out, x, f):
    """Conv2D into ``out`` when it fits: per chunk of images (see :data:`_CHUNK_BYTES`),
    im2col as one copy from a strided view, then one product. With a plan's scratch, the
    columns of all the images are kept there for the filter gradient once it asked."""
    kh, kw, _, co = f.shape
    n, h, w, c = x.shape
    geometry = conv_geometry(h, w, kh, kw, attrs, attrs["dilations"])
    oh, ow = geometry[:2]
    res = out_array(out, (n, oh, ow, co), np.result_type(x.dtype, f.dtype))
    target = _contiguous(res)
    rows, k = oh * ow, kh * kw * c
    step = _chunk(n, rows, k, x.dtype.itemsize)
    scratch = attrs.get("scratch")
    key = _columns_key(x, kh, kw, attrs)
    keep = scratch is not None and scratch.kept(("wanted",) + key) is not None
    if keep:
        scratch.keep(key, None)                     # being overwritten
        cols = scratch.array(key, (n * rows, k), x.dtype)
    else:
        cols = _temp(attrs, "cols", (step * rows, k), x.dtype)
    fm = f.reshape(-1, co)
    for b0 in range(0, n, step):
        b1 = min(n, b0 + step)
        part = cols[b0 * rows:b1 * rows] if keep else cols[:(b1 - b0) * rows]
        _columns_into(attrs, part, x[b0:b1], kh, kw, geometry)
        np.matmul(part, fm, out=target[b0:b1].reshape(-1, co))
    if keep:
        copy = scratch.array(key + ("input",), x.shape, x.dtype)
        np.copyto(copy, x)
        scratch.keep(key, copy)
    return _settle(res, target)


def _conv2d_backprop_filter_out(attrs, out, x, sizes, dy):
    """The filter gradient: one product of the im2col matrix (the forward's, when the plan's
    scratch kept it for this very input) with the output gradient."""
    kh, kw, ci, co = (int(v) for v in sizes)
    n, h, w, c = x.shape
    geometry = conv_geometry(h, w, kh, kw, attrs, attrs["dilations"])
    rows = n * geometry[0] * geometry[1]
    res = out_array(out, (kh, kw, ci, co), np.result_type(x.dtype, dy.dtype))
    target = _contiguous(res)
    cols = _kept_columns(attrs, x, kh, kw, rows)
    if cols is None:
        scratch = attrs.get("scratch")
        key = _columns_key(x, kh, kw, attrs)
        if scratch is not None:
            scratch.keep(key, None)
        cols = _temp(attrs, key, (rows, kh * kw * c), x.dtype)
        _columns_into(attrs, cols, x, kh, kw, geometry)
    np.matmul(cols.T, dy.reshape(-1, co), out=target.reshape(-1, co))
    return _settle(res, target)


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
    """The input gradient, per chunk of images: one product gives each output's columns,
    whose taps are then added into the input cells they came from (clipped to the input:
    padding cells are never written), tap after tap, each cell summed from 0."""
    shape = tuple(int(v) for v in sizes)
    kh, kw, ci, co = f.shape
    d, s = attrs["dilations"], attrs["strides"]
    n = shape[0]
    oh, ow, ph, pw = conv_geometry(shape[1], shape[2], kh, kw, attrs, d)
    dtype = np.result_type(f.dtype, dy.dtype)
    res = out_array(out, shape, dtype)
    target = _contiguous(res)
    target.fill(0)
    taps = []
    for i in range(kh):
        rs, ro = _clipped(i, d[1], s[1], ph[0], shape[1], oh)
        for j in range(kw):
            cs, oc = _clipped(j, d[2], s[2], pw[0], shape[2], ow)
            if rs is not None and cs is not None:
                taps.append((i, j, rs, ro, cs, oc))
    rows = oh * ow
    step = _chunk(n, rows, kh * kw * ci, dtype.itemsize)
    cols = _temp(attrs, "cols", (step * rows, kh * kw * ci), dtype)
    dy2, ft = dy.reshape(n * rows, co), f.reshape(-1, co).T
    for b0 in range(0, n, step):
        b1 = min(n, b0 + step)
        part = cols[:(b1 - b0) * rows]
        np.matmul(dy2[b0 * rows:b1 * rows], ft, out=part)
        part = part.reshape(b1 - b0, oh, ow, kh, kw, ci)
        cells = target[b0:b1]
        for i, j, rs, ro, cs, oc in taps:
            cells[:, rs, cs, :] += part[:, ro, oc, i, j, :]
    return _settle(res, target)


@KERNELS.register("Conv2D")
def _conv2d(attrs, x, f):
    return _conv2d_out(attrs, None, x, f)


@KERNELS.register("Conv2DBackpropFilter")
def _conv2d_backprop_filter(attrs, x, sizes, dy):
    return _conv2d_backprop_filter_out(attrs, None, x, sizes, dy)


@KERNELS.register("Conv2DBackpropInput")
def _conv2d_backprop_input(attrs, sizes, f, dy):
    return _conv2d_backprop_input_out(attrs, None, sizes, f, dy)


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
    logp, p = _softmax_parts(logits, axis)
    loss = -np.sum(labels * logp, axis=axis)
    return np.asarray(loss, logits.dtype), p - labels if p.shape != np.shape(labels) else \
        np.subtract(p, labels, out=p)


@KERNELS.register("SparseSoftmaxCrossEntropyWithLogits")
def _sparse_xent(attrs, logits, labels):
    n = logits.shape[-1]
    bad = (labels < 0) | (labels >= n)
    if n == 0 and labels.size == 0:
        return np.zeros(labels.shape, logits.dtype), logits.copy()
    if np.any(bad):
        raise label_error(labels[bad].flat[0], n)
    logp, backprop = _softmax_parts(logits, -1)
    idx = labels[..., None].astype(np.intp)
    loss = -np.take_along_axis(logp, idx, axis=-1)[..., 0]
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
    free = _temp(attrs, "free", g.shape, bool)      # windows whose max has no tap yet
    hit = _temp(attrs, "hit", g.shape, bool)
    u = np.dtype(f"u{g.dtype.itemsize}")
    gu = g.view(u)
    for k, v in enumerate(taps):
        np.equal(v, best, out=hit)
        if k == 0:
            np.logical_not(hit, out=free)
        else:
            hit &= free
            if k < len(taps) - 1:
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


#: The filter gradient's output is small (a 5x5x1x32 filter: 800 values) but it reads the
#: plan's scratch (the forward's im2col matrix): it asks for its out= call whatever the size.
_conv2d_backprop_filter_out.any_size = True

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


# --------------------------------------------------------------------------------------------
# Fractional pooling (flowkit/ops/fractional_pool_ops.py)
# --------------------------------------------------------------------------------------------
import flowkit  # noqa: E402 - appended family; kernels raise TF's run-time errors


def _fractional_sequence(rng, n, out, pseudo_random):
    """Boundaries ``0 = a[0] < ... < a[out] = n`` with steps of ``n // out`` or one more."""
    if pseudo_random:
        alpha, u = n / out, rng.uniform(0.0, 1.0)
        seq = np.ceil(alpha * (np.arange(out + 1) + u)).astype(np.int64)
        seq -= seq[0]
    else:
        steps = np.full(out, n // out, np.int64)
        steps[rng.permutation(out)[:n - (n // out) * out]] += 1
        seq = np.concatenate([[0], np.cumsum(steps)]).astype(np.int64)
    seq[-1] = n
    return seq


@KERNELS.register("FractionalPoolSequences")
def _fractional_pool_sequences(attrs, shape):
    dims, ratio = [int(d) for d in np.asarray(shape)], attrs["pooling_ratio"]
    kind = "max" if attrs["op_type"] == "FractionalMaxPool" else "average"
    if ratio[0] != 1.0 or ratio[3] != 1.0:
        raise flowkit.errors.UnimplementedError(
            None, None, f"Fractional {kind} pooling is not yet supported on the batch nor "
            f"channel dimension (pooling_ratio={list(ratio)}).")
    if not attrs["deterministic"] and (attrs["seed"] or attrs["seed2"]):
        raise flowkit.errors.InvalidArgumentError(
            None, None, "Both seed and seed2 should be 0 if deterministic is false (got "
            f"seed={attrs['seed']}, seed2={attrs['seed2']}).")
    for k in (1, 2):
        if dims[k] < ratio[k]:
            raise flowkit.errors.InvalidArgumentError(
                None, None, f"Pooling ratio is higher than input dimension size for dimension "
                f"{k}. Input dim size: {dims[k]} pooling ratio: {ratio[k]:g}")
    key = (dims[1], dims[2])
    if attrs["deterministic"] and key in attrs["state"]:
        return [s.copy() for s in attrs["state"][key]]
    seqs = [_fractional_sequence(attrs["rng"], dims[k], int(np.floor(dims[k] / ratio[k])),
                                 attrs["pseudo_random"]) for k in (1, 2)]
    if attrs["deterministic"]:
        attrs["state"][key] = [s.copy() for s in seqs]
    return seqs


def _fractional_pool(attrs, x, rows, cols, reduce):
    ov = attrs["overlapping"]
    rr, cc = pooling_intervals(rows, x.shape[1], ov), pooling_intervals(cols, x.shape[2], ov)
    out = np.empty((x.shape[0], len(rr), len(cc), x.shape[3]), x.dtype)
    for i, (r0, r1) in enumerate(rr):
        for j, (c0, c1) in enumerate(cc):
            out[:, i, j] = reduce(x[:, r0:r1, c0:c1].reshape(x.shape[0], -1, x.shape[3]))
    return out


def _region_mean(region):
    # integers: the sum divided by the count, truncated (as TF's integer division)
    if region.dtype.kind in "iu":
        return np.trunc(region.sum(1) / region.shape[1]).astype(region.dtype)
    return region.mean(1)


@KERNELS.register("FractionalMaxPoolWithSequences")
def _fractional_max_pool(attrs, x, rows, cols):
    return _fractional_pool(attrs, x, rows, cols, lambda region: region.max(1))


@KERNELS.register("FractionalAvgPoolWithSequences")
def _fractional_avg_pool(attrs, x, rows, cols):
    return _fractional_pool(attrs, x, rows, cols, _region_mean)


@KERNELS.register("FractionalMaxPoolGrad")
def _fractional_max_pool_grad(attrs, x, y, g, rows, cols):
    """Each output's gradient to the first maximum of its region (row-major order)."""
    ov = attrs["overlapping"]
    n, h, w, c = x.shape
    rr, cc = pooling_intervals(rows, h, ov), pooling_intervals(cols, w, ov)
    dx = np.zeros((n, h * w, c), g.dtype)
    batch, chan = np.arange(n)[:, None], np.arange(c)[None, :]
    for i, (r0, r1) in enumerate(rr):
        for j, (c0, c1) in enumerate(cc):
            k = x[:, r0:r1, c0:c1].reshape(n, -1, c).argmax(1)          # [n, c]
            flat = (r0 + k // (c1 - c0)) * w + c0 + k % (c1 - c0)
            np.add.at(dx, (batch, flat, chan), g[:, i, j])
    return dx.reshape(x.shape)


@KERNELS.register("FractionalAvgPoolGrad")
def _fractional_avg_pool_grad(attrs, shape, g, rows, cols):
    """Each output's gradient divided evenly over its region."""
    ov = attrs["overlapping"]
    n, h, w, c = (int(d) for d in np.asarray(shape))
    rr, cc = pooling_intervals(rows, h, ov), pooling_intervals(cols, w, ov)
    dx = np.zeros((n, h, w, c), g.dtype)
    for i, (r0, r1) in enumerate(rr):
        for j, (c0, c1) in enumerate(cc):
            share = g[:, i, j] / ((r1 - r0) * (c1 - c0))
            dx[:, r0:r1, c0:c1] += share.astype(g.dtype)[:, None, None]
    return dx
