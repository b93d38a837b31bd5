"""The settings of `rnnkit generate`: one dataclass whose fields make the CLI flags.

Budgets are in steps (or epochs), so a run means the same on a quiet and on a busy machine;
`minutes` only caps the wall clock, and a run the cap cut short says so (console, report).

    FULL (the defaults): LSTM(256), chunks of 100, 64 streams, 4,000 steps (about 26 epochs
        of Tiny Shakespeare). Chosen by 2- and 10-minute runs (benchmarks/quality_generate.py):
        LSTM(256) beat LSTM(384) and LSTM(512) at equal wall time on the shared 2-core
        machine, lr 5e-3 beat 3e-3. 142 steps took 27 s on 2 threads at load 4 (12:52).
    QUICK (--quick, the demo): LSTM(128), chunks of 64, 32 streams, 800 steps on one thread
        (617 steps took 19.7 s at load 3, 12:52; 1.79 nats/char after them).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

from ..settings import check, flag

MAX_LENGTH = 100_000      # characters sampled at once (a prompt, a sample): seconds, not hours
FINAL_LR_FRACTION = 0.1   # the learning rate decays (cosine) to this fraction of lr
DEFAULT_PROMPT = "ROMEO:\n"   # the bundled text's; a user's text prompts from its own first line


def _prompt(text: str) -> str:
    return text.replace("\\n", "\n")


@dataclass(frozen=True)
class Settings:
    units: int = flag("LSTM units", 256, low=1, high=4096)
    layers: int = flag("stacked LSTM layers", 1, low=1, high=16)
    embed_dim: int = flag("embedding size", 64, low=1, high=4096)
    seq_len: int = flag("characters per chunk: how far back gradients flow (BPTT)", 100,
                        low=1, high=10_000)
    batch_size: int = flag("contiguous streams trained side by side", 64, low=1, high=65_536)
    lr: float = flag(f"Adam learning rate, cosine-decayed to {FINAL_LR_FRACTION:g}x over the "
                     "planned steps", 5e-3, low=1e-8, high=1.0)
    steps: int = flag("training steps (batches); the budget unless --epochs is given", 4000,
                      low=1, high=10_000_000)
    epochs: int | None = flag("passes over the text instead of --steps", None, low=1,
                              high=100_000)
    minutes: float | None = flag("wall-clock cap on training; a run it cuts short says so",
                                 None, low=0.0)
    sample_length: int = flag("characters per sample", 600, low=0, high=MAX_LENGTH)
    val_fraction: float = flag("share of the text held out at its end", 0.1, low=0.01,
                               high=0.49)
    temperature: float = flag("for sampling; 0: greedy", 0.8, low=0.0, high=100.0)
    prompt: str | None = flag("text the samples start from; \\n is a newline (default: "
                              "'ROMEO:\\n' on the bundled text, the first words of your "
                              "text's first line on yours)", None, parse=_prompt)
    seed: int = flag("random seed", 0, low=0)
    threads: int | None = flag("CPU threads while training (default: PyTorch's; 1 is "
                               "often faster on a busy CPU)", None, low=1, high=1024)
    quiet: bool = flag("no progress bars or lines, only the final summary", False)

    def __post_init__(self):
        check(self)
        if self.minutes is not None and not self.minutes > 0:
            from ...errors import UserError
            raise UserError(f"--minutes must be > 0 (a cap on training time), got "
                            f"{self.minutes!r}.")
        if self.prompt is not None and (not isinstance(self.prompt, str)
                                        or len(self.prompt) > MAX_LENGTH):
            from ...errors import UserError
            size = len(self.prompt) if isinstance(self.prompt, str) else repr(self.prompt)
            raise UserError(f"--prompt must be a text of at most {MAX_LENGTH:,} characters, "
                            f"got {size}.")

    def quick(self) -> "Settings":
        """The demo's short settings for every field still at its full default."""
        defaults = {f.name: f.default for f in fields(Settings)}
        return replace(self, **{k: v for k, v in QUICK.items()
                                if getattr(self, k) == defaults[k]})


QUICK = dict(units=128, embed_dim=32, seq_len=64, batch_size=32, lr=6e-3, steps=800,
             sample_length=300, threads=1)
