"""``tf.data.Dataset``: sources and transformations, described at graph-building time.

A :class:`Dataset` is a Python description of a pipeline (a tree of nodes), made of graph
tensors (the data given to ``from_tensor_slices``, a ``batch_size`` placeholder...) and traced
functions. It computes nothing: an iterator (see :mod:`flowkit.data.iterator_ops`) turns it
into graph ops, and the session runs it. At run time each node's :meth:`Dataset._iterate`
yields elements as flat tuples of the backend's native arrays, given a context ``ctx`` (see
:class:`flowkit.data.runtime.Context`) that holds the captured tensors' values and the
backend's array functions.

Example:
    >>> import flowkit as tf
    >>> from flowkit.data import Dataset
    >>> ds = Dataset.from_tensor_slices(([1, 2, 3], [4.0, 5.0, 6.0])).batch(2)
    >>> ds.output_types, ds.output_shapes
    ((tf.int32, tf.float32), (TensorShape([Dimension(None)]), TensorShape([Dimension(None)])))
"""
from __future__ import annotations

import itertools

import numpy as np

from flowkit.data import structure as nest
from flowkit.data.functions import TracedFunction
from flowkit.data.iterator_ops import Iterator
from flowkit.data.options import Options
from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor, get_default_graph, get_seed
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import constant, constant_value, convert_to_tensor

_uid = itertools.count(1)
#: ``tf.data.INFINITE_CARDINALITY`` and ``UNKNOWN_CARDINALITY``: what
#: :meth:`Dataset.cardinality` gives for an endless pipeline, or one whose size it cannot tell.
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2
INF, UNKNOWN = INFINITE_CARDINALITY, UNKNOWN_CARDINALITY


def _arg(value, dtype, name):
    """A scalar argument (``batch_size``, ``count``...): a Python int stays one, a tensor is
    captured (its value is read when the iterator is initialized)."""
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        t = convert_to_tensor(value)
        if t.dtype.is_integer:
            return t
        raise TypeError(f"`{name}` must be an integer tensor, got {t.dtype.name}")
    if isinstance(value, (bool, float)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"`{name}` must be an int or an int64 tensor, got {value!r}")
    return int(value)


def _static(value):
    """The Python int value of an argument when known at build time, else ``None``."""
    if isinstance(value, Tensor):
        v = constant_value(value)
        return None if v is None else int(v)
    return value


