"""Run folders: written whole or not at all, with metrics, plots and an HTML report.

A run folder follows the umask (teammates can read it), ends with checksums.json (the size
and SHA-256 of every file in it, which `rnnkit predict` checks before it loads anything:
write_checksums, check_checksums), its metrics.json is strict JSON
(NaN and infinity are written as null), and a task that trained per epoch writes
history.csv in the layout of Keras's CSVLogger (write_history). The report skeleton
(write_report) holds the verdict against the strongest baseline (`verdict`), a table with
words and the command that reproduces the run.
"""
from __future__ import annotations

import contextlib
import csv
import datetime as _dt
import html
import json
import math
import os
import shutil
import tempfile
import textwrap
from pathlib import Path
from typing import Any, Iterator

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from ..errors import DamagedFileError  # noqa: E402
from ..utils.files import follow_umask  # noqa: E402
from ..utils.safe_read import check_file, inside, read_json, sha256_of  # noqa: E402

CHECKSUMS = "checksums.json"
SHOWN_ONLY = (".png", ".html", ".svg", ".wav", ".mid", ".midi")   # never read back to predict


def input_lines(user_input, what: str = "text") -> list[str]:
    """What a task's predict was given, as non-empty lines: the lines of a UTF-8 file when
    `user_input` names one, else the text itself, or each text of a list.

    >>> input_lines("I like it .", "sentence"), input_lines(["a b", "c"])
    (['I like it .'], ['a b', 'c'])
    """
    from ..errors import UserError
    from ..datasets import read_text
    from ..datasets.readers import _split_lines
    if isinstance(user_input, (str, os.PathLike)):
        if _names_a_file(user_input):
            lines = [line.strip() for line in _split_lines(read_text(user_input)) if line.strip()]
            if not lines:
                raise UserError(f"{user_input}: expected one {what} per line, got an empty file.")
            return lines
        user_input = [os.fspath(user_input)]
    lines = list(user_input)
    if not lines or any(not isinstance(t, str) or not t.strip() for t in lines):
        raise UserError(f"predict expects non-empty {what}s (a str, a list of str, or a file "
                        f"with one {what} per line), got {lines[:3]!r}.")
    return lines


def _names_a_file(value) -> bool:
    try:
        return Path(value).is_file()
    except (OSError, ValueError):          # a long or odd text is not a path
        return False


@contextlib.contextmanager
def run_folder(path: str | os.PathLike, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary folder beside `path`; move it to `path` only if the block succeeds.

    A run that fails (bad input, an interrupted training) leaves no partial run folder.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"The run folder {path} exists; choose another --out or remove it.")
    if path.exists() and not (path.is_dir() and _is_run_folder(path)):
        raise FileExistsError(
            f"{path} exists and is not an rnnkit run folder (no task.json or metrics.json): "
            "it will not be replaced. Choose another --out.")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial.", dir=path.parent))
    try:
        yield tmp
        write_checksums(tmp)
        follow_umask(tmp)                         # mkdtemp's 0700, safetensors' 0600
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def write_checksums(folder: Path) -> Path:
    """folder/checksums.json: {"files": {relative path: {"bytes", "sha256"}}} for every file.

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "labels.json").write_text('["neg", "pos"]')
    >>> json.loads(write_checksums(folder).read_text())["files"]["labels.json"]["bytes"]
    14
    >>> check_checksums(folder)
    1
    >>> _ = (folder / "labels.json").write_text('["pos", "neg"]')      # same size, other bytes
    >>> check_checksums(folder)                                        # doctest: +ELLIPSIS
    Traceback (most recent call last):
    rnnkit.errors.DamagedFileError: .../labels.json: expected the bytes whose SHA-256 ...
    """
    files = {p.relative_to(folder).as_posix(): {"bytes": p.stat().st_size,
                                                "sha256": sha256_of(p)}
             for p in sorted(folder.rglob("*")) if p.is_file() and p.name != CHECKSUMS}
    path = folder / CHECKSUMS
    path.write_text(json.dumps({"format": "rnnkit-run-checksums", "files": files}, indent=1)
                    + "\n")
    return path


