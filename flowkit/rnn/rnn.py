"""``tf.nn.static_rnn``, ``tf.nn.dynamic_rnn``, ``tf.nn.bidirectional_dynamic_rnn`` and
``tf.nn.static_bidirectional_rnn``, as TF1 builds them: ``dynamic_rnn`` is a ``while_loop``
over time that reads each step's input from a ``TensorArray`` and writes each step's output to
another; with ``sequence_length``, outputs past a sequence's end are zero and its state is
copied through (``tf.where(time >= sequence_length, ...)``), and the loop stops after the
longest sequence.
"""
from __future__ import annotations

from flowkit.framework import dtypes
from flowkit.framework.graph import get_default_graph
from flowkit.framework.tensor_shape import TensorShape
from flowkit.ops import array_ops, math_ops
from flowkit.ops.core import convert_to_tensor
from flowkit.ops.indexing_ops import gather_nd, where
from flowkit.rnn import nest
from flowkit.rnn.tensor_array import TensorArray
from flowkit.rnn.while_ops import while_loop
from flowkit.variable_scope import variable_scope

__all__ = ["dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "reverse_sequence",
           "static_bidirectional_rnn"]


def _transpose_batch_time(x):
    nd = x.shape.ndims
    if nd is not None and nd < 2:
        raise ValueError(f"Expected input tensor {x} to have rank at least 2")
    return array_ops.transpose(x, [1, 0] + list(range(2, nd)))


def _state_dtype(state):
    return nest.flatten(state)[0].dtype


def _batch_size(flat_input):
    for x in flat_input:
        b = x.shape.as_tuple()[1] if x.shape.ndims else None
        if b is not None:
            return b
    return array_ops.shape(flat_input[0])[1]


def _select(cond, old, new):
    return where(cond, old, new)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None,
                parallel_iterations=None, swap_memory=False, time_major=False, scope=None):
    """Runs ``cell`` over the time steps of ``inputs`` (``[batch, time, depth]``, or
    ``[time, batch, depth]`` with ``time_major``); returns ``(outputs, final_state)``.

    Example:
        >>> import flowkit as tf
        >>> from flowkit.rnn import rnn_cell, dynamic_rnn
        >>> x = tf.placeholder(tf.float32, [2, 3, 4])
        >>> out, state = dynamic_rnn(rnn_cell.GRUCell(5), x, dtype=tf.float32)
        >>> print(out.shape, state.shape)
        (2, 3, 5) (2, 5)
    """
    with variable_scope(scope or "rnn") as varscope:
        flat_input = [convert_to_tensor(x) for x in nest.flatten(inputs)]
        if not time_major:
            flat_input = [_transpose_batch_time(x) for x in flat_input]
        if sequence_length is not None:
            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            if sequence_length.shape.ndims not in (None, 1):
                raise ValueError("sequence_length must be a vector of length batch_size, "
                                 f"but saw shape: {sequence_length.shape}")
            sequence_length = array_ops.identity(sequence_length, name="sequence_length")
        batch_size = _batch_size(flat_input)
        if initial_state is not None:
            state = initial_state
        else:
            if dtype is None:
                raise ValueError("If there is no initial_state, you must give a dtype.")
            state = cell.zero_state(batch_size, dtype)
        outputs, final_state = _dynamic_rnn_loop(
            cell, nest.pack_sequence_as(inputs, flat_input), state, sequence_length, varscope)
        if not time_major:
            outputs = nest.map_structure(_transpose_batch_time, outputs)
        return outputs, final_state


