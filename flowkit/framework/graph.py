"""Graphs, operations and tensors: the data structure a TF1 program builds.

Nothing is computed here. An :class:`Operation` is a node; its outputs are symbolic
:class:`Tensor` objects (the edges). A :class:`Graph` owns the operations, gives them unique
names exactly as TF1 does (``Add``, ``add_1``, ``scope/MatMul``), and keeps collections,
name scopes and control dependencies.

Example:
    >>> import flowkit as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     a = tf.constant(1.0, name="a")
    ...     with tf.name_scope("layer"):
    ...         b = a + 2.0
    >>> b.name, b.op.type, [op.name for op in g.get_operations()]
    ('layer/add:0', 'Add', ['a', 'layer/add/y', 'layer/add'])
"""
from __future__ import annotations

import contextlib
import linecache
import re
import sys
import threading

from flowkit import draw
from flowkit.framework import graph_def, session_stack
from flowkit.framework import warnings as fk_warnings
from flowkit.framework.errors import format_line  # noqa: F401 (re-exported)
from flowkit.framework.registry import get_op_def
from flowkit.framework.tensor_shape import TensorShape

_VALID_OP_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")
_VALID_SCOPE_NAME = re.compile(r"^[A-Za-z0-9_.\-/>]*$")


# --------------------------------------------------------------------------------------------
# Where was this op created? The first stack frame outside flowkit and its plugins.
# --------------------------------------------------------------------------------------------
def _is_internal(module_name: str) -> bool:
    return module_name.startswith("flowkit") or module_name in ("contextlib", "functools")


def capture_user_frame():
    """Returns ``(filename, lineno, function)`` of the innermost frame in the user's code."""
    f = sys._getframe(1)
    while f is not None and _is_internal(f.f_globals.get("__name__", "")):
        f = f.f_back
    if f is None:
        return None
    return (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)


def format_site(site) -> str:
    if not site:
        return "<unknown location>"
    filename, lineno, func = site
    text = f'File "{filename}", line {lineno}, in {func}'
    line = linecache.getline(filename, lineno).strip()
    return f"{text}\n    {line}" if line else text


# --------------------------------------------------------------------------------------------
class Tensor:
    """A symbolic output of an :class:`Operation`; it holds no value until a session runs it.

    Python operators build ops: ``a + b`` is ``tf.add(a, b)`` named ``add``.

    Example:
        >>> import flowkit as tf
        >>> a = tf.constant([1.0, 2.0], name="a")
        >>> b = a * 2.0
        >>> print(b.name, b.dtype, b.shape, b.op.type)
        mul:0 <dtype: 'float32'> (2,) Mul
        >>> with tf.Session() as sess:
        ...     print(sess.run(b))
        [2. 4.]
    """

    __slots__ = ("op", "value_index", "dtype", "_shape", "_consumers", "__weakref__")
    # Make ``ndarray + tensor`` call Tensor.__radd__ instead of NumPy broadcasting over it.
    __array_priority__ = 100

    def __init__(self, op: "Operation", value_index: int, dtype, shape) -> None:
        self.op = op
        self.value_index = value_index
        self.dtype = dtype
        self._shape = _shared_shape(shape)
        self._consumers = []

    @property
    def name(self) -> str:
        return f"{self.op.name}:{self.value_index}"

    @property
    def graph(self) -> "Graph":
        return self.op.graph

    @property
    def device(self) -> str:
        return self.op.device

    @property
    def shape(self) -> TensorShape:
        return self._shape

    def get_shape(self) -> TensorShape:
        return self._shape

    def set_shape(self, shape) -> None:
        """Refines the static shape; ``ValueError`` if the new shape conflicts."""
        new = shape if isinstance(shape, TensorShape) else TensorShape(shape)
        old_dims, new_dims = self._shape.as_tuple(), new.as_tuple()
        if old_dims is not None and new_dims is not None:
            if len(old_dims) != len(new_dims):
                raise ValueError(f"Shapes must be equal rank, but are {len(old_dims)} and "
                                 f"{len(new_dims)}")
            for i, (a, b) in enumerate(zip(old_dims, new_dims)):
                if a is not None and b is not None and a != b:
                    raise ValueError(f"Dimension {i} in both shapes must be equal, but are {a} "
                                     f"and {b}. Shapes are {_shape_str(self._shape)} and "
                                     f"{_shape_str(new)}.")
        self._shape = _shared_shape(self._shape.merge_with(new))

    def consumers(self) -> list:
        """The operations that take this tensor as an input."""
        return list(self._consumers)

    def eval(self, feed_dict=None, session=None):
        """Runs the graph up to this tensor in ``session`` (default: the default session)."""
        return session_stack.session_for(session, self.graph, "Tensor.eval()").run(
            self, feed_dict)

    def _as_tensor(self):
        return self

    def __repr__(self) -> str:
        return f"<tf.Tensor '{self.name}' shape={self._shape} dtype={self.dtype.name}>"

    __str__ = lambda self: (f'Tensor("{self.name}", shape={self._shape}, '  # noqa: E731
                            f"dtype={self.dtype.name})")

    __hash__ = object.__hash__

    def __bool__(self):
        raise TypeError("Using a `tf.Tensor` as a Python `bool` is not allowed. Use "
                        "`if t is not None:` instead of `if t:` to test if a tensor is defined, "
                        "and use TensorFlow ops such as tf.cond to execute subgraphs "
                        "conditioned on the value of a tensor.")

    def __iter__(self):
        raise TypeError(f"'Tensor' object ({self.name}) is not iterable: a graph tensor has no "
                        "value yet. Use tf.unstack(t) to split it into tensors.")

    def __len__(self):
        raise TypeError(f"len is not well defined for symbolic Tensors ({self.name}). Use "
                        "t.shape[0] (static) or tf.shape(t)[0] (dynamic).")


