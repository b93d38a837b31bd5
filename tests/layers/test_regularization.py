"""Noise layers act only while training; ActivityRegularization adds Keras's penalty."""
import copy

import pytest
import torch

from rnnkit.layers import (ActivityRegularization, Dropout, GaussianDropout, GaussianNoise,
                           SpatialDropout1D, SpatialDropout2D)


def test_spatial_dropout1d_drops_whole_channels_for_every_step():
    layer = SpatialDropout1D(0.5).train()
    y = layer(torch.ones(64, 10, 8))
    per_channel = y.amax(dim=1)                                  # (B, C): 0 or 2 everywhere
    assert set(per_channel.unique().tolist()) == {0.0, 2.0}
    assert torch.equal(y.amin(dim=1), per_channel)               # same value at every step
    assert 0.35 < (per_channel == 0).float().mean() < 0.65


def test_spatial_dropout2d_drops_whole_feature_maps():
    y = SpatialDropout2D(0.5).train()(torch.ones(16, 4, 4, 6))
    assert torch.equal(y.amax(dim=(1, 2)), y.amin(dim=(1, 2)))


@pytest.mark.parametrize("layer", [SpatialDropout1D(0.5), GaussianNoise(0.5),
                                   GaussianDropout(0.5)])
def test_noise_layers_are_the_identity_at_inference(layer):
    x = torch.randn(2, 3, 4)
    assert torch.equal(layer.eval()(x), x)


def test_gaussian_noise_has_the_given_standard_deviation_while_training():
    noise = GaussianNoise(0.3).train()(torch.zeros(200, 50)).std().item()
    assert 0.28 < noise < 0.32


def test_gaussian_dropout_keeps_the_mean():
    y = GaussianDropout(0.2).train()(torch.ones(200, 50))
    assert abs(y.mean().item() - 1.0) < 0.02 and abs(y.std().item() - 0.5) < 0.03


def test_a_seed_makes_two_layers_draw_the_same_noise():
    x = torch.zeros(3, 4)
    one, two = GaussianNoise(0.1, seed=7).train(), GaussianNoise(0.1, seed=7).train()
    assert torch.equal(one(x), two(x))
    assert torch.equal(copy.deepcopy(one)(x), one(x))


def test_activity_regularization_adds_keras_penalty_divided_by_the_batch_size():
    layer = ActivityRegularization(l1=0.1, l2=0.01)
    x = torch.randn(4, 3, requires_grad=True)
    assert torch.equal(layer(x), x)
    (loss,) = layer.losses
    torch.testing.assert_close(loss, (0.1 * x.abs().sum() + 0.01 * (x ** 2).sum()) / 4)
    loss.backward()
    assert x.grad is not None


@pytest.mark.parametrize("make,error,match", [
    (lambda: Dropout("a"), TypeError, r"Dropout rate must be a number in \[0, 1\), such as 0.2, "
                                      "got 'a' \\(str\\)"),
    (lambda: SpatialDropout1D("a"), TypeError, "SpatialDropout1D rate must be a number, got 'a'"),
    (lambda: SpatialDropout1D(1.0), ValueError, r"rate must be in \[0, 1\), got 1.0"),
    (lambda: GaussianNoise(-0.1), ValueError, r"stddev must be in \[0, 1\]"),
    (lambda: GaussianDropout(0.5, seed="x"), TypeError, "seed must be an integer or None"),
    (lambda: ActivityRegularization(l1=-1), ValueError, "l1 must be a number >= 0"),
    (lambda: SpatialDropout1D(0.5)(torch.zeros(2, 3)), ValueError, r"\(batch, time, channels\)"),
])
def test_bad_arguments_are_rejected_clearly(make, error, match):
    with pytest.raises(error, match=match):
        make()
