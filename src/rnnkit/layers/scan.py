"""The linear recurrence h_t = a_t ⊙ h_{t-1} + b_t over a whole sequence at once.

MinGRU and MinLSTM reduce to it: their gates depend on x_t only, so every a_t and b_t comes
from one matrix product over all time steps, and only this cheap element-wise recurrence
remains. Two ways to run it, equal to each other and to the step-by-step loop:

- `linear_scan`: one fused multiply-add per step forward and one per step backward, with
  the gradients of a and b computed for all steps at once after the sweep (the CPU path
  when rnnkit's C++ scan, kernels/scan.py, cannot be built: ~2 small ops a step
  instead of an LSTM's matrix product a step);
- `linear_scan_doubling`: the Hillis-Steele parallel scan, log2(T) whole-tensor steps, no
  loop over time (GPU default: every step runs in parallel).

Shapes: a, b (B, T, H), h0 (B, H) -> h (B, T, H).
"""
from __future__ import annotations

import torch
from torch import Tensor


class _LinearScan(torch.autograd.Function):
    """h_t = a_t ⊙ h_{t-1} + b_t, forward and backward by explicit sweeps over time."""

    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
        B, T, H = a.shape
        h = torch.empty_like(b)
        h_prev = h0
        for t in range(T):
            h_prev = torch.addcmul(b[:, t], a[:, t], h_prev)     # h_t = a_t ⊙ h_{t-1} + b_t
            h[:, t] = h_prev
        ctx.save_for_backward(a, h, h0)
        return h

    @staticmethod
    def backward(ctx, dh: Tensor):
        a, h, h0 = ctx.saved_tensors
        T = a.shape[1]
        g = torch.empty_like(dh)                 # g_t = dL/dh_t, all paths through time
        g_next = torch.zeros_like(h0)
        for t in range(T - 1, -1, -1):
            if t < T - 1:
                g_next = torch.addcmul(dh[:, t], a[:, t + 1], g_next)  # from h_{t+1} = a h_t + b
            else:
                g_next = dh[:, t]
            g[:, t] = g_next
        h_prev = torch.cat([h0[:, None], h[:, :-1]], dim=1)        # h_{t-1} for every t
        da = g * h_prev                          # forward was: h_t = a_t ⊙ h_{t-1} + b_t
        db = g
        dh0 = g[:, 0] * a[:, 0]                  # flows into the initial state
        return da, db, dh0


def linear_scan(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """h_t = a_t ⊙ h_{t-1} + b_t by one sweep each way (autograd to a, b and h0)."""
    return _LinearScan.apply(a, b, h0)


def linear_scan_doubling(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """The same recurrence by parallel doubling: after step k, (a_t, b_t) compose 2^k steps."""
    b = torch.cat([b[:, :1] + a[:, :1] * h0[:, None], b[:, 1:]], dim=1)
    T, k = a.shape[1], 1
    while k < T:
        b = torch.cat([b[:, :k], torch.addcmul(b[:, k:], a[:, k:], b[:, :-k])], dim=1)
        a = torch.cat([a[:, :k], a[:, k:] * a[:, :-k]], dim=1)
        k *= 2
    return b


def linear_scan_loop(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """The readable definition, with plain autograd through a Python loop (the oracle)."""
    hs, h = [], h0
    for t in range(a.shape[1]):
        h = a[:, t] * h + b[:, t]
        hs.append(h)
    return torch.stack(hs, dim=1)
