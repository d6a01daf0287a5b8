"""``tf.make_template`` and TF1's other graph-building helpers of the variable-scope layer.

* :func:`make_template` wraps a function that makes variables with ``tf.get_variable`` so
  that its first call creates them and every later call shares them;
* :func:`op_scope` and :func:`variable_op_scope`, TF1's deprecated spellings of
  ``name_scope`` and ``variable_scope`` (values first);
* :func:`init_scope`, :func:`colocate_with` and :func:`container`: scopes TF1 programs open
  around variable creation (flowkit has one device per session and no resource containers,
  so the last two are accepted and change nothing);
* :func:`get_seed`, TF1's rule for the ``(graph_seed, op_seed)`` pair of a random op;
* :class:`DeviceSpec`, TF1's parsed device string; :func:`no_regularizer`;
  :func:`moving_average_variables`; :func:`tables_initializer` (the ops of the graph's
  ``TABLE_INITIALIZERS`` collection: flowkit makes no lookup tables, so programs that run it
  beside the variables' initializer get a no-op).

Example:
    >>> import flowkit as tf
    >>> def dense(x):
    ...     w = tf.get_variable("w", [int(x.shape[1]), 1])
    ...     return tf.matmul(x, w)
    >>> layer = tf.make_template("dense", dense)
    >>> a = layer(tf.ones([2, 3]))
    >>> b = layer(tf.zeros([2, 3]))        # the same w
    >>> [v.name for v in tf.global_variables()], a.op.name, b.op.name
    (['dense/w:0'], 'dense/MatMul', 'dense_1/MatMul')
"""
from __future__ import annotations

__all__ = ["make_template", "Template", "op_scope", "variable_op_scope", "init_scope",
           "colocate_with", "container", "get_seed", "DeviceSpec", "no_regularizer",
           "moving_average_variables", "tables_initializer", "initialize_all_tables"]

import contextlib
import functools
import logging
import weakref

from flowkit.framework.graph import GraphKeys, Operation, Tensor, get_default_graph, name_scope
from flowkit.ops.control_flow_ops import group, no_op
from flowkit.variable_scope import _store, _unique_scope_name, variable_scope

_log = logging.getLogger("flowkit")

# TF1's constants of the seeding rule.
DEFAULT_GRAPH_SEED = 87654321
_MAXINT32 = 2 ** 31 - 1
# How many op seeds get_seed(None) handed out per graph (TF counts them the same way).
_SEED_COUNTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


# --------------------------------------------------------------------------------------------
# make_template
# --------------------------------------------------------------------------------------------
class Template:
    """A function whose variables are created by its first call and shared by the later ones
    (see :func:`make_template`)."""

    def __init__(self, name, func, create_scope_now=False, unique_name=None,
                 custom_getter=None) -> None:
        if name is None:
            raise ValueError("name cannot be None.")
        if not callable(func):
            raise TypeError(f"make_template: func_ must be callable, got {func!r}")
        self._name, self._func = name, func
        self._unique_name, self._custom_getter = unique_name, custom_getter
        self._variable_scope = None
        self._variables_created = False
        if create_scope_now:
            # A variable scope without a name scope, made unique now, entered at each call.
            scope_name = unique_name or _unique_scope_name(_store(), name)
            with variable_scope(scope_name, custom_getter=custom_getter,
                                auxiliary_name_scope=False) as vs:
                self._variable_scope = vs

    def _call_func(self, args, kwargs):
        graph = get_default_graph()
        trainable_before = len(graph.get_collection(GraphKeys.TRAINABLE_VARIABLES))
        global_before = len(graph.get_collection(GraphKeys.GLOBAL_VARIABLES))
        result = self._func(*args, **kwargs)
        if not self._variables_created:
            self._variables_created = True
            return result
        trainable = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
        if len(trainable) != trainable_before:
            new = [v.name for v in trainable[trainable_before:]]
            raise ValueError(
                f"Trainable variable created when calling a template after the first time, "
                f"perhaps you used tf.Variable when you meant tf.get_variable: {new} (template "
                f"{self._name!r}: only its first call may create variables).")
        if len(graph.get_collection(GraphKeys.GLOBAL_VARIABLES)) != global_before:
            _log.info("New variables created when calling template %r after the first time, "
                      "perhaps you used tf.Variable when you meant tf.get_variable.", self._name)
        return result

    def __call__(self, *args, **kwargs):
        if self._variable_scope is not None:
            with variable_scope(self._variable_scope, reuse=self._variables_created or None):
                return self._call_func(args, kwargs)
        with variable_scope(self._unique_name, self._name,
                            custom_getter=self._custom_getter) as vs:
            self._variable_scope = vs
            return self._call_func(args, kwargs)

    @property
    def name(self) -> str:
        return self._name

    @property
    def func(self):
        return self._func

    @property
    def variable_scope(self):
        """The :class:`~flowkit.VariableScope` (``None`` before the first call unless
        ``create_scope_now_``)."""
        return self._variable_scope

    @property
    def variable_scope_name(self) -> str | None:
        if self._variable_scope is None:
            return None
        return self._variable_scope.name

    var_scope = variable_scope

    def _vars(self, key) -> list:
        if self._variable_scope is None:
            return []
        return get_default_graph().get_collection(key, self._variable_scope.name + "/")

    @property
    def variables(self) -> list:
        return self.global_variables + self.local_variables

    @property
    def global_variables(self) -> list:
        return self._vars(GraphKeys.GLOBAL_VARIABLES)

    @property
    def local_variables(self) -> list:
        return self._vars(GraphKeys.LOCAL_VARIABLES)

    @property
    def trainable_variables(self) -> list:
        return self._vars(GraphKeys.TRAINABLE_VARIABLES)

    @property
    def non_trainable_variables(self) -> list:
        trainable = set(map(id, self.trainable_variables))
        return [v for v in self.global_variables if id(v) not in trainable]

    def __repr__(self) -> str:
        return f"<tf.Template {self._name!r} scope={self.variable_scope_name!r}>"


