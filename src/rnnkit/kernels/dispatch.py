"""Which path runs a recurrent layer's call, and running it: the one place that chooses.

    choose(layer, x, mask, training) -> Path(name, reason)    decides; computes nothing
    run(layer, path, x, state, mask, rec_mask) -> (outputs, state)
    use_path("loop")                                           forces a path for a block

The paths (`layer.last_path` names the one that ran, `layer.path_reason` says why):

    loop    the cell called once per step in Python: the readable reference; runs anything
    torch   PyTorch's RNN kernels over the whole sequence (torch._VF: oneDNN/ATen on a CPU,
            cuDNN on a GPU); pre- or post-padded batches are packed
    rnnkit  rnnkit's C++ ops (kernels/rnn.py): CPU, float32/float64 (and GRU in mixed
            bfloat16 where the CPU has bfloat16 instructions), activation tanh or relu,
            gates sigmoid or hard_sigmoid; they also take recurrent dropout, any padding and
            GRU's reset_after=False
    scan    MinGRU/MinLSTM: the gates for all steps in one product, then the linear scan
            (rnnkit's C++ scan on a CPU, PyTorch operations elsewhere)

The choice for SimpleRNN, LSTM and GRU, in order:
  1. a forced path: use_path(name) for the block, else the layer's implementation ('loop',
     or 'compiled': any path but the loop, else an error);
  2. rnnkit's kernel when it applies and PyTorch's does not (recurrent dropout in training,
     reset_after=False, hard_sigmoid gates, relu in an LSTM or GRU, padding with gaps), or
     in training (autograd on) where it is the faster of the two: on padded batches
     (PyTorch's must be packed: masked Bidirectional LSTM(64-256) and GRU(128), 80 steps,
     took 0.5-0.8x the epoch time on a loaded machine), every SimpleRNN and GRU, an LSTM
     over 500 steps or more or of fewer than 64 units (BENCHMARKS.md,
     benchmarks/bench_lstm_choice.py); or in inference (autograd off) where it is the
     faster: every SimpleRNN and GRU, an LSTM on one sample of under 64 steps or 64 units
     (benchmarks/bench_infer_choice.py);
  3. PyTorch's kernel when it applies;
  4. the loop, with the reasons neither kernel applies.

What a cell contributes is its equations and one `kernel_spec()`: its kind, its weights and
the options that pick a kernel (KernelSpec below).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, NamedTuple

import torch
from torch import Tensor, _VF
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence, pad_packed_sequence

from ..mixed_precision import bfloat16_supported
from . import ops, rnn, scan

PATHS = ("loop", "torch", "rnnkit", "scan")
NAMES = {"simple_rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU", "min_gru": "MinGRU",
         "min_lstm": "MinLSTM"}
LSTM_PAYS_STEPS, LSTM_PAYS_UNITS = 500, 64     # rnnkit's LSTM kernel: T >= 500 or H < 64
# Inference (no gradient) runs batches in chunks of this many rows: 8,192 windows of 40 steps
# at 128 units, one thread (loaded machine), took 0.59x (LSTM), 0.71x (SimpleRNN), 0.86x
# (GRU) the time of one call on all rows (chunks of 64-256 alike, 512 and more slower: the
# per-step buffers of a larger chunk leave the cache): bench_infer_choice.py --chunks.
INFERENCE_ROWS = 256
LSTM_INFERS_STEPS = 64      # rnnkit's LSTM kernel for one sample under 64 steps: _rnnkit_infers


class Path(NamedTuple):
    """The path a call takes ("loop", "torch", "rnnkit" or "scan") and why, in words."""

    name: str
    reason: str


class KernelSpec(NamedTuple):
    """What a cell offers the kernels. kind: "simple_rnn", "lstm", "gru", "min_gru",
    "min_lstm", or None (no kernel: `missing` says why, and the loop runs). weights: W_x,
    W_h, b_x, b_h for the first three (None where absent; LSTM and SimpleRNN have no b_h),
    W, b for the min cells. (A NamedTuple: made on every call, 6x cheaper than a frozen
    dataclass.)"""

    kind: str | None = None
    weights: tuple = ()
    activation: str = "tanh"
    recurrent_activation: str = "sigmoid"
    reset_after: bool = True
    missing: str = ""


def kernel_spec(cell) -> KernelSpec:
    """The cell's KernelSpec; a cell without one has no kernel."""
    if hasattr(cell, "kernel_spec"):
        return cell.kernel_spec()
    return KernelSpec(missing=f"{type(cell).__name__} has no compiled kernel: the readable "
                              "loop runs it")


