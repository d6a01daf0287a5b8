"""tf.ConfigProto and friends (flowkit.config_proto), against TF's protocol buffers."""
import pytest

from flowkit import config_proto as cp


def test_fields_defaults_and_nested_messages():
    c = cp.ConfigProto(log_device_placement=True, intra_op_parallelism_threads=2,
                       device_count={"GPU": 0}, gpu_options=cp.GPUOptions(allow_growth=True))
    assert c.log_device_placement and c.intra_op_parallelism_threads == 2
    assert c.gpu_options.allow_growth and not c.allow_soft_placement
    c.gpu_options.per_process_gpu_memory_fraction = 0.25
    assert cp.session_settings(c) == {"log_device_placement": True, "allow_gpu": False,
                                      "intra_op_threads": 2, "gpu_memory_fraction": 0.25}
    assert cp.session_settings(None) == {"log_device_placement": False, "allow_gpu": True,
                                         "intra_op_threads": None, "gpu_memory_fraction": None}
    with pytest.raises(TypeError):
        cp.session_settings({"log_device_placement": True})
    d = cp.ConfigProto()
    d.CopyFrom(c)
    assert d == c and d.gpu_options is not c.gpu_options
    assert cp.ConfigProto().gpu_options is not cp.ConfigProto().gpu_options


def test_unknown_fields_and_wrong_types_fail():
    with pytest.raises(ValueError, match='no "allow_groth" field'):
        cp.GPUOptions(allow_groth=True)
    with pytest.raises(AttributeError, match="gpu_option"):
        cp.ConfigProto().gpu_option = 1
    with pytest.raises(TypeError):
        cp.ConfigProto(intra_op_parallelism_threads="2")
    with pytest.raises(TypeError):
        cp.ConfigProto(gpu_options={"allow_growth": True})


def test_run_options_and_metadata():
    o = cp.RunOptions(trace_level=cp.RunOptions.FULL_TRACE)
    assert o.trace_level == 3 and cp.trace_requested(o) and not cp.trace_requested(None)
    assert not cp.trace_requested(cp.RunOptions())
    m = cp.RunMetadata()
    assert m.step_stats.dev_stats == [] and m.partition_graphs == []


@pytest.mark.tf
def test_same_fields_and_defaults_as_tf(tf1):
    for ours, theirs in [(cp.ConfigProto, tf1.ConfigProto), (cp.GPUOptions, tf1.GPUOptions),
                         (cp.RunOptions, tf1.RunOptions), (cp.RunMetadata, tf1.RunMetadata),
                         (cp.GraphOptions, tf1.GraphOptions)]:
        mine, tfs = ours(), theirs()
        for name in ours._FIELDS:
            assert hasattr(tfs, name), f"{ours.__name__}.{name} is not a TF field"
            value = getattr(mine, name)
            if isinstance(value, (bool, int, float, str)):
                assert value == getattr(tfs, name), f"{ours.__name__}.{name}"
    assert (cp.RunOptions.NO_TRACE, cp.RunOptions.FULL_TRACE) == \
        (tf1.RunOptions.NO_TRACE, tf1.RunOptions.FULL_TRACE)
