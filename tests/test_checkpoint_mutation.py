"""Damaged files (issue 12, item 17): random bit flips and truncations of a saved checkpoint,
seeded and bounded in time. Each restore either gives exactly the saved values or fails with
a clean ``DataLossError`` / ``InvalidArgumentError``; never another error, a wrong value or a
crash (the mutations run in a subprocess, so that a crash fails the test instead of ending
the run)."""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

_MUTATE = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    import flowkit as tf

    folder, seed, budget = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    rng = np.random.default_rng(seed)
    saved = {"dense/W": rng.standard_normal((30, 40)).astype(np.float32),
             "dense/b": np.arange(40, dtype=np.int64),
             "scale": np.float64(2.5)}
    variables = {n: tf.Variable(v, name=n) for n, v in saved.items()}
    tf.constant(np.arange(600, dtype=np.float32), name="big")    # a constant as a dataset
    saver = tf.train.Saver(variables)
    sess = tf.Session()
    sess.run(tf.global_variables_initializer())
    original = saver.save(sess, os.path.join(folder, "m")) + ".h5"
    data = open(original, "rb").read()
    target = os.path.join(folder, "damaged.h5")
    counts = {"same": 0, "DataLossError": 0, "InvalidArgumentError": 0}
    bad = []
    start, i = time.monotonic(), 0
    while time.monotonic() - start < budget:
        i += 1
        kind = ("flip", "flips", "truncate")[i % 3]
        damaged = bytearray(data)
        if kind == "truncate":
            damaged = damaged[:int(rng.integers(0, len(data)))]
        else:
            for _ in range(1 if kind == "flip" else int(rng.integers(2, 9))):
                pos = int(rng.integers(0, len(data)))
                damaged[pos] ^= 1 << int(rng.integers(0, 8))
        with open(target, "wb") as f:
            f.write(damaged)
        for n, v in variables.items():               # sentinels: a restore must change them
            v.load(np.full(np.shape(saved[n]), 7, saved[n].dtype), sess)
        try:
            saver.restore(sess, target)
        except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as e:
            counts[type(e).__name__] += 1
            if target not in str(e):
                bad.append((i, kind, "the error does not name the file: " + str(e)[:200]))
            continue
        except Exception as e:                        # noqa: BLE001 - what the test is after
            bad.append((i, kind, f"{type(e).__name__}: {str(e)[:200]}"))
            continue
        for n, v in variables.items():
            if not np.array_equal(sess.run(v), saved[n]):
                bad.append((i, kind, f"restored a wrong value of {n}"))
                break
        else:
            counts["same"] += 1
    print("COUNTS", counts, i)
    for b in bad[:20]:
        print("BAD", b)
    sys.exit(1 if bad else 0)
""")


def test_random_damage_is_detected_or_harmless(tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    r = subprocess.run([sys.executable, "-c", _MUTATE, str(tmp_path), "12", "3.0"], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, (r.returncode, r.stdout[-4000:], r.stderr[-4000:])
    counts = eval(r.stdout.split("COUNTS ", 1)[1].rsplit(" ", 1)[0])     # noqa: S307
    assert counts["DataLossError"] > 0 and counts["same"] + sum(counts.values()) > 30, r.stdout
