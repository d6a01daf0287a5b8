"""tf.gradients: TF1's semantics (alignment with xs, None for unconnected inputs, sums over
uses and over ys, grad_ys, stop gradients), naming, depth, and higher orders."""
import numpy as np
import pytest

import flowkit as tf
from flowkit.testing import check_gradients


def test_value_and_alignment(session):
    x = tf.placeholder(tf.float32, [2], name="x")
    y = tf.placeholder(tf.float32, [2], name="y")
    z = tf.placeholder(tf.float32, [2], name="z")
    f = tf.reduce_sum(x * y + 3.0 * x)
    gx, gz, gy = tf.gradients(f, [x, z, y])
    assert gz is None
    sess = session()
    vx, vy = sess.run([gx, gy], {x: [1.0, 2.0], y: [5.0, 7.0]})
    np.testing.assert_allclose(vx, [8.0, 10.0])
    np.testing.assert_allclose(vy, [1.0, 2.0])


def test_single_x_gives_a_list():
    x = tf.constant(2.0)
    out = tf.gradients(x * x, x)
    assert isinstance(out, list) and len(out) == 1


def test_sums_over_every_use(session):
    x = tf.placeholder(tf.float64, [], name="x")
    y = x * x * x + x          # x is used four times
    (g,) = tf.gradients(y, [x])
    assert session().run(g, {x: 2.0}) == pytest.approx(3 * 4.0 + 1.0)


def test_sums_over_several_ys_and_grad_ys(session):
    x = tf.placeholder(tf.float32, [3], name="x")
    y1 = x * 2.0
    y2 = tf.reduce_sum(x * x)
    (g,) = tf.gradients([y1, y2], [x])
    (gw,) = tf.gradients([y1, y2], [x], grad_ys=[[1.0, 0.0, -1.0], 3.0])
    sess = session()
    xv = np.array([1.0, 2.0, 3.0], np.float32)
    np.testing.assert_allclose(sess.run(g, {x: xv}), 2.0 + 2 * xv)
    np.testing.assert_allclose(sess.run(gw, {x: xv}), [2.0, 0.0, -2.0] + 3.0 * 2 * xv)


def test_one_y_downstream_of_another(session):
    x = tf.placeholder(tf.float32, [], name="x")
    y1 = x * 3.0
    y2 = y1 * y1
    (g,) = tf.gradients([y1, y2], [x])
    assert session().run(g, {x: 1.0}) == pytest.approx(3.0 + 18.0)


def test_grad_ys_count_mismatch():
    x = tf.constant(1.0)
    with pytest.raises(ValueError, match="Passed 2 grad_ys for 1 ys"):
        tf.gradients(x * 2.0, x, grad_ys=[1.0, 2.0])


def test_unconnected_and_stop_gradients(session):
    x = tf.placeholder(tf.float32, [], name="x")
    a = x * 2.0
    b = tf.stop_gradient(x * 5.0)
    assert tf.gradients(b, x) == [None]
    assert tf.gradients(tf.constant(1.0), x) == [None]
    (g,) = tf.gradients(a + b, x)
    assert session().run(g, {x: 1.0}) == pytest.approx(2.0)
    # stop_gradients= treats tensors as constants; gradients *with respect to* them remain
    c = a * a
    ga, gx = tf.gradients(c, [a, x], stop_gradients=[a])
    assert gx is None
    assert session().run(ga, {x: 1.0}) == pytest.approx(4.0)
    (zero,) = tf.gradients(b, x, unconnected_gradients="zero")
    assert session().run(zero, {x: 1.0}) == 0.0
    with pytest.raises(ValueError, match="unconnected_gradients"):
        tf.gradients(b, x, unconnected_gradients="nope")


def test_integer_paths_give_none():
    x = tf.placeholder(tf.int32, [], name="i")
    assert tf.gradients(tf.cast(x, tf.float32) * 2.0, x) == [None]


