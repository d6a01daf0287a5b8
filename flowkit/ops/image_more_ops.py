"""More of ``tf.image``: the HSV colour space, ``crop_and_resize`` and non-maximum
suppression.

``rgb_to_hsv``, ``hsv_to_rgb`` and ``crop_and_resize`` are compositions of element-wise ops and
``gather_nd``, so they run on every backend and get their gradients for free (``crop_and_resize``
with respect to the image and to the boxes). Non-maximum suppression is greedy, so its
selection is one kernel, ``NonMaxSuppressionWithOverlaps``, working on an overlap matrix;
:func:`non_max_suppression` builds that matrix (the IoU of every pair of boxes) from ops.

Example:
    >>> import flowkit as tf
    >>> boxes = [[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, 2, 1, 3]]
    >>> keep = tf.image.non_max_suppression(boxes, [0.9, 0.8, 0.7], max_output_size=3)
    >>> with tf.Session() as sess:
    ...     print(sess.run(keep))
    [0 2]
"""
from __future__ import annotations

__all__ = ["rgb_to_hsv", "hsv_to_rgb", "crop_and_resize", "non_max_suppression",
           "non_max_suppression_with_scores", "non_max_suppression_overlaps",
           "non_max_suppression_padded"]

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops as aops
from flowkit.ops import math_ops as mops
from flowkit.ops.core import constant_value, convert_to_tensor, make_tensor, op_scope
from flowkit.ops.math_ops import check_kind, maximum
from flowkit.ops.shape_ops import cast, expand_dims, reshape


# --------------------------------------------------------------------------------------------
# HSV
# --------------------------------------------------------------------------------------------
def _rgb_like(images, what):
    images = convert_to_tensor(images, name="images")
    check_kind(images, "float", "images")
    if images.shape.ndims is None or images.shape.as_tuple()[-1] not in (None, 3):
        raise ValueError(f"{what}: 'images' must have a known rank and 3 channels on the last "
                         f"axis, got shape {images.shape}")
    return images


def rgb_to_hsv(images, name=None) -> Tensor:
    """RGB to HSV, on the last axis of float images with values in ``[0, 1]``: hue in
    ``[0, 1)`` (0 for grays), saturation ``(max - min) / max`` (0 for black), value ``max``."""
    with op_scope(name, "rgb_to_hsv", [images]) as scope:
        images = _rgb_like(images, "rgb_to_hsv")
        r, g, b = aops.unstack(images, num=3, axis=-1)
        v = mops.maximum(mops.maximum(r, g), b)
        spread = v - mops.minimum(mops.minimum(r, g), b)
        zero = aops.zeros_like(v)
        one = aops.ones_like(v)
        s = aops.where_v2(mops.greater(v, 0.0), spread / aops.where_v2(
            mops.greater(v, 0.0), v, one), zero)
        d = aops.where_v2(mops.greater(spread, 0.0), spread, one)
        h = aops.where_v2(mops.equal(r, v), (g - b) / d,
                          aops.where_v2(mops.equal(g, v), 2.0 + (b - r) / d,
                                        4.0 + (r - g) / d)) / 6.0
        h = aops.where_v2(mops.greater(spread, 0.0), h, zero)
        h = aops.where_v2(mops.less(h, 0.0), h + 1.0, h)
        return aops.stack([h, s, v], axis=-1, name=scope)


def hsv_to_rgb(images, name=None) -> Tensor:
    """HSV back to RGB (the inverse of :func:`rgb_to_hsv`), on the last axis of float
    images: each channel is ``v * (1 - s + s * c(h))`` with ``c`` the piecewise-linear hue
    curve of that channel."""
    with op_scope(name, "hsv_to_rgb", [images]) as scope:
        images = _rgb_like(images, "hsv_to_rgb")
        h, s, v = aops.unstack(images, num=3, axis=-1)
        dh = h * 6.0

        def curve(t):
            return mops.clip_by_value(t, 0.0, 1.0)
        channels = [curve(mops.abs(dh - 3.0) - 1.0), curve(2.0 - mops.abs(dh - 2.0)),
                    curve(2.0 - mops.abs(dh - 4.0))]
        rgb = [(1.0 - s + s * c) * v for c in channels]
        return aops.stack(rgb, axis=-1, name=scope)


