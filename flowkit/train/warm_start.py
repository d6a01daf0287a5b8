"""Starting a model from a checkpoint's values: ``tf.train.init_from_checkpoint`` and
``tf.train.warm_start``.

Both replace the *initializers* of the chosen variables (so ``tf.global_variables_initializer()``
made afterwards loads the checkpoint's values instead of the initial values); nothing is read
into a session. Difference from TF1: the values are read from the file when this function runs
(TF reads them when the initializer runs), so the graph holds them as constants.
"""
from __future__ import annotations

import collections
import re

import numpy as np

from flowkit.framework.graph import GraphKeys, get_default_graph
from flowkit.ops import state_ops
from flowkit.ops.core import constant
from flowkit.train.checkpoint_utils import load_checkpoint
from flowkit.variable_scope import _store
from flowkit.variables import Variable

__all__ = ["init_from_checkpoint", "warm_start", "VocabInfo"]


class VocabInfo(collections.namedtuple("VocabInfo", [
        "new_vocab", "new_vocab_size", "num_oov_buckets", "old_vocab", "old_vocab_size",
        "backup_initializer", "axis"])):
    """TF1's ``tf.train.VocabInfo``: how the rows of an embedding map from an old vocabulary
    file to a new one, for ``warm_start(var_name_to_vocab_info=...)``. flowkit keeps the
    record (so programs that build one run) but does not remap vocabularies: ``warm_start``
    raises ``NotImplementedError`` when it is given one.

    Example:
        >>> import flowkit as tf
        >>> info = tf.train.VocabInfo("new.txt", 100, 1, "old.txt")
        >>> info.old_vocab_size, info.axis
        (-1, 0)
    """

    def __new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab, old_vocab_size=-1,
                backup_initializer=None, axis=0):
        if axis not in (0, 1):
            raise ValueError(f"The only supported values for the axis argument are 0 and 1. "
                             f"Provided axis: {axis}")
        return super().__new__(cls, new_vocab, new_vocab_size, num_oov_buckets, old_vocab,
                               old_vocab_size, backup_initializer, axis)


def _set_initializer(var, reader, name_in_ckpt) -> None:
    value = np.asarray(reader.get_tensor(name_in_ckpt))
    if not var.shape.is_compatible_with(value.shape):
        raise ValueError(f"Shape of variable {var.name} ({var.shape}) doesn't match with shape "
                         f"of tensor {name_in_ckpt} ({list(value.shape)}) from checkpoint "
                         "reader.")
    graph = var.graph
    with graph.as_default(), graph.control_dependencies(None), \
            graph.name_scope(var.op.name + "/"):
        init = constant(value.astype(var.dtype.as_numpy_dtype, copy=False),
                        name="checkpoint_initializer")
        var._initializer_op = state_ops.assign(var._variable, init,
                                               name="Assign_from_checkpoint").op
        var._initial_value = init
        var._safe_initial_value = init


def _store_vars() -> dict:
    return dict(_store().vars)


