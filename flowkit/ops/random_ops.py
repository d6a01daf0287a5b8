"""Random ops, seeded with TF1's rule (``tf.set_random_seed`` plus op seeds).

Each random op owns a generator in each session: every ``sess.run`` draws new numbers, and a
new session of the same program starts the sequence again. Where the numbers start is decided
by two seeds (see :func:`flowkit.framework.graph.get_seed`):

* no seed at all: fresh numbers in every session;
* a graph seed (``tf.set_random_seed(1)``): every random op gets its own sequence, the same in
  every new session, as long as the program builds the same ops in the same order;
* an op seed (``seed=3``): that op repeats its sequence in every session.

Example:
    >>> import flowkit as tf
    >>> tf.set_random_seed(42)
    >>> x = tf.random_uniform([2, 3], minval=-1.0, maxval=1.0)
    >>> with tf.Session() as sess:
    ...     a, b = sess.run(x), sess.run(x)       # each run draws new numbers
    >>> with tf.Session() as sess:
    ...     c = sess.run(x)                       # a new session repeats the sequence
    >>> x.shape.as_list(), bool((a == c).all()), bool((a == b).all())
    ([2, 3], True, False)
"""
from __future__ import annotations

__all__ = ["random_normal", "random_uniform", "truncated_normal", "random_shuffle",
           "set_random_seed"]

import numbers

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor, get_seed, set_random_seed
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import math_ops
from flowkit.ops.core import (constant_shape, convert_to_tensor, make_tensor, op_scope,
                              same_dtype_shape)


# --------------------------------------------------------------------------------------------
# Helpers: shapes and seeds
# --------------------------------------------------------------------------------------------
def _shape_tensor(shape) -> Tensor:
    """``shape`` (a list, a TensorShape or a 1-D int tensor) as a 1-D int tensor."""
    if isinstance(shape, TensorShape):
        if not shape.is_fully_defined():
            raise ValueError(f"A random op needs a fully defined shape, got {shape}")
        shape = shape.as_list()
    if isinstance(shape, Tensor) or hasattr(shape, "_as_tensor"):
        t = convert_to_tensor(shape)
    else:
        if isinstance(shape, numbers.Integral):
            raise TypeError(f"shape must be a list of ints or a 1-D int tensor, got the int "
                            f"{shape}: write [{shape}] for a vector of {shape} numbers.")
        t = convert_to_tensor(shape, dtype=None if _has_tensor(shape) else dtypes.int32,
                              name="shape")
    if t.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"shape must be int32 or int64, got {t.dtype.name} ({t.name})")
    return t


def _has_tensor(value) -> bool:
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        return True
    return isinstance(value, (list, tuple)) and any(_has_tensor(v) for v in value)


def _seed_attrs(seed, dtype=None) -> dict:
    graph_seed, op_seed = get_seed(seed)
    attrs = {"seed": graph_seed or 0, "seed2": op_seed or 0,
             "seed2_pair": None if graph_seed is None and op_seed is None
             else (int(graph_seed), int(op_seed))}
    if dtype is not None:
        attrs["dtype"] = dtype
    return attrs


def _float_dtype(dtype, what: str):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"{what} makes floating-point numbers; got dtype {dtype.name}. Use "
                         "tf.random_uniform(..., dtype=tf.int32, maxval=n) for integers.")
    return dtype


def _random_shape(inputs, attrs):
    shape = inputs[0]
    if shape.shape.ndims not in (None, 1):
        raise ValueError(f"Shape must be rank 1 but is rank {shape.shape.ndims}")
    if shape.op.type == "Shape":        # tf.random_normal(tf.shape(x)): x's static shape
        return [(attrs["dtype"], shape.op.inputs[0].shape)]
    return [(attrs["dtype"], constant_shape(shape))]


def _random_int_shape(inputs, attrs):
    shape, lo, hi = inputs
    for t, what in ((lo, "minval"), (hi, "maxval")):
        if t.shape.ndims not in (None, 0):
            raise ValueError(f"{what} must be a scalar, got shape {t.shape}")
    if lo.dtype is not hi.dtype:
        raise TypeError(f"minval ({lo.dtype.name}) and maxval ({hi.dtype.name}) must have the "
                        "same dtype")
    return [(lo.dtype, _random_shape(inputs[:1], {"dtype": lo.dtype})[0][1])]


# Random ops are not differentiable (their numbers do not depend on any input's value);
# gradients reach ``mean``/``stddev``/``minval``/``maxval`` through the Mul/Add after them.
register_op("RandomStandardNormal", shape=_random_shape, grad=None, needs_rng=True,
            doc="Samples of N(0, 1) with the shape given by input 0.")
register_op("TruncatedNormal", shape=_random_shape, grad=None, needs_rng=True,
            doc="Samples of N(0, 1), re-drawn while farther than 2 from 0.")
register_op("RandomUniform", shape=_random_shape, grad=None, needs_rng=True,
            doc="Samples of the uniform distribution on [0, 1).")
