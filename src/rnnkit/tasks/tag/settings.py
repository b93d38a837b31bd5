"""The settings of `rnnkit tag`, and the fields every word-labelling task shares (ner's
NerSettings extends them). Their fields make the CLI flags (tasks/settings.py), so each
default, bound and help text is written here once; `tag(units=16)` builds the same class."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...errors import UserError
from ..settings import check, flag


@dataclass(frozen=True)
class LabellingSettings:
    """A BiLSTM over word vectors that labels every word, trained with early stopping."""
    test_file: str | None = flag("sentences to score on, same format (default: hold out "
                                 "--test-fraction of FILE)", None, metavar="FILE")
    units: int = flag("LSTM units a direction", 64, low=1, metavar="N")
    embed_dim: int = flag("word vector size", 64, low=1, metavar="N")
    min_count: int = flag("training words seen fewer times share their signature's vector "
                          "(shape and suffix)", 2, low=1, metavar="N")
    dropout: float = flag("dropout on the word vectors and the LSTM's outputs", 0.3,
                          low=0.0, high=0.95, metavar="P")
    epochs: int = flag("at most this many epochs; early stopping watches the validation "
                       "loss", 30, low=1, metavar="N")
    batch_size: int = flag("sentences a batch", 32, low=1, metavar="N")
    learning_rate: float = flag("Adam step size", 3e-3, low=1e-6, high=1.0, metavar="LR")
    patience: int = flag("epochs without a better validation loss before stopping", 3,
                         low=1, metavar="N")
    test_fraction: float = flag("share of FILE's sentences held out for the score", 0.2,
                                metavar="F")
    seed: int = flag("seed of the split and the weights", 0, low=0, metavar="N")
    quick: bool = flag("few epochs and a small net: a demo in seconds", False)
    quiet: bool = flag("no progress bar", False)

    def __post_init__(self):
        check(self)
        if not 0.0 < self.test_fraction < 1.0:
            raise UserError(f"--test-fraction must be between 0 and 1 (exclusive), got "
                            f"{self.test_fraction!r}; 0.2 holds out a fifth of the sentences.")

    def quick_version(self):
        """At most 4 epochs, 32 units and 32-d word vectors."""
        if not self.quick:
            return self
        return replace(self, epochs=min(self.epochs, 4), units=min(self.units, 32),
                       embed_dim=min(self.embed_dim, 32))


@dataclass(frozen=True)
class TagSettings(LabellingSettings):
    """The part-of-speech tagger: LabellingSettings and the signatures switch."""
    signatures: bool = flag("rare and unknown words share a vector per shape and suffix "
                            "(--no-signatures: one <oov> vector for all)", True)
