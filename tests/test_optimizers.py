"""Optimizers: each update rule against a float64 NumPy transcription of TF1's formulas and
against TF1 itself, step by step; slots and their names; the initializer-ordering rule; the
training op; error cases."""
import numpy as np
import pytest

import flowkit as tf
from flowkit import errors, plugins
from flowkit.train.optimizer import Optimizer

RNG = np.random.default_rng(42)
X = RNG.standard_normal((5, 3))
Y = RNG.standard_normal((5, 2))
W0 = RNG.standard_normal((3, 2))
B0 = RNG.standard_normal((2,))
STEPS = 6


def np_grads(w, b):
    """Gradients of 0.5 * sum((X w + b - Y)^2) (the loss the tests train)."""
    r = X @ w + b - Y
    return X.T @ r, r.sum(axis=0)


# -- independent NumPy versions of TF1's update rules (float64) --------------------------------
def np_sgd(lr):
    def step(p, g, s, t):
        return p - lr * g
    return step


def np_momentum(lr, mu, nesterov=False):
    def step(p, g, s, t):
        s["a"] = mu * s.get("a", 0.0) + g
        return p - (lr * (g + mu * s["a"]) if nesterov else lr * s["a"])
    return step


def np_adagrad(lr, init=0.1):
    def step(p, g, s, t):
        s["acc"] = s.get("acc", init) + g * g
        return p - lr * g / np.sqrt(s["acc"])
    return step


def np_adadelta(lr, rho=0.95, eps=1e-8):
    def step(p, g, s, t):
        s["acc"] = rho * s.get("acc", 0.0) + (1 - rho) * g * g
        upd = np.sqrt(s.get("au", 0.0) + eps) / np.sqrt(s["acc"] + eps) * g
        s["au"] = rho * s.get("au", 0.0) + (1 - rho) * upd * upd
        return p - lr * upd
    return step


def np_rmsprop(lr, decay=0.9, mu=0.0, eps=1e-10, centered=False):
    def step(p, g, s, t):
        s["ms"] = s.get("ms", 1.0) + (g * g - s.get("ms", 1.0)) * (1 - decay)
        denom = s["ms"] + eps
        if centered:
            s["mg"] = s.get("mg", 0.0) + (g - s.get("mg", 0.0)) * (1 - decay)
            denom = denom - s["mg"] ** 2
        s["mom"] = mu * s.get("mom", 0.0) + lr * g / np.sqrt(denom)
        return p - s["mom"]
    return step


def np_adam(lr=0.001, b1=0.9, b2=0.999, eps=1e-8):
    def step(p, g, s, t):
        # As in TF1, beta1_power and beta2_power are float32 variables whatever the dtype of
        # the model: b ** t is accumulated in float32, then cast.
        f32 = np.float32
        b1p = float(np.prod([f32(b1)] * t, dtype=f32)) if t > 1 else float(f32(b1))
        b2p = float(np.prod([f32(b2)] * t, dtype=f32)) if t > 1 else float(f32(b2))
        lr_t = lr * np.sqrt(1 - b2p) / (1 - b1p)
        s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - b1)
        s["v"] = s.get("v", 0.0) + (g * g - s.get("v", 0.0)) * (1 - b2)
        return p - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)
    return step


