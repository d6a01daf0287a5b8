"""The PyTorch backend: devices, conversions at the boundary only, parity with NumPy, laziness.

The op tests of the other files already run on torch through the ``backend`` fixture; this
file tests what is particular to the backend itself.
"""
import contextlib
import io
import os
import subprocess
import sys

import numpy as np
import pytest

import flowkit as tf
from flowkit import plugins

torch = pytest.importorskip("torch")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _torch_devices():
    params = []
    for dev in plugins.get_backend("torch").devices():
        marks = [pytest.mark.cuda] if dev.startswith("cuda") else []
        params.append(pytest.param(dev, id=dev, marks=marks))
    return params


@pytest.fixture(params=_torch_devices())
def device(request):
    if not plugins.get_backend("torch").devices().get(request.param):
        pytest.skip(f"torch device {request.param} is not available here")
    return request.param


def _run_python(code):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([ROOT, os.path.join(ROOT, "plugins")]))
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)


def _mlp(dtype=tf.float32, seed=0):
    """A 2-layer MLP with a squared loss; returns placeholders, variables, loss, gradients."""
    rng = np.random.default_rng(seed)
    npd = dtype.as_numpy_dtype
    x = tf.placeholder(dtype, [None, 6], name="x")
    y = tf.placeholder(dtype, [None, 3], name="y")
    w1 = tf.Variable(rng.standard_normal((6, 8)).astype(npd), name="w1")
    b1 = tf.Variable(rng.standard_normal(8).astype(npd), name="b1")
    w2 = tf.Variable(rng.standard_normal((8, 3)).astype(npd), name="w2")
    b2 = tf.Variable(np.zeros(3, npd), name="b2")
    h = tf.nn.relu(tf.matmul(x, w1) + b1)
    out = tf.matmul(h, w2) + b2
    loss = tf.reduce_mean((out - y) * (out - y))
    variables = [w1, b1, w2, b2]
    return x, y, variables, out, loss, tf.gradients(loss, variables)


def _train_op(loss, variables, grads, lr=0.1):
    sgd = getattr(tf.train, "GradientDescentOptimizer", None)
    if sgd is not None:
        return sgd(lr).minimize(loss, var_list=variables)
    return tf.group(*[tf.assign_sub(v, lr * g) for v, g in zip(variables, grads)]) \
        if hasattr(tf, "group") else [tf.assign_sub(v, lr * g) for v, g in zip(variables, grads)]


def _batch(n=5, seed=1, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 6)).astype(dtype), rng.standard_normal((n, 3)).astype(dtype)


# --------------------------------------------------------------------------------------------
def test_devices_listing():
    be = plugins.get_backend("torch")
    devs = be.devices()
    assert devs["cpu"] is True
    assert devs["cuda"] == torch.cuda.is_available()
    n = torch.cuda.device_count() if torch.cuda.is_available() else 0
    assert sorted(d for d in devs if d.startswith("cuda:")) == sorted(f"cuda:{i}"
                                                                      for i in range(n))
    if not devs["cuda"]:
        with pytest.raises(ValueError, match="cuda .not available here"):
            tf.Session(backend="torch", device="cuda")


def test_cli_plugins_shows_torch_devices():
    from flowkit import cli
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        assert cli.main(["plugins"]) == 0
    text = buf.getvalue()
    line = next(ln for ln in text.splitlines() if "backend torch" in ln)
    assert "cpu (available)" in line
    cuda_state = "available" if torch.cuda.is_available() else "not available"
    assert f"cuda ({cuda_state})" in line


def test_required_kernels_covered():
    from flowkit.framework.registry import REQUIRED_KERNELS
    missing = sorted(REQUIRED_KERNELS - set(plugins.get_backend("torch").kernels))
    assert not missing, f"torch backend lacks kernels for {missing}"


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, np.int8, np.int16,
                                   np.int32, np.int64, np.uint8, np.bool_])
def test_round_trip_keeps_dtype_and_shape(device, dtype):
    be = plugins.get_backend("torch")
    for value in (np.arange(6).reshape(2, 3).astype(dtype), np.array(1, dtype=dtype)):
        t = be.to_native(value, device)
        assert isinstance(t, torch.Tensor) and t.device.type == device.split(":")[0]
        back = be.to_numpy(t)
        assert back.dtype == value.dtype and back.shape == value.shape
        np.testing.assert_array_equal(back, value)


