"""rnnkit's GRU kernel under mixed_bfloat16 (csrc/gru_bf16.cpp): bfloat16 products, float32
state, gates and weights."""
import pytest
import torch

from rnnkit import config, mixed_precision
from rnnkit.kernels.rnn import fused_available, gru_bf16_fused, gru_fused

pytestmark = pytest.mark.skipif(not fused_available()[0], reason="no C++ kernels here")


def _weights(D, H, seed=0):
    g = torch.Generator().manual_seed(seed)
    s = (H + D) ** -0.5
    return {"W_x": torch.randn(3 * H, D, generator=g) * s,
            "W_h": torch.randn(3 * H, H, generator=g) * s,
            "b_x": torch.randn(3 * H, generator=g) * 0.1,
            "b_h": torch.randn(3 * H, generator=g) * 0.1}


def _products_in_bf16_loop(x, h, w):
    """The kernel's arithmetic written out: each product on bfloat16-rounded operands, its
    result rounded to bfloat16; gates and the state in float32."""
    def mm(a, W):
        return (a.bfloat16() @ W.bfloat16().t()).float()
    H = h.shape[1]
    gx = mm(x.reshape(-1, x.shape[-1]), w["W_x"]).view(*x.shape[:2], 3 * H) + w["b_x"]
    ys = []
    for t in range(x.shape[1]):
        gh = mm(h, w["W_h"]) + w["b_h"]
        r = torch.sigmoid(gx[:, t, :H] + gh[:, :H])
        u = torch.sigmoid(gx[:, t, H:2 * H] + gh[:, H:2 * H])
        n = torch.tanh(gx[:, t, 2 * H:] + r * gh[:, 2 * H:])
        h = (1 - u) * n + u * h
        ys.append(h)
    return torch.stack(ys, 1), h


def test_outputs_equal_a_float32_loop_with_bfloat16_products():
    x, h0, w = torch.randn(3, 30, 5), torch.randn(3, 16), _weights(5, 16)
    y, h_T = gru_bf16_fused(x.bfloat16(), h0, *w.values())
    y_ref, h_ref = _products_in_bf16_loop(x.bfloat16().float(), h0, w)
    torch.testing.assert_close(h_T, h_ref, rtol=1e-5, atol=1e-5)     # the state: float32
    torch.testing.assert_close(y.float(), y_ref, rtol=1e-2, atol=4e-3)  # stored as bfloat16


@pytest.mark.parametrize("masks", [False, True])
def test_gradients_are_the_float32_kernels_to_bfloat16_precision(masks):
    B, T, D, H = 4, 12, 6, 32
    x, h0, w = torch.randn(B, T, D), torch.randn(B, H), _weights(D, H, seed=1)
    options = {}
    if masks:
        options = {"rec_mask": (torch.rand(B, H) > 0.3).float() / 0.7,
                   "keep": torch.rand(B, T) > 0.2}
    grads = []
    for fn, xin in ((gru_fused, x), (gru_bf16_fused, x.bfloat16())):
        xin = xin.clone().requires_grad_()
        h = h0.clone().requires_grad_()
        ws = [v.clone().requires_grad_() for v in w.values()]
        y, h_T = fn(xin, h, *ws, **options)
        (y.float().sin().sum() + h_T.float().square().sum()).backward()
        grads.append([xin.grad.float(), h.grad, *[v.grad for v in ws]])
    for ours, ref in zip(grads[1], grads[0]):
        scale = ref.abs().max()
        assert (ours - ref).abs().max() <= 0.02 * scale


def test_bfloat16_input_gives_bfloat16_outputs_and_float32_weight_gradients():
    w = {k: v.requires_grad_() for k, v in _weights(4, 8).items()}
    x = torch.randn(2, 5, 4, dtype=torch.bfloat16, requires_grad=True)
    y, h_T = gru_bf16_fused(x, None, *w.values())
    y.float().sum().backward()
    assert (y.dtype, h_T.dtype, x.grad.dtype) == (torch.bfloat16,) * 3
    assert all(v.grad.dtype == torch.float32 for v in w.values())
    y_last, _ = gru_bf16_fused(x, None, *w.values(), return_sequences=False)
    torch.testing.assert_close(y_last, y[:, -1])


