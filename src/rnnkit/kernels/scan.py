"""rnnkit's compiled CPU scan: the MinGRU / MinLSTM recurrence in C++, as torch ops with autograd.

    h_t = a_t ⊙ h_{t-1} + b_t            forward, one sweep over t
    g_t = dL/dh_t + a_{t+1} ⊙ g_{t+1}    backward, one sweep back
    dL/db_t = g_t,  dL/da_t = g_t ⊙ h_{t-1},  dL/dh0 = a_1 ⊙ g_1

Three forms, all with autograd (csrc/scan.cpp has the C++):

- `linear_scan_compiled(a, b, h0)`: a and b given, as `layers.scan.linear_scan`;
- `min_rnn_scan(kind, gates, h0, keep)`: MinGRU's or MinLSTM's gate activations fused into the
  sweeps, from the gates' pre-activations (B, T, G*H): a_t and b_t are never stored, and
  backward returns the pre-activations' gradient directly. `keep` (B, T) marks the steps
  that count; the others (padding) carry the state over;
- `min_rnn_input_scan(kind, x, W, b, h0, keep)`: the input product W x_t + b fused in too,
  for inputs of few features, so nothing of size (B, T, G*H) is written or read.

Where the last pays (MinGRU/MinLSTM(128), B=32, T=1024, 2 threads, forward + backward):
up to 12 input features it beat a BLAS product followed by the fused scan, at 16 the two
swapped places between runs, at 32 BLAS was twice as fast. Hence MAX_FUSED_FEATURES = 12.

Shapes: B batch, T time steps, H hidden units; a, b, h (B, T, H), h0 (B, H).

Built with the other kernels by build.py. Where the compiled scan cannot run
(`compiled_scan_applies` says why: no build, a GPU, a dtype other than float32/float64,
tracing for ONNX), `linear_scan_compiled` runs the readable PyTorch scan instead, and the
MinGRU/MinLSTM layers run their PyTorch scan (the two min_rnn_* functions raise: they have no
PyTorch twin here).

>>> a, b, h0 = torch.full((1, 3, 1), 0.5), torch.ones(1, 3, 1), torch.zeros(1, 1)
>>> linear_scan_compiled(a, b, h0).flatten().tolist()
[1.0, 1.5, 1.75]
"""
from __future__ import annotations

import torch
from torch import Tensor

from . import build, ops

GATES = {"gru": 2, "lstm": 3}
# Up to this many input features the gates' product runs inside the scan (G * D multiply-adds
# an element instead of writing and reading the (B, T, G*H) pre-activations).
MAX_FUSED_FEATURES = 12


def scan_available(build_now: bool = True) -> tuple[bool, str]:
    """Whether the compiled scan is usable here, and if not, why (build.status())."""
    ok, reason = build.status(build_now)
    if ok:
        _register()
        return True, "rnnkit C++ scan"
    return False, reason


def release_workspace() -> None:
    """Return the kernels' cached output buffers (up to 1 GiB, kept between calls because
    fresh memory costs a page fault per 4 KiB) that no tensor still uses to the allocator."""
    if build.status(False)[0]:
        torch.ops.rnnkit.release_workspace()


def compiled_scan_applies(x: Tensor) -> tuple[bool, str]:
    """(True, "") when the compiled scan can run on x's device and dtype, else the reason."""
    if x.device.type != "cpu" or x.dtype not in (torch.float32, torch.float64):
        return False, f"the C++ scan runs on CPU in float32/float64 (got {x.dtype} on {x.device})"
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        return False, "tracing or ONNX export records PyTorch operations only"
    ok, reason = scan_available()
    return ok, ("" if ok else reason)


def _check(name: str, x: Tensor, h0: Tensor, width: int) -> None:
    """Validate shapes and dtypes at the public boundary; say what was expected."""
    if x.dim() != 3 or h0.dim() != 2 or h0.shape[0] != x.shape[0] or x.shape[1] == 0 \
            or x.shape[2] != width * h0.shape[1]:
        raise ValueError(f"{name} expects (B, T, {width}*H) with T >= 1 and h0 (B, H), got "
                         f"{tuple(x.shape)} and h0 {tuple(h0.shape)}.")
    if h0.dtype != x.dtype or h0.device != x.device:
        raise ValueError(f"{name}: h0 is {h0.dtype} on {h0.device} but the sequence is "
                         f"{x.dtype} on {x.device}; convert them to one dtype and device.")