def check_checksums(run_dir) -> int:
    """Check every file checksums.json lists (plots, pages and audio aside) against its size
    and SHA-256; returns how many were checked. A run folder written before checksums (no
    checksums.json) returns 0. Any difference is a DamagedFileError naming the file: a label,
    a vocabulary or a setting changed after training would otherwise load and predict
    something else without a word."""
    run_dir = Path(run_dir)
    source = run_dir / CHECKSUMS
    if not source.exists():
        return 0
    listed = read_json(source, root=run_dir, what="list of checksums").get("files")
    if not isinstance(listed, dict):
        raise DamagedFileError(source, "files", "an object of file: {bytes, sha256}",
                               type(listed).__name__)
    checked = 0
    for name, entry in listed.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str) \
                or not isinstance(entry.get("bytes"), int):
            raise DamagedFileError(source, name, "{\"bytes\": int, \"sha256\": str}",
                                   repr(entry)[:80])
        path = inside(run_dir, name, source, "files")
        if path.suffix in SHOWN_ONLY:
            continue
        size = check_file(path, max_bytes=2**40, root=run_dir, what="file of the run").st_size
        if size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
            raise DamagedFileError(path, None, f"the bytes whose SHA-256 {CHECKSUMS} records "
                                   f"({entry['sha256'][:12]}..., {entry['bytes']:,} bytes)",
                                   f"{size:,} bytes that differ: the file changed after the "
                                   "run was written", "run the task again to write the run; "
                                   f"if you changed the file on purpose, remove its entry from "
                                   f"{CHECKSUMS}")
        checked += 1
    return checked


def _is_run_folder(path: Path) -> bool:
    return (path / "task.json").is_file() or (path / "metrics.json").is_file()


def default_run_dir(task: str, root: str | os.PathLike = "runs") -> Path:
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return Path(root) / f"{task}-{stamp}"


def write_json(path: Path, obj: Any) -> None:
    """Strict JSON: NaN and +-infinity (a diverged loss, an undefined score) become null.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "m.json"
    >>> write_json(path, {"rmse": float("nan"), "steps": [1.5, float("inf")]})
    >>> json.loads(path.read_text())
    {'rmse': None, 'steps': [1.5, None]}
    """
    path.write_text(json.dumps(_finite(obj), indent=2, allow_nan=False) + "\n")


