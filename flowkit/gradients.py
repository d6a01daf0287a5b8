"""Symbolic reverse-mode differentiation: ``tf.gradients`` adds gradient ops to the graph.

The gradient of each op comes from its registered gradient rule, written in flowkit ops, so
the result is an ordinary part of the graph: it can be fetched, drawn, run on any backend and
differentiated again. The walk is iterative (no recursion limit on deep graphs).

Example:
    >>> import flowkit as tf
    >>> x = tf.constant(3.0)
    >>> y = x * x + 2.0 * x
    >>> (dy_dx,) = tf.gradients(y, [x])
    >>> dy_dx.name.startswith("gradients/")
    True
    >>> with tf.Session() as sess:
    ...     print(sess.run(dy_dx))
    8.0
"""
from __future__ import annotations

import numpy as np

from flowkit.framework.graph import Operation, Tensor
from flowkit.ops.core import convert_to_tensor, make_tensor
from flowkit.ops.array_ops import zeros_like
from flowkit.ops.math_ops import add_n


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _as_x_tensor(x):
    if hasattr(x, "_as_graph_element") and not isinstance(x, (Tensor, Operation)):
        return x._as_graph_element()   # a Variable: differentiate w.r.t. the variable node
    return convert_to_tensor(x)


def _differentiable(t: Tensor) -> bool:
    return t.dtype.is_floating


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None,
              unconnected_gradients="none"):
    """Returns ``[sum over ys of d(y)/d(x) for x in xs]``, with ``None`` where ``ys`` do not
    depend on ``x`` (or only through ``stop_gradient`` / ``stop_gradients``).

    A tensor used by several ops gets the sum of the gradients through each use; with several
    ``ys`` the result is the gradient of their sum (weighted by ``grad_ys``). The new ops are
    named under ``name`` (``gradients/``, then ``gradients_1/``...), and each remembers the
    forward op it differentiates (``op.gradient_of``).

    Args:
        ys: a tensor or list of tensors to differentiate.
        xs: a tensor, variable, or list of them.
        grad_ys: optional weights for each ``y`` (same shapes); default ones.
        name: name scope of the new ops.
        stop_gradients: tensors through which no gradient flows (they are treated as
            constants; a gradient *with respect to* one of them is still computed).
        unconnected_gradients: ``"none"`` (TF1's default) gives ``None`` for an ``x`` that
            ``ys`` do not depend on; ``"zero"`` gives zeros shaped like ``x``.
        colocate_gradients_with_ops, gate_gradients, aggregation_method: accepted for TF1
            compatibility; they change nothing here.

    Raises:
        ValueError: ``grad_ys`` and ``ys`` have different lengths, or
            ``unconnected_gradients`` is not ``"none"`` or ``"zero"``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.placeholder(tf.float32, shape=[3])
        >>> y = tf.reduce_sum(x * x)
        >>> dx, = tf.gradients(y, [x])
        >>> with tf.Session() as sess:
        ...     print(sess.run(dx, feed_dict={x: [1.0, 2.0, 3.0]}))
        [2. 4. 6.]
    """
    unconnected = getattr(unconnected_gradients, "value", unconnected_gradients)
    if unconnected not in ("none", "zero"):
        raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}")
    ys = [convert_to_tensor(y) for y in _as_list(ys)]
    xs = [_as_x_tensor(x) for x in _as_list(xs)]
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    else:
        grad_ys = _as_list(grad_ys)
        if len(grad_ys) != len(ys):
            raise ValueError(f"Passed {len(grad_ys)} grad_ys for {len(ys)} ys")
    # As in TF1, stopping is per op: no gradient flows into the op producing a stop tensor.
    stops = set() if stop_gradients is None else \
        {_as_x_tensor(t).op for t in _as_list(stop_gradients)}
    graph = ys[0].graph if ys else None
    if graph is None:
        return [None] * len(xs)

    # Ops reachable forward from xs, then those of them that lead to ys.
    x_ops = {x.op for x in xs}
    reached, stack = set(), list(x_ops)
    while stack:
        op = stack.pop()
        if op in reached:
            continue
        reached.add(op)
        for t in op.outputs:
            stack.extend(c for c in t._consumers if c not in reached)
    between, stack = set(), [y.op for y in ys if y.op in reached]
    while stack:
        op = stack.pop()
        if op in between:
            continue
        between.add(op)
        stack.extend(t.op for t in op.inputs if t.op in reached and t.op not in between)

    # pending[op] = number of consumer edges inside `between` still to deliver a gradient.
    pending = {op: 0 for op in between}
    for op in between:
        for t in op.inputs:
            if t.op in between:
                pending[t.op] += 1

    grads = {}   # tensor -> list of gradient tensors
    with graph.name_scope(name):
        for i, (y, gy) in enumerate(zip(ys, grad_ys)):
            if gy is None and y.shape.ndims == 0 and (y.dtype.is_floating or y.dtype.is_complex):
                # A scalar y (a loss): its seed is a constant, nothing to compute per run.
                gy = convert_to_tensor(np.ones((), y.dtype.as_numpy_dtype), name=f"grad_ys_{i}")
            elif gy is None:
                gy = make_tensor("OnesLike", (y,), None, f"grad_ys_{i}")
            else:
                gy = convert_to_tensor(gy, dtype=y.dtype, name=f"grad_ys_{i}")
            grads.setdefault(y, []).append(gy)
        ready = [op for op in between if pending[op] == 0]
        ready.sort(key=lambda o: o._id)
        while ready:
            op = ready.pop()
            out_grads = [_aggregate(grads.get(t)) for t in op.outputs]
            for t, g in zip(op.outputs, out_grads):
                if g is not None:
                    grads[t] = [g]
            # An op of stop_gradients keeps its outputs' gradients but passes none upstream.
            propagate = op not in stops and any(g is not None for g in out_grads)
            if propagate and op.op_def.grad_fn is not None:
                if len(op.outputs) > 1:
                    out_grads = [g if g is not None else zeros_like(t)
                                 for t, g in zip(op.outputs, out_grads)]
                with graph.name_scope(op.name + "_grad"), graph._as_gradient_of(op):
                    in_grads = op.op_def.grad_fn(op, *out_grads)
                in_grads = list(in_grads)
                if len(in_grads) != len(op.inputs):
                    raise ValueError(f"The gradient rule of op type '{op.type}' returned "
                                     f"{len(in_grads)} gradients for {len(op.inputs)} inputs "
                                     f"(op '{op.name}').")
                for t, g in zip(op.inputs, in_grads):
                    if g is not None and _differentiable(t) and t.op in between:
                        grads.setdefault(t, []).append(g)
            for t in op.inputs:
                if t.op in between:
                    pending[t.op] -= 1
                    if pending[t.op] == 0:
                        ready.append(t.op)
            ready.sort(key=lambda o: o._id)
        result = [_aggregate(grads.get(x)) for x in xs]
        if unconnected == "zero":
            result = [zeros_like(x) if g is None else g for x, g in zip(xs, result)]
    return result


