"""More convolution and pooling layers: ``Conv3D``, the transposed ``Conv2DTranspose`` and
``Conv3DTranspose``, ``SeparableConv1D/2D``, ``MaxPooling3D`` and ``AveragePooling3D``, with
their functions (``tf.layers.conv3d``, ``conv2d_transpose``, ``separable_conv2d``...).

Variables are named as in TF1: ``conv2d_transpose/kernel`` (shape ``kernel_size + (filters,
in_channels)``), ``separable_conv2d/depthwise_kernel`` (``kernel_size + (in_channels,
depth_multiplier)``), ``separable_conv2d/pointwise_kernel`` (``(1, 1, in_channels *
depth_multiplier, filters)``) and ``.../bias``.

Example:
    >>> import flowkit as tf
    >>> import flowkit.layers
    >>> x = tf.placeholder(tf.float32, [None, 4, 4, 3])
    >>> y = tf.layers.conv2d_transpose(x, 2, 3, strides=2, padding="same")
    >>> y.shape.as_list(), [v.name for v in tf.global_variables()]
    ([None, 8, 8, 2], ['conv2d_transpose/kernel:0', 'conv2d_transpose/bias:0'])
"""
from __future__ import annotations

import numbers

from flowkit.init_ops import zeros_initializer
from flowkit.layers.base import (Layer, get_activation, normalize_data_format,
                                 normalize_padding, normalize_tuple)
from flowkit.layers.convolutional import _Conv, _Pooling
from flowkit.ops import array_ops, conv_ops, nn_ops

__all__ = ["Conv3D", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D",
           "SeparableConv2D", "MaxPooling3D", "AveragePooling3D", "conv3d", "conv2d_transpose",
           "conv3d_transpose", "separable_conv1d", "separable_conv2d", "max_pooling3d",
           "average_pooling3d"]


def _channels(layer, input_shape):
    if input_shape.ndims != layer.rank + 2:
        raise ValueError(f"Input 0 of layer {layer.name} is incompatible with the layer: "
                         f"expected ndim={layer.rank + 2}, found ndim={input_shape.ndims}. "
                         f"Full shape received: {input_shape}")
    channels = input_shape.as_list()[-1]
    if channels is None:
        raise ValueError("The channel dimension of the inputs should be defined. Found "
                         f"`None` (layer {layer.name}, input shape {input_shape}).")
    return int(channels)


def _finish(layer, outputs):
    if layer.use_bias:
        outputs = nn_ops.bias_add(outputs, layer.bias)
    if layer.activation is not None:
        return layer.activation(outputs)
    return outputs


class Conv3D(_Conv):
    """3-D convolution over ``[batch, depth, height, width, channels]`` (kernel
    ``[kd, kh, kw, in, filters]``).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> tf.layers.Conv3D(4, 3, padding="same")(tf.zeros([1, 5, 5, 5, 2])).shape.as_list()
        [1, 5, 5, 5, 4]
    """

    rank = 3

    def call(self, inputs):
        outputs = conv_ops.conv3d(inputs, self.kernel, strides=[1, *self.strides, 1],
                                  padding=self.padding, dilations=[1, *self.dilation_rate, 1])
        return _finish(self, outputs)


# --------------------------------------------------------------------------------------------
# Transposed convolutions
# --------------------------------------------------------------------------------------------
def _deconv_length(size, k, stride, padding):
    """The output length of a transposed convolution (Keras's rule, no output padding);
    ``size`` may be a scalar tensor."""
    if padding == "VALID":
        return size * stride + max(k - stride, 0)
    return size * stride


class _ConvTranspose(_Conv):
    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", activation=None, use_bias=True,
                 kernel_initializer=None, bias_initializer=zeros_initializer(),
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs) -> None:
        super().__init__(filters, kernel_size, strides=strides, padding=padding,
                         data_format=data_format, activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer,
                         kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                         trainable=trainable, name=name, **kwargs)

    def build(self, input_shape) -> None:
        channels = _channels(self, input_shape)
        # TF keeps a transposed convolution's kernel as [*window, filters, in_channels].
        self.kernel = self.add_weight("kernel", list(self.kernel_size) + [self.filters, channels],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True)
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.filters],
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, trainable=True)
        self.built = True

    def call(self, inputs):
        static = inputs.shape.as_list()
        dynamic = array_ops.shape(inputs)
        sizes, known = [], [static[0]]
        for i, (k, s) in enumerate(zip(self.kernel_size, self.strides)):
            n = static[i + 1]
            sizes.append(_deconv_length(n if n is not None else dynamic[i + 1], k, s,
                                        self.padding))
            known.append(sizes[-1] if n is not None else None)
        batch = static[0] if static[0] is not None else dynamic[0]
        parts = [batch, *sizes, self.filters]
        if all(isinstance(p, numbers.Integral) for p in parts):
            output_shape = parts
        else:
            output_shape = array_ops.stack(parts)
        transpose = conv_ops.conv2d_transpose if self.rank == 2 else conv_ops.conv3d_transpose
        outputs = transpose(inputs, self.kernel, output_shape, [1, *self.strides, 1],
                            padding=self.padding)
        outputs.set_shape(known + [self.filters])
        return _finish(self, outputs)


