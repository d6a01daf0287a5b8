"""The convolutions and pools beyond conv2d (tf.nn.conv3d, conv3d_transpose, conv1d_transpose,
conv_transpose, convolution, pool, depthwise/separable/atrous convolutions, 1-D/3-D/N-d
pools, max_pool_with_argmax) against tf.compat.v1 on every backend, their gradients, and the
tf.layers built on them (Conv3D, Conv2DTranspose, Conv3DTranspose, SeparableConv1D/2D,
MaxPooling3D, AveragePooling3D) against TF's legacy layers."""
import numpy as np
import pytest

import flowkit as tf
import flowkit.layers  # noqa: F401  (makes tf.layers)
from _tf_compare import legacy_layers, make_pair
from flowkit.testing import check_gradients

RNG = np.random.default_rng(2024)


def _a(*shape):
    return RNG.normal(size=shape).astype(np.float32)


X1, X2, X3 = _a(2, 9, 3), _a(2, 7, 6, 3), _a(2, 5, 6, 7, 3)
F1, F3 = _a(3, 3, 4), _a(2, 3, 2, 3, 4)
F2 = F3[0, :, :, :3, :]                 # [3, 2, 3, 4]
DW = _a(3, 2, 3, 2)                     # depthwise [h, w, in, multiplier]
PW = _a(1, 1, 6, 5)

