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

from flowkit.backend import strided_slice_index
from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor, get_default_graph
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import Dimension, TensorShape, as_shape


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
def _leaves(value, depth):
    """The nested sequence ``value`` as a list of lists ``depth`` deep, its leaves untouched
    (for an object array of exactly those objects)."""
    if depth == 0:
        return value
    return [_leaves(v, depth - 1) for v in value]


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
                    (arr.dtype.kind in "iu" and target.kind == "b") or \
                    (arr.dtype.kind == "c" and target.kind != "c"):
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
        # NumPy's fixed-width strings drop trailing NULs (b"\xff\x00" -> b"\xff"): keep the
        # Python objects themselves, as TF keeps every byte.
        kept = np.empty(arr.shape, dtype=object)
        kept[...] = _leaves(value, arr.ndim)
        return kept
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


_list_packer = None


def register_list_packer(fn) -> None:
    """Installs ``fn(tensors, name) -> Tensor``, which :func:`convert_to_tensor` uses to pack a
    list holding tensors into one tensor (``join_ops`` installs ``tf.stack``). A hook keeps
    this module at the bottom of the op layer: it imports no op family."""
    global _list_packer
    _list_packer = fn


#: ``(priority, order, base_type, fn)`` of ``tf.register_tensor_conversion_function``, sorted:
#: :func:`convert_to_tensor` tries them, lowest priority first, on instances of ``base_type``.
_conversion_functions: list = []


def add_conversion_function(base_type, fn, priority=100) -> None:
    """Registers ``fn(value, dtype=None, name=None, as_ref=False) -> Tensor`` for instances of
    ``base_type`` (the checks on the arguments are in ``register_tensor_conversion_function``)."""
    _conversion_functions.append((priority, len(_conversion_functions), base_type, fn))
    _conversion_functions.sort(key=lambda entry: entry[:2])


def _convert_registered(value, dtype, name, preferred_dtype):
    """The first registered function's tensor for ``value`` (one that returns
    ``NotImplemented`` passes to the next), or None when none applies."""
    for _, _, base_type, fn in _conversion_functions:
        if not isinstance(value, base_type):
            continue
        ret = None
        if dtype is None and preferred_dtype is not None:
            try:
                ret = fn(value, dtype=dtypes.as_dtype(preferred_dtype), name=name, as_ref=False)
            except (TypeError, ValueError):
                ret = None
        if ret is None:
            ret = fn(value, dtype=dtype, name=name, as_ref=False)
        if ret is NotImplemented:
            continue
        if not isinstance(ret, Tensor):
            raise RuntimeError(f"Conversion function {fn!r} for type {base_type} returned "
                               f"non-Tensor: {ret!r}")
        if dtype is not None and ret.dtype is not dtype:
            raise RuntimeError(f"Conversion function {fn!r} for type {base_type} returned "
                               f"incompatible dtype: requested = {dtype.name}, "
                               f"actual = {ret.dtype.name}")
        return ret
    return None


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
    if _conversion_functions:
        t = _convert_registered(value, None if dtype is None else dtypes.as_dtype(dtype), name,
                                preferred_dtype)
        if t is not None:
            return t
    if isinstance(value, (list, tuple)) and _contains_tensor(value):
        # A list holding tensors is packed into one (TF1's auto-packing): the family that
        # defines ``stack`` installs it here (see register_list_packer).
        return _list_packer([convert_to_tensor(v, dtype=dtype) for v in value],
                            name=name or "packed")
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


#: Op types whose value :func:`constant_value` computes from its inputs' values.
_FOLDED_FROM_INPUTS = frozenset({"Pack", "Identity", "StopGradient", "Cast", "ConcatV2", "Fill",
                                 "Range", "StridedSlice", "ExpandDims", "Squeeze", "Reshape"})


def constant_value(t, _memo=None):
    """The value of ``t`` when it can be computed while building the graph, else ``None``.

    Used by shape rules (``tf.reshape(x, tf.shape(y))``) and to fold static shapes. The walk
    over the inputs is iterative (an explicit stack), so a shape computed through thousands
    of chained ops does not reach Python's recursion limit; ``_memo`` (tensor -> value) lets
    a caller that asks about many tensors of one graph share the work.
    """
    if not isinstance(t, Tensor):
        return np.asarray(t)
    memo = {} if _memo is None else _memo
    stack = [t]
    while stack:
        cur = stack[-1]
        if cur in memo:
            stack.pop()
            continue
        op = cur.op
        if op.type in _FOLDED_FROM_INPUTS:
            missing = [i for i in op.inputs if i not in memo]
            if missing:
                stack.extend(missing)
                if len(stack) > 1_000_000:     # a cycle (never in a valid graph): give up
                    return None
                continue
        stack.pop()
        memo[cur] = _fold_one(cur, memo)
    return memo[t]


