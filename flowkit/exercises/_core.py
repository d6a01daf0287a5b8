"""The machinery of the exercises: the registry, a check's result, and the helpers that the
checks share (calling the learner's function, comparing values, failing with a hint)."""
from __future__ import annotations

import contextlib
import textwrap
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

import flowkit as tf
from flowkit.exercises._zh import HINTS, VERDICTS

#: Tutorial file stem -> (English title, Chinese title).
TUTORIALS = {
    "01_graphs": ("1. A computation is a graph", "1. 计算就是一张图"),
    "02_sessions": ("2. Placeholders, variables and sessions", "2. 占位符、变量与会话"),
    "03_training": ("3. Training a classifier", "3. 训练一个分类器"),
    "03b_three_ways": ("3b. One classifier, three ways", "3b. 同一个分类器的三种写法"),
    "04_sharing": ("4. Sharing variables", "4. 变量共享"),
    "05_saving": ("5. Saving and sharing a trained model", "5. 保存与分享训练好的模型"),
    "06_backends": ("6. Backends and devices", "6. 后端与设备"),
    "07_op_plugin": ("7. Writing an op plugin", "7. 编写一个算子插件"),
    "08_optimizer_plugin": ("8. Writing an optimizer plugin", "8. 编写一个优化器插件"),
    "09_inside": ("9. Inside flowkit: how a session runs a graph",
                  "9. flowkit 内部：会话如何运行一张图"),
    "10_tips": ("10. Tips", "10. 技巧"),
    "11_distributed": ("11. Training on several processes", "11. 多进程训练"),
    "12_rnn": ("12. Recurrent networks: your own cells, then dynamic_rnn",
               "12. 循环神经网络：先写自己的单元，再用 dynamic_rnn"),
}


class Fail(Exception):
    """Raised by a check: what is wrong (``message``) and what to try (``hint``)."""

    def __init__(self, message, hint=""):
        super().__init__(message)
        self.message, self.hint = message, hint


@dataclass
class Exercise:
    """One exercise: the function a learner fills in and the check that grades it."""

    name: str
    tutorial: str
    title: str
    title_zh: str
    task: str
    task_zh: str
    starter: str
    checker: object

    def title_in(self, lang="en"):
        return self.title_zh if str(lang).startswith("zh") else self.title

    def task_in(self, lang="en"):
        return self.task_zh if str(lang).startswith("zh") else self.task

    def function_name(self):
        line = next(li for li in self.starter.splitlines() if li.startswith(("def ", "class ")))
        return line.split()[1].split("(")[0].split(":")[0]

    def check_line(self, lang="en"):
        extra = f', lang="{lang}"' if str(lang).startswith("zh") else ""
        return f'exercises.check("{self.name}", {self.function_name()}{extra})'


@dataclass
class Result:
    """What :func:`flowkit.exercises.check` found. True when the answer is right; printing it
    (or leaving it as a notebook cell's last value) shows the verdict and, if wrong, a hint
    (in Chinese for ``lang="zh_CN"``)."""

    name: str
    ok: bool
    message: str
    hint: str = ""
    lang: str = "en"

    def __bool__(self):
        return self.ok

    def __str__(self):
        if str(self.lang).startswith("zh"):
            if self.ok:
                return f"{self.name}：正确！{VERDICTS.get(self.message, self.message)}"
            text = f"{self.name}：还不对。{self.message}"
            return text + (f"\n提示：{HINTS.get(self.hint, self.hint)}" if self.hint else "")
        if self.ok:
            return f"{self.name}: right! {self.message}"
        text = f"{self.name}: not yet. {self.message}"
        return text + (f"\nHint: {self.hint}" if self.hint else "")

    __repr__ = __str__


EXERCISES: dict = {}


