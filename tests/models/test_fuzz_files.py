"""The fuzz harness (benchmarks/fuzz_files.py), short: 200 damaged or hostile model files and
200 damaged run folders, every one refused with an error naming it, or loaded predicting
exactly as before."""
import collections
import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "fuzz_files.py"


def harness():
    spec = importlib.util.spec_from_file_location("fuzz_files", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_cases(fuzz, targets, tmp_path, seed, capsys):
    """200 cases over the targets: the outcome counts over all targets, and the examples;
    the harness's table is printed for the log."""
    counts, examples = fuzz.fuzz(targets, 200, tmp_path / "cases", seed=seed, verbose=False)
    total = sum((c for label, c in counts.items() if not label.startswith("~")),
                start=collections.Counter())
    with capsys.disabled():
        print("\n" + fuzz.table(counts))
    return total, examples


def test_200_damaged_model_files_run_no_code_hang_crash_or_load_wrong(tmp_path, capsys):
    fuzz = harness()
    total, examples = run_cases(fuzz, fuzz.make_models(tmp_path / "targets"), tmp_path, 11,
                                capsys)
    assert sum(total.values()) == 200
    assert {o: total[o] for o in fuzz.DEFECTS} == dict.fromkeys(fuzz.DEFECTS, 0), examples
    assert total["refused"] > 100                  # most damage is seen and named


def test_the_harness_counts_a_hostile_outcome_as_a_defect(tmp_path):
    fuzz = harness()
    marker = tmp_path / "CODE_RAN"
    marker.touch()
    assert fuzz.classify({"ok": 1}, {"ok": 1}, "other", tmp_path, marker) == "code"
    marker.unlink()
    assert fuzz.classify({"ok": 2}, {"ok": 1}, "weights", tmp_path, marker) == "wrong"
    assert fuzz.classify({"error": "TypeError", "message": str(tmp_path)}, {}, "other",
                         tmp_path, marker) == "crash"
    assert fuzz.classify({"error": "ValueError", "message": "bad"}, {}, "other", tmp_path,
                         marker) == "unnamed"
    assert fuzz.classify({"hang": True}, {}, "other", tmp_path, marker) == "hang"


def test_200_damaged_run_folders_are_refused_by_name_or_serve_as_before(tmp_path, capsys):
    import shutil

    from rnnkit.tasks.runs import write_checksums
    fuzz = harness()
    runs = tmp_path / "runs"
    old = Path(__file__).parents[1] / "fixtures" / "runs_from_0.x"
    for name in ("classify_text_main", "tag_main"):      # as a run written today: sealed
        shutil.copytree(old / name, runs / name)
        write_checksums(runs / name)
    total, examples = run_cases(fuzz, fuzz.make_runs(tmp_path / "targets", runs), tmp_path,
                                12, capsys)
    assert sum(total.values()) == 200
    assert {o: total[o] for o in (*fuzz.DEFECTS, "setting")} == dict.fromkeys(
        (*fuzz.DEFECTS, "setting"), 0), examples
    assert total["refused"] > 150
