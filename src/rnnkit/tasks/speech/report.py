"""The speech run folder (written whole or not at all) and the transcriber that serves it.

    model/config.json, model/model.safetensors   the acoustic model (no pickles)
    features.json, symbols.json, task.json       how audio becomes features and ids text
    metrics.json, curves.png, alignment.png, confusion.png, report.html
"""
from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ... import __version__
from ...errors import UserError
from ..runs import (default_run_dir, plot_confusion, run_folder, verdict, write_history,
                    write_json, write_report)
from ..settings import command_line
from .audio import read_audio
from .features import LogMel
from .inference import features, transcribe
from .model import AcousticModel
from .plots import plot_alignment, plot_curves
from .scoring import Symbols
from .settings import SpeechSettings


def default_out() -> Path:
    return default_run_dir("speech")


def save_model(model: AcousticModel, folder: Path) -> None:
    from ...models.saving import save_task_model
    save_task_model(folder, "AcousticModel", model.config, model)   # weights + SHA-256


def load_model(folder: Path) -> AcousticModel:
    from ...models.saving import load_task_model
    return load_task_model(folder, AcousticModel)


def write_speech_run(out: Path, model: AcousticModel, logmel: LogMel, symbols: Symbols,
                     task: dict[str, Any], metrics: dict[str, Any],
                     history: dict[str, list[float]], example: np.ndarray) -> Path:
    m, b = metrics["model"], metrics["baseline"]
    digits = all(len(c) == 1 and c.isdigit() for c in symbols.chars)
    what = "digit" if digits else "word"
    with run_folder(out) as folder:
        save_model(model, folder / "model")
        write_json(folder / "features.json", logmel.get_config())
        (folder / "symbols.json").write_text(symbols.to_json() + "\n", encoding="utf-8")
        write_json(folder / "task.json", {**task, "rnnkit_version": __version__})
        write_json(folder / "metrics.json", metrics)
        write_history(history, folder / "history.csv", index="step")
        plot_curves(history, folder / "curves.png",
                    f"{m['name']}: CTC loss and validation {what} error rate")
        _plot_example(model, logmel, symbols, example, metrics, folder / "alignment.png")
        plot_confusion(np.array(metrics["confusion"]), metrics["confusion_words"],
                       folder / "confusion.png",
                       f"Test {what}s: spoken (rows) vs recognised (columns), aligned by edit "
                       f"distance; (none) = inserted / deleted. {what.capitalize()} error "
                       f"rate {m['error_rate']:.2%}")
        summary = (f"{what.capitalize()} error rate {m['error_rate']:.2%} (whole strings right "
                   f"{m['string_accuracy']:.1%}) on {metrics['n_test_utterances']} test "
                   f"utterances ({metrics['test_words']} {what}s; {metrics['protocol']}), "
                   f"against {b['error_rate']:.2%} ({b['string_accuracy']:.1%}) for {b['name']}.")
        table = {
            f"{what} error rate: model (beam {m['beam']}) / greedy / baseline":
                f"{m['error_rate']:.4f} / {m['greedy']['error_rate']:.4f} / "
                f"{b['error_rate']:.4f}",
            "whole-string accuracy: model / baseline":
                f"{m['string_accuracy']:.4f} / {b['string_accuracy']:.4f}",
            "model errors: substitutions / deletions / insertions":
                f"{m['substitutions']} / {m['deletions']} / {m['insertions']}",
            "baseline errors: substitutions / deletions / insertions":
                f"{b['substitutions']} / {b['deletions']} / {b['insertions']}",
            "test: protocol": metrics["protocol"],
            "test: recordings / utterances / words":
                f"{metrics['n_test_recordings']} / {metrics['n_test_utterances']} / "
                f"{metrics['test_words']}",
            "training / validation recordings":
                f"{metrics['n_train_recordings']} / {metrics['n_val_recordings']}",
            "training: steps x utterances a step, seconds, threads":
                f"{metrics['steps']} x {metrics['batch_size']}, {metrics['seconds']} s, "
                f"{metrics['threads']}",
            "baseline templates, seconds": f"{b['n_templates']}, {b['seconds']} s",
        }
        judged = verdict(m["name"], m["error_rate"], b["name"], b["error_rate"],
                         f"{what} error rate", higher_is_better=False)
        write_report(folder, f"Speech recognition: {metrics['data']}", summary, table,
                     [("alignment.png", "A test utterance: log-mel spectrogram, and under it "
                       "the model's per-frame CTC posteriors (grey: blank)"),
                      ("confusion.png", f"Confusion of the test {what}s (counts)"),
                      ("curves.png", "CTC loss and validation error rate over training")],
                     _examples_html(metrics["examples"]), command=_command(task),
                     verdict=judged)
    return Path(out)


