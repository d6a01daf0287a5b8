"""``tf.debugging``: TF1's checks (the assert family, ``check_numerics``, ``Assert``).

Example:
    >>> import flowkit as tf
    >>> x = tf.constant([1.0, 2.0])
    >>> with tf.control_dependencies([tf.debugging.assert_positive(x)]):
    ...     y = tf.identity(x)
    >>> with tf.Session() as sess:
    ...     print(sess.run(y))
    [1. 2.]
"""
from flowkit.ops.control_flow_ops import Assert  # noqa: F401
from flowkit.ops.debug_ops import (  # noqa: F401
    assert_equal, assert_greater, assert_greater_equal, assert_integer, assert_less,
    assert_less_equal, assert_negative, assert_non_negative, assert_non_positive,
    assert_none_equal, assert_positive, assert_rank, assert_rank_at_least, assert_scalar,
    assert_type, check_numerics)

__all__ = ["Assert", "assert_equal", "assert_greater", "assert_greater_equal", "assert_integer",
           "assert_less", "assert_less_equal", "assert_negative", "assert_non_negative",
           "assert_non_positive", "assert_none_equal", "assert_positive", "assert_rank",
           "assert_rank_at_least", "assert_scalar", "assert_type", "check_numerics"]
