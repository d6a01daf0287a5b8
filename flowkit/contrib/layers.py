"""``tf.contrib.layers``: the helpers TF1 learners used, with TF1's names and rules.

``fully_connected`` (ReLU by default; variables ``fully_connected/weights`` and
``fully_connected/biases``, also in ``tf.GraphKeys.MODEL_VARIABLES``), ``batch_norm``,
``flatten``, the initializers ``xavier_initializer`` and ``variance_scaling_initializer``
(contrib's own formulas), and the regularizers ``l1_regularizer``, ``l2_regularizer``,
``l1_l2_regularizer``, ``sum_regularizer`` with ``apply_regularization``.

Example:
    >>> import flowkit as tf
    >>> import flowkit.contrib
    >>> x = tf.placeholder(tf.float32, [None, 4])
    >>> h = tf.contrib.layers.fully_connected(
    ...     x, 8, weights_initializer=tf.contrib.layers.xavier_initializer(),
    ...     weights_regularizer=tf.contrib.layers.l2_regularizer(0.01))
    >>> y = tf.contrib.layers.fully_connected(h, 2, activation_fn=None)
    >>> for v in tf.global_variables():
    ...     print(v.name)
    fully_connected/weights:0
    fully_connected/biases:0
    fully_connected_1/weights:0
    fully_connected_1/biases:0
    >>> len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    1
"""
from __future__ import annotations

import math
import numbers

from flowkit.framework import dtypes
from flowkit.framework.graph import GraphKeys, get_default_graph
from flowkit.init_ops import Initializer, zeros_initializer
from flowkit.layers.core import Dense, _flatten
from flowkit.layers.normalization import BatchNormalization
from flowkit.ops import math_ops, nn_ops, random_ops
from flowkit.ops.control_flow_ops import with_dependencies
from flowkit.ops.core import constant, convert_to_tensor
from flowkit.variable_scope import variable_scope

__all__ = ["xavier_initializer", "xavier_initializer_conv2d", "variance_scaling_initializer",
           "fully_connected", "flatten", "batch_norm", "l1_regularizer", "l2_regularizer",
           "l1_l2_regularizer", "sum_regularizer", "apply_regularization"]


# --------------------------------------------------------------------------------------------
# Initializers
# --------------------------------------------------------------------------------------------
class _VarianceScaling(Initializer):
    """contrib's variance scaling: uniform on ``+-sqrt(3 * factor / n)`` or a truncated
    normal of standard deviation ``sqrt(1.3 * factor / n)``."""

    def __init__(self, factor=2.0, mode="FAN_IN", uniform=False, seed=None,
                 dtype=dtypes.float32) -> None:
        dtype = dtypes.as_dtype(dtype)
        if not dtype.is_floating:
            raise TypeError("Cannot create initializer for non-floating point type.")
        if mode not in ("FAN_IN", "FAN_OUT", "FAN_AVG"):
            raise TypeError(f"Unknown mode {mode} [FAN_IN, FAN_OUT, FAN_AVG]")
        self.factor, self.mode, self.uniform, self.seed = factor, mode, uniform, seed
        self.dtype = dtype

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtypes.as_dtype(dtype or self.dtype)
        if not dtype.is_floating:
            raise TypeError("Cannot create initializer for non-floating point type.")
        shape = [int(d) for d in shape]
        if shape:
            fan_in = float(shape[-2]) if len(shape) > 1 else float(shape[-1])
            fan_out = float(shape[-1])
        else:
            fan_in = fan_out = 1.0
        for dim in shape[:-2]:
            fan_in *= float(dim)
            fan_out *= float(dim)
        n = {"FAN_IN": fan_in, "FAN_OUT": fan_out, "FAN_AVG": (fan_in + fan_out) / 2.0}[
            self.mode]
        if self.uniform:
            limit = math.sqrt(3.0 * self.factor / n)
            return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)
        stddev = math.sqrt(1.3 * self.factor / n)
        return random_ops.truncated_normal(shape, 0.0, stddev, dtype, seed=self.seed)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode, "uniform": self.uniform,
                "seed": self.seed, "dtype": self.dtype.name}


