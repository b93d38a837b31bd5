"""`rnnkit predict RUN_DIR [INPUT]`: load a saved run and use it, whatever its task.

RUN_DIR/task.json names the task that wrote the folder; its module's `predict` does the work:

    generate   INPUT is the prompt; prints the prompt and the sampled continuation
    forecast   INPUT is a CSV of recent values (default: the run's own data); prints the forecast
    classify   INPUT is a file of texts, one a line, or one literal text; prints the labels
    tag        INPUT is a sentence, or a file of sentences one a line; prints word<TAB>tag lines
    translate  INPUT is a sentence, or a file of sentences one a line; prints the translations
    ner        INPUT is a text, or a file of texts one a line; prints entity<TAB>type lines
    speech     INPUT is an audio file (any rate, mono or stereo) or a folder; prints transcripts
    compose    INPUT is an optional prompt such as "M:6/8 K:D"; prints a new tune in ABC
"""
from __future__ import annotations

import argparse
import importlib
import json
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DamagedFileError, DataError, UserError
from ..utils.safe_read import check_tree, read_json
from .runs import check_checksums

TASKS = ("generate", "forecast", "classify", "tag", "translate", "ner", "speech", "compose")
NEEDS_INPUT = {"classify": "a file of texts, one a line, or a text in quotes",
               "tag": "a sentence in quotes, or a file of sentences, one a line",
               "translate": "a sentence in quotes, or a file of sentences, one a line",
               "ner": "a text in quotes, or a file of texts, one a line",
               "speech": "a WAV file, or a folder of WAV files"}


