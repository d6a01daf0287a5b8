"""The order a session's plan runs its ops in.

:func:`prune` finds the ops a run needs, inputs first (a depth-first walk from the fetches,
control inputs before data inputs). :func:`hoist` then moves each *pure* op (no state, no
randomness, no variable read, no control inputs) to right after its last input is made: in a
training step, a weight's gradient and the bias gradient's sum are computed while the
activations and gradients they read are still in the CPU's caches, not after other weights'
updates have pushed them out, as a hand-written step does. Ops with effects keep their
places, so every variable read and write, queue operation and random draw happens in the
same order as before, and results are the same bit for bit.
"""
from __future__ import annotations

import collections

from flowkit.framework.graph import Tensor


def prune(elements, fed):
    """The ops needed for ``elements``, in an order where inputs come first."""
    roots = []
    for e in elements:
        if isinstance(e, Tensor):
            if e not in fed:
                roots.append(e.op)
        else:
            roots.append(e)
    order, state = [], {}       # state: 1 = on stack, 2 = done
    for root in roots:
        if root in state:
            continue
        stack = [(root, False)]
        while stack:
            op, expanded = stack.pop()
            if expanded:
                state[op] = 2
                order.append(op)
                continue
            if state.get(op) is not None:
                continue
            state[op] = 1
            stack.append((op, True))
            # Control inputs first: a read placed after them sees their writes, which is what
            # `with tf.control_dependencies([update]): tf.identity(v)` means in TF1.
            deps = [c for c in op._control_inputs
                    if not (c.type == "Placeholder" and c.outputs[0] in fed)]
            skip_ref = op.op_def.writes_ref
            for i, t in enumerate(op.inputs):
                if (skip_ref and i == 0) or t in fed:
                    continue
                deps.append(t.op)
            for d in reversed(deps):
                if d not in state:
                    stack.append((d, False))
    return order


def _pure(op, fed) -> bool:
    """Whether ``op`` may run anywhere after its inputs: no effects, no variable reads (a
    read happens when its consumer runs), no control inputs, no dead-value routing."""
    if op._control_inputs or op.op_def.stateful or op.type in _NOT_PURE:
        return False
    return all(t in fed or t.op.type != "VariableV2" for t in op.inputs)


#: Ops that are not arithmetic on their inputs: placeholders, variables, the session's own
#: (the last two read the session's variables through an attribute, not an input).
_NOT_PURE = frozenset(("Placeholder", "VariableV2", "Switch", "Merge", "NoOp",
                       "IsVariableInitialized", "ReportUninitializedVariables"))


def hoist(order, fed) -> list:
    """``order`` with every pure op moved to right after the last of its inputs' producers
    (see the module docstring); the others keep their relative order.

    Example:
        >>> import flowkit as tf
        >>> a = tf.placeholder(tf.float32, [], name="a")
        >>> b = tf.square(a, name="b")
        >>> v = tf.Variable(1.0, name="v")
        >>> update = tf.assign_add(v, 1.0, name="update")
        >>> s = tf.sqrt(b, name="s")                 # pure: moves next to its input b
        >>> [op.name for op in hoist([b.op, update.op, s.op], {a})]
        ['b', 's', 'update']
    """
    inside = set(order)
    waiting, consumers = {}, {}
    for op in order:
        if not _pure(op, fed):
            continue
        producers = {t.op for t in op.inputs if t not in fed and t.op in inside}
        waiting[op] = len(producers)
        for p in producers:
            consumers.setdefault(p, []).append(op)
    out, placed = [], set()
    for op in order:
        if op in placed or waiting.get(op, 0) > 0:
            continue
        # Breadth first: every op made ready by ``cur`` runs before any op that one of them
        # makes ready (a gradient's three consumers, then the next layer's).
        queue = collections.deque([op])
        while queue:
            cur = queue.popleft()
            out.append(cur)
            placed.add(cur)
            for c in consumers.get(cur, ()):
                waiting[c] -= 1
                if waiting[c] == 0:
                    queue.append(c)
    return out
