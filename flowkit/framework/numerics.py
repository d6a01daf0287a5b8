"""Numerical warnings of kernels (overflow, divide by zero, invalid value), re-raised at the
user's line.

A NumPy kernel that computes ``log(0)`` or ``exp(100.0)`` in float32 makes NumPy emit a
``RuntimeWarning`` that points at a line inside the backend plugin
(``plugins/flowkit_numpy/kernels_math.py``), which the learner did not write and cannot fix.
While a session runs a plan, flowkit turns NumPy's error handling for ``divide``, ``over`` and
``invalid`` to ``"call"`` with :func:`_on_error` as the callback. The callback finds the op
being computed (the innermost run loop declared with :func:`track`, a frame up the stack) and
shows one :class:`NumericsWarning` naming the op, its type, what happened and the likely cause,
located at the line of the user's program that created the op; once per line, switchable with
``FLOWKIT_WARNINGS=-numerics`` like every flowkit warning (see
:mod:`flowkit.framework.warnings`). Outside a tracked loop (a feed converted to float32, user
code) the callback emits the ``RuntimeWarning`` NumPy would have.

Cost: nothing per op. Per ``sess.run``, :func:`enter` and :func:`leave` set and reset NumPy's
error state, a context variable, to an object made once at import (about 0.1 us; with NumPy
1.x, which has no such variable, ``np.seterr``/``np.seterrcall``). All the work happens only
when a kernel actually produced an Inf or a NaN.

Example:
    >>> import numpy as np
    >>> token = enter()
    >>> np.geterr()["divide"]
    'call'
    >>> leave(token)
    >>> np.geterr()["divide"] != "call"
    True
"""
from __future__ import annotations

import contextlib
import sys
import warnings as _py_warnings

import numpy as np

from flowkit.framework import warnings as fk_warnings

NAME = "numerics"
NumericsWarning = fk_warnings.NumericsWarning

#: code object of a run loop -> ``resolve(frame locals) -> Operation or None``
_loops: dict = {}


def track(function, resolve) -> None:
    """Declares ``function`` a run loop: while it runs, a numerical error in a kernel is blamed
    on the op ``resolve(f_locals)`` returns from the locals of its frame (for the session's
    plain loop: ``lambda f: f["plan"].call_ops.get(id(f["call"]))``)."""
    _loops[getattr(function, "__code__", function)] = resolve


def untrack(function) -> None:
    """Forgets a run loop declared with :func:`track` (tests use it)."""
    _loops.pop(getattr(function, "__code__", function), None)


def tracked(function) -> bool:
    return getattr(function, "__code__", function) in _loops


def current_op(frame=None):
    """The op the innermost tracked run loop up the stack from ``frame`` is computing (a loop
    whose ``resolve`` finds none, one that has not started its steps, passes the question to
    the loops around it), or ``None`` outside them."""
    f = frame if frame is not None else sys._getframe(1)
    while f is not None:
        resolve = _loops.get(f.f_code)
        if resolve is not None:
            try:
                op = resolve(f.f_locals)
            except Exception:  # noqa: BLE001 - a diagnosis must never fail the run
                op = None
            if op is not None:
                return op
        f = f.f_back
    return None


_WHAT = {
    "divide by zero": "a division by zero (or the log of 0)",
    "overflow": "an overflow (a value beyond the largest number of its dtype)",
    "invalid value": "an invalid operation giving NaN (0 * inf, inf - inf, 0/0, or the log "
                     "or square root of a negative number)",
}
_LOGS = ("Log", "Log1p", "Xlogy")
_DIVS = ("RealDiv", "Div", "FloorDiv", "FloorMod", "Mod", "Reciprocal", "Inv", "Rsqrt", "Pow",
         "TruncateDiv", "DivNoNan")


def hint(op, kind: str) -> str:
    """What usually causes ``kind`` in ``op``, and what to write instead."""
    op_type = op.type
    inputs = [t.op.type for t in getattr(op, "inputs", ())]
    if op_type in _LOGS or (kind == "invalid value" and any(t in _LOGS for t in inputs)):
        return ("tf.log of 0 is -inf, and 0 * -inf is NaN: a softmax output that saturates "
                "to 0 gives it. Compute the cross-entropy from the logits with "
                "tf.nn.softmax_cross_entropy_with_logits_v2(labels=..., logits=...), or clip "
                "the probability: tf.log(tf.clip_by_value(p, 1e-10, 1.0)).")
    if op_type == "Exp" or (kind == "overflow" and op_type in ("Softplus", "Pow", "Square")):
        return ("exp of a value above about 88 overflows float32 to inf: work in log space "
                "(tf.nn.softmax, tf.reduce_logsumexp, tf.nn.softplus), or scale the input.")
    if op_type in _DIVS or kind == "divide by zero":
        return "A denominator was 0: add a small epsilon, or use tf.div_no_nan."
    if kind == "overflow":
        return ("The values grew beyond the dtype's range: usually a learning rate so large "
                "that the weights diverge (try a 10x smaller one), or unscaled inputs.")
    return ("An input was already inf (an earlier overflow), or the op was given values "
            "outside its domain (tf.sqrt or tf.log of a negative number).")


def report(op, kind: str) -> bool:
    """Shows the :class:`NumericsWarning` for op ``op`` whose kernel hit ``kind`` (NumPy's
    name: ``"overflow"``, ``"divide by zero"``, ``"invalid value"``); once per user line."""
    what = _WHAT.get(kind, kind)
    dtype = ""
    outputs = getattr(op, "outputs", ())
    if outputs:
        dtype = f" {outputs[0].dtype.name}"
    message = (f"The op '{op.name}' ({op.type}, made at {op.user_line}) computed{dtype} "
               f"values with {what}; its output holds Inf or NaN, and so will everything "
               f"computed from it. {hint(op, kind)}")
    return fk_warnings.warn(NAME, message, getattr(op, "_site", None))


def _on_error(kind, flag) -> None:
    """NumPy's error callback while a session runs (``np.errstate(call=...)``)."""
    frame = sys._getframe(1)
    op = current_op(frame)
    if op is None:     # not inside an op's kernel: what NumPy itself would have said
        _py_warnings.warn(f"{kind} encountered", RuntimeWarning, stacklevel=2)
        return
    if fk_warnings.enabled(NAME):
        report(op, kind)


_MODES = dict(divide="call", over="call", invalid="call", under="ignore")
try:   # NumPy 2: the error state is a context variable; set it to one object made here
    from numpy._core._ufunc_config import _extobj_contextvar
    from numpy._core.umath import _make_extobj
    _EXTOBJ = _make_extobj(call=_on_error, **_MODES)
    _set, leave = _extobj_contextvar.set, _extobj_contextvar.reset

    def enter():
        """Turns kernels' numerical errors into :class:`NumericsWarning` until
        :func:`leave` is called with the token this returns."""
        return _set(_EXTOBJ)
except (ImportError, AttributeError, TypeError):     # NumPy 1.x
    def enter():
        """Turns kernels' numerical errors into :class:`NumericsWarning` until
        :func:`leave` is called with the token this returns."""
        return np.seterr(**_MODES), np.seterrcall(_on_error)

    def leave(token) -> None:
        """Restores the error state :func:`enter` replaced."""
        np.seterr(**token[0])
        np.seterrcall(token[1])


@contextlib.contextmanager
def guard():
    """``with guard():`` is ``enter()``/``leave()`` as a context manager."""
    token = enter()
    try:
        yield
    finally:
        leave(token)
