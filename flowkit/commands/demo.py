"""``flowkit demo``: train a classifier on the bundled 8x8 digits and report test accuracy.

The default model is the classic first TF1 program, softmax regression::

    prediction = tf.nn.softmax(tf.matmul(x, W) + b)
    cross_entropy = tf.reduce_mean(-tf.reduce_sum(label * tf.log(prediction), axis=1))
    train_step = tf.train.GradientDescentOptimizer(0.5).minimize(cross_entropy)

``--model cnn`` trains a small convolutional network (two conv + relu + max-pool blocks and a
dense layer) with Adam. Both run on any backend (``--backend torch --device cuda``).

``--distributed`` trains the same model data-parallel on the processes of a ``torchrun`` job,
written as a Horovod program (:mod:`flowkit.distributed`, see :func:`train_distributed`)::

    torchrun --nproc_per_node=2 -m flowkit demo --distributed

Example:
    >>> from flowkit.commands import demo
    >>> result = demo.train(model="softmax", epochs=2, quiet=True)
    >>> 0.8 < result["test_accuracy"] <= 1.0
    True
"""
from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time

import numpy as np
from tqdm import tqdm

import flowkit.distributed as hvd
from flowkit import summary
from flowkit.checkpoint.index import checkpoint_file
from flowkit.framework.errors import OpError

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
                        help="examples per step, per process with --distributed (default: 32 "
                             "softmax, 64 cnn)")
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
    parser.add_argument("--steps", type=int, default=None,
                        help="stop after this many training steps (default: all the epochs')")
    parser.add_argument("--quiet", action="store_true", help="print only the final result")
    parser.add_argument("--distributed", action="store_true",
                        help="train data-parallel on the processes of a torchrun job, "
                             "Horovod-style (needs PyTorch); launch it as `torchrun "
                             "--nproc_per_node=2 -m flowkit demo --distributed`")


def _options(args) -> dict:
    return dict(model=args.model, epochs=args.epochs, batch_size=args.batch_size,
                learning_rate=args.learning_rate, seed=args.seed, steps=args.steps,
                backend=args.backend, device=args.device, quiet=args.quiet,
                save_dir=args.save_dir, logdir=args.logdir)


def run(args) -> int:
    if getattr(args, "distributed", False):
        return run_distributed(args)
    try:
        result = train(**_options(args))
    except (ValueError, FloatingPointError, ImportError) as e:   # say so, no traceback
        print(f"flowkit demo: error: {e}", file=sys.stderr)
        return 2
    report(result, args)
    return 0


def report(result, args) -> None:
    """Prints the final result of a run (of rank 0 in a distributed one)."""
    procs = f" x {result['size']} processes" if result.get("size") else ""
    print(f"test accuracy: {result['test_accuracy']:.4f} ({result['model']} model, "
          f"{result['steps']} steps in {result['seconds']:.2f}s on "
          f"{result['backend']}/{result['device']}{procs})")
    if result.get("size"):
        same = "identical" if result["identical"] else "DIFFERENT (a bug: please report it)"
        print(f"the {result['size']} processes ended with {same} variables")
    print(f"saved to {result['checkpoint']}; reloaded without the model's code: test "
          f"accuracy {result['reloaded_accuracy']:.4f}")
    if args.logdir:
        print(f"watch it:    tensorboard --logdir {args.logdir}")
    if result["checkpoint_file"]:
        print(f"look inside: flowkit inspect {result['checkpoint_file']}\n"
              f"draw it:     flowkit graph {result['checkpoint_file']} -o graph.svg")


# -- the models --------------------------------------------------------------------------------
def _same(optimizer):
    return optimizer


