"""tf.compat.v1 is flowkit, the TF2 behaviour switches, and the generated coverage report
(docs/gen_coverage.py) with its out-of-scope rules (flowkit.compat.scope)."""
import importlib
import importlib.util
import os
import re
import subprocess
import sys

import pytest

import flowkit
from flowkit.compat import behavior, scope

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def gen():
    sys.path.insert(0, os.path.join(ROOT, "docs"))
    try:
        import gen_coverage
    finally:
        sys.path.pop(0)
    return gen_coverage


@pytest.fixture(scope="module")
def entries(gen):
    return gen.classify_all()


# -- item 1: tf.compat.v1 and the switches -------------------------------------------------------

def test_compat_v1_is_flowkit_itself():
    import flowkit.compat.v1 as tf
    assert tf is flowkit
    assert flowkit.compat.v1 is flowkit
    assert tf.compat.v1.compat.v1 is flowkit
    from flowkit.compat import v1
    assert v1 is flowkit


def test_compat_v1_in_a_fresh_interpreter():
    # The first import a TF1-on-TF2 program makes, with nothing imported before it.
    code = ("import flowkit.compat.v1 as tf\n"
            "tf.disable_v2_behavior()\n"
            "x = tf.placeholder(tf.float32, [None, 2])\n"
            "y = tf.reduce_sum(x * 2.0)\n"
            "with tf.Session() as sess:\n"
            "    print(sess.run(y, {x: [[1.0, 2.0]]}), tf.executing_eagerly())\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["6.0", "False"]


def test_every_switch_is_reachable_from_the_root():
    missing = [n for n in behavior.__all__ if getattr(flowkit, n, None) is not getattr(behavior, n)]
    assert not missing, f"add to flowkit/__init__.py: {missing}"


@pytest.mark.parametrize("name", ["disable_v2_behavior", "disable_eager_execution",
                                  "disable_tensor_equality", "disable_v2_tensorshape",
                                  "disable_control_flow_v2", "disable_resource_variables"])
def test_tf1_switches_are_accepted(name):
    assert getattr(behavior, name)() is None
    assert behavior.executing_eagerly() is False
    assert behavior.executing_eagerly_outside_functions() is False


@pytest.mark.parametrize("name", ["enable_eager_execution", "enable_v2_behavior",
                                  "enable_tensor_equality", "enable_v2_tensorshape"])
def test_tf2_switches_that_change_meaning_raise(name):
    with pytest.raises(ValueError, match=rf"tf\.{name}: flowkit runs TF1's graph mode only"):
        getattr(behavior, name)()


def test_recorded_switches_report_what_was_asked():
    try:
        behavior.enable_resource_variables()
        behavior.enable_control_flow_v2()
        assert behavior.resource_variables_enabled() and behavior.control_flow_v2_enabled()
    finally:
        behavior.disable_resource_variables()
        behavior.disable_control_flow_v2()
    assert not behavior.resource_variables_enabled()
    assert not behavior.control_flow_v2_enabled()


def test_behavior_module_imports_nothing_from_flowkit():
    text = open(behavior.__file__).read() + open(scope.__file__).read()
    assert not re.search(r"^\s*(from|import)\s+flowkit", text, re.M)


def test_compat_helpers():
    from flowkit import compat
    assert compat.as_bytes("é") == "é".encode() and compat.as_text(b"ab") == "ab"
    assert compat.as_str_any(3) == "3"
    with pytest.raises(TypeError, match="as_bytes"):
        compat.as_bytes(3)
    shape = flowkit.TensorShape([None, 4])
    assert compat.dimension_value(shape[1]) == 4 and compat.dimension_value(shape[0]) is None
    assert compat.dimension_value(5) == 5
    assert compat.dimension_at_index(shape, 1).value == 4
    assert compat.dimension_at_index(flowkit.TensorShape(None), 3).value is None
    with pytest.raises(AttributeError, match="TensorFlow 1's API only"):
        compat.v2  # noqa: B018


# -- item 3: the coverage report ---------------------------------------------------------------

def test_name_list_is_tensorflows_namespaces(gen):
    version, rows = gen.load_names()
    assert re.fullmatch(r"\d+\.\d+\.\d+\S*", version)
    paths = [p for p, _ in rows]
    assert len(paths) == len(set(paths))
    spaces = {p.rpartition(".")[0] for p in paths}
    assert spaces == {"", "nn", "train", "math", "linalg", "image", "random", "layers", "losses",
                      "metrics", "summary", "data"}
    assert {"placeholder", "nn.relu", "train.AdamOptimizer", "layers.dense"} <= set(paths)
    assert not [p for p in paths if p.rpartition(".")[2].startswith("_")]


def test_every_name_computed_present_resolves(entries):
    assert entries, "no names classified"
    for e in entries:
        if e.status in ("present", "present, differs"):
            obj = flowkit
            try:
                for part in e.path.split("."):
                    if not hasattr(obj, part):
                        obj = importlib.import_module(f"{obj.__name__}.{part}")
                    else:
                        obj = getattr(obj, part)
            except ImportError:     # provided with an optional extra (tensorboard's protos)
                continue
            assert obj is not None or e.kind == "constant", e.path


def test_every_documented_difference_is_present(gen, entries):
    differences = gen.load_differences()
    assert differences
    status = {e.path: e.status for e in entries}
    unknown = [n for n in differences if n not in status]
    assert not unknown, f"not a name of tf.compat.v1: {unknown}"
    absent = [n for n in differences if status[n] != "present, differs"]
    assert not absent, f"documented differences for names flowkit lacks: {absent}"


def test_a_missing_name_is_reported_missing(gen):
    # The report computes presence live: a name flowkit lacks is never counted present.
    entry = gen.classify("definitely_not_a_tf_name", "function", {})
    assert entry.status == "missing"
    assert gen.classify("nn.relu", "function", {}).status == "present"
    assert gen.classify("config", "module", {}).status != "present"


def test_out_of_scope_rules_are_short_and_reasoned():
    assert 5 <= len(scope.RULES) <= 16
    families = [r.family for r in scope.RULES]
    assert len(set(families)) == len(families)
    for rule in scope.RULES:
        assert len(rule.reason) > 40 and rule.reason.endswith("."), rule.family
        assert rule.alternative and not rule.alternative.endswith("."), rule.family
        re.compile(rule.pattern)


@pytest.mark.parametrize("path, family", [
    ("sparse_add", "sparse tensors"), ("SparseTensor", "sparse tensors"),
    ("ragged", "ragged tensors"), ("nn.quantized_conv2d", "quantization"),
    ("qint8", "quantization"), ("tpu", "TPU, XLA and other compilers"),
    ("string_split", "strings"), ("train.Example", "protocol buffers and TF's file formats"),
    ("saved_model", "SavedModel and serving"), ("keras", "Keras"),
    ("feature_column", "Estimator and feature columns"),
    ("distribute", "distribution strategies and parameter servers"),
    ("GradientTape", "eager execution, tf.function and TF2 objects"),
    ("image.decode_jpeg", "image and audio codecs"),
    ("sets", "sparse tensors"), ("import_graph_def", "protocol buffers and TF's file formats"),
    ("MetaGraphDef", "protocol buffers and TF's file formats"),
    ("distributions", "TF Probability: distributions and linear operators"),
    ("linalg.LinearOperatorDiag", "TF Probability: distributions and linear operators"),
    ("get_session_handle", "TF's C++ runtime"), ("test", "TF's C++ runtime"),
    ("version", "TF's C++ runtime"),
    # TF1's CTC loss takes its labels as a SparseTensor, and the decoders answer with one.
    ("nn.ctc_loss", "sparse tensors"), ("nn.ctc_greedy_decoder", "sparse tensors"),
    ("math.conj", "complex numbers and signal processing"),
    ("math.igamma", "special functions beyond the gamma family"),
    ("math.special", "special functions beyond the gamma family"),
])
def test_out_of_scope_families(path, family):
    assert scope.out_of_scope(path).family == family
    assert scope.out_of_scope("tf." + path).family == family


@pytest.mark.parametrize("path", [
    # Names TF1 courses use stay in scope, whatever their spelling.
    "nn.sparse_softmax_cross_entropy_with_logits", "losses.sparse_softmax_cross_entropy",
    "metrics.sparse_precision_at_k", "int8", "uint8", "int32", "uint16", "sparse_to_dense",
    "sparse_segment_sum", "FIFOQueue", "train.shuffle_batch", "nn.ctc_loss_v2", "ConfigProto",
    "data.experimental", "train.Coordinator", "nn.dynamic_rnn", "while_loop", "py_func",
    "tables_initializer", "argsort", "layers.InputSpec", "string", "Summary", "read_file",
    "TextLineReader", "WholeFileReader", "FixedLengthRecordReader", "PaddingFIFOQueue",
    "make_template", "train.Supervisor", "nn.raw_rnn", "sparse_matmul", "bitwise",
    "nn.fractional_max_pool", "io", "queue", "decode_csv", "decode_raw",
])
def test_everyday_names_stay_in_scope(path):
    assert scope.out_of_scope(path) is None


def test_explain_names_the_family_reason_and_alternative():
    text = scope.explain("tf.nn.approx_max_k")
    assert text.startswith("tf.nn.approx_max_k is out of scope in flowkit (TPU, XLA")
    assert "Closest alternative: tf.nn.top_k." in text
    assert scope.explain("nn.relu") is None


def test_report_page(gen, entries):
    version, rows = gen.load_names()
    text = gen.page(entries, version, ["tf.example"])
    for ns in gen.namespaces(entries):
        assert f"| `{ns}` |" in text and f"## `{ns}`" in text
    assert "| **all** | %d |" % len(rows) in text
    for rule in scope.RULES:
        assert rule.reason in text
    assert text.count("| `tf.") >= len(rows)
    assert "`tf.example`" in text


def test_report_counts_add_up(gen, entries):
    for ns in gen.namespaces(entries) + ["all"]:
        c = gen.counts(entries, ns)
        assert c["present"] + c["present, differs"] + c["out of scope"] + c["missing"] \
            == c["total"] > 0


def test_write_and_cli(gen, tmp_path, capsys):
    gen.write(str(tmp_path))
    assert (tmp_path / "coverage.md").read_text().startswith("# Coverage of TensorFlow")
    gen.main(["tf", "nn", "train"])
    out = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in out[1:]] == ["tf", "tf.nn", "tf.train"]


