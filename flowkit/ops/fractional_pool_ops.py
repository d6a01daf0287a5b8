"""``tf.nn.fractional_max_pool`` and ``tf.nn.fractional_avg_pool`` (TF1's signatures, Graham
2015's fractional pooling).

A fractional pool divides the rows (and the columns) of an NHWC image into ``out`` intervals
of ``K = floor(alpha)`` or ``K + 1`` rows, ``alpha = in / out``, ``out = floor(in / ratio)``;
the boundaries form a *pooling sequence* ``a`` with ``a[0] = 0`` and ``a[out] = in``. Region
``(i, j)`` covers rows ``a[i] .. a[i+1] - 1`` and columns likewise; with ``overlapping`` it
also covers the next interval's first row and column (``a[i+1]``, inside the image), so
boundary values are shared by two regions. The output is the maximum (or mean) of each
region.

Sequences are *random* (which intervals get the extra row is a random choice) or, with
``pseudo_random``, ``ceil(alpha * (i + u)) - ceil(alpha * u)`` for one random ``u`` in
``(0, 1)``. Each run draws new sequences, unless ``deterministic``: then a session draws them
once per input size (from ``seed``/``seed2`` when given, so every session then draws the
same). Non-zero seeds without ``deterministic`` are an error when the op runs, as in TF1.
The numbers come from flowkit's generators, not TF's, so the sequences differ from TF's;
with the same sequences the outputs and gradients are TF's.

The work is split in two ops, so that pooling with given sequences is its own op
(:func:`fractional_max_pool_with_sequences`, used by the tests to compare with the sequences
TF returned):

* ``FractionalPoolSequences``: the input's shape to the two int64 sequences (random);
* ``FractionalMaxPoolWithSequences`` / ``FractionalAvgPoolWithSequences``: ``(value, rows,
  cols)`` to the pooled output; their gradients are TF1's ``FractionalMaxPoolGrad`` (each
  output's gradient goes to the first maximum of its region, in row-major order) and
  ``FractionalAvgPoolGrad`` (spread evenly over the region; overlapped cells get both
  shares). The gradient of ``FractionalAvgPoolGrad`` with respect to its incoming gradient
  is the average pool itself (it is linear).

TF's static shape of the sequences is ``[out]``, one less than the ``out + 1`` values its
kernel returns; flowkit's static shape is the run-time one, ``[out + 1]``.

Example:
    >>> import flowkit as tf
    >>> from flowkit.ops.fractional_pool_ops import fractional_max_pool
    >>> x = tf.reshape(tf.range(25.0), [1, 5, 5, 1])
    >>> out, rows, cols = fractional_max_pool(x, [1.0, 1.6, 1.6, 1.0])
    >>> out.shape.as_list(), rows.shape.as_list()
    ([1, 3, 3, 1], [4])
    >>> with tf.Session() as sess:
    ...     r, c = sess.run([rows, cols])
    >>> int(r[0]), int(r[-1]), sorted(set(r[1:] - r[:-1])) in ([1, 2], [2], [1])
    (0, 5, True)
"""
from __future__ import annotations

__all__ = ["fractional_max_pool", "fractional_avg_pool"]

import collections
import math

from flowkit.framework import dtypes
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops
from flowkit.ops.core import convert_to_tensor, make_op, make_tensor, op_scope

_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)

FractionalMaxPool = collections.namedtuple(
    "FractionalMaxPool", ["output", "row_pooling_sequence", "col_pooling_sequence"])
FractionalAvgPool = collections.namedtuple(
    "FractionalAvgPool", ["output", "row_pooling_sequence", "col_pooling_sequence"])


def _out_size(n, ratio):
    """The pooled length of ``n`` (``None`` when unknown)."""
    return None if n is None else int(math.floor(n / ratio))


# --------------------------------------------------------------------------------------------
# Shape rules and gradients
# --------------------------------------------------------------------------------------------
def _sequences_shape(inputs, attrs):
    shape = inputs[0]
    if shape.shape.ndims is not None and shape.shape.as_tuple() not in ((None,), (4,)):
        raise ValueError(f"FractionalPoolSequences takes the shape of a 4-D input, got a "
                         f"tensor of shape {shape.shape}")
    dims = shape.op.inputs[0].shape if shape.op.type == "Shape" else TensorShape(None)
    dims = dims.as_tuple() if dims.ndims == 4 else (None,) * 4
    ratio = attrs["pooling_ratio"]
    out = []
    for k in (1, 2):
        n = _out_size(dims[k], ratio[k])
        out.append((dtypes.int64, TensorShape([None if n is None else n + 1])))
    return out


def _check_sequence(t, what):
    if t.dtype != dtypes.int64:
        raise TypeError(f"{what} must be int64, got {t.dtype.name} ({t.name})")
    if t.shape.ndims not in (None, 1):
        raise ValueError(f"{what} must be a vector, got shape {t.shape} ({t.name})")
    n = t.shape.as_tuple()[0] if t.shape.ndims == 1 else None
    return None if n is None else n - 1


