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
import shlex
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ...utils import set_random_seed
from ..settings import as_dict, build, command_line
from .abc import detokenize
from .bars import check_bars, why_wrong
from .data import load_tunes, split
from .model import (NGram, TuneModel, Vocabulary, bits_per_token, encode, parse_prompt, sample,
                    token_loss)
from .settings import ComposeSettings

def compose(path: str | os.PathLike | None = None, settings: ComposeSettings | None = None,
            out: str | os.PathLike | None = None, **options) -> dict[str, Any]:
    """Train the tune model, score it and its n-gram baseline; write the run folder `out`.

    path: None for Ryan's Mammoth Collection (music21's corpus), else an .abc file or a
    folder of them. settings: a ComposeSettings, or its fields as keywords
    (compose(epochs=2, units=96); settings.py). Tunes are split 85/5/10 (training/validation/
    test) by a fixed shuffle; training cuts tunes to `max_tokens`, scoring uses them whole.
    `samples` tunes are sampled from each model at `temperature` after `prompt` ("M:6/8
    K:D", tokens; default: each sample starts from <s> alone).
    Returns {"out": the run folder, "metrics": the contents of metrics.json}.
    """
    given = build(ComposeSettings, settings, options)
    s = given.quick_version()
    cell, units, layers, embedding, clock = s.cell, s.units, s.layers, s.embedding, s.clock
    epochs, batch_size, learning_rate = s.epochs, s.batch_size, s.learning_rate
    max_tokens, order, samples, temperature = s.max_tokens, s.order, s.samples, s.temperature
    prompt, seed, verbose = s.prompt, s.seed, not s.quiet
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
    command = command_line("compose", given, [] if path is None else [shlex.quote(str(path))])
    task = {"task": "compose", "data": tunes.source, "path": None if path is None else
            str(path), **as_dict(s), "command": command}
    from .report import default_out, write_compose_run
    out = Path(out) if out else default_out()
    write_compose_run(out, model, vocab, task, metrics, history, model_tunes, ngram_tunes)
    return {"out": out, "metrics": metrics}


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
