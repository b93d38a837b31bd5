"""Conv1D and Conv2D: PyTorch's kernels behind Keras's layout, padding rules and weights."""
import math

import numpy as np
import pytest
import torch

from rnnkit.layers import Conv1D, Conv2D, TimeDistributed


def test_conv1d_matches_torch_conv1d_on_channels_last_input():
    conv = Conv1D(4, 3)
    x = torch.randn(2, 9, 5)
    y = conv(x)
    ref = torch.nn.functional.conv1d(x.transpose(1, 2), conv.W, conv.b).transpose(1, 2)
    torch.testing.assert_close(y, ref)


def test_causal_conv1d_output_at_t_never_sees_later_steps():
    conv = Conv1D(3, 3, padding="causal", dilation_rate=2)
    x = torch.randn(1, 10, 2)
    later_changed = x.clone()
    later_changed[:, 6:] += 1.0
    y, y2 = conv(x), conv(later_changed)
    assert y.shape == (1, 10, 3)
    torch.testing.assert_close(y[:, :6], y2[:, :6])
    assert not torch.allclose(y[:, 6:], y2[:, 6:])


@pytest.mark.parametrize("T,strides,expected", [(10, 1, 10), (10, 3, 4), (7, 2, 4)])
def test_same_padding_gives_ceil_of_length_over_stride(T, strides, expected):
    assert Conv1D(2, 4, strides=strides, padding="same")(torch.randn(1, T, 3)).shape[1] == expected


def test_get_weights_gives_keras_kernel_layout_k_in_out():
    conv = Conv1D(4, 3)
    conv(torch.zeros(1, 5, 2))
    kernel, bias = conv.get_weights()
    assert kernel.shape == (3, 2, 4) and bias.shape == (4,)
    np.testing.assert_array_equal(kernel[1, 0], conv.W[:, 0, 1].detach().numpy())


def test_set_weights_before_the_first_call_builds_from_the_kernel():
    conv = Conv2D(3, (2, 2))
    conv.set_weights([np.ones((2, 2, 5, 3), np.float32), np.zeros(3, np.float32)])
    y = conv(torch.ones(1, 4, 4, 5))
    assert y.shape == (1, 3, 3, 3) and torch.all(y == 20.0)       # 2*2*5 ones


def test_set_weights_with_the_wrong_shape_names_both_shapes():
    conv = Conv1D(4, 3)
    conv(torch.zeros(1, 5, 2))
    with pytest.raises(ValueError, match=r"\[\(3, 2, 4\), \(4,\)\] expected .* got \[\(3, 2, 5\)"):
        conv.set_weights([np.zeros((3, 2, 5)), np.zeros(4)])


def test_default_kernel_init_is_glorot_uniform_with_the_receptive_field_in_the_fans():
    conv = Conv1D(64, 5)
    conv(torch.zeros(1, 8, 32))
    limit = math.sqrt(6 / (32 * 5 + 64 * 5))
    assert 0.95 * limit < conv.W.abs().max() <= limit


def test_time_distributed_conv2d_runs_the_same_convolution_on_every_frame():
    td = TimeDistributed(Conv2D(3, 3, padding="same", activation="relu"))
    video = torch.randn(2, 4, 6, 6, 1)                             # (B, T, H, W, C)
    y = td(video)
    assert y.shape == (2, 4, 6, 6, 3)
    torch.testing.assert_close(y[:, 2], td.layer(video[:, 2]))
    assert td.compute_output_shape((None, 4, 6, 6, 1)) == (None, 4, 6, 6, 3)


def test_convolutions_drop_the_mask_as_keras_3_does():
    assert Conv1D(2, 2).compute_mask(torch.zeros(1, 3, 2), torch.ones(1, 3).bool()) is None


@pytest.mark.parametrize("make,match", [
    (lambda: Conv1D(0, 3), "filters must be a positive integer, got 0"),
    (lambda: Conv1D(4, "3"), "kernel_size must be a positive integer"),
    (lambda: Conv1D(4, 3, padding="full"), "padding must be one of 'valid', 'same', 'causal'"),
    (lambda: Conv2D(4, 3, padding="causal"), "padding must be one of 'valid', 'same', got"),
    (lambda: Conv1D(4, 3, strides=2, dilation_rate=2), "cannot combine strides > 1"),
    (lambda: Conv1D(3, 3, groups=2), r"filters \(3\) must be divisible by groups \(2\)"),
    (lambda: Conv1D(4, 3, activation="nope"), "Unknown activation 'nope'"),
    (lambda: Conv1D(4, 3)(torch.zeros(2, 5)), r"\(batch, time, channels\), got shape \(2, 5\)"),
    (lambda: Conv1D(4, 2, groups=2)(torch.zeros(1, 5, 3)), r"channels \(3\) must be divisible"),
])
def test_bad_arguments_and_inputs_are_rejected_clearly(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()


def test_a_sequence_shorter_than_the_window_is_explained_not_a_torch_error():
    with pytest.raises(ValueError, match=r"needs at least 9 steps per axis with padding='valid'"
                                         r".*got an input of spatial shape \(7,\)"):
        Conv1D(4, 5, dilation_rate=2)(torch.zeros(1, 7, 2))
    assert Conv1D(4, 5, dilation_rate=2, padding="same")(torch.zeros(1, 7, 2)).shape == (1, 7, 4)


def test_a_built_conv_says_how_many_channels_it_was_built_for():
    conv = Conv1D(4, 2)
    conv(torch.zeros(1, 5, 3))
    with pytest.raises(ValueError, match="built for 3 input channels, got 2"):
        conv(torch.zeros(1, 5, 2))