def _finite(value):
    """value with numpy arrays and scalars as lists and numbers, non-finite floats as None."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        converted = value.tolist()                # numpy array or scalar -> Python
        return converted if converted is value else _finite(converted)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"write_json expects dicts, lists, numbers, strings and numpy values; got "
                    f"a {type(value).__name__}: convert it (e.g. str(value)) first.")


def write_history(history: dict[str, list[float]], path: Path, index: str = "epoch") -> Path:
    """history.csv as Keras's CSVLogger writes it: 'epoch' (from 0) then the keys, sorted;
    a value a row lacks (a curve cut short) is 'NA'. A history logged every few steps
    rather than per epoch passes the name of its own counter as `index` ('step').

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "history.csv"
    >>> print(write_history({"val_loss": [0.9, 0.7], "loss": [1.0, 0.5]}, path).read_text())
    epoch,loss,val_loss
    0,1.0,0.9
    1,0.5,0.7
    <BLANKLINE>
    """
    keys = sorted(k for k in history if k != index)
    n_rows = max((len(v) for v in history.values()), default=0)
    counter = history.get(index, range(n_rows))
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([index, *keys])
        for row in range(n_rows):
            writer.writerow([counter[row] if row < len(counter) else "NA",
                             *(_cell(history[k], row) for k in keys)])
    return path


def _cell(values, row: int):
    if row >= len(values):
        return "NA"
    value = values[row]
    return value if isinstance(value, int) and not isinstance(value, bool) else float(value)


def plot_learning_curves(history: dict[str, list[float]], path: Path, title: str = "") -> Path:
    """Loss (and each metric) per epoch, training and validation, one panel each."""
    names = [k for k in history if not k.startswith("val_") and k != "lr"]
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.6), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = range(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], label=f"training {name}")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title or "Learning curves")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_confusion(cm, classes: list[str], path: Path, title: str) -> Path:
    """A confusion matrix as an image: colour = share of the true class (row), text = count."""
    cm = np.asarray(cm)
    k = len(classes)
    share = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    size = min(3.0 + 0.55 * k, 12.0)
    fig, ax = plt.subplots(figsize=(size + 1.0, size))
    image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=9 if k < 12 else 7,
                    color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(k), classes, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center")
    ax.set_yticks(range(k), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("\n".join(textwrap.wrap(title, width=int(9 * size))), fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# -- the verdict against the strongest baseline --------------------------------------------

def strongest(baselines: dict[str, float], higher_is_better: bool = True) -> tuple[str, float]:
    """(name, score) of the best baseline; on a tie the first listed.

    >>> strongest({"majority class": 0.5, "bag of words": 0.82})
    ('bag of words', 0.82)
    >>> strongest({"naive": 3.0, "seasonal naive": 2.5}, higher_is_better=False)
    ('seasonal naive', 2.5)
    """
    if not baselines:
        raise ValueError("strongest needs at least one baseline score.")
    sign = 1.0 if higher_is_better else -1.0
    name = max(baselines, key=lambda k: sign * baselines[k])
    return name, baselines[name]


def verdict(model_name: str, model_score: float, baseline_name: str, baseline_score: float,
            metric: str, higher_is_better: bool = True, percent: bool = True
            ) -> dict[str, Any]:
    """The comparison every report and console table shows, as JSON-ready values and a
    sentence that says plainly who wins (equal scores are a tie, not a win).

    >>> verdict("BiLSTM", 0.80, "bag of words", 0.82, "accuracy")["sentence"]
    'The baseline wins: bag of words scores accuracy 82.0% against 80.0% for the BiLSTM.'
    >>> verdict("BiLSTM", 0.84, "bag of words", 0.82, "accuracy")["model_wins"]
    True
    """
    show = (lambda v: f"{v:.1%}") if percent else (lambda v: f"{v:.4g}")
    diff = (model_score - baseline_score) * (1 if higher_is_better else -1)
    if diff > 0:
        sentence = (f"The {model_name} beats the strongest baseline ({baseline_name}): "
                    f"{metric} {show(model_score)} against {show(baseline_score)}.")
    elif diff == 0:
        sentence = (f"A tie: the {model_name} and the strongest baseline ({baseline_name}) "
                    f"both score {metric} {show(model_score)}.")
    else:
        sentence = (f"The baseline wins: {baseline_name} scores {metric} "
                    f"{show(baseline_score)} against {show(model_score)} for the {model_name}.")
    return {"metric": metric, "model": model_name, "model_score": model_score,
            "baseline": baseline_name, "baseline_score": baseline_score,
            "higher_is_better": higher_is_better, "model_wins": bool(diff > 0),
            "sentence": sentence}


# -- the report ----------------------------------------------------------------------------

def write_report(folder: Path, title: str, summary: str, metrics: dict[str, Any],
                 images: list[tuple[str, str]], extra_html: str = "",
                 command: str | None = None, verdict: dict[str, Any] | None = None) -> Path:
    """report.html: the title, the verdict, a summary, a table of scores with words, the
    plots (relative links) and the command that reproduces the run.

    metrics: {label: value}; a nested dict becomes rows labelled "outer: inner" and a list
    its values joined by commas, so keys should already be words ("epochs run")."""
    rows = "\n".join(
        f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(_fmt(v))}</td></tr>"
        for k, v in _flatten(metrics).items())
    figures = "\n".join(
        f'<figure><img src="{html.escape(src)}" alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>" for src, caption in images)
    judged = "" if verdict is None else (
        f'<p class="verdict {"win" if verdict["model_wins"] else "loss"}"><b>Verdict.</b> '
        f"{html.escape(verdict['sentence'])}</p>")
    again = "" if command is None else (
        f"<h2>Reproduce this run</h2><pre>{html.escape(command)}</pre>")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
td, th {{ border: 1px solid #ccc; padding: 4px 10px; text-align: left; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
figure {{ margin: 1.5em 0; }} figcaption {{ color: #555; font-size: 0.9em; }}
pre {{ background: #f6f6f6; padding: 1em; white-space: pre-wrap; }}
.verdict {{ padding: 0.6em 1em; border-left: 5px solid; }}
.win {{ border-color: #2a7; background: #eefaf3; }}
.loss {{ border-color: #c63; background: #fdf1ea; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
{judged}
<p>{html.escape(summary)}</p>
<h2>Scores</h2>
<table><tr><th>measure</th><th>value</th></tr>
{rows}
</table>
{extra_html}
<h2>Plots</h2>
{figures}
{again}
</body></html>
"""
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    return path


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested labels as words: {"protocol": {"name": x}} -> {"protocol: name": x}.

    >>> _flatten({"epochs_run": [11], "protocol": {"name": "blocks"}})
    {'epochs run': [11], 'protocol: name': 'blocks'}
    """
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{str(k).replace('_', ' ')}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + ": "))
        else:
            out[key] = v
    return out


def _fmt(v: Any) -> str:
    """A value for a table cell: floats to 4 significant digits, lists joined by commas.

    >>> _fmt(0.123456), _fmt([11]), _fmt([0.5, 0.25]), _fmt(None)
    ('0.1235', '11', '0.5, 0.25', '-')
    """
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (list, tuple)):
        return ", ".join(_fmt(x) for x in v)
    if v is None:
        return "-"
    return str(v)
