"""rnnkit classify: quick runs on the bundled data, predict from a saved run, the split and
the scores on hand examples, and every kind of bad input through the command line."""
import json

import numpy as np
import pytest
import torch

from rnnkit import cli
from rnnkit.datasets import dataset_path, load_sentiment
from rnnkit.preprocessing.text import tokenizer_from_json
from rnnkit.tasks.classify.baselines import majority_baseline
from rnnkit.tasks.classify.scores import classification_scores, confusion_matrix, stratified_split
from rnnkit.tasks.classify import classify_sequences, classify_text, predict

ARTIFACTS = ["model", "labels.json", "task.json", "metrics.json", "history.csv", "curves.png",
             "confusion.png", "report.html"]


def _one_thread():
    # Tiny nets: one thread is as fast as two and never spins on a shared, busy machine.
    torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _one_thread_after_conftest(_fixed_seed):
    _one_thread()


@pytest.fixture(scope="module")
def text_run(tmp_path_factory):
    _one_thread()
    return classify_text(quick=True, out=tmp_path_factory.mktemp("text") / "run")


@pytest.fixture(scope="module")
def vowels_run(tmp_path_factory):
    _one_thread()
    return classify_sequences(quick=True, out=tmp_path_factory.mktemp("vowels") / "run")


# -- whole runs ------------------------------------------------------------------------------

def test_quick_sentiment_run_writes_every_artifact_and_beats_both_floors(text_run):
    out, metrics = text_run["out"], text_run["metrics"]
    for name in ARTIFACTS + ["tokenizer.json"]:
        assert (out / name).exists(), name
    assert json.loads((out / "labels.json").read_text()) == ["negative", "positive"]
    assert json.loads((out / "metrics.json").read_text())["model"]["accuracy"] == \
        metrics["model"]["accuracy"]
    assert metrics["n_test"] == 400 and metrics["n_train"] + metrics["n_val"] == 1600
    assert metrics["model"]["accuracy"] > metrics["baselines"]["majority_class"]["accuracy"] + 0.2
    assert metrics["baselines"]["bag_of_words_logistic_regression"]["accuracy"] > 0.75
    assert tokenizer_from_json((out / "tokenizer.json").read_text()).word_index


def test_a_text_run_names_its_strongest_baseline_and_its_verdict(text_run):
    m = text_run["metrics"]
    assert text_run["baseline"] == "bag-of-words logistic regression"
    assert text_run["baseline_score"] == m["baselines"]["bag_of_words_logistic_regression"][
        "accuracy"] > m["baselines"]["majority_class"]["accuracy"]
    assert text_run["score"] == m["model"]["accuracy"] and text_run["metric"] == "accuracy"
    wins = text_run["score"] > text_run["baseline_score"]
    assert text_run["verdict"].startswith("The baseline wins") != wins
    assert json.loads((text_run["out"] / "metrics.json").read_text())["verdict"]["model_wins"] \
        == wins


def test_the_blend_weights_are_fitted_on_validation_and_saved_for_predict(text_run):
    task = json.loads((text_run["out"] / "task.json").read_text())
    blend = text_run["metrics"]["blend"]
    assert task["blend_weights"] == [blend["network"], blend["bag_of_words"]]
    assert min(task["blend_weights"]) >= 0 and "160 validation texts" in blend["fitted_on"]
    assert (text_run["out"] / "bag_of_words.json").exists()


def test_without_the_blend_the_network_alone_is_the_model(tmp_path):
    run = classify_text(blend="none", epochs=1, units=4, embed_dim=4, out=tmp_path / "run")
    m = run["metrics"]
    assert m["blend"] is None and run["model_name"] == "BiLSTM"
    assert m["model"]["accuracy"] == m["network_alone"]["accuracy"]
    assert not (tmp_path / "run" / "bag_of_words.json").exists()


def test_a_sequence_run_compares_against_summary_statistics_and_nearest_neighbour(vowels_run):
    baselines = vowels_run["metrics"]["baselines"]
    assert set(baselines) == {"majority_class", "summary_statistics_logistic_regression",
                              "nearest_neighbour"}
    strongest = max(b["accuracy"] for b in baselines.values())
    assert vowels_run["baseline_score"] == strongest > 0.5


def test_report_links_its_plots_relatively_and_shows_misclassified_texts(text_run):
    page = (text_run["out"] / "report.html").read_text()
    assert 'src="curves.png"' in page and 'src="confusion.png"' in page
    assert "Misclassified examples" in page and "bag-of-words logistic regression" in page
    assert "Verdict." in page and "<pre>rnnkit classify --quick</pre>" in page
    assert "epochs_run" not in page and "n_train" not in page