class Dataset:
    """A pipeline of elements (TF1's ``tf.data.Dataset``). Build one with a source
    (:meth:`from_tensor_slices`, :meth:`range`...), chain transformations, then make an
    iterator."""

    def __init__(self, specs, inputs=(), tensors=(), functions=()) -> None:
        self._specs = specs
        self._inputs = tuple(inputs)
        self._tensors = [t for t in tensors if isinstance(t, Tensor)]
        self._functions = tuple(functions)
        self._uid = next(_uid)

    # -- element structure ----------------------------------------------------------------------
    @property
    def output_types(self):
        """The dtypes of an element's components, in the element's structure."""
        return nest.types_of(self._specs)

    @property
    def output_shapes(self):
        """The static shapes of an element's components, in the element's structure."""
        return nest.shapes_of(self._specs)

    @property
    def output_classes(self):
        return nest.map_structure(lambda s: Tensor, self._specs)

    def _flat_specs(self):
        return nest.flatten(self._specs)

    def _all_tensors(self) -> list:
        """Every tensor the pipeline captures (its own, its inputs', its functions')."""
        out, seen, stack = [], set(), [self]
        while stack:
            ds = stack.pop()
            for t in ds._tensors + [c for f in ds._functions for c in f.captures]:
                if t not in seen:
                    seen.add(t)
                    out.append(t)
            stack.extend(reversed(ds._inputs))
        return out

    def _iterate(self, ctx):
        raise NotImplementedError

    def _cardinality(self) -> int:
        """The number of elements when known at graph-building time, else ``UNKNOWN``."""
        return UNKNOWN

    def cardinality(self):
        """An int64 scalar tensor: the number of elements, ``INFINITE_CARDINALITY`` (-1) or
        ``UNKNOWN_CARDINALITY`` (-2), by TF1's rules (a ``filter`` makes it unknown, and so
        does a ``map``, whose TF1 version does not keep the count; a ``repeat()`` makes it
        infinite). flowkit computes it when the graph is built: a size that
        depends on a fed placeholder (``from_tensor_slices`` of a placeholder of unknown
        length) is unknown here where TF would count it when the tensor runs."""
        return constant(self._cardinality(), dtypes.int64, name="DatasetCardinality")

    def __iter__(self):
        raise RuntimeError("A tf.data.Dataset cannot be iterated in Python in TF1's graph "
                           "mode: make an iterator (dataset.make_one_shot_iterator()) and run "
                           "its get_next() in a session.")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} shapes: {self.output_shapes}, types: {self.output_types}>"

    # -- sources ----------------------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors):
        """The slices of ``tensors`` (a tensor or a structure of them) along their first
        dimension, which all must share."""
        return _TensorSlices(tensors)

    @staticmethod
    def from_tensors(tensors):
        """One element: ``tensors``."""
        return _Tensors(tensors)

    @staticmethod
    def range(*args):
        """int64 scalars like Python's ``range(stop)`` / ``range(start, stop[, step])``."""
        return _Range(*args)

    @staticmethod
    def from_generator(generator, output_types, output_shapes=None, args=None):
        """The values yielded by ``generator(*args)`` (called anew at each initialization),
        converted to ``output_types`` and checked against ``output_shapes``."""
        return _Generator(generator, output_types, output_shapes, args)

    @staticmethod
    def zip(datasets):
        """Elements that pair the elements of a structure of datasets (stops at the
        shortest)."""
        return _Zip(datasets)

    # -- transformations --------------------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None):
        """``map_func`` applied to each element (traced once; a tuple element is passed as
        positional arguments). ``num_parallel_calls`` is accepted; elements are mapped in
        order, one at a time."""
        return _Map(self, map_func)

    def filter(self, predicate):
        """The elements for which ``predicate`` (a scalar ``tf.bool`` function) is true."""
        return _Filter(self, predicate)

    def batch(self, batch_size, drop_remainder=False):
        """Stacks ``batch_size`` consecutive elements (the last batch may be smaller unless
        ``drop_remainder``)."""
        return _Batch(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None,
                     drop_remainder=False):
        """Like :meth:`batch`, padding each component to ``padded_shapes`` (``None``/-1: the
        longest in the batch) with ``padding_values`` (default 0, or ``b""`` for strings)."""
        return _PaddedBatch(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None):
        """Randomly shuffles elements through a buffer of ``buffer_size`` (see the package
        docstring on how the order relates to TF's)."""
        return _Shuffle(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None):
        """Repeats the dataset ``count`` times (``None`` or -1: forever)."""
        return _Repeat(self, count)

    def take(self, count):
        """At most ``count`` elements (-1: all)."""
        return _Take(self, count)

    def skip(self, count):
        """All but the first ``count`` elements (-1: skips all)."""
        return _Skip(self, count)

    def cache(self, filename=""):
        """Remembers the elements of the first complete pass and replays them in later
        passes (``repeat``). The cache is kept in memory even when ``filename`` is given."""
        return _Cache(self, filename)

    def prefetch(self, buffer_size):
        """Accepted for compatibility; a no-op (the pipeline runs inside ``sess.run``)."""
        _arg(buffer_size, dtypes.int64, "buffer_size")
        return _Passthrough(self)

    def concatenate(self, dataset):
        """This dataset's elements, then ``dataset``'s (same structure and types)."""
        return _Concatenate(self, dataset)

    def unbatch(self):
        """Splits each element into its slices along the first dimension (the inverse of
        :meth:`batch`); all components of an element must have the same first size."""
        return _Unbatch(self)

    def with_options(self, options):
        """This dataset, with ``options`` (a :class:`tf.data.Options`) merged into its
        options; flowkit accepts them and runs the pipeline the same way (see
        :mod:`flowkit.data.options`)."""
        if not isinstance(options, Options):
            raise TypeError(f"with_options expects a tf.data.Options, got {options!r}")
        return _WithOptions(self, options)

    def options(self):
        """The :class:`tf.data.Options` of this pipeline: those given to ``with_options``
        anywhere in it, merged (a later call's settings win)."""
        merged, stack = Options(), [self]
        found = []
        while stack:
            ds = stack.pop()
            if isinstance(ds, _WithOptions):
                found.append(ds._options)
            stack.extend(ds._inputs)
        for o in reversed(found):
            merged = merged.merge(o)
        return merged

    def apply(self, transformation_func):
        """``transformation_func(self)``, which must return a Dataset."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError("`transformation_func` must return a Dataset object.")
        return out

    # -- iterators ------------------------------------------------------------------------------
    def make_one_shot_iterator(self):
        """An iterator that initializes itself when first used and cannot be re-initialized."""
        return Iterator._one_shot(self)

    def make_initializable_iterator(self, shared_name=None):
        """An iterator with an ``initializer`` op to run before ``get_next()`` (run it again
        to restart, e.g. with other placeholder values)."""
        return Iterator._initializable(self, shared_name)


# ==============================================================================================
# Sources
# ==============================================================================================
def _to_tensors(value, scope):
    graph = get_default_graph()
    with graph.name_scope(scope):
        flat = [convert_to_tensor(x, name=f"component_{i}")
                for i, x in enumerate(nest.flatten(value))]
    return nest.pack(value, flat), flat


class _Tensors(Dataset):
    def __init__(self, tensors) -> None:
        structure, flat = _to_tensors(tensors, "tensors")
        specs = nest.map_structure(lambda t: nest.Spec(t.dtype, t.shape), structure)
        super().__init__(specs, tensors=flat)
        self._flat = flat

    def _iterate(self, ctx):
        yield tuple(ctx.value(t) for t in self._flat)

    def _cardinality(self) -> int:
        return 1


class _TensorSlices(Dataset):
    def __init__(self, tensors) -> None:
        structure, flat = _to_tensors(tensors, "tensors")
        if not flat:
            raise ValueError("from_tensor_slices needs at least one tensor.")
        n = None
        for t in flat:
            if t.shape.ndims == 0:
                raise ValueError(f"Unbatching a tensor is only supported for rank >= 1: "
                                 f"'{t.name}' is a scalar.")
            d = t.shape[0].value if t.shape.ndims else None
            if d is not None and n is not None and d != n:
                raise ValueError(f"Dimensions {n} and {d} are not compatible: all the "
                                 "components given to from_tensor_slices must have the same "
                                 "size in their first dimension.")
            n = d if d is not None else n
        specs = nest.map_structure(lambda t: nest.Spec(
            t.dtype, TensorShape(None) if t.shape.ndims is None else
            TensorShape(t.shape.as_tuple()[1:])), structure)
        super().__init__(specs, tensors=flat)
        self._flat = flat

    def _iterate(self, ctx):
        values = [ctx.value(t) for t in self._flat]
        arrays = ctx.arrays
        sizes = [arrays.shape(v)[0] if arrays.shape(v) else None for v in values]
        if any(s is None for s in sizes) or len(set(sizes)) != 1:
            raise ValueError(f"Dimensions 0 of all the components of from_tensor_slices must "
                             f"match: got sizes {sizes}.")
        for i in range(sizes[0]):
            yield tuple(arrays.index(v, i) for v in values)

    def _cardinality(self) -> int:
        for t in self._flat:
            if t.shape.ndims and t.shape[0].value is not None:
                return t.shape[0].value
        return UNKNOWN


class _Range(Dataset):
    def __init__(self, *args) -> None:
        if not 1 <= len(args) <= 3:
            raise ValueError(f"Dataset.range takes 1 to 3 arguments (stop / start, stop[, "
                             f"step]), got {len(args)}")
        args = [_arg(a, dtypes.int64, "range argument") for a in args]
        if len(args) == 1:
            args = [0] + args
        if len(args) == 2:
            args.append(1)
        if _static(args[2]) == 0:
            raise ValueError("Dataset.range: step must not be 0.")
        super().__init__(nest.Spec(dtypes.int64, []), tensors=args)
        self._args = args

    def _iterate(self, ctx):
        start, stop, step = (ctx.int(a) for a in self._args)
        if step == 0:
            raise ValueError("Dataset.range: step must not be 0.")
        for i in range(start, stop, step):
            yield (ctx.arrays.from_numpy(np.array(i, dtype=np.int64)),)

    def _cardinality(self) -> int:
        args = [_static(a) for a in self._args]
        return UNKNOWN if None in args else len(range(*args))


class _Generator(Dataset):
    def __init__(self, generator, output_types, output_shapes, args) -> None:
        if not callable(generator):
            raise TypeError("`generator` must be callable.")
        specs = nest.specs_from(output_types, output_shapes)
        args = [] if args is None else list(args) if isinstance(args, (list, tuple)) \
            else [args]
        self._args = [convert_to_tensor(a, name=f"generator_arg_{i}") for i, a in
                      enumerate(args)]
        super().__init__(specs, tensors=self._args)
        self._generator = generator

    def _iterate(self, ctx):
        args = [ctx.arrays.to_numpy(ctx.value(t)) for t in self._args]
        flat_specs = self._flat_specs()
        for value in self._generator(*args):
            try:
                flat = nest.flatten_up_to(self._specs, value)
            except TypeError:
                raise TypeError(f"`generator` yielded an element that did not match the "
                                f"expected structure. The expected structure was "
                                f"{self.output_types}, but the yielded element was "
                                f"{value!r}.") from None
            yield tuple(ctx.arrays.from_numpy(_convert_yielded(v, s))
                        for v, s in zip(flat, flat_specs))


def _convert_yielded(v, spec):
    dt = spec.dtype
    try:
        if dt is dtypes.string:
            arr = np.array(v, dtype=object)
        else:
            arr = np.asarray(v)
            if arr.dtype.kind in "OUS":
                raise TypeError("not a number")
            arr = arr.astype(dt.as_numpy_dtype)
    except (TypeError, ValueError):
        raise TypeError(f"`generator` yielded an element that could not be converted to the "
                        f"expected type. The expected type was {dt.name}, but the yielded "
                        f"element was {v!r}.") from None
    if not spec.shape.is_compatible_with(arr.shape):
        raise ValueError(f"`generator` yielded an element of shape {arr.shape} where an "
                         f"element of shape {spec.shape} was expected.")
    return arr


class _Zip(Dataset):
    def __init__(self, datasets) -> None:
        flat = nest.flatten(datasets)
        if not flat or not all(isinstance(d, Dataset) for d in flat):
            raise TypeError(f"Dataset.zip expects a (nested) tuple or dict of Datasets, got "
                            f"{datasets!r}")
        specs = nest.pack(datasets, [d._specs for d in flat])
        super().__init__(specs, inputs=flat)

    def _iterate(self, ctx):
        for parts in zip(*[d._iterate(ctx) for d in self._inputs]):
            yield tuple(x for p in parts for x in p)

    def _cardinality(self) -> int:
        sizes = [d._cardinality() for d in self._inputs]
        if UNKNOWN in sizes:
            return UNKNOWN
        finite = [n for n in sizes if n != INF]
        return min(finite) if finite else INF


# ==============================================================================================
# Transformations
# ==============================================================================================
class _Map(Dataset):
    def __init__(self, input_ds, fn) -> None:
        self._fn = TracedFunction(fn, input_ds._specs, "map", "map")
        super().__init__(self._fn.output_specs, inputs=[input_ds], functions=[self._fn])

    def _iterate(self, ctx):
        for elem in self._inputs[0]._iterate(ctx):
            yield tuple(ctx.run(self._fn, elem))


def _predicate(input_ds, predicate, what) -> TracedFunction:
    """``predicate`` traced over ``input_ds``'s elements; it must return a scalar bool."""
    fn = TracedFunction(predicate, input_ds._specs, what, what)
    out = fn.output_specs
    if nest.is_nested(out) or out.dtype is not dtypes.bool or \
            not out.shape.is_compatible_with([]):
        raise ValueError(f"`predicate` return type must be convertible to a scalar boolean "
                         f"tensor. Was {nest.describe(out)}.")
    return fn


