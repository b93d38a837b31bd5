"""BatchNormalization and LayerNormalization: Keras's statistics, momentum and weights."""
import numpy as np
import pytest
import torch

from rnnkit.layers import BatchNormalization, LayerNormalization


def test_batch_norm_in_training_normalises_each_feature_over_batch_and_time():
    bn = BatchNormalization().train()
    x = torch.randn(8, 5, 3) * 4 + 2
    y = bn(x)
    torch.testing.assert_close(y.mean(dim=(0, 1)), torch.zeros(3), atol=1e-5, rtol=0)
    assert torch.allclose(y.var(dim=(0, 1), correction=0), torch.ones(3), atol=1e-3)


def test_batch_norm_moving_statistics_move_by_one_minus_momentum_with_biased_variance():
    bn = BatchNormalization(momentum=0.9).train()
    x = torch.randn(16, 3) * 2 + 5
    bn(x)
    torch.testing.assert_close(bn.moving_mean, 0.1 * x.mean(dim=0))
    torch.testing.assert_close(bn.moving_variance, 0.9 + 0.1 * x.var(dim=0, correction=0))


def test_batch_norm_at_inference_uses_the_moving_statistics():
    bn = BatchNormalization().eval()
    x = torch.randn(4, 3)
    torch.testing.assert_close(bn(x), x / (1 + 1e-3) ** 0.5)       # mean 0, variance 1
    assert torch.equal(bn.moving_mean, torch.zeros(3))


def test_a_frozen_batch_norm_uses_and_keeps_its_moving_statistics_while_training():
    bn = BatchNormalization(trainable=False).train()
    x = torch.randn(4, 3) + 3
    torch.testing.assert_close(bn(x), x / (1 + 1e-3) ** 0.5)
    assert torch.equal(bn.moving_mean, torch.zeros(3))
    assert not any(p.requires_grad for p in bn.parameters())


def test_batch_norm_keeps_moving_statistics_as_buffers_and_lists_them_as_keras_does():
    bn = BatchNormalization().eval()
    bn(torch.zeros(2, 3))
    assert [n for n, _ in bn.named_parameters()] == ["gamma", "beta"]
    assert {"moving_mean", "moving_variance"} <= set(bn.state_dict())
    assert [w.tolist() for w in bn.get_weights()] == [[1.0] * 3, [0.0] * 3, [0.0] * 3, [1.0] * 3]
    assert bn.count_params() == 12                              # Keras's summary counts all four


def test_batch_norm_set_weights_with_the_wrong_count_names_the_weights():
    bn = BatchNormalization(center=False)
    with pytest.raises(ValueError, match=r"3 weight arrays \(gamma, moving_mean, moving_variance"):
        bn.set_weights([np.ones(3)] * 4)


def test_layer_norm_matches_torch_layer_norm():
    ln = LayerNormalization(epsilon=1e-5)
    x = torch.randn(2, 5, 6)
    torch.testing.assert_close(ln(x), torch.nn.functional.layer_norm(x, (6,), eps=1e-5))


def test_layer_norm_over_a_middle_axis_normalises_that_axis():
    ln = LayerNormalization(axis=1)
    x = torch.randn(2, 5, 3)
    ln(x)
    with torch.no_grad():
        ln.gamma.copy_(torch.arange(5.0))
    expected = torch.nn.functional.layer_norm(x.transpose(1, 2), (5,), torch.arange(5.0),
                                              torch.zeros(5), eps=1e-3).transpose(1, 2)
    torch.testing.assert_close(ln(x), expected)


def test_batch_norm_takes_the_one_element_axis_list_of_tf_keras_2_configs():
    assert BatchNormalization(axis=[2]).axis == 2


def test_normalization_layers_pass_the_mask_on():
    mask = torch.tensor([[True, False]])
    assert LayerNormalization().compute_mask(torch.zeros(1, 2, 3), mask) is mask
    assert BatchNormalization().compute_mask(torch.zeros(1, 2, 3), mask) is mask


@pytest.mark.parametrize("make,error,match", [
    (lambda: BatchNormalization(momentum="a"), TypeError, "momentum must be a number, got 'a'"),
    (lambda: BatchNormalization(momentum=1.5), ValueError, r"momentum must be in \[0.0, 1.0\]"),
    (lambda: BatchNormalization(axis=[1, 2]), TypeError, "axis must be one integer"),
    (lambda: BatchNormalization(axis=3)(torch.zeros(2, 3)), ValueError, "out of range"),
    (lambda: BatchNormalization(renorm=True), ValueError, "renorm=True is not supported"),
    (lambda: LayerNormalization(axis="last"), TypeError, "axis must be an integer or a list"),
    (lambda: LayerNormalization(epsilon=-1.0), ValueError, "epsilon must be in"),
    (lambda: BatchNormalization(gamma_initializer="nope"), ValueError, "Unknown initializer"),
])
def test_bad_arguments_are_rejected_clearly(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_a_built_batch_norm_says_how_many_features_it_expects():
    bn = BatchNormalization()
    bn(torch.zeros(2, 3))
    with pytest.raises(ValueError, match="built for 3 features on axis -1"):
        bn(torch.zeros(2, 4))
