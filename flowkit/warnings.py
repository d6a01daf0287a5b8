"""``tf.warnings``: flowkit's warnings where TF1 is silent (see :mod:`flowkit.framework.warnings`).

Example:
    >>> import warnings
    >>> import flowkit as tf
    >>> with warnings.catch_warnings():   # switch one off for a block of code
    ...     warnings.filterwarnings("ignore", category=tf.warnings.GraphGrowthWarning)
"""
from flowkit.framework.warnings import (  # noqa: F401
    WARNINGS, BroadcastWarning, FlowkitWarning, GraphGrowthWarning, InitializerOrderWarning,
    IntegerVariableWarning, NonFiniteWarning, NumericsWarning, enabled, reset)

__all__ = ["FlowkitWarning", "GraphGrowthWarning", "BroadcastWarning", "NonFiniteWarning",
           "IntegerVariableWarning", "InitializerOrderWarning", "NumericsWarning", "WARNINGS",
           "enabled", "reset"]
