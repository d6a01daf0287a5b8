"""Tests of the array ops: values against NumPy on every backend, gradients on every backend,
static shape inference with unknown dims, build-time errors, and differential tests against
TensorFlow 1 (values, dtypes, shapes and op names)."""
import numpy as np
import pytest

import flowkit as tf
from flowkit import plugins
from flowkit.testing import check_gradients

RNG = np.random.default_rng(0)
XV = RNG.standard_normal((3, 4)).astype(np.float32)


def _run(session, build, feed_value=XV):
    """Builds ``build(x)`` on a ``[None, 4]`` float32 placeholder and runs it."""
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    out = build(x)
    with session() as sess:
        return out, sess.run(out, {x: feed_value})


# --------------------------------------------------------------------------------------------
# Values against NumPy, on every backend
# --------------------------------------------------------------------------------------------
def _reflect(a, p):
    return np.pad(a, p, mode="reflect")


VALUE_CASES = [
    ("range", lambda x: tf.range(5), lambda a: np.arange(5, dtype=np.int32)),
    ("range_start_limit", lambda x: tf.range(2, 11, 3), lambda a: np.arange(2, 11, 3, np.int32)),
    ("range_negative_delta", lambda x: tf.range(10, 2, -3), lambda a: np.arange(10, 2, -3)),
    ("range_float", lambda x: tf.range(1, 2.0, 0.25), lambda a: np.arange(1, 2, 0.25, np.float32)),
    ("range_int64", lambda x: tf.range(4, dtype=tf.int64), lambda a: np.arange(4, dtype=np.int64)),
    ("linspace", lambda x: tf.linspace(0.0, 1.0, 5),
     lambda a: np.linspace(0, 1, 5, dtype=np.float32)),
    ("fill", lambda x: tf.fill([2, 3], 1.5), lambda a: np.full((2, 3), 1.5, np.float32)),
    ("zeros", lambda x: tf.zeros([2, 3], tf.int32), lambda a: np.zeros((2, 3), np.int32)),
    ("zeros_dynamic", lambda x: tf.zeros(tf.shape(x)), lambda a: np.zeros_like(a)),
    ("ones_big", lambda x: tf.ones([40, 30], tf.int64), lambda a: np.ones((40, 30), np.int64)),
    ("zeros_like", lambda x: tf.zeros_like(x), lambda a: np.zeros_like(a)),
    ("ones_like_int", lambda x: tf.ones_like(x, dtype=tf.int32),
     lambda a: np.ones(a.shape, np.int32)),
    ("transpose_default", lambda x: tf.transpose(x), lambda a: a.T),
    ("transpose_perm", lambda x: tf.transpose(tf.reshape(x, [-1, 2, 2]), [2, 0, 1]),
     lambda a: a.reshape(-1, 2, 2).transpose(2, 0, 1)),
    ("expand_dims", lambda x: tf.expand_dims(x, -1), lambda a: a[..., None]),
    ("squeeze", lambda x: tf.squeeze(tf.expand_dims(x, 1)), lambda a: a),
    ("squeeze_axis", lambda x: tf.squeeze(x[:1, :, None], axis=[0, 2]), lambda a: a[0]),
    ("reverse", lambda x: tf.reverse(x, [0, -1]), lambda a: a[::-1, ::-1]),
    ("concat_neg_axis", lambda x: tf.concat([x, 2.0 * x], -1),
     lambda a: np.concatenate([a, 2 * a], -1)),
    ("concat_one", lambda x: tf.concat([x], 0), lambda a: a),
    ("stack", lambda x: tf.stack([x, x], axis=1), lambda a: np.stack([a, a], 1)),
    ("unstack", lambda x: tf.unstack(x, axis=1)[2], lambda a: a[:, 2]),
    ("split_even", lambda x: tf.split(x, 2, axis=1)[1], lambda a: a[:, 2:]),
    ("split_sizes", lambda x: tf.split(x, [1, -1], axis=1)[1], lambda a: a[:, 1:]),
    ("split_sizes_axis0", lambda x: tf.split(x, [2, 1])[0], lambda a: a[:2]),
    ("tile", lambda x: tf.tile(x, [2, 3]), lambda a: np.tile(a, [2, 3])),
    ("pad_constant", lambda x: tf.pad(x, [[1, 0], [2, 2]]), lambda a: np.pad(a, [[1, 0], [2, 2]])),
    ("pad_values", lambda x: tf.pad(x, [[1, 1], [0, 1]], constant_values=3.0),
     lambda a: np.pad(a, [[1, 1], [0, 1]], constant_values=3)),
    ("pad_reflect", lambda x: tf.pad(x, [[2, 1], [3, 2]], "REFLECT"),
     lambda a: _reflect(a, [[2, 1], [3, 2]])),
    ("pad_symmetric", lambda x: tf.pad(x, [[3, 1], [4, 0]], "symmetric"),
     lambda a: np.pad(a, [[3, 1], [4, 0]], mode="symmetric")),
    ("slice", lambda x: tf.slice(x, [1, 1], [-1, 2]), lambda a: a[1:, 1:3]),
    ("strided_slice", lambda x: tf.strided_slice(x, [0, 3], [3, 0], [2, -1]),
     lambda a: a[0:3:2, 3:0:-1]),
    ("gather", lambda x: tf.gather(x, [[0, 2], [2, 2]]), lambda a: a[[[0, 2], [2, 2]]]),
    ("gather_axis", lambda x: tf.gather(x, [3, 0, 3], axis=-1), lambda a: a[:, [3, 0, 3]]),
    ("one_hot", lambda x: tf.one_hot([0, 2, -1, 5], 3),
     lambda a: np.array([[1, 0, 0], [0, 0, 1], [0, 0, 0], [0, 0, 0]], np.float32)),
    ("one_hot_axis0", lambda x: tf.one_hot([1, 0], 3, on_value=5, off_value=-1, axis=0),
     lambda a: np.array([[-1, 5], [5, -1], [-1, -1]], np.int32)),
    ("where_coords", lambda x: tf.where(x > 0), lambda a: np.argwhere(a > 0)),
    ("select", lambda x: tf.where(x > 0, x, -x), lambda a: np.abs(a)),
    ("select_rows", lambda x: tf.where(x[:, 0] > 0, x, 3.0 * x),
     lambda a: np.where(a[:, :1] > 0, a, 3 * a)),
    ("boolean_mask", lambda x: tf.boolean_mask(x, x > 0), lambda a: a[a > 0]),
    ("boolean_mask_axis", lambda x: tf.boolean_mask(x, [True, False, True, True], axis=1),
     lambda a: a[:, [0, 2, 3]]),
    ("boolean_mask_rows", lambda x: tf.boolean_mask(x, x[:, 1] < 0), lambda a: a[a[:, 1] < 0]),
    ("stop_gradient", lambda x: tf.stop_gradient(x), lambda a: a),
    ("placeholder_with_default", lambda x: tf.placeholder_with_default(x, [None, 4]), lambda a: a),
    ("to_int32", lambda x: tf.to_int32(x * 3.0), lambda a: (a * 3).astype(np.int32)),
    ("to_double", lambda x: tf.to_double(x), lambda a: a.astype(np.float64)),
    ("to_int64", lambda x: tf.to_int64(x), lambda a: a.astype(np.int64)),
    ("to_float", lambda x: tf.to_float(tf.to_int32(x)),
     lambda a: a.astype(np.int32).astype(np.float32)),
    ("reshape_minus_one", lambda x: tf.reshape(x, [2, -1]), lambda a: a.reshape(2, -1)),
    ("broadcast_to", lambda x: tf.broadcast_to(x, [2, 3, 4]),
     lambda a: np.broadcast_to(a, (2, 3, 4))),
    ("invert_permutation", lambda x: tf.invert_permutation([2, 0, 1]),
     lambda a: np.array([1, 2, 0], np.int32)),
    ("shape_size_rank", lambda x: tf.stack([tf.size(x), tf.rank(x), tf.shape(x)[1]]),
     lambda a: np.array([12, 2, 4], np.int32)),
]


