"""flowkit: the TensorFlow 1 programming model, small enough to read.

Write ``import flowkit as tf`` and use TF1's names: build a graph of ops, feed placeholders,
keep state in variables, and run it in a session on a backend of your choice.

Example:
    >>> import flowkit as tf
    >>> x = tf.placeholder(tf.float32, shape=(None, 2), name="x")
    >>> W = tf.Variable([[1.0], [2.0]], name="W")
    >>> b = tf.Variable([0.5], name="b")
    >>> h = tf.nn.relu(tf.matmul(x, W) + b)
    >>> with tf.Session() as sess:
    ...     sess.run(tf.global_variables_initializer())
    ...     print(sess.run(h, {x: [[1.0, 1.0], [-3.0, 0.0]]}))
    [[3.5]
     [0. ]]
"""
from flowkit.framework.dtypes import (  # noqa: F401
    DType, as_dtype, float16, float32, float64, half, double, int8, int16, int32, int64,
    uint8, bool, string)
from flowkit.framework.tensor_shape import TensorShape, Dimension  # noqa: F401
from flowkit.framework.graph import (  # noqa: F401
    Graph, Operation, Tensor, GraphKeys, get_default_graph, reset_default_graph, name_scope,
    control_dependencies, device, add_to_collection, add_to_collections, get_collection,
    get_collection_ref, set_random_seed)
from flowkit import errors  # noqa: F401
from flowkit.ops import core as _core, math_ops as _math, array_ops as _array  # noqa: F401
from flowkit.ops.core import constant, placeholder, convert_to_tensor  # noqa: F401
# The tf.* op builders, from the op families' __all__ lists:
from flowkit.ops.math_ops import *  # noqa: F401,F403
from flowkit.ops.matrix_ops import *  # noqa: F401,F403
from flowkit.ops.array_ops import *  # noqa: F401,F403
from flowkit.ops.random_ops import *  # noqa: F401,F403
from flowkit.ops.control_flow_ops import *  # noqa: F401,F403
from flowkit.ops.clip_ops import *  # noqa: F401,F403
from flowkit.init_ops import *  # noqa: F401,F403
from flowkit.variable_scope import *  # noqa: F401,F403
from flowkit.ops.state_ops import assign, assign_add, assign_sub  # noqa: F401
from flowkit.ops.scatter_ops import *  # noqa: F401,F403
from flowkit.ops.linalg_more_ops import *  # noqa: F401,F403
from flowkit.ops.sparse_more_ops import *  # noqa: F401,F403
from flowkit.ops.nn_impl import (  # noqa: F401
    rint, accumulate_n, is_non_decreasing, is_strictly_increasing, lbeta)
from flowkit.ops.control_flow_ops import no_op, group  # noqa: F401
from flowkit.variables import (  # noqa: F401
    Variable, global_variables, all_variables, trainable_variables, local_variables,
    model_variables, variables_initializer, global_variables_initializer,
    initialize_all_variables, local_variables_initializer, initialize_local_variables,
    is_variable_initialized, report_uninitialized_variables)
from flowkit.variables import variables_initializer as initialize_variables  # noqa: F401
from flowkit.gradients import gradients  # noqa: F401
from flowkit.gradients import (  # noqa: F401
    hessians, RegisterGradient, NotDifferentiable, no_gradient, AggregationMethod,
    UnconnectedGradients)
from flowkit.gradients import NotDifferentiable as NoGradient  # noqa: F401
from flowkit.session import (  # noqa: F401
    Session, InteractiveSession, get_default_session)
from flowkit import nn, train, warnings  # noqa: F401
from flowkit import renames as _renames
from flowkit.renames import concat  # noqa: F401  (says so for TF's pre-1.0 argument order)
# TF1's other namespaces, each built above the core (see docs/design.md, "The layers"):
from flowkit import layers, losses, metrics, contrib, initializers  # noqa: F401
from flowkit.initializers import keras  # noqa: F401
from flowkit import data, app, flags, gfile, summary  # noqa: F401
from flowkit import rnn  # noqa: F401
from flowkit.rnn import ctc as _ctc
from flowkit.custom_gradient import custom_gradient, grad_pass_through  # noqa: F401
from flowkit.rnn import while_loop, TensorArray, scan, map_fn, foldl, foldr  # noqa: F401
from flowkit.rnn import reverse_sequence  # noqa: F401
from flowkit import tf_logging as logging  # noqa: F401
from flowkit import tf_math as math  # noqa: F401
from flowkit import tf_linalg as linalg, tf_image as image, tf_debugging as debugging  # noqa: F401
from flowkit import tf_random as random  # noqa: F401
from flowkit.ops.linalg_ops import (  # noqa: F401
    einsum, norm, diag, diag_part, matrix_diag, matrix_diag_part, matrix_set_diag,
    matrix_band_part, eye, trace, matrix_inverse, matrix_determinant, matrix_solve,
    matrix_triangular_solve, cholesky, qr, svd, cross, meshgrid)
