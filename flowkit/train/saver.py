"""``tf.train.Saver``: save variables to HDF5 checkpoints and restore them; meta graphs.

A save writes one file, ``<prefix>.h5`` (or ``<prefix>-<step>.h5``), with one dataset per
variable named like the variable (``conv1/weights``), each with an XXH3-64 hash of its bytes
that every read checks, plus the graph as JSON when ``write_meta_graph=True`` (its large
constants as datasets beside it, or as references to a variable's dataset when the values
are bitwise the same, e.g. right after initialization).
The file is written to a temporary name and renamed into place; then the folder's index
file (``checkpoint``) is replaced the same way; only then are checkpoints beyond
``max_to_keep`` deleted. A process killed at any moment therefore leaves
``latest_checkpoint`` pointing at a complete file.

Restoring checks the whole file first (see :mod:`flowkit.checkpoint.h5format`), then reports
every missing variable at once (``NotFoundError``), or every shape/dtype mismatch at once
(``InvalidArgumentError``), before changing any variable. Names in the file that the saver
does not know are ignored, as in TF1, so a subset of a model can be restored.

Example:
    >>> import os, tempfile
    >>> import flowkit as tf
    >>> W = tf.Variable([[1.0, 2.0]], name="W")
    >>> step = tf.Variable(0, name="global_step", trainable=False)
    >>> saver = tf.train.Saver(max_to_keep=2)
    >>> folder = tempfile.mkdtemp()
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     for i in range(3):
    ...         path = saver.save(sess, os.path.join(folder, "model"), global_step=i)
    >>> os.path.basename(path), [os.path.basename(p) for p in saver.last_checkpoints]
    ('model-2', ['model-1', 'model-2'])
    >>> tf.train.latest_checkpoint(folder) == path
    True
    >>> with tf.Session() as sess:
    ...     saver.restore(sess, path)
    ...     print(sess.run(W))
    [[1. 2.]]
"""
from __future__ import annotations

import numbers
import os
import re
import sys
import time
import warnings

from flowkit.checkpoint import atomic, graph_json
from flowkit.checkpoint.h5format import (CheckpointReader, dataset_name, dataset_paths,
                                         write_checkpoint)
from flowkit.checkpoint.index import (CheckpointState, check_save_path, checkpoint_exists,
                                      checkpoint_file, find_checkpoint_file,
                                      get_checkpoint_state, latest_checkpoint,
                                      update_checkpoint_state)
from flowkit.framework import errors
from flowkit.framework.graph import Tensor, get_default_graph
from flowkit.variables import global_variables, Variable

__all__ = ["Saver", "export_meta_graph", "import_meta_graph", "latest_checkpoint",
           "get_checkpoint_state", "checkpoint_exists", "update_checkpoint_state",
           "CheckpointState"]


def _var_op(v, key):
    """The ``VariableV2`` op behind a var_list entry."""
    if isinstance(v, Variable):
        return v.op
    if isinstance(v, Tensor) and v.op.type == "VariableV2":
        return v.op
    raise TypeError(f"Saver var_list entry {key!r} is {v!r}: expected a tf.Variable (or the "
                    "output of a VariableV2 op).")


def _build_var_map(var_list):
    """``{name in file: VariableV2 op}`` from None, a list, or a dict."""
    if var_list is None:
        var_list = global_variables()
    if isinstance(var_list, dict):
        pairs = [(str(k), _var_op(v, k)) for k, v in var_list.items()]
    else:
        pairs = []
        for v in var_list:
            op = _var_op(v, v)
            pairs.append((op.name, op))
    out = {}
    for name, op in pairs:
        name = dataset_name(name)
        if name in out:
            raise ValueError(f"At least two variables have the same name: {name}")
        out[name] = op
    return out


def _warn_if_not_rank_zero() -> None:
    """Every process of a distributed job (``flowkit.distributed``) writing the same files
    races: the documented pattern saves on rank 0 only. torch.distributed is looked up among
    the loaded modules, never imported here."""
    dist = sys.modules.get("torch.distributed")
    if dist is not None and dist.is_available() and dist.is_initialized() and \
            dist.get_rank() != 0:
        warnings.warn(f"Saver.save on rank {dist.get_rank()} of a distributed job: save on rank "
                      "0 only (`if hvd.rank() == 0: saver.save(...)`); every rank writing the "
                      "same files races.", RuntimeWarning, stacklevel=3)


