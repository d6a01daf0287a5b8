"""More elementwise math: inverse and hyperbolic trigonometry, erf, lgamma, expm1, predicates
(is_nan...), safe and truncating divisions, log-sum-exp and counting reductions.
"""
from __future__ import annotations

__all__: list = []