# ---- forcing a path --------------------------------------------------------------------------

_forced: str | None = None       # set by use_path for the calls inside its block


@contextmanager
def use_path(name: str):
    """Run the recurrent layers called inside the block on one path: "loop" (the readable
    reference), "torch", "rnnkit", "scan", "compiled" (any but the loop) or "auto". A layer
    that cannot take a forced compiled path raises and says why.

    >>> from rnnkit.layers import GRU
    >>> layer = GRU(3)
    >>> with use_path("loop"):
    ...     _ = layer(torch.zeros(2, 4, 5))
    >>> layer.last_path
    'loop'
    """
    global _forced
    if name not in (*PATHS, "compiled", "auto"):
        raise ValueError(f"use_path takes one of {(*PATHS, 'compiled', 'auto')}, got {name!r}.")
    before, _forced = _forced, name
    try:
        yield
    finally:
        _forced = before


def _asked(layer) -> tuple[str, str]:
    """The path asked for ("auto" when none) and who asked, in words."""
    if _forced is not None and _forced != "auto":
        return _forced, f"use_path({_forced!r})"
    implementation = getattr(layer, "implementation", "auto")
    if implementation in ("loop", "compiled"):
        return implementation, f"implementation={implementation!r}"
    return "auto", ""


# ---- choosing --------------------------------------------------------------------------------

def choose(layer, x: Tensor, mask: Tensor | None = None, training: bool = False) -> Path:
    """The path for layer(x, mask) and the reason; raises when a forced path cannot run.

    layer: an RNN (its cell's kernel_spec(), recurrent_dropout, implementation); x (B, T, D)
    as the layer will run it (after go_backwards and input dropout); mask (B, T) bool or None.
    """
    asked, who = _asked(layer)
    if asked == "loop":
        return Path("loop", f"{who} asks for the readable cell loop")
    spec = kernel_spec(layer.cell)
    if spec.kind is None:
        path = Path("loop", spec.missing)
    elif spec.kind.startswith("min_"):
        path = _choose_scan(spec, x)
    else:
        rec_dropout = training and layer.cell.recurrent_dropout > 0
        path = _choose_recurrent(spec, x, mask, rec_dropout, asked)
    if asked != "auto" and (path.name == "loop" or asked not in ("compiled", path.name)):
        raise RuntimeError(
            f"{type(layer).__name__} {layer.name!r} was asked for the {asked!r} path ({who}) "
            f"but takes {path.name!r}: {path.reason}. Leave the choice to rnnkit (outside "
            "use_path, implementation='auto') to fall back.")
    return path


