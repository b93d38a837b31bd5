"""Log-mel filterbank features on torch tensors: batched, on the model's device.

For a batch of padded waveforms x (B, N) with true lengths n_b:

    X_t(k)   = sum_n x(n + t·hop) w(n) e^{-2πi kn / n_fft}     short-time Fourier transform,
                                                              Hann window w, frames centred
    P_t(k)   = |X_t(k)|²                                      power spectrum, k = 0..n_fft/2
    E_t(m)   = sum_k F(m, k) P_t(k)                           M triangular mel filters F
    L_t(m)   = log(E_t(m) + ε)                                log-mel energy
    Z_t(m)   = (L_t(m) - μ_b(m)) / (σ_b(m) + ε)               per utterance: μ_b, σ_b over
                                                              its own frames only

The mel scale is HTK's, mel(f) = 2595 log10(1 + f / 700); filter m rises linearly from the
centre of filter m-1 to its own centre and falls to the centre of m+1 (peak 1, no area
normalisation). With these settings the energies match librosa's
`melspectrogram(..., htk=True, norm=None, center=True, pad_mode="constant")` (the test
compares them on fixed signals against a committed fixture).

Shapes: B batch, N samples, T frames (1 + N // hop), M mel bands.

    >>> import torch
    >>> logmel = LogMel(rate=8000)
    >>> z, frames = logmel(torch.randn(2, 8000), torch.tensor([8000, 4000]))
    >>> tuple(z.shape), frames.tolist()
    ((2, 101, 40), [101, 51])
"""
from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

EPS = 1e-6


def hz_to_mel(f):
    """HTK mel scale: mel(f) = 2595 log10(1 + f / 700)."""
    return 2595.0 * torch.log10(1.0 + torch.as_tensor(f, dtype=torch.float64) / 700.0)


def mel_to_hz(m):
    """Inverse of hz_to_mel: f = 700 (10^(m / 2595) - 1)."""
    return 700.0 * (10.0 ** (torch.as_tensor(m, dtype=torch.float64) / 2595.0) - 1.0)


