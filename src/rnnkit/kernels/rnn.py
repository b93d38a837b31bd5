"""rnnkit's CPU kernels for SimpleRNN, LSTM and GRU, as torch ops with autograd.

Each function runs a whole layer over a batch-first sequence and supports autograd to every
input. The equations are the layers' own (PyTorch's weight layout, batch-first), with
h_in = h_{t-1} ⊙ m, m the recurrent dropout mask (B, H), one for all steps (ones without):

    SimpleRNN  h_t = tanh(x_t W_xh^T + h_in W_hh^T + b_h)
    LSTM       i, f, g, o = split(x_t W_x^T + h_in W_h^T + b)
               c_t = σ(f) ⊙ c_{t-1} + σ(i) ⊙ tanh(g),   h_t = σ(o) ⊙ tanh(c_t)
    GRU        r = σ(x_t W_xr^T + b_xr + h_in W_hr^T + b_hr),   z likewise,
               n = tanh(x_t W_xn^T + b_xn + r ⊙ (h_in W_hn^T + b_hn)),
               h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
    GRU, reset before (Keras reset_after=False), one bias:
               r = σ(x_t W_xr^T + b_xr + h_in W_hr^T),   z likewise,
               n = tanh(x_t W_xn^T + b_xn + (r ⊙ h_in) W_hn^T)
    A padding mask keep (B, T) carries the state over the steps where it is False.

Shapes: B batch, T time steps, D input features, H hidden units. x (B, T, D), h0 and c0
(B, H); outputs (B, T, H), or (B, H) (the last output, h_T) with return_sequences=False.

How they are fast (csrc/rnn.cpp, csrc/gru_reset_before.cpp, csrc/steps.h): the input
product for all T steps is one matrix product; each step is one BLAS call plus one
vectorized loop over the gates; backward keeps the gate gradients of every step and computes
dW_x = dZ^T X, dW_h = dZ^T H_prev and db = sum(dZ) as single products over all T * B rows
after the sweep. Batch rows never meet, so with several threads each runs the whole time loop
on its own block of rows (one join a sweep instead of a barrier a step; taken while W_h fits
a core's L2, 512 KiB, with 8 rows a block or more and 16 MFLOP of recurrent products;
csrc/steps.h sweep_rows says on which threads). Two choices differ from PyTorch's
kernels, neither visible in the results at float32 or float64 precision: denormal numbers
are flushed to zero while the kernels run (vanishing gradients over long sequences reach
them, and arithmetic on them is many times slower), and step products under 8.4 MFLOP that
are not split by rows run on one thread (splitting them costs more than it gains when
another process shares the cores). Speed against torch's kernels: BENCHMARKS.md,
benchmarks/bench_kernels.py.

The ops (torch.ops.rnnkit.lstm_forward, ...) have fake implementations and registered
autograd, so torch.compile (training and inference), torch.export and torch.jit.trace see
them as ops. Where they do not run (no build: build.status() says why; devices other than
the CPU; dtypes other than float32 and float64), the functions without masks run PyTorch's
own kernels (torch._VF.rnn_tanh / lstm / gru) with the same results; with a mask, or for
the reset-before GRU, which PyTorch lacks, they raise. Which path a layer takes is decided
in dispatch.py, not here.

>>> x, h0 = torch.randn(2, 5, 3), torch.zeros(2, 4)
>>> y, h_T = simple_rnn_fused(x, h0, torch.randn(4, 3), torch.randn(4, 4), torch.zeros(4))
>>> tuple(y.shape), tuple(h_T.shape)
((2, 5, 4), (2, 4))
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import build, ops

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
# The activations the C++ takes (csrc/steps.h Act): activation tanh or relu, gates sigmoid
# or hard_sigmoid (Keras 3's, clip(x / 6 + 1/2, 0, 1)).
ACTIVATIONS = {"tanh": 0, "sigmoid": 1, "hard_sigmoid": 2, "relu": 3}
KERNEL_ACTIVATIONS, KERNEL_GATES = ("tanh", "relu"), ("sigmoid", "hard_sigmoid")
NEED = {"dx": 1, "dW_x": 2, "dW_h": 4, "db_x": 8, "db_h": 16}   # csrc/rnn.cpp's Need bits


def fused_available(build_now: bool = True) -> tuple[bool, str]:
    """Whether rnnkit's C++ kernels are usable here, and if not, why (build.status())."""
    ok, reason = build.status(build_now)
    if ok:
        _register()
        return True, "rnnkit C++ kernels (input product hoisted, BLAS step, vectorized gates)"
    return False, reason


