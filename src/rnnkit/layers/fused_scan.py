"""rnnkit's compiled CPU scan: the MinGRU / MinLSTM recurrence in C++, forward and backward.

    h_t = a_t ⊙ h_{t-1} + b_t            forward, one sweep over t
    g_t = dL/dh_t + a_{t+1} ⊙ g_{t+1}    backward, one sweep back
    dL/db_t = g_t,  dL/da_t = g_t ⊙ h_{t-1},  dL/dh0 = a_1 ⊙ g_1

Three forms, all with autograd (rnnkit/layers/_scan_cpp.py has the C++):

- `linear_scan_compiled(a, b, h0)`: a and b given, as `scan.linear_scan`;
- `min_rnn_scan(kind, gates, h0, keep)`: MinGRU's or MinLSTM's gate activations fused into the
  sweeps, from the gates' pre-activations (B, T, G*H): a_t and b_t are never stored, and
  backward returns the pre-activations' gradient directly. `keep` (B, T) marks the steps
  that count; the others (padding) carry the state over;
- `min_rnn_input_scan(kind, x, W, b, h0, keep)`: the input product W x_t + b fused in too,
  for inputs of few features, so nothing of size (B, T, G*H) is written or read.

Where each pays (MinGRU/MinLSTM(128), B=32, T=1024, 2 threads, forward + backward of
layer(x).sum(), throwaway script, shared machine): with the product inside, D=4 and 8 took
0.44-0.75 of the time of a BLAS product then the fused scan, D=12 0.64-0.90 (one run); at
D=16 the two swapped places between two runs, and at D=32 BLAS was 1.9-2.1x faster.
Hence MAX_FUSED_FEATURES = 12.

Shapes: B batch, T time steps, H hidden units; a, b, h (B, T, H), h0 (B, H).

Built like layers/fused.py: on first use with torch.utils.cpp_extension (gcc and ninja), the
build cached on disk, under its own name so the LSTM/GRU kernels' build is untouched. When
the build is impossible, `scan_available()` says why, `linear_scan_compiled` runs the
readable PyTorch scan (`scan.linear_scan`) instead, and the MinGRU/MinLSTM layers run their
PyTorch scan (the two min_rnn_* functions raise: they have no PyTorch twin here).

>>> a, b, h0 = torch.full((1, 3, 1), 0.5), torch.ones(1, 3, 1), torch.zeros(1, 1)
>>> linear_scan_compiled(a, b, h0).flatten().tolist()
[1.0, 1.5, 1.75]
"""
from __future__ import annotations

import hashlib
import inspect
import threading

import torch
from torch import Tensor

from ._scan_cpp import SCAN_SOURCE
from .fused import CFLAGS, _first_error_line
from .scan import linear_scan

_ops = None
_failure: str | None = None
_build_lock = threading.Lock()

GATES = {"gru": 2, "lstm": 3}
# layers/fused.py's flags, plus OpenMP's simd pragmas (a vectorized dot product) everywhere.
SCAN_CFLAGS = [*CFLAGS, "-fopenmp-simd"]
# Up to this many input features the gates' product runs inside the scan (G * D multiply-adds
# an element instead of writing and reading the (B, T, G*H) pre-activations).
MAX_FUSED_FEATURES = 12


def _build_name() -> str:
    """Extension name: changes with the source, the flags and the torch version."""
    key = "\n".join([SCAN_SOURCE, *SCAN_CFLAGS, torch.__version__])
    return "rnnkit_scan_" + hashlib.sha1(key.encode()).hexdigest()[:12]


def _load():
    """Build (or load the cached build of) the scan; return its torch.ops namespace."""
    from torch.utils.cpp_extension import load_inline

    kwargs = {}
    if "no_implicit_headers" in inspect.signature(load_inline).parameters:
        kwargs["no_implicit_headers"] = True
    load_inline(_build_name(), [SCAN_SOURCE], extra_cflags=SCAN_CFLAGS, is_python_module=False,
                verbose=False, **kwargs)
    return torch.ops.rnnkit_scan


