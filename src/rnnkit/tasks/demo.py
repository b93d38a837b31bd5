"""`rnnkit demo`: the main job. Every task on the bundled real data with short settings, each
scored against its baseline, then one table and one report that links the four runs.

    rnnkit demo                      # about 2-3 minutes on 2 cores
    rnnkit demo --out runs/demo      # choose the folder

The full settings (the figures in the README) come from each task's own command.
"""
from __future__ import annotations

import argparse
import html
import time
from pathlib import Path
from typing import Any, Callable

from .runs import default_run_dir, run_folder, write_json


def _forecast(out: Path) -> dict[str, Any]:
    from .forecast import forecast
    m = forecast(quick=True, out=out, verbose=0)
    return {"task": "forecast", "data": "airline passengers, last 24 months",
            "metric": "RMSE", "model": m["model"]["rmse"], "model_name": m["model"]["name"],
            "baseline": m["baseline"]["rmse"],
            "baseline_name": f"{m['baseline']['name']}, strongest of {len(m['baselines'])}",
            "better": "lower", "plot": "forecast.png"}


def _classify_text(out: Path) -> dict[str, Any]:
    from .classify import classify_text
    m = classify_text(quick=True, out=out)["metrics"]
    return {"task": "classify", "data": "sentiment sentences, 20% held out",
            "metric": "accuracy", "model": m["model"]["accuracy"], "model_name": "BiLSTM",
            "baseline": m["baselines"]["majority_class"]["accuracy"],
            "baseline_name": "majority class", "better": "higher", "plot": "confusion.png"}


def _classify_vowels(out: Path) -> dict[str, Any]:
    from .classify import classify_sequences
    m = classify_sequences(quick=True, out=out)["metrics"]
    return {"task": "classify", "data": "Japanese vowels, official test split",
            "metric": "accuracy", "model": m["model"]["accuracy"], "model_name": "BiGRU",
            "baseline": m["baselines"]["majority_class"]["accuracy"],
            "baseline_name": "majority class", "better": "higher", "plot": "confusion.png"}


def _generate(out: Path) -> dict[str, Any]:
    from .generate import generate
    m = generate(quick=True, out=out, verbose=0)
    return {"task": "generate", "data": "Tiny Shakespeare, last 10% held out",
            "metric": "nats/char", "model": m["val_nats_per_char"], "model_name": "char LSTM",
            "baseline": m["baselines"]["unigram"], "baseline_name": "unigram frequencies",
            "better": "lower", "plot": "curves.png"}


def _tag(out: Path) -> dict[str, Any]:
    from .tag import tag
    m = tag(quick=True, out=out)["metrics"]
    return {"task": "tag", "data": "UD English EWT, test split (25k words)",
            "metric": "accuracy", "model": m["model"]["accuracy"], "model_name": "BiLSTM tagger",
            "baseline": m["baselines"]["most_frequent_tag"]["accuracy"],
            "baseline_name": "most frequent tag per word", "better": "higher",
            "plot": "confusion.png"}


def _entities(out: Path) -> dict[str, Any]:
    from .ner import ner
    m = ner(quick=True, out=out)["metrics"]
    return {"task": "ner", "data": "Universal NER EWT, test split (1,088 entities)",
            "metric": "entity F1", "model": m["model"]["f1"], "model_name": "BiLSTM-CRF",
            "baseline": m["baselines"]["gazetteer"]["f1"],
            "baseline_name": "gazetteer of training entities", "better": "higher",
            "plot": "f1_by_type.png"}


def _translate(out: Path) -> dict[str, Any]:
    from .translate import translate
    m = translate(quick=True, out=out, verbose=0)
    return {"task": "translate", "data": "Tatoeba zh->en, 558 test pairs", "metric": "BLEU",
            "model": m["test"]["model"]["bleu"], "model_name": "seq2seq + attention",
            "baseline": m["test"]["retrieval_baseline"]["bleu"],
            "baseline_name": "retrieval (nearest training source)", "better": "higher",
            "plot": "attention.png"}


