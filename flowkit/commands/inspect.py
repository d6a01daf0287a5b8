"""``flowkit inspect CHECKPOINT``: what a checkpoint file holds.

Prints the file's format, the flowkit version that wrote it and its global step; each
variable's shape, dtype, size and simple statistics (min, max, mean, std); the scope tree
with parameter counts; and whether a graph is stored inside (with how many of its large
constants are datasets of their own, and how many refer to a variable's dataset because
they hold the same bytes). ``CHECKPOINT`` is a ``.h5``
file, a checkpoint prefix (``ckpt/model-3``) or a folder (its latest checkpoint). The file
is checked before anything is read (see :mod:`flowkit.checkpoint.h5format`), then every
dataset is read and checked against its checksum (a damaged one is an error, exit status 2);
a file written before flowkit stored checksums says it carries none.

Example:
    >>> import os, tempfile
    >>> import flowkit as tf
    >>> from flowkit import cli
    >>> W = tf.Variable([[1.0, -1.0]], name="dense/W")
    >>> folder = tempfile.mkdtemp()
    >>> with tf.Session() as sess:
    ...     sess.run(W.initializer)
    ...     path = tf.train.Saver().save(sess, os.path.join(folder, "m"), global_step=3)
    >>> cli.main(["inspect", "--no-tree", path])  # doctest: +ELLIPSIS
    checkpoint .../m-3.h5 (... bytes)
      format 1, written by flowkit 0.1.0, global step 3
      checksums: xxh3_64, 2 datasets verified
      graph: stored (... ops, 1 variables)
      1 variable, 8 bytes
        model parameters: 2 values in 1 variable
    <BLANKLINE>
      name     shape  dtype    size  min  max  mean  std
      dense/W  [1,2]  float32  2     -1   1    0     1
    0
"""
from __future__ import annotations

import json
import sys

import numpy as np


def add_arguments(parser) -> None:
    parser.add_argument("checkpoint", help="a .h5 checkpoint, a checkpoint prefix, or a folder")
    parser.add_argument("--no-stats", action="store_true", help="skip min/max/mean/std")
    parser.add_argument("--no-tree", action="store_true", help="skip the scope tree")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead")


def _num(x) -> str:
    return "-" if x is None else f"{x:.4g}"


def stats(arr: np.ndarray) -> dict:
    """min, max, mean and std of ``arr`` as Python floats (``None`` for an empty array)."""
    if arr.size == 0:
        return {"min": None, "max": None, "mean": None, "std": None}
    a = arr.astype(np.float64)
    return {"min": float(a.min()), "max": float(a.max()), "mean": float(a.mean()),
            "std": float(a.std())}


def _shape(shape) -> str:
    return "[" + ",".join(str(d) for d in shape) + "]"


def _table(rows) -> list:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]


def scope_tree(sizes: dict) -> list:
    """Lines drawing the scopes of ``{name: number of elements}`` with totals per scope."""
    root = {}
    for name, n in sizes.items():
        node = root
        for part in name.split("/")[:-1]:
            node = node.setdefault(part + "/", {})
        node[name.split("/")[-1]] = n

    def total(node):
        return node if isinstance(node, int) else sum(total(v) for v in node.values())

    lines = [f"(all) {total(root):,}"]

    def walk(node, indent):      # depth is the number of '/' in a name: recursion is fine
        items = sorted(node.items())
        for i, (key, child) in enumerate(items):
            last = i == len(items) - 1
            lines.append(f"{indent}{'└─ ' if last else '├─ '}{key} {total(child):,}")
            if isinstance(child, dict):
                walk(child, indent + ("   " if last else "│  "))
    walk(root, "")
    return lines


#: The slot names of the standard optimizers (``W/Adam``, ``W/Adam_1``, ``W/Momentum``...) and
#: their non-slot accumulators (Adam's ``beta1_power``).
_SLOT_SUFFIXES = ("Adam", "Adam_1", "Momentum", "RMSProp", "RMSProp_1", "Adagrad", "Adadelta",
                  "Adadelta_1", "Ftrl", "Ftrl_1")
_OPTIMIZER_STATE = ("beta1_power", "beta2_power")


def role(name: str, trainable=None) -> str:
    """What a saved variable is to a learner: ``"model"`` (a parameter of the model),
    ``"optimizer"`` (an optimizer's slot or accumulator, such as Adam's moments) or
    ``"state"`` (``global_step``, moving averages and other non-trainable variables).

    ``trainable`` is the variable's flag from the stored graph when there is one; without a
    graph the name decides (the standard optimizers' slot names).

    Example:
        >>> role("dense/W"), role("dense/W/Adam_1"), role("beta1_power"), role("global_step")
        ('model', 'optimizer', 'optimizer', 'state')
    """
    last = name.rsplit("/", 1)[-1]
    if "/" in name and last in _SLOT_SUFFIXES or last in _OPTIMIZER_STATE:
        return "optimizer"
    if trainable is not None:
        return "model" if trainable else "state"
    return "state" if last == "global_step" else "model"


