"""The compose run folder (written whole or not at all) and `predict`, which samples a tune.

    model/config.json, model/model.safetensors   the tune model (no pickles)
    vocab.json, task.json, metrics.json          tokens, settings, scores
    samples.abc, baseline_samples.abc            every sampled tune, model and 3-gram
    tune_1.mid .. tune_4.mid, tune_1.wav, tune_2.wav, pianoroll.png, curves.png, report.html
"""
from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

import torch

from ... import __version__
from ...errors import UserError
from ..runs import (default_run_dir, plot_learning_curves, run_folder, write_json,
                    write_report)
from ..runs import verdict as compare_with_baseline    # `verdict` names a tune's below
from .abc import detokenize
from .bars import check_bars, why_wrong
from .model import TuneModel, Vocabulary, parse_prompt, sample

N_MIDI, N_WAV = 4, 2


def default_out() -> Path:
    return default_run_dir("compose")


def save_model(model: TuneModel, folder: Path) -> None:
    from ...models.saving import save_task_model
    save_task_model(folder, "TuneModel", model.config, model)   # weights + SHA-256


def load_model(folder: Path) -> TuneModel:
    from ...models.saving import load_task_model
    return load_task_model(folder, TuneModel)


def write_compose_run(out: Path, model: TuneModel, vocab: Vocabulary, task: dict[str, Any],
                      metrics: dict[str, Any], history: dict[str, list[float]],
                      model_tunes: list[list[str]], ngram_tunes: list[list[str]]) -> Path:
    from .music import note_events, parse, plot_piano_rolls, write_midi, write_wav
    m, b = metrics["model"], metrics["baseline"]
    with run_folder(out) as folder:
        save_model(model, folder / "model")
        write_json(folder / "vocab.json", vocab.tokens)
        write_json(folder / "task.json", {**task, "rnnkit_version": __version__})
        write_json(folder / "metrics.json", metrics)
        texts = [detokenize(t, f"rnnkit tune {i}", i) for i, t in enumerate(model_tunes, 1)]
        (folder / "samples.abc").write_text("\n".join(texts), encoding="utf-8")
        (folder / "baseline_samples.abc").write_text("\n".join(
            detokenize(t, f"3-gram tune {i}", i) for i, t in enumerate(ngram_tunes, 1)),
            encoding="utf-8")
        plot_learning_curves(history, folder / "curves.png",
                             f"{m['name']}: bits per token, training and validation")
        rolls, media = [], []
        good = [i for i, t in enumerate(model_tunes) if check_bars(t)["passes"]]
        for i in (good + [i for i in range(len(texts)) if i not in good])[:N_MIDI]:
            score = parse(texts[i])
            if score is None:
                continue
            events = note_events(score)
            name = f"tune_{len(rolls) + 1}"
            write_midi(score, folder / f"{name}.mid")
            if len(rolls) < N_WAV:
                write_wav(events, folder / f"{name}.wav")
            head = [next((t for t in model_tunes[i] if t.startswith(k)), f"no {k}")
                    for k in ("M:", "K:")]
            verdict = why_wrong(model_tunes[i]) or "bars right"
            rolls.append((f"{name}: sample {i + 1}, {' '.join(head)} ({verdict})", events))
            media.append((name, texts[i]))
        images = [("curves.png", "Bits per token over training (lower is better)")]
        if rolls:
            plot_piano_rolls(rolls, folder / "pianoroll.png")
            images.insert(0, ("pianoroll.png", "Piano rolls of sampled tunes"))
        summary = (f"{m['bits_per_token']:.3f} bits per token on {metrics['n_test']} held-out "
                   f"tunes against {b['bits_per_token']:.3f} for the {b['name']}. Of "
                   f"{metrics['samples']} sampled tunes, {m['parses_and_bars_right']:.0%} "
                   f"parse in music21 with every bar the meter's length "
                   f"({b['parses_and_bars_right']:.0%} for the baseline's samples; "
                   f"{metrics['test_tunes_bars_right']:.0%} of the test tunes themselves).")
        table = {
            "bits per token on test tunes: model / n-gram":
                f"{m['bits_per_token']:.4f} / {b['bits_per_token']:.4f}",
            "samples that parse: model / n-gram": f"{m['parses']:.2f} / {b['parses']:.2f}",
            "samples whose bars have the meter's length: model / n-gram":
                f"{m['bars_right']:.2f} / {b['bars_right']:.2f}",
            "both: model / n-gram (target >= 0.90)":
                f"{m['parses_and_bars_right']:.2f} / {b['parses_and_bars_right']:.2f}",
            "both, model with bar-guarded sampling (guard.py: a decoding rule)":
                f"{metrics['model_bar_guarded']['parses_and_bars_right']:.2f}",
            "test tunes whose bars have the meter's length": metrics["test_tunes_bars_right"],
            "the bar rule (bars.py)": "every bar the meter's length, except a section's first "
                                      "(a pickup) and last (completing a pickup); sections "
                                      "split at || |: :| :: and the tune's ends",
            "why the model's failing samples fail": ", ".join(
                f"{k} {v}" for k, v in metrics["model_failures"].items()) or "none fail",
            "tunes: training / validation / test":
                f"{metrics['n_train']} / {metrics['n_val']} / {metrics['n_test']}",
            "vocabulary (tokens)": metrics["vocabulary"],
            "sampling: temperature, prompt":
                f"{metrics['temperature']}, {metrics['prompt'] or '(none)'}",
            "training: epochs, seconds, threads":
                f"{metrics['epochs']}, {metrics['seconds']} s, {metrics['threads']}",
        }
        judged = compare_with_baseline(f"{m.get('name', 'model')}", m["bits_per_token"], b["name"],
                         b["bits_per_token"], "bits per token on the test tunes",
                         higher_is_better=False, percent=False)
        write_report(folder, f"Music generation: {metrics['data']}", summary, table, images,
                     _media_html(media), command=task.get("command"), verdict=judged)
    return Path(out)


