"""SimpleRNN, LSTM and GRU against torch.nn.RNN/LSTM/GRU with copied weights."""
import pytest
import torch
from torch import nn

from rnnkit.kernels import use_path
from rnnkit.kernels.rnn import fused_available
from rnnkit.layers import GRU, LSTM, SimpleRNN

CASES = {"SimpleRNN": (SimpleRNN, nn.RNN), "LSTM": (LSTM, nn.LSTM), "GRU": (GRU, nn.GRU)}
B, T, D, H = 3, 7, 4, 5


def by_torch_name(layer) -> dict:
    """Our parameters under torch's names, mapped by hand (None: we have no such bias)."""
    c = layer.cell
    if isinstance(layer, SimpleRNN):
        return {"weight_ih": c.W_xh, "weight_hh": c.W_hh, "bias_ih": c.b_h, "bias_hh": None}
    if isinstance(layer, LSTM):
        return {"weight_ih": c.W_x, "weight_hh": c.W_h, "bias_ih": c.b, "bias_hh": None}
    return {"weight_ih": c.W_x, "weight_hh": c.W_h, "bias_ih": c.b_x, "bias_hh": c.b_h}


def copy_into_torch(layer, ref: nn.RNNBase, suffix: str = "_l0") -> None:
    """W_ih <- W_x, W_hh <- W_h, b_ih <- our (first) bias, b_hh <- b_h or zeros."""
    with torch.no_grad():
        for name, ours in by_torch_name(layer).items():
            theirs = getattr(ref, name + suffix, None)
            if theirs is not None:
                theirs.copy_(ours if ours is not None else torch.zeros_like(theirs))


def skip_without_kernels(path: str) -> None:
    if path == "rnnkit" and not fused_available()[0]:
        pytest.skip(fused_available()[1])


def make_pair(kind, use_bias=True, dtype=torch.float64, **kwargs):
    ours_cls, ref_cls = CASES[kind]
    layer = ours_cls(H, use_bias=use_bias, return_sequences=True, **kwargs)
    layer.maybe_build((None, T, D))
    ref = ref_cls(D, H, batch_first=True, bias=use_bias)
    copy_into_torch(layer, ref)
    return layer.to(dtype), ref.to(dtype)


def grads_of(params, out):
    weight = torch.linspace(-1, 1, out.numel(), dtype=out.dtype).reshape(out.shape)
    return torch.autograd.grad((out * weight).sum(), params)