# name -> (builder(module, *tensors), inputs); the builder spells the TF1 API, so the same
# code builds the flowkit and the TensorFlow graph.
CASES = {}
for pad in ("SAME", "VALID"):
    small = pad == "VALID"
    CASES.update({
        f"conv3d-{pad}": (lambda m, x, f, p=pad: m.nn.conv3d(x, f, [1, 2, 1, 2, 1], p),
                          [X3, F3]),
        f"conv3d-dilated-{pad}": (lambda m, x, f, p=pad: m.nn.conv3d(
            x, f, [1, 1, 1, 1, 1], p, dilations=[1, 2, 1, 2, 1]), [X3, F3]),
        f"conv3d_transpose-{pad}": (lambda m, x, f, p=pad: m.nn.conv3d_transpose(
            x, f, [2, 5, 6, 7, 3], [1, 2, 1, 2, 1], p),
            [_a(2, 2, 4, 3, 4) if small else _a(2, 3, 6, 4, 4), F3]),
        f"conv3d_backprop_filter_v2-{pad}": (lambda m, x, dy, p=pad:
                                             m.nn.conv3d_backprop_filter_v2(
                                                 x, [2, 3, 2, 3, 4], dy, [1, 2, 1, 2, 1], p),
                                             [X3, _a(2, 2, 4, 3, 4) if small
                                              else _a(2, 3, 6, 4, 4)]),
        f"conv1d_transpose-{pad}": (lambda m, x, f, p=pad: m.nn.conv1d_transpose(
            x, f, [2, 9, 3], 2, p), [_a(2, 4, 4) if small else _a(2, 5, 4), F1]),
        f"conv_transpose-1d-{pad}": (lambda m, x, f, p=pad: m.nn.conv_transpose(
            x, f, [2, 9, 3], [2], p), [_a(2, 4, 4) if small else _a(2, 5, 4), F1]),
        f"conv_transpose-2d-{pad}": (lambda m, x, f, p=pad: m.nn.conv_transpose(
            x, f, [2, 7, 6, 3], [2, 1], p), [_a(2, 3, 5, 4) if small else _a(2, 4, 6, 4),
                                             F2]),
        f"convolution-3d-{pad}": (lambda m, x, f, p=pad: m.nn.convolution(
            x, f, p, dilation_rate=[2, 1, 2]), [X3, F3]),
        f"convolution-2d-{pad}": (lambda m, x, f, p=pad: m.nn.convolution(
            x, f, p, strides=[2, 1]), [X2, F2]),
        f"convolution-1d-{pad}": (lambda m, x, f, p=pad: m.nn.convolution(
            x, f, p, dilation_rate=[3]), [X1, F1]),
        f"depthwise_conv2d-{pad}": (lambda m, x, f, p=pad: m.nn.depthwise_conv2d(
            x, f, [1, 2, 2, 1], p), [X2, DW]),
        f"depthwise_conv2d-rate-{pad}": (lambda m, x, f, p=pad: m.nn.depthwise_conv2d(
            x, f, [1, 1, 1, 1], p, rate=[2, 1]), [X2, DW]),
        f"depthwise_native-{pad}": (lambda m, x, f, p=pad: m.nn.depthwise_conv2d_native(
            x, f, [1, 1, 2, 1], p), [X2, DW]),
        f"depthwise_backprop_input-{pad}": (
            lambda m, f, dy, p=pad: m.nn.depthwise_conv2d_native_backprop_input(
                [2, 7, 6, 3], f, dy, [1, 2, 2, 1], p),
            [DW, _a(2, 3, 3, 6) if small else _a(2, 4, 3, 6)]),
        f"depthwise_backprop_filter-{pad}": (
            lambda m, x, dy, p=pad: m.nn.depthwise_conv2d_native_backprop_filter(
                x, [3, 2, 3, 2], dy, [1, 2, 2, 1], p),
            [X2, _a(2, 3, 3, 6) if small else _a(2, 4, 3, 6)]),
        f"separable_conv2d-{pad}": (lambda m, x, d, q, p=pad: m.nn.separable_conv2d(
            x, d, q, [1, 1, 1, 1], p, rate=[2, 1]), [X2, DW, PW]),
        f"separable_conv2d-strided-{pad}": (lambda m, x, d, q, p=pad: m.nn.separable_conv2d(
            x, d, q, [1, 2, 2, 1], p), [X2, DW, PW]),
        f"atrous_conv2d-{pad}": (lambda m, x, f, p=pad: m.nn.atrous_conv2d(x, f, 2, p),
                                 [X2, F2]),
        f"atrous_conv2d_transpose-{pad}": (
            lambda m, x, f, p=pad: m.nn.atrous_conv2d_transpose(
                x, f, [2, 7, 6, 3] if p == "SAME" else [2, 11, 8, 3], 2, p),
            [_a(2, 7, 6, 4), F2]),
        f"max_pool3d-{pad}": (lambda m, x, p=pad: m.nn.max_pool3d(
            x, [1, 2, 3, 2, 1], [1, 2, 2, 1, 1], p), [X3]),
        f"avg_pool3d-{pad}": (lambda m, x, p=pad: m.nn.avg_pool3d(
            x, [1, 2, 3, 2, 1], [1, 2, 2, 1, 1], p), [X3]),
        f"max_pool1d-{pad}": (lambda m, x, p=pad: m.nn.max_pool1d(x, 3, 2, p), [X1]),
        f"avg_pool1d-{pad}": (lambda m, x, p=pad: m.nn.avg_pool1d(x, [1, 2, 1], [1, 2, 1], p),
                              [X1]),
        f"max_pool2d-{pad}": (lambda m, x, p=pad: m.nn.max_pool2d(x, 3, 2, p), [X2]),
        f"avg_pool2d-{pad}": (lambda m, x, p=pad: m.nn.avg_pool2d(x, [2, 3], [2, 2], p), [X2]),
        f"max_pool_v2-3d-{pad}": (lambda m, x, p=pad: m.nn.max_pool_v2(
            x, [2, 3, 2], [1, 2, 2], p), [X3]),
        f"avg_pool_v2-1d-{pad}": (lambda m, x, p=pad: m.nn.avg_pool_v2(x, 2, 2, p), [X1]),
        f"pool-max-2d-{pad}": (lambda m, x, p=pad: m.nn.pool(x, [2, 3], "MAX", p,
                                                           strides=[2, 2]), [X2]),
        f"pool-avg-3d-{pad}": (lambda m, x, p=pad: m.nn.pool(x, [2, 2, 3], "AVG", p,
                                                           strides=[1, 2, 2]), [X3]),
        f"pool-avg-1d-{pad}": (lambda m, x, p=pad: m.nn.pool(x, [3], "AVG", p, strides=[2]),
                               [X1]),
        f"max_pool_with_argmax-{pad}": (lambda m, x, p=pad: list(m.nn.max_pool_with_argmax(
            x, [1, 3, 2, 1], [1, 2, 2, 1], p)), [X2]),
        f"max_pool_with_argmax-batch-{pad}": (lambda m, x, p=pad: list(
            m.nn.max_pool_with_argmax(x, [1, 2, 2, 1], [1, 1, 2, 1], p, Targmax=m.int32,
                                      include_batch_in_index=True)), [X2]),
    })
CASES.update({
    "pool-max-dilated": (lambda m, x: m.nn.pool(x, [2, 3], "MAX", "VALID",
                                                dilation_rate=[2, 2]), [X2]),
    "pool-avg-dilated": (lambda m, x: m.nn.pool(x, [3], "AVG", "VALID", dilation_rate=[2]),
                         [X1]),
})