@pytest.mark.parametrize("case", VALUE_CASES, ids=[c[0] for c in VALUE_CASES])
def test_values_match_numpy(case, session):
    _, build, expected = case
    out, got = _run(session, build)
    want = expected(XV)
    assert np.asarray(got).dtype == np.dtype(out.dtype.as_numpy_dtype)
    assert np.shape(got) == np.shape(want)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


# Indexing forms for t[...] on a [3, 4, 5] tensor (fed into a [None, 4, None] placeholder).
INDEXES = [
    0, -1, 2, slice(None), slice(1, None), slice(None, -1), slice(None, None, -1),
    slice(None, None, 2), slice(-1, 0, -2), slice(10, -10, -1), slice(-100, 100),
    (0, 1), (0, -1, -1), (slice(None), 1), (Ellipsis, 1), (Ellipsis, slice(None, None, -2)),
    (1, Ellipsis), (None,), (None, 0), (slice(None), None, slice(1, 3)), (Ellipsis, None),
    (0, Ellipsis, None, slice(None, None, -1)), (slice(1, 2), slice(3, 1, -1), 4),
    (), (Ellipsis,), (None, Ellipsis, None),
]
TV = np.arange(60, dtype=np.float32).reshape(3, 4, 5)


@pytest.mark.parametrize("index", INDEXES, ids=[repr(i) for i in INDEXES])
def test_getitem_matches_numpy(index, session):
    t = tf.placeholder(tf.float32, [None, 4, None])
    out = t[index]
    assert out.op.type == "StridedSlice" and out.op.name == "strided_slice"
    with session() as sess:
        got = sess.run(out, {t: TV})
    want = TV[index]
    assert np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(got, want)
    assert out.shape.is_compatible_with(np.shape(want))


def test_getitem_tensor_indices(session):
    t = tf.constant(TV)
    i = tf.placeholder(tf.int32, [])
    j = tf.constant(3, tf.int64)
    outs = [t[i], t[i, j], t[:, i:], t[..., j::-1], t[tf.newaxis, i, 1:j]]
    with session() as sess:
        got = sess.run(outs, {i: 1})
    want = [TV[1], TV[1, 3], TV[:, 1:], TV[..., 3::-1], TV[None, 1, 1:3]]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    assert outs[1].dtype is tf.float32 and outs[1].shape.as_list() == [5]


def test_getitem_bool_tensor_is_boolean_mask(session):
    x = tf.constant(XV)
    out = x[x > 0]
    with session() as sess:
        np.testing.assert_array_equal(sess.run(out), XV[XV > 0])


def test_getitem_rejects_bad_indices():
    x = tf.zeros([2, 3])
    for bad in (1.5, "a", tf.constant([1, 2]), tf.constant(1.0)):
        with pytest.raises(TypeError, match="valid indices"):
            x[bad]


def test_getitem_on_variable_and_shape(session):
    v = tf.Variable(TV)
    with session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(v[1, ::2]), TV[1, ::2])
        assert sess.run(tf.shape(v)[-1]) == 5


def test_placeholder_with_default_can_be_fed(session):
    p = tf.placeholder_with_default(tf.constant([1.0, 2.0]), shape=[None])
    y = p * 2.0
    with session() as sess:
        np.testing.assert_array_equal(sess.run(y), [2.0, 4.0])
        np.testing.assert_array_equal(sess.run(y, {p: [1.0, 1.0, 1.0]}), [2.0, 2.0, 2.0])
    assert p.shape.as_list() == [None]


def test_views_do_not_see_later_variable_updates(session):
    """Ops registered with view=True: a value read before an in-place update keeps its value."""
    v = tf.Variable(np.arange(6, dtype=np.float32).reshape(2, 3))
    reads = [tf.transpose(v), v[0], tf.reshape(v, [-1]), tf.expand_dims(v, 0),
             tf.slice(v, [0, 0], [1, 2]),
             tf.squeeze(v[:1]), tf.identity(v), tf.unstack(v)[0], tf.split(v, [1, 2], 1)[1],
             tf.split(v, 3, 1)[0], tf.reverse(v, [1]), tf.stop_gradient(v)]
    with tf.control_dependencies([r.op for r in reads]):
        upd = tf.assign_add(v, tf.ones([2, 3]))
    with session() as sess:
        sess.run(v.initializer)
        got = sess.run(reads + [upd])
    base = np.arange(6, dtype=np.float32).reshape(2, 3)
    want = [base.T, base[0], base.reshape(-1), base[None], base[:1, :2], base[0], base, base[0],
            base[:, 1:], base[:, :1], base[:, ::-1], base]
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


