"""PyTorch kernels of :mod:`flowkit.ops.debug_ops`."""
from __future__ import annotations

from flowkit.backend import KernelTable

KERNELS = KernelTable()
