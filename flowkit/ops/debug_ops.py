"""Debugging and Python: Print / print, check_numerics, the assert family, py_func /
numpy_function, identity_n, ensure_shape.

Everything here acts when the graph *runs*: ``tf.Print`` is an identity that prints, each
time it runs, its message and values to standard error; ``tf.print`` is an op that prints
(run it, or put it in ``tf.control_dependencies``); ``tf.check_numerics`` fails the run with
``InvalidArgumentError`` on a NaN or an infinity; the ``assert_*`` functions build
``tf.Assert`` ops that fail the run (or raise at once when both sides are constants, as TF1
does); ``tf.py_func`` runs a Python function on NumPy arrays.

``py_func`` functions live in this process, under a token stored in the op (TF1 stores them
the same way): a graph saved to a file and loaded elsewhere cannot run them. There is no
gradient through ``py_func`` (``tf.gradients`` gives ``None``) unless one is given, as in
TF1: ``@tf.RegisterGradient("MyGrad")`` a function, then build the op under
``g.gradient_override_map({"PyFunc": "MyGrad"})``.

Example:
    >>> import flowkit as tf
    >>> import numpy as np
    >>> x = tf.constant([1.0, 4.0, 9.0])
    >>> y = tf.py_func(np.sqrt, [x], tf.float32)
    >>> with tf.Session() as sess:
    ...     builtins.print(sess.run(y))     # (this module's print is tf.print)
    [1. 2. 3.]
"""
from __future__ import annotations

__all__ = ["Print", "print", "check_numerics", "add_check_numerics_ops",
           "verify_tensor_all_finite", "assert_equal", "assert_none_equal", "assert_less",
           "assert_less_equal", "assert_greater", "assert_greater_equal", "assert_positive",
           "assert_negative", "assert_non_negative", "assert_non_positive", "assert_rank",
           "assert_rank_at_least", "assert_type", "assert_integer", "assert_scalar",
           "py_func", "numpy_function", "py_function", "identity_n", "ensure_shape"]

import builtins
import functools
import itertools
import sys
import weakref

import numpy as np

from flowkit.framework import dtypes, errors
from flowkit.framework.graph import Operation, Tensor, get_default_graph
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape, as_shape
from flowkit.ops.core import (constant_value, convert_to_tensor, graph_of, make_op,
                              make_tensor, op_scope, same_dtype_shape)
from flowkit.ops.control_flow_ops import Assert, group, no_op, with_dependencies
from flowkit.ops.math_ops import (equal, greater, greater_equal, less, less_equal,
                                  not_equal, reduce_all)
from flowkit.ops.shape_ops import identity, rank as _rank, shape as _shape

_FLOATS = (dtypes.float16, dtypes.float32, dtypes.float64)


# --------------------------------------------------------------------------------------------
# tf.Print (TF1's identity that prints) and tf.print (TF2's print op)
# --------------------------------------------------------------------------------------------
def _print_shape(inputs, attrs):
    return [(inputs[0].dtype, inputs[0].shape)]


register_op("Print", shape=_print_shape, needs_state=True, view=True,
            grad=lambda op, g: [g] + [None] * (len(op.inputs) - 1),
            doc="Identity of input 0 that prints its message and the other inputs' values "
                "to standard error each time it runs (at most first_n times).")
register_op("PrintV2", shape=lambda inputs, attrs: [], grad=None, stateful=True,
            doc="Prints its template with the inputs' values to an output stream.")


def Print(input_, data, message=None, first_n=None, summarize=None,  # noqa: N802 - TF1 name
          name=None) -> Tensor:
    """Returns ``input_`` unchanged; each time it is computed, prints ``message`` followed by
    the values of the ``data`` tensors to standard error (TF1's ``tf.Print``).

    Each tensor prints as ``[v1 v2 v3...]``, at most ``summarize`` values (default 3);
    ``first_n`` prints only the first ``first_n`` times in each session.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([1, 2, 3, 4])
        >>> y = tf.Print(x, [x, tf.reduce_sum(x)], "x and its sum: ")
        >>> with tf.Session() as sess:                 # stderr: x and its sum: [1 2 3...][10]
        ...     builtins.print(sess.run(y))
        [1 2 3 4]
    """
    with op_scope(name, "Print", [input_] + list(data or [])) as scope:
        x = convert_to_tensor(input_, name="input")
        tensors = [convert_to_tensor(d) for d in (data or [])]
        attrs = {"message": "" if message is None else str(message),
                 "first_n": -1 if first_n is None else int(first_n),
                 "summarize": 3 if summarize is None else int(summarize)}
        return make_tensor("Print", [x] + tensors, attrs, scope)


