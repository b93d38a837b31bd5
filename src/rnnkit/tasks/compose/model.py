"""The tune language model (embedding -> rnnkit LSTMs -> softmax over tokens), its baseline
(an n-gram model with add-k smoothing), and sampling from either.

    e_t = E[w_t]                                   (B, T, D)
    e_t = [E[w_t]; R[r_t]; C[c_t]; U[u_t]; N[n_t]; S[s_t]]   (B, T, D + 5K), the bar clock
    h_t = LSTM_L(... LSTM_1(e_t) ...)             (B, T, H), layers of rnnkit's LSTM
    p(w_{t+1} | w_1..w_t) = softmax(W h_t + b)     (B, T, V)
    bits per token = -mean_t log2 p(w_{t+1})       over every token after <s>, </s> included

n-gram baseline: p(w | u) = (c(u, w) + k) / (c(u) + k V), u the n-1 tokens before w
(<s> padding at the start of a tune), k chosen on the validation tunes. Its samples come
from the counts alone, backing off to the longest context seen in training (p(w | u) =
c(u, w) / c(u)): add-k's mass on unseen tokens would make the samples noise.

Shapes: B tunes, T tokens, D embedding size, K clock embedding size, H units, V vocabulary.
A tune goes in as ids (B, T), or as ids and clock features (B, T, 1 + 5): encode().
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ...errors import UserError
from ...layers import GRU, LSTM
from .abc import END, START
from .clock import N_FEATURES, SIZES, BarClock, clock_features

CELLS = {"lstm": LSTM, "gru": GRU}
PAD, UNK = "<pad>", "<unk>"


class Vocabulary:
    """Token <-> id; 0 is padding, 1 unknown, then <s>, </s> and the training tokens."""

    def __init__(self, tokens: list[str]):
        self.tokens = [PAD, UNK, START, END] + sorted(set(tokens) - {PAD, UNK, START, END})
        self.index = {t: i for i, t in enumerate(self.tokens)}

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, tokens: list[str]) -> list[int]:
        return [self.index.get(t, 1) for t in tokens]

    def decode(self, ids) -> list[str]:
        return [self.tokens[int(i)] for i in ids]


def parse_prompt(prompt: str | None, vocab: Vocabulary) -> list[str]:
    """'M:6/8 K:D' -> ['M:6/8', 'K:D'], each token known to the model.

    A meter and key prompt gives tunes in that meter and key; any tokens may follow.
    """
    if not prompt:
        return []
    tokens = prompt.replace(",", " ").split()
    unknown = [t for t in tokens if t not in vocab.index]
    if unknown:
        meters = sorted(t for t in vocab.tokens if t.startswith("M:"))
        keys = sorted(t for t in vocab.tokens if t.startswith("K:"))
        raise UserError(f"the prompt has tokens the model never saw: {', '.join(unknown)}. "
                        f"Expected tokens such as 'M:6/8 K:D'; meters known: "
                        f"{' '.join(meters)}; keys known: {' '.join(keys)}.")
    return tokens


def encode(vocab: Vocabulary, tune: list[str]) -> np.ndarray:
    """<s> tune </s> as rows (id, r_t, c_t, u_t, n_t, s_t): (T + 2, 1 + N_FEATURES)."""
    seq = [START] + list(tune) + [END]
    return np.column_stack([np.array(vocab.encode(seq), dtype=np.int64), clock_features(seq)])


class TuneModel(nn.Module):
    """forward(x, state=None) -> (logits (B, T, V), state: [h, c] per layer); x is ids
    (B, T), or ids with their clock features (B, T, 1 + 5) as encode() makes them.
    clock > 0: the bar clock's five features (clock.py), each embedded in `clock` dimensions."""

    def __init__(self, n_tokens: int, embedding: int = 64, units: int = 256, layers: int = 2,
                 cell: str = "lstm", dropout: float = 0.2, clock: int = 0):
        super().__init__()
        if cell not in CELLS:
            raise ValueError(f"cell must be one of {', '.join(CELLS)}, got {cell!r}.")
        self.config = {"n_tokens": n_tokens, "embedding": embedding, "units": units,
                       "layers": layers, "cell": cell, "dropout": dropout, "clock": clock}
        self.embed = nn.Embedding(n_tokens, embedding, padding_idx=0)
        self.clock = nn.ModuleList(
            nn.Embedding(n, clock) for n in SIZES) if clock else None
        self.recurrent = nn.ModuleList(
            CELLS[cell](units, return_sequences=True, return_state=True)
            for _ in range(layers))
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(units, n_tokens)
        with torch.no_grad():                    # rnnkit layers build on their first input
            self(torch.zeros(1, 2, 1 + N_FEATURES, dtype=torch.long))

    def forward(self, x: Tensor, state: list | None = None) -> tuple[Tensor, list]:
        ids = x if x.dim() == 2 else x[..., 0]                          # (B, T)
        h = self.embed(ids)                                             # (B, T, D)
        if self.clock is not None:
            if x.dim() != 3:
                raise ValueError(f"this TuneModel reads the bar clock: expected x of shape "
                                 f"(batch, time, {1 + N_FEATURES}) from encode(), got ids of "
                                 f"shape {tuple(x.shape)}.")
            h = torch.cat([h] + [E(x[..., 1 + k]) for k, E in enumerate(self.clock)], -1)
        h = self.dropout(h)                                    # (B, T, D + 5K)
        new_state = []
        for k, layer in enumerate(self.recurrent):
            out = layer(h, initial_state=state[k] if state else None)
            h, layer_state = out[0], list(out[1:])
            h = self.dropout(h)                                         # (B, T, H)
            new_state.append(layer_state)
        return self.output(h), new_state                               # (B, T, V)


