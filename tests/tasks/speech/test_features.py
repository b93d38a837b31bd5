"""Log-mel features: the mel energies equal librosa's on fixed signals (a fixture made once
by fixtures/make_logmel_reference.py), batches equal single utterances, and each utterance
is normalised over its own frames."""
import doctest
from pathlib import Path

import numpy as np
import pytest
import torch

import rnnkit.tasks.speech.features as features_module
from rnnkit.tasks.speech.features import LogMel, mel_filterbank, mfcc

REFERENCE = np.load(Path(__file__).parent / "fixtures" / "logmel_reference.npz")


@pytest.mark.parametrize("name", ["tone_440_1200", "chirp_100_3900", "noise"])
def test_mel_energies_match_librosa_on_fixed_signals(name):
    x = torch.from_numpy(REFERENCE[f"{name}/signal"])
    expected = REFERENCE[f"{name}/mel_power"]                              # (T, M)
    got = LogMel(rate=8000, normalize=False).mel_power(x[None])[0].numpy()
    assert got.shape == expected.shape
    np.testing.assert_allclose(np.log(got + 1e-6), np.log(expected + 1e-6), atol=2e-3)


def test_every_band_of_the_filterbank_is_a_triangle_that_some_fft_bin_falls_in():
    F = mel_filterbank(8000, 256, 40, fmin=20.0)
    assert F.shape == (40, 129)
    peaks = F.max(dim=1).values                         # below 1 when the centre is off-bin
    assert bool((peaks > 0.5).all() and (peaks <= 1.0).all())
    assert bool((F.sum(0)[2:-1] > 0).all())           # every bin above 20 Hz is in a band


def test_a_padded_batch_gives_each_utterance_its_own_features():
    torch.manual_seed(0)
    a, b = torch.randn(4000), torch.randn(2500)
    logmel = LogMel()
    batch = torch.zeros(2, 4000)
    batch[0], batch[1, :2500] = a, b
    z, frames = logmel(batch, torch.tensor([4000, 2500]))
    z_b, frames_b = logmel(b[None])
    assert frames.tolist() == [51, 32] and frames_b.tolist() == [32]
    torch.testing.assert_close(z[1, :32], z_b[0], atol=1e-4, rtol=1e-4)
    assert bool((z[1, 32:] == 0).all())                 # padding frames are zero


def test_each_utterance_is_normalised_over_its_own_frames():
    x = torch.randn(1, 6000) * 0.1
    z, frames = LogMel()(x)
    torch.testing.assert_close(z[0].mean(0), torch.zeros(40), atol=1e-4, rtol=0)
    torch.testing.assert_close(z[0].std(0, unbiased=False), torch.ones(40), atol=1e-3, rtol=0)


def test_features_are_computed_on_the_device_of_the_waveforms():
    z, _ = LogMel()(torch.randn(2, 1000, dtype=torch.float64))
    assert z.dtype == torch.float64 and z.device == torch.device("cpu")


def test_mfccs_are_normalised_cepstra_of_the_log_mel_energies():
    c = mfcc(torch.randn(4000), 8000, 13)
    assert c.shape == (51, 13)
    torch.testing.assert_close(c.mean(0), torch.zeros(13), atol=1e-4, rtol=0)


def test_the_docstring_examples_run():
    result = doctest.testmod(features_module)
    assert result.attempted > 0 and result.failed == 0
