"""speech's settings: the flags come from SpeechSettings; a bad value is one line naming the
flag, before any audio is read."""
import pytest

from rnnkit import cli
from rnnkit.tasks.settings import from_args
from rnnkit.tasks.speech.settings import SpeechSettings


def test_no_flags_give_the_dataclass_defaults():
    args = cli.build_parser().parse_args(["speech"])
    assert from_args(SpeechSettings, args) == SpeechSettings()
    assert SpeechSettings().cell is None                  # gru, or mingru with --quick


def test_the_help_shows_each_default_once(capsys):
    with pytest.raises(SystemExit):
        cli.main(["speech", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--units N units a direction (default: 96)" in text
    assert "--held-out-speaker NAME" in text


@pytest.mark.parametrize("flags, named", [
    (["--beam", "0"], "--beam must be >= 1, got 0"),
    (["--steps", "-5"], "--steps must be >= 1, got -5"),
    (["--test-fraction", "2"], "--test-fraction must be between 0 and 1"),
])
def test_a_bad_flag_value_is_one_line_naming_the_flag(flags, named, tmp_path, monkeypatch,
                                                      capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["speech", *flags, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and named in err
    assert list(tmp_path.iterdir()) == []
