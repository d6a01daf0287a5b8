"""TF1's gradient machinery by name: tf.RegisterGradient, tf.NotDifferentiable /
tf.no_gradient, Graph.gradient_override_map, tf.custom_gradient, tf.grad_pass_through,
tf.hessians, tf.AggregationMethod, tf.UnconnectedGradients and tf.py_function. Values and
gradients on every backend, checked against TF1's ``tf.compat.v1``."""
import functools

import numpy as np
import pytest

import flowkit as tf

X = np.array([0.4, -1.7, 2.5, -0.2], np.float32)


# Gradient names are global (in TF too): each is registered once per process.
@tf.RegisterGradient("TestSquarePyFuncGrad")
def _square_py_func_grad(op, grad):
    return grad * 2.0 * op.inputs[0]


@tf.RegisterGradient("TestTwoInputPyFuncGrad")
def _two_input_grad(op, grad):
    a, b = op.inputs
    return [grad * b, tf.py_func(lambda g, x: (g * x).astype(np.float32), [grad, a],
                                 tf.float32)]


@tf.RegisterGradient("TestWrongCountGrad")
def _wrong_count_grad(op, grad):
    return [grad, grad]


tf.NotDifferentiable("TestBlockedGrad")
tf.no_gradient("TestBlockedByAlias")


@functools.lru_cache(maxsize=None)
def _tf1_registered(tf1):
    """Registers the TF twins of the gradients above in TensorFlow (once)."""
    @tf1.RegisterGradient("TestSquarePyFuncGrad")
    def _tf_square(op, grad):
        return grad * 2.0 * op.inputs[0]

    @tf1.RegisterGradient("TestTwoInputPyFuncGrad")
    def _tf_two(op, grad):
        a, b = op.inputs
        return [grad * b, tf1.py_func(lambda g, x: (g * x).astype(np.float32), [grad, a],
                                      tf1.float32)]
    return True


def _run_tf(tf1, build):
    g = tf1.Graph()
    with g.as_default():
        out = build(g)
        with tf1.Session(graph=g) as s:
            s.run(tf1.global_variables_initializer())
            return s.run(out)


def _run(session, build):
    g = tf.Graph()
    with g.as_default():
        out = build(g)
        init = tf.global_variables_initializer()
    sess = session(graph=g)
    sess.run(init)
    return sess.run(out)


def _close(got, want, rtol=1e-6, atol=0.0):
    assert len(got) == len(want)
    for a, b in zip(got, want):
        a, b = np.asarray(a), np.asarray(b)
        assert a.dtype == b.dtype and a.shape == b.shape, (a.dtype, b.dtype, a.shape, b.shape)
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# -- RegisterGradient + gradient_override_map -----------------------------------------------------
def test_py_func_with_registered_gradient_against_tf1(tf1, session):
    _tf1_registered(tf1)

    def build(m):
        def graph(g):
            x = m.constant(X)
            w = m.constant(X[::-1].copy())
            with g.gradient_override_map({"PyFunc": "TestSquarePyFuncGrad"}):
                y = m.py_func(np.square, [x], m.float32)
            with g.gradient_override_map({"PyFunc": "TestTwoInputPyFuncGrad"}):
                z = m.py_func(lambda a, b: a * b, [x, w], m.float32)
            y.set_shape(x.shape)
            loss = m.reduce_sum(y * w) + m.reduce_sum(m.sin(z))
            return [y, z] + m.gradients(loss, [x, w])
        return graph
    got = _run(session, build(tf))
    want = _run_tf(tf1, build(tf1))
    _close(got, want, rtol=1e-5)
    # Without the override the op is not differentiable, as in TF1.
    with tf.Graph().as_default():
        x = tf.constant(X)
        assert tf.gradients(tf.py_func(np.square, [x], tf.float32), x) == [None]


def test_registered_gradient_results_take_the_input_shapes():
    g = tf.Graph()
    with g.as_default():
        x, w = tf.constant(X), tf.constant(X)
        with g.gradient_override_map({"PyFunc": "TestTwoInputPyFuncGrad"}):
            z = tf.py_func(lambda a, b: a * b, [x, w], tf.float32)
        assert z.shape.ndims is None
        dx, dw = tf.gradients(z, [x, w])
    # The py_func inside the gradient function has an unknown shape; as in TF, tf.gradients
    # gives it the shape of the input it is the gradient of.
    assert dw.op.type == "PyFunc" and dw.shape.as_list() == [4]


@pytest.mark.parametrize("op_name, mapped", [("sign", "Identity"), ("round", "Identity"),
                                             ("floor", "Identity")])