def _choose_recurrent(spec: KernelSpec, x: Tensor, mask: Tensor | None, rec_dropout: bool,
                      asked: str) -> Path:
    name = NAMES[spec.kind]
    padded = mask is not None and not bool(mask.all())
    torch_not = _torch_missing(spec, mask if padded else None, rec_dropout)
    ours_not = "is not asked for" if asked == "torch" else _rnnkit_missing(spec, x)
    training = torch.is_grad_enabled()
    if ours_not is None:
        if torch_not is not None:
            return Path("rnnkit", f"rnnkit's C++ {name} kernel: {torch_not}")
        if asked == "rnnkit":
            return Path("rnnkit", f"rnnkit's C++ {name} kernel, as use_path asks")
        if training and padded:
            return Path("rnnkit", f"rnnkit's C++ {name} kernel for training on a padded batch "
                                  "(it carries the state over padded steps; PyTorch's kernel "
                                  "would need the batch packed, which costs more)")
        if training and x.dtype == torch.bfloat16:
            return Path("rnnkit", f"rnnkit's C++ {name} kernel in mixed bfloat16 for training "
                                  "(products in bfloat16 by oneDNN, state and gates float32)")
        if training and _rnnkit_pays(spec, x):
            return Path("rnnkit", f"rnnkit's C++ {name} kernel for training (input product "
                                  "for all steps, one BLAS product a step, vectorised gates)")
        if not training and _rnnkit_infers(spec, x):
            return Path("rnnkit", f"rnnkit's C++ {name} kernel for inference ("
                        + ("one short sample: its step is a hand-vectorised GEMV"
                           if spec.kind == "lstm"
                           else "faster than PyTorch's at every batch size measured") + ")")
    if torch_not is None:
        why = ""
        if ours_not is not None and asked != "torch":
            why = f"; rnnkit's kernel {ours_not}"
        elif training and not padded and x.device.type == "cpu" and asked != "torch":
            why = (f"; faster than rnnkit's kernel at this size (rnnkit's LSTM kernel trains "
                   f"over {LSTM_PAYS_STEPS}+ steps or under {LSTM_PAYS_UNITS} units)")
        elif padded and asked != "torch":
            why = "; the padded batch is packed"
        return Path("torch", f"PyTorch's {name} kernel ({_backend(x)}){why}")
    return Path("loop", f"no compiled kernel takes this call: {torch_not}"
                        + ("" if ours_not is None else f", and rnnkit's kernel {ours_not}"))


def _torch_missing(spec: KernelSpec, padded: Tensor | None, rec_dropout: bool) -> str | None:
    """Why PyTorch's RNN kernels cannot run this call, or None."""
    if rec_dropout:
        return "PyTorch's RNN kernels have no recurrent dropout"
    if spec.kind == "gru" and not spec.reset_after:
        return ("PyTorch's GRU kernel applies the reset gate after W_hn h (reset_after=True); "
                "this layer has reset_after=False")
    acts = ("tanh", "relu") if spec.kind == "simple_rnn" else ("tanh",)
    if spec.activation not in acts or (spec.kind != "simple_rnn"
                                       and spec.recurrent_activation != "sigmoid"):
        return (f"PyTorch's {NAMES[spec.kind]} kernel has activation {' or '.join(acts)}"
                + ("" if spec.kind == "simple_rnn" else " and sigmoid gates")
                + f", not {_acts(spec)}")
    if padded is not None and not _is_contiguous_mask(padded):
        return "PyTorch packs only pre- or post-padding, and this mask has gaps in a sequence"
    return None


def _rnnkit_missing(spec: KernelSpec, x: Tensor) -> str | None:
    """Why rnnkit's C++ kernels cannot run this call (as a predicate: 'has ...'), or None."""
    if spec.activation not in rnn.KERNEL_ACTIVATIONS or (
            spec.kind != "simple_rnn" and spec.recurrent_activation not in rnn.KERNEL_GATES):
        return ("has activation tanh or relu"
                + ("" if spec.kind == "simple_rnn" else " and sigmoid or hard_sigmoid gates")
                + f" only, not {_acts(spec)}")
    if x.device.type != "cpu":
        return f"runs on a CPU, not on {x.device}"
    if x.dtype == torch.bfloat16:
        why = _bf16_missing(spec)
        if why is not None:
            return why
    elif x.dtype not in (torch.float32, torch.float64):
        return f"runs in float32/float64 (and bfloat16 for GRU), not {x.dtype}"
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        return "is not recorded by tracing or ONNX export (they record PyTorch's own ops)"
    ok, why = rnn.fused_available()
    return None if ok else f"is not available: {why}"


