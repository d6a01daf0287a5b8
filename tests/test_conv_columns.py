"""The NumPy convolutions' chunked im2col and the im2col matrix the forward convolution keeps
for the filter gradient (plugins/flowkit_numpy/kernels_nn.py, issue 17)."""
from __future__ import annotations

import numpy as np
import pytest

import flowkit as tf
from flowkit import plugins
from flowkit.backend import Scratch

ATTRS = {"strides": [1, 1, 1, 1], "padding": "SAME", "dilations": [1, 1, 1, 1],
         "data_format": "NHWC"}


def _nn():
    import flowkit_numpy.kernels_nn as nn
    return nn


def _reference_conv(x, f, attrs):
    """Conv2D written out tap by tap in float64 (no im2col, no chunks)."""
    kh, kw, _, co = f.shape
    s, d = attrs["strides"], attrs["dilations"]
    from flowkit.backend import conv_geometry
    oh, ow, ph, pw = conv_geometry(x.shape[1], x.shape[2], kh, kw, attrs, d)
    xp = np.pad(x.astype(np.float64), ((0, 0), ph, pw, (0, 0)))
    out = np.zeros((x.shape[0], oh, ow, co))
    for i in range(kh):
        for j in range(kw):
            win = xp[:, i * d[1]:i * d[1] + s[1] * (oh - 1) + 1:s[1],
                     j * d[2]:j * d[2] + s[2] * (ow - 1) + 1:s[2], :]
            out += win @ f[i, j].astype(np.float64)
    return out


@pytest.mark.parametrize("attrs", [ATTRS, dict(ATTRS, padding="VALID", strides=[1, 2, 1, 1]),
                                   dict(ATTRS, dilations=[1, 2, 2, 1])])
def test_chunks_give_the_convolution_and_its_gradients(monkeypatch, attrs):
    """With chunks of 2 images (7 images: a short last chunk), the three kernels agree with
    a written-out convolution, and their out= forms with them bit for bit."""
    nn = _nn()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((7, 9, 8, 3)).astype(np.float32)
    f = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    monkeypatch.setattr(nn, "_CHUNK_BYTES", 2 * 9 * 8 * 27 * 4)
    assert nn._chunk(7, 9 * 8, 27, 4) == 2
    y = nn.KERNELS["Conv2D"](attrs, x, f)
    np.testing.assert_allclose(y, _reference_conv(x, f, attrs), rtol=1e-5, atol=1e-5)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    # the gradients, through the written-out convolution's linearity
    sizes = np.array(x.shape, np.int32)
    dx = nn.KERNELS["Conv2DBackpropInput"](attrs, sizes, f, dy)
    df = nn.KERNELS["Conv2DBackpropFilter"](attrs, x, np.array(f.shape, np.int32), dy)
    e = np.zeros_like(x)
    for idx in [(0, 0, 0, 0), (6, 8, 7, 2), (3, 4, 5, 1)]:
        e[idx] = 1
        assert dx[idx] == pytest.approx(float((_reference_conv(e, f, attrs) * dy).sum()),
                                        rel=1e-4, abs=1e-4)
        e[idx] = 0
    ef = np.zeros_like(f)
    for idx in [(0, 0, 0, 0), (2, 1, 2, 3)]:
        ef[idx] = 1
        assert df[idx] == pytest.approx(float((_reference_conv(x, ef, attrs) * dy).sum()),
                                        rel=1e-4, abs=1e-4)
        ef[idx] = 0
    be = plugins.get_backend("numpy")
    sa = dict(attrs, scratch=Scratch())
    for name, args, want in (("Conv2D", (x, f), y),
                             ("Conv2DBackpropInput", (sizes, f, dy), dx),
                             ("Conv2DBackpropFilter", (x, np.array(f.shape, np.int32), dy), df)):
        out = np.empty_like(want)
        assert be.out_kernels[name](sa, out, *args) is out
        assert out.tobytes() == want.tobytes(), name


def test_a_buffer_that_is_not_contiguous_still_gets_the_result():
    be = plugins.get_backend("numpy")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 5, 5, 3)).astype(np.float32)
    f = rng.standard_normal((3, 3, 3, 4)).astype(np.float32)
    want = be.kernels["Conv2D"](ATTRS, x, f)
    out = np.empty((4, 5, 5, 2), np.float32).transpose(3, 2, 1, 0)     # (2, 5, 5, 4), strided
    assert not out.flags.c_contiguous
    assert be.out_kernels["Conv2D"](dict(ATTRS, scratch=Scratch()), out, x, f) is out
    assert np.array_equal(out, want)


