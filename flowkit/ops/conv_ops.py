"""Convolution and pooling: conv2d and its two backward ops, conv2d_transpose, conv1d,
max_pool and avg_pool (NHWC, TF1's SAME/VALID padding), and the functions TF1 builds from
convolutions and pools: N-d ``convolution``/``pool``/``conv_transpose``, 1-D pools and
transposed convolution, ``depthwise_conv2d``, ``separable_conv2d``, ``atrous_conv2d(_transpose)``.
The 3-D, depthwise and argmax ops themselves are in :mod:`flowkit.ops.conv3d_ops` (re-exported
here, so ``tf.nn`` has them)."""
from __future__ import annotations

import numbers

import numpy as np

from flowkit.backend import conv_output_size
from flowkit.framework import dtypes
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops, conv3d_ops, math_ops
from flowkit.ops.conv3d_ops import *  # noqa: F401,F403
from flowkit.ops.conv3d_ops import (avg_pool3d, check_format, conv3d, conv3d_transpose,
                                    depthwise_conv2d_native,
                                    max_pool3d, nd_sequence)
from flowkit.ops.core import (convert_to_tensor, make_tensor, op_scope)
from flowkit.ops.nn_ops import (_check_data_format, _check_float, _convert_like, _shape_tensor,
                                _sizes_shape)


# --------------------------------------------------------------------------------------------
# Convolution geometry (conv_output_size, shared with the kernels, is in flowkit.backend)
# --------------------------------------------------------------------------------------------
def _sequence(value, name, allow_batch_depth=False):
    """TF1 accepts an int, or a list of 1, 2 or 4 ints (NHWC) for strides, ksize, dilations."""
    if isinstance(value, numbers.Integral):
        value = [int(value)]
    value = [int(v) for v in np.reshape(np.asarray(value), [-1])]
    if len(value) == 1:
        value = value * 2
    if len(value) == 2:
        value = [1] + value + [1]
    if len(value) != 4:
        raise ValueError(f"{name} should be of length 1, 2 or 4 but was {len(value)}")
    if not allow_batch_depth and (value[0] != 1 or value[3] != 1):
        raise ValueError(f"{name} in the batch and depth dimensions must be 1 (got {value}): "
                         "only spatial strides, windows and dilations are supported")
    if min(value) < 1:
        raise ValueError(f"{name} must be positive, got {value}")
    return tuple(value)


def _check_padding(padding):
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding


def _spatial_out(shape, kh, kw, attrs, dilations=(1, 1, 1, 1)):
    """The NHWC output shape for windows of ``kh x kw`` over ``shape`` (batch kept)."""
    if shape.ndims is None:
        return [None] * 4
    n, h, w, _ = shape.as_tuple()
    s, p = attrs["strides"], attrs["padding"]
    oh = conv_output_size(h, kh, s[1], dilations[1], p)[0] if kh is not None else None
    ow = conv_output_size(w, kw, s[2], dilations[2], p)[0] if kw is not None else None
    return [n, oh, ow]


def _rank4(t, what):
    if t.shape.ndims is not None and t.shape.ndims != 4:
        raise ValueError(f"Shape must be rank 4 but is rank {t.shape.ndims} ({what})")
    return t.shape if t.shape.ndims is not None else TensorShape([None] * 4)


# --------------------------------------------------------------------------------------------
# conv2d and its two backward ops
# --------------------------------------------------------------------------------------------
def _conv2d_shape(inputs, attrs):
    x, f = inputs
    _check_float(x, "input")
    if f.dtype is not x.dtype:
        raise TypeError(f"Input 'filter' of 'Conv2D' Op has type {f.dtype.name} that does not "
                        f"match type {x.dtype.name} of argument 'input'.")
    xs, fs = _rank4(x, "input"), _rank4(f, "filter")
    kh, kw, ci, co = fs.as_tuple()
    c = xs.as_tuple()[3]
    if c is not None and ci is not None and c != ci:
        raise ValueError(f"Depth of input ({c}) must equal the input depth of the filter "
                         f"({ci}): the input has {c} channels (its last dimension, NHWC) but "
                         f"the filter expects {ci} input channels (its dimension 2 of "
                         "[height, width, in_channels, out_channels]). Make the filter's "
                         f"shape [{kh}, {kw}, {c}, {co}], or feed images with {ci} channels")
    return [(x.dtype, TensorShape(_spatial_out(xs, kh, kw, attrs, attrs["dilations"]) + [co]))]


