"""nn_impl (tf.nn's composite functions: selu, swish, crelu, moments, fused_batch_norm, lrn...)
and the tf.math functions built from other ops (reduce_variance, multiply_no_nan,
cumulative_logsumexp, erfinv, ndtri...): values and errors on every backend against TF1's
``tf.compat.v1``, and gradients by finite differences."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import nn_impl
from flowkit.testing import check_gradients
from tests._tf_compare import run_tf1

_r = np.random.default_rng(1234)
X = _r.standard_normal((2, 3, 4, 5)).astype(np.float32)
M = _r.standard_normal((3, 4)).astype(np.float32)
W = _r.uniform(0.5, 2.0, (3, 1)).astype(np.float32)
P = _r.uniform(0.01, 0.99, (7,)).astype(np.float32)
C5 = np.linspace(0.5, 1.5, 5).astype(np.float32)


def _run_tf(tf1, build):
    return run_tf1(tf1, build, rewrite=False)


def _v(m, x):
    """``x`` as a non-constant tensor of module ``m`` (TF's constant folding of FusedBatchNorm
    statistics fails on constants)."""
    return m.placeholder_with_default(x, x.shape)


def _same(got, want, rtol=2e-5, atol=1e-6):
    if isinstance(want, (list, tuple)):
        assert len(got) == len(want)
        for a, b in zip(got, want):
            _same(a, b, rtol, atol)
        return
    if want is None:
        assert got is None
        return
    got, want = np.asarray(got), np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape, (got.dtype, want.dtype,
                                                                 got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True)


# Each program builds the same thing from flowkit (m = flowkit) and from TF1 (m = tf1).
PROGRAMS = {
    "selu": lambda m: m.nn.selu(_v(m, M * 3)),
    "swish": lambda m: m.nn.swish(_v(m, M * 3)),
    "silu-beta": lambda m: m.nn.silu(_v(m, M * 3), beta=2.5),
    "softsign": lambda m: m.nn.softsign(_v(m, M * 3)),
    "crelu": lambda m: m.nn.crelu(_v(m, M)),
    "crelu-axis0": lambda m: m.nn.crelu(_v(m, M), axis=0),
    "relu_layer": lambda m: m.nn.relu_layer(_v(m, M), M.T[:4, :2], [0.1, -0.2]),
    "log_poisson": lambda m: m.nn.log_poisson_loss(
        np.array([0.0, 0.5, 1.0, 2.0, 7.0], np.float32), _v(m, C5)),
    "log_poisson-full": lambda m: m.nn.log_poisson_loss(
        np.array([0.0, 0.5, 1.0, 2.0, 7.0], np.float32), _v(m, C5), compute_full_loss=True),
    "sufficient_statistics": lambda m: list(m.nn.sufficient_statistics(_v(m, X), [0, 2])[:3]),
    "sufficient_statistics-shift": lambda m: list(m.nn.sufficient_statistics(
        _v(m, X), [1, -1], shift=0.5, keepdims=True)),
    "sufficient_statistics-dynamic": lambda m: list(m.nn.sufficient_statistics(
        m.placeholder_with_default(X, [None, 3, None, 5]), [0, 2])[:3]),
    "sufficient_statistics-int": lambda m: list(m.nn.sufficient_statistics(
        np.array([[1, 2], [3, 4]], np.int32), [0])[:3]),
    "normalize_moments": lambda m: list(m.nn.normalize_moments(
        4.0, _v(m, C5[:2] * 2), _v(m, C5[:2] * 8), None)),
    "normalize_moments-shift": lambda m: list(m.nn.normalize_moments(
        *m.nn.sufficient_statistics(_v(m, M), [0], shift=M[0]))),
    "weighted_moments": lambda m: list(m.nn.weighted_moments(_v(m, M), [0], W)),
    "weighted_moments-keep": lambda m: list(m.nn.weighted_moments(
        _v(m, M), [0, 1], W, keep_dims=True)),
    "weighted_moments-f16": lambda m: list(m.nn.weighted_moments(
        _v(m, M.astype(np.float16)), [1], W.astype(np.float16))),
    "zero_fraction": lambda m: m.nn.zero_fraction(np.array([[0, 1, 0], [2, 0, 0]], np.int32)),
    "zero_fraction-float": lambda m: m.nn.zero_fraction(_v(m, np.maximum(M, 0))),
    "fused_batch_norm": lambda m: list(m.nn.fused_batch_norm(_v(m, X), C5, C5[::-1])),
    "fused_batch_norm-nchw": lambda m: list(m.nn.fused_batch_norm(
        _v(m, X), C5[:3], C5[2:], data_format="NCHW", epsilon=0.01)),
    "fused_batch_norm-infer": lambda m: list(m.nn.fused_batch_norm(
        _v(m, X), C5, C5, mean=C5 - 1, variance=C5, is_training=False)),
    "fused_batch_norm-avg": lambda m: list(m.nn.fused_batch_norm(
        _v(m, X), C5, C5, mean=C5 - 1, variance=C5, exponential_avg_factor=0.25)),
    "fused_batch_norm-f16": lambda m: list(m.nn.fused_batch_norm(
        _v(m, X.astype(np.float16)), C5, C5)),
    "fused_batch_norm-5d": lambda m: list(m.nn.fused_batch_norm(
        _v(m, X.reshape(2, 3, 2, 2, 5)), C5, C5, data_format="NDHWC")),
    "fused_batch_norm-one": lambda m: list(m.nn.fused_batch_norm(_v(m, X[:1, :1, :1]), C5, C5)),
    "batch_norm_global": lambda m: m.nn.batch_norm_with_global_normalization(
        _v(m, X), m.constant(C5 - 1), m.constant(C5), m.constant(C5 * 0.1), m.constant(C5 * 2),
        0.01, True),
    "batch_norm_global-noscale": lambda m: m.nn.batch_norm_with_global_normalization(
        input=_v(m, X), mean=m.constant(C5 - 1), variance=m.constant(C5),
        beta=m.constant(C5 * 0.1), gamma=m.constant(C5 * 2), variance_epsilon=0.01,
        scale_after_normalization=False),
    "lrn": lambda m: m.nn.lrn(_v(m, X)),
    "lrn-args": lambda m: m.nn.local_response_normalization(_v(m, X), 2, 0.5, 0.3, 0.75),
    "lrn-r1": lambda m: m.nn.lrn(_v(m, X), depth_radius=1, beta=1.0),
    "lrn-r0": lambda m: m.nn.lrn(_v(m, X), depth_radius=0),
    "lrn-dynamic": lambda m: m.nn.lrn(m.placeholder_with_default(X, [None, 3, 4, None]), 2),
    "collapse_repeated": lambda m: list(m.nn.collapse_repeated(
        _v(m, np.array([[1, 1, 2, 2, 2, 3], [4, 4, 4, 5, 5, 5], [7, 7, 7, 7, 7, 7]], np.int32)),
        _v(m, np.array([6, 4, 0], np.int32)))),
    "collapse_repeated-float": lambda m: list(m.nn.collapse_repeated(
        np.array([[0.5, 0.5, 1.0, 0.5]], np.float32), np.array([3], np.int64))),
    "rint": lambda m: m.math.rint(np.array([0.5, 1.5, -2.5, 2.7, -0.2], np.float32)),
    "accumulate_n": lambda m: m.math.accumulate_n([_v(m, M), _v(m, M * 2), M], shape=[3, 4]),
    "is_non_decreasing": lambda m: [m.math.is_non_decreasing(np.array([[1, 2], [2, 3]])),
                                    m.math.is_non_decreasing(np.array([1.0, 0.5])),
                                    m.math.is_non_decreasing(np.zeros((0,), np.int32))],
    "is_strictly_increasing": lambda m: [m.math.is_strictly_increasing(np.array([1, 2, 2])),
                                         m.math.is_strictly_increasing(np.array([[1, 2, 5]])),
                                         m.math.is_strictly_increasing(np.array([3.0]))],
    "lbeta": lambda m: m.math.lbeta(_v(m, np.abs(M) + 0.1)),
    "lbeta-empty": lambda m: m.math.lbeta(np.zeros((2, 0), np.float32)),
    "reduce_variance": lambda m: [m.math.reduce_variance(_v(m, M)),
                                  m.math.reduce_variance(_v(m, M), 1, keepdims=True)],
    "reduce_std": lambda m: m.math.reduce_std(_v(m, M), axis=[0]),
    "reduce_euclidean_norm": lambda m: [m.math.reduce_euclidean_norm(_v(m, M), 1),
                                        m.math.reduce_euclidean_norm([[3, 4, 1], [1, 1, 1]])],
    "divide_no_nan": lambda m: m.math.divide_no_nan([1.0, 2.0], [0.0, 4.0]),
    "multiply_no_nan": lambda m: m.math.multiply_no_nan(
        np.array([[np.inf], [np.nan], [2.0]], np.float32), _v(m, np.array([0.0, 3.0], np.float32))),
    "reciprocal_no_nan": lambda m: m.math.reciprocal_no_nan(np.array([0.0, 2.0, -4.0])),
    "xlog1py": lambda m: m.math.xlog1py(np.array([[0.0], [2.0]], np.float32),
                                        np.array([-1.0, 3.0, 0.5], np.float32)),
    "cumulative_logsumexp": lambda m: m.math.cumulative_logsumexp(_v(m, M * 30), axis=1),
    "cumulative_logsumexp-excl-rev": lambda m: m.math.cumulative_logsumexp(
        _v(m, M.astype(np.float64) * 400), axis=0, exclusive=True, reverse=True),
    "cumulative_logsumexp-tail": lambda m: m.math.cumulative_logsumexp(
        np.array([-1000.0, 0.0, 1.0, -np.inf, 2.0, 3.0, 4.0], np.float32), exclusive=True),
    "cumulative_logsumexp-dynamic": lambda m: m.math.cumulative_logsumexp(
        m.placeholder_with_default(M, [3, None]), axis=-1, reverse=True),
    "polyval": lambda m: [m.math.polyval([1.0, -2.0, 0.5], _v(m, M)),
                          m.math.polyval([], _v(m, M)), m.math.polyval([3.0], _v(m, M))],
    "invert_permutation": lambda m: m.math.invert_permutation([2, 0, 1]),
    "softmax": lambda m: [m.math.softmax(_v(m, M)), m.math.log_softmax(_v(m, M), axis=0),
                          m.math.softplus(_v(m, M)), m.math.softsign(_v(m, M)),
                          m.math.l2_normalize(_v(m, M), 1)],
    "in_top_k": lambda m: m.math.in_top_k(_v(m, M), [0, 1, 3], 2),
    "zero_fraction-math": lambda m: m.math.zero_fraction(np.array([0.0, 1.0, 0.0])),
    "erfinv": lambda m: m.math.erfinv(np.array([-1.0, -0.999, -0.3, 0.0, 1e-30, 0.5, 0.9999,
                                                1.0, 2.0, np.nan], np.float32)),
    "erfinv-f64": lambda m: m.math.erfinv(np.linspace(-0.999999, 0.999999, 101)),
    "erfcinv": lambda m: m.math.erfcinv(np.array([0.0, 1e-30, 1e-5, 0.3, 1.0, 1.7, 2.0 - 1e-6,
                                                  2.0, 3.0], np.float64)),
    "ndtri": lambda m: m.math.ndtri(np.array([0.0, 1e-30, 1e-6, 0.025, 0.5, 0.7, 0.999, 1.0],
                                             np.float32)),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_against_tf1(tf1, session, name):
    build = PROGRAMS[name]
    got = session().run(build(tf))
    want = _run_tf(tf1, lambda: build(tf1))
    _same(got, want, rtol=5e-3 if "f16" in name else 2e-5, atol=1e-3 if "f16" in name else 1e-5)


def test_fused_batch_norm_variance_is_bessel_corrected(session):
    y, mean, var = tf.nn.fused_batch_norm(tf.constant(X), C5, C5 * 0, epsilon=0.0)
    got = session().run([y, mean, var])
    n = X.shape[0] * X.shape[1] * X.shape[2]
    np.testing.assert_allclose(got[1], X.mean((0, 1, 2)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[2], X.var((0, 1, 2)) * n / (n - 1), rtol=1e-5)
    want_y = (X - X.mean((0, 1, 2))) / np.sqrt(X.var((0, 1, 2))) * C5
    np.testing.assert_allclose(got[0], want_y, rtol=1e-4, atol=1e-5)
    assert [t.dtype for t in (y, mean, var)] == [tf.float32] * 3
    h = tf.nn.fused_batch_norm(tf.constant(X.astype(np.float16)), C5, C5)
    assert [t.dtype for t in h] == [tf.float16, tf.float32, tf.float32]
    # As in TF, the returned statistics pass no gradient back.
    x = tf.constant(X)
    _, m2, v2 = tf.nn.fused_batch_norm(x, C5, C5)
    assert tf.gradients(m2 + v2, x) == [None]


def test_argument_errors():
    x = tf.constant(X)
    with pytest.raises(ValueError, match="must be a 1D tensor when `is_training` is False"):
        tf.nn.fused_batch_norm(x, C5, C5, is_training=False)
    with pytest.raises(ValueError, match="exponential_avg_factor"):
        tf.nn.fused_batch_norm(x, C5, C5, mean=C5, exponential_avg_factor=0.5)
    with pytest.raises(ValueError, match="rank 4"):
        tf.nn.fused_batch_norm(tf.constant(M), C5[:4], C5[:4])
    with pytest.raises(ValueError, match="scale has 3 elements but the input has 5 channels"):
        tf.nn.fused_batch_norm(x, C5[:3], C5)
    with pytest.raises(ValueError, match="data_format"):
        tf.nn.fused_batch_norm(x, C5, C5, data_format="HWCN")
    with pytest.raises(ValueError, match="rank 4"):
        tf.nn.lrn(tf.constant(M))
    with pytest.raises(TypeError, match="'features' of Selu has DataType int32"):
        tf.nn.selu([1, 2])
    with pytest.raises(TypeError, match="Softsign"):
        tf.nn.softsign(tf.constant([1, 2]))
    with pytest.raises(ValueError, match="both 'keep_dims' and 'keepdims'"):
        tf.nn.sufficient_statistics(x, [0], keep_dims=True, keepdims=True)
    with pytest.raises(ValueError, match="same shape"):
        tf.nn.log_poisson_loss([1.0, 2.0], [0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="both 'input' and 't'"):
        tf.nn.batch_norm_with_global_normalization(x, input=x)
    with pytest.raises(ValueError, match="at least one Tensor"):
        nn_impl.accumulate_n([])
    with pytest.raises(ValueError, match="at least one Tensor"):
        tf.math.accumulate_n([tf.constant([1.0]), tf.constant([1, 2])])
    with pytest.raises(ValueError, match=r"Shapes \(3,\) and \(2,\) are not compatible"):
        tf.math.accumulate_n([tf.constant([1.0, 2.0])], shape=[3])
    with pytest.raises(TypeError, match="tensor_dtype"):
        tf.math.accumulate_n([tf.constant([1.0, 2.0])], tensor_dtype=tf.float64)
    with pytest.raises(TypeError, match="numeric"):
        tf.math.is_non_decreasing(tf.constant([True, False]))
    with pytest.raises(TypeError, match="Rint"):
        tf.math.rint([1, 2])
    with pytest.raises(TypeError, match="integer type int32"):
        tf.math.reduce_variance([1, 2, 4])
    with pytest.raises(ValueError, match="must be list type"):
        tf.math.polyval(3.0, tf.constant([1.0]))
    with pytest.raises(TypeError, match="MulNoNan"):
        tf.math.multiply_no_nan([1, 2], [0, 3])
    with pytest.raises(TypeError, match="CumulativeLogsumexp"):
        tf.math.cumulative_logsumexp([1, 2])


def test_accumulate_n_single_input_is_returned():
    t = tf.constant([1.0, 2.0])
    assert tf.math.accumulate_n([t]) is t
    assert tf.math.accumulate_n([t, t], name="acc").op.type == "AddN"


def test_names_and_namespaces():
    assert {"selu", "swish", "silu", "lrn", "fused_batch_norm"} <= set(tf.nn.__all__)
    for root_only in ("rint", "accumulate_n", "lbeta", "is_non_decreasing",
                      "is_strictly_increasing"):
        assert root_only not in tf.nn.__all__ and root_only in tf.math.__all__
    assert tf.nn.silu is tf.nn.swish and tf.nn.lrn is tf.nn.local_response_normalization
    x = tf.constant(M)
    assert tf.nn.selu(x).name.startswith("Selu")
    assert tf.nn.crelu(x, name="cr").name == "cr:0"
    assert tf.math.reduce_std(x, name="sd").name == "sd:0"
    mean, var = tf.nn.weighted_moments(x, [0], W, name="wm")
    assert mean.name.startswith("wm/") and var.name.startswith("wm/")


GRADS = {
    "selu": (lambda x: tf.nn.selu(x), [M * 3]),
    "swish": (lambda x: tf.nn.swish(x, beta=1.5), [M]),
    "softsign": (lambda x: tf.nn.softsign(x), [M + 0.05]),
    "crelu": (lambda x: tf.nn.crelu(x, axis=0), [M + 0.05]),
    "relu_layer": (lambda x, w: tf.nn.relu_layer(x, w, np.array([0.5, -0.5])),
                   [M, np.ascontiguousarray(M.T[:, :2]) + 0.01]),
    "log_poisson": (lambda t, li: tf.nn.log_poisson_loss(t, li, compute_full_loss=True),
                    [np.array([0.2, 0.5, 1.5, 3.0, 7.0]), C5]),
    "sufficient_statistics": (lambda x, s: tf.stack(
        tf.nn.sufficient_statistics(x, [1], shift=s)[1:3]), [M, np.array(0.3)]),
    "normalize_moments": (lambda c, m, v, s: tf.stack(tf.nn.normalize_moments(c, m, v, s)),
                          [np.array(4.0), C5, C5 * 3, np.array(0.2)]),
    "weighted_moments": (lambda x, w: tf.stack(tf.nn.weighted_moments(x, [0], w)), [M, W]),
    "fused_batch_norm": (lambda x, s, o: tf.nn.fused_batch_norm(x, s, o)[0],
                         [X[:, :2, :2, :3], C5[:3], C5[2:]]),
    "fused_batch_norm-nchw": (lambda x, s, o: tf.nn.fused_batch_norm(
        x, s, o, data_format="NCHW")[0], [X[:, :3, :2, :2], C5[:3], C5[2:]]),
    "fused_batch_norm-infer": (lambda x, s, o, m, v: tf.nn.fused_batch_norm(
        x, s, o, mean=m, variance=v, is_training=False)[0],
        [X[:1, :2, :2, :3], C5[:3], C5[2:], C5[1:4] - 1, C5[:3]]),
    "batch_norm_global": (lambda x, g: tf.nn.batch_norm_with_global_normalization(
        x, C5[:3] - 1, C5[:3], C5[:3], g, 0.01, True), [X[0, 0, :2, :3], C5[:3]]),
    "lrn": (lambda x: tf.nn.lrn(x, depth_radius=2, bias=1.0, alpha=0.5, beta=0.75),
            [X[:1, :2, :2, :]]),
    "lbeta": (lambda x: tf.math.lbeta(x), [np.abs(M) + 0.5]),
    "reduce_std": (lambda x: tf.math.reduce_std(x, 1), [M]),
    "reduce_euclidean_norm": (lambda x: tf.math.reduce_euclidean_norm(x, 0), [M]),
    "multiply_no_nan": (lambda x, y: tf.math.multiply_no_nan(x, y),
                        [M[:, :1], np.array([0.0, 1.5, -2.0, 0.0])]),
    "reciprocal_no_nan": (lambda x: tf.math.reciprocal_no_nan(x), [M + 5]),
    "xlog1py": (lambda x, y: tf.math.xlog1py(x, y),
                [np.array([0.5, 2.0, -1.0]), np.array([-0.5, 3.0, 0.5])]),
    "cumulative_logsumexp": (lambda x: tf.math.cumulative_logsumexp(
        x * 20, axis=1), [M]),
    "cumulative_logsumexp-rev": (lambda x: tf.math.cumulative_logsumexp(
        x, axis=0, reverse=True), [M]),
    "polyval": (lambda c, x: tf.math.polyval([c, 2.0, c * 3], x), [np.array(0.7), M]),
    "erfinv": (lambda x: tf.math.erfinv(x), [np.array([-0.99, -0.3, 0.0, 0.4, 0.9])]),
    "erfcinv": (lambda x: tf.math.erfcinv(x), [np.array([0.01, 0.6, 1.0, 1.3, 1.99])]),
    "ndtri": (lambda x: tf.math.ndtri(x), [np.array([0.01, 0.2, 0.5, 0.8, 0.99])]),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients(backend, name):
    fn, inputs = GRADS[name]
    report = check_gradients(fn, inputs, backend=backend[0], device=backend[1])
    assert report.ok, str(report)


def test_gradients_against_tf1(tf1, session):
    """Gradients where TF has them too (TF's fused batch norm passes none to mean/variance),
    including TF's conventions at the special points (xlog1py's ``x = 0``)."""
    progs = [lambda m, x: m.nn.selu(x), lambda m, x: m.nn.softsign(x),
             lambda m, x: m.nn.lrn(x, 2, 1.0, 0.5, 0.75),
             lambda m, x: m.nn.fused_batch_norm(x, C5, C5)[0] * X,
             lambda m, x: m.math.cumulative_logsumexp(x, axis=3, exclusive=True),
             lambda m, x: m.math.erfinv(m.tanh(x)),
             lambda m, x: m.math.multiply_no_nan(x, m.nn.relu(x)),
             lambda m, x: m.math.xlog1py(m.nn.relu(x), x * x - 1.0)]
    for prog in progs:
        x = tf.constant(X)
        got = session().run(tf.gradients(prog(tf, x), x)[0])

        def build(prog=prog):
            c = tf1.constant(X)
            return tf1.gradients(prog(tf1, c), c)[0]
        _same(got, _run_tf(tf1, build), rtol=1e-4, atol=1e-5)


def test_cumulative_logsumexp_is_stable(session):
    x = np.array([-2000.0, -1000.0, 0.0, 1000.0], np.float32)
    got = session().run(tf.math.cumulative_logsumexp(x))
    np.testing.assert_allclose(got, [-2000.0, -1000.0, 0.0, 1000.0], rtol=1e-6)


def test_log_poisson_full_loss_gradient_is_finite_at_zero_targets(session):
    """TF's gradient in the targets is NaN where a target is 0 (log(0) of the unused Stirling
    term leaks through its select); flowkit's is the derivative, 0 there."""
    t = tf.constant([0.0, 0.5, 3.0])
    loss = tf.nn.log_poisson_loss(t, tf.constant([0.1, 0.2, 0.3]), compute_full_loss=True)
    got = session().run(tf.gradients(loss, t)[0])
    np.testing.assert_allclose(got, [-0.1, -0.2, -0.3 + np.log(3.0) + 1 / 6.0], rtol=1e-6)
