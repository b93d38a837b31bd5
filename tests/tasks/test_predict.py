"""`rnnkit predict RUN_DIR INPUT`: the dispatcher, on a generate run and on bad folders."""
import json

import pytest

from rnnkit.cli import main as cli_main
from rnnkit.datasets import load_tiny_shakespeare
from rnnkit.tasks.generate import generate
from rnnkit.tasks.predict import format_result


@pytest.fixture(scope="module")
def generate_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("predict")
    (folder / "text.txt").write_text(load_tiny_shakespeare()[:20_000], encoding="utf-8")
    generate(folder / "text.txt", units=32, embed_dim=16, seq_len=32, batch_size=8, epochs=2,
             sample_length=20, out=folder / "run", verbose=0, threads=1)
    return folder / "run"


def test_predict_on_a_generate_run_prints_the_prompt_and_its_continuation(generate_run, capsys):
    code = cli_main(["predict", str(generate_run), "MENENIUS:", "--length", "30", "--seed", "3"])
    out = capsys.readouterr().out
    assert code == 0 and out.startswith("MENENIUS:") and len(out) > len("MENENIUS:") + 20


def test_predict_reads_backslash_n_in_the_prompt_as_a_newline(generate_run, capsys):
    assert cli_main(["predict", str(generate_run), "MENENIUS:\\n", "--length", "5"]) == 0
    assert capsys.readouterr().out.startswith("MENENIUS:\n")


def test_predict_at_temperature_zero_repeats_itself(generate_run, capsys):
    runs = []
    for seed in ("1", "2"):
        cli_main(["predict", str(generate_run), "The ", "--temperature", "0", "--seed", seed,
                  "--length", "40"])
        runs.append(capsys.readouterr().out)
    assert runs[0] == runs[1]


def _one_line_error(argv, capsys):
    code = cli_main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    return err[0]


def test_a_missing_run_folder_is_one_line_and_exit_2(tmp_path, capsys):
    assert "does not exist" in _one_line_error(["predict", str(tmp_path / "nope"), "x"], capsys)


def test_a_folder_without_task_json_is_one_line_and_exit_2(tmp_path, capsys):
    assert "no task.json" in _one_line_error(["predict", str(tmp_path), "x"], capsys)


def test_a_damaged_task_json_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "task.json").write_text("{not json")
    assert "damaged" in _one_line_error(["predict", str(tmp_path), "x"], capsys)


def test_an_unknown_task_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "task.json").write_text(json.dumps({"task": "juggle"}))
    assert "juggle" in _one_line_error(["predict", str(tmp_path), "x"], capsys)


def test_a_generate_run_with_a_damaged_model_is_one_line_and_exit_2(tmp_path, capsys):
    (tmp_path / "task.json").write_text(json.dumps({"task": "generate"}))
    (tmp_path / "vocab.json").write_text(json.dumps(["a", "b"]))
    assert "generate run folder" in _one_line_error(["predict", str(tmp_path), "ab"], capsys)


def test_a_prompt_with_characters_the_model_never_saw_is_one_line_and_exit_2(generate_run,
                                                                             capsys):
    assert "never saw" in _one_line_error(["predict", str(generate_run), "日本"], capsys)


def test_results_of_other_tasks_print_as_readable_lines():
    assert format_result({"label": "positive", "p": 0.912345}) == "label: positive\np: 0.9123"
    assert format_result([("good", "pos", 0.9), ("bad", "neg", 0.8)]) == \
        "good\tpos\t0.9\nbad\tneg\t0.8"
    assert format_result([{"step": 1, "value": 2.5}]) == "step=1  value=2.5"
    forecast = {"task": "forecast", "column": "passengers", "input": "air.csv",
                "after": "1960-12", "index": None, "forecast": [417.0, 391.25]}
    assert format_result(forecast).splitlines()[1:] == ["+1  417", "+2  391.25"]
