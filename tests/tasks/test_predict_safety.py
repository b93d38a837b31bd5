"""`rnnkit predict` on hostile run folders: one line and exit 2, never a hang or traceback."""
import json
import os

import pytest

from rnnkit.cli import main as cli_main


@pytest.fixture
def run(tmp_path):
    folder = tmp_path / "run"
    (folder / "model").mkdir(parents=True)
    (folder / "task.json").write_text(json.dumps({"task": "tag"}))
    return folder


def one_error_line(capsys) -> str:
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("name", ["task.json", "vocab.json", "model/optimizer.safetensors"])
def test_a_fifo_anywhere_in_the_run_folder_is_named_not_waited_on(run, capsys, name):
    if (run / name).exists():
        (run / name).unlink()
    os.mkfifo(run / name)
    assert cli_main(["predict", str(run), "a sentence"]) == 2
    assert f"{name}: expected a regular file, got a FIFO" in one_error_line(capsys)


def test_a_link_out_of_the_run_folder_is_refused(run, tmp_path, capsys):
    (tmp_path / "secret.json").write_text("{}")
    (run / "vocab.json").symlink_to(tmp_path / "secret.json")
    assert cli_main(["predict", str(run), "a sentence"]) == 2
    assert "vocab.json: expected a file inside" in one_error_line(capsys)


def test_a_json_file_grown_to_gigabytes_is_refused_before_it_is_read(run, capsys):
    with open(run / "vocab.json", "wb") as f:
        f.truncate(3 * 2**30)                       # sparse: no disk used
    assert cli_main(["predict", str(run), "a sentence"]) == 2
    assert "vocab.json: expected a JSON file of at most" in one_error_line(capsys)


def test_a_task_loader_failing_on_a_damaged_file_is_one_line_naming_the_folder(run, capsys):
    (run / "vocab.json").write_text('{"words": 3}')
    assert cli_main(["predict", str(run), "a sentence"]) == 2
    line = one_error_line(capsys)
    assert f"{run}: expected a tag run folder as `rnnkit tag` writes it, got" in line


def test_a_task_json_naming_an_unknown_task_names_the_field(run, capsys):
    (run / "task.json").write_text(json.dumps({"task": ["generate"]}))
    assert cli_main(["predict", str(run), "x"]) == 2
    assert "task.json: field 'task': expected one of generate" in one_error_line(capsys)
