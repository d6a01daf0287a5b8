"""``tf.nn`` functions that TF itself builds from other ops: activations (``selu``, ``swish``,
``softsign``, ``crelu``...), moments and normalization (``sufficient_statistics``,
``weighted_moments``, ``fused_batch_norm``, ``lrn``...), and a few ``tf.*`` math helpers
(``rint``, ``accumulate_n``, ``lbeta``, ``is_non_decreasing``...) that belong to the root
namespace rather than to ``tf.nn``: those are defined here but not listed in ``__all__``.

Every function is a composition of existing ops inside its own name scope, so it needs no
kernel and its gradient comes from the gradients of the ops it is made of.

Example:
    >>> import flowkit as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.nn.softsign([-3.0, 1.0])))
    [-0.75  0.5 ]
"""
from __future__ import annotations

__all__ = ["selu", "swish", "silu", "softsign", "crelu", "relu_layer", "log_poisson_loss",
           "sufficient_statistics", "normalize_moments", "weighted_moments", "zero_fraction",
           "fused_batch_norm", "batch_norm_with_global_normalization", "lrn",
           "local_response_normalization", "collapse_repeated"]

import math

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops, math_ops, nn_ops, special_math_ops
from flowkit.ops.core import convert_to_tensor, normalize_axis, op_scope

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _float_tensor(value, param, op, name=None):
    t = convert_to_tensor(value, name=name or param)
    if t.dtype not in _FLOATS:
        raise TypeError(f"Value passed to parameter '{param}' of {op} has DataType "
                        f"{t.dtype.name} not in list of allowed values: float16, float32, "
                        "float64")
    return t


def _like(value, x, name):
    """``value`` as a tensor of ``x``'s dtype (a Python number or array is converted to it)."""
    if isinstance(value, (int, float, np.ndarray, np.generic, list, tuple)):
        return convert_to_tensor(value, dtype=x.dtype, name=name)
    value = convert_to_tensor(value, name=name)
    if value.dtype is not x.dtype:
        raise TypeError(f"'{name}' has dtype {value.dtype.name} but the input has "
                        f"{x.dtype.name}: cast one of them (tf.cast)")
    return value


def _keep_dims(keep_dims, keepdims):
    if keepdims is not None:
        if keep_dims is not None:
            raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'.")
        keep_dims = keepdims
    return bool(keep_dims)


# --------------------------------------------------------------------------------------------
# Activations and a loss
# --------------------------------------------------------------------------------------------
def selu(features, name=None):
    """Scaled exponential linear unit: ``scale * x`` for ``x > 0``, else
    ``scale * alpha * (exp(x) - 1)``, with ``alpha ~ 1.6733`` and ``scale ~ 1.0507`` (Klambauer
    et al., 2017). Float tensors only.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.selu([1.0, 0.0])).round(4))
        [1.0507 0.    ]
    """
    with op_scope(name, "Selu", [features]) as scope:
        x = _float_tensor(features, "features", "Selu")
        # elu(x) is x where x > 0, so the negative branch never overflows.
        negative = _SELU_ALPHA * nn_ops.elu(x)
        return math_ops.multiply(array_ops.where(x > 0, x, negative), _SELU_SCALE, name=scope)


def swish(features, beta=1.0):
    """``features * sigmoid(beta * features)`` (Ramachandran et al., 2017; also called SiLU).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.swish([0.0, 2.0])).round(4))
        [0.     1.7616]
    """
    with op_scope(None, "swish", [features]) as scope:
        x = _float_tensor(features, "features", "swish")
        z = x if isinstance(beta, (int, float)) and beta == 1.0 else x * _like(beta, x, "beta")
        return math_ops.multiply(x, math_ops.sigmoid(z), name=scope)


silu = swish


def softsign(features, name=None):
    """``features / (1 + |features|)``. Float tensors only.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.softsign([-1.0, 3.0])))
        [-0.5   0.75]
    """
    with op_scope(name, "Softsign", [features]) as scope:
        x = _float_tensor(features, "features", "Softsign")
        return math_ops.truediv(x, 1.0 + math_ops.abs(x), name=scope)


