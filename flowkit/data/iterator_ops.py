"""``tf.data.Iterator`` and the iterator ops, declared here (their kernels come from the
``flowkit.data.plugin`` op plugin).

The ops, with TF1's type names:

========================  ==========================================================
``IteratorV2``            the iterator's handle (an initializable or structure iterator)
``OneShotIterator``       a handle that starts its pipeline on first use (inputs: the
                          dataset's captured tensors)
``MakeIterator``          the ``initializer``: (re)starts the pipeline of a dataset
                          (inputs: the handle, the dataset's captured tensors)
``IteratorGetNext``       the next element, one output per component;
                          ``OutOfRangeError`` at the end
``IteratorToStringHandle`` / ``IteratorFromStringHandleV2``  feedable iterators
========================  ==========================================================

The pipeline's state is the state of the handle op in the session
(``needs_state``), so two sessions iterate independently. A handle is a scalar ``tf.string``
tensor whose value is that state (TF uses a ``resource`` dtype). The Python side of a dataset
(its functions, a generator) cannot be stored as op attributes, so an op's attrs hold a
number, ``binding``, that finds it in this process; the graph keeps the binding alive.
Exporting such a graph works, but a graph imported in another process cannot run its
iterators: rebuild the input pipeline in code there.
"""
from __future__ import annotations

import itertools
import weakref

from flowkit.data import structure as nest
from flowkit.data.functions import check_traceable
from flowkit.framework import dtypes, errors
from flowkit.framework.graph import Tensor, get_default_graph
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import convert_to_tensor, make_op, op_scope

PLUGIN = "flowkit.data"
_tokens = itertools.count(1)
_BINDINGS: "weakref.WeakValueDictionary[int, Binding]" = weakref.WeakValueDictionary()


class Binding:
    """What an iterator op's ``binding`` attr stands for: the op, and for ops that start a
    pipeline, the dataset and the tensors it captures (the op's inputs after the handle)."""

    def __init__(self, graph, dataset=None, captures=()) -> None:
        self.token = next(_tokens)
        self.dataset, self.captures, self.graph = dataset, list(captures), graph
        self._op = None
        _BINDINGS[self.token] = self
        graph.__dict__.setdefault("_flowkit_data_bindings", []).append(self)

    @property
    def op(self):
        return None if self._op is None else self._op()

    def attach(self, op) -> None:
        self._op = weakref.ref(op)


def binding(attrs) -> Binding:
    """The binding of an op from its attrs (raises when its graph came from elsewhere)."""
    b = _BINDINGS.get(attrs.get("binding"))
    if b is None:
        raise errors.FailedPreconditionError(
            None, None, "This iterator op's input pipeline is not known in this process: a "
            "tf.data pipeline is Python code and is not stored with the graph. Rebuild the "
            "pipeline (and its iterator) in code.")
    return b


# -- shape rules ---------------------------------------------------------------------------------
def _handle_shape(inputs, attrs):
    return [(dtypes.string, TensorShape([]))]


def _no_outputs(inputs, attrs):
    return []


def _get_next_shape(inputs, attrs):
    return list(zip(attrs["output_types"], attrs["output_shapes"]))


register_op("IteratorV2", shape=_handle_shape, grad=None, required=False, plugin=PLUGIN,
            needs_state=True, needs_rng=True)
register_op("OneShotIterator", shape=_handle_shape, grad=None, required=False, plugin=PLUGIN,
            needs_state=True, needs_rng=True)
register_op("MakeIterator", shape=_no_outputs, grad=None, required=False, plugin=PLUGIN,
            stateful=True)
register_op("IteratorGetNext", shape=_get_next_shape, grad=None, required=False,
            plugin=PLUGIN, stateful=True, list_output=True)
register_op("IteratorToStringHandle", shape=_handle_shape, grad=None, required=False,
            plugin=PLUGIN)
register_op("IteratorFromStringHandleV2", shape=_handle_shape, grad=None, required=False,
            plugin=PLUGIN, stateful=True)


def _type_attrs(specs) -> dict:
    flat = nest.flatten(specs)
    return {"output_types": tuple(s.dtype for s in flat),
            "output_shapes": tuple(s.shape for s in flat)}


def _bound_op(op_type, inputs, attrs, name, graph, dataset=None, captures=()):
    b = Binding(graph, dataset, captures)
    attrs = dict(attrs, binding=b.token)
    op = graph.create_op(op_type, list(inputs), attrs, name)
    b.attach(op)
    return op


