"""NumPy kernels of the array ops (flowkit/ops/array_ops.py)."""
from __future__ import annotations

import numpy as np


def _unbroadcast_to(attrs, g, shape):
    shape = tuple(int(d) for d in shape)
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, d in enumerate(shape)
                                      if d == 1 and g.shape[lead + i] != 1)
    return np.sum(g, axis=axes).reshape(shape) if axes else g.reshape(shape)


KERNELS = {
    "Identity": lambda attrs, x: x,
    "Shape": lambda attrs, x: np.array(np.shape(x), dtype=attrs["out_type"].as_numpy_dtype),
    "Size": lambda attrs, x: np.array(np.size(x), dtype=attrs["out_type"].as_numpy_dtype),
    "Rank": lambda attrs, x: np.array(np.ndim(x), dtype=np.int32),
    "Reshape": lambda attrs, x, shape: np.reshape(x, tuple(int(d) for d in shape)),
    "BroadcastTo": lambda attrs, x, shape: np.broadcast_to(x, tuple(int(d) for d in shape)),
    "UnbroadcastTo": _unbroadcast_to,
    "Cast": lambda attrs, x: np.asarray(x).astype(attrs["DstT"].as_numpy_dtype),
    "Pack": lambda attrs, *xs: np.stack(xs, axis=attrs["axis"]),
    "Unpack": lambda attrs, x: tuple(np.moveaxis(x, attrs["axis"], 0)),
    "ZerosLike": lambda attrs, x: np.zeros_like(x),
    "OnesLike": lambda attrs, x: np.ones_like(x),
}
