"""Tokenizer and friends: golden values derived by hand from Keras's legacy text rules."""

import json
from collections import OrderedDict

import numpy as np
import pytest

from rnnkit.preprocessing.sequence import pad_sequences
from rnnkit.preprocessing.text import (
    Tokenizer,
    hashing_trick,
    one_hot,
    text_to_word_sequence,
    tokenizer_from_json,
)

# Counts in order of first appearance: b 2, a 1, c 3, d 1.
# Ranked by count, ties by first appearance: c (3), b (2), a (1), d (1).
TEXTS = ["b a c", "c b", "d c"]


def fitted(texts=TEXTS, **kwargs):
    tokenizer = Tokenizer(**kwargs)
    tokenizer.fit_on_texts(texts)
    return tokenizer


def test_text_to_word_sequence_lowers_filters_punctuation_and_splits():
    assert text_to_word_sequence("Hello, World!\tIt's\nok") == ["hello", "world", "it's", "ok"]
    assert text_to_word_sequence("A B", lower=False) == ["A", "B"]
    assert text_to_word_sequence("a;b", filters="", split=";") == ["a", "b"]


def test_word_index_orders_words_by_count_then_first_appearance():
    tokenizer = fitted()
    assert tokenizer.word_counts == OrderedDict([("b", 2), ("a", 1), ("c", 3), ("d", 1)])
    assert list(tokenizer.word_counts) == ["b", "a", "c", "d"]
    assert tokenizer.word_index == {"c": 1, "b": 2, "a": 3, "d": 4}
    assert tokenizer.index_word == {1: "c", 2: "b", 3: "a", 4: "d"}
    assert tokenizer.document_count == 3


def test_word_docs_and_index_docs_count_documents_not_occurrences():
    tokenizer = fitted(["b a c c", "c b", "d"])          # c: 3 occurrences in 2 documents
    assert tokenizer.word_index == {"c": 1, "b": 2, "a": 3, "d": 4}
    assert dict(tokenizer.word_docs) == {"b": 2, "a": 1, "c": 2, "d": 1}
    assert dict(tokenizer.index_docs) == {1: 2, 2: 2, 3: 1, 4: 1}


def test_oov_token_takes_index_one():
    tokenizer = fitted(oov_token="<unk>")
    assert tokenizer.word_index == {"<unk>": 1, "c": 2, "b": 3, "a": 4, "d": 5}
    assert tokenizer.texts_to_sequences(["c e b"]) == [[2, 1, 3]]


def test_unknown_words_vanish_without_oov_token():
    assert fitted().texts_to_sequences(["c e b", "e e"]) == [[1, 2], []]


def test_num_words_drops_rare_words_from_sequences_not_from_word_index():
    tokenizer = fitted(num_words=3)                       # keeps indices 1, 2: c, b
    assert tokenizer.word_index == {"c": 1, "b": 2, "a": 3, "d": 4}
    assert tokenizer.texts_to_sequences(["a b c d"]) == [[2, 1]]


def test_num_words_counts_the_oov_token_and_maps_dropped_words_to_it():
    tokenizer = fitted(num_words=3, oov_token="<unk>")    # keeps indices 1, 2: <unk>, c
    assert tokenizer.texts_to_sequences(["a b c d e"]) == [[1, 1, 2, 1, 1]]


def test_seed_002_program_gives_the_sequences_and_padding_keras_gives():
    texts = ["I love deep learning", "Deep learning is fun", "Machine learning is boring"]
    tokenizer = Tokenizer(num_words=1000)
    tokenizer.fit_on_texts(texts)
    # learning 3; deep 2, is 2 (deep seen first); then the 1-count words in order of appearance.
    assert tokenizer.word_index == {"learning": 1, "deep": 2, "is": 3, "i": 4, "love": 5,
                                    "fun": 6, "machine": 7, "boring": 8}
    sequences = tokenizer.texts_to_sequences(texts)
    assert sequences == [[4, 5, 2, 1], [2, 1, 3, 6], [7, 1, 3, 8]]
    data = pad_sequences(sequences, maxlen=10)
    expected = np.array([[0, 0, 0, 0, 0, 0, 4, 5, 2, 1],
                         [0, 0, 0, 0, 0, 0, 2, 1, 3, 6],
                         [0, 0, 0, 0, 0, 0, 7, 1, 3, 8]], dtype=np.int32)
    np.testing.assert_array_equal(data, expected)
    assert data.dtype == np.int32


