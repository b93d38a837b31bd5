"""The rnnkit command names its version and answers a mistyped flag with the right usage."""
import pytest

from rnnkit import __version__
from rnnkit.cli import main


def test_version_prints_the_package_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"rnnkit {__version__}"

