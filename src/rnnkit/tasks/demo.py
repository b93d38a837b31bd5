"""`rnnkit demo`: the main job. Every task on the bundled real data with short settings, each
scored against its strongest simple baseline, then one table and one report that links the
runs.

    rnnkit demo                      # a few minutes on 2 cores
    rnnkit demo --only translate     # one job (repeatable)
    rnnkit demo --quiet              # no progress lines, only each job's line and the table

Every job's budget is in steps or epochs, never minutes: on a busy machine the demo takes
longer and scores the same. While a job runs, a line names it with its training steps so far
at least every HEARTBEAT_SECONDS. A job whose baseline scores at least as well as its model
is marked "BASELINE WINS" in the table and the report. The full settings (the figures in the
README) come from each task's own command.
"""
from __future__ import annotations

import argparse
import html
import threading
import time
from pathlib import Path
from typing import Any, Callable

from torch.optim.optimizer import register_optimizer_step_post_hook

from .runs import default_run_dir, run_folder, write_json

HEARTBEAT_SECONDS = 8.0       # a progress line at least this often while a job runs


def _strongest(result: dict, metrics: dict, key: str, better: str,
               names: dict[str, str] | None = None) -> tuple[float, str]:
    """(score, name) of a task's strongest baseline: the task's own `baseline` and
    `baseline_score` when it gives them, else the best of metrics["baselines"] on `key`."""
    for source in (result, metrics):
        score, name = source.get("baseline_score"), source.get("baseline")
        if isinstance(score, (int, float)) and isinstance(name, str):
            return float(score), (names or {}).get(name, name.replace("_", " "))
    pick = min if better == "lower" else max
    name, b = pick(metrics["baselines"].items(), key=lambda kv: kv[1][key])
    return float(b[key]), (names or {}).get(name, name.replace("_", " "))


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
    result = classify_text(quick=True, out=out)
    m = result["metrics"]
    score, name = _strongest(result, m, "accuracy", "higher")
    return {"task": "classify", "data": "sentiment sentences, 20% held out",
            "metric": "accuracy", "model": m["model"]["accuracy"], "model_name": "BiLSTM",
            "baseline": score, "baseline_name": name, "better": "higher",
            "plot": "confusion.png"}


def _classify_vowels(out: Path) -> dict[str, Any]:
    from .classify import classify_sequences
    result = classify_sequences(quick=True, out=out)
    m = result["metrics"]
    score, name = _strongest(result, m, "accuracy", "higher")
    return {"task": "classify", "data": "Japanese vowels, official test split",
            "metric": "accuracy", "model": m["model"]["accuracy"], "model_name": "BiGRU",
            "baseline": score, "baseline_name": name, "better": "higher",
            "plot": "confusion.png"}


def _generate(out: Path) -> dict[str, Any]:
    from .generate import generate
    m = generate(quick=True, out=out, verbose=0)
    return {"task": "generate", "data": "Tiny Shakespeare, last 10% held out",
            "metric": "nats/char", "model": m["val_nats_per_char"], "model_name": "char LSTM",
            "baseline": m["baselines"]["unigram"], "baseline_name": "unigram frequencies",
            "better": "lower", "plot": "curves.png"}


def _tag(out: Path) -> dict[str, Any]:
    from .tag import tag
    result = tag(quick=True, out=out)
    m = result["metrics"]
    score, name = _strongest(result, m, "accuracy", "higher",
                             {"most_frequent_tag": "most frequent tag per word"})
    return {"task": "tag", "data": "UD English EWT, test split (25k words)",
            "metric": "accuracy", "model": m["model"]["accuracy"], "model_name": "BiLSTM tagger",
            "baseline": score, "baseline_name": name, "better": "higher",
            "plot": "confusion.png"}


def _entities(out: Path) -> dict[str, Any]:
    from .ner import ner
    result = ner(quick=True, out=out)
    m = result["metrics"]
    score, name = _strongest(result, m, "f1", "higher",
                             {"gazetteer": "gazetteer of training entities"})
    return {"task": "ner", "data": "Universal NER EWT, test split (1,088 entities)",
            "metric": "entity F1", "model": m["model"]["f1"], "model_name": "BiLSTM-CRF",
            "baseline": score, "baseline_name": name, "better": "higher",
            "plot": "f1_by_type.png"}


