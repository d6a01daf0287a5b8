"""Random ops, seeded with TF1's rule (``tf.set_random_seed`` plus op seeds)."""
from __future__ import annotations

__all__ = []
