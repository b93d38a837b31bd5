"""predict(): the next values after a series, from a saved run (old version-1 runs too)."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from rnnkit.errors import UserError
from rnnkit.datasets import DataError
from rnnkit.models import load_model
from rnnkit.utils.safe_read import inside
from . import baselines as B
from . import representation
from .data import load_series
from .network import forecast_z, one_thread
from .scores import Transform


def predict(run_dir, input_path=None, column=None, horizon: int | None = None) -> dict:
    """The next `horizon` values after the input series (default: after the run's series);
    beyond the model's horizon, later blocks are forecast from earlier forecasts. Runs
    saved with intervals also return 'lower' and 'upper' (calibrated up to the horizon)."""
    task_file = Path(run_dir) / "task.json"
    task = json.loads(task_file.read_text(encoding="utf-8")) if task_file.is_file() else {}
    if task.get("task") != "forecast":
        raise DataError(f"{run_dir} is not a forecast run folder (task.json says "
                        f"{task.get('task')!r}). Pass a folder written by `rnnkit forecast`.")
    window, season, H = task["window"], task["season"], task["horizon"]
    horizon = H if horizon is None else horizon
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise UserError(f"horizon must be an integer >= 1, got {horizon!r}.")
    kind = task.get("transform", {"kind": "log" if task["log"] else "none",
                                  "non_negative": False})        # version 1: log or none
    transform = Transform(kind["kind"], kind["non_negative"])
    names = task.get("covariates", [])
    if input_path is None:
        source, index = "the end of the run's series", task["tail"]["index"]
        y = np.array(task["tail"]["values"], dtype=np.float64)
        covariates = (np.column_stack([task["tail"]["covariates"][k] for k in names])
                      if names else None)
    else:
        series = load_series(input_path, column or task["column"], task["missing"],
                             covariates=names)
        source, index, y = series.source, series.index, series.filled(task["missing"])
        covariates = series.covariate_matrix()
        if len(y) < window + season or (transform.kind == "log" and np.min(y) <= 0) or (
                transform.kind == "log1p" and np.min(y) < 0):
            sign = {"log": ", all > 0 (it models log values)",
                    "log1p": ", all >= 0 (it models log(1 + y))"}.get(transform.kind, "")
            raise DataError(f"{source}: this model forecasts from at least window + season = "
                            f"{window + season} values{sign}; got {len(y)}, minimum "
                            f"{np.min(y):g}.")
    rep = representation.from_dict(json.loads((task_file.parent / "scaler.json").read_text()),
                                   season, window, H, covariates)
    models = [load_model(inside(task_file.parent, name, task_file, "members"))
              for name in task["members"]]
    z = transform.forward(y)
    with one_thread():
        z_hat = forecast_z(models, rep, z, horizon)
    partner = task.get("partner")
    if partner:
        z_partner = B.forecast_block(partner, z, horizon, season)
        z_hat = (z_hat + z_partner) / 2
    out = {"task": "forecast", "column": task["column"], "horizon": horizon,
           "model_horizon": H, "input": str(source), "after": index[-1] if index else None,
           "index": _next_labels(index, horizon), "forecast": transform.inverse(z_hat).tolist()}
    if "interval" in task:
        q = np.array(task["interval"]["widths"])[np.minimum(np.arange(horizon), H - 1)]
        out["coverage"] = task["interval"]["coverage"]
        out["lower"] = transform.inverse(z_hat - q).tolist()
        out["upper"] = transform.inverse(z_hat + q).tolist()
    return out


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