def mel_filterbank(rate: int, n_fft: int, n_mels: int, fmin: float = 0.0,
                   fmax: float | None = None) -> Tensor:
    """F (M, n_fft // 2 + 1): triangular filters equally spaced on the mel scale.

    >>> F = mel_filterbank(8000, 256, 40)
    >>> tuple(F.shape), float(F.max()) <= 1.0
    ((40, 129), True)
    """
    fmax = rate / 2 if fmax is None else fmax
    fft_hz = torch.linspace(0, rate / 2, n_fft // 2 + 1, dtype=torch.float64)       # (K,)
    edges = mel_to_hz(torch.linspace(float(hz_to_mel(fmin)), float(hz_to_mel(fmax)),
                                     n_mels + 2, dtype=torch.float64))            # (M + 2,)
    lower, centre, upper = edges[:-2, None], edges[1:-1, None], edges[2:, None]     # (M, 1)
    rising = (fft_hz - lower) / (centre - lower)
    falling = (upper - fft_hz) / (upper - centre)
    return torch.clamp(torch.minimum(rising, falling), min=0.0).float()


class LogMel:
    """Waveforms (B, N) -> normalised log-mel features (B, T, M) and frame counts (B,).

    rate: sample rate of the waveforms; win_length and hop_length in samples (25 ms and
    10 ms at 8 kHz by default); n_fft the FFT size (zero-padded window). Frames past an
    utterance's end are zero in the output. Runs on the device of the waveforms.
    """

    def __init__(self, rate: int = 8000, n_fft: int = 256, win_length: int = 200,
                 hop_length: int = 80, n_mels: int = 40, fmin: float = 20.0,
                 fmax: float | None = None, normalize: bool = True):
        if win_length > n_fft:
            raise ValueError(f"win_length ({win_length}) must be at most n_fft ({n_fft}).")
        self.rate, self.n_fft, self.win_length = rate, n_fft, win_length
        self.hop_length, self.n_mels, self.fmin, self.fmax = hop_length, n_mels, fmin, fmax
        self.normalize = normalize
        self.filters = mel_filterbank(rate, n_fft, n_mels, fmin, fmax)           # (M, K)
        self.window = torch.hann_window(win_length, periodic=True)

    def get_config(self) -> dict[str, Any]:
        return {"rate": self.rate, "n_fft": self.n_fft, "win_length": self.win_length,
                "hop_length": self.hop_length, "n_mels": self.n_mels, "fmin": self.fmin,
                "fmax": self.fmax, "normalize": self.normalize}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "LogMel":
        return cls(**config)

    def frames(self, n_samples: Tensor | int):
        """T = 1 + N // hop: the number of centred frames of N samples."""
        return 1 + n_samples // self.hop_length

    def mel_power(self, x: Tensor) -> Tensor:
        """E (B, T, M): mel filterbank energies of waveforms x (B, N), before the log."""
        spec = torch.stft(x, self.n_fft, self.hop_length, self.win_length,
                          self.window.to(x.device, x.dtype), center=True, pad_mode="constant",
                          return_complex=True)                                     # (B, K, T)
        power = spec.real.square() + spec.imag.square()                          # P = |X|²
        return torch.einsum("mk,bkt->btm", self.filters.to(x.device, x.dtype), power)

    def __call__(self, x: Tensor, lengths: Tensor | None = None) -> tuple[Tensor, Tensor]:
        if x.dim() == 1:
            x = x[None]
        B, N = x.shape
        lengths = torch.full((B,), N) if lengths is None else torch.as_tensor(lengths)
        frames = self.frames(lengths.cpu().long())                                 # (B,)
        L = torch.log(self.mel_power(x) + EPS)                                    # (B, T, M)
        valid = (torch.arange(L.shape[1])[None, :] < frames[:, None]).to(x.device)  # (B, T)
        if self.normalize:
            L = normalize_per_utterance(L, valid)
        return L * valid[..., None], frames


def normalize_per_utterance(L: Tensor, valid: Tensor) -> Tensor:
    """(L - μ) / (σ + ε) per utterance and band, μ and σ over the valid frames only."""
    w = valid[..., None].to(L.dtype)                                           # (B, T, 1)
    n = w.sum(1, keepdim=True).clamp(min=1.0)
    mu = (L * w).sum(1, keepdim=True) / n                                      # (B, 1, M)
    var = ((L - mu).square() * w).sum(1, keepdim=True) / n
    return (L - mu) / (var.sqrt() + EPS)


def dct_matrix(n_in: int, n_out: int) -> Tensor:
    """Orthonormal DCT-II, (n_out, n_in): c_j = s_j sum_m L_m cos(π j (m + ½) / n_in).

    >>> D = dct_matrix(8, 8)
    >>> bool(torch.allclose(D @ D.T, torch.eye(8), atol=1e-6))
    True
    """
    m = torch.arange(n_in, dtype=torch.float64)
    j = torch.arange(n_out, dtype=torch.float64)[:, None]
    D = torch.cos(math.pi * j * (m + 0.5) / n_in) * math.sqrt(2.0 / n_in)
    D[0] /= math.sqrt(2.0)
    return D.float()


def mfcc(x: Tensor, rate: int = 8000, n_mfcc: int = 13) -> Tensor:
    """MFCCs (T, n_mfcc) of one waveform x (N,): the DCT of its log-mel energies, each
    coefficient normalised over the utterance (cepstral mean and variance normalisation)."""
    logmel = LogMel(rate=rate, normalize=False)
    L = torch.log(logmel.mel_power(x[None]) + EPS)[0]                            # (T, M)
    c = L @ dct_matrix(logmel.n_mels, n_mfcc).T                                    # (T, C)
    return (c - c.mean(0)) / (c.std(0, unbiased=False) + EPS)
