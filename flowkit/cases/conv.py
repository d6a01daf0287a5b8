"""Conformance cases of the convolutions and pools beyond conv2d (3-D, transposed, depthwise,
separable, atrous)."""
from __future__ import annotations

CASES = []
