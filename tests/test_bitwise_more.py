"""tf.bitwise, tf.manip, tf.math.nextafter, tf.sparse_matmul, tf.conv and tf.layers.InputSpec:
values, dtype rules, errors and gradients on every backend, checked against TF1's
``tf.compat.v1`` (and tf_keras's InputSpec)."""
import types

import numpy as np
import pytest

import flowkit as tf
from flowkit import tf_bitwise, tf_manip
from flowkit.framework.registry import get_op_def
from flowkit.layers.input_spec import InputSpec, assert_input_compatibility
from flowkit.ops import bitwise_ops as bw
from flowkit.ops import misc_more_ops as mm
from flowkit.testing import check_gradients
from tests._tf_compare import run_tf1

RNG = np.random.default_rng(31)
BINARY = ["bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"]
TORCH_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8]
WIDE_UNSIGNED = [np.uint16, np.uint32, np.uint64]


def _same(got, want, rtol=0.0, atol=0.0):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype,
                                                                 got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


def _ints(dtype, *shape):
    info = np.iinfo(dtype)
    return RNG.integers(info.min, int(info.max) + 1, shape, dtype=dtype)


def _operands(dtype):
    """``x`` with every bit pattern's extremes and ``y`` mixing ordinary values with shift
    amounts out of range (negative, ``== bits``, ``> bits``), broadcast [4, 6] x [6]."""
    info = np.iinfo(dtype)
    x = _ints(dtype, 4, 6)
    x[0, :3] = [info.min, info.max, 0]
    y = np.array([0, 1, info.bits - 1, info.bits, info.bits + 5, 3], dtype)
    if info.min < 0:
        y[3] = -1
    return x, y


# -- tf.bitwise --------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", TORCH_DTYPES)
@pytest.mark.parametrize("name", BINARY)
def test_bitwise_binary_against_tf1(tf1, session, name, dtype):
    x, y = _operands(dtype)
    got = session().run(getattr(tf.bitwise, name)(tf.constant(x), y))
    want = run_tf1(tf1, lambda: getattr(tf1.bitwise, name)(tf1.constant(x), y))
    _same(got, want)


@pytest.mark.parametrize("dtype", TORCH_DTYPES)
def test_invert_against_tf1(tf1, session, dtype):
    x = _operands(dtype)[0]
    _same(session().run(tf.bitwise.invert(x)), run_tf1(tf1, lambda: tf1.bitwise.invert(x)))


@pytest.mark.parametrize("dtype", WIDE_UNSIGNED)
def test_wide_unsigned_against_tf1_on_numpy(tf1, dtype):
    # uint16/32/64 are storage dtypes that only the NumPy backend holds; TF's bitwise ops
    # take them, so flowkit's do too.
    x, y = _operands(dtype)
    outs = [getattr(bw, n)(x, y) for n in BINARY] + [bw.invert(x)]
    with tf.Session(backend="numpy") as sess:
        got = sess.run(outs)
    want = run_tf1(tf1, lambda: [getattr(tf1.bitwise, n)(x, y) for n in BINARY]
                   + [tf1.bitwise.invert(x)])
    for g, w in zip(got, want):
        _same(g, w)


def test_shift_amounts_are_clamped(session):
    x = np.array([1, -1, 3, -128, 64], np.int8)
    y = np.array([-5, 100, 8, 9, 7], np.int8)
    left, right = session().run([tf.bitwise.left_shift(x, y), tf.bitwise.right_shift(x, y)])
    # clamped amounts [0, 7, 7, 7, 7]
    assert left.tolist() == [1, -128, -128, 0, 0]
    assert right.tolist() == [1, -1, 0, -1, 0]


def test_bitwise_shapes_scalars_and_python_operands(session):
    a = tf.placeholder(tf.int32, [None, 1])
    out = tf.bitwise.bitwise_xor(a, [1, 2, 3])
    assert out.shape.as_list() == [None, 3] and out.dtype == tf.int32
    assert out.op.type == "BitwiseXor"
    s = tf.bitwise.bitwise_and(12, 10)
    assert s.dtype == tf.int32 and s.shape.as_list() == []
    got = session().run([out, s], {a: [[4], [0]]})
    np.testing.assert_array_equal(got[0], [[5, 6, 7], [1, 2, 3]])
    assert got[1] == 8


