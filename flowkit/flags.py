"""``tf.flags`` / ``tf.app.flags``: command-line flags as TF1 programs define and read them.

TF1 wraps absl's flags; this is a small standard-library version of the same API, so flowkit
needs no extra dependency. ``DEFINE_string/integer/float/boolean/bool/list/enum`` add a flag
to :data:`FLAGS`; reading ``FLAGS.name`` before parsing parses ``sys.argv`` (known flags
only, as TF1's wrapper does), and ``tf.app.run`` parses ``argv`` and passes the rest to
``main``. The syntax is absl's: ``--name=value``, ``--name value``, ``-name=value``,
``--flag`` / ``--noflag`` for booleans, ``--`` ends the flags, ``--help`` prints them.

Example:
    >>> from flowkit import flags
    >>> fv = flags.FlagValues()
    >>> flags.DEFINE_integer("batch_size", 32, "Examples per step.", flag_values=fv)
    >>> flags.DEFINE_boolean("shuffle", True, "Shuffle the data.", flag_values=fv)
    >>> flags.DEFINE_list("layers", "64,32", "Hidden sizes.", flag_values=fv)
    >>> fv(["prog", "--batch_size=8", "--noshuffle", "--layers", "1,2,3", "file.txt"])
    ['prog', 'file.txt']
    >>> fv.batch_size, fv.shuffle, fv.layers
    (8, False, ['1', '2', '3'])
"""
from __future__ import annotations

import sys


class Error(Exception):
    """Base class of flag errors."""


class DuplicateFlagError(Error):
    """A flag is defined twice."""


class IllegalFlagValueError(Error):
    """A flag's value cannot be parsed or breaks a bound or a validator."""


class UnrecognizedFlagError(Error):
    """An unknown ``--flag`` on the command line (when unknown flags are not allowed)."""


class UnparsedFlagAccessError(Error, AttributeError):
    """Raised by absl when a flag is read before parsing; TF1's FLAGS parses instead."""


class Flag:
    """One flag: its name, default, help text, parser and current value."""

    def __init__(self, name, default, help_text, parser, type_name, boolean=False) -> None:
        self.name, self.help, self.parser = name, help_text, parser
        self.type_name, self.boolean = type_name, boolean
        self.default = None if default is None else self.parse(default)
        self.value = self.default
        self.present = 0
        self.validators = []

    def parse(self, raw):
        if not isinstance(raw, str):
            return self.parser(raw, from_string=False)
        try:
            return self.parser(raw, from_string=True)
        except (TypeError, ValueError) as e:
            raise IllegalFlagValueError(f"flag --{self.name}={raw}: {e}") from None


def _bool(v, from_string):
    if not from_string:
        return bool(v)
    low = v.strip().lower()
    if low in ("true", "t", "1", "yes", "y"):
        return True
    if low in ("false", "f", "0", "no", "n"):
        return False
    raise ValueError("Non-boolean argument to boolean flag")


def _list(v, from_string):
    if not from_string:
        return list(v)
    return [p.strip() for p in v.split(",") if p.strip()] if v.strip() else []


def _bounded(kind, lower, upper):
    def parse(v, from_string):
        x = kind(v) if from_string or not isinstance(v, kind) else v
        if kind is int and not from_string and isinstance(v, float) and v != int(v):
            raise ValueError(f"Expect argument to be an int, got {v!r}")
        if lower is not None and x < lower:
            raise ValueError(f"{x} is not >= {lower}")
        if upper is not None and x > upper:
            raise ValueError(f"{x} is not <= {upper}")
        return kind(x)
    return parse