def kernel_applies(x: Tensor) -> bool:
    """Whether the C++ kernels run for x: CPU, float32 or float64, and built here."""
    return (x.device.type == "cpu" and x.dtype in (torch.float32, torch.float64)
            and fused_available()[0])


def release_workspace() -> None:
    """Return the kernels' cached work buffers (up to 1 GiB, kept between calls) that no
    saved tensor still uses to the allocator, e.g. after training a large model."""
    if build.status(False)[0]:
        torch.ops.rnnkit.release_workspace()


# ---- the public functions ------------------------------------------------------------------
# Every function takes two optional masks (csrc/steps.h): rec_mask (B, H), Keras's recurrent
# dropout, one mask for the whole sequence on h_{t-1} before the recurrent product, and keep
# (B, T) bool, the padding mask: where keep is False the state is carried over unchanged (the
# output there is that carried state; the layers zero it). PyTorch's kernels have neither, so
# with a mask the C++ kernels must apply (kernel_applies), else the functions raise.

def simple_rnn_fused(x: Tensor, h0: Tensor | None, W_xh: Tensor, W_hh: Tensor,
                     b_h: Tensor | None, return_sequences: bool = True, *,
                     rec_mask: Tensor | None = None, keep: Tensor | None = None,
                     activation: str = "tanh"):
    """Elman RNN over a sequence: h_t = f(x_t W_xh^T + (h_{t-1} ⊙ m) W_hh^T + b_h), f tanh
    or relu.

    x (B, T, D), h0 (B, H) or None (zeros), W_xh (H, D), W_hh (H, H), b_h (H,) or None.
    Returns (outputs, h_T): outputs (B, T, H), or h_T itself with return_sequences=False.
    """
    h0 = x.new_zeros(x.shape[0], W_hh.shape[0]) if h0 is None else h0
    _check("simple_rnn_fused", x, {"h0": h0}, {"W_x": W_xh, "W_h": W_hh, "b": b_h}, 1)
    codes = _codes("simple_rnn_fused", activation)
    if _use_kernel("simple_rnn_fused", x, rec_mask, keep, codes):
        y, h_T = ops.call("rnn_forward", x, h0, W_xh, W_hh, b_h, *_masks(x, h0, rec_mask, keep),
                          *codes, return_sequences)
    else:
        y, (h_T,) = _torch_rnn("rnn_relu" if activation == "relu" else "rnn", x, [h0], W_xh,
                               W_hh, b_h, None)
    return (y if return_sequences else h_T), h_T


def lstm_fused(x: Tensor, h0: Tensor | None, c0: Tensor | None, W_x: Tensor, W_h: Tensor,
               b: Tensor | None, return_sequences: bool = True, *,
               rec_mask: Tensor | None = None, keep: Tensor | None = None,
               activation: str = "tanh", recurrent_activation: str = "sigmoid"):
    """LSTM over a sequence, gate order i, f, g, o, one bias (Keras-style); the recurrent
    product on h_{t-1} ⊙ rec_mask; activation tanh or relu, gates sigmoid or hard_sigmoid.

    x (B, T, D), h0 and c0 (B, H) or None (zeros), W_x (4H, D), W_h (4H, H), b (4H,) or None.
    Returns (outputs, (h_T, c_T)): outputs (B, T, H), or h_T with return_sequences=False.
    """
    H = W_h.shape[1]
    h0 = x.new_zeros(x.shape[0], H) if h0 is None else h0
    c0 = x.new_zeros(x.shape[0], H) if c0 is None else c0
    _check("lstm_fused", x, {"h0": h0, "c0": c0}, {"W_x": W_x, "W_h": W_h, "b": b}, 4)
    codes = _codes("lstm_fused", activation, recurrent_activation)
    if _use_kernel("lstm_fused", x, rec_mask, keep, codes):
        y, h_T, c_T = ops.call("lstm_forward", x, h0, c0, W_x, W_h, b,
                               *_masks(x, h0, rec_mask, keep), *codes, return_sequences)
    else:
        y, (h_T, c_T) = _torch_rnn("lstm", x, [h0, c0], W_x, W_h, b, None)
    return (y if return_sequences else h_T), (h_T, c_T)


