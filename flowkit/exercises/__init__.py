"""Exercises for the tutorials: fill in a function, then let a check say whether it is right.

Each tutorial has one or more exercises. ``show`` prints the task and the function to fill
in; ``check`` runs the function in a graph of its own, with flowkit's gradient and
conformance checks where they apply, and returns a :class:`Result` that is true when the
answer is right and otherwise says what went wrong and gives a hint::

    from flowkit import exercises
    exercises.show("03_softmax_loss")          # the task and the starting code

    def softmax_loss(logits, labels):
        ...                                    # your code

    exercises.check("03_softmax_loss", softmax_loss)

``names()`` lists every exercise; ``for_tutorial("03_training")`` those of one tutorial. The
solutions are not shipped: the checks compare with NumPy, with flowkit's own ops and with
finite differences.
"""
from __future__ import annotations

from flowkit.exercises import (_basics, _layers, _models, _plugins, _running,  # noqa: F401
                               _sequences)  # (importing them registers the exercises)
from flowkit.exercises._core import EXERCISES, TUTORIALS, Exercise, Result, run_check

__all__ = ["Exercise", "Result", "check", "for_tutorial", "get", "names", "show",
           "tutorial_title", "tutorials"]


def names() -> list:
    """The names of every exercise, in the order of the tutorials."""
    return [ex.name for ex in sorted(EXERCISES.values(), key=lambda e: e.tutorial)]


def get(name) -> Exercise:
    """The exercise called ``name`` (a ``KeyError`` lists the names when there is none)."""
    try:
        return EXERCISES[name]
    except KeyError:
        raise KeyError(f"no exercise {name!r}; the exercises are: "
                       f"{', '.join(names())}") from None


def tutorials() -> list:
    """The tutorials that have exercises (file stems such as ``"03_training"``)."""
    return sorted({ex.tutorial for ex in EXERCISES.values()})


def tutorial_title(tutorial, lang="en") -> str:
    en, zh = TUTORIALS[tutorial]
    return zh if str(lang).startswith("zh") else en


def for_tutorial(tutorial) -> list:
    """The exercises of one tutorial (``"03_training"`` or ``"03"``), in order."""
    number = str(tutorial).split("_")[0]
    return [ex for ex in EXERCISES.values()
            if ex.tutorial == tutorial or ex.tutorial.split("_")[0] == number]


def show(name, lang="en") -> None:
    """Prints the task of exercise ``name`` and the function to fill in (``lang="zh_CN"``
    prints the task in Chinese)."""
    ex = get(name)
    print(f"{ex.name}: {ex.title_in(lang)}\n")
    print(ex.task_in(lang) + "\n")
    print(ex.starter)
    print("from flowkit import exercises")
    print(ex.check_line(lang))


def check(name, fn, lang="en") -> Result:
    """Checks the learner's ``fn`` for exercise ``name``; see :class:`Result`. With
    ``lang="zh_CN"`` the verdict and the hint are in Chinese."""
    return run_check(get(name), fn, lang)
