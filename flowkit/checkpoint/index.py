"""Checkpoint paths and the index file that lists a folder's recent checkpoints.

A checkpoint *path* is what ``Saver.save`` returns: a prefix such as ``ckpt/model-3`` (TF1's
spelling); its file is ``ckpt/model-3.h5``. Each path names exactly one file, by its spelling
alone (:func:`checkpoint_file`):

* ``ckpt/model-3.h5``: that file;
* ``ckpt/model-3.meta``, ``.index``, ``.data-00000-of-00001`` (the names of TF1's files of
  prefix ``ckpt/model-3``): the file of that prefix, ``ckpt/model-3.h5``; a save path may
  therefore not end in one of these (:func:`check_save_path`);
* anything else is a prefix: ``ckpt/model-3`` + ``.h5``.

The index file (``checkpoint`` by default, in the checkpoints' folder) is a small JSON file::

    {"format": "flowkit-checkpoint-index", "version": 1,
     "model_checkpoint_path": "model-3",
     "all_model_checkpoint_paths": ["model-1", "model-2", "model-3"],
     "all_model_checkpoint_timestamps": [1700000000.0, ...],
     "last_preserved_timestamp": 1699999990.0}

Paths inside the folder are stored relative to it, so the folder can be moved. It is
replaced atomically, and only after the checkpoint it names is complete on disk.

Example:
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> update_checkpoint_state(d, os.path.join(d, "model-2"),
    ...                         [os.path.join(d, "model-1"), os.path.join(d, "model-2")])
    >>> state = get_checkpoint_state(d)
    >>> os.path.basename(state.model_checkpoint_path), len(state.all_model_checkpoint_paths)
    ('model-2', 2)
"""
from __future__ import annotations

import json
import os
import re
import time
import warnings

from flowkit.checkpoint import atomic

INDEX_FORMAT = "flowkit-checkpoint-index"
DEFAULT_INDEX = "checkpoint"
_MAX_INDEX_BYTES = 4 * 1024 * 1024


#: The endings of TF1's files of a checkpoint prefix: ``prefix.meta``, ``prefix.index``,
#: ``prefix.data-00000-of-00001``.
TF1_SUFFIX = re.compile(r"\.(?:meta|index|data-\d+-of-\d+)$")


def checkpoint_file(path: str) -> str:
    """The ``.h5`` file that a checkpoint path names: the path itself if it ends in ``.h5``;
    for a TF1 file name (``model.meta``, ``model.index``...) the file of its prefix
    (``model.h5``); else ``path + ".h5"``."""
    path = os.fspath(path)
    if path.endswith(".h5"):
        return path
    m = TF1_SUFFIX.search(os.path.basename(path))
    if m is not None and m.start() > 0:
        path = path[:len(path) - len(m.group(0))]
    return path + ".h5"


def check_save_path(path: str) -> None:
    """Raises ``ValueError`` for a checkpoint path that :func:`checkpoint_file` would not map
    back to the file saved under it: one ending in ``.meta``, ``.index`` or ``.data-...``."""
    path = os.fspath(path)
    if not path.endswith(".h5") and checkpoint_file(path) != path + ".h5":
        prefix = checkpoint_file(path)[:-3]
        raise ValueError(f"Cannot save to '{path}': it ends like one of TF1's files of the "
                         f"checkpoint '{prefix}', and so names '{prefix}.h5' when read. Save "
                         f"to '{prefix}' (or spell the file, '{path}.h5').")


def find_checkpoint_file(path: str, exact_file: bool = False):
    """The existing file that checkpoint path ``path`` names (see :func:`checkpoint_file`), or
    ``None``. With ``exact_file``, a file at exactly ``path`` comes first (what
    ``export_meta_graph(filename)`` writes, for the readers of graphs and of files)."""
    path = os.fspath(path)
    if exact_file and os.path.isfile(path):
        return path
    found = checkpoint_file(path)
    return found if os.path.isfile(found) else None


class CheckpointState:
    """TF1's ``CheckpointState``: the latest checkpoint and the recent ones, oldest first.

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> w = tf.Variable(1.0, name="w")
        >>> saver = tf.train.Saver()
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for step in (1, 2):
        ...         _ = saver.save(sess, os.path.join(folder, "model"), global_step=step)
        >>> state = tf.train.get_checkpoint_state(folder)
        >>> print(type(state).__name__, os.path.basename(state.model_checkpoint_path))
        CheckpointState model-2
    """

    def __init__(self, model_checkpoint_path="", all_model_checkpoint_paths=(),
                 all_model_checkpoint_timestamps=(), last_preserved_timestamp=0.0):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = list(all_model_checkpoint_timestamps)
        self.last_preserved_timestamp = last_preserved_timestamp

    def __repr__(self) -> str:
        lines = [f'model_checkpoint_path: "{self.model_checkpoint_path}"']
        lines += [f'all_model_checkpoint_paths: "{p}"' for p in self.all_model_checkpoint_paths]
        return "\n".join(lines)


def _index_path(checkpoint_dir, latest_filename):
    return os.path.join(checkpoint_dir, latest_filename or DEFAULT_INDEX)


