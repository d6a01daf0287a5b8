"""Every code example of the course notes (../shared/seed), line breaks restored, runs under
``import flowkit as tf`` and behaves as the notes say."""
import numpy as np
import pytest

import flowkit as tf


def test_key_example_relu_matmul_add_fetch_structures(backend):
    b = tf.Variable(tf.zeros((100,)))
    W = tf.Variable(tf.random_uniform((784, 100), -1, 1))
    x = tf.placeholder(tf.float32, (100, 784))
    h = tf.nn.relu(tf.matmul(x, W) + b)
    types = [op.type for op in tf.get_default_graph().get_operations()]
    assert {"MatMul", "Add", "Relu", "Placeholder", "VariableV2"} <= set(types)
    sess = tf.Session(backend=backend[0], device=backend[1])
    sess.run(tf.global_variables_initializer())
    batch = np.random.random((100, 784))
    one = sess.run(h, {x: batch})
    as_list = sess.run([h, b], {x: batch})
    as_dict = sess.run({"h": h, "b": b}, {x: batch})
    w = sess.run(W)
    expected = np.maximum(batch.astype(np.float32) @ w, 0)
    np.testing.assert_allclose(one, expected, rtol=1e-4, atol=1e-4)
    assert isinstance(as_list, list) and len(as_list) == 2
    np.testing.assert_allclose(as_list[0], one, rtol=1e-6)
    assert set(as_dict) == {"h", "b"}
    np.testing.assert_allclose(as_dict["h"], one, rtol=1e-6)
    # the old initializer name still works
    sess.run(tf.initialize_all_variables())


def test_training_example_from_the_notes(backend):
    rng = np.random.default_rng(0)
    x = tf.placeholder(tf.float32, [100, 20])
    W = tf.Variable(tf.zeros([20, 10]))
    bias = tf.Variable(tf.zeros([10]))
    prediction = tf.nn.softmax(tf.matmul(x, W) + bias)  # Output of neural network
    label = tf.placeholder(tf.float32, [100, 10])
    cross_entropy = -tf.reduce_sum(label * tf.log(prediction), axis=1)
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)
    centers = rng.standard_normal((10, 20)) * 0.1
    sess = tf.Session(backend=backend[0], device=backend[1])
    sess.run(tf.global_variables_initializer())
    losses = []
    for _ in range(30):  # batch updates
        y = rng.integers(0, 10, 100)
        xs = centers[y] + 0.02 * rng.standard_normal((100, 20))
        ys = np.eye(10)[y]
        sess.run(train_step, feed_dict={x: xs, label: ys})
        losses.append(sess.run(tf.reduce_mean(cross_entropy), {x: xs, label: ys}))
    assert losses[-1] < losses[0] / 3


def my_image_filter_with_variables(input_images):
    conv1_weights = tf.Variable(tf.random_normal([5, 5, 32, 32]), name="conv1_weights")
    conv1_biases = tf.Variable(tf.zeros([32]), name="conv1_biases")
    conv1 = tf.nn.conv2d(input_images, conv1_weights, strides=[1, 1, 1, 1], padding='SAME')
    relu1 = tf.nn.relu(conv1 + conv1_biases)
    conv2_weights = tf.Variable(tf.random_normal([5, 5, 32, 32]), name="conv2_weights")
    conv2_biases = tf.Variable(tf.zeros([32]), name="conv2_biases")
    conv2 = tf.nn.conv2d(relu1, conv2_weights, strides=[1, 1, 1, 1], padding='SAME')
    return tf.nn.relu(conv2 + conv2_biases)


def test_image_filter_with_tf_variable_creates_two_sets():
    image1 = tf.placeholder(tf.float32, [1, 8, 8, 32])
    image2 = tf.placeholder(tf.float32, [1, 8, 8, 32])
    # First call creates one set of 4 variables.
    result1 = my_image_filter_with_variables(image1)
    # Another set of 4 variables is created in the second call.
    result2 = my_image_filter_with_variables(image2)
    names = [v.op.name for v in tf.global_variables()]
    assert len(names) == 8
    assert names[:4] == ["conv1_weights", "conv1_biases", "conv2_weights", "conv2_biases"]
    assert names[4:] == ["conv1_weights_1", "conv1_biases_1", "conv2_weights_1",
                         "conv2_biases_1"]
    img = np.random.default_rng(0).standard_normal((1, 8, 8, 32))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r1, r2 = sess.run([result1, result2], {image1: img, image2: img})
    assert not np.allclose(r1, r2)  # "the same filter" silently used two filters


