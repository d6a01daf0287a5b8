"""Recurrent networks (flowkit.rnn): each cell, dynamic_rnn with sequence_length, static_rnn and
bidirectional_dynamic_rnn against TensorFlow's tf.compat.v1 (same initial values: outputs,
final states and the gradients of a loss with respect to every variable and the inputs), and
two training programs step by step (a cs224n-style GRU cell of one's own with Adam and
clip_by_global_norm, a Tensorflow-Examples-style LSTM classifier)."""
import types

import numpy as np
import pytest

import flowkit as tf
from flowkit import rnn as fk_rnn
from flowkit.contrib import seq2seq as fk_seq2seq
from tests._tf_compare import make_pair

B, T, D, H = 3, 5, 4, 6


def api(mod):
    """The names the programs use: tf.nn.* for TensorFlow, flowkit.rnn for flowkit."""
    if mod is tf:
        return types.SimpleNamespace(cell=fk_rnn.rnn_cell, dynamic_rnn=fk_rnn.dynamic_rnn,
                                     static_rnn=fk_rnn.static_rnn,
                                     bidi=fk_rnn.bidirectional_dynamic_rnn,
                                     sequence_loss=fk_seq2seq.sequence_loss)
    return types.SimpleNamespace(cell=mod.nn.rnn_cell, dynamic_rnn=mod.nn.dynamic_rnn,
                                 static_rnn=mod.nn.static_rnn,
                                 bidi=mod.nn.bidirectional_dynamic_rnn,
                                 sequence_loss=mod.contrib.seq2seq.sequence_loss
                                 if hasattr(mod, "contrib") else None)


CELLS = {
    "basic_rnn": lambda c: c.BasicRNNCell(H),
    "gru": lambda c: c.GRUCell(H),
    "basic_lstm": lambda c: c.BasicLSTMCell(H, forget_bias=0.5),
    "basic_lstm_concat_state": lambda c: c.BasicLSTMCell(H, state_is_tuple=False),
    "lstm_peep_proj_clip": lambda c: c.LSTMCell(H, use_peepholes=True, num_proj=3,
                                                cell_clip=0.4),
    "multi": lambda c: c.MultiRNNCell([c.BasicLSTMCell(H), c.GRUCell(H)]),
    "residual_dropout": lambda c: c.ResidualWrapper(c.DropoutWrapper(
        c.GRUCell(D), input_keep_prob=1.0, output_keep_prob=1.0)),
}


def _inputs(seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(B, T, D)).astype(np.float32), np.array([5, 2, 0], np.int32)


def _rnn_program(make_cell, kind):
    def build(mod):
        a = api(mod)
        x = mod.placeholder(mod.float32, [B, T, D], name="x")
        lengths = mod.placeholder(mod.int32, [B], name="lengths")
        cell = make_cell(a.cell)
        if kind == "dynamic":
            out, state = a.dynamic_rnn(cell, x, sequence_length=lengths, dtype=mod.float32)
        elif kind == "time_major":
            out, state = a.dynamic_rnn(cell, mod.transpose(x, [1, 0, 2]), dtype=mod.float32,
                                       sequence_length=lengths, time_major=True)
            out = mod.transpose(out, [1, 0, 2])
        elif kind == "static":
            out, state = a.static_rnn(cell, mod.unstack(x, axis=1), dtype=mod.float32,
                                      sequence_length=lengths)
            out = mod.stack(out, axis=1)
        else:
            (fw, bw), (sf, sb) = a.bidi(cell, make_cell(a.cell), x, sequence_length=lengths,
                                       dtype=mod.float32)
            out, state = mod.concat([fw, bw], 2), (sf, sb)
        flat_state = [s for s in _flat(state)]
        loss = mod.reduce_sum(out * out) + sum(mod.reduce_sum(mod.sin(s)) for s in flat_state)
        variables = mod.trainable_variables()
        grads = mod.gradients(loss, variables + [x])
        return {"x": x, "lengths": lengths, "out": out, "state": flat_state, "grads": grads,
                "loss": loss}
    return build


def _flat(s):
    if isinstance(s, (list, tuple)):
        return [leaf for item in s for leaf in _flat(item)]
    return [s]


