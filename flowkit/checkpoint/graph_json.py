"""The graph as data: a JSON description of ops, attributes, edges, variables and collections.

Exporting walks the graph and writes, for each op in creation order, its name, type, input
tensor names, control inputs, device, output dtypes/shapes and attributes. Importing rebuilds
the ops with ``graph.create_op`` from *registered op types only*: nothing in the file is
executed or imported, and an unknown op type is an error that names it.

Attributes are encoded generically, so new op types need no change here. JSON's own values
(``None``, bools, ints, finite floats, strings, lists) stand for themselves; everything else
is an object tagged by ``"$"``::

    {"$": "tuple", "v": [...]}            {"$": "dtype", "v": "float32"}
    {"$": "shape", "v": [2, null]}        {"$": "array", "dtype": "float32", "shape": [2],
    {"$": "float", "v": "inf"}             "data": "<base64 of little-endian bytes>"}
    {"$": "scalar", "v": <array>}         {"$": "bytes", "v": "<base64>"}
    {"$": "dict", "v": [[key, value]]}    {"$": "op", "v": "<op name>"}
    {"$": "slice", "v": [start, stop, step]}   {"$": "ellipsis"}

Inside a checkpoint file, a numeric array of at least :data:`DATASET_MIN_BYTES` bytes is not
text at all: it is an HDF5 dataset of the same file, and the JSON holds a reference to it
(graph format version 2)::

    {"$": "dataset", "path": "_flowkit/constants/v|initial_value:value",
     "dtype": "float32", "shape": [1000000]}

The path names a dataset in the file's reserved ``_flowkit/constants`` group, or the dataset
of a variable saved in the same file whose value is bitwise the same (a variable saved right
after initialization, a frozen embedding): the bytes are stored once. See :class:`ArrayStore`
for writing and :func:`read_graph` for reading (every reference is checked against the file
before the graph is built).

Operation references (the ``var``/``var_ops`` attrs of ``IsVariableInitialized`` and
``ReportUninitializedVariables``) are stored by name. Tensors, functions or other objects in
attrs are an error at export, naming the op and the attr.

Example:
    >>> import flowkit as tf
    >>> g = tf.Graph()
    >>> with g.as_default():
    ...     x = tf.placeholder(tf.float32, [None, 2], name="x")
    ...     y = tf.reduce_sum(x * 2.0, name="y")
    >>> data = graph_to_dict(g)
    >>> [op["name"] for op in data["ops"]]
    ['x', 'mul/y', 'mul', 'y']
    >>> g2 = tf.Graph()
    >>> _ = dict_to_graph(data, g2)
    >>> with tf.Session(graph=g2) as sess:
    ...     print(sess.run("y:0", {"x:0": [[1.0, 2.0]]}))
    6.0
"""
from __future__ import annotations

import base64
import json
import math
import os
import re
import warnings

import numpy as np

from flowkit.checkpoint.h5format import (CONSTANTS_GROUP, CheckpointReader, check_dataset_ref,
                                         storable)
from flowkit import plugins
from flowkit.checkpoint.index import find_checkpoint_file, latest_checkpoint
from flowkit.framework import dtypes, errors
from flowkit.framework.graph import Graph, Operation, Tensor
from flowkit.framework.registry import get_op_def, has_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.version import __version__

GRAPH_FORMAT = "flowkit-graph"
#: Version 2 added ``{"$": "dataset"}`` references; a graph without them is written as 1, so
#: that older flowkit versions still read it.
GRAPH_VERSION = 2
_VALID_NAME = re.compile(r"^[A-Za-z0-9.][A-Za-z0-9_.\-/>]*$")
_NUMERIC = {d.name: d for d in dtypes.ALL if d is not dtypes.string}


class GraphFormatError(ValueError):
    """The graph description is malformed (raised while decoding; turned into an
    ``InvalidArgumentError`` naming the source by :func:`dict_to_graph`)."""


