"""The array ops added for issue 19 (where_v2, repeat, roll, unravel_index, searchsorted,
setdiff1d, dynamic_partition/stitch, batch_gather, parallel_stack, space_to_batch and
batch_to_space, extract_image_patches, histograms, saturate_cast, bitcast, the broadcast
shape helpers, get_static_value, is_tensor, guarantee_const, timestamp): values, static
shapes, errors and gradients on every backend, checked against TF1's ``tf.compat.v1``."""
import time

import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import array_more_ops as am
from flowkit.testing import check_gradients

_r = np.random.default_rng(19)
IMG = _r.standard_normal((2, 5, 6, 3)).astype(np.float32)


def _tf1(tf1, build):
    g = tf1.Graph()
    with g.as_default():
        out = build()
        with tf1.Session(graph=g) as s:
            return s.run(out)


def _same(got, want):
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            _same(a, b)
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype,
                                                                 got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=1e-6)


def _grad(backend, fn, *inputs):
    check_gradients(fn, list(inputs), backend=backend[0], device=backend[1],
                    raise_on_failure=True)


# --------------------------------------------------------------------------------------------
# Values against TF1
# --------------------------------------------------------------------------------------------
# (name, flowkit builder, TF1 builder); each builder takes its module.
CASES = [
    ("where_v2", lambda t: t.where_v2([[True], [False]], [[1.0, 2.0, 3.0]], -1.0), None),
    ("where_v2-coords", lambda t: t.where_v2([[True, False], [False, True]]), None),
    ("repeat", lambda t: t.repeat([[1, 2], [3, 4]], [1, 3], axis=0), None),
    ("repeat-flat", lambda t: t.repeat([[1, 2], [3, 4]], 2), None),
    ("repeat-axis1", lambda t: t.repeat(np.arange(6.0).reshape(2, 3), [2, 0, 1], axis=-1),
     None),
    ("roll", lambda t: t.roll(np.arange(12).reshape(3, 4), [1, -2, 5], [0, 1, 0]), None),
    ("roll-scalar", lambda t: t.roll(np.arange(5.0), -7, 0), None),
    ("unravel_index", lambda t: t.unravel_index([22, 41, 37], [7, 6]), None),
    ("unravel_index-scalar", lambda t: t.unravel_index(np.int64(13), np.array([2, 3, 4])),
     None),
    ("searchsorted-left", lambda t: t.searchsorted([[1.0, 3.0, 3.0, 7.0], [0.0, 2.0, 4.0, 6.0]],
                                                   [[3.0, 8.0, 0.0], [4.0, 4.5, -1.0]]), None),
    ("searchsorted-right", lambda t: t.searchsorted([1, 3, 3, 7], [0, 3, 8], side="right",
                                                    out_type=t.int64), None),
    ("setdiff1d", lambda t: t.setdiff1d([4, 1, 2, 3, 4, 3, 9], [3, 5, 9]), None),
    ("setdiff1d-int64", lambda t: t.setdiff1d([2.5, 1.0], [7.0], index_dtype=t.int64), None),
    ("dynamic_partition", lambda t: t.dynamic_partition(np.arange(12.0).reshape(2, 3, 2),
                                                        [[2, 0, 2], [1, 2, 0]], 3), None),
    ("dynamic_stitch", lambda t: t.dynamic_stitch([[5, 1], [0, 3, 1]],
                                                  [[[1, 2], [3, 4]], [[5, 6], [7, 8], [9, 0]]]),
     None),
    ("batch_gather", lambda t: t.batch_gather(np.arange(24).reshape(2, 3, 4),
                                              [[[2, 0], [1, 1], [0, 2]], [[1, 2], [2, 2],
                                                                        [0, 0]]]), None),
    ("batch_gather-2d", lambda t: t.batch_gather(np.arange(12.0).reshape(3, 4),
                                                 [[3, 0], [1, 1], [2, 3]]), None),
    ("parallel_stack", lambda t: t.parallel_stack([[1, 2], [3, 4], [5, 6]]), None),
    ("space_to_batch_nd", lambda t: t.space_to_batch_nd(IMG[:, :, :5], [2, 3],
                                                        [[1, 0], [0, 1]]), None),
    ("batch_to_space_nd", lambda t: t.batch_to_space_nd(IMG[:, :3, :4].reshape(6, 2, 2, 3)
                                                        .astype(np.float64), [3, 1],
                                                        [[1, 2], [0, 1]]), None),
    ("space_to_batch", lambda t: t.space_to_batch(IMG[:, :4], [[0, 0], [1, 1]], 2), None),
    ("nn.space_to_batch", lambda t: t.nn.space_to_batch(IMG[:, :4], [[0, 0], [1, 1]], 2),
     None),
    ("batch_to_space", lambda t: t.batch_to_space(np.tile(IMG[:1, :2, :3], (4, 1, 1, 1)),
                                                  [[1, 1], [0, 2]], 2), None),
    ("required_space_to_batch_paddings",
     lambda t: t.required_space_to_batch_paddings([5, 7], [2, 3], [[1, 0], [2, 2]]), None),
    ("extract_image_patches-valid",
     lambda t: t.extract_image_patches(IMG, [1, 2, 3, 1], [1, 2, 1, 1], [1, 1, 2, 1], "VALID"),
     None),
    ("extract_image_patches-same",
     lambda t: t.extract_image_patches(IMG, [1, 3, 2, 1], [1, 2, 3, 1], [1, 2, 1, 1], "SAME"),
     None),
    ("image.extract_patches",
     lambda t: t.image.extract_patches(IMG, [1, 2, 2, 1], [1, 1, 2, 1], [1, 1, 1, 1], "SAME"),
     None),
    ("histogram_fixed_width",
     lambda t: t.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0, 15.0, 4.99], [0.0, 5.0], 5),
     None),
    ("histogram_fixed_width-int",
     lambda t: t.histogram_fixed_width(np.array([[1, 5, 9], [3, -2, 30]]), [0, 10], 4,
                                       dtype=t.int64), None),
    ("histogram_fixed_width_bins",
     lambda t: t.histogram_fixed_width_bins(np.array([[-1.0, 0.0, 1.5], [2.0, 5.0, 15.0]],
                                                     np.float32), [0.0, 5.0], 5), None),
    ("saturate_cast", lambda t: t.saturate_cast([-5.0, 100.7, 300.0, -1e10, 1e10], t.uint8),
     None),
    ("saturate_cast-int32", lambda t: t.saturate_cast([-1e12, 5.5, 3e9, 2**31], t.int32), None),
    ("saturate_cast-int8", lambda t: t.saturate_cast(np.array([-300, 7, 128]), t.int8), None),
    ("bitcast-down", lambda t: t.bitcast(np.array([1.0, -2.5], np.float32), t.uint8), None),
    ("bitcast-up", lambda t: t.bitcast(np.arange(8, dtype=np.int16).reshape(2, 4), t.int64),
     None),
    ("bitcast-same", lambda t: t.bitcast(t.constant(1.0), t.int32), None),
    ("broadcast_dynamic_shape", lambda t: t.broadcast_dynamic_shape([5, 1, 3], [4, 1]), None),
    ("guarantee_const", lambda t: t.guarantee_const([[1.0, 2.0]]), None),
]


