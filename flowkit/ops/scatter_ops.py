"""Scatter ops: sparse updates of variables (``tf.scatter_update``...) and of tensors
(``tf.tensor_scatter_nd_update``...).

Two kinds, as in TF1:

* **On variables** (``ScatterUpdate``, ``ScatterAdd``, ``ScatterSub``, ``ScatterMul``,
  ``ScatterDiv``, ``ScatterMin``, ``ScatterMax``, ``ScatterNdUpdate``, ``ScatterNdAdd``,
  ``ScatterNdSub``): like ``Assign``, they take the variable as input 0 (a reference, not a
  read), change its value in place in the session and return the new value. The ``Scatter*``
  ops index the variable's first dimension (``updates.shape = indices.shape +
  ref.shape[1:]``, or a scalar ``updates`` for every selected row); the ``ScatterNd*`` ops
  index its first ``K = indices.shape[-1]`` dimensions (``updates.shape = indices.shape[:-1]
  + ref.shape[K:]``). Repeated indices accumulate for add, sub, mul, div, min and max (each
  update is applied); for an update, TF leaves which one wins undefined: flowkit keeps the
  **last** one, on every backend. ``batch_scatter_update`` is a composition (its batch
  coordinates are stacked onto the indices for ``scatter_nd_update``), as in TF.
* **On tensors** (``TensorScatterUpdate``, ``TensorScatterAdd``, ``TensorScatterSub``,
  ``TensorScatterMin``, ``TensorScatterMax``): functional and differentiable; the result is a
  new tensor, the input is unchanged. Gradients are TF's: an update passes the gradient to
  the tensor except at the scattered positions and gives ``updates`` ``gather_nd(grad,
  indices)``; add and sub pass it through to both (negated for sub's updates); min and max
  route it to the values that won, split evenly between ties.

Shapes are checked when the graph is built where they are known (``ValueError``) and by the
kernels at run time; an index outside the variable or tensor is an ``InvalidArgumentError``
naming the op, the index and the valid range.

Example:
    >>> import flowkit as tf
    >>> v = tf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> add = tf.scatter_add(v, [0, 2, 0], [10.0, 20.0, 30.0])
    >>> t = tf.tensor_scatter_nd_update(tf.zeros([2, 2]), [[0, 1]], [5.0])
    >>> with tf.Session() as sess:
    ...     sess.run(v.initializer)
    ...     print(sess.run(add), sess.run(t).tolist())
    [41.  2. 23.  4.] [[0.0, 5.0], [0.0, 0.0]]
"""
from __future__ import annotations

__all__ = [
    "scatter_update", "scatter_add", "scatter_sub", "scatter_mul", "scatter_div",
    "scatter_min", "scatter_max", "scatter_nd_update", "scatter_nd_add", "scatter_nd_sub",
    "batch_scatter_update",
    "tensor_scatter_nd_update", "tensor_scatter_nd_add", "tensor_scatter_nd_sub",
    "tensor_scatter_nd_min", "tensor_scatter_nd_max",
    "tensor_scatter_update", "tensor_scatter_add", "tensor_scatter_sub",
]

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.ops.constant_ops import range as _range, zeros_like
from flowkit.ops.core import (_check_index_dtype, _int_tensor, convert_to_tensor, is_tensor_like,
                              make_op, make_tensor, op_scope)
from flowkit.ops.indexing_ops import gather_nd, scatter_nd
from flowkit.ops.join_ops import stack
from flowkit.ops.math_ops import check_kind, equal, negative
from flowkit.ops.shape_ops import broadcast_to, cast, reshape, shape

#: The reduction of each op type: how an update combines with the value it lands on.
_VARIABLE_OPS = {
    "ScatterUpdate": "update", "ScatterAdd": "add", "ScatterSub": "sub", "ScatterMul": "mul",
    "ScatterDiv": "div", "ScatterMin": "min", "ScatterMax": "max",
    "ScatterNdUpdate": "update", "ScatterNdAdd": "add", "ScatterNdSub": "sub",
}
_TENSOR_OPS = {
    "TensorScatterUpdate": "update", "TensorScatterAdd": "add", "TensorScatterSub": "sub",
    "TensorScatterMin": "min", "TensorScatterMax": "max",
}
_KIND_OF = {"update": None, "add": "number", "sub": "number", "mul": "number", "div": "number",
            "min": "number", "max": "number"}


