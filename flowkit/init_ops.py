"""Initializers: objects that build the initial value of a variable of a given shape.

TF1 spells them as classes you instantiate, then call with a shape:
``tf.zeros_initializer()``, ``tf.random_normal_initializer(stddev=0.1)``,
``tf.glorot_uniform_initializer()``... Calling one returns a tensor (ops in the graph), so
``tf.get_variable("W", [784, 10], initializer=tf.glorot_uniform_initializer())`` builds its
ops under ``W/Initializer/``.

Example:
    >>> import flowkit as tf
    >>> init = tf.constant_initializer(0.5)
    >>> t = init([2, 2])
    >>> with tf.Session() as sess:
    ...     print(sess.run(t))
    [[0.5 0.5]
     [0.5 0.5]]
"""
from __future__ import annotations

# The CamelCase classes stay in this module (TF1 has no ``tf.Zeros``); ``tf.*`` gets TF1's names.
__all__ = ["zeros_initializer", "ones_initializer", "constant_initializer",
           "random_normal_initializer", "truncated_normal_initializer",
           "random_uniform_initializer", "glorot_uniform_initializer",
           "glorot_normal_initializer", "variance_scaling_initializer",
           "orthogonal_initializer", "uniform_unit_scaling_initializer"]

import math

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.tensor_shape import as_shape
from flowkit.ops import array_ops, linalg_ops, math_ops, random_ops, shape_ops
from flowkit.ops.core import constant, op_scope

# The standard deviation of N(0, 1) truncated to [-2, 2]: dividing by it makes a truncated
# normal sample have the intended standard deviation.
_TRUNCATED_STDDEV = 0.87962566103423978


def _static_shape(shape) -> list:
    s = as_shape(shape)
    if not s.is_fully_defined():
        raise ValueError(f"An initializer needs a fully defined shape, got {s}")
    return s.as_list()


def _float_dtype(dtype, who: str):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Expected floating point type, got {dtype.name}: {who} makes "
                         "random floats (use tf.zeros_initializer() for an integer variable).")
    return dtype


def _filled(value, shape, dtype, name):
    """A tensor of ``shape`` filled with the scalar ``value``: one Const for a small shape
    (named ``name``, as TF1 does); a broadcast scalar for a large one (no big array is kept
    in the graph)."""
    dtype = dtypes.as_dtype(dtype)
    shape = _static_shape(shape)
    np_dtype = dtype.as_numpy_dtype if dtype is not dtypes.string else object
    if int(np.prod(shape)) < 1000:
        return constant(np.full(shape, value, dtype=np_dtype), dtype=dtype, name=name)
    with op_scope(None, name) as scope:
        return array_ops.broadcast_to(constant(value, dtype=dtype), shape, name=scope)


def compute_fans(shape):
    """``(fan_in, fan_out)`` of a weight shape. A 2-D ``[in, out]`` matrix gives its two dims;
    a convolution kernel ``[h, w, in, out]`` multiplies both by the receptive field ``h*w``;
    a vector gives its length twice and a scalar ``(1, 1)``.

    Example:
        >>> compute_fans([5, 5, 32, 64])
        (800, 1600)
    """
    shape = list(shape)
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return int(shape[0]), int(shape[0])
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return int(shape[-2]) * receptive, int(shape[-1]) * receptive