CASES = {
    "sgd": ("GradientDescentOptimizer", dict(learning_rate=0.05), np_sgd(0.05)),
    "momentum": ("MomentumOptimizer", dict(learning_rate=0.05, momentum=0.9),
                 np_momentum(0.05, 0.9)),
    "nesterov": ("MomentumOptimizer", dict(learning_rate=0.05, momentum=0.9,
                                           use_nesterov=True), np_momentum(0.05, 0.9, True)),
    "adagrad": ("AdagradOptimizer", dict(learning_rate=0.3), np_adagrad(0.3)),
    "adagrad_init": ("AdagradOptimizer", dict(learning_rate=0.3,
                                              initial_accumulator_value=1.5),
                     np_adagrad(0.3, 1.5)),
    "adadelta": ("AdadeltaOptimizer", dict(learning_rate=1.0), np_adadelta(1.0)),
    "adadelta_args": ("AdadeltaOptimizer", dict(learning_rate=0.5, rho=0.8, epsilon=1e-3),
                      np_adadelta(0.5, 0.8, 1e-3)),
    "rmsprop": ("RMSPropOptimizer", dict(learning_rate=0.01), np_rmsprop(0.01)),
    "rmsprop_mom": ("RMSPropOptimizer", dict(learning_rate=0.01, decay=0.8, momentum=0.5,
                                             epsilon=1e-6),
                    np_rmsprop(0.01, 0.8, 0.5, 1e-6)),
    "rmsprop_centered": ("RMSPropOptimizer", dict(learning_rate=0.01, momentum=0.3,
                                                  centered=True),
                         np_rmsprop(0.01, mu=0.3, centered=True)),
    "adam": ("AdamOptimizer", dict(learning_rate=0.1), np_adam(0.1)),
    "adam_args": ("AdamOptimizer", dict(learning_rate=0.05, beta1=0.5, beta2=0.9,
                                        epsilon=1e-4), np_adam(0.05, 0.5, 0.9, 1e-4)),
}


def numpy_trajectory(rule, steps=STEPS):
    w, b = W0.copy(), B0.copy()
    sw, sb = {}, {}
    out = []
    for t in range(1, steps + 1):
        gw, gb = np_grads(w, b)
        w, b = rule(w, gw, sw, t), rule(b, gb, sb, t)
        out.append((w.copy(), b.copy()))
    return out


def build(api, opt_name, kwargs, dtype, lr_tensor=False):
    """The same model in flowkit or TF1: a linear least-squares problem."""
    w = api.Variable(W0.astype(dtype), name="w")
    b = api.Variable(B0.astype(dtype), name="b")
    pred = api.matmul(api.constant(X.astype(dtype)), w) + b
    diff = pred - api.constant(Y.astype(dtype))
    loss = 0.5 * api.reduce_sum(diff * diff)
    feed = {}
    if lr_tensor:
        lr = api.placeholder(api.float32, [], name="lr")
        feed[lr] = kwargs["learning_rate"]
        kwargs = dict(kwargs, learning_rate=lr)
    opt = getattr(api.train, opt_name)(**kwargs)
    return w, b, loss, opt, opt.minimize(loss), feed


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_numpy_float64(case, session):
    opt_name, kwargs, rule = CASES[case]
    w, b, loss, opt, train, feed = build(tf, opt_name, kwargs, np.float64)
    sess = session()
    sess.run(tf.global_variables_initializer())
    for t, (w_np, b_np) in enumerate(numpy_trajectory(rule), start=1):
        sess.run(train, feed)
        w_v, b_v = sess.run([w, b])
        np.testing.assert_allclose(w_v, w_np, rtol=1e-10, atol=1e-12, err_msg=f"step {t}")
        np.testing.assert_allclose(b_v, b_np, rtol=1e-10, atol=1e-12, err_msg=f"step {t}")


@pytest.mark.parametrize("case", ["sgd", "momentum", "adam", "rmsprop_centered", "adadelta"])
def test_learning_rate_may_be_a_tensor(case, session):
    opt_name, kwargs, rule = CASES[case]
    w, b, loss, opt, train, feed = build(tf, opt_name, kwargs, np.float64, lr_tensor=True)
    sess = session()
    sess.run(tf.global_variables_initializer())
    traj = numpy_trajectory(rule, 3)
    for _ in traj:
        sess.run(train, feed)
    # the float32 learning rate is cast to float64: equal up to float32 rounding of lr.
    np.testing.assert_allclose(sess.run(w), traj[-1][0], rtol=1e-6)


