import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.layers import Normalization, TextVectorization
from rnnkit.layers.registry import deserialize, serialize
from rnnkit.utils import Dataset

ORACLE = np.load(Path(__file__).parents[1] / "fixtures" / "keras" / "preprocessing.npz")
TEXTS = ["The cat sat.", "The dog sat!", "A cat, a dog; a bird."]


def test_adapt_ranks_tokens_by_count_then_reverse_alphabetically_after_pad_and_oov():
    layer = TextVectorization()
    layer.adapt(TEXTS)
    # a: 3; cat, dog, sat, the: 2 (ties in reverse order, as Keras's lexsort[::-1]); bird: 1
    assert layer.get_vocabulary() == ["", "[UNK]", "a", "the", "sat", "dog", "cat", "bird"]
    assert layer.get_vocabulary(include_special_tokens=False)[0] == "a"


def test_int_output_pads_with_zero_and_maps_unknown_words_to_one():
    layer = TextVectorization(max_tokens=5, output_sequence_length=4)
    layer.adapt(TEXTS)                                   # keeps '', [UNK], a, the, sat
    ids = layer(["The CAT sat", "a a a a a a"])
    assert ids.dtype == torch.long
    assert ids.tolist() == [[3, 1, 4, 0], [2, 2, 2, 2]]


def test_without_a_sequence_length_ids_pad_to_the_longest_text():
    layer = TextVectorization(vocabulary=["x", "y"])
    assert layer(np.array([["x"], ["y x y"]])).tolist() == [[2, 0, 0], [3, 2, 3]]


def test_multi_hot_count_and_tf_idf_outputs():
    texts = ["a b", "a c"]
    hot = TextVectorization(output_mode="multi_hot")
    hot.adapt(texts)
    assert hot.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    assert hot(["b b z"]).tolist() == [[1, 0, 0, 1]]
    count = TextVectorization(output_mode="count", vocabulary=hot.get_vocabulary())
    assert count(["b b z"]).tolist() == [[1, 0, 0, 2]]
    tfidf = TextVectorization(output_mode="tf_idf")
    tfidf.adapt(texts)
    idf_a, idf_b = np.log(1 + 2 / 3), np.log(1 + 2 / 2)   # log(1 + N / (1 + docs with t))
    oov = np.mean([idf_a, idf_b, idf_b])                  # OOV gets the mean idf
    np.testing.assert_allclose(tfidf(["a b b z"]).numpy(), [[oov, idf_a, 0, 2 * idf_b]],
                               rtol=1e-6)


def test_ngrams_add_joined_word_pairs_after_the_words():
    layer = TextVectorization(ngrams=2, split="whitespace", standardize=None)
    assert layer.tokens("x y z") == ["x", "y", "z", "x y", "y z"]


def test_adapt_reads_a_dataset_of_text_batches():
    layer = TextVectorization()
    layer.adapt(Dataset.from_tensor_slices(np.array(TEXTS, dtype=object)).batch(2))
    assert "bird" in layer.get_vocabulary()


def test_the_vocabulary_survives_a_config_round_trip_through_json():
    layer = TextVectorization(max_tokens=6, output_sequence_length=3, output_mode="int")
    layer.adapt(TEXTS)
    copy = deserialize(json.loads(json.dumps(serialize(layer))))
    assert copy.get_vocabulary() == layer.get_vocabulary()
    assert torch.equal(copy(TEXTS), layer(TEXTS))


def test_a_function_standardizer_is_named_in_the_config_and_refuses_to_load():
    def shout(text):
        return text.upper()
    config = TextVectorization(standardize=shout).get_config()
    assert config["standardize"] == {"function": "shout"}
    with pytest.raises(ValueError, match="custom standardize function 'shout'.*never holds code"):
        TextVectorization.from_config(config)


def test_a_vocabulary_file_gives_one_token_a_line(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("cat\ndog\n")
    assert TextVectorization(vocabulary=str(path)).get_vocabulary() == ["", "[UNK]", "cat", "dog"]


def test_bad_arguments_say_what_is_accepted():
    with pytest.raises(ValueError, match="output_mode must be 'int'.*got 'ids'"):
        TextVectorization(output_mode="ids")
    with pytest.raises(ValueError, match="batch of strings of shape \\(batch,\\)"):
        TextVectorization()(np.array([["a", "b"]]))


@pytest.mark.parametrize("name, axis", [("last", -1), ("time_and_features", (1, 2)),
                                        ("none", None)])
def test_normalization_adapt_matches_keras(name, axis):
    layer = Normalization(axis=axis)
    layer.adapt(ORACLE["x"])
    np.testing.assert_allclose(layer(ORACLE["x"]).numpy(), ORACLE[f"{name}/y"], atol=1e-5)
    mean, variance, count = layer.get_weights()          # Keras's order; Keras 3 leaves count 0
    np.testing.assert_allclose(mean, ORACLE[f"{name}/w0"], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(variance, ORACLE[f"{name}/w1"], rtol=1e-5)
    assert count == ORACLE["x"].size // max(mean.size, 1)
    assert layer.count_params() == 2 * mean.size + 1        # as Keras's summary counts them


def test_normalization_with_given_statistics_inverts_as_keras():
    layer = Normalization(mean=[1.0, 2.0, 3.0], variance=[4.0, 1.0, 0.25], invert=True)
    np.testing.assert_allclose(layer(torch.as_tensor(ORACLE["x"])).numpy(), ORACLE["invert/y"],
                               atol=1e-5)


def test_normalization_statistics_survive_config_and_state_dict():
    layer = Normalization()
    layer.adapt(ORACLE["x"])
    copy = deserialize(json.loads(json.dumps(serialize(layer))))
    torch.testing.assert_close(copy(ORACLE["x"]), layer(ORACLE["x"]))
    fresh = Normalization()
    fresh.load_state_dict(layer.state_dict())
    torch.testing.assert_close(fresh(ORACLE["x"]), layer(ORACLE["x"]))


def test_normalization_before_adapt_says_what_to_do():
    with pytest.raises(RuntimeError, match="call adapt"):
        Normalization()(np.zeros((2, 3)))
