"""The bad-input sweeps (benchmarks/sweep_bad_inputs.py): 281 bad API calls and 72 bad CLI
runs, each a clear error. Cases still open would be listed in OPEN_API, so that a new gap,
or a fixed one, shows."""
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[1] / "benchmarks" / "sweep_bad_inputs.py"
OPEN_API: set[str] = set()          # every case of the sweep is a clear error now


def sweeps():
    spec = importlib.util.spec_from_file_location("sweep_bad_inputs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bad_api_calls_are_clear_errors_except_the_listed_open_ones():
    counts, failures = sweeps().run_api()
    assert sum(counts.values()) >= 235 and counts["traceback"] == 0
    assert set(failures) == OPEN_API


def test_every_bad_cli_run_is_exit_2_and_one_line(tmp_path):
    counts, failures = sweeps().run_cli(tmp_path)
    assert sum(counts.values()) == 72
    assert failures == []


def test_save_refuses_an_empty_path_and_a_folder_that_holds_no_model(tmp_path):
    import pytest

    from rnnkit.layers import Dense, Input
    from rnnkit.models import Sequential
    model = Sequential([Input(shape=(2,)), Dense(1)])
    with pytest.raises(ValueError, match="model.save expects a path naming"):
        model.save("")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "thesis.txt").write_text("years of work")
    with pytest.raises(ValueError, match="it is a folder that holds no rnnkit model"):
        model.save(tmp_path / "docs")
    assert (tmp_path / "docs" / "thesis.txt").read_text() == "years of work"
