"""The run folder of `rnnkit translate` (model, curves, attention maps, examples, report)
and `predict`, which translates with a saved run (old run folders included)."""
from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from ...errors import UserError
from ..runs import input_lines, plot_learning_curves, run_folder, write_history, write_json, \
    write_report
from .attention import plot_attention
from .data import tokenize
from .model import Translator
from .settings import MAX_BEAM

N_EXAMPLES = 10                   # test sentences shown in the report


def scores(hypotheses: list[str], references: list[str]) -> dict[str, float]:
    """Corpus BLEU and chrF (sacrebleu defaults: 13a tokenization, cased)."""
    import sacrebleu
    return {"bleu": round(sacrebleu.corpus_bleu(hypotheses, [references]).score, 2),
            "chrf": round(sacrebleu.corpus_chrf(hypotheses, [references]).score, 2)}


def write_run(out: Path, translator: Translator, task: dict, metrics: dict,
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
        verdict = ("The baseline wins on chrF." if metrics["baseline_wins"]
                   else "The model wins on chrF.")
        summary = (f"A {task['cell'].upper()} encoder-decoder with attention ({task['units']} "
                   f"units) trained on {metrics['pairs']['train']:,} pairs of {task['data']} "
                   f"for {metrics['epochs_run']} epochs (best {metrics['best_epoch']}, "
                   f"{metrics['train_seconds']:.0f} s). On {metrics['pairs']['test']:,} held-out "
                   f"test pairs, {metrics['decoder']} decoding: BLEU {t['bleu']:.1f}, chrF "
                   f"{t['chrf']:.1f}; the strongest simple baseline, retrieval of the nearest "
                   f"training source: BLEU {b['bleu']:.1f}, chrF {b['chrf']:.1f}. {verdict} "
                   f"Reproduce: {task['command']}")
        caption = ("attention weights a_ts of two test sentences: output words (rows) by "
                   "source tokens (columns)" + ("" if font else "; no CJK font was found, so "
                                                "source characters are shown by position"))
        write_report(folder, "rnnkit translate", summary, _score_rows(metrics),
                     [("curves.png", "loss by epoch, training and validation"),
                      ("attention.png", caption)],
                     extra_html=_examples_html(examples[:N_EXAMPLES], metrics["decoder"]))


def _score_rows(m: dict[str, Any]) -> dict[str, Any]:
    """The report's score table, in words."""
    rows: dict[str, Any] = {}
    for part, name in (("test", "test"), ("validation", "validation")):
        for decoder, s in m[part].items():
            label = {"model": f"model ({m['decoder']}, kept)",
                     "retrieval_baseline": "retrieval baseline"}.get(decoder, decoder)
            rows[f"{name} BLEU / chrF, {label}"] = f"{s['bleu']:.1f} / {s['chrf']:.1f}"
    rows.update({"best epoch (of those run)": f"{m['best_epoch']} ({m['epochs_run']})",
                 "validation loss at the best epoch (nats per token)": m["val_loss"],
                 "training seconds": m["train_seconds"],
                 "pairs: training / validation / test": "{train:,} / {val:,} / {test:,}"
                 .format(**m["pairs"]),
                 "vocabulary: source / target": "{source:,} / {target:,}".format(**m["vocab"]),
                 "test tokens unseen in training: source / target":
                 "{source:.1%} / {target:.1%}".format(**m["test_oov_rate"])})
    return rows


def _attention_examples(translator: Translator, sources: list[str], n: int = 2):
    """(source tokens, output tokens, attention (T+1, S)) of n test sentences of 5-12 tokens."""
    picked = [s for s in sources if 5 <= len(tokenize(s, translator.src_unit)) <= 12][:n] \
        or sources[:n]
    src = translator.source_ids(picked)
    ids, att = translator.model.greedy_decode(src, 2 * src.shape[1] + 10, return_attention=True)
    return [(translator.source_tokens(s), [translator.tgt_vocab[i] for i in row] + ["</s>"], a)
            for s, row, a in zip(picked, ids, att)]


def _examples_html(examples, decoder: str) -> str:
    rows = "\n".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in e) + "</tr>"
                     for e in examples)
    return (f"<h2>Test sentences</h2><p>The first {len(examples)} test pairs: the model's "
            f"translation ({decoder} decoding) and the retrieval baseline's (the English of "
            "the most similar training source). All test pairs are in examples.tsv.</p>"
            "<table><tr><th>source</th><th>reference</th><th>model</th><th>retrieval "
            f"baseline</th></tr>\n{rows}\n</table>")


def predict(run_dir, user_input) -> list[tuple[str, str]]:
    """(source, translation) for one sentence, or for each line of a UTF-8 file."""
    run_dir = Path(run_dir)
    try:
        task = json.loads((run_dir / "task.json").read_text(encoding="utf-8"))
        translator = Translator.load(run_dir / "model")
    except (OSError, ValueError, KeyError) as e:
        raise UserError(f"{str(run_dir)!r} is not a readable translate run folder ({e}). Pass "
                        "a folder written by `rnnkit translate`.") from None
    sentences = input_lines(user_input, "sentence")
    beam = task.get("beam_size", 1) if task.get("decoder", "greedy") != "greedy" else 1
    if isinstance(beam, bool) or not isinstance(beam, int) or not 1 <= beam <= MAX_BEAM:
        raise UserError(f"{run_dir / 'task.json'}: beam_size must be an integer from 1 to "
                        f"{MAX_BEAM}, got {beam!r}. Re-run `rnnkit translate`, or set it to 5.")
    return list(zip(sentences, translator.translate(sentences, beam)))
