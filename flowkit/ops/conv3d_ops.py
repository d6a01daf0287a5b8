"""The convolution and pooling ops beyond 2-D conv2d: 3-D convolution (NDHWC) and its two
backward ops, 3-D max and average pooling, depthwise 2-D convolution and max pooling with
argmax. The functions that TF builds from these (``conv3d_transpose`` aside: separable,
atrous, N-d ``convolution`` and ``pool``...) live in :mod:`flowkit.ops.conv_ops`, which
re-exports these names, so ``tf.nn`` has them all.

Geometry is TF1's: ``SAME`` pads ``ceil(in / stride)`` outputs with the odd cell after,
``VALID`` keeps only windows that fit; ``strides``, ``ksize`` and ``dilations`` name every
dimension (batch and channels 1), or only the spatial ones.
"""
from __future__ import annotations

__all__ = ["conv3d", "conv3d_backprop_filter", "conv3d_backprop_filter_v2", "conv3d_transpose",
           "max_pool3d", "avg_pool3d", "depthwise_conv2d_native",
           "depthwise_conv2d_native_backprop_input", "depthwise_conv2d_native_backprop_filter",
           "depthwise_conv2d_backprop_input", "depthwise_conv2d_backprop_filter",
           "max_pool_with_argmax"]

import numbers

import numpy as np

from flowkit.backend import conv_output_size
from flowkit.framework import dtypes
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import constant_shape, convert_to_tensor, make_op, make_tensor, op_scope
from flowkit.ops.nn_ops import _check_float, _convert_like, _shape_tensor

_FORMATS = {1: "NWC", 2: "NHWC", 3: "NDHWC"}


# --------------------------------------------------------------------------------------------
# Shared argument decoding and geometry
# --------------------------------------------------------------------------------------------
def nd_sequence(value, name, n):
    """``strides``/``ksize``/``dilations`` for ``n`` spatial dims as ``n + 2`` ints: an int,
    or a list of 1, ``n`` or ``n + 2`` ints (batch and channel entries must be 1)."""
    if isinstance(value, numbers.Integral):
        value = [int(value)]
    value = [int(v) for v in np.reshape(np.asarray(value), [-1])]
    if len(value) == 1:
        value = value * n
    if len(value) == n:
        value = [1] + value + [1]
    if len(value) != n + 2:
        raise ValueError(f"{name} should be of length 1, {n} or {n + 2} but was {len(value)}")
    if value[0] != 1 or value[-1] != 1:
        raise ValueError(f"{name} in the batch and depth dimensions must be 1 (got {value}): "
                         "only spatial strides, windows and dilations are supported")
    if min(value) < 1:
        raise ValueError(f"{name} must be positive, got {value}")
    return tuple(value)


def check_padding(padding):
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    return padding


def check_format(data_format, n, fn):
    if data_format is not None and data_format != _FORMATS[n]:
        raise ValueError(f"{fn}: data_format must be {_FORMATS[n]!r} (flowkit keeps channels "
                         f"last, like TF1 on the CPU); got {data_format!r}")


def _dims(t, rank, what):
    if t.shape.ndims is not None and t.shape.ndims != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {t.shape.ndims} ({what} "
                         f"'{t.name}')")
    return t.shape.as_tuple() if t.shape.ndims is not None else (None,) * rank


def _spatial_out(spatial, ks, attrs, dilations):
    s, p = attrs["strides"], attrs["padding"]
    return [None if n is None or k is None else conv_output_size(n, k, s[i + 1],
                                                                 dilations[i + 1], p)[0]
            for i, (n, k) in enumerate(zip(spatial, ks))]


def _sizes_shape(sizes, rank):
    shape = constant_shape(sizes).merge_with(TensorShape([None] * rank))
    if sizes.op.type == "Shape" and sizes.op.inputs[0].shape.ndims == rank:
        shape = shape.merge_with(sizes.op.inputs[0].shape)
    return shape


def _same_dtype(a, b, what_a, what_b):
    if a.dtype is not b.dtype:
        raise TypeError(f"{what_a} ({a.dtype.name}) and {what_b} ({b.dtype.name}) must have "
                        "the same dtype")


# --------------------------------------------------------------------------------------------
# Convolutions: Conv3D and DepthwiseConv2dNative, each with its two backward ops
# --------------------------------------------------------------------------------------------
def _conv_attrs(op):
    return {k: op.attrs[k] for k in ("strides", "padding", "dilations", "data_format")}