def crelu(features, name=None, axis=-1):
    """Concatenated ReLU: ``concat([relu(x), relu(-x)], axis)``, doubling that dimension.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.crelu([[1.0, -2.0]])))
        [[1. 0. 0. 2.]]
    """
    with op_scope(name, "CRelu", [features]) as scope:
        x = convert_to_tensor(features, name="features")
        both = array_ops.concat([x, math_ops.negative(x)], axis, name="concat")
        return nn_ops.relu(both, name=scope)


def relu_layer(x, weights, biases, name=None):
    """``relu(matmul(x, weights) + biases)``: a dense layer with a ReLU.

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.relu_layer([[1.0, -2.0]], [[1.0, 1.0], [1.0, -1.0]], [0.5, 0.5])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y))
        [[0.  3.5]]
    """
    with op_scope(name, "relu_layer", [x, weights, biases]) as scope:
        x = convert_to_tensor(x, name="x")
        weights = convert_to_tensor(weights, name="weights")
        biases = convert_to_tensor(biases, name="biases")
        return nn_ops.relu(nn_ops.xw_plus_b(x, weights, biases), name=scope)


def log_poisson_loss(targets, log_input, compute_full_loss=False, name=None):
    """The negative log-likelihood of ``targets`` under a Poisson distribution of log-rate
    ``log_input``, without its constant term: ``exp(log_input) - log_input * targets``.

    With ``compute_full_loss``, Stirling's approximation of ``log(targets!)``,
    ``z * log(z) - z + 0.5 * log(2 * pi * z)``, is added where ``targets > 1`` (it is 0 for
    targets 0 and 1). Its gradient in ``targets`` is 0 there (TF's is NaN at 0).

    Example:
        >>> import flowkit as tf
        >>> loss = tf.nn.log_poisson_loss([1.0, 2.0], [0.0, 0.0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(loss))
        [1. 1.]
    """
    with op_scope(name, "log_poisson_loss", [log_input, targets]) as scope:
        log_input = convert_to_tensor(log_input, name="log_input")
        targets = _like(targets, log_input, "targets")
        if not log_input.shape.is_compatible_with(targets.shape):
            raise ValueError(f"log_input and targets must have the same shape "
                             f"({log_input.shape} vs {targets.shape})")
        result = math_ops.exp(log_input) - log_input * targets
        if not compute_full_loss:
            return array_ops.identity(result, name=scope)
        small = math_ops.logical_and(targets >= 0.0, targets <= 1.0)
        # Stirling's term of safe targets (1 where unused) keeps log(0) out of the gradient.
        z = array_ops.where(small, array_ops.ones_like(targets), targets)
        stirling = z * math_ops.log(z) - z + 0.5 * math_ops.log((2.0 * math.pi) * z)
        return math_ops.add(result, array_ops.where(small, array_ops.zeros_like(z), stirling),
                            name=scope)


# --------------------------------------------------------------------------------------------
# Moments
# --------------------------------------------------------------------------------------------
def _axes_list(axes, x):
    axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
    if x.shape.ndims is not None:
        axes = normalize_axis(axes, x.shape.ndims, "axes")
    return [int(a) for a in axes]


def _count(x, axes, name):
    """The number of elements of ``x`` reduced over ``axes``, as a tensor of ``x``'s dtype."""
    dims = [x.shape.as_list()[a] if x.shape.ndims is not None else None for a in axes]
    if all(d is not None for d in dims):
        return convert_to_tensor(np.prod(dims, dtype=np.int64).astype(x.dtype.as_numpy_dtype),
                                 name=name)
    sizes = array_ops.gather(array_ops.shape(x), axes)
    return array_ops.cast(math_ops.reduce_prod(sizes), x.dtype, name=name)


