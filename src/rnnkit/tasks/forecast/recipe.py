"""forecast(): plan, fit, forecast the validation and test blocks, score, save a run.

Time order: train | validation | test (the last `test_size` points). The network is fitted
on the training part (early stopping on validation); every classical baseline is refitted
on the history before each forecast block. Forecasts from several origins before the test
choose the classical partner of the network (combine='auto'; a hybrid network, which
corrects seasonal naive with drift already, has none), and the model's errors from origins
over the whole history calibrate the prediction intervals; the test span is only scored.
The intervals are also checked before the test (scores.backtest_coverage): the later half
of those origins, each calibrated on the earlier ones, shows the coverage to expect when the
test resembles the past, beside the coverage the test span gives.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable

import numpy as np
from tqdm.auto import tqdm

from rnnkit.errors import UserError
from rnnkit.datasets import DataError
from rnnkit.preprocessing.timeseries import fill_missing, time_split
from rnnkit.tasks.runs import default_run_dir, run_folder, write_json

from . import baselines as B
from . import representation
from .data import Series, load_series
from .network import fit_members, forecast_z, one_thread
from .report import console_summary, save_artifacts
from .scores import (Transform, backtest_coverage, conformal_widths, coverage, mape_applies,
                     mase_scale, point_scores)
from .season import detect_season
from .settings import MAX_WINDOWS_QUICK, Settings

MAX_DEFAULT_WINDOW = 52       # a daily series with a yearly season: 52 days, not 365
Forecaster = Callable[[np.ndarray, int], np.ndarray]     # (z history, h) -> h values of z


@dataclass
class Plan:
    """What the settings and the series decide before anything is fitted."""
    series: Series
    settings: Settings
    season: int
    season_source: str
    window: int
    representation: str
    transform: Transform
    n_pre: int
    n_train: int
    quick: bool = False


def forecast(path=None, column=None, *, out=None, quick: bool = False, verbose: int = 1,
             **options) -> dict[str, Any]:
    """Train on a series, score the last `test_size` points against every baseline, save a
    run; return the metrics (as in metrics.json) and 'run_dir'. Options: see Settings."""
    settings = Settings(column=column, **options)
    if verbose == 0:
        settings = replace(settings, quiet=True)
    settings = settings.quick() if quick else settings
    plan = replace(make_plan(path, settings), quick=quick)   # every check before writing
    out = Path(out) if out is not None else default_run_dir("forecast")
    overwrite = _may_replace(out)
    s, p = settings, plan
    z_pre = p.transform.forward(p.series.filled(s.missing, p.n_pre))
    covariates = p.series.covariate_matrix()
    rep = representation.make(p.representation, p.season, p.window, s.horizon,
                              None if covariates is None else covariates[:p.n_pre])
    rep.fit(z_pre[:p.n_train])                                        # training part only
    train = rep.windows(z_pre, p.n_train, 0, p.n_train)
    val = rep.windows(z_pre, p.n_train, p.n_train, p.n_pre)
    if quick:
        train = tuple(a[-MAX_WINDOWS_QUICK:] for a in train)
    with one_thread():
        models, histories = fit_members(train, val, replace(s, window=p.window), rep.features,
                                        s.quiet)

        def network(z_history, h):
            return forecast_z(models, rep, z_history, h)
        names = B.applicable(p.season)
        methods = {"network": network, **{n: _baseline(n, p.season, quick) for n in names}}
        all_err = validation_errors(p, z_pre, methods)
        val_err = {**all_err, "network": out_of_sample(p, all_err["network"])}
        # a hybrid network already corrects a classical model: it is not averaged again
        partner = (_partner(val_err, names) if s.combine == "auto" and
                   p.representation != "hybrid" else None)
        if partner:
            methods["model"] = _average(network, methods[partner])
            all_err["model"] = (all_err["network"] + all_err[partner]) / 2   # signed errors
        else:
            methods["model"] = network
            all_err["model"] = all_err["network"]
        val_err["model"] = out_of_sample(p, all_err["model"])
        earlier = validation_errors(p, z_pre, {"model": methods["model"]}, history_origins(p))
        calibration = np.concatenate([all_err["model"], earlier["model"]])
        widths = conformal_widths(np.abs(calibration), s.coverage)
        checked = backtest_coverage(np.concatenate([validation_origins(p), history_origins(p)]),
                                    calibration, s.coverage)
        if covariates is not None and s.protocol == "blocks":
            rep.covariates = covariates         # each block sees those before its start only
        z_test = {name: hold_out_forecasts(p, f)
                  for name, f in _progress(methods, "test blocks", s.quiet)}
    metrics = score(p, z_test, widths, val_err, partner, histories, len(train[0]), val,
                    len(calibration), checked)
    task = _task(p, partner, widths, models)
    with run_folder(out, overwrite=overwrite) as tmp:
        for name, model in zip(task["members"], models, strict=True):
            model.save(tmp / name)
        write_json(tmp / "scaler.json", rep.to_dict())
        write_json(tmp / "task.json", task)
        write_json(tmp / "metrics.json", metrics)
        save_artifacts(tmp, p, metrics, {k: p.transform.inverse(v) for k, v in z_test.items()},
                       histories, _interval(p, z_test["model"], widths))
    if verbose:
        print(console_summary(metrics, str(out)))
    return {**metrics, "run_dir": str(out)}


def make_plan(path, s: Settings) -> Plan:
    """Check the series against the settings; resolve season, window, transform, split."""
    names = [c.strip() for c in (s.covariates or "").split(",") if c.strip()]
    series = load_series(path, s.column, s.missing, dataset=s.dataset, id_column=s.id,
                         series=s.series, covariates=names)
    if names and s.representation == "differences":
        raise UserError("--covariates feed the 'profile' representation; use --representation "
                        "profile or auto with them.")
    n = len(series.values)
    n_pre = n - s.test_size
    if n_pre < 2:
        raise DataError(f"{series.source}: column {series.column!r} has {n} values; the test "
                        f"alone takes {s.test_size}. Use a smaller --test-size.")
    before = series.values[:n_pre]
    if s.season == "auto":
        season, how = detect_season(series.filled(s.missing, n_pre)), "detected"
    else:
        season, how = (1 if s.season is None else s.season), "given"
    window = s.window or max(min(season, MAX_DEFAULT_WINDOW), s.horizon)
    if s.log == "yes" and not np.nanmin(before) > 0:
        raise DataError(f"{series.source}: --log yes needs every value > 0, the minimum "
                        f"before the test is {np.nanmin(before):g}. Use --log auto or no.")
    transform = Transform.for_series(before, s.log, season)
    try:
        n_train = time_split(n, val_fraction=s.val_fraction, test_size=s.test_size)[0].stop
    except DataError:
        n_train = 0
    if n_train - season < window + s.horizon:
        n_val = max(n_pre - n_train, 0)
        raise DataError(
            f"{series.source}: column {series.column!r} has {n} values, too short for season "
            f"{season} + window {window} + horizon {s.horizon} + validation {n_val} + test "
            f"{s.test_size} = {season + window + s.horizon + n_val + s.test_size}. Use a "
            "smaller --window, --horizon or --test-size (or --season none), or a longer "
            "series.")
    if np.isnan(series.values[n_pre:]).all():
        raise DataError(f"{series.source}: every value of the test span (the last "
                        f"{s.test_size}) is missing, so nothing can be scored. Use a "
                        "different --test-size.")
    rep = s.representation if s.representation != "auto" else (
        "profile" if names else representation.choose(season))
    return Plan(series, s, season, how, window, rep, transform, n_pre, n_train)


def _baseline(name: str, season: int, quick: bool) -> Forecaster:
    return lambda z, h: B.forecast_block(name, z, h, season, quick)


def _average(*forecasters: Forecaster) -> Forecaster:
    """The mean of forecasts on the transformed scale (a geometric mean for log series)."""
    return lambda z, h: np.mean([f(z, h) for f in forecasters], axis=0)


def validation_origins(p: Plan) -> np.ndarray:
    """Forecast origins before the test: val_origins whose steps reach into the validation
    part (the network's out-of-sample errors), and as many spread over the last three
    seasons or horizons (refitted baselines are out of sample anywhere: choosing the
    partner on a longer span than a short validation part is less of a lottery)."""
    H, k, s = p.settings.horizon, p.settings.val_origins, p.season
    ready = max(2 * s, p.window + s, 2)                  # enough history for every method
    spans = (max(p.n_train - H + 1, ready), max(p.n_pre - 3 * max(s, H), ready))
    points = [np.linspace(first, p.n_pre - 1, k) for first in spans if first < p.n_pre]
    if not points:
        return np.array([], dtype=int)
    return np.unique(np.concatenate(points).round().astype(int))


def history_origins(p: Plan) -> np.ndarray:
    """2 val_origins origins spread over the whole history before the validation origins:
    with those, the intervals are calibrated on the errors of many periods, not only on
    the last few seasons' (the network's errors there are partly in-sample)."""
    H, k = p.settings.horizon, 2 * p.settings.val_origins
    ready = max(2 * p.season, p.window + p.season, 2)
    last = min(validation_origins(p), default=p.n_pre) - H
    if last <= ready:
        return np.array([], dtype=int)
    return np.unique(np.linspace(ready, last, k).round().astype(int))


def validation_errors(p: Plan, z_pre, methods: dict[str, Forecaster],
                      origins=None) -> dict[str, np.ndarray]:
    """z - z_hat per origin (rows; default: validation_origins) and step (columns); NaN
    where the value is missing or lies in the test span."""
    H = p.settings.horizon
    observed = ~np.isnan(p.series.values[:p.n_pre])
    origins = validation_origins(p) if origins is None else origins
    out = {}
    for name, f in _progress(methods, "validation origins", p.settings.quiet):
        errors = []
        for o in origins:
            row = np.full(H, np.nan)
            steps = [h for h in range(min(H, p.n_pre - o)) if observed[o + h]]
            if steps:
                z_hat = f(z_pre[:o], H)
                row[steps] = z_pre[o + np.array(steps)] - z_hat[steps]
            errors.append(row)
        out[name] = np.array(errors).reshape(-1, H)
    return out


def out_of_sample(p: Plan, errors) -> np.ndarray:
    """The errors whose targets lie in the validation part (NaN elsewhere): those of a
    method fitted on the training part (the network) that it never trained on."""
    target = validation_origins(p)[:, None] + np.arange(p.settings.horizon)[None, :]
    return np.where(target >= p.n_train, errors, np.nan)


def _progress(methods: dict, what: str, quiet: bool):
    """A tqdm line over the methods (refitting every baseline per origin takes minutes on a
    long series); quiet when not a terminal or with --quiet."""
    bar = tqdm(methods.items(), desc=what, unit="method", disable=True if quiet else None)
    for name, f in bar:
        bar.set_postfix_str(name)
        yield name, f


def _partner(val_err, names) -> str | None:
    """The classical model with the lowest mean error over the origins (failed fits out)."""
    means = {n: np.nanmean(np.abs(val_err[n])) for n in names if np.isfinite(val_err[n]).any()}
    return min(means, key=means.get) if means else None


def hold_out_forecasts(p: Plan, f: Forecaster) -> np.ndarray:
    """z forecasts of the test span, block by block, by the protocol."""
    s, raw = p.settings, p.series.values
    before = p.transform.forward(p.series.filled(s.missing, p.n_pre))
    out: list[float] = []
    for start in range(p.n_pre, len(raw), s.horizon):
        if s.protocol == "blocks":                # gaps filled from data before the block only
            history = p.transform.forward(p.series.filled(s.missing, start))
        else:                                     # 'recursive': earlier forecasts as inputs
            history = np.concatenate([before, out])
        out.extend(f(history, s.horizon)[:min(s.horizon, len(raw) - start)])
    return np.array(out)


def _interval(p: Plan, z_model, widths) -> tuple[np.ndarray, np.ndarray]:
    steps = np.arange(len(z_model)) % p.settings.horizon
    return (p.transform.inverse(z_model - widths[steps]),
            p.transform.inverse(z_model + widths[steps]))


def score(p: Plan, z_test, widths, val_err, partner, histories, n_windows, val,
          n_calibration: int, checked: float | None = None) -> dict:
    """Every method's scores on the scored test values, the verdict, interval coverage."""
    s, truth = p.settings, p.series.values[p.n_pre:]
    ok = ~np.isnan(truth)                         # filled values are never scored
    scale = mase_scale(p.series.filled(s.missing, p.n_pre), p.season)
    with_mape = mape_applies(p.series.values)
    y = {k: p.transform.inverse(v) for k, v in z_test.items()}
    scores = {k: point_scores(truth[ok], v[ok], scale, with_mape) for k, v in y.items()
              if np.isfinite(v[ok]).all()}
    failed = sorted(k for k in y if k not in scores)
    names = [k for k in scores if k not in ("model", "network")]
    strongest = min(names, key=lambda k: scores[k]["rmse"])
    low, high = _interval(p, z_test["model"], widths)
    blocks = -(-s.test_size // s.horizon)
    inputs = ("each block from the true values before it (nothing is refitted on test "
              "values; baselines are refitted on the history before each block)"
              if s.protocol == "blocks" else "later blocks from each method's own forecasts "
              "of earlier blocks")
    model_name = f"{s.cell.upper()}({s.units}) x{s.members}"
    wins = scores["model"]["rmse"] < scores[strongest]["rmse"]
    return {
        "task": "forecast", "source": p.series.source, "column": p.series.column,
        "series": p.series.series, "n_values": len(p.series.values), "notes": p.series.notes,
        "protocol": {"name": s.protocol, "horizon": s.horizon, "test_size": s.test_size,
                     "blocks": blocks, "test_start": p.series.index[p.n_pre],
                     "description": f"last {s.test_size} points held out, forecast in "
                     f"{blocks} block(s) of {s.horizon}; {inputs}"},
        "model": {"name": model_name + (f" + {partner}" if partner else ""),
                  **scores["model"]},
        "network": {"name": model_name, **scores["network"]},
        "partner": partner,
        "baseline": {"name": strongest, **scores[strongest]},
        "baselines": {k: scores[k] for k in names},
        "failed": failed,
        "skipped": [] if B.have_statsmodels() else
        ["ETS, ARIMA, Fourier + ARIMA errors: install statsmodels (pip install rnnkit[forecast])"],
        "verdict": (f"the model beats the strongest baseline ({strongest}) by "
                    f"{100 * (1 - scores['model']['rmse'] / scores[strongest]['rmse']):.1f}% "
                    "RMSE" if wins else f"the baseline wins: {strongest} has a lower RMSE "
                    f"than the model ({scores[strongest]['rmse']:.4g} vs "
                    f"{scores['model']['rmse']:.4g})"),
        "beats_baseline": bool(wins),
        "intervals": {"nominal": 100 * s.coverage,
                      "coverage": coverage(truth[ok], low[ok], high[ok]),
                      "before_test": checked,
                      "calibration": f"conformal on the model's errors from {n_calibration}"
                      " origin(s) before the test (over the whole history, the last three "
                      "seasons and the validation part), per horizon step"},
        "validation_mae": {k: float(np.nanmean(np.abs(v))) if np.isfinite(v).any() else None
                             for k, v in val_err.items()},
        "split": {"train": p.n_train, "validation": p.n_pre - p.n_train, "test": s.test_size,
                  "train_windows": n_windows, "validation_windows": len(val[0]) if val else 0,
                  "test_values_scored": int(ok.sum())},
        "transform": {"kind": p.transform.kind, "log": p.transform.kind == "log",
                      "non_negative": p.transform.non_negative, "season": p.season,
                      "season_from": p.season_source, "window": p.window,
                      "representation": p.representation},
        "mape_reported": with_mape,
        "epochs_run": [len(h["loss"]) for h in histories],
        "best_epochs": [int(np.argmin(h["val_loss"])) + 1 for h in histories] if val else None,
    }


def _task(p: Plan, partner, widths, models) -> dict:
    """task.json: what predict() needs to forecast again (version 2)."""
    s = p.settings
    values = p.series.filled(s.missing)
    return {"task": "forecast", "version": 2, "column": p.series.column, "missing": s.missing,
            "window": p.window, "horizon": s.horizon, "season": p.season,
            "log": p.transform.kind == "log", "transform": p.transform.to_dict(),
            "partner": partner, "interval": {"coverage": s.coverage, "widths": widths.tolist()},
            "members": ["model"] + [f"model-{k}" for k in range(2, len(models) + 1)],
            "settings": asdict(s), "source": p.series.source,
            "covariates": list(p.series.covariates),
            "tail": {"index": p.series.index, "values": values,              # baselines refit
                     "covariates": {k: fill_missing(v, "interpolate")
                                    for k, v in p.series.covariates.items()}}}


def _may_replace(out: Path) -> bool:
    """Replace an old run folder (or an empty folder), never a folder that is not a run."""
    is_run = out.is_dir() and ((out / "task.json").is_file() or not any(out.iterdir()))
    if out.exists() and not is_run:
        raise FileExistsError(f"{out} exists and is not a run folder; choose another --out.")
    return out.exists()
