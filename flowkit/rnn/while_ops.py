"""``tf.while_loop``: one functional ``While`` op whose attributes refer to its condition and
body, traced once into the graph (see :mod:`flowkit.rnn.functions`), and its gradient, a
``WhileGrad`` op that runs the body's gradient backwards over the values each forward
iteration kept.

``While``'s inputs are the loop variables (flat; a ``TensorArray`` is its ``flow``), then
``maximum_iterations`` when given, then the captured tensors of the condition and the body.
Its outputs are the loop variables after the last iteration, then a *trace* (a scalar
``string`` handle, like an iterator's) holding the number of iterations and, once a gradient
was built, the per-iteration values of the body tensors the gradient needs. The kernel
(:mod:`flowkit.rnn.runtime`) runs the condition's and the body's plans on the backend's
arrays until the condition is false.

The gradient rule differentiates the body once (``tf.gradients`` of its results with
respect to its loop variables and captures, seeded by placeholders) and records which body
tensors that gradient graph reads; the forward kernel keeps those per iteration (references,
no copies). ``WhileGrad`` feeds them back, iteration by iteration from the last, and sums
the gradients of the captures (variables read in the body) over the iterations.

A weight's gradient in a recurrent cell is a sum of small matrix products, one per
iteration: ``x_t^T dy_t`` with as many rows as the batch. Summed over the iterations, it is
one product of the iterations' ``x_t`` and ``dy_t`` stacked along their rows, which runs at
a large matrix product's speed instead of a thin one's (TF sums per iteration). So when a
capture's gradient is such a *row-additive* op (``MatMul(x, dy, transpose_a=True)``, or a
bias's ``BiasAddGrad(dy)``, of matrices), ``WhileGrad`` keeps that op's inputs of every
iteration, joined along their first axis, and the gradient is that op once, after the
loop, in the outer graph. It costs the memory of the joined inputs (about what the forward
iterations already keep for the gradient).
"""
from __future__ import annotations

from flowkit.framework import dtypes, errors
from flowkit.framework.graph import Tensor, get_default_graph
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.gradients import gradients
from flowkit.ops.core import convert_to_tensor, op_scope
from flowkit.ops.array_ops import zeros_like
from flowkit.rnn import nest, plugin
from flowkit.rnn.functions import Function, bind, external_inputs, lookup, new_ops_since, \
    trace_args
from flowkit.rnn.tensor_array import TensorArray

PLUGIN = "flowkit.rnn"


class Loop:
    """What a ``While`` op's ``binding`` attr stands for."""

    def __init__(self, cond: Function, body: Function, n_vars, has_max, back_prop) -> None:
        self.cond, self.body = cond, body
        self.n_vars, self.has_max, self.back_prop = n_vars, has_max, back_prop
        self.captures = list(dict.fromkeys(cond.captures + body.captures))


class LoopGrad:
    """What a ``WhileGrad`` op's ``binding`` attr stands for: the body's gradient graph."""

    def __init__(self, forward: Function, seeds, outputs, arg_index, cap_index, feeds,
                 saved, joined=(), rows=()) -> None:
        self.forward, self.saved = forward, saved
        # outputs: the gradients of the loop variables (arg_index) and of the captures summed
        # per iteration (cap_index), then the tensors whose values are joined (``joined``)
        self.seeds, self.outputs = seeds, outputs
        self.arg_index, self.cap_index = arg_index, cap_index
        self.feeds = feeds                               # outside tensors the graph reads
        self.joined = list(joined)
        self.rows = list(rows)          # (capture index, row-additive op of ``joined``)


def _while_shape(inputs, attrs):
    return list(zip(attrs["T"], attrs["shapes"])) + [(dtypes.string, TensorShape([]))]


def _while_grad_shape(inputs, attrs):
    return list(zip(attrs["T"], attrs["shapes"]))


def _row_additive(g):
    """``g``'s op when the sum of ``g`` over the iterations equals that op applied once to
    its inputs' values of all iterations joined along the first axis (see the module
    docstring), else ``None``. The joined inputs must be matrices with known columns."""
    op = g.op
    if op.type == "MatMul":
        fits = op.attrs["transpose_a"] and not op.attrs["transpose_b"]
    else:
        fits = op.type == "BiasAddGrad"
    if not fits or op._control_inputs:
        return None
    for t in op.inputs:
        if t.shape.ndims != 2 or t.shape.as_tuple()[1] is None:
            return None
    return op


