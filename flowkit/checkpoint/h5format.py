"""The checkpoint file: one HDF5 file, one dataset per variable, written atomically, read
without trusting anything in it.

Layout of ``model-3.h5``::

    /                         attrs: flowkit_format_version, flowkit_version, global_step
    /conv1/weights            a dataset: the value of variable ``conv1/weights:0``
    /global_step              ...
    /W:0, /W/Adam             a variable that is also a scope is stored as ``W:0``
    /_flowkit/graph           (optional) uint8 dataset: the graph as UTF-8 JSON
    /_flowkit/constants/...   (optional) the graph's large arrays (a variable's initial
                              value...), one numeric dataset each, named after the op and
                              attr (``v|initial_value:value``); the JSON refers to them

Variable names cannot start with ``_``, so the ``_flowkit`` group never clashes with one.
``global_step`` is ``-1`` when the save had no step. Any HDF5 tool can read the file. A
large constant whose value is bitwise the value of a variable saved in the same file is not
stored twice: the JSON refers to the variable's dataset (see
:class:`~flowkit.checkpoint.graph_json.ArrayStore`). ``flowkit_format_version`` is 2 when
the file has a ``_flowkit/constants`` group, else 1 (which older flowkit versions read).

Reading is defensive. Before any value is read, :class:`CheckpointReader` walks the whole
file and refuses, with one error naming the file and every object at fault: soft, external or
user-defined links; objects reachable by more than one path (hard-link aliases and cycles);
committed datatypes; virtual or external dataset storage; filters other than deflate,
shuffle, fletcher32 and lzf (an unknown filter would make HDF5 load a plugin library);
non-numeric dtypes (strings, compounds, references, enums, opaque, variable-length);
datasets declaring far more data than the file could hold; missing or truncated data.
Unreadable, truncated or non-HDF5 files are a ``DataLossError``.

Example:
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.h5")
    >>> write_checkpoint(path, {"layer/W": np.ones((2, 3), np.float32)}, global_step=7)
    >>> with CheckpointReader(path) as r:
    ...     print(r.global_step, r.get_variable_to_shape_map(), r.get_tensor("layer/W:0").sum())
    7 {'layer/W': [2, 3]} 6.0
"""
from __future__ import annotations

import errno
import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import xxhash

from flowkit.checkpoint import atomic
from flowkit.framework import dtypes, errors
from flowkit.version import __version__

FORMAT_VERSION = 2
RESERVED_GROUP = "_flowkit"
GRAPH_DATASET = "_flowkit/graph"
CONSTANTS_GROUP = "_flowkit/constants"
#: HDF5 filters a checkpoint may use (any other would make HDF5 look for a plugin library).
ALLOWED_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32", 32000: "lzf"}
_COMPRESSING = {1, 32000}
#: Deflate cannot compress better than about 1032:1; a larger claim is a lie.
MAX_COMPRESSION_RATIO = 1100
_SLACK = 64 * 1024
_NUMERIC = {np.dtype(d.as_numpy_dtype): d for d in dtypes.ALL if d is not dtypes.string}
_DTYPE_NAMES = {d.name for d in dtypes.ALL if d is not dtypes.string}
#: The dataset attribute holding the :func:`checksum` of its bytes.
CHECKSUM_ATTR = "xxh3_64"
_CHECKSUM_ATTR_B = CHECKSUM_ATTR.encode()
#: The file attribute saying that every dataset carries one (its value names the algorithm).
CHECKSUM_FILE_ATTR = "flowkit_checksum"
CHECKSUM_NAME = "xxh3_64"
#: HDF5's 1.8 file format: its metadata (superblock, object headers with the names, shapes,
#: types and attributes) carries HDF5's own checksums, so that damage there is reported
#: instead of misread. HDF5 1.8 and later, so every h5py 3, read it.
LIBVER = "v108"


def _h5py():
    import h5py
    return h5py


def dataset_name(var_name: str) -> str:
    """The HDF5 path of a variable: its name without ``:0`` (``conv1/weights``)."""
    name = var_name[:-2] if var_name.endswith(":0") else var_name
    parts = name.split("/")
    if not name or any(p in ("", ".", "..") for p in parts) or name.startswith("_") \
            or ":" in name:
        raise ValueError(f"'{var_name}' cannot be stored in a checkpoint: names are "
                         "'/'-separated parts, none empty, '.' or '..', with no ':', not "
                         "starting with '_'.")
    return name


