"""Models whose first layer is TextVectorization take arrays of strings, as in Keras."""
import numpy as np
import pytest

import rnnkit as keras
from rnnkit import layers
from rnnkit.models import load_model
from rnnkit.optimizers import Adam

TEXTS = np.array(["good movie", "bad film", "great acting", "awful plot", "loved it",
                  "hated it"] * 10)
LABELS = np.array([1, 0, 1, 0, 1, 0] * 10, dtype="float32")


def _vectorizer():
    keras.utils.set_random_seed(0)
    tv = layers.TextVectorization(max_tokens=30, output_sequence_length=3)
    tv.adapt(TEXTS)
    return tv


def test_a_sequential_starting_with_text_vectorization_fits_on_strings():
    model = keras.Sequential([_vectorizer(), layers.Embedding(30, 8), layers.GRU(8),
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=Adam(learning_rate=0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(TEXTS, LABELS, epochs=6, batch_size=12, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
    assert model.predict(np.array(["loved it", "hated it"])).ravel().tolist() == \
        pytest.approx(model.predict(TEXTS[4:6]).ravel().tolist())


def test_a_functional_model_on_a_string_input_saves_and_reloads(tmp_path):
    text = keras.Input(shape=(1,), dtype="string")
    x = layers.Embedding(30, 8)(_vectorizer()(text))
    model = keras.Model(text, layers.Dense(1, activation="sigmoid")(layers.LSTM(8)(x)))
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(TEXTS[:, None], LABELS, epochs=1, verbose=0)
    model.save(tmp_path / "m")
    probe = np.array([["good movie"], ["awful plot"]])
    np.testing.assert_allclose(load_model(tmp_path / "m").predict(probe), model.predict(probe),
                               atol=1e-6)


def test_numbers_given_to_a_text_input_are_a_clear_error():
    model = keras.Sequential([_vectorizer(), layers.Embedding(30, 4), layers.GRU(2)])
    with pytest.raises(ValueError, match="text input and holds a int"):
        model.predict(np.array([1, 2, 3], dtype=object))
