"""A 2-layer LSTM language-model training step (PTB "small": batch 32, 35 steps, hidden and
embedding 200, vocabulary 10,000, plain SGD) in flowkit (``dynamic_rnn`` of a
``MultiRNNCell`` of ``BasicLSTMCell``s, on the NumPy and the torch backend), hand-written
PyTorch (``torch.nn.LSTM``, and by-hand cells unrolled in Python with autograd) and TF 2.21's
``tf.compat.v1`` (the same program as flowkit's), on the same data in the same run.

    python benchmarks/bench_lstm.py [--steps 10] [--threads N]

Prints the median step time of each and the ratios the issue sets as targets: flowkit on
torch against by-hand PyTorch cells (target at most 1.5x), and against TF compat.v1 (target
below 1x).
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import time

import numpy as np

BATCH, STEPS, HIDDEN, VOCAB, LAYERS, LR = 32, 35, 200, 10000, 2, 1.0


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.integers(0, VOCAB, size=(BATCH, STEPS)).astype(np.int32)
    y = rng.integers(0, VOCAB, size=(BATCH, STEPS)).astype(np.int32)
    return x, y


def timed(step, n):
    step()
    step()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def tf_program(mod, rnn):
    """The TF1 program (``mod`` is flowkit or tf.compat.v1; ``rnn`` has rnn_cell and
    dynamic_rnn)."""
    x = mod.placeholder(mod.int32, [BATCH, STEPS])
    y = mod.placeholder(mod.int32, [BATCH, STEPS])
    init = mod.random_uniform_initializer(-0.1, 0.1, seed=1)
    with mod.variable_scope("model", initializer=init):
        emb = mod.get_variable("embedding", [VOCAB, HIDDEN])
        inputs = mod.nn.embedding_lookup(emb, x)
        cell = rnn.rnn_cell.MultiRNNCell([rnn.rnn_cell.BasicLSTMCell(HIDDEN, forget_bias=0.0)
                                          for _ in range(LAYERS)])
        out, _ = rnn.dynamic_rnn(cell, inputs, dtype=mod.float32)
        w = mod.get_variable("softmax_w", [HIDDEN, VOCAB])
        b = mod.get_variable("softmax_b", [VOCAB])
        logits = mod.matmul(mod.reshape(out, [-1, HIDDEN]), w) + b
        loss = mod.reduce_mean(mod.nn.sparse_softmax_cross_entropy_with_logits(
            labels=mod.reshape(y, [-1]), logits=logits))
        train = mod.train.GradientDescentOptimizer(LR).minimize(loss)
    return x, y, loss, train


def bench_flowkit(backend, n):
    import flowkit as tf
    from flowkit import rnn
    xv, yv = data()
    g = tf.Graph()
    with g.as_default():
        x, y, loss, train = tf_program(tf, rnn)
        init = tf.global_variables_initializer()
    sess = tf.Session(graph=g, backend=backend)
    sess.run(init)
    return timed(lambda: sess.run([loss, train], {x: xv, y: yv}), n)


def bench_tf(n):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
    import tensorflow.compat.v1 as tf1
    tf1.disable_eager_execution()
    xv, yv = data()
    g = tf1.Graph()
    with g.as_default():
        x, y, loss, train = tf_program(tf1, tf1.nn)
        init = tf1.global_variables_initializer()
    sess = tf1.Session(graph=g)
    sess.run(init)
    return timed(lambda: sess.run([loss, train], {x: xv, y: yv}), n)


def bench_torch(by_hand, n):
    import torch
    xv, yv = data()
    x, y = torch.from_numpy(xv).long(), torch.from_numpy(yv).long()
    torch.manual_seed(0)
    emb = torch.nn.Embedding(VOCAB, HIDDEN)
    proj = torch.nn.Linear(HIDDEN, VOCAB)
    if by_hand:
        ws = [torch.empty(2 * HIDDEN, 4 * HIDDEN).uniform_(-0.1, 0.1).requires_grad_()
              for _ in range(LAYERS)]
        bs = [torch.zeros(4 * HIDDEN, requires_grad=True) for _ in range(LAYERS)]
        params = list(emb.parameters()) + list(proj.parameters()) + ws + bs

        def model(inp):
            h = [torch.zeros(BATCH, HIDDEN) for _ in range(LAYERS)]
            c = [torch.zeros(BATCH, HIDDEN) for _ in range(LAYERS)]
            outs = []
            for t in range(STEPS):
                v = inp[:, t]
                for k in range(LAYERS):
                    gates = torch.addmm(bs[k], torch.cat([v, h[k]], 1), ws[k])
                    i, j, f, o = gates.chunk(4, 1)
                    c[k] = c[k] * torch.sigmoid(f) + torch.sigmoid(i) * torch.tanh(j)
                    h[k] = torch.tanh(c[k]) * torch.sigmoid(o)
                    v = h[k]
                outs.append(v)
            return torch.stack(outs, 1)
    else:
        lstm = torch.nn.LSTM(HIDDEN, HIDDEN, LAYERS, batch_first=True)
        params = list(emb.parameters()) + list(proj.parameters()) + list(lstm.parameters())

        def model(inp):
            return lstm(inp)[0]
    opt = torch.optim.SGD(params, lr=LR)

    def step():
        opt.zero_grad()
        out = model(emb(x))
        loss = torch.nn.functional.cross_entropy(proj(out.reshape(-1, HIDDEN)), y.reshape(-1))
        loss.backward()
        opt.step()
        return loss.item()
    return timed(step, n)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=0)
    args = p.parse_args(argv)
    rows = {}
    have_torch = importlib.util.find_spec("torch") is not None
    if have_torch:
        import torch
        if args.threads:
            torch.set_num_threads(args.threads)
        rows["pytorch nn.LSTM"] = bench_torch(False, args.steps)
        rows["pytorch by-hand cells"] = bench_torch(True, args.steps)
        rows["flowkit torch"] = bench_flowkit("torch", args.steps)
    rows["flowkit numpy"] = bench_flowkit("numpy", args.steps)
    if importlib.util.find_spec("tensorflow") is not None:
        rows["tf compat.v1"] = bench_tf(args.steps)
    print(f"2-layer LSTM LM step (batch {BATCH}, {STEPS} steps, hidden {HIDDEN}, "
          f"vocab {VOCAB}), median of {args.steps}:")
    for k, v in rows.items():
        print(f"  {k:24s} {v * 1000:9.1f} ms")
    if "flowkit torch" in rows:
        ft = rows["flowkit torch"]
        print(f"flowkit torch / by-hand PyTorch cells: {ft / rows['pytorch by-hand cells']:.2f}x "
              "(target <= 1.5x)")
        if "tf compat.v1" in rows:
            print(f"flowkit torch / TF compat.v1: {ft / rows['tf compat.v1']:.2f}x "
                  "(target < 1x)")
    return rows


if __name__ == "__main__":
    main()