# --------------------------------------------------------------------------------------------
class Initializer:
    """Base class: ``init(shape, dtype=None, partition_info=None)`` returns a tensor."""

    dtype = dtypes.float32

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError(f"{type(self).__name__} does not define __call__")

    def get_config(self) -> dict:
        """The constructor arguments; ``type(init).from_config(init.get_config())`` copies."""
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (``tf.zeros_initializer()``); also works for int and bool variables.

    Example:
        >>> import flowkit as tf
        >>> v = tf.get_variable("v", shape=[2, 2], initializer=tf.zeros_initializer())
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(v))
        [[0. 0.]
         [0. 0.]]
    """

    def __init__(self, dtype=dtypes.float32) -> None:
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtypes.as_dtype(dtype or self.dtype)
        zero = "" if dtype is dtypes.string else 0
        return _filled(zero, shape, dtype, "zeros")

    def get_config(self):
        return {"dtype": self.dtype.name}


class Ones(Initializer):
    """All ones (``tf.ones_initializer()``).

    Example:
        >>> import flowkit as tf
        >>> v = tf.get_variable("v", shape=[3], dtype=tf.int32, initializer=tf.ones_initializer())
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(v))
        [1 1 1]
    """

    def __init__(self, dtype=dtypes.float32) -> None:
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return _filled(1, shape, dtype or self.dtype, "ones")

    def get_config(self):
        return {"dtype": self.dtype.name}


class Constant(Initializer):
    """A given value (``tf.constant_initializer(value)``): a scalar fills the shape; a list or
    array must have as many elements as the shape (it is reshaped to it).

    Example:
        >>> import flowkit as tf
        >>> a = tf.get_variable("a", shape=[2, 2], initializer=tf.constant_initializer(0.5))
        >>> b = tf.get_variable("b", shape=[3],
        ...                     initializer=tf.constant_initializer([1.0, 2.0, 3.0]))
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(a))
        ...     print(sess.run(b))
        [[0.5 0.5]
         [0.5 0.5]]
        [1. 2. 3.]
    """

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False) -> None:
        if not (np.isscalar(value) or isinstance(value, (list, tuple, np.ndarray))):
            raise TypeError(f"Invalid type for initial value: {type(value).__name__} "
                            f"({value!r}). Expected Python scalar, list or tuple of values, "
                            "or numpy.ndarray.")
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        dtype = dtypes.as_dtype(dtype or self.dtype)
        verify = self._verify_shape if verify_shape is None else verify_shape
        return constant(self.value, dtype=dtype, shape=_static_shape(shape),
                        verify_shape=verify)

    def get_config(self):
        value = self.value.tolist() if isinstance(self.value, np.ndarray) else self.value
        return {"value": value, "dtype": self.dtype.name, "verify_shape": self._verify_shape}


class RandomNormal(Initializer):
    """Samples of ``N(mean, stddev^2)`` (``tf.random_normal_initializer``).

    Example:
        >>> import flowkit as tf
        >>> init = tf.random_normal_initializer(mean=0.0, stddev=0.1, seed=1)
        >>> v = tf.get_variable("v", shape=[4, 3], initializer=init)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     value = sess.run(v)
        >>> print(value.shape, value.dtype)
        (4, 3) float32
    """

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32) -> None:
        self.mean, self.stddev, self.seed = mean, stddev, seed
        self.dtype = _float_dtype(dtype, type(self).__name__)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = _float_dtype(dtype or self.dtype, type(self).__name__)
        return random_ops.random_normal(_static_shape(shape), self.mean, self.stddev, dtype,
                                        seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed,
                "dtype": self.dtype.name}


class TruncatedNormal(RandomNormal):
    """Normal samples re-drawn beyond two standard deviations
    (``tf.truncated_normal_initializer``); note their standard deviation is about
    ``0.88 * stddev``.

    Example:
        >>> import flowkit as tf
        >>> init = tf.truncated_normal_initializer(stddev=0.1, seed=1)
        >>> v = tf.get_variable("v", shape=[100], initializer=init)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     value = sess.run(v)
        >>> print(value.shape, value.dtype, bool(abs(value).max() <= 0.2))
        (100,) float32 True
    """

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = _float_dtype(dtype or self.dtype, type(self).__name__)
        return random_ops.truncated_normal(_static_shape(shape), self.mean, self.stddev, dtype,
                                           seed=self.seed)


class RandomUniform(Initializer):
    """Samples uniform in ``[minval, maxval)`` (``tf.random_uniform_initializer``); integer
    dtypes need ``maxval``.

    Example:
        >>> import flowkit as tf
        >>> init = tf.random_uniform_initializer(-1.0, 1.0, seed=1)
        >>> v = tf.get_variable("v", shape=[2, 5], initializer=init)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     value = sess.run(v)
        >>> print(value.shape, value.dtype, bool(((value >= -1) & (value < 1)).all()))
        (2, 5) float32 True
    """

    def __init__(self, minval=0, maxval=None, seed=None, dtype=dtypes.float32) -> None:
        self.minval, self.maxval, self.seed = minval, maxval, seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return random_ops.random_uniform(_static_shape(shape), self.minval, self.maxval,
                                         dtypes.as_dtype(dtype or self.dtype), seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed,
                "dtype": self.dtype.name}


class VarianceScaling(Initializer):
    """Random values whose variance is ``scale / n``, where ``n`` is the fan-in, the fan-out,
    or their average (``mode``), so that activations keep their scale from layer to layer.

    ``distribution`` is ``"truncated_normal"`` (alias ``"normal"``: a truncated normal whose
    standard deviation is corrected for the truncation), ``"untruncated_normal"`` or
    ``"uniform"`` (on ``[-limit, limit)`` with ``limit = sqrt(3 * scale / n)``). Fans of a
    convolution kernel ``[h, w, in, out]`` count the receptive field: ``h * w * in``.

    Example:
        >>> import flowkit as tf
        >>> init = tf.variance_scaling_initializer(scale=2.0, mode="fan_in",
        ...                                        distribution="uniform", seed=1)
        >>> with tf.Session() as sess:
        ...     w = sess.run(init([200, 100]))
        >>> bool(abs(w).max() <= (3 * 2.0 / 200) ** 0.5)
        True
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32) -> None:
        if scale <= 0.0:
            raise ValueError(f"`scale` must be positive float, got {scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode!r}. Expected one of 'fan_in', "
                             "'fan_out', 'fan_avg'.")
        distribution = distribution.lower()
        if distribution not in ("normal", "uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution!r}. Expected "
                             "one of 'normal', 'uniform', 'truncated_normal', "
                             "'untruncated_normal'.")
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed
        self.dtype = _float_dtype(dtype, type(self).__name__)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = _float_dtype(dtype or self.dtype, type(self).__name__)
        shape = _static_shape(shape)
        full_shape = getattr(partition_info, "full_shape", None) or shape
        fan_in, fan_out = compute_fans(full_shape)
        n = {"fan_in": fan_in, "fan_out": fan_out,
             "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution in ("normal", "truncated_normal"):
            stddev = math.sqrt(scale) / _TRUNCATED_STDDEV
            return random_ops.truncated_normal(shape, 0.0, stddev, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(shape, 0.0, math.sqrt(scale), dtype,
                                            seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "dtype": self.dtype.name}


class GlorotUniform(VarianceScaling):
    """Glorot/Xavier uniform: ``U(-limit, limit)`` with ``limit = sqrt(6 / (fan_in +
    fan_out))``. The default initializer of ``tf.get_variable`` for float variables.

    Example:
        >>> import flowkit as tf
        >>> init = tf.glorot_uniform_initializer(seed=1)
        >>> w = tf.get_variable("w", shape=[4, 2], initializer=init)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     value = sess.run(w)
        >>> print(value.shape, value.dtype, bool(abs(value).max() <= 1.0))
        (4, 2) float32 True
    """

    def __init__(self, seed=None, dtype=dtypes.float32) -> None:
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class GlorotNormal(VarianceScaling):
    """Glorot/Xavier normal: a truncated normal with standard deviation
    ``sqrt(2 / (fan_in + fan_out))`` (after TF's correction for the truncation).

    Example:
        >>> import flowkit as tf
        >>> init = tf.glorot_normal_initializer(seed=1)
        >>> w = tf.get_variable("w", shape=[4, 2], initializer=init)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     value = sess.run(w)
        >>> print(value.shape, value.dtype)
        (4, 2) float32
    """

    def __init__(self, seed=None, dtype=dtypes.float32) -> None:
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)

    def get_config(self):
        return {"seed": self.seed, "dtype": self.dtype.name}


class Orthogonal(Initializer):
    """A random orthogonal matrix times ``gain`` (Saxe et al.): the dims but the last are
    flattened into rows, so the rows (or the columns, whichever are fewer) of the
    ``[prod(shape[:-1]), shape[-1]]`` matrix are orthonormal. It is the ``Q`` of the QR
    decomposition of a standard normal matrix, with the signs of ``R``'s diagonal taken
    out so that it is uniformly distributed (TF1's ``tf.orthogonal_initializer``).

    Example:
        >>> import flowkit as tf
        >>> init = tf.orthogonal_initializer(gain=2.0, seed=3)
        >>> with tf.Session() as sess:
        ...     w = sess.run(init([4, 3]))
        >>> bool(np.allclose(w.T @ w, 4.0 * np.eye(3), atol=1e-5))
        True
    """

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32) -> None:
        self.gain, self.seed = gain, seed
        self.dtype = _float_dtype(dtype, "orthogonal_initializer")

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = _float_dtype(dtype or self.dtype, "orthogonal_initializer")
        shape = _static_shape(shape)
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional, "
                             f"got shape {shape} (orthogonal_initializer).")
        rows, cols = int(np.prod(shape[:-1])), int(shape[-1])
        flat = (cols, rows) if rows < cols else (rows, cols)
        a = random_ops.random_normal(flat, dtype=dtype, seed=self.seed)
        q, r = linalg_ops.qr(a, full_matrices=False)
        q = q * math_ops.sign(linalg_ops.matrix_diag_part(r))
        if rows < cols:
            q = shape_ops.matrix_transpose(q)
        return self.gain * shape_ops.reshape(q, shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed, "dtype": self.dtype.name}


