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

And **out= kernels** (:attr:`Backend.out_kernels`), optional per op type and only for speed:
``kernel(attrs, out, *inputs)`` computes the same output as the op's kernel, bit for bit, and
writes it into ``out`` when ``out`` is an array of exactly the result's shape and dtype (then
it returns ``out`` itself); otherwise (``out`` is ``None`` or does not fit) it returns new
memory, which the session keeps as that step's buffer for the next run. ``out`` is a *planned
buffer*: after a plan's first run every output shape is known, and the plan owns one buffer
per such step, reused across runs and shared between steps whose values are never alive at
the same time (never a fetched value, a feed, a constant or a variable; see
:mod:`flowkit.session_plan`). ``attrs["scratch"]`` is then a :class:`Scratch` of the plan's
for temporary arrays (an im2col matrix) that die before the kernel returns.
``FLOWKIT_CHECK_KERNELS=1`` checks the contract on every call (the result is ``out`` when it
fits, and equals the op's kernel bit for bit); ``FLOWKIT_PLANNED_BUFFERS=0`` turns it off.

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

import functools
import threading
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
        #: op type -> out= kernel ``fn(attrs, out, *inputs)`` that writes its result into the
        #: plan's buffer ``out`` when it fits (see the module docstring); optional.
        self.out_kernels: dict[str, Callable] = {}

    # -- devices -------------------------------------------------------------------------------
    def devices(self) -> dict:
        """Maps each device name this backend knows to whether it is usable here."""
        return {"cpu": True}

    def configure_session(self, settings: dict, device: str) -> None:
        """Applies what a session's ``tf.ConfigProto`` asks of the backend
        (``settings`` from :func:`flowkit.config_proto.session_settings`:
        ``intra_op_threads``, ``gpu_memory_fraction``). The default only asks the C library to
        keep freed host memory (:func:`keep_freed_host_memory`)."""
        keep_freed_host_memory()

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
#: glibc's ``mallopt`` parameters (malloc.h) and the values flowkit gives them: blocks up to
#: 1 GiB come from the heap, and up to 1 GiB of freed memory at its top is kept.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _KEEP_BYTES = -1, -3, 1 << 30


@functools.cache
def keep_freed_host_memory() -> bool:
    """Asks glibc's ``malloc`` to serve large blocks from its heap and to keep freed memory
    for the next allocation, instead of mapping fresh pages from the kernel for every array
    over 32 MiB and unmapping them when it is freed. A training step allocates the same large
    arrays every run (an LSTM language model's 45 MB logits and their gradient), and
    fresh pages cost a page fault each, 4 KiB at a time: about 23,000 faults and 50 ms of a
    200 ms step on the torch backend. TensorFlow and PyTorch's CUDA side avoid this with
    their own caching allocators; flowkit asks the C library.

    Process-wide and once per process, at the first session; a process then keeps up to
    1 GiB of freed memory (its peak stays its peak). ``FLOWKIT_KEEP_HOST_MEMORY=0`` turns it
    off, and it does nothing where the C library is not glibc. Returns whether it applied.
    """
    import os
    import platform
    if os.environ.get("FLOWKIT_KEEP_HOST_MEMORY", "1") == "0" or \
            platform.libc_ver()[0] != "glibc":
        return False
    import ctypes
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):      # a static or unusual libc: leave it be
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, _KEEP_BYTES) and
                mallopt(_M_TRIM_THRESHOLD, _KEEP_BYTES))


#: Serialises the first creation of an op's session state (see :func:`op_state`).
_STATE_LOCK = threading.Lock()


def op_state(state: dict, key: str, make: Callable):
    """``state[key]``, made by ``make()`` the first time: a stateful op's session state (a
    queue, a reader, an iterator), given to its kernel as ``attrs["state"]``. Several threads
    may run the same op at once (TF1's queue runners start two enqueue threads that both run
    a queue op first): the state is made exactly once, so that no thread ends up with a
    second queue of its own and its elements are not lost.

    Example:
        >>> state = {}
        >>> op_state(state, "queue", list) is op_state(state, "queue", list)
        True
    """
    value = state.get(key)
    if value is None:
        with _STATE_LOCK:
            value = state.get(key)
            if value is None:
                value = state[key] = make()
    return value


