"""The summary ops (``tf.summary.scalar``, ``histogram``, ``image``, ``audio``, ``text``,
``tensor_summary``, ``merge``, ``merge_all``) and the op plugin that contributes them.

Each builder is TF1's: the op is named after its name scope (``loss``, ``train/loss``; a second
``loss`` is ``loss_1``), its tag is that scope (with ``family``, ``family/<scope>``), the tag
is a string constant input (``loss/tags``, ``loss/tag``) and the op joins the ``SUMMARIES``
collection (or ``collections=``). Running it gives the serialized ``Summary`` protocol buffer
as ``bytes``, which ``FileWriter.add_summary`` takes. A summary op that is not fetched costs
nothing: the session prunes it away like any other op.

The op types are contributed by this module as an op plugin (``flowkit_register_ops``: shape
rule, no gradient, a kernel per backend), the same way a third-party op is; the builders
register the plugin on first use when the plugin manager does not have it yet.

Example (TF1's pattern)::

    loss_summary = tf.summary.scalar("loss", loss)
    tf.summary.histogram("weights", W)
    merged = tf.summary.merge_all()                  # op 'Merge/MergeSummary'
    writer = tf.summary.FileWriter(logdir, sess.graph)
    data, _ = sess.run([merged, train_op], feed)     # data: bytes, a serialized Summary
    writer.add_summary(data, step)
"""
from __future__ import annotations

import re
import sys
import warnings

import numpy as np

from flowkit import plugins
from flowkit.framework import dtypes, registry
from flowkit.framework.graph import GraphKeys, add_to_collection, get_collection
from flowkit.framework.graph_def import require_tensorboard
from flowkit.framework.tensor_shape import TensorShape
from flowkit.plugins import OpSpec, convert_to_tensor, hookimpl, make_tensor, op_scope
from flowkit.summary import summary_kernels as K

__all__ = ["scalar", "histogram", "image", "audio", "text", "tensor_summary", "merge",
           "merge_all"]

PLUGIN_NAME = "flowkit.summary"
_INVALID_TAG_CHARACTERS = re.compile(r"[^-/\w\.]")
_STRING_SCALAR = [(dtypes.string, TensorShape([]))]


# -- the op plugin: shape rules, kernels -------------------------------------------------------
def _scalar_shape(inputs, attrs):
    tags, values = inputs
    if not (values.dtype.is_floating or values.dtype.is_integer or values.dtype is dtypes.bool):
        raise TypeError(f"ScalarSummary needs a real number tensor, got {values.dtype.name}")
    if tags.shape.ndims is not None and values.shape.ndims is not None and \
            not tags.shape.is_compatible_with(values.shape):
        raise ValueError(f"tags and values are not the same shape: {tags.shape} != "
                         f"{values.shape}")
    return _STRING_SCALAR


def _numeric_shape(kind, ranks=None):
    def shape(inputs, attrs):
        x = inputs[1]
        if x.dtype is dtypes.string:
            raise TypeError(f"{kind} needs a numeric tensor, got {x.dtype.name}")
        if ranks and x.shape.ndims is not None and x.shape.ndims not in ranks:
            raise ValueError(f"{kind} needs a tensor of rank {' or '.join(map(str, ranks))}, "
                             f"got shape {x.shape}")
        if kind == "ImageSummary" and x.shape.ndims == 4 and x.shape.as_tuple()[-1] not in \
                (None, 1, 3, 4):
            raise ValueError(f"Tensor must be 4-D with last dim 1, 3, or 4, not {x.shape}")
        return _STRING_SCALAR
    return shape


def _strings_shape(inputs, attrs):
    for t in inputs:
        if t.dtype is not dtypes.string:
            raise TypeError(f"MergeSummary needs string (serialized Summary) inputs, got "
                            f"{t.dtype.name} from '{t.name}'")
    return _STRING_SCALAR


def _out(data: bytes):
    return np.array(data, dtype=object)


