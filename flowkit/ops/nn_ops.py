"""Neural-network ops (``tf.nn``): activations, softmax, convolution, pooling and losses.

Every op type is declared once, with its builder, shape rule and gradient rule side by side.
Gradients of convolutions and pools are ops of their own (``Conv2DBackpropInput``,
``MaxPoolGrad``...), as in TF1, each with a kernel and a gradient rule, so second derivatives
work too. Images are NHWC (batch, height, width, channels), filters HWIO.

Example:
    >>> import flowkit as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.nn.relu([-1.0, 2.0])))
    [0. 2.]
"""
from __future__ import annotations

__all__ = ["relu", "relu6", "elu", "leaky_relu", "softplus", "softmax", "log_softmax",
           "bias_add", "xw_plus_b", "dropout", "embedding_lookup", "l2_loss", "l2_normalize",
           "moments", "batch_normalization",
           "in_top_k", "softmax_cross_entropy_with_logits",
           "softmax_cross_entropy_with_logits_v2", "sparse_softmax_cross_entropy_with_logits",
           "sigmoid_cross_entropy_with_logits", "weighted_cross_entropy_with_logits"]

import numbers


from flowkit.framework import dtypes
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops, math_ops, matrix_ops, random_ops
from flowkit.ops.core import (constant, constant_shape, convert_to_tensor, is_tensor_like,
                              make_op, make_tensor, op_scope, same_dtype_shape)


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------
_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)


def _check_float(t, param):
    if t.dtype not in _FLOATS:
        raise TypeError(f"Value passed to parameter '{param}' has DataType {t.dtype.name} not "
                        "in list of allowed values: float16, float32, float64")


def _float_unary_shape(inputs, attrs):
    _check_float(inputs[0], "features")
    return [(inputs[0].dtype, inputs[0].shape)]


#: Shape rule of the ``FooGrad(gradients, features)`` ops: like both inputs.
_grad_shape = math_ops.pair_shape("gradients", "features")


def _sizes_shape(sizes):
    """The static shape that a rank-4 ``sizes`` tensor describes; when it is ``tf.shape(x)``
    (as in gradients), ``x``'s partly known static shape."""
    shape = constant_shape(sizes).merge_with(TensorShape([None] * 4))
    if sizes.op.type == "Shape" and sizes.op.inputs[0].shape.ndims == 4:
        shape = shape.merge_with(sizes.op.inputs[0].shape)
    return shape


def _shape_tensor(t):
    """``t``'s shape as an int32 tensor: a constant when it is known while building."""
    if t.shape.is_fully_defined():
        return constant(t.shape.as_list(), dtype=dtypes.int32, name="Shape")
    return array_ops.shape(t)


def _keep_axis(g, like, axis):
    """``g`` (``like`` reduced over ``axis``) with that axis back as size 1, so that it
    broadcasts against ``like``: one ``ExpandDims``, whatever is known of the shapes (as
    TF1's softmax cross-entropy gradient does)."""
    return array_ops.expand_dims(g, axis)


def _is_zeros(t):
    """True for the zero gradients that tf.gradients makes for unused outputs."""
    return t.op.type == "ZerosLike"


def _convert_like(value, like, name):
    """Converts a second operand: Python/NumPy values take ``like``'s dtype; a tensor keeps
    its own, so that a mismatch is the shape rule's TypeError, as in TF1."""
    if is_tensor_like(value):
        return convert_to_tensor(value)
    return convert_to_tensor(value, dtype=like.dtype, name=name)


def _unary(op_type, features, name):
    with op_scope(name, op_type, [features]) as scope:
        return make_tensor(op_type, (convert_to_tensor(features),), None, scope)


# --------------------------------------------------------------------------------------------
# Activations
# --------------------------------------------------------------------------------------------
def _relu_grad(op, g):
    return [make_tensor("ReluGrad", (g, op.outputs[0]))]


def _relu_shape(inputs, attrs):
    x = inputs[0]
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise TypeError(f"Value passed to parameter 'features' has DataType {x.dtype.name} not "
                        "in list of allowed values: float16, float32, float64, int8, int16, "
                        "int32, int64, uint8 (tf.nn.relu of a bool tensor: tf.cast it first).")
    return [(x.dtype, x.shape)]


