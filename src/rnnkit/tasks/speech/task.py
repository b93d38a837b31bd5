"""Speech recognition of connected words (spoken digit strings): recordings -> connected
utterances made on the fly -> log-mel features -> bidirectional GRU with CTC -> transcript,
scored on utterances of held-out recordings against energy segmentation + DTW templates.

    >>> from rnnkit.tasks.speech import speech, predict
    >>> run = speech(quick=True, out="runs/speech")                        # doctest: +SKIP
    >>> predict(run["out"], "my_digits.wav")                               # doctest: +SKIP
    '4 0 7 1'
"""
from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...errors import UserError
from ...utils import set_random_seed
from .baseline import DTWRecognizer
from .corpus import Pool, cover_once, make_batch
from .data import Split, load_bundled, load_user, split
from .features import LogMel
from .inference import features, transcribe
from .model import CELLS, AcousticModel, ctc_loss, decode_batch
from .scoring import Symbols, confusion, scores

RATE = 8000
CELL_NAMES = {"gru": "GRU", "lstm": "LSTM", "mingru": "MinGRU", "minlstm": "MinLSTM"}
TEST_SEED, VAL_SEED = 2024, 7          # the test and validation utterances never change
QUICK = {"cell": "mingru", "steps": 250, "units": 64, "batch_size": 24, "templates": 1,
         "test_passes": 1}