def _run(mod, sess, build, inputs):
    y = build(mod, *[mod.constant(a) for a in inputs])
    return sess.run(y if isinstance(y, list) else [y])


@pytest.mark.tf
@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_tf(name, session, tf1):
    build, inputs = CASES[name]
    g = tf.Graph()
    with g.as_default():
        got = _run(tf, session(graph=g), build, inputs)
    tg = tf1.Graph()
    with tg.as_default(), tf1.Session(graph=tg) as sess:
        want = _run(tf1, sess, build, inputs)
    for a, b in zip(got, want):
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


def test_static_shapes_and_argmax_index_values(session):
    x = tf.placeholder(tf.float32, [None, 5, 6, 7, 3])
    assert tf.nn.conv3d(x, F3, [1, 2, 1, 2, 1], "SAME").shape.as_list() == [None, 3, 6, 4, 4]
    assert tf.nn.max_pool3d(x, 2, 2, "VALID").shape.as_list() == [None, 2, 3, 3, 3]
    assert tf.nn.depthwise_conv2d(X2, DW, [1, 1, 1, 1], "VALID").shape.as_list() == \
        [2, 5, 5, 6]
    # A maximum at [b, y, x, c] has the index (y * W + x) * C + c (+ b * H * W * C).
    v = np.zeros((2, 3, 4, 2), np.float32)
    v[1, 2, 3, 1] = 5.0
    v[0, 1, 0, 0] = 7.0
    y, i = tf.nn.max_pool_with_argmax(v, [1, 3, 4, 1], [1, 3, 4, 1], "VALID")
    yb, ib = tf.nn.max_pool_with_argmax(v, [1, 3, 4, 1], [1, 3, 4, 1], "VALID",
                                        include_batch_in_index=True)
    got = session().run([i, ib])
    assert got[0].dtype == np.int64
    assert got[0][1, 0, 0, 1] == (2 * 4 + 3) * 2 + 1
    assert got[1][1, 0, 0, 1] == 24 + (2 * 4 + 3) * 2 + 1
    assert got[0][0, 0, 0, 0] == got[1][0, 0, 0, 0] == (1 * 4 + 0) * 2 + 0