register_op("Relu", shape=_relu_shape, grad=_relu_grad)
register_op("ReluGrad", shape=same_dtype_shape,
            grad=lambda op, gg: [make_tensor("ReluGrad", (gg, op.inputs[1])), None],
            doc="Gradient of Relu: input 0 where input 1 (the Relu output) > 0, else 0.")


def relu(features, name=None):
    """``max(features, 0)``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.relu([-2.0, 0.0, 3.0])))
        [0. 0. 3.]
    """
    return _unary("Relu", features, name)


register_op("Relu6", shape=_float_unary_shape,
            grad=lambda op, g: [make_tensor("Relu6Grad", (g, op.inputs[0]))])
register_op("Relu6Grad", shape=_grad_shape,
            grad=lambda op, gg: [make_tensor("Relu6Grad", (gg, op.inputs[1])), None],
            doc="Gradient of Relu6: input 0 where 0 < input 1 (the features) < 6, else 0.")


def relu6(features, name=None):
    """``min(max(features, 0), 6)``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.relu6([-1.0, 3.0, 9.0])))
        [0. 3. 6.]
    """
    return _unary("Relu6", features, name)


def _elu_grad_grad(op, gg):
    g, y = op.inputs
    # d/dy of EluGrad is g where y < 0 (there the slope is y + 1), else 0.
    return [make_tensor("EluGrad", (gg, y)),
            make_tensor("ReluGrad", (gg * g, math_ops.negative(y)))]


register_op("Elu", shape=_float_unary_shape,
            grad=lambda op, g: [make_tensor("EluGrad", (g, op.outputs[0]))])
register_op("EluGrad", shape=_grad_shape, grad=_elu_grad_grad,
            doc="Gradient of Elu from its output y: input 0 * (y + 1) where y < 0, else input 0.")


def elu(features, name=None):
    """Exponential linear unit: ``exp(features) - 1`` where negative, else ``features``.

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.elu([-1.0, 0.0, 2.0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y).round(4))
        [-0.6321  0.      2.    ]
    """
    return _unary("Elu", features, name)


def leaky_relu(features, alpha=0.2, name=None):
    """``features`` where positive, else ``alpha * features``: a slope ``alpha`` for negative
    inputs. As TF's kernel, this holds for any ``alpha`` (with ``alpha > 1`` it is not
    ``max(alpha * x, x)``), and the gradient at 0 is ``alpha``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.leaky_relu([-10.0, 3.0])))
        ...     print(sess.run(tf.nn.leaky_relu([-1.0, 2.0], alpha=2.0)))
        [-2.  3.]
        [-2.  2.]
    """
    with op_scope(name, "LeakyRelu", [features]) as scope:
        features = convert_to_tensor(features, name="features")
        if features.dtype.is_integer:
            features = array_ops.cast(features, dtypes.float32)
        positive = math_ops.greater(features, array_ops.zeros_like(features))
        return array_ops.where(positive, features, alpha * features, name=scope)


def _softplus_grad_grad(op, gg):
    g, x = op.inputs
    s = make_tensor("SoftplusGrad", (array_ops.ones_like(x), x))   # sigmoid(x)
    return [make_tensor("SoftplusGrad", (gg, x)), gg * g * s * (1.0 - s)]


register_op("Softplus", shape=_float_unary_shape,
            grad=lambda op, g: [make_tensor("SoftplusGrad", (g, op.inputs[0]))])
register_op("SoftplusGrad", shape=_grad_shape, grad=_softplus_grad_grad,
            doc="Gradient of Softplus: input 0 * sigmoid(input 1).")


def softplus(features, name=None):
    """``log(exp(features) + 1)``, computed without overflow for large inputs.

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.softplus([-100.0, 0.0, 100.0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y).round(4))
        [  0.       0.6931 100.    ]
    """
    return _unary("Softplus", features, name)


# --------------------------------------------------------------------------------------------
# Softmax and log-softmax (along ``axis``, default the last one)
# --------------------------------------------------------------------------------------------
def _normalize_single_axis(axis, ndims):
    axis = int(axis)
    if ndims is None:
        return axis
    if not -ndims <= axis < ndims:
        raise ValueError(f"axis = {axis} is out of range for a tensor of rank {ndims}")
    return axis % ndims


