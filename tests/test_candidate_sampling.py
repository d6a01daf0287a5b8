"""candidate_sampling_ops: the candidate samplers (their distributions, uniqueness and expected
counts), compute_accidental_hits, nce_loss and sampled_softmax_loss, on every backend, checked
against TF1's ``tf.compat.v1`` (the sampled losses with the same ``sampled_values`` fed to
both)."""
import numpy as np
import pytest

import flowkit as tf
from tests._tf_compare import run_tf1

TRUE = np.array([[0, 3], [7, 7], [2, 19]], np.int64)


def _chi2_ok(counts, probs, n):
    """Pearson's chi-square of observed ``counts`` against ``n * probs``: below a bound that
    a correct sampler exceeds with probability far under 1e-6 (mean df, sd sqrt(2 df))."""
    expected = n * probs
    keep = expected > 0
    assert counts[~keep].sum() == 0, "a class of probability 0 was drawn"
    stat = float((((counts - expected) ** 2)[keep] / expected[keep]).sum())
    df = keep.sum() - 1
    return stat < df + 7 * np.sqrt(2 * df) + 10, stat


def _log_uniform_p(r):
    k = np.arange(r, dtype=np.float64)
    return (np.log(k + 2) - np.log(k + 1)) / np.log(r + 1)


# ------------------------------------------------------------------------------ distributions
def test_log_uniform_frequencies_follow_the_law(session):
    r, n = 40, 20000
    s = tf.nn.log_uniform_candidate_sampler(TRUE, 2, n, False, r, seed=11)
    with session() as sess:
        draws = np.concatenate([sess.run(s.sampled_candidates) for _ in range(3)])
    assert draws.dtype == np.int64 and draws.min() >= 0 and draws.max() < r
    ok, stat = _chi2_ok(np.bincount(draws, minlength=r), _log_uniform_p(r), draws.size)
    assert ok, stat
    # A uniform law would be rejected by the same test (the test has power).
    assert not _chi2_ok(np.bincount(draws, minlength=r), np.full(r, 1.0 / r), draws.size)[0]


def test_uniform_and_fixed_unigram_frequencies(session):
    unigrams = [5.0, 0.0, 1.0, 3.0, 9.0, 2.0]
    u = tf.nn.uniform_candidate_sampler(TRUE, 2, 30000, False, 20, seed=3)
    f = tf.nn.fixed_unigram_candidate_sampler([[1]], 1, 30000, False, 8, unigrams=unigrams,
                                              num_reserved_ids=2, distortion=0.5, seed=4)
    with session() as sess:
        du, df = sess.run([u.sampled_candidates, f.sampled_candidates])
    assert _chi2_ok(np.bincount(du, minlength=20), np.full(20, 0.05), du.size)[0]
    w = np.concatenate([[0.0, 0.0], np.sqrt(unigrams)])
    ok, stat = _chi2_ok(np.bincount(df, minlength=8), w / w.sum(), df.size)
    assert ok, stat


@pytest.mark.parametrize("sampler", ["log_uniform", "uniform", "learned_unigram"])
def test_unique_draws_distinct_classes(session, sampler):
    fn = getattr(tf.nn, f"{sampler}_candidate_sampler")
    s = fn(TRUE, 2, 12, True, 20, seed=5)
    with session() as sess:
        runs = [sess.run(s) for _ in range(20)]
    for cands, true_ec, sampled_ec in runs:
        assert cands.shape == (12,) and len(set(cands.tolist())) == 12
        assert true_ec.shape == (3, 2) and sampled_ec.shape == (12,)
        assert true_ec.dtype == sampled_ec.dtype == np.float32
        assert (sampled_ec > 0).all() and (sampled_ec <= 1.0 + 1e-6).all()
    assert len({tuple(c.tolist()) for c, _, _ in runs}) > 1       # new numbers each run


def test_unique_expected_counts_use_the_number_of_tries(session):
    """With unique=True every expected count is 1 - (1 - P(k)) ** tries for one number of
    draws ``tries >= num_sampled`` (or num_sampled * P(k) when nothing was rejected)."""
    r, n = 30, 15
    s = tf.nn.log_uniform_candidate_sampler(TRUE, 2, n, True, r, seed=8)
    p = _log_uniform_p(r)
    with session() as sess:
        for _ in range(5):
            cands, true_ec, sampled_ec = sess.run(s)
            ps = np.concatenate([p[TRUE.ravel()], p[cands]])
            got = np.concatenate([true_ec.ravel(), sampled_ec])
            tries = np.log1p(-got[0]) / np.log1p(-ps[0])
            assert tries >= n - 1e-3
            if abs(tries - n) < 1e-3:
                np.testing.assert_allclose(got, n * ps, rtol=1e-5)
            else:
                tries = round(float(tries))
                np.testing.assert_allclose(got, 1 - (1 - ps) ** tries, rtol=1e-5)


