"""The NumPy backend: flowkit's reference backend, on the CPU.

This whole file is what a backend plugin is: a :class:`~flowkit.backend.Backend` subclass
with conversion functions and a table of forward kernels, returned from the
``flowkit_register_backends`` hook. The kernels live in the ``kernels_*`` modules, one per op
family; each is ``kernel(attrs, *inputs) -> output``, entered in its module's ``KERNELS`` table
(a :class:`~flowkit.backend.KernelTable`) by the ``@KERNELS.register("OpType")`` line above it.
"""
from __future__ import annotations

import numpy as np

from flowkit.backend import Backend
from flowkit.plugins import hookimpl

from flowkit_numpy import (kernels_array, kernels_control, kernels_conv, kernels_debug,
                           kernels_image, kernels_linalg, kernels_math, kernels_nn,
                           kernels_random, kernels_segment, kernels_special_math, kernels_state,
                           kernels_data_flow)

__version__ = "0.1.0"


class NumpyBackend(Backend):
    """Runs every op with NumPy on the CPU."""

    name = "numpy"

    def __init__(self) -> None:
        super().__init__()
        for module in (kernels_math, kernels_array, kernels_nn, kernels_state, kernels_random,
                       kernels_control, kernels_special_math, kernels_linalg, kernels_segment,
                       kernels_image, kernels_debug, kernels_data_flow, kernels_conv):
            self.register_kernels(module.KERNELS, "flowkit_numpy")
            self.inplace_kernels.update(getattr(module, "INPLACE", {}))
            self.out_kernels.update(getattr(module, "OUT", {}))

    def devices(self) -> dict:
        return {"cpu": True}

    def to_native(self, array, device):
        return array

    def to_numpy(self, value):
        return value

    def copy(self, value):
        return np.array(value, copy=True)

    def make_rng(self, seed, device):
        if seed is None:
            return np.random.default_rng()
        return np.random.default_rng([int(seed[0]) & 0xFFFFFFFF, int(seed[1]) & 0xFFFFFFFF])


@hookimpl
def flowkit_register_backends():
    return [NumpyBackend()]
