"""Which parts of TensorFlow's TF1 API flowkit leaves out on purpose, and why.

flowkit teaches and runs TF1's programming model (graphs, sessions, variables, symbolic
gradients, the layers/losses/metrics/summary/data namespaces, the queue-based input
pipeline). A few families of TF's API serve other purposes (sparse and ragged tensor types,
TPU compilers, protocol-buffer formats, TF2's eager world...). Each family is one
:class:`Rule`: a regular expression over a name's path in ``tf.compat.v1`` (``"sparse_add"``,
``"nn.quantized_conv2d"``, ``"train.Example"``), the reason, and the closest alternative.

The rules are used twice: by the coverage report (``docs/gen_coverage.py``), which marks every
public name of ``tf.compat.v1`` present, out of scope (by these rules) or missing; and by the
unknown-name error, through :func:`explain`. A name that flowkit provides is never out of
scope, whatever the rules say: the report checks presence first.

This module imports nothing from flowkit, so any layer may use it.

Example:
    >>> from flowkit.compat.scope import explain
    >>> print(explain("nn.quantized_conv2d"))
    tf.nn.quantized_conv2d is out of scope in flowkit (quantization): quantized dtypes and int8
    kernels are ... Closest alternative: the float op of the same name (tf.nn.conv2d, ...).
    >>> explain("nn.relu") is None
    True
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Rule", "RULES", "ALTERNATIVES", "out_of_scope", "explain"]


@dataclass(frozen=True)
class Rule:
    """One out-of-scope family: its name, the paths it covers (a regular expression matched
    against the whole path relative to ``tf.compat.v1``), why flowkit leaves it out, and what
    a program can use instead."""

    family: str
    pattern: str
    reason: str
    alternative: str

    def matches(self, path: str) -> bool:
        return re.fullmatch(self.pattern, path) is not None


def _names(*names: str) -> str:
    return "(?:" + "|".join(names) + ")"


#: The out-of-scope families, one rule each. Keep this list short: every TF1 course's names are
#: in scope, present or (until built) missing.
RULES: tuple[Rule, ...] = (
    Rule("sparse tensors",
         _names(r"sparse", r"sparse_(?:add|concat|fill_empty_rows|mask|maximum|merge|minimum"
                r"|placeholder|reduce_\w+|reorder|reset_shape|reshape|retain|slice|softmax"
                r"|split|tensor_\w+|to_indicator|transpose)",
                r"Sparse\w*", r"(?:de)?serialize_(?:many_)?sparse",
                r"convert_to_tensor_or_(?:sparse_tensor|indexed_slices)", r"IndexedSlices\w*",
                r"edit_distance", r"nn\.(?:safe_)?embedding_lookup_sparse", r"sets",
                r"nn\.ctc_(?:loss|greedy_decoder|beam_search_decoder(?:_v2)?)"),
         "SparseTensor and IndexedSlices are a second tensor type with their own ops (tf.sets "
         "and TF1's CTC loss and decoders take or answer with them too); flowkit's tensors "
         "(and gradients) are dense.",
         "a dense tensor (tf.scatter_nd, tf.gather, tf.nn.embedding_lookup, "
         "tf.unsorted_segment_sum)"),
    Rule("ragged tensors",
         _names(r"ragged", r"Ragged\w*", r"ragged_\w+"),
         "RaggedTensor is a second tensor type for rows of different lengths; flowkit's "
         "tensors are rectangular.",
         "pad to a rectangle and carry a mask or the lengths (tf.sequence_mask)"),
    Rule("quantization",
         _names(r"quantization", r"quantize\w*", r"dequantize", r"quantized_\w+",
                r"fake_quant\w*", r"qu?int(?:8|16|32)", r"QUANTIZED_DTYPES",
                r"nn\.quantized_\w+", r"train\.do_quantize_training_on_graphdef"),
         "quantized dtypes and int8 kernels are for deploying trained models; flowkit's "
         "backends compute in float and int.",
         "the float op of the same name (tf.nn.conv2d, tf.matmul, ...)"),
    Rule("TPU, XLA and other compilers",
         _names(r"tpu", r"xla", r"mlir", r"lite", r"mixed_precision", r"bfloat16",
                r"to_bfloat16", r"approx_top_k", r"(?:nn|math)\.approx_m(?:ax|in)_k"),
         "these target TF's compilers and accelerators (TPU, XLA, MLIR, TF Lite, bfloat16 "
         "and mixed precision); flowkit runs graphs through a NumPy or PyTorch backend.",
         "run the same graph on the torch backend (tf.Session(backend=\"torch\", "
         "device=\"cuda\")); tf.nn.top_k for approx_*"),
    Rule("strings",
         _names(r"strings", r"as_string", r"string_\w+", r"substr", r"regex_replace",
                r"reduce_join", r"(?:de|en)code_base64", r"decode_compressed",
                r"fingerprint", r"lookup"),
         "text processing ops (splitting, joining, hashing, regular expressions, lookup "
         "tables of words) need a string kernel library; flowkit's string tensors only "
         "carry values through.",
         "process text in Python (or in tf.data's from_generator) and feed ids or numbers"),
    Rule("protocol buffers and TF's file formats",
         _names(r"parse_(?:single_)?(?:sequence_)?example", r"parse_tensor", r"serialize_tensor",
                r"decode_json_example", r"(?:FixedLen|FixedLenSequence|VarLen)Feature",
                r"train\.(?:BytesList|Example|Feature|FeatureList|FeatureLists|Features"
                r"|FloatList|Int64List|SequenceExample|ClusterDef|JobDef|ServerDef|SaverDef"
                r"|generate_checkpoint_state_proto)",
                r"python_io", r"TFRecordReader", r"LMDBReader", r"data\.TFRecordDataset",
                r"make_tensor_proto", r"make_ndarray", r"AttrValue", r"NameAttrList",
                r"TensorInfo", r"HistogramProto", r"LogMessage", r"SummaryMetadata",
                r"MetaGraphDef", r"graph_util", r"import_graph_def",
                r"summary\.(?:SummaryDescription|TaggedRunMetadata|get_summary_description)"),
         "tf.Example records, TFRecord files, frozen GraphDef and MetaGraphDef files and TF's "
         "other protocol-buffer messages are TF's serialisation formats; flowkit stores "
         "checkpoints as HDF5 and graphs as JSON, and has no protobuf dependency.",
         "NumPy arrays (np.load, tf.data.Dataset.from_tensor_slices) or HDF5 files (h5py); "
         "tf.train.export_meta_graph / import_meta_graph for graphs"),
    Rule("image and audio codecs",
         _names(r"audio", r"image\.(?:decode_\w+|encode_\w+|is_jpeg|extract_jpeg_shape"
                r"|adjust_jpeg_quality|random_jpeg_quality)"),
         "decoding and encoding JPEG, PNG, GIF, BMP, WebP, JPEG XL and WAV needs codec "
         "libraries; flowkit's image ops work on decoded pixel arrays.",
         "decode in Python (PIL, imageio) and feed the arrays"),
    Rule("SavedModel and serving",
         _names(r"saved_model", r"train\.Checkpoint(?:Manager|Options)?",
                r"nondifferentiable_batch_function"),
         "SavedModel, TF2's object-based checkpoints and serving-time batching belong to "
         "TF's deployment stack.",
         "tf.train.Saver (HDF5 checkpoints, optionally with the graph as JSON)"),
    Rule("Estimator and feature columns",
         _names(r"feature_column", r"train\.sdca_\w+"),
         "tf.estimator and its feature columns and linear-model solvers are not part of "
         "TensorFlow 2.16+ any more, and flowkit teaches the graph/session model under them.",
         "tf.layers or tf.nn ops, with tf.train.MonitoredTrainingSession for the loop"),
    Rule("Keras",
         _names(r"keras"),
         "tf.keras is TF2's object-oriented model API; flowkit provides TF1's tf.layers, "
         "tf.losses and tf.metrics for the same jobs.",
         "tf.layers (dense, conv2d, batch_normalization, ...), tf.losses, tf.metrics"),
    Rule("distribution strategies and parameter servers",
         _names(r"distribute", r"Variable(?:Aggregation|Synchronization)",
                r"(?:Sparse)?ConditionalAccumulator(?:Base)?",
                r"create_partitioned_variables", r"\w+_partitioner",
                r"train\.(?:Server|ClusterSpec|replica_device_setter|SyncReplicasOptimizer)",
                r"nn\.(?:compute_average_loss|scale_regularization_loss)"),
         "tf.distribute strategies, parameter servers, partitioned variables and replica "
         "gradient accumulators spread one model over many devices; flowkit runs a graph on "
         "one device per session and does data parallelism the Horovod way.",
         "flowkit.distributed (hvd.DistributedOptimizer, torchrun), one process per device"),
    Rule("eager execution, tf.function and TF2 objects",
         _names(r"GradientTape", r"function", r"autograph", r"Module", r"CriticalSection",
                r"(?:Type|Tensor|NoneTensor|Optional|TensorArray)Spec", r"type_spec_from_value",
                r"types", r"config", r"wrap_function",
                r"variable_creator_scope", r"recompute_grad", r"vectorized_map",
                r"is_symbolic_tensor", r"data\.(?:NumpyIterator|DatasetSpec)",
                r"summary\.(?:all_v2_summary_ops|initialize)",
                r"random\.(?:Generator|Algorithm|get_global_generator|set_global_generator"
                r"|create_rng_state|fold_in|split|stateless_\w+)", r"random_index_shuffle"),
         "these belong to TF2's eager world (tapes, traced functions, typed specs, "
         "stateless and generator RNGs); flowkit is TF1's graph mode.",
         "tf.gradients for tapes; build the graph once and sess.run it for tf.function; "
         "tf.random_* ops with a seed for stateless RNGs"),
    Rule("TF Probability: distributions and linear operators",
         _names(r"linalg\.LinearOperator\w*", r"distributions"),
         "tf.distributions (deprecated in TF 1.13) and tf.linalg.LinearOperator (structured "
         "matrices: circulant, Kronecker, Toeplitz...) moved to TensorFlow Probability, a "
         "library of its own; flowkit's matrices are dense tensors.",
         "write the density with tf ops (tf.log, tf.lgamma, tf.random_normal...); dense "
         "matrices with tf.matmul and tf.linalg's functions"),
    Rule("complex numbers and signal processing",
         _names(r"complex(?:64|128)?", r"to_complex(?:64|128)",
                r"(?:math\.)?(?:conj|real|imag|angle)", r"i?r?fft\w*", r"signal", r"spectral",
                r"linalg\.logm"),
         "complex dtypes and FFTs need complex kernels in every backend; flowkit's dtypes "
         "are real.",
         "carry real and imaginary parts as two float tensors"),
    Rule("special functions beyond the gamma family",
         _names(r"(?:math\.)?(?:betainc|igammac?)", r"math\.bessel_\w+", r"math\.special",
                r"math\.sobol_sample"),
         "the incomplete gamma and beta functions, Bessel functions and Sobol sequences need "
         "a numerical library (SciPy's special functions, tables of direction numbers) that "
         "NumPy lacks; flowkit depends on NumPy alone and has the gamma family (lgamma, "
         "digamma, polygamma, zeta).",
         "tf.py_func around scipy.special (values; a gradient through gradient_override_map)"),
    Rule("TF's C++ runtime",
         _names(r"COMPILER_VERSION", r"CXX11_ABI_FLAG", r"CXX_VERSION", r"GIT_VERSION",
                r"MONOLITHIC_BUILD", r"GRAPH_DEF_VERSION\w*", r"sysconfig",
                r"load_(?:file_system_)?library", r"load_op_library", r"user_ops", r"raw_ops",
                r"resource_loader", r"profiler", r"resource", r"variant",
                r"(?!data\.)(?:\w+\.)?experimental", r"version", r"test", r"check_pinned",
                r"get_session_handle", r"get_session_tensor", r"delete_session_tensor"),
         "build flags and version records, raw C++ op wrappers, custom-op libraries, the "
         "runtime's profiler and test framework, tensor handles kept alive inside a session, "
         "its internal dtypes and the experimental namespaces describe or extend TF's C++ "
         "runtime; flowkit has none.",
         "an op plugin (tutorial 07) to add an op; pytest and flowkit.testing for tests; "
         "a tf.Variable to keep a value between runs; tf.VERSION for the version"),
)

#: Closer alternatives than the family's, for single names.
ALTERNATIVES: dict[str, str] = {
    "approx_top_k": "tf.nn.top_k",
    "nn.approx_max_k": "tf.nn.top_k",
    "nn.approx_min_k": "tf.nn.top_k of the negated values",
    "math.approx_max_k": "tf.math.top_k",
    "math.approx_min_k": "tf.math.top_k of the negated values",
    "sparse_softmax": "tf.nn.softmax with -inf where the entries are absent",
    "sparse_tensor_dense_matmul": "tf.matmul",
    "GradientTape": "tf.gradients(ys, xs)",
    "function": "build the graph once and call sess.run",
    "keras": "tf.layers",
    "config": "tf.ConfigProto and tf.Session(backend=..., device=...)",
    "nn.embedding_lookup_sparse": "tf.nn.embedding_lookup and tf.reduce_sum/mean",
    "nn.ctc_loss": "tf.nn.ctc_loss_v2 with dense labels and label_length",
    "nn.ctc_greedy_decoder": "tf.argmax over the classes, then drop repeats and blanks",
    "nn.ctc_beam_search_decoder": "tf.argmax over the classes, then drop repeats and blanks",
    "nn.ctc_beam_search_decoder_v2": "tf.argmax over the classes, then drop repeats and blanks",
    "data.TFRecordDataset": "tf.data.Dataset.from_tensor_slices over NumPy arrays",
    "import_graph_def": "tf.train.import_meta_graph (a graph flowkit saved as JSON)",
    "get_session_handle": "a tf.Variable (its value stays in the session between runs)",
    "get_session_tensor": "a tf.Variable (its value stays in the session between runs)",
    "version": "tf.VERSION, tf.GIT_VERSION",
    "test": "pytest, with flowkit.testing's conformance cases for backends",
}


def out_of_scope(path: str) -> Rule | None:
    """The rule that puts ``path`` (relative to ``tf.compat.v1``, without a leading ``tf.``)
    out of scope, or ``None`` when it is in scope."""
    if path.startswith("tf."):
        path = path[3:]
    for rule in RULES:
        if rule.matches(path):
            return rule
    return None


def explain(path: str) -> str | None:
    """One sentence for an error message: ``tf.<path>`` is out of scope, why, and the closest
    alternative; ``None`` when ``path`` is in scope."""
    if path.startswith("tf."):
        path = path[3:]
    rule = out_of_scope(path)
    if rule is None:
        return None
    alternative = ALTERNATIVES.get(path, rule.alternative)
    return (f"tf.{path} is out of scope in flowkit ({rule.family}): {rule.reason} "
            f"Closest alternative: {alternative}.")
