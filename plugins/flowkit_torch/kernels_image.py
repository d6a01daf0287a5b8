"""PyTorch kernels of :mod:`flowkit.ops.image_ops` (see the NumPy kernels' docstring: the
resize is ``Wh @ image @ Ww^T`` with per-axis interpolation matrices, computed on the host
in float32 with TF's coordinate mapping)."""
from __future__ import annotations

import torch

from flowkit.backend import KernelTable, resize_weights
from flowkit_torch._common import host_ints

KERNELS = KernelTable()


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


@KERNELS.register("NonMaxSuppressionWithOverlaps")
def _nms(attrs, overlaps, scores, max_output_size, threshold, score_threshold):
    """Greedy selection (see the NumPy kernel), on the host: the loop is sequential."""
    k, thr = host_ints(max_output_size)[0], float(threshold)
    if k < 0:
        raise ValueError(f"max_output_size must be >= 0, got {k}")
    n = scores.shape[0]
    if tuple(overlaps.shape) != (n, n):
        raise ValueError(f"overlaps must be a square matrix with one row per score, got "
                         f"shape {tuple(overlaps.shape)} for {n} scores")
    ov, sc = overlaps.detach().cpu(), scores.detach().cpu()
    kept = []
    for i in torch.sort(-sc, stable=True).indices.tolist():
        if len(kept) >= k:
            break
        if float(sc[i]) > float(score_threshold) and all(float(ov[i, j]) <= thr for j in kept):
            kept.append(i)
    return torch.tensor(kept, dtype=torch.int32, device=scores.device)


# --------------------------------------------------------------------------------------------
# flowkit.ops.image_detect_ops (see the NumPy kernels; greedy, so on the host)
# --------------------------------------------------------------------------------------------
def _pairwise_iou(boxes):
    """IoU of every pair of ``[n, 4]`` boxes (any corner order; 0 with an empty box)."""
    ymin, ymax = torch.minimum(boxes[:, 0], boxes[:, 2]), torch.maximum(boxes[:, 0], boxes[:, 2])
    xmin, xmax = torch.minimum(boxes[:, 1], boxes[:, 3]), torch.maximum(boxes[:, 1], boxes[:, 3])
    area = (ymax - ymin) * (xmax - xmin)
    ih = torch.minimum(ymax[:, None], ymax[None]) - torch.maximum(ymin[:, None], ymin[None])
    iw = torch.minimum(xmax[:, None], xmax[None]) - torch.maximum(xmin[:, None], xmin[None])
    inter = ih.clamp(min=0) * iw.clamp(min=0)
    union = area[:, None] + area[None] - inter
    valid = (area[:, None] > 0) & (area[None] > 0) & (union > 0)
    return torch.where(valid, inter / torch.where(valid, union, torch.ones_like(union)),
                       torch.zeros_like(inter))


def _greedy(iou, order, limit, threshold):
    """Greedy NMS over ``order`` (best first): the kept positions, at most ``limit``."""
    kept = []
    rows = iou.tolist()
    for i in order:
        if len(kept) >= limit:
            break
        if all(rows[i][j] <= threshold for j in kept):
            kept.append(int(i))
    return kept


