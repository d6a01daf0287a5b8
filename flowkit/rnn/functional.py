"""``tf.scan``, ``tf.map_fn``, ``tf.foldl`` and ``tf.foldr``: ``while_loop`` over the first
axis of ``elems`` (a tensor or a nested structure of tensors), reading each element from a
``TensorArray`` and, for ``scan`` and ``map_fn``, writing each result to another, as TF1
builds them; so they have gradients with respect to ``elems``, the initializer and the
tensors and variables ``fn`` reads.
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import get_default_graph
from flowkit.ops import array_ops
from flowkit.ops.core import convert_to_tensor
from flowkit.rnn import nest
from flowkit.rnn.tensor_array import TensorArray
from flowkit.rnn.while_ops import while_loop

__all__ = ["scan", "map_fn", "foldl", "foldr"]


def _elems(elems):
    flat = [convert_to_tensor(e, name="elem") for e in nest.flatten(elems)]
    if not flat:
        raise ValueError("elems must not be empty")
    for e in flat:
        if e.shape.ndims == 0:
            raise ValueError("Elements in elems must be 1+ dimensional Tensors, not scalars")
    first = flat[0]
    n = first.shape.as_tuple()[0] if first.shape.ndims and \
        first.shape.as_tuple()[0] is not None else array_ops.shape(first)[0]
    tas = [TensorArray(e.dtype, size=n, element_shape=e.shape.as_tuple()[1:] if
                       e.shape.ndims else None, clear_after_read=False,
                       name=f"elems_ta_{i}").unstack(e) for i, e in enumerate(flat)]
    return flat, n, tas


def _first(elems, flat, i):
    """Element ``i`` read from the tensors themselves (not from the arrays the loop reads:
    one use per array flow, so its gradient needs no sum of arrays)."""
    return nest.pack_sequence_as(elems, [array_ops.gather(e, i) for e in flat])


def _read(elems, tas, i):
    return nest.pack_sequence_as(elems, [ta.read(i) for ta in tas])


def _fold(fn, elems, initializer, reverse, parallel_iterations, back_prop, swap_memory,
          name, what):
    if not callable(fn):
        raise TypeError("fn must be callable.")
    with get_default_graph().name_scope(name or what):
        flat, n, tas = _elems(elems)
        last = n - 1
        if initializer is None:
            a = _first(elems, flat, last if reverse else 0)
            i = convert_to_tensor(last - 1 if reverse else 1, dtype=dtypes.int32)
        else:
            a = nest.map_structure(convert_to_tensor, initializer)
            i = convert_to_tensor(last if reverse else 0, dtype=dtypes.int32)

        def cond(i, a):
            return i >= 0 if reverse else i < n

        def body(i, a):
            a = fn(a, _read(elems, tas, i))
            return (i - 1 if reverse else i + 1), a

        _, result = while_loop(cond, body, (i, a), parallel_iterations=parallel_iterations,
                               back_prop=back_prop, swap_memory=swap_memory)
        return result


def foldl(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """``fn(...fn(fn(initializer, elems[0]), elems[1])..., elems[n-1])`` (without an
    initializer, ``elems[0]`` starts and the fold runs over the rest).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.rnn import foldl
        >>> with tf.Session() as sess:
        ...     print(sess.run(foldl(lambda a, x: a + x, tf.constant([1, 2, 3, 4]))))
        10
    """
    return _fold(fn, elems, initializer, False, parallel_iterations, back_prop, swap_memory,
                 name, "foldl")


def foldr(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
          swap_memory=False, name=None):
    """``foldl`` from the last element to the first.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.foldr(lambda acc, x: acc * 10 + x, tf.constant([1, 2, 3]))))
        321
    """
    return _fold(fn, elems, initializer, True, parallel_iterations, back_prop, swap_memory,
                 name, "foldr")


def scan(fn, elems, initializer=None, parallel_iterations=10, back_prop=True,
         swap_memory=False, infer_shape=True, reverse=False, name=None):
    """The running results of ``a = fn(a, x)`` over the elements ``x`` of ``elems``,
    stacked (without an initializer, the first element starts and is the first result).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.rnn import scan
        >>> with tf.Session() as sess:
        ...     print(sess.run(scan(lambda a, x: a + x, tf.constant([1, 2, 3, 4]))))
        [ 1  3  6 10]
    """
    if not callable(fn):
        raise TypeError("fn must be callable.")
    with get_default_graph().name_scope(name or "scan"):
        flat, n, tas = _elems(elems)
        last = n - 1
        if initializer is None:
            a = _first(elems, flat, last if reverse else 0)
            i = convert_to_tensor(last - 1 if reverse else 1, dtype=dtypes.int32)
        else:
            a = nest.map_structure(convert_to_tensor, initializer)
            i = convert_to_tensor(last if reverse else 0, dtype=dtypes.int32)
        flat_a = nest.flatten(a)
        accs = [TensorArray(x.dtype, size=n, element_shape=x.shape if infer_shape else None,
                            infer_shape=infer_shape, name=f"accs_ta_{k}")
                for k, x in enumerate(flat_a)]
        if initializer is None:
            accs = [ta.write(last if reverse else 0, x) for ta, x in zip(accs, flat_a)]

        def cond(i, a, accs):
            return i >= 0 if reverse else i < n

        def body(i, a, accs):
            new = fn(a, _read(elems, tas, i))
            nest.assert_same_structure(a, new)
            flat_new = [convert_to_tensor(x) for x in nest.flatten(new)]
            accs = [ta.write(i, x) for ta, x in zip(accs, flat_new)]
            return (i - 1 if reverse else i + 1), nest.pack_sequence_as(a, flat_new), accs

        _, _, accs = while_loop(cond, body, (i, a, accs),
                                parallel_iterations=parallel_iterations, back_prop=back_prop,
                                swap_memory=swap_memory)
        return nest.pack_sequence_as(a, [ta.stack() for ta in accs])


def map_fn(fn, elems, dtype=None, parallel_iterations=None, back_prop=True,
           swap_memory=False, infer_shape=True, name=None):
    """``fn`` applied to each element of ``elems`` (along axis 0), the results stacked.
    ``dtype`` (a dtype or structure of dtypes) is needed when ``fn``'s results differ in
    structure or dtype from ``elems``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.rnn import map_fn
        >>> with tf.Session() as sess:
        ...     print(sess.run(map_fn(lambda x: x * x, tf.constant([1.0, 2.0, 3.0]))))
        [1. 4. 9.]
    """
    if not callable(fn):
        raise TypeError("fn must be callable.")
    with get_default_graph().name_scope(name or "map"):
        flat, n, tas = _elems(elems)
        out_struct = elems if dtype is None else dtype
        out_dtypes = [e.dtype for e in flat] if dtype is None else \
            [dtypes.as_dtype(d) for d in nest.flatten(dtype)]
        accs = [TensorArray(dt, size=n, infer_shape=infer_shape, name=f"result_{k}")
                for k, dt in enumerate(out_dtypes)]
        i = convert_to_tensor(0, dtype=dtypes.int32)

        def body(i, accs):
            out = fn(_read(elems, tas, i))
            flat_out = nest.flatten(out)
            if len(flat_out) != len(accs):
                raise ValueError("The result of fn does not match the structure of dtype (or "
                                 "of elems when dtype is not given): pass dtype=.")
            accs = [ta.write(i, x) for ta, x in zip(accs, flat_out)]
            return i + 1, accs

        _, accs = while_loop(lambda i, accs: i < n, body, (i, accs),
                             parallel_iterations=parallel_iterations or 10,
                             back_prop=back_prop, swap_memory=swap_memory)
        return nest.pack_sequence_as(out_struct, [ta.stack() for ta in accs])
