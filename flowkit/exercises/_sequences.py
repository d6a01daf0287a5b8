"""Exercises for tutorials 11 and 12: averaging the processes' gradients as allreduce does
(simulated in one graph, so no PyTorch is needed), a GRU cell of your own that matches
``tf.nn.rnn_cell.GRUCell``, and a product computed by ``tf.while_loop``."""
from __future__ import annotations

import numpy as np

import flowkit as tf
from flowkit.exercises._core import Fail, call, close, exercise, require_tensor
from flowkit.testing import check_gradients

# --------------------------------------------------------------------------------------------
# 11: what allreduce does to the gradients
# --------------------------------------------------------------------------------------------
_AVG_GENERIC = ("for each variable i, average tower_grads[r][i][0] over the processes r: "
                "zip(*tower_grads) groups the pairs by variable; divide the sum by "
                "len(tower_grads) (or tf.reduce_mean(tf.stack(grads), 0)).")


@exercise(
    "11_average_gradients", "11_distributed",
    "Average the processes' gradients, as allreduce does", "像 allreduce 那样平均各进程的梯度",
    """
    Each process computes the gradients of its own share of the batch. Write
    `average_gradients(tower_grads)`: `tower_grads` has one entry per process, the list of
    `(gradient, variable)` pairs that `opt.compute_gradients(loss)` returned there, for
    the same variables in the same order. Return one list of `(gradient, variable)` pairs,
    one per variable, whose gradient is the mean over the processes: what
    `hvd.DistributedOptimizer`'s allreduce computes, and what `opt.apply_gradients` then
    applies on every process. Build it with flowkit ops. The check simulates 2 and 4
    processes in one graph (each takes its slice of the batch, as in the tutorial) and
    compares with the gradient of the whole batch.
    """,
    """
    每个进程计算自己那一份批次的梯度。编写 `average_gradients(tower_grads)`：
    `tower_grads` 中每个进程一项，是该进程上 `opt.compute_gradients(loss)` 返回的
    `(gradient, variable)` 对的列表，各进程的变量相同、顺序相同。返回一个
    `(gradient, variable)` 对的列表，每个变量一对，其梯度是各进程梯度的平均值：这正是
    `hvd.DistributedOptimizer` 的 allreduce 计算的结果，随后 `opt.apply_gradients` 在每个
    进程上应用它。请用 flowkit 的操作构建。检查在一张图中模拟 2 个和 4 个进程（每个进程像
    教程中那样取批次中属于自己的一段），并与整个批次的梯度比较。
    """,
    """
    import flowkit as tf

    def average_gradients(tower_grads):
        raise NotImplementedError
    """)
def _check_average_gradients(fn):
    rng = np.random.default_rng(11)
    batch = 8
    xv = rng.standard_normal((batch, 4)).astype(np.float32)
    yv = np.eye(3, dtype=np.float32)[rng.integers(0, 3, batch)]
    W = tf.Variable(rng.normal(0, 0.5, (4, 3)).astype(np.float32), name="W")
    b = tf.Variable(np.zeros(3, np.float32), name="b")
    opt = tf.train.GradientDescentOptimizer(0.5)

    def loss_of(x, y):
        return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(
            labels=y, logits=tf.matmul(x, W) + b))

    whole = [g for g, _ in opt.compute_gradients(loss_of(xv, yv), [W, b])]
    for size in (2, 4):
        rows = batch // size
        tower_grads = [opt.compute_gradients(
            loss_of(xv[r * rows:(r + 1) * rows], yv[r * rows:(r + 1) * rows]), [W, b])
            for r in range(size)]
        got = call(fn, [list(t) for t in tower_grads])
        grads = _pairs(got, [W, b])
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            got_v, want_v, towers_v = sess.run([grads, whole, [[g for g, _ in t]
                                                               for t in tower_grads]])
            for i, var in enumerate(("W", "b")):
                summed = sum(t[i] for t in towers_v)
                what = f"with {size} processes, the gradient of {var}"
                if np.allclose(got_v[i], summed, atol=1e-6) and size > 1:
                    raise Fail(f"{what} is the sum over the processes.",
                               "allreduce averages: divide the sum by the number of "
                               "processes, len(tower_grads).")
                if np.allclose(got_v[i], towers_v[0][i], atol=1e-6):
                    raise Fail(f"{what} is the first process's gradient.",
                               "average over every process's gradient, not only the "
                               "first one's.")
                close(got_v[i], want_v[i], what, _AVG_GENERIC)
            # The averaged pairs are what apply_gradients takes: one step, same as the batch.
            before = sess.run(W)
            sess.run(opt.apply_gradients(list(zip(grads, [W, b]))))
            close(sess.run(W), before - 0.5 * want_v[0], f"W after one step with {size} "
                  "processes", _AVG_GENERIC)
    return ("The mean of the processes' gradients is the gradient of the whole batch: "
            "allreduce gives every process the same step.")


