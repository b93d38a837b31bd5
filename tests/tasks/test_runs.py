"""Run folders follow the umask, hold strict JSON, keep the per-epoch history as CSV and end
with checksums.json, which predict checks."""
import csv
import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
import torch
from safetensors.torch import save_file

from rnnkit.errors import DamagedFileError
from rnnkit.tasks.runs import (check_checksums, run_folder, write_checksums, write_history,
                               write_json)


@pytest.fixture
def umask():
    """Set the process umask for one test, then put the old one back."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, folder_mode, file_mode", [
    (0o022, 0o755, 0o644), (0o027, 0o750, 0o640), (0o077, 0o700, 0o600)])
def test_a_run_folder_and_its_weights_follow_the_umask(tmp_path, umask, mask, folder_mode,
                                                       file_mode):
    umask(mask)
    out = tmp_path / "run"
    with run_folder(out) as folder:
        (folder / "model").mkdir()
        save_file({"w": torch.zeros(2)}, str(folder / "model" / "model.safetensors"))
        write_json(folder / "metrics.json", {"accuracy": 0.5})
    assert _mode(out) == _mode(out / "model") == folder_mode
    assert _mode(out / "model" / "model.safetensors") == _mode(out / "metrics.json") == file_mode


def test_metrics_with_nan_or_infinity_are_written_as_strict_json_with_null(tmp_path):
    import numpy as np
    path = tmp_path / "metrics.json"
    write_json(path, {"rmse": float("nan"), "mase": np.float64("inf"),
                      "losses": np.array([0.5, -np.inf]), "epochs": np.int64(3)})

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")
    assert json.loads(path.read_text(), parse_constant=refuse) == {
        "rmse": None, "mase": None, "losses": [0.5, None], "epochs": 3}


def test_write_json_names_a_value_it_cannot_write(tmp_path):
    with pytest.raises(TypeError, match="got a set: convert it"):
        write_json(tmp_path / "m.json", {"classes": {"a", "b"}})


def test_the_history_is_a_csv_in_the_csv_logger_layout(tmp_path):
    history = {"loss": [1.0, 0.5, 0.25], "val_loss": [0.9, 0.6], "accuracy": [0.1, 0.2, 0.3]}
    with open(write_history(history, tmp_path / "history.csv"), newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["epoch", "accuracy", "loss", "val_loss"], ["0", "0.1", "1.0", "0.9"],
                    ["1", "0.2", "0.5", "0.6"], ["2", "0.3", "0.25", "NA"]]


def test_a_history_logged_every_few_steps_is_indexed_by_its_step(tmp_path):
    history = {"step": [50, 100], "loss": [2.0, 1.5], "val_error_rate": [0.5, 0.25]}
    rows = write_history(history, tmp_path / "history.csv", index="step").read_text().split()
    assert rows == ["step,loss,val_error_rate", "50,2.0,0.5", "100,1.5,0.25"]


# -- the verdict and the report skeleton ----------------------------------------------------

def test_the_strongest_baseline_is_the_best_score_in_the_direction_of_the_metric():
    from rnnkit.tasks.runs import strongest
    scores = {"majority": 0.5, "bag of words": 0.82, "nearest neighbour": 0.7}
    assert strongest(scores) == ("bag of words", 0.82)
    assert strongest({"naive": 3.0, "seasonal": 2.5}, higher_is_better=False) == ("seasonal", 2.5)


def test_the_verdict_says_plainly_when_the_baseline_wins_and_a_tie_is_no_win():
    from rnnkit.tasks.runs import verdict
    lost = verdict("BiLSTM", 0.808, "bag of words", 0.818, "accuracy")
    assert lost["sentence"].startswith("The baseline wins: bag of words") and not lost["model_wins"]
    tie = verdict("BiLSTM", 0.8, "bag of words", 0.8, "accuracy")
    assert tie["sentence"].startswith("A tie") and not tie["model_wins"]
    won = verdict("GRU", 2.0, "naive", 2.5, "RMSE", higher_is_better=False, percent=False)
    assert won["model_wins"] and "RMSE 2 against 2.5" in won["sentence"]


def test_the_report_shows_the_verdict_words_not_json_keys_and_the_reproduce_command(tmp_path):
    from rnnkit.tasks.runs import verdict, write_report
    judged = verdict("BiLSTM", 0.7, "bag of words", 0.8, "accuracy")
    page = write_report(tmp_path, "A run", "Summary.", {"epochs_run": [11],
                                                         "protocol": {"name": "blocks"}},
                        [], command="rnnkit classify --units 16 'my file.csv'",
                        verdict=judged).read_text()
    assert "The baseline wins" in page and 'class="verdict loss"' in page
    assert "<td>epochs run</td><td>11</td>" in page and "<td>protocol: name</td>" in page
    assert "Reproduce this run" in page and "--units 16 &#x27;my file.csv&#x27;" in page
    assert "epochs_run" not in page and "[11]" not in page


def test_doctests_of_the_runs_module():
    import doctest

    from rnnkit.tasks import runs
    assert doctest.testmod(runs).failed == 0


# ---- checksums.json --------------------------------------------------------------------------

OLD_CLASSIFY = Path(__file__).parents[1] / "fixtures" / "runs_from_0.x" / "classify_text_main"


def test_a_run_folder_ends_with_the_size_and_sha256_of_every_file_it_holds(tmp_path):
    with run_folder(tmp_path / "run") as folder:
        (folder / "model").mkdir()
        (folder / "model" / "config.json").write_text("{}")
        (folder / "labels.json").write_text('["a", "b"]')
    listed = json.loads((tmp_path / "run" / "checksums.json").read_text())["files"]
    assert sorted(listed) == ["labels.json", "model/config.json"]
    assert listed["labels.json"]["bytes"] == 10
    assert listed["labels.json"]["sha256"] == hashlib.sha256(b'["a", "b"]').hexdigest()


def sealed_copy(tmp_path):
    """The old classify run, as a run folder written today would be: with checksums.json."""
    run = tmp_path / "run"
    shutil.copytree(OLD_CLASSIFY, run)
    write_checksums(run)
    return run


def test_predict_refuses_a_run_whose_labels_were_swapped_after_training(tmp_path, capsys):
    from rnnkit.cli import main as cli_main
    run = sealed_copy(tmp_path)
    assert cli_main(["predict", str(run), "Great phone, I love it."]) == 0
    capsys.readouterr()
    labels = json.loads((run / "labels.json").read_text())
    (run / "labels.json").write_text(json.dumps(labels[::-1]))      # same size, meaning flipped
    assert cli_main(["predict", str(run), "Great phone, I love it."]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "labels.json: expected the bytes whose SHA-256" in err[0]
    assert "changed after the run was written" in err[0]


def test_a_changed_plot_is_not_checked_and_a_run_without_checksums_checks_nothing(tmp_path):
    run = sealed_copy(tmp_path)
    (run / "curves.png").write_bytes(b"not the plot that was written")
    listed = json.loads((run / "checksums.json").read_text())
    listed["files"]["curves.png"] = {"bytes": 3, "sha256": "0" * 64}
    (run / "checksums.json").write_text(json.dumps(listed))
    assert check_checksums(run) == len(listed["files"]) - 1          # all but the plot
    (run / "checksums.json").unlink()
    assert check_checksums(run) == 0


def test_a_damaged_checksums_file_is_named(tmp_path):
    run = sealed_copy(tmp_path)
    (run / "checksums.json").write_text('{"files": {"labels.json": "abc"}}')
    with pytest.raises(DamagedFileError, match=r"checksums.json: field 'labels.json'"):
        check_checksums(run)
    (run / "checksums.json").write_text('{"files": {"../../etc/passwd": {"bytes": 1, '
                                        '"sha256": "0"}}}')
    with pytest.raises(DamagedFileError, match="a name inside"):
        check_checksums(run)
