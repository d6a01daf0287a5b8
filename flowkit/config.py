"""Every environment variable flowkit reads, in one table (the docs' table is generated from it).

Example:
    >>> [name for name, _, _ in ENV_VARS][:2]
    ['FLOWKIT_BACKEND', 'FLOWKIT_DEVICE']
"""

#: ``(name, default, effect)`` for each environment variable.
ENV_VARS = [
    ("FLOWKIT_BACKEND", "numpy", "The backend of sessions created without `backend=`."),
    ("FLOWKIT_DEVICE", "cpu", "The device of sessions created without `device=`."),
    ("FLOWKIT_DISABLE_PLUGIN_AUTOLOAD", "", "`1`: load only the built-in plugins, not other "
     "packages' `flowkit` entry points (the tests set it)."),
    ("FLOWKIT_DISABLE_PLUGINS", "", "Comma-separated plugin names not to load."),
    ("FLOWKIT_STRICT_PLUGINS", "", "`1`: a plugin that fails to load is an error, not a "
     "warning."),
    ("FLOWKIT_CHECK_KERNELS", "", "`1`: check every kernel's output dtype and shape against "
     "its op's shape rule, and that only view ops return their inputs' memory (slow; the "
     "tests set it)."),
    ("FLOWKIT_DIST_TIMEOUT", "60", "Seconds a `flowkit.distributed` collective waits for the other "
     "processes before failing with `tf.errors.AbortedError` (`hvd.init(timeout=...)` "
     "overrides it)."),
    ("FLOWKIT_FUZZ_EXAMPLES", "300", "Examples per run of the property-based op fuzz test "
     "(tests/test_fuzz_ops.py); release checks run e.g. 5000."),
    ("FLOWKIT_GRAPHVIZ", "1", "`0`: draw graph pictures (`Graph.to_svg()`, a notebook's "
     "picture of a graph, `flowkit graph -o g.svg`) with flowkit's own layout even where "
     "graphviz's `dot` is installed."),
    ("FLOWKIT_INPLACE", "1", "`0`: never let a kernel write its result into the memory of an "
     "intermediate result that dies at its op (in-place kernels; for comparing and "
     "debugging)."),
    ("FLOWKIT_KEEP_HOST_MEMORY", "1", "`0`: leave glibc's malloc as it is. By default the "
     "first session asks it (`mallopt`, process-wide) to serve blocks up to 1 GiB from its "
     "heap and keep up to 1 GiB of freed memory, so a training step's large arrays reuse "
     "memory instead of faulting in fresh pages every run."),
    ("FLOWKIT_PLANNED_BUFFERS", "1", "`0`: never give a plan's steps buffers of their own "
     "(out= kernels writing into memory reused across runs, after a plan's first run; for "
     "comparing and debugging)."),
    ("FLOWKIT_TF32", "0", "`1`: let a torch session on CUDA compute float32 convolutions in "
     "TensorFloat-32 (PyTorch's default, and TF's on recent GPUs: faster, about three "
     "significant digits). By default such a session turns it off when it starts "
     "(`torch.backends.cudnn.allow_tf32 = False`, process-wide), so that its results match "
     "the NumPy backend's to float32 precision."),
    ("FLOWKIT_TORCH_ONEDNN", "1", "`0`: compute every float32 matrix product of a torch "
     "session on the CPU with PyTorch's BLAS (`torch.matmul`, MKL). By default large ones "
     "(from about 16M multiply-adds) go to PyTorch's oneDNN, as TF's do: faster where MKL "
     "does not use all of the processor's instructions (AMD processors with AVX-512)."),
    ("FLOWKIT_WARNINGS", "", "`0`: no flowkit warnings (`tf.warnings`); `-name,-name`: not "
     "those (`graph_growth`, `broadcast`, `non_finite`, `integer_variable`, "
     "`initializer_order`)."),
]