def _dynamic_rnn_loop(cell, inputs, initial_state, sequence_length, varscope):
    flat_input = nest.flatten(inputs)
    flat_output_size = nest.flatten(cell.output_size)
    shape0 = flat_input[0].shape
    time_steps = shape0.as_tuple()[0] if shape0.ndims and shape0.as_tuple()[0] is not None \
        else array_ops.shape(flat_input[0])[0]
    batch_size = _batch_size(flat_input)
    dtype = _state_dtype(initial_state)
    static_batch = batch_size if isinstance(batch_size, int) else None
    zero_output = nest.pack_sequence_as(
        cell.output_size, [array_ops.zeros(array_ops.stack([batch_size, s]) if static_batch
                                           is None else [static_batch, s], dtype=dtype)
                           for s in flat_output_size])
    if sequence_length is not None:
        max_len = math_ops.reduce_max(sequence_length)
    time = convert_to_tensor(0, dtype=dtypes.int32, name="time")
    graph = get_default_graph()
    with graph.name_scope("dynamic_rnn"):
        output_tas = [TensorArray(dtype, size=time_steps, element_shape=TensorShape(
            [static_batch, s]), name=f"output_{i}") for i, s in enumerate(flat_output_size)]
        input_tas = [TensorArray(x.dtype, size=time_steps, element_shape=TensorShape(
            x.shape.as_tuple()[1:] if x.shape.ndims else None), name=f"input_{i}").unstack(x)
            for i, x in enumerate(flat_input)]

    def step(t, out_tas, state):
        xs = [ta.read(t) for ta in input_tas]
        x_t = nest.pack_sequence_as(inputs, xs)
        output, new_state = cell(x_t, state)
        flat_out = nest.flatten(output)
        if sequence_length is not None:
            copy = t >= sequence_length
            flat_out = [_select(copy, z, o) for z, o in zip(nest.flatten(zero_output),
                                                             flat_out)]
            flat_state = [_select(copy, s, n) for s, n in zip(nest.flatten(state),
                                                              nest.flatten(new_state))]
            new_state = nest.pack_sequence_as(state, flat_state)
        out_tas = [ta.write(t, o) for ta, o in zip(out_tas, flat_out)]
        return t + 1, out_tas, new_state

    if sequence_length is not None:
        bound = math_ops.minimum(time_steps, math_ops.maximum(1, max_len))
    else:
        bound = time_steps
    _, final_tas, final_state = while_loop(
        lambda t, *_: t < bound, step, (time, output_tas, initial_state),
        maximum_iterations=time_steps)
    outs = [ta.stack() for ta in final_tas]
    if isinstance(time_steps, int):
        for o in outs:
            o.set_shape(TensorShape([time_steps]).concatenate(o.shape.as_tuple()[1:]))
    return nest.pack_sequence_as(cell.output_size, outs), final_state


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None,
               scope=None):
    """Unrolls ``cell`` over the list ``inputs`` (one ``[batch, depth]`` tensor per step) in
    the graph; returns ``(outputs, final_state)``, ``outputs`` a list.

    Example:
        >>> import flowkit as tf
        >>> steps = [tf.placeholder(tf.float32, [2, 4]) for _ in range(3)]
        >>> outputs, state = tf.nn.static_rnn(tf.nn.rnn_cell.BasicRNNCell(5), steps,
        ...                                   dtype=tf.float32)
        >>> len(outputs), state.shape.as_list()
        (3, [2, 5])
    """
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("inputs must be a sequence")
    if not inputs:
        raise ValueError("inputs must not be empty")
    outputs = []
    with variable_scope(scope or "rnn") as varscope:
        first = nest.flatten(inputs[0])[0]
        batch_size = first.shape.as_tuple()[0] if first.shape.ndims and \
            first.shape.as_tuple()[0] is not None else array_ops.shape(first)[0]
        if initial_state is not None:
            state = initial_state
        else:
            if dtype is None:
                raise ValueError("If no initial_state is provided, dtype must be specified")
            state = cell.zero_state(batch_size, dtype)
        if sequence_length is not None:
            sequence_length = math_ops.cast(sequence_length, dtypes.int32)
            dt = _state_dtype(state)
            zero_output = nest.pack_sequence_as(cell.output_size, [
                array_ops.zeros(array_ops.stack([batch_size, s]) if not isinstance(
                    batch_size, int) else [batch_size, s], dtype=dt)
                for s in nest.flatten(cell.output_size)])
        for t, x in enumerate(inputs):
            if t > 0:
                varscope.reuse_variables()
            output, new_state = cell(x, state)
            if sequence_length is not None:
                copy = t >= sequence_length
                output = nest.pack_sequence_as(output, [
                    _select(copy, z, o) for z, o in zip(nest.flatten(zero_output),
                                                        nest.flatten(output))])
                new_state = nest.pack_sequence_as(state, [
                    _select(copy, s, n) for s, n in zip(nest.flatten(state),
                                                        nest.flatten(new_state))])
            state = new_state
            outputs.append(output)
    return outputs, state