def sufficient_statistics(x, axes, shift=None, keep_dims=None, name=None, keepdims=None):
    """The sufficient statistics of the mean and variance of ``x`` over ``axes``:
    ``(count, sum(x - shift), sum((x - shift) ** 2), shift)`` (``shift`` may be ``None``, then
    nothing is subtracted). ``count`` has ``x``'s dtype; see :func:`normalize_moments`.

    Example:
        >>> import flowkit as tf
        >>> stats = tf.nn.sufficient_statistics([[1.0, 2.0], [3.0, 6.0]], axes=[0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(list(stats[:3])))
        [np.float32(2.0), array([4., 8.], dtype=float32), array([10., 40.], dtype=float32)]
    """
    keep_dims = _keep_dims(keep_dims, keepdims)
    with op_scope(name, "sufficient_statistics", [x, shift]):
        x = convert_to_tensor(x, name="x")
        axes = _axes_list(axes, x)
        counts = _count(x, axes, "count")
        if shift is not None:
            shift = _like(shift, x, "shift")
            m_ss = math_ops.subtract(x, shift)
            v_ss = math_ops.squared_difference(x, shift)
        else:
            m_ss, v_ss = x, math_ops.square(x)
        m_ss = math_ops.reduce_sum(m_ss, axes, keepdims=keep_dims, name="mean_ss")
        v_ss = math_ops.reduce_sum(v_ss, axes, keepdims=keep_dims, name="var_ss")
        return counts, m_ss, v_ss, shift


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """The ``(mean, variance)`` from :func:`sufficient_statistics`: ``mean = mean_ss / counts
    + shift`` and ``variance = variance_ss / counts - (mean_ss / counts) ** 2``.

    Example:
        >>> import flowkit as tf
        >>> mean, var = tf.nn.normalize_moments(2.0, [4.0, 8.0], [10.0, 40.0], None)
        >>> with tf.Session() as sess:
        ...     print(sess.run([mean, var]))
        [array([2., 4.], dtype=float32), array([1., 4.], dtype=float32)]
    """
    with op_scope(name, "normalize", [counts, mean_ss, variance_ss, shift]):
        mean_ss = convert_to_tensor(mean_ss, name="mean_ss")
        divisor = math_ops.reciprocal(_like(counts, mean_ss, "counts"), name="divisor")
        variance_ss = _like(variance_ss, mean_ss, "variance_ss")
        shifted_mean = math_ops.multiply(mean_ss, divisor, name="shifted_mean")
        if shift is not None:
            mean = math_ops.add(shifted_mean, _like(shift, mean_ss, "shift"), name="mean")
        else:
            mean = array_ops.identity(shifted_mean, name="mean")
        variance = math_ops.subtract(math_ops.multiply(variance_ss, divisor),
                                     math_ops.square(shifted_mean), name="variance")
        return mean, variance


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """The mean and variance of ``x`` over ``axes`` with each element counted
    ``frequency_weights`` times (broadcast against ``x``): ``mean = sum(w x) / sum(w)``,
    ``variance = sum(w (x - mean) ** 2) / sum(w)``. float16 is computed in float32.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
        >>> mean, var = tf.nn.weighted_moments(x, [0], [[1.0], [3.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run([mean, var]))
        [array([2.5, 3.5], dtype=float32), array([0.75, 0.75], dtype=float32)]
    """
    keep_dims = _keep_dims(keep_dims, keepdims)
    with op_scope(name, "weighted_moments", [x, frequency_weights]):
        x = convert_to_tensor(x, name="x")
        weights = convert_to_tensor(frequency_weights, name="frequency_weights")
        axes = _axes_list(axes, x)
        work = dtypes.float32 if x.dtype is dtypes.float16 else x.dtype
        xw = array_ops.cast(x, work) if work is not x.dtype else x
        weights = array_ops.cast(weights, work) if weights.dtype is not work else weights
        total = math_ops.reduce_sum(weights * xw, axes, keepdims=True)
        # The weights broadcast to x's shape before they are summed, as each element counts.
        weight_sum = math_ops.reduce_sum(weights + array_ops.zeros_like(xw), axes,
                                         keepdims=True)
        divisor = math_ops.reciprocal(weight_sum)
        mean = math_ops.multiply(total, divisor)
        variance = math_ops.reduce_sum(weights * math_ops.squared_difference(xw, mean), axes,
                                       keepdims=True) * divisor
        if not keep_dims:
            mean = array_ops.squeeze(mean, axes)
            variance = array_ops.squeeze(variance, axes)
        if work is not x.dtype:
            mean, variance = array_ops.cast(mean, x.dtype), array_ops.cast(variance, x.dtype)
        return (array_ops.identity(mean, name="mean"),
                array_ops.identity(variance, name="variance"))


