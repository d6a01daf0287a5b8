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
   A variable is read when the op that uses it runs (each consumer gets its own read step,
   placed after that consumer's control inputs), so ``with tf.control_dependencies([update]):
   tf.identity(v)`` sees the update, as in TF1.
4. **Liveness**: after the last step that reads a value, the slot is cleared, so memory for
   intermediates is returned as soon as possible.
5. **Aliasing**: a variable updated in place must not change a value that is still to be
   used or fetched; such reads are copied (a snapshot), and fetched values that may share a
   variable's memory are copied once on the way out.
6. **Planned buffers** (after the first run, see :func:`plan_buffers`): steps whose backend
   has an out= kernel write into buffers the plan owns, reused across runs and shared between
   steps whose values are never alive at the same time.

7. **Folding** (see :func:`_fold`): ``Shape``/``Size``/``Rank`` and the stateless ops computed
   only from them and from constants keep their last result, and run again only when an
   input's shape changed (a training step's mean gradient: 6 kernels fewer per run).

Plans that contain a ``Switch`` (``tf.cond``) are marked ``dead_aware``: the session runs them
with a second loop that tracks dead values (see :mod:`flowkit.ops.control_flow_ops`); for them,
constants gated by control inputs and ``NoOp`` s become steps too, since their deadness
matters. Other plans run exactly as before.
"""
from __future__ import annotations

import gc
import math
import os
import threading
from functools import partial
from operator import is_, itemgetter

import numpy as np

from flowkit.backend import Scratch
from flowkit.framework import errors
from flowkit.framework import warnings as fk_warnings
from flowkit.framework.graph import Tensor
from flowkit.plan_order import hoist, prune


# --------------------------------------------------------------------------------------------
# What a plan is made of (the session runs these; the planner below builds them)
# --------------------------------------------------------------------------------------------
class _Plan:
    """A prepared way to compute some fetches from some feeds."""

    __slots__ = ("steps", "template", "feed_slots", "feed_checks", "fetch_slots",
                 "fetch_copy", "ops", "step_ops", "dead_aware", "elements", "run", "call_ops",
                 "loss_checks", "writes", "out_steps", "first", "buffered", "lock", "shapes",
                 "buffers", "scratch", "folded")


class _Step:
    # ctrl and merge are used only by the dead-value-aware loop (plans with tf.cond):
    # ctrl: indices of the steps of this op's control inputs; merge: 0, or MERGE / ADD_N.
    # donor: the input an in-place kernel may write its result into (see session_plan._donate).
    __slots__ = ("fn", "ins", "out", "multi", "free", "ctrl", "merge", "donor")


class _Dead:
    """The value of an output that was not computed: the untaken side of a ``Switch``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<dead>"


#: The one dead value (compared with ``is``).
DEAD = _Dead()
MERGE, ADD_N = 1, 2


class _Unread:
    """A variable read deferred until it is used (dead-aware plans only): the branch of a
    ``tf.cond`` that uses a variable's reference may not run, so an uninitialized variable is
    an error only when the read value is really consumed."""

    __slots__ = ("error",)

    def __init__(self, error) -> None:
        self.error = error

# The session's own ops whose outputs the kernel checker must not inspect (dead values...).
_UNCHECKED = ("VariableV2", "Switch", "Merge", "Const", "NoOp", "Assert")


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


