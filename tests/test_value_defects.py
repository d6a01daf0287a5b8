"""Issue 12's value defects in the ops and kernels: each test failed before its fix. Values
and errors on every backend; where TensorFlow is the reference, a differential test against
``tf.compat.v1`` (``tf`` marker) checks that TF behaves the same way."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import flowkit as tf


def _run(session, fetches, feed=None):
    with session() as sess:
        return sess.run(fetches, feed)


def _tf1_run(tf1, build):
    """Runs ``build(tf1) -> (fetches, feed)`` in a fresh TF graph; the result or the error."""
    with tf1.Graph().as_default():
        fetches, feed = build(tf1)
        with tf1.Session() as sess:
            return sess.run(fetches, feed)


# --------------------------------------------------------------------------------------------
# 3. Assign of a value whose shape is known only at run time keeps the variable's shape
# --------------------------------------------------------------------------------------------
def test_assign_runtime_shape_mismatch_is_an_error_naming_the_variable(session):
    v = tf.Variable(np.zeros((2, 2), np.float32), name="weights")
    p = tf.placeholder(tf.float32, name="p")
    a = tf.assign(v, p)
    with session() as sess:
        sess.run(v.initializer)
        with pytest.raises(tf.errors.InvalidArgumentError,
                           match=r"variable 'weights'.*\[2, 2\].*\[5\]"):
            sess.run(a, {p: np.ones(5, np.float32)})
        assert sess.run(v).shape == (2, 2)
        sess.run(a, {p: np.full((2, 2), 3, np.float32)})
        assert sess.run(v).tolist() == [[3, 3], [3, 3]]


def test_assign_before_initialization_checks_the_static_shape(session):
    v = tf.Variable(np.zeros((2, 2), np.float32), name="v")
    p = tf.placeholder(tf.float32)
    with session() as sess, pytest.raises(tf.errors.InvalidArgumentError, match="'v'"):
        sess.run(tf.assign(v, p), {p: np.ones(3, np.float32)})


def test_assign_without_validate_shape_may_change_the_shape(session):
    v = tf.Variable(np.zeros((2, 2), np.float32), validate_shape=False, name="v")
    p = tf.placeholder(tf.float32)
    a = tf.assign(v, p, validate_shape=False)
    with session() as sess:
        sess.run(v.initializer)
        assert sess.run(a, {p: np.ones(5, np.float32)}).shape == (5,)


@pytest.mark.tf
def test_tf1_rejects_a_runtime_shape_mismatch_in_assign(tf1):
    def build(t):
        v = t.Variable(np.zeros((2, 2), np.float32), use_resource=False)
        p = t.placeholder(t.float32)
        with t.control_dependencies([v.initializer]):
            a = t.assign(v, p)
        return a, {p: np.ones(5, np.float32)}
    with pytest.raises(tf1.errors.InvalidArgumentError):
        _tf1_run(tf1, build)


# --------------------------------------------------------------------------------------------
# 4. Indexing kernels never truncate silently
# --------------------------------------------------------------------------------------------
INDEXING_MISUSE = [
    ("slice", lambda p: tf.slice(p, [3], [3])),
    ("slice_begin", lambda p: tf.slice(p, [6], [-1])),
    ("strided_slice_index", lambda p: p[7]),
    ("strided_slice_negative", lambda p: p[-6]),
    ("strided_slice_zero_stride",
     lambda p: tf.strided_slice(p, [0], [2], tf.placeholder_with_default([0], [1]))),
    ("gather", lambda p: tf.gather(p, [7])),
    ("gather_nd", lambda p: tf.gather_nd(p, [[5]])),
    ("split", lambda p: tf.split(p, [2, 2])[0]),
    ("split_even", lambda p: tf.split(p, 2)[0]),
    ("reshape", lambda p: tf.reshape(p, [2, 2])),
    ("tile", lambda p: tf.tile(p, tf.constant([-1]) * tf.ones([1], tf.int32))),
]


@pytest.mark.parametrize("build", [c[1] for c in INDEXING_MISUSE],
                         ids=[c[0] for c in INDEXING_MISUSE])
def test_indexing_misuse_is_an_invalid_argument_error(session, build):
    p = tf.placeholder(tf.int64, [None], name="p")
    out = build(p)
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        _run(session, out, {p: np.arange(5)})
    # flowkit's own words (shared by the backends), not a library's or the kernel check's
    assert "AssertionError" not in str(info.value)
    assert "out of bounds for axis" not in str(info.value)


def test_slice_message_names_the_argument_and_values(session):
    p = tf.placeholder(tf.int64, name="p")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"size\[0\] in \[0, 2\].* 3"):
        _run(session, tf.slice(p, [3], [3]), {p: np.arange(5)})


@pytest.mark.tf
@pytest.mark.parametrize("build", [c[1] for c in INDEXING_MISUSE[:-1]],
                         ids=[c[0] for c in INDEXING_MISUSE[:-1]])
def test_tf1_rejects_the_same_indexing_misuse(tf1, build):
    """The cases above, written with TF's own API, are errors in TF too."""
    tf_builds = {
        "slice": lambda t, p: t.slice(p, [3], [3]),
        "slice_begin": lambda t, p: t.slice(p, [6], [-1]),
        "strided_slice_index": lambda t, p: p[7],
        "strided_slice_negative": lambda t, p: p[-6],
        "strided_slice_zero_stride":
            lambda t, p: t.strided_slice(p, [0], [2], t.placeholder_with_default([0], [1])),
        "gather": lambda t, p: t.gather(p, [7]),
        "gather_nd": lambda t, p: t.gather_nd(p, [[5]]),
        "split": lambda t, p: t.split(p, [2, 2])[0],
        "split_even": lambda t, p: t.split(p, 2)[0],
        "reshape": lambda t, p: t.reshape(p, [2, 2]),
    }
    name = [c[0] for c in INDEXING_MISUSE if c[1] is build][0]

    def graph(t):
        p = t.placeholder(t.int64, [None])
        return tf_builds[name](t, p), {p: np.arange(5)}
    with pytest.raises(tf1.errors.InvalidArgumentError):
        _tf1_run(tf1, graph)


