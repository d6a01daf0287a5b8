"""Images (tf.image): resizing with TF1's align_corners semantics (bilinear and nearest
neighbour as kernels; bicubic and area as products with per-axis weight matrices), flips,
rotations, crops and pads to a bounding box, per-image standardization, the linear colour
spaces (grayscale, YIQ, YUV), total variation, PSNR, Sobel and image gradients,
space_to_depth and depth_to_space.

Images are ``[height, width, channels]`` or batches ``[batch, height, width, channels]``.
The resize ops map output pixel ``i`` to input coordinate ``i * scale`` (TF1's legacy
mapping, ``scale = in / out``, or ``(in - 1) / (out - 1)`` with ``align_corners=True``), or
``(i + 0.5) * scale - 0.5`` with ``half_pixel_centers=True`` (TF2's ``tf.image.resize``).
``ResizeBilinear`` gives float32 whatever the input dtype, as in TF; nearest neighbour keeps
it. Their gradients are the ops ``ResizeBilinearGrad`` and ``ResizeNearestNeighborGrad``.

Example:
    >>> import flowkit as tf
    >>> img = tf.reshape(tf.range(4.0), [1, 2, 2, 1])
    >>> big = tf.image.resize_images(img, [3, 3], align_corners=True)
    >>> with tf.Session() as sess:
    ...     print(sess.run(big)[0, :, :, 0])
    [[0.  0.5 1. ]
     [1.  1.5 2. ]
     [2.  2.5 3. ]]
"""
from __future__ import annotations

__all__ = ["ResizeMethod", "resize_images", "resize_bilinear", "resize_nearest_neighbor",
           "flip_left_right", "flip_up_down", "transpose_image", "per_image_standardization",
           "rgb_to_grayscale", "central_crop", "space_to_depth", "depth_to_space",
           "convert_image_dtype", "resize_area", "resize_bicubic", "rot90",
           "crop_to_bounding_box", "pad_to_bounding_box", "resize_image_with_crop_or_pad",
           "resize_with_crop_or_pad", "resize_image_with_pad", "grayscale_to_rgb",
           "rgb_to_yiq", "yiq_to_rgb", "rgb_to_yuv", "yuv_to_rgb", "total_variation", "psnr",
           "image_gradients", "sobel_edges"]

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops as aops
from flowkit.ops import math_ops as mops
from flowkit.ops.core import (constant, constant_value, convert_to_tensor, make_tensor,
                              op_scope)
from flowkit.ops.matrix_ops import tensordot
from flowkit.ops.indexing_ops import slice as _slice
from flowkit.ops.math_ops import (check_kind, clip_by_value, maximum, multiply, reduce_mean,
                                  reduce_sum, rsqrt, sqrt, square, subtract, truediv)
from flowkit.ops.shape_ops import (cast, expand_dims, identity, reshape, reverse, shape,
                                   squeeze, transpose)


class ResizeMethod:
    """The ``method`` values of :func:`resize_images` (TF1's numbering)."""

    BILINEAR = 0
    NEAREST_NEIGHBOR = 1
    BICUBIC = 2
    AREA = 3


# --------------------------------------------------------------------------------------------
# Resize ops
# --------------------------------------------------------------------------------------------
def _size_values(size_t):
    v = constant_value(size_t)
    if v is None:
        return [None, None]
    v = [int(d) for d in np.reshape(v, [-1])]
    if any(d <= 0 for d in v):
        raise ValueError(f"output dimensions must be positive, got size {v}")
    return v


def _check_images(images, op_type):
    if images.shape.ndims is not None and images.shape.ndims != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {images.shape.ndims} (input "
                         f"'images' of '{op_type}')")


def _check_size(size_t):
    if size_t.dtype is not dtypes.int32:
        raise TypeError(f"size must be an int32 tensor, got {size_t.dtype.name}")
    if size_t.shape.ndims not in (None, 1) or \
            (size_t.shape.ndims == 1 and size_t.shape[0].value not in (None, 2)):
        raise ValueError(f"size must be a 1-D int32 tensor of 2 elements, got shape "
                         f"{size_t.shape}")


def _resize_shape(out_dtype):
    def rule(inputs, attrs):
        images, size_t = inputs
        check_kind(images, "number", "images")
        _check_images(images, attrs.get("_type", "Resize"))
        _check_size(size_t)
        if attrs["align_corners"] and attrs["half_pixel_centers"]:
            raise ValueError("If half_pixel_centers is True, align_corners must be False.")
        h, w = _size_values(size_t)
        d = images.shape.as_tuple() if images.shape.ndims is not None else (None,) * 4
        return [(out_dtype or images.dtype, TensorShape([d[0], h, w, d[3]]))]
    return rule


def _resize_grad_shape(inputs, attrs):
    grads, original = inputs
    check_kind(original, "float", "original_image")
    return [(original.dtype, original.shape)]


