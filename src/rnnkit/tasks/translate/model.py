"""Training and decoding for `rnnkit translate`: the Seq2Seq model (equations in
rnnkit.models.seq2seq) trained through `fit`, and the Translator that turns sentences into
sentences with bounded work.

Training: teacher forcing on the mean cross-entropy of the real target tokens (padding
masked out, label-smoothed in training), Adam with global gradient-norm clipping,
ReduceLROnPlateau and EarlyStopping(restore_best_weights) on the validation loss.

Shapes: N pairs, S source tokens, T target tokens (+1 for BOS / EOS), V vocabulary.
"""
from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from ... import optimizers
from ...callbacks import Callback, EarlyStopping, ReduceLROnPlateau
from ...errors import UserError
from ...models.seq2seq import PAD, UNK, Seq2Seq, token_loss
from .data import _pad, detokenize, encode, tokenize
from .settings import MAX_BEAM, MAX_SOURCE_TOKENS

CLIP = 1.0                        # global gradient norm
LENGTH_PENALTY = 1.0              # beam search: log p(y|x) / |y|^alpha


def train(model: Seq2Seq, data: dict[str, tuple[torch.Tensor, ...]], epochs: int,
          batch_size: int, lr: float, patience: int, quiet: bool = False,
          seed: int = 0, label_smoothing: float = 0.0) -> tuple[dict[str, list[float]], int]:
    """model.fit on ((src, tgt_in), tgt_out) batches, with EarlyStopping on the validation
    loss and ReduceLROnPlateau.

    data["train"] and data["val"] are (src, tgt_in, tgt_out) id tensors. Returns the
    history (loss, val_loss, lr, seconds per epoch) and the best epoch (from 1); the best
    epoch's weights are restored. label_smoothing applies to the training loss only.
    Progress: fit's bar per epoch on a terminal, one line per epoch otherwise, none quiet.
    """
    model.compile(optimizer=optimizers.get({"name": "adam", "learning_rate": lr,
                                            "global_clipnorm": CLIP}),
                  loss=token_loss(model, label_smoothing), device=_device(model))
    stop = EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    bars = not quiet and sys.stdout.isatty()
    clock = _EpochClock(print_lines=not quiet and not bars, epochs=epochs)
    history = model.fit(PairBatches(data["train"], batch_size, seed), epochs=epochs,
                        validation_data=PairBatches(data["val"], 256),
                        verbose=1 if bars else 0,
                        callbacks=[ReduceLROnPlateau(factor=0.5, patience=1, min_lr=lr / 20),
                                   stop, clock])
    return history.history, stop.best_epoch + 1


