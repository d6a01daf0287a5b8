"""Loops and recurrent networks: ``tf.while_loop``, ``tf.TensorArray``, ``tf.scan``,
``tf.map_fn``, ``tf.foldl``/``tf.foldr``, ``tf.nn.rnn_cell`` and the RNN functions.

See :mod:`flowkit.rnn.while_ops` for how a loop is represented (one functional ``While``
op; its gradient is a ``WhileGrad`` op).
"""
from flowkit.rnn import rnn_cell
from flowkit.rnn.functional import foldl, foldr, map_fn, scan
from flowkit.rnn.raw_rnn import raw_rnn, static_state_saving_rnn
from flowkit.rnn.rnn import (bidirectional_dynamic_rnn, dynamic_rnn, reverse_sequence,
                             static_bidirectional_rnn, static_rnn)
from flowkit.rnn.tensor_array import TensorArray
from flowkit.rnn.while_ops import while_loop

__all__ = ["TensorArray", "while_loop", "scan", "map_fn", "foldl", "foldr", "rnn_cell",
           "dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "reverse_sequence",
           "static_bidirectional_rnn", "raw_rnn", "static_state_saving_rnn"]
