"""A graph as TF1's ``GraphDef``: what ``Graph.as_graph_def()`` returns and TensorBoard draws.

The graph is first described as plain data (:func:`graph_nodes`: one dict per op with its
name, op type, inputs -- control inputs as ``^name`` -- device and attributes), which needs
nothing but flowkit. :func:`graph_to_graph_def` then builds the protocol buffer with the
``tensorboard`` package's own ``GraphDef`` class (an optional dependency, imported only when
a protocol buffer is asked for; ``import flowkit`` never imports it).

Attributes become ``AttrValue``s as TF1 writes them: dtypes as ``type``, static shapes as
``shape`` (unknown dims ``-1``), constants' values as ``TensorProto``s, numbers, booleans and
strings as ``i``/``f``/``b``/``s`` and lists of them as ``list``. An op with inputs but no
``T`` attribute gets ``T``, the dtype of its first input, as most of TF1's ops carry it;
``add_shapes=True`` adds ``_output_shapes`` (TensorBoard shows them on the edges). Attributes
that are not data (``None``, objects, a name starting with ``_``) are left out.

Example:
    >>> import flowkit as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.placeholder(tf.float32, [None, 2], name="x")
    ...     with tf.name_scope("layer"):
    ...         y = tf.identity(x * 2.0, name="y")
    >>> [(n["name"], n["op"], n["input"]) for n in graph_nodes(g)]
    [('x', 'Placeholder', []), ('layer/mul/y', 'Const', []),
     ('layer/mul', 'Mul', ['x', 'layer/mul/y']), ('layer/y', 'Identity', ['layer/mul'])]
"""
from __future__ import annotations

import os

import numpy as np

from flowkit.framework.dtypes import DType
from flowkit.framework.tensor_shape import TensorShape

__all__ = ["graph_nodes", "graph_to_graph_def", "write_graph", "require_tensorboard",
           "make_tensor_proto", "proto_class", "PROTO_CLASSES", "DATATYPE_ENUM",
           "TENSORBOARD_HINT"]

#: How to install what the protocol buffers and event files need.
TENSORBOARD_HINT = ('Install it with `pip install "flowkit[tensorboard]"` (or '
                    '`pip install tensorboard`).')

#: flowkit dtype name -> TF's ``DataType`` enum value (``types.proto``).
DATATYPE_ENUM = {"float32": 1, "float64": 2, "int32": 3, "uint8": 4, "int16": 5, "int8": 6,
                 "string": 7, "int64": 9, "bool": 10, "float16": 19}


_PROTOS = []


def require_tensorboard(what: str):
    """The ``tensorboard`` package's protocol-buffer modules, as a namespace with
    ``graph_pb2``, ``node_def_pb2``, ``attr_value_pb2``, ``tensor_pb2``, ``summary_pb2``,
    ``event_pb2``, ``config_pb2`` and ``step_stats_pb2``; an ``ImportError`` that says how to
    install it when it is missing. ``what`` names what needed it."""
    if _PROTOS:
        return _PROTOS[0]
    try:
        from tensorboard.compat.proto import (attr_value_pb2, config_pb2, event_pb2, graph_pb2,
                                              node_def_pb2, step_stats_pb2, summary_pb2,
                                              tensor_pb2, tensor_shape_pb2)
    except ImportError as e:
        raise ImportError(f"{what} needs the `tensorboard` package (TensorBoard's protocol "
                          f"buffers and event files), which is not installed. "
                          f"{TENSORBOARD_HINT}") from e

    class Protos:
        pass

    for m in (attr_value_pb2, config_pb2, event_pb2, graph_pb2, node_def_pb2, step_stats_pb2,
              summary_pb2, tensor_pb2, tensor_shape_pb2):
        setattr(Protos, m.__name__.rsplit(".", 1)[1], m)
    _PROTOS.append(Protos)
    return Protos


#: TF1's protocol-buffer classes (``tf.Summary``, ``tf.RunOptions``...) -> their module.
PROTO_CLASSES = {
    "Summary": "summary_pb2", "SummaryMetadata": "summary_pb2", "HistogramProto": "summary_pb2",
    "SummaryDescription": "summary_pb2", "Event": "event_pb2", "SessionLog": "event_pb2",
    "TaggedRunMetadata": "event_pb2", "GraphDef": "graph_pb2", "NodeDef": "node_def_pb2",
    "AttrValue": "attr_value_pb2", "TensorProto": "tensor_pb2", "RunOptions": "config_pb2",
    "RunMetadata": "config_pb2",
}