def out_array(out, shape, dtype):
    """``out`` when it is a writable NumPy array of exactly ``shape`` and ``dtype`` (an out=
    kernel's planned buffer that fits), else a new uninitialized array.

    Example:
        >>> buf = np.zeros((2, 3), np.float32)
        >>> out_array(buf, (2, 3), np.float32) is buf, out_array(buf, (3, 2), np.float32) is buf
        (True, False)
    """
    if type(out) is np.ndarray and out.shape == shape and out.dtype == dtype and \
            out.flags.writeable:
        return out
    return np.empty(shape, dtype)


def out_result(out, result):
    """An out= kernel's fallback: ``result`` (computed in new memory by the op's kernel)
    copied into ``out`` when it fits, so that the buffer stays the step's; else ``result``.

    Example:
        >>> buf = np.zeros(3)
        >>> out_result(buf, np.ones(3)) is buf, out_result(None, np.ones(3)) is buf
        (True, False)
    """
    if type(out) is np.ndarray and type(result) is np.ndarray and out.shape == result.shape \
            and out.dtype == result.dtype and out.flags.writeable:
        np.copyto(out, result)
        return out
    return result


class Scratch:
    """Temporary NumPy arrays a plan lends its out= kernels (``attrs["scratch"]``):
    ``array(key, shape, dtype)`` is a view of memory kept for ``key`` across calls, grown
    when too small. Different keys never overlap; the same key in another step reuses the
    same memory, which is safe because a temporary dies before its kernel returns and a
    plan's buffered runs never overlap.

    A kernel may also leave a result in its own key for a later kernel of the plan (the
    forward convolution's im2col matrix, for the filter gradient): ``keep(key, tag)`` notes
    what the memory holds, ``kept(key)`` returns that note (``None`` when nothing is kept),
    ``keep(key, None)`` forgets it. The later kernel must check the note before it trusts
    the memory (the same input bits, say): the plan's steps know nothing of it.

    Example:
        >>> s = Scratch()
        >>> a = s.array("cols", (4, 2), np.float32)
        >>> b = s.array("cols", (2, 2), np.float32)
        >>> np.shares_memory(a, b), s.nbytes()
        (True, 32)
        >>> s.keep("cols", "columns of x"); s.kept("cols"), s.kept("pad")
        ('columns of x', None)
    """

    __slots__ = ("_memory", "_kept")

    def __init__(self) -> None:
        self._memory = {}
        self._kept = {}

    def array(self, key, shape, dtype):
        dtype = np.dtype(dtype)
        n = dtype.itemsize
        for d in shape:
            n *= d
        mem = self._memory.get(key)
        if mem is None or mem.nbytes < n:
            mem = self._memory[key] = np.empty(n, np.uint8)
        return mem[:n].view(dtype).reshape(shape)

    def keep(self, key, tag) -> None:
        """Notes what the memory of ``key`` holds for a later kernel (``None``: nothing)."""
        if tag is None:
            self._kept.pop(key, None)
        else:
            self._kept[key] = tag

    def kept(self, key):
        """The note :meth:`keep` left for ``key``, or ``None``."""
        return self._kept.get(key)

    def nbytes(self) -> int:
        """The bytes held."""
        return sum(m.nbytes for m in self._memory.values())


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


def checked_dims(dims, what: str = "shape") -> tuple:
    """The ints of a shape argument (``Fill``'s ``dims``, ``BroadcastTo``'s ``shape``), each
    of which must be >= 0 (TF: ``Dimension -7 must be >= 0``).

    Example:
        >>> checked_dims([2, 0, 3])
        (2, 0, 3)
    """
    dims = tuple(int(d) for d in np.reshape(np.asarray(dims), [-1]))
    for i, d in enumerate(dims):
        if d < 0:
            raise ValueError(f"Dimension {d} must be >= 0 ({what}[{i}] of {list(dims)})")
    return dims


