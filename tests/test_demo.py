"""The bundled digits data and the `flowkit demo` main job."""
import os
import io
import re
import subprocess
import sys

import numpy as np
import pytest

from flowkit import cli, datasets
from flowkit.commands import demo


# -- data -----------------------------------------------------------------------------------------
def test_load_digits_splits():
    d = datasets.load_digits()
    assert d.train_images.shape == (1438, 8, 8) and d.test_images.shape == (359, 8, 8)
    assert d.train_images.dtype == np.float32 and d.train_labels.dtype == np.int64
    assert 0.0 <= d.train_images.min() and d.train_images.max() <= 1.0
    labels = np.concatenate([d.train_labels, d.test_labels])
    assert sorted(set(labels.tolist())) == list(range(10))
    assert np.bincount(labels).tolist() == [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    # every image is in exactly one split
    all_imgs = np.concatenate([d.train_images, d.test_images]).reshape(1797, -1)
    assert len({row.tobytes() for row in all_imgs}) >= 1790   # (a few digits repeat)


def test_load_digits_is_deterministic():
    a, b = datasets.load_digits(), datasets.load_digits()
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    c = datasets.load_digits(seed=1)
    assert not np.array_equal(a.test_labels, c.test_labels)
    small = datasets.load_digits(test_fraction=0.5)
    assert len(small.test_labels) == 898 or len(small.test_labels) == 899
    with pytest.raises(ValueError, match="test_fraction"):
        datasets.load_digits(test_fraction=1.0)


def test_one_hot():
    np.testing.assert_array_equal(datasets.one_hot([1, 0], 3), [[0, 1, 0], [1, 0, 0]])


# -- the demo -------------------------------------------------------------------------------------
def test_softmax_demo_converges():
    out = io.StringIO()
    result = demo.train(model="softmax", stream=out)
    assert result["test_accuracy"] >= 0.92
    assert result["losses"][-1] < result["losses"][0] / 3
    assert result["steps"] == 25 * 45
    text = out.getvalue()
    assert text.startswith("softmax model on the 8x8 digits: 1438 training and 359 test")
    assert text.count("\n") == 1 and "\r" not in text    # no progress bar: not a terminal


class FakeTerminal(io.StringIO):
    """A captured stream that says it is a terminal, so the demo draws its progress bar."""

    def isatty(self):
        return True


def test_demo_draws_no_bar_when_not_a_terminal(capsys):
    out = io.StringIO()
    demo.train(model="softmax", epochs=2, batch_size=128, stream=out)
    assert out.getvalue().count("\n") == 1                         # the header line alone
    assert "\r" not in out.getvalue() and "loss" not in out.getvalue()
    assert "step/s" not in out.getvalue()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""                # nothing went elsewhere


def test_demo_draws_a_bar_with_loss_and_rate_on_a_terminal(capsys):
    out = FakeTerminal()
    demo.train(model="softmax", epochs=2, batch_size=128, stream=out)
    text = out.getvalue()
    assert text.startswith("softmax model on the 8x8 digits")
    assert "\r" in text and text.count("\n") == 1 + 2               # one finished line an epoch
    finals = [line.rsplit("\r", 1)[-1] for line in text.split("\n")[1:-1]]
    for epoch, line in enumerate(finals, start=1):
        assert line.startswith(f"epoch {epoch}/2") and "12/12" in line
        assert re.search(r"loss \d+\.\d{4}", line), line
        assert re.search(r"\d+(\.\d+)?step/s", line), line        # tqdm's rate
    assert capsys.readouterr().err == ""                            # the bar went to `stream`
    quiet = FakeTerminal()
    demo.train(model="softmax", epochs=1, batch_size=128, stream=quiet, quiet=True)
    assert quiet.getvalue() == ""


def test_demo_is_deterministic():
    a = demo.train(model="softmax", epochs=2, quiet=True, seed=3)
    b = demo.train(model="softmax", epochs=2, quiet=True, seed=3)
    assert a["losses"] == b["losses"] and a["test_accuracy"] == b["test_accuracy"]


def test_demo_on_every_backend(backend):
    r = demo.train(model="softmax", epochs=2, batch_size=128, quiet=True, backend=backend[0],
                   device=backend[1])
    assert (r["backend"], r["device"]) == backend
    assert r["test_accuracy"] > 0.8


def test_cnn_demo_runs():
    r = demo.train(model="cnn", epochs=1, quiet=True)
    assert r["test_accuracy"] > 0.6
    assert np.isfinite(r["losses"]).all()


@pytest.mark.slow
def test_cnn_demo_reaches_its_accuracy():
    assert demo.train(model="cnn", quiet=True)["test_accuracy"] >= 0.96


def test_cli_dispatch(capsys, tmp_path):
    assert cli.main(["demo", "--epochs", "1", "--quiet", "--seed", "1",
                     "--save-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("test accuracy: 0.") and "softmax model" in out and "\r" not in out
    with pytest.raises(SystemExit):
        cli.main(["demo", "--model", "nope"])
    with pytest.raises(ValueError, match="positive"):
        demo.train(epochs=0)
    assert cli.main(["demo", "--backend", "nope", "--quiet"]) == 2
    assert "No backend named 'nope'" in capsys.readouterr().err


def test_python_dash_m(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "flowkit", "demo", "--epochs", "1",
                           "--batch-size", "256", "--quiet"], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "test accuracy:" in proc.stdout


def test_demo_saves_and_reloads_the_model_without_its_code(tmp_path):
    from flowkit.commands import demo
    result = demo.train(model="softmax", epochs=2, quiet=True, save_dir=str(tmp_path))
    assert result["checkpoint"].startswith(str(tmp_path))
    assert result["checkpoint"].endswith(".h5") and os.path.exists(result["checkpoint"])
    assert result["reloaded_accuracy"] == result["test_accuracy"]


def test_demo_logdir_writes_what_tensorboard_shows(tmp_path):
    pytest.importorskip("tensorboard", reason="the tensorboard extra is not installed")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from flowkit.commands import demo
    result = demo.train(model="softmax", epochs=1, quiet=True, logdir=str(tmp_path / "logs"),
                        summary_every=5)
    acc = EventAccumulator(str(tmp_path / "logs"))
    acc.Reload()
    tags = acc.Tags()
    assert {"loss", "train_accuracy", "test_accuracy"} <= set(tags["scalars"]) and tags["graph"]
    losses = acc.Scalars("loss")
    assert [e.step for e in losses] == list(range(0, result["steps"], 5))
    assert acc.Scalars("test_accuracy")[-1].value == pytest.approx(result["test_accuracy"])
