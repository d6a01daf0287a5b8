"""Candidate samplers and the sampled losses built on them (TF1's ``nn.nce_loss``,
``nn.sampled_softmax_loss``).

A candidate sampler draws ``num_sampled`` classes of ``[0, range_max)`` from a base
distribution ``P`` (log-uniform, uniform, a fixed unigram table, or a unigram table learned
from the true classes seen so far) and returns ``(sampled_candidates, true_expected_count,
sampled_expected_count)``: the expected number of times each true and each sampled class
occurs in a draw of ``num_sampled`` classes (the ``Q(y|x)`` of the sampled losses).

* ``unique=False``: classes are drawn independently, the expected count of a class ``k`` is
  ``num_sampled * P(k)``;
* ``unique=True``: draws repeat until ``num_sampled`` distinct classes are found after
  ``num_tries`` draws; the expected count is ``1 - (1 - P(k)) ** num_tries`` (or
  ``num_sampled * P(k)`` when no draw was rejected), as TF computes it.

Each sampler is one random op (seeded by the graph and op seeds like every random op, see
:mod:`flowkit.ops.random_ops`) whose kernels return the candidates and the number of draws;
the expected counts are computed from them here, with ordinary ops, for every backend alike.
The numbers differ from TF's (another generator); the distributions are the same.

Example:
    >>> import flowkit as tf
    >>> classes = tf.constant([[0], [3]], dtype=tf.int64)
    >>> cands, true_ec, sampled_ec = tf.nn.log_uniform_candidate_sampler(
    ...     classes, num_true=1, num_sampled=4, unique=True, range_max=10, seed=1)
    >>> with tf.Session() as sess:
    ...     c, t = sess.run([cands, true_ec])
    >>> len(set(c.tolist())), t.shape, bool(t[0, 0] > t[1, 0])
    (4, (2, 1), True)
"""
from __future__ import annotations

__all__ = ["log_uniform_candidate_sampler", "uniform_candidate_sampler",
           "fixed_unigram_candidate_sampler", "learned_unigram_candidate_sampler",
           "all_candidate_sampler", "compute_accidental_hits", "nce_loss",
           "sampled_softmax_loss"]

import collections
import numbers

import numpy as np

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops, math_ops, matrix_ops, nn_ops, special_math_ops
from flowkit.ops.core import constant, convert_to_tensor, make_op, op_scope
from flowkit.ops.random_ops import _seed_attrs

#: What every sampler returns (a namedtuple, so it unpacks into three tensors).
CandidateSamples = collections.namedtuple(
    "CandidateSamples", ["sampled_candidates", "true_expected_count", "sampled_expected_count"])
AccidentalHits = collections.namedtuple("AccidentalHits", ["indices", "ids", "weights"])

_FLOAT_MAX = float(np.finfo(np.float32).max)


# --------------------------------------------------------------------------------------------
# The sampler ops
# --------------------------------------------------------------------------------------------
def _sampler_shape(inputs, attrs):
    true = inputs[0]
    if true.dtype is not dtypes.int64:
        raise TypeError(f"true_classes must be int64, got {true.dtype.name} ({true.name})")
    if true.shape.ndims not in (None, 2):
        raise ValueError(f"true_classes must be a matrix [batch_size, num_true], got shape "
                         f"{true.shape} ({true.name})")
    if true.shape.ndims == 2 and true.shape[1] not in (None, attrs["num_true"]):
        raise ValueError(f"true_classes {true.name} has {true.shape[1]} columns but "
                         f"num_true={attrs['num_true']}")
    outs = [(dtypes.int64, TensorShape([attrs["num_sampled"]])),
            (dtypes.int64, TensorShape([]))]
    if "learned" in attrs:
        outs.append((dtypes.float64, TensorShape([attrs["range_max"]])))
    return outs