# --------------------------------------------------------------------------------------------
# Gradients, on every backend
# --------------------------------------------------------------------------------------------
A34 = RNG.standard_normal((3, 4))
A234 = RNG.standard_normal((2, 3, 4))
GRAD_CASES = [
    ("identity", lambda x: tf.identity(x), [A34]),
    ("placeholder_with_default", lambda x: tf.placeholder_with_default(x, [3, 4]) * x, [A34]),
    ("reshape", lambda x: tf.reshape(x, [2, -1]), [A34]),
    ("transpose", lambda x: tf.transpose(x, [2, 0, 1]), [A234]),
    ("expand_dims", lambda x: tf.expand_dims(x, 1), [A34]),
    ("squeeze", lambda x: tf.squeeze(tf.reshape(x, [1, 3, 1, 4])), [A34]),
    ("reverse", lambda x: tf.reverse(x, [0, 2]), [A234]),
    ("concat", lambda x, y: tf.concat([x, y, x], axis=-1), [A34, A34[:, :2].copy()]),
    ("stack_unstack", lambda x: tf.stack(tf.unstack(x, axis=1)[::-1], axis=0), [A34]),
    ("split", lambda x: tf.split(x, 2, axis=1)[1] * tf.split(x, 2, axis=1)[0], [A34]),
    ("split_sizes", lambda x: tf.split(x, [1, -1, 1], axis=-1)[1], [A34]),
    ("tile", lambda x: tf.tile(x, [2, 3]), [A34]),
    ("pad", lambda x: tf.pad(x, [[1, 2], [0, 3]]), [A34]),
    ("pad_values", lambda x: tf.pad(x, [[1, 0], [2, 1]], constant_values=2.0), [A34]),
    ("pad_reflect", lambda x: tf.pad(x, [[2, 1], [3, 2]], "REFLECT"), [A34]),
    ("pad_symmetric", lambda x: tf.pad(x, [[3, 2], [1, 4]], "SYMMETRIC"), [A34]),
    ("slice", lambda x: tf.slice(x, [1, 0], [-1, 3]), [A34]),
    ("strided_slice", lambda x: x[::-2, tf.newaxis, 1:3], [A34]),
    ("getitem_ellipsis", lambda x: x[..., 1] * x[0, ..., 1], [A234]),
    ("gather_repeated", lambda x: tf.gather(x, [[2, 0], [2, 2]], axis=0), [A34]),
    ("gather_axis", lambda x: tf.gather(x, [3, 3, 1], axis=1), [A34]),
    ("select", lambda x, y: tf.where(tf.constant(A34 > 0), x, y), [A34, A34[::-1].copy()]),
    ("boolean_mask", lambda x: tf.boolean_mask(x, tf.constant(A34 > 0)), [A34]),
    ("broadcast_to", lambda x: tf.broadcast_to(x, [2, 3, 4]), [A34[:1].copy()]),
    ("fill", lambda x: tf.fill([2, 3], x), [np.array(1.5)]),
    ("cast", lambda x: tf.cast(tf.cast(x, tf.float32), tf.float64), [A34]),
    ("stop_gradient_partial", lambda x: x * tf.stop_gradient(x), [A34]),
]


