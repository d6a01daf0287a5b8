"""Exercises for tutorial 3b: one classifier, three ways (a dense layer written with raw ops
that names, initializes and shares its variables as ``tf.layers.dense`` does)."""
from __future__ import annotations

import numpy as np

import flowkit as tf
from flowkit.exercises._core import Fail, call, close, exercise, require_tensor
from flowkit.exercises._zh import HINTS, VERDICTS


def _var_names():
    return sorted(v.op.name for v in tf.global_variables())


_NAMES_HINT = ('open tf.variable_scope(None, default_name="dense") in the function: the '
               "first call's scope is dense, the next dense_1, as tf.layers numbers its layers.")
_KERNEL_BIAS_HINT = ('tf.layers.dense calls its variables "kernel" and "bias" '
                     '(tf.contrib.layers calls them "weights" and "biases").')
_SHAPE_HINT = "the kernel is [inputs' last dimension, units] and the bias is [units]."
_REUSE_HINT = ("create the variables with tf.get_variable: under a scope that reuses, it "
               "returns the existing variable where tf.Variable makes a new one.")
_BIAS_HINT = ("the bias starts at zero: tf.get_variable(\"bias\", [units], "
              "initializer=tf.zeros_initializer()).")
_KERNEL_HINT = ("tf.layers.dense starts its kernel with tf.glorot_uniform_initializer(), "
                "which is also tf.get_variable's default: leave the initializer out or pass it.")
_OUTPUT_HINT = "the output is tf.matmul(inputs, kernel) + bias."
_ACTIVATION_HINT = "when activation is given, return activation(tf.matmul(inputs, kernel) + bias)."


# --------------------------------------------------------------------------------------------
@exercise(
    "03b_dense", "03b_three_ways", "A dense layer by hand, named like tf.layers.dense",
    "手写一个全连接层，变量命名与 tf.layers.dense 相同",
    """
    Write `dense(inputs, units, activation=None)` with raw ops, so that it can replace
    `tf.layers.dense` in a program and in its checkpoints: make a variable scope numbered as
    the layers are (`dense` for the first call, `dense_1` for the next, inside whatever scope
    the caller opened); in it, create with `tf.get_variable` a `kernel` of shape
    `[inputs' last dimension, units]`, initialized as `tf.layers.dense` initializes it, and a
    `bias` of shape `[units]`, starting at zero. Return
    `tf.matmul(inputs, kernel) + bias`, passed through `activation` when one is given.
    `inputs` is a matrix `[batch, n]`.
    """,
    """
    用基本操作编写 `dense(inputs, units, activation=None)`，使它能在程序和检查点中代替
    `tf.layers.dense`：创建一个按层的方式编号的变量作用域（第一次调用为 `dense`，下一次为
    `dense_1`，位于调用者打开的作用域之内）；在其中用 `tf.get_variable` 创建形状为
    `[inputs 的最后一维, units]` 的 `kernel`（初始化方式与 `tf.layers.dense` 相同）和形状为
    `[units]`、初始为零的 `bias`。返回 `tf.matmul(inputs, kernel) + bias`，给了
    `activation` 时再经过它。`inputs` 是一个矩阵 `[batch, n]`。
    """,
    """
    import flowkit as tf

    def dense(inputs, units, activation=None):
        raise NotImplementedError
    """)
def _check_dense(fn):
    x = tf.placeholder(tf.float32, [None, 6], name="x")
    try:
        out1 = require_tensor(call(fn, x, 4), "dense(x, 4)")
        out2 = require_tensor(call(fn, out1, 3, tf.nn.relu), "dense(h, 3, tf.nn.relu)")
    except Fail as f:
        if "already exists" in f.message:
            raise Fail(f.message, _NAMES_HINT) from None
        raise
    names = _var_names()
    want = ["dense/bias", "dense/kernel", "dense_1/bias", "dense_1/kernel"]
    if names != want:
        leaves = sorted({n.rsplit("/", 1)[-1] for n in names})
        hint = _KERNEL_BIAS_HINT if leaves != ["bias", "kernel"] else _NAMES_HINT
        raise Fail(f"two calls made the variables {names}; tf.layers.dense would make "
                   f"{want}.", hint)
    by_name = {v.op.name: v for v in tf.global_variables()}
    for name, shape in (("dense/kernel", [6, 4]), ("dense/bias", [4]),
                        ("dense_1/kernel", [4, 3]), ("dense_1/bias", [3])):
        got = by_name[name].shape.as_list()
        if got != shape:
            raise Fail(f"{name} has shape {got}, expected {shape}.", _SHAPE_HINT)
    _check_reuse(fn, x)
    _check_initial_values(fn)
    _check_outputs(x, (out1, out2), by_name)
    return "Named, shaped, initialized and shared like tf.layers.dense, with its outputs."