def _softmax_shape(inputs, attrs):
    x = inputs[0]
    _check_float(x, "logits")
    if x.shape.ndims == 0:
        raise ValueError("logits must have rank >= 1")
    return [(x.dtype, x.shape)]


def _softmax_grad(op, g):
    y, axis = op.outputs[0], op.attrs["axis"]
    return [(g - math_ops.reduce_sum(g * y, axis=axis, keepdims=True)) * y]


def _log_softmax_grad(op, g):
    axis = op.attrs["axis"]
    p = make_tensor("Softmax", (op.inputs[0],), {"axis": axis})
    return [g - math_ops.reduce_sum(g, axis=axis, keepdims=True) * p]


register_op("Softmax", shape=_softmax_shape, grad=_softmax_grad)
register_op("LogSoftmax", shape=_softmax_shape, grad=_log_softmax_grad)


def _softmax_op(op_type, logits, axis, name, dim):
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    with op_scope(name, op_type, [logits]) as scope:
        logits = convert_to_tensor(logits)
        attrs = {"axis": _normalize_single_axis(-1 if axis is None else axis,
                                                logits.shape.ndims)}
        return make_tensor(op_type, (logits,), attrs, scope)


def softmax(logits, axis=None, name=None, dim=None):
    """``exp(logits) / reduce_sum(exp(logits), axis)``, computed stably (default axis: -1).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.softmax([0.0, 0.0, 0.0, 0.0])))
        [0.25 0.25 0.25 0.25]
    """
    return _softmax_op("Softmax", logits, axis, name, dim)


def log_softmax(logits, axis=None, name=None, dim=None):
    """``logits - log(reduce_sum(exp(logits), axis))``, computed stably (default axis: -1).

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.log_softmax([[0.0, 0.0], [0.0, 1000.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(y).round(4))
        [[-6.931e-01 -6.931e-01]
         [-1.000e+03  0.000e+00]]
    """
    return _softmax_op("LogSoftmax", logits, axis, name, dim)


# --------------------------------------------------------------------------------------------
# Bias
# --------------------------------------------------------------------------------------------
def _bias_add_shape(inputs, attrs):
    value, bias = inputs
    if value.dtype is not bias.dtype:
        raise TypeError(f"Input 'bias' of 'BiasAdd' Op has type {bias.dtype.name} that does "
                        f"not match type {value.dtype.name} of argument 'value'.")
    if value.shape.ndims is not None and value.shape.ndims < 2:
        raise ValueError(f"Shape must be at least rank 2 but is rank {value.shape.ndims}")
    if bias.shape.ndims is not None and bias.shape.ndims != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {bias.shape.ndims}")
    shape = value.shape
    if shape.ndims is not None and bias.shape.ndims is not None:
        c, b = shape.as_tuple()[-1], bias.shape.as_tuple()[0]
        if c is not None and b is not None and c != b:
            raise ValueError(f"Dimensions must be equal, but are {c} and {b}")
        shape = TensorShape(shape.as_tuple()[:-1] + (c if c is not None else b,))
    return [(value.dtype, shape)]


def _bias_add_grad_shape(inputs, attrs):
    g = inputs[0]
    c = None if g.shape.ndims is None else g.shape.as_tuple()[-1]
    return [(g.dtype, TensorShape([c]))]


register_op("BiasAdd", shape=_bias_add_shape,
            grad=lambda op, g: [g, make_tensor("BiasAddGrad", (g,), {"data_format": "NHWC"})])
register_op("BiasAddGrad", shape=_bias_add_grad_shape,
            grad=lambda op, gg: [array_ops.broadcast_to(gg, _shape_tensor(op.inputs[0]))],
            doc="Gradient of BiasAdd's bias: input 0 summed over every axis but the last.")


def _check_data_format(data_format, allowed=("NHWC",)):
    if data_format is not None and data_format not in allowed:
        raise ValueError(f"data_format must be one of {list(allowed)} (flowkit keeps channels "
                         f"last, like TF1 on the CPU); got {data_format!r}")


def bias_add(value, bias, data_format=None, name=None):
    """Adds the 1-D ``bias`` along the last axis (channels) of ``value``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.bias_add([[1.0, 2.0]], [10.0, 20.0])))
        [[11. 22.]]
    """
    _check_data_format(data_format)
    with op_scope(name, "BiasAdd", [value, bias]) as scope:
        value = convert_to_tensor(value, name="input")
        bias = _convert_like(bias, value, "bias")
        return make_tensor("BiasAdd", (value, bias), {"data_format": "NHWC"}, scope)