def _register_conv(fwd, back_input, back_filter, n, depthwise):
    """Declares a convolution of ``n`` spatial dims and its two gradients (each the others'
    transposes, as for Conv2D)."""
    rank = n + 2

    def fwd_shape(inputs, attrs):
        x, f = inputs
        _check_float(x, "input")
        if f.dtype is not x.dtype:
            raise TypeError(f"Input 'filter' of '{fwd}' Op has type {f.dtype.name} that does "
                            f"not match type {x.dtype.name} of argument 'input'.")
        xs, fs = _dims(x, rank, "input"), _dims(f, rank, "filter")
        ks, ci, co = fs[:n], fs[n], fs[n + 1]
        c = xs[-1]
        if c is not None and ci is not None and c != ci:
            raise ValueError(f"{fwd}: depth of input ({c}) must equal the input depth of the "
                             f"filter ({ci}): the input has {c} channels (its last dimension) "
                             f"but the filter {list(fs)} expects {ci} (its dimension {n})")
        if depthwise:
            c = c if c is not None else ci
            co = None if c is None or co is None else c * co
        out = _spatial_out(xs[1:-1], ks, attrs, attrs["dilations"])
        return [(x.dtype, TensorShape([xs[0]] + out + [co]))]

    def fwd_grad(op, g):
        x, f = op.inputs
        attrs = _conv_attrs(op)
        return [make_tensor(back_input, (_shape_tensor(x), f, g), attrs),
                make_tensor(back_filter, (x, _shape_tensor(f), g), attrs)]

    def input_shape(inputs, attrs):
        sizes, f, dy = inputs
        _check_float(f, "filter")
        _same_dtype(dy, f, "out_backprop", "filter")
        _dims(f, rank, "filter"), _dims(dy, rank, "out_backprop")
        return [(f.dtype, _sizes_shape(sizes, rank))]

    def input_grad(op, gg):
        _, f, dy = op.inputs
        attrs = _conv_attrs(op)
        return [None, make_tensor(back_filter, (gg, _shape_tensor(f), dy), attrs),
                make_tensor(fwd, (gg, f), attrs)]

    def filter_shape(inputs, attrs):
        x, sizes, dy = inputs
        _check_float(x, "input")
        _same_dtype(dy, x, "out_backprop", "input")
        _dims(x, rank, "input"), _dims(dy, rank, "out_backprop")
        return [(x.dtype, _sizes_shape(sizes, rank))]

    def filter_grad(op, gg):
        x, _, dy = op.inputs
        attrs = _conv_attrs(op)
        return [make_tensor(back_input, (_shape_tensor(x), gg, dy), attrs), None,
                make_tensor(fwd, (x, gg), attrs)]

    register_op(fwd, shape=fwd_shape, grad=fwd_grad)
    register_op(back_input, shape=input_shape, grad=input_grad,
                doc=f"Gradient of {fwd} with respect to its input (a transposed convolution).")
    register_op(back_filter, shape=filter_shape, grad=filter_grad,
                doc=f"Gradient of {fwd} with respect to its filter.")


_register_conv("Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2", 3, False)
_register_conv("DepthwiseConv2dNative", "DepthwiseConv2dNativeBackpropInput",
               "DepthwiseConv2dNativeBackpropFilter", 2, True)


def _make_conv_attrs(strides, padding, dilations, data_format, n, fn):
    check_format(data_format, n, fn)
    if strides is None or padding is None:
        raise TypeError(f"{fn}() needs 'strides' and 'padding'")
    return {"strides": nd_sequence(strides, "strides", n), "padding": check_padding(padding),
            "dilations": nd_sequence(1 if dilations is None else dilations, "dilations", n),
            "data_format": _FORMATS[n]}


def _conv(op_type, fn, input, filter, strides, padding, dilations, data_format, n, name):
    attrs = _make_conv_attrs(strides, padding, dilations, data_format, n, fn)
    with op_scope(name, op_type, [input, filter]) as scope:
        input = convert_to_tensor(input, name="input")
        filter = _convert_like(filter, input, "filter")
        return make_tensor(op_type, (input, filter), attrs, scope)


def _back_input(op_type, fn, sizes, filter, dy, strides, padding, dilations, data_format, n,
                name):
    attrs = _make_conv_attrs(strides, padding, dilations, data_format, n, fn)
    with op_scope(name, op_type, [filter, dy]) as scope:
        filter = convert_to_tensor(filter, name="filter")
        dy = _convert_like(dy, filter, "out_backprop")
        sizes = convert_to_tensor(sizes, dtype=dtypes.int32, name="input_sizes")
        return make_tensor(op_type, (sizes, filter, dy), attrs, scope)


