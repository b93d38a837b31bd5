"""Gradient flow through time: an autograd oracle, the adding problem, the vanishing ordering,
the exploding case with clipping, bad inputs, and `rnnkit gradflow` through the CLI."""
import json

import numpy as np
import pytest
import torch

from rnnkit.cli import main as cli_main
from rnnkit.diagnostics import (BASELINE_MSE, baseline_mse, gradient_flow, make_adding_problem,
                                plot_gradient_flow, ratio_first_to_last)
from rnnkit.diagnostics.gradflow_cli import train_sgd
from rnnkit.layers import GRU, LSTM, Bidirectional, Dense, Input, SimpleRNN
from rnnkit.models import Sequential
from rnnkit.optimizers import SGD
from rnnkit.utils import set_random_seed


@pytest.fixture(autouse=True)
def _one_thread():
    """One thread: on the shared 2-core machine, step-by-step loops of small products run
    many times slower with two spinning OpenMP threads than with one."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_model(layer, T=6, D=2):
    model = Sequential([Input(shape=(T, D)), layer, Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def hand_simple_rnn(cell, x):
    """h_t = tanh(W_xh x_t + W_hh h_{t-1} + b_h), each h_t kept for autograd."""
    h = x.new_zeros(x.shape[0], cell.units)
    hs = []
    for t in range(x.shape[1]):
        h = torch.tanh(x[:, t] @ cell.W_xh.T + h @ cell.W_hh.T + cell.b_h)
        hs.append(h)
    return hs


def per_sample_step_norms(per_sample_loss, hs):
    """mean_b ||∂ℓ_b/∂h_t^b||, from the sum of the samples' own losses."""
    grads = torch.autograd.grad(per_sample_loss.sum(), hs, retain_graph=True)
    return np.array([float(g.double().norm(dim=1).mean()) for g in grads])


# -- oracle -----------------------------------------------------------------------------------
def test_step_and_weight_norms_match_a_hand_computation_with_autograd_on_a_tiny_simple_rnn():
    model = tiny_model(SimpleRNN(3))
    x, y = torch.randn(4, 6, 2), torch.randn(4, 1)
    flow = gradient_flow(model, x, y)

    cell, dense = model.layers[0].cell, model.layers[1]
    hs = hand_simple_rnn(cell, x)
    y_pred = hs[-1] @ dense.W.T + dense.b                         # Dense(1) on the last h
    per_sample = (y_pred - y).square().mean(dim=1)                 # mse per sample
    expected = per_sample_step_norms(per_sample, hs)
    np.testing.assert_allclose(flow.layers[0].step_norms, expected, rtol=1e-5)

    g_hh, g_xh = torch.autograd.grad(per_sample.mean(), [cell.W_hh, cell.W_xh])
    assert flow.layers[0].weight_grad_norms["W_hh"] == pytest.approx(float(g_hh.norm()), rel=1e-5)
    assert flow.layers[0].weight_grad_norms["W_xh"] == pytest.approx(float(g_xh.norm()), rel=1e-5)
    assert flow.loss == pytest.approx(float(per_sample.detach().mean()), rel=1e-6)
    assert flow.ratio_first_to_last() == pytest.approx(expected[0] / expected[-1], rel=1e-5)


def test_bidirectional_reports_both_directions_each_in_its_reading_order():
    model = tiny_model(Bidirectional(SimpleRNN(3)))
    x, y = torch.randn(4, 6, 2), torch.randn(4, 1)
    flow = gradient_flow(model, x, y)

    bi, dense = model.layers[0], model.layers[1]
    hs_fw = hand_simple_rnn(bi.forward_layer.cell, x)
    hs_bw = hand_simple_rnn(bi.backward_layer.cell, x.flip(1))      # reads t = T-1 first
    y_pred = torch.cat([hs_fw[-1], hs_bw[-1]], dim=1) @ dense.W.T + dense.b
    per_sample = (y_pred - y).square().mean(dim=1)

    assert [f.name for f in flow.layers] == [f"{bi.name}/forward", f"{bi.name}/backward"]
    assert flow.layers[1].go_backwards
    np.testing.assert_allclose(flow.layers[0].step_norms,
                               per_sample_step_norms(per_sample, hs_fw), rtol=1e-5)
    np.testing.assert_allclose(flow.layers[1].step_norms,
                               per_sample_step_norms(per_sample, hs_bw), rtol=1e-5)


