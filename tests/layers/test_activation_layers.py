"""ReLU, LeakyReLU, ELU, PReLU, Softmax as layers: Keras's formulas and arguments."""
import pytest
import torch

from rnnkit.layers import ELU, LeakyReLU, PReLU, ReLU, Softmax

x = torch.tensor([[-2.0, -0.5, 0.1, 0.5, 3.0, 8.0]])


def test_relu_with_a_cap_a_slope_and_a_threshold_follows_keras_piecewise_rule():
    y = ReLU(max_value=6.0, negative_slope=0.1, threshold=0.2)(x)
    expected = [0.1 * (-2.2), 0.1 * (-0.7), 0.1 * (0.1 - 0.2), 0.5, 3.0, 6.0]
    torch.testing.assert_close(y, torch.tensor([expected]))


def test_leaky_relu_takes_keras_2_alpha_as_its_slope():
    assert LeakyReLU().negative_slope == 0.3
    torch.testing.assert_close(LeakyReLU(alpha=0.1)(x), torch.where(x > 0, x, 0.1 * x))


def test_elu_scales_the_negative_part_by_alpha():
    torch.testing.assert_close(ELU(0.5)(x), torch.where(x > 0, x, 0.5 * (x.exp() - 1)))


def test_prelu_learns_one_slope_per_unit_shared_over_the_given_axes():
    layer = PReLU(shared_axes=[1])
    y = layer(torch.randn(2, 7, 3))
    assert layer.alpha.shape == (1, 3) and torch.all(y >= 0)     # slopes start at zero
    assert layer.get_weights()[0].shape == (1, 3)


def test_softmax_with_a_step_mask_gives_masked_steps_no_weight_and_zero_output():
    scores = torch.randn(1, 3, 4)
    mask = torch.tensor([[True, False, True]])
    y = Softmax(axis=1)(scores, mask=mask)
    assert torch.all(y[:, 1] == 0)
    torch.testing.assert_close(y.sum(dim=1), torch.ones(1, 4))


@pytest.mark.parametrize("make,error,match", [
    (lambda: ReLU(max_value=-1), ValueError, "max_value must be a number >= 0, got -1"),
    (lambda: LeakyReLU(negative_slope="a"), ValueError, "negative_slope must be a number"),
    (lambda: ELU(alpha="1"), TypeError, "ELU alpha must be a number"),
    (lambda: PReLU(shared_axes=[0]), ValueError, "counted from 1"),
    (lambda: Softmax(axis="last"), TypeError, "Softmax axis must be an integer"),
    (lambda: PReLU(shared_axes=[4])(torch.zeros(2, 3, 4)), ValueError,
     "shared axis 4 is out of range"),
])
def test_bad_arguments_are_rejected_clearly(make, error, match):
    with pytest.raises(error, match=match):
        make()