_SAMPLER_DOC = ("Draws attrs['num_sampled'] classes of [0, range_max) (distinct ones when "
                "attrs['unique']); outputs the classes (int64) and the number of draws it took "
                "(int64 scalar). Input 0: the true classes [batch, num_true], checked to lie "
                "in range.")
register_op("LogUniformCandidateSampler", shape=_sampler_shape, grad=None, needs_rng=True,
            doc=_SAMPLER_DOC + " P(k) = log((k + 2) / (k + 1)) / log(range_max + 1).")
register_op("UniformCandidateSampler", shape=_sampler_shape, grad=None, needs_rng=True,
            doc=_SAMPLER_DOC + " P(k) = 1 / range_max.")
register_op("FixedUnigramCandidateSampler", shape=_sampler_shape, grad=None, needs_rng=True,
            doc=_SAMPLER_DOC + " P(k) proportional to attrs['unigrams'][k].")
register_op("LearnedUnigramCandidateSampler", shape=_sampler_shape, grad=None, needs_rng=True,
            needs_state=True,
            doc=_SAMPLER_DOC + " P(k) proportional to a per-session count of class k, "
                "starting at 1 and incremented for each true class after each draw; output "
                "2 is the counts used for this draw (float64 [range_max]).")


def _int_attr(value, what, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{what} must be a Python int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{what} must be >= {minimum}, got {value}")
    return int(value)


def _true_classes(true_classes):
    if isinstance(true_classes, Tensor) or hasattr(true_classes, "_as_tensor"):
        return convert_to_tensor(true_classes, name="true_classes")
    return convert_to_tensor(true_classes, dtype=dtypes.int64, name="true_classes")


def _expected_count(p, num_tries, num_sampled, unique):
    """float32 expected counts of classes with probabilities ``p`` (float64)."""
    plain = p * float(num_sampled)
    if not unique:
        return math_ops.cast(plain, dtypes.float32)
    tries = math_ops.cast(num_tries, dtypes.float64)
    after_rejection = -special_math_ops.expm1(tries * math_ops.log1p(-p))
    exact = math_ops.cast(math_ops.equal(num_tries, np.int64(num_sampled)), dtypes.float64)
    return math_ops.cast(exact * plain + (1.0 - exact) * after_rejection, dtypes.float32)


def _sampler(op_type, prob, true_classes, num_true, num_sampled, unique, range_max, seed,
             name, extra=None):
    """Builds the sampler op ``op_type`` and the expected counts; ``prob(ids, op)`` gives the
    float64 probabilities of int64 ``ids`` under the base distribution."""
    num_true = _int_attr(num_true, "num_true", 1)
    num_sampled = _int_attr(num_sampled, "num_sampled", 1)
    range_max = _int_attr(range_max, "range_max", 1)
    if unique and num_sampled > range_max:
        raise ValueError(f"{op_type}: cannot draw num_sampled={num_sampled} distinct classes "
                         f"from range_max={range_max} (the sampler's range is too small); "
                         "use unique=False or a smaller num_sampled.")
    with op_scope(name, op_type, [true_classes]) as scope:
        true = _true_classes(true_classes)
        attrs = dict(_seed_attrs(seed), num_true=num_true, num_sampled=num_sampled,
                     unique=bool(unique), range_max=range_max, **(extra or {}))
        op = make_op(op_type, (true,), attrs, op_type)
        sampled, tries = op.outputs[0], op.outputs[1]
        true_ec = _expected_count(prob(true, op), tries, num_sampled, unique)
        sampled_ec = _expected_count(prob(sampled, op), tries, num_sampled, unique)
        return CandidateSamples(array_ops.identity(sampled, name="sampled_candidates"),
                                array_ops.identity(true_ec, name="true_expected_count"),
                                array_ops.identity(sampled_ec, name=scope))


def log_uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                  seed=None, name=None):
    """Samples classes from the log-uniform (Zipfian) distribution
    ``P(k) = (log(k + 2) - log(k + 1)) / log(range_max + 1)``, which suits classes sorted by
    decreasing frequency (word ids of a vocabulary sorted by count).

    Args:
        true_classes: int64 ``[batch_size, num_true]``, the target classes.
        num_true, num_sampled, range_max: Python ints.
        unique: draw ``num_sampled`` distinct classes (then ``num_sampled <= range_max``).
        seed: an op-level seed.

    Returns:
        ``(sampled_candidates, true_expected_count, sampled_expected_count)``: int64
        ``[num_sampled]``, float32 ``[batch_size, num_true]``, float32 ``[num_sampled]``.

    Example:
        >>> import flowkit as tf
        >>> s = tf.nn.log_uniform_candidate_sampler([[1]], 1, 3, False, 5, seed=2)
        >>> with tf.Session() as sess:
        ...     print(sess.run(s.true_expected_count).round(4))
        [[0.6789]]
    """
    log_range = float(np.log1p(range_max))

    def prob(ids, op):
        k = math_ops.cast(ids, dtypes.float64)
        return math_ops.log1p(1.0 / (k + 1.0)) / log_range
    return _sampler("LogUniformCandidateSampler", prob, true_classes, num_true, num_sampled,
                    unique, range_max, seed, name)


