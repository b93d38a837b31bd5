"""ConvLSTM1D / ConvLSTM2D: Keras 3's outputs and weight layout, the loop's flags, errors."""
import numpy as np
import pytest
import torch

from rnnkit.layers import LSTM, Bidirectional, ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from rnnkit.layers.registry import deserialize, serialize

from .keras_fixture import case, close, t, weights

KERAS_CASES = {
    "convlstm1d_same": lambda: ConvLSTM1D(3, 3, padding="same", return_sequences=True),
    "convlstm1d_valid_state": lambda: ConvLSTM1D(3, 2, strides=2, return_state=True),
    "convlstm1d_dilated_backwards": lambda: ConvLSTM1D(2, 3, dilation_rate=2, padding="same",
                                                       go_backwards=True,
                                                       return_sequences=True),
    "convlstm2d_same": lambda: ConvLSTM2D(2, (3, 2), padding="same", return_sequences=True),
    "convlstm3d_same": lambda: ConvLSTM3D(2, 2, padding="same", return_sequences=True),
}


@pytest.mark.parametrize("name", KERAS_CASES)
def test_outputs_match_keras_with_the_same_weights(name):
    d, layer = case(name), KERAS_CASES[name]()
    x = t(d["x"])
    layer(x)
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in weights(d)]
    layer.set_weights(weights(d))
    outputs = layer(x)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    assert len(outputs) == sum(1 for k in d if k.startswith("y"))
    for i, y in enumerate(outputs):
        close(y, d[f"y{i}"])


def test_a_1x1_convlstm_is_an_lstm_at_every_position():
    """With kernel_size 1 each position is an independent LSTM with the same weights."""
    conv, lstm = ConvLSTM1D(4, 1, return_sequences=True), LSTM(4, return_sequences=True)
    x = torch.randn(2, 5, 3, 2)                                  # (B, T, W, C)
    conv(x)
    lstm(x[:, :, 0])
    with torch.no_grad():
        lstm.cell.W_x.copy_(conv.cell.W_x[..., 0])
        lstm.cell.W_h.copy_(conv.cell.W_h[..., 0])
        lstm.cell.b.copy_(conv.cell.b)
    y = conv(x)
    for w in range(3):
        torch.testing.assert_close(y[:, :, w], lstm(x[:, :, w]))


def test_return_state_and_initial_state_continue_a_sequence_in_the_callers_layout():
    layer = ConvLSTM2D(3, 3, padding="same", return_state=True)
    x = torch.randn(2, 4, 6, 5, 2)
    y, h, c = layer(x)
    assert tuple(y.shape) == tuple(h.shape) == tuple(c.shape) == (2, 6, 5, 3)
    torch.testing.assert_close(y, h)
    _, h_half, c_half = layer(x[:, :2])
    y_rest, _, _ = layer(x[:, 2:], initial_state=[h_half, c_half])
    torch.testing.assert_close(y_rest, y)                        # two halves == one pass


def test_stateful_layer_carries_its_state_between_calls():
    layer = ConvLSTM2D(3, 3, padding="same", stateful=True)
    x = torch.randn(2, 4, 6, 5, 2)
    whole = layer(x)
    layer.reset_states()
    layer(x[:, :2])
    torch.testing.assert_close(layer(x[:, 2:]), whole)


def test_padded_steps_keep_the_state():
    layer = ConvLSTM1D(2, 3, padding="same")
    x = torch.randn(2, 5, 6, 1)
    mask = torch.tensor([[True, True, True, False, False], [True] * 5])
    torch.testing.assert_close(layer(x, mask=mask)[0], layer(x[:1, :3])[0])


def test_dropout_is_active_in_training_only():
    layer = ConvLSTM1D(2, 3, padding="same", dropout=0.5, recurrent_dropout=0.5)
    x = torch.randn(2, 4, 6, 2)
    layer.eval()
    torch.testing.assert_close(layer(x), layer(x))
    layer.train()
    assert not torch.allclose(layer(x), layer(x))


def test_gradients_reach_every_weight():
    layer = ConvLSTM2D(2, 3, padding="same")
    layer(torch.randn(1, 3, 4, 4, 1)).sum().backward()
    assert all(p.grad is not None and float(p.grad.abs().sum()) > 0 for p in layer.parameters())