def _checked(fn, op, session, donor=None):
    """Wraps a kernel to verify it returns the dtype and shape the op promised, and fresh
    memory unless the op is a view op (input ``donor`` of an in-place kernel excepted)."""
    be = session.backend
    fresh = not (op.op_def.view or op.op_def.writes_ref)

    def check(*args):
        out = fn(*args)
        outs = out if len(op.outputs) != 1 or op.op_def.list_output else (out,)
        for t, v in zip(op.outputs, outs):
            arr = np.asarray(be.to_numpy(v))
            if arr.dtype != np.dtype(t.dtype.as_numpy_dtype) and t.dtype.name != "string":
                raise AssertionError(f"kernel for {op.type} ({op.name}) returned dtype "
                                     f"{arr.dtype}, the op promised {t.dtype.name}")
            if not t.shape.is_compatible_with(arr.shape):
                raise AssertionError(f"kernel for {op.type} ({op.name}) returned shape "
                                     f"{arr.shape}, the op promised {t.shape}")
            for j, a in enumerate(args if fresh and arr.size else ()):
                a = be.to_numpy(a)     # a view of CPU memory, for NumPy and torch on the CPU
                if j != donor and isinstance(a, np.ndarray) and a.size and \
                        np.may_share_memory(arr, a):
                    raise AssertionError(f"kernel for {op.type} ({op.name}) returned memory "
                                         f"shared with its input {j}; only ops registered "
                                         "with view=True may do that")
        return out
    return check


