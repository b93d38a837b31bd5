"""The seed programs, with only their module prefix changed, run and learn."""
import runpy
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SEEDS = sorted(p.name for p in EXAMPLES.glob("seed_00*.py"))


def test_there_are_four_seed_programs():
    assert SEEDS == ["seed_000_time_series.py", "seed_001_simple_rnn.py",
                     "seed_002_text_classification.py", "seed_003_stacked_rnn.py"]


@pytest.mark.parametrize("name", SEEDS)
def test_seed_program_runs_and_its_loss_falls(name, capsys):
    program = runpy.run_path(str(EXAMPLES / name), run_name="__main__")
    losses = program["model"].history.history["loss"]
    print(f"{name}: loss {losses[0]:.4f} -> {losses[-1]:.4f} over {len(losses)} epochs")
    assert losses[-1] < losses[0]


def test_seed_003_predicts_one_value_per_sequence():
    program = runpy.run_path(str(EXAMPLES / "seed_003_stacked_rnn.py"), run_name="__main__")
    assert program["predictions"].shape == (4, 1)