def test_straight_through_overrides_against_tf1(tf1, session, op_name, mapped):
    op_type = {"sign": "Sign", "round": "Round", "floor": "Floor"}[op_name]

    def build(m):
        def graph(g):
            x = m.constant(X * 1.3)
            with g.gradient_override_map({op_type: mapped}):
                y = getattr(m, op_name)(x)
            plain = getattr(m, op_name)(x)       # after the block: its own gradient again
            loss = m.reduce_sum(y * m.constant([1.0, 2.0, 3.0, 4.0]))
            dx, = m.gradients(loss, x)
            dplain, = m.gradients(m.reduce_sum(plain), x, unconnected_gradients="zero")
            return [y, dx, dplain]
        return graph
    got = _run(session, build(tf))
    want = _run_tf(tf1, build(tf1))
    _close(got, want)
    np.testing.assert_array_equal(got[1], [1.0, 2.0, 3.0, 4.0])


def test_override_map_nests_and_restores():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(X)
        with g.gradient_override_map({"Sign": "Identity", "Round": "TestBlockedGrad"}):
            with g.gradient_override_map({"Sign": "TestBlockedGrad"}):
                a = tf.sign(x)
            b, c = tf.sign(x), tf.round(x)
        d = tf.sign(x)
    assert a.op.get_attr("_gradient_op_type") == "TestBlockedGrad"
    assert b.op.get_attr("_gradient_op_type") == "Identity"
    assert c.op.get_attr("_gradient_op_type") == "TestBlockedGrad"
    assert "_gradient_op_type" not in d.op.attrs
    with g.as_default():
        assert tf.gradients(a, x) == [None]          # NotDifferentiable name
        assert tf.gradients(b, x)[0] is not None
    with pytest.raises(TypeError, match="op_type_map must be a dictionary"):
        with g.gradient_override_map({"Sign": 3}):
            pass


def test_no_gradient_alias_and_not_differentiable(session):
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(X)
        with g.gradient_override_map({"Identity": "TestBlockedByAlias"}):
            y = tf.identity(x)
        assert tf.gradients(y, x) == [None]
        dx, = tf.gradients(y + x, x)
    np.testing.assert_array_equal(session(graph=g).run(dx), np.ones(4, np.float32))


def test_registration_errors():
    with pytest.raises(KeyError, match="Registering two gradient with name "
                                       "'TestSquarePyFuncGrad'"):
        tf.RegisterGradient("TestSquarePyFuncGrad")(lambda op, grad: grad)
    with pytest.raises(KeyError, match="Registering two gradient with name 'TestBlockedGrad'"):
        tf.NotDifferentiable("TestBlockedGrad")
    # An op type has its gradient already, as in TF.
    with pytest.raises(KeyError, match="Registering two gradient with name 'MatMul'"):
        tf.RegisterGradient("MatMul")(lambda op, grad: grad)
    with pytest.raises(TypeError, match="op_type must be a string"):
        tf.RegisterGradient(3)


def test_missing_and_wrong_gradients_raise():
    g = tf.Graph()
    with g.as_default():
        x = tf.constant(X)
        with g.gradient_override_map({"Sign": "TestNothingRegisteredHere"}):
            y = tf.sign(x, name="my_sign")
        with pytest.raises(LookupError, match=r"No gradient defined for operation 'my_sign' "
                                              r"\(op type: Sign\)"):
            tf.gradients(y, x)
        # No gradient flows to it: no lookup, no error (as in TF).
        assert tf.gradients(tf.stop_gradient(y), x) == [None]
        with g.gradient_override_map({"Identity": "TestWrongCountGrad"}):
            z = tf.identity(x)
        with pytest.raises(ValueError, match="returned 2 gradients for 1 inputs"):
            tf.gradients(z, x)


# -- custom_gradient -----------------------------------------------------------------------------
def _log1pexp(m):
    @m.custom_gradient
    def log1pexp(x):
        e = m.exp(x)

        def grad(dy):
            return dy * (1.0 - 1.0 / (1.0 + e))
        return m.log(1.0 + e), grad
    return log1pexp


def _clip_gradient_by_norm(m, norm):
    @m.custom_gradient
    def clip(x):
        def grad(dy):
            return m.clip_by_norm(dy, norm)
        return m.identity(x), grad
    return clip