def dataset_paths(names) -> dict:
    """``{name: HDF5 path}`` of the values ``write_checkpoint`` stores under ``names``.

    A name that is also the scope of another name (``W`` beside Adam's slot ``W/Adam``) is
    stored under its full tensor name, ``W:0``, because in HDF5 ``W`` must then be a group.
    """
    plain = {n: dataset_name(n) for n in names}
    scopes = {"/".join(p.split("/")[:i]) for p in plain.values()
              for i in range(1, p.count("/") + 1)}
    return {n: p + ":0" if p in scopes else p for n, p in plain.items()}


def storable(dtype) -> bool:
    """Whether values of NumPy ``dtype`` are stored as datasets that the reader accepts
    (numbers; not bool, which h5py stores as an enum, nor complex, a compound)."""
    dtype = np.dtype(dtype)
    return dtype.kind in "iuf" and dtype.newbyteorder("=") in _NUMERIC


def _is_count(d) -> bool:
    return isinstance(d, int) and not isinstance(d, bool) and d >= 0


def check_dataset_ref(ref: dict) -> str:
    """What is wrong with the form of a ``{"$": "dataset", "path", "dtype", "shape"}``
    reference of a stored graph to one of the file's datasets ("" if nothing)."""
    path, dt, shape = ref.get("path"), ref.get("dtype"), ref.get("shape")
    if not isinstance(path, str) or not path:
        return f"a dataset reference has a bad path {path!r:.60}"
    if dt not in _DTYPE_NAMES:
        return f"the reference to dataset '{path}' has a bad dtype {dt!r:.40}"
    if not (isinstance(shape, list) and all(_is_count(d) for d in shape)):
        return f"the reference to dataset '{path}' has a bad shape {shape!r:.60}"
    return ""


def checksum(arr: np.ndarray) -> int:
    """The XXH3 64-bit hash of an array's bytes in C order, as stored in the
    :data:`CHECKSUM_ATTR` attribute of its dataset.

    XXH3 (the ``xxhash`` package) detects any change of the bytes as a checksum would (every
    bit flip changes it) and runs at tens of GB/s, so checking a 100 MB checkpoint costs a few
    milliseconds: CRC-32 from zlib cost more than the whole restore (measured on the W5
    benchmark, see docs/performance.md)."""
    arr = np.asarray(arr, order="C")
    return xxhash.xxh3_64_intdigest(arr.reshape(-1).view(np.uint8)) if arr.size else 0


_NO_SPACE = {errno.ENOSPC: "no space left on the device", errno.EFBIG: "file too large",
             errno.EDQUOT: "disk quota exceeded"}


def _no_space_cause(e: BaseException):
    """What ran out when ``e`` says a write failed for lack of room, else ``None``. HDF5's
    errors carry the errno only in their text (``errno = 28, error message = ...``)."""
    code = getattr(e, "errno", None)
    if code in _NO_SPACE:
        return _NO_SPACE[code]
    text = str(e)
    for code, cause in _NO_SPACE.items():
        if f"errno = {code}," in text or os.strerror(code) in text:
            return cause
    return None


def _abandon(f) -> None:
    """Closes an h5py file whose write failed, for the bin. HDF5 flushes a file when it
    closes it; when writing is what failed (a full disk), that flush fails too and HDF5 keeps
    the file open, failing again on every later call, and may crash the process at exit. So
    the file's descriptor is first pointed at ``/dev/null``: the last writes succeed,
    nowhere, and the file closes."""
    try:
        if f.id.valid:
            null = os.open(os.devnull, os.O_RDWR)
            try:
                os.dup2(null, f.id.get_vfd_handle())
            finally:
                os.close(null)
    except Exception:  # noqa: BLE001 - best effort; the write's own error is raised
        pass
    try:
        f.close()
    except Exception:  # noqa: BLE001
        pass


#: Room reserved beyond the data for HDF5's metadata: per file, and per dataset.
_META_ROOM, _META_ROOM_PER_DATASET = 256 * 1024, 8 * 1024


def _reserve(fd: int, arrays) -> None:
    """Makes the file at ``fd`` big enough for ``arrays`` and their metadata before HDF5
    writes them, so that a full disk or a file size limit fails here, with a plain
    ``OSError``, and never inside HDF5 (which cannot recover from a failed write). The file
    is cut back to what HDF5 used by :func:`_trim`."""
    need = _META_ROOM + sum(np.asarray(a).nbytes + _META_ROOM_PER_DATASET for a in arrays)
    try:
        if os.fstat(fd).st_size < need:
            os.posix_fallocate(fd, 0, need)
    except OSError as e:
        if e.errno in _NO_SPACE:
            raise
        # EINVAL, EOPNOTSUPP...: no reservation on this file system; HDF5 writes as usual