def _pairs(got, variables):
    """The gradients of the learner's ``[(gradient, variable), ...]``, checked in form."""
    hint = ("return a list of (gradient, variable) pairs, one per variable, in the order "
            "of the variables: [(mean_gradient, var), ...].")
    try:
        pairs = [tuple(p) for p in got]
    except TypeError:
        raise Fail(f"expected a list of (gradient, variable) pairs, got "
                   f"{type(got).__name__}.", hint) from None
    if len(pairs) != len(variables) or any(len(p) != 2 for p in pairs):
        raise Fail(f"expected {len(variables)} (gradient, variable) pairs, one per variable, "
                   f"got {len(pairs)} items.", hint)
    for (_, var), want in zip(pairs, variables):
        if var is not want:
            raise Fail(f"a pair holds {getattr(var, 'name', var)!r} where "
                       f"{want.name!r} was expected.",
                       "keep each gradient with its variable: the variable is the same on "
                       "every process, take it from the first process's pair.")
    return [require_tensor(g, f"the gradient of {v.op.name}") for (g, _), v
            in zip(pairs, variables)]


# --------------------------------------------------------------------------------------------
# 12: a GRU cell of your own, checked against tf.nn.rnn_cell.GRUCell
# --------------------------------------------------------------------------------------------
_UNITS, _DEPTH, _STEPS = 3, 2, 4
_GRU_VARS = (("gates/kernel", [_DEPTH + _UNITS, 2 * _UNITS]), ("gates/bias", [2 * _UNITS]),
             ("candidate/kernel", [_DEPTH + _UNITS, _UNITS]), ("candidate/bias", [_UNITS]))
_GRU_NAMES_HINT = ('create them with tf.get_variable inside tf.variable_scope(scope or '
                   '"gru_cell"): "gates/kernel" [depth + num_units, 2 * num_units], '
                   '"gates/bias" [2 * num_units], "candidate/kernel" [depth + num_units, '
                   'num_units], "candidate/bias" [num_units]; depth is inputs.shape[1].')
_GRU_GENERIC = ("r, u = tf.split(tf.sigmoid(tf.matmul(tf.concat([inputs, state], 1), "
                "gate_kernel) + gate_bias), 2, 1); c = tf.tanh(tf.matmul(tf.concat("
                "[inputs, r * state], 1), candidate_kernel) + candidate_bias); new_h = u * "
                "state + (1 - u) * c.")


