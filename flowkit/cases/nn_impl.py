"""Conformance cases of tf.nn's composite functions (flowkit.ops.nn_impl)."""
from __future__ import annotations

CASES = []