def test_fit_on_texts_accumulates_counts_across_calls():
    tokenizer = fitted(["a"])
    tokenizer.fit_on_texts(["b b"])
    assert tokenizer.word_index == {"b": 1, "a": 2}
    assert tokenizer.document_count == 2


def test_fit_on_texts_accepts_a_generator():
    tokenizer = Tokenizer()
    tokenizer.fit_on_texts(text for text in TEXTS)
    assert tokenizer.word_index == {"c": 1, "b": 2, "a": 3, "d": 4}


def test_char_level_treats_each_character_as_a_token():
    tokenizer = fitted(["abcA"], char_level=True)         # a 2, b 1, c 1 after lowering
    assert tokenizer.word_index == {"a": 1, "b": 2, "c": 3}
    assert tokenizer.texts_to_sequences(["cab"]) == [[3, 1, 2]]


def test_a_list_of_tokens_is_used_as_is_apart_from_lowering():
    tokenizer = fitted([["Hello", "world!"], ["world!"]])
    assert tokenizer.word_index == {"world!": 1, "hello": 2}
    assert tokenizer.texts_to_sequences([["HELLO", "world!"]]) == [[2, 1]]


def test_texts_to_sequences_generator_yields_one_sequence_at_a_time():
    generator = fitted().texts_to_sequences_generator(["c", "d b"])
    assert next(generator) == [1]
    assert next(generator) == [4, 2]


def test_sequences_to_texts_inverts_texts_to_sequences_up_to_case_and_punctuation():
    tokenizer = fitted(["The cat sat.", "the dog"])
    sequences = tokenizer.texts_to_sequences(["The CAT sat!"])
    assert tokenizer.sequences_to_texts(sequences) == ["the cat sat"]
    assert list(tokenizer.sequences_to_texts_generator(sequences)) == ["the cat sat"]


def test_sequences_to_texts_drops_padding_and_indices_past_num_words():
    assert fitted(num_words=3).sequences_to_texts([[0, 1, 2, 3, 4]]) == ["c b"]
    with_oov = fitted(num_words=3, oov_token="<unk>")     # <unk> 1, c 2, b 3
    assert with_oov.sequences_to_texts([[2, 3, 9]]) == ["c <unk> <unk>"]


@pytest.mark.parametrize("mode, row", [
    ("binary", [0, 1, 1, 0, 0]),
    ("count", [0, 2, 1, 0, 0]),
    ("freq", [0, 2 / 3, 1 / 3, 0, 0]),
    # tf = 1 + ln(count), idf = ln(1 + 3 documents / (1 + documents with the word)):
    # c (index 1) twice, in 3 documents; b (index 2) once, in 2 documents.
    ("tfidf", [0, (1 + np.log(2)) * np.log(1 + 3 / 4), 1 * np.log(1 + 3 / 3), 0, 0]),
])
def test_texts_to_matrix_scores_each_mode(mode, row):
    matrix = fitted().texts_to_matrix(["c c b", "e"], mode=mode)
    np.testing.assert_allclose(matrix, [row, [0, 0, 0, 0, 0]])
    assert matrix.shape == (2, 5)                          # len(word_index) + 1 columns


def test_sequences_to_matrix_has_num_words_columns_and_ignores_higher_indices():
    matrix = Tokenizer(num_words=3).sequences_to_matrix([[1, 2, 5, 2]], mode="count")
    np.testing.assert_array_equal(matrix, [[0, 1, 2]])


def test_fit_on_sequences_gives_document_frequencies_for_tfidf():
    tokenizer = Tokenizer(num_words=3)
    tokenizer.fit_on_sequences([[1, 1, 2], [2]])
    assert tokenizer.document_count == 2
    assert dict(tokenizer.index_docs) == {1: 1, 2: 2}
    matrix = tokenizer.sequences_to_matrix([[1, 1]], mode="tfidf")
    np.testing.assert_allclose(matrix, [[0, (1 + np.log(2)) * np.log(1 + 2 / 2), 0]])


def test_get_config_has_keras_keys():
    assert set(fitted().get_config()) == {
        "num_words", "filters", "lower", "split", "char_level", "oov_token", "document_count",
        "word_counts", "word_docs", "index_docs", "index_word", "word_index"}


