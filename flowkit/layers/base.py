"""The ``tf.layers.Layer`` base class, and the helpers the layers share.

A layer object owns its variables. The first call builds them with ``tf.get_variable`` inside
the layer's *variable scope* (``dense``, ``dense_1``... made unique the way TF1 does, by
``variable_scope(None, default_name=...)``), so ``variable_scope`` reuse shares them, and
later calls of the same object reuse them. Regularization losses of new variables go to
``tf.GraphKeys.REGULARIZATION_LOSSES`` and the updates a call makes (batch norm's moving
averages) to ``tf.GraphKeys.UPDATE_OPS``, as in TF1.

Example:
    >>> import flowkit as tf
    >>> import flowkit.layers
    >>> x = tf.placeholder(tf.float32, [None, 4])
    >>> layer = tf.layers.Dense(3)
    >>> y1, y2 = layer(x), layer.apply(x)              # one kernel, used twice
    >>> [v.name for v in layer.variables], layer.scope_name
    (['dense/kernel:0', 'dense/bias:0'], 'dense')
"""
from __future__ import annotations

import numbers
import re
import weakref

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import GraphKeys, Tensor, get_default_graph
from flowkit.layers.input_spec import assert_input_compatibility, validate_input_spec
from flowkit.ops import control_flow_ops, math_ops, nn_ops
from flowkit.ops.core import constant_value, convert_to_tensor
from flowkit.variable_scope import get_variable, variable_scope

# Per graph: how many layers of each base name were made (``dense_1``, ``dense_2``...).
_LAYER_NAME_COUNTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _snake_case(name: str) -> str:
    """``MaxPooling2D`` -> ``max_pooling2d`` (Keras's rule)."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()


def _unique_layer_name(base: str) -> str:
    counts = _LAYER_NAME_COUNTS.setdefault(get_default_graph(), {})
    counts[base] = counts.get(base, 0) + 1
    return f"{base}_{counts[base]}"


def _add_to_collection(elements, key) -> None:
    """Appends ``elements`` to the collection ``key`` unless already there (TF1's rule)."""
    ref = get_default_graph().get_collection_ref(key)
    present = {id(e) for e in ref}
    for e in elements:
        if id(e) not in present:
            ref.append(e)
            present.add(id(e))


# --------------------------------------------------------------------------------------------
# Argument helpers
# --------------------------------------------------------------------------------------------
def normalize_tuple(value, n: int, name: str) -> tuple:
    """``3`` -> ``(3, 3)``; a list or tuple of ``n`` ints is checked and kept."""
    if isinstance(value, numbers.Integral):
        return (int(value),) * n
    try:
        values = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: "
                         f"{value!r}") from None
    if len(values) != n:
        raise ValueError(f"The `{name}` argument must be a tuple of {n} integers. Received: "
                         f"{value!r}")
    return values


def normalize_padding(padding, allowed=("valid", "same")) -> str:
    """``'same'``/``'valid'`` in any case, returned upper-case as the ops want it."""
    p = padding.lower() if isinstance(padding, str) else padding
    if p not in allowed:
        raise ValueError(f"The `padding` argument must be one of {', '.join(map(repr, allowed))}"
                         f" (any case). Received: {padding!r}")
    return p.upper()


def normalize_data_format(data_format, layer: str) -> str:
    """Only ``'channels_last'`` (NHWC) is supported: flowkit's convolutions are NHWC."""
    df = "channels_last" if data_format is None else str(data_format).lower()
    if df == "channels_first":
        raise ValueError(f"{layer}: data_format='channels_first' is not supported by flowkit "
                         "(its convolution and pooling ops are channels_last/NHWC only); use "
                         "data_format='channels_last' and transpose the input if needed.")
    if df != "channels_last":
        raise ValueError("The `data_format` argument must be one of 'channels_first', "
                         f"'channels_last'. Received: {data_format!r}")
    return df


_ACTIVATIONS = {"relu": nn_ops.relu, "relu6": nn_ops.relu6, "elu": nn_ops.elu,
                "softplus": nn_ops.softplus, "softmax": nn_ops.softmax,
                "sigmoid": math_ops.sigmoid, "tanh": math_ops.tanh, "linear": None}


def get_activation(activation):
    """A callable, ``None``, or a name such as ``'relu'`` (as Keras accepts)."""
    if activation is None or callable(activation):
        return activation
    if isinstance(activation, str) and activation in _ACTIVATIONS:
        return _ACTIVATIONS[activation]
    raise ValueError(f"Unknown activation function: {activation!r}. Pass a function such as "
                     f"tf.nn.relu, or one of {sorted(_ACTIVATIONS)}.")


