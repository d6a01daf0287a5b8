"""The exercises of flowkit.exercises: each check accepts a reference solution (kept here, not
in the learner-facing text) and turns typical wrong answers into a verdict with a hint."""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

import flowkit as tf
from flowkit import exercises, plugins


# --------------------------------------------------------------------------------------------
# Reference solutions
# --------------------------------------------------------------------------------------------
def relu_layer(x, W, b):
    return tf.nn.relu(tf.matmul(x, W) + b)


def run_fresh(fetches, feed_dict):
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run(fetches, feed_dict)


def softmax_loss(logits, labels):
    return tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels,
                                                                     logits=logits))


def softmax_loss_log_softmax(logits, labels):
    return tf.reduce_mean(-tf.reduce_sum(labels * tf.nn.log_softmax(logits), axis=1))


def sgd_step(loss, var_list, learning_rate):
    grads = tf.gradients(loss, var_list)
    return tf.group(*[tf.assign_sub(v, learning_rate * g) for v, g in zip(var_list, grads)])


def conv_relu(input, kernel_shape, bias_shape):
    weights = tf.get_variable("weights", kernel_shape,
                              initializer=tf.random_normal_initializer())
    biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
    conv = tf.nn.conv2d(input, weights, strides=[1, 1, 1, 1], padding="SAME")
    return tf.nn.relu(conv + biases)


def siamese(image1, image2, filter_fn):
    with tf.variable_scope("siamese") as scope:
        out1 = filter_fn(image1)
        scope.reuse_variables()
        out2 = filter_fn(image2)
    return out1, out2


def restore_latest(folder):
    with tf.variable_scope("softmax"):
        w = tf.get_variable("weights", [64, 10])
        b = tf.get_variable("biases", [10])
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, tf.train.latest_checkpoint(folder))
        return sess.run([w, b])


def run_everywhere(fetch, feed_dict):
    out = {}
    for name in plugins.backend_names():
        with tf.Session(backend=name) as sess:
            sess.run(tf.global_variables_initializer())
            out[name] = sess.run(fetch, feed_dict)
    return out


def softplus_grad(op, grad):
    return [grad * tf.sigmoid(op.inputs[0])]


def softplus_kernel(attrs, x):
    return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype)


class MomentumSGD(tf.train.Optimizer):
    def __init__(self, learning_rate, momentum=0.9, use_locking=False, name="MomentumSGD"):
        super().__init__(use_locking, name)
        self._lr, self._momentum = learning_rate, momentum

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accum")

    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "accum")
        m = tf.cast(self._momentum, var.dtype)
        new_accum = tf.assign(accum, m * accum + grad)
        return tf.assign_sub(var, tf.cast(self._lr, var.dtype) * new_accum).op


def needed_ops(fetches, feed_dict):
    seen, stack = set(), []
    for f in fetches:
        if isinstance(f, tf.Tensor):
            if f not in feed_dict:
                stack.append(f.op)
        else:
            stack.append(f)
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs if t not in feed_dict)
        stack.extend(op.control_inputs)
    return seen


def first_non_finite(sess, tensors, feed_dict):
    for t, v in zip(tensors, sess.run(tensors, feed_dict)):
        if not np.all(np.isfinite(v)):
            return t
    return None


def average_gradients(tower_grads):
    averaged = []
    for pairs in zip(*tower_grads):
        grads = [g for g, _ in pairs]
        averaged.append((tf.add_n(grads) / len(grads), pairs[0][1]))
    return averaged


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
        n, depth = self._num_units, int(inputs.shape[1])
        with tf.variable_scope(scope or "gru_cell"):
            gate_kernel = tf.get_variable("gates/kernel", [depth + n, 2 * n])
            gate_bias = tf.get_variable("gates/bias", [2 * n],
                                        initializer=tf.ones_initializer())
            cand_kernel = tf.get_variable("candidate/kernel", [depth + n, n])
            cand_bias = tf.get_variable("candidate/bias", [n],
                                        initializer=tf.zeros_initializer())
            r, u = tf.split(tf.sigmoid(tf.matmul(tf.concat([inputs, state], 1), gate_kernel)
                                       + gate_bias), 2, 1)
            c = tf.tanh(tf.matmul(tf.concat([inputs, r * state], 1), cand_kernel) + cand_bias)
            new_h = u * state + (1 - u) * c
        return new_h, new_h


