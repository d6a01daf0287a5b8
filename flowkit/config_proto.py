"""``tf.ConfigProto``, ``tf.GPUOptions``, ``tf.GraphOptions``, ``tf.RunOptions``,
``tf.RunMetadata``: TF1's session and run options, as plain Python objects.

TF's are protocol buffers; these take the same keyword arguments and attributes, so that
``tf.Session(config=tf.ConfigProto(gpu_options=tf.GPUOptions(allow_growth=True)))`` and
``config.gpu_options.allow_growth = True`` work. An unknown field is an error, as with a
protocol buffer. What each field means in flowkit:

==================================  ==========================================================
``log_device_placement``            honoured by the session: it logs each op's device
``device_count={"GPU": 0}``         honoured: the session does not choose a GPU by itself
``intra_op_parallelism_threads``    honoured on the torch backend (its CPU thread count,
                                    which is process-wide in PyTorch); ignored by NumPy
``gpu_options``                     ``per_process_gpu_memory_fraction`` is honoured on the
                                    torch backend's CUDA devices; ``allow_growth`` is what
                                    PyTorch does anyway; the rest is ignored
``allow_soft_placement``,           accepted and ignored: flowkit places every op on the
``inter_op_parallelism_threads``,   session's device and runs ops one at a time
``graph_options``...
==================================  ==========================================================

:func:`session_settings` reads these from a config (or ``None``) for the session.

Example:
    >>> from flowkit.config_proto import ConfigProto, GPUOptions, session_settings
    >>> config = ConfigProto(allow_soft_placement=True,
    ...                      gpu_options=GPUOptions(per_process_gpu_memory_fraction=0.5))
    >>> config.gpu_options.allow_growth = True
    >>> config.gpu_options.allow_growth, config.allow_soft_placement
    (True, True)
    >>> session_settings(config)["gpu_memory_fraction"]
    0.5
    >>> ConfigProto(alow_growth=True)
    Traceback (most recent call last):
    ...
    ValueError: Protocol message ConfigProto has no "alow_growth" field.
"""
from __future__ import annotations

import copy


class _Message:
    """A protocol-buffer-like record: fixed fields with defaults, set by keyword or attribute."""

    _FIELDS: dict = {}

    def __init__(self, **kwargs) -> None:
        for name, default in self._FIELDS.items():
            object.__setattr__(self, name, copy.deepcopy(default() if callable(default)
                                                         else default))
        for name, value in kwargs.items():
            if name not in self._FIELDS:
                raise ValueError(f'Protocol message {type(self).__name__} has no "{name}" '
                                 "field.")
            setattr(self, name, value)

    def __setattr__(self, name, value) -> None:
        if name not in self._FIELDS:
            raise AttributeError(f'Assignment not allowed (no field "{name}" in protocol '
                                 f"message object {type(self).__name__}).")
        default = self._FIELDS[name]
        if isinstance(default, type) and issubclass(default, _Message):
            if not isinstance(value, default):
                raise TypeError(f"{type(self).__name__}.{name} must be a {default.__name__}, "
                                f"got {type(value).__name__}")
        elif isinstance(default, bool) and not isinstance(value, bool):
            raise TypeError(f"{value!r} has type {type(value).__name__}, but expected one "
                            f"of: bool (field {type(self).__name__}.{name})")
        elif isinstance(default, int) and not isinstance(default, bool) and \
                (isinstance(value, bool) or not isinstance(value, int)):
            raise TypeError(f"{value!r} has type {type(value).__name__}, but expected one "
                            f"of: int (field {type(self).__name__}.{name})")
        elif isinstance(default, float) and not isinstance(value, (int, float)):
            raise TypeError(f"{value!r} has type {type(value).__name__}, but expected one "
                            f"of: float (field {type(self).__name__}.{name})")
        object.__setattr__(self, name, float(value) if isinstance(default, float) else value)

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and all(
            getattr(self, n) == getattr(other, n) for n in self._FIELDS)

    def HasField(self, name) -> bool:  # noqa: N802 - protobuf's name
        default = self._FIELDS[name]
        value = getattr(self, name)
        return value != (default() if callable(default) else default)

    def CopyFrom(self, other) -> None:  # noqa: N802
        for name in self._FIELDS:
            object.__setattr__(self, name, copy.deepcopy(getattr(other, name)))

    def SerializeToString(self) -> bytes:  # noqa: N802
        return repr(self).encode("utf-8")

    def __repr__(self) -> str:
        parts = []
        for name, default in self._FIELDS.items():
            value = getattr(self, name)
            if value != (default() if callable(default) else default):
                parts.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class GPUOptions(_Message):
    """TF1's ``tf.GPUOptions``.

    Example:
        >>> import flowkit as tf
        >>> tf.GPUOptions(allow_growth=True).allow_growth
        True
    """

    _FIELDS = {"per_process_gpu_memory_fraction": 0.0, "allow_growth": False,
               "allocator_type": "", "deferred_deletion_bytes": 0, "visible_device_list": "",
               "polling_active_delay_usecs": 0, "polling_inactive_delay_msecs": 0,
               "force_gpu_compatible": False}


