"""Pooling: windows as Keras counts them, padded cells never counted, masks in the average."""
import pytest
import torch

from rnnkit.layers import (AveragePooling1D, Embedding, GlobalAveragePooling1D,
                           GlobalMaxPooling1D, MaxPooling1D, MaxPooling2D)


def test_max_pooling1d_takes_the_max_of_each_window_per_channel():
    x = torch.tensor([[[1.0, 0.0], [3.0, -1.0], [2.0, 5.0], [0.0, 4.0], [9.0, 9.0]]])
    assert MaxPooling1D(2)(x).tolist() == [[[3.0, 0.0], [2.0, 5.0]]]    # last step dropped


def test_same_average_pooling_does_not_count_the_padded_cells():
    x = torch.tensor([[[2.0], [4.0], [6.0]]])
    y = AveragePooling1D(2, padding="same")(x)                 # windows [2, 4], [6, pad]
    assert y.flatten().tolist() == [3.0, 6.0]


def test_same_max_pooling_never_picks_a_padded_cell():
    x = -torch.ones(1, 3, 1)
    assert MaxPooling1D(2, padding="same")(x).flatten().tolist() == [-1.0, -1.0]


def test_max_pooling2d_halves_height_and_width():
    assert MaxPooling2D()(torch.randn(2, 6, 4, 3)).shape == (2, 3, 2, 3)


def test_global_average_pooling_with_a_mask_averages_the_real_steps_only():
    emb = Embedding(10, 3, mask_zero=True)
    ids = torch.tensor([[4, 5, 0, 0], [1, 2, 3, 6]])
    x, mask = emb(ids), emb.compute_mask(ids, None)
    y = GlobalAveragePooling1D()(x, mask=mask)
    torch.testing.assert_close(y[0], x[0, :2].mean(dim=0))
    torch.testing.assert_close(y[1], x[1].mean(dim=0))
    assert GlobalAveragePooling1D().compute_mask(x, mask) is None


def test_global_average_pooling_of_a_row_with_no_real_step_is_zero_not_nan():
    y = GlobalAveragePooling1D()(torch.ones(2, 3, 2), mask=torch.tensor([[0, 0, 0], [1, 0, 0]])
                                 .bool())
    assert y.tolist() == [[0.0, 0.0], [1.0, 1.0]]


def test_global_max_pooling_ignores_the_mask_as_keras_3_does():
    x = torch.tensor([[[1.0], [7.0]]])
    assert GlobalMaxPooling1D()(x, mask=torch.tensor([[True, False]])).item() == 7.0
    assert GlobalMaxPooling1D().compute_mask(x, torch.tensor([[True, False]])) is None


@pytest.mark.parametrize("make,match", [
    (lambda: MaxPooling1D(0), "pool_size must be a positive integer"),
    (lambda: MaxPooling1D(2, padding="causal"), "padding must be one of 'valid', 'same'"),
    (lambda: MaxPooling2D((2, 2, 2)), "tuple of 2 positive integers"),
    (lambda: GlobalAveragePooling1D(data_format="NTC"), "data_format must be"),
    (lambda: MaxPooling1D()(torch.zeros(2, 5)), r"\(batch, time, channels\), got shape \(2, 5\)"),
    (lambda: MaxPooling1D(5)(torch.zeros(2, 3, 1)), r"needs at least 5 steps per axis"),
])
def test_bad_arguments_and_inputs_are_rejected_clearly(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()
