"""The settings of `rnnkit classify`: one dataclass for texts, one for sequences of feature
vectors. Their fields make the CLI flags (tasks/settings.py), so every default, bound and
help text is written here once; `classify_text(units=16)` builds the same dataclass.

    TextSettings()        BiLSTM 32 units, 32-d word vectors, 30 epochs, batches of 32
    SequenceSettings()    BiGRU 64 units, 100 epochs, batches of 16

`quick` shrinks a run for the demo (`quick_version`), after the checks.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...errors import UserError
from ..settings import check, flag
from .network import CELLS

BLEND = ("auto", "none")
BLEND_HELP = ("auto: combine the network's class probabilities with those of the baseline "
              "that reads the data differently (the bag of words for texts, the regression "
              "on summary statistics for sequences), weights fitted on the validation part; "
              "none: the network alone")


def _fraction(settings, name: str, low: float = 0.0, high: float = 1.0) -> None:
    value = getattr(settings, name)
    if not low < value < high:
        raise UserError(f"--{name.replace('_', '-')} must be between {low} and {high} "
                        f"(exclusive), got {value!r}; e.g. 0.2 holds out a fifth of each class.")


@dataclass(frozen=True)
class TextSettings:
    """A recurrent text classifier: Embedding -> (Bi)LSTM -> Dense, and its blend with the
    bag-of-words model. The defaults scored best over 10 seeds on the sentiment set
    (benchmarks/quality_classify.py)."""
    text_column: str | None = flag("header name of the text column (default: guessed: "
                                   "text, review, sentence, ...)", None, metavar="NAME")
    label_column: str | None = flag("header name of the label column (default: guessed)",
                                    None, metavar="NAME")
    cell: str = flag("recurrent cell; mingru and minlstm train in parallel over time", "lstm",
                     choices=tuple(CELLS))
    bidirectional: bool = flag("read both ways (--no-bidirectional: forward only)", True)
    units: int = flag("hidden units per direction", 32, low=1, metavar="N")
    embed_dim: int = flag("word vector size", 32, low=1, metavar="N")
    max_words: int = flag("vocabulary size incl. padding and <OOV>", 3000, low=2, metavar="N")
    maxlen: int | None = flag("words kept per text (default: the longest training text, at "
                              "most 200)", None, low=1, metavar="N")
    dropout: float = flag("dropout on the word vectors and the recurrent output", 0.3,
                          low=0.0, high=0.95, metavar="P")
    epochs: int = flag("at most this many epochs; early stopping watches the validation "
                       "loss", 30, low=1, metavar="N")
    batch_size: int = flag("samples a batch", 32, low=1, metavar="N")
    learning_rate: float = flag("Adam step size", 1e-3, low=1e-6, high=1.0, metavar="LR")
    patience: int = flag("epochs without a better validation loss before stopping", 4,
                         low=1, metavar="N")
    blend: str = flag(BLEND_HELP, "auto", choices=BLEND)
    test_fraction: float = flag("share of each class held out for the final score", 0.2,
                                metavar="F")
    seed: int = flag("seed of the split and the weights", 0, low=0, metavar="N")
    quick: bool = flag("at most 8 epochs, patience 2: a demo in seconds", False)
    quiet: bool = flag("no progress bar", False)

    def __post_init__(self):
        check(self)
        _fraction(self, "test_fraction")

    def quick_version(self) -> TextSettings:
        """At most 8 epochs, patience 2: the full runs on the sentiment set stop about there
        anyway, so quick scores as they do (`benchmarks/quality_classify.py --quick`; the
        figures are in the README)."""
        if not self.quick:
            return self
        return replace(self, epochs=min(self.epochs, 8), patience=min(self.patience, 2))


@dataclass(frozen=True)
class SequenceSettings:
    """A recurrent classifier of (T_i, F) series: Masking -> (Bi)GRU -> Dense. The defaults
    scored best over 5 seeds on Japanese Vowels (benchmarks/quality_classify.py)."""
    test_file: str | None = flag("a .ts file of test sequences (instead of holding out part "
                                 "of FILE)", None, metavar="FILE")
    cell: str = flag("recurrent cell; mingru and minlstm train in parallel over time", "gru",
                     choices=tuple(CELLS))
    bidirectional: bool = flag("read both ways (--no-bidirectional: forward only)", True)
    units: int = flag("hidden units per direction", 64, low=1, metavar="N")
    dropout: float = flag("dropout on the recurrent output", 0.3, low=0.0, high=0.95, metavar="P")
    epochs: int = flag("at most this many epochs; early stopping watches the validation "
                       "loss", 100, low=1, metavar="N")
    batch_size: int = flag("samples a batch", 16, low=1, metavar="N")
    learning_rate: float = flag("Adam step size", 3e-3, low=1e-6, high=1.0, metavar="LR")
    patience: int = flag("epochs without a better validation loss before stopping", 10,
                         low=1, metavar="N")
    blend: str = flag(BLEND_HELP, "auto", choices=BLEND)
    test_fraction: float = flag("share of each class held out for the final score", 0.2,
                                metavar="F")
    seed: int = flag("seed of the split and the weights", 0, low=0, metavar="N")
    quick: bool = flag("a small net and few epochs: a demo in seconds", False)
    quiet: bool = flag("no progress bar", False)

    def __post_init__(self):
        check(self)
        _fraction(self, "test_fraction")

    def quick_version(self) -> SequenceSettings:
        """At most 32 units and 15 epochs."""
        if not self.quick:
            return self
        return replace(self, units=min(self.units, 32), epochs=min(self.epochs, 15))
