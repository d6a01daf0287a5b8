"""``tf.data.Options`` and its groups (``ThreadingOptions``, ``OptimizationOptions``...):
accepted, stored and merged as TF does, so that input pipelines written for TF run unchanged.

flowkit's pipelines run inside ``sess.run``, one element at a time and in order, so none of
these settings changes what a pipeline computes or how fast: ``deterministic=False`` still
gives the deterministic order, thread pool sizes and static optimizations are ignored.
Setting an attribute that TF's options do not have is an ``AttributeError``, as in TF.

Example:
    >>> from flowkit import data
    >>> options = data.Options()
    >>> options.threading.private_threadpool_size = 4
    >>> options.experimental_deterministic = False
    >>> ds = data.Dataset.range(3).with_options(options)
    >>> ds.options().threading.private_threadpool_size
    4
"""
from __future__ import annotations

__all__ = ["AUTOTUNE", "Options", "ThreadingOptions", "OptimizationOptions",
           "DistributeOptions", "AutotuneOptions"]

#: ``tf.data.AUTOTUNE``: let the runtime choose (a ``num_parallel_calls`` or buffer size).
AUTOTUNE = -1


class _OptionsBase:
    """Options with a fixed set of attributes (``_FIELDS``: name -> default factory), merged
    field by field: a field set in either is kept, the other's value wins where both are."""

    _FIELDS: dict = {}
    _ALIASES: dict = {}

    def __init__(self, **kwargs) -> None:
        object.__setattr__(self, "_values", {})
        for name, value in kwargs.items():
            setattr(self, name, value)

    def __getattr__(self, name):
        name = type(self)._ALIASES.get(name, name)
        fields = type(self)._FIELDS
        if name.startswith("_") or name not in fields:
            raise AttributeError(f"{type(self).__name__} has no option {name!r}")
        values = object.__getattribute__(self, "_values")
        if name not in values:
            default = fields[name]
            if isinstance(default, type) and issubclass(default, _OptionsBase):
                values[name] = default()      # a group: created on first use, as in TF
            else:
                return default
        return values[name]

    def __setattr__(self, name, value) -> None:
        name = type(self)._ALIASES.get(name, name)
        if name not in type(self)._FIELDS:
            raise AttributeError(f"Cannot set the property {name} on {type(self).__name__}.")
        self._values[name] = value

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self._as_dict() == other._as_dict()

    __hash__ = None

    def _as_dict(self) -> dict:
        return {k: v._as_dict() if isinstance(v, _OptionsBase) else v
                for k, v in self._values.items()}

    def merge(self, options):
        """A new options object: this one's settings, then ``options``' (which win)."""
        if options is None:
            return self
        if type(options) is not type(self):
            raise TypeError(f"Cannot merge {type(self).__name__} with "
                            f"{type(options).__name__}")
        out = type(self)()
        for src in (self, options):
            for k, v in src._values.items():
                mine = out._values.get(k)
                out._values[k] = mine.merge(v) if isinstance(mine, _OptionsBase) else v
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._as_dict()!r})"


class ThreadingOptions(_OptionsBase):
    """``max_intra_op_parallelism`` and ``private_threadpool_size`` (both ignored)."""

    _FIELDS = {"max_intra_op_parallelism": None, "private_threadpool_size": None}


class OptimizationOptions(_OptionsBase):
    """TF's static graph optimizations of a pipeline (accepted, ignored)."""

    _FIELDS = {name: None for name in (
        "apply_default_optimizations", "filter_fusion", "filter_parallelization",
        "inject_prefetch", "map_and_batch_fusion", "map_and_filter_fusion", "map_fusion",
        "map_parallelization", "noop_elimination", "parallel_batch", "seq_interleave_prefetch",
        "shuffle_and_repeat_fusion", "autotune", "autotune_buffers", "autotune_cpu_budget",
        "autotune_ram_budget", "hoist_random_uniform", "map_vectorization")}


class DistributeOptions(_OptionsBase):
    """``auto_shard_policy`` and ``num_devices`` (accepted, ignored)."""

    _FIELDS = {"auto_shard_policy": None, "num_devices": None}


class AutotuneOptions(_OptionsBase):
    """``enabled``, ``cpu_budget``, ``ram_budget``, ``autotune_algorithm`` (ignored)."""

    _FIELDS = {"enabled": None, "cpu_budget": None, "ram_budget": None,
               "autotune_algorithm": None, "initial_parallelism": None}


class Options(_OptionsBase):
    """``tf.data.Options``: give them to ``dataset.with_options(options)``; read the merged
    options of a pipeline with ``dataset.options()``."""

    _FIELDS = {"autotune": AutotuneOptions, "deterministic": None,
               "experimental_distribute": DistributeOptions,
               "experimental_external_state_policy": None,
               "experimental_optimization": OptimizationOptions, "experimental_slack": None,
               "experimental_symbolic_checkpoint": None, "experimental_warm_start": None,
               "threading": ThreadingOptions, "dataset_name": None, "framework_type": None,
               "experimental_service": None}
    #: TF's older names of two options.
    _ALIASES = {"experimental_deterministic": "deterministic",
                "experimental_threading": "threading"}
