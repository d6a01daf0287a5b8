"""tf.layers: variable names and collections as TF1, reuse, training switches, errors, and
programs that give tf.compat.v1.layers' numbers step by step on every backend."""
import numpy as np
import pytest

import flowkit as tf
import flowkit.layers  # noqa: F401  (makes tf.layers)
from _tf_compare import (assert_same_variables, legacy_layers, make_pair,
                         random_ops_named)

RNG = np.random.default_rng(7)


def names(variables):
    return [v.name for v in variables]


# --------------------------------------------------------------------------------------------
# Names, scopes, collections
# --------------------------------------------------------------------------------------------
def test_variable_names_follow_tf1():
    x = tf.placeholder(tf.float32, [None, 6, 6, 2])
    h = tf.layers.conv2d(x, 3, 3)
    h = tf.layers.conv2d(h, 3, 3)
    h = tf.layers.batch_normalization(h, training=True)
    h = tf.layers.dense(tf.layers.flatten(h), 5)
    tf.layers.dense(h, 2)
    assert names(tf.global_variables()) == [
        "conv2d/kernel:0", "conv2d/bias:0", "conv2d_1/kernel:0", "conv2d_1/bias:0",
        "batch_normalization/gamma:0", "batch_normalization/beta:0",
        "batch_normalization/moving_mean:0", "batch_normalization/moving_variance:0",
        "dense/kernel:0", "dense/bias:0", "dense_1/kernel:0", "dense_1/bias:0"]
    trainable = names(tf.trainable_variables())
    assert "batch_normalization/moving_mean:0" not in trainable
    assert "batch_normalization/gamma:0" in trainable
    assert len(tf.get_collection(tf.GraphKeys.UPDATE_OPS)) == 2


def test_variable_scope_reuse_shares_layer_variables():
    x = tf.placeholder(tf.float32, [None, 3])
    with tf.variable_scope("net"):
        a = tf.layers.dense(x, 4, name="fc")
    with tf.variable_scope("net", reuse=True):
        b = tf.layers.dense(x, 4, name="fc")
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        tf.layers.dense(x, 2, name="out")
    with tf.variable_scope("auto", reuse=tf.AUTO_REUSE):
        tf.layers.dense(x, 2, name="out")
    assert names(tf.global_variables()) == ["net/fc/kernel:0", "net/fc/bias:0",
                                            "auto/out/kernel:0", "auto/out/bias:0"]
    assert a.op.name == "net/fc/BiasAdd" and b.op.name != a.op.name
    with pytest.raises(ValueError, match="already exists"):
        tf.layers.dense(x, 4, name="dup")
        tf.layers.dense(x, 4, name="dup")
    tf.layers.dense(x, 4, name="dup", reuse=True)


def test_layer_object_reuses_its_variables_and_reports_them():
    x = tf.placeholder(tf.float32, [None, 3])
    layer = tf.layers.Dense(4, activation="relu", kernel_regularizer=tf.nn.l2_loss,
                            bias_regularizer=tf.nn.l2_loss)
    y1, y2 = layer(x), layer.apply(x)
    assert y1.op.type == "Relu" and y2.op.type == "Relu"
    assert layer.kernel.name == "dense/kernel:0" and layer.bias.name == "dense/bias:0"
    assert names(layer.variables) == ["dense/kernel:0", "dense/bias:0"]
    assert layer.trainable_weights == layer.variables and layer.non_trainable_weights == []
    # Two calls, but the regularizers ran once, for the new variables.
    regs = tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(regs) == 2 and layer.losses == regs
    assert regs[0].op.name.startswith("dense/kernel/Regularizer")
    frozen = tf.layers.Dense(2, trainable=False)
    frozen(x)
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 2
    assert "dense_1/kernel:0" not in names(tf.trainable_variables())


def test_initializers_activation_use_bias():
    x = tf.constant([[1.0, 2.0, 3.0]])
    y = tf.layers.dense(x, 2, use_bias=False, kernel_initializer=tf.ones_initializer(),
                        activation=tf.nn.relu)
    z = tf.layers.dense(x, 1, kernel_initializer=tf.constant_initializer(-1.0),
                        bias_initializer=tf.constant_initializer(10.0))
    assert names(tf.global_variables()) == ["dense/kernel:0", "dense_1/kernel:0",
                                            "dense_1/bias:0"]
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert sess.run(y).tolist() == [[6.0, 6.0]]
        assert sess.run(z).tolist() == [[4.0]]


