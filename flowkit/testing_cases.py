"""The conformance cases: every op type a backend must provide is exercised here, forward
and (for differentiable ops) through its gradient. ``tests/test_conformance.py`` checks that
no required op type is left out.

Each case is small: values are compared with the NumPy backend and gradients are checked with
central differences in float64.
"""
from __future__ import annotations

import numpy as np

import flowkit as tf
from flowkit.testing import Case

_r = np.random.default_rng(1234)


def f32(*shape):
    return _r.standard_normal(shape).astype(np.float32)


def f64(*shape):
    return _r.standard_normal(shape)


CASES = [
    Case("Add", lambda a, b: a + b, [f64(2, 3), f64(3)], grad=True),
    Case("Sub", lambda a, b: a - b, [f64(2, 3), f64(2, 1)], grad=True),
    Case("Mul", lambda a, b: a * b, [f64(2, 3), f64(1, 3)], grad=True),
    Case("RealDiv", lambda a, b: a / b, [f64(2, 3), f64(3) + 3.0], grad=True),
    Case("Neg", lambda a: -a, [f64(4)], grad=True),
    Case("AddN", lambda a, b, c: tf.add_n([a, b, c]), [f64(2, 2), f64(2, 2), f64(2, 2)],
         grad=True),
    Case("MatMul", lambda a, b: tf.matmul(a, b), [f64(3, 4), f64(4, 2)], grad=True),
    Case("MatMul-T", lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
         [f64(4, 3), f64(2, 4)], grad=True),
    Case("MatMul-batched", lambda a, b: tf.matmul(a, b), [f64(2, 3, 4), f64(2, 4, 5)],
         grad=True),
    Case("Sum", lambda a: tf.reduce_sum(a, axis=1), [f64(3, 4)], grad=True),
    Case("Mean", lambda a: tf.reduce_mean(a, axis=[0], keepdims=True), [f64(3, 4)], grad=True),
    Case("Mean-int", lambda a: tf.reduce_mean(a), [np.array([1, 2, 4], np.int32)]),
    Case("Relu", lambda a: tf.nn.relu(a), [f64(3, 4)], grad=True),
    Case("Reshape", lambda a: tf.reshape(a, [-1]), [f64(3, 4)], grad=True),
    Case("Cast", lambda a: tf.cast(a, tf.int32), [f32(5) * 10]),
    Case("Pack", lambda a, b: tf.stack([a, b], axis=1), [f64(3), f64(3)], grad=True),
    Case("Unpack", lambda a: tf.unstack(a, axis=1)[0] * 2.0, [f64(3, 2)], grad=True),
    Case("Shape", lambda a: tf.shape(a), [f32(2, 5)]),
    Case("Size", lambda a: tf.size(a), [f32(2, 5)]),
    Case("Rank", lambda a: tf.rank(a), [f32(2, 5)]),
]