def zero_fraction(value, name=None):
    """The fraction of the elements of ``value`` that are zero, as a float32 scalar (NaN for
    an empty tensor).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.zero_fraction([0, 3, 0, 1])))
        0.5
    """
    with op_scope(name, "zero_fraction", [value]) as scope:
        value = convert_to_tensor(value, name="value")
        zeros = math_ops.equal(value, array_ops.zeros_like(value))
        return math_ops.reduce_mean(array_ops.cast(zeros, dtypes.float32), name=scope)


# --------------------------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------------------------
_CHANNEL_LAST = {"NHWC": 4, "NDHWC": 5}
_CHANNEL_FIRST = {"NCHW": 4, "NCDHW": 5}


def _channel_param(value, like, param, channels):
    t = _like(value, like, param)
    if t.shape.ndims is not None and t.shape.ndims != 1:
        raise ValueError(f"fused_batch_norm's {param} must be 1-D, got shape {t.shape}")
    if t.shape.ndims == 1 and not t.shape.is_compatible_with(TensorShape([channels])):
        raise ValueError(f"fused_batch_norm's {param} has {t.shape[0]} elements but the input "
                         f"has {channels} channels")
    return t


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001,
                     data_format="NHWC", is_training=True, name=None,
                     exponential_avg_factor=1.0):
    """Batch normalization of a 4-D (``NHWC``/``NCHW``) or 5-D (``NDHWC``/``NCDHW``) ``x`` per
    channel: ``scale * (x - mean) / sqrt(variance + epsilon) + offset``. Returns
    ``(y, mean, variance)``.

    Training (``is_training=True``): ``y`` uses the batch's mean and (biased) variance; the
    returned variance is the unbiased one (times ``n / (n - 1)``, ``n`` the elements per
    channel), as TF's fused kernel returns it for the moving averages; with
    ``exponential_avg_factor`` f != 1 the returned statistics are ``(1 - f) * mean + f *
    batch_mean`` (same for the variance), so ``mean`` and ``variance`` are then needed.
    Inference: ``y`` uses the given ``mean`` and ``variance``, which are returned.

    float16 inputs are computed in float32; ``y`` has ``x``'s dtype and the statistics
    float32. As in TF, the returned statistics pass no gradient back (their gradient is not
    part of the fused op's); ``y``'s gradients reach ``x``, ``scale``, ``offset`` and, in
    inference, ``mean`` and ``variance`` too. flowkit also accepts float64, which TF does not.

    Example:
        >>> import flowkit as tf
        >>> x = tf.reshape([1.0, 3.0], [2, 1, 1, 1])
        >>> y, m, v = tf.nn.fused_batch_norm(x, [1.0], [0.0], epsilon=0.0)
        >>> with tf.Session() as sess:
        ...     print(sess.run([tf.reshape(y, [2]), m, v]))
        [array([-1.,  1.], dtype=float32), array([2.], dtype=float32), array([2.], dtype=float32)]
    """
    if (not is_training or exponential_avg_factor != 1.0) and (mean is None or
                                                               variance is None):
        raise ValueError("Both `mean` and `variance` must be a 1D tensor when `is_training` "
                         "is False or `exponential_avg_factor` != 1.0. Received: `mean` "
                         f"{mean!r} and `variance` {variance!r}")
    with op_scope(name, "FusedBatchNormV3", [x, scale, offset, mean, variance]):
        x = _float_tensor(x, "x", "FusedBatchNormV3")
        rank = _CHANNEL_LAST.get(data_format) or _CHANNEL_FIRST.get(data_format)
        if rank is None:
            raise ValueError(f"fused_batch_norm's data_format must be one of NHWC, NCHW, NDHWC, "
                             f"NCDHW, got {data_format!r}")
        if x.shape.ndims is not None and x.shape.ndims != rank:
            raise ValueError(f"fused_batch_norm with data_format {data_format} needs a rank "
                             f"{rank} input, got shape {x.shape}")
        c_axis = rank - 1 if data_format in _CHANNEL_LAST else 1
        axes = [a for a in range(rank) if a != c_axis]
        channels = x.shape.as_list()[c_axis] if x.shape.ndims is not None else None
        work = dtypes.float32 if x.dtype is dtypes.float16 else x.dtype
        xw = array_ops.cast(x, work) if work is not x.dtype else x
        params = [_channel_param(v, xw, p, channels) for v, p in
                  ((scale, "scale"), (offset, "offset"))]
        stats = [None if v is None else _channel_param(v, xw, p, channels) for v, p in
                 ((mean, "mean"), (variance, "variance"))]
        bshape = [-1] + [1] * (rank - 2) if c_axis == 1 else None

        def per_channel(t):
            return t if bshape is None else array_ops.reshape(t, bshape)

        if is_training:
            use_mean, use_var = nn_ops.moments(xw, axes)
            count = _count(xw, axes, "count")
            bessel = count / math_ops.maximum(count - 1.0, 1.0)
            out_mean, out_var = use_mean, use_var * bessel
            if exponential_avg_factor != 1.0:
                f = float(exponential_avg_factor)
                out_mean = (1.0 - f) * stats[0] + f * out_mean
                out_var = (1.0 - f) * stats[1] + f * out_var
            out_mean = array_ops.stop_gradient(out_mean)
            out_var = array_ops.stop_gradient(out_var)
        else:
            use_mean, use_var = stats
            out_mean, out_var = array_ops.identity(use_mean), array_ops.identity(use_var)
        inv = math_ops.rsqrt(use_var + epsilon) * params[0]
        y = (xw - per_channel(use_mean)) * per_channel(inv) + per_channel(params[1])
        if work is not x.dtype:
            y = array_ops.cast(y, x.dtype)
        return (array_ops.identity(y, name="y"), array_ops.identity(out_mean, name="mean"),
                array_ops.identity(out_var, name="variance"))


