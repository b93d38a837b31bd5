"""Gradient flow through time: how much of the loss's gradient reaches each step of a sequence.

Backpropagation through time sends the gradient of the loss L back along the recurrence:

    ∂L/∂h_t = ∂L/∂y_t + (∂h_{t+1}/∂h_t)^T ∂L/∂h_{t+1}    (direct + through time)

For an Elman RNN, ∂h_{t+1}/∂h_t = diag(1 - h_{t+1}²) W_hh: a product of k such Jacobians
shrinks like ρ^k when the gain ρ < 1 (vanishing) and grows like ρ^k when ρ > 1 (exploding).
The LSTM's cell state adds a path c_t = f ⊙ c_{t-1} + ... whose Jacobian is the forget gate
itself, so the gradient can cross many steps; the GRU's h_t = (1 - z) ⊙ n + z ⊙ h_{t-1} too.

`gradient_flow(model, x, y)` measures this on a real model and batch. For every recurrent
layer of a Sequential model (both directions of a Bidirectional) it runs the layer's
readable path (the cell once per step), keeps every step's output h_t and takes

    step_norms[s] = mean over samples b of ||∂ℓ_b/∂h_s^b||₂

where ℓ_b is sample b's own loss, so the numbers do not depend on the batch size; s counts
steps in the order the layer reads the sequence (for go_backwards, s = 0 is the last input
step). ∂L/∂h_s is the total derivative: through time and, with return_sequences, directly.
Weight gradients are those of the batch-mean loss L, the one the optimizer sees before any
clipping. `ratio_first_to_last` is step_norms[0] / step_norms[T-1]: with the loss at the
last step, the fraction of the gradient reaching the last step that survives to the first.

    >>> flow = gradient_flow(model, x_batch, y_batch)           # doctest: +SKIP
    >>> ratio_first_to_last(flow)                               # doctest: +SKIP
    3.1e-09
    >>> plot_gradient_flow({"SimpleRNN": flow}, "flow.png")     # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import copy
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import torch
from torch import Tensor

from .. import losses as losses_mod
from ..kernels import use_path
from ..layers.bidirectional import Bidirectional
from ..layers.recurrent import RNN
from ..models.data import align_targets, as_tensor, check_same_length
from ..models.sequential import Sequential

REDUCTION = ("mean over the batch of per-sample L2 norms ||∂ℓ_b/∂h_t^b||, "
             "ℓ_b the sample's own loss")


@dataclass
class LayerFlow:
    """The gradient flow through one recurrent layer (one direction of a Bidirectional)."""

    name: str                          # the layer's name; "<name>/forward" in a Bidirectional
    kind: str                          # "SimpleRNN", "LSTM", "GRU", ...
    step_norms: np.ndarray             # (T,): step s in the order the layer reads the input
    weight_grad_norms: dict[str, float]   # ||∂L/∂W|| per weight of the layer, e.g. "W_hh"
    go_backwards: bool = False

    @property
    def steps_from_end(self) -> np.ndarray:
        """T-1-s for each step s: the distance from the last step read (the loss's step)."""
        return np.arange(len(self.step_norms))[::-1].copy()

    def ratio_first_to_last(self) -> float:
        return ratio_first_to_last(self.step_norms)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "go_backwards": self.go_backwards,
                "ratio_first_to_last": self.ratio_first_to_last(),
                "step_norms": [float(v) for v in self.step_norms],
                "weight_grad_norms": dict(self.weight_grad_norms)}