def _back_filter(op_type, fn, input, sizes, dy, strides, padding, dilations, data_format, n,
                 name):
    attrs = _make_conv_attrs(strides, padding, dilations, data_format, n, fn)
    with op_scope(name, op_type, [input, dy]) as scope:
        input = convert_to_tensor(input, name="input")
        dy = _convert_like(dy, input, "out_backprop")
        sizes = convert_to_tensor(sizes, dtype=dtypes.int32, name="filter_sizes")
        return make_tensor(op_type, (input, sizes, dy), attrs, scope)


def conv3d(input, filter=None, strides=None, padding=None, data_format="NDHWC",
           dilations=(1, 1, 1, 1, 1), name=None, filters=None):
    """3-D convolution of ``[batch, depth, height, width, in_channels]`` with a
    ``[d, h, w, in_channels, out_channels]`` filter (a cross-correlation).

    Example:
        >>> import flowkit as tf
        >>> x = tf.ones([1, 3, 3, 3, 1])
        >>> y = tf.nn.conv3d(x, tf.ones([2, 2, 2, 1, 1]), [1, 1, 1, 1, 1], "VALID")
        >>> with tf.Session() as sess:
        ...     print(y.shape, sess.run(y)[0, 0, 0, 0, 0])
        (1, 2, 2, 2, 1) 8.0
    """
    if filters is not None:
        if filter is not None:
            raise ValueError("Cannot specify both 'filter' and 'filters'")
        filter = filters
    return _conv("Conv3D", "conv3d", input, filter, strides, padding, dilations, data_format,
                 3, name)


def conv3d_backprop_filter_v2(input, filter_sizes, out_backprop, strides, padding,
                              data_format="NDHWC", dilations=(1, 1, 1, 1, 1), name=None):
    """The gradient of :func:`conv3d` with respect to its filter, of shape ``filter_sizes``.

    Example:
        >>> import flowkit as tf
        >>> dk = tf.nn.conv3d_backprop_filter_v2(tf.ones([1, 3, 3, 3, 1]), [2, 2, 2, 1, 1],
        ...                                      tf.ones([1, 2, 2, 2, 1]), [1, 1, 1, 1, 1],
        ...                                      "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(dk).reshape(-1))
        [8. 8. 8. 8. 8. 8. 8. 8.]
    """
    return _back_filter("Conv3DBackpropFilterV2", "conv3d_backprop_filter_v2", input,
                        filter_sizes, out_backprop, strides, padding, dilations, data_format,
                        3, name)


conv3d_backprop_filter = conv3d_backprop_filter_v2


def conv3d_transpose(value, filter=None, output_shape=None, strides=None, padding="SAME",
                     data_format="NDHWC", name=None, input=None, filters=None,
                     dilations=None):
    """The transpose of :func:`conv3d`: ``filter`` is ``[d, h, w, output_channels,
    in_channels]``, the result has ``output_shape`` (the gradient of a conv3d whose input
    has that shape).

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.conv3d_transpose(tf.ones([1, 2, 2, 2, 1]), tf.ones([2, 2, 2, 3, 1]),
        ...                            [1, 4, 4, 4, 3], strides=2)
        >>> with tf.Session() as sess:
        ...     print(y.shape, sess.run(y).sum())
        (1, 4, 4, 4, 3) 192.0
    """
    value = input if value is None else value
    filter = filters if filter is None else filter
    with op_scope(name, "conv3d_transpose", [value, filter, output_shape]) as scope:
        return _back_input("Conv3DBackpropInputV2", "conv3d_transpose", output_shape, filter,
                           value, strides, padding, dilations, data_format, 3, scope)