def batch_norm_with_global_normalization(t=None, m=None, v=None, beta=None, gamma=None,
                                         variance_epsilon=None, scale_after_normalization=None,
                                         name=None, input=None, mean=None,  # noqa: A002
                                         variance=None):
    """TF's older batch normalization: :func:`tf.nn.batch_normalization` of ``t`` with mean
    ``m``, variance ``v`` and offset ``beta``, multiplied by ``gamma`` only when
    ``scale_after_normalization``. ``input``, ``mean`` and ``variance`` are the newer names of
    ``t``, ``m`` and ``v``.

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.batch_norm_with_global_normalization(
        ...     tf.constant([[1.0, 3.0]]), tf.constant([0.0, 1.0]), tf.constant([1.0, 4.0]),
        ...     tf.constant([0.0, 0.5]), tf.constant([2.0, 2.0]), 0.0, True)
        >>> with tf.Session() as sess:
        ...     print(sess.run(y))
        [[2.  2.5]]
    """
    def pick(new, new_name, old, old_name):
        if new is not None and old is not None:
            raise ValueError(f"Cannot specify both '{new_name}' and '{old_name}'.")
        return new if new is not None else old
    t = pick(input, "input", t, "t")
    m = pick(mean, "mean", m, "m")
    v = pick(variance, "variance", v, "v")
    return nn_ops.batch_normalization(t, m, v, beta, gamma if scale_after_normalization else None,
                                      variance_epsilon, name)


