"""NumPy kernels of the convolution and pooling ops beyond 2-D NHWC conv2d."""
from __future__ import annotations

from flowkit.backend import KernelTable

KERNELS = KernelTable()