class Saver:
    """Saves and restores variables (TF1's ``tf.train.Saver``).

    Args:
        var_list: ``None`` (every global variable that exists now, optimizer slots
            included), a list of variables, or a ``{name_in_file: variable}`` dict.
        max_to_keep: how many recent checkpoints to keep (``None`` or 0: all).
        keep_checkpoint_every_n_hours: additionally keep one checkpoint per this many hours.
        pad_step_number: write ``model-00000003`` instead of ``model-3``.
        allow_empty: with no variables, make a saver that does nothing instead of raising.

    The other TF1 arguments (``reshape``, ``sharded``, ``builder``...) are accepted and
    ignored.

    Paths: ``save(sess, prefix)`` writes one file, ``prefix.h5`` (``prefix-<step>.h5`` with a
    ``global_step``), and returns ``prefix`` (``prefix-<step>``); ``restore`` and
    ``latest_checkpoint`` read exactly that file for that path. A prefix that already ends
    in ``.h5`` is the file's own name (``model.h5``, or ``model-3.h5`` with a step). A path
    ending in TF1's file suffixes ``.meta``, ``.index`` or ``.data-00000-of-00001`` names
    the checkpoint of the prefix before the suffix when read (``restore(sess,
    "model-3.meta")`` reads ``model-3.h5``, as TF1 users pass it), so ``save`` refuses such a
    path (``ValueError``) rather than write a file that this path would not read back.

    Every saved dataset carries an XXH3-64 hash of its bytes, checked on restore (and by
    ``tf.train.load_checkpoint``, ``flowkit inspect`` and ``flowkit diff``): a damaged file
    is a ``DataLossError`` naming the file and the variable. A save that runs out of disk
    space raises ``ResourceExhaustedError`` and leaves the previous file as it was.

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> w = tf.Variable([1.0, 2.0], name="w")
        >>> saver = tf.train.Saver()
        >>> prefix = os.path.join(tempfile.mkdtemp(), "model")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     _ = sess.run(tf.assign(w, [5.0, 6.0]))
        ...     path = saver.save(sess, prefix, global_step=3)
        >>> print(os.path.basename(path))
        model-3
        >>> with tf.Session() as sess:
        ...     saver.restore(sess, path)
        ...     print(sess.run(w))
        [5. 6.]
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False,
                 saver_def=None, builder=None, defer_build=False, allow_empty=False,
                 write_version=None, pad_step_number=False, save_relative_paths=False,
                 filename=None):
        self._var_map = _build_var_map(var_list)
        self._variable_objects = self._collect_variable_objects(var_list)
        if not self._var_map and not allow_empty and not defer_build:
            raise ValueError("No variables to save")
        graphs = {op.graph for op in self._var_map.values()}
        if len(graphs) > 1:
            raise ValueError("The variables of a Saver must all come from one graph.")
        self._graph = graphs.pop() if graphs else get_default_graph()
        self._max_to_keep = max_to_keep
        self._keep_hours = keep_checkpoint_every_n_hours
        self._next_keep_time = time.time() + (keep_checkpoint_every_n_hours or 0) * 3600
        self._last_checkpoints = []      # [(path, time)], oldest first
        self._pad_step_number = pad_step_number
        self._filename = filename

    @staticmethod
    def _collect_variable_objects(var_list):
        values = global_variables() if var_list is None else (
            var_list.values() if isinstance(var_list, dict) else var_list)
        return [v for v in values if isinstance(v, Variable)]

    # -- bookkeeping -----------------------------------------------------------------------------
    @property
    def last_checkpoints(self) -> list:
        """The checkpoints this saver made that are still kept, oldest first."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints) -> None:
        self._last_checkpoints = [(p, time.time()) for p in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time) -> None:
        self._last_checkpoints = [(p, float(t)) for p, t in last_checkpoints_with_time]

    def recover_last_checkpoints(self, checkpoint_paths) -> None:
        """Adopts existing checkpoints (e.g. from ``get_checkpoint_state``) for pruning."""
        self._last_checkpoints = [(p, os.path.getmtime(checkpoint_file(p)))
                                  for p in checkpoint_paths if checkpoint_exists(p)]

    def _record(self, path):
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints if p != path]
        self._last_checkpoints.append((path, time.time()))
        doomed = []
        while self._max_to_keep and len(self._last_checkpoints) > self._max_to_keep:
            p, t = self._last_checkpoints.pop(0)
            if self._keep_hours and t > self._next_keep_time:     # keep one every n hours
                self._next_keep_time += self._keep_hours * 3600
            else:
                doomed.append(p)
        return doomed

    def _saver_info(self):
        return {"var_list": {name: op.name for name, op in self._var_map.items()},
                "max_to_keep": self._max_to_keep,
                "keep_checkpoint_every_n_hours": self._keep_hours,
                "pad_step_number": bool(self._pad_step_number),
                "variable_objects": self._variable_objects}

    # -- save --------------------------------------------------------------------------------------
    def _check_session(self, sess):
        if sess is None or not hasattr(sess, "_get_variable"):
            raise TypeError(f"'sess' must be a Session; got {sess!r}")
        if self._var_map and sess.graph is not self._graph:
            raise ValueError("The session runs a different graph than the one this Saver's "
                             "variables belong to.")

    def save(self, sess, save_path, global_step=None, latest_filename=None,
             meta_graph_suffix="meta", write_meta_graph=True, write_state=True,
             strip_default_attrs=False, save_debug_info=False):
        """Saves the variables' values in ``sess`` and returns the checkpoint path
        (``save_path``, or ``save_path-<step>`` with a ``global_step``).

        ``global_step`` may be an int, or a variable/tensor whose value is used. The graph is
        stored inside the same file when ``write_meta_graph`` is true
        (``meta_graph_suffix`` is accepted for TF1 compatibility; there is no separate file).

        Before writing, the temporary files that interrupted saves of the same prefix left
        (``<prefix>[-<step>].h5.tmp-*``, not locked by a live save) are removed.

        Raises:
            ValueError: the folder of ``save_path`` does not exist, or the path ends in
                ``.meta``, ``.index`` or ``.data-...`` (see the class docstring).
            FailedPreconditionError: a variable has no value in ``sess``.
            ResourceExhaustedError: the disk is full or the file too large; the previous
                checkpoint is unchanged.
        """
        self._check_session(sess)
        _warn_if_not_rank_zero()
        save_path = os.fspath(save_path)
        path = save_path
        step = None
        if global_step is not None:
            step = int(global_step) if isinstance(global_step, numbers.Integral) else \
                int(sess.run(global_step))
            stem, ext = (save_path[:-3], ".h5") if save_path.endswith(".h5") else (save_path, "")
            step_text = f"{step:08d}" if self._pad_step_number else str(step)
            path = f"{stem}-{step_text}{ext}"
        check_save_path(path)
        folder = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(folder):
            raise ValueError(f"Parent directory of {save_path} doesn't exist, can't save.")
        # The leftovers of interrupted saves of this prefix, whatever their step.
        stem = os.path.basename(save_path[:-3] if save_path.endswith(".h5") else save_path)
        atomic.remove_stale_temps(checkpoint_file(path),
                                  rf"{re.escape(stem)}(?:-\d+)?\.h5")
        # The session's arrays are written as they are (no copy): the write below is
        # synchronous and finishes before save() returns, as h5py would write them.
        values = {name: sess._variable_array(op) for name, op in self._var_map.items()}
        def describe():
            # Large constants become datasets; one equal to a variable's value (its initial
            # value, before training) refers to that variable's dataset instead.
            paths = dataset_paths(values)
            store = graph_json.ArrayStore({paths[n]: v for n, v in values.items()})
            text = graph_json.graph_to_json(self._graph, saver_info=self._saver_info(),
                                            store=store)
            return text, store.arrays
        write_checkpoint(checkpoint_file(path), values, step,
                         describe if write_meta_graph else None)
        if write_state:
            doomed = self._record(path)
            update_checkpoint_state(os.path.dirname(path) or ".", path, self.last_checkpoints,
                                    latest_filename,
                                    [t for _, t in self._last_checkpoints],
                                    self._next_keep_time - (self._keep_hours or 0) * 3600)
            for p in doomed:
                if p != path:
                    try:
                        os.remove(checkpoint_file(p))
                    except OSError:
                        pass
        return path

    # -- restore -----------------------------------------------------------------------------------
    def restore(self, sess, save_path) -> None:
        """Loads the saved values of this saver's variables into ``sess``.

        ``save_path`` is what :meth:`save` returned (see the class docstring for the
        spellings). Every value is checked against the checksum saved with it.

        Raises:
            ValueError: ``save_path`` is ``None`` or names no checkpoint file.
            NotFoundError: variables missing from the file (all listed).
            InvalidArgumentError: shape/dtype mismatches (all listed), or an unsafe file.
            DataLossError: a damaged or non-HDF5 file, or values that do not match their
                checksums (all named). Variables whose stored value was read straight into
                their memory then hold what the file holds, damaged or not: restore again
                from an intact checkpoint.
        """
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        self._check_session(sess)
        path = find_checkpoint_file(save_path)
        if path is None:
            raise ValueError(f"The passed save_path is not a valid checkpoint: {save_path} "
                             f"(no file {checkpoint_file(save_path)})")
        with CheckpointReader(path) as reader:
            _check_matching(reader, self._var_map)
            # A plain stored value is read straight into the variable's own array (no new
            # memory to fault in); every other value is read into a new array, set only
            # once all values are read and checked.
            targets = {name: sess._variable_buffer(op) for name, op in self._var_map.items()}
            values = reader.read_variables(targets)
        for name, value in values.items():     # fresh arrays, read just now: no copy
            sess._set_variable(self._var_map[name], value, copy=False)

    # -- meta graph --------------------------------------------------------------------------------
    def export_meta_graph(self, filename=None, collection_list=None, as_text=False,
                          export_scope=None, clear_devices=False, clear_extraneous_savers=False,
                          strip_default_attrs=False, save_debug_info=False):
        """Like :func:`export_meta_graph`, recording this saver in the graph."""
        return export_meta_graph(filename, collection_list=collection_list,
                                 graph=self._graph, export_scope=export_scope,
                                 clear_devices=clear_devices, _saver=self)

    def build(self) -> None:
        """Nothing to build (TF1 compatibility)."""


