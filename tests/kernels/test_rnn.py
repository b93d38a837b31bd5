"""rnnkit's C++ kernels for SimpleRNN, LSTM, GRU against torch.nn.RNN / LSTM / GRU with
copied weights.

The C++ build is cached on disk by kernels/build.py and loaded once per process, so only the
very first run on a machine pays the compile.
"""
import os
import shutil
import subprocess
import sys
import threading

import pytest
import torch

from rnnkit import config
from rnnkit.kernels import build
from rnnkit.kernels import rnn as fused
from rnnkit.kernels.rnn import (fused_available, gru_fused, gru_reset_before_fused, lstm_fused,
                                simple_rnn_fused)

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
TOL = {torch.float64: 1e-11, torch.float32: 1e-5}


def assert_close(ours, ref, dtype):
    """Equal to rtol = TOL and atol = TOL times the largest |value| (gradients summed over
    B * T rows grow with them, and float32 sums in another order differ by that much)."""
    scale = max(1.0, ref.abs().max().item())
    torch.testing.assert_close(ours, ref, rtol=TOL[dtype], atol=TOL[dtype] * scale)


@pytest.fixture(scope="session")
def kernels():
    """The compiled kernels, built (or loaded from the cache) once for the whole session."""
    ok, reason = fused_available()
    if not ok and (shutil.which("c++") or shutil.which("g++")):
        pytest.fail(f"a C++ compiler is here but the kernels did not build: {reason}")
    if not ok:
        pytest.skip(reason)
    return True


def make_weights(kind, D, H, bias, dtype):
    """Random weights of the size PyTorch's initialisation gives (std about 1 / sqrt(H + D))."""
    G, scale = GATES[kind] * H, 1.2 / (H + D) ** 0.5
    w = {"W_x": torch.randn(G, D, dtype=dtype) * scale,
         "W_h": torch.randn(G, H, dtype=dtype) * scale}
    if kind == "gru":
        w["b_x"] = torch.randn(G, dtype=dtype) * 0.3 if bias else None
        w["b_h"] = torch.randn(G, dtype=dtype) * 0.3 if bias else None
    else:
        w["b"] = torch.randn(G, dtype=dtype) * 0.3 if bias else None
    return {k: (v.requires_grad_() if v is not None else None) for k, v in w.items()}


def torch_module(kind, D, H, w, dtype):
    """nn.RNN / nn.LSTM / nn.GRU with our weights copied in (one Keras bias -> bias_ih)."""
    bias = (w.get("b") if kind != "gru" else w["b_x"]) is not None
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind]
    m = cls(D, H, bias=bias, batch_first=True).to(dtype)
    with torch.no_grad():
        m.weight_ih_l0.copy_(w["W_x"])
        m.weight_hh_l0.copy_(w["W_h"])
        if bias:
            m.bias_ih_l0.copy_(w["b_x"] if kind == "gru" else w["b"])
            m.bias_hh_l0.copy_(w["b_h"] if kind == "gru" else torch.zeros_like(w["b"]))
    return m


def run_fused(kind, x, states, w, return_sequences):
    """The fused function; returns (outputs, [final states])."""
    if kind == "rnn":
        y, h = simple_rnn_fused(x, states[0], w["W_x"], w["W_h"], w["b"], return_sequences)
        return y, [h]
    if kind == "lstm":
        y, (h, c) = lstm_fused(x, *states, w["W_x"], w["W_h"], w["b"], return_sequences)
        return y, [h, c]
    y, h = gru_fused(x, states[0], w["W_x"], w["W_h"], w["b_x"], w["b_h"], return_sequences)
    return y, [h]


def run_torch(kind, m, x, states, return_sequences):
    hx = tuple(s.unsqueeze(0) for s in states) if kind == "lstm" else states[0].unsqueeze(0)
    y, final = m(x, hx)
    final = list(final) if kind == "lstm" else [final]
    return (y if return_sequences else y[:, -1]), [s.squeeze(0) for s in final]


def torch_grads(kind, m):
    grads = [m.weight_ih_l0.grad, m.weight_hh_l0.grad]
    if m.bias:
        grads += [m.bias_ih_l0.grad, m.bias_hh_l0.grad] if kind == "gru" else [m.bias_ih_l0.grad]
    return grads


