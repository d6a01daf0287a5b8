"""Convolution and pooling: conv2d and its two backward ops, conv2d_transpose, conv1d,
max_pool and avg_pool (NHWC, TF1's SAME/VALID padding)."""
from __future__ import annotations

__all__ = ["conv1d", "conv2d", "conv2d_backprop_input", "conv2d_backprop_filter",
           "conv2d_transpose", "max_pool", "avg_pool"]

import numbers

import numpy as np

from flowkit.backend import conv_output_size
from flowkit.framework import dtypes
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops
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