class _Image:
    extract_patches = staticmethod(am.extract_patches)


class _NN:
    space_to_batch = staticmethod(tf.space_to_batch)


def _flowkit_ns():
    ns = type("FK", (), {})()
    for name in dir(tf):
        if not name.startswith("__"):
            setattr(ns, name, getattr(tf, name))
    for name in am.__all__:
        setattr(ns, name, getattr(am, name))
    ns.image, ns.nn = _Image, _NN
    ns.parallel_stack = tf.parallel_stack
    return ns


@pytest.mark.parametrize("name,build", [(c[0], c[1]) for c in CASES], ids=[c[0] for c in CASES])
def test_against_tf1(tf1, session, name, build):
    with tf.Graph().as_default():
        out = build(_flowkit_ns())
        got = session().run(out)
    want = _tf1(tf1, lambda: build(tf1))
    _same(got, want)


def test_static_shapes():
    x = tf.placeholder(tf.float32, [None, 6, 4, 3])
    assert tf.space_to_batch_nd(x, [2, 2], [[0, 0], [1, 1]]).shape.as_list() == [None, 3, 3, 3]
    y = tf.placeholder(tf.float32, [8, 3, 3, 3])
    assert tf.batch_to_space_nd(y, [2, 2], [[0, 1], [1, 0]]).shape.as_list() == [2, 5, 5, 3]
    p = am.extract_image_patches(x, [1, 2, 3, 1], [1, 2, 2, 1], [1, 1, 1, 1], "SAME")
    assert p.shape.as_list() == [None, 3, 2, 18]
    assert am.repeat(x, [1, 2, 0, 1], axis=2).shape.as_list() == [None, 6, 4, 3]
    assert am.repeat(x, 3, axis=1).shape.as_list() == [None, 18, 4, 3]
    assert tf.where_v2(tf.placeholder(tf.bool, [6, 1, 1]), x, 0.0).shape.as_list() == \
        [None, 6, 4, 3]
    assert tf.where_v2(tf.placeholder(tf.bool, [7, 1, 1, 1]), 1.0,
                       tf.placeholder(tf.float32, [6, 4, 1])).shape.as_list() == [7, 6, 4, 1]
    parts = am.dynamic_partition(x, tf.placeholder(tf.int32, [None, 6]), 2)
    assert [q.shape.as_list() for q in parts] == [[None, 4, 3]] * 2
    st = am.dynamic_stitch([[0, 4], [1]], [tf.ones([2, 3]), tf.ones([1, 3])])
    assert st.shape.as_list() == [5, 3]
    assert am.batch_gather(tf.ones([2, 7, 5]), tf.ones([2, 3], tf.int32)).shape.as_list() == \
        [2, 3, 5]
    assert tf.bitcast(tf.ones([4, 2]), tf.uint8).shape.as_list() == [4, 2, 4]
    assert tf.bitcast(tf.ones([4, 2], tf.int32), tf.float64).shape.as_list() == [4]
    assert am.unravel_index([1, 2, 3], [4, 5]).shape.as_list() == [2, 3]
    assert am.histogram_fixed_width([1.0], [0.0, 1.0], 7).shape.as_list() == [7]
    assert tf.broadcast_static_shape(tf.TensorShape([None, 1, 3]), tf.TensorShape([4, 1])) \
        .as_list() == [None, 4, 3]
    assert tf.parallel_stack([tf.ones([2, 3])] * 4).shape.as_list() == [4, 2, 3]