def checked_slice_index(begin, size, shape) -> tuple:
    """The Python index of ``Slice(begin, size)`` over an input of ``shape``, after TF's
    checks: ``0 <= begin[i] <= shape[i]`` and ``size[i]`` (``-1``: to the end) in
    ``[0, shape[i] - begin[i]]``, so that a slice never silently comes out shorter.

    Example:
        >>> checked_slice_index([1], [-1], (5,))
        (slice(1, None, None),)
        >>> checked_slice_index([3], [3], (5,))
        Traceback (most recent call last):
        ...
        ValueError: Expected size[0] in [0, 2], but got 3 (begin[0] = 3, input shape (5,))
    """
    begin, size = [int(b) for b in begin], [int(s) for s in size]
    shape = tuple(int(d) for d in shape)
    if len(begin) != len(shape) or len(size) != len(shape):
        raise ValueError(f"Expected begin and size arguments to be 1-D tensors of size "
                         f"{len(shape)} (the input's rank), but got {len(begin)} and "
                         f"{len(size)} values")
    for i, (b, n, d) in enumerate(zip(begin, size, shape)):
        if not 0 <= b <= d:
            raise ValueError(f"Expected begin[{i}] in [0, {d}], but got {b} (input shape "
                             f"{shape})")
        if n != -1 and not 0 <= n <= d - b:
            raise ValueError(f"Expected size[{i}] in [0, {d - b}], but got {n} (begin[{i}] = "
                             f"{b}, input shape {shape})")
    return slice_index(begin, size)


def checked_strided_slice_index(begin, end, strides, attrs, shape) -> tuple:
    """:func:`strided_slice_index` after TF's run-time checks against the input's ``shape``:
    ``begin``/``end``/``strides`` of one length, no zero stride, at most one ellipsis, no
    more indexed dims than the input has, and each index of a shrunk axis in range (TF:
    ``slice index 7 of dimension 0 out of bounds.``). Ranges are clamped, as in TF."""
    begin, end, strides = ([int(v) for v in np.reshape(np.asarray(a), [-1])]
                           for a in (begin, end, strides))
    if not len(begin) == len(end) == len(strides):
        raise ValueError(f"Expected begin, end, and strides to be 1-D tensors of one size, "
                         f"but got sizes {len(begin)}, {len(end)} and {len(strides)}")
    for i, s in enumerate(strides):
        if s == 0:
            raise ValueError(f"strides[{i}] must be non-zero")
    index = strided_slice_index(begin, end, strides, attrs)
    if sum(1 for i in index if i is Ellipsis) > 1:
        raise ValueError("Multiple ellipses in slice spec not allowed")
    consumed = sum(1 for i in index if i is not None and i is not Ellipsis)
    if consumed > len(shape):
        raise ValueError(f"Index out of range using input dim {len(shape)}: the slice "
                         f"indexes {consumed} dimensions")
    d = 0
    for item in index:
        if item is Ellipsis:
            d += len(shape) - consumed
        elif isinstance(item, int):
            if not -shape[d] <= item < shape[d]:
                raise ValueError(f"slice index {item} of dimension {d} out of bounds.")
            d += 1
        elif item is not None:
            d += 1
    return index


def checked_axis(axis, ndim: int, what: str = "axis") -> int:
    """One axis in ``[-ndim, ndim)``, made non-negative; else an error naming ``what``.

    Example:
        >>> checked_axis(-1, 3)
        2
    """
    axis = int(axis)
    if not -ndim <= axis < max(ndim, 1):
        raise ValueError(f"Expected {what} in [{-ndim}, {ndim}), but got {axis}")
    return axis % max(ndim, 1)


def checked_reduction_axes(axis, ndim: int):
    """A reduction's ``axis`` attr (``None``: all) checked against the input's rank (TF:
    ``Invalid reduction dimension 64 for input with 2 dimension(s)``); non-negative."""
    if axis is None:
        return None
    out = []
    for a in (axis if isinstance(axis, (tuple, list)) else (axis,)):
        a = int(a)
        if not -ndim <= a < ndim:
            raise ValueError(f"Invalid reduction dimension {a} for input with {ndim} "
                             "dimension(s)")
        out.append(a % ndim)
    return tuple(out)


def checked_permutation(perm, n=None) -> list:
    """``perm`` as ints after checking it is a permutation of ``range(len(perm))`` (of
    ``range(n)`` when ``n`` is given: a transpose's rank). TF: ``0 is duplicated in the
    input.``, ``3 is not between 0 and 3``.

    Example:
        >>> checked_permutation([2, 0, 1])
        [2, 0, 1]
    """
    perm = [int(p) for p in np.reshape(np.asarray(perm), [-1])]
    n = len(perm) if n is None else n
    if len(perm) != n:
        raise ValueError(f"Expected a permutation of {n} values (the input's rank), but got "
                         f"{len(perm)}: {perm}")
    seen = set()
    for p in perm:
        if not 0 <= p < n:
            raise ValueError(f"{p} is not between 0 and {n} (permutation {perm})")
        if p in seen:
            raise ValueError(f"{p} is duplicated in the input (permutation {perm})")
        seen.add(p)
    return perm


