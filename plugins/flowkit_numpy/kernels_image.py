"""NumPy kernels of :mod:`flowkit.ops.image_ops`."""
from __future__ import annotations

from flowkit.backend import KernelTable

KERNELS = KernelTable()
