"""``tf.TensorArray``: a list of tensors that a loop fills one step at a time.

As in TF1, a ``TensorArray`` is a Python object around a scalar ``float32`` *flow* tensor;
each ``write`` returns a new ``TensorArray`` on a new flow, and a loop carries the flow as a
loop variable. The flow's value at run time is the array itself (a
:class:`~flowkit.rnn.runtime.TAValue`: the written elements by index), so the ops are plain
functions of values and ``tf.gradients`` differentiates them with ordinary rules: the
gradient of a flow is a ``TensorArray`` of gradients. Writing returns a new value (earlier
flows are not changed), except that with ``clear_after_read`` a read forgets its element.

Op types (TF1's names): ``TensorArrayV3`` (a new array of ``size`` elements),
``TensorArrayWriteV3``, ``TensorArrayReadV3``, ``TensorArrayGatherV3`` (``stack`` without
indices), ``TensorArrayScatterV3`` (``unstack`` without indices), ``TensorArraySizeV3``, and
the gradient helpers ``TensorArrayGradRead``/``TensorArrayGradGather`` (an element or rows of
a gradient array, zeros where nothing was written) and ``TensorArrayGradWrite``/
``TensorArrayGradScatter`` (a gradient array holding one element or rows).
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import constant_value, convert_to_tensor, make_op, make_tensor, op_scope
from flowkit.ops.join_ops import concat as _concat
from flowkit.ops.shape_ops import reshape, shape as _shape
from flowkit.rnn import plugin

PLUGIN = "flowkit.rnn"
_FLOW = (dtypes.float32, TensorShape([]))


def _flow_shape(inputs, attrs):
    return [_FLOW]


def _elem(attrs):
    return attrs["element_shape"]


def _read_shape(inputs, attrs):
    return [(attrs["dtype"], _elem(attrs))]


def _gather_shape(inputs, attrs):
    n = None
    if len(inputs) > 1:
        n = inputs[1].shape.as_tuple()[0] if inputs[1].shape.ndims == 1 else None
    elif attrs.get("size") is not None:
        n = attrs["size"]
    e = _elem(attrs)
    return [(attrs["dtype"], TensorShape([n]).concatenate(e) if e.ndims is not None else
             TensorShape(None))]


def _size_shape(inputs, attrs):
    return [(dtypes.int32, TensorShape([]))]


def _like_shape(inputs, attrs):
    like = inputs[2]
    return [(like.dtype, like.shape)]


def _grad_gather_shape(inputs, attrs):
    like = inputs[1]
    return [(like.dtype, like.shape)]


def _write_grad(op, g):
    flow, index, value = op.inputs
    return [g, None, make_tensor("TensorArrayGradRead", [g, index, value], {})]


def _read_grad(op, g):
    flow, index = op.inputs
    return [make_tensor("TensorArrayGradWrite", [flow, index, g], {}), None]


def _gather_grad(op, g):
    rest = list(op.inputs[1:])
    return [make_tensor("TensorArrayGradScatter", [op.inputs[0], g] + rest, {})] + \
        [None] * len(rest)


def _scatter_grad(op, g):
    rest = list(op.inputs[2:])
    return [g, make_tensor("TensorArrayGradGather", [g, op.inputs[1]] + rest, {})] + \
        [None] * len(rest)


for _name, _rule, _grad, _view in [
        ("TensorArrayV3", _flow_shape, None, False),
        ("TensorArrayWriteV3", _flow_shape, _write_grad, False),
        ("TensorArrayReadV3", _read_shape, _read_grad, True),
        ("TensorArrayGatherV3", _gather_shape, _gather_grad, False),
        ("TensorArrayScatterV3", _flow_shape, _scatter_grad, False),
        ("TensorArraySizeV3", _size_shape, None, False),
        ("TensorArrayGradRead", _like_shape, None, True),
        ("TensorArrayGradWrite", _flow_shape, None, False),
        ("TensorArrayGradGather", _grad_gather_shape, None, False),
        ("TensorArrayGradScatter", _flow_shape, None, False)]:
    register_op(_name, shape=_rule, grad=_grad, required=False, plugin=PLUGIN, view=_view)


class TensorArray:
    """TF1's ``tf.TensorArray`` (see the module docstring).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.rnn import TensorArray
        >>> ta = TensorArray(tf.float32, size=3)
        >>> ta = ta.write(0, 1.0).write(1, 2.0).write(2, 3.0)
        >>> with tf.Session() as sess:
        ...     print(sess.run(ta.stack()))
        [1. 2. 3.]
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None,
                 tensor_array_name=None, handle=None, flow=None, infer_shape=True,
                 element_shape=None, colocate_with_first_write_call=True, name=None) -> None:
        plugin.ensure_registered()
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        self._clear_after_read = True if clear_after_read is None else bool(clear_after_read)
        self._infer_shape = infer_shape
        self._element_shape = TensorShape(element_shape)
        if flow is not None:
            self._flow = flow
            return
        if size is None:
            raise ValueError("Size must be provided if handle is not provided")
        with op_scope(name, "TensorArray", [size]) as scope:
            size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
            self._flow = make_tensor("TensorArrayV3", [size], self._attrs(), scope)

    def _attrs(self, **more):
        return dict({"dtype": self._dtype, "element_shape": self._element_shape,
                     "dynamic_size": self._dynamic_size,
                     "clear_after_read": self._clear_after_read}, **more)

    def _with_flow(self, flow) -> "TensorArray":
        ta = TensorArray.__new__(TensorArray)
        ta.__dict__.update(self.__dict__)
        ta._flow = flow
        return ta

    # -- properties -----------------------------------------------------------------------------
    @property
    def flow(self) -> Tensor:
        """The scalar float32 tensor that carries this array through loops and gradients."""
        return self._flow

    @property
    def handle(self) -> Tensor:
        return self._flow

    @property
    def dtype(self):
        return self._dtype

    @property
    def element_shape(self) -> TensorShape:
        return self._element_shape

    @property
    def dynamic_size(self) -> bool:
        return self._dynamic_size

    def _merge_shape(self, shape) -> None:
        if self._infer_shape:
            if not self._element_shape.is_compatible_with(shape):
                raise ValueError(f"Inconsistent shapes: saw {shape} but expected "
                                 f"{self._element_shape} (and infer_shape=True)")
            self._element_shape = self._element_shape.merge_with(shape)

    # -- operations -----------------------------------------------------------------------------
    def write(self, index, value, name=None) -> "TensorArray":
        """A new array: this one with ``value`` at ``index``."""
        with op_scope(name, "TensorArrayWrite", [self._flow, index, value]) as scope:
            value = convert_to_tensor(value, dtype=self._dtype, name="value")
            index = convert_to_tensor(index, dtype=dtypes.int32, name="index")
            self._merge_shape(value.shape)
            flow = make_tensor("TensorArrayWriteV3", [self._flow, index, value], {}, scope)
        return self._with_flow(flow)

    def read(self, index, name=None) -> Tensor:
        """The element at ``index``."""
        with op_scope(name, "TensorArrayRead", [self._flow, index]) as scope:
            index = convert_to_tensor(index, dtype=dtypes.int32, name="index")
            return make_tensor("TensorArrayReadV3", [self._flow, index], self._attrs(), scope)

    def stack(self, name=None) -> Tensor:
        """The elements stacked along a new first axis."""
        with op_scope(name, "TensorArrayStack", [self._flow]) as scope:
            return make_tensor("TensorArrayGatherV3", [self._flow],
                               self._attrs(size=self._static_size()), scope)

    def gather(self, indices, name=None) -> Tensor:
        """The elements at ``indices``, stacked."""
        with op_scope(name, "TensorArrayGather", [self._flow, indices]) as scope:
            indices = convert_to_tensor(indices, dtype=dtypes.int32, name="indices")
            return make_tensor("TensorArrayGatherV3", [self._flow, indices], self._attrs(),
                               scope)

    def unstack(self, value, name=None) -> "TensorArray":
        """A new array whose elements are the rows of ``value``."""
        with op_scope(name, "TensorArrayUnstack", [self._flow, value]) as scope:
            value = convert_to_tensor(value, dtype=self._dtype, name="value")
            if value.shape.ndims is not None and value.shape.ndims > 0:
                self._merge_shape(TensorShape(value.shape.as_tuple()[1:]))
            flow = make_tensor("TensorArrayScatterV3", [self._flow, value], {}, scope)
        return self._with_flow(flow)

    def scatter(self, indices, value, name=None) -> "TensorArray":
        """A new array with the rows of ``value`` at ``indices``."""
        with op_scope(name, "TensorArrayScatter", [self._flow, indices, value]) as scope:
            value = convert_to_tensor(value, dtype=self._dtype, name="value")
            indices = convert_to_tensor(indices, dtype=dtypes.int32, name="indices")
            if value.shape.ndims is not None and value.shape.ndims > 0:
                self._merge_shape(TensorShape(value.shape.as_tuple()[1:]))
            flow = make_tensor("TensorArrayScatterV3", [self._flow, value, indices], {},
                               scope)
        return self._with_flow(flow)

    def size(self, name=None) -> Tensor:
        """The number of elements (an ``int32`` scalar)."""
        return make_tensor("TensorArraySizeV3", [self._flow], {}, name or "TensorArraySize")

    def concat(self, name=None) -> Tensor:
        """The elements joined along their first axis (all elements the same shape here)."""
        s = self.stack(name)
        return reshape(s, _concat([[-1], _shape(s)[2:]], 0))

    def identity(self) -> "TensorArray":
        return self

    def close(self, name=None):
        return make_op("NoOp", [], {}, name or "TensorArrayClose")

    def _static_size(self):
        op = self._flow.op
        while op.type in ("TensorArrayWriteV3", "TensorArrayScatterV3"):
            op = op.inputs[0].op
        if op.type == "TensorArrayV3" and not op.attrs["dynamic_size"]:
            v = constant_value(op.inputs[0])
            return None if v is None else int(v)
        return None

    def __repr__(self) -> str:
        return f"<TensorArray {self._dtype.name} flow={self._flow.name}>"