class GRUByCall(tf.nn.rnn_cell.RNNCell):
    """The other way RNNCell allows: build() and call(), the scope handled by the base."""

    def __init__(self, num_units):
        super().__init__(name="gru_cell")
        self._num_units = num_units

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        n, depth = self._num_units, int(inputs_shape[1])
        with tf.variable_scope("gates"):
            self._gk = tf.get_variable("kernel", [depth + n, 2 * n])
            self._gb = tf.get_variable("bias", [2 * n], initializer=tf.ones_initializer())
        with tf.variable_scope("candidate"):
            self._ck = tf.get_variable("kernel", [depth + n, n])
            self._cb = tf.get_variable("bias", [n], initializer=tf.zeros_initializer())

    def call(self, inputs, state):
        gates = tf.sigmoid(tf.matmul(tf.concat([inputs, state], 1), self._gk) + self._gb)
        r, u = tf.split(gates, 2, 1)
        c = tf.tanh(tf.matmul(tf.concat([inputs, r * state], 1), self._ck) + self._cb)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


def product(x):
    def body(i, p):
        return i + 1, p * x[i]
    _, p = tf.while_loop(lambda i, p: i < tf.size(x), body,
                         [tf.constant(0), tf.ones([], dtype=x.dtype)])
    return p


SOLUTIONS = {
    "01_relu_layer": relu_layer,
    "02_run_fresh": run_fresh,
    "03_softmax_loss": softmax_loss,
    "03_sgd_step": sgd_step,
    "04_conv_relu": conv_relu,
    "04_siamese": siamese,
    "05_restore": restore_latest,
    "06_run_everywhere": run_everywhere,
    "07_softplus_grad": softplus_grad,
    "07_softplus_kernel": softplus_kernel,
    "08_momentum": MomentumSGD,
    "09_needed_ops": needed_ops,
    "10_first_non_finite": first_non_finite,
    "11_average_gradients": average_gradients,
    "12_gru_cell": MyGRUCell,
    "12_while_product": product,
}


# --------------------------------------------------------------------------------------------
# Wrong answers a learner writes, and a word the hint must contain
# --------------------------------------------------------------------------------------------
def _no_relu(x, W, b):
    return tf.matmul(x, W) + b


def _numpy_layer(x, W, b):
    return np.maximum(np.dot(x, W) + b, 0)


def _no_init(fetches, feed_dict):
    return tf.Session().run(fetches, feed_dict)


def _notes_loss(logits, labels):          # the notes' loss, verbatim: log of a softmax
    return tf.reduce_mean(-tf.reduce_sum(labels * tf.log(tf.nn.softmax(logits)), axis=1))


def _sum_loss(logits, labels):
    return tf.reduce_sum(tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels,
                                                                    logits=logits))


def _gradient_only(loss, var_list, learning_rate):
    return tf.group(*tf.gradients(loss, var_list))


def _ascent(loss, var_list, learning_rate):
    grads = tf.gradients(loss, var_list)
    return tf.group(*[tf.assign_add(v, learning_rate * g) for v, g in zip(var_list, grads)])


def _with_variable(input, kernel_shape, bias_shape):
    weights = tf.Variable(tf.random_normal(kernel_shape), name="weights")
    biases = tf.Variable(tf.zeros(bias_shape), name="biases")
    return tf.nn.relu(tf.nn.conv2d(input, weights, [1, 1, 1, 1], "SAME") + biases)


