"""Merge layers: Keras's arithmetic, broadcasting, mask rules and functional forms."""
import pytest
import torch

from rnnkit.layers import (Add, Concatenate, Dot, Maximum, Multiply, Subtract, add, average,
                           concatenate, dot, maximum, minimum, multiply, subtract)

a, b = torch.randn(2, 3, 4), torch.randn(2, 3, 4)
m_a = torch.tensor([[True, True, False], [True, False, False]])
m_b = torch.tensor([[True, False, False], [True, True, False]])


@pytest.mark.parametrize("fn,expected", [
    (add, a + b), (subtract, a - b), (multiply, a * b), (average, (a + b) / 2),
    (maximum, torch.maximum(a, b)), (minimum, torch.minimum(a, b)),
    (concatenate, torch.cat([a, b], dim=-1)),
])
def test_functional_forms_compute_the_merge(fn, expected):
    torch.testing.assert_close(fn([a, b]), expected)


def test_an_input_of_lower_rank_broadcasts_after_the_batch_axis():
    bias = torch.randn(2, 4)
    torch.testing.assert_close(Add()([a, bias]), a + bias[:, None, :])
    assert Add().compute_output_shape([(None, 3, 4), (None, 4)]) == (None, 3, 4)


def test_the_merged_mask_is_the_or_of_the_masks_and_none_if_one_is_missing():
    assert Add().compute_mask([a, b], [m_a, m_b]).tolist() == (m_a | m_b).tolist()
    assert Add().compute_mask([a, b], [m_a, None]) is None


def test_maximum_takes_the_other_input_where_one_is_masked():
    y = Maximum()([a, b], mask=[m_a, m_b])
    torch.testing.assert_close(y[0, 1], a[0, 1])                   # b masked: a alone
    torch.testing.assert_close(y[1, 1], b[1, 1])                   # a masked: b alone
    torch.testing.assert_close(y[0, 0], torch.maximum(a[0, 0], b[0, 0]))


def test_multiply_with_masks_counts_a_masked_input_as_one_and_zeroes_steps_masked_in_all():
    y = Multiply()([a, b], mask=[m_a, m_b])
    torch.testing.assert_close(y[0, 1], a[0, 1])
    assert torch.all(y[:, 2] == 0)


def test_concatenate_joins_three_inputs_of_mixed_dtypes():
    y = concatenate([a[:, 0], b[:, 0], torch.ones(2, 1, dtype=torch.float64)])
    assert y.shape == (2, 9) and y.dtype == torch.float64


def test_concatenate_along_time_joins_the_masks_too():
    layer = Concatenate(axis=1)
    y = layer([a, b])
    assert y.shape == (2, 6, 4)
    assert layer.compute_mask([a, b], [m_a, None]).tolist() == [
        [True, True, False, True, True, True], [True, False, False, True, True, True]]
    assert layer.compute_output_shape([(None, 3, 4), (None, None, 4)]) == (None, None, 4)


def test_dot_on_the_feature_axes_gives_attention_scores():
    q, k = torch.randn(2, 5, 4), torch.randn(2, 3, 4)
    torch.testing.assert_close(Dot(axes=(2, 2))([q, k]), q @ k.transpose(1, 2))
    cos = dot([q[:, 0], q[:, 0]], axes=1, normalize=True)
    torch.testing.assert_close(cos, torch.ones(2, 1))


@pytest.mark.parametrize("make,match", [
    (lambda: Add()(a), r"merges a list of tensors, such as Add\(\)\(\[a, b\]\)"),
    (lambda: Subtract()([a, b, a]), "takes exactly 2 inputs, got 3"),
    (lambda: Add()([a, torch.randn(2, 3, 5)]), r"same shape .*\('batch', 3, 5\)"),
    (lambda: Add()([a, torch.randn(3, 3, 4)]), "different batch sizes"),
    (lambda: Concatenate()([a, torch.randn(2, 4, 4)]), "same sizes on every axis but axis=-1"),
    (lambda: Concatenate(axis="1"), "axis must be an integer"),
    (lambda: Dot(axes=(1, 2, 3)), "integer or a pair"),
    (lambda: Dot(axes=0)([a, b]), "batch axis"),
    (lambda: Dot(axes=1)([a, b[:, :2]]), "product axes must have the same size"),
    (lambda: Add()([a, b], mask=[m_a]), "one mask per input"),
])
def test_bad_arguments_and_inputs_are_rejected_clearly(make, match):
    with pytest.raises((ValueError, TypeError), match=match):
        make()