def test_gradient_flow_leaves_the_model_as_it_found_it():
    model = tiny_model(LSTM(4))
    x, y = torch.randn(3, 6, 2), torch.randn(3, 1)
    model(x)                                            # a compiled path ran last
    before = [p.detach().clone() for p in model.parameters()]
    model.train()
    gradient_flow(model, x, y)
    layer = model.layers[0]
    assert (layer.implementation, layer.last_path) == ("auto", "rnnkit")
    assert model.training
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_float64_measurement_keeps_the_gradients_that_float32_rounds_to_zero():
    model = tiny_model(SimpleRNN(8), T=60)
    with torch.no_grad():
        model.layers[0].cell.W_hh.mul_(0.05)               # ~0.05 a step: 1e-78 at 60 steps
    x, y = torch.randn(4, 60, 2), torch.randn(4, 1)
    f32 = gradient_flow(model, x, y).layers[0].step_norms
    f64 = gradient_flow(model, x, y, dtype=torch.float64).layers[0].step_norms
    assert f32[0] == 0.0 and (f64 > 0).all()
    assert next(model.parameters()).dtype == torch.float32        # measured on a copy
    close = f32 > 1e-30
    np.testing.assert_allclose(f32[close], f64[close], rtol=1e-3)


# -- the adding problem -----------------------------------------------------------------------
def test_adding_problem_has_one_marker_in_each_half_and_the_marked_sum_as_target():
    x, y = make_adding_problem(50, T=20, seed=3)
    markers = x[..., 1]
    assert (markers.sum(1) == 2).all()
    assert (markers[:, :10].sum(1) == 1).all() and (markers[:, 10:].sum(1) == 1).all()
    np.testing.assert_allclose(y[:, 0], (x[..., 0] * markers).sum(1), rtol=1e-6)
    np.testing.assert_array_equal(make_adding_problem(50, T=20, seed=3)[0], x)


def test_adding_problem_always_predict_one_baseline_mse_is_about_0_167():
    _, y = make_adding_problem(20000, T=10, seed=0)
    assert baseline_mse(y) == pytest.approx(BASELINE_MSE, abs=0.005)
    assert BASELINE_MSE == pytest.approx(0.1667, abs=1e-4)


# -- vanishing: the ordering of the ratios ----------------------------------------------------
def test_at_keras_init_the_gates_shrink_the_gradient_faster_than_an_orthogonal_simple_rnn():
    # forget bias 1 (σ(1) ≈ 0.73 a step) and an update gate at σ(0) = 0.5 damp the gradient
    # before training; the orthogonal W_hh of a SimpleRNN starts nearly norm-preserving.
    x, y = make_adding_problem(32, T=40, seed=0)
    ratios = {}
    for layer_cls in (SimpleRNN, LSTM, GRU):
        set_random_seed(0)
        ratios[layer_cls.__name__] = ratio_first_to_last(
            gradient_flow(tiny_model(layer_cls(32), T=40), x, y))
    assert ratios["GRU"] < ratios["LSTM"] < ratios["SimpleRNN"]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    """`rnnkit gradflow --quick` through the CLI entry point: trained models, files written."""
    out = tmp_path_factory.mktemp("gradflow") / "run"
    assert cli_main(["gradflow", "--quick", "--out", str(out)]) == 0
    return out, json.loads((out / "metrics.json").read_text())


def test_after_a_short_training_lstm_and_gru_carry_the_gradient_further_than_simple_rnn(
        quick_run):
    _, metrics = quick_run
    trained = {k: m["ratio_first_to_last_trained"] for k, m in metrics["models"].items()}
    assert trained["LSTM"] > 10 * trained["SimpleRNN"]
    assert trained["GRU"] > 10 * trained["SimpleRNN"]


