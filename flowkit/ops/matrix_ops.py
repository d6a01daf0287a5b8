"""Matrix products: matmul (and the ``@`` operator) and tensordot."""
from __future__ import annotations

import numbers

from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import (broadcast_shape, constant_value, convert_pair, make_tensor,
                              op_scope)
from flowkit.ops.join_ops import stack, unstack
from flowkit.ops.math_ops import check_kind, check_same_dtype, reduce_prod, unbroadcast
from flowkit.ops.shape_ops import reshape, shape, transpose

__all__ = ["matmul", "tensordot"]


def _matmul_shape(inputs, attrs):
    a, b = inputs
    check_same_dtype("MatMul", a, b)
    check_kind(a, "number", "a")
    ta, tb = attrs["transpose_a"], attrs["transpose_b"]
    if a.shape.ndims is None or b.shape.ndims is None:
        return [(a.dtype, TensorShape(None))]
    if a.shape.ndims < 2 or b.shape.ndims < 2:
        raise ValueError(f"Shape must be rank 2 but is rank "
                         f"{min(a.shape.ndims, b.shape.ndims)}")
    da, db = a.shape.as_tuple(), b.shape.as_tuple()
    m, k1 = (da[-1], da[-2]) if ta else (da[-2], da[-1])
    k2, n = (db[-1], db[-2]) if tb else (db[-2], db[-1])
    if k1 is not None and k2 is not None and k1 != k2:
        raise ValueError(f"Dimensions must be equal, but are {k1} and {k2}")
    batch = broadcast_shape(TensorShape(da[:-2]), TensorShape(db[:-2]))
    return [(a.dtype, batch.concatenate([m, n]))]


def _matmul_grad(op, g):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        ga, gb = matmul(g, b, transpose_b=True), matmul(a, g, transpose_a=True)
    elif not ta and tb:
        ga, gb = matmul(g, b), matmul(g, a, transpose_a=True)
    elif ta and not tb:
        ga, gb = matmul(b, g, transpose_b=True), matmul(a, g)
    else:
        ga, gb = matmul(b, g, transpose_a=True, transpose_b=True), \
            matmul(g, a, transpose_a=True, transpose_b=True)
    if a.shape.ndims != 2 or b.shape.ndims != 2:
        # Batched: sum the gradient over the batch dims an input was broadcast along.
        ga, gb = unbroadcast(ga, a), unbroadcast(gb, b)
    return [ga, gb]


register_op("MatMul", shape=_matmul_shape, grad=_matmul_grad)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False,
           a_is_sparse=False, b_is_sparse=False, name=None) -> Tensor:
    """Matrix product ``a @ b`` of rank-2 tensors, or batched over leading dimensions (which
    broadcast, as in NumPy).

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.matmul([[1.0, 2.0]], [[3.0], [4.0]])))
        [[11.]]
    """
    with op_scope(name, "MatMul", (a, b)) as scope:
        a, b = convert_pair(a, b)
        check_same_dtype("MatMul", a, b)
        attrs = {"transpose_a": bool(transpose_a or adjoint_a),
                 "transpose_b": bool(transpose_b or adjoint_b)}
        return make_tensor("MatMul", (a, b), attrs, scope)


def _tensordot_axes(axes, ra, rb):
    if isinstance(axes, numbers.Integral) or (isinstance(axes, Tensor)):
        n = int(constant_value(axes)) if isinstance(axes, Tensor) else int(axes)
        if n < 0 or n > min(ra, rb):
            raise ValueError(f"'axes' must be at most the rank of both inputs and >= 0; got "
                             f"{n} for ranks {ra} and {rb}")
        return list(range(ra - n, ra)), list(range(n))
    if len(axes) != 2:
        raise ValueError(f"'axes' must be an int or a pair of axis lists; got {axes!r}")
    a_axes, b_axes = ([int(i)] if isinstance(i, numbers.Integral) else [int(j) for j in i]
                      for i in axes)
    if len(a_axes) != len(b_axes):
        raise ValueError(f"Different number of contraction axes 'a' and 'b', {len(a_axes)} != "
                         f"{len(b_axes)}.")
    return [i % ra for i in a_axes], [i % rb for i in b_axes]


def _dims_product(static, dynamic):
    """The product of some dims: an int when all are known, else an int32 scalar tensor."""
    if None not in static:
        n = 1
        for d in static:
            n *= d
        return n
    return reduce_prod(stack(dynamic))


def tensordot(a, b, axes, name=None) -> Tensor:
    """Sums products of ``a`` and ``b`` over the given axes (``axes=1`` is a matrix product;
    an int ``n`` pairs the last ``n`` axes of ``a`` with the first ``n`` of ``b``).

    Built as TF1 builds it: a reshape of each input to a matrix, a ``MatMul``, a reshape back.
    The ranks of ``a`` and ``b`` must be known.

    Example:
        >>> import flowkit as tf
        >>> a, b = tf.ones([2, 3, 4]), tf.ones([4, 5])
        >>> tf.tensordot(a, b, 1).shape.as_list()
        [2, 3, 5]
    """
    with op_scope(name, "Tensordot", (a, b)) as scope:
        a, b = convert_pair(a, b)
        check_same_dtype("Tensordot", a, b)
        ra, rb = a.shape.ndims, b.shape.ndims
        if ra is None or rb is None:
            raise ValueError("tensordot needs inputs of known rank")
        a_axes, b_axes = _tensordot_axes(axes, ra, rb)
        free_a = [i for i in range(ra) if i not in a_axes]
        free_b = [i for i in range(rb) if i not in b_axes]
        da, db = a.shape.as_tuple(), b.shape.as_tuple()
        for i, j in zip(a_axes, b_axes):
            if da[i] is not None and db[j] is not None and da[i] != db[j]:
                raise ValueError(f"Dimensions must be equal, but are {da[i]} and {db[j]} for "
                                 f"tensordot of shapes {a.shape} and {b.shape}")
        known = (a.shape.is_fully_defined() and b.shape.is_fully_defined())
        sa = None if known else unstack(shape(a), num=ra)
        sb = None if known else unstack(shape(b), num=rb)
        if free_a + a_axes != list(range(ra)):      # contracted axes last in a...
            a = transpose(a, free_a + a_axes)
        if b_axes + free_b != list(range(rb)):      # ...and first in b
            b = transpose(b, b_axes + free_b)

        def pick(static, dynamic, idx):
            return [static[i] for i in idx], None if dynamic is None else [dynamic[i] for i in idx]
        m = _dims_product(*pick(da, sa, free_a))
        k = _dims_product(*pick(da, sa, a_axes))
        n = _dims_product(*pick(db, sb, free_b))
        product = matmul(reshape(a, [m, k]), reshape(b, [k, n]))
        out_static = [da[i] for i in free_a] + [db[j] for j in free_b]
        if None in out_static:
            out_shape = [sa[i] for i in free_a] + [sb[j] for j in free_b]
        else:
            out_shape = out_static
        return reshape(product, out_shape, name=scope)


def _matmul_operator(self, other):
    return matmul(self, other, name="matmul")


def _rmatmul_operator(self, other):
    return matmul(other, self, name="matmul")


Tensor.__matmul__, Tensor.__rmatmul__ = _matmul_operator, _rmatmul_operator
