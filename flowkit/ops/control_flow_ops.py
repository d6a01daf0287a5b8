"""Control flow: ``no_op``, ``group`` and ``tuple``.

Example:
    >>> import flowkit as tf
    >>> a = tf.Variable(1, name="a"); b = tf.Variable(2, name="b")
    >>> init = tf.group(a.initializer, b.initializer, name="init_ab")
    >>> init.type, sorted(op.name for op in init.control_inputs)
    ('NoOp', ['a/Assign', 'b/Assign'])
"""
from __future__ import annotations

__all__ = ["no_op", "group"]

from flowkit.framework.graph import Operation, Tensor, get_default_graph
from flowkit.framework.registry import register_op

register_op("NoOp", shape=lambda inputs, attrs: [], grad=None, kernel=False)


def no_op(name=None) -> Operation:
    """An op that does nothing; useful as a target for control dependencies."""
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
    """An op that runs all ``inputs`` (ops or tensors) and outputs nothing."""
    ops = [_as_op(x) for x in inputs]
    graph = ops[0].graph if ops else get_default_graph()
    with graph.control_dependencies(ops):
        return graph.create_op("NoOp", [], None, name or "group_deps")
