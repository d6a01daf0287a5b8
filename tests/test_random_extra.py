"""random_ops: multinomial / tf.random.categorical, random_gamma, random_poisson and
random_crop (checked statistically on every backend, and against TF1 for shapes and
dtypes), and the ``tf.random`` namespace."""
import numpy as np
import pytest

import flowkit as tf
from flowkit import tf_random
from tests._tf_compare import run_tf1


# ------------------------------------------------------------------------------ multinomial
def test_multinomial_frequencies(session):
    probs = np.array([[0.1, 0.6, 0.3, 0.0], [0.25, 0.25, 0.25, 0.25]])
    with np.errstate(divide="ignore"):
        logits = np.log(probs).astype(np.float32) + 3.0     # shifted: still the same law
    n = 20000
    draws = tf.multinomial(logits, n, seed=3)
    assert draws.dtype == tf.int64 and draws.shape.as_list() == [2, n]
    with session() as sess:
        v = sess.run(draws)
    assert v.dtype == np.int64 and v.shape == (2, n)
    for row, p in zip(v, probs):
        freq = np.bincount(row, minlength=4) / n
        np.testing.assert_allclose(freq, p, atol=4 * np.sqrt(0.25 / n))
        assert freq[p == 0].sum() == 0


def test_categorical_dtype_and_dynamic_num_samples(session):
    logits = tf.placeholder(tf.float64, [None, 3])
    k = tf.placeholder(tf.int32, [])
    draws = tf_random.categorical(logits, k, dtype=tf.int32, seed=1)
    assert draws.dtype == tf.int32 and draws.shape.as_list() == [None, None]
    with session() as sess:
        v = sess.run(draws, {logits: [[0.0, -np.inf, 50.0]] * 2, k: 7})
    assert v.dtype == np.int32 and v.shape == (2, 7) and (v == 2).all()


def test_multinomial_seed_repeats_and_errors(session):
    draws = tf.multinomial([[0.0, 0.0, 0.0]], 10, seed=5)
    with session() as sess:
        a, b = sess.run(draws), sess.run(draws)
    with session() as sess:
        c = sess.run(draws)
    np.testing.assert_array_equal(a, c)
    assert not np.array_equal(a, b)                 # each run draws new numbers
    with pytest.raises(ValueError, match="2-D"):
        tf.multinomial([0.0, 1.0], 3)
    with pytest.raises(TypeError, match="output_dtype"):
        tf.multinomial([[0.0, 1.0]], 3, output_dtype=tf.float32)


def test_multinomial_against_tf1_shapes(tf1):
    want = run_tf1(tf1, lambda: tf1.multinomial([[0.0, 1.0]], 4, output_dtype=tf1.int32))
    got = tf.multinomial([[0.0, 1.0]], 4, output_dtype=tf.int32)
    with tf.Session() as sess:
        v = sess.run(got)
    assert v.dtype == want.dtype and v.shape == want.shape


# ------------------------------------------------------------------------------ gamma
def test_random_gamma_moments(session):
    alpha = np.array([0.5, 2.0, 9.0], np.float32)
    beta = np.array([[1.0], [4.0]], np.float32)
    x = tf.random_gamma([20000], alpha, beta, seed=2)
    assert x.shape.as_list() == [20000, 2, 3] and x.dtype == tf.float32
    with session() as sess:
        v = sess.run(x)
    assert v.shape == (20000, 2, 3) and (v > 0).all()
    mean, var = alpha / beta, alpha / beta ** 2
    np.testing.assert_allclose(v.mean(0), mean, rtol=0.05)
    np.testing.assert_allclose(v.var(0), var, rtol=0.1)


def test_random_gamma_float64_gradient_to_beta(session):
    beta = tf.constant([2.0, 0.5], tf.float64)
    x = tf.random_gamma([4], 3.0, beta, dtype=tf.float64, seed=1)
    g = tf.gradients(tf.reduce_sum(x), [beta])[0]
    with session() as sess:
        v, gv = sess.run([x, g])
    assert v.dtype == np.float64 and v.shape == (4, 2)
    # x = s / beta: dx/d beta = -s / beta**2 = -x / beta
    np.testing.assert_allclose(gv, -v.sum(0) / np.array([2.0, 0.5]), rtol=1e-10)


