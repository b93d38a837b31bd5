"""What a Keras layer adds to the loss or does to its weights after each step: weight
regularizers (`kernel_regularizer=L2(1e-4)`), activity regularizers, `add_loss`, and weight
constraints (`kernel_constraint=MaxNorm(3)`).

Every layer takes these arguments (Layer.__init_subclass__ passes them here), so a layer's
own __init__ need not list them. The Keras name of a weight is found on the layer, or on its
cell for the recurrent layers:

    kernel            W (Dense, convolutions), W_x (LSTM, GRU cells), W_xh (SimpleRNN cell)
    recurrent_kernel  W_h, W_hh
    bias              b, b_x, b_h (every bias the layer has: GRU's two count as Keras's one)
    embeddings        embeddings
    gamma, beta       gamma, beta (normalization)

Regularizers and constraints see each weight in Keras's layout (a Dense kernel as
(inputs, units), a convolution kernel as (*kernel_size, in, out)), so `axis` and
OrthogonalRegularizer's `mode` mean what they mean in Keras.
"""
from __future__ import annotations

import weakref
from typing import Any

import torch
from torch import Tensor, nn

from .. import constraints as constraints_mod
from .. import regularizers as regularizers_mod

WEIGHTS = {"kernel": ("W", "W_x", "W_xh"), "recurrent": ("W_h", "W_hh"),
           "bias": ("b", "b_x", "b_h"), "embeddings": ("embeddings",), "gamma": ("gamma",),
           "beta": ("beta",)}
_TRANSPOSED = {"W", "W_x", "W_xh", "W_h", "W_hh"}     # stored (out, in); Keras has (in, out)
_SUFFIXES = ("_regularizer", "_constraint")

# The training step asks for penalties every batch; most models have none, so the step looks
# at these two first instead of walking the model's modules.
_loss_layers: weakref.WeakSet = weakref.WeakSet()   # layers that called add_loss
_configured = [0]                                   # layers given a regularizer or constraint


def note_loss_layer(layer: nn.Module) -> None:
    _loss_layers.add(layer)


def note_configured() -> None:
    _configured[0] += 1


def pop_arguments(kwargs: dict, named: set[str]) -> dict[str, Any]:
    """Take `*_regularizer` / `*_constraint` arguments that a layer's __init__ does not name."""
    return {k: kwargs.pop(k) for k in list(kwargs)
            if k.endswith(_SUFFIXES) and k not in named}


def attach(layer: nn.Module, arguments: dict[str, Any]) -> None:
    """Store the regularizers and constraints given to a layer's constructor."""
    if any(v is not None for v in arguments.values()):
        note_configured()
    for key, value in arguments.items():
        kind, _, what = key.rpartition("_")
        if value is None:
            continue
        if key == "activity_regularizer":
            layer.activity_regularizer = regularizers_mod.get(value)
            continue
        if kind not in WEIGHTS:
            known = ", ".join(f"{k}_{what}" for k in WEIGHTS)
            raise TypeError(f"{type(layer).__name__} got an unexpected argument {key!r}. "
                            f"Layers take {known} and activity_regularizer.")
        if what == "regularizer":
            layer._weight_regularizers = {**layer._weight_regularizers,
                                          kind: regularizers_mod.get(value)}
        else:
            layer._weight_constraints = {**layer._weight_constraints,
                                         kind: constraints_mod.get(value)}


def config_of(layer: nn.Module) -> dict[str, Any]:
    """The layer's regularizers and constraints as config entries (Keras's keys)."""
    config: dict[str, Any] = {}
    for kind, reg in layer._weight_regularizers.items():
        config[f"{kind}_regularizer"] = regularizers_mod.serialize(reg)
    for kind, con in layer._weight_constraints.items():
        config[f"{kind}_constraint"] = constraints_mod.serialize(con)
    if layer.activity_regularizer is not None:
        config["activity_regularizer"] = regularizers_mod.serialize(layer.activity_regularizer)
    return config


def _keras_view(attr: str, t: Tensor) -> Tensor:
    """The weight as Keras lays it out, as a view that writes through to the parameter."""
    if attr in _TRANSPOSED and t.dim() == 2:
        return t.T
    if attr == "W" and t.dim() >= 3:                   # conv (out, in, *k) -> (*k, in, out)
        return t.permute(*range(2, t.dim()), 1, 0)
    return t


def named_weights(layer: nn.Module, kind: str) -> list[Tensor]:
    """The tensors of Keras weight `kind` (in Keras's layout) on the layer or its cell."""
    found = []
    for owner in (layer, getattr(layer, "cell", None)):
        if not isinstance(owner, nn.Module):
            continue
        for attr in WEIGHTS[kind]:
            t = owner._parameters.get(attr)
            if t is not None:
                found.append(_keras_view(attr, t))
        if found:
            return found
    return found


def weight_penalties(layer: nn.Module) -> list[Tensor]:
    """The penalties of this layer's own regularized weights (not its sublayers')."""
    out = []
    for kind, reg in layer._weight_regularizers.items():
        out += [reg(w) for w in named_weights(layer, kind)]
    for param, reg in layer._param_regularizers:
        out.append(reg(param))
    return out


@torch.no_grad()
def apply_constraints(layer: nn.Module) -> None:
    """Project this layer's constrained weights (after an optimizer step)."""
    for kind, con in layer._weight_constraints.items():
        for w in named_weights(layer, kind):
            w.copy_(con(w))
    for param, con in layer._param_constraints:
        param.copy_(con(param))


def activity_penalty(regularizer, outputs) -> Tensor | None:
    """Keras 3's activity penalty: the regularizer of each output tensor / its batch size."""
    tensors = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    total = None
    for t in tensors:
        if isinstance(t, Tensor) and t.is_floating_point():
            p = regularizer(t)
            if t.dim() > 0 and t.shape[0] > 0:
                p = p / t.shape[0]
            total = p if total is None else total + p
    return total


def model_penalties(model: nn.Module) -> list[Tensor]:
    """Every penalty of the model's last forward pass: `add_loss` values, activity and weight
    regularizers of every layer (Keras's `model.losses`)."""
    out: list[Tensor] = []
    if not _configured[0] and not _loss_layers:
        return out
    for m in model.modules():
        added = m.__dict__.get("_added_losses")
        if added:
            out += added
        if getattr(m, "_weight_regularizers", None) or getattr(m, "_param_regularizers", None):
            out += weight_penalties(m)
    return out


def clear_added(model: nn.Module) -> None:
    """Forget the `add_loss` values of the last forward pass (before the next one)."""
    if not _loss_layers:
        return
    for m in model.modules():
        added = m.__dict__.get("_added_losses")
        if added:
            added.clear()


def constrained_layers(model: nn.Module) -> list[nn.Module]:
    if not _configured[0]:
        return []
    return [m for m in model.modules()
            if getattr(m, "_weight_constraints", None) or getattr(m, "_param_constraints", None)]
