"""The default-session slot, kept beside the default-graph stack (as TF1 keeps it).

The framework layer does not know what a session is: ``Tensor.eval()``, ``Operation.run()``
and ``Variable.load()`` only need *some* object with a ``graph`` and a ``run`` method. The
session module installs its sessions here (``with sess:``, ``sess.as_default()``,
``InteractiveSession``), and the framework looks them up here, so the import goes one way:
``flowkit.session`` imports this module, never the reverse.

Example:
    >>> import flowkit as tf
    >>> from flowkit.framework import session_stack
    >>> sess = tf.Session()
    >>> with session_stack.default_session(sess):
    ...     print(session_stack.get_default_session() is sess)
    True
    >>> print(session_stack.get_default_session())
    None
"""
from __future__ import annotations

import contextlib

_stack: list = []


def get_default_session():
    """The innermost session installed by ``with sess:`` or ``sess.as_default()``, or None.

    Example:
        >>> import flowkit as tf
        >>> print(tf.get_default_session())
        None
        >>> c = tf.constant(3.0)
        >>> with tf.Session() as sess:
        ...     print(tf.get_default_session() is sess, c.eval())
        True 3.0
    """
    return _stack[-1] if _stack else None


def has_default_session() -> bool:
    """Whether any default session is installed."""
    return bool(_stack)


def push(session) -> None:
    """Installs ``session`` as the default session (until :func:`remove`)."""
    _stack.append(session)


def remove(session) -> None:
    """Uninstalls the innermost installation of ``session``, if it is installed."""
    for i in range(len(_stack) - 1, -1, -1):
        if _stack[i] is session:
            del _stack[i]
            return


@contextlib.contextmanager
def default_session(session):
    """A context in which ``session`` is the default session."""
    push(session)
    try:
        yield session
    finally:
        remove(session)


def session_for(session, graph, what: str):
    """``session`` or the default session, checked to run ``graph`` (for ``what``, e.g.
    ``"Tensor.eval()"``); raises ``ValueError`` saying what to do when there is none."""
    session = session or get_default_session()
    if session is None:
        raise ValueError(f"Cannot evaluate tensor using `eval()`: No default session is "
                         f"registered. Use `with sess.as_default()` or pass an explicit session "
                         f"to {what}.")
    if session.graph is not graph:
        raise ValueError("Cannot use the given session to evaluate tensor: the tensor's graph "
                         "is different from the session's graph.")
    return session