def uniform_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                              seed=None, name=None):
    """Samples classes uniformly from ``[0, range_max)``: ``P(k) = 1 / range_max``.

    Arguments and results as :func:`log_uniform_candidate_sampler`.

    Example:
        >>> import flowkit as tf
        >>> s = tf.nn.uniform_candidate_sampler([[1, 2]], 2, 4, False, 8, seed=2)
        >>> with tf.Session() as sess:
        ...     print(sess.run(s.true_expected_count))
        [[0.5 0.5]]
    """
    def prob(ids, op):
        return math_ops.cast(ids, dtypes.float64) * 0.0 + 1.0 / range_max
    return _sampler("UniformCandidateSampler", prob, true_classes, num_true, num_sampled,
                    unique, range_max, seed, name)


def _read_vocab_counts(vocab_file):
    """The last comma-separated field of each non-empty line of ``vocab_file``, as floats."""
    counts = []
    with open(vocab_file, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                counts.append(float(line.rsplit(",", 1)[-1]))
            except ValueError:
                raise ValueError(f"fixed_unigram_candidate_sampler: line {lineno} of "
                                 f"{vocab_file!r} does not end with a count: {line!r}"
                                 ) from None
    return counts


def fixed_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                    vocab_file="", distortion=1.0, num_reserved_ids=0,
                                    num_shards=1, shard=0, unigrams=(), seed=None, name=None):
    """Samples classes from a fixed unigram table: ``P(k)`` proportional to
    ``unigrams[k - num_reserved_ids] ** distortion`` (the first ``num_reserved_ids`` ids have
    probability 0).

    The counts come from ``unigrams`` (a list) or from ``vocab_file``, a text file whose lines
    each end with the count of one id (``word,count``), ids in order. With ``num_shards > 1``
    this sampler covers the reserved ids ``i`` with ``i % num_shards == shard``, then
    the counts ``j`` with ``(r + j) % num_shards == shard`` (``r``: the number of reserved
    ids kept; TF's numbering), renumbered ``0, 1, ...``. ``range_max`` must equal the number
    of ids covered (a ``ValueError`` otherwise). Other arguments and results as
    :func:`log_uniform_candidate_sampler`.

    Example:
        >>> import flowkit as tf
        >>> s = tf.nn.fixed_unigram_candidate_sampler([[0, 2]], 2, 4, False, 3,
        ...                                           unigrams=[1.0, 0.0, 3.0], seed=2)
        >>> with tf.Session() as sess:
        ...     print(sess.run(s.true_expected_count))
        [[1. 3.]]
    """
    if vocab_file and len(unigrams):
        raise ValueError("fixed_unigram_candidate_sampler: give either vocab_file or "
                         "unigrams, not both")
    counts = _read_vocab_counts(vocab_file) if vocab_file else [float(u) for u in unigrams]
    if not counts:
        raise ValueError("fixed_unigram_candidate_sampler needs the unigram counts: pass "
                         "unigrams=[...] or vocab_file=...")
    num_shards = _int_attr(num_shards, "num_shards", 1)
    shard = _int_attr(shard, "shard", 0)
    if shard >= num_shards:
        raise ValueError(f"fixed_unigram_candidate_sampler: shard={shard} must be < "
                         f"num_shards={num_shards}")
    counts = np.asarray(counts, np.float64)
    if (counts < 0).any() or not np.isfinite(counts).all():
        raise ValueError("fixed_unigram_candidate_sampler: the unigram counts must be finite "
                         "and >= 0")
    # The shard keeps the reserved ids i with i % num_shards == shard, then numbers the
    # counts from the number of reserved ids it kept (TF's numbering).
    reserved = len(range(shard, _int_attr(num_reserved_ids, "num_reserved_ids", 0),
                         num_shards))
    kept = counts[(reserved + np.arange(counts.size)) % num_shards == shard]
    weights = np.concatenate([np.zeros(reserved), kept ** float(distortion)])
    weights[reserved:][kept == 0] = 0.0          # 0 ** 0 is still probability 0
    if weights.size != range_max:
        raise ValueError(f"fixed_unigram_candidate_sampler: range_max={range_max} must equal "
                         f"the number of ids the unigram table gives this sampler "
                         f"({weights.size}: {num_reserved_ids} reserved + {len(counts)} "
                         f"counts, shard {shard} of {num_shards})")
    if unique and np.count_nonzero(weights) < num_sampled:
        raise ValueError(f"fixed_unigram_candidate_sampler: only {np.count_nonzero(weights)} "
                         f"ids have a non-zero count, fewer than num_sampled={num_sampled} "
                         "distinct ones (unique=True)")
    if weights.sum() <= 0:
        raise ValueError("fixed_unigram_candidate_sampler: every count is 0")
    probs = weights / weights.sum()

    def prob(ids, op):
        return array_ops.gather(constant(probs, dtype=dtypes.float64, name="unigram_probs"),
                                ids)
    return _sampler("FixedUnigramCandidateSampler", prob, true_classes, num_true, num_sampled,
                    unique, range_max, seed, name,
                    extra={"unigrams": tuple(float(w) for w in weights)})


