"""``tf.nn.rnn_cell``: the cell classes of TF1, with TF1's variable names.

A cell maps ``(inputs, state)`` to ``(output, new_state)``. It creates its variables with
``get_variable`` under its own variable scope the first time it is called (named after the
class: ``basic_lstm_cell``, made unique in the enclosing scope as TF1 does: a second cell in
the same scope is ``basic_lstm_cell_1``), and reuses them at every later call, so an
unrolled loop or a ``dynamic_rnn`` shares one set of weights. Inside ``dynamic_rnn`` the
names are ``rnn/basic_lstm_cell/kernel``, ``rnn/gru_cell/gates/kernel``... exactly TF1's,
so checkpoints converted from TF1 by name load.

Subclass :class:`RNNCell` for your own cell: define ``state_size``, ``output_size`` and
either ``call(inputs, state)`` (the scope is handled for you) or ``__call__(inputs, state,
scope=None)`` (as cs224n's assignments do).
"""
from __future__ import annotations

import collections
import re

from flowkit.framework import dtypes
from flowkit.framework.graph import get_default_graph
from flowkit.framework.tensor_shape import TensorShape
from flowkit.init_ops import constant_initializer, zeros_initializer
from flowkit.ops import array_ops, math_ops, nn_ops
from flowkit.ops.math_ops import clip_by_value
from flowkit.ops.matrix_ops import matmul
from flowkit.rnn import nest
from flowkit.variable_scope import get_variable, variable_scope

__all__ = ["RNNCell", "LayerRNNCell", "BasicRNNCell", "GRUCell", "BasicLSTMCell", "LSTMCell",
           "LSTMStateTuple", "MultiRNNCell", "DropoutWrapper", "ResidualWrapper",
           "DeviceWrapper"]


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """``(c, h)``: the memory cell and the hidden state of an LSTM."""

    __slots__ = ()

    @property
    def dtype(self):
        c, h = self
        if c.dtype != h.dtype:
            raise TypeError(f"Inconsistent internal state: {c.dtype} vs {h.dtype}")
        return c.dtype


def _concat_size(prefix, suffix):
    p = TensorShape(prefix if isinstance(prefix, (list, tuple)) else [prefix])
    s = TensorShape(suffix if isinstance(suffix, (list, tuple, TensorShape)) else [suffix])
    return p.concatenate(s)


def _zeros(size, batch_size, dtype):
    shape = [batch_size] + (list(size) if isinstance(size, (list, tuple)) else [size])
    if any(not isinstance(d, int) for d in shape):
        return array_ops.zeros(array_ops.stack(shape), dtype=dtype)
    return array_ops.zeros(shape, dtype=dtype)


class RNNCell:
    """The base class of cells (see the module docstring)."""

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs) -> None:
        self._name = name
        self._dtype = dtypes.as_dtype(dtype) if dtype is not None else None
        self._scope = None
        self._reuse = kwargs.get("_reuse")
        self.built = False

    @property
    def state_size(self):
        """An int, a TensorShape, or a nested structure of them."""
        raise NotImplementedError("Abstract method")

    @property
    def output_size(self):
        raise NotImplementedError("Abstract method")

    @property
    def name(self):
        return self._scope.name if self._scope is not None else (self._name or
                                                                 self._base_name())

    def _base_name(self) -> str:
        s = re.sub(r"(.)([A-Z][a-z0-9]+)", r"\1_\2", type(self).__name__)
        return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()

    def __call__(self, inputs, state, scope=None):
        """``(output, new_state)``; the first call creates the variables."""
        if scope is not None:
            with variable_scope(scope, reuse=self._reuse) as s:
                return self._call_in(s, inputs, state)
        if self._scope is None:
            with variable_scope(self._name, default_name=self._base_name(),
                                reuse=self._reuse) as s:
                self._scope = s
                return self._call_in(s, inputs, state)
        with variable_scope(self._scope, reuse=True) as s:
            return self._call_in(s, inputs, state)

    def _call_in(self, scope, inputs, state):
        if not self.built:
            first = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
            self.build(first.shape)
            self.built = True
        return self.call(inputs, state)

    def build(self, inputs_shape) -> None:
        """Creates the variables (under the cell's scope)."""

    def call(self, inputs, state):
        raise NotImplementedError("Subclasses of RNNCell define call(inputs, state) or "
                                  "__call__(inputs, state, scope=None)")

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        return self.zero_state(batch_size, dtype)

    def zero_state(self, batch_size, dtype):
        """Zeros shaped like ``state_size`` for ``batch_size`` rows (a nested structure of
        ``[batch_size, size]`` tensors)."""
        with get_default_graph().name_scope(type(self).__name__ + "ZeroState"):
            size = self.state_size
            if nest.is_sequence(size):
                return nest.map_structure(lambda s: _zeros(s, batch_size, dtype), size)
            return _zeros(size, batch_size, dtype)

    def _get(self, name, shape, initializer=None, dtype=dtypes.float32):
        return get_variable(name, shape, dtype=dtype, initializer=initializer)


