"""Stepper: one time step per call, state carried, equals predict on the whole sequence."""
import numpy as np
import pytest
import torch

from rnnkit.layers import GRU, LSTM, Dense, Dropout, Embedding, Input, SimpleRNN
from rnnkit.models import Model, Sequential
from rnnkit.models.stepping import Stepper


def _char_model():
    torch.manual_seed(0)
    return Sequential([Input((6, 5)), LSTM(8), Dense(5, activation="softmax")])


@pytest.mark.parametrize("make", [
    lambda: Sequential([Input((6, 5)), LSTM(8), Dense(5, activation="softmax")]),
    lambda: Sequential([Input((6, 5)), LSTM(8, return_sequences=True), Dropout(0.5),
                        GRU(7), Dense(3)]),
    lambda: Sequential([Input((6, 5)), SimpleRNN(8, activation="relu"), Dense(2)]),
    lambda: Sequential([Input((6, 5)), GRU(8, reset_after=False), Dense(2)]),
    lambda: Sequential([Input((6, 5)), SimpleRNN(8, activation="sigmoid"), Dense(2)]),
], ids=["lstm", "stacked-lstm-gru", "simple-rnn-relu", "gru-reset-before", "loop-cell"])
def test_stepping_through_a_sequence_gives_what_predict_gives(make):
    torch.manual_seed(0)
    model = make()
    x = np.random.default_rng(0).normal(size=(3, 6, 5)).astype("float32")
    stepped = Stepper(model).warm_up(x)
    np.testing.assert_allclose(stepped, model.predict(x, verbose=0), rtol=1e-5, atol=1e-5)


def test_steps_after_the_seed_continue_the_sequence_as_predict_on_the_longer_one_does():
    torch.manual_seed(0)
    model = Sequential([Embedding(11, 4), LSTM(8), Dense(11, activation="softmax")])
    ids = np.random.default_rng(1).integers(0, 11, size=(2, 9))
    model.predict(ids, verbose=0)                                 # builds the layers
    step = Stepper(model)
    step.warm_up(ids[:, :5])
    for t in range(5, 9):
        out = step(ids[:, t])
    np.testing.assert_allclose(out, model.predict(ids, verbose=0), rtol=1e-5, atol=1e-5)


def test_reset_starts_a_new_sequence():
    model = _char_model()
    x = np.random.default_rng(2).normal(size=(1, 6, 5)).astype("float32")
    step = Stepper(model)
    first = step.warm_up(x)
    step.reset()
    np.testing.assert_allclose(step.warm_up(x), first, rtol=1e-6)


def test_a_backwards_layer_is_refused_with_the_reason():
    model = Sequential([Input((6, 5)), LSTM(8, go_backwards=True), Dense(2)])
    with pytest.raises(ValueError, match="go_backwards"):
        Stepper(model)


def test_a_functional_model_is_refused_with_the_fix():
    inputs = Input((6, 5))
    model = Model(inputs, Dense(2)(LSTM(8)(inputs)))
    with pytest.raises(ValueError, match="Sequential"):
        Stepper(model)
