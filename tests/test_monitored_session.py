"""M.MonitoredTrainingSession, MonitoredSession, Scaffold and the session-run hooks:
training, checkpoints and resuming after a restart, summaries read back with TensorBoard's
reader."""
import logging
import os

import numpy as np
import pytest

import flowkit as tf
from flowkit import errors
from flowkit.train import hooks as H
from flowkit.train import monitored_session as M

try:     # importing flowkit.summary gives the hooks their FileWriterCache
    import tensorboard  # noqa: F401
    from flowkit import summary
except ImportError:
    summary = None


@pytest.fixture(autouse=True)
def _fresh_writers():
    yield
    if summary is not None:
        summary.FileWriterCache.clear()


def _model(seed=0):
    """Linear regression with a global step; returns (x, y, loss, train_op, W)."""
    x = tf.placeholder(tf.float32, [None, 2], name="x")
    y = tf.placeholder(tf.float32, [None, 1], name="y")
    W = tf.Variable(np.zeros((2, 1), np.float32), name="W")
    loss = tf.reduce_mean(tf.square(tf.matmul(x, W) - y), name="mse")
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    return x, y, loss, train, W


def _data():
    xs = np.random.default_rng(0).standard_normal((16, 2)).astype(np.float32)
    return xs, xs @ np.array([[2.0], [-1.0]], np.float32)


class Recorder(H.SessionRunHook):
    def __init__(self, fetch=None, stop_at=None):
        self.calls, self.results, self.fetch, self.stop_at = [], [], fetch, stop_at

    def begin(self):
        self.calls.append("begin")

    def after_create_session(self, session, coord):
        self.calls.append("after_create_session")
        assert session.graph.finalized

    def before_run(self, run_context):
        self.calls.append("before_run")
        return H.SessionRunArgs(self.fetch) if self.fetch is not None else None

    def after_run(self, run_context, run_values):
        self.calls.append("after_run")
        self.results.append(run_values.results)
        if self.stop_at is not None and len(self.results) >= self.stop_at:
            run_context.request_stop()

    def end(self, session):
        self.calls.append("end")


def test_hook_protocol_and_request_stop():
    x, y, loss, train, _ = _model()
    xs, ys = _data()
    rec = Recorder(fetch=loss, stop_at=3)
    with M.MonitoredSession(hooks=[rec]) as sess:
        assert tf.get_default_graph().finalized
        n = 0
        while not sess.should_stop():
            out = sess.run(train, {x: xs, y: ys})
            n += 1
        assert out is None and n == 3
        with pytest.raises(RuntimeError, match="should_stop"):
            sess.run(train, {x: xs, y: ys})
    assert rec.calls == ["begin", "after_create_session"] + \
        ["before_run", "after_run"] * 3 + ["end"]
    assert rec.results[0] > rec.results[-1] > 0            # the loss went down
    assert not tf.get_default_graph().finalized            # given back as it was


def test_hook_feeds_merge_with_the_callers():
    a = tf.placeholder(tf.float32, [], name="a")
    b = tf.placeholder(tf.float32, [], name="b")

    a10 = a * 10.0

    class Feeder(H.SessionRunHook):
        def before_run(self, run_context):
            return H.SessionRunArgs(fetches=a10, feed_dict={a: 2.0})

        def after_run(self, run_context, run_values):
            self.got = run_values.results

    hook = Feeder()
    total = a + b
    with M.MonitoredSession(hooks=[hook]) as sess:
        assert sess.run(total, {b: 1.0}) == 3.0
        assert hook.got == 20.0
        with pytest.raises(RuntimeError, match="fed by a SessionRunHook and user"):
            sess.run(b, {a: 5.0, b: 1.0})


def test_train_checkpoint_and_resume_after_restart(tmp_path):
    ckpt = str(tmp_path)
    xs, ys = _data()

    def train_until(last_step):
        tf.reset_default_graph()
        x, y, loss, train, W = _model()
        with M.MonitoredTrainingSession(
                checkpoint_dir=ckpt, save_checkpoint_steps=4, save_summaries_steps=2,
                log_step_count_steps=5,
                hooks=[H.StopAtStepHook(last_step=last_step)]) as sess:
            start = sess.run(tf.train.get_global_step())
            first_loss = sess.run(loss, {x: xs, y: ys})
            while not sess.should_stop():
                sess.run(train, {x: xs, y: ys})
        return start, first_loss

    start1, loss1 = train_until(6)
    assert start1 == 0
    assert tf.train.latest_checkpoint(ckpt).endswith("model.ckpt-6")
    steps = sorted(int(f.split("-")[1].split(".")[0]) for f in os.listdir(ckpt)
                   if f.startswith("model.ckpt-"))
    assert steps == [0, 4, 6]                  # at the start, every 4 steps, at the end
    # A new process would build the same graph again: training resumes at step 6.
    start2, loss2 = train_until(10)
    assert start2 == 6 and loss2 < loss1
    assert tf.train.latest_checkpoint(ckpt).endswith("model.ckpt-10")
    reader = tf.train.load_checkpoint(ckpt)
    assert int(reader.get_tensor("global_step")) == 10

    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    acc = ea.EventAccumulator(ckpt, size_guidance={"scalars": 0})
    acc.Reload()
    assert acc.Tags()["graph"] and os.path.exists(os.path.join(ckpt, "graph.pbtxt"))
    assert "global_step/sec" in acc.Tags()["scalars"]


