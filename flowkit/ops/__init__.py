"""The op families. Importing this package registers every core op type.

From the bottom up (each family builds only on those before it): ``core`` (conversion,
constants, placeholders, shape helpers), ``shape_ops``, ``constant_ops``, ``math_ops``,
``join_ops`` and ``special_math_ops``, ``matrix_ops``, ``indexing_ops``, then ``random_ops``,
``state_ops``, ``linalg_ops``, ``segment_ops``, ``image_ops``, then ``nn_ops``, ``conv_ops``,
``clip_ops``, ``control_flow_ops`` and ``debug_ops``. ``array_ops`` gathers the four array families
into TF1's one namespace.
"""
from flowkit.ops import (core, shape_ops, constant_ops, math_ops, join_ops,  # noqa: F401
                         special_math_ops, matrix_ops, indexing_ops, array_more_ops, array_ops,
                         random_ops, state_ops, linalg_ops, segment_ops, image_ops,
                         image_more_ops, data_flow_ops, nn_ops, conv_ops, nn_impl, nn_more_ops,
                         candidate_sampling_ops, scatter_ops, linalg_more_ops, clip_ops,
                         control_flow_ops, debug_ops, sparse_more_ops, image_detect_ops,
                         fractional_pool_ops, bitwise_ops, misc_more_ops)