# --------------------------------------------------------------------------------------------
# crop_and_resize
# --------------------------------------------------------------------------------------------
def _sample_points(lo, hi, n_out, size_f):
    """The input coordinates ``[n_boxes, n_out]`` of a box side ``[lo, hi]`` (normalized)."""
    if n_out > 1:
        step = (hi - lo) * (size_f - 1.0) / float(n_out - 1)
        grid = reshape(aops.range(0, n_out, dtype=dtypes.float32), [1, n_out])
        return expand_dims(lo * (size_f - 1.0), 1) + expand_dims(step, 1) * grid
    return expand_dims(0.5 * (lo + hi) * (size_f - 1.0), 1)


def _crop_size(crop_size):
    cs = constant_value(crop_size) if isinstance(crop_size, Tensor) else crop_size
    if cs is None:
        raise ValueError("crop_and_resize needs crop_size known when the graph is built")
    cs = [int(v) for v in np.reshape(cs, [-1])]
    if len(cs) != 2 or min(cs) <= 0:
        raise ValueError(f"crop_size must be two positive ints [crop_height, crop_width], "
                         f"got {cs}")
    return cs


def crop_and_resize(image, boxes, box_ind=None, crop_size=None, method="bilinear",
                    extrapolation_value=0, name=None, box_indices=None) -> Tensor:
    """Crops the boxes ``[n, 4]`` (normalized ``y1, x1, y2, x2``; ``y1 > y2`` flips) out of
    the images ``[b, h, w, c]`` picked by ``box_ind`` and resizes each to ``crop_size`` by
    bilinear or nearest sampling: ``[n, crop_height, crop_width, c]``, float32. Samples
    falling outside the image take ``extrapolation_value``."""
    box_ind = box_indices if box_ind is None else box_ind
    with op_scope(name, "CropAndResize", [image, boxes, box_ind]) as scope:
        image = convert_to_tensor(image, name="image")
        check_kind(image, "number", "image")
        if image.shape.ndims not in (None, 4):
            raise ValueError(f"crop_and_resize: image must be 4-D [batch, height, width, "
                             f"depth], got shape {image.shape}")
        boxes = cast(convert_to_tensor(boxes, name="boxes"), dtypes.float32)
        if boxes.shape.ndims not in (None, 2) or (
                boxes.shape.ndims == 2 and boxes.shape.as_tuple()[1] not in (None, 4)):
            raise ValueError(f"crop_and_resize: boxes must be of shape [num_boxes, 4], got "
                             f"{boxes.shape}")
        if box_ind is None:
            raise ValueError("crop_and_resize needs box_ind (the image index of each box)")
        box_ind = convert_to_tensor(box_ind, dtype=dtypes.int32, name="box_ind")
        if box_ind.shape.ndims not in (None, 1):
            raise ValueError(f"crop_and_resize: box_ind must be 1-D, got {box_ind.shape}")
        known, batch = constant_value(box_ind), image.shape.as_tuple()[0] \
            if image.shape.ndims else None
        if known is not None and batch is not None and np.size(known) and \
                (np.min(known) < 0 or np.max(known) >= batch):
            raise ValueError(f"crop_and_resize: box_ind has values outside [0, {batch}) (the "
                             f"batch of images): {np.asarray(known).tolist()}")
        ch, cw = _crop_size(crop_size)
        if method not in ("bilinear", "nearest"):
            raise ValueError(f"crop_and_resize: method must be 'bilinear' or 'nearest', got "
                             f"{method!r}")
        img = cast(image, dtypes.float32)
        s = aops.shape(img)
        hf, wf = cast(s[1], dtypes.float32), cast(s[2], dtypes.float32)
        y1, x1, y2, x2 = aops.unstack(boxes, num=4, axis=1)
        ys, xs = _sample_points(y1, y2, ch, hf), _sample_points(x1, x2, cw, wf)
        ok_y = mops.logical_and(mops.greater_equal(ys, 0.0), mops.less_equal(ys, hf - 1.0))
        ok_x = mops.logical_and(mops.greater_equal(xs, 0.0), mops.less_equal(xs, wf - 1.0))
        b = reshape(box_ind, [-1, 1, 1])

        def at(yi, xi, limit_h=s[1] - 1, limit_w=s[2] - 1):
            yi = mops.minimum(mops.maximum(cast(yi, dtypes.int32), 0), limit_h)
            xi = mops.minimum(mops.maximum(cast(xi, dtypes.int32), 0), limit_w)
            zeros = b * 0 + expand_dims(yi, 2) * 0 + expand_dims(xi, 1) * 0
            idx = aops.stack([b + zeros, expand_dims(yi, 2) + zeros,
                              expand_dims(xi, 1) + zeros], axis=-1)
            return aops.gather_nd(img, idx)                       # [n, ch, cw, c]
        if method == "nearest":
            out = at(mops.floor(ys + 0.5), mops.floor(xs + 0.5))
        else:
            top, left = mops.floor(ys), mops.floor(xs)
            bottom, right = mops.ceil(ys), mops.ceil(xs)
            ly = expand_dims(expand_dims(ys - top, 2), 3)
            lx = expand_dims(expand_dims(xs - left, 1), 3)
            upper = at(top, left) + (at(top, right) - at(top, left)) * lx
            lower = at(bottom, left) + (at(bottom, right) - at(bottom, left)) * lx
            out = upper + (lower - upper) * ly
        ok = mops.logical_and(expand_dims(expand_dims(ok_y, 2), 3),
                              expand_dims(expand_dims(ok_x, 1), 3))
        fill = cast(extrapolation_value, dtypes.float32)
        return aops.where_v2(ok, out, fill, name=scope)


