"""Sharing variables: ``tf.variable_scope`` and ``tf.get_variable``, with TF1's rules.

``tf.get_variable(name, shape, initializer=...)`` creates a variable named after the current
*variable scope* (``conv1/weights``), or, in a scope that reuses, returns the variable of that
name created before. A scope reuses when it is opened with ``reuse=True`` (the variable must
exist), with ``reuse=tf.AUTO_REUSE`` (created the first time, shared afterwards), or after
``scope.reuse_variables()``. Reuse is inherited by nested scopes and cannot be switched off
inside them. Without reuse, asking twice for one name is an error that says where the first
variable was created.

Variable scopes also open a *name scope* for the ops built inside them, but the two differ:
``get_variable`` ignores name scopes (``tf.name_scope`` never changes a variable's name),
while ops and ``tf.Variable`` follow them. Entering ``variable_scope("tower")`` a second time
gives the same variable names (``tower/w``) but new op names (``tower_1/MatMul``).

Each graph keeps its own scopes and shared variables (``graph._variable_scope_store``).

Example:
    >>> import flowkit as tf
    >>> def dense(x, n_out):
    ...     w = tf.get_variable("w", [int(x.shape[1]), n_out])
    ...     b = tf.get_variable("b", [n_out], initializer=tf.zeros_initializer())
    ...     return tf.matmul(x, w) + b
    >>> x = tf.placeholder(tf.float32, [None, 3])
    >>> with tf.variable_scope("layer") as scope:
    ...     y1 = dense(x, 2)
    ...     scope.reuse_variables()
    ...     y2 = dense(x, 2)              # the same w and b
    >>> [v.name for v in tf.global_variables()]
    ['layer/w:0', 'layer/b:0']
    >>> y2.op.name
    'layer/add_1'
"""
from __future__ import annotations

__all__ = ["AUTO_REUSE", "VariableScope", "variable_scope", "get_variable",
           "get_variable_scope", "get_local_variable"]

import contextlib
import enum
import linecache
import re
import sys

from flowkit.framework import dtypes
from flowkit.framework.graph import (GraphKeys, Tensor, format_line, get_default_graph)
from flowkit.framework.tensor_shape import TensorShape, as_shape
from flowkit.variables import Variable
from flowkit.init_ops import glorot_uniform_initializer, zeros_initializer
from flowkit.ops.core import _to_numpy


class _ReuseMode(enum.Enum):
    """How a scope reuses variables: ``AUTO_REUSE`` creates them if absent, else shares."""

    AUTO_REUSE = 1

    def __repr__(self) -> str:
        return "tf.AUTO_REUSE"


AUTO_REUSE = _ReuseMode.AUTO_REUSE

_NOTEBOOK_HINT = (
    "If this code is in a notebook cell that you ran twice, the variables of the first run are "
    "still in the default graph: start the cell with tf.reset_default_graph(), or build the "
    "model inside `with tf.Graph().as_default():`.")