@pytest.mark.parametrize("case", sorted(CASES))
def test_matches_tf1_step_by_step(case, tf1):
    opt_name, kwargs, _ = CASES[case]
    w, b, loss, opt, train, _ = build(tf, opt_name, kwargs, np.float32)
    g1 = tf1.Graph()
    with g1.as_default():
        w1, b1, loss1, opt1, train1, _ = build(tf1, opt_name, kwargs, np.float32)
        init1 = tf1.global_variables_initializer()
        names1 = [v.name for v in tf1.global_variables()]
        opt_vars1 = [v.name for v in opt1.variables()]
    assert [v.name for v in tf.global_variables()] == names1
    assert [v.name for v in opt.variables()] == opt_vars1
    assert opt.get_slot_names() == opt1.get_slot_names()
    assert train.name == train1.name
    with tf.Session() as sess, tf1.Session(graph=g1) as sess1:
        sess.run(tf.global_variables_initializer())
        sess1.run(init1)
        for t in range(STEPS):
            l_ours = sess.run([train, loss])[1]
            l_tf = sess1.run([train1, loss1])[1]
            np.testing.assert_allclose(l_ours, l_tf, rtol=1e-5, err_msg=f"step {t}")
            np.testing.assert_allclose(sess.run(w), sess1.run(w1), rtol=2e-5, atol=1e-6)
            np.testing.assert_allclose(sess.run(b), sess1.run(b1), rtol=2e-5, atol=1e-6)


SLOT_NAMES = {
    "GradientDescentOptimizer": ({}, []),
    "MomentumOptimizer": (dict(momentum=0.9), ["w/Momentum:0"]),
    "AdagradOptimizer": ({}, ["w/Adagrad:0"]),
    "AdadeltaOptimizer": ({}, ["w/Adadelta:0", "w/Adadelta_1:0"]),
    "RMSPropOptimizer": ({}, ["w/RMSProp:0", "w/RMSProp_1:0"]),
    "AdamOptimizer": ({}, ["beta1_power:0", "beta2_power:0", "w/Adam:0", "w/Adam_1:0"]),
}


@pytest.mark.parametrize("opt_name", sorted(SLOT_NAMES))
def test_slot_names_and_collections(opt_name):
    kwargs, names = SLOT_NAMES[opt_name]
    w = tf.Variable([1.0, 2.0], name="w")
    opt = getattr(tf.train, opt_name)(0.1, **kwargs)
    opt.minimize(tf.reduce_sum(w * w))
    assert [v.name for v in opt.variables()] == names
    assert [v.name for v in tf.global_variables()] == ["w:0"] + names
    assert [v.name for v in tf.trainable_variables()] == ["w:0"]
    for slot_name in opt.get_slot_names():
        slot = opt.get_slot(w, slot_name)
        assert slot.shape.as_list() == [2] and slot.dtype is tf.float32
        assert not slot.trainable
    assert opt.get_slot(w, "nonexistent") is None


def test_slot_initial_values():
    w = tf.Variable([[1.0, 2.0]], name="w")
    rms = tf.train.RMSPropOptimizer(0.1, centered=True)
    ada = tf.train.AdagradOptimizer(0.1)
    adam = tf.train.AdamOptimizer(0.1, beta1=0.8, beta2=0.7)
    loss = tf.reduce_sum(w * w)
    for o in (rms, ada, adam):
        o.minimize(loss)
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        assert (sess.run(rms.get_slot(w, "rms")) == 1.0).all()
        assert (sess.run(rms.get_slot(w, "mg")) == 0.0).all()
        assert (sess.run(rms.get_slot(w, "momentum")) == 0.0).all()
        np.testing.assert_allclose(sess.run(ada.get_slot(w, "accumulator")), [[0.1, 0.1]])
        assert (sess.run(adam.get_slot(w, "m")) == 0.0).all()
        np.testing.assert_allclose(sess.run(adam.variables()[:2]), [0.8, 0.7], rtol=1e-6)
    assert rms.get_slot(w, "mg").name == "w/RMSProp_1:0"
    assert rms.get_slot(w, "momentum").name == "w/RMSProp_2:0"


def test_two_optimizers_on_one_variable_get_unique_slot_names():
    w = tf.Variable(1.0, name="w")
    a1, a2 = tf.train.AdamOptimizer(), tf.train.AdamOptimizer()
    a1.minimize(w * w)
    a2.minimize(w * w)
    assert [v.name for v in a2.variables()] == ["beta1_power_1:0", "beta2_power_1:0",
                                                 "w/Adam_2:0", "w/Adam_3:0"]