def reverse_sequence(input, seq_lengths, seq_axis=1, batch_axis=0, name=None):  # noqa: A002
    """Reverses the first ``seq_lengths[b]`` entries of each batch row ``b`` along
    ``seq_axis`` (TF's ``tf.reverse_sequence``, for ``(seq_axis, batch_axis)`` of ``(1, 0)``
    or ``(0, 1)``), built from ``gather_nd`` so that it has a gradient.

    Example:
        >>> import flowkit as tf
        >>> x = tf.constant([[1, 2, 3, 4], [5, 6, 7, 8]])
        >>> with tf.Session() as sess:
        ...     print(sess.run(tf.reverse_sequence(x, [2, 4], seq_axis=1, batch_axis=0)))
        [[2 1 3 4]
         [8 7 6 5]]
    """
    x = convert_to_tensor(input)
    with get_default_graph().name_scope(name or "ReverseSequence"):
        lengths = math_ops.cast(seq_lengths, dtypes.int32)
        time_major = (seq_axis, batch_axis) == (0, 1)
        if not time_major and (seq_axis, batch_axis) != (1, 0):
            raise NotImplementedError("reverse_sequence supports seq_axis/batch_axis of 1/0 "
                                      "or 0/1")
        if time_major:
            x = _transpose_batch_time(x)
        shape = array_ops.shape(x)
        b, t = shape[0], shape[1]
        steps = array_ops.expand_dims(array_ops.range(t), 0)               # [1, T]
        lens = array_ops.expand_dims(lengths, 1)                           # [B, 1]
        src = where(steps < lens, lens - 1 - steps + 0 * steps, steps + 0 * lens)
        rows = array_ops.tile(array_ops.expand_dims(array_ops.range(b), 1),
                              array_ops.stack([1, t]))
        out = gather_nd(x, array_ops.stack([rows, src], axis=2))
        return _transpose_batch_time(out) if time_major else out


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None,
                              initial_state_fw=None, initial_state_bw=None, dtype=None,
                              parallel_iterations=None, swap_memory=False, time_major=False,
                              scope=None):
    """``dynamic_rnn`` forwards (scope ``fw``) and over the reversed sequences (scope
    ``bw``); returns ``((output_fw, output_bw), (state_fw, state_bw))``.

    Example:
        >>> import flowkit as tf
        >>> x = tf.placeholder(tf.float32, [2, 3, 4])
        >>> (fw, bw), _ = tf.nn.bidirectional_dynamic_rnn(
        ...     tf.nn.rnn_cell.GRUCell(5), tf.nn.rnn_cell.GRUCell(6), x, dtype=tf.float32)
        >>> fw.shape.as_list(), bw.shape.as_list()
        ([2, 3, 5], [2, 3, 6])
    """
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = dynamic_rnn(
                cell_fw, inputs, sequence_length=sequence_length,
                initial_state=initial_state_fw, dtype=dtype, time_major=time_major,
                scope=fw_scope)
        time_axis, batch_axis = (0, 1) if time_major else (1, 0)

        def _reverse(x):
            if sequence_length is not None:
                return reverse_sequence(x, sequence_length, seq_axis=time_axis,
                                        batch_axis=batch_axis)
            return array_ops.reverse(x, axis=[time_axis])

        with variable_scope("bw") as bw_scope:
            inputs_rev = nest.map_structure(_reverse, inputs)
            tmp, state_bw = dynamic_rnn(
                cell_bw, inputs_rev, sequence_length=sequence_length,
                initial_state=initial_state_bw, dtype=dtype, time_major=time_major,
                scope=bw_scope)
    output_bw = nest.map_structure(_reverse, tmp)
    return (output_fw, output_bw), (state_fw, state_bw)


