"""``tf.train``: optimizers, the global step, learning-rate schedules, savers and checkpoints.

Optimizers come from plugins (the optimizer hook): ``tf.train.AdamOptimizer`` is looked up in
the plugin manager the first time it is used.
"""
from flowkit.train.optimizer import *  # noqa: F401,F403
from flowkit.train.training_util import *  # noqa: F401,F403
from flowkit.train.learning_rate import *  # noqa: F401,F403
from flowkit.train.saver import *  # noqa: F401,F403
from flowkit.train.checkpoint_utils import *  # noqa: F401,F403


def __getattr__(name):
    from flowkit import plugins
    opts = plugins.optimizers()
    if name in opts:
        return opts[name]
    raise AttributeError(f"module 'flowkit.train' has no attribute '{name}'. Optimizers "
                         f"installed: {', '.join(sorted(opts)) or 'none'}.")
