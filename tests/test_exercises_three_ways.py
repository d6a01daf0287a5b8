"""The exercise of tutorial 3b (flowkit/exercises/_layers.py): the reference solution passes,
and the dense layers a learner gets wrong get the hint that fixes them."""
import re

import numpy as np
import pytest

import flowkit as tf
from flowkit import exercises
from flowkit.exercises._zh import HINTS, VERDICTS


# --------------------------------------------------------------------------------------------
# Reference solution
# --------------------------------------------------------------------------------------------
def dense(inputs, units, activation=None):
    with tf.variable_scope(None, default_name="dense"):
        kernel = tf.get_variable("kernel", [inputs.shape[-1], units])
        bias = tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
    outputs = tf.matmul(inputs, kernel) + bias
    return activation(outputs) if activation is not None else outputs


def dense_explicit_glorot(inputs, units, activation=None):
    with tf.variable_scope(None, default_name="dense"):
        kernel = tf.get_variable("kernel", [inputs.shape[-1], units],
                                 initializer=tf.glorot_uniform_initializer())
        bias = tf.get_variable("bias", [units], initializer=tf.constant_initializer(0.0))
        outputs = tf.nn.bias_add(tf.matmul(inputs, kernel), bias)
    return outputs if activation is None else activation(outputs)


# --------------------------------------------------------------------------------------------
# Wrong answers a learner writes, and a word the hint must contain
# --------------------------------------------------------------------------------------------
def _fixed_scope(inputs, units, activation=None):
    with tf.variable_scope("dense"):
        kernel = tf.get_variable("kernel", [inputs.shape[-1], units])
        bias = tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
    outputs = tf.matmul(inputs, kernel) + bias
    return activation(outputs) if activation is not None else outputs


def _no_scope(inputs, units, activation=None):
    kernel = tf.get_variable("kernel", [inputs.shape[-1], units])
    bias = tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
    outputs = tf.matmul(inputs, kernel) + bias
    return activation(outputs) if activation is not None else outputs


def _contrib_names(inputs, units, activation=None):
    with tf.variable_scope(None, default_name="dense"):
        weights = tf.get_variable("weights", [inputs.shape[-1], units])
        biases = tf.get_variable("biases", [units], initializer=tf.zeros_initializer())
    outputs = tf.matmul(inputs, weights) + biases
    return activation(outputs) if activation is not None else outputs


def _with_variable(inputs, units, activation=None):
    with tf.variable_scope(None, default_name="dense"):
        n = int(inputs.shape[-1])
        limit = np.sqrt(6.0 / (n + units))
        kernel = tf.Variable(tf.random_uniform([n, units], -limit, limit), name="kernel")
        bias = tf.Variable(tf.zeros([units]), name="bias")
    outputs = tf.matmul(inputs, kernel) + bias
    return activation(outputs) if activation is not None else outputs


def _transposed_kernel(inputs, units, activation=None):
    with tf.variable_scope(None, default_name="dense"):
        kernel = tf.get_variable("kernel", [units, inputs.shape[-1]])
        bias = tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
    outputs = tf.matmul(inputs, kernel, transpose_b=True) + bias
    return activation(outputs) if activation is not None else outputs


def _random_bias(inputs, units, activation=None):   # get_variable's default is not zeros
    with tf.variable_scope(None, default_name="dense"):
        kernel = tf.get_variable("kernel", [inputs.shape[-1], units])
        bias = tf.get_variable("bias", [units])
    outputs = tf.matmul(inputs, kernel) + bias
    return activation(outputs) if activation is not None else outputs


def _normal_kernel(inputs, units, activation=None):
    with tf.variable_scope(None, default_name="dense"):
        kernel = tf.get_variable("kernel", [inputs.shape[-1], units],
                                 initializer=tf.random_normal_initializer())
        bias = tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
    outputs = tf.matmul(inputs, kernel) + bias
    return activation(outputs) if activation is not None else outputs


def _glorot_normal_kernel(inputs, units, activation=None):
    with tf.variable_scope(None, default_name="dense"):
        kernel = tf.get_variable("kernel", [inputs.shape[-1], units],
                                 initializer=tf.glorot_normal_initializer())
        bias = tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
    outputs = tf.matmul(inputs, kernel) + bias
    return activation(outputs) if activation is not None else outputs


def _ignores_activation(inputs, units, activation=None):
    with tf.variable_scope(None, default_name="dense"):
        kernel = tf.get_variable("kernel", [inputs.shape[-1], units])
        bias = tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
    return tf.matmul(inputs, kernel) + bias