def _bf16_missing(spec: KernelSpec) -> str | None:
    """Why rnnkit's bfloat16 kernel (GRU, reset after, float32 weights: csrc/gru_bf16.cpp)
    cannot run this layer under a mixed policy, or None."""
    if spec.kind != "gru" or not spec.reset_after:
        return ("runs bfloat16 for GRU (reset_after=True) only; this layer's kernel is "
                "float32/float64")
    if spec.weights[0].dtype != torch.float32:
        return f"keeps float32 weights in bfloat16, not {spec.weights[0].dtype} ones"
    if not bfloat16_supported():
        return "runs bfloat16 only on CPUs with bfloat16 instructions (AVX-512 BF16, AMX)"
    return None


def _acts(spec: KernelSpec) -> str:
    if spec.kind == "simple_rnn":
        return repr(spec.activation)
    return f"activation {spec.activation!r} / recurrent_activation {spec.recurrent_activation!r}"


def _rnnkit_pays(spec: KernelSpec, x: Tensor) -> bool:
    """Where rnnkit's kernel trains faster than PyTorch's (forward + backward, batch 32,
    BENCHMARKS.md): SimpleRNN and GRU always; LSTM over long sequences (T = 1000: 0.49x the
    time; it flushes the denormal numbers vanishing gradients reach) and narrow layers
    (H = 32: 0.74x), not from 64 units on shorter sequences (H = 256, T = 100: 1.68x)."""
    if spec.kind != "lstm":
        return True
    return x.shape[1] >= LSTM_PAYS_STEPS or spec.weights[1].shape[1] < LSTM_PAYS_UNITS


def _rnnkit_infers(spec: KernelSpec, x: Tensor) -> bool:
    """Where rnnkit's kernel runs inference (no gradient) faster than PyTorch's, float32,
    one thread (benchmarks/bench_infer_choice.py, BENCHMARKS.md): SimpleRNN and GRU at every
    size measured (T = 40, B 1-256, H 32-256: 0.15-0.90x the time); LSTM on one sample only,
    where its step product is a GEMV, over fewer than LSTM_INFERS_STEPS steps (T = 20-40:
    0.71-0.97x) or under LSTM_PAYS_UNITS units (any T: 0.71-0.87x). From 2 samples, or over
    80 steps and more at 64-128 units (1.10-1.32x), oneDNN's LSTM is faster: its step is
    quicker (2.6 vs 3.4 us at 128 units), its fixed cost larger (about 65 vs 15 us).
    bfloat16 stays with PyTorch's (not measured)."""
    if x.dtype == torch.bfloat16:
        return False
    if spec.kind != "lstm":
        return True
    return x.shape[0] == 1 and (x.shape[1] < LSTM_INFERS_STEPS
                                or spec.weights[1].shape[1] < LSTM_PAYS_UNITS)


def _choose_scan(spec: KernelSpec, x: Tensor) -> Path:
    if torch.jit.is_tracing() or torch.onnx.is_in_onnx_export():
        return Path("loop", "tracing or ONNX export records the readable loop: ONNX has no scan "
                            "with these gates, and a traced Python scan writes in place")
    compiled, why_not = scan.compiled_scan_applies(x)
    if compiled and x.shape[-1] <= scan.MAX_FUSED_FEATURES:
        return Path("scan", "rnnkit's C++ scan with the input product and the gate activations "
                            f"fused in (D = {x.shape[-1]} <= {scan.MAX_FUSED_FEATURES} features)")
    if compiled:
        return Path("scan", "input gates for all steps in one product, then rnnkit's C++ scan "
                            "with the gate activations fused in")
    if x.is_cuda:
        return Path("scan", "input gates for all steps in one product, then a parallel "
                            "doubling scan")
    return Path("scan", "input gates for all steps in one product, then a linear scan (one op "
                        f"a step): {why_not}")


# ---- running ---------------------------------------------------------------------------------