def test_where_v2_broadcasts_where_where_does_not():
    with pytest.raises(ValueError):
        tf.where(tf.ones([2, 1], tf.bool), tf.ones([2, 3]), tf.zeros([2, 3]))
    with tf.Session() as s:
        got = s.run(tf.where_v2(tf.constant([[True], [False]]), tf.ones([2, 3]), 0.0))
    np.testing.assert_array_equal(got, [[1, 1, 1], [0, 0, 0]])


# --------------------------------------------------------------------------------------------
# Gradients
# --------------------------------------------------------------------------------------------
def test_gradients(backend):
    x = _r.standard_normal((3, 4))
    _grad(backend, lambda a, b: tf.where_v2([[True], [False], [True]], a, b), x,
          _r.standard_normal((1, 4)))
    _grad(backend, lambda a: am.repeat(a, [2, 0, 3], axis=0), x)
    _grad(backend, lambda a: am.repeat(a, tf.constant(2) + 0, axis=1), x)
    _grad(backend, lambda a: tf.roll(a, [1, 3], [0, 1]), x)
    _grad(backend, lambda a: am.batch_gather(a, [[0, 3, 3], [1, 1, 2], [2, 0, 0]]), x)
    _grad(backend, lambda a: am.dynamic_partition(a, [1, 0, 1], 2)[1] * 2.0, x)
    _grad(backend, lambda a: tf.concat(am.dynamic_partition(a, [[1, 0, 2, 2]] * 3, 3), 0), x)
    _grad(backend, lambda a, b: am.dynamic_stitch([[0, 2, 4], [1, 3]], [a, b]),
          _r.standard_normal((3, 2)), _r.standard_normal((2, 2)))
    img = _r.standard_normal((2, 4, 5, 2))
    _grad(backend, lambda a: tf.space_to_batch_nd(a, [2, 3], [[0, 2], [1, 0]]), img)
    _grad(backend, lambda a: tf.batch_to_space_nd(a, [2, 1], [[1, 0], [0, 2]]),
          _r.standard_normal((4, 3, 5, 2)))
    _grad(backend, lambda a: am.extract_image_patches(a, [1, 2, 3, 1], [1, 1, 2, 1],
                                                      [1, 2, 1, 1], "SAME"), img)
    _grad(backend, lambda a: am.saturate_cast(a * 10.0, tf.float64), x)


