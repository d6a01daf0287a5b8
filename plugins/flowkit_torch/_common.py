"""Helpers shared by the torch kernels: dtypes, small host-known integer tensors, strings.

Shape-like values (the output of ``Shape``, a constant ``[2, -1]``) are tiny integer tensors
that kernels such as ``Reshape`` need as Python ints. Reading a CUDA tensor's values waits for
the GPU, so such tensors carry their values on the host too, in the attribute ``_fk_host``,
and :func:`host_ints` reads that first.
"""
from __future__ import annotations

import numpy as np
import torch

_NP_TO_TORCH = {
    np.dtype(np.float16): torch.float16, np.dtype(np.float32): torch.float32,
    np.dtype(np.float64): torch.float64, np.dtype(np.int8): torch.int8,
    np.dtype(np.int16): torch.int16, np.dtype(np.int32): torch.int32,
    np.dtype(np.int64): torch.int64, np.dtype(np.uint8): torch.uint8,
    np.dtype(np.bool_): torch.bool,
}
_TORCH_TO_NP = {v: k for k, v in _NP_TO_TORCH.items()}


def tdtype(dtype) -> torch.dtype:
    """The torch dtype of a flowkit ``DType`` (or anything ``np.dtype`` accepts)."""
    if isinstance(dtype, torch.dtype):
        return dtype
    np_type = getattr(dtype, "as_numpy_dtype", dtype)
    try:
        return _NP_TO_TORCH[np.dtype(np_type)]
    except (KeyError, TypeError):
        raise TypeError(f"The torch backend has no dtype for {dtype!r}.") from None


def np_dtype(dtype: torch.dtype):
    return _TORCH_TO_NP[dtype]


def is_int(t: torch.Tensor) -> bool:
    """True for integer (not bool, not float) tensors."""
    return not t.dtype.is_floating_point and t.dtype is not torch.bool


def host_values(t) -> list:
    """The values of a small tensor as a flat list of Python numbers."""
    cached = getattr(t, "_fk_host", None)
    if cached is not None:
        return list(cached)
    if isinstance(t, torch.Tensor):
        return t.reshape(-1).tolist()
    return np.reshape(t, -1).tolist()


def host_ints(t) -> list:
    """The values of a small integer tensor as a list of Python ints."""
    return [int(v) for v in host_values(t)]


def host_int(t) -> int:
    return host_ints(t)[0]


def host_scalar(t):
    """The value of a 0-d (or one-element) tensor as a Python number."""
    return host_values(t)[0]


def has_host(t) -> bool:
    return getattr(t, "_fk_host", None) is not None


_SMALL_CACHE: dict = {}


def small_int_tensor(values, dtype, device, shape=None) -> torch.Tensor:
    """A small integer tensor that also carries its values on the host.

    Tensors are cached by value: flowkit never updates a kernel's output in place (variables
    are always fresh copies), so sharing them is safe, and on a GPU it saves a copy that
    would wait for the device.
    """
    values = tuple(int(v) for v in values)
    dtype = tdtype(dtype)
    device = torch.device(device)
    shape = (len(values),) if shape is None else tuple(shape)
    key = (values, dtype, device, shape)
    t = _SMALL_CACHE.get(key)
    if t is None:
        host = torch.tensor(values, dtype=dtype).reshape(shape)
        if device.type == "cuda":
            t = host.pin_memory().to(device, non_blocking=True)
        else:
            t = host
        t._fk_host = values
        if len(_SMALL_CACHE) > 4096:
            _SMALL_CACHE.clear()
        _SMALL_CACHE[key] = t
    return t


def with_host(t: torch.Tensor, values) -> torch.Tensor:
    """Marks ``t`` as holding ``values`` (call only on tensors this kernel created)."""
    t._fk_host = tuple(values)
    return t


def scalar(value, like: torch.Tensor) -> torch.Tensor:
    """A 0-d tensor with ``like``'s dtype and device."""
    return torch.tensor(value, dtype=like.dtype, device=like.device)


def is_strings(x) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind == "O"


def numpy_fallback(op_type: str, numpy_table: dict, fn):
    """Runs ``op_type`` with the NumPy kernel when an input is a NumPy array: a string (object)
    array, or a plugin's own value type derived from ``np.ndarray`` (a TensorArray's flow).

    String tensors stay NumPy object arrays on every device; this is how the ops that move
    data around without computing on it (identity, reshape, stack...) handle them. A plugin's
    array type comes back as it is: it may answer NumPy's functions its own way (the zeros
    of a TensorArray's flow are an empty TensorArray, the sum of two flows merges them).
    """
    np_fn = numpy_table.get(op_type)
    if np_fn is None:
        return fn

    def kernel(attrs, *xs):
        if any(isinstance(x, np.ndarray) for x in xs):
            args = [x if not isinstance(x, torch.Tensor) else x.detach().cpu().numpy()
                    for x in xs]
            out = np_fn(attrs, *args)
            if isinstance(out, tuple):
                return tuple(_back(o) for o in out)
            return _back(out)
        return fn(attrs, *xs)
    kernel.__name__ = getattr(fn, "__name__", op_type)
    kernel.__doc__ = fn.__doc__
    return kernel


def _back(v):
    if isinstance(v, np.ndarray) and type(v) is not np.ndarray:
        return v                    # a plugin's own array type (see numpy_fallback)
    v = np.asarray(v)
    if v.dtype.kind == "O":
        return v
    return torch.from_numpy(np.array(v, copy=True))


# --------------------------------------------------------------------------------------------
# Crossing the boundary (used by TorchBackend.to_native / to_numpy)
# --------------------------------------------------------------------------------------------
def from_numpy(array, device):
    """A torch tensor on ``device`` holding ``array`` (string/object arrays stay NumPy)."""
    if isinstance(array, torch.Tensor):
        return array.to(device)
    arr = np.asarray(array)
    if arr.dtype.kind in "OUS":
        return arr if arr.dtype.kind == "O" else arr.astype(object)
    if not arr.flags.writeable or not arr.flags.c_contiguous or min(arr.strides, default=0) < 0:
        # (a one-element array read backwards, np.ones(1)[::-1], counts as contiguous but has
        # a negative stride, which torch.from_numpy refuses)
        arr = np.array(arr, copy=True, order="C")
    t = torch.from_numpy(arr)
    if torch.device(device).type != "cpu":
        t = t.to(device)
    if t.ndim <= 1 and t.numel() <= 64:
        # Small vectors and scalars (shapes, axes, bounds) keep their values on the host too.
        t._fk_host = tuple(arr.reshape(-1).tolist())
    return t


def as_numpy(value):
    """A NumPy array with the value of a torch tensor (or of a NumPy value)."""
    if isinstance(value, torch.Tensor):
        v = value.detach()
        if v.device.type != "cpu":
            return v.cpu().numpy()
        return v.numpy().copy()      # never share memory with a tensor flowkit may update
    return np.asarray(value)


def make_generator(seed_int, device):
    gen = torch.Generator(device=torch.device(device))
    if seed_int is None:
        gen.seed()
    else:
        gen.manual_seed(seed_int)
    return gen


def cuda_devices() -> int:
    try:
        return torch.cuda.device_count() if torch.cuda.is_available() else 0
    except Exception:  # noqa: BLE001 - a broken driver means "no GPU", not a crash
        return 0