def _no_reuse(image1, image2, filter_fn):
    with tf.variable_scope("siamese"):
        return filter_fn(image1), filter_fn(image2)


def _two_scopes(image1, image2, filter_fn):
    with tf.variable_scope("siamese"):
        with tf.variable_scope("a"):
            out1 = filter_fn(image1)
        with tf.variable_scope("b"):
            out2 = filter_fn(image2)
    return out1, out2


def _restore_without_scope(folder):
    w = tf.get_variable("weights", [64, 10])
    b = tf.get_variable("biases", [10])
    with tf.Session() as sess:
        tf.train.Saver().restore(sess, tf.train.latest_checkpoint(folder))
        return sess.run([w, b])


def _initialize_instead(folder):
    with tf.variable_scope("softmax"):
        w = tf.get_variable("weights", [64, 10])
        b = tf.get_variable("biases", [10])
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return sess.run([w, b])


def _several_backends() -> bool:
    return len(plugins.backend_names()) > 1


def _skip_if_one_backend(wrong):
    if wrong is _numpy_only and not _several_backends():
        pytest.skip("with NumPy the only backend installed, running on NumPy alone is right")


def _numpy_only(fetch, feed_dict):
    with tf.Session(backend="numpy") as sess:
        sess.run(tf.global_variables_initializer())
        return {"numpy": sess.run(fetch, feed_dict)}


def _forgot_chain_rule(op, grad):
    return [tf.sigmoid(op.inputs[0])]


def _grad_not_list(op, grad):
    return grad * tf.sigmoid(op.inputs[0])


def _overflowing_kernel(attrs, x):
    return np.log(1 + np.exp(x)).astype(x.dtype)


def _float64_kernel(attrs, x):
    return np.logaddexp(0, x.astype(np.float64))


class _MomentumNoSlot(MomentumSGD):
    def _create_slots(self, var_list):
        pass

    def _apply_dense(self, grad, var):
        return tf.assign_sub(var, self._lr * grad).op


class _MomentumNotStored(MomentumSGD):
    def _apply_dense(self, grad, var):
        accum = self.get_slot(var, "accum")
        return tf.assign_sub(var, self._lr * (self._momentum * accum + grad)).op


def _no_control_inputs(fetches, feed_dict):
    seen, stack = set(), [f.op if isinstance(f, tf.Tensor) else f for f in fetches]
    while stack:
        op = stack.pop()
        if op not in seen:
            seen.add(op)
            stack.extend(t.op for t in op.inputs if t not in feed_dict)
    return seen


def _ignores_feeds(fetches, feed_dict):
    return needed_ops(fetches, {})


def _one_run_per_tensor(sess, tensors, feed_dict):
    for t in tensors:
        if not np.all(np.isfinite(sess.run(t, feed_dict))):
            return t
    return None


def _checks_only_the_last(sess, tensors, feed_dict):
    values = sess.run(tensors, feed_dict)
    return tensors[-1] if not np.all(np.isfinite(values[-1])) else None


def _summed_gradients(tower_grads):
    return [(tf.add_n([g for g, _ in pairs]), pairs[0][1]) for pairs in zip(*tower_grads)]


def _first_process_only(tower_grads):
    return list(tower_grads[0])


def _halved_gradients(tower_grads):      # right for two processes only
    return [(tf.add_n([g for g, _ in pairs]) / 2.0, pairs[0][1]) for pairs in zip(*tower_grads)]


def _gradients_only(tower_grads):
    return [tf.add_n([g for g, _ in pairs]) / len(pairs) for pairs in zip(*tower_grads)]


