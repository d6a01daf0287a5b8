"""The models and data the distributed tests train, shared by the worker processes and the
single-process reference in tests/test_distributed.py (importing this runs nothing)."""
import numpy as np

FEATURES, CLASSES = 64, 10


def build(tf, model, wrap=None, seed=0):
    """Builds ``model`` ("mlp" or "cnn") in the default graph; ``wrap(optimizer)`` wraps the
    optimizer (``hvd.DistributedOptimizer``). Random initial values depend on ``seed``."""
    tf.set_random_seed(seed)
    x = tf.placeholder(tf.float32, [None, FEATURES], name="x")
    y = tf.placeholder(tf.float32, [None, CLASSES], name="y")
    if model == "mlp":
        h = x
        for i, (n_in, n_out) in enumerate([(FEATURES, 32), (32, CLASSES)]):
            with tf.variable_scope(f"dense{i}"):
                w = tf.get_variable("kernel", [n_in, n_out],
                                    initializer=tf.random_normal_initializer(stddev=0.3))
                b = tf.get_variable("bias", [n_out], initializer=tf.zeros_initializer())
                h = tf.matmul(h, w) + b
                if i == 0:
                    h = tf.nn.relu(h)
        logits = h
        opt = tf.train.AdamOptimizer(0.01)
    else:
        h = tf.reshape(x, [-1, 8, 8, 1])
        for i, (c_in, c_out) in enumerate([(1, 8), (8, 16)]):
            with tf.variable_scope(f"conv{i}"):
                w = tf.get_variable("weights", [3, 3, c_in, c_out],
                                    initializer=tf.random_normal_initializer(stddev=0.3))
                b = tf.get_variable("biases", [c_out], initializer=tf.zeros_initializer())
                h = tf.nn.relu(tf.nn.conv2d(h, w, [1, 1, 1, 1], "SAME") + b)
                h = tf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
        with tf.variable_scope("dense"):
            w = tf.get_variable("weights", [2 * 2 * 16, CLASSES],
                                initializer=tf.random_normal_initializer(stddev=0.3))
            logits = tf.matmul(tf.reshape(h, [-1, 2 * 2 * 16]), w)
        opt = tf.train.MomentumOptimizer(0.05, 0.9)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
    if wrap is not None:
        opt = wrap(opt)
    train_op = opt.minimize(loss)
    return x, y, loss, train_op


def global_batch(step, examples):
    """The combined batch of ``step``: ``examples`` rows; rank r of n takes its r-th share."""
    rng = np.random.default_rng(1000 + step)
    x = rng.standard_normal((examples, FEATURES)).astype(np.float32)
    labels = rng.integers(0, CLASSES, examples)
    return x, np.eye(CLASSES, dtype=np.float32)[labels]


def share(batch, rank, size):
    x, y = batch
    n = len(x) // size
    return x[rank * n:(rank + 1) * n], y[rank * n:(rank + 1) * n]
