"""``tf.initializers`` and ``tf.keras.initializers``: other names for the initializers of
:mod:`flowkit.init_ops`, as TF1 offered them.

``tf.initializers.glorot_uniform()`` is ``tf.glorot_uniform_initializer()``;
``he_normal``/``he_uniform``/``lecun_normal``/``lecun_uniform`` are variance scaling with
TF1's settings. ``tf.keras.initializers`` has the CamelCase classes with Keras's defaults
(``RandomNormal(stddev=0.05)``...). The rest of ``tf.keras`` is not provided: flowkit is the
TF1 API (use ``tf.layers``).

Example:
    >>> import flowkit as tf
    >>> import flowkit.initializers
    >>> w = tf.get_variable("w", [3, 4], initializer=tf.initializers.he_normal(seed=1))
    >>> keras = flowkit.initializers.keras                # tf.keras once flowkit exports it
    >>> keras_init = keras.initializers.glorot_uniform(seed=1)
    >>> type(keras_init).__name__
    'GlorotUniform'
"""
from __future__ import annotations

import types

from flowkit import init_ops
from flowkit.framework import dtypes
from flowkit.init_ops import (Constant, GlorotNormal, GlorotUniform, Ones, RandomNormal,
                              RandomUniform, TruncatedNormal, VarianceScaling, Zeros)
from flowkit.variables import global_variables_initializer, local_variables_initializer

__all__ = ["zeros", "ones", "constant", "random_normal", "random_uniform", "truncated_normal",
           "variance_scaling", "glorot_uniform", "glorot_normal", "he_normal", "he_uniform",
           "lecun_normal", "lecun_uniform", "global_variables", "local_variables", "keras"]

zeros = init_ops.zeros_initializer
ones = init_ops.ones_initializer
constant = init_ops.constant_initializer
random_normal = init_ops.random_normal_initializer
random_uniform = init_ops.random_uniform_initializer
truncated_normal = init_ops.truncated_normal_initializer
variance_scaling = init_ops.variance_scaling_initializer
glorot_uniform = init_ops.glorot_uniform_initializer
glorot_normal = init_ops.glorot_normal_initializer


def he_normal(seed=None):
    """He et al.: a truncated normal of variance ``2 / fan_in``."""
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    """He et al.: uniform on ``+-sqrt(6 / fan_in)``."""
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    """LeCun: a truncated normal of variance ``1 / fan_in``."""
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    """LeCun: uniform on ``+-sqrt(3 / fan_in)``."""
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


def global_variables():
    """``tf.initializers.global_variables()`` is ``tf.global_variables_initializer()``."""
    return global_variables_initializer()


def local_variables():
    """``tf.initializers.local_variables()`` is ``tf.local_variables_initializer()``."""
    return local_variables_initializer()


# -- tf.keras.initializers: Keras's spellings and defaults ---------------------------------------
class _KerasRandomNormal(RandomNormal):
    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=dtypes.float32) -> None:
        super().__init__(mean, stddev, seed, dtype)


class _KerasTruncatedNormal(TruncatedNormal):
    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=dtypes.float32) -> None:
        super().__init__(mean, stddev, seed, dtype)


class _KerasRandomUniform(RandomUniform):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None, dtype=dtypes.float32) -> None:
        super().__init__(minval, maxval, seed, dtype)


for _cls, _name in ((_KerasRandomNormal, "RandomNormal"),
                    (_KerasTruncatedNormal, "TruncatedNormal"),
                    (_KerasRandomUniform, "RandomUniform")):
    _cls.__name__ = _cls.__qualname__ = _name

_keras_initializers = types.ModuleType(
    "tf.keras.initializers", "Keras's initializer names (flowkit provides only these of tf.keras).")
for _n, _v in {"Zeros": Zeros, "Ones": Ones, "Constant": Constant,
               "RandomNormal": _KerasRandomNormal, "RandomUniform": _KerasRandomUniform,
               "TruncatedNormal": _KerasTruncatedNormal, "VarianceScaling": VarianceScaling,
               "GlorotUniform": GlorotUniform, "GlorotNormal": GlorotNormal,
               "zeros": Zeros, "ones": Ones, "constant": Constant,
               "random_normal": _KerasRandomNormal, "random_uniform": _KerasRandomUniform,
               "truncated_normal": _KerasTruncatedNormal, "glorot_uniform": GlorotUniform,
               "glorot_normal": GlorotNormal, "he_normal": he_normal, "he_uniform": he_uniform,
               "lecun_normal": lecun_normal, "lecun_uniform": lecun_uniform}.items():
    setattr(_keras_initializers, _n, _v)

KERAS_MESSAGE = "flowkit is the TF1 API; tf.keras is not provided, use tf.layers"


class _Keras(types.ModuleType):
    """``tf.keras``: only ``tf.keras.initializers``; anything else raises an AttributeError
    that says flowkit is the TF1 API."""

    initializers = _keras_initializers

    def __getattr__(self, name):
        raise AttributeError(f"{KERAS_MESSAGE} (tf.keras.{name} does not exist; only "
                             "tf.keras.initializers does)")


keras = _Keras("tf.keras", _Keras.__doc__)