# --------------------------------------------------------------------------------------------
# Per-graph state
# --------------------------------------------------------------------------------------------
class _ScopeStore:
    """A graph's variable-scope state: the current scope, the variables made by get_variable,
    and how often each scope name was opened (for ``default_name`` scopes)."""

    def __init__(self) -> None:
        self.current_scope = VariableScope(False)
        self.vars = {}
        self.stacks = {}        # name -> the user's frames that created it (_user_stack())
        self.scope_counts = {}

    def open_scope(self, name: str) -> None:
        self.scope_counts[name] = self.scope_counts.get(name, 0) + 1

    def close_subscopes(self, name: str) -> None:
        prefix = name + "/" if name else ""
        for k in self.scope_counts:
            if k.startswith(prefix):
                self.scope_counts[k] = 0

    def get_variable(self, name, shape=None, dtype=None, default_dtype=dtypes.float32,
                     initializer=None, regularizer=None, reuse=None, trainable=None,
                     collections=None, partitioner=None, validate_shape=True,
                     custom_getter=None, constraint=None):
        """Creates or shares the variable ``name`` (a full name), through ``custom_getter``."""
        if partitioner is not None:
            raise NotImplementedError(f"Variable {name}: flowkit has no partitioned variables; "
                                      "leave partitioner=None.")
        if dtype is None and _is_value(initializer):
            dtype = _value_dtype(initializer)  # a value initializer keeps its own dtype
        dtype = dtypes.as_dtype(dtype if dtype is not None else default_dtype)
        kwargs = dict(shape=shape, dtype=dtype, initializer=initializer, regularizer=regularizer,
                      reuse=reuse, trainable=trainable, collections=collections,
                      validate_shape=validate_shape, constraint=constraint)
        if custom_getter is not None:
            if not callable(custom_getter):
                raise ValueError(f"Passed a custom_getter which is not callable: {custom_getter}")
            return custom_getter(self._true_getter, name, **kwargs)
        return self._true_getter(name, **kwargs)


    def _true_getter(self, name, shape=None, dtype=dtypes.float32, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     validate_shape=True, constraint=None, **unused):
        """TF1's rules: share an existing variable or create a new one, or say why not."""
        from_value = _is_value(initializer)
        if from_value and shape is not None:
            raise ValueError(f"If initializer is a constant, do not specify shape (variable "
                             f"{name}): its shape comes from the value.")
        dtype = dtypes.as_dtype(dtype)
        shape = TensorShape(None) if shape is None else as_shape(shape)

        if name in self.vars:
            found = self.vars[name]
            if reuse is False or reuse is None:
                raise ValueError(
                    f"Variable {name} already exists, disallowed. Did you mean to set reuse=True "
                    f"or reuse=tf.AUTO_REUSE in VarScope? Originally defined at:\n\n  "
                    f"{format_line(found.op._site, source=True)}\n\n"
                    + _already_exists_hint(name, self.stacks.get(name), _user_stack()))
            if not shape.is_compatible_with(found.shape):
                raise ValueError(f"Trying to share variable {name}, but specified shape {shape} "
                                 f"and found shape {found.shape}.")
            if dtype is not found.dtype:
                raise ValueError(f"Trying to share variable {name}, but specified dtype "
                                 f"{dtype.name} and found dtype {found.dtype.name}.")
            return found

        if reuse is True:
            raise ValueError(self._does_not_exist_message(name))

        if initializer is None:
            if dtype.is_floating:
                initializer = glorot_uniform_initializer()
            elif dtype.is_integer or dtype.is_bool or dtype is dtypes.string:
                initializer = zeros_initializer()
            else:
                raise ValueError(f"An initializer for variable {name} of {dtype.name} is required")
        if from_value:
            is_tensor = isinstance(initializer, Tensor) or hasattr(initializer, "_as_tensor")
            if is_tensor and initializer.dtype is not dtype:
                raise ValueError(f"Initializer type '{initializer.dtype.name}' and explicit dtype "
                                 f"'{dtype.name}' don't match (variable {name}).")
            init_val, var_dtype = initializer, (None if is_tensor else dtype)
        else:
            if isinstance(initializer, type):
                initializer = initializer()
            if not shape.is_fully_defined():
                raise ValueError(f"Shape of a new variable ({name}) must be fully defined, but "
                                 f"instead was {shape}.")
            dims = shape.as_list()

            def init_val():
                return initializer(dims, dtype=dtype, partition_info=None)
            var_dtype = dtype
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        v = Variable(initial_value=init_val, trainable=True if trainable is None else trainable,
                     collections=collections, validate_shape=validate_shape, name=name,
                     dtype=var_dtype, constraint=constraint)
        self.vars[name] = v
        self.stacks[name] = _user_stack()
        if regularizer is not None:
            with get_default_graph().name_scope(f"{name}/Regularizer/"):
                loss = regularizer(v)
            if loss is not None:
                get_default_graph().add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
        return v

    def _does_not_exist_message(self, name: str) -> str:
        """Why ``name`` cannot be reused, and the fix that shares what the program meant to
        share: never ``AUTO_REUSE`` when a variable of the same relative name exists under
        another scope, since that would create a second, unshared copy of it."""
        graph = get_default_graph()
        msg = f"Variable {name} does not exist, or was not created with tf.get_variable()."
        moved = sorted(v for v in self.vars if _same_but_scope(name, v))
        if moved:
            return msg + _other_scope_hint(name, moved[0])
        msg += " Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
        shared = set(map(id, self.vars.values()))
        short = name.rsplit("/", 1)[-1]
        made_by_variable = [
            v.op.name for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES)
            for v in graph.get_collection(key)
            if id(v) not in shared and v.op.name.rsplit("/", 1)[-1] == short]
        if made_by_variable:
            msg += (f" ({', '.join(made_by_variable)} was made with tf.Variable, which "
                    "tf.get_variable does not share: create it with tf.get_variable.)")
        elif self.vars:
            close = sorted(self.vars)[:10]
            msg += f" Variables made by tf.get_variable so far: {', '.join(close)}."
        return msg


