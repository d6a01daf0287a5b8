"""``tf.layers.BatchNormalization`` and ``tf.layers.batch_normalization``, as TF1 runs them.

While training (``training=True``, or a bool tensor that is true) the layer normalizes with
the batch's mean and (biased) variance and makes two update ops, ``moving = moving - (moving
- batch) * (1 - momentum)``, that it puts in ``tf.GraphKeys.UPDATE_OPS``: run them with the
train op (``with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS))``).
Otherwise it normalizes with ``moving_mean`` and ``moving_variance`` (non-trainable
variables). As in TF, a 4-D input normalized on its last axis takes TF's *fused* path, whose
moving variance is updated with the unbiased (Bessel-corrected) batch variance, and whose
updates run with a ``momentum`` of 1 (no change) when ``training`` is a tensor that is false.

Example:
    >>> import flowkit as tf
    >>> import flowkit.layers
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> y = tf.layers.batch_normalization(x, training=True)
    >>> for v in tf.global_variables():
    ...     print(v.name, v in tf.trainable_variables())
    batch_normalization/gamma:0 True
    batch_normalization/beta:0 True
    batch_normalization/moving_mean:0 False
    batch_normalization/moving_variance:0 False
    >>> len(tf.get_collection(tf.GraphKeys.UPDATE_OPS))
    2
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor, get_default_graph
from flowkit.init_ops import ones_initializer, zeros_initializer
from flowkit.layers.base import Layer, smart_cond, static_bool
from flowkit.ops import array_ops, math_ops, nn_ops, state_ops
from flowkit.ops.core import constant, convert_to_tensor

__all__ = ["BatchNormalization", "batch_normalization"]


def assign_moving_average(variable, value, momentum):
    """``variable -= (variable - value) * (1 - momentum)``, named ``AssignMovingAvg`` (the
    update op TF's batch norm makes). ``momentum`` is a number or a scalar tensor."""
    with get_default_graph().name_scope("AssignMovingAvg") as scope:
        if isinstance(momentum, Tensor):
            decay = math_ops.subtract(constant(1.0, momentum.dtype), momentum, name="decay")
        else:
            decay = constant(1.0 - momentum, dtype=variable.dtype, name="decay")
        if decay.dtype is not variable.dtype:
            decay = array_ops.cast(decay, variable.dtype)
        value = array_ops.cast(value, variable.dtype)
        delta = math_ops.multiply(math_ops.subtract(variable, value), decay)
        return state_ops.assign_sub(variable, delta, name=scope)


class BatchNormalization(Layer):
    """Batch normalization (Ioffe and Szegedy, 2015) over the feature axis ``axis``.

    Variables (TF1's names): ``gamma`` (if ``scale``), ``beta`` (if ``center``), and the
    non-trainable ``moving_mean`` and ``moving_variance``. Call it with ``training=`` a
    Python bool or a bool tensor (default False: use the moving statistics).

    ``renorm``, ``virtual_batch_size`` and ``adjustment`` are not supported (an error says
    so); ``fused`` is accepted and only chooses TF's fused rules (see the module docstring).

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> bn = tf.layers.BatchNormalization(center=False, scale=False)
        >>> y = bn(tf.constant([[1.0], [3.0]]), training=True)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(y).ravel().round(3))
        [-1.  1.]
    """

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer=zeros_initializer(), gamma_initializer=ones_initializer(),
                 moving_mean_initializer=zeros_initializer(),
                 moving_variance_initializer=ones_initializer(), beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 renorm=False, renorm_clipping=None, renorm_momentum=0.99, fused=None,
                 trainable=True, virtual_batch_size=None, adjustment=None, name=None,
                 **kwargs) -> None:
        super().__init__(trainable=trainable, name=name, **kwargs)
        if renorm or virtual_batch_size is not None or adjustment is not None:
            raise NotImplementedError("flowkit's batch normalization does not support renorm, "
                                      "virtual_batch_size or adjustment; leave them unset.")
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise NotImplementedError("flowkit's batch normalization normalizes over one "
                                          f"feature axis; got axis={axis!r}")
            axis = axis[0]
        self.axis = int(axis)
        self.momentum, self.epsilon = momentum, epsilon
        self.center, self.scale = center, scale
        self.beta_initializer, self.gamma_initializer = beta_initializer, gamma_initializer
        self.moving_mean_initializer = moving_mean_initializer
        self.moving_variance_initializer = moving_variance_initializer
        self.beta_regularizer, self.gamma_regularizer = beta_regularizer, gamma_regularizer
        self.beta_constraint, self.gamma_constraint = beta_constraint, gamma_constraint
        self.fused = fused
        self.gamma = self.beta = self.moving_mean = self.moving_variance = None

    def build(self, input_shape) -> None:
        ndims = input_shape.ndims
        if ndims is None:
            raise ValueError(f"Input has undefined rank (layer {self.name}).")
        axis = self.axis + ndims if self.axis < 0 else self.axis
        if not 0 <= axis < ndims:
            raise ValueError(f"Invalid axis: {self.axis} for an input of rank {ndims} "
                             f"(layer {self.name}).")
        dim = input_shape.as_list()[axis]
        if dim is None:
            raise ValueError(f"Input has undefined `axis` dimension. Received input with shape "
                             f"{input_shape} and axis={self.axis} (layer {self.name}).")
        self.axis = axis
        self.fused = self.fused in (None, True) and ndims == 4 and axis in (1, 3)
        shape = [int(dim)]
        if self._dtype is None or not self._dtype.is_floating:
            self._dtype = dtypes.float32
        if self.scale:
            self.gamma = self.add_weight("gamma", shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint, trainable=True)
        if self.center:
            self.beta = self.add_weight("beta", shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint, trainable=True)
        self.moving_mean = self.add_weight("moving_mean", shape,
                                           initializer=self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               initializer=self.moving_variance_initializer,
                                               trainable=False)
        self.built = True

    def call(self, inputs, training=False):
        ndims = inputs.shape.ndims
        training_value = static_bool(training)
        reduction_axes = [i for i in range(ndims) if i != self.axis]
        bshape = [1] * ndims
        bshape[self.axis] = int(inputs.shape.as_list()[self.axis])

        def broadcast(v):
            if v is None or self.axis == ndims - 1:
                return v
            return array_ops.reshape(v, bshape)

        if training_value is False:
            mean, variance = self.moving_mean, self.moving_variance
        else:
            batch_mean, batch_var = nn_ops.moments(inputs, reduction_axes)
            update_var = batch_var
            if self.fused:  # TF's fused kernel returns the unbiased variance
                update_var = math_ops.multiply(batch_var, self._bessel_factor(inputs, batch_var))
            mean, variance, new_var = smart_cond(
                training, lambda: (batch_mean, batch_var, update_var),
                lambda: (convert_to_tensor(self.moving_mean),
                         convert_to_tensor(self.moving_variance),
                         convert_to_tensor(self.moving_variance)))
            if self.fused:
                momentum = self.momentum
                if training_value is None:
                    momentum = smart_cond(training, lambda: constant(float(self.momentum)),
                                          lambda: constant(1.0))
                self.add_update(assign_moving_average(self.moving_mean, mean, momentum))
                self.add_update(assign_moving_average(self.moving_variance, new_var,
                                                      momentum))
            else:
                self.add_update(smart_cond(
                    training,
                    lambda: assign_moving_average(self.moving_mean, mean, self.momentum),
                    lambda: convert_to_tensor(self.moving_mean)))
                self.add_update(smart_cond(
                    training,
                    lambda: assign_moving_average(self.moving_variance, new_var,
                                                  self.momentum),
                    lambda: convert_to_tensor(self.moving_variance)))
        return nn_ops.batch_normalization(inputs, broadcast(mean), broadcast(variance),
                                          broadcast(self.beta), broadcast(self.gamma),
                                          self.epsilon)

    def _bessel_factor(self, inputs, variance):
        """``n / (n - 1)``, ``n`` the number of values per feature."""
        dims = inputs.shape.as_list()
        per_feature = [d for i, d in enumerate(dims) if i != self.axis]
        if all(d is not None for d in dims):
            n = 1
            for d in per_feature:
                n *= d
            return constant(n / max(n - 1.0, 1.0), dtype=variance.dtype)
        n = math_ops.divide(array_ops.cast(array_ops.size(inputs), variance.dtype),
                            array_ops.cast(array_ops.size(variance), variance.dtype))
        return n / math_ops.maximum(n - 1.0, 1.0)