def test_errors():
    with pytest.raises(ValueError, match="dilation_rate"):
        tf.nn.pool(X2, [2, 2], "MAX", "SAME", dilation_rate=[2, 2])
    with pytest.raises(ValueError, match="strides > 1"):
        tf.nn.convolution(X2, F2, "SAME", strides=[2, 2], dilation_rate=[2, 1])
    with pytest.raises(ValueError, match="strides > 1"):
        tf.nn.depthwise_conv2d(X2, DW, [1, 2, 2, 1], "SAME", rate=[2, 2])
    with pytest.raises(ValueError, match="pooling_type"):
        tf.nn.pool(X2, [2, 2], "MIN", "SAME")
    with pytest.raises(ValueError, match="NDHWC"):
        tf.nn.conv3d(X3, F3, [1, 1, 1, 1, 1], "SAME", data_format="NCDHW")
    with pytest.raises(ValueError, match="depth of input"):
        tf.nn.conv3d(X3, _a(2, 2, 2, 5, 1), [1, 1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="rank 5"):
        tf.nn.max_pool3d(X2, 2, 2, "SAME")
    with pytest.raises(TypeError, match="int32 or int64"):
        tf.nn.max_pool_with_argmax(X2, 2, 2, "SAME", output_dtype=tf.float32)
    with pytest.raises(ValueError, match="pointwise_filter"):
        tf.nn.separable_conv2d(X2, DW, _a(2, 1, 6, 5), [1, 1, 1, 1], "SAME")


def _f64(a):
    return np.asarray(a, np.float64)


GRADS = {
    "conv3d": (lambda x, f: tf.nn.conv3d(x, f, [1, 2, 1, 1, 1], "SAME",
                                         dilations=[1, 1, 2, 1, 1]),
               [_a(1, 3, 5, 3, 2), _a(2, 2, 2, 2, 3)]),
    "conv3d_transpose": (lambda x, f: tf.nn.conv3d_transpose(x, f, [1, 4, 3, 4, 2],
                                                             [1, 2, 1, 2, 1], "VALID"),
                         [_a(1, 2, 2, 2, 3), _a(2, 2, 2, 2, 3)]),
    "conv3d_backprop_filter_v2": (lambda x, dy: tf.nn.conv3d_backprop_filter_v2(
        x, [2, 2, 2, 2, 3], dy, [1, 1, 1, 1, 1], "SAME"), [_a(1, 3, 3, 3, 2),
                                                           _a(1, 3, 3, 3, 3)]),
    "depthwise_conv2d": (lambda x, f: tf.nn.depthwise_conv2d(x, f, [1, 2, 1, 1], "SAME"),
                         [_a(2, 5, 4, 3), _a(3, 2, 3, 2)]),
    "depthwise_backprop_input": (lambda f, dy: tf.nn.depthwise_conv2d_native_backprop_input(
        [1, 5, 4, 3], f, dy, [1, 2, 1, 1], "SAME"), [_a(3, 2, 3, 2), _a(1, 3, 4, 6)]),
    "depthwise_backprop_filter": (lambda x, dy: tf.nn.depthwise_conv2d_native_backprop_filter(
        x, [3, 2, 3, 2], dy, [1, 2, 1, 1], "SAME"), [_a(1, 5, 4, 3), _a(1, 3, 4, 6)]),
    "separable_conv2d": (lambda x, d, p: tf.nn.separable_conv2d(x, d, p, [1, 1, 1, 1], "VALID",
                                                                rate=[1, 2]),
                         [_a(1, 5, 5, 2), _a(2, 2, 2, 2), _a(1, 1, 4, 3)]),
    "atrous_conv2d_transpose": (lambda x, f: tf.nn.atrous_conv2d_transpose(
        x, f, [1, 4, 4, 2], 2, "SAME"), [_a(1, 4, 4, 3), _a(2, 2, 2, 3)]),
    "conv1d_transpose": (lambda x, f: tf.nn.conv1d_transpose(x, f, [2, 6, 2], 2, "SAME"),
                         [_a(2, 3, 3), _a(3, 2, 3)]),
    "max_pool3d": (lambda x: tf.nn.max_pool3d(x, [1, 2, 2, 2, 1], [1, 1, 2, 1, 1], "SAME"),
                   [_a(2, 3, 4, 3, 2)]),
    "avg_pool3d": (lambda x: tf.nn.avg_pool3d(x, [1, 2, 3, 2, 1], [1, 2, 2, 1, 1], "SAME"),
                   [_a(2, 3, 5, 3, 2)]),
    "max_pool_with_argmax": (lambda x: tf.nn.max_pool_with_argmax(x, [1, 2, 3, 1],
                                                                  [1, 2, 1, 1], "SAME")[0],
                             [_a(2, 4, 5, 3)]),
    "pool-dilated": (lambda x: tf.nn.pool(x, [2, 2], "MAX", "VALID", dilation_rate=[2, 1]),
                     [_a(1, 5, 4, 2)]),
    "avg_pool1d": (lambda x: tf.nn.avg_pool1d(x, 3, 2, "SAME"), [_a(2, 7, 2)]),
}


@pytest.mark.parametrize("name", sorted(GRADS))
def test_gradients(name, backend):
    build, inputs = GRADS[name]
    report = check_gradients(build, [_f64(a) for a in inputs], backend=backend[0],
                             device=backend[1])
    assert report.ok, str(report)


@pytest.mark.parametrize("name", ["max_pool3d", "avg_pool3d", "max_pool_with_argmax",
                                  "depthwise_conv2d", "conv3d"])
def test_second_order_gradients(name, backend):
    """The gradient of the gradient (the backward ops' own gradient rules and kernels)."""
    build, inputs = GRADS[name]

    def vjp(*args):
        *xs, u = args
        return tf.gradients(build(*xs), [xs[0]], grad_ys=u)[0]
    with tf.Graph().as_default():
        out_shape = build(*[tf.constant(_f64(a)) for a in inputs]).shape.as_list()
    report = check_gradients(vjp, [_f64(a) for a in inputs] + [_f64(_a(*out_shape))],
                             backend=backend[0], device=backend[1])
    assert report.ok, str(report)


# --------------------------------------------------------------------------------------------
# tf.layers
# --------------------------------------------------------------------------------------------
def _layers_program(mod):
    x3 = mod.placeholder(mod.float32, [None, 4, 5, 4, 2], name="x3")
    x2 = mod.placeholder(mod.float32, [None, 5, 6, 3], name="x2")
    x1 = mod.placeholder(mod.float32, [None, 8, 3], name="x1")
    h3 = mod.layers.conv3d(x3, 3, [2, 3, 2], padding="same", activation=mod.nn.relu)
    h3 = mod.layers.max_pooling3d(h3, 2, [1, 2, 2], padding="same")
    h3 = mod.layers.Conv3DTranspose(2, 2, strides=(2, 1, 2), padding="valid")(h3)
    h3 = mod.layers.average_pooling3d(h3, [2, 2, 1], 2)
    h3 = mod.layers.conv3d_transpose(h3, 2, 3, strides=2, padding="same", use_bias=False)
    h2 = mod.layers.conv2d_transpose(x2, 4, 3, strides=2, padding="valid")
    h2 = mod.layers.Conv2DTranspose(2, [2, 3], strides=(1, 2), padding="same",
                                    activation=mod.nn.tanh)(h2)
    h2 = mod.layers.separable_conv2d(h2, 3, 3, depth_multiplier=2, padding="same",
                                     dilation_rate=2)
    h2 = mod.layers.SeparableConv2D(4, [2, 3], strides=2)(h2)
    h1 = mod.layers.separable_conv1d(x1, 4, 3, depth_multiplier=3, padding="same")
    h1 = mod.layers.SeparableConv1D(2, 2, dilation_rate=2, use_bias=False)(h1)
    h3b = mod.layers.Conv3D(2, 2, dilation_rate=(1, 2, 1))(x3)
    h3b = mod.layers.MaxPooling3D([1, 2, 2], 1)(h3b)
    h3b = mod.layers.AveragePooling3D(2, 1, padding="same")(h3b)
    loss = (mod.reduce_sum(h3 ** 2) + mod.reduce_sum(h2 ** 2) + mod.reduce_sum(h1 ** 2)
            + mod.reduce_sum(h3b ** 2))
    train = mod.train.GradientDescentOptimizer(0.01).minimize(loss)
    return {"x3": x3, "x2": x2, "x1": x1, "h3": h3, "h2": h2, "h1": h1, "h3b": h3b,
            "loss": loss, "train": train}


@pytest.mark.tf
def test_layers_match_tf(session, tf1):
    fk, ref = make_pair(_layers_program, session, legacy_layers(tf1))
    assert "conv2d_transpose/kernel:0" in fk.names()
    assert "separable_conv2d/depthwise_kernel:0" in fk.names()
    assert "separable_conv2d_1/pointwise_kernel:0" in fk.names()
    assert "conv3d_transpose_1/kernel:0" in fk.names()
    feed = {"x3": _a(2, 4, 5, 4, 2), "x2": _a(2, 5, 6, 3), "x1": _a(2, 8, 3)}
    for _ in range(2):
        got = fk.run(["h3", "h2", "h1", "h3b", "loss", "train"], feed)
        want = ref.run(["h3", "h2", "h1", "h3b", "loss", "train"], feed)
        for a, b in zip(got[:5], want[:5]):
            assert np.shape(a) == np.shape(b)
            np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    got, want = fk.values(), ref.values()
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-4, atol=1e-4, err_msg=k)


