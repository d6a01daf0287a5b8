"""``tf.image``: TF1's image namespace.

Resizing (TF1's ``align_corners`` semantics), flips, crops and pads, colour spaces and
measures come from :mod:`flowkit.ops.image_ops` and :mod:`flowkit.ops.image_more_ops`. This
module adds what is built on top of them: the colour adjustments (``adjust_*``), the random
augmentations (``random_*``, seeded like flowkit's random ops), SSIM,
``sample_distorted_bounding_box`` and ``draw_bounding_boxes``. All are compositions of ops,
so they need no kernel and the differentiable ones get their gradients for free.

The adjustments work as TF1's do: integer images are converted to float32 in ``[0, 1]``,
adjusted, and converted back with saturation; float16 and float32 images are adjusted as they
are (float64 ones in float32).

Example:
    >>> import flowkit as tf
    >>> img = tf.reshape(tf.range(4, dtype=tf.float32), [1, 2, 2, 1])
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.image.flip_left_right(img))[0, :, :, 0])
    [[1. 0.]
     [3. 2.]]
"""
from __future__ import annotations

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.ops import array_ops as aops
from flowkit.ops import math_ops as mops
from flowkit.ops.array_more_ops import extract_image_patches, extract_patches  # noqa: F401
from flowkit.ops.conv_ops import depthwise_conv2d
from flowkit.ops.image_detect_ops import (  # noqa: F401
    combined_non_max_suppression, extract_glimpse, generate_bounding_box_proposals)
from flowkit.ops.core import constant, constant_value, convert_to_tensor, op_scope
from flowkit.ops.image_more_ops import (  # noqa: F401
    crop_and_resize, hsv_to_rgb, non_max_suppression, non_max_suppression_overlaps,
    non_max_suppression_padded, non_max_suppression_with_scores, rgb_to_hsv)
from flowkit.ops.image_ops import (  # noqa: F401
    ResizeMethod, central_crop, convert_image_dtype, crop_to_bounding_box, flip_left_right,
    flip_up_down, grayscale_to_rgb, image_gradients, pad_to_bounding_box, per_image_standardization,
    psnr, resize_area, resize_bicubic, resize_bilinear, resize_image_with_crop_or_pad,
    resize_image_with_pad, resize_images, resize_nearest_neighbor, resize_with_crop_or_pad,
    rgb_to_grayscale, rgb_to_yiq, rgb_to_yuv, rot90, sobel_edges, total_variation,
    transpose_image, yiq_to_rgb, yuv_to_rgb)
from flowkit.ops.random_ops import random_crop, random_uniform  # noqa: F401
from flowkit.ops.shape_ops import cast, reshape, reverse, shape
from flowkit import renames as _renames

resize = resize_images
transpose = transpose_image

__all__ = ["ResizeMethod", "central_crop", "convert_image_dtype", "crop_to_bounding_box",
           "flip_left_right", "flip_up_down", "grayscale_to_rgb", "image_gradients",
           "pad_to_bounding_box", "per_image_standardization", "psnr", "resize_area",
           "resize_bicubic", "resize_bilinear", "resize_image_with_crop_or_pad",
           "resize_image_with_pad", "resize_images", "resize_nearest_neighbor",
           "resize_with_crop_or_pad", "rgb_to_grayscale", "rgb_to_yiq", "rgb_to_yuv", "rot90",
           "sobel_edges", "total_variation", "transpose_image", "yiq_to_rgb", "yuv_to_rgb",
           "crop_and_resize", "hsv_to_rgb", "rgb_to_hsv", "non_max_suppression",
           "non_max_suppression_overlaps", "non_max_suppression_padded",
           "non_max_suppression_with_scores", "random_crop", "resize", "transpose",
           "adjust_brightness", "adjust_contrast", "adjust_gamma", "adjust_hue",
           "adjust_saturation", "random_brightness", "random_contrast", "random_hue",
           "random_saturation", "random_flip_left_right", "random_flip_up_down", "ssim",
           "ssim_multiscale", "sample_distorted_bounding_box", "draw_bounding_boxes",
           "extract_image_patches", "extract_patches", "combined_non_max_suppression",
           "extract_glimpse", "generate_bounding_box_proposals"]