def run(layer, path: Path, x: Tensor, state: tuple[Tensor, ...], mask: Tensor | None,
        rec_mask: Tensor | None, projected: bool = False, all_outputs: bool = True
        ) -> tuple[Tensor | None, tuple[Tensor, ...]]:
    """Run the chosen path: outputs (B, T, H) with zeros at masked steps, and the final state.
    rec_mask (B, H): the layer's recurrent dropout mask, drawn once, the same for every path.
    projected: x is already the input product x W_x^T (B, T, gates * H), rnnkit's path only
    (an Embedding folded in: RNN.sequence). Inference (no gradient) on more than
    INFERENCE_ROWS rows runs in chunks of rows; then with all_outputs=False the outputs are
    not put together, and None comes back in their place."""
    if projected and path.name != "rnnkit":
        raise ValueError(f"a projected input runs on rnnkit's kernel only, not on {path.name!r}")
    if x.shape[0] > INFERENCE_ROWS and path.name in ("torch", "rnnkit") and \
            not torch.is_grad_enabled():
        def one(rows, x_part):
            outputs, final = run(layer, path, x_part, tuple(s[rows] for s in state),
                                 None if mask is None else mask[rows],
                                 None if rec_mask is None else rec_mask[rows], projected)
            return (outputs if all_outputs else None), final
        return _in_chunks(one, x)
    if path.name == "loop":
        return layer.loop(x, state, mask, rec_mask)
    spec = kernel_spec(layer.cell)
    if path.name == "scan":
        return _scan(layer.cell, spec, x, state, mask)
    if path.name == "rnnkit":
        return _rnnkit(spec, x, state, mask, rec_mask, projected)
    return _torch(spec, x, state, mask, layer.training)


_OPS = {"simple_rnn": "rnn_forward", "lstm": "lstm_forward", "gru": "gru_forward"}


def bind(layer, path: Path, x: Tensor, all_outputs: bool = True, projected: bool = False):
    """run() for inference calls like x (same shape, dtype and device; no mask, zero initial
    state, gradients off) with what does not change between them made once: the weight list,
    the activation codes, the zero state. Returns f(x) -> (outputs, final state); outputs is
    None when all_outputs is False and the kernel can skip them. The weights are the layer's
    own tensors, so set_weights shows; a predict plan (models/inference.py) checks that they
    are still the layer's. Batches over INFERENCE_ROWS run in chunks, as in run().
    projected: the calls' x is the input product already (rnnkit's path: RNN.sequence)."""
    spec = kernel_spec(layer.cell)
    n = len(layer.cell.state_size)
    zeros = tuple(x.new_zeros(min(x.shape[0], INFERENCE_ROWS), layer.units) for _ in range(n))
    if path.name == "rnnkit" and spec.kind in _OPS and x.dtype != torch.bfloat16:
        W_x, W_h, b_x, b_h = spec.weights
        gates = None if spec.kind == "simple_rnn" else spec.recurrent_activation
        codes = rnn._codes(_OPS[spec.kind], spec.activation, gates)
        name, biases = _OPS[spec.kind], (b_x,) if spec.kind != "gru" else (b_x, b_h)
        if spec.kind == "gru" and not spec.reset_after:
            name, biases = "gru_reset_before_forward", (b_x,)
        if projected:
            W_x = x.new_empty(0)           # the kernels take x as the input product itself
        args = (W_x, W_h, *biases, None, None, *codes, all_outputs)

        def one(x, state):
            out = ops.call(name, x, *state, *args)
            return (out[0] if all_outputs else None), out[1:]
    elif path.name == "torch":
        weights, has_biases = torch_weights(spec)
        kernel = _TORCH_KERNELS.get(spec.kind) or \
            (_VF.rnn_relu if spec.activation == "relu" else _VF.rnn_tanh)

        def one(x, state):
            hx = tuple(s.unsqueeze(0) for s in state)
            out = kernel(x, hx if n > 1 else hx[0], weights, has_biases, 1, 0.0, False, False,
                         True)
            return (out[0] if all_outputs else None), tuple(h[0] for h in out[1:])
    elif projected:
        raise ValueError(f"a projected input runs on rnnkit's kernel only, not on {path.name!r}")
    else:
        return lambda x: run(layer, path, x, _rows(zeros, x.shape[0]), None, None)
    if x.shape[0] <= INFERENCE_ROWS:
        return lambda x: one(x, zeros)
    chunk = INFERENCE_ROWS
    return lambda x: _in_chunks(lambda rows, x_part: one(x_part, _rows(zeros, len(x_part))), x,
                                chunk)


