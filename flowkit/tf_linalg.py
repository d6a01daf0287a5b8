"""``tf.linalg``: TF1's linear-algebra namespace, gathered from the op families.

Example:
    >>> import flowkit as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.det([[2.0, 0.0], [0.0, 3.0]])))
    6.0
"""
from flowkit.ops.linalg_ops import (  # noqa: F401
    adjoint, cholesky, cross, einsum, eye, logdet, matvec, norm, qr, svd, trace)
from flowkit.ops.linalg_ops import log_matrix_determinant as slogdet  # noqa: F401
from flowkit.ops.linalg_ops import matrix_band_part as band_part  # noqa: F401
from flowkit.ops.linalg_ops import matrix_determinant as det  # noqa: F401
from flowkit.ops.linalg_ops import matrix_diag as diag  # noqa: F401
from flowkit.ops.linalg_ops import matrix_diag_part as diag_part  # noqa: F401
from flowkit.ops.linalg_ops import matrix_inverse as inv  # noqa: F401
from flowkit.ops.linalg_ops import matrix_set_diag as set_diag  # noqa: F401
from flowkit.ops.linalg_ops import matrix_solve as solve  # noqa: F401
from flowkit.ops.linalg_ops import matrix_triangular_solve as triangular_solve  # noqa: F401
from flowkit.ops.matrix_ops import matmul, tensordot  # noqa: F401
from flowkit.ops.shape_ops import matrix_transpose as transpose  # noqa: F401

__all__ = ["adjoint", "band_part", "cholesky", "cross", "det", "diag", "diag_part", "einsum",
           "eye", "inv", "logdet", "matmul", "matvec", "norm", "qr", "set_diag", "slogdet",
           "solve", "svd", "tensordot", "trace", "transpose", "triangular_solve"]
