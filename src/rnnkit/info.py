"""`rnnkit info`: versions, device, threads, and which fast paths this machine has."""
from __future__ import annotations

import argparse
import platform

import numpy as np
import torch


def collect() -> dict[str, str]:
    from . import __version__
    from .layers import GRU, LSTM, SimpleRNN
    facts = {
        "rnnkit": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "device (auto)": "cuda" if torch.cuda.is_available() else "cpu",
        "cpu threads": str(torch.get_num_threads()),
        "cuDNN": str(torch.backends.cudnn.is_available()),
        "oneDNN (mkldnn)": str(torch.backends.mkldnn.is_available()),
    }
    x = torch.zeros(1, 2, 3)
    for cls in (SimpleRNN, LSTM, GRU):
        layer = cls(2)
        layer(x)
        facts[f"{cls.__name__} path"] = f"{layer.last_path}: {layer.path_reason}"
    from .kernels import build, rnn, scan
    ok, reason = rnn.fused_available()
    facts["rnnkit fused CPU kernels"] = f"{ok}: {reason}"
    ok, reason = scan.scan_available()
    facts["rnnkit C++ scan (MinGRU, MinLSTM)"] = f"{ok}: {reason}"
    facts["rnnkit kernels folder"] = str(build.kernels_dir())
    from .datasets import DATASETS
    facts["bundled datasets"] = ", ".join(sorted(DATASETS))
    return facts


def configure_parser(parser: argparse.ArgumentParser) -> None:
    pass


def main(args: argparse.Namespace | None = None) -> int:
    facts = collect()
    width = max(len(k) for k in facts)
    for key, value in facts.items():
        print(f"{key.ljust(width)}  {value}")
    return 0