class _Filter(Dataset):
    def __init__(self, input_ds, predicate) -> None:
        self._fn = _predicate(input_ds, predicate, "filter")
        super().__init__(input_ds._specs, inputs=[input_ds], functions=[self._fn])

    def _iterate(self, ctx):
        for elem in self._inputs[0]._iterate(ctx):
            if ctx.arrays.to_bool(ctx.run(self._fn, elem)[0]):
                yield elem


class _Batch(Dataset):
    def __init__(self, input_ds, batch_size, drop_remainder) -> None:
        self._size = _arg(batch_size, dtypes.int64, "batch_size")
        self._drop = bool(drop_remainder)
        n = _static(self._size) if self._drop else None
        specs = nest.map_structure(
            lambda s: nest.Spec(s.dtype, TensorShape([n]).concatenate(s.shape)),
            input_ds._specs)
        super().__init__(specs, inputs=[input_ds], tensors=[self._size])

    def _batches(self, ctx):
        size = ctx.int(self._size)
        if size <= 0:
            raise ValueError(f"Batch size must be greater than zero, got {size}")
        batch = []
        for elem in self._inputs[0]._iterate(ctx):
            batch.append(elem)
            if len(batch) == size:
                yield batch
                batch = []
        if batch and not self._drop:
            yield batch

    def _cardinality(self) -> int:
        n, size = self._inputs[0]._cardinality(), _static(self._size)
        if n < 0 or size is None or size <= 0:
            return n if n == INF else UNKNOWN
        return n // size if self._drop else -(-n // size)

    def _iterate(self, ctx):
        for batch in self._batches(ctx):
            yield tuple(_stack(ctx.arrays, [e[i] for e in batch], i)
                        for i in range(len(batch[0])))


