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
    quick: bool = flag("a short run: at most 5 epochs of 128 units on windows of 200 tokens, "
                       "peak learning rate 0.01, 20 samples", False)
    quiet: bool = flag("no progress lines", False)

    def __post_init__(self):
        check(self)

    def quick_version(self) -> ComposeSettings:
        """When `quick`: at most 5 epochs, 128 units, windows of 200 tokens and 20 samples,
        and a peak learning rate of 0.01 unless one was given (a short one-cycle schedule
        needs the larger step: 5 epochs of 128 units reached 2.50 test bits per token with it
        and 200-token windows, 2.88 with 0.003 and 400; the 3-gram scores 2.72)."""
        if not self.quick:
            return self
        default_rate = type(self).__dataclass_fields__["learning_rate"].default
        return replace(self, epochs=min(self.epochs, 5), units=min(self.units, 128),
                       max_tokens=min(self.max_tokens, 200), samples=min(self.samples, 20),
                       learning_rate=1e-2 if self.learning_rate == default_rate
                       else self.learning_rate)
