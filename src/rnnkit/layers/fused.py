"""Fused CPU training kernels for SimpleRNN, LSTM and GRU: forward and backward in C++.

Each function runs a whole layer over a batch-first sequence and supports autograd to every
input. The equations are the layers' own (PyTorch's weight layout, batch-first):

    SimpleRNN  h_t = tanh(x_t W_xh^T + h_{t-1} W_hh^T + b_h)
    LSTM       i, f, g, o = split(x_t W_x^T + h_{t-1} W_h^T + b)
               c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g),   h_t = σ(o) ⊙ tanh(c_t)
    GRU        r = σ(x_t W_xr^T + b_xr + h_{t-1} W_hr^T + b_hr),   z likewise,
               n = tanh(x_t W_xn^T + b_xn + r ⊙ (h_{t-1} W_hn^T + b_hn)),
               h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}

Shapes: B batch, T time steps, D input features, H hidden units. x (B, T, D), h0 and c0
(B, H); outputs (B, T, H), or (B, H) (the last output, h_T) with return_sequences=False.

How they are fast (rnnkit/layers/_fused_cpp.py): the input product for all T steps is one
matrix product; each step is one BLAS call plus one vectorized loop over the gates; backward
keeps the gate gradients of every step and computes dW_x = dZ^T X, dW_h = dZ^T H_prev and
db = sum(dZ) as single products over all T * B rows after the sweep.

Two choices that differ from PyTorch's kernels, neither visible in the results at float32
or float64 precision: denormal numbers (below 1.2e-38 in float32) are flushed to zero while
the kernels run, since vanishing gradients over long sequences reach them and arithmetic on
them is many times slower; and step products under 8.4 MFLOP run on one thread, since
splitting them costs more than it gains whenever another process shares the cores.

The kernels are compiled on first use with torch.utils.cpp_extension (gcc and ninja) and
the build is cached. When the build is impossible, fused_available() says why and the
functions run PyTorch's own fused kernels (torch._VF.rnn_tanh / lstm / gru) instead, with
the same results.

When to use them (benchmarks/bench_kernels.py; 2 threads, float32, batch 32, forward +
backward, against nn.RNN / nn.LSTM / nn.GRU): SimpleRNN 2.1-3x, GRU(128) 2.4x, LSTM(64) over
1000 steps 7.8x (5.2x against PyTorch with denormals flushed too), LSTM(256) 1.25x, where
both are bound by the matrix products. So: in training on CPU, for every size measured.
For inference without gradients, PyTorch's oneDNN LSTM is faster (0.85-0.9x); SimpleRNN
and GRU are still about 1.7-2x faster here.

>>> x, h0 = torch.randn(2, 5, 3), torch.zeros(2, 4)
>>> y, h_T = simple_rnn_fused(x, h0, torch.randn(4, 3), torch.randn(4, 4), torch.zeros(4))
>>> tuple(y.shape), tuple(h_T.shape)
((2, 5, 4), (2, 4))
"""
from __future__ import annotations

import hashlib
import inspect
import threading

import torch
from torch import Tensor

from ._fused_cpp import CPP_SOURCE

_ops = None
_failure: str | None = None
_build_lock = threading.Lock()

# Compiler flags: no -march (the build may be reused on another CPU; the gate loops carry
# their own AVX-512 / AVX2 clones), no -ffast-math (NaN and rounding stay IEEE). -fopenmp
# where torch's own threads are OpenMP's: at::parallel_for is inline and runs serially
# without it (GOMP symbols then resolve to the libgomp torch already loaded).
CFLAGS = ["-O3", "-fno-trapping-math", "-fno-math-errno"]
if "parallel backend: OpenMP" in torch.__config__.parallel_info():
    CFLAGS.append("-fopenmp")


def _build_name() -> str:
    """Extension name: changes with the source, the flags and the torch version."""
    key = "\n".join([CPP_SOURCE, *CFLAGS, torch.__version__])
    return "rnnkit_fused_" + hashlib.sha1(key.encode()).hexdigest()[:12]