@dataclass
class GradientFlow:
    """What `gradient_flow` measured: one LayerFlow per recurrent layer, in model order."""

    layers: list[LayerFlow]
    loss: float                        # the batch-mean loss L
    weight_grad_norms: dict[str, float]   # every weight of the model, "layer_name.weight"
    total_grad_norm: float             # ||∂L/∂θ|| over all weights together
    batch_size: int
    reduction: str = field(default=REDUCTION)

    def layer(self, name: str) -> LayerFlow:
        for flow in self.layers:
            if flow.name == name:
                return flow
        raise KeyError(f"No recurrent layer named {name!r}; the flow has "
                       f"{[f.name for f in self.layers]}.")

    def ratio_first_to_last(self, layer: str | None = None) -> float:
        """The ratio for the named layer, or the first recurrent layer by default."""
        return (self.layer(layer) if layer else self.layers[0]).ratio_first_to_last()

    def to_dict(self) -> dict[str, Any]:
        return {"loss": self.loss, "batch_size": self.batch_size, "reduction": self.reduction,
                "total_grad_norm": self.total_grad_norm,
                "weight_grad_norms": dict(self.weight_grad_norms),
                "layers": [flow.to_dict() for flow in self.layers]}


def ratio_first_to_last(flow: GradientFlow | LayerFlow | Sequence[float] | np.ndarray) -> float:
    """step_norms[0] / step_norms[T-1]: how much of the gradient at the last step reaches the first.

    Takes a GradientFlow (its first recurrent layer), a LayerFlow or the norms themselves.
    About 1 means the gradient crosses the sequence intact, << 1 vanishing, >> 1 exploding;
    NaN when no gradient reaches the last step.

    >>> ratio_first_to_last([1e-6, 1e-3, 1.0])
    1e-06
    """
    if isinstance(flow, GradientFlow):
        return flow.ratio_first_to_last()
    if isinstance(flow, LayerFlow):
        flow = flow.step_norms
    norms = np.asarray(flow, dtype=np.float64)
    if norms.ndim != 1 or len(norms) == 0:
        raise ValueError(f"ratio_first_to_last expects one norm per time step (a 1-D array), "
                         f"got shape {norms.shape}.")
    last = norms[-1]
    return float(norms[0] / last) if last != 0 and math.isfinite(last) else math.nan


# -- measuring ------------------------------------------------------------------------------
def gradient_flow(model: Sequential, x, y, loss=None,
                  dtype: torch.dtype | None = None) -> GradientFlow:
    """Measure ∂loss/∂h_t at every step of every recurrent layer, and each weight's gradient.

    model: a Sequential with at least one SimpleRNN, LSTM, GRU (or Bidirectional of one).
    x, y: one batch, as for `model.fit`: x (B, T, D) (or (B, T) token ids after an
    Embedding), y shaped like the model's output. loss: a Keras loss name or object; by
    default the loss the model was compiled with. dtype: torch.float64 measures on a
    float64 copy of the model, so that a vanishing gradient is not cut to 0 where float32
    underflows (below about 1e-38, some 40 steps of a 10x decay a step).

    Runs in eval mode (no dropout) on the readable path; the model's weights, gradients
    (`.grad`), training mode, implementation and stateful states are left as they were.
    """
    recurrent = _recurrent_layers(model)
    loss_obj = _resolve_loss(model, loss)
    xt, yt = _check_batch(model, x, y, loss_obj)
    if dtype is not None and dtype != next(model.parameters(), xt).dtype:
        model = copy.deepcopy(model).to(dtype)            # measure on a copy, leave the model
        recurrent = _recurrent_layers(model)
        xt = xt.to(dtype) if xt.is_floating_point() else xt
        yt = yt.to(dtype) if yt.is_floating_point() else yt

    was_training = model.training
    model.eval()
    try:
        with _record_steps(recurrent) as steps:
            out = model(xt, logits=_fuses_logits(model, loss_obj))
            y_true = align_targets(yt.to(out.device), tuple(out.shape[1:]), loss_obj.name)
            per_sample = _per_sample_loss(model, loss_obj, y_true, out)       # (B,)
            batch_loss = per_sample.mean()
            if not torch.isfinite(batch_loss):
                raise FloatingPointError(
                    f"The loss is {batch_loss.item()} on this batch: the forward pass "
                    "overflowed, so there is no gradient to measure. Check the weights "
                    "(a recurrent weight scale far above 1 with relu) or the inputs' scale.")
            hs = [h for layer in recurrent for h in steps[layer]]
            params = [p for p in model.parameters() if p.requires_grad]
            grads = torch.autograd.grad(batch_loss, hs + params, allow_unused=True)
    finally:
        model.train(was_training)

    B = xt.shape[0]
    h_grads, p_grads = list(grads[:len(hs)]), grads[len(hs):]
    grad_of = {id(p): g for p, g in zip(params, p_grads)}
    flows = []
    for layer in recurrent:
        T = len(steps[layer])
        per_step, h_grads = h_grads[:T], h_grads[T:]
        flows.append(LayerFlow(
            name=_flow_name(model, layer), kind=type(layer).__name__,
            step_norms=np.array([_mean_sample_norm(g, h, B) for g, h in
                                 zip(per_step, steps[layer])]),
            weight_grad_norms={n.removeprefix("cell."): _norm(grad_of.get(id(p)))
                               for n, p in layer.named_parameters()},
            go_backwards=layer.go_backwards))
    weight_norms = {f"{_layer_name(model, n)}": _norm(grad_of.get(id(p)))
                    for n, p in model.named_parameters()}
    total = math.sqrt(sum(v * v for v in weight_norms.values()))
    return GradientFlow(flows, float(batch_loss.detach()), weight_norms, total, B)