def test_strings_stay_numpy():
    be = plugins.get_backend("torch")
    s = np.array([b"a", b"bc"], dtype=object)
    assert be.to_native(s, "cpu") is s
    x = tf.constant(["a", "bc"])
    fetches = [tf.reshape(x, [2, 1]), tf.stack([x, x]), tf.shape(x), tf.identity(x)]
    with tf.Session(backend="numpy") as sess:
        expected = sess.run(fetches)
    with tf.Session(backend="torch") as sess:
        got = sess.run(fetches)
    for a, b in zip(expected, got):
        assert a.dtype == b.dtype and a.tolist() == b.tolist()


def test_make_rng_is_deterministic(device):
    be = plugins.get_backend("torch")
    g1, g2 = be.make_rng((1, 2), device), be.make_rng((1, 2), device)
    a = torch.rand(5, generator=g1, device=g1.device)
    b = torch.rand(5, generator=g2, device=g2.device)
    assert torch.equal(a, b)
    c = torch.rand(5, generator=be.make_rng((2, 1), device), device=g1.device)
    assert not torch.equal(a, c)
    n1 = torch.rand(5, generator=be.make_rng(None, device), device=g1.device)
    n2 = torch.rand(5, generator=be.make_rng(None, device), device=g1.device)
    assert not torch.equal(n1, n2)


# --------------------------------------------------------------------------------------------
def test_training_step_converts_only_feeds_and_fetches(device, monkeypatch):
    # The kernel checker converts every output to NumPy: switch it off to count honestly.
    monkeypatch.setenv("FLOWKIT_CHECK_KERNELS", "0")
    x, y, variables, _, loss, grads = _mlp()
    train = _train_op(loss, variables, grads)
    xv, yv = _batch()
    be = plugins.get_backend("torch")
    with tf.Session(backend="torch", device=device) as sess:
        sess.run(tf.global_variables_initializer())
        sess.run(train, {x: xv, y: yv})          # builds the plan, places the constants
        sess.run([train, loss], {x: xv, y: yv})
        be.reset_conversion_counts()
        for _ in range(3):
            sess.run(train, {x: xv, y: yv})
        assert be.conversions == {"to_native": 6, "to_numpy": 0}
        be.reset_conversion_counts()
        before = sess.run(loss, {x: xv, y: yv})
        sess.run([train, loss], {x: xv, y: yv})
        assert be.conversions == {"to_native": 4, "to_numpy": 2}
        after = sess.run(loss, {x: xv, y: yv})
        assert after < before
        kind = device.split(":")[0]
        for v in variables:
            value = sess._values[v.op]
            assert isinstance(value, torch.Tensor) and value.device.type == kind


def test_variables_are_updated_in_place(device):
    x, y, variables, _, loss, grads = _mlp()
    train = _train_op(loss, variables, grads)
    xv, yv = _batch()
    with tf.Session(backend="torch", device=device) as sess:
        sess.run(tf.global_variables_initializer())
        ptrs = [sess._values[v.op].data_ptr() for v in variables]
        w_before = sess.run(variables[0])
        sess.run(train, {x: xv, y: yv})
        assert [sess._values[v.op].data_ptr() for v in variables] == ptrs
        # The value fetched before the step is a copy the step did not change.
        assert not np.allclose(w_before, sess.run(variables[0]))


@pytest.mark.parametrize("dtype", [tf.float32, tf.float64])
def test_mlp_forward_and_gradients_match_numpy(device, dtype):
    x, y, variables, out, loss, grads = _mlp(dtype)
    xv, yv = _batch(dtype=dtype.as_numpy_dtype)
    results = {}
    for be, dev in (("numpy", "cpu"), ("torch", device)):
        with tf.Session(backend=be, device=dev) as sess:
            sess.run(tf.global_variables_initializer())
            results[be] = sess.run([out, loss] + grads, {x: xv, y: yv})
    tol = 1e-5 if dtype is tf.float32 else 1e-12
    for a, b in zip(results["numpy"], results["torch"]):
        assert np.asarray(a).dtype == np.asarray(b).dtype
        np.testing.assert_allclose(b, a, rtol=tol, atol=tol)


def test_gradient_check_on_torch(device):
    from flowkit.testing import check_gradients
    rng = np.random.default_rng(0)
    report = check_gradients(lambda a, b: tf.nn.relu(tf.matmul(a, b)) * 2.0
                             + tf.reduce_mean(a, axis=1, keepdims=True),
                             [rng.standard_normal((3, 4)), rng.standard_normal((4, 2))],
                             backend="torch", device=device)
    assert report.ok, str(report)