def _translate(out: Path) -> dict[str, Any]:
    from .translate import translate
    m = translate(quick=True, out=out, verbose=0)
    return {"task": "translate", "data": "Tatoeba zh->en, 558 test pairs", "metric": "chrF",
            "model": m["test"]["model"]["chrf"],
            "model_name": f"seq2seq + attention, BLEU {m['test']['model']['bleu']:.1f}",
            "baseline": m["test"]["retrieval_baseline"]["chrf"],
            "baseline_name": "retrieval (nearest training source), BLEU "
                             f"{m['test']['retrieval_baseline']['bleu']:.1f}",
            "better": "higher", "plot": "attention.png"}


def _speech(out: Path) -> dict[str, Any]:
    from .speech import speech
    m = speech(quick=True, out=out)["metrics"]
    return {"task": "speech", "data": "spoken digit strings, official test split",
            "metric": "digit error %", "model": 100 * m["model"]["error_rate"],
            "model_name": "BiMinGRU + CTC", "baseline": 100 * m["baseline"]["error_rate"],
            "baseline_name": "segmentation + DTW", "better": "lower", "plot": "alignment.png"}


def _music(out: Path) -> dict[str, Any] | None:
    try:
        import music21  # noqa: F401
    except ImportError:
        print("   skipped: the music job reads music21's tune corpus; install it with "
              "pip install -e \".[music]\" (or \".[demo]\")", flush=True)
        return None
    from .compose import compose
    m = compose(quick=True, out=out, quiet=True)["metrics"]
    return {"task": "compose", "data": "Ryan's Mammoth Collection, 106 held-out tunes",
            "metric": "bits/token", "model": m["model"]["bits_per_token"],
            "model_name": f"LSTM x2 ({m['model']['parses_and_bars_right']:.0%} of samples "
                          "in meter)",
            "baseline": m["baseline"]["bits_per_token"],
            "baseline_name": f"{m['baseline']['name'].split(',')[0]}",
            "better": "lower",
            "plot": "pianoroll.png" if (out / "pianoroll.png").exists() else "curves.png"}


JOBS: dict[str, Callable[[Path], dict[str, Any] | None]] = {
    "forecast": _forecast, "sentiment": _classify_text, "vowels": _classify_vowels,
    "shakespeare": _generate, "tagging": _tag, "entities": _entities,
    "translate": _translate, "speech": _speech, "music": _music,
}


