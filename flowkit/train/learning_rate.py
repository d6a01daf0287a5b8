"""Learning-rate schedules: graph functions of the global step.

Each schedule returns a scalar *tensor* computed from ``global_step`` (usually
``tf.train.get_or_create_global_step()``), so passing it as an optimizer's learning rate makes
the rate change as ``minimize(..., global_step=step)`` counts steps. The dtype is the
learning rate's (float32 for a Python number); the step is cast to it.

Example:
    >>> import flowkit as tf
    >>> step = tf.train.get_or_create_global_step()
    >>> lr = tf.train.exponential_decay(0.1, step, decay_steps=10, decay_rate=0.5,
    ...                                 staircase=True)
    >>> with tf.Session() as sess:
    ...     sess.run(step.initializer)
    ...     print(sess.run(lr), sess.run(lr, {step: 25}))
    0.1 0.025
"""
from __future__ import annotations

import math

from flowkit.framework.graph import name_scope
from flowkit.ops import array_ops, math_ops, random_ops
from flowkit.ops.core import convert_to_tensor

__all__ = ["exponential_decay", "piecewise_constant", "polynomial_decay",
           "natural_exp_decay", "inverse_time_decay", "cosine_decay", "cosine_decay_restarts",
           "linear_cosine_decay", "noisy_linear_cosine_decay", "piecewise_constant_decay"]


def _require_step(global_step, what):
    if global_step is None:
        raise ValueError(f"global_step is required for {what}.")


def _prepare(learning_rate, global_step, *others):
    """The learning rate as a tensor, and the step and ``others`` cast to its dtype."""
    lr = convert_to_tensor(learning_rate, name="learning_rate")
    if not lr.dtype.is_floating:
        raise ValueError(f"learning_rate must be a floating-point value, got {lr.dtype.name}")
    dt = lr.dtype
    step = array_ops.cast(convert_to_tensor(global_step), dt)
    cast = [array_ops.cast(convert_to_tensor(o, dtype=None if hasattr(o, "dtype") else dt), dt)
            for o in others]
    return (lr, step, *cast)


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """``learning_rate * decay_rate ** (global_step / decay_steps)``; with ``staircase`` the
    exponent is floored, so the rate drops every ``decay_steps`` steps.

    Example:
        >>> import flowkit as tf
        >>> step = tf.placeholder(tf.int64, shape=[])
        >>> lr = tf.train.exponential_decay(0.1, step, decay_steps=10, decay_rate=0.5)
        >>> with tf.Session() as sess:
        ...     print([round(float(sess.run(lr, {step: s})), 5) for s in (0, 5, 10, 20)])
        [0.1, 0.07071, 0.05, 0.025]
    """
    _require_step(global_step, "exponential_decay")
    with name_scope(name, "ExponentialDecay", [learning_rate, global_step]) as scope:
        lr, step, steps, rate = _prepare(learning_rate, global_step, decay_steps, decay_rate)
        p = step / steps
        if staircase:
            p = math_ops.floor(p)
        return math_ops.multiply(lr, math_ops.pow(rate, p), name=scope)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                      name=None):
    """``learning_rate * exp(-decay_rate * global_step / decay_steps)`` (exponent floored
    with ``staircase``).

    Example:
        >>> import flowkit as tf
        >>> step = tf.placeholder(tf.int64, shape=[])
        >>> lr = tf.train.natural_exp_decay(0.1, step, decay_steps=10, decay_rate=0.5)
        >>> with tf.Session() as sess:
        ...     print([round(float(sess.run(lr, {step: s})), 5) for s in (0, 5, 10, 20)])
        [0.1, 0.07788, 0.06065, 0.03679]
    """
    _require_step(global_step, "natural_exp_decay")
    with name_scope(name, "NaturalExpDecay", [learning_rate, global_step]) as scope:
        lr, step, steps, rate = _prepare(learning_rate, global_step, decay_steps, decay_rate)
        p = step / steps
        if staircase:
            p = math_ops.floor(p)
        return math_ops.multiply(lr, math_ops.pow(math_ops.exp(-rate), p), name=scope)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False,
                       name=None):
    """``learning_rate / (1 + decay_rate * global_step / decay_steps)`` (the ratio floored
    with ``staircase``).

    Example:
        >>> import flowkit as tf
        >>> step = tf.placeholder(tf.int64, shape=[])
        >>> lr = tf.train.inverse_time_decay(0.1, step, decay_steps=10, decay_rate=0.5)
        >>> with tf.Session() as sess:
        ...     print([round(float(sess.run(lr, {step: s})), 5) for s in (0, 5, 10, 20)])
        [0.1, 0.08, 0.06667, 0.05]
    """
    _require_step(global_step, "inverse_time_decay")
    with name_scope(name, "InverseTimeDecay", [learning_rate, global_step]) as scope:
        lr, step, steps, rate = _prepare(learning_rate, global_step, decay_steps, decay_rate)
        p = step / steps
        if staircase:
            p = math_ops.floor(p)
        return math_ops.truediv(lr, 1.0 + rate * p, name=scope)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001,
                     power=1.0, cycle=False, name=None):
    """Goes from ``learning_rate`` to ``end_learning_rate`` in ``decay_steps`` steps::

        (learning_rate - end_learning_rate) * (1 - step / decay_steps) ** power
            + end_learning_rate

    Without ``cycle`` the step is capped at ``decay_steps`` (then the rate stays at the end
    value); with ``cycle``, ``decay_steps`` is stretched to the next multiple of itself above
    the step, so the decay starts again from a lower height.

    Example:
        >>> import flowkit as tf
        >>> step = tf.placeholder(tf.int64, shape=[])
        >>> lr = tf.train.polynomial_decay(0.1, step, decay_steps=10, end_learning_rate=0.01)
        >>> with tf.Session() as sess:
        ...     print([round(float(sess.run(lr, {step: s})), 5) for s in (0, 5, 10, 20)])
        [0.1, 0.055, 0.01, 0.01]
    """
    _require_step(global_step, "polynomial_decay")
    with name_scope(name, "PolynomialDecay", [learning_rate, global_step]) as scope:
        lr, step, steps, end, pw = _prepare(learning_rate, global_step, decay_steps,
                                            end_learning_rate, power)
        if cycle:
            one = convert_to_tensor(1.0, dtype=lr.dtype)
            multiplier = array_ops.where(math_ops.equal(step, 0.0), one,
                                         math_ops.ceil(step / steps))
            steps = steps * multiplier
        else:
            step = math_ops.minimum(step, steps)
        p = step / steps
        return math_ops.add((lr - end) * math_ops.pow(1.0 - p, pw), end, name=scope)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """Half a cosine from ``learning_rate`` down to ``alpha * learning_rate`` over
    ``decay_steps`` steps, then flat::

        learning_rate * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) /
                                                       decay_steps)) + alpha)

    Example:
        >>> import flowkit as tf
        >>> step = tf.placeholder(tf.int64, shape=[])
        >>> lr = tf.train.cosine_decay(0.1, step, decay_steps=10)
        >>> with tf.Session() as sess:
        ...     print([round(float(sess.run(lr, {step: s})), 5) for s in (0, 5, 10, 20)])
        [0.1, 0.05, 0.0, 0.0]
    """
    _require_step(global_step, "cosine_decay")
    with name_scope(name, "CosineDecay", [learning_rate, global_step]) as scope:
        lr, step, steps, a = _prepare(learning_rate, global_step, decay_steps, alpha)
        fraction = math_ops.minimum(step, steps) / steps
        cosine = 0.5 * (1.0 + math_ops.cos(math.pi * fraction))
        return math_ops.multiply(lr, (1.0 - a) * cosine + a, name=scope)