def checked_multiples(multiples, ndim: int) -> list:
    """``Tile``'s ``multiples``: one int >= 0 per dimension of the input."""
    vals = check_non_negative(multiples, "multiples")
    if len(vals) != ndim:
        raise ValueError(f"Expected multiples argument to be a vector of length {ndim} (the "
                         f"input's rank), but got length {len(vals)}")
    return vals


def checked_paddings(paddings, ndim: int) -> list:
    """``Pad``'s ``paddings`` as ``ndim`` ``(before, after)`` pairs of ints >= 0 (TF:
    ``paddings must be a matrix with 2 columns``, ``Paddings must be non-negative``)."""
    vals = check_non_negative(paddings, "paddings")
    if len(vals) != 2 * ndim:
        raise ValueError(f"The first dimension of paddings must be the rank of inputs "
                         f"({ndim}) and it must have 2 columns, but got {len(vals)} values")
    return [(vals[i], vals[i + 1]) for i in range(0, len(vals), 2)]


def checked_block_args(block, pads, ndim: int):
    """``SpaceToBatchND``/``BatchToSpaceND``'s ``block_shape`` (ints > 0) and paddings or crops
    (an ``[m, 2]`` int64 array of values >= 0), for an input of rank ``ndim`` > ``m``."""
    block = [int(b) for b in block]
    pads = np.reshape(np.asarray(pads, np.int64), [-1, 2])
    if min(block, default=1) < 1 or (pads < 0).any() or ndim < len(block) + 1:
        raise ValueError(f"block_shape must be positive ({block}), paddings/crops "
                         f"non-negative ({pads.tolist()}), and the input of rank > {len(block)}")
    return block, pads


def pooling_intervals(seq, n: int, overlapping: bool) -> list:
    """``(start, stop)`` of each interval of a fractional pool's ``seq`` (boundaries along a
    length-``n`` axis); ``overlapping`` intervals also take the next boundary's element."""
    seq = [int(v) for v in seq]
    extra = 1 if overlapping else 0
    return [(a, min(b + extra, n)) for a, b in zip(seq[:-1], seq[1:])]


def check_non_negative(values, what: str) -> list:
    """The ints of ``values`` (``Tile``'s multiples, ``Pad``'s paddings, ``OneHot``'s
    depth...), each of which must be >= 0."""
    vals = [int(v) for v in np.reshape(np.asarray(values), [-1])]
    for i, v in enumerate(vals):
        if v < 0:
            raise ValueError(f"Expected {what}[{i}] >= 0, but got {v}")
    return vals


def check_assign_shape(attrs, old_shape, new_shape) -> None:
    """``Assign`` with ``validate_shape=True`` keeps the variable's shape: ``new_shape`` must
    be the shape of its current value ``old_shape`` (``None`` before it has one) and fit the
    variable's static shape (attr ``var``, the ``VariableV2`` op, where the op has it)."""
    if not attrs.get("validate_shape", False):
        return
    new_shape = tuple(int(d) for d in new_shape)
    var = attrs.get("var")
    name = f"variable '{var.name}'" if var is not None else "the variable"
    if old_shape is not None:
        expected = tuple(int(d) for d in old_shape)
        ok = expected == new_shape
    elif var is not None:
        expected = var.outputs[0].shape
        ok = expected.is_compatible_with(new_shape)
    else:
        return
    if not ok:
        shown = list(expected) if isinstance(expected, tuple) else expected
        raise ValueError(f"Assign to {name} requires a value of the variable's shape "
                         f"{shown}, but got a value of shape {list(new_shape)} (use "
                         f"tf.assign(..., validate_shape=False) to change its shape)")


def check_int_reciprocal(has_zero: bool) -> None:
    """Integer ``Reciprocal`` of 0 is an error (TF has no integer kernel; NumPy would give
    the smallest int)."""
    if has_zero:
        raise ValueError("Integer reciprocal of 0: division by zero")


def split_even(dim: int, num: int, axis: int) -> int:
    """The size of each of ``num`` equal pieces of an axis of length ``dim`` (``Split``)."""
    if num <= 0 or dim % num:
        raise ValueError(f"Number of ways to split should evenly divide the split dimension, "
                         f"but got split_dim {axis} (size = {dim}) and num_split {num}")
    return dim // num


