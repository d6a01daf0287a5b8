"""Control flow: ``no_op``, ``group``, ``tuple``, ``Assert``, ``cond`` and ``case``.

``tf.cond(pred, true_fn, false_fn)`` builds both branches but runs only one, with TF1's own
idea of *dead* values:

* ``Switch(data, pred)`` has two outputs, ``(output_false, output_true)``; the session makes
  the one that was not chosen *dead*.
* An op with a dead input (data or control) is dead: it does not run and its outputs are dead.
  Every op of a branch reads its outside values through a ``Switch``, and ops without inputs
  get a control input on the branch's *pivot* (an ``Identity`` of the predicate's switch), so
  the whole branch that was not taken is dead.
* ``Merge`` outputs whichever of its inputs is alive: the result of the branch that ran.

The session uses a second, dead-value-aware loop only for plans that contain a ``Switch``;
other graphs run exactly as before. Gradients come from two short rules: the gradient of a
``Merge`` is a ``Switch`` of the gradient on the same predicate, and the gradient of a
``Switch`` is a ``Merge`` of its two output gradients.

Example:
    >>> import flowkit as tf
    >>> x = tf.placeholder(tf.float32, [], name="x")
    >>> y = tf.cond(x > 0.0, lambda: x * 2.0, lambda: -x)
    >>> y.name, y.op.type
    ('cond/Merge:0', 'Merge')
    >>> with tf.Session() as sess:
    ...     print(sess.run(y, {x: 3.0}), sess.run(y, {x: -4.0}))
    6.0 4.0
"""
from __future__ import annotations

__all__ = ["no_op", "group", "tuple", "cond", "case", "Assert"]

import builtins
import collections

from flowkit.framework import dtypes
from flowkit.framework.graph import Operation, Tensor, get_default_graph
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.array_ops import cast, identity, stack
from flowkit.ops.core import constant, convert_to_tensor, graph_of, make_op
from flowkit.ops.math_ops import less_equal, reduce_sum

_tuple = builtins.tuple

register_op("NoOp", shape=lambda inputs, attrs: [], grad=None, kernel=False)


def no_op(name=None) -> Operation:
    """An op that does nothing; useful as a target for control dependencies.

    Example:
        >>> import flowkit as tf
        >>> op = tf.no_op(name="nothing")
        >>> print(op.name, op.type)
        nothing NoOp
        >>> with tf.Session() as sess:
        ...     print(sess.run(op))
        None
    """
    return get_default_graph().create_op("NoOp", [], None, name or "NoOp")


def _as_op(x):
    if hasattr(x, "_as_graph_element") and not isinstance(x, (Tensor, Operation)):
        x = x._as_graph_element()
    if isinstance(x, Tensor):
        return x.op
    if isinstance(x, Operation):
        return x
    raise TypeError(f"tf.group expects operations or tensors, got {x!r}")


def group(*inputs, name=None) -> Operation:
    """An op that runs all ``inputs`` (ops or tensors) and outputs nothing.

    Example:
        >>> import flowkit as tf
        >>> a = tf.Variable(0.0)
        >>> b = tf.Variable(0.0)
        >>> both = tf.group(tf.assign(a, 1.0), tf.assign(b, 2.0), name="both")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(both))
        ...     print(sess.run(a), sess.run(b))
        None
        1.0 2.0
    """
    ops = [_as_op(x) for x in inputs]
    graph = ops[0].graph if ops else get_default_graph()
    with graph.control_dependencies(ops):
        return graph.create_op("NoOp", [], None, name or "group_deps")


def with_dependencies(dependencies, output_tensor, name=None) -> Tensor:
    """``output_tensor``'s value, computed only after every op in ``dependencies`` ran."""
    graph = output_tensor.graph if isinstance(output_tensor, Tensor) else get_default_graph()
    with graph.name_scope(name or "control_dependency") as scope:
        with graph.control_dependencies(dependencies):
            return identity(convert_to_tensor(output_tensor), name=scope)


