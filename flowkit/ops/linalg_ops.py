"""Linear algebra: einsum, norm, diag, eye, matrix inverse, determinant, solve, Cholesky, QR,
SVD, band parts, cross products.
"""
from __future__ import annotations

__all__: list = []
