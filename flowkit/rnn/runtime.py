"""What runs inside the loop kernels: array values of ``TensorArray`` flows, the plans of a
loop's condition and body in a private session, and the kernels of ``While``,
``WhileGrad`` and the ``TensorArray`` ops for NumPy and PyTorch.

The kernels of both backends are the same code; they differ in a small table of array
functions (:class:`NumpyArrays`, :class:`TorchArrays`). ``import flowkit`` never imports
torch: :class:`TorchArrays` imports it when a torch session first runs a loop.

A loop's condition and body run as plans (:func:`flowkit.session_plan.build_plan`) of a
private session on the same backend and device, one per ``While`` op and session (kept in
the op's per-session ``state``); the loop variables and captured tensors are fed to those
plans as native arrays, so nothing is converted between iterations.
"""
from __future__ import annotations

import importlib

import numpy as np

from flowkit.backend import op_state
from flowkit.framework import errors
from flowkit.rnn.functions import lookup
from flowkit.session import BaseSession
from flowkit.session_plan import build_plan


# -- TensorArray values ----------------------------------------------------------------------
class TAValue(np.ndarray):
    """The run-time value of a ``TensorArray`` flow: a 0-d ``float32`` array (what the flow's
    dtype promises) that also holds the array's elements by index."""

    def __array_finalize__(self, obj):
        self.items = getattr(obj, "items", {})
        self.length = getattr(obj, "length", 0)
        self.dynamic = getattr(obj, "dynamic", False)
        self.clear = getattr(obj, "clear", False)
        self.cleared = getattr(obj, "cleared", frozenset())

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # gradients of a flow used twice are summed with AddN: merge the arrays
        if ufunc is np.add and method == "__call__" and len(inputs) == 2 and \
                "out" not in kwargs:
            return ta_add(inputs[0], inputs[1], _NUMPY)
        return NotImplemented

    def __array_function__(self, func, types, args, kwargs):
        # the gradient of a cond's branch that did not read the array is zeros_like of its
        # flow: an array with no elements (zero gradients), not a copy of this one
        if func is np.zeros_like:
            return new_ta(self.length, {}, self.dynamic, self.clear)
        return super().__array_function__(func, types, args, kwargs)


def new_ta(size, items=None, dynamic=False, clear=False, cleared=frozenset()) -> TAValue:
    ta = np.zeros((), np.float32).view(TAValue)
    ta.items = {} if items is None else items
    ta.length, ta.dynamic, ta.clear, ta.cleared = int(size), dynamic, clear, cleared
    return ta


def _like(ta: TAValue, items, size=None) -> TAValue:
    return new_ta(ta.length if size is None else size, items, ta.dynamic, ta.clear, ta.cleared)


def ta_add(a, b, xp):
    """The sum of two gradient arrays (a plain 0-d zero is an empty array)."""
    if not isinstance(a, TAValue):
        return b if isinstance(b, TAValue) else xp.add(a, b)
    if not isinstance(b, TAValue):
        return a
    items = dict(a.items)
    for i, v in b.items.items():
        items[i] = v if i not in items else xp.add(items[i], v)
    return _like(a, items, max(a.length, b.length))


# -- array functions per backend --------------------------------------------------------------
class NumpyArrays:
    name = "numpy"

    @staticmethod
    def to_int(x) -> int:
        return int(x)

    @staticmethod
    def to_bool(x) -> bool:
        return bool(x)

    @staticmethod
    def stack(parts):
        return np.stack(parts)

    @staticmethod
    def concat(parts):
        return np.concatenate(parts) if len(parts) > 1 else parts[0]

    @staticmethod
    def rows(x):
        return list(np.asarray(x))

    @staticmethod
    def zeros(shape, like):
        return np.zeros(shape, dtype=np.asarray(like).dtype)

    @staticmethod
    def zeros_like(x):
        if isinstance(x, TAValue):
            return np.zeros((), np.float32)
        return np.zeros_like(np.asarray(x))

    @staticmethod
    def empty(shape, np_dtype):
        return np.zeros(shape, np_dtype)

    @staticmethod
    def add(a, b):
        return np.asarray(np.add(a, b))

    @staticmethod
    def iadd(a, b):
        if type(a) is np.ndarray and a.flags.writeable:
            np.add(a, b, out=a)
            return a
        return np.asarray(np.add(a, b))

    @staticmethod
    def int32(n):
        return np.array(n, np.int32)

    @staticmethod
    def copy(x):
        return np.array(x, copy=True)


