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


# --------------------------------------------------------------------------------------------
# flowkit.ops.image_detect_ops
# --------------------------------------------------------------------------------------------
def _pairwise_iou(boxes):
    """IoU of every pair of ``[n, 4]`` boxes (any corner order; 0 with an empty box)."""
    ymin, ymax = np.minimum(boxes[:, 0], boxes[:, 2]), np.maximum(boxes[:, 0], boxes[:, 2])
    xmin, xmax = np.minimum(boxes[:, 1], boxes[:, 3]), np.maximum(boxes[:, 1], boxes[:, 3])
    area = (ymax - ymin) * (xmax - xmin)
    ih = np.minimum(ymax[:, None], ymax[None]) - np.maximum(ymin[:, None], ymin[None])
    iw = np.minimum(xmax[:, None], xmax[None]) - np.maximum(xmin[:, None], xmin[None])
    inter = np.maximum(ih, 0) * np.maximum(iw, 0)
    union = area[:, None] + area[None] - inter
    valid = (area[:, None] > 0) & (area[None] > 0) & (union > 0)
    return np.where(valid, inter / np.where(valid, union, 1), 0)


def _greedy(iou, order, limit, threshold):
    """Greedy NMS over ``order`` (best first): the kept positions, at most ``limit``."""
    kept = []
    for i in order:
        if len(kept) >= limit:
            break
        if all(iou[i, j] <= threshold for j in kept):
            kept.append(int(i))
    return kept


@KERNELS.register("CombinedNonMaxSuppression")
def _combined_nms(attrs, boxes, scores, per_class, total, iou_threshold, score_threshold):
    boxes, scores = np.asarray(boxes, np.float32), np.asarray(scores, np.float32)
    per_class, total, thr = int(per_class), int(total), float(iou_threshold)
    if not 0.0 <= thr <= 1.0:
        raise ValueError(f"iou_threshold must be in [0, 1], got {thr}")
    if per_class <= 0 or total <= 0:
        raise ValueError(f"max_output_size_per_class ({per_class}) and max_total_size "
                         f"({total}) must be > 0")
    batch, _, q, _ = boxes.shape
    classes = scores.shape[2]
    size = min(per_class * classes, total) if attrs["pad_per_class"] else total
    out = (np.zeros((batch, size, 4), np.float32), np.zeros((batch, size), np.float32),
           np.zeros((batch, size), np.float32), np.zeros((batch,), np.int32))
    for b in range(batch):
        ious = [_pairwise_iou(boxes[b, :, j]) for j in range(q)]
        found = []                                  # (score, class, box index)
        for c in range(classes):
            sc = scores[b, :, c]
            order = [i for i in np.argsort(-sc, kind="stable") if sc[i] > score_threshold]
            found += [(sc[i], c, i) for i in _greedy(ious[c if q > 1 else 0], order,
                                                     per_class, thr)]
        found.sort(key=lambda t: -t[0])             # stable: ties keep class order
        found = found[:size]
        for k, (s, c, i) in enumerate(found):
            out[0][b, k] = boxes[b, i, c if q > 1 else 0]
            out[1][b, k], out[2][b, k] = s, c
        out[3][b] = len(found)
    if attrs["clip_boxes"]:
        np.clip(out[0], 0.0, 1.0, out=out[0])
    return out


@KERNELS.register("GenerateBoundingBoxProposals")
def _proposals(attrs, scores, deltas, info, anchors, nms_threshold, pre_nms_topn, min_size):
    scores, deltas = np.asarray(scores, np.float32), np.asarray(deltas, np.float32)
    info, anchors = np.asarray(info, np.float32), np.asarray(anchors, np.float32)
    thr, pre, post = float(nms_threshold), int(pre_nms_topn), attrs["post_nms_topn"]
    if not 0.0 <= thr <= 1.0:
        raise ValueError(f"nms_threshold must be in [0, 1], got {thr}")
    if pre <= 0:
        raise ValueError(f"pre_nms_topn must be > 0, got {pre}")
    n = scores.shape[0]
    if anchors.size != 4 * scores[0].size or deltas.shape != scores.shape[:3] + (
            4 * scores.shape[3],) or info.shape[0] < n:
        raise ValueError(f"bbox_deltas {deltas.shape}, image_info {info.shape} and anchors "
                         f"{anchors.shape} do not match scores {scores.shape}")
    anchors = anchors.reshape(-1, 4)
    clip = np.float32(np.log(1000.0 / 16.0))
    rois, probs = np.zeros((n, post, 4), np.float32), np.zeros((n, post), np.float32)
    for b in range(n):
        sc = scores[b].reshape(-1)
        order = np.argsort(-sc, kind="stable")[:pre]
        a, d = anchors[order], deltas[b].reshape(-1, 4)[order]
        sides = a[:, 2:] - a[:, :2]                                   # h, w
        centre = a[:, :2] + np.float32(0.5) * sides + sides * d[:, :2]
        sides = sides * np.exp(np.minimum(d[:, 2:], clip))
        lo = np.maximum(np.minimum(centre - np.float32(0.5) * sides, info[b, :2]), 0)
        hi = np.maximum(np.minimum(centre + np.float32(0.5) * sides, info[b, :2]), 0)
        keep = np.min(hi - lo, axis=1) >= np.float32(min_size) * info[b, 2]
        boxes, kept_sc = np.concatenate([lo, hi], 1)[keep], sc[order][keep]
        sel = _greedy(_pairwise_iou(boxes), range(len(boxes)), post, thr)
        rois[b, :len(sel)], probs[b, :len(sel)] = boxes[sel], kept_sc[sel]
    return rois, probs
