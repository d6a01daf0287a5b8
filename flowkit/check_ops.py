"""TF1's remaining ``tf.assert_*`` checks: ``assert_near``, ``assert_rank_in``,
``assert_same_float_dtype``, ``assert_variables_initialized``, ``assert_proper_iterable``.

They are built from the ops of ``flowkit.ops.debug_ops`` (``Assert``) and the variables
layer, as TF builds them: a check whose answer is known while the graph is built raises at
once (``ValueError``/``TypeError``); otherwise it is an op that fails the run with
``InvalidArgumentError`` (put it in ``tf.control_dependencies``).

Example:
    >>> import flowkit as tf
    >>> x = tf.placeholder(tf.float32, [2])
    >>> with tf.control_dependencies([tf.assert_near(x, [1.0, 2.0], atol=0.1)]):
    ...     y = tf.identity(x)
    >>> with tf.Session() as sess:
    ...     print(sess.run(y, {x: [1.05, 2.0]}))
    [1.05 2.  ]
"""
from __future__ import annotations

__all__ = ["assert_near", "assert_rank_in", "assert_same_float_dtype",
           "assert_variables_initialized", "assert_proper_iterable"]

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import GraphKeys, Tensor, get_default_graph
from flowkit.ops.array_ops import stack
from flowkit.ops.control_flow_ops import Assert, no_op, with_dependencies
from flowkit.ops.core import constant_value, convert_to_tensor, op_scope
from flowkit.ops.math_ops import abs as _abs, equal, less, reduce_all, reduce_any
from flowkit.ops.shape_ops import identity, rank as _rank, shape as _shape
from flowkit.variables import Variable