def _check_value(value, op_type):
    if value.dtype not in _TYPES:
        raise TypeError(f"Value passed to parameter 'value' of '{op_type}' has DataType "
                        f"{value.dtype.name} not in list of allowed values: float32, float64, "
                        "int32, int64")
    if value.shape.ndims not in (None, 4):
        raise ValueError(f"Shape must be rank 4 but is rank {value.shape.ndims} for "
                         f"'{op_type}' (input '{value.name}' of shape {value.shape})")


def _pool_shape(inputs, attrs):
    value, rows, cols = inputs
    _check_value(value, "FractionalPool")
    r, c = _check_sequence(rows, "row_pooling_sequence"), _check_sequence(
        cols, "col_pooling_sequence")
    d = value.shape.as_tuple() if value.shape.ndims == 4 else (None,) * 4
    return [(value.dtype, TensorShape([d[0], r, c, d[3]]))]


def _max_grad_shape(inputs, attrs):
    orig, _, g, rows, cols = inputs
    _check_sequence(rows, "row_pooling_sequence")
    _check_sequence(cols, "col_pooling_sequence")
    return [(g.dtype, orig.shape)]


def _avg_grad_shape(inputs, attrs):
    shape, g, rows, cols = inputs
    _check_sequence(rows, "row_pooling_sequence")
    _check_sequence(cols, "col_pooling_sequence")
    known = shape.op.inputs[0].shape if shape.op.type == "Shape" else TensorShape([None] * 4)
    return [(g.dtype, known)]


def _max_pool_grad(op, g):
    value, rows, cols = op.inputs
    dx = make_tensor("FractionalMaxPoolGrad", [value, op.outputs[0], g, rows, cols],
                     {"overlapping": op.attrs["overlapping"]})
    return [dx, None, None]


def _avg_pool_grad(op, g):
    value, rows, cols = op.inputs
    dx = make_tensor("FractionalAvgPoolGrad", [array_ops.shape(value, out_type=dtypes.int64),
                                               g, rows, cols],
                     {"overlapping": op.attrs["overlapping"]})
    return [dx, None, None]


def _avg_pool_grad_grad(op, gg):
    _, _, rows, cols = op.inputs
    return [None, make_tensor("FractionalAvgPoolWithSequences", [gg, rows, cols],
                              {"overlapping": op.attrs["overlapping"]}), None, None]


register_op("FractionalPoolSequences", shape=_sequences_shape, grad=None, needs_rng=True,
            needs_state=True,
            doc="The row and column pooling sequences (int64) of a fractional pool of an "
                "input of shape input 0.")
register_op("FractionalMaxPoolWithSequences", shape=_pool_shape, grad=_max_pool_grad,
            doc="The maximum of each region of input 0 given by the row and column pooling "
                "sequences (inputs 1 and 2).")
register_op("FractionalAvgPoolWithSequences", shape=_pool_shape, grad=_avg_pool_grad,
            doc="The mean of each region of input 0 given by the row and column pooling "
                "sequences (inputs 1 and 2).")
register_op("FractionalMaxPoolGrad", shape=_max_grad_shape, grad=None,
            doc="Gradient of FractionalMaxPoolWithSequences: out_backprop (input 2) routed "
                "to the first maximum of each region of orig_input (input 0).")
register_op("FractionalAvgPoolGrad", shape=_avg_grad_shape, grad=_avg_pool_grad_grad,
            doc="Gradient of FractionalAvgPoolWithSequences: out_backprop (input 1) spread "
                "evenly over each region of an input of shape input 0.")


# --------------------------------------------------------------------------------------------
# Builders
# --------------------------------------------------------------------------------------------
def _check_ratio(pooling_ratio, op_type):
    if not isinstance(pooling_ratio, (list, tuple)):
        raise TypeError(f"Expected list for 'pooling_ratio' argument to '{op_type}' Op, not "
                        f"{pooling_ratio!r}.")
    if len(pooling_ratio) < 4:
        raise ValueError(f"Attr 'pooling_ratio' of '{op_type}' Op passed list of length "
                         f"{len(pooling_ratio)} less than minimum 4.")
    ratio = tuple(float(r) for r in pooling_ratio)
    for r in ratio:
        if r < 1.0:
            raise ValueError(f"pooling_ratio cannot be smaller than 1, got: {r:g} for "
                             f"'{op_type}' (pooling_ratio={list(pooling_ratio)})")
    return ratio


