"""Data types, as TF1 names them: ``tf.float32``, ``tf.int64``, ``tf.bool``...

A :class:`DType` is a small immutable object wrapping a NumPy dtype. There is exactly one
instance per type, so ``is`` and ``==`` both work.

Example:
    >>> import flowkit as tf
    >>> tf.float32.as_numpy_dtype
    <class 'numpy.float32'>
    >>> tf.as_dtype("int64") is tf.int64
    True
"""
from __future__ import annotations

import builtins

import numpy as np


class DType:
    """One element type of a tensor (``tf.float32``, ``tf.int32``, ``tf.bool``...).

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([1, 2])
        >>> print(x.dtype, x.dtype.name, x.dtype.is_integer, x.dtype.as_numpy_dtype)
        <dtype: 'int32'> int32 True <class 'numpy.int32'>
        >>> print(tf.as_dtype("float32") == tf.float32, tf.float32.is_floating, tf.float32.size)
        True True 4
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.cast(x, tf.float64)).dtype)
        float64
    """

    __slots__ = ("name", "_np", "_kind")

    def __init__(self, name: str, np_type) -> None:
        self.name = name
        self._np = np_type
        self._kind = np.dtype(np_type).kind if np_type is not object else "O"

    @property
    def as_numpy_dtype(self):
        """The NumPy scalar type (``numpy.float32`` for ``tf.float32``)."""
        return self._np

    @property
    def base_dtype(self) -> "DType":
        """The dtype itself (flowkit has no reference dtypes)."""
        return self

    @property
    def real_dtype(self) -> "DType":
        return self

    @property
    def is_floating(self) -> bool:
        return self._kind == "f"

    @property
    def is_integer(self) -> bool:
        return self._kind in "iu"

    @property
    def is_unsigned(self) -> bool:
        return self._kind == "u"

    @property
    def is_bool(self) -> bool:
        return self._kind == "b"

    @property
    def is_complex(self) -> bool:
        return False

    @property
    def is_numpy_compatible(self) -> bool:
        return self._kind != "O"

    @property
    def size(self) -> int:
        return np.dtype(self._np).itemsize

    @property
    def min(self):
        if self.is_floating:
            return float(np.finfo(self._np).min)
        if self.is_integer:
            return int(np.iinfo(self._np).min)
        raise TypeError(f"Cannot find minimum value of {self.name}.")

    @property
    def max(self):
        if self.is_floating:
            return float(np.finfo(self._np).max)
        if self.is_integer:
            return int(np.iinfo(self._np).max)
        raise TypeError(f"Cannot find maximum value of {self.name}.")

    def is_compatible_with(self, other) -> bool:
        return as_dtype(other) is self

    def __eq__(self, other):
        """As in TF: ``tf.float32 == "float32" == np.float32``; unrelated values are unequal."""
        if other is self:
            return True
        if other is None:
            return False
        try:
            return as_dtype(other) is self
        except (TypeError, ValueError):
            return False

    def __ne__(self, other):
        return not self.__eq__(other)

    def __hash__(self):
        return hash(self.name)

    def __repr__(self) -> str:
        return f"tf.{self.name}"

    def __str__(self) -> str:
        return f"<dtype: '{self.name}'>"

    def __reduce__(self):
        return as_dtype, (self.name,)


float16 = DType("float16", np.float16)
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
# Wider unsigned integers: tensors of them can be made, fed, fetched, cast and saved, but as in
# TF (which has few kernels for them) arithmetic ops refuse them when the graph is built.
uint16 = DType("uint16", np.uint16)
uint32 = DType("uint32", np.uint32)
uint64 = DType("uint64", np.uint64)
bool = DType("bool", np.bool_)  # noqa: A001 - TF1's public name
string = DType("string", object)
half = float16
double = float64

ALL = (float16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool,
       string)
_BY_NAME = {d.name: d for d in ALL}
_BY_NAME.update({"half": float16, "double": float64, "float": float32})
_BY_NP = {np.dtype(d.as_numpy_dtype): d for d in ALL if d is not string}
_BY_PY = {float: float32, int: int32, builtins.bool: bool, str: string}


def as_dtype(type_value) -> DType:
    """Converts a name, NumPy dtype or Python type to a :class:`DType`.

    Example:
        >>> as_dtype("float32"), as_dtype(np.int64)
        (tf.float32, tf.int64)

    Raises:
        TypeError: when the value names no dtype flowkit supports.
    """
    if isinstance(type_value, DType):
        return type_value
    if isinstance(type_value, str) and type_value in _BY_NAME:
        return _BY_NAME[type_value]
    if type_value in _BY_PY:
        return _BY_PY[type_value]
    try:
        npd = np.dtype(type_value)
    except TypeError:
        npd = None
    if npd is not None:
        if npd in _BY_NP:
            return _BY_NP[npd]
        if npd.kind in "US":
            return string
    raise TypeError(f"Cannot convert value {type_value!r} to a flowkit DType. "
                    f"Expected one of: {', '.join(sorted(_BY_NAME))}.")
