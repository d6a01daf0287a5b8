"""Exercises for tutorials 6-8: running on every backend, the gradient rule and the NumPy
kernel of an op plugin (checked with flowkit.testing's gradient and conformance checks), and
an optimizer with a slot."""
from __future__ import annotations

import contextlib
import types

import numpy as np

import flowkit as tf
from flowkit import plugins
from flowkit.exercises._core import Fail, call, close, exercise
from flowkit.testing import Case, check_gradients, run_conformance

_OP = "ExerciseSoftplus"


# --------------------------------------------------------------------------------------------
@exercise(
    "06_run_everywhere", "06_backends", "The same graph on every backend",
    "同一张图，在每个后端上运行",
    """
    Write `run_everywhere(fetch, feed_dict)`: for every installed backend (their names are
    `flowkit.plugins.backend_names()`) open a session on that backend, initialize the
    variables, run `fetch` with `feed_dict`, and return a dict `{backend name: value}`.
    """,
    """
    编写 `run_everywhere(fetch, feed_dict)`：对每个已安装的后端（名称见
    `flowkit.plugins.backend_names()`），在该后端上打开一个会话，初始化变量，用
    `feed_dict` 运行 `fetch`，并返回字典 `{后端名称: 值}`。
    """,
    """
    import flowkit as tf
    from flowkit import plugins

    def run_everywhere(fetch, feed_dict):
        raise NotImplementedError
    """)
def _check_run_everywhere(fn):
    x = tf.placeholder(tf.float32, [2, 3], name="x")
    W = tf.Variable(np.arange(6, dtype=np.float32).reshape(3, 2) / 4, name="W")
    y = tf.nn.softmax(tf.matmul(x, W))
    xv = np.random.default_rng(8).standard_normal((2, 3)).astype(np.float32)
    try:
        got = call(fn, y, {x: xv})
    except Fail as f:
        if "FailedPrecondition" in f.message or "uninitialized" in f.message.lower():
            raise Fail(f.message, "variables live in each session: initialize them in every "
                       "new session.") from None
        raise
    names = plugins.backend_names()
    if not isinstance(got, dict) or sorted(got) != sorted(names):
        keys = sorted(got) if isinstance(got, dict) else type(got).__name__
        raise Fail(f"expected a dict with the keys {sorted(names)}, got {keys}.",
                   "loop over plugins.backend_names() and open tf.Session(backend=name).")
    z = xv @ (np.arange(6).reshape(3, 2) / 4)
    want = np.exp(z - z.max(1, keepdims=True))
    want /= want.sum(1, keepdims=True)
    for name in names:
        close(got[name], want, f"the value on {name!r}", "run fetch with feed_dict.")
    return f"The same values on {', '.join(names)}."


# --------------------------------------------------------------------------------------------
def _softplus(x, name=None):
    with plugins.op_scope(name, _OP, [x]) as scope:
        x = plugins.convert_to_tensor(x)
        return plugins.make_tensor(_OP, (x,), {}, scope)


def _numpy_softplus(attrs, x):
    return np.logaddexp(np.zeros((), x.dtype), x).astype(x.dtype)


def _torch_softplus(attrs, x):
    import torch
    return torch.nn.functional.softplus(x)


def _given_grad(op, grad):
    return [grad * tf.sigmoid(op.inputs[0])]


@contextlib.contextmanager
def _registered(grad, numpy_kernel):
    """Registers the exercise's op with the learner's piece, and removes it afterwards."""
    kernels = {"numpy": numpy_kernel}
    if "torch" in plugins.backend_names():
        kernels["torch"] = _torch_softplus
    plugin = types.ModuleType("flowkit_exercise_softplus")
    plugin.flowkit_register_ops = plugins.hookimpl(lambda: [plugins.OpSpec(
        type=_OP, shape=plugins.same_dtype_shape, grad=grad, kernels=kernels,
        builder=_softplus)])
    try:
        plugins.register_plugin(plugin, name="flowkit_exercise_softplus")
    except Exception as e:  # noqa: BLE001 - shown to the learner
        raise Fail(f"the op could not be registered: {type(e).__name__}: {e}",
                   "check the function's signature against the starting code.") from e
    try:
        yield
    finally:
        plugins.unregister_plugin(plugin)


