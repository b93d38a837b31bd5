"""StringLookup, IntegerLookup and CategoryEncoding: Keras's index layout and modes."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from rnnkit.layers import (CategoryEncoding, Dense, Embedding, Identity, Input, IntegerLookup,
                           Rescaling, StringLookup)
from rnnkit.models import Model, load_model


def test_string_lookup_puts_oov_first_and_the_mask_before_it():
    plain = StringLookup(vocabulary=["a", "b"])
    assert plain.get_vocabulary() == ["[UNK]", "a", "b"]
    masked = StringLookup(vocabulary=["a", "b"], mask_token="")
    assert masked.get_vocabulary() == ["", "[UNK]", "a", "b"]
    assert masked(np.array([["a", "", "zz"]])).tolist() == [[2, 0, 1]]


def test_adapt_ranks_by_count_and_breaks_ties_as_keras_does():
    layer = StringLookup()
    layer.adapt(np.array(["b", "a", "c", "a", "c", "d"]))
    assert layer.get_vocabulary() == ["[UNK]", "c", "a", "d", "b"]   # ties: larger first


def test_invert_maps_indices_back_to_tokens():
    ids = StringLookup(vocabulary=list("abc"), mask_token=None)
    back = StringLookup(vocabulary=ids.get_vocabulary(), invert=True, mask_token=None)
    encoded = ids(np.array([["c", "a", "?"]]))
    assert back(encoded).tolist() == [["c", "a", "[UNK]"]]


def test_output_modes_encode_the_indices():
    layer = StringLookup(vocabulary=["a", "b"], output_mode="count")
    assert layer(np.array([["a", "a", "b"]])).tolist() == [[0.0, 2.0, 1.0]]
    one_hot = StringLookup(vocabulary=["a", "b"], output_mode="one_hot")
    assert one_hot(np.array(["b"])).tolist() == [[0.0, 0.0, 1.0]]


def test_integer_lookup_uses_minus_one_as_its_oov_token():
    layer = IntegerLookup(vocabulary=[7, 3])
    assert layer.get_vocabulary() == [-1, 7, 3]
    assert layer(torch.tensor([[3, 7, 5]])).tolist() == [[2, 1, 0]]


def test_a_string_lookup_model_trains_and_reloads(tmp_path):
    words = np.array([["good", "film"], ["bad", "film"], ["good", "plot"], ["bad", "plot"]])
    lookup = StringLookup(vocabulary=["good", "bad", "film", "plot"])
    inputs = Input(shape=(2,), dtype="string")
    x = Embedding(lookup.vocabulary_size(), 4)(lookup(inputs))
    model = Model(inputs, Dense(1, activation="sigmoid")(x[:, 0]))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(words, np.array([1.0, 0.0, 1.0, 0.0]), epochs=2, verbose=0)
    model.save(tmp_path / "m")
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(words, verbose=0),
                               model.predict(words, verbose=0), rtol=1e-6)


def test_category_encoding_and_its_range_check():
    enc = CategoryEncoding(num_tokens=4, output_mode="count")
    assert enc(torch.tensor([[1, 1, 3]])).tolist() == [[0.0, 2.0, 0.0, 1.0]]
    with pytest.raises(ValueError, match=r"values must be in \[0, 4\)"):
        enc(torch.tensor([[5]]))


def test_identity_and_rescaling():
    x = torch.tensor([[0.0, 255.0]])
    assert torch.equal(Identity()(x), x)
    assert Rescaling(1 / 255, offset=-0.5)(x).tolist() == [[-0.5, 0.5]]


@pytest.mark.parametrize("make,match", [
    (lambda: StringLookup(output_mode="tf_idf"), "output_mode must be one of"),
    (lambda: StringLookup(vocabulary=["a", "a"]), "repeats"),
    (lambda: StringLookup(invert=True, output_mode="count"), "must be 'int'"),
    (lambda: StringLookup(num_oov_indices=-1), "integer >= 0"),
])
def test_bad_arguments_say_what_was_expected(make, match):
    with pytest.raises(ValueError, match=match):
        make()


KERAS = json.loads((Path(__file__).parents[1] / "fixtures" / "keras" / "lookup.json")
                   .read_text())
LOOKUPS = {"string": StringLookup, "integer": IntegerLookup}


@pytest.mark.parametrize("name", [k for k in KERAS if not k.startswith("category")])
def test_lookup_vocabulary_and_output_equal_keras(name):
    case = KERAS[name]
    cls = LOOKUPS[name.split("_")[0]]
    layer = cls(**case["kwargs"], vocabulary=case["vocabulary"])
    if case["adapt"] is not None:
        layer.adapt(np.array(case["adapt"]))
    assert layer.get_vocabulary() == case["keras_vocabulary"]
    query = np.array(case["query"])
    out = layer(query if cls is StringLookup else torch.as_tensor(query))
    np.testing.assert_array_equal(np.asarray(out), np.array(case["output"]))
    if "inverted" in case:
        back = cls(vocabulary=layer.get_vocabulary(), invert=True,
                   mask_token=case["kwargs"].get("mask_token"))
        assert np.asarray(back(out)).tolist() == case["inverted"]


@pytest.mark.parametrize("name", [k for k in KERAS if k.startswith("category")])
def test_category_encoding_equals_keras(name):
    case = KERAS[name]
    out = CategoryEncoding(**case["kwargs"])(torch.tensor(case["query"]))
    np.testing.assert_array_equal(out.numpy(), np.array(case["output"]))
