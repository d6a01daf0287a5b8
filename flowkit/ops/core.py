"""The building blocks every op module uses: converting values to tensors, creating ops,
broadcasting shapes, and reducing a gradient back to a broadcast input's shape.

Example:
    >>> import flowkit as tf
    >>> with tf.Graph().as_default():
    ...     t = convert_to_tensor([[1.0, 2.0]])
    >>> t.dtype, t.shape.as_list(), t.op.type
    (tf.float32, [1, 2], 'Const')
"""
from __future__ import annotations

import numbers

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor, get_default_graph
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape, as_shape


# --------------------------------------------------------------------------------------------
# Creating ops
# --------------------------------------------------------------------------------------------
def graph_of(inputs):
    """The graph of the first input tensor, else the default graph."""
    for t in inputs:
        if isinstance(t, Tensor):
            return t.op.graph
    return get_default_graph()


def make_op(op_type: str, inputs=(), attrs=None, name=None):
    """Creates an op of a registered type in the inputs' graph and returns the Operation."""
    return graph_of(inputs).create_op(op_type, list(inputs), attrs, name)


def make_tensor(op_type: str, inputs=(), attrs=None, name=None) -> Tensor:
    """Creates a single-output op and returns its output tensor."""
    return make_op(op_type, inputs, attrs, name).outputs[0]


def op_scope(name, default_name, values=()):
    """TF1's op-builder pattern: ``with op_scope(name, "MatMul", [a, b]) as scope:`` opens
    the op's name scope in the inputs' graph, so constants converted inside are named
    ``MatMul/b``; then pass ``name=scope`` to :func:`make_tensor` to name the op itself."""
    return graph_of(values).name_scope(name or default_name)


def same_dtype_shape(inputs, attrs):
    """Shape rule of ops whose output looks like input 0."""
    return [(inputs[0].dtype, inputs[0].shape)]


# --------------------------------------------------------------------------------------------
# Values -> tensors
# --------------------------------------------------------------------------------------------
def _to_numpy(value, dtype, what="value"):
    """Converts a Python/NumPy value to an ndarray of ``dtype`` with TF1's rules: Python floats
    become float32 and ints int32 unless a dtype is asked for. With a dtype, NumPy values are
    cast (as TF1 does), and Python values must fit it: a float never becomes an int or a bool,
    and a number never becomes a bool."""
    if value is None:
        raise ValueError("None values not supported.")
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if dtype is dtypes.string:
            return np.asarray(value, dtype=object)
        arr = np.asarray(value)
        if arr.dtype.kind in "OUS":
            raise TypeError(f"Failed to convert object of type {type(value).__name__} to Tensor. "
                            f"Contents: {value!r}. Consider casting elements to a supported type.")
        target = np.dtype(dtype.as_numpy_dtype)
        if arr.dtype != target and arr.size and not isinstance(value, (np.ndarray, np.generic)):
            if (arr.dtype.kind == "f" and target.kind in "iub") or \
                    (arr.dtype.kind in "iu" and target.kind == "b"):
                raise TypeError(f"Expected {dtype.name}, got {value!r} of type "
                                f"'{type(value).__name__}' instead.")
        return arr.astype(target) if arr.dtype != target else arr
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "US":
            return value.astype(object)
        dtypes.as_dtype(value.dtype)  # raises for unsupported dtypes
        return value
    if isinstance(value, np.generic):
        dtypes.as_dtype(value.dtype)
        return np.asarray(value)
    arr = np.asarray(value)
    if arr.dtype.kind in "US":
        return arr.astype(object)
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype == np.int64:
        if arr.size and (arr.max() > 2**31 - 1 or arr.min() < -2**31):
            return arr
        return arr.astype(np.int32)
    if arr.dtype.kind == "O":
        raise TypeError(f"Failed to convert object of type {type(value).__name__} to Tensor. "
                        f"Contents: {value!r}. Consider casting elements to a supported type.")
    return arr