def read_task(run_dir) -> dict[str, Any]:
    """RUN_DIR/task.json as a dict; UserError when the folder is missing or damaged.

    The whole folder is checked first (check_tree): every entry a folder or a regular file,
    no link out of it, at most 10,000 files, so no later read can meet a FIFO and hang; then
    every file against the size and SHA-256 in its checksums.json (runs.check_checksums)."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UserError(f"Run folder {str(run_dir)!r} does not exist. Pass a folder written by "
                        f"an rnnkit task command ({', '.join(TASKS)}; see their --out).")
    check_tree(run_dir)
    check_checksums(run_dir)
    path = run_dir / "task.json"
    if not path.exists():
        raise UserError(f"{str(run_dir)!r} is not a run folder: it has no task.json. Pass a "
                        "folder written by an rnnkit task command.")
    task = read_json(path, root=run_dir, max_bytes=16 * 2**20, what="run description")
    if task.get("task") not in TASKS:
        raise DamagedFileError(path, "task", f"one of {', '.join(TASKS)}",
                               repr(task.get("task"))[:60], "rnnkit predict serves those tasks")
    return task


def predict(run_dir, user_input: str | None = None, length: int = 300,
            temperature: float | None = None, seed: int | None = None):
    """Dispatch to the run's task: the result of that task module's `predict`.

    A run folder damaged in a way the task's loader does not check itself (a field of the
    wrong type, a missing key; KeyError, TypeError, SafetensorError, a statsmodels error...)
    is one DamagedFileError (a UserError) naming the folder and the original error, never a
    traceback."""
    task = read_task(run_dir)["task"]
    try:
        module = importlib.import_module(f"rnnkit.tasks.{task}")
    except ModuleNotFoundError:
        raise UserError(f"{str(run_dir)!r} is a {task} run, but this rnnkit has no "
                        f"rnnkit.tasks.{task} module to serve it.") from None
    if task not in ("generate", "forecast", "compose") and user_input is None:
        raise UserError(f"{task} needs an INPUT: {NEEDS_INPUT[task]}.")
    try:
        if task == "generate":
            return module.predict(run_dir, user_input, length=length,
                                  temperature=temperature, seed=seed)
        if task == "forecast":
            return module.predict(run_dir, input_path=user_input or None)
        if task == "compose":
            return module.predict(run_dir, user_input, temperature=temperature, seed=seed)
        return module.predict(run_dir, user_input)
    except (UserError, DataError):           # already one clear line
        raise
    except Exception as e:  # noqa: BLE001 - whatever a damaged folder provokes in a loader
        raise DamagedFileError(run_dir, None, f"a {task} run folder as `rnnkit {task}` "
                               "writes it", f"{type(e).__name__}: {str(e)[:300]}",
                               f"re-run `rnnkit {task}` to write it again") from None


def format_result(result) -> str:
    """A readable text for whatever a task's predict returns (text, mapping, rows, array).

    >>> print(format_result({"label": "positive", "probability": 0.91}))
    label: positive
    probability: 0.91
    >>> format_result([("good", "positive", 0.91), ("bad", "negative", 0.8)]).split("\\n")
    ['good\\tpositive\\t0.91', 'bad\\tnegative\\t0.8']
    """
    if isinstance(result, str):
        return result
    if isinstance(result, dict) and isinstance(result.get("forecast"), list):
        return _format_forecast(result)
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if isinstance(result, dict):
        return "\n".join(f"{k}: {_cell(v)}" for k, v in result.items())
    if isinstance(result, (list, tuple)):
        return "\n".join(_row(item) for item in result)
    return _cell(result)


def _format_forecast(result: dict) -> str:
    """A forecast dict (rnnkit.tasks.forecast.predict) as a header and one line per step.

    >>> print(_format_forecast({"column": "co2", "input": "co2.csv", "after": "2024-12",
    ...                         "index": ["2025-01", "2025-02"], "forecast": [424.1, 425.33]}))
    forecast of 'co2' after 2024-12 (from co2.csv), 2 steps:
    2025-01  424.1
    2025-02  425.33
    >>> print(_format_forecast({"column": "y", "input": "y.csv", "after": "5", "index": None,
    ...                         "forecast": [3.0], "lower": [2.5], "upper": [4.0],
    ...                         "coverage": 0.8}))
    forecast of 'y' after 5 (from y.csv), 1 steps, with 80% intervals:
    +1  3  [2.5, 4]
    """
    values = result["forecast"]
    labels = result.get("index") or [f"+{i}" for i in range(1, len(values) + 1)]
    bands = "lower" in result and "upper" in result
    head = (f"forecast of {result.get('column')!r} after {result.get('after')} (from "
            f"{result.get('input')}), {len(values)} steps" + (
                f", with {100 * result['coverage']:.0f}% intervals:" if bands else ":"))
    width = max(len(str(label)) for label in labels) if labels else 0
    lines = [f"{str(label):<{width}}  {float(v):.6g}" for label, v in zip(labels, values)]
    if bands:
        lines = [f"{line}  [{lo:.6g}, {hi:.6g}]" for line, lo, hi in
                 zip(lines, result["lower"], result["upper"])]
    return "\n".join([head] + lines)


def _row(item) -> str:
    if isinstance(item, np.ndarray):
        item = item.tolist()
    if isinstance(item, dict):
        return "  ".join(f"{k}={_cell(v)}" for k, v in item.items())
    if isinstance(item, (list, tuple)):
        return "\t".join(_cell(v) for v in item)
    return _cell(item)


def _cell(value) -> str:
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, dict)):
        return json.dumps(value, default=str)
    return str(value)


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_dir", help="a run folder written by an rnnkit task command")
    parser.add_argument("input", nargs="?", default=None,
                        help="generate: the prompt (default: the run's); forecast: a CSV of "
                             "recent values (default: the run's data); classify: a file of "
                             "texts, one a line, or one text; tag, translate, ner: a sentence "
                             "or a file of sentences, one a line; speech: a WAV file or a "
                             "folder of them; compose: an optional prompt such as 'M:6/8 K:D'")
    parser.add_argument("--length", type=int, default=300,
                        help="generate: characters to sample after the prompt (default 300)")
    parser.add_argument("--temperature", type=float, default=None,
                        help="generate, compose: sampling temperature, 0 is greedy (default: the "
                             "run's)")
    parser.add_argument("--seed", type=int, default=None, help="generate, compose: random seed")


def main(args: argparse.Namespace) -> int:
    prompt = args.input
    if prompt is not None and read_task(args.run_dir)["task"] == "generate":
        prompt = prompt.replace("\\n", "\n")            # a newline typed as \n in the shell
    print(format_result(predict(args.run_dir, prompt, args.length, args.temperature,
                                args.seed)))
    return 0