def _np(x):
    return x.detach().cpu().numpy() if hasattr(x, "detach") else np.asarray(x)


def _kernel(fn, attr_names=()):
    """The NumPy kernel and the torch kernel (inputs moved to NumPy first) of ``fn``."""
    def numpy_kernel(attrs, *xs):
        protos = require_tensorboard("Running a summary op")
        return _out(fn(protos, *xs, *(attrs[a] for a in attr_names)))

    def torch_kernel(attrs, *xs):
        return numpy_kernel(attrs, *(_np(x) for x in xs))
    return {"numpy": numpy_kernel, "torch": torch_kernel}


_SPECS = [
    ("ScalarSummary", _scalar_shape, K.scalar, ()),
    ("HistogramSummary", _numeric_shape("HistogramSummary"), K.histogram, ()),
    ("ImageSummary", _numeric_shape("ImageSummary", (4,)), K.image,
     ("max_images", "bad_color")),
    ("AudioSummaryV2", _numeric_shape("AudioSummaryV2", (2, 3)), K.audio, ("max_outputs",)),
    ("TensorSummaryV2", lambda inputs, attrs: _STRING_SCALAR, K.tensor, ()),
    ("MergeSummary", _strings_shape, K.merge, ()),
]
OP_TYPES = tuple(s[0] for s in _SPECS)


@hookimpl
def flowkit_register_ops():
    return [OpSpec(type=t, shape=shape, grad=None, kernels=_kernel(fn, attrs))
            for t, shape, fn, attrs in _SPECS]


def ensure_registered() -> None:
    """Registers this module as an op plugin, unless the plugin manager already has it."""
    pm = plugins.get_plugin_manager()
    this = _this_module()
    if pm.is_registered(this):
        return
    for t in OP_TYPES:    # left by an earlier plugin manager (plugins.load() was called again)
        if registry.has_op(t) and registry.get_op_def(t).plugin == PLUGIN_NAME:
            registry.unregister_op(t)
    plugins.register_plugin(this, name=PLUGIN_NAME)


def _this_module():
    return sys.modules[__name__]


# -- builders ------------------------------------------------------------------------------------
def _clean_tag(name):
    if name is None:
        return None
    new = _INVALID_TAG_CHARACTERS.sub("_", name).lstrip("/")
    if new != name:
        warnings.warn(f"Summary name {name} is illegal; using {new} instead.", stacklevel=4)
    return new


class _SummaryScope:
    """TF1's ``summary_scope``: the name scope ``family/name`` and the tag."""

    def __init__(self, name, family, values):
        self.name, self.family = _clean_tag(name), _clean_tag(family)
        self.values = values

    def __enter__(self):
        ensure_registered()
        require_tensorboard("tf.summary")
        base = self.name if self.family is None else f"{self.family}/{self.name}"
        self._cm = op_scope(base, None, self.values)
        scope = self._cm.__enter__()
        tag = scope.rstrip("/")
        return (tag if self.family is None else f"{self.family}/{tag}"), scope

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def _collect(val, collections, default):
    for key in (default if collections is None else collections):
        add_to_collection(key, val)


def _tag_const(tag, name):
    return convert_to_tensor(tag, dtype=dtypes.string, name=name)


