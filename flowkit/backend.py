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

The second half of this module is the kernel-support API a backend author writes kernels
with: :class:`KernelTable` (a module's ``KERNELS``, filled by a decorator on each kernel),
:func:`named_elementwise_kernels` (the elementwise ops a NumPy-like library already has), the
argument checks whose error messages every backend shares (:func:`checked_range_length`,
:func:`split_sizes`...), and the geometry of slices, reductions, convolutions and pools
(:func:`strided_slice_index`, :func:`conv_geometry`...), which the ops' shape rules use too.
A kernel is then only arithmetic.

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

import numpy as np


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
        kernels = self._kernels_to_extend()
        for op_type, fn in table.items():
            if op_type in kernels and kernels[op_type] is not fn:
                raise ValueError(f"Backend '{self.name}' got two kernels for op type "
                                 f"'{op_type}' (the second from plugin '{plugin}').")
            kernels[op_type] = fn

    def _kernels_to_extend(self) -> dict:
        """The table :meth:`register_kernels` adds to: :attr:`kernels` (a backend that loads
        its own kernels lazily returns its table without loading them)."""
        return self.kernels

    def __repr__(self) -> str:
        return f"<Backend {self.name!r} from {self.plugin!r}>"


# ============================================================================================
# Kernel support: what every backend's kernels share, so that a kernel is only arithmetic
# ============================================================================================
class KernelTable(dict):
    """A kernel module's ``KERNELS`` table (op type -> kernel), filled where each kernel is
    written: ``@KERNELS.register("Pad", "PadV2")`` above its ``def``.

    Example:
        >>> KERNELS = KernelTable()
        >>> @KERNELS.register("Double")
        ... def _double(attrs, x):
        ...     return 2 * x
        >>> KERNELS["Double"]({}, 21)
        42
    """

    def register(self, *op_types: str) -> Callable:
        """A decorator that enters the kernel it decorates under each of ``op_types``."""
        def decorate(fn):
            for op_type in op_types:
                if op_type in self:
                    raise ValueError(f"Two kernels for op type '{op_type}' in one table.")
                self[op_type] = fn
            return fn
        return decorate


#: Elementwise op types that are one function of the inputs, attributes unused, by that
#: function's NumPy name. A library that follows NumPy's names (``torch.less``,
#: ``cupy.less``...) gets these kernels from :func:`named_elementwise_kernels`. (``Round``
#: rounds halves to even, as NumPy and PyTorch do.)
NUMPY_NAMED_OPS = {
    "Add": "add", "Sub": "subtract", "Mul": "multiply", "Maximum": "maximum",
    "Minimum": "minimum", "Neg": "negative", "Abs": "abs", "Square": "square", "Sin": "sin",
    "Cos": "cos", "Tanh": "tanh", "Round": "round", "Floor": "floor", "Ceil": "ceil",
    "Less": "less", "LessEqual": "less_equal", "Greater": "greater",
    "GreaterEqual": "greater_equal", "LogicalAnd": "logical_and", "LogicalOr": "logical_or",
    "LogicalNot": "logical_not",
}


def elementwise_kernel(fn: Callable) -> Callable:
    """The kernel ``(attrs, *xs) -> fn(*xs)`` of an op whose attributes do not matter."""
    def kernel(attrs, *xs):
        return fn(*xs)
    kernel.__name__ = getattr(fn, "__name__", "kernel")
    kernel.__doc__ = f"``{kernel.__name__}`` of the inputs, elementwise."
    return kernel


def named_elementwise_kernels(library) -> dict:
    """The kernels of :data:`NUMPY_NAMED_OPS` from a module with NumPy's function names.

    Example:
        >>> kernels = named_elementwise_kernels(np)
        >>> kernels["LessEqual"]({}, np.array([1, 2]), 1).tolist()
        [True, False]
    """
    return {op_type: elementwise_kernel(getattr(library, name))
            for op_type, name in NUMPY_NAMED_OPS.items()}


# -- argument checks, with the same error messages on every backend --------------------------
def checked_range_length(start, limit, delta) -> int:
    """The length of ``Range(start, limit, delta)`` after TF's checks of its arguments.

    Example:
        >>> checked_range_length(0, 10, 3)
        4
    """
    if delta == 0:
        raise ValueError("Requires delta != 0")
    if (delta > 0 and start > limit) or (delta < 0 and start < limit):
        raise ValueError(f"Requires start <= limit when delta > 0: {start}/{limit}")
    return range_length(start, limit, delta)


def linspace_count(num) -> int:
    """``LinSpace``'s ``num`` as an int, which must be positive."""
    num = int(num)
    if num <= 0:
        raise ValueError(f"Requires num > 0: {num}")
    return num


def split_sizes(sizes, dim: int) -> list:
    """``SplitV``'s ``size_splits`` (ints, at most one ``-1``) as the sizes of the pieces of
    an axis of length ``dim``: the ``-1`` takes what is left.

    Example:
        >>> split_sizes([2, -1, 1], 6)
        [2, 3, 1]
    """
    sizes = [int(s) for s in sizes]
    if -1 in sizes:
        sizes[sizes.index(-1)] = dim - (sum(sizes) + 1)
    if sum(sizes) != dim or min(sizes, default=0) < 0:
        raise ValueError(f"size_splits {sizes} do not add up to {dim}")
    return sizes


def check_random_int_bounds(lo, hi) -> None:
    """``RandomUniformInt`` draws from ``[lo, hi)``, which must not be empty."""
    if not lo < hi:
        raise ValueError(f"Need minval < maxval: {lo} >= {hi}")


def index_error(index, dim: int) -> IndexError:
    """The error for a gather/scatter ``index`` outside ``[0, dim)`` (TF's CPU message)."""
    return IndexError(f"indices = {index} is not in [0, {dim})")


def label_error(label, n: int) -> ValueError:
    """The error for a sparse cross-entropy ``label`` outside ``[0, n)``."""
    return ValueError(f"Received a label value of {label} which is outside the valid range "
                      f"of [0, {n}).")


# -- decoding shapes and attributes --------------------------------------------------------
def unbroadcast_axes(g_shape, shape) -> tuple:
    """The axes of a gradient of shape ``g_shape`` to sum so that it gets ``shape`` (the
    shape its input had before broadcasting; then reshape to ``shape``).

    Example:
        >>> unbroadcast_axes((4, 2, 3), (1, 3))
        (0, 1)
    """
    lead = len(g_shape) - len(shape)
    return tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and g_shape[lead + i] != 1)