def piecewise_constant(x, boundaries, values, name=None):
    """``values[0]`` while ``x <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < x <= boundaries[i]``, and ``values[-1]`` after the last boundary.

    Example:
        >>> import flowkit as tf
        >>> step = tf.placeholder(tf.int64, [])
        >>> lr = tf.train.piecewise_constant(step, [100, 200], [1.0, 0.5, 0.25])
        >>> with tf.Session() as sess:
        ...     print([float(sess.run(lr, {step: s})) for s in (0, 100, 101, 200, 201)])
        [1.0, 1.0, 0.5, 0.5, 0.25]

    Raises:
        ValueError: ``len(values) != len(boundaries) + 1``, or the values differ in dtype.
    """
    boundaries, values = list(boundaries), list(values)
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries should be 1 less than the length of values")
    with name_scope(name, "PiecewiseConstant", [x]) as scope:
        x = convert_to_tensor(x)
        values = [convert_to_tensor(v) for v in values]
        if any(v.dtype is not values[0].dtype for v in values):
            raise ValueError(f"values must have elements all with the same dtype "
                             f"({', '.join(v.dtype.name for v in values)}).")
        bounds = []
        for b in boundaries:
            b = convert_to_tensor(b, dtype=None if hasattr(b, "dtype") else x.dtype)
            bounds.append(b if b.dtype is x.dtype else array_ops.cast(b, x.dtype))
        out = values[-1]
        for b, v in reversed(list(zip(bounds, values))):
            out = array_ops.where(math_ops.less_equal(x, b), v, out)
        return array_ops.identity(out, name=scope)