def build_plan(session, elements, fed):
    """The plan for ``elements`` given the fed tensors ``fed`` (see the module docstring).

    The cyclic garbage collector is paused meanwhile: building allocates a few objects per op
    and frees no cycles, and on large graphs the collector's full passes over the growing
    heap made planning time grow faster than the op count (x17 for x10 ops, measured; see
    docs/performance.md).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _build_plan(session, elements, fed)
    finally:
        if was_enabled:
            gc.enable()


def _build_plan(session, elements, fed):
    be, device = session.backend, session.device
    fed_set = set(fed)
    # Fetched float scalars (a loss) are pruned first, so in a training step the loss is
    # computed before any update runs: the non-finite check below then sees the variables
    # as they were when the loss was computed.
    losses = [e for e in elements if isinstance(e, Tensor) and e.dtype.is_floating and
              e.shape.ndims == 0 and e.op.type not in _NOT_LOSSES and e not in fed_set]
    order = prune(losses + list(elements) if losses and len(elements) > 1 else elements,
                  fed_set)
    # Plans with tf.cond run in a loop that tracks dead values; there, ops whose deadness
    # matters (gated constants, NoOps) become steps too, and each step knows its control
    # inputs. Their order stays as pruned.
    dead_aware = any(op.type == "Switch" for op in order)
    if HOIST and not dead_aware:
        order = hoist(order, fed_set)

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
    read_fn = _read_or_defer if dead_aware else _read_now
    fetched_tensors = {e for e in elements if isinstance(e, Tensor)}
    step_of = {}

    def add_step(op, fn, ins, out_slots):
        step = _Step()
        step.fn, step.ins = fn, ins
        step.multi = len(out_slots) > 1 or op.op_def.list_output
        step.out = out_slots if step.multi else out_slots[0] if out_slots else -1
        step.ctrl = tuple(step_of[c] for c in op._control_inputs if c in step_of)
        step.merge = MERGE if op.type == "Merge" else ADD_N if op.type == "AddN" else 0
        step.donor = None
        for slot in out_slots:
            producer[slot] = len(steps)
        step_ops[id(step)] = op
        steps.append(step)
        return step

    def input_slot(t):
        # A variable is read when its consumer runs (after that consumer's control inputs),
        # not when the variable node comes up in the order: each consumer gets its own read.
        if t.op.type == "VariableV2" and t not in fed_set:
            slot = len(template)
            template.append(None)
            add_step(t.op, partial(read_fn, session, t.op), [], (slot,))
            return slot
        return slot_of[t]

    for op in order:
        kind = op.type
        if kind == "Placeholder":
            raise _unfed_error(op)
        if kind == "Const":
            native = const_cache.get(op)
            if native is None:
                native = be.to_native(op.attrs["value"], device)
                const_cache[op] = native
            if not (dead_aware and op._control_inputs):
                new_slot(op.outputs[0], native)
                continue
        if kind == "NoOp" and not dead_aware:
            continue
        if kind == "VariableV2":
            if op.outputs[0] in fetched_tensors:
                add_step(op, partial(read_fn, session, op), [], (new_slot(op.outputs[0]),))
            continue
        d = op.op_def
        ins = [input_slot(t) for i, t in enumerate(op.inputs)
               if not (d.writes_ref and i == 0)]
        if kind == "Const":
            fn = partial(_const, native)
        elif kind == "NoOp":
            fn = _no_op
        elif kind == "Switch":
            fn = partial(_switch, be)
        elif kind == "Merge":
            fn = partial(_merge, [be.to_native(np.array(i, dtype=np.int32), device)
                                  for i in range(len(op.inputs))])
        elif kind == "Assert":
            fn = partial(_assert, be, op)
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
            if d.needs_state:
                attrs = dict(attrs, state=session._state_for(op))
            if d.writes_ref:
                fn = partial(_write_variable, values, op.inputs[0].op, kernel, attrs,
                             kind == "Assign", session)
            else:
                fn = partial(kernel, attrs)
        if session._check and kind not in _UNCHECKED:
            fn = _checked(fn, op, session)
        step_of[op] = len(steps)
        add_step(op, fn, ins, tuple(new_slot(t) for t in op.outputs))

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
    snapshotted = set()
    for pos, var in writes:
        for src_pos, alias in var_aliases.get(var, []):
            if src_pos >= pos or src_pos in snapshotted:
                continue   # read after this write: the write cannot change it
            late = any(c > pos for slot in alias for c in consumers.get(slot, ()))
            if late or alias & fetched:
                snapshotted.add(src_pos)
                src = steps[src_pos]
                src.fn = _snapshot(src.fn, be)
    all_alias = set()
    for lst in var_aliases.values():
        for _, alias in lst:
            all_alias |= alias
    const_slots = {slot_of[op.outputs[0]] for op in order if op.type == "Const" and
                   op.outputs[0] in slot_of}
    folded, kept = _fold(steps, step_ops, const_slots, consumers, fetched) if FOLD and not \
        dead_aware else ((), set())
    if not dead_aware and os.environ.get("FLOWKIT_INPLACE", "1") != "0":
        _donate(steps, step_ops, session, consumers, producer, all_alias | fetched | kept)
    plan.out_steps = () if dead_aware or os.environ.get("FLOWKIT_PLANNED_BUFFERS", "1") == \
        "0" else _out_candidates(steps, step_ops, session, consumers, fetched, all_alias | kept)
    # Fetched values never alias the caller's feeds, the plan's constants or variables: a
    # fetched feed, constant, or view of one (tf.identity(x) of a fed x) is copied on the way
    # out, so writing into a result changes neither the caller's array nor later runs.
    own = _view_closure([slot_of[t] for t in fed] + sorted(const_slots), steps, step_ops,
                        consumers) if fetched else set()
    plan.fetch_copy = [s in all_alias or s in own for s in fetch_slots]
    plan.fetch_slots = fetch_slots
    # What the normal loop runs: one (call, out, multi, free) tuple per step, where
    # call(vals) computes the step. A step without outputs writes to a scratch slot at the end.
    template.append(None)
    plan.steps, plan.template, plan.step_ops, plan.ops = steps, template, step_ops, order
    plan.dead_aware, plan.elements = dead_aware, list(elements)
    # A training step (a plan that updates variables) that fetches a float scalar (the loss):
    # the session looks at that one value per run, to warn once if it is NaN or Inf.
    plan.writes = bool(writes)
    plan.loss_checks = ()
    if writes and losses and fk_warnings.enabled("non_finite"):
        first_write = writes[0][0]
        for loss in losses:
            i = producer.get(slot_of.get(loss, -1))
            if i is not None and i < first_write and not steps[i].multi:
                steps[i].fn = _loss_check(steps[i].fn, session, loss, plan)
                plan.loss_checks += (loss,)
    plan.run = [(_caller(s.fn, s.ins), s.out, s.multi, s.free) for s in steps]
    kinds = folded and (np.ndarray, type(be.to_native(np.zeros(1, np.float32), device)))
    for i in folded:        # (the type of the backend's arrays: see _keepable)
        plan.run[i] = (_folded(plan.run[i][0], steps[i].ins, step_ops[id(steps[i])].type in
                               _SHAPE_OPS, kinds, be.to_numpy),) + plan.run[i][1:]
    plan.folded = folded
    plan.call_ops = {id(r[0]): step_ops[id(s)] for r, s in zip(plan.run, steps)}
    plan.buffered = plan.lock = plan.buffers = plan.scratch = None
    plan.shapes = {}
    plan.first = None
    if plan.out_steps:      # the first run notes the shapes the buffers need
        plan.first = list(plan.run)
        for i, _, _ in plan.out_steps:
            call, out, multi, free = plan.run[i]
            plan.first[i] = (_recording(call, i, plan.shapes), out, multi, free)
            plan.call_ops[id(plan.first[i][0])] = step_ops[id(steps[i])]
    return plan


_NOT_LOSSES = ("VariableV2", "Assign", "AssignAdd", "AssignSub", "Placeholder", "Const")


def _loss_check(fn, session, loss, plan):
    """``fn`` (the step computing a fetched loss of a training step), checking its value:
    the first NaN or Inf warns (once), before the step's updates run."""
    def check(*args):
        out = fn(*args)
        # float() of a 0-d NumPy array or torch tensor: no conversion of the array itself
        if plan.loss_checks and type(out) is not _Dead and not math.isfinite(float(out)):
            plan.loss_checks = ()
            session._non_finite_loss(loss, out)
        return out
    return check


