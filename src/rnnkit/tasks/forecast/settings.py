"""The settings of `rnnkit forecast`: one dataclass, whose fields make the CLI flags, so
every default lives here once."""
from __future__ import annotations

import argparse
from dataclasses import dataclass, field, fields, replace

from rnnkit.errors import UserError
from rnnkit.preprocessing.timeseries import MISSING_POLICIES

from .data import DATASETS
from .network import CELLS
from .representation import REPRESENTATIONS

PROTOCOLS = ("blocks", "recursive")
COMBINE = ("auto", "none")


def _flag(help_text: str, default, choices: tuple | None = None):
    metadata = {"help": help_text, **({"choices": choices} if choices else {})}
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    column: str | None = _flag("column to forecast (asked for when the file has several)",
                               default=None)
    dataset: str | None = _flag("a bundled series instead of FILE.csv", default=None,
                                choices=tuple(DATASETS))
    id: str | None = _flag("column naming the series when the file holds several",
                           default=None)
    series: str | None = _flag("which series of --id to forecast", default=None)
    covariates: str | None = _flag("other columns whose past values the network sees, comma "
                                   "separated (e.g. temp_min,wind; their future is not used)",
                                   default=None)
    horizon: int = _flag("steps forecast at once, by one Dense output", default=12)
    window: int | None = _flag("past steps the model sees (default: one season, >= horizon)",
                               default=None)
    cell: str = _flag("recurrent layer", default="lstm", choices=CELLS)
    units: int = _flag("hidden units", default=32)
    epochs: int = _flag("most epochs (early stopping on validation)", default=300)
    patience: int = _flag("early stopping patience, in epochs", default=30)
    batch_size: int = _flag("windows per batch", default=16)
    learning_rate: float = _flag("Adam learning rate", default=3e-3)
    season: int | str | None = _flag("season length in steps, 'auto' (from the data) or "
                                     "'none'", default="auto")
    test_size: int = _flag("last N points held out for the test", default=24)
    val_fraction: float = _flag("fraction of the series for validation, before the test",
                                default=0.1)
    missing: str = _flag("what to do with missing values", default="interpolate",
                         choices=MISSING_POLICIES)
    log: str = _flag("model log values (auto: log when the spread grows with the level, "
                     "log1p for counts with zeros; forecasts of values >= 0 stay >= 0)",
                     default="auto", choices=("auto", "yes", "no"))
    protocol: str = _flag("blocks: each test block from the true values before it; "
                          "recursive: from forecasts", default="blocks", choices=PROTOCOLS)
    representation: str = _flag("what the network sees: profile (the series minus a smooth "
                                 "seasonal profile), differences (seasonal differences), "
                                 "hybrid (it corrects seasonal naive with drift) or auto "
                                 "(hybrid for seasons of 2-24 steps, else profile)",
                                 default="auto", choices=REPRESENTATIONS)
    members: int = _flag("ensemble size: networks from seeds seed, seed + 1000, ...", default=3)
    combine: str = _flag("auto: average the network with the classical model that did best "
                         "before the test (not a hybrid network, which corrects one "
                         "already); none: the network alone", default="auto",
                         choices=COMBINE)
    coverage: float = _flag("nominal coverage of the prediction intervals", default=0.8)
    val_origins: int = _flag("forecast origins in the validation part and as many over the "
                             "last three seasons (choosing the partner); with twice as many "
                             "over the whole history they calibrate the intervals", default=8)
    seed: int = _flag("random seed", default=0)
    quiet: bool = _flag("no progress bars", default=False)

    def __post_init__(self):
        ints = ("horizon", "units", "epochs", "patience", "batch_size", "test_size", "members",
                "val_origins", "seed")
        for name in ints + (("window",) if self.window is not None else ()):
            value, low = getattr(self, name), 0 if name == "seed" else 1
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise UserError(f"--{_dash(name)} must be an integer >= {low}, got {value!r}.")
        if not (self.season in ("auto", None) or (isinstance(self.season, int)
                                                    and self.season >= 1)):
            raise UserError(f"--season must be an integer >= 1, 'auto' or 'none', got "
                            f"{self.season!r}.")
        for f in fields(self):
            choices = f.metadata.get("choices")
            value = getattr(self, f.name)
            if choices and value is not None and value not in choices:
                raise UserError(f"Unknown --{_dash(f.name)} {value!r}. Expected one of "
                                f"{', '.join(choices)}.")
        if not 0.0 <= self.val_fraction < 1.0:
            raise UserError(f"--val-fraction must be in [0, 1), got {self.val_fraction}. "
                            "Example: 0.1.")
        if not 0.0 < self.coverage < 1.0:
            raise UserError(f"--coverage must be in (0, 1), got {self.coverage}. Example: 0.8.")

    def quick(self) -> Settings:
        """The demo's short settings: one network, fewer epochs and validation origins."""
        return replace(self, **{k: min(getattr(self, k), v) for k, v in QUICK.items()})


QUICK = {"members": 1, "epochs": 60, "patience": 10, "val_origins": 3}
MAX_WINDOWS_QUICK = 256


def _dash(name: str) -> str:
    return name.replace("_", "-")


def season_arg(text: str):
    if text.lower() in ("auto", "none"):
        return {"auto": "auto", "none": None}[text.lower()]
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"expected an integer, 'auto' or 'none', got {text!r}")
    return int(text)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """One flag per field, its default and help from the dataclass."""
    for f in fields(Settings):
        flag, default, text = f"--{_dash(f.name)}", f.default, f.metadata["help"]
        if f.type == "bool":
            parser.add_argument(flag, action="store_true", help=text)
            continue
        kw = {"choices": f.metadata["choices"]} if "choices" in f.metadata else {
            "type": season_arg if f.name == "season" else
            {"int": int, "float": float}.get(f.type.split(" ")[0], str)}
        shown = f"{text} (default: {default})" if default is not None else text
        parser.add_argument(flag, default=default, help=shown, **kw)
