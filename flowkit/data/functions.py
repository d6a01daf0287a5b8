"""Functions of dataset elements (``map``, ``filter``), traced once into the graph.

:class:`TracedFunction` calls the user's Python function once, at graph-building time, on
placeholders that stand for one element (named ``<scope>/args_0``...), in the dataset's graph
under a name scope of its own and outside any ``control_dependencies`` block. The ops created
during that call are the function's *body*; tensors of older ops that the body uses (a
constant made before, a variable, a placeholder) are its *captures*. The iterator that runs
the pipeline takes the captures as inputs, so the session computes them, and
:class:`FunctionRunner` evaluates the body per element: a plan of the body, built once per
iterator initialization with :func:`flowkit.session_plan.build_plan`, whose feeds are the
argument placeholders and the captured tensors, run on the backend's native arrays (no copy
to NumPy: on the torch backend, elements stay on the session's device).

Compared with TF1, which traces into a separate function graph: the body's ops are visible in
the graph (``tf.get_default_graph().get_operations()`` lists them), and a captured variable is
read when the iterator is initialized, not at each call.
"""
from __future__ import annotations

from flowkit.data import structure as nest
from flowkit.framework.graph import Tensor, get_default_graph
from flowkit.ops.core import convert_to_tensor, placeholder
from flowkit.session import BaseSession
from flowkit.session_plan import build_plan


class TracedFunction:
    """``fn`` traced on placeholders of ``input_specs``; see the module docstring.

    Attributes:
        args: the argument placeholders (flat). outputs: the result tensors (flat).
        output_specs: the result's structure of :class:`~flowkit.data.structure.Spec`.
        captures: the tensors from outside the body that it uses.
    """

    def __init__(self, fn, input_specs, scope: str, what: str = "map") -> None:
        if not callable(fn):
            raise TypeError(f"`{what}` expects a callable, got {fn!r}")
        graph = get_default_graph()
        first = len(graph.get_operations())
        with graph.name_scope(scope), graph.control_dependencies(None):
            flat = nest.flatten(input_specs)
            self.args = [placeholder(s.dtype, s.shape, name=f"args_{i}")
                         for i, s in enumerate(flat)]
            args = nest.pack(input_specs, self.args)
            # TF unpacks a plain tuple into positional arguments; a dict or a namedtuple is
            # passed as one argument.
            result = fn(*args) if type(args) is tuple else fn(args)
            result = nest.lists_to_tuples(result)
            if result is None:
                raise TypeError(f"The function passed to `{what}` returned None; it must "
                                "return a tensor or a structure of tensors.")
            outs = [convert_to_tensor(x, name=f"output_{i}")
                    for i, x in enumerate(nest.flatten(result))]
        self.graph, self.what = graph, what
        self.outputs = outs
        self.output_specs = nest.pack(result, [nest.Spec(t.dtype, t.shape) for t in outs])
        body = set(graph.get_operations()[first:])
        self.captures = _captures(outs, body)

    def __repr__(self) -> str:
        return f"<TracedFunction of {self.what} with {len(self.outputs)} outputs>"


def _captures(outputs, body) -> list:
    """The tensors made outside ``body`` that the body (or the result directly) uses."""
    seen, found, stack = set(), [], []
    for t in outputs:
        if t.op in body:
            stack.append(t.op)
        elif t not in seen:
            seen.add(t)
            found.append(t)
    visited = set()
    while stack:
        op = stack.pop()
        if op in visited:
            continue
        visited.add(op)
        for t in op.inputs:
            if t.op in body:
                stack.append(t.op)
            elif t not in seen:
                seen.add(t)
                found.append(t)
    return found


class FunctionRunner:
    """Runs traced functions on native arrays, in a private session on the backend and
    device of the iterator (one per iterator initialization)."""

    def __init__(self, graph, backend_name: str, device: str, captured: dict) -> None:
        self._session = BaseSession(graph=graph, backend=backend_name, device=device)
        self._captured = captured          # Tensor -> native value (computed by the session)
        self._plans = {}

    def __call__(self, fn: TracedFunction, flat_args) -> list:
        entry = self._plans.get(fn)
        if entry is None:
            fed = list(fn.args) + list(fn.captures)
            entry = (build_plan(self._session, fn.outputs, fed),
                     [self._captured[t] for t in fn.captures])
            self._plans[fn] = entry
        plan, captured = entry
        vals = list(plan.template)
        feeds = list(flat_args) + captured
        for (_, slot, _, _), v in zip(plan.feed_checks, feeds):
            vals[slot] = v
        self._session.run_nested(plan, vals, f"the function passed to `{fn.what}`")
        return [vals[s] for s in plan.fetch_slots]

    def close(self) -> None:
        self._session.close()


def check_traceable(tensors, what: str) -> None:
    """Raises ``ValueError`` when a one-shot iterator's dataset captures a placeholder or a
    stateful op (a variable...), as TF1's ``make_one_shot_iterator`` does."""
    stack, seen = [t.op for t in tensors if isinstance(t, Tensor)], set()
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.type in ("Placeholder", "VariableV2") or op.op_def.stateful:
            raise ValueError(
                f"Failed to create a one-shot iterator for a dataset. `{what}` does not "
                "support datasets that capture stateful objects or placeholders, such as "
                f"'{op.name}' (type {op.type}). In these cases, use "
                "`Dataset.make_initializable_iterator()`.")
        stack.extend(t.op for t in op.inputs)