def _stream_name(stream):
    if isinstance(stream, str):
        if stream.startswith("file://") or stream in ("stdout", "stderr"):
            return stream
    elif stream is sys.stdout or stream is sys.__stdout__:
        return "stdout"
    elif stream is sys.stderr or stream is sys.__stderr__:
        return "stderr"
    elif callable(stream):
        for level in ("info", "warning", "error", "debug", "warn"):
            if getattr(stream, "__name__", None) == level:
                return f"log({'warning' if level == 'warn' else level})"
    raise ValueError(f"Unsupported output stream, logging level, or file: {stream!r}. Supported "
                     "streams are sys.stdout, sys.stderr, tf.logging.info/warning/error, or a "
                     "file path 'file://...'.")


def print(*inputs, **kwargs) -> Operation:  # noqa: A001 - TF's public name
    """An op that prints ``inputs`` when it runs (TF's ``tf.print``): strings as they are,
    tensors formatted like NumPy (``[1 2 ... 9 10]``, at most ``summarize`` values from each
    end of each axis, default 3; ``-1`` prints all), separated by ``sep`` and followed by
    ``end``. ``output_stream``: ``sys.stderr`` (default), ``sys.stdout``, a ``tf.logging``
    function or ``"file://path"``. Run the returned op, or list it in
    ``tf.control_dependencies``.

    Example:
        >>> import flowkit as tf, sys
        >>> x = tf.constant([[1, 2], [3, 4]])
        >>> op = tf.print("x:", x, output_stream=sys.stdout)
        >>> with tf.Session() as sess:
        ...     sess.run(op)
        x: [[1 2]
         [3 4]]
    """
    output_stream = kwargs.pop("output_stream", sys.stderr)
    summarize = kwargs.pop("summarize", 3)
    sep, end = kwargs.pop("sep", " "), kwargs.pop("end", "\n")
    name = kwargs.pop("name", None)
    if kwargs:
        raise ValueError(f"Unrecognized keyword arguments for tf.print: {sorted(kwargs)}")
    stream = _stream_name(output_stream)
    tensors, parts = [], []

    def template(x):
        # Literal text, or None where a tensor's value goes; structures keep their brackets.
        if isinstance(x, Tensor) or hasattr(x, "_as_tensor"):
            tensors.append(convert_to_tensor(x))
            return [None]
        if isinstance(x, (list, builtins.tuple)):
            out = ["["]
            for i, v in enumerate(x):
                out += ([", "] if i else []) + template(v)
            return out + ["]"]
        if isinstance(x, dict):
            out = ["{"]
            for i, (k, v) in enumerate(x.items()):
                out += ([", "] if i else []) + [f"{k!r}: "] + template(v)
            return out + ["}"]
        return [str(x)]

    for i, x in enumerate(inputs):
        parts += ([sep] if i else []) + template(x)
    parts.append(end)
    with op_scope(name, "PrintV2", tensors) as scope:
        attrs = {"template": parts, "output_stream": stream,
                 "summarize": -1 if summarize is None else int(summarize)}
        return graph_of(tensors).create_op("PrintV2", tensors, attrs, scope)


# --------------------------------------------------------------------------------------------
# check_numerics and friends
# --------------------------------------------------------------------------------------------
def _check_numerics_shape(inputs, attrs):
    if inputs[0].dtype not in _FLOATS:
        raise TypeError(f"Value passed to parameter 'tensor' has DataType "
                        f"{inputs[0].dtype.name} not in list of allowed values: float16, "
                        "float32, float64")
    return same_dtype_shape(inputs, attrs)


