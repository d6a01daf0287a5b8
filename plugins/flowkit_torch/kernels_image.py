"""PyTorch kernels of :mod:`flowkit.ops.image_ops` (see the NumPy kernels' docstring: the
resize is ``Wh @ image @ Ww^T`` with per-axis interpolation matrices, computed on the host
in float32 with TF's coordinate mapping)."""
from __future__ import annotations

import numpy as np
import torch

from flowkit.backend import KernelTable
from flowkit_torch._common import host_ints

KERNELS = KernelTable()


def _round_half_up(x):
    """C's ``roundf`` for ``x >= 0`` (halves away from zero), without the float32 rounding
    of ``floor(x + 0.5)``."""
    f = np.floor(x)
    return np.where(x - f >= 0.5, f + 1, f)


def resize_weights(in_size, out_size, attrs, nearest):
    """The ``[out_size, in_size]`` float32 interpolation matrix of one axis."""
    align, half = attrs["align_corners"], attrs["half_pixel_centers"]
    if align and out_size > 1:
        scale = np.float32(in_size - 1) / np.float32(out_size - 1)
    else:
        scale = np.float32(in_size) / np.float32(out_size)
    i = np.arange(out_size, dtype=np.float32)
    w = np.zeros((out_size, in_size), np.float32)
    rows = np.arange(out_size)
    if nearest:
        x = (i + np.float32(0.5)) * scale if half else i * scale
        src = _round_half_up(x) if align else np.floor(x)
        w[rows, np.clip(src.astype(np.int64), 0, in_size - 1)] = 1.0
        return w
    x = (i + np.float32(0.5)) * scale - np.float32(0.5) if half else i * scale
    f = np.floor(x)
    lower = np.maximum(f, 0).astype(np.int64)
    upper = np.minimum(np.ceil(x), in_size - 1).astype(np.int64)
    lerp = (x - f).astype(np.float32)
    np.add.at(w, (rows, lower), 1 - lerp)
    np.add.at(w, (rows, upper), lerp)
    return w


def _w(in_size, out_size, attrs, nearest, like, dtype=torch.float32):
    return torch.from_numpy(resize_weights(in_size, out_size, attrs, nearest)).to(
        device=like.device, dtype=dtype)


def _check_input(images, size):
    if images.shape[1] == 0 or images.shape[2] == 0:
        raise ValueError(f"input image must be of non-zero size, got shape "
                         f"{tuple(images.shape)}")
    size = host_ints(size)
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f"output dimensions must be positive, got size {size}")
    return size


def _apply(x, wh, ww):
    return torch.einsum("oh,bhwc,pw->bopc", wh, x, ww)


@KERNELS.register("ResizeBilinear")
def _resize_bilinear(attrs, images, size):
    oh, ow = _check_input(images, size)
    wh = _w(images.shape[1], oh, attrs, False, images)
    ww = _w(images.shape[2], ow, attrs, False, images)
    return _apply(images.to(torch.float32), wh, ww).contiguous()


@KERNELS.register("ResizeNearestNeighbor")
def _resize_nearest(attrs, images, size):
    oh, ow = _check_input(images, size)
    rows = torch.from_numpy(resize_weights(images.shape[1], oh, attrs, True).argmax(1))
    cols = torch.from_numpy(resize_weights(images.shape[2], ow, attrs, True).argmax(1))
    return images[:, rows.to(images.device)][:, :, cols.to(images.device)].contiguous()


@KERNELS.register("ResizeBilinearGrad")
def _resize_bilinear_grad(attrs, grads, original):
    wh = _w(original.shape[1], grads.shape[1], attrs, False, grads)
    ww = _w(original.shape[2], grads.shape[2], attrs, False, grads)
    return _apply(grads.to(torch.float32), wh.T, ww.T).to(original.dtype).contiguous()


@KERNELS.register("ResizeNearestNeighborGrad")
def _resize_nearest_grad(attrs, grads, size):
    h, w = host_ints(size)
    wh = _w(h, grads.shape[1], attrs, True, grads, grads.dtype)
    ww = _w(w, grads.shape[2], attrs, True, grads, grads.dtype)
    return _apply(grads, wh.T, ww.T).contiguous()
