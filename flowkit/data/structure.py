"""Nested element structures of ``tf.data``: tuples, namedtuples and dicts of components.

An element of a dataset is one component (a tensor) or a nesting of tuples, namedtuples and
dicts of components, as in ``tf.nest``: dict values are taken in sorted key order, and a
Python ``list`` is *not* a structure but one component (TF1 converts it to a tensor). The
runtime works on flat tuples of components; :func:`pack` rebuilds the user's structure.

Example:
    >>> s = ({"b": 1, "a": 2}, 3)
    >>> flatten(s)
    [2, 1, 3]
    >>> pack(s, ["x", "y", "z"])
    ({'b': 'y', 'a': 'x'}, 'z')
"""
from __future__ import annotations

import collections.abc

from flowkit.framework import dtypes
from flowkit.framework.tensor_shape import TensorShape, as_shape


def is_nested(x) -> bool:
    """Whether ``x`` is a structure (tuple, namedtuple or mapping), not a component."""
    return isinstance(x, (tuple, collections.abc.Mapping))


def _sorted_keys(d):
    try:
        return sorted(d)
    except TypeError:
        raise TypeError(f"tf.data needs the keys of a dict element to be sortable; got "
                        f"{list(d)!r}") from None


def flatten(structure) -> list:
    """The components of ``structure`` in tf.nest order."""
    out, stack = [], [structure]
    while stack:
        x = stack.pop()
        if isinstance(x, collections.abc.Mapping):
            stack.extend(x[k] for k in reversed(_sorted_keys(x)))
        elif isinstance(x, tuple):
            stack.extend(reversed(x))
        else:
            out.append(x)
    return out


def pack(structure, flat):
    """``structure`` with its components replaced, in order, by those of ``flat``."""
    flat = list(flat)
    n = len(flatten(structure))
    if n != len(flat):
        raise ValueError(f"Structure {structure!r} has {n} components, got {len(flat)} values.")
    it = iter(flat)

    def build(x):
        if isinstance(x, collections.abc.Mapping):
            vals = {k: build(x[k]) for k in _sorted_keys(x)}
            try:
                return type(x)((k, vals[k]) for k in x)
            except TypeError:
                return {k: vals[k] for k in x}
        if isinstance(x, tuple):
            items = [build(v) for v in x]
            return type(x)(*items) if hasattr(x, "_fields") else type(x)(items)
        return next(it)
    return build(structure)


def flatten_up_to(shallow, value) -> list:
    """The parts of ``value`` at the components of ``shallow`` (a tuple of ``shallow`` may be
    given as a list; deeper lists are components). ``TypeError`` when they do not match."""
    out, stack = [], [(shallow, value)]
    while stack:
        s, v = stack.pop()
        if isinstance(s, collections.abc.Mapping):
            if not isinstance(v, collections.abc.Mapping) or set(v) != set(s):
                raise TypeError(f"expected a dict with keys {sorted(s)}, got {v!r}")
            stack.extend((s[k], v[k]) for k in reversed(_sorted_keys(s)))
        elif isinstance(s, tuple):
            if not isinstance(v, (tuple, list)) or len(v) != len(s):
                raise TypeError(f"expected a sequence of {len(s)} values, got {v!r}")
            stack.extend(reversed(list(zip(s, v))))
        else:
            out.append(v)
    return out


def map_structure(fn, structure):
    """``structure`` with ``fn`` applied to each component."""
    return pack(structure, [fn(x) for x in flatten(structure)])


def same_structure(a, b) -> bool:
    """Whether ``a`` and ``b`` nest the same way (same keys, same tuple lengths)."""
    if isinstance(a, collections.abc.Mapping) != isinstance(b, collections.abc.Mapping):
        return False
    if isinstance(a, collections.abc.Mapping):
        return set(a) == set(b) and all(same_structure(a[k], b[k]) for k in a)
    if isinstance(a, tuple) != isinstance(b, tuple):
        return False
    if isinstance(a, tuple):
        return len(a) == len(b) and all(same_structure(x, y) for x, y in zip(a, b))
    return True


def lists_to_tuples(structure):
    """A function's result with lists read as tuples (as TF does for ``map`` results)."""
    if isinstance(structure, list):
        return tuple(lists_to_tuples(x) for x in structure)
    if isinstance(structure, collections.abc.Mapping):
        return type(structure)((k, lists_to_tuples(v)) for k, v in structure.items())
    if isinstance(structure, tuple):
        items = [lists_to_tuples(x) for x in structure]
        return type(structure)(*items) if hasattr(structure, "_fields") else tuple(items)
    return structure


class Spec:
    """The static description of one component: its dtype and (possibly partial) shape."""

    __slots__ = ("dtype", "shape")

    def __init__(self, dtype, shape) -> None:
        self.dtype = dtypes.as_dtype(dtype)
        self.shape = as_shape(shape) if shape is not None else TensorShape(None)

    def __repr__(self) -> str:
        return f"Spec({self.dtype.name}, {self.shape})"


def specs_from(types, shapes=None):
    """A structure of :class:`Spec` from ``output_types`` and ``output_shapes`` structures
    (``shapes=None``: all unknown). Raises ``TypeError`` when they do not nest alike."""
    if shapes is None:
        return map_structure(lambda t: Spec(t, None), types)
    if not is_nested(types):
        return Spec(types, _as_shape(shapes))
    if not same_structure(types, shapes):
        raise TypeError(f"output_shapes {shapes!r} must nest like output_types {types!r}.")
    return pack(types, [Spec(t, _as_shape(s)) for t, s in zip(flatten(types),
                                                               flatten(shapes))])


def _as_shape(s):
    if s is None or isinstance(s, TensorShape):
        return TensorShape(s)
    if isinstance(s, list):
        return TensorShape(s)
    return as_shape(s)


def types_of(specs):
    return map_structure(lambda s: s.dtype, specs)


def shapes_of(specs):
    return map_structure(lambda s: s.shape, specs)


def describe(specs) -> str:
    """A short text of a structure of specs, for error messages."""
    def one(s):
        dims = s.shape.as_tuple()
        return f"{s.dtype.name}{'<unknown>' if dims is None else list(dims)}"
    return str(map_structure(one, specs))