def _check_numerics_grad(op, g):
    return [check_numerics(g, "Not a number (NaN) or infinity (Inf) values detected in "
                              "gradient. " + op.attrs["message"])]


register_op("CheckNumerics", shape=_check_numerics_shape, grad=_check_numerics_grad,
            view=True, doc="Identity that fails the run when its input holds NaN or Inf.")


def check_numerics(tensor, message, name=None) -> Tensor:
    """Returns ``tensor`` unchanged, failing the run with ``InvalidArgumentError`` ("<message>
    : Tensor had NaN values", or Inf) when it holds a NaN or an infinity.

    Example:
        >>> x = tf.placeholder(tf.float32)
        >>> y = tf.check_numerics(x, "x is bad")
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [1.0, 2.0]}))
        [1. 2.]
        >>> sess.run(y, {x: [1.0, np.nan]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: ...x is bad : Tensor had NaN values...
        >>> sess.close()
    """
    with op_scope(name, "CheckNumerics", [tensor]) as scope:
        t = convert_to_tensor(tensor, name="tensor")
        return make_tensor("CheckNumerics", (t,), {"message": str(message)}, scope)


def verify_tensor_all_finite(t=None, msg=None, name=None, x=None, message=None) -> Tensor:
    """``t``, computed after a check that it holds no NaN or infinity (TF1's
    ``tf.verify_tensor_all_finite``; ``x``/``message`` are the v2 names).

    Example:
        >>> x = tf.placeholder(tf.float32)
        >>> y = tf.verify_tensor_all_finite(x * 2.0, "2x is not finite")
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [1.0, 2.0]}))
        [2. 4.]
        >>> sess.run(y, {x: [1.0, np.inf]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: ...2x is not finite : Tensor had Inf...
        >>> sess.close()
    """
    t = x if t is None else t
    msg = message if msg is None else msg
    with op_scope(name, "VerifyFinite", [t]) as scope:
        t = convert_to_tensor(t, name="t")
        return with_dependencies([check_numerics(t, message=msg)], t, name=scope)


def add_check_numerics_ops() -> Operation:
    """One op that checks every float tensor of the default graph for NaN and infinity (the
    checks run one after another; each names the tensor as ``op_name:output_index``).

    Run it with the training step, feeding what the graph needs, e.g.
    ``sess.run([train_op, tf.add_check_numerics_ops()], feed)``. Variables themselves are
    not checked (their reads are), as in TF1.

    Example:
        >>> x = tf.placeholder(tf.float32, [2], name="x")
        >>> loss = tf.reduce_sum(tf.square(x))
        >>> check = tf.add_check_numerics_ops()
        >>> sess = tf.Session()
        >>> builtins.print(sess.run([loss, check], {x: [1.0, 2.0]})[0])
        5.0
        >>> sess.run([loss, check], {x: [1.0, np.inf]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: ...x:0 : Tensor had Inf values...
        >>> sess.close()

    Raises:
        ValueError: the graph has ``tf.cond`` branches, which the checks cannot follow.
    """
    graph = get_default_graph()
    check = []
    for op in list(graph.get_operations()):
        if op.type in ("Switch", "Merge"):
            raise ValueError("tf.add_check_numerics_ops() is not compatible with TensorFlow "
                             "control flow operations such as tf.cond() or tf.while_loop().")
        if op.type == "VariableV2" or op.op_def.writes_ref:
            continue
        for i, out in enumerate(op.outputs):
            if out.dtype in _FLOATS:
                with graph.control_dependencies(check):
                    check = [check_numerics(out, message=f"{op.name}:{i}")]
    return group(*check)


# --------------------------------------------------------------------------------------------
# The assert family (tf.debugging.assert_*)
# --------------------------------------------------------------------------------------------
def _prefix(message):
    return f"{message}.  " if message else ""


def _static_string(x):
    if not isinstance(x, Tensor):
        return str(x)
    v = constant_value(x)
    return str(x) if v is None else str(v)