def test_initializer_created_before_minimize_does_not_cover_slots():
    w = tf.Variable([1.0, 2.0], name="w")
    early = tf.global_variables_initializer()
    train = tf.train.AdamOptimizer(0.1).minimize(tf.reduce_sum(w * w))
    late = tf.global_variables_initializer()
    with tf.Session() as sess:
        sess.run(early)
        with pytest.raises(errors.FailedPreconditionError, match="uninitialized"):
            sess.run(train)
    with tf.Session() as sess:
        sess.run(late)
        sess.run(train)
        assert sess.run(w)[0] < 1.0


def test_fetched_loss_is_the_value_before_the_update(session):
    x = tf.placeholder(tf.float32, [None], name="x")
    w = tf.Variable(2.0, name="w")
    loss = tf.reduce_sum(w * x)           # the gradient (x) does not read w
    train = tf.train.GradientDescentOptimizer(1.0).minimize(loss)
    sess = session()
    sess.run(tf.global_variables_initializer())
    feed = {x: [1.0, 2.0]}
    for expected_w in (2.0, -1.0, -4.0):
        _, value = sess.run([train, loss], feed)
        assert value == pytest.approx(3.0 * expected_w)
    assert sess.run(w) == pytest.approx(-7.0)
    # the same when the loss is fetched first
    value, _ = sess.run([loss, train], feed)
    assert value == pytest.approx(-21.0)


def test_global_step_and_train_op(session):
    w = tf.Variable(1.0, name="w")
    step = tf.train.get_or_create_global_step()
    train = tf.train.GradientDescentOptimizer(0.1).minimize(w * w, global_step=step)
    assert train.name == "GradientDescent" and train.type == "AssignAdd"
    assert tf.get_collection(tf.GraphKeys.TRAIN_OP) == [train]
    sess = session()
    sess.run(tf.global_variables_initializer())
    for _ in range(3):
        sess.run(train)
    assert sess.run(step) == 3 and sess.run(step).dtype == np.int64
    assert sess.run(w) == pytest.approx(0.8 ** 3)


def test_minimize_names_like_tf1():
    w = tf.Variable(1.0, name="w")
    t1 = tf.train.MomentumOptimizer(0.1, 0.9).minimize(w * w)
    t2 = tf.train.MomentumOptimizer(0.1, 0.9).minimize(w * w, name="second")
    assert (t1.name, t1.type, t2.name) == ("Momentum", "NoOp", "second")
    names = [op.name for op in tf.get_default_graph().get_operations()]
    assert any(n.startswith("Momentum/update_w/") for n in names)
    assert any(n.startswith("gradients/") for n in names)


def test_var_list_and_compute_apply_split(session):
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(1.0, name="b")
    loss = a * a + b * b
    opt = tf.train.GradientDescentOptimizer(0.25)
    gv = opt.compute_gradients(loss, var_list=[a])
    assert [v for _, v in gv] == [a]
    # gradients can be transformed between the two steps
    train = opt.apply_gradients([(g * 2.0, v) for g, v in gv])
    sess = session()
    sess.run(tf.global_variables_initializer())
    sess.run(train)
    assert sess.run([a, b]) == [0.0, 1.0]


def test_compute_gradients_gives_none_for_unused_variables():
    a = tf.Variable(1.0, name="a")
    b = tf.Variable(1.0, name="b")
    gv = tf.train.GradientDescentOptimizer(0.1).compute_gradients(a * 3.0)
    assert gv[0][1] is a and gv[0][0] is not None
    assert gv[1] == (None, b)


def test_error_no_gradients():
    w = tf.Variable(1.0, name="w")
    loss = tf.constant(3.0) * 2.0
    with pytest.raises(ValueError, match=r"No gradients provided for any variable, check your "
                       r"graph for ops that do not support gradients, between variables "
                       r"\[.*w:0.*\] and loss"):
        tf.train.AdamOptimizer().minimize(loss)
    _ = w