def _relative(folder, path):
    path = os.fspath(path)
    if os.path.dirname(os.path.abspath(path)) == os.path.abspath(folder):
        return os.path.basename(path)
    return os.path.abspath(path)


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None) -> None:
    """Atomically rewrites the index file of ``save_dir`` (TF1's function of that name).

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> w = tf.Variable(1.0, name="w")
        >>> saver = tf.train.Saver()
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for step in (1, 2):
        ...         _ = saver.save(sess, os.path.join(folder, "model"), global_step=step)
        >>> first = os.path.join(folder, "model-1")
        >>> tf.train.update_checkpoint_state(folder, first)
        >>> print(os.path.basename(tf.train.latest_checkpoint(folder)))
        model-1
    """
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths = [p for p in paths if p != model_checkpoint_path] + [model_checkpoint_path]
    stamps = list(all_model_checkpoint_timestamps or [])
    if len(stamps) != len(paths):
        stamps = [time.time()] * len(paths)
    data = {"format": INDEX_FORMAT, "version": 1,
            "model_checkpoint_path": _relative(save_dir, model_checkpoint_path),
            "all_model_checkpoint_paths": [_relative(save_dir, p) for p in paths],
            "all_model_checkpoint_timestamps": [float(t) for t in stamps],
            "last_preserved_timestamp": float(last_preserved_timestamp or 0.0)}
    index = _index_path(save_dir, latest_filename)
    atomic.remove_stale_temps(index)
    atomic.write_bytes_atomic(index, (json.dumps(data, indent=1) + "\n").encode("utf-8"))


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """The :class:`CheckpointState` of ``checkpoint_dir``, or ``None`` when it has no index
    file or the index cannot be read (a warning says why).

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> w = tf.Variable(1.0, name="w")
        >>> saver = tf.train.Saver()
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for step in (1, 2):
        ...         _ = saver.save(sess, os.path.join(folder, "model"), global_step=step)
        >>> state = tf.train.get_checkpoint_state(folder)
        >>> print([os.path.basename(p) for p in state.all_model_checkpoint_paths])
        ['model-1', 'model-2']
        >>> print(tf.train.get_checkpoint_state(tempfile.mkdtemp()))
        None
    """
    index = _index_path(os.fspath(checkpoint_dir), latest_filename)
    if not os.path.isfile(index):
        return None
    try:
        if os.path.getsize(index) > _MAX_INDEX_BYTES:
            raise ValueError("the file is too large for a checkpoint index")
        with open(index, "rb") as f:
            data = json.loads(f.read().decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != INDEX_FORMAT:
            raise ValueError("not a flowkit checkpoint index")
        latest = data["model_checkpoint_path"]
        paths = data.get("all_model_checkpoint_paths", [])
        stamps = data.get("all_model_checkpoint_timestamps", [])
        kept = data.get("last_preserved_timestamp", 0.0)
        if not (isinstance(latest, str) and latest and isinstance(paths, list)
                and all(isinstance(p, str) and p for p in paths) and isinstance(stamps, list)
                and all(isinstance(t, (int, float)) for t in stamps)
                and isinstance(kept, (int, float)) and "\0" not in latest):
            raise ValueError("unexpected field types")
    except (OSError, ValueError, KeyError, RecursionError) as e:
        warnings.warn(f"{index}: checkpoint index ignored ({type(e).__name__}: {e})",
                      RuntimeWarning, stacklevel=2)
        return None

    def absolute(p):
        return p if os.path.isabs(p) else os.path.join(os.fspath(checkpoint_dir), p)
    return CheckpointState(absolute(latest), [absolute(p) for p in paths], stamps, kept)


def checkpoint_exists(checkpoint_prefix) -> bool:
    """Whether a checkpoint file exists for ``checkpoint_prefix`` (either spelling).

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> w = tf.Variable(1.0, name="w")
        >>> saver = tf.train.Saver()
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for step in (1, 2):
        ...         _ = saver.save(sess, os.path.join(folder, "model"), global_step=step)
        >>> print(tf.train.checkpoint_exists(os.path.join(folder, "model-2")))
        True
        >>> print(tf.train.checkpoint_exists(os.path.join(folder, "model-9")))
        False
    """
    return find_checkpoint_file(checkpoint_prefix) is not None


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The path of the newest checkpoint listed in ``checkpoint_dir``'s index, or ``None``
    when there is none (or its file is gone).

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> folder = tempfile.mkdtemp()
        >>> w = tf.Variable(1.0, name="w")
        >>> saver = tf.train.Saver()
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for step in (1, 2):
        ...         _ = saver.save(sess, os.path.join(folder, "model"), global_step=step)
        >>> print(os.path.basename(tf.train.latest_checkpoint(folder)))
        model-2
        >>> print(tf.train.latest_checkpoint(tempfile.mkdtemp()))
        None
    """
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state and state.model_checkpoint_path and \
            checkpoint_exists(state.model_checkpoint_path):
        return state.model_checkpoint_path
    return None
