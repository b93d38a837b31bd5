"""rnnkit's kernels under PyTorch's tools: torch.compile, torch.export, torch.jit.trace.

torch.compile runs with backend="aot_eager": it traces forward and backward through the ops'
fake implementations and autograd as inductor does, without inductor's C++ code generation
(minutes on a shared 2-core machine; inductor also trains these models, same losses, when
run by hand).
"""
import copy
import shutil

import numpy as np
import pytest
import torch
import torch._dynamo.testing

from rnnkit.kernels import rnn
from rnnkit.layers import GRU, LSTM, Dense, Input, MinGRU, MinLSTM, SimpleRNN
from rnnkit.models import Sequential


@pytest.fixture(scope="module")
def kernels():
    ok, reason = rnn.fused_available()
    if not ok and (shutil.which("c++") or shutil.which("g++")):
        pytest.fail(f"a C++ compiler is here but the kernels did not build: {reason}")
    if not ok:
        pytest.skip(reason)


def sgd_losses(model, x, y, batch=8):
    """One epoch of plain SGD on mse, in order; the loss of every batch."""
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for s in range(0, len(x), batch):
        loss = torch.nn.functional.mse_loss(model(x[s:s + batch]), y[s:s + batch])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def graph_ops(counter) -> set[str]:
    return {str(node.target) for g in counter.graphs for node in g.graph.nodes}


@pytest.mark.parametrize("cls, op", [(LSTM, "rnnkit.lstm_forward"), (GRU, "rnnkit.gru_forward"),
                                     (SimpleRNN, "rnnkit.rnn_forward"),
                                     (MinGRU, "rnnkit.min_gru_input_forward"),
                                     (MinLSTM, "rnnkit.min_lstm_input_forward")])
def test_a_compiled_model_trains_an_epoch_on_the_kernels_with_the_losses_of_eager(kernels, cls,
                                                                                   op):
    x, y = torch.randn(32, 7, 3), torch.randn(32, 1)
    eager = Sequential([Input(shape=(7, 3)), cls(8), Dense(1)])
    eager(x[:1])
    twin = copy.deepcopy(eager)
    counter = torch._dynamo.testing.CompileCounterWithBackend("aot_eager")
    compiled = torch.compile(twin, backend=counter)
    expected = sgd_losses(eager, x, y)
    got = sgd_losses(compiled, x, y)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    assert op in graph_ops(counter)                  # the kernel ran inside the compiled graph
    assert got[-1] != got[0]                         # and the weights did change


@pytest.mark.parametrize("layer, op", [
    (lambda: LSTM(8, recurrent_dropout=0.3), "rnnkit.lstm_forward"),
    (lambda: GRU(8, reset_after=False, recurrent_dropout=0.3), "rnnkit.gru_reset_before_forward")])
def test_a_compiled_model_trains_with_recurrent_dropout_as_eager_does(kernels, layer, op):
    x, y = torch.randn(32, 7, 3), torch.randn(32, 1)
    eager = Sequential([Input(shape=(7, 3)), layer(), Dense(1)])
    eager(x[:1])
    twin = copy.deepcopy(eager)
    counter = torch._dynamo.testing.CompileCounterWithBackend("aot_eager")
    torch.manual_seed(5)                                 # the same dropout masks on both sides
    expected = sgd_losses(eager, x, y)
    torch.manual_seed(5)
    got = sgd_losses(torch.compile(twin, backend=counter), x, y)
    assert op in graph_ops(counter)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
    assert got[-1] != got[0]


def test_a_compiled_model_runs_inference_on_pytorchs_rnn_kernels(kernels):
    model = Sequential([Input(shape=(5, 2)), LSTM(4, return_sequences=True), GRU(3), Dense(1)])
    x = torch.randn(6, 5, 2)
    with torch.no_grad():
        expected = model(x)
        got = torch.compile(model, backend="aot_eager")(x)
    torch.testing.assert_close(got, expected)


def test_torch_export_of_a_trained_model_runs_the_kernels_and_matches_it(kernels):
    x = np.random.default_rng(0).standard_normal((32, 7, 3)).astype("float32")
    model = Sequential([Input(shape=(7, 3)), LSTM(8, return_sequences=True), GRU(6), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, x.sum(axis=(1, 2))[:, None], epochs=1, verbose=0)
    xt = torch.from_numpy(x[:4])
    program = torch.export.export(model, (xt,))
    ops = {str(node.target) for node in program.graph.nodes}
    assert {"rnnkit.lstm_forward.default", "rnnkit.gru_forward.default"} <= ops
    torch.testing.assert_close(program.module()(xt), model(xt))


def test_torch_jit_trace_records_pytorchs_kernels_and_matches_the_model(kernels):
    model = Sequential([Input(shape=(7, 3)), SimpleRNN(5, return_sequences=True), LSTM(4),
                        Dense(1)])
    x = torch.randn(4, 7, 3)
    with pytest.warns(torch.jit.TracerWarning):      # shape checks become constants
        traced = torch.jit.trace(model, (x,))
    kinds = {node.kind() for node in traced.inlined_graph.nodes()}
    assert {"aten::rnn_tanh", "aten::lstm"} <= kinds
    assert not any(kind.startswith("rnnkit::") for kind in kinds)
    torch.testing.assert_close(traced(x), model(x))


def test_a_float64_model_fits_on_the_float64_kernels(kernels):
    x = np.random.default_rng(0).standard_normal((32, 7, 3))
    model = Sequential([Input(shape=(7, 3)), LSTM(8), Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.double()
    history = model.fit(x, x.sum(axis=(1, 2))[:, None], epochs=2, verbose=0)
    assert model.layers[0].last_path == "rnnkit"
    assert history.history["loss"][1] < history.history["loss"][0]
    assert model.predict(x[:2]).dtype == np.float64