def make_template(name_, func_, create_scope_now_=False, unique_name_=None,
                  custom_getter_=None, **kwargs) -> Template:
    """Wraps ``func_`` so that all its calls share one set of variables (TF1's rules).

    The first call creates the variables that ``func_`` asks for with ``tf.get_variable``
    in a variable scope named ``name_`` (made unique: ``name_``, ``name__1``... as
    ``variable_scope(default_name=name_)`` does); later calls re-enter that scope with
    ``reuse=True``, so they get the same variables, and their ops get new name scopes
    (``dense_1/...``). A later call that creates a trainable variable (a ``tf.Variable`` in
    ``func_``) raises ``ValueError``.

    Args:
        name_: the scope's name.
        func_: the function to wrap; ``kwargs`` are bound to it (``functools.partial``).
        create_scope_now_: make the (unique) variable scope now instead of at the first call.
        unique_name_: use this scope name as is (not made unique).
        custom_getter_: a custom getter for the variables of the scope.

    Example:
        >>> import flowkit as tf
        >>> scale = tf.make_template("scale", lambda x: x * tf.get_variable("k", []))
        >>> y1, y2 = scale(1.0), scale(2.0)
        >>> [v.name for v in scale.variables], scale.variable_scope_name
        (['scale/k:0'], 'scale')
    """
    if kwargs:
        func_ = functools.partial(func_, **kwargs)
    return Template(name_, func_, create_scope_now=create_scope_now_,
                    unique_name=unique_name_, custom_getter=custom_getter_)


# --------------------------------------------------------------------------------------------
# Deprecated scope spellings and accepted scopes
# --------------------------------------------------------------------------------------------
def op_scope(values, name, default_name=None):
    """TF1's deprecated ``tf.op_scope(values, name, default_name)``: the same as
    ``tf.name_scope(name, default_name, values)``.

    Example:
        >>> import flowkit as tf
        >>> with tf.op_scope([], None, "my_op") as scope:
        ...     print(scope)
        my_op/
    """
    _log.warning("tf.op_scope(values, name, default_name) is deprecated, use "
                 "tf.name_scope(name, default_name, values)")
    return name_scope(name, default_name=default_name, values=values)


def variable_op_scope(values, name_or_scope, default_name=None, initializer=None,
                      regularizer=None, caching_device=None, partitioner=None,
                      custom_getter=None, reuse=None, dtype=None, use_resource=None,
                      constraint=None):
    """TF1's deprecated ``tf.variable_op_scope(values, name_or_scope, default_name)``: the
    same as ``tf.variable_scope(name_or_scope, default_name, values, ...)``.

    Example:
        >>> import flowkit as tf
        >>> with tf.variable_op_scope([], None, "block") as vs:
        ...     print(vs.name, tf.get_variable("w", [1]).name)
        block block/w:0
    """
    _log.warning("tf.variable_op_scope(values, name, default_name) is deprecated, use "
                 "tf.variable_scope(name, default_name, values)")
    return variable_scope(name_or_scope, default_name=default_name, values=values,
                          initializer=initializer, regularizer=regularizer,
                          caching_device=caching_device, partitioner=partitioner,
                          custom_getter=custom_getter, reuse=reuse, dtype=dtype,
                          use_resource=use_resource, constraint=constraint)