def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC",
                            dilations=(1, 1, 1, 1), name=None):
    """Depthwise 2-D convolution: each input channel ``c`` convolved with its own
    ``filter[:, :, c, :]`` (``[h, w, in_channels, channel_multiplier]``); output channel
    ``c * channel_multiplier + k``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(8.0), [1, 2, 2, 2])
        >>> y = tf.nn.depthwise_conv2d_native(x, tf.ones([2, 2, 2, 1]), [1, 1, 1, 1], "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(y).reshape(-1))
        [12. 16.]
    """
    return _conv("DepthwiseConv2dNative", "depthwise_conv2d_native", input, filter, strides,
                 padding, dilations, data_format, 2, name)


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides,
                                           padding, data_format="NHWC",
                                           dilations=(1, 1, 1, 1), name=None):
    """The gradient of :func:`depthwise_conv2d_native` with respect to its input.

    Example:
        >>> import flowkit as tf
        >>> dx = tf.nn.depthwise_conv2d_native_backprop_input(
        ...     [1, 2, 2, 1], tf.ones([2, 2, 1, 2]), tf.ones([1, 1, 1, 2]), [1, 1, 1, 1],
        ...     "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(dx)[0, :, :, 0])
        [[2. 2.]
         [2. 2.]]
    """
    return _back_input("DepthwiseConv2dNativeBackpropInput",
                       "depthwise_conv2d_native_backprop_input", input_sizes, filter,
                       out_backprop, strides, padding, dilations, data_format, 2, name)


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides,
                                            padding, data_format="NHWC",
                                            dilations=(1, 1, 1, 1), name=None):
    """The gradient of :func:`depthwise_conv2d_native` with respect to its filter.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(4.0), [1, 2, 2, 1])
        >>> dk = tf.nn.depthwise_conv2d_native_backprop_filter(
        ...     x, [2, 2, 1, 1], tf.ones([1, 1, 1, 1]), [1, 1, 1, 1], "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(dk)[:, :, 0, 0])
        [[0. 1.]
         [2. 3.]]
    """
    return _back_filter("DepthwiseConv2dNativeBackpropFilter",
                        "depthwise_conv2d_native_backprop_filter", input, filter_sizes,
                        out_backprop, strides, padding, dilations, data_format, 2, name)


depthwise_conv2d_backprop_input = depthwise_conv2d_native_backprop_input
depthwise_conv2d_backprop_filter = depthwise_conv2d_native_backprop_filter


# --------------------------------------------------------------------------------------------
# 3-D pooling
# --------------------------------------------------------------------------------------------
def _pool_attrs(op):
    return {k: op.attrs[k] for k in ("ksize", "strides", "padding", "data_format")}


def _pool3d_shape(inputs, attrs):
    x = inputs[0]
    if x.dtype.is_bool or x.dtype is dtypes.string:
        raise TypeError(f"Value passed to parameter 'input' has DataType {x.dtype.name} not in "
                        "list of allowed values: real numeric types")
    xs = _dims(x, 5, "input")
    k = attrs["ksize"]
    out = _spatial_out(xs[1:-1], k[1:-1], attrs, (1,) * 5)
    return [(x.dtype, TensorShape([xs[0]] + out + [xs[-1]]))]


def _float_pool3d_shape(inputs, attrs):
    _check_float(inputs[0], "input")
    return _pool3d_shape(inputs, attrs)


def _max_pool3d_grad_shape(inputs, attrs):
    x, y, g = inputs
    _check_float(x, "orig_input")
    return [(x.dtype, x.shape)]


def _max_pool3d_grad_grad_shape(inputs, attrs):
    x, y, g = inputs
    _check_float(x, "orig_input")
    return [(x.dtype, y.shape)]


def _pool_grad_op(op_type):
    def grad(op, gg):
        return [None, None, make_tensor(op_type, op.inputs[:2] + (gg,), _pool_attrs(op))]
    return grad


register_op("MaxPool3D", shape=_float_pool3d_shape,
            grad=lambda op, g: [make_tensor("MaxPool3DGrad", (op.inputs[0], op.outputs[0], g),
                                            _pool_attrs(op))])
register_op("MaxPool3DGrad", shape=_max_pool3d_grad_shape,
            grad=_pool_grad_op("MaxPool3DGradGrad"),
            doc="Gradient of MaxPool3D: input 2 routed to the first maximum of each window.")
register_op("MaxPool3DGradGrad", shape=_max_pool3d_grad_grad_shape,
            grad=_pool_grad_op("MaxPool3DGrad"),
            doc="Gradient of MaxPool3DGrad: input 2 read at the first maximum of each window.")
register_op("AvgPool3D", shape=_float_pool3d_shape,
            grad=lambda op, g: [make_tensor("AvgPool3DGrad", (_shape_tensor(op.inputs[0]), g),
                                            _pool_attrs(op))])
register_op("AvgPool3DGrad", shape=lambda inputs, attrs: [(inputs[1].dtype,
                                                           _sizes_shape(inputs[0], 5))],
            grad=lambda op, gg: [None, make_tensor("AvgPool3D", (gg,), _pool_attrs(op))],
            doc="Gradient of AvgPool3D: input 1 spread evenly over each window's valid cells.")


