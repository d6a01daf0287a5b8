"""Constants and fills: fill, zeros, ones, zeros_like, ones_like, range, linspace."""
from __future__ import annotations

__all__ = ["zeros_like", "ones_like", "zeros", "ones", "fill", "range", "linspace", "lin_space"]

import builtins

import numpy as np

from flowkit.backend import range_length
from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape, as_shape
from flowkit.ops.core import (_check_index_dtype, _check_rank, constant, _constant_shape,
                              constant_value, convert_to_tensor, _int_tensor, _ints, is_tensor_like,
                              make_tensor, op_scope, _plain, same_dtype_shape, _scalar_int)
from flowkit.ops.shape_ops import cast, reshape, shape, sum_to

# --------------------------------------------------------------------------------------------
# zeros, ones, fill, zeros_like, ones_like
# --------------------------------------------------------------------------------------------
register_op("ZerosLike", shape=same_dtype_shape, grad=None)
register_op("OnesLike", shape=same_dtype_shape, grad=None)


def _fill_shape(inputs, attrs):
    dims, value = inputs
    _check_index_dtype(dims, "Fill's dims")
    _check_rank(dims, 1, "dims")
    _check_rank(value, 0, "value")
    v = _ints(dims)
    if v is not None and any(d is not None and d < 0 for d in v):
        raise ValueError(f"Fill dimensions must be >= 0, got {v}")
    return [(value.dtype, _constant_shape(dims))]


def _fill_grad(op, g):
    # The value was broadcast to every element: its gradient is the sum of them all.
    return [None, sum_to(g, constant([], dtype=dtypes.int32, name="scalar_shape"),
                         TensorShape([]))]


register_op("Fill", shape=_fill_shape, grad=_fill_grad)


def fill(dims, value, name=None) -> Tensor:
    """A tensor of shape ``dims`` filled with the scalar ``value``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.fill([2, 2], 7)))
        [[7 7]
         [7 7]]
    """
    with op_scope(name, "Fill", [dims, value]) as scope:
        dims_t = _int_tensor(dims, "dims", "fill's dims")
        value = convert_to_tensor(value, name="value")
        return make_tensor("Fill", (dims_t, value), None, scope)


def _filled(scalar, shape, dtype, name, default_name):
    dtype = dtypes.as_dtype(dtype)
    with op_scope(name, default_name, [shape]) as scope:
        one = np.array(scalar, dtype=dtype.as_numpy_dtype) if dtype is not dtypes.string \
            else np.array("", dtype=object)
        if not is_tensor_like(shape):
            try:
                dims = as_shape(_plain(shape)) if not isinstance(shape, (int, np.integer)) \
                    else TensorShape([shape])
            except (TypeError, ValueError):   # a list holding tensors
                dims = TensorShape(None)
            if dims.is_fully_defined() and dims.num_elements() < 1000:
                return constant(np.full(dims.as_list(), one, dtype=one.dtype), dtype=dtype,
                                name=scope)
        shape_t = _int_tensor(shape, "shape_as_tensor", "shape")
        if shape_t.shape.ndims == 0:
            shape_t = reshape(shape_t, [-1])
        return make_tensor("Fill", (shape_t, constant(one, dtype=dtype, name="Const")), None,
                           scope)


def zeros(shape, dtype=dtypes.float32, name=None) -> Tensor:
    """A tensor of zeros (a constant for small static shapes, else a ``Fill``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.zeros([2, 3], tf.int32)))
        [[0 0 0]
         [0 0 0]]
    """
    return _filled(0, shape, dtype, name, "zeros")


def ones(shape, dtype=dtypes.float32, name=None) -> Tensor:
    """A tensor of ones (a constant for small static shapes, else a ``Fill``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.ones([2, 3], tf.int32)))
        [[1 1 1]
         [1 1 1]]
    """
    return _filled(1, shape, dtype, name, "ones")


def zeros_like(tensor, dtype=None, name=None, optimize=True) -> Tensor:
    """A tensor of zeros with the shape (and dtype, unless given) of ``tensor``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.zeros_like([[1, 2]])))
        [[0 0]]
    """
    with op_scope(name, "zeros_like", [tensor]) as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        if dtype is not None and dtypes.as_dtype(dtype) is not tensor.dtype:
            return zeros(_shape_internal(tensor, optimize), dtype, name=scope)
        return make_tensor("ZerosLike", (tensor,), None, scope)


