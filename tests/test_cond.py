"""tf.cond: only the branch taken runs; structures, errors, gradients; tf.tuple and
control dependencies; names compared with TF1."""
import collections

import numpy as np
import pytest

import flowkit as tf
from flowkit.testing import check_gradients


def feed_both(sess, fetch, feed, p):
    return sess.run(fetch, {**feed, p: True}), sess.run(fetch, {**feed, p: False})


# -- values ------------------------------------------------------------------------------------
def test_cond_picks_the_branch(session):
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    y = tf.cond(p, lambda: x * 2.0, lambda: x + 1.0)
    assert y.shape.as_list() == [None, 3] and y.dtype is tf.float32
    sess = session()
    xv = np.arange(6, dtype=np.float32).reshape(2, 3)
    t, f = feed_both(sess, y, {x: xv}, p)
    np.testing.assert_array_equal(t, xv * 2)
    np.testing.assert_array_equal(f, xv + 1)
    assert t.dtype == np.float32 and f.dtype == np.float32


def test_cond_with_computed_predicate(session):
    x = tf.placeholder(tf.float32, [], name="x")
    y = tf.cond(x > 0.0, lambda: x * 2.0, lambda: -x)
    sess = session()
    assert sess.run(y, {x: 3.0}) == 6.0
    assert sess.run(y, {x: -4.0}) == 4.0


def test_constant_results_are_gated(session):
    # Both results are constants with no inputs: only the pivot decides which one is live.
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.constant(1), lambda: tf.constant(2))
    z = tf.cond(p, lambda: 10.0, lambda: 20.0)   # Python values are converted in the branch
    sess = session()
    assert feed_both(sess, [y, z], {}, p) == ([1, 10.0], [2, 20.0])


def test_outside_tensor_returned_directly(session):
    a, b = tf.constant(1.0, name="a"), tf.constant(2.0, name="b")
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: a, lambda: b)
    assert feed_both(session(), y, {}, p) == (1.0, 2.0)


def test_untaken_branch_side_effects_do_not_happen(session):
    v = tf.Variable(0, name="v")
    w = tf.Variable(0, name="w")
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.assign_add(v, 1), lambda: tf.assign_add(w, 10))
    sess = session()
    sess.run(tf.global_variables_initializer())
    assert sess.run(y, {p: True}) == 1
    assert sess.run(y, {p: True}) == 2
    assert sess.run(y, {p: False}) == 10
    assert sess.run([v, w]) == [2, 10]


def test_branch_returning_an_op(session):
    v = tf.Variable(0.0, name="v")
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.group(tf.assign(v, 5.0)), lambda: tf.no_op())
    sess = session()
    sess.run(v.initializer)
    sess.run(y, {p: False})
    assert sess.run(v) == 0.0
    sess.run(y, {p: True})
    assert sess.run(v) == 5.0


def test_untaken_branch_that_would_fail_does_not_run(session):
    x = tf.placeholder(tf.float32, [None], name="x")
    p = tf.placeholder(tf.bool, [])
    # Reshaping 3 elements to [5] fails in the kernel, only if it runs.
    y = tf.cond(p, lambda: tf.reduce_sum(tf.reshape(x, [5])), lambda: tf.reduce_sum(x))
    sess = session()
    assert sess.run(y, {x: [1.0, 2.0, 3.0], p: False}) == 6.0
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sess.run(y, {x: [1.0, 2.0, 3.0], p: True})
    assert "cond/Reshape" in str(info.value)


def test_ops_inside_branch_with_no_inputs_do_not_run(session):
    v = tf.Variable(1.0, name="v")
    p = tf.placeholder(tf.bool, [])

    def true_fn():
        with tf.control_dependencies([tf.assign(v, 7.0)]):
            return tf.constant(1.0)
    y = tf.cond(p, true_fn, lambda: tf.constant(0.0))
    sess = session()
    sess.run(v.initializer)
    assert sess.run(y, {p: False}) == 0.0 and sess.run(v) == 1.0
    assert sess.run(y, {p: True}) == 1.0 and sess.run(v) == 7.0


