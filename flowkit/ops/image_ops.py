"""Images (tf.image): resizing with TF1's align_corners semantics, flips, per-image
standardization, space_to_depth and depth_to_space.
"""
from __future__ import annotations

__all__: list = []
