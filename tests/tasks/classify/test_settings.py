"""The classify settings: one dataclass per kind makes the flags and holds the defaults; a
bad value is one line naming the flag, from the command line and from Python alike."""
import pytest

from rnnkit import cli
from rnnkit.errors import UserError
from rnnkit.tasks.classify import SequenceSettings, TextSettings, classify_text
from rnnkit.tasks.settings import build
from rnnkit.tasks.settings import command_line, from_args


def _parse(*flags):
    return cli.build_parser().parse_args(["classify", *flags])


def test_flags_not_given_keep_each_kinds_own_defaults():
    args = _parse()
    assert from_args(TextSettings, args) == TextSettings()
    assert from_args(SequenceSettings, args) == SequenceSettings()
    assert (TextSettings().cell, SequenceSettings().cell) == ("lstm", "gru")


def test_given_flags_reach_the_settings_of_either_kind():
    args = _parse("--units", "7", "--cell", "mingru", "--unidirectional", "--quick")
    s = from_args(SequenceSettings, args)
    assert (s.units, s.cell, s.bidirectional, s.quick) == (7, "mingru", False, True)


@pytest.mark.parametrize("flags, named", [
    (["--units", "0"], "--units must be >= 1, got 0"),
    (["--test-fraction", "1.5"], "--test-fraction must be between 0.0 and 1.0"),
    (["--dropout", "-0.1"], "--dropout must be between 0.0 and 0.95"),
    (["--max-words", "1"], "--max-words must be >= 2"),
    (["--dataset", "japanese_vowels", "--patience", "0"], "--patience must be >= 1"),
])
def test_a_bad_flag_value_is_one_line_naming_the_flag(flags, named, tmp_path, monkeypatch,
                                                      capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["classify", *flags, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and named in err
    assert list(tmp_path.iterdir()) == []                          # nothing trained or written


def test_a_misspelt_keyword_of_the_function_names_itself_and_the_known_ones():
    with pytest.raises(UserError, match=r"Unknown setting\(s\) unitz .*units"):
        classify_text(unitz=8)


def test_verbose_is_the_older_spelling_of_quiet():
    assert build(TextSettings, options={"verbose": False}).quiet is True
    assert build(TextSettings, TextSettings(units=3), {"epochs": 2}) == \
        TextSettings(units=3, epochs=2)


def test_quick_shrinks_a_run_but_keeps_smaller_settings():
    assert (TextSettings(quick=True).quick_version().epochs,
            TextSettings(quick=True).quick_version().patience) == (8, 2)
    assert TextSettings(quick=True, epochs=2).quick_version().epochs == 2
    assert SequenceSettings(quick=True).quick_version().units == 32
    assert TextSettings().quick_version() == TextSettings()


def test_the_reproduce_command_lists_only_the_flags_that_differ_from_the_defaults():
    assert command_line("classify", TextSettings(units=16, bidirectional=False), ["a.csv"]) \
        == "rnnkit classify a.csv --no-bidirectional --units 16"