def _trim(path: str) -> None:
    """Cuts a closed checkpoint file back to the end of what HDF5 wrote (the end-of-file
    address of its version 2/3 superblock), dropping what :func:`_reserve` left unused."""
    with open(path, "r+b") as fh:
        head = fh.read(36)
        if len(head) < 36 or head[:8] != b"\x89HDF\r\n\x1a\n" or head[8] not in (2, 3) \
                or head[9] != 8:
            return
        end = int.from_bytes(head[28:36], "little")
        if end < os.fstat(fh.fileno()).st_size:
            fh.truncate(end)


def write_checkpoint(path: str, arrays: dict, global_step=None, graph_json=None,
                     graph_arrays=None) -> None:
    """Writes ``{name: array}`` to ``path``, atomically (see :mod:`flowkit.checkpoint.atomic`);
    optionally the graph (JSON text as ``str`` or UTF-8 ``bytes``) and the arrays it refers
    to (``{name in _flowkit/constants: array}``, from an
    :class:`~flowkit.checkpoint.graph_json.ArrayStore`). See :func:`dataset_paths` for where
    each value goes. Every dataset gets its :func:`checksum` as attribute
    :data:`CHECKSUM_ATTR`, computed in a second thread while the file is written.

    ``graph_json`` may also be a function returning ``(text, graph_arrays)``: it is called
    once the variables are written, while their bytes already go to disk (the graph's
    description compares constants with the variables, which takes a while).

    Raises:
        ResourceExhaustedError: the disk is full, or the file would be too large (``EFBIG``,
            ``EDQUOT``); ``path`` is unchanged and the temporary file removed.
    """
    h5py = _h5py()
    paths = dataset_paths(arrays)
    atomic.remove_stale_temps(path)
    tmp = atomic.TempFile(path)
    early = None
    f = None
    sums = ThreadPoolExecutor(1, thread_name_prefix="flowkit-crc")
    pending = []                        # (dataset, future checksum)

    def put(group, name, arr):
        arr = np.asarray(arr, order="C")
        pending.append((group.create_dataset(name, data=arr), sums.submit(checksum, arr)))
    try:
        f = h5py.File(tmp.path, "w", libver=LIBVER, locking=False)
        f.attrs["flowkit_format_version"] = 1
        # Fixed-length strings: kept in the (checksummed) object header, where a
        # variable-length one would live in HDF5's global heap, which has no checksum.
        f.attrs["flowkit_version"] = np.bytes_(__version__.encode("utf-8"))
        f.attrs["global_step"] = -1 if global_step is None else int(global_step)
        f.attrs[CHECKSUM_FILE_ATTR] = np.bytes_(CHECKSUM_NAME.encode("ascii"))
        for n, v in arrays.items():
            if np.asarray(v).dtype not in _NUMERIC:
                raise TypeError(f"Cannot save '{n}': dtype {np.asarray(v).dtype} is not "
                                "numeric.")
        _reserve(tmp.fd, arrays.values())
        for n, v in arrays.items():
            put(f, paths[n], np.asarray(v))
        if callable(graph_json):
            early = atomic.BackgroundSync(tmp.path)
            graph_json, graph_arrays = graph_json()
        if isinstance(graph_json, str):
            graph_json = graph_json.encode("utf-8")
        graph = [] if graph_json is None else [np.frombuffer(graph_json, np.uint8)]
        _reserve(tmp.fd, [*arrays.values(), *graph, *(graph_arrays or {}).values()])
        if graph:
            put(f, GRAPH_DATASET, graph[0])
        if graph_arrays:
            f.attrs["flowkit_format_version"] = 2        # older readers refuse the group
            group = f.create_group(CONSTANTS_GROUP)
            for name, arr in graph_arrays.items():
                put(group, name, arr)
        for ds, crc in pending:
            ds.attrs[CHECKSUM_ATTR] = np.uint64(crc.result())
        pending.clear()
        f.close()
        _trim(tmp.path)
        if early is not None:
            early.wait()                # raises the early fsync's error, if any
        atomic.commit(tmp.path, path)
    except BaseException as e:
        pending.clear()
        if f is not None:
            _abandon(f)
        if early is not None:           # no thread left behind with the file open
            try:
                early.wait()
            except OSError:
                pass
        tmp.discard()
        cause = _no_space_cause(e) if isinstance(e, Exception) else None
        if cause is not None:               # HDF5's text names the temporary file: left out
            raise errors.ResourceExhaustedError(
                None, None, f"Cannot save checkpoint '{path}': {cause}. The previous file, if "
                "any, is unchanged.") from None
        raise
    finally:
        sums.shutdown(wait=True)
    tmp.release()


