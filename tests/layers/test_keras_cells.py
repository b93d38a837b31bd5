"""RNN(cell) with Keras-style cells, StackedRNNCells, and rnnkit's own cells inside RNN."""
import numpy as np
import pytest
import torch

from rnnkit import ops
from rnnkit.layers import LSTM, RNN, GRUCell, Layer, LSTMCell, StackedRNNCells
from rnnkit.layers.registry import deserialize, serialize

from .keras_fixture import case, close, t, weights


class MinimalRNNCell(Layer):
    """The cell of Keras's RNN docstring, with only its imports changed."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                initializer="uniform", name="recurrent_kernel")

    def call(self, inputs, states):
        prev_output = states[0]
        h = ops.matmul(inputs, self.kernel)
        output = h + ops.matmul(prev_output, self.recurrent_kernel)
        return output, [output]


class PairCell(Layer):
    """Two states of different sizes and an output of its own: y = W [x, h1], h2 counts steps."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.state_size = [3, 1]
        self.output_size = 2

    def build(self, input_shape):
        self.W = self.add_weight(shape=(input_shape[-1] + 3, 3), initializer="ones", name="W")

    def call(self, inputs, states):
        h, n = states
        h = ops.tanh(ops.matmul(ops.concatenate([inputs, h], axis=-1), self.W))
        return h[:, :2], [h, n + 1.0]


def test_keras_docstring_cell_matches_keras_with_the_same_weights():
    d = case("minimal_cell")
    layer = RNN(MinimalRNNCell(4), return_sequences=True, return_state=True)
    layer(t(d["x"]))
    assert [w.shape for w in layer.get_weights()] == [(3, 4), (4, 4)]
    layer.set_weights(weights(d))
    y, h = layer(t(d["x"]))
    close(y, d["y"])
    close(h, d["h"])
    _, h_masked = layer(t(d["x"]), mask=t(d["x_mask"]))
    close(h_masked, d["h_masked"])
    assert layer.last_path == "loop" and "Keras-style cell" in layer.path_reason


def test_a_list_of_custom_cells_stacks_them_as_keras_does():
    d = case("minimal_stacked")
    layer = RNN([MinimalRNNCell(4), MinimalRNNCell(3)])
    layer(t(d["x"]))
    layer.set_weights(weights(d))
    close(layer(t(d["x"])), d["y"])


def test_stacked_lstm_cells_match_keras():
    d = case("stacked_lstm")
    layer = RNN(StackedRNNCells([LSTMCell(4), LSTMCell(3)]), return_sequences=True,
                return_state=True)
    layer(t(d["x"]))
    w = weights(d)        # Keras: kernel (D, 4H), recurrent_kernel (H, 4H), bias; per cell
    with torch.no_grad():
        for cell, (kernel, recurrent, bias) in zip(layer.cell.cell.cells, (w[0:3], w[3:6])):
            cell.W_x.copy_(t(kernel).T)
            cell.W_h.copy_(t(recurrent).T)
            cell.b.copy_(t(bias))
    y, (h1, c1), (h2, c2) = layer(t(d["x"]))
    for got, name in ((y, "y"), (h1, "h1"), (c1, "c1"), (h2, "h2"), (c2, "c2")):
        close(got, d[name])


def _lstm_cell_weights_in_keras_layout() -> bool:
    cell = LSTMCell(4)
    cell.maybe_build((None, 3))
    return cell.get_weights()[0].shape == (3, 16)


@pytest.mark.skipif(not _lstm_cell_weights_in_keras_layout(),
                    reason="LSTMCell.get_weights is in PyTorch's layout until kerasio's lands")
def test_stacked_lstm_cells_take_keras_weights_through_set_weights():
    d = case("stacked_lstm")
    layer = RNN(StackedRNNCells([LSTMCell(4), LSTMCell(3)]), return_sequences=True)
    layer(t(d["x"]))
    layer.set_weights(weights(d))
    close(layer(t(d["x"])), d["y"])


def test_stacked_cells_weights_are_each_cells_in_turn():
    layer = RNN([LSTMCell(4), GRUCell(3)])
    layer(torch.zeros(1, 2, 5))
    cells = layer.cell.cell.cells
    expected = cells[0].get_weights() + cells[1].get_weights()
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in expected]
    new = [np.full(w.shape, i, "float32") for i, w in enumerate(expected)]
    layer.set_weights(new)
    assert all(np.array_equal(a, b) for a, b in zip(layer.get_weights(), new))


def test_rnnkit_cell_in_rnn_equals_its_layer_and_keeps_the_compiled_paths():
    torch.manual_seed(0)
    lstm = LSTM(4, return_sequences=True)
    x = torch.randn(2, 5, 3)
    expected = lstm(x)
    layer = RNN(LSTMCell(4), return_sequences=True)
    layer(x)
    layer.set_weights(lstm.get_weights())
    torch.testing.assert_close(layer(x), expected)
    assert layer.last_path == lstm.last_path != "loop"