def _while_gradient(op, *grads):
    loop = lookup(op.attrs["binding"])
    n_in = len(op.inputs)
    if not loop.back_prop:
        return [None] * n_in
    body = loop.body
    if body.backward is None:
        body.backward = _differentiate(body)
    lg = body.backward
    if not lg.outputs:
        return [None] * n_in
    graph = op.graph
    with graph.control_dependencies(None):
        seeds = [grads[k] for k in lg.arg_index]
        caps_needed = [body.captures[j] for j in lg.cap_index]
        inputs = [op.outputs[-1]] + seeds + list(lg.feeds) + caps_needed
        n_fixed = len(lg.outputs) - len(lg.joined)
        specs = [(t.dtype, t.shape) for t in lg.outputs[:n_fixed]] + \
            [(t.dtype, TensorShape([None]).concatenate(t.shape[1:])) for t in lg.joined]
        gop = graph.create_op("WhileGrad", inputs, {
            "binding": bind(lg, graph), "T": tuple(s[0] for s in specs),
            "shapes": tuple(s[1] for s in specs), "n_seeds": len(seeds),
            "n_feeds": len(lg.feeds)}, "WhileGrad")
        joined = dict(zip(lg.joined, gop.outputs[n_fixed:]))
        once = [graph.create_op(rop.type, [joined[t] for t in rop.inputs], dict(rop.attrs),
                                rop.type).outputs[0] for _, rop in lg.rows]
    result = [None] * n_in
    for out, k in zip(gop.outputs, lg.arg_index):
        result[k] = out
    offset = loop.n_vars + (1 if loop.has_max else 0)
    position = {t: offset + i for i, t in enumerate(loop.captures)}
    for out, j in zip(gop.outputs[len(lg.arg_index):n_fixed], lg.cap_index):
        result[position[body.captures[j]]] = out
    for out, (j, _) in zip(once, lg.rows):
        result[position[body.captures[j]]] = out
    return result


def _differentiate(body: Function) -> LoopGrad:
    """The gradient graph of one iteration of ``body`` (see the module docstring)."""
    graph = body.args[0].graph if body.args else get_default_graph()
    arg_index = [k for k, t in enumerate(body.outputs) if t.dtype.is_floating and
                 body.args[k].dtype.is_floating]
    cap_index = [j for j, t in enumerate(body.captures) if t.dtype.is_floating]
    first = len(graph.get_operations())
    with graph.control_dependencies(None), graph.name_scope("body_grad"):
        seeds = trace_args([(body.outputs[k].dtype, body.args[k].shape) for k in arg_index],
                           [f"seed_{k}" for k in arg_index])
        xs = [body.args[k] for k in arg_index] + [body.captures[j] for j in cap_index]
        gs = gradients([body.outputs[k] for k in arg_index], xs, grad_ys=seeds,
                       stop_gradients=body.captures) if arg_index else [None] * len(xs)
        n = len(arg_index)
        arg_grads = [zeros_like(x) if g is None else g for x, g in zip(xs[:n], gs[:n])]
        kept = [(j, g) for j, g in zip(cap_index, gs[n:]) if g is not None]
    summed, rows, joined = [], [], {}
    for j, g in kept:
        op = _row_additive(g)
        if op is None:
            summed.append((j, g))
        else:
            rows.append((j, op))
            joined.update((t, None) for t in op.inputs)
    outputs = arg_grads + [g for _, g in summed] + list(joined)
    created = new_ops_since(graph, first)
    from_ops = _needed(outputs, created, seeds)
    fed = set(seeds)
    saved, feeds = [], []
    for t in external_inputs(from_ops, outputs):
        if t in fed:
            continue
        if t.op in body.ops or t in set(body.args):
            saved.append(t)
        else:
            feeds.append(t)
    body.save(saved)
    return LoopGrad(body, seeds, outputs, arg_index, [j for j, _ in summed], feeds, saved,
                    list(joined), rows)


