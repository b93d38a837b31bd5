"""Sequential: a stack of layers, each feeding the next, with masks carried alongside.

    model = Sequential([Input(shape=(20, 1)), SimpleRNN(50), Dense(1)])
    model.compile(optimizer="rmsprop", loss="mse")
    model.fit(x, y, epochs=10)

It is a torch.nn.Module: `model(x)` runs the forward pass and `model.parameters()` feeds any
PyTorch optimizer; fit is optional.

    >>> from rnnkit.layers import Dense, Input, SimpleRNN
    >>> model = Sequential([Input(shape=(20, 1)), SimpleRNN(5), Dense(1)])
    >>> model.compile(optimizer="rmsprop", loss="mse")
    >>> model(torch.zeros(3, 20, 1)).shape, model.count_params()
    (torch.Size([3, 1]), 41)
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from ..layers.base import Layer, Shape
from ..layers.core import Embedding, InputLayer
from ..layers.recurrent import folds_into
from ..layers.registry import deserialize, serialize
from ..layers.symbolic import KerasTensor
from .training import Model


class Sequential(Model):
    """A linear stack of layers (Keras's Sequential) that is also an nn.Module."""

    plan_kind = "sequential"        # predict may run a plan of its layers (inference.py)

    def __init__(self, layers: list | None = None, name: str | None = None,
                 trainable: bool = True):
        super().__init__(name=name, trainable=trainable)
        self._modules["layers"] = nn.ModuleList()      # "layers.0.W": state_dict keys as before
        self.input_shape_arg: Shape | None = None      # without the batch axis
        self.build_input_shape: Shape | None = None    # the first batch's, when built lazily
        self.batch_size: int | None = None             # fixed by Input(batch_size=...)
        if layers is not None:
            if isinstance(layers, (Layer, InputLayer, KerasTensor)) or \
                    not hasattr(layers, "__iter__"):
                raise TypeError("Sequential expects a list of layers: "
                                "Sequential([LSTM(32), Dense(1)]).")
            for layer in layers:
                self.add(layer)

    @property
    def layers(self) -> nn.ModuleList:
        return self._modules["layers"]

    @property
    def input_names(self) -> list[str]:
        return ["input"]

    @property
    def output_names(self) -> list[str]:
        return [getattr(self.layers[-1], "name", "output")] if len(self.layers) else ["output"]

    def _input_integer_ok(self) -> list[bool]:
        return [self._takes_token_ids()]

    def _input_is_text(self) -> list[bool]:
        return [getattr(type(self._first_layer()), "accepts_strings", False)]   # a class flag

    def _first_layer(self) -> nn.Module | None:
        """layers[0] or None, without ModuleList's index arithmetic (predict asks per call)."""
        return next(iter(self.layers._modules.values()), None)

    def _output_layer(self, k: int):
        return self.layers[-1] if len(self.layers) else None

    def _run(self, xs: list[Tensor], logits: list[bool] | None = None):
        out, mask = self.forward_with_mask(xs[0], logits=bool(logits and logits[0]))
        return [out], [mask]

    # -- structure --------------------------------------------------------------------------
    def add(self, layer) -> None:
        """Append a layer; an Input(shape=...) or input_shape= fixes the model's input shape."""
        if isinstance(layer, KerasTensor):
            if layer.input_layer is None:
                raise TypeError(
                    "Sequential.add takes layers; this is a symbolic tensor made by a layer "
                    "call. Add the layer itself, or build a functional Model(inputs, outputs).")
            layer = layer.input_layer
        if isinstance(layer, InputLayer):
            if len(self.layers):
                raise ValueError("Input(...) must come first in a Sequential model.")
            self.input_shape_arg = layer.shape
            self.batch_size = layer.batch_size
            return
        if not isinstance(layer, nn.Module):
            raise TypeError(
                f"Sequential.add expects a layer (an nn.Module such as rnnkit.layers.LSTM(32)), "
                f"got {type(layer).__name__}.")
        if len(self.layers) and getattr(self.layers[-1], "return_state", False) is True:
            before = self.layers[-1]
            raise ValueError(
                f"{type(before).__name__} {getattr(before, 'name', '')!r} returns [output, "
                f"*states] (return_state=True), which the next layer of a Sequential cannot "
                f"take. Only the last layer may return its states; to pass states on, build a "
                f"functional Model (outputs, *states = layer(x)).")
        if not len(self.layers) and self.input_shape_arg is None:
            self.input_shape_arg = getattr(layer, "input_shape_arg", None)
            self.batch_size = self.batch_size or getattr(layer, "batch_size", None)
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
        """Build every layer whose input shape can be derived from input_shape.

        The shape after the layers built so far is remembered, so `add` builds only the new
        layer (a model of n layers is built in O(n) steps, not O(n^2))."""
        shape, start = tuple(input_shape), 0
        known = getattr(self, "_shape_after", None)
        if known is not None and known[0] == shape and 0 < known[1] <= len(self.layers) \
                and self.layers[known[1] - 1] is known[2]:
            start, shape = known[1], known[3]
        for i in range(start, len(self.layers)):
            layer = self.layers[i]
            if not isinstance(layer, Layer):
                return
            try:
                layer.maybe_build(shape)
            except (TypeError, ValueError):
                if shape[-1] is None:      # an unknown feature size: build at the first batch
                    return
                raise
            shape = layer.compute_output_shape(shape)
            self.__dict__["_shape_after"] = (tuple(input_shape), i + 1, layer, shape)

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
        return isinstance(self._first_layer(), Embedding)

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
        if not isinstance(x, Tensor) and not self._input_is_text()[0]:
            x = self._x_tensor(x).to(self.device)
        if isinstance(x, Tensor) and not self._takes_token_ids() and not x.is_floating_point():
            x = x.float()
        if self.input_shape_arg is None and self.build_input_shape is None:
            self.build_input_shape = tuple(x.shape[1:])
        last, skip = len(self.layers) - 1, False
        for i, layer in enumerate(self.layers):
            if skip:                                         # run with the Embedding before it
                skip = False
                continue
            if not isinstance(layer, Layer):                 # a plain nn.Module
                x, mask = layer(x), None
                continue
            next_mask = layer.compute_mask(x, mask)
            if i < last and not (logits and i + 1 == last) and folds_into(
                    layer, self.layers[i + 1], x):
                rnn = self.layers[i + 1]                     # the lookup and W_x as one product
                mask = rnn.compute_mask(x, next_mask)
                x, skip = rnn.forward(x, mask=next_mask, embedding=layer), True
                continue
            x = layer.pre_activation(x) if (logits and i == last) else layer(x, mask=mask)
            mask = next_mask
        return x, mask

    # -- config and saving ------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        return {"name": self.name,
                "input_shape": None if self.input_shape_arg is None else list(self.input_shape_arg),
                "build_input_shape": None if self.build_input_shape is None
                else list(self.build_input_shape),
                "batch_size": self.batch_size,
                "layers": [serialize(layer) for layer in self.layers]}

    @classmethod
    def from_config(cls, config: dict[str, Any], safe_mode: bool = True) -> "Sequential":
        model = cls(name=config.get("name"))
        if config.get("input_shape") is not None:
            model.input_shape_arg = tuple(config["input_shape"])
        model.batch_size = config.get("batch_size")
        for spec in config.get("layers", []):
            model.add(deserialize(spec, safe_mode=safe_mode))
        if model.input_shape_arg is None and config.get("build_input_shape") is not None:
            model.build_input_shape = tuple(config["build_input_shape"])
            model.build((None, *model.build_input_shape))
        return model
