"""Connectionist temporal classification (CTC) with dense labels: ``tf.nn.ctc_loss_v2`` and
``tf.nn.ctc_unique_labels``.

Both are compositions of existing ops, so they need no kernel and their gradients come from
the gradients of those ops. The loss runs the CTC forward ("alpha") recursion of Graves et
al. (2006) in log space as a :func:`~flowkit.rnn.foldl` over the frames (one ``While`` op), which
is why this module lives above :mod:`flowkit.ops`, with the loops.

The recursion, per example with labels ``l_1 .. l_L``: the *extended* sequence puts a blank
before, between and after the labels (``2L + 1`` states: state ``2k`` is a blank, state
``2k + 1`` is ``l_{k+1}``). ``alpha_t(s)`` is the log-probability of all the paths over frames
``0..t`` that end in state ``s``; state ``s`` is entered from ``s`` (stay), ``s - 1`` (advance)
or ``s - 2`` (skip a blank, only into a label that differs from the label two states back).
The loss is ``-log(exp(alpha_{T-1}(2L)) + exp(alpha_{T-1}(2L - 1)))``. Frames at and after
an example's ``logit_length`` leave its alphas unchanged; labels at and after its
``label_length`` are padding.

"Probability zero" is a large negative finite number inside the recursion (so that no
``inf - inf`` reaches a gradient); an example that no alignment can explain (more labels, with
the blanks that repeated labels need between them, than frames) gets loss ``+inf`` and a zero
gradient. (TF's dense implementation answers such examples with a large finite number, about
700, and a nonzero gradient; its ``SparseTensor`` kernel answers ``+inf``. TF's dense form
also counts the all-blank path twice when the labels have width 0, a loss ``log 2`` too small;
here the loss of an empty label sequence does not depend on the padded width.)

Example:
    >>> import numpy as np
    >>> import flowkit as tf
    >>> from flowkit.rnn.ctc import ctc_loss_v2, ctc_unique_labels
    >>> logits = tf.zeros([4, 1, 3])          # 4 frames, 1 example, blank + 2 classes
    >>> loss = ctc_loss_v2([[1, 2]], logits, label_length=[2], logit_length=[4])
    >>> grad = tf.gradients(loss, logits)[0]
    >>> with tf.Session() as sess:
    ...     l, g = sess.run([loss, grad])
    >>> print(np.round(l, 4), g.shape)        # -log(15 paths / 3 ** 4)
    [1.6864] (4, 1, 3)
    >>> with tf.Session() as sess:
    ...     print(sess.run(ctc_unique_labels([[3, 4, 4, 3]])))
    (array([[3, 4, 0, 0]]), array([[0, 1, 1, 0]], dtype=int32))
"""
from __future__ import annotations

import numbers

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.ops.array_more_ops import batch_gather
from flowkit.ops.constant_ops import range as _range
from flowkit.ops.constant_ops import zeros_like
from flowkit.ops.core import convert_to_tensor, op_scope
from flowkit.ops.indexing_ops import one_hot, pad, sequence_mask, where_v2
from flowkit.ops.join_ops import stack
from flowkit.ops.math_ops import (cumsum, equal, less, logical_and, logical_not, logical_or,
                                  maximum, not_equal, reduce_any, reduce_min, reduce_sum)
from flowkit.ops.nn_ops import log_softmax
from flowkit.ops.shape_ops import cast, expand_dims, reshape, shape, transpose
from flowkit.ops.special_math_ops import reduce_logsumexp
from flowkit.rnn.functional import foldl

__all__ = ["ctc_loss_v2", "ctc_unique_labels"]

#: "log 0" inside the recursion: far below any reachable log-probability, yet finite.
_LOG_ZERO = -1e30


def _is_sparse(value) -> bool:
    return all(hasattr(value, a) for a in ("indices", "values", "dense_shape"))


def _int_tensor(value, what, rank, fn):
    if value is None:
        raise ValueError(f"{fn}: {what} is required with dense labels (flowkit has no "
                         "SparseTensor; pass a [batch] vector of lengths)")
    if _is_sparse(value):
        raise TypeError(f"{fn}: {what} must be a dense integer tensor; got a SparseTensor "
                        "(flowkit's tensors are dense: pad the labels with 0 to "
                        "[batch_size, max_label_length] and pass label_length)")
    t = convert_to_tensor(value, name=what)
    if not t.dtype.is_integer:
        raise TypeError(f"{fn}: {what} must be int32 or int64; got {t.dtype.name} "
                        f"({t.name})")
    if t.shape.ndims is not None and t.shape.ndims != rank:
        raise ValueError(f"{fn}: {what} must have rank {rank}; got shape {t.shape} "
                         f"({t.name})")
    return t


def _same_batch(fn, batch, *tensors):
    for what, t in tensors:
        b = t.shape.as_list()[0] if t.shape.ndims else None
        if batch is not None and b is not None and b != batch:
            raise ValueError(f"{fn}: {what} has batch size {b} (shape {t.shape}) but the "
                             f"logits have batch size {batch}")


