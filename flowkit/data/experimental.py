"""``tf.data.experimental``: the part TF1 programs used, with TF's semantics.

Constants ``AUTOTUNE``, ``INFINITE_CARDINALITY``, ``UNKNOWN_CARDINALITY``;
:func:`cardinality`; the transformations for ``dataset.apply(...)``: :func:`map_and_batch`
(``map`` then ``batch``), :func:`shuffle_and_repeat` (``shuffle`` then ``repeat``: a new
order each epoch), :func:`unbatch`, :func:`enumerate_dataset`, :func:`take_while`,
:func:`unique` and :func:`assert_cardinality`; the source :class:`Counter`; the option groups
``ThreadingOptions``, ``OptimizationOptions``, ``DistributeOptions``, ``AutotuneOptions``.

Left out: the readers of TF's formats (``make_csv_dataset``, ``CsvDataset``, ``SqlDataset``,
``TFRecordWriter``, ``parse_example_dataset``: read CSV in Python and use
``from_tensor_slices``), sampling and grouping (``sample_from_datasets``, ``group_by_window``,
``bucket_by_sequence_length``, ``rejection_resample``, ``scan``), ``ignore_errors``,
``get_single_element`` and the distribution and service helpers.

Example:
    >>> import flowkit as tf
    >>> ds = tf.data.Dataset.range(5).apply(
    ...     tf.data.experimental.map_and_batch(lambda x: x * 10, batch_size=2))
    >>> nxt = ds.make_one_shot_iterator().get_next()
    >>> n = tf.data.experimental.cardinality(tf.data.Dataset.range(5).batch(2))
    >>> with tf.Session() as sess:
    ...     print(sess.run(nxt), sess.run(n))
    [ 0 10] 3
"""
from __future__ import annotations

import numpy as np

from flowkit.data import structure as nest
from flowkit.data.dataset_ops import (INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, Dataset, _arg,
                                      _predicate)
from flowkit.data.options import (AUTOTUNE, AutotuneOptions, DistributeOptions,
                                  OptimizationOptions, ThreadingOptions)
from flowkit.framework import dtypes, errors
from flowkit.ops.core import convert_to_tensor

__all__ = ["AUTOTUNE", "INFINITE_CARDINALITY", "UNKNOWN_CARDINALITY", "cardinality",
           "map_and_batch", "shuffle_and_repeat", "unbatch", "enumerate_dataset", "take_while",
           "unique", "assert_cardinality", "Counter", "ThreadingOptions", "OptimizationOptions",
           "DistributeOptions", "AutotuneOptions"]


def cardinality(dataset):
    """``dataset.cardinality()``: an int64 scalar tensor (see :meth:`Dataset.cardinality`)."""
    return dataset.cardinality()


def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False,
                  num_parallel_calls=None):
    """For ``apply``: ``map(map_func)`` then ``batch(batch_size, drop_remainder)`` (TF's
    fused version computes the same)."""
    if num_parallel_batches is not None and num_parallel_calls is not None:
        raise ValueError("`num_parallel_batches` and `num_parallel_calls` are mutually "
                         "exclusive.")
    return lambda ds: ds.map(map_func).batch(batch_size, drop_remainder)


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """For ``apply``: ``shuffle(buffer_size, seed)`` then ``repeat(count)``; each epoch has
    a new order."""
    return lambda ds: ds.shuffle(buffer_size, seed).repeat(count)


def unbatch():
    """For ``apply``: ``dataset.unbatch()``."""
    return lambda ds: ds.unbatch()


def enumerate_dataset(start=0):
    """For ``apply``: elements ``(index, element)`` with int64 indices from ``start``."""
    return lambda ds: Dataset.zip((Counter(start), ds))


def take_while(predicate):
    """For ``apply``: the elements up to (not including) the first for which ``predicate``
    (a scalar ``tf.bool`` function) is false."""
    return lambda ds: _TakeWhile(ds, predicate)


def unique():
    """For ``apply``: each distinct element once, at its first occurrence (elements must be
    one int32, int64 or string scalar)."""
    return lambda ds: _Unique(ds)


def assert_cardinality(expected_cardinality):
    """For ``apply``: the same elements, and a ``FailedPreconditionError`` when the pipeline
    runs if there are not exactly ``expected_cardinality`` of them;
    ``dataset.cardinality()`` then gives that number."""
    return lambda ds: _AssertCardinality(ds, expected_cardinality)


class Counter(Dataset):
    """``start, start + step, ...`` forever, as scalars of ``dtype`` (int64 by default)."""

    def __init__(self, start=0, step=1, dtype=dtypes.int64) -> None:
        self._dtype = dtypes.as_dtype(dtype)
        self._start = convert_to_tensor(start, dtype=self._dtype, name="start")
        self._step = convert_to_tensor(step, dtype=self._dtype, name="step")
        super().__init__(nest.Spec(self._dtype, []), tensors=[self._start, self._step])

    def _iterate(self, ctx):
        arrays = ctx.arrays
        value = np.asarray(arrays.to_numpy(ctx.value(self._start)))
        step = np.asarray(arrays.to_numpy(ctx.value(self._step)))
        while True:
            yield (arrays.from_numpy(np.array(value, dtype=self._dtype.as_numpy_dtype)),)
            value = value + step

    def _cardinality(self) -> int:
        return INFINITE_CARDINALITY


class _TakeWhile(Dataset):
    def __init__(self, input_ds, predicate) -> None:
        self._fn = _predicate(input_ds, predicate, "take_while")
        super().__init__(input_ds._specs, inputs=[input_ds], functions=[self._fn])

    def _iterate(self, ctx):
        for elem in self._inputs[0]._iterate(ctx):
            if not ctx.arrays.to_bool(ctx.run(self._fn, elem)[0]):
                return
            yield elem


class _Unique(Dataset):
    def __init__(self, input_ds) -> None:
        spec = input_ds._specs
        if nest.is_nested(spec) or spec.dtype not in (dtypes.int32, dtypes.int64,
                                                      dtypes.string):
            raise TypeError(f"`tf.data.experimental.unique` only supports datasets whose "
                            f"elements are one int32, int64 or string tensor, got "
                            f"{input_ds.output_types}.")
        super().__init__(spec, inputs=[input_ds])

    def _iterate(self, ctx):
        seen = set()
        for elem in self._inputs[0]._iterate(ctx):
            v = np.asarray(ctx.arrays.to_numpy(elem[0]))
            key = (v.shape, tuple(v.reshape(-1)) if v.dtype.kind == "O" else v.tobytes())
            if key not in seen:
                seen.add(key)
                yield elem


class _AssertCardinality(Dataset):
    def __init__(self, input_ds, expected) -> None:
        self._expected = _arg(expected, dtypes.int64, "expected_cardinality")
        super().__init__(input_ds._specs, inputs=[input_ds], tensors=[self._expected])

    def _iterate(self, ctx):
        expected, n = ctx.int(self._expected), 0
        for elem in self._inputs[0]._iterate(ctx):
            n += 1
            if expected >= 0 and n > expected:
                raise errors.FailedPreconditionError(
                    None, None, f"Input dataset was expected to contain {expected} elements "
                                "but contained more.")
            yield elem
        if n != expected:
            raise errors.FailedPreconditionError(
                None, None, f"Input dataset was expected to contain {_count(expected)} but "
                            f"contained only {n} elements.")

    def _cardinality(self) -> int:
        return self._expected if isinstance(self._expected, int) else UNKNOWN_CARDINALITY


def _count(n) -> str:
    return "an infinite number of elements" if n == INFINITE_CARDINALITY else f"{n} elements"
