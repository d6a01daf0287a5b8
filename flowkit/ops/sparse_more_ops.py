"""TF1 root functions built from the op families below: the sparse segment reductions
(``sparse_segment_sum/mean/sqrt_n``), ``sparse_to_dense``, the ``conv2d_backprop_*_v2`` forms
that take the tensor instead of its sizes, ``extract_volume_patches``, ``switch_case`` and
``register_tensor_conversion_function``.

Each is a composition of existing ops (gathers, segment sums, convolution gradients, image
patches, nested ``cond`` s), so none needs a kernel and every gradient comes from the ops
it is made of. Run-time checks that TF's kernels make (sorted segment ids, indices in
bounds and in order) are ``Assert`` ops or the checks of the ops underneath, so they fail
the run with ``InvalidArgumentError`` naming the op, as TF does.

Example:
    >>> import flowkit as tf
    >>> from flowkit.ops import sparse_more_ops as sm
    >>> data = tf.constant([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    >>> total = sm.sparse_segment_sum(data, [0, 2, 1], [0, 0, 1])
    >>> dense = sm.sparse_to_dense([[0, 1], [1, 0]], [2, 2], [7, 8])
    >>> with tf.Session() as sess:
    ...     print(sess.run(total))
    ...     print(sess.run(dense))
    [[6. 8.]
     [3. 4.]]
    [[0 7]
     [8 0]]
"""
from __future__ import annotations

__all__ = [
    "sparse_segment_sum", "sparse_segment_mean", "sparse_segment_sqrt_n", "sparse_to_dense",
    "conv2d_backprop_filter_v2", "conv2d_backprop_input_v2", "extract_volume_patches",
    "switch_case", "register_tensor_conversion_function",
]

import numbers

import numpy as np

from flowkit.backend import conv_output_size
from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.ops import core
from flowkit.ops.array_ops import (cast, concat, extract_image_patches, fill, gather, identity,
                                   ones_like, rank, reshape, shape, stack, where)
from flowkit.ops.constant_ops import range as _range
from flowkit.ops.control_flow_ops import Assert, case
from flowkit.ops.conv_ops import conv2d_backprop_filter, conv2d_backprop_input
from flowkit.ops.core import (_check_index_dtype, _check_rank, convert_to_tensor,
                              is_tensor_like, op_scope)
from flowkit.ops.math_ops import (check_kind, cumprod, equal, greater, greater_equal, less,
                                  logical_and, maximum, reduce_all, reduce_prod, reduce_sum,
                                  sqrt)
from flowkit.ops.segment_ops import segment_mean, segment_sum, unsorted_segment_max, \
    unsorted_segment_sum


# --------------------------------------------------------------------------------------------
# Sparse segment reductions: segment reductions of data's rows picked by ``indices``
# --------------------------------------------------------------------------------------------
def _sparse_segment_args(data, indices, segment_ids, kind):
    data = convert_to_tensor(data, name="data")
    indices = convert_to_tensor(indices, name="indices")
    ids = convert_to_tensor(segment_ids, name="segment_ids")
    check_kind(data, kind, "data")
    _check_index_dtype(indices, "indices")
    _check_index_dtype(ids, "segment_ids")
    _check_rank(indices, 1, "indices")
    _check_rank(ids, 1, "segment_ids")
    if data.shape.ndims == 0:
        raise ValueError("Shape must be at least rank 1 but is rank 0 (data)")
    if not indices.shape.is_compatible_with(ids.shape):
        raise ValueError(f"indices and segment_ids must have the same length: "
                         f"{indices.shape[0]} vs. {ids.shape[0]}")
    return data, indices, ids


def _to_num_segments(sums, num_segments):
    """The rows of ``sums`` (one per segment up to the last id) placed in ``num_segments``
    rows; ids beyond ``num_segments`` fail the run (UnsortedSegmentSum's range check)."""
    if num_segments is None:
        return sums
    num = convert_to_tensor(num_segments, name="num_segments")
    _check_index_dtype(num, "num_segments")
    rows = _range(0, shape(sums, out_type=num.dtype)[0], dtype=num.dtype)
    return unsorted_segment_sum(sums, rows, num)


