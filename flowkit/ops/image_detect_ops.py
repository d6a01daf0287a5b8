"""Detection helpers of ``tf.image``: ``combined_non_max_suppression``, ``extract_glimpse`` and
``generate_bounding_box_proposals``.

``combined_non_max_suppression`` and ``generate_bounding_box_proposals`` are greedy, per image
and of data-dependent size inside, so each is one kernel (``CombinedNonMaxSuppression``,
``GenerateBoundingBoxProposals``) with zero-padded outputs; neither is differentiable (as in
TF). ``extract_glimpse`` is a composition of ``gather_nd`` and ``random_uniform``: the parts of
a window outside its image take uniform noise between the image's minimum and maximum (over
all its channels), as TF's v1 op does whatever ``uniform_noise`` says.

Example:
    >>> import numpy as np
    >>> import flowkit as tf
    >>> boxes = np.array([[[[0, 0, 1, 1]], [[0, 0.1, 1, 1.1]], [[0, 2, 1, 3]]]], np.float32)
    >>> scores = np.array([[[0.9], [0.8], [0.7]]], np.float32)
    >>> out = tf.image.combined_non_max_suppression(boxes, scores, 3, 4, clip_boxes=False)
    >>> with tf.Session() as sess:
    ...     nmsed_boxes, nmsed_scores, nmsed_classes, valid = sess.run(out)
    >>> print(nmsed_scores, valid)
    [[0.9 0.7 0.  0. ]] [2]
"""
from __future__ import annotations

__all__ = ["combined_non_max_suppression", "extract_glimpse", "generate_bounding_box_proposals"]

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops as aops
from flowkit.ops import math_ops as mops
from flowkit.ops.core import constant_value, convert_to_tensor, make_op, op_scope
from flowkit.ops.math_ops import check_kind
from flowkit.ops.random_ops import random_uniform
from flowkit.ops.shape_ops import cast, expand_dims, reshape


def _dims(t):
    return t.shape.as_tuple() if t.shape.ndims is not None else None


def _const_int(t):
    v = constant_value(t)
    return None if v is None else int(np.reshape(v, []))


def _scalar(t, what, op):
    if t.shape.ndims not in (None, 0):
        raise ValueError(f"{op}: {what} must be a scalar, got shape {t.shape}")


def _same(a, b):
    return a is None or b is None or a == b


# --------------------------------------------------------------------------------------------
# combined_non_max_suppression
# --------------------------------------------------------------------------------------------
def _combined_nms_shape(inputs, attrs):
    boxes, scores, per_class, total, iou, score_thr = inputs
    op = "combined_non_max_suppression"
    bd, sd = _dims(boxes), _dims(scores)
    if bd is not None and (len(bd) != 4 or bd[3] not in (None, 4)):
        raise ValueError(f"{op}: boxes must be of shape [batch_size, num_boxes, q, 4], got "
                         f"{boxes.shape}")
    if sd is not None and len(sd) != 3:
        raise ValueError(f"{op}: scores must be of shape [batch_size, num_boxes, "
                         f"num_classes], got {scores.shape}")
    if bd is not None and sd is not None:
        if not (_same(bd[0], sd[0]) and _same(bd[1], sd[1])):
            raise ValueError(f"{op}: boxes {boxes.shape} and scores {scores.shape} must agree "
                             f"on batch_size and num_boxes")
        if None not in (bd[2], sd[2]) and bd[2] not in (1, sd[2]):
            raise ValueError(f"{op}: the third dimension of boxes (q={bd[2]}) must be 1 or "
                             f"the number of classes of scores ({sd[2]})")
    for t, what in ((per_class, "max_output_size_per_class"), (total, "max_total_size"),
                    (iou, "iou_threshold"), (score_thr, "score_threshold")):
        _scalar(t, what, op)
    k, n = _const_int(per_class), _const_int(total)
    if k is not None and k <= 0:
        raise ValueError(f"{op}: max_output_size_per_class must be > 0, got {k}")
    if n is not None and n <= 0:
        raise ValueError(f"{op}: max_total_size must be > 0, got {n}")
    classes = sd[2] if sd is not None else None
    if attrs["pad_per_class"]:
        size = None if None in (k, n, classes) else min(k * classes, n)
    else:
        size = n
    batch = bd[0] if bd is not None and bd[0] is not None else (sd[0] if sd else None)
    return [(dtypes.float32, TensorShape([batch, size, 4])),
            (dtypes.float32, TensorShape([batch, size])),
            (dtypes.float32, TensorShape([batch, size])),
            (dtypes.int32, TensorShape([batch]))]


