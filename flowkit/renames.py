"""TF1's renamed and removed names, and suggestions for misspelled ones.

Tutorials written before TensorFlow 1.0 use ``tf.mul``, ``tf.pack``, ``tf.concat(1, [a, b])``
... A learner who copies them gets, as from TF, an ``AttributeError`` (or the ``ValueError``
TF gives for the old ``concat`` order), but with the new name and the corrected call. Any other
unknown attribute of ``tf``, ``tf.nn`` or ``tf.train`` gets the closest public names.

Example:
    >>> import flowkit as tf
    >>> try:
    ...     tf.mul
    ... except AttributeError as e:
    ...     print(str(e).split(".")[0])
    module 'flowkit' has no attribute 'mul': tf
"""
from __future__ import annotations

import difflib
import functools

from flowkit.ops import join_ops

#: ``old name -> (new name, corrected call)`` per namespace (``""`` is ``tf`` itself).
RENAMED = {
    "": {
        "mul": ("tf.multiply", "tf.multiply(x, y)"),
        "sub": ("tf.subtract", "tf.subtract(x, y)"),
        "neg": ("tf.negative", "tf.negative(x)"),
        "select": ("tf.where", "tf.where(condition, x, y)"),
        "pack": ("tf.stack", "tf.stack([a, b], axis=0)"),
        "unpack": ("tf.unstack", "tf.unstack(x, axis=0)"),
        "batch_matmul": ("tf.matmul", "tf.matmul(a, b) (it multiplies batches of matrices)"),
        "complex_abs": ("tf.abs", "tf.abs(x)"),
        "listdiff": ("tf.setdiff1d", "tf.setdiff1d(x, y)"),
        "histogram_summary": ("tf.summary.histogram", "tf.summary.histogram('name', values)"),
        "scalar_summary": ("tf.summary.scalar", "tf.summary.scalar('name', value)"),
        "image_summary": ("tf.summary.image", "tf.summary.image('name', images)"),
        "audio_summary": ("tf.summary.audio", "tf.summary.audio('name', audio, rate)"),
        "merge_summary": ("tf.summary.merge", "tf.summary.merge([summaries])"),
        "merge_all_summaries": ("tf.summary.merge_all", "tf.summary.merge_all()"),
    },
    "nn": {
        "deconv2d": ("tf.nn.conv2d_transpose",
                     "tf.nn.conv2d_transpose(value, filter, output_shape, strides)"),
    },
    "train": {
        "SummaryWriter": ("tf.summary.FileWriter", "tf.summary.FileWriter(logdir, graph)"),
    },
}


#: ``flowkit.compat.scope.explain``, set by ``flowkit/__init__.py``: the layers keep this module
#: below ``flowkit.compat``, so the out-of-scope rules reach it this way.
explain_out_of_scope = None


def missing_attribute(module_name: str, namespace: str, name: str, names) -> AttributeError:
    """The ``AttributeError`` for ``<module>.<name>``: the rename it is, why it is out of scope
    (and what to use instead), or close names among ``names`` (private names are never
    suggested)."""
    base = f"module '{module_name}' has no attribute '{name}'"
    renamed = RENAMED.get(namespace, {}).get(name)
    if renamed is not None:
        new, call = renamed
        prefix = "tf." + (namespace + "." if namespace else "")
        return AttributeError(f"{base}: {prefix}{name} was renamed to {new} in TensorFlow 1.0. "
                              f"Write {call}.")
    if name.startswith("__"):
        return AttributeError(base)
    if explain_out_of_scope is not None:
        why = explain_out_of_scope((namespace + "." if namespace else "") + name)
        if why is not None:
            return AttributeError(f"{base}. {why}")
    public = list(dict.fromkeys(n for n in names if not n.startswith("_") and
                                n != "annotations"))
    close = difflib.get_close_matches(name, public, n=3, cutoff=0.7)
    if not close:
        lowered = {n.lower(): n for n in public}
        close = [lowered[n] for n in difflib.get_close_matches(name.lower(), list(lowered),
                                                                n=3, cutoff=0.7)]
    if close:
        prefix = "tf." + (namespace + "." if namespace else "")
        return AttributeError(f"{base}. Did you mean: "
                              f"{', '.join(prefix + c for c in close)}?")
    return AttributeError(base)


@functools.wraps(join_ops.concat)
def concat(values, axis, name="concat"):
    if isinstance(values, int) and isinstance(axis, (list, tuple)):
        raise ValueError(f"Shape must have rank 0: tf.concat({values}, [...]) is the argument "
                         "order of TensorFlow before 1.0; since 1.0 it is "
                         f"tf.concat(values, axis): write tf.concat([...], {values}).")
    return join_ops.concat(values, axis, name=name)
