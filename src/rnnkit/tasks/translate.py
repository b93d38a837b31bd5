"""Machine translation, Chinese to English: an encoder-decoder GRU with attention.

    >>> from rnnkit.tasks.translate import translate, predict
    >>> run = translate(quick=True, out="runs/zh-en")               # doctest: +SKIP
    >>> predict("runs/zh-en", "我们走吧。")                           # doctest: +SKIP
    [('我们走吧。', "Let's go.")]

Data: the bundled 5,575 Tatoeba pairs (English<TAB>Chinese) or a file in that layout,
`target<TAB>source[<TAB>...]` (from_column=2: translate the 2nd column into the 1st, as
the Tatoeba files are written; from_column=1 the other way). Each side is split into
characters when most of its sentences have no spaces (Chinese, Japanese), else into
lower-cased words with punctuation and clitics ('s, n't) split off; the output words are
put back together with the spaces and capitals seen in training (detokenize). The pairs
are shuffled once with a fixed seed (SPLIT_SEED) and cut 80/10/10 into training,
validation (early stopping, the choice of decoder) and test (the scores).

Model: rnnkit.models.seq2seq.Seq2Seq (equations there), trained with teacher forcing on
the mean cross-entropy of the real target tokens (padding masked out, label-smoothed in
training), Adam with global gradient-norm clipping, ReduceLROnPlateau and
EarlyStopping(restore_best_weights) on the validation loss. A few thousand pairs are very
little data for translation: FULL is a regularised model (dropout, word dropout, tied
embeddings, label smoothing, small batches; the measurements are above FULL).

Scores: BLEU and chrF (sacrebleu) on the test split, for greedy decoding, beam search and a
retrieval baseline (the English of the training pair whose source shares the most
character n-grams, TF-IDF cosine).

    translate()               -> run folder: model/ (config.json, model.safetensors,
                                 vocab.json), task.json, metrics.json, curves.png,
                                 attention.png, examples.tsv, report.html
    predict(run_dir, text)    -> [(source, translation)] for a sentence or a file of them

Tokens, vocabularies, the split and the baseline are in translation_data.py.
Shapes: N pairs, S source tokens, T target tokens (+1 for BOS / EOS), V vocabulary.
"""
from __future__ import annotations

import argparse
import html
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from .. import __version__, optimizers
from ..callbacks import Callback, EarlyStopping, ReduceLROnPlateau
from ..errors import UserError
from ..datasets import read_text
from ..datasets.readers import _split_lines
from ..models.seq2seq import ATTENTIONS, PAD, UNK, Seq2Seq, token_loss
from ..models.training import resolve_device
from ..utils import set_random_seed
from .attention_plot import plot_attention
from .runs import (default_run_dir, plot_learning_curves, run_folder, write_history, write_json,
                   write_report)
from .translation_data import (FRACTIONS, SPLIT_SEED, Side, _pad, build_vocab, detokenize,
                               encode, guess_unit, learn_truecase, read_pairs,
                               retrieval_baseline, split, tokenize)