# --------------------------------------------------------------------------------------------
_HINT = " flowkit checkpoints hold only groups and plain numeric datasets."


def _refuse(path, what, why, hint=_HINT):
    return errors.InvalidArgumentError(
        None, None, f"Refusing to load checkpoint '{path}': {what} {why}.{hint}")


def _loss(path, what, why):
    return errors.DataLossError(None, None, f"Checkpoint '{path}' is damaged: {what} {why}.")


class CheckpointReader:
    """Reads a checkpoint file after checking all of it (see the module docstring).

    Use as a context manager, or call :meth:`close`. Names may be given with or without
    ``:0``.
    """

    def __init__(self, path: str) -> None:
        h5py = _h5py()
        self.path = os.fspath(path)
        if not os.path.isfile(self.path):
            raise errors.NotFoundError(None, None, f"Checkpoint file '{self.path}' not found.")
        self.file_size = os.path.getsize(self.path)
        try:
            # No HDF5 file lock: files are replaced whole, never changed in place, and a
            # lock would fail on file systems without locks (and race with the writer's).
            self._file = h5py.File(self.path, "r", locking=False)
        except (OSError, ValueError, RuntimeError) as e:
            raise errors.DataLossError(
                None, None, f"Cannot read checkpoint '{self.path}': it is not a complete "
                f"HDF5 file (truncated, or another format). HDF5 says: {e}") from None
        self._entries = {}          # variable name -> (shape, numpy dtype)
        self._paths = {}            # variable name -> dataset path (``W`` or ``W:0``)
        self._graph = None
        self._datasets = {}         # variable name -> its h5py dataset (found by the scan)
        self._plain = set()         # dataset paths stored contiguously, without filters
        self._constants = {}        # path in _flowkit/constants -> ((shape, dtype), dataset)
        self._crc = {}              # dataset path -> its stored checksum
        self.checksum = None        # "xxh3_64" when the file declares one for every dataset
        self._problems = []         # (refused: bool, what, why), found by the scan
        try:
            self._read_attrs()
            self._scan()
            self._raise_problems()
        except errors.OpError:
            self.close()
            raise
        except (OSError, RuntimeError, KeyError, ValueError) as e:
            self.close()
            raise errors.DataLossError(None, None, f"Cannot read checkpoint '{self.path}': "
                                       f"{type(e).__name__}: {e}") from None

    def _refused(self, what, why) -> None:
        self._problems.append((True, what, why))

    def _damaged(self, what, why) -> None:
        self._problems.append((False, what, why))

    def _raise_problems(self) -> None:
        """One error for everything the scan found: ``InvalidArgumentError`` if anything is
        refused, else ``DataLossError``."""
        if not self._problems:
            return
        refused = any(r for r, _, _ in self._problems)
        if len(self._problems) == 1:
            _, what, why = self._problems[0]
            raise (_refuse if refused else _loss)(self.path, what, why)
        lines = "".join(f"\n  {what} {why}." for _, what, why in self._problems)
        if refused:
            raise errors.InvalidArgumentError(
                None, None, f"Refusing to load checkpoint '{self.path}': "
                f"{len(self._problems)} problems:{lines}\n{_HINT.strip()}")
        raise errors.DataLossError(None, None, f"Checkpoint '{self.path}' is damaged: "
                                   f"{len(self._problems)} problems:{lines}")

    # -- the file's attributes -------------------------------------------------------------------
    def _attr(self, name, kind):
        attrs = self._file.attrs
        if name not in attrs:
            return None
        dt, shape = attrs.get_id(name).dtype, attrs.get_id(name).shape
        h5py = _h5py()
        if kind == "int":
            ok = dt.kind in "iu" and shape in ((), None) and h5py.check_dtype(enum=dt) is None
        else:
            ok = h5py.check_dtype(vlen=dt) in (str, bytes) or dt.kind == "S"
            ok = ok and shape in ((), None)
        if not ok:
            self._refused(f"file attribute '{name}'", f"has type {dt} and shape {shape}; "
                          f"expected a scalar {kind}")
            return None
        value = attrs[name]
        if kind == "int":
            return int(value)
        return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)

    def _read_attrs(self) -> None:
        self.format_version = self._attr("flowkit_format_version", "int")
        if self.format_version is not None and self.format_version > FORMAT_VERSION:
            raise _refuse(self.path, "the file", f"has format version {self.format_version}, "
                          f"newer than this flowkit's ({FORMAT_VERSION})",
                          " Upgrade flowkit to read it.")
        self.flowkit_version = self._attr("flowkit_version", "str")
        step = self._attr("global_step", "int")
        self.global_step = None if step is None or step < 0 else step
        self.checksum = self._attr(CHECKSUM_FILE_ATTR, "str")
        if self.checksum is not None and self.checksum != CHECKSUM_NAME:
            raise _refuse(self.path, "the file", f"uses checksums of kind "
                          f"'{self.checksum:.40}', unknown to this flowkit",
                          " Upgrade flowkit to read it.")

    # -- the structure ---------------------------------------------------------------------------
    def _member(self, group, key, full):
        """The object ``group[key]`` if it is reached by one plain hard link, else ``None``
        (the problem recorded). Nothing behind a refused link is opened. (HDF5's low-level
        calls: the high-level ones cost several times more, for every dataset of a restore.)"""
        h5py = _h5py()
        bkey = key.encode("utf-8")
        if group.id.links.get_info(bkey).type != h5py.h5l.TYPE_HARD:
            link = group.get(key, getlink=True)
            if isinstance(link, h5py.SoftLink):
                self._refused(f"'{full}'", f"is a soft link (to '{link.path}')")
            elif isinstance(link, h5py.ExternalLink):
                self._refused(f"'{full}'", f"is an external link (to "
                              f"'{link.filename}:{link.path}')")
            else:
                self._refused(f"'{full}'", "is a user-defined link")
            return None
        oid = h5py.h5o.open(group.id, bkey)
        if h5py.h5o.get_info(oid).rc != 1:
            self._refused(f"'{full}'", "is reachable by more than one path (an aliased or "
                          "cyclic hard link)")
            return None
        if isinstance(oid, h5py.h5d.DatasetID):
            return h5py.Dataset(oid)
        if isinstance(oid, h5py.h5g.GroupID):
            return h5py.Group(oid)
        return group[key]                       # a named datatype: refused by the caller

    def _scan(self) -> None:
        h5py = _h5py()
        stack = [("", self._file)]
        while stack:
            prefix, group = stack.pop()
            for key in list(group.keys()):
                full = prefix + key
                obj = self._member(group, key, full)
                if obj is None:
                    continue
                if isinstance(obj, h5py.Group):
                    if prefix == "" and key == RESERVED_GROUP:
                        self._scan_reserved(obj)
                    else:
                        stack.append((full + "/", obj))
                elif isinstance(obj, h5py.Dataset):
                    name = full[:-2] if full.endswith(":0") else full
                    if ":" in name or name in self._entries:
                        self._refused(f"'{full}'", "is not a valid variable name, or names a "
                                      "variable twice")
                        continue
                    entry = self._check_dataset(full, obj)
                    if entry is not None:
                        self._entries[name] = entry
                        self._paths[name] = full
                        self._datasets[name] = obj
                else:
                    self._refused(f"'{full}'", f"is a {type(obj).__name__}, not a group or "
                                  "dataset")

    def _scan_reserved(self, group) -> None:
        h5py = _h5py()
        for key in list(group.keys()):
            full = f"{RESERVED_GROUP}/{key}"
            obj = self._member(group, key, full)
            if obj is None:
                continue
            if full == GRAPH_DATASET and isinstance(obj, h5py.Dataset):
                entry = self._check_dataset(full, obj, "the graph")
                if entry is None:
                    continue
                shape, dt = entry
                if dt != np.uint8 or len(shape) != 1:
                    self._refused(f"'{full}'", "must be a 1-D uint8 dataset")
                else:
                    self._graph = obj
            elif full == CONSTANTS_GROUP and isinstance(obj, h5py.Group):
                self._scan_constants(obj)
            else:
                self._refused(f"'{full}'", "is not part of the flowkit format")

    def _scan_constants(self, group) -> None:
        """``_flowkit/constants`` holds only numeric datasets, checked like variables."""
        h5py = _h5py()
        for key in list(group.keys()):
            full = f"{CONSTANTS_GROUP}/{key}"
            obj = self._member(group, key, full)
            if obj is None:
                continue
            if not isinstance(obj, h5py.Dataset):
                self._refused(f"'{full}'", f"is a {type(obj).__name__}; {CONSTANTS_GROUP} "
                              "holds only datasets")
                continue
            entry = self._check_dataset(full, obj, "constant")
            if entry is not None:
                self._constants[full] = (entry, obj)

    def _check_dataset(self, name, d, kind="variable"):
        """``(shape, native dtype)`` of a dataset that passes every check, else ``None``
        (the first problem found recorded)."""
        h5py = _h5py()
        dt = d.dtype
        what = f"{kind} '{name}'"
        # h5py marks variable-length, reference and enum types in the dtype's metadata.
        if (dt.metadata or dt.fields is not None or dt.subdtype is not None
                or dt.kind not in "biuf"):
            return self._refused(what, f"has the non-numeric HDF5 type {dt}")
        native = dt.newbyteorder("=")
        if native not in _NUMERIC:
            return self._refused(what, f"has dtype {dt}, which no flowkit dtype matches")
        shape = d.shape
        if shape is None:
            return self._refused(what, "has an empty (null) dataspace")
        if d.is_virtual:
            return self._refused(what, "is a virtual dataset (its data lives elsewhere)")
        if d.external:
            return self._refused(what, f"stores its data in external files {d.external}")
        plist = d.id.get_create_plist()
        codes = [plist.get_filter(i)[0] for i in range(plist.get_nfilters())]
        for c in codes:
            if c not in ALLOWED_FILTERS:
                return self._refused(what, f"uses HDF5 filter {c}; only "
                                     f"{', '.join(ALLOWED_FILTERS.values())} are allowed")
        nbytes = math.prod(int(n) for n in shape) * dt.itemsize
        ratio = MAX_COMPRESSION_RATIO if _COMPRESSING & set(codes) else 1
        if nbytes > self.file_size * ratio + _SLACK:
            return self._damaged(what, f"declares {nbytes} bytes of data with shape {shape}, "
                                 f"far more than the file's {self.file_size} bytes can hold")
        if nbytes and plist.get_layout() == h5py.h5d.CONTIGUOUS:
            offset = d.id.get_offset()
            if offset is None:
                return self._damaged(what, "declares data but none is stored")
            if offset + nbytes > self.file_size:
                return self._damaged(what, f"needs bytes up to {offset + nbytes} but the "
                                     f"file ends at {self.file_size} (truncated)")
        elif d.id.get_storage_size() > self.file_size:
            return self._damaged(what, "claims more storage than the file has")
        if not self._read_checksum(name, d, what):
            return None
        if not codes and plist.get_layout() == h5py.h5d.CONTIGUOUS and dt == native:
            self._plain.add(name)
        return tuple(int(n) for n in shape), native

    def _read_checksum(self, name, d, what) -> bool:
        """Records the dataset's checksum; ``False`` (the problem recorded) when it is not a
        plain unsigned 64-bit number, or is missing from a file that declares checksums."""
        h5py = _h5py()
        if not h5py.h5a.exists(d.id, _CHECKSUM_ATTR_B):
            if self.checksum is None:
                return True             # written before flowkit stored checksums
            self._damaged(what, f"has no '{CHECKSUM_ATTR}' attribute, though the file "
                          "declares a checksum for every dataset")
            return False
        aid = h5py.h5a.open(d.id, _CHECKSUM_ATTR_B)
        dt, shape = aid.dtype, aid.shape
        if dt.kind not in "iu" or shape != () or dt.metadata:
            self._damaged(what, f"has a '{CHECKSUM_ATTR}' attribute of type {dt} and shape "
                          f"{shape}, not a number")
            return False
        buf = np.empty((), dt)
        aid.read(buf)
        value = int(buf)
        if not 0 <= value < 2 ** 64:
            self._damaged(what, f"has a '{CHECKSUM_ATTR}' of {value}, not a 64-bit checksum")
            return False
        self._crc[name] = value
        return True

    # -- queries ---------------------------------------------------------------------------------
    @staticmethod
    def _key(name: str) -> str:
        return name[:-2] if name.endswith(":0") else name

    def has_tensor(self, name: str) -> bool:
        return self._key(name) in self._entries

    def get_variable_to_shape_map(self) -> dict:
        return {n: list(s) for n, (s, _) in sorted(self._entries.items())}

    def get_variable_to_dtype_map(self) -> dict:
        return {n: _NUMERIC[dt] for n, (_, dt) in sorted(self._entries.items())}

    def entries(self) -> dict:
        """``{name: (shape tuple, numpy dtype)}`` for every variable, sorted by name."""
        return dict(sorted(self._entries.items()))

    @property
    def has_checksums(self) -> bool:
        """Whether the file carries checksums (files written before flowkit 0.1's
        checksums carry none and are read unchecked)."""
        return bool(self._crc) or self.checksum is not None

    def _verify(self, path: str, what: str, arr: np.ndarray) -> None:
        """Raises ``DataLossError`` when ``arr``, read from dataset ``path`` in its stored
        dtype, does not match the dataset's checksum (if it has one)."""
        stored = self._crc.get(path)
        if stored is None:
            return
        actual = checksum(arr)
        if actual != stored:
            raise _loss(self.path, what, f"does not match its checksum (stored XXH3-64 "
                        f"{stored:016x}, read {actual:016x}): its bytes changed after it was "
                        "saved")

    def _read(self, path: str, what: str, ds) -> np.ndarray:
        try:
            arr = np.asarray(ds[()])
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            raise _loss(self.path, what, f"could not be read ({e})") from None
        self._verify(path, what, arr)
        return arr

    def get_tensor(self, name: str) -> np.ndarray:
        """The value stored for ``name``, as a NumPy array in native byte order, checked
        against its checksum.

        Raises:
            NotFoundError: no such variable.
            DataLossError: the value cannot be read or does not match its checksum.
        """
        key = self._key(name)
        if key not in self._entries:
            raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint "
                                       f"'{self.path}'.")
        shape, native = self._entries[key]
        arr = self._read(self._paths[key], f"variable '{key}'", self._datasets[key])
        if arr.shape != shape or arr.dtype.newbyteorder("=") != native:
            raise _loss(self.path, f"variable '{key}'", "read back with a different shape or "
                        "dtype than declared")
        return arr.astype(native, copy=False)

    def can_read_into(self, name: str, out) -> bool:
        """Whether :meth:`read_into` can fill ``out``: the stored dataset is plain (contiguous,
        no filters, native byte order: reading it decodes nothing) and ``out`` is a writeable
        C-contiguous NumPy array of exactly its shape and dtype."""
        key = self._key(name)
        if key not in self._entries or self._paths[key] not in self._plain:
            return False
        shape, native = self._entries[key]
        return (type(out) is np.ndarray and out.shape == shape and out.dtype == native
                and out.flags.writeable and out.flags.c_contiguous)

    def _read_direct(self, key: str, out) -> None:
        if not self.can_read_into(key, out):
            raise ValueError(f"cannot read '{key}' into an array of shape {np.shape(out)}")
        try:
            self._datasets[key].read_direct(out)
        except (OSError, RuntimeError, ValueError, TypeError) as e:
            raise _loss(self.path, f"variable '{key}'", f"could not be read ({e})") from None

    def read_into(self, name: str, out) -> None:
        """Reads the value stored for ``name`` into ``out`` (see :meth:`can_read_into`), then
        checks it against its checksum (``DataLossError``: ``out`` then holds the damaged
        bytes)."""
        key = self._key(name)
        self._read_direct(key, out)
        self._verify(self._paths[key], f"variable '{key}'", out)

    def read_variables(self, targets: dict) -> dict:
        """Reads several variables, checking each against its checksum in a second thread
        while the next one is read. ``targets`` maps names to an array to fill (see
        :meth:`can_read_into`) or ``None``; returns ``{name: new array}`` for the ``None``
        ones.

        Raises:
            NotFoundError: a name is not in the file.
            DataLossError: values that cannot be read or do not match their checksums, all
                named in one message, raised once every value has been read (arrays given
                to fill then hold what the file has, damaged or not).
        """
        out, checks = {}, []
        with ThreadPoolExecutor(1, thread_name_prefix="flowkit-crc") as pool:
            for name, buf in targets.items():
                key = self._key(name)
                if key not in self._entries:
                    raise errors.NotFoundError(None, None, f"Key {key} not found in "
                                               f"checkpoint '{self.path}'.")
                shape, native = self._entries[key]
                path, what = self._paths[key], f"variable '{key}'"
                if buf is not None and self.can_read_into(key, buf):
                    self._read_direct(key, buf)
                    arr = buf
                else:
                    try:
                        arr = np.asarray(self._datasets[key][()])
                    except (OSError, RuntimeError, ValueError, KeyError) as e:
                        raise _loss(self.path, what, f"could not be read ({e})") from None
                    if arr.shape != shape or arr.dtype.newbyteorder("=") != native:
                        raise _loss(self.path, what, "read back with a different shape or "
                                    "dtype than declared")
                    out[name] = arr
                if path in self._crc:
                    checks.append((key, self._crc[path], pool.submit(checksum, arr)))
        bad = [f"'{key}' (stored XXH3-64 {stored:016x}, read {f.result():016x})"
               for key, stored, f in checks if f.result() != stored]
        if bad:
            raise _loss(self.path, f"{len(bad)} variable(s)", "do not match their checksums "
                        f"(their bytes changed after they were saved): {', '.join(bad)}")
        return {name: arr.astype(self._entries[self._key(name)][1], copy=False)
                for name, arr in out.items()}

    def verify(self) -> int:
        """Reads every dataset of the file (variables, the graph, its constants) and checks
        each against its checksum; returns how many were checked (0 for a file without
        checksums).

        Raises:
            DataLossError: every dataset that cannot be read or does not match, in one
                message.
        """
        datasets = [(self._paths[k], f"variable '{k}'", self._datasets[k])
                    for k in sorted(self._entries)]
        if self._graph is not None:
            datasets.append((GRAPH_DATASET, f"'{GRAPH_DATASET}'", self._graph))
        datasets += [(p, f"'{p}'", ds) for p, (_, ds) in sorted(self._constants.items())]
        bad, n = [], 0
        for path, what, ds in datasets:
            if path not in self._crc:
                continue
            n += 1
            try:
                self._read(path, what, ds)
            except errors.DataLossError as e:
                bad.append(str(e).split(" is damaged: ", 1)[-1])
        if bad:
            raise errors.DataLossError(None, None, f"Checkpoint '{self.path}' is damaged: "
                                       + "; ".join(bad))
        return n

    @property
    def has_graph(self) -> bool:
        return self._graph is not None

    def graph_json(self):
        """The stored graph description (a JSON string), or ``None``."""
        if self._graph is None:
            return None
        raw = self._read(GRAPH_DATASET, f"'{GRAPH_DATASET}'", self._graph).tobytes()
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _loss(self.path, f"'{GRAPH_DATASET}'", "is not UTF-8 text") from None

    def constant_entries(self) -> dict:
        """``{path: (shape tuple, numpy dtype)}`` of the graph's arrays stored as datasets
        (under ``_flowkit/constants``), sorted by path."""
        return {p: entry for p, (entry, _) in sorted(self._constants.items())}

    def read_graph_arrays(self, refs) -> dict:
        """Reads the datasets that the graph's references name: ``refs`` is
        ``[(where, {"$": "dataset", "path", "dtype", "shape"})]`` (see
        :func:`~flowkit.checkpoint.graph_json.dataset_refs`); returns ``{path: read-only
        array}``. A reference may name a dataset under ``_flowkit/constants`` or a variable's.

        Raises:
            InvalidArgumentError: references that are malformed, name no such dataset, or
                disagree with it in shape or dtype; all of them in one message, before
                anything is read.
            DataLossError: a dataset does not match its checksum.
        """
        variables = {p: n for n, p in self._paths.items()}
        problems, found = [], {}
        for where, ref in refs:
            bad = check_dataset_ref(ref)
            if bad:
                problems.append(f"{where}: {bad}")
                continue
            path = ref["path"]
            if path in self._constants:
                (shape, dt), ds = self._constants[path]
            elif path in variables:
                shape, dt = self._entries[variables[path]]
                ds = self._datasets[variables[path]]
            else:
                problems.append(f"{where} refers to dataset '{path}', which is not in the file")
                continue
            stored = f"{list(shape)} {_NUMERIC[dt].name}"
            if ref["shape"] != list(shape) or ref["dtype"] != _NUMERIC[dt].name:
                problems.append(f"{where} refers to dataset '{path}' as {ref['shape']} "
                                f"{ref['dtype']}, but it holds {stored}")
                continue
            found[path] = (ds, shape, dt)
        if problems:
            raise errors.InvalidArgumentError(
                None, None, f"Cannot import the graph stored in '{self.path}': "
                f"{len(problems)} reference(s) to stored arrays do not match the file:\n  "
                + "\n  ".join(problems))
        out = {}
        for path, (ds, shape, dt) in found.items():
            arr = self._read(path, f"'{path}'", ds)
            if arr.shape != shape:
                raise _loss(self.path, f"'{path}'", "read back with a different shape than "
                            "declared")
            arr = arr.astype(dt, copy=False)
            arr.flags.writeable = False       # a constant's value, as tf.constant makes it
            out[path] = arr
        return out

    def debug_string(self) -> str:
        return "".join(f"{n} ({_NUMERIC[dt].name}) {list(s)}\n"
                       for n, (s, dt) in sorted(self._entries.items()))

    def close(self) -> None:
        f, self._file = getattr(self, "_file", None), None
        if f is not None:
            try:
                f.close()
            except Exception:  # noqa: BLE001 - closing a damaged file must not mask the error
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
