"""``flowkit demo``: train a classifier on the bundled 8x8 digits and report test accuracy.

The default model is the classic first TF1 program, softmax regression::

    prediction = tf.nn.softmax(tf.matmul(x, W) + b)
    cross_entropy = tf.reduce_mean(-tf.reduce_sum(label * tf.log(prediction), axis=1))
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)

``--model cnn`` trains a small convolutional network (two conv + relu + max-pool blocks and a
dense layer) with Adam. Both run on any backend (``--backend torch --device cuda``).

Example:
    >>> from flowkit.commands import demo
    >>> result = demo.train(model="softmax", epochs=2, quiet=True)
    >>> 0.8 < result["test_accuracy"] <= 1.0
    True
"""
from __future__ import annotations

import os
import sys
import tempfile
import time

import numpy as np
from tqdm import tqdm

from flowkit import summary
from flowkit.checkpoint.index import checkpoint_file

#: Where ``flowkit demo`` saves its model unless told otherwise: a folder in the current one,
#: so that the README's ``flowkit inspect`` and ``flowkit graph`` commands find it.
DEFAULT_SAVE_DIR = "flowkit-demo"

MODELS = ("softmax", "cnn")


def add_arguments(parser) -> None:
    parser.add_argument("--model", choices=MODELS, default="softmax",
                        help="softmax regression (default) or a small convnet")
    parser.add_argument("--epochs", type=int, default=None,
                        help="passes over the training set (default: 25 softmax, 6 cnn)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="examples per step (default: 32 softmax, 64 cnn)")
    parser.add_argument("--learning-rate", type=float, default=None,
                        help="default: 0.5 (gradient descent) softmax, 0.01 (Adam) cnn")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the data split, the shuffling and the initial weights")
    parser.add_argument("--backend", default=None,
                        help="backend to run on (default: $FLOWKIT_BACKEND or numpy)")
    parser.add_argument("--device", default=None,
                        help="device of the backend, e.g. cpu or cuda (default: cpu)")
    parser.add_argument("--save-dir", default=DEFAULT_SAVE_DIR,
                        help="the folder to save the trained model in (default: "
                             f"./{DEFAULT_SAVE_DIR}, created if needed)")
    parser.add_argument("--logdir", default=None,
                        help="write the training loss and accuracy and the graph to this folder "
                             "for TensorBoard (needs `pip install \"flowkit[tensorboard]\"`)")
    parser.add_argument("--quiet", action="store_true", help="print only the final result")


def run(args) -> int:
    try:
        result = train(model=args.model, epochs=args.epochs, batch_size=args.batch_size,
                       learning_rate=args.learning_rate, seed=args.seed, backend=args.backend,
                       device=args.device, quiet=args.quiet, save_dir=args.save_dir,
                       logdir=args.logdir)
    except (ValueError, FloatingPointError, ImportError) as e:   # say so, no traceback
        print(f"flowkit demo: error: {e}", file=sys.stderr)
        return 2
    print(f"test accuracy: {result['test_accuracy']:.4f} ({result['model']} model, "
          f"{result['steps']} steps in {result['seconds']:.2f}s on "
          f"{result['backend']}/{result['device']})")
    print(f"saved to {result['checkpoint']}; reloaded without the model's code: test "
          f"accuracy {result['reloaded_accuracy']:.4f}")
    if args.logdir:
        print(f"watch it:    tensorboard --logdir {args.logdir}")
    if result["checkpoint_file"]:
        print(f"look inside: flowkit inspect {result['checkpoint_file']}\n"
              f"draw it:     flowkit graph {result['checkpoint_file']} -o graph.svg")
    return 0


# -- the models --------------------------------------------------------------------------------
def softmax_model(tf, learning_rate):
    """The notes' softmax regression, with the hand-written cross-entropy."""
    x = tf.placeholder(tf.float32, [None, 64], name="x")
    label = tf.placeholder(tf.float32, [None, 10], name="label")
    W = tf.Variable(tf.zeros([64, 10]), name="W")
    b = tf.Variable(tf.zeros([10]), name="b")
    prediction = tf.nn.softmax(tf.matmul(x, W) + b)
    cross_entropy = tf.reduce_mean(-tf.reduce_sum(label * tf.log(prediction), axis=1))
    train_step = tf.train.GradientDescentOptimizer(learning_rate).minimize(cross_entropy)
    return x, label, prediction, cross_entropy, train_step


def cnn_model(tf, learning_rate):
    """conv(3x3, 16) -> relu -> max-pool -> conv(3x3, 32) -> relu -> max-pool -> dense(10)."""
    x = tf.placeholder(tf.float32, [None, 64], name="x")
    label = tf.placeholder(tf.float32, [None, 10], name="label")
    images = tf.reshape(x, [-1, 8, 8, 1])

    def weights(shape, fan_in, name):
        return tf.Variable(tf.truncated_normal(shape, stddev=float(np.sqrt(2.0 / fan_in))),
                           name=name)

    h = images
    for i, (c_in, c_out) in enumerate([(1, 16), (16, 32)], start=1):
        with tf.name_scope(f"conv{i}"):
            w = weights([3, 3, c_in, c_out], 9 * c_in, "weights")
            b = tf.Variable(tf.zeros([c_out]), name="biases")
            h = tf.nn.relu(tf.nn.conv2d(h, w, strides=[1, 1, 1, 1], padding="SAME") + b)
            h = tf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
    flat = tf.reshape(h, [-1, 2 * 2 * 32])
    with tf.name_scope("dense"):
        w = weights([2 * 2 * 32, 10], 2 * 2 * 32, "weights")
        b = tf.Variable(tf.zeros([10]), name="biases")
        logits = tf.matmul(flat, w) + b
    prediction = tf.nn.softmax(logits)
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=label,
                                                                     logits=logits))
    train_step = tf.train.AdamOptimizer(learning_rate).minimize(loss)
    return x, label, prediction, loss, train_step


