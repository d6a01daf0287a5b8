"""The conformance cases: every op type a backend must provide is exercised here, forward
and (for differentiable ops) through its gradient. ``tests/test_conformance.py`` checks that
no required op type is left out.

Each case is small: values are compared with the NumPy backend and gradients are checked with
central differences in float64. Backward op types (``ReluGrad``, ``Conv2DBackpropInput``...)
also get cases of their own that build the gradient in the graph (see :func:`vjp`), so that
their kernels' values are compared with the NumPy reference too.

Example:
    >>> from flowkit.testing import run_conformance
    >>> from flowkit.testing_cases import CASES
    >>> relu = [c for c in CASES if c.name == "Relu"]
    >>> run_conformance("numpy", cases=relu).ok
    True
"""
from __future__ import annotations

import numpy as np

import flowkit as tf
from flowkit.cases import (Case, array_extra, bitwise, candidate_sampling, conv, custom_gradient,
                           data_flow, debug, fractional_pool, image, image_detect, linalg,
                           linalg_more, nn_impl, nn_more, scatter, segment, sparse_more,
                           special_math)


_r = np.random.default_rng(1234)


def f32(*shape):
    return _r.standard_normal(shape).astype(np.float32)


def f64(*shape):
    return _r.standard_normal(shape)


def pos64(*shape, low=0.5, high=2.0):
    """Positive float64 values (for log, sqrt, pow...)."""
    return _r.uniform(low, high, shape)


def away64(*shape, margin=0.1):
    """Float64 values at least ``margin`` away from 0 (kinks of relu, abs, sign...)."""
    return _r.choice([-1.0, 1.0], shape) * _r.uniform(margin, 2.0, shape)


def distinct64(*shape):
    """Float64 values that are pairwise apart by >= 0.1 (no ties for max, argmax, pools)."""
    n = int(np.prod(shape))
    return (_r.permutation(n) * 0.25 - n * 0.125 + _r.uniform(0, 0.1, n)).reshape(shape)


def i32(low, high, *shape):
    return _r.integers(low, high, shape).astype(np.int32)


def bools(*shape):
    return _r.integers(0, 2, shape).astype(bool)


def unknown_shape(x):
    """``x`` behind a ``PlaceholderWithDefault`` of unknown dims (rank kept), so that the
    builders and gradients take their dynamic-shape paths."""
    return tf.placeholder_with_default(x, shape=[None] * x.shape.ndims)


def joined(*tensors):
    """One flat tensor holding every element of ``tensors`` (of one dtype): lets a case with
    several outputs be gradient-checked (:func:`~flowkit.testing.check_gradients` takes one
    output)."""
    if len(tensors) == 1:
        return tensors[0]
    return tf.concat([tf.reshape(t, [-1]) for t in tensors], axis=0)


def vjp(fn, n_out=1):
    """A case builder ``(*xs, *us) -> dy/dx`` for ``ys = fn(*xs)`` and cotangents ``us``
    (one per output of ``fn``): runs the backward ops forward. With several inputs the
    gradients are :func:`joined`; inputs with no gradient (``None``) are left out.
    """
    def build(*args):
        xs, us = list(args[:-n_out]), list(args[-n_out:])
        ys = fn(*xs)
        ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
        return joined(*[g for g in tf.gradients(ys, xs, grad_ys=us) if g is not None])
    return build


def _assign_chain(a, b):
    """Assign, AssignAdd and AssignSub run in order in one step, after the initializer."""
    v = tf.Variable(np.zeros(3), name="v")
    with tf.control_dependencies([v.initializer]):
        first = tf.assign(v, a)
    with tf.control_dependencies([first]):
        second = tf.assign_add(v, b)
    with tf.control_dependencies([second]):
        third = tf.assign_sub(v, a * 0.5)
    with tf.control_dependencies([third]):
        return v.read_value()


def _assign_int(a):
    v = tf.Variable(np.array([1, 2, 3], np.int32), name="counter")
    with tf.control_dependencies([v.initializer]):
        up = tf.assign_add(v, a)
    with tf.control_dependencies([up]):
        down = tf.assign_sub(v, tf.constant(np.array([1, 1, 1], np.int32)))
    with tf.control_dependencies([down]):
        return v.read_value()


def _read_then_update(a):
    """A value read before an in-place update keeps the old value (kernels that return views
    of a variable must not see later writes)."""
    v = tf.Variable(np.arange(6.0).reshape(2, 3), name="v")
    with tf.control_dependencies([v.initializer]):
        before = v.read_value()
        flat, swapped = tf.reshape(before, [-1]), tf.transpose(before)
    with tf.control_dependencies([flat, swapped]):
        first = tf.assign_add(v, a)
    with tf.control_dependencies([first]):
        second = tf.assign_sub(v, a * 3.0)
    with tf.control_dependencies([second]):
        after = v.read_value()
    return [before, flat, swapped, first, second, after]


def _cond(p, x):
    return tf.cond(p, lambda: tf.square(x) * 2.0, lambda: tf.reduce_sum(x) - x)


def _cond_assign(p, x):
    """Only the branch taken runs its side effect."""
    v = tf.Variable(np.zeros(3), name="v")
    with tf.control_dependencies([v.initializer]):
        out = tf.cond(p, lambda: tf.assign_add(v, x), lambda: tf.assign_sub(v, x * 2.0))
    with tf.control_dependencies([out]):
        return [out, v.read_value()]


def _get_variable(x):
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", initializer=tf.constant(np.array([[1.0, -2.0], [0.5, 3.0]])))
        b = tf.get_variable("b", [2], tf.float64, initializer=tf.ones_initializer())
    with tf.control_dependencies([w.initializer, b.initializer]):
        return tf.nn.bias_add(tf.matmul(x, w.read_value()), b.read_value())


def _in_range(x, low, high):
    """True when every sample lies in ``[low, high)``."""
    return tf.logical_and(tf.reduce_all(x >= low), tf.reduce_all(x < high))