@pytest.mark.parametrize("name", BINARY + ["invert"])
def test_bitwise_rejects_floats_and_bools_naming_the_op(name):
    fn = getattr(tf.bitwise, name)
    args = lambda v: (v,) if name == "invert" else (v, v)  # noqa: E731
    with pytest.raises(TypeError, match=r"(?s)float32 not in list.*int8.*uint64.*mine"):
        fn(*args(tf.constant([1.0, 2.0])), name="mine")
    with pytest.raises(TypeError, match="bool not in list"):
        fn(*args(tf.constant([True])))


def test_bitwise_rejects_mixed_integer_dtypes():
    with pytest.raises(TypeError, match="int64 that does not match type int32"):
        tf.bitwise.bitwise_and(tf.constant([1]), tf.constant([1], tf.int64))


@pytest.mark.parametrize("op_type", ["BitwiseAnd", "BitwiseOr", "BitwiseXor", "Invert",
                                     "LeftShift", "RightShift"])
def test_bitwise_ops_are_not_differentiable(op_type):
    assert get_op_def(op_type).grad_fn is None


def test_bitwise_namespace_matches_tf1(tf1):
    names = {n for n in dir(tf1.bitwise) if not n.startswith("_")}
    assert names == set(tf_bitwise.__all__)
    assert tf.bitwise is tf_bitwise
    with pytest.raises(AttributeError):
        _ = tf.bitwise.popcount


# -- tf.manip ----------------------------------------------------------------------------------
def test_manip_names_are_flowkits_functions(tf1):
    names = {n for n in dir(tf1.manip) if not n.startswith("_")}
    assert names == set(tf_manip.__all__)
    for n in names:
        assert getattr(tf.manip, n) is getattr(tf, n)


def test_manip_against_tf1(tf1, session):
    x = RNG.standard_normal((2, 4, 4, 1)).astype(np.float32)
    idx = np.array([[0, 1], [1, 3]], np.int32)

    def build(m, const):
        c = const(x)
        return [m.roll(c, [1, -1], [1, 2]), m.tile(c, [1, 2, 1, 1]), m.reshape(c, [4, -1]),
                m.reverse(c, [1]), m.gather_nd(c, idx),
                m.scatter_nd(idx, np.float32([1.0, 2.0]), [2, 4]),
                m.space_to_batch_nd(c, [2, 2], [[0, 0], [0, 0]]),
                m.batch_to_space_nd(m.space_to_batch_nd(c, [2, 2], [[0, 0], [0, 0]]), [2, 2],
                                    [[0, 0], [0, 0]])]
    got = session().run(build(tf.manip, tf.constant))
    want = run_tf1(tf1, lambda: build(tf1.manip, tf1.constant))
    for g, w in zip(got, want):
        _same(g, w)


# -- tf.math.nextafter -------------------------------------------------------------------------
EDGE_X = [1.0, 1.0, 0.0, -0.0, 2.5, np.inf, -np.inf, np.nan, 1e-30, 3.0, 0.0]
EDGE_Y = [2.0, 0.0, 1.0, 0.0, 2.5, 0.0, 0.0, 1.0, 0.0, np.nan, -1.0]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_nextafter_against_tf1(tf1, session, dtype):
    x, y = np.array(EDGE_X, dtype), np.array(EDGE_Y, dtype)
    b = RNG.standard_normal((3, 1)).astype(dtype)
    c = RNG.standard_normal(4).astype(dtype)
    got = session().run([tf.math.nextafter(x, y), tf.math.nextafter(b, c)])
    want = run_tf1(tf1, lambda: [tf1.math.nextafter(x, y), tf1.math.nextafter(b, c)])
    for g, w in zip(got, want):
        _same(g, w)
    assert np.array_equal(np.signbit(got[0]), np.signbit(want[0]))


def test_nextafter_dtype_rules():
    assert tf.math.nextafter(1.0, 2.0).dtype == tf.float32
    with pytest.raises(TypeError, match="int32 not in list of allowed values: float64, float32"):
        tf.math.nextafter(tf.constant([1]), tf.constant([2]))
    with pytest.raises(TypeError, match="float16 not in list"):
        tf.math.nextafter(tf.constant([1.0], tf.float16), tf.constant([2.0], tf.float16))
    with pytest.raises(TypeError, match="'x2'.*float64 that does not match type float32"):
        tf.math.nextafter(tf.constant([1.0]), tf.constant([2.0], tf.float64))