def static_bool(pred):
    """``pred`` as a Python bool when it is known while building (a bool, or a constant
    tensor), else ``None``."""
    if isinstance(pred, (bool, np.bool_, numbers.Integral)):
        return bool(pred)
    if isinstance(pred, Tensor):
        value = constant_value(pred)
        return None if value is None else bool(value)
    raise TypeError(f"`training` must be a Python bool or a scalar bool tensor, got {pred!r}")


def smart_cond(pred, true_fn, false_fn, name=None):
    """``true_fn()`` or ``false_fn()`` chosen now when ``pred`` is known while building,
    else a ``tf.cond`` that chooses at run time (TF1's ``smart_cond``)."""
    value = static_bool(pred)
    if value is None:
        if pred.dtype is not dtypes.bool:
            raise TypeError(f"`training` must be a bool tensor, got a {pred.dtype.name} tensor "
                            f"({pred.name})")
        return control_flow_ops.cond(pred, true_fn, false_fn, name=name)
    return true_fn() if value else false_fn()


# --------------------------------------------------------------------------------------------
# Layer
# --------------------------------------------------------------------------------------------
class Layer:
    """Base class of the ``tf.layers`` classes: ``layer(inputs)`` (or ``layer.apply``) builds
    the variables on the first call and computes the outputs.

    Subclasses define ``build(input_shape)`` (create variables with :meth:`add_weight`) and
    ``call(inputs, ...)``.

    Args:
        trainable: whether the variables go to ``tf.GraphKeys.TRAINABLE_VARIABLES``.
        name: the layer's name, also the base of its variable scope.
        dtype: the dtype of the variables (default: the first input's dtype).
        activity_regularizer: ``fn(outputs) -> loss`` added to the regularization losses.
    """

    def __init__(self, trainable=True, name=None, dtype=None, activity_regularizer=None,
                 _scope=None, _reuse=None, **kwargs) -> None:
        kwargs.pop("autocast", None)
        kwargs.pop("input_shape", None)
        if kwargs:
            raise TypeError(f"Keyword argument not understood by {type(self).__name__}: "
                            f"{', '.join(sorted(kwargs))}")
        self.trainable = bool(trainable)
        self.built = False
        self._dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self._activity_regularizer = activity_regularizer
        self._reuse = _reuse
        self._trainable_weights, self._non_trainable_weights = [], []
        self._losses, self._updates = [], []
        base = _snake_case(type(self).__name__)
        if name:
            self._name, self._base_name = name, name
        else:
            self._name, self._base_name = _unique_layer_name(base), base
        self._scope = None
        if _scope:
            with variable_scope(_scope) as captured:
                self._scope = captured
        self._current_scope = None
        self._input_spec = None

    # -- properties ----------------------------------------------------------------------------
    name = property(lambda self: self._name)
    dtype = property(lambda self: self._dtype)
    losses = property(lambda self: list(self._losses),
                      doc="The regularization losses this layer created.")
    updates = property(lambda self: list(self._updates),
                       doc="The update ops its calls made (also in ``UPDATE_OPS``).")

    @property
    def input_spec(self):
        """``None``, a ``tf.layers.InputSpec`` or a (nested) list of them, one per input:
        every call checks its inputs against it, before building the layer."""
        return self._input_spec

    @input_spec.setter
    def input_spec(self, value):
        self._input_spec = validate_input_spec(value)

    @property
    def scope_name(self) -> str:
        if not self._scope:
            raise ValueError(f'No name available for layer scope because the layer "{self._name}"'
                             " has not been used yet. The scope name is determined the first "
                             "time the layer instance is called.")
        return self._scope.name

    @property
    def trainable_weights(self) -> list:
        return list(self._trainable_weights) if self.trainable else []

    @property
    def non_trainable_weights(self) -> list:
        if self.trainable:
            return list(self._non_trainable_weights)
        return self._trainable_weights + self._non_trainable_weights

    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def weights(self) -> list:
        """All the layer's variables: the trainable ones first."""
        return self.trainable_weights + self.non_trainable_weights

    variables = weights

    def count_params(self) -> int:
        return int(sum(np.prod(v.shape.as_list()) for v in self.weights))

    # -- scopes and variables ------------------------------------------------------------------
    def _set_scope(self, scope=None) -> None:
        if self._scope is None:
            if self._reuse:
                with variable_scope(scope if scope is not None else self._base_name) as sc:
                    self._scope = sc
            else:
                with variable_scope(scope, default_name=self._base_name) as sc:
                    self._scope = sc

    def _name_scope(self) -> str:
        return self._current_scope.original_name_scope

    def add_weight(self, name, shape, dtype=None, initializer=None, regularizer=None,
                   trainable=None, constraint=None, partitioner=None, **kwargs):
        """Creates (or, when reusing, fetches) the variable ``<layer scope>/<name>`` with
        ``tf.get_variable``; a regularizer's loss is added once, for a new variable."""
        graph = get_default_graph()
        existing = {id(v) for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES)}
        existing |= {id(v) for v in graph.get_collection(GraphKeys.LOCAL_VARIABLES)}
        dtype = dtypes.as_dtype(dtype or self._dtype or dtypes.float32)
        trainable = True if trainable is None else trainable
        self._set_scope(None)
        with variable_scope(self._scope, reuse=self.built or self._reuse,
                            auxiliary_name_scope=False) as scope:
            self._current_scope = scope
            with graph.name_scope(self._name_scope()):
                v = get_variable(name, shape, dtype=dtype, initializer=initializer,
                                 trainable=trainable and self.trainable, constraint=constraint,
                                 partitioner=partitioner, **kwargs)
                if regularizer is not None and id(v) not in existing:
                    with graph.name_scope(f"{name}/Regularizer"):
                        loss = regularizer(v)
                    if loss is not None:
                        self.add_loss(loss)
        trainable_set = {id(t) for t in graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)}
        target = (self._trainable_weights if id(v) in trainable_set
                  else self._non_trainable_weights)
        if all(w is not v for w in self._trainable_weights + self._non_trainable_weights):
            target.append(v)
        return v

    def add_loss(self, losses, inputs=None) -> None:
        """Adds loss tensors to the layer and to ``tf.GraphKeys.REGULARIZATION_LOSSES``."""
        losses = list(losses) if isinstance(losses, (list, tuple)) else [losses]
        self._losses.extend(losses)
        _add_to_collection(losses, GraphKeys.REGULARIZATION_LOSSES)

    def add_update(self, updates, inputs=None) -> None:
        updates = list(updates) if isinstance(updates, (list, tuple)) else [updates]
        self._updates.extend(updates)

    # -- calling -------------------------------------------------------------------------------
    def build(self, input_shape) -> None:
        self.built = True

    def call(self, inputs, **kwargs):
        return inputs

    def __call__(self, inputs, *args, **kwargs):
        scope = kwargs.pop("scope", None)
        if isinstance(inputs, (list, tuple)):
            first = next((t for t in inputs if isinstance(t, Tensor)), None)
            graph = first.graph if first is not None else get_default_graph()
        else:
            inputs = convert_to_tensor(inputs)
            graph = inputs.graph
        assert_input_compatibility(self.input_spec, inputs, self.name)
        with graph.as_default():
            self._set_scope(scope)
            reuse = True if self.built else self._reuse
            with variable_scope(self._scope, reuse=reuse, auxiliary_name_scope=False) as sc:
                self._current_scope = sc
                with graph.name_scope(self._name_scope()):
                    if not self.built:
                        if self._dtype is None and isinstance(inputs, Tensor):
                            self._dtype = inputs.dtype
                        self.build(inputs.shape if isinstance(inputs, Tensor)
                                   else [t.shape for t in inputs])
                        self.built = True
                    n_updates = len(self._updates)
                    outputs = self.call(inputs, *args, **kwargs)
                    if outputs is None:
                        raise ValueError(f"A layer's `call` method should return a Tensor or a "
                                         f"list of Tensors, not None (layer: {self.name}).")
                    if self._activity_regularizer is not None:
                        with graph.name_scope("ActivityRegularizer"):
                            self.add_loss(self._activity_regularizer(outputs))
            _add_to_collection(self._updates[n_updates:], GraphKeys.UPDATE_OPS)
        return outputs

    def apply(self, inputs, *args, **kwargs):
        """The same as calling the layer: ``layer.apply(x) == layer(x)``."""
        return self(inputs, *args, **kwargs)

    def __repr__(self) -> str:
        return f"<tf.layers.{type(self).__name__} '{self._name}'>"