def test_differences_file_is_validated(gen, tmp_path):
    bad = tmp_path / "d.txt"
    bad.write_text("Session no colon here\n")
    with pytest.raises(ValueError, match="expected '<name>: <difference>'"):
        gen.load_differences(str(bad))
    bad.write_text("Session: a\nSession: b\n")
    with pytest.raises(ValueError, match="listed twice"):
        gen.load_differences(str(bad))


def test_unreachable_namespaces_lists_only_existing_packages(gen):
    # tf.nn is reachable from the root; flowkit has no tf.no_such package at all.
    assert gen.unreachable_namespaces(["tf", "tf.nn", "tf.no_such"]) == []


@pytest.mark.tf
@pytest.mark.slow
def test_checked_in_names_match_the_installed_tensorflow(gen, tmp_path):
    # The checked-in list is what tools/tf_names.py writes for the TensorFlow it names.
    if importlib.util.find_spec("tensorflow") is None or \
            importlib.util.find_spec("tf_keras") is None:
        pytest.skip("needs TensorFlow and tf-keras (pip install 'flowkit[tf]' tf-keras)")
    from importlib.metadata import version
    if version("tensorflow") != gen.load_names()[0]:
        pytest.skip(f"the list is of TensorFlow {gen.load_names()[0]}, "
                    f"{version('tensorflow')} is installed")
    out = tmp_path / "names.txt"
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3")
    run = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "tf_names.py"),
                          "--out", str(out)], capture_output=True, text=True, env=env,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]
    assert gen.load_names(str(out)) == gen.load_names()
