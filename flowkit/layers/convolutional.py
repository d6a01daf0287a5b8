"""Convolution and pooling layers: ``tf.layers.Conv1D``/``Conv2D`` and ``MaxPooling1D/2D``,
``AveragePooling1D/2D``, with their functions ``conv1d``, ``conv2d``, ``max_pooling2d``...

Inputs are channels-last (``[batch, height, width, channels]``, or ``[batch, width,
channels]`` in 1-D); ``padding`` is ``'valid'`` (the default) or ``'same'``, in any case.

Example:
    >>> import flowkit as tf
    >>> import flowkit.layers
    >>> images = tf.placeholder(tf.float32, [None, 28, 28, 1])
    >>> h = tf.layers.conv2d(images, filters=8, kernel_size=5, padding="same",
    ...                      activation=tf.nn.relu)
    >>> h = tf.layers.max_pooling2d(h, pool_size=2, strides=2)
    >>> h.shape.as_list(), [v.name for v in tf.global_variables()]
    ([None, 14, 14, 8], ['conv2d/kernel:0', 'conv2d/bias:0'])
"""
from __future__ import annotations

import numbers

from flowkit.init_ops import zeros_initializer
from flowkit.layers.base import (Layer, get_activation, normalize_data_format,
                                 normalize_padding, normalize_tuple)
from flowkit.ops import array_ops, conv_ops, nn_ops

__all__ = ["Conv1D", "Conv2D", "MaxPooling1D", "MaxPooling2D", "AveragePooling1D",
           "AveragePooling2D", "conv1d", "conv2d", "max_pooling1d", "max_pooling2d",
           "average_pooling1d", "average_pooling2d"]


class _Conv(Layer):
    """An ``rank``-D convolution layer (1 or 2): ``activation(conv(inputs, kernel) + bias)``
    with ``kernel`` of shape ``kernel_size + (in_channels, filters)``."""

    rank = 2

    def __init__(self, filters, kernel_size, strides=1, padding="valid",
                 data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer=None, bias_initializer=zeros_initializer(),
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
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
        self.activation = get_activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.kernel = self.bias = None

    def build(self, input_shape) -> None:
        if input_shape.ndims != self.rank + 2:
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f"expected ndim={self.rank + 2}, found ndim={input_shape.ndims}. "
                             f"Full shape received: {input_shape}")
        channels = input_shape.as_list()[-1]
        if channels is None:
            raise ValueError("The channel dimension of the inputs should be defined. Found "
                             f"`None` (layer {self.name}, input shape {input_shape}).")
        shape = list(self.kernel_size) + [int(channels), self.filters]
        self.kernel = self.add_weight("kernel", shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True)
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.filters],
                                        initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, trainable=True)
        self.built = True

    def call(self, inputs):
        if self.rank == 1:
            outputs = conv_ops.conv1d(inputs, self.kernel, stride=self.strides[0],
                                      padding=self.padding, dilations=self.dilation_rate)
        else:
            outputs = conv_ops.conv2d(inputs, self.kernel, strides=[1, *self.strides, 1],
                                      padding=self.padding,
                                      dilations=[1, *self.dilation_rate, 1])
        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, self.bias)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs


class Conv1D(_Conv):
    """1-D convolution over ``[batch, width, channels]`` (kernel ``[k, in, filters]``).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> y = tf.layers.Conv1D(4, 3)(tf.zeros([2, 10, 5]))
        >>> y.shape
        TensorShape([Dimension(2), Dimension(8), Dimension(4)])
    """

    rank = 1


class Conv2D(_Conv):
    """2-D convolution over ``[batch, height, width, channels]`` (kernel
    ``[kh, kw, in, filters]``).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> layer = tf.layers.Conv2D(16, [3, 3], strides=2, padding="SAME")
        >>> y = layer(tf.zeros([1, 8, 8, 3]))
        >>> y.shape.as_list(), layer.kernel.shape.as_list()
        ([1, 4, 4, 16], [3, 3, 3, 16])
    """

    rank = 2