# --------------------------------------------------------------------------------------------
# TF1 semantics where PyTorch differs: each case runs on NumPy and on torch, results must match
# exactly in dtype and shape, and in value (to rounding).
_I = np.array([[-7, 7, -8], [5, -5, 0]], np.int32)
_J = np.array([[2, -2, 3], [-3, 3, 7]], np.int32)
_F = np.array([[0.5, 1.5, 2.5], [-0.5, -2.5, 3.7]], np.float32)
_IMG = np.random.default_rng(3).standard_normal((2, 7, 6, 3))
_FILT = np.random.default_rng(4).standard_normal((3, 2, 3, 4))
SEMANTIC_CASES = [
    ("floordiv_int_signs", lambda: tf.floordiv(_I, _J)),
    ("floormod_int_signs", lambda: tf.floormod(_I, _J)),
    ("floormod_float_signs", lambda: tf.floormod(_F * 3, -_F + 0.25)),
    ("int_truediv_is_float64", lambda: tf.truediv(_I, _J)),
    ("round_half_to_even", lambda: tf.round(_F)),
    ("argmax_int64", lambda: tf.argmax(_F, axis=1)),
    ("argmin_int32", lambda: tf.argmin(_F, axis=0, output_type=tf.int32)),
    ("int_mean_truncates", lambda: tf.reduce_mean(_I, axis=1)),
    ("int_sum_keeps_int32", lambda: tf.reduce_sum(_I, axis=[0, 1])),
    ("empty_axis_reduces_nothing", lambda: tf.reduce_sum(_F, axis=[])),
    ("empty_max_is_minus_inf", lambda: tf.reduce_max(tf.zeros([0, 3]), axis=0)),
    ("prod_two_axes", lambda: tf.reduce_prod(_I[:, :2] + 1, axis=[0, 1])),
    ("sign_of_nan", lambda: tf.sign(tf.constant([np.nan, -2.0, 0.0]))),
    ("bool_logic", lambda: tf.logical_and(_F > 0, tf.logical_not(_I < 0))),
    ("cumsum_exclusive_reverse", lambda: tf.cumsum(_I, axis=1, exclusive=True, reverse=True)),
    ("cast_float_to_int_truncates", lambda: tf.cast(_F * 3, tf.int32)),
    ("negative_stride_slice", lambda: tf.constant(_IMG)[::-2, 1:5:2, ::-1]),
    ("conv2d_same_odd_padding", lambda: tf.nn.conv2d(_IMG, _FILT, [1, 2, 2, 1], "SAME")),
    ("max_pool_same", lambda: tf.nn.max_pool(_IMG, [1, 3, 2, 1], [1, 2, 2, 1], "SAME")),
    ("avg_pool_counts_valid_cells", lambda: tf.nn.avg_pool(_IMG, [1, 3, 3, 1], [1, 2, 2, 1],
                                                          "SAME")),
    ("conv_and_pool_gradients", lambda: _conv_grads()),
    ("gather_axis1", lambda: tf.gather(_F, [2, 0, 2], axis=1)),
    ("one_hot_axis0", lambda: tf.one_hot([0, 2, -1], 3, axis=0)),
    ("mirror_pad_symmetric", lambda: tf.pad(_I, [[1, 1], [2, 0]], "SYMMETRIC")),
]


def _conv_grads():
    x, f = tf.constant(_IMG), tf.constant(_FILT)
    y = tf.nn.conv2d(x, f, [1, 2, 2, 1], "SAME")
    p = tf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    a = tf.nn.avg_pool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME")
    return tf.gradients(tf.reduce_sum(y * y) + tf.reduce_sum(p * p) + tf.reduce_sum(a * a),
                        [x, f])


@pytest.mark.parametrize("case", SEMANTIC_CASES, ids=[c[0] for c in SEMANTIC_CASES])
def test_tf1_semantics_match_numpy(device, case):
    out = case[1]()
    with tf.Session(backend="numpy") as sess:
        expected = sess.run(out)
    with tf.Session(backend="torch", device=device) as sess:
        got = sess.run(out)
    expected, got = (x if isinstance(x, list) else [x] for x in (expected, got))
    for e, g in zip(expected, got):
        e, g = np.asarray(e), np.asarray(g)
        assert e.dtype == g.dtype and e.shape == g.shape
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


