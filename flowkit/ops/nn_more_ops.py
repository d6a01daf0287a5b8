"""More of TF1's ``tf.nn``, built from existing ops (so they need no kernel and their gradients
come from the ops they are made of): ``with_space_to_batch`` (``space_to_batch_nd``, the
caller's op, ``batch_to_space_nd``), and the grayscale morphology ops ``dilation2d`` and
``erosion2d`` (windows taken by ``extract_image_patches``, the filter added, a maximum).

The gradient of ``dilation2d``/``erosion2d`` is the gradient of ``reduce_max``: where several
taps of a window tie for the maximum, the gradient is shared equally between them (TF's own
gradient kernels give all of it to the first of them).

Example:
    >>> import flowkit as tf
    >>> from flowkit.ops import nn_more_ops
    >>> x = tf.reshape(tf.constant([1., 5., 2., 0.]), [1, 1, 4, 1])
    >>> y = nn_more_ops.dilation2d(x, tf.zeros([1, 2, 1]), [1, 1, 1, 1], [1, 1, 1, 1], "SAME")
    >>> with tf.Session() as sess:
    ...     print(sess.run(y).ravel())
    [5. 5. 2. 0.]
"""
from __future__ import annotations

__all__ = ["with_space_to_batch", "dilation2d", "erosion2d"]

import numpy as np

from flowkit.backend import conv_output_size
from flowkit.framework import dtypes
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops, math_ops
from flowkit.ops.core import constant, constant_value, convert_to_tensor, op_scope


# --------------------------------------------------------------------------------------------
# with_space_to_batch
# --------------------------------------------------------------------------------------------
def _spatial_dims(num, spatial_dims, data_format):
    start = 2 if data_format is not None and str(data_format).startswith("NC") else 1
    if spatial_dims is None:
        return list(range(start, num + start)), start
    dims = [int(d) for d in spatial_dims]
    if dims != sorted(set(dims)) or any(d < 1 for d in dims):
        raise ValueError("spatial_dims must be a monotonically increasing sequence of positive "
                         f"integers, got {list(spatial_dims)!r}")
    if len(dims) != num:
        raise ValueError(f"spatial_dims has {len(dims)} entries but dilation_rate has {num}")
    return dims, start


def _adjust(value, fill, spatial_dims):
    """``value`` (one row per spatial dim) spread over dims ``1 .. spatial_dims[-1]``, with
    rows of ``fill`` for the dims that are not spatial (space_to_batch_nd's block dims are the
    ones right after the batch)."""
    const = constant_value(value) if not isinstance(value, np.ndarray) else value
    src = np.asarray(const, np.int32) if const is not None else value
    row_shape = list(np.shape(const)[1:]) if const is not None else \
        value.shape.as_list()[1:]
    parts, prev, i = [], 0, 0
    while i < len(spatial_dims):
        first = i
        if spatial_dims[i] - 1 > prev:
            parts.append(np.full([spatial_dims[i] - 1 - prev] + row_shape, fill, np.int32))
        while i + 1 < len(spatial_dims) and spatial_dims[i + 1] == spatial_dims[i] + 1:
            i += 1
        parts.append(src[first:i + 1])
        prev = spatial_dims[i]
        i += 1
    if const is not None:
        return np.concatenate(parts, 0)
    return array_ops.concat([convert_to_tensor(p) for p in parts], 0)