def _blank(blank_index, num_classes, n_static):
    if blank_index is None:
        return 0
    if isinstance(blank_index, bool) or not isinstance(blank_index, numbers.Integral):
        raise TypeError(f"ctc_loss_v2: blank_index must be a Python int; got "
                        f"{type(blank_index).__name__} {blank_index!r}")
    b = int(blank_index)
    if n_static is not None and not -n_static <= b < n_static:
        raise ValueError(f"ctc_loss_v2: blank_index {b} is out of range for {n_static} "
                         "classes")
    if b >= 0:
        return b
    return b + n_static if n_static is not None else num_classes + b


def _check_unique(unique):
    if unique is None:
        return
    if not isinstance(unique, (tuple, list)) or len(unique) != 2:
        raise TypeError("ctc_loss_v2: unique must be the (unique_labels, unique_idx) pair "
                        f"that ctc_unique_labels returns; got {type(unique).__name__}")


def _extended(labels, label_length, blank):
    """The label sequences with blanks interleaved, ``[batch, 2 * max_label_length + 1]``
    (labels past an example's length are replaced by blanks), and where skipping the blank
    before a state is allowed."""
    width = shape(labels)[1]
    labels = where_v2(sequence_mask(label_length, width), labels, zeros_like(labels) + blank)
    pairs = reshape(stack([zeros_like(labels), labels], axis=2), [shape(labels)[0], 2 * width])
    ext = pad(pairs, [[0, 0], [0, 1]])
    states = _range(2 * width + 1)
    ext = where_v2(equal(states % 2, 1), ext, zeros_like(ext) + blank)
    # A label state may be entered from two states back unless that state holds the same
    # label (blank states never skip: the state two back of a blank is a label or nothing).
    before = pad(ext, [[0, 0], [2, 0]])[:, :-2]
    skip = logical_and(logical_and(not_equal(ext, blank), not_equal(ext, before)),
                       expand_dims(states >= 2, 0))
    return ext, skip


def _step(skip, log_zero):
    def fn(alpha, frame):
        emit, live = frame
        stay = alpha
        advance = pad(alpha, [[0, 0], [1, 0]], constant_values=_LOG_ZERO)[:, :-1]
        jump = pad(alpha, [[0, 0], [2, 0]], constant_values=_LOG_ZERO)[:, :-2]
        jump = where_v2(skip, jump, log_zero)
        new = reduce_logsumexp(stack([stay, advance, jump], axis=0), axis=0) + emit
        new = maximum(new, log_zero)
        return where_v2(expand_dims(live, 1), new, alpha)
    return fn


