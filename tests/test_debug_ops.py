"""Debug ops: tf.Print / tf.print output (TF's formats), check_numerics and
add_check_numerics_ops, the assert family, py_func, identity_n, ensure_shape."""
import subprocess
import sys

import numpy as np
import pytest

import flowkit as tf
from flowkit.ops import debug_ops as dbg


def test_print_is_an_identity_that_prints(session, capfd):
    x = tf.constant([1, 2, 3, 4])
    m = tf.constant([[0.5, 1.0], [1.5, 2.0]])
    y = dbg.Print(x, [x, m, tf.reduce_sum(x)], "x: ", first_n=2)
    sess = session()
    for _ in range(3):
        assert sess.run(y).tolist() == [1, 2, 3, 4]
    err = capfd.readouterr().err.splitlines()
    assert err == ["x: [1 2 3...][[0.5 1][1.5...]...][10]"] * 2     # first_n=2
    c = tf.constant([1.0, 2.0])
    g, = tf.gradients(tf.reduce_sum(dbg.Print(c, [], "") * 3.0), [c])
    assert sess.run(g).tolist() == [3.0, 3.0]


def test_tf_print_formats_like_numpy(session, capsys):
    x = tf.constant(np.arange(10))
    m = tf.constant([[1.5, 2.0], [3.0, 4.25]])
    op = dbg.print("x:", x, m, {"k": tf.constant(True)}, output_stream=sys.stdout)
    assert isinstance(op, tf.Operation)
    with tf.control_dependencies([op]):
        y = tf.identity(x)
    session().run(y)
    assert capsys.readouterr().out == \
        "x: [0 1 2 ... 7 8 9] [[1.5 2]\n [3 4.25]] {'k': 1}\n"


def test_print_to_file(session, tmp_path):
    path = tmp_path / "log.txt"
    session().run(dbg.print("v", tf.constant([1, 2]), output_stream=f"file://{path}",
                            sep="=", end="!"))
    assert path.read_text() == "v=[1 2]!"
    with pytest.raises(ValueError, match="Unsupported output stream"):
        dbg.print("x", output_stream=object())


def test_check_numerics(session):
    x = tf.placeholder(tf.float32, [None])
    y = dbg.check_numerics(tf.log(x), "log of x")
    sess = session()
    assert np.allclose(sess.run(y, {x: [1.0, np.e]}), [0.0, 1.0])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"CheckNumerics.*log of x : Tensor had Inf and NaN values"):
        sess.run(y, {x: [0.0, -1.0]})
    z = dbg.verify_tensor_all_finite(x * 2.0, "doubled")
    with pytest.raises(tf.errors.InvalidArgumentError, match="doubled : Tensor had Inf"):
        sess.run(z, {x: [np.inf]})
    with pytest.raises(TypeError, match="float"):
        dbg.check_numerics(tf.constant([1]), "ints")