def test_nextafter_gradient_against_tf1(tf1, session):
    x = RNG.standard_normal((1, 3)).astype(np.float32)
    y = RNG.standard_normal((2, 1)).astype(np.float32)
    w = RNG.standard_normal((2, 3)).astype(np.float32)

    def build(t):
        a, b = t.constant(x), t.constant(y)
        return t.gradients(t.math.nextafter(a, b) * w, [a, b])
    got = session().run(build(tf))
    want = run_tf1(tf1, lambda: build(tf1))
    for g, w_ in zip(got, want):
        _same(g, w_, rtol=1e-6)
    assert check_gradients(tf.math.nextafter, [RNG.standard_normal(3),
                                               RNG.standard_normal(3)]).ok


# -- tf.sparse_matmul --------------------------------------------------------------------------
@pytest.mark.parametrize("ta,tb", [(False, False), (True, False), (False, True), (True, True)])
def test_sparse_matmul_against_tf1(tf1, session, ta, tb):
    a = RNG.standard_normal((3, 4) if not ta else (4, 3)).astype(np.float32)
    b = RNG.standard_normal((4, 2) if not tb else (2, 4)).astype(np.float32)
    a[a > 0.5] = 0.0

    def build(t):
        ca, cb = t.constant(a), t.constant(b)
        m = t.sparse_matmul(ca, cb, transpose_a=ta, transpose_b=tb, a_is_sparse=True)
        return [m] + t.gradients(t.reduce_sum(m * m), [ca, cb])
    got = session().run(build(tf))
    want = run_tf1(tf1, lambda: build(tf1))
    for g, w in zip(got, want):
        _same(g, w, rtol=1e-5, atol=1e-6)


def test_sparse_matmul_dtype_and_rank_rules():
    m = tf.sparse_matmul(tf.placeholder(tf.float32, [None, 3]), tf.ones([3, 5]))
    assert m.dtype == tf.float32 and m.shape.as_list() == [None, 5]
    with pytest.raises(TypeError, match="float64 not in list of allowed values: float32"):
        tf.sparse_matmul(tf.ones([2, 2], tf.float64), tf.ones([2, 2], tf.float64))
    with pytest.raises(TypeError, match="'b'.*int32"):
        tf.sparse_matmul(tf.ones([2, 2]), tf.ones([2, 2], tf.int32))
    with pytest.raises(ValueError, match="rank 2 but is rank 3"):
        tf.sparse_matmul(tf.ones([2, 3, 3]), tf.ones([2, 3, 3]))
    with pytest.raises(ValueError):
        tf.sparse_matmul(tf.ones([2, 3]), tf.ones([2, 3]))


# -- tf.conv -----------------------------------------------------------------------------------
def _conv_cases():
    x2 = RNG.standard_normal((2, 7, 6, 3)).astype(np.float32)
    w2 = RNG.standard_normal((3, 2, 3, 4)).astype(np.float32)
    x2b = RNG.standard_normal((2, 3, 5, 6, 3)).astype(np.float32)
    x3 = RNG.standard_normal((2, 5, 6, 4, 3)).astype(np.float32)
    w3 = RNG.standard_normal((3, 2, 2, 3, 4)).astype(np.float32)
    x3b = RNG.standard_normal((2, 2, 4, 3, 4, 3)).astype(np.float32)
    return [
        (x2, w2, dict(strides=[1, 1, 1, 1], padding="SAME")),
        (x2, w2, dict(strides=[1, 2, 3, 1], padding="VALID")),
        (x2, w2, dict(strides=[1, 1, 1, 1], padding="SAME", dilations=[1, 2, 1, 1])),
        (x2, w2, dict(strides=[1, 2, 1, 1], padding="EXPLICIT",
                      explicit_paddings=[0, 0, 1, 2, 0, 3, 0, 0])),
        (x2b, w2, dict(strides=[1, 1, 2, 1], padding="SAME", batch_dims=2)),
        (x3, w3, dict(strides=[1, 1, 2, 1, 1], padding="SAME")),
        (x3, w3, dict(strides=[1, 2, 1, 1, 1], padding="VALID")),
        (x3b, w3, dict(strides=[1, 1, 1, 1, 1], padding="VALID", batch_dims=2)),
    ]