def test_seeds_repeat_in_a_new_session(session):
    s = tf.nn.log_uniform_candidate_sampler(TRUE, 2, 8, True, 50, seed=42)
    with session() as sess:
        a = sess.run(s.sampled_candidates)
    with session() as sess:
        b = sess.run(s.sampled_candidates)
    np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------ against TF
@pytest.mark.parametrize("kind", ["log_uniform", "uniform", "fixed", "fixed_shard",
                                  "fixed_shard0"])
def test_expected_counts_against_tf1(tf1, session, kind):
    """unique=False: the expected counts of the true classes and of each sampled class are
    num_sampled * P(k), as TF's (whose draws differ)."""
    kw = dict(num_true=2, num_sampled=6, unique=False, range_max=20)
    if kind.startswith("fixed"):
        uni = list(np.arange(1.0, 20.0) % 7 + 1)          # 1 reserved + 19 ids
        kw.update(unigrams=uni, distortion=0.75, num_reserved_ids=1)
        if kind == "fixed_shard":
            kw.update(num_shards=2, shard=1, range_max=9)
        if kind == "fixed_shard0":
            kw.update(num_shards=3, shard=0, range_max=7, num_reserved_ids=2)
        name = "fixed_unigram"
    else:
        name = kind
    true = TRUE % kw["range_max"]
    fk = getattr(tf.nn, f"{name}_candidate_sampler")(true, seed=3, **kw)
    with session() as sess:
        cands, true_ec, sampled_ec = sess.run(fk)

    def build():
        fn = getattr(tf1.nn, f"{name}_candidate_sampler")
        a = fn(true, seed=3, **kw)
        b = fn(cands.reshape(-1, 1), **dict(kw, num_true=1))   # P of our sampled classes
        return a.true_expected_count, b.true_expected_count
    want_true, want_sampled = run_tf1(tf1, build)
    np.testing.assert_allclose(true_ec, want_true, rtol=1e-6)
    np.testing.assert_allclose(sampled_ec, want_sampled.ravel(), rtol=1e-6)


def test_learned_unigram_counts_against_tf1(tf1, session):
    """Counts start at 1 and grow by the true classes after each draw, as TF's."""
    true = np.array([[0], [0], [2], [0]], np.int64)
    kw = dict(num_true=1, num_sampled=4, unique=False, range_max=3)
    s = tf.nn.learned_unigram_candidate_sampler(true, **kw)
    with session() as sess:
        got = [sess.run(s.true_expected_count) for _ in range(3)]
    with session() as sess:                   # a new session starts again from 1
        again = sess.run(s.true_expected_count)

    def build():
        return tf1.nn.learned_unigram_candidate_sampler(true, **kw).true_expected_count
    g = tf1.Graph()
    with g.as_default():
        t = build()
        with tf1.Session(graph=g) as ts:
            want = [ts.run(t) for _ in range(3)]
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    np.testing.assert_allclose(again, want[0], rtol=1e-6)


def test_all_candidate_sampler_against_tf1(tf1, session):
    s = tf.nn.all_candidate_sampler(TRUE, 2, 20, True)
    with session() as sess:
        got = sess.run(tuple(s))
    want = run_tf1(tf1, lambda: tuple(tf1.nn.all_candidate_sampler(TRUE, 2, 20, True)))
    for a, b in zip(got, want):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    small = tf.nn.all_candidate_sampler(TRUE, 2, 5, True)
    with session() as sess, pytest.raises(tf.errors.InvalidArgumentError):
        sess.run(small.true_expected_count)


def _run_on_numpy(fetch, feed=None):
    with tf.Session() as sess:
        return sess.run(fetch, feed)


@pytest.mark.parametrize("sampled", [[5, 1, 2, 3, 0, 3], [4, 4, 4], [7, 0, 19, 3, 2]])
def test_compute_accidental_hits_against_tf1(tf1, session, sampled):
    true = np.array([[1, 2], [3, 3], [7, 0], [19, 19]], np.int64)
    h = tf.nn.compute_accidental_hits(true, np.array(sampled, np.int64), num_true=2)
    with session() as sess:
        got = sess.run(tuple(h))
    want = run_tf1(tf1, lambda: tuple(tf1.nn.compute_accidental_hits(
        true, np.array(sampled, np.int64), num_true=2)))
    for a, b in zip(got, want):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)