def _media_html(media: list[tuple[str, str]]) -> str:
    parts = ["<h2>Sampled tunes</h2>"]
    for k, (name, text) in enumerate(media):
        audio = (f'<audio controls src="{name}.wav"></audio> ' if k < N_WAV else "")
        parts.append(f"<h3>{name}</h3><p>{audio}<a href=\"{name}.mid\">{name}.mid</a></p>"
                     f"<pre>{html.escape(text)}</pre>")
    parts.append('<p>Every sample: <a href="samples.abc">samples.abc</a>; the 3-gram\'s: '
                 '<a href="baseline_samples.abc">baseline_samples.abc</a>.</p>')
    return "\n".join(parts)


def predict(run_dir: str | os.PathLike, user_input: str | None = None,
            temperature: float | None = None, seed: int | None = None) -> str:
    """A new tune in ABC, sampled from a saved run; user_input an optional prompt of tokens
    such as 'M:6/8 K:D'."""
    run_dir = Path(run_dir)
    if not (run_dir / "vocab.json").is_file():
        raise UserError(f"{str(run_dir)!r} is not a compose run folder (no vocab.json). Pass "
                        "the folder written by `rnnkit compose` (see its --out).")
    task = json.loads((run_dir / "task.json").read_text())
    vocab = Vocabulary([])
    vocab.tokens = json.loads((run_dir / "vocab.json").read_text())
    vocab.index = {t: i for i, t in enumerate(vocab.tokens)}
    model = load_model(run_dir / "model")
    gen = torch.Generator().manual_seed(seed) if seed is not None else None
    t = task.get("temperature", 0.4) if temperature is None else temperature
    tune = sample(model, vocab, parse_prompt(user_input, vocab), 1, t, generator=gen)[0]
    return detokenize(tune, "rnnkit tune").rstrip("\n")