def proto_class(name: str):
    """The protocol-buffer class ``name`` of :data:`PROTO_CLASSES` (e.g. ``"Summary"``),
    from the ``tensorboard`` package."""
    return getattr(getattr(require_tensorboard(f"tf.{name}"), PROTO_CLASSES[name]), name)


# -- plain data --------------------------------------------------------------------------------
def _input_name(t) -> str:
    return t.op.name if t.value_index == 0 else f"{t.op.name}:{t.value_index}"


#: Op types with inputs whose TF1 definitions have no ``T`` attribute.
_NO_T_ATTR = {"Cast", "MergeSummary", "AudioSummaryV2"}


def graph_nodes(graph, add_shapes: bool = False) -> list:
    """The graph's ops as plain dicts ``{"name", "op", "input", "device", "attr"}``, in the
    order they were created; ``attr`` maps names to Python values (``DType``,
    ``TensorShape``, ``ndarray``, numbers, strings, lists of those)."""
    nodes = []
    for op in graph.get_operations():
        attrs = {k: v for k, v in op.attrs.items() if not k.startswith("_") and _is_data(v)}
        if op.inputs and "T" not in attrs and op.type not in _NO_T_ATTR:
            attrs["T"] = op.inputs[0].dtype
        if add_shapes:
            attrs["_output_shapes"] = [t.shape for t in op.outputs]
        nodes.append({"name": op.name, "op": op.type,
                      "input": [_input_name(t) for t in op.inputs] +
                               [f"^{c.name}" for c in op.control_inputs],
                      "device": op.device or "", "attr": attrs})
    return nodes


def _is_data(v) -> bool:
    if isinstance(v, (bool, int, float, str, bytes, DType, TensorShape, np.ndarray, np.generic)):
        return not (isinstance(v, np.ndarray) and v.dtype.kind == "O" and
                    not all(isinstance(s, (str, bytes)) for s in v.flat))
    if isinstance(v, (list, tuple)):
        return all(_is_data(x) and not isinstance(x, (list, tuple, np.ndarray)) for x in v)
    return False


# -- protocol buffers ----------------------------------------------------------------------------
def _dtype_enum(dtype) -> int:
    return DATATYPE_ENUM[dtype.name if isinstance(dtype, DType) else str(dtype)]


def _shape_proto(shape, proto) -> None:
    dims = shape.as_tuple() if isinstance(shape, TensorShape) else tuple(shape)
    if dims is None:
        proto.unknown_rank = True
        return
    for d in dims:
        proto.dim.add(size=-1 if d is None else int(d))


_VAL_FIELD = {"float32": "float_val", "float64": "double_val", "int32": "int_val",
              "int16": "int_val", "int8": "int_val", "uint8": "int_val", "int64": "int64_val",
              "bool": "bool_val", "float16": "half_val", "string": "string_val"}
_NP_NAME = {"float32": "float32", "float64": "float64", "int32": "int32", "int16": "int16",
            "int8": "int8", "uint8": "uint8", "int64": "int64", "bool": "bool",
            "float16": "float16"}


def make_tensor_proto(value, protos, tensor_content=None):
    """A ``TensorProto`` holding ``value`` (an array, or strings), as TF1 writes one: strings
    in ``string_val``; numbers in ``tensor_content`` (raw little-endian bytes) when
    ``tensor_content`` is true, or by default when there is more than one element, else in
    the typed ``*_val`` field."""
    arr = np.asarray(value)
    if arr.dtype.kind in "OUS":
        name = "string"
    else:
        name = {np.dtype(v): k for k, v in _NP_NAME.items()}.get(arr.dtype)
        if name is None:
            raise TypeError(f"Cannot describe a {arr.dtype} array as a TensorProto")
    proto = protos.tensor_pb2.TensorProto(dtype=DATATYPE_ENUM[name])
    proto.tensor_shape.SetInParent()
    _shape_proto(arr.shape, proto.tensor_shape)
    if name == "string":
        proto.string_val.extend(s if isinstance(s, bytes) else str(s).encode("utf-8")
                                for s in arr.reshape(-1))
        return proto
    if tensor_content if tensor_content is not None else arr.size > 1:
        proto.tensor_content = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<"),
                                                                copy=False).tobytes()
    elif name == "float16":
        proto.half_val.extend(int(b) for b in arr.reshape(-1).view(np.uint16))
    else:
        getattr(proto, _VAL_FIELD[name]).extend(arr.reshape(-1).tolist())
    return proto


