"""``flowkit diff A B``: how two checkpoints differ, variable by variable.

For each variable name: ``added`` (only in B), ``removed`` (only in A), ``shape`` or
``dtype`` (changed), ``changed`` (same shape and dtype, different values: with the L2 norm
of B - A, that norm relative to A's, and the largest absolute difference) or ``same``
(shown with ``--all``). The exit status is 0 when the variables are identical (within
``--tolerance``), 1 when they differ, 2 on an error, like ``diff(1)``. Both files are checked
before anything is read (see :mod:`flowkit.checkpoint.h5format`), and every dataset of both
against its checksum: a damaged file is an error naming it and the damaged variable.

Example:
    >>> import os, tempfile
    >>> import flowkit as tf
    >>> from flowkit import cli
    >>> W = tf.Variable([3.0, 4.0], name="W")
    >>> b = tf.Variable([0.0], name="b")
    >>> folder = tempfile.mkdtemp()
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     a = tf.train.Saver([W]).save(sess, os.path.join(folder, "a"))
    ...     W.load([0.0, 0.0], sess)
    ...     b_path = tf.train.Saver().save(sess, os.path.join(folder, "b"))
    >>> cli.main(["diff", a, b_path])
      changed  W  |B-A| = 5 (relative 1), max |B-A| = 4
      added    b  [1] float32
    1 added, 0 removed, 0 reshaped/retyped, 1 changed, 0 same
    1
"""
from __future__ import annotations

import sys

import numpy as np


def add_arguments(parser) -> None:
    parser.add_argument("a", help="the first checkpoint (.h5 file, prefix, or folder)")
    parser.add_argument("b", help="the second checkpoint")
    parser.add_argument("--all", action="store_true", help="also list identical variables")
    parser.add_argument("--tolerance", type=float, default=0.0,
                        help="treat variables whose max |B-A| is at most this as the same")


def _shape(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def compare(reader_a, reader_b, tolerance: float = 0.0) -> list:
    """``[(status, name, detail)]`` for every variable of either checkpoint, sorted by name."""
    ea, eb = reader_a.entries(), reader_b.entries()
    out = []
    for name in sorted(set(ea) | set(eb)):
        if name not in ea:
            shape, dt = eb[name]
            out.append(("added", name, f"{_shape(shape)} {dt.name}"))
            continue
        if name not in eb:
            shape, dt = ea[name]
            out.append(("removed", name, f"{_shape(shape)} {dt.name}"))
            continue
        (sa, da), (sb, db) = ea[name], eb[name]
        if sa != sb:
            out.append(("shape", name, f"{_shape(sa)} -> {_shape(sb)}"))
            continue
        if da != db:
            out.append(("dtype", name, f"{da.name} -> {db.name}"))
            continue
        va = reader_a.get_tensor(name).astype(np.float64)
        vb = reader_b.get_tensor(name).astype(np.float64)
        delta = vb - va
        with np.errstate(invalid="ignore"):
            biggest = float(np.abs(delta).max()) if delta.size else 0.0
        same_nan = np.array_equal(np.isnan(va), np.isnan(vb)) and \
            np.array_equal(va[~np.isnan(va)], vb[~np.isnan(vb)])
        if same_nan or biggest <= tolerance:
            out.append(("same", name, f"{_shape(sa)} {da.name}"))
            continue
        norm = float(np.linalg.norm(delta.ravel()))
        base = float(np.linalg.norm(va.ravel()))
        rel = f"{norm / base:.4g}" if base else "inf"
        out.append(("changed", name, f"|B-A| = {norm:.4g} (relative {rel}), "
                                     f"max |B-A| = {biggest:.4g}"))
    return out


def run(args) -> int:
    from flowkit.framework import errors
    from flowkit.train.checkpoint_utils import load_checkpoint
    try:
        with load_checkpoint(args.a) as ra, load_checkpoint(args.b) as rb:
            ra.verify()
            rb.verify()
            rows = compare(ra, rb, args.tolerance)
    except (errors.OpError, ValueError, OSError) as e:
        print(f"flowkit diff: error: {e}", file=sys.stderr)
        return 2
    shown = [r for r in rows if args.all or r[0] != "same"]
    if shown:
        width = max(len(r[1]) for r in shown)
        for status, name, detail in shown:
            print(f"  {status:<8} {name:<{width}}  {detail}")
    count = {k: sum(r[0] == k for r in rows) for k in ("added", "removed", "shape", "dtype",
                                                       "changed", "same")}
    print(f"{count['added']} added, {count['removed']} removed, "
          f"{count['shape'] + count['dtype']} reshaped/retyped, {count['changed']} changed, "
          f"{count['same']} same")
    return 0 if count["same"] == len(rows) else 1