#: Inputs known to hold fewer elements are not donated: allocating a small array costs less
#: than an in-place kernel's checks (W6's chain of 500 multiplies of 16 floats ran 1.2x the
#: written-out NumPy calls without donation, 2.0x with it). Unknown sizes (a batch) are.
_DONATE_MIN = 1024


def _donate(steps, step_ops, session, consumers, producer, aliased):
    """Lets in-place kernels write into inputs that die at their op.

    An input slot is donated to step ``i`` when step ``i`` is its only reader (and reads it
    once), the slot is freed right after it (so it is not fetched), it may not share memory
    with a variable, and it was made by a normal kernel of this plan: not a feed, a constant,
    a variable read, an assignment or a view op, so its memory belongs to this run. An output
    of a step with several outputs (a loss and its backprop) qualifies when the step's other
    outputs are neither fetched nor read at or after step ``i``: even if a kernel returned
    one array for two outputs, nothing could see the write. The output must have the input's
    dtype and a compatible shape; the in-place kernel checks the rest (the exact shape, that
    the memory is writable) when it runs. (Where the backend has an out= kernel for the op,
    such a step is left to :func:`plan_buffers`: a buffer kept across runs allocates nothing
    at all.) ``aliased``: slots that may share a variable's memory, and the fetched slots.
    """
    kernels = getattr(session.backend, "inplace_kernels", None)
    if not kernels:
        return
    out_kernels = getattr(session.backend, "out_kernels", None) or {}
    for i, s in enumerate(steps):
        op = step_ops[id(s)]
        kernel = kernels.get(op.type)
        if kernel is None or s.multi or op.op_def.writes_ref:
            continue
        out = op.outputs[0]
        for j, slot in enumerate(s.ins):
            if slot not in s.free or consumers.get(slot) != [i] or slot in aliased:
                continue
            src = steps[producer[slot]]
            src_op = step_ops[id(src)]
            if src_op.op_def.view or src_op.op_def.writes_ref or \
                    src_op.type in ("VariableV2", "Const"):
                continue
            if src.multi and (op.type in out_kernels or any(
                    o in aliased or max(consumers.get(o, [-1])) >= i
                    for o in src.out if o != slot)):
                continue        # a sibling is still to be read, or a planned buffer is better
            t = op.inputs[j]
            if t.dtype != out.dtype or not t.shape.is_compatible_with(out.shape) or \
                    (t.shape.is_fully_defined() and t.shape.num_elements() < _DONATE_MIN):
                continue
            fn = partial(kernel, op.attrs, j)
            s.fn = _checked(fn, op, session, donor=j) if session._check else fn
            s.donor = j
            break


