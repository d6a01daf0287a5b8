"""Sessions: bind a graph to a backend and a device, and run the parts of it that fetches need.

``run(fetches, feed_dict)`` looks up a cached *plan* for (fetches, fed tensors). A plan is
built once: prune to the ops the fetches need, order them, resolve each op's kernel, place the
constants, and note when each intermediate value dies. Running a plan is a loop over prepared
kernel calls.

Example:
    >>> import flowkit as tf
    >>> x = tf.placeholder(tf.float32, [None, 2], name="x")
    >>> y = tf.reduce_sum(x * 2.0)
    >>> with tf.Session() as sess:
    ...     print(sess.run(y, {x: [[1.0, 2.0]]}))
    ...     out = sess.run({"double": x * 2.0, "sum": [y]}, {x: [[1.0, 1.0]]})
    6.0
    >>> out["double"], out["sum"]
    (array([[2., 2.]], dtype=float32), [np.float32(4.0)])
"""
from __future__ import annotations

import collections
import os
import sys
import threading
import time

import numpy as np

from flowkit import config_proto
from flowkit.framework import errors, numerics, run_trace, session_stack
from flowkit.framework import warnings as fk_warnings
from flowkit.framework.graph import Operation, Tensor, _is_internal, get_default_graph
from flowkit.session_plan import ADD_N, DEAD, _Unread, build_plan, describe, plan_buffers

_ELEMENT = (Tensor, Operation)


# --------------------------------------------------------------------------------------------
# Fetch structures: flatten any nesting of lists, tuples, namedtuples and dicts, rebuild after.
# --------------------------------------------------------------------------------------------
def _flatten(fetch, graph, out):
    """Appends the graph elements of ``fetch`` to ``out``; returns a rebuild function."""
    if fetch is None:
        raise TypeError(f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must be a "
                        "string or Tensor. (Can not convert a NoneType into a Tensor or "
                        "Operation.)")
    if isinstance(fetch, (list, tuple)) and not hasattr(fetch, "_as_graph_element"):
        builders = [_flatten(f, graph, out) for f in fetch]
        if isinstance(fetch, tuple) and hasattr(fetch, "_fields"):
            cls = type(fetch)
            return lambda vals: cls(*[b(vals) for b in builders])
        cls = type(fetch)
        if cls is list or cls is tuple:
            return lambda vals: cls(b(vals) for b in builders)
        return lambda vals: cls([b(vals) for b in builders])
    if isinstance(fetch, (dict, collections.abc.Mapping)):
        keys = list(fetch.keys())
        builders = [_flatten(fetch[k], graph, out) for k in keys]
        cls = type(fetch)

        def rebuild(vals):
            pairs = [(k, b(vals)) for k, b in zip(keys, builders)]
            if isinstance(fetch, collections.defaultdict):
                return cls(fetch.default_factory, pairs)
            try:
                return cls(pairs)
            except TypeError:
                return dict(pairs)
        return rebuild
    try:
        element = graph.as_graph_element(fetch, allow_tensor=True, allow_operation=True)
    except TypeError as e:
        raise TypeError(f"Fetch argument {fetch!r} has invalid type {type(fetch)}, must be a "
                        f"string or Tensor. ({e})") from None
    except ValueError as e:
        raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. ({e})"
                         ) from None
    except KeyError as e:
        raise ValueError(f"Fetch argument {fetch!r} cannot be interpreted as a Tensor. "
                         f"({e.args[0]})") from None
    i = len(out)
    out.append(element)
    return lambda vals: vals[i]


