"""Array ops: shapes, reshaping, casting, stacking, slicing and friends.

Example:
    >>> import flowkit as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.reshape(tf.range(6), [2, -1])))
    [[0 1 2]
     [3 4 5]]
"""
from __future__ import annotations

__all__ = ["identity", "shape", "size", "rank", "reshape", "broadcast_to", "cast", "stack", "unstack", "zeros_like", "ones_like"]

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape, as_shape
from flowkit.ops.core import (constant, constant_shape, convert_to_tensor, make_tensor,
                              same_dtype_shape)


# --------------------------------------------------------------------------------------------
register_op("Identity", shape=same_dtype_shape, grad=lambda op, g: [g], view=True)


def identity(input, name=None):
    """Returns a tensor with the same value as ``input`` (a new node in the graph)."""
    return make_tensor("Identity", (convert_to_tensor(input),), None, name or "Identity")


# --------------------------------------------------------------------------------------------
def _shape_shape(inputs, attrs):
    n = inputs[0].shape.ndims
    return [(attrs["out_type"], TensorShape([n]))]


register_op("Shape", shape=_shape_shape, grad=None)
register_op("Size", shape=lambda i, a: [(a["out_type"], TensorShape([]))], grad=None)
register_op("Rank", shape=lambda i, a: [(dtypes.int32, TensorShape([]))], grad=None)


def shape(input, name=None, out_type=dtypes.int32):
    """The dynamic shape of ``input`` as a 1-D int32 tensor."""
    return make_tensor("Shape", (convert_to_tensor(input),),
                       {"out_type": dtypes.as_dtype(out_type)}, name or "Shape")


def size(input, name=None, out_type=dtypes.int32):
    """The number of elements of ``input``, as a scalar tensor."""
    return make_tensor("Size", (convert_to_tensor(input),),
                       {"out_type": dtypes.as_dtype(out_type)}, name or "Size")


def rank(input, name=None):
    """The number of dimensions of ``input``, as a scalar int32 tensor."""
    return make_tensor("Rank", (convert_to_tensor(input),), None, name or "Rank")


# --------------------------------------------------------------------------------------------
def _reshape_shape(inputs, attrs):
    x, target = inputs
    new = constant_shape(target)
    if new.ndims is None:
        return [(x.dtype, new)]
    dims = list(new.as_tuple())
    v = None
    from flowkit.ops.core import constant_value
    v = constant_value(target)
    if v is not None:
        v = [int(d) for d in np.reshape(v, [-1])]
        if sum(1 for d in v if d == -1) > 1:
            raise ValueError("Cannot infer multiple unknown dimensions in the target shape "
                             f"{v}")
        known = x.shape.num_elements()
        if -1 in v:
            rest = int(np.prod([d for d in v if d != -1]))
            if known is not None:
                if rest == 0 or known % rest:
                    raise ValueError(f"Cannot reshape a tensor with {known} elements to shape "
                                     f"{v} ({rest} * ? elements)")
                dims[v.index(-1)] = known // rest
        elif known is not None and known != int(np.prod(v)):
            raise ValueError(f"Cannot reshape a tensor with {known} elements to shape {v} "
                             f"({int(np.prod(v))} elements)")
    return [(x.dtype, TensorShape(dims))]


def _reshape_grad(op, g):
    x = op.inputs[0]
    s = x.shape.as_list() if x.shape.is_fully_defined() else shape(x)
    return [reshape(g, s), None]


register_op("Reshape", shape=_reshape_shape, grad=_reshape_grad, view=True)


def reshape(tensor, shape, name=None):
    """Gives ``tensor`` a new shape with the same elements; one dimension may be ``-1``."""
    tensor = convert_to_tensor(tensor)
    shape_t = convert_to_tensor(shape, dtype=dtypes.int32, name="shape") \
        if not hasattr(shape, "_as_tensor") and not _is_tensor(shape) else convert_to_tensor(shape)
    return make_tensor("Reshape", (tensor, shape_t), None, name or "Reshape")


def _is_tensor(x):
    from flowkit.framework.graph import Tensor
    return isinstance(x, Tensor)


# --------------------------------------------------------------------------------------------
def _broadcast_to_shape(inputs, attrs):
    return [(inputs[0].dtype, constant_shape(inputs[1]))]


def _broadcast_to_grad(op, g):
    from flowkit.ops.core import unbroadcast
    return [unbroadcast(g, op.inputs[0]), None]


register_op("BroadcastTo", shape=_broadcast_to_shape, grad=_broadcast_to_grad)