def sparse_segment_sum(data, indices, segment_ids, name=None, num_segments=None,
                       sparse_gradient=False) -> Tensor:
    """Sums of the rows ``data[indices[j]]`` per ``segment_ids[j]`` (sorted ids, >= 0): row
    ``i`` of the result sums the picked rows whose id is ``i``, 0 where none is; the result
    has ``num_segments`` rows when given, else the last id plus one.

    Unsorted ids or indices out of ``[0, data rows)`` fail the run with
    ``InvalidArgumentError``. ``sparse_gradient`` is accepted; the gradient is a dense one.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.sparse_more_ops import sparse_segment_sum
        >>> with tf.Session() as sess:
        ...     print(sess.run(sparse_segment_sum([1, 2, 4], [2, 2, 0], [0, 0, 2])))
        [8 0 1]
    """
    del sparse_gradient
    with op_scope(name, "SparseSegmentSum", (data, indices, segment_ids)):
        data, indices, ids = _sparse_segment_args(data, indices, segment_ids, "number")
        sums = segment_sum(gather(data, indices), ids)
        return _to_num_segments(sums, num_segments)


def sparse_segment_mean(data, indices, segment_ids, name=None, num_segments=None,
                        sparse_gradient=False) -> Tensor:
    """Means of the rows ``data[indices[j]]`` per ``segment_ids[j]`` (floats only; 0 for a
    segment no row falls in); otherwise as :func:`sparse_segment_sum`.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.sparse_more_ops import sparse_segment_mean
        >>> with tf.Session() as sess:
        ...     print(sess.run(sparse_segment_mean([1.0, 2.0, 4.0], [2, 1, 0], [0, 0, 2],
        ...                                        num_segments=4)))
        [3. 0. 1. 0.]
    """
    del sparse_gradient
    with op_scope(name, "SparseSegmentMean", (data, indices, segment_ids)):
        data, indices, ids = _sparse_segment_args(data, indices, segment_ids, "float")
        means = segment_mean(gather(data, indices), ids)
        return _to_num_segments(means, num_segments)


def sparse_segment_sqrt_n(data, indices, segment_ids, name=None, num_segments=None,
                          sparse_gradient=False) -> Tensor:
    """Sums of the rows ``data[indices[j]]`` per segment divided by the square root of the
    number of rows in it (floats only; 0 for an empty segment); otherwise as
    :func:`sparse_segment_sum`.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.sparse_more_ops import sparse_segment_sqrt_n
        >>> with tf.Session() as sess:
        ...     print(sess.run(sparse_segment_sqrt_n([3.0, 1.0], [0, 1, 0, 1], [0, 0, 1, 1])))
        [2.828427 2.828427]
    """
    del sparse_gradient
    with op_scope(name, "SparseSegmentSqrtN", (data, indices, segment_ids)):
        data, indices, ids = _sparse_segment_args(data, indices, segment_ids, "float")
        sums = segment_sum(gather(data, indices), ids)
        counts = segment_sum(ones_like(ids, dtype=data.dtype), ids)
        extra = fill(stack([rank(data) - 1]), 1)
        counts = reshape(counts, concat([shape(counts), extra], 0))
        return _to_num_segments(sums / sqrt(maximum(counts, 1)), num_segments)