def _conv_attrs(op):
    return {k: op.attrs[k] for k in ("strides", "padding", "dilations", "data_format")}


def _conv2d_grad(op, g):
    x, f = op.inputs
    attrs = _conv_attrs(op)
    return [make_tensor("Conv2DBackpropInput", (_shape_tensor(x), f, g), attrs),
            make_tensor("Conv2DBackpropFilter", (x, _shape_tensor(f), g), attrs)]


def _backprop_input_shape(inputs, attrs):
    sizes, f, dy = inputs
    _check_float(f, "filter")
    if dy.dtype is not f.dtype:
        raise TypeError(f"out_backprop ({dy.dtype.name}) and filter ({f.dtype.name}) must "
                        "have the same dtype")
    _rank4(f, "filter"), _rank4(dy, "out_backprop")
    return [(f.dtype, _sizes_shape(sizes))]


def _backprop_input_grad(op, gg):
    # Conv2DBackpropInput is linear in the filter and in out_backprop.
    _, f, dy = op.inputs
    attrs = _conv_attrs(op)
    return [None,
            make_tensor("Conv2DBackpropFilter", (gg, _shape_tensor(f), dy), attrs),
            make_tensor("Conv2D", (gg, f), attrs)]


def _backprop_filter_shape(inputs, attrs):
    x, sizes, dy = inputs
    _check_float(x, "input")
    if dy.dtype is not x.dtype:
        raise TypeError(f"out_backprop ({dy.dtype.name}) and input ({x.dtype.name}) must "
                        "have the same dtype")
    _rank4(x, "input"), _rank4(dy, "out_backprop")
    return [(x.dtype, _sizes_shape(sizes))]


def _backprop_filter_grad(op, gg):
    x, _, dy = op.inputs
    attrs = _conv_attrs(op)
    return [make_tensor("Conv2DBackpropInput", (_shape_tensor(x), gg, dy), attrs),
            None,
            make_tensor("Conv2D", (x, gg), attrs)]


register_op("Conv2D", shape=_conv2d_shape, grad=_conv2d_grad)
register_op("Conv2DBackpropInput", shape=_backprop_input_shape, grad=_backprop_input_grad,
            doc="Gradient of Conv2D with respect to its input (a transposed convolution).")
register_op("Conv2DBackpropFilter", shape=_backprop_filter_shape, grad=_backprop_filter_grad,
            doc="Gradient of Conv2D with respect to its filter.")


def _make_conv_attrs(strides, padding, dilations, data_format):
    _check_data_format(data_format)
    return {"strides": _sequence(strides, "strides"), "padding": _check_padding(padding),
            "dilations": _sequence([1, 1, 1, 1] if dilations is None else dilations,
                                   "dilations"),
            "data_format": "NHWC"}


