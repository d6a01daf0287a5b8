"""NumPy kernels of :mod:`flowkit.ops.debug_ops`.

The value formats are TF's: ``tf.Print`` uses ``Tensor::SummarizeValue`` (the first
``summarize`` values, nested brackets without separators, ``...`` when cut), ``tf.print``
its NumPy-like v2 form (``summarize`` values from each end of each axis). A float prints
with 6 significant digits when that reads back to the same value, else 9 (17 for float64),
as TF's ``StrCat`` does.
"""
from __future__ import annotations

import logging
import sys

import numpy as np

from flowkit.backend import KernelTable
from flowkit.framework.registry import get_op_def

KERNELS = KernelTable()


def format_element(v, v2=False) -> str:
    """One value as TF prints it."""
    if isinstance(v, (bytes, str)):
        s = v.decode("utf-8", "backslashreplace") if isinstance(v, bytes) else v
        return f'"{s}"' if v2 else s
    if isinstance(v, (bool, np.bool_)):
        return str(int(v))
    if isinstance(v, np.floating):
        if not np.isfinite(v):
            return "nan" if np.isnan(v) else ("inf" if v > 0 else "-inf")
        short, long_ = (6, 9) if v.dtype.itemsize <= 4 else (15, 17)
        s = f"{float(v):.{short}g}"
        return s if type(v)(s) == v else f"{float(v):.{long_}g}"
    return str(v)


def summarize_v1(a, limit) -> str:
    """``Tensor::SummarizeValue(limit)`` (TF1's ``tf.Print`` and ``tf.Assert``)."""
    a = np.asarray(a)
    n = a.size
    limit = n if limit < 0 else min(limit, n)
    flat = a.reshape(-1)
    if a.ndim == 0:
        return " ".join(format_element(v) for v in flat[:limit]) + ("..." if n > limit else "")
    out, index = [], [0]

    def one_dim(d):
        if index[0] >= limit:
            return
        count = a.shape[d]
        if d == a.ndim - 1:
            for i in range(count):
                if index[0] >= limit:
                    if d != 0:
                        out.append("...")
                    return
                if i:
                    out.append(" ")
                out.append(format_element(flat[index[0]]))
                index[0] += 1
            return
        for _ in range(count):
            opened = index[0] < limit
            if opened:
                out.append("[")
            one_dim(d + 1)
            if index[0] < limit or opened:
                out.append("]")
    one_dim(0)
    return "".join(out) + ("..." if n > limit else "")


def summarize_v2(a, ends) -> str:
    """TF's v2 format (``tf.print``): like NumPy's, ``ends`` values from each end."""
    a = np.asarray(a)
    if a.ndim == 0:
        return format_element(a.reshape(-1)[0], v2=True)
    ends = max(a.shape) if ends < 0 else ends
    out = []

    def spacing(d):
        if d == a.ndim - 1:
            out.append(" ")
        else:
            out.append("\n" * (a.ndim - d - 1) + " " * (d + 1))

    def one_dim(d, sub):
        if d == a.ndim:
            out.append(format_element(sub, v2=True))
            return
        out.append("[")
        count = a.shape[d]
        for i in range(min(ends, count)):
            if i:
                spacing(d)
            one_dim(d + 1, sub[i])
        if count > 2 * ends:
            spacing(d)
            out.append("...")
        for i in range(max(ends, count - ends), count):
            spacing(d)
            one_dim(d + 1, sub[i])
        out.append("]")
    one_dim(0, a)
    return "".join(out)


@KERNELS.register("Print")
def _print(attrs, x, *data):
    state = attrs["state"]
    first_n = attrs["first_n"]
    count = state.get("count", 0)
    if first_n < 0 or count < first_n:
        state["count"] = count + 1
        msg = attrs["message"] + "".join(f"[{summarize_v1(d, attrs['summarize'])}]"
                                         for d in data)
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()
    return x


def write_to_stream(stream: str, text: str) -> None:
    """Writes ``text`` where ``tf.print``'s ``output_stream`` says."""
    if stream == "stdout":
        sys.stdout.write(text)
        sys.stdout.flush()
    elif stream == "stderr":
        sys.stderr.write(text)
        sys.stderr.flush()
    elif stream.startswith("file://"):
        with open(stream[len("file://"):], "a", encoding="utf-8") as f:
            f.write(text)
    else:   # log(info) ...
        level = stream[4:-1].upper()
        logging.getLogger("flowkit").log(getattr(logging, level, logging.INFO),
                                         text.rstrip("\n"))


@KERNELS.register("PrintV2")
def _print_v2(attrs, *tensors):
    values = iter(tensors)
    s = attrs["summarize"]
    parts = []
    for p in attrs["template"]:
        if p is not None:
            parts.append(p)
            continue
        parts.append(summarize_v2(next(values), s))
    write_to_stream(attrs["output_stream"], "".join(parts))
    return ()


@KERNELS.register("CheckNumerics")
def _check_numerics(attrs, x):
    a = np.asarray(x)
    nan, inf = bool(np.isnan(a).any()), bool(np.isinf(a).any())
    if nan or inf:
        what = "Inf and NaN" if nan and inf else "NaN" if nan else "Inf"
        raise ValueError(f"{attrs['message']} : Tensor had {what} values")
    return x


def _as_result(value, dtype, i, token):
    arr = np.asarray(value)
    if arr.dtype.kind in "SU":
        arr = arr.astype(object)
    want = np.dtype(dtype.as_numpy_dtype) if dtype.name != "string" else np.dtype(object)
    if arr.dtype != want:
        got = arr.dtype.name if arr.dtype.kind != "O" else "string"
        raise ValueError(f"{i}-th value returned by {token} is {got}, but expects "
                         f"{dtype.name}")
    return np.array(arr, copy=True)


def call_py_func(attrs, args):
    """Calls the function of a ``PyFunc`` op on NumPy arrays; returns its checked results."""
    token = attrs["token"]
    func = get_op_def("PyFunc").shape_fn.functions.get(token)
    if func is None:
        raise ValueError(f"callback {token} is not found: the Python function of a py_func "
                         "exists only in the process that built the graph")
    # As TF: a 0-d value arrives as a NumPy scalar (a scalar string as ``bytes``), not as a
    # 0-d array.
    ret = func(*[a[()] if isinstance(a, np.ndarray) and a.ndim == 0 else a for a in args])
    types = attrs["Tout"]
    if isinstance(ret, bytes):
        ret = [ret]
    if not isinstance(ret, (list, tuple)):
        ret = [ret]
    if len(ret) != len(types) and not (not types and ret in ([None], [])):
        raise ValueError(f"{token} returns {len(ret)} values, but expects to see "
                         f"{len(types)} values.")
    return [_as_result(v, t, i, token) for i, (v, t) in enumerate(zip(ret, types))]


@KERNELS.register("PyFunc")
def _py_func(attrs, *xs):
    out = call_py_func(attrs, [np.asarray(x) for x in xs])
    return out[0] if len(out) == 1 else tuple(out)


@KERNELS.register("EnsureShape")
def _ensure_shape(attrs, x):
    got = np.shape(x)
    want = attrs["shape"]
    if not want.is_compatible_with(got):
        dims = ",".join("?" if d is None else str(d) for d in want.as_tuple()) \
            if want.ndims is not None else "<unknown>"
        raise ValueError(f"Shape of tensor [{','.join(str(d) for d in got)}] is not "
                         f"compatible with expected shape [{dims}]")
    return x

