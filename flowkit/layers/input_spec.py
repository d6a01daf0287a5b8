"""``tf.layers.InputSpec``: what a layer expects of each input (dtype, rank, shape, sizes of
given axes), and :func:`assert_input_compatibility`, the check that a layer's ``__call__``
runs against ``layer.input_spec`` before it builds and calls the layer, as TF1's base layer
does.

A spec's ``shape`` may hold ``None`` for any size; a ``shape`` fixes ``ndim`` too. ``axes``
maps an axis (negative counts from the end) to the size it must have. Every check passes when
the input's rank is unknown, and a ``None`` size in the input matches anything.

Example:
    >>> import flowkit as tf
    >>> from flowkit.layers.input_spec import InputSpec, assert_input_compatibility
    >>> spec = InputSpec(min_ndim=2, axes={-1: 3})
    >>> spec
    InputSpec(min_ndim=2, axes={-1: 3})
    >>> assert_input_compatibility(spec, tf.placeholder(tf.float32, [None, 3]), "dense")
    >>> try:
    ...     assert_input_compatibility(spec, tf.placeholder(tf.float32, [None, 4]), "dense")
    ... except ValueError as e:
    ...     print(str(e).split(":")[0])
    Input 0 of layer "dense" is incompatible with the layer
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.tensor_shape import TensorShape

__all__ = ["InputSpec", "assert_input_compatibility", "validate_input_spec"]


class InputSpec:
    """The expectations of a layer about one input: its ``dtype``, its ``shape`` (``None``
    for any size; it sets ``ndim``), its rank (``ndim``, ``max_ndim``, ``min_ndim``) and the
    sizes of some ``axes`` (``{axis: size}``).

    Args:
        dtype: the expected dtype (stored as its name, ``"float32"``).
        shape: the expected shape, batch dimension included.
        ndim, max_ndim, min_ndim: the expected, largest and smallest rank.
        axes: ``{axis: size}``; the keys must be ints.
        allow_last_axis_squeeze: also accept a rank one larger whose last size is 1 (or one
            smaller where the spec's last size is 1) when comparing ``ndim`` and ``shape``.
        name: the key of this input when a layer is given a dict of inputs.
        optional: the input may be ``None``.

    Example:
        >>> from flowkit.layers import input_spec
        >>> spec = input_spec.InputSpec(dtype="float32", shape=(None, 28, 28))
        >>> spec.ndim, spec.shape
        (3, (None, 28, 28))
        >>> spec
        InputSpec(dtype=float32, shape=(None, 28, 28), ndim=3)
    """

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None,
                 axes=None, allow_last_axis_squeeze=False, name=None, optional=False) -> None:
        self.dtype = None if dtype is None else dtypes.as_dtype(dtype).name
        shape = TensorShape(shape)
        if shape.ndims is None:
            self.shape, self.ndim = None, ndim
        else:
            self.shape = tuple(shape.as_list())
            self.ndim = len(self.shape)
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.name = name
        self.allow_last_axis_squeeze = allow_last_axis_squeeze
        self.optional = optional
        axes = axes or {}
        try:
            self.axes = {int(k): axes[k] for k in axes}
        except (TypeError, ValueError):
            raise TypeError(f"Argument `axes` must be a dict with integer keys. Received: "
                            f"axes={axes}") from None
        top = self.ndim if self.ndim else self.max_ndim
        if self.axes and top is not None and max(self.axes) > top - 1:
            raise ValueError(f"Axis {max(self.axes)} is greater than the maximum allowed "
                             f"value: {top - 1}")

    def __repr__(self) -> str:
        parts = [f"{key}={getattr(self, key)}"
                 for key in ("dtype", "shape", "ndim", "max_ndim", "min_ndim", "axes")
                 if getattr(self, key)]
        return f"InputSpec({', '.join(parts)})"

    def get_config(self) -> dict:
        """The constructor arguments that :meth:`from_config` takes back."""
        return {"dtype": self.dtype, "shape": self.shape, "ndim": self.ndim,
                "max_ndim": self.max_ndim, "min_ndim": self.min_ndim, "axes": self.axes}

    @classmethod
    def from_config(cls, config) -> "InputSpec":
        return cls(**config)


def _flatten(structure) -> list:
    """The leaves of nested lists, tuples and dicts (dicts in sorted key order)."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _flatten(structure[key])]
    if isinstance(structure, (list, tuple)):
        return [leaf for item in structure for leaf in _flatten(item)]
    return [structure]


def validate_input_spec(value):
    """``value`` itself when it is ``None``, an :class:`InputSpec` or a nested list of them (what
    a layer's ``input_spec`` may be set to); a ``TypeError`` naming the offending entry
    otherwise.

    Example:
        >>> from flowkit.layers.input_spec import InputSpec, validate_input_spec
        >>> validate_input_spec([InputSpec(ndim=2), None])
        [InputSpec(ndim=2), None]
        >>> try:
        ...     validate_input_spec([4])
        ... except TypeError as e:
        ...     print(e)
        Layer input_spec must be an instance of InputSpec. Got: 4
    """
    for spec in _flatten(value):
        if spec is not None and not isinstance(spec, InputSpec):
            raise TypeError(f"Layer input_spec must be an instance of InputSpec. Got: {spec}")
    return value


def _by_name(specs, inputs):
    """A dict of inputs in the order of the specs' names (when every spec has one)."""
    names = [spec.name if spec is not None else None for spec in specs]
    if not isinstance(inputs, dict) or not all(names):
        return inputs
    missing = [n for n in names if n not in inputs]
    if missing:
        raise ValueError(f'Missing data for input "{missing[0]}". You passed a data '
                         f"dictionary with keys {list(inputs)}. Expected the following keys: "
                         f"{names}")
    return [inputs[n] for n in names]


def _shape_text(shape) -> str:
    return str(tuple(shape))


def _check_one(index, x, spec, layer_name) -> None:
    def fail(what):
        raise ValueError(f'Input {index} of layer "{layer_name}" is incompatible with the '
                         f"layer: {what}")

    shape = TensorShape(x.shape)
    if shape.ndims is None:
        return
    dims, rank = shape.as_list(), shape.ndims
    if spec.ndim is not None and not spec.allow_last_axis_squeeze and rank != spec.ndim:
        fail(f"expected ndim={spec.ndim}, found ndim={rank}. Full shape received: "
             f"{_shape_text(dims)}")
    if spec.max_ndim is not None and rank > spec.max_ndim:
        fail(f"expected max_ndim={spec.max_ndim}, found ndim={rank}")
    if spec.min_ndim is not None and rank < spec.min_ndim:
        fail(f"expected min_ndim={spec.min_ndim}, found ndim={rank}. Full shape received: "
             f"{_shape_text(dims)}")
    if spec.dtype is not None and getattr(x.dtype, "name", x.dtype) != spec.dtype:
        fail(f"expected dtype={spec.dtype}, found dtype={x.dtype}")
    for axis, size in spec.axes.items():
        size = getattr(size, "value", size)
        if size is not None and -rank <= axis < rank and dims[axis] not in (size, None):
            fail(f"expected axis {axis} of input shape to have value {size}, but received "
                 f"input with shape {_shape_text(dims)}")
    if spec.shape is not None:
        want, got = list(spec.shape), dims
        if spec.allow_last_axis_squeeze:
            got = got[:-1] if got and got[-1] == 1 else got
            want = want[:-1] if want and want[-1] == 1 else want
        if any(w is not None and g is not None and w != g for w, g in zip(want, got)):
            fail(f"expected shape={spec.shape}, found shape={_shape_text(dims)}")


def assert_input_compatibility(input_spec, inputs, layer_name) -> None:
    """Raises ``ValueError`` (``TypeError`` for an input that is not a tensor) when
    ``inputs`` do not meet ``input_spec`` (an :class:`InputSpec`, ``None``, or a nested list
    of them, one per input), naming the layer, the input's index, what was expected and what
    was received. ``None`` (no spec) accepts anything.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.layers.input_spec import InputSpec, assert_input_compatibility
        >>> try:
        ...     assert_input_compatibility(InputSpec(ndim=4), tf.zeros([2, 3]), "conv2d")
        ... except ValueError as e:
        ...     print(str(e).split(": ", 1)[1])
        expected ndim=4, found ndim=2. Full shape received: (2, 3)
    """
    if not input_spec:
        return
    specs = _flatten(input_spec)
    inputs = _flatten(_by_name(specs, inputs))
    for x, spec in zip(inputs, specs):
        if spec is not None and not (x is None and spec.optional) and \
                not hasattr(x, "shape"):
            raise TypeError(f"Inputs to a layer should be tensors. Got '{x}' (of type "
                            f"{type(x)}) as input for layer '{layer_name}'.")
    if len(inputs) != len(specs):
        raise ValueError(f'Layer "{layer_name}" expects {len(specs)} input(s), but it received '
                         f"{len(inputs)} input tensors. Inputs received: {inputs}")
    for index, (x, spec) in enumerate(zip(inputs, specs)):
        if spec is None or (x is None and spec.optional):
            continue
        if TensorShape(x.shape).ndims is None:
            return      # TF stops checking at the first input of unknown rank
        _check_one(index, x, spec, layer_name)