def variance_scaling_initializer(factor=2.0, mode="FAN_IN", uniform=False, seed=None,
                                 dtype=dtypes.float32):
    """He et al.'s initializer by default (``factor=2.0``, ``mode='FAN_IN'``, a truncated
    normal); ``mode`` is ``'FAN_IN'``, ``'FAN_OUT'`` or ``'FAN_AVG'``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.contrib
        >>> init = tf.contrib.layers.variance_scaling_initializer(uniform=True, seed=2)
        >>> with tf.Session() as sess:
        ...     w = sess.run(init([50, 10]))
        >>> bool(abs(w).max() <= (3 * 2.0 / 50) ** 0.5)
        True
    """
    return _VarianceScaling(factor, mode, uniform, seed, dtype)


def xavier_initializer(uniform=True, seed=None, dtype=dtypes.float32):
    """Glorot and Bengio's initializer: ``uniform`` (the default) on ``+-sqrt(6 / (fan_in +
    fan_out))``, else a truncated normal with standard deviation ``sqrt(2.6 / (fan_in +
    fan_out))`` (contrib's formula).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.contrib
        >>> w = tf.get_variable("w", [20, 30],
        ...                     initializer=tf.contrib.layers.xavier_initializer(seed=1))
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(bool(abs(sess.run(w)).max() <= (6 / 50) ** 0.5))
        True
    """
    return _VarianceScaling(1.0, "FAN_AVG", uniform, seed, dtype)


xavier_initializer_conv2d = xavier_initializer


# --------------------------------------------------------------------------------------------
# Regularizers
# --------------------------------------------------------------------------------------------
def _check_scale(scale):
    if isinstance(scale, numbers.Integral) and not isinstance(scale, bool):
        raise ValueError(f"scale cannot be an integer: {scale}")
    if not isinstance(scale, numbers.Real):
        raise ValueError(f"scale must be a float, got {scale!r}")
    if scale < 0.0:
        raise ValueError(f"Setting a scale less than 0 on a regularizer: {scale}")
    return scale == 0.0


def _regularizer(kind, scale, scope, loss_fn):
    if _check_scale(scale):
        return lambda weights: None

    def regularizer(weights):
        with get_default_graph().name_scope(scope or kind) as name:
            my_scale = convert_to_tensor(scale, dtype=weights.dtype, name="scale")
            return math_ops.multiply(my_scale, loss_fn(weights), name=name)
    regularizer.__name__ = kind
    return regularizer


def l1_regularizer(scale, scope=None):
    """``weights -> scale * sum(|weights|)`` (``None`` when ``scale`` is 0).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.contrib
        >>> reg = tf.contrib.layers.l1_regularizer(0.5)
        >>> with tf.Session() as sess:
        ...     print(sess.run(reg(tf.constant([1.0, -2.0]))))
        1.5
    """
    return _regularizer("l1_regularizer", scale, scope,
                        lambda w: math_ops.reduce_sum(math_ops.abs(w)))


def l2_regularizer(scale, scope=None):
    """``weights -> scale * sum(weights ** 2) / 2`` (``scale * tf.nn.l2_loss(weights)``).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.contrib
        >>> reg = tf.contrib.layers.l2_regularizer(0.1)
        >>> with tf.Session() as sess:
        ...     print(round(float(sess.run(reg(tf.constant([1.0, -2.0])))), 6))
        0.25
    """
    return _regularizer("l2_regularizer", scale, scope, nn_ops.l2_loss)


def sum_regularizer(regularizer_list, scope=None):
    """The sum of several regularizers' penalties (``None`` if there are none)."""
    regularizer_list = [r for r in regularizer_list if r is not None]
    if not regularizer_list:
        return None

    def regularizer(weights):
        with get_default_graph().name_scope(scope or "sum_regularizer") as name:
            penalties = [p for p in (r(weights) for r in regularizer_list) if p is not None]
            return math_ops.add_n(penalties, name=name)
    return regularizer


def l1_l2_regularizer(scale_l1=1.0, scale_l2=1.0, scope=None):
    """``l1_regularizer(scale_l1) + l2_regularizer(scale_l2)``."""
    if isinstance(scale_l1, numbers.Real) and isinstance(scale_l2, numbers.Real) and \
            scale_l1 == 0.0 and scale_l2 == 0.0:
        return lambda weights: None
    return sum_regularizer([l1_regularizer(scale_l1), l2_regularizer(scale_l2)],
                           scope=scope or "l1_l2_regularizer")


