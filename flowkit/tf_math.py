"""``tf.math``: TF1's math namespace (the same functions as their ``tf.*`` names where TF1 has
both), gathered from the op families.

Example:
    >>> import flowkit as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.math.reduce_logsumexp([0.0, 0.0])).round(4))
    0.6931
"""
from flowkit.ops import math_ops as _math_ops
from flowkit.ops.math_ops import *  # noqa: F401,F403
from flowkit.ops.segment_ops import (  # noqa: F401
    bincount, confusion_matrix, segment_max, segment_mean, segment_min, segment_prod,
    segment_sum, top_k, unsorted_segment_max, unsorted_segment_mean, unsorted_segment_min,
    unsorted_segment_prod, unsorted_segment_sqrt_n, unsorted_segment_sum)
from flowkit.ops.special_math_ops import (  # noqa: F401
    acos, acosh, asin, asinh, atan, atan2, atanh, cosh, count_nonzero, digamma, erf, erfc,
    expm1, is_finite, is_inf, is_nan, lgamma, log_sigmoid, polygamma, reduce_logsumexp,
    scalar_mul, sinh, tan, xdivy, xlogy, zeta)

__all__ = sorted(set(_math_ops.__all__) | {
    "floormod", "bincount", "confusion_matrix", "segment_max", "segment_mean", "segment_min",
    "segment_prod", "segment_sum", "top_k", "unsorted_segment_max", "unsorted_segment_mean",
    "unsorted_segment_min", "unsorted_segment_prod", "unsorted_segment_sqrt_n",
    "unsorted_segment_sum", "acos", "acosh", "asin", "asinh", "atan", "atan2", "atanh", "cosh",
    "count_nonzero", "digamma", "erf", "erfc", "expm1", "is_finite", "is_inf", "is_nan",
    "lgamma", "log_sigmoid", "polygamma", "reduce_logsumexp", "scalar_mul", "sinh", "tan",
    "xdivy", "xlogy", "zeta"})