def batch_normalization(inputs, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                        beta_initializer=zeros_initializer(),
                        gamma_initializer=ones_initializer(),
                        moving_mean_initializer=zeros_initializer(),
                        moving_variance_initializer=ones_initializer(), beta_regularizer=None,
                        gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                        training=False, trainable=True, name=None, reuse=None, renorm=False,
                        renorm_clipping=None, renorm_momentum=0.99, fused=None,
                        virtual_batch_size=None, adjustment=None):
    """``tf.layers.batch_normalization``: a :class:`BatchNormalization` applied to
    ``inputs``. Its update ops go to ``tf.GraphKeys.UPDATE_OPS``: make the train op depend
    on them, as in TF1.

    Example:
        >>> import flowkit as tf
        >>> import flowkit.layers
        >>> x = tf.placeholder(tf.float32, [None, 2])
        >>> is_training = tf.placeholder(tf.bool, [])
        >>> y = tf.layers.batch_normalization(x, training=is_training)
        >>> loss = tf.reduce_sum(y)
        >>> with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):
        ...     train = tf.train.GradientDescentOptimizer(0.1).minimize(loss)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     _ = sess.run(train, {x: [[1.0, 2.0], [3.0, 6.0]], is_training: True})
        ...     print(sess.run(tf.global_variables()[2]))      # moving_mean
        [0.02 0.04]
    """
    layer = BatchNormalization(
        axis=axis, momentum=momentum, epsilon=epsilon, center=center, scale=scale,
        beta_initializer=beta_initializer, gamma_initializer=gamma_initializer,
        moving_mean_initializer=moving_mean_initializer,
        moving_variance_initializer=moving_variance_initializer,
        beta_regularizer=beta_regularizer, gamma_regularizer=gamma_regularizer,
        beta_constraint=beta_constraint, gamma_constraint=gamma_constraint, renorm=renorm,
        renorm_clipping=renorm_clipping, renorm_momentum=renorm_momentum, fused=fused,
        trainable=trainable, virtual_batch_size=virtual_batch_size, adjustment=adjustment,
        name=name, _reuse=reuse, _scope=name)
    return layer.apply(inputs, training=training)