def batch_ids(seqs: list) -> Tensor:
    """Right-padded ids (B, T), or (B, T, 1 + 5) for encode()'s rows; 0 = padding."""
    rows = [torch.as_tensor(np.asarray(s, dtype=np.int64)) for s in seqs]
    x = torch.zeros((len(rows), max(len(r) for r in rows)) + rows[0].shape[1:],
                    dtype=torch.long)
    for b, r in enumerate(rows):
        x[b, :len(r)] = r
    return x


def token_loss(model: TuneModel, seqs: list, reduction: str = "mean") -> Tensor:
    """Cross-entropy (nats) of each token given the ones before it; padding ignored."""
    x = batch_ids(seqs)
    logits, _ = model(x[:, :-1])
    target = x[:, 1:] if x.dim() == 2 else x[:, 1:, 0]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), target.reshape(-1),
                           ignore_index=0, reduction=reduction)


@torch.no_grad()
def bits_per_token(model: TuneModel, seqs: list, batch: int = 32) -> float:
    model.eval()
    total = sum(float(token_loss(model, seqs[i:i + batch], "sum"))
                for i in range(0, len(seqs), batch))
    return total / sum(len(s) - 1 for s in seqs) / math.log(2)


@torch.no_grad()
def sample(model: TuneModel, vocab: Vocabulary, prompt: list[str], n: int,
           temperature: float = 1.0, max_tokens: int = 600,
           generator: torch.Generator | None = None, guard: bool = False) -> list[list[str]]:
    """n tunes sampled token by token after `prompt` (tokens after <s>), until </s>.

    p_T(w) = softmax(logits / T): T < 1 sharpens, T > 1 flattens; T = 0 is greedy.
    guard=True: bar-guarded sampling (guard.py), only tokens that keep the bars right.
    """
    from .guard import BarGuard
    guards = [BarGuard(vocab.tokens) for _ in range(n)] if guard else []
    for g in guards:
        for t in prompt:
            g.push(t)
    model.eval()
    clocks = [BarClock() for _ in range(n)]
    for clock in clocks:
        for t in prompt:
            clock.push(t)
    start = encode(vocab, prompt)[:-1]                   # <s> prompt, without </s>
    logits, state = model(torch.as_tensor(np.stack([start] * n)))
    out: list[list[int]] = [[] for _ in range(n)]
    done = torch.zeros(n, dtype=torch.bool)
    banned = torch.tensor([vocab.index[PAD], vocab.index[UNK], vocab.index[START]])
    for _ in range(max_tokens):
        last = logits[:, -1].clone()
        last[:, banned] = -math.inf
        if guards:
            last[~torch.stack([g.allowed() for g in guards])] = -math.inf
        if temperature <= 0:
            nxt = last.argmax(-1)
        else:
            nxt = torch.multinomial(F.softmax(last / temperature, -1), 1, generator=generator)[:, 0]
        for b in range(n):
            if not done[b]:
                out[b].append(int(nxt[b]))
                if guards:
                    guards[b].push(vocab.tokens[int(nxt[b])])
        done |= nxt == vocab.index[END]
        if bool(done.all()):
            break
        step = [[int(nxt[b]), *clocks[b].push(vocab.tokens[int(nxt[b])])] for b in range(n)]
        logits, state = model(torch.tensor(step)[:, None], state)             # (n, 1, 1 + 5)
    return [prompt + [t for t in vocab.decode(ids) if t != END] for ids in out]


