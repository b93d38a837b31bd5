"""Seq2Seq: an encoder-decoder with Luong attention, built from rnnkit layers.

Shapes: B batch, S source steps, T target steps, E embedding size, H hidden units,
H_out = E with tied embeddings else H, Vs / Vt source / target vocabulary. Token id 0 is
padding in both vocabularies; the target vocabulary also has BOS (start) and EOS (end).

    encoder     e_s = Emb_src(x_s)                                      (B, S, E)
                h̄_s = [h→_s ; h←_s] = BiGRU(e)_s                        (B, S, 2H)
    bridge      h_0 = tanh(W_b [h→_S ; h←_1] + b_b)                     (B, H)
    decoder     h_t = GRU(Emb_tgt(y_{t-1}), h_{t-1}),  y_0 = BOS         (B, T, H)
      with input feeding:  h_t = GRU([Emb_tgt(y_{t-1}) ; h̃_{t-1}], h_{t-1}),  h̃_0 = 0
    attention   score(h_t, h̄_s) = h_t · W_a h̄_s                  "general" (Luong et al. 2015)
                                = h_t · W_a h̄_s / sqrt(H)         "scaled"
                                = v_a · tanh(W_q h_t + W_a h̄_s)   "additive" (Bahdanau)
                a_ts = softmax_s(score(h_t, h̄_s)),  padded s get a_ts = 0
                c_t  = sum_s a_ts h̄_s                                    (B, T, 2H)
    output      h̃_t = tanh(W_c [c_t ; h_t])                             (B, T, H_out)
                p(y_t | y_<t, x) = softmax(W_o h̃_t + b_o)                (B, T, Vt)
      with tied embeddings:  W_o = Emb_tgt, the same (Vt, E) table (Press & Wolf 2017)

With cell="lstm" the recurrent layers are LSTMs and the bridge also starts the decoder's
cell state, c_0 = W_c0 [c→_S ; c←_1] + b_c0. Without input feeding, in training, with the
true previous words given (teacher forcing), the decoder GRU runs over all T steps in one
fused call and attention is batched matrix products; with it, h_t needs h̃_{t-1}, so the
decoder steps one word at a time. Decoding always runs the same layers one step at a time.

Regularisers for small data (Sennrich & Zhang 2019): dropout on the embeddings and on h̃,
word dropout (each real source and target input token becomes <unk> at rate word_dropout
in training), tied target embeddings and, in loss, label smoothing. On the bundled 4,459
Tatoeba training pairs, tying alone took the validation loss from 3.71 to 2.82 nats per
token and the attention from stuck on the first source character to a near-diagonal
alignment; the other regularisers, smaller batches and a lower learning rate took it to
2.51. "scaled" and "general" scored the same (validation BLEU 17.1 and 17.2), and input
feeding too (17.0) at 1.6 times the training time. With 256 units and embeddings the
full recipe reaches test BLEU 20-21 against 9.7 for retrieving the nearest training pair;
measurements in BENCHMARKS.md and tasks/translate/settings.py.

    >>> model = Seq2Seq(src_vocab_size=20, tgt_vocab_size=12, embed_dim=8, units=16)
    >>> src = torch.tensor([[5, 6, 7], [8, 9, 0]])                 # (B, S), 0 = padding
    >>> tgt_in = torch.tensor([[BOS, 4, 5], [BOS, 6, 0]])          # (B, T)
    >>> model(src, tgt_in).shape                                   # logits (B, T, Vt)
    torch.Size([2, 3, 12])
    >>> len(model.greedy_decode(src, max_len=5))                   # one id list per row
    2
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from safetensors.torch import save_file
from torch import Tensor, nn

from .. import initializers
from ..layers import GRU, LSTM, Bidirectional, Dense, Dropout, Embedding
from ..layers.base import get_weights, set_weights
from ..losses import LossFunction
from .training import Model
from ..utils.files import write_atomically
from ..utils.safe_read import sealed, sha256_of
from .saving import CONFIG, FORMAT, SEAL, VERSION, WEIGHTS, load_weights, read_config

PAD, UNK, BOS, EOS = 0, 1, 2, 3          # reserved ids; the source uses PAD and UNK only
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")
NEVER_OUTPUT = (PAD, UNK, BOS)           # decoding never picks these: an <unk> is never right
CELLS = {"gru": GRU, "lstm": LSTM}
ATTENTIONS = ("general", "scaled", "additive")


class Seq2Seq(Model):
    """Encoder-decoder with attention; equations in the module docstring.

    forward(src, tgt_in) -> logits (B, T, Vt), teacher forcing. It is a Model: compile it
    with `token_loss(model)` and train it with `fit` on ((src, tgt_in), tgt_out) batches;
    the loss counts only the real (non-padding) target tokens. loss(...) is the same mean
    cross-entropy for one batch. greedy_decode and beam_search translate; save(path) and
    Seq2Seq.load(path) use JSON and safetensors only.
    """

    def __init__(self, src_vocab_size: int, tgt_vocab_size: int, embed_dim: int = 128,
                 units: int = 256, cell: str = "gru", dropout: float = 0.2,
                 attention: str = "general", input_feeding: bool = False,
                 tie_embeddings: bool = False, word_dropout: float = 0.0):
        super().__init__(name="seq2seq")
        for name, value in (("src_vocab_size", src_vocab_size),
                            ("tgt_vocab_size", tgt_vocab_size), ("embed_dim", embed_dim),
                            ("units", units)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Seq2Seq {name} must be a positive integer, got {value!r}.")
        if tgt_vocab_size <= EOS:
            raise ValueError(f"Seq2Seq tgt_vocab_size must exceed {EOS} (ids 0-3 are "
                             f"{', '.join(SPECIALS)}), got {tgt_vocab_size}.")
        if cell not in CELLS:
            raise ValueError(f"Seq2Seq cell must be one of {sorted(CELLS)}, got {cell!r}.")
        for name, rate in (("dropout", dropout), ("word_dropout", word_dropout)):
            if not 0.0 <= rate < 1.0:
                raise ValueError(f"Seq2Seq {name} must be in [0, 1), got {rate!r}.")
        if attention not in ATTENTIONS:
            raise ValueError(f"Seq2Seq attention must be one of {', '.join(ATTENTIONS)}, got "
                             f"{attention!r}.")
        self.src_vocab_size, self.tgt_vocab_size = src_vocab_size, tgt_vocab_size
        self.embed_dim, self.units, self.cell, self.dropout = embed_dim, units, cell, dropout
        self.attention, self.input_feeding = attention, bool(input_feeding)
        self.tie_embeddings, self.word_dropout = bool(tie_embeddings), word_dropout
        Cell, H = CELLS[cell], units
        # he_uniform, not Keras's (-0.05, 0.05): Keras's default left the validation loss on a
        # plateau (BENCHMARKS.md, "Choices recorded from code")
        self.src_embedding = Embedding(src_vocab_size, embed_dim, "he_uniform", mask_zero=True)
        self.encoder = Bidirectional(Cell(H, return_sequences=True, return_state=True))
        self.bridge_h = Dense(H, activation="tanh")                 # h_0 = tanh(W_b [..] + b_b)
        self.bridge_c = Dense(H) if cell == "lstm" else None        # c_0 = W_c0 [..] + b_c0
        self.tgt_embedding = Embedding(tgt_vocab_size, embed_dim, "he_uniform")
        self.decoder = Cell(H, return_sequences=True, return_state=True)
        self.W_a = Dense(H, use_bias=False)                         # W_a h̄_s, W_a is (H, 2H)
        if attention == "additive":                                 # v · tanh(W_q h + W_a h̄)
            self.W_q = Dense(H, use_bias=False)
            self.v_a = Dense(1, use_bias=False)
        H_out = embed_dim if tie_embeddings else H                  # h̃ is (B, T, H_out)
        self.W_c = Dense(H_out, activation="tanh", use_bias=False)  # h̃ = tanh(W_c [c; h])
        # logits = W_o h̃ + b_o; tied, W_o is the target embedding table itself (Vt, E)
        self.W_o = None if tie_embeddings else nn.Parameter(
            initializers.glorot_uniform(torch.empty(tgt_vocab_size, H_out)))
        self.b_o = nn.Parameter(torch.zeros(tgt_vocab_size))
        self.drop = Dropout(dropout)
        training = self.training
        with torch.no_grad():                                       # build the lazy layers
            self.eval()
            self(torch.ones(1, 1, dtype=torch.long), torch.full((1, 1), BOS))
        self.train(training)

    # -- the three parts ----------------------------------------------------------------------
    def encode(self, src: Tensor) -> tuple[Tensor, Tensor, tuple[Tensor, ...]]:
        """(memory h̄ (B, S, 2H), source mask (B, S), the decoder's initial state).

        The state is (h_0,), (h_0, c_0) for an LSTM, and with input feeding also h̃_0 = 0.
        """
        src = self._check_ids(src, self.src_vocab_size, "src")
        mask = src != PAD                                             # (B, S)
        e = self.drop(self.src_embedding(self._drop_words(src)))      # (B, S, E)
        memory, *states = self.encoder(e, mask=mask)                  # (B, S, 2H), fw, bw
        n = len(states) // 2
        fw, bw = states[:n], states[n:]                               # final h (and c) each
        state = [self.bridge_h(torch.cat([fw[0], bw[0]], dim=-1))]    # (B, H)
        if self.bridge_c is not None:
            state.append(self.bridge_c(torch.cat([fw[1], bw[1]], dim=-1)))
        if self.input_feeding:
            state.append(memory.new_zeros(src.shape[0], self.W_c.units))   # h̃_0 = 0
        return memory, mask, tuple(state)

    def decode(self, tgt_in: Tensor, state: tuple[Tensor, ...], memory: Tensor,
               mask: Tensor) -> tuple[Tensor, Tensor, tuple[Tensor, ...]]:
        """(logits (B, T, Vt), attention weights (B, T, S), the decoder's final state)."""
        tgt_in = self._check_ids(tgt_in, self.tgt_vocab_size, "tgt_in")
        y = self.drop(self.tgt_embedding(self._drop_words(tgt_in)))  # (B, T, E)
        keys = self.W_a(memory)                                       # (B, S, H)
        if self.input_feeding:
            return self._decode_feeding(y, state, memory, mask, keys)
        h, *state = self.decoder(y, initial_state=list(state))        # (B, T, H), all T fused
        context, attention = self.attend(h, memory, mask, keys)       # (B, T, 2H), (B, T, S)
        h_tilde = self.drop(self.W_c(torch.cat([context, h], dim=-1)))  # (B, T, H_out)
        return self.output_logits(h_tilde), attention, tuple(state)

    def _decode_feeding(self, y: Tensor, state: tuple[Tensor, ...], memory: Tensor,
                        mask: Tensor, keys: Tensor):
        """Input feeding, one step at a time: h_t = GRU([Emb(y_{t-1}) ; h̃_{t-1}], h_{t-1})."""
        *cell_state, h_tilde = state                                  # h̃_{t-1} (B, H_out)
        cell_state = tuple(cell_state)
        outputs, attentions = [], []
        for t in range(y.shape[1]):
            x_t = torch.cat([y[:, t], h_tilde], dim=-1)               # (B, E + H_out)
            h_t, cell_state = self.decoder.cell(x_t, cell_state)      # (B, H)
            context, a_t = self.attend(h_t[:, None], memory, mask, keys)   # (B, 1, 2H)
            h_tilde = self.drop(self.W_c(torch.cat([context[:, 0], h_t], dim=-1)))
            outputs.append(h_tilde)
            attentions.append(a_t[:, 0])
        h_tildes = torch.stack(outputs, dim=1)                        # (B, T, H_out)
        return (self.output_logits(h_tildes), torch.stack(attentions, dim=1),
                (*cell_state, h_tilde))

    def attend(self, h: Tensor, memory: Tensor, mask: Tensor,
               keys: Tensor | None = None) -> tuple[Tensor, Tensor]:
        """c_t = sum_s softmax_s(score(h_t, h̄_s)) h̄_s; keys = W_a h̄ (B, S, H) if known."""
        keys = self.W_a(memory) if keys is None else keys             # (B, S, H)
        if self.attention == "additive":                              # v · tanh(W_q h + W_a h̄)
            hidden = torch.tanh(self.W_q(h)[:, :, None] + keys[:, None])   # (B, T, S, H)
            scores = self.v_a(hidden)[..., 0]                         # (B, T, S)
        else:
            scores = h @ keys.transpose(1, 2)                         # (B, T, S)
            if self.attention == "scaled":
                scores = scores / self.units ** 0.5                   # h · W_a h̄ / sqrt(H)
        scores = scores.masked_fill(~mask[:, None, :], float("-inf"))  # padded s: a_ts = 0
        attention = torch.softmax(scores, dim=-1)                     # (B, T, S)
        return attention @ memory, attention                          # (B, T, 2H)

    def output_logits(self, h_tilde: Tensor) -> Tensor:
        """W_o h̃ + b_o (B, T, Vt); tied, W_o is the target embedding table."""
        W_o = self.tgt_embedding.embeddings if self.tie_embeddings else self.W_o
        return F.linear(h_tilde, W_o, self.b_o)

    def _drop_words(self, ids: Tensor) -> Tensor:
        """Word dropout in training: each real token becomes <unk> with rate word_dropout."""
        if not self.training or self.word_dropout == 0.0:
            return ids
        drop = torch.rand(ids.shape, device=ids.device) < self.word_dropout
        return ids.masked_fill(drop & (ids > EOS), UNK)            # PAD, BOS, EOS are kept

    def forward(self, src: Tensor, tgt_in: Tensor) -> Tensor:
        """Teacher forcing: logits (B, T, Vt) of y_t given the true y_<t and the source."""
        memory, mask, state = self.encode(src)
        return self.decode(tgt_in, state, memory, mask)[0]

    # -- what fit needs to know (training.Model) -----------------------------------------------
    @property
    def input_names(self) -> list[str]:
        return ["source", "target_in"]

    @property
    def output_names(self) -> list[str]:
        return ["next_word"]

    def _input_integer_ok(self) -> list[bool]:
        return [True, True]

    def _run(self, xs: list[Tensor], logits: list[bool] | None = None):
        """([logits (B, T, Vt)], [mask (B, T)]): padding target steps carry no loss."""
        src, tgt_in = xs
        return [self(src, tgt_in)], [tgt_in != PAD]

    def loss(self, src: Tensor, tgt_in: Tensor, tgt_out: Tensor,
             label_smoothing: float = 0.0) -> Tensor:
        """Mean cross-entropy over the real target tokens; padding (id 0) is not counted."""
        logits = self(src, tgt_in)                                    # (B, T, Vt)
        return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), tgt_out.reshape(-1),
                               ignore_index=PAD, label_smoothing=label_smoothing)

    # -- decoding -----------------------------------------------------------------------------
    @torch.no_grad()
    def greedy_decode(self, src: Tensor, max_len: int = 50,
                      return_attention: bool = False):
        """The most likely word at each step, fed back, until EOS or max_len words.

        Returns one list of target ids per source row (without BOS and EOS), and with
        return_attention also one (len + 1, S) attention array per row (the +1 is EOS).
        """
        self.eval()
        memory, mask, state = self.encode(src)
        B = src.shape[0]
        y = torch.full((B, 1), BOS, dtype=torch.long, device=src.device)
        done = torch.zeros(B, dtype=torch.bool, device=src.device)
        steps, attentions = [], []
        for _ in range(max_len + 1):                                  # + 1: room for EOS
            logits, attention, state = self.decode(y, state, memory, mask)
            y = _allowed(logits[:, -1]).argmax(-1, keepdim=True)      # (B, 1)
            steps.append(y[:, 0])
            attentions.append(attention[:, 0])                        # (B, S)
            done |= y[:, 0] == EOS
            if bool(done.all()):
                break
        ids = torch.stack(steps, dim=1).tolist()                      # (B, steps)
        attention = torch.stack(attentions, dim=1)                    # (B, steps, S)
        out, att = [], []
        for b, row in enumerate(ids):
            n = row.index(EOS) if EOS in row else min(len(row), max_len)
            out.append(row[:n])
            if return_attention:
                length = int(mask[b].sum())
                att.append(attention[b, :n + 1, :length].cpu().numpy())
        return (out, att) if return_attention else out

    @torch.no_grad()
    def beam_search(self, src: Tensor, beam_size: int = 5, max_len: int = 50,
                    length_penalty: float = 1.0) -> list[list[int]]:
        """Keep the beam_size best partial translations at each step, one source at a time.

        A finished hypothesis y (ending in EOS) scores log p(y | x) / |y|^length_penalty,
        so longer translations are not punished merely for having more factors.
        """
        if not isinstance(beam_size, int) or beam_size < 1:
            raise ValueError(f"beam_size must be a positive integer, got {beam_size!r}.")
        self.eval()
        return [self._beam_one(src[b:b + 1], beam_size, max_len, length_penalty)
                for b in range(src.shape[0])]

    def _beam_one(self, src: Tensor, K: int, max_len: int, alpha: float) -> list[int]:
        src = src[:, : max(1, int((src != PAD).sum()))]               # drop the padding
        memory, mask, state = self.encode(src)
        beams, scores = [[]], torch.zeros(1, device=src.device)      # (k,) log-probabilities
        finished: list[tuple[float, list[int]]] = []
        for t in range(max_len + 1):
            k = len(beams)
            y = torch.tensor([[b[-1] if b else BOS] for b in beams], device=src.device)
            logits, _, state = self.decode(y, state, memory.expand(k, -1, -1),
                                           mask.expand(k, -1))
            logp = _allowed(torch.log_softmax(logits[:, -1].float(), -1))   # (k, Vt)
            total = (scores[:, None] + logp).reshape(-1)              # (k * Vt,)
            best, index = total.topk(min(2 * K, total.numel()))
            keep, new_beams = [], []
            for score, i in zip(best.tolist(), index.tolist()):
                row, word = divmod(i, self.tgt_vocab_size)
                if word == EOS or t == max_len:
                    length = len(beams[row]) + 1
                    finished.append((score / length ** alpha, beams[row]))
                elif len(new_beams) < K:
                    keep.append((row, score))
                    new_beams.append(beams[row] + [word])
            if len(finished) >= K or not new_beams:          # K finished: stop (a common rule)
                break
            rows = torch.tensor([r for r, _ in keep], device=src.device)
            scores = torch.tensor([s for _, s in keep], device=src.device)
            state = tuple(s.index_select(0, rows) for s in state)
            beams = new_beams
        return max(finished, key=lambda f: f[0])[1] if finished else beams[0]

    # -- checks, config, weights, files -------------------------------------------------------
    def _check_ids(self, ids: Tensor, V: int, what: str) -> Tensor:
        if not isinstance(ids, Tensor) or ids.dim() != 2 or ids.is_floating_point():
            got = (f"{ids.dtype} tensor of shape {tuple(ids.shape)}" if isinstance(ids, Tensor)
                   else type(ids).__name__)
            raise ValueError(f"Seq2Seq expects {what} as integer token ids of shape (batch, "
                             f"time), got a {got}. Encode sentences with the run's vocabulary "
                             "first.")
        if ids.shape[1] == 0:
            raise ValueError(f"Seq2Seq got {what} with no time steps (shape "
                             f"{tuple(ids.shape)}); every sentence needs at least one token.")
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= V):
            raise ValueError(f"Seq2Seq expects {what} ids in [0, {V}), got values in "
                             f"[{int(ids.min())}, {int(ids.max())}]. Map unknown tokens to "
                             f"<unk> (id {UNK}).")
        return ids

    def get_config(self) -> dict[str, Any]:
        return {"src_vocab_size": self.src_vocab_size, "tgt_vocab_size": self.tgt_vocab_size,
                "embed_dim": self.embed_dim, "units": self.units, "cell": self.cell,
                "dropout": self.dropout, "attention": self.attention,
                "input_feeding": self.input_feeding, "tie_embeddings": self.tie_embeddings,
                "word_dropout": self.word_dropout}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Seq2Seq":
        return cls(**config)

    def get_weights(self):                      # Keras-style, for EarlyStopping's restore
        return get_weights(self)

    def set_weights(self, weights) -> None:
        set_weights(self, weights, "Seq2Seq")

    def save(self, path, extra_json: dict[str, Any] | None = None) -> Path:
        """A model folder: config.json (with the weights' SHA-256, which load checks),
        model.safetensors and each extra_json[name] as JSON.

        Written to a temporary folder and renamed into place (utils.files.write_atomically).
        """
        config = {"format": FORMAT, "version": VERSION, "class_name": "Seq2Seq",
                  "config": self.get_config()}
        tensors = {k: v.detach().cpu().contiguous() for k, v in self.state_dict().items()}

        def write(folder: Path) -> None:
            save_file(tensors, str(folder / WEIGHTS))
            config["weights_sha256"] = sha256_of(folder / WEIGHTS)
            (folder / CONFIG).write_text(json.dumps(sealed(config, SEAL), indent=2))
            for name, obj in (extra_json or {}).items():
                (folder / name).write_text(json.dumps(obj, ensure_ascii=False, indent=1),
                                           encoding="utf-8")

        return write_atomically(path, write)

    @classmethod
    def load(cls, path) -> "Seq2Seq":
        """The model saved by save(path): JSON config, then safetensors weights; no pickle."""
        config = read_config(path)
        if config.get("class_name") != "Seq2Seq":
            raise ValueError(f"{Path(path) / CONFIG} holds a {config.get('class_name')!r}, "
                             "not a Seq2Seq; load it with rnnkit.models.load_model.")
        model = cls.from_config(config["config"])
        load_weights(model, Path(path) / WEIGHTS)
        return model.eval()



def token_loss(model: Seq2Seq, label_smoothing: float = 0.0) -> LossFunction:
    """Cross-entropy of each target token from the logits, label-smoothed in training only
    (the validation loss stays the plain cross-entropy); fit averages it over the real
    tokens with the target mask."""
    def per_token(y_true: Tensor, logits: Tensor) -> Tensor:
        B, T, V = logits.shape
        smoothing = label_smoothing if model.training else 0.0
        return F.cross_entropy(logits.reshape(B * T, V), y_true.reshape(B * T).long(),
                               reduction="none", label_smoothing=smoothing).reshape(B, T)
    return LossFunction("sparse_categorical_crossentropy", per_token)


def _allowed(scores: Tensor) -> Tensor:
    """Scores (..., Vt) with the ids a translation never holds set to -inf."""
    scores = scores.clone()
    scores[..., list(NEVER_OUTPUT)] = float("-inf")
    return scores
