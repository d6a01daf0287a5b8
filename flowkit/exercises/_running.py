"""Exercises for tutorials 9 and 10: which ops a run needs, and finding the first tensor
that is not finite with one run."""
from __future__ import annotations

import numpy as np

import flowkit as tf
from flowkit.exercises._core import Fail, call, exercise
from flowkit.plan_order import prune as _prune


def _names(result):
    if isinstance(result, (str, tf.Operation)):
        result = [result]
    try:
        return {r if isinstance(r, str) else r.name for r in result}
    except (TypeError, AttributeError):
        raise Fail(f"expected a set of ops (or op names), got {type(result).__name__}.",
                   "return a set of tf.Operation objects or their names.") from None


# --------------------------------------------------------------------------------------------
@exercise(
    "09_needed_ops", "09_inside", "Which ops does a run need?", "一次运行需要哪些操作？",
    """
    Write `needed_ops(fetches, feed_dict)`: the set of ops (or op names) that
    `sess.run(fetches, feed_dict)` runs. `fetches` is a list of tensors and ops. Start at
    the fetched tensors' ops and the fetched ops, and walk backwards through each op's inputs
    (`op.inputs`, the ops that make them: `t.op`) and control inputs
    (`op.control_inputs`), stopping at tensors that are fed: a fed tensor's op does not run.
    """,
    """
    编写 `needed_ops(fetches, feed_dict)`：返回 `sess.run(fetches, feed_dict)` 会运行的操作
    （或操作名）的集合。`fetches` 是由张量和操作组成的列表。从被取回张量所属的操作和被取回的
    操作出发，沿每个操作的输入（`op.inputs`，产生它们的操作是 `t.op`）和控制输入
    （`op.control_inputs`）向回走，遇到被馈送（feed）的张量就停下：被馈送张量所属的操作
    不会运行。
    """,
    """
    import flowkit as tf

    def needed_ops(fetches, feed_dict):
        raise NotImplementedError
    """)
def _check_needed_ops(fn):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    W = tf.Variable(tf.ones([3, 2]), name="W")
    h = tf.nn.relu(tf.matmul(x, W) + 1.0, name="h")
    loss = tf.reduce_sum(h * h, name="loss")
    tf.exp(x, name="never_used")
    log = tf.no_op(name="log_step")
    with tf.control_dependencies([log]):
        logged = tf.identity(loss, name="logged")
    cases = [
        ("fetching loss, feeding x", [loss], {x: np.ones((1, 3))}),
        ("fetching loss, feeding x and h", [loss], {x: np.ones((1, 3)), h: np.ones((1, 2))}),
        ("fetching logged (which has a control input), feeding x", [logged],
         {x: np.ones((1, 3))}),
        ("fetching h and the op of W's initializer", [h, W.initializer],
         {x: np.ones((1, 3))}),
    ]
    for what, fetches, feeds in cases:
        got = _names(call(fn, list(fetches), dict(feeds)))
        want = {op.name for op in _prune(fetches, set(feeds))}
        missing, extra = sorted(want - got), sorted(got - want)
        if missing:
            hint = ("follow control inputs too (op.control_inputs)." if "log_step" in missing
                    else "walk back through every input of every op you reach: t.op for t "
                    "in op.inputs.")
            raise Fail(f"{what}: missing {missing}.", hint)
        if extra:
            hint = ("a fed tensor's op does not run: stop at tensors in feed_dict."
                    if {"x", "h"} & set(extra) or "MatMul" in extra else
                    "only the ops the fetches need run: start from the fetches, not from "
                    "every op of the graph.")
            raise Fail(f"{what}: {extra} would not run.", hint)
    return "You pruned the graph the way the session plans a run."


# --------------------------------------------------------------------------------------------
class _CountingSession:
    """A session that counts its runs (the learner's function gets this one)."""

    def __init__(self, sess):
        self._sess, self.runs = sess, 0

    def run(self, fetches, feed_dict=None, **kwargs):
        self.runs += 1
        return self._sess.run(fetches, feed_dict, **kwargs)

    def __getattr__(self, name):
        return getattr(self._sess, name)


@exercise(
    "10_first_non_finite", "10_tips", "Debug a NaN: find the first tensor that is not finite",
    "调试 NaN：找到第一个不是有限值的张量",
    """
    Write `first_non_finite(sess, tensors, feed_dict)`: `tensors` is a list of tensors in
    the order the computation makes them. Fetch them all with *one* `sess.run` (each op runs
    once per call, and only what is needed runs) and return the first tensor whose value has
    a NaN or an infinity (`np.isfinite`), or `None` when all are finite.
    """,
    """
    编写 `first_non_finite(sess, tensors, feed_dict)`：`tensors` 是按计算顺序排列的张量
    列表。用*一次* `sess.run` 取回它们全部（每次调用中每个操作只运行一次，并且只运行需要的
    部分），返回第一个值中含有 NaN 或无穷大的张量（用 `np.isfinite` 判断）；如果全部是有限
    值，返回 `None`。
    """,
    """
    import numpy as np

    def first_non_finite(sess, tensors, feed_dict):
        raise NotImplementedError
    """)
def _check_first_non_finite(fn):
    logits = tf.placeholder(tf.float32, [None, 3], name="logits")
    labels = tf.placeholder(tf.float32, [None, 3], name="labels")
    probs = tf.nn.softmax(logits, name="probs")
    logp = tf.log(probs, name="log_probs")
    naive = tf.negative(tf.reduce_sum(labels * logp), name="naive_loss")
    tensors = [probs, logp, naive]
    with tf.Session() as raw:
        for feed, want in (
                ({logits: [[1000.0, 0.0, -1000.0]], labels: [[0.0, 0.0, 1.0]]}, logp),
                ({logits: [[1.0, 0.0, -1.0]], labels: [[0.0, 0.0, 1.0]]}, None)):
            sess = _CountingSession(raw)
            got = call(fn, sess, list(tensors), feed)
            if sess.runs != 1:
                raise Fail(f"your function called sess.run {sess.runs} times.",
                           "fetch the whole list in one call: sess.run(tensors, feed_dict).")
            name = got if isinstance(got, str) or got is None else getattr(got, "name", got)
            want_name = None if want is None else want.name
            if name != want_name:
                hint = ("return None when every value is finite." if want is None else
                        "check the tensors in order and return the first one with "
                        "not np.all(np.isfinite(value)): probs is finite (it has an exact "
                        "0), its log is not.")
                raise Fail(f"got {name!r}, expected {want_name!r}.", hint)
    return "One run, and the first non-finite tensor found: log of a saturated softmax."