# --------------------------------------------------------------------------------------------
# sparse_to_dense
# --------------------------------------------------------------------------------------------
def _s2d_args(sparse_indices, output_shape, sparse_values, default_value):
    indices = convert_to_tensor(sparse_indices, name="sparse_indices")
    _check_index_dtype(indices, "sparse_indices")
    if indices.shape.ndims is not None and indices.shape.ndims > 2:
        raise ValueError(f"sparse_indices should be a scalar, vector, or matrix, got shape "
                         f"{indices.shape}")
    out_shape = convert_to_tensor(
        output_shape, dtype=None if is_tensor_like(output_shape) else indices.dtype,
        name="output_shape")
    _check_index_dtype(out_shape, "output_shape")
    _check_rank(out_shape, 1, "output_shape")
    values = convert_to_tensor(sparse_values, name="sparse_values")
    if values.shape.ndims is not None and values.shape.ndims > 1:
        raise ValueError(f"sparse_values should be a scalar or vector, got shape {values.shape}")
    default = convert_to_tensor(default_value, dtype=values.dtype, name="default_value")
    if default.shape.ndims not in (None, 0):
        raise ValueError(f"default_value should be a scalar, got shape {default.shape}")
    n = indices.shape[0].value if indices.shape.ndims else (1 if indices.shape.ndims == 0
                                                              else None)
    if values.shape.ndims == 1 and None not in (n, values.shape[0].value) and \
            values.shape[0].value != n:
        raise ValueError(f"sparse_values has incorrect shape {values.shape}, should be [] or "
                         f"[{n}]")
    return indices, out_shape, values, default


def sparse_to_dense(sparse_indices, output_shape, sparse_values, default_value=0,
                    validate_indices=True, name=None) -> Tensor:
    """A dense tensor of ``output_shape`` holding ``sparse_values`` at ``sparse_indices`` and
    ``default_value`` elsewhere.

    ``sparse_indices`` is a scalar (one index of a 1-D result), a vector (indices of a 1-D
    result) or an ``[N, rank]`` matrix; ``sparse_values`` a scalar (used for every index) or
    an ``[N]`` vector. Indices out of bounds fail the run with ``InvalidArgumentError``, and
    so, with ``validate_indices=True``, do indices that are not in increasing lexicographic
    order or repeat; with ``validate_indices=False`` a repeated index takes its last value.
    The gradient goes to ``sparse_values`` (the entries that are placed) and to
    ``default_value`` (the sum over the other positions).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.sparse_more_ops import sparse_to_dense
        >>> with tf.Session() as sess:
        ...     print(sess.run(sparse_to_dense([1, 3], [5], 9.0, default_value=-1.0)))
        [-1.  9. -1.  9. -1.]
    """
    with op_scope(name, "SparseToDense", (sparse_indices, output_shape, sparse_values,
                                          default_value)) as scope:
        indices, out_shape, values, default = _s2d_args(sparse_indices, output_shape,
                                                        sparse_values, default_value)
        op_name = scope.rstrip("/")
        idx = cast(indices, dtypes.int64)
        idx = reshape(idx, [-1, 1] if indices.shape.ndims != 2 else shape(idx))
        dims = cast(out_shape, dtypes.int64)
        checks = [Assert(reduce_all(logical_and(greater_equal(idx, 0), less(idx, dims))),
                         [f"{op_name}: sparse_indices must be >= 0 and < output_shape:", dims,
                          "got sparse_indices:", idx], summarize=12, name="in_bounds")]
        flat = reduce_sum(idx * cumprod(dims, exclusive=True, reverse=True), axis=1)
        if validate_indices:
            ordered = reduce_all(greater(flat[1:], flat[:-1]))
            checks.append(Assert(ordered, [
                f"{op_name}: sparse_indices are out of order or repeated (they must increase "
                "lexicographically with validate_indices=True), got:", idx], summarize=12,
                name="in_order"))
        with idx.graph.control_dependencies(checks):
            flat = identity(flat)
        count = shape(idx, out_type=dtypes.int64)[0]
        # The last entry for each position wins; positions without one take the default,
        # appended to the values at position ``count``.
        winner = unsorted_segment_max(_range(0, count, dtype=dtypes.int64), flat,
                                      reduce_prod(dims))
        winner = where(greater_equal(winner, 0), winner, fill(shape(winner), count))
        if values.shape.ndims == 0:
            values = fill(stack([count]), values)
        dense = gather(concat([values, reshape(default, [1])], 0), winner)
        return reshape(dense, out_shape)