@pytest.mark.parametrize("kind", CASES)
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("path", ["torch", "rnnkit", "loop"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_layer_matches_torch_with_copied_weights(kind, use_bias, path, dtype):
    skip_without_kernels(path)
    layer, ref = make_pair(kind, use_bias, dtype)
    x = torch.randn(B, T, D, dtype=dtype, requires_grad=True)
    with use_path(path):
        ours = layer(x)
    theirs = ref(x)[0]
    torch.testing.assert_close(ours, theirs, atol=1e-5, rtol=1e-5)
    named = by_torch_name(layer)
    w_ours = [x, named["weight_ih"], named["weight_hh"]]
    w_theirs = [x, ref.weight_ih_l0, ref.weight_hh_l0]
    for g_ours, g_theirs in zip(grads_of(w_ours, ours), grads_of(w_theirs, theirs)):
        torch.testing.assert_close(g_ours, g_theirs, atol=1e-5, rtol=1e-5)
    if use_bias:
        with use_path(path):
            (g_b,) = grads_of([named["bias_ih"]], layer(x))
        (g_ref,) = grads_of([ref.bias_ih_l0], ref(x)[0])
        torch.testing.assert_close(g_b, g_ref, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", CASES)
def test_go_backwards_equals_torch_on_the_reversed_sequence(kind):
    layer, ref = make_pair(kind, go_backwards=True)
    x = torch.randn(B, T, D, dtype=torch.float64)
    torch.testing.assert_close(layer(x), ref(x.flip(1))[0])


@pytest.mark.parametrize("kind", CASES)
def test_two_stacked_layers_match_a_two_layer_torch_network(kind):
    ours_cls, ref_cls = CASES[kind]
    first = ours_cls(H, return_sequences=True)
    second = ours_cls(H, return_sequences=True)
    first.maybe_build((None, T, D))
    second.maybe_build((None, T, H))
    ref = ref_cls(D, H, num_layers=2, batch_first=True)
    copy_into_torch(first, ref, "_l0")
    copy_into_torch(second, ref, "_l1")
    x = torch.randn(B, T, D)
    torch.testing.assert_close(second(first(x)), ref(x)[0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", CASES)
def test_bidirectional_concat_matches_torch_bidirectional(kind):
    from rnnkit.layers import Bidirectional
    ours_cls, ref_cls = CASES[kind]
    bi = Bidirectional(ours_cls(H, return_sequences=True))
    bi.maybe_build((None, T, D))
    ref = ref_cls(D, H, batch_first=True, bidirectional=True)
    copy_into_torch(bi.forward_layer, ref, "_l0")
    copy_into_torch(bi.backward_layer, ref, "_l0_reverse")
    x = torch.randn(B, T, D)
    torch.testing.assert_close(bi(x), ref(x)[0], atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("kind", CASES)
@pytest.mark.parametrize("path", ["torch", "rnnkit"])
def test_readable_loop_matches_each_compiled_path_with_initial_state(kind, path):
    skip_without_kernels(path)
    layer, _ = make_pair(kind, return_state=True)
    x = torch.randn(B, T, D, dtype=torch.float64)
    init = [torch.randn(B, H, dtype=torch.float64) for _ in layer.cell.state_size]
    with use_path(path):
        compiled = layer(x, initial_state=init)
    with use_path("loop"):
        loop = layer(x, initial_state=init)
    for a, b in zip(compiled, loop):
        torch.testing.assert_close(a, b)


def test_simple_rnn_golden_values_with_constant_weights():
    """All weights 0.1, input ones: h_1 = tanh(0.1*D + 0.1) and h_2 = tanh(0.1*D + 0.1*H*h_1 + 0.1)."""
    layer = SimpleRNN(2, return_sequences=True, kernel_initializer="ones",
                      recurrent_initializer="ones", bias_initializer="ones")
    layer.maybe_build((None, 2, 3))
    with torch.no_grad():
        for p in layer.parameters():
            p.mul_(0.1)
    y = layer(torch.ones(1, 2, 3))
    h1 = torch.tanh(torch.tensor(0.4))
    h2 = torch.tanh(0.3 + 0.2 * h1 + 0.1)
    torch.testing.assert_close(y[0, :, 0], torch.stack([h1, h2]))


def test_lstm_golden_values_with_constant_weights():
    """Zero weights, bias 1 (forget bias too): i=f=o=σ(1), g=tanh(1), c_1 = σ(1) tanh(1)."""
    layer = LSTM(1, return_state=True, kernel_initializer="zeros",
                 recurrent_initializer="zeros", bias_initializer="ones")
    _, h, c = layer(torch.zeros(1, 2, 1))
    s, g = torch.sigmoid(torch.tensor(1.0)), torch.tanh(torch.tensor(1.0))
    c1 = s * g
    c2 = s * c1 + s * g
    torch.testing.assert_close(c[0, 0], c2)
    torch.testing.assert_close(h[0, 0], s * torch.tanh(c2))


def test_gru_golden_values_with_constant_weights():
    """Zero weights and biases: r = z = 0.5, n = 0, so h_t = 0.5 h_{t-1}."""
    layer = GRU(2, kernel_initializer="zeros", recurrent_initializer="zeros")
    h0 = torch.ones(1, 2)
    h = layer(torch.randn(1, 3, 4), initial_state=[h0])
    torch.testing.assert_close(h, torch.full((1, 2), 0.125))


def test_lstm_forget_gate_bias_starts_at_one_as_in_keras():
    layer = LSTM(3)
    layer.maybe_build((None, 5, 2))
    torch.testing.assert_close(layer.cell.b[3:6], torch.ones(3))
    torch.testing.assert_close(layer.cell.b[:3], torch.zeros(3))