def softmax_model(tf, learning_rate, wrap=_same):
    """The notes' softmax regression, with the hand-written cross-entropy. ``wrap(optimizer)``
    may wrap the optimizer (``hvd.DistributedOptimizer``)."""
    x = tf.placeholder(tf.float32, [None, 64], name="x")
    label = tf.placeholder(tf.float32, [None, 10], name="label")
    W = tf.Variable(tf.zeros([64, 10]), name="W")
    b = tf.Variable(tf.zeros([10]), name="b")
    prediction = tf.nn.softmax(tf.matmul(x, W) + b)
    cross_entropy = tf.reduce_mean(-tf.reduce_sum(label * tf.log(prediction), axis=1))
    train_step = wrap(tf.train.GradientDescentOptimizer(learning_rate)).minimize(cross_entropy)
    return x, label, prediction, cross_entropy, train_step


def cnn_model(tf, learning_rate, wrap=_same):
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
    train_step = wrap(tf.train.AdamOptimizer(learning_rate)).minimize(loss)
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


def _settings(model, epochs, batch_size, learning_rate, steps):
    """The model's defaults filled in, checked."""
    if model not in DEFAULTS:
        raise ValueError(f"Unknown model {model!r}; choose one of {', '.join(MODELS)}.")
    cfg = DEFAULTS[model]
    epochs = cfg["epochs"] if epochs is None else epochs
    batch_size = cfg["batch_size"] if batch_size is None else batch_size
    learning_rate = cfg["learning_rate"] if learning_rate is None else learning_rate
    if epochs < 1 or batch_size < 1 or (steps is not None and steps < 1):
        raise ValueError("--epochs, --batch-size and --steps must be positive")
    return cfg["build"], epochs, batch_size, learning_rate


def _digits(seed):
    """``(train_x, train_y, test_x, test_y)``: flattened images and one-hot labels."""
    from flowkit.datasets import load_digits, one_hot
    data = load_digits(seed=seed)
    return (data.train_images.reshape(-1, 64), one_hot(data.train_labels),
            data.test_images.reshape(-1, 64), one_hot(data.test_labels))


def _graph(tf, build, learning_rate, seed, logdir, wrap=_same):
    """The training graph: a dict of its tensors and ops by name."""
    g = {"graph": tf.Graph()}
    with g["graph"].as_default():
        tf.set_random_seed(seed)
        g["x"], g["label"], prediction, g["loss"], g["train_step"] = build(tf, learning_rate,
                                                                           wrap=wrap)
        correct = tf.equal(tf.argmax(prediction, 1), tf.argmax(g["label"], 1))
        g["accuracy"] = tf.reduce_mean(tf.cast(correct, tf.float32), name="accuracy")
        g["init"] = tf.global_variables_initializer()
        g["saver"] = tf.train.Saver()
        if logdir:
            g["merged"] = summary.merge([summary.scalar("loss", g["loss"]),
                                         summary.scalar("train_accuracy", g["accuracy"])])
            g["test_summary"] = summary.scalar("test_accuracy", g["accuracy"])
    return g


def _epoch(sess, g, xs, ys, order, batch_size, bar, writer, steps, summary_every, limit):
    """One pass over ``order`` in batches (at most ``limit`` steps, when not ``None``), after
    ``steps`` steps; returns (sum of the batch losses, steps run)."""
    total, ran = 0.0, 0
    n_batches = (len(order) + batch_size - 1) // batch_size
    for i in range(n_batches if limit is None else min(n_batches, limit)):
        idx = order[i * batch_size:(i + 1) * batch_size]
        feed = {g["x"]: xs[idx], g["label"]: ys[idx]}
        if writer is not None and (steps + i) % summary_every == 0:
            _, batch_loss, summ = sess.run([g["train_step"], g["loss"], g["merged"]], feed)
            writer.add_summary(summ, steps + i)
        else:
            _, batch_loss = sess.run([g["train_step"], g["loss"]], feed)
        total += float(batch_loss)
        ran += 1
        if not bar.disable:
            bar.set_postfix_str(f"loss {total / ran:.4f}", refresh=False)
            bar.update(1)
    return total, ran


def _check_finite(loss, epoch):
    if not np.isfinite(loss):
        raise FloatingPointError(f"the training loss became {loss} in epoch {epoch}: lower "
                                 "--learning-rate")


