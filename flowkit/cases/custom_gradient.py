"""Conformance cases of :mod:`flowkit.custom_gradient`: the ``IdentityN`` op that carries a
``tf.custom_gradient`` (see :mod:`flowkit.testing_cases`). Each ``grad_fn`` is the true
derivative, so the gradient check compares it with the numerical one through the backend."""
from __future__ import annotations

import numpy as np

from flowkit.cases import Case
from flowkit.custom_gradient import custom_gradient, grad_pass_through
from flowkit.ops.math_ops import cos, sin

_r = np.random.default_rng(2468)


@custom_gradient
def _cube(x):
    def grad(dy):
        return 3.0 * x * x * dy
    return x * x * x, grad


@custom_gradient
def _two_results(p, q):
    def grad(dy1, dy2):
        return [cos(p) * q * dy1 + dy2, sin(p) * dy1 + dy2]
    return (sin(p) * q, p + q), grad


def _two(p, q):
    y1, y2 = _two_results(p, q)
    return 2.0 * y1 + y2 * y2


CASES = [
    Case("IdentityN", _cube, [_r.standard_normal((2, 3))], grad=True),
    Case("IdentityN-two-results", _two,
         [_r.standard_normal((3, 2)), _r.standard_normal((3, 2))], grad=True),
    Case("IdentityN-pass-through", lambda x: grad_pass_through(lambda t: t * 1.0)(x) * x,
         [_r.standard_normal((4,))], grad=True),
]