# --------------------------------------------------------------------------------------------
# Attribute values <-> JSON
# --------------------------------------------------------------------------------------------
def encode_value(v, where: str = "attr", store=None, key: str = "attr"):
    """Turns an attribute value into JSON data (see the module docstring). With ``store`` (an
    :class:`ArrayStore`), large numeric arrays become references to datasets, named after
    ``key``."""
    if v is None or isinstance(v, (bool, str)):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return v if math.isfinite(v) else {"$": "float", "v": repr(v)}
    if isinstance(v, dtypes.DType):
        return {"$": "dtype", "v": v.name}
    if isinstance(v, TensorShape):
        return {"$": "shape", "v": None if v.ndims is None else list(v.as_tuple())}
    if isinstance(v, np.ndarray):
        ref = store.add(v, key) if store is not None else None
        return ref if ref is not None else _encode_array(v, where)
    if isinstance(v, np.generic):
        return {"$": "scalar", "v": _encode_array(np.asarray(v), where)}
    if isinstance(v, tuple):
        return {"$": "tuple", "v": [encode_value(x, where, store, key) for x in v]}
    if isinstance(v, list):
        return [encode_value(x, where, store, key) for x in v]
    if isinstance(v, dict):
        return {"$": "dict", "v": [[encode_value(k, where), encode_value(x, where, store, key)]
                                   for k, x in v.items()]}
    if isinstance(v, bytes):
        return {"$": "bytes", "v": base64.b64encode(v).decode("ascii")}
    if isinstance(v, Operation):
        return {"$": "op", "v": v.name}
    if isinstance(v, slice):
        return {"$": "slice", "v": [encode_value(x, where) for x in (v.start, v.stop, v.step)]}
    if v is Ellipsis:
        return {"$": "ellipsis"}
    raise TypeError(f"{where}: cannot store a value of type {type(v).__name__} ({v!r:.60}) in "
                    "a graph file. Attrs must be plain values: numbers, strings, bools, None, "
                    "tuples/lists, DType, TensorShape or NumPy arrays.")


def _encode_array(a: np.ndarray, where):
    if a.dtype.kind in "OUS":
        items = [x if isinstance(x, str) else encode_value(bytes(x), where)
                 for x in a.reshape(-1).tolist()]
        return {"$": "array", "dtype": "string", "shape": list(a.shape), "data": items}
    dt = dtypes.as_dtype(a.dtype)
    raw = np.ascontiguousarray(a, dtype=np.dtype(dt.as_numpy_dtype).newbyteorder("<"))
    return {"$": "array", "dtype": dt.name, "shape": list(a.shape),
            "data": base64.b64encode(raw.tobytes()).decode("ascii")}


# --------------------------------------------------------------------------------------------
# Large arrays as datasets of the checkpoint file
# --------------------------------------------------------------------------------------------
#: Arrays from this size on are stored as datasets. An HDF5 dataset costs about 430 bytes
#: besides its data (object header, link); base64 text costs a third of the bytes: they break
#: even near 1.3 KB. Below 1 KiB, small constants (scalars, shapes, short vectors) also stay
#: readable in the JSON.
DATASET_MIN_BYTES = 1024
#: How many evenly spaced elements are compared before two large arrays are compared whole.
_SAMPLE = 64


def _bits(a: np.ndarray) -> np.ndarray:
    """``a`` (C-contiguous) as a flat array of unsigned integers of the same item size: equal
    bits compare equal (NaN with NaN), different bits differ (-0.0 and 0.0)."""
    return a.reshape(-1).view(np.dtype(f"u{a.dtype.itemsize}"))


