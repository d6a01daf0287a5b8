"""Conformance cases of the scatter ops."""
from __future__ import annotations

CASES = []