def _stack(arrays, parts, component):
    first = arrays.shape(parts[0])
    for j, p in enumerate(parts):
        if arrays.shape(p) != first:
            raise ValueError(f"Cannot batch tensors with different shapes in component "
                             f"{component}. First element had shape {list(first)} and element "
                             f"{j} had shape {list(arrays.shape(p))}.")
    return arrays.stack(parts)


class _PaddedBatch(_Batch):
    def __init__(self, input_ds, batch_size, padded_shapes, padding_values,
                 drop_remainder) -> None:
        specs = input_ds._specs
        if padded_shapes is None:
            padded_shapes = nest.map_structure(
                lambda s: TensorShape(None if s.shape.ndims is None else
                                      [None] * s.shape.ndims), specs)
        if nest.is_nested(specs) and not nest.same_structure(specs, padded_shapes):
            raise ValueError(f"padded_shapes {padded_shapes!r} must nest like the elements "
                             f"{nest.types_of(specs)}")
        flat_specs = nest.flatten(specs)
        flat_shapes = [_padded_shape(p, s) for p, s in
                       zip(nest.flatten(padded_shapes) if nest.is_nested(specs)
                           else [padded_shapes], flat_specs)]
        if padding_values is None:
            pads = [b"" if s.dtype is dtypes.string else 0 for s in flat_specs]
        else:
            pads = nest.flatten(padding_values) if nest.is_nested(specs) else [padding_values]
        self._pads = [convert_to_tensor(p, dtype=s.dtype, name="padding_value")
                      for p, s in zip(pads, flat_specs)]
        for p in self._pads:
            if p.shape.ndims != 0:
                raise ValueError(f"Padding values must be scalars, got shape {p.shape}.")
        super().__init__(input_ds, batch_size, drop_remainder)
        n = _static(self._size) if self._drop else None
        self._shapes = flat_shapes
        self._specs = nest.pack(specs, [nest.Spec(s.dtype, TensorShape([n]).concatenate(p))
                                        for s, p in zip(flat_specs, flat_shapes)])
        self._tensors += self._pads

    def _iterate(self, ctx):
        arrays = ctx.arrays
        for batch in self._batches(ctx):
            out = []
            for i, (shape, pad) in enumerate(zip(self._shapes, self._pads)):
                parts = [e[i] for e in batch]
                shapes = [arrays.shape(p) for p in parts]
                target = []
                for d, want in enumerate(shape.as_tuple()):
                    longest = max(s[d] for s in shapes)
                    if want is not None and longest > want:
                        raise ValueError(f"Attempted to pad to a smaller size than the input "
                                         f"element: component {i}, dimension {d} has size "
                                         f"{longest}, padded shape {shape}.")
                    target.append(longest if want is None else want)
                out.append(arrays.pad_stack(parts, tuple(target), ctx.value(pad)))
            yield tuple(out)


