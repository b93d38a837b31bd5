"""rnnkit's compiled CPU scan (kernels/scan.py) against the loop oracle and the PyTorch scan.

The C++ build is cached on disk by kernels/build.py and loaded once per process.
"""
import shutil

import pytest
import torch

from rnnkit.kernels import build
from rnnkit.kernels import scan as fused_scan
from rnnkit.kernels.dispatch import _torch_scan
from rnnkit.kernels.scan import (linear_scan_compiled, min_rnn_input_scan, min_rnn_scan,
                                 scan_available)
from rnnkit.layers import MinGRU, MinLSTM
from rnnkit.layers.min_rnn import MinGRUCell, MinLSTMCell
from rnnkit.layers.scan import linear_scan_loop

TOL = {torch.float64: 1e-10, torch.float32: 1e-5}
SHAPES = [(1, 1, 1), (1, 7, 3), (3, 1, 4), (2, 33, 1), (4, 50, 37), (5, 200, 130)]
CELLS = {"gru": MinGRUCell, "lstm": MinLSTMCell}


def assert_close(ours, ref, dtype):
    """Equal to TOL relative and TOL times the largest |value| absolute (weight gradients
    sum over B * T rows, and float32 sums in another order differ by that much)."""
    scale = max(1.0, ref.abs().max().item())
    torch.testing.assert_close(ours, ref, rtol=TOL[dtype], atol=TOL[dtype] * scale)


@pytest.fixture(scope="session")
def kernels():
    """The compiled scan, built (or loaded from the cache) once for the whole session."""
    ok, reason = scan_available()
    if not ok and (shutil.which("c++") or shutil.which("g++")):
        pytest.fail(f"a C++ compiler is here but the scan did not build: {reason}")
    if not ok:
        pytest.skip(reason)
    return True


def outputs_and_grads(fn, inputs, dy):
    h = fn(*inputs)
    return [h, *torch.autograd.grad(h, [t for t in inputs if t is not None], dy)]


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape", SHAPES)
def test_compiled_scan_matches_the_loop_oracle_in_outputs_and_gradients(kernels, shape, dtype):
    B, T, H = shape
    a = torch.rand(B, T, H, dtype=dtype, requires_grad=True)
    b = torch.randn(B, T, H, dtype=dtype, requires_grad=True)
    h0 = torch.randn(B, H, dtype=dtype, requires_grad=True)
    dy = torch.randn(B, T, H, dtype=dtype)
    ours = outputs_and_grads(linear_scan_compiled, (a, b, h0), dy)
    oracle = outputs_and_grads(linear_scan_loop, (a, b, h0), dy)
    for o, r in zip(ours, oracle):
        assert_close(o, r, dtype)


def test_compiled_scan_passes_gradcheck(kernels):
    a = torch.rand(2, 9, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, 9, 3, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(linear_scan_compiled, (a, b, h0))


def make_cell(kind, D, H, dtype):
    cell = CELLS[kind](H)
    cell.maybe_build((None, D))
    with torch.no_grad():
        cell.b.normal_(0.0, 0.5)                 # not the zeros of the default init
    return cell.to(dtype)


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (3, 17, 2, 5), (2, 50, 20, 33), (1, 64, 4, 130)])
@pytest.mark.parametrize("kind", ["gru", "lstm"])
@pytest.mark.parametrize("masked", [False, True])
def test_fused_gate_scans_match_the_pytorch_scan_with_and_without_a_mask(kernels, kind, shape,
                                                                         dtype, masked):
    B, T, D, H = shape
    cell = make_cell(kind, D, H, dtype)
    x = torch.randn(B, T, D, dtype=dtype, requires_grad=True)
    h0 = torch.randn(B, H, dtype=dtype, requires_grad=True)
    keep = (torch.rand(B, T) > 0.3) if masked else None          # gaps anywhere
    dy = torch.randn(B, T, H, dtype=dtype)
    inputs = (x, cell.W, cell.b, h0)
    ref = outputs_and_grads(lambda x, W, b, h0: _torch_scan(cell, x, h0, keep),
                            inputs, dy)
    product_inside = outputs_and_grads(
        lambda x, W, b, h0: min_rnn_input_scan(kind, x, W, b, h0, keep), inputs, dy)
    product_outside = outputs_and_grads(
        lambda x, W, b, h0: min_rnn_scan(kind, cell.gates(x), h0, keep), inputs, dy)
    for ours in (product_inside, product_outside):
        for o, r in zip(ours, ref):
            assert_close(o, r, dtype)