def test_variable_used_as_shape_sees_in_place_updates(device):
    v = tf.Variable([2, 3], name="v")
    y = tf.reshape(tf.range(6), v)
    with tf.Session(backend="torch", device=device) as sess:
        sess.run(v.initializer)
        assert sess.run(y).shape == (2, 3)
        sess.run(tf.assign(v, [3, 2]))
        assert sess.run(y).shape == (3, 2)
        sess.run(tf.assign_add(v, [-2, 4]))
        assert sess.run(y).shape == (1, 6)


def test_assign_from_overlapping_view_of_itself(device):
    v = tf.Variable(np.arange(6.0).reshape(2, 3), name="v")
    flip = tf.assign(v, tf.reverse(v, [1]))
    with tf.Session(backend="torch", device=device) as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(flip), [[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]])


def test_bad_indices_are_errors_on_the_cpu():
    with tf.Session(backend="torch") as sess:
        with pytest.raises(tf.errors.InvalidArgumentError, match="not in"):
            sess.run(tf.gather([1.0, 2.0], [0, 2]))
        with pytest.raises(tf.errors.InvalidArgumentError, match="valid range"):
            sess.run(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[3],
                                                                     logits=[[1.0, 2.0]]))
        with pytest.raises(tf.errors.InvalidArgumentError, match="division by zero"):
            sess.run(tf.floordiv(4, tf.constant(0)))
        with pytest.raises(tf.errors.InvalidArgumentError, match="negative integer powers"):
            sess.run(tf.pow(tf.constant([2, 3]), tf.constant([1, -1])))


def test_range_and_linspace_are_bit_identical_to_numpy(device):
    outs = [tf.linspace(-3.3, 7.1, 13), tf.linspace(tf.constant(0.0, tf.float64), 1.0, 7),
            tf.range(0.5, 2.0, 0.3), tf.range(3, 11, 3), tf.range(10, 0, -3)]
    with tf.Session(backend="numpy") as sess:
        expected = sess.run(outs)
    with tf.Session(backend="torch", device=device) as sess:
        got = sess.run(outs)
    for e, g in zip(expected, got):
        assert e.dtype == g.dtype and e.tolist() == g.tolist()


# --------------------------------------------------------------------------------------------
def test_import_flowkit_never_imports_torch():
    r = _run_python("import sys\n"
                    "import flowkit as tf\n"
                    "assert 'torch' not in sys.modules, 'import flowkit imported torch'\n"
                    "with tf.Session() as s:\n"
                    "    assert s.run(tf.constant(2.0) * 3.0) == 6.0\n"
                    "from flowkit import plugins\n"
                    "assert 'torch' in plugins.backend_names()\n"
                    "assert 'torch' not in sys.modules, 'a NumPy session imported torch'\n"
                    "print('ok')\n")
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr


def test_without_torch_session_says_how_to_install():
    r = _run_python("import sys\n"
                    "sys.modules['torch'] = None  # as if PyTorch were not installed\n"
                    "import flowkit as tf\n"
                    "try:\n"
                    "    tf.Session(backend='torch')\n"
                    "except ValueError as e:\n"
                    "    print(e)\n")
    assert r.returncode == 0, r.stderr
    assert 'pip install "flowkit[torch]"' in r.stdout
    assert "RuntimeWarning" not in r.stderr


def test_gpu_check_script_runs_on_cpu(capsys):
    """benchmarks/gpu_check.py, in small: both models train identically in flowkit and in
    PyTorch, and the table is printed."""
    import importlib.util
    path = os.path.join(ROOT, "benchmarks", "gpu_check.py")
    spec = importlib.util.spec_from_file_location("gpu_check", path)
    gpu_check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu_check)
    status = gpu_check.main(["--device", "cpu", "--skip-tests", "--steps", "2", "--warmup",
                             "0", "--batch", "8"])
    out = capsys.readouterr().out
    assert status == 0, out
    rows = [ln for ln in out.splitlines() if ln.startswith(("MLP", "CNN"))]
    assert len(rows) == 2 and all(ln.split()[-1] == "yes" for ln in rows), out


# --------------------------------------------------------------------------------------------
# Kernels rewritten for speed (docs/performance.md): same values as the NumPy reference, bit
# for bit where the values allow it, and the NHWC layout the next kernel wants.
def _both(outs, feeds=None, device="cpu"):
    with tf.Session(backend="numpy") as sess:
        expected = sess.run(outs, feeds)
    with tf.Session(backend="torch", device=device) as sess:
        got = sess.run(outs, feeds)
    return expected, got


