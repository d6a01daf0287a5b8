"""``tf.custom_gradient`` and ``tf.grad_pass_through``: functions whose gradient is given by
the user rather than derived from the ops they build.

As TF1 does in graph mode, ``f(*x)`` is called once, and its results are passed, together
with its inputs and the variables it reads, through one ``IdentityN`` op whose gradient is
overridden (``Graph.gradient_override_map``) by a gradient function registered for this call:
that function calls the user's ``grad_fn`` with the results' gradients and hands its answers
to the inputs and variables, and nothing to the ops inside ``f``.

``IdentityN`` (TF's op of that name: its outputs are its inputs) reaches the backends
through the plugin hook an op plugin uses (:func:`flowkit_register_kernels`);
:func:`ensure_registered` registers this module as a plugin the first time it is needed.

Example:
    >>> import flowkit as tf
    >>> @tf.custom_gradient
    ... def clip_gradient(x):
    ...     def grad(dy):
    ...         return tf.clip_by_value(dy, -1.0, 1.0)
    ...     return tf.identity(x), grad
    >>> x = tf.constant([1.0, 2.0])
    >>> y = clip_gradient(x)
    >>> dx, = tf.gradients(10.0 * y, x)
    >>> with tf.Session() as sess:
    ...     print(sess.run([y, dx]))
    [array([1., 2.], dtype=float32), array([1., 1.], dtype=float32)]
"""
from __future__ import annotations

import functools
import inspect
import itertools
import sys

from flowkit import plugins
from flowkit.framework.graph import GraphKeys
from flowkit.framework.registry import has_op, register_op
from flowkit.gradients import RegisterGradient, _gradient_function
from flowkit.ops.core import convert_to_tensor, graph_of, make_op

__all__ = ["custom_gradient", "grad_pass_through", "ensure_registered"]

PLUGIN_NAME = "flowkit.custom_gradient"
#: Op types of variables: a function that reads one gets its gradient from ``grad_fn``.
_VARIABLE_OP_TYPES = frozenset(("VariableV2", "VarHandleOp"))
_uid = itertools.count()


def _identity_n_shape(inputs, attrs):
    return [(t.dtype, t.shape) for t in inputs]


if not has_op("IdentityN"):
    register_op("IdentityN", shape=_identity_n_shape, grad=lambda op, *grads: list(grads),
                required=False, plugin=PLUGIN_NAME, view=True, list_output=True,
                doc="Returns its inputs as its outputs (the carrier of tf.custom_gradient).")


def _identity_n_kernel(attrs, *xs):
    return list(xs)


@plugins.hookimpl
def flowkit_register_kernels():
    return [("numpy", {"IdentityN": _identity_n_kernel}),
            ("torch", {"IdentityN": _identity_n_kernel})]


def ensure_registered() -> None:
    """Registers this module as a flowkit plugin (the ``IdentityN`` kernels) unless the
    plugin manager has it already."""
    module = sys.modules[__name__]
    if not plugins.get_plugin_manager().is_registered(module):
        plugins.register_plugin(module, name=PLUGIN_NAME)


# --------------------------------------------------------------------------------------------
def _flatten(x) -> list:
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flatten(item)]
    return [x]


def _pack_as(structure, flat):
    """``flat`` (an iterator) in the nesting of ``structure`` (lists and tuples)."""
    if isinstance(structure, (list, tuple)):
        items = [_pack_as(s, flat) for s in structure]
        return type(structure)(items) if isinstance(structure, list) else tuple(items)
    return next(flat)


def _as_tensors(x):
    if isinstance(x, (list, tuple)):
        return type(x)(_as_tensors(v) for v in x) if isinstance(x, list) else \
            tuple(_as_tensors(v) for v in x)
    return convert_to_tensor(x)


def _variables_read(results, args) -> list:
    """The variables that ``results`` depend on through differentiable ops, not through
    ``args`` (TF's rule), sorted by name."""
    stop = set(args)
    var_ops, seen, stack = set(), set(), [t.op for t in results]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.type in _VARIABLE_OP_TYPES:
            var_ops.add(op)
            continue
        try:
            differentiable = _gradient_function(op) is not None
        except LookupError:
            differentiable = False
        if differentiable:
            stack.extend(t.op for t in op.inputs
                         if t not in stop and (t.dtype.is_floating or t.dtype.is_complex))
    if not var_ops:
        return []
    graph = next(iter(var_ops)).graph
    found = {}
    for key in (GraphKeys.GLOBAL_VARIABLES, GraphKeys.LOCAL_VARIABLES):
        for v in graph.get_collection(key):
            element = getattr(v, "_as_graph_element", None)
            if element is not None and element().op in var_ops:
                found.setdefault(element().op, v)
    return sorted(found.values(), key=lambda v: v.name)


def _takes_variables(grad_fn) -> bool:
    try:
        params = inspect.signature(grad_fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "variables" and p.kind != p.POSITIONAL_ONLY or p.kind == p.VAR_KEYWORD
               for p in params)


