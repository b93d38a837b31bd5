"""pad_sequences: golden arrays derived by hand from Keras's rules, and one property."""


import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnnkit.preprocessing.sequence import pad_sequences

SEQUENCES = [[1], [2, 3], [4, 5, 6]]


def assert_array(actual, expected, dtype=np.int32):
    np.testing.assert_array_equal(actual, np.array(expected, dtype=dtype))
    assert isinstance(actual, np.ndarray) and actual.dtype == dtype


def test_pad_sequences_pre_pads_and_pre_truncates_by_default():
    assert_array(pad_sequences(SEQUENCES), [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    assert_array(pad_sequences(SEQUENCES, maxlen=2), [[0, 1], [2, 3], [5, 6]])


def test_pad_sequences_post_pads_and_post_truncates():
    assert_array(pad_sequences(SEQUENCES, maxlen=2, padding="post", truncating="post"),
                 [[1, 0], [2, 3], [4, 5]])


def test_pad_sequences_padding_and_truncating_sides_are_independent():
    assert_array(pad_sequences(SEQUENCES, maxlen=2, padding="post"), [[1, 0], [2, 3], [5, 6]])
    assert_array(pad_sequences(SEQUENCES, maxlen=2, truncating="post"), [[0, 1], [2, 3], [4, 5]])


def test_pad_sequences_pads_with_value_and_keeps_longer_maxlen():
    assert_array(pad_sequences(SEQUENCES, maxlen=4, value=-1),
                 [[-1, -1, -1, 1], [-1, -1, 2, 3], [-1, 4, 5, 6]])


def test_empty_sequence_gives_an_all_padding_row():
    assert_array(pad_sequences([[], [1, 2]], value=-1), [[-1, -1], [1, 2]])
    assert_array(pad_sequences([[]], maxlen=3), [[0, 0, 0]])
    assert pad_sequences([[], []]).shape == (2, 0)
    assert pad_sequences([]).shape == (0, 0)


def test_sequences_of_vectors_take_the_sample_shape_from_the_first_non_empty_sequence():
    sequences = [[], [[1, 2], [3, 4], [5, 6]], [[7, 8]]]
    padded = pad_sequences(sequences, maxlen=2, dtype="float32")
    assert_array(padded, [[[0, 0], [0, 0]],
                          [[3, 4], [5, 6]],
                          [[0, 0], [7, 8]]], dtype=np.float32)


def test_float_dtype_keeps_fractions_and_can_pad_with_nan():
    padded = pad_sequences([[0.5, 1.5]], maxlen=3, dtype="float64", value=np.nan)
    np.testing.assert_array_equal(padded, [[np.nan, 0.5, 1.5]])


def test_str_tokens_pad_with_object_dtype():
    padded = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert padded.tolist() == [["a", "b"], ["<pad>", "c"]]


def test_integral_float_value_is_fine_with_an_int_dtype():
    assert_array(pad_sequences([[1]], maxlen=2, value=-1.0), [[-1, 1]])


def test_numpy_arrays_tuples_and_generators_are_accepted():
    rows = np.array([[1, 2, 3], [4, 5, 6]])
    assert_array(pad_sequences(rows, maxlen=2), [[2, 3], [5, 6]])
    assert_array(pad_sequences(((1,), (2, 3))), [[0, 1], [2, 3]])
    assert_array(pad_sequences(list(s) for s in SEQUENCES), [[0, 0, 1], [0, 2, 3], [4, 5, 6]])
    assert_array(pad_sequences([[1, 2]], dtype=np.int64), [[1, 2]], dtype=np.int64)


@settings(max_examples=200, deadline=None)
@given(sequences=st.lists(st.lists(st.integers(1, 1000), max_size=12), max_size=8),
       maxlen=st.integers(1, 10), padding=st.sampled_from(["pre", "post"]),
       truncating=st.sampled_from(["pre", "post"]))
def test_stripping_the_padding_gives_back_each_sequence_cut_to_maxlen(
        sequences, maxlen, padding, truncating):
    padded = pad_sequences(sequences, maxlen=maxlen, padding=padding, truncating=truncating)
    assert padded.shape == (len(sequences), maxlen)
    for row, seq in zip(padded.tolist(), sequences):
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        n_pad = maxlen - len(kept)
        if padding == "pre":
            assert row[n_pad:] == kept and row[:n_pad] == [0] * n_pad
        else:
            assert row[:len(kept)] == kept and row[len(kept):] == [0] * n_pad


# -- errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [{"padding": "middle"}, {"truncating": "both"}])
def test_padding_and_truncating_must_be_pre_or_post(kwargs):
    with pytest.raises(ValueError, match=r"'pre' or 'post'"):
        pad_sequences(SEQUENCES, **kwargs)


def test_a_flat_list_of_ints_says_to_wrap_it_in_a_list():
    with pytest.raises(ValueError, match=r"item 0 is int 1.*wrap it in a list"):
        pad_sequences([1, 2, 3])
    with pytest.raises(ValueError, match=r"list of sequences"):
        pad_sequences(7)


def test_raw_text_says_to_tokenize_first():
    with pytest.raises(ValueError, match=r"texts_to_sequences"):
        pad_sequences(["a text"])


def test_inconsistent_inner_shapes_are_rejected():
    with pytest.raises(ValueError, match=r"sequence 1 have shape \(3,\).*\(2,\)"):
        pad_sequences([[[1, 2]], [[1, 2, 3]]])
    with pytest.raises(ValueError, match=r"sequence 0 have different shapes"):
        pad_sequences([[[1, 2], [3]]])


@pytest.mark.parametrize("maxlen", [0, -2, 2.5, "3", True])
def test_maxlen_must_be_a_positive_int(maxlen):
    with pytest.raises(ValueError, match=r"positive int or None"):
        pad_sequences(SEQUENCES, maxlen=maxlen)


def test_str_value_needs_object_dtype():
    with pytest.raises(ValueError, match=r"dtype=object"):
        pad_sequences([["a"]], maxlen=2, value="<pad>")


@pytest.mark.parametrize("value", [0.5, np.nan])
def test_non_integral_float_value_with_an_int_dtype_is_rejected(value):
    with pytest.raises(ValueError, match=r"float dtype"):
        pad_sequences(SEQUENCES, value=value)
