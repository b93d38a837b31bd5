"""rnnkit ner on a small synthetic file whose test names never occur in training: the run
folder, entities found by their characters where the gazetteer finds none, predict from the
saved run through `rnnkit predict`, and bad input through the command line."""
import json
import random

import pytest

from rnnkit import cli
from rnnkit.tasks.ner import ner, predict

ARTIFACTS = ["model", "vocab.json", "task.json", "metrics.json", "history.csv", "curves.png",
             "f1_by_type.png", "confusion.png", "report.html"]
SMALL = dict(units=16, embed_dim=16, char_filters=16, epochs=8, batch_size=16,
             learning_rate=1e-2, dropout=0.1, patience=12)


def _name(rng: random.Random) -> str:
    return "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3)).title()


def _sentences(n: int, seed: int) -> list[list[tuple[str, str]]]:
    """'<Person> visited <Place> .' and the like, with made-up capitalised names."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        person, place = _name(rng), _name(rng)
        verb = rng.choice(["visited", "left", "loves", "saw"])
        out.append([(person, "B-PER"), (verb, "O"), ("the", "O"), ("city", "O"), ("of", "O"),
                    (place, "B-LOC"), (".", "O")] if rng.random() < 0.5 else
                   [("we", "O"), ("met", "O"), (person, "B-PER"), (_name(rng), "I-PER"),
                    ("in", "O"), (place, "B-LOC"), ("today", "O")])
    return out


def _write(path, sentences):
    path.write_text("\n\n".join("\n".join(f"{w}\t{t}" for w, t in s) for s in sentences)
                    + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ner")
    train = _write(folder / "train.tsv", _sentences(100, seed=1))
    test = _write(folder / "test.tsv", _sentences(40, seed=2))
    return ner(train, test, out=folder / "run", seed=0, **SMALL)


def test_the_run_writes_every_artifact_and_scores_every_test_entity(run):
    out, metrics = run["out"], run["metrics"]
    for name in ARTIFACTS:
        assert (out / name).exists(), name
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["model"]["f1"] == metrics["model"]["f1"]
    assert metrics["n_test"] == 40 and metrics["model"]["support"] == 80
    assert sorted(metrics["model"]["per_type"]) == ["LOC", "PER"]
    page = (out / "report.html").read_text()
    assert 'src="f1_by_type.png"' in page and "<mark" in page


def test_characters_find_names_never_seen_in_training_where_the_gazetteer_cannot(run):
    model, gazetteer = run["metrics"]["model"], run["metrics"]["baselines"]["gazetteer"]
    assert gazetteer["recall"] < 0.05                   # the names are new
    assert model["unseen_entities"] == 80 and model["unseen_recall"] > 0.8
    assert model["f1"] > 0.8


def test_rnnkit_predict_prints_the_entities_of_a_text(run, capsys):
    assert cli.main(["predict", str(run["out"]), "Bokelu visited the city of Zamira ."]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == ["Bokelu\tPER", "Zamira\tLOC"]


def test_predict_marks_a_text_without_entities_and_separates_texts(run, tmp_path):
    texts = tmp_path / "texts.txt"
    texts.write_text("we met Dovaki Lurena in Pesora today\nthe city of .\n", encoding="utf-8")
    rows = predict(run["out"], str(texts))
    assert rows == [("Dovaki Lurena", "PER"), ("Pesora", "LOC"), (), ("(no entities)",)]


def test_a_run_without_a_crf_puts_a_softmax_last(tmp_path):
    sentences = _sentences(30, seed=3)
    result = ner(_write(tmp_path / "s.tsv", sentences), crf=False, out=tmp_path / "r",
                 **{**SMALL, "epochs": 1})
    config = json.loads((tmp_path / "r" / "model" / "config.json").read_text())
    assert config["config"]["layers"][-1]["class_name"] == "Dense"
    assert result["metrics"]["model_name"] == "BiLSTM-softmax"


def test_a_file_without_entities_is_a_one_line_error(tmp_path, capsys):
    path = tmp_path / "plain.tsv"
    path.write_text("a\tO\nb\tO\n\nc\tO\n\nd\tO\n", encoding="utf-8")
    assert cli.main(["ner", str(path), "--out", str(tmp_path / "r")]) == 2
    assert "expected some entities (B-... tags), found only 'O'" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_predict_on_a_folder_that_is_not_an_ner_run_says_so(tmp_path, capsys):
    (tmp_path / "task.json").write_text('{"task": "ner"}')
    assert cli.main(["predict", str(tmp_path), "Ann"]) == 2
    assert "is not an ner run folder (no vocab.json)" in capsys.readouterr().err
