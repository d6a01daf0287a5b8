"""The PyTorch backend plugin (CPU and CUDA). Importing this module never imports torch.

The backend is registered only where PyTorch is installed; it imports torch the first time a
session (or ``flowkit plugins``) uses it, so NumPy-only programs never pay for it.
"""
from __future__ import annotations

import importlib.util

from flowkit.plugins import hookimpl

__version__ = "0.1.0"


def torch_available() -> bool:
    """Whether PyTorch can be imported here (checked without importing it)."""
    try:
        return importlib.util.find_spec("torch") is not None
    except (ImportError, ValueError):
        return False


def unavailable_reason():
    """Why this plugin contributes nothing here (``flowkit plugins`` prints it), or None."""
    if torch_available():
        return None
    return ("backend torch: not available: PyTorch is not installed. Add it with "
            "`pip install torch` (or `pip install -e \".[torch]\"` in a checkout); "
            "sessions run on NumPy meanwhile.")


@hookimpl
def flowkit_register_backends():
    if not torch_available():
        return []
    from flowkit_torch.backend import TorchBackend
    return [TorchBackend()]
