"""``tf.compat``: ``tf.compat.v1`` is flowkit itself, plus TF's small text and shape helpers.

Programs written for TensorFlow 2's compatibility mode run unchanged::

    import flowkit.compat.v1 as tf      # the same module object as ``import flowkit as tf``
    tf.disable_v2_behavior()            # accepted: flowkit is TF1's graph mode

and so do programs that write ``tf.compat.v1.placeholder(...)`` after ``import flowkit as tf``.
The behaviour switches live in :mod:`flowkit.compat.behavior`; the out-of-scope names of TF's
API and why, in :mod:`flowkit.compat.scope`. ``tf.compat.v2`` does not exist: flowkit is TF1
only.

Example:
    >>> import flowkit
    >>> import flowkit.compat.v1 as tf
    >>> tf is flowkit and flowkit.compat.v1 is flowkit
    True
    >>> tf.compat.as_bytes("abc"), tf.compat.as_text(b"abc")
    (b'abc', 'abc')
    >>> tf.compat.dimension_value(tf.TensorShape([None, 3])[1])
    3
"""
from __future__ import annotations

import os as _os
import sys as _sys

from flowkit.compat import behavior  # noqa: F401
from flowkit.framework.tensor_shape import Dimension as _Dimension, as_shape as _as_shape

__all__ = ["v1", "as_bytes", "as_text", "as_str", "as_str_any", "path_to_str",
           "dimension_value", "dimension_at_index", "bytes_or_text_types"]

# ``tf.compat.v1`` is the root package itself. A subpackage always runs after its parent
# package has been entered, so the root is in ``sys.modules`` here (possibly still being
# initialised, which is fine: this stores the object, it reads nothing from it). Registering
# it under ``flowkit.compat.v1`` makes ``import flowkit.compat.v1 as tf`` return it.
v1 = _sys.modules[__name__.rpartition(".")[0]]
_sys.modules[__name__ + ".v1"] = v1

bytes_or_text_types = (bytes, str)


def as_bytes(bytes_or_text, encoding="utf-8") -> bytes:
    """``bytes_or_text`` as ``bytes`` (text is encoded with ``encoding``), as TF's."""
    if isinstance(bytes_or_text, bytearray):
        return bytes(bytes_or_text)
    if isinstance(bytes_or_text, str):
        return bytes_or_text.encode(encoding)
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    raise TypeError(f"tf.compat.as_bytes: expected binary or unicode string, got "
                    f"{bytes_or_text!r}")


def as_text(bytes_or_text, encoding="utf-8") -> str:
    """``bytes_or_text`` as ``str`` (bytes are decoded with ``encoding``), as TF's."""
    if isinstance(bytes_or_text, str):
        return bytes_or_text
    if isinstance(bytes_or_text, (bytes, bytearray)):
        return bytes(bytes_or_text).decode(encoding)
    raise TypeError(f"tf.compat.as_text: expected binary or unicode string, got "
                    f"{bytes_or_text!r}")


as_str = as_text


def as_str_any(value, encoding="utf-8") -> str:
    """``str(value)``, decoding bytes with ``encoding``."""
    return as_text(value, encoding) if isinstance(value, (bytes, bytearray)) else str(value)


def path_to_str(path):
    """A path-like object as ``str`` (``os.fspath``); anything else unchanged."""
    return _os.fspath(path) if isinstance(path, _os.PathLike) else path


def dimension_value(dimension):
    """The ``int`` (or ``None``) of a ``Dimension``; an int or ``None`` unchanged.

    Code that must work whether ``shape[i]`` is a ``Dimension`` (TF1) or an ``int`` (TF2's
    behaviour) reads a dimension with it.

    Example:
        >>> x = tf.placeholder(tf.float32, [None, 3])
        >>> tf.dimension_value(x.shape[1]), tf.dimension_value(x.shape[0])
        (3, None)
        >>> tf.dimension_value(4)
        4
    """
    if isinstance(dimension, _Dimension):
        return dimension.value
    return dimension


def dimension_at_index(shape, index) -> _Dimension:
    """``shape[index]`` as a ``Dimension``; an unknown dimension for a shape of unknown
    rank.

    Example:
        >>> tf.dimension_at_index(tf.TensorShape([None, 3]), 1)
        Dimension(3)
        >>> tf.dimension_at_index(tf.TensorShape(None), 1)   # unknown rank: no IndexError
        Dimension(None)
        >>> tf.dimension_value(tf.dimension_at_index([2, 5], -1))
        5
    """
    shape = _as_shape(shape)
    if shape.rank is None:
        return _Dimension(None)
    return shape[index]


def __getattr__(name):
    if name == "v2":
        raise AttributeError("flowkit has no tf.compat.v2: it provides TensorFlow 1's API "
                             "only (tf.compat.v1 is flowkit itself).")
    raise AttributeError(f"module 'flowkit.compat' has no attribute {name!r}; it provides: "
                         + ", ".join(__all__))