# --------------------------------------------------------------------------------------------
# The shape-only subgraph, computed once per shape
# --------------------------------------------------------------------------------------------
#: Op types whose value depends only on their input's shape.
_SHAPE_OPS = ("Shape", "Size", "Rank")
#: Whether plans fold their shape-only subgraph (tests and A/B measurements turn it off).
FOLD = True
#: Whether plans run pure ops right after their inputs (flowkit.plan_order.hoist; tests and
#: A/B measurements turn it off).
HOIST = True
#: A folded result is kept only up to this many elements (a bigger one is made again per run).
_FOLD_MAX = 1 << 16


def _fold(steps, step_ops, const_slots, consumers, fetched):
    """The steps whose values are the same in every run for the same input shapes, and the
    slots that may share their memory: ``(step indices, slots)``.

    A step folds when its op is ``Shape``, ``Size`` or ``Rank`` (a function of its input's
    shape), or when it is a kernel without state, randomness or side effects whose inputs are
    all constants or folded values (``Cast``, arithmetic, ``Fill``, ``ExpandDims``, ``Pack``...
    of them: the mean's gradient in a training step is ``Shape -> Size -> Cast -> RealDiv ->
    Fill -> ExpandDims``). Such a step keeps its last result (see :func:`_folded`) and runs
    its kernel again only when its input's shape (a shape op) or one of its inputs (another
    folded step; constants are the same objects in every run) changed. Kept results are never
    written: their memory (with the views of it) is not donated to in-place kernels and gets
    no planned buffer, and a step is not folded when a value sharing its memory is fetched or
    read by an op that may keep it (an ``Assign``, an enqueue): those run as before.
    """
    blocked = set()
    while True:
        known, folded = set(const_slots), set()
        for i, s in enumerate(steps):
            op = step_ops[id(s)]
            d = op.op_def
            if i not in blocked and not d.stateful and d.kernel and s.ins and \
                    (s.multi or s.out >= 0) and (op.type in _SHAPE_OPS or
                                                 all(j in known for j in s.ins)):
                folded.add(i)
                known.update(s.out if s.multi else (s.out,))
        kept, exposed = set(), set()
        for i in folded:
            s = steps[i]
            alias = _view_closure(list(s.out) if s.multi else [s.out], steps, step_ops, consumers)
            if alias & fetched or any(_may_keep(step_ops[id(steps[c])])
                                      for slot in alias for c in consumers.get(slot, ())):
                exposed.add(i)
            kept |= alias
        if not exposed:
            return folded, kept
        blocked |= exposed


def _folded(call, ins, shape_op, kinds, to_numpy):
    """``call(vals)`` of a folded step, returning its last result while the input's shape
    (``shape_op``) or its inputs (compared by identity) are the ones it was computed from.
    A result is kept when each of its arrays is a plain array of the backend (of the types
    ``kinds``; not a ``TensorArray``'s value) or a NumPy scalar, of at most ``_FOLD_MAX``
    elements, finite where it is a float (a NaN or Inf is computed, and warned about, again).
    A failing kernel keeps nothing and fails as before. The result is one tuple, replaced as a
    whole, so threads running the plan see a consistent pair."""
    memo = None

    def keep(key, r):
        nonlocal memo
        memo = (key, r) if _keepable(r, kinds, to_numpy) else None
        return r

    a = ins[0]

    def by_shape(v):
        key, m = getattr(v[a], "shape", None), memo
        if m is not None and m[0] == key:
            return m[1]
        return call(v) if key is None else keep(key, call(v))

    def by_inputs(v):
        key, m = get(v), memo
        if m is not None and all(map(is_, key, m[0])):
            return m[1]
        return keep(key, call(v))
    get = itemgetter(*ins) if len(ins) > 1 else lambda v: (v[a],)
    return by_shape if shape_op else by_inputs