class WrongGRUGatesSwapped(MyGRUCell):        # the tutorial's order: update gate first
    def __call__(self, inputs, state, scope=None):
        n, depth = self._num_units, int(inputs.shape[1])
        with tf.variable_scope(scope or "gru_cell"):
            gk = tf.get_variable("gates/kernel", [depth + n, 2 * n])
            gb = tf.get_variable("gates/bias", [2 * n], initializer=tf.ones_initializer())
            ck = tf.get_variable("candidate/kernel", [depth + n, n])
            cb = tf.get_variable("candidate/bias", [n], initializer=tf.zeros_initializer())
            u, r = tf.split(tf.sigmoid(tf.matmul(tf.concat([inputs, state], 1), gk) + gb), 2, 1)
            c = tf.tanh(tf.matmul(tf.concat([inputs, r * state], 1), ck) + cb)
            new_h = u * state + (1 - u) * c
        return new_h, new_h


class WrongGRUFlipped(MyGRUCell):
    def __call__(self, inputs, state, scope=None):
        n, depth = self._num_units, int(inputs.shape[1])
        with tf.variable_scope(scope or "gru_cell"):
            gk = tf.get_variable("gates/kernel", [depth + n, 2 * n])
            gb = tf.get_variable("gates/bias", [2 * n], initializer=tf.ones_initializer())
            ck = tf.get_variable("candidate/kernel", [depth + n, n])
            cb = tf.get_variable("candidate/bias", [n], initializer=tf.zeros_initializer())
            r, u = tf.split(tf.sigmoid(tf.matmul(tf.concat([inputs, state], 1), gk) + gb), 2, 1)
            c = tf.tanh(tf.matmul(tf.concat([inputs, r * state], 1), ck) + cb)
            new_h = (1 - u) * state + u * c
        return new_h, new_h


class WrongGRUTutorialNames(MyGRUCell):       # the tutorial's cell: W, b, U, c
    def __call__(self, inputs, state, scope=None):
        n, depth = self._num_units, int(inputs.shape[1])
        with tf.variable_scope(scope or "gru"):
            W = tf.get_variable("W", [depth + n, 2 * n])
            b = tf.get_variable("b", [2 * n], initializer=tf.ones_initializer())
            U = tf.get_variable("U", [depth + n, n])
            c = tf.get_variable("c", [n], initializer=tf.zeros_initializer())
            z, r = tf.split(tf.sigmoid(tf.matmul(tf.concat([inputs, state], 1), W) + b), 2, 1)
            o = tf.tanh(tf.matmul(tf.concat([inputs, r * state], 1), U) + c)
            new_state = z * state + (1 - z) * o
        return new_state, new_state


class WrongGRUWithVariables(MyGRUCell):
    def __call__(self, inputs, state, scope=None):
        n, depth = self._num_units, int(inputs.shape[1])
        with tf.variable_scope(scope or "gru_cell"):
            gk = tf.Variable(tf.random_normal([depth + n, 2 * n]), name="gates/kernel")
            gb = tf.Variable(tf.ones([2 * n]), name="gates/bias")
            ck = tf.Variable(tf.random_normal([depth + n, n]), name="candidate/kernel")
            cb = tf.Variable(tf.zeros([n]), name="candidate/bias")
            r, u = tf.split(tf.sigmoid(tf.matmul(tf.concat([inputs, state], 1), gk) + gb), 2, 1)
            c = tf.tanh(tf.matmul(tf.concat([inputs, r * state], 1), ck) + cb)
            new_h = u * state + (1 - u) * c
        return new_h, new_h


def _reduce_prod(x):
    return tf.reduce_prod(x)


def _product_from_zero(x):
    _, p = tf.while_loop(lambda i, p: i < tf.size(x), lambda i, p: (i + 1, p * x[i]),
                         [tf.constant(0), tf.zeros([], dtype=x.dtype)])
    return p


def _product_float32_start(x):
    _, p = tf.while_loop(lambda i, p: i < tf.size(x), lambda i, p: (i + 1, p * x[i]),
                         [tf.constant(0), tf.constant(1.0)])
    return p


