"""The standard optimizers, registered through the optimizer hook."""
from __future__ import annotations

from flowkit.plugins import hookimpl

__version__ = "0.1.0"


@hookimpl
def flowkit_register_optimizers():
    return []