def _gradient_report(hint):
    try:
        report = check_gradients(_softplus, [np.linspace(-3.0, 3.0, 7).reshape(7, 1)])
    except Exception as e:  # noqa: BLE001 - shown to the learner
        raise Fail(f"building or running the gradient failed: {type(e).__name__}: "
                   f"{str(e).splitlines()[0] if str(e) else ''}", hint) from e
    if not report.ok:
        raise Fail(f"the symbolic gradient disagrees with finite differences: {report}", hint)


@exercise(
    "07_softplus_grad", "07_op_plugin", "The gradient rule of an op",
    "一个算子的梯度规则",
    """
    An op plugin brings the op `ExerciseSoftplus`, `softplus(x) = log(1 + exp(x))`, with
    its kernels. Write its gradient rule `softplus_grad(op, grad)`: given the op (its input
    is `op.inputs[0]`) and the gradient `grad` flowing into its output, return a list with
    the gradient for each input, built from flowkit ops. The check registers the op with your
    rule and compares it with finite differences (`flowkit.testing.check_gradients`).
    """,
    """
    一个算子插件提供了算子 `ExerciseSoftplus`，即 `softplus(x) = log(1 + exp(x))`，以及它的
    kernel。请编写它的梯度规则 `softplus_grad(op, grad)`：已知该算子（输入为
    `op.inputs[0]`）和流入其输出的梯度 `grad`，用 flowkit 的操作构建并返回一个列表，
    其中是每个输入的梯度。检查会用你的规则注册该算子，并与有限差分的结果比较
    （`flowkit.testing.check_gradients`）。
    """,
    """
    import flowkit as tf

    def softplus_grad(op, grad):
        raise NotImplementedError
    """)
def _check_softplus_grad(fn):
    calls = []

    def learner_grad(op, grad):
        calls.append(op)
        out = call(fn, op, grad)
        if isinstance(out, tf.Tensor):
            raise Fail("the rule returned a tensor; it should return a list, one gradient "
                       "per input.", "return a list: [grad * ...].")
        return out

    with _registered(learner_grad, _numpy_softplus):
        try:
            _gradient_report("d softplus(x)/dx = sigmoid(x); multiply by the incoming grad "
                             "(the chain rule): [grad * tf.sigmoid(op.inputs[0])].")
        except Fail as f:
            if f.__cause__ is not None and isinstance(f.__cause__, Fail):
                raise f.__cause__ from None
            raise
        if not calls:
            raise Fail("the gradient rule was never called.", "keep the signature "
                       "softplus_grad(op, grad).")
    return "Your gradient rule agrees with finite differences."


@exercise(
    "07_softplus_kernel", "07_op_plugin", "The NumPy kernel of an op",
    "一个算子的 NumPy kernel",
    """
    Write the NumPy kernel `softplus_kernel(attrs, x)` of the op `ExerciseSoftplus`:
    `log(1 + exp(x))` elementwise, for a NumPy array `x`, returned as an array of the same
    dtype and shape. It must not overflow: softplus(100) is 100 (and `exp(100)` overflows
    float32). The check registers the op with your kernel and runs flowkit.testing's gradient
    check and, where PyTorch is installed, its conformance check against a PyTorch kernel.
    """,
    """
    编写算子 `ExerciseSoftplus` 的 NumPy kernel `softplus_kernel(attrs, x)`：对 NumPy 数组
    `x` 逐元素计算 `log(1 + exp(x))`，返回 dtype 和形状都与输入相同的数组。它不能溢出：
    softplus(100) 等于 100（而 `exp(100)` 在 float32 中会溢出）。检查会用你的 kernel 注册
    该算子，运行 flowkit.testing 的梯度检查，并在安装了 PyTorch 时运行与 PyTorch kernel
    比较的一致性（conformance）检查。
    """,
    """
    import numpy as np

    def softplus_kernel(attrs, x):
        raise NotImplementedError
    """)
