"""The global step: an int64 variable that counts training steps.

It lives in the ``GLOBAL_STEP`` collection (and ``GLOBAL_VARIABLES``), is named
``global_step``, and is incremented by ``optimizer.minimize(loss, global_step=...)``.
Learning-rate schedules read it.

Example:
    >>> import flowkit as tf
    >>> step = tf.train.get_or_create_global_step()
    >>> step.name, step.dtype.name, tf.train.get_global_step() is step
    ('global_step:0', 'int64', True)
"""
from __future__ import annotations

import numpy as np

from flowkit.framework.graph import GraphKeys, get_default_graph
from flowkit.variables import Variable

__all__ = ["create_global_step", "get_global_step", "get_or_create_global_step",
           "assert_global_step", "global_step"]


def _check(t) -> None:
    if not t.dtype.is_integer:
        raise TypeError(f"Existing \"global_step\" does not have integer type: {t.dtype.name}")
    if t.shape.ndims != 0 and t.shape.ndims is not None:
        raise TypeError(f"Existing \"global_step\" is not scalar: {t.shape}")


def assert_global_step(global_step_tensor) -> None:
    """``TypeError`` unless ``global_step_tensor`` is a scalar integer variable or tensor.

    Example:
        >>> import flowkit as tf
        >>> step = tf.train.create_global_step()
        >>> tf.train.assert_global_step(step)
        >>> try:
        ...     tf.train.assert_global_step(tf.Variable(0.0))
        ... except TypeError as e:
        ...     print("TypeError")
        TypeError
    """
    if not (hasattr(global_step_tensor, "_as_graph_element") or
            hasattr(global_step_tensor, "dtype")):
        raise TypeError(f"Existing \"global_step\" must be a Variable or Tensor: "
                        f"{global_step_tensor}.")
    _check(global_step_tensor)


def get_global_step(graph=None):
    """The global step of ``graph`` (default: the default graph), or ``None``.

    It is the one variable in the ``GLOBAL_STEP`` collection, else the tensor named
    ``global_step:0``.

    Raises:
        TypeError: the global step found is not a scalar integer.

    Example:
        >>> import flowkit as tf
        >>> print(tf.train.get_global_step())
        None
        >>> step = tf.train.create_global_step()
        >>> print(tf.train.get_global_step() is step)
        True
    """
    graph = graph or get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) > 1:
        raise ValueError("Multiple tensors in global_step collection.")
    if found:
        step = found[0]
    else:
        try:
            step = graph.get_tensor_by_name("global_step:0")
        except KeyError:
            return None
    assert_global_step(step)
    return step


def create_global_step(graph=None):
    """Creates the global step of ``graph``: an int64 scalar variable named ``global_step``,
    starting at 0, not trainable, in the ``GLOBAL_VARIABLES`` and ``GLOBAL_STEP``
    collections.

    Raises:
        ValueError: the graph already has a global step.

    Example:
        >>> import flowkit as tf
        >>> step = tf.train.create_global_step()
        >>> print(step.name, step.dtype, step.trainable)
        global_step:0 <dtype: 'int64'> False
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     print(sess.run(tf.assign_add(step, 1)))
        1
    """
    graph = graph or get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError("\"global_step\" already exists.")
    with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None):
        return Variable(np.int64(0), trainable=False, name="global_step",
                        collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The global step of ``graph``, created first if there is none.

    Example:
        >>> import flowkit as tf
        >>> a = tf.train.get_or_create_global_step()
        >>> b = tf.train.get_or_create_global_step()
        >>> print(a is b, a.name)
        True global_step:0
    """
    graph = graph or get_default_graph()
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def global_step(sess, global_step_tensor) -> int:
    """The value of the global step in ``sess``, as a Python int.

    Example:
        >>> import flowkit as tf
        >>> step = tf.train.get_or_create_global_step()
        >>> w = tf.Variable(1.0)
        >>> train_op = tf.train.GradientDescentOptimizer(0.1).minimize(w * w, global_step=step)
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     for _ in range(3):
        ...         _ = sess.run(train_op)
        ...     print(tf.train.global_step(sess, step))
        3
    """
    return int(sess.run(global_step_tensor))
