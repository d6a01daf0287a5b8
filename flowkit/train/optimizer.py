"""The base class of every optimizer: gradients in, variable updates out, as graph ops.

``minimize(loss)`` is ``compute_gradients`` (``tf.gradients`` of the loss with respect to the
trainable variables) followed by ``apply_gradients`` (one update op per variable, written with
``tf.assign``-family ops). The result is an op to run once per training step; nothing changes
until a session runs it.

Some optimizers keep extra state per variable -- Adam's moment estimates, Momentum's
accumulator. Those are *slots*: non-trainable variables named after the variable and the
optimizer (``w/Adam:0``, ``w/Adam_1:0``), created when ``minimize`` / ``apply_gradients``
builds the update, so ``tf.global_variables_initializer()`` must be created afterwards to
initialize them.

A new optimizer subclasses :class:`Optimizer` and writes :meth:`Optimizer._create_slots`
(make the slots) and :meth:`Optimizer._apply_dense` (return the update op of one variable);
the standard ones live in the ``flowkit_optimizers`` plugin and are reachable as
``tf.train.GradientDescentOptimizer`` and so on.

Example:
    >>> import flowkit as tf
    >>> w = tf.Variable(3.0, name="w")
    >>> loss = w * w
    >>> train_op = tf.train.GradientDescentOptimizer(0.25).minimize(loss)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     for _ in range(3):
    ...         print(sess.run([train_op, loss])[1])   # the loss before each update
    9.0
    2.25
    0.5625
"""
from __future__ import annotations

import numpy as np

from flowkit.framework import warnings as fk_warnings
from flowkit.framework.graph import (GraphKeys, Operation, Tensor, capture_user_frame,
                                     get_default_graph)
from flowkit.ops import array_ops, control_flow_ops, indexing_ops, state_ops
from flowkit.ops.core import constant, convert_to_tensor
from flowkit.gradients import explain_no_gradient, gradients
from flowkit.variable_scope import get_variable_scope
from flowkit.variables import Variable

__all__ = ["Optimizer"]

_FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")


def _is_variable(v) -> bool:
    return hasattr(v, "_variable") and hasattr(v, "initializer")


