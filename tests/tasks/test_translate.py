"""The translate recipe: tokens, the baseline, a small run end to end, predict, bad input."""
import json
import shutil

import pytest
import torch

from rnnkit.cli import main as cli_main
from rnnkit.datasets import load_translation_pairs
from rnnkit.errors import UserError
from rnnkit.tasks.translate import (MAX_BEAM, MAX_SOURCE_TOKENS, Settings, detokenize,
                                    learn_truecase, predict, retrieval_baseline, tokenize,
                                    translate)

SMALL = dict(units=32, embed_dim=16, dropout=0.0, epochs=3, batch_size=32, lr=5e-3,
             beam_size=2, verbose=0, threads=1)


@pytest.fixture(scope="module")
def pairs_file(tmp_path_factory):
    """600 of the bundled pairs, in the bundled file's layout: English<TAB>Chinese."""
    pairs = load_translation_pairs()[::9][:600]
    path = tmp_path_factory.mktemp("data") / "pairs.tsv"
    path.write_text("".join(f"{en}\t{zh}\tCC-BY 2.0\n" for en, zh in pairs), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_run(pairs_file, tmp_path_factory):
    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("runs") / "run"
    return out, translate(pairs_file, out=out, **SMALL)


def test_detokenize_undoes_tokenize_on_the_bundled_english_sentences():
    english = [en for en, _ in load_translation_pairs()]
    truecase = learn_truecase(english)
    restored = [detokenize([t.lower() for t in tokenize(s, "word")], "word", truecase)
                for s in english]
    same = sum(a == b for a, b in zip(restored, english)) / len(english)
    assert same > 0.99                                # measured: 5,539 of 5,575


def test_the_retrieval_baseline_returns_the_target_of_the_most_similar_source():
    sources, targets = ["我爱你。", "他很高。", "我们走吧。"], ["I love you.", "He is tall.",
                                                            "Let's go."]
    out = retrieval_baseline(sources, targets, ["我们走了吗？", "她很高。"])
    assert out == ["Let's go.", "He is tall."]


def test_a_small_run_writes_a_complete_run_folder_and_its_validation_loss_falls(small_run):
    out, metrics = small_run
    for name in ("model/config.json", "model/model.safetensors", "model/vocab.json",
                 "task.json", "metrics.json", "history.csv", "curves.png", "attention.png",
                 "examples.tsv", "report.html"):
        assert (out / name).is_file(), name
    history = (out / "history.csv").read_text().splitlines()
    assert history[0].startswith("epoch,loss,") and len(history) == 1 + metrics["epochs_run"]
    saved = json.loads((out / "metrics.json").read_text())
    val_loss = saved["history"]["val_loss"]
    assert len(val_loss) == 3 and val_loss[-1] < val_loss[0]
    for part in ("model", "retrieval_baseline", "greedy", "beam 2"):
        assert 0 <= saved["test"][part]["bleu"] <= 100 and saved["test"][part]["chrf"] > 0
    task = json.loads((out / "task.json").read_text())
    units = (task["source_unit"], task["target_unit"])
    assert task["task"] == "translate" and units == ("char", "word")
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "retrieval baseline" in report and report.count("<tr>") >= 10 + 1
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]   # no leftovers


def test_predict_from_the_saved_run_reproduces_the_translations_made_in_the_run(small_run,
                                                                                tmp_path):
    out, metrics = small_run
    rows = [line.split("\t") for line in
            (out / "examples.tsv").read_text(encoding="utf-8").splitlines()[1:4]]
    sentences = tmp_path / "sentences.txt"
    sentences.write_text("".join(f"{r[0]}\n\n" for r in rows), encoding="utf-8")  # blank lines
    assert predict(out, str(sentences)) == [(r[0], r[2]) for r in rows]
    [(source, translation)] = predict(out, rows[0][0])
    assert source == rows[0][0] and translation == rows[0][2]


def test_rnnkit_predict_prints_source_tab_translation_for_a_translate_run(small_run, capsys):
    out, _ = small_run
    source = (out / "examples.tsv").read_text(encoding="utf-8").splitlines()[1].split("\t")
    assert cli_main(["predict", str(out), source[0]]) == 0
    assert capsys.readouterr().out == f"{source[0]}\t{source[2]}\n"
    assert cli_main(["predict", str(out)]) == 2
    assert "translate needs an INPUT" in capsys.readouterr().err


