"""The rnnkit command names its version and answers a mistyped flag with the right usage."""
import pytest

from rnnkit import __version__
from rnnkit.cli import main


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"rnnkit {__version__}"


def test_an_unknown_flag_of_a_subcommand_prints_that_subcommands_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["info", "--no-such-flag"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "usage: rnnkit info" in err
    assert "rnnkit info: error: unrecognized arguments: --no-such-flag" in err


def test_an_unknown_flag_without_a_subcommand_prints_the_top_level_usage(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--no-such-flag"])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert "usage: rnnkit [-h]" in err and "unrecognized arguments: --no-such-flag" in err