def gru_fused(x: Tensor, h0: Tensor | None, W_x: Tensor, W_h: Tensor, b_x: Tensor | None,
              b_h: Tensor | None, return_sequences: bool = True, *,
              rec_mask: Tensor | None = None, keep: Tensor | None = None,
              activation: str = "tanh", recurrent_activation: str = "sigmoid"):
    """GRU over a sequence, gate order r, z, n, reset gate after W_hn h (PyTorch, Keras
    reset_after=True), two biases; the recurrent product on h_{t-1} ⊙ rec_mask; activation
    tanh or relu, gates sigmoid or hard_sigmoid.

    x (B, T, D), h0 (B, H) or None (zeros), W_x (3H, D), W_h (3H, H), b_x and b_h (3H,) or
    None. Returns (outputs, h_T): outputs (B, T, H), or h_T with return_sequences=False.
    """
    h0 = x.new_zeros(x.shape[0], W_h.shape[1]) if h0 is None else h0
    _check("gru_fused", x, {"h0": h0}, {"W_x": W_x, "W_h": W_h, "b_x": b_x, "b_h": b_h}, 3)
    codes = _codes("gru_fused", activation, recurrent_activation)
    if _use_kernel("gru_fused", x, rec_mask, keep, codes):
        y, h_T = ops.call("gru_forward", x, h0, W_x, W_h, b_x, b_h,
                          *_masks(x, h0, rec_mask, keep), *codes, return_sequences)
    else:
        y, (h_T,) = _torch_rnn("gru", x, [h0], W_x, W_h, b_x, b_h)
    return (y if return_sequences else h_T), h_T


def gru_bf16_fused(x: Tensor, h0: Tensor | None, W_x: Tensor, W_h: Tensor, b_x: Tensor | None,
                   b_h: Tensor | None, return_sequences: bool = True, *,
                   rec_mask: Tensor | None = None, keep: Tensor | None = None,
                   activation: str = "tanh", recurrent_activation: str = "sigmoid"):
    """gru_fused under Keras's "mixed_bfloat16": the matrix products in bfloat16 (oneDNN,
    float32 accumulation), the state h_t, the gates and the weights in float32
    (csrc/gru_bf16.cpp). x (B, T, D) bfloat16 (or float32, rounded for the products), h0
    (B, H) or None (zeros), float32 weights as gru_fused. Returns (outputs, h_T): outputs in
    x's dtype, h_T in h0's (bfloat16 when h0 is None and x is)."""
    state_dtype = x.dtype if h0 is None else h0.dtype
    h0 = x.new_zeros(x.shape[0], W_h.shape[1], dtype=torch.float32) if h0 is None else h0
    _check("gru_bf16_fused", x, {"h0": h0}, {"W_x": W_x, "W_h": W_h, "b_x": b_x, "b_h": b_h},
           3, dtype=torch.float32, x_dtypes=(torch.bfloat16, torch.float32))
    codes = _codes("gru_bf16_fused", activation, recurrent_activation)
    if x.device.type != "cpu" or not fused_available()[0]:
        raise RuntimeError(
            f"gru_bf16_fused needs rnnkit's C++ kernels on a CPU ({fused_available()[1]}).")
    rec_mask, keep = _masks(x, h0, rec_mask, keep)
    rec_mask = None if rec_mask is None else rec_mask.float()   # 1 / (1 - rate) unrounded
    y, h_T = ops.call("gru_bf16_forward", x, h0.float(), W_x, W_h, b_x, b_h, rec_mask, keep,
                      *codes, return_sequences)
    h_T = h_T.to(state_dtype)
    return (y if return_sequences else h_T.to(x.dtype)), h_T


