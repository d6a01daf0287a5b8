"""``tf.contrib.rnn``: TF1's cell classes and ``static_rnn`` under their contrib names (the
same objects as ``tf.nn.rnn_cell``; see :mod:`flowkit.rnn.rnn_cell`)."""
from flowkit.rnn import static_rnn  # noqa: F401
from flowkit.rnn.rnn_cell import (BasicLSTMCell, BasicRNNCell, DeviceWrapper,  # noqa: F401
                                  DropoutWrapper, GRUCell, LSTMCell, LSTMStateTuple,
                                  MultiRNNCell, ResidualWrapper, RNNCell)

__all__ = ["RNNCell", "BasicRNNCell", "GRUCell", "BasicLSTMCell", "LSTMCell", "LSTMStateTuple",
           "MultiRNNCell", "DropoutWrapper", "ResidualWrapper", "DeviceWrapper", "static_rnn"]