def _sample_key(a: np.ndarray):
    """What two arrays must share to be compared whole: dtype, shape, and the bits of at most
    ``_SAMPLE`` elements spread evenly over the array."""
    bits = _bits(a)
    return a.dtype.str, a.shape, bits[::-(-bits.size // _SAMPLE)].tobytes()


class ArrayStore:
    """Collects the large arrays of a graph being written into a checkpoint file.

    ``reuse`` maps the dataset paths of the values saved in the same file (the variables) to
    their arrays. :meth:`add` returns the reference that replaces an array in the JSON: to one
    of those datasets when the array is bitwise identical to it (same dtype, shape and bytes),
    else to a new dataset under ``_flowkit/constants``, collected in :attr:`arrays`
    (``{name in that group: array}``) for the writer. Arrays that differ are told apart by a
    small sample first; only when the samples match are the whole arrays compared.
    """

    def __init__(self, reuse=None):
        self._group = CONSTANTS_GROUP
        self._storable = storable
        self.arrays = {}
        self.count = 0                  # references made
        self.reused = 0                 # of which to arrays already stored
        self._by_sample = {}            # sample key -> [(path, array)]
        for path, arr in (reuse or {}).items():
            arr = np.asarray(arr)
            if self._eligible(arr):
                self._by_sample.setdefault(_sample_key(arr), []).append((path, arr))

    def _eligible(self, a) -> bool:
        return (type(a) is np.ndarray and a.nbytes >= DATASET_MIN_BYTES
                and a.flags.c_contiguous and a.dtype.isnative and self._storable(a.dtype))

    def add(self, a: np.ndarray, key: str):
        """The reference for array ``a`` (the value of attr ``key``), or ``None`` when it
        stays in the JSON (small, or a dtype HDF5 would not store as a plain number)."""
        if not self._eligible(a):
            return None
        self.count += 1
        sample = _sample_key(a)
        path = None
        for other_path, other in self._by_sample.get(sample, ()):
            if other is a or np.array_equal(_bits(other), _bits(a)):
                path = other_path
                self.reused += 1
                break
        if path is None:
            name = key.replace("/", "|")     # HDF5 names cannot hold '/'
            if name in self.arrays:          # a second array in one attr, or a clash
                name += f"#{len(self.arrays)}"
            self.arrays[name] = a
            path = f"{self._group}/{name}"
            self._by_sample.setdefault(sample, []).append((path, a))
        return {"$": "dataset", "path": path, "dtype": dtypes.as_dtype(a.dtype).name,
                "shape": list(a.shape)}


def decode_value(v, ops=None, arrays=None):
    """Inverse of :func:`encode_value`; ``ops`` maps stored op names to the imported ops,
    ``arrays`` dataset paths to the arrays read from the file (see :func:`read_graph`).
    Anything unexpected is a :class:`GraphFormatError`."""
    if v is None or isinstance(v, (bool, str, int)):
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, list):
        return [decode_value(x, ops, arrays) for x in v]
    if not isinstance(v, dict):
        raise GraphFormatError(f"unexpected JSON value {v!r:.60}")
    tag = v.get("$")
    body = v.get("v")
    if tag == "tuple" and isinstance(body, list):
        return tuple(decode_value(x, ops, arrays) for x in body)
    if tag == "dtype" and isinstance(body, str):
        try:
            return dtypes.as_dtype(body)
        except TypeError:
            raise GraphFormatError(f"unknown dtype {body!r}") from None
    if tag == "shape" and (body is None or isinstance(body, list)):
        if body is not None and not all(d is None or _is_count(d) for d in body):
            raise GraphFormatError(f"bad shape {body!r:.60}")
        return TensorShape(body)
    if tag == "float" and body in ("inf", "-inf", "nan"):
        return float(body)
    if tag == "array":
        return _decode_array(v)
    if tag == "dataset":
        return _resolve_dataset(v, arrays)
    if tag == "scalar" and isinstance(body, dict):
        arr = _decode_array(body)
        if arr.shape != ():
            raise GraphFormatError("a scalar must have shape ()")
        return arr[()]
    if tag == "bytes" and isinstance(body, str):
        return _b64(body)
    if tag == "dict" and isinstance(body, list):
        out = {}
        for pair in body:
            if not (isinstance(pair, list) and len(pair) == 2):
                raise GraphFormatError("dict items must be [key, value] pairs")
            key = decode_value(pair[0], ops)
            try:
                out[key] = decode_value(pair[1], ops, arrays)
            except TypeError:
                raise GraphFormatError(f"unhashable dict key {key!r:.60}") from None
        return out
    if tag == "op" and isinstance(body, str):
        if ops is None or body not in ops:
            raise GraphFormatError(f"an attr refers to op '{body}', which is not defined "
                                   "before it")
        return ops[body]
    if tag == "slice" and isinstance(body, list) and len(body) == 3:
        return slice(*(decode_value(x, ops) for x in body))
    if tag == "ellipsis":
        return Ellipsis
    raise GraphFormatError(f"unknown attr encoding {str(v)[:80]}")


def _resolve_dataset(ref, arrays):
    """The array a ``{"$": "dataset"}`` reference names (already read and checked by
    :func:`read_graph`)."""
    problem = check_dataset_ref(ref)
    if problem:
        raise GraphFormatError(problem)
    path = ref["path"]
    if arrays is None or path not in arrays:
        raise GraphFormatError(f"an attr refers to dataset '{path}' of the checkpoint file, "
                               "which was not read (import the file, not its JSON alone)")
    arr = arrays[path]
    if list(arr.shape) != ref["shape"] or dtypes.as_dtype(arr.dtype).name != ref["dtype"]:
        raise GraphFormatError(f"dataset '{path}' does not match its reference")
    return arr


def dataset_refs(data) -> list:
    """``[(where, reference)]`` for every ``{"$": "dataset"}`` reference in the attrs of a
    graph description (``where`` names the op and the attr). Malformed parts are skipped:
    building the graph reports them."""
    out = []
    ops = data.get("ops") if isinstance(data, dict) else None
    for e in ops if isinstance(ops, list) else ():
        attrs = e.get("attrs") if isinstance(e, dict) else None
        if not isinstance(attrs, dict):
            continue
        for key, value in attrs.items():
            out.extend((f"attr '{key}' of op '{e.get('name')}'", x)
                       for x in _tagged(value, "dataset"))
    return out


def _tagged(v, tag):
    """The ``{"$": tag, ...}`` objects anywhere inside the encoded value ``v``."""
    stack = [v]
    while stack:
        x = stack.pop()
        if isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, dict):
            if x.get("$") == tag:
                yield x
            else:
                stack.extend(x.values())