class Heartbeat:
    """While a job runs, a line every `every` seconds: the job, its optimizer steps so far
    (every torch optimizer's step counts, through torch's global step hook) and the time.

        with Heartbeat("translate", 8.0, position="7/8"):
            ...                    # '   ... translate (7/8): 1,234 training steps, 16 s'
    """

    def __init__(self, job: str, every: float | None = None, position: str = "",
                 enabled: bool = True):
        self.job, self.position, self.enabled = job, position, enabled
        self.every = HEARTBEAT_SECONDS if every is None else every
        self.steps, self._stop = 0, threading.Event()

    def _count(self, optimizer, args, kwargs) -> None:
        self.steps += 1

    def _beat(self) -> None:
        while not self._stop.wait(self.every):
            where = f" ({self.position})" if self.position else ""
            print(f"   ... {self.job}{where}: {self.steps:,} training steps, "
                  f"{time.perf_counter() - self.started:.0f} s", flush=True)

    def __enter__(self) -> "Heartbeat":
        self.started = time.perf_counter()
        self._hook = register_optimizer_step_post_hook(self._count)
        if self.enabled:
            self._thread = threading.Thread(target=self._beat, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._hook.remove()
        if self.enabled:
            self._thread.join()


def demo(out=None, only: list[str] | None = None, quiet: bool = False) -> list[dict[str, Any]]:
    """Run the jobs (all, or `only`) into one folder; return one row of scores per job."""
    unknown = sorted(set(only or []) - set(JOBS))
    if unknown:
        from ..errors import UserError
        raise UserError(f"unknown demo job(s) {unknown}; choose from {', '.join(JOBS)}.")
    out = Path(out) if out else default_run_dir("demo")
    names, rows = only or list(JOBS), []
    with run_folder(out) as folder:
        for k, name in enumerate(names):
            print(f"== {name} ({k + 1}/{len(names)}) ...", flush=True)
            t0 = time.perf_counter()
            with Heartbeat(name, position=f"{k + 1}/{len(names)}", enabled=not quiet) as beat:
                row = JOBS[name](folder / name)
            if row is None:                             # an optional dependency is missing
                continue
            row.update(job=name, seconds=time.perf_counter() - t0, steps=beat.steps)
            rows.append(row)
            print(_line(row), flush=True)
        write_json(folder / "metrics.json", {"task": "demo", "jobs": rows})
        _write_index(folder, rows)
    print(f"\n{_table(rows)}\n\nreport: {out / 'report.html'}")
    return rows


def baseline_wins(row: dict[str, Any]) -> bool:
    """True when the strongest baseline scores at least as well as the model."""
    lower = row["better"] == "lower"
    return row["baseline"] <= row["model"] if lower else row["baseline"] >= row["model"]


def _verdict(row: dict[str, Any]) -> str:
    return "BASELINE WINS" if baseline_wins(row) else "model wins"


def _line(row: dict[str, Any]) -> str:
    return (f"   {row['model_name']}: {row['metric']} {row['model']:.4g}   "
            f"{row['baseline_name']}: {row['baseline']:.4g}   {_verdict(row)}   "
            f"({row['steps']:,} training steps, {row['seconds']:.0f} s)")


def _table(rows: list[dict[str, Any]]) -> str:
    head = ("job", "data", "metric", "model", "strongest baseline", "verdict", "seconds")
    lines = [head]
    for r in rows:
        lines.append((r["job"], r["data"], r["metric"], f"{r['model']:.4g} ({r['model_name']})",
                      f"{r['baseline']:.4g} ({r['baseline_name']})", _verdict(r),
                      f"{r['seconds']:.0f}"))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip()
                     for line in lines)


def _write_index(folder: Path, rows: list[dict[str, Any]]) -> None:
    cells = "".join(
        ("<tr class='lost'>" if baseline_wins(r) else "<tr>") +
        f"<td><a href=\"{r['job']}/report.html\">{html.escape(r['job'])}</a></td>"
        f"<td>{html.escape(r['data'])}</td><td>{html.escape(r['metric'])}</td>"
        f"<td>{r['model']:.4g} ({html.escape(r['model_name'])})</td>"
        f"<td>{r['baseline']:.4g} ({html.escape(r['baseline_name'])})</td>"
        f"<td>{_verdict(r)}</td><td>{r['seconds']:.0f}</td></tr>" for r in rows)
    figures = "".join(
        f"<h2><a href=\"{r['job']}/report.html\">{html.escape(r['job'])}</a></h2>"
        f"<img src=\"{r['job']}/{r['plot']}\" alt=\"{html.escape(r['job'])}\">" for r in rows)
    (folder / "report.html").write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>rnnkit demo</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; }}
td, th {{ border: 1px solid #ccc; padding: 4px 10px; }} table {{ border-collapse: collapse; }}
tr.lost td {{ background: #fde8e8; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}</style></head><body>
<h1>rnnkit demo: recurrent networks on real data, against baselines</h1>
<p>Short settings (budgets in steps or epochs); each task's own report has the details,
plots and saved model. Each model is compared with its task's strongest simple baseline;
a row in red is a job where that baseline scores at least as well as the model.</p>
<table><tr><th>job</th><th>data</th><th>metric</th><th>model</th><th>strongest baseline</th>
<th>verdict</th><th>seconds</th></tr>{cells}</table>
{figures}
</body></html>
""", encoding="utf-8")


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", help="run folder (default runs/demo-<time>)")
    parser.add_argument("--only", action="append", choices=list(JOBS),
                        help="run only this job (repeatable)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress lines while a job runs")


def main(args: argparse.Namespace) -> int:
    demo(out=args.out, only=args.only, quiet=args.quiet)
    return 0
