"""The tagger's run folder: model/, vocab.json, task.json, metrics.json, history.csv,
curves.png, confusion.png and report.html (with the verdict and the reproduce command),
written whole or not at all."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from ... import __version__
from ...models import Sequential
from ..classify.report import scores_html
from ..runs import (plot_confusion, plot_learning_curves, run_folder, write_history, write_json,
                    write_report)
from .vocab import Sentence, Vocabulary


def write_tag_run(out: Path, model: Sequential, vocab: Vocabulary, task: dict[str, Any],
                  metrics: dict[str, Any], history: dict[str, list[float]],
                  extra_html: str, command: str) -> Path:
    """model/, vocab.json, task.json, metrics.json, history.csv, curves.png, confusion.png,
    report.html, written whole or not at all."""
    m, b = metrics["model"], metrics["baselines"]["most_frequent_tag"]
    title = f"Part-of-speech tagging: {metrics['data']}"
    with run_folder(out) as folder:
        model.save(folder / "model")
        (folder / "vocab.json").write_text(vocab.to_json() + "\n", encoding="utf-8")
        write_json(folder / "task.json", {**task, "rnnkit_version": __version__})
        write_json(folder / "metrics.json", metrics)
        write_history(history, folder / "history.csv")
        plot_learning_curves(history, folder / "curves.png",
                             title="POS tagging: loss and accuracy over real words (padding "
                                   "masked)")
        plot_confusion(m["confusion_matrix"], vocab.tags, folder / "confusion.png",
                       f"Test tokens: true tag (rows) vs BiLSTM tag (columns). Accuracy "
                       f"{m['accuracy']:.1%}, unknown words {m['unknown_accuracy']:.1%}")
        summary = (f"Test token accuracy {m['accuracy']:.1%} (unknown words "
                   f"{m['unknown_accuracy']:.1%}) on {metrics['test_tokens']} tokens of "
                   f"{metrics['n_test']} sentences, against {b['accuracy']:.1%} (unknown "
                   f"{b['unknown_accuracy']:.1%}) for the most frequent tag of each word "
                   "(unknown words: of their shape and suffix).")
        trio = "{accuracy:.4f} / {known_accuracy:.4f} / {unknown_accuracy:.4f}".format
        table = {"BiLSTM accuracy: all / known / unknown words": trio(**m),
                 "most frequent tag per word: all / known / unknown words": trio(**b),
                 "BiLSTM macro F1 over tags": round(m["macro_f1"], 4),
                 "test tokens (unknown: not in training)":
                     f"{metrics['test_tokens']} ({metrics['unknown_test_tokens']})",
                 "training / validation / test sentences":
                     f"{metrics['n_train']} / {metrics['n_val']} / {metrics['n_test']}",
                 "epochs run (best, whose weights are kept)":
                     f"{metrics['epochs_run']} ({metrics['best_epoch']})",
                 "training seconds": metrics["seconds"]}
        write_report(folder, title, summary, table,
                     [("curves.png", "Loss and accuracy per epoch, training and validation"),
                      ("confusion.png", "Test confusion matrix of the tags (counts)")],
                     scores_html({"per_class": m["per_tag"]}, "tag") + extra_html,
                     command=command, verdict=metrics["verdict"])
    return Path(out)


def _errors_html(gold: list[Sentence], predicted: list[list[str]], known: set[str],
                 n: int = 6) -> str:
    """A few test sentences with mistakes, each wrong word marked true/predicted."""
    rows = []
    for s, ps in zip(gold, predicted):
        if len(rows) == n:
            break
        if any(t != p for (_, t), p in zip(s, ps)) and 5 <= len(s) <= 25:
            words = " ".join(
                html.escape(w) if t == p else
                f"<b>{html.escape(w)}</b><sub>{html.escape(t)}→{html.escape(p)}"
                f"{'' if w.lower() in known else ', unknown'}</sub>"
                for (w, t), p in zip(s, ps))
            rows.append(f"<li>{words}</li>")
    return ("<h2>Test sentences with mistakes</h2><p>Wrong words in bold, with "
            "true→predicted tag.</p><ul>" + "\n".join(rows) + "</ul>")