def _keepable(r, kinds, to_numpy):
    for x in r if type(r) in (tuple, list) else (r,):
        a = (type(x) in kinds or isinstance(x, np.generic)) and math.prod(x.shape) <= _FOLD_MAX \
            and np.asarray(to_numpy(x))
        if a is False or a.dtype.kind in "fc" and not np.isfinite(a).all():
            return False
    return True


# --------------------------------------------------------------------------------------------
# Planned buffers (out= kernels, see flowkit.backend)
# --------------------------------------------------------------------------------------------
def _out_candidates(steps, step_ops, session, consumers, fetched, aliased):
    """``[(step, out= kernel, last step reading its memory)]`` for the steps that may write
    into a planned buffer: the backend has an out= kernel for the op, the step has one output
    and is not donated an input, and no value that may share the output's memory (views of
    it, in-place results written into it) is fetched, shares a variable's memory, or is read
    by an op that may keep it after the run (a stateful op; updates other than ``Assign``
    read their value and keep nothing)."""
    kernels = getattr(session.backend, "out_kernels", None)
    if not kernels:
        return ()
    found = []
    for i, s in enumerate(steps):
        op = step_ops[id(s)]
        kernel = kernels.get(op.type)
        d = op.op_def
        if kernel is None or s.multi or s.out < 0 or s.donor is not None or d.view or \
                d.stateful:
            continue
        alias = _view_closure([s.out], steps, step_ops, consumers, donated=True)
        if alias & fetched or alias & aliased:
            continue
        readers = {c for slot in alias for c in consumers.get(slot, ())}
        if any(_may_keep(step_ops[id(steps[c])]) for c in readers):
            continue
        found.append((i, kernel, max(readers, default=i)))
    return found


def _may_keep(op):
    d = op.op_def
    return d.stateful and not (d.writes_ref and op.type != "Assign")


def _recording(call, i, shapes):
    """``call``, noting the shape and dtype of its result in ``shapes[i]``."""
    def record(v):
        r = call(v)
        shapes[i] = (tuple(getattr(r, "shape", ())), getattr(r, "dtype", None))
        return r
    return record


#: Outputs known to hold fewer elements get no buffer (see _DONATE_MIN), unless the out=
#: kernel says ``any_size`` (its inputs are big: it reads the plan's scratch, say, as the
#: NumPy filter gradient reads the forward convolution's im2col matrix kept there).
_BUFFER_MIN = 1024


def plan_buffers(plan, session):
    """Gives the plan its buffered run, after a first run recorded every output's shape.

    Each step of ``plan.out_steps`` whose output was big enough gets a buffer: one of an
    earlier step with the same shape and dtype whose memory is no longer read (its last
    reader ran before this step), else a new one. A buffer is made by the kernel on its first
    use (``out`` is ``None``), and replaced whenever the kernel returns new memory (a
    different batch size). Buffered runs hold ``plan.lock``: a run that finds it taken (another
    thread in the same plan) runs the plain steps instead.
    """
    key_of, free_at, assign = [], [], {}
    for i, kernel, last in plan.out_steps:
        key = plan.shapes.get(i)
        if key is None or (math.prod(key[0]) < _BUFFER_MIN and
                           not getattr(kernel, "any_size", False)):
            continue
        for b, (k, until) in enumerate(zip(key_of, free_at)):
            if k == key and until < i:
                free_at[b] = last
                break
        else:
            b = len(key_of)
            key_of.append(key)
            free_at.append(last)
        assign[i] = (b, kernel)
    plan.buffers, plan.scratch = [None] * len(key_of), Scratch()
    run = list(plan.run)
    for i, (b, kernel) in assign.items():
        step = plan.steps[i]
        op = plan.step_ops[id(step)]
        if session._check:
            kernel = _checked_out(kernel, op, session)
        call = _buffer_caller(kernel, dict(op.attrs, scratch=plan.scratch), step.ins,
                              plan.buffers, b)
        plan.call_ops[id(call)] = op
        run[i] = (call, step.out, False, step.free)
    plan.lock = threading.Lock()
    plan.buffered, plan.first = run, None


