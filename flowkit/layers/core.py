"""``tf.layers.Dense``, ``Dropout`` and ``Flatten``, and their functions ``dense``,
``dropout`` and ``flatten``.

Example:
    >>> import flowkit as tf
    >>> import flowkit.layers
    >>> x = tf.placeholder(tf.float32, [None, 784])
    >>> h = tf.layers.dense(x, 128, activation=tf.nn.relu)
    >>> logits = tf.layers.dense(h, 10)
    >>> [v.name for v in tf.trainable_variables()]
    ['dense/kernel:0', 'dense/bias:0', 'dense_1/kernel:0', 'dense_1/bias:0']
"""
from __future__ import annotations

import numbers

import numpy as np

from flowkit.framework.graph import Tensor
from flowkit.init_ops import zeros_initializer
from flowkit.layers.base import Layer, get_activation, smart_cond
from flowkit.ops import array_ops, matrix_ops, nn_ops

__all__ = ["Dense", "Dropout", "Flatten", "dense", "dropout", "flatten"]


class Dense(Layer):
    """A densely connected layer: ``activation(inputs @ kernel + bias)``.

    Creates ``kernel`` (``[input_dim, units]``, default Glorot uniform) and ``bias``
    (``[units]``, zeros). Inputs of rank above 2 are multiplied along their last axis.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> layer = tf.layers.Dense(2, kernel_initializer=tf.ones_initializer())
        >>> y = layer(tf.constant([[1.0, 2.0, 3.0]]))
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(y), layer.kernel.name)
        [[6. 6.]] dense/kernel:0
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer=None,
                 bias_initializer=zeros_initializer(), kernel_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, trainable=True, name=None, **kwargs) -> None:
        super().__init__(trainable=trainable, name=name,
                         activity_regularizer=activity_regularizer, **kwargs)
        if not isinstance(units, numbers.Integral) or units <= 0:
            raise ValueError("Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units!r}")
        self.units = int(units)
        self.activation = get_activation(activation)
        self.use_bias = use_bias
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer
        self.kernel_regularizer, self.bias_regularizer = kernel_regularizer, bias_regularizer
        self.kernel_constraint, self.bias_constraint = kernel_constraint, bias_constraint
        self.kernel = self.bias = None

    def build(self, input_shape) -> None:
        dims = input_shape.as_list() if input_shape.ndims is not None else None
        if dims is None or len(dims) < 2 or dims[-1] is None:
            raise ValueError("The last dimension of the inputs to `Dense` should be defined "
                             f"(and the input of rank 2 or more). Found shape {input_shape} "
                             f"(layer {self.name}).")
        last = int(dims[-1])
        self.kernel = self.add_weight("kernel", [last, self.units],
                                      initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint, trainable=True)
        if self.use_bias:
            self.bias = self.add_weight("bias", [self.units], initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint, trainable=True)
        self.built = True

    def call(self, inputs):
        rank = inputs.shape.ndims
        if rank == 2:
            outputs = matrix_ops.matmul(inputs, self.kernel)
        else:
            outputs = matrix_ops.tensordot(inputs, self.kernel, [[rank - 1], [0]])
            outputs.set_shape(inputs.shape.as_list()[:-1] + [self.units])
        if self.use_bias:
            outputs = nn_ops.bias_add(outputs, self.bias)
        if self.activation is not None:
            return self.activation(outputs)
        return outputs


def dense(inputs, units, activation=None, use_bias=True, kernel_initializer=None,
          bias_initializer=zeros_initializer(), kernel_regularizer=None, bias_regularizer=None,
          activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
          trainable=True, name=None, reuse=None):
    """``tf.layers.dense``: a :class:`Dense` layer applied to ``inputs``. Variables
    ``<name or dense_N>/kernel`` and ``/bias``; with ``name`` given, calling it again needs
    ``reuse=True`` (or an enclosing scope that reuses) and shares the variables.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> x = tf.placeholder(tf.float32, [None, 3])
        >>> a = tf.layers.dense(x, 4, name="fc")
        >>> b = tf.layers.dense(x, 4, name="fc", reuse=True)      # the same variables
        >>> [v.name for v in tf.global_variables()]
        ['fc/kernel:0', 'fc/bias:0']
    """
    layer = Dense(units, activation=activation, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
                  activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
                  bias_constraint=bias_constraint, trainable=trainable, name=name,
                  _scope=name, _reuse=reuse)
    return layer.apply(inputs)


class Dropout(Layer):
    """Sets a fraction ``rate`` of the inputs to 0 while training, scaling the others by
    ``1 / (1 - rate)``; the identity otherwise. Call it with ``training=`` a Python bool or a
    bool tensor (e.g. a placeholder fed True while training); the default is False.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> training = tf.placeholder_with_default(False, [])
        >>> y = tf.layers.Dropout(0.5, seed=1)(tf.ones([4]), training=training)
        >>> with tf.Session() as sess:
        ...     print(sess.run(y))
        [1. 1. 1. 1.]
    """

    def __init__(self, rate=0.5, noise_shape=None, seed=None, name=None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if isinstance(rate, numbers.Real) and not 0 <= rate <= 1:
            raise ValueError(f"Invalid value {rate} received for `rate`, expected a value "
                             "between 0 and 1.")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def call(self, inputs, training=False):
        if isinstance(self.rate, numbers.Real) and self.rate == 0:
            return array_ops.identity(inputs)

        def dropped():
            return nn_ops.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape,
                                  seed=self.seed)
        return smart_cond(training, dropped, lambda: array_ops.identity(inputs))


def dropout(inputs, rate=0.5, noise_shape=None, seed=None, training=False, name=None):
    """``tf.layers.dropout``: drops with probability ``rate`` only when ``training`` (a Python
    bool or a bool tensor) is true. Note: ``rate`` is the fraction *dropped*, unlike
    ``tf.nn.dropout``'s ``keep_prob``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> y = tf.layers.dropout(tf.ones([1000]), rate=0.5, training=True, seed=3)
        >>> with tf.Session() as sess:
        ...     print(sorted(set(sess.run(y).tolist())))
        [0.0, 2.0]
    """
    return Dropout(rate, noise_shape=noise_shape, seed=seed, name=name).apply(
        inputs, training=training)


class Flatten(Layer):
    """Flattens each example: ``[batch, d1, d2, ...]`` to ``[batch, d1 * d2 * ...]``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> x = tf.placeholder(tf.float32, [None, 4, 4, 3])
        >>> tf.layers.Flatten()(x).shape
        TensorShape([Dimension(None), Dimension(48)])
    """

    def __init__(self, data_format=None, name=None, **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Flatten: data_format={data_format!r} is not supported by "
                             "flowkit; use 'channels_last'.")

    def call(self, inputs):
        return _flatten(inputs)


def _flatten(inputs):
    shape = inputs.shape
    if shape.ndims is None:
        raise ValueError(f"Flatten needs inputs of known rank, got {inputs.name} of unknown "
                         "shape")
    if shape.ndims == 1:
        return array_ops.expand_dims(inputs, 1)
    rest = shape.as_list()[1:]
    batch = shape.as_list()[0]
    if batch is None:
        batch = array_ops.shape(inputs)[0]
    if all(d is not None for d in rest):
        n = int(np.prod(rest))
        new_shape = array_ops.stack([batch, n]) if isinstance(batch, Tensor) else [batch, n]
        out = array_ops.reshape(inputs, new_shape)
        out.set_shape([shape.as_list()[0], n])
        return out
    new_shape = array_ops.stack([batch, -1]) if isinstance(batch, Tensor) else [batch, -1]
    return array_ops.reshape(inputs, new_shape)


def flatten(inputs, name=None, data_format="channels_last"):
    """``tf.layers.flatten``: ``[batch, ...]`` to ``[batch, k]`` (ops under ``flatten/``).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> y = tf.layers.flatten(tf.zeros([2, 3, 4]))
        >>> y.name, y.shape
        ('flatten/Reshape:0', TensorShape([Dimension(2), Dimension(12)]))
    """
    return Flatten(data_format=data_format, name=name).apply(inputs)