def test_summaries_every_n_steps(tmp_path):
    pytest.importorskip("tensorboard")
    from flowkit import summary
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    x, y, loss, train, _ = _model()
    summary.scalar("loss", loss)
    xs, ys = _data()
    with M.MonitoredTrainingSession(
            checkpoint_dir=str(tmp_path), save_summaries_steps=3, save_checkpoint_secs=None,
            log_step_count_steps=None,
            hooks=[H.StopAtStepHook(num_steps=7)]) as sess:
        while not sess.should_stop():
            sess.run(train, {x: xs, y: ys})
    acc = EventAccumulator(str(tmp_path), size_guidance={"scalars": 0})
    acc.Reload()
    events = acc.Scalars("loss")
    assert [e.step for e in events] == [1, 4, 7]
    assert events[0].value > events[-1].value
    assert not [f for f in os.listdir(tmp_path) if f.startswith("model.ckpt")]


def test_out_of_range_ends_the_loop_cleanly():
    x, y, loss, train, _ = _model()
    xs, ys = _data()
    rec = Recorder()

    class Exhausted(H.SessionRunHook):
        def after_run(self, run_context, run_values):
            raise errors.OutOfRangeError(None, None, "End of sequence")

    with M.MonitoredSession(hooks=[rec, Exhausted()]) as sess:
        while not sess.should_stop():
            sess.run(train, {x: xs, y: ys})
    assert rec.calls[-1] == "end" and sess.should_stop()


def test_other_errors_propagate_without_end():
    x, y, loss, train, _ = _model()
    rec = Recorder()
    with pytest.raises(errors.InvalidArgumentError):
        with M.MonitoredSession(hooks=[rec]) as sess:
            sess.run(train)                       # placeholders not fed
    assert "end" not in rec.calls


def test_nan_tensor_hook():
    v = tf.placeholder(tf.float32, [])
    step = tf.train.get_or_create_global_step()
    with M.MonitoredSession(hooks=[H.NanTensorHook(v)]) as sess:
        with pytest.raises(H.NanLossDuringTrainingError, match="NaN loss"):
            sess.run(step, {v: np.nan})
    tf.reset_default_graph()
    v = tf.placeholder(tf.float32, [])
    with M.MonitoredSession(hooks=[H.NanTensorHook(v, fail_on_nan_loss=False)]) \
            as sess:
        sess.run(v, {v: 1.0})
        assert not sess.should_stop()
        sess.run(v, {v: np.nan})
        assert sess.should_stop()


def test_logging_tensor_hook(caplog):
    x, y, loss, train, _ = _model()
    xs, ys = _data()
    caplog.set_level(logging.INFO, logger="flowkit.train")
    hook = H.LoggingTensorHook({"loss": loss, "step": "global_step:0"},
                                      every_n_iter=2)
    with M.MonitoredSession(hooks=[hook]) as sess:
        for _ in range(4):
            sess.run(train, {x: xs, y: ys})
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("loss = ")]
    assert len(lines) == 2 and "step = " in lines[0]
    with pytest.raises(ValueError, match="exactly one"):
        H.LoggingTensorHook([loss])
    tf.reset_default_graph()


def test_stop_at_step_hook_needs_a_global_step():
    tf.Variable(1.0)
    with pytest.raises(ValueError, match="One of num_steps or last_step"):
        H.StopAtStepHook()
    with pytest.raises(RuntimeError, match="Global step should be created"):
        M.MonitoredSession(hooks=[H.StopAtStepHook(num_steps=2)])


def test_checkpoint_listener_and_scaffold(tmp_path):
    x, y, loss, train, W = _model()
    xs, ys = _data()
    saver = tf.train.Saver(max_to_keep=10)
    seen = []

    class Listener(H.CheckpointSaverListener):
        def after_save(self, session, global_step_value):
            seen.append(global_step_value)
            return global_step_value >= 2           # stop after the save at step 2

    set_w = tf.assign(W, [[1.0], [1.0]])

    def init_fn(scaffold, session):
        session.run(set_w)
    scaffold = M.Scaffold(saver=saver, init_fn=init_fn)
    hook = H.CheckpointSaverHook(str(tmp_path), save_steps=2, scaffold=scaffold,
                                        listeners=[Listener()])
    with M.SingularMonitoredSession(hooks=[hook], scaffold=scaffold) as sess:
        assert sess.raw_session().run(W).tolist() == [[1.0], [1.0]]
        while not sess.should_stop():
            sess.run(train, {x: xs, y: ys})
    assert seen == [0, 2]


def test_without_tensorboard_checkpoints_still_written(tmp_path, monkeypatch, caplog):
    monkeypatch.setattr(H._SummarySupport, "writer_cache", None)
    monkeypatch.setattr(H._SummarySupport, "warned", False)
    x, y, loss, train, _ = _model()
    xs, ys = _data()
    with M.MonitoredTrainingSession(
            checkpoint_dir=str(tmp_path),
            hooks=[H.StopAtStepHook(last_step=2)]) as sess:
        while not sess.should_stop():
            sess.run(train, {x: xs, y: ys})
    assert tf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-2")
    assert "No summaries or graph are written" in caplog.text
    assert not [f for f in os.listdir(tmp_path) if f.startswith("events")]


def test_step_counter_hook_writes_steps_per_second(tmp_path):
    pytest.importorskip("tensorboard")
    from flowkit import summary
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    x, y, loss, train, _ = _model()
    xs, ys = _data()
    writer = summary.FileWriter(str(tmp_path))
    hook = H.StepCounterHook(every_n_steps=2, summary_writer=writer)
    with M.MonitoredSession(hooks=[hook]) as sess:
        for _ in range(5):
            sess.run(train, {x: xs, y: ys})
    writer.close()
    acc = EventAccumulator(str(tmp_path))
    acc.Reload()
    events = acc.Scalars("global_step/sec")
    assert [e.step for e in events] == [3, 5] and all(e.value > 0 for e in events)
