"""The character model of `rnnkit generate`, its training schedule and its sampler.

    e_t = Embedding(c_t)                          (B, T, E)
    h_t = LSTM(e_t, h_{t-1})                      (B, T, H), stateful: h, c carried across chunks
    p(c_{t+1} | c_1..c_t) = softmax(W h_t + b)    (B, T, V)
    loss = -mean_t log p(c_{t+1})                 nats per character; ln V for a uniform guess

Training: fit over the streams in order (data.stream_batches), the learning rate
cosine-decayed over the planned steps, the states reset each epoch, a stateful pass over
the held-out streams after every epoch. The plan is in steps, so a busy machine changes
how long a run takes, never what it computes; a `minutes` cap may stop it early.
"""
from __future__ import annotations

import math
import sys
import time

import numpy as np
import torch

from ...callbacks import Callback
from ...layers import LSTM, Dense, Embedding
from ...models import Sequential
from .data import CharData, encode
from .settings import FINAL_LR_FRACTION, MAX_LENGTH

CLIP = 1.0                # global gradient norm


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
    """What fit needs for stateful streams, a learning-rate decay and a wall-clock cap:

        on_epoch_begin  reset the carried states: each epoch reads the streams from the start
        each batch      lr = lr0 (f + (1 - f) (1 + cos(pi p)) / 2), f = FINAL_LR_FRACTION,
                        p = steps done / steps planned; stop at the plan or at the cap
        on_epoch_end    logs["val_loss"]: a stateful pass over the held-out streams
    """

    def __init__(self, data: CharData, lr0: float, total_steps: int,
                 minutes: float | None, print_epochs: bool = False):
        super().__init__()
        self.data, self.lr0, self.total_steps = data, lr0, total_steps
        self.seconds = None if minutes is None else 60.0 * minutes
        self.print_epochs, self.step, self.capped = print_epochs, 0, False
        self._needs_batch_logs = False           # no per-batch loss: no device sync a batch

    def on_train_begin(self, logs=None):
        self.started = time.perf_counter()

    def on_epoch_begin(self, epoch, logs=None):
        self.model.reset_states()

    def on_train_batch_begin(self, batch, logs=None):
        cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, self.step / self.total_steps)))
        for group in self.model.optimizer.param_groups:
            group["lr"] = self.lr0 * (FINAL_LR_FRACTION + (1 - FINAL_LR_FRACTION) * cosine)

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step >= self.total_steps:
            self.model.stop_training = True
        elif self.seconds is not None and time.perf_counter() - self.started >= self.seconds:
            self.model.stop_training = self.capped = True

    def on_epoch_end(self, epoch, logs=None):
        self.model.reset_states()                # the held-out streams, from their start
        logs["val_loss"] = self.model.evaluate(self.data.x_val, self.data.y_val, verbose=0,
                                               batch_size=self.data.val_streams)
        self.model.reset_states()
        logs["lr"] = self.model.optimizer.param_groups[0]["lr"]
        logs["seconds"] = time.perf_counter() - self.started
        if self.print_epochs:
            print(f"epoch {epoch + 1:3d}  step {self.step:,}/{self.total_steps:,}  train "
                  f"{logs['loss']:.4f}  val {logs['val_loss']:.4f} nats/char  lr "
                  f"{logs['lr']:.2g}  {logs['seconds']:.0f} s", flush=True)


def train(model: Sequential, data: CharData, lr: float, total_steps: int,
          minutes: float | None, quiet: bool = False,
          threads: int | None = None) -> tuple[dict[str, list[float]], StatefulSchedule]:
    """fit over the streams in order for total_steps (or until the minutes cap).

    Progress: fit's bar per epoch on a terminal, one line per epoch otherwise, nothing when
    quiet. Returns the history and the schedule (its .step and .capped tell what ran)."""
    bars = not quiet and sys.stdout.isatty()
    schedule = StatefulSchedule(data, lr, total_steps, minutes, print_epochs=not quiet and
                                not bars)
    epochs = -(-total_steps // data.steps_per_epoch)
    threads_before = torch.get_num_threads()
    torch.set_num_threads(threads or threads_before)
    try:
        history = model.fit(data.x, data.y, batch_size=data.streams, epochs=epochs,
                            shuffle=False, verbose=1 if bars else 0,
                            callbacks=[schedule]).history
    finally:
        torch.set_num_threads(threads_before)
    return history, schedule


@torch.no_grad()
def sample(model: Sequential, vocab: list[str], prompt: str = "", length: int = 200,
           temperature: float = 1.0, rng: np.random.Generator | None = None) -> str:
    """The prompt followed by `length` characters drawn from the model, one at a time.

    The prompt runs through the stateful model from a reset state (batch of one); each next
    character is drawn from softmax(logits / temperature) and fed back. temperature 0 takes
    the most likely character (greedy); lower is safer, higher more varied. At most
    MAX_LENGTH characters of prompt and of sample.
    """
    unknown = sorted(set(prompt) - set(vocab))
    if temperature < 0 or unknown:
        raise ValueError(f"sample needs temperature >= 0 (0 is greedy), got {temperature!r}, "
                         f"and prompt characters the model knows; unknown: {unknown!r}.")
    if not 0 <= length <= MAX_LENGTH or len(prompt) > MAX_LENGTH:
        raise ValueError(f"sample draws at most {MAX_LENGTH:,} characters after a prompt of at "
                         f"most {MAX_LENGTH:,}; got length={length!r} and a prompt of "
                         f"{len(prompt):,}. Sample in pieces: pass the end of one sample as "
                         "the next prompt.")
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