def test_with_respect_to_variables(session):
    w = tf.Variable([1.0, 2.0], name="w")
    loss = tf.reduce_sum(w * w)
    (g,) = tf.gradients(loss, w)
    (g2,) = tf.gradients(loss, w.value())
    sess = session()
    sess.run(w.initializer)
    np.testing.assert_allclose(sess.run(g), [2.0, 4.0])
    np.testing.assert_allclose(sess.run(g2), [2.0, 4.0])


def test_names_and_gradient_of():
    x = tf.placeholder(tf.float32, [], name="x")
    with tf.name_scope("layer"):
        y = x * 3.0
    (g,) = tf.gradients(y, x)
    (g1,) = tf.gradients(y, x, name="grads")
    (g2,) = tf.gradients(y, x)
    assert g.name.startswith("gradients/layer/mul_grad/")
    assert g1.name.startswith("grads/")
    assert g2.name.startswith("gradients_1/")
    graph = tf.get_default_graph()
    new = [op for op in graph.get_operations() if op.name.startswith("gradients/")]
    assert new and all(op.name.startswith("gradients/") for op in new)
    rule_ops = [op for op in new if "_grad/" in op.name]
    assert rule_ops and all(op.gradient_of is y.op for op in rule_ops)
    assert x.op.gradient_of is None and y.op.gradient_of is None


def test_inside_a_name_scope():
    x = tf.constant(1.0, name="x")
    with tf.name_scope("train"):
        (g,) = tf.gradients(x * 2.0, x)
    assert g.name.startswith("train/gradients/")


def test_deep_chain_is_iterative(session):
    x = tf.placeholder(tf.float64, [], name="x")
    y = x
    for _ in range(5000):
        y = y * 1.0001
    (g,) = tf.gradients(y, x)
    assert session().run(g, {x: 1.0}) == pytest.approx(1.0001 ** 5000, rel=1e-9)


def test_gradients_of_gradients(session):
    x = tf.placeholder(tf.float64, [], name="x")
    y = x * x * x
    (g,) = tf.gradients(y, x)
    (gg,) = tf.gradients(g, x)
    (ggg,) = tf.gradients(gg, x)
    sess = session()
    assert sess.run([g, gg, ggg], {x: 2.0}) == pytest.approx([12.0, 12.0, 6.0])


def test_hessian_vector_product(session):
    x = tf.placeholder(tf.float64, [3], name="x")
    v = tf.constant([1.0, 0.0, 2.0], dtype=tf.float64)
    f = tf.reduce_sum(x * x * x)
    (g,) = tf.gradients(f, x)
    (hv,) = tf.gradients(tf.reduce_sum(g * v), x)
    xv = np.array([1.0, 2.0, 3.0])
    np.testing.assert_allclose(session().run(hv, {x: xv}), 6 * xv * [1.0, 0.0, 2.0])


def test_gradient_check_of_a_small_network(backend):
    def net(x, w):
        h = tf.nn.relu(tf.matmul(x, w))
        return tf.reduce_mean(h * h + h, axis=0)
    rng = np.random.default_rng(0)
    report = check_gradients(net, [rng.standard_normal((4, 3)), rng.standard_normal((3, 2))],
                             backend=backend[0], device=backend[1])
    assert report.ok, str(report)


def test_against_tf1(tf1):
    rng = np.random.default_rng(1)
    xv, wv = rng.standard_normal((4, 3)), rng.standard_normal((3, 2))

    def build(api):
        x = api.placeholder(api.float64, [None, 3], name="x")
        w = api.constant(wv, name="w")
        h = api.matmul(x, w)
        loss = api.reduce_mean(h * h) + api.reduce_sum(x * 2.0)
        gx, gw = api.gradients([loss, h], [x, w])
        (ggx,) = api.gradients(api.reduce_sum(gx * gx), [x])
        return x, [gx, gw, ggx]

    x, outs = build(tf)
    with tf.Session() as sess:
        ours = sess.run(outs, {x: xv})
    g1 = tf1.Graph()
    with g1.as_default():
        x1, outs1 = build(tf1)
        with tf1.Session() as sess1:
            theirs = sess1.run(outs1, {x1: xv})
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-10)