# Full settings, chosen on the validation split (benchmarks/quality_translate.py). The
# 4,459 training pairs are few, so the recipe regularises hard (Sennrich & Zhang 2019).
# Measured, seed 0, 1 thread on a loaded 2-core machine, greedy decoding, validation split
# (loss in nats per token, BLEU, chrF):
#   the old FULL: units 192, embed 128, dropout 0.3, batch 64, lr 3e-3   3.71, 1.8, 14.7
#     (fluent English unrelated to the source; attention stuck on the first character)
#   the same plus: "scaled" attention 3.80 at epoch 14 (stopped); tied embeddings, 12
#     epochs 2.82, 13.7, 30.8; tied, "scaled", dropout 0.4, batch 32, lr 1e-3, 12 epochs
#     2.91, 12.6, 28.6 (slower, still falling)
#   tied, dropout 0.4, batch 32, lr 1e-3, word dropout 0.1, label smoothing 0.1, "scaled",
#     30 epochs   2.51, 17.1, 35.0 (483 s); "general" 2.52, 17.2, 34.8; input feeding
#     2.52, 17.0, 34.7 (773 s); 50 epochs 2.50 at epoch 36; dropout 0.5 and word dropout
#     0.2 behind at every epoch (2.70 against 2.57 at epoch 21)
#   the same with units 256, embed 256, dropout 0.5: 2.53 by epoch 13 (2.76 for 192 / 128),
#     so the settings below. Their full runs (benchmarks/quality_translate.py --seeds 0 1 2
#     --threads 1; 484-632 s of training, best epoch 29-30): validation loss 2.41-2.42,
#     beam-5 BLEU 19.0-19.7, chrF 37.5-37.7; test BLEU 20.4 / 21.1 / 19.2 (mean 20.2),
#     chrF 37.2 / 38.3 / 36.3 (mean 37.3), greedy 19.1 / 36.3 on average, against the
#     retrieval baseline's 9.7 / 26.7. On validation, length penalty 0.6, 1.0 or 1.4 and
#     beam 10 were within 0.3 BLEU of beam 5 with 1.0 (seed 1).
FULL = dict(cell="gru", units=256, embed_dim=256, dropout=0.5, word_dropout=0.1,
            attention="scaled", input_feeding=False, tie_embeddings=True,
            label_smoothing=0.1, epochs=50, batch_size=32, lr=1e-3, patience=4, beam_size=5,
            threads=None)
# The demo: about 35 s on 2 quiet cores, and it beats retrieval (seed 0, measured 10:40):
# 96 units, batch 64, lr 5e-3, 8 epochs -> test BLEU 12.4, chrF 30.0 (retrieval 9.7, 26.7),
# 31 s of training. 64 units and 4 epochs on one thread: BLEU 4.6 in 16 s.
QUICK = dict(cell="gru", units=96, embed_dim=96, dropout=0.2, word_dropout=0.1,
             attention="scaled", input_feeding=False, tie_embeddings=True,
             label_smoothing=0.1, epochs=8, batch_size=64, lr=5e-3, patience=2, beam_size=1,
             threads=2)
CLIP = 1.0                        # global gradient norm
LENGTH_PENALTY = 1.0              # beam search: log p(y|x) / |y|^alpha
N_EXAMPLES = 10                   # test sentences shown in the report

# -- training -------------------------------------------------------------------------------