@exercise(
    "12_gru_cell", "12_rnn", "A GRU cell that matches tf.nn.rnn_cell.GRUCell",
    "一个与 tf.nn.rnn_cell.GRUCell 一致的 GRU 单元",
    """
    Write `MyGRUCell(num_units)`, a subclass of `tf.nn.rnn_cell.RNNCell` whose
    `__call__(inputs, state, scope=None)` computes one step of TF's GRU and returns
    `(new_h, new_h)`. Inside `tf.variable_scope(scope or "gru_cell")`, make the variables
    with `tf.get_variable`, named as TF names them so that a TF1 checkpoint loads:
    `gates/kernel` of shape [depth + num_units, 2 * num_units] and `gates/bias` (ones),
    `candidate/kernel` of shape [depth + num_units, num_units] and `candidate/bias`
    (zeros), where depth is `inputs.shape[1]`. Then, with `[a, b]` the concatenation along
    axis 1: `r, u = split(sigmoid([inputs, state] gates/kernel + gates/bias))` (the reset
    gate first), `c = tanh([inputs, r * state] candidate/kernel + candidate/bias)`, and
    `new_h = u * state + (1 - u) * c`. The check compares your cell with flowkit's `GRUCell`
    (with the same weights) one step at a time and inside `tf.nn.dynamic_rnn`, then checks
    its gradients by finite differences.
    """,
    """
    编写 `MyGRUCell(num_units)`：`tf.nn.rnn_cell.RNNCell` 的子类，它的
    `__call__(inputs, state, scope=None)` 计算 TF 的 GRU 的一步，并返回
    `(new_h, new_h)`。在 `tf.variable_scope(scope or "gru_cell")` 中用
    `tf.get_variable` 创建变量，并按 TF 的方式命名，这样 TF1 的检查点就能加载：
    `gates/kernel`，形状为 [depth + num_units, 2 * num_units]，以及 `gates/bias`（初始为
    1）；`candidate/kernel`，形状为 [depth + num_units, num_units]，以及
    `candidate/bias`（初始为 0），其中 depth 是 `inputs.shape[1]`。然后，记 `[a, b]`
    为沿第 1 维的拼接：`r, u = split(sigmoid([inputs, state] gates/kernel + gates/bias))`
    （重置门在前），`c = tanh([inputs, r * state] candidate/kernel + candidate/bias)`，
    `new_h = u * state + (1 - u) * c`。检查会把你的单元与 flowkit 的 `GRUCell`（使用同样的
    权重）逐步比较，也在 `tf.nn.dynamic_rnn` 中比较，然后用有限差分检查它的梯度。
    """,
    """
    import flowkit as tf

    class MyGRUCell(tf.nn.rnn_cell.RNNCell):
        def __init__(self, num_units):
            super().__init__()
            self._num_units = num_units

        @property
        def state_size(self):
            return self._num_units

        @property
        def output_size(self):
            return self._num_units

        def __call__(self, inputs, state, scope=None):
            raise NotImplementedError
    """)
def _check_gru_cell(cls):
    if not (isinstance(cls, type) and issubclass(cls, tf.nn.rnn_cell.RNNCell)):
        raise Fail(f"expected a subclass of tf.nn.rnn_cell.RNNCell, got {cls!r}.",
                   "pass the class itself: exercises.check('12_gru_cell', MyGRUCell).")
    cell = call(cls, _UNITS)
    if cell.state_size != _UNITS or cell.output_size != _UNITS:
        raise Fail(f"MyGRUCell({_UNITS}) has state_size {cell.state_size} and output_size "
                   f"{cell.output_size}.", "both are num_units: a GRU's output is its state.")
    rng = np.random.default_rng(12)
    x = tf.placeholder(tf.float32, [None, _DEPTH], name="inputs")
    h = tf.placeholder(tf.float32, [None, _UNITS], name="state")
    with tf.variable_scope("step"):
        out, new = _step(call(cell, x, h))
    step_vars = _gru_variables("step/")
    with tf.variable_scope("step", reuse=True):
        again, _ = _step(call(cell, x, h))
    if len(tf.global_variables()) != 4:
        raise Fail("a second call, under reuse=True, made new variables: "
                   f"{sorted(v.op.name for v in tf.global_variables())}.",
                   "tf.Variable always creates a new variable; tf.get_variable returns the "
                   "existing one when the scope reuses.")
    seqs = tf.placeholder(tf.float32, [None, _STEPS, _DEPTH], name="sequences")
    lengths = tf.placeholder(tf.int32, [None], name="lengths")
    mine_out, mine_state = call(lambda: tf.nn.dynamic_rnn(
        cls(_UNITS), seqs, sequence_length=lengths, dtype=tf.float32, scope="mine"))
    ref_out, ref_state = tf.nn.dynamic_rnn(tf.nn.rnn_cell.GRUCell(_UNITS), seqs,
                                           sequence_length=lengths, dtype=tf.float32,
                                           scope="ref")
    mine_vars, ref_vars = _gru_variables("mine/"), _gru_variables("ref/")
    weights = [rng.normal(0, 0.7, shape).astype(np.float32) for _, shape in _GRU_VARS]
    xv = rng.standard_normal((5, _DEPTH)).astype(np.float32)
    hv = rng.uniform(-0.9, 0.9, (5, _UNITS)).astype(np.float32)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        first = sess.run(step_vars)
        if not (np.all(first[1] == 1) and np.all(first[3] == 0)):
            raise Fail("the biases do not start as GRUCell's: gates/bias at one, "
                       "candidate/bias at zero.",
                       "initializer=tf.ones_initializer() for gates/bias and "
                       "tf.zeros_initializer() for candidate/bias.")
        sess.run([tf.assign(v, w) for vs in (step_vars, mine_vars, ref_vars)
                  for v, w in zip(vs, weights)])
        got, got_new, got_again = sess.run([out, new, again], {x: xv, h: hv})
        _compare_step(got, got_new, got_again, xv, hv, weights)
        sv = rng.standard_normal((3, _STEPS, _DEPTH)).astype(np.float32)
        feed = {seqs: sv, lengths: [4, 2, 1]}
        mo, ms, ro, rs = sess.run([mine_out, mine_state, ref_out, ref_state], feed)
    close(mo, ro, "the outputs of tf.nn.dynamic_rnn over your cell", _GRU_GENERIC)
    close(ms, rs, "the final state of tf.nn.dynamic_rnn over your cell", _GRU_GENERIC)
    _check_cell_gradients(cls, xv, hv, weights)
    return ("Your cell matches GRUCell step by step and in dynamic_rnn, its variables are "
            "named as TF names them, and its gradients are right.")


