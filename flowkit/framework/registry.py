"""The op registry: one :class:`OpDef` per op type.

An op type (TF's CamelCase name, ``"MatMul"``) is declared once, next to its builder, with
:func:`register_op`: its shape/dtype rule and its gradient rule. Backends then provide a
forward kernel for it. The core's own op types form :data:`REQUIRED_KERNELS`, the list every
backend must cover (the docs' table is generated from it).

A shape rule takes ``(inputs, attrs)`` -- the input :class:`~flowkit.Tensor` objects and the
op's attribute dict -- and returns a list of ``(dtype, shape)`` pairs, one per output. It raises
``ValueError`` (or ``TypeError``) with a short reason; the graph adds the op's name and all
input shapes to the message.

A gradient rule takes ``(op, *output_grads)`` and returns one gradient (a Tensor or ``None``)
per input, written with flowkit ops so that every backend can run it and it can be
differentiated again. ``grad=None`` registers an op as not differentiable.

Example:
    >>> from flowkit.framework.registry import get_op_def
    >>> get_op_def("MatMul").type
    'MatMul'
"""
from __future__ import annotations

from typing import Callable, Optional


class OpDef:
    """Everything the core knows about one op type."""

    __slots__ = ("type", "shape_fn", "grad_fn", "kernel", "writes_ref", "needs_rng",
                 "needs_state", "view", "stateful", "list_output", "plugin", "doc")

    def __init__(self, type_name: str, shape_fn: Callable, grad_fn: Optional[Callable], *,
                 kernel: bool = True, writes_ref: bool = False, needs_rng: bool = False,
                 needs_state: bool = False, view: bool = False, stateful: bool = False,
                 list_output: bool = False,
                 plugin: str = "flowkit", doc: str = "") -> None:
        self.type = type_name
        self.shape_fn = shape_fn
        self.grad_fn = grad_fn
        #: False for the few ops the session itself executes (Placeholder, VariableV2...).
        self.kernel = kernel
        #: Input 0 is a variable; the kernel returns the variable's new value.
        self.writes_ref = writes_ref
        #: The kernel receives a per-session random generator as ``attrs["rng"]``.
        self.needs_rng = needs_rng
        #: The kernel receives ``attrs["state"]``: a dict that belongs to this op in this
        #: session and lives as long as the session (an iterator's position, a queue...), so
        #: two sessions running one graph keep separate states, as they keep separate
        #: variable values.
        self.needs_state = needs_state
        #: The output may share memory with input 0 (reshape, identity, slicing...).
        self.view = view
        self.stateful = stateful or writes_ref or needs_rng or needs_state
        #: The kernel returns a sequence of outputs even when there is only one (Unpack with
        #: num=1); otherwise a single-output kernel returns the array itself.
        self.list_output = list_output
        self.plugin = plugin
        self.doc = doc

    def __repr__(self) -> str:
        return f"OpDef({self.type!r}, plugin={self.plugin!r})"


_REGISTRY: dict[str, OpDef] = {}
#: Op types whose forward kernel every backend must provide (filled by the core's op modules).
REQUIRED_KERNELS: set[str] = set()


def register_op(type_name: str, *, shape: Callable, grad, required: bool = True,
                plugin: str = "flowkit", **flags) -> OpDef:
    """Declares an op type. ``grad`` is a gradient rule, or ``None`` for "not differentiable".

    Registering a type twice is an error naming both registrants.
    """
    if type_name in _REGISTRY:
        old = _REGISTRY[type_name]
        raise ValueError(f"Op type '{type_name}' is registered twice: by '{old.plugin}' and by "
                         f"'{plugin}'. Op types must be unique; rename one of them.")
    op_def = OpDef(type_name, shape, grad, plugin=plugin, **flags)
    _REGISTRY[type_name] = op_def
    if required and op_def.kernel:
        REQUIRED_KERNELS.add(type_name)
    return op_def


def unregister_op(type_name: str) -> None:
    """Removes an op type (used when a plugin is unregistered, and by tests)."""
    _REGISTRY.pop(type_name, None)
    REQUIRED_KERNELS.discard(type_name)


def get_op_def(type_name: str) -> OpDef:
    try:
        return _REGISTRY[type_name]
    except KeyError:
        raise KeyError(f"Op type '{type_name}' is not registered. Registered op types come from "
                       f"flowkit and from op plugins; is the plugin that defines it installed?"
                       ) from None


def has_op(type_name: str) -> bool:
    return type_name in _REGISTRY


def registered_ops() -> dict[str, OpDef]:
    return dict(_REGISTRY)