def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,
           data_format="NHWC", dilations=(1, 1, 1, 1), name=None, filters=None):
    """2-D convolution (a cross-correlation, as in every deep-learning framework).

    Args:
        input: ``[batch, height, width, in_channels]``.
        filter: ``[filter_height, filter_width, in_channels, out_channels]``.
        strides: an int or a list of 1, 2 or 4 ints (NHWC, batch and depth 1).
        padding: ``"SAME"`` (output size ``ceil(in / stride)``, the odd padding cell at the
            bottom/right) or ``"VALID"`` (only windows that fit).
        dilations: spacing between filter taps, like ``strides``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant(np.ones([1, 5, 5, 1]), dtype=tf.float32)
        >>> w = tf.constant(np.ones([3, 3, 1, 2]), dtype=tf.float32)
        >>> y = tf.nn.conv2d(x, w, strides=[1, 2, 2, 1], padding="SAME")
        >>> print(y.shape)
        (1, 3, 3, 2)
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])
        [[4. 6. 4.]
         [6. 9. 6.]
         [4. 6. 4.]]
    """
    if filters is not None:
        if filter is not None:
            raise ValueError("Cannot specify both 'filter' and 'filters'")
        filter = filters
    if padding is None or strides is None:
        raise TypeError("conv2d() needs 'strides' and 'padding'")
    attrs = _make_conv_attrs(strides, padding, dilations, data_format)
    with op_scope(name, "Conv2D", [input, filter]) as scope:
        input = convert_to_tensor(input, name="input")
        filter = _convert_like(filter, input, "filter")
        return make_tensor("Conv2D", (input, filter), attrs, scope)


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None,
                          padding=None, use_cudnn_on_gpu=True, data_format="NHWC",
                          dilations=(1, 1, 1, 1), name=None, filters=None):
    """The gradient of :func:`conv2d` with respect to its input, of shape ``input_sizes``.

    Example:
        >>> import flowkit as tf
        >>> k = tf.ones([2, 2, 1, 1])
        >>> dy = tf.ones([1, 2, 2, 1])
        >>> dx = tf.nn.conv2d_backprop_input([1, 3, 3, 1], k, dy, strides=[1, 1, 1, 1],
        ...                                  padding="VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(dx)[0, :, :, 0])
        [[1. 2. 1.]
         [2. 4. 2.]
         [1. 2. 1.]]
    """
    filter = filters if filter is None else filter
    attrs = _make_conv_attrs(strides, padding, dilations, data_format)
    with op_scope(name, "Conv2DBackpropInput", [filter, out_backprop]) as scope:
        filter = convert_to_tensor(filter, name="filter")
        dy = _convert_like(out_backprop, filter, "out_backprop")
        sizes = convert_to_tensor(input_sizes, dtype=dtypes.int32, name="input_sizes")
        return make_tensor("Conv2DBackpropInput", (sizes, filter, dy), attrs, scope)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding,
                           use_cudnn_on_gpu=True, data_format="NHWC", dilations=(1, 1, 1, 1),
                           name=None):
    """The gradient of :func:`conv2d` with respect to its filter, of shape ``filter_sizes``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(9.0), [1, 3, 3, 1])
        >>> dy = tf.ones([1, 2, 2, 1])
        >>> dk = tf.nn.conv2d_backprop_filter(x, [2, 2, 1, 1], dy, strides=[1, 1, 1, 1],
        ...                                   padding="VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(dk)[:, :, 0, 0])
        [[ 8. 12.]
         [20. 24.]]
    """
    attrs = _make_conv_attrs(strides, padding, dilations, data_format)
    with op_scope(name, "Conv2DBackpropFilter", [input, out_backprop]) as scope:
        input = convert_to_tensor(input, name="input")
        dy = _convert_like(out_backprop, input, "out_backprop")
        sizes = convert_to_tensor(filter_sizes, dtype=dtypes.int32, name="filter_sizes")
        return make_tensor("Conv2DBackpropFilter", (input, sizes, dy), attrs, scope)


def conv2d_transpose(value, filter=None, output_shape=None, strides=None, padding="SAME",
                     data_format="NHWC", name=None, input=None, filters=None,
                     dilations=None):
    """The transpose of :func:`conv2d` ("deconvolution"): ``filter`` is
    ``[height, width, output_channels, in_channels]``, the result has ``output_shape``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.ones([1, 2, 2, 1])
        >>> k = tf.ones([2, 2, 1, 1])                    # [height, width, out, in]
        >>> y = tf.nn.conv2d_transpose(x, k, output_shape=[1, 4, 4, 1],
        ...                            strides=[1, 2, 2, 1], padding="SAME")
        >>> with tf.Session() as sess:
        ...     print(y.shape)
        ...     print(sess.run(y)[0, :, :, 0])
        (1, 4, 4, 1)
        [[1. 1. 1. 1.]
         [1. 1. 1. 1.]
         [1. 1. 1. 1.]
         [1. 1. 1. 1.]]
    """
    value = input if value is None else value
    filter = filters if filter is None else filter
    with op_scope(name, "conv2d_transpose", [value, filter, output_shape]) as scope:
        return conv2d_backprop_input(output_shape, filter, value, strides, padding,
                                     data_format=data_format, dilations=dilations, name=scope)


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None,
           data_format=None, name=None, input=None, dilations=None):
    """1-D convolution of ``[batch, width, in_channels]`` with ``[width, in, out]`` filters,
    computed as a :func:`conv2d` of height 1 (as TF1 does).

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([[[1.0], [2.0], [3.0], [4.0]]])          # [batch, width, in]
        >>> k = tf.constant([[[1.0]], [[-1.0]]])                    # [width, in, out]
        >>> y = tf.nn.conv1d(x, k, stride=1, padding="VALID")
        >>> with tf.Session() as sess:
        ...     print(y.shape, sess.run(y)[0, :, 0])
        (1, 3, 1) [-1. -1. -1.]
    """
    value = input if value is None else value
    _check_data_format(data_format, ("NWC",))
    if stride is None or padding is None:
        raise TypeError("conv1d() needs 'stride' and 'padding'")
    stride = int(np.reshape(stride, [-1])[-2 if np.size(stride) == 3 else 0])
    dilation = 1 if dilations is None else int(np.reshape(dilations, [-1])[0])
    with op_scope(name, "conv1d", [value, filters]) as scope:
        value = array_ops.expand_dims(value, 1)
        filters = array_ops.expand_dims(filters, 0)
        y = conv2d(value, filters, [1, 1, stride, 1], padding, dilations=[1, 1, dilation, 1])
        return array_ops.squeeze(y, [1], name=scope)


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------
def _pool_shape(inputs, attrs):
    x = inputs[0]
    if x.dtype.is_bool or x.dtype is dtypes.string:
        raise TypeError(f"Value passed to parameter 'input' has DataType {x.dtype.name} not in "
                        "list of allowed values: real numeric types")
    xs = _rank4(x, "input")
    k = attrs["ksize"]
    return [(x.dtype, TensorShape(_spatial_out(xs, k[1], k[2], attrs) + [xs.as_tuple()[3]]))]