def checked_reshape(size: int, dims) -> tuple:
    """``Reshape``'s target ``dims`` (at most one ``-1``, inferred) for an input of ``size``
    elements (TF: ``Input to reshape is a tensor with 5 values, but the requested shape has
    4``).

    Example:
        >>> checked_reshape(6, [-1, 3])
        (2, 3)
    """
    dims = [int(d) for d in np.reshape(np.asarray(dims), [-1])]
    if sum(1 for d in dims if d == -1) > 1 or any(d < -1 for d in dims):
        raise ValueError(f"Expected at most one -1 and no other negative size in the "
                         f"requested shape, but got {dims}")
    known = int(np.prod([d for d in dims if d != -1], dtype=np.int64))
    if -1 in dims:
        if (known == 0 and size != 0) or (known and size % known):
            raise ValueError(f"Input to reshape is a tensor with {size} values, but the "
                             f"requested shape {dims} requires a multiple of {known}")
        dims[dims.index(-1)] = size // known if known else 0
    elif known != size:
        raise ValueError(f"Input to reshape is a tensor with {size} values, but the requested "
                         f"shape has {known} ({dims})")
    return tuple(dims)


def check_concat_shapes(shapes, axis: int) -> int:
    """``ConcatV2``'s inputs must have one rank and agree off ``axis``; returns the axis made
    non-negative (TF: ``ConcatOp : Dimension 1 in both shapes must be equal``)."""
    first = tuple(shapes[0])
    if not first:
        raise ValueError("Can't concatenate scalars (use tf.stack instead)")
    axis = checked_axis(axis, len(first))
    for k, s in enumerate(shapes[1:], 1):
        s = tuple(s)
        if len(s) != len(first):
            raise ValueError(f"ConcatOp : Ranks of all input tensors should match: shape[0] = "
                             f"{list(first)} vs. shape[{k}] = {list(s)}")
        for d, (a, b) in enumerate(zip(first, s)):
            if d != axis and a != b:
                raise ValueError(f"ConcatOp : Dimension {d} in both shapes must be equal: "
                                 f"shape[0] = {list(first)} vs. shape[{k}] = {list(s)}")
    return axis


def string_zero(x):
    """The zero of a string tensor (an object array) that ``zeros_like`` and ``pad`` fill
    with: TF's ``b''``, as ``bytes`` when the tensor holds bytes, else as flowkit's
    constants hold strings, ``''``."""
    flat = np.reshape(np.asarray(x, dtype=object), [-1])
    return b"" if flat.size and isinstance(flat[0], bytes) else ""


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


def _round_half_up(x):
    """C's ``roundf`` for ``x >= 0`` (halves away from zero), without the float32 rounding
    of ``floor(x + 0.5)``."""
    f = np.floor(x)
    return np.where(x - f >= 0.5, f + 1, f)


def resize_weights(in_size, out_size, attrs, nearest):
    """The ``[out_size, in_size]`` float32 interpolation matrix of one axis of a resize (TF's
    ``compute_interpolation_weights`` and nearest-neighbour mapping, ``attrs`` holding
    ``align_corners`` and ``half_pixel_centers``): the resize of an image is
    ``Wh @ image @ Ww^T``, on any backend."""
    align, half = attrs["align_corners"], attrs["half_pixel_centers"]
    if align and out_size > 1:
        scale = np.float32(in_size - 1) / np.float32(out_size - 1)
    else:
        scale = np.float32(in_size) / np.float32(out_size)
    i = np.arange(out_size, dtype=np.float32)
    w = np.zeros((out_size, in_size), np.float32)
    rows = np.arange(out_size)
    if nearest:
        x = (i + np.float32(0.5)) * scale if half else i * scale
        src = _round_half_up(x) if align else np.floor(x)   # roundf: x >= 0
        src = np.clip(src.astype(np.int64), 0, in_size - 1)
        w[rows, src] = 1.0
        return w
    x = (i + np.float32(0.5)) * scale - np.float32(0.5) if half else i * scale
    f = np.floor(x)
    lower = np.maximum(f, 0).astype(np.int64)
    upper = np.minimum(np.ceil(x), in_size - 1).astype(np.int64)
    lerp = (x - f).astype(np.float32)
    np.add.at(w, (rows, lower), 1 - lerp)
    np.add.at(w, (rows, upper), lerp)
    return w