def gru_reset_before_fused(x: Tensor, h0: Tensor | None, W_x: Tensor, W_h: Tensor,
                           b_x: Tensor | None, return_sequences: bool = True, *,
                           rec_mask: Tensor | None = None, keep: Tensor | None = None,
                           activation: str = "tanh", recurrent_activation: str = "sigmoid"):
    """GRU with the reset gate before the recurrent product (Keras reset_after=False), one
    bias: n = tanh(x_t W_xn^T + b_xn + (r ⊙ h_in) W_hn^T), h_in = h_{t-1} ⊙ rec_mask.

    Shapes as gru_fused, without b_h. PyTorch has no such kernel: where rnnkit's cannot run
    (kernel_applies), this raises.
    """
    h0 = x.new_zeros(x.shape[0], W_h.shape[1]) if h0 is None else h0
    _check("gru_reset_before_fused", x, {"h0": h0}, {"W_x": W_x, "W_h": W_h, "b_x": b_x}, 3)
    codes = _codes("gru_reset_before_fused", activation, recurrent_activation)
    if not kernel_applies(x):
        raise RuntimeError(
            "gru_reset_before_fused needs rnnkit's C++ kernels (CPU, float32/float64, built: "
            f"{fused_available()[1]}); PyTorch has no GRU with reset_after=False. The GRU "
            "layer runs its readable loop instead.")
    y, h_T = ops.call("gru_reset_before_forward", x, h0, W_x, W_h, b_x,
                      *_masks(x, h0, rec_mask, keep), *codes, return_sequences)
    return (y if return_sequences else h_T), h_T


def _use_kernel(name: str, x: Tensor, rec_mask: Tensor | None, keep: Tensor | None,
                codes: tuple) -> bool:
    """Whether the C++ op runs; raises when it cannot and PyTorch's kernels lack what was
    asked (a mask, relu in an LSTM/GRU, hard_sigmoid gates)."""
    if kernel_applies(x):
        return True
    if rec_mask is not None or keep is not None or codes not in ((0,), (3,), (0, 1)):
        raise RuntimeError(
            f"{name} was given a recurrent dropout or padding mask or activations that only "
            f"rnnkit's C++ kernels take, and they do not run here (CPU, float32/float64, "
            f"built: {fused_available()[1]}). Run the layer, which falls back to its loop.")
    return False


def _codes(name: str, activation: str, gates: str | None = None) -> tuple[int, ...]:
    """The activation codes the ops take: (activation,) for SimpleRNN, else (activation,
    gates)."""
    if activation not in KERNEL_ACTIVATIONS or (gates is not None
                                                and gates not in KERNEL_GATES):
        raise ValueError(
            f"{name} takes activation {' or '.join(KERNEL_ACTIVATIONS)} and gates "
            f"{' or '.join(KERNEL_GATES)}, got {activation!r} / {gates!r}. Other activations "
            "run on the layer's readable loop.")
    if gates is None:
        return (ACTIVATIONS[activation],)
    return ACTIVATIONS[activation], ACTIVATIONS[gates]


def _masks(x: Tensor, h0: Tensor, rec_mask: Tensor | None, keep: Tensor | None):
    """The two masks as the ops take them: rec_mask (B, H) in x's dtype, keep (B, T) bool."""
    B, T, H = x.shape[0], x.shape[1], h0.shape[1]
    for name, m, shape in (("rec_mask", rec_mask, (B, H)), ("keep", keep, (B, T))):
        if m is not None and tuple(m.shape) != shape:
            raise ValueError(f"{name} must have shape {shape} for x {tuple(x.shape)} and "
                             f"{H} units, got {tuple(m.shape)}.")
    if rec_mask is not None:
        rec_mask = rec_mask.to(dtype=x.dtype).contiguous()
    if keep is not None:
        keep = keep.to(dtype=torch.bool).contiguous()
    return rec_mask, keep