def test_second_order_through_adjoint_pairs(backend):
    """ExtractImagePatchesGrad and the space/batch pair are differentiable too."""
    img = _r.standard_normal((1, 4, 4, 1))

    def patches_vjp(a, u):
        p = am.extract_image_patches(a * a, [1, 2, 2, 1], [1, 1, 1, 1], [1, 1, 1, 1], "VALID")
        return tf.gradients(p, a, grad_ys=u)[0]
    _grad(backend, patches_vjp, img, _r.standard_normal((1, 3, 3, 4)))


def test_gradients_match_tf1(tf1, session):
    x = _r.standard_normal((4, 3))
    u = _r.standard_normal((2, 2, 6))

    def build(t):
        a = t.constant(x)
        parts = t.dynamic_partition(a, [0, 1, 0, 1], 2)
        y = t.stack([parts[0] * 2.0, parts[1]]) if t is tf1 else tf.stack([parts[0] * 2.0,
                                                                            parts[1]])
        y = t.reshape(t.roll(y, [1], [2]), [2, 2, 3])
        y = t.concat([y, y * y], 2)
        return t.gradients(y, a, grad_ys=t.constant(u))[0]
    with tf.Graph().as_default():
        got = session().run(build(_flowkit_ns()))
    _same(got, _tf1(tf1, lambda: build(tf1)))


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------
def test_run_time_errors_name_the_op(session):
    p = tf.placeholder(tf.int32, [None])
    with pytest.raises(tf.errors.InvalidArgumentError, match="parts.*is not in \\[0, 2\\)"):
        session().run(am.dynamic_partition([1.0, 2.0, 3.0], p, 2, name="parts"),
                      {p: [0, 2, 1]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="stitch.*negative"):
        session().run(am.dynamic_stitch([p], [[1.0, 2.0]], name="stitch"), {p: [0, -1]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="unravel.*out of bound"):
        session().run(am.unravel_index(p, [2, 3], name="unravel"), {p: [1, 6]})
    q = tf.placeholder(tf.int32, [])
    with pytest.raises(tf.errors.InvalidArgumentError, match="roll.*axis"):
        session().run(tf.roll([1, 2], 1, q, name="roll"), {q: 3})
    with pytest.raises(tf.errors.InvalidArgumentError, match="BroadcastArgs.*Incompatible"):
        session().run(tf.broadcast_dynamic_shape(p, [3]), {p: [2]})
    s = tf.placeholder(tf.float32, [None, None, 1])
    with pytest.raises(tf.errors.InvalidArgumentError, match="SpaceToBatchND.*divisible"):
        session().run(tf.space_to_batch_nd(s, [2], [[0, 0]]), {s: np.ones((1, 3, 1))})
    with pytest.raises(tf.errors.InvalidArgumentError, match="hist.*nbins"):
        n = tf.placeholder(tf.int32, [])
        session().run(am.histogram_fixed_width([1.0], [0.0, 1.0], n, name="hist"), {n: 0})


def test_static_errors():
    with pytest.raises(ValueError, match="divisible"):
        tf.space_to_batch_nd(tf.ones([1, 5, 4, 1]), [2, 2], [[0, 0], [0, 0]])
    with pytest.raises(ValueError, match="not divisible"):
        tf.batch_to_space_nd(tf.ones([3, 2, 2, 1]), [2, 2], [[0, 0], [0, 0]])
    with pytest.raises(ValueError, match="larger"):
        tf.batch_to_space_nd(tf.ones([4, 1, 1, 1]), [2, 2], [[2, 1], [0, 0]])
    with pytest.raises(ValueError, match="must start with"):
        am.dynamic_partition(tf.ones([3, 2]), [0, 1], 2)
    with pytest.raises(ValueError, match="must start with"):
        am.dynamic_stitch([[0, 1]], [tf.ones([3, 2])])
    with pytest.raises(ValueError, match="out of range"):
        tf.roll(tf.ones([2, 3]), 1, 2)
    with pytest.raises(ValueError, match="same shape"):
        tf.roll(tf.ones([2, 3]), [1, 2], [0])
    with pytest.raises(ValueError, match="Incompatible shapes"):
        tf.broadcast_static_shape(tf.TensorShape([2, 3]), tf.TensorShape([4]))
    with pytest.raises(ValueError, match="Incompatible shapes"):
        tf.broadcast_dynamic_shape([2, 3], [4])
    with pytest.raises(ValueError, match="last dimension"):
        tf.bitcast(tf.ones([3], tf.uint8), tf.int32)
    with pytest.raises(TypeError):
        tf.bitcast(tf.ones([3], tf.bool), tf.uint8)
    with pytest.raises(ValueError, match="fully defined"):
        tf.parallel_stack([tf.placeholder(tf.float32, [None])])
    with pytest.raises(ValueError, match="leading dimensions"):
        am.searchsorted(tf.ones([2, 4]), tf.ones([3, 1]))
    with pytest.raises(ValueError, match="nbins"):
        am.histogram_fixed_width([1.0], [0.0, 1.0], 0)
    with pytest.raises(ValueError, match=r"\[1, x, y, 1\]"):
        am.extract_image_patches(tf.ones([1, 4, 4, 1]), [2, 2, 2, 1], [1, 1, 1, 1],
                                 [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="repeats"):
        am.repeat(tf.ones([3]), [1, 2])
    with pytest.raises(TypeError, match="int32"):
        am.dynamic_partition([1.0], tf.constant([0], tf.int64), 1)


# --------------------------------------------------------------------------------------------
# Python-level helpers
# --------------------------------------------------------------------------------------------
def test_get_static_value(tf1):
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.float32, [2, 3])
    k = tf.placeholder(tf.int32, [])
    assert am.get_static_value(tf.shape(x)) is None
    assert am.get_static_value(tf.shape(y)[1]) == 3
    assert am.get_static_value(tf.shape(y)[1] * 2 + 1) == 7        # simple ops fold too
    assert am.get_static_value(tf.stack([tf.shape(y)[1], 4])).tolist() == [3, 4]
    assert am.get_static_value(tf.stack([k, 4])) is None
    assert am.get_static_value(tf.stack([k, 4]), partial=True).tolist() == [None, 4]
    assert am.get_static_value(tf.size(tf.ones([2, 5]))) == 10
    assert am.get_static_value(tf.rank(x)) == 2
    assert am.get_static_value(tf.unstack(tf.constant([[1, 2], [3, 4]]))[1]).tolist() == [3, 4]
    assert am.get_static_value(tf.equal(tf.shape(y)[1], 3))
    assert am.get_static_value(tf.reduce_prod(tf.constant([2, 3, 4]))) == 24
    assert am.get_static_value(x) is None and am.get_static_value(x * 2) is None
    assert am.get_static_value(5) == 5
    v = am.get_static_value(tf.constant([1.5]))
    assert v.dtype == np.float32 and v.tolist() == [1.5]
    # Where TF1 folds, the values agree.
    g = tf1.Graph()
    with g.as_default():
        want = [tf1.get_static_value(t(tf1)) for t in _FOLDED_BY_TF1]
    got = [am.get_static_value(t(tf)) for t in _FOLDED_BY_TF1]
    assert all(w is not None for w in want)
    _same(got, want)


_FOLDED_BY_TF1 = [
    lambda t: t.concat([t.shape(t.ones([2, 5])), [4]], 0),
    lambda t: t.stack([t.size(t.ones([2, 5])), t.rank(t.ones([2, 5])), 7]),
    lambda t: t.cast(t.fill([2], 3), t.float32),
    lambda t: t.equal(t.range(4), 2),
    lambda t: t.unstack(t.constant([[1, 2], [3, 4]]))[1],
]


def test_predicates_and_timestamp(session):
    v = tf.Variable(1.0)
    assert tf.is_tensor(tf.constant(1)) and tf.is_tensor(v)
    assert not tf.is_tensor(1) and not tf.is_tensor(np.ones(2))
    assert tf.is_numeric_tensor(tf.constant(1)) and tf.is_numeric_tensor(tf.constant(1.0))
    assert not tf.is_numeric_tensor(tf.constant(True))
    assert not tf.is_numeric_tensor(tf.constant("a")) and not tf.is_numeric_tensor(1.0)
    t = am.timestamp()
    assert t.dtype == tf.float64 and t.shape.as_list() == []
    s = session()
    a = s.run(t)
    time.sleep(0.01)
    b = s.run(t)
    assert a.dtype == np.float64 and abs(a - time.time()) < 60 and b > a


def test_ops_without_gradient_raise_as_in_tf1():
    x = tf.constant([1.0, 2.0])
    with pytest.raises(LookupError, match="GuaranteeConst"):
        tf.gradients(tf.reduce_sum(tf.guarantee_const(x)), x)
    with pytest.raises(LookupError, match="Bitcast"):
        tf.gradients(tf.reduce_sum(tf.bitcast(x, tf.float32)), x)
    with pytest.raises(LookupError, match="ParallelConcat"):
        tf.gradients(tf.reduce_sum(tf.parallel_stack([x, x])), x)
    assert tf.gradients(am.timestamp() * 2.0, x) == [None]


def test_dynamic_stitch_last_piece_wins(session):
    got = session().run(am.dynamic_stitch([[0, 1, 1], [1, 2]],
                                          [[1.0, 2.0, 3.0], [4.0, 5.0]]))
    np.testing.assert_array_equal(got, [1.0, 4.0, 5.0])


def test_namespaces():
    """The names reach ``tf``, ``tf.nn`` and ``tf.image`` as in TF1."""
    for name in am.__all__:
        assert getattr(tf, name) is getattr(am, name), name
    assert tf.nn.space_to_batch is tf.space_to_batch
    assert tf.image.extract_image_patches is am.extract_image_patches
    assert tf.image.extract_patches is am.extract_patches


def test_space_to_batch_of_an_empty_channel_axis(session):
    # -1 in a reshape cannot be inferred when a dimension is 0: the kernels spell it out.
    x = tf.zeros([1, 4, 4, 0])
    y = tf.space_to_batch_nd(x, [2, 2], [[0, 0], [0, 0]])
    back = tf.batch_to_space_nd(y, [2, 2], [[0, 0], [0, 0]])
    with session() as sess:
        yv, bv = sess.run([y, back])
    assert yv.shape == (4, 2, 2, 0) and bv.shape == (1, 4, 4, 0)
