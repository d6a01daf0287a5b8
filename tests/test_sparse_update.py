"""An embedding's gradient keeps its rows (TF1's IndexedSlices path): GradientDescentOptimizer
updates the rows a batch used only, tf.clip_by_global_norm counts a repeated row's gradients
separately in the norm as TF does, and both give TF's numbers step by step; elsewhere (a
variable also used densely) the update is dense."""
import numpy as np
import pytest

import flowkit as tf

VOCAB, DIM = 12, 3
EMB0 = np.random.default_rng(5).normal(size=(VOCAB, DIM)).astype(np.float32)
W0 = np.random.default_rng(6).normal(size=(DIM, 2)).astype(np.float32)
IDS = np.array([[1, 2, 1], [7, 1, 0]], np.int32)      # row 1 three times
#: A batch per step: rows used in one step and not the next, so that an optimizer's state
#: (Momentum's, RMSProp's) must stay put for the rows a batch does not use, as in TF.
BATCHES = [IDS, np.array([[3, 3, 4], [5, 6, 3]], np.int32), np.array([[1, 9, 9], [2, 2, 2]],
                                                                      np.int32)]

OPTIMIZERS = {
    "sgd": lambda lib: lib.train.GradientDescentOptimizer(0.7),
    "momentum": lambda lib: lib.train.MomentumOptimizer(0.3, 0.9),
    "nesterov": lambda lib: lib.train.MomentumOptimizer(0.3, 0.9, use_nesterov=True),
    "rmsprop": lambda lib: lib.train.RMSPropOptimizer(0.05, momentum=0.5),
    "rmsprop-centered": lambda lib: lib.train.RMSPropOptimizer(0.05, momentum=0.5,
                                                                centered=True),
    "ftrl": lambda lib: lib.train.FtrlOptimizer(0.3, l1_regularization_strength=0.01,
                                                l2_regularization_strength=0.01),
    "ftrl-shrinkage": lambda lib: lib.train.FtrlOptimizer(
        0.3, l2_shrinkage_regularization_strength=0.05),
    "proximal-sgd": lambda lib: lib.train.ProximalGradientDescentOptimizer(
        0.3, l1_regularization_strength=0.01, l2_regularization_strength=0.02),
    "proximal-adagrad": lambda lib: lib.train.ProximalAdagradOptimizer(
        0.3, l1_regularization_strength=0.01, l2_regularization_strength=0.02),
    "adagrad-da": lambda lib: lib.train.AdagradDAOptimizer(
        0.3, lib.train.get_or_create_global_step(), l1_regularization_strength=0.01),
    "adadelta": lambda lib: lib.train.AdadeltaOptimizer(1.0),
    # TF1's sparse rule of these equals their dense rule on a zero gradient: no sparse path
    "adam": lambda lib: lib.train.AdamOptimizer(0.1),
    "adagrad": lambda lib: lib.train.AdagradOptimizer(0.3),
}
#: The op type of each optimizer's sparse update (None: the update stays dense).
SPARSE_OP = {"sgd": "ScatterSub", "adadelta": "ScatterSub", "adam": None, "adagrad": None}


def _program(lib, variant, optimizer="sgd"):
    emb = lib.get_variable("emb", initializer=lib.constant(EMB0))
    w = lib.get_variable("w", initializer=lib.constant(W0))
    ids = lib.placeholder(lib.int32, [None, 3])
    x = lib.nn.embedding_lookup(emb, ids)
    loss = lib.reduce_sum(lib.tanh(lib.tensordot(x, w, 1)) ** 2)
    if variant == "also_dense":           # emb also used directly: its gradient is a sum
        loss += 0.1 * lib.reduce_sum(emb * emb)
    opt = OPTIMIZERS[optimizer](lib)
    if variant == "clipped":              # TF clips the rows as gathered
        grads, vs = zip(*opt.compute_gradients(loss))
        grads, _ = lib.clip_by_global_norm(grads, 0.5)
        train = opt.apply_gradients(zip(grads, vs))
    elif variant == "clipped-twice":      # clip_by_norm of each, then of the whole
        grads, vs = zip(*opt.compute_gradients(loss))
        grads = [lib.clip_by_norm(g, 0.3) for g in grads]
        grads, _ = lib.clip_by_global_norm(grads, 0.4)
        train = opt.apply_gradients(zip(grads, vs))
    else:
        train = opt.minimize(loss)
    return emb, w, ids, loss, train


def _run(lib, sess_factory, variant, steps=3, optimizer="sgd"):
    g = lib.Graph()
    with g.as_default():
        emb, w, ids, loss, train = _program(lib, variant, optimizer)
        init = lib.global_variables_initializer()
        types = {op.type for op in g.get_operations()}
    sess = sess_factory(g)
    sess.run(init)
    out = []
    for step in range(steps):
        out.append(sess.run([loss, train], {ids: BATCHES[step % len(BATCHES)]})[0])
        out.append(sess.run([emb, w]))
    return out, types


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
@pytest.mark.parametrize("variant", ["plain", "also_dense", "clipped", "clipped-twice"])
def test_embedding_training_matches_tf1(tf1, session, variant, optimizer):
    ours, types = _run(tf, lambda g: session(graph=g), variant, optimizer=optimizer)
    theirs, _ = _run(tf1, lambda g: tf1.Session(graph=g), variant, optimizer=optimizer)
    for got, want in zip(ours, theirs):
        if isinstance(got, list):
            for a, b in zip(got, want):
                np.testing.assert_allclose(a, b, rtol=2e-5, atol=5e-5)
        else:
            np.testing.assert_allclose(got, want, rtol=2e-5)
    sparse_op = SPARSE_OP.get(optimizer, "ScatterUpdate")
    if sparse_op is None:
        assert not {"ScatterSub", "ScatterUpdate"} & types
    else:
        assert (sparse_op in types) == (variant != "also_dense")


def test_rows_not_looked_up_are_not_touched(session):
    out, types = _run(tf, lambda g: session(graph=g), "plain", steps=1)
    emb = out[1][0]
    unused = sorted(set(range(VOCAB)) - set(IDS.ravel()))
    assert np.array_equal(emb[unused], EMB0[unused])
    assert not np.allclose(emb[[0, 1, 2, 7]], EMB0[[0, 1, 2, 7]])
    assert "ScatterSub" in types


def test_repeated_rows_accumulate_like_the_dense_update(session):
    """The scatter subtracts a repeated row's gradients one after the other; the dense update
    subtracts their sum: equal to float32 rounding."""
    sparse, _ = _run(tf, lambda g: session(graph=g), "plain", steps=1)

    class Dense(tf.train.GradientDescentOptimizer):
        pass
    Dense._apply_sparse = tf.train.Optimizer._apply_sparse
    g = tf.Graph()
    with g.as_default():
        emb = tf.get_variable("emb", initializer=tf.constant(EMB0))
        w = tf.get_variable("w", initializer=tf.constant(W0))
        ids = tf.placeholder(tf.int32, [None, 3])
        loss = tf.reduce_sum(tf.tanh(tf.tensordot(tf.nn.embedding_lookup(emb, ids), w, 1)) ** 2)
        train = Dense(0.7).minimize(loss)
        assert "ScatterSub" not in {op.type for op in g.get_operations()}
        init = tf.global_variables_initializer()
    s = session(graph=g)
    s.run(init)
    s.run(train, {ids: IDS})
    np.testing.assert_allclose(s.run(emb), sparse[1][0], rtol=1e-6, atol=1e-7)
