"""Keras programs with only their import prefix changed run on rnnkit (examples/keras/).

Each program is written the way public Keras RNN code is written. The test runs it whole;
a program that trains for several epochs must end with a lower loss than it started with.
"""
import runpy
from pathlib import Path

import pytest
import torch

from rnnkit.callbacks import History

PROGRAMS = sorted((Path(__file__).resolve().parents[1] / "examples" / "keras").glob("*.py"))


def test_there_are_at_least_25_keras_programs():
    assert len(PROGRAMS) >= 25, [p.name for p in PROGRAMS]


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_keras_program_runs_and_any_training_lowers_its_loss(path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    torch.manual_seed(0)
    namespace = runpy.run_path(str(path), run_name="__main__")
    histories = [v for v in namespace.values()
                 if isinstance(v, History) and len(v.history.get("loss", [])) > 1]
    for history in histories:
        losses = history.history["loss"]
        assert losses[-1] < losses[0], f"{path.name}: loss {losses[0]:.4f} -> {losses[-1]:.4f}"