def _set_attr(av, v, protos) -> None:
    if isinstance(v, DType):
        av.type = _dtype_enum(v)
    elif isinstance(v, TensorShape):
        av.shape.SetInParent()
        _shape_proto(v, av.shape)
    elif isinstance(v, np.ndarray):
        av.tensor.CopyFrom(make_tensor_proto(v, protos))
    elif isinstance(v, (bool, np.bool_)):
        av.b = bool(v)
    elif isinstance(v, (int, np.integer)):
        av.i = int(v)
    elif isinstance(v, (float, np.floating)):
        av.f = float(v)
    elif isinstance(v, (str, bytes)):
        av.s = v if isinstance(v, bytes) else v.encode("utf-8")
    else:   # a list (checked by _is_data)
        av.list.SetInParent()
        for x in v:
            if isinstance(x, DType):
                av.list.type.append(_dtype_enum(x))
            elif isinstance(x, TensorShape):
                _shape_proto(x, av.list.shape.add())
            elif isinstance(x, (bool, np.bool_)):
                av.list.b.append(bool(x))
            elif isinstance(x, (int, np.integer)):
                av.list.i.append(int(x))
            elif isinstance(x, (float, np.floating)):
                av.list.f.append(float(x))
            else:
                av.list.s.append(x if isinstance(x, bytes) else str(x).encode("utf-8"))


def graph_to_graph_def(graph, add_shapes: bool = False):
    """The graph as a ``GraphDef`` protocol buffer (the ``tensorboard`` package's class).

    Raises:
        ImportError: ``tensorboard`` is not installed (the message says how to install it).
    """
    protos = require_tensorboard("Graph.as_graph_def()")
    gd = protos.graph_pb2.GraphDef()
    for node in graph_nodes(graph, add_shapes):
        nd = gd.node.add(name=node["name"], op=node["op"], device=node["device"])
        nd.input.extend(node["input"])
        for key in sorted(node["attr"]):
            _set_attr(nd.attr[key], node["attr"][key], protos)
    return gd


def write_graph(graph_or_graph_def, logdir, name, as_text=True) -> str:
    """Writes a graph (a ``Graph`` or a ``GraphDef``) to ``logdir/name`` as a text or binary
    ``GraphDef`` (TF1's ``tf.train.write_graph`` / ``tf.io.write_graph``) and returns the
    file's path. The folder is created when missing.

    Raises:
        ImportError: ``tensorboard`` is not installed (the message says how to install it).

    Example (needs the ``tensorboard`` package, so it is skipped without it):

    >>> import pytest; _ = pytest.importorskip("tensorboard")
    >>> import os, tempfile
    >>> x = tf.placeholder(tf.float32, [None, 2], name="x")
    >>> y = tf.identity(x * 2.0, name="y")
    >>> folder = os.path.join(tempfile.mkdtemp(), "graphs")
    >>> path = tf.train.write_graph(tf.get_default_graph(), folder, "graph.pbtxt")
    >>> _ = tf.train.write_graph(tf.get_default_graph().as_graph_def(), folder, "graph.pb",
    ...                          as_text=False)
    >>> sorted(os.listdir(folder))
    ['graph.pb', 'graph.pbtxt']
    >>> with open(path) as f:
    ...     [line.split('"')[1] for line in f if line.startswith("  name: ")]
    ['x', 'mul/y', 'mul', 'y']
    """
    gd = graph_or_graph_def
    if hasattr(gd, "get_operations"):
        gd = graph_to_graph_def(gd)
    protos = require_tensorboard("write_graph")
    if not isinstance(gd, protos.graph_pb2.GraphDef):
        raise TypeError(f"write_graph needs a tf.Graph or a GraphDef, got "
                        f"{type(graph_or_graph_def).__name__}")
    os.makedirs(logdir, exist_ok=True)
    path = os.path.join(os.fspath(logdir), name)
    if as_text:
        from google.protobuf import text_format   # installed with tensorboard
        data = text_format.MessageToString(gd).encode("utf-8")
    else:
        data = gd.SerializeToString(deterministic=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return path