def learned_unigram_candidate_sampler(true_classes, num_true, num_sampled, unique, range_max,
                                      seed=None, name=None):
    """Samples classes from a unigram distribution learned during training: every class starts
    with a count of 1, and after each draw the count of every true class of the batch goes up
    by 1. The counts belong to the session (a new session starts again from 1, and they are
    not saved in checkpoints).

    Arguments and results as :func:`log_uniform_candidate_sampler`.

    Example:
        >>> import flowkit as tf
        >>> s = tf.nn.learned_unigram_candidate_sampler([[0], [0]], 1, 2, False, 4, seed=1)
        >>> with tf.Session() as sess:
        ...     print(sess.run(s.true_expected_count).ravel(),
        ...           sess.run(s.true_expected_count).ravel())
        [0.5 0.5] [1. 1.]
    """
    def prob(ids, op):
        counts = op.outputs[2]
        return array_ops.gather(counts, ids) / math_ops.reduce_sum(counts)
    return _sampler("LearnedUnigramCandidateSampler", prob, true_classes, num_true,
                    num_sampled, unique, range_max, seed, name, extra={"learned": True})


def all_candidate_sampler(true_classes, num_true, num_sampled, unique, seed=None, name=None):
    """Returns every class ``0 .. num_sampled - 1`` with expected counts of 1 (for tests: a
    sampled loss with all the classes is the full loss). ``unique`` and ``seed`` are
    ignored; a true class outside ``[0, num_sampled)`` is an ``InvalidArgumentError`` when
    the result is computed.

    Example:
        >>> import flowkit as tf
        >>> s = tf.nn.all_candidate_sampler([[1]], 1, 3, True)
        >>> with tf.Session() as sess:
        ...     print(sess.run(s.sampled_candidates), sess.run(s.sampled_expected_count))
        [0 1 2] [1. 1. 1.]
    """
    num_true = _int_attr(num_true, "num_true", 1)
    num_sampled = _int_attr(num_sampled, "num_sampled", 1)
    with op_scope(name, "AllCandidateSampler", [true_classes]) as scope:
        true = _true_classes(true_classes)
        _sampler_shape([true], {"num_true": num_true, "num_sampled": num_sampled})
        sampled = constant(np.arange(num_sampled, dtype=np.int64), name="sampled_candidates")
        ones = constant(np.ones(num_sampled, np.float32), name="ones")
        # A gather, so that a true class outside [0, num_sampled) is an error, as in TF.
        true_ec = array_ops.gather(ones, true, name="true_expected_count")
        return CandidateSamples(sampled, true_ec, array_ops.identity(ones, name=scope))