def _no_bias_added(inputs, units, activation=None):
    with tf.variable_scope(None, default_name="dense"):
        kernel = tf.get_variable("kernel", [inputs.shape[-1], units])
        tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
    outputs = tf.matmul(inputs, kernel)
    return activation(outputs) if activation is not None else outputs


def _numpy_output(inputs, units, activation=None):
    with tf.variable_scope(None, default_name="dense"):
        tf.get_variable("kernel", [inputs.shape[-1], units])
        tf.get_variable("bias", [units], initializer=tf.zeros_initializer())
    return np.zeros((1, units), np.float32)


SOLUTIONS = {"03b_dense": dense}

WRONG = [
    ("03b_dense", _fixed_scope, "default_name"),
    ("03b_dense", _no_scope, "default_name"),
    ("03b_dense", _contrib_names, '"kernel" and "bias"'),
    ("03b_dense", _with_variable, "tf.get_variable"),
    ("03b_dense", _transposed_kernel, "[inputs' last dimension, units]"),
    ("03b_dense", _random_bias, "zeros_initializer"),
    ("03b_dense", _normal_kernel, "glorot_uniform_initializer"),
    ("03b_dense", _glorot_normal_kernel, "glorot_uniform_initializer"),
    ("03b_dense", _ignores_activation, "activation"),
    ("03b_dense", _no_bias_added, "+ bias"),
    ("03b_dense", _numpy_output, "flowkit ops"),
]


@pytest.fixture(autouse=True)
def _fresh_graph():
    tf.reset_default_graph()
    yield
    tf.reset_default_graph()


def test_the_exercise_belongs_to_tutorial_3b():
    assert [ex.name for ex in exercises.for_tutorial("03b_three_ways")] == ["03b_dense"]
    assert "03b_dense" not in [ex.name for ex in exercises.for_tutorial("03_training")]
    assert exercises.tutorial_title("03b_three_ways", "zh_CN") == "3b. 同一个分类器的三种写法"
    assert {name for name, _, _ in WRONG} == set(SOLUTIONS)


@pytest.mark.parametrize("solution", [dense, dense_explicit_glorot])
def test_the_reference_solution_passes(solution):
    result = exercises.check("03b_dense", solution)
    assert result.ok, str(result)
    assert str(result).startswith("03b_dense: right!")
    assert str(exercises.check("03b_dense", solution, lang="zh_CN")).startswith("03b_dense：正确！")


def test_the_reference_solution_is_tf_layers_dense_by_name_and_value():
    """What the check demands is what tf.layers.dense does, seen from outside the check."""
    x = tf.placeholder(tf.float32, [None, 5])
    with tf.variable_scope("mine"):
        dense(x, 3)
        dense(x, 2, tf.nn.relu)
    with tf.variable_scope("theirs"):
        tf.layers.dense(x, 3)
        tf.layers.dense(x, 2, tf.nn.relu)
    names = [v.op.name for v in tf.global_variables()]
    assert [n[len("mine/"):] for n in names if n.startswith("mine/")] == \
        [n[len("theirs/"):] for n in names if n.startswith("theirs/")]


@pytest.mark.parametrize("name,wrong,hint", WRONG, ids=[w.__name__ for _, w, _ in WRONG])
def test_a_wrong_answer_gets_the_hint(name, wrong, hint):
    result = exercises.check(name, wrong)
    assert not result.ok
    assert hint in result.hint, str(result)
    assert "Hint: " in str(result)


@pytest.mark.parametrize("name,wrong,hint", WRONG, ids=[w.__name__ for _, w, _ in WRONG])
def test_in_chinese_the_hint_is_chinese(name, wrong, hint):
    result = exercises.check(name, wrong, lang="zh_CN")
    assert not result.ok
    assert result.hint in HINTS, result.hint
    text = str(result)
    assert "还不对" in text and "提示：" in text
    assert re.search("[\u4e00-\u9fff]", text.split("提示：")[1]), text


def test_the_verdict_has_a_chinese_version():
    assert exercises.check("03b_dense", dense).message in VERDICTS


def test_the_starting_code_says_it_is_not_written_yet():
    ex = exercises.get("03b_dense")
    scope = {}
    exec(compile(ex.starter, "<03b_dense>", "exec"), scope)
    result = exercises.check("03b_dense", scope[ex.function_name()])
    assert not result.ok
    assert "not written yet" in result.message, str(result)
    assert ex.function_name() == "dense"


def test_the_check_leaves_the_learners_graph_alone():
    x = tf.placeholder(tf.float32, [2, 6], name="mine")
    before = tf.get_default_graph().get_operations()
    exercises.check("03b_dense", dense)
    assert tf.get_default_graph().get_operations() == before
    assert x.graph is tf.get_default_graph()
