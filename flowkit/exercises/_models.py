"""Exercises for tutorials 4 and 5: a convolution layer that shares its variables, a siamese
comparison with `scope.reuse_variables()`, and restoring a checkpoint."""
from __future__ import annotations

import os
import tempfile

import numpy as np

import flowkit as tf
from flowkit.exercises._core import Fail, call, close, exercise, require_tensor

_SHAPES = ([3, 3, 2, 4], [4])


def _var_names():
    return sorted(v.op.name for v in tf.global_variables())


# --------------------------------------------------------------------------------------------
@exercise(
    "04_conv_relu", "04_sharing", "A convolution layer that can share its variables",
    "一个可以共享变量的卷积层",
    """
    Write `conv_relu(input, kernel_shape, bias_shape)`: a 'SAME' convolution with stride 1
    of `input` by a variable named `weights` (shape `kernel_shape`, normal random
    initial values), plus a variable named `biases` (shape `bias_shape`, zeros), then a
    ReLU. Make the variables with `tf.get_variable`, so that the caller's
    `tf.variable_scope` names them and, with `reuse=True`, shares them.
    """,
    """
    编写 `conv_relu(input, kernel_shape, bias_shape)`：用名为 `weights` 的变量（形状为
    `kernel_shape`，初始值服从正态分布）对 `input` 做步长为 1、'SAME' 填充的卷积，加上名为
    `biases` 的变量（形状为 `bias_shape`，初始为零），再经过 ReLU。请用
    `tf.get_variable` 创建变量，这样调用者的 `tf.variable_scope` 会为它们命名，并且在
    `reuse=True` 时共享它们。
    """,
    """
    import flowkit as tf

    def conv_relu(input, kernel_shape, bias_shape):
        raise NotImplementedError
    """)
def _check_conv_relu(fn):
    image = tf.placeholder(tf.float32, [1, 6, 6, 2], name="image")
    with tf.variable_scope("conv1"):
        out1 = require_tensor(call(fn, image, *_SHAPES), "conv_relu(...)")
    names = _var_names()
    if names != ["conv1/biases", "conv1/weights"]:
        raise Fail(f"one call made the variables {names}; expected conv1/weights and "
                   "conv1/biases.", 'create them with tf.get_variable("weights", kernel_shape, '
                   'initializer=...) and tf.get_variable("biases", bias_shape, ...).')
    with tf.variable_scope("conv1", reuse=True):
        out2 = require_tensor(call(fn, image, *_SHAPES), "conv_relu(...) under reuse=True")
    names = _var_names()
    if len(names) != 2:
        raise Fail(f"the second call, under reuse=True, made new variables: {names}.",
                   "tf.Variable always creates a new variable; tf.get_variable returns the "
                   "existing one when the scope reuses.")
    with tf.variable_scope("conv1", reuse=True):
        weights, biases = tf.get_variable("weights"), tf.get_variable("biases")
    want = tf.nn.relu(tf.nn.conv2d(image, weights, [1, 1, 1, 1], "SAME") + biases)
    img = np.random.default_rng(4).standard_normal((1, 6, 6, 2))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        b0 = sess.run(biases)
        if np.any(b0 != 0):
            raise Fail("the biases do not start at zero.", "use tf.constant_initializer(0.0) "
                       "or tf.zeros_initializer() for the biases.")
        if float(np.std(sess.run(weights))) == 0.0:
            raise Fail("the weights start all equal.", "initialize the weights with "
                       "tf.random_normal_initializer().")
        sess.run(tf.assign(biases, [0.5, -0.5, 1.0, -1.0]))
        got1, got2, ref = sess.run([out1, out2, want], {image: img})
    close(got1, ref, "the layer's output",
          "conv = tf.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding='SAME'); then "
          "tf.nn.relu(conv + biases).")
    close(got2, got1, "the second call's output", "both calls must use the same variables.")
    return "Named by the scope, shared under reuse=True, and the right values."


# --------------------------------------------------------------------------------------------
def _filter(images):
    """The model that the siamese exercise shares: one conv layer, variables in "conv"."""
    with tf.variable_scope("conv"):
        w = tf.get_variable("weights", [3, 3, 1, 2], initializer=tf.random_normal_initializer())
        b = tf.get_variable("biases", [2], initializer=tf.constant_initializer(0.1))
    return tf.nn.relu(tf.nn.conv2d(images, w, [1, 1, 1, 1], "SAME") + b)


@exercise(
    "04_siamese", "04_sharing", "A siamese comparison: one filter, two images",
    "孪生网络式的比较：同一个滤波器，两张图像",
    """
    Write `siamese(image1, image2, filter_fn)`: apply the model function `filter_fn` to
    both images inside `tf.variable_scope("siamese")`, with the same variables for both, and
    return the two outputs. `filter_fn` creates its variables with `tf.get_variable`: call
    it once, then ask the scope to reuse (`scope.reuse_variables()`) before the second call.
    Comparing two images only makes sense if both went through the same filter.
    """,
    """
    编写 `siamese(image1, image2, filter_fn)`：在 `tf.variable_scope("siamese")` 中把模型
    函数 `filter_fn` 分别作用于两张图像，两次使用同一组变量，并返回两个输出。
    `filter_fn` 用 `tf.get_variable` 创建变量：先调用一次，然后让作用域重用变量
    （`scope.reuse_variables()`），再做第二次调用。只有两张图像经过同一个滤波器，比较它们才
    有意义。
    """,
    """
    import flowkit as tf

    def siamese(image1, image2, filter_fn):
        raise NotImplementedError
    """)