def test_fetching_a_tensor_of_the_untaken_branch_is_an_error(session):
    x = tf.constant(2.0)
    p = tf.placeholder(tf.bool, [])
    inner = []

    def true_fn():
        inner.append(x * 3.0)
        return inner[0]
    y = tf.cond(p, true_fn, lambda: x)
    sess = session()
    assert sess.run(inner[0], {p: True}) == 6.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="not taken"):
        sess.run([y, inner[0]], {p: False})
    assert sess.run(y, {p: False}) == 2.0


def test_nested_cond(session):
    x = tf.placeholder(tf.float32, [], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    q = tf.placeholder(tf.bool, [], name="q")
    v = tf.Variable(0.0, name="count")

    def outer_true():
        return tf.cond(q, lambda: x * 10.0, lambda: tf.assign_add(v, 1.0) + x)
    y = tf.cond(p, outer_true, lambda: x - 1.0)
    sess = session()
    sess.run(v.initializer)
    assert sess.run(y, {x: 2.0, p: True, q: True}) == 20.0
    assert sess.run(y, {x: 2.0, p: False, q: False}) == 1.0
    assert sess.run(v) == 0.0
    assert sess.run(y, {x: 2.0, p: True, q: False}) == 3.0
    assert sess.run(v) == 1.0


def test_cond_result_used_by_more_ops_and_fetched_twice(session):
    x = tf.placeholder(tf.float32, [2])
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: x * x, lambda: x)
    z = tf.reduce_sum(y) + y
    sess = session()
    t, f = feed_both(sess, [z, y, y], {x: [1.0, 2.0]}, p)
    np.testing.assert_array_equal(t[0], [6.0, 9.0])
    np.testing.assert_array_equal(f[0], [4.0, 5.0])
    np.testing.assert_array_equal(f[1], f[2])


def test_plans_without_cond_have_no_dead_aware_loop():
    x = tf.constant(1.0) + 2.0
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: x, lambda: x * 2.0)
    with tf.Session() as sess:
        sess.run(x)
        sess.run(y, {p: True})
        aware = sorted(plan.dead_aware for plan in sess._plans.values())
    assert aware == [False, True]


def test_initialized_value_of_a_variable(session):
    a = tf.Variable(3.0, name="a")
    b = tf.Variable(a.initialized_value() * 2.0, name="b")
    sess = session()
    sess.run(b.initializer)   # a is not initialized: its initial value is used
    assert sess.run(b) == 6.0
    sess.run(a.initializer)
    sess.run(tf.assign(a, 5.0))
    sess.run(b.initializer)
    assert sess.run(b) == 10.0


def test_uninitialized_variable_in_the_taken_branch_is_still_an_error(session):
    v = tf.Variable(1.0, name="lonely")
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: v.read_value(), lambda: tf.constant(0.0))
    sess = session()
    assert sess.run(y, {p: False}) == 0.0
    with pytest.raises(tf.errors.FailedPreconditionError, match="lonely"):
        sess.run(y, {p: True})


# -- structures --------------------------------------------------------------------------------
Pair = collections.namedtuple("Pair", "a b")


def test_structures(session):
    p = tf.placeholder(tf.bool, [])
    x = tf.constant(1.0)
    lst = tf.cond(p, lambda: [x, tf.constant(1)], lambda: [x * 2.0, tf.constant(2)])
    tup = tf.cond(p, lambda: (x, x), lambda: (x + 1.0, x + 2.0))
    nt = tf.cond(p, lambda: Pair(x, 1), lambda: Pair(x * 3.0, 3))
    dct = tf.cond(p, lambda: {"k": x, "z": [x]}, lambda: {"k": -x, "z": [x * 0.0]})
    assert isinstance(lst, list) and isinstance(tup, tuple) and isinstance(nt, Pair)
    assert isinstance(dct, dict) and isinstance(dct["z"], list)
    sess = session()
    t, f = feed_both(sess, [lst, tup, nt, dct], {}, p)
    assert t == [[1.0, 1], (1.0, 1.0), Pair(1.0, 1), {"k": 1.0, "z": [1.0]}]
    assert f == [[2.0, 2], (2.0, 3.0), Pair(3.0, 3), {"k": -1.0, "z": [0.0]}]