def _graph_mode_call(f, args, kwargs):
    fname = getattr(f, "__name__", repr(f))
    if kwargs:
        raise ValueError(f"@tf.custom_gradient function '{fname}' was called with keyword "
                         f"arguments {sorted(kwargs)}: in graph mode only positional "
                         "arguments are supported, as in TF.")
    args = _as_tensors(list(args))
    flat_args = _flatten(args)
    out = f(*args)
    if not isinstance(out, (list, tuple)) or len(out) != 2 or not callable(out[1]):
        raise TypeError(f"@tf.custom_gradient function '{fname}' must return a pair "
                        f"(result, grad_fn) with grad_fn callable; it returned {out!r}")
    result, grad_fn = out
    flat_result = [convert_to_tensor(r) for r in _flatten(result)]
    n_res = len(flat_result)
    variables = _variables_read(flat_result, flat_args)
    takes_variables = _takes_variables(grad_fn)
    if variables and not takes_variables:
        raise TypeError(f"@tf.custom_gradient function '{fname}' reads the variables "
                        f"{[v.name for v in variables]}, so its grad_fn must accept a keyword "
                        "argument 'variables' (and return (input gradients, variable "
                        "gradients)).")

    def grad(op, *result_grads):
        dys = list(result_grads[:n_res])
        if variables:
            answer = grad_fn(*dys, variables=variables)
            if not isinstance(answer, (list, tuple)) or len(answer) != 2:
                raise ValueError(f"The grad_fn of @tf.custom_gradient function '{fname}' "
                                 "takes variables, so it must return a pair (input gradients,"
                                 f" variable gradients); it returned {answer!r}")
            input_grads, var_grads = answer
            var_grads = _flatten(var_grads)
            if len(var_grads) != len(variables):
                raise ValueError(f"The grad_fn of @tf.custom_gradient function '{fname}' must "
                                 f"return a gradient for each variable: it returned "
                                 f"{len(var_grads)} for {len(variables)} variables "
                                 f"{[v.name for v in variables]}.")
        else:
            input_grads, var_grads = grad_fn(*dys), []
        input_grads = _flatten(input_grads)
        if len(input_grads) != len(flat_args):
            raise ValueError(f"The grad_fn of @tf.custom_gradient function '{fname}' returned "
                             f"{len(input_grads)} gradients for its {len(flat_args)} inputs.")
        return [None] * n_res + input_grads + var_grads

    ensure_registered()
    name = f"CustomGradient-{next(_uid)}"
    RegisterGradient(name)(grad)
    carried = flat_result + flat_args + [v._as_graph_element() for v in variables]
    graph = graph_of(carried)
    with graph.gradient_override_map({"IdentityN": name}):
        outs = make_op("IdentityN", carried, None, "IdentityN").outputs
    return _pack_as(result, iter(outs[:n_res]))


def custom_gradient(f=None):
    """Decorates ``f(*x) -> (y, grad_fn)`` so that ``tf.gradients`` takes the gradient of
    ``y`` from ``grad_fn`` instead of differentiating the ops ``f`` built (TF1's
    ``tf.custom_gradient``, graph mode).

    ``grad_fn(*dys)`` receives one gradient per result of ``f`` (results nested in lists or
    tuples count one by one) and returns one gradient per argument (a list, or one tensor when
    there is one argument). When ``f`` reads variables that are not its arguments,
    ``grad_fn`` must take a keyword argument ``variables`` (the list of those variables,
    sorted by name) and return ``(input_gradients, variable_gradients)``.

    Raises:
        TypeError: ``f`` does not return a pair, or reads variables and ``grad_fn`` does not
            take ``variables``.
        ValueError: the decorated function is called with keyword arguments (TF accepts them
            only in eager mode), or ``grad_fn`` returns the wrong number of gradients (when
            ``tf.gradients`` calls it).

    Example:
        >>> import flowkit as tf
        >>> @tf.custom_gradient
        ... def log1pexp(x):
        ...     e = tf.exp(x)
        ...     def grad(dy):
        ...         return dy * (1.0 - 1.0 / (1.0 + e))
        ...     return tf.log(1.0 + e), grad
        >>> x = tf.constant(100.0)
        >>> y = log1pexp(x)
        >>> dx, = tf.gradients(y, x)
        >>> with tf.Session() as sess:
        ...     print(sess.run(dx))      # the derived gradient would be nan (inf / inf)
        1.0
    """
    if f is None:
        return custom_gradient

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        return _graph_mode_call(f, args, kwargs)
    return decorated


def grad_pass_through(f):
    """Wraps ``f`` so that its result is ``f(*x)`` but its gradient is the identity: the
    gradient of each result passes to the argument at the same place, as if ``f`` were not
    there (TF's ``tf.grad_pass_through``; e.g. a straight-through rounding).

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([0.3, 1.6])
        >>> y = tf.grad_pass_through(tf.round)(x)
        >>> dx, = tf.gradients(3.0 * y, x)
        >>> with tf.Session() as sess:
        ...     print(*sess.run([y, dx]))
        [0. 2.] [3. 3.]
    """
    @custom_gradient
    def _pass_through(*args):
        def grad(*dys, **kwargs):
            variables = kwargs.get("variables")
            return (list(dys), [None] * len(variables)) if variables else list(dys)
        return f(*args), grad

    return functools.wraps(f)(lambda *args: _pass_through(*args))
