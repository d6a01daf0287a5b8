"""NumPy kernels (see the matching flowkit op module)."""
from __future__ import annotations

KERNELS = {}
