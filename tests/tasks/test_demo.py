"""rnnkit demo: one folder, one table, one report linking each job's own report."""
import json

import pytest

from rnnkit.cli import main


def test_demo_writes_a_report_linking_each_job(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "demo"), "--only", "forecast"]) == 0
    out = capsys.readouterr().out
    assert "beats baseline" in out and "strongest of" in out
    folder = tmp_path / "demo"
    rows = json.loads((folder / "metrics.json").read_text())["jobs"]
    assert [r["job"] for r in rows] == ["forecast"]
    forecast = json.loads((folder / "forecast" / "metrics.json").read_text())
    assert rows[0]["baseline"] == min(b["rmse"] for b in forecast["baselines"].values())
    verdict = "yes" if rows[0]["model"] < rows[0]["baseline"] else "NO"   # RMSE: lower wins
    page = (folder / "report.html").read_text()
    assert 'href="forecast/report.html"' in page and 'src="forecast/forecast.png"' in page
    assert "<th>beats baseline</th>" in page and f"<td>{verdict}</td>" in page
    assert (folder / "forecast" / "report.html").is_file()


def test_an_unknown_demo_job_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--out", str(tmp_path / "d"), "--only", "nope"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()
