"""Conformance cases of :mod:`flowkit.ops.linalg_ops` (see :mod:`flowkit.testing_cases`)."""
from __future__ import annotations

CASES: list = []