# --------------------------------------------------------------------------------------------
# The hints of the reuse errors, chosen by what the program did
# --------------------------------------------------------------------------------------------
_CELL_FILE = re.compile(r"^<ipython-input-|[/\\]ipykernel_\d+[/\\]")


def _user_stack(limit: int = 48) -> tuple:
    """``(filename, lineno, function)`` of the frames outside flowkit, innermost first, up to
    the outermost notebook cell if any, with IPython's cell numbers removed: a cell run again
    has the same frames."""
    out, f = [], sys._getframe(1)
    while f is not None and len(out) < limit:
        module = f.f_globals.get("__name__", "")
        if not (module.startswith("flowkit") or module in ("contextlib", "functools")):
            file = re.sub(r"^<ipython-input-\d+-", "<ipython-input-", f.f_code.co_filename)
            out.append((file, f.f_lineno, f.f_code.co_name))
        f = f.f_back
    cells = [i for i, frame in enumerate(out) if _is_cell(frame)]
    return tuple(out[:cells[-1] + 1] if cells else out)    # not the notebook's own frames


def _is_cell(frame) -> bool:
    """Whether a frame runs code of a notebook (or IPython) cell."""
    return bool(_CELL_FILE.search(frame[0]))


def _already_exists_hint(name: str, first, now) -> str:
    """The fix for ``get_variable(name)`` made a second time, chosen by comparing the frames
    that made the variable first (``first``) with the frames asking now (``now``):

    * the same frames: the same code ran twice (a notebook cell run again, or a loop);
    * the same line reached from another caller: a model function called twice;
    * another line: two ``get_variable`` calls that ask for the same name."""
    scope, _, short = name.rpartition("/")
    if first and now and first[0][:2] == now[0][:2]:
        k = next((i for i, (a, b) in enumerate(zip(first, now)) if a[:2] != b[:2]), None)
        if k is None:
            return _ran_twice_hint(now)
        func = now[k - 1][2]
        with_reuse = "with tf.variable_scope(tf.get_variable_scope(), reuse=True):"
        call = linecache.getline(now[k][0], now[k][1]).strip()
        call = call if f"{func}(" in call else f"... {func}(...)"
        text = (f"{func}() was called a second time, at {format_line(now[k], source=True)}\n"
                f"(the first call was at {format_line(first[k])}). Each call asks for the same "
                f"variables. To share them (both calls use the same weights), make the second "
                f"call with reuse:\n\n    {with_reuse}\n        {call}\n\nor make "
                f"both calls in one scope and call its reuse_variables() between them:\n\n"
                f"    with tf.variable_scope(\"model\") as scope:\n        out1 = {func}(...)\n"
                f"        scope.reuse_variables()\n        out2 = {func}(...)\n\nTo give the "
                f"second call its own variables instead, make it in another scope: `with "
                f"tf.variable_scope(\"second\"):`. (reuse=tf.AUTO_REUSE also shares, for code "
                f"that must both create and reuse.)")
        return text + (f"\n\n{_NOTEBOOK_HINT}" if _is_cell(now[k]) else "")
    return ("To share it, "
            + (f"open its scope with reuse: `with tf.variable_scope({scope!r}, reuse=True):` "
               "(or reuse=tf.AUTO_REUSE)" if scope else
               "call tf.get_variable_scope().reuse_variables()")
            + f" around the second tf.get_variable({short!r}, ...); to make a new variable, "
            f"use another name or scope.\n\n{_NOTEBOOK_HINT}")