def test_the_filter_gradient_uses_the_kept_columns_only_for_the_same_input(monkeypatch):
    nn = _nn()
    be = plugins.get_backend("numpy")
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, 6, 6, 2)).astype(np.float32)
    f = rng.standard_normal((3, 3, 2, 4)).astype(np.float32)
    dy = rng.standard_normal((3, 6, 6, 4)).astype(np.float32)
    sizes = np.array(f.shape, np.int32)
    sa = dict(ATTRS, scratch=Scratch())
    copies = []
    real = nn._columns_into
    monkeypatch.setattr(nn, "_columns_into", lambda *a: (copies.append(a[2].shape[0]),
                                                         real(*a))[1])

    def step(xv):
        copies.clear()
        be.out_kernels["Conv2D"](sa, None, xv, f)
        got = be.out_kernels["Conv2DBackpropFilter"](sa, None, xv, sizes, dy)
        made = list(copies)
        assert got.tobytes() == be.kernels["Conv2DBackpropFilter"](ATTRS, xv, sizes,
                                                                    dy).tobytes()
        return made
    assert step(x) == [3, 3]              # first call: the filter gradient asks for them
    assert step(x) == [3]                 # then the forward keeps its columns, reused
    x2 = x.copy()
    x2[1, 2, 3, 1] = -x2[1, 2, 3, 1]
    assert step(x2) == [3]                # kept for x2 by its forward: reused
    # the same array changed in place after the forward: the columns are not trusted
    copies.clear()
    be.out_kernels["Conv2D"](sa, None, x2, f)
    x2[0, 0, 0, 0] += 1
    got = be.out_kernels["Conv2DBackpropFilter"](sa, None, x2, sizes, dy)
    assert copies == [3, 3]
    assert got.tobytes() == be.kernels["Conv2DBackpropFilter"](ATTRS, x2, sizes, dy).tobytes()
    # -0.0 and 0.0 are different bits: not the same input
    z = np.zeros_like(x)
    copies.clear()
    be.out_kernels["Conv2D"](sa, None, z, f)
    got = be.out_kernels["Conv2DBackpropFilter"](sa, None, -z, sizes, dy)
    assert copies == [3, 3]
    assert got.tobytes() == be.kernels["Conv2DBackpropFilter"](ATTRS, -z, sizes, dy).tobytes()


def test_a_training_plan_keeps_the_columns_and_trains_the_same(monkeypatch):
    """A CNN fed the same array object, changed in place between runs (a reused batch
    buffer): the planned run's losses and weights equal those without planned buffers."""
    def train(planned):
        monkeypatch.setenv("FLOWKIT_PLANNED_BUFFERS", "1" if planned else "0")
        rng = np.random.default_rng(3)
        g = tf.Graph()
        with g.as_default():
            x = tf.placeholder(tf.float32, [None, 10, 10, 2])
            w = tf.Variable((rng.standard_normal((3, 3, 2, 32)) * 0.3).astype(np.float32))
            w2 = tf.Variable((rng.standard_normal((3, 3, 32, 40)) * 0.1).astype(np.float32))
            h = tf.nn.relu(tf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME"))
            h = tf.nn.conv2d(h, w2, [1, 1, 1, 1], "SAME")
            loss = tf.reduce_mean(tf.square(h - 0.5))
            step = tf.train.GradientDescentOptimizer(0.05).minimize(loss)
            init = tf.global_variables_initializer()
        sess = tf.Session(graph=g)
        sess.run(init)
        batch = np.empty((8, 10, 10, 2), np.float32)
        losses = []
        for i in range(5):
            batch[...] = np.random.default_rng(i % 2).standard_normal(batch.shape)
            losses.append(sess.run([loss, step], {x: batch})[0])
        return losses, sess.run([w, w2]), sess
    want_losses, want_w, _ = train(False)
    losses, ws, sess = train(True)
    assert [float(v) for v in losses] == [float(v) for v in want_losses]
    assert all(a.tobytes() == b.tobytes() for a, b in zip(ws, want_w))
    plan = max(sess._plans.values(), key=lambda p: len(p.run))
    kept = [k for k in plan.scratch._memory if isinstance(k, tuple) and k[0] == "columns"
            and plan.scratch.kept(k) is not None]
    assert kept        # the second convolution's columns (its filter gradient is buffered)


def test_scratch_keeps_notes():
    s = Scratch()
    assert s.kept("a") is None
    s.keep("a", 1)
    assert s.kept("a") == 1
    s.keep("a", None)
    assert s.kept("a") is None
