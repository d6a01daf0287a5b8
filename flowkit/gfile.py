"""``tf.gfile``: TF1's file functions, on local files.

TF's ``gfile`` reaches local files and remote file systems (``gs://``, ``hdfs://``...);
flowkit reaches local paths (and ``file://`` URLs) and raises ``tf.errors.UnimplementedError``
for other schemes. Errors are TF's classes: a missing file is ``tf.errors.NotFoundError``, an
existing target without ``overwrite=True`` is ``tf.errors.AlreadyExistsError``. As in TF, a
:class:`GFile` opens its file on first use, a text mode (``"r"``) reads ``str`` and a binary
mode (``"rb"``) reads ``bytes``, and ``write`` takes either.

Example:
    >>> import tempfile, os
    >>> from flowkit import gfile
    >>> d = os.path.join(tempfile.mkdtemp(), "logs", "run1")
    >>> gfile.MakeDirs(d)
    >>> with gfile.GFile(os.path.join(d, "notes.txt"), "w") as f:
    ...     f.write("first line\\nsecond line\\n")
    >>> gfile.ListDirectory(d), gfile.Exists(os.path.join(d, "notes.txt"))
    (['notes.txt'], True)
    >>> with gfile.GFile(os.path.join(d, "notes.txt")) as f:
    ...     [line.strip() for line in f]
    ['first line', 'second line']
    >>> gfile.DeleteRecursively(os.path.dirname(d)); gfile.Exists(d)
    False
"""
from __future__ import annotations

import contextlib
import errno
import glob as _glob
import os
import re
import shutil

from flowkit.framework import errors

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*)://")


def _local(path) -> str:
    path = os.fspath(path)
    if isinstance(path, bytes):
        path = path.decode("utf-8")
    m = _SCHEME.match(path)
    if m:
        if m.group(1).lower() != "file":
            raise errors.UnimplementedError(
                None, None, f"File system scheme '{m.group(1)}' not implemented (file: "
                f"'{path}'): flowkit's gfile reads and writes local files only.")
        path = path[m.end():]
    return path


@contextlib.contextmanager
def _tf_errors(path):
    """Turns OS errors into TF's error classes, with TF's messages."""
    try:
        yield
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    except FileExistsError:
        raise errors.AlreadyExistsError(None, None, f"{path}; File exists") from None
    except PermissionError:
        raise errors.PermissionDeniedError(None, None, f"{path}; Permission denied") from None
    except IsADirectoryError:
        raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory") from None
    except NotADirectoryError:
        raise errors.FailedPreconditionError(None, None, f"{path}; Not a directory") from None
    except OSError as e:
        if e.errno == errno.ENOTEMPTY:
            raise errors.FailedPreconditionError(None, None, f"{path}; Directory not empty"
                                                 ) from None
        raise errors.UnknownError(None, None, f"{path}; {e.strerror or e}") from None


class GFile:
    """A file with TF1's ``tf.gfile.GFile`` interface (also ``tf.gfile.Open``)."""

    def __init__(self, name, mode="r") -> None:
        if mode not in ("r", "rb", "w", "wb", "a", "ab", "r+", "rb+", "w+", "wb+", "a+"):
            raise errors.InvalidArgumentError(None, None, f"mode '{mode}' is not supported: "
                                              "use r, w, a (with b for binary, + to update)")
        self._name, self._mode = os.fspath(name), mode
        self._path = _local(name)
        self._binary = "b" in mode
        self._f = None
        self._closed = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def mode(self) -> str:
        return self._mode

    def _file(self):
        if self._closed:
            raise errors.FailedPreconditionError(None, None, f"{self._name}: file is closed")
        if self._f is None:
            mode = self._mode if "b" in self._mode else self._mode.replace("+", "") + "b" + \
                ("+" if "+" in self._mode else "")
            with _tf_errors(self._name):
                self._f = open(self._path, mode)
        return self._f

    def _out(self, data):
        return data if self._binary else data.decode("utf-8")

    def read(self, n=-1):
        """``n`` bytes/characters, or all that is left (``n=-1``)."""
        with _tf_errors(self._name):
            data = self._file().read(-1 if n is None else n)
        return self._out(data)

    def readline(self):
        with _tf_errors(self._name):
            return self._out(self._file().readline())

    def readlines(self):
        return list(self)

    def __iter__(self):
        return self

    def __next__(self):
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    next = __next__

    def write(self, file_content) -> None:
        """Writes ``str`` (as UTF-8) or ``bytes``."""
        if isinstance(file_content, str):
            file_content = file_content.encode("utf-8")
        with _tf_errors(self._name):
            self._file().write(file_content)

    def seek(self, offset=None, whence=0, position=None):
        offset = position if position is not None else offset
        with _tf_errors(self._name):
            return self._file().seek(offset, whence)

    def tell(self) -> int:
        return self._file().tell()

    def size(self) -> int:
        with _tf_errors(self._name):
            return os.stat(self._path).st_size

    def flush(self) -> None:
        if self._f is not None:
            self._f.flush()

    def close(self) -> None:
        if self._f is not None:
            self._f.close()
        self._f, self._closed = None, True

    def seekable(self) -> bool:
        return True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