class NGram:
    """Order-n token model with add-k smoothing (module docstring)."""

    def __init__(self, order: int = 3, k: float = 0.01):
        self.order, self.k = order, k
        self.counts: dict[tuple, Counter] = defaultdict(Counter)
        self.vocab: list[str] = []

    def fit(self, tunes: list[list[str]], vocab: Vocabulary) -> "NGram":
        """Counts of every token after its contexts of 0 .. n-1 tokens."""
        self.vocab = [t for t in vocab.tokens if t not in (PAD, START)]
        for tune in tunes:
            seq = self._pad(vocab, tune)
            for i in range(self.order - 1, len(seq)):
                for m in range(self.order):
                    self.counts[tuple(seq[i - m:i])][seq[i]] += 1
        return self

    def _pad(self, vocab: Vocabulary, tune: list[str]) -> list[str]:
        known = [t if t in vocab.index else UNK for t in tune]
        return [START] * (self.order - 1) + known + [END]

    def log2_prob(self, context: tuple, token: str) -> float:
        c = self.counts.get(context)
        total = sum(c.values()) if c else 0
        count = c[token] if c else 0
        return math.log2((count + self.k) / (total + self.k * len(self.vocab)))

    def bits_per_token(self, tunes: list[list[str]], vocab: Vocabulary) -> float:
        bits, n = 0.0, 0
        for tune in tunes:
            seq = self._pad(vocab, tune)
            for i in range(self.order - 1, len(seq)):
                bits -= self.log2_prob(tuple(seq[i - self.order + 1:i]), seq[i])
                n += 1
        return bits / n

    def tune_k(self, tunes: list[list[str]], vocab: Vocabulary,
               grid=(0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)) -> float:
        """Set k to the value of `grid` with the fewest bits per token on `tunes`."""
        scores = {}
        for k in grid:
            self.k = k
            scores[k] = self.bits_per_token(tunes, vocab)
        self.k = min(scores, key=scores.get)
        return self.k

    def sample(self, prompt: list[str], n: int, rng: np.random.Generator,
               temperature: float = 1.0, max_tokens: int = 600) -> list[list[str]]:
        """n tunes sampled from the counts after `prompt`, backing off to the longest
        context seen in training; p_T(w) ∝ c(u, w)^(1/T), the most frequent when T = 0."""
        tunes = []
        for _ in range(n):
            seq = [START] * (self.order - 1) + list(prompt)
            for _ in range(max_tokens):
                for m in range(self.order - 1, -1, -1):
                    c = self.counts.get(tuple(seq[len(seq) - m:]) if m else ())
                    if c:
                        break
                words = [t for t in c if t != UNK]
                counts = np.array([c[t] for t in words], dtype=np.float64)
                if temperature <= 0:
                    token = words[int(counts.argmax())]
                else:
                    weights = np.exp(np.log(counts) / temperature)
                    token = words[rng.choice(len(words), p=weights / weights.sum())]
                if token == END:
                    break
                seq.append(token)
            tunes.append(seq[self.order - 1:])
        return tunes
