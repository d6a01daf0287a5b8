"""flowkit.backend.keep_freed_host_memory: a session asks glibc's malloc to keep freed memory,
so that a training step's large arrays reuse pages instead of faulting in fresh ones."""
import platform
import subprocess
import sys
import textwrap

import pytest

GLIBC = platform.libc_ver()[0] == "glibc"

#: Runs a session, then allocates and frees a 48 MB array five times, and prints whether the
#: tuning applied and the page faults per allocation.
PROGRAM = textwrap.dedent("""
    import resource, numpy as np
    import flowkit as tf
    from flowkit import backend
    with tf.Session(backend="numpy") as s:
        s.run(tf.constant(1.0))
    a = np.ones((1200, 10000), np.float32); del a
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        a = np.ones((1200, 10000), np.float32); del a
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0) / 5
    print(backend.keep_freed_host_memory(), faults)
""")


def run(env_value=None):
    import os
    env = dict(os.environ)
    env.pop("FLOWKIT_KEEP_HOST_MEMORY", None)
    env["NUMPY_MADVISE_HUGEPAGE"] = "0"     # NumPy would fault large arrays in 2 MiB at a time
    if env_value is not None:
        env["FLOWKIT_KEEP_HOST_MEMORY"] = env_value
    out = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    return out[0] == "True", float(out[1])


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_a_session_keeps_freed_memory_and_large_arrays_reuse_it():
    applied, faults = run()
    assert applied
    # 48 MB is about 11,700 pages: reused memory faults in almost none of them.
    assert faults < 1000


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
def test_turned_off_by_the_environment():
    applied, faults = run("0")
    assert not applied
    assert faults > 5000            # glibc maps fresh pages for every large array


def test_runs_once_and_answers_the_same():
    from flowkit import backend
    first = backend.keep_freed_host_memory()
    assert backend.keep_freed_host_memory() is first