def test_random_gamma_against_tf1_shapes(tf1):
    want = run_tf1(tf1, lambda: tf1.random_gamma([3, 2], [[1.0, 2.0]], beta=[[1.0], [3.0]]))
    with tf.Session() as sess:
        v = sess.run(tf.random_gamma([3, 2], [[1.0, 2.0]], beta=[[1.0], [3.0]]))
    assert v.dtype == want.dtype and v.shape == want.shape


# ------------------------------------------------------------------------------ poisson
@pytest.mark.parametrize("dtype", [tf.float32, tf.int32, tf.int64])
def test_random_poisson_moments(session, dtype):
    lam = np.array([0.5, 4.0, 30.0], np.float32)
    x = tf.random_poisson(lam, [20000], dtype=dtype, seed=4)
    assert x.shape.as_list() == [20000, 3] and x.dtype == dtype
    with session() as sess:
        v = sess.run(x)
    assert v.dtype == dtype.as_numpy_dtype and (v >= 0).all() and (v == np.round(v)).all()
    np.testing.assert_allclose(v.mean(0), lam, rtol=0.05)
    np.testing.assert_allclose(v.var(0), lam, rtol=0.1)


def test_random_poisson_against_tf1_shapes(tf1):
    want = run_tf1(tf1, lambda: tf1.random.poisson([[1.0, 2.0]], [5], dtype=tf1.int64))
    with tf.Session() as sess:
        v = sess.run(tf_random.poisson([[1.0, 2.0]], [5], dtype=tf.int64))
    assert v.dtype == want.dtype and v.shape == want.shape


# ------------------------------------------------------------------------------ random_crop
def test_random_crop_windows_cover_every_offset(session):
    img = np.arange(4 * 5 * 2).reshape(4, 5, 2).astype(np.float32)
    crop = tf.random_crop(img, [2, 3, 2], seed=6)
    assert crop.shape.as_list() == [2, 3, 2]
    seen = set()
    with session() as sess:
        for _ in range(150):
            v = sess.run(crop)
            r0, c0 = np.argwhere(img == v[0, 0, 0])[0][:2]
            np.testing.assert_array_equal(v, img[r0:r0 + 2, c0:c0 + 3])
            seen.add((int(r0), int(c0)))
    assert seen == {(r, c) for r in range(3) for c in range(3)}


def test_random_crop_gradient_and_errors(session):
    x = tf.constant(np.arange(12.0).reshape(3, 4))
    crop = tf.random_crop(x, [2, 2], seed=1)
    g = tf.gradients(tf.reduce_sum(crop * 3.0), [x])[0]
    with session() as sess:
        v, gv = sess.run([crop, g])
    assert gv.sum() == 12.0 and set(np.unique(gv).tolist()) == {0.0, 3.0}
    np.testing.assert_array_equal(np.argwhere(gv > 0).min(0),
                                  np.argwhere(np.arange(12.0).reshape(3, 4) == v[0, 0])[0])
    with pytest.raises(ValueError, match="value.shape >= size"):
        tf.random_crop(x, [4, 2])
    with pytest.raises(ValueError, match="rank"):
        tf.random_crop(x, [2])


# ------------------------------------------------------------------------------ namespace
def test_tf_random_namespace():
    assert tf_random.normal is tf.random_normal
    assert tf_random.uniform is tf.random_uniform
    assert tf_random.shuffle is tf.random_shuffle
    assert tf_random.truncated_normal is tf.truncated_normal
    assert tf_random.multinomial is tf.multinomial
    assert tf_random.gamma is tf.random_gamma and tf_random.poisson is tf.random_poisson
    assert tf_random.set_random_seed is tf.set_random_seed
    assert tf_random.log_uniform_candidate_sampler is tf.nn.log_uniform_candidate_sampler
    for name in tf_random.__all__:
        assert callable(getattr(tf_random, name)), name
    with pytest.raises(AttributeError, match="normal"):
        tf_random.nromal   # noqa: B018


def test_tf_random_get_seed():
    with tf.Graph().as_default():
        assert tf_random.get_seed(None) == (None, None)
        assert tf_random.get_seed(3)[1] == 3
        tf_random.set_random_seed(7)
        assert tf_random.get_seed(None)[0] == 7