def apply_regularization(regularizer, weights_list=None):
    """The sum of ``regularizer(w)`` over ``weights_list`` (default: the
    ``tf.GraphKeys.WEIGHTS`` collection), also added to
    ``tf.GraphKeys.REGULARIZATION_LOSSES``.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.contrib
        >>> w = tf.constant([3.0, 4.0])
        >>> penalty = tf.contrib.layers.apply_regularization(
        ...     tf.contrib.layers.l2_regularizer(1.0), [w])
        >>> with tf.Session() as sess:
        ...     print(sess.run(penalty))
        12.5
    """
    if not weights_list:
        weights_list = get_default_graph().get_collection(GraphKeys.WEIGHTS)
    if not weights_list:
        raise ValueError("No weights to regularize.")
    with get_default_graph().name_scope("get_regularization_penalty") as scope:
        penalties = [regularizer(w) for w in weights_list]
        penalties = [p if p is not None else constant(0.0) for p in penalties]
        for p in penalties:
            if p.shape.ndims != 0:
                raise ValueError("regularizer must return a scalar Tensor instead of a Tensor "
                                 f"with rank {p.shape.ndims}.")
        summed = math_ops.add_n(penalties, name=scope)
    get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, summed)
    return summed


# --------------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------------
def _model_variable_getter(rename=None):
    """A custom getter: TF1's contrib names (``kernel`` -> ``weights``) and collections
    (``MODEL_VARIABLES`` besides ``GLOBAL_VARIABLES``)."""
    def getter(true_getter, name, collections=None, **kwargs):
        short = name.split("/")[-1]
        if rename and short in rename:
            name = name[:len(name) - len(short)] + rename[short]
        collections = list(collections or []) + [GraphKeys.GLOBAL_VARIABLES,
                                                  GraphKeys.MODEL_VARIABLES]
        return true_getter(name, collections=collections, **kwargs)
    return getter


def _add_to_collections(variable, collections, key):
    if collections is None:
        return
    if isinstance(collections, dict):
        collections = collections.get(key)
        if collections is None:
            return
    if isinstance(collections, str):
        collections = [collections]
    graph = get_default_graph()
    for c in collections:
        if variable not in graph.get_collection(c):
            graph.add_to_collection(c, variable)


def _collect_outputs(collections, alias, outputs):
    if collections:
        if isinstance(collections, str):
            collections = [collections]
        for c in collections:
            get_default_graph().add_to_collection(c, outputs)
    return outputs


def fully_connected(inputs, num_outputs, activation_fn=nn_ops.relu, normalizer_fn=None,
                    normalizer_params=None, weights_initializer=None,
                    weights_regularizer=None, biases_initializer=zeros_initializer(),
                    biases_regularizer=None, reuse=None, variables_collections=None,
                    outputs_collections=None, trainable=True, scope=None):
    """``activation_fn(inputs @ weights + biases)``, ReLU by default.

    Variables ``<scope>/weights`` (Xavier uniform by default) and ``<scope>/biases``, the
    scope defaulting to ``fully_connected`` (``fully_connected_1``... for the next ones).
    With ``normalizer_fn`` (e.g. :func:`batch_norm`) there are no biases and the normalizer
    is applied before the activation.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.contrib
        >>> x = tf.constant([[1.0, -2.0]])
        >>> y = tf.contrib.layers.fully_connected(
        ...     x, 3, weights_initializer=tf.ones_initializer())
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(y))
        [[0. 0. 0.]]
    """
    if not isinstance(num_outputs, numbers.Integral):
        raise ValueError(f"num_outputs type should be one of int, got {type(num_outputs)}.")
    if weights_initializer is None:
        weights_initializer = xavier_initializer()
    getter = _model_variable_getter({"kernel": "weights", "bias": "biases"})
    with variable_scope(scope, default_name="fully_connected", values=[inputs], reuse=reuse,
                        custom_getter=getter) as sc:
        inputs = convert_to_tensor(inputs)
        layer = Dense(num_outputs, activation=None,
                      use_bias=not normalizer_fn and biases_initializer is not None,
                      kernel_initializer=weights_initializer,
                      bias_initializer=biases_initializer,
                      kernel_regularizer=weights_regularizer,
                      bias_regularizer=biases_regularizer, trainable=trainable,
                      name=sc.name, _scope=sc, _reuse=reuse)
        outputs = layer.apply(inputs)
        _add_to_collections(layer.kernel, variables_collections, "weights")
        if layer.bias is not None:
            _add_to_collections(layer.bias, variables_collections, "biases")
        if normalizer_fn is not None:
            outputs = normalizer_fn(outputs, **(normalizer_params or {}))
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return _collect_outputs(outputs_collections, sc.name, outputs)


