"""sparse_more_ops: sparse segment reductions, sparse_to_dense, conv2d_backprop_*_v2,
extract_volume_patches, switch_case and register_tensor_conversion_function. Values, errors
and gradients on every backend, checked against TF1's ``tf.compat.v1``."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import sparse_more_ops as sm
from flowkit.testing import check_gradients
from tests._tf_compare import run_tf1

_r = np.random.default_rng(2468)
DATA = _r.standard_normal((5, 3))
IDX = np.array([0, 3, 3, 1, 4, 0], np.int32)
SEG = np.array([0, 0, 2, 2, 2, 4], np.int64)


def _same(got, want, rtol=1e-6):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype,
                                                                 got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-6)


SEGMENTS = ["sparse_segment_sum", "sparse_segment_mean", "sparse_segment_sqrt_n"]


# --------------------------------------------------------------------------------------------
# sparse segment reductions
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", SEGMENTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("num", [None, 7])
def test_sparse_segments_against_tf1(tf1, session, name, dtype, num):
    x = DATA.astype(dtype)
    for data, idx, seg in ((x, IDX, SEG), (x[:, 0], IDX[:3], SEG[:3]),
                           (x.reshape(5, 3, 1), IDX.astype(np.int64), SEG.astype(np.int32))):
        got = session().run(getattr(sm, name)(tf.constant(data), idx, seg, num_segments=num))
        want = run_tf1(tf1, lambda data=data, idx=idx, seg=seg: getattr(tf1, name)(
            tf1.constant(data), idx, seg, num_segments=num))
        _same(got, want)


def test_sparse_segment_sum_int_and_fed(tf1, session):
    x = np.arange(15, dtype=np.int32).reshape(5, 3)
    got = session().run(sm.sparse_segment_sum(tf.constant(x), IDX, SEG))
    _same(got, run_tf1(tf1, lambda: tf1.sparse_segment_sum(tf1.constant(x), IDX, SEG)))
    idx = tf.placeholder(tf.int32, [None])
    seg = tf.placeholder(tf.int32, [None])
    out = sm.sparse_segment_mean(tf.constant(DATA), idx, seg, num_segments=3)
    assert out.shape.as_list() == [3, 3]
    got = session().run(out, {idx: [4, 4, 2], seg: [1, 1, 1]})
    np.testing.assert_allclose(got, [np.zeros(3), (2 * DATA[4] + DATA[2]) / 3, np.zeros(3)])


def test_sparse_segment_errors(session):
    x = tf.constant(DATA)
    with pytest.raises(tf.errors.InvalidArgumentError, match="not increasing"):
        session().run(sm.sparse_segment_sum(x, [0, 1, 2], [0, 2, 1]))
    with pytest.raises(tf.errors.InvalidArgumentError, match="not increasing"):
        session().run(sm.sparse_segment_mean(x, [0, 1, 2], [0, 2, 1], num_segments=4))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\[0, 5\)"):
        session().run(sm.sparse_segment_sum(x, [0, 5], [0, 0]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"out of range \[0, 2\)"):
        session().run(sm.sparse_segment_sqrt_n(x, [0, 1], [0, 3], num_segments=2))
    with pytest.raises(TypeError, match="'data' has DataType int32"):
        sm.sparse_segment_mean(tf.constant([1, 2]), [0], [0])
    with pytest.raises(ValueError, match="same length: 3 vs. 2"):
        sm.sparse_segment_sum(x, [0, 1, 2], [0, 0])
    with pytest.raises(ValueError, match="rank 1"):
        sm.sparse_segment_sum(x, [[0, 1]], [0, 0])
    with pytest.raises(TypeError, match="int32 or int64"):
        sm.sparse_segment_sum(x, [0.0], [0])


@pytest.mark.parametrize("name", SEGMENTS)
@pytest.mark.parametrize("num", [None, 6])
def test_sparse_segment_gradients(backend, name, num):
    report = check_gradients(lambda d: getattr(sm, name)(d, IDX, SEG, num_segments=num), [DATA],
                             backend=backend[0], device=backend[1])
    assert report.ok, str(report)


@pytest.mark.parametrize("name", SEGMENTS)
def test_sparse_segment_gradients_against_tf1(tf1, session, name):
    w = _r.standard_normal((6, 3))
    t = tf.constant(DATA)
    got = session().run(tf.gradients(getattr(sm, name)(t, IDX, SEG, num_segments=6) * w, t)[0])

    def build():
        c = tf1.constant(DATA)
        return tf1.convert_to_tensor(
            tf1.gradients(getattr(tf1, name)(c, IDX, SEG, num_segments=6) * w, c)[0])
    _same(got, run_tf1(tf1, build))


# --------------------------------------------------------------------------------------------
# sparse_to_dense
# --------------------------------------------------------------------------------------------
S2D = [
    ([[0, 1], [2, 0], [2, 3]], [3, 4], [5.0, 6.0, 7.0], 0.0),
    ([[0, 1], [2, 0]], [3, 3], 7.0, -1.0),
    ([1, 3], [5], [5, 6], 0),
    (2, [4], 9, 3),
    (np.array([[0, 1, 1], [1, 0, 2]], np.int64), np.array([2, 2, 3], np.int64), [1.5, 2.5], 0.5),
    (np.zeros([0, 2], np.int32), [2, 2], np.zeros([0], np.float32), 4.0),
]


@pytest.mark.parametrize("case", range(len(S2D)))
@pytest.mark.parametrize("validate", [True, False])
def test_sparse_to_dense_against_tf1(tf1, session, case, validate):
    idx, shp, vals, default = S2D[case]
    out = sm.sparse_to_dense(idx, shp, vals, default, validate_indices=validate)
    want = run_tf1(tf1, lambda: tf1.sparse_to_dense(idx, shp, vals, default,
                                                    validate_indices=validate))
    assert out.shape.as_list() == list(want.shape)
    _same(session().run(out), want)


def test_sparse_to_dense_repeats_without_validation(tf1, session):
    idx, vals = [[1, 1], [0, 2], [1, 1]], [5.0, 6.0, 7.0]
    got = session().run(sm.sparse_to_dense(idx, [2, 3], vals, validate_indices=False))
    _same(got, run_tf1(tf1, lambda: tf1.sparse_to_dense(idx, [2, 3], vals,
                                                        validate_indices=False)))


def test_sparse_to_dense_errors(session):
    def fails(idx, match, validate=True, shp=(3, 3)):
        fed = tf.placeholder_with_default(np.array(idx, np.int32), [None, 2])
        out = sm.sparse_to_dense(fed, list(shp), [5.0, 6.0], validate_indices=validate,
                                 name="dense")
        with pytest.raises(tf.errors.InvalidArgumentError, match=match):
            session().run(out)
    fails([[2, 0], [0, 1]], r"dense(_\d+)?: sparse_indices are out of order")
    fails([[0, 1], [0, 1]], r"dense(_\d+)?: sparse_indices are out of order or repeated")
    fails([[0, 1], [3, 1]], r"dense(_\d+)?: sparse_indices must be >= 0 and < output_shape")
    fails([[0, 1], [0, 3]], "must be >= 0 and < output_shape", validate=False)
    fails([[-1, 1], [0, 2]], "must be >= 0 and < output_shape", validate=False)
    with pytest.raises(ValueError, match="incorrect shape"):
        sm.sparse_to_dense([[0, 1], [1, 1]], [3, 3], [5.0, 6.0, 7.0])
    with pytest.raises(ValueError, match="default_value should be a scalar"):
        sm.sparse_to_dense([[0, 1]], [3, 3], [5.0], default_value=[1.0, 2.0])
    with pytest.raises(ValueError, match="scalar, vector, or matrix"):
        sm.sparse_to_dense(np.zeros([1, 1, 2], np.int32), [3, 3], 1.0)
    with pytest.raises(TypeError, match="int32 or int64"):
        sm.sparse_to_dense([[0.0, 1.0]], [3, 3], 1.0)


def test_sparse_to_dense_gradients(backend, tf1):
    idx = np.array([[0, 1], [1, 0], [2, 2]], np.int32)
    for fn in (lambda v, d: sm.sparse_to_dense(idx, [3, 4], v, d),
               lambda v, d: sm.sparse_to_dense(idx[:, 1], [4], v, d, validate_indices=False)):
        report = check_gradients(fn, [_r.standard_normal(3), np.array(0.5)],
                                 backend=backend[0], device=backend[1])
        assert report.ok, str(report)
    report = check_gradients(lambda v: sm.sparse_to_dense(idx, [3, 3], v, 1.0), [np.array(2.0)],
                             backend=backend[0], device=backend[1])
    assert report.ok, str(report)
    # The same gradients as TF's for vector values
    w = _r.standard_normal((3, 4))
    vals, d = tf.constant(np.array([1.0, 2.0, 3.0])), tf.constant(0.5, tf.float64)
    got = tf.Session(backend=backend[0], device=backend[1]).run(
        tf.gradients(sm.sparse_to_dense(idx, [3, 4], vals, d) * w, [vals, d]))

    def build():
        v, dd = tf1.constant(np.array([1.0, 2.0, 3.0])), tf1.constant(0.5, tf1.float64)
        return tf1.gradients(tf1.sparse_to_dense(idx, [3, 4], v, dd) * w, [v, dd])
    for a, b in zip(got, run_tf1(tf1, build)):
        _same(a, b)


# --------------------------------------------------------------------------------------------
# conv2d_backprop_*_v2
# --------------------------------------------------------------------------------------------
CONV = [((2, 5, 6, 3), (3, 2, 3, 4), [1, 2, 1, 1], "SAME", [1, 1, 1, 1]),
        ((1, 7, 6, 2), (2, 3, 2, 3), [1, 2, 2, 1], "VALID", [1, 1, 1, 1])]


@pytest.mark.parametrize("case", range(len(CONV)))
def test_conv2d_backprop_v2_against_tf1(tf1, session, case):
    xs, ks, strides, padding, dil = CONV[case]
    x, k = _r.standard_normal(xs), _r.standard_normal(ks)
    ys = run_tf1(tf1, lambda: tf1.nn.conv2d(x, k, strides, padding, dilations=dil)).shape
    dy = _r.standard_normal(ys)
    kw = dict(strides=strides, padding=padding, dilations=dil)
    tx, tk, tdy = tf.constant(x), tf.constant(k), tf.constant(dy)
    u, w = _r.standard_normal(ks), _r.standard_normal(xs)
    df = sm.conv2d_backprop_filter_v2(tx, tk, tdy, **kw)
    di = sm.conv2d_backprop_input_v2(tx, tk, tdy, **kw)
    grads = tf.gradients(tf.reduce_sum(df * u) + tf.reduce_sum(di * w), [tx, tdy, tk])
    got = session().run([df, di] + grads)

    def build():
        cx, ck, cdy = tf1.constant(x), tf1.constant(k), tf1.constant(dy)
        # TF has neither CPU kernels nor gradients for the V2 ops: the ops given the sizes
        # compute the same values (the V2 ops' static shapes are checked below).
        f1 = tf1.nn.conv2d_backprop_filter(cx, ks, cdy, **kw)
        i1 = tf1.nn.conv2d_backprop_input(xs, ck, cdy, **kw)
        g = tf1.gradients(tf1.reduce_sum(f1 * u) + tf1.reduce_sum(i1 * w), [cx, cdy, ck])
        return [f1, i1] + g
    want = run_tf1(tf1, build)
    for a, b in zip(got, want):
        _same(a, b, rtol=1e-5)
    with tf1.Graph().as_default():
        cx, ck, cdy = tf1.constant(x), tf1.constant(k), tf1.constant(dy)
        assert tf1.conv2d_backprop_filter_v2(cx, ck, cdy, **kw).shape.as_list() == list(ks)
        assert tf1.conv2d_backprop_input_v2(cx, ck, cdy, **kw).shape.as_list() == list(xs)
    assert df.shape.as_list() == list(ks) and di.shape.as_list() == list(xs)


def test_conv2d_backprop_v2_errors_and_unknown_shapes(session):
    x = tf.placeholder(tf.float32, [None, 4, 4, 1])
    k = tf.placeholder(tf.float32, [None, 2, 1, 1])
    di = sm.conv2d_backprop_input_v2(x, tf.ones([2, 2, 1, 1]), tf.ones([2, 3, 3, 1]),
                                     [1, 1, 1, 1], "VALID")
    df = sm.conv2d_backprop_filter_v2(tf.ones([2, 4, 4, 1]), k, tf.ones([2, 3, 3, 1]),
                                      [1, 1, 1, 1], "VALID")
    got = session().run([di, df], {x: np.zeros([2, 4, 4, 1]), k: np.zeros([2, 2, 1, 1])})
    assert got[0].shape == (2, 4, 4, 1) and got[1].shape == (2, 2, 1, 1)
    np.testing.assert_allclose(got[1], np.full([2, 2, 1, 1], 18.0))
    with pytest.raises(ValueError, match="EXPLICIT"):
        sm.conv2d_backprop_input_v2(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]),
                                    tf.ones([1, 2, 2, 1]), [1, 1, 1, 1], "EXPLICIT",
                                    explicit_paddings=[0] * 8)
    with pytest.raises(TypeError, match="float64"):
        sm.conv2d_backprop_filter_v2(tf.ones([1, 3, 3, 1]), tf.ones([2, 2, 1, 1], tf.float64),
                                     tf.ones([1, 2, 2, 1]), [1, 1, 1, 1], "VALID")


# --------------------------------------------------------------------------------------------
# extract_volume_patches
# --------------------------------------------------------------------------------------------
VOL = [((2, 4, 5, 6, 2), [1, 2, 2, 3, 1], [1, 1, 2, 2, 1], "VALID"),
       ((1, 5, 4, 3, 3), [1, 3, 2, 2, 1], [1, 2, 3, 1, 1], "SAME"),
       ((1, 3, 3, 3, 1), [1, 1, 1, 1, 1], [1, 2, 2, 2, 1], "SAME"),
       ((2, 4, 4, 4, 1), [1, 2, 3, 2, 1], [1, 3, 1, 2, 1], "SAME")]


@pytest.mark.parametrize("case", range(len(VOL)))
@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_extract_volume_patches_against_tf1(tf1, session, case, dtype):
    xs, ks, st, pad = VOL[case]
    x = (_r.standard_normal(xs) * 10).astype(dtype)
    out = sm.extract_volume_patches(tf.constant(x), ks, st, pad)
    want = run_tf1(tf1, lambda: tf1.extract_volume_patches(tf1.constant(x), ks, st, pad))
    assert out.shape.as_list() == list(want.shape)
    _same(session().run(out), want)
    fed = tf.placeholder(tf.as_dtype(dtype), [None] * 5)
    _same(session().run(sm.extract_volume_patches(fed, ks, st, pad), {fed: x}), want)


@pytest.mark.parametrize("case", range(len(VOL)))
def test_extract_volume_patches_gradients(backend, tf1, case):
    xs, ks, st, pad = VOL[case]
    report = check_gradients(lambda x: sm.extract_volume_patches(x, ks, st, pad),
                             [_r.standard_normal(xs)], backend=backend[0], device=backend[1])
    assert report.ok, str(report)
    x = _r.standard_normal(xs)
    t = tf.constant(x)
    y = sm.extract_volume_patches(t, ks, st, pad)
    w = _r.standard_normal(y.shape.as_list())
    got = tf.Session(backend=backend[0], device=backend[1]).run(tf.gradients(y * w, t)[0])

    def build():
        c = tf1.constant(x)
        return tf1.gradients(tf1.extract_volume_patches(c, ks, st, pad) * w, c)[0]
    _same(got, run_tf1(tf1, build))


def test_extract_volume_patches_errors():
    with pytest.raises(ValueError, match="ksizes must be"):
        sm.extract_volume_patches(tf.ones([1, 2, 2, 2, 1]), [1, 2, 2, 1], [1] * 5, "VALID")
    with pytest.raises(ValueError, match="strides must be"):
        sm.extract_volume_patches(tf.ones([1, 2, 2, 2, 1]), [1] * 5, [2, 1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="padding"):
        sm.extract_volume_patches(tf.ones([1, 2, 2, 2, 1]), [1] * 5, [1] * 5, "FULL")
    with pytest.raises(ValueError, match="rank 5"):
        sm.extract_volume_patches(tf.ones([2, 2, 2, 1]), [1] * 5, [1] * 5, "VALID")


# --------------------------------------------------------------------------------------------
# switch_case
# --------------------------------------------------------------------------------------------
def test_switch_case_selects_one_branch(session):
    i = tf.placeholder(tf.int32, [])
    x = tf.placeholder(tf.float32, [])
    def one():
        with tf.control_dependencies([tf.Assert(x > 0.0, ["branch 1 ran"])]):
            return tf.identity(x * 10.0)
    y = sm.switch_case(i, [lambda: x + 1.0, one, lambda: x * x])
    sess = session()
    # an index outside [0, 3) runs the last branch; branch 1's Assert runs only when chosen
    assert [float(sess.run(y, {i: v, x: -2.0})) for v in (0, 2, 3, -1)] == [-1.0, 4.0, 4.0, 4.0]
    with pytest.raises(tf.errors.InvalidArgumentError, match="branch 1 ran"):
        sess.run(y, {i: 1, x: -2.0})
    assert float(sess.run(y, {i: 1, x: 2.0})) == 20.0
    z = sm.switch_case(tf.cast(i, tf.int64), {1: lambda: tf.constant(5), 0: lambda: 7},
                       default=lambda: tf.constant(-1), name="pick")
    assert [int(sess.run(z, {i: v})) for v in (0, 1, 2, -3)] == [7, 5, -1, -1]
    pairs = sm.switch_case(i, [(1, lambda: (x, 2 * x)), (0, lambda: (3 * x, x))])
    assert [list(sess.run(pairs, {i: v, x: 1.0})) for v in (0, 1)] == [[3.0, 1.0], [1.0, 2.0]]
    single = sm.switch_case(i, [lambda: x - 1.0])
    assert float(sess.run(single, {i: 4, x: 1.0})) == 0.0


def test_switch_case_against_tf1_and_gradients(tf1, session):
    fns = [lambda v: v * v, lambda v: 3.0 * v, lambda v: -v]
    i = tf.placeholder(tf.int32, [])
    x = tf.constant(1.5)
    y = sm.switch_case(i, [lambda f=f: f(x) for f in fns])
    g = tf.gradients(y, x)[0]
    sess = session()
    for v in (0, 1, 2, 7, -1):
        def build(v=v):
            c = tf1.constant(1.5)
            out = tf1.switch_case(tf1.constant(v), [lambda f=f: f(c) for f in fns])
            return [out, tf1.gradients(out, c)[0]]
        got = sess.run([y, g], {i: v})
        for a, b in zip(got, run_tf1(tf1, build)):
            _same(a, b)


def test_switch_case_errors():
    i = tf.constant(0)
    with pytest.raises(TypeError, match="must be a Tensor"):
        sm.switch_case(0, [lambda: 1])
    with pytest.raises(TypeError, match="integer Tensor"):
        sm.switch_case(tf.constant(0.0), [lambda: 1])
    with pytest.raises(ValueError, match="at least one"):
        sm.switch_case(i, [])
    with pytest.raises(ValueError, match=r"contiguous range of \[0 to 2\) but found \{0,2\}"):
        sm.switch_case(i, {0: lambda: 1, 2: lambda: 2})
    with pytest.raises(TypeError, match="must be callable"):
        sm.switch_case(i, [(0, lambda: 1), (1, 2)])
    with pytest.raises(TypeError, match="2-tuple"):
        sm.switch_case(i, [lambda: 1, 2])
    with pytest.raises(TypeError, match="default must be callable"):
        sm.switch_case(i, [lambda: 1], default=3)


# --------------------------------------------------------------------------------------------
# register_tensor_conversion_function
# --------------------------------------------------------------------------------------------
def test_register_tensor_conversion_function(session):
    class Celsius:
        def __init__(self, degrees):
            self.degrees = degrees

    class Kelvin(Celsius):
        pass

    calls = []

    def to_tensor(value, dtype=None, name=None, as_ref=False):
        calls.append((type(value).__name__, dtype, as_ref))
        return tf.constant(value.degrees, dtype=dtype or tf.float32, name=name)

    def kelvin_first(value, dtype=None, name=None, as_ref=False):
        if not isinstance(value, Kelvin):
            return NotImplemented
        return tf.constant(value.degrees - 273.0, dtype=dtype or tf.float32, name=name)

    sm.register_tensor_conversion_function(Celsius, to_tensor)
    sm.register_tensor_conversion_function(Celsius, kelvin_first, priority=10)
    t = tf.convert_to_tensor(Celsius(20.0), name="temp")
    assert t.dtype == tf.float32 and t.op.name == "temp"
    y = tf.constant(1.0, tf.float64) + Celsius(2.0)
    sess = session()
    assert sess.run(y) == 3.0 and calls[-1] == ("Celsius", tf.float64, False)
    assert float(sess.run(tf.convert_to_tensor(Kelvin(300.0)))) == 27.0   # priority 10 first
    assert float(sess.run(tf.square(Celsius(3.0)))) == 9.0


def test_register_tensor_conversion_function_errors():
    class Thing:
        pass

    with pytest.raises(TypeError, match="must be a type or a tuple of types"):
        sm.register_tensor_conversion_function(Thing(), lambda *a, **k: None)
    with pytest.raises(TypeError, match="Python numeric types and NumPy"):
        sm.register_tensor_conversion_function((Thing, float), lambda *a, **k: None)
    with pytest.raises(TypeError, match="must be callable"):
        sm.register_tensor_conversion_function(Thing, 3)
    sm.register_tensor_conversion_function(Thing, lambda v, dtype=None, name=None,
                                           as_ref=False: [1.0])
    with pytest.raises(RuntimeError, match="returned non-Tensor"):
        tf.convert_to_tensor(Thing())

    class Fixed:
        pass

    sm.register_tensor_conversion_function(Fixed, lambda v, dtype=None, name=None,
                                           as_ref=False: tf.constant(1.0))
    with pytest.raises(RuntimeError, match="incompatible dtype: requested = int32, actual = "
                                           "float32"):
        tf.convert_to_tensor(Fixed(), dtype=tf.int32)