def test_weights_other_than_float32_are_refused_with_the_fix():
    w = {k: v.double() for k, v in _weights(4, 8).items()}
    with pytest.raises(ValueError, match="W_x is torch.float64.*convert them to float32"):
        gru_bf16_fused(torch.randn(2, 5, 4, dtype=torch.bfloat16), None, *w.values())


@pytest.mark.skipif(not mixed_precision.bfloat16_supported(), reason="no bfloat16 CPU")
def test_only_reset_after_grus_take_the_bfloat16_kernel_and_the_others_say_why():
    from rnnkit.layers import GRU, LSTM
    mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        layers = [GRU(256), GRU(256, reset_after=False), LSTM(256)]
    finally:
        mixed_precision.set_global_policy("float32")
    for layer in layers:
        layer(torch.randn(2, 3, 5, requires_grad=True))
    assert layers[0].last_path == "rnnkit" and "bfloat16" in layers[0].path_reason
    assert "GRU (reset_after=True) only" in layers[2].path_reason
    assert layers[2].last_path == "torch"


@pytest.mark.parametrize("return_sequences", [True, False])
def test_the_ops_pass_torch_library_opcheck_for_schema_and_fake_tensors(return_sequences):
    B, T, D, H = 2, 5, 3, 4
    x, h0 = torch.randn(B, T, D, dtype=torch.bfloat16), torch.zeros(B, H)
    w = list(_weights(D, H).values())
    args = (x, h0, *w, None, None, 0, 1, return_sequences)
    checks = ("test_schema", "test_faketensor")
    torch.library.opcheck(torch.ops.rnnkit.gru_bf16_forward.default, args, test_utils=checks)
    out = torch.ops.rnnkit.gru_bf16_forward(*args)
    dy = torch.randn(B, T, H, dtype=torch.bfloat16) if return_sequences else None
    torch.library.opcheck(torch.ops.rnnkit.gru_bf16_backward.default,
                          (dy, None, *out[2:], w[0], w[1], None, None, 0, 1, 31),
                          test_utils=checks)


@pytest.mark.parametrize("torch_threads", [2, 1])    # torch's team, rnnkit's block threads
def test_a_sweep_split_over_batch_rows_gives_the_whole_sweeps_results(torch_threads):
    B, T, D, H = 6, 9, 5, 16
    x, h0, w = torch.randn(B, T, D), torch.randn(B, H), _weights(D, H, seed=2)
    threads = torch.get_num_threads()
    torch.set_num_threads(torch_threads)
    torch.ops.rnnkit.set_sweep_threads(2)
    results = []
    try:
        for min_rows in (1 << 30, 1):               # whole, then two blocks of three rows
            torch.ops.rnnkit.set_split(min_rows, 0.0)
            xin, h = x.bfloat16().requires_grad_(), h0.clone().requires_grad_()
            ws = [v.clone().requires_grad_() for v in w.values()]
            y, h_T = gru_bf16_fused(xin, h, *ws, rec_mask=torch.ones(B, H) * 1.25)
            blocks = torch.ops.rnnkit.last_sweep_blocks()
            (y.float().sin().sum() + h_T.square().sum()).backward()
            results.append((blocks, [y.float(), h_T, xin.grad.float(), h.grad,
                                     *[v.grad for v in ws]]))
    finally:
        torch.ops.rnnkit.set_split(8, float(1 << 24))
        torch.set_num_threads(threads)
        config.tell_kernels()
    (blocks_whole, whole), (blocks_split, split) = results
    assert (blocks_whole, blocks_split) == (1, 2)
    for a, b in zip(split, whole):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)