@pytest.mark.parametrize("case", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_gradients(case, backend):
    _, fn, inputs = case
    tol = 1e-5 if "stop_gradient" not in case[0] else None
    if tol is None:
        # d(x * stop_gradient(x))/dx is stop_gradient(x), not 2x: compare by hand.
        x = tf.placeholder(tf.float64, A34.shape)
        (g,) = tf.gradients(tf.reduce_sum(fn(x)), x)
        with tf.Session(backend=backend[0], device=backend[1]) as sess:
            np.testing.assert_allclose(sess.run(g, {x: A34}), A34)
        return
    # A round trip through float32 needs a coarser finite difference.
    kw = {"delta": 1e-3, "tolerance": 1e-4} if case[0] == "cast" else {}
    report = check_gradients(fn, inputs, backend=backend[0], device=backend[1], **kw)
    assert report.ok, str(report)


def test_gradients_with_unknown_dims(session):
    x = tf.placeholder(tf.float64, [None, None])
    ys = [tf.tile(x, [2, 1]), tf.pad(x, [[1, 0], [0, 2]]), tf.slice(x, [1, 0], [-1, 2]),
          x[1:, ::-1], tf.gather(x, [0, 0], axis=1), tf.concat([x, x[:, :1]], 1),
          tf.expand_dims(x, 0), tf.transpose(x), tf.pad(x, [[1, 1], [1, 1]], "REFLECT")]
    grads = [tf.gradients(tf.reduce_sum(y * y), x)[0] for y in ys]
    v = A34
    want = [4 * v, 2 * v, 2 * v * (np.arange(3)[:, None] > 0) * (np.arange(4) < 2),
            2 * v * (np.arange(3)[:, None] > 0), 4 * v * (np.arange(4) == 0),
            2 * v + 2 * v * (np.arange(4) == 0), 2 * v, 2 * v, None]
    with session() as sess:
        got = sess.run(grads, {x: v})
    for g, w in zip(got, want):
        assert g.shape == v.shape
        if w is not None:
            np.testing.assert_allclose(g, w)


def test_stop_gradient_gives_none():
    x = tf.placeholder(tf.float32, [3])
    y = tf.stop_gradient(x * 2.0)
    assert tf.gradients(y, x) == [None]
    assert tf.gradients(tf.reduce_sum(tf.one_hot(tf.to_int32(x), 3)), x) == [None]


def test_second_order_through_gather_and_strided_slice(session):
    x = tf.constant([1.0, 2.0, 3.0], tf.float64)
    y = tf.reduce_sum(tf.gather(x, [0, 2, 2]) ** 3) if hasattr(tf.Tensor, "__pow__") else \
        tf.reduce_sum(tf.gather(x * x * x, [0, 2, 2]))
    (g,) = tf.gradients(y, x)
    (gg,) = tf.gradients(tf.reduce_sum(g[1:] * g[1:]), x)
    with session() as sess:
        g_v, gg_v = sess.run([g, gg])
    np.testing.assert_allclose(g_v, [3.0, 0.0, 54.0])
    # d/dx of (3x1^2)^2 + (6x2^2)^2 over x[1:] only: 0 at x1 (count 0), 144 x2^3 at x2.
    np.testing.assert_allclose(gg_v, [0.0, 0.0, 144 * 27.0])


# --------------------------------------------------------------------------------------------
# Static shapes with unknown dims
# --------------------------------------------------------------------------------------------
def _s(t):
    return None if t.shape.ndims is None else t.shape.as_list()


def test_shape_inference_with_unknown_dims():
    x = tf.placeholder(tf.float32, [None, 4, None])
    u = tf.placeholder(tf.float32)          # unknown rank
    n = tf.placeholder(tf.int32, [])
    assert _s(tf.transpose(x)) == [None, 4, None]
    assert _s(tf.transpose(x, [1, 0, 2])) == [4, None, None]
    assert _s(tf.expand_dims(x, 3)) == [None, 4, None, 1]
    assert _s(tf.squeeze(x)) is None
    assert _s(tf.squeeze(x, [2])) == [None, 4]
    assert _s(tf.concat([x, x], 1)) == [None, 8, None]
    assert _s(tf.concat([x, u], 1)) == [None, None, None]
    assert _s(tf.concat([x, x], n)) == [None, None, None]
    assert [_s(t) for t in tf.split(x, 2, 1)] == [[None, 2, None]] * 2
    assert [_s(t) for t in tf.split(x, [3, -1], 1)] == [[None, 3, None], [None, 1, None]]
    assert _s(tf.tile(x, [2, 3, 1])) == [None, 12, None]
    assert _s(tf.pad(x, [[1, 1], [2, 2], [0, 0]])) == [None, 8, None]
    assert _s(tf.slice(x, [0, 1, 0], [-1, 2, 3])) == [None, 2, 3]
    assert _s(tf.slice(x, [0, 1, 0], [n, -1, 3])) == [None, 3, 3]
    assert _s(x[0]) == [4, None]
    assert _s(x[:, 1:, tf.newaxis]) == [None, 3, 1, None]
    assert _s(x[:, ::-1]) == [None, 4, None]
    assert _s(x[..., 0]) == [None, 4]
    assert _s(x[:, n]) == [None, None]
    assert _s(x[:, :n]) == [None, None, None]
    assert _s(u[0]) is None
    assert _s(tf.gather(x, tf.placeholder(tf.int32, [None, 2]), axis=1)) == [None, None, 2, None]
    assert _s(tf.one_hot(tf.placeholder(tf.int32, [None]), 5)) == [None, 5]
    assert _s(tf.one_hot(tf.placeholder(tf.int32, [None]), n)) == [None, None]
    assert _s(tf.where(x > 0)) == [None, 3]
    assert _s(tf.where(x > 0, x, x)) == [None, 4, None]
    assert _s(tf.boolean_mask(x, tf.placeholder(tf.bool, [None, 4]))) == [None, None]
    assert _s(tf.boolean_mask(x, tf.placeholder(tf.bool, [4]), axis=1)) == [None, None, None]
    assert _s(tf.range(n)) == [None]
    assert _s(tf.range(2, 9, 2)) == [4]
    assert _s(tf.linspace(0.0, 1.0, n)) == [None]
    assert _s(tf.fill(tf.shape(x), 1.0)) == [None, 4, None]
    assert _s(tf.zeros(tf.shape(x))) == [None, 4, None]
    assert _s(tf.ones_like(x)) == [None, 4, None]
    assert _s(tf.reshape(x, tf.concat([tf.shape(x)[:2], [-1]], 0))) == [None, 4, None]
    assert _s(tf.reshape(x, [tf.shape(x)[0], 2, 2, -1])) == [None, 2, 2, None]
    assert _s(tf.reshape(tf.zeros([2, 6]), [3, -1])) == [3, 4]
    assert _s(tf.placeholder_with_default([1, 2], [None])) == [None]
    assert _s(tf.stack([x, x], -1)) == [None, 4, None, 2]
    assert [_s(t) for t in tf.unstack(x, axis=1)] == [[None, None]] * 4
    assert _s(tf.reverse(u, [0])) is None
    assert _s(tf.transpose(u, [1, 0])) == [None, None]
    assert tf.rank(x).op.type == "Const" and tf.rank(u).op.type == "Rank"


# --------------------------------------------------------------------------------------------
# Build-time errors name the op
# --------------------------------------------------------------------------------------------
ERROR_CASES = [
    ("concat_rank", lambda x: tf.concat([x, tf.zeros([2])], 0), ValueError, "concat"),
    ("concat_dims", lambda x: tf.concat([x, tf.zeros([2, 5])], 0), ValueError, "concat"),
    ("concat_axis", lambda x: tf.concat([x, x], 2), ValueError, "concat"),
    ("concat_dtype", lambda x: tf.concat([x, tf.zeros([2, 4], tf.int32)], 0), TypeError, "concat"),
    ("split_uneven", lambda x: tf.split(x, 3, 1), ValueError, "split"),
    ("split_sizes", lambda x: tf.split(x, [1, 2], 1), ValueError, "split"),
    ("split_two_minus_one", lambda x: tf.split(x, [-1, -1], 1), ValueError, "split"),
    ("reshape", lambda x: tf.reshape(x, [3, 5]), ValueError, "Reshape"),
    ("expand_dims", lambda x: tf.expand_dims(x, 3), ValueError, "ExpandDims"),
    ("squeeze", lambda x: tf.squeeze(x, [1]), ValueError, "Squeeze"),
    ("transpose_size", lambda x: tf.transpose(x, [0, 1, 2]), ValueError, "transpose"),
    ("transpose_perm", lambda x: tf.transpose(x, [0, 0]), ValueError, "transpose"),
    ("tile", lambda x: tf.tile(x, [2]), ValueError, "Tile"),
    ("pad_shape", lambda x: tf.pad(x, [[1, 1]]), ValueError, "Pad"),
    ("pad_negative", lambda x: tf.pad(x, [[1, 1], [-1, 0]]), ValueError, "Pad"),
    ("reflect_too_big", lambda x: tf.pad(x, [[0, 0], [4, 0]], "REFLECT"), ValueError, "MirrorPad"),
    ("slice_len", lambda x: tf.slice(x, [0], [1]), ValueError, "Slice"),
    ("slice_bounds", lambda x: tf.slice(x, [0, 3], [1, 2]), ValueError, "Slice"),
    ("getitem_bounds", lambda x: x[:, 4], ValueError, "strided_slice"),
    ("getitem_rank", lambda x: x[0, 0, 0], ValueError, "strided_slice"),
    ("getitem_ellipses", lambda x: x[..., ...], ValueError, "strided_slice"),
    ("getitem_step", lambda x: x[::0], ValueError, "strided_slice"),
    ("gather_axis", lambda x: tf.gather(x, [0], axis=2), ValueError, "GatherV2"),
    ("gather_float_indices", lambda x: tf.gather(x, tf.constant([0.0])), TypeError, "indices"),
    ("one_hot_axis", lambda x: tf.one_hot([1, 2], 3, axis=3), ValueError, "one_hot"),
    ("select_dtype", lambda x: tf.where(x > 0, x, tf.zeros([2, 4], tf.float64)), TypeError,
     "Select"),
    ("select_cond", lambda x: tf.where(tf.zeros([3], tf.bool), x, x), ValueError, "Select"),
    ("range_delta", lambda x: tf.range(0, 5, 0), ValueError, "range"),
    ("range_order", lambda x: tf.range(5, 0, 1), ValueError, "range"),
    ("fill_rank", lambda x: tf.fill([2], [1.0, 2.0]), ValueError, "Fill"),
    ("unstack_num", lambda x: tf.unstack(x, num=3, axis=1), ValueError, "unstack"),
    ("pwd_shape", lambda x: tf.placeholder_with_default(x, [2, 5]), ValueError,
     "PlaceholderWithDefault"),
    ("broadcast_to", lambda x: tf.broadcast_to(x, [2, 3]), ValueError, "BroadcastTo"),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_build_time_errors(case):
    _, build, exc, name = case
    x = tf.placeholder(tf.float32, [2, 4])
    with pytest.raises(exc, match=name):
        build(x)


def test_constant_fills_shape_like_tf1(session):
    with session() as sess:
        np.testing.assert_array_equal(sess.run(tf.constant([1, 2, 3], shape=[2, 3])),
                                      [[1, 2, 3], [3, 3, 3]])
        np.testing.assert_array_equal(sess.run(tf.constant(7.0, shape=[2])), [7.0, 7.0])
        np.testing.assert_array_equal(sess.run(tf.constant([[1, 2], [3, 4]], shape=[4])),
                                      [1, 2, 3, 4])
    with pytest.raises(ValueError, match="Too many elements"):
        tf.constant([1, 2, 3, 4, 5], shape=[2, 2])
    with pytest.raises(TypeError):
        tf.constant([1, 2], shape=[2, 1], verify_shape=True)


def test_op_names_and_types():
    x = tf.placeholder(tf.float32, [None, 4], name="x")
    assert tf.range(3).name == "range:0"
    assert tf.transpose(x).name == "transpose:0"
    assert x[0].name == "strided_slice:0"
    assert x[1:].name == "strided_slice_1:0"
    assert tf.one_hot([1], 2).op.name == "one_hot"
    assert tf.where(x > 0, x, x).op.type == "Select"
    assert tf.where(x > 0).dtype is tf.int64
    assert tf.pad(x, [[0, 0], [1, 1]], "REFLECT").op.type == "MirrorPad"
    assert tf.split(x, 2, 1)[0].op.type == "Split"
    assert tf.split(x, [1, 3], 1)[0].op.type == "SplitV"
    assert tf.to_int32(x).name == "ToInt32:0"
    assert tf.to_float(x) is x
    assert tf.stack([1, 2]).op.type == "Const"


# --------------------------------------------------------------------------------------------
# Differential tests against TensorFlow 1: names, op types, dtypes, static shapes, values
# --------------------------------------------------------------------------------------------
TF_CASES = {
    "range5": lambda tf, x: tf.range(5),
    "range_float": lambda tf, x: tf.range(1, 5.0),
    "range_neg": lambda tf, x: tf.range(10, 2, -3),
    "range_int64": lambda tf, x: tf.range(5, dtype=tf.int64),
    "range_f64": lambda tf, x: tf.range(0, 1, 0.1, dtype=tf.float64),
    "transpose": lambda tf, x: tf.transpose(x),
    "transpose_perm": lambda tf, x: tf.transpose(tf.reshape(x, [-1, 2, 2]), [1, 0, 2]),
    "expand": lambda tf, x: tf.expand_dims(x, -1),
    "squeeze": lambda tf, x: tf.squeeze(tf.zeros([1, 3, 1])),
    "squeeze_axis": lambda tf, x: tf.squeeze(tf.expand_dims(x, 1), [1]),
    "squeeze_unknown": lambda tf, x: tf.squeeze(x),
    "concat": lambda tf, x: tf.concat([x, x * 2.0], -1),
    "concat_one": lambda tf, x: tf.concat([x], 0),
    "split": lambda tf, x: tf.split(x, 2, 1)[1],
    "split_sizes": lambda tf, x: tf.split(x, [1, -1], 1)[1],
    "tile": lambda tf, x: tf.tile(x, [2, 3]),
    "tile_dynamic": lambda tf, x: tf.tile(x, tf.shape(x)[::-1] - 2),
    "pad": lambda tf, x: tf.pad(x, [[1, 1], [2, 0]]),
    "pad_v2": lambda tf, x: tf.pad(x, [[1, 1], [2, 2]], constant_values=3),
    "reflect": lambda tf, x: tf.pad(x, [[1, 1], [2, 3]], "REFLECT"),
    "symmetric": lambda tf, x: tf.pad(x, [[1, 2], [4, 1]], "SYMMETRIC"),
    "slice": lambda tf, x: tf.slice(x, [0, 1], [-1, 2]),
    "gather": lambda tf, x: tf.gather(x, [0, 3, 3], axis=1),
    "gather_2d": lambda tf, x: tf.gather(x, [[0, 1], [2, 0]]),
    "one_hot": lambda tf, x: tf.one_hot([1, 2, -1], 3),
    "one_hot_axis0": lambda tf, x: tf.one_hot([[1, 2], [0, 0]], 3, axis=0),
    "one_hot_values": lambda tf, x: tf.one_hot([1, 2], 4, on_value=5, off_value=-1),
    "one_hot_dtype": lambda tf, x: tf.one_hot([1, 2], 4, dtype=tf.float64, axis=1),
    "one_hot_bool": lambda tf, x: tf.one_hot([1, 2], 4, on_value=True, off_value=False),
    "one_hot_np": lambda tf, x: tf.one_hot([1, 2], 4, on_value=np.float64(2.0)),
    "boolean_mask_axis": lambda tf, x: tf.boolean_mask(x, [True, False, True, True], axis=1),
    "boolean_mask_2d": lambda tf, x: tf.boolean_mask(x, x > 0),
    "where": lambda tf, x: tf.where(x > 0),
    "select": lambda tf, x: tf.where(x > 0, x, -x),
    "select_rows": lambda tf, x: tf.where(x[:, 0] > 0, x, x * 3.0),
    "stop_gradient": lambda tf, x: tf.stop_gradient(x),
    "placeholder_with_default": lambda tf, x: tf.placeholder_with_default(x, [None, 4]),
    "to_int32": lambda tf, x: tf.to_int32(x),
    "to_int64": lambda tf, x: tf.to_int64(x),
    "to_double": lambda tf, x: tf.to_double(x),
    "zeros": lambda tf, x: tf.zeros([2, 3]),
    "zeros_dynamic": lambda tf, x: tf.zeros(tf.shape(x)),
    "ones_dynamic": lambda tf, x: tf.ones(tf.shape(x), tf.int64),
    "fill": lambda tf, x: tf.fill([2, 3], 1.5),
    "zeros_like": lambda tf, x: tf.zeros_like(x),
    "ones_like": lambda tf, x: tf.ones_like(x),
    "zeros_like_int": lambda tf, x: tf.zeros_like(x, dtype=tf.int32),
    "reverse": lambda tf, x: tf.reverse(x, [0, -1]),
    "cast": lambda tf, x: tf.cast(x, tf.int32),
    "stack_const": lambda tf, x: tf.stack([1, 2]),
    "stack": lambda tf, x: tf.stack([x, x], axis=1),
    "unstack": lambda tf, x: tf.unstack(x, axis=1)[2],
    "reshape_dynamic": lambda tf, x: tf.reshape(x, [tf.shape(x)[0], 2, 2]),
    "reshape_concat": lambda tf, x: tf.reshape(x, tf.concat([tf.shape(x)[:1], [2, 2]], 0)),
    "broadcast_to": lambda tf, x: tf.broadcast_to(x, [2, 3, 4]),
    "strided_slice": lambda tf, x: tf.strided_slice(x, [0, 1], [3, 4], [2, 1]),
    "strided_masks": lambda tf, x: tf.strided_slice(x, [0, 1], [0, 4], [1, 2], begin_mask=1,
                                                    end_mask=1),
    "invert_permutation": lambda tf, x: tf.invert_permutation([2, 0, 1]),
    "getitem_int": lambda tf, x: x[-1],
    "getitem_mixed": lambda tf, x: x[tf.newaxis, ::-1, ..., 1:3],
    "getitem_tensor": lambda tf, x: x[tf.shape(x)[0] - 1, ::tf.constant(2)],
}


def _build_and_run(mod, cases):
    g = mod.Graph()
    with g.as_default():
        x = mod.placeholder(mod.float32, [None, 4], name="x")
        built = {k: f(mod, x) for k, f in cases.items()}
        with mod.Session() as sess:
            values = sess.run(built, {x: XV})
    return built, values


def test_differential_against_tf1(tf1):
    ours, our_values = _build_and_run(tf, TF_CASES)
    theirs, their_values = _build_and_run(tf1, TF_CASES)
    problems = []
    for k in TF_CASES:
        a, b = ours[k], theirs[k]
        sa = None if a.shape.ndims is None else a.shape.as_list()
        sb = None if b.shape.ndims is None else b.shape.as_list()
        for what, u, v in (("name", a.name, b.name), ("type", a.op.type, b.op.type),
                           ("dtype", a.dtype.name, b.dtype.name), ("shape", sa, sb)):
            if u != v:
                problems.append(f"{k}: {what} {u} != {v}")
        va, vb = our_values[k], their_values[k]
        if np.shape(va) != np.shape(vb) or not np.allclose(va, vb):
            problems.append(f"{k}: value {va} != {vb}")
    assert not problems, "\n".join(problems)


def test_differential_getitem_against_tf1(tf1):
    def build(mod):
        g = mod.Graph()
        with g.as_default():
            t = mod.placeholder(mod.float32, [None, 4, None])
            outs = [t[i] for i in INDEXES]
            with mod.Session() as sess:
                vals = sess.run(outs, {t: TV})
        return outs, vals
    ours, our_vals = build(tf)
    theirs, their_vals = build(tf1)
    for idx, a, b, va, vb in zip(INDEXES, ours, theirs, our_vals, their_vals):
        assert a.name == b.name, idx
        assert a.shape.as_list() == b.shape.as_list(), idx
        np.testing.assert_array_equal(va, vb, err_msg=repr(idx))


def test_differential_gradients_against_tf1(tf1):
    def build(mod):
        g = mod.Graph()
        with g.as_default():
            x = mod.placeholder(mod.float64, [3, 4])
            y = mod.concat([mod.tile(x[1:, ::-1], [1, 2]), mod.pad(x, [[0, 0], [1, 3]])], 0)
            y = mod.gather(mod.transpose(y), [0, 5, 5, 2])
            y = mod.where(y > 0, y * y, mod.zeros_like(y))
            (gx,) = mod.gradients(mod.reduce_sum(y), x)
            with mod.Session() as sess:
                return sess.run(gx, {x: A34})
    np.testing.assert_allclose(build(tf), build(tf1))


def test_differential_tf1_only_index_forms(tf1):
    """Index forms where TF1 differs from NumPy: a list is read as a tuple of indices."""
    def build(mod):
        g = mod.Graph()
        with g.as_default():
            t = mod.constant(TV)
            i = mod.placeholder(mod.int32, [])
            outs = [t[[0, 1]], t[[slice(None), 2]], t[i, ..., i], t[:i], t[i:, i::-1]]
            with mod.Session() as sess:
                return outs, sess.run(outs, {i: 2})
    ours, our_vals = build(tf)
    theirs, their_vals = build(tf1)
    for a, b, va, vb in zip(ours, theirs, our_vals, their_vals):
        assert a.shape.as_list() == b.shape.as_list()
        np.testing.assert_array_equal(va, vb)


# --------------------------------------------------------------------------------------------
# Randomised indexing against NumPy
# --------------------------------------------------------------------------------------------
hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

_bound = st.one_of(st.none(), st.integers(-7, 7))
_item = st.one_of(st.integers(-6, 5), st.builds(slice, _bound, _bound,
                                                st.sampled_from([None, 1, 2, 3, -1, -2, -3])),
                  st.none())


@st.composite
def _index(draw):
    items = draw(st.lists(_item, max_size=4))
    if draw(st.booleans()):
        items.insert(draw(st.integers(0, len(items))), Ellipsis)
    consumed = sum(1 for s in items if s is not None and s is not Ellipsis)
    hypothesis.assume(consumed <= 3)
    return tuple(items)


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(_index())
def test_random_getitem_matches_numpy(index):
    try:
        want = TV[index]
    except IndexError:
        want = None
    with tf.Graph().as_default():
        t = tf.placeholder(tf.float32, [None, 4, None])
        try:
            out = t[index]
        except ValueError:
            # Only indices that are out of range for the static dim 4 fail while building.
            assert want is None
            return
        with tf.Session() as sess:
            if want is None:
                with pytest.raises(tf.errors.InvalidArgumentError):
                    sess.run(out, {t: TV})
                return
            got = sess.run(out, {t: TV})
    assert np.shape(got) == np.shape(want)
    np.testing.assert_array_equal(got, want)
    assert out.shape.is_compatible_with(np.shape(want))
    # The static shape keeps every dim that does not depend on the unknown dims.
    static = tf.constant(TV)[index].shape
    assert static.as_list() == list(np.shape(want))


def test_boolean_mask_dynamic_shapes(session):
    x = tf.placeholder(tf.float32, [None, None, None])
    m = tf.placeholder(tf.bool, [None, None])
    out = tf.boolean_mask(x, m, axis=1)
    xv = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    mv = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])
    with session() as sess:
        got = sess.run(out, {x: xv, m: mv})
    np.testing.assert_array_equal(got, xv.reshape(2, 12)[:, mv.reshape(-1)])
    assert out.shape.ndims == 2