def _needed(outputs, created, stop) -> set:
    stop = set(stop)
    found, stack = set(), [t.op for t in outputs if t not in stop]
    while stack:
        op = stack.pop()
        if op in found or op not in created:
            continue
        found.add(op)
        stack.extend(t.op for t in op.inputs if t not in stop)
        stack.extend(op._control_inputs)
    return found


register_op("While", shape=_while_shape, grad=_while_gradient, required=False, plugin=PLUGIN,
            needs_state=True, needs_rng=True, view=True, list_output=True)
register_op("WhileGrad", shape=_while_grad_shape, grad=None, required=False, plugin=PLUGIN,
            needs_state=True, needs_rng=True, view=True, list_output=True)


# -- the builder ----------------------------------------------------------------------------
def _leaf_spec(x, invariant):
    """(flat tensor, dtype, invariant shape) of one loop variable."""
    if isinstance(x, TensorArray):
        return x.flow, x.flow.dtype, TensorShape([])
    t = x if isinstance(x, Tensor) else convert_to_tensor(x)
    shape = t.shape if invariant is None else TensorShape(invariant)
    if invariant is not None and not shape.is_compatible_with(t.shape):
        raise ValueError(f"The shape invariant specified for {t.name} is not compatible with "
                         f"the initial shape of the loop variable. It enters the loop with "
                         f"shape {t.shape}, but the specified shape invariant is {shape}.")
    return t, t.dtype, shape


def _rebuild(template, flat_values):
    """Loop variables from flat tensors: a TensorArray becomes one on the new flow."""
    leaves = [v._with_flow(f) if isinstance(v, TensorArray) else f
              for v, f in zip(nest.flatten(template), flat_values)]
    return nest.pack_sequence_as(template, leaves)


def _call(fn, values):
    return fn(*values) if isinstance(values, (list, tuple)) and \
        not hasattr(values, "_fields") else fn(values)


def while_loop(cond, body, loop_vars, shape_invariants=None, parallel_iterations=10,
               back_prop=True, swap_memory=False, maximum_iterations=None, name=None,
               return_same_structure=False):
    """Repeats ``body`` while ``cond`` is true (TF1's ``tf.while_loop``).

    ``loop_vars`` is a tensor, a ``TensorArray``, or a (nested) list, tuple, namedtuple or
    dict of them; ``cond(*loop_vars)`` returns a scalar ``bool`` tensor and
    ``body(*loop_vars)`` returns new loop variables of the same structure, dtypes and
    shapes (``shape_invariants``: less specific shapes for variables whose shape changes).
    Both are called once, now, to build the loop; tensors made outside that they use are
    read once per run of the loop, variables included. ``maximum_iterations`` stops the loop
    after that many iterations. Gradients flow to the loop's inputs and to the tensors and
    variables the body reads (``back_prop=False`` turns them off).
    ``parallel_iterations`` and ``swap_memory`` are accepted and change nothing.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.rnn import while_loop
        >>> i, x = while_loop(lambda i, x: i < 5, lambda i, x: (i + 1, x * 2.0),
        ...                   [tf.constant(0), tf.constant(1.0)])
        >>> with tf.Session() as sess:
        ...     print(sess.run([i, x]))
        [np.int32(5), np.float32(32.0)]
    """
    plugin.ensure_registered()
    if not callable(cond):
        raise TypeError("cond must be callable.")
    if not callable(body):
        raise TypeError("body must be callable.")
    if isinstance(loop_vars, (list, tuple)) and not loop_vars:
        raise ValueError("No loop variables provided")
    single = not nest.is_sequence(loop_vars)
    structure = [loop_vars] if single else loop_vars
    inv = [None] * len(nest.flatten(structure)) if shape_invariants is None else \
        _flat_invariants(structure, [shape_invariants] if single else shape_invariants)
    graph = _graph_of(nest.flatten(structure))
    with graph.as_default(), op_scope(name, "while", []) as scope:
        specs = [_leaf_spec(x, s) for x, s in zip(nest.flatten(structure), inv)]
        init = [s[0] for s in specs]
        max_t = None
        if maximum_iterations is not None:
            max_t = convert_to_tensor(maximum_iterations, name="maximum_iterations")
            if max_t.dtype not in (dtypes.int32, dtypes.int64) or max_t.shape.ndims not in \
                    (0, None):
                raise ValueError("maximum_iterations must be a scalar int32 or int64, got "
                                 f"{max_t.dtype.name} of shape {max_t.shape}.")
        arg_specs = [(s[1], s[2]) for s in specs]
        with graph.control_dependencies(None):
            first = len(graph.get_operations())
            with graph.name_scope("cond"):
                cargs = trace_args(arg_specs)
            c = _call(cond, _rebuild(structure, cargs))
            c = convert_to_tensor(c)
            if c.dtype != dtypes.bool or c.shape.ndims not in (0, None):
                raise TypeError(f"The condition of the while loop must return a scalar bool "
                                f"tensor; it returned {c.dtype.name} of shape {c.shape}.")
            cfn = Function(cargs, [c], new_ops_since(graph, first), "cond")
            first = len(graph.get_operations())
            bargs = trace_args(arg_specs)
            result = _call(body, _rebuild(structure, bargs))
            outs = _check_body(structure, result, specs, single)
            bfn = Function(bargs, outs, new_ops_since(graph, first), "body")
        loop = Loop(cfn, bfn, len(init), max_t is not None, back_prop)
        inputs = init + ([max_t] if max_t is not None else []) + loop.captures
        op = graph.create_op("While", inputs, {
            "binding": bind(loop, graph), "T": tuple(s[1] for s in specs),
            "shapes": tuple(s[2] for s in specs), "parallel_iterations": parallel_iterations,
            "back_prop": bool(back_prop)}, scope)
    out = _rebuild(structure, op.outputs[:len(init)])
    if single and not return_same_structure:
        return out[0]
    if not return_same_structure and isinstance(out, (list, tuple)) and len(out) == 1 and \
            not hasattr(out, "_fields"):
        return out[0]
    return out


