"""NumPy kernels of :mod:`flowkit.ops.image_ops`.

The resize kernels are separable: each spatial axis gets an ``[out, in]`` weight matrix
(two weights per row for bilinear, a one per row for nearest neighbour), computed in float32
with TF's coordinate mapping; the resize is then ``Wh @ image @ Ww^T`` and its gradient
``Wh^T @ grad @ Ww``.
"""
from __future__ import annotations

import numpy as np

from flowkit.backend import KernelTable, resize_weights

KERNELS = KernelTable()


def _check_input(images, size):
    if any(d == 0 for d in images.shape[1:3]):
        raise ValueError(f"input image must be of non-zero size, got shape {images.shape}")
    size = [int(s) for s in np.reshape(size, -1)]
    if len(size) != 2 or min(size) <= 0:
        raise ValueError(f"output dimensions must be positive, got size {size}")
    return size


def _apply(x, wh, ww):
    return np.einsum("oh,bhwc,pw->bopc", wh, x, ww, optimize=True)


@KERNELS.register("ResizeBilinear")
def _resize_bilinear(attrs, images, size):
    images = np.asarray(images)
    oh, ow = _check_input(images, size)
    wh = resize_weights(images.shape[1], oh, attrs, False)
    ww = resize_weights(images.shape[2], ow, attrs, False)
    return _apply(images.astype(np.float32), wh, ww).astype(np.float32)


@KERNELS.register("ResizeNearestNeighbor")
def _resize_nearest(attrs, images, size):
    images = np.asarray(images)
    oh, ow = _check_input(images, size)
    rows = resize_weights(images.shape[1], oh, attrs, True).argmax(1)
    cols = resize_weights(images.shape[2], ow, attrs, True).argmax(1)
    return images[:, rows][:, :, cols].copy()


@KERNELS.register("ResizeBilinearGrad")
def _resize_bilinear_grad(attrs, grads, original):
    grads, original = np.asarray(grads), np.asarray(original)
    wh = resize_weights(original.shape[1], grads.shape[1], attrs, False)
    ww = resize_weights(original.shape[2], grads.shape[2], attrs, False)
    return _apply(grads.astype(np.float32), wh.T, ww.T).astype(original.dtype)


@KERNELS.register("ResizeNearestNeighborGrad")
def _resize_nearest_grad(attrs, grads, size):
    grads = np.asarray(grads)
    h, w = [int(s) for s in np.reshape(size, -1)]
    wh = resize_weights(h, grads.shape[1], attrs, True)
    ww = resize_weights(w, grads.shape[2], attrs, True)
    return _apply(grads, wh.T.astype(grads.dtype), ww.T.astype(grads.dtype)).astype(grads.dtype)


@KERNELS.register("NonMaxSuppressionWithOverlaps")
def _nms(attrs, overlaps, scores, max_output_size, threshold, score_threshold):
    """Greedy: candidates by decreasing score (ties: lower index first) whose score is above
    ``score_threshold``; one is kept when no kept box overlaps it by more than
    ``threshold``."""
    overlaps, scores = np.asarray(overlaps), np.asarray(scores)
    k, thr = int(max_output_size), float(threshold)
    if k < 0:
        raise ValueError(f"max_output_size must be >= 0, got {k}")
    if overlaps.shape != (scores.shape[0], scores.shape[0]):
        raise ValueError(f"overlaps must be a square matrix with one row per score, got "
                         f"shape {overlaps.shape} for {scores.shape[0]} scores")
    kept = []
    for i in np.argsort(-scores, kind="stable"):
        if len(kept) >= k:
            break
        if scores[i] > score_threshold and all(overlaps[i, j] <= thr for j in kept):
            kept.append(int(i))
    return np.asarray(kept, np.int32)