def test_concat_and_split_gradients_with_a_computed_axis(session):
    x = tf.placeholder(tf.float64, [None, None])
    a = tf.placeholder(tf.int32, [])
    y = tf.concat([x, x[:, :1] * 3.0], a)
    z = tf.split(y, 2, axis=a)[0]
    (g,) = tf.gradients(tf.reduce_sum(y * y) + tf.reduce_sum(z), x)
    with session() as sess:
        got = sess.run(g, {x: np.ones((2, 3)), a: 1})
    np.testing.assert_allclose(got, [[21.0, 3.0, 2.0]] * 2)


def test_zeros_and_ones_of_other_dtypes(session):
    outs = [tf.zeros([2], tf.string), tf.ones_like(tf.constant([True, False])),
            tf.zeros(3, tf.int64), tf.ones(tf.constant(2), tf.bool), tf.zeros([0, 3])]
    with session() as sess:
        got = sess.run(outs)
    assert list(got[0]) == [b"", b""] or list(got[0]) == ["", ""]
    np.testing.assert_array_equal(got[1], [True, True])
    assert got[2].dtype == np.int64 and got[2].shape == (3,)
    np.testing.assert_array_equal(got[3], [True, True])
    assert got[4].shape == (0, 3)


def test_int64_index_tensors(session):
    x = tf.constant(XV)
    i64 = tf.constant([2, 0], tf.int64)
    outs = [tf.gather(x, i64, axis=tf.constant(1, tf.int64)), x[tf.constant(1, tf.int64)],
            tf.slice(x, tf.constant([1, 1], tf.int64), tf.constant([-1, 2], tf.int64)),
            tf.reshape(x, tf.constant([-1], tf.int64)), tf.one_hot(i64, 3),
            tf.tile(x, tf.constant([1, 2], tf.int64))]
    (g,) = tf.gradients(tf.reduce_sum(outs[0]) + tf.reduce_sum(outs[2]), x)
    with session() as sess:
        got = sess.run(outs + [g])
    np.testing.assert_array_equal(got[0], XV[:, [2, 0]])
    np.testing.assert_array_equal(got[1], XV[1])
    np.testing.assert_array_equal(got[2], XV[1:, 1:3])
    np.testing.assert_array_equal(got[3], XV.reshape(-1))
    np.testing.assert_array_equal(got[4], np.eye(3, dtype=np.float32)[[2, 0]])
    np.testing.assert_array_equal(got[5], np.tile(XV, [1, 2]))
    want = np.zeros_like(XV)
    want[:, [0, 2]] += 1
    want[1:, 1:3] += 1
    np.testing.assert_array_equal(got[6], want)