def _graph_of(flat):
    for x in flat:
        if isinstance(x, Tensor):
            return x.graph
        if isinstance(x, TensorArray):
            return x.flow.graph
    return get_default_graph()


def _flat_invariants(structure, invariants):
    out = []
    for x, s in zip(structure if isinstance(structure, (list, tuple)) else [structure],
                    invariants if isinstance(invariants, (list, tuple)) and
                    not isinstance(invariants, TensorShape) else [invariants]):
        if nest.is_sequence(x):
            out.extend(_flat_invariants(list(x.values()) if isinstance(x, dict) else x,
                                        list(s.values()) if isinstance(s, dict) else s))
        else:
            out.append(s)
    return out


def _check_body(structure, result, specs, single):
    if result is None:
        raise ValueError("The body of the while loop returned None; it must return the new "
                         "values of the loop variables.")
    if not nest.is_sequence(result) or isinstance(result, TensorArray) or \
            (single and nest.is_sequence(structure[0])):
        result = [result]      # TF1: a body returning one value for one loop variable
    if isinstance(result, (list, tuple)) and not hasattr(result, "_fields") and \
            isinstance(structure, (list, tuple)) and not hasattr(structure, "_fields"):
        result = list(result)
        check = list(structure)
    else:
        check = structure
    try:
        nest.assert_same_structure(check, result)
    except ValueError as e:
        raise ValueError(f"The body of the while loop must return the loop variables' "
                         f"structure. {e}") from None
    outs = []
    for x, (init, dt, shape) in zip(nest.flatten(result), specs):
        if isinstance(x, TensorArray):
            x = x.flow
        t = convert_to_tensor(x, dtype=dt) if not isinstance(x, Tensor) else x
        if t.dtype != dt:
            raise TypeError(f"Input tensor '{init.name}' enters the loop with type {dt.name}, "
                            f"but has type {t.dtype.name} after one iteration.")
        if not shape.is_compatible_with(t.shape):
            raise ValueError(
                f"Input tensor '{init.name}' enters the loop with shape {shape}, but has shape "
                f"{t.shape} after one iteration. To allow the shape to vary across iterations, "
                "use the `shape_invariants` argument of tf.while_loop to specify a "
                "less-specific shape.")
        outs.append(t)
    return outs


__all__ = ["while_loop", "Loop", "LoopGrad", "errors"]
