"""The NumPy character RNN trainer learns, reports, samples, and runs from the command line."""
import math
import subprocess
import sys

import numpy as np
import pytest

from rnnkit.reference import train_char_rnn
from rnnkit.reference.train import load_text, main

SMALL = dict(hidden_size=32, seq_length=16, batch_size=8, seconds=15, log=lambda line: None)


@pytest.fixture
def small_text(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text(load_text()[:6000], encoding="utf-8")         # 6,000 chars of Shakespeare
    return path


def test_the_bundled_tiny_shakespeare_is_the_default_text():
    text = load_text()
    assert text.startswith("First Citizen:") and len(text) == 1_115_394 and len(set(text)) == 65


def test_a_short_training_on_a_small_text_brings_the_loss_well_below_uniform(small_text):
    result = train_char_rnn(small_text, max_steps=400, smoothing=0.95, **SMALL)
    first, last = np.mean(result["losses"][:20]), np.mean(result["losses"][-20:])
    assert result["uniform_loss"] == pytest.approx(math.log(len(result["chars"])))
    assert first > result["uniform_loss"] - 0.5                    # starts near ln V
    assert last < first - 1.0 and result["final_loss"] < result["uniform_loss"] - 1.0
    assert result["val_loss"] < result["uniform_loss"] - 0.5       # on text it never saw


def test_the_result_has_the_documented_keys_and_a_sample_from_the_vocabulary(small_text):
    result = train_char_rnn(small_text, max_steps=20, sample_length=50, **SMALL)
    assert {"losses", "final_loss", "uniform_loss", "sample", "model", "chars"} <= set(result)
    assert len(result["sample"]) == 50 and set(result["sample"]) <= set(result["chars"])
    assert result["steps"] == len(result["losses"]) == 20
    assert result["model"].Wxh.shape == (32, len(result["chars"]))


def test_training_with_the_same_seed_and_steps_is_reproducible(small_text):
    a = train_char_rnn(small_text, max_steps=30, seed=3, **SMALL)
    b = train_char_rnn(small_text, max_steps=30, seed=3, **SMALL)
    assert a["losses"] == b["losses"] and a["sample"] == b["sample"]


def test_a_text_too_short_for_the_batch_says_how_to_fix_it(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("abcabcabc", encoding="utf-8")
    with pytest.raises(ValueError, match="too short for 8 streams.*smaller batch_size"):
        train_char_rnn(path, max_steps=1, **SMALL)


def test_main_prints_the_figures_and_a_sample(small_text, capsys):
    code = main([str(small_text), "--seconds", "0.5", "--hidden-size", "16", "--batch-size", "4",
                 "--sample-length", "40"])
    out = capsys.readouterr().out
    assert code == 0
    for figure in ("uniform loss ln V", "final smoothed loss", "held-out loss", "below uniform by",
                   "sample:"):
        assert figure in out


def test_main_reports_a_missing_file_on_stderr_with_exit_code_2(tmp_path, capsys):
    assert main([str(tmp_path / "missing.txt"), "--seconds", "1"]) == 2
    assert "missing.txt' not found" in capsys.readouterr().err


def test_python_dash_m_runs_the_trainer(small_text):
    run = subprocess.run(
        [sys.executable, "-m", "rnnkit.reference.train", str(small_text), "--seconds", "0.5",
         "--hidden-size", "16", "--batch-size", "4", "--sample-length", "20"],
        capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "below uniform by" in run.stdout and "Warning" not in run.stderr


def test_the_rnnkit_command_takes_the_documented_flags(small_text, capsys):
    from rnnkit.cli import main as rnnkit_main
    code = rnnkit_main(["reference-train", str(small_text), "--seconds", "0.5", "--hidden-size",
                        "16", "--batch-size", "4", "--sample-length", "20"])
    assert code == 0, capsys.readouterr().err
    assert "below uniform by" in capsys.readouterr().out