class TorchArrays:
    name = "torch"

    def __init__(self) -> None:
        self._torch = None

    @property
    def torch(self):
        if self._torch is None:
            self._torch = importlib.import_module("torch")
        return self._torch

    @staticmethod
    def to_int(x) -> int:
        return int(x)

    @staticmethod
    def to_bool(x) -> bool:
        return bool(x)

    def stack(self, parts):
        return self.torch.stack(list(parts))

    def concat(self, parts):
        return self.torch.cat(parts) if len(parts) > 1 else parts[0]

    @staticmethod
    def rows(x):
        return list(x.unbind(0))

    def zeros(self, shape, like):
        return self.torch.zeros(tuple(shape), dtype=like.dtype, device=like.device)

    def zeros_like(self, x):
        if isinstance(x, TAValue):
            return np.zeros((), np.float32)
        return self.torch.zeros_like(x)

    def empty(self, shape, np_dtype, device="cpu"):
        return self.torch.zeros(tuple(shape), dtype=_torch_dtype(self.torch, np_dtype),
                                device=device)

    @staticmethod
    def add(a, b):
        return a + b

    @staticmethod
    def iadd(a, b):
        return a.add_(b)

    def int32(self, n, device="cpu"):
        return self.torch.tensor(n, dtype=self.torch.int32, device=device)

    @staticmethod
    def copy(x):
        return np.array(x, copy=True) if isinstance(x, np.ndarray) else x.clone()


def _torch_dtype(torch, np_dtype):
    return torch.from_numpy(np.zeros(0, np_dtype)).dtype


_NUMPY = NumpyArrays()
_TORCH = TorchArrays()


# -- plans in a private session ----------------------------------------------------------------
class Trace:
    """The second output of ``While``: the iteration count and, per iteration, the values of
    the body tensors ``keys`` (what the loop's gradient reads)."""

    __slots__ = ("keys", "saved", "n")

    def __init__(self, keys, saved, n) -> None:
        self.keys, self.saved, self.n = keys, saved, n


def _handle(obj):
    a = np.empty((), dtype=object)
    a[()] = obj
    return a


class Runner:
    """Runs the plans of one loop op in a private session (one per op and session)."""

    def __init__(self, graph, backend: str, device: str) -> None:
        self.session = BaseSession(graph=graph, backend=backend, device=device)
        self._plans = {}

    def plan(self, key, version, fetches, fed):
        entry = self._plans.get(key)
        if entry is None or entry[0] != version:
            plan = build_plan(self.session, list(fetches), list(fed))
            entry = (version, plan, [c[1] for c in plan.feed_checks])
            self._plans[key] = entry
        return entry[1], entry[2]

    def run(self, plan, slots, feeds, what):
        vals = list(plan.template)
        for s, v in zip(slots, feeds):
            vals[s] = v
        return self.session.run_nested(plan, vals, f"the {what}")


def _runner(attrs, xp, graph) -> Runner:
    device = str(getattr(attrs["rng"], "device", "cpu"))
    return op_state(attrs["state"], "runner", lambda: Runner(graph, xp.name, device))


def _fresh(outs, inputs, xp):
    ids = {id(x) for x in inputs}
    return [xp.copy(v) if id(v) in ids and not isinstance(v, TAValue) else
            (_like(v, dict(v.items)) if id(v) in ids else v) for v in outs]


# -- While and WhileGrad --------------------------------------------------------------------
def _while(xp):
    def kernel(attrs, *inputs):
        loop = lookup(attrs["binding"])
        cond, body = loop.cond, loop.body
        runner = _runner(attrs, xp, body.args[0].graph)
        n = loop.n_vars
        values, k = list(inputs[:n]), n
        limit = None
        if loop.has_max:
            limit, k = xp.to_int(inputs[n]), n + 1
        cap = dict(zip(loop.captures, inputs[k:]))
        cplan, cslots = runner.plan("cond", 0, cond.outputs, cond.args + cond.captures)
        bplan, bslots = runner.plan("body", body.version, body.outputs + body.saved,
                                    body.args + body.captures)
        ccaps = [cap[t] for t in cond.captures]
        bcaps = [cap[t] for t in body.captures]
        keep = bool(body.saved)
        n_out = len(body.outputs)
        cfetch, bfetch = cplan.fetch_slots[0], bplan.fetch_slots
        saved, it = [], 0
        what_c, what_b = "condition of a while loop", "body of a while loop"
        while limit is None or it < limit:
            cv = runner.run(cplan, cslots, values + ccaps, what_c)[cfetch]
            if not xp.to_bool(cv):
                break
            vals = runner.run(bplan, bslots, values + bcaps, what_b)
            out = [vals[s] for s in bfetch]
            if keep:
                saved.append(out[n_out:])
            values = out[:n_out]
            it += 1
        trace = Trace(list(body.saved), saved, it)
        return _fresh(values, inputs, xp) + [_handle(trace)]
    return kernel