def test_quick_japanese_vowels_run_writes_every_artifact_and_beats_the_majority_class(
        vowels_run):
    out, metrics = vowels_run["out"], vowels_run["metrics"]
    for name in ARTIFACTS + ["scaler.json"]:
        assert (out / name).exists(), name
    assert metrics["n_test"] == 370 and metrics["n_train"] + metrics["n_val"] == 270
    assert len(metrics["model"]["confusion_matrix"]) == 9
    assert metrics["model"]["accuracy"] > 0.85 > metrics["baselines"]["majority_class"]["accuracy"]


def test_a_mingru_classifier_trains_in_parallel_over_time_and_predicts_from_its_saved_run(
        tmp_path):
    run = classify_sequences(cell="mingru", quick=True, out=tmp_path / "run")
    assert run["metrics"]["model"]["accuracy"] > 0.85
    assert json.loads((tmp_path / "run" / "task.json").read_text())["cell"] == "mingru"
    test = dataset_path("japanese_vowels") / "JapaneseVowels_TEST.ts"
    assert len(predict(tmp_path / "run", str(test))) == 370


def test_an_unknown_cell_names_the_choices(tmp_path, capsys):
    with pytest.raises(SystemExit):
        cli.main(["classify", "--cell", "transformer", "--out", str(tmp_path / "r")])
    assert "choose from 'lstm', 'gru', 'mingru', 'minlstm'" in capsys.readouterr().err


# -- predict from a saved run ------------------------------------------------------------------

def test_predict_from_a_saved_text_run_takes_a_string_or_a_file(text_run, tmp_path):
    run = text_run["out"]
    [(label, p)] = predict(run, "Great phone, I love it.")
    assert label in ("negative", "positive") and 0.5 <= p <= 1.0
    lines = tmp_path / "texts.txt"
    lines.write_text("Terrible service, never again.\n\nWorks perfectly.\n", encoding="utf-8")
    assert len(predict(run, lines)) == 2
    assert predict(run, ["Works perfectly."]) == predict(run, lines)[1:]


def test_predict_from_a_saved_text_run_reproduces_its_held_out_accuracy(text_run):
    task = json.loads((text_run["out"] / "task.json").read_text())
    texts, labels = load_sentiment()
    _, test = stratified_split(labels, task["test_fraction"], task["seed"])
    names = np.array(["negative", "positive"])
    predicted = [label for label, _ in predict(text_run["out"], [texts[i] for i in test])]
    accuracy = float(np.mean(np.array(predicted) == names[labels[test]]))
    assert accuracy == pytest.approx(text_run["metrics"]["model"]["accuracy"])


def test_predict_from_a_saved_sequence_run_reproduces_its_test_accuracy(vowels_run):
    test_file = dataset_path("japanese_vowels") / "JapaneseVowels_TEST.ts"
    predicted = [label for label, _ in predict(vowels_run["out"], test_file)]
    from rnnkit.datasets import load_japanese_vowels
    truth = [f"speaker {k + 1}" for k in load_japanese_vowels()[3]]
    accuracy = np.mean([p == t for p, t in zip(predicted, truth)])
    assert accuracy == pytest.approx(vowels_run["metrics"]["model"]["accuracy"])


def test_a_users_csv_with_three_named_classes_trains_through_the_command_line(tmp_path,
                                                                             capsys):
    rng = np.random.default_rng(0)
    words = {"sport": "goal match team score", "food": "pasta bread soup salad",
             "tech": "laptop phone screen code"}
    rows = [f'"{" ".join(rng.choice(w.split(), 4))}, again",{label}'
            for label, w in words.items() for _ in range(30)]
    path = _write(tmp_path, "topics.csv", "body,topic\n" + "\n".join(rows) + "\n")
    out = tmp_path / "run"
    argv = ["classify", str(path), "--text-column", "body", "--label-column", "topic",
            "--epochs", "3", "--quiet", "--out", str(out)]
    assert cli.main(argv) == 0
    printed = capsys.readouterr().out
    assert "Held-out accuracy" in printed
    assert f"label new texts with `rnnkit predict {out} FILE_OR_TEXT`" in printed
    assert json.loads((out / "labels.json").read_text()) == ["food", "sport", "tech"]
    [(label, p)] = predict(out, "soup and bread")
    assert label in ("food", "sport", "tech") and 1 / 3 <= p <= 1.0