# --------------------------------------------------------------------------------------------
# 7. torch: reduction axes, zero-size split, negative strides, negative broadcast dims
# --------------------------------------------------------------------------------------------
def test_reduction_axis_out_of_range_is_an_error_at_run_time(session):
    p = tf.placeholder(tf.float32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="Invalid reduction dimension 64"):
        _run(session, tf.reduce_sum(p, axis=64), {p: np.ones((2, 3), np.float32)})


def test_reduction_axis_out_of_range_is_an_error_at_build_time():
    with pytest.raises(ValueError, match="Invalid reduction dimension 64"):
        tf.reduce_sum(tf.ones([2, 3]), axis=64)


def test_split_into_zero_size_pieces(session):
    p = tf.placeholder(tf.float32, [None, 2])
    out = _run(session, tf.split(p, 3), {p: np.zeros((0, 2), np.float32)})
    assert [o.shape for o in out] == [(0, 2)] * 3


def test_feed_with_negative_strides(session):
    p = tf.placeholder(tf.float64)
    assert _run(session, p * 2, {p: np.ones(1)[::-1]}).tolist() == [2.0]
    assert _run(session, p + 0, {p: np.arange(4.0)[::-2]}).tolist() == [3.0, 1.0]


def test_broadcast_to_negative_dimension_names_the_op(session):
    out = tf.broadcast_to(tf.ones([3]), tf.constant([-7, 0, 2, 3]) + 0, name="bcast")
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"bcast.*Dimension -7 must be"):
        _run(session, out)


# --------------------------------------------------------------------------------------------
# 8. integer reciprocal of 0; zero-size gradients
# --------------------------------------------------------------------------------------------
def test_integer_reciprocal_of_zero_is_an_error(session):
    p = tf.placeholder(tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match="reciprocal of 0"):
        _run(session, tf.reciprocal(p), {p: [1, 0]})


@pytest.mark.tf
def test_tf1_integer_reciprocal_is_an_error(tf1):
    with pytest.raises(tf1.errors.InvalidArgumentError):
        _tf1_run(tf1, lambda t: (t.reciprocal(t.constant([2, 0])), None))


@pytest.mark.parametrize("fn", [lambda x: tf.reduce_prod(x), lambda x: tf.reduce_prod(x, 0),
                                lambda x: tf.cumprod(x, 0, exclusive=True),
                                lambda x: tf.cumprod(x, 1, exclusive=True, reverse=True),
                                lambda x: tf.nn.bias_add(x, tf.zeros([3]))],
                         ids=["prod_all", "prod_0", "cumprod_excl", "cumprod_excl_rev",
                              "bias_add"])
def test_zero_size_gradients(session, fn):
    x = tf.placeholder(tf.float32, [None, 3])
    g = tf.gradients(fn(x), x)[0]
    assert _run(session, g, {x: np.zeros((0, 3), np.float32)}).shape == (0, 3)


# --------------------------------------------------------------------------------------------
# 9. invert_permutation, complex operands, strings
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("perm, match", [([0, 0, 1], "0 is duplicated"),
                                         ([0, 3, 1], "3 is not between 0 and 3")])
def test_invert_permutation_validates(session, perm, match):
    p = tf.placeholder(tf.int32)
    with pytest.raises(tf.errors.InvalidArgumentError, match=match):
        _run(session, tf.invert_permutation(p), {p: perm})


def test_invert_permutation_keeps_int64(session):
    y = tf.invert_permutation(np.array([2, 0, 1], np.int64))
    assert y.dtype == tf.int64
    out = _run(session, y)
    assert out.tolist() == [1, 2, 0] and out.dtype == np.int64


