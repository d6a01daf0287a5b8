"""Atomic file replacement: a reader sees the old file or the new one, never half of one.

The recipe: write the new content to a temporary file *in the same folder* (a rename is only
atomic within one file system), flush it and ``fsync`` it so the bytes are on disk, then
``os.replace`` it over the target and ``fsync`` the folder so the rename itself is durable.
A process killed at any moment leaves either the old target or the new one; at worst a
stray temporary file, which the next save of the same target removes: each temporary file is
locked by its writer until it is renamed (:class:`TempFile`), so one that nobody holds locked
is known to be left over (:func:`remove_stale_temps`).

Example:
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> write_bytes_atomic(os.path.join(d, "state"), b"hello")
    >>> open(os.path.join(d, "state"), "rb").read()
    b'hello'
"""
from __future__ import annotations

import fcntl
import os
import re
import secrets
import threading
import time

_TMP_MARK = ".tmp-"
#: Where files cannot be locked, a temporary file untouched for this long counts as stale.
STALE_AFTER_S = 3600.0


def temp_path_for(path: str) -> str:
    """A fresh temporary name next to ``path``: ``<path>.tmp-<pid>-<random>`` (the pid only
    tells a person which process wrote it; staleness is decided by a lock, see
    :class:`TempFile`)."""
    return f"{path}{_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"


class TempFile:
    """A new, empty temporary file next to ``path``, locked (``flock``) until :meth:`release`.

    The lock is what tells a live save from a dead one: it is held from the file's creation
    until after it is renamed into place (or removed), and the kernel drops it when the
    process dies, however it dies. :func:`remove_stale_temps` removes only temporary files it
    can lock itself. (The lock belongs to this open file, not to the process, so HDF5 opening
    and closing the same file does not release it.)
    """

    def __init__(self, path: str) -> None:
        self.path = temp_path_for(path)
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            pass                # no locks on this file system: the age rule applies

    @property
    def fd(self) -> int:
        """The file's descriptor (open for reading and writing) while it is held."""
        return self._fd

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)        # closing the file drops its lock

    def discard(self) -> None:
        """Removes the file (if still there), then releases the lock."""
        _silent_remove(self.path)
        self.release()


def temp_name_pattern(base_regex: str):
    """The names of the temporary files of the files whose names match ``base_regex``."""
    return re.compile(rf"^(?:{base_regex}){re.escape(_TMP_MARK)}\d+-[0-9a-f]+$")


def remove_stale_temps(path: str, base_regex: str = "") -> list:
    """Removes the stale temporary files of ``path`` (or, with ``base_regex``, of every file
    in its folder whose name matches it), returning their paths.

    A temporary file is stale when no live writer holds its lock: we can lock it ourselves
    (the rule of :class:`TempFile`). Where the file system refuses locks, it is stale once
    nobody has written to it for :data:`STALE_AFTER_S` seconds. Nothing else in the folder
    is touched: only names ``<name>.tmp-<pid>-<hex>`` whose ``<name>`` matches.
    """
    folder, base = os.path.split(os.path.abspath(path))
    pattern = temp_name_pattern(base_regex or re.escape(base))
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    removed = []
    for name in names:
        if pattern.match(name) is None:
            continue
        full = os.path.join(folder, name)
        try:
            fd = os.open(full, os.O_RDONLY)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue                                    # a live save is writing it
            except OSError:                                 # no locks here: go by age
                if time.time() - os.fstat(fd).st_mtime < STALE_AFTER_S:
                    continue
            os.remove(full)
            removed.append(full)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: str) -> None:
    """Makes a rename in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class BackgroundSync:
    """``fsync`` of a file in a thread, started while the file is still being written: the
    bytes written so far go to disk while the rest is prepared, so that the final ``fsync``
    (which :func:`commit` still does) has little left to wait for. :meth:`wait` re-raises an
    error of the early ``fsync`` (after a failed ``fsync`` the kernel may report the next
    one as successful, so such an error must not be lost)."""

    def __init__(self, path: str) -> None:
        self._error = None
        self._thread = threading.Thread(target=self._run, args=(path,), daemon=True,
                                        name="flowkit-fsync")
        self._thread.start()

    def _run(self, path):
        try:
            fsync_file(path)
        except OSError as e:
            self._error = e

    def wait(self) -> None:
        self._thread.join()
        if self._error is not None:
            raise self._error


def commit(tmp: str, path: str) -> None:
    """Syncs the finished temporary file ``tmp`` and renames it over ``path``."""
    fsync_file(tmp)
    os.replace(tmp, path)
    fsync_dir(os.path.dirname(os.path.abspath(path)))


def write_bytes_atomic(path: str, data: bytes) -> None:
    """Replaces ``path`` with ``data`` atomically."""
    tmp = TempFile(path)
    try:
        with open(tmp.path, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp.path, path)
    except BaseException:
        tmp.discard()
        raise
    tmp.release()
    fsync_dir(os.path.dirname(os.path.abspath(path)))


def _silent_remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
