"""Nested structures of loop values (lists, tuples, namedtuples, dicts), as TF1's ``nest``.

Dicts flatten in sorted key order; anything that is not a list, tuple or mapping is a leaf
(a tensor, a :class:`~flowkit.rnn.tensor_array.TensorArray`, a number).
"""
from __future__ import annotations

import collections.abc


def is_sequence(x) -> bool:
    return isinstance(x, (list, tuple, collections.abc.Mapping))


def flatten(x) -> list:
    """The leaves of ``x``, depth first (dict keys in sorted order)."""
    out, stack = [], [x]
    while stack:
        s = stack.pop()
        if isinstance(s, collections.abc.Mapping):
            stack.extend(s[k] for k in reversed(sorted(s)))
        elif isinstance(s, (list, tuple)):
            stack.extend(reversed(s))
        else:
            out.append(s)
    return out


def pack_sequence_as(structure, flat):
    """``structure`` with its leaves replaced, in order, by ``flat``."""
    flat = list(flat)
    it = iter(flat)

    def build(s):
        if isinstance(s, collections.abc.Mapping):
            built = {k: build(s[k]) for k in sorted(s)}
            try:
                return type(s)((k, built[k]) for k in s)
            except TypeError:
                return {k: built[k] for k in s}
        if isinstance(s, (list, tuple)):
            items = [build(v) for v in s]
            if hasattr(s, "_fields"):
                return type(s)(*items)
            return type(s)(items)
        return next(it)
    n = len(flatten(structure))
    if n != len(flat):
        raise ValueError(f"Could not pack sequence. Structure had {n} elements, but flat_sequence "
                         f"had {len(flat)} elements. Structure: {structure!r:.200}")
    return build(structure)


def map_structure(fn, *structures):
    """``fn`` applied leaf by leaf to structures of the same shape."""
    first = structures[0]
    for s in structures[1:]:
        assert_same_structure(first, s)
    return pack_sequence_as(first, [fn(*xs) for xs in zip(*[flatten(s) for s in structures])])


def assert_same_structure(a, b, check_types=False) -> None:
    """Raises ``ValueError`` when ``a`` and ``b`` do not nest the same way."""
    def fail(more=""):
        raise ValueError("The two structures don't have the same nested structure.\n\nFirst "
                         f"structure: {a!r:.300}\n\nSecond structure: {b!r:.300}{more}")

    stack = [(a, b)]
    while stack:
        x, y = stack.pop()
        if is_sequence(x) != is_sequence(y):
            fail()
        if not is_sequence(x):
            continue
        if check_types and type(x) is not type(y):
            fail(f"\n\nThe types differ: {type(x).__name__} and {type(y).__name__}.")
        if isinstance(x, collections.abc.Mapping):
            if not isinstance(y, collections.abc.Mapping) or sorted(x) != sorted(y):
                fail()
            stack.extend((x[k], y[k]) for k in x)
            continue
        if isinstance(y, collections.abc.Mapping) or len(x) != len(y):
            fail(f"\n\nThe lengths differ: {len(x)} and {len(y)}.")
        stack.extend(zip(x, y))


def is_nested(x) -> bool:
    """TF 1.15's newer name for :func:`is_sequence`: is ``x`` a list, tuple or dict?"""
    return is_sequence(x)
