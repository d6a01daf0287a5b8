"""tf.train's remaining names (issue 19): Supervisor, SessionManager, basic_train_loop,
WorkerSessionCreator, ProfilerHook, GlobalStepWaiterHook, VocabInfo, piecewise_constant_decay,
match_filenames_once, the maybe_* batching functions, dynamic_pad, summary_iterator."""
import glob
import importlib.util
import json
import os
import threading
import time

import numpy as np
import pytest

import flowkit as tf


@pytest.fixture(autouse=True)
def fresh_graph():
    with tf.Graph().as_default() as g:
        yield g


def _model():
    w = tf.Variable(0.0, name="w")
    step = tf.train.get_or_create_global_step()
    train = tf.group(tf.assign_add(w, 1.0), tf.assign_add(step, 1))
    return w, step, train


# -- SessionManager ------------------------------------------------------------------------------
def test_session_manager_prepares_recovers_and_waits(tmp_path):
    w, step, train = _model()
    ready = tf.report_uninitialized_variables()
    init = tf.global_variables_initializer()
    saver = tf.train.Saver()
    sm = tf.train.SessionManager(ready_op=ready, recovery_wait_secs=0.01)
    sess, ok = sm.recover_session("", saver=saver, checkpoint_dir=str(tmp_path))
    assert ok is False
    sess.close()
    with pytest.raises(RuntimeError, match="no init_op or init_fn"):
        sm.prepare_session("", saver=saver, checkpoint_dir=str(tmp_path))
    with pytest.raises(RuntimeError, match="did not make model ready.*w"):
        sm.prepare_session("", init_op=tf.no_op())
    sess = sm.prepare_session("", init_op=init, saver=saver, checkpoint_dir=str(tmp_path))
    sess.run(train)
    sess.run(train)
    saver.save(sess, str(tmp_path / "model.ckpt"), global_step=step)
    sess.close()
    sess = sm.prepare_session("", init_op=init, saver=saver, checkpoint_dir=str(tmp_path))
    assert sess.run(w) == 2.0                          # restored, not initialized
    sess.close()
    sess, ok = sm.recover_session("", saver=saver, checkpoint_dir=str(tmp_path))
    assert ok and sess.run(step) == 2
    sess.close()
    calls = []
    sess = sm.prepare_session("", init_fn=lambda s: calls.append(s.run(init)))
    assert calls and sess.run(w) == 0.0
    sess.close()
    with pytest.raises(tf.errors.DeadlineExceededError, match="not ready after waiting"):
        sm.wait_for_session("", max_wait_secs=0.05)


def test_session_manager_local_init_op(tmp_path):
    g = tf.Variable(1.0, name="g")
    loc = tf.get_local_variable("loc", shape=[], initializer=tf.constant_initializer(5.0))
    sm = tf.train.SessionManager(local_init_op=tf.local_variables_initializer(),
                                 ready_op=tf.report_uninitialized_variables(),
                                 ready_for_local_init_op=tf.report_uninitialized_variables(
                                     tf.global_variables()))
    sess = sm.prepare_session("", init_op=g.initializer)
    assert sess.run([g, loc]) == [1.0, 5.0]
    sess.close()
    with pytest.raises(ValueError, match="ready_for_local_init_op you must also pass"):
        tf.train.SessionManager(ready_for_local_init_op=tf.report_uninitialized_variables())


# -- Supervisor -----------------------------------------------------------------------------------
def test_supervisor_managed_session_trains_saves_and_resumes(tmp_path):
    graph = tf.get_default_graph()
    w, step, train = _model()
    sv = tf.train.Supervisor(logdir=str(tmp_path), summary_op=None, save_model_secs=3600)
    assert graph.finalized and sv.global_step is step and sv.is_chief
    assert sv.save_path == os.path.join(str(tmp_path), "model.ckpt")
    with sv.managed_session() as sess:
        deadline = time.time() + 30
        while tf.train.latest_checkpoint(str(tmp_path)) is None and time.time() < deadline:
            time.sleep(0.01)         # the checkpoint thread saves once when it starts
        assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-0")
        for _ in range(3):
            sess.run(train)
        sv.saver.save(sess, sv.save_path, global_step=step)
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-3")
    with tf.Graph().as_default():              # a new program resumes from the checkpoint
        w, step, train = _model()
        sv2 = tf.train.Supervisor(logdir=str(tmp_path), summary_op=None, save_model_secs=0)
        with sv2.managed_session() as sess:
            assert sess.run(w) == 3.0 and sess.run(step) == 3
    with pytest.raises(RuntimeError, match="finalized"):
        tf.train.Supervisor(graph=graph, logdir=None)     # its graph is final, as in TF1


