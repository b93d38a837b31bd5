"""rnnkit demo: one folder, one table, one report linking each job's own report; a progress
line while a job runs; the same scores on every run; the baseline's wins marked."""
import json
import re
import time

import pytest
import torch

from rnnkit.cli import main
from rnnkit.tasks import demo as demo_module
from rnnkit.tasks.demo import Heartbeat, _strongest, demo
from rnnkit.tasks.generate import settings as generate_settings


def test_demo_writes_a_report_linking_each_job(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "demo"), "--only", "forecast"]) == 0
    out = capsys.readouterr().out
    assert "strongest baseline" in out and "strongest of" in out
    folder = tmp_path / "demo"
    rows = json.loads((folder / "metrics.json").read_text())["jobs"]
    assert [r["job"] for r in rows] == ["forecast"]
    forecast = json.loads((folder / "forecast" / "metrics.json").read_text())
    assert rows[0]["baseline"] == min(b["rmse"] for b in forecast["baselines"].values())
    verdict = "model wins" if rows[0]["model"] < rows[0]["baseline"] else "BASELINE WINS"
    page = (folder / "report.html").read_text()
    assert 'href="forecast/report.html"' in page and 'src="forecast/forecast.png"' in page
    assert "<th>verdict</th>" in page and f"<td>{verdict}</td>" in page
    assert (folder / "forecast" / "report.html").is_file()


def test_an_unknown_demo_job_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--out", str(tmp_path / "d"), "--only", "nope"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()


def _training_job(seconds: float, model_score: float, baseline_score: float):
    """A stand-in job: trains a linear model with a torch optimizer for `seconds`."""
    def job(out):
        layer = torch.nn.Linear(4, 1)
        opt = torch.optim.SGD(layer.parameters(), lr=0.01)
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            opt.zero_grad()
            layer(torch.ones(2, 4)).sum().backward()
            opt.step()
            time.sleep(0.005)
        out.mkdir()
        return {"task": "stand-in", "data": "none", "metric": "accuracy",
                "model": model_score, "model_name": "net", "baseline": baseline_score,
                "baseline_name": "majority", "better": "higher", "plot": "none.png"}
    return job


def test_a_running_job_prints_its_name_and_training_steps_at_every_heartbeat(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(demo_module, "HEARTBEAT_SECONDS", 0.25)
    monkeypatch.setitem(demo_module.JOBS, "standin", _training_job(1.3, 0.9, 0.5))
    [row] = demo(tmp_path / "demo", only=["standin"])
    beats = re.findall(r"   \.\.\. standin \(1/1\): ([\d,]+) training steps, \d+ s",
                       capsys.readouterr().out)
    assert len(beats) >= 3                            # 1.3 s at one line every 0.25 s
    counts = [int(b.replace(",", "")) for b in beats]
    assert counts == sorted(counts) and counts[-1] > 0 and row["steps"] >= counts[-1]


def test_quiet_prints_no_heartbeat_and_the_hook_is_removed_after_the_job(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(demo_module, "HEARTBEAT_SECONDS", 0.1)
    monkeypatch.setitem(demo_module.JOBS, "standin", _training_job(0.5, 0.9, 0.5))
    demo(tmp_path / "demo", only=["standin"], quiet=True)
    assert "..." not in capsys.readouterr().out.replace("== standin (1/1) ...", "")
    with Heartbeat("after", enabled=False) as beat:
        pass
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    opt.step()                                        # outside any heartbeat: not counted
    assert beat.steps == 0


def test_a_job_whose_baseline_scores_at_least_as_well_is_marked_in_table_and_report(
        tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(demo_module.JOBS, "lost", _training_job(0.0, 0.80, 0.82))
    monkeypatch.setitem(demo_module.JOBS, "won", _training_job(0.0, 0.90, 0.82))
    demo(tmp_path / "demo", only=["lost", "won"], quiet=True)
    table = capsys.readouterr().out.split("\n\n")[-2].splitlines()
    assert "BASELINE WINS" in table[1] and "model wins" in table[2]
    page = (tmp_path / "demo" / "report.html").read_text()
    assert page.count("<tr class='lost'>") == 1 and "<td>BASELINE WINS</td>" in page


def test_the_strongest_baseline_is_the_tasks_own_or_the_best_of_its_baselines():
    metrics = {"baselines": {"majority_class": {"accuracy": 0.5},
                             "bag_of_words_logistic_regression": {"accuracy": 0.82}}}
    assert _strongest({}, metrics, "accuracy", "higher") == (
        0.82, "bag of words logistic regression")
    given = {"baseline": "bag of words", "baseline_score": 0.81}
    assert _strongest(given, metrics, "accuracy", "higher") == (0.81, "bag of words")
    assert _strongest({}, {"baselines": {"a": {"rmse": 2.0}, "b": {"rmse": 1.0}}}, "rmse",
                      "lower") == (1.0, "b")


def test_two_demo_runs_with_the_same_seed_give_the_same_scores(tmp_path, monkeypatch, capsys):
    tiny = dict(units=16, embed_dim=8, steps=12, sample_length=10, threads=1)
    for key, value in tiny.items():
        monkeypatch.setitem(generate_settings.QUICK, key, value)
    first, second = (demo(tmp_path / f"demo{k}", only=["shakespeare"], quiet=True)[0]
                     for k in range(2))
    assert first["steps"] == second["steps"] == 12
    assert (first["model"], first["baseline"]) == (second["model"], second["baseline"])


def test_without_music21_the_music_job_is_skipped_with_the_line_that_installs_it(
        tmp_path, capsys, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "music21", None)          # import music21 fails
    assert demo(tmp_path / "d", only=["music"], quiet=True) == []
    out = capsys.readouterr().out
    assert "skipped: the music job reads music21's tune corpus" in out
    assert 'pip install -e ".[music]"' in out
    assert json.loads((tmp_path / "d" / "metrics.json").read_text())["jobs"] == []