def linear_scan_compiled(a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
    """h_t = a_t ⊙ h_{t-1} + b_t in C++ (autograd to a, b and h0); a, b (B, T, H), h0 (B, H).

    Runs `layers.scan.linear_scan` where the compiled scan cannot (see compiled_scan_applies).
    """
    _check("linear_scan_compiled", a, h0, 1)
    if a.shape != b.shape or b.dtype != a.dtype:
        raise ValueError(f"linear_scan_compiled expects a and b of one shape and dtype, got "
                         f"{tuple(a.shape)} {a.dtype} and {tuple(b.shape)} {b.dtype}.")
    if not compiled_scan_applies(a)[0]:
        from ..layers.scan import linear_scan       # the readable PyTorch scan
        return linear_scan(a, b, h0)
    return ops.call("scan_forward", a.contiguous(), b.contiguous(), h0.contiguous())


def min_rnn_scan(kind: str, gates: Tensor, h0: Tensor, keep: Tensor | None = None) -> Tensor:
    """MinGRU (kind "gru", gates k, h̃) or MinLSTM ("lstm", gates f, i, h̃) over a sequence,
    from the gates' pre-activations (B, T, G*H) to h (B, T, H), in C++.

    keep (B, T) bool or None: steps where keep is False carry h_{t-1} over unchanged.
    The caller checks compiled_scan_applies(gates) first (the layers fall back themselves).
    """
    _check(f"min_rnn_scan({kind!r})", gates, h0, GATES[kind])
    ok, reason = compiled_scan_applies(gates)
    if not ok:
        raise RuntimeError(f"min_rnn_scan cannot run here: {reason}. Use the layer, which "
                           "falls back to the PyTorch scan.")
    if keep is not None:
        keep = keep.to(device=gates.device, dtype=torch.bool).contiguous()
    return ops.call(f"min_{kind}_forward", gates.contiguous(), h0.contiguous(), keep)


def min_rnn_input_scan(kind: str, x: Tensor, W: Tensor, b: Tensor | None, h0: Tensor,
                       keep: Tensor | None = None) -> Tensor:
    """`min_rnn_scan` with the gates' product p_t = W x_t + b inside the kernel, for inputs
    of few features (D <= MAX_FUSED_FEATURES): x (B, T, D), W (G*H, D), b (G*H,) or None.
    Autograd to x, W, b and h0. The caller checks compiled_scan_applies(x) first."""
    G = GATES[kind]
    if x.dim() != 3 or W.shape != (G * h0.shape[-1], x.shape[-1]) \
            or (b is not None and b.shape != (W.shape[0],)) or W.dtype != x.dtype \
            or (b is not None and b.dtype != x.dtype):
        raise ValueError(f"min_rnn_input_scan({kind!r}) expects x (B, T, D), W ({G}*H, D) and "
                         f"b ({G}*H,) of x's dtype for h0 (B, H), got x {tuple(x.shape)} "
                         f"{x.dtype}, W {W.dtype} "
                         f"{tuple(W.shape)}, b {None if b is None else tuple(b.shape)}, h0 "
                         f"{tuple(h0.shape)}.")
    _check(f"min_rnn_input_scan({kind!r})", x.new_empty(x.shape[0], x.shape[1], G * h0.shape[1]),
           h0, G)
    ok, reason = compiled_scan_applies(x)
    if not ok:
        raise RuntimeError(f"min_rnn_input_scan cannot run here: {reason}. Use the layer, "
                           "which falls back to the PyTorch scan.")
    if keep is not None:
        keep = keep.to(device=x.device, dtype=torch.bool).contiguous()
    Wt = W.t().contiguous()                                  # (D, G*H): rows the kernel streams
    bias = b if b is not None else W.new_zeros(W.shape[0])
    return ops.call(f"min_{kind}_input_forward", x.contiguous(), Wt, bias, h0.contiguous(),
                    keep)


# ---- what torch.compile / export see: shapes (fake tensors) and autograd -------------------

_registered = False


def _register() -> None:
    """Register fakes and autograd for the loaded scan ops, once."""
    global _registered
    if _registered:
        return
    _registered = True
    lib = "rnnkit::"
    torch.library.register_fake(lib + "scan_forward")(lambda a, b, h0: torch.empty_like(a))
    torch.library.register_fake(lib + "scan_backward")(
        lambda dh, a, h, h0: (torch.empty_like(a), torch.empty_like(a), torch.empty_like(h0)))
    ops.register_autograd("scan_forward", _scan_backward, _scan_setup)
    for kind in GATES:
        name = f"{lib}min_{kind}"
        torch.library.register_fake(name + "_forward")(
            lambda p, h0, keep: p.new_empty(p.shape[0], p.shape[1], h0.shape[1]))
        torch.library.register_fake(name + "_backward")(
            lambda dh, p, h, h0, keep: (torch.empty_like(p), torch.empty_like(h0)))
        ops.register_autograd(f"min_{kind}_forward", _gates_backward(kind), _gates_setup)
        torch.library.register_fake(name + "_input_forward")(
            lambda x, Wt, bias, h0, keep: x.new_empty(x.shape[0], x.shape[1], h0.shape[1]))
        torch.library.register_fake(name + "_input_backward")(
            lambda dh, x, Wt, bias, h, h0, keep: (torch.empty_like(x), torch.empty_like(Wt),
                                                  torch.empty_like(bias), torch.empty_like(h0)))
        ops.register_autograd(f"min_{kind}_input_forward", _input_backward(kind),
                              _input_setup)


def _scan_setup(ctx, inputs, output):
    a, _, h0 = inputs
    ctx.save_for_backward(a, output, h0)


def _scan_backward(ctx, dh):
    a, h, h0 = ctx.saved_tensors
    return torch.ops.rnnkit.scan_backward(dh.contiguous(), a, h, h0)


def _gates_setup(ctx, inputs, output):
    p, h0, keep = inputs
    ctx.save_for_backward(p, output, h0, keep)


def _gates_backward(kind: str):
    def backward(ctx, dh):
        p, h, h0, keep = ctx.saved_tensors
        dp, dh0 = getattr(torch.ops.rnnkit, f"min_{kind}_backward")(dh.contiguous(), p, h, h0,
                                                                    keep)
        return dp, dh0, None
    return backward


def _input_setup(ctx, inputs, output):
    x, Wt, bias, h0, keep = inputs
    ctx.save_for_backward(x, Wt, bias, output, h0, keep)


def _input_backward(kind: str):
    def backward(ctx, dh):
        x, Wt, bias, h, h0, keep = ctx.saved_tensors
        dx, dWt, db, dh0 = getattr(torch.ops.rnnkit, f"min_{kind}_input_backward")(
            dh.contiguous(), x, Wt, bias, h, h0, keep)
        return dx, dWt, db, dh0, None
    return backward