def test_image_filter_with_variables_dict_shares():
    variables_dict = {
        "conv1_weights": tf.Variable(tf.random_normal([5, 5, 32, 32]), name="conv1_weights"),
        "conv1_biases": tf.Variable(tf.zeros([32]), name="conv1_biases"),
        "conv2_weights": tf.Variable(tf.random_normal([5, 5, 32, 32]), name="conv2_weights"),
        "conv2_biases": tf.Variable(tf.zeros([32]), name="conv2_biases"),
    }

    def my_image_filter(input_images, variables_dict):
        conv1 = tf.nn.conv2d(input_images, variables_dict["conv1_weights"],
                             strides=[1, 1, 1, 1], padding='SAME')
        relu1 = tf.nn.relu(conv1 + variables_dict["conv1_biases"])
        conv2 = tf.nn.conv2d(relu1, variables_dict["conv2_weights"],
                             strides=[1, 1, 1, 1], padding='SAME')
        return tf.nn.relu(conv2 + variables_dict["conv2_biases"])

    image1 = tf.placeholder(tf.float32, [1, 8, 8, 32])
    image2 = tf.placeholder(tf.float32, [1, 8, 8, 32])
    # Both calls to my_image_filter() now use the same variables
    result1 = my_image_filter(image1, variables_dict)
    result2 = my_image_filter(image2, variables_dict)
    assert len(tf.global_variables()) == 4
    img = np.random.default_rng(0).standard_normal((1, 8, 8, 32))
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        r1, r2 = sess.run([result1, result2], {image1: img, image2: img})
    np.testing.assert_allclose(r1, r2)


def conv_relu(input, kernel_shape, bias_shape):
    # Create variable named "weights".
    weights = tf.get_variable("weights", kernel_shape,
                              initializer=tf.random_normal_initializer())
    # Create variable named "biases".
    biases = tf.get_variable("biases", bias_shape,
                             initializer=tf.constant_initializer(0.0))
    conv = tf.nn.conv2d(input, weights,
                        strides=[1, 1, 1, 1], padding='SAME')
    return tf.nn.relu(conv + biases)


def my_image_filter(input_images):
    with tf.variable_scope("conv1"):
        # Variables created here will be named "conv1/weights", "conv1/biases".
        relu1 = conv_relu(input_images, [5, 5, 32, 32], [32])
    with tf.variable_scope("conv2"):
        # Variables created here will be named "conv2/weights", "conv2/biases".
        return conv_relu(relu1, [5, 5, 32, 32], [32])


def test_image_filter_with_variable_scope_and_reuse(backend):
    image1 = tf.placeholder(tf.float32, [1, 8, 8, 32])
    image2 = tf.placeholder(tf.float32, [1, 8, 8, 32])
    result1 = my_image_filter(image1)
    names = sorted(v.name for v in tf.global_variables())
    assert names == ["conv1/biases:0", "conv1/weights:0", "conv2/biases:0", "conv2/weights:0"]
    with pytest.raises(ValueError, match="conv1/weights already exists"):
        my_image_filter(image2)
    with tf.variable_scope("image_filters") as scope:
        shared1 = my_image_filter(image1)
        scope.reuse_variables()
        shared2 = my_image_filter(image2)
    tf.get_variable_scope().reuse_variables()
    result2 = my_image_filter(image2)
    assert len(tf.global_variables()) == 8   # conv1/..., conv2/..., image_filters/conv*/...
    img = np.random.default_rng(0).standard_normal((1, 8, 8, 32))
    sess = tf.Session(backend=backend[0], device=backend[1])
    sess.run(tf.global_variables_initializer())
    r1, r2, s1, s2 = sess.run([result1, result2, shared1, shared2], {image1: img, image2: img})
    np.testing.assert_allclose(r1, r2, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(s1, s2, rtol=1e-5, atol=1e-5)


def test_reuse_true_as_in_the_notes():
    with tf.variable_scope("foo"):
        v = tf.get_variable("v", [1])
    with tf.variable_scope("foo", reuse=True):
        v1 = tf.get_variable("v", [1])
    assert v1 is v