def test_stop_gradients_stops_the_whole_op_as_tf1(session, tf1):
    def build(api):
        x = api.constant([1.0, 2.0], name="x")
        a0, a1 = api.unstack(x)
        y = a0 * 2.0 + a1 * 3.0
        return api.gradients(y, [x, a0, a1], stop_gradients=[a0])

    gx, ga0, ga1 = build(tf)
    sess = session()
    assert gx is None
    assert sess.run([ga0, ga1]) == [2.0, 3.0]
    g1 = tf1.Graph()
    with g1.as_default():
        out1 = build(tf1)
    assert out1[0] is None and out1[1] is not None and out1[2] is not None


def test_no_summing_for_an_input_the_other_side_cannot_broadcast():
    x = tf.placeholder(tf.float32, [None, 4])
    b = tf.Variable(tf.zeros([4]))
    gx, gb = tf.gradients(tf.reduce_sum(x + b), [x, b])
    # x's gradient is the incoming gradient itself; b's is summed over the batch.
    assert gx.op.type != "UnbroadcastTo"
    assert gb.op.type in ("UnbroadcastTo", "Reshape", "Sum")
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        vx, vb = sess.run([gx, gb], {x: np.ones((3, 4))})
    np.testing.assert_array_equal(vx, np.ones((3, 4)))
    np.testing.assert_array_equal(vb, np.full(4, 3.0))


def _op_types(ts):
    """The op types that computing ``ts`` runs (walking back through inputs)."""
    seen, todo = set(), [t.op for t in ts]
    while todo:
        op = todo.pop()
        if op not in seen:
            seen.add(op)
            todo.extend(i.op for i in op.inputs)
    return {op.type for op in seen}


def test_a_known_shape_is_unbroadcast_without_shape_ops(session):
    # Unknown batch, known bias: the bias's gradient is a plain Sum over the batch, and the
    # mean over the batch needs no Shape/ReducedShape to spread its gradient back.
    x = tf.placeholder(tf.float64, [None, 3])
    b = tf.constant([1.0, 2.0, 3.0], tf.float64)
    c = tf.constant([[1.0, 2.0, 3.0]], tf.float64)          # size-1 axis, summed as well
    loss = tf.reduce_mean(tf.reduce_sum((x + b) * 2.0 + c, axis=1))
    gb, gc = tf.gradients(loss, [b, c])
    types = _op_types([gb, gc])
    assert "UnbroadcastTo" not in types
    v = tf.placeholder(tf.float64, [None])
    assert "ReducedShape" not in _op_types(tf.gradients(tf.reduce_mean(v), [v]))
    assert gb.shape.as_list() == [3] and gc.shape.as_list() == [1, 3]
    sess = session()
    for n in (1, 4):
        xv = np.arange(3.0 * n).reshape(n, 3)
        vb, vc = sess.run([gb, gc], {x: xv})
        np.testing.assert_allclose(vb, np.full(3, 2.0))
        np.testing.assert_allclose(vc, np.ones((1, 3)))


def test_mean_gradient_with_unknown_sizes(session):
    # Neither the input's nor the result's size is known when the graph is built.
    x = tf.placeholder(tf.float64, [None, None])
    sess = session()
    for axis in (None, 0, 1):
        y = tf.reduce_mean(x, axis=axis)
        (g,) = tf.gradients(y, [x])
        xv = np.ones((2, 5))
        expected = np.full((2, 5), 1 / xv.size if axis is None else 1 / xv.shape[axis])
        np.testing.assert_allclose(sess.run(g, {x: xv}), expected)
