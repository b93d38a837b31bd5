"""The kill harness (benchmarks/kill_resume.py), short: a few SIGKILLs during fit, backup
writes, cleanup, checkpoints and saves; files stay whole and every resume is bit-exact."""
import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "kill_resume.py"


def harness():
    spec = importlib.util.spec_from_file_location("kill_resume", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_runs_killed_at_random_moments_resume_bit_exact_with_every_file_whole(tmp_path,
                                                                               capsys):
    kills = harness()
    kills.SAMPLES, kills.EPOCHS = 48, 4               # a short fit: the moments still occur
    counts = kills.campaign(tmp_path / "k", kills=4, seed=3, verbose=False)
    with capsys.disabled():
        print("\n" + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    assert counts["kills"] == 4
    assert counts["file missing or damaged"] == 0
    assert counts["bit-exact"] == counts["resumed runs"] >= 1
    assert counts["runs with leftovers"] == 0, dict(counts)