def test_add_check_numerics_ops_names_the_tensor(session):
    x = tf.placeholder(tf.float32, [2], name="x")
    tf.sqrt(x, name="root")
    check = dbg.add_check_numerics_ops()
    sess = session()
    sess.run(check, {x: [1.0, 4.0]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="root:0 : Tensor had NaN"):
        sess.run(check, {x: [1.0, -4.0]})


def test_assert_family(session):
    x = tf.placeholder(tf.float32, [3], name="x")
    eq = dbg.assert_equal(x, tf.ones([3]))
    pos = dbg.assert_positive(x, message="must be positive")
    sess = session()
    sess.run([eq, pos], {x: [1.0, 1.0, 1.0]})
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"Condition x == y did not hold element-wise:\] \[x \(x:0\)"):
        sess.run(eq, {x: [1.0, 2.0, 1.0]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="must be positive"):
        sess.run(pos, {x: [1.0, -2.0, 1.0]})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Condition x < y"):
        dbg.assert_less(tf.constant([1, 5]), tf.constant([2, 3]))     # static: at once
    with pytest.raises(ValueError, match="must have rank 2.  Received rank 1"):
        dbg.assert_rank(x, 2)
    assert dbg.assert_rank(x, 1).type == "NoOp"
    with pytest.raises(TypeError, match="must be of type"):
        dbg.assert_type(x, tf.int32)
    r = tf.placeholder(tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="must have rank"):
        sess.run(dbg.assert_rank(r, 2), {r: [1.0]})


def test_py_func(session):
    x = tf.placeholder(tf.float32, [None])
    doubled, n = dbg.py_func(lambda a: (a * 2, np.int32(a.size)), [x], [tf.float32, tf.int32])
    total = dbg.numpy_function(lambda a: a.sum(), [x], tf.float32)
    assert doubled.shape.ndims is None and n.dtype == tf.int32
    sess = session()
    d, k, t = sess.run([doubled, n, total], {x: [1.0, 2.0]})
    assert d.tolist() == [2.0, 4.0] and k == 2 and t == 3.0
    assert tf.gradients(tf.reduce_sum(doubled), x) == [None]
    bad = dbg.py_func(lambda a: 1.0, [x], tf.float32)      # a Python float is float64
    with pytest.raises(tf.errors.InvalidArgumentError, match="is float64, but expects float32"):
        sess.run(bad, {x: [1.0]})
    calls = []
    side = dbg.py_func(lambda: calls.append(1), [], [])
    assert isinstance(side, tf.Operation)
    sess.run(side)
    assert calls == [1]


def test_identity_n_and_ensure_shape(session):
    x = tf.placeholder(tf.float32, [None, None])
    a, b = dbg.identity_n([x, tf.constant(2)])
    e = dbg.ensure_shape(x, [None, 2])
    assert e.shape.as_list() == [None, 2]
    sess = session()
    assert sess.run([a, b, e], {x: [[1.0, 2.0]]})[1] == 2
    with pytest.raises(tf.errors.InvalidArgumentError, match="expected shape"):
        sess.run(e, {x: [[1.0, 2.0, 3.0]]})
    with pytest.raises(ValueError, match="not compatible"):
        dbg.ensure_shape(tf.zeros([2, 3]), [2, 2])


_PROGRAM = r'''
import sys, numpy as np
if sys.argv[1] == "tf":
    import tensorflow.compat.v1 as tf
    tf.disable_eager_execution()
    from tensorflow import print as tprint
    Print = tf.Print
else:
    import flowkit as tf
    from flowkit.ops.debug_ops import Print, print as tprint
x = tf.constant(np.arange(10, dtype=np.int32))
m = tf.constant(np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 7)
d = tf.constant([0.1, 1e-8, 3.14159265, 1e20, np.inf, np.nan])
dd = tf.constant(np.array([0.1, 1 / 3]))
s = tf.constant(["ab", "c"])
b = tf.constant([True, False])
sess = tf.Session()
sess.run(Print(x, [x, m, b, s, d, dd], "msg: "))
sess.run(Print(x, [m], summarize=-1))
for op in [tprint("a", x, m, b, s, d, dd, {"k": x}, [1, x], output_stream=sys.stdout),
           tprint(m, summarize=1, output_stream=sys.stdout),
           tprint(tf.constant(np.arange(100).reshape(10, 10)), summarize=-1,
                  output_stream=sys.stdout, sep="|", end="!\n")]:
    sess.run(op)
'''


@pytest.mark.tf
def test_print_formats_against_tf1(tf1, tmp_path):
    script = tmp_path / "prog.py"
    script.write_text(_PROGRAM)
    outs = {}
    for lib in ("tf", "fk"):
        p = subprocess.run([sys.executable, str(script), lib], capture_output=True, text=True,
                           env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": ""}, timeout=120)
        assert p.returncode == 0, p.stderr
        err = [ln for ln in p.stderr.splitlines()
               if ln.startswith(("msg: ", "[[[")) and "absl" not in ln]
        outs[lib] = (p.stdout, err)
    assert outs["fk"] == outs["tf"]


@pytest.mark.tf
def test_py_func_gets_scalars_as_tf_passes_them(session, tf1):
    """A 0-d value reaches the function as a NumPy scalar (a scalar string as ``bytes``), an
    array as an array, in TF and in flowkit alike."""
    def build(mod, seen):
        def f(x, y, z):
            seen.extend([type(x), type(y), type(z), x, list(y), z])
            return np.int64(0)
        return mod.py_func(f, [mod.constant(b"ab"), mod.constant([b"a", b"b"]),
                               mod.constant(3.0)], mod.int64)
    theirs, ours = [], []
    g = tf1.Graph()
    with g.as_default():
        out = build(tf1, theirs)
        with tf1.Session(graph=g) as s:
            s.run(out)
    with session() as sess:
        sess.run(build(tf, ours))
    assert ours == theirs
    assert ours[:3] == [bytes, np.ndarray, np.float32]