class UniformUnitScaling(Initializer):
    """TF1's deprecated ``tf.uniform_unit_scaling_initializer(factor)``: uniform on
    ``[-m, m)`` with ``m = factor * sqrt(3 / n)``, where ``n`` is the product of all dims but
    the last (the input size of a matmul or convolution), so a linear layer keeps its
    input's scale. ``tf.variance_scaling_initializer(distribution="uniform")`` replaces it.

    Example:
        >>> import flowkit as tf
        >>> init = tf.uniform_unit_scaling_initializer(factor=1.5, seed=1)
        >>> with tf.Session() as sess:
        ...     w = sess.run(init([300, 10]))
        >>> bool(abs(w).max() < 1.5 * (3 / 300) ** 0.5)
        True
    """

    def __init__(self, factor=1.0, seed=None, dtype=dtypes.float32) -> None:
        self.factor, self.seed = factor, seed
        self.dtype = _float_dtype(dtype, "uniform_unit_scaling_initializer")

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = _float_dtype(dtype or self.dtype, "uniform_unit_scaling_initializer")
        shape = _static_shape(shape)
        scale_shape = getattr(partition_info, "full_shape", None) or shape
        input_size = max(float(np.prod(scale_shape[:-1])) if scale_shape else 1.0, 1.0)
        limit = math.sqrt(3.0 / input_size) * self.factor
        return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"factor": self.factor, "seed": self.seed, "dtype": self.dtype.name}


# TF1's lower-case names are the classes themselves: ``tf.zeros_initializer()`` makes one.
zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
random_uniform_initializer = RandomUniform
variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
orthogonal_initializer = Orthogonal
uniform_unit_scaling_initializer = UniformUnitScaling
