"""``tf.train.ExponentialMovingAverage`` and ``assign_moving_average``: shadow variables that
follow a moving average of variables or tensors, as TF1 computes them::

    shadow -= (1 - decay) * (shadow - value)          # shadow = decay * shadow + (1-decay) * value

With ``num_updates`` the decay is ``min(decay, (1 + num_updates) / (10 + num_updates))``. The
shadow of a variable ``w`` is the non-trainable variable ``w/ExponentialMovingAverage``,
starting at ``w``'s initial value; a tensor's shadow starts at zero and, with
``zero_debias=True``, is corrected for that start (TF1's rule: only tensors are debiased).

Example:
    >>> import flowkit as tf
    >>> w = tf.Variable(0.0, name="w")
    >>> ema = tf.train.ExponentialMovingAverage(decay=0.5)
    >>> step = tf.assign(w, 4.0)
    >>> with tf.control_dependencies([step]):
    ...     update = ema.apply([w])
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     sess.run(update)
    ...     print(ema.average_name(w), sess.run(ema.average(w)))
    w/ExponentialMovingAverage 2.0
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import GraphKeys, Tensor, get_default_graph, name_scope
from flowkit.ops import array_ops, control_flow_ops, math_ops, state_ops
from flowkit.ops.core import convert_to_tensor
from flowkit.variable_scope import get_variable, get_variable_scope, variable_scope
from flowkit.variables import Variable, global_variables, trainable_variables

__all__ = ["ExponentialMovingAverage", "assign_moving_average"]

_FLOATS = (dtypes.float16, dtypes.bfloat16, dtypes.float32, dtypes.float64) \
    if hasattr(dtypes, "bfloat16") else (dtypes.float16, dtypes.float32, dtypes.float64)


def _op_name(x) -> str:
    return x.op.name


def _unique_in_scope(name) -> str:
    """TF1's ``_maybe_get_unique``: ``name``, or ``name_1``... when the current variable
    scope already has a global variable of that name (and does not reuse)."""
    scope = get_variable_scope()
    if scope.reuse:
        return name
    taken = {v.op.name for v in global_variables()}
    full = f"{scope.name}/{name}" if scope.name else name
    if full not in taken:
        return name
    i = 1
    while f"{full}_{i}" in taken:
        i += 1
    return f"{name}_{i}"


def _zero_debias(unbiased_var, value, one_minus_decay):
    """The debiased update of ``unbiased_var``: a biased average and a step counter, kept in
    ``<var>/biased`` and ``<var>/local_step``, and ``var = biased / (1 - decay ** step)``."""
    with variable_scope(_op_name(unbiased_var), values=[unbiased_var, value]):
        biased = get_variable(_unique_in_scope("biased"), shape=unbiased_var.shape,
                              dtype=unbiased_var.dtype,
                              initializer=_zeros_initializer(unbiased_var.dtype),
                              trainable=False)
        local_step = get_variable(_unique_in_scope("local_step"), shape=[],
                                  dtype=unbiased_var.dtype,
                                  initializer=_zeros_initializer(unbiased_var.dtype),
                                  trainable=False)
    update_biased = state_ops.assign_sub(biased, (biased - value) * one_minus_decay)
    update_local_step = state_ops.assign_add(local_step, convert_to_tensor(
        1, dtype=unbiased_var.dtype))
    bias_factor = 1 - math_ops.pow(1.0 - one_minus_decay, update_local_step)
    return state_ops.assign(unbiased_var, update_biased / bias_factor)


def _zeros_initializer(dtype):
    def init(shape, dtype=dtype, partition_info=None):
        return array_ops.zeros(shape, dtype=dtype)
    return init


def assign_moving_average(variable, value, decay, zero_debias=True, name=None):
    """TF1's ``tf.train.assign_moving_average``: the op (its tensor) that sets ``variable``
    to ``variable - (variable - value) * (1 - decay)``; with ``zero_debias``, the debiased
    average of ``value`` (see the module docstring).

    Example:
        >>> from flowkit.train.moving_averages import assign_moving_average
        >>> import flowkit as tf
        >>> v = tf.Variable(0.0, name="v")
        >>> update = assign_moving_average(v, 10.0, decay=0.75, zero_debias=False)
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(update))
        2.5
    """
    with name_scope(name, "AssignMovingAvg", [variable, value, decay]):
        if isinstance(decay, Tensor):
            one_minus = 1.0 - decay
        else:
            one_minus = convert_to_tensor(1.0 - decay, name="decay")
        if one_minus.dtype is not variable.dtype:
            one_minus = math_ops.cast(one_minus, variable.dtype)
        value = convert_to_tensor(value, dtype=variable.dtype)
        if zero_debias:
            return _zero_debias(variable, value, one_minus)
        return state_ops.assign_sub(variable, (variable - value) * one_minus)


def _is_variable(v) -> bool:
    return isinstance(v, Variable)


class ExponentialMovingAverage:
    """TF1's ``tf.train.ExponentialMovingAverage(decay, num_updates=None, zero_debias=False,
    name="ExponentialMovingAverage")``.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable(10.0, name="w")
        >>> ema = tf.train.ExponentialMovingAverage(decay=0.9)
        >>> with tf.control_dependencies([tf.assign(w, 0.0)]):
        ...     update = ema.apply([w])
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for _ in range(2):
        ...         sess.run(update)
        ...     print(round(float(sess.run(ema.average(w))), 4))
        8.1
        >>> sorted(ema.variables_to_restore())
        ['w/ExponentialMovingAverage']
    """

    def __init__(self, decay, num_updates=None, zero_debias=False,
                 name="ExponentialMovingAverage") -> None:
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages = {}

    @property
    def name(self) -> str:
        return self._name

    def apply(self, var_list=None):
        """Makes (once) the shadow of each variable or tensor in ``var_list`` (default: the
        trainable variables) and returns an op that updates all of them. Run it after the
        training step (``tf.control_dependencies([train_op])``)."""
        if var_list is None:
            var_list = trainable_variables()
        var_list = list(var_list)
        debiased = set()
        for var in var_list:
            if var.dtype not in _FLOATS:
                raise TypeError(f"The variables must be half, float, or double: {var.name}")
            if var in self._averages:
                continue
            if _is_variable(var):
                avg = Variable(var.initialized_value, name=f"{_op_name(var)}/{self._name}",
                               trainable=False, dtype=var.dtype,
                               validate_shape=var.shape.is_fully_defined())
                get_default_graph().add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, var)
            else:
                shape = var.shape
                if not shape.is_fully_defined():
                    raise ValueError(f"The moving average of tensor '{var.name}' needs a fully "
                                     f"defined shape, got {shape}.")
                avg = Variable(lambda s=shape.as_list(), d=var.dtype: array_ops.zeros(s, d),
                               name=f"{_op_name(var)}/{self._name}", trainable=False,
                               dtype=var.dtype)
                if self._zero_debias:
                    debiased.add(avg)
            self._averages[var] = avg

        with name_scope(self._name) as scope:
            decay = convert_to_tensor(self._decay, dtype=dtypes.float32, name="decay")
            if self._num_updates is not None:
                num_updates = math_ops.cast(self._num_updates, dtypes.float32,
                                            name="num_updates")
                decay = math_ops.minimum(decay, (1.0 + num_updates) / (10.0 + num_updates))
            updates = [assign_moving_average(self._averages[v], v, decay,
                                             zero_debias=self._averages[v] in debiased)
                       for v in var_list]
            return control_flow_ops.group(*updates, name=scope.rstrip("/"))

    def average(self, var):
        """The shadow variable of ``var`` (``None`` if :meth:`apply` was not given it)."""
        return self._averages.get(var)

    def average_name(self, var) -> str:
        """The name of ``var``'s shadow variable: the name its checkpoint entry has, also
        before :meth:`apply` made it."""
        if var in self._averages:
            return _op_name(self._averages[var])
        return f"{_op_name(var)}/{self._name}"

    def variables_to_restore(self, moving_avg_variables=None) -> dict:
        """``{name in the checkpoint: variable}`` that restores each moving-averaged variable
        from its shadow, and every other global variable from itself: pass it to
        ``tf.train.Saver`` to evaluate a model with the averaged weights."""
        if moving_avg_variables is None:
            moving_avg_variables = trainable_variables() + get_default_graph().get_collection(
                GraphKeys.MOVING_AVERAGE_VARIABLES)
        averaged = list(dict.fromkeys(moving_avg_variables))
        name_map = {self.average_name(v): v for v in averaged}
        names = {v.name for v in averaged}
        for v in global_variables():
            if v.name not in names and _op_name(v) not in name_map:
                name_map[_op_name(v)] = v
        return name_map
