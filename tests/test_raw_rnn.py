"""tf.nn.raw_rnn and tf.nn.static_state_saving_rnn (flowkit/rnn/raw_rnn.py) against
TensorFlow's tf.compat.v1: the same program built in both, the same initial weights, then the
emitted outputs, final states, loop states and gradients compared, and a small model trained
step by step in both."""
import types

import numpy as np
import pytest

import flowkit as tf
from flowkit.rnn import rnn_cell as fk_cell
from flowkit.rnn.raw_rnn import raw_rnn, static_state_saving_rnn
from tests._tf_compare import make_pair

B, T, D, H = 3, 5, 4, 6


def api(mod):
    if mod is tf:
        return types.SimpleNamespace(cell=fk_cell, raw_rnn=raw_rnn,
                                     state_saving=static_state_saving_rnn)
    return types.SimpleNamespace(cell=mod.nn.rnn_cell, raw_rnn=mod.nn.raw_rnn,
                                 state_saving=mod.nn.static_state_saving_rnn)


def _dynamic_via_raw(mod, make_cell, emit_structure=False, loop_state=False, use_cond=False):
    """TF's docstring example: dynamic_rnn written with raw_rnn (with ``use_cond``, reading
    the next input in a tf.cond as the example does), with optionally an explicit emit
    structure (the output and its sum) and a loop state (a running count and a TensorArray
    of the per-step mean square of the outputs)."""
    a = api(mod)
    x = mod.placeholder(mod.float32, [T, B, D], name="x")
    lengths = mod.placeholder(mod.int32, [B], name="lengths")
    inputs_ta = mod.TensorArray(mod.float32, size=T, clear_after_read=False).unstack(x)
    cell = make_cell(a.cell)

    def loop_fn(time, cell_output, cell_state, state_in):
        if cell_output is None:
            next_state = cell.zero_state(B, mod.float32)
            emit = (mod.zeros([H]), mod.zeros([1])) if emit_structure else None
            next_loop = (mod.constant(0.0), mod.TensorArray(mod.float32, size=T)) \
                if loop_state else None
        else:
            next_state = cell_state
            emit = (cell_output, mod.reduce_sum(cell_output, 1, keepdims=True)) \
                if emit_structure else cell_output
            if loop_state:
                count, means = state_in
                next_loop = (count + 1.0, means.write(time - 1, mod.reduce_mean(
                    mod.square(cell_output))))
            else:
                next_loop = None
        finished = time >= lengths
        if use_cond:
            next_input = mod.cond(mod.reduce_all(finished), lambda: mod.zeros([B, D]),
                                  lambda: inputs_ta.read(time))
        else:
            next_input = inputs_ta.read(mod.minimum(time, T - 1))
        return finished, next_input, next_state, emit, next_loop

    emit_ta, state, final_loop = a.raw_rnn(cell, loop_fn)
    outs = [ta.stack() for ta in _flat(emit_ta)]
    flat_state = _flat(state)
    loss = sum(mod.reduce_sum(mod.sin(o)) for o in outs) + \
        sum(mod.reduce_sum(s * s) for s in flat_state)
    extra = []
    if loop_state:
        extra = [final_loop[0], final_loop[1].stack()]
        loss = loss + mod.reduce_sum(extra[1])
    else:
        assert final_loop is None
    grads = mod.gradients(loss, mod.trainable_variables())
    xgrad = mod.gradients(loss, x)
    return {"x": x, "lengths": lengths, "outs": outs, "state": flat_state, "grads": grads,
            "xgrad": xgrad, "loss": loss, "extra": extra}


def _flat(s):
    if isinstance(s, (list, tuple)):
        return [leaf for item in s for leaf in _flat(item)]
    return [s]


def _assert_close(got, want, rtol=2e-4, atol=2e-5):
    g, w = _flat(got), _flat(want)
    assert len(g) == len(w)
    for k, (a, b) in enumerate(zip(g, w)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"value {k}")


CELLS = {
    "basic_lstm": lambda c: c.BasicLSTMCell(H, forget_bias=0.5),
    "gru": lambda c: c.GRUCell(H),
    "multi": lambda c: c.MultiRNNCell([c.BasicRNNCell(H), c.GRUCell(H)]),
}


def _feed(seed, lengths=(5, 2, 3)):
    rng = np.random.default_rng(seed)
    return {"x": rng.normal(size=(T, B, D)).astype(np.float32),
            "lengths": np.array(lengths, np.int32)}


@pytest.mark.tf
@pytest.mark.parametrize("name", sorted(CELLS))
def test_raw_rnn_matches_tf(name, session, tf1):
    fk, ref = make_pair(lambda mod: _dynamic_via_raw(mod, CELLS[name]), session, tf1)
    feed = _feed(0)
    keys = ["outs", "state", "grads", "loss"]
    got, want = fk.run(keys, feed), ref.run(keys, feed)
    _assert_close(got, want)
    out = got[0][0]
    assert out.shape == (5, B, H)                 # until the longest row is finished
    assert np.all(out[2:, 1] == 0) and np.all(out[3:, 2] == 0) and np.any(out[:2, 1] != 0)


