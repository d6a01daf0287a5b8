"""The PyTorch backend: flowkit's graphs run with torch tensors, on the CPU or a CUDA GPU.

Values stay torch tensors on the session's device from the feeds to the fetches: the
session converts each fed array once (:meth:`TorchBackend.to_native`) and each fetched value
once (:meth:`TorchBackend.to_numpy`), and the backend counts both, so a test can prove that
nothing else crosses the boundary. Kernels follow TF1's semantics, not PyTorch's (NHWC
convolutions, floor division, no dtype promotion...); they live in the ``kernels_*`` modules,
one per op family, like the NumPy backend's.

Importing this module does not import torch: the backend loads torch and its kernels the
first time it is asked for devices, kernels or a conversion, so ``import flowkit`` and NumPy
sessions stay free of it.

Example:
    >>> from flowkit import plugins
    >>> be = plugins.get_backend("torch")
    >>> be.devices()["cpu"]
    True
    >>> t = be.to_native(np.array([1.5, 2.5], dtype=np.float32), "cpu")
    >>> t.dtype, be.to_numpy(t).tolist()
    (torch.float32, [1.5, 2.5])
"""
from __future__ import annotations

import importlib
import os
import threading

import numpy as np

from flowkit.backend import Backend

_FAMILIES = ("kernels_math", "kernels_array", "kernels_nn", "kernels_state", "kernels_random",
             "kernels_control", "kernels_special_math", "kernels_linalg", "kernels_segment",
             "kernels_image", "kernels_debug", "kernels_data_flow", "kernels_conv")


def _numpy_backend_kernels() -> dict:
    """The kernels of the ``numpy`` backend, asked of the plugin manager (plugins never import
    each other), or none where that backend is disabled."""
    from flowkit import plugins
    try:
        return plugins.get_backend("numpy").kernels
    except ValueError:
        return {}


def _or_normal(inplace, normal):
    """An in-place kernel that falls back to the op's normal kernel when it returns
    ``NotImplemented`` (an input that is not a tensor, a result that does not fit)."""
    def kernel(attrs, j, *xs):
        out = inplace(attrs, j, *xs)
        return normal(attrs, *xs) if out is NotImplemented else out
    return kernel


class TorchBackend(Backend):
    """Runs every op with PyTorch on ``cpu``, ``cuda`` (the current GPU) or ``cuda:N``."""

    name = "torch"

    def __init__(self) -> None:
        self._kernels: dict = {}
        self._lib = None             # flowkit_torch._common, once torch is imported
        self._load_lock = threading.Lock()    # threads asking at once load the kernels once
        super().__init__()
        #: How many arrays went NumPy -> torch and torch -> NumPy (see the module docstring).
        self.conversions = {"to_native": 0, "to_numpy": 0}

    # -- lazy loading ----------------------------------------------------------------------------
    def _load(self):
        """Imports torch and merges the built-in kernels under those other plugins added."""
        if self._lib is not None:
            return self._lib
        with self._load_lock:
            return self._load_locked()

    def _load_locked(self):
        if self._lib is None:
            from flowkit_torch import _common
            builtin, inplace = {}, {}
            numpy_kernels = _numpy_backend_kernels()
            for family in _FAMILIES:
                module = importlib.import_module(f"flowkit_torch.{family}")
                table = dict(module.KERNELS)
                inplace.update(getattr(module, "INPLACE", {}))
                # String tensors stay NumPy arrays: those ops use the NumPy backend's kernels.
                for op_type in getattr(module, "STRING_OPS", ()):
                    table[op_type] = _common.numpy_fallback(op_type, numpy_kernels,
                                                            table[op_type])
                for op_type, fn in table.items():
                    if op_type in builtin:
                        raise ValueError(f"Two torch kernel modules define '{op_type}'.")
                    builtin[op_type] = fn
            for op_type in self._kernels:
                if op_type in builtin:
                    raise ValueError(f"Backend 'torch' got two kernels for op type "
                                     f"'{op_type}' (one from flowkit_torch, one from a plugin).")
            builtin.update(self._kernels)
            self._kernels.clear()
            self._kernels.update(builtin)
            for op_type, fn in inplace.items():
                self.inplace_kernels[op_type] = _or_normal(fn, builtin[op_type])
            self._lib = _common
        return self._lib

    @property
    def kernels(self) -> dict:
        """op type -> forward kernel (importing torch on first use)."""
        self._load()
        return self._kernels

    @kernels.setter
    def kernels(self, table) -> None:
        self._kernels = dict(table)

    def _kernels_to_extend(self) -> dict:
        # Plugins add kernels while flowkit loads: keep them without importing torch (once
        # loaded, the table holds the built-in kernels too, so clashes are found either way).
        return self._kernels

    # -- devices -------------------------------------------------------------------------------
    def devices(self) -> dict:
        n = self._load().cuda_devices()
        devs = {"cpu": True, "cuda": n > 0}
        for i in range(n):
            devs[f"cuda:{i}"] = True
        return devs

    def configure_session(self, settings, device) -> None:
        """``intra_op_parallelism_threads`` sets PyTorch's CPU thread count (process-wide in
        PyTorch); ``per_process_gpu_memory_fraction`` caps the CUDA device's memory. A session
        on CUDA turns cuDNN's TensorFloat-32 off (process-wide) unless ``FLOWKIT_TF32=1``:
        float32 convolutions then agree with the NumPy backend to float32 precision, not to
        TF32's three digits. Host memory is kept as for every backend
        (:func:`flowkit.backend.keep_freed_host_memory`)."""
        super().configure_session(settings, device)
        threads, fraction = settings.get("intra_op_threads"), settings.get("gpu_memory_fraction")
        cuda = device.startswith("cuda")
        if threads is None and fraction is None and not cuda:
            return                                 # nothing asked: torch is not imported
        torch = self._load().torch
        if cuda and os.environ.get("FLOWKIT_TF32", "0") != "1":
            torch.backends.cudnn.allow_tf32 = False
        if threads:
            torch.set_num_threads(int(threads))
        if fraction and device.startswith("cuda"):
            torch.cuda.set_per_process_memory_fraction(float(fraction), torch.device(device))

    # -- data crossing the boundary -------------------------------------------------------------
    def reset_conversion_counts(self) -> None:
        """Sets both conversion counters back to zero."""
        self.conversions = {"to_native": 0, "to_numpy": 0}

    def to_native(self, array, device):
        self.conversions["to_native"] += 1
        return (self._lib or self._load()).from_numpy(array, device)

    def to_numpy(self, value):
        self.conversions["to_numpy"] += 1
        return (self._lib or self._load()).as_numpy(value)

    def copy(self, value):
        if isinstance(value, np.ndarray):
            return np.array(value, copy=True)
        return value.clone()

    def make_rng(self, seed, device):
        return self._load().make_generator(None if seed is None else mix_seed(seed), device)


def mix_seed(seed) -> int:
    """One 63-bit torch seed from a ``(graph_seed, op_seed)`` pair, deterministically.

    A multiply-xorshift mix keeps nearby pairs such as ``(1, 2)`` and ``(2, 1)`` apart.

    Example:
        >>> mix_seed((1, 2)) == mix_seed((1, 2)) != mix_seed((2, 1))
        True
    """
    a, b = (int(s) & 0xFFFFFFFF for s in seed)
    x = (a << 32) | b
    for _ in range(2):
        x = ((x ^ (x >> 31)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
    return (x ^ (x >> 31)) & 0x7FFFFFFFFFFFFFFF
