"""Places where flowkit computed something other than TF1 (issue 13, item 1), each compared
with TensorFlow's ``tf.compat.v1``, and the session's own fixes from issue 12 (items 5, 8, 13).
"""
import threading

import numpy as np
import pytest

import flowkit as tf


def _read_after_update(lib):
    y = lib.Variable(1.0)
    d = lib.assign(y, 2 * y)
    with lib.control_dependencies([d]):
        p = lib.assign_add(y, 3.0)
    with lib.control_dependencies([p]):
        reads = [lib.identity(y), y * 1.0, y.value(), y + 0.0]
    return y, reads


def _run_reads(lib, sess, y, reads):
    out = []
    for r in reads:
        sess.run(y.initializer)
        out.append(float(sess.run(r)))
    return out


@pytest.mark.parametrize("i", range(4))
def test_read_under_control_dependencies_sees_the_update(session, tf1, i):
    y, reads = _read_after_update(tf)
    ours = _run_reads(tf, session(), y, [reads[i]])
    g = tf1.Graph()
    with g.as_default():
        ty, treads = _read_after_update(tf1)
        with tf1.Session(graph=g) as s:
            theirs = _run_reads(tf1, s, ty, [treads[i]])
    assert ours == theirs == [5.0]


def test_read_outside_control_dependencies_is_the_shared_snapshot():
    v = tf.Variable(1.0, name="v")
    assert tf.identity(v).op.inputs[0] is v.value()
    with tf.control_dependencies([tf.no_op()]):
        fresh = tf.identity(v).op.inputs[0]
    assert fresh is not v.value() and fresh.op.name.startswith("v/read_")


def test_dropout_keeps_the_static_shape_with_an_unshaped_keep_prob(tf1):
    x = tf.placeholder(tf.float32, [3, 4])
    keep = tf.placeholder(tf.float32)
    ours = [tf.nn.dropout(x, keep).shape.as_list(),
            tf.nn.dropout(x, rate=keep).shape.as_list()]
    g = tf1.Graph()
    with g.as_default():
        tx = tf1.placeholder(tf1.float32, [3, 4])
        tk = tf1.placeholder(tf1.float32)
        theirs = [tf1.nn.dropout(tx, tk).shape.as_list(),
                  tf1.nn.dropout(tx, rate=tk).shape.as_list()]
    assert ours == theirs == [[3, 4], [3, 4]]
    with tf.Session() as sess:
        out = sess.run(tf.nn.dropout(x, keep), {x: np.ones((3, 4)), keep: 1.0})
    assert out.shape == (3, 4)


def _feed_other_graph(lib):
    g2 = lib.Graph()
    with g2.as_default():
        z = lib.placeholder(lib.float32, name="zz")
    x = lib.placeholder(lib.float32, name="x")
    with lib.Session() as s:
        with pytest.raises(Exception) as feed_err:
            s.run(x, {z: 1.0})
        with pytest.raises(Exception) as fetch_err:
            s.run(z)
        with pytest.raises(Exception) as list_err:
            s.run(x, [1.0, 2.0])
    return feed_err.value, fetch_err.value, list_err.value


def test_another_graphs_tensor_and_a_list_feed_dict_raise_as_tf(tf1):
    ours = _feed_other_graph(tf)
    g = tf1.Graph()
    with g.as_default():
        theirs = _feed_other_graph(tf1)
    assert [type(e) for e in ours] == [type(e) for e in theirs] == \
        [TypeError, ValueError, TypeError]
    feed, fetch, _ = ours
    assert "'zz:0' is not an element of this graph" in str(feed)
    assert f"{__file__}:" in str(feed) and f"{__file__}:" in str(fetch)   # where zz was made


def test_leaky_relu_with_alpha_above_one_and_its_gradient(session, tf1):
    values = np.array([-1.0, 0.0, 2.0], np.float32)
    x = tf.constant(values)
    y = tf.nn.leaky_relu(x, alpha=2.0)
    g, = tf.gradients(tf.reduce_sum(y), x)
    sess = session()
    ours = sess.run([y, g])
    gr = tf1.Graph()
    with gr.as_default():
        tx = tf1.constant(values)
        ty = tf1.nn.leaky_relu(tx, alpha=2.0)
        tg, = tf1.gradients(tf1.reduce_sum(ty), tx)
        with tf1.Session(graph=gr) as s:
            theirs = s.run([ty, tg])
    np.testing.assert_array_equal(ours[0], theirs[0])
    np.testing.assert_array_equal(ours[1], theirs[1])
    np.testing.assert_array_equal(ours[0], [-2.0, 0.0, 2.0])


def test_fetched_values_never_alias_feeds_or_constants(session):
    x = tf.placeholder(tf.float32, [3])
    c = tf.constant([1.0, 2.0])
    fetches = [tf.identity(x), x, tf.reshape(x, [3, 1]), tf.identity(c)]
    sess = session()
    fed = np.zeros(3, np.float32)
    for out in sess.run(fetches, {x: fed})[:3]:
        out[...] = 7.0
    assert fed.tolist() == [0.0, 0.0, 0.0]
    sess.run(fetches[3])[0] = 9.0
    assert sess.run(fetches[3]).tolist() == [1.0, 2.0]


def test_locking_updates_from_threads_lose_nothing(session):
    v = tf.Variable(0.0)
    inc = tf.assign_add(v, 1.0, use_locking=True)
    sess = session()
    sess.run(v.initializer)

    def work():
        for _ in range(300):
            sess.run(inc)
    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sess.run(v) == 1200.0


def test_out_of_memory_in_a_kernel_is_resource_exhausted_naming_the_op(session):
    n = tf.placeholder(tf.int32, [2])
    z = tf.zeros(n, name="huge")
    with pytest.raises(tf.errors.ResourceExhaustedError, match="'huge'"):
        session().run(z, {n: [2**20, 2**22]})          # 16 TiB: refused by the allocator


def test_out_of_memory_classes_are_recognised(session):
    from flowkit.session import _kernel_error
    x = tf.placeholder(tf.float32, [None], name="big")
    y = tf.exp(x, name="grow")
    sess = session()
    err = _kernel_error(y.op, MemoryError("Unable to allocate 1.00 TiB"), sess)
    assert isinstance(err, tf.errors.ResourceExhaustedError) and "'grow'" in str(err)

    class OutOfMemoryError(RuntimeError):     # torch's class, by name
        pass
    err = _kernel_error(y.op, OutOfMemoryError("CUDA out of memory"), sess)
    assert isinstance(err, tf.errors.ResourceExhaustedError)
    err = _kernel_error(y.op, ValueError("bad"), sess)
    assert isinstance(err, tf.errors.InvalidArgumentError)


def test_running_an_empty_graph_is_tfs_runtime_error(tf1):
    sess = tf.Session(graph=tf.Graph())
    with pytest.raises(RuntimeError, match="The Session graph is empty") as ours:
        sess.run([])
    g = tf1.Graph()
    with pytest.raises(RuntimeError) as theirs:
        tf1.Session(graph=g).run([])
    assert str(theirs.value) in str(ours.value)
