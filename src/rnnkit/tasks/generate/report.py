"""The run folder of `rnnkit generate` (model, vocabulary, samples, curves, report) and
`predict`, which samples from a saved run (old run folders included)."""
from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
from matplotlib.ticker import MaxNLocator

from ...errors import UserError
from ...models import Sequential, load_model
from ..runs import plt, run_folder, write_history, write_json, write_report
from .model import sample
from .settings import MAX_LENGTH


def short_run_warning(metrics: dict, minutes: float | None) -> str | None:
    """A sentence when the minutes cap stopped training before its planned steps."""
    if not metrics.get("cut_short_by_minutes"):
        return None
    return (f"the --minutes {minutes:g} cap stopped training after {metrics['steps']:,} of "
            f"{metrics['steps_planned']:,} planned steps ({metrics['epochs']} epoch(s)): the "
            "scores are those of a shorter run. Raise or drop --minutes for the planned one.")


def write_run(out: Path, model: Sequential, vocab: list[str], task: dict, metrics: dict,
              samples: dict[float, str]) -> None:
    """The run folder, written whole or not at all (see runs.run_folder)."""
    with run_folder(out) as folder:
        model.save(folder / "model", include_optimizer=False)
        write_json(folder / "vocab.json", vocab)
        write_json(folder / "task.json", task)
        write_json(folder / "metrics.json", metrics)
        write_history(metrics["history"], folder / "history.csv")
        _plot_curves(metrics, folder / "curves.png", task["data"], task["val_fraction"])
        text = "".join(f"--- temperature {t} ---\n{txt}\n\n" for t, txt in samples.items())
        (folder / "samples.txt").write_text(text, encoding="utf-8")
        m, b = metrics, metrics["baselines"]
        wins = m["val_nats_per_char"] < b["unigram"]
        summary = (f"A {task['layers']} x LSTM({task['units']}) trained on {task['data']} for "
                   f"{m['steps']:,} steps ({m['epochs']} epochs, {m['train_seconds']:.0f} s): "
                   f"held-out (last {task['val_fraction']:.0%}) {m['val_nats_per_char']:.3f} "
                   f"nats per character against {b['unigram']:.3f} for the strongest baseline "
                   f"(character frequencies; uniform {b['uniform']:.3f}): "
                   + ("the model wins." if wins else "the baseline wins.")
                   + (f" Warning: {short_run_warning(m, task.get('minutes'))}"
                      if m.get("cut_short_by_minutes") else "")
                   + f" Reproduce: {task['command']}")
        scores = {"held-out nats per character": m["val_nats_per_char"],
                  "held-out bits per character": m["val_bits_per_char"],
                  "best held-out nats per character": m["best_val_nats_per_char"],
                  "training nats per character (last epoch)": m["train_nats_per_char"],
                  "baseline: character frequencies": b["unigram"],
                  "baseline: uniform, ln V": b["uniform"],
                  "steps (planned)": f"{m['steps']:,} ({m['steps_planned']:,})",
                  "epochs": m["epochs"], "training seconds": m["train_seconds"]}
        blocks = "".join(f"<h3>temperature {t}</h3><pre>{html.escape(txt)}</pre>"
                         for t, txt in samples.items())
        write_report(folder, "rnnkit generate", summary, scores,
                     [("curves.png", "nats per character by epoch, with the baselines")],
                     extra_html=f"<h2>Samples (prompt {task['prompt']!r})</h2>{blocks}")


def _plot_curves(metrics: dict, path: Path, source: str, val_fraction: float) -> None:
    """Training and held-out nats per character by epoch, with the two baselines."""
    hist, base = metrics["history"], metrics["baselines"]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    epochs = range(1, len(hist["loss"]) + 1)
    ax.plot(epochs, hist["loss"], "o-", label="training (mean over the epoch)")
    ax.plot(epochs, hist["val_loss"], "o-", label=f"held-out (last {val_fraction:.0%})")
    ax.axhline(base["uniform"], color="grey", ls=":",
               label=f"uniform, ln V = {base['uniform']:.2f}")
    ax.axhline(base["unigram"], color="grey", ls="--", label=f"unigram = {base['unigram']:.2f}")
    ax.set(xlabel="epoch (the last one may be partial: the plan is in steps)",
           ylabel="nats per character", ylim=(0, base["uniform"] * 1.05),
           title=f"Character LSTM on {source}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def predict(run_dir, prompt: str | None = None, length: int = 300,
            temperature: float | None = None, seed: int | None = None) -> str:
    """The prompt and `length` characters (at most MAX_LENGTH) sampled after it by the model
    saved in run_dir."""
    run_dir = Path(run_dir)
    try:
        task = json.loads((run_dir / "task.json").read_text(encoding="utf-8"))
        vocab = json.loads((run_dir / "vocab.json").read_text(encoding="utf-8"))
        model = load_model(run_dir / "model", compile=False)
    except (OSError, ValueError) as e:
        raise UserError(f"{str(run_dir)!r} is not a readable generate run folder ({e}). Pass a "
                        "folder written by `rnnkit generate`.") from None
    prompt = task.get("prompt", "") if prompt is None else prompt
    temperature = task.get("temperature", 0.8) if temperature is None else temperature
    unknown = sorted(set(prompt) - set(vocab))
    if unknown:
        raise UserError(f"The prompt has characters the model never saw: {unknown!r}. Use "
                        f"characters of its training text ({len(vocab)} distinct).")
    if (isinstance(length, bool) or not isinstance(length, int)
            or not 0 <= length <= MAX_LENGTH):
        raise UserError(f"--length must be an integer from 0 to {MAX_LENGTH:,} characters, got "
                        f"{length!r}. For more, sample in pieces: pass the end of one sample "
                        "as the next prompt.")
    if len(prompt) > MAX_LENGTH:
        raise UserError(f"The prompt has {len(prompt):,} characters; expected at most "
                        f"{MAX_LENGTH:,}. Pass its last part (the model reads it from the "
                        "start of a fresh state anyway).")
    if not isinstance(temperature, (int, float)) or not 0 <= temperature <= 100:
        raise UserError(f"--temperature must be a number from 0 (greedy) to 100, got "
                        f"{temperature!r}.")
    return sample(model, vocab, prompt, length, temperature, np.random.default_rng(seed))