class FlagValues:
    """A registry of flags; attribute access gives their values (TF1's ``tf.flags.FLAGS``)."""

    def __init__(self) -> None:
        self.__dict__["_flags"] = {}
        self.__dict__["_parsed"] = False

    # -- defining ---------------------------------------------------------------------------------
    def _define(self, flag: Flag) -> None:
        if flag.name in self._flags:
            raise DuplicateFlagError(f"The flag '{flag.name}' is defined twice.")
        self._flags[flag.name] = flag

    def __contains__(self, name) -> bool:
        return name in self._flags

    def __iter__(self):
        return iter(list(self._flags))

    def __len__(self) -> int:
        return len(self._flags)

    def __getitem__(self, name) -> Flag:
        return self._flags[name]

    # -- values -----------------------------------------------------------------------------------
    def __getattr__(self, name):
        flags = self.__dict__["_flags"]
        if name not in flags:
            raise AttributeError(name)
        if not self.__dict__["_parsed"]:
            # TF1's FLAGS parses the command line on first access (known flags only).
            self(sys.argv, known_only=True)
        return flags[name].value

    def __setattr__(self, name, value) -> None:
        if name not in self._flags:
            raise AttributeError(f"Unknown flag '{name}': define it with DEFINE_*() first.")
        flag = self._flags[name]
        flag.value = flag.parse(value) if value is not None else None
        flag.present += 1
        self._validate([flag])

    def __delattr__(self, name) -> None:
        if name not in self._flags:
            raise AttributeError(name)
        del self._flags[name]

    def __call__(self, argv, known_only=False) -> list:
        """Parses ``argv`` (``argv[0]`` is the program); returns ``argv[0]`` and the arguments
        that are not flags (and, with ``known_only``, the unknown flags)."""
        if isinstance(argv, str):
            raise TypeError("argv must be a list of strings, not a string")
        argv = list(argv)
        if not argv:
            raise ValueError("argv cannot be empty: argv[0] is the program name")
        rest, args, i = [argv[0]], argv[1:], 0
        while i < len(args):
            arg = args[i]
            i += 1
            if arg == "--":
                rest.extend(args[i - 1:] if known_only else args[i:])   # absl keeps "--"
                break
            if not arg.startswith("-") or arg == "-":
                rest.append(arg)
                continue
            name, eq, value = arg.lstrip("-").partition("=")
            if name in ("help", "h", "helpfull", "helpshort", "?") and not eq:
                print(self.help_text())
                raise SystemExit(0)
            flag = self._flags.get(name)
            if flag is None and name.startswith("no") and not eq:
                neg = self._flags.get(name[2:])
                if neg is not None and neg.boolean:
                    neg.value, neg.present = False, neg.present + 1
                    continue
            if flag is None:
                if known_only:
                    rest.append(arg)
                    continue
                raise UnrecognizedFlagError(f"Unknown command line flag '{name}'")
            if not eq:
                if flag.boolean:
                    value = "true"
                elif i < len(args):
                    value, i = args[i], i + 1
                else:
                    raise IllegalFlagValueError(f"Missing value for flag {arg}")
            flag.value = flag.parse(value)
            flag.present += 1
        self.__dict__["_parsed"] = True
        self._validate(self._flags.values())
        return rest

    def _validate(self, flags) -> None:
        for flag in flags:
            for check, message in flag.validators:
                if not check(flag.value):
                    raise IllegalFlagValueError(f"flag --{flag.name}={flag.value}: {message}")

    def is_parsed(self) -> bool:
        return self._parsed

    def mark_as_parsed(self) -> None:
        self.__dict__["_parsed"] = True

    def unparse_flags(self) -> None:
        """Resets every flag to its default and marks the flags as not parsed."""
        for flag in self._flags.values():
            flag.value, flag.present = flag.default, 0
        self.__dict__["_parsed"] = False

    def flag_values_dict(self) -> dict:
        return {name: flag.value for name, flag in self._flags.items()}

    def get_flag_value(self, name, default):
        flag = self._flags.get(name)
        return default if flag is None else flag.value

    def help_text(self) -> str:
        lines = ["flags:"]
        for name in sorted(self._flags):
            f = self._flags[name]
            lines.append(f"  --{name}: {f.help}\n    (default: {f.default!r}) ({f.type_name})")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<FlagValues with {len(self._flags)} flags>"


#: The global flags (``tf.flags.FLAGS``, ``tf.app.flags.FLAGS``).
FLAGS = FlagValues()


def _tf1_keywords(fn):
    """Accepts TF1's old keyword names (``flag_name``, ``default_value``, ``docstring``), as
    TF1's flags wrapper did."""
    renames = {"flag_name": "name", "default_value": "default", "docstring": "help"}

    def define(*args, **kwargs):
        for old, new in renames.items():
            if old in kwargs:
                kwargs[new] = kwargs.pop(old)
        return fn(*args, **kwargs)
    define.__name__, define.__doc__ = fn.__name__, fn.__doc__
    return define


def _define(name, default, help_text, parser, type_name, flag_values, boolean=False):
    registry = FLAGS if flag_values is None else flag_values
    registry._define(Flag(name, default, help_text, parser, type_name, boolean))


@_tf1_keywords
def DEFINE_string(name, default, help, flag_values=None, **kwargs):  # noqa: N802,A002
    """A string flag."""
    _define(name, default, help, lambda v, from_string: str(v), "string", flag_values)


@_tf1_keywords
def DEFINE_integer(name, default, help, lower_bound=None, upper_bound=None,  # noqa: N802,A002
                   flag_values=None, **kwargs):
    """An integer flag, optionally bounded."""
    _define(name, default, help, _bounded(int, lower_bound, upper_bound), "integer",
            flag_values)


@_tf1_keywords
def DEFINE_float(name, default, help, lower_bound=None, upper_bound=None,  # noqa: N802,A002
                 flag_values=None, **kwargs):
    """A float flag, optionally bounded."""
    _define(name, default, help, _bounded(float, lower_bound, upper_bound), "float",
            flag_values)


@_tf1_keywords
def DEFINE_boolean(name, default, help, flag_values=None, **kwargs):  # noqa: N802,A002
    """A boolean flag: ``--name``, ``--noname``, ``--name=false``."""
    _define(name, default, help, _bool, "bool", flag_values, boolean=True)


DEFINE_bool = DEFINE_boolean


@_tf1_keywords
def DEFINE_list(name, default, help, flag_values=None, **kwargs):  # noqa: N802,A002
    """A comma-separated list of strings."""
    _define(name, default, help, _list, "comma separated list of strings", flag_values)


@_tf1_keywords
def DEFINE_enum(name, default, enum_values, help, flag_values=None, **kwargs):  # noqa: N802
    """A string flag restricted to ``enum_values``."""
    allowed = list(enum_values)

    def parse(v, from_string):
        if v not in allowed:
            raise ValueError(f"value should be one of <{'|'.join(allowed)}>")
        return v
    _define(name, default, help, parse, f"one of <{'|'.join(allowed)}>", flag_values)


def register_validator(flag_name, checker, message="Flag validation failed",
                       flag_values=None):
    """Adds ``checker(value) -> bool`` to a flag, checked when flags are parsed or set."""
    (FLAGS if flag_values is None else flag_values)[flag_name].validators.append((checker, message))


def mark_flag_as_required(flag_name, flag_values=None):
    """Parsing fails unless the flag is given a value other than ``None``."""
    register_validator(flag_name, lambda v: v is not None,
                       f"Flag --{flag_name} must have a value other than None.", flag_values)


def mark_flags_as_required(flag_names, flag_values=None):
    for name in flag_names:
        mark_flag_as_required(name, flag_values)