def _rows(state: tuple, rows: int) -> tuple:
    return state if state[0].shape[0] == rows else tuple(s[:rows] for s in state)


def _in_chunks(one, x: Tensor, chunk: int | None = None):
    """one(rows, x[rows]) -> (outputs or None, state) over chunks of `chunk` rows (default
    INFERENCE_ROWS), put together."""
    chunk = chunk or INFERENCE_ROWS
    parts = [one(slice(i, i + chunk), x[i:i + chunk]) for i in range(0, x.shape[0], chunk)]
    outputs = None if parts[0][0] is None else torch.cat([p[0] for p in parts])
    return outputs, tuple(torch.cat(s) for s in zip(*(p[1] for p in parts)))


def _rnnkit(spec: KernelSpec, x: Tensor, state, mask, rec_mask, projected: bool = False):
    W_x, W_h, b_x, b_h = spec.weights
    if projected:
        W_x = x.new_empty(0)            # the kernels take x as the input product itself
    keep = None if mask is None or bool(mask.all()) else mask
    options = {"rec_mask": rec_mask, "keep": keep, "activation": spec.activation}
    if spec.kind == "simple_rnn":
        y, h = rnn.simple_rnn_fused(x, state[0], W_x, W_h, b_x, **options)
        state = (h,)
        return _zero_padded(y, keep), state
    options["recurrent_activation"] = spec.recurrent_activation
    if spec.kind == "lstm":
        y, state = rnn.lstm_fused(x, state[0], state[1], W_x, W_h, b_x, **options)
    elif spec.reset_after:
        gru = rnn.gru_bf16_fused if x.dtype == torch.bfloat16 else rnn.gru_fused
        y, h = gru(x, state[0], W_x, W_h, b_x, b_h, **options)
        state = (h,)
    else:
        y, h = rnn.gru_reset_before_fused(x, state[0], W_x, W_h, b_x, **options)
        state = (h,)
    return _zero_padded(y, keep), tuple(state)


def _zero_padded(y: Tensor, keep: Tensor | None) -> Tensor:
    """The outputs with zeros at padded steps (where the kernels carried the state over)."""
    return y if keep is None else y * keep[..., None].to(y.dtype)


def torch_weights(spec: KernelSpec) -> tuple[list[Tensor], bool]:
    """PyTorch's flat weight list [W_ih, W_hh, b_ih, b_hh] and whether it has biases; one
    Keras bias becomes b_ih with b_hh zeros (the kernels add the two)."""
    W_x, W_h, b_x, b_h = spec.weights
    if b_x is None and b_h is None:
        return [W_x, W_h], False
    return [W_x, W_h, b_x, _zeros_like(b_x) if b_h is None else b_h], True


_ZEROS: dict = {}          # (size, dtype, device) -> a zero bias, shared by every call


def _zeros_like(b: Tensor) -> Tensor:
    """A zero vector like b, made once: it is only read (no gradient is asked of it), and
    a fresh one per call was a measurable part of a one-sample predict."""
    key = (b.shape[0], b.dtype, b.device)
    zeros = _ZEROS.get(key)
    if zeros is None:
        with torch.inference_mode(False), torch.no_grad():   # a normal tensor in any mode
            zeros = _ZEROS[key] = torch.zeros(b.shape[0], dtype=b.dtype, device=b.device)
    return zeros