def _while_grad(xp):
    def kernel(attrs, trace_h, *rest):
        lg = lookup(attrs["binding"])
        trace = np.asarray(trace_h)[()]
        ns, nf = attrs["n_seeds"], attrs["n_feeds"]
        g = list(rest[:ns])
        feeds = list(rest[ns:ns + nf])
        caps = rest[ns + nf:]
        runner = _runner(attrs, xp, lg.forward.args[0].graph)
        position = {t: i for i, t in enumerate(trace.keys)}
        try:
            idx = [position[t] for t in lg.saved]
        except KeyError:
            raise errors.InternalError(
                None, None, "The forward while loop did not keep the values its gradient "
                "needs (was it run before the gradient was built, in the same run?)") from None
        plan, slots = runner.plan("grad", 0, lg.outputs, lg.seeds + lg.saved + lg.feeds)
        fetch = plan.fetch_slots
        n_args, n_sum = len(lg.arg_index), len(lg.cap_index)
        acc = [None] * n_sum
        owned = [False] * len(acc)
        parts = [[] for _ in lg.joined]         # per iteration, joined after the loop
        what = "gradient of a while loop's body"
        for i in range(trace.n - 1, -1, -1):
            row = trace.saved[i]
            vals = runner.run(plan, slots, g + [row[j] for j in idx] + feeds, what)
            out = [vals[s] for s in fetch]
            g = out[:n_args]
            for p, v in zip(parts, out[n_args + n_sum:]):
                p.append(v)
            for c, v in enumerate(out[n_args:n_args + n_sum]):
                a = acc[c]
                if a is None:
                    acc[c] = v
                elif isinstance(a, TAValue) or isinstance(v, TAValue):
                    acc[c] = ta_add(a, v, xp)
                elif owned[c]:
                    acc[c] = xp.iadd(a, v)
                else:
                    acc[c], owned[c] = xp.add(a, v), True
        acc = [xp.zeros_like(c) if a is None else a for a, c in zip(acc, caps)]
        joined = [xp.concat(p) if p else     # a loop that never ran: no rows
                  xp.empty((0,) + t.shape.as_tuple()[1:], t.dtype.as_numpy_dtype,
                           *_dev(attrs["rng"]))
                  for p, t in zip(parts, lg.joined)]
        return _fresh(g + acc + joined, (trace_h,) + rest, xp)
    return kernel


# -- TensorArray kernels ----------------------------------------------------------------------
def _ta(x, op_name) -> TAValue:
    if isinstance(x, TAValue):
        return x
    return new_ta(0)      # a zero gradient: an empty array


def _index_error(msg):
    return errors.InvalidArgumentError(None, None, msg)


def _elem_shape(attrs):
    s = attrs.get("element_shape")
    return s.as_tuple() if s is not None and s.is_fully_defined() else None