def xw_plus_b(x, weights, biases, name=None):
    """``matmul(x, weights) + biases`` (a dense layer).

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([[1.0, 2.0]])
        >>> w = tf.constant([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
        >>> b = tf.constant([0.5, 0.5, 0.5])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.xw_plus_b(x, w, b)))
        [[1.5 2.5 3.5]]
    """
    with op_scope(name, "xw_plus_b", [x, weights, biases]) as scope:
        mm = matrix_ops.matmul(x, weights, name="MatMul")
        return bias_add(mm, biases, name=scope)


# --------------------------------------------------------------------------------------------
# Dropout and embeddings
# --------------------------------------------------------------------------------------------
def dropout(x, keep_prob=None, noise_shape=None, seed=None, name=None, rate=None):
    """Zeroes each element with probability ``rate = 1 - keep_prob`` and scales the kept ones
    by ``1 / keep_prob``, so the expected value is unchanged.

    ``keep_prob`` (or ``rate``) may be a float or a scalar tensor (e.g. a placeholder fed 0.5
    while training and 1.0 while testing). ``noise_shape`` chooses which elements are dropped
    together (it broadcasts against ``x``).

    Example:
        >>> import flowkit as tf
        >>> x = tf.ones([1000])
        >>> y = tf.nn.dropout(x, keep_prob=0.5, seed=1)
        >>> with tf.Session() as sess:
        ...     out = sess.run(y)
        >>> print(out.shape, out.dtype, sorted(set(out.tolist())))
        (1000,) float32 [0.0, 2.0]
    """
    if keep_prob is not None:
        if rate is not None:
            raise ValueError("Cannot specify both 'rate' and 'keep_prob'.")
        if isinstance(keep_prob, numbers.Real) and not 0 < keep_prob <= 1:
            raise ValueError(f"keep_prob must be a scalar tensor or a float in the range "
                             f"(0, 1], got {keep_prob:g}")
        rate = 1 - keep_prob
    elif rate is None:
        raise ValueError("dropout needs 'keep_prob' or 'rate'")
    with op_scope(name, "dropout", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise ValueError(f"x has to be a floating point tensor since it's going to be "
                             f"scaled. Got a {x.dtype.name} tensor instead.")
        if isinstance(rate, numbers.Real):
            if not 0 <= rate < 1:
                raise ValueError(f"rate must be a scalar tensor or a float in the range [0, 1),"
                                 f" got {rate:g}")
            if rate == 0:
                return x
            scale = constant(1.0 / (1.0 - rate), dtype=x.dtype)
            rate = constant(rate, dtype=x.dtype, name="rate")
        else:
            rate = convert_to_tensor(rate, dtype=x.dtype, name="rate")
            scale = 1.0 / (1.0 - rate)
        shape = _shape_tensor(x) if noise_shape is None else noise_shape
        u = random_ops.random_uniform(shape, seed=seed, dtype=x.dtype)
        keep = array_ops.cast(math_ops.greater_equal(u, rate), x.dtype)
        out = math_ops.multiply(x * scale, keep, name=scope)
        # As TF: the result has x's shape even when keep_prob's shape is unknown (a
        # placeholder without a shape), which the broadcast rule alone cannot know.
        out.set_shape(x.shape)
        return out


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True,
                     max_norm=None):
    """The rows of ``params`` selected by ``ids`` (``gather(params, ids)``).

    Only a single (unpartitioned) ``params`` tensor is supported, given alone or as a list of
    one; ``max_norm`` clipping is not supported.

    Example:
        >>> import flowkit as tf
        >>> params = tf.constant([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
        >>> rows = tf.nn.embedding_lookup(params, [2, 0, 2])
        >>> with tf.Session() as sess:
        ...     print(sess.run(rows))
        [[2. 2.]
         [0. 0.]
         [2. 2.]]
    """
    if isinstance(params, (list, tuple)):
        if len(params) != 1:
            raise ValueError("flowkit's embedding_lookup takes one params tensor (a list of "
                             f"one is fine); got a list of {len(params)} partitions")
        params = params[0]
    if max_norm is not None:
        raise ValueError("embedding_lookup: max_norm is not supported by flowkit")
    with op_scope(name, "embedding_lookup", [params, ids]) as scope:
        params = convert_to_tensor(params, name="params")
        ids = convert_to_tensor(ids, name="ids")
        result = array_ops.gather(params, ids, name=scope)
        return array_ops.identity(result)