def _torch(spec: KernelSpec, x: Tensor, state, mask, training: bool):
    """PyTorch's kernel; padded rows are moved to the left and packed, then put back."""
    if mask is None or bool(mask.all()):
        return _torch_kernel(spec, x, state, None, training)
    B, T, _ = x.shape
    lengths = mask.sum(1)
    left = torch.arange(T, device=x.device)[None, :] < lengths[:, None]   # (B, T)
    x_left = x.new_zeros(x.shape)
    x_left[left] = x[mask]
    packed = pack_padded_sequence(x_left, lengths.clamp(min=1).cpu(), batch_first=True,
                                  enforce_sorted=False)
    out_left, new_state = _torch_kernel(spec, x_left, state, packed, training)
    outputs = out_left.new_zeros(B, T, out_left.shape[-1])
    outputs[mask] = out_left[left]
    empty = (lengths == 0)[:, None]                       # all-padding rows keep h0
    if bool(empty.any()):
        new_state = tuple(torch.where(empty, s0, s) for s0, s in zip(state, new_state))
    return outputs, new_state


_TORCH_KERNELS = {"lstm": _VF.lstm, "gru": _VF.gru}


def _torch_kernel(spec: KernelSpec, x: Tensor, state, packed: PackedSequence | None,
                  training: bool):
    weights, has_biases = torch_weights(spec)
    hx = tuple([s.unsqueeze(0) for s in state])            # (1, B, H): one layer
    if packed is not None:
        hx = tuple(h.index_select(1, packed.sorted_indices) for h in hx)
    args = (hx if len(hx) > 1 else hx[0], weights, has_biases, 1, 0.0, training, False)
    kernel = _TORCH_KERNELS.get(spec.kind) or \
        (_VF.rnn_relu if spec.activation == "relu" else _VF.rnn_tanh)
    if packed is None:
        out = kernel(x, *args, True)                       # batch_first=True
    else:
        out = kernel(packed.data, packed.batch_sizes, *args)
    y, h_n = out[0], out[1:]
    if packed is not None:
        y, _ = pad_packed_sequence(
            PackedSequence(y, packed.batch_sizes, packed.sorted_indices,
                           packed.unsorted_indices), batch_first=True, total_length=x.shape[1])
        h_n = tuple(h.index_select(1, packed.unsorted_indices) for h in h_n)
    return y, tuple(h[0] for h in h_n)


def _scan(cell: Any, spec: KernelSpec, x: Tensor, state, mask):
    """MinGRU/MinLSTM: h_t = a_t ⊙ h_{t-1} + b_t, the coefficients from the cell's gates."""
    W, b = spec.weights
    kind = spec.kind[len("min_"):]
    if not scan.compiled_scan_applies(x)[0]:
        h = _torch_scan(cell, x, state[0], mask)
    elif x.shape[-1] <= scan.MAX_FUSED_FEATURES:               # C++: product, gates, scan
        h = scan.min_rnn_input_scan(kind, x, W, b, state[0], mask)
    else:                                                      # product by BLAS, then C++
        h = scan.min_rnn_scan(kind, torch.nn.functional.linear(x, W, b), state[0], mask)
    h_last = h[:, -1]
    if mask is not None:
        h = h * mask.unsqueeze(-1).to(h.dtype)
    return h, (h_last,)


def _torch_scan(cell: Any, x: Tensor, h0: Tensor, mask: Tensor | None) -> Tensor:
    """The scan in PyTorch operations (a GPU, or no compiler)."""
    from ..layers.scan import linear_scan, linear_scan_doubling
    a, b = cell.coefficients(cell.gates(x))                 # (B, T, H) each, all steps
    if mask is not None:                                    # padded step: keep the state
        m = mask.unsqueeze(-1).to(a.dtype)
        a, b = a * m + (1.0 - m), b * m
    return (linear_scan_doubling if a.is_cuda else linear_scan)(a, b, h0)


def _is_contiguous_mask(mask: Tensor) -> bool:
    """True when each row is one run of True steps (pre-, post- or no padding)."""
    starts = (mask[:, 1:] & ~mask[:, :-1]).sum(1) + mask[:, 0].long()
    return bool((starts <= 1).all())


def _backend(x: Tensor) -> str:
    if x.is_cuda:
        return "cuDNN" if torch.backends.cudnn.is_available() else "CUDA ATen"
    return "oneDNN/ATen CPU"