def test_custom_gradient_against_tf1(tf1, session):
    def build(m):
        def graph(g):
            x = m.constant(np.array([-3.0, 0.0, 5.0, 50.0], np.float32))
            y = _log1pexp(m)(x)
            dy, = m.gradients(m.reduce_sum(y), x)
            d2y, = m.gradients(m.reduce_sum(dy), x)     # the gradient is differentiable
            v = m.constant(X)
            c = _clip_gradient_by_norm(m, 1.0)(v)
            dc, = m.gradients(m.reduce_sum(c * m.constant([3.0, 4.0, 0.0, 0.0])), v)
            return [y, dy, d2y, c, dc]
        return graph
    got = _run(session, build(tf))
    want = _run_tf(tf1, build(tf1))
    _close(got, want, rtol=1e-5, atol=1e-7)
    assert np.isfinite(got[1]).all()                 # the derived gradient: nan at 50
    np.testing.assert_allclose(np.linalg.norm(got[4]), 1.0, rtol=1e-6)


def test_custom_gradient_several_inputs_outputs_and_variables_against_tf1(tf1, session):
    def build(m):
        def graph(g):
            a = m.constant(X)
            b = m.constant(np.float32(2.0))
            with m.variable_scope("cg", use_resource=True):
                v = m.get_variable("v", initializer=np.array([1.0, -1.0, 0.5, 2.0], np.float32))

            @m.custom_gradient
            def f(p, q):
                def grad(dy1, dy2, variables=None):
                    assert [w.name for w in variables] == ["cg/v:0"]
                    return ([dy1 * 10.0 + dy2, m.reduce_sum(dy1) * 0.5],
                            [dy1 * 100.0])
                return (p * q * v, p + q), grad
            y1, y2 = f(a, b)
            grads = m.gradients(m.reduce_sum(y1) + 3.0 * m.reduce_sum(y2), [a, b, v])
            return [y1, y2] + grads
        return graph
    got = _run(session, build(tf))
    want = _run_tf(tf1, build(tf1))
    _close(got, want)


def test_custom_gradient_errors(tf1):
    g = tf.Graph()
    with g.as_default():
        v = tf.Variable([1.0, 2.0], name="w")

        @tf.custom_gradient
        def reads_variable(x):
            return x * v, lambda dy: dy
        with pytest.raises(TypeError, match=r"reads the variables \['w:0'\].*'variables'"):
            reads_variable(tf.constant([1.0, 1.0]))

        @tf.custom_gradient
        def two_grads_for_one_input(x):
            return 2.0 * x, lambda dy: [dy, dy]
        y = two_grads_for_one_input(tf.constant(1.0))
        with pytest.raises(ValueError, match="returned 2 gradients for its 1 inputs"):
            tf.gradients(y, y.op.inputs[1])
        with pytest.raises(ValueError, match="keyword arguments"):
            two_grads_for_one_input(x=tf.constant(1.0))
    assert two_grads_for_one_input.__name__ == "two_grads_for_one_input"
    # TF raises the same classes.
    tg = tf1.Graph()
    with tg.as_default():
        tv = tf1.Variable([1.0, 2.0], name="w")

        @tf1.custom_gradient
        def tf_reads_variable(x):
            return x * tv, lambda dy: dy
        with pytest.raises(TypeError):
            tf_reads_variable(tf1.constant([1.0, 1.0]))


def test_grad_pass_through_against_tf1(tf1, session):
    def build(m):
        def graph(g):
            x = m.constant(X * 2.0)
            y = m.grad_pass_through(m.round)(x)
            dx, = m.gradients(m.reduce_sum(y * y), x)
            return [y, dx]
        return graph
    _close(_run(session, build(tf)), _run_tf(tf1, build(tf1)))


# -- hessians ------------------------------------------------------------------------------------
A = np.array([[2.0, 0.5, -1.0], [0.5, 3.0, 0.2], [-1.0, 0.2, 1.5]])
BVEC = np.array([0.3, -0.7, 1.1])