def describe(path: str, with_stats: bool = True) -> dict:
    """Everything ``inspect`` shows, as a JSON-ready dict."""
    import os

    from flowkit.checkpoint.graph_json import dataset_refs
    from flowkit.checkpoint.h5format import CONSTANTS_GROUP
    from flowkit.train.checkpoint_utils import load_checkpoint
    with load_checkpoint(path) as reader:
        verified = reader.verify()
        variables = []
        for name, (shape, dtype) in reader.entries().items():
            entry = {"name": name, "shape": list(shape), "dtype": dtype.name,
                     "size": int(np.prod(shape, dtype=np.int64)),
                     "bytes": int(np.prod(shape, dtype=np.int64)) * dtype.itemsize}
            if with_stats:
                entry.update(stats(reader.get_tensor(name)))
            variables.append(entry)
        graph = None
        trainable = {}
        text = reader.graph_json()
        if text is not None:
            try:
                data = json.loads(text)
                trainable = {str(v.get("name", "")).rpartition(":")[0] or v.get("name"):
                             bool(v.get("trainable", True))
                             for v in data.get("variables", []) if isinstance(v, dict)}
                refs = [r.get("path") for _, r in dataset_refs(data)]
                own = sum(isinstance(p, str) and p.startswith(CONSTANTS_GROUP + "/")
                          for p in refs)
                graph = {"ops": len(data.get("ops", [])),
                         "variables": len(data.get("variables", [])),
                         "collections": sorted(data.get("collections", {})),
                         "constant_datasets": own, "constants_shared": len(refs) - own}
            except (ValueError, AttributeError, TypeError, RecursionError):
                graph = {"error": "the stored graph is not valid JSON"}
        for v in variables:
            v["role"] = role(v["name"], trainable.get(v["name"]))
        return {"path": reader.path, "file_bytes": os.path.getsize(reader.path),
                "format_version": reader.format_version,
                "flowkit_version": reader.flowkit_version,
                "global_step": reader.global_step, "graph": graph, "variables": variables,
                "checksums": {"kind": "xxh3_64" if reader.has_checksums else None,
                              "verified": verified}}


def _count(items, word) -> str:
    return f"{len(items)} {word}{'s' if len(items) != 1 else ''}"


def run(args) -> int:
    from flowkit.framework import errors
    try:
        info = describe(args.checkpoint, with_stats=not args.no_stats)
    except (errors.OpError, ValueError, OSError) as e:
        print(f"flowkit inspect: error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(info, indent=1))
        return 0
    print(f"checkpoint {info['path']} ({info['file_bytes']:,} bytes)")
    step = info["global_step"]
    print(f"  format {info['format_version'] or '?'}, written by flowkit "
          f"{info['flowkit_version'] or '?'}, "
          + ("no global step" if step is None else f"global step {step}"))
    sums = info["checksums"]
    if sums["kind"] is None:
        print("  checksums: none (written before flowkit stored them: damage goes unnoticed)")
    else:
        print(f"  checksums: {sums['kind']}, {sums['verified']} datasets verified")
    g = info["graph"]
    if g is None:
        print("  graph: none (saved with write_meta_graph=False)")
    elif "error" in g:
        print(f"  graph: {g['error']}")
    else:
        print(f"  graph: stored ({g['ops']} ops, {g['variables']} variables)")
        if g["constant_datasets"] or g["constants_shared"]:
            print(f"  large constants: {g['constant_datasets']} stored as datasets, "
                  f"{g['constants_shared']} the same bytes as a variable (stored once)")
    vs = info["variables"]
    print(f"  {_count(vs, 'variable')}, {sum(v['bytes'] for v in vs):,} bytes")
    for kind, what in (("model", "model parameters"), ("optimizer", "optimizer slots"),
                       ("state", "other state (global step, moving averages...)")):
        part = [v for v in vs if v["role"] == kind]
        if part:
            print(f"    {what}: {sum(v['size'] for v in part):,} values in "
                  f"{_count(part, 'variable')}")
    if not vs:
        return 0
    print()
    head = ["name", "shape", "dtype", "size"]
    if not args.no_stats:
        head += ["min", "max", "mean", "std"]
    rows = [head]
    for v in vs:
        row = [v["name"], _shape(v["shape"]), v["dtype"], f"{v['size']:,}"]
        if not args.no_stats:
            row += [_num(v[k]) for k in ("min", "max", "mean", "std")]
        rows.append(row)
    for line in _table(rows):
        print(line)
    if not args.no_tree:
        print()
        for line in scope_tree({v["name"]: v["size"] for v in vs}):
            print("  " + line)
    return 0