def _fold_one(t, memo):
    """The build-time value of ``t`` given those of its inputs in ``memo``, or ``None``."""
    op = t.op
    kind = op.type
    if kind == "Const":
        return op.attrs["value"]
    if kind in ("Shape", "Size"):
        s = op.inputs[0].shape
        if s.is_fully_defined():
            v = s.as_list() if kind == "Shape" else s.num_elements()
            return np.array(v, dtype=t.dtype.as_numpy_dtype)
        return None
    if kind == "Rank":
        n = op.inputs[0].shape.ndims
        return None if n is None else np.array(n, dtype=np.int32)
    if kind == "Pack":
        vals = [memo[i] for i in op.inputs]
        if all(v is not None for v in vals):
            return np.stack(vals, axis=op.attrs.get("axis", 0))
        return None
    if kind in ("Identity", "StopGradient"):
        return memo[op.inputs[0]]
    if kind == "Cast":
        v = memo[op.inputs[0]]
        return None if v is None else v.astype(op.attrs["DstT"].as_numpy_dtype)
    if kind in _FOLDED_FROM_INPUTS:
        return _fold_array_op(op, [memo[i] for i in op.inputs])
    return None


def _fold_array_op(op, vals):
    """Evaluates a few shape-manipulating array ops on constant inputs while building, so
    that shapes computed as ``tf.concat([tf.shape(x)[:1], [3]], 0)`` stay static."""
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
            out = np.asarray(vals[0])[strided_slice_index(*vals[1:], op.attrs)]
        else:  # ExpandDims, Squeeze, Reshape: only the shape changes
            out = np.asarray(vals[0])
        return np.asarray(out, dtype=dtype.as_numpy_dtype).reshape(
            op.outputs[0].shape.as_list())
    except (IndexError, ValueError, TypeError):
        return None   # the kernel will report the problem when the graph runs


def constant_shape(t, _memo=None) -> TensorShape:
    """The static shape that a 1-D shape tensor ``t`` describes (dims unknown where they can
    not be computed while building)."""
    v = constant_value(t, _memo)
    if v is not None:
        return TensorShape([None if d < 0 else int(d) for d in np.reshape(v, [-1])])
    if isinstance(t, Tensor) and t.op.type == "Pack":
        dims = []
        for i in t.op.inputs:
            iv = constant_value(i, _memo)
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
            if not -ndims <= a < ndims:     # a scalar has no axis to reduce (TF)
                raise ValueError(f"Invalid reduction dimension {a} for input with {ndims} "
                                 "dimensions")
            a %= ndims
        out.append(a)
    return tuple(sorted(set(out)))


# --------------------------------------------------------------------------------------------
# Argument helpers shared by the array op families
# --------------------------------------------------------------------------------------------
_INDEX_DTYPES = (dtypes.int32, dtypes.int64)


def _plain(value):
    """Turns TensorShape / Dimension values in a shape-like argument into Python ints."""
    if isinstance(value, TensorShape):
        return value.as_list()
    if isinstance(value, Dimension):
        return value.value
    if isinstance(value, (list, tuple)) and not any(is_tensor_like(v) for v in value):
        return [_plain(v) for v in value]
    return value


def _int_tensor(value, name, what="value"):
    """An index-like argument as an int32/int64 tensor (Python values become int32 consts)."""
    if is_tensor_like(value) or (isinstance(value, (list, tuple)) and
                                 any(is_tensor_like(v) for v in value)):
        t = convert_to_tensor(value, name=name)
    else:
        value = _plain(value)
        arr = np.asarray(value)
        if arr.dtype.kind not in "iu" and arr.size:
            raise TypeError(f"{what} must be integers, got {value!r}")
        big = arr.size and (arr.max() > 2**31 - 1 or arr.min() < -2**31)
        t = constant(arr.astype(np.int64 if big else np.int32), name=name)
    if t.dtype not in _INDEX_DTYPES:
        raise TypeError(f"{what} must be an int32 or int64 tensor, got {t.dtype.name}")
    return t


