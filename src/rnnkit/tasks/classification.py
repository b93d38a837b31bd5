"""The parts the classify recipes share: a stratified held-out split, the scores (accuracy,
macro F1, per-class precision and recall, the confusion matrix), the majority-class
baseline, the recurrent classifier with its early-stopped fit, and the run folder.

    split -> fit on the training part (a validation part for early stopping) -> score on
    the held-out part against the baselines -> model/, metrics.json, plots, report.html

Shapes: N samples, K classes. Labels are class indices 0..K-1; `classes` holds their names.
"""
from __future__ import annotations

import html
import json
import textwrap
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, optimizers
from ..callbacks import EarlyStopping
from ..errors import UserError
from ..layers import GRU, LSTM, Bidirectional, Dense, Dropout, MinGRU, MinLSTM
from ..models import Sequential
from .runs import plot_learning_curves, plt, run_folder, write_history, write_json, write_report

CELLS = {"lstm": LSTM, "gru": GRU, "mingru": MinGRU, "minlstm": MinLSTM}


# -- the held-out split -------------------------------------------------------------------

def stratified_split(labels, fraction: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Indices (kept, held_out): `fraction` of each class held out, so class ratios match.

    Each class gives round(fraction * n_c) samples to the held-out part, but always keeps
    at least one sample (a class seen once is only trained on). Indices come back sorted.

    >>> kept, held = stratified_split([0] * 8 + [1] * 2, 0.5, seed=0)
    >>> len(kept), len(held), [int(l) for l in np.array([0] * 8 + [1] * 2)[held]]
    (5, 5, [0, 0, 0, 0, 1])
    """
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    kept, held = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_held = min(int(round(fraction * len(idx))), len(idx) - 1)
        held.append(idx[:n_held])
        kept.append(idx[n_held:])
    return np.sort(np.concatenate(kept)), np.sort(np.concatenate(held))


# -- scores -------------------------------------------------------------------------------

def confusion_matrix(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts (K, K): row = true class, column = predicted class.

    >>> confusion_matrix([0, 0, 1, 2], [0, 1, 1, 2], 3)
    array([[1, 1, 0],
           [0, 1, 0],
           [0, 0, 1]])
    """
    cm = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return cm


def classification_scores(y_true, y_pred, classes: list[str]) -> dict[str, Any]:
    """Accuracy, macro F1, per-class precision / recall / F1 / support, confusion matrix.

    precision_k = TP_k / (TP_k + FP_k) (column k), recall_k = TP_k / (TP_k + FN_k) (row k),
    F1_k = 2 P R / (P + R); an empty denominator scores 0. Macro F1 is the mean of F1_k.

    >>> s = classification_scores([0, 0, 1, 1], [0, 1, 1, 1], ["a", "b"])
    >>> s["accuracy"], round(s["macro_f1"], 4), s["per_class"]["b"]["precision"]
    (0.75, 0.7333, 0.6667)
    """
    cm = confusion_matrix(y_true, y_pred, len(classes))
    tp = np.diag(cm).astype(np.float64)
    predicted, actual = cm.sum(0), cm.sum(1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, actual, out=np.zeros_like(tp), where=actual > 0)
    pr = precision + recall
    f1 = np.divide(2 * precision * recall, pr, out=np.zeros_like(tp), where=pr > 0)
    per_class = {name: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                        "f1": round(float(f), 4), "support": int(n)}
                 for name, p, r, f, n in zip(classes, precision, recall, f1, actual)}
    return {"accuracy": float(tp.sum() / max(cm.sum(), 1)), "macro_f1": float(f1.mean()),
            "per_class": per_class, "confusion_matrix": cm.tolist()}


def majority_baseline(y_train, y_test, classes: list[str]) -> dict[str, Any]:
    """Always predict the most frequent training class; its held-out accuracy and macro F1."""
    majority = int(np.bincount(y_train, minlength=len(classes)).argmax())
    scores = classification_scores(y_test, np.full(len(y_test), majority), classes)
    return {"class": classes[majority], "accuracy": scores["accuracy"],
            "macro_f1": scores["macro_f1"]}


def class_names(raw_labels: list[str]) -> list[str]:
    """The distinct labels in index order: numerically if they are all numbers, else by name.

    >>> class_names(["10", "9", "10", "2"]), class_names(["pos", "neg"])
    (['2', '9', '10'], ['neg', 'pos'])
    """
    names = sorted(set(raw_labels))
    try:
        return sorted(names, key=float)
    except ValueError:
        return names


# -- the network --------------------------------------------------------------------------

def recurrent_classifier(first_layers: list, n_classes: int, cell: str, units: int,
                         bidirectional: bool, dropout: float) -> Sequential:
    """first_layers (Embedding or Masking) -> (Bi)LSTM/GRU -> Dropout -> Dense.

    Two classes end in Dense(1, sigmoid) (binary cross-entropy), more in Dense(K, softmax).
    """
    rnn = CELLS[cell](units)
    out = Dense(1, activation="sigmoid") if n_classes == 2 else Dense(n_classes,
                                                                      activation="softmax")
    return Sequential([*first_layers, Bidirectional(rnn) if bidirectional else rnn,
                       Dropout(dropout), out])


