"""Forecast a time series from a CSV column: an LSTM or GRU against the seasonal naive baseline.

    rnnkit forecast co2_weekly.csv --column co2 --season 52 --horizon 52 --test-size 104

The recipe (every statistic comes from data before the test span):

    z_t = log y_t            when every value is positive (--log auto), else z_t = y_t
    d_t = z_t - z_{t-s}      seasonal differences, s = season (1 without a season)
    x = scale(d)             StandardScaler fitted on the training part only
    d_hat = Dense(H)(LSTM(x[t-W+1 .. t]))     direct multi-step: H steps from one output
    z_hat_{t+h} = z_{t+h-s} + d_hat_h         (forecasts stand in beyond t), y_hat = exp(z_hat)

Time order: train | validation (early stopping) | test (the last `test_size` points). The
test span is forecast in blocks of `horizon`, each from the true values before it like the
seasonal naive baseline (protocol 'blocks', the default), or from the model's own forecasts
of earlier blocks ('recursive'). The model is never refitted on test values. The run folder
holds model/ (model-2/, ... for an ensemble), scaler.json, task.json, metrics.json,
curves.png, forecast.png and report.html.
"""
from __future__ import annotations

import argparse
import contextlib
import html
import inspect
import json
import shlex
from pathlib import Path
from typing import Any

import numpy as np
import torch

from rnnkit.callbacks import EarlyStopping
from rnnkit.cli import UserError
from rnnkit.datasets import DataError, dataset_path, read_csv_column
from rnnkit.layers import GRU, LSTM, Dense, Input
from rnnkit.models import Sequential, load_model
from rnnkit.optimizers import Adam
from rnnkit.preprocessing.timeseries import (MISSING_POLICIES, StandardScaler, fill_missing,
                                             make_windows, mape, rmse, seasonal_naive,
                                             time_split)
from rnnkit.tasks.runs import (default_run_dir, plot_learning_curves, plt, run_folder,
                               write_json, write_report)
from rnnkit.utils import set_random_seed

CELLS = ("lstm", "gru")
PROTOCOLS = ("blocks", "recursive")
QUICK = {"members": 1, "epochs": 60, "patience": 10, "max_windows": 256}


@contextlib.contextmanager
def _one_thread():
    # Models this small run fastest on one thread; more threads only add contention.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


# ----------------------------------------------------------------------------- the series

def load_series(path=None, column=None, missing="interpolate"):
    """(source, column, index, values) of a CSV column, by default the bundled airline data
    and the file's last column. 'drop' removes missing steps, 'error' raises if there are any;
    otherwise NaN stay for the caller to fill from the data before each forecast."""
    if missing not in MISSING_POLICIES:
        raise UserError(f"Unknown missing-value policy {missing!r}. Expected one of "
                        f"{', '.join(MISSING_POLICIES)}.")
    if path is None:
        path = dataset_path("airline_passengers") / "airline_passengers.csv"
        column = "Passengers" if column is None else column
    index, values = read_csv_column(path, -1 if column is None else column)
    if column is None:                            # the header's last name, for the report
        header = Path(path).read_text(encoding="utf-8-sig").split("\n", 1)[0]
        column = header.split("\t" if "\t" in header else "," if "," in header else ";")[-1]
    gaps = np.isnan(values)
    if missing == "error" and gaps.any():
        where = ", ".join(index[i] for i in np.flatnonzero(gaps)[:3])
        raise DataError(f"{path}: column {column!r} has {int(gaps.sum())} missing value(s), "
                        f"first at {where}. Choose --missing interpolate, ffill or drop.")
    if missing == "drop":
        index, values = [i for i, g in zip(index, gaps, strict=True) if not g], values[~gaps]
    return str(path), str(column).strip(), index, values


def _fill(values, missing: str):
    """The series with its gaps filled by the policy ('drop' has removed them already)."""
    return fill_missing(values, "interpolate" if missing == "drop" else missing)