def test_gather_out_of_range_is_a_runtime_error(session):
    x = tf.constant(XV)
    i = tf.placeholder(tf.int32, [None])
    with session() as sess:
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(tf.gather(x, i), {i: [0, 3]})
        with pytest.raises(tf.errors.InvalidArgumentError):
            sess.run(x[i[0]], {i: [-4]})


# --------------------------------------------------------------------------------------------
# gather_nd / scatter_nd and compositions
# --------------------------------------------------------------------------------------------
def _require_kernels(backend, *op_types):
    """Marks the test xfail on a backend that does not provide these (newer) kernels yet."""
    missing = [t for t in op_types if t not in plugins.get_backend(backend[0]).kernels]
    if missing:
        pytest.xfail(f"backend '{backend[0]}' has no kernel for {missing} yet")


def test_gather_nd_and_scatter_nd_values(session, backend):
    _require_kernels(backend, "GatherNd", "ScatterNd")
    x = tf.placeholder(tf.float32, [None, 4])
    idx = [[[2, 1], [0, 3]], [[0, 0], [2, 1]]]
    rows = [[1], [0], [1]]
    outs = [tf.gather_nd(x, idx), tf.gather_nd(x, rows),
            tf.scatter_nd([[1], [3], [1]], tf.constant([5, 6, 7]), [5]),
            tf.scatter_nd([[0, 1], [0, 1]], tf.constant([[1.0, 2.0], [3.0, 4.0]]), [2, 3, 2])]
    assert [_s(o) for o in outs] == [[2, 2], [3, 4], [5], [2, 3, 2]]
    with session() as sess:
        got = sess.run(outs, {x: XV})
    np.testing.assert_array_equal(got[0], XV[[[2, 0], [0, 2]], [[1, 3], [0, 1]]])
    np.testing.assert_array_equal(got[1], XV[[1, 0, 1]])
    np.testing.assert_array_equal(got[2], [0, 12, 0, 6, 0])
    want = np.zeros((2, 3, 2), np.float32)
    want[0, 1] = [4.0, 6.0]
    np.testing.assert_array_equal(got[3], want)


