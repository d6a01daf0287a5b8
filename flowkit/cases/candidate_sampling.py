"""Conformance cases of the candidate samplers, the sampled losses and the other random ops."""
from __future__ import annotations

CASES = []
