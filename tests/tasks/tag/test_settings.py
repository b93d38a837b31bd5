"""The tagger's settings: the flags come from TagSettings, whose defaults ner's settings
share where they agree; a bad value is one line naming the flag."""
import pytest

from rnnkit import cli
from rnnkit.errors import UserError
from rnnkit.tasks.ner import NerSettings
from rnnkit.tasks.settings import from_args
from rnnkit.tasks.tag import LabellingSettings, TagSettings, tag


def test_no_flags_give_the_dataclass_defaults():
    args = cli.build_parser().parse_args(["tag"])
    assert from_args(TagSettings, args) == TagSettings()
    assert TagSettings().signatures is True and TagSettings().units == 64


def test_no_signatures_and_the_test_file_reach_the_settings():
    args = cli.build_parser().parse_args(["tag", "f.tsv", "--no-signatures", "--test-file",
                                          "t.tsv", "--min-count", "3"])
    s = from_args(TagSettings, args)
    assert (s.signatures, s.test_file, s.min_count) == (False, "t.tsv", 3)


def test_ner_shares_the_labelling_fields_and_keeps_its_own_defaults():
    shared = {"units", "embed_dim", "min_count", "epochs", "batch_size", "test_fraction"}
    for name in shared:
        assert getattr(NerSettings(), name) == getattr(LabellingSettings(), name)
    assert (NerSettings().dropout, TagSettings().dropout) == (0.5, 0.3)
    assert NerSettings(quick=True).quick_version().dropout == 0.3


@pytest.mark.parametrize("flags, named", [
    (["--units", "0"], "--units must be >= 1, got 0"),
    (["--test-fraction", "1"], "--test-fraction must be between 0 and 1"),
    (["--dropout", "1.5"], "--dropout must be between 0.0 and 0.95"),
    (["--learning-rate", "0"], "--learning-rate must be between"),
])
def test_a_bad_flag_value_is_one_line_naming_the_flag(flags, named, tmp_path, monkeypatch,
                                                      capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["tag", *flags, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and named in err
    assert list(tmp_path.iterdir()) == []


def test_the_function_refuses_an_unknown_keyword_by_name():
    with pytest.raises(UserError, match="Unknown setting.*embedding_dim"):
        tag(embedding_dim=8)