def test_error_cases():
    opt = tf.train.GradientDescentOptimizer(0.1)
    with pytest.raises(ValueError, match="No variables to optimize"):
        opt.minimize(tf.constant(1.0))
    w = tf.Variable(1.0, name="w")
    with pytest.raises(ValueError, match="No variables provided"):
        opt.apply_gradients([])
    with pytest.raises(ValueError, match="No gradients provided for any variable"):
        opt.apply_gradients([(None, w)])
    with pytest.raises(TypeError, match="tf.Variable"):
        opt.apply_gradients([(tf.constant(1.0), tf.constant(2.0))])
    with pytest.raises(ValueError, match="Invalid type"):
        opt.minimize(tf.constant(1) * 2, var_list=[w])
    with pytest.raises(ValueError, match="name"):
        Optimizer(False, "")
    with pytest.raises(ValueError, match="positive"):
        tf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)


def test_optimizers_come_from_the_plugin():
    names = {"GradientDescentOptimizer", "MomentumOptimizer", "AdagradOptimizer",
             "AdadeltaOptimizer", "RMSPropOptimizer", "AdamOptimizer",
             "ProximalGradientDescentOptimizer", "ProximalAdagradOptimizer", "FtrlOptimizer",
             "AdagradDAOptimizer"}
    assert names <= set(plugins.optimizers())
    assert set(plugins.contributions()["flowkit_optimizers"]["optimizers"]) == names
    assert tf.train.AdamOptimizer is plugins.optimizers()["AdamOptimizer"]
    assert issubclass(tf.train.AdamOptimizer, tf.train.Optimizer)
    with pytest.raises(AttributeError, match="Optimizers installed"):
        _ = tf.train.NoSuchOptimizer


class _SignSGD(Optimizer):
    """A throwaway optimizer from a test plugin: ``var -= lr * sign(grad)``."""

    def __init__(self, learning_rate, name="SignSGD"):
        super().__init__(False, name)
        self._lr = learning_rate

    def _apply_dense(self, grad, var):
        return tf.assign_sub(var, self._hyper(self._lr, var.dtype, "lr") * tf.sign(grad))


class _SignPlugin:
    @plugins.hookimpl
    def flowkit_register_optimizers(self):
        return [_SignSGD]


def test_a_plugin_adds_an_optimizer():
    p = _SignPlugin()
    plugins.register_plugin(p, name="sign-test")
    try:
        w = tf.Variable([3.0, -3.0], name="w")
        train = tf.train._SignSGD(0.5).minimize(tf.reduce_sum(w * w))
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            sess.run(train)
            assert sess.run(w).tolist() == [2.5, -2.5]
    finally:
        plugins.unregister_plugin(p)
    assert "_SignSGD" not in plugins.optimizers()


# -- the proximal and FTRL-family optimizers (issue 19) ---------------------------------------
def np_prox(v, lr, l1, l2):
    return np.sign(v) * np.maximum(np.abs(v) - lr * l1, 0.0) / (1.0 + lr * l2)


def np_proximal_gd(lr, l1=0.0, l2=0.0):
    def step(p, g, s, t):
        return np_prox(p - lr * g, lr, l1, l2)
    return step


def np_proximal_adagrad(lr, init=0.1, l1=0.0, l2=0.0):
    def step(p, g, s, t):
        s["acc"] = s.get("acc", init) + g * g
        lr_t = lr / np.sqrt(s["acc"])
        return np_prox(p - lr_t * g, lr_t, l1, l2)
    return step


def np_ftrl(lr, power=-0.5, init=0.1, l1=0.0, l2=0.0, shrink=0.0, beta=0.0):
    def step(p, g, s, t):
        acc = s.get("acc", init)
        new_acc = acc + g * g
        s["lin"] = s.get("lin", 0.0) + g + 2 * shrink * p \
            - (new_acc ** -power - acc ** -power) / lr * p
        quad = new_acc ** -power / lr + 2 * (l2 + beta / (2 * lr))
        s["acc"] = new_acc
        lin = s["lin"]
        return np.where(np.abs(lin) > l1, (np.sign(lin) * l1 - lin) / quad, 0.0)
    return step