# --------------------------------------------------------------------------------------------
class Operation:
    """A node of the graph: an op type, attributes, input tensors and output tensors.

    Example:
        >>> import flowkit as tf
        >>> c = tf.add(tf.constant(1), tf.constant(2), name="sum")
        >>> op = c.op
        >>> print(op.name, op.type, [t.name for t in op.inputs], [t.name for t in op.outputs])
        sum Add ['Const:0', 'Const_1:0'] ['sum:0']
    """

    __slots__ = ("graph", "name", "type", "inputs", "outputs", "_control_inputs", "attrs",
                 "device", "op_def", "_id", "_site", "_grad_of", "__weakref__")

    def __init__(self, graph, name, op_def, inputs, attrs, control_inputs, site) -> None:
        self.graph = graph
        self.name = name
        self.type = op_def.type
        self.op_def = op_def
        self.inputs = tuple(inputs)
        self.attrs = attrs
        # Tuples, and () when empty (most ops): fewer objects for the garbage collector to
        # walk in a large graph (docs/performance.md, W6).
        self._control_inputs = tuple(control_inputs)
        self.outputs = []
        device = graph._device_stack[-1] if graph._device_stack else ""
        if callable(device):   # a device function: op -> device string
            device = _merge_device("", device(self) or "")
        self.device = device
        self._id = 0
        self._site = site
        #: The forward op this op helps differentiate (set under tf.gradients), else None.
        self._grad_of = graph._gradient_of

    @property
    def creation_site(self) -> str:
        """Where the op was created in the user's code, formatted like a traceback line."""
        return format_site(self._site)

    @property
    def user_line(self) -> str:
        """``path/to/program.py:LINE``: the line of the user's code that created the op."""
        return format_line(self._site)

    @property
    def traceback(self):
        return [self._site] if self._site else []

    @property
    def node_def(self):
        return {"name": self.name, "op": self.type, "attr": dict(self.attrs)}

    @property
    def gradient_of(self):
        """The forward op this gradient op belongs to, or ``None``."""
        return self._grad_of

    def get_attr(self, name):
        try:
            return self.attrs[name]
        except KeyError:
            raise ValueError(f"Operation '{self.name}' has no attr named '{name}'. It has: "
                             f"{sorted(self.attrs)}.") from None

    def values(self):
        return tuple(self.outputs)

    def run(self, feed_dict=None, session=None) -> None:
        """Runs this operation in ``session`` (default: the default session)."""
        session_stack.session_for(session, self.graph, "Operation.run()").run(self, feed_dict)

    @property
    def control_inputs(self) -> list:
        """The ops that must run before this one (``tf.control_dependencies``)."""
        return list(self._control_inputs)

    def _add_control_input(self, op) -> None:
        if op not in self._control_inputs:
            self._control_inputs += (op,)

    def __repr__(self) -> str:
        return f"<tf.Operation '{self.name}' type={self.type}>"

    __hash__ = object.__hash__