def _recurrent_layers(model) -> list[RNN]:
    """The RNN layers of a Sequential, both directions of each Bidirectional, in order."""
    if not isinstance(model, Sequential):
        raise TypeError(
            f"gradient_flow expects a rnnkit.models.Sequential model, got "
            f"{type(model).__name__}. Wrap the layers: Sequential([Input(shape=(T, D)), "
            "LSTM(64), Dense(1)]).")
    found: list[RNN] = []
    for layer in model.layers:
        if isinstance(layer, RNN):
            found.append(layer)
        elif isinstance(layer, Bidirectional):
            found += [layer.forward_layer, layer.backward_layer]
    if not found:
        kinds = [type(layer).__name__ for layer in model.layers]
        raise ValueError(
            f"gradient_flow needs a model with at least one recurrent layer (SimpleRNN, LSTM, "
            f"GRU or a Bidirectional of one), got layers {kinds}.")
    return found


def _resolve_loss(model: Sequential, loss) -> losses_mod.Loss:
    if loss is not None:
        return losses_mod.get(loss)
    if not getattr(model, "compiled", False):
        raise ValueError(
            "gradient_flow needs a loss: compile the model first (model.compile(optimizer="
            "'adam', loss='mse')) or pass one, e.g. gradient_flow(model, x, y, loss='mse').")
    return model.loss


def _check_batch(model: Sequential, x, y, loss_obj) -> tuple[Tensor, Tensor]:
    token_ids = model._takes_token_ids()
    xt = as_tensor("x", x, integer_ok=token_ids)          # also rejects NaN and inf
    yt = as_tensor("y", y, integer_ok=loss_obj.name == "sparse_categorical_crossentropy")
    want = 2 if token_ids else 3
    if xt.dim() != want:
        shape = "(batch, time) token ids" if token_ids else "(batch, time, features)"
        raise ValueError(
            f"gradient_flow expects x of shape {shape}, got shape {tuple(xt.shape)}. "
            "For a univariate series add a feature axis: x[..., None].")
    if xt.shape[1] == 0:
        raise ValueError(f"gradient_flow got sequences with no time steps (x of shape "
                         f"{tuple(xt.shape)}).")
    check_same_length(xt, yt)
    return xt.to(model.device), yt


@contextlib.contextmanager
def _record_steps(layers: list[RNN]) -> Iterator[dict[RNN, list[Tensor]]]:
    """Force the readable loop and keep each step's h_t, through a hook on the cell.

    The loop calls `layer.cell(x_t, state)` once per step and the cell returns (h_t, state),
    so a forward hook on the cell sees every h_t in the order the layer reads the sequence.
    """
    steps: dict[RNN, list[Tensor]] = {layer: [] for layer in layers}
    saved = [(layer, layer.last_path, layer.path_reason, layer._states) for layer in layers]
    handles = []
    try:
        for layer in layers:
            handles.append(layer.cell.register_forward_hook(
                lambda cell, args, out, kept=steps[layer]: kept.append(out[0])))
        with use_path("loop"):
            yield steps
    finally:
        for handle in handles:
            handle.remove()
        for layer, last_path, reason, states in saved:
            layer.last_path, layer.path_reason, layer._states = last_path, reason, states
    for layer in layers:
        assert steps[layer], f"{layer.name}: the cell was never called on the loop path"


