"""Text generation: a character-level LSTM language model, trained by truncated BPTT.

    e_t = Embedding(c_t)                          (B, T, E)
    h_t = LSTM(e_t, h_{t-1})                      (B, T, H), stateful: h, c carried across chunks
    p(c_{t+1} | c_1..c_t) = softmax(W h_t + b)    (B, T, V)
    loss = -mean_t log p(c_{t+1})                 nats per character; ln V for a uniform guess

The training text is cut into B contiguous streams and each stream into chunks of T
characters. Batch k holds chunk k of every stream, so the state a stateful LSTM carries
from batch k to batch k + 1 belongs to the same stream: the model sees context longer than
T while gradients flow back only T steps (truncated BPTT; the layer detaches the carried
state). States are reset each epoch. The last `val_fraction` of the text is held out and
scored by a stateful pass after every epoch, against the uniform guess (ln V) and the
training text's character frequencies.

    generate()                -> run folder: model/, vocab.json, task.json, metrics.json,
                                 curves.png, samples.txt, report.html
    predict(run_dir, prompt)  -> the prompt and its continuation, sampled from a saved run

Shapes: B streams (batch rows), T steps per chunk, E embedding size, H hidden units,
V vocabulary (distinct characters).
"""
from __future__ import annotations

import argparse
import html
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.ticker import MaxNLocator

from .. import __version__
from ..callbacks import Callback
from ..errors import UserError
from ..datasets import DataError, load_tiny_shakespeare, read_text
from ..layers import LSTM, Dense, Embedding
from ..models import Sequential, load_model
from ..optimizers import Adam
from ..utils import set_random_seed
from .runs import default_run_dir, plt, run_folder, write_history, write_json, write_report

# The full setting: Tiny Shakespeare to <= 1.70 nats/char in 10 minutes on 2 CPU cores.
# Chosen by 2- and 10-minute runs (benchmarks/quality_generate.py): LSTM(256) beat LSTM(384)
# and LSTM(512) at equal wall time on the shared 2-core machine, lr 5e-3 beat 3e-3.
FULL = dict(units=256, layers=1, embed_dim=64, seq_len=100, batch_size=64, lr=5e-3,
            epochs=None, minutes=10.0, sample_length=600, threads=None)
# The demo setting: under 40 s on 2 cores, samples already word-like.
QUICK = dict(units=128, layers=1, embed_dim=32, seq_len=64, batch_size=32, lr=6e-3,
             epochs=None, minutes=0.33, sample_length=300, threads=1)
VAL_STREAMS = 16          # streams of the held-out pass: few, so little is scored cold
FINAL_LR_FRACTION = 0.1   # the learning rate decays (cosine) to this fraction of lr
CLIP = 1.0                # global gradient norm
TEMPERATURES = (0.5, 0.8, 1.0)
DEFAULT_PROMPT = "ROMEO:\n"


# -- data ---------------------------------------------------------------------------------

def encode(text: str, vocab: list[str]) -> np.ndarray:
    """Character ids (int64) of `text`; every character must be in `vocab`.

    >>> encode("cab", ["a", "b", "c"])
    array([2, 0, 1])
    """
    index = {ch: i for i, ch in enumerate(vocab)}
    return np.fromiter((index[ch] for ch in text), dtype=np.int64, count=len(text))


