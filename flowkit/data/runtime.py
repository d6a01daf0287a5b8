"""What runs inside the iterator kernels: the iterator's state in a session, the context a
pipeline runs in, and the array functions of the NumPy backend.

An :class:`IteratorResource` is the state of one iterator op in one session (kept in the op's
``attrs["state"]``, see :mod:`flowkit.framework.registry`): the running pipeline (a Python
iterator over flat tuples of native arrays), the shuffle pass counters and the backend's array
functions (:class:`NumpyArrays` here, ``flowkit.data.torch_arrays.TorchArrays`` for torch).
Each initialization makes a new :class:`Context`: the captured tensors' values, the function
runner and the caches of that pass over the data.
"""
from __future__ import annotations

import itertools
import threading
import weakref

import numpy as np

from flowkit.data.functions import FunctionRunner
from flowkit.framework import errors
from flowkit.framework.graph import Tensor

_ids = itertools.count(1)
#: Resources by string handle (``iterator.string_handle()``), while their session holds them.
RESOURCES: "weakref.WeakValueDictionary[str, IteratorResource]" = weakref.WeakValueDictionary()
_MASK = 0xFFFFFFFF


class NumpyArrays:
    """The array functions pipelines use, for NumPy arrays (strings are object arrays)."""

    backend, device = "numpy", "cpu"

    @staticmethod
    def from_numpy(a):
        return np.asarray(a)

    @staticmethod
    def to_numpy(x):
        return np.asarray(x)

    @staticmethod
    def to_bool(x) -> bool:
        return bool(np.asarray(x))

    @staticmethod
    def shape(x) -> tuple:
        return tuple(np.shape(x))

    @staticmethod
    def index(x, i):
        return x[i]

    @staticmethod
    def copy(x):
        return np.array(x, copy=True)

    @staticmethod
    def stack(parts):
        return np.stack(parts)

    @staticmethod
    def pad_stack(parts, shape, pad):
        out = np.full((len(parts),) + tuple(shape), np.asarray(pad)[()],
                      dtype=np.asarray(parts[0]).dtype)
        for i, p in enumerate(parts):
            out[(i,) + tuple(slice(0, d) for d in np.shape(p))] = p
        return out


class IteratorResource:
    """The state of one iterator in one session (see the module docstring)."""

    def __init__(self, arrays) -> None:
        self.arrays = arrays
        self.iterator = None
        self.ctx = None
        self.counters = {}
        self.specs = None
        self.name = f"flowkit-iterator-{next(_ids)}"
        RESOURCES[self.name] = self
        #: Threads share an iterator as in TF: one at a time advances it (a Python generator
        #: run by two threads at once fails with "generator already executing").
        self.lock = threading.Lock()

    def start(self, dataset, values: dict, graph) -> None:
        """(Re)starts the pipeline of ``dataset`` with the captured tensors' ``values``."""
        with self.lock:
            if self.ctx is not None:
                self.ctx.close()
            self.ctx = Context(self, values, graph)
            self.iterator = iter(dataset._iterate(self.ctx))
            self.specs = dataset._specs

    def next(self, op):
        """The next element (fresh arrays), or ``OutOfRangeError`` at the end."""
        if self.iterator is None:
            raise errors.FailedPreconditionError(
                None, op, "GetNext() failed because the iterator has not been initialized. "
                "Ensure that you have run the initializer operation for this iterator before "
                "getting the next element.")
        try:
            with self.lock:
                elem = next(self.iterator)
        except StopIteration:
            raise errors.OutOfRangeError(None, op, "End of sequence") from None
        copy = self.arrays.copy
        return [copy(x) for x in elem]


class Context:
    """One pass of a pipeline: captured values, functions, shuffle generators, caches."""

    def __init__(self, resource: IteratorResource, values: dict, graph) -> None:
        self.resource = resource
        self.arrays = resource.arrays
        self._values = values
        self._graph = graph
        self._runner = None
        self._caches = {}

    def value(self, x):
        """The native value of a captured tensor (a Python value passes through)."""
        return self._values[x] if isinstance(x, Tensor) else x

    def int(self, x) -> int:
        if isinstance(x, Tensor):
            return int(np.asarray(self.arrays.to_numpy(self._values[x])))
        return int(x)

    def run(self, fn, flat_args) -> list:
        if self._runner is None:
            self._runner = FunctionRunner(self._graph, self.arrays.backend, self.arrays.device,
                                          self._values)
        return self._runner(fn, flat_args)

    def shuffle_rng(self, uid, seed, reshuffle):
        """The generator of one pass of a ``shuffle``: seeded by the op seeds and, with
        ``reshuffle_each_iteration``, the number of passes made before in this session."""
        n = self.resource.counters.get(uid, 0)
        if reshuffle:
            self.resource.counters[uid] = n + 1
        else:
            n = 0
        if seed[0] is None and seed[1] is None:
            return np.random.default_rng()
        return np.random.default_rng([int(seed[0]) & _MASK, int(seed[1]) & _MASK, n])

    def cache(self, uid) -> dict:
        return self._caches.setdefault(uid, {})

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()


def handle_array(resource) -> np.ndarray:
    """A 0-d object array holding ``resource``: the value of an iterator handle tensor."""
    a = np.empty((), dtype=object)
    a[()] = resource
    return a


def resource_of(handle, op) -> IteratorResource:
    res = np.asarray(handle)[()]
    if isinstance(res, bytes):
        res = res.decode()
    if isinstance(res, str):
        found = RESOURCES.get(res)
        if found is None:
            raise errors.NotFoundError(None, op, f"No iterator with the string handle "
                                       f"'{res}' exists in this process (was its session "
                                       "closed?). Feed a handle returned by "
                                       "sess.run(iterator.string_handle()).")
        res = found
    if not isinstance(res, IteratorResource):
        raise errors.InvalidArgumentError(None, op, f"Expected an iterator handle, got {res!r}")
    return res