class Conv2DTranspose(_ConvTranspose):
    """Transposed 2-D convolution ("deconvolution"): output ``in * stride`` for ``'same'``,
    ``in * stride + max(kernel - stride, 0)`` for ``'valid'``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> tf.layers.Conv2DTranspose(3, 2, strides=2)(tf.zeros([1, 4, 4, 1])).shape.as_list()
        [1, 8, 8, 3]
    """

    rank = 2


class Conv3DTranspose(_ConvTranspose):
    """Transposed 3-D convolution over ``[batch, depth, height, width, channels]``."""

    rank = 3


# --------------------------------------------------------------------------------------------
# Separable convolutions
# --------------------------------------------------------------------------------------------
class _SeparableConv(Layer):
    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, depth_multiplier=1,
                 activation=None, use_bias=True, depthwise_initializer=None,
                 pointwise_initializer=None, bias_initializer=zeros_initializer(),
                 depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, trainable=True, name=None,
                 **kwargs) -> None:
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(filters, numbers.Integral) or filters <= 0:
            raise ValueError("Invalid value for argument `filters`. Expected a strictly "
                             f"positive value. Received filters={filters!r}.")
        n = self.rank
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, n, "kernel_size")
        self.strides = normalize_tuple(strides, n, "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format, type(self).__name__)
        self.dilation_rate = normalize_tuple(dilation_rate, n, "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise ValueError("`strides > 1` not supported in conjunction with "
                             f"`dilation_rate > 1`. Received: strides={self.strides} and "
                             f"dilation_rate={self.dilation_rate}")
        self.depth_multiplier = int(depth_multiplier)
        self.activation = get_activation(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = depthwise_initializer
        self.pointwise_initializer = pointwise_initializer
        self.bias_initializer = bias_initializer
        self.depthwise_regularizer = depthwise_regularizer
        self.pointwise_regularizer = pointwise_regularizer
        self.bias_regularizer = bias_regularizer
        self.depthwise_constraint = depthwise_constraint
        self.pointwise_constraint = pointwise_constraint
        self.bias_constraint = bias_constraint
        self.depthwise_kernel = self.pointwise_kernel = self.bias = None

    def build(self, input_shape) -> None:
        channels = _channels(self, input_shape)
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", list(self.kernel_size) + [channels, self.depth_multiplier],
            initializer=self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint, trainable=True)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", [1] * self.rank + [channels * self.depth_multiplier,
                                                   self.filters],
            initializer=self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint, trainable=True)
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.filters],
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, trainable=True)
        self.built = True

    def call(self, inputs):
        if self.rank == 1:
            outputs = conv_ops.separable_conv2d(
                array_ops.expand_dims(inputs, 1),
                array_ops.expand_dims(self.depthwise_kernel, 0),
                array_ops.expand_dims(self.pointwise_kernel, 0),
                strides=[1, 1, self.strides[0], 1], padding=self.padding,
                rate=[1, self.dilation_rate[0]])
            outputs = array_ops.squeeze(outputs, [1])
        else:
            outputs = conv_ops.separable_conv2d(
                inputs, self.depthwise_kernel, self.pointwise_kernel,
                strides=[1, *self.strides, 1], padding=self.padding, rate=self.dilation_rate)
        return _finish(self, outputs)


class SeparableConv1D(_SeparableConv):
    """Depthwise-separable 1-D convolution over ``[batch, width, channels]``: a depthwise
    convolution (``depthwise_kernel [k, in, depth_multiplier]``) then a pointwise one
    (``pointwise_kernel [1, in * depth_multiplier, filters]``)."""

    rank = 1


class SeparableConv2D(_SeparableConv):
    """Depthwise-separable 2-D convolution: a depthwise convolution (``depthwise_kernel
    [kh, kw, in, depth_multiplier]``) then a 1x1 one (``pointwise_kernel``).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> layer = tf.layers.SeparableConv2D(4, 3, depth_multiplier=2)
        >>> y = layer(tf.zeros([1, 5, 5, 3]))
        >>> y.shape.as_list(), layer.pointwise_kernel.shape.as_list()
        ([1, 3, 3, 4], [1, 1, 6, 4])
    """

    rank = 2