def _load():
    """Build (or load the cached build of) the kernels; return their torch.ops namespace.

    Raises whatever the build raises (no compiler, no ninja, a compile error).
    """
    from torch.utils.cpp_extension import load_inline

    kwargs = {}
    if "no_implicit_headers" in inspect.signature(load_inline).parameters:
        kwargs["no_implicit_headers"] = True  # the source includes what it needs: faster build
    load_inline(_build_name(), [CPP_SOURCE], extra_cflags=CFLAGS, is_python_module=False,
                verbose=False, **kwargs)
    return torch.ops.rnnkit_fused


def fused_available(build: bool = True) -> tuple[bool, str]:
    """Whether rnnkit's C++ kernels are usable here, and if not, why.

    The first call builds them (about 20 s with gcc, once per machine: the build is cached
    in torch's extension directory) or loads the cached build (well under a second).
    With build=False, only report: (False, "not built yet") until something builds them.
    """
    global _ops, _failure
    with _build_lock:
        if _ops is None and _failure is None and build:
            try:
                _ops = _load()
            except Exception as e:  # noqa: BLE001 - no compiler, no ninja, a compile error:
                # fall back to PyTorch's kernels and say why
                _failure = (f"rnnkit's C++ kernels did not build ({type(e).__name__}: "
                            f"{_first_error_line(str(e))}); using PyTorch's kernels instead")
    if _ops is not None:
        return True, "rnnkit C++ kernels (input product hoisted, BLAS step, vectorized gates)"
    return False, _failure or "not built yet (fused_available() builds them)"


def release_workspace() -> None:
    """Return the kernels' cached work buffers (up to 1 GiB, kept between calls) that no
    saved tensor still uses to the allocator, e.g. after training a large model."""
    if _ops is not None:
        _ops.release_workspace()


def _first_error_line(message: str) -> str:
    """The compiler's first "error:" line if there is one, else the message's first line."""
    lines = [line.strip() for line in message.strip().splitlines()] or [""]
    errors = [line for line in lines if "error" in line.lower() and len(line) < 400]
    return (errors[1] if len(errors) > 1 and errors[0].startswith("Error building") else
            errors[0] if errors else lines[0])[:300]


def _check(name: str, x: Tensor, states: dict[str, Tensor], weights: dict[str, Tensor | None],
           gates: int) -> None:
    """Validate shapes and dtypes at the public boundary; say what was expected."""
    if x.dim() != 3:
        raise ValueError(f"{name} expects x of shape (batch, time, features), got "
                         f"{tuple(x.shape)}. Add a time axis with x.unsqueeze(1).")
    if x.dtype not in (torch.float32, torch.float64) or x.device.type != "cpu":
        raise ValueError(f"{name} runs on CPU in float32 or float64, got {x.dtype} on "
                         f"{x.device}. Use the layer's torch path for other devices and dtypes.")
    B, T, D = x.shape
    H = states["h0"].shape[-1]
    if T == 0:
        raise ValueError(f"{name} needs at least one time step, got x of shape {tuple(x.shape)}.")
    expected = {"W_x": (gates * H, D), "W_h": (gates * H, H), "b": (gates * H,),
                "b_x": (gates * H,), "b_h": (gates * H,)}
    for key, s in states.items():
        if tuple(s.shape) != (B, H):
            raise ValueError(f"{name} expects {key} of shape ({B}, {H}), got {tuple(s.shape)}.")
    for key, w in weights.items():
        if w is not None and tuple(w.shape) != expected[key]:
            raise ValueError(f"{name} expects {key} of shape {expected[key]} for H={H}, D={D}, "
                             f"got {tuple(w.shape)}.")
    for key, t in [*states.items(), *weights.items()]:
        if t is not None and (t.dtype != x.dtype or t.device != x.device):
            raise ValueError(f"{name}: {key} is {t.dtype} on {t.device} but x is {x.dtype} on "
                             f"{x.device}; convert them to one dtype and device.")


def _need_mask(needs, dx: int, dWx: int, dWh: int, dbx: int, dbh: int = -1) -> int:
    """Bit mask of the gradients to compute (the C++ side's Need enum)."""
    mask = 0
    for bit, index in ((1, dx), (2, dWx), (4, dWh), (8, dbx), (16, dbh)):
        if index >= 0 and needs[index]:
            mask |= bit
    return mask


