"""Conv1DTranspose / Conv2DTranspose: the adjoint of the convolution, TensorFlow's lengths."""
import numpy as np
import pytest
import torch

from rnnkit.layers import Conv1D, Conv1DTranspose, Conv2DTranspose


@pytest.mark.parametrize("k,s,padding", [(7, 2, "same"), (3, 2, "same"), (4, 2, "same"),
                                         (3, 1, "same"), (3, 2, "valid"), (5, 3, "valid")])
def test_transposed_conv_is_the_adjoint_of_the_conv_with_the_same_kernel(k, s, padding):
    """<conv(z), x> = <z, conv_T(x)>: what TensorFlow's conv1d_transpose is, by definition."""
    F_, C = 3, 2
    kernel = np.random.default_rng(0).standard_normal((k, F_, C)).astype("float32")
    conv_t = Conv1DTranspose(F_, k, strides=s, padding=padding, use_bias=False)
    conv = Conv1D(C, k, strides=s, padding=padding, use_bias=False)
    conv_t.set_weights([kernel])
    conv.set_weights([kernel])                            # (k, in=F, out=C) for the conv
    x = torch.randn(2, 6, C)
    up = conv_t(x)                                        # (B, T_out, F)
    z = torch.randn(up.shape)
    down = conv(z)
    assert down.shape == x.shape
    torch.testing.assert_close((down * x).sum(), (z * up).sum(), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("T,k,s,padding,expected", [
    (5, 3, 2, "same", 10), (5, 7, 2, "same", 10), (5, 3, 2, "valid", 11), (5, 1, 3, "valid", 15),
])
def test_output_length_is_tensorflows(T, k, s, padding, expected):
    layer = Conv1DTranspose(2, k, strides=s, padding=padding)
    assert layer(torch.zeros(1, T, 3)).shape == (1, expected, 2)
    assert layer.compute_output_shape((None, T, 3)) == (None, expected, 2)


def test_a_strided_conv_and_its_transpose_make_a_conv_autoencoder_shape():
    x = torch.randn(4, 16, 1)
    h = Conv1D(8, 7, strides=2, padding="same", activation="relu")(x)
    y = Conv1DTranspose(1, 7, strides=2, padding="same")(h)
    assert h.shape == (4, 8, 8) and y.shape == x.shape


def test_conv2d_transpose_doubles_height_and_width_with_same_padding():
    assert Conv2DTranspose(4, 3, strides=2, padding="same")(torch.zeros(1, 5, 6, 2)).shape == \
        (1, 10, 12, 4)


@pytest.mark.parametrize("make,match", [
    (lambda: Conv1DTranspose(0, 3), "filters must be a positive integer"),
    (lambda: Conv1DTranspose(2, 3, padding="causal"), "padding must be one of 'valid', 'same'"),
    (lambda: Conv1DTranspose(2, 3, strides=2, output_padding=2), "smaller than strides"),
    (lambda: Conv1DTranspose(2, 3)(torch.zeros(2, 5)), r"rank 3 \(batch, ..., channels\)"),
])
def test_bad_arguments_are_rejected_clearly(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()