def _resize_nn_grad_shape(inputs, attrs):
    grads, size_t = inputs
    _check_size(size_t)
    h, w = _size_values(size_t)
    d = grads.shape.as_tuple() if grads.shape.ndims is not None else (None,) * 4
    return [(grads.dtype, TensorShape([d[0], h, w, d[3]]))]


def _mode_attrs(op):
    return {"align_corners": op.attrs["align_corners"],
            "half_pixel_centers": op.attrs["half_pixel_centers"]}


def _bilinear_grad(op, g):
    x = op.inputs[0]
    if not x.dtype.is_floating:
        return [None, None]
    return [make_tensor("ResizeBilinearGrad", (g, x), _mode_attrs(op)), None]


def _nearest_grad(op, g):
    size_t = shape(op.inputs[0])[1:3]
    return [make_tensor("ResizeNearestNeighborGrad", (g, size_t), _mode_attrs(op)), None]


register_op("ResizeBilinear", shape=_resize_shape(dtypes.float32), grad=_bilinear_grad)
register_op("ResizeNearestNeighbor", shape=_resize_shape(None), grad=_nearest_grad)
register_op("ResizeBilinearGrad", shape=_resize_grad_shape, grad=None)
register_op("ResizeNearestNeighborGrad", shape=_resize_nn_grad_shape, grad=None)


def _size_tensor(size):
    if isinstance(size, Tensor):
        return size
    return convert_to_tensor(size, dtype=dtypes.int32, name="size")


def _resize(op_type, images, size, align_corners, half_pixel_centers, name):
    with op_scope(name, op_type, [images, size]) as scope:
        images = convert_to_tensor(images, name="images")
        attrs = {"align_corners": bool(align_corners),
                 "half_pixel_centers": bool(half_pixel_centers)}
        return make_tensor(op_type, (images, _size_tensor(size)), attrs, scope)


def resize_bilinear(images, size, align_corners=False, name=None,
                    half_pixel_centers=False) -> Tensor:
    """Bilinear resize of a batch ``[b, h, w, c]`` to ``size = [new_h, new_w]``; the result
    is float32 (TF1's ``tf.image.resize_bilinear``)."""
    return _resize("ResizeBilinear", images, size, align_corners, half_pixel_centers, name)


def resize_nearest_neighbor(images, size, align_corners=False, name=None,
                            half_pixel_centers=False) -> Tensor:
    """Nearest-neighbour resize of a batch ``[b, h, w, c]``; keeps the dtype. Output pixel
    ``i`` takes input ``floor(i * scale)`` (``round`` with ``align_corners``)."""
    return _resize("ResizeNearestNeighbor", images, size, align_corners, half_pixel_centers,
                   name)


def _image_rank(image, what="image"):
    n = image.shape.ndims
    if n is None:
        raise ValueError(f"'{what}' must have a known rank (3 or 4 dimensions)")
    if n not in (3, 4):
        raise ValueError(f"'{what}' must be either 3 or 4 dimensions, got shape {image.shape}")
    return n


def resize_images(images, size, method=ResizeMethod.BILINEAR, align_corners=False,
                  preserve_aspect_ratio=False, name=None) -> Tensor:
    """Resizes ``images`` (``[h, w, c]`` or ``[b, h, w, c]``) to ``size = [new_h, new_w]``
    (TF1's ``tf.image.resize_images``): ``method`` ``ResizeMethod.BILINEAR`` (float32
    result) or ``NEAREST_NEIGHBOR`` (same dtype); when the static size already matches, the
    images are returned unchanged. ``BICUBIC`` and ``AREA`` (float32 results) need the image
    and output sizes known when the graph is built. TF2's method names (``"bilinear"``,
    ``"nearest"``, ``"bicubic"``, ``"area"``) are accepted as ``tf.compat.v1`` does."""
    with op_scope(name, "resize_images", [images, size]) as scope:
        images = convert_to_tensor(images, name="images")
        rank = _image_rank(images, "images")
        is_batch = rank == 4
        if not is_batch:
            images = expand_dims(images, 0)
        if preserve_aspect_ratio:
            raise ValueError("preserve_aspect_ratio=True is not supported by flowkit's "
                             "resize_images; compute the size yourself")
        size_t = _size_tensor(size)
        want = _size_values(size_t)
        have = images.shape.as_tuple()[1:3]
        if None not in want and tuple(want) == tuple(have):
            return images if is_batch else squeeze(images, [0])
        if method in (ResizeMethod.BILINEAR, "bilinear"):
            out = resize_bilinear(images, size_t, align_corners)
        elif method in (ResizeMethod.NEAREST_NEIGHBOR, "nearest"):
            out = resize_nearest_neighbor(images, size_t, align_corners)
        elif method in (ResizeMethod.BICUBIC, "bicubic"):
            out = resize_bicubic(images, size_t, align_corners)
        elif method in (ResizeMethod.AREA, "area"):
            out = resize_area(images, size_t, align_corners)
        else:
            raise ValueError(f"Resize method is not implemented: {method!r}")
        return out if is_batch else squeeze(out, [0], name=scope)