def _check_matching(reader, var_map):
    """Checks that the file has every name of ``var_map``, with matching shapes and dtypes."""
    entries = reader.entries()
    missing, bad = [], []
    for name, op in var_map.items():
        if name not in entries:
            missing.append(name)
            continue
        shape, np_dtype = entries[name]
        want_dt = op.attrs["dtype"]
        want_shape = op.outputs[0].shape
        if want_dt.as_numpy_dtype != np_dtype.type or not want_shape.is_compatible_with(shape):
            bad.append(f"  {name}: the file has {list(shape)} {np_dtype.name}, the variable "
                       f"{op.name} is {want_shape} {want_dt.name} (created at "
                       f"{op.user_line})")
    if missing:
        extra = "\nAlso mismatched:\n" + "\n".join(bad) if bad else ""
        keys = "\n".join(f"  Key {name} not found in checkpoint (the variable was created at "
                         f"{var_map[name].user_line})" for name in missing)
        raise errors.NotFoundError(
            None, None, f"Restoring from checkpoint '{reader.path}' failed: {len(missing)} "
            f"variable(s) not found in it: {', '.join(missing)}. Did the model change since "
            "the save? To restore part of a model, pass var_list to the Saver.\n" + keys +
            extra)
    if bad:
        raise errors.InvalidArgumentError(
            None, None, f"Restoring from checkpoint '{reader.path}' failed: {len(bad)} "
            "variable(s) differ in shape or dtype:\n" + "\n".join(bad))