WRONG = [
    ("01_relu_layer", _no_relu, "tf.nn.relu"),
    ("01_relu_layer", _numpy_layer, "flowkit ops"),
    ("02_run_fresh", _no_init, "global_variables_initializer"),
    ("03_softmax_loss", _notes_loss, "softmax_cross_entropy_with_logits_v2"),
    ("03_softmax_loss", _sum_loss, "reduce_mean"),
    ("03_sgd_step", _gradient_only, "tf.group"),
    ("03_sgd_step", _ascent, "against its own gradient"),
    ("04_conv_relu", _with_variable, "tf.get_variable"),
    ("04_siamese", _no_reuse, "reuse_variables"),
    ("04_siamese", _two_scopes, "reuse_variables"),
    ("05_restore", _restore_without_scope, "variable_scope"),
    ("05_restore", _initialize_instead, "latest_checkpoint"),
    ("06_run_everywhere", _numpy_only, "backend_names"),
    ("07_softplus_grad", _forgot_chain_rule, "chain rule"),
    ("07_softplus_grad", _grad_not_list, "list"),
    ("07_softplus_kernel", _overflowing_kernel, "log1p"),
    ("07_softplus_kernel", _float64_kernel, "astype"),
    ("08_momentum", _MomentumNoSlot, "_zeros_slot"),
    ("08_momentum", _MomentumNotStored, "tf.assign"),
    ("09_needed_ops", _no_control_inputs, "control_inputs"),
    ("09_needed_ops", _ignores_feeds, "fed tensor"),
    ("10_first_non_finite", _one_run_per_tensor, "one call"),
    ("10_first_non_finite", _checks_only_the_last, "in order"),
    ("11_average_gradients", _summed_gradients, "len(tower_grads)"),
    ("11_average_gradients", _first_process_only, "every process"),
    ("11_average_gradients", _halved_gradients, "len(tower_grads)"),
    ("11_average_gradients", _gradients_only, "(gradient, variable) pairs"),
    ("12_gru_cell", WrongGRUGatesSwapped, "reset gate"),
    ("12_gru_cell", WrongGRUFlipped, "keeps the old state"),
    ("12_gru_cell", WrongGRUTutorialNames, "gates/kernel"),
    ("12_gru_cell", WrongGRUWithVariables, "tf.get_variable"),
    ("12_while_product", _reduce_prod, "tf.while_loop"),
    ("12_while_product", _product_from_zero, "at one"),
    ("12_while_product", _product_float32_start, "dtype=x.dtype"),
]


