"""Sequential builds each added layer once, from the shape after the layers before it."""
import pytest
import torch

from rnnkit.layers import Dense, Input
from rnnkit.models import Sequential


def test_adding_n_layers_works_out_each_layer_output_shape_once(monkeypatch):
    calls = []
    original = Dense.compute_output_shape
    monkeypatch.setattr(Dense, "compute_output_shape",
                        lambda self, shape: calls.append(self.name) or original(self, shape))
    model = Sequential([Input(shape=(4,))])
    for _ in range(300):
        model.add(Dense(4))
    assert len(calls) == 300 and len(set(calls)) == 300
    assert model(torch.zeros(2, 4)).shape == (2, 4)


def test_a_layer_added_after_pop_is_built_for_the_shape_before_the_popped_one():
    model = Sequential([Input(shape=(4,)), Dense(3), Dense(6)])
    model.pop()
    model.pop()
    model.add(Dense(5))
    assert tuple(model.layers[0].W.shape) == (5, 4)                 # torch layout (out, in)
    model.add(Dense(2))
    assert tuple(model.layers[1].W.shape) == (2, 5)
    assert model(torch.zeros(1, 4)).shape == (1, 2)


def test_a_layer_after_one_that_returns_its_states_is_refused_with_the_functional_way_out():
    from rnnkit.layers import LSTM
    model = Sequential([Input(shape=(5, 2)), LSTM(3, return_state=True)])
    assert len(model(torch.zeros(1, 5, 2))) == 3                      # output, h, c
    with pytest.raises(ValueError, match=r"LSTM 'lstm.*' returns \[output, \*states\].*"
                                         r"functional Model"):
        model.add(Dense(1))