def _pool(op_type, pool_type, result, value, pooling_ratio, pseudo_random, overlapping,
          deterministic, seed, seed2, name):
    ratio = _check_ratio(pooling_ratio, op_type)
    with op_scope(name, op_type, [value]) as scope:
        value = convert_to_tensor(value, name="value")
        _check_value(value, op_type)
        seeded = bool(seed) or bool(seed2)
        attrs = {"pooling_ratio": ratio, "pseudo_random": bool(pseudo_random),
                 "deterministic": bool(deterministic), "seed": int(seed), "seed2": int(seed2),
                 "seed2_pair": (int(seed), int(seed2)) if seeded else None,
                 "op_type": op_type}
        seq_op = make_op("FractionalPoolSequences", [array_ops.shape(value)], attrs,
                         "pooling_sequences")
        rows, cols = seq_op.outputs
        out = make_tensor(pool_type, [value, rows, cols], {"overlapping": bool(overlapping)},
                          scope)
    return result(out, rows, cols)


def fractional_max_pool(value, pooling_ratio, pseudo_random=False, overlapping=False,
                        deterministic=False, seed=0, seed2=0, name=None):
    """Fractional max pooling of the NHWC ``value`` (see the module docstring); returns
    ``(output, row_pooling_sequence, col_pooling_sequence)``, a namedtuple.

    ``pooling_ratio`` is a list of 4 floats ``>= 1``; the first and last must be 1 (no
    pooling over the batch or the channels). Gradients reach ``value`` (each output's
    to the first maximum of its region).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.fractional_pool_ops import fractional_max_pool
        >>> x = tf.placeholder(tf.float32, [2, 10, 7, 3])
        >>> out = fractional_max_pool(x, [1.0, 1.44, 1.73, 1.0])
        >>> out.output.shape.as_list(), out.col_pooling_sequence.shape.as_list()
        ([2, 6, 4, 3], [5])
    """
    return _pool("FractionalMaxPool", "FractionalMaxPoolWithSequences", FractionalMaxPool,
                 value, pooling_ratio, pseudo_random, overlapping, deterministic, seed, seed2,
                 name)


def fractional_avg_pool(value, pooling_ratio, pseudo_random=False, overlapping=False,
                        deterministic=False, seed=0, seed2=0, name=None):
    """Fractional average pooling of the NHWC ``value``: :func:`fractional_max_pool` with the
    mean of each region; the gradient is spread evenly over each region.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.fractional_pool_ops import fractional_avg_pool
        >>> x = tf.ones([1, 6, 6, 1])
        >>> out, rows, cols = fractional_avg_pool(x, [1.0, 2.0, 2.0, 1.0], overlapping=True)
        >>> with tf.Session() as sess:
        ...     print(sess.run(out)[0, :, :, 0], sess.run(rows))
        [[1. 1. 1.]
         [1. 1. 1.]
         [1. 1. 1.]] [0 2 4 6]
    """
    return _pool("FractionalAvgPool", "FractionalAvgPoolWithSequences", FractionalAvgPool,
                 value, pooling_ratio, pseudo_random, overlapping, deterministic, seed, seed2,
                 name)


def _with_sequences(pool_type, value, row_pooling_sequence, col_pooling_sequence,
                    overlapping, name):
    with op_scope(name, pool_type, [value, row_pooling_sequence, col_pooling_sequence]) \
            as scope:
        value = convert_to_tensor(value, name="value")
        _check_value(value, pool_type)
        rows = convert_to_tensor(row_pooling_sequence, dtype=dtypes.int64,
                                 name="row_pooling_sequence")
        cols = convert_to_tensor(col_pooling_sequence, dtype=dtypes.int64,
                                 name="col_pooling_sequence")
        return make_tensor(pool_type, [value, rows, cols], {"overlapping": bool(overlapping)},
                           scope)


def fractional_max_pool_with_sequences(value, row_pooling_sequence, col_pooling_sequence,
                                       overlapping=False, name=None):
    """The max pooling of :func:`fractional_max_pool` over given pooling sequences (int64
    vectors from 0 to the input's height and width). Not a TF name.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.fractional_pool_ops import fractional_max_pool_with_sequences
        >>> x = tf.reshape([20.0, 5.0, 16.0, 3.0, 7.0], [1, 1, 5, 1])
        >>> y = fractional_max_pool_with_sequences(x, [0, 1], [0, 2, 4], overlapping=True)
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reshape(y, [-1])))
        [20. 16.]
    """
    return _with_sequences("FractionalMaxPoolWithSequences", value, row_pooling_sequence,
                           col_pooling_sequence, overlapping, name)


def fractional_avg_pool_with_sequences(value, row_pooling_sequence, col_pooling_sequence,
                                       overlapping=False, name=None):
    """The average pooling of :func:`fractional_avg_pool` over given pooling sequences. Not
    a TF name.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.fractional_pool_ops import fractional_avg_pool_with_sequences
        >>> x = tf.reshape(tf.range(4.0), [1, 1, 4, 1])
        >>> y = fractional_avg_pool_with_sequences(x, [0, 1], [0, 1, 4])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reshape(y, [-1])))
        [0. 2.]
    """
    return _with_sequences("FractionalAvgPoolWithSequences", value, row_pooling_sequence,
                           col_pooling_sequence, overlapping, name)