def _check(name: str, x: Tensor, states: dict[str, Tensor], weights: dict[str, Tensor | None],
           gates: int, dtype: torch.dtype | None = None, x_dtypes: tuple = ()) -> None:
    """Validate shapes and dtypes at the public boundary; say what was expected. States and
    weights must be in `dtype` (default: x's), x in one of x_dtypes when given."""
    if x.dim() != 3:
        raise ValueError(f"{name} expects x of shape (batch, time, features), got "
                         f"{tuple(x.shape)}. Add a time axis with x.unsqueeze(1).")
    if not x.is_floating_point():
        raise ValueError(f"{name} expects floating-point x, got {x.dtype}. Convert it with "
                         "x.float().")
    B, T, D = x.shape
    H = states["h0"].shape[-1]
    if T == 0:
        raise ValueError(f"{name} needs at least one time step, got x of shape {tuple(x.shape)}.")
    expected = {"W_x": (gates * H, D), "W_h": (gates * H, H), "b": (gates * H,),
                "b_x": (gates * H,), "b_h": (gates * H,)}
    for key, s in states.items():
        if tuple(s.shape) != (B, H):
            raise ValueError(f"{name} expects {key} of shape ({B}, {H}), got {tuple(s.shape)}.")
    if weights.get("W_x") is not None and weights["W_x"].numel() == 0:
        expected["W_x"] = tuple(weights["W_x"].shape)   # x is the input product already:
        if D != gates * H:                               # (B, T, gates * H)
            raise ValueError(f"{name} with an empty W_x takes x as the input product, of "
                             f"{gates * H} features for H={H}; got {D}.")
    for key, w in weights.items():
        if w is not None and tuple(w.shape) != expected[key]:
            raise ValueError(f"{name} expects {key} of shape {expected[key]} for H={H}, D={D}, "
                             f"got {tuple(w.shape)}.")
    if x_dtypes and x.dtype not in x_dtypes:
        raise ValueError(f"{name} expects x in {' or '.join(map(str, x_dtypes))}, got "
                         f"{x.dtype}.")
    for key, t in [*states.items(), *weights.items()]:
        if t is not None and dtype is not None and key == "h0":
            t = t.float()                       # any float state: the kernel keeps float32
        if t is not None and (t.dtype != (dtype or x.dtype) or t.device != x.device):
            raise ValueError(f"{name}: {key} is {t.dtype} on {t.device} but x is {x.dtype} on "
                             f"{x.device}; convert them to "
                             f"{'float32 on one device' if dtype else 'one dtype and device'}.")


# ---- PyTorch's own fused kernels: other devices and dtypes, or no C++ build ----------------

def _torch_weights(W_x: Tensor, W_h: Tensor, b_x: Tensor | None, b_h: Tensor | None):
    """torch._VF's flat weights [W_ih, W_hh, b_ih, b_hh]; one missing bias becomes zeros."""
    if b_x is None and b_h is None:
        return [W_x, W_h], False
    zeros = W_x.new_zeros(W_x.shape[0])
    return [W_x, W_h, zeros if b_x is None else b_x, zeros if b_h is None else b_h], True


def _torch_rnn(kind: str, x: Tensor, hx, W_x, W_h, b_x, b_h):
    weights, has_biases = _torch_weights(W_x, W_h, b_x, b_h)
    run = {"rnn": torch._VF.rnn_tanh, "rnn_relu": torch._VF.rnn_relu, "lstm": torch._VF.lstm,
           "gru": torch._VF.gru}[kind]
    hx = tuple(h.unsqueeze(0) for h in hx) if kind == "lstm" else hx[0].unsqueeze(0)
    # args: input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first
    y, *states = run(x, hx, weights, has_biases, 1, 0.0, False, False, True)
    return y, [s.squeeze(0) for s in states]


# ---- what torch.compile / export see: shapes (fake tensors) and autograd -------------------
# Forward ops: inputs x, states..., W_x, W_h, biases..., rec_mask, keep, activation codes...,
# return_sequences; outputs (outputs, final states..., saved...): the saved tensors are what
# backward needs (time-major x, activations, states). Backward ops: inputs dy, d final
# states..., saved..., W_x, W_h, rec_mask, keep, activation codes..., need; an empty tensor
# for every gradient not asked for. The fakes give each output the shape and strides the
# C++ gives it.

KINDS = {  # op prefix: (states, biases, gates, the saved tensors' shapes from T, B, D, H)
    "rnn": (1, 1, 1, lambda T, B, D, H: [(T, B, D), (T + 1, B, H)]),
    "lstm": (2, 1, 4, lambda T, B, D, H: [(T, B, D), (T, B, 4 * H), (T + 1, B, H),
                                          (T + 1, B, H), (T, B, H)]),
    "gru": (1, 2, 3, lambda T, B, D, H: [(T, B, D), (T, B, 3 * H), (T + 1, B, H), (T, B, H)]),
    "gru_bf16": (1, 2, 3, lambda T, B, D, H: [(T, B, D), (T, B, 3 * H), (T + 1, B, H),
                                              (T, B, H)]),
    "gru_reset_before": (1, 1, 3, lambda T, B, D, H: [(T, B, D), (T, B, 3 * H), (T + 1, B, H),
                                                      (T, B, H)]),
}

_registered = False