def _conv_function(cls, doc):
    def fn(inputs, filters, kernel_size, strides=1, padding="valid",
           data_format="channels_last", dilation_rate=1, activation=None, use_bias=True,
           kernel_initializer=None, bias_initializer=zeros_initializer(),
           kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
           kernel_constraint=None, bias_constraint=None, trainable=True, name=None,
           reuse=None):
        layer = cls(filters=filters, kernel_size=kernel_size, strides=strides,
                    padding=padding, data_format=data_format, dilation_rate=dilation_rate,
                    activation=activation, use_bias=use_bias,
                    kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                    kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                    activity_regularizer=activity_regularizer,
                    kernel_constraint=kernel_constraint, bias_constraint=bias_constraint,
                    trainable=trainable, name=name, _reuse=reuse, _scope=name)
        return layer.apply(inputs)
    fn.__name__ = fn.__qualname__ = cls.__name__.lower()
    fn.__doc__ = doc
    return fn


conv1d = _conv_function(Conv1D, """``tf.layers.conv1d``: a :class:`Conv1D` applied to
    ``inputs`` (variables ``conv1d/kernel``, ``conv1d/bias``).""")
conv2d = _conv_function(Conv2D, """``tf.layers.conv2d``: a :class:`Conv2D` applied to
    ``inputs`` (variables ``conv2d/kernel``, ``conv2d/bias``; ``conv2d_1/...`` for the next).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> x = tf.zeros([1, 5, 5, 1])
        >>> y = tf.layers.conv2d(x, 2, 3)
        >>> y.shape, y.op.name
        (TensorShape([Dimension(1), Dimension(3), Dimension(3), Dimension(2)]), 'conv2d/BiasAdd')
    """)


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------
class _Pooling(Layer):
    rank = 2
    _op = staticmethod(conv_ops.max_pool)

    def __init__(self, pool_size, strides=None, padding="valid", data_format="channels_last",
                 name=None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        n = self.rank
        self.pool_size = normalize_tuple(pool_size, n, "pool_size")
        self.strides = normalize_tuple(pool_size if strides is None else strides, n,
                                       "strides")
        self.padding = normalize_padding(padding)
        self.data_format = normalize_data_format(data_format, type(self).__name__)

    def call(self, inputs):
        if inputs.shape.ndims not in (None, self.rank + 2):
            raise ValueError(f"Input 0 of layer {self.name} is incompatible with the layer: "
                             f"expected ndim={self.rank + 2}, found ndim={inputs.shape.ndims}."
                             f" Full shape received: {inputs.shape}")
        if self.rank == 1:
            x = array_ops.expand_dims(inputs, 1)
            y = self._op(x, ksize=[1, 1, self.pool_size[0], 1],
                         strides=[1, 1, self.strides[0], 1], padding=self.padding)
            return array_ops.squeeze(y, [1])
        return self._op(inputs, ksize=[1, *self.pool_size, 1], strides=[1, *self.strides, 1],
                        padding=self.padding)


class MaxPooling1D(_Pooling):
    """Max pooling over ``[batch, width, channels]``."""

    rank = 1


class MaxPooling2D(_Pooling):
    """Max pooling over ``[batch, height, width, channels]``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> y = tf.layers.MaxPooling2D(2, 2)(tf.reshape(tf.range(16.0), [1, 4, 4, 1]))
        >>> with tf.Session() as sess:
        ...     print(sess.run(y)[0, :, :, 0])
        [[ 5.  7.]
         [13. 15.]]
    """


class AveragePooling1D(_Pooling):
    """Average pooling over ``[batch, width, channels]``."""

    rank = 1
    _op = staticmethod(conv_ops.avg_pool)


class AveragePooling2D(_Pooling):
    """Average pooling over ``[batch, height, width, channels]`` (with ``'same'`` padding the
    padded positions are not counted, as in TF)."""

    _op = staticmethod(conv_ops.avg_pool)


def _pool_function(cls):
    def fn(inputs, pool_size, strides, padding="valid", data_format="channels_last",
           name=None):
        return cls(pool_size=pool_size, strides=strides, padding=padding,
                   data_format=data_format, name=name).apply(inputs)
    snake = {"MaxPooling1D": "max_pooling1d", "MaxPooling2D": "max_pooling2d",
             "AveragePooling1D": "average_pooling1d",
             "AveragePooling2D": "average_pooling2d"}[cls.__name__]
    fn.__name__ = fn.__qualname__ = snake
    fn.__doc__ = (f"``tf.layers.{snake}(inputs, pool_size, strides, padding='valid')``: a "
                  f":class:`{cls.__name__}` applied to ``inputs`` (ops under ``{snake}/``).")
    return fn


max_pooling1d = _pool_function(MaxPooling1D)
max_pooling2d = _pool_function(MaxPooling2D)
average_pooling1d = _pool_function(AveragePooling1D)
average_pooling2d = _pool_function(AveragePooling2D)