def test_layer_shapes_variables_and_errors():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [None, None, 4, 3])
        y = tf.layers.conv2d_transpose(x, 5, 3, strides=2)
        assert y.shape.as_list() == [None, None, 9, 5]
        layer = tf.layers.SeparableConv2D(6, 3, depth_multiplier=2)
        layer(tf.zeros([1, 5, 5, 3]))
        assert layer.depthwise_kernel.shape.as_list() == [3, 3, 3, 2]
        assert layer.pointwise_kernel.shape.as_list() == [1, 1, 6, 6]
        assert tf.layers.Conv3DTranspose(2, 2).__class__ is tf.layers.Convolution3DTranspose
        with pytest.raises(ValueError, match="dilation_rate"):
            tf.layers.SeparableConv1D(2, 3, strides=2, dilation_rate=2)
        with pytest.raises(ValueError, match="ndim=5"):
            tf.layers.conv3d(tf.zeros([1, 4, 4, 2]), 2, 2)
        with pytest.raises(ValueError, match="channels_first"):
            tf.layers.MaxPooling3D(2, 2, data_format="channels_first")


def test_conv2d_transpose_unknown_batch_runs(session):
    x = tf.placeholder(tf.float32, [None, None, 3, 2])
    y = tf.layers.conv2d_transpose(x, 4, [2, 3], strides=[2, 1], padding="same")
    sess = session()
    sess.run(tf.global_variables_initializer())
    assert sess.run(y, {x: _a(3, 5, 3, 2)}).shape == (3, 10, 3, 4)
