"""tf.contrib (layers only), tf.initializers and tf.keras.initializers: names, collections,
initializer statistics, regularizers, and an MLP that gives TF1's numbers step by step."""
import numpy as np
import pytest

import flowkit as tf
import flowkit.contrib  # noqa: F401  (makes tf.contrib)
import flowkit.initializers  # noqa: F401  (makes tf.initializers)
from _tf_compare import assert_same_variables, legacy_layers, make_pair

C = tf.contrib.layers


def test_contrib_lists_what_exists():
    with pytest.raises(AttributeError, match="no attribute 'slim'.*tf.contrib.layers"):
        _ = tf.contrib.slim
    assert {"layers", "rnn", "seq2seq"} <= set(tf.contrib.__all__)


def test_fully_connected_names_collections_defaults():
    x = tf.placeholder(tf.float32, [None, 4])
    h = C.fully_connected(x, 5, weights_regularizer=C.l2_regularizer(0.1))
    with tf.variable_scope("out"):
        y = C.fully_connected(h, 2, activation_fn=None, variables_collections=["mine"],
                              outputs_collections="outs")
    z = C.fully_connected(h, 3, scope="named", biases_initializer=None)
    assert h.op.type == "Relu" and y.op.type == "BiasAdd" and z.op.type == "Relu"
    names = [v.name for v in tf.global_variables()]
    assert names == ["fully_connected/weights:0", "fully_connected/biases:0",
                     "out/fully_connected/weights:0", "out/fully_connected/biases:0",
                     "named/weights:0"]
    assert [v.name for v in tf.model_variables()] == names
    assert len(tf.get_collection("mine")) == 2 and tf.get_collection("outs") == [y]
    assert len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)) == 1
    again = C.fully_connected(h, 3, scope="named", biases_initializer=None, reuse=True)
    assert again is not z and len(tf.global_variables()) == 5


def test_flatten_and_errors():
    assert C.flatten(tf.zeros([2, 3, 4])).shape.as_list() == [2, 12]
    x = tf.placeholder(tf.float32, [None, 2, 5])
    f = C.flatten(x)
    assert f.shape.as_list() == [None, 10] and f.op.name.startswith("Flatten_1/")
    with pytest.raises(ValueError, match="at least 2|a least 2"):
        C.flatten(tf.zeros([3]))
    with pytest.raises(ValueError, match="integer"):
        C.l2_regularizer(1)
    with pytest.raises(ValueError, match="less than 0"):
        C.l1_regularizer(-0.5)
    assert C.l2_regularizer(0.0)(tf.zeros([2])) is None
    with pytest.raises(ValueError, match="No weights"):
        C.apply_regularization(C.l2_regularizer(0.1))


def test_regularizers_and_apply_regularization(session):
    w = tf.constant([[1.0, -2.0], [3.0, 0.5]])
    l1, l2 = C.l1_regularizer(0.5)(w), C.l2_regularizer(0.25)(w)
    both = C.l1_l2_regularizer(0.5, 0.25)(w)
    tf.add_to_collection(tf.GraphKeys.WEIGHTS, w)
    total = C.apply_regularization(C.l2_regularizer(0.25))
    a = np.array([[1.0, -2.0], [3.0, 0.5]])
    got = session().run([l1, l2, both, total])
    want_l1, want_l2 = 0.5 * np.abs(a).sum(), 0.25 * (a ** 2).sum() / 2
    np.testing.assert_allclose(got, [want_l1, want_l2, want_l1 + want_l2, want_l2], rtol=1e-6)
    assert total in tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)


@pytest.mark.parametrize("make,limit", [
    (lambda: C.xavier_initializer(seed=3), np.sqrt(6 / (300 + 200))),
    (lambda: C.variance_scaling_initializer(uniform=True, seed=3), np.sqrt(3 * 2 / 300)),
    (lambda: tf.initializers.he_uniform(seed=3), np.sqrt(6 / 300)),
    (lambda: tf.initializers.lecun_uniform(seed=3), np.sqrt(3 / 300)),
    (lambda: tf.initializers.glorot_uniform(seed=3), np.sqrt(6 / 500)),
    (lambda: flowkit.initializers.keras.initializers.RandomUniform(seed=3), 0.05),
])
def test_uniform_initializers_fill_their_range(session, make, limit):
    w = session().run(make()([300, 200]))
    assert w.dtype == np.float32 and abs(w).max() <= limit
    assert abs(w).max() > 0.95 * limit and abs(w.mean()) < 0.05 * limit


@pytest.mark.parametrize("make,stddev", [
    (lambda: C.xavier_initializer(uniform=False, seed=4), np.sqrt(1.3 / 250)),
    (lambda: C.variance_scaling_initializer(seed=4), np.sqrt(1.3 * 2 / 300)),
    (lambda: tf.initializers.he_normal(seed=4), np.sqrt(2 / 300)),
])
def test_normal_initializers_stddev(session, make, stddev):
    w = session().run(make()([300, 200]))
    assert abs(w).max() <= 2 * stddev / 0.87962566 + 1e-6     # truncated at 2 sigma
    assert 0.8 * stddev < w.std() < 1.2 * stddev