DEFAULTS = {"softmax": dict(epochs=25, batch_size=32, learning_rate=0.5, build=softmax_model),
            "cnn": dict(epochs=6, batch_size=64, learning_rate=0.01, build=cnn_model)}


# -- training ----------------------------------------------------------------------------------
def is_terminal(stream) -> bool:
    """Whether ``stream`` is an interactive terminal (the progress bar is drawn only there)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):   # no isatty, or a closed stream
        return False


def progress_bar(total: int, epoch: int, epochs: int, stream, quiet: bool) -> tqdm:
    """One line per epoch, redrawn in place: progress, steps per second and the running loss.
    Disabled (it writes nothing) with ``quiet`` or when ``stream`` is not a terminal, so
    piped or captured output stays clean."""
    return tqdm(total=total, desc=f"epoch {epoch:>{len(str(epochs))}}/{epochs}", unit="step",
                file=stream, leave=True, disable=quiet or not is_terminal(stream))


def train(model="softmax", epochs=None, batch_size=None, learning_rate=None, seed=0,
          backend=None, device=None, quiet=False, stream=None, save_dir=None,
          logdir=None, summary_every=10) -> dict:
    """Trains ``model`` on the digits and returns a dict with ``test_accuracy``, ``losses``
    (mean training loss per epoch), ``steps``, ``seconds``, ``backend`` and ``device``.

    The trained model is then saved (variables and graph, one HDF5 file) to ``save_dir`` (a
    temporary folder when ``None``) and loaded back into a new graph without the code that
    built it; ``checkpoint`` and ``reloaded_accuracy`` report that.

    With ``logdir``, the training loss and accuracy (every ``summary_every`` steps), the test
    accuracy and the graph are written there for TensorBoard (``tf.summary``)."""
    import flowkit as tf
    from flowkit.datasets import load_digits, one_hot
    if model not in DEFAULTS:
        raise ValueError(f"Unknown model {model!r}; choose one of {', '.join(MODELS)}.")
    cfg = DEFAULTS[model]
    epochs = cfg["epochs"] if epochs is None else epochs
    batch_size = cfg["batch_size"] if batch_size is None else batch_size
    learning_rate = cfg["learning_rate"] if learning_rate is None else learning_rate
    if epochs < 1 or batch_size < 1:
        raise ValueError("--epochs and --batch-size must be positive")
    stream = stream or sys.stdout

    data = load_digits(seed=seed)
    train_x = data.train_images.reshape(-1, 64)
    train_y = one_hot(data.train_labels)
    test_x = data.test_images.reshape(-1, 64)
    test_y = one_hot(data.test_labels)

    graph = tf.Graph()
    with graph.as_default():
        tf.set_random_seed(seed)
        x, label, prediction, loss, train_step = cfg["build"](tf, learning_rate)
        correct = tf.equal(tf.argmax(prediction, 1), tf.argmax(label, 1))
        accuracy = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
        init = tf.global_variables_initializer()
        saver = tf.train.Saver()
        if logdir:
            merged = summary.merge([summary.scalar("loss", loss),
                                    summary.scalar("train_accuracy", accuracy)])
            test_summary = summary.scalar("test_accuracy", accuracy)

    rng = np.random.default_rng(seed)
    n = len(train_x)
    n_batches = (n + batch_size - 1) // batch_size
    losses, steps = [], 0
    start = time.perf_counter()
    with tf.Session(graph=graph, backend=backend, device=device) as sess:
        if not quiet:
            stream.write(f"{model} model on the 8x8 digits: {n} training and {len(test_x)} "
                         f"test images, batches of {batch_size}, on "
                         f"{sess.backend_name}/{sess.device}\n")
        sess.run(init)
        writer = summary.FileWriter(logdir, graph) if logdir else None
        for epoch in range(1, epochs + 1):
            order = rng.permutation(n)
            total = 0.0
            with progress_bar(n_batches, epoch, epochs, stream, quiet) as bar:
                for i in range(n_batches):
                    idx = order[i * batch_size:(i + 1) * batch_size]
                    feed = {x: train_x[idx], label: train_y[idx]}
                    if writer is not None and steps % summary_every == 0:
                        _, batch_loss, summ = sess.run([train_step, loss, merged], feed)
                        writer.add_summary(summ, steps)
                    else:
                        _, batch_loss = sess.run([train_step, loss], feed)
                    total += float(batch_loss)
                    steps += 1
                    if not bar.disable:
                        bar.set_postfix_str(f"loss {total / (i + 1):.4f}", refresh=False)
                        bar.update(1)
            losses.append(total / n_batches)
            if not np.isfinite(losses[-1]):
                raise FloatingPointError(f"the training loss became {losses[-1]} in epoch "
                                         f"{epoch}: lower --learning-rate")
        test_accuracy = float(sess.run(accuracy, {x: test_x, label: test_y}))
        if writer is not None:
            writer.add_summary(sess.run(test_summary, {x: test_x, label: test_y}), steps)
            writer.close()
        used_backend, used_device = sess.backend_name, sess.device
        seconds = time.perf_counter() - start
        with tempfile.TemporaryDirectory() as tmp:
            folder = save_dir or tmp
            os.makedirs(folder, exist_ok=True)
            path = saver.save(sess, os.path.join(folder, f"digits-{model}"), global_step=steps)
            reloaded = reload_and_evaluate(path, test_x, test_y, backend, device)
            file = checkpoint_file(path) if save_dir else None
    return {"model": model, "test_accuracy": test_accuracy, "losses": losses, "steps": steps,
            "seconds": seconds, "backend": used_backend, "device": used_device,
            "checkpoint": file or "a temporary folder (removed)", "checkpoint_file": file,
            "reloaded_accuracy": reloaded}


def reload_and_evaluate(path, test_x, test_y, backend=None, device=None) -> float:
    """Loads a saved model into a new graph, as someone with only the file would, and
    measures its test accuracy by tensor names."""
    import flowkit as tf
    graph = tf.Graph()
    with graph.as_default():
        saver = tf.train.import_meta_graph(path)
    with tf.Session(graph=graph, backend=backend, device=device) as sess:
        saver.restore(sess, path)
        return float(sess.run("accuracy:0", {"x:0": test_x, "label:0": test_y}))