def _ran_twice_hint(now) -> str:
    loop = ("If a loop builds the model at every iteration, build it once before the loop; "
            "to share the variables on purpose, reuse them from the second iteration on: "
            "`with tf.variable_scope(\"model\", reuse=i > 0):` (or reuse=tf.AUTO_REUSE).")
    if any(map(_is_cell, now)):
        return ("The same line, reached the same way, made it before: this code ran twice. "
                + _NOTEBOOK_HINT + " " + loop)
    return "The same line, reached the same way, made it before: this code ran twice. " + loop


def _common_tail(a: list, b: list) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _same_but_scope(name: str, other: str) -> bool:
    """Whether ``other`` is ``name`` made in another scope: one ends with the other
    (``foo/conv1/weights``, ``conv1/weights``), or they share the innermost scope and the
    variable's name (``foo/conv1/weights``, ``image_filters/conv1/weights``)."""
    a, b = name.split("/"), other.split("/")
    n = _common_tail(a, b)
    return name != other and (n == min(len(a), len(b)) or n >= 2)


def _other_scope_hint(name: str, existing: str) -> str:
    """``reuse=True`` asked for ``name`` while the variable that exists is ``existing``: the
    same relative name under another scope (the notes' ``variable_scope("foo",
    reuse=True)`` around a model first built outside ``foo``)."""
    a, b = name.split("/"), existing.split("/")
    n = _common_tail(a, b)
    here, there = "/".join(a[:-n]), "/".join(b[:-n])
    def where(scope):
        return f"in the scope {scope!r}" if scope else "outside any variable scope"
    fix = (f"`with tf.variable_scope({there!r}, reuse=True):`" if there else
           "`with tf.variable_scope(tf.get_variable_scope(), reuse=True):` at the top level, "
           "where the first call was made,")
    return (f" A variable {existing} exists: it was made {where(there)}, and this call looks "
            f"for it {where(here)} (reuse finds a variable by its full name, scope included). "
            f"To share {existing}, make the second call in {fix} or make both calls inside one "
            "`with tf.variable_scope(\"model\") as scope:` and call scope.reuse_variables() "
            "between them. Do not switch to reuse=tf.AUTO_REUSE here: it would create a new "
            f"{name}, not shared with "
            f"{existing}, so the two calls would use different weights.")


def _store(graph=None) -> _ScopeStore:
    graph = graph or get_default_graph()
    if graph._variable_scope_store is None:
        graph._variable_scope_store = _ScopeStore()
    return graph._variable_scope_store


def get_variable_scope() -> "VariableScope":
    """The current :class:`VariableScope` of the default graph (the root scope has name
    ``""``).

    Example:
        >>> import flowkit as tf
        >>> print(repr(tf.get_variable_scope().name))
        ''
        >>> with tf.variable_scope("encoder"):
        ...     print(tf.get_variable_scope().name)
        encoder
    """
    return _store().current_scope