def _dims(s) -> str:
    return "unknown" if s.ndims is None else str([d.value for d in s.dims])


def _check_dtypes(target, indices, updates, op_type, target_name):
    _check_index_dtype(indices, f"{op_type}'s indices")
    if updates.dtype is not target.dtype:
        raise TypeError(f"Input 'updates' of '{op_type}' Op has type {updates.dtype.name} "
                        f"that does not match type {target.dtype.name} of argument "
                        f"'{target_name}'.")
    kind = _KIND_OF[(_VARIABLE_OPS.get(op_type) or _TENSOR_OPS[op_type])]
    if kind is not None:
        check_kind(target, kind, target_name)
    elif target.dtype is dtypes.string:
        raise TypeError(f"{op_type} does not support string tensors")


def _check_rows(ref, indices, updates):
    """``Scatter*``: ``updates.shape`` is ``indices.shape + ref.shape[1:]`` or ``[]``."""
    r, i, u = ref.shape, indices.shape, updates.shape
    if r.ndims == 0:
        raise ValueError("params must be at least 1-D, got shape []")
    if u.ndims == 0 or r.ndims is None or i.ndims is None:
        return
    if not i.concatenate(r[1:]).is_compatible_with(u):
        raise ValueError(f"Must have updates.shape = indices.shape + params.shape[1:] or "
                         f"updates.shape = [], got updates.shape {_dims(u)}, indices.shape "
                         f"{_dims(i)}, params.shape {_dims(r)}")


def _check_nd(ref, indices, updates):
    """``ScatterNd*`` / ``TensorScatter*``: ``updates.shape = indices.shape[:-1] +
    params.shape[K:]`` with ``K = indices.shape[-1] <= rank(params)``."""
    r, i, u = ref.shape, indices.shape, updates.shape
    if i.ndims == 0:
        raise ValueError("indices must be at least a vector (the last dimension holds the "
                         "coordinates), got a scalar")
    if i.ndims is None or i[-1].value is None or r.ndims is None:
        return
    k = i[-1].value
    if k > r.ndims:
        raise ValueError(f"The last dimension of indices ({k}) must be <= the rank of params "
                         f"({r.ndims}): indices.shape {_dims(i)}, params.shape {_dims(r)}")
    want = i[:-1].concatenate(r[k:])
    if u.ndims is not None and not want.is_compatible_with(u):
        raise ValueError(f"Must have updates.shape = indices.shape[:-1] + params.shape[{k}:] "
                         f"= {_dims(want)}, got updates.shape {_dims(u)}, indices.shape "
                         f"{_dims(i)}, params.shape {_dims(r)}")


def _variable_shape(op_type):
    nd = op_type.startswith("ScatterNd")

    def rule(inputs, attrs):
        ref, indices, updates = inputs
        _check_dtypes(ref, indices, updates, op_type, "ref")
        (_check_nd if nd else _check_rows)(ref, indices, updates)
        return [(ref.dtype, ref.shape)]
    return rule


def _tensor_shape(op_type):
    def rule(inputs, attrs):
        tensor, indices, updates = inputs
        _check_dtypes(tensor, indices, updates, op_type, "tensor")
        _check_nd(tensor, indices, updates)
        return [(tensor.dtype, tensor.shape)]
    return rule


# -- gradients of the tensor ops ----------------------------------------------------------------
def _update_grad(op, g):
    indices, updates = op.inputs[1], op.inputs[2]
    return [tensor_scatter_nd_update(g, indices, zeros_like(updates)), None,
            gather_nd(g, indices)]


def _add_grad(op, g):
    return [g, None, gather_nd(g, op.inputs[1])]


def _sub_grad(op, g):
    return [g, None, negative(gather_nd(g, op.inputs[1]))]