def test_singleton_unpacked_unless_strict():
    p = tf.placeholder(tf.bool, [])
    x = tf.constant(1.0)
    assert isinstance(tf.cond(p, lambda: [x], lambda: [x]), tf.Tensor)
    assert isinstance(tf.cond(p, lambda: (x,), lambda: (x,)), tf.Tensor)
    strict = tf.cond(p, lambda: [x], lambda: [x], strict=True)
    assert isinstance(strict, list) and len(strict) == 1


def test_merge_shape_keeps_what_both_branches_agree_on():
    p = tf.placeholder(tf.bool, [])
    a = tf.placeholder(tf.float32, [2, 3])
    b = tf.placeholder(tf.float32, [5, 3])
    assert tf.cond(p, lambda: a, lambda: b).shape.as_list() == [None, 3]
    assert tf.cond(p, lambda: a, lambda: tf.constant(1.0)).shape.ndims is None


def test_fn1_fn2_and_positional():
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, fn1=lambda: 1.0, fn2=lambda: 2.0)
    z = tf.cond(p, lambda: 1.0, lambda: 2.0, False, "mycond")
    assert y.name == "cond/Merge:0" and z.name == "mycond/Merge:0"
    with tf.Session() as sess:
        assert sess.run([y, z], {p: False}) == [2.0, 2.0]


@pytest.mark.parametrize("build, exc, text", [
    (lambda p, x: tf.cond(True, lambda: x, lambda: x), TypeError, "Python bool"),
    (lambda p, x: tf.cond(x, lambda: x, lambda: x), TypeError, "bool"),
    (lambda p, x: tf.cond(tf.constant([True]), lambda: x, lambda: x), ValueError, "rank 0"),
    (lambda p, x: tf.cond(p, None, lambda: x), TypeError, "'true_fn' argument required"),
    (lambda p, x: tf.cond(p, lambda: x), TypeError, "'false_fn' argument required"),
    (lambda p, x: tf.cond(p, 1, lambda: x), TypeError, "'true_fn' must be callable"),
    (lambda p, x: tf.cond(p, lambda: x, lambda: x, fn1=lambda: x), TypeError,
     "may not be set simultaneously"),
    (lambda p, x: tf.cond(p, lambda: None, lambda: x), ValueError, "must have a return value"),
    (lambda p, x: tf.cond(p, lambda: x, lambda: [x, x]), ValueError, "same nested structure"),
    (lambda p, x: tf.cond(p, lambda: (x, x), lambda: [x, x]), TypeError,
     "same nested structure"),
    (lambda p, x: tf.cond(p, lambda: {"a": x}, lambda: {"b": x}), ValueError,
     "same nested structure"),
    (lambda p, x: tf.cond(p, lambda: 1, lambda: 1.0), ValueError,
     "Received int32 from 'true_fn' and float32 from 'false_fn'"),
])
def test_cond_errors(build, exc, text):
    p = tf.placeholder(tf.bool, [], name="p")
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with pytest.raises(exc, match=text):
        build(p, x)


# -- gradients ---------------------------------------------------------------------------------
@pytest.mark.parametrize("taken", [True, False])
def test_gradient_through_cond(backend, taken):
    def fn(x, y):
        p = tf.constant(taken)
        return tf.cond(p, lambda: x * y * y, lambda: tf.reduce_sum(x) * y)
    report = check_gradients(fn, [np.random.rand(2, 3) + 0.5, np.random.rand(2, 3) + 0.5],
                             backend=backend[0], device=backend[1])
    assert report.ok, str(report)


@pytest.mark.parametrize("taken", [True, False])
def test_gradient_of_outside_value_used_in_one_branch(backend, taken):
    # x is used only by the true branch: when the false branch runs its gradient is zero.
    def fn(x, y):
        return tf.cond(tf.constant(taken), lambda: x * y, lambda: y * 2.0)
    report = check_gradients(fn, [np.random.rand(3), np.random.rand(3)],
                             backend=backend[0], device=backend[1])
    assert report.ok, str(report)