# --------------------------------------------------------------------------------------------
# Accidental hits
# --------------------------------------------------------------------------------------------
def _hits(true, sampled):
    """``eq[i, j, p]``: ``true[i, j] == sampled[p]``, and ``last[p]``: position ``p`` holds
    the last occurrence of its class in ``sampled``."""
    eq = math_ops.equal(array_ops.expand_dims(true, 2), array_ops.reshape(sampled, [1, 1, -1]))
    pos = array_ops.range(array_ops.size(sampled, out_type=dtypes.int64), dtype=dtypes.int64)
    same = math_ops.equal(array_ops.expand_dims(sampled, 1), array_ops.expand_dims(sampled, 0))
    later = math_ops.logical_and(same, math_ops.greater(array_ops.expand_dims(pos, 0),
                                                        array_ops.expand_dims(pos, 1)))
    return eq, pos, math_ops.logical_not(math_ops.reduce_any(later, axis=1))


def compute_accidental_hits(true_classes, sampled_candidates, num_true, seed=None, name=None):
    """Finds the sampled candidates that are also true classes of a row.

    For each row ``i`` and each of its true classes ``t`` in order, when ``t`` is among
    ``sampled_candidates`` the result holds ``i`` (in ``indices``, int32), the position of
    ``t`` in ``sampled_candidates`` (in ``ids``, int64; its last position if it occurs more
    than once) and ``-FLOAT_MAX`` (in ``weights``, float32): added to those sampled logits
    (with ``tf.sparse_to_dense``), they remove the accidental hits from a sampled loss.

    Example:
        >>> import flowkit as tf
        >>> hits = tf.nn.compute_accidental_hits([[1, 2], [3, 0]], [5, 2, 3], num_true=2)
        >>> with tf.Session() as sess:
        ...     indices, ids, _ = sess.run(hits)
        >>> indices.tolist(), ids.tolist()
        ([0, 1], [1, 2])
    """
    num_true = _int_attr(num_true, "num_true", 1)
    with op_scope(name, "ComputeAccidentalHits", [true_classes, sampled_candidates]) as scope:
        true = _true_classes(true_classes)
        _sampler_shape([true], {"num_true": num_true, "num_sampled": None})
        sampled = convert_to_tensor(sampled_candidates, dtype=dtypes.int64,
                                    name="sampled_candidates")
        if sampled.shape.ndims not in (None, 1):
            raise ValueError(f"sampled_candidates must be a vector, got shape {sampled.shape}")
        eq, pos, _ = _hits(true, sampled)
        hit = math_ops.reduce_any(eq, axis=2)                      # [batch, num_true]
        last_pos = math_ops.reduce_max(math_ops.cast(eq, dtypes.int64) * (pos + 1), axis=2) - 1
        coords = array_ops.where(hit)
        indices = math_ops.cast(coords[:, 0], dtypes.int32, name="indices")
        ids = array_ops.gather_nd(last_pos, coords, name="ids")
        weights = array_ops.fill(array_ops.shape(indices), np.float32(-_FLOAT_MAX))
        return AccidentalHits(indices, ids, array_ops.identity(weights, name=scope))


