"""Run folders saved by rnnkit before classify and tag became packages (commit 05aac29,
tests/fixtures/runs_from_0.x) still load and predict through `rnnkit predict`."""
from pathlib import Path

from rnnkit import cli
from rnnkit.datasets import dataset_path

OLD = Path(__file__).parents[1] / "fixtures" / "runs_from_0.x"


def _predict(capsys, *argv) -> list[str]:
    assert cli.main(["predict", *map(str, argv)]) == 0
    return capsys.readouterr().out.splitlines()


def test_an_old_text_classify_run_labels_texts_with_its_network_alone(capsys):
    lines = _predict(capsys, OLD / "classify_text_main", "Great phone, I love it.")
    label, probability = lines[0].split("\t")
    assert len(lines) == 1 and label in ("negative", "positive") and float(probability) >= 0.5


def test_an_old_sequence_classify_run_labels_a_ts_file(capsys):
    test = dataset_path("japanese_vowels") / "JapaneseVowels_TEST.ts"
    lines = _predict(capsys, OLD / "classify_sequences_main", test)
    assert len(lines) == 370 and all(line.startswith("speaker ") for line in lines)


def test_an_old_tag_run_tags_a_raw_sentence(capsys):
    lines = _predict(capsys, OLD / "tag_main", "See you on Sunday!")
    assert [line.split("\t")[0] for line in lines] == ["See", "you", "on", "Sunday", "!"]