# --------------------------------------------------------------------------------------------
class GraphKeys:
    """Standard collection names (TF1's ``tf.GraphKeys``).

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable(1.0, name="v")
        >>> print(tf.GraphKeys.GLOBAL_VARIABLES, tf.GraphKeys.TRAINABLE_VARIABLES)
        variables trainable_variables
        >>> print([x.name for x in tf.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES)])
        ['v:0']
    """

    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    SUMMARIES = "summaries"
    QUEUE_RUNNERS = "queue_runners"
    TABLE_INITIALIZERS = "table_initializer"
    ASSET_FILEPATHS = "asset_filepaths"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    REGULARIZATION_LOSSES = "regularization_losses"
    CONCATENATED_VARIABLES = "concatenated_variables"
    SAVERS = "savers"
    WEIGHTS = "weights"
    BIASES = "biases"
    ACTIVATIONS = "activations"
    UPDATE_OPS = "update_ops"
    LOSSES = "losses"
    TRAIN_OP = "train_op"
    INIT_OP = "init_op"
    LOCAL_INIT_OP = "local_init_op"
    READY_OP = "ready_op"
    READY_FOR_LOCAL_INIT_OP = "ready_for_local_init_op"
    SUMMARY_OP = "summary_op"
    METRIC_VARIABLES = "metric_variables"
    GLOBAL_STEP = "global_step"
    VARIABLES = GLOBAL_VARIABLES