def _or_none(t: Tensor, wanted: bool) -> Tensor | None:
    return t if wanted else None


class _SimpleRNNFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, W_xh, W_hh, b_h, return_sequences):
        y, h_T, xt, hs = _ops.rnn_forward(x, h0, W_xh, W_hh, b_h, return_sequences)
        ctx.save_for_backward(xt, hs, W_xh, W_hh)
        ctx.return_sequences = return_sequences
        ctx.set_materialize_grads(False)
        return (y, h_T) if return_sequences else h_T

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, *grads):
        dy, dh_T = grads if ctx.return_sequences else (None, grads[0])
        xt, hs, W_xh, W_hh = ctx.saved_tensors
        need = ctx.needs_input_grad
        dx, dh0, dW_xh, dW_hh, db = _ops.rnn_backward(
            dy, dh_T, xt, hs, W_xh, W_hh, _need_mask(need, 0, 2, 3, 4))
        return (_or_none(dx, need[0]), _or_none(dh0, need[1]), _or_none(dW_xh, need[2]),
                _or_none(dW_hh, need[3]), _or_none(db, need[4]), None)


class _LSTMFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, c0, W_x, W_h, b, return_sequences):
        y, h_T, c_T, *saved = _ops.lstm_forward(x, h0, c0, W_x, W_h, b, return_sequences)
        ctx.save_for_backward(*saved, W_x, W_h)  # xt, activations, hs, cs, tanh(cs)
        ctx.return_sequences = return_sequences
        ctx.set_materialize_grads(False)
        return (y, h_T, c_T) if return_sequences else (h_T, c_T)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, *grads):
        dy, dh_T, dc_T = grads if ctx.return_sequences else (None, *grads)
        need = ctx.needs_input_grad
        dx, dh0, dc0, dW_x, dW_h, db = _ops.lstm_backward(
            dy, dh_T, dc_T, *ctx.saved_tensors, _need_mask(need, 0, 3, 4, 5))
        return (_or_none(dx, need[0]), _or_none(dh0, need[1]), _or_none(dc0, need[2]),
                _or_none(dW_x, need[3]), _or_none(dW_h, need[4]), _or_none(db, need[5]), None)


class _GRUFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, h0, W_x, W_h, b_x, b_h, return_sequences):
        y, h_T, *saved = _ops.gru_forward(x, h0, W_x, W_h, b_x, b_h, return_sequences)
        ctx.save_for_backward(*saved, W_x, W_h)  # xt, activations r z n, hs, h W_hn^T + b_hn
        ctx.return_sequences = return_sequences
        ctx.set_materialize_grads(False)
        return (y, h_T) if return_sequences else h_T

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, *grads):
        dy, dh_T = grads if ctx.return_sequences else (None, grads[0])
        need = ctx.needs_input_grad
        dx, dh0, dW_x, dW_h, db_x, db_h = _ops.gru_backward(
            dy, dh_T, *ctx.saved_tensors, _need_mask(need, 0, 2, 3, 4, 5))
        return (_or_none(dx, need[0]), _or_none(dh0, need[1]), _or_none(dW_x, need[2]),
                _or_none(dW_h, need[3]), _or_none(db_x, need[4]), _or_none(db_h, need[5]),
                None)


# ---- PyTorch's own fused kernels: the fallback when the C++ build is unavailable ----------

def _torch_weights(W_x: Tensor, W_h: Tensor, b_x: Tensor | None, b_h: Tensor | None):
    """torch._VF's flat weights [W_ih, W_hh, b_ih, b_hh]; one missing bias becomes zeros."""
    if b_x is None and b_h is None:
        return [W_x, W_h], False
    zeros = W_x.new_zeros(W_x.shape[0])
    return [W_x, W_h, zeros if b_x is None else b_x, zeros if b_h is None else b_h], True


