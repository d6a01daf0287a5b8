"""``tf.nn`` functions built from other ops: activations, moments and normalization."""

__all__ = []
