"""Variables: graph nodes whose values live in each session.

``tf.Variable(initial_value)`` adds four ops, named as TF1 names them: the initial value
(``v/initial_value``), the variable node (``v``), its initializer (``v/Assign``) and its read
(``v/read``). Using a variable in an op uses ``v/read:0``; fetching it gives its value.
As in TF1, an initial value that reads other variables (``tf.Variable(w * 2)``) reads them
through ``initialized_value()`` in the initializer, so initializers may run in any order.

Example:
    >>> import flowkit as tf
    >>> W = tf.Variable(tf.random_uniform([2, 3]), name="W")
    >>> W.name, W.shape.as_list(), W.initializer.name, W.value().name
    ('W:0', [2, 3], 'W/Assign', 'W/read:0')
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     print(sess.run(W).shape)
    (2, 3)
"""
from __future__ import annotations

import numpy as np

from flowkit.framework import dtypes, session_stack
from flowkit.framework.graph import (GraphKeys, Tensor, get_default_graph)
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops, control_flow_ops, scatter_ops, state_ops
from flowkit.ops.core import convert_to_tensor, make_tensor


def _initial_tensor(value, dtype, name):
    """The initial value as a tensor (a Python/NumPy value becomes ``initial_value``)."""
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        t = value if isinstance(value, Tensor) else value._as_tensor()
        if dtype is not None and dtypes.as_dtype(dtype) is not t.dtype:
            raise ValueError(f"Variable {name or 'Variable'}: the initial value has dtype "
                             f"{t.dtype.name} but dtype={dtypes.as_dtype(dtype).name} was "
                             "asked for. Cast it with tf.cast, or leave dtype out.")
        return t
    return convert_to_tensor(value, dtype=dtype, name="initial_value")


# Ops whose inputs the guard below never rewrites: they are guards already, take a
# variable by reference, or belong to control-flow constructs that are not copied.
_GUARD_STOPS = ("IsVariableInitialized", "Switch", "Merge", "Enter", "Exit", "NextIteration",
                "LoopCond", "Placeholder", "Const")


def _guard_uninitialized_dependencies(value: Tensor, var_name: str) -> Tensor:
    """TF1's rule for an initial value that reads other variables (``tf.Variable(w * 2)``):
    the initializer reads each of them through ``initialized_value()``, so initializers may
    run in any order (and ``w2.initializer`` alone works, taking ``w``'s initial value).

    The ops between those reads and ``value`` are copied (named ``<op>_<var_name>``) with
    the guarded reads as inputs; ``value`` itself is left as it is. Without such reads,
    ``value`` is returned unchanged.
    """
    graph = value.graph
    variables = {}
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES):
        for v in graph.get_collection(key):
            if isinstance(v, Variable):
                variables[v.op] = v
    if not variables or not _reads_any(value, variables):
        return value
    cache = {}

    def safe_op(op):
        if op in cache:
            return cache[op]
        if op.type == "VariableV2":
            v = variables.get(op)
            result = op if v is None else v.initialized_value().op
        elif op.type in _GUARD_STOPS or op.op_def.writes_ref or not op.inputs:
            result = op
        else:
            inputs = [safe_tensor(t) for t in op.inputs]
            if all(a is b for a, b in zip(inputs, op.inputs)):
                result = op
            else:
                with graph.name_scope(None):
                    result = graph.create_op(op.type, inputs, dict(op.attrs),
                                             name=f"{op.name}_{var_name}")
        cache[op] = result
        return result

    def safe_tensor(t):
        op = safe_op(t.op)
        return t if op is t.op else op.outputs[t.value_index]

    return safe_tensor(value)


def _reads_any(value: Tensor, variable_ops) -> bool:
    """Whether ``value`` depends on one of ``variable_ops`` (an iterative walk)."""
    seen, stack = set(), [value.op]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op in variable_ops:
            return True
        if op.type not in _GUARD_STOPS and not op.op_def.writes_ref:
            stack.extend(t.op for t in op.inputs)
    return False