@contextlib.contextmanager
def init_scope():
    """A scope for creating variables and their initializers: the control dependencies of
    the enclosing ``tf.control_dependencies`` blocks are cleared (as TF1's ``init_scope``
    does in graph mode); the name scope is kept.

    Example:
        >>> import flowkit as tf
        >>> c = tf.constant(1.0)
        >>> with tf.control_dependencies([c]):
        ...     with tf.init_scope():
        ...         d = tf.constant(2.0)
        >>> d.op.control_inputs
        []
    """
    graph = get_default_graph()
    scope = graph.get_name_scope()
    with graph.name_scope(scope + "/" if scope else None), graph.control_dependencies(None):
        yield


@contextlib.contextmanager
def colocate_with(op, ignore_existing=False):
    """TF1's ``tf.colocate_with(op)``: accepted; flowkit runs every op of a session on the
    session's one device, so there is nothing to place.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable(1.0)
        >>> with tf.colocate_with(v):
        ...     w = tf.identity(v)
    """
    if op is not None and not isinstance(op, (Tensor, Operation)) and \
            not hasattr(op, "_as_graph_element"):
        raise TypeError(f"colocate_with: expected an Operation, Tensor or Variable, got {op!r}")
    yield


@contextlib.contextmanager
def container(container_name):
    """TF1's ``tf.container(name)``: accepted; flowkit's variables live in the session, which
    has no resource containers. Yields the name.

    Example:
        >>> import flowkit as tf
        >>> with tf.container("experiment0") as name:
        ...     v = tf.Variable(1.0)
        >>> name
        'experiment0'
    """
    if not isinstance(container_name, str):
        raise TypeError(f"container: the name must be a string, got {container_name!r}")
    yield container_name


# --------------------------------------------------------------------------------------------
# Seeds, devices, regularizers, collections
# --------------------------------------------------------------------------------------------
def get_seed(op_seed):
    """TF1's ``(graph_seed, op_seed)`` for a random op given its ``seed`` argument.

    With a graph seed (``tf.set_random_seed``): that seed, and ``op_seed`` or, when it is
    ``None``, how many times ``get_seed(None)`` was called before in this graph (0, 1,
    2..., as TensorFlow's ``tf.compat.v1`` counts; TF 1.x used the graph's op count).
    Without one: ``(87654321,
    op_seed)`` when ``op_seed`` is given, else ``(None, None)``. Seeds are taken modulo
    ``2**31 - 1``, and ``(0, 0)`` becomes ``(0, 2**31 - 1)``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Graph().as_default():
        ...     print(tf.get_seed(None), tf.get_seed(7))
        ...     tf.set_random_seed(1)
        ...     print(tf.get_seed(7))
        (None, None) (87654321, 7)
        (1, 7)
    """
    graph = get_default_graph()
    graph_seed = graph.seed
    if graph_seed is not None:
        if op_seed is None:
            op_seed = _SEED_COUNTS.get(graph, 0)
            _SEED_COUNTS[graph] = op_seed + 1
        seeds = int(graph_seed) % _MAXINT32, int(op_seed) % _MAXINT32
    elif op_seed is not None:
        seeds = DEFAULT_GRAPH_SEED, int(op_seed) % _MAXINT32
    else:
        seeds = None, None
    if seeds == (0, 0):
        return 0, _MAXINT32
    return seeds


def no_regularizer(_):
    """The regularizer that adds no loss (``regularizer=tf.no_regularizer`` switches off a
    scope's default regularizer for one variable).

    Example:
        >>> import flowkit as tf
        >>> with tf.variable_scope("s", regularizer=lambda w: tf.reduce_sum(w * w)):
        ...     a = tf.get_variable("a", [2])
        ...     b = tf.get_variable("b", [2], regularizer=tf.no_regularizer)
        >>> len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
        1
    """
    return None


def moving_average_variables(scope=None) -> list:
    """The variables that ``tf.train.ExponentialMovingAverage.apply`` keeps averages of
    (the collection ``tf.GraphKeys.MOVING_AVERAGE_VARIABLES``).

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable(1.0, name="w")
        >>> update = tf.train.ExponentialMovingAverage(decay=0.9).apply([w])
        >>> [v.name for v in tf.moving_average_variables()]
        ['w:0']
    """
    return get_default_graph().get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, scope)