# --------------------------------------------------------------------------------------------
# Statistics
# --------------------------------------------------------------------------------------------
def _l2_loss_shape(inputs, attrs):
    _check_float(inputs[0], "t")
    return [(inputs[0].dtype, TensorShape([]))]


register_op("L2Loss", shape=_l2_loss_shape, grad=lambda op, g: [op.inputs[0] * g])


def l2_loss(t, name=None):
    """``sum(t ** 2) / 2``, a scalar (the usual weight-decay term).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.l2_loss([1.0, 2.0, 3.0])))
        7.0
    """
    return _unary("L2Loss", t, name)


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """The mean and variance of ``x`` over ``axes``, as ``(mean, variance)``.

    float16 inputs are computed in float32 and cast back, as in TF1.

    Example:
        >>> import flowkit as tf
        >>> mean, var = tf.nn.moments(tf.constant([[1.0, 2.0], [3.0, 6.0]]), axes=[0])
        >>> with tf.Session() as sess:
        ...     print(sess.run([mean, var]))
        [array([2., 4.], dtype=float32), array([1., 4.], dtype=float32)]
    """
    if keepdims is not None:
        if keep_dims is not None:
            raise ValueError("Cannot specify both 'keep_dims' and 'keepdims'.")
        keep_dims = keepdims
    keep_dims = bool(keep_dims)
    with op_scope(name, "moments", [x]):
        x = convert_to_tensor(x, name="x")
        y = array_ops.cast(x, dtypes.float32) if x.dtype is dtypes.float16 else x
        mean = math_ops.reduce_mean(y, axes, keepdims=True, name="mean")
        # The mean's own gradient through the variance is zero: stop_gradient saves the work.
        sq = math_ops.squared_difference(y, array_ops.stop_gradient(mean))
        variance = math_ops.reduce_mean(sq, axes, keepdims=True, name="variance")
        if not keep_dims:
            mean, variance = array_ops.squeeze(mean, axes), array_ops.squeeze(variance, axes)
        if x.dtype is dtypes.float16:
            return array_ops.cast(mean, x.dtype), array_ops.cast(variance, x.dtype)
        return mean, variance


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x ** 2, axis), epsilon))``: unit L2 norm along ``axis``.

    Example:
        >>> import flowkit as tf
        >>> y = tf.nn.l2_normalize([[3.0, 4.0], [0.0, 2.0]], axis=1)
        >>> with tf.Session() as sess:
        ...     print(sess.run(y))
        [[0.6 0.8]
         [0.  1. ]]
    """
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    with op_scope(name, "l2_normalize", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        square_sum = math_ops.reduce_sum(math_ops.square(x), axis, keepdims=True)
        inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, inv_norm, name=scope)


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``scale * (x - mean) / sqrt(variance + variance_epsilon) + offset``, with ``mean`` and
    ``variance`` typically from :func:`moments`; ``offset`` and ``scale`` may be ``None``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([1.0, 3.0])
        >>> mean, var = tf.nn.moments(x, [0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.batch_normalization(x, mean, var, None, None, 0.0)))
        [-1.  1.]
    """
    with op_scope(name, "batchnorm", [x, mean, variance, scale, offset]):
        x = convert_to_tensor(x, name="x")
        inv = math_ops.rsqrt(_convert_like(variance, x, "variance") + variance_epsilon)
        if scale is not None:
            inv = inv * _convert_like(scale, x, "scale")
        shift = -_convert_like(mean, x, "mean") * inv
        if offset is not None:
            shift = _convert_like(offset, x, "offset") + shift
        return x * inv + shift