@pytest.mark.tf
def test_tf1_invert_permutation(tf1):
    out = _tf1_run(tf1, lambda t: (t.invert_permutation(np.array([2, 0, 1], np.int64)), None))
    assert out.dtype == np.int64
    with pytest.raises(tf1.errors.InvalidArgumentError):
        _tf1_run(tf1, lambda t: (t.invert_permutation([0, 0, 1]), None))


def test_complex_python_operand_on_a_float_tensor_is_a_type_error():
    with pytest.raises(TypeError):
        tf.ones([2]) + (1 + 2j)


@pytest.mark.tf
def test_tf1_complex_python_operand_is_a_type_error(tf1):
    with tf1.Graph().as_default(), pytest.raises(TypeError):
        tf1.ones([2]) + (1 + 2j)


def test_zeros_like_and_pad_of_strings(session):
    s = tf.constant(["a", "b"])
    z, padded = _run(session, [tf.zeros_like(s), tf.pad(s, [[1, 1]])])
    assert z.tolist() == ["", ""]
    assert padded.tolist() == ["", "a", "b", ""]
    assert all(type(v) is str for v in padded)


@pytest.mark.tf
def test_tf1_zeros_like_and_pad_of_strings(tf1):
    z, padded = _tf1_run(tf1, lambda t: ([t.zeros_like(t.constant(["a", "b"])),
                                          t.pad(t.constant(["a", "b"]), [[1, 1]])], None))
    assert z.tolist() == [b"", b""] and padded.tolist() == [b"", b"a", b"b", b""]


# --------------------------------------------------------------------------------------------
# 11. plugins load once when the first sessions are made by several threads
# --------------------------------------------------------------------------------------------
def test_first_sessions_from_eight_threads():
    pytest.importorskip("torch", reason="the race was between the numpy and torch backends")
    code = textwrap.dedent("""
        import threading
        import flowkit as tf
        errors = []
        barrier = threading.Barrier(8)
        def work(i):
            try:
                barrier.wait()
                g = tf.Graph()
                with g.as_default():
                    x = tf.constant([1.0, 2.0]) * 2
                with tf.Session(graph=g, backend="torch" if i % 2 else "numpy") as s:
                    assert s.run(x).tolist() == [2.0, 4.0]
            except Exception as e:
                errors.append(f"{type(e).__name__}: {e}")
        threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("ERRORS", errors)
    """)
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                             timeout=120)
        assert "ERRORS []" in out.stdout, out.stdout + out.stderr


# --------------------------------------------------------------------------------------------
# 12. constant-value inference is iterative
# --------------------------------------------------------------------------------------------
def test_shape_through_a_thousand_identities(session):
    x = tf.placeholder(tf.float32, [2, 3])
    s = tf.shape(x)
    for _ in range(1500):
        s = tf.identity(s)
    y = tf.reshape(x, s)
    assert y.shape.as_list() == [2, 3]
    assert _run(session, y, {x: np.ones((2, 3), np.float32)}).shape == (2, 3)


def test_partial_shape_through_a_long_chain_of_casts():
    x = tf.placeholder(tf.float32, [None, 3])
    s = tf.shape(x)
    for i in range(1500):
        s = tf.cast(s, tf.int64 if i % 2 == 0 else tf.int32)
    assert tf.reshape(x, s).shape.as_list() == [None, 3]


# --------------------------------------------------------------------------------------------
# 13. reducing a scalar over axis 0 is a build-time error
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("axis", [0, -1])
def test_reduce_scalar_over_an_axis_is_a_value_error(axis):
    with pytest.raises(ValueError, match="Invalid reduction dimension"):
        tf.reduce_max(tf.constant(1.0), axis=axis)


@pytest.mark.tf
def test_tf1_reduce_scalar_over_an_axis_is_a_value_error(tf1):
    with tf1.Graph().as_default(), pytest.raises(ValueError):
        tf1.reduce_max(tf1.constant(1.0), axis=0)


# --------------------------------------------------------------------------------------------
# Strings keep every byte: NumPy's fixed-width strings dropped trailing NULs
# --------------------------------------------------------------------------------------------
def test_string_constants_keep_trailing_nuls(session):
    values = [[b"\xff\x00", b"ab"], [b"\x00", b""]]
    got = _run(session, [tf.constant(values), tf.constant(b"x\x00\x00"),
                         tf.size(tf.constant(values))])
    assert got[0].tolist() == values and got[1] == b"x\x00\x00" and got[2] == 4


def test_tf1_keeps_trailing_nuls_in_string_constants(tf1):
    got = _tf1_run(tf1, lambda m: ([m.constant([b"\xff\x00", b"ab"]), m.constant(b"x\x00\x00")],
                                   None))
    assert got[0].tolist() == [b"\xff\x00", b"ab"] and got[1] == b"x\x00\x00"