# --------------------------------------------------------------------------------------------
# Colour adjustments
# --------------------------------------------------------------------------------------------
def _to_float(image):
    if image.dtype in (dtypes.float16, dtypes.float32):
        return image
    return convert_image_dtype(image, dtypes.float32)


def _adjusted(image, name, default, fn):
    with op_scope(name, default, [image]) as scope:
        image = convert_to_tensor(image, name="image")
        mops.check_kind(image, "number", "image")
        out = fn(_to_float(image))
        return convert_image_dtype(out, image.dtype, saturate=True, name=scope)


def adjust_brightness(image, delta):
    """Adds ``delta`` to every pixel (of the image in float, in ``[0, 1]`` for integer
    images)."""
    return _adjusted(image, None, "adjust_brightness",
                     lambda x: x + cast(delta, x.dtype))


def adjust_contrast(images, contrast_factor):
    """``(x - mean) * contrast_factor + mean``, the mean over each image's height and width,
    per channel."""
    def fn(x):
        if x.shape.ndims is not None and x.shape.ndims < 3:
            raise ValueError(f"adjust_contrast: 'images' must be at least 3-D [..., height, "
                             f"width, channels], got shape {x.shape}")
        mean = mops.reduce_mean(x, [-3, -2], keepdims=True)
        return (x - mean) * cast(contrast_factor, x.dtype) + mean
    return _adjusted(images, None, "adjust_contrast", fn)


def adjust_gamma(image, gamma=1, gain=1):
    """``gain * image ** gamma`` (the image in float); ``gamma`` must be non-negative."""
    gv = constant_value(gamma) if isinstance(gamma, Tensor) else gamma
    if gv is not None and np.any(np.asarray(gv) < 0):
        raise ValueError(f"Gamma should be a non-negative real number, got {gv}")
    return _adjusted(image, None, "adjust_gamma",
                     lambda x: cast(gain, x.dtype) * mops.pow(x, cast(gamma, x.dtype)))


def _hsv_adjust(image, name, default, fn):
    def run(x):
        _check_rgb(x, default)
        h, s, v = aops.unstack(rgb_to_hsv(x), num=3, axis=-1)
        return hsv_to_rgb(aops.stack(fn(h, s, v), axis=-1))
    return _adjusted(image, name, default, run)


def _check_rgb(x, what):
    if x.shape.ndims is not None and (x.shape.ndims < 3 or
                                      x.shape.as_tuple()[-1] not in (None, 3)):
        raise ValueError(f"{what}: the image must be at least 3-D with 3 channels (RGB) on the "
                         f"last axis, got shape {x.shape}")


def adjust_hue(image, delta, name=None):
    """Rotates the hue of RGB images by ``delta`` (in ``[-1, 1]``, a fraction of the colour
    wheel)."""
    dv = constant_value(delta) if isinstance(delta, Tensor) else delta
    if dv is not None and not -1.0 <= float(dv) <= 1.0:
        raise ValueError(f"adjust_hue: delta must be in the interval [-1, 1], got {float(dv)}")

    def fn(h, s, v):
        h = h + cast(delta, h.dtype)
        return [h - mops.floor(h), s, v]
    return _hsv_adjust(image, name, "adjust_hue", fn)


def adjust_saturation(image, saturation_factor, name=None):
    """Multiplies the saturation of RGB images by ``saturation_factor`` (clipped to
    ``[0, 1]``)."""
    def fn(h, s, v):
        return [h, mops.clip_by_value(s * cast(saturation_factor, s.dtype), 0.0, 1.0), v]
    return _hsv_adjust(image, name, "adjust_saturation", fn)


