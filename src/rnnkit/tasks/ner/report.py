"""The entity tagger's run folder: the model, its vocabulary, scores, plots and report.html."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np

from ... import __version__
from ...models import Sequential
from ..runs import (plot_confusion, plot_learning_curves, plt, run_folder, write_history,
                    write_json, write_report)
from .entities import Sentence, spans, type_confusion
from .features import EntityVocabulary

COLOURS = {"PER": "#fde2a7", "ORG": "#c6e2ff", "LOC": "#c8efc8", "MISC": "#eed5f5"}


def write_ner_run(out: Path, model: Sequential, vocab: EntityVocabulary, task: dict[str, Any],
                  metrics: dict[str, Any], history: dict[str, list[float]],
                  test: list[Sentence], predicted: list[list[str]],
                  baseline: list[list[str]], command: str) -> Path:
    """model/, vocab.json, task.json, metrics.json, curves.png, f1_by_type.png,
    confusion.png, report.html, written whole or not at all."""
    m, b = metrics["model"], metrics["baselines"]["gazetteer"]
    name = metrics["model_name"]
    types = sorted(m["per_type"])
    with run_folder(out) as folder:
        model.save(folder / "model")
        (folder / "vocab.json").write_text(vocab.to_json() + "\n", encoding="utf-8")
        write_json(folder / "task.json", {**task, "rnnkit_version": __version__})
        write_json(folder / "metrics.json", metrics)
        write_history(history, folder / "history.csv")
        plot_learning_curves(history, folder / "curves.png",
                             title=f"{name}: loss per real word (padding masked)")
        plot_f1_by_type(m, b, name, folder / "f1_by_type.png")
        plot_confusion(type_confusion(test, predicted, types), types + ["none"],
                       folder / "confusion.png",
                       f"Test entities with the same ends: gold type (rows) vs {name} "
                       "(columns); 'none' = missed / spurious")
        summary = (f"Entity F1 {m['f1']:.1%} (precision {m['precision']:.1%}, recall "
                   f"{m['recall']:.1%}) on the {m['support']} entities of {metrics['n_test']} "
                   f"test sentences, against {b['f1']:.1%} for a gazetteer of the training "
                   f"entities. Of the {m['unseen_entities']} test entities never seen in "
                   f"training, the {name} finds {m['unseen_recall']:.1%}.")
        trio = "{precision:.4f} / {recall:.4f} / {f1:.4f}".format
        table = {f"{name}: precision / recall / F1": trio(**m),
                 "gazetteer: precision / recall / F1": trio(**b),
                 **{f"{name} F1, {t} ({m['per_type'][t]['support']} entities)":
                    round(m["per_type"][t]["f1"], 4) for t in types},
                 f"{name}: recall of unseen entities": round(m["unseen_recall"], 4),
                 "training / validation / test sentences":
                     f"{metrics['n_train']} / {metrics['n_val']} / {metrics['n_test']}",
                 "epochs run (best, whose weights are kept)":
                     f"{metrics['epochs_run']} ({metrics['best_epoch']})",
                 "training seconds": metrics["seconds"]}
        write_report(folder, f"Named entities: {metrics['data']}", summary, table,
                     [("f1_by_type.png", "Entity F1 per type, model and gazetteer"),
                      ("confusion.png", "Entity types: gold against predicted"),
                      ("curves.png", "Loss per real word and epoch, training and validation")],
                     _per_type_html(m, b, name) + examples_html(test, predicted, baseline,
                                                                name),
                     command=command, verdict=metrics["verdict"])
    return Path(out)


def plot_f1_by_type(m: dict[str, Any], b: dict[str, Any], name: str, path: Path) -> Path:
    """Grouped bars: F1 of each type and overall, model beside gazetteer."""
    types = sorted(m["per_type"])
    labels = types + ["all (micro)"]
    model_f1 = [m["per_type"][t]["f1"] for t in types] + [m["f1"]]
    base_f1 = [b["per_type"].get(t, {"f1": 0.0})["f1"] for t in types] + [b["f1"]]
    x = np.arange(len(labels))
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    for shift, values, label in ((-0.2, model_f1, name), (0.2, base_f1, "gazetteer")):
        bars = ax.bar(x + shift, values, 0.4, label=label)
        ax.bar_label(bars, [f"{v:.2f}" for v in values], fontsize=8)
    ax.set_xticks(x, [f"{t}\n({m['per_type'][t]['support']})" for t in types]
                  + [f"all\n({m['support']})"])
    ax.set_ylabel("entity F1 (test)")
    ax.set_ylim(0, 1.05)
    ax.legend(loc="upper left")
    ax.set_title("Entity-level F1 per type (test entities in brackets)")
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _per_type_html(m: dict[str, Any], b: dict[str, Any], name: str) -> str:
    rows = "\n".join(
        f"<tr><td>{html.escape(t)}</td><td>{s['precision']:.3f}</td><td>{s['recall']:.3f}</td>"
        f"<td>{s['f1']:.3f}</td><td>{b['per_type'].get(t, {'f1': 0.0})['f1']:.3f}</td>"
        f"<td>{s['support']}</td></tr>" for t, s in sorted(m["per_type"].items()))
    return (f"<h2>Per type (test)</h2><table><tr><th>type</th><th>{name} precision</th>"
            f"<th>recall</th><th>F1</th><th>gazetteer F1</th><th>entities</th></tr>\n{rows}"
            "\n</table>")


def marked(words: list[str], tags: list[str]) -> str:
    """The sentence as HTML with each entity highlighted and its type after it.

    >>> marked(["Ann", "left", "Rome"], ["B-PER", "O", "B-LOC"])[:60]
    '<mark style="background:#fde2a7">Ann <sub>PER</sub></mark> l'
    """
    starts = {a: (kind, b) for kind, a, b in spans(tags)}
    parts, i = [], 0
    while i < len(words):
        if i in starts:
            kind, b = starts[i]
            text = html.escape(" ".join(words[i:b + 1]))
            parts.append(f'<mark style="background:{COLOURS.get(kind, "#eee")}">{text} '
                         f"<sub>{html.escape(kind)}</sub></mark>")
            i = b + 1
        else:
            parts.append(html.escape(words[i]))
            i += 1
    return " ".join(parts)


def examples_html(test: list[Sentence], predicted: list[list[str]], baseline: list[list[str]],
                  name: str, n: int = 8) -> str:
    """Test sentences with entities: gold, the model's and the gazetteer's, one line each;
    the first that the model gets right and those it gets wrong, in file order."""
    rows, right = [], 0
    for s, p, g in zip(test, predicted, baseline):
        gold = [t for _, t in s]
        if not spans(gold) or not 6 <= len(s) <= 30:
            continue
        ok = spans(gold) == spans(p)
        if ok and right >= 2:
            continue
        right += ok
        words = [w for w, _ in s]
        rows.append(f"<li><b>gold</b>: {marked(words, gold)}<br><b>{name}</b>"
                    f"{' (right)' if ok else ''}: {marked(words, p)}<br><b>gazetteer</b>: "
                    f"{marked(words, g)}</li>")
        if len(rows) == n:
            break
    return ("<h2>Example test sentences</h2><p>Entities highlighted with their type: the "
            "gold annotation, the model's and the gazetteer's.</p><ul>" + "\n".join(rows)
            + "</ul>")
