"""Export a model to ONNX and check it with ONNX Runtime.

    from rnnkit.export import export_onnx
    export_onnx(model, "model.onnx", example=x[:1])      # batch and time stay dynamic

Recurrent layers become ONNX's own RNN / LSTM / GRU operators (through torch.onnx's
TorchScript exporter), so the file runs in any ONNX runtime without rnnkit or torch.
MinGRU and MinLSTM have no ONNX operator, and some configurations run the readable loop
(GRU(reset_after=False), implementation="loop"): those export as the step loop unrolled over
the example's time steps, so such a file takes that sequence length only (the batch stays
free).

Masked models (Embedding(mask_zero=True), Masking) export their recurrent layers as the
readable loop too, whatever the example: its per-step `where(mask, new, old)` is what keeps
padded steps out, and ONNX's RNN operators would pack post-padding only. So a masked model's
file takes the example's sequence length, and gives torch's answer on padded input.
`check_onnx` compares a padded copy of the input as well.
"""
from __future__ import annotations

import os
import warnings
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
import torch

from .kernels import use_path


def export_onnx(model, path: str | os.PathLike, example=None, check: bool = True,
                opset: int = 17) -> Path:
    """Write `model` to `path` as ONNX; with check=True, compare ONNX Runtime with torch."""
    from .models.sequential import Sequential
    if not isinstance(model, Sequential):
        raise TypeError(f"export_onnx expects an rnnkit Sequential model, got "
                        f"{type(model).__name__}.")
    if example is None:
        shape = model.input_shape or ((None,) + tuple(model.build_input_shape)
                                      if model.build_input_shape else None)
        if shape is None:
            raise ValueError("The model's input shape is unknown: pass example=x[:1] (one "
                             "batch of real input) to export_onnx.")
        dims = [1] + [d if d is not None else 8 for d in shape[1:]]
        dtype = torch.long if model._takes_token_ids() else torch.float32
        example = torch.zeros(dims, dtype=dtype)
    x = model._x_tensor(example).cpu()
    if x.dim() < 2:
        raise ValueError(f"example must be a batch (samples, ...), got shape {tuple(x.shape)}.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    model = model.cpu().eval()
    axes = {0: "batch"} | ({1: "time"} if x.dim() >= 2 else {})
    with _loops_if_masked(model):
        _export(model, x, path, axes, opset)
        if 1 in axes and _traced_a_loop(model):
            # A readable loop (MinGRU, MinLSTM, GRU(reset_after=False), implementation="loop",
            # a masked model) was traced unrolled over the example's steps: the file takes
            # that length only.
            _export(model, x, path, {0: "batch"}, opset)
    if check:
        check_onnx(model, path, x)
    return path


def _export(model, x, path: Path, axes: dict[int, str], opset: int) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")                # tracer notes on Python-side checks
        torch.onnx.export(model, (x,), str(path), input_names=["x"], output_names=["y"],
                          dynamic_axes={"x": axes, "y": {0: "batch"}}, opset_version=opset,
                          dynamo=False)


def _padding(model) -> float | None:
    """The value that marks padding when a layer masks it (Embedding 0, Masking's), else None."""
    for layer in model.modules():
        if getattr(layer, "mask_zero", False):
            return 0
        if hasattr(layer, "mask_value"):
            return layer.mask_value
    return None


@contextmanager
def _loops_if_masked(model):
    """Recurrent layers on their readable loop while a masked model is traced.

    The compiled paths check the mask in Python (no padding in the example: no packing), so
    a trace of them drops the mask; the loop's per-step select is traced as operators."""
    with (use_path("loop") if _padding(model) is not None else nullcontext()):
        yield


def _padded(model, x):
    """x with its first half of steps made padding in every other sample (pre-padding, as
    pad_sequences does), for models that mask padding; else None."""
    value = _padding(model)
    if value is None or x.dim() < 2 or x.shape[1] < 2:
        return None
    xp = x.clone()
    xp[::2, : x.shape[1] // 2] = value
    return xp


def _traced_a_loop(model) -> bool:
    """Whether the last call (the export's trace) ran some recurrent layer's step loop."""
    return any(getattr(m, "last_path", None) == "loop" for m in model.modules())


def check_onnx(model, path: str | os.PathLike, x, atol: float = 1e-4) -> float:
    """Run the ONNX file in ONNX Runtime on x; return the largest difference from torch."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ImportError("Checking an ONNX export needs onnxruntime: "
                          "pip install 'rnnkit[onnx]'.") from None
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    xt = model._x_tensor(x).cpu()
    diff = 0.0
    for name, inputs in [("x", xt), ("x with padding", _padded(model, xt))]:
        if inputs is None:
            continue
        got = session.run(None, {"x": inputs.numpy()})[0]
        with torch.no_grad():
            want = model.eval()(inputs).numpy()
        diff = max(diff, float(np.abs(got - want).max()))
        if diff > atol:
            raise RuntimeError(f"ONNX Runtime's output differs from torch's by {diff:.2e} "
                               f"(allowed {atol:.0e}) on {name} for {path}.")
    return diff