register_op("CombinedNonMaxSuppression", shape=_combined_nms_shape, grad=None,
            doc="Greedy non-maximum suppression per image and class, then the best "
                "detections of all classes by decreasing score, zero-padded.")


def combined_non_max_suppression(boxes, scores, max_output_size_per_class, max_total_size,
                                 iou_threshold=0.5, score_threshold=float("-inf"),
                                 pad_per_class=False, clip_boxes=True, name=None):
    """Non-maximum suppression per image and per class, then across classes.

    ``boxes`` ``[batch, num_boxes, q, 4]`` (``y1, x1, y2, x2``, any corner order; ``q`` is 1
    for boxes shared by all classes or ``num_classes``) and ``scores``
    ``[batch, num_boxes, num_classes]``. For each image and class, boxes whose score is above
    ``score_threshold`` are taken greedily by decreasing score, dropping those whose IoU with
    a box already taken exceeds ``iou_threshold``, at most ``max_output_size_per_class``;
    the detections of all classes are then ordered by decreasing score and the first
    ``max_total_size`` kept (with ``pad_per_class``, at most
    ``max_output_size_per_class * num_classes``). Returns ``(nmsed_boxes, nmsed_scores,
    nmsed_classes, valid_detections)``: float32 ``[batch, max_detections, 4]``,
    ``[batch, max_detections]`` twice (classes as floats) and int32 ``[batch]``, zero-padded
    after each image's ``valid_detections``. ``clip_boxes`` clips the output coordinates to
    ``[0, 1]``."""
    with op_scope(name, "combined_non_max_suppression", [boxes, scores]) as scope:
        boxes = convert_to_tensor(boxes, name="boxes")
        scores = convert_to_tensor(scores, name="scores")
        check_kind(boxes, "float", "boxes")
        check_kind(scores, "float", "scores")
        inputs = (cast(boxes, dtypes.float32), cast(scores, dtypes.float32),
                  convert_to_tensor(max_output_size_per_class, dtype=dtypes.int32,
                                    name="max_output_size_per_class"),
                  convert_to_tensor(max_total_size, dtype=dtypes.int32, name="max_total_size"),
                  cast(iou_threshold, dtypes.float32), cast(score_threshold, dtypes.float32))
        tv = constant_value(inputs[4])
        if tv is not None and not 0.0 <= float(tv) <= 1.0:
            raise ValueError(f"combined_non_max_suppression: iou_threshold must be in [0, 1], "
                             f"got {float(tv)}")
        op = make_op("CombinedNonMaxSuppression", inputs,
                     {"pad_per_class": bool(pad_per_class), "clip_boxes": bool(clip_boxes)},
                     scope)
        return tuple(op.outputs)


# --------------------------------------------------------------------------------------------
# extract_glimpse
# --------------------------------------------------------------------------------------------
def _glimpse_size(size):
    size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
    if size.shape.ndims not in (None, 1) or _dims(size) not in (None, (None,), (2,)):
        raise ValueError(f"extract_glimpse: size must be a 1-D tensor of 2 elements "
                         f"[glimpse_height, glimpse_width], got shape {size.shape}")
    known = constant_value(size)
    if known is not None and np.min(known) <= 0:
        raise ValueError(f"extract_glimpse: the glimpse size must be positive, got "
                         f"{np.asarray(known).tolist()}")
    return size, known