def test_supervisor_stops_on_request_and_reraises_errors():
    w, step, train = _model()
    sv = tf.train.Supervisor(logdir=None, summary_op=None)
    n = 0
    with sv.managed_session() as sess:
        while not sv.should_stop():
            sess.run(train)
            n += 1
            if n == 4:
                sv.request_stop()
    assert n == 4
    with pytest.raises(ZeroDivisionError):
        with sv.managed_session() as sess:
            raise ZeroDivisionError("in the loop")
    with sv.managed_session() as sess:    # an input running out ends the block cleanly
        raise tf.errors.OutOfRangeError(None, None, "done")


def test_supervisor_runs_queue_runners_and_loops():
    q = tf.FIFOQueue(10, tf.int32, shapes=[[]])
    counter = tf.Variable(0, name="counter")
    enqueue = q.enqueue(tf.assign_add(counter, 1))
    tf.train.add_queue_runner(tf.train.QueueRunner(q, [enqueue]))
    x = q.dequeue()
    sv = tf.train.Supervisor(logdir=None, summary_op=None)
    ticks = []
    with sv.managed_session() as sess:
        got = [int(sess.run(x)) for _ in range(3)]
        sv.loop(0.01, lambda: ticks.append(1))
        time.sleep(0.1)
    assert got == [1, 2, 3]
    assert len(ticks) >= 2


def test_supervisor_with_summaries(tmp_path):
    pytest.importorskip("tensorboard")
    import flowkit.summary  # noqa: F401  (gives tf.train the summary writer)
    w, step, train = _model()
    tf.summary.scalar("w_value", w)
    sv = tf.train.Supervisor(logdir=str(tmp_path), save_summaries_secs=3600, save_model_secs=0)
    assert sv.summary_op is not None and sv.summary_writer is not None
    with sv.managed_session() as sess:
        sess.run(train)
        sv.summary_computed(sess, sess.run(sv.summary_op))
    files = glob.glob(os.path.join(str(tmp_path), "events.out.tfevents.*"))
    assert len(files) == 1
    events = list(tf.train.summary_iterator(files[0]))
    assert events[0].file_version == "brain.Event:2"
    tagged = [(e.step, v.simple_value) for e in events for v in e.summary.value
              if v.tag == "w_value"]
    assert (1, 1.0) in tagged                 # summary_computed after one step
    assert sum(bool(e.graph_def) for e in events) == 1   # the graph, written once


def test_basic_train_loop():
    w, step, train = _model()
    sv = tf.train.Supervisor(logdir=None, summary_op=None)
    seen = []

    def train_step(sess, k, scale=1):
        seen.append(k * scale)
        if sess.run([train, step])[1] >= 3:
            sv.request_stop()
    tf.train.basic_train_loop(sv, train_step, args=(2,), kwargs={"scale": 5})
    assert seen == [10, 10, 10]


def test_supervisor_defaults_to_zero_as_use_default():
    _model()
    sv = tf.train.Supervisor(logdir=None, summary_op=0, saver=None, init_op=0)
    assert tf.train.Supervisor.USE_DEFAULT == 0
    assert sv.saver is None and sv.init_op is not None
    with sv.managed_session() as sess:
        assert sess.run(tf.train.get_global_step()) == 0


def test_worker_session_creator_waits_for_the_model():
    with tf.Graph().as_default():              # nobody initializes w: the worker gives up
        _model()
        with pytest.raises(tf.errors.DeadlineExceededError, match="w"):
            tf.train.WorkerSessionCreator(max_wait_secs=0.0).create_session()
    # a model without global variables is ready once its local init op ran
    loc = tf.get_local_variable("loc", shape=[], initializer=tf.constant_initializer(3.0))
    with tf.train.MonitoredSession(session_creator=tf.train.WorkerSessionCreator()) as sess:
        assert sess.run(loc) == 3.0


