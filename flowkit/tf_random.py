"""``tf.random``: TF1's random namespace (the same functions as ``tf.random_normal``,
``tf.multinomial``, ``tf.nn.log_uniform_candidate_sampler``... under their ``tf.random``
names).

Example (``flowkit`` attaches this module as ``tf.random``):
    >>> import flowkit as tf
    >>> from flowkit import tf_random as random
    >>> x = random.normal([3], seed=1)
    >>> with tf.Session() as sess:
    ...     print(sess.run(x).shape)
    (3,)
"""
from flowkit import renames as _renames
from flowkit.framework.graph import get_seed  # noqa: F401
from flowkit.ops.candidate_sampling_ops import (  # noqa: F401
    all_candidate_sampler, fixed_unigram_candidate_sampler, learned_unigram_candidate_sampler,
    log_uniform_candidate_sampler, uniform_candidate_sampler)
from flowkit.ops.random_ops import (  # noqa: F401
    categorical, multinomial, set_random_seed, truncated_normal)
from flowkit.ops.random_ops import random_gamma as gamma  # noqa: F401
from flowkit.ops.random_ops import random_normal as normal  # noqa: F401
from flowkit.ops.random_ops import random_poisson as poisson  # noqa: F401
from flowkit.ops.random_ops import random_shuffle as shuffle  # noqa: F401
from flowkit.ops.random_ops import random_uniform as uniform  # noqa: F401

__all__ = ["all_candidate_sampler", "categorical", "fixed_unigram_candidate_sampler", "gamma",
           "get_seed", "learned_unigram_candidate_sampler", "log_uniform_candidate_sampler",
           "multinomial", "normal", "poisson", "set_random_seed", "shuffle", "truncated_normal",
           "uniform", "uniform_candidate_sampler"]


def __getattr__(name):
    raise _renames.missing_attribute("flowkit.tf_random", "random", name,
                                     __all__ + list(globals()))