def fit_classifier(model: Sequential, n_classes: int, x_train, y_train, x_val, y_val,
                   epochs: int, batch_size: int, learning_rate: float, patience: int,
                   verbose: bool) -> tuple[dict[str, list[float]], int]:
    """Adam, cross-entropy and early stopping on the validation loss; the weights of the best
    validation epoch are kept. Returns (history, best epoch counted from 1)."""
    binary = n_classes == 2
    model.compile(optimizer=optimizers.Adam(learning_rate=learning_rate, clipnorm=5.0),
                  loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
                  metrics=["accuracy"])            # device "auto": the GPU if any
    target = (lambda y: y.astype(np.float32)[:, None]) if binary else (lambda y: y)
    stop = EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    history = model.fit(x_train, target(y_train), validation_data=(x_val, target(y_val)),
                        epochs=epochs, batch_size=batch_size, callbacks=[stop],
                        verbose=1 if verbose else 0)
    # EarlyStopping restores only when it stopped the run (Keras 2); keep the best epoch always.
    if stop.best_weights is not None and not model.stop_training:
        model.set_weights(stop.best_weights)
    return history.history, stop.best_epoch + 1


def predict_proba(model: Sequential, x, n_classes: int, batch_size: int = 256) -> np.ndarray:
    """Class probabilities (N, K), also for the one-sigmoid binary head."""
    p = model.predict(x, batch_size=batch_size)
    return np.concatenate([1.0 - p, p], axis=1) if n_classes == 2 else p


# -- plots and the run folder -------------------------------------------------------------

def plot_confusion(cm, classes: list[str], path: Path, title: str) -> Path:
    """The confusion matrix as an image: colour = share of the true class, text = count."""
    cm = np.asarray(cm)
    k = len(classes)
    share = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    size = min(3.0 + 0.55 * k, 12.0)
    fig, ax = plt.subplots(figsize=(size + 1.0, size))
    image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    for i in range(k):
        for j in range(k):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center", fontsize=9 if k < 12 else 7,
                    color="white" if share[i, j] > 0.5 else "black")
    ax.set_xticks(range(k), classes, rotation=45 if k > 4 else 0, ha="right" if k > 4 else "center")
    ax.set_yticks(range(k), classes)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("\n".join(textwrap.wrap(title, width=int(9 * size))), fontsize=10)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def scores_html(scores: dict[str, Any]) -> str:
    """Per-class precision / recall / F1 as an HTML table."""
    rows = "\n".join(
        f"<tr><td>{html.escape(name)}</td><td>{s['precision']:.3f}</td><td>{s['recall']:.3f}"
        f"</td><td>{s['f1']:.3f}</td><td>{s['support']}</td></tr>"
        for name, s in scores["per_class"].items())
    return ("<h2>Per class (held-out part)</h2><table><tr><th>class</th><th>precision</th>"
            f"<th>recall</th><th>F1</th><th>support</th></tr>\n{rows}\n</table>")


def write_classify_run(out: Path, model: Sequential, task: dict[str, Any],
                       metrics: dict[str, Any], history: dict[str, list[float]],
                       classes: list[str], preprocessing: tuple[str, str],
                       title: str, noun: str, extra_html: str = "") -> Path:
    """Write the whole run folder at once (or nothing, if any step fails).

    preprocessing: (file name, JSON text), e.g. ("tokenizer.json", tokenizer.to_json()).
    noun: what a sample is ("texts", "series").
    """
    with run_folder(out) as folder:
        model.save(folder / "model")
        (folder / preprocessing[0]).write_text(preprocessing[1] + "\n", encoding="utf-8")
        write_json(folder / "labels.json", classes)
        write_json(folder / "task.json", {**task, "rnnkit_version": __version__})
        write_json(folder / "metrics.json", metrics)
        write_history(history, folder / "history.csv")
        plot_learning_curves(history, folder / "curves.png", title=f"{title}: learning curves")
        plot_confusion(metrics["model"]["confusion_matrix"], classes, folder / "confusion.png",
                       f"Held-out confusion matrix. {title}")
        summary = (f"Held-out accuracy {metrics['model']['accuracy']:.1%} (macro F1 "
                   f"{metrics['model']['macro_f1']:.3f}) on {metrics['n_test']} {noun}, "
                   "against " + "; ".join(f"{_readable(name)} {b['accuracy']:.1%}"
                                          for name, b in metrics["baselines"].items()) + ".")
        pair = "{accuracy:.4f} / {macro_f1:.4f}".format
        net = ("Bi" if task["bidirectional"] else "") + task["cell"].upper()
        table = {f"{net} accuracy / macro F1": pair(**metrics["model"]),
                 **{f"{_readable(name)} accuracy / macro F1": pair(**b)
                    for name, b in metrics["baselines"].items()},
                 f"training / validation / held-out {noun}":
                     f"{metrics['n_train']} / {metrics['n_val']} / {metrics['n_test']}",
                 "epochs run (best, whose weights are kept)":
                     f"{metrics['epochs_run']} ({metrics['best_epoch']})",
                 "training seconds": metrics["seconds"]}
        write_report(folder, title, summary, table,
                     [("curves.png", "Loss and accuracy per epoch, training and validation"),
                      ("confusion.png", "Held-out confusion matrix (counts)")],
                     scores_html(metrics["model"]) + extra_html)
    return Path(out)


def _readable(name: str) -> str:
    return name.replace("_", " ").replace("bag of words", "bag-of-words")


def read_run(run_dir) -> tuple[dict[str, Any], list[str], Path]:
    """task.json and labels.json of a saved classify run."""
    run_dir = Path(run_dir)
    if not (run_dir / "task.json").is_file():
        raise UserError(f"{str(run_dir)!r} is not a classify run folder (no task.json). Pass "
                        "the folder written by `rnnkit classify` (see its --out).")
    task = json.loads((run_dir / "task.json").read_text(encoding="utf-8"))
    classes = json.loads((run_dir / "labels.json").read_text(encoding="utf-8"))
    return task, classes, run_dir