@pytest.mark.parametrize("taken", [True, False])
def test_gradient_with_cond_result_and_outside_use(backend, taken):
    # x feeds the cond and is also used after it: two gradient paths are summed.
    def fn(x):
        y = tf.cond(tf.constant(taken), lambda: x * x, lambda: x * 3.0)
        return y * x + x
    report = check_gradients(fn, [np.random.rand(4)], backend=backend[0], device=backend[1])
    assert report.ok, str(report)


@pytest.mark.parametrize("p_val, q_val", [(True, True), (True, False), (False, True)])
def test_gradient_through_nested_cond(backend, p_val, q_val):
    def fn(x):
        def outer():
            return tf.cond(tf.constant(q_val), lambda: x * x * x, lambda: x * 5.0)
        return tf.cond(tf.constant(p_val), outer, lambda: x * x)
    report = check_gradients(fn, [np.random.rand(3)], backend=backend[0], device=backend[1])
    assert report.ok, str(report)


def test_gradient_values_with_fed_predicate(session):
    x = tf.placeholder(tf.float32, [3], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    w = tf.Variable([1.0, 2.0, 3.0], name="w")
    y = tf.reduce_sum(tf.cond(p, lambda: x * w, lambda: w * w))
    gx, gw = tf.gradients(y, [x, w])
    sess = session()
    sess.run(w.initializer)
    xv = np.array([4.0, 5.0, 6.0], np.float32)
    t, f = feed_both(sess, [gx, gw], {x: xv}, p)
    np.testing.assert_allclose(t[0], [1.0, 2.0, 3.0])
    np.testing.assert_allclose(t[1], xv)
    np.testing.assert_allclose(f[0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(f[1], [2.0, 4.0, 6.0])


def test_second_order_gradient_through_cond(session):
    x = tf.placeholder(tf.float32, [], name="x")
    p = tf.placeholder(tf.bool, [], name="p")
    y = tf.cond(p, lambda: x * x * x, lambda: x * x)
    (g,) = tf.gradients(y, x)
    (h,) = tf.gradients(g, x)
    sess = session()
    assert feed_both(sess, [g, h], {x: 2.0}, p) == ([12.0, 12.0], [4.0, 2.0])


def test_training_through_cond(session):
    w = tf.Variable(1.0, name="w")
    p = tf.placeholder(tf.bool, [])
    loss = tf.cond(p, lambda: (w - 3.0) * (w - 3.0), lambda: (w + 1.0) * (w + 1.0))
    (g,) = tf.gradients(loss, w)
    step = tf.assign_sub(w, 0.25 * g)
    sess = session()
    sess.run(w.initializer)
    for _ in range(30):
        sess.run(step, {p: True})
    assert abs(sess.run(w) - 3.0) < 1e-3
    for _ in range(30):
        sess.run(step, {p: False})
    assert abs(sess.run(w) + 1.0) < 1e-3


# -- tf.tuple and control dependencies ---------------------------------------------------------
def test_tuple_gates_every_tensor(session):
    v = tf.Variable(0.0, name="v")
    inc = tf.assign_add(v, 1.0)
    a, b, none = tf.tuple([tf.constant(5.0), inc, None])
    assert none is None and a.op.type == "Identity"
    sess = session()
    sess.run(v.initializer)
    assert sess.run(a) == 5.0
    assert sess.run(v) == 1.0        # fetching a ran the gate, hence inc
    with pytest.raises(ValueError, match="at least one Tensor"):
        tf.tuple([None])


def test_tuple_with_control_inputs_and_ops(session):
    v = tf.Variable(0.0, name="v")
    inc = tf.assign_add(v, 2.0)
    (op,) = tf.tuple([tf.no_op()], control_inputs=[inc])
    assert isinstance(op, tf.Operation)
    sess = session()
    sess.run(v.initializer)
    sess.run(op)
    assert sess.run(v) == 2.0


def test_identity_under_control_dependencies_runs_after_them(session):
    v = tf.Variable(1.0, name="v")
    inc = tf.assign_add(v, 1.0)
    with tf.control_dependencies([inc]):
        after = tf.identity(v)
    with tf.control_dependencies([inc.op]):
        const = tf.constant(0.0)
    with tf.control_dependencies(None):
        free = tf.identity(v)
    sess = session()
    sess.run(v.initializer)
    assert sess.run(after) == 2.0
    assert sess.run(free) == 2.0
    sess.run(const)
    assert sess.run(v) == 3.0
    # The read of v made under the block carries the control input (as TF's resource reads).
    assert [c.name for c in after.op.inputs[0].op.control_inputs] == [inc.op.name]
    assert free.op.control_inputs == []


def test_control_dependency_inside_cond_branch(session):
    v = tf.Variable(0.0, name="v")
    p = tf.placeholder(tf.bool, [])

    def true_fn():
        with tf.control_dependencies([tf.assign_add(v, 1.0)]):
            return tf.identity(v.read_value())
    y = tf.cond(p, true_fn, lambda: tf.constant(-1.0))
    sess = session()
    sess.run(v.initializer)
    assert sess.run(y, {p: True}) == 1.0
    assert sess.run(y, {p: False}) == -1.0
    assert sess.run(v) == 1.0


# -- against TF1 -------------------------------------------------------------------------------
def _cond_program(tf_, feed):
    x = tf_.placeholder(tf_.float32, [None, 3], name="x")
    p = tf_.placeholder(tf_.bool, [], name="p")
    y = tf_.cond(p, lambda: x * 2.0, lambda: x + 1.0)
    pair = tf_.cond(p, lambda: (x, tf_.constant(1)), lambda: (x * 3.0, tf_.constant(2)),
                    name="pair")
    g = tf_.gradients(tf_.reduce_sum(y), x)[0]
    tup = tf_.tuple([y, x])
    names = [(op.name, op.type) for op in tf_.get_default_graph().get_operations()
             if op.name.split("/")[0] in ("cond", "pair", "tuple")]
    with tf_.Session() as sess:
        vals = [sess.run([y, pair, g], {x: feed, p: b}) for b in (True, False)]
    return names, [y.name, pair[0].name, pair[1].name, tup[0].name, tup[1].name,
                   y.shape.as_list(), pair[1].shape.as_list()], vals


def test_cond_matches_tf1(tf1):
    feed = np.arange(6, dtype=np.float32).reshape(2, 3)
    with tf1.Graph().as_default():
        tf1.disable_control_flow_v2()
        names_ref, tensors_ref, vals_ref = _cond_program(tf1, feed)
    names, tensors, vals = _cond_program(tf, feed)
    names_ref = [(n, "Add" if t == "AddV2" else t) for n, t in names_ref]
    # Same ops and names; flowkit adds a branch's input Switch ops when the branch is built,
    # TF1 right after each op, so only the creation order differs.
    assert sorted(names) == sorted(names_ref)
    assert tensors == tensors_ref
    for got, ref in zip(vals, vals_ref):
        np.testing.assert_array_equal(got[0], ref[0])
        np.testing.assert_array_equal(got[1][0], ref[1][0])
        assert got[1][1] == ref[1][1] and type(got[1][1]) is type(ref[1][1])
        np.testing.assert_array_equal(got[2], ref[2])


def test_variable_read_through_cond_is_not_changed_by_a_later_update(session):
    v = tf.Variable(1.0, name="v")
    p = tf.placeholder(tf.bool, [])
    y = tf.cond(p, lambda: tf.identity(v), lambda: v * 2.0)
    inc = tf.assign_add(v, 10.0)
    sess = session()
    sess.run(v.initializer)
    assert sess.run([y, inc], {p: True}) == [1.0, 11.0]
    assert sess.run([y, inc], {p: False}) == [22.0, 21.0]


# -- tf.Assert and tf.case ---------------------------------------------------------------------
def test_assert(session):
    x = tf.placeholder(tf.float32, [3], name="x")
    check = tf.Assert(tf.reduce_sum(x) > 0.0, ["sum must be positive:", x], summarize=2)
    assert isinstance(check, tf.Operation) and check.type == "Assert"
    assert check.name == "Assert"
    with tf.control_dependencies([check]):
        y = x * 2.0
    sess = session()
    np.testing.assert_array_equal(sess.run(y, {x: [1.0, 2.0, 3.0]}), [2.0, 4.0, 6.0])
    with pytest.raises(tf.errors.InvalidArgumentError) as info:
        sess.run(y, {x: [-1.0, -2.0, 0.5]})
    assert "assertion failed: [sum must be positive:] [-1.0 -2.0...]" in str(info.value)
    assert info.value.op is check
    with pytest.raises(TypeError):
        tf.Assert(x, ["not bool"])


def test_assert_in_untaken_branch_does_not_fire(session):
    p = tf.placeholder(tf.bool, [])

    def true_fn():
        with tf.control_dependencies([tf.Assert(tf.constant(False), ["boom"])]):
            return tf.constant(1.0)
    y = tf.cond(p, true_fn, lambda: tf.constant(0.0))
    sess = session()
    assert sess.run(y, {p: False}) == 0.0
    with pytest.raises(tf.errors.InvalidArgumentError, match="boom"):
        sess.run(y, {p: True})


def test_case(session):
    x = tf.placeholder(tf.int32, [], name="x")
    v = tf.Variable(0, name="count")
    y = tf.case([(x < 0, lambda: tf.constant(-1)), (x > 0, lambda: tf.constant(1))],
                default=lambda: tf.assign_add(v, 1) * 0)
    no_default = tf.case([(x < 0, lambda: -1), (x > 0, lambda: 1)])
    exclusive = tf.case({x < 5: lambda: -1, x > 0: lambda: 1}, default=lambda: 0,
                        exclusive=True)
    assert y.name == "case/cond/Merge:0"
    sess = session()
    sess.run(v.initializer)
    assert [sess.run(y, {x: i}) for i in (-3, 3, 0)] == [-1, 1, 0]
    assert sess.run(v) == 1                     # only the default ran its assignment
    assert [sess.run(no_default, {x: i}) for i in (-3, 3)] == [-1, 1]
    with pytest.raises(tf.errors.InvalidArgumentError, match="None of conditions"):
        sess.run(no_default, {x: 0})
    assert [sess.run(exclusive, {x: i}) for i in (-3, 7)] == [-1, 1]
    with pytest.raises(tf.errors.InvalidArgumentError, match="exclusive"):
        sess.run(exclusive, {x: 3})


def test_case_errors():
    x = tf.placeholder(tf.int32, [])
    with pytest.raises(TypeError):
        tf.case([])
    with pytest.raises(TypeError, match="Python bool"):
        tf.case([(True, lambda: 1)])
    with pytest.raises(TypeError, match="callable"):
        tf.case([(x > 0, 1)])
    with pytest.raises(TypeError, match="bool"):
        tf.case([(x, lambda: 1)])


def _case_program(tf_):
    x = tf_.placeholder(tf_.int32, [], name="x")
    y = tf_.case([(x < 0, lambda: tf_.constant(-1)), (x > 0, lambda: tf_.constant(1))],
                 default=lambda: tf_.constant(0))
    z = tf_.case([(x < 0, lambda: tf_.constant(-1)), (x > 0, lambda: tf_.constant(1))])
    out = [y.name, z.name]
    with tf_.Session() as sess:
        for v in (-3, 0, 3):
            for t in (y, z):
                try:
                    out.append(int(sess.run(t, {x: v})))
                except tf_.errors.InvalidArgumentError:
                    out.append("InvalidArgumentError")
    return out


def test_case_matches_tf1(tf1):
    with tf1.Graph().as_default():
        tf1.disable_control_flow_v2()
        ref = _case_program(tf1)
    assert _case_program(tf) == ref
