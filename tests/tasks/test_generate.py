"""The generate recipe: stateful data layout, a small run end to end, sampling, bad input."""
import json
import shutil

import numpy as np
import pytest

from rnnkit.cli import main as cli_main
from rnnkit.datasets import load_tiny_shakespeare
from rnnkit.models import load_model
from rnnkit.errors import UserError
from rnnkit.tasks.generate import Settings, generate, predict, sample, stream_batches

SMALL = dict(units=32, layers=1, embed_dim=16, seq_len=32, batch_size=8, epochs=3,
             sample_length=60, verbose=0, threads=1)


@pytest.fixture(scope="module")
def small_text(tmp_path_factory):
    path = tmp_path_factory.mktemp("text") / "shakespeare_30k.txt"
    path.write_text(load_tiny_shakespeare()[:30_000], encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def small_run(small_text, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "run"
    return out, generate(small_text, out=out, **SMALL)


def test_stream_batches_lay_out_contiguous_streams_so_row_i_continues_row_i():
    ids, B, T = np.arange(1001), 4, 10
    x, y = stream_batches(ids, B, T)
    K = len(x) // B
    assert x.shape == (K * B, T) and K == (1000 // B) // T
    np.testing.assert_array_equal(y, x + 1)                    # targets: the next id
    for i in range(B):                                         # stream i, chunk after chunk
        stream = np.concatenate([x[k * B + i] for k in range(K)])
        np.testing.assert_array_equal(stream, np.arange(stream[0], stream[0] + K * T))
    starts = [x[i][0] for i in range(B)]                       # streams cut the text evenly
    assert starts == [0, 250, 500, 750]


def test_a_quick_run_on_a_small_text_writes_every_artifact(small_run):
    out, metrics = small_run
    for name in ("model/config.json", "model/model.safetensors", "vocab.json", "task.json",
                 "metrics.json", "history.csv", "curves.png", "samples.txt", "report.html"):
        assert (out / name).is_file(), name
    saved = json.loads((out / "metrics.json").read_text())
    assert saved["epochs"] == 3 and len(saved["history"]["val_loss"]) == 3
    history = (out / "history.csv").read_text().splitlines()
    assert history[0] == "epoch,loss,lr,seconds,val_loss" and len(history) == 1 + 3
    assert json.loads((out / "task.json").read_text())["task"] == "generate"
    assert "<pre>" in (out / "report.html").read_text()
    assert "temperature 0.5" in (out / "samples.txt").read_text()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]   # no leftovers


def test_the_small_model_beats_both_baselines_on_held_out_text(small_run):
    _, m = small_run
    assert m["val_nats_per_char"] < m["baselines"]["unigram"] < m["baselines"]["uniform"]
    assert m["baselines"]["uniform"] == pytest.approx(np.log(len(set(
        load_tiny_shakespeare()[:30_000]))))


def test_a_steps_budget_trains_exactly_that_many_steps_and_decays_the_lr(small_text, tmp_path):
    m = generate(small_text, **{**SMALL, "epochs": None}, steps=50, out=tmp_path / "run")
    assert m["steps"] == m["steps_planned"] == 50 and not m["cut_short_by_minutes"]
    assert m["epochs"] == 1 + 50 // 105                     # 30k chars / (8 x 32): 105 an epoch
    assert m["history"]["lr"][-1] == pytest.approx(5e-3 * (0.1 + 0.9 * 0.5 * (1 + np.cos(
        np.pi * 49 / 50))))                                 # the cosine at the last step


def test_two_runs_with_the_same_seed_and_steps_give_the_same_scores(small_text, tmp_path):
    runs = [generate(small_text, **{**SMALL, "epochs": None}, steps=20, out=tmp_path / str(k))
            for k in range(2)]
    assert runs[0]["val_nats_per_char"] == runs[1]["val_nats_per_char"]
    assert runs[0]["history"]["loss"] == runs[1]["history"]["loss"]


def test_a_minutes_cap_that_cuts_the_plan_short_says_so_in_the_console_and_the_report(
        tmp_path, capsys):
    m = generate(None, **{**SMALL, "epochs": None, "units": 16}, steps=100_000, minutes=0.01,
                 out=tmp_path / "run")                   # Tiny Shakespeare: ~3,900 steps/epoch
    assert m["cut_short_by_minutes"] and m["epochs"] == 1 and 0 < m["steps"] < 100_000
    out = capsys.readouterr().out
    assert "warning: the --minutes 0.01 cap stopped training after" in out
    assert "of 100,000 planned steps" in (tmp_path / "run" / "report.html").read_text()


def test_samples_on_a_users_text_start_from_that_text_not_from_romeo(tmp_path):
    path = tmp_path / "diary.txt"
    path.write_text("Dear diary: ROME, OK.\n" * 500, encoding="utf-8")  # ROMEO: letters
    generate(path, **{**SMALL, "epochs": None}, steps=3, out=tmp_path / "run")
    task = json.loads((tmp_path / "run" / "task.json").read_text())
    samples = (tmp_path / "run" / "samples.txt").read_text()
    assert task["prompt"] == "Dear diary:"
    assert "ROMEO" not in samples and samples.split("\n")[1].startswith("Dear diary:")


def test_a_sample_length_beyond_the_cap_is_a_clear_error_not_hours_of_sampling(small_run,
                                                                                capsys):
    out, _ = small_run
    code = cli_main(["predict", str(out), "ROMEO:", "--length", str(10**7)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "--length must be an integer from 0 to 100,000" \
        in err[0], err
    with pytest.raises(UserError, match="--sample-length must be between 0 and 100000"):
        generate(None, sample_length=10**7)


def test_settings_come_from_one_dataclass_for_the_cli_and_python_callers(tmp_path, capsys):
    code = cli_main(["generate", "--units", "0", "--out", str(tmp_path / "run")])
    assert code == 2 and "--units must be between 1 and 4096, got 0" in capsys.readouterr().err
    with pytest.raises(UserError, match="(?i)unknown setting"):
        generate(None, minuets=3)
    assert Settings().quick().steps == 800 and Settings(units=64).quick().units == 64


def test_predict_from_a_saved_run_returns_text_starting_from_the_prompt(small_run):
    out, _ = small_run             # trained on batches of 8 streams, sampled with a batch of 1
    text = predict(out, "ROMEO:", length=40, temperature=0.8, seed=1)
    assert text.startswith("ROMEO:") and len(text) == len("ROMEO:") + 40


def test_temperature_near_zero_is_greedy(small_run):
    out, _ = small_run
    model = load_model(out / "model", compile=False)
    vocab = json.loads((out / "vocab.json").read_text())
    greedy = sample(model, vocab, "First", 50, 0.0)
    for seed in (1, 2):
        assert sample(model, vocab, "First", 50, 1e-6, np.random.default_rng(seed)) == greedy


@pytest.mark.parametrize("content, needle", [
    (None, "not found"),
    (b"", "no text"),
    (b"   \n\n ", "no text"),
    (b"To be or not\xff\xfe to be", "UTF-8"),
    (b"Too short for chunks of a hundred.\n", "too short"),
])
def test_bad_text_files_give_one_clear_line_exit_2_and_no_run_folder(tmp_path, capsys, content,
                                                                       needle):
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    code = cli_main(["generate", str(path), "--epochs", "1", "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and needle in err[0], err
    assert [p.name for p in tmp_path.iterdir()] == (["input.txt"] if content is not None else [])


def test_a_prompt_with_characters_the_text_lacks_is_refused_before_training(small_text, tmp_path,
                                                                             capsys):
    code = cli_main(["generate", str(small_text), "--epochs", "1", "--prompt", "日本",
                     "--out", str(tmp_path / "run")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "prompt" in err[0]
    assert list(tmp_path.iterdir()) == []


def test_a_run_folder_written_before_the_package_split_still_samples(small_run, tmp_path):
    out, _ = small_run
    old = tmp_path / "old"
    shutil.copytree(out, old)
    (old / "checksums.json").unlink()                      # runs of that time had none
    task = json.loads((old / "task.json").read_text())     # the keys the old module wrote
    keep = ("task", "data", "vocab_size", "val_fraction", "seq_len", "units", "layers",
            "embed_dim", "lr", "epochs", "batch_size", "seed", "prompt", "temperature", "quick")
    (old / "task.json").write_text(json.dumps({**{k: task[k] for k in keep}, "minutes": 0.33,
                                               "rnnkit_version": "0.9.0"}))
    assert predict(old, "ROMEO:", 30, seed=4) == predict(out, "ROMEO:", 30, seed=4)
    assert cli_main(["predict", str(old), "--length", "5"]) == 0
