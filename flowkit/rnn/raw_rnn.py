"""``tf.nn.raw_rnn`` and ``tf.nn.static_state_saving_rnn``, with TF1's semantics.

``raw_rnn`` is the loop under ``dynamic_rnn`` with the reading of inputs handed to the user:
a ``loop_fn(time, cell_output, cell_state, loop_state)`` called once before the loop (with
``cell_output``, ``cell_state`` and ``loop_state`` all ``None``) to give the first input, the
initial state and the structure of what is emitted, then once per step after the cell. The
loop is a ``while_loop`` that runs while some batch row is not finished; each step writes the
emitted structure into ``TensorArray``\\s (dynamic size), zeros for rows already finished,
whose state is copied through unchanged. Scalars and ``TensorArray``\\s in the state are
passed through as returned (there is no row to choose).

When the first ``loop_fn`` call returns no loop state, the loop carries an ``int32`` zero in
its place (which later ``loop_fn`` calls receive, as in TF1) and ``raw_rnn`` returns ``None``
as the final loop state.

``static_state_saving_rnn`` is ``static_rnn`` whose initial state comes from a *state saver*
(any object with ``state(name)`` and ``save_state(name, value)``, such as TF1's
``SequenceQueueingStateSaver`` or a small class around variables), and whose last output and
final state are only available after the final state was saved.
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import get_default_graph
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops, math_ops
from flowkit.ops.core import convert_to_tensor
from flowkit.ops.indexing_ops import where
from flowkit.rnn import nest
from flowkit.rnn.rnn import static_rnn
from flowkit.rnn.tensor_array import TensorArray
from flowkit.rnn.while_ops import while_loop
from flowkit.variable_scope import variable_scope

__all__ = ["raw_rnn", "static_state_saving_rnn"]


def _check_cell(arg, cell):
    if not callable(cell) or not all(hasattr(cell, a) for a in ("output_size", "state_size")):
        raise TypeError(f"The argument {arg!r} ({cell!r}) is not an RNNCell: it needs "
                        "output_size, state_size and to be callable")


def _batch_size(flat_input):
    """The static batch size of the first input (checked against the others), or a tensor."""
    static = None
    for x in flat_input:
        b = x.shape.as_tuple()[0] if x.shape.ndims else None
        if b is None:
            continue
        if static is not None and b != static:
            raise ValueError(f"The inputs of loop_fn have different batch sizes: {static} and "
                             f"{b} ({x.name})")
        static = b
    if static is not None:
        return static, static
    return None, array_ops.shape(flat_input[0])[0]


def _size_shape(size):
    """A per-row emit size (an int, a list of ints, a TensorShape or a 1-D tensor) as a
    TensorShape (unknown where it is a tensor)."""
    if isinstance(size, TensorShape):
        return size
    if isinstance(size, int):
        return TensorShape([size])
    if isinstance(size, (list, tuple)):
        return TensorShape(list(size))
    value = getattr(size, "shape", None)
    n = value.as_tuple()[0] if value is not None and value.ndims == 1 else None
    return TensorShape([None] * n) if n is not None else TensorShape(None)


def _zeros(batch_size, size, dtype):
    """Zeros of ``[batch_size] + size``."""
    if hasattr(size, "op"):                       # a 1-D shape tensor
        return array_ops.zeros(array_ops.concat([[batch_size], size], 0), dtype=dtype)
    dims = _size_shape(size).as_list()
    if isinstance(batch_size, int):
        return array_ops.zeros([batch_size] + dims, dtype=dtype)
    return array_ops.zeros(array_ops.stack([batch_size] + dims), dtype=dtype)


def _check_finished(finished, where_from):
    finished = convert_to_tensor(finished, name="finished")
    if finished.dtype != dtypes.bool:
        raise TypeError(f"The 'finished' value that loop_fn returns {where_from} must be a bool "
                        f"vector [batch_size]; got {finished.dtype.name} ({finished.name})")
    if finished.shape.ndims not in (None, 1):
        raise ValueError(f"The 'finished' value that loop_fn returns {where_from} must be a "
                         f"vector [batch_size]; got shape {finished.shape} ({finished.name})")
    return finished


def raw_rnn(cell, loop_fn, parallel_iterations=None, swap_memory=False, scope=None):
    """Runs ``cell`` in a loop driven by ``loop_fn`` (TF1's ``tf.nn.raw_rnn``); returns
    ``(emit_ta, final_state, final_loop_state)``.

    ``loop_fn(time, cell_output, cell_state, loop_state)`` returns ``(finished, next_input,
    next_cell_state, emit_output, next_loop_state)``. Its first call (``time`` 0, the other
    arguments ``None``) gives the first input, the initial state, and either ``None`` (emit
    the cell's outputs, structured as ``cell.output_size``) or a structure of tensors whose
    per-row shapes and dtypes the emitted values will have; later calls get the cell's output
    and new state. The loop stops when every row is finished; ``emit_ta`` is a
    ``TensorArray`` (or a structure of them, like the emitted values) with one
    ``[batch, ...]`` element per step. ``parallel_iterations`` and ``swap_memory`` change
    nothing here. Cell variables are made under ``scope`` (default ``rnn``):
    ``rnn/basic_lstm_cell/kernel``...

    Example:
        >>> import flowkit as tf
        >>> from flowkit.rnn import rnn_cell
        >>> from flowkit.rnn.raw_rnn import raw_rnn
        >>> x = tf.placeholder(tf.float32, [4, 2, 3])           # [time, batch, depth]
        >>> inputs = tf.TensorArray(tf.float32, size=4).unstack(x)
        >>> cell = rnn_cell.GRUCell(5)
        >>> def loop_fn(time, cell_output, cell_state, loop_state):
        ...     state = cell.zero_state(2, tf.float32) if cell_output is None else cell_state
        ...     finished = tf.fill([2], time >= 4)
        ...     next_input = inputs.read(tf.minimum(time, 3))
        ...     return finished, next_input, state, cell_output, None
        >>> emit_ta, state, _ = raw_rnn(cell, loop_fn)
        >>> emit_ta.stack().shape.as_list(), state.shape.as_list()
        ([None, 2, 5], [2, 5])
    """
    _check_cell("cell", cell)
    if not callable(loop_fn):
        raise TypeError("loop_fn must be a callable")
    with variable_scope(scope or "rnn"):
        time = convert_to_tensor(0, dtype=dtypes.int32)
        (finished, next_input, initial_state, emit_structure,
         init_loop_state) = loop_fn(time, None, None, None)
        finished = _check_finished(finished, "at time 0")
        flat_input = [convert_to_tensor(x) for x in nest.flatten(next_input)]
        next_input = nest.pack_sequence_as(next_input, flat_input)
        loop_state = init_loop_state if init_loop_state is not None else \
            convert_to_tensor(0, dtype=dtypes.int32)
        if initial_state is None:
            raise ValueError("loop_fn must return the initial cell state (next_cell_state) at "
                             "time 0; it returned None")
        state = nest.pack_sequence_as(initial_state, [
            convert_to_tensor(s) for s in nest.flatten(initial_state)])
        static_batch, batch_size = _batch_size(flat_input)
        if emit_structure is not None:
            flat_emit = [convert_to_tensor(e) for e in nest.flatten(emit_structure)]
            flat_sizes = [e.shape if e.shape.is_fully_defined() else array_ops.shape(e)
                          for e in flat_emit]
            flat_dtypes = [e.dtype for e in flat_emit]
        else:
            emit_structure = cell.output_size
            flat_sizes = nest.flatten(emit_structure)
            flat_dtypes = [nest.flatten(state)[0].dtype] * len(flat_sizes)
        graph = get_default_graph()
        with graph.name_scope("raw_rnn"):
            flat_tas = [TensorArray(dt, size=0, dynamic_size=True, element_shape=TensorShape(
                [static_batch]).concatenate(_size_shape(size)), name=f"rnn_output_{i}")
                for i, (dt, size) in enumerate(zip(flat_dtypes, flat_sizes))]
            zero_emit = nest.pack_sequence_as(emit_structure, [
                _zeros(batch_size, size, dt) for size, dt in zip(flat_sizes, flat_dtypes)])
        emit_ta = nest.pack_sequence_as(emit_structure, flat_tas)

        def condition(unused_time, elements_finished, *_):
            return math_ops.logical_not(math_ops.reduce_all(elements_finished))

        def body(time, elements_finished, current_input, emit_ta, state, loop_state):
            output, cell_state = cell(current_input, state)
            nest.assert_same_structure(state, cell_state)
            nest.assert_same_structure(cell.output_size, output)
            next_time = time + 1
            (next_finished, next_input, next_state, emit_output,
             next_loop_state) = loop_fn(next_time, output, cell_state, loop_state)
            next_finished = _check_finished(next_finished, "inside the loop")
            nest.assert_same_structure(state, next_state)
            nest.assert_same_structure(current_input, next_input)
            nest.assert_same_structure(emit_ta, emit_output)
            if next_loop_state is not None:
                loop_state = next_loop_state

            def copy_through(current, candidate):
                if isinstance(current, TensorArray):
                    return candidate
                candidate = convert_to_tensor(candidate)
                if current.shape.ndims == 0:
                    return candidate
                return where(elements_finished, current, candidate)

            emit_output = nest.map_structure(copy_through, zero_emit, emit_output)
            next_state = nest.map_structure(copy_through, state, next_state)
            emit_ta = nest.map_structure(lambda ta, e: ta.write(time, e), emit_ta, emit_output)
            elements_finished = math_ops.logical_or(elements_finished, next_finished)
            return (next_time, elements_finished, next_input, emit_ta, next_state, loop_state)

        result = while_loop(condition, body,
                            (time, finished, next_input, emit_ta, state, loop_state),
                            parallel_iterations=parallel_iterations or 32,
                            swap_memory=swap_memory)
        emit_ta, final_state, final_loop_state = result[-3:]
        if init_loop_state is None:
            final_loop_state = None
        return emit_ta, final_state, final_loop_state


def static_state_saving_rnn(cell, inputs, state_saver, state_name, sequence_length=None,
                            scope=None):
    """``static_rnn`` over the list ``inputs`` starting from the state that ``state_saver``
    holds, and saving the final state there (TF1's ``tf.nn.static_state_saving_rnn``);
    returns ``(outputs, state)``.

    ``state_saver`` is any object with ``state(name)`` (a tensor: the saved state) and
    ``save_state(name, value)`` (an op or tensor that saves ``value``). ``state_name`` is one
    name, or a (nested) tuple of names shaped like ``cell.state_size`` when the state is a
    tuple. The last output and the returned state depend on the saves (control
    dependencies), so fetching either saves the state.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.rnn import rnn_cell
        >>> from flowkit.rnn.raw_rnn import static_state_saving_rnn
        >>> class Saver:
        ...     def __init__(self):
        ...         self.v = tf.Variable(tf.zeros([2, 3]), name="saved")
        ...     def state(self, name):
        ...         return self.v.read_value()
        ...     def save_state(self, name, value):
        ...         return tf.assign(self.v, value)
        >>> saver = Saver()
        >>> steps = [tf.ones([2, 4]) for _ in range(2)]
        >>> outputs, state = static_state_saving_rnn(rnn_cell.BasicRNNCell(3), steps, saver,
        ...                                          "h")
        >>> with tf.Session() as sess:
        ...     sess.run(tf.global_variables_initializer())
        ...     h = sess.run(state)
        ...     print(bool((sess.run(saver.v) == h).all()))
        True
    """
    state_size = cell.state_size
    state_is_tuple = nest.is_sequence(state_size)
    if state_is_tuple != nest.is_sequence(state_name):
        raise ValueError(f"state_name should be the same type as cell.state_size.  state_name: "
                         f"{state_name!s}, cell.state_size: {state_size!s}")
    if state_is_tuple:
        names = nest.flatten(state_name)
        if len(names) != len(nest.flatten(state_size)):
            raise ValueError(f"#elems allowed in state_name does not match #elems in "
                             f"state_size. state_name: {state_name!s}, cell.state_size: "
                             f"{state_size!s}")
        initial_state = nest.pack_sequence_as(state_size,
                                              [state_saver.state(n) for n in names])
    else:
        names = [state_name]
        initial_state = state_saver.state(state_name)
    outputs, state = static_rnn(cell, inputs, initial_state=initial_state,
                                sequence_length=sequence_length, scope=scope)
    flat_state = nest.flatten(state)
    saves = [state_saver.save_state(n, s) for n, s in zip(names, flat_state)]
    graph = get_default_graph()
    with graph.control_dependencies(saves):
        last = outputs[-1]
        outputs[-1] = nest.pack_sequence_as(last, [array_ops.identity(o)
                                                   for o in nest.flatten(last)])
        state = nest.pack_sequence_as(state, [array_ops.identity(s) for s in flat_state])
    return outputs, state