# ==============================================================================================
class Iterator:
    """TF1's ``tf.data.Iterator``: made by a dataset's ``make_one_shot_iterator()`` /
    ``make_initializable_iterator()``, or by :meth:`from_structure` (one iterator, several
    datasets of one structure, each with its :meth:`make_initializer`)."""

    def __init__(self, handle: Tensor, specs, initializer=None) -> None:
        self._handle, self._specs, self._initializer = handle, specs, initializer

    # -- making iterators -----------------------------------------------------------------------
    @classmethod
    def _one_shot(cls, dataset):
        captures = dataset._all_tensors()
        check_traceable(captures, "Dataset.make_one_shot_iterator()")
        graph = _graph_of(captures)
        with graph.as_default():
            op = _bound_op("OneShotIterator", captures, _type_attrs(dataset._specs),
                           "OneShotIterator", graph, dataset, captures)
        return cls(op.outputs[0], dataset._specs)

    @classmethod
    def _initializable(cls, dataset, shared_name=None):
        captures = dataset._all_tensors()
        graph = _graph_of(captures)
        with graph.as_default():
            handle = graph.create_op("IteratorV2", [], dict(
                _type_attrs(dataset._specs), shared_name=shared_name or "", container=""),
                "Iterator").outputs[0]
            it = cls(handle, dataset._specs)
            it._initializer = it._make_initializer(dataset, "MakeIterator")
        return it

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None,
                       output_classes=None):
        """An iterator of elements of this structure, not bound to a dataset: run
        ``make_initializer(dataset)`` for any dataset of that structure."""
        specs = nest.specs_from(output_types, output_shapes)
        graph = get_default_graph()
        handle = graph.create_op("IteratorV2", [], dict(
            _type_attrs(specs), shared_name=shared_name or "", container=""),
            "Iterator").outputs[0]
        return Iterator(handle, specs)

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None,
                           output_classes=None):
        """An iterator that reads from the iterator whose ``string_handle()`` value is fed to
        ``string_handle`` (a scalar ``tf.string`` placeholder): a feedable iterator."""
        specs = nest.specs_from(output_types, output_shapes)
        with op_scope(None, "IteratorFromStringHandle", [string_handle]):
            h = convert_to_tensor(string_handle, dtype=dtypes.string)
            handle = make_op("IteratorFromStringHandleV2", [h], _type_attrs(specs),
                             "IteratorFromStringHandleV2").outputs[0]
        return Iterator(handle, specs)

    # -- using them ----------------------------------------------------------------------------
    @property
    def initializer(self):
        """The op that (re)starts the iterator (initializable iterators only)."""
        if self._initializer is None:
            raise ValueError("Iterator does not have an initializer.")
        return self._initializer

    def make_initializer(self, dataset, name=None):
        """An op that starts this iterator on ``dataset`` (same structure and types; shapes
        compatible)."""
        with self._handle.graph.as_default(), \
                self._handle.graph.name_scope(name or "make_initializer") as scope:
            return self._make_initializer(dataset, scope)

    def _make_initializer(self, dataset, name):
        want, got = self._specs, dataset._specs
        if not nest.same_structure(want, got):
            raise TypeError(f"Expected output types {nest.types_of(want)} but got dataset "
                            f"with output types {dataset.output_types}.")
        fw, fg = nest.flatten(want), nest.flatten(got)
        if [s.dtype for s in fw] != [s.dtype for s in fg]:
            raise TypeError(f"Expected output types {nest.types_of(want)} but got dataset "
                            f"with output types {dataset.output_types}.")
        if not all(a.shape.is_compatible_with(b.shape) for a, b in zip(fw, fg)):
            raise TypeError(f"Expected output shapes compatible with {nest.shapes_of(want)} "
                            f"but got dataset with output shapes {dataset.output_shapes}.")
        captures = dataset._all_tensors()
        return _bound_op("MakeIterator", [self._handle] + captures, {}, name,
                         self._handle.graph, dataset, captures)

    def get_next(self, name=None):
        """The next element, as tensors in the dataset's structure. Each ``sess.run`` of them
        advances the iterator once; past the end it raises ``tf.errors.OutOfRangeError``."""
        graph = self._handle.graph
        with graph.as_default():
            op = _bound_op("IteratorGetNext", [self._handle], _type_attrs(self._specs),
                           name or "IteratorGetNext", graph)
        return nest.pack(self._specs, op.outputs)

    def string_handle(self, name=None):
        """A scalar string tensor naming this iterator in the session, to feed to an iterator
        made by :meth:`from_string_handle`."""
        return make_op("IteratorToStringHandle", [self._handle], {},
                       name or "IteratorToStringHandle").outputs[0]

    @property
    def output_types(self):
        return nest.types_of(self._specs)

    @property
    def output_shapes(self):
        return nest.shapes_of(self._specs)

    @property
    def output_classes(self):
        return nest.map_structure(lambda s: Tensor, self._specs)

    def __repr__(self) -> str:
        return f"<Iterator shapes: {self.output_shapes}, types: {self.output_types}>"


def _graph_of(tensors):
    for t in tensors:
        return t.graph
    return get_default_graph()


def make_one_shot_iterator(dataset):
    """``dataset.make_one_shot_iterator()`` (TF1's ``tf.data.make_one_shot_iterator``)."""
    return dataset.make_one_shot_iterator()


def make_initializable_iterator(dataset, shared_name=None):
    """``dataset.make_initializable_iterator()``."""
    return dataset.make_initializable_iterator(shared_name)


def get_output_types(dataset_or_iterator):
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator):
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator):
    return dataset_or_iterator.output_classes