# --------------------------------------------------------------------------------------------
# Sampled losses
# --------------------------------------------------------------------------------------------
def _static_rows(param, what):
    n = param.shape[0] if param.shape.ndims else None
    if n is None:
        raise ValueError(f"{what}: the shards of a partitioned {param.name} need a known "
                         "first dimension")
    return int(n)


def _lookup(params, ids, partition_strategy, what):
    """``params[ids]`` where ``params`` is one tensor or a list of shards of one (split by
    ``partition_strategy``, as ``tf.nn.embedding_lookup`` splits them)."""
    if not isinstance(params, (list, tuple)) or len(params) == 1:
        return nn_ops.embedding_lookup(params, ids)
    if partition_strategy not in ("mod", "div"):
        raise ValueError(f"{what}: partition_strategy must be 'mod' or 'div', got "
                         f"{partition_strategy!r}")
    shards = [convert_to_tensor(p, name="shard") for p in params]
    whole = array_ops.concat(shards, 0)
    if partition_strategy == "div":                 # shards are consecutive blocks of ids
        return array_ops.gather(whole, ids)
    sizes = [_static_rows(p, what) for p in shards]
    offsets = constant(np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64))
    n = np.int64(len(shards))
    rows = array_ops.gather(offsets, math_ops.floormod(ids, n)) + math_ops.floordiv(ids, n)
    return array_ops.gather(whole, rows)


