"""TF1's error classes (``tf.errors.InvalidArgumentError``...).

Every :class:`OpError` carries the operation that failed (``.op``) and says where that
operation was created in the user's code, because that line is what the learner must fix.

Example:
    >>> import flowkit as tf
    >>> issubclass(tf.errors.InvalidArgumentError, tf.errors.OpError)
    True
"""
from __future__ import annotations

import linecache

OK = 0
CANCELLED = 1
UNKNOWN = 2
INVALID_ARGUMENT = 3
DEADLINE_EXCEEDED = 4
NOT_FOUND = 5
ALREADY_EXISTS = 6
PERMISSION_DENIED = 7
RESOURCE_EXHAUSTED = 8
FAILED_PRECONDITION = 9
ABORTED = 10
OUT_OF_RANGE = 11
UNIMPLEMENTED = 12
INTERNAL = 13
UNAVAILABLE = 14
DATA_LOSS = 15
UNAUTHENTICATED = 16


class OpError(Exception):
    """An error raised while running a graph; ``.op`` is the failing operation (or None).

    Every run-time error class (``InvalidArgumentError``, ``FailedPreconditionError``...)
    derives from it, so one ``except tf.OpError`` catches them all.

    Example:
        >>> import flowkit as tf
        >>> x = tf.placeholder(tf.float32, name="x")
        >>> y = tf.reshape(x, [2, 2], name="square")
        >>> with tf.Session() as sess:
        ...     try:
        ...         sess.run(y, {x: [1.0, 2.0, 3.0]})
        ...     except tf.OpError as e:
        ...         print(type(e).__name__, e.op.name)
        InvalidArgumentError square
    """

    error_code = UNKNOWN

    def __init__(self, node_def, op, message, error_code=None):
        self.node_def = node_def
        self.op = op
        self._message = message
        if error_code is not None:
            self.error_code = error_code
        super().__init__(self._full_message())

    @property
    def message(self) -> str:
        return self._message

    def _full_message(self) -> str:
        site = getattr(self.op, "_site", None)
        if self.op is not None and site:
            return (f"{self._message}\n\nThe operation '{self.op.name}' (type {self.op.type}) "
                    f"was created at {format_line(site, source=True)}")
        return self._message

    def __str__(self) -> str:
        return self._full_message()


def format_line(site, source=False) -> str:
    """``path/to/program.py:LINE`` of a creation site ``(filename, lineno, function)``, the
    user's frame; with ``source``, followed by the function and the line's text."""
    if not site:
        return "<unknown location>"
    text = f"{site[0]}:{site[1]}"
    if source:
        line = linecache.getline(site[0], site[1]).strip()
        text += f" (in {site[2]})" + (f":\n    {line}" if line else "")
    return text


def _make(name, code, doc):
    cls = type(name, (OpError,), {"__doc__": doc, "error_code": code})

    def __init__(self, node_def, op, message, *args, **kwargs):
        OpError.__init__(self, node_def, op, message, code)

    cls.__init__ = __init__
    return cls


CancelledError = _make("CancelledError", CANCELLED, "An operation was cancelled.")
UnknownError = _make("UnknownError", UNKNOWN, "An unknown error, such as a kernel's own.")
InvalidArgumentError = _make("InvalidArgumentError", INVALID_ARGUMENT,
                             "An argument was invalid: an unfed placeholder, a bad shape...")
DeadlineExceededError = _make("DeadlineExceededError", DEADLINE_EXCEEDED, "A deadline passed.")
NotFoundError = _make("NotFoundError", NOT_FOUND, "A file or a variable was not found.")
AlreadyExistsError = _make("AlreadyExistsError", ALREADY_EXISTS, "An entity already exists.")
PermissionDeniedError = _make("PermissionDeniedError", PERMISSION_DENIED, "Permission denied.")
ResourceExhaustedError = _make("ResourceExhaustedError", RESOURCE_EXHAUSTED,
                               "Some resource (memory...) was exhausted.")
FailedPreconditionError = _make("FailedPreconditionError", FAILED_PRECONDITION,
                                "The system is not in a state to run the operation, e.g. a "
                                "variable is read before it was initialized.")
AbortedError = _make("AbortedError", ABORTED, "The operation was aborted.")
OutOfRangeError = _make("OutOfRangeError", OUT_OF_RANGE, "An index or iteration was out of range.")
UnimplementedError = _make("UnimplementedError", UNIMPLEMENTED,
                           "The operation is not implemented, e.g. a backend lacks a kernel.")
InternalError = _make("InternalError", INTERNAL, "An internal invariant was broken.")
UnavailableError = _make("UnavailableError", UNAVAILABLE, "A device or service is unavailable.")
DataLossError = _make("DataLossError", DATA_LOSS, "Unrecoverable data loss or corruption.")
UnauthenticatedError = _make("UnauthenticatedError", UNAUTHENTICATED, "Not authenticated.")

__all__ = [n for n in dir() if n.endswith("Error")] + ["OpError"]
