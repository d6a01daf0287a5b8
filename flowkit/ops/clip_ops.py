"""Clipping by norm: keep gradients (or any tensors) from growing too large.

- ``clip_by_norm(t, c)`` rescales ``t`` so its L2 norm is at most ``c``.
- ``global_norm(ts)`` is the L2 norm of all the tensors of a list taken together.
- ``clip_by_global_norm(ts, c)`` rescales the whole list by one factor, so that its global
  norm is at most ``c``; it returns ``(clipped list, global norm)``, the norm before
  clipping.

These are compositions of other ops, so their gradients come for free.

Example:
    >>> import flowkit as tf
    >>> a, b = tf.constant([3.0, 0.0]), tf.constant([0.0, 4.0])
    >>> clipped, norm = tf.clip_by_global_norm([a, b], 1.0)
    >>> with tf.Session() as sess:
    ...     print(sess.run(norm), sess.run(clipped[1]))
    5.0 [0.  0.8]
"""
from __future__ import annotations

from flowkit.framework.graph import Tensor, name_scope
from flowkit.ops import array_ops, math_ops
from flowkit.ops.core import convert_to_tensor
from flowkit.ops.indexing_ops import gathered_rows, with_rows

__all__ = ["clip_by_norm", "global_norm", "clip_by_global_norm", "clip_by_average_norm"]


def clip_by_norm(t, clip_norm, axes=None, name=None) -> Tensor:
    """``t * clip_norm / max(l2norm(t), clip_norm)``: ``t`` unchanged when its L2 norm (over
    ``axes``, default all) is at most ``clip_norm``, else scaled down to that norm.

    The gradient is finite even where ``t`` is all zeros.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.clip_by_norm([3.0, 4.0], 1.0)))
        ...     print(sess.run(tf.clip_by_norm([0.3, 0.4], 1.0)))
        [0.6 0.8]
        [0.3 0.4]
    """
    with name_scope(name, "clip_by_norm", [t, clip_norm]) as scope:
        t = convert_to_tensor(t, name="t")
        clip_norm = convert_to_tensor(clip_norm, dtype=t.dtype, name="clip_norm")
        # An embedding's gradient: the norm of its rows as gathered, as TF's IndexedSlices
        # (see gathered_rows); the result stays rows.
        rows = gathered_rows(t) if axes is None else None
        v = t if rows is None else rows[0]
        l2sum = math_ops.reduce_sum(v * v, axes, keepdims=True)
        positive = math_ops.greater(l2sum, 0.0)
        # sqrt's gradient at 0 is infinite: take the root of 1 there, then select 0.
        safe = array_ops.where(positive, l2sum, array_ops.ones_like(l2sum))
        l2norm = array_ops.where(positive, math_ops.sqrt(safe), l2sum)
        clipped = v * clip_norm / math_ops.maximum(l2norm, clip_norm)
        if rows is not None:
            clipped = with_rows(rows, clipped)
        return array_ops.identity(clipped, name=scope)


def global_norm(t_list, name=None) -> Tensor:
    """``sqrt(sum of sum(t ** 2) for t in t_list)``; ``None`` entries are ignored.

    Raises:
        TypeError: ``t_list`` is a single tensor rather than a list.

    Example:
        >>> import flowkit as tf
        >>> norm = tf.global_norm([tf.constant([3.0]), tf.constant([[4.0]])])
        >>> with tf.Session() as sess:
        ...     print(sess.run(norm))
        5.0
    """
    if isinstance(t_list, Tensor) or not isinstance(t_list, (list, tuple)):
        raise TypeError("t_list should be a sequence")
    with name_scope(name, "global_norm", [t for t in t_list if t is not None]):
        tensors = [convert_to_tensor(t, name=f"t_{i}") for i, t in enumerate(t_list)
                   if t is not None]
        if not tensors:
            raise ValueError("global_norm needs at least one tensor that is not None")
        squares = []
        for t in tensors:
            rows = gathered_rows(t)
            v = t if rows is None else rows[0]
            squares.append(math_ops.reduce_sum(v * v))
        total = math_ops.add_n(squares) if len(squares) > 1 else squares[0]
        return math_ops.sqrt(total, name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor of ``t_list`` by ``clip_norm / max(global_norm, clip_norm)``.

    Returns:
        ``(list_clipped, global_norm)``: the clipped tensors (``None`` stays ``None``) and
        the global norm before clipping (``use_norm`` if given). If the norm is infinite or
        NaN, every clipped entry is NaN, as in TF1.

    Raises:
        TypeError: ``t_list`` is not a sequence.

    Example:
        >>> import flowkit as tf
        >>> ts = [tf.constant([6.0]), None, tf.constant([8.0])]
        >>> clipped, norm = tf.clip_by_global_norm(ts, 5.0)
        >>> with tf.Session() as sess:
        ...     print(sess.run(norm), sess.run(clipped[0]), clipped[1], sess.run(clipped[2]))
        10.0 [3.] None [4.]
    """
    if isinstance(t_list, Tensor) or not isinstance(t_list, (list, tuple)):
        raise TypeError("t_list should be a sequence")
    t_list = list(t_list)
    norm = global_norm(t_list, name) if use_norm is None else convert_to_tensor(use_norm)
    with name_scope(name, "clip_by_global_norm",
                    [t for t in t_list if t is not None] + [clip_norm]) as scope:
        clip_norm = convert_to_tensor(clip_norm, dtype=norm.dtype, name="clip_norm")
        one = convert_to_tensor(1.0, dtype=norm.dtype, name="one")
        scale = clip_norm * math_ops.minimum(one / norm, one / clip_norm)
        # Adding (norm - norm) turns the scale into NaN when the norm is inf or NaN.
        scale = scale + (norm - norm)
        out = []
        for i, t in enumerate(t_list):
            if t is None:
                out.append(None)
                continue
            t = convert_to_tensor(t, name=f"t_{i}")
            s = scale if t.dtype is scale.dtype else array_ops.cast(scale, t.dtype)
            rows = gathered_rows(t)
            if rows is not None:        # stays rows: scale the rows, as TF's IndexedSlices
                scaled = with_rows(rows, rows[0] * s)
            else:
                scaled = t * s
            out.append(array_ops.identity(scaled, name=f"{scope}_{i}"))
        return out, norm


def clip_by_average_norm(t, clip_norm, name=None) -> Tensor:
    """``t * clip_norm / max(l2norm(t) / size(t), clip_norm)``.

    Example:
        >>> import flowkit as tf
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.clip_by_average_norm([3.0, 4.0], 1.0)))
        [1.2 1.6]
    """
    with name_scope(name, "clip_by_average_norm", [t, clip_norm]) as scope:
        t = convert_to_tensor(t, name="t")
        clip_norm = convert_to_tensor(clip_norm, dtype=t.dtype, name="clip_norm")
        n = array_ops.cast(array_ops.size(t), t.dtype)
        l2norm_inv = math_ops.rsqrt(math_ops.reduce_sum(t * t))
        scale = clip_norm * math_ops.minimum(l2norm_inv * n, 1.0 / clip_norm)
        return array_ops.identity(t * scale, name=scope)