@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_fused_gate_scans_pass_gradcheck(kernels, kind):
    cell = make_cell(kind, 2, 3, torch.float64)
    x = torch.randn(2, 6, 2, dtype=torch.float64, requires_grad=True)
    h0 = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    gates = cell.gates(x).detach().requires_grad_()
    keep = torch.tensor([[True, False, True, True, False, True]] * 2)
    assert torch.autograd.gradcheck(
        lambda x, W, b, h0: min_rnn_input_scan(kind, x, W, b, h0, keep), (x, cell.W, cell.b, h0))
    assert torch.autograd.gradcheck(lambda g, h0: min_rnn_scan(kind, g, h0, keep), (gates, h0))


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
@pytest.mark.parametrize("D", [3, 40])                 # product inside the kernel, then BLAS
def test_min_layers_run_the_compiled_scan_and_equal_their_sequential_path(kernels, cls, D):
    layer = cls(6, return_sequences=True)
    layer.maybe_build((None, None, D))
    layer.double()
    x = torch.randn(3, 25, D, dtype=torch.float64)
    results = []
    for run in (layer.forward_parallel, layer.forward_sequential):
        layer.zero_grad()
        y = run(x)
        y.square().sum().backward()
        results.append([y, *(p.grad.clone() for p in layer.parameters())])
    layer(x)
    assert layer.last_path == "scan" and "C++ scan" in layer.path_reason
    for par, seq in zip(*results):
        torch.testing.assert_close(par, seq, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_min_layers_fall_back_to_the_pytorch_scan_when_the_kernel_is_unavailable(monkeypatch,
                                                                                   cls):
    monkeypatch.setattr(build, "_result", (False, "no compiler (test)"))
    layer = cls(5, return_sequences=True, implementation="compiled")
    x = torch.randn(2, 12, 3)
    y = layer(x)
    assert layer.last_path == "scan" and "no compiler (test)" in layer.path_reason
    torch.testing.assert_close(y, layer.forward_sequential(x))
    a, b, h0 = torch.rand(2, 4, 3), torch.randn(2, 4, 3), torch.randn(2, 3)
    torch.testing.assert_close(linear_scan_compiled(a, b, h0), linear_scan_loop(a, b, h0))
    with pytest.raises(RuntimeError, match="falls back"):
        min_rnn_scan("gru", torch.randn(2, 4, 6), h0)


def test_wrong_shapes_raise_errors_that_say_what_was_expected(kernels):
    with pytest.raises(ValueError, match=r"\(B, T, 2\*H\)"):
        min_rnn_scan("gru", torch.randn(2, 4, 5), torch.zeros(2, 3))
    with pytest.raises(ValueError, match="W"):
        min_rnn_input_scan("lstm", torch.randn(2, 4, 5), torch.randn(9, 4), None, torch.zeros(2, 3))


@pytest.mark.parametrize("cls", [MinGRU, MinLSTM])
def test_outputs_kept_by_the_caller_survive_later_calls_that_reuse_kernel_buffers(kernels, cls):
    layer = cls(128, return_sequences=True)            # outputs of 4 MiB come from the pool
    x1, x2 = torch.randn(8, 1024, 2), torch.randn(8, 1024, 2)
    y1 = layer(x1)
    kept = y1.detach().clone()
    for _ in range(3):
        layer(x2).sum().backward()
    torch.testing.assert_close(y1, kept)
    fused_scan.release_workspace()
    torch.testing.assert_close(layer(x1), kept)