@pytest.mark.tf
@pytest.mark.parametrize("name", sorted(CELLS))
def test_cells_in_dynamic_rnn_match_tf(name, session, tf1):
    fk, ref = make_pair(_rnn_program(CELLS[name], "dynamic"), session, tf1)
    x, lengths = _inputs()
    feed = {"x": x, "lengths": lengths}
    got = fk.run(["out", "state", "grads", "loss"], feed)
    want = ref.run(["out", "state", "grads", "loss"], feed)
    _assert_close(got, want)
    out = got[0]
    assert np.all(out[1, 2:] == 0) and np.all(out[2] == 0)     # past each sequence's end


@pytest.mark.tf
@pytest.mark.parametrize("kind", ["time_major", "static", "bidirectional"])
def test_rnn_functions_match_tf(kind, session, tf1):
    fk, ref = make_pair(_rnn_program(CELLS["basic_lstm"], kind), session, tf1)
    x, lengths = _inputs(1)
    feed = {"x": x, "lengths": lengths}
    _assert_close(fk.run(["out", "state", "grads"], feed),
                  ref.run(["out", "state", "grads"], feed))


def _assert_close(got, want, rtol=2e-4, atol=2e-5):
    g, w = _flat(got), _flat(want)
    assert len(g) == len(w)
    for k, (a, b) in enumerate(zip(g, w)):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"value {k}")


def test_variable_names_are_tf1s():
    with tf.Graph().as_default():
        x = tf.placeholder(tf.float32, [2, 3, 4])
        c = fk_rnn.rnn_cell
        fk_rnn.dynamic_rnn(c.MultiRNNCell([c.BasicLSTMCell(5), c.GRUCell(5)]), x,
                           dtype=tf.float32)
        names = [v.name for v in tf.global_variables()]
    assert names == ["rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0",
                     "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0",
                     "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0",
                     "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias:0",
                     "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0",
                     "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0"]


def test_cell_shares_variables_across_calls():
    with tf.Graph().as_default():
        cell = fk_rnn.rnn_cell.GRUCell(4)
        x = tf.zeros([2, 3])
        s = cell.zero_state(2, tf.float32)
        with tf.variable_scope("unrolled"):
            for _ in range(3):
                _, s = cell(x, s)
        assert len(tf.global_variables()) == 4


# -- training programs, step by step ------------------------------------------------------------
def _cs224n_cell(base):
    class GRUCell(base):
        def __init__(self, input_size, state_size):
            super().__init__()
            self.input_size, self._state_size = input_size, state_size

        @property
        def state_size(self):
            return self._state_size

        @property
        def output_size(self):
            return self._state_size

        def __call__(self, inputs, state, scope=None):
            m = tf if base is fk_rnn.rnn_cell.RNNCell else _TF1
            with m.variable_scope(scope or type(self).__name__):
                def w(name, shape):
                    return m.get_variable(name, shape, initializer=m.zeros_initializer())
                W_z, U_z = w("W_z", [self.input_size, H]), w("U_z", [H, H])
                W_r, U_r = w("W_r", [self.input_size, H]), w("U_r", [H, H])
                W_o, U_o = w("W_o", [self.input_size, H]), w("U_o", [H, H])
                b_z, b_r, b_o = w("b_z", [H]), w("b_r", [H]), w("b_o", [H])
                z = m.sigmoid(m.matmul(inputs, W_z) + m.matmul(state, U_z) + b_z)
                r = m.sigmoid(m.matmul(inputs, W_r) + m.matmul(state, U_r) + b_r)
                o = m.tanh(m.matmul(inputs, W_o) + r * m.matmul(state, U_o) + b_o)
                new_state = z * state + (1 - z) * o
            return new_state, new_state
    return GRUCell


_TF1 = None


def _cs224n_program(mod):
    a = api(mod)
    x = mod.placeholder(mod.float32, [B, T, D], name="x")
    lengths = mod.placeholder(mod.int32, [B], name="lengths")
    labels = mod.placeholder(mod.int32, [B, T], name="labels")
    cell = _cs224n_cell(a.cell.RNNCell)(D, H)
    out, _ = a.dynamic_rnn(cell, x, sequence_length=lengths, dtype=mod.float32)
    U = mod.get_variable("U", [H, 3])
    logits = mod.reshape(mod.matmul(mod.reshape(out, [-1, H]), U), [B, T, 3])
    mask = mod.sequence_mask(lengths, T, dtype=mod.float32)
    ce = mod.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)
    loss = mod.reduce_sum(ce * mask) / mod.reduce_sum(mask)
    opt = mod.train.AdamOptimizer(0.05)
    grads, variables = zip(*opt.compute_gradients(loss))
    clipped, norm = mod.clip_by_global_norm(grads, 1.0)
    train = opt.apply_gradients(zip(clipped, variables))
    return {"x": x, "lengths": lengths, "labels": labels, "loss": loss, "norm": norm,
            "train": train}