def stream_batches(ids: np.ndarray, batch_size: int, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Lay ids out for stateful training: row k*B + i holds chunk k of stream i.

    The ids are cut into B contiguous streams of L = (N - 1) // B inputs each; targets are
    the inputs shifted by one. fit(..., batch_size=B, shuffle=False) then feeds batch k =
    chunk k of every stream, so row i of batch k continues row i of batch k - 1. The tail
    of each stream shorter than seq_len is dropped.

    >>> x, y = stream_batches(np.arange(13), batch_size=2, seq_len=3)
    >>> x
    array([[ 0,  1,  2],
           [ 6,  7,  8],
           [ 3,  4,  5],
           [ 9, 10, 11]])
    >>> bool((y == x + 1).all())
    True
    """
    B, T = batch_size, seq_len
    L = (len(ids) - 1) // B                        # inputs per stream
    K = L // T                                     # chunks per stream
    if K == 0:
        raise ValueError(f"{len(ids)} ids are too few for {B} streams of {T} + 1 ids; "
                         "use a smaller batch_size or seq_len.")
    ids = np.asarray(ids)
    xs = ids[:B * L].reshape(B, L)[:, :K * T]      # (B, K*T): stream i is row i
    ys = ids[1:B * L + 1].reshape(B, L)[:, :K * T]
    lay = lambda s: s.reshape(B, K, T).transpose(1, 0, 2).reshape(K * B, T)  # noqa: E731
    return lay(xs), lay(ys)


def baselines(train_ids: np.ndarray, val_ids: np.ndarray, V: int) -> dict[str, float]:
    """Nats per character of two models that ignore context, for comparison.

    uniform: every character equally likely, ln V. unigram: the training text's character
    frequencies (add-one smoothed), scored on the held-out text; its training entropy too.
    """
    counts = np.bincount(train_ids, minlength=V)
    p = counts[counts > 0] / counts.sum()
    return {"uniform": math.log(V), "unigram_train_entropy": float(-(p * np.log(p)).sum()),
            "unigram": float(-unigram_log_probs(train_ids, V)[val_ids].mean())}


def unigram_log_probs(train_ids: np.ndarray, V: int) -> np.ndarray:
    """log p(c) of each character in the training ids, add-one smoothed: (V,).

    >>> np.exp(unigram_log_probs(np.array([0, 0, 1]), 3)).round(2)
    array([0.5 , 0.33, 0.17])
    """
    counts = np.bincount(train_ids, minlength=V).astype(np.float64)
    return np.log((counts + 1.0) / (counts.sum() + V))


def read_corpus(path=None) -> tuple[str, str]:
    """(text, its name): a UTF-8 text file, or the bundled Tiny Shakespeare when path is None."""
    text = load_tiny_shakespeare() if path is None else read_text(path)  # DataError if unusable
    if not text.strip():
        raise DataError(f"{path} holds no text ({len(text)} characters, all whitespace); "
                        "expected a UTF-8 text file to learn from.")
    return text, "Tiny Shakespeare (bundled)" if path is None else str(path)


# -- the model ----------------------------------------------------------------------------

def build_model(V: int, units: int, layers: int, embed_dim: int,
                log_prior: np.ndarray | None = None) -> Sequential:
    """Embedding(V, E) -> layers x LSTM(H, return_sequences, stateful) -> Dense(V, softmax).

    With log_prior (V,), the output bias starts at it: an untrained model predicts the
    character frequencies instead of a uniform guess, which saves the first hundreds of
    Adam steps (each moves a bias by about lr).
    """
    model = Sequential([Embedding(V, embed_dim, embeddings_initializer="he_uniform")])
    for _ in range(layers):
        model.add(LSTM(units, return_sequences=True, stateful=True))
    model.add(Dense(V, activation="softmax"))
    model(torch.zeros(1, 1, dtype=torch.long))    # build the lazy layers
    model.reset_states()
    if log_prior is not None:
        with torch.no_grad():
            model.layers[-1].b.copy_(torch.as_tensor(log_prior))
    return model


class StatefulSchedule(Callback):
    """What fit needs for stateful streams, a learning-rate decay and a wall-clock budget:

        on_epoch_begin  reset the carried states: each epoch reads the streams from the start
        each batch      lr = lr0 (f + (1 - f) (1 + cos(pi p)) / 2), f = FINAL_LR_FRACTION,
                        p = progress(); under a time budget, stop at p = 1
        on_epoch_end    logs["val_loss"]: a stateful pass over the held-out streams
    """

    def __init__(self, data: "CharData", lr0: float, epochs: int | None,
                 minutes: float | None, verbose: int = 1):
        super().__init__()
        self.data, self.lr0, self.seconds = data, lr0, None if minutes is None else 60 * minutes
        self.total_steps = None if epochs is None else epochs * (len(data.x) // data.streams)
        self.verbose, self.step, self.val_seconds = verbose, 0, 0.0
        self._needs_batch_logs = False           # no per-batch loss: no device sync a batch

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.model.reset_states()

    def progress(self) -> float:
        """Done: of the planned steps, or of the budget less one held-out pass (guessed first)."""
        elapsed = time.perf_counter() - self.started
        val_batches = len(self.data.x_val) // self.data.val_streams
        reserve = self.val_seconds or elapsed / max(self.step, 1) * val_batches / 3  # fwd ~ 1/3
        by_time = (elapsed + reserve) / self.seconds if self.seconds else 0.0
        by_steps = self.step / self.total_steps if self.total_steps else 0.0
        return min(1.0, max(by_time, by_steps))

    def on_train_batch_begin(self, batch, logs=None):
        cosine = 0.5 * (1 + math.cos(math.pi * self.progress()))               # 1 -> 0
        for group in self.model.optimizer.param_groups:
            group["lr"] = self.lr0 * (FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * cosine)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.seconds is not None and self.progress() >= 1.0:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        t0 = time.perf_counter()
        self.model.reset_states()                # the held-out streams, from their start
        logs["val_loss"] = self.model.evaluate(self.data.x_val, self.data.y_val, verbose=0,
                                               batch_size=self.data.val_streams)
        self.model.reset_states()
        self.val_seconds = time.perf_counter() - t0
        logs["lr"] = self.model.optimizer.param_groups[0]["lr"]
        logs["seconds"] = time.perf_counter() - self.started
        if self.verbose:
            print(f"epoch {epoch + 1:3d}  train {logs['loss']:.4f}  val {logs['val_loss']:.4f} "
                  f"nats/char  lr {logs['lr']:.2g}  {logs['seconds']:.0f} s", flush=True)


# -- sampling -----------------------------------------------------------------------------

@torch.no_grad()
def sample(model: Sequential, vocab: list[str], prompt: str = "", length: int = 200,
           temperature: float = 1.0, rng: np.random.Generator | None = None) -> str:
    """The prompt followed by `length` characters drawn from the model, one at a time.

    The prompt runs through the stateful model from a reset state (batch of one); each next
    character is drawn from softmax(logits / temperature) and fed back. temperature 0 takes
    the most likely character (greedy); lower is safer, higher more varied.
    """
    unknown = sorted(set(prompt) - set(vocab))
    if temperature < 0 or unknown:
        raise ValueError(f"sample needs temperature >= 0 (0 is greedy), got {temperature!r}, "
                         f"and prompt characters the model knows; unknown: {unknown!r}.")
    rng, seed = rng or np.random.default_rng(), prompt or ("\n" if "\n" in vocab else vocab[0])
    model.eval()
    model.reset_states()
    x = torch.as_tensor(encode(seed, vocab)[None, :], device=model.device)     # (1, P)
    out, threads = [], torch.get_num_threads()
    torch.set_num_threads(1)              # steps of a batch of one: a 2nd thread only syncs
    try:
        for _ in range(length):
            logits = model(x, logits=True)[0, -1].double()                        # (V,)
            if temperature == 0:
                nxt = int(logits.argmax())
            else:
                p = torch.softmax(logits / temperature, dim=-1).cpu().numpy()
                nxt = min(int(np.searchsorted(np.cumsum(p), rng.random() * p.sum())), len(p) - 1)
            out.append(vocab[nxt])
            x = torch.tensor([[nxt]], device=model.device)                         # (1, 1)
    finally:
        torch.set_num_threads(threads)
        model.reset_states()
    return prompt + "".join(out)


# -- the recipe ---------------------------------------------------------------------------

@dataclass
class CharData:
    """A text cut for training: the vocabulary, the held-out ids and the stream layouts."""

    vocab: list[str]
    train_ids: np.ndarray
    val_ids: np.ndarray
    x: np.ndarray                 # (K*B, T) training inputs, row k*B + i = chunk k of stream i
    y: np.ndarray                 # (K*B, T) the next characters
    x_val: torch.Tensor           # (Kv*Bv, Tv) the held-out text, laid out the same way
    y_val: torch.Tensor
    streams: int                  # B
    val_streams: int              # Bv


def prepare(text: str, source: str, val_fraction: float, seq_len: int,
            batch_size: int) -> CharData:
    """Hold out the last val_fraction of the text and lay both parts out in streams."""
    cut = int(round(len(text) * (1 - val_fraction)))
    T = seq_len
    if cut < 3 * T + 1 or len(text) - cut < 2:
        raise DataError(f"{source} has {len(text)} characters: too short to train on chunks "
                        f"of seq_len={T} and hold out the last {val_fraction:.0%}. Expected at "
                        f"least {math.ceil((3 * T + 2) / (1 - val_fraction))} characters; give "
                        "a longer text or a smaller --seq-len.")
    vocab = sorted(set(text))                          # id i is vocab[i]
    train_ids, val_ids = encode(text[:cut], vocab), encode(text[cut:], vocab)
    B = max(1, min(batch_size, (len(train_ids) - 1) // T))
    x, y = stream_batches(train_ids, B, T)
    Bv = max(1, min(VAL_STREAMS, (len(val_ids) - 1) // T))
    L = (len(val_ids) - 1) // Bv                       # held-out inputs per stream
    Tv = L // -(-L // min(T, L))                       # equal chunks that use all of L
    x_val, y_val = (torch.from_numpy(a) for a in stream_batches(val_ids, Bv, Tv))
    return CharData(vocab, train_ids, val_ids, x, y, x_val, y_val, B, Bv)


def train(model: Sequential, data: CharData, lr: float, epochs: int | None,
          minutes: float | None, verbose: int = 1,
          threads: int | None = None) -> tuple[dict[str, list[float]], int]:
    """fit over the streams in order, for epochs or minutes; (history, steps taken)."""
    schedule = StatefulSchedule(data, lr, epochs, minutes, verbose)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(threads or threads_before)
    try:
        history = model.fit(data.x, data.y, batch_size=data.streams, epochs=epochs or 10**9,
                            shuffle=False, verbose=0, callbacks=[schedule]).history
    finally:
        torch.set_num_threads(threads_before)
    return history, schedule.step


def generate(path=None, units: int | None = None, layers: int | None = None,
             embed_dim: int | None = None, seq_len: int | None = None,
             batch_size: int | None = None, epochs: int | None = None,
             minutes: float | None = None, lr: float | None = None, val_fraction: float = 0.1,
             temperature: float = 0.8, prompt: str = DEFAULT_PROMPT,
             sample_length: int | None = None, seed: int = 0, out=None, quick: bool = False,
             verbose: int = 1, threads: int | None = None) -> dict[str, Any]:
    """Train a character model on a text (default: Tiny Shakespeare) and write a run folder.

    Trains for `epochs` or `minutes` of wall-clock time, whichever ends first (full: 10
    minutes; quick=True: about 20 s). Returns the metrics, with "run_dir". `threads`: torch
    threads while training (restored after; quick: 1). On a CPU busy with other jobs 1 can be
    several times faster than 2, as the LSTM kernel syncs its threads at every time step.
    """
    s = dict(QUICK if quick else FULL)
    given = dict(units=units, layers=layers, embed_dim=embed_dim, seq_len=seq_len,
                 batch_size=batch_size, lr=lr, sample_length=sample_length, threads=threads)
    s.update({k: v for k, v in given.items() if v is not None})
    if epochs is not None or minutes is not None:
        s["epochs"], s["minutes"] = epochs, minutes
    _check_settings(s, val_fraction, temperature)
    set_random_seed(seed)

    text, source = read_corpus(path)
    data = prepare(text, source, val_fraction, s["seq_len"], s["batch_size"])
    V = len(data.vocab)
    if prompt == DEFAULT_PROMPT and set(prompt) - set(data.vocab):
        prompt = ""                               # another text: sample from a fresh start
    _check_prompt(prompt, data.vocab)
    base = baselines(data.train_ids, data.val_ids, V)
    model = build_model(V, s["units"], s["layers"], s["embed_dim"],
                        log_prior=unigram_log_probs(data.train_ids, V))
    model.compile(optimizer=Adam(learning_rate=s["lr"], global_clipnorm=CLIP),
                  loss="sparse_categorical_crossentropy")
    if verbose:
        print(f"{source}: {len(text):,} characters, V={V}, last {len(data.val_ids):,} held out; "
              f"{data.streams} streams, chunks of {s['seq_len']}, {model.count_params():,} weights"
              f". Baselines: uniform {base['uniform']:.3f}, unigram {base['unigram']:.3f}.")
    hist, steps = train(model, data, s["lr"], s["epochs"], s["minutes"], verbose, s["threads"])
    train_seconds = hist["seconds"][-1]           # training and held-out passes

    rng = np.random.default_rng(seed)
    samples = {t: sample(model, data.vocab, prompt, s["sample_length"], t, rng)
               for t in dict.fromkeys((*TEMPERATURES, temperature))}
    val_loss = hist["val_loss"][-1]
    metrics = {
        "val_nats_per_char": val_loss, "val_bits_per_char": val_loss / math.log(2),
        "train_nats_per_char": hist["loss"][-1], "best_val_nats_per_char": min(hist["val_loss"]),
        "baselines": base, "epochs": len(hist["loss"]), "steps": steps,
        "train_seconds": round(train_seconds, 1),
        "chars": {"total": len(text), "train": len(data.train_ids), "val": len(data.val_ids),
                  "val_scored": int(data.y_val.numel())},
        "history": {k: hist[k] for k in ("loss", "val_loss", "lr", "seconds")},
    }
    task = {"task": "generate", "data": source, "vocab_size": V, "val_fraction": val_fraction,
            **{k: s[k] for k in ("seq_len", "units", "layers", "embed_dim", "lr", "epochs",
                                 "minutes")}, "batch_size": data.streams, "seed": seed,
            "prompt": prompt, "temperature": temperature, "quick": quick,
            "rnnkit_version": __version__}
    out = Path(out) if out is not None else default_run_dir("generate")
    _write_run(out, model, data.vocab, task, metrics, samples)
    metrics["run_dir"] = str(out)
    if verbose:
        print(f"held-out {val_loss:.3f} nats/char\n{samples[temperature]}\nRun folder: {out}")
    return metrics


def _check_settings(s: dict[str, Any], val_fraction: float, temperature: float) -> None:
    for key in ("units", "layers", "embed_dim", "seq_len", "batch_size", "sample_length",
                "threads"):
        value = s[key]
        if value is not None and (type(value) is not int or value <= 0):
            raise UserError(f"{key} must be a positive integer, got {s[key]!r}.")
    if s["epochs"] is None and s["minutes"] is None:
        raise UserError("Give epochs or minutes (a wall-clock budget), or both.")
    for key in ("epochs", "minutes", "lr"):
        if s[key] is not None and not s[key] > 0:
            raise UserError(f"{key} must be a positive number, got {s[key]!r}.")
    if not 0 < val_fraction < 0.5:
        raise UserError(f"val_fraction must be in (0, 0.5), got {val_fraction!r}.")
    if not temperature >= 0:
        raise UserError(f"temperature must be >= 0 (0 is greedy), got {temperature!r}.")


def _check_prompt(prompt: str, vocab: list[str]) -> None:
    unknown = sorted(set(prompt) - set(vocab))
    if unknown:
        raise UserError(f"The prompt has characters the model never saw: {unknown!r}. Use "
                        f"characters of its training text ({len(vocab)} distinct).")


def _write_run(out: Path, model: Sequential, vocab: list[str], task: dict, metrics: dict,
               samples: dict[float, str]) -> None:
    """The run folder, written whole or not at all (see runs.run_folder)."""
    with run_folder(out) as folder:
        model.save(folder / "model", include_optimizer=False)
        write_json(folder / "vocab.json", vocab)
        write_json(folder / "task.json", task)
        write_json(folder / "metrics.json", metrics)
        write_history(metrics["history"], folder / "history.csv")
        _plot_curves(metrics, folder / "curves.png", task["data"], task["val_fraction"])
        text = "".join(f"--- temperature {t} ---\n{txt}\n\n" for t, txt in samples.items())
        (folder / "samples.txt").write_text(text, encoding="utf-8")
        m, b = metrics, metrics["baselines"]
        summary = (f"A {task['layers']} x LSTM({task['units']}) trained on {task['data']} for "
                   f"{m['epochs']} epochs ({m['train_seconds']:.0f} s): held-out (last "
                   f"{task['val_fraction']:.0%}) {m['val_nats_per_char']:.3f} nats per character; "
                   f"character frequencies {b['unigram']:.3f}, uniform {b['uniform']:.3f}.")
        blocks = "".join(f"<h3>temperature {t}</h3><pre>{html.escape(txt)}</pre>"
                         for t, txt in samples.items())
        write_report(folder, "rnnkit generate", summary,
                     {k: v for k, v in metrics.items() if k != "history"},
                     [("curves.png", "nats per character by epoch, with the baselines")],
                     extra_html=f"<h2>Samples (prompt {task['prompt']!r})</h2>{blocks}")


def _plot_curves(metrics: dict, path: Path, source: str, val_fraction: float) -> None:
    """Training and held-out nats per character by epoch, with the two baselines."""
    hist, base = metrics["history"], metrics["baselines"]
    fig, ax = plt.subplots(figsize=(6.5, 4))
    epochs = range(1, len(hist["loss"]) + 1)
    ax.plot(epochs, hist["loss"], "o-", label="training (mean over the epoch)")
    ax.plot(epochs, hist["val_loss"], "o-", label=f"held-out (last {val_fraction:.0%})")
    ax.axhline(base["uniform"], color="grey", ls=":",
               label=f"uniform, ln V = {base['uniform']:.2f}")
    ax.axhline(base["unigram"], color="grey", ls="--", label=f"unigram = {base['unigram']:.2f}")
    ax.set(xlabel="epoch (the last one may be cut short by the time budget)",
           ylabel="nats per character", ylim=(0, base["uniform"] * 1.05),
           title=f"Character LSTM on {source}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# -- predict from a saved run -------------------------------------------------------------

def predict(run_dir, prompt: str | None = None, length: int = 300,
            temperature: float | None = None, seed: int | None = None) -> str:
    """The prompt and `length` characters sampled after it by the model saved in run_dir."""
    run_dir = Path(run_dir)
    try:
        task = json.loads((run_dir / "task.json").read_text(encoding="utf-8"))
        vocab = json.loads((run_dir / "vocab.json").read_text(encoding="utf-8"))
        model = load_model(run_dir / "model", compile=False)
    except (OSError, ValueError) as e:
        raise UserError(f"{str(run_dir)!r} is not a readable generate run folder ({e}). Pass a "
                        "folder written by `rnnkit generate`.") from None
    prompt = task.get("prompt", "") if prompt is None else prompt
    temperature = task.get("temperature", 0.8) if temperature is None else temperature
    _check_prompt(prompt, vocab)
    if not isinstance(length, int) or length < 0 or not temperature >= 0:
        raise UserError(f"length must be an integer >= 0 and temperature a number >= 0 (0 is "
                        f"greedy), got length={length!r}, temperature={temperature!r}.")
    return sample(model, vocab, prompt, length, temperature, np.random.default_rng(seed))


# -- command line -------------------------------------------------------------------------

OPTIONS = (("units", int, "LSTM units"), ("layers", int, "stacked LSTM layers"),
           ("embed_dim", int, "embedding size"),
           ("seq_len", int, "characters per chunk: how far back gradients flow (BPTT)"),
           ("batch_size", int, "contiguous streams trained side by side"),
           ("lr", float, f"Adam learning rate, cosine-decayed to {FINAL_LR_FRACTION:g}x"),
           ("sample_length", int, "characters per sample"))


def configure_parser(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", default=None,
                        help="a UTF-8 text file (default: the bundled Tiny Shakespeare)")
    for key, kind, what in OPTIONS:
        parser.add_argument(f"--{key.replace('_', '-')}", type=kind, help=f"{what} (default "
                            f"{FULL[key]:g}; {QUICK[key]:g} with --quick)")
    parser.add_argument("--epochs", type=int, help="passes over the text (default: --minutes)")
    parser.add_argument("--minutes", type=float, help=f"wall-clock training budget (default "
                        f"{FULL['minutes']:g}; {QUICK['minutes']:g} with --quick)")
    parser.add_argument("--val-fraction", type=float, default=0.1, help="held out at the end")
    parser.add_argument("--temperature", type=float, default=0.8, help="for sampling; 0: greedy")
    parser.add_argument("--prompt", default=DEFAULT_PROMPT,
                        help="text the samples start from; \\n is a newline (default %(default)r)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--out", help="run folder (default runs/generate-<date>-<time>)")
    parser.add_argument("--quick", action="store_true", help="the demo: a small model, ~20 s")
    parser.add_argument("--threads", type=int, help="CPU threads while training (default: "
                        "PyTorch's; 1 with --quick; 1 is often faster on a busy CPU)")
    parser.add_argument("--quiet", action="store_true", help="print only the final summary")


def main(args: argparse.Namespace) -> int:
    options = {key: getattr(args, key) for key, _, _ in OPTIONS}
    generate(args.file, **options, epochs=args.epochs, minutes=args.minutes,
             val_fraction=args.val_fraction, temperature=args.temperature,
             prompt=args.prompt.replace("\\n", "\n"), seed=args.seed, out=args.out,
             quick=args.quick, verbose=0 if args.quiet else 1, threads=args.threads)
    return 0
