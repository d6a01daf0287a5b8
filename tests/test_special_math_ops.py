"""special_math_ops: TF1's long tail of elementwise math (trigonometry, erf, lgamma, digamma,
predicates, safe and truncating divisions), reduce_logsumexp and count_nonzero. Values and
gradients on every backend, checked against TF1's ``tf.compat.v1``."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import special_math_ops as sm
from flowkit.testing import check_gradients
from tests._tf_compare import run_tf1

EDGES = np.array([0.0, -1.0, -2.5, 1.0, 0.5, 3.7, 12.3, -0.3, np.inf, -np.inf, np.nan])
UNIT = np.array([-1.5, -1.0, -0.3, 0.0, 0.4, 0.99, 1.0, 2.0])
UNARY = ["tan", "atan", "asin", "acos", "sinh", "cosh", "asinh", "acosh", "atanh", "erf",
         "erfc", "lgamma", "digamma", "expm1", "is_nan", "is_inf", "is_finite", "log_sigmoid"]
BINARY = ["atan2", "polygamma", "zeta", "div_no_nan", "truncatediv", "truncatemod", "xlogy",
          "xdivy"]
A = np.array([0.0, 1.0, 2.0, 3.0, 1.5, -1.0, 2.0, -7.5, 7.5])
B = np.array([0.0, -1.5, -1.0, -1.5, 2.0, 2.0, 0.3, 2.0, -2.0])


def _tf_fn(tf1, name):
    return getattr(tf1, name, None) or getattr(tf1.math, name)


def _close(got, want, rtol):
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 1e-2, equal_nan=True)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_unary_against_tf1(tf1, session, name, dtype):
    for v in (EDGES, UNIT):
        if name == "erf" and dtype == np.float64:
            v = v[np.isfinite(v) | np.isnan(v)]   # TF's float64 erf(+-inf) is nan (a bug)
        x = v.astype(dtype)
        got = session().run(getattr(sm, name)(tf.constant(x)))
        want = run_tf1(tf1, lambda x=x, name=name: _tf_fn(tf1, name)(tf1.constant(x)))
        _close(got, want, 2e-6 if dtype == np.float32 else 1e-11)


def test_erf_of_infinity_is_one(session):
    got = session().run(sm.erf(tf.constant([np.inf, -np.inf])))
    assert got.tolist() == [1.0, -1.0]


@pytest.mark.parametrize("name", BINARY)
def test_binary_against_tf1(tf1, session, name):
    for x, y in ((A, B), (B, A)):
        got = session().run(getattr(sm, name)(tf.constant(x), tf.constant(y)))
        want = run_tf1(tf1, lambda x=x, y=y:
                       _tf_fn(tf1, name)(tf1.constant(x), tf1.constant(y)))
        _close(got, want, 1e-11)


def test_integer_divisions_against_tf1(tf1, session):
    x, y = np.array([7, -7, 7, -7, 0], np.int32), np.array([2, 2, -2, -2, 3], np.int32)
    for name in ("truncatediv", "truncatemod", "div_no_nan"):
        got = session().run(getattr(sm, name)(tf.constant(x), tf.constant(y)))
        want = run_tf1(tf1, lambda name=name:
                       _tf_fn(tf1, name)(tf1.constant(x), tf1.constant(y)))
        _close(got, want, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match="division by zero"):
        session().run(sm.truncatediv(tf.constant([1]), tf.constant([0])))


def test_div_no_nan_is_zero_where_the_divisor_is(session):
    g = tf.Graph()
    with g.as_default():
        out = sm.div_no_nan(tf.constant([1.0, 0.0, np.inf, 6.0]), [0.0, 0.0, 0.0, 3.0])
    assert out.op.name == "div_no_nan"
    assert session(graph=g).run(out).tolist() == [0.0, 0.0, 0.0, 2.0]


def test_dtype_rules_at_build_time():
    with pytest.raises(TypeError, match="int32"):
        sm.is_nan(tf.constant([1, 2]))
    with pytest.raises(TypeError, match="int32"):
        sm.erf(tf.constant([1, 2]))
    with pytest.raises(TypeError):
        sm.realdiv(tf.constant([7]), tf.constant([2]))
    with pytest.raises(TypeError):
        sm.atan2(tf.constant([1.0]), tf.constant([1.0], tf.float64))
    assert sm.is_finite(tf.constant([1.0])).dtype is tf.bool


def test_scalar_mul(session):
    g = tf.Graph()
    with g.as_default():
        x = tf.constant([1.0, 3.0])
        out = sm.scalar_mul(2, x)
    assert out.op.type == "Mul" and out.op.name == "scalar_mul"
    assert session(graph=g).run(out).tolist() == [2.0, 6.0]
    with pytest.raises(ValueError, match="must be a 0-D value"):
        sm.scalar_mul([2.0], x)


def test_reduce_logsumexp_against_tf1(tf1, session):
    x = np.array([[1.0, 2.0, 3.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0],
                  [1000.0, 1000.0, -5.0]], np.float32)
    for kw in ({}, {"axis": 1}, {"axis": 0, "keepdims": True}, {"reduction_indices": [1],
                                                                  "keep_dims": True}):
        got = session().run(sm.reduce_logsumexp(tf.constant(x), **kw))
        want = run_tf1(tf1, lambda x=x, kw=kw: tf1.reduce_logsumexp(tf1.constant(x), **kw))
        _close(got, want, 1e-6)
    with tf.Graph().as_default():
        assert sm.reduce_logsumexp(tf.constant(x)).op.name == "ReduceLogSumExp"


def test_reduce_logsumexp_gradient_is_softmax(session):
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 999.0]])
    t = tf.constant(x)
    g = session().run(tf.gradients(sm.reduce_logsumexp(t, axis=1), t)[0])
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(g, e / e.sum(1, keepdims=True), rtol=1e-12)


def test_count_nonzero_against_tf1(tf1, session):
    x = np.array([[0, 1, 2], [0, 0, 3]], np.int32)
    for kw in ({}, {"axis": 1}, {"axis": 0, "keepdims": True}):
        got = session().run(sm.count_nonzero(tf.constant(x), **kw))
        want = run_tf1(tf1, lambda x=x, kw=kw: tf1.count_nonzero(tf1.constant(x), **kw))
        _close(got, want, 0)
    got = session().run(sm.count_nonzero(input=tf.constant([0.0, 0.5]), dtype=tf.int32))
    assert got == 1 and got.dtype == np.int32
    assert session().run(sm.count_nonzero(tf.constant(["a", "", "b"]))) == 2


def test_arg_max_and_arg_min_take_dimension(session):
    x = tf.constant([[1, 3], [4, 2]])
    a, b = sm.arg_max(x, 1), sm.arg_min(x, 0, tf.int32)
    assert a.op.type == "ArgMax" and a.dtype is tf.int64 and b.dtype is tf.int32
    assert session().run(a).tolist() == [1, 0] and session().run(b).tolist() == [0, 1]


GRADS = [
    (sm.tan, [np.linspace(-1.2, 1.2, 5)]), (sm.asin, [np.linspace(-0.9, 0.9, 5)]),
    (sm.acosh, [np.linspace(1.2, 3, 4)]), (sm.lgamma, [np.array([0.3, 2.5, -2.5])]),
    (sm.digamma, [np.array([0.3, 2.5, -2.5])]), (sm.erfc, [np.linspace(-2, 2, 5)]),
    (sm.log_sigmoid, [np.array([-30.0, -1.0, 0.5, 30.0])]),
    (sm.atan2, [np.array([[1.0, -2.0]]), np.array([0.5, -1.5])]),
    (sm.div_no_nan, [np.array([1.0, -2.0]), np.array([[0.5], [3.0]])]),
    (sm.xlogy, [np.array([1.0, -2.0]), np.array([0.5, 3.0])]),
    (sm.xdivy, [np.array([1.0, -2.0]), np.array([0.5, 3.0])]),
    (lambda x: sm.polygamma(np.array([1.0, 2.0]), x), [np.array([0.7, 2.5])]),
    (lambda x: sm.reduce_logsumexp(x, axis=0), [np.array([[1.0, -2.0], [0.5, 3.0]])]),
]


@pytest.mark.parametrize("fn,xs", GRADS, ids=range(len(GRADS)))
def test_gradients(backend, fn, xs):
    report = check_gradients(fn, xs, backend=backend[0], device=backend[1])
    assert report.ok, str(report)


def test_gradients_against_tf1(tf1, session):
    x = np.array([0.3, 1.7, 2.9])
    names = ["tan", "atan", "sinh", "cosh", "asinh", "atanh", "erf", "lgamma", "digamma",
             "expm1", "log_sigmoid"]
    for name in names:
        v = x / 3.0 if name == "atanh" else x
        t = tf.constant(v)
        got = session().run(tf.gradients(getattr(sm, name)(t), t)[0])

        def build(name=name, v=v):
            c = tf1.constant(v)
            return tf1.gradients(_tf_fn(tf1, name)(c), c)[0]
        _close(got, run_tf1(tf1, build), 1e-11)
    assert tf.gradients(sm.is_nan(tf.constant(x)), tf.constant(x))[0] is None