def broadcast_to(input, shape, name=None):
    """Broadcasts ``input`` to ``shape`` (NumPy rules)."""
    input = convert_to_tensor(input)
    shape_t = shape if _is_tensor(shape) else constant(shape, dtype=dtypes.int32, name="shape")
    return make_tensor("BroadcastTo", (input, shape_t), None, name or "BroadcastTo")


# --------------------------------------------------------------------------------------------
def _cast_shape(inputs, attrs):
    return [(attrs["DstT"], inputs[0].shape)]


def _cast_grad(op, g):
    src, dst = op.inputs[0].dtype, op.attrs["DstT"]
    if src.is_floating and dst.is_floating:
        return [cast(g, src)]
    return [None]


register_op("Cast", shape=_cast_shape, grad=_cast_grad)


def cast(x, dtype, name=None):
    """Converts ``x`` to ``dtype`` (floats to ints truncate toward zero, as in TF)."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype)
    if x.dtype is dtype:
        return x
    return make_tensor("Cast", (x,), {"SrcT": x.dtype, "DstT": dtype}, name or "Cast")


# --------------------------------------------------------------------------------------------
def _pack_shape(inputs, attrs):
    s = TensorShape(None)
    for t in inputs:
        if t.dtype is not inputs[0].dtype:
            raise TypeError(f"Tensors in list passed to 'values' of 'Pack' Op have types "
                            f"[{', '.join(x.dtype.name for x in inputs)}] that don't all match.")
        s = s.merge_with(t.shape)
    if s.ndims is None:
        return [(inputs[0].dtype, s)]
    dims = list(s.as_tuple())
    axis = attrs["axis"]
    if not -len(dims) - 1 <= axis <= len(dims):
        raise ValueError(f"axis = {axis} not in [{-len(dims) - 1}, {len(dims) + 1})")
    axis %= len(dims) + 1
    dims.insert(axis, len(inputs))
    return [(inputs[0].dtype, TensorShape(dims))]


def _pack_grad(op, g):
    return unstack(g, num=len(op.inputs), axis=op.attrs["axis"])


register_op("Pack", shape=_pack_shape, grad=_pack_grad)


def stack(values, axis=0, name="stack"):
    """Stacks a list of rank-R tensors into one rank-(R+1) tensor along ``axis``."""
    values = [convert_to_tensor(v) for v in values]
    if not values:
        raise ValueError("tf.stack needs at least one tensor")
    return make_tensor("Pack", values, {"axis": int(axis)}, name)


def _unpack_shape(inputs, attrs):
    x = inputs[0]
    axis, num = attrs["axis"], attrs["num"]
    if x.shape.ndims is None:
        return [(x.dtype, TensorShape(None))] * num
    dims = list(x.shape.as_tuple())
    del dims[axis % len(dims)]
    return [(x.dtype, TensorShape(dims))] * num


register_op("Unpack", shape=_unpack_shape,
            grad=lambda op, *gs: [stack([g if g is not None else
                                         _zeros_like_output(op, i) for i, g in enumerate(gs)],
                                        axis=op.attrs["axis"])])


def _zeros_like_output(op, i):
    from flowkit.ops.core import make_tensor as mk
    return mk("ZerosLike", (op.outputs[i],), None, "zeros_like")


register_op("ZerosLike", shape=same_dtype_shape, grad=None)
register_op("OnesLike", shape=same_dtype_shape, grad=None)


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits ``value`` along ``axis`` into a list of tensors (the dim must be known)."""
    value = convert_to_tensor(value)
    if num is None:
        if value.shape.ndims is None or value.shape[axis].value is None:
            raise ValueError(f"Cannot infer num from shape {value.shape}")
        num = value.shape[axis].value
    return list(make_op_outputs("Unpack", (value,), {"axis": int(axis), "num": int(num)}, name))


def make_op_outputs(op_type, inputs, attrs, name):
    from flowkit.ops.core import make_op
    return make_op(op_type, inputs, attrs, name).outputs


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """A tensor of zeros with the shape (and dtype) of ``tensor``."""
    tensor = convert_to_tensor(tensor)
    out = make_tensor("ZerosLike", (tensor,), None, name or "zeros_like")
    return out if dtype is None else cast(out, dtype)


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """A tensor of ones with the shape (and dtype) of ``tensor``."""
    tensor = convert_to_tensor(tensor)
    out = make_tensor("OnesLike", (tensor,), None, name or "ones_like")
    return out if dtype is None else cast(out, dtype)


_ = as_shape