def train(model: Seq2Seq, data: dict[str, tuple[torch.Tensor, ...]], epochs: int,
          batch_size: int, lr: float, patience: int, verbose: int = 1,
          seed: int = 0, label_smoothing: float = 0.0) -> tuple[dict[str, list[float]], int]:
    """model.fit on ((src, tgt_in), tgt_out) batches, with EarlyStopping on the validation
    loss and ReduceLROnPlateau.

    data["train"] and data["val"] are (src, tgt_in, tgt_out) id tensors. Returns the
    history (loss, val_loss, lr, seconds per epoch) and the best epoch (from 1); the best
    epoch's weights are restored. label_smoothing applies to the training loss only.
    """
    model.compile(optimizer=optimizers.get({"name": "adam", "learning_rate": lr,
                                            "global_clipnorm": CLIP}),
                  loss=token_loss(model, label_smoothing), device=_device(model))
    stop = EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    clock = _EpochClock(verbose)
    history = model.fit(PairBatches(data["train"], batch_size, seed), epochs=epochs,
                        validation_data=PairBatches(data["val"], 256), verbose=0,
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
    """Seconds since training began in the history, and one line per epoch when verbose."""

    def __init__(self, verbose: int):
        super().__init__()
        self.verbose = verbose

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        seconds = round(time.perf_counter() - self.started, 1)
        logs["seconds"] = seconds                       # History (called last) keeps it
        if self.verbose:
            print(f"epoch {epoch + 1:3d}  loss {logs['loss']:.3f}  val_loss "
                  f"{logs['val_loss']:.3f}  lr {logs.get('lr', float('nan')):.2g}  "
                  f"{seconds:.0f} s", flush=True)


@torch.no_grad()
def evaluate(model: Seq2Seq, tensors, batch_size: int = 256) -> float:
    """Mean cross-entropy per real target token (nats), dropout off."""
    model.eval()
    device = _device(model)
    total = tokens = 0.0
    for start in range(0, len(tensors[0]), batch_size):
        src, tgt_in, tgt_out = (_trim(t[start:start + batch_size]).to(device) for t in tensors)
        n = int((tgt_out != PAD).sum())
        total += float(model.loss(src, tgt_in, tgt_out)) * n
        tokens += n
    return total / tokens


def _device(model: Seq2Seq) -> torch.device:
    return next(model.parameters()).device


def _trim(ids: torch.Tensor) -> torch.Tensor:
    """Drop the columns that are padding in every row of the batch."""
    used = (ids != PAD).any(0).nonzero()
    return ids[:, : int(used.max()) + 1] if len(used) else ids[:, :1]


# -- translating ----------------------------------------------------------------------------

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

    def source_ids(self, sentences: list[str]) -> torch.Tensor:
        return _pad([encode(tokenize(self._prep(s), self.src_unit), self.src_index) or [UNK]
                     for s in sentences])

    def _prep(self, s: str) -> str:
        return s if self.src_unit == "char" else s.lower()

    def translate(self, sentences: list[str], beam_size: int = 1,
                  batch_size: int = 256) -> list[str]:
        """Greedy decoding (beam_size 1) or beam search; max length 2 S + 10 tokens."""
        out = []
        for start in range(0, len(sentences), batch_size):
            src = self.source_ids(sentences[start:start + batch_size]).to(_device(self.model))
            max_len = 2 * src.shape[1] + 10
            ids = (self.model.greedy_decode(src, max_len) if beam_size == 1
                   else self.model.beam_search(src, beam_size, max_len, LENGTH_PENALTY))
            out += [detokenize([self.tgt_vocab[i] for i in row], self.tgt_unit, self.truecase)
                    for row in ids]
        return out

    def vocab_json(self) -> dict[str, Any]:
        return {"source": self.src_vocab, "target": self.tgt_vocab, "source_unit":
                self.src_unit, "target_unit": self.tgt_unit, "truecase": self.truecase}

    @classmethod
    def load(cls, model_dir) -> "Translator":
        vocab = json.loads((Path(model_dir) / "vocab.json").read_text(encoding="utf-8"))
        return cls(Seq2Seq.load(model_dir), vocab["source"], vocab["target"],
                   vocab["source_unit"], vocab["target_unit"], vocab["truecase"])


def scores(hypotheses: list[str], references: list[str]) -> dict[str, float]:
    """Corpus BLEU and chrF (sacrebleu defaults: 13a tokenization, cased)."""
    import sacrebleu
    return {"bleu": round(sacrebleu.corpus_bleu(hypotheses, [references]).score, 2),
            "chrf": round(sacrebleu.corpus_chrf(hypotheses, [references]).score, 2)}


# -- the recipe -----------------------------------------------------------------------------

def translate(path=None, from_column: int = 2, cell: str | None = None,
              units: int | None = None, embed_dim: int | None = None,
              dropout: float | None = None, word_dropout: float | None = None,
              attention: str | None = None, input_feeding: bool | None = None,
              tie_embeddings: bool | None = None, label_smoothing: float | None = None,
              epochs: int | None = None,
              batch_size: int | None = None, lr: float | None = None,
              patience: int | None = None, beam_size: int | None = None,
              threads: int | None = None, out=None, quick: bool = False, seed: int = 0,
              verbose: int = 1) -> dict[str, Any]:
    """Train a translation model on sentence pairs, score it on held-out pairs, write a run.

    path: a `target<TAB>source` file (Tatoeba layout; from_column=1 for `source<TAB>
    target`), None for the bundled Chinese-English pairs. Settings left None take FULL, or
    QUICK with quick=True (a demo under ~40 s). beam_size 1 is greedy decoding; with a
    larger beam both decoders are scored and the one better on the validation split is
    kept for predict. Returns the metrics, with "run_dir".
    """
    s = dict(QUICK if quick else FULL)
    given = dict(cell=cell, units=units, embed_dim=embed_dim, dropout=dropout,
                 word_dropout=word_dropout, attention=attention, input_feeding=input_feeding,
                 tie_embeddings=tie_embeddings, label_smoothing=label_smoothing, epochs=epochs,
                 batch_size=batch_size, lr=lr, patience=patience, beam_size=beam_size,
                 threads=threads)
    s.update({k: v for k, v in given.items() if v is not None})
    _check_settings(s)
    src_text, tgt_text, source = read_pairs(path, from_column)
    src_unit, tgt_unit = guess_unit(src_text), guess_unit(tgt_text)
    src_side = Side(src_text, src_unit, [tokenize(t if src_unit == "char" else t.lower(),
                                                  src_unit) for t in src_text])
    tgt_side = Side(tgt_text, tgt_unit, [tokenize(t if tgt_unit == "char" else t.lower(),
                                                  tgt_unit) for t in tgt_text])
    train_rows, val_rows, test_rows = split(len(src_text))
    src_vocab = build_vocab([src_side.tokens[i] for i in train_rows])
    tgt_vocab = build_vocab([tgt_side.tokens[i] for i in train_rows])
    si, ti = ({t: i for i, t in enumerate(v)} for v in (src_vocab, tgt_vocab))
    data = {name: (src_side.padded(rows, si), *tgt_side.padded(rows, ti, bos_eos=True))
            for name, rows in (("train", train_rows), ("val", val_rows))}
    truecase = learn_truecase([tgt_text[i] for i in train_rows]) if tgt_unit == "word" else {}

    set_random_seed(seed)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(s["threads"] or threads_before)
    try:
        model = Seq2Seq(len(src_vocab), len(tgt_vocab), s["embed_dim"], s["units"], s["cell"],
                        s["dropout"], s["attention"], s["input_feeding"], s["tie_embeddings"],
                        s["word_dropout"]).to(resolve_device("auto"))    # GPU if any
        if verbose:
            print(f"{source}: {len(train_rows):,} training, {len(val_rows):,} validation, "
                  f"{len(test_rows):,} test pairs; source {src_unit}s (V={len(src_vocab):,}), "
                  f"target {tgt_unit}s (V={len(tgt_vocab):,}); {model.count_params():,} "
                  "weights.", flush=True)
        history, best_epoch = train(model, data, s["epochs"], s["batch_size"], s["lr"],
                                    s["patience"], verbose, seed, s["label_smoothing"])
        translator = Translator(model, src_vocab, tgt_vocab, src_unit, tgt_unit, truecase)
        results = _score(translator, src_text, tgt_text, train_rows, val_rows, test_rows,
                         s["beam_size"], verbose)
    finally:
        torch.set_num_threads(threads_before)
    test_src = [src_text[i] for i in test_rows]
    metrics = {
        "test": results["test"], "validation": results["val"],
        "decoder": results["decoder"], "best_epoch": best_epoch,
        "epochs_run": len(history["loss"]),
        "val_loss": history["val_loss"][best_epoch - 1],
        "train_seconds": history["seconds"][-1],
        "pairs": {"train": len(train_rows), "val": len(val_rows), "test": len(test_rows)},
        "vocab": {"source": len(src_vocab), "target": len(tgt_vocab)},
        "test_oov_rate": {"source": _oov(src_side, test_rows, si),
                          "target": _oov(tgt_side, test_rows, ti)},
        "history": history}
    task = {"task": "translate", "data": source, "path": None if path is None else str(path),
            "from_column": from_column, "source_unit": src_unit, "target_unit": tgt_unit,
            **{k: s[k] for k in FULL}, "split_seed": SPLIT_SEED, "fractions": FRACTIONS,
            "seed": seed, "quick": quick, "decoder": results["decoder"],
            "rnnkit_version": __version__}
    out = Path(out) if out is not None else default_run_dir("translate")
    examples = list(zip(test_src, [tgt_text[i] for i in test_rows], results["model_test"],
                        results["baseline_test"]))
    _write_run(out, translator, task, metrics, examples)
    metrics["run_dir"] = str(out)
    if verbose:
        t, b = metrics["test"]["model"], metrics["test"]["retrieval_baseline"]
        print(f"test BLEU {t['bleu']:.1f} chrF {t['chrf']:.1f} ({results['decoder']}); "
              f"retrieval baseline BLEU {b['bleu']:.1f} chrF {b['chrf']:.1f}\nRun folder: {out}")
    return metrics


def _score(translator: Translator, src_text, tgt_text, train_rows, val_rows, test_rows,
           beam_size: int, verbose: int) -> dict[str, Any]:
    """BLEU / chrF on validation and test for greedy, beam (if beam_size > 1), retrieval."""
    decoders = {"greedy": 1} if beam_size == 1 else {"greedy": 1, f"beam {beam_size}": beam_size}
    train_src, train_tgt = [src_text[i] for i in train_rows], [tgt_text[i] for i in train_rows]
    found: dict[str, Any] = {}
    for part, rows in (("val", val_rows), ("test", test_rows)):
        sources, refs = [src_text[i] for i in rows], [tgt_text[i] for i in rows]
        outputs = {name: translator.translate(sources, k) for name, k in decoders.items()}
        baseline = retrieval_baseline(train_src, train_tgt, sources)
        found[part] = {name: scores(hyp, refs) for name, hyp in outputs.items()}
        found[part]["retrieval_baseline"] = scores(baseline, refs)
        found[f"outputs_{part}"], found[f"baseline_{part}"] = outputs, baseline
    best = max(decoders, key=lambda name: (found["val"][name]["bleu"], -decoders[name]))
    for part in ("val", "test"):
        found[part]["model"] = found[part][best]
    found["decoder"], found["model_test"] = best, found["outputs_test"][best]
    found["baseline_test"] = found["baseline_test"]
    if verbose:
        for name in decoders:
            print(f"{name:8s} validation BLEU {found['val'][name]['bleu']:.1f}, test BLEU "
                  f"{found['test'][name]['bleu']:.1f}", flush=True)
    return found


def _oov(side: Side, rows, index: dict[str, int]) -> float:
    tokens = [t for i in rows for t in side.tokens[i]]
    return round(sum(t not in index for t in tokens) / max(1, len(tokens)), 4)


def _check_settings(s: dict[str, Any]) -> None:
    if s["cell"] not in ("gru", "lstm"):
        raise UserError(f"cell must be 'gru' or 'lstm', got {s['cell']!r}.")
    for key in ("units", "embed_dim", "epochs", "batch_size", "patience", "beam_size",
                "threads"):
        value = s[key]
        if value is not None and (type(value) is not int or value < (0 if key == "patience"
                                                                     else 1)):
            raise UserError(f"{key} must be a positive integer, got {value!r}.")
    if not (isinstance(s["lr"], (int, float)) and s["lr"] > 0):
        raise UserError(f"lr must be a positive number, got {s['lr']!r}.")
    for key in ("dropout", "word_dropout", "label_smoothing"):
        if not (isinstance(s[key], (int, float)) and 0 <= s[key] < 1):
            raise UserError(f"{key} must be in [0, 1), got {s[key]!r}.")
    for key in ("input_feeding", "tie_embeddings"):
        if not isinstance(s[key], bool):
            raise UserError(f"{key} must be True or False, got {s[key]!r}.")
    if s["attention"] not in ATTENTIONS:
        raise UserError(f"attention must be one of {', '.join(ATTENTIONS)}, got "
                        f"{s['attention']!r}.")


def _write_run(out: Path, translator: Translator, task: dict, metrics: dict,
               examples: list[tuple[str, str, str, str]]) -> None:
    """The run folder, written whole or not at all (see runs.run_folder)."""
    with run_folder(out) as folder:
        translator.model.save(folder / "model", {"vocab.json": translator.vocab_json()})
        write_json(folder / "task.json", task)
        write_json(folder / "metrics.json", metrics)
        h = metrics["history"]
        write_history(h, folder / "history.csv")
        plot_learning_curves({"loss": h["loss"], "val_loss": h["val_loss"]},
                             folder / "curves.png", "Seq2Seq with attention: cross-entropy "
                             "per target token (nats)")
        picked = _attention_examples(translator, [e[0] for e in examples])
        font = plot_attention(picked, folder / "attention.png")
        rows = "\n".join("\t".join(e) for e in examples)
        (folder / "examples.tsv").write_text("source\treference\tmodel\tretrieval_baseline\n"
                                             + rows + "\n", encoding="utf-8")
        t, b = metrics["test"]["model"], metrics["test"]["retrieval_baseline"]
        summary = (f"A {task['cell'].upper()} encoder-decoder with attention ({task['units']} "
                   f"units) trained on {metrics['pairs']['train']:,} pairs of {task['data']} "
                   f"for {metrics['epochs_run']} epochs (best {metrics['best_epoch']}, "
                   f"{metrics['train_seconds']:.0f} s). On {metrics['pairs']['test']:,} held-out "
                   f"test pairs, {metrics['decoder']} decoding: BLEU {t['bleu']:.1f}, chrF "
                   f"{t['chrf']:.1f}; the retrieval baseline: BLEU {b['bleu']:.1f}, chrF "
                   f"{b['chrf']:.1f}.")
        caption = ("attention weights a_ts of two test sentences: output words (rows) by "
                   "source tokens (columns)" + ("" if font else "; no CJK font was found, so "
                                                "source characters are shown by position"))
        write_report(folder, "rnnkit translate", summary,
                     {k: v for k, v in metrics.items() if k != "history"},
                     [("curves.png", "loss by epoch, training and validation"),
                      ("attention.png", caption)],
                     extra_html=_examples_html(examples[:N_EXAMPLES], metrics["decoder"]))


def _attention_examples(translator: Translator, sources: list[str], n: int = 2):
    """(source tokens, output tokens, attention (T+1, S)) of n test sentences of 5-12 tokens."""
    picked = [s for s in sources if 5 <= len(tokenize(s, translator.src_unit)) <= 12][:n] \
        or sources[:n]
    src = translator.source_ids(picked)
    ids, att = translator.model.greedy_decode(src, 2 * src.shape[1] + 10, return_attention=True)
    return [(tokenize(translator._prep(s), translator.src_unit),
             [translator.tgt_vocab[i] for i in row] + ["</s>"], a)
            for s, row, a in zip(picked, ids, att)]


def _examples_html(examples, decoder: str) -> str:
    rows = "\n".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in e) + "</tr>"
                     for e in examples)
    return (f"<h2>Test sentences</h2><p>The first {len(examples)} test pairs: the model's "
            f"translation ({decoder} decoding) and the retrieval baseline's (the English of "
            "the most similar training source). All test pairs are in examples.tsv.</p>"
            "<table><tr><th>source</th><th>reference</th><th>model</th><th>retrieval "
            f"baseline</th></tr>\n{rows}\n</table>")


