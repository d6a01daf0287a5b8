"""Exercises for tutorials 1-3: a layer as graph ops, running a session, a softmax loss and
one step of gradient descent by hand."""
from __future__ import annotations

import numpy as np

import flowkit as tf
from flowkit.exercises._core import Fail, call, close, exercise, require_tensor
from flowkit.testing import check_gradients


def _grad_check(fn, inputs, hint):
    """Compares the symbolic gradient of `fn` with finite differences (flowkit.testing)."""
    try:
        report = check_gradients(fn, inputs)
    except Fail:
        raise
    except Exception as e:  # noqa: BLE001 - shown to the learner
        raise Fail(f"the gradient could not be built: {type(e).__name__}: {e}", hint) from e
    if not report.ok:
        raise Fail(f"the gradient check failed: {report}", hint)
    return report


# --------------------------------------------------------------------------------------------
@exercise(
    "01_relu_layer", "01_graphs", "A layer as graph ops", "用图的操作搭一层",
    """
    Write `relu_layer(x, W, b)`: the lecture's `h = ReLU(Wx + b)` for a batch `x` of
    shape [batch, n_in], weights `W` of shape [n_in, n_out] and biases `b` of shape
    [n_out]. The arguments are tensors of the graph; return a tensor of the graph, built only
    from flowkit ops, so that a session can run it and `tf.gradients` can differentiate it.
    """,
    """
    编写 `relu_layer(x, W, b)`：即讲义中的 `h = ReLU(Wx + b)`。`x` 是形状为
    [batch, n_in] 的一批输入，权重 `W` 的形状为 [n_in, n_out]，偏置 `b` 的形状为
    [n_out]。参数都是图中的张量；请只用 flowkit 的操作构建并返回图中的一个张量，这样会话
    才能运行它，`tf.gradients` 才能对它求梯度。
    """,
    """
    import flowkit as tf

    def relu_layer(x, W, b):
        raise NotImplementedError
    """)
def _check_relu_layer(fn):
    rng = np.random.default_rng(1)
    xv, wv, bv = rng.standard_normal((4, 3)), rng.standard_normal((3, 2)), rng.standard_normal(2)
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    W = tf.placeholder(tf.float32, [3, 2], name="W")
    b = tf.placeholder(tf.float32, [2], name="b")
    h = require_tensor(call(fn, x, W, b), "relu_layer(x, W, b)")
    with tf.Session() as sess:
        got = sess.run(h, {x: xv, W: wv, b: bv})
    pre = xv @ wv + bv
    if np.shape(got) == pre.shape and np.allclose(got, pre, atol=1e-4):
        raise Fail("the result is Wx + b: the ReLU is missing.", "apply tf.nn.relu to it.")
    if np.shape(got) == pre.shape and np.allclose(got, np.maximum(xv @ wv, 0), atol=1e-4):
        raise Fail("the result is ReLU(Wx): the bias is missing.", "add b before the ReLU.")
    close(got, np.maximum(pre, 0), "relu_layer on a batch of 4",
          "h = tf.nn.relu(tf.matmul(x, W) + b); tf.matmul(x, W) multiplies [batch, n_in] by "
          "[n_in, n_out].")
    # Away from the kink of the ReLU, so that finite differences are exact enough.
    bv = np.where(np.abs(pre).min(axis=0) < 0.1, bv + 0.3, bv)
    _grad_check(fn, [xv, wv, bv], "use flowkit ops only: each has a gradient rule.")
    return "The values and the gradients (checked by finite differences) are right."


# --------------------------------------------------------------------------------------------
@exercise(
    "02_run_fresh", "02_sessions", "Run fetches in a new session", "在新的会话中运行",
    """
    Write `run_fresh(fetches, feed_dict)`: open a new session on the default graph,
    initialize the variables, run `fetches` with `feed_dict` and return exactly what
    `sess.run` returns (a value for a tensor, a list for a list, a dict for a dict). Close
    the session when you are done.
    """,
    """
    编写 `run_fresh(fetches, feed_dict)`：在默认的图上打开一个新的会话，初始化变量，用
    `feed_dict` 运行 `fetches`，并原样返回 `sess.run` 的结果（张量得到一个值，列表得到
    列表，字典得到字典）。用完后关闭会话。
    """,
    """
    import flowkit as tf

    def run_fresh(fetches, feed_dict):
        raise NotImplementedError
    """)