def _register() -> None:
    """Register fakes and autograd for the loaded ops, once."""
    global _registered
    if _registered:
        return
    _registered = True
    from .. import config
    config.tell_kernels()
    for kind, (states, *_) in KINDS.items():
        torch.library.register_fake(f"rnnkit::{kind}_forward")(_forward_fake(kind))
        torch.library.register_fake(f"rnnkit::{kind}_backward")(_backward_fake(kind))
        ops.register_autograd(f"{kind}_forward", _backward(kind), _setup_context(kind),
                              outputs=1 + states)


def _forward_fake(kind: str):
    states, _, _, saved = KINDS[kind]

    def fake(x, h0, *args):
        B, T, D = x.shape
        H = h0.shape[1]
        y = x.new_empty(B, T, H) if args[-1] else x.new_empty(0)   # args[-1]: return_sequences
        final = [h0.new_empty(B, H) for _ in range(states)]
        shapes = saved(T, B, D, H)
        if kind == "gru_bf16":         # x rounded to bfloat16, the rest float32 (gru_bf16.cpp)
            return (y, *final, x.new_empty(shapes[0], dtype=torch.bfloat16),
                    *[h0.new_empty(s) for s in shapes[1:]])
        return (y, *final, *[x.new_empty(s) for s in shapes])
    return fake


def _backward_fake(kind: str):
    states, biases, G, _ = KINDS[kind]

    def fake(dy, *args):
        xt, hs, need = args[states], args[states + (1 if kind == "rnn" else 2)], args[-1]
        T, B, D = xt.shape
        H = hs.shape[2]
        none = xt.new_empty(0)
        if kind == "gru_bf16":          # float32 gradients for the weights and the state
            f32 = hs.new_empty(0)
            return (xt.new_empty(T, B, D).transpose(0, 1) if need & NEED["dx"] else f32,
                    hs.new_empty(B, H),
                    hs.new_empty(D, G * H).t() if need & NEED["dW_x"] else f32,
                    hs.new_empty(H, G * H).t() if need & NEED["dW_h"] else f32,
                    hs.new_empty(G * H) if need & NEED["db_x"] else f32,
                    hs.new_empty(G * H) if need & NEED["db_h"] else f32)
        dW_h = xt.new_empty(G * H, H) if kind == "gru_reset_before" else \
            xt.new_empty(H, G * H).t()
        grads = [xt.new_empty(T, B, D).transpose(0, 1) if need & NEED["dx"] else none]
        grads += [xt.new_empty(B, H) for _ in range(states)]
        grads += [xt.new_empty(D, G * H).t() if need & NEED["dW_x"] else none,
                  dW_h if need & NEED["dW_h"] else none,
                  xt.new_empty(G * H) if need & NEED["db_x"] else none]
        if biases == 2:
            grads.append(xt.new_empty(G * H) if need & NEED["db_h"] else none)
        return tuple(grads)
    return fake


def _setup_context(kind: str):
    states, biases, _, _ = KINDS[kind]

    def setup_context(ctx, inputs, output):
        saved = output[1 + states:]
        W_x, W_h = inputs[1 + states], inputs[2 + states]
        rec_mask, keep = inputs[3 + states + biases], inputs[4 + states + biases]
        ctx.save_for_backward(*saved, W_x, W_h, rec_mask, keep)
        ctx.codes = inputs[5 + states + biases:-1]
        ctx.mark_non_differentiable(*saved)
        ctx.set_materialize_grads(False)
        ctx.return_sequences = inputs[-1]
    return setup_context


def _backward(kind: str):
    """Backward of {kind}_forward: its inputs are x, states..., W_x, W_h, biases..., rec_mask,
    keep, activation codes..., return_sequences."""
    states, biases, _, _ = KINDS[kind]

    def backward(ctx, dy, *grads):
        need = ctx.needs_input_grad
        i_wx = 1 + states
        bits = [("dx", 0), ("dW_x", i_wx), ("dW_h", i_wx + 1), ("db_x", i_wx + 2)]
        bits += [("db_h", i_wx + 3)] if biases == 2 else []
        mask = sum(NEED[name] for name, i in bits if need[i])
        dy = dy if ctx.return_sequences else None
        out = getattr(torch.ops.rnnkit, f"{kind}_backward")(dy, *grads[:states],
                                                            *ctx.saved_tensors, *ctx.codes, mask)
        # out: dx, d state0..., dW_x, dW_h, db...; inputs also have rec_mask, keep, the codes
        # and the flag, which have no gradient
        return (*[g if need[i] else None for i, g in enumerate(out)],
                *[None] * (3 + len(ctx.codes)))
    return backward