# -- hooks ----------------------------------------------------------------------------------------
def test_profiler_hook_writes_chrome_traces(tmp_path):
    x = tf.placeholder(tf.float32, [2])
    y = tf.reduce_sum(tf.square(x), name="total")
    step = tf.train.get_or_create_global_step()
    inc = tf.assign_add(step, 1)
    hook = tf.train.ProfilerHook(save_steps=2, output_dir=str(tmp_path))
    with tf.train.MonitoredSession(hooks=[hook]) as sess:
        for _ in range(5):
            sess.run([y, inc], {x: [1.0, 2.0]})
    names = sorted(os.path.basename(f) for f in glob.glob(str(tmp_path / "*.json")))
    assert names == ["timeline-2.json", "timeline-4.json"]
    trace = json.load(open(tmp_path / "timeline-2.json"))
    ops = {e["args"]["name"]: e["name"] for e in trace["traceEvents"] if e["ph"] == "X"}
    assert ops["total"] == "Sum" and "Square" in ops.values()
    assert all(e["dur"] >= 0 for e in trace["traceEvents"] if e["ph"] == "X")


def test_global_step_waiter_hook_waits_for_another_thread():
    step = tf.train.get_or_create_global_step()
    inc = tf.assign_add(step, 1)
    c = tf.constant(1.0)
    sess_holder = {}

    def advance():
        while "sess" not in sess_holder:
            time.sleep(0.01)
        raw = sess_holder["sess"]
        for _ in range(3):
            raw.run(inc)
            time.sleep(0.02)

    class Grab(tf.train.SessionRunHook):
        def after_create_session(self, session, coord):
            sess_holder["sess"] = session

    thread = threading.Thread(target=advance)
    thread.start()
    hook = tf.train.GlobalStepWaiterHook(wait_until_step=3, poll_secs=0.01)
    with tf.train.MonitoredSession(hooks=[Grab(), hook]) as sess:
        sess.run(c)
        assert sess_holder["sess"].run(step) >= 3
    thread.join()


# -- small names ----------------------------------------------------------------------------------
def test_vocab_info_and_piecewise_constant_decay(session):
    info = tf.train.VocabInfo("new.txt", 10, 1, "old.txt", backup_initializer=None)
    assert info.old_vocab_size == -1 and info.axis == 0 and info.new_vocab_size == 10
    with pytest.raises(ValueError, match="axis"):
        tf.train.VocabInfo("a", 1, 0, "b", axis=2)
    assert tf.train.piecewise_constant_decay is tf.train.piecewise_constant
    step = tf.placeholder(tf.int32, [])
    lr = tf.train.piecewise_constant_decay(step, [10, 20], [1.0, 0.5, 0.1])
    sess = session()
    assert [float(sess.run(lr, {step: s})) for s in (5, 15, 25)] == pytest.approx([1, .5, .1])


# -- the input pipeline ---------------------------------------------------------------------------
def _drain(sess, t):
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)
    out = []
    try:
        while True:
            out.append(sess.run(t))
    except tf.errors.OutOfRangeError:
        pass
    finally:
        coord.request_stop()
        coord.join(threads)
    return out


def test_match_filenames_once_feeds_string_input_producer(session, tmp_path):
    for name in ("b.csv", "a.csv", "skip.txt"):
        (tmp_path / name).write_text(name)
    files = tf.train.match_filenames_once(str(tmp_path / "*.csv"))
    assert files in tf.local_variables()
    queue = tf.train.string_input_producer(files, num_epochs=1, shuffle=False)
    contents = tf.read_file(queue.dequeue())
    sess = session()
    sess.run(tf.local_variables_initializer())
    assert [os.path.basename(f) for f in sess.run(files)] == [b"a.csv", b"b.csv"]
    assert _drain(sess, contents) == [b"a.csv", b"b.csv"]


def test_maybe_batch_keeps_only_selected_elements(session):
    n = tf.train.range_input_producer(10, num_epochs=1, shuffle=False).dequeue()
    b = tf.train.maybe_batch([n], keep_input=tf.equal(n % 3, 0), batch_size=2,
                             allow_smaller_final_batch=True)
    sess = session()
    sess.run(tf.local_variables_initializer())
    assert [v.tolist() for v in _drain(sess, b)] == [[0, 3], [6, 9]]


def test_maybe_batch_enqueue_many_with_a_vector(session):
    data = tf.constant(np.arange(6).reshape(3, 2))
    keep = tf.constant([True, False, True])
    b = tf.train.maybe_batch([data], keep_input=keep, batch_size=2, enqueue_many=True)
    sess = session()
    got = _drain_some(sess, b, 1)
    np.testing.assert_array_equal(got[0], [[0, 1], [4, 5]])
    with pytest.raises(ValueError, match="scalar when enqueue_many=False"):
        tf.train.maybe_batch([data], keep_input=keep, batch_size=2)