# -- predict from a saved run ---------------------------------------------------------------

def predict(run_dir, user_input: str) -> list[tuple[str, str]]:
    """(source, translation) for one sentence, or for each line of a UTF-8 file."""
    run_dir = Path(run_dir)
    try:
        task = json.loads((run_dir / "task.json").read_text(encoding="utf-8"))
        translator = Translator.load(run_dir / "model")
    except (OSError, ValueError, KeyError) as e:
        raise UserError(f"{str(run_dir)!r} is not a readable translate run folder ({e}). Pass "
                        "a folder written by `rnnkit translate`.") from None
    if not isinstance(user_input, str) or not user_input.strip():
        raise UserError(f"translate predict expects a sentence or a file of sentences, one a "
                        f"line; got {user_input!r}.")
    if len(user_input) < 4096 and os.path.isfile(user_input):
        sentences = [ln.strip() for ln in _split_lines(read_text(user_input)) if ln.strip()]
        if not sentences:
            raise UserError(f"{user_input}: expected one sentence per line, got an empty file.")
    else:
        sentences = [user_input.strip()]
    beam = task.get("beam_size", 1) if task.get("decoder", "greedy") != "greedy" else 1
    return list(zip(sentences, translator.translate(sentences, beam)))


# -- command line ---------------------------------------------------------------------------

