"""Atomic file replacement: a reader sees the old file or the new one, never half of one.

The recipe: write the new content to a temporary file *in the same folder* (a rename is only
atomic within one file system), flush it and ``fsync`` it so the bytes are on disk, then
``os.replace`` it over the target and ``fsync`` the folder so the rename itself is durable.
A process killed at any moment leaves either the old target or the new one; at worst a
stray temporary file, which the next save of the same target removes.

Example:
    >>> import os, tempfile
    >>> d = tempfile.mkdtemp()
    >>> write_bytes_atomic(os.path.join(d, "state"), b"hello")
    >>> open(os.path.join(d, "state"), "rb").read()
    b'hello'
"""
from __future__ import annotations

import os
import re
import secrets
import threading

_TMP_MARK = ".tmp-"


def temp_path_for(path: str) -> str:
    """A fresh temporary name next to ``path``: ``<path>.tmp-<pid>-<random>``."""
    return f"{path}{_TMP_MARK}{os.getpid()}-{secrets.token_hex(4)}"


def remove_stale_temps(path: str, any_name_ending: str = "") -> None:
    """Removes temporary files of ``path`` left by processes that no longer run; with
    ``any_name_ending`` (say ``".h5"``), those of every file in its folder with that ending."""
    folder, base = os.path.split(os.path.abspath(path))
    target = (r".*" + re.escape(any_name_ending)) if any_name_ending else re.escape(base)
    pattern = re.compile(rf"^{target}{re.escape(_TMP_MARK)}(\d+)-[0-9a-f]+$")
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        m = pattern.match(name)
        if m is None:
            continue
        pid = int(m.group(1))
        if pid == os.getpid() or _pid_alive(pid):
            continue
        try:
            os.remove(os.path.join(folder, name))
        except OSError:
            pass


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


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
    tmp = temp_path_for(path)
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        _silent_remove(tmp)
        raise
    fsync_dir(os.path.dirname(os.path.abspath(path)))


def _silent_remove(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass
