"""rnnkit tag: a quick run on the bundled UD English POS data, predict from the saved run, a
user's file through the command line, the scores and signatures on hand examples, and bad
input through the command line."""
import doctest
import json

import pytest
import torch

from rnnkit import cli
from rnnkit.datasets import load_pos_tagged
from rnnkit.tasks.tag import recipe, scores, tokens, vocab
from rnnkit.tasks.tag import Vocabulary, most_frequent_tag_baseline, predict, tag, tokenize

ARTIFACTS = ["model", "vocab.json", "task.json", "metrics.json", "history.csv", "curves.png",
             "confusion.png", "report.html"]


@pytest.fixture(autouse=True)
def _one_thread_after_conftest(_fixed_seed):
    torch.set_num_threads(1)           # small nets: one thread is as fast, and never spins


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    torch.set_num_threads(1)
    return tag(quick=True, out=tmp_path_factory.mktemp("tag") / "run")


def _write_tagged(path, sentences):
    path.write_text("\n\n".join("\n".join(f"{w}\t{t}" for w, t in s) for s in sentences)
                    + "\n", encoding="utf-8")
    return path


# -- the whole run ---------------------------------------------------------------------------

def test_quick_run_writes_every_artifact_and_scores_the_whole_test_split(run):
    out, metrics = run["out"], run["metrics"]
    for name in ARTIFACTS:
        assert (out / name).exists(), name
    assert json.loads((out / "metrics.json").read_text())["model"]["accuracy"] == \
        metrics["model"]["accuracy"]
    assert metrics["n_train"] + metrics["n_val"] == 2001 and metrics["n_test"] == 2077
    assert metrics["test_tokens"] == 25094 and 0 < metrics["unknown_test_tokens"] < 25094
    assert len(metrics["model"]["confusion_matrix"]) == 17
    assert json.loads((out / "vocab.json").read_text())["tags"][0] == "ADJ"
    page = (out / "report.html").read_text()
    assert 'src="curves.png"' in page and 'src="confusion.png"' in page


def test_the_run_names_its_baseline_and_the_report_its_verdict_and_reproduce_command(run):
    assert run["baseline"] == "most frequent tag per word" and run["metric"] == "token accuracy"
    assert run["baseline_score"] == run["metrics"]["baselines"]["most_frequent_tag"]["accuracy"]
    page = (run["out"] / "report.html").read_text()
    assert run["verdict"] in page and "rnnkit tag --quick" in page
    assert "Verdict." in page and "epochs_run" not in page


def test_quick_bilstm_beats_the_most_frequent_tag_on_all_and_on_unknown_words(run):
    model = run["metrics"]["model"]
    baseline = run["metrics"]["baselines"]["most_frequent_tag"]
    # The baseline guesses unknown words by their shape and suffix: 87.0% (quick net 89.1%).
    assert model["accuracy"] > baseline["accuracy"] + 0.01
    assert model["unknown_accuracy"] > baseline["unknown_accuracy"]


# -- predict from a saved run --------------------------------------------------------------------

def test_predict_tags_a_sentence_and_a_file_from_the_saved_run(run, tmp_path):
    rows = predict(run["out"], "The cat sat on the mat .")
    assert [w for w, _ in rows] == ["The", "cat", "sat", "on", "the", "mat", "."]
    assert rows[0][1] == "DET" and rows[-1][1] == "PUNCT"
    lines = tmp_path / "sentences.txt"
    lines.write_text("I like it .\n\nWhere is Zorbland ?\n", encoding="utf-8")
    rows = predict(run["out"], str(lines))
    assert rows[4] == () and len(rows) == 4 + 1 + 4          # an empty row between sentences
    tags = set(json.loads((run["out"] / "vocab.json").read_text())["tags"])
    assert all(t in tags for row in rows if row for t in row[1:])