from flowkit.ops.image_ops import space_to_depth, depth_to_space  # noqa: F401
from flowkit.ops.data_flow_ops import *  # noqa: F401,F403
from flowkit.ops import debug_ops as _debug_ops
from flowkit.ops.debug_ops import (  # noqa: F401
    Print, check_numerics, add_check_numerics_ops, verify_tensor_all_finite,
    assert_equal, assert_none_equal, assert_less, assert_less_equal, assert_greater,
    assert_greater_equal, assert_positive, assert_negative, assert_non_negative,
    assert_non_positive, assert_rank, assert_rank_at_least, assert_type, assert_integer,
    assert_scalar, py_func, numpy_function, py_function, identity_n, ensure_shape)
from flowkit.ops.special_math_ops import (  # noqa: F401
    tan, atan, asin, acos, sinh, cosh, asinh, acosh, atanh, erf, erfc, lgamma, digamma, expm1,
    log_sigmoid, is_nan, is_finite, is_inf, atan2, polygamma, zeta, div_no_nan, realdiv,
    truncatediv, truncatemod, scalar_mul, reduce_logsumexp, count_nonzero, arg_max, arg_min)
from flowkit.ops.segment_ops import (  # noqa: F401
    segment_sum, segment_mean, segment_max, segment_min, segment_prod, unsorted_segment_sum,
    unsorted_segment_max, unsorted_segment_min, unsorted_segment_prod, unsorted_segment_mean,
    unsorted_segment_sqrt_n, sort, argsort, unique, unique_with_counts, bincount,
    confusion_matrix)
from flowkit.config_proto import (ConfigProto, GPUOptions, GraphOptions,  # noqa: F401
                                  OptimizerOptions, RunOptions, RunMetadata)
from flowkit.version import VERSION, GIT_VERSION, COMPILER_VERSION  # noqa: F401
from flowkit.compat.behavior import *  # noqa: F401,F403
from flowkit.compat import dimension_at_index, dimension_value  # noqa: F401
from flowkit import compat  # noqa: F401
from flowkit.compat import scope as _scope
from flowkit.framework import graph_def as _graph_def
from flowkit.framework import dtypes  # noqa: F401
from flowkit.framework.dtypes import uint16, uint32, uint64  # noqa: F401
from flowkit.template import (  # noqa: F401
    make_template, op_scope, variable_op_scope, init_scope, colocate_with, container, get_seed,
    DeviceSpec, no_regularizer, moving_average_variables, tables_initializer,
    initialize_all_tables)
from flowkit.check_ops import (  # noqa: F401
    assert_near, assert_rank_in, assert_same_float_dtype, assert_variables_initialized,
    assert_proper_iterable)
from flowkit.tf_logging import get_logger  # noqa: F401
from flowkit.rnn import nest  # noqa: F401
from flowkit import tf_io as io, tf_queue as queue  # noqa: F401
from flowkit import tf_bitwise as bitwise, tf_manip as manip  # noqa: F401
from flowkit.ops.misc_more_ops import conv, sparse_matmul  # noqa: F401
from flowkit.errors import OpError  # noqa: F401

# tf.nn's recurrent names live in flowkit.rnn, above tf.nn in the layers: attached here.
nn.rnn_cell = rnn.rnn_cell
nn.dynamic_rnn, nn.static_rnn = rnn.dynamic_rnn, rnn.static_rnn
nn.bidirectional_dynamic_rnn = rnn.bidirectional_dynamic_rnn
nn.__all__ += ["rnn_cell", "dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn"]
nn.static_bidirectional_rnn = rnn.static_bidirectional_rnn
nn.raw_rnn, nn.static_state_saving_rnn = rnn.raw_rnn, rnn.static_state_saving_rnn
nn.__all__ += ["static_bidirectional_rnn", "raw_rnn", "static_state_saving_rnn"]
nn.ctc_loss_v2, nn.ctc_unique_labels = _ctc.ctc_loss_v2, _ctc.ctc_unique_labels
nn.__all__ += _ctc.__all__
io.gfile = gfile
# Unknown names say why when TF has them out of flowkit's scope (flowkit.compat.scope).
_renames.explain_out_of_scope = _scope.explain

#: TF1-like, so that version switches in learner code take their TF1 branch; the package's
#: own version is ``flowkit.version.__version__`` (see flowkit/version.py).
__version__ = VERSION

newaxis = None


def __getattr__(name):
    """TF1's protocol-buffer classes (``tf.Summary``, ``tf.GraphDef``...) load lazily, from
    the tensorboard package; TF1's renamed names teach the new one (``tf.mul`` ->
    ``tf.multiply``); other unknown names get the closest public names."""
    if name == "print":     # tf.print, kept out of this module's globals so that print()
        return _debug_ops.print  # in its own docstrings stays Python's
    if name in _graph_def.PROTO_CLASSES:
        return _graph_def.proto_class(name)
    raise _renames.missing_attribute("flowkit", "", name, list(globals()))