def test_gather_nd_and_scatter_nd_gradients(backend):
    _require_kernels(backend, "GatherNd", "ScatterNd")
    idx = np.array([[2, 1], [0, 3], [2, 1]])
    for fn, inputs in ((lambda p: tf.gather_nd(p, idx), [A34]),
                       (lambda p: tf.gather_nd(p, [[1], [1]]), [A234]),
                       (lambda u: tf.scatter_nd(idx, u, [3, 4]), [A34[0, :3].copy()])):
        report = check_gradients(fn, inputs, backend=backend[0], device=backend[1])
        assert report.ok, str(report)


def test_sequence_mask_matrix_transpose_shape_n(session):
    lengths = tf.placeholder(tf.int32, [None])
    m = tf.sequence_mask(lengths)
    m4 = tf.sequence_mask([[1, 0], [2, 3]], 3, dtype=tf.float32)
    t = tf.matrix_transpose(tf.zeros([2, 3, 4]))
    s = tf.shape_n([tf.zeros([2, 3]), lengths])
    assert t.shape.as_list() == [2, 4, 3] and m.shape.as_list() == [None, None]
    with session() as sess:
        got = sess.run([m, m4, s], {lengths: [1, 3, 0]})
    np.testing.assert_array_equal(got[0], [[1, 0, 0], [1, 1, 1], [0, 0, 0]])
    assert got[0].dtype == np.bool_
    np.testing.assert_array_equal(got[1], np.arange(3) < np.array([[1, 0], [2, 3]])[..., None])
    assert [list(v) for v in got[2]] == [[2, 3], [3]]