class Graph:
    """A TF1 computation graph. Make it the default with ``with g.as_default():``.

    Example:
        >>> import flowkit as tf
        >>> g = tf.Graph()
        >>> with g.as_default():
        ...     c = tf.constant(5.0, name="c")
        >>> print(c.graph is g, c.graph is tf.get_default_graph())
        True False
        >>> print([op.name for op in g.get_operations()])
        ['c']
        >>> with tf.Session(graph=g) as sess:
        ...     print(sess.run(c))
        5.0
    """

    def __init__(self) -> None:
        self._ops = []
        self._ops_by_name = {}
        self._names_in_use = {}
        self._name_stack = ""
        self._control_stack = []      # _ControlFrame per open control_dependencies block
        self._device_stack = []
        self._collections = {}
        self._finalized = False
        self._gradient_of = None
        self._gradient_override_map = {}   # op type -> gradient name (gradient_override_map)
        self._version = 0             # bumped on every new op: sessions invalidate plans
        self.seed = None              # graph-level seed (tf.set_random_seed)
        self._variable_scope_store = None
        self._lock = threading.RLock()

    # -- default graph -------------------------------------------------------------------------
    def as_default(self):
        """A context manager that makes this graph the default graph."""
        return _default_graph_stack.get_controller(self)

    # -- names ---------------------------------------------------------------------------------
    def unique_name(self, name: str, mark_as_used: bool = True) -> str:
        """TF1's unique naming: ``name`` prefixed by the name scope, with ``_N`` appended when
        the name (compared case-insensitively) is already taken."""
        if self._name_stack:
            name = f"{self._name_stack}/{name}"
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while key in self._names_in_use:
                key = f"{base}_{i}"
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = f"{name}_{i - 1}"
        return name

    def get_name_scope(self) -> str:
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """TF1's name scope: ``"a"`` nests (made unique), ``"a/"`` re-enters the absolute scope
        ``a``, ``None`` or ``""`` resets to the top level. Yields the scope string ``"a/"``."""
        if name:
            if not isinstance(name, str):
                raise TypeError(f"name_scope expects a string name, got {name!r}")
            if name[-1] == "/":
                if not _VALID_SCOPE_NAME.fullmatch(name):
                    raise ValueError(f"'{name}' is not a valid scope name")
                new_stack = name[:-1]
            else:
                # As TF1: only a name at the top level must not start with '_' or '-' (the
                # full name then starts with the outer scope's first character).
                valid = _VALID_SCOPE_NAME if self._name_stack else _VALID_OP_NAME
                if not valid.fullmatch(name):
                    raise ValueError(f"'{name}' is not a valid scope name. A scope name starts "
                                     "with a letter, digit or '.', then letters, digits, "
                                     "'_', '.', '-', '/'.")
                new_stack = self.unique_name(name)
        else:
            new_stack = ""
        old = self._name_stack
        self._name_stack = new_stack
        try:
            yield f"{new_stack}/" if new_stack else ""
        finally:
            self._name_stack = old

    # -- ops -----------------------------------------------------------------------------------
    def create_op(self, op_type: str, inputs, attrs=None, name=None, op_def=None) -> Operation:
        """Adds an op of a registered type; runs its shape rule to make its output tensors."""
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified.")
        op_def = op_def or get_op_def(op_type)
        attrs = {} if attrs is None else attrs
        for t in inputs:
            if t.op.graph is not self:
                raise ValueError(f"Tensor {t.name} must be from the same graph as the op being "
                                 f"created ({name or op_type}): it was created in another "
                                 f"tf.Graph, at {t.op.user_line}. Did you build parts of the "
                                 "model under different tf.Graph().as_default() blocks, or "
                                 "after tf.reset_default_graph()?")
        if name and name[-1] == "/":
            name = name[:-1]
        else:
            name = name or op_type
            valid = _VALID_SCOPE_NAME if self._name_stack else _VALID_OP_NAME
            if not valid.fullmatch(name):
                raise ValueError(f"'{name}' is not a valid node name")
            name = self.unique_name(name)
        if op_type in self._gradient_override_map:
            # As TF1, the op carries the name its gradient is looked up under.
            attrs = dict(attrs, _gradient_op_type=self._gradient_override_map[op_type])
        control = self._current_control_inputs({t.op for t in inputs})
        op = Operation(self, name, op_def, inputs, attrs, control, capture_user_frame())
        try:
            specs = op_def.shape_fn(op.inputs, attrs)
        except (ValueError, TypeError) as e:
            shapes = ", ".join(_shape_str(t.shape) for t in op.inputs)
            raise type(e)(f"{e} for '{name}' (op: '{op_type}') with input shapes: "
                          f"{shapes}.") from None
        op.outputs = [Tensor(op, i, dt, sh) for i, (dt, sh) in enumerate(specs)]
        if op_type in _BROADCAST_CHECKED and self._gradient_of is None:
            _check_loss_broadcast(op)
        with self._lock:
            op._id = len(self._ops) + 1
            self._ops.append(op)
            self._ops_by_name[name] = op
            self._version += 1
        for t in op.inputs:
            t._consumers.append(op)
        for frame in self._control_stack:
            frame.seen.add(op)
        return op

    def _current_control_inputs(self, input_ops=()):
        """TF1's rule: the control inputs of every open ``control_dependencies`` block, except
        those already inputs of the op, and except a block in which one of the op's inputs was
        created (that input already waits for the block's control inputs)."""
        ops = []
        for frame in self._control_stack:
            if any(i in frame.seen for i in input_ops):
                continue
            for c in frame.ops:
                if c not in input_ops and c not in ops:
                    ops.append(c)
        return ops

    def get_operations(self) -> list:
        return list(self._ops)

    def get_operation_by_name(self, name: str) -> Operation:
        if not isinstance(name, str):
            raise TypeError(f"Operation names are strings (or similar), not "
                            f"{type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=False, allow_operation=True)

    def get_tensor_by_name(self, name: str) -> Tensor:
        if not isinstance(name, str):
            raise TypeError(f"Tensor names are strings (or similar), not "
                            f"{type(name).__name__}.")
        return self.as_graph_element(name, allow_tensor=True, allow_operation=False)

    def as_graph_element(self, obj, allow_tensor=True, allow_operation=True):
        """Returns the Tensor or Operation that ``obj`` (an object or a name) refers to."""
        if hasattr(obj, "_as_graph_element") and not isinstance(obj, (Tensor, Operation)):
            obj = obj._as_graph_element()
        types = (["Tensor"] if allow_tensor else []) + (["Operation"] if allow_operation else [])
        if isinstance(obj, str):
            if ":" in obj and allow_tensor:
                op_name, _, idx = obj.rpartition(":")
                try:
                    idx = int(idx)
                except ValueError:
                    raise ValueError(f"The name {obj!r} looks a like a Tensor name, but is not "
                                     "a valid one. Tensor names must be of the form "
                                     "\"<op_name>:<output_index>\".") from None
                op = self._ops_by_name.get(op_name)
                if op is None:
                    raise KeyError(f"The name {obj!r} refers to a Tensor which does not exist. "
                                   f"The operation, {op_name!r}, does not exist in the graph.")
                if idx >= len(op.outputs):
                    raise KeyError(f"The name {obj!r} refers to a Tensor which does not exist. "
                                   f"The operation, {op_name!r}, exists but only has "
                                   f"{len(op.outputs)} outputs.")
                return op.outputs[idx]
            if ":" in obj:
                raise ValueError(f"Name {obj!r} appears to refer to a Tensor, not a "
                                 f"{'/'.join(types)}.")
            if not allow_operation:
                if obj in self._ops_by_name:
                    raise ValueError(f"The name {obj!r} refers to an Operation, not a Tensor. "
                                     "Tensor names must be of the form "
                                     "\"<op_name>:<output_index>\".")
                raise ValueError(f"The name {obj!r} looks like an (invalid) Operation name, not "
                                 f"a Tensor. Tensor names must be of the form "
                                 f"\"<op_name>:<output_index>\".")
            op = self._ops_by_name.get(obj)
            if op is None:
                raise KeyError(f"The name {obj!r} refers to an Operation not in the graph.")
            return op
        if isinstance(obj, Tensor) and allow_tensor:
            if obj.graph is not self:
                raise ValueError(f"Tensor {obj} is not an element of this graph (it was "
                                 f"created in another tf.Graph, at {obj.op.user_line}).")
            return obj
        if isinstance(obj, Operation) and allow_operation:
            if obj.graph is not self:
                raise ValueError(f"Operation {obj} is not an element of this graph (it was "
                                 f"created in another tf.Graph, at {obj.user_line}).")
            return obj
        raise TypeError(f"Can not convert a {type(obj).__name__} into a "
                        f"{' or '.join(types) or 'graph element'}.")

    # -- control dependencies and devices -------------------------------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run only after ``control_inputs``; ``None`` clears them."""
        if control_inputs is None:
            saved, self._control_stack = self._control_stack, []
            try:
                yield
            finally:
                self._control_stack = saved
            return
        current = {c for f in self._control_stack for c in f.ops}
        frame = _ControlFrame()
        for c in control_inputs:
            if hasattr(c, "_as_graph_element") and not isinstance(c, (Tensor, Operation)):
                c = c._as_graph_element()
            if isinstance(c, Tensor):
                c = c.op
            if not isinstance(c, Operation):
                raise TypeError(f"Control input must be an Operation, a Tensor or a Variable: "
                                f"got {c!r}")
            if c.graph is not self:
                raise ValueError(f"Control input {c.name} is from a different graph.")
            if c not in current:
                current.add(c)
                frame.ops.append(c)
        self._control_stack.append(frame)
        try:
            yield
        finally:
            self._control_stack.pop()

    @contextlib.contextmanager
    def device(self, device_name):
        """Records a device string on the ops created inside (the session picks the real one).

        As in TF1 the string is canonical (``"/gpu:1"`` is ``"/device:GPU:1"``), merged with the
        enclosing block's (``"/job:w"`` then ``"/cpu:0"`` is ``"/job:w/device:CPU:0"``);
        ``None`` clears it."""
        current = self._device_stack[-1] if self._device_stack else ""
        if device_name is None:
            new = ""
        elif callable(device_name):
            new = device_name
        else:
            new = _merge_device(current if isinstance(current, str) else "", device_name)
        self._device_stack.append(new)
        try:
            yield
        finally:
            self._device_stack.pop()

    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map):
        """Ops of the types in ``op_type_map`` created in the ``with`` block get their
        gradient from the function registered (``tf.RegisterGradient``) under the mapped name
        instead of their own rule (TF1's ``Graph.gradient_override_map``). The name is kept on
        the op as its ``_gradient_op_type`` attribute.

        Example:
            >>> import flowkit as tf
            >>> g = tf.Graph()
            >>> with g.as_default():
            ...     x = tf.constant([0.4, -1.7])
            ...     with g.gradient_override_map({"Sign": "Identity"}):
            ...         y = tf.sign(x)        # straight-through: dy/dx is taken as 1
            ...     dx, = tf.gradients(y, x)
            >>> y.op.get_attr("_gradient_op_type")
            'Identity'
            >>> with tf.Session(graph=g) as sess:
            ...     print(sess.run(dx))
            [1. 1.]
        """
        if not isinstance(op_type_map, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in op_type_map.items()):
            raise TypeError(f"op_type_map must be a dictionary mapping strings (op types) to "
                            f"strings (registered gradient names), got {op_type_map!r}")
        saved = self._gradient_override_map
        self._gradient_override_map = dict(saved, **op_type_map)
        try:
            yield
        finally:
            self._gradient_override_map = saved

    @contextlib.contextmanager
    def _as_gradient_of(self, op):
        saved, self._gradient_of = self._gradient_of, op
        try:
            yield
        finally:
            self._gradient_of = saved

    # -- collections ---------------------------------------------------------------------------
    def add_to_collection(self, name, value) -> None:
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value) -> None:
        names = (names,) if isinstance(names, str) else set(names)
        for name in names:
            self.add_to_collection(name, value)

    def get_collection_ref(self, key) -> list:
        return self._collections.setdefault(key, [])

    def get_collection(self, key, scope=None) -> list:
        items = self._collections.get(key, [])
        if scope is None:
            return list(items)
        pattern = re.compile(scope)
        return [v for v in items if hasattr(v, "name") and pattern.match(v.name)]

    def get_all_collection_keys(self) -> list:
        return [k for k in self._collections if isinstance(k, str)]

    def clear_collection(self, name) -> None:
        self._collections.pop(name, None)

    # -- misc ----------------------------------------------------------------------------------
    def finalize(self) -> None:
        """Makes the graph read-only: creating an op afterwards raises ``RuntimeError``."""
        self._finalized = True

    @property
    def finalized(self) -> bool:
        return self._finalized

    def _unsafe_unfinalize(self) -> None:
        """Makes a finalized graph writable again (``MonitoredSession`` does, as in TF1)."""
        self._finalized = False

    @property
    def version(self) -> int:
        return self._version

    def to_dot(self, **kwargs) -> str:
        return draw.graph_to_dot(self, **kwargs)

    def as_graph_def(self, from_version=None, add_shapes=False):
        """The graph as TF1's ``GraphDef`` protocol buffer (for TensorBoard's graph
        dashboard and ``tf.train.write_graph``; needs the tensorboard package)."""
        return graph_def.graph_to_graph_def(self, add_shapes=add_shapes)

    def to_svg(self, **kwargs) -> str:
        """The graph as SVG text: graphviz's drawing when its ``dot`` program is installed,
        else flowkit's own layered drawing (``flowkit.draw.graph_to_svg``)."""
        return draw.graph_to_svg(self, **kwargs)

    def _repr_svg_(self):
        return self.to_svg()


