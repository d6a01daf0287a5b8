"""tf.nn.dilation2d, tf.nn.erosion2d, tf.nn.with_space_to_batch and
tf.nn.static_bidirectional_rnn: values and gradients against TensorFlow's tf.compat.v1 on every
backend, gradients against central differences, TF1's errors, and how ties share the gradient
of a dilation (a documented difference from TF)."""
import numpy as np
import pytest

import flowkit as tf
from flowkit import rnn as fk_rnn
from flowkit.ops import nn_more_ops
from flowkit.testing import check_gradients
from tests._tf_compare import make_pair

RNG = np.random.default_rng(31)

# (input shape, filter shape, strides, rates, padding)
MORPH = [
    ((2, 5, 6, 3), (2, 3, 3), [1, 1, 1, 1], [1, 1, 1, 1], "VALID"),
    ((2, 5, 6, 3), (2, 3, 3), [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
    ((1, 7, 8, 2), (3, 2, 2), [1, 2, 3, 1], [1, 1, 1, 1], "SAME"),
    ((1, 7, 8, 2), (3, 2, 2), [1, 2, 1, 1], [1, 2, 3, 1], "VALID"),
    ((2, 6, 5, 1), (2, 2, 1), [1, 1, 2, 1], [1, 2, 2, 1], "SAME"),
    # windows of only padding: the dilated filter (6 wide) jumps over a 2-wide image
    ((1, 2, 2, 1), (2, 2, 1), [1, 1, 1, 1], [1, 5, 5, 1], "SAME"),
]


def _morph_program(lib, mod, dtype=np.float32):
    xs, fs, ys = [], [], []
    for k, (xshape, fshape, strides, rates, padding) in enumerate(MORPH):
        x = lib.placeholder(dtype, xshape, name=f"x{k}")
        f = lib.placeholder(dtype, fshape, name=f"f{k}")
        d = mod.dilation2d(x, f, strides, rates, padding)
        e = mod.erosion2d(x, f, strides, rates, padding)
        xs.append(x), fs.append(f), ys.extend([d, e])
    return xs, fs, ys


def _morph_feeds(dtype=np.float32):
    if np.issubdtype(dtype, np.integer):
        return ([RNG.integers(-50, 50, s[0]).astype(dtype) for s in MORPH],
                [RNG.integers(-5, 5, s[1]).astype(dtype) for s in MORPH])
    return ([RNG.normal(size=s[0]).astype(dtype) for s in MORPH],
            [RNG.normal(size=s[1]).astype(dtype) for s in MORPH])


def _run(lib, sess, fetches, placeholders, values):
    return sess.run(fetches, dict(zip(placeholders, values)))


@pytest.mark.parametrize("dtype", [np.float32, np.int32])
def test_dilation_erosion_match_tf(dtype, session, tf1):
    xv, fv = _morph_feeds(dtype)
    with tf.Graph().as_default() as g:
        xs, fs, ys = _morph_program(tf, nn_more_ops, dtype)
        got = _run(tf, session(graph=g), ys, xs + fs, xv + fv)
    with tf1.Graph().as_default() as g:
        xs, fs, ys = _morph_program(tf1, tf1.nn, dtype)
        with tf1.Session(graph=g) as s:
            want = _run(tf1, s, ys, xs + fs, xv + fv)
    for k, (a, b) in enumerate(zip(got, want)):
        assert a.dtype == b.dtype and a.shape == b.shape, k
        np.testing.assert_allclose(a, b, rtol=1e-6, err_msg=str(k))
    # the last case's windows have no tap inside the image: the dtype's lowest value
    lowest = np.finfo(dtype).min if dtype == np.float32 else np.iinfo(dtype).min
    assert np.all(got[-2] == lowest)


def test_dilation_erosion_gradients_match_tf(session, tf1):
    xv, fv = _morph_feeds(np.float64)

    def grads(lib, mod, sess_of):
        with lib.Graph().as_default() as g:
            xs, fs, ys = _morph_program(lib, mod, np.float64)
            us = [lib.constant(RNG_U.normal(size=y.shape.as_list())) for y in ys]
            loss = lib.add_n([lib.reduce_sum(y * u) for y, u in zip(ys, us)])
            gs = lib.gradients(loss, xs + fs)
            return _run(lib, sess_of(g), gs, xs + fs, xv + fv)

    RNG_U = np.random.default_rng(5)
    got = grads(tf, nn_more_ops, lambda g: session(graph=g))
    RNG_U = np.random.default_rng(5)
    want = grads(tf1, tf1.nn, lambda g: tf1.Session(graph=g))
    # The last case has windows without a tap inside the image: their output is constant
    # (the lowest value) and flowkit gives them no gradient, where TF's kernel sends theirs to
    # a clamped border pixel; so only the other cases are compared.
    n = len(MORPH)
    for k, (a, b) in enumerate(zip(got, want)):
        if k % n != n - 1:
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=str(k))
    assert not got[n - 1].any() and not got[2 * n - 1].any()


@pytest.mark.parametrize("case", range(len(MORPH) - 1))
def test_dilation_erosion_gradients_numerically(case, backend):
    xshape, fshape, strides, rates, padding = MORPH[case]
    x = RNG.normal(size=xshape)
    f = RNG.normal(size=fshape)
    for fn in (nn_more_ops.dilation2d, nn_more_ops.erosion2d):
        check_gradients(lambda a, b, fn=fn: fn(a, b, strides, rates, padding), [x, f],
                        backend=backend[0], device=backend[1], raise_on_failure=True)


def test_dilation_ties_share_the_gradient(session):
    # Every tap of every window ties: flowkit shares each output's gradient equally between
    # them (reduce_max's rule); TF gives it all to the first tap.
    with tf.Graph().as_default() as g:
        x = tf.zeros([1, 1, 3, 1])
        y = nn_more_ops.dilation2d(x, tf.zeros([1, 2, 1]), [1, 1, 1, 1], [1, 1, 1, 1],
                                   "VALID")
        gx = tf.gradients(y, x)[0]
        got = session(graph=g).run(gx)
    np.testing.assert_allclose(got.ravel(), [0.5, 1.0, 0.5])


def _np_dilation(x, f, strides, rates, padding):
    """A direct loop over TF's documented formula (taps outside the image are skipped)."""
    b, h, w, c = x.shape
    kh, kw, _ = f.shape
    eff_h, eff_w = (kh - 1) * rates[1] + 1, (kw - 1) * rates[2] + 1
    if padding == "SAME":
        oh, ow = -(-h // strides[1]), -(-w // strides[2])
        top = max((oh - 1) * strides[1] + eff_h - h, 0) // 2
        left = max((ow - 1) * strides[2] + eff_w - w, 0) // 2
    else:
        oh, ow = (h - eff_h) // strides[1] + 1, (w - eff_w) // strides[2] + 1
        top = left = 0
    out = np.full((b, oh, ow, c), -np.inf)
    for i in range(oh):
        for j in range(ow):
            for dy in range(kh):
                for dx in range(kw):
                    r = i * strides[1] - top + dy * rates[1]
                    q = j * strides[2] - left + dx * rates[2]
                    if 0 <= r < h and 0 <= q < w:
                        out[:, i, j] = np.maximum(out[:, i, j], x[:, r, q] + f[dy, dx])
    return out


def test_dilation_formula_with_unknown_sizes(session):
    fv = RNG.normal(size=(2, 3, 2))
    xv = RNG.normal(size=(2, 5, 4, 2))
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float64, [None, None, None, 2])
        y = nn_more_ops.dilation2d(x, tf.constant(fv), [1, 2, 1, 1], [1, 1, 2, 1], "SAME")
        e = nn_more_ops.erosion2d(x, tf.constant(fv), [1, 1, 2, 1], [1, 2, 1, 1], "VALID")
        z = nn_more_ops.erosion2d(tf.zeros([3, 7, 9, 2]), fv.astype(np.float32),
                                  [1, 2, 2, 1], [1, 1, 1, 1], "VALID")
        assert y.shape.as_list() == [None, None, None, 2]
        assert z.shape.as_list() == [3, 3, 4, 2]
        got_y, got_e = session(graph=g).run([y, e], {x: xv})
    np.testing.assert_allclose(got_y, _np_dilation(xv, fv, [1, 2, 1, 1], [1, 1, 2, 1],
                                                   "SAME"), rtol=1e-12)
    np.testing.assert_allclose(got_e, -_np_dilation(-xv, fv[::-1, ::-1], [1, 1, 2, 1],
                                                    [1, 2, 1, 1], "VALID"), rtol=1e-12)


@pytest.mark.parametrize("call, error, words", [
    (lambda x, f: nn_more_ops.dilation2d(x, f, [1, 1, 1], [1, 1, 1, 1], "SAME"),
     ValueError, "strides"),
    (lambda x, f: nn_more_ops.dilation2d(x, f, [2, 1, 1, 1], [1, 1, 1, 1], "SAME"),
     ValueError, "strides"),
    (lambda x, f: nn_more_ops.dilation2d(x, f, [1, 1, 1, 1], [1, 0, 1, 1], "SAME"),
     ValueError, "rates"),
    (lambda x, f: nn_more_ops.dilation2d(x, f, [1, 1, 1, 1], [1, 1, 1, 1], "FULL"),
     ValueError, "padding"),
    (lambda x, f: nn_more_ops.dilation2d(x, f[:, :, :1], [1, 1, 1, 1], [1, 1, 1, 1],
                                         "SAME"), ValueError, "same depth"),
    (lambda x, f: nn_more_ops.dilation2d(x, tf.cast(f, tf.float64), [1, 1, 1, 1],
                                         [1, 1, 1, 1], "SAME"), TypeError, "float64"),
    (lambda x, f: nn_more_ops.dilation2d(x[0], f, [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
     ValueError, "4-D"),
    (lambda x, f: nn_more_ops.dilation2d(x, f, [1, 1, 1, 1], [1, 4, 1, 1], "VALID"),
     ValueError, "Negative dimension"),
    (lambda x, f: nn_more_ops.erosion2d(x, f[0], [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
     ValueError, "kernel"),
    (lambda x, f: nn_more_ops.dilation2d(tf.cast(x, tf.bool), tf.cast(f, tf.bool),
                                         [1, 1, 1, 1], [1, 1, 1, 1], "SAME"),
     TypeError, "real number"),
])
def test_dilation_errors(call, error, words):
    with tf.Graph().as_default():
        x = tf.zeros([1, 4, 4, 2])
        f = tf.zeros([2, 2, 2])
        with pytest.raises(error, match=words):
            call(x, f)


# --------------------------------------------------------------------------------------------
# with_space_to_batch
# --------------------------------------------------------------------------------------------
W4 = RNG.normal(size=(3, 2, 2, 4)).astype(np.float32)


def _wstb_program(lib, mod):
    """Outputs of with_space_to_batch over a convolution, a pool and a windowed sum along
    non-adjacent dims, for several rates and both paddings."""
    x = lib.placeholder(lib.float32, [2, 9, 8, 2], name="x")
    xu = lib.placeholder(lib.float32, [None, None, None, 2], name="xu")
    w = lib.constant(W4)

    def conv(i, n, p):
        assert n == 2
        return lib.nn.conv2d(i, w, [1, 1, 1, 1], p)

    def pool(i, n, p):
        return lib.nn.max_pool(i, [1, 2, 3, 1], [1, 1, 1, 1], p)

    def window_sum(i, n, p):      # a VALID [2, 2] window over dims 1 and 3
        assert p == "VALID"
        return i[:, :-1, :, :-1] + i[:, 1:, :, 1:] * 2.0

    outs = []
    for rate in ([2, 2], [2, 3], [3, 1], [1, 1]):
        for padding in ("VALID", "SAME"):
            outs.append(mod.with_space_to_batch(x, rate, padding, conv, filter_shape=[3, 2]))
            outs.append(mod.with_space_to_batch(x, rate, padding, pool, filter_shape=[2, 3]))
    outs.append(mod.with_space_to_batch(xu, [2, 3], "SAME", conv, filter_shape=[3, 2]))
    outs.append(mod.with_space_to_batch(xu, lib.constant([3, 2]), "VALID", conv))
    xt = lib.transpose(x, [0, 1, 3, 2])
    outs.append(mod.with_space_to_batch(xt, [2, 2], "VALID", window_sum, spatial_dims=[1, 3]))
    outs.append(mod.with_space_to_batch(xt, [3, 2], "SAME", window_sum, filter_shape=[2, 2],
                                        spatial_dims=[1, 3]))
    xc = lib.transpose(x, [0, 3, 1, 2])        # NCHW: the spatial dims are 2 and 3
    outs.append(mod.with_space_to_batch(
        xc, [2, 2], "SAME", lambda i, n, p: lib.transpose(lib.nn.avg_pool(
            lib.transpose(i, [0, 2, 3, 1]), [1, 2, 2, 1], [1, 1, 1, 1], p), [0, 3, 1, 2]),
        filter_shape=[2, 2], data_format="NCHW"))
    return x, xu, outs


def test_with_space_to_batch_matches_tf(session, tf1):
    xv = RNG.normal(size=(2, 9, 8, 2)).astype(np.float32)
    with tf.Graph().as_default() as g:
        x, xu, outs = _wstb_program(tf, nn_more_ops)
        grads = tf.gradients(tf.add_n([tf.reduce_sum(o * o) for o in outs]), [x, xu])
        got = session(graph=g).run(outs + grads, {x: xv, xu: xv})
        assert [o.shape.as_list() for o in outs[:16]] == [list(v.shape) for v in got[:16]]
    with tf1.Graph().as_default() as g:
        x, xu, outs = _wstb_program(tf1, tf1.nn)
        grads = tf1.gradients(tf1.add_n([tf1.reduce_sum(o * o) for o in outs]), [x, xu])
        with tf1.Session(graph=g) as s:
            want = s.run(outs + grads, {x: xv, xu: xv})
    for k, (a, b) in enumerate(zip(got, want)):
        assert a.shape == b.shape, k
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5, err_msg=str(k))


def test_with_space_to_batch_nchw_is_nhwc_transposed():
    xv = RNG.normal(size=(2, 9, 8, 2)).astype(np.float32)
    with tf.Graph().as_default():
        x, _, outs = _wstb_program(tf, nn_more_ops)
        nhwc = nn_more_ops.with_space_to_batch(
            x, [2, 2], "SAME", lambda i, n, p: tf.nn.avg_pool(i, [1, 2, 2, 1], [1, 1, 1, 1],
                                                               p), filter_shape=[2, 2])
        with tf.Session() as sess:
            a, b = sess.run([outs[-1], nhwc], {x: xv})
    np.testing.assert_allclose(a, np.transpose(b, [0, 3, 1, 2]), rtol=1e-6)


def test_with_space_to_batch_fed_rate_matches_constant_rate(session):
    xv = RNG.normal(size=(2, 9, 8, 2)).astype(np.float32)
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [None, None, None, 2])
        rate = tf.placeholder(tf.int32, [2])

        def conv(i, n, p):
            return tf.nn.conv2d(i, tf.constant(W4), [1, 1, 1, 1], p)
        fed = [nn_more_ops.with_space_to_batch(x, rate, p, conv, filter_shape=[3, 2])
               for p in ("VALID", "SAME")]
        const = [nn_more_ops.with_space_to_batch(x, [2, 3], p, conv, filter_shape=[3, 2])
                 for p in ("VALID", "SAME")]
        got = session(graph=g).run(fed + const, {x: xv, rate: [2, 3]})
    assert got[0].shape == (2, 5, 5, 4) and got[1].shape == (2, 9, 8, 4)
    np.testing.assert_allclose(got[0], got[2], rtol=1e-6)
    np.testing.assert_allclose(got[1], got[3], rtol=1e-6)


def test_with_space_to_batch_rate_one_calls_op_directly():
    seen = []

    def op(i, n, p):
        seen.append((i, n, p))
        return i

    with tf.Graph().as_default():
        x = tf.zeros([1, 4, 4, 1])
        assert nn_more_ops.with_space_to_batch(x, [1, 1], "SAME", op) is x
        assert seen == [(x, 2, "SAME")]
        nn_more_ops.with_space_to_batch(x, [2, 1], "SAME", op, filter_shape=[2, 2])
        assert seen[-1][1:] == (2, "VALID") and seen[-1][0].op.type == "SpaceToBatchND"


def test_with_space_to_batch_gradient_numerically(backend):
    w = RNG.normal(size=(2, 3, 1, 2))

    def build(x):
        return nn_more_ops.with_space_to_batch(
            x, [2, 3], "SAME", lambda i, n, p: tf.nn.conv2d(i, tf.constant(w), [1, 1, 1, 1],
                                                            p), filter_shape=[2, 3])
    check_gradients(build, [RNG.normal(size=(1, 5, 7, 1))], backend=backend[0],
                    device=backend[1], raise_on_failure=True)


@pytest.mark.parametrize("kwargs, error, words", [
    (dict(dilation_rate=[2, 2], padding="SAME"), ValueError, "filter_shape"),
    (dict(dilation_rate=[2, 0], padding="VALID"), ValueError, "positive"),
    (dict(dilation_rate=[2, 2], padding="FULL"), ValueError, "padding"),
    (dict(dilation_rate=[[2, 2]], padding="VALID"), ValueError, "vector"),
    (dict(dilation_rate=[2, 2], padding="VALID", spatial_dims=[2, 1]), ValueError,
     "monotonically"),
    (dict(dilation_rate=[2, 2], padding="VALID", spatial_dims=[1, 4]), ValueError,
     "rank at least 5"),
])
def test_with_space_to_batch_errors(kwargs, error, words):
    with tf.Graph().as_default():
        with pytest.raises(error, match=words):
            nn_more_ops.with_space_to_batch(tf.zeros([1, 4, 4, 1]), op=lambda i, n, p: i,
                                            **kwargs)


# --------------------------------------------------------------------------------------------
# static_bidirectional_rnn
# --------------------------------------------------------------------------------------------
B, T, D = 3, 5, 4


def _birnn_program(with_lengths):
    def build(mod):
        if mod is tf:
            cells, birnn = fk_rnn.rnn_cell, fk_rnn.static_bidirectional_rnn
        else:
            cells, birnn = mod.nn.rnn_cell, mod.nn.static_bidirectional_rnn
        x = mod.placeholder(mod.float32, [B, T, D], name="x")
        lengths = mod.placeholder(mod.int32, [B], name="lengths")
        outs, sf, sb = birnn(cells.BasicLSTMCell(6), cells.GRUCell(3), mod.unstack(x, axis=1),
                             dtype=mod.float32,
                             sequence_length=lengths if with_lengths else None)
        out = mod.stack(outs, axis=1)
        states = [sf.c, sf.h, sb]
        loss = mod.reduce_sum(out * out) + sum(mod.reduce_sum(mod.sin(s)) for s in states)
        grads = mod.gradients(loss, mod.trainable_variables() + [x])
        return {"x": x, "lengths": lengths, "out": out, "states": states, "grads": grads}
    return build


def _flat(values):
    return [a for item in values for a in (item if isinstance(item, list) else [item])]


@pytest.mark.parametrize("with_lengths", [False, True])
def test_static_bidirectional_rnn_matches_tf(with_lengths, session, tf1):
    fk, ref = make_pair(_birnn_program(with_lengths), session, tf1)
    rng = np.random.default_rng(2)
    feed = {"x": rng.normal(size=(B, T, D)).astype(np.float32),
            "lengths": np.array([5, 2, 0], np.int32)}
    got = fk.run(["out", "states", "grads"], feed)
    want = ref.run(["out", "states", "grads"], feed)
    got, want = _flat(got), _flat(want)
    assert len(got) == len(want)
    for k, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5, err_msg=str(k))
    out = got[0]
    assert out.shape == (B, T, 9)
    if with_lengths:
        assert np.all(out[1, 2:] == 0) and np.all(out[2] == 0)
    else:
        assert np.all(out[:, :, 6:] != 0)


def test_static_bidirectional_rnn_scopes_and_order():
    with tf.Graph().as_default():
        steps = [tf.placeholder(tf.float32, [2, 3]) for _ in range(4)]
        cells = fk_rnn.rnn_cell
        outs, sf, sb = fk_rnn.static_bidirectional_rnn(
            cells.BasicRNNCell(2), cells.BasicRNNCell(5), steps, dtype=tf.float32)
        names = [v.name for v in tf.global_variables()]
        assert names == ["bidirectional_rnn/fw/basic_rnn_cell/kernel:0",
                         "bidirectional_rnn/fw/basic_rnn_cell/bias:0",
                         "bidirectional_rnn/bw/basic_rnn_cell/kernel:0",
                         "bidirectional_rnn/bw/basic_rnn_cell/bias:0"]
        assert len(outs) == 4 and [o.shape.as_list() for o in outs] == [[2, 7]] * 4
        assert sf.shape.as_list() == [2, 2] and sb.shape.as_list() == [2, 5]
        # the backward state is its output at step 0 (it read the steps last to first)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            feed = {s: np.random.default_rng(k).normal(size=(2, 3)) for k, s in
                    enumerate(steps)}
            o0, o3, f, b = sess.run([outs[0], outs[3], sf, sb], feed)
    np.testing.assert_allclose(o0[:, 2:], b, rtol=1e-6)
    np.testing.assert_allclose(o3[:, :2], f, rtol=1e-6)


@pytest.mark.parametrize("args, error, words", [
    (lambda c: (object(), c, [tf.zeros([2, 3])]), TypeError, "cell_fw"),
    (lambda c: (c, None, [tf.zeros([2, 3])]), TypeError, "cell_bw"),
    (lambda c: (c, c, tf.zeros([2, 3])), TypeError, "list"),
    (lambda c: (c, c, []), ValueError, "empty"),
])
def test_static_bidirectional_rnn_errors(args, error, words):
    with tf.Graph().as_default():
        with pytest.raises(error, match=words):
            fk_rnn.static_bidirectional_rnn(*args(fk_rnn.rnn_cell.GRUCell(2)),
                                            dtype=tf.float32)
