"""The messages of the classic TF1 mistakes (issue 13, items 2-5), pinned part by part: the
TF error class, the culprit as the program spells it, the fix, and the user's line. The docs
page ``docs/errors.md`` shows the same mistakes; a later change must not make them worse.
"""
import inspect

import numpy as np
import pytest

import flowkit as tf
from flowkit.renames import RENAMED


def here():
    return inspect.currentframe().f_back.f_lineno


def test_variable_already_exists_points_at_the_first_line_and_the_fix():
    with tf.variable_scope("conv1"):
        line = here() + 1
        tf.get_variable("weights", [5, 5, 1, 32])
    with pytest.raises(ValueError) as e, tf.variable_scope("conv1"):
        tf.get_variable("weights", [5, 5, 1, 32])
    msg = str(e.value)
    assert msg.startswith("Variable conv1/weights already exists, disallowed.")
    assert f"{__file__}:{line} " in msg
    assert "with tf.variable_scope('conv1', reuse=True):" in msg


def test_tensor_of_another_graph_names_the_line_that_made_it():
    g = tf.Graph()
    with g.as_default():
        a = tf.constant(1.0, name="a")
    line = here() + 1
    b = tf.constant(2.0, name="b")
    with pytest.raises(ValueError) as e:
        tf.add(a, b)                                    # an op of a's graph
    assert "Tensor b:0 must be from the same graph" in str(e.value)
    assert f"{__file__}:{line}" in str(e.value)


def test_run_time_loss_shape_error_names_the_loss_line(session):
    logits = tf.placeholder(tf.float32, [None, None], name="logits")
    labels = tf.placeholder(tf.float32, [None, None], name="labels")
    line = here() + 1
    loss = tf.nn.softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits)
    with pytest.raises(tf.errors.InvalidArgumentError) as e:
        session().run(loss, {logits: np.zeros((4, 10)), labels: np.zeros((4, 3))})
    msg = str(e.value)
    assert "softmax_cross_entropy_with_logits" in msg
    assert f"{__file__}:{line} (in test_run_time_loss_shape_error_names_the_loss_line)" in msg


def test_sparse_loss_with_one_hot_labels_is_tfs_value_error_with_the_fix(tf1):
    logits = tf.placeholder(tf.float32, [None, 10])
    onehot = tf.placeholder(tf.float32, [None, 10], name="labels")
    with pytest.raises(ValueError) as e:
        tf.nn.sparse_softmax_cross_entropy_with_logits(labels=onehot, logits=logits)
    g = tf1.Graph()
    with g.as_default(), pytest.raises(ValueError) as theirs:
        tf1.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tf1.placeholder(tf1.float32, [None, 10]),
            logits=tf1.placeholder(tf1.float32, [None, 10]))
    msg = str(e.value)
    head = str(theirs.value).split("Received")[0]
    assert msg.startswith(head)                       # TF's words (rank before dtype)
    assert "'labels:0' look one-hot" in msg
    assert "tf.argmax(labels, axis=1)" in msg and "softmax_cross_entropy_with_logits_v2" in msg


def test_conv2d_channel_mismatch_says_channels_and_which_dimension():
    images = tf.placeholder(tf.float32, [None, 28, 28, 1])
    with pytest.raises(ValueError) as e:
        tf.nn.conv2d(images, tf.ones([5, 5, 3, 32]), [1, 1, 1, 1], "SAME")
    msg = str(e.value)
    assert "the input has 1 channels (its last dimension" in msg
    assert "expects 3 input channels (its dimension 2" in msg
    assert "[5, 5, 1, 32]" in msg


def test_no_gradients_names_the_blocking_op_its_line_and_the_variable():
    x = tf.placeholder(tf.float32, [None, 3])
    y = tf.placeholder(tf.int64, [None])
    w = tf.Variable(tf.zeros([3, 2]), name="W")
    line = here() + 1
    predicted = tf.argmax(tf.matmul(x, w), 1)
    accuracy = tf.reduce_mean(tf.cast(tf.equal(predicted, y), tf.float32))
    with pytest.raises(ValueError) as e:
        tf.train.GradientDescentOptimizer(0.1).minimize(-accuracy)
    msg = str(e.value)
    assert msg.startswith("No gradients provided for any variable")
    assert f"  W: the gradient stops at 'ArgMax' (ArgMax: no gradient) (created at " \
           f"{__file__}:{line})" in msg
    assert "not from tf.argmax" in msg


def test_optimizer_in_a_reused_scope_is_tfs_error_with_the_fix(tf1):
    def build(lib):
        with lib.variable_scope("disc"):
            lib.get_variable("W", [2])
        with lib.variable_scope("disc", reuse=True):
            loss = lib.reduce_sum(lib.get_variable("W", [2]) ** 2)
            with pytest.raises(ValueError) as e:
                lib.train.AdamOptimizer(0.1).minimize(loss)
        return str(e.value)
    ours = build(tf)
    with tf1.Graph().as_default():
        theirs = build(tf1)
    assert ours.startswith(theirs)
    assert "Call minimize outside the reused scope" in ours and "AUTO_REUSE" in ours


def test_optimizer_in_an_auto_reuse_scope_works():
    with tf.variable_scope("disc", reuse=tf.AUTO_REUSE):
        w = tf.get_variable("W", [2])
        tf.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(w * w))


@pytest.mark.parametrize("namespace,old", [(ns, old) for ns, table in RENAMED.items()
                                           for old in table])
def test_renamed_names_teach_the_new_one(namespace, old, tf1):
    module = tf if not namespace else getattr(tf, namespace)
    with pytest.raises(AttributeError) as e:
        getattr(module, old)
    new, call = RENAMED[namespace][old]
    assert f"was renamed to {new} in TensorFlow 1.0. Write {call}." in str(e.value)
    theirs = tf1 if not namespace else getattr(tf1, namespace)
    assert not hasattr(theirs, old)                   # TF raises AttributeError too


def test_unknown_names_get_close_public_suggestions():
    with pytest.raises(AttributeError, match=r"Did you mean: tf.reduce_sum"):
        _ = tf.reduce_summ
    with pytest.raises(AttributeError, match=r"Did you mean: tf.nn.relu"):
        _ = tf.nn.rellu
    with pytest.raises(AttributeError, match=r"Did you mean: tf.train.AdamOptimizer"):
        _ = tf.train.AdamOptimiser
    with pytest.raises(AttributeError) as e:
        _ = tf._renamez             # close to the private _renames
    assert "tf._" not in str(e.value)
    assert tf.initialize_all_variables is not None      # the old name keeps working


def test_concat_in_the_pre_1_0_order_says_the_new_one(tf1):
    a = tf.placeholder(tf.float32, [None, 3])
    with pytest.raises(ValueError, match=r"write tf.concat\(\[\.\.\.\], 1\)"):
        tf.concat(1, [a, a])
    with tf1.Graph().as_default(), pytest.raises(ValueError):
        ta = tf1.placeholder(tf1.float32, [None, 3])
        tf1.concat(1, [ta, ta])
    assert tf.concat([a, a], 1).shape.as_list() == [None, 6]


def test_positional_cross_entropy_says_to_name_the_arguments():
    y = tf.placeholder(tf.float32, [None, 3], name="y")
    logits = tf.placeholder(tf.float32, [None, 3], name="logits")
    with pytest.raises(ValueError) as e:
        tf.nn.softmax_cross_entropy_with_logits(y, logits)
    msg = str(e.value)
    assert "(y:0, logits:0)" in msg and "the order was (logits, labels)" in msg
    assert "labels=" in msg and "logits=" in msg
