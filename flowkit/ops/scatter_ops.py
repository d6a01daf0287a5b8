"""Scatter ops: sparse updates of variables (``tf.scatter_update``...) and of tensors
(``tf.tensor_scatter_nd_update``...)."""

__all__ = []