def _check_index_dtype(t, what):
    if t.dtype not in _INDEX_DTYPES:
        raise TypeError(f"{what} must be int32 or int64, got {t.dtype.name}")


def _ints(t, n=None):
    """The elements of a 1-D int tensor known at build time: a list of ints and ``None``s
    (``None`` when even the length is unknown)."""
    v = constant_value(t)
    if v is not None:
        return [int(a) for a in np.reshape(v, [-1])]
    if t.op.type == "Pack" and t.op.attrs.get("axis", 0) == 0:
        out = []
        for i in t.op.inputs:
            iv = constant_value(i)
            out.append(None if iv is None or np.ndim(iv) != 0 else int(iv))
        return out
    n = t.shape[0].value if t.shape.ndims == 1 else n
    return None if n is None else [None] * n


def _constant_shape(t) -> TensorShape:
    """The static shape that a 1-D shape tensor ``t`` describes, following TF1's
    ``constant_value_as_shape``: ``tf.shape(x)`` gives ``x``'s partial shape, and concats,
    slices and casts of such tensors keep what is known. Iterative, like
    :func:`constant_value`."""
    values, shapes = {}, {}
    stack = [t]
    while stack:
        cur = stack[-1]
        if cur in shapes:
            stack.pop()
            continue
        missing = [i for i in _shape_sources(cur, values) if i not in shapes]
        if missing:
            stack.extend(missing)
            continue
        stack.pop()
        shapes[cur] = _shape_from_sources(cur, shapes, values)
    return shapes[t]


def _shape_sources(t, values):
    """The tensors whose described shapes make up the one ``t`` describes."""
    op = t.op
    if constant_value(t, values) is not None:
        return ()
    if op.type == "Cast":
        return op.inputs[:1]
    if op.type == "ConcatV2" and _scalar_int(op.inputs[-1], values) in (0, -1):
        return op.inputs[:-1]
    if op.type == "StridedSlice" and t.shape.ndims == 1:
        return op.inputs[:1]
    return ()


def _shape_from_sources(t, shapes, values):
    op = t.op
    if constant_value(t, values) is None:
        if op.type == "Shape":
            return op.inputs[0].shape
        if op.type == "Cast":
            return shapes[op.inputs[0]]
        if op.type == "ConcatV2" and _scalar_int(op.inputs[-1], values) in (0, -1):
            out = TensorShape([])
            for part in op.inputs[:-1]:
                out = out.concatenate(shapes[part])
            return out
        if op.type == "StridedSlice" and t.shape.ndims == 1:
            full = shapes[op.inputs[0]]
            spec = _spec_values(op.inputs[1:4])
            if full.ndims is not None and spec is not None and len(spec[0]) == 1 and \
                    None not in (v[0] for v in spec) and not any(
                        op.attrs[k] for k in ("ellipsis_mask", "new_axis_mask",
                                              "shrink_axis_mask")):
                idx = strided_slice_index(*spec, op.attrs)
                return TensorShape(list(full.as_tuple())[idx[0]])
    return constant_shape(t, values)


def _scalar_int(t, _memo=None):
    v = constant_value(t, _memo)
    return None if v is None or np.size(v) != 1 else int(np.reshape(v, []))


def _check_rank(t, rank, what):
    if t.shape.ndims is not None and t.shape.ndims != rank:
        raise ValueError(f"Shape must be rank {rank} but is rank {t.shape.ndims} ({what})")


def _norm_axis(axis, ndims, what="axis"):
    """One axis in ``[-ndims, ndims)`` made non-negative; ``ValueError`` otherwise."""
    if ndims is None:
        return axis
    if not -ndims <= axis < ndims:
        raise ValueError(f"{what} {axis} is out of range for a tensor of rank {ndims} "
                         f"(expected [{-ndims}, {ndims}))")
    return axis % ndims


#: The mask attributes of a StridedSlice.
MASKS = ("begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask")


def _spec_values(inputs):
    b, e, s = inputs
    n = b.shape[0].value if b.shape.ndims == 1 else None
    vals = [_ints(t, n) for t in (b, e, s)]
    if any(v is None for v in vals) or len({len(v) for v in vals}) != 1:
        return None
    return vals


