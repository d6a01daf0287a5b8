"""Conformance cases of :mod:`flowkit.ops.image_ops` (see :mod:`flowkit.testing_cases`).

``ResizeBilinear`` outputs float32 whatever its input (as in TF), too coarse for float64
finite differences, so its gradient is compared through the ``ResizeBilinearGrad`` case
(tests/test_image_ops.py checks it with a larger step)."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.gradients import gradients
from flowkit.ops import image_more_ops as im2
from flowkit.ops import image_ops as im

_r = np.random.default_rng(9753)


def _img(*shape):
    return _r.uniform(0, 1, shape).astype(np.float32)


def _vjp(fn):
    def build(x, u):
        return gradients([fn(x)], [x], grad_ys=[u])[0]
    return build


CASES = [
    Case("ResizeBilinear", lambda x: im.resize_bilinear(x, [5, 3]), [_img(2, 3, 4, 2)]),
    Case("ResizeBilinear-align", lambda x: im.resize_bilinear(x, [2, 7], align_corners=True),
         [_img(1, 3, 4, 1)]),
    Case("ResizeBilinear-half", lambda x: im.resize_bilinear(x, [6, 3],
                                                            half_pixel_centers=True),
         [_img(1, 4, 4, 3)]),
    Case("ResizeNearestNeighbor", lambda x: im.resize_nearest_neighbor(x, [5, 7]),
         [_img(2, 3, 4, 2)], grad=True),
    Case("ResizeNearestNeighbor-align",
         lambda x: im.resize_nearest_neighbor(x, [2, 3], align_corners=True),
         [_r.integers(0, 255, (1, 3, 5, 1)).astype(np.uint8)]),
    Case("ResizeBilinearGrad", _vjp(lambda x: im.resize_bilinear(x, [5, 3])),
         [_img(2, 3, 4, 2), _img(2, 5, 3, 2)]),
    Case("ResizeNearestNeighborGrad",
         _vjp(lambda x: im.resize_nearest_neighbor(x, [2, 7], align_corners=True)),
         [_img(1, 3, 4, 2), _img(1, 2, 7, 2)]),
    Case("per_image_standardization", im.per_image_standardization, [_img(2, 3, 4, 3)]),
    Case("space_to_depth", lambda x: im.depth_to_space(im.space_to_depth(x, 2) * 2.0, 2),
         [_img(1, 4, 6, 2).astype(np.float64)], grad=True),
]


def _smooth_rgb(*shape):
    """Pixels away from the kinks of the HSV maps (distinct channels, hue inside a sixth)."""
    lo = _r.uniform(0.05, 0.3, shape)
    spread = _r.uniform(0.4, 0.6, shape)
    chans = np.stack([lo, lo + _r.uniform(0.3, 0.7, shape) * spread, lo + spread], -1)
    return np.take_along_axis(chans, np.argsort(_r.random(shape + (3,)), -1), -1)


_NMS_BOXES = np.array([[0, 0, 1, 1], [0, 0.1, 1, 1.1], [0, -0.1, 1, 0.9], [0, 10, 1, 11],
                       [1, 1, 0, 0], [0, 10.1, 1, 11.1], [0, 0, 1, 0.5]], np.float32)
_NMS_SCORES = np.array([0.9, 0.75, 0.6, 0.95, 0.5, 0.3, 0.8], np.float32)

CASES += [
    Case("NonMaxSuppressionWithOverlaps",
         lambda b, s: im2.non_max_suppression(b, s, 5, 0.45), [_NMS_BOXES, _NMS_SCORES]),
    Case("NonMaxSuppressionWithOverlaps-overlaps",
         lambda o, s: im2.non_max_suppression_overlaps(o, s, 4, 0.5, 0.2),
         [_r.uniform(0, 1, (7, 7)).astype(np.float32), _NMS_SCORES]),
    Case("rgb_to_hsv", lambda x: im2.hsv_to_rgb(im2.rgb_to_hsv(x) * 0.8),
         [_smooth_rgb(2, 3, 4)], grad=True),
    Case("crop_and_resize",
         lambda x, b: im2.crop_and_resize(x, b, [1, 0, 1], [3, 4], extrapolation_value=-1.0),
         [_img(2, 5, 6, 2), np.array([[0.1, 0.2, 0.8, 0.9], [0.7, 0.9, 0.1, 0.0],
                                      [-0.2, 0.3, 0.5, 1.2]], np.float32)]),
    Case("resize_bicubic", lambda x: im.resize_bicubic(x, [5, 7]), [_img(1, 3, 4, 2)]),
]
