"""The classify run folder: the model and what predict needs, metrics.json, history.csv,
the plots and report.html with the verdict against the strongest baseline.

    model/  labels.json  task.json  metrics.json  history.csv  curves.png  confusion.png
    report.html  and tokenizer.json (+ bag_of_words.json when blended) or scaler.json
"""
from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import numpy as np

from ... import __version__
from ...models import Sequential
from ..runs import (plot_confusion, plot_learning_curves, run_folder, strongest, verdict,
                    write_history, write_json, write_report)
from .baselines import readable


def judge(metrics: dict[str, Any], model_name: str) -> dict[str, Any]:
    """The verdict of the model's held-out accuracy against the strongest baseline's."""
    name, score = strongest({readable(k): b["accuracy"]
                             for k, b in metrics["baselines"].items()})
    return verdict(model_name, metrics["model"]["accuracy"], name, score, "accuracy")


def scores_html(scores: dict[str, Any], what: str = "class") -> str:
    """Per-class (or per-tag) precision / recall / F1 as an HTML table."""
    rows = "\n".join(
        f"<tr><td>{html.escape(name)}</td><td>{s['precision']:.3f}</td><td>{s['recall']:.3f}"
        f"</td><td>{s['f1']:.3f}</td><td>{s['support']}</td></tr>"
        for name, s in scores["per_class"].items())
    return (f"<h2>Per {what} (held-out part)</h2><table><tr><th>{what}</th><th>precision</th>"
            f"<th>recall</th><th>F1</th><th>support</th></tr>\n{rows}\n</table>")


def baselines_html(metrics: dict[str, Any], model_name: str) -> str:
    """Every model and baseline on the held-out part, best accuracy first."""
    entries = [(model_name, metrics["model"])]
    if "network_alone" in metrics:
        entries.append((metrics["network_name"] + " alone", metrics["network_alone"]))
    entries += [(readable(k), b) for k, b in metrics["baselines"].items()]
    entries.sort(key=lambda e: -e[1]["accuracy"])
    rows = "\n".join(f"<tr><td>{html.escape(name)}</td><td>{s['accuracy']:.1%}</td>"
                     f"<td>{s['macro_f1']:.3f}</td></tr>" for name, s in entries)
    return ("<h2>Against the baselines (held-out part)</h2><table><tr><th>model</th>"
            f"<th>accuracy</th><th>macro F1</th></tr>\n{rows}\n</table>")


def write_classify_run(out: Path, model: Sequential, task: dict[str, Any],
                       metrics: dict[str, Any], history: dict[str, list[float]],
                       classes: list[str], files: dict[str, str], title: str, noun: str,
                       command: str, extra_html: str = "") -> Path:
    """Write the whole run folder at once (or nothing, if any step fails).

    files: {file name: text} that predict needs, e.g. {"tokenizer.json": tokenizer.to_json()}.
    noun: what a sample is ("texts", "series").
    """
    judged, name = metrics["verdict"], metrics["verdict"]["model"]
    with run_folder(out) as folder:
        model.save(folder / "model")
        for file_name, text in files.items():
            (folder / file_name).write_text(text + "\n", encoding="utf-8")
        write_json(folder / "labels.json", classes)
        write_json(folder / "task.json", {**task, "rnnkit_version": __version__})
        write_json(folder / "metrics.json", metrics)
        write_history(history, folder / "history.csv")
        plot_learning_curves(history, folder / "curves.png",
                             title=f"{title}: the network's learning curves")
        plot_confusion(metrics["model"]["confusion_matrix"], classes, folder / "confusion.png",
                       f"Held-out confusion matrix, {name}. {title}")
        summary = (f"Held-out accuracy {metrics['model']['accuracy']:.1%} (macro F1 "
                   f"{metrics['model']['macro_f1']:.3f}) on {metrics['n_test']} {noun}.")
        table = {"model": name,
                 "held-out accuracy": f"{metrics['model']['accuracy']:.1%}",
                 "held-out macro F1": f"{metrics['model']['macro_f1']:.3f}",
                 "strongest baseline": f"{judged['baseline']}, "
                                       f"{judged['baseline_score']:.1%}",
                 f"training / validation / held-out {noun}":
                     f"{metrics['n_train']} / {metrics['n_val']} / {metrics['n_test']}",
                 "epochs run (best, whose weights are kept)":
                     f"{metrics['epochs_run']} ({metrics['best_epoch']})",
                 "training seconds": metrics["seconds"]}
        if metrics.get("blend"):
            partner = "bag_of_words" if "bag_of_words" in metrics["blend"] else \
                "summary_statistics"
            table[f"blend weights: network / {partner.replace('_', ' ')} (fitted on "
                  "validation)"] = (f"{metrics['blend']['network']:.2f} / "
                                    f"{metrics['blend'][partner]:.2f}")
        write_report(folder, title, summary, table,
                     [("curves.png", "Loss and accuracy per epoch, training and validation"),
                      ("confusion.png", "Held-out confusion matrix (counts)")],
                     baselines_html(metrics, name) + scores_html(metrics["model"])
                     + extra_html, command=command, verdict=judged)
    return Path(out)


def misclassified_html(texts: list[str], y_true, proba, classes: list[str], n: int = 8) -> str:
    """The held-out texts the model got wrong most confidently, as an HTML table."""
    pred = proba.argmax(1)
    wrong = np.flatnonzero(pred != y_true)
    wrong = wrong[np.argsort(-proba[wrong, pred[wrong]])][:n]
    if not len(wrong):
        return "<h2>Misclassified examples</h2><p>None: every held-out text was right.</p>"
    rows = "\n".join(
        f"<tr><td>{html.escape(texts[i])}</td><td>{html.escape(classes[y_true[i]])}</td>"
        f"<td>{html.escape(classes[pred[i]])}</td><td>{proba[i, pred[i]]:.2f}</td></tr>"
        for i in wrong)
    return ("<h2>Misclassified examples</h2><p>Held-out texts the model got wrong, most "
            "confident first.</p><table><tr><th>text</th><th>true</th><th>predicted</th>"
            f"<th>probability</th></tr>\n{rows}\n</table>")