class OptimizerOptions(_Message):
    """TF1's ``tf.OptimizerOptions`` (accepted; flowkit does not rewrite graphs).

    Example:
        >>> import flowkit as tf
        >>> tf.OptimizerOptions(opt_level=tf.OptimizerOptions.L1).opt_level
        0
    """

    _FIELDS = {"do_common_subexpression_elimination": False, "do_constant_folding": False,
               "do_function_inlining": False, "opt_level": 0, "global_jit_level": 0}

    L1, L0 = 0, -1
    OFF, ON_1, ON_2 = -1, 1, 2


class GraphOptions(_Message):
    """TF1's ``tf.GraphOptions`` (accepted; flowkit does not rewrite graphs).

    Example:
        >>> import flowkit as tf
        >>> tf.GraphOptions(infer_shapes=True).infer_shapes
        True
    """

    _FIELDS = {"optimizer_options": OptimizerOptions, "enable_bfloat16_sendrecv": False,
               "infer_shapes": False, "place_pruned_graph": False, "build_cost_model": 0,
               "timeline_step": 0}


class ConfigProto(_Message):
    """TF1's ``tf.ConfigProto`` (see the module docstring for what is honoured).

    Example:
        >>> import flowkit as tf
        >>> config = tf.ConfigProto(allow_soft_placement=True)
        >>> config.gpu_options.allow_growth = True
        >>> config.gpu_options.allow_growth, config.log_device_placement
        (True, False)
    """

    _FIELDS = {"device_count": dict, "intra_op_parallelism_threads": 0,
               "inter_op_parallelism_threads": 0, "use_per_session_threads": False,
               "allow_soft_placement": False, "log_device_placement": False,
               "gpu_options": GPUOptions, "graph_options": GraphOptions,
               "operation_timeout_in_ms": 0, "isolate_session_state": False,
               "device_filters": list}


class RunOptions(_Message):
    """TF1's ``tf.RunOptions`` for ``sess.run(..., options=...)``.

    Example:
        >>> import flowkit as tf
        >>> tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE).trace_level
        3
    """

    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3
    _FIELDS = {"trace_level": 0, "timeout_in_ms": 0, "inter_op_thread_pool": 0,
               "output_partition_graphs": False, "debug_options": None,
               "report_tensor_allocations_upon_oom": False}


class NodeExecStats(_Message):
    """One op's execution in a traced run."""

    _FIELDS = {"node_name": "", "timeline_label": "", "all_start_micros": 0,
               "all_end_rel_micros": 0, "op_start_rel_micros": 0, "op_end_rel_micros": 0}


class DeviceStepStats(_Message):
    _FIELDS = {"device": "", "node_stats": list}


class StepStats(_Message):
    _FIELDS = {"dev_stats": list}


class RunMetadata(_Message):
    """TF1's ``tf.RunMetadata``: filled by a ``sess.run`` traced with
    ``RunOptions(trace_level=RunOptions.FULL_TRACE)`` (``step_stats`` lists each op run).

    Example:
        >>> import flowkit as tf
        >>> md = tf.RunMetadata()
        >>> md.step_stats.dev_stats
        []
    """

    _FIELDS = {"step_stats": StepStats, "partition_graphs": list, "cost_graph": None}


def session_settings(config) -> dict:
    """What a session honours of ``config`` (a :class:`ConfigProto` or ``None``):
    ``log_device_placement`` (bool), ``allow_gpu`` (False when ``device_count`` gives 0
    GPUs), ``intra_op_threads`` and ``gpu_memory_fraction`` (``None`` when not set)."""
    if config is None:
        config = ConfigProto()
    if not isinstance(config, ConfigProto):
        raise TypeError(f"config must be a tf.ConfigProto, got {type(config).__name__}")
    gpus = {k.upper(): v for k, v in dict(config.device_count).items()}.get("GPU")
    fraction = config.gpu_options.per_process_gpu_memory_fraction
    return {"log_device_placement": bool(config.log_device_placement),
            "allow_gpu": gpus is None or gpus > 0,
            "intra_op_threads": config.intra_op_parallelism_threads or None,
            "gpu_memory_fraction": fraction if fraction > 0 else None}


def trace_requested(options) -> bool:
    """Whether ``sess.run(options=...)`` asks for a trace (``FULL_TRACE`` etc.)."""
    return options is not None and getattr(options, "trace_level", 0) > 0