@pytest.mark.parametrize("index", range(8))
def test_conv_against_tf1(tf1, session, index):
    x, w, kw = _conv_cases()[index]

    cx, cw = tf.constant(x), tf.constant(w)
    ours = tf.conv(cx, cw, **kw)
    with tf1.Graph().as_default():
        assert ours.shape.as_list() == tf1.conv(x, w, **kw).shape.as_list()
    _same(session().run(ours), run_tf1(tf1, lambda: tf1.conv(x, w, **kw)), rtol=1e-4,
          atol=1e-4)
    # TF registers no gradient for its raw Conv op; flowkit's conv is made of Conv2D/Conv3D
    # (and Pad, Reshape), so it has theirs.
    grads = tf.gradients(tf.reduce_sum(ours), [cx, cw])
    assert all(g is not None for g in grads)


def test_conv_with_unknown_batch_dims_runs(session):
    x = tf.placeholder(tf.float32, [None, None, 5, 5, 2])
    y = tf.conv(x, tf.ones([3, 3, 2, 1]), [1, 1, 1, 1], "VALID", batch_dims=2)
    assert y.shape.as_list() == [None, None, 3, 3, 1]
    out = session().run(y, {x: np.ones((2, 3, 5, 5, 2), np.float32)})
    assert out.shape == (2, 3, 3, 3, 1) and np.all(out == 18.0)


def test_conv_errors_match_tf1(tf1):
    x2, w2 = tf.ones([2, 7, 6, 3]), tf.ones([3, 2, 3, 4])
    cases = [
        (dict(input=tf.ones([2, 7, 3]), filter=tf.ones([3, 3, 4]), strides=[1, 1, 1],
              padding="SAME"), ValueError, "rank 4 or 5"),
        (dict(strides=[1, 1, 1, 1], padding="FOO"), ValueError, "not in"),
        (dict(strides=[1, 1, 1], padding="SAME"), ValueError, "contain 4 values"),
        (dict(strides=[1, 1, 1, 1], padding="SAME", dilations=[1, 2, 1]), ValueError,
         "dilation attribute to contain 4"),
        (dict(strides=[1, 1, 1, 1], padding="SAME", explicit_paddings=[0] * 8), ValueError,
         "must be empty"),
        (dict(strides=[1, 1, 1, 1], padding="EXPLICIT", explicit_paddings=[1, 1]), ValueError,
         "contain 8 values"),
        (dict(strides=[1, 1, 1, 1], padding="SAME", data_format="NHWC"), ValueError, "not in"),
        (dict(filter=tf.ones([3, 2, 5, 4]), strides=[1, 1, 1, 1], padding="SAME"), ValueError,
         "not a multiple"),
        (dict(input=tf.ones([1, 3, 3, 3, 2]), filter=tf.ones([1, 1, 1, 2, 2]),
              strides=[1] * 5, padding="EXPLICIT", explicit_paddings=[0] * 10), ValueError,
         "3D Convolution"),
    ]
    for kw, err, match in cases:
        kw = {"input": x2, "filter": w2, **kw}
        with pytest.raises(err, match=match):
            tf.conv(**kw)

        def tf_build(kw=kw):
            conv = {k: (tf1.ones(v.shape.as_list()) if k in ("input", "filter") else v)
                    for k, v in kw.items()}
            return tf1.conv(**conv)
        with pytest.raises(err):
            run_tf1(tf1, tf_build)


def test_conv_unsupported_like_tf_cpu():
    x = tf.ones([2, 7, 6, 3])
    with pytest.raises(tf.errors.UnimplementedError, match="Grouped"):
        tf.conv(x, tf.ones([3, 2, 1, 3]), [1, 1, 1, 1], "SAME", groups=3)
    with pytest.raises(tf.errors.UnimplementedError, match="CHANNELS_FIRST"):
        tf.conv(x, tf.ones([3, 2, 7, 4]), [1, 1, 1, 1], "SAME", data_format="CHANNELS_FIRST")
    with pytest.raises(ValueError, match="batch_dims"):
        tf.conv(x, tf.ones([3, 2, 3, 4]), [1, 1, 1, 1], "SAME", batch_dims=0)
    with pytest.raises(ValueError, match="filter.*known"):
        tf.conv(x, tf.placeholder(tf.float32), [1, 1, 1, 1], "SAME")


def test_conv_gradient_numerically():
    assert check_gradients(
        lambda x, f: mm.conv(x, f, [1, 1, 2, 1], "EXPLICIT",
                             explicit_paddings=[0, 0, 2, 0, 1, 1, 0, 0], batch_dims=2),
        [RNG.standard_normal((2, 1, 4, 4, 2)), RNG.standard_normal((2, 3, 2, 2))]).ok