def _check_siamese(fn):
    image1 = tf.placeholder(tf.float32, [1, 5, 5, 1], name="image1")
    image2 = tf.placeholder(tf.float32, [1, 5, 5, 1], name="image2")
    try:
        outs = call(fn, image1, image2, _filter)
    except Fail as f:
        if "already exists" in f.message:
            raise Fail(f.message, "the second call needs reuse: call "
                       "scope.reuse_variables() after the first call (with "
                       'tf.variable_scope("siamese") as scope: ...).') from None
        if "does not exist" in f.message:
            raise Fail(f.message, "reuse only for the second call: the first call must "
                       "create the variables.") from None
        raise
    if not isinstance(outs, (list, tuple)) or len(outs) != 2:
        raise Fail("siamese should return the two outputs, (out1, out2).",
                   "return out1, out2.")
    out1, out2 = (require_tensor(o, f"output {i + 1}") for i, o in enumerate(outs))
    names = _var_names()
    if names != ["siamese/conv/biases", "siamese/conv/weights"]:
        raise Fail(f"the graph has the variables {names}; expected one set, "
                   "siamese/conv/weights and siamese/conv/biases.",
                   'call both inside one tf.variable_scope("siamese") and share with '
                   "scope.reuse_variables(); two scopes or tf.Variable make two filters.")
    img = np.random.default_rng(5).standard_normal((1, 5, 5, 1))
    other = np.random.default_rng(6).standard_normal((1, 5, 5, 1))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        a, b = sess.run([out1, out2], {image1: img, image2: img})
        c, d = sess.run([out1, out2], {image1: img, image2: other})
    close(b, a, "the two outputs for the same image", "both calls must use the same filter.")
    if np.allclose(c, d):
        raise Fail("the outputs are equal for two different images.",
                   "apply filter_fn to image1 for the first output and to image2 for the "
                   "second.")
    return "One filter, shared by both images."


# --------------------------------------------------------------------------------------------
@exercise(
    "05_restore", "05_saving", "Restore the latest checkpoint in another program",
    "在另一个程序中恢复最新的检查点",
    """
    A folder holds checkpoints of softmax regression, saved by `tf.train.Saver` with the
    variables `softmax/weights` [64, 10] and `softmax/biases` [10]. Write
    `restore_latest(folder)`: in the default graph (empty when the check calls it), create
    the same variables, restore the *latest* checkpoint of the folder into a new session, and
    return the values `(weights, biases)` as NumPy arrays.
    """,
    """
    一个文件夹中存有 softmax 回归的检查点，由 `tf.train.Saver` 保存，变量为
    `softmax/weights` [64, 10] 和 `softmax/biases` [10]。编写 `restore_latest(folder)`：
    在默认的图中（检查调用它时图是空的）创建同样的变量，在一个新的会话中恢复该文件夹中*最新*
    的检查点，并以 NumPy 数组返回 `(weights, biases)` 的值。
    """,
    """
    import flowkit as tf

    def restore_latest(folder):
        raise NotImplementedError
    """)
def _check_restore(fn):
    rng = np.random.default_rng(7)
    old = rng.standard_normal((64, 10)).astype(np.float32), np.zeros(10, np.float32)
    new = (rng.standard_normal((64, 10)).astype(np.float32),
           rng.standard_normal(10).astype(np.float32))
    with tempfile.TemporaryDirectory(prefix="flowkit-exercise-") as folder:
        with tf.Graph().as_default():
            with tf.variable_scope("softmax"):
                w = tf.get_variable("weights", [64, 10])
                b = tf.get_variable("biases", [10])
            saver = tf.train.Saver()
            with tf.Session() as sess:
                for step, (wv, bv) in ((1, old), (2, new)):
                    sess.run([tf.assign(w, wv), tf.assign(b, bv)])
                    saver.save(sess, os.path.join(folder, "model"), global_step=step)
        try:
            got = call(fn, folder)
        except Fail as f:
            if "NotFound" in f.message or "missing" in f.message.lower():
                raise Fail(f.message, "the names must match the file's: create the variables "
                           'with tf.get_variable inside tf.variable_scope("softmax").') from None
            raise
    if not isinstance(got, (list, tuple)) or len(got) != 2:
        raise Fail("restore_latest should return (weights, biases).",
                   "return sess.run([weights, biases]) after restoring.")
    got_w, got_b = (np.asarray(g) for g in got)
    if got_w.shape == (64, 10) and np.allclose(got_w, old[0]):
        raise Fail("these are the values of the older checkpoint.",
                   "tf.train.latest_checkpoint(folder) names the newest one.")
    close(got_w, new[0], "the weights", "restore with tf.train.Saver().restore(sess, "
          "tf.train.latest_checkpoint(folder)) instead of initializing.")
    close(got_b, new[1], "the biases", "return the restored biases too.")
    return "The newest checkpoint, restored by name."
