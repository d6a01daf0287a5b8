"""``tf.data``: TF1's input pipelines (``Dataset``, ``Iterator``), run by the session.

A :class:`Dataset` describes a pipeline when the graph is built; an iterator turns it into
graph ops (``OneShotIterator`` / ``IteratorV2``, ``MakeIterator``, ``IteratorGetNext``) whose
kernels come from the op plugin :mod:`flowkit.data.plugin`, for the NumPy and the torch
backends. ``get_next()`` gives tensors usable anywhere in the graph; each ``sess.run`` that
needs them advances the iterator once, and past the end ``sess.run`` raises
``tf.errors.OutOfRangeError``, as TF1 does.

Design, and where flowkit differs from TF1:

* **State lives in the session.** The running pipeline is the state of the iterator's handle
  op in the session (ops registered with ``needs_state``), so two sessions on one graph
  iterate independently, and closing a session drops its pipelines.
* **Data stays on the backend.** Components are the backend's native arrays from the source
  to the fetch: on the torch backend, slices, batches and map functions work on torch tensors
  on the session's device (strings stay NumPy object arrays, as in the rest of the torch
  backend). ``from_generator`` values are converted once, where they enter.
* **Functions are traced once, into the same graph.** ``map`` and ``filter`` call the Python
  function once, on placeholders standing for an element; the ops it creates are the
  function's body and older tensors it uses are captured (the iterator takes them as inputs,
  so the session computes them when the iterator is initialized: a captured variable is read
  then, not at every element). Per element, the body runs as a nested plan
  (:mod:`flowkit.data.functions`). Unlike TF's separate function graph, the body's ops are
  visible in the graph.
* **Shuffle order.** ``shuffle`` uses TF's algorithm (a buffer of ``buffer_size`` elements,
  a random one out, the next input in its place) with NumPy's generator seeded by the op's
  ``(graph seed, op seed)`` pair and the pass number: the order is reproducible with seeds and
  the same on every backend, but it is not TF's order (TF draws with Philox), only the same
  multiset. Without any seed it differs per run. With ``reshuffle_each_iteration`` (the
  default) each pass -- each ``repeat`` epoch and each re-initialization in a session -- has a
  new order; without it every pass has the first pass's order.
* ``prefetch`` is accepted and does nothing (the pipeline runs inside ``sess.run``);
  ``num_parallel_calls`` of ``map`` is accepted, elements are mapped one by one, in order;
  ``cache(filename)`` caches in memory, per initialization, also when a file name is given.
* Files: ``TextLineDataset`` and ``FixedLengthRecordDataset`` read local files
  (:mod:`flowkit.data.readers`); ``tf.data.Options`` are accepted and change nothing
  (:mod:`flowkit.data.options`); ``cardinality()`` is computed when the graph is built;
  ``tf.data.experimental`` has the transformations TF1 programs used
  (:mod:`flowkit.data.experimental`).

Example:
    >>> import flowkit as tf
    >>> from flowkit import data
    >>> from flowkit.data import plugin
    >>> _ = plugin.ensure_registered()      # done by flowkit's plugin loading once wired
    >>> ds = data.Dataset.from_tensor_slices(([1, 2, 3, 4, 5], [10, 20, 30, 40, 50]))
    >>> ds = ds.map(lambda x, y: x + y).batch(2)
    >>> nxt = ds.make_one_shot_iterator().get_next()
    >>> with tf.Session() as sess:
    ...     try:
    ...         while True:
    ...             print(sess.run(nxt))
    ...     except tf.errors.OutOfRangeError:
    ...         print("end of data")
    [11 22]
    [33 44]
    [55]
    end of data
"""
from __future__ import annotations

from flowkit.data import experimental
from flowkit.data.dataset_ops import INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset
from flowkit.data.iterator_ops import (Iterator, get_output_classes, get_output_shapes,
                                       get_output_types, make_initializable_iterator,
                                       make_one_shot_iterator)
from flowkit.data.options import AUTOTUNE, Options, ThreadingOptions
from flowkit.data.readers import FixedLengthRecordDataset, TextLineDataset
from flowkit import renames as _renames

__all__ = ["Dataset", "Iterator", "make_one_shot_iterator", "make_initializable_iterator",
           "get_output_types", "get_output_shapes", "get_output_classes", "TextLineDataset",
           "FixedLengthRecordDataset", "Options", "ThreadingOptions", "AUTOTUNE",
           "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "experimental"]


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.data", "data", name, __all__ + list(globals()))