def scalar(name, tensor, collections=None, family=None):
    """A summary of one real number: the op's value is a serialized ``Summary``."""
    with _SummaryScope(name, family, [tensor]) as (tag, scope):
        tags = _tag_const(tag, "tags")
        x = convert_to_tensor(tensor, name="values")
        val = make_tensor("ScalarSummary", (tags, x), {"T": x.dtype}, scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def histogram(name, values, collections=None, family=None):
    """A histogram of all the values of ``values`` (TensorBoard's histograms and
    distributions dashboards)."""
    with _SummaryScope(name, family, [values]) as (tag, scope):
        t = _tag_const(tag, "tag")
        x = convert_to_tensor(values, name="values")
        val = make_tensor("HistogramSummary", (t, x), {"T": x.dtype}, scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def image(name, tensor, max_outputs=3, collections=None, family=None):
    """Up to ``max_outputs`` images of a ``[batch, height, width, channels]`` tensor
    (channels 1, 3 or 4; ``uint8`` as is, floats scaled into [0, 255])."""
    with _SummaryScope(name, family, [tensor]) as (tag, scope):
        t = _tag_const(tag, "tag")
        x = convert_to_tensor(tensor, name="tensor")
        if x.dtype not in (dtypes.uint8, dtypes.float16, dtypes.float32, dtypes.float64):
            raise TypeError(f"tf.summary.image needs a uint8 or float tensor, got "
                            f"{x.dtype.name} from '{x.name}'")
        val = make_tensor("ImageSummary", (t, x),
                          {"max_images": int(max_outputs), "T": x.dtype,
                           "bad_color": np.array([255, 0, 0, 255], np.uint8)}, scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def audio(name, tensor, sample_rate, max_outputs=3, collections=None, family=None):
    """Up to ``max_outputs`` clips of a ``[batch, frames]`` or ``[batch, frames, channels]``
    float tensor with values in [-1, 1], at ``sample_rate`` Hz, as WAV files."""
    with _SummaryScope(name, family, [tensor]) as (tag, scope):
        rate = convert_to_tensor(sample_rate, dtype=dtypes.float32, name="sample_rate")
        t = _tag_const(tag, "tag")
        x = convert_to_tensor(tensor, dtype=dtypes.float32, name="tensor")
        val = make_tensor("AudioSummaryV2", (t, x, rate), {"max_outputs": int(max_outputs)},
                          scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def tensor_summary(name, tensor, summary_description=None, collections=None,
                   summary_metadata=None, family=None, display_name=None):
    """A summary holding the whole tensor (TF1's ``tf.summary.tensor_summary``)."""
    protos = require_tensorboard("tf.summary.tensor_summary")
    meta = protos.summary_pb2.SummaryMetadata()
    if summary_metadata is not None:
        meta.CopyFrom(summary_metadata)
    if summary_description is not None:
        meta.summary_description = summary_description
    if display_name is not None:
        meta.display_name = display_name
    with _SummaryScope(name, family, [tensor]) as (tag, scope):
        t = _tag_const(tag, "tag")
        x = convert_to_tensor(tensor, name="tensor")
        m = convert_to_tensor(np.array(meta.SerializeToString(), dtype=object),
                              dtype=dtypes.string, name="serialized_summary_metadata")
        val = make_tensor("TensorSummaryV2", (t, x, m), {"T": x.dtype}, scope)
        _collect(val, collections, [GraphKeys.SUMMARIES])
    return val


def text(name, tensor, collections=None):
    """A string tensor shown in TensorBoard's text dashboard (markdown)."""
    x = convert_to_tensor(tensor)
    if x.dtype is not dtypes.string:
        raise ValueError(f"Expected tensor {x.name} to have dtype string, got {x.dtype.name}")
    protos = require_tensorboard("tf.summary.text")
    meta = protos.summary_pb2.SummaryMetadata(
        plugin_data=protos.summary_pb2.SummaryMetadata.PluginData(plugin_name="text"))
    return tensor_summary(name, x, summary_metadata=meta, collections=collections)


def merge(inputs, collections=None, name=None):
    """One summary with the values of all of ``inputs`` (op ``Merge/MergeSummary``)."""
    inputs = list(inputs)
    with op_scope(name, "Merge", inputs):
        ensure_registered()
        require_tensorboard("tf.summary.merge")
        xs = [convert_to_tensor(x) for x in inputs]
        val = make_tensor("MergeSummary", xs, {"N": len(xs)}, name or "MergeSummary")
        _collect(val, collections, [])
    return val


def merge_all(key=GraphKeys.SUMMARIES, scope=None, name=None):
    """The merge of every summary in collection ``key`` (``None`` when there is none)."""
    ops = get_collection(key, scope=scope)
    return merge(ops, name=name) if ops else None
