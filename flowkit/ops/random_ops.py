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
           "set_random_seed", "multinomial", "random_gamma", "random_poisson", "random_crop"]

import numbers

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor, get_seed, set_random_seed
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops, math_ops
from flowkit.ops.core import (broadcast_shape, constant_shape, constant_value,
                              convert_to_tensor, make_tensor, op_scope, same_dtype_shape)


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



# --------------------------------------------------------------------------------------------
# Categorical, gamma and Poisson samples; random crops
# --------------------------------------------------------------------------------------------
def _static_int(t):
    """The value of the scalar int tensor ``t`` if known while building, else ``None``."""
    v = constant_value(t)
    return None if v is None else int(v)


def _multinomial_shape(inputs, attrs):
    logits, num_samples = inputs
    if logits.shape.ndims not in (None, 2):
        raise ValueError(f"logits must be 2-D [batch_size, num_classes], got shape "
                         f"{logits.shape} ({logits.name})")
    if not logits.dtype.is_floating:
        raise TypeError(f"logits must be floating-point, got {logits.dtype.name} "
                        f"({logits.name})")
    if num_samples.shape.ndims not in (None, 0):
        raise ValueError(f"num_samples must be a scalar, got shape {num_samples.shape}")
    n = _static_int(num_samples)
    if n is not None and n < 0:
        raise ValueError(f"num_samples must be >= 0, got {n}")
    batch = logits.shape[0] if logits.shape.ndims == 2 else None
    return [(attrs["output_dtype"], TensorShape([batch, n]))]


def _sampled_param_shape(inputs, attrs):
    """``shape`` (input 0) followed by the shape of the distribution's parameter (input 1)."""
    param = inputs[1]
    shape = _random_shape(inputs[:1], {"dtype": None})[0][1]
    return [(attrs.get("dtype") or param.dtype, shape.concatenate(param.shape))]


register_op("Multinomial", shape=_multinomial_shape, grad=None, needs_rng=True,
            doc="num_samples class indices per row of input 0 (logits), drawn from "
                "softmax(logits).")
register_op("RandomGamma", shape=_sampled_param_shape, grad=None, needs_rng=True,
            doc="Samples of Gamma(alpha, 1), alpha = input 1; output shape: input 0 followed "
                "by alpha's shape.")
