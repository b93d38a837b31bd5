"""Forecast quality at the full settings: the model against seasonal naive, over several seeds.

    .venv/bin/python benchmarks/quality_forecast.py                 # airline and CO2, 5 seeds
    .venv/bin/python benchmarks/quality_forecast.py --data airline --seeds 0 1 2

Each row runs `rnnkit.tasks.forecast.forecast` (the code behind `rnnkit forecast`) once per
seed and prints the mean, spread (standard deviation) and range of the test scores, beside
the seasonal naive baseline (deterministic) and, for reference only, seasonal naive with a
constant drift (the mean seasonal log difference before each block: what a model that only
learned "the average growth" would score). Rows: the defaults (LSTM, early stopping) and
GRU on airline; the defaults on CO2. Runs go to a temporary folder. (A row with
patience=1000 epochs=100 used to stand here as "without early stopping"; it scored exactly
the defaults because the best validation epoch's weights are restored either way.)
"""
from __future__ import annotations

import argparse
import os
import shlex
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from rnnkit.datasets import dataset_path, read_csv_column
from rnnkit.preprocessing.timeseries import fill_missing, mape, rmse
from rnnkit.tasks.forecast import forecast

CO2 = str(dataset_path("co2_mauna_loa") / "co2_weekly.csv")
SETTINGS = {
    "airline": {"path": None, "column": "Passengers", "season": 12, "horizon": 12,
                "test_size": 24},
    "co2": {"path": CO2, "column": "co2", "season": 52, "horizon": 52, "test_size": 104,
            "batch_size": 64},
}

# Rows of the table: the defaults, then variants that show what the network contributes.
ROWS = [
    ("airline", {}),
    ("airline", {"cell": "gru"}),
    ("co2", {}),
]


def command(name: str, extra: dict) -> str:
    s = {**SETTINGS[name], **extra}
    path = [os.path.relpath(s["path"])] if s["path"] else []
    argv = ["rnnkit", "forecast", *path, "--column", s["column"]]
    for k, v in s.items():
        if k not in ("path", "column"):
            argv += [f"--{k.replace('_', '-')}", str(v)]
    return shlex.join(argv + ["--seed", "S"])


def drift_reference(name: str) -> tuple[float, float]:
    """Seasonal naive times the mean seasonal growth before each block (log scale)."""
    s = SETTINGS[name]
    path = s["path"] or dataset_path("airline_passengers") / "airline_passengers.csv"
    y = read_csv_column(path, s["column"])[1]
    season, h, n_pre = s["season"], s["horizon"], len(y) - s["test_size"]
    preds = []
    for start in range(n_pre, len(y), h):
        z = np.log(fill_missing(y[:start], "interpolate"))
        drift = np.mean(z[season:] - z[:-season])
        preds.append(np.exp(z[start - season:start - season + h] + drift)[:len(y) - start])
    truth, pred = y[n_pre:], np.concatenate(preds)
    ok = ~np.isnan(truth)
    return rmse(truth[ok], pred[ok]), mape(truth[ok], pred[ok])


def run(name: str, seeds: list[int], extra: dict, root: Path) -> dict:
    scores, started = [], time.time()
    for seed in seeds:
        r = forecast(**SETTINGS[name], **extra, seed=seed, out=root / f"{name}-{seed}")
        scores.append((r["model"]["rmse"], r["model"]["mape"]))
        print(f"  {name} seed {seed}: MAPE {r['model']['mape']:.2f}%  RMSE "
              f"{r['model']['rmse']:.3f}  epochs {r['epochs_run']}", flush=True)
    s = np.array(scores)
    return {"name": name, "extra": extra, "rmse": s[:, 0], "mape": s[:, 1],
            "baseline": (r["baseline"]["rmse"], r["baseline"]["mape"]),
            "drift": drift_reference(name), "seconds": (time.time() - started) / len(seeds),
            "protocol": r["protocol"]["description"], "model": r["model"]["name"]}


def _value(text: str):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", choices=("airline", "co2", "both"), default="both")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE",
                        help="one row per data set with these forecast() settings instead "
                        "of the standard rows, e.g. cell=gru window=24")
    args = parser.parse_args()
    torch.set_num_threads(2)
    extra = {k: _value(v) for k, v in (item.split("=", 1) for item in args.set)}
    todo = [(name, {**variant, **extra}) for name, variant in ROWS
            if args.data in (name, "both") and (not extra or not variant)]
    with tempfile.TemporaryDirectory() as tmp:
        rows = [run(name, args.seeds, variant, Path(tmp)) for name, variant in todo]
    print(f"\nseeds {args.seeds}; mean ± std (min..max) over seeds\n")
    print("| data | model | settings | MAPE % | RMSE | seasonal naive MAPE % / RMSE | "
          "naive+drift MAPE % / RMSE | s/seed |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        m, e = r["mape"], r["rmse"]
        changed = " ".join(f"{k}={v}" for k, v in r["extra"].items()) or "defaults"
        print(f"| {r['name']} | {r['model']} | {changed} | {m.mean():.2f} ± {m.std():.2f} "
              f"({m.min():.2f}.."
              f"{m.max():.2f}) | {e.mean():.3f} ± {e.std():.3f} | {r['baseline'][1]:.2f} / "
              f"{r['baseline'][0]:.3f} | {r['drift'][1]:.2f} / {r['drift'][0]:.3f} | "
              f"{r['seconds']:.0f} |")
    print()
    for r in rows:
        print(command(r["name"], r["extra"]))
    for name in dict.fromkeys(r["name"] for r in rows):
        print(f"{name} protocol: {next(r['protocol'] for r in rows if r['name'] == name)}")


if __name__ == "__main__":
    main()