def _step(result):
    if not isinstance(result, (list, tuple)) or len(result) != 2:
        raise Fail(f"__call__ should return (output, new_state), got {type(result).__name__}.",
                   "return new_h, new_h: a GRU's output is its new state.")
    return [require_tensor(t, what) for t, what in zip(result, ("the output", "the state"))]


def _gru_variables(prefix):
    """The cell's four variables under ``prefix``, in _GRU_VARS's order."""
    found = {v.op.name: v for v in tf.global_variables() if v.op.name.startswith(prefix)}
    out = []
    for suffix, shape in _GRU_VARS:
        match = [v for n, v in found.items() if n.endswith("/" + suffix)]
        if len(match) != 1 or match[0].shape.as_list() != shape:
            made = ", ".join(f"{n} {v.shape.as_list()}" for n, v in sorted(found.items()))
            raise Fail(f"the cell made the variables [{made}]; expected one named .../{suffix} "
                       f"of shape {shape} (and .../gates/kernel, .../gates/bias, "
                       ".../candidate/kernel, .../candidate/bias).", _GRU_NAMES_HINT)
        out.append(match[0])
    return out


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _np_gru(x, h, weights, swap=False, flip=False):
    gk, gb, ck, cb = weights
    r, u = np.split(_sigmoid(np.concatenate([x, h], 1) @ gk + gb), 2, axis=1)
    if swap:
        r, u = u, r
    c = np.tanh(np.concatenate([x, r * h], 1) @ ck + cb)
    return (1 - u) * h + u * c if flip else u * h + (1 - u) * c


def _compare_step(got, got_new, got_again, xv, hv, weights):
    want = _np_gru(xv, hv, weights)
    if np.shape(got) == want.shape and not np.allclose(got, want, atol=1e-4):
        if np.allclose(got, _np_gru(xv, hv, weights, swap=True), atol=1e-4):
            raise Fail("one step of your cell swaps the two gates.",
                       "TF's order: r, u = tf.split(..., 2, 1): the reset gate is the first "
                       "half, the update gate the second.")
        if np.allclose(got, _np_gru(xv, hv, weights, flip=True), atol=1e-4):
            raise Fail("one step of your cell mixes the old state and the candidate the "
                       "other way round.", "new_h = u * state + (1 - u) * c: the update "
                       "gate u keeps the old state.")
    close(got, want, "one step of your cell (with GRUCell's weights)", _GRU_GENERIC)
    close(got_new, got, "the new state", "return new_h, new_h: a GRU's output is its new "
          "state.")
    close(got_again, got, "a second call, under reuse=True",
          "both calls must use the same variables.")