def _is_count(d):
    return isinstance(d, int) and not isinstance(d, bool) and d >= 0


def _b64(text):
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise GraphFormatError("invalid base64 data") from None


def _decode_array(v):
    dt, shape, data = v.get("dtype"), v.get("shape"), v.get("data")
    if not (isinstance(shape, list) and all(_is_count(d) for d in shape)):
        raise GraphFormatError(f"bad array shape {shape!r:.60}")
    n = math.prod(shape)
    if dt == "string":
        if not isinstance(data, list) or len(data) != n:
            raise GraphFormatError("string array data does not match its shape")
        items = [x if isinstance(x, str) else decode_value(x) for x in data]
        if not all(isinstance(x, (str, bytes)) for x in items):
            raise GraphFormatError("string arrays hold only strings and bytes")
        arr = np.empty(n, dtype=object)
        arr[:] = items
        arr = arr.reshape(shape)
    elif dt in _NUMERIC and isinstance(data, str):
        np_dt = np.dtype(_NUMERIC[dt].as_numpy_dtype)
        raw = _b64(data)
        if len(raw) != n * np_dt.itemsize:
            raise GraphFormatError(f"array data has {len(raw)} bytes, shape {shape} of {dt} "
                                   f"needs {n * np_dt.itemsize}")
        arr = np.frombuffer(raw, dtype=np_dt.newbyteorder("<")).astype(np_dt).reshape(shape)
    else:
        raise GraphFormatError(f"bad array (dtype {dt!r:.40})")
    arr.flags.writeable = False
    return arr