def _padded_shape(p, spec):
    if isinstance(p, Tensor):
        v = constant_value(p)
        if v is None:
            raise ValueError("padded_shapes must be known when the graph is built.")
        p = [int(x) for x in np.reshape(v, -1)]
    if isinstance(p, TensorShape):
        dims = p.as_tuple()
    elif p is None:
        dims = None
    else:
        dims = tuple(None if d is None or int(d) == -1 else int(d) for d in p)
    if dims is None:
        if spec.shape.ndims is None:
            raise ValueError("padded_batch needs the rank of each component.")
        dims = (None,) * spec.shape.ndims
    dims = tuple(None if d is None or d == -1 else d for d in dims)
    if spec.shape.ndims is not None and len(dims) != spec.shape.ndims:
        raise ValueError(f"The padded shape {list(dims)} is not compatible with the "
                         f"corresponding input component shape {spec.shape}.")
    return TensorShape(dims)


class _Shuffle(Dataset):
    def __init__(self, input_ds, buffer_size, seed, reshuffle) -> None:
        self._buffer = _arg(buffer_size, dtypes.int64, "buffer_size")
        self._seed = get_seed(seed)
        self._reshuffle = True if reshuffle is None else bool(reshuffle)
        super().__init__(input_ds._specs, inputs=[input_ds], tensors=[self._buffer])

    def _iterate(self, ctx):
        size = ctx.int(self._buffer)
        if size <= 0:
            raise ValueError(f"buffer_size must be greater than zero, got {size}")
        rng = ctx.shuffle_rng(self._uid, self._seed, self._reshuffle)
        source = iter(self._inputs[0]._iterate(ctx))
        buffer = list(itertools.islice(source, size))
        while buffer:
            k = int(rng.integers(len(buffer)))
            out = buffer[k]
            nxt = next(source, None)
            if nxt is None:
                buffer[k] = buffer[-1]
                buffer.pop()
            else:
                buffer[k] = nxt
            yield out

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()