def _avg_pool_shape(inputs, attrs):
    _check_float(inputs[0], "value")
    return _pool_shape(inputs, attrs)


def _pool_attrs(op):
    return {k: op.attrs[k] for k in ("ksize", "strides", "padding", "data_format")}


def _max_pool_grad(op, g):
    x, y = op.inputs[0], op.outputs[0]
    return [make_tensor("MaxPoolGrad", (x, y, g), _pool_attrs(op))]


def _max_pool_grad_shape(inputs, attrs):
    x, y, g = inputs
    _check_float(x, "orig_input")
    return [(x.dtype, x.shape)]


def _max_pool_grad_grad_shape(inputs, attrs):
    x, y, g = inputs
    _check_float(x, "orig_input")
    return [(x.dtype, y.shape)]


# MaxPoolGrad routes each window's gradient to the window's (first) maximum; MaxPoolGradGrad
# reads a gradient back from those same cells: each is the other's transpose.
register_op("MaxPool", shape=_pool_shape, grad=_max_pool_grad)
register_op("MaxPoolGrad", shape=_max_pool_grad_shape,
            grad=lambda op, gg: [None, None, make_tensor("MaxPoolGradGrad", op.inputs[:2] + (gg,),
                                                         _pool_attrs(op))],
            doc="Gradient of MaxPool: input 2 routed to the argmax of each window.")
register_op("MaxPoolGradGrad", shape=_max_pool_grad_grad_shape,
            grad=lambda op, gg: [None, None, make_tensor("MaxPoolGrad", op.inputs[:2] + (gg,),
                                                         _pool_attrs(op))],
            doc="Gradient of MaxPoolGrad: input 2 read at the argmax of each window.")


def _avg_pool_grad_shape(inputs, attrs):
    sizes, g = inputs
    return [(g.dtype, _sizes_shape(sizes))]


register_op("AvgPool", shape=_avg_pool_shape,
            grad=lambda op, g: [make_tensor("AvgPoolGrad", (_shape_tensor(op.inputs[0]), g),
                                            _pool_attrs(op))])
register_op("AvgPoolGrad", shape=_avg_pool_grad_shape,
            grad=lambda op, gg: [None, make_tensor("AvgPool", (gg,), _pool_attrs(op))],
            doc="Gradient of AvgPool: input 1 spread evenly over each window's valid cells.")


def _pool(op_type, value, ksize, strides, padding, data_format, name, input):
    value = input if value is None else value
    _check_data_format(data_format)
    attrs = {"ksize": _sequence(ksize, "ksize"), "strides": _sequence(strides, "strides"),
             "padding": _check_padding(padding), "data_format": "NHWC"}
    with op_scope(name, op_type, [value]) as scope:
        return make_tensor(op_type, (convert_to_tensor(value, name="input"),), attrs, scope)