def _binary_assert(sym, opname, op_func, static_func, x, y, data, summarize, message, name):
    with op_scope(name, opname, [x, y]):
        if isinstance(x, Tensor) or not isinstance(y, Tensor):
            x = convert_to_tensor(x, name="x")
            y = convert_to_tensor(y, dtype=None if isinstance(y, Tensor) else x.dtype, name="y")
        else:
            y = convert_to_tensor(y, name="y")
            x = convert_to_tensor(x, dtype=y.dtype, name="x")
        if data is None:
            data = [f"Condition x {sym} y did not hold element-wise:",
                    f"x ({x.name}) = ", x, f"y ({y.name}) = ", y]
        if message is not None:
            data = [message] + list(data)
        condition = reduce_all(op_func(x, y))
        xs, ys = constant_value(x), constant_value(y)
        if xs is not None and ys is not None and not np.all(static_func(xs, ys)):
            raise errors.InvalidArgumentError(None, None,
                                              "\n".join(_static_string(d) for d in data))
        return Assert(condition, data, summarize=summarize)


def assert_equal(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """An op that fails the run with ``InvalidArgumentError`` unless ``x == y`` everywhere
    (broadcasting); raises at once when both are constants and differ (TF1).

    Example:
        >>> x = tf.placeholder(tf.float32, [2])
        >>> with tf.control_dependencies([tf.assert_equal(x, [1.0, 2.0])]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [1.0, 2.0]}))
        [1. 2.]
        >>> sess.run(y, {x: [1.0, 3.0]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...Condition x == y...
        >>> sess.close()
    """
    return _binary_assert("==", "assert_equal", equal, np.equal, x, y, data, summarize,
                          message, name)


def assert_none_equal(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """Asserts ``x != y`` everywhere (see :func:`assert_equal`).

    Example:
        >>> x = tf.placeholder(tf.float32, [2])
        >>> with tf.control_dependencies([tf.assert_none_equal(x, [1.0, 2.0])]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [0.0, 3.0]}))
        [0. 3.]
        >>> sess.run(y, {x: [0.0, 2.0]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...Condition x != y...
        >>> sess.close()
    """
    return _binary_assert("!=", "assert_none_equal", not_equal, np.not_equal, x, y, data,
                          summarize, message, name)


def assert_less(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """Asserts ``x < y`` everywhere (see :func:`assert_equal`).

    Example:
        >>> x = tf.placeholder(tf.float32, [2])
        >>> with tf.control_dependencies([tf.assert_less(x, [1.0, 2.0])]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [0.0, 1.0]}))
        [0. 1.]
        >>> sess.run(y, {x: [0.0, 2.0]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...Condition x < y...
        >>> sess.close()
    """
    return _binary_assert("<", "assert_less", less, np.less, x, y, data, summarize, message,
                          name)


def assert_less_equal(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """Asserts ``x <= y`` everywhere (see :func:`assert_equal`).

    Example:
        >>> x = tf.placeholder(tf.float32, [2])
        >>> with tf.control_dependencies([tf.assert_less_equal(x, [1.0, 2.0])]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [1.0, 2.0]}))
        [1. 2.]
        >>> sess.run(y, {x: [1.0, 2.5]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...Condition x <= y...
        >>> sess.close()
    """
    return _binary_assert("<=", "assert_less_equal", less_equal, np.less_equal, x, y, data,
                          summarize, message, name)


def assert_greater(x, y, data=None, summarize=None, message=None, name=None) -> Operation:
    """Asserts ``x > y`` everywhere (see :func:`assert_equal`).

    Example:
        >>> x = tf.placeholder(tf.float32, [2])
        >>> with tf.control_dependencies([tf.assert_greater(x, [1.0, 2.0])]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [2.0, 3.0]}))
        [2. 3.]
        >>> sess.run(y, {x: [2.0, 2.0]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...Condition x > y...
        >>> sess.close()
    """
    return _binary_assert(">", "assert_greater", greater, np.greater, x, y, data, summarize,
                          message, name)


def assert_greater_equal(x, y, data=None, summarize=None, message=None,
                         name=None) -> Operation:
    """Asserts ``x >= y`` everywhere (see :func:`assert_equal`).

    Example:
        >>> x = tf.placeholder(tf.float32, [2])
        >>> with tf.control_dependencies([tf.assert_greater_equal(x, [1.0, 2.0])]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [1.0, 2.0]}))
        [1. 2.]
        >>> sess.run(y, {x: [0.5, 2.0]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...Condition x >= y...
        >>> sess.close()
    """
    return _binary_assert(">=", "assert_greater_equal", greater_equal, np.greater_equal, x, y,
                          data, summarize, message, name)


def _sign_assert(opname, sym, binary, zero_first, x, data, summarize, message, name):
    with op_scope(name, opname, [x]):
        x = convert_to_tensor(x, name="x")
        if data is None:
            data = [_prefix(message), f"Condition x {sym} 0 did not hold element-wise:",
                    f"x ({x.name}) = ", x]
        zero = convert_to_tensor(0, dtype=x.dtype)
        a, b = (zero, x) if zero_first else (x, zero)
        return binary(a, b, data=data, summarize=summarize)


def assert_positive(x, data=None, summarize=None, message=None, name=None) -> Operation:
    """Asserts ``x > 0`` everywhere.

    Example:
        >>> x = tf.placeholder(tf.float32, [2])
        >>> with tf.control_dependencies([tf.assert_positive(x)]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [1.0, 2.0]}))
        [1. 2.]
        >>> sess.run(y, {x: [1.0, 0.0]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...Condition x > 0...
        >>> sess.close()
    """
    return _sign_assert("assert_positive", ">", assert_less, True, x, data, summarize,
                        message, name)


def assert_negative(x, data=None, summarize=None, message=None, name=None) -> Operation:
    """Asserts ``x < 0`` everywhere.

    Example:
        >>> x = tf.placeholder(tf.float32, [2])
        >>> with tf.control_dependencies([tf.assert_negative(x)]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [-1.0, -2.0]}))
        [-1. -2.]
        >>> sess.run(y, {x: [-1.0, 0.0]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...Condition x < 0...
        >>> sess.close()
    """
    return _sign_assert("assert_negative", "<", assert_less, False, x, data, summarize,
                        message, name)


def assert_non_negative(x, data=None, summarize=None, message=None, name=None) -> Operation:
    """Asserts ``x >= 0`` everywhere.

    Example:
        >>> x = tf.placeholder(tf.float32, [2])
        >>> with tf.control_dependencies([tf.assert_non_negative(x)]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [0.0, 2.0]}))
        [0. 2.]
        >>> sess.run(y, {x: [0.0, -2.0]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...Condition x >= 0...
        >>> sess.close()
    """
    return _sign_assert("assert_non_negative", ">=", assert_less_equal, True, x, data,
                        summarize, message, name)


def assert_non_positive(x, data=None, summarize=None, message=None, name=None) -> Operation:
    """Asserts ``x <= 0`` everywhere.

    Example:
        >>> x = tf.placeholder(tf.float32, [2])
        >>> with tf.control_dependencies([tf.assert_non_positive(x)]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [0.0, -2.0]}))
        [ 0. -2.]
        >>> sess.run(y, {x: [0.0, 2.0]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...Condition x <= 0...
        >>> sess.close()
    """
    return _sign_assert("assert_non_positive", "<=", assert_less_equal, False, x, data,
                        summarize, message, name)


def _rank_assert(x, rank, data, summarize, message, name, opname, static_ok, dyn, what):
    with op_scope(name, opname, [x, rank]):
        x = convert_to_tensor(x, name="x")
        rank = convert_to_tensor(rank, name="rank")
        if rank.dtype is not dtypes.int32:
            raise TypeError(f"rank must be of type tf.int32; got {rank.dtype!r}")
        if data is None:
            data = [_prefix(message), f"Tensor {x.name} must have rank{what}", rank,
                    "Received shape: ", _shape(x)]
        rs = constant_value(rank)
        if rs is not None:
            if np.ndim(rs) != 0:
                raise ValueError("Rank must be a scalar.")
            if x.shape.ndims is not None:
                if not static_ok(x.shape.ndims, int(rs)):
                    raise ValueError(f"{_prefix(message)}Tensor {x.name} must have rank"
                                     f"{what} {int(rs)}.  Received rank {x.shape.ndims}, "
                                     f"shape {x.shape}")
                return no_op(name="static_checks_determined_all_ok")
        return Assert(dyn(_rank(x), rank), data, summarize=summarize)


def assert_rank(x, rank, data=None, summarize=None, message=None, name=None) -> Operation:
    """Asserts ``x`` has rank ``rank``: ``ValueError`` at once when the rank is known,
    else an op that fails the run.

    Example:
        >>> tf.assert_rank(tf.constant([1.0, 2.0]), 2)
        Traceback (most recent call last):
        ...
        ValueError: Tensor Const:0 must have rank 2.  Received rank 1, shape (2,)
        >>> x = tf.placeholder(tf.float32)              # rank unknown: checked when it runs
        >>> with tf.control_dependencies([tf.assert_rank(x, 2)]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [[1.0, 2.0]]}))
        [[1. 2.]]
        >>> sess.run(y, {x: [1.0, 2.0]})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...must have rank] [2]...
        >>> sess.close()
    """
    return _rank_assert(x, rank, data, summarize, message, name, "assert_rank",
                        lambda a, b: a == b, equal, "")


def assert_rank_at_least(x, rank, data=None, summarize=None, message=None,
                         name=None) -> Operation:
    """Asserts ``x`` has rank ``rank`` or more (see :func:`assert_rank`).

    Example:
        >>> tf.assert_rank_at_least(tf.constant(1.0), 1)
        Traceback (most recent call last):
        ...
        ValueError: Tensor Const:0 must have rank at least 1.  Received rank 0, shape ()
        >>> x = tf.placeholder(tf.float32)              # rank unknown: checked when it runs
        >>> with tf.control_dependencies([tf.assert_rank_at_least(x, 1)]):
        ...     y = tf.identity(x)
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: [1.0, 2.0]}))
        [1. 2.]
        >>> sess.run(y, {x: 3.0})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: assertion failed: ...rank at least] [1]...
        >>> sess.close()
    """
    return _rank_assert(x, rank, data, summarize, message, name, "assert_rank_at_least",
                        lambda a, b: a >= b, greater_equal, " at least")


def assert_type(tensor, tf_type, message=None, name=None) -> Operation:
    """Checks while building that ``tensor`` has dtype ``tf_type`` (``TypeError`` if not);
    returns a ``no_op``.

    Example:
        >>> x = tf.constant([1.0, 2.0])
        >>> tf.assert_type(x, tf.float32).type
        'NoOp'
        >>> tf.assert_type(x, tf.int32)
        Traceback (most recent call last):
        ...
        TypeError: Const:0 must be of type tf.int32; got tf.float32
    """
    tf_type = dtypes.as_dtype(tf_type)
    with op_scope(name, "assert_type", [tensor]):
        t = convert_to_tensor(tensor, name="tensor")
        if t.dtype is not tf_type:
            raise TypeError(f"{_prefix(message)}{t.name} must be of type {tf_type!r}; got "
                            f"{t.dtype!r}")
        return no_op("statically_determined_correct_type")


def assert_integer(x, message=None, name=None) -> Operation:
    """Checks while building that ``x`` has an integer dtype (``TypeError`` if not); returns
    a ``no_op``.

    Example:
        >>> tf.assert_integer(tf.constant([1, 2])).type
        'NoOp'
        >>> tf.assert_integer(tf.constant([1.0, 2.0]))
        Traceback (most recent call last):
        ...
        TypeError: Expected "x" to be integer type.  Found: Const_1:0 of dtype tf.float32
    """
    with op_scope(name, "assert_integer", [x]):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_integer:
            raise TypeError(f"{_prefix(message)}Expected \"x\" to be integer type.  Found: "
                            f"{x.name} of dtype {x.dtype!r}")
        return no_op("statically_determined_was_integer")


def assert_scalar(tensor, name=None, message=None) -> Tensor:
    """Returns ``tensor`` after checking while building that it is a scalar.

    Example:
        >>> tf.assert_scalar(tf.constant(3.0))
        <tf.Tensor 'Const:0' shape=() dtype=float32>
        >>> tf.assert_scalar(tf.constant([3.0]))
        Traceback (most recent call last):
        ...
        ValueError: Expected scalar shape for Const_1:0, saw shape: (1,).
    """
    with op_scope(name, "assert_scalar", [tensor]):
        t = convert_to_tensor(tensor, name="tensor")
        if t.shape.ndims is None:
            raise ValueError(f"{_prefix(message)}Expected scalar shape, saw unknown shape.")
        if t.shape.ndims != 0:
            raise ValueError(f"{_prefix(message)}Expected scalar shape for {t.name}, saw "
                             f"shape: {t.shape}.")
        return t


# --------------------------------------------------------------------------------------------
# py_func / numpy_function
# --------------------------------------------------------------------------------------------
class _FuncRegistry(dict):
    """token -> Python function of the ``PyFunc`` ops of this process (TF1 keeps its
    ``FuncRegistry`` the same way); an entry goes when its graph is garbage collected."""

    _counter = itertools.count()

    def add(self, func, graph) -> str:
        token = f"pyfunc_{next(self._counter)}"
        self[token] = func
        weakref.finalize(graph, self.pop, token, None)
        return token


def _py_func_shape(inputs, attrs):
    return [(dt, TensorShape(None)) for dt in attrs["Tout"]]


#: The kernels find the functions through the op registry:
#: ``get_op_def("PyFunc").shape_fn.functions[token]``.
_py_func_shape.functions = _FuncRegistry()
register_op("PyFunc", shape=_py_func_shape, grad=None, needs_rng=True,
            doc="Calls a Python function (by its token) on NumPy copies of the inputs.")


def py_func(func, inp, Tout, stateful=True, name=None):  # noqa: N803 - TF1 argument name
    """Wraps ``func``, a Python function of NumPy arrays, as an op (TF1's ``tf.py_func``):
    when the op runs, ``func(*values_of_inp)`` is called and must return arrays of the
    dtypes ``Tout`` (one dtype: one array; a list: a list). A NumPy dtype that differs from
    ``Tout`` fails the run (a Python float is float64), as in TF1. Output shapes are
    unknown (use ``set_shape``). ``tf.gradients`` gives ``None`` through it.

    Example:
        >>> import flowkit as tf, numpy as np
        >>> def pair(x):
        ...     return x * 2, np.int32(x.size)
        >>> doubled, n = tf.py_func(pair, [tf.constant([1.0, 2.0])], [tf.float32, tf.int32])
        >>> with tf.Session() as sess:
        ...     builtins.print(*sess.run([doubled, n]))
        [2. 4.] 2
    """
    is_list = isinstance(Tout, (list, builtins.tuple))
    types = [dtypes.as_dtype(t) for t in (Tout if is_list else [Tout])]
    with op_scope(name, "PyFunc", list(inp or [])) as scope:
        tensors = [convert_to_tensor(x) for x in (inp or [])]
        graph = graph_of(tensors)
        token = _py_func_shape.functions.add(func, graph)
        op = make_op("PyFunc", tensors, {"token": token, "Tout": types,
                                         "stateful": bool(stateful)}, scope)
        if is_list:
            return list(op.outputs) if op.outputs else op
        return op.outputs[0]


def numpy_function(func, inp, Tout, name=None):  # noqa: N803 - TF name
    """:func:`py_func` under its TF 1.14+ name.

    Example:
        >>> y = tf.numpy_function(np.cumsum, [tf.constant([1, 2, 3])], tf.int64)
        >>> with tf.Session() as sess:
        ...     builtins.print(sess.run(y))
        [1 3 6]
    """
    return py_func(func, inp, Tout, stateful=True, name=name)


def py_function(func, inp, Tout, name=None):  # noqa: N803 - TF name
    """TF's ``tf.py_function`` in graph mode: an op that calls ``func(*values_of_inp)`` when
    it runs and returns its results as tensors of the dtypes ``Tout`` (one dtype: one tensor;
    a list: a list; an empty list: the op, for a function run for its effect).

    Differences from TF: ``func`` receives NumPy arrays, not ``EagerTensor`` objects (code
    that calls ``x.numpy()`` on its arguments should use ``np.asarray(x)``), and the op is
    not differentiable (``tf.gradients`` gives ``None`` through it; TF differentiates the
    eager code) unless a gradient is registered and mapped with ``gradient_override_map``
    for op type ``"PyFunc"`` (the type of the op; TF's is ``EagerPyFunc``). As in TF, a
    returned value is converted to its ``Tout`` dtype (a Python float to float32).

    Example:
        >>> y = tf.py_function(lambda x: x.sum() / 2, [tf.constant([1.0, 4.0])], tf.float32)
        >>> with tf.Session() as sess:
        ...     builtins.print(sess.run(y))
        2.5
    """
    is_list = isinstance(Tout, (list, builtins.tuple))
    types = [dtypes.as_dtype(t) for t in (Tout if is_list else [Tout])]

    def converted(*args):
        out = func(*args)
        if not types and out is None:
            return None
        values = list(out) if isinstance(out, (list, builtins.tuple)) and is_list else [out]
        for i, (v, t) in enumerate(zip(values, types)):
            arr = np.asarray(v)
            want = np.dtype(object) if t is dtypes.string else np.dtype(t.as_numpy_dtype)
            if arr.dtype != want and arr.dtype.kind != "O" and \
                    np.can_cast(arr.dtype, want, casting="same_kind"):
                values[i] = arr.astype(want)
        return values if is_list else values[0]

    functools.update_wrapper(converted, func)
    return py_func(converted, inp, Tout, stateful=True, name=name or "EagerPyFunc")


# --------------------------------------------------------------------------------------------
# identity_n, ensure_shape
# --------------------------------------------------------------------------------------------
def identity_n(input, name=None) -> list:  # noqa: A002
    """A list of identities of the tensors of ``input``; gradients pass through.

    Example:
        >>> a, b = tf.identity_n([tf.constant(1), tf.constant([2.0, 3.0])])
        >>> with tf.Session() as sess:
        ...     builtins.print(*sess.run([a, b]))
        1 [2. 3.]
    """
    with op_scope(name, "IdentityN", list(input)):
        return [identity(convert_to_tensor(x)) for x in input]


def _ensure_shape_shape(inputs, attrs):
    x, want = inputs[0], attrs["shape"]
    if not x.shape.is_compatible_with(want):
        raise ValueError(f"Shape of tensor {x.name} {x.shape} is not compatible with expected "
                         f"shape {want}.")
    return [(x.dtype, x.shape.merge_with(want))]


register_op("EnsureShape", shape=_ensure_shape_shape, grad=lambda op, g: [g], view=True,
            doc="Identity that checks at run time that the input has the attr's shape.")


def ensure_shape(x, shape, name=None) -> Tensor:
    """``x``, with its static shape set to ``shape`` (``None`` for unknown dims), and a check
    at run time that its value has that shape (``InvalidArgumentError`` otherwise).

    Example:
        >>> x = tf.placeholder(tf.float32, [None, 3])
        >>> y = tf.ensure_shape(x, [2, 3])
        >>> y.shape
        TensorShape([Dimension(2), Dimension(3)])
        >>> sess = tf.Session()
        >>> builtins.print(sess.run(y, {x: np.ones([2, 3])}).sum())
        6.0
        >>> sess.run(y, {x: np.ones([4, 3])})
        Traceback (most recent call last):
        ...
        flowkit.framework.errors.InvalidArgumentError: ...Shape of tensor [4,3] is not compatible...
        >>> sess.close()
    """
    with op_scope(name, "EnsureShape", [x]) as scope:
        x = convert_to_tensor(x, name="x")
        return make_tensor("EnsureShape", (x,), {"shape": as_shape(shape)}, scope)