class Variable:
    """A TF1 variable. Its value is kept by each session that initializes it.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([1.0, 2.0], name="v")
        >>> print(v.name, v.dtype, v.shape, v.trainable)
        v:0 <dtype: 'float32'> (2,) True
        >>> update = v.assign_add([10.0, 10.0])
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(update))
        ...     print(sess.run(v))
        [11. 12.]
        [11. 12.]
    """

    # Make ``ndarray * variable`` call Variable.__rmul__ instead of NumPy broadcasting over it.
    __array_priority__ = 100

    def __init__(self, initial_value=None, trainable=None, collections=None,
                 validate_shape=True, caching_device=None, name=None, variable_def=None,
                 dtype=None, expected_shape=None, import_scope=None, constraint=None,
                 use_resource=None, synchronization=None, aggregation=None, shape=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        trainable = True if trainable is None else bool(trainable)
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        collections = list(collections)
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections.append(GraphKeys.TRAINABLE_VARIABLES)
        init_fn = initial_value if callable(initial_value) else None
        graph = get_default_graph()
        self._graph = graph
        self.constraint = constraint
        # As TF1's init_scope: a variable's ops never inherit control dependencies (running
        # its initializer must not run, say, the update ops of a surrounding training step).
        with graph.control_dependencies(None), graph.name_scope(name or "Variable") as scope:
            if init_fn is not None:
                with graph.name_scope("Initializer"):
                    value = _initial_tensor(init_fn(), dtype, name)
            else:
                value = _initial_tensor(initial_value, dtype, name)
            var_shape = value.shape if shape is None else TensorShape(shape)
            if validate_shape and not var_shape.is_fully_defined():
                raise ValueError(f"initial_value must have a shape specified: {value}")
            self._variable = make_tensor("VariableV2", (),
                                         {"shape": var_shape, "dtype": value.dtype}, scope)
            self._initial_value = value
            self._safe_initial_value = _guard_uninitialized_dependencies(value, scope[:-1])
            self._initializer_op = state_ops.assign(self._variable, self._safe_initial_value,
                                                    validate_shape=validate_shape,
                                                    name="Assign").op
            self._snapshot = array_ops.identity(self._variable, name="read")
        self._trainable = trainable
        self._save_slice_info = None
        graph.add_to_collections(collections, self)

    # -- identity ------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self._variable.name

    @property
    def op(self):
        return self._variable.op

    @property
    def graph(self):
        return self._graph

    @property
    def dtype(self):
        return self._variable.dtype

    @property
    def shape(self) -> TensorShape:
        return self._variable.shape

    def get_shape(self) -> TensorShape:
        return self.shape

    @property
    def device(self) -> str:
        return self._variable.op.device

    @property
    def trainable(self) -> bool:
        return self._trainable

    @property
    def initializer(self):
        """The op that assigns the initial value (``v/Assign``)."""
        return self._initializer_op

    @property
    def initial_value(self) -> Tensor:
        return self._initial_value

    # -- conversion ----------------------------------------------------------------------------
    def _as_tensor(self) -> Tensor:
        # As TF's resource variables: a use under tf.control_dependencies reads the variable
        # afresh, after those control inputs (a new ``v/read_N`` op carrying them), rather
        # than the shared ``v/read`` that may run before them.
        graph = self._graph
        if graph._control_stack and graph._current_control_inputs():
            with graph.name_scope(self._variable.op.name + "/"):
                return array_ops.identity(self._variable, name="read")
        return self._snapshot

    def _as_graph_element(self) -> Tensor:
        return self._variable

    def _as_feed_tensor(self) -> Tensor:
        return self._variable

    def value(self) -> Tensor:
        """The tensor that reads the variable (``v/read:0``; under
        ``tf.control_dependencies``, a new read that runs after them)."""
        return self._as_tensor()

    def read_value(self) -> Tensor:
        """A new read of the variable (an ``Identity`` op)."""
        return array_ops.identity(self._variable, name="read")

    def initialized_value(self) -> Tensor:
        """The variable's value, initializing it first if needed (for initial values that
        depend on another variable)."""
        return control_flow_ops.cond(is_variable_initialized(self), self.read_value,
                                     lambda: self._safe_initial_value)

    # -- updates -------------------------------------------------------------------------------
    def assign(self, value, use_locking=False, name=None, read_value=True):
        """Writes ``value``; returns the new value (the op itself if ``read_value=False``)."""
        t = state_ops.assign(self._variable, value, name=name)
        return t if read_value else t.op

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        """Adds ``delta``; returns the new value (the op itself if ``read_value=False``)."""
        t = state_ops.assign_add(self._variable, delta, name=name)
        return t if read_value else t.op

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        """Subtracts ``delta``; returns the new value (the op if ``read_value=False``)."""
        t = state_ops.assign_sub(self._variable, delta, name=name)
        return t if read_value else t.op

    # -- sparse updates: TF1's RefVariable methods (``sparse_delta`` has ``indices`` and
    # ``values``, as tf.IndexedSlices) ----------------------------------------------------------
    def _scatter(self, fn, sparse_delta, use_locking, name):
        if not (hasattr(sparse_delta, "indices") and hasattr(sparse_delta, "values")):
            raise TypeError(f"sparse_delta is not IndexedSlices (it needs .indices and "
                            f".values): {sparse_delta!r}")
        return fn(self._variable, sparse_delta.indices, sparse_delta.values,
                  use_locking=use_locking, name=name)

    def scatter_update(self, sparse_delta, use_locking=False, name=None):
        """Writes ``sparse_delta.values`` at rows ``sparse_delta.indices``; the new value."""
        return self._scatter(scatter_ops.scatter_update, sparse_delta, use_locking, name)

    def scatter_add(self, sparse_delta, use_locking=False, name=None):
        """Adds ``sparse_delta.values`` at rows ``sparse_delta.indices``; the new value."""
        return self._scatter(scatter_ops.scatter_add, sparse_delta, use_locking, name)

    def scatter_sub(self, sparse_delta, use_locking=False, name=None):
        """Subtracts ``sparse_delta.values`` at rows ``sparse_delta.indices``."""
        return self._scatter(scatter_ops.scatter_sub, sparse_delta, use_locking, name)

    def scatter_mul(self, sparse_delta, use_locking=False, name=None):
        """Multiplies rows ``sparse_delta.indices`` by ``sparse_delta.values``."""
        return self._scatter(scatter_ops.scatter_mul, sparse_delta, use_locking, name)

    def scatter_div(self, sparse_delta, use_locking=False, name=None):
        """Divides rows ``sparse_delta.indices`` by ``sparse_delta.values``."""
        return self._scatter(scatter_ops.scatter_div, sparse_delta, use_locking, name)

    def scatter_min(self, sparse_delta, use_locking=False, name=None):
        """The smaller of rows ``sparse_delta.indices`` and ``sparse_delta.values``."""
        return self._scatter(scatter_ops.scatter_min, sparse_delta, use_locking, name)

    def scatter_max(self, sparse_delta, use_locking=False, name=None):
        """The larger of rows ``sparse_delta.indices`` and ``sparse_delta.values``."""
        return self._scatter(scatter_ops.scatter_max, sparse_delta, use_locking, name)

    def batch_scatter_update(self, sparse_delta, use_locking=False, name=None):
        """``tf.batch_scatter_update`` of ``sparse_delta``; the new value."""
        return self._scatter(scatter_ops.batch_scatter_update, sparse_delta, use_locking,
                             name)

    def scatter_nd_update(self, indices, updates, name=None):
        """``tf.scatter_nd_update`` of this variable; the new value."""
        return scatter_ops.scatter_nd_update(self._variable, indices, updates, name=name)

    def scatter_nd_add(self, indices, updates, name=None):
        """``tf.scatter_nd_add`` of this variable; the new value."""
        return scatter_ops.scatter_nd_add(self._variable, indices, updates, name=name)

    def scatter_nd_sub(self, indices, updates, name=None):
        """``tf.scatter_nd_sub`` of this variable; the new value."""
        return scatter_ops.scatter_nd_sub(self._variable, indices, updates, name=name)

    def load(self, value, session=None) -> None:
        """Writes ``value`` into the variable in ``session`` without adding ops."""
        sess = session_stack.session_for(session, self._graph, "Variable.load()")
        value = np.asarray(value, dtype=self.dtype.as_numpy_dtype)
        if not self.shape.is_compatible_with(value.shape):
            raise ValueError(f"Cannot load a value of shape {value.shape} into variable "
                             f"{self.name} of shape {self.shape}")
        sess._set_variable(self._variable.op, value)

    def eval(self, session=None):
        return self._variable.eval(session=session)

    def set_shape(self, shape) -> None:
        self._variable.set_shape(shape)

    def __repr__(self) -> str:
        return (f"<tf.Variable '{self.op.name}:0' shape={self.shape} "
                f"dtype={self.dtype.name}_ref>")

    __hash__ = object.__hash__

    def __bool__(self):
        return self._snapshot.__bool__()

    def __iter__(self):
        return self._snapshot.__iter__()


def _install_operators():
    """Variables take part in arithmetic like their read tensor (``W * 2``, ``x @ W``...)."""
    names = ["__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
             "__truediv__", "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__",
             "__rmod__", "__pow__", "__rpow__", "__matmul__", "__rmatmul__", "__neg__",
             "__abs__", "__lt__", "__le__", "__gt__", "__ge__", "__getitem__", "__and__",
             "__rand__", "__or__", "__ror__", "__xor__", "__invert__"]
    for n in names:
        def method(self, *args, _n=n):
            return getattr(self._as_tensor(), _n)(*args)
        method.__name__ = n
        setattr(Variable, n, method)


_install_operators()


# --------------------------------------------------------------------------------------------
def global_variables(scope=None) -> list:
    """The variables in ``tf.GraphKeys.GLOBAL_VARIABLES`` (the ones a ``Saver`` saves);
    with ``scope``, only those whose name starts with it. ``tf.all_variables`` is the old name.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable(1.0, name="w")
        >>> step = tf.Variable(0, name="step", trainable=False)
        >>> print([v.name for v in tf.global_variables()])
        ['w:0', 'step:0']
        >>> print([v.name for v in tf.all_variables()])
        ['w:0', 'step:0']
    """
    return get_default_graph().get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def trainable_variables(scope=None) -> list:
    """The variables in ``tf.GraphKeys.TRAINABLE_VARIABLES`` (what optimizers update by
    default); with ``scope``, only those whose name starts with it.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable(1.0, name="w")
        >>> step = tf.Variable(0, name="step", trainable=False)
        >>> print([v.name for v in tf.trainable_variables()])
        ['w:0']
    """
    return get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def local_variables(scope=None) -> list:
    """The variables in ``tf.GraphKeys.LOCAL_VARIABLES`` (not saved by a ``Saver``); with
    ``scope``, only those whose name starts with it.

    Example:
        >>> import flowkit as tf
        >>> count = tf.get_local_variable("count", shape=[], initializer=tf.zeros_initializer())
        >>> print([v.name for v in tf.local_variables()], tf.global_variables())
        ['count:0'] []
    """
    return get_default_graph().get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def model_variables(scope=None) -> list:
    """The variables in ``tf.GraphKeys.MODEL_VARIABLES``; with ``scope``, only those whose name
    starts with it.

    Example:
        >>> import flowkit as tf
        >>> keys = [tf.GraphKeys.GLOBAL_VARIABLES, tf.GraphKeys.MODEL_VARIABLES]
        >>> w = tf.Variable(1.0, name="w", collections=keys)
        >>> print([v.name for v in tf.model_variables()])
        ['w:0']
    """
    return get_default_graph().get_collection(GraphKeys.MODEL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """An op that runs the initializers of ``var_list``.

    Example:
        >>> import flowkit as tf
        >>> a = tf.Variable(1.0, name="a")
        >>> b = tf.Variable(2.0, name="b")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.variables_initializer([a]))
        ...     print(sess.run(a), sess.run(tf.report_uninitialized_variables()))
        1.0 [b'b']
    """
    if not var_list:
        return control_flow_ops.no_op(name=name)
    return control_flow_ops.group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    """An op (named ``init``) that initializes every global variable that exists now.

    Variables created after this call (an optimizer's slots, say) are not covered: create the
    initializer after building the whole model.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable([1.0, 2.0], name="w")
        >>> init = tf.global_variables_initializer()
        >>> print(init.name, init.type)
        init NoOp
        >>> with tf.Session() as sess:
        ...     sess.run(init)
        ...     print(sess.run(w))
        [1. 2.]
    """
    return variables_initializer(global_variables(), name="init")


def initialize_all_variables():
    """The old name of :func:`global_variables_initializer` (deprecated in TF1, still works).

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable(3.0)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.initialize_all_variables())
        ...     print(sess.run(w))
        3.0
    """
    return global_variables_initializer()


def local_variables_initializer():
    """An op (named ``init``) that initializes every local variable that exists now.
    ``tf.initialize_local_variables`` is the old name.

    Example:
        >>> import flowkit as tf
        >>> count = tf.get_local_variable("count", shape=[], initializer=tf.ones_initializer())
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print(sess.run(count))
        1.0
    """
    return variables_initializer(local_variables(), name="init")


initialize_local_variables = local_variables_initializer


def is_variable_initialized(variable):
    """A boolean scalar tensor: whether ``variable`` has a value in the session that runs it.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable(1.0)
        >>> check = tf.is_variable_initialized(v)
        >>> with tf.Session() as sess:
        ...     print(sess.run(check))
        ...     sess.run(v.initializer)
        ...     print(sess.run(check))
        False
        True
    """
    return state_ops.is_variable_initialized(variable)


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A 1-D string tensor naming the variables in ``var_list`` (default: all global and local
    variables) that have no value in the session that runs it.

    Example:
        >>> import flowkit as tf
        >>> a = tf.Variable(1.0, name="a")
        >>> b = tf.Variable(2.0, name="b")
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.report_uninitialized_variables()))
        ...     sess.run(a.initializer)
        ...     print(sess.run(tf.report_uninitialized_variables()))
        [b'a' b'b']
        [b'b']
    """
    if var_list is None:
        var_list = global_variables() + local_variables()
    return make_tensor("ReportUninitializedVariables", (),
                       {"var_ops": [v.op for v in var_list]}, name)
