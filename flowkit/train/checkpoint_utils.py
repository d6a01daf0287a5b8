"""Reading checkpoints without a graph: ``tf.train.list_variables``, ``load_variable``,
``load_checkpoint`` / ``NewCheckpointReader``.

Each accepts a checkpoint path (``model-3`` or ``model-3.h5``) or a folder, meaning its
latest checkpoint. Files are checked before anything is read from them (see
:mod:`flowkit.checkpoint.h5format`).

Example:
    >>> import os, tempfile
    >>> import flowkit as tf
    >>> v = tf.Variable([1.0, 2.0, 3.0], name="layer/bias")
    >>> folder = tempfile.mkdtemp()
    >>> with tf.Session() as sess:
    ...     sess.run(v.initializer)
    ...     path = tf.train.Saver().save(sess, os.path.join(folder, "model"))
    >>> tf.train.list_variables(folder)
    [('layer/bias', [3])]
    >>> print(tf.train.load_variable(path, "layer/bias:0"))
    [1. 2. 3.]
"""
from __future__ import annotations

import os

from flowkit.checkpoint.h5format import CheckpointReader
from flowkit.checkpoint.index import find_checkpoint_file, latest_checkpoint
from flowkit.framework import errors

__all__ = ["list_variables", "load_variable", "load_checkpoint", "NewCheckpointReader"]


def _resolve(ckpt_dir_or_file) -> str:
    path = os.fspath(ckpt_dir_or_file)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise ValueError(f"Couldn't find 'checkpoint' file or checkpoints in given "
                             f"directory {path}")
        path = latest
    found = find_checkpoint_file(path, exact_file=True)
    if found is None:
        raise errors.NotFoundError(None, None, f"Unsuccessful checkpoint lookup: failed to "
                                   f"find any matching files for {path} (or {path}.h5).")
    return found


def load_checkpoint(ckpt_dir_or_file) -> CheckpointReader:
    """A :class:`~flowkit.checkpoint.CheckpointReader` for the checkpoint (close it, or use
    it in a ``with`` block).

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> w = tf.Variable([1.0, 2.0], name="w")
        >>> b = tf.Variable(3, name="b")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     path = tf.train.Saver().save(sess, os.path.join(tempfile.mkdtemp(), "model"))
        >>> with tf.train.load_checkpoint(path) as reader:
        ...     print(sorted(reader.get_variable_to_shape_map().items()), reader.get_tensor("w"))
        [('b', []), ('w', [2])] [1. 2.]
    """
    return CheckpointReader(_resolve(ckpt_dir_or_file))


def NewCheckpointReader(filepattern) -> CheckpointReader:  # noqa: N802 - TF1's name
    """TF1's name for :func:`load_checkpoint`.

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> w = tf.Variable([1.0, 2.0], name="w")
        >>> b = tf.Variable(3, name="b")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     path = tf.train.Saver().save(sess, os.path.join(tempfile.mkdtemp(), "model"))
        >>> reader = tf.train.NewCheckpointReader(path)
        >>> print(reader.get_tensor("b"), reader.has_tensor("w"))
        3 True
        >>> reader.close()
    """
    return load_checkpoint(filepattern)


def list_variables(ckpt_dir_or_file) -> list:
    """``[(name, shape as a list)]`` for every variable in the checkpoint, sorted by name.

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> w = tf.Variable([1.0, 2.0], name="w")
        >>> b = tf.Variable(3, name="b")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     path = tf.train.Saver().save(sess, os.path.join(tempfile.mkdtemp(), "model"))
        >>> print(tf.train.list_variables(path))
        [('b', []), ('w', [2])]
    """
    with load_checkpoint(ckpt_dir_or_file) as reader:
        return sorted(reader.get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file, name):
    """The value of variable ``name`` (with or without ``:0``) in the checkpoint.

    Raises:
        NotFoundError: the checkpoint has no such variable.

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> w = tf.Variable([1.0, 2.0], name="w")
        >>> b = tf.Variable(3, name="b")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     path = tf.train.Saver().save(sess, os.path.join(tempfile.mkdtemp(), "model"))
        >>> print(tf.train.load_variable(path, "w"), tf.train.load_variable(path, "b:0"))
        [1. 2.] 3
    """
    with load_checkpoint(ckpt_dir_or_file) as reader:
        return reader.get_tensor(name)