# --------------------------------------------------------------------------------------------
# 3-D pooling
# --------------------------------------------------------------------------------------------
class _Pooling3D(_Pooling):
    rank = 3

    def call(self, inputs):
        if inputs.shape.ndims not in (None, 5):
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f"expected ndim=5, found ndim={inputs.shape.ndims}. Full shape "
                             f"received: {inputs.shape}")
        return self._op(inputs, [1, *self.pool_size, 1], [1, *self.strides, 1], self.padding)


class MaxPooling3D(_Pooling3D):
    """Max pooling over ``[batch, depth, height, width, channels]``."""

    _op = staticmethod(conv_ops.max_pool3d)


class AveragePooling3D(_Pooling3D):
    """Average pooling over ``[batch, depth, height, width, channels]`` (``'same'`` padding
    cells are not counted, as in TF)."""

    _op = staticmethod(conv_ops.avg_pool3d)


# --------------------------------------------------------------------------------------------
# The functions
# --------------------------------------------------------------------------------------------
def _apply(cls, inputs, name, reuse, kwargs):
    return cls(name=name, _reuse=reuse, _scope=name, **kwargs).apply(inputs)


def conv3d(inputs, filters, kernel_size, strides=(1, 1, 1), padding="valid",
           data_format="channels_last", dilation_rate=(1, 1, 1), activation=None,
           use_bias=True, kernel_initializer=None, bias_initializer=zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
           reuse=None):
    """``tf.layers.conv3d``: a :class:`Conv3D` applied to ``inputs`` (variables
    ``conv3d/kernel``, ``conv3d/bias``)."""
    kwargs = {k: v for k, v in locals().items() if k not in ("inputs", "name", "reuse")}
    return _apply(Conv3D, inputs, name, reuse, kwargs)


def conv2d_transpose(inputs, filters, kernel_size, strides=(1, 1), padding="valid",
                     data_format="channels_last", activation=None, use_bias=True,
                     kernel_initializer=None, bias_initializer=zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                     reuse=None):
    """``tf.layers.conv2d_transpose``: a :class:`Conv2DTranspose` applied to ``inputs``
    (variables ``conv2d_transpose/kernel``, ``conv2d_transpose/bias``)."""
    kwargs = {k: v for k, v in locals().items() if k not in ("inputs", "name", "reuse")}
    return _apply(Conv2DTranspose, inputs, name, reuse, kwargs)


def conv3d_transpose(inputs, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                     data_format="channels_last", activation=None, use_bias=True,
                     kernel_initializer=None, bias_initializer=zeros_initializer(),
                     kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                     kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
                     reuse=None):
    """``tf.layers.conv3d_transpose``: a :class:`Conv3DTranspose` applied to ``inputs``."""
    kwargs = {k: v for k, v in locals().items() if k not in ("inputs", "name", "reuse")}
    return _apply(Conv3DTranspose, inputs, name, reuse, kwargs)


def _separable_function(cls, default):
    def fn(inputs, filters, kernel_size, strides=default, padding="valid",
           data_format="channels_last", dilation_rate=default, depth_multiplier=1,
           activation=None, use_bias=True, depthwise_initializer=None,
           pointwise_initializer=None, bias_initializer=zeros_initializer(),
           depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None,
           activity_regularizer=None, depthwise_constraint=None, pointwise_constraint=None,
           bias_constraint=None, trainable=True, name=None, reuse=None):
        kwargs = {k: v for k, v in locals().items()
                  if k not in ("inputs", "name", "reuse", "cls")}
        return _apply(cls, inputs, name, reuse, kwargs)
    snake = "separable_conv1d" if cls is SeparableConv1D else "separable_conv2d"
    fn.__name__ = fn.__qualname__ = snake
    fn.__doc__ = (f"``tf.layers.{snake}``: a :class:`{cls.__name__}` applied to ``inputs`` "
                  f"(variables ``{snake}/depthwise_kernel``, ``{snake}/pointwise_kernel``, "
                  f"``{snake}/bias``).")
    return fn


separable_conv1d = _separable_function(SeparableConv1D, 1)
separable_conv2d = _separable_function(SeparableConv2D, (1, 1))


def max_pooling3d(inputs, pool_size, strides, padding="valid", data_format="channels_last",
                  name=None):
    """``tf.layers.max_pooling3d``: a :class:`MaxPooling3D` applied to ``inputs``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> tf.layers.max_pooling3d(tf.zeros([1, 4, 4, 4, 2]), 2, 2).shape.as_list()
        [1, 2, 2, 2, 2]
    """
    return MaxPooling3D(pool_size=pool_size, strides=strides, padding=padding,
                        data_format=data_format, name=name).apply(inputs)


def average_pooling3d(inputs, pool_size, strides, padding="valid",
                      data_format="channels_last", name=None):
    """``tf.layers.average_pooling3d``: an :class:`AveragePooling3D` applied to ``inputs``."""
    return AveragePooling3D(pool_size=pool_size, strides=strides, padding=padding,
                            data_format=data_format, name=name).apply(inputs)