class BaseSession:
    """Common code of :class:`Session` and :class:`InteractiveSession`."""

    def __init__(self, target="", graph=None, config=None, backend=None, device=None) -> None:
        from flowkit import plugins
        self.graph = graph if graph is not None else get_default_graph()
        self.backend_name = backend or os.environ.get("FLOWKIT_BACKEND") or "numpy"
        self._backend = plugins.get_backend(self.backend_name)
        self._settings = config_proto.session_settings(config)
        chosen = device or os.environ.get("FLOWKIT_DEVICE") or "cpu"
        if device is None and not self._settings["allow_gpu"] and chosen.startswith("cuda"):
            chosen = "cpu"      # ConfigProto(device_count={"GPU": 0})
        self.device = self._backend.check_device(chosen)
        self._backend.configure_session(self._settings, self.device)
        self._check = os.environ.get("FLOWKIT_CHECK_KERNELS", "") not in ("", "0")
        self._values = {}          # VariableV2 op -> native value
        self._rngs = {}            # random op -> generator
        self._op_states = {}       # stateful op (iterator, queue...) -> its state dict
        self._plans = {}
        self._closed = False
        self._lock = threading.RLock()
        self._var_locks = {}       # VariableV2 op -> the lock its updates hold
        self._ops_seen = 0         # the graph's op count at the last run (graph growth)
        self._growth = {}          # a run's call site -> the op count when it last ran
        self.target, self.config = target, config

    # -- properties ----------------------------------------------------------------------------
    @property
    def graph_def(self):
        """The session's graph as a ``GraphDef`` (TF1's ``sess.graph_def``)."""
        return self.graph.as_graph_def()

    @property
    def sess_str(self):
        return self.target

    @property
    def backend(self):
        """The :class:`~flowkit.backend.Backend` this session computes with."""
        return self._backend

    # -- context management ----------------------------------------------------------------------
    def as_default(self):
        """A context manager that makes this the default session (it does not close it)."""
        return _DefaultSessionContext(self, close=False)

    def __enter__(self):
        self._ctx = _DefaultSessionContext(self, close=False)
        self._graph_ctx = self.graph.as_default()
        self._graph_ctx.__enter__()
        return self._ctx.__enter__()

    def __exit__(self, exc_type, exc, tb):
        self._ctx.__exit__(exc_type, exc, tb)
        self._graph_ctx.__exit__(exc_type, exc, tb)
        self.close()

    def close(self) -> None:
        """Frees the session's variable values; later ``run`` calls raise ``RuntimeError``.
        Ops still blocked on the session's state (a dequeue from an empty queue) fail with
        ``CancelledError``."""
        self._closed = True
        for state in list(self._op_states.values()):
            on_close = state.get("on_close")
            if on_close is not None:
                on_close()
        self._values.clear()
        self._plans.clear()

    # -- run -----------------------------------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Computes ``fetches`` (a graph element, a name, or any nesting of lists, tuples,
        namedtuples and dicts of those) with ``feed_dict`` values, and returns NumPy values in
        the same structure. An Operation fetch gives ``None``."""
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        n_ops = len(self.graph._ops)
        if n_ops != self._ops_seen:      # the graph changed since the last run (rare)
            self._graph_grew(n_ops)
        if not n_ops:
            raise RuntimeError("The Session graph is empty. Add operations to the graph before "
                               "calling run(). (Did you build the model in another graph, or "
                               "call tf.reset_default_graph() after building it and before "
                               "creating the session?)")
        if isinstance(fetches, _ELEMENT):
            elements, rebuild = [fetches], None
            if fetches.graph is not self.graph:
                raise ValueError(f"Fetch argument {fetches!r} cannot be interpreted as a Tensor. "
                                 f"({fetches!r} is not an element of this graph: it was "
                                 f"created in another tf.Graph, at {_element_line(fetches)}.)")
        else:
            elements = []
            rebuild = _flatten(fetches, self.graph, elements)
        feeds = self._normalize_feeds(feed_dict) if feed_dict else {}
        key = (tuple(elements), tuple(feeds))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._build_plan(elements, list(feeds))
            self._plans[key] = plan
        if plan.loss_checks:
            self._feeds_now = feeds    # for the diagnosis of a non-finite loss, if any
        token = numerics.enter()     # kernels' NumPy warnings become one NumericsWarning
        try:
            if run_metadata is not None and run_trace.wants_trace(options, run_metadata):
                rec = run_trace.StepStatsRecorder(self.device)
                values = self._execute(plan, feeds, rec)
                rec.fill(run_metadata)
            else:
                values = self._execute(plan, feeds)
        finally:
            numerics.leave(token)
        return values[0] if rebuild is None else rebuild(values)

    # -- warnings (checked when the graph changed or when a training plan is made) -------------
    def _graph_grew(self, n_ops) -> None:
        """Warns when ops were created since the last run from the same line of a loop."""
        self._ops_seen = n_ops
        key, site = _run_site()
        if key is None:
            return
        before = self._growth.get(key)
        self._growth[key] = n_ops
        if before is None or before >= n_ops or not fk_warnings.enabled("graph_growth"):
            return
        new = self.graph._ops[before:n_ops]
        types = collections.Counter(op.type for op in new)
        lines = list(dict.fromkeys(op.user_line for op in new))
        kinds = ", ".join(f"{c} {t}" for t, c in types.most_common(5))
        where = ", ".join(lines[:3]) + (" ..." if len(lines) > 3 else "")
        fk_warnings.warn(
            "graph_growth",
            f"The graph grew between two runs of this line: {len(new)} op(s) were created "
            f"since the last sess.run here ({kinds}), at {where}. A loop that creates ops "
            "at every step makes each step slower and the graph bigger: create the ops once, "
            "before the loop, "
            "and only sess.run them inside it (feed changing values through a placeholder). "
            "tf.get_default_graph().finalize() before the loop turns this into an error.", site)

    def _non_finite_loss(self, loss, value) -> None:
        """Warns that a fetched loss of a training step is NaN or Inf (called once per plan,
        before the step's updates run), naming the first op that produced a non-finite
        value, found by re-running the loss with a check after every op, as
        tf.add_check_numerics_ops would."""
        v = np.asarray(self._backend.to_numpy(value))[()]
        origin = self._first_non_finite(loss, getattr(self, "_feeds_now", {}))
        fk_warnings.warn(
            "non_finite",
            f"The loss '{loss.name}' (made at {loss.op.user_line}) is {v} in this training "
            f"step. {origin} Common causes: tf.log of 0 (compute cross-entropy from "
            "logits with tf.nn.softmax_cross_entropy_with_logits_v2 instead of "
            "log(softmax)), a division by 0, or a learning rate so large that the "
            "weights diverge (try a 10x smaller one).", _run_site()[1])

    def _first_non_finite(self, loss, feeds) -> str:
        """Re-runs the ops ``loss`` needs (no updates) and names the first that produced a
        NaN or Inf from finite inputs."""
        try:
            plan = build_plan(self, [loss], [t for t in feeds])
        except Exception:  # noqa: BLE001 - a diagnosis must never fail the run
            return ""
        if plan.writes or plan.dead_aware:
            return ""
        vals = list(plan.template)
        to_native, to_numpy = self._backend.to_native, self._backend.to_numpy
        for t, slot, np_dtype, _ in plan.feed_checks:
            vals[slot] = to_native(_feed_array(feeds[t], np_dtype, t), self.device)
        bad_slots = set()
        for step in plan.steps:
            op = plan.step_ops[id(step)]
            try:
                out = step.fn(*[vals[j] for j in step.ins])
            except Exception:  # noqa: BLE001
                return ""
            outs = list(out) if step.multi else [out]
            slots = list(step.out) if step.multi else [step.out]
            for slot, v in zip(slots, outs):
                vals[slot] = v
                arr = np.asarray(to_numpy(v))
                if arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
                    bad_slots.add(slot)
                    if not bad_slots.intersection(step.ins):
                        what = (f"the variable '{op.name}' already holds NaN or Inf (an "
                                "earlier update wrote it)" if op.type == "VariableV2" else
                                f"the first op that produced a NaN or Inf from finite inputs "
                                f"is '{op.name}' ({op.type}), made at {op.user_line}")
                        return f"Re-running it: {what}."
        return ""

    def _normalize_feeds(self, feed_dict):
        if not isinstance(feed_dict, collections.abc.Mapping):
            raise TypeError(f"feed_dict must be a dictionary (or other mapping) from tensors to "
                            f"values, instead of '{type(feed_dict).__name__}': write "
                            "feed_dict={x: value, ...}.")
        out = {}
        for k, v in feed_dict.items():
            if isinstance(k, Tensor):
                t = k
            elif hasattr(k, "_as_feed_tensor"):
                t = k._as_feed_tensor()
            else:
                try:
                    t = self.graph.as_graph_element(k, allow_tensor=True, allow_operation=False)
                except (TypeError, ValueError, KeyError) as e:
                    raise TypeError(f"Cannot interpret feed_dict key as Tensor: {e}") from None
            if t.graph is not self.graph:
                raise TypeError(f"Cannot interpret feed_dict key as Tensor: Tensor '{t.name}' "
                                "is not an element of this graph. It was created in another "
                                f"tf.Graph, at {t.op.user_line}. Build the whole model in the "
                                "graph this session runs (tf.Session(graph=...)).")
            if isinstance(v, Tensor) or hasattr(v, "_as_tensor"):
                raise TypeError("The value of a feed cannot be a tf.Tensor object. Acceptable "
                                "feed values include Python scalars, strings, lists, numpy "
                                f"ndarrays, or TensorHandles. (Feeding {t.name}.) For reference, "
                                f"the tensor object was {v!r} which was passed to the feed "
                                f"with key {t!r}.")
            out[t] = v
        return out

    def explain(self, fetches, feed_dict=None) -> str:
        """Describes the plan ``run(fetches, feed_dict)`` uses: which ops run, in which order,
        which slots each reads and writes, which steps may write their result into the
        memory of an input that dies there (in place: ``mul``'s result is not needed after
        the ReLU below, so the ReLU may overwrite it; the fed ``x`` never is; arrays known to
        be small are not worth it), and which
        intermediate values are dropped after each step. Nothing is computed.

        Example:
            >>> import flowkit as tf
            >>> x = tf.placeholder(tf.float32, [None], name="x")
            >>> y = tf.nn.relu(x * 2.0, name="y")
            >>> unused = tf.exp(x, name="unused")
            >>> print(tf.Session().explain(y, {x: [1.0, -1.0]}))
            feeds: x:0 -> slot 0
            constants: mul/y:0 -> slot 1
            step 0: mul (Mul) reads [0, 1] -> slot 2
            step 1: y (Relu) reads [2] -> slot 3 in place of 2; then drops [2]
            fetches: slot 3
        """
        if isinstance(fetches, _ELEMENT):
            elements = [fetches]
        else:
            elements = []
            _flatten(fetches, self.graph, elements)
        feeds = self._normalize_feeds(feed_dict) if feed_dict else {}
        plan = self._build_plan(elements, list(feeds))
        return describe(plan, feeds)

    # -- planning ------------------------------------------------------------------------------
    def _build_plan(self, elements, fed):
        plan = build_plan(self, elements, fed)
        if self._settings["log_device_placement"]:      # ConfigProto(log_device_placement)
            kind, _, index = self.device.partition(":")
            where = f"/job:localhost/replica:0/task:0/device:{kind.upper()}:{index or 0}"
            for op in plan.ops:
                print(f"{op.name}: ({op.type}): {where}", file=sys.stderr)
        return plan

    # -- execution -----------------------------------------------------------------------------
    def _execute(self, plan, feeds, rec=None):
        vals = list(plan.template)
        to_native, device = self._backend.to_native, self.device
        for t, slot, np_dtype, dims in plan.feed_checks:
            v = feeds[t]
            arr = v if (type(v) is np.ndarray and v.dtype == np_dtype) else \
                _feed_array(v, np_dtype, t)
            if dims is not None:
                s = arr.shape
                if len(s) != len(dims) or any(d is not None and d != x for d, x in zip(dims, s)):
                    raise ValueError(f"Cannot feed value of shape {s} for Tensor '{t.name}', "
                                     f"which has shape '{t.shape}'")
            vals[slot] = to_native(arr, device)
        if plan.dead_aware:
            self._run_dead_aware(plan, vals)
            return self._fetch(plan, vals)
        if rec is not None:
            self._run_traced(plan, vals, rec)
            return self._fetch(plan, vals)
        if plan.buffered is not None and plan.lock.acquire(False):
            try:        # the plan's buffers, one run at a time (see session_plan.plan_buffers)
                self._run_steps(plan, plan.buffered, vals)
            finally:
                plan.lock.release()
        elif plan.first is not None:        # the first run: note the shapes buffers need
            self._run_steps(plan, plan.first, vals)
            with self._lock:                # threads in their first run: buffers made once
                if plan.first is not None:
                    plan_buffers(plan, self)
        else:
            self._run_steps(plan, plan.run, vals)
        return self._fetch(plan, vals)

    def run_nested(self, plan, vals, context: str):
        """Runs ``plan`` on ``vals`` (its feed slots already filled) for a traced function that
        a kernel runs: ``tf.data``'s map, a while loop's body. A failing kernel is an
        ``InvalidArgumentError`` naming ``context`` (``"the function passed to `map`"``) and
        the op. Returns ``vals``."""
        if plan.dead_aware:
            self._run_dead_aware(plan, vals)
        else:
            self._run_steps(plan, plan.run, vals, context)
        return vals

    def _run_steps(self, plan, run, vals, context=None):
        call = None
        try:
            for call, out, multi, free in run:
                if multi:
                    for s, v in zip(out, call(vals)):
                        vals[s] = v
                else:
                    vals[out] = call(vals)      # out -1: the plan's scratch slot
                for s in free:
                    vals[s] = None
        except errors.OpError:
            raise
        except Exception as e:  # a kernel failed: say which op, and where the user made it
            if call is None:
                raise
            op = plan.call_ops[id(call)]
            if context is not None:
                raise errors.InvalidArgumentError(
                    None, op, f"{type(e).__name__} in {context}, op '{op.name}' (type "
                    f"{op.type}): {e}") from e
            raise _kernel_error(op, e, self) from e

    def _run_traced(self, plan, vals, rec):
        """The plain loop, timing each op for ``run_metadata`` (``RunOptions.FULL_TRACE``)."""
        call = None
        try:
            for call, out, multi, free in plan.run:
                start = time.time()
                if multi:
                    for s, v in zip(out, call(vals)):
                        vals[s] = v
                else:
                    vals[out] = call(vals)
                rec.record(plan.call_ops[id(call)], start, time.time())
                for s in free:
                    vals[s] = None
        except errors.OpError:
            raise
        except Exception as e:
            if call is None:
                raise
            raise _kernel_error(plan.call_ops[id(call)], e, self) from e

    def _run_dead_aware(self, plan, vals):
        """The loop for plans with ``Switch`` ops: an op with a dead data or control input is
        dead (it does not run; its outputs are dead), except ``Merge``, which forwards its live
        input, and ``AddN``, which sums its live inputs (gradients from two branches)."""
        steps = plan.steps
        dead = [False] * len(steps)
        step = None
        try:
            for i, step in enumerate(steps):
                args = [vals[j] for j in step.ins]
                is_dead = False
                for c in step.ctrl:
                    if dead[c]:
                        is_dead = True
                        break
                if not is_dead:
                    if step.merge:
                        live = [a for a in args if a is not DEAD]
                        is_dead = not live
                    else:
                        live = args
                        is_dead = any(a is DEAD for a in args)
                    if not is_dead:
                        for a in live:
                            if type(a) is _Unread:   # the op runs on a variable never set
                                raise a.error
                        r = step.fn(*(live if step.merge == ADD_N else args))
                if is_dead:
                    dead[i] = True
                    if step.multi:
                        for s in step.out:
                            vals[s] = DEAD
                    elif step.out >= 0:
                        vals[step.out] = DEAD
                elif step.multi:
                    for s, v in zip(step.out, r):
                        vals[s] = v
                elif step.out >= 0:
                    vals[step.out] = r
                for s in step.free:
                    vals[s] = None
        except errors.OpError:
            raise
        except Exception as e:
            if step is None:
                raise
            raise _kernel_error(plan.step_ops[id(step)], e, self) from e

    def _fetch(self, plan, vals):
        to_numpy = self._backend.to_numpy
        out = []
        for k, (slot, copy) in enumerate(zip(plan.fetch_slots, plan.fetch_copy)):
            if slot < 0:
                out.append(None)
                continue
            v = vals[slot]
            if plan.dead_aware and (v is DEAD or type(v) is _Unread):
                if v is DEAD:
                    e = plan.elements[k]
                    raise errors.InvalidArgumentError(
                        None, e.op, f"The fetched tensor '{e.name}' has no value in this run: "
                        "it is computed in a branch of tf.cond that was not taken. Fetch the "
                        "result of tf.cond instead.")
                raise v.error
            v = to_numpy(v)
            if copy:
                v = np.array(v, copy=True)
            elif type(v) is not np.ndarray:
                v = np.asarray(v)
            out.append(v[()] if v.ndim == 0 else v)
        return out

    # -- helpers used by plans -----------------------------------------------------------------
    def _read_variable(self, op):
        try:
            return self._values[op]
        except KeyError:
            raise errors.FailedPreconditionError(
                None, op, f"Attempting to use uninitialized value {op.name}: the variable "
                f"'{op.name}' has no value in this session yet. Run its initializer first, e.g. "
                "sess.run(tf.global_variables_initializer()) after building the whole model."
            ) from None

    def _var_lock_for(self, var_op):
        """The lock of ``var_op``'s updates in this session (made once, under the session's
        lock, so two threads never make two)."""
        with self._lock:
            return self._var_locks.setdefault(var_op, threading.Lock())

    def _state_for(self, op) -> dict:
        """The state dict of ``op`` in this session (ops registered with needs_state)."""
        return self._op_states.setdefault(op, {})

    def _rng_for(self, op):
        """The generator of random op ``op`` in this session: one per op, even when two
        threads plan runs of it at once (two generators of one seed would repeat each
        other's draws)."""
        rng = self._rngs.get(op)
        if rng is None:
            with self._lock:
                rng = self._rngs.get(op)
                if rng is None:
                    rng = self._backend.make_rng(op.attrs.get("seed2_pair"), self.device)
                    self._rngs[op] = rng
        return rng

    # -- variables (used by Variable.load, checkpoints, tests) ---------------------------------
    def _set_variable(self, var_op, np_value, copy=True) -> None:
        """Sets a variable's value. ``copy=False`` (for arrays nobody else holds, such as
        those just read from a checkpoint) skips the copy when the dtype already matches."""
        self._values[var_op] = self._backend.to_native(
            np.array(np_value, dtype=var_op.attrs["dtype"].as_numpy_dtype,
                     copy=True if copy else None), self.device)

    def _get_variable(self, var_op):
        return np.array(self._backend.to_numpy(self._read_variable(var_op)), copy=True)

    def _variable_buffer(self, var_op):
        """The NumPy array that holds a variable's value, when it may be overwritten in place
        (a writeable C-contiguous array owning its memory, as NumPy kernels make them), else
        ``None`` (no value yet, or another backend's tensor)."""
        v = self._values.get(var_op)
        if type(v) is np.ndarray and v.flags.writeable and v.flags.c_contiguous and \
                v.flags.owndata:
            return v
        return None

    def _variable_array(self, var_op):
        """A variable's value as a NumPy array, without a copy where the backend allows it:
        read it before the session runs again (checkpoint writing)."""
        return np.asarray(self._backend.to_numpy(self._read_variable(var_op)))

    def list_devices(self):
        return [f"/device:{d.upper()}:0" for d, ok in self._backend.devices().items() if ok]


def _run_site():
    """``(key, site)`` of the user's line that called ``sess.run``: the key tells a loop
    (the same frame line, called from the same caller line) from a helper called from
    several places."""
    f = sys._getframe(2)
    while f is not None and _is_internal(f.f_globals.get("__name__", "")):
        f = f.f_back
    if f is None:
        return None, None
    back = f.f_back
    key = (f.f_code, f.f_lasti, back.f_code if back else None, back.f_lasti if back else None)
    return key, (f.f_code.co_filename, f.f_lineno, f.f_code.co_name)


def _element_line(element) -> str:
    return (element if isinstance(element, Operation) else element.op).user_line


def _feed_array(value, np_dtype, t):
    try:
        return np.asarray(value, dtype=np_dtype)
    except (TypeError, ValueError) as e:
        raise type(e)(f"Cannot convert the feed value {value!r} for Tensor '{t.name}' to "
                      f"{t.dtype.name}: {e}") from None


def _kernel_error(op, e, session):
    if _is_out_of_memory(e):
        return errors.ResourceExhaustedError(
            None, op, f"Out of memory in the kernel of op '{op.name}' (type {op.type}, backend "
            f"'{session.backend_name}', device '{session.device}'): {e}. Input shapes: "
            f"[{', '.join(str(t.shape) for t in op.inputs)}]. Use smaller batches or "
            "tensors, or free memory held elsewhere.")
    msg = (f"{type(e).__name__} in kernel of op '{op.name}' (type {op.type}, backend "
           f"'{session.backend_name}'): {e}. Input shapes: "
           f"[{', '.join(str(t.shape) for t in op.inputs)}].")
    return errors.InvalidArgumentError(None, op, msg)


def _is_out_of_memory(e) -> bool:
    """A MemoryError (NumPy's "Unable to allocate") or torch's OutOfMemoryError (a
    RuntimeError subclass whose name says so), without importing torch."""
    if isinstance(e, MemoryError):
        return True
    if any(c.__name__ == "OutOfMemoryError" for c in type(e).__mro__):
        return True
    # torch's CPU allocator raises a plain RuntimeError
    return isinstance(e, RuntimeError) and "can't allocate memory" in str(e)


class Session(BaseSession):
    """A TF1 session. ``backend`` and ``device`` choose where it computes (default: the
    ``FLOWKIT_BACKEND``/``FLOWKIT_DEVICE`` environment variables, else NumPy on the CPU).

    Example:
        >>> import flowkit as tf
        >>> a = tf.placeholder(tf.float32, shape=[2])
        >>> b = a * 2.0
        >>> with tf.Session() as sess:
        ...     print(sess.run(b, feed_dict={a: [1.0, 2.0]}))
        ...     print(sess.run({"a": a, "b": b}, feed_dict={a: [3.0, 4.0]}))
        [2. 4.]
        {'a': array([3., 4.], dtype=float32), 'b': array([6., 8.], dtype=float32)}
    """


class InteractiveSession(BaseSession):
    """A session that installs itself as the default session when created (for notebooks).

    Example:
        >>> import flowkit as tf
        >>> sess = tf.InteractiveSession()
        >>> c = tf.constant([1.0, 2.0]) + 1.0
        >>> print(c.eval())
        [2. 3.]
        >>> print(tf.get_default_session() is sess)
        True
        >>> sess.close()
    """

    def __init__(self, target="", graph=None, config=None, backend=None, device=None) -> None:
        super().__init__(target, graph, config, backend, device)
        self._ctx = _DefaultSessionContext(self, close=False)
        self._ctx.__enter__()

    def close(self) -> None:
        if not self._closed:
            session_stack.remove(self)
        super().close()


class _DefaultSessionContext:
    def __init__(self, session, close):
        self.session, self._close = session, close

    def __enter__(self):
        session_stack.push(self.session)
        return self.session

    def __exit__(self, *exc):
        session_stack.remove(self.session)
        if self._close:
            self.session.close()


get_default_session = session_stack.get_default_session


# The run loops: a numerical error in a kernel is blamed on the op the loop is running.
def _call_op(frame_locals):
    return frame_locals["plan"].call_ops.get(id(frame_locals["call"]))


def _step_op(frame_locals):
    return frame_locals["plan"].step_ops.get(id(frame_locals["step"]))


numerics.track(BaseSession._run_steps, _call_op)
numerics.track(BaseSession._run_traced, _call_op)
numerics.track(BaseSession._run_dead_aware, _step_op)
numerics.track(BaseSession._first_non_finite, _step_op)
