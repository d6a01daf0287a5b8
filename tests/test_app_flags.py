"""tf.app.run and tf.flags (flowkit.app, flowkit.flags) and tf.logging (flowkit.tf_logging),
with differential tests against TF's absl-based flags."""
import logging
import subprocess
import sys
import textwrap

import pytest

from flowkit import app, flags, tf_logging

ARGV = ["prog", "--lr=0.5", "--steps", "7", "--nodebug", "--name=run 1", "--layers=4,8",
        "--mode=eval", "--unknown=3", "data.csv", "--", "--steps=9"]


def define_all(module, fv):
    module.DEFINE_float("lr", 0.01, "learning rate", flag_values=fv)
    module.DEFINE_integer("steps", 100, "steps", lower_bound=1, flag_values=fv)
    module.DEFINE_boolean("debug", True, "debug", flag_values=fv)
    module.DEFINE_bool("verbose", False, "verbose", flag_values=fv)
    module.DEFINE_string("name", "default", "name", flag_values=fv)
    module.DEFINE_list("layers", "1,2", "sizes", flag_values=fv)
    module.DEFINE_enum("mode", "train", ["train", "eval"], "mode", flag_values=fv)


def test_parse_values_and_rest():
    fv = flags.FlagValues()
    define_all(flags, fv)
    rest = fv(ARGV, known_only=True)
    assert rest == ["prog", "--unknown=3", "data.csv", "--", "--steps=9"]
    assert (fv.lr, fv.steps, fv.debug, fv.verbose, fv.name, fv.layers, fv.mode) == \
        (0.5, 7, False, False, "run 1", ["4", "8"], "eval")
    assert fv.flag_values_dict()["steps"] == 7
    with pytest.raises(flags.UnrecognizedFlagError, match="unknown"):
        fv(ARGV)


def test_bad_values_duplicates_and_required():
    fv = flags.FlagValues()
    define_all(flags, fv)
    with pytest.raises(flags.IllegalFlagValueError):
        fv(["p", "--steps=0"])
    with pytest.raises(flags.IllegalFlagValueError):
        fv(["p", "--steps=abc"])
    with pytest.raises(flags.IllegalFlagValueError):
        fv(["p", "--mode=test"])
    with pytest.raises(flags.DuplicateFlagError, match="defined twice"):
        flags.DEFINE_integer("steps", 1, "again", flag_values=fv)
    flags.DEFINE_string("out", None, "output", flag_values=fv)
    flags.mark_flag_as_required("out", flag_values=fv)
    with pytest.raises(flags.IllegalFlagValueError, match="out"):
        fv(["p"])
    assert fv(["p", "--out", "x"]) == ["p"] and fv.out == "x"
    fv.steps = 3
    assert fv.steps == 3
    with pytest.raises(AttributeError):
        fv.nope = 1


def test_tf1_keyword_names_and_first_access_parses_argv(monkeypatch):
    fv = flags.FlagValues()
    flags.DEFINE_integer(flag_name="epochs", default_value=2, docstring="epochs", flag_values=fv)
    monkeypatch.setattr(sys, "argv", ["prog", "--epochs=5", "--other"])
    assert fv.epochs == 5 and fv.is_parsed()
    fv.unparse_flags()
    assert not fv.is_parsed()


def test_app_run_parses_flags_and_exits_with_main_result(monkeypatch):
    fv = flags.FlagValues()
    define_all(flags, fv)
    monkeypatch.setattr(flags, "FLAGS", fv)
    seen = []

    def main(argv):
        seen.append((list(argv), fv.lr, fv.layers))
        return 3
    with pytest.raises(SystemExit) as e:
        app.run(main, ARGV)
    assert e.value.code == 3
    assert seen == [(["prog", "--unknown=3", "data.csv", "--", "--steps=9"], 0.5, ["4", "8"])]
    with pytest.raises(SystemExit) as e:
        app.run(main, ["prog", "--steps=-1"])
    assert e.value.code == 1


SCRIPT = """
import sys
{imports}
flags.DEFINE_integer("batch_size", 16, "batch")
flags.DEFINE_string("data_dir", "/tmp/d", "data")
flags.DEFINE_boolean("fake", False, "fake data")
FLAGS = flags.FLAGS
def main(argv):
    print(FLAGS.batch_size, FLAGS.data_dir, FLAGS.fake, argv[1:])
    return 0
if __name__ == "__main__":
    app.run(main)
"""


def _run_script(tmp_path, imports, args):
    path = tmp_path / "prog.py"
    path.write_text(textwrap.dedent(SCRIPT.format(imports=imports)))
    r = subprocess.run([sys.executable, str(path)] + args, capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "3"})
    return (r.returncode, r.stdout.strip().splitlines()[-1:] if r.stdout else []), r.stderr


@pytest.mark.tf
def test_app_run_matches_tf(tmp_path, tf1):
    args = ["--batch_size", "64", "--fake", "extra", "--data_dir=/x"]
    want, err_tf = _run_script(tmp_path, "from tensorflow.compat.v1 import app, flags", args)
    got, err = _run_script(tmp_path, "from flowkit import app, flags", args)
    assert want == (0, ["64 /x True ['extra']"]), err_tf[-2000:]
    assert got == want, err[-2000:]


@pytest.mark.tf
def test_flag_parsing_matches_absl(tf1):
    ours, theirs = flags.FlagValues(), tf1.flags.FlagValues()
    define_all(flags, ours)
    define_all(tf1.flags, theirs)
    rest = ours(ARGV, known_only=True)
    want_rest = theirs(ARGV, known_only=True)
    assert rest == want_rest
    assert ours.flag_values_dict() == {k: v for k, v in theirs.flag_values_dict().items()
                                       if k in ours}


def test_logging_levels_and_output(capsys, caplog):
    assert (tf_logging.DEBUG, tf_logging.INFO, tf_logging.WARN, tf_logging.ERROR,
            tf_logging.FATAL) == (10, 20, 30, 40, 50)
    old = tf_logging.get_verbosity()
    try:
        with caplog.at_level(logging.NOTSET, logger="flowkit"):
            tf_logging.set_verbosity(tf_logging.WARN)
            tf_logging.info("hidden %d", 1)
            tf_logging.warn("shown %d", 2)
            tf_logging.set_verbosity(tf_logging.INFO)
            tf_logging.info("now shown")
            for _ in range(5):
                tf_logging.log_every_n(tf_logging.INFO, "every", 2)
                tf_logging.log_first_n(tf_logging.INFO, "first", 1)
        messages = [r.getMessage() for r in caplog.records if r.name == "flowkit"]
    finally:
        tf_logging.set_verbosity(old)
    assert messages[:2] == ["shown 2", "now shown"]
    assert messages.count("every") == 3 and messages.count("first") == 1
    assert "hidden 1" not in messages