@pytest.fixture(autouse=True)
def _fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def _solutions_of_the_other_exercise_tests():
    """The exercises tested in a file of their own (tests/test_exercises_*.py, e.g. tutorial
    3b's): their SOLUTIONS and the names in their WRONG."""
    import importlib.util
    import pathlib
    solutions, wrong = {}, set()
    for path in sorted(pathlib.Path(__file__).parent.glob("test_exercises_*.py")):
        spec = importlib.util.spec_from_file_location(f"_solutions_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        solutions.update(getattr(module, "SOLUTIONS", {}))
        wrong |= {name for name, _, _ in getattr(module, "WRONG", [])}
    return solutions, wrong


def test_every_tutorial_has_an_exercise_with_a_solution_here():
    others, others_wrong = _solutions_of_the_other_exercise_tests()
    assert exercises.tutorials() == sorted(exercises._core.TUTORIALS)
    assert sorted({**SOLUTIONS, **others}) == sorted(exercises.names())
    assert {name for name, _, _ in WRONG} == set(SOLUTIONS)
    assert others_wrong == set(others)


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_the_reference_solution_passes(name):
    result = exercises.check(name, SOLUTIONS[name])
    assert result.ok, str(result)
    assert str(result).startswith(f"{name}: right!")


def test_another_correct_softmax_loss_passes():
    assert exercises.check("03_softmax_loss", softmax_loss_log_softmax).ok


def test_a_gru_cell_written_with_build_and_call_passes_too():
    result = exercises.check("12_gru_cell", GRUByCall)
    assert result.ok, str(result)


def test_a_gru_cell_whose_biases_start_wrong_gets_the_hint():
    class ZeroGateBias(MyGRUCell):
        def __call__(self, inputs, state, scope=None):
            with tf.variable_scope(scope or "gru_cell", reuse=tf.AUTO_REUSE) as vs:
                tf.get_variable("gates/bias", [2 * self._num_units],
                                initializer=tf.zeros_initializer())
                return super().__call__(inputs, state, scope=vs)

    result = exercises.check("12_gru_cell", ZeroGateBias)
    assert not result.ok and "ones_initializer" in result.hint, str(result)


def test_the_distributed_exercise_needs_no_pytorch(tmp_path):
    script = tmp_path / "no_torch.py"
    script.write_text(
        "import sys\nsys.modules['torch'] = None          # import torch now fails\n"
        "import flowkit as tf\nfrom flowkit import exercises\n"
        "def average_gradients(tower_grads):\n"
        "    return [(tf.add_n([g for g, _ in p]) / len(p), p[0][1]) for p in zip(*tower_grads)]\n"
        "print(exercises.check('11_average_gradients', average_gradients))\n")
    env = dict(os.environ, FLOWKIT_DISABLE_PLUGIN_AUTOLOAD="1")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "11_average_gradients: right!" in out.stdout, out.stdout


@pytest.mark.parametrize("name,wrong,hint", WRONG, ids=[f"{n}-{w.__name__}" for n, w, _ in WRONG])
def test_a_wrong_answer_gets_the_hint(name, wrong, hint):
    _skip_if_one_backend(wrong)
    result = exercises.check(name, wrong)
    assert not result.ok
    assert not result
    assert hint in result.hint, str(result)
    assert "Hint: " in str(result)


@pytest.mark.parametrize("name,wrong,hint", WRONG[::3], ids=[w.__name__ for _, w, _ in WRONG[::3]])
def test_in_chinese_the_hint_is_chinese(name, wrong, hint):
    _skip_if_one_backend(wrong)
    result = exercises.check(name, wrong, lang="zh_CN")
    assert not result.ok
    text = str(result)
    assert "还不对" in text and "提示：" in text
    assert re.search("[\u4e00-\u9fff]", text.split("提示：")[1]), text


def test_every_hint_and_verdict_has_a_chinese_version():
    from flowkit.exercises._zh import HINTS, VERDICTS
    hints, verdicts = set(), set()
    for name, wrong, _ in WRONG:
        if wrong is _numpy_only and not _several_backends():
            continue
        hints.add(exercises.check(name, wrong).hint)
    for name, fn in SOLUTIONS.items():
        verdicts.add(exercises.check(name, fn).message)
    assert hints - set(HINTS) == set()
    assert verdicts - set(VERDICTS) - {m for m in verdicts if m.startswith("The same values")} \
        == set()
    assert "正确！" in str(exercises.check("01_relu_layer", relu_layer, lang="zh_CN"))


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
def test_the_starting_code_says_it_is_not_written_yet(name):
    scope = {}
    exec(compile(exercises.get(name).starter, f"<{name}>", "exec"), scope)
    result = exercises.check(name, scope[exercises.get(name).function_name()])
    assert not result.ok
    assert "not written yet" in result.message, str(result)


def test_the_check_leaves_the_learners_graph_alone():
    x = tf.placeholder(tf.float32, [2], name="mine")
    before = tf.get_default_graph().get_operations()
    exercises.check("01_relu_layer", relu_layer)
    assert tf.get_default_graph().get_operations() == before
    assert x.graph is tf.get_default_graph()


def test_the_op_plugin_is_unregistered_after_a_failing_check():
    exercises.check("07_softplus_kernel", _overflowing_kernel)
    assert "flowkit_exercise_softplus" not in plugins.contributions()
    assert exercises.check("07_softplus_grad", softplus_grad).ok


def test_an_error_in_the_learners_code_names_their_line():
    def broken(x, W, b):
        return tf.matmul(W, x) + b         # [3, 2] x [?, 3]: the shapes do not fit
    result = exercises.check("01_relu_layer", broken)
    assert not result.ok
    assert "your function raised" in result.message
    assert "test_exercises.py" in result.message


def test_an_error_when_the_learners_graph_runs_is_a_verdict_not_a_crash():
    def fails_when_run(x, W, b):
        return tf.nn.relu(tf.matmul(tf.reshape(x, [5, 3]), W) + b)   # the batch is 4
    result = exercises.check("01_relu_layer", fails_when_run)
    assert not result.ok
    assert "running your answer failed" in result.message, str(result)
    assert "Reshape" in result.message or "reshape" in result.message


def test_show_prints_the_task_and_the_starting_code_without_the_solution(capsys):
    for name in exercises.names():
        exercises.show(name)
        out = capsys.readouterr().out
        assert "raise NotImplementedError" in out
        assert f'exercises.check("{name}",' in out
        exercises.show(name, lang="zh_CN")
        assert re.search("[\u4e00-\u9fff]", capsys.readouterr().out)
    exercises.show("03_softmax_loss")
    text = capsys.readouterr().out
    assert "reduce_mean(" not in text and "log_softmax(" not in text


def test_an_unknown_exercise_lists_the_names():
    with pytest.raises(KeyError, match="03_softmax_loss"):
        exercises.check("03_softmax", softmax_loss)


def test_a_learner_script_runs_the_check_from_a_fresh_process(tmp_path):
    script = tmp_path / "mine.py"
    script.write_text("import flowkit as tf\nfrom flowkit import exercises\n"
                      "def relu_layer(x, W, b):\n    return tf.matmul(x, W) + b\n"
                      "print(exercises.check('01_relu_layer', relu_layer))\n")
    env = dict(os.environ, FLOWKIT_DISABLE_PLUGIN_AUTOLOAD="1")
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "not yet" in out.stdout and "Hint: apply tf.nn.relu" in out.stdout


# --------------------------------------------------------------------------------------------
# The Chinese catalogues (docs/locale/zh_CN): code stays code, titles stay titles
# --------------------------------------------------------------------------------------------
LOCALE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "docs", "locale", "zh_CN",
                      "LC_MESSAGES")


