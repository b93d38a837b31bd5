"""The recipe of `rnnkit translate`: read and split the pairs, train the Seq2Seq model,
score greedy decoding, beam search and the retrieval baseline, write the run folder."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch

from ... import __version__
from ...models.seq2seq import Seq2Seq
from ...models.training import resolve_device
from ...utils import set_random_seed
from ..runs import default_run_dir
from ..settings import as_dict, build, command_line
from .data import (FRACTIONS, SPLIT_SEED, Side, build_vocab, guess_unit, learn_truecase,
                   read_pairs, retrieval_baseline, split, tokenize)
from .model import Translator, train
from .report import scores, write_run
from .settings import Settings


def translate(path=None, settings: Settings | None = None, out=None, quick: bool = False,
              verbose: int | None = None, **options) -> dict[str, Any]:
    """Train a translation model on sentence pairs, score it on held-out pairs, write a run.

    path: a `target<TAB>source` file (Tatoeba layout; from_column=1 for `source<TAB>
    target`), None for the bundled Chinese-English pairs. Settings come as a Settings or as
    keyword arguments (`units=64, epochs=3`); quick=True puts the demo's settings in every
    field left at its full default. With beam_size > 1 both decoders are scored and the one
    better on the validation split is kept for predict. verbose=0 is quiet=True. Returns
    the metrics, with "run_dir".
    """
    if verbose is not None:
        options.setdefault("quiet", not verbose)
    s = build(Settings, settings, options)
    if quick:
        s = s.quick()
    src_text, tgt_text, source = read_pairs(path, s.from_column)
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

    set_random_seed(s.seed)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(s.threads or threads_before)
    try:
        model = Seq2Seq(len(src_vocab), len(tgt_vocab), s.embed_dim, s.units, s.cell,
                        s.dropout, s.attention, s.input_feeding, s.tie_embeddings,
                        s.word_dropout).to(resolve_device("auto"))    # GPU if any
        if not s.quiet:
            print(f"{source}: {len(train_rows):,} training, {len(val_rows):,} validation, "
                  f"{len(test_rows):,} test pairs; source {src_unit}s (V={len(src_vocab):,}), "
                  f"target {tgt_unit}s (V={len(tgt_vocab):,}); {model.count_params():,} "
                  f"weights; at most {s.epochs} epochs.", flush=True)
        history, best_epoch = train(model, data, s.epochs, s.batch_size, s.lr, s.patience,
                                    s.quiet, s.seed, s.label_smoothing)
        translator = Translator(model, src_vocab, tgt_vocab, src_unit, tgt_unit, truecase)
        results = _score(translator, src_text, tgt_text, train_rows, val_rows, test_rows,
                         s.beam_size, s.quiet)
    finally:
        torch.set_num_threads(threads_before)
    test_src = [src_text[i] for i in test_rows]
    t, b = results["test"]["model"], results["test"]["retrieval_baseline"]
    metrics = {
        "test": results["test"], "validation": results["val"],
        "decoder": results["decoder"], "best_epoch": best_epoch,
        "epochs_run": len(history["loss"]),
        "val_loss": history["val_loss"][best_epoch - 1],
        "train_seconds": history["seconds"][-1],
        "baseline": "retrieval (nearest training source)", "baseline_metric": "chrF",
        "baseline_score": b["chrf"], "baseline_wins": b["chrf"] >= t["chrf"],
        "pairs": {"train": len(train_rows), "val": len(val_rows), "test": len(test_rows)},
        "vocab": {"source": len(src_vocab), "target": len(tgt_vocab)},
        "test_oov_rate": {"source": _oov(src_side, test_rows, si),
                          "target": _oov(tgt_side, test_rows, ti)},
        "history": history}
    task = {"task": "translate", "data": source, "path": None if path is None else str(path),
            "source_unit": src_unit, "target_unit": tgt_unit, **as_dict(s),
            "split_seed": SPLIT_SEED, "fractions": FRACTIONS, "quick": quick,
            "decoder": results["decoder"],
            "command": command_line("translate", s, [] if path is None else [str(path)]),
            "rnnkit_version": __version__}
    out = Path(out) if out is not None else default_run_dir("translate")
    examples = list(zip(test_src, [tgt_text[i] for i in test_rows], results["model_test"],
                        results["baseline_test"]))
    write_run(out, translator, task, metrics, examples)
    metrics["run_dir"] = str(out)
    if not s.quiet:
        print(summary_line(metrics) + f"\nRun folder: {out}", flush=True)
    return metrics


def summary_line(metrics: dict[str, Any]) -> str:
    """The test scores of the model and the baseline, and which wins (on chrF)."""
    t, b = metrics["test"]["model"], metrics["test"]["retrieval_baseline"]
    verdict = "the baseline wins" if metrics["baseline_wins"] else "the model wins"
    return (f"test BLEU {t['bleu']:.1f} chrF {t['chrf']:.1f} ({metrics['decoder']}); retrieval "
            f"baseline BLEU {b['bleu']:.1f} chrF {b['chrf']:.1f}: {verdict} on chrF")


def _score(translator: Translator, src_text, tgt_text, train_rows, val_rows, test_rows,
           beam_size: int, quiet: bool) -> dict[str, Any]:
    """BLEU / chrF on validation and test for greedy, beam (if beam_size > 1), retrieval."""
    decoders = {"greedy": 1} if beam_size == 1 else {"greedy": 1, f"beam {beam_size}": beam_size}
    train_src, train_tgt = [src_text[i] for i in train_rows], [tgt_text[i] for i in train_rows]
    bars = not quiet and sys.stdout.isatty()
    found: dict[str, Any] = {}
    for part, rows in (("val", val_rows), ("test", test_rows)):
        sources, refs = [src_text[i] for i in rows], [tgt_text[i] for i in rows]
        outputs = {name: translator.translate(sources, k, progress=bars)
                   for name, k in decoders.items()}
        baseline = retrieval_baseline(train_src, train_tgt, sources)
        found[part] = {name: scores(hyp, refs) for name, hyp in outputs.items()}
        found[part]["retrieval_baseline"] = scores(baseline, refs)
        found[f"outputs_{part}"], found[f"baseline_{part}"] = outputs, baseline
    best = max(decoders, key=lambda name: (found["val"][name]["bleu"], -decoders[name]))
    for part in ("val", "test"):
        found[part]["model"] = found[part][best]
    found["decoder"], found["model_test"] = best, found["outputs_test"][best]
    if not quiet:
        for name in decoders:
            print(f"{name:8s} validation BLEU {found['val'][name]['bleu']:.1f}, test BLEU "
                  f"{found['test'][name]['bleu']:.1f}", flush=True)
    return found


def _oov(side: Side, rows, index: dict[str, int]) -> float:
    tokens = [t for i in rows for t in side.tokens[i]]
    return round(sum(t not in index for t in tokens) / max(1, len(tokens)), 4)
