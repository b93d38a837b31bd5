"""RepeatVector, Flatten, Reshape, Permute: values land where Keras puts them, masks stop."""
import pytest
import torch

from rnnkit.layers import (Cropping1D, Flatten, Permute, RepeatVector, Reshape, UpSampling1D,
                           ZeroPadding1D)


def test_repeat_vector_copies_the_vector_at_every_step():
    x = torch.randn(2, 3)
    y = RepeatVector(4)(x)
    assert y.shape == (2, 4, 3)
    for t in range(4):
        torch.testing.assert_close(y[:, t], x)


def test_reshape_infers_the_minus_one_size():
    x = torch.arange(24.0).reshape(2, 3, 4)
    y = Reshape((-1, 2))(x)
    assert y.shape == (2, 6, 2)
    torch.testing.assert_close(y.reshape(2, -1), x.reshape(2, -1))
    assert Reshape((-1, 2)).compute_output_shape((None, None, 4)) == (None, None, 2)


def test_reshape_to_a_size_that_does_not_fit_says_what_it_got_and_why():
    with pytest.raises(ValueError, match=r"12 values per sample\) into target_shape \(5,\)"):
        Reshape((5,))(torch.zeros(2, 3, 4))


def test_permute_counts_axes_from_one_and_keeps_the_batch_first():
    x = torch.randn(2, 3, 4)
    torch.testing.assert_close(Permute((2, 1))(x), x.transpose(1, 2))


def test_flatten_channels_first_orders_values_as_channels_last_would():
    x = torch.randn(2, 3, 4, 5)                                    # (B, C, H, W)
    y = Flatten(data_format="channels_first")(x)
    torch.testing.assert_close(y, Flatten()(x.permute(0, 2, 3, 1)))
    assert Flatten()(torch.zeros(4)).shape == (4, 1)


def test_up_sampling_repeats_each_step_and_cropping_undoes_zero_padding():
    x = torch.tensor([[[1.0], [2.0]]])
    assert UpSampling1D(2)(x).flatten().tolist() == [1.0, 1.0, 2.0, 2.0]
    padded = ZeroPadding1D((1, 2))(x)
    assert padded.flatten().tolist() == [0.0, 1.0, 2.0, 0.0, 0.0]
    torch.testing.assert_close(Cropping1D((1, 2))(padded), x)


@pytest.mark.parametrize("layer,x", [(RepeatVector(2), torch.zeros(2, 3)),
                                     (Flatten(), torch.zeros(2, 3, 4)),
                                     (Reshape((12,)), torch.zeros(2, 3, 4)),
                                     (Permute((2, 1)), torch.zeros(2, 3, 4))])
def test_reshaping_layers_drop_the_mask_as_keras_3_does(layer, x):
    assert layer.compute_mask(x, torch.ones(2, 3, dtype=torch.bool)) is None


@pytest.mark.parametrize("make,error,match", [
    (lambda: RepeatVector("3"), TypeError, "RepeatVector n must be an integer, got '3'"),
    (lambda: RepeatVector(0), ValueError, "n must be a positive integer, got 0"),
    (lambda: Reshape((-1, -1)), ValueError, "at most one -1"),
    (lambda: Reshape(5), TypeError, "target_shape must be a tuple"),
    (lambda: Permute((0, 1)), ValueError, r"permutation of 1..n"),
    (lambda: Flatten(data_format="nhwc"), ValueError, "data_format must be 'channels_last'"),
    (lambda: RepeatVector(2)(torch.zeros(2, 3, 4)), ValueError,
     r"expects input of shape \(batch, features\), got shape \(2, 3, 4\)"),
    (lambda: Permute((2, 1))(torch.zeros(2, 3)), ValueError, "rank 3"),
    (lambda: UpSampling1D(2.0), TypeError, "size must be an integer, got 2.0"),
    (lambda: ZeroPadding1D(-1), ValueError, "padding must be a non-negative integer"),
    (lambda: Cropping1D((2, 2))(torch.zeros(1, 4, 1)), ValueError,
     r"cannot cut 4 steps \(cropping=\(2, 2\)\) from sequences of 4 steps"),
])
def test_bad_arguments_and_inputs_are_rejected_clearly(make, error, match):
    with pytest.raises(error, match=match):
        make()