def extract_glimpse(input, size, offsets, centered=True, normalized=True,  # noqa: A002
                    uniform_noise=True, name=None) -> Tensor:
    """Windows of ``size`` ``[glimpse_height, glimpse_width]`` out of the images ``input``
    ``[batch, height, width, channels]``, one per image, centred on ``offsets``
    ``[batch, 2]`` (``y, x``): float32 ``[batch, glimpse_height, glimpse_width, channels]``.

    Offsets are pixels, or fractions of the image size when ``normalized``; when
    ``centered`` they are measured from the image centre and halved (so normalized centred
    offsets run from -1 to 1). The window's top-left pixel is the centre minus half the
    size, truncated towards zero. Window pixels outside the image take uniform random noise
    between the minimum and the maximum of that image; TF's v1 op draws uniform noise with
    ``uniform_noise=False`` too, and so does this one."""
    del uniform_noise      # TF's v1 op fills with uniform noise either way (see above)
    with op_scope(name, "ExtractGlimpse", [input, size, offsets]) as scope:
        images = convert_to_tensor(input, name="input")
        check_kind(images, "number", "input")
        if images.shape.ndims not in (None, 4):
            raise ValueError(f"extract_glimpse: input must be 4-D [batch_size, height, width, "
                             f"channels], got shape {images.shape}")
        size, known = _glimpse_size(size)
        offsets = cast(convert_to_tensor(offsets, name="offsets"), dtypes.float32)
        od, idims = _dims(offsets), _dims(images)
        if od is not None and (len(od) != 2 or od[1] not in (None, 2)):
            raise ValueError(f"extract_glimpse: offsets must be of shape [batch_size, 2], got "
                             f"{offsets.shape}")
        if od is not None and idims is not None and not _same(od[0], idims[0]):
            raise ValueError(f"extract_glimpse: offsets ({od[0]} rows) and input (batch of "
                             f"{idims[0]}) must have the same batch size")
        img = cast(images, dtypes.float32)
        s = aops.shape(img)
        hf, wf = cast(s[1], dtypes.float32), cast(s[2], dtypes.float32)
        gh, gw = size[0], size[1]
        y, x = offsets[:, 0], offsets[:, 1]
        if normalized:
            y, x = y * hf, x * wf
        if centered:
            y, x = y / 2.0 + hf / 2.0, x / 2.0 + wf / 2.0
        y0 = cast(y - cast(gh, dtypes.float32) / 2.0, dtypes.int32)     # truncates
        x0 = cast(x - cast(gw, dtypes.float32) / 2.0, dtypes.int32)
        rows = expand_dims(y0, 1) + expand_dims(aops.range(0, gh), 0)       # [b, gh]
        cols = expand_dims(x0, 1) + expand_dims(aops.range(0, gw), 0)       # [b, gw]
        ok = mops.logical_and(
            expand_dims(mops.logical_and(mops.greater_equal(rows, 0), mops.less(rows, s[1])), 2),
            expand_dims(mops.logical_and(mops.greater_equal(cols, 0), mops.less(cols, s[2])), 1))
        r = expand_dims(mops.minimum(mops.maximum(rows, 0), s[1] - 1), 2)
        c = expand_dims(mops.minimum(mops.maximum(cols, 0), s[2] - 1), 1)
        b = reshape(aops.range(0, s[0]), [-1, 1, 1])
        zeros = b * 0 + r * 0 + c * 0
        picked = aops.gather_nd(img, aops.stack([b + zeros, r + zeros, c + zeros], axis=-1))
        lo = mops.reduce_min(img, axis=[1, 2, 3], keepdims=True)
        hi = mops.reduce_max(img, axis=[1, 2, 3], keepdims=True)
        noise = lo + (hi - lo) * random_uniform(aops.stack([s[0], gh, gw, s[3]]))
        out = aops.where_v2(expand_dims(ok, 3), picked, noise, name=scope)
        if known is not None:
            out.set_shape(TensorShape([None, int(known[0]), int(known[1]), None]))
        return out


