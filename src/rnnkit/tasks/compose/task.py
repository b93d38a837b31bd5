"""Music generation: ABC tunes -> folk-rnn tokens -> an LSTM language model, scored on
held-out tunes in bits per token against a 3-gram, and by the share of sampled tunes that
music21 parses and whose bars have the meter's length (the same for the 3-gram's samples).

    >>> from rnnkit.tasks.compose import compose, predict
    >>> run = compose(epochs=2, out="runs/compose")                       # doctest: +SKIP
    >>> print(predict(run["out"], "M:6/8 K:D"))                          # doctest: +SKIP
    X:1 ...
"""
from __future__ import annotations

import os
from collections import Counter
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...errors import UserError
from ...utils import set_random_seed
from .abc import detokenize
from .bars import check_bars, why_wrong
from .data import load_tunes, split
from .model import (CELLS, NGram, TuneModel, Vocabulary, bits_per_token, encode, parse_prompt,
                    sample, token_loss)

QUICK = {"epochs": 2, "units": 96, "samples": 20}


def compose(path: str | os.PathLike | None = None, cell: str = "lstm", units: int = 256,
            layers: int = 2, embedding: int = 64, clock: int = 16, epochs: int = 20,
            batch_size: int = 32, learning_rate: float = 3e-3, max_tokens: int = 400,
            order: int = 3, samples: int = 50, temperature: float = 0.4,
            prompt: str | None = None, seed: int = 0, out: str | os.PathLike | None = None,
            quick: bool = False, verbose: bool = False) -> dict[str, Any]:
    """Train the tune model, score it and its n-gram baseline; write the run folder `out`.

    path: None for Ryan's Mammoth Collection (music21's corpus), else an .abc file or a
    folder of them. Tunes are split 85/5/10 (training/validation/test) by a fixed shuffle;
    training cuts tunes to `max_tokens`, scoring uses them whole. `samples` tunes are
    sampled from each model at `temperature` after `prompt` ("M:6/8 K:D", tokens; default:
    each sample starts from <s> alone).
    Returns {"out": the run folder, "metrics": the contents of metrics.json}.
    """
    if quick:
        epochs, units = min(epochs, QUICK["epochs"]), min(units, QUICK["units"])
        samples = min(samples, QUICK["samples"])
    check_settings(cell, units, layers, embedding, epochs, batch_size, samples, order,
                   max_tokens, temperature)
    if not isinstance(clock, int) or clock < 0:
        raise UserError(f"--clock must be 0 (no bar clock) or a positive embedding size, got "
                        f"{clock!r}.")
    tunes = load_tunes(path)
    train_i, val_i, test_i = split(len(tunes.tokens), seed)
    train = [tunes.tokens[i] for i in train_i]
    val = [tunes.tokens[i] for i in val_i]
    test = [tunes.tokens[i] for i in test_i]
    vocab = Vocabulary([t for tune in train for t in tune])
    prompt_tokens = parse_prompt(prompt, vocab)

    set_random_seed(seed)
    model = TuneModel(len(vocab), embedding, units, layers, cell, clock=clock)
    start = time.perf_counter()
    history = fit(model, vocab, train, val, epochs, batch_size, learning_rate, max_tokens,
                  seed, verbose)
    seconds = round(time.perf_counter() - start, 1)
    ids = [encode(vocab, t) for t in test]
    model_bits = bits_per_token(model, ids)
    ngram = NGram(order).fit(train, vocab)
    k = ngram.tune_k(val, vocab)
    ngram_bits = ngram.bits_per_token(test, vocab)

    gen = torch.Generator().manual_seed(seed)
    model_tunes = []
    for i in range(0, samples, 25):
        model_tunes += sample(model, vocab, prompt_tokens, min(25, samples - i), temperature,
                              generator=gen)
    gen = torch.Generator().manual_seed(seed)
    guarded = []
    for i in range(0, samples, 25):
        guarded += sample(model, vocab, prompt_tokens, min(25, samples - i), temperature,
                          generator=gen, guard=True)
    ngram_tunes = ngram.sample(prompt_tokens, samples, np.random.default_rng(seed),
                               temperature)
    model_score, ngram_score = score_tunes(model_tunes), score_tunes(ngram_tunes)
    reference = score_tunes(test, parse=False)
    metrics = {
        "task": "compose", "data": tunes.source, "n_tunes": len(tunes.tokens),
        "n_train": len(train), "n_val": len(val), "n_test": len(test),
        "skipped_tunes": tunes.skipped, "vocabulary": len(vocab),
        "test_tokens": sum(len(t) - 1 for t in ids),
        "model": {"name": f"{cell.upper()} x{layers} ({units} units" +
                          (", bar clock)" if clock else ")"),
                  "bits_per_token": model_bits,
                  "val_bits_per_token": history["val_bits_per_token"][-1], **model_score},
        "model_failures": dict(Counter(w for w in map(why_wrong, model_tunes) if w)),
        "model_bar_guarded": score_tunes(guarded),
        "baseline": {"name": f"{order}-gram, add-k (k={k} on validation; samples from "
                             "its counts with back-off)",
                     "bits_per_token": ngram_bits,
                     "val_bits_per_token": ngram.bits_per_token(val, vocab), **ngram_score},
        "test_tunes_bars_right": reference["bars_right"],
        "temperature": temperature, "prompt": " ".join(prompt_tokens), "samples": samples,
        "epochs": epochs, "seconds": seconds, "threads": torch.get_num_threads(),
        "seed": seed,
    }
    task = {"task": "compose", "data": tunes.source, "cell": cell, "units": units,
            "layers": layers, "embedding": embedding, "clock": clock, "epochs": epochs,
            "batch_size": batch_size, "learning_rate": learning_rate,
            "max_tokens": max_tokens, "temperature": temperature, "seed": seed}
    from .report import default_out, write_compose_run
    out = Path(out) if out else default_out()
    write_compose_run(out, model, vocab, task, metrics, history, model_tunes, ngram_tunes)
    return {"out": out, "metrics": metrics}