def tuple(tensors, name=None, control_inputs=None):  # noqa: A001 - TF1's public name
    """Groups tensors: each returned tensor is available only after all of them are computed.

    Returns a list with, for each tensor, an ``Identity`` gated on all the tensors (and on
    ``control_inputs``); ``None`` entries stay ``None``; operations become gated ``NoOp`` s.

    Example:
        >>> import flowkit as tf
        >>> a, b = tf.tuple([tf.constant(1.0), tf.constant(2.0)])
        >>> a.name, b.name, a.op.control_inputs[0].name
        ('tuple/control_dependency:0', 'tuple/control_dependency_1:0', 'tuple/group_deps')
    """
    tensors = [t if t is None or isinstance(t, (Tensor, Operation)) else convert_to_tensor(t)
               for t in tensors]
    graph = next((t.graph for t in tensors if t is not None), get_default_graph())
    with graph.name_scope(name or "tuple"):
        gating = [t if isinstance(t, Operation) else t.op for t in tensors if t is not None]
        gating += [_as_op(c) for c in control_inputs or ()]
        gating = sorted(set(gating), key=lambda op: op._id)
        if not gating:
            raise ValueError(f"Must have at least one Tensor: {tensors}")
        gate = group(*gating)
        out = []
        for t in tensors:
            if isinstance(t, Tensor):
                out.append(with_dependencies([gate], t))
            elif isinstance(t, Operation):
                with graph.control_dependencies([gate]):
                    out.append(group(t))
            else:
                out.append(None)
        return out


# --------------------------------------------------------------------------------------------
# Switch and Merge: the two ops the session treats specially (see flowkit/session_plan.py).
# --------------------------------------------------------------------------------------------
def _switch_shape(inputs, attrs):
    data, pred = inputs
    if pred.dtype is not dtypes.bool:
        raise TypeError(f"Input 'pred' of 'Switch' Op has type {pred.dtype.name} that does not "
                        "match expected type of bool.")
    if pred.shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {pred.shape.ndims}")
    return [(data.dtype, data.shape), (data.dtype, data.shape)]


def _switch_grad(op, grad_false, grad_true):
    # The gradient of the branch that ran is alive, the other is dead: Merge picks it.
    return [_merge([grad_false, grad_true], op.inputs[1], name="cond_grad"), None]


def _merge_shape(inputs, attrs):
    first = inputs[0]
    dims = first.shape.as_tuple()
    for t in inputs[1:]:
        if t.dtype is not first.dtype:
            raise TypeError(f"Inputs of 'Merge' have different types: {first.dtype.name} and "
                            f"{t.dtype.name}")
        other = t.shape.as_tuple()
        if dims is None or other is None or len(dims) != len(other):
            dims = None
        else:
            dims = _tuple(a if a == b else None for a, b in zip(dims, other))
    return [(first.dtype, TensorShape(dims)), (dtypes.int32, TensorShape([]))]


def _merge_grad(op, grad, _grad_index=None):
    # Send the gradient back into the branch that produced the output: Switch on the same
    # predicate (recorded by name, so that a graph written to JSON keeps it).
    pred = op.graph.get_tensor_by_name(op.attrs["pred"])
    return list(_switch(grad, pred, name="cond_grad").outputs)


register_op("Switch", shape=_switch_shape, grad=_switch_grad, kernel=False, view=True,
            doc="Forwards input 0 to output 1 if pred (input 1) is true, else to output 0; "
                "the other output is dead.")
register_op("Merge", shape=_merge_shape, grad=_merge_grad, kernel=False, view=True,
            doc="Forwards the one live input; output 1 is its index.")


def _switch(data, pred, name="Switch") -> Operation:
    return make_op("Switch", (data, pred), None, name)


def _merge(values, pred, name="Merge") -> Tensor:
    return make_op("Merge", values, {"pred": pred.name}, name).outputs[0]


# --------------------------------------------------------------------------------------------
# Nested structures (lists, tuples, namedtuples, dicts) of branch results.
# --------------------------------------------------------------------------------------------
def _is_sequence(x) -> bool:
    return isinstance(x, (list, _tuple, dict, collections.abc.Mapping))


def _flatten(x) -> list:
    if isinstance(x, (dict, collections.abc.Mapping)):
        return [leaf for k in sorted(x) for leaf in _flatten(x[k])]
    if isinstance(x, (list, _tuple)):
        return [leaf for item in x for leaf in _flatten(item)]
    return [x]


def _pack_as(structure, flat):
    it = iter(flat)

    def build(s):
        if isinstance(s, (dict, collections.abc.Mapping)):
            built = {k: build(s[k]) for k in sorted(s)}
            return type(s)((k, built[k]) for k in s)
        if isinstance(s, (list, _tuple)):
            items = [build(v) for v in s]
            if hasattr(s, "_fields"):
                return type(s)(*items)
            return type(s)(items)
        return next(it)
    return build(structure)


