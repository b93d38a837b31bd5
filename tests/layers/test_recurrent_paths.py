"""Every compiled path equals the readable loop: outputs and gradients, with the same dropout.

The layer draws its dropout masks once per call (input: (B, 1, D); recurrent: (B, H) on
h_{t-1}, one for every step, as Keras) and hands the same ones to whichever path runs, so
seeding the generator before each call gives both paths the same masks.
"""
import pytest
import torch

from rnnkit.kernels import use_path
from rnnkit.kernels.rnn import fused_available
from rnnkit.layers import GRU, LSTM, Bidirectional, SimpleRNN

B, T, D, H = 5, 7, 3, 4


@pytest.fixture(autouse=True)
def kernels():
    ok, reason = fused_available()
    if not ok:
        pytest.skip(reason)


def run(layer, x, path, mask=None, initial_state=None, seed=0):
    """Outputs and the gradients of a weighted sum of them (x, then each parameter)."""
    torch.manual_seed(seed)
    x = x.detach().clone().requires_grad_(True)
    with use_path(path):
        out = layer(x, mask=mask, initial_state=initial_state)
    y = torch.cat([o.flatten() for o in out]) if isinstance(out, list) else out.flatten()
    weight = torch.linspace(-1, 1, y.numel(), dtype=y.dtype)
    grads = torch.autograd.grad((y * weight).sum(), [x, *layer.parameters()])
    return y.detach(), grads, layer.last_path


def assert_paths_agree(layer, path, dtype=torch.float64, mask=None, atol=1e-5, **kwargs):
    layer.maybe_build((None, None, D))
    layer.to(dtype).train()
    x = torch.randn(B, T, D, dtype=dtype)
    y_loop, g_loop, _ = run(layer, x, "loop", mask, **kwargs)
    y_fast, g_fast, taken = run(layer, x, path, mask, **kwargs)
    assert taken == path
    torch.testing.assert_close(y_fast, y_loop, atol=atol, rtol=atol)
    for fast, loop in zip(g_fast, g_loop):
        torch.testing.assert_close(fast, loop, atol=atol, rtol=atol)


def padded_mask(kind):
    mask = torch.ones(B, T, dtype=torch.bool)
    if kind == "post":
        mask[1, 4:], mask[2, 1:] = False, False
    elif kind == "pre":
        mask[1, :3], mask[3, :6] = False, False
    elif kind == "gaps":
        mask[0, 2], mask[3, ::2] = False, False
    return mask


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_recurrent_dropout_on_rnnkits_kernel_equals_the_loop_with_the_same_mask(cls, dtype):
    layer = cls(H, dropout=0.2, recurrent_dropout=0.3, return_sequences=True)
    assert_paths_agree(layer, "rnnkit", dtype)


def test_the_recurrent_dropout_mask_is_one_mask_for_every_step():
    layer = SimpleRNN(H, recurrent_dropout=0.5, use_bias=False, return_sequences=True)
    layer.maybe_build((None, None, D))
    with torch.no_grad():
        layer.cell.W_xh.zero_()                             # h_t = tanh(W_hh (m ⊙ h_{t-1}))
        layer.cell.W_hh.copy_(torch.eye(H))
    h0 = torch.full((B, H), 0.5)
    torch.manual_seed(1)
    y = layer(torch.zeros(B, T, D), initial_state=h0)
    dropped = y[:, 0] == 0                               # the units the mask removed at t = 1
    assert dropped.any() and (~dropped).any()
    assert torch.equal(y[:, 1:] == 0, dropped[:, None].expand(B, T - 1, H))


@pytest.mark.parametrize("reset_after", [True, False])
@pytest.mark.parametrize("use_bias", [True, False])
def test_gru_on_rnnkits_kernel_equals_the_loop_in_both_reset_modes(reset_after, use_bias):
    layer = GRU(H, reset_after=reset_after, use_bias=use_bias, return_sequences=True)
    assert_paths_agree(layer, "rnnkit")