def test_states_of_several_sizes_and_an_own_output_size():
    layer = RNN(PairCell(), return_sequences=True, return_state=True)
    y, h, n = layer(torch.ones(2, 4, 5))
    assert tuple(y.shape) == (2, 4, 2) and tuple(h.shape) == (2, 3) and tuple(n.shape) == (2, 1)
    assert n.flatten().tolist() == [4.0, 4.0]                    # one count per step
    assert layer.compute_output_shape((None, 4, 5)) == [(None, 4, 2), (None, 3), (None, 1)]


def test_initial_state_go_backwards_and_masks_reach_a_custom_cell():
    layer = RNN(PairCell(), return_state=True, go_backwards=True)
    x = torch.ones(2, 4, 5)
    _, _, n = layer(x, initial_state=[torch.zeros(2, 3), torch.full((2, 1), 10.0)])
    assert n.flatten().tolist() == [14.0, 14.0]
    mask = torch.tensor([[True, True, False, False], [True] * 4])
    y, _, n = layer(x, mask=mask)
    assert n.flatten().tolist() == [2.0, 4.0]                    # padded steps keep the state
    y_short = RNN(PairCell(), go_backwards=True)(x[:1, :2])
    torch.testing.assert_close(y[:1], y_short)                   # = the unpadded sequence


def test_stateful_custom_cell_carries_its_state_between_calls():
    layer = RNN(PairCell(), return_state=True, stateful=True)
    x = torch.ones(2, 3, 5)
    layer(x)
    _, _, n = layer(x)
    assert n.flatten().tolist() == [6.0, 6.0]
    layer.reset_states()
    assert layer(x)[2].flatten().tolist() == [3.0, 3.0]


def test_custom_cell_learns_by_gradient():
    layer = RNN(MinimalRNNCell(4))
    layer(torch.randn(2, 5, 3)).sum().backward()
    assert all(p.grad is not None for p in layer.parameters())


def test_config_round_trips_for_rnnkit_cells():
    layer = RNN([LSTMCell(4), LSTMCell(3)], return_sequences=True)
    copy = deserialize(serialize(layer))
    assert isinstance(copy.cell.cell, StackedRNNCells)
    assert [c.units for c in copy.cell.cell.cells] == [4, 3]
    assert copy.return_sequences and copy(torch.zeros(1, 2, 5)).shape == (1, 2, 3)
    single = deserialize(serialize(RNN(LSTMCell(4), return_state=True)))
    assert isinstance(single.cell, LSTMCell) and single.return_state


def test_a_cell_without_call_or_state_size_is_explained():
    with pytest.raises(ValueError, match="`call\\(inputs, states\\)`.*without call and state_size"):
        RNN(object())
    with pytest.raises(ValueError, match="non-empty list of cells"):
        StackedRNNCells([])


def test_a_wrong_initial_state_names_the_expected_shapes():
    with pytest.raises(ValueError, match=r"2 tensor\(s\) of shape \[\(2, 3\), \(2, 1\)\]"):
        RNN(PairCell())(torch.ones(2, 4, 5), initial_state=[torch.zeros(2, 3)])


class CountingCell(Layer):
    """A cell with its own get_initial_state and a training argument: h counts steps."""

    state_size = 1

    def get_initial_state(self, batch_size=None):
        return [ops.full((batch_size, 1), 100.0)]

    def call(self, inputs, states, training=None):
        h = states[0] + (10.0 if training else 1.0)
        return h, [h]


def test_a_cells_get_initial_state_and_training_flag_are_used():
    layer = RNN(CountingCell())
    x = torch.zeros(2, 3, 1)
    assert layer.eval()(x).flatten().tolist() == [103.0, 103.0]
    assert layer.train()(x).flatten().tolist() == [130.0, 130.0]


def test_a_model_with_stacked_rnnkit_cells_saves_and_loads_to_the_same_predictions(tmp_path):
    from rnnkit.layers import Dense
    from rnnkit.models import Sequential, load_model
    model = Sequential([RNN([LSTMCell(4), GRUCell(3)], input_shape=(6, 2)), Dense(1)])
    x = np.random.default_rng(0).random((2, 6, 2)).astype("float32")
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(load_model(tmp_path / "m").predict(x, verbose=0),
                                  model.predict(x, verbose=0))


def test_every_recurrent_layer_is_an_instance_of_the_public_rnn_class_as_in_keras():
    from rnnkit.layers import GRU, LSTM, Dense, SimpleRNN
    assert all(isinstance(layer, RNN) for layer in (LSTM(2), GRU(2), SimpleRNN(2)))
    assert issubclass(LSTM, RNN) and not isinstance(Dense(2), RNN)