def _check_run_fresh(fn):
    x = tf.placeholder(tf.float32, [3], name="x")
    v = tf.Variable([1.0, 2.0, 3.0], name="v")
    total = tf.reduce_sum(x * v, name="total")
    xv = np.array([1.0, -1.0, 2.0], np.float32)
    try:
        got = call(fn, total, {x: xv})
    except Fail as f:
        if "FailedPrecondition" in f.message or "uninitialized" in f.message.lower():
            raise Fail(f.message, "a new session starts with no variable values: run "
                       "tf.global_variables_initializer() in it first.") from None
        raise
    close(got, 5.0, "run_fresh(total, feed)", "return sess.run(fetches, feed_dict).")
    got = call(fn, {"total": total, "both": [v, x * 2.0]}, {x: xv})
    if not isinstance(got, dict) or sorted(got) != ["both", "total"]:
        raise Fail(f"for a dict of fetches the result should be a dict with the same keys, "
                   f"got {type(got).__name__}.", "return what sess.run returns, unchanged.")
    close(got["total"], 5.0, "the 'total' entry", "return sess.run(fetches, feed_dict).")
    if not isinstance(got["both"], list) or len(got["both"]) != 2:
        raise Fail("the 'both' entry should be a list of two values.",
                   "return what sess.run returns, unchanged.")
    close(got["both"][1], xv * 2, "the 'both' entry's second value",
          "pass feed_dict to sess.run.")
    return "A new session, initialized variables, and the fetch structure kept."


# --------------------------------------------------------------------------------------------
@exercise(
    "03_softmax_loss", "03_training", "A softmax cross-entropy loss that stays finite",
    "不会变成 NaN 的 softmax 交叉熵损失",
    """
    Write `softmax_loss(logits, labels)`: the mean over the batch of the cross-entropy
    between the one-hot `labels` and `softmax(logits)`, both of shape [batch, classes],
    as a scalar tensor. It must stay finite when a softmax saturates (logits such as
    [1000, 0, -1000]) and have the right gradient with respect to the logits.
    """,
    """
    编写 `softmax_loss(logits, labels)`：独热（one-hot）标签 `labels` 与
    `softmax(logits)` 之间的交叉熵在整个批次上的平均值，两者的形状都是
    [batch, classes]，返回一个标量张量。当 softmax 饱和时（例如 logits 为
    [1000, 0, -1000]）它也必须是有限值，并且对 logits 的梯度必须正确。
    """,
    """
    import flowkit as tf

    def softmax_loss(logits, labels):
        raise NotImplementedError
    """)
def _check_softmax_loss(fn):
    rng = np.random.default_rng(3)
    lv = rng.standard_normal((5, 4))
    yv = np.eye(4)[rng.integers(0, 4, 5)]
    logits = tf.placeholder(tf.float32, [None, 4], name="logits")
    labels = tf.placeholder(tf.float32, [None, 4], name="labels")
    loss = require_tensor(call(fn, logits, labels), "softmax_loss(logits, labels)")
    shifted = lv - lv.max(axis=1, keepdims=True)
    per_example = -(yv * (shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))).sum(1)
    with tf.Session() as sess:
        got = np.asarray(sess.run(loss, {logits: lv, labels: yv}))
        if got.shape != ():
            raise Fail(f"the loss has shape {got.shape}; it should be a scalar.",
                       "average the per-example losses over the batch with tf.reduce_mean.")
        if np.isclose(got, per_example.sum(), rtol=1e-4):
            raise Fail("the loss is the sum over the batch, not the mean.",
                       "tf.reduce_mean keeps the loss (and the step size) independent of the "
                       "batch size.")
        close(got, per_example.mean(), "the loss of a batch of 5",
              "cross-entropy is -sum(labels * log(softmax(logits))) over the classes, then "
              "the mean over the batch.")
        big = sess.run(loss, {logits: [[1000.0, 0.0, -1000.0, 0.0]],
                              labels: [[0.0, 0.0, 1.0, 0.0]]})
    if not np.isfinite(big):
        raise Fail(f"with logits [1000, 0, -1000, 0] the loss is {big}: the softmax saturates "
                   "to exactly 0 for the true class and log(0) = -inf.",
                   "never take the log of a softmax: use "
                   "tf.nn.softmax_cross_entropy_with_logits_v2(labels=..., logits=...), or "
                   "tf.nn.log_softmax(logits), which work from the logits.")
    close(big, 2000.0, "the loss for logits [1000, 0, -1000, 0] and true class 2",
          "log_softmax(z)_i = z_i - log(sum_j exp(z_j)); here that is -1000 - 1000.", rtol=1e-3)
    _grad_check(lambda z: fn(z, tf.constant(yv)), [lv],
                "build the loss from flowkit ops so tf.gradients can differentiate it.")
    return "Right values, finite when the softmax saturates, right gradient."