def _ta_kernels(xp):
    def create(attrs, size):
        n = xp.to_int(size)
        if n < 0:
            raise _index_error(f"TensorArray size must be >= 0, got {n}")
        return new_ta(n, {}, attrs["dynamic_size"], attrs["clear_after_read"])

    def write(attrs, flow, index, value):
        ta = _ta(flow, "write")
        i = xp.to_int(index)
        if i < 0:
            raise _index_error(f"Tried to write to index {i} but array index must be >= 0")
        if i >= ta.length and not ta.dynamic:
            raise _index_error(f"Tried to write to index {i} but array is not resizeable and "
                               f"size is: {ta.length}")
        if i in ta.items:
            raise _index_error(f"Could not write to TensorArray index {i} because it has "
                               "already been written to.")
        items = dict(ta.items)
        items[i] = value
        return _like(ta, items, max(ta.length, i + 1))

    def read(attrs, flow, index):
        ta = _ta(flow, "read")
        i = xp.to_int(index)
        v = ta.items.get(i)
        if v is None:
            if i in ta.cleared:
                raise _index_error(f"Could not read index {i} twice because it was cleared "
                                   "after a previous read (perhaps try setting "
                                   "clear_after_read = false?)")
            if i < 0 or i >= ta.length:
                raise _index_error(f"Tried to read from index {i} but array size is: "
                                   f"{ta.length}")
            shape = _elem_shape(attrs)
            if shape is None:
                raise _index_error(f"Could not read from TensorArray index {i} because it has "
                                   "not yet been written to.")
            return xp.empty(shape, attrs["dtype"].as_numpy_dtype, *_dev(flow_like(ta)))
        if ta.clear:
            del ta.items[i]
            ta.cleared = ta.cleared | {i}
        return v

    def gather(attrs, flow, indices=None):
        ta = _ta(flow, "gather")
        idx = range(ta.length) if indices is None else [int(i) for i in np.asarray(
            indices.cpu() if hasattr(indices, "cpu") else indices).reshape(-1)]
        known = next(iter(ta.items.values()), None)
        parts = []
        for i in idx:
            v = ta.items.get(i)
            if v is None:
                if i in ta.cleared:
                    raise _index_error(f"Could not read index {i} twice because it was "
                                       "cleared after a previous read (perhaps try setting "
                                       "clear_after_read = false?)")
                if known is None and _elem_shape(attrs) is None:
                    raise _index_error(f"Could not read from TensorArray index {i} because "
                                       "it has not yet been written to.")
                v = xp.zeros_like(known) if known is not None else \
                    xp.empty(_elem_shape(attrs), attrs["dtype"].as_numpy_dtype)
            parts.append(v)
        if not parts:
            shape = _elem_shape(attrs)
            if shape is None:
                raise _index_error("TensorArray has size zero, but element shape <unknown> "
                                   "is not fully defined. Currently only static shapes are "
                                   "supported when packing zero-size TensorArrays.")
            return xp.empty((0,) + shape, attrs["dtype"].as_numpy_dtype)
        return xp.stack(parts)

    def scatter(attrs, flow, value, indices=None):
        ta = _ta(flow, "scatter")
        rows = xp.rows(value)
        idx = list(range(len(rows))) if indices is None else [
            int(i) for i in np.asarray(indices.cpu() if hasattr(indices, "cpu") else
                                       indices).reshape(-1)]
        items = dict(ta.items)
        top = ta.length
        for i, r in zip(idx, rows):
            if i < 0 or (i >= ta.length and not ta.dynamic and indices is not None):
                raise _index_error(f"Tried to write to index {i} but array is not "
                                   f"resizeable and size is: {ta.length}")
            items[i] = r
            top = max(top, i + 1)
        return _like(ta, items, top)

    def size(attrs, flow):
        return xp.int32(_ta(flow, "size").length)

    def grad_read(attrs, g, index, like):
        v = g.items.get(xp.to_int(index)) if isinstance(g, TAValue) else None
        return xp.zeros_like(like) if v is None else v

    def grad_write(attrs, flow, index, g):
        return new_ta(_ta(flow, "grad").length, {xp.to_int(index): g})

    def grad_gather(attrs, g, like, indices=None):
        if not isinstance(g, TAValue) or not g.items:
            return xp.zeros_like(like)
        rows = xp.rows(like)
        idx = range(len(rows)) if indices is None else [
            int(i) for i in np.asarray(indices.cpu() if hasattr(indices, "cpu") else
                                       indices).reshape(-1)]
        return xp.stack([g.items.get(i, None) if i in g.items else xp.zeros_like(r)
                         for i, r in zip(idx, rows)])

    def grad_scatter(attrs, flow, g, indices=None):
        rows = xp.rows(g)
        idx = range(len(rows)) if indices is None else [
            int(i) for i in np.asarray(indices.cpu() if hasattr(indices, "cpu") else
                                       indices).reshape(-1)]
        items = {}
        for i, r in zip(idx, rows):
            items[i] = r if i not in items else xp.add(items[i], r)
        return new_ta(max(_ta(flow, "grad").length, len(rows)), items)

    return {"TensorArrayV3": create, "TensorArrayWriteV3": write, "TensorArrayReadV3": read,
            "TensorArrayGatherV3": gather, "TensorArrayScatterV3": scatter,
            "TensorArraySizeV3": size, "TensorArrayGradRead": grad_read,
            "TensorArrayGradWrite": grad_write, "TensorArrayGradGather": grad_gather,
            "TensorArrayGradScatter": grad_scatter}


def flow_like(ta):
    return next(iter(ta.items.values()), None)


def _dev(x):
    dev = getattr(x, "device", None)
    return () if dev is None else (dev,)


def kernels(backend: str) -> dict:
    xp = _NUMPY if backend == "numpy" else _TORCH
    table = {"While": _while(xp), "WhileGrad": _while_grad(xp)}
    table.update(_ta_kernels(xp))
    return table