def _buffer_caller(kernel, attrs, ins, bufs, b):
    """``call(vals)`` for a step writing into buffer ``bufs[b]`` (kept for the next run)."""
    if len(ins) == 1:
        a, = ins

        def call(v):
            r = bufs[b] = kernel(attrs, bufs[b], v[a])
            return r
    elif len(ins) == 2:
        a, c = ins

        def call(v):
            r = bufs[b] = kernel(attrs, bufs[b], v[a], v[c])
            return r
    else:
        ins = tuple(ins)

        def call(v):
            r = bufs[b] = kernel(attrs, bufs[b], *[v[j] for j in ins])
            return r
    return call


def _checked_out(kernel, op, session):
    """An out= kernel checked against its contract (``FLOWKIT_CHECK_KERNELS=1``): it returns
    ``out`` whenever ``out`` has the result's shape and dtype, its result is bit for bit the
    op's kernel's, and the usual checks of :func:`_checked` hold."""
    be = session.backend
    normal = be.kernels[op.type]

    def check(attrs, out, *xs):
        r = kernel(attrs, out, *xs)
        got = np.asarray(be.to_numpy(r))
        if out is not None and r is not out:
            o = be.to_numpy(out)
            if o.shape == got.shape and o.dtype == got.dtype:
                raise AssertionError(f"out= kernel for {op.type} ({op.name}) returned new "
                                     "memory where its buffer fitted: it must write into "
                                     "out and return it")
        want = np.asarray(be.to_numpy(normal(op.attrs, *xs)))
        if want.dtype != got.dtype or want.shape != got.shape or \
                want.tobytes() != got.tobytes():
            raise AssertionError(f"out= kernel for {op.type} ({op.name}) computed another "
                                 f"result than the op's kernel (shape {got.shape}, dtype "
                                 f"{got.dtype}; the kernel's {want.shape}, {want.dtype})")
        return _checked(lambda *_: r, op, session)(*xs)
    return check


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
        out.setdefault(var, []).append((i, _view_closure([s.out], steps, step_ops,
                                                         consumers)))
    return out


def _view_closure(start, steps, step_ops, consumers, donated=False):
    """The slots that may share memory with the slots ``start``: those and the outputs of
    view ops (identity, reshape, slicing...) of them, transitively (and, with ``donated``,
    the results of in-place kernels written into them)."""
    alias, frontier = set(), list(start)
    while frontier:
        slot = frontier.pop()
        if slot in alias:
            continue
        alias.add(slot)
        for c in consumers.get(slot, ()):
            cop = step_ops[id(steps[c])]
            if cop.op_def.view and steps[c].ins and (steps[c].ins[0] == slot or
                                                     cop.type == "Merge"):
                out_slots = steps[c].out if steps[c].multi else (steps[c].out,)
                frontier.extend(out_slots)
            elif donated and steps[c].donor is not None and steps[c].ins[steps[c].donor] == slot:
                frontier.append(steps[c].out)
    return alias


def _caller(fn, ins):
    """``fn`` applied to the values in slots ``ins``, as one call ``call(vals)``.

    Specialised by arity, so no argument list is built per run; a kernel bound to its attrs
    (``partial(kernel, attrs)``) is called directly with them. Each call is a new function
    (the session maps it back to its op when a kernel fails).
    """
    if type(fn) is partial and len(fn.args) == 1 and not fn.keywords:
        f, (at,) = fn.func, fn.args
        if len(ins) == 1:
            a, = ins
            return lambda v: f(at, v[a])
        if len(ins) == 2:
            a, b = ins
            return lambda v: f(at, v[a], v[b])
        if len(ins) == 3:
            a, b, c = ins
            return lambda v: f(at, v[a], v[b], v[c])
    if not ins:
        return lambda v: fn()
    if len(ins) == 1:
        a, = ins
        return lambda v: fn(v[a])
    if len(ins) == 2:
        a, b = ins
        return lambda v: fn(v[a], v[b])
    ins = tuple(ins)
    return lambda v: fn(*[v[i] for i in ins])