def compare_with_torch(kind, dtype, B=3, T=6, D=5, H=4, bias=True, return_sequences=True):
    x = torch.randn(B, T, D, dtype=dtype, requires_grad=True)
    states = [torch.randn(B, H, dtype=dtype, requires_grad=True)
              for _ in range(2 if kind == "lstm" else 1)]
    w = make_weights(kind, D, H, bias, dtype)
    m = torch_module(kind, D, H, w, dtype)

    y, final = run_fused(kind, x, states, w, return_sequences)
    y_ref, final_ref = run_torch(kind, m, x, states, return_sequences)
    for a, b in zip([y, *final], [y_ref, *final_ref]):
        assert_close(a, b, dtype)

    # one random weighting of every output, so every output gradient path is exercised
    weights = [torch.randn_like(t) for t in [y, *final]]
    inputs = [x, *states]
    ours = torch.autograd.grad(sum((t * c).sum() for t, c in zip([y, *final], weights)),
                               inputs + [v for v in w.values() if v is not None])
    loss_ref = sum((t * c).sum() for t, c in zip([y_ref, *final_ref], weights))
    ref = list(torch.autograd.grad(loss_ref, inputs, retain_graph=True))
    loss_ref.backward()
    ref += torch_grads(kind, m)
    assert len(ours) == len(ref)
    for a, b in zip(ours, ref):
        assert_close(a, b, dtype)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_fused_matches_torch_layer_with_copied_weights(kernels, kind, dtype, bias,
                                                       return_sequences):
    compare_with_torch(kind, dtype, bias=bias, return_sequences=return_sequences)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_single_time_step_matches_torch(kernels, kind):
    compare_with_torch(kind, torch.float64, B=2, T=1, D=3, H=5)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
@pytest.mark.parametrize("B", [1, 4, 5])
def test_one_to_four_samples_take_the_small_step_product_and_still_match_torch(kernels, kind,
                                                                               dtype, B):
    # H = 70: full 64-column blocks and a tail, 4-row dot products and a tail; B = 5: BLAS
    compare_with_torch(kind, dtype, B=B, T=7, D=9, H=70)


@pytest.fixture
def flush_denormals():
    """Vanishing gradients reach 1e-40, which makes torch's reference slow, not different."""
    torch.set_flush_denormal(True)
    yield
    torch.set_flush_denormal(False)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_long_float32_sequence_with_vanishing_gradients_matches_torch(kernels, flush_denormals,
                                                                      kind):
    compare_with_torch(kind, torch.float32, B=4, T=150, D=1, H=16, return_sequences=False)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_wide_float32_layer_matches_torch(kernels, kind):
    compare_with_torch(kind, torch.float32, B=5, T=9, D=33, H=40)


@pytest.fixture
def big_step_path(kernels):
    """Make every step count as big: step products and gate loops on all of torch's threads."""
    torch.ops.rnnkit.set_step_threads_min_flops(0.0)
    yield
    torch.ops.rnnkit.set_step_threads_min_flops(float(1 << 23))


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_threaded_gate_loops_match_torch(big_step_path, kind, dtype):
    compare_with_torch(kind, dtype, B=7, T=5, D=3, H=6)


def test_work_buffers_are_reused_only_once_free(kernels):
    # 4 MiB buffers and up come from the workspace; two graphs alive at once must not share
    x = torch.randn(64, 300, 8)
    w = make_weights("gru", 8, 64, True, torch.float32)
    args = (w["W_x"], w["W_h"], w["b_x"], w["b_h"])
    y1, _ = gru_fused(x, None, *args)
    y2, _ = gru_fused(x.flip(1), None, *args)
    g1 = torch.autograd.grad(y1.sum(), w["W_h"])[0]
    g2 = torch.autograd.grad(y2.sum(), w["W_h"])[0]
    fused.release_workspace()
    torch.testing.assert_close(g1, torch.autograd.grad(gru_fused(x, None, *args)[0].sum(),
                                                       w["W_h"])[0])
    torch.testing.assert_close(g2, torch.autograd.grad(gru_fused(x.flip(1), None, *args)[0].sum(),
                                                       w["W_h"])[0])


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_gradients_pass_central_difference_check(kernels, kind, return_sequences):
    B, T, D, H = 2, 3, 2, 3
    x = torch.randn(B, T, D, dtype=torch.float64, requires_grad=True)
    states = [torch.randn(B, H, dtype=torch.float64, requires_grad=True)
              for _ in range(2 if kind == "lstm" else 1)]
    w = make_weights(kind, D, H, True, torch.float64)

    def f(*args):
        n = len(states) + 1
        return run_fused(kind, args[0], list(args[1:n]), dict(zip(w, args[n:])),
                         return_sequences)[0]

    assert torch.autograd.gradcheck(f, (x, *states, *w.values()))