def _speech(out: Path) -> dict[str, Any]:
    from .speech import speech
    m = speech(quick=True, out=out)["metrics"]
    return {"task": "speech", "data": "spoken digit strings, official test split",
            "metric": "digit error %", "model": 100 * m["model"]["error_rate"],
            "model_name": "BiMinGRU + CTC", "baseline": 100 * m["baseline"]["error_rate"],
            "baseline_name": "segmentation + DTW", "better": "lower", "plot": "alignment.png"}


JOBS: dict[str, Callable[[Path], dict[str, Any]]] = {
    "forecast": _forecast, "sentiment": _classify_text, "vowels": _classify_vowels,
    "shakespeare": _generate, "tagging": _tag, "entities": _entities,
    "translate": _translate, "speech": _speech,
}


def demo(out=None, only: list[str] | None = None) -> list[dict[str, Any]]:
    """Run the jobs (all, or `only`) into one folder; return one row of scores per job."""
    unknown = sorted(set(only or []) - set(JOBS))
    if unknown:
        from ..errors import UserError
        raise UserError(f"unknown demo job(s) {unknown}; choose from {', '.join(JOBS)}.")
    out = Path(out) if out else default_run_dir("demo")
    rows = []
    with run_folder(out) as folder:
        for name in only or list(JOBS):
            print(f"== {name} ...", flush=True)
            t0 = time.perf_counter()
            row = JOBS[name](folder / name)
            row.update(job=name, seconds=time.perf_counter() - t0)
            rows.append(row)
            print(_line(row), flush=True)
        write_json(folder / "metrics.json", {"task": "demo", "jobs": rows})
        _write_index(folder, rows)
    print(f"\n{_table(rows)}\n\nreport: {out / 'report.html'}")
    return rows


def _line(row: dict[str, Any]) -> str:
    return (f"   {row['model_name']}: {row['metric']} {row['model']:.4g}   "
            f"{row['baseline_name']}: {row['baseline']:.4g}   ({row['seconds']:.0f} s)")


def _beats(row: dict[str, Any]) -> str:
    lower = row["better"] == "lower"
    wins = row["model"] < row["baseline"] if lower else row["model"] > row["baseline"]
    return "yes" if wins else "NO"


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("job", "data", "metric", "model", "baseline", "beats baseline", "seconds")
    lines = [head]
    for r in rows:
        lines.append((r["job"], r["data"], r["metric"], f"{r['model']:.4g} ({r['model_name']})",
                      f"{r['baseline']:.4g} ({r['baseline_name']})", _beats(r),
                      f"{r['seconds']:.0f}"))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip()
                     for line in lines)


def _write_index(folder: Path, rows: list[dict[str, Any]]) -> None:
    cells = "".join(
        f"<tr><td><a href=\"{r['job']}/report.html\">{html.escape(r['job'])}</a></td>"
        f"<td>{html.escape(r['data'])}</td><td>{html.escape(r['metric'])}</td>"
        f"<td>{r['model']:.4g} ({html.escape(r['model_name'])})</td>"
        f"<td>{r['baseline']:.4g} ({html.escape(r['baseline_name'])})</td>"
        f"<td>{_beats(r)}</td><td>{r['seconds']:.0f}</td></tr>" for r in rows)
    figures = "".join(
        f"<h2><a href=\"{r['job']}/report.html\">{html.escape(r['job'])}</a></h2>"
        f"<img src=\"{r['job']}/{r['plot']}\" alt=\"{html.escape(r['job'])}\">" for r in rows)
    (folder / "report.html").write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rnnkit demo</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; }}
td, th {{ border: 1px solid #ccc; padding: 4px 10px; }} table {{ border-collapse: collapse; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}</style></head><body>
<h1>rnnkit demo: recurrent networks on real data, against baselines</h1>
<p>Short settings; each task's own report has the details, plots and saved model.</p>
<table><tr><th>job</th><th>data</th><th>metric</th><th>model</th><th>baseline</th>
<th>beats baseline</th><th>seconds</th></tr>{cells}</table>
{figures}
</body></html>
""", encoding="utf-8")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", help="run folder (default runs/demo-<time>)")
    parser.add_argument("--only", action="append", choices=list(JOBS),
                        help="run only this job (repeatable)")


def main(args: argparse.Namespace) -> int:
    demo(out=args.out, only=args.only)
    return 0
