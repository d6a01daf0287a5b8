"""``tf.train``: optimizers, the global step, learning-rate schedules, savers and checkpoints.

Optimizers come from plugins (the optimizer hook): ``tf.train.AdamOptimizer`` is looked up in
the plugin manager the first time it is used.
"""
from flowkit import renames as _renames
from flowkit.train.optimizer import *  # noqa: F401,F403
from flowkit.train.training_util import *  # noqa: F401,F403
from flowkit.train.learning_rate import *  # noqa: F401,F403
from flowkit.train.saver import *  # noqa: F401,F403
from flowkit.train.checkpoint_utils import *  # noqa: F401,F403
from flowkit.train.hooks import *  # noqa: F401,F403
from flowkit.train.monitored_session import *  # noqa: F401,F403
from flowkit.train.coordinator import *  # noqa: F401,F403
from flowkit.train.queue_runner import *  # noqa: F401,F403
from flowkit.train import queue_runner  # noqa: F401  (tf.train.queue_runner.QueueRunner)
from flowkit.train.input import *  # noqa: F401,F403
from flowkit.train.moving_averages import ExponentialMovingAverage  # noqa: F401
from flowkit.train.supervisor import *  # noqa: F401,F403
from flowkit.train.summary_iterator import summary_iterator  # noqa: F401
from flowkit.train.warm_start import *  # noqa: F401,F403
from flowkit.train.checkpoint_management import *  # noqa: F401,F403
from flowkit.framework.graph_def import write_graph  # noqa: F401


def __getattr__(name):
    from flowkit import plugins
    if name.startswith("__"):
        raise AttributeError(f"module 'flowkit.train' has no attribute '{name}'")
    opts = plugins.optimizers()
    if name in opts:
        return opts[name]
    err = _renames.missing_attribute("flowkit.train", "train", name,
                                     list(globals()) + sorted(opts))
    raise AttributeError(f"{err} Optimizers installed: {', '.join(sorted(opts)) or 'none'}.")