def test_gradients_only_for_inputs_that_require_them(kernels):
    x = torch.randn(2, 4, 3)  # raw features: no gradient wanted
    w = make_weights("lstm", 3, 5, True, torch.float32)
    y, _ = lstm_fused(x, None, None, w["W_x"], w["W_h"], w["b"])
    y.sum().backward()
    assert x.grad is None and w["W_x"].grad is not None and w["b"].grad is not None


def test_float32_kernels_agree_with_float64_reference(kernels):
    x = torch.randn(8, 50, 6, dtype=torch.float64)
    w = make_weights("gru", 6, 32, True, torch.float64)
    y64, _ = gru_fused(x, None, w["W_x"], w["W_h"], w["b_x"], w["b_h"])
    w32 = {k: v.detach().float() for k, v in w.items()}
    y32, _ = gru_fused(x.float(), None, w32["W_x"], w32["W_h"], w32["b_x"], w32["b_h"])
    torch.testing.assert_close(y32.double(), y64, rtol=0, atol=2e-6)


def test_functions_fall_back_to_torch_kernels_when_build_is_unavailable(monkeypatch):
    monkeypatch.setattr(build, "_result", (False, "no compiler (test)"))
    assert fused_available() == (False, "no compiler (test)")
    for kind in ["rnn", "lstm", "gru"]:
        for return_sequences in [True, False]:
            compare_with_torch(kind, torch.float64, return_sequences=return_sequences)


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_bfloat16_runs_on_torch_kernels_with_gradients(kernels, kind):
    x = torch.randn(3, 6, 4, dtype=torch.bfloat16)
    w = {k: v.detach().bfloat16().requires_grad_() if v is not None else None
         for k, v in make_weights(kind, 4, 5, True, torch.float32).items()}
    y, _ = run_fused(kind, x, [torch.zeros(3, 5, dtype=torch.bfloat16)] *
                     (2 if kind == "lstm" else 1), w, True)
    y.float().sum().backward()
    assert y.dtype == torch.bfloat16 and w["W_h"].grad.dtype == torch.bfloat16


def test_wrong_shapes_raise_errors_that_name_the_fix():
    w = make_weights("lstm", 3, 4, True, torch.float32)
    with pytest.raises(ValueError, match="batch, time, features"):
        lstm_fused(torch.randn(2, 3), None, None, w["W_x"], w["W_h"], w["b"])
    with pytest.raises(ValueError, match="W_x of shape"):
        lstm_fused(torch.randn(2, 5, 7), None, None, w["W_x"], w["W_h"], w["b"])
    with pytest.raises(ValueError, match="convert them to one dtype"):
        lstm_fused(torch.randn(2, 5, 3, dtype=torch.float64), None, None, w["W_x"], w["W_h"],
                   w["b"])


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "gru_reset_before"])
def test_gradients_with_a_recurrent_dropout_mask_and_padding_pass_gradcheck(kernels, kind):
    B, T, D, H = 3, 4, 2, 3
    x = torch.randn(B, T, D, dtype=torch.float64, requires_grad=True)
    states = [torch.randn(B, H, dtype=torch.float64, requires_grad=True)
              for _ in range(2 if kind == "lstm" else 1)]
    w = make_weights("gru" if kind.startswith("gru") else kind, D, H, True, torch.float64)
    if kind == "gru_reset_before":
        del w["b_h"]
    rec_mask = torch.tensor([[2.0, 0.0, 2.0]] * B, dtype=torch.float64)  # rate 0.5, kept x2
    keep = torch.tensor([[True, False, True, True], [False, False, True, True],
                         [True, True, True, False]])
    function = {"rnn": simple_rnn_fused, "lstm": lstm_fused, "gru": gru_fused,
                "gru_reset_before": gru_reset_before_fused}[kind]

    def f(*args):
        n = len(states) + 1
        return function(args[0], *args[1:n], *args[n:], rec_mask=rec_mask, keep=keep)[0]

    assert torch.autograd.gradcheck(f, (x, *states, *w.values()))