def _check_softplus_kernel(fn):
    x32 = np.array([-2.0, -0.5, 0.0, 0.5, 2.0], np.float32)
    out = call(fn, {}, x32, numpy_is_right=True)
    if not isinstance(out, np.ndarray):
        raise Fail(f"the kernel returned {type(out).__name__}, not a NumPy array.",
                   "compute with NumPy functions on x (np.log1p, np.exp, np.logaddexp).")
    if out.dtype != x32.dtype or out.shape != x32.shape:
        raise Fail(f"for a float32 array of shape (5,) the kernel returned {out.dtype} "
                   f"{out.shape}.", "return the input's dtype: .astype(x.dtype).")
    close(out, np.log1p(np.exp(x32.astype(np.float64))), "softplus([-2, -0.5, 0, 0.5, 2])",
          "softplus(x) = log(1 + exp(x)).")
    big = call(fn, {}, np.array([100.0, -100.0], np.float32),
               numpy_is_right=True)
    if not np.all(np.isfinite(big)):
        raise Fail(f"softplus([100, -100]) gave {big}: exp(100) overflows float32.",
                   "rewrite it so nothing large is exponentiated: "
                   "max(x, 0) + log1p(exp(-|x|)), or np.logaddexp(0, x).")
    close(big, [100.0, 0.0], "softplus([100, -100])", "max(x, 0) + log1p(exp(-|x|)).")
    with _registered(_given_grad, lambda attrs, x: call(fn, attrs, x, numpy_is_right=True)):
        _gradient_report("the gradient check runs your kernel at x +- delta in float64: it "
                         "must be accurate in float64 too.")
        if "torch" in plugins.backend_names():
            report = run_conformance("torch", cases=[Case(
                _OP, _softplus, [np.linspace(-5, 5, 12, dtype=np.float32).reshape(3, 4)])],
                gradients=False)
            if not report.ok:
                raise Fail(f"PyTorch's kernel and yours disagree: {report}",
                           "softplus(x) = log(1 + exp(x)), elementwise, same dtype and shape.")
    return "Right values and dtype, no overflow, and the op passes the gradient check."


# --------------------------------------------------------------------------------------------
@exercise(
    "08_momentum", "08_optimizer_plugin", "An optimizer with a slot: momentum",
    "带槽（slot）的优化器：动量法",
    """
    Complete `MomentumSGD`, a subclass of `tf.train.Optimizer`. `_create_slots` makes
    one slot per variable, named `"accum"`, starting at zero
    (`self._zeros_slot(v, "accum")`). `_apply_dense(grad, var)` returns the op that
    updates one variable:
    `accum <- momentum * accum + grad`, then `var <- var - learning_rate * accum` (using
    the new `accum`).
    """,
    """
    补全 `MomentumSGD`，它是 `tf.train.Optimizer` 的子类。`_create_slots` 为每个变量创建
    一个名为 `"accum"` 的槽，初始为零（`self._zeros_slot(v, "accum")`）。
    `_apply_dense(grad, var)` 返回更新一个变量的操作：先
    `accum <- momentum * accum + grad`，再用新的 `accum` 计算
    `var <- var - learning_rate * accum`。
    """,
    """
    import flowkit as tf

    class MomentumSGD(tf.train.Optimizer):
        def __init__(self, learning_rate, momentum=0.9, use_locking=False,
                     name="MomentumSGD"):
            super().__init__(use_locking, name)
            self._lr, self._momentum = learning_rate, momentum

        def _create_slots(self, var_list):
            raise NotImplementedError

        def _apply_dense(self, grad, var):
            raise NotImplementedError
    """)
def _check_momentum(cls):
    if not (isinstance(cls, type) and issubclass(cls, tf.train.Optimizer)):
        raise Fail("check the class itself (MomentumSGD), a subclass of tf.train.Optimizer.",
                   "pass the class, not an instance: exercises.check('08_momentum', "
                   "MomentumSGD).")
    w = tf.Variable([3.0, -2.0], name="w")
    loss = tf.reduce_sum(w * w)
    opt = call(cls, 0.1, 0.9)
    step = call(opt.minimize, loss)
    if "accum" not in opt.get_slot_names():
        raise Fail(f"the optimizer's slots are {opt.get_slot_names()}; expected 'accum'.",
                   'in _create_slots: for v in var_list: self._zeros_slot(v, "accum").')
    wv, acc = np.array([3.0, -2.0]), np.zeros(2)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i in range(3):
            acc = 0.9 * acc + 2 * wv
            wv = wv - 0.1 * acc
            sess.run(step)
            hint = ("accum <- momentum * accum + grad (tf.assign on the slot), then "
                    "tf.assign_sub(var, lr * new_accum); return that op.")
            if i > 0:
                hint = ("the first step is right, the next is not: store the new accumulator "
                        "in the slot with tf.assign, and use its new value.")
            close(sess.run(w), wv, f"w after step {i + 1}", hint)
            close(sess.run(opt.get_slot(w, "accum")), acc, f"the slot after step {i + 1}", hint)
    return "Three steps of momentum, with the accumulator kept in a slot."