def test_relu_grad_special_values_bit_for_bit(device):
    """ReluGrad keeps g (NaN, inf, -0.0 included) where y > 0 and gives +0.0 elsewhere, also
    where y is NaN (aten's threshold_backward alone would keep g there)."""
    nan, inf = np.nan, np.inf
    x = np.array([nan, -inf, -1.0, -0.0, 0.0, 1e-30, 2.0, inf, nan, 3.0, 4.0, -2.0])
    g = np.array([1.0, 2.0, -3.0, 4.0, -5.0, nan, -0.0, inf, -inf, nan, -inf, nan])
    for dtype in (np.float32, np.float64):
        xt, gt = tf.constant(x.astype(dtype)), tf.constant(g.astype(dtype))
        out = tf.gradients(tf.nn.relu(xt), xt, grad_ys=gt)[0]
        expected, got = _both(out, device=device)
        assert got.dtype == dtype
        assert expected.tobytes() == got.tobytes(), (expected, got)


@pytest.mark.parametrize("ksize,stride,padding,width", [
    (3, 1, "SAME", 6), (5, 1, "SAME", 6), (3, 1, "VALID", 6), (3, 2, "VALID", 6),
    (2, 1, "SAME", 6), (3, 2, "SAME", 6), (3, 2, "SAME", 7), (4, 2, "SAME", 6)])
def test_conv_gradients_match_numpy(device, ksize, stride, padding, width):
    """Both conv gradients, with TF's padding passed to PyTorch when it is the same on both
    sides (odd kernels at stride 1; at stride 2 on a 7-wide input) or padded by hand (the odd
    pixel at the bottom/right); VALID at stride 2 leaves a column unread."""
    rng = np.random.default_rng(ksize * 10 + stride)
    x = tf.constant(rng.standard_normal((2, 7, width, 3)))
    f = tf.constant(rng.standard_normal((ksize, ksize, 3, 4)))
    y = tf.nn.conv2d(x, f, [1, stride, stride, 1], padding)
    u = tf.constant(rng.standard_normal(y.shape.as_tuple()))
    outs = [y] + tf.gradients(y, [x, f], grad_ys=u)
    expected, got = _both(outs, device=device)
    for e, g in zip(expected, got):
        assert e.dtype == g.dtype and e.shape == g.shape
        np.testing.assert_allclose(g, e, rtol=1e-10, atol=1e-10)


def test_conv_and_pool_gradients_come_out_nhwc_contiguous():
    """The gradient kernels return NHWC tensors with NHWC strides: the ReluGrad that follows
    them ran 5x slower on the NCHW-strided tensors they returned before."""
    kernels = plugins.get_backend("torch").kernels
    x = torch.randn(2, 8, 8, 3)
    f = torch.randn(3, 3, 3, 4)
    dy = torch.randn(2, 8, 8, 4)
    attrs = {"strides": [1, 1, 1, 1], "padding": "SAME", "dilations": [1, 1, 1, 1]}
    sizes = torch.tensor([2, 8, 8, 3])
    dx = kernels["Conv2DBackpropInput"](attrs, sizes, f, dy)
    assert dx.shape == (2, 8, 8, 3) and dx.is_contiguous()
    dw = kernels["Conv2DBackpropFilter"](attrs, x, torch.tensor([3, 3, 3, 4]), dy)
    assert dw.shape == (3, 3, 3, 4)   # HWIO; it feeds the optimizer, not a ReluGrad
    pool = {"ksize": [1, 2, 2, 1], "strides": [1, 2, 2, 1], "padding": "VALID"}
    y = kernels["MaxPool"](pool, dy)
    dp = kernels["MaxPoolGrad"](pool, dy, y, torch.randn(2, 4, 4, 4))
    assert dp.shape == dy.shape and dp.is_contiguous()


@pytest.mark.parametrize("ksize,stride,padding", [(2, 2, "VALID"), (3, 1, "SAME"),
                                                   (3, 2, "SAME"), (2, 1, "VALID")])
