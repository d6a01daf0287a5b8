"""``tf.summary``: summary ops and the ``FileWriter`` that writes them for TensorBoard.

Needs the optional ``tensorboard`` package (``pip install "flowkit[tensorboard]"``) for its
protocol buffers and event-file records; ``import flowkit`` does not import it, and using a
summary without it raises an ``ImportError`` that says how to install it.

* ops: :func:`scalar`, :func:`histogram`, :func:`image`, :func:`audio`, :func:`text`,
  :func:`tensor_summary`, :func:`merge`, :func:`merge_all` (see
  :mod:`flowkit.summary.summary_ops`); running one gives a serialized ``Summary`` (bytes);
* :class:`FileWriter`, :class:`FileWriterCache` (:mod:`flowkit.summary.writer`);
* the protocol-buffer classes ``tf.summary.Summary``, ``Event``, ``SessionLog``,
  ``SummaryMetadata``, ``HistogramProto``... (from ``tensorboard``, on first use);
* :func:`graph_to_graph_def` (``Graph.as_graph_def()``) and :func:`write_graph`.

Importing this package also gives ``flowkit.train``'s hooks (which sit below it) its
``FileWriterCache`` and ``merge_all``, for ``SummarySaverHook`` and
``MonitoredTrainingSession(save_summaries_steps=...)``.
"""
from flowkit.framework.graph_def import (PROTO_CLASSES, graph_to_graph_def,  # noqa: F401
                                         proto_class, write_graph)
from flowkit.summary.summary_ops import (audio, histogram, image, merge,  # noqa: F401
                                         merge_all, scalar, tensor_summary, text)
from flowkit.summary.writer import FileWriter, FileWriterCache  # noqa: F401
from flowkit.train import hooks as _hooks

_hooks.register_summary_support(writer_cache=FileWriterCache, merge_all=merge_all)

__all__ = ["scalar", "histogram", "image", "audio", "text", "tensor_summary", "merge",
           "merge_all", "FileWriter", "FileWriterCache", "graph_to_graph_def", "write_graph"]


def __getattr__(name):
    if name in PROTO_CLASSES:
        return proto_class(name)
    raise AttributeError(f"module 'flowkit.summary' has no attribute '{name}'")
