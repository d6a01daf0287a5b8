"""What a backend plugin provides: a :class:`Backend`, a table of forward kernels.

A kernel is ``kernel(attrs, *inputs) -> output`` (or a tuple of outputs for ops with several):
it takes the backend's native arrays and the op's attribute dict and returns native arrays of
exactly the dtype and shape the op's shape rule promised. Ops registered with
``list_output=True`` (``Unpack``, ``Split``, ``SplitV``) always return a sequence, even of one. Backends provide **forward kernels
only**: every gradient is built from ops, so a new backend gets training for free.

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