def _base_paddings(filter_shape, num, rate):
    """SAME's padding of a dilated filter: ``(filter - 1) * rate`` split with the odd cell at
    the end."""
    if filter_shape is None:
        raise ValueError("filter_shape must be specified for SAME padding")
    fs = convert_to_tensor(filter_shape, name="filter_shape")
    fs_value = constant_value(fs)
    if fs_value is not None and isinstance(rate, np.ndarray):
        fs_value = np.asarray(fs_value, np.int64).reshape(-1)
        if fs_value.size < num:
            raise ValueError(f"filter_shape {fs_value.tolist()} has fewer than {num} entries")
        extra = (fs_value[:num] - 1) * rate
        return np.stack([extra // 2, extra - extra // 2], 1).astype(np.int32)
    extra = (math_ops.cast(fs, dtypes.int32)[:num] - 1) * rate
    start = extra // 2
    return array_ops.stack([start, extra - start], axis=1)


def with_space_to_batch(input, dilation_rate, padding, op, filter_shape=None,  # noqa: A002
                        spatial_dims=None, data_format=None):
    """Runs ``op(converted_input, num_spatial_dims, padding)`` as if its window were dilated by
    ``dilation_rate``: the spatial dims of ``input`` are padded (for ``"SAME"``, by what a
    dilated ``filter_shape`` needs, split with the odd cell at the end; then up to a multiple
    of the rate) and moved into the batch with ``space_to_batch_nd``, ``op`` runs with
    ``"VALID"`` padding, and ``batch_to_space_nd`` moves the result back and crops the extra
    padding. With every rate 1, this is ``op(input, num_spatial_dims, padding)``.

    ``spatial_dims`` (default: the dims after the batch, or after batch and channels when
    ``data_format`` starts with ``"NC"``) must increase.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.nn_more_ops import with_space_to_batch
        >>> x = tf.ones([1, 6, 6, 1])
        >>> w = tf.ones([2, 2, 1, 1])
        >>> y = with_space_to_batch(x, [2, 2], "VALID", lambda i, n, p: tf.nn.conv2d(
        ...     i, w, [1, 1, 1, 1], p))
        >>> y.shape.as_list()
        [1, 4, 4, 1]
    """
    input = convert_to_tensor(input, name="input")  # noqa: A001
    rate = math_ops.cast(convert_to_tensor(dilation_rate, name="dilation_rate"), dtypes.int32)
    if rate.shape.ndims != 1 or rate.shape.as_list()[0] is None:
        raise ValueError(f"dilation_rate must be a vector of known length, got shape "
                         f"{rate.shape}")
    num = rate.shape.as_list()[0]
    dims, start = _spatial_dims(num, spatial_dims, data_format)
    expected_rank = dims[-1] + (0 if start == 2 else 1)
    if input.shape.ndims is not None and input.shape.ndims < expected_rank:
        raise ValueError(f"input must have rank at least {expected_rank}, got shape "
                         f"{input.shape}")
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"Invalid padding method {padding!r}")
    rate_value = constant_value(rate)
    if rate_value is not None:
        rate_value = np.asarray(rate_value, np.int64)
        if np.any(rate_value < 1):
            raise ValueError(f"dilation_rate must be positive, got {rate_value.tolist()}")
        if np.all(rate_value == 1):
            return op(input, num, padding)
    rate_or_value = rate_value if rate_value is not None else rate
    if padding == "SAME":
        base = _base_paddings(filter_shape, num, rate_or_value)
    else:
        base = np.zeros([num, 2], np.int32)
    known = input.shape.as_list() if input.shape.ndims is not None else None
    if known is not None and all(known[d] is not None for d in dims):
        spatial = [known[d] for d in dims]
    else:
        full = array_ops.shape(input)
        spatial = array_ops.stack([full[d] for d in dims])
    paddings, crops = array_ops.required_space_to_batch_paddings(spatial, rate_or_value,
                                                                 base_paddings=base)
    block = _adjust(rate_or_value, 1, dims)
    paddings, crops = _adjust(paddings, 0, dims), _adjust(crops, 0, dims)
    converted = array_ops.space_to_batch_nd(input, block, paddings)
    result = op(converted, num, "VALID")
    return array_ops.batch_to_space_nd(result, block, crops)


# --------------------------------------------------------------------------------------------
# dilation2d and erosion2d
# --------------------------------------------------------------------------------------------
def _four(value, what, op):
    v = [int(a) for a in np.reshape(value, [-1])] if value is not None else None
    if v is None or len(v) != 4 or v[0] != 1 or v[3] != 1 or min(v) < 1:
        raise ValueError(f"{op}'s {what} must be [1, rows, cols, 1] with positive rows and "
                         f"cols, got {value!r}")
    return v


def _lowest(dtype, op):
    if dtype.is_floating and dtype in (dtypes.float16, dtypes.float32, dtypes.float64):
        return np.finfo(dtype.as_numpy_dtype).min
    if dtype.is_integer:
        return np.iinfo(dtype.as_numpy_dtype).min
    raise TypeError(f"{op} supports real number types (floats and integers), got "
                    f"{dtype.name}")


def _dilation(x, f, strides, rates, padding, op):
    """``max over (dy, dx) of x[b, y*sh + dy*rh, x*sw + dx*rw, c] + f[dy, dx, c]`` over the
    taps that fall inside ``x`` (``SAME`` pads as a convolution with the dilated filter)."""
    strides, rates = _four(strides, "strides", op), _four(rates, "rates", op)
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"{op}'s padding must be 'SAME' or 'VALID', got {padding!r}")
    if x.shape.ndims is not None and x.shape.ndims != 4:
        raise ValueError(f"{op}'s input must be 4-D (NHWC), got shape {x.shape}")
    if f.shape.ndims != 3 or None in f.shape.as_list()[:2]:
        raise ValueError(f"{op}'s filter must be 3-D [rows, cols, depth] with known rows and "
                         f"cols, got shape {f.shape}")
    if x.dtype is not f.dtype:
        raise TypeError(f"{op}'s filter has type {f.dtype.name} that does not match type "
                        f"{x.dtype.name} of the input")
    kh, kw, depth = f.shape.as_list()
    in_depth = x.shape.as_list()[3] if x.shape.ndims == 4 else None
    if None not in (depth, in_depth) and depth != in_depth:
        raise ValueError(f"{op}'s input and filter must have the same depth: {in_depth} vs "
                         f"{depth}")
    b, h, w, c = x.shape.as_list() if x.shape.ndims == 4 else [None] * 4
    oh = conv_output_size(h, kh, strides[1], rates[1], padding)[0]
    ow = conv_output_size(w, kw, strides[2], rates[2], padding)[0]
    lowest = _lowest(x.dtype, op)
    ksizes = [1, kh, kw, 1]
    patches = array_ops.extract_image_patches(x, ksizes, strides, rates, padding)
    target = array_ops.concat([array_ops.shape(patches)[:3], [kh * kw, -1]], 0)
    values = array_ops.reshape(patches, target) + array_ops.reshape(f, [kh * kw, -1])
    if padding == "SAME":
        inside = array_ops.extract_image_patches(array_ops.ones_like(x), ksizes, strides,
                                                 rates, padding)
        inside = math_ops.greater(array_ops.reshape(inside, target), 0)
        values = array_ops.where_v2(inside, values, constant(lowest, dtype=x.dtype))
    out = math_ops.reduce_max(values, axis=3)
    out.set_shape(TensorShape([b, oh, ow, c if c is not None else depth]))
    return out


