"""TF1's raw ``tf.sparse_matmul`` and ``tf.conv``, built from flowkit's ``MatMul``,
``Conv2D`` and ``Conv3D`` ops (so they need no kernels of their own and get those ops'
gradients).

``sparse_matmul`` is ``SparseMatMul``: a product of two rank-2 float32 matrices (TF also takes
bfloat16, which flowkit does not have); ``a_is_sparse``/``b_is_sparse`` are hints to TF's
kernel about which operand has many zeros and change no value. ``conv`` is TF's generic
``Conv`` op: the filter's rank (4 or 5) says whether it is a 2-D or a 3-D convolution, the
input may have several leading batch dimensions (``batch_dims``), and ``padding="EXPLICIT"``
takes ``explicit_paddings`` (2-D only, as in TF). TF's CPU kernels support neither grouped
convolutions (``groups > 1``) nor ``CHANNELS_FIRST``; flowkit raises
``tf.errors.UnimplementedError`` for them when the graph is built.

Example:
    >>> import flowkit as tf
    >>> from flowkit.ops import misc_more_ops as mm
    >>> y = mm.conv(tf.ones([1, 4, 4, 1]), tf.ones([3, 3, 1, 2]), [1, 1, 1, 1], "VALID")
    >>> with tf.Session() as sess:
    ...     print(y.shape, sess.run(mm.sparse_matmul([[1.0, 2.0]], [[3.0], [4.0]])))
    (1, 2, 2, 2) [[11.]]
"""
from __future__ import annotations

__all__ = ["sparse_matmul", "conv"]

import numbers

import numpy as np

from flowkit import errors
from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.ops import array_ops, conv_ops
from flowkit.ops.core import convert_pair, convert_to_tensor, op_scope
from flowkit.ops.matrix_ops import matmul


# --------------------------------------------------------------------------------------------
# sparse_matmul
# --------------------------------------------------------------------------------------------
def _check_matrix(t, param):
    if t.dtype is not dtypes.float32:
        raise TypeError(f"Value passed to parameter '{param}' of sparse_matmul has DataType "
                        f"{t.dtype.name} not in list of allowed values: float32, bfloat16 "
                        f"(tensor '{t.name}'; cast it with tf.cast(..., tf.float32))")
    if t.shape.ndims is not None and t.shape.ndims != 2:
        raise ValueError(f"Shape must be rank 2 but is rank {t.shape.ndims} for parameter "
                         f"'{param}' of sparse_matmul (tensor '{t.name}' has shape {t.shape}); "
                         "for batched products use tf.matmul")


def sparse_matmul(a, b, transpose_a=False, transpose_b=False, a_is_sparse=False,
                  b_is_sparse=False, name=None) -> Tensor:
    """The matrix product ``a @ b`` of two rank-2 float32 tensors (either transposed first),
    as a float32 tensor. The ``*_is_sparse`` flags are hints only.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops import misc_more_ops as mm
        >>> c = mm.sparse_matmul([[1.0, 0.0], [0.0, 2.0]], [[3.0, 4.0]], transpose_b=True,
        ...                      a_is_sparse=True)
        >>> with tf.Session() as sess:
        ...     print(sess.run(c))
        [[3.]
         [8.]]
    """
    with op_scope(name, "SparseMatMul", [a, b]) as scope:
        a = convert_to_tensor(a, name="a")
        b = convert_to_tensor(b, name="b")
        _check_matrix(a, "a")
        _check_matrix(b, "b")
        return matmul(a, b, transpose_a=bool(transpose_a), transpose_b=bool(transpose_b),
                      name=scope)


# --------------------------------------------------------------------------------------------
# conv: TF's generic Conv op
# --------------------------------------------------------------------------------------------
def _ints(value, what):
    if isinstance(value, numbers.Integral):
        return [int(value)]
    return [int(v) for v in np.reshape(np.asarray(value), [-1])]