def _contains_tensor(value) -> bool:
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        return True
    if isinstance(value, (list, tuple)):
        return any(_contains_tensor(v) for v in value)
    return False


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None) -> Tensor:
    """Returns ``value`` as a Tensor: tensors pass through (their dtype checked), variables give
    their value, Python and NumPy values become ``Const`` ops, lists holding tensors are packed.

    Raises:
        ValueError: a tensor's dtype differs from the requested ``dtype``.

    Example:
        >>> import flowkit as tf
        >>> t = tf.convert_to_tensor([[1, 2], [3, 4]])
        >>> print(t.dtype, t.shape)
        <dtype: 'int32'> (2, 2)
        >>> f = tf.convert_to_tensor(3, dtype=tf.float32)
        >>> with tf.Session() as sess:
        ...     print(sess.run(t).tolist(), sess.run(f))
        [[1, 2], [3, 4]] 3.0
    """
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        t = value if isinstance(value, Tensor) else value._as_tensor()
        if dtype is not None and dtypes.as_dtype(dtype) is not t.dtype:
            raise ValueError(f"Tensor conversion requested dtype {dtypes.as_dtype(dtype).name} "
                             f"for Tensor with dtype {t.dtype.name}: {t!r}")
        return t
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        from flowkit.ops.array_ops import stack
        return stack([convert_to_tensor(v, dtype=dtype) for v in value], name=name or "packed")
    if dtype is None and preferred_dtype is not None:
        try:
            return constant(value, dtype=preferred_dtype, name=name or "Const")
        except (TypeError, ValueError):
            pass
    return constant(value, dtype=dtype, name=name or "Const")


def is_tensor_like(x) -> bool:
    return isinstance(x, Tensor) or hasattr(x, "_as_tensor")


def convert_pair(x, y):
    """Converts a binary op's operands: a Python/NumPy operand takes the tensor's dtype."""
    if is_tensor_like(x):
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=None if is_tensor_like(y) else x.dtype, name="y")
    elif is_tensor_like(y):
        y = convert_to_tensor(y)
        x = convert_to_tensor(x, dtype=y.dtype, name="x")
    else:
        x = convert_to_tensor(x, name="x")
        y = convert_to_tensor(y, dtype=x.dtype, name="y")
    return x, y


# --------------------------------------------------------------------------------------------
# Constants and placeholders
# --------------------------------------------------------------------------------------------
def _const_shape(inputs, attrs):
    value = attrs["value"]
    return [(attrs["dtype"], TensorShape(value.shape))]


register_op("Const", shape=_const_shape, grad=None, kernel=False)


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False) -> Tensor:
    """A tensor with a fixed value (TF1's ``tf.constant``).

    A scalar ``value`` with a ``shape`` fills that shape; a value with as many elements as
    ``shape`` is reshaped to it.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.constant(7, shape=[2, 2])))
        [[7 7]
         [7 7]]
    """
    arr = _to_numpy(value, dtype)
    if shape is not None:
        shape = tuple(as_shape(shape).as_list())
        if verify_shape and arr.shape != shape:
            raise TypeError(f"Expected Tensor's shape: {shape}, got {arr.shape}.")
        if arr.shape != shape:
            n = int(np.prod(shape))
            if arr.size == 1:
                arr = np.full(shape, arr.reshape(()), dtype=arr.dtype)
            elif arr.size == n:
                arr = arr.reshape(shape)
            elif arr.size > n:
                raise ValueError(f"Too many elements provided. Takes at most {n}, but got "
                                 f"{arr.size}.")
            elif arr.size == 0:
                raise ValueError(f"Cannot fill shape {list(shape)} from an empty value.")
            else:
                # TF1: a shorter value is padded with its last element.
                flat = arr.reshape(-1)
                arr = np.concatenate([flat, np.repeat(flat[-1:], n - flat.size)]).reshape(shape)
    arr = np.array(arr, copy=True)
    arr.flags.writeable = False
    dt = dtypes.as_dtype(arr.dtype) if arr.dtype.kind != "O" else dtypes.string
    return make_tensor("Const", (), {"value": arr, "dtype": dt}, name)