# --------------------------------------------------------------------------------------------
# Flips and transposes (built on reverse / transpose)
# --------------------------------------------------------------------------------------------
def _flip(image, from_end, name, default):
    with op_scope(name, default, [image]) as scope:
        image = convert_to_tensor(image, name="image")
        rank = _image_rank(image)
        return reverse(image, [rank - from_end], name=scope)


def flip_left_right(image, name=None) -> Tensor:
    """Mirrors an image (or each image of a batch) horizontally: the width axis reversed."""
    return _flip(image, 2, name, "flip_left_right")


def flip_up_down(image, name=None) -> Tensor:
    """Mirrors an image (or each image of a batch) vertically: the height axis reversed."""
    return _flip(image, 3, name, "flip_up_down")


def transpose_image(image, name=None) -> Tensor:
    """Swaps the height and width axes of an image or a batch of images."""
    with op_scope(name, "transpose_image", [image]) as scope:
        image = convert_to_tensor(image, name="image")
        perm = [1, 0, 2] if _image_rank(image) == 3 else [0, 2, 1, 3]
        return transpose(image, perm, name=scope)


# --------------------------------------------------------------------------------------------
# Pixel values
# --------------------------------------------------------------------------------------------
def per_image_standardization(image, name=None) -> Tensor:
    """``(image - mean) / max(stddev, 1 / sqrt(num_pixels))`` for each image (the last three
    axes), in float32, as TF1 computes it."""
    with op_scope(name, "per_image_standardization", [image]) as scope:
        image = convert_to_tensor(image, name="image")
        if image.shape.ndims is not None and image.shape.ndims < 3:
            raise ValueError(f"'image' must be at least three-dimensional, got shape "
                             f"{image.shape}")
        dims = image.shape.as_tuple()[-3:] if image.shape.ndims is not None else (None,)
        if None in dims:
            num_pixels = cast(_prod_last3(image), dtypes.float32)
        else:
            num_pixels = constant(float(np.prod(dims)), dtype=dtypes.float32)
        image = cast(image, dtypes.float32)
        mean = reduce_mean(image, [-1, -2, -3], keepdims=True)
        variance = reduce_mean(square(image), [-1, -2, -3], keepdims=True) - square(mean)
        stddev = sqrt(maximum(variance, 0.0))
        scale = maximum(stddev, rsqrt(num_pixels))
        return truediv(subtract(image, mean), scale, name=scope)


def _prod_last3(image):
    s = shape(image)[-3:]
    return s[0] * s[1] * s[2]


_RGB_WEIGHTS = (0.2989, 0.5870, 0.1140)


def rgb_to_grayscale(images, name=None) -> Tensor:
    """The weighted sum ``0.2989 R + 0.5870 G + 0.1140 B`` of the last axis, kept as an axis
    of size 1, in the images' dtype."""
    with op_scope(name, "rgb_to_grayscale", [images]) as scope:
        images = convert_to_tensor(images, name="images")
        flt = convert_image_dtype(images, dtypes.float32)
        gray = reduce_sum(flt * constant(np.array(_RGB_WEIGHTS, np.float32)), [-1],
                          keepdims=True)
        return convert_image_dtype(gray, images.dtype, name=scope)


def convert_image_dtype(image, dtype, saturate=False, name=None) -> Tensor:
    """Converts pixel values between integer (``0..max``) and float (``0..1``) dtypes,
    scaling them (TF1's ``tf.image.convert_image_dtype``)."""
    dtype = dtypes.as_dtype(dtype)
    with op_scope(name, "convert_image", [image]) as scope:
        image = convert_to_tensor(image, name="image")
        src = image.dtype
        if src is dtype:
            return identity(image, name=scope)
        if src.is_floating and dtype.is_floating:
            return cast(image, dtype, name=scope)
        if src.is_integer and dtype.is_floating:
            scale = 1.0 / np.iinfo(src.as_numpy_dtype).max
            return multiply(cast(image, dtype), constant(scale, dtype=dtype), name=scope)
        if src.is_floating and dtype.is_integer:
            top = np.iinfo(dtype.as_numpy_dtype).max
            scaled = image * constant(top + 0.5, dtype=src)
            if saturate:
                scaled = clip_by_value(scaled, 0.0, float(top))
            return cast(scaled, dtype, name=scope)
        scaled = cast(image, dtypes.float64) * (np.iinfo(dtype.as_numpy_dtype).max /
                                                np.iinfo(src.as_numpy_dtype).max)
        return cast(scaled, dtype, name=scope)