OPTIONS = (("units", int, "GRU/LSTM units (the encoder has as many each way)"),
           ("embed_dim", int, "embedding size of source and target tokens"),
           ("dropout", float, "dropout on embeddings and before the output layer"),
           ("word_dropout", float, "rate at which training tokens become <unk>, both sides"),
           ("label_smoothing", float, "share of the target probability spread over all words "
                                      "in the training loss"),
           ("epochs", int, "most passes over the training pairs (early stopping may end "
                           "sooner)"),
           ("batch_size", int, "pairs per training step"),
           ("lr", float, "Adam learning rate (halved when the validation loss stalls)"),
           ("patience", int, "epochs without a better validation loss before stopping"),
           ("beam_size", int, "beam width for decoding; 1: greedy only"))


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default=None,
                        help="sentence pairs, 'target<TAB>source[<TAB>...]' per line as in "
                             "Tatoeba files (default: the bundled Chinese-English pairs)")
    parser.add_argument("--from-column", type=int, default=2, choices=(1, 2),
                        help="the column to translate from (default 2; 1: source<TAB>target)")
    parser.add_argument("--cell", choices=("gru", "lstm"), help="recurrent cell (default gru)")
    parser.add_argument("--attention", choices=ATTENTIONS, help="attention score: general "
                        "h·W_a h̄, scaled (the same over sqrt(units)) or additive (default "
                        f"{FULL['attention']})")
    parser.add_argument("--input-feeding", action=argparse.BooleanOptionalAction, default=None,
                        help="feed the previous attentional output h̃ into the decoder "
                        f"(default {'on' if FULL['input_feeding'] else 'off'})")
    parser.add_argument("--tie-embeddings", action=argparse.BooleanOptionalAction, default=None,
                        help="use the target embeddings as the output layer's weights "
                        f"(default {'on' if FULL['tie_embeddings'] else 'off'})")
    for key, kind, what in OPTIONS:
        parser.add_argument(f"--{key.replace('_', '-')}", type=kind, help=f"{what} (default "
                            f"{FULL[key]:g}; {QUICK[key]:g} with --quick)")
    parser.add_argument("--threads", type=int, help="CPU threads while training (default: "
                        "PyTorch's; 1 with --quick)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the model "
                        "(default 0; the data split is fixed)")
    parser.add_argument("--out", help="run folder (default runs/translate-<date>-<time>)")
    parser.add_argument("--quick", action="store_true", help="the demo: a small model, ~40 s")
    parser.add_argument("--quiet", action="store_true", help="print only the final summary")


def main(args: argparse.Namespace) -> int:
    options = {key: getattr(args, key) for key, _, _ in OPTIONS}
    m = translate(args.file, from_column=args.from_column, cell=args.cell,
                  attention=args.attention, input_feeding=args.input_feeding,
                  tie_embeddings=args.tie_embeddings, **options,
                  threads=args.threads, out=args.out, quick=args.quick, seed=args.seed,
                  verbose=0 if args.quiet else 1)
    if args.quiet:
        t, b = m["test"]["model"], m["test"]["retrieval_baseline"]
        print(f"test BLEU {t['bleu']:.1f} chrF {t['chrf']:.1f}; retrieval baseline BLEU "
              f"{b['bleu']:.1f} chrF {b['chrf']:.1f}; run folder {m['run_dir']}")
    return 0
