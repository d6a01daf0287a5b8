"""Warnings where TF1 is silent: programs that run, but not as their author meant.

Each warning is a :class:`FlowkitWarning` subclass, shown once per line of the user's code
(the line is the warning's location, so Python's ``warnings`` machinery and IDEs point at it),
and can be switched off three ways: all of them with ``FLOWKIT_WARNINGS=0``; some of them by
name with ``FLOWKIT_WARNINGS=-graph_growth,-broadcast``; or with Python's own filters,
``warnings.filterwarnings("ignore", category=tf.warnings.GraphGrowthWarning)``.

The checks run when a graph is built or a plan is made, not per ``sess.run`` (the one
per-run check, the non-finite loss, looks at a fetched scalar only in plans that train).

Example:
    >>> import flowkit as tf
    >>> issubclass(tf.warnings.GraphGrowthWarning, tf.warnings.FlowkitWarning)
    True
    >>> sorted(tf.warnings.WARNINGS)[:2]
    ['broadcast', 'graph_growth']
"""
from __future__ import annotations

import os
import threading
import warnings as _py_warnings


class FlowkitWarning(UserWarning):
    """The base class of flowkit's warnings (``tf.warnings.FlowkitWarning``)."""


class GraphGrowthWarning(FlowkitWarning):
    """Ops were created between two ``sess.run`` calls from the same line: a training loop
    that adds to the graph at every step (slower and slower, and a memory leak)."""


class BroadcastWarning(FlowkitWarning):
    """An elementwise op of a loss broadcasts shape ``(N,)`` against ``(N, 1)`` into
    ``(N, N)``: labels and predictions whose shapes differ by a trailing 1."""


class NonFiniteWarning(FlowkitWarning):
    """A fetched loss of a training step is NaN or Inf."""


class IntegerVariableWarning(FlowkitWarning):
    """An integer variable was given to an optimizer, which never updates it."""


class InitializerOrderWarning(FlowkitWarning):
    """``tf.global_variables_initializer()`` was created before the optimizer's variables,
    so it does not initialize them (the classic ``FailedPreconditionError`` for
    ``beta1_power``)."""


class NumericsWarning(FlowkitWarning):
    """A kernel produced an Inf or a NaN (overflow, divide by zero, invalid value): shown at
    the user's line that created the op, not inside a backend."""


#: ``name -> (category, what it warns about)``: the docs' table is generated from it.
WARNINGS = {
    "graph_growth": (GraphGrowthWarning, GraphGrowthWarning.__doc__),
    "broadcast": (BroadcastWarning, BroadcastWarning.__doc__),
    "non_finite": (NonFiniteWarning, NonFiniteWarning.__doc__),
    "integer_variable": (IntegerVariableWarning, IntegerVariableWarning.__doc__),
    "initializer_order": (InitializerOrderWarning, InitializerOrderWarning.__doc__),
    "numerics": (NumericsWarning, NumericsWarning.__doc__),
}

_seen = set()
_seen_lock = threading.Lock()


def enabled(name: str) -> bool:
    """Whether the warning ``name`` is on (see ``FLOWKIT_WARNINGS``)."""
    setting = os.environ.get("FLOWKIT_WARNINGS", "")
    if not setting:
        return True
    if setting.strip() in ("0", "off", "false", "none"):
        return False
    off = {p.strip().lstrip("-") for p in setting.split(",") if p.strip().startswith("-")}
    return name not in off


def warn(name: str, message: str, site) -> bool:
    """Shows warning ``name`` with ``message`` at the user's ``site`` (``(filename, lineno,
    function)``), once per site; returns whether it was shown."""
    if not enabled(name):
        return False
    key = (name,) + (tuple(site[:2]) if site else ("<unknown>", 0))
    with _seen_lock:
        if key in _seen:
            return False
        _seen.add(key)
    category = WARNINGS[name][0]
    if site:
        _py_warnings.warn_explicit(message, category, site[0], site[1],
                                   module=os.path.splitext(os.path.basename(site[0]))[0])
    else:
        _py_warnings.warn(message, category, stacklevel=3)
    return True


def reset() -> None:
    """Forgets which sites have warned (tests use it)."""
    with _seen_lock:
        _seen.clear()