@pytest.mark.tf
def test_raw_rnn_with_cond_in_loop_fn_matches_tf(session, tf1):
    """TF's docstring example as written: the next input read inside a tf.cond."""
    fk, ref = make_pair(lambda mod: _dynamic_via_raw(mod, CELLS["basic_lstm"], use_cond=True),
                        session, tf1)
    feed = _feed(5)
    keys = ["outs", "state", "grads"]
    _assert_close(fk.run(keys, feed), ref.run(keys, feed))


# These two once failed: the gradients of a TensorArray flow read both before the loop and in
# it (as TF's example does with loop_fn's first call) are summed with AddN, which torch could
# not do; and ZerosLike of a flow (the gradient of a tf.cond branch that did not read the
# array) copied the array's elements on numpy, a wrong input gradient, and failed on torch.


@pytest.mark.tf
def test_raw_rnn_input_gradient_matches_tf(session, tf1):
    fk, ref = make_pair(lambda mod: _dynamic_via_raw(mod, CELLS["gru"]), session, tf1)
    feed = _feed(6)
    _assert_close(fk.run(["xgrad"], feed), ref.run(["xgrad"], feed))


@pytest.mark.tf
def test_raw_rnn_with_cond_input_gradient_matches_tf(session, tf1):
    fk, ref = make_pair(lambda mod: _dynamic_via_raw(mod, CELLS["basic_lstm"], use_cond=True),
                        session, tf1)
    feed = _feed(5)
    _assert_close(fk.run(["xgrad"], feed), ref.run(["xgrad"], feed))


@pytest.mark.tf
def test_raw_rnn_emit_structure_and_loop_state_match_tf(session, tf1):
    fk, ref = make_pair(lambda mod: _dynamic_via_raw(mod, CELLS["basic_lstm"], True, True),
                        session, tf1)
    for seed, lengths in ((1, (5, 2, 3)), (2, (1, 1, 2))):
        feed = _feed(seed, lengths)
        keys = ["outs", "state", "extra", "grads"]
        got, want = fk.run(keys, feed), ref.run(keys, feed)
        _assert_close(got, want)
        assert got[0][0].shape[0] == max(lengths)
        assert got[2][0] == max(lengths)             # the loop state counted the steps


def test_raw_rnn_variable_names_and_shapes():
    with tf.Graph().as_default():
        out = _dynamic_via_raw(tf, CELLS["basic_lstm"], emit_structure=True)
        assert [v.op.name for v in tf.global_variables()] == [
            "rnn/basic_lstm_cell/kernel", "rnn/basic_lstm_cell/bias"]
        assert [o.shape.as_list() for o in out["outs"]] == [[None, B, H], [None, B, 1]]
    with tf.Graph().as_default():
        cell = fk_cell.GRUCell(H)

        def loop_fn(time, cell_output, cell_state, loop_state):
            return (tf.fill([B], time >= 2), tf.ones([B, D]),
                    cell.zero_state(B, tf.float32) if cell_state is None else cell_state,
                    cell_output, None)
        with tf.variable_scope("outer"):
            emit_ta, _, _ = raw_rnn(cell, loop_fn, scope="decoder")
        assert [v.op.name for v in tf.global_variables()] == [
            "outer/decoder/gru_cell/gates/kernel", "outer/decoder/gru_cell/gates/bias",
            "outer/decoder/gru_cell/candidate/kernel", "outer/decoder/gru_cell/candidate/bias"]


def test_raw_rnn_errors():
    cell = fk_cell.GRUCell(H)
    with tf.Graph().as_default():
        with pytest.raises(TypeError, match="loop_fn must be a callable"):
            raw_rnn(cell, None)
        with pytest.raises(TypeError, match="not an RNNCell"):
            raw_rnn(object(), lambda *a: None)
        with pytest.raises(TypeError, match="bool"):
            raw_rnn(cell, lambda t, o, s, ls: (tf.zeros([B]), tf.ones([B, D]),
                                               cell.zero_state(B, tf.float32), None, None))


def _training_program(mod):
    """A tiny sequence regressor: raw_rnn over a GRU, a linear read-out of every emitted
    output, squared error, plain gradient descent."""
    a = api(mod)
    x = mod.placeholder(mod.float32, [T, B, D], name="x")
    y = mod.placeholder(mod.float32, [T, B, 1], name="y")
    inputs_ta = mod.TensorArray(mod.float32, size=T, clear_after_read=False).unstack(x)
    cell = a.cell.GRUCell(H)

    def loop_fn(time, cell_output, cell_state, loop_state):
        state = cell.zero_state(B, mod.float32) if cell_output is None else cell_state
        finished = mod.fill([B], time >= T)
        return finished, inputs_ta.read(mod.minimum(time, T - 1)), state, cell_output, None

    emit_ta, _, _ = a.raw_rnn(cell, loop_fn)
    outs = mod.reshape(emit_ta.stack(), [T * B, H])
    w = mod.get_variable("w", [H, 1])
    pred = mod.reshape(mod.matmul(outs, w), [T, B, 1])
    loss = mod.reduce_mean(mod.square(pred - y))
    train = mod.train.GradientDescentOptimizer(0.3).minimize(loss)
    return {"x": x, "y": y, "loss": loss, "train": train}


