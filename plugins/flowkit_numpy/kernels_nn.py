"""NumPy kernels of the neural-network ops (flowkit/ops/nn_ops.py)."""
from __future__ import annotations

import numpy as np

KERNELS = {
}
KERNELS.update({
    "Relu": lambda attrs, x: np.maximum(x, np.zeros((), x.dtype)),
    "ReluGrad": lambda attrs, g, y: np.where(y > 0, g, np.zeros((), g.dtype)),
})
