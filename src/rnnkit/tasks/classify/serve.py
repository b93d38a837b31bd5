"""Labels for new inputs from a saved `rnnkit classify` run (what `rnnkit predict` calls).

Runs written before the blend (no blend_weights in task.json) are served by the network
alone, as they were scored.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from ...datasets import read_ts
from ...errors import UserError
from ...models import load_model
from ...preprocessing.text import tokenizer_from_json
from ...preprocessing.timeseries import StandardScaler
from ..runs import input_lines
from .baselines import BagOfWords, SummaryRegression
from .network import predict_proba
from .sequences import check_series, pad_scaled
from .text import blend, predict_texts


def predict(run_dir: str | os.PathLike, inputs) -> list[tuple[str, float]]:
    """(label, probability of that label) for each input, from a saved classify run.

    Text runs take a str (one text, or the path of a UTF-8 file with one text per line) or
    a list of str. Sequence runs take the path of a `.ts` file (labels optional), one
    (T, F) array, or a list of them.
    """
    task, classes, run_dir = read_run(run_dir)
    model = load_model(run_dir / "model", compile=False)
    if task["kind"] == "text":
        tokenizer = tokenizer_from_json((run_dir / "tokenizer.json").read_text(encoding="utf-8"))
        texts = input_lines(inputs, "text")
        proba = predict_texts(model, tokenizer, task["maxlen"], texts, len(classes))
        if task.get("blend_weights"):                       # runs before 0.x: no blend
            bow = BagOfWords.from_json(
                (run_dir / "bag_of_words.json").read_text(encoding="utf-8"))
            proba = blend(proba, bow.proba(texts), task["blend_weights"])
    else:
        scaler = StandardScaler.from_dict(
            json.loads((run_dir / "scaler.json").read_text(encoding="utf-8")))
        series = _series(inputs, task["n_features"])
        proba = predict_proba(model, pad_scaled(scaler, series), len(classes))
        if task.get("blend_weights"):
            regression = SummaryRegression.from_json(
                (run_dir / "summary_regression.json").read_text(encoding="utf-8"))
            proba = blend(proba, regression.proba(series), task["blend_weights"])
    best = proba.argmax(1)
    return [(classes[k], float(proba[i, k])) for i, k in enumerate(best)]


def read_run(run_dir) -> tuple[dict[str, Any], list[str], Path]:
    """task.json and labels.json of a saved classify run."""
    run_dir = Path(run_dir)
    if not (run_dir / "task.json").is_file():
        raise UserError(f"{str(run_dir)!r} is not a classify run folder (no task.json). Pass "
                        "the folder written by `rnnkit classify` (see its --out).")
    task = json.loads((run_dir / "task.json").read_text(encoding="utf-8"))
    classes = json.loads((run_dir / "labels.json").read_text(encoding="utf-8"))
    return task, classes, run_dir


def _series(inputs, n_features: int) -> list[np.ndarray]:
    if isinstance(inputs, (str, os.PathLike)):
        series, _, _ = read_ts(inputs)
        check_series(series, inputs, n_features)
        return series
    series = [inputs] if isinstance(inputs, np.ndarray) and inputs.ndim == 2 else list(inputs)
    series = [np.asarray(x, dtype=np.float32) for x in series]
    if not series or any(x.ndim != 2 for x in series):
        raise UserError(f"predict expects (T, {n_features}) arrays or a .ts file for this run.")
    check_series(series, "input", n_features)
    return series