# --------------------------------------------------------------------------------------------
class VariableScope:
    """A variable scope: a name prefix plus defaults (reuse, initializer, regularizer, dtype)
    for the ``get_variable`` calls inside it. ``with tf.variable_scope(...) as scope`` gives
    one; passing it to ``tf.variable_scope(scope)`` later re-enters the same variable names.

    Example:
        >>> import flowkit as tf
        >>> with tf.variable_scope("layer") as scope:
        ...     w = tf.get_variable("w", shape=[2], initializer=tf.ones_initializer())
        >>> print(type(scope).__name__, scope.name)
        VariableScope layer
        >>> with tf.variable_scope(scope, reuse=True):
        ...     w2 = tf.get_variable("w")
        >>> print(w2 is w, w.name)
        True layer/w:0
    """

    def __init__(self, reuse, name="", initializer=None, regularizer=None,
                 caching_device=None, partitioner=None, custom_getter=None, name_scope="",
                 dtype=dtypes.float32, use_resource=None, constraint=None) -> None:
        self._reuse = reuse
        self._name = name
        self._initializer = initializer
        self._regularizer = regularizer
        self._caching_device = caching_device
        self._partitioner = partitioner
        self._custom_getter = custom_getter
        self._name_scope = name_scope
        self._dtype = dtypes.as_dtype(dtype)
        self._use_resource = use_resource
        self._constraint = constraint

    # -- properties ----------------------------------------------------------------------------
    name = property(lambda self: self._name)
    original_name_scope = property(lambda self: self._name_scope,
                                   doc="The name scope the scope opened when first entered.")
    reuse = property(lambda self: self._reuse)
    initializer = property(lambda self: self._initializer)
    regularizer = property(lambda self: self._regularizer)
    dtype = property(lambda self: self._dtype)
    caching_device = property(lambda self: self._caching_device)
    partitioner = property(lambda self: self._partitioner)
    custom_getter = property(lambda self: self._custom_getter)
    use_resource = property(lambda self: self._use_resource)
    constraint = property(lambda self: self._constraint)

    def reuse_variables(self) -> None:
        """From now on, ``get_variable`` in this scope (and scopes nested in it) shares."""
        self._reuse = True

    def set_initializer(self, initializer) -> None:
        self._initializer = initializer

    def set_dtype(self, dtype) -> None:
        self._dtype = dtypes.as_dtype(dtype)

    def set_regularizer(self, regularizer) -> None:
        self._regularizer = regularizer

    def set_caching_device(self, caching_device) -> None:
        self._caching_device = caching_device

    def set_partitioner(self, partitioner) -> None:
        self._partitioner = partitioner

    def set_custom_getter(self, custom_getter) -> None:
        self._custom_getter = custom_getter

    def set_use_resource(self, use_resource) -> None:
        self._use_resource = use_resource

    # -- variables -----------------------------------------------------------------------------
    def _collection(self, key) -> list:
        prefix = self._name + "/" if self._name else ""
        return [v for v in get_default_graph().get_collection(key)
                if v.name.startswith(prefix)]

    def global_variables(self) -> list:
        """The global variables whose names start with this scope's name."""
        return self._collection(GraphKeys.GLOBAL_VARIABLES)

    def trainable_variables(self) -> list:
        return self._collection(GraphKeys.TRAINABLE_VARIABLES)

    def local_variables(self) -> list:
        return self._collection(GraphKeys.LOCAL_VARIABLES)

    def get_collection(self, key) -> list:
        return self._collection(key)

    def get_variable(self, var_store, name, shape=None, dtype=None, initializer=None,
                     regularizer=None, reuse=None, trainable=None, collections=None,
                     caching_device=None, partitioner=None, validate_shape=True,
                     use_resource=None, custom_getter=None, constraint=None):
        """``get_variable`` with this scope's defaults, in ``var_store`` (a graph's store)."""
        if regularizer is None:
            regularizer = self._regularizer
        if partitioner is None:
            partitioner = self._partitioner
        if custom_getter is None:
            custom_getter = self._custom_getter
        if reuse is None:
            reuse = self._reuse
        if initializer is None:
            initializer = self._initializer
        if constraint is None:
            constraint = self._constraint
        full_name = f"{self._name}/{name}" if self._name else name
        graph = get_default_graph()
        # Variable names depend on the variable scope only: leave every name scope.
        with graph.name_scope(None):
            return var_store.get_variable(
                full_name, shape=shape, dtype=dtype, default_dtype=self._dtype,
                initializer=initializer, regularizer=regularizer, reuse=reuse,
                trainable=trainable, collections=collections, partitioner=partitioner,
                validate_shape=validate_shape, custom_getter=custom_getter,
                constraint=constraint)

    def __repr__(self) -> str:
        return f"<tf.VariableScope '{self._name}' reuse={self._reuse!r}>"