#: Elementwise ops of hand-written losses (``tf.square(labels - pred)``, ``labels * log(p)``).
_BROADCAST_CHECKED = frozenset(("Sub", "SquaredDifference", "Mul", "Equal", "Add"))


def _check_loss_broadcast(op) -> None:
    """Warns (once per line) when ``op`` broadcasts ``(N,)`` against ``(N, 1)`` into
    ``(N, N)``: labels and predictions whose shapes differ by a trailing 1."""
    a, b = (t.shape for t in op.inputs)
    if a.ndims == 2 and b.ndims == 1:
        a, b = b, a
    if a.ndims != 1 or b.ndims != 2:
        return
    n, (m, one) = a.as_tuple()[0], b.as_tuple()
    if one != 1 or n != m or n == 1:
        return
    x, y = op.inputs
    size = "N" if n is None else str(n)
    fk_warnings.warn(
        "broadcast",
        f"'{op.name}' ({op.type}) broadcasts {x.name} of shape {_shape_str(x.shape)} against "
        f"{y.name} of shape {_shape_str(y.shape)} into shape ({size}, {size}): every example "
        "is compared with every other one, not with its own label. If one of them is a "
        "column of predictions, flatten it first, e.g. tf.reshape(pred, [-1]) or "
        "tf.squeeze(pred, axis=1), or give the labels shape [None, 1].", op._site)


