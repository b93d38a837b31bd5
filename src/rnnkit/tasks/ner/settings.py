"""The settings of `rnnkit ner`: the labelling fields it shares with `rnnkit tag`
(tag/settings.py) with its own defaults, and the CRF and character CNN. The fields make the
CLI flags; `ner(units=16)` builds the same dataclass."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..settings import flag
from ..tag.settings import LabellingSettings


@dataclass(frozen=True)
class NerSettings(LabellingSettings):
    """A BiLSTM-CRF over word vectors and a character CNN. Seed 0, loaded machine: learning
    rate 0.01 scored F1 0.516 (dropout 0.5) and 0.507 (dropout 0.3); 0.003 scored 0.494."""
    dropout: float = flag("dropout on the word features and the LSTM's outputs", 0.5,
                          low=0.0, high=0.95, metavar="P")
    learning_rate: float = flag("Adam step size", 1e-2, low=1e-6, high=1.0, metavar="LR")
    patience: int = flag("epochs without a better validation loss before stopping", 4,
                         low=1, metavar="N")
    crf: bool = flag("a CRF over the whole tag sequence (--no-crf: a softmax per word)", True)
    char_filters: int = flag("character CNN filters: the character features of each word",
                             32, low=1, metavar="N")

    def quick_version(self) -> NerSettings:
        """At most 5 epochs, 32 units, 32-d word vectors and dropout 0.3 (a short run needs
        less noise)."""
        if not self.quick:
            return self
        return replace(self, epochs=min(self.epochs, 5), units=min(self.units, 32),
                       embed_dim=min(self.embed_dim, 32), dropout=min(self.dropout, 0.3))
