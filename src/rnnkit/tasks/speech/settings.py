"""The settings of `rnnkit speech`: one dataclass whose fields make the CLI flags
(tasks/settings.py), so each default, bound and help text is written here once."""
from __future__ import annotations

from dataclasses import dataclass

from ...errors import UserError
from ..settings import check, flag
from .model import CELLS


@dataclass(frozen=True)
class SpeechSettings:
    """A bidirectional recurrent acoustic model trained with CTC on connected utterances."""
    held_out_speaker: str | None = flag(
        "score on every recording of this speaker, train on the others (bundled speakers: "
        "george, jackson, lucas, nicolas, theo, yweweler)", None, metavar="NAME")
    cell: str | None = flag("recurrent cell; mingru/minlstm train in parallel over time "
                            "(default: gru; mingru with --quick)", None, choices=tuple(CELLS))
    units: int = flag("units a direction", 96, low=1, metavar="N")
    layers: int = flag("bidirectional layers", 2, low=1, metavar="N")
    stack: int = flag("10 ms frames stacked into one model step (3: 30 ms steps)", 3, low=1,
                      metavar="N")
    steps: int = flag("training steps, each a batch of fresh utterances", 900, low=1,
                      metavar="N")
    batch_size: int = flag("utterances a step", 32, low=1, metavar="N")
    learning_rate: float = flag("peak of the one-cycle schedule", 3e-3, low=1e-6, high=1.0,
                                metavar="LR")
    beam: int = flag("CTC prefix beam width for the transcripts; 1 is greedy", 8, low=1,
                     metavar="N")
    templates: int = flag("baseline: DTW templates per word and speaker", 5, low=1,
                          metavar="N")
    test_passes: int = flag("test utterances use each test recording once per pass", 2,
                            low=1, metavar="N")
    test_fraction: float = flag("share of a user folder's recordings held out when it has "
                                "no speakers", 0.2, metavar="F")
    seed: int = flag("seed of the weights and utterances", 0, low=0, metavar="N")
    quick: bool = flag("a short run for the demo (about 20 s)", False)
    quiet: bool = flag("no progress lines", False)

    def __post_init__(self):
        check(self)
        if not 0.0 < self.test_fraction < 1.0:
            raise UserError(f"--test-fraction must be between 0 and 1 (exclusive), got "
                            f"{self.test_fraction!r}; e.g. 0.2.")