def constant_value(t):
    """The value of ``t`` when it can be computed while building the graph, else ``None``.

    Used by shape rules (``tf.reshape(x, tf.shape(y))``) and to fold static shapes.
    """
    if not isinstance(t, Tensor):
        return np.asarray(t)
    op = t.op
    if op.type == "Const":
        return op.attrs["value"]
    if op.type == "Shape":
        s = op.inputs[0].shape
        if s.is_fully_defined():
            return np.array(s.as_list(), dtype=t.dtype.as_numpy_dtype)
    if op.type == "Size":
        s = op.inputs[0].shape
        if s.is_fully_defined():
            return np.array(s.num_elements(), dtype=t.dtype.as_numpy_dtype)
    if op.type == "Rank":
        if op.inputs[0].shape.ndims is not None:
            return np.array(op.inputs[0].shape.ndims, dtype=np.int32)
    if op.type == "Pack":
        vals = [constant_value(i) for i in op.inputs]
        if all(v is not None for v in vals):
            return np.stack(vals, axis=op.attrs.get("axis", 0))
    if op.type in ("Identity", "StopGradient"):
        return constant_value(op.inputs[0])
    if op.type in ("ConcatV2", "Fill", "Range", "StridedSlice", "ExpandDims", "Squeeze",
                   "Reshape"):
        return _fold_array_op(op)
    if op.type == "Cast":
        v = constant_value(op.inputs[0])
        return None if v is None else v.astype(op.attrs["DstT"].as_numpy_dtype)
    return None


def _fold_array_op(op):
    """Evaluates a few shape-manipulating array ops on constant inputs while building, so
    that shapes computed as ``tf.concat([tf.shape(x)[:1], [3]], 0)`` stay static."""
    vals = [constant_value(t) for t in op.inputs]
    if any(v is None for v in vals):
        return None
    dtype = op.outputs[0].dtype
    if dtype is dtypes.string or not op.outputs[0].shape.is_fully_defined() or \
            op.outputs[0].shape.num_elements() > 1000:
        return None
    try:
        if op.type == "ConcatV2":
            out = np.concatenate([np.asarray(v) for v in vals[:-1]], axis=int(vals[-1]))
        elif op.type == "Fill":
            out = np.full([int(d) for d in vals[0]], vals[1])
        elif op.type == "Range":
            out = vals[0] + np.arange(op.outputs[0].shape[0].value) * vals[2]
        elif op.type == "StridedSlice":
            from flowkit.ops.array_ops import strided_slice_index
            out = np.asarray(vals[0])[strided_slice_index(*vals[1:], op.attrs)]
        else:  # ExpandDims, Squeeze, Reshape: only the shape changes
            out = np.asarray(vals[0])
        return np.asarray(out, dtype=dtype.as_numpy_dtype).reshape(
            op.outputs[0].shape.as_list())
    except (IndexError, ValueError, TypeError):
        return None   # the kernel will report the problem when the graph runs


def constant_shape(t) -> TensorShape:
    """The static shape that a 1-D shape tensor ``t`` describes (dims unknown where they can
    not be computed while building)."""
    v = constant_value(t)
    if v is not None:
        return TensorShape([None if d < 0 else int(d) for d in np.reshape(v, [-1])])
    if isinstance(t, Tensor) and t.op.type == "Pack":
        dims = []
        for i in t.op.inputs:
            iv = constant_value(i)
            dims.append(None if iv is None or int(iv) < 0 else int(iv))
        return TensorShape(dims)
    n = t.shape[0].value if t.shape.ndims == 1 else None
    return TensorShape(None if n is None else [None] * n)


def _placeholder_shape(inputs, attrs):
    return [(attrs["dtype"], attrs["shape"])]


register_op("Placeholder", shape=_placeholder_shape, grad=None, kernel=False)


def placeholder(dtype, shape=None, name=None) -> Tensor:
    """A tensor whose value is fed at run time (``feed_dict={x: value}``).

    Example:
        >>> import flowkit as tf
        >>> x = tf.placeholder(tf.float32, shape=(None, 4), name="x")
        >>> print(x.shape)
        (?, 4)
    """
    dt = dtypes.as_dtype(dtype)
    return make_tensor("Placeholder", (), {"dtype": dt, "shape": TensorShape(shape)}, name)