def exercise(name, tutorial, title, title_zh, task, task_zh, starter):
    """Registers the decorated check function as exercise ``name``."""

    def register(checker):
        if name in EXERCISES:
            raise ValueError(f"exercise {name!r} is registered twice")
        EXERCISES[name] = Exercise(name, tutorial, title, title_zh, _dedent(task),
                                   _dedent(task_zh), _dedent(starter).strip() + "\n", checker)
        return checker

    return register


def _dedent(text):
    return textwrap.dedent(text).strip()


# --------------------------------------------------------------------------------------------
# Helpers for the checks
# --------------------------------------------------------------------------------------------
def call(fn, *args, numpy_is_right=False):
    """Calls the learner's function; an exception becomes a :class:`Fail` that shows it
    (with a hint about NumPy on tensors unless ``numpy_is_right``: a kernel's job)."""
    try:
        return fn(*args)
    except Fail:
        raise
    except NotImplementedError as e:
        raise Fail("the function is not written yet (it raised NotImplementedError).",
                   "replace `raise NotImplementedError` with your code.") from e
    except Exception as e:  # noqa: BLE001 - any error in the learner's code is reported
        where = _learner_line(e)
        hint = "read the message: it names the op and what it expected."
        if "np." in where and not numpy_is_right:
            hint = ("NumPy cannot compute a symbolic tensor: use flowkit ops (tf.matmul, "
                    "tf.nn.relu, ...) on tensors of the graph.")
        raise Fail(f"your function raised {type(e).__name__}: {_first_line(e)}{where}",
                   hint) from e


def _first_line(e):
    text = str(e).strip()
    return text.splitlines()[0] if text else "(no message)"


def _learner_line(e):
    frames = [f for f in traceback.extract_tb(e.__traceback__)
              if "/flowkit/" not in f.filename.replace("\\", "/")
              and "/plugins/" not in f.filename.replace("\\", "/")]
    if not frames:
        return ""
    f = frames[-1]
    return f" (at {f.filename}:{f.lineno}: {f.line})" if f.line else ""


def require_tensor(value, what):
    """Fails unless ``value`` is a graph tensor (not a NumPy array or a Python number)."""
    if isinstance(value, tf.Variable):
        value = value.value()
    if not isinstance(value, tf.Tensor):
        raise Fail(f"{what} should be a tensor of the graph, got {type(value).__name__}.",
                   "build it with flowkit ops (tf.matmul, tf.nn.relu, ...): NumPy code runs "
                   "once while the graph is built, not in the session.")
    return value


def close(got, want, what, hint, rtol=1e-4, atol=1e-5):
    """Fails with ``hint`` unless ``got`` equals ``want`` (shape and values)."""
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        raise Fail(f"{what} has shape {got.shape}, expected {want.shape}.", hint)
    if not np.all(np.isfinite(got)) and np.all(np.isfinite(want)):
        raise Fail(f"{what} is not finite: {_short(got)}.", hint)
    if not np.allclose(got, want, rtol=rtol, atol=atol):
        raise Fail(f"{what} is {_short(got)}, expected {_short(want)}.", hint)


def _short(a):
    return np.array2string(np.asarray(a), precision=4, threshold=8, edgeitems=2)


@contextlib.contextmanager
def quiet():
    """NumPy's floating-point warnings and flowkit's warnings stay out of the verdict."""
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def run_check(ex, fn, lang="en") -> Result:
    """Runs ``ex``'s check on ``fn`` in a graph of its own (the learner's default graph is
    left alone) and turns the outcome into a :class:`Result`."""
    try:
        with quiet(), tf.Graph().as_default():
            message = ex.checker(fn)
    except Fail as f:
        return Result(ex.name, False, f.message, f.hint, lang)
    except Exception as e:  # noqa: BLE001 - e.g. running the learner's graph failed
        return Result(ex.name, False, f"running your answer failed with {type(e).__name__}: "
                      f"{_first_line(e)}{_learner_line(e)}",
                      "read the message: it names the op and what it expected.", lang)
    return Result(ex.name, True, message or "", lang=lang)
