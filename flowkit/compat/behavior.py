"""The switches that TF1-on-TF2 programs flip at their start, as flowkit answers them.

A program written for TensorFlow 2's compatibility mode begins::

    import tensorflow.compat.v1 as tf
    tf.disable_v2_behavior()

flowkit *is* TF1's graph mode, so every switch that asks for TF1's behaviour is accepted and
does nothing (``disable_v2_behavior``, ``disable_eager_execution``,
``disable_resource_variables``, ``disable_tensor_equality``, ``disable_v2_tensorshape``,
``disable_control_flow_v2``), and every query answers as TF1 would (``executing_eagerly()`` is
``False``). A switch that asks for a TF2 behaviour which would change what a program computes
(eager execution, elementwise ``==`` on tensors, plain-int shapes) raises a ``ValueError``
that says so, rather than letting the program run with a meaning it did not ask for. Two
TF2 switches that change only how TF implements things, not what a graph computes
(``enable_resource_variables``, ``enable_control_flow_v2``), are accepted: flowkit has one kind
of variable and one control-flow implementation, and the queries report what was asked.

This module imports nothing from flowkit, so any layer may use it.

Example:
    >>> import flowkit.compat.v1 as tf
    >>> tf.disable_v2_behavior()
    >>> tf.executing_eagerly()
    False
    >>> tf.enable_eager_execution()
    Traceback (most recent call last):
    ...
    ValueError: tf.enable_eager_execution: flowkit runs TF1's graph mode only (build a graph,
    then run it in a tf.Session); eager execution is not available. Remove the call, ...
"""
from __future__ import annotations

__all__ = [
    "disable_v2_behavior", "enable_v2_behavior", "disable_eager_execution",
    "enable_eager_execution", "executing_eagerly", "executing_eagerly_outside_functions",
    "enable_resource_variables", "disable_resource_variables", "resource_variables_enabled",
    "enable_control_flow_v2", "disable_control_flow_v2", "control_flow_v2_enabled",
    "enable_tensor_equality", "disable_tensor_equality", "enable_v2_tensorshape",
    "disable_v2_tensorshape",
]

# What the program asked for with the switches that flowkit accepts but that change nothing.
_asked = {"resource_variables": False, "control_flow_v2": False}


def _graph_mode_only(name: str, what: str, instead: str) -> ValueError:
    return ValueError(f"tf.{name}: flowkit runs TF1's graph mode only (build a graph, then run "
                      f"it in a tf.Session); {what} is not available. {instead}")


def disable_v2_behavior() -> None:
    """Accepted; does nothing: flowkit always behaves as TF1 (graph mode, sessions,
    collections, TF1's shapes and variables).

    Example:
        >>> tf.disable_v2_behavior()
        >>> tf.executing_eagerly()
        False
    """


def enable_v2_behavior() -> None:
    """Raises ``ValueError``: TF2's behaviour (eager execution first of all) is not
    available in flowkit.

    Example:
        >>> tf.enable_v2_behavior()
        Traceback (most recent call last):
        ...
        ValueError: tf.enable_v2_behavior: flowkit runs TF1's graph mode only ...
    """
    raise _graph_mode_only("enable_v2_behavior", "TensorFlow 2's behaviour",
                           "Remove the call, or use TensorFlow 2 for TF2 code.")


def disable_eager_execution() -> None:
    """Accepted; does nothing: flowkit never executes eagerly.

    Example:
        >>> tf.disable_eager_execution()
    """


def enable_eager_execution(config=None, device_policy=None, execution_mode=None) -> None:
    """Raises ``ValueError``: flowkit has no eager mode (the arguments are TF1's).

    Example:
        >>> tf.enable_eager_execution()
        Traceback (most recent call last):
        ...
        ValueError: tf.enable_eager_execution: flowkit runs TF1's graph mode only ...
    """
    del config, device_policy, execution_mode
    raise _graph_mode_only("enable_eager_execution", "eager execution",
                           "Remove the call, or use TensorFlow 2 for eager code.")


def executing_eagerly() -> bool:
    """``False``: ops build graph nodes; values come from ``Session.run``.

    Example:
        >>> tf.executing_eagerly()
        False
    """
    return False


