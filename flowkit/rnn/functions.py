"""Loop bodies traced once into the graph, and where their values come from.

:func:`trace` calls a Python function once, at graph-building time, on placeholders that
stand for the loop variables of one iteration (``while/loop_var_0``...), under the loop's
name scope and outside any ``control_dependencies`` block. The ops it creates that the
results need are the function's *body*; tensors of older ops that the body reads (a
constant made before, a placeholder, a variable) are its *captures*. Variables created while
tracing (an RNN cell's weights, made on its first call) are captures too: a variable lives
in the session, not in one iteration.

A :class:`Function` is what a ``While`` op's attributes refer to: the placeholders, the
results, the captures, and the tensors whose per-iteration values the backward loop needs
(``saved``: filled in by the gradient rule, when a gradient is asked for).
"""
from __future__ import annotations

import itertools
import weakref

from flowkit.framework import errors
from flowkit.framework.graph import get_default_graph
from flowkit.ops.core import placeholder

_tokens = itertools.count(1)
_FUNCTIONS: "weakref.WeakValueDictionary[int, object]" = weakref.WeakValueDictionary()


def bind(obj, graph) -> int:
    """A token (an ``int`` attr, so graphs with loops still export) that finds ``obj`` in this
    process; the graph keeps ``obj`` alive."""
    token = next(_tokens)
    _FUNCTIONS[token] = obj
    graph.__dict__.setdefault("_flowkit_loop_functions", []).append(obj)
    return token


def lookup(token):
    obj = _FUNCTIONS.get(token)
    if obj is None:
        raise errors.FailedPreconditionError(
            None, None, "This loop's body is not known in this process: a tf.while_loop body "
            "is Python code traced into the graph of the process that built it. Rebuild the "
            "loop in code.")
    return obj


def trace_args(specs, names=None) -> list:
    """Placeholders for one iteration's values: ``specs`` is a list of (dtype, shape)."""
    names = names or [f"loop_var_{i}" for i in range(len(specs))]
    return [placeholder(dt, sh, name=n) for (dt, sh), n in zip(specs, names)]


def body_ops(outputs, created, stop=()) -> set:
    """The ops among ``created`` that ``outputs`` need (through data and control inputs),
    without variables and without the tensors in ``stop``."""
    stop_ops = {t.op for t in stop}
    found, stack = set(), [t.op for t in outputs]
    while stack:
        op = stack.pop()
        if op in found or op not in created or op.type == "VariableV2":
            continue
        found.add(op)
        if op in stop_ops:
            continue
        stack.extend(t.op for t in op.inputs)
        stack.extend(op._control_inputs)
    return found


def external_inputs(ops, outputs=()) -> list:
    """The tensors that ``ops`` read (or that are among ``outputs``) but that no op of ``ops``
    made, in the order of their ops' creation (deterministic)."""
    seen, found = set(), []
    for op in sorted(ops, key=lambda o: o._id):
        for t in op.inputs:
            if t.op not in ops and t not in seen:
                seen.add(t)
                found.append(t)
    for t in outputs:
        if t.op not in ops and t not in seen:
            seen.add(t)
            found.append(t)
    return found


class Function:
    """A traced loop function (see the module docstring).

    Attributes:
        args: the placeholders of one iteration's values (flat).
        outputs: the results (flat).
        captures: outside tensors the body reads, in a fixed order.
        ops: the body's ops.
        saved: tensors of the body whose values each iteration keeps for the gradient.
        version: changes when ``saved`` does (the kernels then rebuild their plans).
    """

    def __init__(self, args, outputs, created, what) -> None:
        self.args, self.outputs, self.what = list(args), list(outputs), what
        self.ops = body_ops(self.outputs, created, stop=self.args)
        arg_set = set(self.args)
        self.captures = [t for t in external_inputs(self.ops, self.outputs)
                         if t not in arg_set]
        self.saved = []
        self.version = 0
        self.backward = None     # the gradient's Function, built once

    def save(self, tensors) -> None:
        new = [t for t in tensors if t not in set(self.saved)]
        if new:
            self.saved = self.saved + new
            self.version += 1


def new_ops_since(graph, first) -> set:
    return set(graph.get_operations()[first:])


def graph_now():
    return get_default_graph()