def ctc_loss_v2(labels, logits, label_length, logit_length, logits_time_major=True,
                unique=None, blank_index=None, name=None) -> Tensor:
    """The CTC loss (Graves et al., 2006) of dense, zero-padded labels: the negative
    log-probability of each example's label sequence, summed over all its alignments to the
    frames.

    TF1's "classic" CTC with ``preprocess_collapse_repeated=False`` and
    ``ctc_merge_repeated=True``: repeated labels need a blank between them. Softmax is applied
    to ``logits`` over the classes.

    Args:
        labels: ``int32``/``int64`` ``[batch_size, max_label_length]``, padded (flowkit has no
            ``SparseTensor``: pad the label sequences and pass ``label_length``).
        logits: float ``[frames, batch_size, num_classes]`` (``[batch_size, frames,
            num_classes]`` when ``logits_time_major`` is False), unnormalized.
        label_length: ``[batch_size]``, the number of labels of each example.
        logit_length: ``[batch_size]``, the number of frames of each example (frames after it
            are ignored and get zero gradient).
        logits_time_major: the layout of ``logits`` (default: time first).
        unique: the pair ``ctc_unique_labels(labels)`` returns; accepted for TF's signature
            (it speeds TF up on TPUs); the result does not depend on it.
        blank_index: the class of the blank (default 0; negative counts from
            ``num_classes``, so -1 is TF1 ``ctc_loss``'s last class).
        name: the name scope (default ``"ctc_loss_dense"``).

    Returns:
        ``[batch_size]`` losses, the dtype of ``logits``; ``+inf`` (with zero gradient) for an
        example that no alignment can explain.

    Raises:
        TypeError: labels that are not integers (or a ``SparseTensor``), logits that are not
            floating point, a ``blank_index`` that is not an int.
        ValueError: wrong ranks, no ``label_length``, batch sizes that disagree.

    Example:
        >>> import numpy as np
        >>> import flowkit as tf
        >>> from flowkit.rnn.ctc import ctc_loss_v2
        >>> logits = tf.placeholder(tf.float32, [None, 2, 4])   # [frames, batch, classes]
        >>> labels = [[1, 1, 3], [2, 0, 0]]                     # padded with 0
        >>> loss = ctc_loss_v2(labels, logits, label_length=[3, 1], logit_length=[5, 2])
        >>> train_grad = tf.gradients(tf.reduce_mean(loss), logits)[0]
        >>> with tf.Session() as sess:
        ...     l, g = sess.run([loss, train_grad], {logits: np.zeros([6, 2, 4])})
        >>> print(np.round(l, 3), np.abs(g[2:, 1]).max())  # frames after 2 have no gradient
        [4.986 1.674] 0.0
    """
    fn = "ctc_loss_v2"
    with op_scope(name, "ctc_loss_dense", [labels, logits, label_length, logit_length]):
        labels = _int_tensor(labels, "labels", 2, fn)
        label_length = _int_tensor(label_length, "label_length", 1, fn)
        logit_length = _int_tensor(logit_length, "logit_length", 1, fn)
        logits = convert_to_tensor(logits, name="logits")
        if not logits.dtype.is_floating:
            raise TypeError(f"{fn}: logits must be floating point; got {logits.dtype.name} "
                            f"({logits.name})")
        if logits.shape.ndims is not None and logits.shape.ndims != 3:
            raise ValueError(f"{fn}: logits must have rank 3 ([frames, batch, classes] or "
                             f"[batch, frames, classes]); got shape {logits.shape}")
        _check_unique(unique)
        if not logits_time_major:
            logits = transpose(logits, [1, 0, 2])
        dims = logits.shape.as_list() if logits.shape.ndims else [None] * 3
        batch, n_static = dims[1], dims[2]
        _same_batch(fn, batch, ("labels", labels), ("label_length", label_length),
                    ("logit_length", logit_length))
        blank = _blank(blank_index, shape(logits)[2], n_static)

        out_dtype = logits.dtype
        work = dtypes.float64 if out_dtype == dtypes.float64 else dtypes.float32
        logp = log_softmax(cast(logits, work) if work != out_dtype else logits, axis=2)
        labels, label_length = cast(labels, dtypes.int32), cast(label_length, dtypes.int32)
        logit_length = cast(logit_length, dtypes.int32)
        if not isinstance(blank, int):
            blank = cast(blank, dtypes.int32)

        ext, skip = _extended(labels, label_length, blank)
        n_states = shape(ext)[1]
        # emit[t, b, s] = logp[t, b, ext[b, s]]
        emit = transpose(batch_gather(transpose(logp, [1, 2, 0]), ext), [2, 0, 1])
        live = transpose(sequence_mask(logit_length, shape(logp)[0]), [1, 0])
        log_zero = convert_to_tensor(_LOG_ZERO, dtype=work, name="log_zero")
        start = one_hot(zeros_like(label_length), n_states, on_value=0.0,
                        off_value=_LOG_ZERO, dtype=work)
        alpha = foldl(_step(skip, log_zero), (emit, live), initializer=start, name="alpha")

        states = expand_dims(_range(n_states), 0)
        last = expand_dims(2 * label_length, 1)
        end = logical_or(equal(states, last), equal(states, last - 1))
        loglik = reduce_logsumexp(where_v2(end, alpha, log_zero), axis=1)
        impossible = less(loglik, _LOG_ZERO / 2)
        loss = where_v2(impossible, convert_to_tensor(float("inf"), dtype=work), -loglik)
        return cast(loss, out_dtype) if work != out_dtype else loss


def ctc_unique_labels(labels, name=None):
    """The distinct labels of each row, in the order of their first occurrence and padded
    with 0, and for each label the position of its value among them.

    As TF, every entry of the row counts, padding included (a row ``[5, 0, 5, 0]`` has the
    distinct values ``5, 0``).

    Args:
        labels: ``int32``/``int64`` ``[batch_size, max_label_length]``.
        name: the name scope (default ``"ctc_unique_labels"``).

    Returns:
        ``(unique_labels, unique_idx)``: ``int64`` and ``int32``, both ``[batch_size,
        max_label_length]``, with ``labels[b, j] == unique_labels[b, unique_idx[b, j]]``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.rnn.ctc import ctc_unique_labels
        >>> u, idx = ctc_unique_labels([[7, 2, 7, 0, 0]])
        >>> with tf.Session() as sess:
        ...     print(*sess.run([u, idx]))
        [[7 2 0 0 0]] [[0 1 0 2 2]]
    """
    with op_scope(name, "ctc_unique_labels", [labels]):
        x = _int_tensor(labels, "labels", 2, "ctc_unique_labels")
        width = shape(x)[1]
        pos = _range(width)
        # same[b, i, j]: entry i equals entry j; earlier[i, j]: i < j.
        same = equal(expand_dims(x, 2), expand_dims(x, 1))
        earlier = less(expand_dims(pos, 1), expand_dims(pos, 0))
        first = logical_not(reduce_any(logical_and(same, earlier), axis=1))
        rank = cumsum(cast(first, dtypes.int32), axis=1) - 1
        # where each value first occurs, then its rank among the first occurrences
        big = zeros_like(cast(same, dtypes.int32)) + width
        first_at = reduce_min(where_v2(same, expand_dims(expand_dims(pos, 0), 2), big), axis=1)
        idx = batch_gather(rank, first_at)
        # unique[b, k] = the value whose first occurrence has rank k (0 where none has)
        slot = logical_and(expand_dims(first, 2),
                           equal(expand_dims(rank, 2), expand_dims(expand_dims(pos, 0), 1)))
        values = cast(expand_dims(x, 2), dtypes.int64)
        unique = reduce_sum(where_v2(slot, values, zeros_like(values)), axis=1)
        return unique, idx