def _check_attrs(padding, data_format, groups, batch_dims):
    if padding not in ("SAME", "VALID", "EXPLICIT"):
        raise ValueError(f"Attr 'padding' of 'Conv' Op passed string {padding!r} not in: "
                         '"SAME", "VALID", "EXPLICIT".')
    if data_format not in ("CHANNELS_LAST", "CHANNELS_FIRST"):
        raise ValueError(f"Attr 'data_format' of 'Conv' Op passed string {data_format!r} not "
                         'in: "CHANNELS_FIRST", "CHANNELS_LAST".')
    if isinstance(batch_dims, bool) or not isinstance(batch_dims, numbers.Integral) or \
            batch_dims < 1:
        raise ValueError(f"conv: batch_dims must be an int >= 1, got {batch_dims!r}")
    if isinstance(groups, bool) or not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"conv: groups must be an int >= 1, got {groups!r}")


def _check_ranks(x, f, batch_dims):
    """The number of spatial dimensions (2 or 3), from the filter's rank."""
    frank = f.shape.ndims
    if frank is None:
        raise ValueError(f"conv needs the rank of the filter '{f.name}' to be known (4 for a 2-D "
                         "convolution, 5 for a 3-D one): give it a static shape")
    if frank not in (4, 5):
        raise ValueError(f"Filter tensor must be rank 4 or 5, but got: {frank} (filter "
                         f"'{f.name}' has shape {f.shape})")
    xrank = x.shape.ndims
    if xrank is not None:
        own = xrank - (batch_dims - 1)
        if own not in (4, 5):
            raise ValueError(f"Input tensor must be rank 4 or 5, excluding extra batch "
                             f"dimensions, but got: {own} (input '{x.name}' has shape "
                             f"{x.shape}, batch_dims={batch_dims})")
        if own != frank:
            raise ValueError(f"Input tensor rank must be the same as filter rank: input "
                             f"'{x.name}' has shape {x.shape} (rank {own} without its "
                             f"{batch_dims - 1} extra batch dimension(s)), filter '{f.name}' "
                             f"has shape {f.shape}")
    return frank - 2


def _check_lengths(strides, dilations, explicit_paddings, padding, n):
    if len(strides) != n + 2:
        raise ValueError(f"Stride attribute should contain {n + 2} values, but got: "
                         f"{len(strides)} (strides={strides})")
    if len(dilations) != n + 2:
        raise ValueError(f"Conv requires the dilation attribute to contain {n + 2} values, "
                         f"but got: {len(dilations)} (dilations={dilations})")
    if padding != "EXPLICIT":
        if explicit_paddings:
            raise ValueError("explicit_paddings attribute must be empty if the padding "
                             f"attribute is not EXPLICIT (padding={padding!r}, "
                             f"explicit_paddings={explicit_paddings})")
        return
    if n == 3:
        raise ValueError("Explicit padding not supported for 3D Convolution")
    if len(explicit_paddings) != 2 * (n + 2):
        raise ValueError(f"explicit_paddings attribute must contain {2 * (n + 2)} values, but "
                         f"got: {len(explicit_paddings)}")
    if min(explicit_paddings) < 0:
        raise ValueError(f"explicit_paddings must be nonnegative, got {explicit_paddings}")
    if any(explicit_paddings[:2]) or any(explicit_paddings[-2:]):
        raise ValueError("Nonzero explicit padding in the batch or depth dimensions is not "
                         f"supported (explicit_paddings={explicit_paddings})")


def _check_groups(x, f, groups):
    depth, fdepth = x.shape.as_list()[-1] if x.shape.ndims else None, f.shape.as_list()[-2]
    if depth is not None and fdepth is not None:
        if fdepth == 0 or depth % fdepth:
            raise ValueError(f"Depth of input ({depth}) is not a multiple of input depth of "
                             f"filter ({fdepth}) (input '{x.name}' has shape {x.shape}, filter "
                             f"'{f.name}' has shape {f.shape})")
        if depth // fdepth != groups:
            raise ValueError(f"Conv: the input depth {depth} divided by the filter's input depth "
                             f"{fdepth} is {depth // fdepth}, which should equal groups={groups}")
    if groups != 1:
        raise errors.UnimplementedError(
            None, None, f"Grouped/Depthwise Convolutions are not supported yet (conv with "
            f"groups={groups}; for a depthwise convolution use tf.nn.depthwise_conv2d)")


