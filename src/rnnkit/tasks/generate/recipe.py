"""The recipe of `rnnkit generate`: read the text, train the character model for its planned
steps, score it against the baselines, sample, write the run folder."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from ... import __version__
from ...errors import UserError
from ...optimizers import Adam
from ...utils import set_random_seed
from ..runs import default_run_dir
from ..settings import as_dict, build, command_line
from .data import baselines, default_prompt, prepare, read_corpus, unigram_log_probs
from .model import CLIP, build_model, sample, train
from .report import short_run_warning, write_run
from .settings import Settings

TEMPERATURES = (0.5, 0.8, 1.0)


def generate(path=None, settings: Settings | None = None, out=None, quick: bool = False,
             verbose: int | None = None, **options) -> dict[str, Any]:
    """Train a character model on a text (default: Tiny Shakespeare) and write a run folder.

    Settings come as a Settings or as keyword arguments (`units=64, steps=200`); quick=True
    puts the demo's settings in every field left at its full default. Training runs
    `steps` batches, or `epochs` passes when given; `minutes` caps the wall clock (a run it
    cut short says so). verbose=0 is quiet=True. Returns the metrics, with "run_dir".
    """
    if verbose is not None:
        options.setdefault("quiet", not verbose)
    s = build(Settings, settings, options)
    if quick:
        s = s.quick()
    set_random_seed(s.seed)

    text, source = read_corpus(path)
    data = prepare(text, source, s.val_fraction, s.seq_len, s.batch_size)
    V = len(data.vocab)
    prompt = default_prompt(text, bundled=path is None) if s.prompt is None else s.prompt
    _check_prompt(prompt, data.vocab)
    planned = s.epochs * data.steps_per_epoch if s.epochs is not None else s.steps
    base = baselines(data.train_ids, data.val_ids, V)
    model = build_model(V, s.units, s.layers, s.embed_dim,
                        log_prior=unigram_log_probs(data.train_ids, V))
    model.compile(optimizer=Adam(learning_rate=s.lr, global_clipnorm=CLIP),
                  loss="sparse_categorical_crossentropy")
    if not s.quiet:
        print(f"{source}: {len(text):,} characters, V={V}, last {len(data.val_ids):,} held out; "
              f"{data.streams} streams, chunks of {s.seq_len}, {model.count_params():,} weights"
              f"; {planned:,} steps planned ({data.steps_per_epoch:,} an epoch). Baselines: "
              f"uniform {base['uniform']:.3f}, unigram {base['unigram']:.3f}.", flush=True)
    hist, schedule = train(model, data, s.lr, planned, s.minutes, s.quiet, s.threads)

    rng = np.random.default_rng(s.seed)
    samples = {t: sample(model, data.vocab, prompt, s.sample_length, t, rng)
               for t in dict.fromkeys((*TEMPERATURES, s.temperature))}
    val_loss = hist["val_loss"][-1]
    metrics = {
        "val_nats_per_char": val_loss, "val_bits_per_char": val_loss / math.log(2),
        "train_nats_per_char": hist["loss"][-1], "best_val_nats_per_char": min(hist["val_loss"]),
        "baselines": base, "baseline": "unigram", "baseline_score": base["unigram"],
        "epochs": len(hist["loss"]), "steps": schedule.step, "steps_planned": planned,
        "cut_short_by_minutes": schedule.capped,
        "train_seconds": round(hist["seconds"][-1], 1),
        "chars": {"total": len(text), "train": len(data.train_ids), "val": len(data.val_ids),
                  "val_scored": int(data.y_val.numel())},
        "history": {k: hist[k] for k in ("loss", "val_loss", "lr", "seconds")},
    }
    task = {"task": "generate", "data": source, "vocab_size": V, **as_dict(s),
            "batch_size": data.streams, "prompt": prompt, "quick": quick,
            "command": command_line("generate", s, [] if path is None else [str(path)]),
            "rnnkit_version": __version__}
    out = Path(out) if out is not None else default_run_dir("generate")
    write_run(out, model, data.vocab, task, metrics, samples)
    metrics["run_dir"] = str(out)
    warning = short_run_warning(metrics, s.minutes)
    if warning:                                   # even when quiet: the figure is not the plan's
        print(f"warning: {warning}", flush=True)
    if not s.quiet:
        print(f"held-out {val_loss:.3f} nats/char after {schedule.step:,} steps (unigram "
              f"baseline {base['unigram']:.3f})\n{samples[s.temperature]}\nRun folder: {out}")
    return metrics


def _check_prompt(prompt: str, vocab: list[str]) -> None:
    unknown = sorted(set(prompt) - set(vocab))
    if unknown:
        raise UserError(f"The prompt has characters the model never saw: {unknown!r}. Use "
                        f"characters of its training text ({len(vocab)} distinct).")