@pytest.mark.parametrize("content, message", [
    (None, "Data file not found"),
    ("", "is empty"),
    ("Hi.\t嗨。\nno tab on this line\n", "line 2: expected 'target<TAB>source'"),
    ("Hi.\t嗨。\n", "expected at least 20"),
])
def test_bad_pair_files_exit_2_with_one_line_on_stderr_and_no_run_folder(
        tmp_path, capsys, content, message):
    path = tmp_path / "pairs.tsv"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    out = tmp_path / "run"
    code = cli_main(["translate", str(path), "--out", str(out), "--quick", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == (
        ["pairs.tsv"] if content is not None else [])


def test_bad_settings_and_a_missing_run_folder_are_user_errors(tmp_path, capsys):
    assert cli_main(["translate", "--units", "0", "--out", str(tmp_path / "r")]) == 2
    assert "--units must be between 1 and 4096, got 0" in capsys.readouterr().err
    with pytest.raises(UserError, match="not a readable translate run folder"):
        predict(tmp_path / "nothing", "我们走吧。")


def test_the_cli_passes_the_model_and_regulariser_settings_through_to_the_saved_run(
        pairs_file, tmp_path, capsys):
    out = tmp_path / "run"
    code = cli_main(["translate", str(pairs_file), "--out", str(out), "--quiet", "--epochs",
                     "1", "--units", "16", "--embed-dim", "8", "--beam-size", "1",
                     "--threads", "1", "--attention", "additive", "--input-feeding",
                     "--no-tie-embeddings", "--word-dropout", "0.2", "--label-smoothing",
                     "0.05"])
    assert code == 0, capsys.readouterr().err
    task = json.loads((out / "task.json").read_text())
    assert (task["attention"], task["input_feeding"], task["tie_embeddings"],
            task["word_dropout"], task["label_smoothing"]) == ("additive", True, False, 0.2, 0.05)
    config = json.loads((out / "model" / "config.json").read_text())["config"]
    assert (config["attention"], config["input_feeding"], config["tie_embeddings"],
            config["word_dropout"]) == ("additive", True, False, 0.2)
    assert cli_main(["translate", "--label-smoothing", "1.5", "--out", str(tmp_path / "r")]) == 2
    assert "--label-smoothing must be between 0.0 and 0.99, got 1.5" in capsys.readouterr().err


def test_the_help_and_the_errors_name_the_same_layout_as_the_from_column(tmp_path, capsys):
    from rnnkit.cli import build_parser
    help_text = " ".join(build_parser().subcommands["translate"].format_help().split())
    assert "'target<TAB>source[<TAB>...]' per line" in help_text
    assert "1: source<TAB>target" in help_text
    path = tmp_path / "pairs.tsv"
    path.write_text("no tab on this line\n", encoding="utf-8")
    for flags, layout in (([], "target<TAB>source"), (["--from-column", "1"], "source<TAB>target")):
        assert cli_main(["translate", str(path), "--out", str(tmp_path / "run"), "--quiet",
                         *flags]) == 2
        assert f"line 1: expected '{layout}'" in capsys.readouterr().err


def test_a_beam_size_beyond_the_cap_in_task_json_is_a_clear_error_not_a_hang(small_run,
                                                                             tmp_path):
    out, _ = small_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    task = json.loads((copy / "task.json").read_text())
    task.update(beam_size=100_000, decoder="beam 100000")
    (copy / "task.json").write_text(json.dumps(task))
    with pytest.raises(UserError, match=rf"task.json: beam_size must be an integer from 1 to "
                                        rf"{MAX_BEAM}, got 100000"):
        predict(copy, "我们走吧。")
    with pytest.raises(UserError, match=rf"--beam-size must be between 1 and {MAX_BEAM}"):
        Settings(beam_size=100_000)


def test_an_input_longer_than_the_cap_is_refused_with_how_to_split_it(small_run, capsys):
    out, _ = small_run
    code = cli_main(["predict", str(out), "我们走吧。" * 8_000])          # 40,000 characters
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert f"Sentence 1 has 40,000 char tokens; the translator reads at most " \
           f"{MAX_SOURCE_TOKENS}" in err[0] and "one a line" in err[0]
    [(source, translation)] = predict(out, "我们走吧。" * (MAX_SOURCE_TOKENS // 5))
    assert len(translation) > 0                         # at the cap: translated, bounded


def test_quick_takes_the_demo_settings_only_where_the_user_gave_none():
    quick = Settings(units=32).quick()
    assert (quick.units, quick.epochs, quick.beam_size) == (32, 8, 1)
