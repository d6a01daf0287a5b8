"""``tf.linalg``: TF1's linear-algebra namespace, gathered from the op families.

Example:
    >>> import flowkit as tf
    >>> with tf.Session() as sess:
    ...     print(sess.run(tf.linalg.det([[2.0, 0.0], [0.0, 3.0]])))
    6.0
"""
from flowkit.ops.clip_ops import global_norm  # noqa: F401
from flowkit.ops.linalg_more_ops import (  # noqa: F401
    cholesky_solve, eigh_tridiagonal, lu, lu_matrix_inverse, lu_reconstruct, lu_solve,
    matrix_rank, normalize, pinv, tridiagonal_matmul, tridiagonal_solve)
from flowkit.ops.linalg_more_ops import matrix_exponential as expm  # noqa: F401
from flowkit.ops.linalg_more_ops import matrix_solve_ls as lstsq  # noqa: F401
from flowkit.ops.linalg_more_ops import matrix_square_root as sqrtm  # noqa: F401
from flowkit.ops.linalg_more_ops import self_adjoint_eig as eigh  # noqa: F401
from flowkit.ops.linalg_more_ops import self_adjoint_eigvals as eigvalsh  # noqa: F401
from flowkit.ops.linalg_ops import (  # noqa: F401
    adjoint, cholesky, cross, einsum, eye, logdet, matvec, norm, qr, svd, trace)
from flowkit.ops.linalg_ops import diag as tensor_diag  # noqa: F401
from flowkit.ops.linalg_ops import diag_part as tensor_diag_part  # noqa: F401
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
from flowkit.ops.nn_ops import l2_normalize  # noqa: F401
from flowkit.ops.shape_ops import matrix_transpose  # noqa: F401
from flowkit.ops.shape_ops import matrix_transpose as transpose  # noqa: F401
from flowkit import renames as _renames

__all__ = ["adjoint", "band_part", "cholesky", "cholesky_solve", "cross", "det", "diag",
           "diag_part", "eigh", "eigh_tridiagonal", "eigvalsh", "einsum", "expm", "eye",
           "global_norm", "inv", "l2_normalize", "logdet", "lstsq", "lu", "lu_matrix_inverse",
           "lu_reconstruct", "lu_solve", "matmul", "matrix_rank", "matrix_transpose", "matvec",
           "norm", "normalize", "pinv", "qr", "set_diag", "slogdet", "solve", "sqrtm", "svd",
           "tensor_diag", "tensor_diag_part", "tensordot", "trace", "transpose",
           "tridiagonal_matmul", "tridiagonal_solve", "triangular_solve"]


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.tf_linalg", "linalg", name, __all__ + list(globals()))