def _assert_same_structure(a, b) -> None:
    def fail(exc, more=""):
        raise exc("The two structures don't have the same nested structure.\n\nFirst "
                  f"structure: {a!r}\n\nSecond structure: {b!r}{more}")

    def walk(x, y):
        if _is_sequence(x) != _is_sequence(y):
            fail(ValueError)
        if not _is_sequence(x):
            return
        if type(x) is not type(y) and not (isinstance(x, dict) and isinstance(y, dict)):
            fail(TypeError, f"\n\nThe types differ: {type(x).__name__} and "
                            f"{type(y).__name__}.")
        if isinstance(x, (dict, collections.abc.Mapping)):
            if sorted(x) != sorted(y):
                fail(ValueError, f"\n\nThe keys differ: {sorted(x)} and {sorted(y)}.")
            for k in x:
                walk(x[k], y[k])
            return
        if len(x) != len(y):
            fail(ValueError, f"\n\nThe lengths differ: {len(x)} and {len(y)}.")
        for u, v in zip(x, y):
            walk(u, v)
    walk(a, b)


# --------------------------------------------------------------------------------------------
# tf.cond
# --------------------------------------------------------------------------------------------
def _build_branch(graph, fn, pred_id, pivot, branch, what):
    """Calls ``fn`` and wires the ops it made into the branch: outside inputs are read through
    a ``Switch`` (output ``branch``), ops without inputs wait for ``pivot``."""
    start = len(graph.get_operations())
    result = fn()
    if result is None:
        raise ValueError(f"'{what}' must have a return value.")
    leaves = _flatten(result)
    made = []
    for leaf in leaves:
        if isinstance(leaf, Operation):
            made.append(leaf)
        else:
            made.append(convert_to_tensor(leaf))
    new_ops = graph.get_operations()[start:]
    inside = set(new_ops)
    switches = {}

    def switched(t, scope=None):
        sw = switches.get(t)
        if sw is None:
            if scope is None:
                sw = _switch(t, pred_id).outputs[branch]
            else:
                with graph.name_scope(scope):
                    sw = _switch(t, pred_id).outputs[branch]
            switches[t] = sw
        return sw

    for op in new_ops:
        inputs = list(op.inputs)
        gated = changed = False
        for i, t in enumerate(inputs):
            if t.op in inside:
                gated = True
                continue
            if (i == 0 and op.op_def.writes_ref) or t.op.type == "VariableV2":
                continue   # a variable reference, not a read: gate the op on the pivot instead
            new = switched(t, op.name + "/")
            inputs[i] = new
            t._consumers.remove(op)
            new._consumers.append(op)
            gated = changed = True
        if changed:
            op.inputs = _tuple(inputs)
        if not gated:
            op._add_control_input(pivot.op)
    # Results: an op becomes the pivot gated on it; an outside tensor is switched.
    out = []
    for r in made:
        if isinstance(r, Operation):
            out.append(with_dependencies([r], pivot))
        elif r.op not in inside:
            out.append(switched(r))
        else:
            out.append(r)
    return result, out


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """Returns ``true_fn()`` if ``pred`` is true, else ``false_fn()``, running only that one.

    Both functions are called once, now, to build their branch; at run time the ops of the
    branch not taken do not run (their side effects, such as assignments, do not happen).

    Args:
        pred: a scalar ``bool`` tensor.
        true_fn, false_fn: functions of no arguments returning a tensor, an op, or a nested
            structure (lists, tuples, namedtuples, dicts) of them; both the same structure and
            dtypes.
        strict: if False, a one-element list or tuple result is unpacked to its element.
        name: the name scope (default ``cond``).
        fn1, fn2: TF1's deprecated names for ``true_fn`` and ``false_fn``.

    Returns:
        The result of the branch taken, with the branches' structure.

    Raises:
        TypeError: ``pred`` is a Python bool or not a bool tensor; a function is missing or
            not callable; the structures have different sequence types.
        ValueError: a function returns ``None``, or the structures or dtypes differ.

    Example:
        >>> import flowkit as tf
        >>> p = tf.placeholder(tf.bool, [])
        >>> a, b = tf.cond(p, lambda: (1, 2.0), lambda: (3, 4.0))
        >>> with tf.Session() as sess:
        ...     print(sess.run([a, b], {p: False}))
        [np.int32(3), np.float32(4.0)]
    """
    if fn1 is not None:
        if true_fn is not None:
            raise TypeError("cond(): 'true_fn' and 'fn1' may not be set simultaneously.")
        true_fn = fn1
    if fn2 is not None:
        if false_fn is not None:
            raise TypeError("cond(): 'false_fn' and 'fn2' may not be set simultaneously.")
        false_fn = fn2
    for fn, what in ((true_fn, "true_fn"), (false_fn, "false_fn")):
        if fn is None:
            raise TypeError(f"cond(): '{what}' argument required")
        if not callable(fn):
            raise TypeError(f"'{what}' must be callable.")
    if isinstance(pred, builtins.bool):
        raise TypeError("'pred' must not be a Python bool.")
    graph = graph_of([pred])
    with graph.name_scope(name or "cond"):
        pred = convert_to_tensor(pred)
        p_false, p_true = _switch(pred, pred).outputs
        pivot_t = identity(p_true, name="switch_t")
        pivot_f = identity(p_false, name="switch_f")
        pred_id = identity(pred, name="pred_id")
        orig_t, res_t = _build_branch(graph, true_fn, pred_id, pivot_t, 1, "true_fn")
        orig_f, res_f = _build_branch(graph, false_fn, pred_id, pivot_f, 0, "false_fn")
        _assert_same_structure(orig_t, orig_f)
        for t, f in zip(res_t, res_f):
            if t.dtype is not f.dtype:
                raise ValueError("Outputs of 'true_fn' and 'false_fn' must have the same "
                                 f"type(s). Received {t.dtype.name} from 'true_fn' and "
                                 f"{f.dtype.name} from 'false_fn'.")
        merges = [_merge([f, t], pred_id) for f, t in zip(res_f, res_t)]
    result = _pack_as(orig_t, merges)
    if not strict and isinstance(result, (list, _tuple)) and len(result) == 1:
        return result[0]
    return result