class PairBatches:
    """((src, tgt_in), tgt_out) batches of sentence pairs, in a new order each pass when
    shuffled (a seeded generator), each batch cut to its longest sentence."""

    def __init__(self, tensors: tuple[torch.Tensor, ...], batch_size: int,
                 shuffle_seed: int | None = None):
        self.tensors, self.batch_size = tensors, batch_size
        self.generator = None if shuffle_seed is None else \
            torch.Generator().manual_seed(shuffle_seed)

    def __len__(self) -> int:
        return -(-len(self.tensors[0]) // self.batch_size)

    def __iter__(self):
        n = len(self.tensors[0])
        order = torch.arange(n) if self.generator is None else \
            torch.randperm(n, generator=self.generator)
        for start in range(0, n, self.batch_size):
            src, tgt_in, tgt_out = (_trim(t[order[start:start + self.batch_size]])
                                    for t in self.tensors)
            yield (src, tgt_in), tgt_out


class _EpochClock(Callback):
    """Seconds since training began in the history, and one line per epoch if asked."""

    def __init__(self, print_lines: bool, epochs: int):
        super().__init__()
        self.print_lines, self.epochs = print_lines, epochs

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = round(time.perf_counter() - self.started, 1)
        logs["seconds"] = seconds                       # History (called last) keeps it
        if self.print_lines:
            print(f"epoch {epoch + 1:3d}/{self.epochs}  loss {logs['loss']:.3f}  val_loss "
                  f"{logs['val_loss']:.3f}  lr {logs.get('lr', float('nan')):.2g}  "
                  f"{seconds:.0f} s", flush=True)


def _device(model: Seq2Seq) -> torch.device:
    return next(model.parameters()).device


def _trim(ids: torch.Tensor) -> torch.Tensor:
    """Drop the columns that are padding in every row of the batch."""
    used = (ids != PAD).any(0).nonzero()
    return ids[:, : int(used.max()) + 1] if len(used) else ids[:, :1]


@dataclass
class Translator:
    """A trained model with what it needs to turn sentences into sentences."""

    model: Seq2Seq
    src_vocab: list[str]
    tgt_vocab: list[str]
    src_unit: str
    tgt_unit: str
    truecase: dict[str, str]

    def __post_init__(self):
        self.src_index = {t: i for i, t in enumerate(self.src_vocab)}

    def source_tokens(self, sentence: str) -> list[str]:
        return tokenize(sentence if self.src_unit == "char" else sentence.lower(), self.src_unit)

    def source_ids(self, sentences: list[str], first_line: int = 1) -> torch.Tensor:
        """(B, S) ids, post-padded; a sentence over MAX_SOURCE_TOKENS tokens is a UserError."""
        token_lists = [self.source_tokens(s) for s in sentences]
        for k, tokens in enumerate(token_lists):
            if len(tokens) > MAX_SOURCE_TOKENS:
                raise UserError(
                    f"Sentence {first_line + k} has {len(tokens):,} {self.src_unit} tokens; the "
                    f"translator reads at most {MAX_SOURCE_TOKENS} a sentence (its work and "
                    "memory grow with the square of the length, and it learned from sentences "
                    "of a few dozen). Split the text into sentences, one a line, and pass the "
                    "file.")
        return _pad([encode(tokens, self.src_index) or [UNK] for tokens in token_lists])

    def translate(self, sentences: list[str], beam_size: int = 1, batch_size: int = 256,
                  progress: bool = False) -> list[str]:
        """Greedy decoding (beam_size 1) or beam search (at most MAX_BEAM); at most 2 S + 10
        output tokens. progress: a tqdm bar over the sentences (on a terminal)."""
        if isinstance(beam_size, bool) or not isinstance(beam_size, int) \
                or not 1 <= beam_size <= MAX_BEAM:
            raise UserError(f"beam_size must be an integer from 1 to {MAX_BEAM}, got "
                            f"{beam_size!r}.")
        out = []
        bar = tqdm(total=len(sentences), unit="sentence", leave=False,
                   desc="greedy" if beam_size == 1 else f"beam {beam_size}",
                   disable=True if not progress else None)
        with bar:
            for start in range(0, len(sentences), batch_size):
                src = self.source_ids(sentences[start:start + batch_size], start + 1)
                src = src.to(_device(self.model))
                max_len = 2 * src.shape[1] + 10
                ids = (self.model.greedy_decode(src, max_len) if beam_size == 1
                       else self.model.beam_search(src, beam_size, max_len, LENGTH_PENALTY))
                out += [detokenize([self.tgt_vocab[i] for i in row], self.tgt_unit,
                                   self.truecase) for row in ids]
                bar.update(len(ids))
        return out

    def vocab_json(self) -> dict[str, Any]:
        return {"source": self.src_vocab, "target": self.tgt_vocab, "source_unit":
                self.src_unit, "target_unit": self.tgt_unit, "truecase": self.truecase}

    @classmethod
    def load(cls, model_dir) -> "Translator":
        vocab = json.loads((Path(model_dir) / "vocab.json").read_text(encoding="utf-8"))
        return cls(Seq2Seq.load(model_dir), vocab["source"], vocab["target"],
                   vocab["source_unit"], vocab["target_unit"], vocab["truecase"])