def np_adagrad_da(lr, init=0.1, l1=0.0, l2=0.0):
    def step(p, g, s, t):
        s["g"] = s.get("g", 0.0) + g
        s["gg"] = s.get("gg", init) + g * g
        denom = l2 * t * lr + np.sqrt(s["gg"])
        return -np.sign(s["g"]) * np.maximum(np.abs(s["g"]) - l1 * t, 0.0) * lr / denom
    return step


PROX_CASES = {
    "proximal_gd": ("ProximalGradientDescentOptimizer", dict(learning_rate=0.05),
                    np_proximal_gd(0.05)),
    "proximal_gd_l1_l2": ("ProximalGradientDescentOptimizer",
                          dict(learning_rate=0.05, l1_regularization_strength=0.5,
                               l2_regularization_strength=0.3),
                          np_proximal_gd(0.05, 0.5, 0.3)),
    "proximal_adagrad": ("ProximalAdagradOptimizer", dict(learning_rate=0.3),
                         np_proximal_adagrad(0.3)),
    "proximal_adagrad_l1_l2": ("ProximalAdagradOptimizer",
                               dict(learning_rate=0.3, initial_accumulator_value=0.5,
                                    l1_regularization_strength=0.2,
                                    l2_regularization_strength=0.1),
                               np_proximal_adagrad(0.3, 0.5, 0.2, 0.1)),
    "ftrl": ("FtrlOptimizer", dict(learning_rate=0.3), np_ftrl(0.3)),
    "ftrl_l1_l2": ("FtrlOptimizer", dict(learning_rate=0.3, l1_regularization_strength=0.5,
                                         l2_regularization_strength=0.2),
                   np_ftrl(0.3, l1=0.5, l2=0.2)),
    "ftrl_power_shrinkage_beta": ("FtrlOptimizer", dict(
        learning_rate=0.2, learning_rate_power=-0.7, initial_accumulator_value=0.3,
        l1_regularization_strength=0.1, l2_shrinkage_regularization_strength=0.2, beta=0.5),
        np_ftrl(0.2, -0.7, 0.3, l1=0.1, shrink=0.2, beta=0.5)),
}


@pytest.mark.parametrize("case", sorted(PROX_CASES))
def test_proximal_family_matches_numpy_float64(case, session):
    opt_name, kwargs, rule = PROX_CASES[case]
    w, b, loss, opt, train, feed = build(tf, opt_name, kwargs, np.float64)
    sess = session()
    sess.run(tf.global_variables_initializer())
    for t, (w_np, b_np) in enumerate(numpy_trajectory(rule), start=1):
        sess.run(train, feed)
        w_v, b_v = sess.run([w, b])
        np.testing.assert_allclose(w_v, w_np, rtol=1e-10, atol=1e-12, err_msg=f"step {t}")
        np.testing.assert_allclose(b_v, b_np, rtol=1e-10, atol=1e-12, err_msg=f"step {t}")


@pytest.mark.parametrize("case", sorted(PROX_CASES))
def test_proximal_family_matches_tf1_step_by_step(case, tf1):
    opt_name, kwargs, _ = PROX_CASES[case]
    w, b, loss, opt, train, _ = build(tf, opt_name, kwargs, np.float32)
    g1 = tf1.Graph()
    with g1.as_default():
        w1, b1, loss1, opt1, train1, _ = build(tf1, opt_name, kwargs, np.float32)
        init1 = tf1.global_variables_initializer()
        names1 = [v.name for v in tf1.global_variables()]
    assert [v.name for v in tf.global_variables()] == names1
    assert opt.get_slot_names() == opt1.get_slot_names()
    assert train.name == train1.name
    with tf.Session() as sess, tf1.Session(graph=g1) as sess1:
        sess.run(tf.global_variables_initializer())
        sess1.run(init1)
        for t in range(STEPS):
            sess.run(train)
            sess1.run(train1)
            np.testing.assert_allclose(sess.run(w), sess1.run(w1), rtol=2e-5, atol=1e-6,
                                       err_msg=f"step {t}")
            np.testing.assert_allclose(sess.run(b), sess1.run(b1), rtol=2e-5, atol=1e-6,
                                       err_msg=f"step {t}")


