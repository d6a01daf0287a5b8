"""The PyTorch backend plugin (CPU and CUDA). Importing this module never imports torch."""
from __future__ import annotations

import importlib.util

from flowkit.plugins import hookimpl

__version__ = "0.1.0"


@hookimpl
def flowkit_register_backends():
    if importlib.util.find_spec("torch") is None:
        return []
    from flowkit_torch.backend import TorchBackend
    return [TorchBackend()]