def executing_eagerly_outside_functions() -> bool:
    """``False``, as in TF1's graph mode.

    Example:
        >>> tf.executing_eagerly_outside_functions()
        False
    """
    return False


def enable_resource_variables() -> None:
    """Accepted; changes nothing: flowkit has one kind of variable. Its reads never alias
    the variable's storage after a later assign in the same run, which is the guarantee
    resource variables gave over TF1's reference variables.

    Example:
        >>> tf.enable_resource_variables()
        >>> tf.resource_variables_enabled()
        True
        >>> tf.disable_resource_variables()
    """
    _asked["resource_variables"] = True


def disable_resource_variables() -> None:
    """Accepted; changes nothing (see :func:`enable_resource_variables`).

    Example:
        >>> tf.disable_resource_variables()
        >>> tf.resource_variables_enabled()
        False
    """
    _asked["resource_variables"] = False


def resource_variables_enabled() -> bool:
    """What the program last asked for with :func:`enable_resource_variables` /
    :func:`disable_resource_variables` (``False`` at the start, as in TF1); flowkit's variables
    behave the same either way.

    Example:
        >>> tf.resource_variables_enabled()
        False
    """
    return _asked["resource_variables"]


def enable_control_flow_v2() -> None:
    """Accepted; changes nothing: flowkit has one implementation of ``tf.cond`` and
    ``tf.while_loop``, with TF1's semantics.

    Example:
        >>> tf.enable_control_flow_v2()
        >>> tf.control_flow_v2_enabled()
        True
        >>> tf.disable_control_flow_v2()
    """
    _asked["control_flow_v2"] = True


def disable_control_flow_v2() -> None:
    """Accepted; changes nothing (see :func:`enable_control_flow_v2`).

    Example:
        >>> tf.disable_control_flow_v2()
        >>> tf.control_flow_v2_enabled()
        False
    """
    _asked["control_flow_v2"] = False


def control_flow_v2_enabled() -> bool:
    """What the program last asked for with :func:`enable_control_flow_v2` /
    :func:`disable_control_flow_v2` (``False`` at the start, as in TF1).

    Example:
        >>> tf.control_flow_v2_enabled()
        False
    """
    return _asked["control_flow_v2"]


def enable_tensor_equality() -> None:
    """Raises ``ValueError``: flowkit's tensors compare by identity and are hashable, as in
    TF1 (``t1 == t2`` is ``t1 is t2``); use ``tf.equal`` for elementwise comparison.

    Example:
        >>> tf.enable_tensor_equality()
        Traceback (most recent call last):
        ...
        ValueError: tf.enable_tensor_equality: flowkit runs TF1's graph mode only ...
    """
    raise _graph_mode_only("enable_tensor_equality", "TF2's elementwise `==` on tensors",
                           "Use tf.equal(a, b) for an elementwise comparison.")


def disable_tensor_equality() -> None:
    """Accepted; does nothing: tensors compare by identity, as in TF1.

    Example:
        >>> tf.disable_tensor_equality()
        >>> a = tf.constant(1.0)
        >>> a == a, a == tf.constant(1.0)
        (True, False)
    """


def enable_v2_tensorshape() -> None:
    """Raises ``ValueError``: flowkit's ``TensorShape`` is TF1's (``shape[i]`` is a
    ``Dimension``); use ``tf.dimension_value(shape[i])`` or ``shape.as_list()`` for ints.

    Example:
        >>> tf.enable_v2_tensorshape()
        Traceback (most recent call last):
        ...
        ValueError: tf.enable_v2_tensorshape: flowkit runs TF1's graph mode only ...
    """
    raise _graph_mode_only("enable_v2_tensorshape", "TF2's TensorShape (plain int dimensions)",
                           "Use shape.as_list() or tf.compat.dimension_value(shape[i]) for "
                           "ints.")


def disable_v2_tensorshape() -> None:
    """Accepted; does nothing: shapes are TF1's, with ``Dimension`` entries.

    Example:
        >>> tf.disable_v2_tensorshape()
        >>> tf.TensorShape([2, 3])[0]
        Dimension(2)
    """