def _shuffle_keeps_rows(a):
    """A shuffle keeps each row whole and every row once: the rows' sums of ``a[:, 0] * 100
    + a[:, 1]`` and of its square are unchanged."""
    s = tf.random_shuffle(a, seed=12)
    key = s[:, 0] * 100 + s[:, 1]
    return tf.stack([tf.reduce_sum(key), tf.reduce_sum(key * key), tf.reduce_max(key),
                     tf.reduce_min(key)])


def _conv(x, w, strides=1, padding="SAME"):
    return tf.nn.conv2d(x, w, strides=[1, strides, strides, 1], padding=padding)


def _max_pool(x):
    return tf.nn.max_pool(x, [1, 2, 2, 1], [1, 1, 1, 1], "VALID")


def _avg_pool(x):
    return tf.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")


_ROUNDING = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, -0.7, 0.3, 3.49], np.float32)
_LABELS = np.array([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]])
_SPARSE = np.array([2, 0], np.int32)
_GATHER_IDX = np.array([2, 0, 2], np.int32)
_ND_IDX = np.array([[1, 0], [0, 2], [1, 0]], np.int32)
_RANGE_ARGS = dict(start=1, limit=11, delta=3)

CASES = [
    # ---------------------------------------------------------------- binary arithmetic
    Case("Add", lambda a, b: a + b, [f64(2, 3), f64(3)], grad=True),
    Case("Add-int", lambda a, b: a + b, [i32(-9, 9, 2, 3), i32(-9, 9, 3)]),
    Case("Sub", lambda a, b: a - b, [f64(2, 3), f64(2, 1)], grad=True),
    Case("Mul", lambda a, b: a * b, [f64(2, 3), f64(1, 3)], grad=True),
    Case("RealDiv", lambda a, b: a / b, [f64(2, 3), f64(3) + 3.0], grad=True),
    Case("FloorDiv", lambda a, b: a // b, [i32(-20, 20, 6), np.array([3, -3, 4, -4, 7, 2],
                                                                     np.int32)]),
    Case("FloorDiv-float", lambda a, b: tf.floordiv(a, b),
         [f32(6) * 5, np.array([1.5, -1.5, 2.0, -2.0, 0.7, 3.0], np.float32)]),
    Case("FloorMod", lambda a, b: a % b, [i32(-20, 20, 6), np.array([3, -3, 4, -4, 7, 2],
                                                                    np.int32)]),
    Case("FloorMod-float", lambda a, b: tf.floormod(a, b),
         [np.array([2.3, -2.3, 5.1, -0.4]), np.array([1.5, 1.5, -2.0, -0.7])], grad=True),
    Case("Pow", lambda a, b: tf.pow(a, b), [pos64(2, 3), f64(2, 3)], grad=True),
    Case("Pow-int", lambda a, b: tf.pow(a, b), [i32(-4, 5, 5), i32(0, 4, 5)]),
    Case("Maximum", lambda a, b: tf.maximum(a, b), [distinct64(2, 3), distinct64(3) + 0.05],
         grad=True),
    Case("Minimum", lambda a, b: tf.minimum(a, b), [distinct64(2, 3), distinct64(2, 1) + 0.05],
         grad=True),
    Case("Maximum-int", lambda a, b: tf.maximum(a, b), [i32(-5, 5, 4), i32(-5, 5, 4)]),
    Case("SquaredDifference", lambda a, b: tf.squared_difference(a, b), [f64(2, 3), f64(3)],
         grad=True),
    Case("Neg", lambda a: -a, [f64(4)], grad=True),
    Case("AddN", lambda a, b, c: tf.add_n([a, b, c]), [f64(2, 2), f64(2, 2), f64(2, 2)],
         grad=True),

    # ---------------------------------------------------------------- unary math
    Case("Abs", lambda a: tf.abs(a), [away64(2, 3)], grad=True),
    Case("Abs-int", lambda a: tf.abs(a), [i32(-9, 9, 5)]),
    Case("Sign", lambda a: tf.sign(a), [away64(5)], grad=True),
    Case("Sign-int", lambda a: tf.sign(a), [np.array([-3, 0, 4], np.int32)]),
    Case("Square", lambda a: tf.square(a), [f64(2, 3)], grad=True),
    Case("Sqrt", lambda a: tf.sqrt(a), [pos64(5)], grad=True),
    Case("Rsqrt", lambda a: tf.rsqrt(a), [pos64(5)], grad=True),
    Case("Exp", lambda a: tf.exp(a), [f64(5)], grad=True),
    Case("Log", lambda a: tf.log(a), [pos64(5)], grad=True),
    Case("Log1p", lambda a: tf.log1p(a), [pos64(5, low=-0.5)], grad=True),
    Case("Sin", lambda a: tf.sin(a), [f64(5)], grad=True),
    Case("Cos", lambda a: tf.cos(a), [f64(5)], grad=True),
    Case("Tanh", lambda a: tf.tanh(a), [f64(5)], grad=True),
    Case("Sigmoid", lambda a: tf.sigmoid(a), [f64(5)], grad=True),
    Case("TanhGrad", vjp(tf.tanh), [f64(2, 3), f64(2, 3)], grad=True),
    Case("SigmoidGrad", vjp(tf.sigmoid), [f64(2, 3), f64(2, 3)], grad=True),
    Case("SigmoidGrad-f32", vjp(tf.sigmoid), [f32(4) * 20, f32(4)]),
    Case("Reciprocal", lambda a: tf.reciprocal(a), [away64(5, margin=0.5)], grad=True),
    Case("Round", lambda a: tf.round(a), [_ROUNDING]),
    Case("Floor", lambda a: tf.floor(a), [_ROUNDING]),
    Case("Ceil", lambda a: tf.ceil(a), [_ROUNDING]),
    Case("Exp-float32", lambda a: tf.exp(a), [f32(6)]),

    # ---------------------------------------------------------------- comparisons and logic
    Case("Equal", lambda a, b: tf.equal(a, b), [i32(0, 3, 2, 4), i32(0, 3, 4)]),
    Case("NotEqual", lambda a, b: tf.not_equal(a, b), [i32(0, 3, 2, 4), i32(0, 3, 4)]),
    Case("Equal-bool", lambda a, b: tf.equal(a, b), [bools(5), bools(5)]),
    Case("Less", lambda a, b: tf.less(a, b), [f32(2, 3), f32(3)]),
    Case("LessEqual", lambda a, b: tf.less_equal(a, b), [i32(0, 3, 6), i32(0, 3, 6)]),
    Case("Greater", lambda a, b: tf.greater(a, b), [f64(2, 3), f64(2, 1)]),
    Case("GreaterEqual", lambda a, b: tf.greater_equal(a, b), [i32(0, 3, 6), i32(0, 3, 6)]),
    Case("LogicalAnd", lambda a, b: tf.logical_and(a, b), [bools(2, 3), bools(3)]),
    Case("LogicalOr", lambda a, b: tf.logical_or(a, b), [bools(2, 3), bools(2, 3)]),
    Case("LogicalNot", lambda a: tf.logical_not(a), [bools(5)]),
    Case("Select", lambda c, a, b: tf.where(c, a, b), [bools(2, 3), f64(2, 3), f64(2, 3)]),
    Case("Select-grad", lambda a, b: tf.where(tf.constant(np.array([True, False, True])), a, b),
         [f64(3), f64(3)], grad=True),
    Case("Select-rows", lambda c, a, b: tf.where(c, a, b), [bools(3), f32(3, 2), f32(3, 2)]),
    Case("Where", lambda c: tf.where(c), [np.array([[True, False, True], [False, True, True]])]),

    # ---------------------------------------------------------------- sums and products
    Case("MatMul", lambda a, b: tf.matmul(a, b), [f64(3, 4), f64(4, 2)], grad=True),
    Case("MatMul-T", lambda a, b: tf.matmul(a, b, transpose_a=True, transpose_b=True),
         [f64(4, 3), f64(2, 4)], grad=True),
    Case("MatMul-batched", lambda a, b: tf.matmul(a, b), [f64(2, 3, 4), f64(2, 4, 5)],
         grad=True),
    Case("MatMul-float32", lambda a, b: tf.matmul(a, b), [f32(3, 4), f32(4, 2)]),
    Case("Cumsum", lambda a: tf.cumsum(a, axis=1), [f64(2, 3)], grad=True),
    Case("Cumsum-exclusive-reverse", lambda a: tf.cumsum(a, axis=0, exclusive=True,
                                                         reverse=True), [f64(3, 2)], grad=True),
    Case("Cumprod", lambda a: tf.cumprod(a, axis=0), [f64(3, 2)], grad=True),
    Case("Cumprod-exclusive-reverse", lambda a: tf.cumprod(a, axis=1, exclusive=True,
                                                           reverse=True), [f64(2, 3)],
         grad=True),

    # ---------------------------------------------------------------- reductions
    Case("Sum", lambda a: tf.reduce_sum(a, axis=1), [f64(3, 4)], grad=True),
    Case("Sum-all-int", lambda a: tf.reduce_sum(a), [i32(-5, 5, 3, 4)]),
    Case("Mean", lambda a: tf.reduce_mean(a, axis=[0], keepdims=True), [f64(3, 4)], grad=True),
    Case("Mean-int", lambda a: tf.reduce_mean(a), [np.array([1, 2, 4], np.int32)]),
    Case("Max", lambda a: tf.reduce_max(a, axis=1), [distinct64(3, 4)], grad=True),
    Case("Max-ties", lambda a: tf.reduce_max(a * 0.0 + tf.constant([[1.0, 2.0, 2.0]],
                                                                   tf.float64) + a * 0.0),
         [f64(2, 3)], grad=True),
    Case("Min", lambda a: tf.reduce_min(a, axis=[0, 1], keepdims=True), [distinct64(2, 3)],
         grad=True),
    Case("Min-int", lambda a: tf.reduce_min(a, axis=0), [i32(-9, 9, 3, 2)]),
    Case("Prod", lambda a: tf.reduce_prod(a, axis=0), [f64(3, 2)], grad=True),
    Case("Prod-all", lambda a: tf.reduce_prod(a), [f64(2, 3)], grad=True),
    Case("Any", lambda a: tf.reduce_any(a, axis=1), [bools(3, 4)]),
    Case("All", lambda a: tf.reduce_all(a, axis=0, keepdims=True), [bools(3, 4)]),
    Case("ArgMax", lambda a: tf.argmax(a, axis=1), [distinct64(3, 4)]),
    Case("ArgMax-int32", lambda a: tf.argmax(a, axis=0, output_type=tf.int32),
         [i32(0, 100, 3, 4)]),
    Case("ArgMin", lambda a: tf.argmin(a, axis=0), [distinct64(3, 4).astype(np.float32)]),
    Case("ReducedShape", lambda a: tf.reduce_sum(unknown_shape(a), axis=1) * 1.0,
         [f64(2, 3)], grad=True),
    Case("ReducedShape-vjp", vjp(lambda a: tf.reduce_mean(unknown_shape(a), axis=0)),
         [f64(2, 3), f64(3)]),

    # ---------------------------------------------------------------- shapes and casts
    Case("Reshape", lambda a: tf.reshape(a, [-1]), [f64(3, 4)], grad=True),
    Case("Cast", lambda a: tf.cast(a, tf.int32), [f32(5) * 10]),
    Case("Cast-bool", lambda a: tf.cast(a, tf.float32), [bools(5)]),
    Case("Cast-grad", lambda a: tf.cast(tf.cast(a, tf.float32), tf.float64), [f64(4)]),
    Case("Shape", lambda a: tf.shape(a), [f32(2, 5)]),
    Case("Size", lambda a: tf.size(a), [f32(2, 5)]),
    Case("Rank", lambda a: tf.rank(tf.placeholder_with_default(a, shape=None)),
         [f32(2, 1, 3)]),
    Case("Rank-static", lambda a: tf.rank(a), [f32(2, 5)]),
    Case("PlaceholderWithDefault", lambda a: unknown_shape(a) * 2.0, [f64(2, 3)], grad=True),
    Case("Identity", lambda a: tf.identity(a), [f64(2, 3)], grad=True),
    Case("StopGradient", lambda a: tf.stop_gradient(a) * a, [f64(4)]),
    Case("StopGradient-grad", lambda a: a * 2.0 + tf.stop_gradient(tf.floor(a)), [f64(4)],
         grad=True),
    Case("BroadcastTo", lambda a: tf.broadcast_to(a, [2, 3, 2]), [f64(3, 1)], grad=True),
    Case("UnbroadcastTo", lambda a, b: unknown_shape(a) * unknown_shape(b),
         [f64(2, 3), f64(1, 3)], grad=True),
    Case("UnbroadcastTo-vjp", vjp(lambda a, b: unknown_shape(a) + unknown_shape(b)),
         [f64(2, 1), f64(3), f64(2, 3)]),
    Case("ExpandDims", lambda a: tf.expand_dims(a, -1), [f64(2, 3)], grad=True),
    Case("Squeeze", lambda a: tf.squeeze(a, axis=[0, 2]), [f64(1, 3, 1)], grad=True),
    Case("Squeeze-all", lambda a: tf.squeeze(a), [f32(2, 1, 1, 3)]),
    Case("ZerosLike", lambda a: tf.zeros_like(a), [i32(0, 5, 2, 3)]),
    Case("OnesLike", lambda a: tf.gradients(tf.reduce_sum(a * 3.0), a)[0], [f64(2, 2)]),
    Case("OnesLike-y", lambda a: tf.gradients(a * a, a)[0], [f32(3)]),
    Case("Fill", lambda v: tf.fill([2, 3], v), [np.float64(1.5)], grad=True),
    Case("Fill-dynamic", lambda a: tf.ones(tf.shape(a), tf.int32), [f32(2, 2)]),
    Case("Range", lambda: tf.range(**_RANGE_ARGS), []),
    Case("Range-float", lambda: tf.range(1.0, 2.0, 0.25), []),
    Case("Range-dynamic", lambda n: tf.range(n), [np.int32(4)]),
    Case("Range-negative-delta", lambda n: tf.range(n, -3, -2), [np.int64(6)]),
    Case("LinSpace", lambda a, b: tf.linspace(a, b, 5), [np.float32(-1.0), np.float32(2.0)]),
    Case("LinSpace-one", lambda a: tf.linspace(a, a + 1.0, 1), [np.float64(3.0)]),

    # ---------------------------------------------------------------- array manipulation
    Case("Pack", lambda a, b: tf.stack([a, b], axis=1), [f64(3), f64(3)], grad=True),
    Case("Unpack", lambda a: tf.unstack(a, axis=1)[0] * 2.0, [f64(3, 2)], grad=True),
    Case("Unpack-num1", lambda a: tf.unstack(a)[0] * 2.0, [f64(1, 3)], grad=True),
    Case("Pack-num1", lambda a: tf.stack([tf.nn.relu(a)]), [away64(3)], grad=True),
    Case("Transpose", lambda a: tf.transpose(a, [1, 2, 0]), [f64(2, 3, 2)], grad=True),
    Case("Transpose-dynamic", lambda a, p: tf.transpose(a, p),
         [f32(2, 3, 4), np.array([2, 0, 1], np.int32)]),
    Case("InvertPermutation", vjp(lambda a: tf.transpose(
        a, tf.placeholder_with_default(np.array([2, 0, 1], np.int32), [3]))),
        [f64(2, 1, 3), f64(3, 2, 1)]),
    Case("InvertPermutation-direct", lambda p: tf.invert_permutation(p),
         [np.array([3, 0, 4, 2, 1], np.int32)]),
    Case("ReverseV2", lambda a: tf.reverse(a, [0, -1]), [f64(2, 3)], grad=True),
    Case("ConcatV2", lambda a, b: tf.concat([a, b], axis=1), [f64(2, 1), f64(2, 3)],
         grad=True),
    Case("ConcatV2-negative-axis", lambda a, b: tf.concat([a, b], axis=-2),
         [i32(0, 9, 1, 2), i32(0, 9, 2, 2)]),
    Case("Split", lambda a: tf.split(a, 2, axis=1), [f64(2, 4)], grad=True),
    Case("Split-num1", lambda a: tf.split(a, 1, axis=0)[0] * 2.0, [f64(1, 3)], grad=True),
    Case("Split-one-used", lambda a: tf.split(a, 3, axis=0)[1] * 2.0, [f64(3, 2)], grad=True),
    Case("SplitV", lambda a: tf.split(a, [1, -1], axis=0), [f64(3, 2)]),
    Case("SplitV-grad", lambda a: joined(*tf.split(a, [1, -1], axis=0)) * tf.range(
        1.0, 7.0, dtype=tf.float64), [f64(3, 2)], grad=True),
    Case("Tile", lambda a: tf.tile(a, [2, 3]), [f64(2, 2)], grad=True),
    Case("Tile-dynamic", lambda a: tf.tile(unknown_shape(a), [1, 2]), [f64(2, 3)], grad=True),
    Case("Pad", lambda a: tf.pad(a, [[1, 0], [2, 1]]), [f64(2, 3)], grad=True),
    Case("PadV2", lambda a: tf.pad(a, [[0, 1], [1, 1]], constant_values=-2.0), [f64(2, 3)],
         grad=True),
    Case("MirrorPad-reflect", lambda a: tf.pad(a, [[1, 1], [2, 1]], "REFLECT"), [f64(2, 3)],
         grad=True),
    Case("MirrorPad-symmetric", lambda a: tf.pad(a, [[2, 1], [0, 3]], "SYMMETRIC"),
         [f64(2, 3)], grad=True),
    Case("MirrorPadGrad", vjp(lambda a: tf.pad(a, [[1, 2], [2, 1]], "SYMMETRIC")),
         [f64(2, 3), f64(5, 6)], grad=True),
    Case("MirrorPadGrad-reflect", vjp(lambda a: tf.pad(a, [[1, 1], [2, 2]], "REFLECT")),
         [f64(2, 3), f64(4, 7)]),
    Case("Slice", lambda a: tf.slice(a, [1, 0], [1, -1]), [f64(2, 3)], grad=True),
    Case("Slice-dynamic", lambda a: tf.slice(unknown_shape(a), [0, 1], [2, 2]), [f64(3, 3)],
         grad=True),
    Case("StridedSlice", lambda a: a[1:, ::-2], [f64(3, 4)], grad=True),
    Case("StridedSlice-masks", lambda a: a[..., 1, tf.newaxis], [f32(2, 3, 4)]),
    Case("StridedSliceGrad", vjp(lambda a: a[:, 1:3]), [f64(2, 4), f64(2, 2)], grad=True),
    Case("GatherV2", lambda a: tf.gather(a, _GATHER_IDX), [f64(3, 2)], grad=True),
    Case("GatherV2-axis1", lambda a, i: tf.gather(a, i, axis=1),
         [f32(2, 4), np.array([[3, 0], [1, 1]], np.int32)]),
    Case("GatherGrad", vjp(lambda a: tf.gather(a, _GATHER_IDX, axis=1)),
         [f64(2, 3), f64(2, 3)], grad=True),
    Case("GatherNd", lambda a: tf.gather_nd(a, _ND_IDX), [f64(2, 3)], grad=True),
    Case("GatherNd-slices", lambda a, i: tf.gather_nd(a, i),
         [i32(0, 9, 3, 2), np.array([[2], [0]], np.int64)]),
    Case("ScatterNd", lambda u: tf.scatter_nd(_ND_IDX, u, [2, 3]), [f64(3)], grad=True),
    Case("ScatterNd-int", lambda i, u: tf.scatter_nd(i, u, [5]),
         [np.array([[1], [3], [1]], np.int32), i32(0, 9, 3)]),
    Case("OneHot", lambda i: tf.one_hot(i, 4), [np.array([0, 3, -1, 2], np.int32)]),
    Case("OneHot-axis0", lambda i: tf.one_hot(i, 3, on_value=5, off_value=-1, axis=0),
         [np.array([[0, 2], [1, 1]], np.int64)]),

    # ---------------------------------------------------------------- activations
    Case("Relu", lambda a: tf.nn.relu(a), [away64(3, 4)], grad=True),
    Case("ReluGrad", vjp(tf.nn.relu), [away64(2, 3), f64(2, 3)], grad=True),
    Case("Relu6", lambda a: tf.nn.relu6(a), [away64(6) * 4], grad=True),
    Case("Relu6Grad", vjp(tf.nn.relu6), [np.array([-1.0, 0.5, 3.0, 5.5, 7.0, 9.0]), f64(6)],
         grad=True),
    Case("Elu", lambda a: tf.nn.elu(a), [away64(2, 3)], grad=True),
    Case("EluGrad", vjp(tf.nn.elu), [away64(2, 3), f64(2, 3)], grad=True),
    Case("Softplus", lambda a: tf.nn.softplus(a), [f64(2, 3) * 3], grad=True),
    Case("Softplus-large", lambda a: tf.nn.softplus(a),
         [np.array([-100.0, -30.0, 0.0, 30.0, 100.0], np.float32)]),
    Case("SoftplusGrad", vjp(tf.nn.softplus), [f64(2, 3), f64(2, 3)], grad=True),
    Case("Softmax", lambda a: tf.nn.softmax(a), [f64(2, 3)], grad=True),
    Case("Softmax-axis0", lambda a: tf.nn.softmax(a, axis=0), [f32(3, 2) * 50]),
    Case("LogSoftmax", lambda a: tf.nn.log_softmax(a), [f64(2, 3)], grad=True),
    Case("LogSoftmax-axis0", lambda a: tf.nn.log_softmax(a, axis=0), [f32(3, 2) * 50]),
    Case("BiasAdd", lambda a, b: tf.nn.bias_add(a, b), [f64(2, 3), f64(3)], grad=True),
    Case("BiasAddGrad", vjp(tf.nn.bias_add), [f64(2, 1, 3), f64(3), f64(2, 1, 3)],
         grad=True),
    Case("L2Loss", lambda a: tf.nn.l2_loss(a), [f64(2, 3)], grad=True),

    # ---------------------------------------------------------------- convolution, pooling
    Case("Conv2D", lambda x, w: _conv(x, w), [f64(1, 3, 3, 1), f64(2, 2, 1, 2)], grad=True),
    Case("Conv2D-valid-strided", lambda x, w: _conv(x, w, 2, "VALID"),
         [f32(2, 5, 5, 2), f32(3, 3, 2, 3)], rtol=1e-4, atol=1e-5),
    Case("Conv2D-same-strided", lambda x, w: _conv(x, w, 2, "SAME"),
         [f32(1, 4, 5, 2), f32(2, 3, 2, 2)], rtol=1e-4, atol=1e-5),
    Case("Conv2D-dilated", lambda x, w: tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME",
                                                     dilations=[1, 2, 2, 1]),
         [f32(1, 5, 5, 1), f32(2, 2, 1, 2)], rtol=1e-4, atol=1e-5),
    Case("Conv2DBackpropInput", vjp(lambda x, w: _conv(x, w, 2, "SAME")),
         [f32(1, 4, 5, 2), f32(2, 3, 2, 2), f32(1, 2, 3, 2)], rtol=1e-4, atol=1e-5),
    Case("Conv2DBackprop-valid", vjp(lambda x, w: _conv(x, w, 2, "VALID")),
         [f32(2, 5, 5, 2), f32(3, 3, 2, 3), f32(2, 2, 2, 3)], rtol=1e-4, atol=1e-5),
    Case("Conv2DBackpropFilter", lambda x, dy: tf.nn.conv2d_backprop_filter(
        x, [2, 2, 1, 1], dy, [1, 1, 1, 1], "VALID"), [f64(1, 3, 2, 1), f64(1, 2, 1, 1)],
        grad=True),
    Case("Conv2DBackpropInput-direct", lambda w, dy: tf.nn.conv2d_backprop_input(
        [1, 3, 2, 1], w, dy, [1, 1, 1, 1], "SAME"), [f64(2, 2, 1, 1), f64(1, 3, 2, 1)],
        grad=True),
    Case("MaxPool", lambda x: _max_pool(x), [distinct64(1, 3, 3, 1)], grad=True),
    Case("MaxPool-same-strided", lambda x: tf.nn.max_pool(x, [1, 3, 3, 1], [1, 2, 2, 1],
                                                          "SAME"), [f32(2, 5, 4, 3)]),
    Case("MaxPoolGrad", vjp(_max_pool), [distinct64(1, 3, 3, 1), f64(1, 2, 2, 1)],
         grad=True),
    Case("MaxPoolGradGrad", vjp(vjp(_max_pool)),
         [distinct64(1, 3, 3, 1), f64(1, 2, 2, 1), f64(1, 3, 3, 1)], grad=True),
    Case("AvgPool", lambda x: _avg_pool(x), [f64(1, 3, 3, 1)], grad=True),
    Case("AvgPool-valid", lambda x: tf.nn.avg_pool(x, [1, 2, 3, 1], [1, 1, 2, 1], "VALID"),
         [f32(2, 4, 5, 2)]),
    Case("AvgPoolGrad", vjp(_avg_pool), [f64(1, 3, 3, 1), f64(1, 2, 2, 1)], grad=True),

    # ---------------------------------------------------------------- losses and metrics
    Case("SoftmaxCrossEntropyWithLogits", lambda lab, x: tf.nn.
         softmax_cross_entropy_with_logits_v2(labels=lab, logits=x), [_LABELS, f64(2, 3)],
         grad=True),
    Case("SoftmaxCrossEntropyWithLogits-vjp", vjp(lambda x: tf.nn.
         softmax_cross_entropy_with_logits_v2(labels=tf.constant(_LABELS), logits=x)),
         [f64(2, 3), f64(2)]),
    Case("SparseSoftmaxCrossEntropyWithLogits", lambda x: tf.nn.
         sparse_softmax_cross_entropy_with_logits(labels=_SPARSE, logits=x), [f64(2, 3)],
         grad=True),
    Case("SparseSoftmaxCrossEntropyWithLogits-float32", lambda lab, x: tf.nn.
         sparse_softmax_cross_entropy_with_logits(labels=lab, logits=x),
         [np.array([1, 0, 3], np.int64), f32(3, 4) * 10]),
    Case("InTopKV2", lambda p, t: tf.nn.in_top_k(p, t, 2),
         [np.array([[0.1, 0.5, 0.4], [0.3, 0.3, 0.4], [0.9, 0.05, 0.05]], np.float32),
          np.array([2, 0, 1], np.int32)]),

    # ---------------------------------------------------------------- state, control flow
    Case("Assign", _assign_chain, [f64(3), f64(3)]),
    Case("AssignAdd-int", _assign_int, [i32(0, 5, 3)]),
    Case("Assign-read-before-update", _read_then_update, [f64(2, 3)]),
    Case("get_variable", _get_variable, [f64(3, 2)]),
    Case("cond-true", _cond, [np.bool_(True), f64(3)]),
    Case("cond-false", _cond, [np.bool_(False), f64(3)]),
    Case("cond-grad", lambda x: _cond(tf.constant(False), x) * _cond(tf.constant(True), x),
         [f64(3)], grad=True),
    Case("cond-assign-true", _cond_assign, [np.bool_(True), f64(3)]),
    Case("cond-assign-false", _cond_assign, [np.bool_(False), f64(3)]),

    # ---------------------------------------------------------------- random
    Case("RandomStandardNormal", lambda: tf.random_normal([400], mean=1.0, stddev=2.0,
                                                          seed=1), [], random=True),
    Case("RandomStandardNormal-float64", lambda: tf.random_normal([2, 3], dtype=tf.float64,
                                                                  seed=2), [], random=True),
    Case("TruncatedNormal", lambda: tf.truncated_normal([400], seed=3), [], random=True),
    Case("RandomUniform", lambda: tf.random_uniform([400], -1.0, 3.0, seed=4), [],
         random=True),
    Case("RandomUniform-dynamic-shape", lambda a: tf.random_uniform(tf.shape(a), seed=5),
         [f32(2, 3)], random=True),
    Case("RandomUniformInt", lambda: tf.random_uniform([400], 2, 9, dtype=tf.int32, seed=6),
         [], random=True),
    Case("RandomUniformInt-int64", lambda: tf.random_uniform([3], 0, 5, dtype=tf.int64,
                                                             seed=7), [], random=True),
    Case("RandomShuffle", lambda a: tf.random_shuffle(a, seed=8), [f32(5, 2)], random=True),
    # Properties of the samples, compared exactly (every backend must give True).
    Case("TruncatedNormal-bounds", lambda: tf.reduce_all(
        tf.abs(tf.truncated_normal([400], seed=9)) <= 2.0), []),
    Case("RandomUniform-bounds", lambda: _in_range(tf.random_uniform([400], seed=10), 0.0, 1.0),
         []),
    Case("RandomUniformInt-bounds", lambda: _in_range(
        tf.random_uniform([400], -2, 3, dtype=tf.int32, seed=11), -2, 3), []),
    Case("RandomShuffle-rows", _shuffle_keeps_rows,
         [np.arange(12, dtype=np.int32).reshape(6, 2)]),
    Case("RandomUniform-same-seed", lambda: tf.reduce_all(tf.equal(
        tf.random_uniform([5], seed=3), tf.random_uniform([5], seed=3))), []),
    Case("RandomUniform-other-seed", lambda: tf.reduce_any(tf.not_equal(
        tf.random_uniform([5], seed=3), tf.random_uniform([5], seed=4))), []),

    # ---------------------------------------------------------------- dtypes and edge values
    Case("Add-float16", lambda a, b: a + b, [f32(2, 3).astype(np.float16),
                                             f32(3).astype(np.float16)], rtol=1e-3),
    Case("Relu-float16", lambda a: tf.nn.relu(a) * a, [f32(5).astype(np.float16)], rtol=1e-3),
    Case("Add-uint8-wraps", lambda a, b: a + b, [np.array([250, 3], np.uint8),
                                                 np.array([10, 4], np.uint8)]),
    Case("Mul-int8-wraps", lambda a, b: a * b, [np.array([100, -3], np.int8),
                                                np.array([2, 4], np.int8)]),
    Case("Sub-int64", lambda a, b: a - b, [np.array([2**40, -3], np.int64),
                                           np.array([1, 4], np.int64)]),
    Case("div-int", lambda a, b: tf.div(a, b), [np.array([7, -7, 7, -7], np.int32),
                                                np.array([2, 2, -2, -2], np.int32)]),
    Case("truediv-int", lambda a, b: a / b, [np.array([7, -7, 7, -7], np.int32),
                                             np.array([2, 2, -2, -2], np.int32)]),
    Case("FloorMod-int64", lambda a, b: tf.mod(a, b), [np.array([-7, 7, -7, 7], np.int64),
                                                       np.array([3, -3, -3, 3], np.int64)]),
    Case("FloorDiv-int8", lambda a, b: a // b, [np.array([-7, 7, -7, 7], np.int8),
                                                np.array([3, -3, -3, 3], np.int8)]),
    Case("AddN-int", lambda a, b: tf.add_n([a, b, a]), [i32(0, 9, 3), i32(0, 9, 3)]),
    Case("MatMul-int", lambda a, b: tf.matmul(a, b), [i32(-3, 3, 2, 3), i32(-3, 3, 3, 2)]),
    Case("Maximum-float32-broadcast", lambda a, b: tf.maximum(a, b), [f32(2, 1, 3), f32(4, 1)]),
    Case("Equal-string", lambda: tf.equal(tf.constant(["a", "b"]), tf.constant(["a", "c"])),
         []),
    Case("Log-edge", lambda a: tf.log(a), [np.array([0.0, 1.0, np.inf], np.float32)]),
    Case("Sqrt-zero", lambda a: tf.sqrt(a), [np.array([0.0, 4.0], np.float32)]),
    Case("Sign-zero", lambda a: tf.sign(a), [np.array([0.0, -0.0, 2.0, -3.0], np.float32)]),
    Case("Softplus-extremes-grad", lambda a: tf.nn.softplus(a), [np.array([-40.0, 40.0, 0.1])],
         grad=True),
    Case("Cast-float-int64-truncates", lambda a: tf.cast(a, tf.int64),
         [np.array([-1.7, -0.5, 0.5, 1.7, 2.5])]),
    Case("Cast-int-bool", lambda a: tf.cast(a, tf.bool), [np.array([0, 2, -1], np.int32)]),
    Case("Cast-float-uint8", lambda a: tf.cast(a, tf.uint8),
         [np.array([0.0, 2.7, 255.0], np.float32)]),
    Case("ArgMax-ties", lambda a: tf.argmax(a, axis=1),
         [np.array([[1, 3, 3], [2, 2, 0]], np.int32)]),
    Case("ArgMin-ties", lambda a: tf.argmin(a, axis=0),
         [np.array([[1, 0], [1, 0]], np.float32)]),
    Case("Mean-int-negative", lambda a: tf.reduce_mean(a), [np.array([-1, -2, -4], np.int32)]),
    Case("Mean-int64-axis", lambda a: tf.reduce_mean(a, axis=1),
         [np.array([[-1, -2, -4], [5, 0, 0]], np.int64)]),
    Case("Sum-empty", lambda a: tf.reduce_sum(a, axis=0), [np.zeros((0, 3), np.float32)]),
    Case("Prod-empty", lambda a: tf.reduce_prod(a, axis=0), [np.zeros((0, 3), np.float32)]),
    Case("Max-int64", lambda a: tf.reduce_max(a, axis=[0, 1]),
         [np.array([[-5, 2**40], [3, 1]], np.int64)]),
    Case("Cumsum-int", lambda a: tf.cumsum(a, axis=0, exclusive=True), [i32(-5, 5, 4)]),
    Case("Cumprod-int", lambda a: tf.cumprod(a, reverse=True), [i32(-3, 4, 4)]),
    Case("MaxPool-negative-same", lambda x: tf.nn.max_pool(x, [1, 3, 3, 1], [1, 1, 1, 1],
                                                           "SAME"),
         [-np.abs(f32(1, 3, 3, 1)) - 1]),
    Case("AvgPool-same-stride1", lambda x: tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 1, 1, 1],
                                                          "SAME"), [f32(1, 3, 4, 2)]),
    Case("Conv2D-float64", lambda x, w: tf.nn.conv2d(x, w, [1, 1, 2, 1], "SAME"),
         [f64(1, 4, 5, 2), f64(3, 2, 2, 3)]),
    Case("BiasAdd-4d", lambda x, b: tf.nn.bias_add(x, b), [f32(1, 2, 2, 3), f32(3)]),
    Case("Softmax-3d-middle-axis", lambda a: tf.nn.softmax(a, axis=1), [f32(2, 3, 2)]),
    Case("InTopKV2-nonfinite", lambda p, t: tf.nn.in_top_k(p, t, 1),
         [np.array([[np.nan, 0.5, 0.4], [np.inf, 0.3, 0.4], [0.2, 0.2, 0.1], [0.1, 0.2, 0.3]],
                   np.float32), np.array([1, 0, 1, 5], np.int32)]),
    Case("InTopKV2-ties-large-k", lambda p, t: tf.nn.in_top_k(p, t, 5),
         [np.array([[0.2, 0.2, 0.1]], np.float32), np.array([2], np.int64)]),
    Case("Where-3d", lambda c: tf.where(c), [bools(2, 2, 3)]),
    Case("Where-none-true", lambda c: tf.where(c), [np.zeros((2, 3), bool)]),
    Case("GatherV2-int64-indices", lambda a, i: tf.gather(a, i),
         [i32(0, 9, 4, 2), np.array([[3], [0]], np.int64)]),
    Case("Tile-int", lambda a: tf.tile(a, [3]), [i32(0, 9, 2)]),
    Case("Shape-int64-empty", lambda a: tf.shape(a, out_type=tf.int64), [f32(2, 0, 3)]),
    Case("Size-int64-empty", lambda a: tf.size(a, out_type=tf.int64), [f32(2, 0, 3)]),
    Case("Squeeze-negative-axis", lambda a: tf.expand_dims(tf.squeeze(a, axis=-1), -3),
         [f32(2, 3, 1)]),
    Case("StridedSlice-shrink-negative", lambda a: a[-1, ::-1], [f32(3, 4)]),
    Case("StridedSlice-tensor-index", lambda a, i: a[i, 1:], [f32(3, 4), np.int32(2)]),
    Case("Slice-int", lambda a: tf.slice(a, [1], [2]), [i32(0, 9, 4)]),
    Case("OneHot-bool", lambda i: tf.one_hot(i, 3, dtype=tf.bool), [np.array([0, 2], np.int32)]),
    Case("OneHot-uint8-indices", lambda i: tf.one_hot(i, 3, on_value=2.0, off_value=0.5,
                                                      dtype=tf.float64),
         [np.array([0, 2], np.uint8)]),
    Case("PadV2-int", lambda a: tf.pad(a, [[1, 2]], constant_values=7), [i32(0, 9, 3)]),
    Case("MirrorPad-int", lambda a: tf.pad(a, [[2, 2]], "REFLECT"), [i32(0, 9, 3)]),
    Case("ConcatV2-bool", lambda a, b: tf.concat([a, b], 0), [bools(2), bools(3)]),
    Case("Pack-int-negative-axis", lambda a, b: tf.stack([a, b], axis=-1),
         [i32(0, 9, 2, 3), i32(0, 9, 2, 3)]),
    Case("ReverseV2-int", lambda a: tf.reverse(a, [1]), [i32(0, 9, 2, 3)]),
    Case("Transpose-bool", lambda a: tf.transpose(a), [bools(2, 3)]),
    Case("ScatterNd-repeated-float", lambda u: tf.scatter_nd([[0, 1], [0, 1], [1, 2]], u,
                                                             [2, 3]), [f32(3)]),
    Case("GatherNd-scalar", lambda a: tf.gather_nd(a, [1, 2]), [f32(2, 3)]),
    Case("Fill-int64", lambda v: tf.fill([2, 2], v), [np.int64(3)]),
    Case("ZerosLike-bool", lambda a: tf.zeros_like(a), [bools(3)]),
    Case("Range-int64", lambda: tf.range(0, 10, 4, dtype=tf.int64), []),
    Case("LinSpace-float64", lambda: tf.linspace(tf.constant(0.0, tf.float64), 1.0, 7), []),

    # ---------------------------------------------------------------- ops on views
    # Reshape, Transpose, slicing... may return views: the next kernel must accept them.
    Case("Reshape-of-transpose", lambda a: tf.reshape(tf.transpose(a), [-1]), [f64(2, 3)],
         grad=True),
    Case("Reshape-of-strided", lambda a: tf.reshape(a[:, ::2], [-1]), [f64(3, 4)], grad=True),
    Case("Conv2D-of-transpose", lambda x, w: _conv(tf.transpose(x, [0, 2, 1, 3]), w),
         [f64(1, 3, 2, 1), f64(2, 2, 1, 1)], grad=True),
    Case("MatMul-of-views", lambda a, b: tf.matmul(a[:, ::-1], tf.transpose(b)),
         [f64(2, 3), f64(2, 3)], grad=True),
    Case("MaxPool-of-reverse", lambda x: _max_pool(tf.reverse(x, [1])), [f32(1, 3, 3, 2)]),
    Case("Cumsum-of-transpose", lambda a: tf.cumsum(tf.transpose(a), axis=1), [f64(2, 3)],
         grad=True),
    Case("GatherV2-of-reverse", lambda a: tf.gather(tf.reverse(a, [0]), [0, 2]), [f64(3, 2)],
         grad=True),
    Case("MirrorPad-of-strided", lambda a: tf.pad(a[::2], [[1, 1], [0, 1]], "REFLECT"),
         [f64(5, 2)], grad=True),
    Case("Where-of-transpose", lambda a: tf.where(tf.transpose(a)),
         [np.array([[True, False, True], [False, True, True]])]),
    Case("fetch-views", lambda a: [tf.identity(a), tf.reshape(a, [-1]), a[0]], [f32(2, 2)]),
    Case("ConcatV2-of-views", lambda a: tf.concat([tf.transpose(a), a[::-1]], 0), [f64(2, 2)],
         grad=True),
]

#: ``(case, reason)`` pairs: cases that fail on every backend because of known bugs outside
#: the backends. ``tests/test_conformance.py`` runs them as expected failures: move a case
#: to :data:`CASES` once its bug is fixed.
PENDING_CASES = []

# The families with a case module of their own:
CASES += (special_math.CASES + linalg.CASES + segment.CASES + image.CASES + debug.CASES +
          data_flow.CASES + candidate_sampling.CASES + scatter.CASES + nn_impl.CASES + conv.CASES +
          custom_gradient.CASES + array_extra.CASES + linalg_more.CASES +
          sparse_more.CASES + nn_more.CASES + image_detect.CASES + fractional_pool.CASES +
          bitwise.CASES)
