"""ner's settings: the flags come from NerSettings; a bad value is one line naming the flag."""
import pytest

from rnnkit import cli
from rnnkit.tasks.ner import NerSettings
from rnnkit.tasks.settings import from_args


def test_no_flags_give_the_dataclass_defaults_and_no_crf_switches_it_off():
    parser = cli.build_parser()
    assert from_args(NerSettings, parser.parse_args(["ner"])) == NerSettings()
    assert from_args(NerSettings, parser.parse_args(["ner", "--no-crf"])).crf is False


@pytest.mark.parametrize("flags, named", [
    (["--char-filters", "0"], "--char-filters must be >= 1, got 0"),
    (["--batch-size", "0"], "--batch-size must be >= 1, got 0"),
    (["--test-fraction", "0"], "--test-fraction must be between 0 and 1"),
])
def test_a_bad_flag_value_is_one_line_naming_the_flag(flags, named, tmp_path, monkeypatch,
                                                      capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["ner", *flags, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and named in err
    assert list(tmp_path.iterdir()) == []