def scan_available(build: bool = True) -> tuple[bool, str]:
    """Whether the compiled scan is usable here, and if not, why.

    The first call builds it (about 15 s with gcc, once per machine) or loads the cached
    build; build=False only reports.
    """
    global _ops, _failure
    with _build_lock:
        if _ops is None and _failure is None and build:
            try:
                _ops = _load()
            except Exception as e:  # noqa: BLE001 - no compiler, no ninja, a compile error
                _failure = (f"rnnkit's C++ scan did not build ({type(e).__name__}: "
                            f"{_first_error_line(str(e))}); using the PyTorch scan instead")
    if _ops is not None:
        return True, "rnnkit C++ scan"
    return False, _failure or "not built yet (scan_available() builds it)"


def release_workspace() -> None:
    """Return the scan's cached output buffers (up to 1 GiB, kept between calls because fresh
    memory costs a page fault per 4 KiB) that no tensor still uses to the allocator."""
    if _ops is not None:
        _ops.release_workspace()


def compiled_scan_applies(x: Tensor) -> tuple[bool, str]:
    """(True, "") when the compiled scan can run on x's device and dtype, else the reason."""
    if x.device.type != "cpu" or x.dtype not in (torch.float32, torch.float64):
        return False, f"the C++ scan runs on CPU in float32/float64 (got {x.dtype} on {x.device})"
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        return False, "tracing or ONNX export records PyTorch operations only"
    ok, reason = scan_available()
    return ok, ("" if ok else reason)


class _CompiledScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a: Tensor, b: Tensor, h0: Tensor) -> Tensor:
        h = _ops.scan_forward(a, b, h0)
        ctx.save_for_backward(a, h, h0)
        return h

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dh: Tensor):
        a, h, h0 = ctx.saved_tensors
        da, db, dh0 = _ops.scan_backward(dh.contiguous(), a, h, h0)
        return da, db, dh0


class _MinRNNScan(torch.autograd.Function):
    @staticmethod
    def forward(ctx, gates: Tensor, h0: Tensor, keep: Tensor | None, kind: str) -> Tensor:
        h = getattr(_ops, f"min_{kind}_forward")(gates, h0, keep)
        ctx.save_for_backward(gates, h, h0, keep)
        ctx.kind = kind
        return h

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dh: Tensor):
        gates, h, h0, keep = ctx.saved_tensors
        dgates, dh0 = getattr(_ops, f"min_{ctx.kind}_backward")(dh.contiguous(), gates, h, h0,
                                                                  keep)
        return dgates, dh0, None, None


class _MinRNNInputScan(torch.autograd.Function):
    """The same with the input product inside: x (B, T, D), W (G*H, D), b (G*H,) or None."""

    @staticmethod
    def forward(ctx, x: Tensor, W: Tensor, b: Tensor | None, h0: Tensor, keep: Tensor | None,
                kind: str) -> Tensor:
        Wt = W.t().contiguous()                           # (D, G*H): rows the kernel streams
        bias = b if b is not None else W.new_zeros(W.shape[0])
        h = getattr(_ops, f"min_{kind}_input_forward")(x, Wt, bias, h0, keep)
        ctx.save_for_backward(x, Wt, bias, h, h0, keep)
        ctx.kind, ctx.has_bias = kind, b is not None
        return h

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dh: Tensor):
        x, Wt, bias, h, h0, keep = ctx.saved_tensors
        dx, dW, db, dh0 = getattr(_ops, f"min_{ctx.kind}_input_backward")(
            dh.contiguous(), x, Wt, bias, h, h0, keep)
        return dx, dW, (db if ctx.has_bias else None), dh0, None, None


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

    Runs `scan.linear_scan` where the compiled scan cannot (see compiled_scan_applies).
    """
    _check("linear_scan_compiled", a, h0, 1)
    if a.shape != b.shape or b.dtype != a.dtype:
        raise ValueError(f"linear_scan_compiled expects a and b of one shape and dtype, got "
                         f"{tuple(a.shape)} {a.dtype} and {tuple(b.shape)} {b.dtype}.")
    if not compiled_scan_applies(a)[0]:
        return linear_scan(a, b, h0)
    return _CompiledScan.apply(a.contiguous(), b.contiguous(), h0.contiguous())


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
    return _MinRNNScan.apply(gates.contiguous(), h0.contiguous(), keep, kind)


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
    return _MinRNNInputScan.apply(x.contiguous(), W, b, h0.contiguous(), keep, kind)