def _reverse_seq(seq, lengths):
    """The list ``seq`` (one ``[batch, ...]`` structure per step) in reverse order, each batch
    row reversed only over its first ``lengths[b]`` steps when ``lengths`` is given."""
    if lengths is None:
        return list(reversed(seq))
    flat_steps = [nest.flatten(x) for x in seq]
    columns = []
    for k in range(len(flat_steps[0])):
        steps = [convert_to_tensor(s[k]) for s in flat_steps]
        stacked = array_ops.stack(steps)                       # [time, batch, ...]
        rev = reverse_sequence(stacked, lengths, seq_axis=0, batch_axis=1)
        out = array_ops.unstack(rev, num=len(steps))
        for o, s in zip(out, steps):
            o.set_shape(s.shape)
        columns.append(out)
    return [nest.pack_sequence_as(seq[t], [col[t] for col in columns])
            for t in range(len(seq))]


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None,
                             initial_state_bw=None, dtype=None, sequence_length=None,
                             scope=None):
    """``static_rnn`` forwards (scope ``bidirectional_rnn/fw``) and over the reversed list of
    steps (scope ``bidirectional_rnn/bw``; each batch row reversed over its first
    ``sequence_length`` steps only); returns ``(outputs, output_state_fw, output_state_bw)``,
    ``outputs`` a list of the forward and backward outputs of each step concatenated along
    their depth (the backward ones put back in input order).

    Example:
        >>> import flowkit as tf
        >>> from flowkit.rnn import rnn_cell, static_bidirectional_rnn
        >>> steps = [tf.placeholder(tf.float32, [2, 4]) for _ in range(3)]
        >>> outs, fw, bw = static_bidirectional_rnn(rnn_cell.GRUCell(5), rnn_cell.GRUCell(6),
        ...                                         steps, dtype=tf.float32)
        >>> len(outs), outs[0].shape.as_list(), fw.shape.as_list(), bw.shape.as_list()
        (3, [2, 11], [2, 5], [2, 6])
    """
    for arg, cell in (("cell_fw", cell_fw), ("cell_bw", cell_bw)):
        if not callable(cell) or not all(hasattr(cell, a) for a in ("output_size",
                                                                      "state_size")):
            raise TypeError(f"The argument {arg!r} ({cell!r}) is not an RNNCell: it needs "
                            "output_size, state_size and to be callable")
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("inputs must be a list")
    if not inputs:
        raise ValueError("inputs must not be empty")
    with variable_scope(scope or "bidirectional_rnn"):
        with variable_scope("fw") as fw_scope:
            output_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype,
                                             sequence_length, scope=fw_scope)
        with variable_scope("bw") as bw_scope:
            lengths = None if sequence_length is None else \
                math_ops.cast(sequence_length, dtypes.int32)
            tmp, state_bw = static_rnn(cell_bw, _reverse_seq(inputs, lengths),
                                       initial_state_bw, dtype, sequence_length,
                                       scope=bw_scope)
    output_bw = _reverse_seq(tmp, lengths)
    outputs = [nest.pack_sequence_as(fw, [array_ops.concat([a, b], 1) for a, b in zip(
        nest.flatten(fw), nest.flatten(bw))]) for fw, bw in zip(output_fw, output_bw)]
    return outputs, state_fw, state_bw
