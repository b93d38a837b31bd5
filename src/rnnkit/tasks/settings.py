"""Task settings as frozen dataclasses whose fields make the CLI flags, so that every default,
help text and bound is written once.

    @dataclass(frozen=True)
    class Settings:
        epochs: int = flag("most epochs", 20, low=1)
        cell: str = flag("recurrent layer", "lstm", choices=("lstm", "gru"))
        quiet: bool = flag("no progress bars", False)

        def __post_init__(self):
            check(self)                      # types, bounds and choices, named by their flags

    add_arguments(parser, Settings)          # --epochs, --cell, --quiet with defaults and help
    settings = from_args(Settings, args)     # a bad value is a UserError naming the flag

A function that takes settings as Python arguments builds the same dataclass
(`Settings(epochs=3)`), so the library and the CLI share defaults and checks.
"""
from __future__ import annotations

import argparse
import dataclasses
import math
import shlex
from dataclasses import field, fields
from typing import Any, Callable

from ..errors import UserError

_PLAIN_TYPES = {"int": int, "float": float, "str": str}


def flag(help_text: str, default: Any, *, choices: tuple | None = None,
         low: float | None = None, high: float | None = None,
         parse: Callable[[str], Any] | None = None, metavar: str | None = None):
    """A dataclass field that is also a command-line flag (`--name-with-dashes`).

    `low`/`high` bound numbers (inclusive), `choices` lists the allowed values, `parse`
    turns the command-line text into the value when the type alone cannot (e.g. "auto" or
    an integer)."""
    metadata = {"help": help_text, "choices": choices, "low": low, "high": high,
                "parse": parse, "metavar": metavar}
    return field(default=default, metadata=metadata)


def dash(name: str) -> str:
    """The flag of a field: `batch_size` -> `--batch-size`."""
    return "--" + name.replace("_", "-")


def _base_type(annotation: str) -> tuple[str, bool]:
    """('int', optional?) from an annotation string such as 'int | None'."""
    parts = [p.strip() for p in str(annotation).split("|")]
    optional = "None" in parts
    parts = [p for p in parts if p != "None"]
    return (parts[0] if len(parts) == 1 else "str"), optional


def check(settings) -> None:
    """Check every field of a settings dataclass against its type, bounds and choices.

    Raises UserError naming the flag, the value received and what was expected."""
    for f in fields(settings):
        value = getattr(settings, f.name)
        meta, name = f.metadata, dash(f.name)
        kind, optional = _base_type(f.type)
        if value is None:
            if optional or f.default is None:
                continue
            raise UserError(f"{name} needs a value, got None.")
        if meta.get("parse") is not None:
            continue                                 # the field's own parser checked it
        if kind == "bool":
            if not isinstance(value, bool):
                raise UserError(f"{name} is a switch (True or False), got {value!r}.")
            continue
        if kind in ("int", "float"):
            ok = (isinstance(value, (int, float)) and not isinstance(value, bool)
                  and (kind == "float" or isinstance(value, int))
                  and not (isinstance(value, float) and not math.isfinite(value)))
            if not ok:
                raise UserError(f"{name} must be {'an integer' if kind == 'int' else 'a number'}"
                                f", got {value!r}.")
            low, high = meta.get("low"), meta.get("high")
            if (low is not None and value < low) or (high is not None and value > high):
                bounds = (f">= {low}" if high is None else f"<= {high}" if low is None
                          else f"between {low} and {high}")
                raise UserError(f"{name} must be {bounds}, got {value!r}.")
        choices = meta.get("choices")
        if choices and value not in choices:
            raise UserError(f"Unknown {name} {value!r}. Expected one of: "
                            f"{', '.join(map(str, choices))}.")


def add_arguments(parser: argparse.ArgumentParser, cls, skip: tuple[str, ...] = ()) -> None:
    """One flag per field of `cls`, with its default and help text from the dataclass."""
    for f in fields(cls):
        if f.name in skip:
            continue
        meta, name = f.metadata, dash(f.name)
        kind, _ = _base_type(f.type)
        if kind == "bool":
            parser.add_argument(name, action=argparse.BooleanOptionalAction
                                if f.default else "store_true",
                                default=f.default, help=meta["help"])
            continue
        kw: dict[str, Any] = {"default": f.default, "dest": f.name}
        if meta.get("parse") is not None:
            kw["type"] = meta["parse"]
        elif meta.get("choices"):
            kw["choices"] = meta["choices"]
            kw["type"] = _PLAIN_TYPES.get(kind, str)
        else:
            kw["type"] = _PLAIN_TYPES.get(kind, str)
        if meta.get("metavar"):
            kw["metavar"] = meta["metavar"]
        shown = meta["help"] if f.default is None else f"{meta['help']} (default: {f.default})"
        parser.add_argument(name, help=shown, **kw)


def build(cls, settings=None, options: dict | None = None):
    """A task function's settings: `settings` (a `cls`, with `options` replacing some of its
    fields) or `cls(**options)`; an unknown keyword is a UserError that lists the known ones.
    `verbose=True/False` is the library's older spelling of `quiet=False/True`."""
    options = dict(options or {})
    if "verbose" in options:
        options["quiet"] = not options.pop("verbose")
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(options) - names)
    if unknown:
        raise UserError(f"Unknown setting(s) {', '.join(unknown)} for {cls.__name__}. "
                        f"Expected some of: {', '.join(sorted(names))}.")
    if settings is None:
        return cls(**options)
    if not isinstance(settings, cls):
        raise UserError(f"settings must be a {cls.__name__}, got {type(settings).__name__}.")
    return dataclasses.replace(settings, **options) if options else settings


def from_args(cls, args: argparse.Namespace, **overrides):
    """The settings of `cls` from parsed flags (fields missing from `args` keep defaults)."""
    values = {f.name: getattr(args, f.name) for f in fields(cls) if hasattr(args, f.name)}
    values.update(overrides)
    return cls(**values)


def as_dict(settings) -> dict[str, Any]:
    """The settings as plain JSON-ready values (for task.json and the report)."""
    return dataclasses.asdict(settings)


def command_line(task: str, settings, positional: list[str] = ()) -> str:
    """The `rnnkit TASK ...` command that reproduces `settings` (only non-default flags,
    quoted for a POSIX shell)."""
    parts = ["rnnkit", task, *map(str, positional)]
    for f in fields(settings):
        value = getattr(settings, f.name)
        if value == f.default:
            continue
        if isinstance(value, bool):
            parts.append(dash(f.name) if value else f"--no-{f.name.replace('_', '-')}")
        elif value is not None:
            parts += [dash(f.name), shlex.quote(str(value))]
    return " ".join(parts)