class _ControlFrame:
    """One open ``control_dependencies`` block: its control ops and the ops created in it."""

    __slots__ = ("ops", "seen")

    def __init__(self) -> None:
        self.ops, self.seen = [], set()


def _parse_device(spec: str) -> dict:
    fields = {}
    for part in spec.split("/"):
        if not part:
            continue
        key, _, rest = part.partition(":")
        low = key.lower()
        if low in ("job", "replica", "task"):
            fields[low] = rest
        elif low == "device":
            kind, _, index = rest.partition(":")
            fields["type"], fields["index"] = kind.upper(), index or "*"
        elif key.isalpha():
            fields["type"], fields["index"] = key.upper(), rest or "*"
        else:
            raise ValueError(f"Unknown attribute: '{part}' in device specification '{spec}'")
    return fields


#: One TensorShape object per distinct shape (they are immutable), so that a graph of many
#: same-shaped tensors does not hold a shape object per tensor (docs/performance.md, W6).
_SHAPES: dict = {}
_MAX_SHARED_SHAPES = 4096


def _shared_shape(shape) -> TensorShape:
    if not isinstance(shape, TensorShape):
        shape = TensorShape(shape)
    shared = _SHAPES.get(shape._dims)
    if shared is not None:
        return shared
    if len(_SHAPES) < _MAX_SHARED_SHAPES:
        _SHAPES[shape._dims] = shape
    return shape