def test_fixed_unigram_reads_a_vocab_file(tmp_path, session):
    path = tmp_path / "vocab.txt"
    path.write_text("the,30\nof,0\ncat,10\n\n")
    f = tf.nn.fixed_unigram_candidate_sampler([[0, 2]], 2, 4, False, 3, vocab_file=str(path))
    with session() as sess:
        np.testing.assert_allclose(sess.run(f.true_expected_count), [[3.0, 1.0]])
    with pytest.raises(ValueError, match="line 1"):
        bad = tmp_path / "bad.txt"
        bad.write_text("word\n")
        tf.nn.fixed_unigram_candidate_sampler([[0]], 1, 1, False, 1, vocab_file=str(bad))


def test_sampler_errors(session):
    with pytest.raises(ValueError, match="range is too small"):
        tf.nn.log_uniform_candidate_sampler(TRUE, 2, 12, True, 10)
    with pytest.raises(ValueError, match="range_max=10 must equal"):
        tf.nn.fixed_unigram_candidate_sampler(TRUE, 2, 3, True, 10, unigrams=[1, 2, 3])
    with pytest.raises(TypeError, match="int64"):
        tf.nn.uniform_candidate_sampler(tf.constant([[1]], tf.int32), 1, 2, False, 5)
    with pytest.raises(ValueError, match="num_true=3"):
        tf.nn.uniform_candidate_sampler(TRUE, 3, 2, False, 50)
    s = tf.nn.uniform_candidate_sampler(TRUE, 2, 2, False, 10)
    with session() as sess, pytest.raises(tf.errors.InvalidArgumentError,
                                          match="19 is out of range"):
        sess.run(s)


# ------------------------------------------------------------------------------ sampled losses
N_CLASSES, DIM, BATCH = 12, 4, 5


def _loss_inputs(num_true, seed=0):
    r = np.random.default_rng(seed)
    w = r.standard_normal((N_CLASSES, DIM)).astype(np.float32)
    b = r.standard_normal(N_CLASSES).astype(np.float32)
    x = r.standard_normal((BATCH, DIM)).astype(np.float32)
    labels = r.integers(0, N_CLASSES, (BATCH, num_true)).astype(np.int64)
    labels[1, -1] = 3                         # 3 is among the sampled: an accidental hit
    sampled = np.array([3, 0, 9, labels[0, 0], 5, 11], np.int64)
    true_ec = r.uniform(0.2, 1.5, (BATCH, num_true)).astype(np.float32)
    sampled_ec = r.uniform(0.2, 1.5, sampled.size).astype(np.float32)
    return w, b, x, labels, (sampled, true_ec, sampled_ec)


def _loss_and_grads(mod, loss_name, w, b, x, labels, sv, **kw):
    """The loss and d(sum loss)/d(weights, biases, inputs) with module ``mod`` (tf or tf1)."""
    bt, xt = mod.constant(b), mod.constant(x)
    wt = [mod.constant(s) for s in w] if isinstance(w, list) else mod.constant(w)
    loss = getattr(mod.nn, loss_name)(wt, bt, labels, xt, num_sampled=sv[0].size,
                                      num_classes=N_CLASSES, num_true=labels.shape[1],
                                      sampled_values=tuple(mod.constant(v) for v in sv), **kw)
    grads = mod.gradients(mod.reduce_sum(loss), (wt if isinstance(wt, list) else [wt]) +
                          [bt, xt])
    if mod is not tf:
        grads = [mod.convert_to_tensor(g) for g in grads]
    return [loss] + grads


@pytest.mark.parametrize("loss_name", ["nce_loss", "sampled_softmax_loss"])
@pytest.mark.parametrize("num_true", [1, 2])
@pytest.mark.parametrize("remove", [False, True])
def test_sampled_losses_against_tf1(tf1, session, loss_name, num_true, remove):
    w, b, x, labels, sv = _loss_inputs(num_true, seed=num_true)
    with session() as sess:
        got = sess.run(_loss_and_grads(tf, loss_name, w, b, x, labels, sv,
                                       remove_accidental_hits=remove))
    want = run_tf1(tf1, lambda: _loss_and_grads(tf1, loss_name, w, b, x, labels, sv,
                                                remove_accidental_hits=remove))
    assert got[0].shape == (BATCH,) and got[0].dtype == np.float32
    for what, a, c in zip(["loss", "d weights", "d biases", "d inputs"], got, want):
        np.testing.assert_allclose(a, c, rtol=2e-5, atol=2e-5, err_msg=what)
    if remove:     # the accidental hit changes the loss (the test sees the option)
        without = _run_on_numpy(_loss_and_grads(tf, loss_name, w, b, x, labels, sv,
                                                remove_accidental_hits=False)[0])
        assert not np.allclose(without, got[0])


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_sharded_weights_against_tf1(tf1, session, strategy):
    w, b, x, labels, sv = _loss_inputs(2, seed=7)
    if strategy == "mod":
        shards = [w[i::3] for i in range(3)]
    else:
        shards = [w[:4], w[4:8], w[8:]]
    with session() as sess:
        got = sess.run(_loss_and_grads(tf, "nce_loss", shards, b, x, labels, sv,
                                       partition_strategy=strategy))
    want = run_tf1(tf1, lambda: _loss_and_grads(tf1, "nce_loss", shards, b, x, labels, sv,
                                                partition_strategy=strategy))
    for a, c in zip(got, want):
        np.testing.assert_allclose(a, c, rtol=2e-5, atol=2e-5)


