"""Debugging and Python: Print / print, check_numerics, the assert family, py_func /
numpy_function, identity_n, ensure_shape.
"""
from __future__ import annotations

__all__: list = []
