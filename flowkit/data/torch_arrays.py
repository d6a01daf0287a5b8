"""The array functions of ``tf.data`` pipelines on the torch backend: components are torch
tensors on the session's device (string components stay NumPy object arrays, as everywhere
in the torch backend). Imported only when a torch session runs an iterator."""
from __future__ import annotations

import numpy as np
import torch

from flowkit.data.runtime import NumpyArrays


class TorchArrays:
    """Like :class:`flowkit.data.runtime.NumpyArrays`, for torch tensors on ``device``."""

    backend = "torch"

    def __init__(self, device) -> None:
        self._device = torch.device(device)
        #: The device's name as sessions spell it ("cpu", "cuda:0"), for function runners.
        self.device = str(self._device)

    def from_numpy(self, a):
        a = np.asarray(a)
        if a.dtype.kind in "OUS":
            return a if a.dtype.kind == "O" else a.astype(object)
        t = torch.from_numpy(np.array(a, copy=True, order="C"))
        return t.to(self._device) if self._device.type != "cpu" else t

    @staticmethod
    def to_numpy(x):
        if isinstance(x, torch.Tensor):
            return x.detach().cpu().numpy()
        return np.asarray(x)

    @staticmethod
    def to_bool(x) -> bool:
        return bool(x.item()) if isinstance(x, torch.Tensor) else bool(np.asarray(x))

    @staticmethod
    def shape(x) -> tuple:
        return tuple(x.shape) if isinstance(x, torch.Tensor) else tuple(np.shape(x))

    @staticmethod
    def index(x, i):
        return x[i]

    @staticmethod
    def copy(x):
        return x.clone() if isinstance(x, torch.Tensor) else np.array(x, copy=True)

    @staticmethod
    def stack(parts):
        if isinstance(parts[0], torch.Tensor):
            return torch.stack(parts)
        return np.stack(parts)

    @staticmethod
    def pad_stack(parts, shape, pad):
        if not isinstance(parts[0], torch.Tensor):
            return NumpyArrays.pad_stack(parts, shape, pad)
        value = pad.item() if isinstance(pad, torch.Tensor) else np.asarray(pad)[()]
        out = torch.full((len(parts),) + tuple(shape), value, dtype=parts[0].dtype,
                         device=parts[0].device)
        for i, p in enumerate(parts):
            out[(i,) + tuple(slice(0, d) for d in p.shape)] = p
        return out