def _min_max_grad(op, g):
    """The gradient goes to the values equal to the result, split evenly when several (the
    tensor's value and updates, or several updates) tie at one position."""
    x, indices, updates = op.inputs
    z = op.outputs[0]
    x_won = cast(equal(x, z), g.dtype)
    u_won = cast(equal(updates, gather_nd(z, indices)), g.dtype)
    winners = x_won + scatter_nd(indices, u_won, shape(x))    # >= 1 everywhere
    share = g / winners
    return [share * x_won, None, gather_nd(share, indices) * u_won]


for _t in _VARIABLE_OPS:
    register_op(_t, shape=_variable_shape(_t), grad=None, writes_ref=True)
for _t, _g in [("TensorScatterUpdate", _update_grad), ("TensorScatterAdd", _add_grad),
               ("TensorScatterSub", _sub_grad), ("TensorScatterMin", _min_max_grad),
               ("TensorScatterMax", _min_max_grad)]:
    register_op(_t, shape=_tensor_shape(_t), grad=_g)


# -- builders: variables ------------------------------------------------------------------------
def _ref(ref) -> Tensor:
    """The ``VariableV2`` output behind a Variable or a ref tensor (state_ops is a sibling
    family, so its helper of the same name is not imported)."""
    r = getattr(ref, "_variable", ref)
    if isinstance(r, Tensor) and r.op.type == "VariableV2":
        return r
    raise TypeError(f"Scatter ops update a variable in place, got {ref!r}. Pass a tf.Variable "
                    "(or use tf.tensor_scatter_nd_update and friends for tensors).")


def _updates_tensor(updates, dtype):
    if is_tensor_like(updates):
        return convert_to_tensor(updates, name="updates")
    return convert_to_tensor(updates, preferred_dtype=dtype, name="updates")


def _scatter_variable(op_type, ref, indices, updates, use_locking, name):
    r = _ref(ref)
    with r.graph.name_scope(name or op_type) as scope:
        indices = _int_tensor(indices, "indices", f"{op_type}'s indices")
        updates = _updates_tensor(updates, r.dtype)
        attrs = {"use_locking": bool(use_locking), "var": r.op}
        return make_op(op_type, (r, indices, updates), attrs, scope).outputs[0]


def scatter_update(ref, indices, updates, use_locking=True, name=None) -> Tensor:
    """Writes the rows ``updates`` into the variable ``ref`` at ``indices`` (of its first
    dimension): ``ref[indices[i], ...] = updates[i, ...]``; returns the new value. With a
    repeated index the last update wins (TF leaves it undefined).

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([[1, 2], [3, 4], [5, 6]])
        >>> up = tf.scatter_update(v, [2, 0], [[0, 0], [9, 9]])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(up))
        [[9 9]
         [3 4]
         [0 0]]
    """
    return _scatter_variable("ScatterUpdate", ref, indices, updates, use_locking, name)


