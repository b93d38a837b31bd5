"""Waveforms in, transcripts out: the feature and decoding steps that training, the report
and `rnnkit predict` share."""
from __future__ import annotations

import numpy as np
import torch

from .features import LogMel
from .model import AcousticModel, decode_batch
from .scoring import Symbols


def features(logmel: LogMel, audio: list[np.ndarray], model: torch.nn.Module):
    """Padded waveforms -> normalised log-mel (B, T, M) and frame counts, on the model's
    device."""
    device = next(model.parameters()).device
    lengths = torch.tensor([len(a) for a in audio])
    x = torch.zeros(len(audio), int(lengths.max()))
    for b, a in enumerate(audio):
        x[b, :len(a)] = torch.from_numpy(np.asarray(a, np.float32))
    return logmel(x.to(device), lengths)


@torch.no_grad()
def transcribe(model: AcousticModel, logmel: LogMel, symbols: Symbols,
               audio: list[np.ndarray], beam: int = 8) -> list[str]:
    """Transcripts of waveforms (float32 at the model's rate), 32 at a time."""
    model.eval()
    out = []
    for i in range(0, len(audio), 32):
        x, frames = features(logmel, audio[i:i + 32], model)
        log_probs, steps = model(x, frames)
        out += [symbols.decode(ids) for ids in decode_batch(log_probs, steps, beam)]
    return out