# --------------------------------------------------------------------------------------------
# Assert and case
# --------------------------------------------------------------------------------------------
def _assert_shape(inputs, attrs):
    cond_ = inputs[0]
    if cond_.dtype is not dtypes.bool:
        raise TypeError(f"Input 'condition' of 'Assert' Op has type {cond_.dtype.name} that does "
                        "not match expected type of bool.")
    if cond_.shape.ndims not in (None, 0):
        raise ValueError(f"Shape must be rank 0 but is rank {cond_.shape.ndims}")
    return []


register_op("Assert", shape=_assert_shape, grad=None, kernel=False, stateful=True,
            doc="Raises InvalidArgumentError when condition (input 0) is false, printing the "
                "messages (attr) and the values of the data inputs.")


def Assert(condition, data, summarize=None, name=None) -> Operation:  # noqa: N802 - TF1 name
    """An op that fails the run with ``InvalidArgumentError`` when ``condition`` is false.

    ``data`` is a list of strings and tensors printed in the error (at most ``summarize``
    elements of each tensor, default 3). Run it by fetching it or through
    ``tf.control_dependencies``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.placeholder(tf.float32, [])
        >>> check = tf.Assert(x > 0.0, ["x must be positive, got", x])
        >>> with tf.control_dependencies([check]):
        ...     y = tf.identity(x)
        >>> with tf.Session() as sess:
        ...     print(sess.run(y, {x: 2.0}))
        ...     try:
        ...         sess.run(y, {x: -1.0})
        ...     except tf.errors.InvalidArgumentError as e:
        ...         print(e.message)
        2.0
        assertion failed: [x must be positive, got] [-1.0]
    """
    graph = graph_of([condition] + [d for d in data if isinstance(d, Tensor)])
    with graph.name_scope(name or "Assert") as scope:
        condition = convert_to_tensor(condition)
        texts, tensors = [], []
        for d in data:
            if isinstance(d, str):
                texts.append(d)
            else:
                texts.append(None)
                tensors.append(convert_to_tensor(d))
        attrs = {"messages": texts, "summarize": 3 if summarize is None else int(summarize)}
        return graph.create_op("Assert", [condition] + tensors, attrs, scope)