def lrn(input, depth_radius=5, bias=1, alpha=1, beta=0.5, name=None):  # noqa: A002
    """Local response normalization of a 4-D NHWC ``input`` across channels:
    ``input / (bias + alpha * sqr_sum) ** beta`` with ``sqr_sum[..., c]`` the sum of
    ``input[..., k] ** 2`` over ``c - depth_radius <= k <= c + depth_radius`` (Krizhevsky et
    al., 2012). Built from ``2 * depth_radius + 1`` shifted slices of the zero-padded squares.

    Example:
        >>> import flowkit as tf
        >>> x = tf.ones([1, 1, 1, 3])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.lrn(x, depth_radius=1, alpha=1.0, beta=1.0)))
        [[[[0.33333334 0.25       0.33333334]]]]
    """
    with op_scope(name, "LRN", [input]) as scope:
        x = _float_tensor(input, "input", "LRN")
        if x.shape.ndims is not None and x.shape.ndims != 4:
            raise ValueError(f"lrn's input must be rank 4 (NHWC), got shape {x.shape}")
        radius = int(depth_radius)
        if radius < 0:
            raise ValueError(f"lrn's depth_radius must be >= 0, got {depth_radius}")
        channels = x.shape.as_list()[3] if x.shape.ndims == 4 else None
        if channels is not None:
            radius = min(radius, max(channels - 1, 0))     # farther channels are all padding
        sq = math_ops.square(x)
        if radius == 0:
            sqr_sum = sq
        else:
            padded = array_ops.pad(sq, [[0, 0], [0, 0], [0, 0], [radius, radius]])
            width = 2 * radius
            sqr_sum = math_ops.add_n([padded[:, :, :, k:(k - width) or None]
                                      for k in range(width + 1)])
        base = _like(bias, x, "bias") + _like(alpha, x, "alpha") * sqr_sum
        return math_ops.multiply(x, math_ops.pow(base, -_like(beta, x, "beta")), name=scope)


local_response_normalization = lrn


def collapse_repeated(labels, seq_length, name=None):
    """Merges runs of equal labels in each row of ``labels`` ``[batch, time]`` (only the first
    ``seq_length[b]`` entries of row ``b`` count). Returns ``(collapsed, new_seq_length)``:
    the rows left-aligned and zero-padded to the longest new length.

    Example:
        >>> import flowkit as tf
        >>> out, n = tf.nn.collapse_repeated([[1, 1, 2, 2, 2, 3], [4, 4, 4, 5, 5, 5]], [6, 4])
        >>> with tf.Session() as sess:
        ...     print(sess.run([out, n]))
        [array([[1, 2, 3],
               [4, 5, 0]], dtype=int32), array([3, 2], dtype=int32)]
    """
    with op_scope(name, "collapse_repeated_labels", [labels, seq_length]):
        labels = convert_to_tensor(labels, name="labels")
        seq_length = convert_to_tensor(seq_length, name="seq_length")
        if labels.shape.ndims is not None and labels.shape.ndims != 2:
            raise ValueError(f"collapse_repeated's labels must be [batch, time], got shape "
                             f"{labels.shape}")
        time = labels.shape.as_list()[1] if labels.shape.ndims == 2 else None
        time = array_ops.shape(labels)[1] if time is None else time
        changed = math_ops.not_equal(labels[:, 1:], labels[:, :-1])
        first = array_ops.ones_like(labels[:, :1], dtype=dtypes.bool)
        keep = math_ops.logical_and(array_ops.concat([first, changed], 1),
                                    array_ops.sequence_mask(seq_length, time))
        kept = array_ops.cast(keep, dtypes.int32)
        new_length = math_ops.reduce_sum(kept, 1)
        # Each kept label goes to column (its rank among the kept ones); the others to a column
        # one_hot leaves out.
        target = array_ops.where(keep, math_ops.cumsum(kept, 1) - 1,
                                 array_ops.zeros_like(kept) + time)
        places = array_ops.cast(array_ops.one_hot(target, time, dtype=dtypes.int32),
                                labels.dtype)
        moved = math_ops.reduce_sum(array_ops.expand_dims(labels, 2) * places, 1)
        width = math_ops.reduce_max(new_length)
        collapsed = array_ops.slice(moved, [0, 0], array_ops.stack([-1, width]))
        return (array_ops.identity(collapsed, name="collapsed"),
                array_ops.cast(new_length, seq_length.dtype, name="new_seq_length"))