LayerRNNCell = RNNCell


def _input_depth(shape, cls):
    depth = TensorShape(shape).as_tuple()[-1] if TensorShape(shape).ndims else None
    if depth is None:
        raise ValueError(f"Expected inputs.shape[-1] to be known, saw shape: {shape} "
                         f"(in {cls})")
    return depth


class BasicRNNCell(RNNCell):
    """``output = new_state = activation(W [inputs, state] + b)``; variables ``kernel``
    ``[input_depth + num_units, num_units]`` and ``bias``."""

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None,
                 **kwargs) -> None:
        super().__init__(name=name, dtype=dtype, _reuse=reuse)
        self._num_units = num_units
        self._activation = activation or math_ops.tanh

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape, "BasicRNNCell")
        self._kernel = self._get("kernel", [depth + self._num_units, self._num_units])
        self._bias = self._get("bias", [self._num_units], zeros_initializer())

    def call(self, inputs, state):
        x = nn_ops.bias_add(matmul(array_ops.concat([inputs, state], 1), self._kernel),
                            self._bias)
        out = self._activation(x)
        return out, out


class GRUCell(RNNCell):
    """A GRU (Cho et al., 2014): variables ``gates/kernel``, ``gates/bias`` (ones),
    ``candidate/kernel``, ``candidate/bias`` (zeros)."""

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None,
                 bias_initializer=None, name=None, dtype=None, **kwargs) -> None:
        super().__init__(name=name, dtype=dtype, _reuse=reuse)
        self._num_units = num_units
        self._activation = activation or math_ops.tanh
        self._kernel_initializer = kernel_initializer
        self._bias_initializer = bias_initializer

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape, "GRUCell")
        n = self._num_units
        self._gate_kernel = self._get("gates/kernel", [depth + n, 2 * n],
                                      self._kernel_initializer)
        self._gate_bias = self._get("gates/bias", [2 * n], self._bias_initializer or
                                    constant_initializer(1.0))
        self._candidate_kernel = self._get("candidate/kernel", [depth + n, n],
                                           self._kernel_initializer)
        self._candidate_bias = self._get("candidate/bias", [n], self._bias_initializer or
                                         zeros_initializer())

    def call(self, inputs, state):
        gate_inputs = nn_ops.bias_add(
            matmul(array_ops.concat([inputs, state], 1), self._gate_kernel), self._gate_bias)
        value = math_ops.sigmoid(gate_inputs)
        r, u = array_ops.split(value, 2, axis=1)
        candidate = nn_ops.bias_add(
            matmul(array_ops.concat([inputs, r * state], 1), self._candidate_kernel),
            self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h


class BasicLSTMCell(RNNCell):
    """An LSTM without peepholes: variables ``kernel`` ``[depth + units, 4 * units]`` and
    ``bias``; gates ``i, j, f, o`` in that order; ``forget_bias`` is added to ``f``."""

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None,
                 reuse=None, name=None, dtype=None, **kwargs) -> None:
        super().__init__(name=name, dtype=dtype, _reuse=reuse)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activation or math_ops.tanh

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape, "BasicLSTMCell")
        n = self._num_units
        self._kernel = self._get("kernel", [depth + n, 4 * n])
        self._bias = self._get("bias", [4 * n], zeros_initializer())

    def call(self, inputs, state):
        if self._state_is_tuple:
            c, h = state
        else:
            c, h = array_ops.split(state, 2, axis=1)
        gates = nn_ops.bias_add(matmul(array_ops.concat([inputs, h], 1), self._kernel),
                                self._bias)
        i, j, f, o = array_ops.split(gates, 4, axis=1)
        sig = math_ops.sigmoid
        new_c = c * sig(f + self._forget_bias) + sig(i) * self._activation(j)
        new_h = self._activation(new_c) * sig(o)
        new_state = LSTMStateTuple(new_c, new_h) if self._state_is_tuple else \
            array_ops.concat([new_c, new_h], 1)
        return new_h, new_state