def check_settings(cell, units, layers, embedding, epochs, batch_size, samples, order,
                   max_tokens, temperature) -> None:
    if cell not in CELLS:
        raise UserError(f"--cell must be one of {', '.join(CELLS)}, got {cell!r}.")
    for name, value in [("units", units), ("layers", layers), ("embedding", embedding),
                        ("epochs", epochs), ("batch-size", batch_size), ("samples", samples),
                        ("order", order), ("max-tokens", max_tokens)]:
        if not isinstance(value, int) or value < 1:
            raise UserError(f"--{name} must be a positive integer, got {value!r}.")
    if temperature < 0:
        raise UserError(f"--temperature must be 0 (greedy) or more, got {temperature}.")


def fit(model: TuneModel, vocab: Vocabulary, train: list[list[str]], val: list[list[str]],
        epochs: int, batch_size: int, learning_rate: float, max_tokens: int, seed: int,
        verbose: bool) -> dict[str, list[float]]:
    """Adam over shuffled batches of tunes of similar length (each cut to a random window
    of `max_tokens`), gradient norm clipped at 1; bits per token on training batches and
    validation tunes."""
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    steps = epochs * ((len(train) + batch_size - 1) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=learning_rate,
                                                   total_steps=steps, pct_start=0.1)
    rng = np.random.default_rng(seed + 1)
    seqs = [encode(vocab, t) for t in train]
    val_ids = [encode(vocab, t) for t in val]
    history: dict[str, list[float]] = {"bits_per_token": [], "val_bits_per_token": []}
    for epoch in range(1, epochs + 1):
        model.train()
        losses, counts = 0.0, 0
        lengths = [min(len(s), max_tokens + 1) for s in seqs]
        for tunes in length_batches(lengths, batch_size, rng):
            batch = [window(seqs[j], max_tokens + 1, rng) for j in tunes]
            loss = token_loss(model, batch)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            n = sum(len(s) - 1 for s in batch)
            losses, counts = losses + loss.item() * n, counts + n
        history["bits_per_token"].append(losses / counts / np.log(2))
        history["val_bits_per_token"].append(bits_per_token(model, val_ids))
        if verbose:
            print(f"epoch {epoch}/{epochs}  bits/token {history['bits_per_token'][-1]:.3f}  "
                  f"validation {history['val_bits_per_token'][-1]:.3f}", flush=True)
    model.eval()
    return history


def length_batches(lengths: list[int], batch_size: int, rng: np.random.Generator,
                   pool: int = 8) -> list[list[int]]:
    """Every index once, in batches of similar length (less padding to compute): shuffle,
    sort each pool of `pool` batches by length, cut it into batches, shuffle the batches.

    >>> b = length_batches([5, 1, 4, 2, 3, 6], 2, np.random.default_rng(0))
    >>> sorted(sorted([5, 1, 4, 2, 3, 6][j] for j in x) for x in b)
    [[1, 2], [3, 4], [5, 6]]
    """
    order = rng.permutation(len(lengths)).tolist()
    batches = []
    for i in range(0, len(order), batch_size * pool):
        chunk = sorted(order[i:i + batch_size * pool], key=lambda j: lengths[j])
        batches += [chunk[k:k + batch_size] for k in range(0, len(chunk), batch_size)]
    return [batches[i] for i in rng.permutation(len(batches))]


def window(seq: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    if len(seq) <= n:
        return seq
    start = int(rng.integers(0, len(seq) - n + 1))
    return seq[start:start + n]


def score_tunes(tunes: list[list[str]], parse: bool = True) -> dict[str, Any]:
    """Shares of tunes that music21 parses, whose bars have the meter's length, and both."""
    from .music import parse as parse_abc
    n = len(tunes)
    bars = [check_bars(t)["passes"] for t in tunes]
    if not parse:
        return {"bars_right": sum(bars) / n}
    parsed = [parse_abc(detokenize(t)) is not None for t in tunes]
    return {"parses": sum(parsed) / n, "bars_right": sum(bars) / n,
            "parses_and_bars_right": sum(p and b for p, b in zip(parsed, bars)) / n,
            "mean_tokens": float(np.mean([len(t) for t in tunes]))}
