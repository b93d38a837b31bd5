"""Sequential: a stack of layers, each feeding the next, with masks carried alongside.

    model = Sequential([Input(shape=(20, 1)), SimpleRNN(50), Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse")
    model.fit(x, y, epochs=10)

It is a torch.nn.Module: `model(x)` runs the forward pass and `model.parameters()` feeds any
PyTorch optimizer; fit is optional.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..layers.base import Layer, Shape, get_layer_weights, set_layer_weights, unique_name
from ..layers.core import Embedding, InputLayer
from ..layers.registry import deserialize, serialize
from .training import Model


class Sequential(Model):
    """A linear stack of layers (Keras's Sequential) that is also an nn.Module."""

    def __init__(self, layers: list | None = None, name: str | None = None):
        super().__init__()
        self.name = name or unique_name("Sequential")
        self.layers = nn.ModuleList()
        self.input_shape_arg: Shape | None = None      # without the batch axis
        self.build_input_shape: Shape | None = None    # the first batch's, when built lazily
        if layers is not None:
            if isinstance(layers, (Layer, InputLayer)) or not hasattr(layers, "__iter__"):
                raise TypeError("Sequential expects a list of layers: Sequential([LSTM(32), Dense(1)]).")
            for layer in layers:
                self.add(layer)

    # -- structure --------------------------------------------------------------------------
    def add(self, layer) -> None:
        """Append a layer; an Input(shape=...) or input_shape= fixes the model's input shape."""
        if isinstance(layer, InputLayer):
            if len(self.layers):
                raise ValueError("Input(...) must come first in a Sequential model.")
            self.input_shape_arg = layer.shape
            return
        if not isinstance(layer, nn.Module):
            raise TypeError(
                f"Sequential.add expects a layer (an nn.Module such as rnnkit.layers.LSTM(32)), "
                f"got {type(layer).__name__}.")
        if not len(self.layers) and self.input_shape_arg is None:
            self.input_shape_arg = getattr(layer, "input_shape_arg", None)
            if self.input_shape_arg is None and isinstance(layer, Embedding):
                self.input_shape_arg = (layer.input_length,)
        self.layers.append(layer)
        if self.input_shape_arg is not None:
            self.build((None, *self.input_shape_arg))

    def pop(self) -> nn.Module:
        if not len(self.layers):
            raise ValueError("pop() on a model with no layers.")
        layer = self.layers[-1]
        del self.layers[-1]
        return layer

    def build(self, input_shape: Shape) -> None:
        """Build every layer whose input shape can be derived from input_shape."""
        shape = tuple(input_shape)
        for layer in self.layers:
            if not isinstance(layer, Layer):
                return
            try:
                layer.maybe_build(shape)
            except (TypeError, ValueError):
                if shape[-1] is None:      # an unknown feature size: build at the first batch
                    return
                raise
            shape = layer.compute_output_shape(shape)

    @property
    def is_built(self) -> bool:
        return all(getattr(layer, "built", True) for layer in self.layers)

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape

    def output_shape_for(self, x: Tensor) -> Shape:
        return self.compute_output_shape(tuple(x.shape))

    @property
    def input_shape(self) -> Shape | None:
        return None if self.input_shape_arg is None else (None, *self.input_shape_arg)

    @property
    def output_shape(self) -> Shape | None:
        return None if self.input_shape is None else self.compute_output_shape(self.input_shape)

    def _takes_token_ids(self) -> bool:
        return bool(len(self.layers)) and isinstance(self.layers[0], Embedding)

    # -- forward ----------------------------------------------------------------------------
    def forward(self, x: Tensor, mask: Tensor | None = None, logits: bool = False) -> Tensor:
        """Run the layers in order; logits=True stops the last layer before its activation."""
        return self.forward_with_mask(x, mask, logits)[0]

    def forward_with_mask(self, x: Tensor, mask: Tensor | None = None,
                          logits: bool = False) -> tuple[Tensor, Tensor | None]:
        """(output, output mask): the mask (B, T) is True on real steps, None when no layer
        makes one (Embedding(mask_zero=True) or Masking, carried by layers that keep steps)."""
        if not len(self.layers):
            raise ValueError("This Sequential model has no layers: add some with model.add(...).")
        if not isinstance(x, Tensor):
            x = self._x_tensor(x).to(self.device)
        if not self._takes_token_ids() and not x.is_floating_point():
            x = x.float()
        if self.input_shape_arg is None and self.build_input_shape is None:
            self.build_input_shape = tuple(x.shape[1:])
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):                 # a plain nn.Module
                x, mask = layer(x), None
                continue
            next_mask = layer.compute_mask(x, mask)
            x = layer.pre_activation(x) if (logits and i == last) else layer(x, mask=mask)
            mask = next_mask
        return x, mask

    def reset_states(self) -> None:
        for layer in self.layers:
            if hasattr(layer, "reset_states"):
                layer.reset_states()

    # -- weights ----------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Each layer's get_weights() in order: Keras's layout, so Keras's list fits."""
        return get_layer_weights(self.layers)

    def set_weights(self, weights: list) -> None:
        set_layer_weights(self.layers, weights, f"Model {self.name!r}")

    def count_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    # -- summary ----------------------------------------------------------------------------
    def summary(self, print_fn=print) -> None:
        """Print each layer's type, output shape and number of weights, as Keras does."""
        rows = [("Layer (type)", "Output Shape", "Param #")]
        shape = self.input_shape
        for layer in self.layers:
            try:
                shape = None if shape is None else layer.compute_output_shape(shape)
            except Exception:  # noqa: BLE001 - a shape we cannot derive is shown as unknown
                shape = None
            built = getattr(layer, "built", True)
            n = sum(p.numel() for p in layer.parameters()) if built else "0 (unbuilt)"
            name = getattr(layer, "name", type(layer).__name__.lower())
            rows.append((f"{name} ({type(layer).__name__})",
                         "?" if shape is None else str(shape), str(n)))
        widths = [max(len(r[i]) for r in rows) + 2 for i in range(3)]
        line = "_" * sum(widths)
        print_fn(f'Model: "{self.name}"')
        print_fn(line)
        for k, row in enumerate(rows):
            print_fn("".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
            print_fn("=" * sum(widths) if k == 0 else line)
        trainable = sum(p.numel() for p in self.parameters() if p.requires_grad)
        print_fn(f"Total params: {self.count_params():,}")
        print_fn(f"Trainable params: {trainable:,}")
        print_fn(f"Non-trainable params: {self.count_params() - trainable:,}")
        print_fn(line)

    # -- config and saving ------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        return {"name": self.name,
                "input_shape": None if self.input_shape_arg is None else list(self.input_shape_arg),
                "build_input_shape": None if self.build_input_shape is None
                else list(self.build_input_shape),
                "layers": [serialize(layer) for layer in self.layers]}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Sequential":
        model = cls(name=config.get("name"))
        if config.get("input_shape") is not None:
            model.input_shape_arg = tuple(config["input_shape"])
        for spec in config.get("layers", []):
            model.add(deserialize(spec))
        if model.input_shape_arg is None and config.get("build_input_shape") is not None:
            model.build_input_shape = tuple(config["build_input_shape"])
            model.build((None, *model.build_input_shape))
        return model

    def save(self, filepath, include_optimizer: bool = True) -> None:
        """Save config, weights (and optimizer state) to a folder: see rnnkit.models.saving."""
        from .saving import save_model
        save_model(self, filepath, include_optimizer=include_optimizer)

    def save_weights(self, filepath) -> None:
        from .saving import save_weights
        save_weights(self, filepath)

    def load_weights(self, filepath) -> None:
        from .saving import load_weights
        load_weights(self, filepath)