def _count_true_at_most(predicates, n, msg):
    preds = stack(predicates, name="preds_c")
    count = reduce_sum(cast(preds, dtypes.int32), name="num_true_conds")
    names = ", ".join(p.name for p in predicates)
    return Assert(less_equal(count, constant(n, name="n_true_conds")),
                  [f"{msg}: more than {n} conditions ({names}) evaluated as True:", preds],
                  summarize=len(predicates))


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """Runs the function of the first true predicate, else ``default`` (TF1's ``tf.case``).

    Built as nested :func:`cond` s, so only the chosen function's ops run. Without
    ``default`` the last function is the default and the run fails if no predicate is true;
    ``exclusive=True`` also fails the run when more than one predicate is true.

    Args:
        pred_fn_pairs: a list of ``(predicate, fn)`` pairs, or a dict ``{predicate: fn}``.
        default: the function for when no predicate is true.
        exclusive: check that at most one predicate is true.
        strict, name: as for :func:`cond`.

    Example:
        >>> import flowkit as tf
        >>> x = tf.placeholder(tf.int32, [])
        >>> y = tf.case([(x < 0, lambda: -1), (x > 0, lambda: 1)], default=lambda: 0)
        >>> with tf.Session() as sess:
        ...     print([sess.run(y, {x: v}) for v in (-5, 0, 7)])
        [np.int32(-1), np.int32(0), np.int32(1)]
    """
    if isinstance(pred_fn_pairs, (dict, collections.abc.Mapping)):
        pred_fn_pairs = list(pred_fn_pairs.items())
    if not isinstance(pred_fn_pairs, (list, _tuple)) or not pred_fn_pairs:
        raise TypeError("pred_fn_pairs must be a non-empty list or dictionary of (predicate, "
                        "fn) pairs")
    predicates, actions = [], []
    for pair in pred_fn_pairs:
        if not isinstance(pair, (list, _tuple)) or len(pair) != 2:
            raise TypeError(f"Each entry in pred_fn_pairs must be a 2-tuple, got {pair!r}")
        pred, fn = pair
        if isinstance(pred, builtins.bool):
            raise TypeError("'pred' must not be a Python bool.")
        pred = convert_to_tensor(pred)
        if pred.dtype is not dtypes.bool:
            raise TypeError(f"pred must be Tensor of type bool: {pred.name}")
        if not callable(fn):
            raise TypeError(f"fn for pred {pred.name} must be callable.")
        predicates.append(pred)
        actions.append(fn)
    if default is not None and not callable(default):
        raise TypeError("default must be callable.")
    graph = predicates[0].graph
    with graph.name_scope(name or "case"):
        if default is None:
            # The last function becomes the default, checked to be the one whose predicate holds.
            last_pred, last_fn = predicates.pop(), actions.pop()
            others = list(predicates)

            def default():
                checks = [Assert(last_pred, ["Input error: None of conditions evaluated as "
                                             "True:", _stack_preds(others + [last_pred])],
                                 summarize=len(others) + 1)]
                if others:
                    checks.append(_count_true_at_most(
                        others, 0, "Implementation error: selected default action was "
                        "called, but some of other predicates are True"))
                with graph.control_dependencies(checks):
                    return _made_here(graph, last_fn)
        fn = default
        for pred, action in reversed(list(zip(predicates, actions))):
            fn = _bind_cond(pred, action, fn, strict)
        if exclusive and len(predicates) > 1:
            with graph.control_dependencies(
                    [_count_true_at_most(predicates, 1, "Input error: exclusive=True")]):
                return fn()
        return fn()


def _made_here(graph, fn):
    """``fn()`` with every result leaf an op created now (so that the control dependencies
    of the enclosing block apply to it): Python values are converted, outside tensors get an
    ``Identity``."""
    start = len(graph.get_operations())
    result = fn()
    if result is None:
        return result
    new = set(graph.get_operations()[start:])

    def leaf(x):
        if isinstance(x, Operation):
            return x if x in new else group(x)
        if isinstance(x, Tensor) or hasattr(x, "_as_tensor"):
            t = convert_to_tensor(x)
            return t if t.op in new else identity(t)
        return convert_to_tensor(x)
    return _pack_as(result, [leaf(x) for x in _flatten(result)])


def _bind_cond(pred, true_fn, false_fn, strict):
    return lambda: cond(pred, true_fn, false_fn, strict=strict)


def _stack_preds(predicates):
    return stack(predicates, name="preds_c")