def _aggregate(gs):
    if not gs:
        return None
    if len(gs) == 1:
        return gs[0]
    return add_n(gs)


def explain_no_gradient(y, x) -> str:
    """Why ``tf.gradients(y, x)`` is ``None``, in words: the op(s) on the way from ``x`` (a
    variable or tensor) to ``y`` where the gradient stops (an op without a gradient rule such
    as ``ArgMax`` or ``Equal``, a ``Cast`` to an integer type, ``tf.stop_gradient``), each
    with the line of the user's code that created it; or that ``y`` does not depend on ``x``.

    Example:
        >>> import flowkit as tf
        >>> w = tf.Variable([1.0, 2.0], name="w")
        >>> hits = tf.cast(tf.equal(tf.argmax(w), 0), tf.float32)
        >>> print(explain_no_gradient(hits, w).split(" (created")[0])
        the gradient stops at 'ArgMax' (ArgMax: no gradient)
    """
    x = _as_x_tensor(x)
    y = convert_to_tensor(y)
    # Ops on a path from x to y: forward from x, backward from y.
    forward, stack = set(), [x.op]
    while stack:
        op = stack.pop()
        if op in forward:
            continue
        forward.add(op)
        for t in op.outputs:
            stack.extend(t._consumers)
    if y.op not in forward:
        return (f"the loss does not depend on it at all (no path from '{x.name}' to "
                f"'{y.name}'): is it used in the model that computes the loss?")
    between, stack = set(), [y.op]
    while stack:
        op = stack.pop()
        if op in between:
            continue
        between.add(op)
        stack.extend(t.op for t in op.inputs if t.op in forward)
    # Walk from x towards y; stop at the first op on each path that blocks the gradient.
    blocks, seen, frontier = [], set(), [x]
    while frontier:
        t = frontier.pop()
        for op in t._consumers:
            if op not in between or op in seen:
                continue
            seen.add(op)
            why = _blocks(op)
            if why:
                blocks.append((op, why))
            else:
                frontier.extend(o for o in op.outputs if _differentiable(o))
    if not blocks:
        return "the gradient does not reach it (no differentiable float path)"
    blocks.sort(key=lambda b: b[0]._id)
    parts = [f"'{op.name}' ({op.type}: {why}) (created at {op.user_line})"
             for op, why in blocks[:3]]
    return "the gradient stops at " + ", and at ".join(parts)


def _blocks(op):
    """Why no gradient flows through ``op`` (a short reason), or ``None``."""
    if op.op_def.grad_fn is None:
        return "no gradient"
    if op.type == "StopGradient":
        return "tf.stop_gradient"
    if not any(_differentiable(t) for t in op.outputs):
        names = "/".join(sorted({t.dtype.name for t in op.outputs})) or "no outputs"
        return f"its output is {names}, not a float"
    return None