def test_max_pool_grad_with_ties_and_overlaps_matches_numpy(device, ksize, stride, padding):
    """Overlapping windows add their gradients at a shared maximum; ties go to the first
    maximum in row-major order, as in TF."""
    rng = np.random.default_rng(ksize + stride)
    x = tf.constant(rng.integers(0, 3, (2, 5, 6, 3)).astype(np.float64))   # many ties
    y = tf.nn.max_pool(x, [1, ksize, ksize, 1], [1, stride, stride, 1], padding)
    u = tf.constant(rng.standard_normal(y.shape.as_tuple()))
    dx = tf.gradients(y, x, grad_ys=u)[0]
    ddx = tf.gradients(dx, u, grad_ys=tf.constant(rng.standard_normal((2, 5, 6, 3))))[0]
    expected, got = _both([dx, ddx], device=device)
    for e, g in zip(expected, got):
        assert e.dtype == g.dtype and e.shape == g.shape
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-12)


# -- large float32 products go to oneDNN on the CPU (plugins/flowkit_torch/kernels_math.py) --
def _layouts(rng, rows, cols):
    """The same kind of matrix as a contiguous array, a transposed one and a strided slice."""
    big = torch.from_numpy(rng.standard_normal((rows * 2, cols * 3)).astype(np.float32))
    yield torch.from_numpy(rng.standard_normal((rows, cols)).astype(np.float32))
    yield torch.from_numpy(rng.standard_normal((cols, rows)).astype(np.float32)).t()
    yield big[::2, 1::3]


@pytest.mark.parametrize("transpose_a", [False, True])
@pytest.mark.parametrize("transpose_b", [False, True])
def test_onednn_products_match_blas(transpose_a, transpose_b):
    from flowkit_torch import kernels_math
    if kernels_math._ONEDNN_LINEAR is None:
        pytest.skip("this PyTorch build has no oneDNN linear op")
    rng = np.random.default_rng(0)
    m, k, n = 520, 600, 560          # 175M multiply-adds: above both thresholds
    attrs = {"transpose_a": transpose_a, "transpose_b": transpose_b}
    shape_a, shape_b = ((k, m) if transpose_a else (m, k)), ((n, k) if transpose_b else (k, n))
    checked = 0
    for a in _layouts(rng, *shape_a):
        for b in _layouts(rng, *shape_b):
            aa = a.t() if transpose_a else a
            assert kernels_math._use_onednn(aa, b.t() if transpose_b else b, transpose_a)
            got = kernels_math._matmul(attrs, a, b)
            want = (aa.double() @ (b.t() if transpose_b else b).double())
            np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=2e-5, atol=2e-4)
            checked += 1
    assert checked == 9


def test_onednn_only_for_large_float32_cpu_products():
    from flowkit_torch import kernels_math
    if kernels_math._ONEDNN_LINEAR is None:
        pytest.skip("this PyTorch build has no oneDNN linear op")
    use = kernels_math._use_onednn
    big_a, big_b = torch.ones(256, 512), torch.ones(512, 256)         # 32M multiply-adds
    assert use(big_a, big_b, False)
    assert not use(big_a, big_b, True)           # a transposed first operand: from 128M
    assert not use(torch.ones(32, 400), torch.ones(400, 800), False)   # 10M: BLAS
    assert not use(big_a.double(), big_b.double(), False)
    assert not use(torch.ones(4, 256, 512), torch.ones(4, 512, 256), False)


def test_onednn_can_be_turned_off():
    out = _run_python(
        "import os; os.environ['FLOWKIT_TORCH_ONEDNN'] = '0'\n"
        "from flowkit_torch import kernels_math\n"
        "print(kernels_math._ONEDNN_LINEAR is None)")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "True"


def test_onednn_products_keep_nan_and_inf_where_blas_does():
    from flowkit_torch import kernels_math
    if kernels_math._ONEDNN_LINEAR is None:
        pytest.skip("this PyTorch build has no oneDNN linear op")
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(300, 256, generator=gen), torch.randn(256, 300, generator=gen)
    a[3, 5], a[11, 2], a[40, 7] = float("nan"), float("inf"), float("-inf")
    a[7, :], b[:, 20], b[2, 13] = 0, 0, 0
    b[:, 9] = float("inf")                              # inf * 0 in row 7: nan
    assert kernels_math._use_onednn(a, b, False)        # 23M multiply-adds
    got = kernels_math._matmul({"transpose_a": False, "transpose_b": False}, a, b).numpy()
    want = (a.double() @ b.double()).numpy()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_array_equal(np.isposinf(got), np.isposinf(want))
    np.testing.assert_array_equal(np.isneginf(got), np.isneginf(want))
    finite = np.isfinite(want)
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-4, atol=1e-4)