@KERNELS.register("CombinedNonMaxSuppression")
def _combined_nms(attrs, boxes, scores, per_class, total, iou_threshold, score_threshold):
    dev = boxes.device
    boxes, scores = boxes.detach().cpu().float(), scores.detach().cpu().float()
    per_class, total = host_ints(per_class)[0], host_ints(total)[0]
    thr, sthr = float(iou_threshold), float(score_threshold)
    if not 0.0 <= thr <= 1.0:
        raise ValueError(f"iou_threshold must be in [0, 1], got {thr}")
    if per_class <= 0 or total <= 0:
        raise ValueError(f"max_output_size_per_class ({per_class}) and max_total_size "
                         f"({total}) must be > 0")
    batch, _, q, _ = boxes.shape
    classes = scores.shape[2]
    size = min(per_class * classes, total) if attrs["pad_per_class"] else total
    out_boxes, out_scores = torch.zeros(batch, size, 4), torch.zeros(batch, size)
    out_classes, valid = torch.zeros(batch, size), torch.zeros(batch, dtype=torch.int32)
    for b in range(batch):
        ious = [_pairwise_iou(boxes[b, :, j]) for j in range(q)]
        found = []                                  # (score, class, box index)
        for c in range(classes):
            sc = scores[b, :, c].tolist()
            order = [i for i in torch.sort(-scores[b, :, c], stable=True).indices.tolist()
                     if sc[i] > sthr]
            found += [(sc[i], c, i) for i in _greedy(ious[c if q > 1 else 0], order,
                                                     per_class, thr)]
        found.sort(key=lambda t: -t[0])             # stable: ties keep class order
        found = found[:size]
        for k, (_, c, i) in enumerate(found):
            out_boxes[b, k] = boxes[b, i, c if q > 1 else 0]
            out_scores[b, k], out_classes[b, k] = scores[b, i, c], float(c)
        valid[b] = len(found)
    if attrs["clip_boxes"]:
        out_boxes = out_boxes.clamp(0.0, 1.0)
    return tuple(t.to(dev) for t in (out_boxes, out_scores, out_classes, valid))


@KERNELS.register("GenerateBoundingBoxProposals")
def _proposals(attrs, scores, deltas, info, anchors, nms_threshold, pre_nms_topn, min_size):
    dev = scores.device
    scores, deltas = scores.detach().cpu().float(), deltas.detach().cpu().float()
    info, anchors = info.detach().cpu().float(), anchors.detach().cpu().float()
    thr, pre, post = float(nms_threshold), host_ints(pre_nms_topn)[0], attrs["post_nms_topn"]
    if not 0.0 <= thr <= 1.0:
        raise ValueError(f"nms_threshold must be in [0, 1], got {thr}")
    if pre <= 0:
        raise ValueError(f"pre_nms_topn must be > 0, got {pre}")
    n = scores.shape[0]
    if anchors.numel() != 4 * scores[0].numel() or tuple(deltas.shape) != tuple(
            scores.shape[:3]) + (4 * scores.shape[3],) or info.shape[0] < n:
        raise ValueError(f"bbox_deltas {tuple(deltas.shape)}, image_info {tuple(info.shape)} "
                         f"and anchors {tuple(anchors.shape)} do not match scores "
                         f"{tuple(scores.shape)}")
    anchors = anchors.reshape(-1, 4)
    clip = torch.tensor(1000.0 / 16.0, dtype=torch.float64).log().float()
    min_size = min_size.detach().cpu().float()
    rois, probs = torch.zeros(n, post, 4), torch.zeros(n, post)
    for b in range(n):
        sc = scores[b].reshape(-1)
        order = torch.sort(-sc, stable=True).indices[:pre]
        a, d = anchors[order], deltas[b].reshape(-1, 4)[order]
        sides = a[:, 2:] - a[:, :2]                                   # h, w
        centre = a[:, :2] + 0.5 * sides + sides * d[:, :2]
        sides = sides * torch.exp(torch.minimum(d[:, 2:], clip))
        lo = torch.clamp(torch.minimum(centre - 0.5 * sides, info[b, :2]), min=0)
        hi = torch.clamp(torch.minimum(centre + 0.5 * sides, info[b, :2]), min=0)
        keep = torch.min(hi - lo, dim=1).values >= min_size * info[b, 2]
        boxes, kept_sc = torch.cat([lo, hi], 1)[keep], sc[order][keep]
        sel = _greedy(_pairwise_iou(boxes), range(len(boxes)), post, thr)
        rois[b, :len(sel)], probs[b, :len(sel)] = boxes[sel], kept_sc[sel]
    return rois.to(dev), probs.to(dev)
