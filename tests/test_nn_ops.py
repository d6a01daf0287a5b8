"""Tests of tf.nn: values against NumPy references on every backend, gradient checks (first
and second order), TF1 differential tests for convolutions, pools and losses, and errors."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.testing import check_gradients

RNG = np.random.default_rng(1234)


def _rand(*shape, lo=-1.0, hi=1.0):
    return RNG.uniform(lo, hi, size=shape)


def _run(session, fetches, feed=None):
    sess = session()
    return sess.run(fetches, feed)


def _grad_ok(backend, fn, inputs, tolerance=1e-5):
    report = check_gradients(fn, inputs, backend=backend[0], device=backend[1],
                             tolerance=tolerance)
    assert report.ok, str(report)


# --------------------------------------------------------------------------------------------
# NumPy references, written as plain loops (independent of the kernels' im2col tricks)
# --------------------------------------------------------------------------------------------
def _same_pads(size, k, s, d=1):
    eff = (k - 1) * d + 1
    out = (size + s - 1) // s
    total = max((out - 1) * s + eff - size, 0)
    return out, total // 2


def _ref_conv2d(x, w, strides, padding, dilations=(1, 1)):
    n, h, wd, c = x.shape
    kh, kw, _, co = w.shape
    (sh, sw), (dh, dw) = strides, dilations
    if padding == "SAME":
        oh, pt = _same_pads(h, kh, sh, dh)
        ow, pl = _same_pads(wd, kw, sw, dw)
    else:
        oh, pt = (h - (kh - 1) * dh - 1) // sh + 1, 0
        ow, pl = (wd - (kw - 1) * dw - 1) // sw + 1, 0
    out = np.zeros((n, oh, ow, co))
    for a in range(oh):
        for b in range(ow):
            for i in range(kh):
                for j in range(kw):
                    r, q = a * sh + i * dh - pt, b * sw + j * dw - pl
                    if 0 <= r < h and 0 <= q < wd:
                        out[:, a, b, :] += x[:, r, q, :] @ w[i, j]
    return out


def _ref_pool(x, k, s, padding, reduce):
    n, h, wd, c = x.shape
    if padding == "SAME":
        oh, pt = _same_pads(h, k, s)
        ow, pl = _same_pads(wd, k, s)
    else:
        oh, ow, pt, pl = (h - k) // s + 1, (wd - k) // s + 1, 0, 0
    out = np.zeros((n, oh, ow, c))
    for a in range(oh):
        for b in range(ow):
            r0, q0 = a * s - pt, b * s - pl
            win = x[:, max(r0, 0):r0 + k, max(q0, 0):q0 + k, :]
            out[:, a, b, :] = reduce(win, axis=(1, 2))
    return out


def _log_softmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


# --------------------------------------------------------------------------------------------
# Activations and softmax
# --------------------------------------------------------------------------------------------
ACTIVATIONS = [
    (tf.nn.relu6, lambda x: np.clip(x, 0, 6)),
    (tf.nn.elu, lambda x: np.where(x < 0, np.expm1(np.minimum(x, 0)), x)),
    (tf.nn.softplus, lambda x: np.log1p(np.exp(-np.abs(x))) + np.maximum(x, 0)),
    (tf.nn.softmax, lambda x: np.exp(_log_softmax(x))),
    (tf.nn.log_softmax, _log_softmax),
]


@pytest.mark.parametrize("fn,ref", ACTIVATIONS, ids=lambda f: getattr(f, "__name__", ""))
def test_activation_values(session, fn, ref):
    x = np.array([[-30.0, -2.0, -0.5, 0.5, 3.0, 7.0, 50.0]], dtype=np.float32)
    y = fn(tf.constant(x))
    assert y.dtype is tf.float32 and y.shape.as_list() == [1, 7]
    out = _run(session, y)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, ref(x.astype(np.float64)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fn", [tf.nn.softmax, tf.nn.log_softmax])
@pytest.mark.parametrize("axis", [0, 1, -2])
def test_softmax_axis(session, fn, axis):
    x = _rand(3, 4, 2)
    ref = _log_softmax(x, axis)
    if fn is tf.nn.softmax:
        ref = np.exp(ref)
    out = _run(session, fn(tf.constant(x), axis=axis))
    np.testing.assert_allclose(out, ref, rtol=1e-10)


def test_default_names_and_types():
    x = tf.placeholder(tf.float32, [2, 5])
    img = tf.placeholder(tf.float32, [1, 6, 6, 3])
    w = tf.placeholder(tf.float32, [3, 3, 3, 4])
    t = tf.placeholder(tf.int32, [2])
    cases = [
        (tf.nn.relu6(x), "Relu6", "Relu6"), (tf.nn.elu(x), "Elu", "Elu"),
        (tf.nn.softplus(x), "Softplus", "Softplus"), (tf.nn.softmax(x), "Softmax", "Softmax"),
        (tf.nn.log_softmax(x), "LogSoftmax", "LogSoftmax"),
        (tf.nn.bias_add(x, np.zeros(5, np.float32)), "BiasAdd", "BiasAdd"),
        (tf.nn.conv2d(img, w, [1, 1, 1, 1], "SAME"), "Conv2D", "Conv2D"),
        (tf.nn.max_pool(img, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"), "MaxPool", "MaxPool"),
        (tf.nn.avg_pool(img, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"), "AvgPool", "AvgPool"),
        (tf.nn.l2_loss(x), "L2Loss", "L2Loss"),
        (tf.nn.in_top_k(x, t, 2), "in_top_k/InTopKV2", "InTopKV2"),
        (tf.nn.sparse_softmax_cross_entropy_with_logits(labels=t, logits=x),
         "SparseSoftmaxCrossEntropyWithLogits/SparseSoftmaxCrossEntropyWithLogits",
         "SparseSoftmaxCrossEntropyWithLogits"),
        (tf.nn.softmax_cross_entropy_with_logits_v2(labels=x, logits=x),
         "softmax_cross_entropy_with_logits", "SoftmaxCrossEntropyWithLogits"),
        (tf.nn.softmax_cross_entropy_with_logits(labels=x, logits=x),
         "softmax_cross_entropy_with_logits_sg", "SoftmaxCrossEntropyWithLogits"),
        (tf.nn.sigmoid_cross_entropy_with_logits(labels=x, logits=x), "logistic_loss", None),
    ]
    for y, name, op_type in cases:
        assert y.op.name == name
        if op_type:
            assert y.op.type == op_type
    assert cases[7][0].shape.as_list() == [1, 3, 3, 3]
    assert cases[10][0].dtype is tf.bool and cases[9][0].shape.as_list() == []
    assert cases[11][0].shape.as_list() == [2] and cases[12][0].shape.as_list() == [2]


def test_activation_gradients(backend):
    x = np.array([[-2.5, -0.7, 0.3, 1.9], [4.2, 6.8, -0.1, 0.6]])
    for fn in (tf.nn.relu6, tf.nn.elu, tf.nn.softplus, tf.nn.softmax, tf.nn.log_softmax,
               lambda v: tf.nn.softmax(v, axis=0), lambda v: tf.nn.log_softmax(v, axis=0),
               tf.nn.l2_loss):
        _grad_ok(backend, fn, [x])


def test_activation_second_order(backend):
    x = np.array([[-2.5, -0.7, 0.3, 1.9], [4.2, 5.1, -0.1, 0.6]])
    for fn in (tf.nn.relu6, tf.nn.elu, tf.nn.softplus, tf.nn.softmax, tf.nn.log_softmax):
        def grad(v, fn=fn):
            y = fn(v)
            return tf.gradients(tf.reduce_sum(y * y), v)[0]
        _grad_ok(backend, grad, [x])


def test_activations_with_unknown_shapes(session):
    x = tf.placeholder(tf.float64, [None, None])
    y = tf.reduce_sum(tf.nn.softmax(x) * tf.nn.elu(x))
    (g,) = tf.gradients(y, x)
    out = _run(session, g, {x: _rand(2, 3)})
    assert out.shape == (2, 3) and np.all(np.isfinite(out))


# --------------------------------------------------------------------------------------------
# bias_add, l2_loss, moments
# --------------------------------------------------------------------------------------------
def test_bias_add(session, backend):
    x, b = _rand(2, 3, 4), _rand(4)
    out = _run(session, tf.nn.bias_add(tf.constant(x), tf.constant(b)))
    np.testing.assert_allclose(out, x + b)
    _grad_ok(backend, tf.nn.bias_add, [x, b])
    # Second order through BiasAddGrad.
    def grad_b(v, c):
        y = tf.nn.bias_add(v, c)
        return tf.gradients(tf.reduce_sum(y * y), c)[0]
    _grad_ok(backend, grad_b, [x, b])


def test_xw_plus_b(session):
    x, w, b = _rand(2, 3), _rand(3, 4), _rand(4)
    y = tf.nn.xw_plus_b(tf.constant(x), tf.constant(w), tf.constant(b))
    assert y.op.name == "xw_plus_b"
    np.testing.assert_allclose(_run(session, y), x @ w + b)


def test_l2_loss(session):
    x = _rand(3, 4).astype(np.float32)
    out = _run(session, tf.nn.l2_loss(x))
    assert out.dtype == np.float32 and out.shape == ()
    np.testing.assert_allclose(out, np.sum(x.astype(np.float64) ** 2) / 2, rtol=1e-6)


@pytest.mark.parametrize("keep_dims", [False, True])
def test_moments(session, backend, keep_dims):
    x = _rand(3, 4, 5)
    mean, var = tf.nn.moments(tf.constant(x), axes=[0, 2], keep_dims=keep_dims)
    m, v = _run(session, [mean, var])
    np.testing.assert_allclose(m, x.mean(axis=(0, 2), keepdims=keep_dims))
    np.testing.assert_allclose(v, x.var(axis=(0, 2), keepdims=keep_dims))
    assert mean.shape.as_list() == list(m.shape) and var.shape.as_list() == list(v.shape)
    _grad_ok(backend, lambda t: tf.add_n(list(tf.nn.moments(t, axes=[0], keep_dims=keep_dims))),
             [_rand(4, 3)])


def test_moments_float16(session):
    x = np.array([1.0, 2.0, 3.0, 6.0], np.float16)
    mean, var = tf.nn.moments(tf.constant(x), axes=[0])
    assert mean.dtype is tf.float16 and var.dtype is tf.float16
    m, v = _run(session, [mean, var])
    assert float(m) == 3.0 and float(v) == 3.5


# --------------------------------------------------------------------------------------------
# Convolution
# --------------------------------------------------------------------------------------------
CONV_CASES = [
    # (input shape, filter shape, strides, padding, dilations)
    ((2, 7, 6, 3), (3, 3, 3, 4), (1, 1), "SAME", (1, 1)),
    ((1, 7, 8, 2), (4, 2, 2, 3), (2, 2), "SAME", (1, 1)),     # odd total padding, even kernel
    ((2, 8, 7, 2), (3, 3, 2, 2), (2, 3), "VALID", (1, 1)),
    ((1, 9, 9, 2), (3, 2, 2, 2), (1, 1), "SAME", (2, 3)),     # dilations
    ((1, 9, 8, 1), (2, 3, 1, 2), (1, 1), "VALID", (2, 2)),
    ((1, 5, 5, 2), (5, 5, 2, 1), (3, 3), "SAME", (1, 1)),
    ((1, 9, 8, 2), (2, 2, 2, 2), (2, 2), "SAME", (2, 2)),     # strides and dilations
]


@pytest.mark.parametrize("xs,ws,strides,padding,dil", CONV_CASES)
def test_conv2d_values(session, xs, ws, strides, padding, dil):
    x, w = _rand(*xs), _rand(*ws)
    y = tf.nn.conv2d(tf.constant(x), tf.constant(w), strides=[1, *strides, 1],
                     padding=padding, dilations=[1, *dil, 1])
    ref = _ref_conv2d(x, w, strides, padding, dil)
    assert y.shape.as_list() == list(ref.shape)
    np.testing.assert_allclose(_run(session, y), ref, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("xs,ws,strides,padding,dil", [CONV_CASES[1], CONV_CASES[2],
                                                       CONV_CASES[3], CONV_CASES[6]])
def test_conv2d_gradients(backend, xs, ws, strides, padding, dil):
    small = (1, min(xs[1], 7), min(xs[2], 6), xs[3])

    def fn(x, w):
        return tf.nn.conv2d(x, w, [1, *strides, 1], padding, dilations=[1, *dil, 1])
    _grad_ok(backend, fn, [_rand(*small), _rand(*ws)])


def test_conv2d_second_order(backend):
    """The backward ops are differentiable too (gradients of gradients)."""
    def grad_x(x, w):
        y = tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
        return tf.gradients(tf.reduce_sum(y * y), x)[0]

    def grad_w(x, w):
        y = tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
        return tf.gradients(tf.reduce_sum(y * y), w)[0]
    inputs = [_rand(1, 5, 4, 2), _rand(3, 2, 2, 2)]
    _grad_ok(backend, grad_x, inputs)
    _grad_ok(backend, grad_w, inputs)


def test_conv2d_unknown_batch(session):
    x = tf.placeholder(tf.float64, [None, 6, 6, 2])
    w = tf.constant(_rand(3, 3, 2, 3))
    y = tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
    assert y.shape.as_list() == [None, 3, 3, 3]
    gx, gw = tf.gradients(tf.reduce_sum(y), [x, w])
    assert gx.shape.as_list() == [None, 6, 6, 2] and gw.shape.as_list() == [3, 3, 2, 3]
    xv = _rand(2, 6, 6, 2)
    out, gxv, gwv = _run(session, [y, gx, gw], {x: xv})
    np.testing.assert_allclose(out, _ref_conv2d(xv, _run(session, w), (2, 2), "SAME"))
    assert gxv.shape == xv.shape and gwv.shape == (3, 3, 2, 3)


def test_conv2d_transpose_is_the_input_gradient(session):
    x = tf.constant(_rand(1, 5, 5, 2))
    w = tf.constant(_rand(3, 3, 2, 4))
    y = tf.nn.conv2d(x, w, [1, 2, 2, 1], "SAME")
    dy = tf.constant(_rand(1, 3, 3, 4))
    (gx,) = tf.gradients(y, x, grad_ys=dy)
    t = tf.nn.conv2d_transpose(dy, w, [1, 5, 5, 2], [1, 2, 2, 1], "SAME")
    assert t.shape.as_list() == [1, 5, 5, 2]
    a, b = _run(session, [gx, t])
    np.testing.assert_allclose(a, b)


def test_conv2d_float32(session):
    x, w = _rand(1, 5, 5, 3).astype(np.float32), _rand(2, 2, 3, 2).astype(np.float32)
    out = _run(session, tf.nn.conv2d(x, w, 1, "SAME"))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, _ref_conv2d(x.astype(np.float64), w, (1, 1), "SAME"),
                               rtol=1e-5, atol=1e-5)


# --------------------------------------------------------------------------------------------
# Pooling
# --------------------------------------------------------------------------------------------
POOL_CASES = [((2, 7, 6, 3), 3, 2, "SAME"), ((1, 6, 6, 2), 2, 2, "VALID"),
              ((1, 5, 7, 1), 2, 2, "SAME"), ((1, 8, 5, 2), 3, 1, "VALID"),
              ((1, 4, 4, 1), 3, 3, "SAME")]


@pytest.mark.parametrize("xs,k,s,padding", POOL_CASES)
def test_pool_values(session, xs, k, s, padding):
    x = _rand(*xs)
    mx = tf.nn.max_pool(tf.constant(x), [1, k, k, 1], [1, s, s, 1], padding)
    av = tf.nn.avg_pool(tf.constant(x), [1, k, k, 1], [1, s, s, 1], padding)
    m, a = _run(session, [mx, av])
    np.testing.assert_allclose(m, _ref_pool(x, k, s, padding, np.max))
    np.testing.assert_allclose(a, _ref_pool(x, k, s, padding, np.mean))
    assert mx.shape.as_list() == list(m.shape) == list(av.shape)


def test_max_pool_negative_inputs_ignore_padding(session):
    x = -np.arange(1.0, 10.0).reshape(1, 3, 3, 1)
    out = _run(session, tf.nn.max_pool(x, 2, 2, "SAME"))
    np.testing.assert_array_equal(out[0, :, :, 0], [[-1.0, -3.0], [-7.0, -9.0]])


def test_max_pool_int(session):
    x = np.arange(16, dtype=np.int32).reshape(1, 4, 4, 1)
    out = _run(session, tf.nn.max_pool(x, 2, 2, "VALID"))
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out[0, :, :, 0], [[5, 7], [13, 15]])


@pytest.mark.parametrize("xs,k,s,padding", [POOL_CASES[0], POOL_CASES[2], POOL_CASES[3]])
def test_pool_gradients(backend, xs, k, s, padding):
    xs = (1,) + xs[1:]
    x = RNG.permutation(np.prod(xs)).reshape(xs) * 0.1     # distinct values: no ties
    for pool in (tf.nn.max_pool, tf.nn.avg_pool):
        _grad_ok(backend, lambda v, pool=pool: pool(v, [1, k, k, 1], [1, s, s, 1], padding),
                 [x])


def test_pool_second_order(backend):
    x = RNG.permutation(30).reshape(1, 5, 6, 1) * 0.1
    for pool in (tf.nn.max_pool, tf.nn.avg_pool):
        def fn(v, pool=pool):
            y = pool(v, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
            g = tf.gradients(tf.reduce_sum(y * y), v)[0]
            return g * g      # depends on v through MaxPoolGrad's and AvgPoolGrad's input
        _grad_ok(backend, fn, [x])


def test_max_pool_grad_goes_to_first_maximum(session):
    x = tf.constant(np.ones((1, 2, 2, 1)))
    (g,) = tf.gradients(tf.nn.max_pool(x, 2, 2, "VALID"), x)
    np.testing.assert_array_equal(_run(session, g)[0, :, :, 0], [[1.0, 0.0], [0.0, 0.0]])


# --------------------------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------------------------
def _softmax_labels(*shape):
    p = RNG.uniform(0.1, 1.0, size=shape)
    return p / p.sum(axis=-1, keepdims=True)


def test_softmax_xent_values(session):
    logits, labels = _rand(4, 5, lo=-3, hi=3), _softmax_labels(4, 5)
    ref = -np.sum(labels * _log_softmax(logits), axis=-1)
    v1 = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    v2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    ax = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels.T, logits=logits.T, axis=0)
    a, b, c = _run(session, [v1, v2, ax])
    for out in (a, b, c):
        np.testing.assert_allclose(out, ref)
    assert v2.shape.as_list() == [4] and ax.shape.as_list() == [4]


def test_softmax_xent_gradients(backend):
    logits, labels = _rand(3, 4, lo=-2, hi=2), _softmax_labels(3, 4)

    def v2(lo, la):
        return tf.nn.softmax_cross_entropy_with_logits_v2(labels=la, logits=lo)
    _grad_ok(backend, v2, [logits, labels])
    _grad_ok(backend, lambda lo: v2(lo, tf.constant(labels)), [logits])
    _grad_ok(backend, lambda lo: tf.nn.softmax_cross_entropy_with_logits(
        labels=tf.constant(labels), logits=lo), [logits])
    # Second order: the gradient flows back through the fused op's backprop output.
    _grad_ok(backend, lambda lo, la: tf.gradients(v2(lo, la), lo)[0], [logits, labels])


def test_softmax_xent_v1_stops_labels(session):
    labels = tf.constant(_softmax_labels(2, 3))
    logits = tf.constant(_rand(2, 3))
    v1 = tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    v2 = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    assert tf.gradients(v1, labels) == [None]
    (g,) = tf.gradients(v2, labels)
    np.testing.assert_allclose(_run(session, g), -_run(session, tf.nn.log_softmax(logits)))


def test_sparse_softmax_xent(session, backend):
    logits = _rand(4, 5, lo=-3, hi=3)
    labels = np.array([0, 4, 2, 2], np.int32)
    y = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    ref = -_log_softmax(logits)[np.arange(4), labels]
    np.testing.assert_allclose(_run(session, y), ref)
    def loss(lo):
        return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels.astype(np.int64),
                                                              logits=lo)
    _grad_ok(backend, loss, [logits])
    _grad_ok(backend, lambda lo: tf.gradients(loss(lo), lo)[0], [logits])
    # Rank 3 logits: labels have the leading dims.
    lo3 = _rand(2, 3, 4)
    la3 = np.array([[0, 1, 3], [3, 2, 0]])
    y3 = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=la3, logits=lo3)
    ref3 = -np.take_along_axis(_log_softmax(lo3), la3[..., None], -1)[..., 0]
    np.testing.assert_allclose(_run(session, y3), ref3)


def test_sparse_softmax_xent_bad_label(session):
    y = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0, 3], logits=_rand(2, 3))
    with pytest.raises(tf.errors.InvalidArgumentError, match="outside the valid range"):
        _run(session, y)


def test_sigmoid_xent(session, backend):
    x, z = _rand(3, 4, lo=-4, hi=4), RNG.uniform(0, 1, size=(3, 4))
    y = tf.nn.sigmoid_cross_entropy_with_logits(labels=z, logits=x)
    p = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(_run(session, y), -z * np.log(p) - (1 - z) * np.log(1 - p))
    _grad_ok(backend, lambda a, b: tf.nn.sigmoid_cross_entropy_with_logits(labels=b, logits=a),
             [x, z])
    with pytest.raises(ValueError, match="same shape"):
        tf.nn.sigmoid_cross_entropy_with_logits(labels=z[:, :2], logits=x)


def test_losses_finite_at_extreme_logits(session):
    big = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]], np.float32)
    labels = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]], np.float32)
    logits = tf.constant(big)
    losses = [
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits),
        tf.nn.softmax_cross_entropy_with_logits(labels=labels, logits=logits),
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 0], logits=logits),
        tf.nn.sigmoid_cross_entropy_with_logits(labels=labels, logits=logits),
        tf.nn.log_softmax(logits), tf.nn.softmax(logits), tf.nn.softplus(logits),
    ]
    grads = tf.gradients([tf.reduce_sum(loss) for loss in losses], logits)
    values = _run(session, losses + grads)
    for v in values:
        assert np.all(np.isfinite(v)), v
    np.testing.assert_allclose(values[0], [2000.0, 1000.0])
    np.testing.assert_allclose(values[2], [2000.0, 2000.0])
    np.testing.assert_allclose(values[3], [[1000.0, 1000.0, np.log(2)], [500.0, 0.0, 500.0]],
                               rtol=1e-6)


# --------------------------------------------------------------------------------------------
# in_top_k, embedding_lookup, dropout
# --------------------------------------------------------------------------------------------
def test_in_top_k(session):
    p = np.array([[0.1, 0.3, 0.3, 0.3], [0.5, 0.2, 0.2, 0.1], [0.0, 1.0, np.nan, 0.0],
                  [0.4, 0.3, 0.2, 0.1], [0.4, 0.3, 0.2, 0.1]], np.float32)
    t = np.array([1, 2, 1, 3, 7], np.int32)
    out1, out2, out3 = _run(session, [tf.nn.in_top_k(p, t, k) for k in (1, 2, 3)])
    np.testing.assert_array_equal(out1, [True, False, False, False, False])   # ties count
    np.testing.assert_array_equal(out2, [True, True, False, False, False])
    np.testing.assert_array_equal(out3, [True, True, False, False, False])


def test_embedding_lookup(session, backend):
    params = _rand(5, 3)
    ids = np.array([[4, 0], [1, 1]], np.int32)
    y = tf.nn.embedding_lookup(tf.constant(params), ids)
    assert y.shape.as_list() == [2, 2, 3] and y.op.type == "Identity"
    assert y.op.inputs[0].op.name == "embedding_lookup"
    np.testing.assert_allclose(_run(session, y), params[ids])
    _grad_ok(backend, lambda p: tf.nn.embedding_lookup([p], ids), [params])


def test_dropout(session):
    x = np.ones((200, 50), np.float32)
    y = tf.nn.dropout(tf.constant(x), 0.25, seed=3)
    out = _run(session, y)
    assert out.dtype == np.float32
    assert set(np.unique(out)) <= {0.0, 4.0}
    assert 0.2 < np.mean(out == 4.0) < 0.3
    r = _run(session, tf.nn.dropout(tf.constant(x), rate=0.75, seed=3))
    assert 0.2 < np.mean(r == 4.0) < 0.3


def test_dropout_keep_prob_placeholder_and_noise_shape(session):
    keep = tf.placeholder(tf.float32, [])
    x = tf.constant(np.ones((100, 6), np.float32))
    y = tf.nn.dropout(x, keep)
    sess = session()
    np.testing.assert_array_equal(sess.run(y, {keep: 1.0}), np.ones((100, 6)))
    half = sess.run(y, {keep: 0.5})
    assert set(np.unique(half)) <= {0.0, 2.0}
    cols = sess.run(tf.nn.dropout(x, 0.5, noise_shape=[1, 6]))
    assert np.all(cols == cols[:1])       # whole columns are kept or dropped together


def test_dropout_gradient_is_the_mask(session):
    x = tf.constant(_rand(30, 4) + 2.0)
    y = tf.nn.dropout(x, 0.5, seed=1)
    (g,) = tf.gradients(tf.reduce_sum(y), x)
    yv, gv, xv = _run(session, [y, g, x])
    np.testing.assert_allclose(gv, yv / xv)


def test_dropout_rate_zero_returns_input():
    x = tf.constant([1.0, 2.0])
    assert tf.nn.dropout(x, rate=0.0) is x
    assert tf.nn.dropout(x, keep_prob=1.0) is x


# --------------------------------------------------------------------------------------------
# Build-time errors
# --------------------------------------------------------------------------------------------
def test_errors():
    f32 = tf.placeholder(tf.float32, [1, 5, 5, 2])
    f64 = tf.placeholder(tf.float64, [3, 3, 2, 4])
    i32 = tf.placeholder(tf.int32, [2, 3])
    with pytest.raises(TypeError):
        tf.nn.conv2d(f32, f64, 1, "SAME")
    with pytest.raises(ValueError, match="Depth of input"):
        tf.nn.conv2d(f32, tf.placeholder(tf.float32, [3, 3, 3, 1]), 1, "SAME")
    with pytest.raises(ValueError, match="rank 4"):
        tf.nn.conv2d(tf.placeholder(tf.float32, [5, 5, 2]), tf.placeholder(tf.float32,
                                                                          [3, 3, 2, 1]),
                     1, "SAME")
    with pytest.raises(ValueError, match="padding"):
        tf.nn.conv2d(f32, tf.placeholder(tf.float32, [3, 3, 2, 1]), 1, "FULL")
    with pytest.raises(ValueError, match="data_format"):
        tf.nn.max_pool(f32, 2, 2, "SAME", data_format="NCHW")
    with pytest.raises(ValueError, match="Negative dimension"):
        tf.nn.max_pool(f32, 6, 1, "VALID")
    with pytest.raises(ValueError, match="batch and depth"):
        tf.nn.max_pool(f32, [2, 2, 2, 1], 1, "VALID")
    with pytest.raises(TypeError, match="DataType int32"):
        tf.nn.softmax(i32)
    with pytest.raises(TypeError):
        tf.nn.avg_pool(tf.placeholder(tf.int32, [1, 4, 4, 1]), 2, 2, "SAME")
    with pytest.raises(ValueError, match="Dimensions must be equal"):
        tf.nn.bias_add(tf.placeholder(tf.float32, [2, 3]), [1.0, 2.0])
    with pytest.raises(TypeError, match="labels"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0.0, 1.0], logits=_rand(2, 3))
    with pytest.raises(ValueError, match="`labels.shape.rank` must equal"):
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[[0, 1]], logits=_rand(2, 3))
    with pytest.raises(ValueError, match="named arguments"):
        tf.nn.softmax_cross_entropy_with_logits_v2(_rand(2, 3), _rand(2, 3))
    with pytest.raises(ValueError):
        tf.nn.softmax_cross_entropy_with_logits_v2(labels=_rand(2, 4), logits=_rand(2, 3))
    with pytest.raises(ValueError, match="keep_prob"):
        tf.nn.dropout(tf.placeholder(tf.float32, [2]), 0.0)
    with pytest.raises(ValueError, match="floating point"):
        tf.nn.dropout(i32, 0.5)
    with pytest.raises(ValueError, match="both"):
        tf.nn.dropout(tf.placeholder(tf.float32, [2]), 0.5, rate=0.5)
    with pytest.raises(TypeError, match="predictions"):
        tf.nn.in_top_k(tf.placeholder(tf.float64, [2, 3]), [0, 1], 1)
    with pytest.raises(TypeError, match="DataType int32"):
        tf.nn.l2_loss(i32)


# --------------------------------------------------------------------------------------------
# Composites: leaky_relu, l2_normalize, batch_normalization, conv1d, weighted cross-entropy
# --------------------------------------------------------------------------------------------
def test_composite_values(session):
    x = _rand(3, 4, lo=-3, hi=3)
    mean, var = x.mean(axis=0), x.var(axis=0)
    scale, offset = _rand(4) + 2.0, _rand(4)
    z, big = RNG.uniform(0, 1, size=(3, 4)), x * 400
    outs = _run(session, [
        tf.nn.leaky_relu(x, alpha=0.1),
        tf.nn.l2_normalize(x, axis=1),
        tf.nn.batch_normalization(x, mean, var, offset, scale, 1e-3),
        tf.nn.weighted_cross_entropy_with_logits(targets=z, logits=x, pos_weight=3.0),
        tf.nn.weighted_cross_entropy_with_logits(labels=z, logits=big, pos_weight=0.5)])
    np.testing.assert_allclose(outs[0], np.where(x > 0, x, 0.1 * x))
    np.testing.assert_allclose(outs[1], x / np.linalg.norm(x, axis=1, keepdims=True))
    np.testing.assert_allclose(outs[2], scale * (x - mean) / np.sqrt(var + 1e-3) + offset)
    p = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(outs[3], -3.0 * z * np.log(p) - (1 - z) * np.log(1 - p))
    assert np.all(np.isfinite(outs[4]))


def test_composite_gradients(backend):
    x = np.array([[-2.5, -0.7, 0.3, 1.9], [4.2, 5.1, -0.1, 0.6]])
    _grad_ok(backend, lambda v: tf.nn.leaky_relu(v, 0.3), [x])
    _grad_ok(backend, lambda v: tf.nn.l2_normalize(v, 0), [x])
    _grad_ok(backend, lambda v, m, s: tf.nn.batch_normalization(v, m, s * s, None, 2.0, 1e-3),
             [x, _rand(4), _rand(4) + 2])
    _grad_ok(backend, lambda v, t: tf.nn.weighted_cross_entropy_with_logits(
        targets=t, logits=v, pos_weight=2.5), [x, RNG.uniform(0, 1, size=x.shape)])


def test_conv1d(session, backend):
    x, w = _rand(2, 9, 3), _rand(3, 3, 2)
    y = tf.nn.conv1d(tf.constant(x), tf.constant(w), stride=2, padding="SAME")
    assert y.shape.as_list() == [2, 5, 2] and y.op.name == "conv1d"
    ref = _ref_conv2d(x[:, None], w[None], (1, 2), "SAME")[:, 0]
    np.testing.assert_allclose(_run(session, y), ref)
    _grad_ok(backend, lambda a, b: tf.nn.conv1d(a, b, 1, "VALID"), [_rand(1, 6, 2), w[:, :2]])


# --------------------------------------------------------------------------------------------
# Differential tests against TensorFlow 1
# --------------------------------------------------------------------------------------------
def _tf1_run(tf1, build, *arrays):
    g = tf1.Graph()
    with g.as_default():
        phs = [tf1.constant(a) for a in arrays]
        outs = build(tf1, *phs)
        with tf1.Session(graph=g) as sess:
            return sess.run(outs)


def _fk_run(build, *arrays):
    with tf.Graph().as_default() as g:
        phs = [tf.constant(a) for a in arrays]
        outs = build(tf, *phs)
        with tf.Session(graph=g) as sess:
            return sess.run(outs)


@pytest.mark.parametrize("xs,ws,strides,padding,dil", CONV_CASES)
def test_conv2d_against_tf1(tf1, xs, ws, strides, padding, dil):
    x, w = _rand(*xs).astype(np.float32), _rand(*ws).astype(np.float32)
    dy = _rand(*_ref_conv2d(x, w, strides, padding, dil).shape).astype(np.float32)

    def build(m, xt, wt, dyt):
        y = m.nn.conv2d(xt, wt, [1, *strides, 1], padding, dilations=[1, *dil, 1])
        return [y] + m.gradients(y, [xt, wt], grad_ys=dyt)
    for a, b in zip(_fk_run(build, x, w, dy), _tf1_run(tf1, build, x, w, dy)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("xs,k,s,padding", POOL_CASES)
def test_pools_against_tf1(tf1, xs, k, s, padding):
    x = (RNG.permutation(np.prod(xs)).reshape(xs) * 0.1).astype(np.float32)

    def build(m, xt):
        mx = m.nn.max_pool(xt, [1, k, k, 1], [1, s, s, 1], padding)
        av = m.nn.avg_pool(xt, [1, k, k, 1], [1, s, s, 1], padding)
        return [mx, av] + m.gradients(m.reduce_sum(mx * mx) + m.reduce_sum(av * av), [xt])
    for a, b in zip(_fk_run(build, x), _tf1_run(tf1, build, x)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


def test_losses_against_tf1(tf1):
    logits = np.array([[1000.0, -1000.0, 0.5], [-3.0, 2.0, 1.0], [0.0, 0.0, 0.0]], np.float32)
    labels = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]], np.float32)
    sparse = np.array([1, 0, 2], np.int32)
    z = RNG.uniform(0, 1, size=(3, 3)).astype(np.float32)

    def build(m, lo, la, sp, zt):
        outs = [m.nn.softmax_cross_entropy_with_logits_v2(labels=la, logits=lo),
                m.nn.sparse_softmax_cross_entropy_with_logits(labels=sp, logits=lo),
                m.nn.sigmoid_cross_entropy_with_logits(labels=zt, logits=lo),
                m.nn.softmax(lo), m.nn.log_softmax(lo), m.nn.softplus(lo), m.nn.elu(lo),
                m.nn.relu6(lo), m.nn.l2_loss(lo[1:]), m.nn.leaky_relu(lo),
                m.nn.l2_normalize(lo, 1),
                m.nn.weighted_cross_entropy_with_logits(zt, lo, 1.5)]
        total = m.add_n([m.reduce_sum(o) for o in outs])
        return outs + m.gradients(total, [lo, la])
    for a, b in zip(_fk_run(build, logits, labels, sparse, z),
                    _tf1_run(tf1, build, logits, labels, sparse, z)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)


def test_in_top_k_and_moments_against_tf1(tf1):
    p = np.array([[0.1, 0.3, 0.3, 0.3], [0.5, 0.2, 0.2, 0.1], [0.0, 1.0, np.inf, 0.0],
                  [0.4, 0.3, 0.2, 0.1]], np.float32)
    t = np.array([1, 2, 0, 3], np.int32)
    x = _rand(4, 3, 2).astype(np.float32)

    def build(m, pt, tt, xt):
        return [m.nn.in_top_k(pt, tt, 1), m.nn.in_top_k(pt, tt, 2),
                *m.nn.moments(xt, [0, 1]), *m.nn.moments(xt, [1], keep_dims=True)]
    for a, b in zip(_fk_run(build, p, t, x), _tf1_run(tf1, build, p, t, x)):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
