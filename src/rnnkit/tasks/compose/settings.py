"""The settings of `rnnkit compose`: one frozen dataclass whose fields are the CLI flags, so
`compose(units=96)` and `rnnkit compose --units 96` share defaults, bounds and checks."""
from __future__ import annotations

from dataclasses import dataclass, replace

from ..settings import check, flag
from .model import CELLS


@dataclass(frozen=True)
class ComposeSettings:
    """A recurrent language model over folk-rnn tokens, its n-gram baseline, and sampling."""
    cell: str = flag("recurrent cell", "lstm", choices=tuple(CELLS))
    units: int = flag("units a layer", 256, low=1, metavar="N")
    layers: int = flag("recurrent layers", 2, low=1, high=16, metavar="N")
    embedding: int = flag("token embedding size", 64, low=1, metavar="N")
    clock: int = flag("embedding size of each bar-clock input (eighths left in the bar, to the "
                      "pickup's complement, tuplet notes left); 0 for tokens alone", 16, low=0,
                      metavar="N")
    epochs: int = flag("passes over the tunes", 20, low=1, metavar="N")
    batch_size: int = flag("tunes a step", 32, low=1, metavar="N")
    learning_rate: float = flag("peak of the one-cycle schedule", 3e-3, low=1e-7, high=1.0,
                                metavar="LR")
    max_tokens: int = flag("training windows of at most N tokens of a tune", 400, low=2,
                           metavar="N")
    order: int = flag("the n-gram baseline's order", 3, low=1, high=10, metavar="N")
    samples: int = flag("tunes sampled from each model and scored", 50, low=1,
                        high=100_000, metavar="N")
    temperature: float = flag("sampling temperature: lower keeps the meter better (94-99%% of "
                              "tunes at 0.4, 80-91%% at 0.7, 56%% at 0.9), higher gives more "
                              "surprises; 0 is greedy", 0.4, low=0.0, high=10.0, metavar="T")
    prompt: str | None = flag("start every sample with these tokens, e.g. 'M:6/8 K:D' (a jig "
                              "in D)", None, metavar="TOKENS")
    seed: int = flag("seed of the weights and samples", 0, low=0, metavar="N")
    quick: bool = flag("a short run (2 epochs, 96 units, 20 samples)", False)
    quiet: bool = flag("no progress lines", False)

    def __post_init__(self):
        check(self)

    def quick_version(self) -> ComposeSettings:
        """At most 2 epochs, 96 units and 20 samples when `quick`."""
        if not self.quick:
            return self
        return replace(self, epochs=min(self.epochs, 2), units=min(self.units, 96),
                       samples=min(self.samples, 20))