def _drain_some(sess, t, k):
    coord = tf.train.Coordinator()
    threads = tf.train.start_queue_runners(sess, coord)
    try:
        return [sess.run(t) for _ in range(k)]
    finally:
        coord.request_stop()
        sess.close()
        coord.join(threads, stop_grace_period_secs=5)


def test_maybe_shuffle_batch_and_joins(session):
    n = tf.train.range_input_producer(20, num_epochs=1, shuffle=False).dequeue()
    even = tf.equal(n % 2, 0)
    b = tf.train.maybe_shuffle_batch([n], 5, capacity=20, min_after_dequeue=2, keep_input=even,
                                     seed=1, allow_smaller_final_batch=True)
    sess = session()
    sess.run(tf.local_variables_initializer())
    got = np.concatenate(_drain(sess, b))
    assert sorted(got.tolist()) == list(range(0, 20, 2))
    j = tf.train.maybe_batch_join([[tf.constant(1)], [tf.constant(2)]], keep_input=True,
                                  batch_size=4)
    sj = tf.train.maybe_shuffle_batch_join([[tf.constant(1)], [tf.constant(2)]], 4, 10, 2,
                                           keep_input=tf.constant(True))
    assert j.shape.as_list() == [4] and sj.shape.as_list() == [4]


def test_batch_dynamic_pad(session):
    length = tf.train.range_input_producer(4, num_epochs=1, shuffle=False).dequeue() + 1
    seq = tf.range(length)
    b = tf.train.batch([seq], batch_size=2, dynamic_pad=True)
    assert b.shape.as_list() == [2, None]
    sess = session()
    sess.run(tf.local_variables_initializer())
    got = [v.tolist() for v in _drain(sess, b)]
    assert got == [[[0, 0], [0, 1]], [[0, 1, 2, 0], [0, 1, 2, 3]]]
    with pytest.raises(ValueError, match="dynamic_pad=True"):
        tf.train.batch([seq], batch_size=2)


# -- summary_iterator -----------------------------------------------------------------------------
@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is None, reason="needs tensorboard")
def test_summary_iterator_reads_and_checks_event_files(tmp_path):
    import flowkit.summary  # noqa: F401
    x = tf.placeholder(tf.float32, [])
    merged = tf.summary.scalar("x", x)
    writer = tf.summary.FileWriter(str(tmp_path))
    with tf.Session() as sess:
        for i in range(3):
            writer.add_summary(sess.run(merged, {x: i * 1.5}), global_step=i)
    writer.close()
    (path,) = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    events = list(tf.train.summary_iterator(path))
    assert events[0].file_version == "brain.Event:2"
    assert [(e.step, e.summary.value[0].simple_value) for e in events[1:]] == \
        [(0, 0.0), (1, 1.5), (2, 3.0)]
    data = bytearray(open(path, "rb").read())
    data[-3] ^= 0xFF                                  # damage the last record's data
    bad = tmp_path / "bad"
    bad.write_bytes(bytes(data))
    with pytest.raises(tf.errors.DataLossError, match="checksum"):
        list(tf.train.summary_iterator(str(bad)))
    bad.write_bytes(bytes(data[:-2]))                 # a record cut short: iteration ends
    assert len(list(tf.train.summary_iterator(str(bad)))) == len(events) - 1


@pytest.mark.tf
@pytest.mark.skipif(importlib.util.find_spec("tensorboard") is None, reason="needs tensorboard")
def test_summary_iterator_agrees_with_tensorflow(tf1, tmp_path):
    import flowkit.summary  # noqa: F401
    writer = tf.summary.FileWriter(str(tmp_path))
    x = tf.placeholder(tf.float32, [])
    merged = tf.summary.scalar("loss", x)
    with tf.Session() as sess:
        writer.add_summary(sess.run(merged, {x: 0.25}), global_step=7)
    writer.close()
    (path,) = glob.glob(str(tmp_path / "events.out.tfevents.*"))
    theirs = [e.SerializeToString() for e in tf1.train.summary_iterator(path)]
    ours = [e.SerializeToString() for e in tf.train.summary_iterator(path)]
    assert ours == theirs and len(ours) == 2