# --------------------------------------------------------------------------------------------
# conv2d_backprop_*_v2: the convolution gradients given the tensors, not their sizes
# --------------------------------------------------------------------------------------------
def _sizes_of(t):
    return t.shape.as_list() if t.shape.is_fully_defined() else shape(t)


def _check_v2(padding, explicit_paddings, input, filter):
    if padding == "EXPLICIT" or list(explicit_paddings or []):
        raise ValueError("padding 'EXPLICIT' (explicit_paddings) is not supported: use "
                         "'SAME' or 'VALID', or tf.pad before the convolution")
    if input.dtype is not filter.dtype:
        raise TypeError(f"Input 'filter' of 'Conv2D' Op has type {filter.dtype.name} that does "
                        f"not match type {input.dtype.name} of argument 'input'.")


def conv2d_backprop_filter_v2(input, filter, out_backprop, strides, padding,
                              use_cudnn_on_gpu=True, explicit_paddings=(), data_format="NHWC",
                              dilations=(1, 1, 1, 1), name=None) -> Tensor:
    """:func:`flowkit.nn.conv2d_backprop_filter` given ``filter`` itself (only its shape
    is used) instead of its sizes.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.sparse_more_ops import conv2d_backprop_filter_v2
        >>> x = tf.reshape(tf.range(9.0), [1, 3, 3, 1])
        >>> dk = conv2d_backprop_filter_v2(x, tf.zeros([2, 2, 1, 1]), tf.ones([1, 2, 2, 1]),
        ...                                strides=[1, 1, 1, 1], padding="VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(dk)[:, :, 0, 0])
        [[ 8. 12.]
         [20. 24.]]
    """
    with op_scope(name, "Conv2DBackpropFilterV2", [input, filter, out_backprop]):
        input = convert_to_tensor(input, name="input")
        filter = convert_to_tensor(filter, name="filter")
        _check_v2(padding, explicit_paddings, input, filter)
        return conv2d_backprop_filter(input, _sizes_of(filter), out_backprop, strides, padding,
                                      use_cudnn_on_gpu, data_format, dilations)


def conv2d_backprop_input_v2(input, filter, out_backprop, strides, padding,
                             use_cudnn_on_gpu=True, explicit_paddings=(), data_format="NHWC",
                             dilations=(1, 1, 1, 1), name=None) -> Tensor:
    """:func:`flowkit.nn.conv2d_backprop_input` given ``input`` itself (only its shape is
    used) instead of its sizes.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.sparse_more_ops import conv2d_backprop_input_v2
        >>> dx = conv2d_backprop_input_v2(tf.zeros([1, 3, 3, 1]), tf.ones([2, 2, 1, 1]),
        ...                               tf.ones([1, 2, 2, 1]), strides=[1, 1, 1, 1],
        ...                               padding="VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(dx)[0, :, :, 0])
        [[1. 2. 1.]
         [2. 4. 2.]
         [1. 2. 1.]]
    """
    with op_scope(name, "Conv2DBackpropInputV2", [input, filter, out_backprop]):
        input = convert_to_tensor(input, name="input")
        filter = convert_to_tensor(filter, name="filter")
        _check_v2(padding, explicit_paddings, input, filter)
        return conv2d_backprop_input(_sizes_of(input), filter, out_backprop, strides, padding,
                                     use_cudnn_on_gpu, data_format, dilations)


# --------------------------------------------------------------------------------------------
# extract_volume_patches: image patches over (rows, cols), then over planes
# --------------------------------------------------------------------------------------------
def _five(value, what):
    v = [int(a) for a in np.reshape(value, [-1])] if value is not None else None
    if v is None or len(v) != 5 or v[0] != 1 or v[4] != 1 or min(v) < 1:
        raise ValueError(f"extract_volume_patches' {what} must be [1, planes, rows, cols, 1] "
                         f"with positive sizes, got {value!r}")
    return v