def test_rnnkit_predict_prints_word_tab_tag_lines_for_a_tag_run(run, capsys):
    assert cli.main(["predict", str(run["out"]), "The cat sat ."]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["The", "cat", "sat", "."]
    assert lines[0] == "The\tDET"


def test_predict_splits_punctuation_from_the_words_of_a_raw_sentence(run):
    rows = predict(run["out"], "See you on Sunday! It's late, isn't it?")
    assert [w for w, _ in rows] == ["See", "you", "on", "Sunday", "!", "It", "'s", "late", ",",
                                    "is", "n't", "it", "?"]
    assert dict(rows)["!"] == "PUNCT"


def test_rnnkit_predict_asks_a_tag_run_for_a_sentence(run, capsys):
    assert cli.main(["predict", str(run["out"])]) == 2
    assert "tag needs an INPUT: a sentence in quotes" in capsys.readouterr().err


def test_predict_from_the_saved_run_reproduces_its_test_accuracy(run):
    _, test = load_pos_tagged()
    sentences = test[:300]
    rows = [r for r in predict(run["out"], [[w for w, _ in s] for s in sentences]) if r]
    gold = [t for s in sentences for _, t in s]
    accuracy = sum(r[1] == t for r, t in zip(rows, gold)) / len(gold)
    assert len(rows) == len(gold)
    assert accuracy == pytest.approx(run["metrics"]["model"]["accuracy"], abs=0.03)


def test_predict_on_a_folder_that_is_not_a_tag_run_is_a_user_error(tmp_path):
    with pytest.raises(cli.UserError, match="not a tag run folder"):
        predict(tmp_path, "a sentence")


# -- a user's file through the command line --------------------------------------------------------

def test_a_users_file_trains_through_the_command_line_with_a_held_out_part(tmp_path, capsys):
    train, _ = load_pos_tagged()
    path = _write_tagged(tmp_path / "mine.tsv", train[:60])
    out = tmp_path / "run"
    assert cli.main(["tag", str(path), "--quick", "--quiet", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Test token accuracy" in printed
    assert f'tag new text with `rnnkit predict {out} "SENTENCE"`' in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["n_test"] == 12 and metrics["n_train"] + metrics["n_val"] == 48


# -- pieces on hand examples ---------------------------------------------------------------------

def test_tokenize_keeps_numbers_initials_hyphens_and_runs_of_one_mark_whole():
    assert tokenize("Dr. Lee paid $1,000.50 for 3rd-class e-mail in D.C. -- really?!!") == [
        "Dr.", "Lee", "paid", "$", "1,000.50", "for", "3rd-class", "e-mail", "in", "D.C.",
        "--", "really", "?", "!!"]
    assert tokenize('"Hi," we\'re told at http://x.org/ :)') == [
        '"', "Hi", ",", '"', "we", "'re", "told", "at", "http://x.org/", ":)"]


def test_tokenize_keeps_all_but_a_few_of_the_bundled_treebanks_tokens_whole():
    words = [w for split in load_pos_tagged() for s in split for w, _ in s]
    changed = [w for w in words if tokenize(w) != [w]]
    assert len(words) == 50_241 and len(changed) == 56          # "80's", "Gen.", "Yahoo!", ...


def test_baseline_uses_each_words_commonest_tag_and_its_signatures_for_unknown_words():
    sentences = [[("Run", "VERB"), ("fast", "ADV")], [("run", "NOUN"), ("run", "VERB")],
                 [("dogs", "NOUN"), ("dogs", "NOUN"), ("dogs", "NOUN"), ("Oslo", "PROPN"),
                  ("barked", "VERB")]]
    guess = most_frequent_tag_baseline(sentences)
    assert (guess("RUN"), guess("fast"), guess("Bergen"), guess("jumped")) == \
        ("VERB", "ADV", "PROPN", "VERB")
    assert guess("42") == "NOUN"            # no training number: the commonest tag of all


def test_vocabulary_round_trips_through_json_and_maps_rare_words_to_signatures():
    sentences = [[("Walking", "VERB"), ("the", "DET"), ("dog", "NOUN")],
                 [("the", "DET"), ("dog", "NOUN"), ("jumped", "VERB")]]
    vocab = Vocabulary.fit(sentences, min_count=2)
    again = Vocabulary.from_json(vocab.to_json())
    assert again.itos == vocab.itos and again.tags == ["DET", "NOUN", "VERB"]
    ids = again.encode_words(["Talking", "THE", "barked", "42"])
    assert [again.itos[i] for i in ids] == ["<unk:Xx-ing>", "the", "<unk:x-ed>", "<oov>"]


@pytest.mark.parametrize("module", [vocab, scores, tokens, recipe])
def test_doctests_in_the_tag_modules_pass(module):
    assert doctest.testmod(module).failed == 0


# -- bad input through the command line ------------------------------------------------------

BAD_INPUTS = {
    "missing file": (None, "not found"),
    "empty file": ("\n\n", "is empty"),
    "a line without a tag": ("The\tDET\ncat\n", "line 2"),
    "only one sentence": ("The\tDET\ncat\tNOUN\n", "at least 3 tagged sentences"),
    "only one tag": ("a\tX\n\nb\tX\n\nc\tX\n", "at least 2 different tags"),
}


@pytest.mark.parametrize("case", BAD_INPUTS)
def test_bad_input_gives_one_line_exit_code_2_and_no_run_folder(case, tmp_path, monkeypatch,
                                                                 capsys):
    content, expected = BAD_INPUTS[case]
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "tags.tsv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    assert cli.main(["tag", str(path), "--quick", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("rnnkit tag: error:") and expected in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before       # no runs/, no partial


def test_a_test_file_without_a_training_file_is_a_user_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["tag", "--test-file", "x.tsv", "--quick", "--quiet"]) == 2
    assert "--test-file goes with your own FILE" in capsys.readouterr().err
    assert not (tmp_path / "runs").exists()