def _torch_rnn(kind: str, x: Tensor, hx, W_x, W_h, b_x, b_h):
    weights, has_biases = _torch_weights(W_x, W_h, b_x, b_h)
    run = {"rnn": torch._VF.rnn_tanh, "lstm": torch._VF.lstm, "gru": torch._VF.gru}[kind]
    hx = tuple(h.unsqueeze(0) for h in hx) if kind == "lstm" else hx[0].unsqueeze(0)
    # args: input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    y, *states = run(x, hx, weights, has_biases, 1, 0.0, False, False, True)
    return y, [s.squeeze(0) for s in states]


# ---- the public functions ------------------------------------------------------------------

def simple_rnn_fused(x: Tensor, h0: Tensor | None, W_xh: Tensor, W_hh: Tensor,
                     b_h: Tensor | None, return_sequences: bool = True):
    """Elman RNN over a sequence: h_t = tanh(x_t W_xh^T + h_{t-1} W_hh^T + b_h).

    x (B, T, D), h0 (B, H) or None (zeros), W_xh (H, D), W_hh (H, H), b_h (H,) or None.
    Returns (outputs, h_T): outputs (B, T, H), or h_T itself with return_sequences=False.
    """
    H = W_hh.shape[0]
    h0 = x.new_zeros(x.shape[0], H) if h0 is None else h0
    _check("simple_rnn_fused", x, {"h0": h0}, {"W_x": W_xh, "W_h": W_hh, "b": b_h}, 1)
    if fused_available()[0]:
        out = _SimpleRNNFunction.apply(x, h0, W_xh, W_hh, b_h, return_sequences)
        return out if return_sequences else (out, out)
    y, (h_T,) = _torch_rnn("rnn", x, [h0], W_xh, W_hh, b_h, None)
    return (y if return_sequences else h_T), h_T


def lstm_fused(x: Tensor, h0: Tensor | None, c0: Tensor | None, W_x: Tensor, W_h: Tensor,
               b: Tensor | None, return_sequences: bool = True):
    """LSTM over a sequence, gate order i, f, g, o, one bias (Keras-style).

    x (B, T, D), h0 and c0 (B, H) or None (zeros), W_x (4H, D), W_h (4H, H), b (4H,) or None.
    Returns (outputs, (h_T, c_T)): outputs (B, T, H), or h_T with return_sequences=False.
    """
    H = W_h.shape[1]
    h0 = x.new_zeros(x.shape[0], H) if h0 is None else h0
    c0 = x.new_zeros(x.shape[0], H) if c0 is None else c0
    _check("lstm_fused", x, {"h0": h0, "c0": c0}, {"W_x": W_x, "W_h": W_h, "b": b}, 4)
    if fused_available()[0]:
        out = _LSTMFunction.apply(x, h0, c0, W_x, W_h, b, return_sequences)
        y, h_T, c_T = out if return_sequences else (out[0], *out)
        return y, (h_T, c_T)
    y, (h_T, c_T) = _torch_rnn("lstm", x, [h0, c0], W_x, W_h, b, None)
    return (y if return_sequences else h_T), (h_T, c_T)


def gru_fused(x: Tensor, h0: Tensor | None, W_x: Tensor, W_h: Tensor, b_x: Tensor | None,
              b_h: Tensor | None, return_sequences: bool = True):
    """GRU over a sequence, gate order r, z, n, reset gate after W_hn h (PyTorch, Keras
    reset_after=True), two biases.

    x (B, T, D), h0 (B, H) or None (zeros), W_x (3H, D), W_h (3H, H), b_x and b_h (3H,) or
    None. Returns (outputs, h_T): outputs (B, T, H), or h_T with return_sequences=False.
    """
    H = W_h.shape[1]
    h0 = x.new_zeros(x.shape[0], H) if h0 is None else h0
    _check("gru_fused", x, {"h0": h0}, {"W_x": W_x, "W_h": W_h, "b_x": b_x, "b_h": b_h}, 3)
    if fused_available()[0]:
        out = _GRUFunction.apply(x, h0, W_x, W_h, b_x, b_h, return_sequences)
        return out if return_sequences else (out, out)
    y, (h_T,) = _torch_rnn("gru", x, [h0], W_x, W_h, b_x, b_h)
    return (y if return_sequences else h_T), h_T