def _merge_device(outer: str, spec: str) -> str:
    """``spec`` in TF1's canonical form, with the fields it lacks taken from ``outer``."""
    fields = _parse_device(outer)
    fields.update(_parse_device(spec))
    out = "".join(f"/{k}:{fields[k]}" for k in ("job", "replica", "task") if k in fields)
    if "type" in fields:
        out += f"/device:{fields['type']}:{fields['index']}"
    return out


def _shape_str(shape: TensorShape) -> str:
    if shape.ndims is None:
        return "?"
    return "[" + ",".join("?" if d is None else str(d) for d in shape.as_tuple()) + "]"


# --------------------------------------------------------------------------------------------
class _DefaultGraphStack(threading.local):
    def __init__(self) -> None:
        self.stack = []
        self.global_default = None

    def get_default(self) -> Graph:
        if self.stack:
            return self.stack[-1]
        if self.global_default is None:
            self.global_default = Graph()
        return self.global_default

    @contextlib.contextmanager
    def get_controller(self, graph):
        self.stack.append(graph)
        try:
            yield graph
        finally:
            self.stack.remove(graph)

    def reset(self) -> None:
        if self.stack:
            raise AssertionError("Do not use tf.reset_default_graph() to clear nested graphs. "
                                 "If you need a cleared graph, exit the nesting and create a "
                                 "new graph.")
        self.global_default = None


_default_graph_stack = _DefaultGraphStack()


def get_default_graph() -> Graph:
    """The graph new ops go to: the innermost ``as_default()`` graph, or the global one.

    Example:
        >>> import flowkit as tf
        >>> c = tf.constant(1.0, name="c")
        >>> print(c.graph is tf.get_default_graph())
        True
        >>> print(tf.get_default_graph().get_tensor_by_name("c:0").name)
        c:0
    """
    return _default_graph_stack.get_default()


def reset_default_graph() -> None:
    """Clears the global default graph (not allowed inside a ``with g.as_default():``).

    Example:
        >>> import flowkit as tf
        >>> _ = tf.constant(1.0)
        >>> print(len(tf.get_default_graph().get_operations()))
        1
        >>> tf.reset_default_graph()
        >>> print(len(tf.get_default_graph().get_operations()))
        0
    """
    if session_stack.has_default_session():
        raise AssertionError("Do not use tf.reset_default_graph() while a default session is "
                             "active: close the session (leave its `with` block) first.")
    _default_graph_stack.reset()