# --------------------------------------------------------------------------------------------
# Broadcasting
# --------------------------------------------------------------------------------------------
def broadcast_shape(a: TensorShape, b: TensorShape) -> TensorShape:
    """NumPy broadcasting of two static shapes; unknown dims stay unknown."""
    if a.ndims is None or b.ndims is None:
        return TensorShape(None)
    da, db = a.as_tuple(), b.as_tuple()
    n = max(len(da), len(db))
    da = (1,) * (n - len(da)) + da
    db = (1,) * (n - len(db)) + db
    out = []
    for x, y in zip(da, db):
        if x == 1:
            out.append(y)
        elif y == 1:
            out.append(x)
        elif x is None:
            out.append(y)
        elif y is None or x == y:
            out.append(x)
        else:
            raise ValueError(f"Dimensions must be equal, but are {x} and {y}")
    return TensorShape(out)


def _cannot_broadcast(x: Tensor, other: Tensor) -> bool:
    """True when ``other`` can not have broadcast ``x`` in ``x (op) other``: along every axis
    the result's size is ``x``'s own, so ``x``'s gradient needs no summing."""
    if x.shape.ndims is None or other.shape.ndims is None or other.shape.ndims > x.shape.ndims:
        return False
    xd = x.shape.as_tuple()
    od = (1,) * (len(xd) - other.shape.ndims) + other.shape.as_tuple()
    for a, b in zip(xd, od):
        if b == 1:
            continue                          # other is broadcast along this axis
        if a is None or a == 1 or b is not None and b != a:
            return False                      # x may be the one broadcast here
    return True


def unbroadcast(grad: Tensor, x: Tensor, other: Tensor = None) -> Tensor:
    """Sums ``grad`` (shaped like a broadcast result) back to the shape of input ``x``.

    ``other`` is the op's other input, if any: when it cannot have broadcast ``x``, ``grad``
    already has ``x``'s shape. With static shapes the reduced axes are computed now; otherwise
    the graph computes them (``UnbroadcastTo``).
    """
    from flowkit.ops import array_ops, math_ops
    if other is not None and _cannot_broadcast(x, other):
        return grad
    xs, gs = x.shape, grad.shape
    if xs.is_fully_defined() and gs.ndims is not None and gs.ndims >= xs.ndims:
        # x's shape is known, so the axes to sum are known now: the leading ones, and those
        # where x has size 1 (summing an axis that turns out to be 1 already is harmless).
        # A bias's gradient becomes a plain Sum, with no Shape op to run.
        xd, gd = xs.as_tuple(), gs.as_tuple()
        if xd == gd:
            return grad
        lead = len(gd) - len(xd)
        axes = list(range(lead)) + [lead + i for i, d in enumerate(xd) if d == 1 and gd[lead + i] != 1]
        summed = math_ops.reduce_sum(grad, axis=axes) if axes else grad
        return summed if summed.shape.as_tuple() == xd else array_ops.reshape(summed, xd)
    return make_tensor("UnbroadcastTo", (grad, array_ops.shape(x)), {"shape": x.shape})


def _unbroadcast_shape(inputs, attrs):
    return [(inputs[0].dtype, constant_shape(inputs[1]).merge_with(attrs["shape"]))]


def _unbroadcast_grad(op, grad):
    from flowkit.ops import array_ops
    return [array_ops.broadcast_to(grad, array_ops.shape(op.inputs[0])), None]


register_op("UnbroadcastTo", shape=_unbroadcast_shape, grad=_unbroadcast_grad, view=True,
            doc="Sums input 0 over the axes along which shape (input 1) was broadcast "
                "(a view of input 0 when nothing is summed).")


def normalize_axis(axis, ndims, what="axis"):
    """Turns an int/list/None axis argument into a sorted tuple of non-negative ints
    (``None`` stays ``None``); negative axes count from the end."""
    if axis is None:
        return None
    if isinstance(axis, Tensor):
        v = constant_value(axis)
        if v is None:
            raise ValueError(f"{what} must be known when the graph is built (a Python int or a "
                             f"constant); got the computed tensor {axis.name}.")
        axis = v
    axis = np.asarray(axis).reshape(-1).tolist() if not isinstance(axis, numbers.Integral) \
        else [int(axis)]
    out = []
    for a in axis:
        a = int(a)
        if ndims is not None:
            if not -ndims <= a < max(ndims, 1):
                raise ValueError(f"Invalid reduction dimension {a} for input with {ndims} "
                                 "dimensions")
            a %= max(ndims, 1)
        out.append(a)
    return tuple(sorted(set(out)))