def test_keras_initializers_and_message():
    keras = flowkit.initializers.keras
    assert keras.initializers.RandomNormal().stddev == 0.05
    assert type(keras.initializers.glorot_uniform()).__name__ == "GlorotUniform"
    with pytest.raises(AttributeError, match="flowkit is the TF1 API; tf.keras is not "
                                             "provided, use tf.layers"):
        keras.layers  # noqa: B018


def test_contrib_batch_norm_names_and_forced_updates(session):
    x = tf.placeholder(tf.float32, [None, 3])
    y = C.batch_norm(x, is_training=True, updates_collections=None, scale=True)
    assert [v.name for v in tf.global_variables()] == [
        "BatchNorm/gamma:0", "BatchNorm/beta:0", "BatchNorm/moving_mean:0",
        "BatchNorm/moving_variance:0"]
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    sess = session()
    sess.run(tf.global_variables_initializer())
    sess.run(y, {x: [[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]]})
    mm = sess.run(tf.global_variables()[2])
    np.testing.assert_allclose(mm, 0.001 * np.array([2.0, 4.0, 6.0]), rtol=1e-5)


# --------------------------------------------------------------------------------------------
# Differential: the contrib MLP against the same model spelled with TF1's core API
# --------------------------------------------------------------------------------------------
def _mlp_contrib(mod):
    x = mod.placeholder(mod.float32, [None, 6], name="x")
    labels = mod.placeholder(mod.int32, [None], name="labels")
    reg = mod.contrib.layers.l2_regularizer(0.01)
    init = mod.contrib.layers.xavier_initializer(seed=1)
    h = mod.contrib.layers.fully_connected(x, 8, weights_initializer=init,
                                           weights_regularizer=reg)
    h = mod.contrib.layers.fully_connected(h, 8, activation_fn=mod.nn.tanh,
                                           weights_initializer=init, weights_regularizer=reg)
    logits = mod.contrib.layers.fully_connected(h, 3, activation_fn=None,
                                                weights_initializer=init)
    return _train(mod, x, labels, logits)


def _train(mod, x, labels, logits):
    data = mod.reduce_mean(mod.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits))
    loss = data + mod.add_n(mod.get_collection(mod.GraphKeys.REGULARIZATION_LOSSES))
    train = mod.train.AdamOptimizer(0.01).minimize(loss)
    return {"x": x, "labels": labels, "loss": loss, "train": train, "logits": logits}


def _mlp_tf1(mod):
    x = mod.placeholder(mod.float32, [None, 6], name="x")
    labels = mod.placeholder(mod.int32, [None], name="labels")

    def fc(inputs, n, act, regularize):
        with mod.variable_scope(None, default_name="fully_connected"):
            w = mod.get_variable("weights", [int(inputs.shape[1]), n],
                                 initializer=mod.glorot_uniform_initializer(seed=1))
            b = mod.get_variable("biases", [n], initializer=mod.zeros_initializer())
            if regularize:
                mod.add_to_collection(mod.GraphKeys.REGULARIZATION_LOSSES,
                                      0.01 * mod.nn.l2_loss(w))
            out = mod.nn.bias_add(mod.matmul(inputs, w), b)
            return act(out) if act else out
    h = fc(x, 8, mod.nn.relu, True)
    h = fc(h, 8, mod.nn.tanh, True)
    return _train(mod, x, labels, fc(h, 3, None, False))


@pytest.mark.tf
def test_contrib_mlp_with_xavier_and_l2_matches_tf(session, tf1):
    fk, ref = make_pair(_mlp_contrib, session, tf1, seed=2, build_ref=_mlp_tf1)
    rng = np.random.default_rng(5)
    for _ in range(5):
        feed = {"x": rng.normal(size=(7, 6)).astype(np.float32),
                "labels": rng.integers(0, 3, 7)}
        got = fk.run(["loss", "train"], feed)[0]
        want = ref.run(["loss", "train"], feed)[0]
        np.testing.assert_allclose(got, want, rtol=1e-5)
    assert_same_variables(fk, ref)


def _bn_contrib(mod):
    x = mod.placeholder(mod.float32, [None, 4, 4, 2], name="x")
    training = mod.placeholder(mod.bool, [], name="training")
    if mod is tf:
        y = mod.contrib.layers.batch_norm(x, is_training=training)
    else:
        y = mod.layers.batch_normalization(x, training=training, momentum=0.999, scale=False,
                                           name="BatchNorm")
    loss = mod.reduce_sum(y * y * mod.constant(np.arange(2.0, dtype=np.float32) + 1))
    with mod.control_dependencies(mod.get_collection(mod.GraphKeys.UPDATE_OPS)):
        train = mod.train.GradientDescentOptimizer(0.1).minimize(loss)
    return {"x": x, "training": training, "loss": loss, "train": train, "y": y}


@pytest.mark.tf
def test_contrib_batch_norm_matches_tf(session, tf1):
    fk, ref = make_pair(_bn_contrib, session, legacy_layers(tf1), seed=3)
    rng = np.random.default_rng(6)
    for training in (True, True, False, True):
        feed = {"x": rng.normal(1.0, 2.0, size=(3, 4, 4, 2)).astype(np.float32),
                "training": training}
        got = fk.run(["loss", "train"], feed)[0]
        want = ref.run(["loss", "train"], feed)[0]
        np.testing.assert_allclose(got, want, rtol=1e-4)
    assert_same_variables(fk, ref)
