"""Graph pictures: DOT text, SVG through graphviz, and `flowkit graph` on a checkpoint."""
import shutil

import pytest

import flowkit as tf
from flowkit.cli import main
from flowkit.draw import graph_to_dot, op_kind


def _model():
    x = tf.placeholder(tf.float32, [None, 3], name="x")
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [3, 2])
    y = tf.nn.relu(tf.matmul(x, w))
    loss = tf.reduce_sum(y)
    tf.gradients(loss, [w])
    return x, w, loss


def test_dot_has_clusters_kinds_and_edge_labels():
    x, w, loss = _model()
    dot = tf.get_default_graph().to_dot()
    assert dot.startswith("digraph flowkit {")
    assert 'subgraph "cluster_layer"' in dot and 'subgraph "cluster_gradients"' in dot
    assert '"x" [label="x\\nPlaceholder", shape=invhouse' in dot
    assert 'shape=cylinder' in dot                       # the variable
    assert '"x" -> "MatMul" [label="(?, 3) float32"]' in dot
    kinds = {op.name: op_kind(op) for op in tf.get_default_graph().get_operations()}
    assert kinds["x"] == "placeholder" and kinds["layer/w"] == "variable"
    assert kinds["layer/w/Assign"] == "state"
    assert any(k == "gradient" for n, k in kinds.items() if n.startswith("gradients/"))


def test_dot_without_constants():
    tf.constant(1.0, name="c") + tf.placeholder(tf.float32, name="p")
    dot = graph_to_dot(tf.get_default_graph(), show_constants=False)
    assert '"c"' not in dot and '"p"' in dot


def test_quotes_in_names_are_escaped():
    g = tf.get_default_graph()
    with g.name_scope("a"):
        tf.constant(1.0, name="q")
    assert '"a/q"' in g.to_dot()


@pytest.mark.skipif(shutil.which("dot") is None, reason="graphviz is not installed")
def test_svg_repr_in_notebooks():
    _model()
    svg = tf.get_default_graph()._repr_svg_()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg


def test_flowkit_graph_command(tmp_path, capsys):
    _model()
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model"))
    out = tmp_path / "g.dot"
    assert main(["graph", path + ".h5", "-o", str(out)]) == 0
    text = out.read_text()
    assert 'subgraph "cluster_layer"' in text and '"layer/w"' in text
    if shutil.which("dot"):
        svg = tmp_path / "g.svg"
        assert main(["graph", path, "-o", str(svg)]) == 0
        assert "<svg" in svg.read_text()
    assert main(["graph", str(tmp_path / "missing.h5")]) == 2
    assert "error" in capsys.readouterr().err