def flatten(inputs, outputs_collections=None, scope=None):
    """``[batch, d1, d2, ...]`` to ``[batch, d1 * d2 * ...]`` (ops under ``Flatten/``).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.contrib
        >>> tf.contrib.layers.flatten(tf.zeros([2, 3, 4])).shape
        TensorShape([Dimension(2), Dimension(12)])
    """
    with get_default_graph().name_scope(scope or "Flatten"):
        inputs = convert_to_tensor(inputs)
        if inputs.shape.ndims is not None and inputs.shape.ndims < 2:
            raise ValueError(f"Inputs must have a least 2 dimensions, got {inputs.shape} "
                             f"({inputs.name}).")
        outputs = _flatten(inputs)
    return _collect_outputs(outputs_collections, scope, outputs)


def batch_norm(inputs, decay=0.999, center=True, scale=False, epsilon=0.001,
               activation_fn=None, param_initializers=None, param_regularizers=None,
               updates_collections=GraphKeys.UPDATE_OPS, is_training=True, reuse=None,
               variables_collections=None, outputs_collections=None, trainable=True,
               batch_weights=None, fused=None, data_format="NHWC",
               zero_debias_moving_mean=False, scope=None, renorm=False,
               renorm_clipping=None, renorm_decay=0.99, adjustment=None):
    """contrib's batch norm: the :class:`tf.layers.BatchNormalization` rules with contrib's
    defaults (``decay=0.999``, ``scale=False``: no ``gamma``) and names
    (``BatchNorm/beta``, ``BatchNorm/moving_mean``, ``BatchNorm/moving_variance``).

    ``is_training`` is a Python bool or a bool tensor. The moving-average updates go to
    ``updates_collections`` (default ``tf.GraphKeys.UPDATE_OPS``); with
    ``updates_collections=None`` they run with the output, as TF1 does.
    ``batch_weights``, ``zero_debias_moving_mean``, ``renorm`` and ``NCHW`` are not
    supported.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.contrib
        >>> y = tf.contrib.layers.batch_norm(tf.zeros([4, 3]), is_training=True)
        >>> [v.name for v in tf.model_variables()]
        ['BatchNorm/beta:0', 'BatchNorm/moving_mean:0', 'BatchNorm/moving_variance:0']
    """
    if batch_weights is not None or zero_debias_moving_mean or renorm or adjustment:
        raise NotImplementedError("flowkit's contrib batch_norm does not support "
                                  "batch_weights, zero_debias_moving_mean, renorm or "
                                  "adjustment; leave them unset.")
    if data_format not in ("NHWC", "NWC", "NC", None):
        raise ValueError(f"batch_norm: data_format={data_format!r} is not supported by flowkit"
                         " (channels-last only: 'NHWC').")
    inits = dict(param_initializers or {})
    regs = dict(param_regularizers or {})
    kwargs = {f"{k}_initializer": inits[k]
              for k in ("beta", "gamma", "moving_mean", "moving_variance") if k in inits}
    with variable_scope(scope, default_name="BatchNorm", values=[inputs], reuse=reuse,
                        custom_getter=_model_variable_getter()) as sc:
        inputs = convert_to_tensor(inputs)
        layer = BatchNormalization(axis=-1, momentum=decay, epsilon=epsilon, center=center,
                                   scale=scale, beta_regularizer=regs.get("beta"),
                                   gamma_regularizer=regs.get("gamma"), trainable=trainable,
                                   fused=fused, name=sc.name, _scope=sc, _reuse=reuse,
                                   **kwargs)
        outputs = layer.apply(inputs, training=is_training)
        for key in ("moving_mean", "moving_variance", "beta", "gamma"):
            v = getattr(layer, key)
            if v is not None:
                _add_to_collections(v, variables_collections, key)
        if updates_collections is not GraphKeys.UPDATE_OPS and layer.updates:
            ref = get_default_graph().get_collection_ref(GraphKeys.UPDATE_OPS)
            ref[:] = [u for u in ref if all(u is not w for w in layer.updates)]
            if updates_collections is None:
                outputs = with_dependencies(layer.updates, outputs)
            else:
                _collect_outputs(updates_collections, None, layer.updates[0])
                _collect_outputs(updates_collections, None, layer.updates[1])
        if activation_fn is not None:
            outputs = activation_fn(outputs)
        return _collect_outputs(outputs_collections, sc.name, outputs)