def test_hessians_of_quadratic_against_tf1(tf1, session):
    def build(m):
        def graph(g):
            x = m.constant(np.array([1.0, -2.0, 0.5]))
            xc = m.reshape(x, [3, 1])
            loss = 0.5 * m.matmul(m.matmul(xc, A, transpose_a=True), xc) + \
                m.reduce_sum(BVEC * x)
            return m.hessians(loss, x) + m.hessians([loss, m.reduce_sum(x ** 3)], [x])
        return graph
    got = _run(session, build(tf))
    want = _run_tf(tf1, build(tf1))
    _close(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(got[0], A, rtol=1e-12)


def test_hessians_of_mlp_loss_against_tf1(tf1, session):
    rng = np.random.RandomState(3)
    feats, labels = rng.randn(6, 3), np.eye(2)[rng.randint(0, 2, 6)]
    w0, b0 = rng.randn(3, 2) * 0.5, rng.randn(2) * 0.1

    def build(m):
        def graph(g):
            w, b = m.constant(w0), m.constant(b0)
            h = m.tanh(m.matmul(feats, w) + b)
            loss = m.reduce_mean(m.nn.softmax_cross_entropy_with_logits_v2(
                labels=labels, logits=h)) + 0.1 * m.reduce_sum(m.square(w))
            return m.hessians(loss, [w, b])
        return graph
    got = _run(session, build(tf))
    want = _run_tf(tf1, build(tf1))
    assert got[0].shape == (3, 2, 3, 2) and got[1].shape == (2, 2)
    _close(got, want, rtol=1e-9, atol=1e-12)


def test_hessians_errors():
    with tf.Graph().as_default():
        p = tf.placeholder(tf.float32, [None])
        with pytest.raises(ValueError, match="full static shape"):
            tf.hessians(tf.reduce_sum(p * p), p)
        a, b = tf.constant([1.0]), tf.constant([2.0])
        with pytest.raises(ValueError, match="do not depend on"):
            tf.hessians(tf.reduce_sum(a * a), [b])


# -- tf.gradients' options -----------------------------------------------------------------------
def test_unconnected_gradients_against_tf1(tf1, session):
    def build(m):
        def graph(g):
            x, unused = m.constant(X), m.constant([[1.0, 2.0]])
            with m.variable_scope("u", use_resource=True):
                v = m.get_variable("v", shape=[2, 3], initializer=m.ones_initializer())
            y = m.reduce_sum(x * x)
            zero = m.gradients(y, [x, unused, v],
                               unconnected_gradients=m.UnconnectedGradients.ZERO)
            zero_str = m.gradients(y, [unused], unconnected_gradients="zero")
            return zero + zero_str
        return graph
    _close(_run(session, build(tf)), _run_tf(tf1, build(tf1)))
    with tf.Graph().as_default():
        x, unused = tf.constant(1.0), tf.constant(2.0)
        assert tf.gradients(x * x, [unused], unconnected_gradients=tf.UnconnectedGradients
                            .NONE) == [None]
        with pytest.raises(ValueError, match="unconnected_gradients"):
            tf.gradients(x * x, [x], unconnected_gradients="nan")


@pytest.mark.parametrize("method", ["ADD_N", "DEFAULT", "EXPERIMENTAL_TREE",
                                    "EXPERIMENTAL_ACCUMULATE_N"])
def test_aggregation_methods(tf1, session, method):
    def build(m):
        def graph(g):
            x = m.constant(X)
            y = m.reduce_sum(x * x * m.sin(x) + m.exp(x) * x - x)   # x used 5 times
            return m.gradients(y, x, aggregation_method=getattr(m.AggregationMethod, method))
        return graph
    _close(_run(session, build(tf)), _run_tf(tf1, build(tf1)), rtol=1e-5)
    assert tf.AggregationMethod.DEFAULT == tf.AggregationMethod.ADD_N == 0
    g = tf.Graph()
    with g.as_default():
        build(tf)(g)
    widest = max(len(op.inputs) for op in g.get_operations() if op.type == "AddN")
    assert widest == (2 if method == "EXPERIMENTAL_TREE" else 6)
    with tf.Graph().as_default():
        x = tf.constant(1.0)
        with pytest.raises(ValueError, match="aggregation_method"):
            tf.gradients(x * x, x, aggregation_method=7)


# -- py_function ---------------------------------------------------------------------------------
def test_py_function_against_tf1(tf1, session):
    def build(m, as_numpy):
        def graph(g):
            x = m.constant(X)
            one = m.py_function(lambda a: as_numpy(a).sum() / 2.0, [x], m.float32)
            pair = m.py_function(lambda a: (as_numpy(a) * 2, np.int32(as_numpy(a).size)),
                                 [x], [m.float32, m.int32])
            return [one] + list(pair)
        return graph
    got = _run(session, build(tf, np.asarray))
    want = _run_tf(tf1, build(tf1, lambda t: t.numpy()))
    _close(got, want)
    seen = []
    with tf.Graph().as_default() as g:
        op = tf.py_function(lambda a: seen.append(a.shape), [tf.constant(X)], [])
        assert isinstance(op, tf.Operation) and op.name.startswith("EagerPyFunc")
    session(graph=g).run(op)
    assert seen == [(4,)]
