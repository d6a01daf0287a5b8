"""``tf.errors``: TF1's error classes, each carrying the failing op (``.op``)."""
from flowkit.framework.errors import *  # noqa: F401,F403
from flowkit.framework.errors import OpError  # noqa: F401
