"""Conformance cases of :mod:`flowkit.ops.data_flow_ops` (see :mod:`flowkit.testing_cases`)."""
from __future__ import annotations

CASES: list = []
