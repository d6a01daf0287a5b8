"""tf.nn.fractional_max_pool / fractional_avg_pool (flowkit/ops/fractional_pool_ops.py).

flowkit draws its pooling sequences with its own generators, so the differential tests run
TensorFlow's op, take the sequences it returned, and pool with those sequences in flowkit:
outputs and gradients must then be TF's. The sequences flowkit draws are checked against the
rules TF documents (0 to the input size, out + 1 boundaries, steps of K or K + 1)."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import fractional_pool_ops as fp

CONFIGS = [
    ((2, 10, 7, 3), [1.0, 1.44, 1.73, 1.0]),
    ((1, 9, 9, 2), [1.0, 2.0, 1.5, 1.0]),
    ((2, 5, 8, 1), [1.0, 1.0, 3.7, 1.0]),
    ((1, 11, 6, 2), [1.0, 2.9, 1.2, 1.0]),
]


def _tf_run(tf1, kind, shape, ratio, pseudo_random, overlapping, dtype, value, weights):
    g = tf1.Graph()
    with g.as_default():
        x = tf1.placeholder(dtype, shape)
        pool = tf1.nn.fractional_max_pool if kind == "max" else tf1.nn.fractional_avg_pool
        out, rows, cols = pool(x, ratio, pseudo_random=pseudo_random, overlapping=overlapping)
        grad = tf1.gradients(tf1.reduce_sum(out * weights), x)[0] \
            if dtype in (tf1.float32, tf1.float64) else out
        with tf1.Session(graph=g) as sess:
            result = sess.run([out, rows, cols, grad], {x: value})
    return result + [out.shape.as_list()]


@pytest.mark.tf
@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("overlapping", [False, True])
@pytest.mark.parametrize("pseudo_random", [False, True])
@pytest.mark.parametrize("config", range(len(CONFIGS)))
def test_pooling_with_tf_sequences_matches_tf(config, pseudo_random, overlapping, kind,
                                              session, tf1):
    shape, ratio = CONFIGS[config]
    rng = np.random.default_rng(config)
    for dtype in ("float32", "float64"):
        value = rng.normal(size=shape).astype(dtype)
        out_shape = [shape[0], int(shape[1] // ratio[1]), int(shape[2] // ratio[2]), shape[3]]
        weights = rng.normal(size=out_shape).astype(dtype)
        want, rows, cols, want_grad, tf_static = _tf_run(
            tf1, kind, shape, ratio, pseudo_random, overlapping, getattr(tf1, dtype), value,
            weights)
        with tf.Graph().as_default() as g:
            x = tf.placeholder(getattr(tf, dtype), shape)
            pool = fp.fractional_max_pool_with_sequences if kind == "max" else \
                fp.fractional_avg_pool_with_sequences
            out = pool(x, rows, cols, overlapping=overlapping)
            grad = tf.gradients(tf.reduce_sum(out * weights), x)[0]
            public = (fp.fractional_max_pool if kind == "max" else fp.fractional_avg_pool)(
                x, ratio, pseudo_random=pseudo_random, overlapping=overlapping)
            got, got_grad, mine = session(graph=g).run([out, grad, public], {x: value})
        assert out.shape.as_list() == tf_static == public.output.shape.as_list()
        assert mine.output.shape == want.shape and mine.output.dtype == want.dtype
        assert mine.row_pooling_sequence.shape == rows.shape and \
            mine.col_pooling_sequence.shape == cols.shape
        assert public.row_pooling_sequence.shape.as_list() == [len(rows)]
        tol = 1e-6 if dtype == "float32" else 1e-12
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol)
        np.testing.assert_allclose(got_grad, want_grad, rtol=10 * tol, atol=10 * tol)


@pytest.mark.tf
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_integer_pooling_matches_tf(kind, session, tf1):
    shape, ratio = (2, 10, 7, 3), [1.0, 1.44, 1.73, 1.0]
    value = np.random.default_rng(1).integers(-100, 100, shape).astype(np.int32)
    want, rows, cols, _, _ = _tf_run(tf1, kind, shape, ratio, False, True, tf1.int32, value,
                                     None)
    with tf.Graph().as_default() as g:
        pool = fp.fractional_max_pool_with_sequences if kind == "max" else \
            fp.fractional_avg_pool_with_sequences
        out = pool(tf.constant(value), rows, cols, overlapping=True)
        got = session(graph=g).run(out)
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, want)


def test_overlapping_example_of_tf_docs(session):
    with tf.Graph().as_default() as g:
        x = tf.reshape(tf.constant([20.0, 5.0, 16.0, 3.0, 7.0]), [1, 1, 5, 1])
        over = fp.fractional_max_pool_with_sequences(x, [0, 1], [0, 2, 4], overlapping=True)
        apart = fp.fractional_max_pool_with_sequences(x, [0, 1], [0, 2, 4])
        avg = fp.fractional_avg_pool_with_sequences(x, [0, 1], [0, 2, 4], overlapping=True)
        a, b, c = session(graph=g).run([over, apart, avg])
    np.testing.assert_array_equal(a.ravel(), [20, 16])
    np.testing.assert_array_equal(b.ravel(), [20, 16])
    np.testing.assert_allclose(c.ravel(), [41 / 3, 26 / 3], rtol=1e-6)


def test_max_gradient_goes_to_the_first_maximum_and_avg_spreads(session):
    x = np.zeros((1, 3, 4, 1), np.float32)
    x[0, 1, 1] = x[0, 2, 0] = 5.0            # a tie in region (rows 0-2, cols 0-1)
    with tf.Graph().as_default() as g:
        v = tf.constant(x)
        gmax = tf.gradients(tf.reduce_sum(fp.fractional_max_pool_with_sequences(
            v, [0, 3], [0, 2, 4]) * [[[[2.0], [3.0]]]]), v)[0]
        gavg = tf.gradients(tf.reduce_sum(fp.fractional_avg_pool_with_sequences(
            v, [0, 3], [0, 2, 4], overlapping=True) * [[[[2.0], [3.0]]]]), v)[0]
        dmax, davg = session(graph=g).run([gmax, gavg])
    want = np.zeros_like(x)
    want[0, 1, 1] = 2.0                      # row-major first of the tie
    want[0, 0, 2] = 3.0                      # all zeros: the region's first cell
    np.testing.assert_array_equal(dmax, want)
    # region 0 covers columns 0-2 (overlapping), region 1 columns 2-3: column 2 gets both
    np.testing.assert_allclose(davg[0, :, :, 0], np.array(
        [[2 / 9, 2 / 9, 2 / 9 + 3 / 6, 3 / 6]] * 3), rtol=1e-6)


def _check_sequence(seq, n, out):
    k = n // out
    assert seq.dtype == np.int64 and len(seq) == out + 1
    assert seq[0] == 0 and seq[-1] == n
    assert set(np.diff(seq)) <= {k, k + 1}


@pytest.mark.parametrize("pseudo_random", [False, True])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_sequences_follow_tf_rules_and_change_per_run(kind, pseudo_random, session):
    pool = fp.fractional_max_pool if kind == "max" else fp.fractional_avg_pool
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [1, None, None, 1])
        out, rows, cols = pool(x, [1.0, 1.44, 1.73, 1.0], pseudo_random=pseudo_random)
        sess = session(graph=g)
        seen = set()
        for h, w in ((10, 7), (25, 31), (3, 2)):
            for _ in range(8):
                o, r, c = sess.run([out, rows, cols], {x: np.ones((1, h, w, 1), np.float32)})
                oh, ow = int(h // 1.44), int(w // 1.73)
                assert o.shape == (1, oh, ow, 1)
                _check_sequence(r, h, oh)
                _check_sequence(c, w, ow)
                seen.add((h, tuple(r), tuple(c)))
        assert len([s for s in seen if s[0] == 25]) > 1        # new sequences each run


def test_deterministic_sequences(session, backend):
    def draw(seed, seed2):
        with tf.Graph().as_default() as g:
            x = tf.ones([1, 25, 31, 1])
            _, rows, cols = fp.fractional_max_pool(x, [1.0, 1.44, 1.73, 1.0],
                                                   deterministic=True, seed=seed, seed2=seed2)
            sess = session(graph=g)
            runs = [np.concatenate(sess.run([rows, cols])) for _ in range(4)]
        assert all(np.array_equal(runs[0], r) for r in runs)   # the same at every run
        return runs[0]
    np.testing.assert_array_equal(draw(3, 5), draw(3, 5))        # and in every session
    others = [draw(s, 1) for s in range(1, 6)]
    assert len({tuple(o) for o in others}) > 1
    draw(0, 0)


def test_run_time_errors(session):
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [2, None, None, 3])
        sess = session(graph=g)
        seeded = fp.fractional_max_pool(x, [1.0, 1.5, 1.5, 1.0], seed=3)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Both seed and seed2 should be 0 if deterministic is false"):
            sess.run(seeded.output, {x: np.ones((2, 5, 5, 3))})
        batch = fp.fractional_avg_pool(x, [2.0, 1.5, 1.5, 1.0])
        with pytest.raises(tf.errors.UnimplementedError, match="batch nor channel"):
            sess.run(batch.output, {x: np.ones((2, 5, 5, 3))})
        big = fp.fractional_max_pool(x, [1.0, 6.0, 1.5, 1.0])
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match="Pooling ratio is higher than input dimension size for "
                                 "dimension 1. Input dim size: 5 pooling ratio: 6"):
            sess.run(big.output, {x: np.ones((2, 5, 5, 3))})


def test_construction_errors():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 5, 5, 3])
        with pytest.raises(ValueError, match="pooling_ratio cannot be smaller than 1"):
            fp.fractional_max_pool(x, [1.0, 0.5, 1.0, 1.0])
        with pytest.raises(ValueError, match="less than minimum 4"):
            fp.fractional_avg_pool(x, [1.0, 2.0, 2.0])
        with pytest.raises(TypeError, match="Expected list for 'pooling_ratio'"):
            fp.fractional_avg_pool(x, 2.0)
        with pytest.raises(ValueError, match="must be rank 4"):
            fp.fractional_max_pool(tf.zeros([2, 3, 3]), [1.0, 2.0, 2.0, 1.0])
        with pytest.raises(TypeError, match="not in list of allowed values"):
            fp.fractional_max_pool(tf.zeros([1, 3, 3, 1], tf.bool), [1.0, 2.0, 2.0, 1.0])
        with pytest.raises(ValueError, match="int64"):
            fp.fractional_max_pool_with_sequences(x, tf.constant([0, 5]), [0, 5])


def test_names_and_result_type():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 10, 7, 3])
        res = fp.fractional_avg_pool(x, [1.0, 1.44, 1.73, 1.0])
        assert type(res).__name__ == "FractionalAvgPool"
        assert res.output.op.name == "FractionalAvgPool"
        assert res.output.shape.as_list() == [2, 6, 4, 3]
        assert res.row_pooling_sequence.dtype == tf.int64
        assert [s.shape.as_list() for s in res[1:]] == [[7], [5]]
        assert fp.fractional_max_pool(x, [1.0, 1.44, 1.73, 1.0], name="fmp").output.op.name \
            == "fmp"
