"""Symbolic reverse-mode differentiation: ``tf.gradients`` adds gradient ops to the graph.

The gradient of each op comes from its registered gradient rule, written in flowkit ops, so
the result is an ordinary part of the graph: it can be fetched, drawn, run on any backend and
differentiated again. The walk is iterative (no recursion limit on deep graphs).

As in TF1, a user can register more gradient functions by name (``@tf.RegisterGradient``,
``tf.NotDifferentiable``) and make the ops of a block use one instead of their own rule
(``Graph.gradient_override_map``): an op's gradient is looked up under its
``_gradient_op_type`` attribute when it has one, else under its type. ``tf.hessians`` builds
second derivatives from the same machinery.

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

import enum

import numpy as np

from flowkit.framework.graph import Operation, Tensor, capture_user_frame, format_line
from flowkit.framework.registry import get_op_def, has_op
from flowkit.ops.core import convert_to_tensor, make_tensor
from flowkit.ops.array_ops import reshape, stack, zeros, zeros_like
from flowkit.ops.math_ops import add_n

__all__ = ["gradients", "hessians", "RegisterGradient", "NotDifferentiable", "no_gradient",
           "AggregationMethod", "UnconnectedGradients"]


# --------------------------------------------------------------------------------------------
# The gradient registry: name -> gradient function (None: not differentiable)
# --------------------------------------------------------------------------------------------
#: name -> (function or None, where it was registered); the op types' own rules live in
#: their OpDefs and are found through the op registry.
_GRADIENTS: dict = {}


def _register(name, fn) -> None:
    if not isinstance(name, str):
        raise TypeError(f"op_type must be a string, got {name!r}")
    if name in _GRADIENTS:
        prev = _GRADIENTS[name][1]
        raise KeyError(f"Registering two gradient with name '{name}'! (Previous "
                       f"registration was at {prev})")
    if has_op(name):
        raise KeyError(f"Registering two gradient with name '{name}'! ('{name}' is an op "
                       f"type: its gradient rule is declared with the op, by plugin "
                       f"'{get_op_def(name).plugin}')")
    _GRADIENTS[name] = (fn, format_line(capture_user_frame()))


class RegisterGradient:
    """A decorator that registers ``fn(op, *output_grads)`` as the gradient function named
    ``op_type`` (TF1's ``tf.RegisterGradient``). The function returns one gradient (a tensor
    or ``None``) per input of ``op``, as a list or tuple, or a single tensor for a one-input
    op. Ops use it when their type is mapped to ``op_type`` by
    ``Graph.gradient_override_map``.

    Raises:
        KeyError: ``op_type`` is already registered, or is the type of an op (whose gradient
            rule comes with it), as TF does.

    Example:
        >>> import flowkit as tf
        >>> @tf.RegisterGradient("DoubledGrad")
        ... def _doubled(op, grad):
        ...     return 2.0 * grad
        >>> g = tf.Graph()
        >>> with g.as_default():
        ...     x = tf.constant([1.0, 2.0])
        ...     with g.gradient_override_map({"Identity": "DoubledGrad"}):
        ...         y = tf.identity(x)
        ...     dx, = tf.gradients(y, x)
        >>> with tf.Session(graph=g) as sess:
        ...     print(sess.run(dx))
        [2. 2.]
    """

    def __init__(self, op_type) -> None:
        if not isinstance(op_type, str):
            raise TypeError(f"op_type must be a string, got {op_type!r}")
        self._op_type = op_type

    def __call__(self, f):
        _register(self._op_type, f)
        return f


def NotDifferentiable(op_type) -> None:  # noqa: N802 - TF1's name
    """Declares the gradient name ``op_type`` as not differentiable (TF1's
    ``tf.NotDifferentiable`` / ``tf.no_gradient``): no gradient flows back through ops that
    use it, and ``tf.gradients`` gives ``None`` for what only they connect.

    Raises:
        KeyError: ``op_type`` is already registered, or is an op type, as in TF.

    Example:
        >>> import flowkit as tf
        >>> tf.NotDifferentiable("Blocked")
        >>> g = tf.Graph()
        >>> with g.as_default():
        ...     x = tf.constant(1.0)
        ...     with g.gradient_override_map({"Identity": "Blocked"}):
        ...         y = tf.identity(x)
        ...     print(tf.gradients(y, x))
        [None]
    """
    _register(op_type, None)


no_gradient = NotDifferentiable


def _gradient_function(op):
    """The gradient function of ``op`` (``None``: not differentiable); ``LookupError`` when
    none is registered under the name it is looked up by."""
    if not op.inputs:
        return None
    name = op.attrs.get("_gradient_op_type") if isinstance(op.attrs, dict) else None
    if name is None:
        return op.op_def.grad_fn
    if name in _GRADIENTS:
        return _GRADIENTS[name][0]
    if has_op(name):
        return get_op_def(name).grad_fn
    raise LookupError(
        f"No gradient defined for operation '{op.name}' (op type: {op.type}). Its gradient is "
        f"looked up under the name '{name}' (given by gradient_override_map), and nothing is "
        f"registered under that name: register a function with @tf.RegisterGradient('{name}') "
        f"or declare it with tf.NotDifferentiable('{name}'); to treat the op's output as a "
        f"constant, wrap it in tf.stop_gradient. The op was created at {op.user_line}.")


# --------------------------------------------------------------------------------------------
# Options of tf.gradients
# --------------------------------------------------------------------------------------------
class AggregationMethod:
    """How ``tf.gradients`` sums the gradients of a tensor used by several ops (TF1's
    ``tf.AggregationMethod``): ``ADD_N`` (the default) sums them in one ``AddN`` op,
    ``EXPERIMENTAL_TREE`` in a tree of two-input sums, ``EXPERIMENTAL_ACCUMULATE_N`` as
    ``ADD_N`` here (TF's accumulate op only saves memory). The results agree up to rounding.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant(2.0)
        >>> y = x * x * x
        >>> d, = tf.gradients(y, x, aggregation_method=tf.AggregationMethod.EXPERIMENTAL_TREE)
        >>> with tf.Session() as sess:
        ...     print(sess.run(d))
        12.0
    """

    ADD_N = 0
    DEFAULT = ADD_N
    EXPERIMENTAL_TREE = 1
    EXPERIMENTAL_ACCUMULATE_N = 2


class UnconnectedGradients(enum.Enum):
    """What ``tf.gradients`` returns for an ``x`` that ``ys`` do not depend on (TF's
    ``tf.UnconnectedGradients``): ``NONE`` gives ``None``, ``ZERO`` zeros shaped like ``x``.

    Example:
        >>> import flowkit as tf
        >>> a, b = tf.constant(1.0), tf.constant(2.0)
        >>> print(tf.gradients(2.0 * a, [b]))
        [None]
        >>> z, = tf.gradients(2.0 * a, [b], unconnected_gradients=tf.UnconnectedGradients.ZERO)
        >>> with tf.Session() as sess:
        ...     print(sess.run(z))
        0.0
    """

    NONE = "none"
    ZERO = "zero"


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
              unconnected_gradients=UnconnectedGradients.NONE):
    """Returns ``[sum over ys of d(y)/d(x) for x in xs]``, with ``None`` where ``ys`` do not
    depend on ``x`` (or only through ``stop_gradient`` / ``stop_gradients``).

    A tensor used by several ops gets the sum of the gradients through each use; with several
    ``ys`` the result is the gradient of their sum (weighted by ``grad_ys``). The new ops are
    named under ``name`` (``gradients/``, then ``gradients_1/``...), and each remembers the
    forward op it differentiates (``op.gradient_of``). Each op's gradient comes from its own
    rule, or from the function registered (``tf.RegisterGradient``) under the name that
    ``Graph.gradient_override_map`` gave it.

    Args:
        ys: a tensor or list of tensors to differentiate.
        xs: a tensor, variable, or list of them.
        grad_ys: optional weights for each ``y`` (same shapes); default ones.
        name: name scope of the new ops.
        aggregation_method: a ``tf.AggregationMethod`` value: how the gradients of a tensor
            used several times are summed (default ``ADD_N``).
        stop_gradients: tensors through which no gradient flows (they are treated as
            constants; a gradient *with respect to* one of them is still computed).
        unconnected_gradients: ``tf.UnconnectedGradients.NONE`` / ``"none"`` (TF1's default)
            gives ``None`` for an ``x`` that ``ys`` do not depend on; ``ZERO`` / ``"zero"``
            gives zeros shaped like ``x``.
        colocate_gradients_with_ops, gate_gradients: accepted for TF1 compatibility; they
            change nothing here.

    Raises:
        ValueError: ``grad_ys`` and ``ys`` have different lengths, ``unconnected_gradients``
            or ``aggregation_method`` is not one of the accepted values, or a gradient
            function returns the wrong number of gradients.
        LookupError: an op on the way has no gradient function under the name it is looked
            up by (a ``gradient_override_map`` to a name nothing is registered under).

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
        raise ValueError(f"Unknown value for unconnected_gradients: {unconnected_gradients!r}"
                         " (expected tf.UnconnectedGradients.NONE or ZERO)")
    if aggregation_method is None:
        aggregation_method = AggregationMethod.DEFAULT
    if aggregation_method not in (0, 1, 2) or isinstance(aggregation_method, bool):
        raise ValueError(f"Invalid aggregation_method {aggregation_method!r}: expected one of "
                         "tf.AggregationMethod.ADD_N (0), EXPERIMENTAL_TREE (1), "
                         "EXPERIMENTAL_ACCUMULATE_N (2).")
    tree = aggregation_method == AggregationMethod.EXPERIMENTAL_TREE
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
            out_grads = [_aggregate(grads.get(t), tree) for t in op.outputs]
            for t, g in zip(op.outputs, out_grads):
                if g is not None:
                    grads[t] = [g]
            # An op of stop_gradients keeps its outputs' gradients but passes none upstream.
            propagate = op not in stops and any(g is not None for g in out_grads)
            grad_fn = _gradient_function(op) if propagate else None
            if grad_fn is not None:
                for t, g in zip(op.inputs, _call_gradient(grad_fn, op, out_grads, graph)):
                    if g is not None and _differentiable(t) and t.op in between:
                        grads.setdefault(t, []).append(g)
            for t in op.inputs:
                if t.op in between:
                    pending[t.op] -= 1
                    if pending[t.op] == 0:
                        ready.append(t.op)
            ready.sort(key=lambda o: o._id)
        result = [_aggregate(grads.get(x), tree) for x in xs]
        if unconnected == "zero":
            result = [_zeros_for(x) if g is None else g for x, g in zip(xs, result)]
    return result


def _call_gradient(grad_fn, op, out_grads, graph) -> list:
    """Runs ``op``'s gradient function; returns one gradient (or ``None``) per input."""
    if len(op.outputs) > 1:
        out_grads = [g if g is not None else zeros_like(t)
                     for t, g in zip(op.outputs, out_grads)]
    with graph.name_scope(op.name + "_grad"), graph._as_gradient_of(op):
        in_grads = grad_fn(op, *out_grads)
    in_grads = list(in_grads) if isinstance(in_grads, (list, tuple)) else [in_grads]
    if len(in_grads) != len(op.inputs):
        what = (f"The gradient rule of op type '{op.type}'" if grad_fn is op.op_def.grad_fn
                else f"The gradient function '{getattr(grad_fn, '__name__', grad_fn)}' "
                     f"(registered as '{op.attrs.get('_gradient_op_type')}')")
        raise ValueError(f"{what} returned {len(in_grads)} gradients for {len(op.inputs)} "
                         f"inputs (op '{op.name}').")
    if grad_fn is op.op_def.grad_fn:
        return in_grads
    # A user's function may return NumPy values; as TF, its results take the inputs' shapes.
    for i, (t, g) in enumerate(zip(op.inputs, in_grads)):
        if g is None:
            continue
        if not isinstance(g, Tensor):
            with graph.name_scope(op.name + "_grad"):
                g = in_grads[i] = convert_to_tensor(g, dtype=t.dtype)
        if not g.shape.is_compatible_with(t.shape):
            raise ValueError(f"The gradient function registered as "
                             f"'{op.attrs.get('_gradient_op_type')}' returned a gradient of "
                             f"shape {g.shape} for input {i} ('{t.name}', shape {t.shape}) "
                             f"of op '{op.name}'.")
        g.set_shape(t.shape)
    return in_grads


def _zeros_for(x):
    if x.shape.is_fully_defined():   # no need to read x (an uninitialized variable...)
        return zeros(x.shape.as_list(), x.dtype, name=f"{x.op.name}_zeros")
    return zeros_like(x)


def _aggregate(gs, tree=False):
    if not gs:
        return None
    if len(gs) == 1:
        return gs[0]
    if not tree:
        return add_n(gs)
    while len(gs) > 1:   # a tree of two-input sums
        gs = [add_n(gs[i:i + 2]) if i + 1 < len(gs) else gs[i] for i in range(0, len(gs), 2)]
    return gs[0]


def hessians(ys, xs, name="hessians", colocate_gradients_with_ops=False,
             gate_gradients=False, aggregation_method=None):
    """The Hessian of ``sum(ys)`` with respect to each ``x`` (TF1's ``tf.hessians``): one
    tensor of shape ``x.shape + x.shape`` per ``x``, whose ``[i..., j...]`` entry is
    ``d2 sum(ys) / dx[i...] dx[j...]``.

    Built as TF does it, by differentiating each element of the gradient again; flowkit
    unrolls that into one second gradient per element of ``x`` (TF uses a ``while_loop``), so
    each ``x`` needs a fully defined static shape and the graph grows with its size. A second
    derivative that does not depend on ``x`` (a linear term) gives zeros.

    Raises:
        ValueError: an ``x`` has no fully defined shape, or ``ys`` do not depend on it.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([1.0, 2.0])
        >>> y = x[0] ** 2 * x[1] + 3.0 * x[1]
        >>> h, = tf.hessians(y, x)
        >>> with tf.Session() as sess:
        ...     print(sess.run(h))
        [[4. 2.]
         [2. 0.]]
    """
    xs = [_as_x_tensor(x) for x in _as_list(xs)]
    kwargs = dict(colocate_gradients_with_ops=colocate_gradients_with_ops,
                  gate_gradients=gate_gradients, aggregation_method=aggregation_method)
    for x in xs:
        if not x.shape.is_fully_defined():
            raise ValueError(f"tf.hessians needs the full static shape of '{x.name}', which is "
                             f"{x.shape}: flowkit builds one second gradient per element. "
                             "Give the placeholder a full shape, or use x.set_shape(...).")
    first = gradients(ys, xs, **kwargs)
    out = []
    for x, g in zip(xs, first):
        if g is None:
            raise ValueError(f"tf.hessians: the ys do not depend on '{x.name}' (their "
                             "gradient with respect to it is None).")
        dims = x.shape.as_list()
        with x.graph.name_scope(name):
            flat = reshape(g, [-1])
            rows = [gradients(flat[i], x, unconnected_gradients="zero", **kwargs)[0]
                    for i in range(int(np.prod(dims, dtype=np.int64)))]
            out.append(reshape(stack(rows), dims + dims))
    return out


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
    try:
        if _gradient_function(op) is None:
            return "no gradient"
    except LookupError:
        return f"no gradient registered as '{op.attrs.get('_gradient_op_type')}'"
    if op.type == "StopGradient":
        return "tf.stop_gradient"
    if not any(_differentiable(t) for t in op.outputs):
        names = "/".join(sorted({t.dtype.name for t in op.outputs})) or "no outputs"
        return f"its output is {names}, not a float"
    return None