register_op("RandomPoissonV2", shape=_sampled_param_shape, grad=None, needs_rng=True,
            doc="Samples of Poisson(rate), rate = input 1; output shape: input 0 followed by "
                "rate's shape.")


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """Draws ``num_samples`` classes for each row of ``logits`` (``[batch_size, num_classes]``,
    unnormalised log-probabilities): class ``j`` has probability ``softmax(logits)[i, j]``.

    Returns an int64 (or ``output_dtype``: int32/int64) tensor ``[batch_size, num_samples]``.

    Example:
        >>> import flowkit as tf
        >>> draws = tf.multinomial(tf.log([[0.0, 1.0], [1.0, 0.0]]), 5, seed=1)
        >>> with tf.Session() as sess:
        ...     print(sess.run(draws))
        [[1 1 1 1 1]
         [0 0 0 0 0]]
    """
    output_dtype = dtypes.as_dtype(output_dtype or dtypes.int64)
    if output_dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"multinomial: output_dtype must be int32 or int64, got "
                        f"{output_dtype.name}")
    with op_scope(name, "multinomial", [logits]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        num_samples = convert_to_tensor(num_samples, dtype=dtypes.int32, name="num_samples")
        attrs = dict(_seed_attrs(seed), output_dtype=output_dtype)
        return make_tensor("Multinomial", (logits, num_samples), attrs, scope)


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    """``tf.random.categorical``: :func:`multinomial` with ``dtype`` for the result's type.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.random_ops import categorical
        >>> draws = categorical([[-50.0, 0.0]], 3, dtype=tf.int32, seed=1)
        >>> with tf.Session() as sess:
        ...     print(sess.run(draws))
        [[1 1 1]]
    """
    return multinomial(logits, num_samples, seed=seed, name=name or "categorical",
                       output_dtype=dtype)


def random_gamma(shape, alpha, beta=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples of Gamma distributions with concentration ``alpha`` and rate ``beta``
    (default 1): the mean is ``alpha / beta``, the variance ``alpha / beta**2``.

    The result has shape ``shape + broadcast(alpha, beta).shape``: ``shape`` samples of each
    distribution. Gradients reach ``beta`` (the samples are divided by it) but not ``alpha``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.random_gamma([2000], alpha=[1.0, 9.0], beta=3.0, seed=1)
        >>> with tf.Session() as sess:
        ...     v = sess.run(x)
        >>> x.shape.as_list(), (v.mean(axis=0) * 3).round(0).tolist()
        ([2000, 2], [1.0, 9.0])
    """
    dtype = _float_dtype(dtype, "random_gamma")
    with op_scope(name, "random_gamma", [shape, alpha, beta]) as scope:
        shape_t = _shape_tensor(shape)
        alpha = convert_to_tensor(alpha, dtype=dtype, name="alpha")
        beta = None if beta is None else convert_to_tensor(beta, dtype=dtype, name="beta")
        alpha_b = alpha
        if beta is not None:
            both = broadcast_shape(alpha.shape, beta.shape)
            alpha_b = (array_ops.broadcast_to(alpha, both.as_list()) if both.is_fully_defined()
                       else alpha + array_ops.zeros_like(beta))
        rnd = make_tensor("RandomGamma", (shape_t, alpha_b), _seed_attrs(seed), "RandomGamma")
        if beta is None:
            return array_ops.identity(rnd, name=scope)
        tiny = float(np.finfo(dtype.as_numpy_dtype).tiny)   # samples stay positive
        return math_ops.maximum(rnd / beta, tiny, name=scope)


def random_poisson(lam, shape, dtype=dtypes.float32, seed=None, name=None):
    """Samples of Poisson distributions with rates ``lam``: the result has shape
    ``shape + lam.shape`` and ``dtype`` (float16/32/64, int32 or int64).

    Example:
        >>> import flowkit as tf
        >>> x = tf.random_poisson([4.0, 25.0], [4000], dtype=tf.int32, seed=2)
        >>> with tf.Session() as sess:
        ...     v = sess.run(x)
        >>> x.dtype, v.mean(axis=0).round(0).tolist()
        (tf.int32, [4.0, 25.0])
    """
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype in (dtypes.int32, dtypes.int64)):
        raise TypeError(f"random_poisson: dtype must be float16/32/64, int32 or int64, got "
                        f"{dtype.name}")
    with op_scope(name, "random_poisson", [lam, shape]) as scope:
        if isinstance(lam, Tensor) or hasattr(lam, "_as_tensor"):
            lam = convert_to_tensor(lam, name="lam")
        else:
            lam = convert_to_tensor(lam, dtype=dtypes.float32, name="lam")
        if not (lam.dtype.is_floating or lam.dtype in (dtypes.int32, dtypes.int64)):
            raise TypeError(f"random_poisson: lam must be a float or int tensor, got "
                            f"{lam.dtype.name} ({lam.name})")
        shape_t = _shape_tensor(shape)
        return make_tensor("RandomPoissonV2", (shape_t, lam),
                           _seed_attrs(seed, dtype), scope)


def random_crop(value, size, seed=None, name=None):
    """A random slice of ``value`` of shape ``size`` (one offset per dimension, uniform over
    the offsets that keep the slice inside ``value``). Gradients flow to ``value``.

    Example:
        >>> import flowkit as tf
        >>> img = tf.reshape(tf.range(16), [4, 4])
        >>> crop = tf.random_crop(img, [2, 3], seed=3)
        >>> with tf.Session() as sess:
        ...     v = sess.run(crop)
        >>> crop.shape.as_list(), bool((v[:, 1:] - v[:, :-1] == 1).all())
        ([2, 3], True)
    """
    with op_scope(name, "random_crop", [value, size]) as scope:
        value = convert_to_tensor(value, name="value")
        size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
        if size.shape.ndims not in (None, 1):
            raise ValueError(f"random_crop: size must be a vector, got shape {size.shape}")
        known = constant_value(size)
        if known is not None and value.shape.ndims is not None:
            if len(known) != value.shape.ndims:
                raise ValueError(f"random_crop: size {list(known)} has {len(known)} entries "
                                 f"but value {value.name} has rank {value.shape.ndims}")
            for d, (want, have) in enumerate(zip(known.tolist(), value.shape.as_list())):
                if have is not None and want > have:
                    raise ValueError(f"random_crop: need value.shape >= size, got value "
                                     f"shape {value.shape} and size {list(known)} "
                                     f"(dimension {d})")
        shape = array_ops.shape(value, out_type=dtypes.int32)
        limit = shape - size + 1
        offset = random_uniform(array_ops.shape(shape), maxval=dtypes.int32.max,
                                dtype=dtypes.int32, seed=seed) % limit
        return array_ops.slice(value, offset, size, name=scope)