def _catalogues():
    babel = pytest.importorskip("babel.messages.pofile")
    out = {}
    for folder, _, files in os.walk(LOCALE):
        for name in files:
            if name.endswith(".po"):
                path = os.path.join(folder, name)
                with open(path, "rb") as f:
                    out[os.path.relpath(path, LOCALE)] = babel.read_po(f)
    return out


def test_the_tutorials_index_and_exercises_have_chinese_catalogues():
    cats = _catalogues()
    want = {"index.po", "exercises.po"} | {
        os.path.join("tutorials", f"{t}.po") for t in exercises._core.TUTORIALS}
    assert want <= set(cats)
    for name in want:
        done = [m for m in cats[name] if m.id and m.string]
        assert done, f"{name} has no translation"
        assert all(re.search("[\u4e00-\u9fff]", m.string) or m.string == m.id for m in done)


def test_translations_keep_the_code_and_the_markup_of_the_english():
    for name, cat in _catalogues().items():
        for m in cat:
            if not (m.id and m.string):
                continue
            where = f"{name}: {m.id[:60]!r}"
            assert sorted(re.findall(r"`[^`]+`", m.id)) == \
                sorted(re.findall(r"`[^`]+`", m.string)), where
            assert m.id.count("**") == m.string.count("**"), where
            # "1. Title" translated as "1. ..." would be read as a list, not a title.
            assert not re.match(r"\d+\. ", m.string), where