def test_channels_first_gives_the_same_numbers_transposed():
    x = torch.randn(2, 3, 6, 2)                                  # (B, T, W, C)
    last = ConvLSTM1D(3, 3, padding="same", return_sequences=True)
    first = ConvLSTM1D(3, 3, padding="same", return_sequences=True,
                       data_format="channels_first")
    y_last = last(x)
    first(x.movedim(-1, 2))
    first.set_weights(last.get_weights())
    torch.testing.assert_close(first(x.movedim(-1, 2)), y_last.movedim(-1, 2))


@pytest.mark.parametrize("layer, shape, expected", [
    (ConvLSTM1D(4, 3), (None, 5, 10, 2), (None, 8, 4)),
    (ConvLSTM1D(4, 3, strides=2, padding="same", return_sequences=True), (None, 5, 9, 2),
     (None, 5, 5, 4)),
    (ConvLSTM2D(4, (3, 1), return_state=True), (None, 5, 6, 6, 1),
     [(None, 4, 6, 4)] * 3),
])
def test_compute_output_shape_agrees_with_the_call(layer, shape, expected):
    assert layer.compute_output_shape(shape) == expected
    out = layer(torch.zeros(2, *shape[1:]))
    got = [tuple(o.shape) for o in out] if isinstance(out, list) else tuple(out.shape)
    fill = (lambda s: (2, *s[1:]))
    assert got == ([fill(s) for s in expected] if isinstance(expected, list) else fill(expected))


def test_config_round_trips_with_keras_names():
    layer = ConvLSTM2D(4, (3, 2), strides=(1, 2), padding="same", return_sequences=True,
                       dropout=0.1)
    config = layer.get_config()
    assert config["filters"] == 4 and config["kernel_size"] == [3, 2]
    assert config["strides"] == [1, 2] and config["padding"] == "same"
    copy = deserialize(serialize(layer))
    assert type(copy) is ConvLSTM2D and copy.get_config() == {**config, "name": copy.name}


def test_wrong_inputs_and_arguments_are_explained():
    with pytest.raises(ValueError, match=r"\(batch, time, rows, cols, channels\).*rank 4"):
        ConvLSTM2D(2, 3)(torch.zeros(2, 3, 4, 1))
    with pytest.raises(ValueError, match="smaller than the kernel"):
        ConvLSTM1D(2, 5)(torch.zeros(1, 2, 3, 1))
    with pytest.raises(ValueError, match="strides > 1 or dilation_rate > 1, not both"):
        ConvLSTM1D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="padding must be 'valid' or 'same'"):
        ConvLSTM1D(2, 3, padding="causal")
    layer = ConvLSTM1D(2, 3)
    layer(torch.zeros(1, 2, 6, 1))
    with pytest.raises(ValueError, match=r"built for steps of \(channels, \*spatial\) = \(1, 6\)"):
        layer(torch.zeros(1, 2, 7, 1))
    with pytest.raises(ValueError, match="Keras's layout"):
        layer.set_weights([np.zeros((3, 1, 8))])


def test_bidirectional_convlstm_concatenates_the_two_directions_on_channels():
    layer = Bidirectional(ConvLSTM1D(3, 3, padding="same", return_sequences=True))
    y = layer(torch.randn(2, 4, 6, 2))
    assert tuple(y.shape) == (2, 4, 6, 6)
    forward = layer.forward_layer(torch.zeros(2, 4, 6, 2))
    torch.testing.assert_close(layer(torch.zeros(2, 4, 6, 2))[..., :3], forward)


def test_a_convlstm_model_saves_and_loads_to_the_same_predictions(tmp_path):
    from rnnkit.layers import Dense
    from rnnkit.models import Sequential, load_model
    model = Sequential([ConvLSTM2D(2, 3, padding="same", input_shape=(None, 5, 5, 1)),
                        Dense(1)])
    x = np.random.default_rng(0).random((2, 3, 5, 5, 1)).astype("float32")
    model.save(tmp_path / "m")
    np.testing.assert_array_equal(load_model(tmp_path / "m").predict(x, verbose=0),
                                  model.predict(x, verbose=0))