# --------------------------------------------------------------------------------------------
# Graph -> dict
# --------------------------------------------------------------------------------------------
def _variable_class():
    from flowkit.variables import Variable
    return Variable


def graph_to_dict(graph, saver_info=None, collection_list=None, clear_devices=False,
                  store=None) -> dict:
    """Describes ``graph`` as JSON-ready data. ``saver_info`` (from a Saver) is stored as is.

    With ``store`` (an :class:`ArrayStore`, when the description is written into a checkpoint
    file), large numeric arrays are left to the store and referred to.
    """
    Variable = _variable_class()
    ops = []
    for op in graph.get_operations():
        attrs = {}
        for k, v in op.attrs.items():
            attrs[k] = encode_value(v, f"attr '{k}' of op '{op.name}' (type {op.type})",
                                    store, f"{op.name}:{k}")
        entry = {"name": op.name, "type": op.type, "inputs": [t.name for t in op.inputs],
                 "control_inputs": [c.name for c in op.control_inputs], "attrs": attrs,
                 "outputs": [[t.dtype.name, encode_value(t.shape)] for t in op.outputs]}
        if op.device and not clear_devices:
            entry["device"] = op.device
        if getattr(op, "gradient_of", None) is not None:
            entry["gradient_of"] = op.gradient_of.name
        ops.append(entry)
    keys = graph.get_all_collection_keys() if collection_list is None else collection_list
    collections, variables = {}, {}
    for key in keys:
        items = []
        for item in graph.get_collection(key):
            if isinstance(item, Variable):
                variables[item.op.name] = item
                items.append({"variable": item.op.name})
            elif isinstance(item, Tensor):
                items.append({"tensor": item.name})
            elif isinstance(item, Operation):
                items.append({"op": item.name})
            elif isinstance(item, (bool, int, float, str)) and not (
                    isinstance(item, float) and not math.isfinite(item)):
                items.append({"value": item})
            else:
                warnings.warn(f"Collection '{key}': skipping an item of type "
                              f"{type(item).__name__}, which a graph file cannot hold.",
                              RuntimeWarning, stacklevel=3)
        collections[key] = items
    for var in (saver_info or {}).get("variable_objects", []):
        variables.setdefault(var.op.name, var)
    var_entries = [{"name": v.op.name, "initializer": v.initializer.name,
                    "snapshot": v.value().name, "initial_value": v.initial_value.name,
                    "trainable": bool(v.trainable)} for v in variables.values()]
    saver = None
    if saver_info is not None:
        saver = {k: v for k, v in saver_info.items() if k != "variable_objects"}
    # Version 1 when no array is stored as a dataset: older flowkit versions read it.
    version = GRAPH_VERSION if store is not None and store.count else 1
    return {"format": GRAPH_FORMAT, "version": version, "flowkit_version": __version__,
            "seed": graph.seed if isinstance(graph.seed, int) else None,
            "ops": ops, "variables": var_entries, "collections": collections, "saver": saver}


def graph_to_json(graph, **kwargs) -> str:
    return json.dumps(graph_to_dict(graph, **kwargs), separators=(",", ":"),
                      allow_nan=False)


# --------------------------------------------------------------------------------------------
# dict -> Graph
# --------------------------------------------------------------------------------------------
def parse_graph_json(text: str, source: str) -> dict:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as e:
        raise errors.InvalidArgumentError(None, None, f"The graph stored in '{source}' is not "
                                          f"valid JSON: {e}") from None
    return data


def _check(cond, msg):
    if not cond:
        raise GraphFormatError(msg)


def _op_refs(v, out):
    """Collects the names of ops referred to inside an encoded attr value."""
    out.update(x["v"] for x in _tagged(v, "op") if isinstance(x.get("v"), str))