def dilation2d(input, filter=None, strides=None, rates=None, padding=None,  # noqa: A002
               name=None, filters=None, dilations=None):
    """Grayscale dilation of NHWC ``input`` by ``filter`` (``[rows, cols, depth]``), depth by
    depth: ``output[b, y, x, c]`` is the maximum over ``(dy, dx)`` of
    ``input[b, y*strides[1] + dy*rates[1], x*strides[2] + dx*rates[2], c] + filter[dy, dx,
    c]``, over the taps inside the image (``padding`` ``"SAME"`` or ``"VALID"`` as in a
    convolution with the dilated filter). ``filters`` and ``dilations`` are TF2's names of
    ``filter`` and ``rates``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.nn_more_ops import dilation2d
        >>> x = tf.reshape(tf.range(9.), [1, 3, 3, 1])
        >>> y = dilation2d(x, tf.zeros([2, 2, 1]), [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])
        [[4. 5.]
         [7. 8.]]
    """
    filter = _alias(filter, filters, "filter", "filters")  # noqa: A001
    rates = _alias(rates, dilations, "rates", "dilations")
    with op_scope(name, "dilation2d", [input, filter]):
        x = convert_to_tensor(input, name="input")
        f = convert_to_tensor(filter, name="filter")
        return _dilation(x, f, strides, rates, padding, "dilation2d")


def _alias(value, other, name, other_name):
    if other is not None:
        if value is not None:
            raise ValueError(f"give {name} or {other_name}, not both")
        return other
    return value


def erosion2d(value, kernel, strides, rates, padding, name=None):
    """Grayscale erosion of NHWC ``value`` by ``kernel`` (``[rows, cols, depth]``):
    ``-dilation2d(-value, kernel reversed along its rows and cols)``, i.e. the minimum over
    ``(dy, dx)`` of ``value[b, y*strides[1] - dy*rates[1], x*strides[2] - dx*rates[2], c] -
    kernel[dy, dx, c]`` (indices counted from the window's far corner).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.nn_more_ops import erosion2d
        >>> x = tf.reshape(tf.range(1., 10.), [1, 3, 3, 1])
        >>> y = erosion2d(x, tf.zeros([2, 2, 1]), [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])
        [[1. 2.]
         [4. 5.]]
    """
    with op_scope(name, "erosion2d", [value, kernel]):
        x = convert_to_tensor(value, name="value")
        k = convert_to_tensor(kernel, name="kernel")
        if k.shape.ndims != 3:
            raise ValueError(f"erosion2d's kernel must be 3-D [rows, cols, depth], got shape "
                             f"{k.shape}")
        out = _dilation(math_ops.negative(x), array_ops.reverse(k, [0, 1]), strides, rates,
                        padding, "erosion2d")
        return math_ops.negative(out)