def _check_cell_gradients(cls, xv, hv, weights):
    """Finite differences on one step: the inputs, the state and the four weights, fed
    through a custom getter in place of the variables (in float64)."""
    def step(x, h, *ws):
        by_name = dict(zip((n for n, _ in _GRU_VARS), ws))

        def getter(getter, name, *args, **kwargs):
            for suffix, w in by_name.items():
                if name.endswith("/" + suffix):
                    return w
            return getter(name, *args, **kwargs)

        with tf.variable_scope("gradcheck", custom_getter=getter):
            return cls(_UNITS)(x, h)[0]

    report = check_gradients(step, [xv[:2], hv[:2]] + list(weights))
    if not report.ok:
        raise Fail(f"the gradient check failed: {report}",
                   "use flowkit ops only: each has a gradient rule.")


# --------------------------------------------------------------------------------------------
# 12: a loop in the graph
# --------------------------------------------------------------------------------------------
@exercise(
    "12_while_product", "12_rnn", "A product with tf.while_loop, and its gradient",
    "用 tf.while_loop 求乘积，以及它的梯度",
    """
    Write `product(x)`: the product of the elements of the vector `x`, whose length is
    known only when the graph runs (its shape is [None]), computed by `tf.while_loop` as
    `dynamic_rnn` loops over time: the loop variables are a step counter `i` and the
    running product `p`; the body returns `(i + 1, p * x[i])` and the condition
    `i < tf.size(x)`. Start `p` at one with `x`'s dtype. The product of an empty vector is
    1. The check runs it on vectors of several lengths and checks the gradient, which flows
    back through the loop, by finite differences.
    """,
    """
    编写 `product(x)`：向量 `x` 所有元素的乘积。`x` 的长度只有在图运行时才知道（形状为
    [None]）。请像 `dynamic_rnn` 在时间上循环那样用 `tf.while_loop` 来计算：循环变量是
    步数计数器 `i` 和累乘结果 `p`；循环体返回 `(i + 1, p * x[i])`，条件是
    `i < tf.size(x)`。`p` 从 1 开始，dtype 与 `x` 相同。空向量的乘积是 1。检查会在几种
    长度的向量上运行它，并用有限差分检查穿过循环反向传播的梯度。
    """,
    """
    import flowkit as tf

    def product(x):
        raise NotImplementedError
    """)
def _check_while_product(fn):
    x = tf.placeholder(tf.float32, [None], name="x")
    p = require_tensor(call(fn, x), "product(x)")
    if not any(op.type == "While" for op in tf.get_default_graph().get_operations()):
        raise Fail("the graph has no While op.",
                   "the length is known only when the graph runs: loop with tf.while_loop("
                   "cond, body, [i, p]), not with a Python loop or tf.reduce_prod.")
    cases = [np.array([2.0, -3.0, 0.5, 4.0], np.float32), np.array([1.5], np.float32),
             np.zeros(0, np.float32), np.array([0.5, 2.0, -1.0, 3.0, 1.5, -0.5], np.float32)]
    with tf.Session() as sess:
        for xv in cases:
            got = sess.run(p, {x: xv})
            if np.shape(got) == () and np.allclose(got, 0) and len(xv) and np.all(xv):
                raise Fail(f"product({xv.tolist()}) is 0.",
                           "start the running product at one: tf.ones([], dtype=x.dtype).")
            close(got, np.prod(xv), f"product({xv.tolist()})",
                  "the body returns (i + 1, p * x[i]) and the loop runs while i < tf.size(x).")
    try:
        report = check_gradients(fn, [np.array([1.5, -2.0, 0.5, 3.0])])
    except Exception as e:  # noqa: BLE001 - shown to the learner
        raise Fail(f"in float64 your function raised {type(e).__name__}: {e}",
                   "start the running product at one: tf.ones([], dtype=x.dtype), so "
                   "that the loop works for any float dtype.") from e
    if not report.ok:
        raise Fail(f"the gradient check failed: {report}",
                   "use flowkit ops only: each has a gradient rule.")
    return ("Right for every length, the empty vector included, and the gradient through "
            "the loop agrees with finite differences.")