def init_from_checkpoint(ckpt_dir_or_file, assignment_map) -> None:
    """TF1's ``tf.train.init_from_checkpoint``: the variables named by ``assignment_map``
    start from the checkpoint's values. Its entries (checkpoint name -> current variable):

    * ``'old_scope/var': 'new_scope/var'`` (or the variable itself): one variable;
    * ``'old_scope/': 'new_scope/'``: every variable made with ``tf.get_variable`` under
      ``new_scope``, from the same names under ``old_scope`` in the checkpoint;
    * ``'/': 'new_scope/'``: the same, from the checkpoint's top level.

    Raises ``ValueError`` for a name missing from the checkpoint or a shape mismatch.

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> with tf.Graph().as_default():
        ...     with tf.variable_scope("pretrained"):
        ...         w = tf.get_variable("w", initializer=[1.0, 2.0])
        ...     with tf.Session() as sess:
        ...         sess.run(w.initializer)
        ...         path = tf.train.Saver().save(sess, os.path.join(tempfile.mkdtemp(), "m"))
        >>> with tf.variable_scope("model"):
        ...     w = tf.get_variable("w", shape=[2])
        >>> tf.train.init_from_checkpoint(path, {"pretrained/": "model/"})
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(w))
        [1. 2.]
    """
    with load_checkpoint(ckpt_dir_or_file) as reader:
        variable_map = reader.get_variable_to_shape_map()
        items = assignment_map.items() if hasattr(assignment_map, "items") else assignment_map
        store_vars = _store_vars()
        for name_in_ckpt, current in sorted(items, key=lambda x: x[0]):
            var = current if isinstance(current, Variable) else store_vars.get(current)
            if var is not None:
                if name_in_ckpt not in variable_map:
                    raise ValueError(f"Tensor {name_in_ckpt} is not found in "
                                     f"{ckpt_dir_or_file} checkpoint "
                                     f"{sorted(variable_map)}")
                _set_initializer(var, reader, name_in_ckpt)
                continue
            scopes = current[:current.rindex("/")] if "/" in current else ""
            if not name_in_ckpt.endswith("/"):
                raise ValueError(f"Assignment map with scope only name {scopes} should map to "
                                 f"scope only {name_in_ckpt}. Should be 'scope/': "
                                 "'other_scope/'. (Or no variable made with "
                                 f"tf.get_variable is named '{current}'.)")
            for var_name in sorted(n for n in store_vars
                                   if not scopes or n.startswith(scopes + "/")):
                full = var_name[len(scopes):]
                if current != "/":
                    full = full[1:]
                if name_in_ckpt != "/":
                    full = name_in_ckpt + full
                full = full.rstrip("/")
                if full not in variable_map:
                    raise ValueError(f"Tensor {full} ({var_name[len(scopes) + 1:]} in "
                                     f"{name_in_ckpt}) is not found in {ckpt_dir_or_file} "
                                     "checkpoint")
                _set_initializer(store_vars[var_name], reader, full)


def warm_start(ckpt_to_initialize_from, vars_to_warm_start=".*",
               var_name_to_vocab_info=None, var_name_to_prev_var_name=None) -> None:
    """TF1's ``tf.train.warm_start``: the trainable variables whose names match the regular
    expression ``vars_to_warm_start`` (or the global variables matching any expression of a
    list, or the variables of a list)
    start from the checkpoint's variables of the same names (or of the names
    ``var_name_to_prev_var_name`` gives). Vocabulary remapping is not supported.

    Example:
        >>> import flowkit as tf, tempfile, os
        >>> with tf.Graph().as_default():
        ...     old = tf.Variable([3.0, 4.0], name="old_w")
        ...     with tf.Session() as sess:
        ...         sess.run(old.initializer)
        ...         path = tf.train.Saver().save(sess, os.path.join(tempfile.mkdtemp(), "m"))
        >>> w = tf.Variable([0.0, 0.0], name="w")
        >>> tf.train.warm_start(path, var_name_to_prev_var_name={"w": "old_w"})
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(w))
        [3. 4.]
    """
    if var_name_to_vocab_info:
        raise NotImplementedError("warm_start: var_name_to_vocab_info (vocabulary remapping) "
                                  "is not supported by flowkit.")
    renames = dict(var_name_to_prev_var_name or {})
    graph = get_default_graph()
    if vars_to_warm_start is None:
        return
    if isinstance(vars_to_warm_start, str):
        pattern = re.compile(vars_to_warm_start)
        chosen = [v for v in graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
                  if pattern.match(v.op.name)]
    else:
        by_name = {v.op.name: v for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES)}
        chosen = []
        for item in vars_to_warm_start:
            if isinstance(item, Variable):
                chosen.append(item)
            else:
                pattern = re.compile(item)
                chosen.extend(v for n, v in by_name.items() if pattern.match(n))
    with load_checkpoint(ckpt_to_initialize_from) as reader:
        variable_map = reader.get_variable_to_shape_map()
        missing = set(renames) - {v.op.name for v in chosen}
        if missing:
            raise ValueError(f"You provided the following variables in "
                             f"var_name_to_prev_var_name that were not used: {sorted(missing)}."
                             " Perhaps you misspelled them?")
        for v in dict.fromkeys(chosen):
            prev = renames.get(v.op.name, v.op.name)
            if prev not in variable_map:
                raise ValueError(f"warm_start: variable {v.op.name} (as {prev}) is not in the "
                                 f"checkpoint {ckpt_to_initialize_from}.")
            _set_initializer(v, reader, prev)