def _in_top_k_shape(inputs, attrs):
    p, t, k = inputs
    if p.dtype is not dtypes.float32:
        raise TypeError(f"Value passed to parameter 'predictions' has DataType {p.dtype.name} "
                        "not in list of allowed values: float32")
    if t.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"Value passed to parameter 'targets' has DataType {t.dtype.name} not "
                        "in list of allowed values: int32, int64")
    if p.shape.ndims is not None and p.shape.ndims != 2:
        raise ValueError(f"Shape must be rank 2 but is rank {p.shape.ndims} (predictions)")
    if t.shape.ndims is not None and t.shape.ndims != 1:
        raise ValueError(f"Shape must be rank 1 but is rank {t.shape.ndims} (targets)")
    if k.shape.ndims is not None and k.shape.ndims != 0:
        raise ValueError(f"Shape must be rank 0 but is rank {k.shape.ndims} (k)")
    batch = p.shape[0].value if p.shape.ndims else None
    out = TensorShape([batch]).merge_with(t.shape if t.shape.ndims is not None else [None])
    return [(dtypes.bool, out)]


register_op("InTopKV2", shape=_in_top_k_shape, grad=None)


def in_top_k(predictions, targets, k, name=None):
    """For each row, whether ``predictions[i, targets[i]]`` is among the ``k`` largest.

    As in TF1, ties count in the target's favour: the answer is ``True`` when fewer than
    ``k`` classes have a strictly larger prediction; it is ``False`` for an out-of-range
    target or a row with a non-finite prediction.

    Example:
        >>> import flowkit as tf
        >>> p = [[0.1, 0.8, 0.1], [0.3, 0.3, 0.4]]
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.nn.in_top_k(p, [1, 0], 1)))
        [ True False]
    """
    with op_scope(name, "in_top_k", [predictions, targets, k]):
        p = convert_to_tensor(predictions, name="predictions")
        t = convert_to_tensor(targets, name="targets")
        k = convert_to_tensor(k, dtype=t.dtype, name="k")
        return make_tensor("InTopKV2", (p, t, k))


# --------------------------------------------------------------------------------------------
# Losses. The fused ops return (loss, backprop) like TF1's: backprop = softmax - labels is the
# gradient with respect to the logits, computed stably in the same pass.
# --------------------------------------------------------------------------------------------
def _xent_shape(inputs, attrs):
    logits, labels = inputs
    _check_float(logits, "features")
    if labels.dtype is not logits.dtype:
        raise TypeError(f"labels ({labels.dtype.name}) and logits ({logits.dtype.name}) must "
                        "have the same dtype")
    try:
        shape = logits.shape.merge_with(labels.shape)
    except ValueError:
        raise ValueError(f"logits and labels must be broadcastable: logits_size="
                         f"{logits.shape} labels_size={labels.shape}") from None
    if shape.ndims == 0:
        raise ValueError("logits must have rank >= 1")
    loss = TensorShape(None) if shape.ndims is None else \
        TensorShape([d for i, d in enumerate(shape.as_tuple()) if i != attrs["axis"] %
                     shape.ndims])
    return [(logits.dtype, loss), (logits.dtype, shape)]


def _softmax_jvp(gg, logits, axis):
    """``J_softmax(logits)^T gg``: the gradient through ``softmax(logits)``."""
    p = make_tensor("Softmax", (logits,), {"axis": axis})
    return (gg - math_ops.reduce_sum(gg * p, axis=axis, keepdims=True)) * p


def _xent_grad(op, g_loss, g_backprop):
    logits, labels = op.inputs
    axis = op.attrs["axis"]
    g = _keep_axis(g_loss, logits, axis)
    g_logits = g * op.outputs[1]
    g_labels = g * math_ops.negative(make_tensor("LogSoftmax", (logits,), {"axis": axis}))
    if not _is_zeros(g_backprop):     # backprop = softmax(logits) - labels
        g_logits = g_logits + _softmax_jvp(g_backprop, logits, axis)
        g_labels = g_labels - g_backprop
    return [g_logits, g_labels]


register_op("SoftmaxCrossEntropyWithLogits", shape=_xent_shape, grad=_xent_grad)


def _positional_hint(*args):
    """The fix for TF1's positional call of a loss (``loss(logits, labels)`` before 1.0)."""
    given = [a for a in args if a is not None]
    if not given:
        return ""
    names = ", ".join(getattr(a, "name", None) or type(a).__name__ for a in given)
    return (f". You passed {len(given)} argument(s) by position ({names}); before TensorFlow "
            "1.0 the order was (logits, labels), and since 1.0 they must be named: write "
            "tf.nn.softmax_cross_entropy_with_logits_v2(labels=<one-hot labels>, "
            "logits=<unscaled scores>).")


