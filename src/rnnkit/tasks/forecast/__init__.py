"""rnnkit forecast: a recurrent network against the classical forecasters, on held-out blocks.

    rnnkit forecast                                   # the bundled airline passengers
    rnnkit forecast --dataset co2_mauna_loa --horizon 52 --test-size 104
    rnnkit forecast sales.csv --column units --season none
    rnnkit predict runs/forecast-<date-time>          # the next values, with intervals

The recipe (every statistic, choice and width from data before the test span):

    season s                 from the autocorrelation (season.py), 1 if nothing supports one
    z = T(y)                 log, log1p (zeros) or identity; forecasts of y >= 0 stay >= 0
    network                  LSTM/GRU on scaled seasonal differences of z, H steps at once
    partner                  the classical model with the lowest validation error
    z_hat = (z_net + z_partner) / 2                       (--combine auto; none: z_net)
    interval = T^-1(z_hat -+ q_h)     q_h: conformal quantile of validation errors at step h

Modules: settings (the dataclass behind the flags), data (reading the column, no silent
guesses), season, baselines (naive .. Fourier + ARIMA errors), network, scores (metrics,
transform, intervals), recipe (forecast()), report (console, plots, report.html), predict.
The run folder holds model/ (model-2/, ... for an ensemble), scaler.json, task.json,
metrics.json, curves.png, forecast.png and report.html.
"""
from __future__ import annotations

import argparse
from dataclasses import fields

from .baselines import BASELINES
from .data import load_series
from .predict import predict
from .recipe import forecast
from .season import detect_season
from .settings import Settings, add_arguments

__all__ = ["BASELINES", "Settings", "configure_parser", "detect_season", "forecast",
           "load_series", "main", "predict"]


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", nargs="?", default=None, metavar="FILE.csv",
                        help="CSV file with a header line (default: the bundled airline data)")
    add_arguments(parser)
    parser.add_argument("--out", default=None,
                        help="run folder (default: runs/forecast-<date-time>)")
    parser.add_argument("--quick", action="store_true", help="short settings for the demo")


def main(args: argparse.Namespace) -> int:
    options = {f.name: getattr(args, f.name) for f in fields(Settings)}
    forecast(args.path, out=args.out, quick=args.quick, **options)
    return 0
