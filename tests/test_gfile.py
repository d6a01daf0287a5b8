"""tf.gfile (flowkit.gfile) on local files, against TF's tf.compat.v1.gfile."""
import os

import pytest

from flowkit import gfile
from flowkit.framework import errors


def exercise(g, errs, root):
    """The same calls with ``g`` (a gfile module) and ``errs`` (its errors module); returns
    what they give, with errors as class names."""
    out = []

    def record(fn, *args, **kwargs):
        try:
            r = fn(*args, **kwargs)
            out.append(r if not isinstance(r, list) else sorted(
                os.path.relpath(x, root) if os.path.isabs(x) else x for x in r))
        except errs.OpError as e:
            out.append(type(e).__name__)
    d = os.path.join(root, "a", "b")
    record(g.MakeDirs, d)
    record(g.MakeDirs, d)
    record(g.MkDir, d)
    record(g.IsDirectory, d)
    with g.GFile(os.path.join(d, "t.txt"), "w") as f:
        f.write("héllo\nworld\n")
        f.write(b"bytes\n")
    with g.GFile(os.path.join(d, "t.txt")) as f:
        out.append(f.read())
    with g.GFile(os.path.join(d, "t.txt"), "rb") as f:
        out.append(f.readline())
        out.append(f.read(3))
        out.append(f.tell())
    with g.Open(os.path.join(d, "t.txt"), "r") as f:
        out.append(list(f))
        out.append(f.size())
    record(g.Copy, os.path.join(d, "t.txt"), os.path.join(d, "u.txt"))
    record(g.Copy, os.path.join(d, "t.txt"), os.path.join(d, "u.txt"))
    record(g.Copy, os.path.join(d, "t.txt"), os.path.join(d, "u.txt"), overwrite=True)
    record(g.Rename, os.path.join(d, "u.txt"), os.path.join(d, "t.txt"))
    record(g.Rename, os.path.join(d, "u.txt"), os.path.join(d, "v.txt"))
    record(g.ListDirectory, d)
    record(g.Glob, os.path.join(root, "a", "*", "*.txt"))
    record(g.Exists, os.path.join(d, "v.txt"))
    record(g.Remove, os.path.join(d, "v.txt"))
    record(g.Remove, os.path.join(d, "v.txt"))
    record(g.ListDirectory, os.path.join(root, "missing"))
    record(lambda: g.GFile(os.path.join(root, "missing.txt")).read())
    out.append([(os.path.relpath(p, root), s, f) for p, s, f in g.Walk(root)])
    record(g.DeleteRecursively, os.path.join(root, "a"))
    record(g.DeleteRecursively, os.path.join(root, "a"))
    record(g.Exists, d)
    return out


def test_local_files(tmp_path):
    got = exercise(gfile, errors, str(tmp_path))
    assert got[4] == "héllo\nworld\nbytes\n"
    assert got[5:7] == [b"h\xc3\xa9llo\n", b"wor"]
    assert "AlreadyExistsError" in got and "NotFoundError" in got


def test_other_schemes_are_unimplemented():
    with pytest.raises(errors.UnimplementedError, match="gs"):
        gfile.Exists("gs://bucket/x")
    assert gfile.Exists("file:///") is True


@pytest.mark.tf
def test_matches_tf(tmp_path, tf1):
    (tmp_path / "tf").mkdir()
    (tmp_path / "fk").mkdir()
    want = exercise(tf1.gfile, tf1.errors, str(tmp_path / "tf"))
    got = exercise(gfile, errors, str(tmp_path / "fk"))
    assert got == want