def test_to_json_round_trips():
    tokenizer = fitted(num_words=3, oov_token="<unk>")
    restored = tokenizer_from_json(tokenizer.to_json())
    assert restored.get_config() == tokenizer.get_config()
    assert restored.word_index == tokenizer.word_index
    assert restored.index_word == tokenizer.index_word     # int keys again
    assert list(restored.word_counts.items()) == list(tokenizer.word_counts.items())
    assert restored.index_docs == tokenizer.index_docs
    texts = ["a b c d e", "c"]
    assert restored.texts_to_sequences(texts) == tokenizer.texts_to_sequences(texts)
    # The restored tokenizer keeps learning, like the original.
    restored.fit_on_texts(["d d d d"])
    tokenizer.fit_on_texts(["d d d d"])
    assert restored.word_index == tokenizer.word_index


def test_tokenizer_from_json_reads_what_keras_writes():
    keras_json = json.dumps({"class_name": "Tokenizer", "config": {
        "num_words": None, "filters": '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n', "lower": True,
        "split": " ", "char_level": False, "oov_token": None, "document_count": 2,
        "word_counts": '{"b": 2, "a": 1, "c": 2}',
        "word_docs": '{"b": 2, "a": 1, "c": 2}',
        "index_docs": '{"1": 2, "3": 1, "2": 2}',
        "index_word": '{"1": "b", "2": "c", "3": "a"}',
        "word_index": '{"b": 1, "c": 2, "a": 3}'}})
    tokenizer = tokenizer_from_json(keras_json)
    assert tokenizer.word_index == fitted(["b a c", "c b"]).word_index
    assert tokenizer.index_word == {1: "b", 2: "c", 3: "a"}
    assert tokenizer.texts_to_sequences(["a b c"]) == [[3, 1, 2]]


def test_repr_shows_the_arguments_that_differ_from_defaults():
    assert repr(Tokenizer()) == "Tokenizer()"
    assert repr(Tokenizer(num_words=1000, oov_token="<OOV>")) == \
        "Tokenizer(num_words=1000, oov_token='<OOV>')"


def test_hashing_trick_with_md5_is_stable_and_in_range():
    assert hashing_trick("The cat, the", n=100, hash_function="md5") == [51, 3, 51]
    indices = one_hot("a b c d e f", n=5)
    assert len(indices) == 6 and all(1 <= i <= 4 for i in indices)


# -- errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["fit_on_texts", "texts_to_sequences", "texts_to_matrix",
                                    "texts_to_sequences_generator"])
def test_a_single_str_raises_type_error_saying_to_wrap_it_in_a_list(method):
    with pytest.raises(TypeError, match=r"Wrap it in a list"):
        getattr(fitted(), method)("c b")


def test_items_that_are_not_str_raise_type_error_naming_the_item():
    with pytest.raises(TypeError, match=r"item 1 is int"):
        Tokenizer().fit_on_texts(["a", 3])
    with pytest.raises(TypeError, match=r"list of str"):
        Tokenizer().fit_on_texts(42)


@pytest.mark.parametrize("num_words", [0, -1, 2.5, "10", True])
def test_num_words_must_be_a_positive_int_or_none(num_words):
    with pytest.raises(ValueError, match=r"positive int or None"):
        Tokenizer(num_words=num_words)


def test_using_an_unfitted_tokenizer_says_to_fit_first():
    with pytest.raises(ValueError, match=r"fit_on_texts"):
        Tokenizer(oov_token="<unk>").texts_to_sequences(["a"])
    with pytest.raises(ValueError, match=r"num_words"):
        Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match=r"tfidf"):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")


def test_a_flat_list_of_ints_for_sequences_raises_type_error_saying_to_wrap_it():
    with pytest.raises(TypeError, match=r"wrap it in a list"):
        fitted().sequences_to_texts([1, 2, 3])
    with pytest.raises(TypeError, match=r"wrap it in a list"):
        Tokenizer(num_words=3).sequences_to_matrix([1, 2])


def test_unknown_matrix_mode_lists_the_available_modes():
    with pytest.raises(ValueError, match=r"Available: binary, count, tfidf, freq"):
        fitted().texts_to_matrix(["a"], mode="onehot")


def test_tokenizer_from_json_rejects_other_classes():
    with pytest.raises(ValueError, match=r"class_name 'Tokenizer'"):
        tokenizer_from_json('{"class_name": "Sequential", "config": {}}')
