"""State ops: the variable node and the assignments that change a variable's value.

A ``VariableV2`` op has no kernel: its value lives in each session, and the session reads it.
``Assign``, ``AssignAdd`` and ``AssignSub`` take the variable tensor as input 0 (a reference,
not a read) and a backend kernel computes the new value, in place where it can.

Example:
    >>> import flowkit as tf
    >>> v = tf.Variable(1.0, name="v")
    >>> inc = tf.assign_add(v, 2.0)
    >>> with tf.Session() as sess:
    ...     sess.run(v.initializer)
    ...     print(sess.run(inc), sess.run(v))
    3.0 3.0
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import Tensor
from flowkit.framework.registry import register_op
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops.core import convert_to_tensor, make_op, make_tensor


def _variable_shape(inputs, attrs):
    return [(attrs["dtype"], attrs["shape"])]


register_op("VariableV2", shape=_variable_shape, grad=None, kernel=False, stateful=True)


def _assign_shape(inputs, attrs):
    ref, value = inputs
    if ref.dtype is not value.dtype:
        raise TypeError(f"Input 'value' of 'Assign' Op has type {value.dtype.name} that does "
                        f"not match type {ref.dtype.name} of argument 'ref'.")
    if attrs.get("validate_shape", True):
        if not ref.shape.is_compatible_with(value.shape):
            raise ValueError(f"Shapes must be equal rank, or compatible: the variable has shape "
                             f"{ref.shape} and the value has shape {value.shape}")
        return [(ref.dtype, ref.shape.merge_with(value.shape))]
    return [(ref.dtype, value.shape)]


def _update_shape(inputs, attrs):
    ref, value = inputs
    if ref.dtype is not value.dtype:
        raise TypeError(f"Input 'value' has type {value.dtype.name} that does not match type "
                        f"{ref.dtype.name} of the variable.")
    if not ref.shape.is_compatible_with(value.shape) and value.shape.ndims != 0:
        raise ValueError(f"Shapes {ref.shape} and {value.shape} are incompatible")
    return [(ref.dtype, ref.shape)]


register_op("Assign", shape=_assign_shape, grad=None, writes_ref=True)
register_op("AssignAdd", shape=_update_shape, grad=None, writes_ref=True)
register_op("AssignSub", shape=_update_shape, grad=None, writes_ref=True)


def variable_op(shape, dtype, name="Variable"):
    """Creates the raw ``VariableV2`` node (use :class:`flowkit.Variable` instead)."""
    dtype = dtypes.as_dtype(dtype)
    return make_tensor("VariableV2", (), {"shape": TensorShape(shape), "dtype": dtype}, name)


def _ref(ref):
    """The ``VariableV2`` output behind a Variable or a ref tensor."""
    if hasattr(ref, "_variable"):
        return ref._variable
    if isinstance(ref, Tensor) and ref.op.type == "VariableV2":
        return ref
    raise TypeError(f"Assignment needs a variable, got {ref!r}. Only tf.Variable values (and "
                    "the tensors of VariableV2 ops) can be assigned to.")


def _update(op_type, ref, value, name, attrs):
    r = _ref(ref)
    with r.graph.name_scope(name or op_type) as scope:    # a Python value: "Assign/value"
        value = convert_to_tensor(value, dtype=r.dtype if not isinstance(value, Tensor) and
                                  not hasattr(value, "_as_tensor") else None, name="value")
        attrs = dict(attrs, dtype=r.dtype)
        return make_op(op_type, (r, value), attrs, scope).outputs[0]


def assign(ref, value, validate_shape=None, use_locking=None, name=None):
    """Writes ``value`` into the variable ``ref``; the result is the new value.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable([1.0, 2.0])
        >>> new = tf.assign(v, [5.0, 6.0])
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(new), sess.run(v))
        [5. 6.] [5. 6.]
    """
    validate = True if validate_shape is None else bool(validate_shape)
    attrs = {"validate_shape": validate}
    if validate:
        # The kernel checks a value whose shape is known only at run time against the
        # variable's (flowkit.backend.check_assign_shape names the variable).
        attrs["var"] = _ref(ref).op
    return _update("Assign", ref, value, name, attrs)


def assign_add(ref, value, use_locking=None, name=None):
    """Adds ``value`` to the variable ``ref``; the result is the new value.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable(1.0)
        >>> inc = tf.assign_add(v, 2.0)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(inc), sess.run(inc))
        3.0 5.0
    """
    return _update("AssignAdd", ref, value, name, {})


def assign_sub(ref, value, use_locking=None, name=None):
    """Subtracts ``value`` from the variable ``ref``; the result is the new value.

    Example:
        >>> import flowkit as tf
        >>> v = tf.Variable(10)
        >>> dec = tf.assign_sub(v, 3)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(dec), sess.run(dec))
        7 4
    """
    return _update("AssignSub", ref, value, name, {})


# Ops the session answers from its own state.
register_op("IsVariableInitialized", shape=lambda i, a: [(dtypes.bool, TensorShape([]))],
            grad=None, kernel=False, stateful=True)
register_op("ReportUninitializedVariables",
            shape=lambda i, a: [(dtypes.string, TensorShape([None]))], grad=None, kernel=False,
            stateful=True)


def is_variable_initialized(variable):
    """A scalar bool tensor: whether ``variable`` has a value in the running session."""
    r = _ref(variable)
    return make_tensor("IsVariableInitialized", (), {"var": r.op}, "IsVariableInitialized")