# --------------------------------------------------------------------------------------------
@exercise(
    "03_sgd_step", "03_training", "What minimize does: one step of gradient descent",
    "minimize 做了什么：手写一步梯度下降",
    """
    Write `sgd_step(loss, var_list, learning_rate)` without `tf.train`: add the gradients
    of `loss` with respect to each variable to the graph (`tf.gradients`), then for each
    variable an op that applies `var <- var - learning_rate * grad`, and return one op that
    runs all the updates (`tf.group`). Each `sess.run` of it is one training step.
    """,
    """
    不使用 `tf.train`，编写 `sgd_step(loss, var_list, learning_rate)`：先把 `loss`
    对每个变量的梯度加入图中（`tf.gradients`），再为每个变量加入一个执行
    `var <- var - learning_rate * grad` 的操作，最后返回一个运行全部更新的操作
    （`tf.group`）。每次 `sess.run` 它就是一步训练。
    """,
    """
    import flowkit as tf

    def sgd_step(loss, var_list, learning_rate):
        raise NotImplementedError
    """)
def _check_sgd_step(fn):
    xv = np.array([1.0, 2.0, -1.0], np.float32)
    w = tf.Variable([0.5, -0.5, 1.0], name="w")
    c = tf.Variable(0.25, name="c")
    x = tf.constant(xv)
    loss = tf.reduce_sum(tf.square(w * x + c - 1.0))
    step = call(fn, loss, [w, c], 0.1)
    if isinstance(step, (list, tuple)):
        raise Fail("sgd_step returned a list; it should return one op.",
                   "group the updates: tf.group(*updates).")
    if not isinstance(step, (tf.Operation, tf.Tensor)):
        raise Fail(f"sgd_step returned {type(step).__name__}, not an op of the graph.",
                   "return tf.group(*updates).")
    if any(op.name.split("/")[0] in ("GradientDescent", "Adam", "Momentum")
           for op in tf.get_default_graph().get_operations()):
        raise Fail("the step uses a tf.train optimizer.",
                   "write the update yourself with tf.assign_sub(var, learning_rate * grad).")
    wv, cv = np.array([0.5, -0.5, 1.0]), 0.25
    want = []
    for _ in range(2):
        r = wv * xv + cv - 1.0
        wv, cv = wv - 0.1 * 2 * r * xv, cv - 0.1 * 2 * r.sum()
        want.append((wv.copy(), cv))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        for i, (w_want, c_want) in enumerate(want):
            sess.run(step)
            got_w, got_c = sess.run([w, c])
            if i == 0 and np.allclose(got_w, [0.5, -0.5, 1.0]):
                raise Fail("running the step left the variables unchanged.",
                           "the returned op must run the assignments: return "
                           "tf.group(*[tf.assign_sub(v, learning_rate * g) for ...]).")
            first = f"after step {i + 1}, w"
            close(got_w, w_want, first,
                  "each variable moves against its own gradient: "
                  "var - learning_rate * d(loss)/d(var), with the gradients from "
                  "tf.gradients(loss, var_list).")
            close(got_c, c_want, f"after step {i + 1}, c",
                  "update every variable in var_list, not only the first.")
    return "Two steps by hand match gradient descent."