def central_crop(image, central_fraction, name=None) -> Tensor:
    """The central part of each image: ``central_fraction`` (in ``(0, 1]``) of its height
    and width, starting at ``int((size - size * fraction) / 2)``."""
    if central_fraction <= 0.0 or central_fraction > 1.0:
        raise ValueError("central_fraction must be within (0, 1]")
    with op_scope(name, "central_crop", [image]) as scope:
        image = convert_to_tensor(image, name="image")
        rank = _image_rank(image)
        if central_fraction == 1.0:
            return identity(image, name=scope)
        h, w = image.shape.as_tuple()[-3:-1]
        if h is None or w is None:
            raise ValueError("central_crop needs the image height and width known when the "
                             "graph is built")
        top = int((h - h * central_fraction) / 2)
        left = int((w - w * central_fraction) / 2)
        begin = [top, left, 0] if rank == 3 else [0, top, left, 0]
        size = [h - 2 * top, w - 2 * left, -1] if rank == 3 else [-1, h - 2 * top,
                                                                  w - 2 * left, -1]
        return _slice(image, begin, size, name=scope)


# --------------------------------------------------------------------------------------------
# space_to_depth / depth_to_space (reshape, transpose, reshape)
# --------------------------------------------------------------------------------------------
def _blocks_check(x, block_size, data_format):
    if data_format != "NHWC":
        raise ValueError(f"data_format {data_format!r} is not supported; use 'NHWC'")
    block_size = int(block_size)
    if block_size < 2:
        raise ValueError(f"Value for attr 'block_size' of {block_size} must be at least 2")
    if x.shape.ndims is not None and x.shape.ndims != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {x.shape.ndims} (input)")
    d = x.shape.as_tuple() if x.shape.ndims is not None else (None,) * 4
    if None in d[1:]:
        raise ValueError("space_to_depth and depth_to_space need the height, width and "
                         "depth known when the graph is built")
    return block_size, d