def _prefix(message) -> str:
    return f"{message}.  " if message else ""


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None,
                name=None):
    """An op that fails the run unless ``|x - y| < atol + rtol * |y|`` everywhere
    (broadcasting). ``rtol`` and ``atol`` default to ten times the dtype's machine epsilon.

    Example:
        >>> import flowkit as tf
        >>> check = tf.assert_near(tf.constant([1.0]), tf.constant([1.5]), atol=0.1)
        >>> with tf.Session() as sess:
        ...     sess.run(check)
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: ...x and y not equal to tolerance...
    """
    with op_scope(name, "assert_near", [x, y]):
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, name="y", dtype=x.dtype)
        if not x.dtype.is_floating:
            raise TypeError(f"assert_near compares floats: {x.name} is {x.dtype.name} "
                            "(use tf.assert_equal for integers).")
        eps = float(np.finfo(x.dtype.as_numpy_dtype).eps)
        rtol = 10 * eps if rtol is None else rtol
        atol = 10 * eps if atol is None else atol
        rtol_t = convert_to_tensor(rtol, name="rtol", dtype=x.dtype)
        atol_t = convert_to_tensor(atol, name="atol", dtype=x.dtype)
        if data is None:
            data = [_prefix(message),
                    f"x and y not equal to tolerance rtol = {rtol}, atol = {atol}",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        tol = atol_t + rtol_t * _abs(y)
        condition = reduce_all(less(_abs(x - y), tol))
        return Assert(condition, data, summarize=summarize)


def assert_rank_in(x, ranks, data=None, summarize=None, message=None, name=None):
    """Asserts that ``x``'s rank is one of ``ranks``: ``ValueError`` at once when the rank is
    known, else an op that fails the run.

    Example:
        >>> import flowkit as tf
        >>> tf.assert_rank_in(tf.constant([1.0, 2.0]), (0, 2))
        Traceback (most recent call last):
        ...
        ValueError: Tensor Const:0 must have rank in (0, 2).  Received rank 1, shape (2,)
    """
    with op_scope(name, "assert_rank_in", [x]):
        x = convert_to_tensor(x, name="x")
        ranks = tuple(ranks)
        rank_ts = [convert_to_tensor(r, name="rank") for r in ranks]
        for r in rank_ts:
            if r.dtype is not dtypes.int32:
                raise TypeError(f"rank must be of type tf.int32; got {r.dtype!r}")
        static = [constant_value(r) for r in rank_ts]
        if all(s is not None for s in static):
            if any(np.ndim(s) != 0 for s in static):
                raise ValueError("Rank must be a scalar.")
            if x.shape.ndims is not None:
                wanted = tuple(int(s) for s in static)
                if x.shape.ndims not in wanted:
                    raise ValueError(f"{_prefix(message)}Tensor {x.name} must have rank in "
                                     f"{wanted}.  Received rank {x.shape.ndims}, shape "
                                     f"{x.shape}")
                return no_op(name="static_checks_determined_all_ok")
        if data is None:
            data = [_prefix(message), f"Tensor {x.name} must have rank in"] + rank_ts + \
                ["Received shape: ", _shape(x)]
        condition = reduce_any(equal(_rank(x), stack(rank_ts)))
        return Assert(condition, data, summarize=summarize)


def assert_same_float_dtype(tensors=None, dtype=None):
    """The one floating dtype of ``tensors`` (and ``dtype`` if given); ``tf.float32`` when
    there is neither. Raises ``ValueError`` on a mix of dtypes or a non-float dtype.

    Example:
        >>> import flowkit as tf
        >>> tf.assert_same_float_dtype([tf.constant(1.0), tf.constant(2.0)])
        tf.float32
    """
    if tensors:
        dtype = None if dtype is None else dtypes.as_dtype(dtype)
        expected = dtype
        first = None if dtype is None else f"expected type {dtype.name}"
        for t in tensors:
            t_dtype = getattr(t, "dtype", None)
            if t_dtype is None:
                continue
            t_dtype = dtypes.as_dtype(t_dtype)
            if expected is None:
                expected, first = t_dtype, f"{getattr(t, 'name', t)}, type={t_dtype.name}"
            elif t_dtype is not expected:
                raise ValueError(f"{getattr(t, 'name', t)}, type={t_dtype.name} must be of the "
                                 f"same type ({expected.name}) as {first}.")
        dtype = expected
    if dtype is None:
        return dtypes.float32
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError(f"Expected floating point type, got {dtype!r}.")
    return dtype


def assert_variables_initialized(var_list=None):
    """An op that fails the run with ``FailedPreconditionError`` when one of ``var_list``
    (default: the global and local variables) has no value yet in the session; ``None``
    when there are no variables. Running it gives the variables' ranks.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([1.0, 2.0], name="v")
        >>> check = tf.assert_variables_initialized()
        >>> with tf.Session() as sess:
        ...     sess.run(check)
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.FailedPreconditionError: ...v...
    """
    graph = get_default_graph()
    if var_list is None:
        var_list = graph.get_collection(GraphKeys.GLOBAL_VARIABLES) + \
            graph.get_collection(GraphKeys.LOCAL_VARIABLES)
    var_list = list(var_list)
    if not var_list:
        return None
    with op_scope(None, "assert_variables_initialized", []):
        # Reading a variable without a value fails the run with FailedPreconditionError,
        # naming it (as TF's check, which reads each variable's rank, does).
        reads = [identity(v) for v in var_list]
        ranks = [with_dependencies([r], _rank(r)) for r in reads]
        return ranks[0] if len(ranks) == 1 else stack(ranks)


def assert_proper_iterable(values) -> None:
    """Raises ``TypeError`` unless ``values`` is an iterable of values (a list, tuple,
    generator...); a tensor, an array and a string are refused, since iterating over them
    is rarely what was meant.

    Example:
        >>> import flowkit as tf
        >>> tf.assert_proper_iterable([1, 2])
        >>> tf.assert_proper_iterable("ab")
        Traceback (most recent call last):
        ...
        TypeError: Expected argument "values" to be a "proper" iterable.  Found: <class 'str'>
    """
    if isinstance(values, (Tensor, Variable, np.ndarray, str, bytes)):
        raise TypeError(f'Expected argument "values" to be a "proper" iterable.  Found: '
                        f"{type(values)}")
    if not hasattr(values, "__iter__"):
        raise TypeError(f'Expected argument "values" to be iterable.  Found: {type(values)}')