def _ordered(ops):
    """The op entries in an order where every op comes after what it uses (Kahn's algorithm,
    stable with respect to the stored order)."""
    by_name = {}
    for e in ops:
        _check(isinstance(e, dict), "every op must be an object")
        name = e.get("name")
        _check(isinstance(name, str) and _VALID_NAME.match(name), f"bad op name {name!r:.60}")
        _check(name not in by_name, f"op name '{name}' appears twice")
        by_name[name] = e
    deps = {}
    for name, e in by_name.items():
        inputs, ctrl = e.get("inputs", []), e.get("control_inputs", [])
        _check(isinstance(inputs, list) and all(isinstance(t, str) for t in inputs),
               f"op '{name}': inputs must be tensor names")
        _check(isinstance(ctrl, list) and all(isinstance(c, str) for c in ctrl),
               f"op '{name}': control_inputs must be op names")
        d = {t.rpartition(":")[0] for t in inputs} | set(ctrl)
        _op_refs(e.get("attrs", {}), d)
        for dep in d:
            _check(dep in by_name, f"op '{name}' uses '{dep}', which is not in the graph")
        deps[name] = d
    users = {n: [] for n in by_name}
    missing = {n: len(d) for n, d in deps.items()}
    for n, d in deps.items():
        for dep in d:
            users[dep].append(n)
    ready = [n for n in by_name if missing[n] == 0]
    ready.reverse()
    order = []
    while ready:
        n = ready.pop()
        order.append(by_name[n])
        for u in reversed(users[n]):
            missing[u] -= 1
            if missing[u] == 0:
                ready.append(u)
    _check(len(order) == len(by_name), "the graph has a cycle")
    return order


def dict_to_graph(data, graph, import_scope=None, clear_devices=False, source="<graph>",
                  arrays=None):
    """Adds the ops described by ``data`` to ``graph``. ``arrays``: the arrays its dataset
    references name (from :func:`read_graph`).

    Returns:
        ``(ops, variables, saver_info)``: stored op name -> new op; stored variable name ->
        rebuilt :class:`~flowkit.Variable`; the stored saver description (or ``None``).

    Raises:
        NotFoundError: an op type is not registered (the message names it).
        InvalidArgumentError: the description is malformed, or names clash with the graph.
    """
    try:
        return _build(data, graph, import_scope, clear_devices, arrays)
    except GraphFormatError as e:
        raise errors.InvalidArgumentError(None, None, f"Cannot import the graph stored in "
                                          f"'{source}': {e}") from None
    except RecursionError:
        raise errors.InvalidArgumentError(None, None, f"Cannot import the graph stored in "
                                          f"'{source}': it is nested too deeply.") from None


