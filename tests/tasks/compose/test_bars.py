"""Bar lengths against the meter, on hand-made tunes."""
import pytest

pytest.importorskip("music21")

from rnnkit.tasks.compose.abc import tokenize  # noqa: E402
from rnnkit.tasks.compose.bars import check_bars  # noqa: E402


def tune(body: str, meter: str = "6/8") -> list[str]:
    return tokenize(f"X:1\nM:{meter}\nL:1/8\nK:G\n{body}\n")


def test_a_jig_with_full_bars_passes():
    assert check_bars(tune("|:GAB cde|fga bag|GAB cde|fga bag:|"))["passes"]


def test_a_pickup_and_its_complement_before_the_repeat_are_allowed():
    assert check_bars(tune("d|GAB cde|fga bag|GAB cde|gfe dB:|"))["passes"]


def test_a_short_bar_in_the_middle_of_a_tune_fails():
    result = check_bars(tune("|:GAB cde|fga b|gfe dcB|GAB cde:|"))
    assert result["wrong"] == 1 and not result["passes"]


def test_a_bar_longer_than_the_meter_fails_even_before_a_repeat():
    assert not check_bars(tune("|:GAB cde|GAB cde|GAB cde|fga bag a:|"))["passes"]


def test_triplets_count_three_notes_in_the_time_of_two():
    assert check_bars(tune("|:(3GAB c d|(3efg f2|(3GAB c d|(3efg f2:|", meter="2/4"))["passes"]


def test_a_meter_change_applies_to_the_bars_after_it():
    assert check_bars(tokenize("X:1\nM:6/8\nL:1/8\nK:G\n|GAB cde|GAB cde|[M:2/4]fg ab|gf ed|\n"))[
        "passes"]


def test_a_duration_after_a_bar_line_makes_a_sampled_tune_malformed():
    from rnnkit.tasks.compose.bars import well_formed
    tokens = tune("|:GAB cde|fga bag|GAB cde|fga bag:|")
    assert well_formed(tokens)
    assert not well_formed(tokens[:-1] + ["|", "2"])
    assert not check_bars(["K:G", *tokens[2:]])["passes"]          # no meter first


def test_the_examples_in_the_docstrings_hold():
    import doctest

    from rnnkit.tasks.compose import abc, bars, clock, data, task
    for module in (abc, bars, clock, data, task):
        result = doctest.testmod(module)
        assert result.failed == 0 and result.attempted > 0, module.__name__


def test_a_fragment_of_fewer_than_four_bars_does_not_pass():
    assert not check_bars(tune("GAB cde:|"))["passes"]
    assert check_bars(tune("GAB cde|GAB cde|GAB cde|GAB cde:|"))["passes"]


def test_a_later_part_with_its_own_pickup_and_its_complement_passes():
    jig = "d|GAB cde|fga bag|GAB cde|gfe d2:|fg|aga bag|fed cBA|GAB cde|gfe d:|"
    assert check_bars(tune(jig))["passes"]


def test_a_short_bar_before_a_repeat_that_completes_no_pickup_fails():
    result = check_bars(tune("d|GAB cde|fga bag|GAB cde|gfe d:|"))
    assert result["wrong"] == 1 and not result["passes"]


def test_why_wrong_names_the_first_reason_a_tune_fails():
    from rnnkit.tasks.compose.bars import why_wrong
    assert why_wrong(tune("|:GAB cde|fga bag|GAB cde|fga bag:|")) is None
    assert why_wrong(tune("|:GAB cde|fga b|gfe dcB|GAB cde:|")) == "bar too short"
    assert why_wrong(tune("GAB cde:|")) == "fragment"
    assert why_wrong(tune("|:GAB cde|GAB cde|GAB cde|GAB cde:|")[:-1] + ["|", "2"]) == \
        "malformed"