def _plot_example(model, logmel, symbols, audio, metrics, path) -> None:
    with torch.no_grad():
        x, frames = features(logmel, [audio], model)
        log_probs, steps = model(x, frames)
        raw = torch.log(logmel.mel_power(torch.from_numpy(audio)[None]) + 1e-6)[0]
    reference = metrics["examples"][0]["reference"]
    heard = transcribe(model, logmel, symbols, [audio], beam=metrics["model"]["beam"])[0]
    plot_alignment(raw.numpy(), log_probs[0, :int(steps[0])].cpu().numpy(), symbols.chars,
                   model.stack, logmel.hop_length / logmel.rate, path,
                   f"Test utterance: said '{reference}', recognised '{heard}'")


def _command(task: dict[str, Any]) -> str:
    """The `rnnkit speech` line that reproduces the run (flags that differ from defaults)."""
    fields = {k: task[k] for k in SpeechSettings.__dataclass_fields__ if k in task}
    data = task.get("data")
    positional = [] if data in (None, "bundled") or "Free Spoken Digit" in str(data) \
        else [str(data)]
    return command_line("speech", SpeechSettings(**fields), positional)


def _examples_html(examples: list[dict[str, str]]) -> str:
    rows = "".join(
        f"<tr><td>{html.escape(e['reference'])}</td><td>{html.escape(e['model'])}</td>"
        f"<td>{html.escape(e['baseline'])}</td></tr>" for e in examples)
    return ("<h2>First test utterances</h2><table><tr><th>said</th><th>model</th>"
            f"<th>baseline</th></tr>{rows}</table>")


# -- predict ------------------------------------------------------------------------------------

def predict(run_dir: str | os.PathLike, user_input, beam: int | None = None):
    """The transcript of an audio file (any rate, mono or stereo), or (file, transcript)
    rows for a folder of audio files or a list of paths."""
    from .data import AUDIO_SUFFIXES
    run_dir = Path(run_dir)
    if not (run_dir / "symbols.json").is_file():
        raise UserError(f"{str(run_dir)!r} is not a speech run folder (no symbols.json). Pass "
                        "the folder written by `rnnkit speech` (see its --out).")
    task = json.loads((run_dir / "task.json").read_text())
    symbols = Symbols.from_json((run_dir / "symbols.json").read_text(encoding="utf-8"))
    logmel = LogMel.from_config(json.loads((run_dir / "features.json").read_text()))
    model = load_model(run_dir / "model")
    beam = task.get("beam", 8) if beam is None else beam
    if isinstance(user_input, (list, tuple)):
        files = [Path(p) for p in user_input]
    elif Path(user_input).is_dir():
        files = sorted(p for p in Path(user_input).rglob("*")
                       if p.suffix.lower() in AUDIO_SUFFIXES)
        if not files:
            raise UserError(f"{user_input}: no .wav files in this folder.")
    else:
        audio = read_audio(user_input, logmel.rate)
        return transcribe(model, logmel, symbols, [audio], beam)[0]
    audio = [read_audio(f, logmel.rate) for f in files]
    return [(str(f), t) for f, t in zip(files, transcribe(model, logmel, symbols, audio, beam))]