class _Repeat(Dataset):
    def __init__(self, input_ds, count) -> None:
        self._count = -1 if count is None else _arg(count, dtypes.int64, "count")
        super().__init__(input_ds._specs, inputs=[input_ds], tensors=[self._count])

    def _iterate(self, ctx):
        count, i = ctx.int(self._count), 0
        while count < 0 or i < count:
            empty = True
            for elem in self._inputs[0]._iterate(ctx):
                empty = False
                yield elem
            if empty:
                return
            i += 1

    def _cardinality(self) -> int:
        n, count = self._inputs[0]._cardinality(), _static(self._count)
        if count is None:
            return UNKNOWN
        if count == 0 or n == 0:
            return 0
        if count < 0 or n == INF:
            return INF
        return UNKNOWN if n == UNKNOWN else n * count


class _Take(Dataset):
    def __init__(self, input_ds, count) -> None:
        self._count = _arg(count, dtypes.int64, "count")
        super().__init__(input_ds._specs, inputs=[input_ds], tensors=[self._count])

    def _iterate(self, ctx):
        count = ctx.int(self._count)
        source = self._inputs[0]._iterate(ctx)
        return source if count < 0 else itertools.islice(source, count)

    def _cardinality(self) -> int:
        n, count = self._inputs[0]._cardinality(), _static(self._count)
        if count is None:
            return UNKNOWN
        if count < 0:
            return n
        if n == INF:
            return count
        return UNKNOWN if n == UNKNOWN else min(n, count)