def scatter_add(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """Adds ``updates`` to the rows ``indices`` of the variable ``ref`` (repeated indices add
    up); ``updates`` is ``indices.shape + ref.shape[1:]`` or a scalar. Returns the new value.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([1, 2, 3])
        >>> add = tf.scatter_add(v, [0, 0, 2], [10, 20, 30])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(add))
        [31  2 33]
    """
    return _scatter_variable("ScatterAdd", ref, indices, updates, use_locking, name)


def scatter_sub(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """Subtracts ``updates`` from the rows ``indices`` of the variable ``ref`` (repeated
    indices subtract each update); the sparse SGD step on an embedding table.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([1.0, 2.0, 3.0])
        >>> sub = tf.scatter_sub(v, [1, 1], [0.5, 0.25])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(sub))
        [1.   1.25 3.  ]
    """
    return _scatter_variable("ScatterSub", ref, indices, updates, use_locking, name)


def scatter_mul(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """Multiplies the rows ``indices`` of the variable ``ref`` by ``updates`` (repeated
    indices multiply by each).

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([1.0, 2.0, 3.0])
        >>> mul = tf.scatter_mul(v, [2, 2], [2.0, 5.0])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(mul))
        [ 1.  2. 30.]
    """
    return _scatter_variable("ScatterMul", ref, indices, updates, use_locking, name)


def scatter_div(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """Divides the rows ``indices`` of the variable ``ref`` by ``updates`` (repeated indices
    divide by each; integers truncate toward zero, as in TF).

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([8.0, 2.0])
        >>> div = tf.scatter_div(v, [0, 0], [2.0, 4.0])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(div))
        [1. 2.]
    """
    return _scatter_variable("ScatterDiv", ref, indices, updates, use_locking, name)


def scatter_min(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """Keeps the smaller of each element of the rows ``indices`` of ``ref`` and ``updates``.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([5, 5, 5])
        >>> low = tf.scatter_min(v, [0, 1, 0], [7, 2, 3])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(low))
        [3 2 5]
    """
    return _scatter_variable("ScatterMin", ref, indices, updates, use_locking, name)


def scatter_max(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """Keeps the larger of each element of the rows ``indices`` of ``ref`` and ``updates``.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([5, 5, 5])
        >>> high = tf.scatter_max(v, [0, 1, 0], [7, 2, 3])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(high))
        [7 5 5]
    """
    return _scatter_variable("ScatterMax", ref, indices, updates, use_locking, name)


def scatter_nd_update(ref, indices, updates, use_locking=True, name=None) -> Tensor:
    """Writes ``updates`` into the variable ``ref`` at the coordinates in the last dimension
    of ``indices`` (``K`` of them: elements when ``K = rank(ref)``, else slices). With a
    repeated coordinate the last update wins.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([[1, 2], [3, 4]])
        >>> up = tf.scatter_nd_update(v, [[0, 1], [1, 0]], [20, 30])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(up))
        [[ 1 20]
         [30  4]]
    """
    return _scatter_variable("ScatterNdUpdate", ref, indices, updates, use_locking, name)


def scatter_nd_add(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """Adds ``updates`` to the variable ``ref`` at the coordinates in the last dimension of
    ``indices`` (repeated coordinates add up).

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([1, 2, 3, 4])
        >>> add = tf.scatter_nd_add(v, [[3], [1], [3]], [10, 20, 30])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(add))
        [ 1 22  3 44]
    """
    return _scatter_variable("ScatterNdAdd", ref, indices, updates, use_locking, name)


def scatter_nd_sub(ref, indices, updates, use_locking=False, name=None) -> Tensor:
    """Subtracts ``updates`` from the variable ``ref`` at the coordinates in the last
    dimension of ``indices`` (repeated coordinates subtract each).

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([[1, 2], [3, 4]])
        >>> sub = tf.scatter_nd_sub(v, [[1]], [[1, 1]])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(sub))
        [[1 2]
         [2 3]]
    """
    return _scatter_variable("ScatterNdSub", ref, indices, updates, use_locking, name)


def batch_scatter_update(ref, indices, updates, use_locking=True, name=None) -> Tensor:
    """``scatter_update`` along the axis after the leading (batch) dimensions that ``ref``,
    ``indices`` and ``updates`` share: ``ref[i, ..., j, indices[i, ..., j, m]] =
    updates[i, ..., j, m]``, with ``indices``' rank known at build time; 1-D ``indices`` is
    :func:`scatter_update`.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([[1, 2, 3], [4, 5, 6]])
        >>> up = tf.batch_scatter_update(v, [[2], [0]], [[30], [40]])
        >>> with tf.Session() as sess:
        ...     sess.run(v.initializer)
        ...     print(sess.run(up))
        [[ 1  2 30]
         [40  5  6]]
    """
    r = _ref(ref)
    with r.graph.name_scope(name or "batch_scatter_update"):
        indices = _int_tensor(indices, "indices", "batch_scatter_update's indices")
        updates = _updates_tensor(updates, r.dtype)
        n = indices.shape.ndims
        if n is None:
            raise ValueError("batch_scatter_update needs indices of known rank")
        if n == 0:
            raise ValueError("batch_scatter_update needs indices of rank >= 1, got a scalar")
        prefix = n - 1
        if r.shape.ndims is not None and r.shape.ndims <= prefix:
            raise ValueError(f"batch_scatter_update: ref of rank {r.shape.ndims} has no axis "
                             f"after the {prefix} batch dimension(s) of indices (shape "
                             f"{_dims(indices.shape)})")
        for what, s in [("ref", r.shape), ("updates", updates.shape)]:
            if s.ndims is not None and not s[:prefix].is_compatible_with(
                    indices.shape[:prefix]):
                raise ValueError(f"batch_scatter_update: the first {prefix} dimensions of "
                                 f"{what} ({_dims(s)}) and indices ({_dims(indices.shape)}) "
                                 "must be equal")
        coords = []
        ishape = shape(indices, out_type=indices.dtype)
        for d in range(prefix):
            grid = reshape(_range(0, ishape[d], dtype=indices.dtype),
                           [-1 if j == d else 1 for j in range(n)])
            coords.append(broadcast_to(grid, ishape))
        nd = stack(coords + [indices], axis=-1)
        return _scatter_variable("ScatterNdUpdate", r, nd, updates, use_locking, None)


# -- builders: tensors ---------------------------------------------------------------------------
def _scatter_tensor(op_type, tensor, indices, updates, name):
    with op_scope(name, op_type, (tensor, indices, updates)) as scope:
        tensor = convert_to_tensor(tensor, name="tensor")
        indices = _int_tensor(indices, "indices", f"{op_type}'s indices")
        updates = _updates_tensor(updates, tensor.dtype)
        return make_tensor(op_type, (tensor, indices, updates), None, scope)


def tensor_scatter_nd_update(tensor, indices, updates, name=None) -> Tensor:
    """A copy of ``tensor`` with ``updates`` written at the coordinates in the last dimension
    of ``indices``; differentiable in ``tensor`` and ``updates``. With a repeated coordinate
    the last update wins.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.tensor_scatter_nd_update([1, 2, 3, 4], [[1], [3]], [9, 8])))
        [1 9 3 8]
    """
    return _scatter_tensor("TensorScatterUpdate", tensor, indices, updates, name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None) -> Tensor:
    """A copy of ``tensor`` with ``updates`` added at the coordinates in the last dimension of
    ``indices`` (repeated coordinates add up).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.tensor_scatter_nd_add([1, 2, 3], [[0], [0]], [5, 6])))
        [12  2  3]
    """
    return _scatter_tensor("TensorScatterAdd", tensor, indices, updates, name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None) -> Tensor:
    """A copy of ``tensor`` with ``updates`` subtracted at the coordinates in the last
    dimension of ``indices``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.tensor_scatter_nd_sub([1, 2, 3], [[2]], [5])))
        [ 1  2 -2]
    """
    return _scatter_tensor("TensorScatterSub", tensor, indices, updates, name)


def tensor_scatter_nd_min(tensor, indices, updates, name=None) -> Tensor:
    """A copy of ``tensor`` holding the smaller of its value and ``updates`` at the
    coordinates in the last dimension of ``indices``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.tensor_scatter_nd_min([4, 4, 4], [[0], [1]], [1, 9])))
        [1 4 4]
    """
    return _scatter_tensor("TensorScatterMin", tensor, indices, updates, name)


def tensor_scatter_nd_max(tensor, indices, updates, name=None) -> Tensor:
    """A copy of ``tensor`` holding the larger of its value and ``updates`` at the
    coordinates in the last dimension of ``indices``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.tensor_scatter_nd_max([4, 4, 4], [[0], [1]], [1, 9])))
        [4 9 4]
    """
    return _scatter_tensor("TensorScatterMax", tensor, indices, updates, name)


#: TF1's older names of the same functions.
tensor_scatter_update = tensor_scatter_nd_update
tensor_scatter_add = tensor_scatter_nd_add
tensor_scatter_sub = tensor_scatter_nd_sub