def ones_like(tensor, dtype=None, name=None, optimize=True) -> Tensor:
    """A tensor of ones with the shape (and dtype, unless given) of ``tensor``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.ones_like(tf.constant([1, 2]), dtype=tf.float32)))
        [1. 1.]
    """
    with op_scope(name, "ones_like", [tensor]) as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        dtype = tensor.dtype if dtype is None else dtypes.as_dtype(dtype)
        return ones(_shape_internal(tensor, optimize), dtype, name=scope)


def _shape_internal(tensor, optimize):
    if optimize and tensor.shape.is_fully_defined():
        return constant(np.array(tensor.shape.as_list(), dtype=np.int32), name="Shape")
    return shape(tensor)


# --------------------------------------------------------------------------------------------
# range, linspace
# --------------------------------------------------------------------------------------------
def _range_shape(inputs, attrs):
    start, limit, delta = inputs
    for t in inputs:
        _check_rank(t, 0, "Range's start, limit and delta")
        if t.dtype is not start.dtype:
            raise TypeError(f"Range's start, limit and delta must have one dtype, got "
                            f"{start.dtype.name}, {limit.dtype.name}, {delta.dtype.name}")
    vals = [constant_value(t) for t in inputs]
    if any(v is None for v in vals):
        return [(start.dtype, TensorShape([None]))]
    s, lim, d = vals
    if d == 0:
        raise ValueError("Requires delta != 0")
    if (d > 0 and s > lim) or (d < 0 and s < lim):
        raise ValueError(f"Requires start <= limit when delta > 0 (or start >= limit when "
                         f"delta < 0): start={s}, limit={lim}, delta={d}")
    return [(start.dtype, TensorShape([range_length(s, lim, d)]))]


register_op("Range", shape=_range_shape, grad=None)

_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]


def range(start, limit=None, delta=1, dtype=None,  # noqa: A001 - TF1 name
          name="range") -> Tensor:
    """TF1's ``tf.range``: ``[start, start + delta, ...)`` up to but excluding ``limit``.

    Integer arguments give int32 (unless one is int64), floats give float32.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.range(5)), sess.run(tf.range(1, 2.0, 0.25)))
        [0 1 2 3 4] [1.   1.25 1.5  1.75]
    """
    if limit is None:
        start, limit = 0, start
    with op_scope(name, "Range", [start, limit, delta]) as scope:
        args = [convert_to_tensor(v, name=n, dtype=None if is_tensor_like(v) or dtype is None
                                  else dtype)
                for v, n in zip((start, limit, delta), ("start", "limit", "delta"))]
        if dtype is None:
            for a in args:
                if a.dtype not in _RANGE_ORDER:
                    raise TypeError(f"tf.range needs int32, int64, float32 or float64 "
                                    f"arguments, got {a.dtype.name}")
            target = builtins.max((a.dtype for a in args), key=_RANGE_ORDER.index)
        else:
            target = dtypes.as_dtype(dtype)
        args = [cast(a, target) for a in args]
        return make_tensor("Range", tuple(args), None, scope)


def _linspace_shape(inputs, attrs):
    start, stop, num = inputs
    if not start.dtype.is_floating or stop.dtype is not start.dtype:
        raise TypeError(f"LinSpace needs start and stop of one float dtype, got "
                        f"{start.dtype.name} and {stop.dtype.name}")
    _check_index_dtype(num, "LinSpace's num")
    for t in inputs:
        _check_rank(t, 0, "LinSpace's start, stop and num")
    n = _scalar_int(num)
    if n is not None and n <= 0:
        raise ValueError(f"Requires num > 0: {n}")
    return [(start.dtype, TensorShape([n]))]


register_op("LinSpace", shape=_linspace_shape, grad=None)


def linspace(start, stop, num, name=None) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (TF1 ``LinSpace``).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.linspace(0.0, 1.0, 5)))
        [0.   0.25 0.5  0.75 1.  ]
    """
    with op_scope(name, "LinSpace", [start, stop, num]) as scope:
        start = convert_to_tensor(start, name="start")
        stop = convert_to_tensor(stop, dtype=None if is_tensor_like(stop) else start.dtype,
                                 name="stop")
        num = _int_tensor(num, "num", "linspace's num")
        return make_tensor("LinSpace", (start, stop, num), None, scope)


lin_space = linspace


