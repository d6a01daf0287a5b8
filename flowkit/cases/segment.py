"""Conformance cases of :mod:`flowkit.ops.segment_ops` (see :mod:`flowkit.testing_cases`)."""
from __future__ import annotations

CASES: list = []