def test_masks_need_rnnkits_kernels_and_say_so_where_they_do_not_run(monkeypatch):
    monkeypatch.setattr(build, "_result", (False, "no compiler (test)"))
    w = make_weights("gru", 3, 4, True, torch.float32)
    with pytest.raises(RuntimeError, match="only rnnkit's C\\+\\+ kernels take.*no compiler"):
        gru_fused(torch.randn(2, 5, 3), None, w["W_x"], w["W_h"], w["b_x"], w["b_h"],
                  rec_mask=torch.ones(2, 4))
    with pytest.raises(RuntimeError, match="PyTorch has no GRU with reset_after=False"):
        gru_reset_before_fused(torch.randn(2, 5, 3), None, w["W_x"], w["W_h"], w["b_x"])


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "gru_reset_before"])
def test_relu_and_hard_sigmoid_gates_pass_gradcheck(kernels, kind):
    B, T, D, H = 2, 4, 2, 3
    x = torch.randn(B, T, D, dtype=torch.float64, requires_grad=True)
    w = make_weights("gru" if kind.startswith("gru") else kind, D, H, True, torch.float64)
    if kind == "gru_reset_before":
        del w["b_h"]
    function = {"rnn": simple_rnn_fused, "lstm": lstm_fused, "gru": gru_fused,
                "gru_reset_before": gru_reset_before_fused}[kind]
    acts = {"activation": "relu"}
    if kind != "rnn":
        acts["recurrent_activation"] = "hard_sigmoid"

    def f(x, *weights):
        return function(x, *([None] * (2 if kind == "lstm" else 1)), *weights, **acts)[0]

    assert torch.autograd.gradcheck(f, (x, *w.values()))


def test_a_mask_of_the_wrong_shape_is_refused_with_both_shapes(kernels):
    w = make_weights("lstm", 3, 4, True, torch.float32)
    with pytest.raises(ValueError, match=r"rec_mask must have shape \(2, 4\).*got \(2, 3\)"):
        lstm_fused(torch.randn(2, 5, 3), None, None, w["W_x"], w["W_h"], w["b"],
                   rec_mask=torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"keep must have shape \(2, 5\).*got \(5, 2\)"):
        lstm_fused(torch.randn(2, 5, 3), None, None, w["W_x"], w["W_h"], w["b"],
                   keep=torch.ones(5, 2, dtype=torch.bool))