def _build(data, graph, import_scope, clear_devices, arrays):
    _check(isinstance(data, dict) and data.get("format") == GRAPH_FORMAT,
           "not a flowkit graph description")
    _check(isinstance(data.get("version"), int) and data["version"] <= GRAPH_VERSION,
           f"graph format version {data.get('version')!r} is newer than this flowkit's "
           f"({GRAPH_VERSION}); upgrade flowkit")
    raw_ops = data.get("ops", [])
    _check(isinstance(raw_ops, list), "'ops' must be a list")
    order = _ordered(raw_ops)

    def unknown_types():
        return sorted({e.get("type") for e in order if not (isinstance(e.get("type"), str)
                                                             and has_op(e["type"]))}, key=str)
    unknown = unknown_types()
    if unknown:     # plugins load lazily: let them register their op types, then look again
        plugins.get_plugin_manager()
        unknown = unknown_types()
    if unknown:
        raise errors.NotFoundError(None, None, f"Op type not registered: "
                                   f"{', '.join(repr(u) for u in unknown)}. The graph needs "
                                   "op types that no installed flowkit plugin provides.")
    prefix = f"{import_scope.rstrip('/')}/" if import_scope else ""
    for e in order:
        new = prefix + e["name"]
        if new in graph._ops_by_name:
            raise GraphFormatError(f"op '{new}' already exists in the target graph; import "
                                   "into a fresh graph or pass import_scope")

    ops = {}

    def tensor(name):
        op_name, _, idx = name.rpartition(":")
        _check(idx.isdigit(), f"bad tensor name {name!r:.60}")
        outs = ops[op_name].outputs
        _check(int(idx) < len(outs), f"tensor '{name}' does not exist")
        return outs[int(idx)]

    for e in order:
        name, op_type = e["name"], e["type"]
        raw_attrs = e.get("attrs", {})
        _check(isinstance(raw_attrs, dict), f"op '{name}': attrs must be an object")
        attrs = {str(k): decode_value(v, ops, arrays) for k, v in raw_attrs.items()}
        inputs = [tensor(t) for t in e.get("inputs", [])]
        ctrl = [ops[c] for c in e.get("control_inputs", [])]
        if op_type == "Const":
            value, dt = attrs.get("value"), attrs.get("dtype")
            _check(isinstance(value, np.ndarray) and isinstance(dt, dtypes.DType) and
                   (dt is dtypes.string) == (value.dtype == object) and
                   (dt is dtypes.string or value.dtype == dt.as_numpy_dtype),
                   f"constant '{name}' has a value that does not match its dtype")
        with graph.control_dependencies(None), graph.control_dependencies(ctrl):
            try:
                op = graph.create_op(op_type, inputs, attrs, name=prefix + name + "/",
                                     op_def=get_op_def(op_type))
            except Exception as err:  # noqa: BLE001 - any failure of a shape rule on bad data
                raise GraphFormatError(f"op '{name}' (type {op_type}) cannot be rebuilt: "
                                       f"{type(err).__name__}: {err}") from None
        graph._names_in_use.setdefault(op.name.lower(), 1)
        _restore_outputs(op, e.get("outputs"))
        device = e.get("device")
        if isinstance(device, str) and device and not clear_devices:
            op.device = device
        ops[name] = op
    for e in order:
        g_of = e.get("gradient_of")
        if isinstance(g_of, str) and g_of in ops:
            ops[e["name"]]._grad_of = ops[g_of]
    if isinstance(data.get("seed"), int) and graph.seed is None:
        graph.seed = data["seed"]
    variables = _build_variables(data.get("variables", []), ops, tensor, graph)
    _build_collections(data.get("collections", {}), ops, tensor, variables, graph)
    saver = data.get("saver")
    return ops, variables, saver if isinstance(saver, dict) else None


def _restore_outputs(op, outputs):
    if outputs is None:
        return
    _check(isinstance(outputs, list) and len(outputs) == len(op.outputs),
           f"op '{op.name}' (type {op.type}) now has {len(op.outputs)} outputs, the file "
           f"says {len(outputs) if isinstance(outputs, list) else '?'}")
    for t, spec in zip(op.outputs, outputs):
        _check(isinstance(spec, list) and len(spec) == 2, f"op '{op.name}': bad output spec")
        _check(isinstance(t.dtype, dtypes.DType) and isinstance(t.shape, TensorShape),
               f"op '{op.name}': its attrs give an output without a valid dtype and shape")
        _check(spec[0] == t.dtype.name, f"output {t.name} has dtype {t.dtype.name} here but "
               f"{spec[0]!r} in the file (did the op type change?)")
        shape = decode_value(spec[1])
        _check(isinstance(shape, TensorShape), f"op '{op.name}': bad output shape")
        try:
            t.set_shape(shape)
        except ValueError:
            raise GraphFormatError(f"output {t.name} has shape {t.shape} here but {shape} in "
                                   "the file") from None