# --------------------------------------------------------------------------------------------
def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None,
                      collection_list=None, as_text=False, graph=None, export_scope=None,
                      clear_devices=False, clear_extraneous_savers=False,
                      strip_default_attrs=False, save_debug_info=False, _saver=None, **kwargs):
    """Describes the graph (ops, attrs, edges, variables, collections) as data.

    Returns the description (a JSON-ready dict, large constants included as base64 text).
    With ``filename``, also writes it to that file, an HDF5 file holding only the graph (its
    large constants as datasets), which :func:`import_meta_graph` reads.

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> x = tf.placeholder(tf.float32, shape=[2], name="x")
        >>> y = tf.multiply(x, 2.0, name="y")
        >>> filename = os.path.join(tempfile.mkdtemp(), "graph.meta")
        >>> _ = tf.train.export_meta_graph(filename)
        >>> tf.reset_default_graph()
        >>> _ = tf.train.import_meta_graph(filename)
        >>> with tf.Session() as sess:
        ...     print(sess.run("y:0", feed_dict={"x:0": [1.0, 2.0]}))
        [2. 4.]
    """
    if export_scope:
        raise NotImplementedError("export_meta_graph(export_scope=...) is not supported; "
                                  "export the whole graph and import it with import_scope.")
    graph = graph or get_default_graph()
    options = dict(saver_info=_saver._saver_info() if _saver else None,
                   collection_list=collection_list, clear_devices=clear_devices)
    data = graph_json.graph_to_dict(graph, **options)
    if filename is not None:
        store = graph_json.ArrayStore()
        text = graph_json.graph_to_json(graph, store=store, **options)
        write_checkpoint(os.fspath(filename), {}, None, text, store.arrays)
    return data


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """Rebuilds a stored graph into the default graph and returns a :class:`Saver` for its
    variables (``None`` if it has none; under ``import_scope`` the saver uses the names
    without the scope, so it reads the model's own checkpoints), so that
    ``saver.restore(sess, path)`` and ``sess.run("name:0")`` work without the code that built
    the model.

    ``meta_graph_or_file`` is a checkpoint path (``model-3``, ``model-3.h5`` or TF's
    ``model-3.meta``), a file written by :func:`export_meta_graph`, or the dict it returned.

    Raises:
        NotFoundError: no such file, or an op type that is not registered.
        ValueError: the file holds no graph.
        InvalidArgumentError: the graph description is malformed or the file is unsafe.

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> w = tf.Variable([1.0, 2.0], name="w")
        >>> y = tf.reduce_sum(w, name="y")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     path = tf.train.Saver().save(sess, os.path.join(tempfile.mkdtemp(), "model"))
        >>> tf.reset_default_graph()
        >>> saver = tf.train.import_meta_graph(path)
        >>> with tf.Session() as sess:
        ...     saver.restore(sess, path)
        ...     print(sess.run("y:0"))
        3.0
    """
    graph = get_default_graph()
    arrays = None
    if isinstance(meta_graph_or_file, dict):
        data, source = meta_graph_or_file, "<dict>"
    else:
        source = os.fspath(meta_graph_or_file)
        path = find_checkpoint_file(source, exact_file=True)
        if path is None:
            raise errors.NotFoundError(None, None, f"No checkpoint or meta graph file at "
                                       f"'{source}'.")
        with CheckpointReader(path) as reader:
            stored = graph_json.read_graph(reader)
        if stored is None:
            raise ValueError(f"'{path}' holds no graph: it was saved with "
                             "write_meta_graph=False.")
        (data, arrays), source = stored, path
    ops, variables, saver_info = graph_json.dict_to_graph(
        data, graph, import_scope=import_scope, clear_devices=clear_devices, source=source,
        arrays=arrays)
    if saver_info is not None:
        var_list, listed = {}, saver_info.get("var_list")
        if not isinstance(listed, dict):
            raise errors.InvalidArgumentError(None, None, f"'{source}': bad saver description")
        for file_name, op_name in listed.items():
            if op_name not in ops or ops[op_name].type != "VariableV2":
                raise errors.InvalidArgumentError(None, None, f"'{source}': the saver names "
                                                  f"variable {op_name!r}, not in the graph")
            var_list[file_name] = variables.get(op_name, ops[op_name].outputs[0])
        keep = saver_info.get("max_to_keep", 5)
        hours = saver_info.get("keep_checkpoint_every_n_hours", 10000.0)
        return Saver(var_list, allow_empty=True,
                     max_to_keep=keep if isinstance(keep, int) else 5,
                     keep_checkpoint_every_n_hours=float(hours)
                     if isinstance(hours, (int, float)) else 10000.0,
                     pad_step_number=bool(saver_info.get("pad_step_number", False)))
    if import_scope:        # the file's names, without the scope, as in the checkpoint
        scope = import_scope.rstrip("/") + "/"
        mine = {v.op.name[len(scope):]: v for v in global_variables()
                if v.op.name.startswith(scope)}
        return Saver(mine) if mine else None
    if global_variables():
        return Saver()
    return None