def _merge_batch(x, batch_dims):
    """``x`` with its ``batch_dims`` leading dimensions merged into one."""
    dims = x.shape.as_list()
    inner = dims[batch_dims:]
    if all(d is not None for d in inner):
        return array_ops.reshape(x, [-1] + inner)
    rest = array_ops.shape(x)[batch_dims:]
    return array_ops.reshape(x, array_ops.concat([[-1], rest], 0))


def _split_batch(y, x, batch_dims, name):
    """``y`` (merged batch) reshaped back to ``x``'s ``batch_dims`` leading dimensions."""
    lead, inner = x.shape.as_list()[:batch_dims], y.shape.as_list()[1:]
    if all(d is not None for d in lead + inner):
        return array_ops.reshape(y, lead + inner, name=name)
    shape = array_ops.concat([array_ops.shape(x)[:batch_dims], array_ops.shape(y)[1:]], 0)
    return array_ops.reshape(y, shape, name=name)


def conv(input, filter, strides, padding, explicit_paddings=(), data_format="CHANNELS_LAST",
         dilations=(), batch_dims=1, groups=1, name=None) -> Tensor:
    """TF's generic N-d convolution op ``Conv``: a 2-D convolution for a rank-4 filter
    ``[h, w, in, out]`` (input ``[batch..., height, width, in]``), a 3-D one for a rank-5
    filter ``[d, h, w, in, out]`` (input ``[batch..., depth, height, width, in]``).

    Args:
        strides: ``rank`` ints (batch and channel entries 1).
        padding: ``"SAME"``, ``"VALID"`` or ``"EXPLICIT"`` (2-D only: then
            ``explicit_paddings`` gives ``[before, after]`` for each of the 4 dimensions,
            batch and channels 0).
        data_format: ``"CHANNELS_LAST"`` (``"CHANNELS_FIRST"`` is not supported, as on TF's
            CPU).
        dilations: empty (all 1) or ``rank`` ints.
        batch_dims: how many leading dimensions are batch dimensions.
        groups: 1 (grouped convolutions are not supported, as on TF's CPU).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops import misc_more_ops as mm
        >>> x = tf.ones([2, 3, 5, 5, 1])          # two batch dimensions
        >>> y = mm.conv(x, tf.ones([3, 3, 1, 1]), [1, 2, 2, 1], "EXPLICIT",
        ...             explicit_paddings=[0, 0, 1, 1, 1, 1, 0, 0], batch_dims=2)
        >>> with tf.Session() as sess:
        ...     print(y.shape, sess.run(y)[0, 0, :, :, 0])
        (2, 3, 3, 3, 1) [[4. 6. 4.]
         [6. 9. 6.]
         [4. 6. 4.]]
    """
    _check_attrs(padding, data_format, groups, batch_dims)
    with op_scope(name, "Conv", [input, filter]) as scope:
        x, f = convert_pair(input, filter)
        if x.dtype is not f.dtype:
            raise TypeError(f"Input 'filter' of 'Conv' Op has type {f.dtype.name} that does not "
                            f"match type {x.dtype.name} of argument 'input'.")
        n = _check_ranks(x, f, batch_dims)
        strides = _ints(strides, "strides")
        dilations = _ints(dilations, "dilations") if len(dilations) else [1] * (n + 2)
        explicit = _ints(explicit_paddings, "explicit_paddings") if len(explicit_paddings) \
            else []
        _check_lengths(strides, dilations, explicit, padding, n)
        if data_format == "CHANNELS_FIRST":
            raise errors.UnimplementedError(
                None, None, "conv: data_format='CHANNELS_FIRST' is not supported (TF's CPU "
                "kernels support only channels last): transpose the input to channels last")
        _check_groups(x, f, groups)
        y = _merge_batch(x, batch_dims) if batch_dims > 1 else x
        if padding == "EXPLICIT":
            y = array_ops.pad(y, np.reshape(explicit, [n + 2, 2]).tolist())
            padding = "VALID"
        out_name = scope if batch_dims == 1 else None
        if n == 2:
            y = conv_ops.conv2d(y, f, strides, padding, dilations=dilations, name=out_name)
        else:
            y = conv_ops.conv3d(y, f, strides, padding, dilations=dilations, name=out_name)
        return y if batch_dims == 1 else _split_batch(y, x, batch_dims, scope)
