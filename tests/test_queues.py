"""Queues (FIFOQueue, RandomShuffleQueue), QueueRunner, Coordinator and the queue-based input
pipeline: order, multisets, blocking across threads, OutOfRangeError/CancelledError, epochs,
thread cleanliness (every wait here has a timeout, so a hang fails instead of blocking), and
against TF1."""
import threading
import time

import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import data_flow_ops as dfo
from flowkit.train import input as tf_input
from flowkit.train.coordinator import Coordinator
from flowkit.train.queue_runner import QueueRunner, add_queue_runner, start_queue_runners

TIMEOUT = 20.0


def in_thread(fn, *args):
    """Starts ``fn(*args)`` in a daemon thread; returns (thread, result dict)."""
    out = {}

    def run():
        try:
            out["value"] = fn(*args)
        except BaseException as e:  # noqa: BLE001 - handed to the test
            out["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t, out


def finished(t, out, timeout=TIMEOUT):
    t.join(timeout)
    assert not t.is_alive(), "the thread is still blocked"
    if "error" in out:
        raise out["error"]
    return out.get("value")


def blocked(t, wait=0.3):
    t.join(wait)
    return t.is_alive()


# -- the queue ops -----------------------------------------------------------------------------
def test_fifo_order_across_threads(session):
    q = dfo.FIFOQueue(5, tf.int32, shapes=[[]])
    x = tf.placeholder(tf.int32, [])
    enq, deq = q.enqueue(x), q.dequeue()
    sess = session()

    def produce():
        for i in range(50):
            sess.run(enq, {x: i})
    t, out = in_thread(produce)
    got = [int(sess.run(deq)) for _ in range(50)]
    finished(t, out)
    assert got == list(range(50))
    assert sess.run(q.size()) == 0


def test_multiple_components_names_and_static_shapes(session):
    q = dfo.FIFOQueue(10, [tf.float32, tf.int64], shapes=[[2], []], names=["x", "y"])
    enq = q.enqueue_many({"x": np.arange(6, dtype=np.float32).reshape(3, 2),
                          "y": np.array([7, 8, 9])})
    one = q.dequeue()
    many = q.dequeue_many(2)
    assert sorted(one) == ["x", "y"] and one["x"].shape == [2]
    assert many["x"].shape == [2, 2] and many["y"].shape == [2]
    assert q.dequeue_up_to(2)["x"].shape.as_list() == [None, 2]
    sess = session()
    sess.run(enq)
    v = sess.run(one)
    np.testing.assert_array_equal(v["x"], [0.0, 1.0])
    assert v["y"] == 7 and v["y"].dtype == np.int64
    m = sess.run(many)
    np.testing.assert_array_equal(m["x"], [[2.0, 3.0], [4.0, 5.0]])
    np.testing.assert_array_equal(m["y"], [8, 9])


def test_queue_names_follow_tf1():
    q = dfo.FIFOQueue(3, tf.float32)
    assert q.name == "fifo_queue" and q.queue_ref.op.type == "FIFOQueueV2"
    assert q.dequeue().op.name == "fifo_queue_Dequeue"
    assert q.enqueue(1.0).name == "fifo_queue_enqueue"
    assert q.size().op.name == "fifo_queue_Size"
    assert q.close().name == "fifo_queue_Close"
    r = dfo.RandomShuffleQueue(5, 1, tf.float32, name="rq")
    assert r.name == "rq" and r.dequeue_many(2).op.name == "rq_DequeueMany"


def test_dequeue_blocks_until_enqueue(session):
    q = dfo.FIFOQueue(2, tf.float32, shapes=[[]])
    sess = session()
    deq = q.dequeue()
    t, out = in_thread(sess.run, deq)
    assert blocked(t)
    sess.run(q.enqueue(3.5))
    assert finished(t, out) == 3.5


def test_enqueue_blocks_while_full(session):
    q = dfo.FIFOQueue(2, tf.int32, shapes=[[]])
    sess = session()
    sess.run(q.enqueue_many([[1, 2]]))
    t, out = in_thread(sess.run, q.enqueue(3))
    assert blocked(t)
    assert sess.run(q.dequeue()) == 1
    finished(t, out)
    assert sess.run(q.dequeue_many(2)).tolist() == [2, 3]


def test_dequeue_many_larger_than_capacity(session):
    q = dfo.FIFOQueue(3, tf.int32, shapes=[[]])
    x = tf.placeholder(tf.int32, [None])
    enq = q.enqueue_many([x])
    sess = session()
    t, out = in_thread(sess.run, enq, {x: np.arange(10)})
    assert sess.run(q.dequeue_many(8)).tolist() == list(range(8))
    finished(t, out)
    assert sess.run(q.size()) == 2


def test_closed_queue_drains_then_raises_out_of_range(session):
    q = dfo.FIFOQueue(10, tf.int32, shapes=[[]])
    sess = session()
    sess.run(q.enqueue_many([[1, 2, 3]]))
    sess.run(q.close())
    assert sess.run(q.is_closed())
    with pytest.raises(tf.errors.OutOfRangeError, match="fifo_queue' is closed and has "
                       r"insufficient elements \(requested 5, current size 3\)"):
        sess.run(q.dequeue_many(5))
    assert sess.run(q.size()) == 3            # the elements went back
    assert sess.run(q.dequeue()) == 1
    assert sess.run(q.dequeue_up_to(5)).tolist() == [2, 3]
    with pytest.raises(tf.errors.OutOfRangeError):
        sess.run(q.dequeue())
    with pytest.raises(tf.errors.OutOfRangeError):
        sess.run(q.dequeue_up_to(1))
    with pytest.raises(tf.errors.CancelledError, match="is closed"):
        sess.run(q.enqueue(4))


def test_close_wakes_a_blocked_dequeue(session):
    q = dfo.FIFOQueue(2, tf.int32, shapes=[[]])
    sess = session()
    t, out = in_thread(sess.run, q.dequeue())
    assert blocked(t)
    sess.run(q.close())
    with pytest.raises(tf.errors.OutOfRangeError):
        finished(t, out)


def test_close_cancels_pending_enqueues_only_when_asked(session):
    q = dfo.FIFOQueue(1, tf.int32, shapes=[[]])
    sess = session()
    sess.run(q.enqueue(1))
    t, out = in_thread(sess.run, q.enqueue(2))
    assert blocked(t)
    sess.run(q.close())                       # pending enqueues go on
    assert blocked(t)
    assert sess.run(q.dequeue()) == 1
    finished(t, out)
    assert sess.run(q.dequeue()) == 2
    q2 = dfo.FIFOQueue(1, tf.int32, shapes=[[]])
    sess.run(q2.enqueue(1))
    t, out = in_thread(sess.run, q2.enqueue(2))
    assert blocked(t)
    sess.run(q2.close(cancel_pending_enqueues=True))
    with pytest.raises(tf.errors.CancelledError, match="cancel_pending_enqueues"):
        finished(t, out)
    assert sess.run(q2.size()) == 1


def test_random_shuffle_queue_multiset_and_min_after_dequeue(session):
    q = dfo.RandomShuffleQueue(20, 5, tf.int32, shapes=[[]], seed=3)
    sess = session()
    sess.run(q.enqueue_many([np.arange(5)]))
    t, out = in_thread(sess.run, q.dequeue())   # only min_after_dequeue elements: waits
    assert blocked(t)
    sess.run(q.enqueue_many([np.arange(5, 15)]))
    got = [int(finished(t, out))]
    got += sess.run(q.dequeue_many(9)).tolist()
    assert sess.run(q.size()) == 5
    sess.run(q.close())                          # closed: the last 5 come out too
    got += sess.run(q.dequeue_up_to(10)).tolist()
    assert sorted(got) == list(range(15))
    assert got != sorted(got)


def test_random_shuffle_queue_seed_repeats_across_sessions(session):
    q = dfo.RandomShuffleQueue(50, 0, tf.int32, shapes=[[]], seed=11)
    fill, take = q.enqueue_many([np.arange(30)]), q.dequeue_many(30)
    orders = []
    for _ in range(2):
        sess = session()
        sess.run(fill)
        orders.append(sess.run(take).tolist())
    assert orders[0] == orders[1] and sorted(orders[0]) == list(range(30))


def test_two_sessions_have_separate_queues():
    q = dfo.FIFOQueue(5, tf.int32, shapes=[[]])
    enq = q.enqueue(7)
    with tf.Session() as a, tf.Session() as b:
        a.run(enq)
        assert a.run(q.size()) == 1 and b.run(q.size()) == 0


def test_session_close_fails_a_blocked_dequeue():
    q = dfo.FIFOQueue(2, tf.int32, shapes=[[]])
    sess = tf.Session()
    t, out = in_thread(sess.run, q.dequeue())
    assert blocked(t)
    sess.close()
    t.join(2.0)
    assert not t.is_alive(), "closing the session must wake a dequeue blocked on it"
    with pytest.raises(tf.errors.CancelledError, match="was closed"):
        finished(t, out)


def test_build_time_errors():
    q = dfo.FIFOQueue(3, [tf.float32, tf.int32], shapes=[[2], []])
    with pytest.raises(ValueError, match=r"enqueue: component 1 \('zeros_1:0'\) has type "
                       "float32, but queue 'fifo_queue' holds int32"):
        q.enqueue([tf.zeros([2]), tf.zeros([])])
    with pytest.raises(ValueError, match="Shape mismatch in component 0"):
        q.enqueue([tf.zeros([3]), 1])
    with pytest.raises(ValueError, match="has 2 components, but 1 tensors"):
        q.enqueue([tf.zeros([2])])
    with pytest.raises(ValueError, match="min_after_dequeue"):
        dfo.RandomShuffleQueue(3, 3, tf.float32)
    with pytest.raises(ValueError, match="same length as dtypes"):
        dfo.FIFOQueue(3, [tf.float32], shapes=[[], []])


def test_run_time_shape_mismatch(session):
    q = dfo.FIFOQueue(3, tf.float32, shapes=[[2]])
    x = tf.placeholder(tf.float32, None)
    enq = q.enqueue(x)
    sess = session()
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"Expected \[2\], got \[3\]"):
        sess.run(enq, {x: np.zeros(3, np.float32)})


