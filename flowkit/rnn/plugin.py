"""The op plugin of the loops: kernels of ``While``, ``WhileGrad`` and the ``TensorArray``
ops for NumPy and PyTorch, given through the ``flowkit_register_kernels`` hook (the ops are
declared in :mod:`flowkit.rnn.while_ops` and :mod:`flowkit.rnn.tensor_array`, with
``needs_state``, which an :class:`~flowkit.plugins.OpSpec` cannot say).

Load it as any plugin (an entry point of the ``flowkit`` group, or
:func:`flowkit.plugins.register_plugin`); :func:`ensure_registered` does so unless it
already is (the loop builders call it).
"""
from __future__ import annotations

import sys

from flowkit import plugins
from flowkit.plugins import hookimpl
from flowkit.rnn.runtime import kernels

__version__ = "0.1.0"
PLUGIN_NAME = "flowkit.rnn.plugin"


@hookimpl
def flowkit_register_kernels():
    return [("numpy", kernels("numpy")), ("torch", kernels("torch"))]


def ensure_registered() -> bool:
    """Registers this plugin unless the plugin manager already has it; returns whether it
    registered it."""
    module = sys.modules[__name__]
    if plugins.get_plugin_manager().is_registered(module):
        return False
    plugins.register_plugin(module, name=PLUGIN_NAME)
    return True