# --------------------------------------------------------------------------------------------
# Non-maximum suppression: the greedy selection is a kernel working on an overlap matrix;
# non_max_suppression builds that matrix (the IoU of every pair of boxes) from ops.
# --------------------------------------------------------------------------------------------
def _nms_shape(inputs, attrs):
    overlaps, scores, max_out, thr, score_thr = inputs
    if overlaps.shape.ndims not in (None, 2):
        raise ValueError(f"overlaps must be 2-D, got shape {overlaps.shape}")
    if scores.shape.ndims not in (None, 1):
        raise ValueError(f"scores must be 1-D, got shape {scores.shape}")
    for t, what in ((max_out, "max_output_size"), (thr, "overlap_threshold"),
                    (score_thr, "score_threshold")):
        if t.shape.ndims not in (None, 0):
            raise ValueError(f"{what} must be a scalar, got shape {t.shape}")
    return [(dtypes.int32, TensorShape([None]))]


register_op("NonMaxSuppressionWithOverlaps", shape=_nms_shape, grad=None,
            doc="Greedy selection by decreasing score of boxes whose overlap with every box "
                "already selected is at most the threshold; their indices, int32.")


def _nms(overlaps, scores, max_output_size, threshold, score_threshold, name):
    mx = convert_to_tensor(max_output_size, dtype=dtypes.int32, name="max_output_size")
    mv = constant_value(mx)
    if mv is not None and int(mv) < 0:
        raise ValueError(f"max_output_size must be >= 0, got {int(mv)}")
    thr = cast(threshold, dtypes.float32)
    sthr = cast(score_threshold, dtypes.float32)
    return make_tensor("NonMaxSuppressionWithOverlaps", (overlaps, scores, mx, thr, sthr),
                       None, name)


def _iou(boxes):
    y1, x1, y2, x2 = aops.unstack(boxes, num=4, axis=1)
    ymin, ymax = mops.minimum(y1, y2), mops.maximum(y1, y2)
    xmin, xmax = mops.minimum(x1, x2), mops.maximum(x1, x2)
    area = (ymax - ymin) * (xmax - xmin)
    col, row = (lambda t: expand_dims(t, 1)), (lambda t: expand_dims(t, 0))
    ih = mops.minimum(col(ymax), row(ymax)) - mops.maximum(col(ymin), row(ymin))
    iw = mops.minimum(col(xmax), row(xmax)) - mops.maximum(col(xmin), row(xmin))
    inter = maximum(ih, 0.0) * maximum(iw, 0.0)
    union = col(area) + row(area) - inter
    valid = mops.logical_and(mops.greater(col(area), 0.0), mops.greater(row(area), 0.0))
    safe = aops.where_v2(valid, union, aops.ones_like(union))
    return aops.where_v2(valid, inter / safe, aops.zeros_like(inter))