def _compute_sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes,
                            num_true, sampled_values, subtract_log_q, remove_accidental_hits,
                            partition_strategy, what, seed=None):
    """The logits of the true and sampled classes (``[batch, num_true + num_sampled]``) and
    their target probabilities (``1 / num_true`` for the true classes, 0 for the others)."""
    labels = convert_to_tensor(labels, name="labels")
    if labels.dtype is not dtypes.int64:
        labels = math_ops.cast(labels, dtypes.int64)
    inputs = convert_to_tensor(inputs, name="inputs")
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(labels, num_true, num_sampled, True,
                                                       num_classes, seed=seed)
    sampled, true_ec, sampled_ec = (array_ops.stop_gradient(convert_to_tensor(s))
                                    for s in sampled_values)
    if sampled.dtype is not dtypes.int64:
        sampled = math_ops.cast(sampled, dtypes.int64)
    flat_labels = array_ops.reshape(labels, [-1])
    n_true = array_ops.size(flat_labels)
    all_ids = array_ops.concat([flat_labels, sampled], 0)
    all_w = _lookup(weights, all_ids, partition_strategy, what)
    all_b = _lookup(biases, all_ids, partition_strategy, what)
    if all_w.dtype is not inputs.dtype:
        all_w = math_ops.cast(all_w, inputs.dtype)
    if all_b.dtype is not inputs.dtype:
        all_b = math_ops.cast(all_b, inputs.dtype)
    true_w, sampled_w = all_w[:n_true], all_w[n_true:]
    true_b, sampled_b = all_b[:n_true], all_b[n_true:]
    dim = array_ops.shape(true_w)[1:2]
    true_w = array_ops.reshape(true_w, array_ops.concat([[-1, num_true], dim], 0))
    true_logits = math_ops.reduce_sum(array_ops.expand_dims(inputs, 1) * true_w, axis=2)
    true_logits = true_logits + array_ops.reshape(true_b, [-1, num_true])
    sampled_logits = matrix_ops.matmul(inputs, sampled_w, transpose_b=True) + sampled_b
    if remove_accidental_hits:
        eq, _, last = _hits(labels, sampled)
        hit = math_ops.logical_and(math_ops.reduce_any(eq, axis=1),
                                   array_ops.expand_dims(last, 0))
        sampled_logits = sampled_logits + math_ops.cast(hit, sampled_logits.dtype) * (
            -_FLOAT_MAX)
    if subtract_log_q:
        true_logits = true_logits - math_ops.log(math_ops.cast(true_ec, true_logits.dtype))
        sampled_logits = sampled_logits - math_ops.log(
            math_ops.cast(sampled_ec, sampled_logits.dtype))
    out_logits = array_ops.concat([true_logits, sampled_logits], 1)
    out_labels = array_ops.concat([array_ops.ones_like(true_logits) / float(num_true),
                                   array_ops.zeros_like(sampled_logits)], 1)
    return out_logits, out_labels


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1,
             sampled_values=None, remove_accidental_hits=False, partition_strategy="mod",
             name="nce_loss"):
    """The noise-contrastive estimation loss of each example (``[batch_size]``).

    Each example is scored against its ``num_true`` true classes and ``num_sampled`` classes
    drawn once for the batch (by ``sampled_values``, default
    ``log_uniform_candidate_sampler(labels, num_true, num_sampled, True, num_classes)``); each
    logit ``inputs . weights[k] + biases[k] - log(expected_count[k])`` goes through a sigmoid
    cross-entropy with target ``1 / num_true`` for true classes and 0 for sampled ones.

    Args:
        weights: ``[num_classes, dim]`` (or a list of shards of it, split by
            ``partition_strategy``: ``'mod'`` or ``'div'``).
        biases: ``[num_classes]`` (or shards of it).
        labels: int ``[batch_size, num_true]``, the target classes.
        inputs: ``[batch_size, dim]``, the activations.
        remove_accidental_hits: give a logit of ``-FLOAT_MAX`` to sampled classes that are
            true classes of the row.

    Example:
        >>> import flowkit as tf
        >>> w, b = tf.ones([10, 4]), tf.zeros([10])
        >>> loss = tf.nn.nce_loss(w, b, [[1], [2]], tf.ones([2, 4]), num_sampled=3,
        ...                       num_classes=10)
        >>> loss.shape.as_list()
        [2]
    """
    with op_scope(None, name, [weights, biases, labels, inputs]) as scope:
        logits, targets = _compute_sampled_logits(
            weights, biases, labels, inputs, num_sampled, num_classes, num_true,
            sampled_values, True, remove_accidental_hits, partition_strategy, "nce_loss")
        losses = nn_ops.sigmoid_cross_entropy_with_logits(labels=targets, logits=logits,
                                                          name="sampled_losses")
        return math_ops.reduce_sum(losses, axis=1, name=scope)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes,
                         num_true=1, sampled_values=None, remove_accidental_hits=True,
                         partition_strategy="mod", name="sampled_softmax_loss", seed=None):
    """The sampled softmax loss of each example (``[batch_size]``): a softmax cross-entropy
    over the ``num_true`` true classes and ``num_sampled`` sampled classes only, with logits
    corrected by ``-log(expected_count)``, a fast estimate of the full softmax loss for
    training with many classes. Arguments as :func:`nce_loss`; ``seed`` seeds the default
    sampler.

    Example:
        >>> import flowkit as tf
        >>> w, b = tf.ones([10, 4]), tf.zeros([10])
        >>> loss = tf.nn.sampled_softmax_loss(w, b, [[1], [2]], tf.ones([2, 4]), 3, 10)
        >>> loss.shape.as_list()
        [2]
    """
    with op_scope(None, name, [weights, biases, labels, inputs]) as scope:
        logits, targets = _compute_sampled_logits(
            weights, biases, labels, inputs, num_sampled, num_classes, num_true,
            sampled_values, True, remove_accidental_hits, partition_strategy,
            "sampled_softmax_loss", seed=seed)
        return nn_ops.softmax_cross_entropy_with_logits_v2(
            labels=array_ops.stop_gradient(targets), logits=logits, name=scope)