def _xent(labels, logits, axis, dim, name, default_name, stop_labels, _sentinel=None):
    if dim is not None:
        if axis is not None:
            raise ValueError("Cannot specify both 'axis' and 'dim'")
        axis = dim
    if labels is None or logits is None or _sentinel is not None:
        raise ValueError(f"Only call `{default_name}` with named arguments (labels=..., "
                         "logits=..., ...)" + _positional_hint(_sentinel, labels, logits))
    with op_scope(name, default_name, [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = _convert_like(labels, logits, "labels")
        if stop_labels:
            labels = array_ops.stop_gradient(labels, name="labels_stop_gradient")
        attrs = {"axis": _normalize_single_axis(-1 if axis is None else axis,
                                                logits.shape.ndims)}
        return make_op("SoftmaxCrossEntropyWithLogits", (logits, labels), attrs,
                       scope).outputs[0]


def softmax_cross_entropy_with_logits_v2(_sentinel=None, labels=None, logits=None, axis=None,
                                         name=None, dim=None):
    """``-sum(labels * log_softmax(logits), axis)``, computed stably; gradients flow into
    both ``logits`` and ``labels``. Each row of ``labels`` should be a distribution.

    Example:
        >>> import flowkit as tf
        >>> loss = tf.nn.softmax_cross_entropy_with_logits_v2(
        ...     labels=[[0.0, 1.0]], logits=[[1000.0, -1000.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(loss))
        [2000.]
    """
    return _xent(labels, logits, axis, dim, name, "softmax_cross_entropy_with_logits", False,
                 _sentinel)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1,
                                      name=None, axis=None):
    """Like :func:`softmax_cross_entropy_with_logits_v2`, but no gradient flows into
    ``labels`` (TF1's original, deprecated version).

    Example:
        >>> import flowkit as tf
        >>> logits = tf.constant([[2.0, 0.0], [0.0, 0.0]])
        >>> labels = tf.constant([[1.0, 0.0], [0.5, 0.5]])
        >>> loss = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
        >>> with tf.Session() as sess:
        ...     print(sess.run(loss).round(4))
        [0.1269 0.6931]
    """
    if axis is not None and dim == -1:
        dim = None
    return _xent(labels, logits, axis, dim, name, "softmax_cross_entropy_with_logits_sg", True,
                 _sentinel)


def _sparse_xent_shape(inputs, attrs):
    logits, labels = inputs
    _check_float(logits, "features")
    if labels.dtype not in (dtypes.int32, dtypes.int64):
        raise TypeError(f"Value passed to parameter 'labels' has DataType {labels.dtype.name} "
                        "not in list of allowed values: int32, int64")
    ls, ys = logits.shape, labels.shape
    if ls.ndims == 0:
        raise ValueError("Logits cannot be scalars")
    if ls.ndims is not None and ys.ndims is not None:
        if ys.ndims != ls.ndims - 1:
            raise ValueError(f"Rank mismatch: Rank of labels (received {ys.ndims}) should "
                             f"equal rank of logits minus 1 (received {ls.ndims}).")
        if not ys.is_compatible_with(ls[:-1]):
            raise ValueError(f"Shape mismatch: The shape of labels (received {ys}) should "
                             f"equal the shape of logits except for the last dimension "
                             f"(received {ls}).")
        loss = ys.merge_with(ls[:-1])
        ls = loss.concatenate(ls[-1:])
    else:
        loss = ys if ls.ndims is None else ls[:-1]
    return [(logits.dtype, loss), (logits.dtype, ls)]


def _sparse_xent_grad(op, g_loss, g_backprop):
    logits = op.inputs[0]
    axis = -1 if logits.shape.ndims is None else logits.shape.ndims - 1
    g_logits = _keep_axis(g_loss, logits, axis) * op.outputs[1]
    if not _is_zeros(g_backprop):     # backprop = softmax(logits) - one_hot(labels)
        g_logits = g_logits + _softmax_jvp(g_backprop, logits, axis)
    return [g_logits, None]


register_op("SparseSoftmaxCrossEntropyWithLogits", shape=_sparse_xent_shape,
            grad=_sparse_xent_grad)


def _check_sparse_ranks(labels, logits):
    """TF's check, made before the dtype check as TF does, with the fix for one-hot labels."""
    ys, ls = labels.shape, logits.shape
    if ys.ndims is None or ls.ndims is None or ys.ndims == ls.ndims - 1:
        return
    msg = (f"`labels.shape.rank` must equal `logits.shape.rank - 1`. Received: "
           f"labels.shape={ys} of rank {ys.ndims} and logits.shape={ls} of rank {ls.ndims}")
    if ys.ndims == ls.ndims and ys.ndims and ys[-1:].is_compatible_with(ls[-1:]):
        msg += (f". The labels '{labels.name}' look one-hot (one column per class), but "
                "sparse labels are class indices, one per example. Pass "
                f"labels=tf.argmax(labels, axis={ys.ndims - 1}), or use "
                "tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits) "
                "for one-hot labels.")
    raise ValueError(msg)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None,
                                             name=None):
    """``-log_softmax(logits)[..., labels]``: cross-entropy with integer class labels
    (shape ``logits.shape[:-1]``, values in ``[0, num_classes)``).

    Example:
        >>> import flowkit as tf
        >>> loss = tf.nn.sparse_softmax_cross_entropy_with_logits(
        ...     labels=[0], logits=[[0.0, 0.0]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(loss).round(4))
        [0.6931]
    """
    if labels is None or logits is None or _sentinel is not None:
        raise ValueError("Only call `sparse_softmax_cross_entropy_with_logits` with named "
                         "arguments (labels=..., logits=..., ...)")
    with op_scope(name, "SparseSoftmaxCrossEntropyWithLogits", [labels, logits]):
        logits = convert_to_tensor(logits, name="logits")
        labels = convert_to_tensor(labels, name="labels")
        _check_sparse_ranks(labels, logits)
        return make_op("SparseSoftmaxCrossEntropyWithLogits", (logits, labels)).outputs[0]


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Per-element logistic loss ``-z log(sigmoid(x)) - (1 - z) log(1 - sigmoid(x))``.

    Computed as ``softplus(x) - x * z``, which is TF's stable
    ``max(x, 0) - x * z + log(1 + exp(-|x|))``: finite for any finite logits.

    Example:
        >>> import flowkit as tf
        >>> loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0, 0.0],
        ...                                                 logits=[1000.0, 1000.0])
        >>> with tf.Session() as sess:
        ...     print(sess.run(loss))
        [   0. 1000.]
    """
    if labels is None or logits is None:
        raise ValueError("Only call `sigmoid_cross_entropy_with_logits` with named arguments "
                         "(labels=..., logits=..., ...)")
    with op_scope(name, "logistic_loss", [logits, labels]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        labels = _convert_like(labels, logits, "labels")
        if not logits.shape.is_compatible_with(labels.shape):
            raise ValueError(f"logits and labels must have the same shape ({logits.shape} vs "
                             f"{labels.shape})")
        return math_ops.subtract(softplus(logits), logits * labels, name=scope)


def weighted_cross_entropy_with_logits(targets=None, logits=None, pos_weight=None, name=None,
                                       labels=None):
    """Like :func:`sigmoid_cross_entropy_with_logits`, with the positive term weighted by
    ``pos_weight``: ``(1 - z) * x + (1 + (pos_weight - 1) * z) * softplus(-x)``, stable for
    any finite logits.

    Example:
        >>> import flowkit as tf
        >>> loss = tf.nn.weighted_cross_entropy_with_logits(
        ...     targets=[1.0, 0.0], logits=[0.0, 0.0], pos_weight=2.0)
        >>> with tf.Session() as sess:
        ...     print(sess.run(loss).round(4))
        [1.3863 0.6931]
    """
    targets = labels if targets is None else targets
    if targets is None or logits is None or pos_weight is None:
        raise ValueError("weighted_cross_entropy_with_logits needs targets (or labels), "
                         "logits and pos_weight")
    with op_scope(name, "logistic_loss", [logits, targets]) as scope:
        logits = convert_to_tensor(logits, name="logits")
        targets = _convert_like(targets, logits, "targets")
        if not logits.shape.is_compatible_with(targets.shape):
            raise ValueError(f"logits and targets must have the same shape ({logits.shape} vs "
                             f"{targets.shape})")
        log_weight = 1.0 + (pos_weight - 1.0) * targets
        return math_ops.add((1.0 - targets) * logits, log_weight * softplus(-logits),
                            name=scope)