def speech(path: str | os.PathLike | None = None, held_out_speaker: str | None = None,
           cell: str | None = None, units: int = 96, layers: int = 2, stack: int = 3,
           steps: int = 900, batch_size: int = 32, learning_rate: float = 3e-3,
           beam: int = 8, templates: int = 5, test_passes: int = 2,
           test_fraction: float = 0.2, seed: int = 0, out: str | os.PathLike | None = None,
           quick: bool = False, verbose: bool = False) -> dict[str, Any]:
    """Train a CTC acoustic model on connected-word utterances and score it; write `out`.

    path: None for the bundled Free Spoken Digit Dataset, scored on its official split
    (recordings 0-4 of each digit and speaker) or, with `held_out_speaker`, on every
    recording of that speaker; else a folder of WAV files named LABEL_SPEAKER_N.wav or a
    CSV of path,text[,speaker]. Training utterances are 1-7 recordings of one speaker joined
    (fresh ones every step, `batch_size` a step, `steps` steps, one-cycle learning rate);
    test utterances use each test recording once a pass (`test_passes`). The baseline
    matches `templates` training recordings per word and speaker. cell: gru (the default),
    lstm, mingru or minlstm. quick=True: a short run for the demo (settings in QUICK; the
    cell MinGRU unless one is given, as it trains about 4x faster a step than the GRU).

    Returns {"out": the run folder, "metrics": the contents of metrics.json}.
    """
    if quick:
        cell = cell or QUICK["cell"]
        steps, units = min(steps, QUICK["steps"]), min(units, QUICK["units"])
        batch_size, templates = min(batch_size, QUICK["batch_size"]), QUICK["templates"]
        test_passes = QUICK["test_passes"]
    cell = cell or "gru"
    check_settings(cell, units, layers, stack, steps, batch_size, beam, templates, test_passes)
    if path is None:
        pool, indices, source = load_bundled(RATE)
    else:
        (pool, source), indices = load_user(path, RATE), None
    parts = split(pool, indices, held_out_speaker, test_fraction, seed)
    symbols = Symbols.fit([pool.labels[i] for i in parts.train])
    test = cover_once(pool, parts.test, TEST_SEED, RATE, passes=test_passes)
    val = cover_once(pool, parts.val, VAL_SEED, RATE)
    logmel = LogMel(rate=RATE)

    set_random_seed(seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = AcousticModel(logmel.n_mels, len(symbols), units, layers, stack, cell).to(device)
    start, cpu_start = time.perf_counter(), time.process_time()
    history = train(model, logmel, symbols, pool, parts, val, steps, batch_size,
                    learning_rate, seed, verbose)
    seconds = round(time.perf_counter() - start, 1)
    cpu_seconds = round(time.process_time() - cpu_start, 1)          # summed over threads

    refs = [" ".join(words) for _, words in test]
    greedy = transcribe(model, logmel, symbols, [a for a, _ in test], beam=1)
    beamed = transcribe(model, logmel, symbols, [a for a, _ in test], beam=beam)
    start = time.perf_counter()
    baseline_hyps = run_baseline(pool, parts, templates, test, seed)
    baseline_seconds = round(time.perf_counter() - start, 1)
    words = sorted(set(pool.labels))
    metrics = {
        "task": "speech", "data": source, "protocol": parts.protocol,
        "n_train_recordings": len(parts.train), "n_val_recordings": len(parts.val),
        "n_test_recordings": len(parts.test), "n_test_utterances": len(test),
        "test_words": sum(len(w) for _, w in test), "test_passes": test_passes,
        "model": {"name": f"Bi{CELL_NAMES[cell]} x{layers} ({units} units) + CTC",
                  "beam": beam, **scores(refs, beamed),
                  "greedy": scores(refs, greedy)},
        "baseline": {"name": "energy segmentation + 1-NN DTW on MFCCs",
                     "templates": templates, "n_templates": _n_templates(pool, parts, templates),
                     **scores(refs, baseline_hyps), "seconds": baseline_seconds},
        "confusion_words": words + ["(none)"],
        "confusion": confusion(refs, beamed, words).tolist(),
        "steps": steps, "batch_size": batch_size, "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "threads": torch.get_num_threads(), "seed": seed,
        "examples": [{"reference": r, "model": h, "baseline": b}
                     for r, h, b in list(zip(refs, beamed, baseline_hyps))[:12]],
    }
    task = {"task": "speech", "rate": RATE, "features": logmel.get_config(), "beam": beam,
            "data": source, "protocol": parts.protocol, "cell": cell, "units": units,
            "layers": layers, "stack": stack, "steps": steps, "batch_size": batch_size,
            "learning_rate": learning_rate, "seed": seed, "templates": templates,
            "test_passes": test_passes, "held_out_speaker": held_out_speaker,
            "test_fraction": test_fraction}
    from .report import default_out, write_speech_run
    out = Path(out) if out else default_out()
    write_speech_run(out, model, logmel, symbols, task, metrics, history, test[0][0])
    return {"out": out, "metrics": metrics}


def check_settings(cell, units, layers, stack, steps, batch_size, beam, templates,
                   test_passes) -> None:
    if cell not in CELLS:
        raise UserError(f"--cell must be one of {', '.join(CELLS)}, got {cell!r}.")
    for name, value in [("units", units), ("layers", layers), ("stack", stack),
                        ("steps", steps), ("batch-size", batch_size), ("beam", beam),
                        ("templates", templates), ("test-passes", test_passes)]:
        if not isinstance(value, int) or value < 1:
            raise UserError(f"--{name} must be a positive integer, got {value!r}.")


# -- training -----------------------------------------------------------------------------------

def train(model: AcousticModel, logmel: LogMel, symbols: Symbols, pool: Pool, parts: Split,
          val: list, steps: int, batch_size: int, learning_rate: float, seed: int,
          verbose: bool) -> dict[str, list[float]]:
    """Adam with a one-cycle learning rate over `steps` batches of fresh utterances;
    validation loss and greedy error rate every `steps // 12` steps."""
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=learning_rate,
                                                   total_steps=steps, pct_start=0.15)
    rng = np.random.default_rng(seed + 2)
    every = max(1, steps // 12)
    history: dict[str, list[float]] = {"step": [], "loss": [], "val_loss": [],
                                       "val_error_rate": []}
    recent: list[float] = []
    model.train()
    for step in range(1, steps + 1):
        batch = make_batch(pool, parts.train, rng, RATE, batch_size)
        x, frames = features(logmel, [a for a, _ in batch], model)
        log_probs, out_steps = model(x, frames)
        loss = ctc_loss(log_probs, out_steps, [symbols.encode(w) for _, w in batch])
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        optimizer.step()
        schedule.step()
        recent.append(loss.item())
        if step % every == 0 or step == steps:
            val_loss, val_err = validate(model, logmel, symbols, val)
            for k, v in [("step", step), ("loss", float(np.mean(recent))),
                         ("val_loss", val_loss), ("val_error_rate", val_err)]:
                history[k].append(v)
            recent = []
            if verbose:
                print(f"step {step}/{steps}  loss {history['loss'][-1]:.3f}  val loss "
                      f"{val_loss:.3f}  val error rate {val_err:.2%}", flush=True)
    model.eval()
    return history


@torch.no_grad()
def validate(model: AcousticModel, logmel: LogMel, symbols: Symbols,
             utterances: list) -> tuple[float, float]:
    """(CTC loss, greedy error rate) on utterances, in eval mode."""
    from .scoring import error_rate
    was_training = model.training
    model.eval()
    losses, hyps = [], []
    for i in range(0, len(utterances), 64):
        chunk = utterances[i:i + 64]
        x, frames = features(logmel, [a for a, _ in chunk], model)
        log_probs, steps = model(x, frames)
        losses.append(float(ctc_loss(log_probs, steps, [symbols.encode(w) for _, w in chunk]))
                      * len(chunk))
        hyps += [symbols.decode(ids) for ids in decode_batch(log_probs, steps, beam=1)]
    model.train(was_training)
    refs = [" ".join(w) for _, w in utterances]
    return sum(losses) / len(utterances), error_rate(refs, hyps)


# -- the baseline -------------------------------------------------------------------------------

def _template_indices(pool: Pool, parts: Split, per: int) -> np.ndarray:
    """The first `per` training recordings of each (word, speaker), in index order."""
    seen: dict[tuple[str, str], int] = {}
    chosen = []
    for i in sorted(parts.train.tolist()):
        key = (pool.labels[i], pool.speakers[i])
        if seen.get(key, 0) < per:
            seen[key] = seen.get(key, 0) + 1
            chosen.append(i)
    return np.array(chosen)


def _n_templates(pool: Pool, parts: Split, per: int) -> int:
    return len(_template_indices(pool, parts, per))


def run_baseline(pool: Pool, parts: Split, per: int, test: list, seed: int) -> list[str]:
    """Energy segmentation + 1-NN DTW transcripts of the test utterances."""
    chosen = _template_indices(pool, parts, per)
    recognizer = DTWRecognizer([pool.audio[i] for i in chosen],
                               [pool.labels[i] for i in chosen], RATE)
    return [" ".join(recognizer.recognize(a)) for a, _ in test]