def _build_da(api, dtype, **kwargs):
    step = api.train.get_or_create_global_step()
    w = api.Variable(W0.astype(dtype), name="w")
    b = api.Variable(B0.astype(dtype), name="b")
    diff = api.matmul(api.constant(X.astype(dtype)), w) + b - api.constant(Y.astype(dtype))
    opt = api.train.AdagradDAOptimizer(0.3, global_step=step, **kwargs)
    return w, b, opt, opt.minimize(0.5 * api.reduce_sum(diff * diff), global_step=step)


@pytest.mark.parametrize("kwargs", [{}, dict(l1_regularization_strength=0.3,
                                             l2_regularization_strength=0.2,
                                             initial_gradient_squared_accumulator_value=0.5)])
def test_adagrad_da_matches_numpy_and_tf1(kwargs, session, tf1):
    rule = np_adagrad_da(0.3, kwargs.get("initial_gradient_squared_accumulator_value", 0.1),
                         kwargs.get("l1_regularization_strength", 0.0),
                         kwargs.get("l2_regularization_strength", 0.0))
    w, b, opt, train = _build_da(tf, np.float64, **kwargs)
    sess = session()
    sess.run(tf.global_variables_initializer())
    for t, (w_np, b_np) in enumerate(numpy_trajectory(rule), start=1):
        sess.run(train)
        np.testing.assert_allclose(sess.run(w), w_np, rtol=1e-10, atol=1e-12,
                                   err_msg=f"step {t}")
        np.testing.assert_allclose(sess.run(b), b_np, rtol=1e-10, atol=1e-12)
    g, g1 = tf.Graph(), tf1.Graph()
    with g.as_default():
        w, b, opt, train = _build_da(tf, np.float32, **kwargs)
        names = [v.name for v in tf.global_variables()]
        init = tf.global_variables_initializer()
    with g1.as_default():
        w1, b1, opt1, train1 = _build_da(tf1, np.float32, **kwargs)
        names1 = [v.name for v in tf1.global_variables()]
        init1 = tf1.global_variables_initializer()
    assert names == names1
    with tf.Session(graph=g) as s, tf1.Session(graph=g1) as s1:
        s.run(init)
        s1.run(init1)
        for t in range(STEPS):
            s.run(train)
            s1.run(train1)
            np.testing.assert_allclose(s.run(w), s1.run(w1), rtol=2e-5, atol=1e-6,
                                       err_msg=f"step {t}")


@pytest.mark.parametrize("make,match", [
    (lambda: tf.train.ProximalGradientDescentOptimizer(0.1, l1_regularization_strength=-1.0),
     "l1_regularization_strength must be non-negative"),
    (lambda: tf.train.ProximalAdagradOptimizer(0.1, initial_accumulator_value=0.0),
     "initial_accumulator_value must be positive"),
    (lambda: tf.train.FtrlOptimizer(0.1, learning_rate_power=0.5),
     "learning_rate_power 0.5 needs to be negative or zero"),
    (lambda: tf.train.AdagradDAOptimizer(0.1, global_step=None,
                                         initial_gradient_squared_accumulator_value=-1.0),
     "must be positive"),
])
def test_proximal_family_argument_errors(make, match):
    with pytest.raises(ValueError, match=match):
        make()


def test_ftrl_slot_names_follow_accum_and_linear_names():
    w = tf.Variable([1.0, 2.0], name="w")
    opt = tf.train.FtrlOptimizer(0.1, accum_name="acc", linear_name="lin")
    opt.minimize(tf.reduce_sum(w * w))
    assert opt.get_slot(w, "accum").name == "w/acc:0"
    assert opt.get_slot(w, "linear").name == "w/lin:0"