Open = GFile
FastGFile = GFile


def Exists(filename) -> bool:  # noqa: N802 - TF1's names
    """Whether a file or directory exists."""
    return os.path.exists(_local(filename))


def IsDirectory(dirname) -> bool:  # noqa: N802
    return os.path.isdir(_local(dirname))


def MakeDirs(dirname) -> None:  # noqa: N802
    """Creates a directory and its parents (no error when it exists)."""
    with _tf_errors(dirname):
        os.makedirs(_local(dirname), exist_ok=True)


def MkDir(dirname) -> None:  # noqa: N802
    """Creates one directory (its parent must exist; no error when it exists, as in TF)."""
    path = _local(dirname)
    if os.path.isdir(path):
        return
    with _tf_errors(dirname):
        os.mkdir(path)


def DeleteRecursively(dirname) -> None:  # noqa: N802
    """Deletes a directory and everything under it (or a file)."""
    path = _local(dirname)
    with _tf_errors(dirname):
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path)
        else:
            os.remove(path)


def Remove(filename) -> None:  # noqa: N802
    """Deletes a file."""
    with _tf_errors(filename):
        os.remove(_local(filename))


def Rename(oldname, newname, overwrite=False) -> None:  # noqa: N802
    """Renames a file; ``AlreadyExistsError`` if ``newname`` exists, unless ``overwrite``."""
    old, new = _local(oldname), _local(newname)
    if not overwrite and os.path.exists(new):
        raise errors.AlreadyExistsError(None, None, f"file already exists: {newname}")
    with _tf_errors(oldname):
        os.replace(old, new)


def Copy(oldpath, newpath, overwrite=False) -> None:  # noqa: N802
    """Copies a file; ``AlreadyExistsError`` if ``newpath`` exists, unless ``overwrite``."""
    old, new = _local(oldpath), _local(newpath)
    if not overwrite and os.path.exists(new):
        raise errors.AlreadyExistsError(None, None, f"file already exists: {newpath}")
    with _tf_errors(oldpath):
        shutil.copyfile(old, new)


def ListDirectory(dirname) -> list:  # noqa: N802
    """The names of the entries of a directory (not ``.`` and ``..``)."""
    path = _local(dirname)
    if not os.path.isdir(path):
        raise errors.NotFoundError(None, None, f"Could not find directory {dirname}")
    with _tf_errors(dirname):
        return sorted(os.listdir(path))


def Glob(filename) -> list:  # noqa: N802
    """The paths that match a pattern (``*``, ``?``, ``[...]``)."""
    return sorted(_glob.glob(_local(filename)))


def Walk(top, in_order=True):  # noqa: N802
    """Yields ``(dirname, subdirectories, files)`` for ``top`` and the directories under it,
    parents first (``in_order``) or last; nothing when ``top`` does not exist."""
    for dirpath, dirnames, filenames in os.walk(_local(top), topdown=in_order):
        yield dirpath, sorted(dirnames), sorted(filenames)


class FileStatistics:
    """What :func:`Stat` returns."""

    def __init__(self, length, mtime_nsec, is_directory) -> None:
        self.length, self.mtime_nsec, self.is_directory = length, mtime_nsec, is_directory

    def __repr__(self) -> str:
        return (f"FileStatistics(length={self.length}, mtime_nsec={self.mtime_nsec}, "
                f"is_directory={self.is_directory})")


def Stat(filename) -> FileStatistics:  # noqa: N802
    with _tf_errors(filename):
        st = os.stat(_local(filename))
    return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(_local(filename)))