def _finish(sess, g, model, steps, test_x, test_y, writer, save_dir, backend, device):
    """Test accuracy, saving and reloading: the part of the result after training."""
    test_accuracy = float(sess.run(g["accuracy"], {g["x"]: test_x, g["label"]: test_y}))
    if writer is not None:
        writer.add_summary(sess.run(g["test_summary"], {g["x"]: test_x, g["label"]: test_y}),
                           steps)
        writer.close()
    with tempfile.TemporaryDirectory() as tmp:
        folder = save_dir or tmp
        os.makedirs(folder, exist_ok=True)
        path = g["saver"].save(sess, os.path.join(folder, f"digits-{model}"), global_step=steps)
        reloaded = reload_and_evaluate(path, test_x, test_y, backend, device)
        file = checkpoint_file(path) if save_dir else None
    return {"test_accuracy": test_accuracy, "checkpoint": file or "a temporary folder (removed)",
            "checkpoint_file": file, "reloaded_accuracy": reloaded}


def train(model="softmax", epochs=None, batch_size=None, learning_rate=None, seed=0,
          backend=None, device=None, quiet=False, stream=None, save_dir=None,
          logdir=None, summary_every=10, steps=None) -> dict:
    """Trains ``model`` on the digits and returns a dict with ``test_accuracy``, ``losses``
    (mean training loss per epoch), ``steps``, ``seconds``, ``backend`` and ``device``.
    ``steps`` stops the training after that many steps (default: all the epochs').

    The trained model is then saved (variables and graph, one HDF5 file) to ``save_dir`` (a
    temporary folder when ``None``) and loaded back into a new graph without the code that
    built it; ``checkpoint`` and ``reloaded_accuracy`` report that.

    With ``logdir``, the training loss and accuracy (every ``summary_every`` steps), the test
    accuracy and the graph are written there for TensorBoard (``tf.summary``)."""
    import flowkit as tf
    build, epochs, batch_size, learning_rate = _settings(model, epochs, batch_size,
                                                         learning_rate, steps)
    stream = stream or sys.stdout
    train_x, train_y, test_x, test_y = _digits(seed)
    g = _graph(tf, build, learning_rate, seed, logdir)

    rng = np.random.default_rng(seed)
    n = len(train_x)
    n_batches = (n + batch_size - 1) // batch_size
    if steps is not None:
        epochs = min(epochs, (steps + n_batches - 1) // n_batches)
    losses, done = [], 0
    start = time.perf_counter()
    with tf.Session(graph=g["graph"], backend=backend, device=device) as sess:
        if not quiet:
            stream.write(f"{model} model on the 8x8 digits: {n} training and {len(test_x)} "
                         f"test images, batches of {batch_size}, on "
                         f"{sess.backend_name}/{sess.device}\n")
        sess.run(g["init"])
        writer = summary.FileWriter(logdir, g["graph"]) if logdir else None
        for epoch in range(1, epochs + 1):
            with progress_bar(n_batches, epoch, epochs, stream, quiet) as bar:
                total, ran = _epoch(sess, g, train_x, train_y, rng.permutation(n), batch_size,
                                    bar, writer, done, summary_every,
                                    None if steps is None else steps - done)
            done += ran
            losses.append(total / ran)
            _check_finite(losses[-1], epoch)
        seconds = time.perf_counter() - start
        result = {"model": model, "losses": losses, "steps": done, "seconds": seconds,
                  "backend": sess.backend_name, "device": sess.device}
        result.update(_finish(sess, g, model, done, test_x, test_y, writer, save_dir,
                              backend, device))
    return result


# -- the same, on several processes ----------------------------------------------------------------
LAUNCH = "torchrun --nproc_per_node=2 -m flowkit demo --distributed"


def launched() -> bool:
    """Whether a launcher (``torchrun``) started this process as one rank of a job."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def _launch_command(args) -> str:
    """The ``torchrun`` command that runs ``args`` (the options given, not the defaults)."""
    given = [("--model", args.model, "softmax"), ("--epochs", args.epochs, None),
             ("--batch-size", args.batch_size, None), ("--steps", args.steps, None),
             ("--learning-rate", args.learning_rate, None), ("--seed", args.seed, 0),
             ("--backend", args.backend, None), ("--device", args.device, None),
             ("--save-dir", args.save_dir, DEFAULT_SAVE_DIR), ("--logdir", args.logdir, None)]
    words = [f"{flag} {value}" for flag, value, default in given if value != default]
    return " ".join([LAUNCH] + words + (["--quiet"] if args.quiet else []))


def run_distributed(args) -> int:
    """``flowkit demo --distributed``: joins the torchrun job, trains, and rank 0 reports."""
    if importlib.util.find_spec("torch") is None:
        print("flowkit demo --distributed: error: it runs on torch.distributed, and PyTorch is "
              "not installed: `pip install \"flowkit[torch]\"`.", file=sys.stderr)
        return 2
    if not launched():
        print("flowkit demo --distributed: error: no launcher started this process. Each "
              "process of a distributed job is started by a launcher that tells it its rank "
              "and where the others are; to train with 2 processes on this machine, run\n\n"
              f"    {_launch_command(args)}\n\n(`python -m torch.distributed.run` is the same "
              "as `torchrun`; --nproc_per_node sets the number of processes, and --nnodes with "
              "--rdzv-endpoint spread them over machines.)", file=sys.stderr)
        return 2
    where = f"rank {os.environ.get('RANK')} of {os.environ.get('WORLD_SIZE')}"
    try:
        hvd.init()
    except (ImportError, ValueError, OpError) as e:
        print(f"flowkit demo --distributed ({where}): error: {e}", file=sys.stderr)
        return 2
    try:
        result = train_distributed(**_options(args))
    except (ValueError, FloatingPointError, ImportError, OpError) as e:
        print(f"flowkit demo --distributed ({where}): error: {e}", file=sys.stderr)
        return 2
    finally:
        hvd.shutdown()
    if result["rank"] == 0:
        report(result, args)
    return 0


def train_distributed(model="softmax", epochs=None, batch_size=None, learning_rate=None,
                      seed=0, backend=None, device=None, quiet=False, stream=None,
                      save_dir=None, logdir=None, summary_every=10, steps=None) -> dict:
    """:func:`train` as a Horovod program, on each process of a job (call ``hvd.init()``
    first; :func:`run_distributed` does). The changes to the one-process training:

    1. each process trains on its shard of the training images, ``train_x[rank::size]``
       (every shard cut to the same length, so that all processes run the same steps);
    2. the optimizer is wrapped in ``hvd.DistributedOptimizer``: every step applies the
       gradient averaged over the processes' batches, so ``size`` processes with batches of
       ``batch_size`` take the steps of one process with batches of ``size * batch_size``
       (the learning rate is not scaled);
    3. ``hvd.broadcast_global_variables(0)`` after initialization starts every process from
       rank 0's variables;
    4. only rank 0 prints (its progress, and each epoch's loss averaged over the processes),
       measures the test accuracy and saves the checkpoint (and the TensorBoard log); the
       checkpoint holds the one-process graph (see :func:`_export`).

    At the end every process's variables are gathered and compared. Returns :func:`train`'s
    dict on rank 0; on every rank it has ``rank``, ``size``, ``variables`` (name -> final
    value) and ``identical`` (whether all processes ended with the same variables)."""
    import flowkit as tf
    build, epochs, batch_size, learning_rate = _settings(model, epochs, batch_size,
                                                         learning_rate, steps)
    rank, size = hvd.rank(), hvd.size()
    chief = rank == 0
    quiet = quiet or not chief
    stream = stream or sys.stdout
    train_x, train_y, test_x, test_y = _digits(seed)
    n = len(train_x) // size                                   # 1. this process's shard
    shard_x, shard_y = train_x[rank::size][:n], train_y[rank::size][:n]
    g = _graph(tf, build, learning_rate, seed, logdir if chief else None,
               wrap=hvd.DistributedOptimizer)                  # 2. averaged gradients
    with g["graph"].as_default():
        g["bcast"] = hvd.broadcast_global_variables(0)         # 3. rank 0's variables
        variables = tf.global_variables()
    with tf.Graph().as_default() as across:     # what the processes compare (not saved)
        loss_in = tf.placeholder(tf.float32, [], name="epoch_loss")
        mean_loss = hvd.allreduce(loss_in)
        flat_in = tf.placeholder(tf.float64, [None], name="variables")
        gathered = hvd.allgather(tf.reshape(flat_in, [1, -1]))

    rng = np.random.default_rng([seed, rank])
    n_batches = (n + batch_size - 1) // batch_size
    if steps is not None:
        epochs = min(epochs, (steps + n_batches - 1) // n_batches)
    losses, done = [], 0
    start = time.perf_counter()
    with tf.Session(graph=g["graph"], backend=backend, device=device) as sess, \
            tf.Session(graph=across, backend=backend, device=device) as talk:
        if not quiet:                                          # 4. rank 0 alone prints
            stream.write(f"{model} model on the 8x8 digits, {size} processes: {n} training "
                         f"images each (of {len(train_x)}), {len(test_x)} test images, "
                         f"batches of {batch_size} per process, on "
                         f"{sess.backend_name}/{sess.device}\n")
        sess.run(g["init"])
        sess.run(g["bcast"])
        writer = summary.FileWriter(logdir, g["graph"]) if logdir and chief else None
        for epoch in range(1, epochs + 1):
            with progress_bar(n_batches, epoch, epochs, stream, quiet) as bar:
                total, ran = _epoch(sess, g, shard_x, shard_y, rng.permutation(n), batch_size,
                                    bar, writer, done, summary_every,
                                    None if steps is None else steps - done)
            done += ran
            losses.append(float(talk.run(mean_loss, {loss_in: total / ran})))
            if not quiet and bar.disable:        # no bar (not a terminal): a line an epoch
                stream.write(f"epoch {epoch}/{epochs}: loss {losses[-1]:.4f} (mean of "
                             f"{size} processes)\n")
                stream.flush()
            _check_finite(losses[-1], epoch)
        seconds = time.perf_counter() - start
        values = sess.run(variables)
        every = talk.run(gathered, {flat_in: np.concatenate(
            [np.ravel(v).astype(np.float64) for v in values])})
        result = {"model": model, "losses": losses, "steps": done, "seconds": seconds,
                  "backend": sess.backend_name, "device": sess.device, "rank": rank,
                  "size": size, "identical": bool((every == every[0]).all()),
                  "variables": {v.name: value for v, value in zip(variables, values)}}
    if chief:
        result.update(_export(tf, build, learning_rate, seed, logdir, result, test_x, test_y,
                              writer, save_dir, backend, device))
    return result


def _export(tf, build, learning_rate, seed, logdir, result, test_x, test_y, writer, save_dir,
            backend, device) -> dict:
    """Rank 0's test accuracy and checkpoint. The checkpoint's graph is the one-process
    training graph holding the trained values: without the collective ops it opens in any
    process (``flowkit inspect``, ``flowkit graph``, ``import_meta_graph``), whether or not it
    imported flowkit.distributed."""
    g = _graph(tf, build, learning_rate, seed, logdir)
    with g["graph"].as_default():
        variables = tf.global_variables()
    if sorted(v.name for v in variables) != sorted(result["variables"]):
        raise ValueError("the one-process graph has other variables than the distributed one: "
                         f"{sorted(v.name for v in variables)} vs {sorted(result['variables'])}")
    with tf.Session(graph=g["graph"], backend=backend, device=device) as sess:
        sess.run(g["init"])
        for v in variables:
            v.load(result["variables"][v.name], sess)
        return _finish(sess, g, result["model"], result["steps"], test_x, test_y, writer,
                       save_dir, backend, device)


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