class Optimizer:
    """Base class of TF1 optimizers (``tf.train.Optimizer``).

    Args:
        use_locking: accepted for TF1 compatibility (updates never race in flowkit).
        name: the optimizer's name: the name scope of its update ops and the suffix of its
            slots' names (``w/<name>``).

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable(2.0, name="w")
        >>> opt = tf.train.GradientDescentOptimizer(0.1)
        >>> print(isinstance(opt, tf.train.Optimizer))
        True
        >>> grads_and_vars = opt.compute_gradients(w * w)
        >>> train_op = opt.apply_gradients(grads_and_vars)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(grads_and_vars[0][0]))
        ...     sess.run(train_op)
        ...     print(sess.run(w))
        4.0
        1.6
    """

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking: bool, name: str) -> None:
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}          # slot name -> {variable: slot variable}
        self._non_slots = {}      # (name, graph) -> variable (Adam's beta1_power...)
        self._hyper_cache = {}

    def get_name(self) -> str:
        return self._name

    # -- the three public steps ------------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP,
                 aggregation_method=None, colocate_gradients_with_ops=False, name=None,
                 grad_loss=None):
        """Adds the ops that move ``var_list`` (default: the trainable variables) one step
        down the gradient of ``loss``, and increment ``global_step`` if given.

        Returns:
            The training op (an Operation); run it once per step.

        Raises:
            ValueError: no variable to optimize, or ``loss`` depends on none of them.
        """
        grads_and_vars = self.compute_gradients(
            loss, var_list=var_list, gate_gradients=gate_gradients,
            aggregation_method=aggregation_method,
            colocate_gradients_with_ops=colocate_gradients_with_ops, grad_loss=grad_loss)
        if not any(g is not None for g, _ in grads_and_vars):
            loss_t = loss if isinstance(loss, Tensor) else convert_to_tensor(loss)
            why = "\n".join(f"  {v.op.name}: {explain_no_gradient(loss_t, v)}"
                            for _, v in grads_and_vars)
            raise ValueError(
                "No gradients provided for any variable, check your graph for ops that do not "
                "support gradients, between variables "
                f"{[str(v) for _, v in grads_and_vars]} and loss {loss}.\nFor each variable, "
                f"what stops the gradient on its way to the loss '{loss_t.name}':\n{why}\n"
                "A loss must be computed from the variables by differentiable float ops: "
                "compute it from logits or probabilities, not from tf.argmax, tf.equal or a "
                "tf.cast to an integer type (those are for metrics such as accuracy).")
        graph = grads_and_vars[0][1].graph
        n_vars = len(graph.get_collection_ref(GraphKeys.GLOBAL_VARIABLES))
        train_op = self.apply_gradients(grads_and_vars, global_step=global_step, name=name)
        self._warn_if_initializer_early(graph, n_vars)
        return train_op

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP,
                          aggregation_method=None, colocate_gradients_with_ops=False,
                          grad_loss=None):
        """Returns ``[(gradient, variable), ...]``; the gradient is ``None`` for a variable
        that ``loss`` does not depend on.

        Raises:
            ValueError: there are no variables to optimize, or a dtype is not a float.
        """
        if gate_gradients not in (self.GATE_NONE, self.GATE_OP, self.GATE_GRAPH):
            raise ValueError(f"gate_gradients must be one of: Optimizer.GATE_NONE, "
                             f"Optimizer.GATE_OP, Optimizer.GATE_GRAPH. Not {gate_gradients}")
        if callable(loss) and not isinstance(loss, Tensor):
            loss = loss()
        loss = convert_to_tensor(loss)
        self._assert_valid_dtypes([loss])
        if var_list is None:
            var_list = loss.graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
        else:
            var_list = list(var_list)
        if not var_list:
            raise ValueError("No variables to optimize.")
        for v in var_list:
            if not _is_variable(v):
                raise TypeError(f"Argument is not a tf.Variable: {v!r}")
        _warn_integer_variables(var_list)
        grads = gradients(loss, var_list, grad_ys=grad_loss,
                          gate_gradients=gate_gradients == self.GATE_OP,
                          aggregation_method=aggregation_method,
                          colocate_gradients_with_ops=colocate_gradients_with_ops)
        grads_and_vars = list(zip(grads, var_list))
        self._assert_valid_dtypes([v for g, v in grads_and_vars if g is not None])
        return grads_and_vars

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Adds the update ops for ``grads_and_vars`` (from :meth:`compute_gradients`, maybe
        transformed, e.g. clipped). Pairs whose gradient is ``None`` are skipped.

        Returns:
            An Operation that applies every update (and then increments ``global_step``,
            when given). It is named after the optimizer (``"GradientDescent"``) unless
            ``name`` is given.

        Raises:
            TypeError: a pair is not ``(tensor, Variable)``.
            ValueError: there are no pairs, or every gradient is ``None``.
        """
        grads_and_vars = tuple(grads_and_vars)
        if not grads_and_vars:
            raise ValueError("No variables provided.")
        converted = []
        for pair in grads_and_vars:
            try:
                g, v = pair
            except (TypeError, ValueError):
                raise TypeError(f"apply_gradients expects (gradient, variable) pairs, got "
                                f"{pair!r}") from None
            if g is not None:
                try:
                    g = convert_to_tensor(g)
                except (TypeError, ValueError):
                    raise TypeError(f"Gradient must be convertible to a Tensor or "
                                    f"IndexedSlices, or None: {g!r}") from None
            if not _is_variable(v):
                raise TypeError(f"Variable must be a tf.Variable: {v!r}")
            if g is not None and g.dtype is not v.dtype:
                raise TypeError(f"The gradient of {v.name} has dtype {g.dtype.name} but the "
                                f"variable has dtype {v.dtype.name}.")
            converted.append((g, v))
        var_list = [v for g, v in converted if g is not None]
        if not var_list:
            raise ValueError(f"No gradients provided for any variable: "
                             f"{[(str(g), str(v)) for g, v in converted]}.")
        graph = var_list[0].graph
        with graph.control_dependencies(None), graph.name_scope(None):
            self._create_slots(var_list)
        with graph.name_scope(name or self._name) as scope:
            self._hyper_cache, self._scope = {}, scope
            self._prepare()
            update_ops = []
            for g, v in converted:
                if g is None:
                    continue
                with graph.name_scope("update_" + v.op.name):
                    rows = _gathered_rows(g, v) if self._has_sparse_update() else None
                    update_ops.append(_as_op(self._apply_dense(g, v) if rows is None else
                                             self._apply_sparse(*rows, v)))
            if global_step is None:
                train_op = self._finish(update_ops, scope)
            else:
                with graph.control_dependencies([self._finish(update_ops, "update")]):
                    train_op = state_ops.assign_add(global_step, 1, name=scope).op
        train_ops = graph.get_collection_ref(GraphKeys.TRAIN_OP)
        if train_op not in train_ops:
            train_ops.append(train_op)
        return train_op

    # -- slots -----------------------------------------------------------------------------
    def get_slot_names(self) -> list:
        """The names of the slots this optimizer creates (``["m", "v"]`` for Adam)."""
        return sorted(self._slots)

    def get_slot(self, var, name):
        """The slot variable ``name`` of ``var``, or ``None``."""
        return self._slots.get(name, {}).get(var)

    def variables(self) -> list:
        """The optimizer's own variables (slots and e.g. ``beta1_power``) in the default
        graph, sorted by name."""
        graph = get_default_graph()
        out = [v for (_, g), v in self._non_slots.items() if g is graph]
        for table in self._slots.values():
            out.extend(v for v in table.values() if v.graph is graph)
        return sorted(out, key=lambda v: v.name)

    def _make_slot(self, var, slot_name, init_value=0.0):
        """Creates (once) a slot of ``var`` filled with ``init_value``, named ``<var>/<opt>``
        (made unique: the second slot of the same optimizer is ``<var>/<opt>_1``)."""
        table = self._slots.setdefault(slot_name, {})
        if var in table:
            return table[var]
        self._check_not_reusing(var)
        dtype = var.dtype
        shape = var.shape

        def initial():
            fill = constant(init_value, dtype=dtype)
            if shape.is_fully_defined():
                return array_ops.broadcast_to(fill, shape.as_list())
            return array_ops.broadcast_to(fill, array_ops.shape(var.initial_value))

        slot = Variable(initial, name=f"{var.op.name}/{self._name}", trainable=False,
                        dtype=dtype, validate_shape=shape.is_fully_defined())
        table[var] = slot
        return slot

    _zeros_slot = _make_slot

    def _check_not_reusing(self, var) -> None:
        """TF1 makes slots with tf.get_variable in the current variable scope, so under
        ``reuse=True`` (a GAN's discriminator scope) a new slot does not exist: TF's error,
        and the fix."""
        scope = get_variable_scope()
        if scope.reuse is not True:
            return
        prefix = f"{scope.name}/" if scope.name else ""
        raise ValueError(
            f"Variable {prefix}{var.op.name}/{self._name}/ does not exist, or was not created "
            "with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope? "
            f"(The {type(self).__name__} makes its slot variables for {var.op.name} when "
            f"minimize/apply_gradients runs, here inside variable_scope('{scope.name}', "
            "reuse=True), where no new variable may be created. Call minimize outside the "
            "reused scope, e.g. `with tf.variable_scope(tf.get_variable_scope(), "
            "reuse=tf.AUTO_REUSE):` or after the `with` block.)")

    def _warn_if_initializer_early(self, graph, n_vars) -> None:
        """Warns when ``minimize`` made variables (slots, ``beta1_power``...) after an
        initializer op (``init``) was made: that op does not initialize them."""
        made = graph.get_collection_ref(GraphKeys.GLOBAL_VARIABLES)[n_vars:]
        if not made:
            return
        inits = [op for op in graph._ops if op.type == "NoOp" and op._control_inputs and
                 (op.name == "init" or op.name.startswith("init_")) and
                 op._id < made[0].op._id]
        if not inits:
            return
        fk_warnings.warn(
            "initializer_order",
            f"{type(self).__name__}.minimize made {len(made)} variable(s) (e.g. "
            f"'{made[0].op.name}') after the initializer op '{inits[-1].name}' was made at "
            f"{inits[-1].user_line}; that op does not initialize them, and running the "
            "training op will fail with FailedPreconditionError (\"Attempting to use "
            "uninitialized value ...\"). Create tf.global_variables_initializer() after "
            "minimize().", capture_user_frame())

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slots.get((name, graph or get_default_graph()))

    def _create_non_slot_variable(self, initial_value, name, graph):
        """A per-graph optimizer variable (not tied to one model variable), at the top
        level: ``beta1_power``."""
        key = (name, graph)
        v = self._non_slots.get(key)
        if v is None:
            v = Variable(initial_value, name=name, trainable=False)
            self._non_slots[key] = v
        return v

    # -- hyper-parameters ------------------------------------------------------------------
    def _call_if_callable(self, value):
        return value() if callable(value) else value

    def _hyper(self, value, dtype, name):
        """``value`` (a number, tensor or variable) as a tensor of ``dtype``: numbers become
        one constant per dtype, tensors of another float dtype are cast."""
        value = self._call_if_callable(value)
        key = (name, dtype)
        cached = self._hyper_cache.get(key)
        if cached is not None:
            return cached
        graph = get_default_graph()
        with graph.name_scope(getattr(self, "_scope", None) or None):
            if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
                t = convert_to_tensor(value)
                if t.dtype is not dtype:
                    t = array_ops.cast(t, dtype, name=f"{name}_cast")
            else:
                t = constant(np.asarray(value, dtype=dtype.as_numpy_dtype), name=name)
        self._hyper_cache[key] = t
        return t

    # -- what subclasses write -------------------------------------------------------------
    def _create_slots(self, var_list) -> None:
        """Creates the slots of every variable in ``var_list`` (default: none)."""

    def _prepare(self) -> None:
        """Called once per ``apply_gradients``, inside its name scope, before the updates."""

    def _apply_dense(self, grad, var):
        """Returns the op (or tensor) that updates ``var`` given its gradient ``grad``."""
        raise NotImplementedError(f"{type(self).__name__} must implement _apply_dense")

    def _apply_sparse(self, values, indices, var):
        """Optional: the update of ``var`` when its gradient is rows of it, as from
        ``tf.gather``/``tf.nn.embedding_lookup``: ``values[i]`` is the gradient of row
        ``indices[i]`` (repeated rows accumulate), every other row's gradient is zero. TF1
        hands such a gradient over as ``tf.IndexedSlices``; flowkit's ``tf.gradients`` gives
        it dense, and :meth:`apply_gradients` calls this method (when a subclass defines it)
        with the rows instead, so an embedding's update touches only the rows a batch used,
        as TF's does."""
        raise NotImplementedError

    def _has_sparse_update(self) -> bool:
        return type(self)._apply_sparse is not Optimizer._apply_sparse

    def _finish(self, update_ops, name_scope):
        """Groups the update ops into the one training op (subclasses add more updates)."""
        return control_flow_ops.group(*update_ops, name=name_scope)

    # -- checks ----------------------------------------------------------------------------
    def _assert_valid_dtypes(self, tensors) -> None:
        for t in tensors:
            if t.dtype.name not in _FLOAT_TYPES:
                raise ValueError(f"Invalid type {t.dtype!r} for {t.name}, expected: "
                                 f"[{', '.join('tf.' + n for n in _FLOAT_TYPES)}].")


def _warn_integer_variables(var_list) -> None:
    if not var_list:
        return
    steps = set(map(id, var_list[0].graph.get_collection(GraphKeys.GLOBAL_STEP)))
    # Counters (a global step made without trainable=False) are left alone.
    ints = [v for v in var_list if v.dtype.is_integer and id(v) not in steps and
            not v.op.name.rsplit("/", 1)[-1].endswith("step")]
    if ints:
        names = ", ".join(f"'{v.op.name}' ({v.dtype.name}, made at {v.op.user_line})"
                          for v in ints)
        fk_warnings.warn(
            "integer_variable",
            f"The optimizer was given integer variable(s) {names}: gradients exist only for "
            "float variables, so these will never change. Create them with a float dtype "
            "(tf.Variable(0.0) or dtype=tf.float32), or mark counters trainable=False and "
            "leave them out of var_list.", capture_user_frame())


def _gathered_rows(grad, var):
    """``(values, indices)`` when ``grad`` is the gradient of rows gathered from ``var`` along
    axis 0 (a ``GatherGrad``, as ``tf.gradients`` makes for ``tf.gather`` of the variable or
    of its value, maybe clipped by ``tf.clip_by_global_norm``), else ``None``."""
    rows = indexing_ops.gathered_rows(grad)
    if rows is None or var.shape.ndims in (None, 0):
        return None
    values, indices, _ = rows
    if values.shape.ndims is None or indices.shape.ndims is None or \
            values.shape.ndims != indices.shape.ndims + var.shape.ndims - 1:
        return None
    return values, indices


def _as_op(x):
    if isinstance(x, Operation):
        return x
    if isinstance(x, Tensor):
        return x.op
    if hasattr(x, "_as_graph_element"):
        return x._as_graph_element().op
    raise TypeError(f"_apply_dense must return an Operation or Tensor, got {x!r}")
