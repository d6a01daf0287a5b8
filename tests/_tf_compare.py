"""Shared by the differential tests of tf.layers, tf.contrib, tf.losses and tf.metrics: build
one program with flowkit and with TensorFlow's tf.compat.v1 (the same code: both spell the
API alike), give both the same initial values, run them step by step, compare."""
import importlib.util
import os

import numpy as np
import pytest

import flowkit as tf

HAVE_TF_KERAS = importlib.util.find_spec("tf_keras") is not None
if HAVE_TF_KERAS:
    # tf.compat.v1.layers needs the legacy Keras of the tf-keras package (read lazily, at the
    # first use of tf.compat.v1.layers).
    os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")


def run_tf1(tf1, build, feed=None, initialize=False, rewrite=True):
    """Builds ``build()``'s fetches in a new tf.compat.v1 graph and runs them once (after the
    variables' initializers with ``initialize``; with Grappler's rewrites off unless
    ``rewrite``: it rewrites FusedBatchNorm of known inputs and then loses its other outputs).
    """
    g = tf1.Graph()
    with g.as_default():
        out = build()
        config = tf1.ConfigProto()
        if not rewrite:
            config.graph_options.rewrite_options.disable_meta_optimizer = True
        with tf1.Session(graph=g, config=config) as s:
            if initialize:
                s.run(tf1.global_variables_initializer())
            return s.run(out, feed)


def legacy_layers(tf1):
    """``tf1`` with ``tf1.layers`` usable, else skip."""
    if not HAVE_TF_KERAS:
        pytest.skip("tf.compat.v1.layers needs tf-keras (pip install tf-keras)")
    return tf1


def initial_values(variables, seed=0):
    """A value per variable name (``dense/kernel``): small random floats, ones for
    variances, so both programs start from the same point."""
    rng = np.random.default_rng(seed)
    values = {}
    for v in variables:
        name = v.name.split(":")[0]
        shape = v.shape.as_list()
        if name.endswith("variance"):
            values[name] = rng.uniform(0.5, 1.5, shape).astype(np.float32)
        else:
            values[name] = rng.normal(0.0, 0.3, shape).astype(np.float32)
    return values


def load_values(sess, variables, values):
    for v in variables:
        v.load(values[v.name.split(":")[0]], sess)


def random_ops_named(graph, word):
    """The outputs of the RandomUniform ops whose names contain ``word`` (dropout masks)."""
    return [op.outputs[0] for op in graph.get_operations()
            if op.type == "RandomUniform" and word in op.name]


class Program:
    """One framework's side: the graph, its session, its tensors by key."""

    def __init__(self, mod, build, make_session=None):
        self.mod = mod
        self.graph = mod.Graph()
        with self.graph.as_default():
            self.t = build(mod)
            self.init = [mod.global_variables_initializer(), mod.local_variables_initializer()]
            self.vars = mod.global_variables()
            # The model's variables get the shared initial values; optimizer slots keep their
            # (deterministic) initializers.
            self.model_vars = [v for v in self.vars if v in mod.trainable_variables()
                               or "moving_" in v.name]
        self.sess = make_session(self.graph) if make_session else mod.Session(graph=self.graph)
        self.sess.run(self.init)

    def names(self):
        return [v.name for v in self.vars]

    def load(self, values):
        load_values(self.sess, self.model_vars, values)

    def run(self, keys, feed):
        feed = {self.t[k] if isinstance(k, str) else k: v for k, v in feed.items()}
        return self.sess.run([self.t[k] for k in keys], feed)

    def values(self):
        return dict(zip([v.name for v in self.vars], self.sess.run(self.vars)))


def make_pair(build, session, tf1, seed=0, build_ref=None):
    """The flowkit and TF programs built by ``build(mod)`` (TF's by ``build_ref`` if given),
    with the same initial values."""
    fk = Program(tf, build, lambda g: session(graph=g))
    # TF1's own control flow (Switch/Merge, as flowkit's tf.cond), so that a tensor inside a
    # branch (a dropout mask) can be fed in both programs.
    was_v2 = tf1.control_flow_v2_enabled()
    tf1.disable_control_flow_v2()
    try:
        ref = Program(tf1, build_ref or build)
    finally:
        if was_v2:
            tf1.enable_control_flow_v2()
    assert fk.names() == ref.names()
    assert [v.name for v in fk.model_vars] == [v.name for v in ref.model_vars]
    values = initial_values(ref.model_vars, seed)
    fk.load(values)
    ref.load(values)
    return fk, ref


def assert_same_variables(fk, ref, rtol=1e-4, atol=1e-5):
    got, want = fk.values(), ref.values()
    assert list(got) == list(want)
    for name in want:
        assert np.all(np.isfinite(want[name])), name
        np.testing.assert_allclose(got[name], want[name], rtol=rtol, atol=atol, err_msg=name)