# --------------------------------------------------------------------------------------------
# Creating and sharing variables
# --------------------------------------------------------------------------------------------
def _is_value(initializer) -> bool:
    """An initializer given as a value (a tensor, an array, a Python number or list)."""
    return initializer is not None and not callable(initializer)


def _value_dtype(value):
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        return value.dtype
    arr = _to_numpy(value, None)
    return dtypes.string if arr.dtype.kind == "O" else dtypes.as_dtype(arr.dtype)


def get_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                 trainable=None, collections=None, caching_device=None, partitioner=None,
                 validate_shape=True, use_resource=None, custom_getter=None, constraint=None,
                 synchronization=None, aggregation=None):
    """Creates the variable ``<scope>/<name>``, or returns it when the current scope reuses.

    Args:
        name: the name inside the current variable scope.
        shape: the shape of a new variable (omit it when ``initializer`` is a value).
        dtype: default: the scope's dtype (float32), or the dtype of a tensor initializer.
        initializer: an initializer (``tf.zeros_initializer()``...), or a value (tensor,
            array, number, list) whose shape the variable takes. Default: the scope's
            initializer, else Glorot uniform for floats and zeros for ints, bools, strings.
        regularizer: ``fn(variable) -> loss``; the loss is added to
            ``tf.GraphKeys.REGULARIZATION_LOSSES``.
        trainable: also add it to ``tf.GraphKeys.TRAINABLE_VARIABLES`` (default True).
        collections: the collections to add it to (default ``[GLOBAL_VARIABLES]``).
        custom_getter: ``fn(getter, name, **kwargs)`` called instead of ``getter``.
        caching_device, use_resource, synchronization, aggregation: accepted for TF1
            compatibility and ignored (flowkit has one kind of variable, kept by sessions).
        partitioner: must be None (no partitioned variables).

    Raises:
        ValueError: the variable exists and the scope does not reuse; the scope reuses
            (``reuse=True``) and the variable does not exist; a reused variable has another
            shape or dtype; a new variable has no fully defined shape.

    Example:
        >>> import flowkit as tf
        >>> with tf.variable_scope("foo"):
        ...     v = tf.get_variable("v", [1])
        >>> with tf.variable_scope("foo", reuse=True):
        ...     v1 = tf.get_variable("v", [1])
        >>> v1 is v, v.name
        (True, 'foo/v:0')
    """
    return get_variable_scope().get_variable(
        _store(), name, shape=shape, dtype=dtype, initializer=initializer,
        regularizer=regularizer, trainable=trainable, collections=collections,
        caching_device=caching_device, partitioner=partitioner, validate_shape=validate_shape,
        use_resource=use_resource, custom_getter=custom_getter, constraint=constraint)


def get_local_variable(name, shape=None, dtype=None, initializer=None, regularizer=None,
                       trainable=False, collections=None, caching_device=None,
                       partitioner=None, validate_shape=True, use_resource=None,
                       custom_getter=None, constraint=None, synchronization=None,
                       aggregation=None):
    """Like :func:`get_variable`, for a variable in ``tf.GraphKeys.LOCAL_VARIABLES`` (not
    trainable, not saved; initialized by ``tf.local_variables_initializer()``).

    Example:
        >>> import flowkit as tf
        >>> count = tf.get_local_variable("count", shape=[], dtype=tf.int32,
        ...                               initializer=tf.zeros_initializer())
        >>> print(count.name, count.trainable, [v.name for v in tf.local_variables()])
        count:0 False ['count:0']
        >>> with tf.Session() as sess:
        ...     sess.run(tf.local_variables_initializer())
        ...     print(sess.run(tf.assign_add(count, 5)))
        5
    """
    collections = list(collections or []) + [GraphKeys.LOCAL_VARIABLES]
    return get_variable(name, shape, dtype, initializer, regularizer, False, collections,
                        caching_device, partitioner, validate_shape, use_resource,
                        custom_getter, constraint)