def test_unshaped_queue_dequeue_many_needs_equal_shapes(session):
    q = dfo.FIFOQueue(3, tf.float32)
    x = tf.placeholder(tf.float32, None)
    enq, many = q.enqueue(x), q.dequeue_many(2)
    sess = session()
    sess.run(enq, {x: [1.0, 2.0]})
    sess.run(enq, {x: [3.0]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Give the queue shapes="):
        sess.run(many)


def test_count_up_to(session):
    v = tf.Variable(0, name="v")
    c = tf.count_up_to(v, 2) if hasattr(tf, "count_up_to") else dfo.count_up_to(v, 2)
    sess = session()
    sess.run(v.initializer)
    assert [int(sess.run(c)), int(sess.run(c))] == [0, 1]
    with pytest.raises(tf.errors.OutOfRangeError, match="Reached limit of 2"):
        sess.run(c)
    assert sess.run(v) == 2


# -- Coordinator and QueueRunner -------------------------------------------------------------
def test_coordinator_reports_the_first_exception():
    coord = Coordinator()

    def bad():
        with coord.stop_on_exception():
            raise ValueError("boom")

    def good():
        while not coord.should_stop():
            time.sleep(0.01)
    threads = [threading.Thread(target=f) for f in (good, bad)]
    for t in threads:
        t.start()
    with pytest.raises(ValueError, match="boom"):
        coord.join(threads, stop_grace_period_secs=TIMEOUT)
    assert not any(t.is_alive() for t in threads)


def test_coordinator_clean_stop_and_stragglers():
    coord = Coordinator()
    coord.request_stop(tf.errors.OutOfRangeError(None, None, "end"))
    coord.join([])                            # OutOfRangeError is a clean stop
    coord.clear_stop()
    assert not coord.should_stop()
    ev = threading.Event()
    t = threading.Thread(target=ev.wait, args=(TIMEOUT,), name="stuck", daemon=True)
    t.start()
    coord.request_stop()
    with pytest.raises(RuntimeError, match="stuck"):
        coord.join([t], stop_grace_period_secs=0.05)
    ev.set()


def _counting_pipeline(n_threads=1):
    counter = tf.Variable(0, name="counter")
    q = dfo.FIFOQueue(4, tf.int32, shapes=[[]])
    inc = tf.count_up_to(counter, 20) if hasattr(tf, "count_up_to") else \
        dfo.count_up_to(counter, 20)
    qr = QueueRunner(q, [q.enqueue(inc)] * n_threads)
    add_queue_runner(qr)
    return counter, q, qr


def test_queue_runner_closes_the_queue_at_the_end_of_input(session):
    counter, q, qr = _counting_pipeline(n_threads=3)
    batch = q.dequeue_up_to(3)
    sess = session()
    sess.run(counter.initializer)
    coord = Coordinator()
    threads = start_queue_runners(sess, coord)
    assert len(threads) == 4                   # three enqueue threads and the closer
    got = []

    def consume():
        while True:
            got.extend(sess.run(batch).tolist())
    t, out = in_thread(consume)
    with pytest.raises(tf.errors.OutOfRangeError):
        finished(t, out)
    coord.request_stop()
    coord.join(threads, stop_grace_period_secs=TIMEOUT)
    assert sorted(got) == list(range(20))
    assert not any(th.is_alive() for th in threads)


def test_coordinator_stop_cancels_blocked_enqueues(session):
    counter, q, qr = _counting_pipeline(n_threads=2)
    sess = session()
    sess.run(counter.initializer)
    coord = Coordinator()
    threads = qr.create_threads(sess, coord=coord, daemon=True, start=True)
    deadline = time.time() + TIMEOUT
    while sess.run(q.size()) < 4 and time.time() < deadline:
        time.sleep(0.01)                       # the queue is full: both threads block
    coord.request_stop()
    coord.join(threads, stop_grace_period_secs=TIMEOUT)
    assert not any(t.is_alive() for t in threads)
    assert qr.create_threads(sess) != []       # finished threads can be made again


def test_queue_runner_reports_errors_to_the_coordinator(session):
    q = dfo.FIFOQueue(4, tf.float32, shapes=[[]])
    x = tf.placeholder(tf.float32, [])          # never fed: the enqueue op fails
    qr = QueueRunner(q, [q.enqueue(x)])
    sess = session()
    coord = Coordinator()
    threads = qr.create_threads(sess, coord=coord, start=True)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must feed a value"):
        coord.join(threads, stop_grace_period_secs=TIMEOUT)


def test_start_queue_runners_needs_a_session():
    with pytest.raises(ValueError, match="No default session"):
        start_queue_runners()


# -- the input pipeline ------------------------------------------------------------------------
def run_pipeline(sess, fetch, coord_timeout=TIMEOUT):
    """The classic loop: runs ``fetch`` until OutOfRangeError; returns the values."""
    sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
    coord = Coordinator()
    threads = start_queue_runners(sess, coord)
    values = []

    def loop():
        try:
            while not coord.should_stop():
                values.append(sess.run(fetch))
        except tf.errors.OutOfRangeError:
            pass
        finally:
            coord.request_stop()
        coord.join(threads, stop_grace_period_secs=coord_timeout)
    finished(*in_thread(loop))
    assert not any(t.is_alive() for t in threads)
    return values


def test_slice_input_producer_and_shuffle_batch_epochs(session):
    feats = np.arange(40, dtype=np.float32).reshape(20, 2)
    labels = np.arange(20, dtype=np.int64)
    x, y = tf_input.slice_input_producer([feats, labels], num_epochs=3, seed=5)
    xb, yb = tf_input.shuffle_batch([x, y], batch_size=4, capacity=16, min_after_dequeue=4,
                                    num_threads=2, seed=6, allow_smaller_final_batch=True)
    assert xb.shape.as_list() == [None, 2] and yb.shape.as_list() == [None]
    names = [v.op.name for v in tf.local_variables()]
    assert names == ["input_producer/input_producer/limit_epochs/epochs"]
    values = run_pipeline(session(), [xb, yb])
    ys = np.concatenate([v[1] for v in values])
    xs = np.concatenate([v[0] for v in values])
    assert sorted(ys.tolist()) == sorted(list(range(20)) * 3)
    np.testing.assert_array_equal(xs[:, 0], ys * 2)        # rows stay together
    assert ys.tolist() != sorted(ys.tolist())


def test_string_input_producer_and_batch_in_order(session):
    names = [b"a.csv", b"b.csv", b"c.csv"]
    q = tf_input.string_input_producer(names, num_epochs=2, shuffle=False)
    assert q.name == "input_producer"
    batch = tf_input.batch([q.dequeue()], batch_size=2, allow_smaller_final_batch=True)
    assert isinstance(batch, tf.Tensor)      # a one-tensor list gives a tensor, as in TF1
    values = run_pipeline(session(), batch)
    assert [s for v in values for s in v.tolist()] == names * 2
    assert [len(v) for v in values] == [2, 2, 2]


def test_batch_enqueue_many_and_dict(session):
    data = {"a": tf.constant(np.arange(6, dtype=np.float32)), "b": tf.constant(np.arange(6))}
    limited = {k: tf_input.limit_epochs(v, 1) for k, v in data.items()}
    out = tf_input.batch(limited, batch_size=4, enqueue_many=True, capacity=10,
                         allow_smaller_final_batch=True)
    assert sorted(out) == ["a", "b"]
    values = run_pipeline(session(), out)
    assert [v["b"].tolist() for v in values] == [[0, 1, 2, 3], [4, 5]]


def test_batch_needs_shapes():
    x = tf.placeholder(tf.float32, [None])
    with pytest.raises(ValueError, match="All shapes must be fully defined"):
        tf_input.batch([x], 2)


def test_input_pipeline_matches_tf1(tf1):
    """The same program in both: names of the queues and local variables, and the batches
    of an unshuffled pipeline, exactly."""
    def build(train, **kw):
        feats = np.arange(30, dtype=np.float32).reshape(15, 2)
        x, y = train.slice_input_producer([feats, np.arange(15)], num_epochs=2, shuffle=False)
        return train.batch([x, y], batch_size=4, allow_smaller_final_batch=True, **kw)

    g = tf.Graph()
    with g.as_default():
        ours = build(tf_input)
        local = [v.op.name for v in tf.local_variables()]
        queues = sorted(op.name for op in g.get_operations() if op.type == "FIFOQueueV2")
        with tf.Session(graph=g) as sess:
            got = run_pipeline(sess, ours)
    g1 = tf1.Graph()
    with g1.as_default():
        theirs = build(tf1.train)
        assert local == [v.op.name for v in tf1.local_variables()]
        assert queues == sorted(op.name for op in g1.get_operations()
                                if op.type == "FIFOQueueV2")
        with tf1.Session(graph=g1) as sess1:
            sess1.run([tf1.global_variables_initializer(), tf1.local_variables_initializer()])
            coord = tf1.train.Coordinator()
            threads = tf1.train.start_queue_runners(sess1, coord)
            want = []
            try:
                while True:
                    want.append(sess1.run(theirs))
            except tf1.errors.OutOfRangeError:
                pass
            coord.request_stop()
            coord.join(threads)
    assert len(got) == len(want)
    for a, b in zip(got, want):
        for u, v in zip(a, b):
            np.testing.assert_array_equal(u, v)


# -- a queue op run by two threads at once, the first time --------------------------------------
def test_op_state_is_made_once_when_threads_race():
    from flowkit.backend import op_state
    state, made, barrier = {}, [], threading.Barrier(8)

    def slow_make():
        made.append(1)
        time.sleep(0.05)
        return object()

    got = []

    def run():
        barrier.wait()
        got.append(op_state(state, "queue", slow_make))
    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert len(made) == 1 and len({id(g) for g in got}) == 1


def test_two_threads_first_running_a_queue_op_share_one_queue(session, monkeypatch):
    """TF1's queue runners start several enqueue threads at once, and each one's first run
    makes the queue op's queue: made twice, one thread's elements went to a queue nobody
    reads (an input pipeline lost an element)."""
    import flowkit_numpy.kernels_data_flow as kdf
    init = kdf.Queue.__init__

    def slow_init(self, *args):
        init(self, *args)
        time.sleep(0.05)               # widen the window in which both threads make it
    monkeypatch.setattr(kdf.Queue, "__init__", slow_init)
    q = dfo.FIFOQueue(4, tf.float32, shapes=[[]])
    enqueues = [q.enqueue(float(i)) for i in range(2)]
    size = q.size()
    sess = session()
    barrier = threading.Barrier(2)

    def run(op):
        barrier.wait()
        sess.run(op)
    threads = [threading.Thread(target=run, args=(op,)) for op in enqueues]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert sess.run(size) == 2