def max_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    """The maximum of each ``ksize`` window (SAME padding never wins: it is ignored).

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.constant(np.arange(16.0), dtype=tf.float32), [1, 4, 4, 1])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"))[0, :, :, 0])
        [[ 5.  7.]
         [13. 15.]]
    """
    return _pool("MaxPool", value, ksize, strides, padding, data_format, name, input)


def avg_pool(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    """The mean of each ``ksize`` window; with SAME padding only the cells inside the input
    are averaged (padding does not count).

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
        >>> y = tf.nn.avg_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])
        [[ 2.5  4.5]
         [10.5 12.5]]
    """
    return _pool("AvgPool", value, ksize, strides, padding, data_format, name, input)


def max_pool2d(input, ksize, strides, padding, data_format="NHWC", name=None):
    """``tf.nn.max_pool2d``: :func:`max_pool` (TF2's name, in TF1's namespace too).

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.max_pool2d(x, 2, 2, "VALID"))[0, :, :, 0])
        [[ 5.  7.]
         [13. 15.]]
    """
    return max_pool(input, ksize, strides, padding, data_format=data_format, name=name)


def avg_pool2d(value, ksize, strides, padding, data_format="NHWC", name=None, input=None):
    """``tf.nn.avg_pool2d``: :func:`avg_pool`.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(16.0), [1, 4, 4, 1])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.avg_pool2d(x, 4, 4, "VALID")).reshape(-1))
        [7.5]
    """
    return avg_pool(value, ksize, strides, padding, data_format, name, input)


# --------------------------------------------------------------------------------------------
# Built from the ops above: 1-D and N-d pools and convolutions, transposed convolutions
# --------------------------------------------------------------------------------------------
def _spatial(value, n, name, default=1):
    """An int or a list of 1, ``n`` or ``n + 2`` ints -> the ``n`` spatial values."""
    return list(nd_sequence(default if value is None else value, name, n)[1:-1])


def _pool1d(pool2d, fn, input, ksize, strides, padding, data_format, name):
    _check_data_format(data_format, ("NWC",))
    k, s = _spatial(ksize, 1, "ksize"), _spatial(strides, 1, "strides")
    with op_scope(name, fn, [input]) as scope:
        x = array_ops.expand_dims(input, 1)
        y = pool2d(x, [1, 1, k[0], 1], [1, 1, s[0], 1], padding)
        return array_ops.squeeze(y, [1], name=scope)


def max_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Max pooling over ``[batch, width, channels]`` (a :func:`max_pool` of height 1).

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([[[1.0], [3.0], [2.0], [0.0]]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.max_pool1d(x, 2, 2, "VALID"))[0, :, 0])
        [3. 2.]
    """
    return _pool1d(max_pool, "MaxPool1d", input, ksize, strides, padding, data_format, name)


def avg_pool1d(input, ksize, strides, padding, data_format="NWC", name=None):
    """Average pooling over ``[batch, width, channels]`` (an :func:`avg_pool` of height 1).

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([[[1.0], [3.0], [2.0]]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.avg_pool1d(x, 2, 2, "SAME"))[0, :, 0])
        [2. 2.]
    """
    return _pool1d(avg_pool, "AvgPool1D", input, ksize, strides, padding, data_format, name)


_POOLS = {("MAX", 1): max_pool1d, ("MAX", 2): max_pool, ("MAX", 3): max_pool3d,
          ("AVG", 1): avg_pool1d, ("AVG", 2): avg_pool, ("AVG", 3): avg_pool3d}


def _pool_rank(input, data_format, fn):
    ndims = convert_to_tensor(input).shape.ndims
    n = ndims - 2 if ndims is not None else (len(data_format) - 2 if data_format else None)
    if n not in (1, 2, 3):
        raise ValueError(f"{fn}: input must be of rank 3, 4 or 5 (1 to 3 spatial dimensions), "
                         f"got rank {ndims}")
    return n


def max_pool_v2(input, ksize, strides, padding, data_format=None, name=None):
    """N-d max pooling (TF2's ``max_pool``): 1-D, 2-D or 3-D after ``input``'s rank.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(8.0), [1, 2, 2, 2, 1])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.max_pool_v2(x, 2, 2, "VALID")).reshape(-1))
        [7.]
    """
    n = _pool_rank(input, data_format, "max_pool_v2")
    return _POOLS["MAX", n](input, ksize, strides, padding, data_format=data_format, name=name)


def avg_pool_v2(input, ksize, strides, padding, data_format=None, name=None):
    """N-d average pooling (TF2's ``avg_pool``): 1-D, 2-D or 3-D after ``input``'s rank.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([[[1.0], [3.0], [2.0], [6.0]]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.avg_pool_v2(x, 2, 2, "VALID"))[0, :, 0])
        [2. 4.]
    """
    n = _pool_rank(input, data_format, "avg_pool_v2")
    return _POOLS["AVG", n](input, ksize, strides, padding, data_format=data_format, name=name)


def _dilated_pool(x, window, pooling_type, rates):
    """A stride-1 VALID pool with dilated windows: the max or mean of one strided slice of
    ``x`` per window tap."""
    taps = []
    for tap in np.ndindex(*window):
        index = [slice(None)]
        for t, k, r in zip(tap, window, rates):
            stop = t * r - (k - 1) * r
            index.append(slice(t * r, stop if stop < 0 else None))
        taps.append(x[tuple(index)])
    if pooling_type == "MAX":
        y = taps[0]
        for t in taps[1:]:
            y = math_ops.maximum(y, t)
        return y
    return math_ops.add_n(taps) / np.asarray(np.prod(window), x.dtype.as_numpy_dtype)


def pool(input, window_shape, pooling_type, padding, dilation_rate=None, strides=None,
         name=None, data_format=None, dilations=None):
    """N-d pooling (``"MAX"`` or ``"AVG"``) with ``len(window_shape)`` spatial dimensions.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(6.0), [1, 6, 1])
        >>> y = tf.nn.pool(x, [2], "MAX", "VALID", dilation_rate=[2])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, 0])
        [2. 3. 4. 5.]
    """
    dilation_rate = dilations if dilation_rate is None else dilation_rate
    window = [int(k) for k in np.reshape(window_shape, [-1])]
    n = len(window)
    if n not in (1, 2, 3):
        raise ValueError(f"pool: window_shape must have 1 to 3 dimensions, got {window}")
    if pooling_type not in ("MAX", "AVG"):
        raise ValueError(f"pool: pooling_type must be 'MAX' or 'AVG', got {pooling_type!r}")
    check_format(data_format, n, "pool")
    _check_padding(padding)
    s, r = _spatial(strides, n, "strides"), _spatial(dilation_rate, n, "dilation_rate")
    if max(s) > 1 and max(r) > 1:
        raise ValueError(f"strides > 1 not supported in conjunction with dilation_rate > 1 "
                         f"(strides={s}, dilation_rate={r})")
    if padding == "SAME" and any(a > k for a, k in zip(s, window)):
        raise ValueError(f"strides > window_shape not supported with SAME padding (strides={s},"
                         f" window_shape={window})")
    with op_scope(name, f"{pooling_type.lower()}_pool", [input]) as scope:
        input = convert_to_tensor(input, name="input")
        if max(r) == 1:
            return _POOLS[pooling_type, n](input, window, s, padding, name=scope)
        if padding == "SAME":
            raise ValueError("pool: SAME padding is not supported with dilation_rate > 1 "
                             f"(dilation_rate={r}), as in TF; use VALID")
        if input.shape.ndims not in (None, n + 2):
            raise ValueError(f"pool: input must be of rank {n + 2}, got {input.shape}")
        return array_ops.identity(_dilated_pool(input, window, pooling_type, r),
                                  name=scope)


def convolution(input, filter, padding, strides=None, dilation_rate=None, name=None,
                data_format=None, filters=None, dilations=None):
    """N-d convolution (1-D, 2-D or 3-D after ``filter``'s rank) with ``strides`` and
    ``dilation_rate`` given per spatial dimension.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(5.0), [1, 5, 1])
        >>> y = tf.nn.convolution(x, tf.ones([2, 1, 1]), "VALID", dilation_rate=[2])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, 0])
        [2. 4. 6.]
    """
    filter = filters if filter is None else filter
    dilation_rate = dilations if dilation_rate is None else dilation_rate
    with op_scope(name, "convolution", [input, filter]) as scope:
        input = convert_to_tensor(input, name="input")
        filter = _convert_like(filter, input, "filter")
        ndims = filter.shape.ndims if filter.shape.ndims is not None else input.shape.ndims
        n = None if ndims is None else ndims - 2
        if n not in (1, 2, 3):
            raise ValueError(f"convolution: filter must be of rank 3, 4 or 5, got "
                             f"{filter.shape} (input {input.shape})")
        check_format(data_format, n, "convolution")
        s, r = _spatial(strides, n, "strides"), _spatial(dilation_rate, n, "dilation_rate")
        if max(s) > 1 and max(r) > 1:
            raise ValueError("strides > 1 not supported in conjunction with dilation_rate > 1 "
                             f"(strides={s}, dilation_rate={r})")
        if n == 1:
            return conv1d(input, filter, s[0], padding, dilations=r, name=scope)
        conv = conv2d if n == 2 else conv3d
        return conv(input, filter, [1, *s, 1], padding, dilations=[1, *r, 1], name=scope)


def _insert_height(output_shape):
    """``[batch, width, channels]`` -> ``[batch, 1, width, channels]`` (list or tensor)."""
    if isinstance(output_shape, (list, tuple, np.ndarray)):
        out = [int(v) for v in np.reshape(output_shape, [-1])]
        return out[:1] + [1] + out[1:]
    out = convert_to_tensor(output_shape, dtype=dtypes.int32)
    return array_ops.concat([out[:1], [1], out[1:]], 0)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC",
                     dilations=None, name=None):
    """The transpose of :func:`conv1d`: ``filters`` is ``[width, output_channels,
    in_channels]``; the result has ``output_shape`` (``[batch, width, channels]``).

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.conv1d_transpose(tf.ones([1, 2, 1]), tf.ones([2, 1, 1]), [1, 4, 1], 2)
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, 0])
        [1. 1. 1. 1.]
    """
    _check_data_format(data_format, ("NWC",))
    s, r = _spatial(strides, 1, "strides"), _spatial(dilations, 1, "dilations")
    with op_scope(name, "conv1d_transpose", [input, filters, output_shape]) as scope:
        x = array_ops.expand_dims(input, 1)
        f = array_ops.expand_dims(filters, 0)
        y = conv2d_backprop_input(_insert_height(output_shape), f, x, [1, 1, s[0], 1], padding,
                                  dilations=[1, 1, r[0], 1])
        return array_ops.squeeze(y, [1], name=scope)


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None,
                   dilations=None, name=None):
    """The transpose of :func:`convolution`: 1-D, 2-D or 3-D after ``output_shape``'s length.

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.conv_transpose(tf.ones([1, 2, 2, 1]), tf.ones([2, 2, 1, 1]),
        ...                          [1, 4, 4, 1], strides=2)
        >>> print(y.shape)
        (1, 4, 4, 1)
    """
    if isinstance(output_shape, (list, tuple, np.ndarray)):
        n = int(np.size(output_shape)) - 2
    else:
        n = convert_to_tensor(output_shape).shape.as_list()[0]
        n = None if n is None else n - 2
    if n not in (1, 2, 3):
        raise ValueError(f"conv_transpose: output_shape must have 3, 4 or 5 elements, got "
                         f"{output_shape}")
    with op_scope(name, "conv_transpose", [input, filters, output_shape]) as scope:
        if n == 1:
            return conv1d_transpose(input, filters, output_shape, strides, padding,
                                    data_format or "NWC", dilations, name=scope)
        strides, dilations = [1, *_spatial(strides, n, "strides"), 1], \
            [1, *_spatial(dilations, n, "dilations"), 1]
        if n == 2:
            return conv2d_transpose(input, filters, output_shape, strides, padding,
                                    data_format or "NHWC", name=scope, dilations=dilations)
        return conv3d_transpose(input, filters, output_shape, strides, padding,
                                data_format or "NDHWC", name=scope, dilations=dilations)


def _rate(rate, strides, fn):
    r = _spatial(rate, 2, "rate")
    s = nd_sequence(strides, "strides", 2)
    if max(r) > 1 and max(s) > 1:
        raise ValueError(f"{fn}: strides > 1 not supported in conjunction with rate > 1 "
                         f"(strides={list(s)}, rate={r})")
    return s, [1, *r, 1]


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None,
                     dilations=None):
    """Depthwise 2-D convolution (see :func:`depthwise_conv2d_native`) with an optional
    dilation ``rate`` (``[rate_height, rate_width]``; then ``strides`` must be 1).

    Example:
        >>> import flowkit as tf
        >>> x = tf.ones([1, 3, 3, 2])
        >>> y = tf.nn.depthwise_conv2d(x, tf.ones([2, 2, 2, 3]), [1, 1, 1, 1], "VALID")
        >>> print(y.shape)
        (1, 2, 2, 6)
    """
    rate = dilations if rate is None else rate
    check_format(data_format, 2, "depthwise_conv2d")
    s, d = _rate(rate, strides, "depthwise_conv2d")
    with op_scope(name, "depthwise", [input, filter]) as scope:
        return depthwise_conv2d_native(input, filter, s, padding, dilations=d, name=scope)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None,
                     name=None, data_format=None, dilations=None):
    """A :func:`depthwise_conv2d` followed by a 1x1 :func:`conv2d` with
    ``pointwise_filter`` (``[1, 1, in_channels * channel_multiplier, out_channels]``).

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.separable_conv2d(tf.ones([1, 4, 4, 2]), tf.ones([3, 3, 2, 2]),
        ...                            tf.ones([1, 1, 4, 5]), [1, 1, 1, 1], "SAME")
        >>> print(y.shape)
        (1, 4, 4, 5)
    """
    rate = dilations if rate is None else rate
    check_format(data_format, 2, "separable_conv2d")
    with op_scope(name, "separable_conv2d",
                  [input, depthwise_filter, pointwise_filter]) as scope:
        pointwise_filter = convert_to_tensor(pointwise_filter, name="pointwise_filter")
        ps = pointwise_filter.shape
        if ps.ndims is not None and (ps.ndims != 4 or ps.as_list()[:2] != [1, 1]):
            raise ValueError(f"separable_conv2d: pointwise_filter must be [1, 1, in, out], got "
                             f"{ps}")
        depthwise = depthwise_conv2d(input, depthwise_filter, strides, padding, rate,
                                     name="depthwise")
        return conv2d(depthwise, pointwise_filter, [1, 1, 1, 1], "VALID", name=scope)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """:func:`conv2d` with the filter dilated by ``rate`` (holes between its taps), stride 1.

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.atrous_conv2d(tf.ones([1, 5, 5, 1]), tf.ones([2, 2, 1, 1]), 2, "VALID")
        >>> print(y.shape)
        (1, 3, 3, 1)
    """
    if int(rate) < 1:
        raise ValueError(f"atrous_conv2d: rate must be >= 1, got {rate}")
    return convolution(value, filters, padding, dilation_rate=[int(rate)] * 2,
                       name=name or "atrous_conv2d")


def atrous_conv2d_transpose(value, filters, output_shape, rate, padding, name=None):
    """The transpose of :func:`atrous_conv2d` (``filters`` is ``[h, w, out_channels,
    in_channels]``, the result has ``output_shape``).

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.atrous_conv2d_transpose(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]),
        ...                                   [1, 5, 5, 1], 2, "VALID")
        >>> print(y.shape)
        (1, 5, 5, 1)
    """
    if int(rate) < 1:
        raise ValueError(f"atrous_conv2d_transpose: rate must be >= 1, got {rate}")
    _check_padding(padding)
    with op_scope(name, "atrous_conv2d_transpose", [value, filters, output_shape]) as scope:
        value = convert_to_tensor(value, name="value")
        filters = _convert_like(filters, value, "filters")
        c, fs = value.shape.as_list()[-1] if value.shape.ndims else None, filters.shape
        if c is not None and fs.ndims == 4 and fs.as_list()[3] not in (None, c):
            raise ValueError(f"atrous_conv2d_transpose: value's depth ({c}) must equal the "
                             f"filters' dimension 3 (in_channels) of {fs}")
        return conv2d_backprop_input(output_shape, filters, value, [1, 1, 1, 1], padding,
                                     dilations=[1, int(rate), int(rate), 1], name=scope)


__all__ = ["conv1d", "conv2d", "conv2d_backprop_input", "conv2d_backprop_filter",
           "conv2d_transpose", "max_pool", "avg_pool", "max_pool2d", "avg_pool2d",
           "max_pool1d", "avg_pool1d", "max_pool_v2", "avg_pool_v2", "pool", "convolution",
           "conv1d_transpose", "conv_transpose", "depthwise_conv2d", "separable_conv2d",
           "atrous_conv2d", "atrous_conv2d_transpose"] + conv3d_ops.__all__
