"""Subcommands of the ``flowkit`` command line (one module each)."""