def name_scope(name, default_name=None, values=None):
    """TF1's ``tf.name_scope(name, default_name=None, values=None)``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Graph().as_default():
        ...     with tf.name_scope("outer"):
        ...         with tf.name_scope("inner") as scope:
        ...             print(scope)
        outer/inner/
    """
    graph = get_default_graph()
    if values:
        for v in values:
            if isinstance(v, Tensor):
                graph = v.graph
                break
    n = name if name is not None else default_name
    if n is None and values is not None:
        # TF1: a name scope with neither name nor default_name but values is an error.
        raise ValueError(f"At least one of name ({name}) and default_name ({default_name}) "
                         "must be provided.")
    return graph.name_scope(n)


def control_dependencies(control_inputs):
    """Ops created in the ``with`` block run after ``control_inputs`` (TF1 semantics).

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable(1.0)
        >>> inc = tf.assign_add(v, 1.0)
        >>> with tf.control_dependencies([inc]):
        ...     out = tf.identity(v)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(out), sess.run(out))
        2.0 3.0
    """
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name):
    """Records a device on the ops created in the ``with`` block (TF1's ``tf.device``).

    Example:
        >>> import flowkit as tf
        >>> with tf.device("/cpu:0"):
        ...     c = tf.constant(1.0, name="c")
        >>> print(c.op.device)
        /device:CPU:0
        >>> with tf.Session() as sess:
        ...     print(sess.run(c))
        1.0
    """
    return get_default_graph().device(device_name)


def add_to_collection(name, value) -> None:
    """Appends ``value`` to the collection ``name`` of the default graph.

    Example:
        >>> import flowkit as tf
        >>> c = tf.constant(1.0, name="c")
        >>> tf.add_to_collection("my_tensors", c)
        >>> print([t.name for t in tf.get_collection("my_tensors")])
        ['c:0']
    """
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value) -> None:
    """Appends ``value`` to each collection in ``names`` of the default graph.

    Example:
        >>> import flowkit as tf
        >>> c = tf.constant(1.0, name="c")
        >>> tf.add_to_collections(["a", "b"], c)
        >>> print([t.name for t in tf.get_collection("a")])
        ['c:0']
        >>> print([t.name for t in tf.get_collection("b")])
        ['c:0']
    """
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None) -> list:
    """A copy of the collection ``key`` of the default graph; with ``scope``, only the items
    whose name starts with it.

    Example:
        >>> import flowkit as tf
        >>> with tf.variable_scope("layer"):
        ...     w = tf.Variable(1.0, name="w")
        >>> b = tf.Variable(2.0, name="b")
        >>> print([v.name for v in tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES)])
        ['layer/w:0', 'b:0']
        >>> print([v.name for v in tf.get_collection(tf.GraphKeys.GLOBAL_VARIABLES, scope="layer")])
        ['layer/w:0']
    """
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key) -> list:
    """The collection ``key`` of the default graph itself (not a copy): changing the list
    changes the collection.

    Example:
        >>> import flowkit as tf
        >>> ref = tf.get_collection_ref("losses_to_watch")
        >>> ref.append(tf.constant(0.5, name="loss"))
        >>> print([t.name for t in tf.get_collection("losses_to_watch")])
        ['loss:0']
    """
    return get_default_graph().get_collection_ref(key)


def set_random_seed(seed) -> None:
    """Sets the graph-level seed: the same program then draws the same numbers in every
    new session (with op-level seeds derived from the op's position in the graph).

    Example:
        >>> import flowkit as tf
        >>> tf.set_random_seed(42)
        >>> r = tf.random_uniform([3])
        >>> with tf.Session() as s1:
        ...     a = s1.run(r)
        >>> with tf.Session() as s2:
        ...     b = s2.run(r)
        >>> print(a.shape, a.dtype, (a == b).all())
        (3,) float32 True
    """
    get_default_graph().seed = seed


def get_seed(op_seed):
    """TF1's seeding rule: returns the ``(graph_seed, op_seed)`` pair for a random op."""
    graph = get_default_graph()
    global_seed = graph.seed
    if global_seed is not None:
        if op_seed is None:
            op_seed = graph._version  # deterministic: position in the graph
        return global_seed, op_seed
    if op_seed is not None:
        return 87654321, op_seed  # TF1's DEFAULT_GRAPH_SEED
    return None, None