def _boxes_scores(boxes, scores):
    boxes = convert_to_tensor(boxes, name="boxes")
    scores = convert_to_tensor(scores, name="scores", dtype=boxes.dtype)
    check_kind(boxes, "float", "boxes")
    if boxes.shape.ndims not in (None, 2) or (boxes.shape.ndims == 2 and
                                              boxes.shape.as_tuple()[1] not in (None, 4)):
        raise ValueError(f"boxes must be of shape [num_boxes, 4], got {boxes.shape}")
    if scores.shape.ndims not in (None, 1):
        raise ValueError(f"scores must be of shape [num_boxes], got {scores.shape}")
    nb, ns = boxes.shape.as_tuple()[:1] if boxes.shape.ndims else (None,), \
        scores.shape.as_tuple() if scores.shape.ndims else (None,)
    if None not in (nb[0], ns[0]) and nb[0] != ns[0]:
        raise ValueError(f"boxes ({nb[0]} boxes) and scores ({ns[0]} scores) must have the "
                         "same number of boxes")
    return boxes, scores


def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5,
                        score_threshold=float("-inf"), name=None) -> Tensor:
    """Indices (int32, by decreasing score, at most ``max_output_size``) of the boxes
    ``[n, 4]`` (``y1, x1, y2, x2``, any corner order) kept by greedy non-maximum
    suppression: a box is dropped when its IoU with a box already kept exceeds
    ``iou_threshold``, or when its score is not above ``score_threshold``."""
    with op_scope(name, "non_max_suppression", [boxes, scores]) as scope:
        boxes, scores = _boxes_scores(boxes, scores)
        tv = constant_value(iou_threshold) if isinstance(iou_threshold, Tensor) \
            else iou_threshold
        if tv is not None and not 0.0 <= float(tv) <= 1.0:
            raise ValueError(f"iou_threshold must be in [0, 1], got {float(tv)}")
        return _nms(_iou(boxes), scores, max_output_size, iou_threshold, score_threshold,
                    scope)


def non_max_suppression_with_scores(boxes, scores, max_output_size, iou_threshold=0.5,
                                    score_threshold=float("-inf"), soft_nms_sigma=0.0,
                                    name=None):
    """``(selected_indices, selected_scores)`` of :func:`non_max_suppression` (hard NMS only:
    ``soft_nms_sigma`` must be 0)."""
    if float(soft_nms_sigma) != 0.0:
        raise ValueError(f"soft_nms_sigma={soft_nms_sigma}: Soft-NMS is not provided by "
                         "flowkit; use soft_nms_sigma=0.0 (hard NMS)")
    with op_scope(name, "non_max_suppression_with_scores", [boxes, scores]):
        boxes, scores = _boxes_scores(boxes, scores)
        idx = non_max_suppression(boxes, scores, max_output_size, iou_threshold,
                                  score_threshold)
        return idx, aops.gather(scores, idx)


def non_max_suppression_overlaps(overlaps, scores, max_output_size, overlap_threshold=0.5,
                                 score_threshold=float("-inf"), name=None) -> Tensor:
    """Greedy non-maximum suppression on a given ``[n, n]`` overlap matrix: a box is dropped
    when its overlap with a box already kept exceeds ``overlap_threshold``."""
    with op_scope(name, "non_max_suppression_overlaps", [overlaps, scores]) as scope:
        overlaps = convert_to_tensor(overlaps, name="overlaps")
        scores = convert_to_tensor(scores, name="scores", dtype=overlaps.dtype)
        return _nms(overlaps, scores, max_output_size, overlap_threshold, score_threshold,
                    scope)


def non_max_suppression_padded(boxes, scores, max_output_size, iou_threshold=0.5,
                               score_threshold=float("-inf"), pad_to_max_output_size=False,
                               name=None, sorted_input=False, canonicalized_coordinates=False,
                               tile_size=512):
    """``(selected_indices, num_valid)`` of :func:`non_max_suppression`; with
    ``pad_to_max_output_size`` the indices are padded with zeros to ``max_output_size``
    (which must then be a Python int). ``sorted_input``, ``canonicalized_coordinates`` and
    ``tile_size`` are accepted for TF's signature; they do not change the result."""
    with op_scope(name, "non_max_suppression_padded", [boxes, scores]):
        idx = non_max_suppression(boxes, scores, max_output_size, iou_threshold,
                                  score_threshold)
        num_valid = aops.size(idx, out_type=dtypes.int32)
        if pad_to_max_output_size:
            k = int(max_output_size)
            idx = reshape(aops.pad(idx, aops.stack([aops.stack([0, k - num_valid])])), [k])
        return idx, num_valid
