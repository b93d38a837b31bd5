"""rnnkit's fused C++ kernels against PyTorch's own (nn.RNN / nn.LSTM / nn.GRU), forward +
backward, at the shapes of the project's benchmark workloads.

    python benchmarks/bench_kernels.py [--repeats 21] [--threads 2]

Both sides get the same weights and the same batch; each repeat times every contender in
turn (in rotating order), so the machine's noise hits them alike. Prints medians (ms) and the
ratio torch / rnnkit (> 1: rnnkit is faster). x needs a gradient where the layer sits after an
Embedding (D > 1), not where it reads raw features (D = 1), as in the models.

"GFLOP/s" counts only the matrix products that forward + backward cannot avoid (the input
product for all steps, one recurrent product a step each way, the weight gradients, the
input gradient; see `product_flops`) over rnnkit's time, and "% of mm peak" compares that
rate with a large torch.mm (1024 x 1024 x 1024) timed in the same run: the machine's
ceiling for this arithmetic. Small per-step products (B = 32 rows) cannot reach the
ceiling, so 100% is out of reach; the gate arithmetic and the time loop are not counted.

"torch+FTZ" is PyTorch's kernels again under torch.set_flush_denormal(True): rnnkit's kernels
flush denormals to zero while they run (vanishing gradients over long sequences reach 1e-40,
and arithmetic on such numbers is slow), so this column shows how much of a speed-up that is.
"""
from __future__ import annotations

import argparse
import statistics
import time

import torch

import rnnkit
from rnnkit.kernels.rnn import fused_available, gru_fused, lstm_fused, simple_rnn_fused

# (layer, H, D, T, B, return_sequences)
CASES = [
    ("SimpleRNN", 50, 1, 20, 32, False),
    ("SimpleRNN", 128, 128, 80, 32, False),
    ("LSTM", 256, 64, 100, 32, True),
    ("LSTM", 64, 1, 1000, 32, False),
    ("GRU", 128, 128, 80, 32, False),
]
MODULES = {"SimpleRNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}
GATES = {"SimpleRNN": 1, "LSTM": 4, "GRU": 3}


def make_case(layer: str, H: int, D: int, T: int, B: int, return_sequences: bool):
    """Two closures running forward + backward of one batch: (torch's, rnnkit's)."""
    module = MODULES[layer](D, H, batch_first=True)  # PyTorch's default initialisation
    x = torch.randn(B, T, D, requires_grad=D > 1)
    W_x = module.weight_ih_l0.detach().clone().requires_grad_()
    W_h = module.weight_hh_l0.detach().clone().requires_grad_()
    b_x = module.bias_ih_l0.detach().clone().requires_grad_()
    b_h = module.bias_hh_l0.detach().clone().requires_grad_()
    b = (b_x + b_h).detach().requires_grad_()  # Keras-style single bias for SimpleRNN / LSTM

    def run_torch():
        y, _ = module(x)
        out = y if return_sequences else y[:, -1]
        out.sum().backward()
        return out

    def run_rnnkit():
        if layer == "SimpleRNN":
            out, _ = simple_rnn_fused(x, None, W_x, W_h, b, return_sequences)
        elif layer == "LSTM":
            out, _ = lstm_fused(x, None, None, W_x, W_h, b, return_sequences)
        else:
            out, _ = gru_fused(x, None, W_x, W_h, b_x, b_h, return_sequences)
        out.sum().backward()
        return out

    return run_torch, run_rnnkit


def product_flops(layer: str, H: int, D: int, T: int, B: int) -> int:
    """Floating-point operations of the matrix products of one forward + backward.

    Forward: Z_x = X W_x^T for all steps at once (BT, D) x (D, GH), then per step
    h_{t-1} W_h^T (B, H) x (H, GH). Backward: per step dZ_t W_h (B, GH) x (GH, H); after the
    sweep dW_h = dZ^T H_prev (GH, BT) x (BT, H), dW_x = dZ^T X (GH, BT) x (BT, D), and
    dX = dZ W_x (BT, GH) x (GH, D) when x needs a gradient (D > 1, after an Embedding).
    """
    G = GATES[layer]
    flops = 2 * B * T * D * G * H                       # input product
    flops += 2 * T * (2 * B * H * G * H)                # recurrent product, forward and back
    flops += 2 * G * H * B * T * H + 2 * G * H * B * T * D   # weight gradients
    if D > 1:
        flops += 2 * B * T * G * H * D                  # input gradient
    return flops


def mm_peak():
    """A large product: the rate the machine reaches on this arithmetic."""
    a, b, out = torch.randn(1024, 1024), torch.randn(1024, 1024), torch.empty(1024, 1024)
    return lambda: torch.mm(a, b, out=out)


def with_flush_denormal(fn):
    def run():
        torch.set_flush_denormal(True)
        try:
            return fn()
        finally:
            torch.set_flush_denormal(False)
    return run


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1e3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed runs per side")
    parser.add_argument("--threads", type=int, default=2, help="rnnkit.config.set_threads (torch and rnnkit)")
    args = parser.parse_args()
    rnnkit.config.set_threads(args.threads)       # torch's threads and rnnkit's sweeps
    torch.manual_seed(0)
    _, reason = fused_available()
    print(f"torch {torch.__version__}, {args.threads} threads, float32, forward + backward; "
          f"kernels: {reason}")
    print("| layer | D | T | B | outputs | torch ms | torch+FTZ ms | rnnkit ms | speed-up "
          "| vs torch+FTZ | rnnkit GFLOP/s | % of mm peak | max |dy| |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for layer, H, D, T, B, return_sequences in CASES:
        run_torch, run_rnnkit = make_case(layer, H, D, T, B, return_sequences)
        run_ftz = with_flush_denormal(run_torch)
        diff = (run_torch() - run_rnnkit()).abs().max().item()  # also warms both up
        run_peak = mm_peak()
        run_ftz(), run_rnnkit(), run_peak()
        contenders = [run_torch, run_ftz, run_rnnkit, run_peak]
        times = [[] for _ in contenders]
        for i in range(args.repeats):
            for k in range(len(contenders)):
                j = (i + k) % len(contenders)
                times[j].append(timed(contenders[j]))
        mt, mf, mr, mp = (statistics.median(t) for t in times)
        rate = product_flops(layer, H, D, T, B) / mr / 1e6          # ms -> GFLOP/s
        peak = 2 * 1024 ** 3 / mp / 1e6
        outs = "all" if return_sequences else "last"
        print(f"| {layer}({H}) | {D} | {T} | {B} | {outs} | {mt:.2f} | {mf:.2f} | {mr:.2f} | "
              f"{mt / mr:.2f}x | {mf / mr:.2f}x | {rate:.0f} | {100 * rate / peak:.0f}% | "
              f"{diff:.1e} |", flush=True)


if __name__ == "__main__":
    main()
