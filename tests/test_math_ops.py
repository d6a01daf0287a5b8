"""Math ops: values against NumPy on every backend, gradients (first and second order),
dtype and shape errors at build time, TF1's op names, and differential tests against TF1."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import flowkit as tf
from flowkit.testing import check_gradients

RNG = np.random.default_rng(1234)


def run(session, fetches, feed=None):
    sess = session()
    return sess.run(fetches, feed)


# --------------------------------------------------------------------------------------------
# Values against NumPy
# --------------------------------------------------------------------------------------------
X = np.array([[0.3, -1.7, 2.5], [1.2, 0.0, -0.4]], dtype=np.float32)
Y = np.array([0.7, 1.9, -2.2], dtype=np.float32)      # broadcasts against X
POS = np.array([[0.5, 1.5, 4.0], [2.0, 0.25, 9.0]], dtype=np.float32)

BINARY = [
    (tf.add, np.add), (tf.subtract, np.subtract), (tf.multiply, np.multiply),
    (tf.divide, np.true_divide), (tf.truediv, np.true_divide), (tf.div, np.true_divide),
    (tf.floordiv, np.floor_divide), (tf.mod, np.mod), (tf.maximum, np.maximum),
    (tf.minimum, np.minimum), (tf.squared_difference, lambda a, b: (a - b) ** 2),
    (tf.equal, np.equal), (tf.not_equal, np.not_equal), (tf.less, np.less),
    (tf.less_equal, np.less_equal), (tf.greater, np.greater),
    (tf.greater_equal, np.greater_equal),
]


@pytest.mark.parametrize("fn,ref", BINARY, ids=[f.__name__ for f, _ in BINARY])
def test_binary_values(session, fn, ref):
    out = fn(tf.constant(X), tf.constant(Y))
    got = run(session, out)
    want = ref(X, Y)
    assert got.dtype == want.dtype and out.dtype.as_numpy_dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6)


UNARY = [
    (tf.negative, np.negative, X), (tf.abs, np.abs, X), (tf.sign, np.sign, X),
    (tf.square, np.square, X), (tf.sqrt, np.sqrt, POS), (tf.rsqrt, lambda v: 1 / np.sqrt(v), POS),
    (tf.exp, np.exp, X), (tf.log, np.log, POS), (tf.log1p, np.log1p, POS),
    (tf.sin, np.sin, X), (tf.cos, np.cos, X), (tf.tanh, np.tanh, X),
    (tf.sigmoid, lambda v: 1 / (1 + np.exp(-v)), X), (tf.reciprocal, np.reciprocal, POS),
    (tf.floor, np.floor, X), (tf.ceil, np.ceil, X), (tf.round, np.round, X),
]


@pytest.mark.parametrize("fn,ref,x", UNARY, ids=[f.__name__ for f, _, _ in UNARY])
def test_unary_values(session, fn, ref, x):
    got = run(session, fn(x))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref(x).astype(np.float32), rtol=1e-6, atol=1e-7)


def test_pow_values(session):
    got = run(session, tf.pow(POS, tf.constant([2.0, 0.5, -1.0])))
    np.testing.assert_allclose(got, POS ** np.array([2.0, 0.5, -1.0], np.float32), rtol=1e-6)
    assert run(session, tf.pow(tf.constant([2, 3]), 3)).tolist() == [8, 27]


def test_round_is_bankers_and_ints_pass_through(session):
    got = run(session, tf.round([0.5, 1.5, 2.5, -0.5, -1.5, 0.4999]))
    assert got.tolist() == [0.0, 2.0, 2.0, -0.0, -2.0, 0.0]
    i = tf.constant([1, 2])
    assert tf.round(i) is i


def test_sigmoid_does_not_overflow(session):
    got = run(session, tf.sigmoid(tf.constant([-1000.0, 0.0, 1000.0], tf.float64)))
    assert got.tolist() == [0.0, 0.5, 1.0]


def test_integer_arithmetic_follows_tf1(session):
    a, b = tf.constant([7, -7, 7, -7]), tf.constant([2, 2, -2, -2])
    fd, md, dv, td = run(session, [a // b, a % b, tf.div(a, b), a / b])
    assert fd.tolist() == [3, -4, -4, 3] and fd.dtype == np.int32
    assert md.tolist() == [1, 1, -1, -1]
    assert dv.tolist() == [3, -4, -4, 3] and tf.div(a, b).op.type == "FloorDiv"
    assert td.dtype == np.float64 and td.tolist() == [3.5, -3.5, -3.5, 3.5]
    small = tf.constant([3], tf.int16) / tf.constant([2], tf.int16)
    assert small.dtype == tf.float32
    assert tf.div(tf.constant(1.0), 2.0).op.type == "RealDiv"


def test_integer_division_by_zero_is_an_error(session):
    with pytest.raises(tf.errors.InvalidArgumentError, match="division by zero"):
        run(session, tf.floordiv(tf.constant([1]), tf.constant([0])))


def test_int_reductions_keep_dtype(session):
    x = tf.constant([[1, 2, 3], [4, 5, 6]])
    outs = [tf.reduce_sum(x), tf.reduce_prod(x, 0), tf.reduce_max(x, 1), tf.reduce_min(x),
            tf.reduce_mean(x, 1), tf.cumsum(x, 1), tf.cumprod(x, 1)]
    vals = run(session, outs)
    for o, v in zip(outs, vals):
        assert o.dtype is tf.int32 and np.asarray(v).dtype == np.int32, o.op.type
    assert vals[0] == 21 and vals[1].tolist() == [4, 10, 18] and vals[4].tolist() == [2, 5]


def test_string_add_and_equal(session):
    a = tf.constant(["ab", "c"])
    cat, eq = run(session, [a + "x", tf.equal(a, "c")])
    assert [s.decode() if isinstance(s, bytes) else s for s in cat] == ["abx", "cx"]
    assert eq.tolist() == [False, True]


def test_logical_ops_and_operators(session):
    p = tf.constant([True, True, False, False])
    q = tf.constant([True, False, True, False])
    outs = [p & q, p | q, p ^ q, ~p, tf.logical_xor(p, q), True & p, False | q]
    vals = run(session, outs)
    assert vals[0].tolist() == [True, False, False, False]
    assert vals[1].tolist() == [True, True, True, False]
    assert vals[2].tolist() == vals[4].tolist() == [False, True, True, False]
    assert vals[3].tolist() == [False, False, True, True]
    assert vals[5].tolist() == [True, True, False, False]        # True & p is p
    assert vals[6].tolist() == [True, False, True, False]        # False | q is q
    assert all(o.dtype is tf.bool for o in outs)


def test_python_operators_with_numbers(session):
    x = tf.constant([1.0, 2.0, 4.0])
    outs = [x + 1, 1 + x, x - 1, 1 - x, x * 2, 2 * x, x / 2, 2 / x, x // 3, 7 // x, x % 3,
            7 % x, x ** 2, 2 ** x, -x, abs(-x), x < 2, 2 < x, x <= 2, x > 2, x >= 2]
    v = run(session, outs)
    n = np.array([1.0, 2.0, 4.0], np.float32)
    want = [n + 1, 1 + n, n - 1, 1 - n, n * 2, 2 * n, n / 2, 2 / n, n // 3, 7 // n, n % 3,
            7 % n, n ** 2, 2 ** n, -n, n, n < 2, 2 < n, n <= 2, n > 2, n >= 2]
    for o, got, w in zip(outs, v, want):
        np.testing.assert_allclose(got, w, rtol=1e-6, err_msg=o.name)
        assert got.dtype == w.dtype, o.name


def test_matmul_batched_and_transposed(session):
    a = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    b = RNG.standard_normal((4, 5)).astype(np.float32)
    c = RNG.standard_normal((1, 5, 4)).astype(np.float32)
    outs = [tf.matmul(a, b), tf.matmul(b, a, transpose_a=True, transpose_b=True),
            tf.matmul(a, c, transpose_b=True), tf.constant(a) @ b,
            tf.matmul(a[0], a[1], transpose_a=True)]
    vals = run(session, outs)
    want = [a @ b, b.T @ np.swapaxes(a, -1, -2), a @ np.swapaxes(c, -1, -2), a @ b,
            a[0].T @ a[1]]
    for o, got, w in zip(outs, vals, want):
        assert o.shape.as_list() == list(w.shape)
        np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-6)
    assert tf.matmul(tf.placeholder(tf.float32, [None, 3, 4]), b).shape.as_list() == [None, 3, 5]


def test_tensordot(session):
    a = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    b = RNG.standard_normal((3, 4, 5)).astype(np.float32)
    outs = [tf.tensordot(a, b, 2), tf.tensordot(a, b[0], 1), tf.tensordot(a, b, [[1, 2], [0, 1]]),
            tf.tensordot(a[0, 0], b[0, :, 0], 1), tf.tensordot(a, b, 0)]
    assert outs[0].op.name == "Tensordot"
    vals = run(session, outs)
    want = [np.tensordot(a, b, 2), np.tensordot(a, b[0], 1), np.tensordot(a, b, 2),
            np.tensordot(a[0, 0], b[0, :, 0], 1), np.tensordot(a, b, 0)]
    for o, got, w in zip(outs, vals, want):
        assert o.shape.as_list() == list(w.shape)
        np.testing.assert_allclose(got, w, rtol=1e-5, atol=1e-5)


def test_tensordot_unknown_dims(session):
    p = tf.placeholder(tf.float32, [None, None, 4])
    w = tf.placeholder(tf.float32, [4, None])
    out = tf.tensordot(p, w, 1)
    assert out.shape.as_list() == [None, None, None]
    a = RNG.standard_normal((2, 3, 4)).astype(np.float32)
    b = RNG.standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_allclose(run(session, out, {p: a, w: b}), a @ b, rtol=1e-5, atol=1e-6)


def test_tensordot_with_transposes(session, backend):
    a = RNG.standard_normal((4, 2, 3)).astype(np.float32)
    b = RNG.standard_normal((5, 3, 4)).astype(np.float32)
    out = tf.tensordot(a, b, [[0, 2], [2, 1]])
    np.testing.assert_allclose(run(session, out), np.tensordot(a, b, [[0, 2], [2, 1]]),
                               rtol=1e-5, atol=1e-5)
    assert_grads(lambda x, y: tf.tensordot(x, y, [[0, 2], [2, 1]]),
                 [a[:2, :, :2].astype(np.float64), b[:2, :2, :2].astype(np.float64)], backend)


def test_cumsum_cumprod(session):
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], np.float32)
    for op, ref, ident in ((tf.cumsum, np.cumsum, 0), (tf.cumprod, np.cumprod, 1)):
        for axis in (0, 1, -1):
            for exclusive in (False, True):
                for reverse in (False, True):
                    got = run(session, op(x, axis, exclusive=exclusive, reverse=reverse))
                    v = np.flip(x, axis) if reverse else x
                    want = ref(v, axis=axis)
                    if exclusive:
                        want = np.concatenate(
                            [np.full_like(np.take(want, [0], axis), ident),
                             np.take(want, range(v.shape[axis] - 1), axis)], axis)
                    want = np.flip(want, axis) if reverse else want
                    np.testing.assert_allclose(got, want, err_msg=f"{op.__name__} {axis} "
                                               f"{exclusive} {reverse}")


def test_clip_by_value_and_add_n(session):
    x = tf.constant(X)
    c = tf.clip_by_value(x, -1.0, 1.0)
    assert c.op.name == "clip_by_value" and c.op.type == "Maximum"
    s = tf.add_n([x, x, x])
    got_c, got_s = run(session, [c, s])
    np.testing.assert_allclose(got_c, np.clip(X, -1, 1))
    np.testing.assert_allclose(got_s, 3 * X, rtol=1e-6)
    assert tf.add_n([x]) is x and tf.add_n([x], name="one").op.name == "one"
    with pytest.raises(ValueError):
        tf.clip_by_value(tf.constant([1.0]), [0.0, 0.0], 1.0)


# --------------------------------------------------------------------------------------------
# Reductions and arg ops
# --------------------------------------------------------------------------------------------
R = np.array([[[1.0, 5.0], [3.0, -2.0], [0.5, 4.0]],
              [[2.0, -1.0], [6.0, 0.0], [1.5, 2.5]]], dtype=np.float32)   # shape (2, 3, 2)
REDUCTIONS = [(tf.reduce_sum, np.sum), (tf.reduce_mean, np.mean), (tf.reduce_max, np.max),
              (tf.reduce_min, np.min), (tf.reduce_prod, np.prod)]


@pytest.mark.parametrize("fn,ref", REDUCTIONS, ids=[f.__name__ for f, _ in REDUCTIONS])
def test_reductions(session, fn, ref):
    cases = [dict(), dict(axis=0), dict(axis=-1), dict(axis=[0, 2]), dict(axis=(-1, 1)),
             dict(axis=1, keepdims=True), dict(keepdims=True), dict(axis=[]),
             dict(reduction_indices=[1]), dict(axis=-2, keep_dims=True)]
    outs = [fn(R, **kw) for kw in cases]
    vals = run(session, outs)
    for kw, o, got in zip(cases, outs, vals):
        axis = kw.get("axis", kw.get("reduction_indices"))
        axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
        want = ref(R, axis=axis, keepdims=kw.get("keepdims", kw.get("keep_dims", False)))
        assert o.shape.as_list() == list(np.shape(want)), kw
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=str(kw))
    assert outs[0].op.name == outs[0].op.type


def test_reduction_argument_errors():
    with pytest.raises(ValueError, match="both 'axis' and 'reduction_indices'"):
        tf.reduce_max(R, axis=0, reduction_indices=0)
    with pytest.raises(ValueError, match="both 'keepdims' and 'keep_dims'"):
        tf.reduce_min(R, keepdims=True, keep_dims=True)
    with pytest.raises(ValueError, match="Invalid reduction dimension 3"):
        tf.reduce_prod(R, 3)


def test_reduce_any_all(session):
    b = np.array([[True, False], [True, True]])
    outs = [tf.reduce_any(b), tf.reduce_all(b), tf.reduce_any(b, 1), tf.reduce_all(b, 0),
            tf.reduce_all(b, -1, keepdims=True)]
    vals = run(session, outs)
    assert [np.asarray(v).tolist() for v in vals] == [True, False, [True, True], [True, False],
                                                      [[False], [True]]]
    assert [o.op.name for o in outs[:2]] == ["Any", "All"]


def test_empty_max_min(session):
    e = tf.zeros_like(tf.constant(np.zeros((0, 2), np.float32)))
    mx, mn = run(session, [tf.reduce_max(e, 0), tf.reduce_min(e, 0)])
    assert mx.tolist() == [-np.inf, -np.inf] and mn.tolist() == [np.inf, np.inf]


def test_argmax_argmin(session):
    outs = [tf.argmax(R, 1), tf.argmin(R, -1), tf.argmax(R), tf.argmax(R, dimension=2),
            tf.argmin(R, 0, output_type=tf.int32), tf.argmax(R, tf.constant(2))]
    vals = run(session, outs)
    want = [R.argmax(1), R.argmin(-1), R.argmax(0), R.argmax(2), R.argmin(0), R.argmax(2)]
    for got, w in zip(vals, want):
        assert got.tolist() == w.tolist()
    assert [o.dtype for o in outs] == [tf.int64] * 4 + [tf.int32, tf.int64]
    assert vals[0].dtype == np.int64 and vals[4].dtype == np.int32
    assert outs[0].op.name == "ArgMax" and outs[1].op.name == "ArgMin"
    with pytest.raises(ValueError, match="both 'axis' and 'dimension'"):
        tf.argmax(R, 1, dimension=1)
    with pytest.raises(ValueError, match=r"Dimension \(3\) must be in the range \[-3, 3\)"):
        tf.argmax(R, 3)
    with pytest.raises(TypeError, match="output_type"):
        tf.argmax(R, 0, output_type=tf.float32)


# --------------------------------------------------------------------------------------------
# Build-time errors: dtypes and shapes
# --------------------------------------------------------------------------------------------
def test_dtype_mismatch_is_a_type_error():
    f, i = tf.constant(1.0), tf.constant(1)
    for fn in (tf.add, tf.subtract, tf.multiply, tf.maximum, tf.pow, tf.less, tf.equal,
               tf.matmul, tf.floordiv, tf.mod, tf.truediv):
        with pytest.raises(TypeError, match="int32.*float32|float32.*int32"):
            fn(f, i)
    with pytest.raises(TypeError):
        f + i
    with pytest.raises(TypeError):
        tf.add_n([f, i])


@pytest.mark.parametrize("build,what", [
    (lambda: tf.sqrt(tf.constant(1)), "int32"),
    (lambda: tf.exp(tf.constant([1, 2])), "int32"),
    (lambda: tf.add(tf.constant(True), tf.constant(True)), "bool"),
    (lambda: tf.negative(tf.constant(True)), "bool"),
    (lambda: tf.less(tf.constant(True), tf.constant(False)), "bool"),
    (lambda: tf.logical_and(tf.constant(1), tf.constant(1)), "bool"),
    (lambda: ~tf.constant(1.0), "bool"),
    (lambda: tf.reduce_any(tf.constant([1.0])), "bool"),
    (lambda: tf.reduce_sum(tf.constant([True])), "bool"),
    (lambda: tf.floor(tf.constant(1)), "int32"),
    (lambda: tf.cumsum(tf.constant([True])), "bool"),
])
def test_dtype_not_allowed(build, what):
    with pytest.raises(TypeError, match=what):
        build()


def test_python_float_into_int_tensor_is_an_error():
    with pytest.raises(TypeError):
        tf.constant([1, 2]) + 0.5


def test_shape_errors_name_the_op_and_shapes():
    a = tf.constant([1.0, 2.0])
    with pytest.raises(ValueError) as e:
        a + tf.constant([1.0, 2.0, 3.0])
    msg = str(e.value)
    assert "Dimensions must be equal, but are 2 and 3" in msg
    assert "'add' (op: 'Add')" in msg and "[2], [3]" in msg
    with pytest.raises(ValueError, match=r"'MatMul' \(op: 'MatMul'\) with input shapes: \[2,3\], "
                                         r"\[2,2\]"):
        tf.matmul(tf.ones([2, 3]), tf.ones([2, 2]))
    with pytest.raises(ValueError, match="rank 2 but is rank 1"):
        tf.matmul(tf.ones([2]), tf.ones([2, 2]))
    with pytest.raises(ValueError, match="Maximum"):
        tf.maximum(tf.ones([2, 3]), tf.ones([4, 1, 2]))
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        tf.tensordot(tf.ones([2, 3]), tf.ones([4, 2]), 1)


def test_unknown_dims_flow():
    p = tf.placeholder(tf.float32, [None, 3])
    q = tf.placeholder(tf.float32, [4, 1])
    assert (p + q).shape.as_list() == [4, 3]
    assert (p * tf.placeholder(tf.float32)).shape.ndims is None
    assert tf.reduce_max(p, 1, keepdims=True).shape.as_list() == [None, 1]
    assert tf.argmax(p, 1).shape.as_list() == [None]


@st.composite
def shape_pairs(draw):
    a = draw(st.lists(st.integers(1, 4), max_size=4))
    b = list(draw(st.lists(st.integers(1, 4), max_size=4)))
    # Make most pairs broadcastable: copy or set to 1 some dims of a into b.
    for i in range(1, min(len(a), len(b)) + 1):
        choice = draw(st.sampled_from(["copy", "one", "keep"]))
        if choice == "copy":
            b[-i] = a[-i]
        elif choice == "one":
            b[-i] = 1
    unknown = draw(st.lists(st.booleans(), min_size=len(a), max_size=len(a)))
    return a, b, unknown


@settings(max_examples=150, deadline=None)
@given(shape_pairs())
def test_broadcast_shape_rule_matches_numpy(pair):
    a, b, unknown = pair
    with tf.Graph().as_default():
        x, y = tf.placeholder(tf.float32, a), tf.placeholder(tf.float32, b)
        try:
            want = np.broadcast_shapes(tuple(a), tuple(b))
        except ValueError:
            with pytest.raises(ValueError, match="Dimensions must be equal"):
                x + y
            return
        assert tuple((x + y).shape.as_list()) == want
        assert tuple((y - x).shape.as_list()) == want
        # With some dims of a unknown the rule must stay compatible with NumPy's answer.
        pa = tf.placeholder(tf.float32, [None if u else d for d, u in zip(a, unknown)])
        got = tf.maximum(pa, y).shape
        assert got.ndims == len(want) and got.is_compatible_with(want)


# --------------------------------------------------------------------------------------------
# Gradients (central differences, float64, on every backend)
# --------------------------------------------------------------------------------------------
A = np.array([[0.3, -1.7, 2.5], [1.2, 0.6, -0.4]])
B = np.array([0.7, 1.9, -2.2])                      # no ties with A anywhere
P = np.array([[0.5, 1.5, 4.0], [2.0, 0.25, 3.0]])  # positive
UNARY_GRADS = [(tf.negative, A), (tf.abs, A), (tf.square, A), (tf.sqrt, P), (tf.rsqrt, P),
               (tf.exp, A), (tf.log, P), (tf.log1p, P), (tf.sin, A), (tf.cos, A),
               (tf.tanh, A), (tf.sigmoid, A), (tf.reciprocal, P), (lambda x: -x, A),
               (lambda x: abs(x), A), (tf.sign, A)]


def assert_grads(fn, inputs, backend, tolerance=1e-5):
    report = check_gradients(fn, inputs, backend=backend[0], device=backend[1],
                             tolerance=tolerance)
    assert report.ok, str(report)


@pytest.mark.parametrize("fn,x", UNARY_GRADS, ids=[getattr(f, "__name__", "op")
                                                    for f, _ in UNARY_GRADS])
def test_unary_gradients(backend, fn, x):
    assert_grads(fn, [x], backend)


BINARY_GRADS = [tf.add, tf.subtract, tf.multiply, tf.divide, tf.maximum, tf.minimum,
                tf.squared_difference, lambda x, y: x * y + x / y - y, tf.mod]


@pytest.mark.parametrize("fn", BINARY_GRADS, ids=[getattr(f, "__name__", "op")
                                                  for f in BINARY_GRADS])
def test_binary_gradients_with_broadcasting(backend, fn):
    assert_grads(fn, [A, B], backend)
    assert_grads(fn, [B, A], backend)


def test_pow_gradients(backend):
    assert_grads(tf.pow, [P, np.array([2.0, -0.5, 1.3])], backend)
    assert_grads(lambda x: x ** 3.0, [A], backend)
    # Where the base is <= 0 the exponent's gradient is 0, as in TF.
    x = tf.constant([-2.0, 0.0, 3.0])
    y = tf.constant([2.0, 2.0, 2.0])
    gy = tf.gradients(tf.pow(x, y), y)[0]
    with tf.Session(backend=backend[0], device=backend[1]) as sess:
        np.testing.assert_allclose(sess.run(gy), [0.0, 0.0, 9.0 * np.log(3.0)], rtol=1e-6)


def test_clip_by_value_gradient(backend):
    assert_grads(lambda x: tf.clip_by_value(x, -1.0, 1.0), [A], backend)
    x = tf.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    g = tf.gradients(tf.clip_by_value(x, 1.0, 2.0), x)[0]     # boundaries pass the gradient
    with tf.Session(backend=backend[0], device=backend[1]) as sess:
        assert sess.run(g).tolist() == [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]]


def test_matmul_gradients(backend):
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 4))
    assert_grads(tf.matmul, [a, b], backend)
    assert_grads(lambda x, y: tf.matmul(x, y, transpose_a=True), [a.T.copy(), b], backend)
    assert_grads(lambda x, y: tf.matmul(x, y, transpose_b=True), [a, b.T.copy()], backend)
    assert_grads(lambda x, y: tf.matmul(x, y, transpose_a=True, transpose_b=True),
                 [a.T.copy(), b.T.copy()], backend)
    batch = RNG.standard_normal((2, 2, 3))
    assert_grads(tf.matmul, [batch, b], backend)                      # b broadcast over batch
    assert_grads(tf.matmul, [a, RNG.standard_normal((2, 3, 2))], backend)   # a broadcast
    assert_grads(lambda x, y: tf.matmul(x, y, transpose_b=True),
                 [RNG.standard_normal((1, 2, 3)), RNG.standard_normal((2, 4, 3))], backend)


def test_tensordot_gradient(backend):
    assert_grads(lambda x, y: tf.tensordot(x, y, 2),
                 [RNG.standard_normal((2, 2, 3)), RNG.standard_normal((2, 3, 2))], backend)


@pytest.mark.parametrize("fn", [tf.reduce_sum, tf.reduce_mean, tf.reduce_max, tf.reduce_min,
                                tf.reduce_prod])
@pytest.mark.parametrize("kw", [dict(), dict(axis=1), dict(axis=[0, 2], keepdims=True),
                                dict(axis=-1)], ids=["all", "axis1", "axes02keep", "axis-1"])
def test_reduction_gradients(backend, fn, kw):
    assert_grads(lambda x: fn(x, **kw), [R.astype(np.float64)], backend)


def test_cumulative_gradients(backend):
    for kw in (dict(), dict(axis=1, exclusive=True), dict(axis=-1, reverse=True),
               dict(axis=0, exclusive=True, reverse=True)):
        assert_grads(lambda x, kw=kw: tf.cumsum(x, **kw), [A], backend)
        assert_grads(lambda x, kw=kw: tf.cumprod(x, **kw), [P], backend)


def run_grad(backend, y, x, feed=None):
    g = tf.gradients(y, x)[0]
    with tf.Session(backend=backend[0], device=backend[1]) as sess:
        return sess.run(g, feed)


def test_reduce_max_min_split_ties_like_tf(backend):
    x = tf.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    assert run_grad(backend, tf.reduce_max(x), x).tolist() == [[0, 0.5, 0.5], [0, 0, 0]]
    assert run_grad(backend, tf.reduce_max(x, 1), x).tolist() == [[0, 0.5, 0.5], [0.5, 0.5, 0]]
    assert run_grad(backend, tf.reduce_min(x, 0), x).tolist() == [[1, 0, 0], [0, 1, 1]]


def test_reduce_prod_gradient_with_zeros(backend):
    v = np.array([[2.0, 3.0, 4.0], [2.0, 2.0, 0.0], [0.0, 5.0, 0.0]])
    x = tf.constant(v)
    assert run_grad(backend, tf.reduce_prod(x, 1), x).tolist() == \
        [[12, 8, 6], [0, 0, 4], [0, 0, 0]]
    g = run_grad(backend, tf.reduce_prod(x, [0, 1]), x)
    assert g.tolist() == [[0.0] * 3] * 3
    y = tf.constant([[2.0, 3.0], [1.0, 0.0]])
    assert run_grad(backend, tf.reduce_prod(y), y).tolist() == [[0, 0], [0, 6]]
    p = tf.placeholder(tf.float64, [None, 2])
    assert run_grad(backend, tf.reduce_prod(p), p, {p: [[2.0, 3.0], [1.0, 0.0]]}).tolist() == \
        [[0, 0], [0, 6]]


def test_maximum_minimum_gradient_to_the_selected_input(backend):
    x, y = tf.constant([1.0, 5.0, 3.0]), tf.constant([2.0, 4.0, 3.0])
    gx, gy = tf.gradients(tf.maximum(x, y), [x, y])
    hx, hy = tf.gradients(tf.minimum(x, y), [x, y])
    with tf.Session(backend=backend[0], device=backend[1]) as sess:
        vals = sess.run([gx, gy, hx, hy])
    assert [v.tolist() for v in vals] == [[0, 1, 1], [1, 0, 0], [1, 0, 1], [0, 1, 0]]


def test_non_differentiable_ops():
    x = tf.constant([0.3, 1.7])
    for y in (tf.floor(x), tf.ceil(x), tf.round(x), tf.argmax(x), tf.cast(x > 1.0, tf.float32),
              tf.cast(tf.equal(x, x), tf.float32), x // 1.0):
        assert tf.gradients(y, x) == [None]
    g = tf.gradients(tf.sign(x), x)[0]
    with tf.Session() as sess:
        assert sess.run(g).tolist() == [0.0, 0.0]


def test_gradients_with_unknown_shapes(backend):
    p = tf.placeholder(tf.float64, [None, 3])
    b = tf.placeholder(tf.float64, [3])
    y = tf.reduce_sum(tf.maximum(p, b) * tf.reduce_max(p, 1, keepdims=True))
    gp, gb = tf.gradients(y, [p, b])
    pv, bv = A, B
    with tf.Session(backend=backend[0], device=backend[1]) as sess:
        got_p, got_b = sess.run([gp, gb], {p: pv, b: bv})
    with tf.Graph().as_default():
        q, c = tf.constant(pv), tf.constant(bv)
        y2 = tf.reduce_sum(tf.maximum(q, c) * tf.reduce_max(q, 1, keepdims=True))
        want = tf.gradients(y2, [q, c])
        with tf.Session() as sess:
            want_p, want_b = sess.run(want)
    np.testing.assert_allclose(got_p, want_p)
    np.testing.assert_allclose(got_b, want_b)


SECOND_ORDER = [(tf.tanh, A), (tf.sigmoid, A), (tf.exp, A), (tf.sqrt, P), (tf.log, P),
                (tf.sin, A), (tf.reciprocal, P), (tf.rsqrt, P), (lambda x: x * x * x, A),
                (lambda x: x ** 3.0, A), (lambda x: tf.reduce_mean(x, 1) ** 2.0, A)]


@pytest.mark.parametrize("fn,x", SECOND_ORDER, ids=[getattr(f, "__name__", "op")
                                                     for f, _ in SECOND_ORDER])
def test_second_order_gradients(backend, fn, x):
    assert_grads(lambda v: tf.gradients(tf.reduce_sum(fn(v)), v)[0], [x], backend,
                 tolerance=1e-4)


def test_second_order_matmul_and_binary(backend):
    a, b = RNG.standard_normal((2, 3)), RNG.standard_normal((3, 2))

    def grad_of_square_norm(x, y):
        z = tf.matmul(x, y)
        return tf.gradients(tf.reduce_sum(z * z), x)[0]
    assert_grads(grad_of_square_norm, [a, b], backend, tolerance=1e-4)

    def grad_of_div(x, y):
        return tf.add_n(tf.gradients(tf.reduce_sum(x / y * x), [x, y]))
    assert_grads(grad_of_div, [P, P + 1.0], backend, tolerance=1e-4)


# --------------------------------------------------------------------------------------------
# TF1 names, and differential tests against real TF1
# --------------------------------------------------------------------------------------------
def test_default_op_names():
    a, b = tf.constant([1.0]), tf.constant([2.0])
    t = tf.constant([True])
    built = {   # names are unique ignoring case: "FloorDiv" follows "floordiv"
        "Add": tf.add(a, b), "Sub": tf.subtract(a, b), "Mul": tf.multiply(a, b),
        "truediv": tf.divide(a, b), "div": tf.div(a, b), "floordiv": tf.floordiv(a, b),
        "FloorDiv_1": tf.floor_div(a, b), "Reciprocal": tf.reciprocal(a), "Round": tf.round(a),
        "FloorMod": tf.mod(a, b), "Pow": tf.pow(a, b), "Maximum": tf.maximum(a, b),
        "SquaredDifference": tf.squared_difference(a, b), "Neg": tf.negative(a),
        "Abs": tf.abs(a), "Sigmoid": tf.sigmoid(a), "Tanh": tf.tanh(a), "Less": tf.less(a, b),
        "LogicalNot": tf.logical_not(t), "LogicalXor": tf.logical_xor(t, t),
        "Cumsum": tf.cumsum(a), "MatMul": tf.matmul([[1.0]], [[2.0]]),
    }
    for name, out in built.items():
        assert out.op.name == name


def test_operator_op_names():
    a, b = tf.constant([1.0]), tf.constant([2.0])
    t = tf.constant([True])
    op_names = [(a + b).op.name, (a - b).op.name, (a * b).op.name, (a / b).op.name,
                (a // b).op.name, (a % b).op.name, (a ** b).op.name, (-a).op.name,
                abs(a).op.name, (t & t).op.name, (t | t).op.name, (t ^ t).op.name,
                (~t).op.name, (tf.constant([[1.0]]) @ tf.constant([[1.0]])).op.name]
    assert op_names == ["add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "Neg",
                        "Abs", "and", "or", "xor", "LogicalNot", "matmul"]
    assert (a + 2.0).op.inputs[1].op.name == "add_1/y"
    assert (2.0 - a).op.inputs[0].op.name == "sub_1/x"
    # TF1's unique names ignore case: the op "Add" takes the name "add" too.
    with tf.Graph().as_default():
        x = tf.constant(1.0)
        assert (x + x).op.name == "add" and tf.add(x, x).op.name == "Add_1"


def test_int_truediv_cast_names():
    out = tf.constant([1]) / tf.constant([2])
    assert [i.op.name for i in out.op.inputs] == ["truediv/Cast", "truediv/Cast_1"]


def _tf1_build(lib, build):
    """Builds ``build(lib)`` in a fresh graph of ``lib`` (flowkit or TF1); returns the op
    names, output dtypes and shapes, and the fetched values."""
    g = lib.Graph()
    with g.as_default():
        outs = build(lib)
        names = [o.op.name for o in outs]
        meta = [(o.dtype.name, o.shape.as_list() if o.shape.ndims is not None else None)
                for o in outs]
        with lib.Session(graph=g) as sess:
            vals = sess.run(outs)
    return names, meta, vals


def _tf1_program(lib):
    x = lib.constant([[0.3, -1.7, 2.5], [1.2, 0.6, -0.4]])
    y = lib.constant([0.7, 1.9, -2.2])
    i = lib.constant([[7, -7, 3], [-4, 9, 2]])
    j = lib.constant([2, -3, 5])
    t = lib.constant([True, False, True])
    return [
        x + y, x - y, x * y, x / y, x // y, x % y, lib.abs(x) ** y, -x, abs(x),
        x < y, x <= y, x > y, x >= y, t & t, t | t, t ^ t, ~t,
        i / j, i // j, i % j, lib.div(i, j), lib.div(x, y),
        lib.maximum(x, y), lib.minimum(x, y), lib.squared_difference(x, y),
        lib.sqrt(lib.abs(x)), lib.exp(x), lib.log1p(lib.abs(x)), lib.sigmoid(x), lib.tanh(x),
        lib.round(x * 2.0), lib.sign(x), lib.floor(x), lib.ceil(x), lib.reciprocal(x),
        lib.rsqrt(lib.abs(x)), lib.sin(x), lib.cos(x), lib.square(x), lib.log(lib.abs(x)),
        lib.reduce_max(x, 1), lib.reduce_min(x, -1, keepdims=True), lib.reduce_prod(x, 0),
        lib.reduce_sum(i, 1), lib.reduce_mean(i), lib.reduce_any(t), lib.reduce_all(t),
        lib.argmax(x, 1), lib.argmin(x, 0, output_type=lib.int32),
        lib.clip_by_value(x, -1.0, 1.0), lib.cumsum(x, 1, exclusive=True, reverse=True),
        lib.cumprod(i, 0), lib.matmul(x, x, transpose_b=True), lib.tensordot(x, y, 1),
        lib.add_n([x, x, x]), lib.equal(i, 3), lib.not_equal(x, x), lib.logical_xor(t, ~t),
    ]


def test_against_tf1(tf1):
    names, meta, vals = _tf1_build(tf, _tf1_program)
    tnames, tmeta, tvals = _tf1_build(tf1, _tf1_program)
    assert meta == tmeta
    assert names == tnames
    for n, got, want in zip(names, vals, tvals):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=n)
        assert np.asarray(got).dtype == np.asarray(want).dtype, n


def _tf1_grad_program(lib):
    x = lib.constant([[0.3, -1.7, 2.5], [1.2, 0.6, -0.4]], dtype=lib.float64)
    y = lib.constant([0.7, 1.9, 2.2], dtype=lib.float64)
    z = lib.constant([[1.0, 3.0, 3.0], [0.0, 2.0, 0.0]], dtype=lib.float64)
    loss = (lib.reduce_sum(lib.maximum(x, y) * lib.tanh(x) / y)
            + lib.reduce_sum(lib.reduce_max(z, 1)) + lib.reduce_sum(lib.reduce_prod(z, 0))
            + lib.reduce_mean(lib.pow(lib.abs(x), y) + lib.clip_by_value(x, -1.0, 1.0))
            + lib.reduce_sum(lib.sigmoid(x) * lib.exp(-x * x) + lib.sqrt(y) - lib.log(y)))
    gx, gy, gz = lib.gradients(loss, [x, y, z])
    (hx,) = lib.gradients(lib.reduce_sum(gx * gx), [x])
    return [gx, gy, gz, hx]


def test_gradients_against_tf1(tf1):
    _, meta, vals = _tf1_build(tf, _tf1_grad_program)
    _, tmeta, tvals = _tf1_build(tf1, _tf1_grad_program)
    assert meta == tmeta
    for got, want in zip(vals, tvals):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def _activation_grad_types(lib):
    g = lib.Graph()
    with g.as_default():
        x = lib.constant([0.5, -1.0])
        lib.gradients(lib.reduce_sum(lib.tanh(x) + lib.sigmoid(x)), [x])
        return {op.type for op in g.get_operations() if op.name.startswith("gradients/")}


def test_tanh_and_sigmoid_gradients_are_one_op_each_as_in_tf1(tf1):
    ours, theirs = _activation_grad_types(tf), _activation_grad_types(tf1)
    assert {"TanhGrad", "SigmoidGrad"} <= ours & theirs
    assert "Mul" not in ours - theirs