def space_to_depth(input, block_size, name=None, data_format="NHWC") -> Tensor:  # noqa: A002
    """Moves ``block_size x block_size`` blocks of pixels into the depth axis:
    ``[b, h, w, c]`` to ``[b, h / bs, w / bs, bs * bs * c]``.

    Example:
        >>> x = tf.reshape(tf.range(16), [1, 4, 4, 1])
        >>> y = tf.space_to_depth(x, 2)
        >>> y.shape
        TensorShape([Dimension(1), Dimension(2), Dimension(2), Dimension(4)])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])      # the top-left pixel of each 2x2 block
        ...     print(sess.run(y)[0, 0, 0])         # the first block, as depth
        [[ 0  2]
         [ 8 10]]
        [0 1 4 5]
    """
    with op_scope(name, "SpaceToDepth", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        bs, (_, h, w, c) = _blocks_check(x, block_size, data_format)
        if h % bs or w % bs:
            raise ValueError(f"Dimension size must be evenly divisible by {bs}: image height "
                             f"{h} and width {w} (SpaceToDepth)")
        y = reshape(x, [-1, h // bs, bs, w // bs, bs, c])
        y = transpose(y, [0, 1, 3, 2, 4, 5])
        return reshape(y, [-1, h // bs, w // bs, bs * bs * c], name=scope)


def depth_to_space(input, block_size, name=None, data_format="NHWC") -> Tensor:  # noqa: A002
    """The inverse of :func:`space_to_depth`: ``[b, h, w, c]`` to
    ``[b, h * bs, w * bs, c / (bs * bs)]``.

    Example:
        >>> x = tf.reshape(tf.range(8), [1, 1, 2, 4])
        >>> y = tf.depth_to_space(x, 2)
        >>> y.shape
        TensorShape([Dimension(1), Dimension(2), Dimension(4), Dimension(1)])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])
        ...     print((sess.run(tf.depth_to_space(tf.space_to_depth(y, 2), 2)) ==
        ...            sess.run(y)).all())
        [[0 1 4 5]
         [2 3 6 7]]
        True
    """
    with op_scope(name, "DepthToSpace", [input]) as scope:
        x = convert_to_tensor(input, name="input")
        bs, (_, h, w, c) = _blocks_check(x, block_size, data_format)
        if c % (bs * bs):
            raise ValueError(f"Dimension size must be evenly divisible by {bs * bs} but is "
                             f"{c} (DepthToSpace: the input depth)")
        y = reshape(x, [-1, h, w, bs, bs, c // (bs * bs)])
        y = transpose(y, [0, 1, 3, 2, 4, 5])
        return reshape(y, [-1, h * bs, w * bs, c // (bs * bs)], name=scope)


# --------------------------------------------------------------------------------------------
# Bicubic and area resizes: separable, so each is ``Wh @ image @ Ww^T`` with per-axis weight
# matrices computed when the graph is built (no kernel; the gradient comes from MatMul).
# --------------------------------------------------------------------------------------------
def _resize_scale(in_size, out_size, align):
    if align and out_size > 1:
        return np.float32(in_size - 1) / np.float32(out_size - 1)
    return np.float32(in_size) / np.float32(out_size)


def _area_weights(in_size, out_size, align):
    """Each output pixel averages the input interval ``[o * scale, (o + 1) * scale)``, every
    input pixel weighted by its overlap with it (indices past the end read the last pixel)."""
    scale = _resize_scale(in_size, out_size, align)
    w = np.zeros((out_size, in_size), np.float64)
    for o in range(out_size):
        lo, hi = np.float32(o) * scale, np.float32(o + 1) * scale
        for i in range(int(np.floor(lo)), int(np.ceil(hi))):
            w[o, min(i, in_size - 1)] += min(i + 1.0, float(hi)) - max(float(i), float(lo))
    return (w / float(scale)).astype(np.float32)


def _cubic(x, a):
    x = np.abs(x)
    near = ((a + 2) * x - (a + 3)) * x * x + 1
    far = ((a * x - 5 * a) * x + 8 * a) * x - 4 * a
    return np.where(x <= 1, near, np.where(x < 2, far, 0.0))


def _cubic_weights(in_size, out_size, align, half):
    """TF's bicubic weights, the fraction rounded to 1/1024 (TF reads a table): the legacy
    mapping uses the cubic kernel with ``a = -0.75`` and clamps the four taps to the image;
    half-pixel centers use Keys' ``a = -0.5``, drop the taps outside the image and
    renormalize."""
    scale = _resize_scale(in_size, out_size, align)
    taps = np.arange(-1, 3)
    w = np.zeros((out_size, in_size), np.float64)
    for o in range(out_size):
        if half:
            loc = (np.float32(o) + np.float32(0.5)) * scale - np.float32(0.5)
        else:
            loc = np.float32(o) * scale
        floor = np.floor(loc)
        delta = float(loc - floor)
        delta = np.rint(delta * 1024) / 1024
        idx = int(floor) + taps
        cw = _cubic(delta - taps, -0.5 if half else -0.75)
        if half:
            cw = np.where((idx >= 0) & (idx < in_size), cw, 0.0)
            total = cw.sum()
            cw = cw / total if abs(total) > 1e-30 else cw
        np.add.at(w[o], np.clip(idx, 0, in_size - 1), cw)
    return w.astype(np.float32)


def _resize_by_weights(op_name, images, size, weights, name):
    with op_scope(name, op_name, [images, size]) as scope:
        images = convert_to_tensor(images, name="images")
        check_kind(images, "number", "images")
        _check_images(images, op_name)
        size_t = _size_tensor(size)
        _check_size(size_t)
        oh, ow = _size_values(size_t)
        dims = images.shape.as_tuple() if images.shape.ndims is not None else (None,) * 4
        if None in (oh, ow, dims[1], dims[2]):
            raise ValueError(f"{op_name} needs the image height and width and the output size "
                             f"known when the graph is built, got images of shape "
                             f"{images.shape} and size {[oh, ow]}")
        wh, ww = constant(weights(dims[1], oh)), constant(weights(dims[2], ow))
        y = tensordot(wh, cast(images, dtypes.float32), [[1], [1]])     # [oh, b, w, c]
        y = tensordot(y, ww, [[2], [1]])                                  # [oh, b, c, ow]
        return transpose(y, [1, 0, 3, 2], name=scope)


def resize_bicubic(images, size, align_corners=False, name=None,
                   half_pixel_centers=False) -> Tensor:
    """Bicubic resize of a batch ``[b, h, w, c]`` (float32 result) with TF1's coordinate
    mapping; the image and output sizes must be known when the graph is built."""
    if align_corners and half_pixel_centers:
        raise ValueError("If half_pixel_centers is True, align_corners must be False.")
    return _resize_by_weights(
        "ResizeBicubic", images, size,
        lambda i, o: _cubic_weights(i, o, align_corners, half_pixel_centers), name)


def resize_area(images, size, align_corners=False, name=None) -> Tensor:
    """Area (box-filter) resize of a batch ``[b, h, w, c]``, float32 result: each output pixel
    is the mean of the input area it covers (TF1's ``tf.image.resize_area``)."""
    return _resize_by_weights("ResizeArea", images, size,
                              lambda i, o: _area_weights(i, o, align_corners), name)


# --------------------------------------------------------------------------------------------
# Rotations, crops and pads to a bounding box
# --------------------------------------------------------------------------------------------
def rot90(image, k=1, name=None) -> Tensor:
    """Rotates an image (or each image of a batch) by ``k`` quarter turns counter-clockwise;
    ``k`` must be known when the graph is built."""
    with op_scope(name, "rot90", [image]) as scope:
        image = convert_to_tensor(image, name="image")
        rank = _image_rank(image)
        kv = constant_value(k) if isinstance(k, Tensor) else k
        if kv is None:
            raise ValueError("rot90 needs k known when the graph is built")
        k = int(np.reshape(kv, [])) % 4
        h, w = rank - 3, rank - 2
        perm = list(range(rank))
        perm[h], perm[w] = w, h
        if k == 0:
            return identity(image, name=scope)
        if k == 2:
            return reverse(image, [h, w], name=scope)
        if k == 1:
            return transpose(reverse(image, [w]), perm, name=scope)
        return reverse(transpose(image, perm), [w], name=scope)


def _known_ints(values, names):
    """Python ints where every value is known when the graph is built, else int32 tensors."""
    known = []
    for v in values:
        cv = constant_value(v) if isinstance(v, Tensor) else v
        known.append(None if cv is None else int(np.reshape(cv, [])))
    if None not in known:
        return known, True
    return [v if isinstance(v, Tensor) else convert_to_tensor(v, dtype=dtypes.int32, name=n)
            for v, n in zip(values, names)], False


def _check_positive(what, vals, conds):
    for (n, v), cond in zip(zip(what, vals), conds):
        if v is not None and not cond(v):
            raise ValueError(f"{n}, got {v}")


def _hw(image, rank):
    h, w = image.shape.as_tuple()[-3:-1]
    if h is None or w is None:
        s = shape(image)
        return (s[rank - 3] if h is None else h), (s[rank - 2] if w is None else w)
    return h, w


def crop_to_bounding_box(image, offset_height, offset_width, target_height,
                         target_width) -> Tensor:
    """The ``[target_height, target_width]`` window of an image (or of each image of a batch)
    whose top-left corner is at ``(offset_height, offset_width)``."""
    with op_scope(None, "crop_to_bounding_box", [image]) as scope:
        image = convert_to_tensor(image, name="image")
        rank = _image_rank(image)
        names = ("offset_height", "offset_width", "target_height", "target_width")
        vals, known = _known_ints([offset_height, offset_width, target_height, target_width],
                                  names)
        h, w = image.shape.as_tuple()[-3:-1]
        if known:
            oh, ow, th, tw = vals
            _check_positive(
                ["crop_to_bounding_box: offset_height must be >= 0",
                 "crop_to_bounding_box: offset_width must be >= 0",
                 "crop_to_bounding_box: target_height must be > 0",
                 "crop_to_bounding_box: target_width must be > 0"],
                vals, [lambda v: v >= 0] * 2 + [lambda v: v > 0] * 2)
            if h is not None and h < th + oh:
                raise ValueError(f"crop_to_bounding_box: image height must be >= "
                                 f"target_height + offset_height, got {h} < {th} + {oh}")
            if w is not None and w < tw + ow:
                raise ValueError(f"crop_to_bounding_box: image width must be >= "
                                 f"target_width + offset_width, got {w} < {tw} + {ow}")
        zero = [0] if known else [constant(0)]
        full = [-1] if known else [constant(-1)]
        begin = ([] if rank == 3 else zero) + list(vals[:2]) + zero
        size = ([] if rank == 3 else full) + list(vals[2:]) + full
        if not known:
            begin, size = aops.stack(begin), aops.stack(size)
        return _slice(image, begin, size, name=scope)


def pad_to_bounding_box(image, offset_height, offset_width, target_height,
                        target_width) -> Tensor:
    """Pads an image (or each image of a batch) with zeros to
    ``[target_height, target_width]``, the image's top-left corner landing at
    ``(offset_height, offset_width)``."""
    with op_scope(None, "pad_to_bounding_box", [image]) as scope:
        image = convert_to_tensor(image, name="image")
        rank = _image_rank(image)
        names = ("offset_height", "offset_width", "target_height", "target_width")
        vals, known = _known_ints([offset_height, offset_width, target_height, target_width],
                                  names)
        h, w = _hw(image, rank)
        oh, ow, th, tw = vals
        if known:
            _check_positive(["pad_to_bounding_box: offset_height must be >= 0",
                             "pad_to_bounding_box: offset_width must be >= 0"],
                            vals[:2], [lambda v: v >= 0] * 2)
            for what, size, t, o in (("height", h, th, oh), ("width", w, tw, ow)):
                if isinstance(size, int) and size > t - o:
                    raise ValueError(f"pad_to_bounding_box: image {what} must be <= "
                                     f"target_{what} - offset_{what}, got {size} > {t} - {o}")
        after_h, after_w = th - oh - h, tw - ow - w
        rows = [[oh, after_h], [ow, after_w], [0, 0]]
        if rank == 4:
            rows = [[0, 0]] + rows
        if not all(isinstance(v, int) for r in rows for v in r):
            rows = aops.stack([aops.stack([convert_to_tensor(v, dtype=dtypes.int32)
                                           for v in r]) for r in rows])
        return aops.pad(image, rows, name=scope)


def _crop_or_pad_offsets(size, target):
    if isinstance(size, int):
        diff = target - size
        return max(-diff // 2, 0), max(diff // 2, 0), min(size, target)
    diff = target - size
    return (mops.maximum(mops.floordiv(-diff, 2), 0), mops.maximum(mops.floordiv(diff, 2), 0),
            mops.minimum(size, target))


def resize_image_with_crop_or_pad(image, target_height, target_width) -> Tensor:
    """Crops (centrally) or pads (with zeros, centrally) an image or a batch to
    ``[target_height, target_width]`` (Python ints); the image size may be unknown until
    the graph runs."""
    with op_scope(None, "resize_image_with_crop_or_pad", [image]):
        image = convert_to_tensor(image, name="image")
        rank = _image_rank(image)
        th, tw = int(target_height), int(target_width)
        if th <= 0 or tw <= 0:
            raise ValueError(f"target_height and target_width must be > 0, got {th}, {tw}")
        h, w = _hw(image, rank)
        crop_h, pad_h, keep_h = _crop_or_pad_offsets(h, th)
        crop_w, pad_w, keep_w = _crop_or_pad_offsets(w, tw)
        cropped = crop_to_bounding_box(image, crop_h, crop_w, keep_h, keep_w)
        out = pad_to_bounding_box(cropped, pad_h, pad_w, th, tw)
        dims = image.shape.as_tuple()
        if None in (dims[-3], dims[-2]) and dims[-1] is not None and \
                (rank == 3 or dims[0] is None):
            out = reshape(out, [th, tw, dims[-1]] if rank == 3 else [-1, th, tw, dims[-1]])
        return out


resize_with_crop_or_pad = resize_image_with_crop_or_pad


def resize_image_with_pad(image, target_height, target_width, method=ResizeMethod.BILINEAR,
                          align_corners=False) -> Tensor:
    """Resizes an image or a batch to fit ``[target_height, target_width]`` keeping its
    aspect ratio, then pads it (centrally, with zeros) to that size."""
    with op_scope(None, "resize_image_with_pad", [image]):
        image = convert_to_tensor(image, name="image")
        _image_rank(image)
        h, w = image.shape.as_tuple()[-3:-1]
        th, tw = int(target_height), int(target_width)
        if th <= 0 or tw <= 0:
            raise ValueError(f"target_height and target_width must be > 0, got {th}, {tw}")
        if h is None or w is None:
            raise ValueError(f"resize_image_with_pad needs the image height and width known "
                             f"when the graph is built, got shape {image.shape}")
        f32 = np.float32
        ratio = max(f32(w) / f32(tw), f32(h) / f32(th))
        rh_f, rw_f = f32(h) / ratio, f32(w) / ratio
        rh, rw = int(np.floor(rh_f)), int(np.floor(rw_f))
        ph = max(0, int(np.floor((f32(th) - rh_f) / f32(2))))
        pw = max(0, int(np.floor((f32(tw) - rw_f) / f32(2))))
        resized = resize_images(image, [rh, rw], method, align_corners)
        return pad_to_bounding_box(resized, ph, pw, th, tw)


# --------------------------------------------------------------------------------------------
# Colour spaces (linear ones: a 3 x 3 matrix on the channel axis)
# --------------------------------------------------------------------------------------------
def grayscale_to_rgb(images, name=None) -> Tensor:
    """Repeats the single channel of grayscale images three times (last axis 1 -> 3)."""
    with op_scope(name, "grayscale_to_rgb", [images]) as scope:
        images = convert_to_tensor(images, name="images")
        n = images.shape.ndims
        if n is not None and (n < 2 or images.shape.as_tuple()[-1] not in (None, 1)):
            raise ValueError(f"grayscale_to_rgb: the last dimension of 'images' must be of "
                             f"size 1 (and its rank at least 2), got shape {images.shape}")
        if n is None:
            raise ValueError("grayscale_to_rgb needs images of known rank")
        return aops.tile(images, [1] * (n - 1) + [3], name=scope)


_TO_YIQ = np.array([[0.299, 0.587, 0.114], [0.59590059, -0.27455667, -0.32134392],
                    [0.2115, -0.52273617, 0.31119955]])
_TO_YUV = np.array([[0.299, 0.587, 0.114], [-0.14714119, -0.28886916, 0.43601035],
                    [0.61497538, -0.51496512, -0.10001026]])
# The published inverses (rounded as TF rounds them, so round trips match TF's).
_FROM_YIQ = np.array([[1.0, 0.95598634, 0.6208248], [1.0, -0.27201283, -0.64720424],
                      [1.0, -1.10674021, 1.70423049]])
_FROM_YUV = np.array([[1.0, 0.0, 1.13988303], [1.0, -0.394642334, -0.58062185],
                      [1.0, 2.03206185, 0.0]])


def _color_matrix(images, matrix, name, default):
    with op_scope(name, default, [images]) as scope:
        images = convert_to_tensor(images, name="images")
        check_kind(images, "float", "images")
        n = images.shape.ndims
        if n is None or images.shape.as_tuple()[-1] not in (None, 3):
            raise ValueError(f"{default}: 'images' must have a known rank and 3 channels on "
                             f"the last axis, got shape {images.shape}")
        k = constant(matrix.T.astype(images.dtype.as_numpy_dtype))
        return identity(tensordot(images, k, [[n - 1], [0]]), name=scope)


def rgb_to_yiq(images, name=None) -> Tensor:
    """RGB to YIQ (NTSC luma and chroma), on the last axis of float images."""
    return _color_matrix(images, _TO_YIQ, name, "rgb_to_yiq")


def yiq_to_rgb(images, name=None) -> Tensor:
    """YIQ back to RGB (the inverse of :func:`rgb_to_yiq`)."""
    return _color_matrix(images, _FROM_YIQ, name, "yiq_to_rgb")


def rgb_to_yuv(images, name=None) -> Tensor:
    """RGB to YUV (luma and the two colour differences), on the last axis of float images."""
    return _color_matrix(images, _TO_YUV, name, "rgb_to_yuv")


def yuv_to_rgb(images, name=None) -> Tensor:
    """YUV back to RGB (the inverse of :func:`rgb_to_yuv`)."""
    return _color_matrix(images, _FROM_YUV, name, "yuv_to_rgb")


# --------------------------------------------------------------------------------------------
# Image measures and gradients
# --------------------------------------------------------------------------------------------
def total_variation(images, name=None) -> Tensor:
    """The sum of absolute differences of neighbouring pixels (down and right): a scalar for
    one image ``[h, w, c]``, one value per image for a batch."""
    with op_scope(name, "total_variation", [images]) as scope:
        images = convert_to_tensor(images, name="images")
        rank = _image_rank(images, "images")
        if rank == 3:
            dy, dx = images[1:] - images[:-1], images[:, 1:] - images[:, :-1]
            axis = None
        else:
            dy, dx = images[:, 1:] - images[:, :-1], images[:, :, 1:] - images[:, :, :-1]
            axis = [1, 2, 3]
        return mops.add(reduce_sum(mops.abs(dy), axis), reduce_sum(mops.abs(dx), axis),
                        name=scope)


def psnr(a, b, max_val, name=None) -> Tensor:
    """Peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mse)`` of each image pair
    (the mean over the last three axes), float32."""
    with op_scope(name, "PSNR", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b")
        if a.dtype is not b.dtype:
            raise TypeError(f"psnr: a and b must have the same dtype, got {a.dtype.name} and "
                            f"{b.dtype.name}")
        top = convert_image_dtype(cast(max_val, a.dtype), dtypes.float32)
        a, b = convert_image_dtype(a, dtypes.float32), convert_image_dtype(b, dtypes.float32)
        mse = reduce_mean(mops.squared_difference(a, b), [-3, -2, -1])
        ln10 = np.float32(np.log(10.0))
        return subtract(20.0 * mops.log(top) / ln10, np.float32(10.0) / ln10 * mops.log(mse),
                        name=scope)


def _check_batch(image, what):
    if image.shape.ndims != 4:
        raise ValueError(f"{what} expects a 4-D tensor [batch_size, h, w, d], not "
                         f"{image.shape}")


def image_gradients(image):
    """``(dy, dx)``: the differences with the next pixel down and right, of a batch
    ``[b, h, w, d]``, each with a zero last row / column so it keeps the image's shape."""
    image = convert_to_tensor(image, name="image")
    _check_batch(image, "image_gradients")
    dy = image[:, 1:] - image[:, :-1]
    dx = image[:, :, 1:] - image[:, :, :-1]
    return (aops.pad(dy, [[0, 0], [0, 1], [0, 0], [0, 0]]),
            aops.pad(dx, [[0, 0], [0, 0], [0, 1], [0, 0]]))


_SOBEL_Y = np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]])


def sobel_edges(image) -> Tensor:
    """The 3 x 3 Sobel responses of a batch ``[b, h, w, d]`` (borders mirrored):
    ``[b, h, w, d, 2]``, the vertical response then the horizontal one."""
    image = convert_to_tensor(image, name="image")
    _check_batch(image, "sobel_edges")
    padded = aops.pad(image, [[0, 0], [1, 1], [1, 1], [0, 0]], "REFLECT")
    outs = []
    for kernel in (_SOBEL_Y, _SOBEL_Y.T):
        terms = [float(kernel[i, j]) * padded[:, i:(i - 2) or None, j:(j - 2) or None]
                 for i in range(3) for j in range(3) if kernel[i, j]]
        outs.append(mops.add_n(terms))
    return aops.stack(outs, axis=-1)
