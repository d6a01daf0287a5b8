"""Segments, sorting and counting: segment and unsorted-segment reductions, sort, argsort,
top_k, unique, bincount, confusion_matrix.
"""
from __future__ import annotations

__all__: list = []
