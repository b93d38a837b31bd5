"""Task settings: one dataclass makes the flags, their defaults and their checks."""
from __future__ import annotations

import argparse
from dataclasses import dataclass

import pytest

from rnnkit.errors import UserError
from rnnkit.tasks.settings import add_arguments, check, command_line, flag, from_args


@dataclass(frozen=True)
class Example:
    epochs: int = flag("most epochs", 20, low=1)
    rate: float = flag("learning rate", 1e-3, low=0.0, high=1.0)
    cell: str = flag("recurrent layer", "lstm", choices=("lstm", "gru"))
    column: str | None = flag("column to read", None)
    quiet: bool = flag("no progress bars", False)

    def __post_init__(self):
        check(self)


def parse(*argv: str) -> Example:
    parser = argparse.ArgumentParser()
    add_arguments(parser, Example)
    return from_args(Example, parser.parse_args(list(argv)))


def test_flags_take_the_dataclass_defaults():
    assert parse() == Example()


def test_flags_are_the_field_names_with_dashes_and_parse_their_types():
    s = parse("--epochs", "3", "--rate", "0.5", "--cell", "gru", "--column", "y", "--quiet")
    assert s == Example(epochs=3, rate=0.5, cell="gru", column="y", quiet=True)


def test_a_value_below_its_bound_is_a_user_error_naming_the_flag():
    with pytest.raises(UserError, match=r"--epochs must be >= 1, got 0"):
        parse("--epochs", "0")


def test_a_python_caller_gets_the_same_checks_as_the_command_line():
    with pytest.raises(UserError, match=r"--rate must be between 0.0 and 1.0, got 2.0"):
        Example(rate=2.0)
    with pytest.raises(UserError, match=r"--epochs must be an integer, got 2.5"):
        Example(epochs=2.5)
    with pytest.raises(UserError, match=r"--epochs must be an integer, got True"):
        Example(epochs=True)
    with pytest.raises(UserError, match=r"Unknown --cell 'rnn'. Expected one of: lstm, gru"):
        Example(cell="rnn")


def test_a_choice_outside_the_list_is_refused_by_the_parser():
    with pytest.raises(SystemExit):
        parse("--cell", "rnn")


def test_command_line_reproduces_only_the_changed_settings():
    s = Example(epochs=5, quiet=True)
    assert command_line("classify", s, ["data.csv"]) == "rnnkit classify data.csv --epochs 5 --quiet"
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    add_arguments(parser, Example)
    argv = command_line("classify", s, ["data.csv"]).split()[2:]
    assert from_args(Example, parser.parse_args(argv)) == s