class LSTMCell(RNNCell):
    """An LSTM with optional peepholes (``w_f_diag``, ``w_i_diag``, ``w_o_diag``), cell
    clipping and a projection (``projection/kernel``), as TF1's ``LSTMCell``."""

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None,
                 num_proj=None, proj_clip=None, num_unit_shards=None, num_proj_shards=None,
                 forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None,
                 name=None, dtype=None, **kwargs) -> None:
        super().__init__(name=name, dtype=dtype, _reuse=reuse)
        self._num_units, self._use_peepholes = num_units, use_peepholes
        self._cell_clip, self._initializer = cell_clip, initializer
        self._num_proj, self._proj_clip = num_proj, proj_clip
        self._forget_bias, self._state_is_tuple = forget_bias, state_is_tuple
        self._activation = activation or math_ops.tanh

    @property
    def state_size(self):
        n, p = self._num_units, self._num_proj or self._num_units
        return LSTMStateTuple(n, p) if self._state_is_tuple else n + p

    output_size = property(lambda self: self._num_proj or self._num_units)

    def build(self, inputs_shape):
        depth = _input_depth(inputs_shape, "LSTMCell")
        n = self._num_units
        h_depth = self._num_proj or n
        self._kernel = self._get("kernel", [depth + h_depth, 4 * n], self._initializer)
        self._bias = self._get("bias", [4 * n], zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self._get("w_f_diag", [n], self._initializer)
            self._w_i_diag = self._get("w_i_diag", [n], self._initializer)
            self._w_o_diag = self._get("w_o_diag", [n], self._initializer)
        if self._num_proj is not None:
            self._proj_kernel = self._get("projection/kernel", [n, self._num_proj],
                                          self._initializer)

    def call(self, inputs, state):
        n = self._num_units
        if self._state_is_tuple:
            c_prev, m_prev = state
        else:
            c_prev = array_ops.slice(state, [0, 0], [-1, n])
            m_prev = array_ops.slice(state, [0, n], [-1, self._num_proj or n])
        lstm = nn_ops.bias_add(matmul(array_ops.concat([inputs, m_prev], 1), self._kernel),
                               self._bias)
        i, j, f, o = array_ops.split(lstm, 4, axis=1)
        sig, act = math_ops.sigmoid, self._activation
        if self._use_peepholes:
            c = sig(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev + \
                sig(i + self._w_i_diag * c_prev) * act(j)
        else:
            c = sig(f + self._forget_bias) * c_prev + sig(i) * act(j)
        if self._cell_clip is not None:
            c = clip_by_value(c, -self._cell_clip, self._cell_clip)
        if self._use_peepholes:
            m = sig(o + self._w_o_diag * c) * act(c)
        else:
            m = sig(o) * act(c)
        if self._num_proj is not None:
            with variable_scope("projection"):
                m = matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = clip_by_value(m, -self._proj_clip, self._proj_clip)
        new_state = LSTMStateTuple(c, m) if self._state_is_tuple else \
            array_ops.concat([c, m], 1)
        return m, new_state


class MultiRNNCell(RNNCell):
    """Cells stacked: cell ``k`` runs under scope ``cell_k``; the state is a tuple of the
    cells' states."""

    def __init__(self, cells, state_is_tuple=True) -> None:
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple

    @property
    def state_size(self):
        if self._state_is_tuple:
            return tuple(c.state_size for c in self._cells)
        return sum(c.state_size for c in self._cells)

    output_size = property(lambda self: self._cells[-1].output_size)

    def zero_state(self, batch_size, dtype):
        if self._state_is_tuple:
            return tuple(c.zero_state(batch_size, dtype) for c in self._cells)
        return super().zero_state(batch_size, dtype)

    def call(self, inputs, state):
        cur = inputs
        new_states = []
        offset = 0
        for k, cell in enumerate(self._cells):
            with variable_scope(f"cell_{k}"):
                if self._state_is_tuple:
                    s = state[k]
                else:
                    s = array_ops.slice(state, [0, offset], [-1, cell.state_size])
                    offset += cell.state_size
                cur, s = cell(cur, s)
                new_states.append(s)
        new = tuple(new_states) if self._state_is_tuple else array_ops.concat(new_states, 1)
        return cur, new


class _Wrapper(RNNCell):
    def __init__(self, cell) -> None:
        super().__init__()
        self._cell = cell

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)

    def __call__(self, inputs, state, scope=None):
        return self.call(inputs, state, scope)


class DropoutWrapper(_Wrapper):
    """Dropout on the cell's inputs, outputs and state (``*_keep_prob``: floats or scalar
    tensors)."""

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0,
                 variational_recurrent=False, input_size=None, dtype=None, seed=None,
                 dropout_state_filter_visitor=None) -> None:
        super().__init__(cell)
        if variational_recurrent:
            raise NotImplementedError("DropoutWrapper(variational_recurrent=True) is not "
                                      "supported by flowkit.")
        self._in, self._out, self._state = input_keep_prob, output_keep_prob, state_keep_prob
        self._seed = seed
        self._filter = dropout_state_filter_visitor

    @staticmethod
    def _needed(p) -> bool:
        return not (isinstance(p, (int, float)) and p == 1.0)

    def _drop(self, x, p, salt):
        seed = None if self._seed is None else self._seed + salt
        return nn_ops.dropout(x, keep_prob=p, seed=seed)

    def call(self, inputs, state, scope=None):
        if self._needed(self._in):
            inputs = self._drop(inputs, self._in, 0)
        output, new_state = self._cell(inputs, state, scope)
        if self._needed(self._state):
            flat = nest.flatten(new_state)
            keep = [True] * len(flat)
            if isinstance(new_state, LSTMStateTuple):
                keep = [False, True]      # TF1's default filter: not the memory cell c
            flat = [self._drop(s, self._state, 1 + k) if m else s
                    for k, (s, m) in enumerate(zip(flat, keep))]
            new_state = nest.pack_sequence_as(new_state, flat)
        if self._needed(self._out):
            output = self._drop(output, self._out, 100)
        return output, new_state


class ResidualWrapper(_Wrapper):
    """``output = cell_output + inputs`` (or ``residual_fn(inputs, cell_output)``)."""

    def __init__(self, cell, residual_fn=None) -> None:
        super().__init__(cell)
        self._residual_fn = residual_fn

    def call(self, inputs, state, scope=None):
        output, new_state = self._cell(inputs, state, scope)
        if self._residual_fn is not None:
            return self._residual_fn(inputs, output), new_state
        return nest.map_structure(lambda i, o: i + o, inputs, output), new_state


class DeviceWrapper(_Wrapper):
    """Runs the cell on ``device`` in TF1; flowkit places the whole session on one device."""

    def __init__(self, cell, device) -> None:
        super().__init__(cell)
        self._device = device

    def call(self, inputs, state, scope=None):
        return self._cell(inputs, state, scope)