def _read_now(session, op):
    return session._read_variable(op)


def _snapshot(fn, be):
    def snap(*args):
        v = fn(*args)
        return v if type(v) is _Unread else be.copy(v)
    return snap


# -- the session's own ops in plans with tf.cond ----------------------------------------------
def _const(native):
    return native


def _no_op():
    return None


def _switch(be, data, pred):
    return (DEAD, data) if bool(be.to_numpy(pred)) else (data, DEAD)


def _merge(indices, *inputs):
    for i, x in enumerate(inputs):
        if x is not DEAD:
            return x, indices[i]
    return DEAD, DEAD


def _assert(be, op, condition, *data):
    if bool(be.to_numpy(condition)):
        return None
    texts, values = op.attrs["messages"], iter(data)
    n = op.attrs["summarize"]
    parts = []
    for text in texts:
        if text is not None:
            parts.append(text)
            continue
        flat = np.asarray(be.to_numpy(next(values))).reshape(-1)
        shown = " ".join(str(v) for v in flat[:n].tolist())
        parts.append(shown + ("..." if flat.size > n else ""))
    message = "assertion failed: " + " ".join(f"[{p}]" for p in parts)
    raise errors.InvalidArgumentError(None, op, message)


def _read_or_defer(session, op):
    try:
        return session._read_variable(op)
    except errors.FailedPreconditionError as e:
        return _Unread(e)


def _write_variable(values, var, kernel, attrs, is_assign, session, *inputs):
    # One lock per variable: updates from several threads running the same session (TF1's
    # queue-runner and Hogwild patterns) are read-modify-write steps that must not interleave,
    # so that use_locking=True (and every other update) loses nothing.
    lock = session._var_locks.get(var) or session._var_lock_for(var)
    with lock:
        ref = values.get(var)
        if ref is None and not is_assign:
            session._read_variable(var)  # raises FailedPreconditionError naming the variable
        new = kernel(attrs, ref, *inputs)   # (value) for Assign, (indices, updates) for scatters
        values[var] = new
    return new


def _is_initialized(values, var, be, device):
    return be.to_native(np.array(var in values), device)


def _report_uninitialized(values, var_ops):
    return np.array([op.name.encode() for op in var_ops if op not in values], dtype=object)


def describe(plan, feeds) -> str:
    """A readable listing of a plan (see :meth:`flowkit.Session.explain`)."""
    lines = ["feeds: " + (", ".join(f"{t.name} -> slot {slot}"
                                    for t, slot, _, _ in plan.feed_checks) or "none")]
    # Constants are placed in the template in plan order, after the feeds.
    const_ops = [op for op in plan.ops if op.type == "Const"]
    const_slots = [i for i, v in enumerate(plan.template) if v is not None]
    consts = [f"{op.outputs[0].name} -> slot {slot}" for op, slot in zip(const_ops, const_slots)]
    lines.append("constants: " + (", ".join(consts) or "none"))
    for i, step in enumerate(plan.steps):
        op = plan.step_ops[id(step)]
        outs = list(step.out) if step.multi else [step.out]
        free = f"; then drops {list(step.free)}" if step.free else ""
        into = "" if step.donor is None else f" in place of {step.ins[step.donor]}"
        into += "; folded" if i in plan.folded else ""
        lines.append(f"step {i}: {op.name} ({op.type}) reads {list(step.ins)} -> "
                     f"slot{'s' if len(outs) != 1 else ''} {', '.join(map(str, outs))}{into}"
                     f"{free}")
    fetched = ", ".join("None (op)" if s < 0 else f"slot {s}" for s in plan.fetch_slots)
    lines.append(f"fetches: {fetched}")
    return "\n".join(lines)
