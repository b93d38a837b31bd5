"""The settings of `rnnkit translate`: one dataclass whose fields make the CLI flags.

FULL (the defaults) is a regularised model, chosen on the validation split: 4,459 training
pairs are few, so dropout, word dropout, tied embeddings and label smoothing (Sennrich &
Zhang 2019). Its full runs (benchmarks/quality_translate.py --seeds 0 1 2 --threads 1,
484-632 s of training, best epoch 29-30): test BLEU 20.2, chrF 37.3 with beam 5 against
the retrieval baseline's 9.7 / 26.7. QUICK (--quick, the demo) trains 8 epochs of a 96-unit
model: test BLEU 12.4, chrF 30.0 in 31 s (seed 0). Budgets are epochs, so a busy machine
changes how long a run takes, not what it computes.

Inference is bounded: at most MAX_SOURCE_TOKENS tokens a sentence, 2 S + 10 output tokens,
a beam of at most MAX_BEAM.
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ...models.seq2seq import ATTENTIONS
from ..settings import check, flag

MAX_BEAM = 50             # beam width: each step scores K x V continuations per sentence
MAX_SOURCE_TOKENS = 256   # a sentence's tokens: decoding keeps (2 S + 10) x S attention weights


@dataclass(frozen=True)
class Settings:
    from_column: int = flag("the column to translate from (2: target<TAB>source, as Tatoeba "
                            "files are written; 1: source<TAB>target)", 2, choices=(1, 2))
    cell: str = flag("recurrent cell", "gru", choices=("gru", "lstm"))
    units: int = flag("GRU/LSTM units (the encoder has as many each way)", 256, low=1,
                      high=4096)
    embed_dim: int = flag("embedding size of source and target tokens", 256, low=1, high=4096)
    dropout: float = flag("dropout on embeddings and before the output layer", 0.5, low=0.0,
                          high=0.99)
    word_dropout: float = flag("rate at which training tokens become <unk>, both sides", 0.1,
                               low=0.0, high=0.99)
    attention: str = flag("attention score: general h·W_a h̄, scaled (the same over "
                          "sqrt(units)) or additive", "scaled", choices=tuple(ATTENTIONS))
    input_feeding: bool = flag("feed the previous attentional output h̃ into the decoder",
                               False)
    tie_embeddings: bool = flag("use the target embeddings as the output layer's weights",
                                True)
    label_smoothing: float = flag("share of the target probability spread over all words in "
                                  "the training loss", 0.1, low=0.0, high=0.99)
    epochs: int = flag("most passes over the training pairs (early stopping may end sooner)",
                       50, low=1, high=100_000)
    batch_size: int = flag("pairs per training step", 32, low=1, high=65_536)
    lr: float = flag("Adam learning rate (halved when the validation loss stalls)", 1e-3,
                     low=1e-8, high=1.0)
    patience: int = flag("epochs without a better validation loss before stopping", 4, low=0,
                         high=100_000)
    beam_size: int = flag(f"beam width for decoding, at most {MAX_BEAM}; 1: greedy only", 5,
                          low=1, high=MAX_BEAM)
    seed: int = flag("random seed of the model (the data split is fixed)", 0, low=0)
    threads: int | None = flag("CPU threads while training (default: PyTorch's)", None, low=1,
                               high=1024)
    quiet: bool = flag("no progress bars or lines, only the final summary", False)

    def __post_init__(self):
        check(self)

    def quick(self) -> "Settings":
        """The demo's short settings for every field still at its full default."""
        defaults = {f.name: f.default for f in fields(Settings)}
        return replace(self, **{k: v for k, v in QUICK.items()
                                if getattr(self, k) == defaults[k]})


QUICK = dict(units=96, embed_dim=96, dropout=0.2, epochs=8, batch_size=64, lr=5e-3,
             patience=2, beam_size=1, threads=2)