def test_differential_gather_nd_sequence_mask_against_tf1(tf1):
    def build(mod):
        g = mod.Graph()
        with g.as_default():
            x = mod.placeholder(mod.float32, [None, 4], name="x")
            outs = [mod.gather_nd(x, [[2, 1], [0, 3]]), mod.gather_nd(x, [[1]]),
                    mod.scatter_nd([[1], [3], [1]], [5.0, 6.0, 7.0], [5]),
                    mod.sequence_mask([1, 3, 0], 4), mod.matrix_transpose(x[None])]
            with mod.Session() as sess:
                return outs, sess.run(outs, {x: XV})
    ours, our_vals = build(tf)
    theirs, their_vals = build(tf1)
    for a, b, va, vb in zip(ours, theirs, our_vals, their_vals):
        assert (a.op.type, a.dtype.name, a.shape.as_list()) == \
            (b.op.type, b.dtype.name, b.shape.as_list())
        np.testing.assert_array_equal(va, vb)


def test_transpose_with_a_fed_permutation(session):
    x = tf.placeholder(tf.float64, [2, 3, 4])
    p = tf.placeholder(tf.int32, [3])
    y = tf.transpose(x, p)
    assert y.shape.as_list() == [None, None, None]
    w = tf.constant(np.arange(24.0).reshape(4, 2, 3))
    (g,) = tf.gradients(tf.reduce_sum(y * w), x)
    with session() as sess:
        yv, gv = sess.run([y, g], {x: A234, p: [2, 0, 1]})
    np.testing.assert_array_equal(yv, A234.transpose(2, 0, 1))
    np.testing.assert_array_equal(gv, np.arange(24.0).reshape(4, 2, 3).transpose(1, 2, 0))


# --------------------------------------------------------------------------------------------
# tf.constant / convert_to_tensor conversion rules, against TF1
# --------------------------------------------------------------------------------------------
CONSTANTS = [
    (1.5, None, None), ([1, 2.5], None, None), (2**40, None, None), (np.float64(1.0), None, None),
    ([np.float64(1.0)], None, None), (1.5, "int32", None), (3.0, "int32", None),
    ([1, 2], "float32", None), (True, None, None), (True, "int32", None), (1, "bool", None),
    (np.int64(3), None, None), (np.array([1, 2]), None, None), ([[1, 2], [3]], None, None),
    ([], None, None), ([], "float32", [0, 2]), (np.array([1.5]), "int32", None),
    ([1, 2, 3], None, [3, 1]), ([1, 2, 3], None, [2, 3]), (1, "float64", [2]), (None, None, None),
    ([1, None], None, None), (np.float32(2), "float64", None), ([2**31], None, None),
    (7, "int64", [2, 2]), ([1, 2, 3, 4, 5], None, [2, 2]),
]


def test_constant_conversions_match_tf1(tf1):
    def go(mod, value, dtype, shape):
        with mod.Graph().as_default():
            try:
                t = mod.constant(value, dtype=None if dtype is None else getattr(mod, dtype),
                                 shape=shape)
            except (TypeError, ValueError) as e:
                return type(e).__name__
            with mod.Session() as sess:
                return t.dtype.name, t.shape.as_list(), np.asarray(sess.run(t)).tolist()
    for case in CONSTANTS:
        assert go(tf, *case) == go(tf1, *case), case
