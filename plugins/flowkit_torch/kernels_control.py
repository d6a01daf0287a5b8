"""Torch kernels of the control-flow ops (flowkit/ops/control_flow_ops.py).

None so far: ``Switch``, ``Merge`` and ``NoOp`` are executed by the session itself (they only
route values, whatever the backend), like the NumPy backend's table, which is empty too.
"""
from __future__ import annotations

KERNELS: dict = {}