def slice_index(begin, size) -> tuple:
    """The Python index of ``Slice(begin, size)`` (a size of -1 means "to the end").

    Example:
        >>> slice_index([1, 0], [2, -1])
        (slice(1, 3, None), slice(0, None, None))
    """
    return tuple(slice(b, None if s == -1 else b + s) for b, s in zip(begin, size))


def reduced_dims(dims, axis) -> list:
    """``ReducedShape``: ``dims`` with the reduced ``axis`` (``None``: all) set to 1."""
    dims = [int(d) for d in dims]
    if axis is None:
        return [1] * len(dims)
    for a in axis:
        dims[a % max(len(dims), 1)] = 1
    return dims


def conv_geometry(h, w, kh, kw, attrs, dilations=(1, 1, 1, 1)) -> tuple:
    """``(oh, ow, (top, bottom), (left, right))`` of a convolution or pool with a ``kh x kw``
    window over ``h x w`` (NHWC ``strides``, ``padding`` and ``dilations`` attrs).

    Example:
        >>> conv_geometry(5, 5, 3, 3, {"strides": [1, 2, 2, 1], "padding": "SAME"})
        (3, 3, (1, 1), (1, 1))
    """
    s, p = attrs["strides"], attrs["padding"]
    oh, top, bottom = conv_output_size(h, kh, s[1], dilations[1], p)
    ow, left, right = conv_output_size(w, kw, s[2], dilations[2], p)
    return oh, ow, (top, bottom), (left, right)


def pool_geometry(h, w, attrs) -> tuple:
    """``(kh, kw, oh, ow, (top, bottom), (left, right))`` of a pool (``ksize`` attr)."""
    _, kh, kw, _ = attrs["ksize"]
    return (kh, kw) + conv_geometry(h, w, kh, kw, attrs)


# -- kernel geometry: also used by the ops' shape rules ----------------------------------------
def range_length(start, limit, delta) -> int:
    """The number of elements of ``range(start, limit, delta)`` (scalars of one dtype)."""
    if np.asarray(start).dtype.kind in "iu":
        start, limit, delta = int(start), int(limit), int(delta)
        return max(0, (abs(limit - start) + abs(delta) - 1) // abs(delta)) \
            if (limit - start) * delta > 0 else 0
    n = np.ceil(np.abs((limit - start) / delta))
    return int(n) if (limit - start) * delta > 0 else 0


def strided_slice_index(begin, end, strides, attrs) -> tuple:
    """The Python index (ints, slices, ``None``, ``Ellipsis``) that a ``StridedSlice`` with
    these ``begin``/``end``/``strides`` values and mask attrs stands for. Kernels of every
    backend can use it: ``x[strided_slice_index(...)]``."""
    idx = []
    for i in range(len(begin)):
        bit = 1 << i
        if attrs["ellipsis_mask"] & bit:
            idx.append(Ellipsis)
        elif attrs["new_axis_mask"] & bit:
            idx.append(None)
        elif attrs["shrink_axis_mask"] & bit:
            idx.append(int(begin[i]))
        else:
            idx.append(slice(None if attrs["begin_mask"] & bit else int(begin[i]),
                             None if attrs["end_mask"] & bit else int(end[i]),
                             int(strides[i])))
    return tuple(idx)


def conv_output_size(size, k, stride, dilation, padding):
    """``(output size, padding before, padding after)`` along one spatial axis.

    ``SAME`` gives ``ceil(size / stride)`` outputs and splits the padding as TF does (the odd
    cell goes after: bottom/right); ``VALID`` uses only windows that fit. ``size`` may be
    ``None`` (unknown), then so is the result.
    """
    eff = (k - 1) * dilation + 1
    if size is None:
        return None, None, None
    if padding == "VALID":
        if size < eff:
            raise ValueError(f"Negative dimension size caused by subtracting {eff} from {size}")
        return (size - eff) // stride + 1, 0, 0
    out = -(-size // stride)
    total = max((out - 1) * stride + eff - size, 0)
    return out, total // 2, total - total // 2
