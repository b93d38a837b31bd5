"""MinGRU and MinLSTM: the parallel scan equals the step-by-step recurrence."""
import numpy as np
import pytest
import torch

from rnnkit.layers import Dense, Input, MinGRU, MinLSTM
from rnnkit.layers.scan import linear_scan, linear_scan_doubling, linear_scan_loop
from rnnkit.models import Sequential, load_model

LAYERS = [MinGRU, MinLSTM]


@pytest.mark.parametrize("scan", [linear_scan, linear_scan_doubling])
def test_scans_match_the_loop_and_pass_gradcheck(scan):
    a = torch.rand(2, 37, 4, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, 37, 4, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 4, dtype=torch.float64, requires_grad=True)
    torch.testing.assert_close(scan(a, b, h0), linear_scan_loop(a, b, h0))
    assert torch.autograd.gradcheck(scan, (a, b, h0))


@pytest.mark.parametrize("cls", LAYERS)
def test_parallel_scan_matches_sequential_recurrence(cls):
    layer, x = cls(8), torch.randn(2, 17, 8)
    torch.testing.assert_close(layer.forward_parallel(x), layer.forward_sequential(x))


@pytest.mark.parametrize("cls", LAYERS)
def test_gradients_of_both_paths_agree(cls):
    layer = cls(6, return_sequences=True)
    x = torch.randn(3, 20, 4, dtype=torch.float64)
    layer.maybe_build((None, None, 4))
    layer.double()
    grads = []
    for run in (layer.forward_parallel, layer.forward_sequential):
        layer.zero_grad()
        run(x).square().sum().backward()
        grads.append([p.grad.clone() for p in layer.parameters()])
    for g_par, g_seq in zip(*grads):
        torch.testing.assert_close(g_par, g_seq)


@pytest.mark.parametrize("cls", LAYERS)
def test_a_mask_with_gaps_stays_on_the_fast_path_and_keeps_the_state(cls):
    layer = cls(5, return_state=True)
    x = torch.randn(2, 6, 3, dtype=torch.float64)
    mask = torch.tensor([[True, False, True, True, False, True]] * 2)
    layer.maybe_build((None, None, 3))
    layer.double()
    _, h = layer(x, mask=mask)
    assert layer.last_path == "scan"
    _, h_alone = layer(x[:, mask[0]])
    torch.testing.assert_close(h, h_alone)


@pytest.mark.parametrize("cls", LAYERS)
def test_min_layers_learn_a_sine_forecast(cls):
    rng = np.random.default_rng(0)
    t = rng.uniform(0, 2 * np.pi, size=(256, 1)) + np.arange(31) * 0.3
    s = np.sin(t).astype("float32")
    model = Sequential([Input(shape=(30, 1)), cls(16), Dense(1)])
    from rnnkit.optimizers import Adam
    model.compile(optimizer=Adam(0.01), loss="mse")
    history = model.fit(s[:, :30, None], s[:, 30:], epochs=10, verbose=0)
    assert history.history["loss"][-1] < 0.2 * history.history["loss"][0]


def test_min_lstm_saves_and_loads(tmp_path):
    model = Sequential([Input(shape=(7, 2)), MinLSTM(4), Dense(1)])
    model.save(tmp_path / "m")
    x = torch.randn(3, 7, 2)
    torch.testing.assert_close(load_model(tmp_path / "m")(x), model(x))
