"""to_categorical: Keras's one-hot encoding, with errors instead of silent wrap-around."""


import numpy as np
import pytest

from rnnkit.utils.np_utils import to_categorical


def test_to_categorical_one_hot_encodes_labels_as_float32():
    encoded = to_categorical([0, 2, 1])
    np.testing.assert_array_equal(encoded, [[1, 0, 0], [0, 0, 1], [0, 1, 0]])
    assert encoded.dtype == np.float32


def test_num_classes_sets_the_width():
    np.testing.assert_array_equal(to_categorical([1], num_classes=4), [[0, 1, 0, 0]])


def test_a_trailing_axis_of_size_one_is_dropped():
    assert to_categorical([[0], [1], [2]]).shape == (3, 3)
    encoded = to_categorical([[0, 1], [2, 0]])
    np.testing.assert_array_equal(encoded, [[[1, 0, 0], [0, 1, 0]],
                                            [[0, 0, 1], [1, 0, 0]]])


def test_a_scalar_label_gives_one_row_and_dtype_is_honoured():
    encoded = to_categorical(2, num_classes=3, dtype="int64")
    np.testing.assert_array_equal(encoded, [0, 0, 1])
    assert encoded.dtype == np.int64


def test_integral_floats_are_labels():
    np.testing.assert_array_equal(to_categorical(np.array([1.0, 0.0])), [[0, 1], [1, 0]])


def test_empty_labels_with_num_classes_give_an_empty_matrix():
    assert to_categorical([], num_classes=3).shape == (0, 3)


def test_negative_labels_are_rejected():
    with pytest.raises(ValueError, match=r"labels >= 0, got -1"):
        to_categorical([0, -1])


def test_labels_at_or_above_num_classes_are_rejected():
    with pytest.raises(ValueError, match=r"label 3 with num_classes=3.*num_classes=4"):
        to_categorical([0, 3], num_classes=3)


@pytest.mark.parametrize("labels", [[0.5, 1.0], ["cat", "dog"]])
def test_labels_that_are_not_integers_are_rejected(labels):
    with pytest.raises(TypeError, match=r"integer class labels"):
        to_categorical(labels)


@pytest.mark.parametrize("num_classes", [0, -3, 2.5, True])
def test_num_classes_must_be_a_positive_int(num_classes):
    with pytest.raises(ValueError, match=r"positive int or None"):
        to_categorical([0], num_classes=num_classes)


def test_empty_labels_without_num_classes_ask_for_num_classes():
    with pytest.raises(ValueError, match=r"pass num_classes"):
        to_categorical([])
