"""What a backend plugin provides: a :class:`Backend`, a table of forward kernels.

A kernel is ``kernel(attrs, *inputs) -> output`` (or a tuple of outputs for ops with several):
it takes the backend's native arrays and the op's attribute dict and returns native arrays of
exactly the dtype and shape the op's shape rule promised. Ops registered with
``list_output=True`` (``Unpack``, ``Split``, ``SplitV``) always return a sequence, even of one.
Only ops registered with ``view=True`` may return (a view of) an input's memory; every other
kernel returns fresh memory. Backends provide **forward kernels only**: every gradient is
built from ops, so a new backend gets training for free.

A backend may also give **in-place kernels** (:attr:`Backend.inplace_kernels`), optional and
only for speed: ``kernel(attrs, j, *inputs)`` computes the same output as the op's kernel and
may write it into ``inputs[j]``, a buffer the session *donates*: an intermediate result, fresh
memory made by a kernel of the same run, that nothing reads after this op (never a feed, a
constant, a variable or a fetched value). The kernel checks that the result fits that buffer
(shape, dtype, writable) and otherwise returns new memory, as the normal kernel does.

Example:
    >>> from flowkit import plugins
    >>> be = plugins.get_backend("numpy")
    >>> be.name, be.devices()
    ('numpy', {'cpu': True})
    >>> float(be.kernels["Add"]({}, 1.0, 2.0))
    3.0
"""
from __future__ import annotations

from typing import Callable


class Backend:
    """Base class of backends. Subclasses fill :attr:`kernels` and the conversion methods."""

    #: The name users pass as ``tf.Session(backend=...)``.
    name: str = "?"
    #: The plugin that registered this backend (set by the plugin manager).
    plugin: str = "?"

    def __init__(self) -> None:
        #: op type -> forward kernel ``fn(attrs, *inputs)``.
        self.kernels: dict[str, Callable] = {}
        #: op type -> in-place kernel ``fn(attrs, j, *inputs)`` that may write its result into
        #: the donated ``inputs[j]`` (see the module docstring); optional.
        self.inplace_kernels: dict[str, Callable] = {}

    # -- devices -------------------------------------------------------------------------------
    def devices(self) -> dict:
        """Maps each device name this backend knows to whether it is usable here."""
        return {"cpu": True}

    def check_device(self, device: str) -> str:
        """Returns the canonical device name, or raises ``ValueError`` saying what exists."""
        devs = self.devices()
        if devs.get(device):
            return device
        known = ", ".join(f"{d} ({'available' if ok else 'not available here'})"
                          for d, ok in devs.items())
        raise ValueError(f"Backend '{self.name}' cannot use device '{device}'. Its devices: "
                         f"{known}.")

    # -- data crossing the boundary -------------------------------------------------------------
    def to_native(self, array, device: str):
        """Converts a NumPy array to this backend's array on ``device`` (once, at a feed)."""
        raise NotImplementedError

    def to_numpy(self, value):
        """Converts a native array to a NumPy array (once, at a fetch)."""
        raise NotImplementedError

    def copy(self, value):
        """A copy of a native array that later in-place updates do not change."""
        raise NotImplementedError

    def make_rng(self, seed, device: str):
        """A random generator for one random op in one session. ``seed`` is a
        ``(graph_seed, op_seed)`` pair of ints, or ``None`` for fresh entropy."""
        raise NotImplementedError

    def register_kernels(self, table: dict, plugin: str = "?") -> None:
        """Adds kernels; a kernel given twice for one op type is an error naming both."""
        for op_type, fn in table.items():
            if op_type in self.kernels and self.kernels[op_type] is not fn:
                raise ValueError(f"Backend '{self.name}' got two kernels for op type "
                                 f"'{op_type}' (the second from plugin '{plugin}').")
            self.kernels[op_type] = fn

    def __repr__(self) -> str:
        return f"<Backend {self.name!r} from {self.plugin!r}>"