# --------------------------------------------------------------------------------------------
# Random augmentations
# --------------------------------------------------------------------------------------------
def _check_range(lower, upper):
    if upper <= lower:
        raise ValueError(f"upper must be > lower, got lower={lower}, upper={upper}")
    if lower < 0:
        raise ValueError(f"lower must be non-negative, got {lower}")


def random_brightness(image, max_delta, seed=None):
    """:func:`adjust_brightness` by one delta uniform in ``[-max_delta, max_delta)``."""
    if max_delta < 0:
        raise ValueError(f"max_delta must be non-negative, got {max_delta}")
    delta = random_uniform([], -max_delta, max_delta, seed=seed)
    return adjust_brightness(image, delta)


def random_contrast(image, lower, upper, seed=None):
    """:func:`adjust_contrast` by one factor uniform in ``[lower, upper)``."""
    _check_range(lower, upper)
    return adjust_contrast(image, random_uniform([], lower, upper, seed=seed))


def random_hue(image, max_delta, seed=None):
    """:func:`adjust_hue` by one delta uniform in ``[-max_delta, max_delta)``
    (``max_delta <= 0.5``)."""
    if max_delta > 0.5:
        raise ValueError(f"max_delta must be <= 0.5, got {max_delta}")
    if max_delta < 0:
        raise ValueError(f"max_delta must be non-negative, got {max_delta}")
    return adjust_hue(image, random_uniform([], -max_delta, max_delta, seed=seed))


def random_saturation(image, lower, upper, seed=None):
    """:func:`adjust_saturation` by one factor uniform in ``[lower, upper)``."""
    _check_range(lower, upper)
    return adjust_saturation(image, random_uniform([], lower, upper, seed=seed))


def _random_flip(image, from_end, seed, default):
    with op_scope(None, default, [image]) as scope:
        image = convert_to_tensor(image, name="image")
        n = image.shape.ndims
        if n not in (3, 4):
            raise ValueError(f"'image' must be either 3 or 4 dimensions, got shape "
                             f"{image.shape}")
        if n == 3:
            flip = mops.less(random_uniform([], seed=seed), 0.5)
        else:       # one decision per image of the batch
            u = random_uniform(aops.stack([shape(image)[0]]), seed=seed)
            flip = reshape(mops.less(u, 0.5), [-1, 1, 1, 1])
        return aops.where_v2(flip, reverse(image, [n - from_end]), image, name=scope)