def _fuses_logits(model: Sequential, loss_obj: losses_mod.Loss) -> bool:
    """As compile() does: a cross-entropy takes the last Dense layer's logits."""
    last = model.layers[-1]
    return (loss_obj.logits_of is not None and not loss_obj.from_logits
            and hasattr(last, "pre_activation")
            and getattr(last, "activation_name", None) == loss_obj.logits_of)


def _per_sample_loss(model, loss_obj, y_true: Tensor, out: Tensor) -> Tensor:
    values = (loss_obj(y_true, out, from_logits=True) if _fuses_logits(model, loss_obj)
              else loss_obj(y_true, out))
    return values.reshape(values.shape[0], -1).mean(dim=1)     # per step -> per sample


def _mean_sample_norm(g: Tensor | None, h: Tensor, B: int) -> float:
    """mean_b ||∂ℓ_b/∂h^b|| = B · mean_b ||∂L/∂h^b||, as L = mean_b ℓ_b and samples are
    independent (no layer mixes samples)."""
    if g is None:
        return 0.0
    g = g.detach().double().reshape(h.shape[0], -1)      # float64: tiny norms do not underflow
    return float(torch.linalg.vector_norm(g, dim=1).mean() * B)


def _norm(g: Tensor | None) -> float:
    return 0.0 if g is None else float(torch.linalg.vector_norm(g.detach().double()))


def _layer_name(model: Sequential, param_name: str) -> str:
    """'layers.0.cell.W_hh' -> 'simple_rnn.W_hh' (the layer's Keras name, then the weight)."""
    parts = param_name.split(".")
    if parts[0] == "layers" and len(parts) > 2:
        layer = model.layers[int(parts[1])]
        rest = [p for p in parts[2:] if p != "cell"]
        return ".".join([getattr(layer, "name", parts[1]), *rest])
    return param_name


def _flow_name(model: Sequential, layer: RNN) -> str:
    for outer in model.layers:
        if isinstance(outer, Bidirectional) and layer in (outer.forward_layer,
                                                          outer.backward_layer):
            side = "forward" if layer is outer.forward_layer else "backward"
            return f"{outer.name}/{side}"
    return layer.name


# -- plotting -------------------------------------------------------------------------------
def draw_gradient_flow(ax, flows: Mapping[str, GradientFlow | LayerFlow], title: str = "",
                       styles: Mapping[str, dict] | None = None) -> None:
    """Draw norm (log scale) against steps from the last step, one curve per model/layer."""
    for label, flow in flows.items():
        layer_flows = flow.layers if isinstance(flow, GradientFlow) else [flow]
        for lf in layer_flows:
            name = label if len(layer_flows) == 1 else f"{label}: {lf.name}"
            norms = np.where(lf.step_norms > 0, lf.step_norms, np.nan)   # log scale: no zeros
            ratio = lf.ratio_first_to_last()
            ax.plot(lf.steps_from_end, norms, label=f"{name} (first/last {ratio:.2g})",
                    **(styles or {}).get(label, {}))
    ax.set_yscale("log")
    ax.set_xlabel("steps back from the last step (T-1-t)")
    ax.set_ylabel("mean ||∂ℓ/∂h_t|| over samples")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    if title:
        ax.set_title(title)


def plot_gradient_flow(flows: Mapping[str, GradientFlow | LayerFlow], path: str | Path,
                       title: str = "Gradient flow through time") -> Path:
    """A PNG of the gradient norm (log scale) against distance from the loss, one curve each."""
    if not flows:
        raise ValueError("plot_gradient_flow needs at least one flow: {'LSTM': flow, ...}.")
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    draw_gradient_flow(ax, flows, title)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
