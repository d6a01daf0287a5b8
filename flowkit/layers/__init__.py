"""``tf.layers``: TF1's layers, as functions (``tf.layers.dense``) and classes
(``tf.layers.Dense``), built from flowkit's ops and ``tf.get_variable``.

Each layer keeps its variables under its own variable scope, named as TF1 names them
(``dense/kernel``, ``dense_1/kernel``, ``conv2d/bias``, ``batch_normalization/moving_mean``),
so ``tf.variable_scope`` reuse shares them and a TF1 checkpoint's names match.

Example:
    >>> import flowkit as tf
    >>> import flowkit.layers
    >>> x = tf.placeholder(tf.float32, [None, 8, 8, 1])
    >>> training = tf.placeholder_with_default(False, [])
    >>> h = tf.layers.conv2d(x, 4, 3, padding="same", activation=tf.nn.relu)
    >>> h = tf.layers.batch_normalization(h, training=training)
    >>> h = tf.layers.max_pooling2d(h, 2, 2)
    >>> h = tf.layers.dropout(tf.layers.flatten(h), rate=0.5, training=training)
    >>> logits = tf.layers.dense(h, 10)
    >>> logits.shape
    TensorShape([Dimension(None), Dimension(10)])
"""
from flowkit.layers.base import Layer
from flowkit.layers.convolutional import (AveragePooling1D, AveragePooling2D, Conv1D, Conv2D,
                                          MaxPooling1D, MaxPooling2D, average_pooling1d,
                                          average_pooling2d, conv1d, conv2d, max_pooling1d,
                                          max_pooling2d)
from flowkit.layers.conv_more import (AveragePooling3D, Conv2DTranspose, Conv3D,
                                      Conv3DTranspose, MaxPooling3D, SeparableConv1D,
                                      SeparableConv2D, average_pooling3d, conv2d_transpose,
                                      conv3d, conv3d_transpose, max_pooling3d, separable_conv1d,
                                      separable_conv2d)
from flowkit.layers.core import Dense, Dropout, Flatten, dense, dropout, flatten
from flowkit.layers.input_spec import InputSpec
from flowkit.layers.normalization import BatchNormalization, batch_normalization
from flowkit import renames as _renames

# TF1's aliases.
Convolution1D, Convolution2D = Conv1D, Conv2D
MaxPool1D, MaxPool2D, AvgPool1D, AvgPool2D = (MaxPooling1D, MaxPooling2D, AveragePooling1D,
                                              AveragePooling2D)
Convolution3D, Convolution2DTranspose, Convolution3DTranspose = (Conv3D, Conv2DTranspose,
                                                                  Conv3DTranspose)
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
MaxPool3D, AvgPool3D = MaxPooling3D, AveragePooling3D

__all__ = ["Layer", "InputSpec", "Dense", "Dropout", "Flatten", "Conv1D", "Conv2D", "MaxPooling1D",
           "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "BatchNormalization",
           "Convolution1D", "Convolution2D", "MaxPool1D", "MaxPool2D", "AvgPool1D", "AvgPool2D",
           "dense", "dropout", "flatten", "conv1d", "conv2d", "max_pooling1d", "max_pooling2d",
           "average_pooling1d", "average_pooling2d", "batch_normalization",
           "Conv3D", "Conv2DTranspose", "Conv3DTranspose", "SeparableConv1D", "SeparableConv2D",
           "MaxPooling3D", "AveragePooling3D", "Convolution3D", "Convolution2DTranspose",
           "Convolution3DTranspose", "SeparableConvolution1D", "SeparableConvolution2D",
           "MaxPool3D", "AvgPool3D", "conv3d", "conv2d_transpose", "conv3d_transpose",
           "separable_conv1d", "separable_conv2d", "max_pooling3d", "average_pooling3d"]


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.layers", "layers", name, __all__ + list(globals()))