def random_flip_left_right(image, seed=None):
    """Mirrors the image horizontally with probability 1/2 (each image of a batch on its
    own)."""
    return _random_flip(image, 2, seed, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Mirrors the image vertically with probability 1/2 (each image of a batch on its
    own)."""
    return _random_flip(image, 3, seed, "random_flip_up_down")


# --------------------------------------------------------------------------------------------
# SSIM
# --------------------------------------------------------------------------------------------
def _gaussian(size, sigma):
    c = np.arange(size, dtype=np.float64) - (size - 1) / 2.0
    g = np.exp(-c * c / (2.0 * float(sigma) ** 2))
    g2 = np.outer(g, g)
    return (g2 / g2.sum()).astype(np.float32)


def _as_batch(x):
    """``[..., h, w, c]`` as ``[n, h, w, c]``, and a function back to ``[..., *]``."""
    n = x.shape.ndims
    if n is None or n < 3:
        raise ValueError(f"ssim: images must be at least 3-D [..., height, width, channels], "
                         f"got shape {x.shape}")
    if n == 4:
        return x, lambda t: t
    if n == 3:
        return aops.expand_dims(x, 0), lambda t: aops.squeeze(t, [0])
    heads = shape(x)[:-3]
    flat = reshape(x, aops.concat([[-1], shape(x)[-3:]], 0))
    return flat, lambda t: reshape(t, aops.concat([heads, shape(t)[1:]], 0))


def _ssim_parts(x, y, max_val, filter_size, filter_sigma, k1, k2):
    """Per-channel SSIM and contrast-structure means of two batches ``[n, h, w, c]``."""
    h, w, c = x.shape.as_tuple()[1:]
    if c is None:
        raise ValueError("ssim needs the number of channels known when the graph is built")
    for d in (h, w):
        if d is not None and d < filter_size:
            raise ValueError(f"ssim: images of shape {x.shape} are smaller than the filter "
                             f"(filter_size={filter_size})")
    kernel = constant(np.tile(_gaussian(filter_size, filter_sigma)[:, :, None, None],
                              [1, 1, c, 1]))

    def blur(t):
        return depthwise_conv2d(t, kernel, [1, 1, 1, 1], "VALID")
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    mx, my = blur(x), blur(y)
    num0, den0 = 2.0 * mx * my, mops.square(mx) + mops.square(my)
    luminance = (num0 + c1) / (den0 + c1)
    num1, den1 = 2.0 * blur(x * y), blur(mops.square(x) + mops.square(y))
    cs = (num1 - num0 + c2) / (den1 - den0 + c2)
    return (mops.reduce_mean(luminance * cs, [1, 2]), mops.reduce_mean(cs, [1, 2]))


def _ssim_inputs(img1, img2, max_val):
    img1 = convert_to_tensor(img1, name="img1")
    img2 = convert_to_tensor(img2, name="img2")
    if img1.dtype is not img2.dtype:
        raise TypeError(f"ssim: img1 and img2 must have the same dtype, got "
                        f"{img1.dtype.name} and {img2.dtype.name}")
    if img1.shape.ndims is not None and img2.shape.ndims is not None and \
            not img1.shape.is_compatible_with(img2.shape):
        raise ValueError(f"ssim: img1 and img2 must have the same shape, got {img1.shape} "
                         f"and {img2.shape}")
    top = convert_image_dtype(cast(max_val, img1.dtype), dtypes.float32)
    return (convert_image_dtype(img1, dtypes.float32),
            convert_image_dtype(img2, dtypes.float32), top)


def ssim(img1, img2, max_val, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         return_index_map=False):
    """Structural similarity of each pair of images ``[..., h, w, c]`` (Wang et al. 2004, an
    11 x 11 Gaussian window of sigma 1.5, valid positions only), averaged over positions and
    channels; ``max_val`` is the dynamic range (255 or 1.0). ``return_index_map`` is not
    provided."""
    if return_index_map:
        raise ValueError("ssim(return_index_map=True) is not provided by flowkit")
    with op_scope(None, "SSIM", [img1, img2]):
        a, b, top = _ssim_inputs(img1, img2, max_val)
        (x, back), (y, _) = _as_batch(a), _as_batch(b)
        val, _ = _ssim_parts(x, y, top, filter_size, filter_sigma, k1, k2)
        return back(mops.reduce_mean(val, [-1]))


_MS_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)


def _halve(x):
    """A 2 x 2 average pool (stride 2) after mirroring one row / column onto odd sizes."""
    h, w, c = x.shape.as_tuple()[1:]
    if h is not None and w is not None:
        pad = [[0, 0], [0, h % 2], [0, w % 2], [0, 0]]
    else:
        s = shape(x)
        pad = aops.stack([[0, 0], aops.stack([0, s[1] % 2]), aops.stack([0, s[2] % 2]),
                          [0, 0]])
    x = aops.pad(x, pad, "SYMMETRIC")
    if c is not None:
        x = reshape(x, aops.concat([shape(x)[:3], [c]], 0)) if h is None or w is None else x
    return (x[:, ::2, ::2] + x[:, 1::2, ::2] + x[:, ::2, 1::2] + x[:, 1::2, 1::2]) * 0.25


def ssim_multiscale(img1, img2, max_val, power_factors=_MS_WEIGHTS, filter_size=11,
                    filter_sigma=1.5, k1=0.01, k2=0.03):
    """Multi-scale SSIM (Wang et al. 2003): the contrast-structure terms of the first
    ``len(power_factors) - 1`` scales (each half the size of the last) and the SSIM of the
    last scale, raised to ``power_factors`` and multiplied; averaged over channels."""
    with op_scope(None, "MS-SSIM", [img1, img2]):
        a, b, top = _ssim_inputs(img1, img2, max_val)
        (x, back), (y, _) = _as_batch(a), _as_batch(b)
        terms = []
        for level in range(len(power_factors)):
            if level:
                x, y = _halve(x), _halve(y)
            val, cs = _ssim_parts(x, y, top, filter_size, filter_sigma, k1, k2)
            terms.append(mops.maximum(cs, 0.0))
        terms[-1] = mops.maximum(val, 0.0)
        stacked = aops.stack(terms, axis=-1)
        powers = constant(np.asarray(power_factors, np.float32))
        score = mops.reduce_prod(mops.pow(stacked, powers), [-1])
        return back(mops.reduce_mean(score, [-1]))


# --------------------------------------------------------------------------------------------
# sample_distorted_bounding_box
# --------------------------------------------------------------------------------------------
def _rint(x):
    return mops.floor(x + 0.5)


def _attempts(hf, wf, u, aspect_ratio_range, area_range):
    """Candidate crops ``(y, x, h, w)`` (floats) for each row of ``u`` and whether each is
    admissible, following TF's sampler: an aspect ratio, a height in the range the areas
    allow, then a position."""
    aspect = aspect_ratio_range[0] + u[:, 0] * (aspect_ratio_range[1] - aspect_ratio_range[0])
    min_area, max_area = area_range[0] * hf * wf, area_range[1] * hf * wf
    lo = _rint(mops.sqrt(min_area / aspect))
    hi = _rint(mops.sqrt(max_area / aspect))
    hi = aops.where_v2(mops.greater(_rint(hi * aspect), wf),
                       mops.floor((wf + 0.5 - 1e-7) / aspect), hi)
    hi = mops.minimum(hi, hf)
    lo = mops.minimum(lo, hi)
    height = lo + mops.floor(u[:, 1] * (hi - lo + 1.0))
    width = _rint(height * aspect)
    small = mops.less(height * width, min_area)
    height = aops.where_v2(small, height + 1.0, height)
    width = _rint(height * aspect)
    big = mops.greater(height * width, max_area)
    height = aops.where_v2(big, height - 1.0, height)
    width = _rint(height * aspect)
    area = height * width
    ok = [mops.greater_equal(area, min_area), mops.less_equal(area, max_area),
          mops.less_equal(width, wf), mops.less_equal(height, hf),
          mops.greater(width, 0.0), mops.greater(height, 0.0)]
    y = mops.floor(u[:, 2] * mops.maximum(hf - height, 0.0))
    x = mops.floor(u[:, 3] * mops.maximum(wf - width, 0.0))
    valid = ok[0]
    for cond in ok[1:]:
        valid = mops.logical_and(valid, cond)
    return y, x, height, width, valid


def _covers(y, x, h, w, boxes, hf, wf, min_object_covered):
    """Whether each crop covers at least ``min_object_covered`` of some box (pixel boxes,
    truncated as TF does; empty boxes never count)."""
    by1, bx1, by2, bx2 = [mops.floor(t) for t in aops.unstack(
        boxes * aops.stack([hf, wf, hf, wf]), num=4, axis=1)]
    col, row = (lambda t: aops.expand_dims(t, 1)), (lambda t: aops.expand_dims(t, 0))
    ih = mops.minimum(col(y + h), row(by2)) - mops.maximum(col(y), row(by1))
    iw = mops.minimum(col(x + w), row(bx2)) - mops.maximum(col(x), row(bx1))
    inter = mops.maximum(ih, 0.0) * mops.maximum(iw, 0.0)
    area = row((by2 - by1) * (bx2 - bx1))
    nonempty = mops.greater(area, 0.0)
    safe = aops.where_v2(nonempty, area, aops.ones_like(area))
    good = mops.logical_and(nonempty, mops.greater_equal(inter / safe, min_object_covered))
    return mops.reduce_any(good, [1])


def sample_distorted_bounding_box(image_size, bounding_boxes, seed=None, seed2=None,
                                  min_object_covered=0.1, aspect_ratio_range=None,
                                  area_range=None, max_attempts=None,
                                  use_image_if_no_bounding_boxes=None, name=None):
    """A random crop for data augmentation: ``(begin, size, bboxes)`` where ``begin`` is
    ``[y, x, 0]``, ``size`` is ``[height, width, -1]`` (for ``tf.slice``, in
    ``image_size``'s dtype) and ``bboxes`` ``[1, 1, 4]`` the crop as a normalized box. Up
    to ``max_attempts`` crops are drawn (aspect ratio uniform in ``aspect_ratio_range``, area
    a fraction of the image in ``area_range``); the first that covers at least
    ``min_object_covered`` of one of ``bounding_boxes`` (``[batch, n, 4]``, normalized) is
    returned, the whole image if none does."""
    aspect_ratio_range = list(aspect_ratio_range or (0.75, 1.33))
    area_range = list(area_range or (0.05, 1.0))
    max_attempts = int(max_attempts or 100)
    if min_object_covered < 0:
        raise ValueError(f"min_object_covered must be >= 0, got {min_object_covered}")
    if not 0 < area_range[0] <= area_range[1] <= 1:
        raise ValueError(f"area_range must be within (0, 1] and increasing, got {area_range}")
    if not 0 < aspect_ratio_range[0] <= aspect_ratio_range[1]:
        raise ValueError(f"aspect_ratio_range must be positive and increasing, got "
                         f"{aspect_ratio_range}")
    with op_scope(name, "sample_distorted_bounding_box", [image_size, bounding_boxes]):
        size_t = convert_to_tensor(image_size, name="image_size")
        if size_t.shape.ndims not in (None, 1) or size_t.shape.as_tuple()[0] not in (None, 3):
            raise ValueError(f"image_size must be 1-D [height, width, channels], got shape "
                             f"{size_t.shape}")
        boxes = cast(convert_to_tensor(bounding_boxes, name="bounding_boxes"), dtypes.float32)
        if boxes.shape.ndims not in (None, 3) or \
                (boxes.shape.ndims == 3 and boxes.shape.as_tuple()[2] not in (None, 4)):
            raise ValueError(f"bounding_boxes must be 3-D [batch, N, 4], got shape "
                             f"{boxes.shape}")
        boxes = reshape(boxes, [-1, 4])
        if boxes.shape.as_tuple()[0] == 0:
            if not use_image_if_no_bounding_boxes:
                raise ValueError("sample_distorted_bounding_box: no bounding box given; pass "
                                 "use_image_if_no_bounding_boxes=True to use the whole image")
            boxes = constant([[0.0, 0.0, 1.0, 1.0]])
        hf, wf = [cast(t, dtypes.float32) for t in aops.unstack(size_t, num=3)[:2]]
        u = random_uniform([max_attempts, 4], seed=seed if seed is not None else seed2)
        y, x, h, w, valid = _attempts(hf, wf, u, aspect_ratio_range, area_range)
        valid = mops.logical_and(valid, _covers(y, x, h, w, boxes, hf, wf,
                                                float(min_object_covered)))
        first = mops.argmax(cast(valid, dtypes.int32), 0)
        found = mops.reduce_any(valid)
        pick = [aops.where_v2(found, aops.gather(t, first), d)
                for t, d in ((y, 0.0), (x, 0.0), (h, hf), (w, wf))]
        y, x, h, w = pick
        out = size_t.dtype
        begin = aops.stack([cast(y, out), cast(x, out), constant(0, dtype=out)], name="begin")
        size = aops.stack([cast(h, out), cast(w, out), constant(-1, dtype=out)], name="size")
        box = reshape(aops.stack([y / hf, x / wf, (y + h) / hf, (x + w) / wf]), [1, 1, 4],
                      name="bboxes")
        return begin, size, box


# --------------------------------------------------------------------------------------------
# draw_bounding_boxes
# --------------------------------------------------------------------------------------------
_PALETTE = np.array([[1, 1, 0, 1], [0, 0, 1, 1], [1, 0, 0, 1], [0, 1, 0, 1], [0.5, 0, 0.5, 1],
                     [0.5, 0.5, 0, 1], [0.5, 0, 0, 1], [0, 0, 0.5, 1], [0, 1, 1, 1],
                     [1, 0, 1, 1]], np.float32)


def draw_bounding_boxes(images, boxes, name=None, colors=None):
    """Draws the outline (one pixel wide) of each box of ``boxes`` ``[batch, n, 4]``
    (normalized ``y_min, x_min, y_max, x_max``) on the float images ``[batch, h, w, depth]``:
    box ``k`` in colour ``colors[k % len(colors)]`` (a default palette of 10 colours), later
    boxes over earlier ones. Corners map to pixel ``int(y * (h - 1))``; inverted boxes are
    skipped and the parts outside the image are not drawn. ``n`` must be known when the
    graph is built."""
    with op_scope(name, "draw_bounding_boxes", [images, boxes]) as scope:
        images = convert_to_tensor(images, name="images")
        mops.check_kind(images, "float", "images")
        boxes = cast(convert_to_tensor(boxes, name="boxes"), dtypes.float32)
        if images.shape.ndims != 4 or images.shape.as_tuple()[3] is None:
            raise ValueError(f"draw_bounding_boxes: images must be 4-D [batch, height, width, "
                             f"depth] with a known depth, got shape {images.shape}")
        if boxes.shape.ndims != 3 or None in boxes.shape.as_tuple()[1:] or \
                boxes.shape.as_tuple()[2] != 4:
            raise ValueError(f"draw_bounding_boxes: boxes must be [batch, num_boxes, 4] with a "
                             f"known num_boxes, got shape {boxes.shape}")
        depth, n = images.shape.as_tuple()[3], boxes.shape.as_tuple()[1]
        table = _PALETTE if colors is None else np.asarray(colors, np.float32)
        if table.ndim != 2 or table.shape[1] < depth:
            raise ValueError(f"draw_bounding_boxes: colors must be [num_colors, >= depth "
                             f"({depth})], got shape {table.shape}")
        s = shape(images)
        hf, wf = cast(s[1] - 1, dtypes.float32), cast(s[2] - 1, dtypes.float32)
        rows = reshape(aops.range(s[1]), [1, -1, 1])
        cols = reshape(aops.range(s[2]), [1, 1, -1])
        out = images
        for k in range(n):
            corner = aops.unstack(boxes[:, k], num=4, axis=1)
            r0, c0, r1, c1 = [reshape(cast(t * f, dtypes.int32), [-1, 1, 1])
                              for t, f in zip(corner, (hf, wf, hf, wf))]
            in_cols = mops.logical_and(mops.greater_equal(cols, c0), mops.less_equal(cols, c1))
            in_rows = mops.logical_and(mops.greater_equal(rows, r0), mops.less_equal(rows, r1))
            edge_r = mops.logical_or(mops.equal(rows, r0), mops.equal(rows, r1))
            edge_c = mops.logical_or(mops.equal(cols, c0), mops.equal(cols, c1))
            mask = mops.logical_or(mops.logical_and(edge_r, in_cols),
                                   mops.logical_and(edge_c, in_rows))
            upright = mops.logical_and(mops.less_equal(r0, r1), mops.less_equal(c0, c1))
            mask = mops.logical_and(mask, upright)          # inverted boxes are skipped
            color = constant(table[k % len(table), :depth].astype(
                images.dtype.as_numpy_dtype))
            out = aops.where_v2(aops.expand_dims(mask, -1), color, out)
        return aops.identity(out, name=scope)


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.tf_image", "image", name, __all__ + list(globals()))