def _dim(x, dims, i):
    return dims[i] if dims[i] is not None else shape(x)[i]


def extract_volume_patches(input, ksizes, strides, padding, name=None) -> Tensor:
    """The ``ksizes`` windows of a 5-D ``[batch, planes, rows, cols, depth]`` input, taken
    every ``strides`` (``padding`` ``"SAME"`` or ``"VALID"`` as in ``conv3d``), each
    flattened (planes, rows, cols, depth) into the depth of one output voxel: shape
    ``[batch, out_planes, out_rows, out_cols, kp * kr * kc * depth]``.

    Built from two :func:`extract_image_patches`: windows over rows and columns of every
    plane, then windows of those over the planes.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.sparse_more_ops import extract_volume_patches
        >>> x = tf.reshape(tf.range(8), [1, 2, 2, 2, 1])
        >>> p = extract_volume_patches(x, [1, 2, 2, 2, 1], [1, 1, 1, 1, 1], "VALID")
        >>> with tf.Session() as sess:
        ...     print(sess.run(p).reshape(-1))
        [0 1 2 3 4 5 6 7]
    """
    if padding not in ("SAME", "VALID"):
        raise ValueError(f"padding must be 'SAME' or 'VALID', got {padding!r}")
    _, kp, kr, kc, _ = _five(ksizes, "ksizes")
    _, sp, sr, sc, _ = _five(strides, "strides")
    with op_scope(name, "ExtractVolumePatches", [input]):
        x = convert_to_tensor(input, name="input")
        check_kind(x, "number", "input")
        _check_rank(x, 5, "input")
        if x.shape.ndims is None:
            raise ValueError("extract_volume_patches needs the rank of its input (5)")
        dims = x.shape.as_list()
        b, p, r, c, d = (_dim(x, dims, i) for i in range(5))
        rows = extract_image_patches(reshape(x, stack([b * p, r, c, d])), [1, kr, kc, 1],
                                     [1, sr, sc, 1], [1, 1, 1, 1], padding)
        rows_shape = shape(rows)
        flat = reshape(rows, stack([b, p, rows_shape[1] * rows_shape[2], rows_shape[3]]))
        vol = extract_image_patches(flat, [1, kp, 1, 1], [1, sp, 1, 1], [1, 1, 1, 1], padding)
        out = reshape(vol, stack([b, shape(vol)[1], rows_shape[1], rows_shape[2],
                                  shape(vol)[3]]))
        static = [dims[0]] + [conv_output_size(n, k, s, 1, padding)[0]
                              for n, k, s in zip(dims[1:4], (kp, kr, kc), (sp, sr, sc))]
        out.set_shape(static + [None if dims[4] is None else kp * kr * kc * dims[4]])
        return out