def _pool3d(op_type, fn, input, ksize, strides, padding, data_format, name):
    check_format(data_format, 3, fn)
    attrs = {"ksize": nd_sequence(ksize, "ksize", 3),
             "strides": nd_sequence(strides, "strides", 3),
             "padding": check_padding(padding), "data_format": "NDHWC"}
    with op_scope(name, op_type, [input]) as scope:
        return make_tensor(op_type, (convert_to_tensor(input, name="input"),), attrs, scope)


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """The maximum of each ``ksize`` window of ``[batch, depth, height, width, channels]``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(8.0), [1, 2, 2, 2, 1])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.max_pool3d(x, 2, 2, "VALID")).reshape(-1))
        [7.]
    """
    return _pool3d("MaxPool3D", "max_pool3d", input, ksize, strides, padding, data_format, name)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):
    """The mean of each ``ksize`` window (SAME padding cells are not counted).

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape(tf.range(8.0), [1, 2, 2, 2, 1])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.avg_pool3d(x, 2, 2, "SAME")).reshape(-1))
        [3.5]
    """
    return _pool3d("AvgPool3D", "avg_pool3d", input, ksize, strides, padding, data_format, name)


# --------------------------------------------------------------------------------------------
# Max pooling with argmax
# --------------------------------------------------------------------------------------------
def _argmax_attrs(op):
    return {k: op.attrs[k] for k in ("ksize", "strides", "padding", "include_batch_in_index")}


def _argmax_shape(inputs, attrs):
    x = inputs[0]
    if x.dtype.is_bool or x.dtype is dtypes.string or x.dtype.is_complex:
        raise TypeError(f"Value passed to parameter 'input' has DataType {x.dtype.name} not in "
                        "list of allowed values: real numeric types")
    xs = _dims(x, 4, "input")
    k = attrs["ksize"]
    shape = TensorShape([xs[0]] + _spatial_out(xs[1:-1], k[1:-1], attrs, (1,) * 4) + [xs[-1]])
    return [(x.dtype, shape), (attrs["Targmax"], shape)]


def _argmax_grad_shape(inputs, attrs):
    x, g, argmax = inputs
    _same_dtype(g, x, "grad", "input")
    return [(x.dtype, x.shape)]


def _argmax_grad_grad_shape(inputs, attrs):
    x, g, argmax = inputs
    _same_dtype(g, x, "grad", "input")
    return [(x.dtype, argmax.shape)]


def _argmax_grad_op(op_type):
    def grad(op, gg):
        x, _, argmax = op.inputs
        return [None, make_tensor(op_type, (x, gg, argmax), _argmax_attrs(op)), None]
    return grad


register_op("MaxPoolWithArgmax", shape=_argmax_shape,
            grad=lambda op, g, _: [make_tensor("MaxPoolGradWithArgmax",
                                               (op.inputs[0], g, op.outputs[1]),
                                               _argmax_attrs(op))])
register_op("MaxPoolGradWithArgmax", shape=_argmax_grad_shape,
            grad=_argmax_grad_op("MaxPoolGradGradWithArgmax"),
            doc="Gradient of MaxPoolWithArgmax: input 1 added at the flat indices input 2.")
register_op("MaxPoolGradGradWithArgmax", shape=_argmax_grad_grad_shape,
            grad=_argmax_grad_op("MaxPoolGradWithArgmax"),
            doc="Gradient of MaxPoolGradWithArgmax: input 1 read at the flat indices input 2.")


def max_pool_with_argmax(input, ksize, strides, padding, data_format="NHWC", Targmax=None,
                         name=None, output_dtype=None, include_batch_in_index=False):
    """:func:`max_pool` and, for each output, the flat index of its window's (first)
    maximum: ``(y * width + x) * channels + c``, or ``((b * height + y) * width + x) *
    channels + c`` with ``include_batch_in_index``. Returns ``(output, argmax)``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([[[[1.0], [3.0]], [[4.0], [2.0]]]])
        >>> y, i = tf.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run([y, i]))
        [array([[[[4.]]]], dtype=float32), array([[[[2]]]])]
    """
    check_format(data_format, 2, "max_pool_with_argmax")
    if Targmax is not None and output_dtype is not None and Targmax != output_dtype:
        raise ValueError("Cannot specify both 'Targmax' and 'output_dtype' with different "
                         f"values ({Targmax!r}, {output_dtype!r})")
    targmax = dtypes.as_dtype(output_dtype or Targmax or dtypes.int64)
    if targmax not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"max_pool_with_argmax: Targmax must be int32 or int64, got "
                        f"{targmax.name}")
    attrs = {"ksize": nd_sequence(ksize, "ksize", 2),
             "strides": nd_sequence(strides, "strides", 2),
             "padding": check_padding(padding), "Targmax": targmax,
             "include_batch_in_index": bool(include_batch_in_index)}
    with op_scope(name, "MaxPoolWithArgmax", [input]) as scope:
        op = make_op("MaxPoolWithArgmax", (convert_to_tensor(input, name="input"),), attrs,
                     scope)
        return op.outputs[0], op.outputs[1]