def cosine_decay_restarts(learning_rate, global_step, first_decay_steps, t_mul=2.0, m_mul=1.0,
                          alpha=0.0, name=None):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter): a cosine from
    ``learning_rate`` to ``alpha * learning_rate`` over ``first_decay_steps`` steps, then a
    restart; each period is ``t_mul`` times longer than the one before, and starts ``m_mul``
    times lower.

    Example:
        >>> import flowkit as tf
        >>> step = tf.placeholder(tf.int64, shape=[])
        >>> lr = tf.train.cosine_decay_restarts(0.1, step, first_decay_steps=10)
        >>> with tf.Session() as sess:
        ...     print([round(float(sess.run(lr, {step: s})), 5) for s in (0, 5, 10, 20, 30)])
        [0.1, 0.05, 0.1, 0.05, 0.1]
    """
    _require_step(global_step, "cosine_decay_restarts")
    with name_scope(name, "SGDRDecay", [learning_rate, global_step]) as scope:
        lr, step, first, a, tm, mm = _prepare(learning_rate, global_step, first_decay_steps,
                                              alpha, t_mul, m_mul)
        fraction = step / first
        if not hasattr(t_mul, "dtype") and float(t_mul) == 1.0:
            i_restart = math_ops.floor(fraction)
            fraction = fraction - i_restart
        else:
            i_restart = math_ops.floor(math_ops.log(1.0 - fraction * (1.0 - tm)) /
                                       math_ops.log(tm))
            sum_r = (1.0 - math_ops.pow(tm, i_restart)) / (1.0 - tm)
            geometric = (fraction - sum_r) / math_ops.pow(tm, i_restart)
            if hasattr(t_mul, "dtype"):      # a tensor: TF's cond on t_mul == 1, as a select
                one = math_ops.equal(tm, 1.0)
                i_plain = math_ops.floor(fraction)
                i_restart = array_ops.where(one, i_plain, i_restart)
                fraction = array_ops.where(one, fraction - i_plain, geometric)
            else:
                fraction = geometric
        m_fac = math_ops.pow(mm, i_restart)
        cosine = 0.5 * m_fac * (1.0 + math_ops.cos(math.pi * fraction))
        return math_ops.multiply(lr, (1.0 - a) * cosine + a, name=scope)


def _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta, name,
                   default, noise=None):
    _require_step(global_step, default)
    with name_scope(name, default, [learning_rate, global_step]) as scope:
        lr, step, steps, periods, a, b = _prepare(learning_rate, global_step, decay_steps,
                                                  num_periods, alpha, beta)
        step = math_ops.minimum(step, steps)
        linear = (steps - step) / steps
        if noise is not None:
            initial_variance, variance_decay = noise
            variance = math_ops.divide(
                array_ops.cast(convert_to_tensor(initial_variance), lr.dtype),
                math_ops.pow(1.0 + step, array_ops.cast(convert_to_tensor(variance_decay),
                                                        lr.dtype)))
            std = math_ops.sqrt(variance)
            linear = linear + random_ops.random_normal([], dtype=lr.dtype) * std
        fraction = 2.0 * periods * (step / steps)
        cosine = 0.5 * (1.0 + math_ops.cos(math.pi * fraction))
        return math_ops.multiply(lr, (a + linear) * cosine + b, name=scope)


def linear_cosine_decay(learning_rate, global_step, decay_steps, num_periods=0.5, alpha=0.0,
                        beta=0.001, name=None):
    """A cosine of ``num_periods`` periods times a line that falls to zero over
    ``decay_steps`` steps (Bello et al., 2017)::

        step = min(global_step, decay_steps)
        linear = (decay_steps - step) / decay_steps
        cosine = 0.5 * (1 + cos(pi * 2 * num_periods * step / decay_steps))
        learning_rate * ((alpha + linear) * cosine + beta)

    Example:
        >>> import flowkit as tf
        >>> step = tf.placeholder(tf.int64, shape=[])
        >>> lr = tf.train.linear_cosine_decay(0.1, step, decay_steps=10)
        >>> with tf.Session() as sess:
        ...     print([round(float(sess.run(lr, {step: s})), 5) for s in (0, 5, 10)])
        [0.1001, 0.0251, 0.0001]
    """
    return _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta,
                          name, "LinearCosineDecay")


def noisy_linear_cosine_decay(learning_rate, global_step, decay_steps, initial_variance=1.0,
                              variance_decay=0.55, num_periods=0.5, alpha=0.0, beta=0.001,
                              name=None):
    """:func:`linear_cosine_decay` with Gaussian noise added to the linear part, of variance
    ``initial_variance / (1 + step) ** variance_decay`` (a new draw at each run).

    Example:
        >>> import flowkit as tf
        >>> step = tf.placeholder(tf.int64, shape=[])
        >>> lr = tf.train.noisy_linear_cosine_decay(0.1, step, decay_steps=10,
        ...                                         initial_variance=0.0)   # no noise
        >>> with tf.Session() as sess:
        ...     print(round(float(sess.run(lr, {step: 5})), 5))
        0.0251
    """
    return _linear_cosine(learning_rate, global_step, decay_steps, num_periods, alpha, beta,
                          name, "NoisyLinearCosineDecay", (initial_variance, variance_decay))


#: TF1's other name of :func:`piecewise_constant`.
piecewise_constant_decay = piecewise_constant