def test_dense_on_rank3_inputs(session):
    x = RNG.normal(size=(2, 3, 4)).astype(np.float32)
    layer = tf.layers.Dense(5)
    y = layer(tf.constant(x))
    assert y.shape.as_list() == [2, 3, 5]
    sess = session()
    sess.run(tf.global_variables_initializer())
    out, k, b = sess.run([y, layer.kernel, layer.bias])
    np.testing.assert_allclose(out, x @ k + b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("padding", ["same", "SAME", "Valid"])
def test_conv_and_pool_shapes_any_padding_case(padding):
    x = tf.placeholder(tf.float32, [None, 9, 9, 2])
    c = tf.layers.conv2d(x, 4, [3, 3], strides=2, padding=padding)
    p = tf.layers.max_pooling2d(x, 3, 2, padding=padding)
    a = tf.layers.average_pooling2d(x, 3, 2, padding=padding)
    side = 5 if padding.lower() == "same" else 4
    assert c.shape.as_list() == p.shape.as_list()[:3] + [4] == [None, side, side, 4]
    assert a.shape.as_list() == [None, side, side, 2]
    x1 = tf.placeholder(tf.float32, [None, 10, 3])
    assert tf.layers.conv1d(x1, 6, 3, padding=padding).shape.as_list()[-1] == 6
    assert tf.layers.max_pooling1d(x1, 2, 2).shape.as_list() == [None, 5, 3]
    assert tf.layers.average_pooling1d(x1, 2, 2).shape.as_list() == [None, 5, 3]


def test_clear_errors():
    x = tf.placeholder(tf.float32, [None, 8, 8, 3])
    with pytest.raises(ValueError, match="channels_first.*not supported"):
        tf.layers.conv2d(x, 4, 3, data_format="channels_first")
    with pytest.raises(ValueError, match="padding"):
        tf.layers.conv2d(x, 4, 3, padding="full")
    with pytest.raises(ValueError, match="last dimension of the inputs to `Dense`"):
        tf.layers.dense(tf.placeholder(tf.float32, [None, None]), 3)
    with pytest.raises(TypeError, match="not understood"):
        tf.layers.Dense(3, kernel_size=2)
    with pytest.raises(ValueError, match="expected ndim=4"):
        tf.layers.conv2d(tf.placeholder(tf.float32, [None, 8]), 2, 3)


def test_dropout_training_bool_and_tensor(session):
    x = np.ones((200, 10), np.float32)
    training = tf.placeholder(tf.bool, [])
    d_tensor = tf.layers.dropout(x, rate=0.3, training=training, seed=5)
    d_off = tf.layers.dropout(x, rate=0.3)
    d_on = tf.layers.dropout(x, rate=0.3, training=True, seed=5)
    sess = session()
    np.testing.assert_array_equal(sess.run(d_off), x)
    np.testing.assert_array_equal(sess.run(d_tensor, {training: False}), x)
    for out in (sess.run(d_tensor, {training: True}), sess.run(d_on)):
        assert set(np.unique(out).tolist()) <= {0.0, np.float32(1 / 0.7)}
        assert 0.2 < (out == 0).mean() < 0.4


def test_batch_norm_inference_uses_moving_statistics(session):
    x = RNG.normal(2.0, 3.0, size=(6, 3)).astype(np.float32)
    y = tf.layers.batch_normalization(tf.constant(x), moving_mean_initializer=
                                      tf.constant_initializer(1.0), epsilon=0.0)
    assert tf.get_collection(tf.GraphKeys.UPDATE_OPS) == []
    sess = session()
    sess.run(tf.global_variables_initializer())
    np.testing.assert_allclose(sess.run(y), x - 1.0, rtol=1e-6)


# --------------------------------------------------------------------------------------------
# Differential: tf.compat.v1.layers
# --------------------------------------------------------------------------------------------
def _cnn(mod):
    x = mod.placeholder(mod.float32, [None, 8, 8, 1], name="x")
    labels = mod.placeholder(mod.int32, [None], name="labels")
    training = mod.placeholder(mod.bool, [], name="training")
    h = mod.layers.conv2d(x, 4, 3, padding="same", activation=mod.nn.relu)
    h = mod.layers.batch_normalization(h, training=training, momentum=0.9)
    h = mod.layers.max_pooling2d(h, 2, 2)
    h = mod.layers.conv2d(h, 6, [3, 3], strides=1, padding="valid")
    h = mod.layers.average_pooling2d(h, 2, 1, padding="same")
    h = mod.layers.flatten(h)
    h = mod.layers.dropout(h, rate=0.25, training=training)
    h = mod.layers.dense(h, 16, activation=mod.nn.tanh)
    h = mod.layers.batch_normalization(h, training=training)
    logits = mod.layers.dense(h, 3)
    loss = mod.reduce_mean(mod.nn.sparse_softmax_cross_entropy_with_logits(
        labels=labels, logits=logits))
    with mod.control_dependencies(mod.get_collection(mod.GraphKeys.UPDATE_OPS)):
        train = mod.train.MomentumOptimizer(0.1, 0.9).minimize(loss)
    return {"x": x, "labels": labels, "training": training, "loss": loss, "train": train,
            "logits": logits}


@pytest.mark.tf
def test_cnn_with_batch_norm_and_dropout_matches_tf(session, tf1):
    fk, ref = make_pair(_cnn, session, legacy_layers(tf1))
    masks_fk = random_ops_named(fk.graph, "dropout")
    masks_ref = random_ops_named(ref.graph, "dropout")
    assert len(masks_fk) == len(masks_ref) == 1
    rng = np.random.default_rng(3)
    for _ in range(4):
        feed = {"x": rng.normal(size=(5, 8, 8, 1)).astype(np.float32),
                "labels": rng.integers(0, 3, 5), "training": True}
        mask = rng.uniform(size=(5, 24)).astype(np.float32)
        got = fk.run(["loss", "train"], {**feed, masks_fk[0]: mask})[0]
        want = ref.run(["loss", "train"], {**feed, masks_ref[0]: mask})[0]
        np.testing.assert_allclose(got, want, rtol=1e-4)
    assert_same_variables(fk, ref)
    test = {"x": rng.normal(size=(4, 8, 8, 1)).astype(np.float32), "training": False}
    np.testing.assert_allclose(fk.run(["logits"], test)[0], ref.run(["logits"], test)[0],
                               rtol=1e-4, atol=1e-5)


def _python_bool_program(mod):
    x = mod.placeholder(mod.float32, [None, 5, 3], name="x")
    h = mod.layers.conv1d(x, 4, 2, activation=mod.nn.relu, kernel_regularizer=mod.nn.l2_loss)
    h = mod.layers.max_pooling1d(h, 2, 1)
    h = mod.layers.batch_normalization(h, training=True, center=False, epsilon=1e-2)
    h = mod.layers.average_pooling1d(h, 2, 2)
    out = mod.layers.dense(h, 2, bias_initializer=mod.ones_initializer())
    reg = mod.add_n(mod.get_collection(mod.GraphKeys.REGULARIZATION_LOSSES))
    loss = mod.reduce_sum(out ** 2) + reg
    with mod.control_dependencies(mod.get_collection(mod.GraphKeys.UPDATE_OPS)):
        train = mod.train.GradientDescentOptimizer(0.05).minimize(loss)
    return {"x": x, "loss": loss, "train": train, "out": out}


@pytest.mark.tf
def test_conv1d_pool1d_batch_norm_python_bool_matches_tf(session, tf1):
    fk, ref = make_pair(_python_bool_program, session, legacy_layers(tf1), seed=1)
    rng = np.random.default_rng(4)
    for _ in range(3):
        feed = {"x": rng.normal(size=(3, 5, 3)).astype(np.float32)}
        got = fk.run(["loss", "train"], feed)[0]
        want = ref.run(["loss", "train"], feed)[0]
        np.testing.assert_allclose(got, want, rtol=1e-4)
    assert_same_variables(fk, ref)
