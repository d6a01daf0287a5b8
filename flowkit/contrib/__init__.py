"""``tf.contrib``: the few contrib helpers that TF1 learners' code used, and nothing else.

TF1's ``tf.contrib`` was a large, unstable namespace; flowkit offers only the parts that
teaching code reaches for, listed in ``__all__`` below (the one place that lists them). Any
other attribute raises an ``AttributeError`` that says what exists.

Example:
    >>> import flowkit as tf
    >>> import flowkit.contrib
    >>> init = tf.contrib.layers.xavier_initializer(seed=1)
    >>> try:
    ...     tf.contrib.slim
    ... except AttributeError as e:
    ...     print(e)
    flowkit's tf.contrib has no attribute 'slim'; it provides only: tf.contrib.layers,
    tf.contrib.rnn, tf.contrib.seq2seq
"""
from flowkit.contrib import layers, rnn, seq2seq

# The submodules of tf.contrib that flowkit provides (add new ones here and import them above).
__all__ = ["layers", "rnn", "seq2seq"]


def __getattr__(name):
    raise AttributeError(
        f"flowkit's tf.contrib has no attribute {name!r}; it provides only: "
        + ", ".join(f"tf.contrib.{m}" for m in __all__))