def detect_season(values, max_lag: int = 400) -> int:
    """The lag of the highest autocorrelation peak, after the first negative value, of the
    series minus a quadratic trend; 1 (no season) if that peak is below 0.3.

    >>> t = np.arange(120.0)
    >>> detect_season(t + 10 * np.sin(2 * np.pi * t / 12))
    12
    """
    v = fill_missing(np.asarray(values, dtype=np.float64), "interpolate")
    t = np.arange(len(v))
    r = v - np.polyval(np.polyfit(t, v, 2), t) if len(v) >= 9 else np.zeros(1)   # detrended
    if not r.any():
        return 1
    acf = np.array([r[k:] @ r[:-k] for k in range(1, min(max_lag, len(v) // 3) + 1)]) / (r @ r)
    negative = np.flatnonzero(acf < 0)                # acf[k] is the autocorrelation at lag k+1
    start = negative[0] + 1 if len(negative) else len(acf)
    peaks = [k for k in range(start, len(acf) - 1) if acf[k - 1] <= acf[k] >= acf[k + 1]]
    best = max(peaks, key=acf.__getitem__, default=None)
    return best + 1 if best is not None and acf[best] > 0.3 else 1


class Differencer:
    """y <-> d: optional log, then seasonal differences d_t = z_t - z_{t-s}."""

    def __init__(self, season: int, log: bool):
        self.season, self.log = season, log

    def to_z(self, y):
        return np.log(y) if self.log else np.asarray(y, dtype=np.float64)

    def differences(self, y):
        z, s = self.to_z(y), self.season
        return z[s:] - z[:-s]                                   # d[i] belongs to y[i + s]

    def undo(self, y_history, d_hat):
        """z_hat_{n+h} = z_{n+h-s} + d_hat_h, earlier forecasts standing in for unknown z."""
        n = len(y_history)
        z = np.concatenate([self.to_z(y_history), np.zeros(len(d_hat))])
        for h, d in enumerate(d_hat):
            z[n + h] = z[n + h - self.season] + d
        return np.exp(z[n:]) if self.log else z[n:]


# ----------------------------------------------------------------------------- the model

def build_model(cell: str, units: int, window: int, horizon: int, learning_rate: float):
    recurrent = LSTM(units) if cell == "lstm" else GRU(units)
    model = Sequential([Input(shape=(window, 1)), recurrent, Dense(horizon)])
    model.compile(optimizer=Adam(learning_rate=learning_rate), loss="mse")
    return model


def forecast_next(models, scaler, differ, y_history, window: int, horizon: int, steps: int):
    """`steps` values after y_history: blocks of `horizon`, later blocks from earlier ones."""
    y, out = np.asarray(y_history, dtype=np.float64), []
    while len(out) < steps:
        x = scaler.transform(differ.differences(y)[-window:]).astype(np.float32)  # (W,)
        d_scaled = np.mean([m.predict(x[None, :, None], verbose=0)[0] for m in models], axis=0)
        y_hat = differ.undo(y, scaler.inverse_transform(d_scaled.astype(np.float64)))
        out.extend(y_hat)
        y = np.concatenate([y, y_hat])
    return np.array(out[:steps])


def _windows(d_scaled, s, max_windows=None):
    """Training windows: targets in the training part; validation: targets in validation.
    d_scaled[i] belongs to y[i + season]; validation inputs may reach back into training."""
    first_val, end = s["n_train"] - s["season"], s["n_pre"] - s["season"]      # in d_scaled
    W, H = s["window"], s["horizon"]
    X, Y = make_windows(d_scaled[:first_val], W, H)
    train = (X[-max_windows:], Y[-max_windows:]) if max_windows else (X, Y)
    val_ok = end - first_val >= H                # room for one whole validation target
    return train, make_windows(d_scaled[first_val - W:end], W, H) if val_ok else None


def _fit_members(train, val, s, verbose: int):
    """Fit `members` models from seeds seed, seed + 1000, ... (nearby runs share none)."""
    models, histories = [], []
    for k in range(s["members"]):
        set_random_seed(s["seed"] + 1000 * k)
        model = build_model(s["cell"], s["units"], s["window"], s["horizon"], s["learning_rate"])
        stop = [EarlyStopping(patience=s["patience"], restore_best_weights=True)] if val else []
        history = model.fit(*train, epochs=s["epochs"], batch_size=s["batch_size"],
                            validation_data=val, callbacks=stop,
                            verbose=1 if verbose >= 2 else 0).history
        models.append(model)
        histories.append(history)
        if verbose:
            best = f", best val_loss {min(history['val_loss']):.4f}" if val else ""
            print(f"model {k + 1}/{s['members']}: {len(history['loss'])} epochs{best}")
    return models, histories


# ----------------------------------------------------------------------------- the recipe

def forecast(path=None, column=None, *, horizon: int = 12, window: int | None = None,
             cell: str = "lstm", units: int = 32, epochs: int = 300, batch_size: int = 16,
             season: int | str | None = 12, test_size: int = 24, val_fraction: float = 0.1,
             missing: str = "interpolate", log: str | bool = "auto", protocol: str = "blocks",
             members: int = 3, patience: int = 30, learning_rate: float = 3e-3, seed: int = 0,
             out=None, quick: bool = False, verbose: int = 0) -> dict[str, Any]:
    """Train on a series, score the last `test_size` points against seasonal naive, save a run.

    season: an int, 'auto' (detected on the data before the test span) or None (first
    differences; the baseline is then the naive last value). window: past steps the model
    sees, by default one season (at least the horizon). members: models from seeds seed,
    seed + 1000, ... whose forecasts are averaged. quick: the short demo settings. Returns the
    metrics (as in metrics.json) and 'run_dir'."""
    settings = {k: v for k, v in locals().items() if k not in ("path", "out")}
    if quick:
        settings.update({k: min(settings[k], QUICK[k]) for k in ("members", "epochs", "patience")})
    s = _plan(path, column, settings)             # every check before training or writing
    out = Path(out) if out is not None else default_run_dir("forecast")
    overwrite = _may_replace(out)

    # fit: the scaler and the windows see only the data before the test span
    differ = Differencer(s["season"], s["log"])
    d = differ.differences(_fill(s["raw"][:s["n_pre"]], missing))        # (n_pre - season,)
    scaler = StandardScaler().fit(d[:s["n_train"] - s["season"]])        # training part only
    train, val = _windows(scaler.transform(d).astype(np.float32), s,
                          QUICK["max_windows"] if quick else None)
    with _one_thread():
        models, histories = _fit_members(train, val, s, verbose)
        y_model, y_base = _test_forecasts(s, lambda history: forecast_next(
            models, scaler, differ, history, s["window"], s["horizon"], s["horizon"]))
    metrics = _metrics(s, y_model, y_base, len(train[0]), val, histories)
    tail = s["window"] + s["season"]                # what predict() needs to forecast on
    task = {"task": "forecast", "version": 1, "column": s["column"], "missing": missing,
            **{k: s[k] for k in ("window", "horizon", "season", "log")},
            "members": ["model"] + [f"model-{k}" for k in range(2, s["members"] + 1)],
            "settings": {k: s[k] for k in settings}, "source": s["source"],
            "tail": {"index": s["index"][-tail:], "values": _fill(s["raw"], missing)[-tail:]}}
    with run_folder(out, overwrite=overwrite) as tmp:
        for name, model in zip(task["members"], models, strict=True):
            model.save(tmp / name)
        write_json(tmp / "scaler.json", scaler.to_dict())
        write_json(tmp / "task.json", task)
        write_json(tmp / "metrics.json", metrics)
        curves = histories[0] if len(histories) == 1 else {
            f"{key} (member {k + 1})": v for k, h in enumerate(histories) for key, v in h.items()}
        plot_learning_curves(curves, tmp / "curves.png",
                             "Learning curves: mse on the scaled seasonal differences")
        _plot_forecast(tmp / "forecast.png", s, y_model, y_base, metrics)
        _write_report(tmp, metrics, task["settings"])
    return {**metrics, "run_dir": str(out)}


def _plan(path, column, settings: dict) -> dict[str, Any]:
    """Check the settings and the series; resolve season, window, log and the split."""
    s = dict(settings)
    _check_ints(**{k: s[k] for k in ("horizon", "units", "epochs", "batch_size", "test_size",
                                    "members", "patience", "seed")})
    for name, allowed in (("cell", CELLS), ("protocol", PROTOCOLS)):
        if s[name] not in allowed:
            raise UserError(f"Unknown {name} {s[name]!r}. Expected one of {', '.join(allowed)}.")
    if not 0.0 <= s["val_fraction"] < 1.0:
        raise UserError(f"val_fraction must be in [0, 1), got {s['val_fraction']}. Example: 0.1.")
    s["source"], s["column"], s["index"], s["raw"] = load_series(path, column, s["missing"])
    n, test_size, horizon = len(s["raw"]), s["test_size"], s["horizon"]
    s["n_pre"] = n_pre = n - test_size
    if s["season"] == "auto":
        s["season"] = detect_season(s["raw"][:max(n_pre, 2)])
    s["season"] = season = 1 if s["season"] is None else s["season"]
    _check_ints(season=season, window=s["window"] or 1)
    s["window"] = window = s["window"] or max(season, horizon)
    positive = bool(np.nanmin(s["raw"][:max(n_pre, 1)]) > 0)        # decided before the test
    if s["log"] is True and not positive:
        raise DataError(f"{s['source']}: --log yes needs every value > 0, the minimum is "
                        f"{np.nanmin(s['raw'][:max(n_pre, 1)]):g}. Use --log no (or auto).")
    s["log"] = positive if s["log"] == "auto" else bool(s["log"])
    try:
        s["n_train"] = time_split(n, val_fraction=s["val_fraction"], test_size=test_size)[0].stop
    except DataError:                            # nothing left to train on: said just below
        s["n_train"] = 0
    if s["n_train"] - season < window + horizon:
        n_val = max(n_pre - s["n_train"], 0)
        raise DataError(
            f"{s['source']}: column {s['column']!r} has {n} values, too short for season "
            f"{season} + window {window} + horizon {horizon} + validation {n_val} + test "
            f"{test_size} = {season + window + horizon + n_val + test_size}. Use a smaller "
            "--window, --horizon or --test-size, or a longer series.")
    if np.isnan(s["raw"][n_pre:]).all():
        raise DataError(f"{s['source']}: every value of the test span (the last {test_size}) "
                        "is missing, so nothing can be scored. Use a different --test-size.")
    return s


def _test_forecasts(s, forecast_fn):
    """Model and baseline forecasts of the test span, block by block, by the protocol."""
    raw, n_pre, horizon = s["raw"], s["n_pre"], s["horizon"]
    model_out, base_out = [], []
    for start in range(n_pre, len(raw), horizon):
        if s["protocol"] == "blocks":             # gaps filled from data before the block only
            hist_model = hist_base = _fill(raw[:start], s["missing"])
        else:                                     # 'recursive': earlier forecasts as inputs
            before = _fill(raw[:n_pre], s["missing"])
            hist_model = np.concatenate([before, model_out])
            hist_base = np.concatenate([before, base_out])
        h = min(horizon, len(raw) - start)
        model_out.extend(forecast_fn(hist_model)[:h])
        base_out.extend(seasonal_naive(hist_base, horizon, s["season"])[:h])
    return np.array(model_out), np.array(base_out)


def _metrics(s, y_model, y_base, n_windows, val, histories) -> dict[str, Any]:
    truth = s["raw"][s["n_pre"]:]
    scored = ~np.isnan(truth)                     # filled values are never scored

    def scores(pred):                             # MAPE is undefined if the truth has a 0
        ok = np.all(truth[scored] != 0)
        return {"rmse": rmse(truth[scored], pred[scored]),
                "mape": mape(truth[scored], pred[scored]) if ok else None}
    blocks = -(-s["test_size"] // s["horizon"])
    inputs = ("each block from the true values before it (the model is not refitted)"
              if s["protocol"] == "blocks" else "later blocks from the forecasts of earlier "
              "blocks (no test value is ever an input)")
    return {
        "task": "forecast", "source": s["source"], "column": s["column"], "n_values": len(s["raw"]),
        "protocol": {"name": s["protocol"], "horizon": s["horizon"], "test_size": s["test_size"],
                     "blocks": blocks, "test_start": s["index"][s["n_pre"]],
                     "description": f"last {s['test_size']} points held out, forecast in "
                     f"{blocks} block(s) of {s['horizon']}; {inputs}; the baseline follows "
                     "the same protocol"},
        "model": {"name": f"{s['cell'].upper()}({s['units']}) x{s['members']}",
                  **scores(y_model)},
        "baseline": {"name": f"seasonal naive (season {s['season']})" if s["season"] > 1
                     else "naive (last value)", **scores(y_base)},
        "split": {"train": s["n_train"], "validation": s["n_pre"] - s["n_train"],
                  "test": s["test_size"], "train_windows": n_windows,
                  "validation_windows": len(val[0]) if val else 0,
                  "test_values_scored": int(scored.sum())},
        "transform": {"log": s["log"], "season": s["season"], "window": s["window"]},
        "epochs_run": [len(h["loss"]) for h in histories],
        "best_epochs": [int(np.argmin(h["val_loss"])) + 1 for h in histories] if val else None,
    }


def _check_ints(**numbers) -> None:
    for name, value in numbers.items():
        low = 0 if name == "seed" else 1
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
            raise UserError(f"{name} must be an integer >= {low}, got {value!r}.")


def _may_replace(out: Path) -> bool:
    """Replace an old run folder (or an empty folder), never a folder that is not a run."""
    is_run = out.is_dir() and ((out / "task.json").is_file() or not any(out.iterdir()))
    if out.exists() and not is_run:
        raise FileExistsError(f"{out} exists and is not a run folder; choose another --out.")
    return out.exists()


# ----------------------------------------------------------------------------- artifacts

def _plot_forecast(path, s, y_model, y_base, metrics) -> None:
    """Top: the whole series with the parts shaded; bottom: the test span up close."""
    index, raw, n_train, n_pre = s["index"], s["raw"], s["n_train"], s["n_pre"]
    n, t = len(raw), np.arange(len(raw))
    start = max(0, n_pre - max(3 * s["season"], 2 * (n - n_pre)))
    fig, (top, zoom) = plt.subplots(2, 1, figsize=(11, 7.5))
    top.axvspan(n_train, n_pre, color="tab:orange", alpha=0.12, label="validation")
    top.axvspan(n_pre, n - 1, color="tab:blue", alpha=0.08, label="test")
    for ax, lo in ((top, 0), (zoom, start)):
        ax.plot(t[lo:n_pre], raw[lo:n_pre], color="0.35", lw=1, label="history")
        ax.plot(t[n_pre - 1:], raw[n_pre - 1:], color="black", lw=1.6, label="truth (held out)")
        ax.plot(t[n_pre:], y_model, color="tab:red", lw=1.6,
                label=f"model {metrics['model']['name']}: MAPE {_pct(metrics['model']['mape'])}")
        ax.plot(t[n_pre:], y_base, color="tab:green", ls="--", lw=1.3,
                label=f"{metrics['baseline']['name']}: MAPE {_pct(metrics['baseline']['mape'])}")
        ticks = np.unique(np.linspace(lo, n - 1, 8).round().astype(int))
        ax.set_xticks(ticks, [index[i] for i in ticks], fontsize=8)
        ax.set_ylabel(metrics["column"])
        ax.grid(alpha=0.3)
    for b in range(n_pre, n, s["horizon"]):
        zoom.axvline(b, color="tab:blue", ls=":", lw=1)
    top.legend(fontsize=8, loc="upper left")
    zoom.set_title("the test span (dotted lines: starts of the forecast blocks)", fontsize=10)
    fig.suptitle(f"{metrics['column']}: {metrics['protocol']['description']}", fontsize=9,
                 wrap=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.2f}%"


def _write_report(folder, metrics, settings) -> None:
    argv = ["rnnkit", "forecast", metrics["source"], "--column", metrics["column"]]
    for key in ("horizon", "window", "cell", "units", "epochs", "patience", "batch_size",
                "season", "test_size", "val_fraction", "missing", "protocol", "members", "seed"):
        argv += [f"--{key.replace('_', '-')}", str(settings[key])]
    m, b = metrics["model"], metrics["baseline"]
    summary = (f"{m['name']} on {'log ' if settings['log'] else ''}seasonal differences of "
               f"{metrics['column']!r}: test MAPE {_pct(m['mape'])}, RMSE {m['rmse']:.4g}; "
               f"{b['name']}: MAPE {_pct(b['mape'])}, RMSE {b['rmse']:.4g}.")
    extra = (f"<h2>Protocol</h2><p>{html.escape(metrics['protocol']['description'])}. The "
             "scaler and early stopping use only data before the test span.</p>"
             f"<h2>Command</h2><pre>{html.escape(shlex.join(argv))}</pre>")
    images = [("forecast.png", "History, held-out truth, the model's forecast, the baseline"),
              ("curves.png", "Learning curves")]
    write_report(folder, f"Forecast: {metrics['column']}", summary, metrics, images, extra)


# ----------------------------------------------------------------------------- predict

def predict(run_dir, input_path=None, column=None, horizon: int | None = None) -> dict:
    """The next `horizon` values after the input series (default: after the run's series);
    beyond the model's horizon, later blocks are forecast from earlier forecasts."""
    task_file = Path(run_dir) / "task.json"
    task = json.loads(task_file.read_text(encoding="utf-8")) if task_file.is_file() else {}
    if task.get("task") != "forecast":
        raise DataError(f"{run_dir} is not a forecast run folder (task.json says "
                        f"{task.get('task')!r}). Pass a folder written by `rnnkit forecast`.")
    window, season, H = task["window"], task["season"], task["horizon"]
    horizon = H if horizon is None else horizon
    _check_ints(horizon=horizon)
    if input_path is None:
        source, index = "the end of the run's series", task["tail"]["index"]
        y = np.array(task["tail"]["values"], dtype=np.float64)
    else:
        source, _, index, raw = load_series(input_path, column or task["column"],
                                            task["missing"])
        y = _fill(raw, task["missing"])
        if len(y) < window + season or (task["log"] and np.min(y) <= 0):
            raise DataError(f"{source}: this model forecasts from at least window + season = "
                            f"{window + season} values" + (", all > 0 (it models log values)"
                            if task["log"] else "") + f"; got {len(y)}, minimum {np.min(y):g}.")
    scaler = StandardScaler.from_dict(json.loads((task_file.parent / "scaler.json").read_text()))
    models = [load_model(task_file.parent / name) for name in task["members"]]
    with _one_thread():
        values = forecast_next(models, scaler, Differencer(season, task["log"]), y, window, H,
                               horizon)
    return {"task": "forecast", "column": task["column"], "horizon": horizon,
            "model_horizon": H, "input": str(source), "after": index[-1] if index else None,
            "index": _next_labels(index, horizon), "forecast": values.tolist()}


def _next_labels(index: list[str], k: int) -> list[str] | None:
    """Continue ISO date labels ('YYYY-MM', 'YYYY-MM-DD') by their last step, else None.

    >>> _next_labels(["1960-11", "1960-12"], 2), _next_labels(["t1", "t2"], 2)
    (['1961-01', '1961-02'], None)
    """
    try:
        a, b = (np.datetime64(label) for label in index[-2:] if "-" in label)
    except ValueError:
        return None
    return [str(b + (b - a) * i) for i in range(1, k + 1)]


# ----------------------------------------------------------------------------- CLI

def _season_arg(text: str):
    if text.lower() in ("auto", "none"):
        return {"auto": "auto", "none": None}[text.lower()]
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected an integer, 'auto' or 'none', got {text!r}")
    return int(text)


OPTIONS = [  # flag, type or choices, default, help
    ("--column", str, None, "column to forecast (default: the last)"),
    ("--horizon", int, 12, "steps forecast at once, by one Dense output"),
    ("--window", int, None, "past steps the model sees (default: one season, >= horizon)"),
    ("--cell", CELLS, "lstm", "recurrent layer"),
    ("--units", int, 32, "hidden units"),
    ("--epochs", int, 300, "most epochs (early stopping on validation)"),
    ("--patience", int, 30, "early stopping patience, in epochs"),
    ("--batch-size", int, 16, "windows per batch"),
    ("--season", _season_arg, 12, "season length in steps, 'auto' or 'none'"),
    ("--test-size", int, 24, "last N points held out for the test"),
    ("--val-fraction", float, 0.1, "fraction of the series for validation, before the test"),
    ("--missing", MISSING_POLICIES, "interpolate", "what to do with missing values"),
    ("--log", ("auto", "yes", "no"), "auto", "model log values (auto: if every value > 0)"),
    ("--protocol", PROTOCOLS, "blocks",
     "blocks: each test block from the true values before it; recursive: from forecasts"),
    ("--members", int, 3, "ensemble size: models from seeds seed, seed + 1000, ..."),
    ("--seed", int, 0, "random seed"),
    ("--out", str, None, "run folder (default: runs/forecast-<date-time>)"),
    ("--verbose", int, 1, "0 quiet, 1 a line per model, 2 progress bars"),
]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=None, metavar="FILE.csv",
                        help="CSV file with a header line (default: the bundled airline data)")
    for flag, kind, default, text in OPTIONS:
        kw = {"choices": kind} if isinstance(kind, tuple) else {"type": kind}
        text = text if "default" in text else f"{text} (default: {default})"
        parser.add_argument(flag, default=default, help=text, **kw)
    parser.add_argument("--quick", action="store_true", help="short settings for the demo")


def main(args: argparse.Namespace) -> int:
    kwargs = {k: v for k, v in vars(args).items() if k in inspect.signature(forecast).parameters}
    kwargs["log"] = {"auto": "auto", "yes": True, "no": False}[args.log]
    result = forecast(**kwargs)
    m, b, p = result["model"], result["baseline"], result["protocol"]
    print(f"forecast of {result['column']!r} ({result['n_values']} values); test: "
          f"{p['description']}")
    for label, s in (("model " + m["name"], m), (b["name"], b)):
        print(f"  {label:<28} RMSE {s['rmse']:10.4g}   MAPE {_pct(s['mape'])}")
    print(f"run folder: {result['run_dir']} (open report.html)")
    return 0
