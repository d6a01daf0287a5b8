"""``tf.app``: TF1's program entry point, ``tf.app.run``, and ``tf.app.flags``.

Example:
    >>> from flowkit import app, flags
    >>> flags.DEFINE_float("learning_rate_demo", 0.01, "Step size.")
    >>> def main(argv):
    ...     print(flags.FLAGS.learning_rate_demo, argv[1:])
    >>> try:
    ...     app.run(main, argv=["train.py", "--learning_rate_demo=0.5", "data.csv"])
    ... except SystemExit as e:
    ...     print("exit code", e.code)
    0.5 ['data.csv']
    exit code None
    >>> delattr(flags.FLAGS, "learning_rate_demo")
"""
from __future__ import annotations

import sys

from flowkit import flags

__all__ = ["run", "flags"]


def run(main=None, argv=None):
    """Parses the flags in ``argv`` (default ``sys.argv``), then calls ``main(argv)`` with the
    program name and the arguments that are not flags, and exits with what ``main`` returns
    (``sys.exit``), as TF1 does. Flags that are not defined are left for ``main``, as TF1's
    ``tf.app.run`` tolerates them. ``main`` defaults to the ``main`` function of the
    ``__main__`` module.

    Raises:
        SystemExit: always; code 1 with a message when a flag's value is invalid.
    """
    if main is None:
        main = getattr(sys.modules.get("__main__"), "main", None)
        if main is None:
            raise ValueError("tf.app.run() needs a main function: pass main=..., or define "
                             "main(argv) in the program's __main__ module.")
    try:
        args = flags.FLAGS(sys.argv if argv is None else argv, known_only=True)
    except flags.Error as e:
        print(f"FATAL Flags parsing error: {e}\nPass --helpshort or --helpfull to see help on "
              "flags.", file=sys.stderr)
        sys.exit(1)
    sys.exit(main(args))