def test_default_sampler_and_all_candidates(session):
    """Without sampled_values the losses draw log-uniform candidates; with every class as
    candidate (and accidental hits removed) the sampled softmax is the full softmax loss."""
    w, b, x, labels, _ = _loss_inputs(1, seed=3)
    nce = tf.nn.nce_loss(w, b, labels, x, 4, N_CLASSES)
    ssm = tf.nn.sampled_softmax_loss(w, b, labels, x, 4, N_CLASSES, seed=1)
    every = tf.nn.all_candidate_sampler(labels, 1, N_CLASSES, True)
    full_sampled = tf.nn.sampled_softmax_loss(w, b, labels, x, N_CLASSES, N_CLASSES,
                                              sampled_values=every)
    full = tf.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels[:, 0], logits=tf.matmul(x, w, transpose_b=True) + b)
    with session() as sess:
        a, c, d, e = sess.run([nce, ssm, full_sampled, full])
    assert a.shape == c.shape == (BATCH,) and np.isfinite(a).all() and np.isfinite(c).all()
    assert (a > 0).all() and (c > 0).all()
    np.testing.assert_allclose(d, e, rtol=1e-5)


def _skipgram(mod, emb0, w0, b0, steps_feed, lr=0.5):
    """A few SGD steps of a skip-gram model with nce_loss; returns the losses and the final
    variables."""
    emb = mod.Variable(emb0, name="embeddings")
    w, b = mod.Variable(w0, name="nce_w"), mod.Variable(b0, name="nce_b")
    center = mod.placeholder(mod.int32, [None])
    context = mod.placeholder(mod.int64, [None, 1])
    sampled = mod.placeholder(mod.int64, [None])
    true_ec = mod.placeholder(mod.float32, [None, 1])
    sampled_ec = mod.placeholder(mod.float32, [None])
    vecs = mod.nn.embedding_lookup(emb, center)
    loss = mod.reduce_mean(mod.nn.nce_loss(w, b, context, vecs, num_sampled=5,
                                           num_classes=emb0.shape[0],
                                           sampled_values=(sampled, true_ec, sampled_ec)))
    train = mod.train.GradientDescentOptimizer(lr).minimize(loss)
    losses = []
    with mod.Session() as sess:
        sess.run(mod.global_variables_initializer())
        for c, ctx, sv in steps_feed:
            feed = {center: c, context: ctx, sampled: sv[0], true_ec: sv[1],
                    sampled_ec: sv[2]}
            losses.append(sess.run([loss, train], feed)[0])
        return losses, sess.run([emb, w, b])


def test_word2vec_skipgram_training_matches_tf1(tf1):
    vocab, dim = 20, 6
    r = np.random.default_rng(21)
    emb0 = r.uniform(-1, 1, (vocab, dim)).astype(np.float32)
    w0 = (r.standard_normal((vocab, dim)) / np.sqrt(dim)).astype(np.float32)
    b0 = np.zeros(vocab, np.float32)
    corpus = r.integers(0, vocab, 80)
    sampler_g = tf.Graph()
    with sampler_g.as_default():
        ctx_ph = tf.placeholder(tf.int64, [None, 1])
        sv = tf.nn.log_uniform_candidate_sampler(ctx_ph, 1, 5, True, vocab, seed=9)
        sampler_sess = tf.Session()
    steps = []
    for _ in range(6):
        pos = r.integers(1, corpus.size - 1, 8)
        center = corpus[pos].astype(np.int32)
        ctx = corpus[pos + r.choice([-1, 1], 8)].astype(np.int64).reshape(-1, 1)
        steps.append((center, ctx, sampler_sess.run(tuple(sv), {ctx_ph: ctx})))
    sampler_sess.close()
    with tf.Graph().as_default():
        got_losses, got_vars = _skipgram(tf, emb0, w0, b0, steps)
    with tf1.Graph().as_default():
        want_losses, want_vars = _skipgram(tf1, emb0, w0, b0, steps)
    np.testing.assert_allclose(got_losses, want_losses, rtol=1e-5)
    assert got_losses[-1] < got_losses[0] or not np.allclose(emb0, got_vars[0])
    for a, c in zip(got_vars, want_vars):
        np.testing.assert_allclose(a, c, rtol=1e-5, atol=1e-6)
