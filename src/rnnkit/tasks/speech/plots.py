"""The speech task's pictures: learning curves over training steps, and a test utterance's
spectrogram with the model's per-frame CTC posteriors (the alignment) under it."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def plot_curves(history: dict[str, list[float]], path: Path, title: str) -> Path:
    """CTC loss (training batches, validation) and validation error rate against the step."""
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 3.8))
    ax1.plot(history["step"], history["loss"], label="training CTC loss (mean of the last "
             "steps)")
    ax1.plot(history["step"], history["val_loss"], label="validation CTC loss")
    ax1.set_yscale("log")
    ax1.set_ylabel("CTC loss per symbol (nats)")
    ax2.plot(history["step"], [100 * e for e in history["val_error_rate"]], color="C2",
             label="validation error rate (greedy)")
    ax2.set_ylabel("error rate, %")
    ax2.set_ylim(0, max(5.0, min(100.0, 100 * max(history["val_error_rate"][-3:]) * 3)))
    for ax in (ax1, ax2):
        ax.set_xlabel("training step (one batch of fresh utterances)")
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_alignment(logmel: np.ndarray, log_probs: np.ndarray, symbols: list[str], stack: int,
                   hop_seconds: float, path: Path, title: str) -> Path:
    """Top: log-mel spectrogram (M, T); bottom: posterior of each symbol per model step
    (T' = T / stack), the blank in grey, each symbol's peak labelled."""
    probs = np.exp(log_probs)                                          # (T', V + 1)
    T = logmel.shape[0]
    seconds = T * hop_seconds
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(11, 5.6), sharex=True,
                                   gridspec_kw={"height_ratios": [1.2, 1]})
    ax1.imshow(logmel.T, origin="lower", aspect="auto", cmap="magma",
               extent=(0, seconds, 0, logmel.shape[1]))
    ax1.set_ylabel("mel band")
    ax1.set_title(title, fontsize=10)
    t = (np.arange(len(probs)) + 0.5) * stack * hop_seconds
    ax2.fill_between(t, probs[:, 0], color="0.85", step="mid", label="blank")
    colours = plt.get_cmap("tab10" if len(symbols) <= 10 else "tab20")
    for k, name in enumerate(symbols, start=1):
        if probs[:, k].max() < 0.05:
            continue
        ax2.plot(t, probs[:, k], drawstyle="steps-mid", color=colours(k % colours.N), lw=1.4)
        for peak in _peaks(probs[:, k], probs.argmax(1) == k):
            ax2.annotate(repr(name)[1:-1] if name == " " else name, (t[peak], probs[peak, k]),
                         textcoords="offset points", xytext=(0, 3), ha="center", fontsize=11,
                         fontweight="bold", color=colours(k % colours.N))
    ax2.set_ylim(0, 1.12)
    ax2.set_xlim(0, seconds)
    ax2.set_xlabel("time, s")
    ax2.set_ylabel("CTC posterior")
    ax2.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _peaks(p: np.ndarray, winning: np.ndarray) -> list[int]:
    """The highest frame of each run of frames the symbol wins."""
    peaks, start = [], None
    for i, w in enumerate(np.append(winning, False)):
        if w and start is None:
            start = i
        elif not w and start is not None:
            peaks.append(start + int(np.argmax(p[start:i])))
            start = None
    return peaks