@pytest.mark.tf
def test_raw_rnn_training_matches_tf(session, tf1):
    fk, ref = make_pair(_training_program, session, tf1)
    rng = np.random.default_rng(7)
    x = rng.normal(size=(T, B, D)).astype(np.float32)
    y = np.cumsum(x[..., :1], 0).astype(np.float32)
    losses = []
    for _ in range(6):
        got = fk.run(["loss", "train"], {"x": x, "y": y})[0]
        want = ref.run(["loss", "train"], {"x": x, "y": y})[0]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-6)
        losses.append(got)
    assert losses[-1] < losses[0]
    for name, value in ref.values().items():
        np.testing.assert_allclose(fk.values()[name], value, rtol=2e-4, atol=2e-5,
                                   err_msg=name)


# -- static_state_saving_rnn -----------------------------------------------------------------
class VariableSaver:
    """A state saver made of variables: ``state(name)`` reads one, ``save_state`` assigns."""

    def __init__(self, mod, sizes):
        self.mod = mod
        with mod.variable_scope("saver"):
            self.vars = {n: mod.get_variable(n, [B, s], initializer=mod.zeros_initializer(),
                                             trainable=False) for n, s in sizes.items()}

    def state(self, name):
        return self.mod.identity(self.vars[name], name=f"read_{name}")

    def save_state(self, name, value):
        return self.mod.assign(self.vars[name], value)


def _state_saving_program(make_cell, state_name, sizes):
    def build(mod):
        a = api(mod)
        x = mod.placeholder(mod.float32, [B, T, D], name="x")
        lengths = mod.placeholder(mod.int32, [B], name="lengths")
        saver = VariableSaver(mod, sizes)
        cell = make_cell(a.cell)
        outputs, state = a.state_saving(cell, mod.unstack(x, axis=1), saver, state_name,
                                        sequence_length=lengths)
        out = mod.stack(outputs, axis=1)
        saved = [saver.vars[n] for n in sizes]
        flat_state = _flat(state)
        grads = mod.gradients(mod.reduce_sum(out * out), mod.trainable_variables() + [x])
        return {"x": x, "lengths": lengths, "out": out, "last": outputs[-1],
                "state": flat_state, "saved": saved, "grads": grads}
    return build


@pytest.mark.tf
@pytest.mark.parametrize("kind", ["single", "tuple"])
def test_static_state_saving_rnn_matches_tf(kind, session, tf1):
    if kind == "single":
        build = _state_saving_program(lambda c: c.GRUCell(H), "h", {"h": H})
    else:
        build = _state_saving_program(lambda c: c.BasicLSTMCell(H), ("c", "h"),
                                      {"c": H, "h": H})
    fk, ref = make_pair(build, session, tf1)
    for seed in (3, 4):               # the second run starts from the state the first saved
        feed = {"x": np.random.default_rng(seed).normal(size=(B, T, D)).astype(np.float32),
                "lengths": np.array([5, 2, 4], np.int32)}
        got = fk.run(["out", "state", "grads"], feed)
        want = ref.run(["out", "state", "grads"], feed)
        _assert_close(got, want)
        saved_fk, saved_ref = fk.run(["saved"], {})[0], ref.run(["saved"], {})[0]
        _assert_close(saved_fk, saved_ref)
        _assert_close(saved_fk, got[1])       # fetching the state saved it
        assert np.any(got[1][0] != 0)


def test_static_state_saving_rnn_fetching_last_output_saves(session):
    with tf.Graph().as_default() as g:
        x = tf.placeholder(tf.float32, [B, T, D])
        saver = VariableSaver(tf, {"h": H})
        outputs, state = static_state_saving_rnn(fk_cell.BasicRNNCell(H),
                                                 tf.unstack(x, axis=1), saver, "h")
        sess = session(graph=g)
        sess.run(tf.global_variables_initializer())
        v = np.ones((B, T, D), np.float32)
        first = sess.run(outputs[0], {x: v})
        assert np.all(sess.run(saver.vars["h"]) == 0)       # not the last output: no save
        last = sess.run(outputs[-1], {x: v})
        np.testing.assert_array_equal(sess.run(saver.vars["h"]), last)
        # the saved state is the next run's initial state
        assert not np.allclose(sess.run(outputs[0], {x: v}), first)


def test_static_state_saving_rnn_errors():
    with tf.Graph().as_default():
        steps = [tf.ones([B, D])]
        saver = VariableSaver(tf, {"c": H, "h": H})
        with pytest.raises(ValueError, match="state_name should be the same type"):
            static_state_saving_rnn(fk_cell.BasicLSTMCell(H), steps, saver, "h")
        with pytest.raises(ValueError, match="#elems allowed in state_name"):
            static_state_saving_rnn(fk_cell.BasicLSTMCell(H), steps, saver, ("c", "h", "x"))
        with pytest.raises(ValueError, match="state_name should be the same type"):
            static_state_saving_rnn(fk_cell.GRUCell(H), steps, saver, ("c", "h"))