class _Skip(Dataset):
    def __init__(self, input_ds, count) -> None:
        self._count = _arg(count, dtypes.int64, "count")
        super().__init__(input_ds._specs, inputs=[input_ds], tensors=[self._count])

    def _iterate(self, ctx):
        count = ctx.int(self._count)
        source = iter(self._inputs[0]._iterate(ctx))
        if count < 0:
            for _ in source:
                pass
            return
        for elem in itertools.islice(source, count, None):
            yield elem

    def _cardinality(self) -> int:
        n, count = self._inputs[0]._cardinality(), _static(self._count)
        if count is None:
            return UNKNOWN
        if count < 0:
            return 0
        return n if n < 0 else max(0, n - count)


class _Cache(Dataset):
    def __init__(self, input_ds, filename) -> None:
        if not isinstance(filename, (str, bytes)) and not isinstance(filename, Tensor):
            raise TypeError(f"cache(filename=...) expects a string, got {filename!r}")
        super().__init__(input_ds._specs, inputs=[input_ds])

    def _iterate(self, ctx):
        store = ctx.cache(self._uid)
        if "elements" in store:
            yield from store["elements"]
            return
        seen = []
        for elem in self._inputs[0]._iterate(ctx):
            seen.append(elem)
            yield elem
        store["elements"] = seen          # only a complete pass is cached, as in TF

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()


class _Passthrough(Dataset):
    def __init__(self, input_ds) -> None:
        super().__init__(input_ds._specs, inputs=[input_ds])

    def _iterate(self, ctx):
        return self._inputs[0]._iterate(ctx)

    def _cardinality(self) -> int:
        return self._inputs[0]._cardinality()


class _WithOptions(_Passthrough):
    def __init__(self, input_ds, options) -> None:
        super().__init__(input_ds)
        self._options = options


class _Unbatch(Dataset):
    def __init__(self, input_ds) -> None:
        def unbatched(s):
            if s.shape.ndims == 0:
                raise ValueError("Cannot unbatch an input with scalar components.")
            return nest.Spec(s.dtype, TensorShape(None) if s.shape.ndims is None else
                             TensorShape(s.shape.as_tuple()[1:]))
        super().__init__(nest.map_structure(unbatched, input_ds._specs), inputs=[input_ds])

    def _iterate(self, ctx):
        arrays = ctx.arrays
        for elem in self._inputs[0]._iterate(ctx):
            sizes = {arrays.shape(x)[0] for x in elem}
            if len(sizes) != 1:
                raise ValueError(f"Input element components to unbatch must all have the "
                                 f"same size in their first dimension, got {sorted(sizes)}.")
            for i in range(sizes.pop()):
                yield tuple(arrays.index(x, i) for x in elem)


class _Concatenate(Dataset):
    def __init__(self, first, second) -> None:
        if not isinstance(second, Dataset):
            raise TypeError(f"concatenate expects a Dataset, got {second!r}")
        a, b = first._specs, second._specs
        if not nest.same_structure(a, b) or \
                [s.dtype for s in nest.flatten(a)] != [s.dtype for s in nest.flatten(b)]:
            raise TypeError(f"Two datasets to concatenate have different types "
                            f"{first.output_types} and {second.output_types}")
        specs = nest.pack(a, [nest.Spec(x.dtype, x.shape.most_specific_compatible_shape(
            y.shape)) for x, y in zip(nest.flatten(a), nest.flatten(b))])
        super().__init__(specs, inputs=[first, second])

    def _iterate(self, ctx):
        yield from self._inputs[0]._iterate(ctx)
        yield from self._inputs[1]._iterate(ctx)

    def _cardinality(self) -> int:
        a, b = (d._cardinality() for d in self._inputs)
        if INF in (a, b):
            return INF
        return UNKNOWN if UNKNOWN in (a, b) else a + b