def _build_variables(entries, ops, tensor, graph):
    Variable = _variable_class()
    _check(isinstance(entries, list), "'variables' must be a list")
    out = {}
    for e in entries:
        _check(isinstance(e, dict) and isinstance(e.get("name"), str), "bad variable entry")
        name = e["name"]
        try:
            var_op, init_op = ops[name], ops[e["initializer"]]
            snapshot, initial = tensor(e["snapshot"]), tensor(e["initial_value"])
        except (KeyError, TypeError, AttributeError):
            raise GraphFormatError(f"variable '{name}' refers to ops that are not in the "
                                   "graph") from None
        _check(var_op.type == "VariableV2", f"variable '{name}' is a {var_op.type} op")
        out[name] = _rebuild_variable(Variable, graph, var_op, init_op, snapshot, initial,
                                      bool(e.get("trainable", True)))
    return out


def _rebuild_variable(Variable, graph, var_op, init_op, snapshot, initial, trainable):
    """A Variable object over existing ops (what TF1 does from a ``VariableDef``)."""
    v = Variable.__new__(Variable)
    v._graph = graph
    v.constraint = None
    v._variable = var_op.outputs[0]
    v._initial_value = initial
    v._initializer_op = init_op
    v._snapshot = snapshot
    v._trainable = trainable
    v._save_slice_info = None
    return v


def _build_collections(colls, ops, tensor, variables, graph):
    _check(isinstance(colls, dict), "'collections' must be an object")
    for key, items in colls.items():
        _check(isinstance(items, list), f"collection '{key}' must be a list")
        for item in items:
            _check(isinstance(item, dict) and len(item) == 1, f"bad item in collection '{key}'")
            (kind, value), = item.items()
            if kind == "variable":
                _check(value in variables, f"collection '{key}' names unknown variable {value!r}")
                graph.add_to_collection(key, variables[value])
            elif kind == "tensor" and isinstance(value, str):
                _check(value.rpartition(":")[0] in ops, f"collection '{key}': no {value!r}")
                graph.add_to_collection(key, tensor(value))
            elif kind == "op" and isinstance(value, str):
                _check(value in ops, f"collection '{key}' names unknown op {value!r}")
                graph.add_to_collection(key, ops[value])
            elif kind == "value" and isinstance(value, (bool, int, float, str)):
                graph.add_to_collection(key, value)
            else:
                raise GraphFormatError(f"bad item in collection '{key}'")


def read_graph(reader):
    """``(description, arrays)`` of the graph stored in an open
    :class:`~flowkit.checkpoint.CheckpointReader`, or ``None`` if it stores none: the parsed
    JSON, and the arrays its dataset references name (``{path: read-only array}``), each
    checked against the file first. Pass both to :func:`dict_to_graph`.

    Raises:
        InvalidArgumentError: the JSON is invalid, or references name datasets that are
            missing or differ in shape or dtype (all of them listed in one message).
    """
    text = reader.graph_json()
    if text is None:
        return None
    data = parse_graph_json(text, reader.path)
    return data, reader.read_graph_arrays(dataset_refs(data))


def load_graph(path: str):
    """A new :class:`~flowkit.Graph` holding the graph stored in checkpoint ``path`` (a
    prefix, ``.h5`` or ``.meta`` spelling, or a folder: its latest checkpoint), e.g. to draw
    it. ``None`` if it stores no graph.

    Raises:
        NotFoundError: no such checkpoint, or an op type that is not registered.
    """
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise errors.NotFoundError(None, None, f"No checkpoint in the folder '{path}' (it "
                                       "has no 'checkpoint' index file naming one).")
        path = latest
    found = find_checkpoint_file(path, exact_file=True)
    if found is None:
        raise errors.NotFoundError(None, None, f"No checkpoint file at '{path}'.")
    with CheckpointReader(found) as reader:
        stored = read_graph(reader)
    if stored is None:
        return None
    graph = Graph()
    dict_to_graph(stored[0], graph, source=found, arrays=stored[1])
    return graph