@pytest.mark.tf
def test_cs224n_style_gru_training_matches_tf(session, tf1):
    global _TF1
    _TF1 = tf1
    fk, ref = make_pair(_cs224n_program, session, tf1)
    rng = np.random.default_rng(3)
    for _ in range(5):
        feed = {"x": rng.normal(size=(B, T, D)).astype(np.float32),
                "lengths": np.array([5, 3, 1], np.int32),
                "labels": rng.integers(0, 3, size=(B, T)).astype(np.int32)}
        got = fk.run(["loss", "norm", "train"], feed)[:2]
        want = ref.run(["loss", "norm", "train"], feed)[:2]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)
    for name, value in ref.values().items():
        np.testing.assert_allclose(fk.values()[name], value, rtol=2e-4, atol=2e-5,
                                   err_msg=name)


def _lstm_classifier(mod):
    """Tensorflow-Examples' recurrent_network.py, small: static_rnn of a BasicLSTMCell over
    the rows of an image, a linear layer on the last output, softmax cross-entropy, Adam."""
    a = api(mod)
    X = mod.placeholder(mod.float32, [None, T, D], name="X")
    Y = mod.placeholder(mod.float32, [None, 3], name="Y")
    w = mod.Variable(mod.random_normal([H, 3]), name="w")
    b = mod.Variable(mod.random_normal([3]), name="b")
    outputs, _ = a.static_rnn(a.cell.BasicLSTMCell(H, forget_bias=1.0), mod.unstack(X, T, 1),
                              dtype=mod.float32)
    logits = mod.matmul(outputs[-1], w) + b
    loss = mod.reduce_mean(mod.nn.softmax_cross_entropy_with_logits_v2(logits=logits,
                                                                       labels=Y))
    train = mod.train.AdamOptimizer(0.01).minimize(loss)
    return {"X": X, "Y": Y, "loss": loss, "train": train}


@pytest.mark.tf
def test_lstm_classifier_training_matches_tf(session, tf1):
    fk, ref = make_pair(_lstm_classifier, session, tf1)
    rng = np.random.default_rng(4)
    for _ in range(5):
        feed = {"X": rng.normal(size=(8, T, D)).astype(np.float32),
                "Y": np.eye(3, dtype=np.float32)[rng.integers(0, 3, 8)]}
        got = fk.run(["loss", "train"], feed)[0]
        want = ref.run(["loss", "train"], feed)[0]
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_sequence_loss_matches_tf1_formula(session):
    rng = np.random.default_rng(5)
    logits = rng.normal(size=(2, 4, 5)).astype(np.float32)
    targets = rng.integers(0, 5, size=(2, 4)).astype(np.int32)
    weights = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], np.float32)
    for kw in [{}, {"average_across_timesteps": False},
               {"average_across_batch": False}, {"sum_over_timesteps": True,
                                                 "average_across_timesteps": False}]:
        with tf.Graph().as_default():
            got = session().run(fk_seq2seq.sequence_loss(logits, targets, weights, **kw))
        np.testing.assert_allclose(got, _ref_sequence_loss(logits, targets, weights, **kw),
                                   rtol=1e-5, atol=1e-6)


def _ref_sequence_loss(logits, targets, weights, average_across_timesteps=True,
                       average_across_batch=True, sum_over_timesteps=False,
                       sum_over_batch=False):
    z = logits - logits.max(-1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(-1, keepdims=True))
    ce = -np.take_along_axis(logp, targets[..., None], -1)[..., 0] * weights
    if sum_over_timesteps:
        return ce.sum(1) / np.count_nonzero(weights, axis=1)
    if average_across_timesteps and average_across_batch:
        return ce.sum() / (weights.sum() + 1e-12)
    if average_across_timesteps:
        return ce.sum(1) / (weights.sum(1) + 1e-12)
    if average_across_batch:
        return ce.sum(0) / (weights.sum(0) + 1e-12)
    return ce
