"""Images (tf.image): resizing with TF1's align_corners semantics, flips, per-image
standardization, grayscale, central crops, space_to_depth and depth_to_space.

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
           "convert_image_dtype"]

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import (constant, constant_value, convert_to_tensor, make_tensor,
                              op_scope)
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
    images are returned unchanged. ``BICUBIC`` and ``AREA`` are not provided."""
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
        elif method in (ResizeMethod.BICUBIC, ResizeMethod.AREA, "bicubic", "area"):
            raise ValueError(f"resize method {method!r} (BICUBIC or AREA) is not provided by "
                             "flowkit; use ResizeMethod.BILINEAR or NEAREST_NEIGHBOR")
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