@pytest.mark.parametrize("layer", [
    lambda: SimpleRNN(H, activation="relu", recurrent_dropout=0.2, return_sequences=True),
    lambda: LSTM(H, activation="relu", recurrent_activation="hard_sigmoid", dropout=0.1,
                 recurrent_dropout=0.2, return_sequences=True),
    lambda: GRU(H, recurrent_activation="hard_sigmoid", recurrent_dropout=0.2),
    lambda: GRU(H, activation="relu", reset_after=False, recurrent_activation="hard_sigmoid",
                return_sequences=True)], ids=["SimpleRNN relu", "LSTM relu hard_sigmoid",
                                              "GRU hard_sigmoid", "GRU v1 relu hard_sigmoid"])
def test_relu_and_hard_sigmoid_on_rnnkits_kernel_equal_the_loop(layer):
    assert_paths_agree(layer(), "rnnkit")


def test_gru_reset_after_false_with_recurrent_dropout_in_float32_equals_the_loop():
    layer = GRU(H, reset_after=False, recurrent_dropout=0.25, return_sequences=True)
    assert_paths_agree(layer, "rnnkit", torch.float32)


@pytest.mark.parametrize("cls", [LSTM, GRU, SimpleRNN])
@pytest.mark.parametrize("padding", ["pre", "post", "gaps"])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_padding_and_recurrent_dropout_on_rnnkits_kernel_equal_the_loop(cls, padding,
                                                                          go_backwards):
    layer = cls(H, recurrent_dropout=0.3, return_sequences=True, return_state=True,
                go_backwards=go_backwards)
    assert_paths_agree(layer, "rnnkit", mask=padded_mask(padding))


@pytest.mark.parametrize("path", ["torch", "rnnkit"])
def test_masked_bidirectional_lstm_equals_the_loop_on_each_compiled_path(path):
    bi = Bidirectional(LSTM(H, return_sequences=True))
    assert_paths_agree(bi, path, mask=padded_mask("pre"))


def test_stateful_lstm_with_recurrent_dropout_carries_the_state_as_the_loop_does():
    fast, loop = (LSTM(H, stateful=True, recurrent_dropout=0.2) for _ in range(2))
    fast.maybe_build((None, None, D))
    loop.maybe_build((None, None, D))
    loop.load_state_dict(fast.state_dict())
    xs = torch.randn(3, B, T, D)
    for i, x in enumerate(xs):
        torch.manual_seed(i)
        with use_path("rnnkit"):
            y_fast = fast(x)
        torch.manual_seed(i)
        with use_path("loop"):
            y_loop = loop(x)
        torch.testing.assert_close(y_fast, y_loop)
    torch.testing.assert_close(fast.states[1], loop.states[1])


@pytest.mark.parametrize("cls", [LSTM, GRU])
def test_initial_state_reaches_rnnkits_kernel_and_gets_its_gradient(cls):
    layer = cls(H, recurrent_dropout=0.2, return_state=True)
    n = 2 if cls is LSTM else 1
    init = [torch.randn(B, H, dtype=torch.float64) for _ in range(n)]
    assert_paths_agree(layer, "rnnkit", initial_state=init)


def test_the_imdb_style_lstm_trains_on_rnnkits_kernel():
    from rnnkit.layers import Dense, Embedding
    from rnnkit.models import Sequential
    model = Sequential([Embedding(20000, 128), LSTM(128, dropout=0.2, recurrent_dropout=0.2),
                        Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    x = torch.randint(1, 20000, (8, 12)).numpy()
    model.fit(x, (x[:, 0] % 2).astype("float32"), epochs=1, batch_size=4, verbose=0)
    lstm = model.layers[1]
    assert lstm.last_path == "rnnkit", lstm.path_reason
    assert "no recurrent dropout" in lstm.path_reason
