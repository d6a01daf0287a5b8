"""flowkit's versions: the package's own, and the TF1 API version it follows.

``tf.__version__`` and ``tf.VERSION`` are TF1-like (``"1.15.0+flowkit.0.1.0"``), so that learner
code which switches on the TensorFlow version (``if tf.__version__.startswith("1.")``) takes
its TF1 branch. ``flowkit.version.__version__`` is the package's version, which checkpoints
record and ``flowkit --version`` prints.

Example:
    >>> from flowkit import version
    >>> version.VERSION.startswith("1.15."), version.__version__ == version.PACKAGE_VERSION
    (True, True)
"""
__version__ = "0.1.0"
#: The same, under a name that cannot be confused with TF's.
PACKAGE_VERSION = __version__
#: The TF1 API version flowkit follows.
TF_API_VERSION = "1.15.0"
#: ``tf.VERSION`` / ``tf.__version__``: a PEP 440 version (``+`` starts the local part, so
#: ``packaging.version.Version`` reads major version 1).
VERSION = f"{TF_API_VERSION}+flowkit.{__version__}"
GIT_VERSION = f"v{VERSION}"
COMPILER_VERSION = "flowkit (pure Python)"