# --------------------------------------------------------------------------------------------
# Entering scopes
# --------------------------------------------------------------------------------------------
def _unique_scope_name(store, prefix: str) -> str:
    """``prefix`` or ``prefix_N``: a scope name not yet opened under the current scope."""
    cur = store.current_scope.name
    full = f"{cur}/{prefix}" if cur else prefix
    if store.scope_counts.get(full, 0) == 0:
        return prefix
    i = 1
    while store.scope_counts.get(f"{full}_{i}", 0) > 0:
        i += 1
    return f"{prefix}_{i}"


class variable_scope:  # noqa: N801 -- TF1's name
    """Opens a variable scope (and a name scope for the ops built inside).

    Args:
        name_or_scope: a name (nested under the current variable scope) or a
            :class:`VariableScope` to re-enter (its name is used as is).
        default_name: when ``name_or_scope`` is None, a name made unique (``dense``,
            ``dense_1``...).
        values: tensors passed to the ops inside (their graph is used).
        initializer, regularizer, dtype, custom_getter, constraint: defaults for
            ``get_variable`` inside; nested scopes inherit them.
        reuse: ``True`` (share existing variables; creating one is an error),
            ``tf.AUTO_REUSE`` (share or create) or ``None``/``False`` (inherit the enclosing
            scope's setting: a nested scope cannot switch reuse off).
        auxiliary_name_scope: ``False`` keeps the current name scope for ops.

    Example:
        >>> import flowkit as tf
        >>> with tf.variable_scope("tower") as scope:
        ...     w = tf.get_variable("w", [2])
        ...     a = tf.add(w, 1.0)
        >>> with tf.variable_scope(scope, reuse=True):
        ...     w2 = tf.get_variable("w", [2])
        ...     b = tf.add(w2, 1.0)
        >>> w2 is w, a.op.name, b.op.name, scope.original_name_scope
        (True, 'tower/Add', 'tower_1/Add', 'tower/')
    """

    def __init__(self, name_or_scope, default_name=None, values=None, initializer=None,
                 regularizer=None, caching_device=None, partitioner=None, custom_getter=None,
                 reuse=None, dtype=None, use_resource=None, constraint=None,
                 auxiliary_name_scope=True) -> None:
        if default_name is None and name_or_scope is None:
            raise TypeError("If default_name is None then name_or_scope is required")
        if name_or_scope is not None and not isinstance(name_or_scope, (str, VariableScope)):
            raise TypeError(f"VariableScope: name_or_scope must be a string or VariableScope, "
                            f"got {type(name_or_scope).__name__}")
        if reuse is False:
            reuse = None  # a scope never switches reuse off: False means "inherit"
        if not (reuse is True or reuse is None or reuse is AUTO_REUSE):
            raise ValueError("The reuse parameter must be True or False or None or "
                             f"tf.AUTO_REUSE, got {reuse!r}.")
        if not isinstance(auxiliary_name_scope, bool):
            raise TypeError("The auxiliary_name_scope must be `True` or `False`, got "
                            f"{auxiliary_name_scope!r}.")
        self._name_or_scope, self._default_name = name_or_scope, default_name
        self._reuse = reuse
        self._defaults = {"initializer": initializer, "regularizer": regularizer,
                          "caching_device": caching_device, "partitioner": partitioner,
                          "custom_getter": custom_getter, "dtype": dtype,
                          "use_resource": use_resource, "constraint": constraint}
        self._aux = auxiliary_name_scope
        self._graph = get_default_graph()
        for v in values or ():
            if isinstance(v, Tensor) or hasattr(v, "graph"):
                self._graph = v.graph
                break
        self._active = False

    # -- entering ------------------------------------------------------------------------------
    def _new_scope(self, store, name_or_scope, reuse, old_name_scope) -> VariableScope:
        old = store.current_scope
        if isinstance(name_or_scope, VariableScope):
            src = name_or_scope
            scope = VariableScope(src.reuse if not reuse else reuse, name=src.name,
                                  initializer=src.initializer, regularizer=src.regularizer,
                                  caching_device=src.caching_device,
                                  partitioner=src.partitioner, custom_getter=src.custom_getter,
                                  name_scope=src.original_name_scope, dtype=src.dtype,
                                  use_resource=src.use_resource, constraint=src.constraint)
        else:
            name = f"{old.name}/{name_or_scope}" if old.name else name_or_scope
            scope = VariableScope(reuse or old.reuse, name=name, initializer=old.initializer,
                                  regularizer=old.regularizer,
                                  caching_device=old.caching_device,
                                  partitioner=old.partitioner, custom_getter=old.custom_getter,
                                  name_scope=name_or_scope if old_name_scope is None
                                  else old_name_scope,
                                  dtype=old.dtype, use_resource=old.use_resource,
                                  constraint=old.constraint)
        for key, value in self._defaults.items():
            if value is None:
                continue
            if key == "custom_getter" and scope.custom_getter is not None:
                value = _nest_getters(value, scope.custom_getter)
            if key == "constraint":
                scope._constraint = value
            else:
                getattr(scope, f"set_{key}")(value)
        return scope

    def __enter__(self) -> VariableScope:
        if self._active:
            raise RuntimeError("This variable_scope is already entered; nest a new "
                               "tf.variable_scope(...) instead.")
        graph, store = self._graph, _store(self._graph)
        with contextlib.ExitStack() as stack:     # undone if entering fails half-way
            stack.enter_context(graph.as_default())
            ns_ctx = None
            if not self._aux:                     # keep the current name scope
                cur = graph.get_name_scope()
                ns_ctx = graph.name_scope(cur + "/" if cur else None)
            name_or_scope = self._name_or_scope
            old_name_scope = None
            if name_or_scope is None:
                if self._reuse is True:
                    raise ValueError("reuse=True cannot be used without a name_or_scope")
                old_name_scope = stack.enter_context(
                    ns_ctx or graph.name_scope(self._default_name))
                name_or_scope = _unique_scope_name(store, self._default_name)
            else:
                ns_name = name_or_scope if isinstance(name_or_scope, str) else \
                    name_or_scope.name.split("/")[-1]
                if ns_name or ns_ctx is not None:
                    ns = stack.enter_context(ns_ctx or graph.name_scope(ns_name))
                    old_name_scope = ns if isinstance(name_or_scope, str) else \
                        name_or_scope.original_name_scope
            scope = self._new_scope(store, name_or_scope, self._reuse, old_name_scope)
            self._exit_stack = stack.pop_all()
        self._old = store.current_scope
        store.open_scope(scope.name)
        self._is_object = isinstance(name_or_scope, VariableScope)
        if self._is_object:
            self._saved_counts = dict(store.scope_counts)
        store.current_scope = scope
        self._scope, self._active = scope, True
        return scope

    def __exit__(self, exc_type, exc, tb):
        store = _store(self._graph)
        if self._is_object:
            store.scope_counts = self._saved_counts
        else:
            store.close_subscopes(self._scope.name)
        store.current_scope = self._old
        self._active = False
        self._exit_stack.__exit__(exc_type, exc, tb)
        return False


def _nest_getters(inner, outer):
    """A custom getter given to a nested scope wraps the enclosing scope's getter."""
    def nested(getter, *args, **kwargs):
        return inner(lambda *a, **k: outer(getter, *a, **k), *args, **kwargs)
    return nested
