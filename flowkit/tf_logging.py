"""``tf.logging``: TF1's logging functions, on Python's :mod:`logging` (logger ``"flowkit"``).

As in TF1, the threshold starts at ``WARN`` (``tf.logging.info`` prints nothing until
``tf.logging.set_verbosity(tf.logging.INFO)``), and the first use adds a handler that prints
``INFO:flowkit:message`` to stderr, unless the program configured the root logger itself. The
module is named ``tf_logging`` so that it never stands for the standard library's
``logging``; the root package exposes it as ``tf.logging``.

Example:
    >>> from flowkit import tf_logging
    >>> tf_logging.get_verbosity() == tf_logging.WARN
    True
    >>> tf_logging.set_verbosity(tf_logging.INFO)
    >>> tf_logging.get_verbosity()
    20
    >>> tf_logging.set_verbosity(tf_logging.WARN)
"""
from __future__ import annotations

import logging as _logging
import sys as _sys
import threading as _threading

DEBUG = _logging.DEBUG
INFO = _logging.INFO
WARN = _logging.WARN
ERROR = _logging.ERROR
FATAL = _logging.FATAL

_logger = None
_lock = _threading.Lock()
_counts: dict = {}


def get_logger() -> _logging.Logger:
    """The ``"flowkit"`` logger, set up on first use (see the module docstring).

    Example:
        >>> import flowkit as tf
        >>> tf.get_logger().name
        'flowkit'
    """
    global _logger
    if _logger is not None:
        return _logger
    with _lock:
        if _logger is None:
            logger = _logging.getLogger("flowkit")
            if not _logging.getLogger().handlers and not logger.handlers:
                handler = _logging.StreamHandler(_sys.stderr)
                handler.setFormatter(_logging.Formatter(_logging.BASIC_FORMAT, None))
                logger.addHandler(handler)
            _logger = logger
    return _logger


def log(level, msg, *args, **kwargs):
    get_logger().log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    get_logger().debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    get_logger().info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    get_logger().warning(msg, *args, **kwargs)


def warn(msg, *args, **kwargs):
    """TF1's alias of :func:`warning`."""
    get_logger().warning(msg, *args, **kwargs)


def error(msg, *args, **kwargs):
    get_logger().error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    get_logger().fatal(msg, *args, **kwargs)


def vlog(level, msg, *args, **kwargs):
    get_logger().log(level, msg, *args, **kwargs)


def log_if(level, msg, condition, *args):
    if condition:
        get_logger().log(level, msg, *args)


def _site_key():
    frame = _sys._getframe(2)
    return frame.f_code.co_filename, frame.f_lineno


def log_every_n(level, msg, n, *args):
    """Logs on the 1st, (n+1)th, (2n+1)th... call from the same line."""
    key = _site_key()
    count = _counts.get(key, 0)
    _counts[key] = count + 1
    if count % max(int(n), 1) == 0:
        get_logger().log(level, msg, *args)


def log_first_n(level, msg, n, *args):
    """Logs only the first ``n`` calls from the same line."""
    key = _site_key()
    count = _counts.get(key, 0)
    _counts[key] = count + 1
    if count < n:
        get_logger().log(level, msg, *args)


def flush():
    for handler in get_logger().handlers:
        handler.flush()


def get_verbosity() -> int:
    """The logger's effective threshold."""
    return get_logger().getEffectiveLevel()


def set_verbosity(v) -> None:
    """Sets the threshold (``tf.logging.DEBUG``/``INFO``/``WARN``/``ERROR``/``FATAL``)."""
    get_logger().setLevel(v)


def TaskLevelStatusMessage(msg):  # noqa: N802 - TF1's name
    error(msg)