def _check_reuse(fn, x):
    before = _var_names()
    with tf.variable_scope("shared"):
        call(fn, x, 2)
    made = sorted(set(_var_names()) - set(before))
    if made != ["shared/dense/bias", "shared/dense/kernel"]:
        raise Fail(f"inside tf.variable_scope(\"shared\") the call made {made}; tf.layers.dense "
                   "would make shared/dense/kernel and shared/dense/bias.", _NAMES_HINT)
    with tf.variable_scope("shared", reuse=True):
        call(fn, x, 2)
    again = sorted(set(_var_names()) - set(before) - set(made))
    if again:
        raise Fail(f"called again under tf.variable_scope(\"shared\", reuse=True), it made new "
                   f"variables {again} instead of sharing shared/dense's.", _REUSE_HINT)


def _check_initial_values(fn):
    big = tf.placeholder(tf.float32, [None, 300], name="big")
    with tf.variable_scope("init"):
        call(fn, big, 100)
    with tf.variable_scope("init", reuse=True):
        kernel = tf.get_variable("dense/kernel")
        bias = tf.get_variable("dense/bias")
    with tf.Session() as sess:
        sess.run(tf.variables_initializer([kernel, bias]))
        k, b = sess.run([kernel, bias])
    if np.any(b != 0):
        raise Fail("the bias does not start at zero.", _BIAS_HINT)
    limit = np.sqrt(6.0 / (300 + 100))      # Glorot's uniform range for a [300, 100] kernel
    spread = float(np.abs(k).max())
    if not (0.97 * limit <= spread <= limit * (1 + 1e-6)) or abs(k.mean()) > 0.05 * limit \
            or not 0.9 < float(k.std()) / (limit / np.sqrt(3.0)) < 1.1:
        raise Fail(f"a [300, 100] kernel starts with values in [{k.min():.3f}, {k.max():.3f}] "
                   f"(standard deviation {k.std():.4f}); tf.layers.dense's are uniform in "
                   f"[-{limit:.3f}, {limit:.3f}] (standard deviation "
                   f"{limit / np.sqrt(3.0):.4f}).", _KERNEL_HINT)


def _check_outputs(x, outs, by_name):
    with tf.variable_scope("reference"):
        ref1 = tf.layers.dense(x, 4)
        ref2 = tf.layers.dense(ref1, 3, activation=tf.nn.relu)
        pre2 = tf.layers.dense(ref1, 3, name="dense_1", reuse=True)
    refs = {v.op.name[len("reference/"):]: v for v in tf.global_variables()
            if v.op.name.startswith("reference/")}
    rng = np.random.default_rng(11)
    values = {name: rng.standard_normal(by_name[name].shape.as_list()).astype(np.float32)
              for name in ("dense/kernel", "dense/bias", "dense_1/kernel", "dense_1/bias")}
    img = rng.standard_normal((5, 6)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for name, value in values.items():
            by_name[name].load(value, sess)
            refs[name].load(value, sess)
        got1, got2, want1, want2, before = sess.run([*outs, ref1, ref2, pre2], {x: img})
    close(got1, want1, "dense(x, 4)", _OUTPUT_HINT)
    if np.allclose(got2, before, rtol=1e-4, atol=1e-5) and not np.allclose(before, want2):
        raise Fail("dense(h, 3, tf.nn.relu) did not apply the ReLU.", _ACTIVATION_HINT)
    close(got2, want2, "dense(h, 3, tf.nn.relu)", _ACTIVATION_HINT)


# The Chinese hints and verdict (flowkit.exercises._zh holds those of the other tutorials).
VERDICTS.update({
    "Named, shaped, initialized and shared like tf.layers.dense, with its outputs.":
        "变量的名字、形状、初始值和共享方式都与 tf.layers.dense 相同，输出也一致。",
})
HINTS.update({
    _NAMES_HINT:
        '在函数中打开 tf.variable_scope(None, default_name="dense")：第一次调用的作用域是 '
        "dense，下一次是 dense_1，与 tf.layers 给层编号的方式相同。",
    _KERNEL_BIAS_HINT:
        'tf.layers.dense 把它的变量叫作 "kernel" 和 "bias"（tf.contrib.layers 叫作 '
        '"weights" 和 "biases"）。',
    _SHAPE_HINT: "kernel 的形状是 [inputs 的最后一维, units]，bias 的形状是 [units]。",
    _REUSE_HINT:
        "用 tf.get_variable 创建变量：在重用变量的作用域中，它返回已有的变量，而 tf.Variable "
        "会创建一个新的。",
    _BIAS_HINT:
        'bias 从零开始：tf.get_variable("bias", [units], initializer=tf.zeros_initializer())。',
    _KERNEL_HINT:
        "tf.layers.dense 用 tf.glorot_uniform_initializer() 初始化 kernel，这也是 "
        "tf.get_variable 的默认初始化器：不写 initializer，或者显式传入它。",
    _OUTPUT_HINT: "输出是 tf.matmul(inputs, kernel) + bias。",
    _ACTIVATION_HINT:
        "给了 activation 时，返回 activation(tf.matmul(inputs, kernel) + bias)。",
})
