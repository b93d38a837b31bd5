"""`rnnkit compose` end to end on a small ABC file, `rnnkit predict` on its run folder, and
bad input: one line on stderr, exit code 2, no partial run folder."""
import json

import pytest

pytest.importorskip("music21")

from rnnkit.cli import main  # noqa: E402
from rnnkit.tasks.compose.music import corpus_folder  # noqa: E402

TINY = ["--epochs", "1", "--units", "8", "--layers", "1", "--embedding", "8",
        "--samples", "3", "--max-tokens", "60", "--quiet"]


@pytest.fixture(scope="module")
def abc_file(tmp_path_factory):
    """40 tunes of Ryan's Mammoth Collection in one file."""
    files = sorted(corpus_folder().glob("*.abc"))[:40]
    path = tmp_path_factory.mktemp("abc") / "tunes.abc"
    path.write_text("\n\n".join(f.read_text(encoding="latin-1") for f in files))
    return path


@pytest.fixture(scope="module")
def run(abc_file, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "compose"
    assert main(["compose", str(abc_file), "--out", str(out), "--prompt", "M:6/8 K:G",
                 *TINY]) == 0
    return out


def test_a_tiny_run_writes_every_artifact_of_the_run_folder(run):
    for name in ["model/config.json", "model/model.safetensors", "vocab.json", "task.json",
                 "metrics.json", "curves.png", "samples.abc", "baseline_samples.abc",
                 "report.html"]:
        assert (run / name).is_file(), name
    assert not list(run.parent.glob(".*partial*"))


def test_the_report_gives_the_command_that_reproduces_the_run_with_the_prompt_quoted(run):
    task = json.loads((run / "task.json").read_text())
    assert task["command"].startswith("rnnkit compose ")
    assert "--prompt 'M:6/8 K:G'" in task["command"] and "--units 8" in task["command"]
    assert "--epochs" in task["command"] and task["units"] == 8 and task["quiet"] is True
    assert "Reproduce this run" in (run / "report.html").read_text()


def test_settings_out_of_range_name_their_flag_before_any_work(tmp_path, capsys):
    assert main(["compose", "--temperature", "-1", "--out", str(tmp_path / "r")]) == 2
    assert "--temperature must be between 0.0 and 10.0, got -1.0" in capsys.readouterr().err
    from rnnkit.errors import UserError
    from rnnkit.tasks.compose import compose
    with pytest.raises(UserError, match="Unknown setting.*unit.*Expected some of"):
        compose(unit=8)
    assert not (tmp_path / "r").exists()


def test_the_metrics_score_model_and_baseline_on_the_held_out_tunes(run):
    m = json.loads((run / "metrics.json").read_text())
    assert m["task"] == "compose" and m["n_tunes"] == 40 and m["n_test"] == 4
    for who in ("model", "baseline"):
        assert m[who]["bits_per_token"] > 0
        assert 0 <= m[who]["parses_and_bars_right"] <= min(m[who]["parses"],
                                                           m[who]["bars_right"])
    assert m["prompt"] == "M:6/8 K:G"


def test_every_sample_starts_with_the_prompts_meter_and_key(run):
    samples = (run / "samples.abc").read_text()
    assert samples.count("M:6/8\nL:1/8\nK:G") == 3


def test_predict_prints_a_new_tune_in_abc(run, capsys):
    assert main(["predict", str(run), "M:6/8 K:G", "--seed", "1"]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("X:1") and "M:6/8" in printed and "K:G" in printed


def test_a_prompt_with_an_unknown_token_is_refused_with_the_known_ones(run, capsys):
    assert main(["predict", str(run), "K:H#"]) == 2
    assert "meters known" in capsys.readouterr().err


def test_a_file_without_tunes_exits_with_code_2_and_no_run_folder(tmp_path, capsys):
    bad = tmp_path / "bad.abc"
    bad.write_text("just some words\n")
    assert main(["compose", str(bad), "--out", str(tmp_path / "run"), *TINY]) == 2
    assert "expected at least 10 ABC tunes" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


def test_without_music21_the_command_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(__import__("sys").modules, "music21", None)     # import fails
    assert main(["compose", "--out", str(tmp_path / "run"), *TINY]) == 2
    assert "pip install 'rnnkit[music]'" in capsys.readouterr().err
