"""Building a session's plan: prune, order, bind kernels, place constants, drop dead values.

This is the one place that walks the graph at run time, and it runs once per distinct
(fetches, feeds) pair; afterwards :meth:`Session.run` only loops over the prepared steps.

Steps, in order:

1. **Prune**: from the fetched ops, walk inputs and control inputs backwards, stopping at fed
   tensors. An unfed placeholder found here is an error before anything runs.
2. **Order**: an iterative depth-first post-order (no recursion limit on deep graphs).
3. **Bind**: each op gets a slot per output and a callable: a backend kernel with its
   attributes bound, or one of the session's own ops (variables, assignments, checks).
   Constants are converted once and placed in the plan's template of values.
4. **Liveness**: after the last step that reads a value, the slot is cleared, so memory for
   intermediates is returned as soon as possible.
5. **Aliasing**: a variable updated in place must not change a value that is still to be
   used or fetched; such reads are copied (a snapshot), and fetched values that may share a
   variable's memory are copied once on the way out.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from flowkit.framework import errors
from flowkit.framework.graph import Tensor
from flowkit.session import _Plan, _Step

_NO_STEP = ("Const", "NoOp", "Placeholder")


def _prune(elements, fed):
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
            deps = []
            skip_ref = op.op_def.writes_ref
            for i, t in enumerate(op.inputs):
                if (skip_ref and i == 0) or t in fed:
                    continue
                deps.append(t.op)
            deps.extend(op.control_inputs)
            for d in reversed(deps):
                if d not in state:
                    stack.append((d, False))
    return order


def _unfed_error(op):
    dt = op.attrs["dtype"].name
    shape = op.attrs["shape"]
    shape_s = "<unknown>" if shape.ndims is None else \
        "[" + ",".join("?" if d is None else str(d) for d in shape.as_tuple()) + "]"
    return errors.InvalidArgumentError(
        None, op, f"You must feed a value for placeholder tensor '{op.name}' with dtype {dt} "
        f"and shape {shape_s}. Pass it in feed_dict, e.g. sess.run(fetches, "
        f"feed_dict={{{op.name}: value}}).")


def _missing_kernel_error(op, session):
    be = session.backend
    return errors.UnimplementedError(
        None, op, f"No kernel for op type '{op.type}' (op '{op.name}') in backend "
        f"'{be.name}' (provided by plugin '{be.plugin}'); the op type comes from plugin "
        f"'{op.op_def.plugin}'. Run this graph with a backend that has it, or add the kernel "
        "through the flowkit_register_kernels hook.")


def _checked(fn, op, session):
    """Wraps a kernel to verify it returns the dtype and shape the op promised."""
    be = session.backend

    def check(*args):
        out = fn(*args)
        outs = out if len(op.outputs) != 1 else (out,)
        for t, v in zip(op.outputs, outs):
            arr = np.asarray(be.to_numpy(v))
            if arr.dtype != np.dtype(t.dtype.as_numpy_dtype) and t.dtype.name != "string":
                raise AssertionError(f"kernel for {op.type} ({op.name}) returned dtype "
                                     f"{arr.dtype}, the op promised {t.dtype.name}")
            if not t.shape.is_compatible_with(arr.shape):
                raise AssertionError(f"kernel for {op.type} ({op.name}) returned shape "
                                     f"{arr.shape}, the op promised {t.shape}")
        return out
    return check


def build_plan(session, elements, fed):
    be, device = session.backend, session.device
    fed_set = set(fed)
    order = _prune(elements, fed_set)

    slot_of = {}
    template = []

    def new_slot(t, value=None):
        slot_of[t] = len(template)
        template.append(value)
        return slot_of[t]

    for t in fed:
        new_slot(t)
    plan = _Plan()
    plan.feed_checks = [(t, slot_of[t], np.dtype(t.dtype.as_numpy_dtype) if t.dtype.name !=
                         "string" else np.dtype(object), t.shape.as_tuple()) for t in fed]

    steps, step_ops, producer = [], {}, {}
    const_cache = session.__dict__.setdefault("_const_cache", {})
    values = session._values
    for op in order:
        kind = op.type
        if kind == "Placeholder":
            raise _unfed_error(op)
        if kind == "Const":
            native = const_cache.get(op)
            if native is None:
                native = be.to_native(op.attrs["value"], device)
                const_cache[op] = native
            new_slot(op.outputs[0], native)
            continue
        if kind == "NoOp":
            continue
        d = op.op_def
        ins = [slot_of[t] for i, t in enumerate(op.inputs) if not (d.writes_ref and i == 0)]
        if kind == "VariableV2":
            fn = partial(session._read_variable, op)
        elif kind == "IsVariableInitialized":
            var = op.attrs["var"]
            fn = partial(_is_initialized, values, var, be, device)
        elif kind == "ReportUninitializedVariables":
            fn = partial(_report_uninitialized, values, op.attrs["var_ops"])
        else:
            kernel = be.kernels.get(kind)
            if kernel is None:
                raise _missing_kernel_error(op, session)
            attrs = op.attrs
            if d.needs_rng:
                attrs = dict(attrs, rng=session._rng_for(op))
            if d.writes_ref:
                fn = partial(_write_variable, values, op.inputs[0].op, kernel, attrs,
                             kind == "Assign", session)
            else:
                fn = partial(kernel, attrs)
        if session._check and kind != "VariableV2":
            fn = _checked(fn, op, session)
        step = _Step()
        step.fn, step.ins = fn, ins
        step.multi = len(op.outputs) != 1
        if step.multi:
            step.out = tuple(new_slot(t) for t in op.outputs)
        else:
            step.out = new_slot(op.outputs[0])
        for t in op.outputs:
            producer[slot_of[t]] = len(steps)
        step_ops[id(step)] = op
        steps.append(step)

    fetch_slots = []
    for e in elements:
        if isinstance(e, Tensor):
            fetch_slots.append(slot_of[e])
        else:
            fetch_slots.append(-1)
    fetched = set(fetch_slots)

    # Liveness: clear each intermediate after its last reader.
    last_use = {}
    consumers = {}
    for i, s in enumerate(steps):
        for slot in s.ins:
            last_use[slot] = i
            consumers.setdefault(slot, []).append(i)
    frees = [[] for _ in steps]
    for slot, i in last_use.items():
        if slot not in fetched and slot in producer:
            frees[i].append(slot)
    for s, f in zip(steps, frees):
        s.free = tuple(f)

    # Aliasing of variable storage.
    var_aliases = _alias_closures(order, steps, step_ops, slot_of, consumers)
    writes = [(i, step_ops[id(s)].inputs[0].op) for i, s in enumerate(steps)
              if step_ops[id(s)].op_def.writes_ref]
    for pos, var in writes:
        for src_pos, alias in var_aliases.get(var, []):
            late = any(c > pos for slot in alias for c in consumers.get(slot, ()) if c != pos)
            if late or (alias & fetched and src_pos < pos):
                src = steps[src_pos]
                src.fn = _snapshot(src.fn, be)
    all_alias = set()
    for lst in var_aliases.values():
        for _, alias in lst:
            all_alias |= alias
    const_slots = {slot_of[op.outputs[0]] for op in order if op.type == "Const"}
    plan.fetch_copy = [s in all_alias or s in const_slots for s in fetch_slots]
    plan.fetch_slots = fetch_slots
    plan.steps, plan.template, plan.step_ops, plan.ops = steps, template, step_ops, order
    return plan


def _alias_closures(order, steps, step_ops, slot_of, consumers):
    """For each variable: ``[(source step, slots that may share its memory)]``."""
    out = {}
    for i, s in enumerate(steps):
        op = step_ops[id(s)]
        if op.type == "VariableV2":
            var = op
        elif op.op_def.writes_ref:
            var = op.inputs[0].op
        else:
            continue
        alias, frontier = set(), [s.out]
        while frontier:
            slot = frontier.pop()
            if slot in alias:
                continue
            alias.add(slot)
            for c in consumers.get(slot, ()):
                cop = step_ops[id(steps[c])]
                if cop.op_def.view and steps[c].ins and steps[c].ins[0] == slot:
                    out_slots = steps[c].out if steps[c].multi else (steps[c].out,)
                    frontier.extend(out_slots)
        out.setdefault(var, []).append((i, alias))
    return out


def _snapshot(fn, be):
    def snap(*args):
        return be.copy(fn(*args))
    return snap


def _write_variable(values, var, kernel, attrs, is_assign, session, value):
    ref = values.get(var)
    if ref is None and not is_assign:
        session._read_variable(var)  # raises FailedPreconditionError naming the variable
    new = kernel(attrs, ref, value)
    values[var] = new
    return new


def _is_initialized(values, var, be, device):
    return be.to_native(np.array(var in values), device)


def _report_uninitialized(values, var_ops):
    return np.array([op.name.encode() for op in var_ops if op not in values], dtype=object)