register_op("RandomUniformInt", shape=_random_int_shape, grad=None, needs_rng=True,
            doc="Integers uniform in [minval, maxval) (inputs 1 and 2).")
register_op("RandomShuffle", shape=same_dtype_shape, grad=None, needs_rng=True,
            doc="Input 0 with its first dimension randomly permuted.")


# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------
def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples of a normal distribution: ``mean + stddev * N(0, 1)``.

    Args:
        shape: a list of ints or a 1-D int tensor.
        mean, stddev: scalars (or tensors) of ``dtype``.
        seed: an op-level seed (see the module's docstring).

    Example:
        >>> import flowkit as tf
        >>> x = tf.random_normal([1000], mean=5.0, stddev=0.5, seed=1)
        >>> with tf.Session() as sess:
        ...     v = sess.run(x)
        >>> x.op.name, bool(abs(v.mean() - 5.0) < 0.1)
        ('random_normal', True)
    """
    dtype = _float_dtype(dtype, "random_normal")
    with op_scope(name, "random_normal", [shape, mean, stddev]) as scope:
        shape_t = _shape_tensor(shape)
        mean_t = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev_t = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = make_tensor("RandomStandardNormal", (shape_t,), _seed_attrs(seed, dtype),
                          "RandomStandardNormal")
        return math_ops.add(rnd * stddev_t, mean_t, name=scope)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples of a normal distribution whose values farther than two standard deviations
    from the mean are drawn again (so every value lies in ``mean +- 2 stddev``).

    Example:
        >>> import flowkit as tf
        >>> x = tf.truncated_normal([1000], stddev=3.0)
        >>> with tf.Session() as sess:
        ...     v = sess.run(x)
        >>> bool(abs(v).max() <= 6.0)
        True
    """
    dtype = _float_dtype(dtype, "truncated_normal")
    with op_scope(name, "truncated_normal", [shape, mean, stddev]) as scope:
        shape_t = _shape_tensor(shape)
        mean_t = convert_to_tensor(mean, dtype=dtype, name="mean")
        stddev_t = convert_to_tensor(stddev, dtype=dtype, name="stddev")
        rnd = make_tensor("TruncatedNormal", (shape_t,), _seed_attrs(seed, dtype),
                          "TruncatedNormal")
        return math_ops.add(rnd * stddev_t, mean_t, name=scope)


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples of the uniform distribution on ``[minval, maxval)``.

    Floats default to ``[0, 1)``. Integer dtypes need ``maxval`` (``ValueError`` otherwise)
    and give every integer in ``[minval, maxval)`` the same chance.

    Example:
        >>> import flowkit as tf
        >>> dice = tf.random_uniform([10], minval=1, maxval=7, dtype=tf.int32)
        >>> with tf.Session() as sess:
        ...     v = sess.run(dice)
        >>> dice.dtype, bool(v.min() >= 1 and v.max() <= 6)
        (tf.int32, True)
    """
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype in (dtypes.int32, dtypes.int64)):
        raise ValueError(f"random_uniform supports float16/32/64, int32 and int64, not "
                         f"{dtype.name}")
    if maxval is None:
        if dtype.is_integer:
            raise ValueError(f"Must specify maxval for integer dtype {dtype!r}: "
                             f"tf.random_uniform(shape, minval, maxval, dtype={dtype!r}) draws "
                             "from [minval, maxval).")
        maxval = 1
    with op_scope(name, "random_uniform", [shape, minval, maxval]) as scope:
        shape_t = _shape_tensor(shape)
        # Like TF: [0, 1) floats need neither bound as a tensor.
        lo_zero = isinstance(minval, int) and not isinstance(minval, bool) and minval == 0
        hi_one = isinstance(maxval, int) and not isinstance(maxval, bool) and maxval == 1
        if not (lo_zero and hi_one) or dtype.is_integer:
            minval = convert_to_tensor(minval, dtype=dtype, name="min")
            maxval = convert_to_tensor(maxval, dtype=dtype, name="max")
        if dtype.is_integer:
            return make_tensor("RandomUniformInt", (shape_t, minval, maxval),
                               _seed_attrs(seed), scope)
        rnd = make_tensor("RandomUniform", (shape_t,), _seed_attrs(seed, dtype),
                          "RandomUniform")
        if lo_zero:
            return rnd if hi_one else math_ops.multiply(rnd, maxval)
        return math_ops.add(rnd * (maxval - minval), minval, name=scope)


def random_shuffle(value, seed=None, name=None):
    """``value`` with its first dimension randomly permuted (rows are shuffled, each row
    stays whole).

    Example:
        >>> import flowkit as tf
        >>> x = tf.random_shuffle([[1, 1], [2, 2], [3, 3]], seed=7)
        >>> with tf.Session() as sess:
        ...     print(sorted(sess.run(x).tolist()))
        [[1, 1], [2, 2], [3, 3]]
    """
    with op_scope(name, "RandomShuffle", [value]) as scope:
        value = convert_to_tensor(value, name="value")
        return make_tensor("RandomShuffle", (value,), _seed_attrs(seed), scope)