def test_a_users_ts_file_trains_with_a_held_out_part_and_predicts_arrays(tmp_path):
    rng = np.random.default_rng(0)
    lines = [",".join(f"{v:.3f}" for v in rng.normal(mean, 1.0, rng.integers(4, 9)))
             + f":{label}" for label, mean in (("low", -2.0), ("high", 2.0)) for _ in range(20)]
    path = _write(tmp_path, "levels.ts", "@dimensions 1\n@classLabel true low high\n@data\n"
                  + "\n".join(lines) + "\n")
    run = classify_sequences(path, epochs=3, out=tmp_path / "run")
    assert run["metrics"]["n_test"] == 8 and (tmp_path / "run" / "scaler.json").exists()
    labels = [label for label, _ in predict(tmp_path / "run", [np.full((5, 1), 3.0),
                                                                np.full((6, 1), -3.0)])]
    assert set(labels) <= {"low", "high"}


# -- the split and the scores ------------------------------------------------------------------

def test_stratified_split_keeps_class_ratios_and_is_fixed_by_the_seed():
    labels = np.array([0] * 80 + [1] * 20 + [2] * 10)
    kept, held = stratified_split(labels, 0.2, seed=3)
    assert np.bincount(labels[held]).tolist() == [16, 4, 2]
    assert np.bincount(labels[kept]).tolist() == [64, 16, 8]
    assert sorted(np.concatenate([kept, held]).tolist()) == list(range(110))
    again = stratified_split(labels, 0.2, seed=3)
    assert (again[1] == held).all() and not (stratified_split(labels, 0.2, seed=4)[1] == held).all()


def test_scores_match_a_hand_worked_example():
    # true 0 0 0 1 1 2, predicted 0 0 1 1 2 2
    y_true, y_pred = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]
    assert confusion_matrix(y_true, y_pred, 3).tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]
    s = classification_scores(y_true, y_pred, ["a", "b", "c"])
    # a: P 2/2, R 2/3, F1 0.8;  b: P 1/2, R 1/2, F1 0.5;  c: P 1/2, R 1/1, F1 2/3
    assert s["accuracy"] == pytest.approx(4 / 6)
    assert [s["per_class"][k]["precision"] for k in "abc"] == [1.0, 0.5, 0.5]
    assert [s["per_class"][k]["recall"] for k in "abc"] == [0.6667, 0.5, 1.0]
    assert s["macro_f1"] == pytest.approx((0.8 + 0.5 + 2 / 3) / 3)


def test_a_class_never_predicted_scores_zero_not_nan():
    s = classification_scores([0, 1], [0, 0], ["a", "b"])
    assert s["per_class"]["b"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_majority_baseline_predicts_the_commonest_training_class():
    b = majority_baseline(np.array([1, 1, 0]), np.array([1, 0, 1, 1]), ["x", "y"])
    assert b["class"] == "y" and b["accuracy"] == 0.75


# -- bad input: one clear line, exit code 2, no run folder --------------------------------------

def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


BAD_INPUTS = {
    "missing file": (None, [], "not found"),
    "unknown column": ("reviews.tsv", "text\tlabel\ngood\t1\nbad\t0\n", "'text', 'label'"),
    "one class only": ("reviews.tsv", "text\tlabel\ngood\t1\nfine\t1\n", "at least 2 classes"),
    "empty text": ("reviews.tsv", "text\tlabel\ngood\t1\n\t0\nbad\t0\n", "line 3"),
    "no rows": ("reviews.tsv", "text\tlabel\n", "got none"),
    "non-UTF-8 bytes": ("reviews.tsv", b"text\tlabel\ncaf\xe9 ok\t1\nbad\t0\n", "UTF-8"),
    "one-class .ts file": ("series.ts", "@dimensions 1\n@classLabel true a b\n@data\n"
                           "1,2,3:a\n2,3:a\n", "at least 2 classes"),
    "text option on sequences": ("series.ts", "@data\n1,2:a\n2,3:b\n", "--embed-dim"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_gives_one_line_exit_code_2_and_no_run_folder(case, tmp_path, monkeypatch,
                                                                 capsys):
    name, content, expected = BAD_INPUTS[case]
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "missing.tsv" if name is None else _write(tmp_path, name, content)
    argv = ["classify", str(path), "--quick", "--quiet"]
    argv += {"unknown column": ["--text-column", "review"],
             "text option on sequences": ["--embed-dim", "8"]}.get(case, [])
    before = sorted(p.name for p in tmp_path.iterdir())
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("rnnkit classify: error:") and expected in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before       # no runs/, no partial


def test_predict_on_a_folder_that_is_not_a_run_is_a_user_error(tmp_path):
    with pytest.raises(cli.UserError, match="not a classify run folder"):
        predict(tmp_path, "text")