# --------------------------------------------------------------------------------------------
# switch_case
# --------------------------------------------------------------------------------------------
def _branches(branch_fns):
    if not branch_fns:
        raise ValueError("Must provide at least one item in 'branch_fns'")
    if not isinstance(branch_fns, (list, tuple, dict)):
        raise TypeError("'branch_fns' must be a list, tuple, or dict")
    pairs = list(branch_fns.items()) if isinstance(branch_fns, dict) else list(branch_fns)
    if all(callable(fn) for fn in pairs):
        pairs = list(enumerate(pairs))
    for pair in pairs:
        if not isinstance(pair, tuple) or len(pair) != 2:
            raise TypeError(f"Each entry in 'branch_fns' must be a 2-tuple. Received {pair}.")
        key, fn = pair
        if not isinstance(key, numbers.Integral) or isinstance(key, bool):
            raise TypeError(f"key must be a Python `int`, got {type(key)}")
        if not callable(fn):
            raise TypeError(f"fn for key {key} must be callable.")
    keys = sorted(int(k) for k, _ in pairs)
    if keys != list(range(len(keys))):
        raise ValueError(f"branch indices (keys) must form contiguous range of [0 to "
                         f"{len(keys)}) but found {{{','.join(map(str, keys))}}}")
    return [fn for _, fn in sorted(pairs, key=lambda kf: int(kf[0]))]


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """Runs ``branch_fns[branch_index]`` (only its ops run): ``branch_fns`` is a list of
    callables, a list of ``(int, callable)`` pairs or a dict ``{int: callable}`` whose keys
    are ``0 .. n-1``; an index outside them runs ``default``, or the last branch when there
    is none. Built on :func:`flowkit.case`, so gradients flow through the chosen branch.

    Raises:
        TypeError: ``branch_index`` is not an integer tensor, or a branch is not callable.
        ValueError: no branches, or keys that are not ``0 .. n-1``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.sparse_more_ops import switch_case
        >>> i = tf.placeholder(tf.int32, [])
        >>> y = switch_case(i, [lambda: tf.constant(10), lambda: tf.constant(20)],
        ...                 default=lambda: tf.constant(-1))
        >>> with tf.Session() as sess:
        ...     print([int(sess.run(y, {i: v})) for v in (0, 1, 5)])
        [10, 20, -1]
    """
    if not isinstance(branch_index, Tensor) and not hasattr(branch_index, "_as_tensor"):
        raise TypeError(f"'branch_index' must be a Tensor, got {type(branch_index)}")
    index = convert_to_tensor(branch_index)
    if not index.dtype.is_integer:
        raise TypeError(f"'branch_index' must be an integer Tensor, got {index.dtype}")
    fns = _branches(branch_fns)
    if default is not None and not callable(default):
        raise TypeError("default must be callable.")
    if default is None:
        fns, default = fns[:-1], fns[-1]
    with index.graph.name_scope(name or "switch_case"):
        if not fns:
            return default()
        pairs = [(equal(index, i), fn) for i, fn in enumerate(fns)]
        return case(pairs, default=default, name="case")


# --------------------------------------------------------------------------------------------
# register_tensor_conversion_function
# --------------------------------------------------------------------------------------------
def register_tensor_conversion_function(base_type, conversion_func, priority=100) -> None:
    """Makes :func:`flowkit.convert_to_tensor` (and so every op) accept instances of
    ``base_type`` (a type or a tuple of types): ``conversion_func(value, dtype=None,
    name=None, as_ref=False)`` returns a tensor, of ``dtype`` when one is given, or
    ``NotImplemented`` to let the next function try. Functions run in order of ``priority``
    (smaller first), then of registration.

    Raises:
        TypeError: ``base_type`` is not a type or tuple of types, is a Python number or NumPy
            type, or ``conversion_func`` is not callable.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.ops.sparse_more_ops import register_tensor_conversion_function
        >>> class Meters:
        ...     def __init__(self, value):
        ...         self.value = value
        >>> register_tensor_conversion_function(
        ...     Meters, lambda m, dtype=None, name=None, as_ref=False:
        ...         tf.constant(m.value, dtype=dtype or tf.float32, name=name))
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.add(Meters(2.0), 1.0)))
        3.0
    """
    types = base_type if isinstance(base_type, tuple) else (base_type,)
    if any(not isinstance(t, type) for t in types):
        raise TypeError(f"Argument `base_type` must be a type or a tuple of types. "
                        f"Obtained: {base_type}")
    if any(issubclass(t, (int, float, np.generic, np.ndarray)) for t in types):
        raise TypeError("Cannot register conversions for Python numeric types and NumPy "
                        "scalars and arrays.")
    if not callable(conversion_func):
        raise TypeError(f"Argument `conversion_func` must be callable. Received "
                        f"{conversion_func}.")
    core.add_conversion_function(base_type, conversion_func, priority)
