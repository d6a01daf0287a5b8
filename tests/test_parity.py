"""Cross-backend parity: whole training steps give the same losses on every backend."""
import numpy as np
import pytest

import flowkit as tf
from flowkit import plugins

OTHERS = [pytest.param((name, dev), id=f"{name}-{dev}",
                       marks=[pytest.mark.cuda] if dev.startswith("cuda") else [])
          for name in plugins.backend_names() if name != "numpy"
          for dev in plugins.get_backend(name).devices()]


def _mlp(rng):
    x = tf.placeholder(tf.float32, [None, 20], name="x")
    y = tf.placeholder(tf.float32, [None, 5], name="y")
    h = x
    for i, (n_in, n_out) in enumerate([(20, 32), (32, 32), (32, 5)]):
        w = tf.Variable((rng.standard_normal((n_in, n_out)) * 0.3).astype(np.float32))
        b = tf.Variable(np.zeros(n_out, np.float32))
        h = tf.matmul(h, w) + b
        if i < 2:
            h = tf.nn.relu(h)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=h))
    data = (rng.standard_normal((16, 20)).astype(np.float32),
            np.eye(5, dtype=np.float32)[rng.integers(0, 5, 16)])
    return x, y, loss, data


def _cnn(rng):
    x = tf.placeholder(tf.float32, [None, 8, 8, 1], name="x")
    y = tf.placeholder(tf.float32, [None, 4], name="y")
    k1 = tf.Variable((rng.standard_normal((3, 3, 1, 4)) * 0.3).astype(np.float32))
    k2 = tf.Variable((rng.standard_normal((3, 3, 4, 8)) * 0.2).astype(np.float32))
    h = tf.nn.relu(tf.nn.conv2d(x, k1, [1, 1, 1, 1], "SAME"))
    h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    h = tf.nn.relu(tf.nn.conv2d(h, k2, [1, 2, 2, 1], "SAME"))
    h = tf.nn.avg_pool(h, [1, 3, 3, 1], [1, 1, 1, 1], "SAME")
    w = tf.Variable((rng.standard_normal((2 * 2 * 8, 4)) * 0.2).astype(np.float32))
    logits = tf.matmul(tf.reshape(h, [-1, 32]), w)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    data = (rng.standard_normal((6, 8, 8, 1)).astype(np.float32),
            np.eye(4, dtype=np.float32)[rng.integers(0, 4, 6)])
    return x, y, loss, data


def _losses(model, optimizer, backend, device, steps=8):
    g = tf.Graph()
    with g.as_default():
        x, y, loss, (xs, ys) = model(np.random.default_rng(0))
        train = optimizer().minimize(loss)
        init = tf.global_variables_initializer()
    out = []
    with tf.Session(graph=g, backend=backend, device=device) as sess:
        sess.run(init)
        for _ in range(steps):
            out.append(sess.run([train, loss], {x: xs, y: ys})[1])
        out.append(sess.run(loss, {x: xs, y: ys}))
    return np.array(out, dtype=np.float64)


@pytest.mark.parametrize("other", OTHERS)
@pytest.mark.parametrize("model", [_mlp, _cnn], ids=["mlp", "cnn"])
@pytest.mark.parametrize("optimizer", [lambda: tf.train.GradientDescentOptimizer(0.1),
                                       lambda: tf.train.AdamOptimizer(0.01)],
                         ids=["sgd", "adam"])
def test_training_losses_match_step_by_step(other, model, optimizer):
    name, device = other
    if not plugins.get_backend(name).devices().get(device):
        pytest.skip(f"device {device} of backend {name} is not available here")
    want = _losses(model, optimizer, "numpy", "cpu")
    got = _losses(model, optimizer, name, device)
    assert want[-1] < want[0]                       # it trains
    np.testing.assert_allclose(got, want, rtol=1e-4)