# -- tf.layers.InputSpec -----------------------------------------------------------------------
SPECS = [dict(), dict(dtype="float32", shape=(None, 3), axes={-1: 3}),
         dict(ndim=2, max_ndim=4, min_ndim=1), dict(shape=(2, None, 4)),
         dict(min_ndim=2, axes={"-1": 5}), dict(dtype=np.float64, ndim=3),
         dict(shape=(None, 28, 28, 1), allow_last_axis_squeeze=True), dict(max_ndim=3),
         dict(axes={1: 4}, ndim=2)]
SHAPES = [(None, 3), (2, 3), (5,), (2, 7, 4), (1, 28, 28), (4, 28, 28, 1), (3, 4), (2, 5),
          (1, 2, 3, 4, 5), None]


@pytest.fixture(scope="module")
def keras_spec(tf1):
    keras = pytest.importorskip("tf_keras")
    from tf_keras.src.engine import input_spec
    return keras.layers.InputSpec, input_spec.assert_input_compatibility


def test_input_spec_attributes_and_repr_match_tf_keras(keras_spec):
    theirs = keras_spec[0]
    for kw in SPECS:
        ours, want = InputSpec(**kw), theirs(**kw)
        assert repr(ours) == repr(want)
        assert vars(ours) == vars(want)
        assert ours.get_config() == want.get_config()
        assert vars(InputSpec.from_config(ours.get_config())) == \
            vars(theirs.from_config(want.get_config()))
    assert tf.layers.InputSpec is InputSpec


def test_input_spec_argument_errors_match_tf_keras(keras_spec):
    theirs = keras_spec[0]
    for kw, err in [(dict(axes={"a": 1}), TypeError), (dict(ndim=2, axes={3: 1}), ValueError),
                    (dict(max_ndim=2, axes={2: 1}), ValueError)]:
        with pytest.raises(err):
            InputSpec(**kw)
        with pytest.raises(err):
            theirs(**kw)


def _tensor_like(shape, dtype, tf1):
    return (types.SimpleNamespace(shape=tf.TensorShape(shape), dtype=tf.as_dtype(dtype)),
            types.SimpleNamespace(shape=tf1.TensorShape(shape), dtype=tf1.as_dtype(dtype)))


def test_assert_input_compatibility_matches_tf_keras(tf1, keras_spec):
    theirs_spec, theirs_check = keras_spec
    for kw in SPECS:
        for shape in SHAPES:
            for dtype in ("float32", "float64"):
                ours, want = _tensor_like(shape, dtype, tf1)
                try:
                    theirs_check(theirs_spec(**kw), want, "layer")
                    expected = None
                except ValueError as e:
                    expected = str(e)
                if expected is None:
                    assert_input_compatibility(InputSpec(**kw), ours, "layer")
                else:
                    with pytest.raises(ValueError) as info:
                        assert_input_compatibility(InputSpec(**kw), ours, "layer")
                    assert str(info.value) == expected, (kw, shape)


def test_assert_input_compatibility_lists_and_dicts():
    a, b = tf.placeholder(tf.float32, [None, 3]), tf.placeholder(tf.int32, [2])
    specs = [InputSpec(ndim=2, name="a"), InputSpec(dtype="int32", name="b")]
    assert_input_compatibility(specs, [a, b], "pair")
    assert_input_compatibility(specs, {"b": b, "a": a}, "pair")
    with pytest.raises(ValueError, match='Missing data for input "b"'):
        assert_input_compatibility(specs, {"a": a}, "pair")
    with pytest.raises(ValueError, match='"pair" expects 2 input'):
        assert_input_compatibility(specs, [a], "pair")
    with pytest.raises(ValueError, match="Input 1 .* expected dtype=int32"):
        assert_input_compatibility(specs, [a, a], "pair")
    with pytest.raises(TypeError, match="should be tensors"):
        assert_input_compatibility(specs, [a, "b"], "pair")
    assert_input_compatibility([None, InputSpec(optional=True)], [a, None], "pair")
    assert_input_compatibility(None, [a, "anything"], "pair")


def test_validate_input_spec():
    from flowkit.layers.input_spec import validate_input_spec
    spec = [InputSpec(ndim=2), [None, InputSpec()]]
    assert validate_input_spec(spec) is spec and validate_input_spec(None) is None
    with pytest.raises(TypeError, match="must be an instance of InputSpec. Got: 3"):
        validate_input_spec([InputSpec(), [3]])