# --------------------------------------------------------------------------------------------
# Root-level tf.* math helpers (not in __all__: flowkit/__init__.py and tf.math import them)
# --------------------------------------------------------------------------------------------
def rint(x, name=None):
    """The nearest integer of each element, halves to even (float tensors), as ``tf.round``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.rint([0.5, 1.5, -2.5, 2.7])))
        [ 0.  2. -2.  3.]
    """
    x = _float_tensor(x, "x", "Rint")
    return math_ops.unary("Round", x, name or "Rint")


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """The sum of a list of tensors of one dtype and shape (as :func:`tf.add_n`), checking
    them against ``shape`` and ``tensor_dtype`` when given.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.accumulate_n([[1.0, 2.0], [3.0, 4.0]])))
        [4. 6.]
    """
    bad = ValueError("inputs must be a list of at least one Tensor with the same dtype and "
                     "shape")
    if not inputs or not isinstance(inputs, (list, tuple)):
        raise bad
    inputs = [convert_to_tensor(t) for t in inputs]
    if any(t.dtype is not inputs[0].dtype for t in inputs):
        raise bad
    merged = TensorShape(shape)
    for t in inputs:
        if not merged.is_compatible_with(t.shape):
            raise ValueError(f"Shapes {merged} and {t.shape} are not compatible")
        merged = merged.merge_with(t.shape)
    if tensor_dtype is not None and dtypes.as_dtype(tensor_dtype) is not inputs[0].dtype:
        raise TypeError(f"The `tensor_dtype` argument is {dtypes.as_dtype(tensor_dtype).name}, "
                        f"but `input` is of type {inputs[0].dtype.name}. These must be equal. "
                        "Try casting the input to the desired type.")
    if len(inputs) == 1 and name is None:
        return inputs[0]
    return math_ops.add_n(inputs, name=name)


def _monotonic(x, name, default_name, compare):
    with op_scope(name, default_name, [x]) as scope:
        x = convert_to_tensor(x, name="x")
        if not (x.dtype.is_integer or x.dtype.is_floating):
            raise TypeError(f"Expected x to be numeric, instead found: {x.dtype.name} tensor "
                            f"{x.name}")
        flat = array_ops.reshape(x, [-1])
        ok = compare(flat[1:], flat[:-1])
        return math_ops.reduce_all(ok, name=scope)


def is_non_decreasing(x, name=None):
    """True when ``x``, read in row-major order, never decreases (true for fewer than two
    elements).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.is_non_decreasing([[1, 2], [2, 3]])))
        True
    """
    return _monotonic(x, name, "is_non_decreasing", math_ops.greater_equal)


def is_strictly_increasing(x, name=None):
    """True when ``x``, read in row-major order, always increases (true for fewer than two
    elements).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.is_strictly_increasing([1, 2, 2])))
        False
    """
    return _monotonic(x, name, "is_strictly_increasing", math_ops.greater)


def lbeta(x, name=None):
    """``log|Beta(x)|`` along the last dimension: ``sum(lgamma(x), -1) - lgamma(sum(x, -1))``
    (an empty last dimension gives ``-inf``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.math.lbeta([[1.0, 1.0], [1.0, 2.0]])).round(4))
        [ 0.     -0.6931]
    """
    with op_scope(name, "lbeta", [x]) as scope:
        x = _float_tensor(x, "x", "lbeta")
        log_prod_gamma = math_ops.reduce_sum(special_math_ops.lgamma(x), -1)
        return math_ops.subtract(log_prod_gamma,
                                 special_math_ops.lgamma(math_ops.reduce_sum(x, -1)), name=scope)
