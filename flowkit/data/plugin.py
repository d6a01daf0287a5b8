"""The op plugin of ``tf.data``: the kernels of the iterator ops, for NumPy and PyTorch.

The iterator ops are declared in :mod:`flowkit.data.iterator_ops` (with ``needs_state``, which
an :class:`~flowkit.plugins.OpSpec` cannot say), so this plugin gives their kernels through
the ``flowkit_register_kernels`` hook. The kernels of both backends share the pipeline code;
they differ in the array functions the pipeline uses: NumPy arrays, or torch tensors on the
session's device (learned from the per-session generator the handle ops receive, which lives
on that device). ``import flowkit`` never imports torch: :mod:`flowkit.data.torch_arrays` is
imported when a torch session first runs an iterator.

Load it as any plugin (an entry point of the ``flowkit`` group, or
:func:`flowkit.plugins.register_plugin`); :func:`ensure_registered` does so unless it already
is.
"""
from __future__ import annotations

import importlib
import sys

import numpy as np

from flowkit import plugins
from flowkit.backend import op_state
from flowkit.data import structure as nest
from flowkit.data.iterator_ops import binding
from flowkit.data.runtime import IteratorResource, NumpyArrays, handle_array, resource_of
from flowkit.framework import errors
from flowkit.plugins import hookimpl

__version__ = "0.1.0"
_NUMPY = NumpyArrays()


def _numpy_arrays(attrs):
    return _NUMPY


def _torch_arrays(attrs):
    module = importlib.import_module("flowkit.data.torch_arrays")
    return module.TorchArrays(attrs["rng"].device)


def _resource(attrs, arrays_for) -> IteratorResource:
    return op_state(attrs["state"], "resource", lambda: IteratorResource(arrays_for(attrs)))


def _handle_kernel(arrays_for):
    def iterator(attrs):
        return handle_array(_resource(attrs, arrays_for))
    return iterator


def _one_shot_kernel(arrays_for):
    def one_shot_iterator(attrs, *captured):
        res = _resource(attrs, arrays_for)
        if res.ctx is None:
            b = binding(attrs)
            res.start(b.dataset, dict(zip(b.captures, captured)), b.graph)
        return handle_array(res)
    return one_shot_iterator


def _make_iterator(attrs, handle, *captured):
    b = binding(attrs)
    resource_of(handle, b.op).start(b.dataset, dict(zip(b.captures, captured)), b.graph)
    return ()       # no outputs


def _get_next(attrs, handle):
    op = binding(attrs).op
    res = resource_of(handle, op)
    if res.specs is not None:
        _check_types(res, attrs, op)
    return res.next(op)


def _check_types(res, attrs, op):
    got = tuple(s.dtype for s in nest.flatten(res.specs))
    if got != tuple(attrs["output_types"]):
        raise errors.InvalidArgumentError(
            None, op, f"The iterator's elements have types {[t.name for t in got]}, but this "
                      f"get_next() expects {[t.name for t in attrs['output_types']]}.")


def _to_string_handle(attrs, handle):
    return np.array(resource_of(handle, None).name.encode(), dtype=object)


def _from_string_handle(attrs, string):
    return handle_array(resource_of(string, None))


def _kernels(arrays_for) -> dict:
    return {"IteratorV2": _handle_kernel(arrays_for),
            "OneShotIterator": _one_shot_kernel(arrays_for),
            "MakeIterator": _make_iterator, "IteratorGetNext": _get_next,
            "IteratorToStringHandle": _to_string_handle,
            "IteratorFromStringHandleV2": _from_string_handle}


@hookimpl
def flowkit_register_kernels():
    return [("numpy", _kernels(_numpy_arrays)), ("torch", _kernels(_torch_arrays))]


def ensure_registered() -> bool:
    """Registers this plugin unless the plugin manager already has it; returns whether it
    registered it (then :func:`flowkit.plugins.unregister_plugin` undoes it)."""
    module = sys.modules[__name__]
    if plugins.get_plugin_manager().is_registered(module):
        return False
    plugins.register_plugin(module, name="flowkit_data")
    return True