# --------------------------------------------------------------------------------------------
# generate_bounding_box_proposals
# --------------------------------------------------------------------------------------------
def _proposals_shape(inputs, attrs):
    scores, deltas, info, anchors, nms, pre, min_size = inputs
    op = "generate_bounding_box_proposals"
    sd, dd, idims, ad = _dims(scores), _dims(deltas), _dims(info), _dims(anchors)
    if sd is not None and len(sd) != 4:
        raise ValueError(f"{op}: scores must be 4-D [num_images, height, width, num_anchors], "
                         f"got shape {scores.shape}")
    if dd is not None and len(dd) != 4:
        raise ValueError(f"{op}: bbox_deltas must be 4-D [num_images, height, width, "
                         f"4 * num_anchors], got shape {deltas.shape}")
    if sd is not None and dd is not None and not (
            all(_same(a, b) for a, b in zip(sd[:3], dd[:3])) and
            (None in (sd[3], dd[3]) or dd[3] == 4 * sd[3])):
        raise ValueError(f"{op}: bbox_deltas {deltas.shape} must be scores' shape "
                         f"{scores.shape} with 4 values per anchor")
    if idims is not None and (len(idims) != 2 or idims[1] not in (None, 5)):
        raise ValueError(f"{op}: image_info must be of shape [num_images, 5], got "
                         f"{info.shape}")
    if ad is not None and len(ad) != 3:
        raise ValueError(f"{op}: anchors must be 3-D [height, width, 4 * num_anchors], got "
                         f"shape {anchors.shape}")
    if ad is not None and sd is not None and None not in ad + sd[1:] and \
            int(np.prod(ad)) != 4 * sd[1] * sd[2] * sd[3]:
        raise ValueError(f"{op}: anchors {anchors.shape} must hold 4 coordinates per "
                         f"position and anchor of scores {scores.shape}")
    for t, what in ((nms, "nms_threshold"), (pre, "pre_nms_topn"), (min_size, "min_size")):
        _scalar(t, what, op)
    n, k = (sd[0] if sd else None), attrs["post_nms_topn"]
    return [(dtypes.float32, TensorShape([n, k, 4])), (dtypes.float32, TensorShape([n, k]))]


register_op("GenerateBoundingBoxProposals", shape=_proposals_shape, grad=None,
            doc="Region proposals: anchors moved by the deltas, clipped to the image, small "
                "ones dropped, the best pre_nms_topn by score, then greedy NMS; zero-padded.")


def generate_bounding_box_proposals(scores, bbox_deltas, image_info, anchors, nms_threshold=0.7,
                                    pre_nms_topn=6000, min_size=16, post_nms_topn=300,
                                    name=None):
    """Region proposals from encoded boxes (TF's op, whose kernel TF only has for GPUs).

    ``scores`` ``[num_images, height, width, num_anchors]``; ``bbox_deltas``
    ``[num_images, height, width, 4 * num_anchors]`` (``dy, dx, dh, dw`` per anchor);
    ``image_info`` ``[num_images, 5]`` (height, width, scale, ...); ``anchors``
    ``[height, width, 4 * num_anchors]`` (``y1, x1, y2, x2`` per position and anchor, shared
    by the images; TF's op takes them 3-D too). Per image: the ``pre_nms_topn`` best scores
    (ties: the first in ``[height, width, anchor]`` order); each anchor is moved by its deltas
    (centre ``+ delta * side``, side ``* exp(min(d, log(1000 / 16)))``), clipped to
    ``[0, height] x [0, width]`` of the image and dropped when a side is below
    ``min_size * scale``; then greedy non-maximum suppression with ``nms_threshold`` keeps at
    most ``post_nms_topn``. Returns ``(rois, roi_probabilities)``: float32
    ``[num_images, post_nms_topn, 4]`` (``y1, x1, y2, x2``) and
    ``[num_images, post_nms_topn]``, by decreasing score and zero-padded."""
    k = int(post_nms_topn)
    if k <= 0:
        raise ValueError(f"generate_bounding_box_proposals: post_nms_topn must be > 0, got {k}")
    with op_scope(name, "GenerateBoundingBoxProposals",
                  [scores, bbox_deltas, image_info, anchors]) as scope:
        ts = [cast(convert_to_tensor(v, name=n), dtypes.float32) for v, n in
              ((scores, "scores"), (bbox_deltas, "bbox_deltas"), (image_info, "image_info"),
               (anchors, "anchors"))]
        nms = cast(nms_threshold, dtypes.float32)
        pre = convert_to_tensor(pre_nms_topn, dtype=dtypes.int32, name="pre_nms_topn")
        for t, what, ok in ((nms, "nms_threshold", lambda v: 0.0 <= v <= 1.0),
                            (pre, "pre_nms_topn", lambda v: v > 0)):
            v = constant_value(t)
            if v is not None and not ok(float(v)):
                raise ValueError(f"generate_bounding_box_proposals: {what} out of range: "
                                 f"{float(v)} (nms_threshold must be in [0, 1], "
                                 f"pre_nms_topn > 0)")
        op = make_op("GenerateBoundingBoxProposals",
                     (*ts, nms, pre, cast(min_size, dtypes.float32)),
                     {"post_nms_topn": k}, scope)
        return op.outputs[0], op.outputs[1]