def test_gradflow_cli_writes_the_figure_metrics_and_report(quick_run):
    out, metrics = quick_run
    for name in ("gradient_flow.png", "metrics.json", "gradient_flow.json", "report.html"):
        assert (out / name).stat().st_size > 0
    assert set(metrics["models"]) == {"SimpleRNN", "LSTM", "GRU"}
    assert metrics["baseline_mse_test"] == pytest.approx(0.167, abs=0.02)
    assert metrics["models"]["GRU"]["test_mse"] < metrics["baseline_mse_test"]


def test_gradflow_cli_rejects_bad_settings_on_stderr(capsys):
    assert cli_main(["gradflow", "--quick", "--steps", "0"]) == 2
    assert "steps must be an integer >= 1" in capsys.readouterr().err


# -- exploding --------------------------------------------------------------------------------
def exploding_simple_rnn(scale=2.0, T=60):
    set_random_seed(0)
    model = tiny_model(SimpleRNN(32), T=T)
    with torch.no_grad():
        model.layers[0].cell.W_hh.mul_(scale)              # orthogonal -> spectral radius 2
    return model


def test_an_oversized_recurrent_matrix_makes_the_gradient_grow_with_distance_from_the_loss():
    x, y = make_adding_problem(64, T=60, seed=0)
    norms = gradient_flow(exploding_simple_rnn(), x, y).layers[0].step_norms
    assert ratio_first_to_last(norms) > 1e3
    assert norms[0] > norms[30] > norms[-1]


def test_clipnorm_bounds_every_weight_gradient_in_the_exploding_case():
    x, y = make_adding_problem(640, T=60, seed=0)
    clipped = train_sgd(exploding_simple_rnn(), SGD(learning_rate=0.01, clipnorm=1.0), x, y, 5)
    free = train_sgd(exploding_simple_rnn(), SGD(learning_rate=0.01), x, y, 5)
    assert clipped["max_weight_grad_norm"][0] > 100                # the explosion is there
    assert max(clipped["max_clipped_weight_grad_norm"]) <= 1.0 + 1e-4
    assert free["max_clipped_weight_grad_norm"][0] == free["max_weight_grad_norm"][0]


# -- bad input --------------------------------------------------------------------------------
def test_gradient_flow_rejects_a_model_that_is_not_sequential():
    with pytest.raises(TypeError, match="expects a rnnkit.models.Sequential"):
        gradient_flow(torch.nn.Linear(2, 1), torch.randn(2, 3, 2), torch.randn(2, 1))


def test_gradient_flow_rejects_a_model_without_a_recurrent_layer():
    model = Sequential([Input(shape=(4,)), Dense(1)])
    with pytest.raises(ValueError, match="at least one recurrent layer"):
        gradient_flow(model, torch.randn(2, 4), torch.randn(2, 1), loss="mse")


@pytest.mark.parametrize("x, y, message", [
    (torch.randn(4, 6), torch.randn(4, 1), r"x of shape \(batch, time, features\)"),
    (torch.randn(4, 6, 2), torch.randn(3, 1), "different numbers of samples"),
    (torch.full((4, 6, 2), float("nan")), torch.randn(4, 1), "NaN or infinite"),
    (torch.randn(4, 6, 2), torch.tensor([[1.0], [np.inf], [0.0], [0.0]]), "NaN or infinite"),
    (torch.randn(4, 6, 2), torch.randn(4, 3), "do not fit the model's output"),
])
def test_gradient_flow_rejects_bad_batches_with_what_was_expected(x, y, message):
    with pytest.raises(ValueError, match=message):
        gradient_flow(tiny_model(SimpleRNN(3)), x, y)


def test_gradient_flow_asks_for_a_loss_when_the_model_is_not_compiled():
    model = Sequential([Input(shape=(6, 2)), SimpleRNN(3), Dense(1)])
    with pytest.raises(ValueError, match="compile the model first"):
        gradient_flow(model, torch.randn(2, 6, 2), torch.randn(2, 1))
    assert gradient_flow(model, torch.randn(2, 6, 2), torch.randn(2, 1), loss="mse").loss > 0


def test_plot_gradient_flow_writes_a_png(tmp_path):
    flow = gradient_flow(tiny_model(GRU(3)), torch.randn(2, 6, 2), torch.randn(2, 1))
    path = plot_gradient_flow({"GRU": flow}, tmp_path / "flow.png", "tiny")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