class DeviceSpec:
    """TF1's parsed device string: ``job``, ``replica``, ``task``, ``device_type`` and
    ``device_index``, each ``None`` when not given.

    Example:
        >>> import flowkit as tf
        >>> spec = tf.DeviceSpec.from_string("/job:worker/task:1/gpu:0")
        >>> spec.job, spec.task, spec.device_type, spec.device_index
        ('worker', 1, 'GPU', 0)
        >>> spec.merge_from(tf.DeviceSpec(device_type="CPU"))
        >>> spec.to_string()
        '/job:worker/task:1/device:CPU:0'
    """

    _TYPES = ("CPU", "GPU", "TPU")

    def __init__(self, job=None, replica=None, task=None, device_type=None,
                 device_index=None) -> None:
        self.job = job
        self.replica = None if replica is None else int(replica)
        self.task = None if task is None else int(task)
        self.device_type = device_type
        self.device_index = None if device_index is None else int(device_index)

    def _fields(self) -> tuple:
        return self.job, self.replica, self.task, self.device_type, self.device_index

    def parse_from_string(self, spec) -> "DeviceSpec":
        """Sets the fields that ``spec`` names (TF1's forms: ``/job:ps/replica:0/task:1``,
        ``/device:GPU:0``, ``/gpu:1``, ``/cpu:*``); returns ``self``."""
        new_type = None
        for part in (spec or "").split("/"):
            y = part.split(":")
            if y == [""]:
                continue
            if len(y) == 2 and y[0] == "job":
                self.job = y[1]
            elif len(y) == 2 and y[0] in ("replica", "task"):
                setattr(self, y[0], int(y[1]))
            elif len(y) in (1, 2) and y[0].upper() in self._TYPES or \
                    len(y) == 3 and y[0] == "device":
                if new_type is not None:
                    raise ValueError(f"Multiple device types are not allowed while parsing the "
                                     f"device spec: {spec}.")
                new_type, index = (y[0].upper(), y[1:]) if len(y) < 3 else (y[1], y[2:])
                self.device_type = new_type
                self.device_index = None if not index or index[0] == "*" else int(index[0])
            else:
                raise ValueError(f"Unknown attribute '{y[0]}' is encountered while parsing the "
                                 f"device spec: '{spec}'.")
        return self

    @classmethod
    def from_string(cls, spec) -> "DeviceSpec":
        return cls().parse_from_string(spec)

    def merge_from(self, dev) -> None:
        """Sets each field that ``dev`` (a ``DeviceSpec`` or a string) has."""
        if not isinstance(dev, DeviceSpec):
            dev = DeviceSpec.from_string(dev)
        for key, value in zip(("job", "replica", "task", "device_type", "device_index"),
                              dev._fields()):
            if value is not None:
                setattr(self, key, value)

    def make_merged_spec(self, dev) -> "DeviceSpec":
        """A new spec: this one with ``dev``'s fields merged in."""
        out = DeviceSpec(*self._fields())
        out.merge_from(dev)
        return out

    def replace(self, **kwargs) -> "DeviceSpec":
        fields = dict(zip(("job", "replica", "task", "device_type", "device_index"),
                          self._fields()))
        fields.update(kwargs)
        return DeviceSpec(**fields)

    def to_string(self) -> str:
        out = ""
        for key, value in (("job", self.job), ("replica", self.replica), ("task", self.task)):
            if value is not None:
                out += f"/{key}:{value}"
        if self.device_type is not None:
            index = "*" if self.device_index is None else self.device_index
            out += f"/device:{self.device_type}:{index}"
        return out

    def __eq__(self, other):
        return isinstance(other, DeviceSpec) and self.to_string() == other.to_string()

    def __hash__(self):
        return hash(self.to_string())

    def __repr__(self) -> str:
        return f"<DeviceSpec {self.to_string()!r}>"


def tables_initializer(name="init_all_tables"):
    """An op that runs the initializers of the graph's lookup tables (the collection
    ``tf.GraphKeys.TABLE_INITIALIZERS``); a no-op when there are none, which is always the
    case for flowkit's own ops (lookup tables are out of scope), so the TF1 idiom
    ``sess.run([tf.global_variables_initializer(), tf.tables_initializer()])`` runs as is.

    Example:
        >>> import flowkit as tf
        >>> init = tf.tables_initializer()
        >>> init.type, init.name
        ('NoOp', 'init_all_tables')
    """
    initializers = get_default_graph().get_collection(GraphKeys.TABLE_INITIALIZERS)
    if initializers:
        return group(*initializers, name=name)
    return no_op(name=name)


def initialize_all_tables(name="init_all_tables"):
    """TF1's deprecated name of :func:`tables_initializer`.

    Example:
        >>> import flowkit as tf
        >>> tf.initialize_all_tables().type
        'NoOp'
    """
    return tables_initializer(name)