@pytest.fixture(params=["torch's team", "block threads"])
def split_sweeps(kernels, request):
    """Two sweep threads, blocks of one row up, no minimum work: every sweep of two rows or
    more runs on two blocks of batch rows, on torch's OpenMP team (torch with two threads)
    or on rnnkit's sleeping block threads (torch with one, as "auto" under load)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(2 if request.param == "torch's team" else 1)
    torch.ops.rnnkit.set_sweep_threads(2)
    torch.ops.rnnkit.set_split(1, 0.0)
    yield
    torch.ops.rnnkit.set_split(8, float(1 << 24))
    torch.set_num_threads(threads)
    config.tell_kernels()


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [torch.float64, torch.float32])
def test_sweeps_split_over_batch_rows_match_torch(split_sweeps, kind, dtype):
    compare_with_torch(kind, dtype, B=7, T=6, D=5, H=6)   # blocks of 3 and 4 rows
    assert torch.ops.rnnkit.last_sweep_blocks() == 2


def _masked_outputs_and_grads(kind, split):
    """Outputs and every gradient of one masked call with relu / hard_sigmoid, in float64."""
    torch.ops.rnnkit.set_split(1 if split else 1 << 30, 0.0)
    g = torch.Generator().manual_seed(3)
    B, T, D, H = 6, 5, 3, 4
    x = torch.randn(B, T, D, dtype=torch.float64, generator=g).requires_grad_()
    states = [torch.randn(B, H, dtype=torch.float64, generator=g).requires_grad_()
              for _ in range(2 if kind == "lstm" else 1)]
    torch.manual_seed(4)
    w = make_weights("gru" if kind.startswith("gru") else kind, D, H, True, torch.float64)
    if kind == "gru_reset_before":
        del w["b_h"]
    function = {"rnn": simple_rnn_fused, "lstm": lstm_fused, "gru": gru_fused,
                "gru_reset_before": gru_reset_before_fused}[kind]
    acts = {"activation": "relu"} if kind == "rnn" else {"recurrent_activation": "hard_sigmoid"}
    rec_mask = (torch.rand(B, H, generator=g) > 0.4).double() / 0.6
    keep = torch.rand(B, T, generator=g) > 0.3
    y = function(x, *states, *w.values(), rec_mask=rec_mask, keep=keep, **acts)[0]
    blocks = torch.ops.rnnkit.last_sweep_blocks()
    grads = torch.autograd.grad(y.sin().sum(), [x, *states, *w.values()])
    return [y, *grads], blocks


@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru", "gru_reset_before"])
def test_split_sweeps_with_masks_and_other_activations_equal_the_whole_sweep(split_sweeps, kind):
    whole, blocks_whole = _masked_outputs_and_grads(kind, split=False)
    split, blocks_split = _masked_outputs_and_grads(kind, split=True)
    assert (blocks_whole, blocks_split) == (1, 2)
    for a, b in zip(split, whole):
        torch.testing.assert_close(a, b, rtol=1e-12, atol=1e-12)


def test_split_sweeps_called_from_four_threads_at_once_each_get_their_own_results(split_sweeps):
    # the block threads are shared: four callers' blocks queue on them and none waits forever
    w = make_weights("lstm", 5, 8, True, torch.float64)
    xs = [torch.randn(6, 30, 5, dtype=torch.float64) for _ in range(4)]
    expected = [lstm_fused(x, None, None, w["W_x"], w["W_h"], w["b"])[0] for x in xs]
    results = [None] * 4

    def work(i):
        for _ in range(20):
            results[i] = lstm_fused(xs[i], None, None, w["W_x"], w["W_h"], w["b"])[0]

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    for got, want in zip(results, expected):
        torch.testing.assert_close(got, want, rtol=0, atol=0)


def test_config_tells_the_kernels_how_many_threads_split_a_sweep(kernels):
    before = config.get_threads()
    try:
        config.set_threads(1)
        x = torch.randn(64, 40, 8)
        w = make_weights("gru", 8, 128, True, torch.float32)
        gru_fused(x, None, w["W_x"], w["W_h"], w["b_x"], w["b_h"])
        assert torch.ops.rnnkit.last_sweep_blocks() == 1
        config.set_threads(2)
        gru_fused(x, None, w["W_x"], w["W_h"], w["b_x"], w["b_h"])
        assert torch.ops.rnnkit.last_sweep_blocks() == 2
    finally:
        config.set_threads(before)


def test_a_kernel_call_leaves_torchs_thread_count_as_it_found_it(kernels):
    # a fresh process where the program never called torch.set_num_threads: ATen's first
    # parallel_for from the kernels' library once set torch's count to MKL's step count, 1
    code = ("import torch\n"
            "from rnnkit.kernels.rnn import gru_fused\n"
            "before = torch.get_num_threads()\n"
            "x, W = torch.randn(32, 80, 16, requires_grad=True), torch.randn(384, 128) * 0.1\n"
            "y, h = gru_fused(x, None, torch.randn(384, 16) * 0.1, W, None, None, False)\n"
            "h.sum().backward()\n"
            "print(before, torch.get_num_threads())\n")
    env = {k: v for k, v in os.environ.items()
           if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "RNNKIT_NUM_THREADS")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    before, after = done.stdout.split()[-2:]
    assert after == before
