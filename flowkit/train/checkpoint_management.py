"""TF1's checkpoint-management helpers beyond the :class:`~flowkit.train.Saver`:
:func:`checkpoints_iterator` (an evaluation loop that wakes for each new checkpoint),
:func:`wait_for_new_checkpoint`, :func:`remove_checkpoint` and :func:`get_checkpoint_mtimes`.

They build on :mod:`flowkit.checkpoint.index`: a checkpoint path is a prefix (``ckpt/model-3``)
naming one ``.h5`` file, and a folder's index lists its recent checkpoints.
"""
from __future__ import annotations

import logging
import os
import time

from flowkit.checkpoint.index import checkpoint_file, find_checkpoint_file, latest_checkpoint

__all__ = ["checkpoints_iterator", "wait_for_new_checkpoint", "remove_checkpoint",
           "get_checkpoint_mtimes"]

_log = logging.getLogger("flowkit")


def wait_for_new_checkpoint(checkpoint_dir, last_checkpoint=None, seconds_to_sleep=1,
                            timeout=None):
    """Waits until ``checkpoint_dir``'s latest checkpoint is not ``last_checkpoint``; returns
    its path, or ``None`` after ``timeout`` seconds.

    Example:
        >>> import flowkit as tf, tempfile
        >>> print(tf.train.wait_for_new_checkpoint(tempfile.mkdtemp(), timeout=0.01))
        None
    """
    stop_time = time.time() + timeout if timeout is not None else None
    _log.info("Waiting for new checkpoint at %s", checkpoint_dir)
    while True:
        checkpoint_path = latest_checkpoint(checkpoint_dir)
        if checkpoint_path is None or checkpoint_path == last_checkpoint:
            if stop_time is not None and time.time() + seconds_to_sleep > stop_time:
                return None
            time.sleep(seconds_to_sleep)
        else:
            _log.info("Found new checkpoint at %s", checkpoint_path)
            return checkpoint_path


def checkpoints_iterator(checkpoint_dir, min_interval_secs=0, timeout=None, timeout_fn=None):
    """Yields each new checkpoint path of ``checkpoint_dir`` as it appears (at most one every
    ``min_interval_secs`` seconds). After ``timeout`` seconds without a new one it calls
    ``timeout_fn`` (if given): the iteration ends when that returns True (or at once without
    one); otherwise it keeps waiting.

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> w = tf.Variable(1.0, name="w")
        >>> with tf.Session() as sess:
        ...     sess.run(w.initializer)
        ...     _ = tf.train.Saver().save(sess, os.path.join(folder, "model"), global_step=7)
        >>> [os.path.basename(p) for p in tf.train.checkpoints_iterator(folder, timeout=0.1)]
        ['model-7']
    """
    checkpoint_path = None
    while True:
        new_checkpoint_path = wait_for_new_checkpoint(checkpoint_dir, checkpoint_path,
                                                      seconds_to_sleep=min(1, timeout or 1),
                                                      timeout=timeout)
        if new_checkpoint_path is None:
            if not timeout_fn:
                _log.info("Timed-out waiting for a checkpoint.")
                return
            if timeout_fn():
                return
            continue
        start = time.time()
        checkpoint_path = new_checkpoint_path
        yield checkpoint_path
        time_to_next_eval = start + min_interval_secs - time.time()
        if time_to_next_eval > 0:
            time.sleep(time_to_next_eval)


def remove_checkpoint(checkpoint_prefix, checkpoint_format_version=None,
                      meta_graph_suffix="meta") -> None:
    """Deletes the file of the checkpoint ``checkpoint_prefix`` (one ``.h5`` file: the graph
    lives in it, so there is no separate ``.meta`` file). A missing file is logged, not an
    error, as in TF1. The folder's index is left as it is (``latest_checkpoint`` skips a
    listed checkpoint whose file is gone).

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> w = tf.Variable(1.0, name="w")
        >>> with tf.Session() as sess:
        ...     sess.run(w.initializer)
        ...     path = tf.train.Saver().save(sess, os.path.join(tempfile.mkdtemp(), "model"))
        >>> tf.train.remove_checkpoint(path)
        >>> tf.train.checkpoint_exists(path)
        False
    """
    path = find_checkpoint_file(checkpoint_prefix)
    if path is None:
        _log.warning("Couldn't delete checkpoint %s: no file %s", checkpoint_prefix,
                     checkpoint_file(checkpoint_prefix))
        return
    os.remove(path)


def get_checkpoint_mtimes(checkpoint_prefixes) -> list:
    """The modification times (seconds since the epoch) of the checkpoints' files, in order;
    prefixes whose file does not exist are left out (and logged), as in TF1.

    Example:
        >>> import flowkit as tf, tempfile, os, time
        >>> w = tf.Variable(1.0, name="w")
        >>> with tf.Session() as sess:
        ...     sess.run(w.initializer)
        ...     path = tf.train.Saver().save(sess, os.path.join(tempfile.mkdtemp(), "model"))
        >>> (mtime,) = tf.train.get_checkpoint_mtimes([path, path + "-missing"])
        >>> abs(mtime - time.time()) < 60
        True
    """
    mtimes = []
    for prefix in checkpoint_prefixes:
        path = find_checkpoint_file(prefix)
        if path is None:
            _log.warning("Couldn't match files for checkpoint %s", prefix)
            continue
        mtimes.append(os.stat(path).st_mtime)
    return mtimes
